/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_dgram.c — the datagram transport: UDP endpoints and multicast group
 * members.  Boundaries are kept (one recvmsg is one message), truncation
 * is detected, and ICMP errors are read from the socket's error queue. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/errqueue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "net.h"
#include "event.h"
#include "out.h"
#include "pipe.h"
#include "resolve.h"
#include "session.h"
#include "layer.h"

/* The source of the datagram just read; it travels up with the chunk. */
static struct net_addr dgram_from;

/* A datagram endpoint's own state (the fd layer's). */
struct dgram {
	struct net_addr	 to;		/* default destination */
	struct net_addr	 last_from;	/* source of the last datagram */
	int		 have_to, have_from;
	size_t		 rsize;		/* bytes read per datagram */
	int		 mcast;		/* a multicast group member */
};

/* A pending ICMP error concerns an earlier datagram (it is reported from
 * the error queue): the call that returned it can be retried. */
static int
dgram_transient(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH;
}

static ssize_t
dgram_read(struct layer *l, unsigned char *p, size_t n,
    struct rx_meta *meta)
{
	struct session *s = l->s;
	struct dgram *d = l->state;
	int tries;

	if (n > d->rsize)
		n = d->rsize;
	for (tries = 0; tries < 8; tries++) {
		struct iovec iov = { p, n };
		struct msghdr mh;
		ssize_t r;

		memset(&mh, 0, sizeof mh);
		mh.msg_name = &dgram_from.ss;
		mh.msg_namelen = sizeof dgram_from.ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* MSG_TRUNC: the return value is the datagram's real size. */
		r = recvmsg(s->fd, &mh, MSG_TRUNC);
		if (r == -1) {
			if (dgram_transient(errno) || errno == EMSGSIZE)
				continue;
			return -1;
		}
		dgram_from.len = mh.msg_namelen;
		d->last_from = dgram_from;
		d->have_from = 1;
		meta->from = &dgram_from;
		meta->wire_size = (size_t)r;
		meta->truncated = (mh.msg_flags & MSG_TRUNC) != 0;
		return (size_t)r < n ? r : (ssize_t)n;
	}
	errno = EAGAIN;
	return -1;
}

static ssize_t
dgram_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	struct session *s = l->s;
	ssize_t w = -1;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		w = sendto(s->fd, p, n, 0, (const struct sockaddr *)&to->ss,
		    to->len);
		if (w != -1 || (errno != EINTR && !dgram_transient(errno)))
			break;
	}
	return w;
}

static int
dgram_shutdown(struct layer *l)
{
	(void)l;
	return 0;
}

static int
dgram_want(struct layer *l, int pw)
{
	(void)l;
	return ((pw & PIPE_WANT_READ) ? LOOP_READ : 0) |
	    ((pw & PIPE_WANT_WRITE) ? LOOP_WRITE : 0);
}

static int	dgram_dest(const struct session *, struct layer_dest *);

static int
dgram_control(struct layer *l, enum layer_ctl op, void *arg)
{
	switch (op) {
	case LCTL_UNACKED:
		*(size_t *)arg = 0;	/* a datagram is gone once sent */
		return 0;
	case LCTL_DEST:
		return dgram_dest(l->s, arg);
	case LCTL_MCAST:
		return ((struct dgram *)l->state)->mcast ? 0 : -1;
	case LCTL_ANSWER_TO: {
		struct dgram *d = l->state;

		/* Only when no default destination was given. */
		if (d->have_to || !d->have_from)
			return 1;
		*(struct net_addr *)arg = d->last_from;
		return 0;
	}
	default:
		return -1;
	}
}

static void
dgram_free(struct layer *l, int abort)
{
	(void)abort;
	free(l->state);
	l->state = NULL;
}

static void
dgram_describe(const struct layer *l, struct buf *out)
{
	buf_puts(out, ((const struct dgram *)l->state)->mcast ?
	    "udp multicast" : "udp");
}

/* ICMP errors for an unconnected UDP socket arrive on its error queue
 * (IP_RECVERR), naming the destination they concern. */
static void
dgram_errqueue(struct session *s)
{
	int i;

	for (i = 0; i < 16; i++) {
		union {
			struct cmsghdr	hdr;
			unsigned char	buf[512];
		} ctl;
		unsigned char junk[512];
		struct net_addr dst;
		struct msghdr mh;
		struct cmsghdr *cm;
		struct iovec iov = { junk, sizeof junk };
		char a[ADDR_STRLEN];

		memset(&mh, 0, sizeof mh);
		mh.msg_name = &dst.ss;
		mh.msg_namelen = sizeof dst.ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		if (recvmsg(s->fd, &mh, MSG_ERRQUEUE) == -1)
			return;
		dst.len = mh.msg_namelen;
		net_fmt((struct sockaddr *)&dst.ss, dst.len, a, sizeof a);
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			struct sock_extended_err ee;

			if (!((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof ee);
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP ||
			    ee.ee_origin == SO_EE_ORIGIN_ICMP6)
				ev_notice(s, "ICMP error for %s: %s "
				    "(type %u code %u)", a,
				    strerror((int)ee.ee_errno), ee.ee_type,
				    ee.ee_code);
			else if (ee.ee_origin != SO_EE_ORIGIN_LOCAL)
				ev_notice(s, "error for %s: %s", a,
				    strerror((int)ee.ee_errno));
		}
	}
}

static void
dgram_io(struct layer *l, int events)
{
	struct session *s = l->s;

	if (events & LOOP_ERR)
		dgram_errqueue(s);
	if (events & LOOP_READ)
		pipe_input(s, 0);
	if (events & LOOP_WRITE)
		pipe_output(s);
}

