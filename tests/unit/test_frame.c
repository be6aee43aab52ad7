/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_frame.c — TAP unit tests for src/frame.c: every framing cut the same
 * way however the stream is split, the limits, and the spec parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"
#include "tap.h"

#define L(s)	(const unsigned char *)(s), (sizeof(s) - 1)

/* Fixed-seed xorshift: failures must reproduce. */
static uint64_t rng_state;

static void
rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* One delivered piece, as an offset into everything delivered. */
struct piece {
	size_t		off, len;
	enum frame_why	why;
	int		in_input;	/* pointed into the feed's input */
};

/* What the callback saw. */
struct rec {
	struct buf	data;		/* all pieces, concatenated */
	struct piece	*v;
	size_t		n, cap;
	const struct frame_spec *spec;
	const unsigned char *in;	/* the current feed's input */
	size_t		in_len;
	int		badlen;		/* pieces frame_len() denies */
};

static void
rec_init(struct rec *r, const struct frame_spec *spec)
{
	memset(r, 0, sizeof *r);
	r->spec = spec;
}

static void
rec_free(struct rec *r)
{
	buf_free(&r->data);
	free(r->v);
	memset(r, 0, sizeof *r);
}

static void
rec_cb(void *arg, const unsigned char *p, size_t n, enum frame_why why)
{
	struct rec *r = arg;
	struct piece *pc;
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)r->in;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	pc = &r->v[r->n++];
	pc->off = buf_len(&r->data);
	pc->len = n;
	pc->why = why;
	pc->in_input = r->in != NULL && a >= lo && a + n <= lo + r->in_len;
	if (why == FRAME_MSG && frame_len(r->spec, p, n) != n)
		r->badlen++;
	buf_append(&r->data, p, n);
}

static void
feed(struct framer *fr, struct rec *r, const unsigned char *p, size_t n)
{
	r->in = p;
	r->in_len = n;
	frame_feed(fr, r->spec, p, n, rec_cb, r);
	r->in = NULL;
	r->in_len = 0;
}

/* The last piece is p[0..n) with reason why. */
static int
last_is(const struct rec *r, const void *p, size_t n, enum frame_why why)
{
	const struct piece *pc;

	if (r->n == 0)
		return 0;
	pc = &r->v[r->n - 1];
	return pc->why == why && pc->len == n &&
	    memcmp(buf_peek(&r->data) + pc->off, p, n) == 0;
}

static struct frame_spec
spec_of(const char *s)
{
	struct frame_spec f;
	char err[256];

	memset(&f, 0, sizeof f);
	if (frame_parse(s, &f, err, sizeof err) == -1) {
		printf("# frame_parse(\"%s\"): %s\n", s, err);
		abort();
	}
	return f;
}

/*
 * Reference framer, written independently of frame.c (byte-by-byte
 * comparisons, no memmem): the lengths of the complete messages of
 * p[0..n), the rest being the tail.  Streams given to it never hold an
 * oversized header.
 */
static size_t
ref_frame(const struct frame_spec *f, const unsigned char *p, size_t n,
    size_t *lens, size_t max)
{
	const unsigned char *d = f->mode == FR_LINE ?
	    (const unsigned char *)"\n" : f->delim;
	size_t dn = f->mode == FR_LINE ? 1 : f->delim_len;
	size_t pos = 0, cnt = 0, i, j, v;

	while (pos < n && cnt < max) {
		size_t end = 0;

		switch (f->mode) {
		case FR_LINE:
		case FR_DELIM:
			for (i = pos; end == 0 && i + dn <= n; i++) {
				for (j = 0; j < dn && p[i + j] == d[j]; j++)
					;
				if (j == dn)
					end = i + dn;
			}
			break;
		case FR_FIXED:
			if (n - pos >= f->arg)
				end = pos + f->arg;
			break;
		case FR_LEN:
			if (n - pos < f->arg)
				break;
			v = 0;
			for (i = 0; i < f->arg; i++)
				v |= (size_t)p[pos + i] << (8 * (f->le ? i :
				    f->arg - 1 - i));
			if (n - pos - f->arg >= v)
				end = pos + f->arg + v;
			break;
		}
		if (end == 0)
			break;
		lens[cnt++] = end - pos;
		pos = end;
	}
	return cnt;
}

