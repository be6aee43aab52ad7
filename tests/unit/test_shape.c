/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_shape.c — TAP unit tests for src/shape.c with a fake clock: split
 * caps each write, delay spaces writes, rate averages to the rate with
 * small bursts, and drop/dup choices repeat for a seed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shape.h"
#include "tap.h"

#define MS	UINT64_C(1000000)	/* nanoseconds */

static void
test_split_delay(void)
{
	struct shaper sh;
	struct shape_cfg cfg = { .split = 3 };
	uint64_t wait, now = 1000 * MS;

	memset(&sh, 0, sizeof sh);
	is_int(shape_allow(&sh, &cfg, now, 10, &wait), 3, "split 3: 3 of 10");
	is_int(wait, 0, "split alone never waits");
	is_int(shape_allow(&sh, &cfg, now, 2, &wait), 2, "less than split: all");

	cfg.split = 0;
	cfg.delay_ms = 50;
	is_int(shape_allow(&sh, &cfg, now, 10, &wait), 10,
	    "delay: the first write goes at once");
	shape_used(&sh, &cfg, now, 10);
	is_int(shape_allow(&sh, &cfg, now + 20 * MS, 10, &wait), 0,
	    "20 ms later: held");
	ok(wait == 30 * MS, "the wait is what is left of the delay (%llu ns)",
	    (unsigned long long)wait);
	is_int(shape_allow(&sh, &cfg, now + 50 * MS, 10, &wait), 10,
	    "50 ms later: the next write goes");
}

static void
test_rate(void)
{
	struct shaper sh;
	struct shape_cfg cfg = { .rate = 100000 };	/* 100 kB/s */
	uint64_t wait, now = 5000 * MS, start = now, sent = 0;
	size_t max = 0;
	int i, bad_wait = 0;

	memset(&sh, 0, sizeof sh);
	/* A writer that always has 64 KiB to send, for one simulated
	 * second: it writes what it is allowed and sleeps as told, on a
	 * timer of whole milliseconds as the loop's. */
	for (i = 0; i < 100000 && now < start + 1000 * MS; i++) {
		size_t n = shape_allow(&sh, &cfg, now, 65536, &wait);

		if (n == 0) {
			if (wait == 0 || wait > 10 * MS)
				bad_wait++;
			now += (wait + MS - 1) / MS * MS;
			continue;
		}
		if (n > max)
			max = n;
		sent += n;
		shape_used(&sh, &cfg, now, n);
	}
	ok(bad_wait == 0, "a held write waits more than 0 and at most a "
	    "bucket (10 ms) (%d did not)", bad_wait);
	ok(sent >= 99000 && sent <= 101100,
	    "one second at 100k: %llu bytes (within 1%% and one bucket)",
	    (unsigned long long)sent);
	ok(max <= 1000, "bursts stay within 10 ms of the rate (%zu)", max);
}

static void
test_chance(void)
{
	struct shaper a, b;
	unsigned va[32], vb[32], hist[100];
	int i, same = 1, in_range = 1, other = 0;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(hist, 0, sizeof hist);
	for (i = 0; i < 32; i++) {
		va[i] = shape_chance(&a, 7, 111);
		vb[i] = shape_chance(&b, 7, 222);
		same &= va[i] == vb[i];
		in_range &= va[i] < 100;
	}
	ok(same, "the same seed makes the same choices, whatever the fallback");
	ok(in_range, "choices are 0..99");
	for (i = 0; i < 32; i++)
		other |= shape_chance(&a, 8, 111) != va[i];
	ok(other, "another seed restarts with other choices");
	memset(&a, 0, sizeof a);
	for (i = 0; i < 100000; i++)
		hist[shape_chance(&a, 42, 0)]++;
	for (i = 0, same = 1; i < 100; i++)
		same &= hist[i] > 800 && hist[i] < 1200;
	ok(same, "100000 choices spread over 0..99 (each 800..1200 times)");
	memset(&a, 0, sizeof a);
	ok(shape_chance(&a, 0, 0) < 100, "a zero seed and fallback still work");
}

int
main(void)
{
	test_split_delay();
	test_rate();
	test_chance();
	return done_testing();
}
