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
#include "resolve.h"
#include "session.h"
#include "settings.h"
#include "layer.h"
#include "tls.h"

/* Upstream connect timeout. */
#define RELAY_CONNECT_MS	10000

/* Rewrite rules on one message: every occurrence of each pattern, in rule
 * order. */
static void
relay_rewrite(const struct reply_rules *rr, const unsigned char *p, size_t n,
    struct buf *out)
{
	struct buf tmp = BUF_INIT;
	size_t i;

	buf_append(out, p, n);
	for (i = 0; i < rr->n; i++) {
		const struct buf *pat = &rr->r[i].pattern;
		const unsigned char *q = buf_peek(out), *end = q + buf_len(out);
		const unsigned char *hit;

		buf_reset(&tmp);
		while ((hit = memmem(q, (size_t)(end - q), buf_peek(pat),
		    buf_len(pat))) != NULL) {
			buf_append(&tmp, q, (size_t)(hit - q));
			buf_append(&tmp, buf_peek(&rr->r[i].response),
			    buf_len(&rr->r[i].response));
			q = hit + buf_len(pat);
		}
		buf_append(&tmp, q, (size_t)(end - q));
		buf_reset(out);
		buf_append(out, buf_peek(&tmp), buf_len(&tmp));
	}
	buf_free(&tmp);
}

static void
relay_forward(struct session *s, const unsigned char *p, size_t n)
{
	struct session *to = s->pair;

	if (to == NULL || to->destroying)
		return;
	pipe_count_msg_tx(to);
	/* A failing write destroys the other side; its close event then
	 * ends this one, from the loop. */
	if (s->set.rewrites != NULL) {
		struct buf b = BUF_INIT;

		relay_rewrite(s->set.rewrites, p, n, &b);
		pipe_write(to, buf_peek(&b), buf_len(&b));
		buf_free(&b);
	} else
		pipe_write(to, p, n);
}

/* UDP relays: each client address has its own upstream socket. */
static void
relay_udp_idle(void *arg)
{
	struct session *out = arg;
	uint64_t idle = loop_now() - out->relay_last_ms;

	out->relay_timer = 0;
	if (idle >= out->relay_idle_ms) {
		sess_destroy(out, "timeout", "idle: no datagram either way");
		return;
	}
	out->relay_timer = loop_timer_add(out->relay_idle_ms - idle,
	    relay_udp_idle, out);
}

static int
relay_addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

static struct session *
relay_udp_upstream(struct session *srv, const struct net_addr *from)
{
	struct session **all, *out;
	size_t i, n;
	char err[256], a[NET_ADDRSTRLEN];

	all = sess_all(&n);
	for (i = 0; i < n; i++)
		if (all[i]->parent == srv && !all[i]->destroying &&
		    relay_addr_eq(&all[i]->relay_client, from))
			return all[i];
	out = sess_udp_to_as(K_RELAY_UDP_OUT, &srv->upstream_addr, err,
	    sizeof err);
	if (out == NULL) {
		ev_notice(srv, "upstream: %s", err);
		return NULL;
	}
	settings_release(&out->set);
	settings_copy(&out->set, &srv->set);
	out->parent = srv;
	srv->npeers++;
	out->relay_client = *from;
	out->relay_idle_ms = srv->relay_idle_ms;
	out->relay_last_ms = loop_now();
	out->relay_timer = loop_timer_add(out->relay_idle_ms, relay_udp_idle,
	    out);
	net_fmt((const struct sockaddr *)&from->ss, from->len, a, sizeof a);
	ev_notice(out, "upstream for client %s", a);
	return out;
}

static void
relay_udp_message(struct session *s, const struct chunk *c)
{
	char err[256];

	if (s->kind == K_RELAY_UDP) {
		struct session *out;

		if (c->peer == NULL ||
		    (out = relay_udp_upstream(s, c->peer)) == NULL)
			return;
		out->relay_last_ms = loop_now();
		if (pipe_send_to(out, c->p, c->n, NULL, err, sizeof err) == -1)
			ev_notice(out, "not forwarded: %s", err);
		return;
	}
	/* A reply: back to the client this socket belongs to. */
	if (s->parent == NULL || s->parent->destroying)
		return;
	s->relay_last_ms = loop_now();
	if (pipe_send_to(s->parent, c->p, c->n, &s->relay_client, err,
	    sizeof err) == -1)
		ev_notice(s, "reply not forwarded: %s", err);
}

/* What one side forwards: every received message as framing cut it (each
 * read when framing is raw), so rewrite rules see whole messages. */
