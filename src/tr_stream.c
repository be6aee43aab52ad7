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
#include "layer.h"

static ssize_t
stream_read(struct layer *l, unsigned char *p, size_t n,
    struct rx_meta *meta)
{
	(void)meta;
	return recv(l->s->fd, p, n, 0);
}

static ssize_t
stream_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	(void)to;
	return send(l->s->fd, p, n, MSG_NOSIGNAL);
}

static int
stream_shutdown(struct layer *l)
{
	return shutdown(l->s->fd, SHUT_WR);
}

/* A socket needs from the loop exactly what the layer above wants. */
static int
stream_want(struct layer *l, int pw)
{
	(void)l;
	return ((pw & PIPE_WANT_READ) ? LOOP_READ : 0) |
	    ((pw & PIPE_WANT_WRITE) ? LOOP_WRITE : 0);
}

static int
stream_control(struct layer *l, enum layer_ctl op, void *arg)
{
	int n = 0;

	if (op == LCTL_SOCK_ERROR) {
		*(int *)arg = net_sock_error(l->s->fd);
		return 0;
	}
	if (op == LCTL_UNIX)
		return l->ops == &tr_unix_stream ? 0 : -1;
	if (op != LCTL_UNACKED)
		return -1;
	/* Unix sockets hand data over at once. */
	if (l->ops == &tr_unix_stream || ioctl(l->s->fd, SIOCOUTQ, &n) == -1 ||
	    n < 0)
		n = 0;
	*(size_t *)arg = (size_t)n;
	return 0;
}

static void
stream_describe(const struct layer *l, struct buf *out)
{
	buf_puts(out, l->ops == &tr_unix_stream ? "unix stream" : "tcp");
}

static void
stream_io(struct layer *l, int events)
{
	struct session *s = l->s;

	if (s->eof && (events & (LOOP_HUP | LOOP_ERR))) {
		sess_hangup(s);
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

const struct layer_ops tr_stream = {
	.name = "stream",
	.io = stream_io,
	.read = stream_read,
	.write = stream_write,
	.shutdown = stream_shutdown,
	.want = stream_want,
	.control = stream_control,
	.describe = stream_describe,
};

/* The same on a unix-domain socket: no TCP send queue to wait for. */
const struct layer_ops tr_unix_stream = {
	.name = "unix-stream",
	.io = stream_io,
	.read = stream_read,
	.write = stream_write,
	.shutdown = stream_shutdown,
	.want = stream_want,
	.control = stream_control,
	.describe = stream_describe,
};
