/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session.h — the session table: every socket socktool owns is a numbered
 * session with a kind, a state, addresses, counters, settings and an output
 * queue.  The socket itself belongs to the session's transport
 * (transport.h); bytes move through the pipeline (pipe.h). */
#ifndef SOCKTOOL_SESSION_H
#define SOCKTOOL_SESSION_H

#include <stdint.h>
#include <stddef.h>

#include "buf.h"
#include "frame.h"
#include "layer.h"
#include "net.h"
#include "settings.h"

struct resolve;
struct role;
struct pipe_shape;
struct pipe_framing;

enum sess_kind {
	K_TCP_SERVER,
	K_TCP_PEER,
	K_TCP_CLIENT,
	K_UDP,
	K_MCAST,
	K_UNIX_SERVER,
	K_UNIX_PEER,
	K_UNIX_CLIENT,
	K_TLS_SERVER,
	K_TLS_PEER,
	K_TLS_CLIENT,
	K_RELAY,
	K_RELAY_IN,
	K_RELAY_OUT,
	K_RELAY_UDP,
	K_RELAY_UDP_OUT,
	K_EXEC,		/* a local program (role_exec.c) */
	K_EXEC_PEER,	/* a server peer's program, paired with the peer */
	K_PTY,		/* a pty whose slave a program opens (tr_pipe.c) */
	K_WS_CLIENT,
	K_SERIAL,
	K_WS_SERVER,
	K_WS_PEER,
	K_NKINDS
};

/* What a kind is, read from one table instead of tests of s->kind. */
#define KIND_SERVER	0x01	/* accepts peers */
#define KIND_STREAM	0x02	/* a byte stream (not datagrams) */
#define KIND_TCP	0x04	/* TCP: linger on close, TCP socket options */
#define KIND_UNIX	0x08	/* AF_UNIX: addresses are paths */
#define KIND_MCAST	0x10	/* a multicast group member */
#define KIND_TLS	0x20	/* TLS over TCP */
struct kind_info {
	const char	*name;
	unsigned	 flags;
	enum sess_kind	 peer;		/* kind of an accepted peer */
	enum sess_kind	 over_tls;	/* shown once a TLS layer is on it */
	/* The command that makes a session like this one from its remote
	 * address (a script log's first line), or NULL: a server or a peer
	 * has none. */
	const char	*client;
};
extern const struct kind_info sess_kinds[K_NKINDS];

enum sess_state {
	S_RESOLVING,
	S_CONNECTING,
	S_HANDSHAKING,
	S_LISTENING,
	S_CONNECTED,
	S_BOUND,
	S_HALF_CLOSED,
	S_WAITING,	/* --reconnect: the next connect is due (role_reconnect.c) */
	S_CLOSED,
};

/* Soft bound of an output queue: a send is accepted while the queue holds
 * less than this, so memory per session stays below bound + one message. */
#define SESS_QUEUE_MAX		(4u << 20)
/* A relay side's queue: forwarding fills it up to SESS_QUEUE_MAX, and
 * this much more is kept for what send/sendhex/sendfile inject, so an
 * injected send always gets its turn. */
#define SESS_INJECT_ROOM	(1u << 20)
/* Window of received bytes that `expect` searches. */
#define SESS_EXPECT_MAX		(256u << 10)

struct text_carry {
	unsigned char	 b[8];		/* ENC_TAIL_MAX */
	unsigned char	 n;
};

struct session {
	unsigned		 id;
	enum sess_kind		 kind;
	enum sess_state		 state;
	/* The descriptor, owned by the fd layer (the bottom of the stack:
	 * only it does I/O on fd); filters stack on it up to top (layer.h).
	 * top is NULL while no fd layer is attached. */
	int			 fd;
	struct layer		 fdl;
	struct layer		*top;
	/* What owns it (role.h): hooks and the role's own state.  NULL: a
	 * plain socket, which needs none. */
	const struct role	*role;
	void			*role_state;
	struct session		*parent;	/* server of an accepted peer */
	/* A relay's pair: what arrives on one side goes out on the other
	 * (relay.c).  Cleared when either side goes. */
	struct session		*pair;
	unsigned		 pair_id;	/* the pair's other side, kept for
					 * the closed event after unlinking */
	unsigned		 npeers;
	/* `hold`: what arrives here waits instead of being forwarded
	 * (role_relay.c); NULL while not held. */
	struct buf		*holdq;

	struct net_addr		 local, remote;
	/* The ends as shown: an address, a path, a program's words; at
	 * most ADDR_STRLEN - 1 bytes, "" until known, never NULL.  Written
	 * only by sess_name. */
	const char		*local_str, *remote_str;

	uint64_t		 rx_bytes, tx_bytes, rx_msgs, tx_msgs;
	uint64_t		 fill_seq;	/* {seq} of the last --fill send */
	uint64_t		 created_ms, reset_ms;