const struct layer_ops tr_dgram = {
	.name = "dgram",
	.dgram = 1,
	.io = dgram_io,
	.read = dgram_read,
	.write = dgram_write,
	.shutdown = dgram_shutdown,
	.want = dgram_want,
	.control = dgram_control,
	.free = dgram_free,
	.describe = dgram_describe,
};

static int
dgram_dest(const struct session *s, struct layer_dest *ld)
{
	const struct dgram *d = s->fdl.state;
	const struct net_addr *want = ld->want;
	struct net_addr *dst = &ld->out;
	char *err = ld->err;
	size_t n = ld->n, errlen = ld->errlen;

	if (want != NULL)
		*dst = *want;
	else if (d->have_to)
		*dst = d->to;
	else if (d->have_from)
		*dst = d->last_from;
	else {
		snprintf(err, errlen, "session %u has no destination yet: use "
		    "--to HOST:PORT (or create it with --to)", s->id);
		return -1;
	}
	if (n > 65535) {
		snprintf(err, errlen, "%zu bytes do not fit in one datagram "
		    "(at most 65507 over IPv4)", n);
		return -1;
	}
	/* An IPv4 destination on a dual-stack socket needs the mapped form. */
	if (s->local.ss.ss_family == AF_INET6 && dst->ss.ss_family == AF_INET) {
		struct sockaddr_in sin;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst->ss;

		memcpy(&sin, &dst->ss, sizeof sin);
		memset(s6, 0, sizeof *s6);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = sin.sin_port;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], &sin.sin_addr, 4);
		dst->len = sizeof *s6;
	} else if (s->local.ss.ss_family == AF_INET &&
	    dst->ss.ss_family == AF_INET6) {
		snprintf(err, errlen, "session %u is IPv4-only; cannot send "
		    "to an IPv6 address", s->id);
		return -1;
	}
	return 0;
}

static struct session *
dgram_new(enum sess_kind kind, int fd, size_t rsize)
{
	struct session *s = sess_new(kind, &settings_default);
	struct dgram *d = xcalloc(1, sizeof *d);
	int on = 1;

	s->fd = fd;
	s->state = S_BOUND;
	s->fdl.state = d;
	d->rsize = rsize ? rsize : 65536;
	setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
	net_local(fd, &s->local);
	return s;
}

static void
dgram_set_to(struct session *s, const struct net_addr *to)
{
	struct dgram *d = s->fdl.state;

	d->to = *to;
	d->have_to = 1;
	s->remote = *to;
	sess_set_strings(s);
}

static struct session *
dgram_register(struct session *s, char *err, size_t errlen)
{
	if (layer_attach(s, &tr_dgram) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		sess_discard(s);
		return NULL;
	}
	ev_listening(s);
	pipe_event(s, TAP_OPEN, NULL, 0);
	return s;
}

struct session *
sess_udp(const char *host, uint16_t port, const struct net_addr *to,
    int broadcast, size_t rsize, char *err, size_t errlen)
{
	return sess_udp_as(K_UDP, host, port, to, broadcast, rsize, err,
	    errlen);
}

struct session *
sess_udp_as(enum sess_kind kind, const char *host, uint16_t port,
    const struct net_addr *to, int broadcast, size_t rsize, char *err,
    size_t errlen)
{
	struct session *s;
	int fd, dual, on = 1;

	fd = net_udp_bind(host, port, AF_UNSPEC, &dual, err, errlen);
	if (fd == -1)
		return NULL;
	if (broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on,
	    sizeof on) == -1) {
		snprintf(err, errlen, "SO_BROADCAST: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	s = dgram_new(kind, fd, rsize);
	s->all_ifaces = sess_wildcard(s, dual);
	sess_set_strings(s);
	if (to != NULL)
		dgram_set_to(s, to);
	return dgram_register(s, err, errlen);
}

struct session *
sess_udp_client(const char *host, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct net_addr to;

	if (net_resolve(host, port, SOCK_DGRAM, 0, &res, err, errlen) == -1)
		return NULL;
	memcpy(&to.ss, res->ai_addr, res->ai_addrlen);
	to.len = res->ai_addrlen;
	resolve_free(res);
	return sess_udp_to_as(K_UDP, &to, err, errlen);
}

struct session *
sess_udp_to_as(enum sess_kind kind, const struct net_addr *to, char *err,
    size_t errlen)
{
	struct session *s;
	int fd, dual;

	fd = net_udp_bind(NULL, 0, to->ss.ss_family, &dual, err, errlen);
	if (fd == -1)
		return NULL;
	s = dgram_new(kind, fd, 0);
	/* Bound to the wildcard: it must hear answers from anyone. */
	s->all_ifaces = sess_wildcard(s, dual);
	sess_set_strings(s);
	dgram_set_to(s, to);
	return dgram_register(s, err, errlen);
}

struct session *
sess_mcast(const char *group, uint16_t port, const char *iface, int ttl,
    int loop, char *err, size_t errlen)
{
	struct net_addr dest;
	struct session *s;
	int fd;

	fd = net_mcast_open(group, port, iface, ttl, loop, &dest, err, errlen);
	if (fd == -1)
		return NULL;
	s = dgram_new(K_MCAST, fd, 0);
	((struct dgram *)s->fdl.state)->mcast = 1;
	sess_set_strings(s);
	dgram_set_to(s, &dest);
	return dgram_register(s, err, errlen);
}
