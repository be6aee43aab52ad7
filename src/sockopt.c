/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sockopt.c — reading and setting socket options from one table (see
 * sockopt.h).  getsockopt/setsockopt only: no data moves here. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "session.h"
#include "sockopt.h"

const struct sockopt_def sockopt_defs[] = {
	{ "nodelay", IPPROTO_TCP, TCP_NODELAY, SOV_BOOL, KIND_TCP,
	  "TCP_NODELAY: send small writes at once (TCP only)" },
	{ "keepalive", SOL_SOCKET, SO_KEEPALIVE, SOV_BOOL, 0,
	  "SO_KEEPALIVE: probe idle connections" },
	{ "rcvbuf", SOL_SOCKET, SO_RCVBUF, SOV_INT, 0,
	  "SO_RCVBUF in bytes (Linux reports twice the value set)" },
	{ "sndbuf", SOL_SOCKET, SO_SNDBUF, SOV_INT, 0,
	  "SO_SNDBUF in bytes (Linux reports twice the value set)" },
	{ "ttl", 0, 0, SOV_TTL, 0,
	  "IP_TTL / IPV6_UNICAST_HOPS (multicast: the multicast hop limit)" },
	{ "broadcast", SOL_SOCKET, SO_BROADCAST, SOV_BOOL, 0, "SO_BROADCAST" },
	{ "reuseaddr", SOL_SOCKET, SO_REUSEADDR, SOV_BOOL, 0, "SO_REUSEADDR" },
	{ "linger", SOL_SOCKET, SO_LINGER, SOV_LINGER, 0,
	  "SO_LINGER: off, or seconds to wait on close" },
	{ NULL, 0, 0, 0, 0, NULL }
};