	const struct settings	*set;	/* shared, copy on write (settings.h) */
	/* Accepted for sending, not yet taken by the transport.  Datagram
	 * sessions queue [size_t len][struct net_addr][payload] records. */
	struct buf		 outq;
	size_t			 outq_payload;	/* payload bytes in outq */

	/* Lifecycle (session.c): two rules decide the end of a stream —
	 * "closing and nothing left to send: FIN, then go once acked" and
	 * "peer finished and nothing left to send: go". */
	unsigned char		 closing;	/* close once outq drains */
	unsigned char		 destroying;
	unsigned char		 eof;		/* peer finished sending */
	unsigned char		 wr_shut;	/* our FIN is sent */
	unsigned char		 want_shut;	/* FIN once the queue drains */
	unsigned char		 abort;		/* end with RST, not FIN */
	/* Listening on the wildcard: 1, or 2 for IPv4 and IPv6 both. */
	unsigned char		 all_ifaces;
	/* The display's: whether the encoding hint has had its say. */
	unsigned char		 enc_hint_done;
	/* Fault shaping's state (pipe.c), made when first needed. */
	struct pipe_shape	*shape;
	const char		*close_reason;
	uint64_t		 close_timer;
	uint64_t		 linger_timer;

	/* Bytes of a framed message still incomplete, and for idle: framing
	 * the timer that ends it when the line goes quiet (pipe.c; made when
	 * first needed). */
	struct pipe_framing	*framing;

	/* What `expect` and `wait` look at. */
	/* Received, not yet matched; made with the first byte (pipe.c). */
	struct ring		*expwin;
	uint64_t		 n_recv, n_accepted;

	/* The display's (display.c): a character the end of a message cut
	 * short, kept for the next one in that direction ([0] received,
	 * [1] sent); made when a message first ends inside one. */
	struct text_carry	*carry;

};

/* The table takes what the pipeline hands back (pipe_set_host). */
void		 sess_init(void);

/* Table access. */
struct session	*sess_find(unsigned id);
/* Sessions in id order; the array is valid until the table changes. */
struct session **sess_all(size_t *n);
size_t		 sess_count(void);
unsigned	 sess_last_id(void);	/* highest id ever assigned */
/* The kind as shown: with the layers on it (starttls makes a tcp-client
 * show as a tls-client). */
const char	*sess_kind_name(const struct session *);
/* The command that makes a session like s (kind_info.client), or NULL. */
const char	*sess_kind_client(const struct session *);
const char	*sess_state_name(enum sess_state);
int		 sess_has(const struct session *, unsigned kind_flags);
/* What s does, asked of what is really on it rather than of its kind: it
 * has peers of its own (its socket listens, its role makes them, or it
 * still has some: a server closing after them); it carries a byte stream
 * (its top layer keeps no boundaries and its role sends no messages), not
 * datagrams or messages.  Both answer for what is on s now: after a
 * starttls or a WebSocket upgrade too. */
int		 sess_accepts(const struct session *);
int		 sess_carries_bytes(const struct session *);
/* Still on its way to connected: resolving, connecting, handshaking or
 * waiting to reconnect. */
int		 sess_opening(const struct session *);
/* Call fn for each current peer of srv; safe if fn closes peers.  Returns
 * how many peers there were. */
/* The session that replaces the closed session id (--reconnect), or
 * NULL. */
struct session	*sess_successor(unsigned id);
size_t		 sess_foreach_peer(struct session *srv,
		    void (*fn)(struct session *, void *), void *arg);

/* A server's peers stand alone from now on (no parent): `close
 * --keep-peers`.  Returns how many there were. */
size_t		 sess_orphan_peers(struct session *srv);

/* The sessions a command given s acts on: a server's current peers (a
 * command to a server reaches every client), else s itself; fn may close
 * them.  Returns how many there were. */
size_t		 sess_each_target(struct session *s,
		    void (*fn)(struct session *, void *), void *arg);

/* For the constructors in the transports: a new session in the table, and
 * its removal without a trace when setting it up failed. */
struct session	*sess_new(enum sess_kind, const struct settings *);
void		 sess_discard(struct session *);
void		 sess_set_strings(struct session *);
/* *dst (s->local_str or s->remote_str) becomes the words fmt gives, cut
 * at ADDR_STRLEN - 1 bytes. */
