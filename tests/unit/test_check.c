/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_check.c — TAP unit tests for src/check.c: the catalogue check values,
 * every CRC against a bit-by-bit reference, wire order, verify, the parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "tap.h"

#define L(s)	(const unsigned char *)(s), (sizeof(s) - 1)
/* The buffer holds exactly the literal s. */
#define is_buf(b, s, ...)	is_mem(buf_peek(b), buf_len(b), (s),	\
	    sizeof(s) - 1, __VA_ARGS__)

/* Fixed-seed xorshift: failures must reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static struct check_spec
spec_of(const char *s)
{
	struct check_spec c;
	char err[256];

	if (check_parse(s, &c, err, sizeof err) == -1) {
		printf("# check_parse(\"%s\"): %s\n", s, err);
		abort();
	}
	return c;
}

/*
 * Reference CRC in the usual parametrised model (width, poly, init,
 * reflected in and out, xorout), one bit at a time and without tables, so
 * that it shares nothing with check.c but the definition.
 */
struct ref_crc {
	const char	*name;
	unsigned	 width;
	uint32_t	 poly, init;
	int		 refl;
	uint32_t	 xorout;
};

static const struct ref_crc refs[] = {
	{ "crc8", 8, 0x07, 0x00, 0, 0x00 },
	{ "crc16-modbus", 16, 0x8005, 0xffff, 1, 0x0000 },
	{ "crc16-ccitt", 16, 0x1021, 0xffff, 0, 0x0000 },
	{ "crc16-xmodem", 16, 0x1021, 0x0000, 0, 0x0000 },
	{ "crc32", 32, 0x04c11db7, 0xffffffff, 1, 0xffffffff },
	{ "crc32c", 32, 0x1edc6f41, 0xffffffff, 1, 0xffffffff },
};

static uint32_t
ref_reflect(uint32_t v, unsigned bits)
{
	uint32_t r = 0;
	unsigned i;

	for (i = 0; i < bits; i++)
		if (v & ((uint32_t)1 << i))
			r |= (uint32_t)1 << (bits - 1 - i);
	return r;
}

static uint32_t
ref_compute(const struct ref_crc *r, const unsigned char *p, size_t n)
{
	uint64_t top = (uint64_t)1 << (r->width - 1);
	uint64_t mask = ((uint64_t)1 << r->width) - 1, c = r->init;
	unsigned b;
	size_t i;

	for (i = 0; i < n; i++) {
		c ^= (uint64_t)(r->refl ? ref_reflect(p[i], 8) : p[i]) <<
		    (r->width - 8);
		for (b = 0; b < 8; b++)
			c = (c & top) ? ((c << 1) ^ r->poly) & mask :
			    (c << 1) & mask;
	}
	if (r->refl)
		c = ref_reflect((uint32_t)c, r->width);
	return (uint32_t)(c ^ r->xorout);
}

static void
test_catalogue(void)
{
	static const struct {
		const char	*name;
		uint32_t	 check;
		size_t		 width;
	} cat[] = {
		{ "sum8", 0xdd, 1 },
		{ "xor8", 0x31, 1 },
		{ "lrc", 0x23, 1 },
		{ "crc8", 0xf4, 1 },
		{ "crc16-modbus", 0x4b37, 2 },
		{ "crc16-ccitt", 0x29b1, 2 },
		{ "crc16-xmodem", 0x31c3, 2 },
		{ "crc32", 0xcbf43926, 4 },
		{ "crc32c", 0xe3069283, 4 },
	};
	struct check_spec c;
	size_t i;

	for (i = 0; i < sizeof cat / sizeof cat[0]; i++) {
		c = spec_of(cat[i].name);
		is_int(check_compute(&c, L("123456789")), cat[i].check,
		    "%s(\"123456789\") = %lx", cat[i].name,
		    (unsigned long)cat[i].check);
		is_int(check_width(&c), cat[i].width, "%s is %zu bytes",
		    cat[i].name, cat[i].width);
		is_str(check_name(&c), cat[i].name, "name of %s", cat[i].name);
		is_str(check_name_at(i), cat[i].name, "name %zu listed", i);
	}
	ok(check_name_at(i) == NULL, "the list ends after %zu names", i);

	/* The empty message: each algorithm's init ^ xorout. */
	c = spec_of("crc16-modbus");
	is_int(check_compute(&c, NULL, 0), 0xffff, "crc16-modbus of nothing");
	c = spec_of("crc32");
	is_int(check_compute(&c, NULL, 0), 0, "crc32 of nothing");
	c = spec_of("lrc");
	is_int(check_compute(&c, L("\x01\xff")), 0, "lrc wraps mod 256");
	is_int(check_compute(&c, L("\x01\x03\x00\x00\x00\x0a")), 0xf2,
	    "lrc of a Modbus ASCII read request");
}

