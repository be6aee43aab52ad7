/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pipe.h — the one data path (SPEC §9), the same for every transport:
 *   received: transport -> counters -> expect window -> framing -> taps ->
 *             automatic responses (echo, reply rules)
 *   sent:     send/sendhex/sendfile -> taps -> output queue -> transport
 * Taps see every chunk as it passes the transport (logs) and every message
 * (display/JSON); a new consumer of traffic is a new tap. */
#ifndef SOCKTOOL_PIPE_H
#define SOCKTOOL_PIPE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "net.h"

struct session;

/* One piece of traffic as a tap sees it. */
struct chunk {
	int			 dir;		/* '<' received, '>' sent */
	const unsigned char	*p;
	size_t			 n;
	const struct net_addr	*peer;		/* datagram source/destination */
	size_t			 wire_size;	/* datagram's real size */
	int			 truncated;
	/* The layer the bytes were seen at: the top (what display, expect
	 * and most logs want) or one below it (TLS records on the wire,
	 * what a pcap capture wants: the fd layer's, at->below == NULL). */
	const struct layer	*at;
	int			 as_hex;	/* sent: typed in hex (sendhex) */
	/* Received beside the session's stream (a program's "stderr"):
	 * shown, never forwarded, matched or counted; NULL: the stream. */
	const char		*stream;
	/* A message layer's message: "text" or "binary" (NULL: none), and
	 * the frames that carried it (received; 0: not told). */
	const char		*msg_type;
	unsigned		 frames;
};

enum tap_event {
	TAP_OPEN,	/* connected, accepted, bound or listening */
	TAP_READY,	/* a layer finished its handshake (TLS): connected */
	TAP_CLOSE,	/* about to leave the table */
};

struct tap {
	const char	*name;
	/* Bytes as they crossed the transport (sent: when the kernel took
	 * them); every byte counted passes here exactly once. */
	void		(*chunk)(struct session *, const struct chunk *);
	/* A message as the session's framing cut it (received), or as it was
	 * accepted for sending. */
	void		(*message)(struct session *, const struct chunk *);
	void		(*event)(struct session *, enum tap_event,
			    const char *reason, uint64_t lost);
	/* A TLS key-log line (NSS format, no newline) for this session. */
	void		(*secret)(struct session *, const char *line);
};

/* Taps are registered once at start-up; each decides which sessions it
 * serves. */
void	pipe_add_tap(const struct tap *);
void	pipe_event(struct session *, enum tap_event, const char *reason,
	    uint64_t lost);

/* Called by a filter layer that encodes what it carries (TLS): the bytes
 * as they crossed the layer l below it, and the secrets that decode them. */
struct layer;
struct buf;
void	pipe_wire(struct layer *l, int dir, const unsigned char *, size_t);
/* A filter layer l's bytes owed to the wire (out), through the layer below
 * it as far as that takes them now, each seen as wire bytes (pipe_wire).
 * The bytes written (what was not taken stays in out), or -1 with errno:
 * the wire failed. */
ssize_t	pipe_flush_below(struct layer *l, struct buf *out);
void	pipe_secret(struct session *, const char *line);
/* An I/O error e ended the session: the transport's own words if it has
 * them (TLS alerts), else the errno's. */
void	pipe_fail(struct session *, int e);

/* Called by an fd layer with a second stream (a program's standard
 * error): bytes shown as received on it, a message of their own. */
void	pipe_aside(struct session *, const unsigned char *, size_t,
	    const char *stream);
/* Called by transports: the descriptor is readable / writable.  Both return
 * -1 if the session was destroyed.  pipe_input reads only what the interest
 * policy allows, except with hup: a hung-up socket (EPOLLHUP cannot be
 * masked) is read to its end, which its receive buffer bounds, so the loop
 * does not spin on it. */