enum { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };
static const char *const feed_names[] = { "whole", "one byte at a time",
    "random pieces" };

/* Frame st[0..n) fed one way, then flush. */
static void
run(const struct frame_spec *f, const unsigned char *st, size_t n, int how,
    uint64_t seed, struct rec *r)
{
	struct framer fr = FRAMER_INIT;
	size_t pos = 0, k;

	rec_init(r, f);
	rng_seed(seed);
	while (pos < n) {
		if (how == FEED_WHOLE)
			k = n;
		else if (how == FEED_BYTES)
			k = 1;
		else
			k = rng() % 3 == 0 ? 1 + rng() % 300 : 1 + rng() % 8;
		if (k > n - pos)
			k = n - pos;
		feed(&fr, r, st + pos, k);
		pos += k;
	}
	frame_flush(&fr, rec_cb, r);
	if (frame_pending(&fr) != 0)
		r->badlen++;
	frame_free(&fr);
}

/* Compare a run with the reference messages; one TAP line per run. */
static void
check_run(const char *name, const struct frame_spec *f,
    const unsigned char *st, size_t n, int how, uint64_t seed)
{
	static size_t lens[100000];
	struct rec r;
	size_t cnt, i, sum = 0, tail;
	int good, nocopy = 1;

	cnt = ref_frame(f, st, n, lens, sizeof lens / sizeof lens[0]);
	for (i = 0; i < cnt; i++)
		sum += lens[i];
	tail = n - sum;
	run(f, st, n, how, seed, &r);
	good = r.badlen == 0 && r.n == cnt + (tail > 0) &&
	    buf_len(&r.data) == n && memcmp(buf_peek(&r.data), st, n) == 0;
	for (i = 0; good && i < cnt; i++)
		if (r.v[i].why != FRAME_MSG || r.v[i].len != lens[i])
			good = 0;
		else if (!r.v[i].in_input)
			nocopy = 0;
	if (good && tail > 0 && (r.v[cnt].why != FRAME_TAIL ||
	    r.v[cnt].len != tail))
		good = 0;
	if (!ok(good, "%s fed %s (%zu bytes): %zu messages + %zu-byte tail",
	    name, feed_names[how], n, cnt, tail))
		printf("#   got %zu pieces, %zu bytes, %d bad lengths\n", r.n,
		    buf_len(&r.data), r.badlen);
	if (how == FEED_WHOLE)
		ok(nocopy, "%s fed whole: messages point into the input",
		    name);
	rec_free(&r);
}

static void
check_all_ways(const char *name, const unsigned char *st, size_t n)
{
	struct frame_spec f = spec_of(name);
	uint64_t seed;

	check_run(name, &f, st, n, FEED_WHOLE, 0);
	check_run(name, &f, st, n, FEED_BYTES, 0);
	for (seed = 1; seed <= 3; seed++)
		check_run(name, &f, st, n, FEED_RANDOM, seed * 7919);
}

/* A stream that exercises a boundary: runs of its bytes, whole
 * boundaries and boundary prefixes, ending on a prefix. */
static void
gen_boundary(const struct frame_spec *f, struct buf *out, size_t n)
{
	const unsigned char *d = f->mode == FR_LINE ?
	    (const unsigned char *)"\n" : f->delim;
	size_t dn = f->mode == FR_LINE ? 1 : f->delim_len, k;

	rng_seed(0x1234567 + dn);
	while (buf_len(out) < n) {
		switch (rng() % 4) {
		case 0:
			buf_append(out, d, dn);
			break;
		case 1:
			buf_append(out, d, rng() % dn);
			break;
		case 2:
			for (k = rng() % 5; k > 0; k--)
				buf_putc(out, d[rng() % dn]);
			break;
		default:
			for (k = rng() % 40; k > 0; k--)
				buf_putc(out, rng() % 3 ? 'x' : d[rng() % dn]);
		}
	}
	if (dn > 1)
		buf_append(out, d, dn - 1);
}