/* Every table entry matters: random lengths and bytes against the
 * reference, plus each single byte value alone. */
static void
test_reference(void)
{
	unsigned char m[300];
	struct check_spec c;
	size_t i, k, n, bad;

	for (i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		c = spec_of(refs[i].name);
		bad = 0;
		for (k = 0; k < 256; k++) {
			m[0] = (unsigned char)k;
			bad += check_compute(&c, m, 1) !=
			    ref_compute(&refs[i], m, 1);
		}
		for (k = 0; k < 2000; k++) {
			n = rng() % sizeof m;
			for (size_t j = 0; j < n; j++)
				m[j] = (unsigned char)rng();
			bad += check_compute(&c, m, n) !=
			    ref_compute(&refs[i], m, n);
		}
		is_int(bad, 0, "%s agrees with a bitwise reference",
		    refs[i].name);
	}
}

static void
test_append(void)
{
	struct buf b = BUF_INIT;
	struct check_spec c;

	c = spec_of("crc16-modbus");
	buf_append(&b, L("\x01\x03\x00\x00\x00\x0a"));
	check_append(&c, buf_peek(&b), buf_len(&b), &b);
	is_buf(&b, "\x01\x03\x00\x00\x00\x0a\xc5\xcd",
	    "Modbus read holding registers + crc16-modbus: ... c5 cd");
	is_int(check_compute(&c, L("\x01\x03\x00\x00\x00\x0a")), 0xcdc5,
	    "its value is cdc5");

	buf_reset(&b);
	c = spec_of("crc16-modbus:be");
	check_append(&c, L("\x01\x03\x00\x00\x00\x0a"), &b);
	is_buf(&b, "\xcd\xc5", ":be override");

	buf_reset(&b);
	c = spec_of("crc16-ccitt");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\x29\xb1",
	    "crc16-ccitt big-endian");
	buf_reset(&b);
	c = spec_of("crc16-ccitt:le");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\xb1\x29", "crc16-ccitt:le");

	buf_reset(&b);
	c = spec_of("crc16-xmodem");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\x31\xc3",
	    "crc16-xmodem big-endian");

	buf_reset(&b);
	c = spec_of("crc32");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\x26\x39\xf4\xcb",
	    "crc32 little-endian");
	buf_reset(&b);
	c = spec_of("crc32:be");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\xcb\xf4\x39\x26", "crc32:be");

	buf_reset(&b);
	c = spec_of("crc32c");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\x83\x92\x06\xe3",
	    "crc32c little-endian");

	buf_reset(&b);
	c = spec_of("crc8");
	check_append(&c, L("123456789"), &b);
	is_buf(&b, "\xf4", "crc8 one byte");

	/* Appending to what is already there. */
	buf_reset(&b);
	buf_puts(&b, "xy");
	c = spec_of("sum8");
	check_append(&c, L("\x10\x20"), &b);
	is_buf(&b, "xy\x30", "appends after");
	buf_free(&b);
}

