/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer.h — the layers that carry a session's bytes (SPEC §9).  At the
 * bottom an fd layer owns the descriptor (stream, listening, connecting,
 * datagram: tr_*.c); filter layers stack on it (TLS: layer_tls.c; WebSocket
 * and proxy handshakes next), each one small operations table.  Only fd
 * layers read, write, send to, accept on or ioctl a session's descriptor;
 * a filter reaches the wire through the layer below it.  Above the top
 * layer sits the one data pipeline (pipe.h), the same for every stack. */
#ifndef SOCKTOOL_LAYER_H
#define SOCKTOOL_LAYER_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "net.h"
#include "serial_line.h"

struct session;
struct rec;

/* Facts about one received chunk that travel with it up the pipeline. */
struct rx_meta {
	const struct net_addr	*from;		/* datagram source, or NULL */
	size_t			 wire_size;	/* datagram: its real size */
	int			 truncated;	/* datagram cut to the buffer */
	/* A message layer's own bytes (the read's r of them), in place of
	 * the buffer it was given: a WebSocket message larger than that
	 * buffer still goes up whole.  Valid until the layer's next read. */
	const unsigned char	*data;
	/* A message layer's message: its type ("text", "binary"; NULL: not
	 * a typed message) and how many frames carried it. */
	const char		*msg_type;
	unsigned		 frames;
};

struct layer {
	const struct layer_ops	*ops;
	struct layer		*below;		/* NULL: the fd layer */
	struct session		*s;
	void			*state;		/* the layer's own */
};

/* What control() answers; -1 from control: not this layer's business. */
enum layer_ctl {
	LCTL_UNACKED,	/* size_t *: bytes taken that the peer has not
			 * acknowledged (the wire's, plus the layer's own) */
	LCTL_DETAILS,	/* struct rec *: more fields for `show` */
	LCTL_FAIL,	/* int *: an error this layer reported (read/write
			 * returned -1 with it): end the session with the
			 * layer's own reason and words; 0 when it did */
	LCTL_DEST,	/* struct layer_dest *: where a datagram goes */
	LCTL_SOCK_ERROR, /* int *: the descriptor's pending error (SO_ERROR) */
	LCTL_ANSWER_TO,	/* struct net_addr *: a datagram endpoint without a
			 * default destination answers the last source:
			 * that (0), or none yet (1) */
	LCTL_ACCEPTS,	/* NULL: a listening stream socket, whose accepted
			 * peers are connections of their own (0) */
	LCTL_VIA,	/* struct layer_via *: connected through a proxy
			 * (layer_proxy.h): the target and the proxy */
	LCTL_MSG_TYPE,	/* struct layer_msg *: a message layer's type for
			 * a message about to be sent (and for the next
			 * write) */
	LCTL_PATH,	/* struct layer_path *: a pty session's slave and
			 * the symlink made to it (tr_pipe.h) */
	LCTL_LINE,	/* struct layer_line *: a serial line's settings,
			 * read back or changed (tr_tty.c, RFC 2217) */
	LCTL_MODEM,	/* struct layer_modem *: the modem lines */
	LCTL_MCAST,	/* NULL: a member of a multicast group (0), whose
			 * hop limit is the multicast one */
	LCTL_UNIX,	/* NULL: a unix-domain socket (0): its addresses
			 * are paths, it has no IP layer */
};

struct layer_path {
	const char	*path;
	const char	*link;		/* NULL: none */
};

/* LCTL_LINE: set 0 reads the line (as the device or the server says it
 * is: known 0 when nothing says yet); set 1 changes it to ln.  A refusal
 * is err in words (control still answers 0). */
struct layer_line {
	int			 set;
	struct serial_line	 ln;
	int			 known;
	char			 err[192];
};

/* LCTL_MODEM: the modem lines.  Outputs to change (mask of LM_DTR, LM_RTS,
 * to the states in on), a break of break_ms (0: none), then in bits the
 * lines as read back (LM_*; have 0 when the device does not say).  A
 * refusal is err in words. */
#define LM_DTR	0x01
#define LM_RTS	0x02
#define LM_CTS	0x04
#define LM_DSR	0x08
#define LM_DCD	0x10
#define LM_RI	0x20
struct layer_modem {
	unsigned	 mask, on;
	uint64_t	 break_ms;
	unsigned	 bits;
	int		 have;
	char		 err[192];
};

/* LCTL_DEST: the destination of a datagram of n bytes: want, else the
 * session's default, else the last source, mapped to the socket's family
 * (into out); -1 from control with err filled when there is none. */
struct layer_dest {
	const struct net_addr	*want;
	size_t			 n;
	struct net_addr		 out;
	char			*err;
	size_t			 errlen;
};

