/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.c — the clocks (see clock.h). */
#include <time.h>

#include "buf.h"
#include "clock.h"

static uint64_t
clock_read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
clock_ns(void)
{
	return clock_read_ns(CLOCK_MONOTONIC);
}

uint64_t
clock_us(void)
{
	return clock_read_ns(CLOCK_MONOTONIC) / 1000u;
}

uint64_t
clock_ms(void)
{
	return clock_read_ns(CLOCK_MONOTONIC) / 1000000u;
}

uint64_t
clock_wall_us(void)
{
	return clock_read_ns(CLOCK_REALTIME) / 1000u;
}

void
clock_rfc3339(struct buf *out)
{
	uint64_t us = clock_wall_us();
	time_t sec = (time_t)(us / 1000000u);
	struct tm tm;

	gmtime_r(&sec, &tm);
	buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%06luZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned long)(us % 1000000u));
}
