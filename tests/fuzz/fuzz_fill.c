/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_fill.c — libFuzzer target for src/fill.c and src/check.c, the send
 * side of --fill and --append: compiling never crashes and fails with one
 * printable error; an expansion is deterministic, its {len} fields say the
 * length of the whole message, checksum trailer included, and the appended
 * checksum verifies. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "codec.h"
#include "fill.h"

/*
 * Input: a control byte, then the template.  The control byte picks the
 * checksum appended (low nibble % 10: none or the i-th name; 0x10 adds
 * ":le", 0x20 ":be", both an invalid suffix).  With 0x40 set, the next
 * byte is a length and that many bytes are a name for check_parse()
 * instead.  With 0x80 set, the template is hex text for
 * fill_hex_template(), as sendhex --fill gives it.
 */

static void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

static void
fuzz_check_err(const char *err)
{
	fuzz_check(*err != '\0');
	for (; *err != '\0'; err++)
		fuzz_check((unsigned char)*err >= 0x20 &&
		    (unsigned char)*err != 0x7f);
}

/* Deterministic "random" bytes: the same for every expansion of one
 * template, so two expansions can be compared. */
static void
fuzz_rand(void *arg, unsigned char *p, size_t n)
{
	unsigned *state = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		*state = *state * 1103515245u + 12345u;
		p[i] = (unsigned char)(*state >> 16);
	}
}

/* Parse a checksum name from the input: 0, 1 with c set, or -1 to stop. */
static int
fuzz_spec(const uint8_t **pp, const uint8_t *end, struct check_spec *c)
{
	const uint8_t *p = *pp;
	struct buf name = BUF_INIT, f = BUF_INIT;
	struct check_spec d;
	char err[256];
	unsigned k = *p++;
	size_t n;
	int r = 0;

	if (k & 0x40) {
		n = p < end ? *p++ % 40 : 0;
		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		buf_append(&name, p, n);
		p += n;
		/* A NUL ends the name early, as it would in a C string. */
	} else if (k % 16 % 10 != 0) {
		buf_puts(&name, check_name_at(k % 16 % 10 - 1));
		if ((k & 0x30) == 0x30)
			buf_puts(&name, ":x");
		else if (k & 0x10)
			buf_puts(&name, ":le");
		else if (k & 0x20)
			buf_puts(&name, ":be");
	} else {
		*pp = p;
		return 0;
	}
	*pp = p;
	err[0] = '\0';
	if (check_parse(buf_cstr(&name), c, err, sizeof err) == -1) {
		fuzz_check_err(err);
		r = -1;
	} else {
		/* Formatting gives a name that parses to the same spec. */
		check_format(c, &f);
		fuzz_check(check_parse(buf_cstr(&f), &d, err, sizeof err) ==
		    0 && d.algo == c->algo && d.le == c->le);
		fuzz_check(check_width(c) >= 1 &&
		    check_width(c) <= CHECK_MAX_WIDTH);
		r = 1;
	}
	buf_free(&name);
	buf_free(&f);
	return r;
}

/* Expand f as a message, append the checksum if any, and check it. */
static void
fuzz_message(const struct fill *f, const struct check_spec *c,
    struct buf *out)
{
	struct fill_env env;
	unsigned state = 1;
	size_t trailer = c != NULL ? check_width(c) : 0, n;