/* Length-prefixed messages of random sizes, then half a message. */
static void
gen_len(const struct frame_spec *f, struct buf *out, size_t count)
{
	unsigned char h[4];
	size_t i, k, v, max = f->arg == 1 ? 255 : 700;

	rng_seed(0xabcdef + f->arg * 2 + (unsigned)f->le);
	for (i = 0; i <= count; i++) {
		v = i % 5 == 0 ? 0 : rng() % (max + 1);
		for (k = 0; k < f->arg; k++)
			h[k] = (unsigned char)(v >> (8 * (f->le ? k :
			    f->arg - 1 - k)));
		if (i == count) {
			/* The tail: a partial header, or header and some. */
			buf_append(out, h, f->arg > 1 ? f->arg - 1 : 1);
			break;
		}
		buf_append(out, h, f->arg);
		for (k = 0; k < v; k++)
			buf_putc(out, (int)(rng() & 0xff));
	}
}

static void
test_streams(void)
{
	static const char *const searching[] = { "line", "delim:0a",
	    "delim:0d0a", "delim:616261", "delim:61626162",
	    "delim:000102030405060708090a0b0c0d0e0f" };
	static const char *const lens[] = { "len:1", "len:2", "len:4",
	    "len:2le", "len:4le" };
	static const char *const fixed[] = { "fixed:1", "fixed:7",
	    "fixed:300", "fixed:4096" };
	struct buf st = BUF_INIT;
	struct frame_spec f;
	size_t i, k;

	/* Hand-made first: the cases people think of. */
	buf_append(&st, L("hello\n\na\rb\r\n"));
	for (k = 0; k < 1000; k++)
		buf_putc(&st, 'x');
	buf_append(&st, L("\n\0\377\n" "partial"));
	check_all_ways("line", buf_peek(&st), buf_len(&st));
	buf_reset(&st);
	buf_append(&st, L("a\rb\nc\r\n\r\nxyz\r\r\n\n\r\nend\r"));
	check_all_ways("delim:0d0a", buf_peek(&st), buf_len(&st));
	buf_reset(&st);
	/* Self-overlapping delimiter: "abab" in "aababab". */
	buf_append(&st, L("aabababxababbababaab"));
	check_all_ways("delim:61626162", buf_peek(&st), buf_len(&st));
	buf_reset(&st);

	for (i = 0; i < sizeof searching / sizeof searching[0]; i++) {
		f = spec_of(searching[i]);
		gen_boundary(&f, &st, 4000);
		check_all_ways(searching[i], buf_peek(&st), buf_len(&st));
		buf_reset(&st);
	}
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		f = spec_of(lens[i]);
		gen_len(&f, &st, 40);
		check_all_ways(lens[i], buf_peek(&st), buf_len(&st));
		buf_reset(&st);
	}
	rng_seed(42);
	for (k = 0; k < 10000; k++)
		buf_putc(&st, (int)(rng() & 0xff));
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		check_all_ways(fixed[i], buf_peek(&st), buf_len(&st));
	/* No tail at all. */
	check_all_ways("fixed:100", buf_peek(&st), 1000);
	buf_free(&st);
}

static void
test_raw(void)
{
	struct frame_spec f = spec_of("raw");
	struct framer fr = FRAMER_INIT;
	struct rec r;
	unsigned char a[] = "abc", b[] = "de";

	rec_init(&r, &f);
	feed(&fr, &r, a, 3);
	feed(&fr, &r, b, 0);
	feed(&fr, &r, b, 2);
	frame_flush(&fr, rec_cb, &r);
	ok(r.n == 2 && r.v[0].why == FRAME_MSG && r.v[0].len == 3 &&
	    r.v[1].why == FRAME_MSG && r.v[1].len == 2,
	    "raw: each feed is one message, an empty feed none");
	ok(r.v[0].in_input && r.v[1].in_input && frame_pending(&fr) == 0,
	    "raw: nothing copied, nothing pending");
	is_int(frame_len(&f, a, 3), 3, "raw: frame_len is n");
	is_int(frame_len(&f, a, 0), 0, "raw: frame_len of nothing is 0");
	rec_free(&r);
	frame_free(&fr);
}

