/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_ping.c — the `ping` command (SPEC §3.9): send a probe, time the reply
 * found in the session's expect window, repeat; then min/avg/p50/p99/max and
 * losses, like ping(8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "client.h"
#include "cmd.h"
#include "clock.h"
#include "codec.h"
#include "fill.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "session.h"

#define PING_COUNT_MAX	100000

enum ping_phase {
	PING_REPLY,		/* a probe is out, its timeout timer runs */
	PING_GAP,		/* the interval before the next probe */
};

struct ping {
	unsigned		 id;
	struct client		*cl;		/* whose ping: its positions */
	struct buf		 tmpl;		/* TEXT, escapes decoded */
	struct fill		*fill;		/* --fill, or NULL */
	struct check_spec	 ck;
	int			 have_ck;
	struct buf		 expect;	/* --expect; empty: the probe */
	struct buf		 probe;		/* the bytes of the last probe */
	uint64_t		 count, interval_ms, timeout_ms;
	uint64_t		 sent, received;
	uint64_t		*rtt_us;	/* one per reply, in order */
	uint64_t		 sent_us;	/* when the last probe went */
	uint64_t		 mark;		/* n_recv at the last search */
	enum ping_phase		 phase;
	uint64_t		 timer;
	int			 fired;		/* the timer ran since armed */
	int			 inflight;	/* the last probe is unanswered
						 * and not yet timed out */
	int			 finished;	/* the summary is out */
	struct buf		 scratch;	/* a window's copy, reused */
};

/* What the pattern is looked for: --expect, else the probe itself, so that
 * an echo server's answer to this probe (with its own {seq}) is what counts. */
static const struct buf *
ping_pattern(const struct ping *p)
{
	return buf_len(&p->expect) > 0 ? &p->expect : &p->probe;
}

struct ping_peers {
	struct ping	*p;
	int		 hit;
};

static void
ping_search_peer(struct session *peer, void *arg)
{
	struct ping_peers *a = arg;

	if (!a->hit)
		a->hit = cmd_expect_in(sess_window(peer), ping_pattern(a->p),
		    &a->p->scratch, &client_pos(a->p->cl, peer->id)->rx);
}

static int
ping_find(struct ping *p, struct session *s)
{
	struct ping_peers a = { p, 0 };

	if (s == NULL)
		return cmd_expect_in(sess_zombie_data(p->id), ping_pattern(p),
		    &p->scratch, &client_pos(p->cl, p->id)->rx);
	/* Only what arrived since the last look can complete a match. */
	if (s->n_recv == p->mark)
		return 0;
	p->mark = s->n_recv;
	sess_each_target(s, ping_search_peer, &a);
	return a.hit;
}

/* The client has seen everything that arrived so far. */
static void
ping_forget_peer(struct session *peer, void *arg)
{
	struct client *cl = arg;

	pipe_window_flush();
	client_pos(cl, peer->id)->rx = sess_window(peer)->end;
}

static void
ping_timer(void *arg)
{
	struct ping *p = arg;

	/* Only a flag: the check, woken now, acts. */
	p->timer = 0;
	p->fired = 1;
	client_wake_one(p->cl);
}

static void
ping_arm(struct ping *p, uint64_t ms)
{
	if (p->timer)
		loop_timer_del(p->timer);
	p->fired = 0;
	p->timer = loop_timer_add(ms, ping_timer, p);
}

/* Send the next probe.  0, or -1 with err. */
static int
ping_send(struct ping *p, struct session *s, char *err, size_t errlen)
{
	cmd_make_msg(s, &p->tmpl, p->fill, p->have_ck ? &p->ck : NULL, NULL,
	    &p->probe);
	/* A reply is what arrives after the probe: anything older (a late
	 * answer to a probe already counted lost) must not match. */
	pipe_window_flush();
	sess_each_target(s, ping_forget_peer, p->cl);
	p->mark = s->n_recv;
	p->sent_us = clock_us();
	if (pipe_send_ex(s, buf_peek(&p->probe), buf_len(&p->probe), NULL, 0,
	    err, errlen) == -1)
		return -1;
	p->sent++;
	p->inflight = 1;
	p->phase = PING_REPLY;
	ping_arm(p, p->timeout_ms);
	return 0;
}

static int
ping_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-th percentile by nearest rank: always one of the samples, so
 * min <= p50 <= p99 <= max holds by construction. */
static uint64_t
ping_rank(const uint64_t *v, uint64_t n, unsigned q)
{
	uint64_t r = (q * n + 99) / 100;

	return v[r > 0 ? r - 1 : 0];
}

static void
ping_ms(struct json *j, const char *key, uint64_t us)
{
	j_key(j, key);
	buf_printf(&j->b, "%.3f", (double)us / 1000.0);
}

/*
 * The summary.  JSON and the human line are written apart: the record
 * builder has no numbers with a fraction, and the figures must stay JSON
 * numbers.  sent leaves out a probe still in flight when the run was
 * interrupted, since it had no chance to come back.
 */
static void
ping_summary(struct ping *p)
{
	uint64_t sent = p->sent, n = p->received, sum = 0, i, lost;
	uint64_t *v = NULL, mn = 0, mx = 0, p50 = 0, p99 = 0, avg = 0;

	p->finished = 1;
	sent -= p->inflight;
	lost = sent - n;
	if (n > 0) {
		v = xmalloc(n * sizeof *v);
		memcpy(v, p->rtt_us, n * sizeof *v);
		qsort(v, n, sizeof *v, ping_cmp);
		for (i = 0; i < n; i++)
			sum += v[i];
		mn = v[0];
		mx = v[n - 1];
		p50 = ping_rank(v, n, 50);
		p99 = ping_rank(v, n, 99);
		avg = (sum + n / 2) / n;
		free(v);
	}
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "result");
		j_str(&j, "command", "ping");
		j_u64(&j, "id", p->id);
		j_u64(&j, "sent", sent);
		j_u64(&j, "received", n);
		j_u64(&j, "lost", lost);
		if (n > 0) {
			ping_ms(&j, "min_ms", mn);
			ping_ms(&j, "avg_ms", avg);
			ping_ms(&j, "p50_ms", p50);
			ping_ms(&j, "p99_ms", p99);
			ping_ms(&j, "max_ms", mx);
		} else {
			/* No reply, no figure: null rather than a 0 that
			 * reads as "instant". */
			j_null(&j, "min_ms");
			j_null(&j, "avg_ms");
			j_null(&j, "p50_ms");
			j_null(&j, "p99_ms");
			j_null(&j, "max_ms");
		}
		j_emit(&j);
		return;
	}
	{
		struct buf pct = BUF_INIT;

		if (sent == 0)
			buf_puts(&pct, "0%");
		else if (lost * 100 % sent == 0)
			buf_printf(&pct, "%llu%%",
			    (unsigned long long)(lost * 100 / sent));
		else
			buf_printf(&pct, "%.1f%%", (double)lost * 100.0 /
			    (double)sent);
		if (n > 0)
			out_line("[%u] %llu sent, %llu received, %s lost; rtt "
			    "min/avg/p50/p99/max = %.3f/%.3f/%.3f/%.3f/%.3f ms",
			    p->id, (unsigned long long)sent,
			    (unsigned long long)n, buf_cstr(&pct),
			    mn / 1000.0, avg / 1000.0, p50 / 1000.0,
			    p99 / 1000.0, mx / 1000.0);
		else
			out_line("[%u] %llu sent, 0 received, %s lost", p->id,
			    (unsigned long long)sent, buf_cstr(&pct));
		buf_free(&pct);
	}
}

