/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shape.h — fault shaping's arithmetic, pure (no I/O, no clock of its own:
 * the caller says what time it is): `delay` and `jitter` hold each chunk
 * from the moment it was accepted (latency, order kept), `split` cuts
 * writes into pieces (optionally a gap apart), `rate` is a token bucket,
 * and drop/dup/jitter choices come from a seeded generator so the same
 * seed makes the same choices every run. */
#ifndef SOCKTOOL_SHAPE_H
#define SOCKTOOL_SHAPE_H

#include <stddef.h>
#include <stdint.h>

struct shape_cfg {
	unsigned	 split;		/* bytes per write at most; 0 off */
	uint64_t	 split_gap_ms;	/* between two pieces; 0 none */
	uint64_t	 delay_ms;	/* each chunk held this long; 0 off */
	uint64_t	 jitter_ms;	/* plus 0..this at random; 0 off */
	uint64_t	 rate;		/* bytes per second; 0 off */
	uint64_t	 seed;		/* of the random choices; 0 = fallback */
};

/* n bytes accepted for sending, not to leave before due (ns). */
struct shape_mark {
	uint64_t	 due;
	size_t		 n;
};

struct shaper {
	struct shape_mark *marks;	/* queued chunks, oldest at head */
	size_t		 head, nmarks, cap;
	uint64_t	 next;		/* split gap: no piece before (ns) */
	uint64_t	 tokens_ns;	/* when the bucket was last filled */
	double		 tokens;
	uint64_t	 rng, rng_seed;
};

/* n bytes were queued at now: they may leave at now + delay + a random
 * 0..jitter, never before the chunks queued earlier (order is kept).
 * fallback seeds the generator when cfg->seed is 0. */
void		shape_accept(struct shaper *, const struct shape_cfg *,
		    uint64_t now, size_t n, uint64_t fallback);
/* How much of want (the queue's head) may be written at now: at least 1
 * byte, or 0 with *wait_ns set to how long until a write may go.  Bytes
 * beyond what was accepted count as due. */
size_t		shape_allow(struct shaper *, const struct shape_cfg *,
		    uint64_t now, size_t want, uint64_t *wait_ns);
/* w bytes from the queue's head were written at now. */
void		shape_used(struct shaper *, const struct shape_cfg *,
		    uint64_t now, size_t w);
/* Bytes accepted and not yet written. */
size_t		shape_held(const struct shaper *);
/* 0..99 from the generator: seeded by seed (0: by fallback, which should
 * differ run to run); a new seed restarts the sequence. */
unsigned	shape_chance(struct shaper *, uint64_t seed, uint64_t fallback);
/* The marks' memory goes (the shaper may be used again). */
void		shape_free(struct shaper *);

#endif
