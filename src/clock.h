/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.h — the clocks socktool reads, in one place: the monotonic clock
 * for durations and pacing, the wall clock for timestamps people and
 * captures read. */
#ifndef SOCKTOOL_CLOCK_H
#define SOCKTOOL_CLOCK_H

#include <stdint.h>

struct buf;

/* Monotonic: nanoseconds, microseconds, milliseconds. */
uint64_t	clock_ns(void);
uint64_t	clock_us(void);
uint64_t	clock_ms(void);
/* The wall clock: microseconds since the epoch. */
uint64_t	clock_wall_us(void);
/* The wall clock as RFC 3339, UTC, microseconds ("...T12:34:56.789012Z"),
 * appended to out. */
void		clock_rfc3339(struct buf *out);

#endif
