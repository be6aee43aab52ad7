/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_reconnect.c — the reconnect role (role.h): a tcp-client, tls-client
 * or unix-client made with --reconnect.  When such a session ends for any
 * reason but the user's (`close`, the end of input), a new session with a
 * new id takes its place, with the old one's settings: it waits (state
 * `waiting`, in `list`; `close` cancels it), then connects to the same
 * target with the same options, and its connecting and connected events
 * carry `replaces` (the id of the session it follows).  The first wait is
 * DUR; each attempt that fails without connecting doubles the next wait,
 * up to RECONNECT_CAP_MS (or DUR if longer); a session that got connected
 * starts again from DUR.  Every wait is a loop timer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "layer.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "role_reconnect.h"
#include "serial_line.h"
#include "session.h"
#include "tls.h"

/* The target, shared by every session of one chain. */
struct reconnect_target {
	unsigned	 refs;
	enum sess_kind	 kind;
	char		*host;		/* or the path */
	uint16_t	 port;
	int		 unix_path;
	struct net_addr	 bind;
	int		 have_bind;
	uint64_t	 timeout_ms;
	uint64_t	 delay_ms;
	struct tls_cfg	*tls;
	int		 serial;	/* a serial device, opened with line */
	struct serial_line line;
};

/* One session's part. */
struct reconnect {
	struct reconnect_target	*t;
	unsigned		 replaces;	/* 0: the first */
	uint64_t		 waited_ms;	/* before its connect */
	uint64_t		 timer;		/* the wait */
	int			 opened;	/* it got connected (and TLS
						 * through its handshake) */
	int			 again;		/* its end calls for another */
};

static const struct role reconnect_role;

static void
target_unref(struct reconnect_target *t)
{
	if (--t->refs > 0)
		return;
	if (t->tls != NULL)
		tls_cfg_unref(t->tls);
	free(t->host);
	free(t);
}

static void
reconnect_attach(struct session *s, struct reconnect_target *t,
    unsigned replaces, uint64_t waited_ms)
{
	struct reconnect *r = xcalloc(1, sizeof *r);

	r->t = t;
	t->refs++;
	r->replaces = replaces;
	r->waited_ms = waited_ms;
	s->role = &reconnect_role;
	s->role_state = r;
}

/* Start the attempt; -1 when nothing could start (err says why, s is as
 * it was). */
static int
reconnect_try(struct session *s, char *err, size_t errlen)
{
	const struct reconnect_target *t = ((struct reconnect *)
	    s->role_state)->t;

	if (t->serial)
		return sess_serial_open(s, t->host, &t->line, err, errlen);
	if (t->unix_path)
		return sess_unix_connect(s, t->host, err, errlen);
	return sess_connect(s, t->host, t->port, t->have_bind ? &t->bind :
	    NULL, t->timeout_ms, err, errlen);
}

static void
reconnect_due(void *arg)
{
	struct session *s = arg;
	struct reconnect *r = s->role_state;
	char err[256];

	r->timer = 0;
	if (reconnect_try(s, err, sizeof err) == -1)
		sess_destroy(s, "error", err);
}

/* The wait before the session that follows r's. */
static uint64_t
reconnect_next_wait(const struct reconnect *r)
{
	uint64_t cap = r->t->delay_ms > RECONNECT_CAP_MS ? r->t->delay_ms :
	    RECONNECT_CAP_MS;

	if (r->opened || r->waited_ms == 0)
		return r->t->delay_ms;
	return r->waited_ms >= cap / 2 ? cap : r->waited_ms * 2;
}

static void
ev_reconnecting(const struct session *s, uint64_t ms, unsigned replaces)
{
	struct buf d = BUF_INIT;
	struct rec r;

	codec_fmt_duration(ms, &d);
	rec_begin(&r, "reconnecting");
	r.stamp = s->set->timestamps;
	r.color = "ev";
	rec_u64(&r, "id", s->id);
	rec_str(&r, "kind", sess_kind_name(s));
	rec_str(&r, "remote", s->remote_str);
	rec_u64(&r, "delay_ms", ms);
	rec_strcpy(&r, "delay", buf_cstr(&d));
	rec_u64(&r, "replaces", replaces);
	out_rec(&r, "[{id}] reconnecting to {remote} in {delay} (replaces "
	    "{replaces}; close {id} stops it)");
	rec_free(&r);
	buf_free(&d);
}

