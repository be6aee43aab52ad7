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
	char		**exec;		/* --exec: each peer's program, paired
					 * with it once upgraded (taken) */
};

/* Give a connecting session (a ws-client) its WebSocket role: the
 * handshake starts once it is connected.  o is copied. */
void	ws_client_own(struct session *, const struct ws_client_opts *o);
/* Give a listening session (a ws-server) its role: each client is
 * upgraded (its request answered 101) and becomes a ws-peer session, or
 * gets an HTTP error and is reported on the server, never a session.  o is
 * copied. */
void	ws_server_own(struct session *, const struct ws_server_opts *o);

/* What the ws commands ask of a session's WebSocket (ws-ping, ws-close,
 * ws-frame, set ws-fragment|ws-autopong); each 0, or -1 with err in
 * words (not a WebSocket session, the handshake not done, a close sent
 * already, a bad value) and nothing changed. */
int	ws_session_ping(struct session *, const void *p, size_t n, char *err,
	    size_t errlen);
/* code 0: a close frame without a code.  The peer's answer ends the
 * session (reason local); WS_CLOSE_WAIT_MS without one ends it too. */
#define WS_CLOSE_WAIT_MS	2000
int	ws_session_close(struct session *, int code, const void *reason,
	    size_t rlen, char *err, size_t errlen);
enum ws_mask { WS_MASK_NONE, WS_MASK_RANDOM, WS_MASK_GIVEN };
struct ws_raw_frame {
	int			 fin;
	unsigned		 rsv;		/* 3 bits: 4 = RSV1 */
	int			 opcode;	/* any, 0..15 */
	enum ws_mask		 mask;
	unsigned char		 key[4];	/* WS_MASK_GIVEN */
	const unsigned char	*payload;
	size_t			 n;
};
/* Whether s's frames are masked by default (a client's). */
int	ws_session_masks(const struct session *);
/* One frame exactly as given, nothing checked. */
int	ws_session_frame(struct session *, const struct ws_raw_frame *,
	    char *err, size_t errlen);
/* name: "ws-fragment" (N bytes a frame, 0 off) or "ws-autopong" (on|off). */
int	ws_session_set(struct session *, const char *name, const char *value,
	    char *err, size_t errlen);

#endif
