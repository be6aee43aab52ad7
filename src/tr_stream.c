/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_stream.c — the plain stream transport: a connected TCP or unix-domain
 * socket.  Reads and writes the descriptor; poll interest follows the
 * queue, as OpenBSD nc's readwrite() does. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include <errno.h>

#include "loop.h"
#include "net.h"
#include "pipe.h"
#include "session.h"
#include "transport.h"

static ssize_t
stream_read(struct session *s, unsigned char *p, size_t n,
    struct rx_meta *meta)
{
	(void)meta;
	return recv(s->fd, p, n, 0);
}

static ssize_t
stream_write(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	(void)to;
	return send(s->fd, p, n, MSG_NOSIGNAL);
}

static int
stream_shutdown(struct session *s)
{
	return shutdown(s->fd, SHUT_WR);
}

/* A plain socket needs from the loop exactly what the pipeline wants. */
static int
stream_want(struct session *s, int pw)
{
	(void)s;
	return ((pw & PIPE_WANT_READ) ? LOOP_READ : 0) |
	    ((pw & PIPE_WANT_WRITE) ? LOOP_WRITE : 0);
}

static size_t
stream_unacked(const struct session *s)
{
	int n = 0;

	/* Unix sockets hand data over at once. */
	if (!sess_has(s, KIND_TCP) || ioctl(s->fd, SIOCOUTQ, &n) == -1 ||
	    n < 0)
		return 0;
	return (size_t)n;
}

static void
stream_describe(const struct session *s, struct buf *out)
{
	buf_puts(out, sess_has(s, KIND_UNIX) ? "unix stream" : "tcp");
}

static void
stream_io(struct session *s, int events)
{
	if (s->eof && (events & (LOOP_HUP | LOOP_ERR))) {
		/* The peer finished earlier and now the connection is gone
		 * both ways (a reset after our send, typically).  EPOLLHUP
		 * cannot be masked: end here rather than spin on it. */
		int e = net_sock_error(s->fd);

		if (e != 0)
			sess_fail(s, e);
		else
			sess_destroy(s, "peer", "connection closed by peer");
		return;
	}
	/* A hung-up socket may still hold data: read before judging. */
	if (!s->eof && (events & (LOOP_READ | LOOP_HUP | LOOP_ERR))) {
		if (pipe_input(s, (events & (LOOP_HUP | LOOP_ERR)) != 0) == -1)
			return;
	}
	if (events & LOOP_WRITE)
		pipe_output(s);
}

const struct transport tr_stream = {
	.name = "stream",
	.io = stream_io,
	.read = stream_read,
	.write = stream_write,
	.shutdown = stream_shutdown,
	.want = stream_want,
	.unacked = stream_unacked,
	.describe = stream_describe,
};
