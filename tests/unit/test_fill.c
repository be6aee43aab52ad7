/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_fill.c — TAP unit tests for src/fill.c: every placeholder and format,
 * the {len} fixed point, literal braces, and the errors for bad ones. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fill.h"
#include "tap.h"

#define L(s)	(const unsigned char *)(s), (sizeof(s) - 1)

/* Fixed-seed xorshift: failures must reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A "random" source that counts, so tests see which bytes came from it
 * and in what order. */
struct counter {
	unsigned char	next;
	size_t		calls;
};

static void
count_rand(void *arg, unsigned char *p, size_t n)
{
	struct counter *c = arg;
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = c->next++;
	c->calls++;
}

static struct fill_env
env_of(uint64_t seq, uint64_t now_ms)
{
	struct fill_env e;

	memset(&e, 0, sizeof e);
	e.seq = seq;
	e.now_ms = now_ms;
	return e;
}

/* Compile t, expand with env and trailer into b (reset first); aborts on a
 * compile error, which the caller did not expect. */
static size_t
expand(const char *t, size_t tn, const struct fill_env *e, size_t trailer,
    struct buf *b)
{
	struct fill *f;
	char err[256];
	size_t n;

	if (fill_compile((const unsigned char *)t, tn, &f, err,
	    sizeof err) == -1) {
		printf("# fill_compile: %s\n", err);
		abort();
	}
	buf_reset(b);
	n = fill_expand(f, e, trailer, b);
	fill_free(f);
	return n;
}

#define is_fill(t, e, trailer, want, ...) do {				\
	struct buf tf_b = BUF_INIT;					\
	size_t tf_n = expand((t), sizeof(t) - 1, (e), (trailer), &tf_b);\
	is_mem(buf_peek(&tf_b), buf_len(&tf_b), (want),		\
	    sizeof(want) - 1, __VA_ARGS__);				\
	is_int(tf_n, buf_len(&tf_b), "  returns the length");		\
	buf_free(&tf_b);						\
} while (0)

static void
test_plain(void)
{
	struct fill_env e = env_of(7, 0);
	struct buf b = BUF_INIT;
	struct fill *f;
	char err[256];

	is_fill("", &e, 0, "", "empty template");
	is_fill("hello\r\n", &e, 0, "hello\r\n", "no placeholders: itself");
	is_fill("a\0b\xff}", &e, 0, "a\0b\xff}", "binary, NULs, a lone }");
	is_fill("}}", &e, 0, "}}", "}} is two braces");
	is_fill("{{", &e, 0, "{", "{{ is one brace");
	is_fill("{{seq}", &e, 0, "{seq}", "{{seq} is literal");
	is_fill("{{{seq}", &e, 0, "{7", "{{{seq} is a brace and the number");
	is_fill("{{\"id\":{seq}}", &e, 0, "{\"id\":7}", "JSON with {{");
	is_fill("{{{{", &e, 0, "{{", "two escaped braces");

	ok(fill_compile(L("plain {{ text"), &f, err, sizeof err) == 0,
	    "compiles");
	ok(!fill_varies(f), "a literal template does not vary");
	fill_free(f);
	ok(fill_compile(L("{len}"), &f, err, sizeof err) == 0 &&
	    !fill_varies(f), "{len} alone does not vary");
	fill_free(f);
	ok(fill_compile(L("x{seq}"), &f, err, sizeof err) == 0 &&
	    fill_varies(f), "{seq} varies");
	fill_free(f);
	ok(fill_compile(L("{rand:1}"), &f, err, sizeof err) == 0 &&
	    fill_varies(f), "{rand:1} varies");
	fill_free(f);
	ok(fill_compile(L("{iso}"), &f, err, sizeof err) == 0 &&
	    fill_varies(f), "{iso} varies");
	fill_free(f);

	/* Appends: what out already holds is neither kept out of the way nor
	 * counted by {len}. */
	buf_puts(&b, "old:");
	ok(fill_compile(L("{len}/{seq}"), &f, err, sizeof err) == 0,
	    "compiles");
	is_int(fill_expand(f, &e, 0, &b), 3, "appended 3 bytes");
	is_mem(buf_peek(&b), buf_len(&b), "old:3/7", 7, "appends after");
	fill_free(f);
	fill_free(NULL);
	buf_free(&b);
}