static void
test_len(void)
{
	struct frame_spec be = spec_of("len:2"), le = spec_of("len:2le");
	struct frame_spec l4 = spec_of("len:4"), l4le = spec_of("len:4le");
	struct frame_spec l1 = spec_of("len:1");
	struct framer fr = FRAMER_INIT;
	struct rec r;
	unsigned char h[4];
	size_t i;

	is_int(frame_len(&le, L("\003\000abc")), 5, "len:2le: 03 00 is 3");
	is_int(frame_len(&be, L("\003\000abc")), 0, "len:2: 03 00 is 768");
	is_int(frame_len(&be, L("\000\003abc")), 5, "len:2: 00 03 is 3");
	is_int(frame_len(&le, L("\000\003abc")), 0, "len:2le: 00 03 is 768");
	is_int(frame_len(&l4, L("\0\0\0\2hix")), 6, "len:4: big-endian");
	is_int(frame_len(&l4le, L("\2\0\0\0hix")), 6, "len:4le");
	is_int(frame_len(&l1, L("\0x")), 1, "len:1: empty payload");
	is_int(frame_len(&be, L("\0")), 0, "len:2: half a header");
	is_int(frame_len(&l4, L("\377\377\377\377")), FRAME_BAD,
	    "len:4: ffffffff is FRAME_BAD");
	for (i = 0; i < 4; i++)
		h[i] = (unsigned char)(FRAME_MAX >> (24 - 8 * i));
	is_int(frame_len(&l4, h, 4), 0, "len:4: FRAME_MAX is allowed");
	h[3]++;
	is_int(frame_len(&l4, h, 4), FRAME_BAD, "len:4: FRAME_MAX + 1 is not");

	/* Oversize in one feed, after a good message. */
	rec_init(&r, &l4);
	feed(&fr, &r, L("\0\0\0\2hi\377\377\377\377junk"));
	ok(r.n == 2 && r.v[0].why == FRAME_MSG && r.v[0].len == 6 &&
	    last_is(&r, "\377\377\377\377junk", 8, FRAME_OVERSIZE),
	    "len:4 ffffffff: FRAME_OVERSIZE with the rest of the feed");
	ok(r.v[1].in_input, "len:4 oversize: straight from the input");
	is_int(frame_pending(&fr), 0, "len:4 oversize: framer reset");
	rec_free(&r);

	/* Oversize header arriving a byte at a time, after a partial one. */
	rec_init(&r, &l4);
	feed(&fr, &r, L("\377"));
	feed(&fr, &r, L("\377\377"));
	is_int(r.n, 0, "len:4: three header bytes, nothing yet");
	feed(&fr, &r, L("\377abc"));
	ok(r.n == 1 && last_is(&r, "\377\377\377\377abc", 7, FRAME_OVERSIZE),
	    "len:4 ffffffff over feeds: one FRAME_OVERSIZE with all of it");
	is_int(frame_pending(&fr), 0, "len:4 oversize over feeds: reset");
	rec_free(&r);

	/* The header split across feeds, the payload completed exactly. */
	rec_init(&r, &be);
	feed(&fr, &r, L("\0"));
	feed(&fr, &r, L("\3ab"));
	is_int(frame_pending(&fr), 4, "len:2: split header buffered");
	feed(&fr, &r, L("c\0\1z\0"));
	ok(r.n == 2 && r.v[0].len == 5 && !r.v[0].in_input &&
	    r.v[1].len == 3 && r.v[1].in_input,
	    "len:2: completed from the buffer, then from the input");
	is_int(frame_pending(&fr), 1, "len:2: new half header buffered");
	rec_free(&r);
	frame_free(&fr);
}

