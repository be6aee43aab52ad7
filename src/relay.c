/* SPDX-License-Identifier: GPL-3.0-or-later */
/* relay.c — a relay's pairs: each accepted client (relay-in) gets an
 * upstream connection (relay-out); what one side receives is written to the
 * other.  Forwarding is a pipeline tap, so both sides are displayed, framed,
 * matched by expect, logged and counted like any session.  Backpressure is
 * poll interest (tr_stream.c stops reading a side whose pair's queue is
 * full); a half-close is passed on as a FIN, a reset as a reset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "net.h"
#include "event.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "relay.h"
#include "session.h"
#include "settings.h"

/* Upstream connect timeout. */
#define RELAY_CONNECT_MS	10000

/* What one side forwards: every received chunk, as it came. */
static void
relay_chunk(struct session *s, const struct chunk *c)
{
	struct session *to = s->pair;

	if (c->dir != '<' || c->wire || to == NULL || to->destroying)
		return;
	pipe_count_msg_tx(to);
	/* A failing write destroys the other side; its close event then
	 * ends this one, from the loop. */
	pipe_write(to, c->p, c->n);
}

/* Work on the other side of a pair is done from a timer, by id: the side
 * whose event caused it may be in the middle of its own receive path. */
struct relay_job {
	unsigned	 id;
	int		 what;		/* RJ_* */
	char		 reason[16];
	char		 msg[200];
};
enum { RJ_PROGRESS, RJ_CLOSE, RJ_RESET, RJ_FAIL };

static void
relay_job_run(void *arg)
{
	struct relay_job *j = arg;
	struct session *s = sess_find(j->id);

	if (s != NULL && !s->destroying) {
		switch (j->what) {
		case RJ_PROGRESS:
			sess_progress(s);
			break;
		case RJ_CLOSE:
			sess_close(s, "peer");
			break;
		case RJ_RESET:
			sess_abort(s, "reset", j->msg);
			break;
		case RJ_FAIL:
			sess_destroy(s, j->reason, j->msg);
			break;
		}
	}
	free(j);
}

static void
relay_defer(struct session *s, int what, const char *reason, const char *msg)
{
	struct relay_job *j = xcalloc(1, sizeof *j);

	j->id = s->id;
	j->what = what;
	snprintf(j->reason, sizeof j->reason, "%s", reason ? reason : "");
	snprintf(j->msg, sizeof j->msg, "%s", msg ? msg : "");
	loop_timer_add(0, relay_job_run, j);
}

void
relay_defer_progress(struct session *s)
{
	relay_defer(s, RJ_PROGRESS, NULL, NULL);
}

/* One side ended: so does the other, the same way. */
static void
relay_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	struct session *other = s->pair;
	char msg[200];

	(void)lost;
	if (ev != TAP_CLOSE || other == NULL || other->destroying)
		return;
	if (strcmp(reason, "reset") == 0) {
		snprintf(msg, sizeof msg, "the %s side was reset",
		    s->kind == K_RELAY_IN ? "client" : "server");
		relay_defer(other, RJ_RESET, NULL, msg);
	} else if (s->kind == K_RELAY_OUT && sess_opening(s)) {
		/* The upstream never answered: the client goes with why. */
		snprintf(msg, sizeof msg, "upstream %s: %s", s->remote_str,
		    sess_last_close_msg(s->id) ? sess_last_close_msg(s->id) :
		    reason);
		relay_defer(other, RJ_FAIL, reason, msg);
	} else
		relay_defer(other, RJ_CLOSE, NULL, NULL);
}

/* A client arrived on the relay: its upstream connection, paired. */
static int
relay_accepted(struct session *in)
{
	struct session *srv = in->parent, *out;
	char err[256];
	unsigned id = in->id;

	out = sess_tcp_client_as(K_RELAY_OUT, srv->upstream,
	    srv->upstream_port, NULL, RELAY_CONNECT_MS, err, sizeof err);
	if (out == NULL) {
		char msg[300];

		snprintf(msg, sizeof msg, "upstream: %s", err);
		if (sess_find(id) == in)
			sess_destroy(in, "error", msg);
		return -1;
	}
	/* The upstream shows and logs like its client side. */
	settings_release(&out->set);
	settings_copy(&out->set, &srv->set);
	in->pair = out;
	out->pair = in;
	return 0;
}

struct session *
relay_start(const char *host, uint16_t port, const char *uphost,
    uint16_t upport, unsigned max_peers, struct net_cidr *allow,
    size_t nallow, char *err, size_t errlen)
{
	struct session *s;

	s = sess_tcp_server_as(K_RELAY, host, port, max_peers, allow, nallow,
	    err, errlen);
	if (s == NULL)
		return NULL;
	s->upstream = xstrdup(uphost);
	s->upstream_port = upport;
	s->on_connect = relay_accepted;
	return s;
}

static const struct tap relay_tap = {
	.name = "relay",
	.chunk = relay_chunk,
	.event = relay_event,
};

void
relay_init(void)
{
	pipe_add_tap(&relay_tap);
}
