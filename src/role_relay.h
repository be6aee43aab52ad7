/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_relay.h — the relay roles (SPEC §3.8): a listening session whose every client is
 * paired with an upstream connection; forwarding is a tap of the pipeline. */
#ifndef SOCKTOOL_RELAY_H
#define SOCKTOOL_RELAY_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct addr_cidr;

void	relay_init(void);
/* a and b become a pair like a relay's (SPEC 3.8): what one receives goes
 * out on the other (a tap), hold/release and rewrite rules apply, the
 * end of one's stream is passed on as the end of the other's input, and
 * one's close closes the other.  The roles of a and b call the two hooks
 * below from their own peer_eof and closing (a relay's sides, a server's
 * peer and the program --exec started for it). */
void	relay_link(struct session *a, struct session *b);
int	relay_link_eof(struct session *);
void	relay_link_closing(struct session *, const char *reason);
/* A relay listening on [host]:port to uphost:upport. */
struct session *relay_start(const char *host, uint16_t port,
	    const char *uphost, uint16_t upport, unsigned max_peers,
	    struct addr_cidr *allow, size_t nallow, char *err, size_t errlen);
/* `hold`/`release` on a TCP relay: hold (or release) the client side of
 * every current pair, and hold every new pair's client side from its
 * start (or no longer).  pairs/bytes: how many sides changed and the bytes
 * they had held.  -1: srv is not a TCP relay. */
int	relay_hold_all(struct session *srv, int hold, size_t *pairs,
	    size_t *bytes);
/* Does the relay hold new pairs (for `show`)? */
int	relay_holds_new(const struct session *srv);
/* TLS on the relay: terminated from clients (in), spoken upstream (out);
 * the relay holds the references. */
struct tls_cfg;
void	relay_set_tls(struct session *srv, struct tls_cfg *in,
	    struct tls_cfg *out);
/* A SOCKS5 and/or HTTP CONNECT relay (serve: PROXY_SERVE_* of
 * layer_proxy.h): no fixed upstream; each client names its target, which
 * is connected only at addresses inside targets (the relay takes the
 * list; text: it as given, for show, or NULL for the default). */
void	relay_set_proxy(struct session *srv, unsigned serve,
	    struct addr_cidr *targets, size_t ntargets, const char *text);
/* A UDP relay: every client address gets its own upstream socket, which
 * goes after idle_ms without a datagram either way. */
struct session *relay_start_udp(const char *host, uint16_t port,
	    const char *uphost, uint16_t upport, uint64_t idle_ms, char *err,
	    size_t errlen);

#endif
