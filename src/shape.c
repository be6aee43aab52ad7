/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shape.c — fault shaping's arithmetic (see shape.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "shape.h"

#define MS	UINT64_C(1000000)	/* nanoseconds */

/* xorshift64*: small, fast, and the same sequence for the same seed. */
static uint64_t
shape_rand(struct shaper *sh, uint64_t seed, uint64_t fallback)
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
	return (sh->rng * UINT64_C(2685821657736338717)) >> 32;
}

unsigned
shape_chance(struct shaper *sh, uint64_t seed, uint64_t fallback)
{
	return (unsigned)(shape_rand(sh, seed, fallback) % 100);
}

static struct shape_mark *
shape_last(struct shaper *sh)
{
	return sh->nmarks > sh->head ? &sh->marks[sh->nmarks - 1] : NULL;
}

void
shape_accept(struct shaper *sh, const struct shape_cfg *cfg, uint64_t now,
    size_t n, uint64_t fallback)
{
	struct shape_mark *last = shape_last(sh);
	uint64_t due = now + cfg->delay_ms * MS;

	if (cfg->jitter_ms != 0)
		due += shape_rand(sh, cfg->seed, fallback) %
		    (cfg->jitter_ms * MS + 1);
	/* Order is kept: a chunk never overtakes the one before it (a
	 * shorter random hold just makes it wait for that one). */
	if (last != NULL && due < last->due)
		due = last->due;
	/* Chunks due at the same time, or all due already, are one: the
	 * marks stay few when nothing holds the queue. */
	if (last != NULL && (due == last->due || (last->due <= now &&
	    due <= now))) {
		last->n += n;
		last->due = due;
		return;
	}
	if (sh->nmarks == sh->cap && sh->head > 0) {
		memmove(sh->marks, sh->marks + sh->head,
		    (sh->nmarks - sh->head) * sizeof *sh->marks);
		sh->nmarks -= sh->head;
		sh->head = 0;
	}
	if (sh->nmarks == sh->cap) {
		sh->cap = sh->cap ? sh->cap * 2 : 8;
		sh->marks = xrealloc(sh->marks, sh->cap * sizeof *sh->marks);
	}
	sh->marks[sh->nmarks].due = due;
	sh->marks[sh->nmarks].n = n;
	sh->nmarks++;
}

/* Bytes at the head that are due at now (at most want); *wait_ns: until
 * the first one that is not, when none is. */
static size_t
shape_due(const struct shaper *sh, uint64_t now, size_t want,
    uint64_t *wait_ns)
{
	size_t i, ready = 0;

	for (i = sh->head; i < sh->nmarks && ready < want; i++) {
		if (sh->marks[i].due > now) {
			if (ready == 0)
				*wait_ns = sh->marks[i].due - now;
			return ready;
		}
		ready += sh->marks[i].n;
	}
	return want;
}

static size_t
shape_bucket(struct shaper *sh, const struct shape_cfg *cfg, uint64_t now,
    size_t n, uint64_t *wait_ns)
{
	/* A token bucket holding 10 ms of the rate (at least one byte): the
	 * average is the rate, bursts stay small. */
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
	if (sh->tokens < 1.0) {
		*wait_ns = (uint64_t)((1.0 - sh->tokens) * 1e9 /
		    (double)cfg->rate) + 1;
		return 0;
	}
	return (double)n > sh->tokens ? (size_t)sh->tokens : n;
}

size_t
shape_allow(struct shaper *sh, const struct shape_cfg *cfg, uint64_t now,
    size_t want, uint64_t *wait_ns)
{
	size_t n;

	*wait_ns = 0;
	n = shape_due(sh, now, want, wait_ns);
	if (n == 0)
		return 0;
	if (n > want)
		n = want;
	if (cfg->split != 0 && n > cfg->split)
		n = cfg->split;
	if (cfg->split != 0 && cfg->split_gap_ms != 0 && now < sh->next) {
		*wait_ns = sh->next - now;
		return 0;
	}
	if (cfg->rate != 0)
		n = shape_bucket(sh, cfg, now, n, wait_ns);
	return n;
}

void
shape_used(struct shaper *sh, const struct shape_cfg *cfg, uint64_t now,
    size_t w)
{
	size_t left = w;

	while (left > 0 && sh->head < sh->nmarks) {
		struct shape_mark *m = &sh->marks[sh->head];

		if (m->n > left) {
			m->n -= left;
			break;
		}
		left -= m->n;
		sh->head++;
	}
	if (sh->head == sh->nmarks)
		sh->head = sh->nmarks = 0;
	if (cfg->split != 0 && cfg->split_gap_ms != 0)
		sh->next = now + cfg->split_gap_ms * MS;
	if (cfg->rate != 0)
		sh->tokens -= (double)w;
}

size_t
shape_held(const struct shaper *sh)
{
	size_t i, n = 0;

	for (i = sh->head; i < sh->nmarks; i++)
		n += sh->marks[i].n;
	return n;
}

void
shape_free(struct shaper *sh)
{
	free(sh->marks);
	sh->marks = NULL;
	sh->head = sh->nmarks = sh->cap = 0;
}