static void
ping_reply(struct ping *p, uint64_t us)
{
	p->rtt_us[p->received++] = us;
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "ping");
		j_u64(&j, "id", p->id);
		j_u64(&j, "seq", p->sent);
		ping_ms(&j, "ms", us);
		j_emit(&j);
	} else
		out_line("[%u] reply %llu: %.3f ms", p->id,
		    (unsigned long long)p->sent, us / 1000.0);
}

static void
ping_lost(struct ping *p)
{
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "ping");
		j_u64(&j, "id", p->id);
		j_u64(&j, "seq", p->sent);
		j_bool(&j, "lost", 1);
		j_emit(&j);
	} else {
		struct buf d = BUF_INIT;

		codec_fmt_duration(p->timeout_ms, &d);
		out_line("[%u] probe %llu: no reply within %s", p->id,
		    (unsigned long long)p->sent, buf_cstr(&d));
		buf_free(&d);
	}
}

static int
ping_check(struct pending *pend)
{
	struct ping *p = pend->state;
	struct session *s = sess_find(p->id);
	char err[256];

	if (p->phase == PING_REPLY) {
		/* A reply that came with the timeout still counts. */
		if (ping_find(p, s)) {
			p->inflight = 0;
			ping_reply(p, clock_us() - p->sent_us);
			loop_timer_del(p->timer);
			p->timer = 0;
		} else if (s == NULL) {
			ping_summary(p);
			out_error(pend->ent->name, "session %u closed waiting "
			    "for reply %llu", p->id,
			    (unsigned long long)p->sent);
			return -1;
		} else if (p->fired) {
			p->inflight = 0;
			ping_lost(p);
		}
		else
			return 0;
		if (p->sent == p->count) {
			ping_summary(p);
			return 1;
		}
		if (p->interval_ms > 0) {
			p->phase = PING_GAP;
			ping_arm(p, p->interval_ms);
			return 0;
		}
		/* No interval: straight on to the next probe. */
	} else if (s == NULL) {
		ping_summary(p);
		out_error(pend->ent->name, "session %u closed after %llu "
		    "probes", p->id, (unsigned long long)p->sent);
		return -1;
	} else if (!p->fired)
		return 0;
	if (ping_send(p, s, err, sizeof err) == -1) {
		ping_summary(p);
		out_error(pend->ent->name, "%s", err);
		return -1;
	}
	return 0;
}

