/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_ws.h — a WebSocket client as a filter layer and a role (SPEC
 * §3.10, §9): once the TCP stream is open the role pushes the layer, which
 * makes the opening handshake (ws.c's messages) through the layer below;
 * then each message received goes up whole, each send goes out as one
 * message, pings are answered at once and a close is answered. */
#ifndef SOCKTOOL_LAYER_WS_H
#define SOCKTOOL_LAYER_WS_H

#include <stddef.h>
#include <stdint.h>

#include "ws.h"

struct session;
struct tls_cfg;

/* What ws-client was asked for; the role's state from the connect on. */
struct ws_client_opts {
	struct ws_url	 url;
	const char	*protocols;	/* "p1,p2" or NULL */
	const char	*origin;	/* or NULL */
	const char *const *headers;	/* "Name: value" each */
	size_t		 nheaders;
	uint64_t	 timeout_ms;	/* the handshake's bound; 0: none */
	int		 deflate;	/* offer permessage-deflate */
	struct tls_cfg	*tls;		/* wss://: its configuration (taken) */
};

/* What ws-server was asked for. */
struct ws_server_opts {
	const char	*path;		/* the one path served; NULL: any */
	const char	*protocols;	/* "p1,p2" in our order, or NULL */
	int		 deflate;	/* accept permessage-deflate */
	struct tls_cfg	*tls;		/* --tls: its configuration (taken) */
};

/* Give a connecting session (a ws-client) its WebSocket role: the
 * handshake starts once it is connected.  o is copied. */
void	ws_client_own(struct session *, const struct ws_client_opts *o);
/* Give a listening session (a ws-server) its role: each client is
 * upgraded (its request answered 101) and becomes a ws-peer session, or
 * gets an HTTP error and is reported on the server, never a session.  o is
 * copied. */
void	ws_server_own(struct session *, const struct ws_server_opts *o);

#endif