void		 sess_name(const char **dst, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* 0: a specific address; 1: a wildcard; 2: the dual-stack wildcard. */
int		 sess_wildcard(const struct session *, int dual);

/* Creation (tr_listen.c, tr_connect.c, tr_dgram.c).  On failure NULL with
 * err filled, nothing left behind. */
struct session	*sess_tcp_server(const char *host, uint16_t port,
		    unsigned max_peers, struct addr_cidr *allow, size_t nallow,
		    char *err, size_t errlen);
struct session	*sess_tcp_client(const char *host, uint16_t port,
		    const struct net_addr *bind, uint64_t timeout_ms,
		    char *err, size_t errlen);
/* The same for a kind built on them (tls-server, tls-client). */
struct session	*sess_tcp_server_as(enum sess_kind, const char *host,
		    uint16_t port, unsigned max_peers, struct addr_cidr *allow,
		    size_t nallow, char *err, size_t errlen);
struct session	*sess_tcp_client_as(enum sess_kind, const char *host,
		    uint16_t port, const struct net_addr *bind,
		    uint64_t timeout_ms, char *err, size_t errlen);
/* A client to addresses already resolved (a list from resolve.h, which
 * it takes whatever happens): tried in order within timeout_ms. */
struct addrinfo;
struct session	*sess_tcp_client_list_as(enum sess_kind, struct addrinfo *,
		    uint64_t timeout_ms, char *err, size_t errlen);
/* The same through a proxy (--proxy; NULL: none): the connect goes to the
 * proxy, which is asked for host:port (layer_proxy.h). */
struct proxy_url;
struct session	*sess_tcp_client_via(enum sess_kind, const char *host,
		    uint16_t port, const struct proxy_url *,
		    const struct net_addr *bind, uint64_t timeout_ms,
		    char *err, size_t errlen);
struct session	*sess_udp(const char *host, uint16_t port,
		    const struct net_addr *to, int broadcast, size_t rsize,
		    char *err, size_t errlen);
struct session	*sess_udp_client(const char *host, uint16_t port,
		    char *err, size_t errlen);
/* The same with another kind (UDP relays). */
struct session	*sess_udp_as(enum sess_kind, const char *host, uint16_t port,
		    const struct net_addr *to, int broadcast, size_t rsize,
		    char *err, size_t errlen);
/* A UDP client of an address already known (a UDP relay's upstream). */
struct session	*sess_udp_to_as(enum sess_kind, const struct net_addr *to,
		    char *err, size_t errlen);
struct session	*sess_mcast(const char *group, uint16_t port,
		    const char *iface, int ttl, int loop, char *err,
		    size_t errlen);
struct session	*sess_unix_server(const char *path, char *err, size_t errlen);
struct session	*sess_unix_client(const char *path, char *err, size_t errlen);
/* The same on a session already in the table (a reconnect's): 0 once the
 * attempt started (s may already be gone: every address failed at once,
 * and it closed saying so), -1 with err when nothing could start (s is
 * left as it was, for the caller to end). */
int		 sess_connect(struct session *, const char *host,
		    uint16_t port, const struct net_addr *bind,
		    uint64_t timeout_ms, char *err, size_t errlen);
int		 sess_unix_connect(struct session *, const char *path,
		    char *err, size_t errlen);
/* A serial device opened raw with line ln (tr_tty.c): a new session, or
 * the same on one already in the table (a reconnect's), as above. */
struct serial_line;
struct session	*sess_serial(const char *path, const struct serial_line *ln,
		    char *err, size_t errlen);
int		 sess_serial_open(struct session *, const char *path,
		    const struct serial_line *ln, char *err, size_t errlen);

/* Lifecycle.  Graceful close: queued data first; servers close their
 * peers. */
void		 sess_close(struct session *, const char *reason);
/* Immediate close with reason and message; emits the closed event. */
void		 sess_destroy(struct session *, const char *reason,
		    const char *msg);
/* Abort: RST instead of FIN, what is queued is lost (and reported). */
void		 sess_abort(struct session *, const char *reason,
		    const char *msg);
/* Relay: stop / resume forwarding what arrives on s (relay.c). */
void		 relay_hold(struct session *);
void		 relay_release(struct session *);
/* Bytes waiting in s's hold queue. */
size_t		 relay_held(const struct session *);
/* Send FIN once the queue has drained, keep receiving (`shutdown`). */
void		 sess_shutdown(struct session *);
/* An I/O error e ended the session. */
void		 sess_fail(struct session *, int e);
/* The connection hung up after the peer had finished: the end, with the
 * descriptor's pending error if there is one. */
void		 sess_hangup(struct session *);
/* The peer finished sending.  Returns -1 if the session is gone. */
int		 sess_peer_eof(struct session *);
/* The session's own end-of-stream rules (a role's peer_eof may defer to
 * them); -1 if the session is gone. */
int		 sess_end_of_stream(struct session *);
/* The queue drained or the peer finished: apply the end-of-stream rules.
 * Returns -1 if the session is gone. */
int		 sess_progress(struct session *);

/* Bytes still queued in any session (for the end-of-input flush). */
size_t		 sess_total_queued(void);
void		 sess_close_all(void);
void		 sess_close_everything(void);

void		 sess_reset_counters(struct session *);
/* Why a recently closed session closed (the table remembers the last few),
 * or NULL: a command whose session went while it ran says why. */
const char	*sess_closed_msg(unsigned id);
/* What a recently closed session received (its window), or NULL. */
struct ring	*sess_zombie_data(unsigned id);
/* What s received that expect and wait look at (empty before any),
 * with the bytes read last in. */
const struct ring *sess_window(const struct session *);

#endif
