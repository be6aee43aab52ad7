/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_proxy.h — the proxy handshake as a filter layer (SPEC §3.14, §9):
 * a client connected to a SOCKS or HTTP proxy asks it for the target
 * (layer_proxy.c); once the proxy agrees the layer lets bytes through and
 * what goes above it (TLS, the pipeline) starts. */
#ifndef SOCKTOOL_LAYER_PROXY_H
#define SOCKTOOL_LAYER_PROXY_H

#include <stdint.h>

#include "buf.h"
#include "proxy.h"

struct session;
struct proxy_hs;

/* LCTL_VIA's answer: the target and the proxy, in words. */
struct layer_via {
	char	target[PROXY_NAME_MAX + 8];
	char	via[PROXY_NAME_MAX + 24];
};

/* A handshake to make with the proxy at url for host:port once connected;
 * opened(s) is what the connect does next when it is done (the connected
 * event, then TLS or the queue).  timeout_ms bounds the handshake. */
struct proxy_hs *proxy_hs_new(const struct proxy_url *url, const char *host,
	    uint16_t port, uint64_t timeout_ms,
	    void (*opened)(struct session *));
void	proxy_hs_free(struct proxy_hs *);
void	proxy_hs_via(const struct proxy_hs *, struct layer_via *);
/* Connected to the proxy: push the layer (it takes hs) and start.  -1 when
 * the session is gone. */
int	proxy_hs_start(struct session *, struct proxy_hs *);

/* The relay side (SPEC §3.14): a client of `relay --socks5/--http-proxy`
 * says where it wants to go.  The layer on its session takes the request
 * (serve: which kinds; a SOCKS5 client's first byte is 0x05, an HTTP
 * one's a letter), then calls target(s, host, port) and waits, reading
 * nothing more, for proxy_serve_answer(): SOCKS5_OK with the upstream's
 * local address (the client gets the success reply, then bytes pass both
 * ways, those it sent early first), or a SOCKS5 reply code (an HTTP
 * client gets 403 for SOCKS5_NOT_ALLOWED, 504 for SOCKS5_TTL, else 502),
 * after which the caller ends s.  target may end s. */
#define PROXY_SERVE_SOCKS5	1u
#define PROXY_SERVE_HTTP	2u
struct net_addr;
typedef void	(*proxy_target_fn)(struct session *, const char *host,
		    uint16_t port);
int	proxy_serve_start(struct session *, unsigned serve,
	    uint64_t timeout_ms, proxy_target_fn);
/* 1 while s's client waits for proxy_serve_answer(). */
int	proxy_serve_waiting(const struct session *);
/* said (may be NULL): "SOCKS5 reply 2", "HTTP 403": what was sent. */
void	proxy_serve_answer(struct session *, int rep,
	    const struct net_addr *bound, char *said, size_t saidlen);

#endif