/* LCTL_MSG_TYPE: flags are the send's PIPE_MSG_* (pipe.h: what the
 * command asked for, or nothing: the layer's choice); the layer answers
 * the type the message goes as (PIPE_MSG_TEXT or PIPE_MSG_BINARY, in
 * flags) and its name, and sends its next write as that. */
struct layer_msg {
	const unsigned char	*p;
	size_t			 n;
	int			 flags;
	const char		*type;
};

struct layer_ops {
	const char	*name;
	int		 dgram;		/* keeps boundaries; sends name a peer */
	unsigned	 adds;		/* KIND_* a session has with this layer */
	/* Service the loop's events on the descriptor.  The topmost layer
	 * that has io gets them (a filter with a state machine of its own,
	 * else the fd layer). */
	void		(*io)(struct layer *, int events);
	/* > 0 bytes read, 0 end of stream, -1 with errno (EAGAIN: nothing
	 * now).  A datagram layer fills *meta. */
	ssize_t		(*read)(struct layer *, unsigned char *, size_t,
			    struct rx_meta *meta);
	/* > 0 bytes taken, -1 with errno (EAGAIN: no room now).  to: the
	 * destination of a datagram (NULL for streams). */
	ssize_t		(*write)(struct layer *, const unsigned char *,
			    size_t, const struct net_addr *to);
	/* Our end of stream (TLS close_notify, TCP FIN); 0 or -1. */
	int		(*shutdown)(struct layer *);
	/*
	 * Translate what the layer above wants (pw: PIPE_WANT_* bits, from
	 * pipe_want() at the top) into what this layer needs from the one
	 * below; the fd layer answers in loop interest (LOOP_READ |
	 * LOOP_WRITE).  Layers translate, they never decide (SPEC §9).
	 */
	int		(*want)(struct layer *, int pw);
	int		(*control)(struct layer *, enum layer_ctl, void *);
	/* A few words for `show` ("tcp", "tls 1.3, TLS_AES_128_GCM_SHA256"). */
	void		(*describe)(const struct layer *, struct buf *);
	/* Before the layer goes (abort: the session is being reset). */
	void		(*free)(struct layer *, int abort);
};

extern const struct layer_ops tr_stream, tr_unix_stream, tr_listen,
	    tr_connect, tr_dgram, tr_tty;

/* One connection from listening socket fd, non-blocking and close-on-exec
 * (tr_listen.c: the accepting is the listening layer's, for the control
 * socket too); -1 with errno. */
struct net_addr;
int	tr_listen_accept(int fd, struct net_addr *peer);

/* The fd layer: register the session's descriptor with the loop under
 * ops, or switch an already registered one to other ops (connecting ->
 * stream). */
int	layer_attach(struct session *, const struct layer_ops *);
/* A filter on top of the stack, with its state. */
void	layer_push(struct session *, const struct layer_ops *, void *state);
/* Every layer goes, top first (the fd layer's state too, even without a
 * descriptor: a connect still resolving), then the descriptor (unregistered
 * and closed).  abort: RST, not FIN. */
void	layer_detach(struct session *, int abort);
/* Only the descriptor goes (a connect attempt that failed: the fd layer
 * and its state stay for the next address). */
void	layer_release_fd(struct session *);
/* The fd layer took the descriptor off the loop (a pty with no program
 * on its slave): register it again.  0, or -1 with errno. */
int	layer_rewatch(struct session *);
/* The loop's events given to the stack as the loop gives them (to the
 * topmost layer with io): input a filter holds that never wakes the
 * descriptor (TLS records read ahead under a WebSocket). */
void	layer_io(struct session *, int events);
/* Recompute loop interest after a state change. */
void	layer_interest(struct session *);
/* The layer of the stack with these ops, or NULL. */
struct layer *layer_find(const struct session *, const struct layer_ops *);
/* What the layers below l have taken that the peer has not acknowledged
 * (LCTL_UNACKED of the layer below; 0 when it does not say): a filter
 * adds what it still owes itself. */
size_t	layer_unacked_below(struct layer *);
/* What l needs from the layer below it, for a want of its own. */
int	layer_want_below(struct layer *, int pw);
/* control() of the first layer from the top that answers op; -1: none. */
int	layer_control(const struct session *, enum layer_ctl, void *);
/* The stack in words, top first: "tls 1.3, ... over tcp". */
void	layer_describe(const struct session *, struct buf *);

/* What the stack needs the pipeline for, registered by it (pipe_init):
 * the layers reach the pipeline through these, never by name, so nothing
 * below the pipeline depends on it (SPEC §9). */
struct layer_host {
	/* The one interest policy: PIPE_WANT_* for the session now. */
	int	(*want)(const struct session *);
};
void	layer_set_host(const struct layer_host *);

#endif
