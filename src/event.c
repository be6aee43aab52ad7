/* SPDX-License-Identifier: GPL-3.0-or-later */
/* event.c — session events as records (see event.h): the fields once, a
 * template for people; out.c renders. */
#include <stdarg.h>
#include <stdio.h>

#include "buf.h"
#include "event.h"
#include "layer_proxy.h"
#include "out.h"
#include "role.h"
#include "session.h"

static void
ev_begin(struct rec *r, const struct session *s, const char *event)
{
	rec_begin(r, event);
	r->stamp = s->set->timestamps;
	r->color = "ev";
	rec_u64(r, "id", s->id);
	if (s->pair != NULL)
		rec_u64(r, "pair", s->pair->id);
}

void
ev_listening(const struct session *s)
{
	struct layer_path p;
	struct rec r;

	ev_begin(&r, s, "listening");
	r.info = 1;	/* -q: errors and received data only */
	rec_str(&r, "kind", sess_kind_name(s));
	rec_str(&r, "local", s->local_str);
	if (layer_control(s, LCTL_PATH, &p) == 0) {
		/* A pty: the slave a program opens, and the link to it. */
		rec_str(&r, "path", p.path);
		if (p.link != NULL)
			rec_str(&r, "link", p.link);
		out_rec(&r, "[{id}] pty {path}{?link: (link }{link}{?link:)}: "
		    "waiting for a program to open it");
		rec_free(&r);
		return;
	}
	if (s->all_ifaces)
		rec_bool(&r, "all_interfaces", 1);
	/* The JSON carries the wildcard as a flag; people read it.  A
	 * socket that accepts connections listens; a datagram one is bound. */
	if (layer_control(s, LCTL_ACCEPTS, NULL) == 0)
		out_rec(&r, s->all_ifaces == 2 ?
		    "[{id}] listening on {local} (all interfaces, IPv4 and IPv6)" :
		    "[{id}] listening on {local}{?all_interfaces: (all interfaces)}");
	else
		out_rec(&r, s->all_ifaces == 2 ?
		    "[{id}] bound on {local} (all interfaces, IPv4 and IPv6)" :
		    "[{id}] bound on {local}{?all_interfaces: (all interfaces)}");
	rec_free(&r);
}

/* The session a reconnect's replaces, if any. */
static void
ev_replaces(struct rec *r, const struct session *s)
{
	unsigned id = s->role != NULL && s->role->replaces != NULL ?
	    s->role->replaces(s) : 0;

	if (id != 0)
		rec_u64(r, "replaces", id);
}

/* remote, and through a proxy the target as remote and the proxy as
 * via (v: room for the words while r lives). */
static void
ev_remote(struct rec *r, const struct session *s, struct layer_via *v)
{
	if (layer_control(s, LCTL_VIA, v) == -1) {
		rec_str(r, "remote", s->remote_str);
		return;
	}
	rec_str(r, "remote", v->target);
	rec_str(r, "via", v->via);
}

void
ev_connecting(const struct session *s)
{
	struct layer_via v;
	struct rec r;

	ev_begin(&r, s, "connecting");
	r.info = 1;
	rec_str(&r, "kind", sess_kind_name(s));
	ev_remote(&r, s, &v);
	ev_replaces(&r, s);
	out_rec(&r, "[{id}] connecting to {remote}{?via: via }{via}"
	    "{?replaces: (replaces }{replaces}{?replaces:)}");
	rec_free(&r);
}

/* A connected event's first fields, whatever opened the session: a
 * connect, a program, a device. */
static void
ev_connected_begin(struct rec *r, const struct session *s)
{
	ev_begin(r, s, "connected");
	r->info = 1;	/* -q: errors and received data only */
	rec_str(r, "kind", sess_kind_name(s));
	rec_str(r, "local", s->local_str);
}

void
ev_connected(const struct session *s)
{
	struct layer_via v;
	struct rec r;

	ev_connected_begin(&r, s);
	ev_remote(&r, s, &v);
	ev_replaces(&r, s);
	out_rec(&r, "[{id}] connected to {remote}{?via: via }{via} from {local}"
	    "{?replaces: (replaces }{replaces}{?replaces:)}");
	rec_free(&r);
}