/* old is leaving: the session that takes its place, waiting. */
static void
reconnect_follow(struct session *old, struct reconnect *r)
{
	uint64_t ms = reconnect_next_wait(r);
	struct session *s = sess_new(r->t->kind, old->set);

	reconnect_attach(s, r->t, old->id, ms);
	s->state = S_WAITING;
	if (r->t->unix_path || r->t->serial)
		sess_name(&s->remote_str, "%s",
		    r->t->host);
	else
		sess_name(&s->remote_str, "%s", old->remote_str);
	((struct reconnect *)s->role_state)->timer = loop_timer_add(ms,
	    reconnect_due, s);
	ev_reconnecting(s, ms, old->id);
}

static int
reconnect_opened(struct session *s)
{
	struct reconnect *r = s->role_state;

	if (r->t->tls != NULL)
		return tls_start(s, r->t->tls);
	return pipe_output(s);
}

/* Anything but the user's close calls for another attempt; a close the
 * user asked for stays one even if the peer resets meanwhile. */
static void
reconnect_closing(struct session *s, const char *reason)
{
	struct reconnect *r = s->role_state;

	r->opened = !sess_opening(s);
	r->again = strcmp(reason, "local") != 0 && !(s->closing &&
	    s->close_reason != NULL && strcmp(s->close_reason, "local") == 0);
	/* A serial line comes back as it was last set (`set ID baud`), not
	 * as it was first opened. */
	if (r->again && r->t->serial && !sess_opening(s)) {
		struct layer_line q;

		memset(&q, 0, sizeof q);
		if (layer_control(s, LCTL_LINE, &q) == 0 && q.known)
			r->t->line = q.ln;
	}
}

static void
reconnect_destroy(struct session *s)
{
	struct reconnect *r = s->role_state;

	if (r->timer)
		loop_timer_del(r->timer);
	if (r->again)
		reconnect_follow(s, r);
	target_unref(r->t);
	free(r);
}

static unsigned
reconnect_replaces(const struct session *s)
{
	return ((const struct reconnect *)s->role_state)->replaces;
}

/* A tls-client made again speaks TLS, before its handshake too. */
static struct tls_cfg *
reconnect_tls(const struct session *s)
{
	return ((const struct reconnect *)s->role_state)->t->tls;
}

static const struct role reconnect_role = {
	.name = "reconnect",
	.opened = reconnect_opened,
	.closing = reconnect_closing,
	.destroy = reconnect_destroy,
	.replaces = reconnect_replaces,
	.tls = reconnect_tls,
};

struct session *
reconnect_open(const struct reconnect_opts *o, char *err, size_t errlen)
{
	struct reconnect_target *t = xcalloc(1, sizeof *t);
	struct reconnect *r;
	struct session *s;
	unsigned id;

	t->kind = o->kind;
	t->host = xstrdup(o->host);
	t->port = o->port;
	t->unix_path = o->unix_path;
	if (o->bind != NULL) {
		t->bind = *o->bind;
		t->have_bind = 1;
	}
	t->timeout_ms = o->timeout_ms;
	t->delay_ms = o->delay_ms;
	t->tls = o->tls;
	if (o->serial != NULL) {
		t->serial = 1;
		t->line = *o->serial;
	}
	s = sess_new(o->kind, &settings_default);
	reconnect_attach(s, t, 0, 0);
	r = s->role_state;
	id = s->id;
	if (reconnect_try(s, err, errlen) == -1) {
		if (t->unix_path || t->serial) {
			/* No socket (or device) there yet: as refused, wait
			 * for it. */
			sess_destroy(s, "error", err);
			return sess_find(sess_last_id());
		}
		/* A host that can never connect: nothing to retry. */
		s->role = NULL;
		s->role_state = NULL;
		target_unref(t);
		free(r);
		sess_discard(s);
		return NULL;
	}
	/* Every address failed at once: the next is waiting. */
	return sess_find(id) != NULL ? sess_find(id) :
	    sess_find(sess_last_id());
}
