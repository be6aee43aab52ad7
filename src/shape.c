/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shape.c — fault shaping's arithmetic (see shape.h). */
#include "shape.h"

size_t
shape_allow(struct shaper *sh, const struct shape_cfg *cfg, uint64_t now,
    size_t want, uint64_t *wait_ns)
{
	size_t n = want;

	*wait_ns = 0;
	if (cfg->split != 0 && n > cfg->split)
		n = cfg->split;
	if (cfg->delay_ms != 0 && now < sh->next)
		*wait_ns = sh->next - now;
	if (*wait_ns == 0 && cfg->rate != 0) {
		/* A token bucket holding 10 ms of the rate (at least one
		 * byte): the average is the rate, bursts stay small. */
		double cap = (double)cfg->rate / 100.0;

		if (cap < 1.0)
			cap = 1.0;
		if (sh->tokens_ns == 0)
			sh->tokens = cap;
		else
			sh->tokens += (double)(now - sh->tokens_ns) *
			    (double)cfg->rate / 1e9;
		if (sh->tokens > cap)
			sh->tokens = cap;
		sh->tokens_ns = now;
		if (sh->tokens < 1.0)
			*wait_ns = (uint64_t)((1.0 - sh->tokens) * 1e9 /
			    (double)cfg->rate) + 1;
		else if ((double)n > sh->tokens)
			n = (size_t)sh->tokens;
	}
	return *wait_ns != 0 ? 0 : n;
}

void
shape_used(struct shaper *sh, const struct shape_cfg *cfg, uint64_t now,
    size_t w)
{
	if (cfg->delay_ms != 0)
		sh->next = now + cfg->delay_ms * 1000000u;
	if (cfg->rate != 0)
		sh->tokens -= (double)w;
}

/* xorshift64*: small, fast, and the same sequence for the same seed. */
unsigned
shape_chance(struct shaper *sh, uint64_t seed, uint64_t fallback)
{
	if (sh->rng == 0 || sh->rng_seed != seed) {
		sh->rng_seed = seed;
		sh->rng = seed != 0 ? seed : fallback;
		if (sh->rng == 0)
			sh->rng = 1;
	}
	sh->rng ^= sh->rng >> 12;
	sh->rng ^= sh->rng << 25;
	sh->rng ^= sh->rng >> 27;
	return (unsigned)(((sh->rng * UINT64_C(2685821657736338717)) >> 32) %
	    100);
}
