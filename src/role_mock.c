/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_mock.c — `mock` (SPEC §3.13): a server that plays the remote side
 * of a recorded conversation.  The listener holds the recording; each peer
 * walks it from the first step on its own: what it sends is gathered until
 * it is the recorded request (then the recorded answer goes back) or can
 * no longer become it (then it is shown as unmatched and counted).  Over
 * UDP each client address is a peer, each datagram a whole request, and
 * each recorded answer datagram goes back as one. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "event.h"
#include "loop.h"
#include "net.h"
#include "out.h"
#include "pipe.h"
#include "rec.h"
#include "role.h"
#include "role_mock.h"
#include "session.h"

/* One peer's walk through the recording. */
struct mock_peer {
	struct mock_conv *mc;
	size_t		 step;		/* the next to play */
	struct buf	 got;		/* bytes towards its request */
	uint64_t	 unmatched;	/* messages no step matched */
};

/* A UDP mock's client: its address, its walk, when it was last heard. */
#define MOCK_UDP_PEERS	64
struct mock_udp {
	struct net_addr	 addr;
	struct mock_peer m;
	uint64_t	 seen_ms;
};

/* The recording, shared by the listener and every peer; a UDP mock's
 * clients too (the most recently heard MOCK_UDP_PEERS of them). */
struct mock_conv {
	unsigned	 refs;
	struct rec_conv	 conv;
	struct mock_udp	*udp;
	size_t		 nudp;
	uint64_t	 unmatched;	/* all clients' (show, stats) */
};

static void
mock_conv_unref(struct mock_conv *mc)
{
	if (mc == NULL || --mc->refs > 0)
		return;
	rec_conv_free(&mc->conv);
	free(mc->udp);
	free(mc);
}

/* Answer what can be answered: requests complete in got, answers that
 * need no request (a banner). */
static int
mock_play(struct session *s, struct mock_peer *m)
{
	const struct rec_conv *cv = &m->mc->conv;
	char err[256];

	while (m->step < cv->n) {
		const struct rec_step *st = &cv->step[m->step];
		size_t need = buf_len(&st->req);

		if (buf_len(&m->got) < need)
			return 0;
		if (memcmp(buf_peek(&m->got), buf_peek(&st->req), need) != 0)
			return 0;
		buf_consume(&m->got, need);
		m->step++;
		if (buf_len(&st->ans) > 0 && pipe_send(s, buf_peek(&st->ans),
		    buf_len(&st->ans), err, sizeof err) == -1) {
			ev_notice(s, "mock: %s", err);
			return 0;
		}
	}
	return 0;
}

/* What got holds cannot become the next request (or the recording has
 * ended): show it, count it, forget it. */
/* How much of got to give up: the shortest start after which the rest
 * can still become the next request (all of it when nothing can). */
static size_t
mock_resync(const struct mock_peer *m)
{
	const struct rec_conv *cv = &m->mc->conv;
	const unsigned char *g = buf_peek(&m->got), *q;
	size_t n = buf_len(&m->got), k, len, qn;

	if (m->step >= cv->n)
		return n;
	q = buf_peek(&cv->step[m->step].req);
	qn = buf_len(&cv->step[m->step].req);
	for (k = 1; k < n; k++) {
		len = n - k < qn ? n - k : qn;
		if (memcmp(g + k, q, len) == 0)
			return k;
	}
	return n;
}

/* Show n bytes of p as unmatched at m's step, from a datagram's source
 * (or NULL), and count them. */