static void
test_delim(void)
{
	struct frame_spec crlf = spec_of("delim:0d0a");
	struct frame_spec end = spec_of("delim:454e44");
	struct frame_spec line = spec_of("line");
	struct framer fr = FRAMER_INIT;
	struct rec r;
	struct buf big = BUF_INIT;
	size_t i;

	rec_init(&r, &crlf);
	feed(&fr, &r, L("abc\r"));
	ok(r.n == 0 && frame_pending(&fr) == 4, "delim 0d0a: \\r buffered");
	feed(&fr, &r, L("\ndef\r\ngh"));
	ok(r.n == 2 && r.v[0].len == 5 && r.v[1].len == 5 &&
	    memcmp(buf_peek(&r.data), "abc\r\ndef\r\n", 10) == 0,
	    "delim 0d0a: \\r | \\n straddling two feeds is found");
	ok(!r.v[0].in_input && r.v[1].in_input,
	    "delim 0d0a: the next message comes straight from the input");
	is_int(frame_pending(&fr), 2, "delim 0d0a: tail buffered");
	feed(&fr, &r, L("\r"));
	feed(&fr, &r, L("\r"));
	feed(&fr, &r, L("\n"));
	ok(r.n == 3 && last_is(&r, "gh\r\r\n", 5, FRAME_MSG),
	    "delim 0d0a: \\r \\r \\n one byte per feed");
	rec_free(&r);

	rec_init(&r, &end);
	feed(&fr, &r, L("xE"));
	feed(&fr, &r, L("N"));
	feed(&fr, &r, L("Dy"));
	ok(r.n == 1 && last_is(&r, "xEND", 4, FRAME_MSG) &&
	    frame_pending(&fr) == 1, "delim END over three feeds");
	feed(&fr, &r, L("EN"));
	feed(&fr, &r, L("EEND"));
	ok(r.n == 2 && last_is(&r, "yENEEND", 7, FRAME_MSG),
	    "delim END: a false start at the seam");
	rec_free(&r);
	frame_free(&fr);

	/* A tail is delivered by frame_flush, once. */
	rec_init(&r, &line);
	feed(&fr, &r, L("abc\ndef"));
	frame_flush(&fr, rec_cb, &r);
	ok(r.n == 2 && r.v[0].why == FRAME_MSG &&
	    last_is(&r, "def", 3, FRAME_TAIL), "line: flush gives the tail");
	frame_flush(&fr, rec_cb, &r);
	ok(r.n == 2 && frame_pending(&fr) == 0,
	    "line: a second flush: nothing");
	rec_free(&r);

	/*
	 * Many one-byte feeds with no boundary, the worst case for a
	 * delimiter prefix: quadratic rescanning would not finish.
	 */
	rec_init(&r, &crlf);
	for (i = 0; i < (1u << 20); i++)
		feed(&fr, &r, L("\r"));
	feed(&fr, &r, L("\n"));
	ok(r.n == 1 && r.v[0].why == FRAME_MSG && r.v[0].len == (1u << 20) + 1,
	    "delim 0d0a: 1 MiB of one-byte feeds, then the boundary");
	rec_free(&r);
	rec_init(&r, &line);
	for (i = 0; i < (1u << 20); i++)
		feed(&fr, &r, L("a"));
	feed(&fr, &r, L("\n"));
	ok(r.n == 1 && r.v[0].len == (1u << 20) + 1,
	    "line: 1 MiB of one-byte feeds, then the newline");
	rec_free(&r);

	/* FRAME_MAX bytes may wait for a boundary; one more may not. */
	for (i = 0; i < 4096; i++)
		buf_putc(&big, 'a');
	rec_init(&r, &line);
	for (i = 0; i < FRAME_MAX / 4096; i++)
		feed(&fr, &r, buf_peek(&big), 4096);
	ok(r.n == 0 && frame_pending(&fr) == FRAME_MAX,
	    "line: FRAME_MAX bytes without a newline are buffered");
	feed(&fr, &r, L("a"));
	ok(r.n == 1 && r.v[0].why == FRAME_NOBOUNDARY &&
	    r.v[0].len == FRAME_MAX + 1 && frame_pending(&fr) == 0,
	    "line: FRAME_MAX + 1 bytes: one FRAME_NOBOUNDARY piece");
	feed(&fr, &r, L("b\n"));
	ok(r.n == 2 && last_is(&r, "b\n", 2, FRAME_MSG),
	    "line: framing resumes after FRAME_NOBOUNDARY");
	rec_free(&r);
	buf_reset(&big);
	for (i = 0; i <= FRAME_MAX; i++)
		buf_putc(&big, '\r');
	rec_init(&r, &crlf);
	feed(&fr, &r, buf_peek(&big), buf_len(&big));
	ok(r.n == 1 && r.v[0].why == FRAME_NOBOUNDARY &&
	    r.v[0].len == FRAME_MAX + 1 && r.v[0].in_input &&
	    frame_pending(&fr) == 0,
	    "delim: one big feed without a boundary, straight from the input");
	rec_free(&r);
	buf_free(&big);
	frame_free(&fr);
}

