/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pace.c — TAP unit tests for src/pace.c with a fake clock: long runs
 * keep the rate within 1%, nothing is sent early, a stall is caught up in
 * one bounded burst, and the rate parser. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pace.h"
#include "tap.h"

#define MS	UINT64_C(1000000)	/* nanoseconds */

/* Fixed-seed xorshift: failures must reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* What a run of the fake loop saw. */
struct run {
	uint64_t	first, last;	/* clock at the first and last send */
	uint64_t	max_batch;
	uint64_t	early;		/* messages sent before their time */
	uint64_t	calls;
};

/* When message k is due on the ideal schedule from start, in floating
 * point: written independently of pace.c's integer arithmetic. */
static long double
ideal(const struct pace_rate *r, uint64_t start, uint64_t k)
{
	return (long double)start + (long double)k * (long double)r->period /
	    (long double)r->count;
}

/*
 * Send n messages as the event loop would: sleep what pace_wait() says,
 * rounded up to the timer's millisecond, and wake a little late (up to
 * jitter ns); now and then another event wakes the loop early, at an
 * arbitrary point of the wait.  The clock is *now.
 */
static void
drive(struct pace *p, uint64_t n, uint64_t *now, uint64_t jitter,
    uint64_t start, struct run *r)
{
	uint64_t d, w, k, target = p->sent + n;

	memset(r, 0, sizeof *r);
	while (p->sent < target) {
		d = pace_due(p, *now);
		r->calls++;
		if (d > target - p->sent)
			d = target - p->sent;
		if (d > 0) {
			if (r->first == 0 && r->calls == 1)
				r->first = *now;
			/* Only the last of a batch can be the latest. */
			k = p->sent + d - 1;
			if (p->slip_ns == 0 &&
			    (long double)*now + 1 < ideal(&p->rate, start, k))
				r->early++;
			if (d > r->max_batch)
				r->max_batch = d;
			pace_sent(p, d);
			r->last = *now;
			continue;
		}
		w = pace_wait(p, *now);
		if (rng() % 4 == 0)
			*now += 1 + rng() % w;
		else
			*now += (w + MS - 1) / MS * MS + (jitter ? rng() %
			    jitter : 0);
	}
}

static struct pace_rate
rate_of(const char *s)
{
	struct pace_rate r;
	char err[256];

	if (pace_parse(s, &r, err, sizeof err) == -1) {
		printf("# pace_parse(\"%s\"): %s\n", s, err);
		abort();
	}
	return r;
}

/* The acceptance case: 10,000 messages at 2000/s take 5 s. */
static void
test_rate_2000(void)
{
	struct pace_rate r = rate_of("2000/s");
	struct pace p;
	struct run run;
	uint64_t start = 123456789, now = start;
	long double took;

	pace_start(&p, &r, now);
	is_int(p.burst, 20, "burst at 2000/s: 20 (10 ms)");
	drive(&p, 10000, &now, 700000, start, &run);
	/* 10,000 messages span 9,999 intervals: 4.9995 s. */
	took = (long double)(run.last - start) / PACE_SEC;
	ok(took > 4.95 && took < 5.05, "10,000 at 2000/s took %.4Lf s", took);
	is_int(run.first, start, "the first is sent at once");
	is_int(run.early, 0, "none sent before its time");
	ok(run.max_batch <= 20, "batches of at most %" PRIu64,
	    run.max_batch);
	is_int(p.slip_ns, 0, "a loop that keeps up never slips");
	ok(run.calls < 10000, "sent in %" PRIu64 " wakeups, not one per "
	    "message busy-looping", run.calls);
}