static void
relay_message(struct session *s, const struct chunk *c)
{
	if (c->dir == '<' && (s->kind == K_RELAY_UDP ||
	    s->kind == K_RELAY_UDP_OUT)) {
		relay_udp_message(s, c);
		return;
	}
	if (c->dir != '<' || s->pair == NULL)
		return;
	if (s->held) {
		/* Kept in order; a full hold queue stops reading here. */
		buf_append(&s->holdq, c->p, c->n);
		layer_interest(s);
		return;
	}
	relay_forward(s, c->p, c->n);
}

void
relay_hold(struct session *s)
{
	s->held = 1;
}

/* The end of the stream passes on like the bytes before it: FIN to the
 * other side at once, or with the held bytes on release. */
static void
relay_pass_fin(struct session *s)
{
	if (s->pair == NULL || s->pair->destroying)
		return;
	s->pair->want_shut = 1;
	relay_defer_progress(s->pair);
}

int
relay_peer_eof(struct session *s)
{
	/* A relay passes the half-close on: FIN to the other side, the other
	 * direction still flows. */
	s->state = S_HALF_CLOSED;
	if (s->held)
		ev_notice(s, "the %s finished sending: its end is held too, "
		    "and follows the held bytes on release",
		    s->kind == K_RELAY_IN ? "client" : "server");
	else
		relay_pass_fin(s);
	return sess_progress(s);
}

void
relay_release(struct session *s)
{
	s->held = 0;
	if (buf_len(&s->holdq) > 0) {
		struct buf q = s->holdq;

		s->holdq = (struct buf)BUF_INIT;
		relay_forward(s, buf_peek(&q), buf_len(&q));
		buf_free(&q);
	}
	if (s->eof)
		relay_pass_fin(s);
	layer_interest(s);
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
	if (ev == TAP_CLOSE && s->kind == K_RELAY) {
		/* The relay holds its TLS configurations. */
		if (s->relay_tls_in != NULL)
			tls_cfg_unref(s->relay_tls_in);
		if (s->relay_tls_out != NULL)
			tls_cfg_unref(s->relay_tls_out);
		s->relay_tls_in = s->relay_tls_out = NULL;
		return;
	}
	if (ev != TAP_CLOSE || other == NULL || other->destroying)
		return;
	/* Held bytes are never dropped without a word: what this side held
	 * arrived before its end, so it goes on ahead of the close; what the
	 * other side holds for this one has nowhere to go now. */
	if (buf_len(&s->holdq) > 0 && strcmp(reason, "reset") != 0) {
		struct buf q = s->holdq;

		s->holdq = (struct buf)BUF_INIT;
		ev_notice(s, "%zu held bytes forwarded before the close",
		    buf_len(&q));
		relay_forward(s, buf_peek(&q), buf_len(&q));
		buf_free(&q);
	} else if (buf_len(&s->holdq) > 0)
		ev_notice(s, "%zu held bytes lost: the connection was reset",
		    buf_len(&s->holdq));
	if (buf_len(&other->holdq) > 0) {
		ev_notice(other, "%zu held bytes lost: the %s side closed",
		    buf_len(&other->holdq), s->kind == K_RELAY_IN ? "client" :
		    "server");
		buf_free(&other->holdq);
	}
	if (other->destroying)
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
	/* TLS upstream: the handshake starts once TCP is connected; what the
	 * client sends meanwhile waits in the queue. */
	if (srv->relay_tls_out != NULL) {
		out->on_connect = tls_on_connect;
		out->on_connect_arg = srv->relay_tls_out;
	}
	/* TLS from the client: terminated here. */
	if (srv->relay_tls_in != NULL && tls_start(in, srv->relay_tls_in) == -1)
		return -1;
	return 0;
}

void
relay_set_tls(struct session *srv, struct tls_cfg *in, struct tls_cfg *out)
{
	srv->relay_tls_in = in;
	srv->relay_tls_out = out;
	if (in != NULL)
		in->owner = srv->id;
	if (out != NULL)
		out->owner = srv->id;
}

struct session *
relay_start_udp(const char *host, uint16_t port, const char *uphost,
    uint16_t upport, uint64_t idle_ms, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct session *s;

	/* One upstream address for every client: resolved once, here (the
	 * command resolved the name first). */
	if (net_resolve(uphost, upport, SOCK_DGRAM, 0, &res, err,
	    errlen) == -1)
		return NULL;
	s = sess_udp_as(K_RELAY_UDP, host, port, NULL, 0, 0, err, errlen);
	if (s == NULL) {
		resolve_free(res);
		return NULL;
	}
	memcpy(&s->upstream_addr.ss, res->ai_addr, res->ai_addrlen);
	s->upstream_addr.len = res->ai_addrlen;
	resolve_free(res);
	s->upstream = xstrdup(uphost);
	s->upstream_port = upport;
	s->relay_idle_ms = idle_ms;
	return s;
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
	.message = relay_message,
	.event = relay_event,
};

void
relay_init(void)
{
	pipe_add_tap(&relay_tap);
}