/* Messages point into the input in the common case, not into a copy. */
static void
test_nocopy(void)
{
	struct frame_spec line = spec_of("line"), fx = spec_of("fixed:3");
	struct framer fr = FRAMER_INIT;
	struct rec r;
	unsigned char in[] = "one\ntwo\nthree\nfo";

	rec_init(&r, &line);
	feed(&fr, &r, in, sizeof in - 1);
	ok(r.n == 3 && r.v[0].in_input && r.v[1].in_input && r.v[2].in_input,
	    "line: whole messages come from the input");
	is_int(frame_pending(&fr), 2, "line: only the tail is copied");
	feed(&fr, &r, L("ur\nfive\n"));
	ok(r.n == 5 && !r.v[3].in_input && r.v[4].in_input &&
	    last_is(&r, "five\n", 5, FRAME_MSG) && frame_pending(&fr) == 0,
	    "line: pending completed with 3 bytes, the rest from the input");
	rec_free(&r);
	rec_init(&r, &fx);
	feed(&fr, &r, L("abcdefg"));
	ok(r.n == 2 && r.v[0].in_input && r.v[1].in_input &&
	    frame_pending(&fr) == 1, "fixed:3: from the input, tail copied");
	rec_free(&r);
	frame_free(&fr);
}

/* The spec may change between feeds; what is buffered follows the new one. */
static void
test_change(void)
{
	struct frame_spec line = spec_of("line"), fx = spec_of("fixed:100");
	struct frame_spec nul = spec_of("delim:00"), raw = spec_of("raw");
	struct frame_spec bad;
	struct framer fr = FRAMER_INIT;
	struct rec r;

	rec_init(&r, &fx);
	feed(&fr, &r, L("ab\ncd"));
	r.spec = &line;
	feed(&fr, &r, L("e\n"));
	ok(r.n == 2 && r.v[0].len == 3 && last_is(&r, "cde\n", 4, FRAME_MSG),
	    "fixed -> line: buffered bytes cut by the new spec");
	rec_free(&r);
	rec_init(&r, &fx);
	feed(&fr, &r, L("ab\ncd\n"));
	r.spec = &line;
	feed(&fr, &r, NULL, 0);
	ok(r.n == 2 && last_is(&r, "cd\n", 3, FRAME_MSG) &&
	    frame_pending(&fr) == 0, "fixed -> line: an empty feed re-cuts");
	rec_free(&r);

	/* The search done for "\n" must not hide a NUL delimiter. */
	rec_init(&r, &line);
	feed(&fr, &r, L("a\0b"));
	r.spec = &nul;
	feed(&fr, &r, L("c"));
	ok(r.n == 1 && last_is(&r, "a\0", 2, FRAME_MSG) &&
	    frame_pending(&fr) == 2, "line -> delim:00: buffer searched anew");
	r.spec = &raw;
	feed(&fr, &r, L("d"));
	ok(r.n == 2 && last_is(&r, "bcd", 3, FRAME_MSG) &&
	    frame_pending(&fr) == 0, "-> raw: buffered bytes go with the read");
	rec_free(&r);

	/* A spec frame_parse() cannot produce frames as raw, never loops. */
	memset(&bad, 0, sizeof bad);
	bad.mode = FR_DELIM;
	rec_init(&r, &bad);
	feed(&fr, &r, L("abc"));
	ok(r.n == 1 && r.v[0].len == 3 && frame_pending(&fr) == 0,
	    "delim of length 0: raw");
	bad.mode = FR_FIXED;
	feed(&fr, &r, L("de"));
	ok(r.n == 2 && r.v[1].len == 2, "fixed:0: raw");
	bad.mode = 99;
	feed(&fr, &r, L("f"));
	ok(r.n == 3 && r.v[2].len == 1, "unknown mode: raw");
	rec_free(&r);
	frame_free(&fr);
}