/* A stalled loop gets one burst, then the rate resumes. */
static void
test_stall(void)
{
	struct pace_rate r = rate_of("2000/s");
	struct pace p;
	struct run run;
	uint64_t start = 0, now = start, d, t;
	long double took;

	pace_start(&p, &r, now);
	drive(&p, 1000, &now, 300000, start, &run);
	now += PACE_SEC;
	d = pace_due(&p, now);
	is_int(d, 20, "after a 1 s stall, 2000 are owed and 20 go");
	ok(p.slip_ns > PACE_SEC * 98 / 100 && p.slip_ns < PACE_SEC,
	    "the schedule slipped %" PRIu64 " ms", p.slip_ns / MS);
	is_int(pace_due(&p, now), 20, "asking again changes nothing");
	pace_sent(&p, d);
	is_int(pace_due(&p, now), 0, "then nothing more is due at once");
	is_int(pace_wait(&p, now), 500000, "the next is one interval later");
	t = now;
	drive(&p, 2001, &now, 300000, start, &run);
	took = (long double)(run.last - t) / PACE_SEC;
	ok(took > 0.99 && took < 1.01, "and 2000 more take %.4Lf s", took);
	ok(run.max_batch <= 20, "in batches of at most %" PRIu64,
	    run.max_batch);

	/* A full link: what is due is not sent for a while. */
	pace_start(&p, &r, 0);
	now = 0;
	pace_sent(&p, pace_due(&p, now));
	for (d = 0, t = 0; t < 100; t++) {
		now += MS;
		if (pace_due(&p, now) > d)
			d = pace_due(&p, now);
	}
	is_int(d, 20, "a full link for 100 ms: never more than 20 due");
	d = pace_due(&p, now);
	pace_sent(&p, d);
	is_int(pace_due(&p, now), 0, "a burst once it drains");
}

/* Rates from 1/s to 1,000,000/s keep their average within 1%. */
static void
test_rates(void)
{
	static const char *rates[] = {
		"1/s", "2/s", "3/s", "7/s", "60/s", "99/s", "100/s", "101/s",
		"999/s", "2000/s", "12345/s", "100000/s", "333333/s",
		"1000000/s", "30/m", "7200/h",
	};
	struct pace_rate r;
	struct pace p;
	struct run run;
	uint64_t n, start = 5 * PACE_SEC, now, burst;
	long double took, want;
	size_t i;

	for (i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		r = rate_of(rates[i]);
		/* About 3 s of traffic, at most 3,000,000 messages. */
		n = r.count * 3 * PACE_SEC / r.period;
		if (n < 4)
			n = 4;
		if (n > 3000000)
			n = 3000000;
		now = start;
		pace_start(&p, &r, now);
		burst = r.count * (PACE_SEC / 100) / r.period;
		is_int(p.burst, burst ? burst : 1, "%s: burst", rates[i]);
		drive(&p, n, &now, 400000, start, &run);
		took = (long double)(run.last - start);
		want = ideal(&r, 0, n - 1);
		ok(took >= want && took < want * 1.01 + 2 * MS,
		    "%s: %" PRIu64 " messages in %.4Lf s (ideal %.4Lf s)",
		    rates[i], n, took / PACE_SEC, want / PACE_SEC);
		ok(run.early == 0 && p.slip_ns == 0 &&
		    run.max_batch <= p.burst, "%s: none early, no slip, "
		    "batches <= %" PRIu64 " (largest %" PRIu64 ")", rates[i],
		    p.burst, run.max_batch);
	}
}