static void
mock_report(struct session *s, struct mock_peer *m, const unsigned char *p,
    size_t n, const struct net_addr *from)
{
	const struct rec_conv *cv = &m->mc->conv;
	struct buf e = BUF_INIT, h = BUF_INIT;
	char a[ADDR_STRLEN];
	struct rec r;

	/* Escaped here: a rule of out.h shows it as it is (rec_strescaped),
	 * not escaped twice. */
	codec_escape(p, n > 64 ? 64 : n, &e, 0);
	if (n > 64)
		buf_puts(&e, "...");
	m->unmatched++;
	m->mc->unmatched++;
	rec_begin(&r, "mock");
	r.stamp = s->set->timestamps;
	r.color = "ev";
	rec_u64(&r, "id", s->id);
	rec_u64(&r, "step", m->step < cv->n ? m->step + 1 : 0);
	if (from != NULL) {
		net_fmt((const struct sockaddr *)&from->ss, from->len, a,
		    sizeof a);
		rec_strcpy(&r, "from", a);
	}
	rec_strescaped(&r, "unmatched", buf_cstr(&e));
	codec_hex(p, n, &h);
	rec_str(&r, "hex", buf_cstr(&h));
	rec_u64(&r, "count", m->unmatched);
	if (from != NULL)
		out_rec(&r, m->step < cv->n ? "[{id}] mock: unmatched from "
		    "{from} at step {step}: \"{unmatched}\"" : "[{id}] mock: "
		    "unmatched from {from} after the last step: "
		    "\"{unmatched}\"");
	else
		out_rec(&r, m->step < cv->n ? "[{id}] mock: unmatched at step "
		    "{step}: \"{unmatched}\"" : "[{id}] mock: unmatched after "
		    "the last step: \"{unmatched}\"");
	rec_free(&r);
	buf_free(&e);
	buf_free(&h);
}

static void
mock_unmatched(struct session *s, struct mock_peer *m)
{
	size_t n = mock_resync(m);

	mock_report(s, m, buf_peek(&m->got), n, NULL);
	buf_consume(&m->got, n);
}

static int
mock_can_match(const struct mock_peer *m)
{
	const struct rec_conv *cv = &m->mc->conv;
	const struct buf *req;
	size_t n = buf_len(&m->got);

	if (m->step >= cv->n)
		return n == 0;
	req = &cv->step[m->step].req;
	return n <= buf_len(req) && memcmp(buf_peek(&m->got), buf_peek(req),
	    n) == 0;
}

static void	mock_peer_destroy(struct session *);
static uint64_t	mock_peer_unmatched(const struct session *);
static int	mock_peer_opened(struct session *);
static void	mock_peer_closing(struct session *, const char *);

static const struct role mock_peer_role = {
	.name = "mock-peer",
	.opened = mock_peer_opened,
	.closing = mock_peer_closing,
	.destroy = mock_peer_destroy,
	.unmatched = mock_peer_unmatched,
};

static uint64_t
mock_peer_unmatched(const struct session *s)
{
	return ((const struct mock_peer *)s->role_state)->unmatched;
}

static int
mock_accepted(struct session *srv, struct session *peer)
{
	struct mock_conv *mc = srv->role_state;
	struct mock_peer *m = xcalloc(1, sizeof *m);

	mc->refs++;
	m->mc = mc;
	peer->role = &mock_peer_role;
	peer->role_state = m;
	return 0;
}

static void
mock_destroy(struct session *srv)
{
	mock_conv_unref(srv->role_state);
	srv->role_state = NULL;
}

static uint64_t
mock_unmatched_all(const struct session *srv)
{
	return ((const struct mock_conv *)srv->role_state)->unmatched;
}

static const struct role mock_role = {
	.name = "mock",
	.accepted = mock_accepted,
	.destroy = mock_destroy,
	.unmatched = mock_unmatched_all,
};

/* The recorded answer of step st to a UDP client: each message of it one
 * datagram, as it was received. */
static void
mock_udp_answer(struct session *s, const struct rec_step *st,
    const struct net_addr *to)
{
	const unsigned char *p = buf_peek(&st->ans);
	size_t i, at = 0;
	char err[256];

	/* Every answer read from a recording has its ends; each is a
	 * datagram (an empty one too: it was received). */
	for (i = 0; i < st->nends; i++) {
		if (pipe_send_to(s, p + at, st->ends[i] - at, to, err,
		    sizeof err) == -1) {
			ev_notice(s, "mock: %s", err);
			return;
		}
		at = st->ends[i];
	}
}

/* The client a datagram came from: found, or made (the one heard from
 * longest ago makes room), its recorded banner sent. */