static int
same_spec(const struct frame_spec *a, const struct frame_spec *b)
{
	return a->mode == b->mode && a->arg == b->arg && a->le == b->le &&
	    a->chars10 == b->chars10 &&
	    a->delim_len == b->delim_len &&
	    memcmp(a->delim, b->delim, a->delim_len) == 0;
}

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

static void
test_parse(void)
{
	static const char *const good[] = { "raw", "line", "delim:0a",
	    "delim:0d0a", "delim:000102030405060708090a0b0c0d0e0f", "len:1",
	    "len:2", "len:4", "len:2le", "len:4le", "fixed:1", "fixed:7",
	    "fixed:16777216", "idle:1ms", "idle:300ms", "idle:60000ms",
	    "idle:3.5c", "idle:1c", "idle:0.1c", "idle:1000c" };
	static const char *const bad[] = { "len:3", "len:", "len:8",
	    "len:1le", "len:2be", "len:4LE", "delim:", "delim:012", "delim:zz",
	    "delim:0d0", "delim:000102030405060708090a0b0c0d0e0f10",
	    "fixed:0", "fixed:abc", "fixed:99999999999", "fixed:16777217",
	    "fixed:-1", "fixed:", "fixed: 5", "fixed:5 ", "bogus", "", "Line",
	    "raw ", "line\n", "\033[2Jbogus", "delim:\033[2J", "fixed:\a",
	    "len:\r", "\xe2\x80\xae" "evil", "\xc2\x9b" "31m",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    "idle:", "idle:0", "idle:0ms", "idle:61s", "idle:0c", "idle:0.0c",
	    "idle:1000.1c", "idle:3.55c", "idle:.5c", "idle:c", "idle:3.c",
	    "idle:-1c", "idle:3,5c", "idle:5x", "idle:\033c" };
	struct frame_spec f, g, sentinel;
	struct buf out = BUF_INIT;
	char err[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(&f, 0, sizeof f);
		memset(&g, 0, sizeof g);
		r = frame_parse(good[i], &f, err, sizeof err);
		buf_reset(&out);
		frame_format(&f, &out);
		ok(r == 0 && strcmp(buf_cstr(&out), good[i]) == 0,
		    "parse/format \"%s\"", good[i]);
		ok(frame_parse(buf_cstr(&out), &g, err, sizeof err) == 0 &&
		    same_spec(&f, &g), "parse(format(\"%s\")) is the same spec",
		    good[i]);
	}
	f = spec_of("delim:0D 0A");
	buf_reset(&out);
	frame_format(&f, &out);
	is_str(buf_cstr(&out), "delim:0d0a", "delim:0D 0A is delim:0d0a");
	f = spec_of("len:2le");
	ok(f.mode == FR_LEN && f.arg == 2 && f.le, "len:2le fields");
	f = spec_of("fixed:16777216");
	ok(f.mode == FR_FIXED && f.arg == FRAME_MAX, "fixed:FRAME_MAX");

	memset(&sentinel, 0xa5, sizeof sentinel);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = sentinel;
		err[0] = '\0';
		r = frame_parse(bad[i], &f, err, sizeof err);
		ok(r == -1 && memcmp(&f, &sentinel, sizeof f) == 0 &&
		    err[0] != '\0' && printable(err),
		    "bad framing %zu rejected, spec untouched, safe message",
		    i);
	}
	frame_parse("len:3", &f, err, sizeof err);
	is_str(err, "bad length header \"len:3\" (len:1, len:2, len:4, "
	    "len:2le, len:4le)", "len:3 message");
	frame_parse("delim:zz", &f, err, sizeof err);
	is_str(err, "bad delimiter \"zz\" (1..16 bytes in hex, e.g. "
	    "delim:0d0a)", "delim:zz message");
	frame_parse("fixed:0", &f, err, sizeof err);
	is_str(err, "bad fixed size \"0\" (1..16777216)", "fixed:0 message");
	frame_parse("\033[2J", &f, err, sizeof err);
	is_str(err, "bad framing \"\\e[2J\" (raw, line, delim:HEX, "
	    "len:1|2|4|2le|4le, fixed:N, idle:DUR, idle:Nc)",
	    "control bytes escaped");
	frame_parse("idle:3.55c", &f, err, sizeof err);
	is_str(err, "bad idle time \"3.55c\" (1ms..60s, or 0.1c..1000c "
	    "character times: idle:20ms, idle:3.5c)", "idle:3.55c message");
	f = spec_of("idle:2s");
	ok(f.mode == FR_IDLE && f.arg == 2000 && f.chars10 == 0,
	    "idle:2s is 2000 ms");
	f = spec_of("idle:3.5c");
	ok(f.mode == FR_IDLE && f.arg == 0 && f.chars10 == 35,
	    "idle:3.5c is 35 tenths");
	frame_parse(bad[30], &f, err, sizeof err);
	ok(strstr(err, "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"") != NULL,
	    "long input cut to 32 bytes");
	ok(frame_parse("bogus", &f, NULL, 0) == -1, "no error buffer: fine");
	buf_free(&out);
}

