/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_loop.c — unit tests for the reactor's timers and fd callbacks. */
#include <unistd.h>
#include <string.h>

#include "tap.h"
#include "loop.h"

static int fired[8];

static void
on_timer(void *arg)
{
	fired[(int)(long)arg]++;
}

static int reads;

static void
on_read(int fd, int events, void *arg)
{
	char c;

	(void)arg;
	if (events & LOOP_READ && read(fd, &c, 1) == 1)
		reads++;
	loop_del(fd);		/* removing itself from inside is allowed */
}

int
main(void)
{
	uint64_t ids[5];
	char err[128];
	int p[2], i, rounds;

	ok(loop_init(err, sizeof err) == 0, "loop_init");
	/* Later deadlines first, so each new timer climbs the heap. */
	ids[0] = loop_timer_add(40, on_timer, (void *)0L);
	ids[1] = loop_timer_add(30, on_timer, (void *)1L);
	ids[2] = loop_timer_add(20, on_timer, (void *)2L);
	ids[3] = loop_timer_add(10, on_timer, (void *)3L);
	ids[4] = loop_timer_add(0, on_timer, (void *)4L);
	for (i = 0; i < 5; i++)
		for (int k = i + 1; k < 5; k++)
			ok(ids[i] != ids[k], "timer ids %d and %d differ", i, k);
	loop_timer_del(ids[2]);		/* exactly this one must not fire */
	loop_timer_del(ids[2]);		/* twice is harmless */
	for (rounds = 0; rounds < 200 && fired[0] == 0; rounds++)
		loop_run_once(50);
	is_int(fired[0], 1, "40ms timer fired");
	is_int(fired[1], 1, "30ms timer fired");
	is_int(fired[2], 0, "deleted 20ms timer did not fire");
	is_int(fired[3], 1, "10ms timer fired");
	is_int(fired[4], 1, "0ms timer fired");

	ok(pipe(p) == 0, "pipe");
	ok(loop_add(p[0], LOOP_READ, on_read, NULL) == 0, "loop_add");
	ok(loop_add(p[0], LOOP_READ, on_read, NULL) == -1,
	    "a second registration of one fd is refused");
	ok(write(p[1], "x", 1) == 1, "write");
	for (rounds = 0; rounds < 100 && reads == 0; rounds++)
		loop_run_once(50);
	is_int(reads, 1, "read callback ran");
	ok(write(p[1], "y", 1) == 1, "write again");
	loop_run_once(20);
	is_int(reads, 1, "no callback after the fd removed itself");
	close(p[0]);
	close(p[1]);
	loop_free();
	return done_testing();
}