static struct mock_udp *
mock_udp_peer(struct session *s, struct mock_conv *mc,
    const struct net_addr *from)
{
	struct mock_udp *u;
	size_t i, old = 0;

	for (i = 0; i < mc->nudp; i++) {
		if (net_addr_eq(&mc->udp[i].addr, from))
			return &mc->udp[i];
		if (mc->udp[i].seen_ms < mc->udp[old].seen_ms)
			old = i;
	}
	if (mc->nudp < MOCK_UDP_PEERS) {
		if (mc->udp == NULL)
			mc->udp = xcalloc(MOCK_UDP_PEERS, sizeof *mc->udp);
		u = &mc->udp[mc->nudp++];
	} else
		u = &mc->udp[old];
	memset(u, 0, sizeof *u);
	u->addr = *from;
	u->m.mc = mc;
	/* Datagrams recorded before the first request: the first time this
	 * client is heard from, they go first. */
	while (u->m.step < mc->conv.n &&
	    buf_len(&mc->conv.step[u->m.step].req) == 0)
		mock_udp_answer(s, &mc->conv.step[u->m.step++], from);
	return u;
}

/* One datagram to a UDP mock: the next step's request whole, or the
 * previous one again (the client asked twice: the answer goes again), or
 * unmatched. */
static void
mock_udp_message(struct session *s, struct mock_conv *mc,
    const struct chunk *c)
{
	const struct rec_conv *cv = &mc->conv;
	const struct rec_step *st;
	struct mock_udp *u;

	if (c->peer == NULL)
		return;
	u = mock_udp_peer(s, mc, c->peer);
	u->seen_ms = loop_now();
	st = u->m.step < cv->n ? &cv->step[u->m.step] : NULL;
	if (st != NULL && buf_len(&st->req) == c->n &&
	    memcmp(buf_peek(&st->req), c->p, c->n) == 0) {
		u->m.step++;
		mock_udp_answer(s, st, c->peer);
		while (u->m.step < cv->n &&
		    buf_len(&cv->step[u->m.step].req) == 0)
			mock_udp_answer(s, &cv->step[u->m.step++], c->peer);
		return;
	}
	if (u->m.step > 0 && (st = &cv->step[u->m.step - 1],
	    buf_len(&st->req) == c->n) && memcmp(buf_peek(&st->req), c->p,
	    c->n) == 0) {
		mock_udp_answer(s, st, c->peer);
		return;
	}
	mock_report(s, &u->m, c->p, c->n, c->peer);
}

static int
mock_peer_opened(struct session *s)
{
	/* A recording that starts with the device speaking (a banner). */
	return mock_play(s, s->role_state);
}

static void
mock_peer_closing(struct session *s, const char *reason)
{
	struct mock_peer *m = s->role_state;

	(void)reason;
	ev_notice(s, "mock: %zu of %zu steps played, %llu unmatched", m->step,
	    m->mc->conv.n, (unsigned long long)m->unmatched);
}

static void
mock_peer_destroy(struct session *s)
{
	struct mock_peer *m = s->role_state;

	mock_conv_unref(m->mc);
	buf_free(&m->got);
	free(m);
	s->role_state = NULL;
}

/* The tap: every message a mock's peer receives. */
static void
mock_message(struct session *s, const struct chunk *c)
{
	struct mock_peer *m;

	if (c->dir != '<')
		return;
	if (s->role == &mock_role) {
		mock_udp_message(s, s->role_state, c);
		return;
	}
	if (s->role != &mock_peer_role)
		return;
	m = s->role_state;
	buf_append(&m->got, c->p, c->n);
	/* Bounded: each round plays a step or gives bytes up. */
	for (;;) {
		mock_play(s, m);
		if (buf_len(&m->got) == 0 || mock_can_match(m))
			break;
		mock_unmatched(s, m);
	}
}

static const struct tap mock_tap = {
	.name = "mock",
	.message = mock_message,
};

void
mock_init(void)
{
	pipe_add_tap(&mock_tap);
}

void
mock_attach(struct session *srv, struct rec_conv *conv)
{
	struct mock_conv *mc = xcalloc(1, sizeof *mc);

	mc->refs = 1;
	mc->conv = *conv;		/* the recording is the mock's now */
	memset(conv, 0, sizeof *conv);
	srv->role = &mock_role;
	srv->role_state = mc;
}