/* The schedule is computed from the start, so it never drifts. */
static void
test_exact(void)
{
	struct pace_rate r = rate_of("3/s");
	struct pace p;

	pace_start(&p, &r, 1000);
	is_int(pace_next(&p), 1000, "first due at the start");
	is_int(pace_wait(&p, 1000), 0, "no wait for it");
	is_int(pace_due(&p, 999), 0, "nothing due before the start");
	is_int(pace_due(&p, 1000), 1, "one due at the start");
	pace_sent(&p, 1);
	is_int(pace_next(&p), 1000 + 333333333, "then a third of a second");
	is_int(pace_wait(&p, 1000 + 333333000), 333, "wait what is left");
	pace_sent(&p, 2);
	is_int(pace_next(&p), 1000 + PACE_SEC, "three at exactly 1 s");
	pace_sent(&p, 3000000 - 3);
	is_int(pace_next(&p), 1000 + 1000000 * PACE_SEC,
	    "3,000,000 at exactly 1,000,000 s");

	r = rate_of("100000000/s");
	pace_start(&p, &r, 0);
	is_int(p.burst, 1000000, "the highest rate: bursts of 1,000,000");
	pace_sent(&p, 123456789012345ULL);
	is_int(pace_next(&p), 1234567890123450ULL,
	    "no overflow at 100,000,000/s");
	r = rate_of("99999999/h");
	pace_start(&p, &r, 0);
	pace_sent(&p, 99999999ULL * 1000 + 99999998);
	/* 1000 hours, then 99999998/99999999 of one, rounded down. */
	is_int(pace_next(&p), 3600 * PACE_SEC * 1000 + 3599999963999ULL,
	    "no overflow at 99999999/h");

	/* A rate not from pace_parse() is taken as 1/s. */
	r.count = 0;
	r.period = 0;
	pace_start(&p, &r, 0);
	ok(p.rate.count == 1 && p.rate.period == PACE_SEC && p.burst == 1,
	    "a bad rate is 1/s");
}

static void
test_parse(void)
{
	static const struct {
		const char	*in, *canon;
		uint64_t	 count, period;
	} good[] = {
		{ "2000/s", "2000/s", 2000, PACE_SEC },
		{ "2000", "2000/s", 2000, PACE_SEC },
		{ "1/s", "1/s", 1, PACE_SEC },
		{ "30/m", "30/m", 30, 60 * PACE_SEC },
		{ "1/h", "1/h", 1, 3600 * PACE_SEC },
		{ "1000000/s", "1000000/s", 1000000, PACE_SEC },
		{ "100000000/s", "100000000/s", 100000000, PACE_SEC },
	};
	static const char *bad[] = {
		"", "0/s", "0", "-1/s", "+5/s", "2000/x", "2000/", "/s",
		"1.5/s", "100000001/s", "2000/s ", " 2000/s", "abc", "2000/S",
		"2000/sec", "20 00", "99999999999999999999999/s", "2000/s/s",
	};
	struct pace_rate r, r2;
	struct buf b = BUF_INIT;
	char err[256], *e;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(&r, 0, sizeof r);
		ok(pace_parse(good[i].in, &r, err, sizeof err) == 0 &&
		    r.count == good[i].count && r.period == good[i].period,
		    "\"%s\" parses", good[i].in);
		buf_reset(&b);
		pace_format(&r, &b);
		is_str(buf_cstr(&b), good[i].canon, "  formats as %s",
		    good[i].canon);
		ok(pace_parse(buf_cstr(&b), &r2, err, sizeof err) == 0 &&
		    r2.count == r.count && r2.period == r.period,
		    "  and back");
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r.count = 7;
		r.period = 11;
		err[0] = '\0';
		ok(pace_parse(bad[i], &r, err, sizeof err) == -1 &&
		    r.count == 7 && r.period == 11, "\"%s\" rejected", bad[i]);
		for (e = err; *e != '\0'; e++)
			if ((unsigned char)*e < 0x20)
				break;
		ok(*err != '\0' && *e == '\0', "  %s", err);
	}
	ok(pace_parse("2000/x", &r, err, sizeof err) == -1 &&
	    strcmp(err, "bad rate \"2000/x\" (N/s, N/m or N/h, N from 1 to "
	    "100000000)") == 0, "the error says what is wanted");
	ok(pace_parse("\x1b[2J/s", &r, err, sizeof err) == -1 &&
	    strncmp(err, "bad rate \"\\e[2J/s\"", 18) == 0,
	    "control bytes escaped: %s", err);
	ok(pace_parse("x", &r, NULL, 0) == -1, "no error buffer");
	r.count = 5;
	r.period = 7;
	buf_reset(&b);
	pace_format(&r, &b);
	is_str(buf_cstr(&b), "5 per 7ns", "an odd period still shows");
	buf_free(&b);
}

int
main(void)
{
	test_rate_2000();
	test_stall();
	test_rates();
	test_exact();
	test_parse();
	return done_testing();
}