static void
test_seq(void)
{
	struct fill_env e = env_of(7, 0), big = env_of(UINT64_MAX, 0);
	struct fill_env w = env_of(0x0102030405060708ULL, 0);

	is_fill("id={seq}", &e, 0, "id=7", "{seq}");
	is_fill("{seq:04}", &e, 0, "0007", "{seq:04}");
	is_fill("{seq:01}", &e, 0, "7", "{seq:01}");
	is_fill("{seq:010}", &e, 0, "0000000007", "{seq:010}");
	is_fill("{seq:020}", &big, 0, "18446744073709551615",
	    "{seq:020} of the largest");
	is_fill("{seq}", &big, 0, "18446744073709551615",
	    "{seq} of the largest");
	e.seq = 123456;
	is_fill("{seq:04}", &e, 0, "123456", "padding never cuts");
	e.seq = 0;
	is_fill("{seq}", &e, 0, "0", "zero");
	is_fill("{seq:u8}", &w, 0, "\x08", "{seq:u8} keeps the low byte");
	is_fill("{seq:u16be}", &w, 0, "\x07\x08", "{seq:u16be}");
	is_fill("{seq:u16le}", &w, 0, "\x08\x07", "{seq:u16le}");
	is_fill("{seq:u32be}", &w, 0, "\x05\x06\x07\x08", "{seq:u32be}");
	is_fill("{seq:u32le}", &w, 0, "\x08\x07\x06\x05", "{seq:u32le}");
	is_fill("{seq:u64be}", &w, 0, "\x01\x02\x03\x04\x05\x06\x07\x08",
	    "{seq:u64be}");
	is_fill("{seq:u64le}", &w, 0, "\x08\x07\x06\x05\x04\x03\x02\x01",
	    "{seq:u64le}");
	e.seq = 258;
	is_fill("\x01\x03{seq:u16be}\x00\x0a", &e, 0,
	    "\x01\x03\x01\x02\x00\x0a", "binary seq inside binary data");
	is_fill("{seq}-{seq:04}-{seq:u8}", &e, 0, "258-0258-\x02",
	    "one seq, three forms");
}

static void
test_time(void)
{
	static const struct {
		uint64_t	 ms;
		const char	*iso;
	} isos[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 951782400000, "2000-02-29T00:00:00.000Z" },
		{ 1764623049123, "2025-12-01T21:04:09.123Z" },
		{ 1709210096789, "2024-02-29T12:34:56.789Z" },
		{ 4107542399999, "2100-02-28T23:59:59.999Z" },
		{ 253402300799999, "9999-12-31T23:59:59.999Z" },
		{ 253402300800000, "10000-01-01T00:00:00.000Z" },
	};
	struct fill_env e = env_of(0, 1764623049123);
	struct buf b = BUF_INIT, want = BUF_INIT;
	struct tm tm;
	time_t t;
	size_t i, bad;
	uint64_t ms;

	is_fill("{time}", &e, 0, "1764623049", "{time}");
	is_fill("{time_ms}", &e, 0, "1764623049123", "{time_ms}");
	is_fill("{time:u32be}", &e, 0, "\x69\x2e\x02\xc9", "{time:u32be}");
	is_fill("{time_ms:u64be}", &e, 0, "\x00\x00\x01\x9a\xdb\xba\xe1\xa3",
	    "{time_ms:u64be}");
	is_fill("{time:012}", &e, 0, "001764623049", "{time:012}");
	for (i = 0; i < sizeof isos / sizeof isos[0]; i++) {
		e.now_ms = isos[i].ms;
		expand("{iso}", 5, &e, 0, &b);
		is_str(buf_cstr(&b), isos[i].iso, "{iso} at %" PRIu64,
		    isos[i].ms);
	}

	/* Against the C library over four centuries. */
	for (bad = 0, i = 0; i < 20000; i++) {
		ms = rng() % 13000000000000ULL;
		e.now_ms = ms;
		expand("{iso}", 5, &e, 0, &b);
		t = (time_t)(ms / 1000);
		gmtime_r(&t, &tm);
		buf_reset(&want);
		buf_printf(&want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
		if (strcmp(buf_cstr(&b), buf_cstr(&want)) != 0 && bad++ == 0)
			printf("# %" PRIu64 ": %s, want %s\n", ms,
			    buf_cstr(&b), buf_cstr(&want));
	}
	is_int(bad, 0, "{iso} agrees with gmtime_r() on random times");
	e.now_ms = UINT64_MAX;
	expand("{iso}", 5, &e, 0, &b);
	ok(buf_len(&b) > 24, "{iso} of the largest time: %s", buf_cstr(&b));
	buf_free(&b);
	buf_free(&want);
}