	memset(&env, 0, sizeof env);
	env.seq = 0x0102030405060708ULL;
	env.now_ms = 1764623049123ULL;
	env.rand = fuzz_rand;
	env.rand_arg = &state;
	buf_reset(out);
	n = fill_expand(f, &env, trailer, out);
	fuzz_check(n == buf_len(out));
	if (c != NULL) {
		check_append(c, buf_peek(out), buf_len(out), out);
		fuzz_check(buf_len(out) == n + trailer);
		fuzz_check(check_verify(c, buf_peek(out), buf_len(out), NULL,
		    NULL) == 1);
		if (n > 0) {
			buf_peek(out)[0] ^= 0x01;
			fuzz_check(check_verify(c, buf_peek(out),
			    buf_len(out), NULL, NULL) == 0);
			buf_peek(out)[0] ^= 0x01;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char pre[] = "{len:u32le}", post[] = "{len}";
	const uint8_t *p = data, *end = data + size;
	struct buf a = BUF_INIT, b = BUF_INIT, w = BUF_INIT, h = BUF_INIT;
	struct check_spec spec, *c = NULL;
	struct fill *f, *g;
	char err[256], num[24];
	size_t n, digits, tn;
	uint64_t total, v;
	int r, hex, hexonly = 0;

	if (size == 0)
		return 0;
	hex = *p & 0x80;
	if ((r = fuzz_spec(&p, end, &spec)) == -1)
		return 0;
	if (r == 1)
		c = &spec;
	tn = (size_t)(end - p);
	if (hex) {
		err[0] = '\0';
		if (fill_hex_template((const char *)p, tn, &h, err,
		    sizeof err) == -1) {
			fuzz_check_err(err);
			buf_free(&h);
			return 0;
		}
		/* Without placeholders it is the hex, braces doubled. */
		if (memchr(p, '{', tn) == NULL) {
			fuzz_check(codec_parse_hex((const char *)p, tn, &w,
			    NULL, 0) == 0);
			hexonly = 1;
		}
		p = buf_peek(&h);
		tn = buf_len(&h);
	}

	err[0] = '\0';
	if (fill_compile(p, tn, &f, err, sizeof err) == -1) {
		fuzz_check_err(err);
		fuzz_check(!hexonly);
		buf_free(&h);
		buf_free(&w);
		return 0;
	}
	fuzz_message(f, c, &a);
	fuzz_message(f, c, &b);
	fuzz_check(buf_len(&a) == buf_len(&b) && memcmp(buf_peek(&a),
	    buf_peek(&b), buf_len(&a)) == 0);
	if (hexonly) {
		n = buf_len(&a) - (c != NULL ? check_width(c) : 0);
		fuzz_check(n == buf_len(&w) && memcmp(buf_peek(&a),
		    buf_peek(&w), n) == 0);
		buf_reset(&w);
	}

	/* The same template between a binary and a decimal {len}: a whole
	 * template stays whole when something is put on either side. */
	buf_append(&w, pre, sizeof pre - 1);
	buf_append(&w, p, tn);
	buf_append(&w, post, sizeof post - 1);
	fuzz_check(fill_compile(buf_peek(&w), buf_len(&w), &g, err,
	    sizeof err) == 0);
	fuzz_message(g, c, &b);
	n = buf_len(&b) - (c != NULL ? check_width(c) : 0);
	total = buf_len(&b);
	fuzz_check(n >= 5);
	v = (uint64_t)buf_peek(&b)[0] | (uint64_t)buf_peek(&b)[1] << 8 |
	    (uint64_t)buf_peek(&b)[2] << 16 | (uint64_t)buf_peek(&b)[3] << 24;
	fuzz_check(v == (total & 0xffffffff));
	digits = (size_t)snprintf(num, sizeof num, "%" PRIu64, total);
	fuzz_check(n >= 4 + digits && memcmp(buf_peek(&b) + n - digits, num,
	    digits) == 0);
	/* Without any {len} of its own, the template expands the same in
	 * the middle. */
	if (memmem(p, tn, "len", 3) == NULL)
		fuzz_check(n - 4 - digits == buf_len(&a) -
		    (c != NULL ? check_width(c) : 0) &&
		    memcmp(buf_peek(&b) + 4, buf_peek(&a), n - 4 - digits) ==
		    0);

	fill_free(f);
	fill_free(g);
	buf_free(&h);
	buf_free(&a);
	buf_free(&b);
	buf_free(&w);
	return 0;
}