void
ev_started(const struct session *s)
{
	struct rec r;

	ev_connected_begin(&r, s);
	rec_str(&r, "remote", s->remote_str);
	if (s->role != NULL && s->role->fields != NULL)
		s->role->fields(s, "connected", &r);
	out_rec(&r, "[{id}] started {remote}{?pid: (pid }{pid}{?pid:)}"
	    "{?tty: on }{tty}");
	rec_free(&r);
}

void
ev_opened(const struct session *s, const char *line)
{
	struct rec r;

	ev_connected_begin(&r, s);
	rec_str(&r, "remote", s->remote_str);
	rec_str(&r, "line", line);
	ev_replaces(&r, s);
	out_rec(&r, "[{id}] opened {remote} ({line})"
	    "{?replaces: (replaces }{replaces}{?replaces:)}");
	rec_free(&r);
}

void
ev_line(const struct session *s, const char *line)
{
	struct rec r;

	ev_begin(&r, s, "line");
	rec_str(&r, "line", line);
	out_rec(&r, "[{id}] line {line} (confirmed by the server)");
	rec_free(&r);
}

void
ev_modem(const struct session *s, unsigned lines)
{
	struct rec r;

	ev_begin(&r, s, "modem");
	rec_bool(&r, "cts", lines & LM_CTS);
	rec_bool(&r, "dsr", lines & LM_DSR);
	rec_bool(&r, "dcd", lines & LM_DCD);
	rec_bool(&r, "ri", lines & LM_RI);
	out_rec(&r, "[{id}] modem inputs: cts {cts}, dsr {dsr}, dcd {dcd}, "
	    "ri {ri}");
	rec_free(&r);
}

void
ev_accepted(const struct session *s)
{
	struct rec r;

	ev_begin(&r, s, "accepted");
	r.info = 1;	/* -q: errors and received data only */
	rec_u64(&r, "parent", s->parent ? s->parent->id : 0);
	rec_str(&r, "kind", sess_kind_name(s));
	rec_str(&r, "local", s->local_str);
	rec_str(&r, "remote", s->remote_str);
	out_rec(&r, "[{id}] accepted {remote} on [{parent}] {local}");
	rec_free(&r);
}

/* A program's end, in people's words. */
#define EV_STATUS	"{?status: (}{status}{?status:)}"

void
ev_closed(const struct session *s, const char *reason, const char *msg,
    uint64_t lost, unsigned pair)
{
	struct rec r;

	ev_begin(&r, s, "closed");
	rec_str(&r, "kind", sess_kind_name(s));
	if (pair != 0)
		rec_u64(&r, "pair", pair);	/* (s->pair is unlinked by now) */
	r.info = 1;	/* -q: errors and received data only */
	rec_str(&r, "reason", reason);
	/* Written as an error is: outside words in it are escaped already
	 * (a server's status line), so shown as out_error shows them. */
	rec_strescaped(&r, "message", msg);
	rec_u64(&r, "rx_bytes", s->rx_bytes);
	rec_u64(&r, "tx_bytes", s->tx_bytes);
	if (lost > 0)
		rec_u64(&r, "lost", lost);
	if (s->role != NULL && s->role->unmatched != NULL)
		rec_u64(&r, "unmatched", s->role->unmatched(s));
	if (s->role != NULL && s->role->fields != NULL)
		s->role->fields(s, "closed", &r);
	out_rec(&r, lost == 0 ? "[{id}] closed ({reason}): {message}"
	    EV_STATUS : lost == 1 ? "[{id}] closed ({reason}): {message}"
	    EV_STATUS "; 1 queued byte lost" : "[{id}] closed ({reason}): "
	    "{message}" EV_STATUS "; {lost} queued bytes lost");
	rec_free(&r);
}

void
ev_notice(const struct session *s, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	struct rec r;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	ev_begin(&r, s, "error");
	r.info = 1;
	rec_str(&r, "message", buf_cstr(&msg));
	out_rec(&r, "[{id}] {message}");
	rec_free(&r);
	buf_free(&msg);
}