static void
test_verify(void)
{
	struct check_spec c;
	uint32_t got, want;
	unsigned char m[64];
	struct buf b = BUF_INIT, v = BUF_INIT;
	size_t i;

	c = spec_of("crc16-modbus");
	got = want = 0;
	is_int(check_verify(&c, L("\x01\x03\x00\x00\x00\x0a\xc5\xcd"), &got,
	    &want), 1, "good Modbus frame");
	is_int(got, 0xcdc5, "got");
	is_int(want, 0xcdc5, "want");
	is_int(check_verify(&c, L("\x01\x03\x00\x00\x00\x0b\xc5\xcd"), &got,
	    &want), 0, "corrupted Modbus frame");
	is_int(got, 0xcdc5, "got is what came");
	is_int(want, check_compute(&c, L("\x01\x03\x00\x00\x00\x0b")),
	    "want is what should have");
	is_int(check_verify(&c, L("\x01\x03\x00\x00\x00\x0a\xcd\xc5"), NULL,
	    NULL), 0, "swapped bytes are bad");
	c = spec_of("crc16-modbus:be");
	is_int(check_verify(&c, L("\x01\x03\x00\x00\x00\x0a\xcd\xc5"), NULL,
	    NULL), 1, "... but good with :be");

	c = spec_of("crc32");
	is_int(check_verify(&c, L("\x01\x02\x03"), &got, &want), -1,
	    "shorter than the checksum");
	is_int(check_verify(&c, NULL, 0, NULL, NULL), -1, "empty");
	is_int(check_verify(&c, L("\x00\x00\x00\x00"), &got, &want), 1,
	    "just the checksum of nothing");

	/* Every algorithm and order verifies what it appended, and notices
	 * any one flipped bit. */
	for (i = 0; check_name_at(i) != NULL; i++) {
		const char *sfx[] = { "", ":le", ":be" };
		size_t k, bit, n, bad = 0;

		for (k = 0; k < 3; k++) {
			buf_reset(&v);
			buf_printf(&v, "%s%s", check_name_at(i), sfx[k]);
			if (check_parse(buf_cstr(&v), &c, NULL, 0) == -1)
				continue;
			n = 1 + rng() % 40;
			for (size_t j = 0; j < n; j++)
				m[j] = (unsigned char)rng();
			buf_reset(&b);
			buf_append(&b, m, n);
			check_append(&c, m, n, &b);
			bad += check_verify(&c, buf_peek(&b), buf_len(&b),
			    NULL, NULL) != 1;
			/* A flipped bit in the message always changes a CRC;
			 * sum8/xor8/lrc notice one too. */
			for (bit = 0; bit < 8 * buf_len(&b); bit++) {
				buf_peek(&b)[bit / 8] ^= 1u << (bit % 8);
				bad += check_verify(&c, buf_peek(&b),
				    buf_len(&b), NULL, NULL) != 0;
				buf_peek(&b)[bit / 8] ^= 1u << (bit % 8);
			}
		}
		is_int(bad, 0, "%s verifies its own and catches bit flips",
		    check_name_at(i));
	}
	buf_free(&b);
	buf_free(&v);
}