const struct sockopt_def *
sockopt_find(const char *name)
{
	const struct sockopt_def *d;

	for (d = sockopt_defs; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

void
sockopt_names(struct buf *out, const char *sep)
{
	const struct sockopt_def *d;

	for (d = sockopt_defs; d->name != NULL; d++)
		buf_printf(out, "%s%s", d == sockopt_defs ? "" : sep, d->name);
}

int
sockopt_applies(const struct session *s, const struct sockopt_def *d)
{
	if (d->only != 0 && !sess_has(s, d->only))
		return 0;
	/* A unix socket has no IP layer. */
	if (d->kind == SOV_TTL && layer_control(s, LCTL_UNIX, NULL) == 0)
		return 0;
	return 1;
}

int
sockopt_any(const struct session *s)
{
	const struct sockopt_def *d;
	struct buf v = BUF_INIT;
	int any = 0;

	for (d = sockopt_defs; !any && d->name != NULL; d++)
		any = sockopt_applies(s, d) && sockopt_get(s, d, &v) == 0;
	buf_free(&v);
	return any;
}

void
sockopt_why_not(const struct session *s, const struct sockopt_def *d,
    char *err, size_t errlen)
{
	if (d->only == KIND_TCP)
		snprintf(err, errlen, "%s applies to TCP sessions only",
		    d->name);
	else
		snprintf(err, errlen, "%s does not apply to a %s session",
		    d->name, sess_kind_name(s));
}

/* Where the option lives on this socket. */
static int
sockopt_where(const struct session *s, const struct sockopt_def *d,
    int *level, int *opt)
{
	int fam = s->local.ss.ss_family;
	int mc = layer_control(s, LCTL_MCAST, NULL) == 0;

	if (d->kind != SOV_TTL) {
		*level = d->level;
		*opt = d->opt;
		return 0;
	}
	if (fam == AF_INET6) {
		*level = IPPROTO_IPV6;
		*opt = mc ? IPV6_MULTICAST_HOPS : IPV6_UNICAST_HOPS;
	} else if (fam == AF_INET) {
		*level = IPPROTO_IP;
		*opt = mc ? IP_MULTICAST_TTL : IP_TTL;
	} else {
		errno = ENOPROTOOPT;
		return -1;
	}
	return 0;
}

int
sockopt_get(const struct session *s, const struct sockopt_def *d,
    struct buf *out)
{
	int level, opt, v = 0;
	socklen_t len = sizeof v;

	if (s->fd == -1) {
		errno = EBADF;
		return -1;
	}
	if (sockopt_where(s, d, &level, &opt) == -1)
		return -1;
	if (d->kind == SOV_LINGER) {
		struct linger l;

		len = sizeof l;
		if (getsockopt(s->fd, level, opt, &l, &len) == -1)
			return -1;
		if (l.l_onoff)
			buf_printf(out, "%d", l.l_linger);
		else
			buf_puts(out, "off");
		return 0;
	}
	if (level == IPPROTO_IP && opt == IP_MULTICAST_TTL) {
		unsigned char t = 0;

		/* This one is a byte, not an int. */
		len = sizeof t;
		if (getsockopt(s->fd, level, opt, &t, &len) == -1)
			return -1;
		v = t;
	} else if (getsockopt(s->fd, level, opt, &v, &len) == -1)
		return -1;
	if (d->kind == SOV_BOOL)
		buf_puts(out, v ? "on" : "off");
	else
		buf_printf(out, "%d", v);
	return 0;
}

static int
sockopt_parse(const struct sockopt_def *d, const char *value, int *v,
    char *err, size_t errlen)
{
	uint64_t n, min = d->kind == SOV_TTL ? 0 : 1;
	uint64_t max = d->kind == SOV_TTL ? 255 : INT32_MAX / 2;

	if (d->kind == SOV_BOOL) {
		if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0)
			*v = 1;
		else if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0)
			*v = 0;
		else {
			snprintf(err, errlen, "bad %s value \"%.32s\" (on or "
			    "off)", d->name, value);
			return -1;
		}
		return 0;
	}
	/* Buffer sizes in bytes, or with k|m (1k = 1024), as `rate 100k`
	 * and `delay 20ms` take units. */
	if (d->kind == SOV_INT ? codec_parse_size(value, min, max, &n) == -1 :
	    codec_parse_uint(value, min, max, &n) == -1) {
		snprintf(err, errlen, "bad %s value \"%.32s\" (%llu..%llu%s)",
		    d->name, value, (unsigned long long)min,
		    (unsigned long long)max, d->kind == SOV_INT ?
		    "; 64k = 65536" : "");
		return -1;
	}
	*v = (int)n;
	return 0;
}

int
sockopt_set(const struct session *s, const struct sockopt_def *d,
    const char *value, char *err, size_t errlen)
{
	int level, opt, v, r;

	if (!sockopt_applies(s, d) || sockopt_where(s, d, &level, &opt) == -1) {
		sockopt_why_not(s, d, err, errlen);
		return -1;
	}
	if (d->kind == SOV_LINGER) {
		struct linger l;
		uint64_t n;

		memset(&l, 0, sizeof l);
		if (strcmp(value, "off") != 0) {
			if (codec_parse_uint(value, 0, 3600, &n) == -1) {
				snprintf(err, errlen, "bad linger value "
				    "\"%.32s\" (off or 0..3600 seconds)", value);
				return -1;
			}
			l.l_onoff = 1;
			l.l_linger = (int)n;
		}
		r = setsockopt(s->fd, level, opt, &l, sizeof l);
	} else {
		if (sockopt_parse(d, value, &v, err, errlen) == -1)
			return -1;
		if (level == IPPROTO_IP && opt == IP_MULTICAST_TTL) {
			unsigned char t = (unsigned char)v;

			r = setsockopt(s->fd, level, opt, &t, sizeof t);
		} else
			r = setsockopt(s->fd, level, opt, &v, sizeof v);
	}
	if (r == -1) {
		snprintf(err, errlen, "setting %s: %s", d->name,
		    strerror(errno));
		return -1;
	}
	return 0;
}