static void
ping_free(void *arg)
{
	struct ping *p = arg;

	/* Interrupted (Ctrl-C, end of the program): the figures so far,
	 * as ping(8) gives them. */
	if (!p->finished && p->sent > 0)
		ping_summary(p);
	if (p->timer)
		loop_timer_del(p->timer);
	buf_free(&p->tmpl);
	buf_free(&p->expect);
	buf_free(&p->probe);
	buf_free(&p->scratch);
	fill_free(p->fill);
	free(p->rtt_us);
	free(p);
}

static enum cmd_status
cmd_ping_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	struct ping *p;
	const char *v;
	uint64_t count = 4, interval, timeout;
	char err[256];
	int r;

	if ((v = cmd_opt(c, "count")) != NULL &&
	    codec_parse_uint(v, 1, PING_COUNT_MAX, &count) == -1)
		return cmd_usage(c, "bad --count \"%.32s\" (1 to %d)", v,
		    PING_COUNT_MAX);
	if (cmd_duration(c, "interval", 1000, &interval) == -1 ||
	    cmd_duration(c, "timeout", 1000, &timeout) == -1)
		return CMD_ERR;
	/* A zero timeout would call every probe lost before it left. */
	if (timeout == 0)
		return cmd_usage(c, "--timeout must be more than 0 (a reply "
		    "later than it is a loss)");

	p = xcalloc(1, sizeof *p);
	p->cl = c->cl;
	p->id = s->id;
	p->count = count;
	p->interval_ms = interval;
	p->timeout_ms = timeout;
	if ((v = cmd_opt(c, "append")) != NULL) {
		if (check_parse(v, &p->ck, err, sizeof err) == -1) {
			ping_free(p);
			return cmd_usage(c, "--append: %s", err);
		}
		p->have_ck = 1;
	}
	r = codec_unescape(c->argv[1], strlen(c->argv[1]), &p->tmpl, err,
	    sizeof err);
	if (r == 0 && cmd_has(c, "fill"))
		r = fill_compile(buf_peek(&p->tmpl), buf_len(&p->tmpl),
		    &p->fill, err, sizeof err);
	if (r == 0 && (v = cmd_opt(c, "expect")) != NULL) {
		r = codec_unescape(v, strlen(v), &p->expect, err, sizeof err);
		if (r == 0 && buf_len(&p->expect) == 0) {
			snprintf(err, sizeof err, "empty --expect pattern");
			r = -1;
		}
	}
	if (r == 0 && buf_len(&p->tmpl) == 0 && !p->have_ck) {
		snprintf(err, sizeof err, "empty probe text");
		r = -1;
	}
	if (r == -1) {
		ping_free(p);
		return cmd_usage(c, "%s", err);
	}
	if (sess_accepts(s) && s->npeers == 0) {
		ping_free(p);
		return cmd_fail(c, "server %u has no peers", s->id);
	}
	p->rtt_us = xmalloc(count * sizeof *p->rtt_us);
	if (ping_send(p, s, err, sizeof err) == -1) {
		p->finished = 1;
		ping_free(p);
		return cmd_fail(c, "%s", err);
	}
	/* No deadline of the pending wait itself: each probe has its own. */
	return cmd_wait(c, 0, ping_check, p, ping_free);
}

static const struct cmd_opt ping_opts[] = {
	{ "expect", 1 }, { "count", 1 }, { "interval", 1 }, { "timeout", 1 },
	{ "fill", 0 }, { "append", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_ping_entry = {
	.name = "ping",
	.usage = "ping ID TEXT [--expect PATTERN] [--count N] "
	    "[--interval DUR] [--timeout DUR] [--fill] [--append CHECK]",
	.help = "Round-trip times: send TEXT (C escapes decoded, as send "
	    "does) to ID, wait until PATTERN (default: the probe itself, "
	    "for echo servers) arrives after it, and time the reply in "
	    "microseconds; then wait --interval (default 1s) and go on, "
	    "--count times (default 4, up to 100000).  A probe with no "
	    "reply within --timeout (default 1s) is lost and the next one "
	    "goes.  At the end: sent, received, lost and rtt "
	    "min/avg/p50/p99/max.  --fill and --append as for send.  Ctrl-C "
	    "stops early with the figures so far.",
	.lower = 2,
	.upper = 2,
	.opts = ping_opts,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_ping_exec,
};
