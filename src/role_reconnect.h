/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_reconnect.h — `tcp-client`, `tls-client`, `unix-client` and
 * `serial` with --reconnect: a lost connection (or a failed connect, a
 * device not there) is made again, as a new session that says which one
 * it replaces. */
#ifndef SOCKTOOL_ROLE_RECONNECT_H
#define SOCKTOOL_ROLE_RECONNECT_H

#include <stdint.h>

#include "net.h"
#include "session.h"

struct tls_cfg;
struct serial_line;

/* The first wait and the cap of the backoff, and the least DUR. */
#define RECONNECT_DEFAULT_MS	1000
#define RECONNECT_CAP_MS	30000
#define RECONNECT_MIN_MS	10

/* What to connect to, again and again. */
struct reconnect_opts {
	enum sess_kind		 kind;
	const char		*host;		/* or the path (unix) */
	uint16_t		 port;
	int			 unix_path;
	const struct net_addr	*bind;		/* NULL: none */
	uint64_t		 timeout_ms;
	uint64_t		 delay_ms;	/* --reconnect DUR */
	struct tls_cfg		*tls;		/* taken (NULL: plain) */
	const struct serial_line *serial;	/* a serial device at host
						 * (the path), opened with
						 * this line; NULL: none */
};

/* The first session, connecting: the session that is current once the
 * first attempt started (a unix socket refused at once is already waiting
 * for the next), or NULL with err when nothing could start (a bad host). */
struct session *reconnect_open(const struct reconnect_opts *, char *err,
	    size_t errlen);

#endif
