/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_shape.c — TAP unit tests for src/shape.c with a fake clock: split
 * cuts pieces (a gap apart), delay holds each chunk from when it was
 * accepted, jitter varies that in order, rate averages to the rate with
 * small bursts, and drop/dup choices repeat for a seed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shape.h"
#include "tap.h"

#define MS	UINT64_C(1000000)	/* nanoseconds */

static void
test_split(void)
{
	struct shaper sh;
	struct shape_cfg cfg = { .split = 3 };
	uint64_t wait, now = 1000 * MS;

	memset(&sh, 0, sizeof sh);
	is_int(shape_allow(&sh, &cfg, now, 10, &wait), 3, "split 3: 3 of 10");
	is_int(wait, 0, "split alone never waits");
	is_int(shape_allow(&sh, &cfg, now, 2, &wait), 2, "less than split: all");

	cfg.split_gap_ms = 50;
	is_int(shape_allow(&sh, &cfg, now, 10, &wait), 3,
	    "split 3 50ms: the first piece goes at once");
	shape_used(&sh, &cfg, now, 3);
	is_int(shape_allow(&sh, &cfg, now + 20 * MS, 7, &wait), 0,
	    "20 ms later: the next piece is held");
	ok(wait == 30 * MS, "the wait is what is left of the gap (%llu ns)",
	    (unsigned long long)wait);
	is_int(shape_allow(&sh, &cfg, now + 50 * MS, 7, &wait), 3,
	    "50 ms later: the next piece goes");
	shape_free(&sh);
}

/* delay is latency: every chunk is held delay from when it was accepted,
 * a later chunk does not wait an extra delay behind an earlier one. */
static void
test_delay(void)
{
	struct shaper sh;
	struct shape_cfg cfg = { .delay_ms = 300 };
	uint64_t wait, now = 1000 * MS;

	memset(&sh, 0, sizeof sh);
	shape_accept(&sh, &cfg, now, 5, 1);
	is_int(shape_allow(&sh, &cfg, now, 5, &wait), 0,
	    "delay 300ms: a chunk accepted now is held");
	ok(wait == 300 * MS, "for 300 ms (%llu ns)", (unsigned long long)wait);
	shape_accept(&sh, &cfg, now + 100 * MS, 7, 1);
	is_int(shape_held(&sh), 12, "both chunks are accounted for");
	is_int(shape_allow(&sh, &cfg, now + 299 * MS, 12, &wait), 0,
	    "1 ms early: still held");
	is_int(shape_allow(&sh, &cfg, now + 300 * MS, 12, &wait), 5,
	    "at 300 ms: the first chunk only");
	shape_used(&sh, &cfg, now + 300 * MS, 2);
	is_int(shape_allow(&sh, &cfg, now + 300 * MS, 10, &wait), 3,
	    "a part written: the rest of the first chunk");
	shape_used(&sh, &cfg, now + 300 * MS, 3);
	is_int(shape_allow(&sh, &cfg, now + 350 * MS, 7, &wait), 0,
	    "the second chunk is held until its own time");
	ok(wait == 50 * MS, "400 ms after start, not 600 (%llu ns left)",
	    (unsigned long long)wait);
	is_int(shape_allow(&sh, &cfg, now + 400 * MS, 7, &wait), 7,
	    "at 400 ms: the second chunk");
	shape_used(&sh, &cfg, now + 400 * MS, 7);
	is_int(shape_held(&sh), 0, "all written: nothing held");
	is_int(shape_allow(&sh, &cfg, now + 400 * MS, 4, &wait), 4,
	    "bytes never accepted count as due");

	/* Without delay, chunks merge: the marks do not pile up. */
	cfg.delay_ms = 0;
	shape_accept(&sh, &cfg, now, 1, 1);
	shape_accept(&sh, &cfg, now + MS, 1, 1);
	shape_accept(&sh, &cfg, now + 2 * MS, 1, 1);
	ok(sh.nmarks - sh.head == 1, "undelayed chunks are one mark (%zu)",
	    sh.nmarks - sh.head);
	shape_free(&sh);
}

/* jitter: a random 0..jitter more, the same for a seed, order kept. */
static void
test_jitter(void)
{
	struct shaper a, b;
	struct shape_cfg cfg = { .delay_ms = 10, .jitter_ms = 40, .seed = 3 };
	uint64_t now = 1000 * MS, prev = 0;
	int i, in_order = 1, in_range = 1, same = 1, varied = 0;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	for (i = 0; i < 200; i++) {
		uint64_t t = now + (uint64_t)i * MS;
		struct shape_mark *m;

		shape_accept(&a, &cfg, t, 1, 111);
		shape_accept(&b, &cfg, t, 1, 222);
		m = &a.marks[a.nmarks - 1];
		in_order &= m->due >= prev;
		in_range &= m->due >= t + 10 * MS && m->due <= t + 50 * MS;
		varied |= prev != 0 && m->due != prev + MS;
		same &= m->due == b.marks[b.nmarks - 1].due;
		prev = m->due;
	}
	ok(in_order, "jitter never lets a chunk overtake the one before");
	ok(in_range, "every chunk is held delay .. delay + jitter");
	ok(varied, "jitter varies the hold");
	ok(same, "the same seed holds the same chunks the same while");
	shape_free(&a);
	shape_free(&b);
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
	test_split();
	test_delay();
	test_jitter();
	test_rate();
	test_chance();
	return done_testing();
}
