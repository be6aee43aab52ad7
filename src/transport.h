/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transport.h — the layer that owns a session's socket (SPEC §9).  Each kind
 * of socket (stream, listening, connecting, datagram; TLS next) is one small
 * operations table in a file of its own (tr_*.c); nothing else reads, writes,
 * sends to or accepts on a session's descriptor.  Above it sits the one data
 * pipeline (pipe.h), the same for every transport. */
#ifndef SOCKTOOL_TRANSPORT_H
#define SOCKTOOL_TRANSPORT_H

#include <sys/types.h>
#include <stddef.h>

#include "buf.h"
#include "net.h"

struct session;
struct rec;

/* Facts about one received chunk that travel with it up the pipeline. */
struct rx_meta {
	const struct net_addr	*from;		/* datagram source, or NULL */
	size_t			 wire_size;	/* datagram: its real size */
	int			 truncated;	/* datagram cut to the buffer */
};

struct transport {
	const char	*name;
	int		 dgram;		/* keeps boundaries; sends name a peer */
	/* Service the loop's events on the descriptor. */
	void		(*io)(struct session *, int events);
	/* > 0 bytes read, 0 end of stream, -1 with errno (EAGAIN: nothing now).
	 * A datagram transport fills *meta. */
	ssize_t		(*read)(struct session *, unsigned char *, size_t,
			    struct rx_meta *meta);
	/* > 0 bytes taken, -1 with errno (EAGAIN: no room now).  to: the
	 * destination of a datagram (NULL for streams). */
	ssize_t		(*write)(struct session *, const unsigned char *,
			    size_t, const struct net_addr *to);
	/* Our end of stream (FIN); 0 or -1 with errno. */
	int		(*shutdown)(struct session *);
	/* Loop interest (LOOP_READ | LOOP_WRITE) for what the pipeline
	 * wants (pw: PIPE_WANT_*, decided by pipe_want() alone): the
	 * transport translates, it never decides.  May arrange to be run
	 * again (TLS: records it already holds). */
	int		(*want)(struct session *, int pw);
	/* Bytes handed to the kernel that the peer has not acknowledged. */
	size_t		(*unacked)(const struct session *);
	/* One line about the transport for `show` ("tcp", "udp, dual-stack"). */
	void		(*describe)(const struct session *, struct buf *);
	/* More fields for `show` (TLS: the handshake and the peer's chain);
	 * may be NULL. */
	void		(*details)(const struct session *, struct rec *);
	/* An error the transport reported (read/write returned -1 with e):
	 * end the session with its reason and words; NULL: by errno. */
	void		(*fail)(struct session *, int e);
	/* Before the descriptor closes: free s->tr_state (may be NULL). */
	void		(*cleanup)(struct session *, int abort);
};

extern const struct transport tr_stream, tr_listen, tr_connect, tr_dgram;

/* Register the session's descriptor with the loop under its transport, or
 * switch an already registered one to another transport. */
int	tr_attach(struct session *, const struct transport *);
/* Forget the descriptor (unregister and close).  abort: RST, not FIN. */
void	tr_detach(struct session *, int abort);
/* Recompute poll interest after a state change. */
void	tr_interest(struct session *);

/* The destination of a datagram: want, else the session's default, else
 * the last source; mapped to the socket's family.  -1 with err. */
int	tr_dgram_dest(const struct session *, const struct net_addr *want,
	    size_t n, struct net_addr *out, char *err, size_t errlen);

#endif