int	pipe_input(struct session *, int hup);
int	pipe_output(struct session *);
/* A setting of s changed (`set`): what the pipeline derives from them
 * follows (poll interest; TCP_NODELAY while `split` is on). */
void	pipe_settings_changed(struct session *);
/* The stream ended: what framing still holds is delivered as a message. */
void	pipe_rx_end(struct session *);
/* Read what the peer already sent (before close), at most budget bytes. */
void	pipe_drain(struct session *, size_t budget);

/* Accept bytes for sending, shown as sent.  Streams: to a server, every
 * peer gets them.  Datagrams: to dest, else the default destination, else
 * the last source.  0, or -1 with err. */
int	pipe_send(struct session *, const unsigned char *, size_t,
	    char *err, size_t errlen);
int	pipe_send_to(struct session *, const unsigned char *, size_t,
	    const struct net_addr *dest, char *err, size_t errlen);
/* Either, with flags: PIPE_AS_HEX shows the bytes sent in hex (they were
 * typed in hex).  dest only for datagrams (NULL: the default). */
#define PIPE_AS_HEX	0x1
/* PIPE_FORWARD: bytes a relay passes on, counted but not shown (what a
 * relay forwards is shown once, as its other side received it). */
#define PIPE_FORWARD	0x2
/* A message layer's message type (WebSocket): send asks for text,
 * sendhex for binary, an echo for what it answers; neither: the layer
 * decides (text when the bytes are UTF-8). */
#define PIPE_MSG_TEXT	0x4
#define PIPE_MSG_BINARY	0x8
int	pipe_send_ex(struct session *, const unsigned char *, size_t,
	    const struct net_addr *dest, int flags, char *err, size_t errlen);
/* Bulk bytes onto a stream session without display or message count
 * (sendfile); -1 if the session was destroyed. */
int	pipe_write(struct session *, const unsigned char *, size_t);
/* Count one message sent (for data that went out through pipe_write). */
void	pipe_count_msg_tx(struct session *);
/* The one interest policy (SPEC §9): what the pipeline wants from a
 * session's layers now.  Layers translate it into loop interest. */
#define PIPE_WANT_READ	0x1
#define PIPE_WANT_WRITE	0x2
int	pipe_want(const struct session *);
/* Would a send be accepted now (queue below its bound)?  A relay side has
 * room of its own for injected sends above what forwarding may fill. */
int	pipe_can_queue(const struct session *);
/* Bytes accepted for sending and not yet taken by the transport. */
size_t	pipe_queued(const struct session *);
/* The newest received chunk into its session's expect window, if its copy
 * was put off (pipe.c): before a session goes, and after reading. */
void	pipe_window_flush(void);

/* A session leaves: what the pipeline kept for it goes (shaping). */
void	pipe_forget(struct session *);

/* What the pipeline hands back to the session table, registered by it
 * (sess_init): the pipeline sits below the table and names none of it. */
struct pipe_host {
	/* The peer finished sending / the queue drained: the end-of-stream
	 * rules; -1 if the session is gone. */
	int		(*eof)(struct session *);
	int		(*progress)(struct session *);
	/* An I/O error e ends the session. */
	void		(*fail)(struct session *, int e);
	/* Each current peer of a server (a send to a server goes to all). */
	size_t		(*foreach_peer)(struct session *srv,
			    void (*fn)(struct session *, void *), void *arg);
	/* A server's peers, else the session itself (sess_each_target). */
	size_t		(*each_target)(struct session *,
			    void (*fn)(struct session *, void *), void *arg);
	/* Why a recently closed session closed, or NULL. */
	const char	*(*closed_msg)(unsigned id);
};
void	pipe_set_host(const struct pipe_host *);

void	pipe_init(void);

/* The bytes of a {rand:N} placeholder (send --fill and reply rules): test
 * payloads, not keys, but never the same twice.  A fill_env's rand. */
void	pipe_random_bytes(void *arg, unsigned char *p, size_t n);

#endif