/* idle: every byte waits for the caller's timer; then it is one message
 * however it was fed, and nothing is cut inside it. */
static void
test_idle(void)
{
	struct frame_spec f = spec_of("idle:5ms");
	struct framer fr = FRAMER_INIT;
	struct rec r;

	rec_init(&r, &f);
	frame_feed(&fr, &f, L("\x01\x03"), rec_cb, &r);
	frame_feed(&fr, &f, L("\x00\x00\n"), rec_cb, &r);
	is_int((int)r.n, 0, "idle: nothing before the quiet time");
	is_int((int)frame_pending(&fr), 5, "idle: all of it waits");
	frame_idle_end(&fr, rec_cb, &r);
	ok(r.n == 1 && r.v[0].len == 5 && r.v[0].why == FRAME_MSG,
	    "idle: the quiet line delivers one message of 5 bytes");
	frame_idle_end(&fr, rec_cb, &r);
	is_int((int)r.n, 1, "idle: a second end with nothing is nothing");
	frame_feed(&fr, &f, L("ab"), rec_cb, &r);
	frame_flush(&fr, rec_cb, &r);
	ok(r.n == 2 && r.v[1].why == FRAME_TAIL, "idle: the end of stream "
	    "delivers the rest as a tail");
	is_int(frame_len(&f, L("abc")), 0, "idle: frame_len finds no end");
	rec_free(&r);
	frame_free(&fr);
}

int
main(void)
{
	test_idle();
	test_streams();
	test_raw();
	test_len();
	test_delim();
	test_nocopy();
	test_change();
	test_parse();
	return done_testing();
}