static void
test_rand(void)
{
	struct fill_env e = env_of(0, 0);
	struct counter c = { 0x10, 0 };
	struct buf b = BUF_INIT;
	unsigned char big[FILL_RAND_MAX];
	size_t i;

	is_fill("<{rand:3}>", &e, 0, "<\0\0\0>", "no source: zeros");
	e.rand = count_rand;
	e.rand_arg = &c;
	is_fill("<{rand:3}|{rand:2}>", &e, 0, "<\x10\x11\x12|\x13\x14>",
	    "{rand:N} takes N bytes, in template order");
	is_int(c.calls, 2, "one call per placeholder");
	c.next = 0;
	expand("{rand:1024}", 11, &e, 0, &b);
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)i;
	is_mem(buf_peek(&b), buf_len(&b), big, sizeof big, "{rand:1024}");
	is_fill("{rand:0001}", &e, 0, "\x00", "leading zeros in a count");
	buf_free(&b);
}

/* The decimal value after "L=" in b. */
static uint64_t
len_field(const struct buf *b, size_t at)
{
	const unsigned char *p = buf_peek(b) + at;
	uint64_t v = 0;

	while (p < buf_peek(b) + buf_len(b) && *p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

static void
test_len(void)
{
	struct fill_env e = env_of(5, 0);
	struct buf b = BUF_INIT, t = BUF_INIT;
	size_t k, trailer, bad, at;

	is_fill("{len}", &e, 0, "1", "{len} alone");
	is_fill("len={len}", &e, 0, "len=5", "len=5");
	is_fill("len={len}", &e, 2, "len=7", "the trailer counts");
	is_fill("len={len:04}", &e, 0, "len=0008", "{len:04}");
	is_fill("{len:u16be}abc", &e, 0, "\x00\x05" "abc", "{len:u16be}");
	is_fill("{len:u16le}abc", &e, 2, "\x07\x00" "abc",
	    "{len:u16le} with a 2-byte trailer");
	is_fill("{len:u8}", &e, 0, "\x01", "{len:u8}");
	is_fill("{len:u32be}", &e, 0, "\x00\x00\x00\x04", "{len:u32be}");
	is_fill("{len:u32le}", &e, 0, "\x04\x00\x00\x00", "{len:u32le}");
	is_fill("{len}{len}", &e, 0, "22", "two fields: 2 bytes");
	is_fill("{len}{len:u8}", &e, 0, "2\x02", "decimal and binary");
	is_fill("{seq:04}{len}", &e, 0, "00055", "after other fields");

	/* 97 bytes and a 2-digit field make 99; one byte more makes 100, and
	 * then the field needs 3 digits: 101. */
	buf_reset(&t);
	for (k = 0; k < 97; k++)
		buf_putc(&t, 'x');
	buf_puts(&t, "{len}");
	expand(buf_cstr(&t), buf_len(&t), &e, 0, &b);
	is_int(buf_len(&b), 99, "97 + {len}: 99 bytes");
	is_int(len_field(&b, 97), 99, "... saying 99");
	buf_reset(&t);
	for (k = 0; k < 98; k++)
		buf_putc(&t, 'x');
	buf_puts(&t, "{len}");
	expand(buf_cstr(&t), buf_len(&t), &e, 0, &b);
	is_int(buf_len(&b), 101, "98 + {len}: 101 bytes");
	is_int(len_field(&b, 98), 101, "... saying 101, not 100");
	/* With 8 trailer bytes, "x" and one digit make 10, which has two
	 * digits; 11 is the answer (10 is no fixed point). */
	expand("x{len}", 6, &e, 7, &b);
	is_mem(buf_peek(&b), buf_len(&b), "x9", 2, "x{len} + 7: 9");
	expand("x{len}", 6, &e, 8, &b);
	is_mem(buf_peek(&b), buf_len(&b), "x11", 3, "x{len} + 8: 11");

	/* Every length from 0 to 12000, with one to three fields and
	 * trailers of 0 to 4 bytes: each field says the total. */
	for (bad = 0, k = 0; k <= 12000; k += 1 + (k > 1200) * 7) {
		for (trailer = 0; trailer <= 4; trailer++) {
			buf_reset(&t);
			buf_puts(&t, "L={len}|");
			for (at = 0; at < k; at++)
				buf_putc(&t, 'a' + at % 26);
			buf_puts(&t, "|{len}");
			if (k % 3 == 0)
				buf_puts(&t, "M={len:u32be}");
			expand(buf_cstr(&t), buf_len(&t), &e, trailer, &b);
			/* The second field follows the letters. */
			at = (size_t)((unsigned char *)memchr(buf_peek(&b),
			    '|', buf_len(&b)) - buf_peek(&b)) + 1 + k;
			if (len_field(&b, 2) != buf_len(&b) + trailer ||
			    len_field(&b, at + 1) != buf_len(&b) + trailer)
				bad++;
		}
	}
	is_int(bad, 0, "every {len} is the fixed point, 0..12000 bytes");
	buf_free(&b);
	buf_free(&t);
}

static void
test_bad(void)
{
	static const struct {
		const char	*t;
		size_t		 n;
		const char	*err;
	} bad[] = {
#define B(t, e)	{ t, sizeof(t) - 1, e }
		B("{foo}", "unknown placeholder {foo}"),
		B("ok {seq} then {foo} and {bar}", "unknown placeholder {foo}"),
		B("{}", "unknown placeholder {}"),
		B("{SEQ}", "unknown placeholder {SEQ}"),
		B("{ seq}", "unknown placeholder { seq} (a literal { is "
		    "written {{)"),
		B("{\"id\":1}", "unknown placeholder {\"id\":1} (a literal { "
		    "is written {{)"),
		B("{\"id\":{seq}}", "unknown placeholder {\"id\":{seq} (a "
		    "literal { is written {{)"),
		B("{seq:0x}", "bad width in {seq:0x}"),
		B("{seq:}", "bad width in {seq:}"),
		B("{seq:4}", "bad width in {seq:4}"),
		B("{seq:0}", "bad width in {seq:0}"),
		B("{seq:00}", "bad width in {seq:00}"),
		B("{seq:021}", "bad width in {seq:021}"),
		B("{seq:0100}", "bad width in {seq:0100}"),
		B("{seq:u24be}", "bad width in {seq:u24be}"),
		B("{seq:U8}", "bad width in {seq:U8}"),
		B("{len:u16}", "bad width in {len:u16}"),
		B("{len:-1}", "bad width in {len:-1}"),
		B("{time_ms:u8:u8}", "bad width in {time_ms:u8:u8}"),
		B("{rand}", "bad count in {rand} (1 to 1024 bytes)"),
		B("{rand:}", "bad count in {rand:} (1 to 1024 bytes)"),
		B("{rand:0}", "bad count in {rand:0} (1 to 1024 bytes)"),
		B("{rand:1025}", "bad count in {rand:1025} (1 to 1024 bytes)"),
		B("{rand:99999}", "bad count in {rand:99999} (1 to 1024 "
		    "bytes)"),
		B("{rand:-1}", "bad count in {rand:-1} (1 to 1024 bytes)"),
		B("{rand:u8}", "bad count in {rand:u8} (1 to 1024 bytes)"),
		B("{iso:x}", "bad argument in {iso:x}"),
		B("{iso:}", "bad argument in {iso:}"),
		B("{seq", "unterminated placeholder {seq"),
		B("abc{", "unterminated placeholder {"),
		B("{{{", "unterminated placeholder {"),
		B("\x01{\x1b[2J\x00", "unterminated placeholder "
		    "{\\e[2J\\0"),
		B("{0123456789012345678901234567890123456789}",
		    "unknown placeholder {0123456789012345678901234567890..."),
#undef B
	};
	struct fill *f;
	char err[256], *e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f = (struct fill *)&f;
		err[0] = '\0';
		ok(fill_compile((const unsigned char *)bad[i].t, bad[i].n, &f,
		    err, sizeof err) == -1 && f == (struct fill *)&f,
		    "rejected: %s", bad[i].err);
		is_str(err, bad[i].err, "  the error");
		for (e = err; *e != '\0'; e++)
			if ((unsigned char)*e < 0x20 || *e == 0x7f)
				break;
		ok(*e == '\0', "  is printable");
	}
	ok(fill_compile(L("{foo}"), &f, NULL, 0) == -1, "no error buffer");
	ok(fill_compile(L("{foo}"), &f, err, 8) == -1 &&
	    strcmp(err, "unknown") == 0, "a small error buffer is cut");
	ok(fill_compile(NULL, 0, &f, err, sizeof err) == 0, "NULL, 0");
	fill_free(f);
}

/* sendhex --fill: hex text with placeholders. */
static void
test_hex(void)
{
	static const struct {
		const char	*hex, *tmpl;
		size_t		 tn;
		const char	*msg;
		size_t		 mn;
	} good[] = {
#define H(h, t, m)	{ h, t, sizeof(t) - 1, m, sizeof(m) - 1 }
		H("", "", ""),
		H("01 03 00 00 00 0a", "\x01\x03\x00\x00\x00\x0a",
		    "\x01\x03\x00\x00\x00\x0a"),
		H("01 03 {seq:u16be} 00 0a", "\x01\x03{seq:u16be}\x00\x0a",
		    "\x01\x03\x01\x02\x00\x0a"),
		H("0103{seq:u16be}000a", "\x01\x03{seq:u16be}\x00\x0a",
		    "\x01\x03\x01\x02\x00\x0a"),
		H("0x01,{seq:u8},0x03", "\x01{seq:u8}\x03", "\x01\x02\x03"),
		H("0x01, {seq:u8}, 0x03", "\x01{seq:u8}\x03",
		    "\x01\x02\x03"),
		H("01:{len:u8}:{seq:u8}", "\x01{len:u8}{seq:u8}",
		    "\x01\x03\x02"),
		H("{len:u16be} 7b 7d", "{len:u16be}{{}", "\x00\x04{}"),
		H("7b7b", "{{{{", "{{"),
		H("{{ 41", "{{A", "{A"),
		H("41 {bogus", "A{bogus", NULL),
		H("41 {foo} 42", "A{foo}B", NULL),
#undef H
	};
	static const struct {
		const char	*hex, *err;
	} bad[] = {
		{ "01 0g {seq}", "not a hex digit 'g' at position 5" },
		{ "012{seq}1", "hex bytes need two digits: '2' at position 3 "
		    "has no partner" },
		{ "01 {seq} 012", "hex bytes need two digits: '2' at position "
		    "12 has no partner" },
		{ "01 {seq} 02 }", "not a hex digit '}' at position 13" },
		{ "01,,{seq}", "empty element: ',' at position 3 has no byte "
		    "after it" },
		{ "0x{seq}", "\"0x\" without hex digits at position 1" },
	};
	struct fill_env e = env_of(258, 0);
	struct buf t = BUF_INIT, b = BUF_INIT;
	struct fill *f;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		buf_reset(&t);
		ok(fill_hex_template(good[i].hex, strlen(good[i].hex), &t,
		    err, sizeof err) == 0, "hex \"%s\"", good[i].hex);
		is_mem(buf_peek(&t), buf_len(&t), good[i].tmpl, good[i].tn,
		    "  template");
		if (good[i].msg == NULL) {
			ok(fill_compile(buf_peek(&t), buf_len(&t), &f, err,
			    sizeof err) == -1, "  fails to compile: %s", err);
			continue;
		}
		if (fill_compile(buf_peek(&t), buf_len(&t), &f, err,
		    sizeof err) == -1) {
			ok(0, "  compiles: %s", err);
			continue;
		}
		buf_reset(&b);
		fill_expand(f, &e, 0, &b);
		is_mem(buf_peek(&b), buf_len(&b), good[i].msg, good[i].mn,
		    "  message");
		fill_free(f);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&t);
		err[0] = '\0';
		ok(fill_hex_template(bad[i].hex, strlen(bad[i].hex), &t, err,
		    sizeof err) == -1, "hex \"%s\" rejected", bad[i].hex);
		is_str(err, bad[i].err, "  the error");
	}
	ok(fill_hex_template(NULL, 0, &t, err, sizeof err) == 0, "NULL, 0");
	buf_free(&t);
	buf_free(&b);
}

int
main(void)
{
	test_plain();
	test_seq();
	test_time();
	test_rand();
	test_len();
	test_bad();
	test_hex();
	return done_testing();
}
