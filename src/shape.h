/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shape.h — fault shaping's arithmetic, pure (no I/O, no clock of its own:
 * the caller says what time it is): `split` caps a write, `delay` spaces
 * writes, `rate` is a token bucket, and drop/dup choices come from a
 * seeded generator so the same seed makes the same choices every run. */
#ifndef SOCKTOOL_SHAPE_H
#define SOCKTOOL_SHAPE_H

#include <stddef.h>
#include <stdint.h>

struct shape_cfg {
	unsigned	 split;		/* bytes per write at most; 0 off */
	uint64_t	 delay_ms;	/* between writes; 0 off */
	uint64_t	 rate;		/* bytes per second; 0 off */
};

struct shaper {
	uint64_t	 next;		/* no write before (ns) */
	uint64_t	 tokens_ns;	/* when the bucket was last filled */
	double		 tokens;
	uint64_t	 rng, rng_seed;
};

/* How much of want may be written at now (ns): at least 1 byte, or 0 with
 * *wait_ns set to how long until a write may go. */
size_t		shape_allow(struct shaper *, const struct shape_cfg *,
		    uint64_t now, size_t want, uint64_t *wait_ns);
/* w bytes were written at now. */
void		shape_used(struct shaper *, const struct shape_cfg *,
		    uint64_t now, size_t w);
/* 0..99 from the generator: seeded by seed (0: by fallback, which should
 * differ run to run); a new seed restarts the sequence. */
unsigned	shape_chance(struct shaper *, uint64_t seed, uint64_t fallback);

#endif