static void
test_parse(void)
{
	static const char *good[] = {
		"sum8", "xor8", "lrc", "crc8", "crc16-modbus",
		"crc16-modbus:be", "crc16-ccitt", "crc16-ccitt:le",
		"crc16-xmodem", "crc16-xmodem:le", "crc32", "crc32:be",
		"crc32c", "crc32c:be",
	};
	static const struct {
		const char *in, *canon;
	} alias[] = {
		{ "CRC16-MODBUS", "crc16-modbus" },
		{ "crc16-modbus:le", "crc16-modbus" },
		{ "crc16-ccitt:be", "crc16-ccitt" },
		{ "crc32:LE", "crc32" },
		{ "Crc32C:BE", "crc32c:be" },
	};
	static const struct {
		const char *in, *err;
	} bad[] = {
		{ "", "unknown checksum \"\" (sum8, xor8, lrc, crc8, "
		    "crc16-modbus, crc16-ccitt, crc16-xmodem, crc32, crc32c)" },
		{ "crc16", "unknown checksum \"crc16\" (sum8, xor8, lrc, "
		    "crc8, crc16-modbus, crc16-ccitt, crc16-xmodem, crc32, "
		    "crc32c)" },
		{ "md5:le", "unknown checksum \"md5:le\" (sum8, xor8, lrc, "
		    "crc8, crc16-modbus, crc16-ccitt, crc16-xmodem, crc32, "
		    "crc32c)" },
		{ "crc32 ", NULL },
		{ "crc32x", NULL },
		{ "crc32:", "bad byte order \":\" (:le or :be)" },
		{ "crc32:little", "bad byte order \":little\" (:le or :be)" },
		{ "crc32:le:be", "bad byte order \":le:be\" (:le or :be)" },
		{ "crc8:le", "crc8 is one byte: it has no byte order" },
		{ "sum8:be", "sum8 is one byte: it has no byte order" },
		{ "\x1b[31mcrc", "unknown checksum \"\\e[31mcrc\" (sum8, xor8, "
		    "lrc, crc8, crc16-modbus, crc16-ccitt, crc16-xmodem, "
		    "crc32, crc32c)" },
	};
	struct check_spec c, d;
	struct buf b = BUF_INIT;
	char err[256], *e;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		c = spec_of(good[i]);
		buf_reset(&b);
		check_format(&c, &b);
		is_str(buf_cstr(&b), good[i], "format(parse(%s))", good[i]);
		memset(&d, 0xa5, sizeof d);
		ok(check_parse(buf_cstr(&b), &d, err, sizeof err) == 0 &&
		    d.algo == c.algo && d.le == c.le,
		    "parse(format(%s)) is the same spec", good[i]);
	}
	for (i = 0; i < sizeof alias / sizeof alias[0]; i++) {
		c = spec_of(alias[i].in);
		buf_reset(&b);
		check_format(&c, &b);
		is_str(buf_cstr(&b), alias[i].canon, "%s is %s", alias[i].in,
		    alias[i].canon);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c.algo = CK_CRC32;
		c.le = 1;
		err[0] = '\0';
		ok(check_parse(bad[i].in, &c, err, sizeof err) == -1 &&
		    c.algo == CK_CRC32 && c.le == 1,
		    "\"%s\" rejected, spec untouched", bad[i].in);
		if (bad[i].err != NULL)
			is_str(err, bad[i].err, "error for \"%s\"", bad[i].in);
		for (e = err; *e != '\0'; e++)
			if ((unsigned char)*e < 0x20)
				break;
		ok(*err != '\0' && *e == '\0', "error is printable: %s", err);
	}
	ok(check_parse("nope", &c, NULL, 0) == -1, "no error buffer");
	ok(check_parse("nope", &c, err, 4) == -1 && strcmp(err, "unk") == 0,
	    "tiny error buffer: cut, terminated");

	/* A spec not from check_parse() stays in bounds. */
	c.algo = 99;
	c.le = 1;
	is_int(check_width(&c), 1, "bad spec: one byte");
	buf_reset(&b);
	check_format(&c, &b);
	is_str(buf_cstr(&b), "sum8", "bad spec formats as sum8");

	c = spec_of("crc16-modbus");
	buf_reset(&b);
	check_format_value(&c, 0x1a2b, &b);
	buf_puts(&b, " ");
	check_format_value(&c, 0x7, &b);
	c = spec_of("crc8");
	buf_puts(&b, " ");
	check_format_value(&c, 0xf4, &b);
	c = spec_of("crc32c");
	buf_puts(&b, " ");
	check_format_value(&c, 0xe3069283, &b);
	buf_puts(&b, " ");
	check_format_value(&c, 0x1, &b);
	is_str(buf_cstr(&b), "2b1a 0700 f4 839206e3 01000000",
	    "values as 2 * width hex digits, in wire order");
	buf_free(&b);
}

int
main(void)
{
	test_catalogue();
	test_reference();
	test_append();
	test_verify();
	test_parse();
	return done_testing();
}
