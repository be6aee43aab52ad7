/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pace.c — pacing arithmetic for send --rate (see pace.h): the schedule,
 * the bounded catch-up, and the rate parser.  No I/O, no clock. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "pace.h"

/* Input quoted in an error message: enough to recognise it. */
#define PACE_QUOTE	32

static const struct {
	const char	*unit;
	uint64_t	 period;
} pace_units[] = {
	{ "s", PACE_SEC },
	{ "m", 60 * PACE_SEC },
	{ "h", 3600 * PACE_SEC },
};
#define PACE_NUNITS	(sizeof pace_units / sizeof pace_units[0])

static int
pace_valid(const struct pace_rate *r)
{
	return r->count >= 1 && r->count <= PACE_MAX_COUNT &&
	    r->period >= 1;
}

/* a * period / count for a < count, without the 128-bit product: split
 * period into a multiple of count and a remainder below it, so the largest
 * product is below count squared (PACE_MAX_COUNT squared fits). */
static uint64_t
pace_muldiv(uint64_t a, const struct pace_rate *r)
{
	uint64_t q = r->period / r->count, rem = r->period % r->count;

	return a * q + a * rem / r->count;
}

/* When message k is due; those before k0 were due at t0 at the latest. */
static uint64_t
pace_due_at(const struct pace *p, uint64_t k)
{
	uint64_t d;

	if (k <= p->k0)
		return p->t0;
	d = k - p->k0;
	return p->t0 + d / p->rate.count * p->rate.period +
	    pace_muldiv(d % p->rate.count, &p->rate);
}

void
pace_start(struct pace *p, const struct pace_rate *rate, uint64_t now)
{
	memset(p, 0, sizeof *p);
	if (pace_valid(rate))
		p->rate = *rate;
	else {
		p->rate.count = 1;
		p->rate.period = PACE_SEC;
	}
	/* PACE_SLACK's worth, but always one: a slow rate's single message
	 * is never held back by rounding. */
	p->burst = p->rate.count * PACE_SLACK / p->rate.period;
	if (p->burst < 1)
		p->burst = 1;
	p->t0 = now;
}

uint64_t
pace_due(struct pace *p, uint64_t now)
{
	uint64_t lo, hi, mid, last;

	if (pace_due_at(p, p->sent) > now)
		return 0;
	last = p->sent + p->burst - 1;
	if (pace_due_at(p, last + 1) <= now) {
		/*
		 * More than a burst is owed: send a burst and restart the
		 * schedule from now, the last of the burst due now and the
		 * next one an interval later.  Catching up on all of it
		 * would hit the peer with everything the stall held back.
		 */
		p->slip_ns += now - pace_due_at(p, last);
		p->t0 = now;
		p->k0 = last;
		return p->burst;
	}
	/* The last message due: message sent is, sent + burst is not. */
	lo = p->sent;
	hi = last + 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (pace_due_at(p, mid) <= now)
			lo = mid;
		else
			hi = mid;
	}
	return lo - p->sent + 1;
}

void
pace_sent(struct pace *p, uint64_t n)
{
	p->sent += n;
}

uint64_t
pace_next(const struct pace *p)
{
	return pace_due_at(p, p->sent);
}

uint64_t
pace_wait(const struct pace *p, uint64_t now)
{
	uint64_t next = pace_next(p);

	return next > now ? next - now : 0;
}

int
pace_parse(const char *s, struct pace_rate *rate, char *err, size_t errlen)
{
	const char *slash = strchr(s, '/');
	struct buf num = BUF_INIT, q = BUF_INIT;
	uint64_t count, period = 0;
	size_t i, n = strlen(s);

	if (slash == NULL)
		period = PACE_SEC;
	else
		for (i = 0; i < PACE_NUNITS; i++)
			if (strcmp(slash + 1, pace_units[i].unit) == 0)
				period = pace_units[i].period;
	buf_append(&num, s, slash != NULL ? (size_t)(slash - s) : n);
	if (period == 0 || codec_parse_uint(buf_cstr(&num), 1,
	    PACE_MAX_COUNT, &count) == -1) {
		if (err != NULL) {
			codec_escape((const unsigned char *)s,
			    n > PACE_QUOTE ? PACE_QUOTE : n, &q, 0);
			snprintf(err, errlen, "bad rate \"%s%s\" (N/s, N/m or "
			    "N/h, N from 1 to %" PRIu64 ")", buf_cstr(&q),
			    n > PACE_QUOTE ? "..." : "",
			    PACE_MAX_COUNT);
		}
		buf_free(&num);
		buf_free(&q);
		return -1;
	}
	rate->count = count;
	rate->period = period;
	buf_free(&num);
	return 0;
}

void
pace_format(const struct pace_rate *rate, struct buf *out)
{
	size_t i;

	for (i = 0; i < PACE_NUNITS; i++)
		if (rate->period == pace_units[i].period) {
			buf_printf(out, "%" PRIu64 "/%s", rate->count,
			    pace_units[i].unit);
			return;
		}
	/* Not a rate pace_parse() gives: shown, though not parseable. */
	buf_printf(out, "%" PRIu64 " per %" PRIu64 "ns", rate->count,
	    rate->period);
}
