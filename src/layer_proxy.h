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

#endif
