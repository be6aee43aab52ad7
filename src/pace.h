/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pace.h — pacing arithmetic for send --rate N/s (SPEC §3.9): when the next
 * message is due and how many are due now.  Pure: the caller passes the
 * clock, so tests drive it with a fake one. */
#ifndef SOCKTOOL_PACE_H
#define SOCKTOOL_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Clock values are nanoseconds on any monotonic clock. */
#define PACE_SEC	UINT64_C(1000000000)
/* Most messages per period a rate may ask for. */
#define PACE_MAX_COUNT	UINT64_C(100000000)
/* Time the schedule may fall behind and still catch up in one burst. */
#define PACE_SLACK	(PACE_SEC / 100)

/* count messages every period nanoseconds. */
struct pace_rate {
	uint64_t	count;
	uint64_t	period;
};

/*
 * "N/s", "N/m" or "N/h" (a bare N is per second), N from 1 to
 * PACE_MAX_COUNT: 0, or -1 with err (rate untouched; err never holds raw
 * control bytes).
 */
int	pace_parse(const char *s, struct pace_rate *rate, char *err,
	    size_t errlen);
/* The inverse: pace_parse(pace_format(x)) == x. */
void	pace_format(const struct pace_rate *rate, struct buf *out);

/*
 * A schedule: message k (from 0) is due at start + k * period / count,
 * computed from the start each time so that rounding never accumulates.
 * A caller that falls behind (a late timer, a slow link, a stopped
 * process) gets what is due in one burst of at most `burst` messages,
 * PACE_SLACK's worth (max(1, N/100) at N/s); beyond that the schedule
 * slips rather than flood the peer, and slip_ns adds up the time given up
 * (a summary can say the rate was not reached).  Fill with pace_start().
 */
struct pace {
	struct pace_rate rate;
	uint64_t	 burst;
	uint64_t	 t0;		/* when message k0 is due */
	uint64_t	 k0;
	uint64_t	 sent;		/* messages sent so far */
	uint64_t	 slip_ns;
};

/* The first message is due at now.  rate must be one pace_parse() gives
 * (count and period >= 1); anything else is taken as 1/s. */
void		 pace_start(struct pace *, const struct pace_rate *rate,
		    uint64_t now);
/* How many messages to send at now: 0 to burst (when more are owed, this
 * is where the schedule slips).  Call pace_sent() with the number
 * actually sent (fewer when the link is full). */
uint64_t	 pace_due(struct pace *, uint64_t now);
void		 pace_sent(struct pace *, uint64_t n);
/* When the next message is due (may be <= now: send at once). */
uint64_t	 pace_next(const struct pace *);
/* Nanoseconds from now until the next message is due, 0 if it is; a loop
 * with a millisecond timer rounds this up, so it never wakes early and
 * spins. */
uint64_t	 pace_wait(const struct pace *, uint64_t now);

#endif
