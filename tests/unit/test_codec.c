/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_codec.c — TAP unit tests for src/codec.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "tap.h"

#define L(s)	(s), (sizeof(s) - 1)	/* literal with its length, NULs included */

static struct buf b;
static char err[256];

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

/*
 * Independent, deliberately naive UTF-8 decoder and "unsafe" list, so the
 * property checks do not trust the code under test.
 */
static size_t
ref_utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		len = 2; c = p[0] & 0x1f; min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3; c = p[0] & 0x0f; min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4; c = p[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
ref_danger(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x61c || c == 0x200e ||
	    c == 0x200f || c == 0x2028 || c == 0x2029 ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static int
ref_nonchar(uint32_t c)
{
	return (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xffff) == 0xfffe ||
	    (c & 0xffff) == 0xffff;
}

/* Nothing in p may drive a terminal: no C0 (except newline if allowed), no
 * DEL, no invalid UTF-8, no C1/bidi/separator code point. */
static int
term_safe(const unsigned char *p, size_t n, int allow_lf, int allow_nonchar)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < n) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			if (!(allow_lf && p[i] == '\n'))
				return 0;
			i++;
			continue;
		}
		k = ref_utf8(p + i, n - i, &c);
		if (k == 0 || ref_danger(c) || (!allow_nonchar && ref_nonchar(c)))
			return 0;
		i += k;
	}
	return 1;
}

static const char *
esc(const void *p, size_t n, int flags)
{
	buf_reset(&b);
	codec_escape(p, n, &b, flags);
	return buf_cstr(&b);
}

static int
roundtrip(const void *p, size_t n)
{
	struct buf e = BUF_INIT, d = BUF_INIT;
	int good;

	codec_escape(p, n, &e, 0);
	good = codec_unescape(buf_cstr(&e), buf_len(&e), &d, err,
	    sizeof err) == 0 && buf_len(&d) == n &&
	    memcmp(buf_cstr(&d), p, n) == 0 &&
	    term_safe((unsigned char *)buf_cstr(&e), buf_len(&e), 0, 0);
	buf_free(&e);
	buf_free(&d);
	return good;
}

#define ESC_IS(in, exp) do {						\
	esc(L(in), 0);							\
	is_mem(buf_cstr(&b), buf_len(&b), (exp), sizeof(exp) - 1, "escape %s", #in);	\
} while (0)

static int
unesc(const char *s, size_t n)
{
	err[0] = '\0';
	buf_reset(&b);
	return codec_unescape(s, n, &b, err, sizeof err);
}

#define UNESC_IS(in, exp) do {						\
	int rc_ = unesc(L(in));						\
	is_mem(buf_cstr(&b), rc_ == 0 ? buf_len(&b) : 0, (exp), sizeof(exp) - 1,	\
	    "unescape %s", #in);					\
} while (0)

#define UNESC_ERR(in, msg) do {						\
	is_int(unesc(L(in)), -1, "unescape %s fails", #in);		\
	is_str(err, msg, "  with message '%s'", msg);			\
} while (0)

static int
hex(const char *s, size_t n)
{
	err[0] = '\0';
	buf_reset(&b);
	return codec_parse_hex(s, n, &b, err, sizeof err);
}

#define HEX_IS(in, exp) do {						\
	int rc_ = hex(L(in));						\
	is_mem(buf_cstr(&b), rc_ == 0 ? buf_len(&b) : 99, (exp), sizeof(exp) - 1,	\
	    "parse_hex %s", #in);					\
} while (0)

#define HEX_ERR(in, msg) do {						\
	is_int(hex(L(in)), -1, "parse_hex %s fails", #in);		\
	is_str(err, msg, "  with message '%s'", msg);			\
} while (0)

#define JSON_IS(in, exp) do {						\
	buf_reset(&b);							\
	codec_json_str(L(in), &b);					\
	is_mem(buf_cstr(&b), buf_len(&b), (exp), sizeof(exp) - 1, "json %s", #in);	\
} while (0)

static void
test_escape(void)
{
	char expect[8], big[40000];
	unsigned char one;
	int c, bad;
	size_t i;

	ESC_IS("", "");
	ESC_IS("hello, world", "hello, world");
	ESC_IS("\r\n\t", "\\r\\n\\t");
	ESC_IS("\0", "\\0");
	ESC_IS("\0" "12", "\\012");
	ESC_IS("\x1b\x07", "\\e\\a");
	ESC_IS("a\\b", "a\\\\b");
	ESC_IS("\"quoted\" 'x'", "\"quoted\" 'x'");
	ESC_IS("\x01\x08\x0b\x0c\x1f", "\\x01\\x08\\x0b\\x0c\\x1f");
	ESC_IS("\x7f", "\\x7f");
	ESC_IS("~ ", "~ ");

	/* Each single byte, against the rule in codec.h written out. */
	bad = 0;
	for (c = 0; c < 256; c++) {
		one = (unsigned char)c;
		switch (c) {
		case '\r': strcpy(expect, "\\r"); break;
		case '\n': strcpy(expect, "\\n"); break;
		case '\t': strcpy(expect, "\\t"); break;
		case 0: strcpy(expect, "\\0"); break;
		case 0x1b: strcpy(expect, "\\e"); break;
		case 0x07: strcpy(expect, "\\a"); break;
		case '\\': strcpy(expect, "\\\\"); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				snprintf(expect, sizeof expect, "%c", c);
			else
				snprintf(expect, sizeof expect, "\\x%02x", c);
		}
		if (strcmp(esc(&one, 1, 0), expect) != 0) {
			if (bad++ == 0)
				printf("# byte 0x%02x -> %s\n", c, buf_cstr(&b));
		}
	}
	is_int(bad, 0, "escape of each of the 256 single bytes");

	/* Valid UTF-8 is kept. */
	ESC_IS("h\xc3\xa9llo", "h\xc3\xa9llo");
	ESC_IS("\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87");
	ESC_IS("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	ESC_IS("\xc2\xa0", "\xc2\xa0");			/* U+00A0, not C1 */
	ESC_IS("\xef\xbf\xbd", "\xef\xbf\xbd");		/* U+FFFD */
	ESC_IS("\xe2\x80\x8d", "\xe2\x80\x8d");		/* U+200D ZWJ */
	ESC_IS("\xe2\x80\xa7", "\xe2\x80\xa7");		/* U+2027 */
	ESC_IS("\xe2\x80\xaf", "\xe2\x80\xaf");		/* U+202F */
	ESC_IS("\xe2\x81\xa5", "\xe2\x81\xa5");		/* U+2065 */
	ESC_IS("\xe2\x81\xaa", "\xe2\x81\xaa");		/* U+206A */
	ESC_IS("\xef\xb7\x8f", "\xef\xb7\x8f");		/* U+FDCF */
	ESC_IS("\xef\xb7\xb0", "\xef\xb7\xb0");		/* U+FDF0 */
	ESC_IS("\xf4\x8f\xbf\xbd", "\xf4\x8f\xbf\xbd");	/* U+10FFFD */

	/* Valid but unsafe or noncharacter code points: bytes escaped. */
	ESC_IS("\xc2\x80", "\\xc2\\x80");
	ESC_IS("\xc2\x9b", "\\xc2\\x9b");
	ESC_IS("\xc2\x9f", "\\xc2\\x9f");
	ESC_IS("\xd8\x9c", "\\xd8\\x9c");		/* U+061C */
	ESC_IS("\xe2\x80\x8e", "\\xe2\\x80\\x8e");	/* U+200E */
	ESC_IS("\xe2\x80\x8f", "\\xe2\\x80\\x8f");	/* U+200F */
	ESC_IS("\xe2\x80\xa8", "\\xe2\\x80\\xa8");	/* U+2028 */
	ESC_IS("\xe2\x80\xa9", "\\xe2\\x80\\xa9");	/* U+2029 */
	ESC_IS("\xe2\x80\xaa", "\\xe2\\x80\\xaa");	/* U+202A */
	ESC_IS("\xe2\x80\xae", "\\xe2\\x80\\xae");	/* U+202E */
	ESC_IS("\xe2\x81\xa6", "\\xe2\\x81\\xa6");	/* U+2066 */
	ESC_IS("\xe2\x81\xa9", "\\xe2\\x81\\xa9");	/* U+2069 */
	ESC_IS("\xef\xb7\x90", "\\xef\\xb7\\x90");	/* U+FDD0 */
	ESC_IS("\xef\xb7\xaf", "\\xef\\xb7\\xaf");	/* U+FDEF */
	ESC_IS("\xef\xbf\xbe", "\\xef\\xbf\\xbe");	/* U+FFFE */
	ESC_IS("\xef\xbf\xbf", "\\xef\\xbf\\xbf");	/* U+FFFF */
	ESC_IS("\xf0\x9f\xbf\xbe", "\\xf0\\x9f\\xbf\\xbe");	/* U+1FFFE */
	ESC_IS("\xf4\x8f\xbf\xbf", "\\xf4\\x8f\\xbf\\xbf");	/* U+10FFFF */

	/* Invalid UTF-8: overlong, surrogate, too big, truncated, stray. */
	ESC_IS("\xc0\x80", "\\xc0\\x80");
	ESC_IS("\xc1\xbf", "\\xc1\\xbf");
	ESC_IS("\xe0\x80\x80", "\\xe0\\x80\\x80");
	ESC_IS("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	ESC_IS("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
	ESC_IS("\xed\xa0\x80", "\\xed\\xa0\\x80");
	ESC_IS("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	ESC_IS("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	ESC_IS("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	ESC_IS("\xfe\xff", "\\xfe\\xff");
	ESC_IS("\x80" "a", "\\x80" "a");
	ESC_IS("\xe2\x82", "\\xe2\\x82");
	ESC_IS("\xe2\x82" "A", "\\xe2\\x82" "A");
	ESC_IS("\xe2\xc3\xa9", "\\xe2\xc3\xa9");
	ESC_IS("\xf0\x9f\x98", "\\xf0\\x9f\\x98");

	/* Terminal attacks. */
	ESC_IS("\x1b]0;x\x07", "\\e]0;x\\a");
	ESC_IS("\x1b[2J", "\\e[2J");
	ESC_IS("\x9b" "31m", "\\x9b" "31m");
	ESC_IS("\xc2\x9b" "2J", "\\xc2\\x9b" "2J");
	ESC_IS("abc\xe2\x80\xae" "cba", "abc\\xe2\\x80\\xae" "cba");
	{
		static const char evil[] = "\x1b]0;x\x07\x1b[2J\x9b\xe2\x80\xae"
		    "\xc2\x9b\x1b" "P\x1b\\\x0d\x08\x7f\xc2\x85";
		const char *o = esc(L(evil), 0);

		ok(term_safe((const unsigned char *)o, buf_len(&b), 0, 0),
		    "mixed attack string renders terminal-safe");
		ok(memchr(o, 0x1b, buf_len(&b)) == NULL &&
		    memchr(o, 0x9b, buf_len(&b)) == NULL &&
		    strstr(o, "\xe2\x80\xae") == NULL &&
		    strstr(o, "\xc2\x9b") == NULL,
		    "  no ESC, CSI, U+202E or U+009B raw in it");
	}

	/* CODEC_BREAK_LF. */
	esc(L("a\nb\n"), CODEC_BREAK_LF);
	is_str(buf_cstr(&b), "a\\n\nb\\n", "BREAK_LF: newline after inner \\n only");
	esc(L("\n\nx"), CODEC_BREAK_LF);
	is_str(buf_cstr(&b), "\\n\n\\n\nx", "BREAK_LF: consecutive newlines");
	esc(L("\r\n"), CODEC_BREAK_LF);
	is_str(buf_cstr(&b), "\\r\\n", "BREAK_LF: trailing CRLF has no real newline");
	esc(L("a\nb"), 0);
	is_str(buf_cstr(&b), "a\\nb", "no real newline without the flag");

	/* Appends rather than replaces. */
	buf_reset(&b);
	buf_puts(&b, "X");
	codec_escape((const unsigned char *)"\x01", 1, &b, 0);
	is_str(buf_cstr(&b), "X\\x01", "escape appends to existing contents");
	buf_reset(&b);
	codec_escape(NULL, 0, &b, 0);
	is_int(buf_len(&b), 0, "escape of (NULL, 0) is empty");

	/* Slices: a sequence straddling the internal 16 KiB boundary, and a
	 * large input that must grow the buffer many times. */
	memset(big, 'a', sizeof big);
	memcpy(big + 16383, "\xf0\x9f\x98\x80", 4);
	memcpy(big + 32766, "\xe2\x80\xae", 3);
	esc(big, sizeof big, 0);
	ok(buf_len(&b) == sizeof big + 9 &&
	    memcmp(buf_cstr(&b) + 16383, "\xf0\x9f\x98\x80" "a", 5) == 0 &&
	    memcmp(buf_cstr(&b) + 32766, "\\xe2\\x80\\xae" "a", 13) == 0,
	    "UTF-8 sequences across slice boundaries");
	memset(big, 0x01, sizeof big);
	esc(big, sizeof big, 0);
	bad = buf_len(&b) != 4 * sizeof big;
	for (i = 0; !bad && i < sizeof big; i++)
		bad = memcmp(buf_cstr(&b) + 4 * i, "\\x01", 4) != 0;
	ok(!bad, "40000 control bytes become 160000 bytes of \\x01");
}

static void
test_roundtrip(void)
{
	static const char *const samples[] = {
		"plain ascii",
		"caf\xc3\xa9 na\xc3\xafve",
		"\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c",
		"\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf",
		"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",
		"\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
		"\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7",
		"\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9 \xd7\xa2\xd7\x91",
		"\xce\x95\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xac",
		"back\\slash \\x41 \\n \\0 \\\\",
	};
	/* Building blocks for random strings: the awkward cases glued
	 * together, so escapes land next to digits, UTF-8 next to stray
	 * continuation bytes, and so on. */
	static const char *const parts[] = {
		"\\", "x", "0", "4", "f", "\\x", "\"", "\n", "\r", "\x1b",
		"\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xc2\x9b",
		"\xe2\x80\xae", "\xef\xbf\xbf", "\xed\xa0\x80", "\xc0\xaf",
		"\x80", "\xbf", "\xe2\x82", "\xf4\x90\x80\x80", "\xff", "a",
	};
	unsigned char s[300];
	size_t i, n, k, j;
	int bad, c, d;

	bad = 0;
	for (c = 0; c < 256; c++) {
		s[0] = (unsigned char)c;
		if (!roundtrip(s, 1) && bad++ == 0)
			printf("# byte 0x%02x\n", c);
	}
	is_int(bad, 0, "round trip of every single byte");

	bad = 0;
	for (c = 0; c < 256; c++)
		for (d = 0; d < 256; d++) {
			s[0] = (unsigned char)c;
			s[1] = (unsigned char)d;
			if (!roundtrip(s, 2) && bad++ == 0)
				printf("# bytes %02x %02x\n", c, d);
		}
	is_int(bad, 0, "round trip of every byte pair");

	for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		ok(roundtrip(samples[i], strlen(samples[i])),
		    "round trip of UTF-8 sample %zu", i);
		if (i < 9)
			is_str(esc(samples[i], strlen(samples[i]), 0),
			    samples[i], "  which escape leaves unchanged");
	}

	bad = 0;
	for (i = 0; i < 3000; i++) {
		n = rng() % 200;
		for (k = 0; k < n; k++)
			s[k] = (unsigned char)rng();
		if (!roundtrip(s, n) && bad++ == 0)
			printf("# random string %zu\n", i);
	}
	is_int(bad, 0, "round trip of 3000 random byte strings");

	bad = 0;
	for (i = 0; i < 3000; i++) {
		n = 0;
		for (k = rng() % 40; k > 0; k--) {
			const char *part = parts[rng() % (sizeof parts /
			    sizeof parts[0])];

			j = strlen(part);
			memcpy(s + n, part, j);
			n += j;
		}
		if (!roundtrip(s, n) && bad++ == 0)
			printf("# glued string %zu\n", i);
	}
	is_int(bad, 0, "round trip of 3000 strings of awkward pieces");
}

static void
test_unescape(void)
{
	UNESC_IS("", "");
	UNESC_IS("hello", "hello");
	UNESC_IS("a\\r\\n\\tb", "a\r\n\tb");
	UNESC_IS("\\0", "\0");
	UNESC_IS("\\012", "\0" "12");
	UNESC_IS("\\\\", "\\");
	UNESC_IS("\\e[2J", "\x1b[2J");
	UNESC_IS("\\a", "\x07");
	UNESC_IS("say \\\"hi\\\"", "say \"hi\"");
	UNESC_IS("\"raw\"", "\"raw\"");
	UNESC_IS("\\x41\\x4a\\x4A\\x00\\xff", "AJJ\0\xff");
	UNESC_IS("\\x414", "A4");
	UNESC_IS("\\\\x41", "\\x41");
	UNESC_IS("h\xc3\xa9\\n", "h\xc3\xa9\n");
	UNESC_IS("a\0b", "a\0b");

	UNESC_ERR("\\q", "bad escape \"\\q\" at position 1");
	UNESC_ERR("abcd\\q", "bad escape \"\\q\" at position 5");
	UNESC_ERR("\\b", "bad escape \"\\b\" at position 1");
	UNESC_ERR("\\u0041", "bad escape \"\\u\" at position 1");
	UNESC_ERR("\\1", "bad escape \"\\1\" at position 1");
	UNESC_ERR("\\X41", "bad escape \"\\X\" at position 1");
	UNESC_ERR("a\\ b", "bad escape: byte 0x20 after \"\\\" at position 2");
	UNESC_ERR("\\\x01", "bad escape: byte 0x01 after \"\\\" at position 1");
	UNESC_ERR("\\\xc3\xa9", "bad escape: byte 0xc3 after \"\\\" at position 1");
	UNESC_ERR("\\x4", "\"\\x\" needs two hex digits at position 1");
	UNESC_ERR("ab\\x", "\"\\x\" needs two hex digits at position 3");
	UNESC_ERR("ab\\x4g", "\"\\x\" needs two hex digits at position 3");
	UNESC_ERR("\\xg1", "\"\\x\" needs two hex digits at position 1");
	UNESC_ERR("\\x 41", "\"\\x\" needs two hex digits at position 1");
	UNESC_ERR("abc\\", "lone backslash at end of input at position 4");
	UNESC_ERR("\\", "lone backslash at end of input at position 1");
	UNESC_ERR("\\\\\\", "lone backslash at end of input at position 3");
	UNESC_ERR("\\n\\n\\z", "bad escape \"\\z\" at position 5");

	unesc(L("ab\\q"));
	is_str(buf_cstr(&b), "ab", "text before a bad escape is appended");

	buf_reset(&b);
	is_int(codec_unescape("\\q", 2, &b, NULL, 0), -1,
	    "no error buffer: still fails, no crash");
	{
		char small[8];

		buf_reset(&b);
		codec_unescape("abcd\\q", 6, &b, small, sizeof small);
		is_str(small, "bad esc", "error message truncated to errlen");
	}
	buf_reset(&b);
	is_int(codec_unescape(NULL, 0, &b, err, sizeof err), 0,
	    "unescape of (NULL, 0) succeeds");
}

static void
test_parse_hex(void)
{
	HEX_IS("48 65 6c", "Hel");
	HEX_IS("48656c", "Hel");
	HEX_IS("0x48,0x65", "He");
	HEX_IS("48:65:6c", "Hel");
	HEX_IS("48-65", "He");
	HEX_IS("0x48 65:6c,0X6C-6f", "Hello");
	HEX_IS("0x48656c", "Hel");
	HEX_IS("4A4b", "JK");
	HEX_IS("\t00 ff\t", "\0\xff");
	HEX_IS(" 48 , 65 ", "He");
	HEX_IS("", "");
	HEX_IS("   ", "");
	HEX_IS("00", "\0");
	HEX_IS("0x48, 0x65", "He");
	HEX_IS("48 - 65 :6c", "Hel");
	HEX_IS("48  65\t\t6c ", "Hel");

	/* A group of one digit is a byte of its own. */
	HEX_IS("4", "\x04");
	HEX_IS("1 2 3", "\x01\x02\x03");
	HEX_IS("48 65 6", "He\x06");
	HEX_IS("0x4", "\x04");
	HEX_IS("A B", "\x0a\x0b");
	HEX_IS("41,4,42", "A\x04" "B");
	/* Longer odd digit counts name the last digit of the run: it has no
	 * partner, since digits pair from the left. */
	HEX_ERR("414", "hex bytes need two digits: '4' at position 3 has no partner");
	HEX_ERR("abc", "hex bytes need two digits: 'c' at position 3 has no partner");
	HEX_ERR("48 656", "hex bytes need two digits: '6' at position 6 has no partner");
	HEX_ERR("0x414", "hex bytes need two digits: '4' at position 5 has no partner");
	HEX_ERR("414 zz", "hex bytes need two digits: '4' at position 3 has no partner");

	/* A separator stands between two bytes: nothing on a side is a slip. */
	HEX_ERR("48,,65", "empty element: ',' at position 4 follows another separator");
	HEX_ERR("48, ,65", "empty element: ',' at position 5 follows another separator");
	HEX_ERR("48:-65", "empty element: '-' at position 4 follows another separator");
	HEX_ERR("48,", "empty element: ',' at position 3 has no byte after it");
	HEX_ERR("48 65:  ", "empty element: ':' at position 6 has no byte after it");
	HEX_ERR("48-", "empty element: '-' at position 3 has no byte after it");
	HEX_ERR(",48", "empty element: ',' at position 1 has no byte before it");
	HEX_ERR("  -48", "empty element: '-' at position 3 has no byte before it");
	HEX_ERR(",:-", "empty element: ',' at position 1 has no byte before it");
	HEX_ERR(",", "empty element: ',' at position 1 has no byte before it");
	buf_reset(&b);
	is_int(codec_parse_hex("48,,65", 6, &b, err, sizeof err), -1,
	    "48,,65 fails");
	is_mem(buf_peek(&b), buf_len(&b), "H", 1,
	    "  the byte before the error stays appended");
	HEX_ERR("zz", "not a hex digit 'z' at position 1");
	HEX_ERR("48 6z", "not a hex digit 'z' at position 5");
	HEX_ERR("0x0x12", "not a hex digit 'x' at position 4");
	HEX_ERR("x48", "not a hex digit 'x' at position 1");
	HEX_ERR("48;65", "not a hex digit ';' at position 3");
	HEX_ERR("48\n65", "not a hex digit (byte 0x0a) at position 3");
	HEX_ERR("48 \xc3\xa9", "not a hex digit (byte 0xc3) at position 4");
	HEX_ERR("0x", "\"0x\" without hex digits at position 1");
	HEX_ERR("48 0X", "\"0X\" without hex digits at position 4");
	HEX_ERR("0x,48", "\"0x\" without hex digits at position 1");

	buf_reset(&b);
	is_int(codec_parse_hex("zz", 2, &b, NULL, 0), -1,
	    "no error buffer: still fails, no crash");
}

static void
test_hex(void)
{
	unsigned char all[256], big[40000];
	size_t i;
	int bad;

	buf_reset(&b);
	codec_hex((const unsigned char *)"", 0, &b);
	is_int(buf_len(&b), 0, "hex of nothing is empty");
	buf_reset(&b);
	codec_hex((const unsigned char *)L("\0\xff\x10" "Ab"), &b);
	is_str(buf_cstr(&b), "00ff104162", "hex is lower case, no separators");

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	buf_reset(&b);
	codec_hex(all, 256, &b);
	ok(buf_len(&b) == 512 && memcmp(buf_cstr(&b), "000102", 6) == 0 &&
	    memcmp(buf_cstr(&b) + 0x9b * 2, "9b9c", 4) == 0 &&
	    memcmp(buf_cstr(&b) + 506, "fdfeff", 6) == 0,
	    "hex of all 256 bytes");
	buf_reset(&b);
	codec_hex(all, 256, &b);
	err[0] = '\0';
	{
		struct buf back = BUF_INIT;

		ok(codec_parse_hex(buf_cstr(&b), buf_len(&b), &back, err,
		    sizeof err) == 0 && buf_len(&back) == 256 &&
		    memcmp(buf_cstr(&back), all, 256) == 0,
		    "parse_hex(hex(x)) == x");
		buf_free(&back);
	}

	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)(i * 7);
	buf_reset(&b);
	codec_hex(big, sizeof big, &b);
	bad = buf_len(&b) != 2 * sizeof big;
	for (i = 0; !bad && i < sizeof big; i++) {
		char two[3];

		snprintf(two, sizeof two, "%02x", big[i]);
		bad = memcmp(buf_cstr(&b) + 2 * i, two, 2) != 0;
	}
	ok(!bad, "hex of 40000 bytes spans slices correctly");
}

/* The slow obvious hexdump -C, to check the fast one on odd sizes. */
static void
ref_hexdump(const unsigned char *p, size_t n, uint64_t base, struct buf *o)
{
	size_t i, k;

	for (i = 0; i < n; i += 16) {
		int col;

		col = snprintf(NULL, 0, "%08llx  ", (unsigned long long)(base + i));
		buf_printf(o, "%08llx  ", (unsigned long long)(base + i));
		for (k = 0; k < 16 && i + k < n; k++) {
			buf_printf(o, "%02x %s", p[i + k], k == 7 ? " " : "");
			col += k == 7 ? 4 : 3;
		}
		for (; col < (int)(snprintf(NULL, 0, "%08llx",
		    (unsigned long long)(base + i)) + 52); col++)
			buf_putc(o, ' ');
		buf_putc(o, '|');
		for (k = 0; k < 16 && i + k < n; k++)
			buf_putc(o, p[i + k] >= 0x20 && p[i + k] < 0x7f ?
			    p[i + k] : '.');
		buf_puts(o, "|\n");
	}
}

static void
test_hexdump(void)
{
	/* Expected lines below were produced by util-linux hexdump -C. */
	static const char all256[] =
	"00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
	"00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|\n"
	"00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|\n"
	"00000030  30 31 32 33 34 35 36 37  38 39 3a 3b 3c 3d 3e 3f  |0123456789:;<=>?|\n"
	"00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|\n"
	"00000050  50 51 52 53 54 55 56 57  58 59 5a 5b 5c 5d 5e 5f  |PQRSTUVWXYZ[\\]^_|\n"
	"00000060  60 61 62 63 64 65 66 67  68 69 6a 6b 6c 6d 6e 6f  |`abcdefghijklmno|\n"
	"00000070  70 71 72 73 74 75 76 77  78 79 7a 7b 7c 7d 7e 7f  |pqrstuvwxyz{|}~.|\n"
	"00000080  80 81 82 83 84 85 86 87  88 89 8a 8b 8c 8d 8e 8f  |................|\n"
	"00000090  90 91 92 93 94 95 96 97  98 99 9a 9b 9c 9d 9e 9f  |................|\n"
	"000000a0  a0 a1 a2 a3 a4 a5 a6 a7  a8 a9 aa ab ac ad ae af  |................|\n"
	"000000b0  b0 b1 b2 b3 b4 b5 b6 b7  b8 b9 ba bb bc bd be bf  |................|\n"
	"000000c0  c0 c1 c2 c3 c4 c5 c6 c7  c8 c9 ca cb cc cd ce cf  |................|\n"
	"000000d0  d0 d1 d2 d3 d4 d5 d6 d7  d8 d9 da db dc dd de df  |................|\n"
	"000000e0  e0 e1 e2 e3 e4 e5 e6 e7  e8 e9 ea eb ec ed ee ef  |................|\n"
	"000000f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|\n";
	/* pat[i] = (i * 29 + 7) & 0xff; one expected text per length. */
	static const struct {
		size_t n;
		const char *s;
	} lens[] = {
		{ 0, "" },
		{ 1, "00000000  07                                                |.|\n" },
		{ 7, "00000000  07 24 41 5e 7b 98 b5                              |.$A^{..|\n" },
		{ 8, "00000000  07 24 41 5e 7b 98 b5 d2                           |.$A^{...|\n" },
		{ 9, "00000000  07 24 41 5e 7b 98 b5 d2  ef                       |.$A^{....|\n" },
		{ 15, "00000000  07 24 41 5e 7b 98 b5 d2  ef 0c 29 46 63 80 9d     |.$A^{.....)Fc..|\n" },
		{ 16, "00000000  07 24 41 5e 7b 98 b5 d2  ef 0c 29 46 63 80 9d ba  |.$A^{.....)Fc...|\n" },
		{ 17, "00000000  07 24 41 5e 7b 98 b5 d2  ef 0c 29 46 63 80 9d ba  |.$A^{.....)Fc...|\n"
		      "00000010  d7                                                |.|\n" },
	};
	unsigned char all[256], pat[17], zero[40], big[20000];
	struct buf ref = BUF_INIT;
	const char *o;
	size_t i, n;
	uint64_t base;
	int bad;

	buf_reset(&b);
	codec_hexdump((const unsigned char *)L("Hello, world!\n"), 0, &b);
	is_str(buf_cstr(&b),
	    "00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a        |Hello, world!.|\n",
	    "hexdump of \"Hello, world!\\n\"");

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	buf_reset(&b);
	codec_hexdump(all, 256, 0, &b);
	is_str(buf_cstr(&b), all256, "hexdump of all 256 byte values");
	ok(buf_len(&b) == 16 * 79, "  16 lines of 79 bytes");

	for (i = 0; i < sizeof pat; i++)
		pat[i] = (unsigned char)(i * 29 + 7);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		buf_reset(&b);
		codec_hexdump(pat, lens[i].n, 0, &b);
		is_str(buf_cstr(&b), lens[i].s, "hexdump of %zu bytes", lens[i].n);
	}

	buf_reset(&b);
	codec_hexdump((const unsigned char *)"ab", 2, 0x10, &b);
	is_str(buf_cstr(&b),
	    "00000010  61 62                                             |ab|\n",
	    "base offset is printed");

	/* hexdump -C -s 0xfffffffa on a sparse file widens to 9 digits. */
	memset(zero, 0, sizeof zero);
	buf_reset(&b);
	codec_hexdump(zero, sizeof zero, 0xfffffffaULL, &b);
	o = buf_cstr(&b);
	ok(strncmp(o, "fffffffa  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n", 79) == 0,
	    "offset fffffffa");
	ok(strcmp(o + 79 + 80, "10000001a  00 00 00 00 00 00 00 00                           |........|\n") == 0,
	    "offset past 4 GiB widens to 9 digits, '|' column moves with it");

	buf_reset(&b);
	codec_hexdump((const unsigned char *)"A", 1, 0xfedcba9876543210ULL, &b);
	is_str(buf_cstr(&b),
	    "fedcba9876543210  41                                                |A|\n",
	    "16-digit offset");

	buf_reset(&b);
	buf_puts(&b, ">");
	codec_hexdump((const unsigned char *)"A", 1, 0, &b);
	ok(strncmp(buf_cstr(&b), ">00000000  41 ", 14) == 0,
	    "hexdump appends to existing contents");

	/* Against the slow reference: every length up to 300 and some bases,
	 * and one input spanning several internal line batches. */
	bad = 0;
	for (n = 0; n <= 300; n++) {
		base = (n % 3 == 0) ? 0 : (uint64_t)rng() * (n % 5 + 1) * 977;
		buf_reset(&b);
		buf_reset(&ref);
		codec_hexdump(all, n < 256 ? n : 256, base, &b);
		ref_hexdump(all, n < 256 ? n : 256, base, &ref);
		if (buf_len(&b) != buf_len(&ref) ||
		    memcmp(buf_cstr(&b), buf_cstr(&ref), buf_len(&b)) != 0) {
			if (bad++ == 0)
				printf("# length %zu base %llx\n", n,
				    (unsigned long long)base);
		}
	}
	is_int(bad, 0, "hexdump matches the reference for lengths 0..300");

	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)rng();
	buf_reset(&b);
	buf_reset(&ref);
	codec_hexdump(big, sizeof big, 5, &b);
	ref_hexdump(big, sizeof big, 5, &ref);
	ok(buf_len(&b) == 1250 * 79 && buf_len(&b) == buf_len(&ref) &&
	    memcmp(buf_cstr(&b), buf_cstr(&ref), buf_len(&b)) == 0,
	    "hexdump of 20000 bytes (several batches)");
	buf_free(&ref);
}

/* codec_hexdump of p appended to what out holds, against the reference. */
static int
hexdump_same(const unsigned char *p, size_t n, uint64_t base, struct buf *out)
{
	struct buf ref = BUF_INIT;
	size_t before = buf_len(out);
	int same;

	buf_append(&ref, buf_peek(out), before);
	codec_hexdump(p, n, base, out);
	ref_hexdump(p, n, base, &ref);
	same = buf_len(out) == buf_len(&ref) &&
	    memcmp(buf_peek(out), buf_peek(&ref), buf_len(&ref)) == 0;
	if (!same)
		printf("# differs: %zu bytes, base %llx, %zu bytes before\n",
		    n, (unsigned long long)base, before);
	buf_free(&ref);
	return same;
}

/*
 * The table-driven hexdump writes whole lines with overlapping stores and
 * handles the last short line apart: prove it identical to the reference on
 * random bytes, for every length that ends a line anywhere, at offsets that
 * do and do not sit on a line boundary, where the offset widens past 8
 * digits mid-dump, into a buffer with consumed space and old contents, and
 * across the internal reservation step.
 */
static void
test_hexdump_random(void)
{
	static const uint64_t bases[] = {
		0, 1, 7, 8, 15, 16, 17, 0x1000, 0x7ffffff9, 0xfffffff0,
		0xffffffc3, 0xffffffff, 0x100000000ULL, 0xffffffff0ULL - 40,
		0xfffffffffffff00ULL, 0xffffffffffffff00ULL
	};
	unsigned char in[100], one[16], *big;
	struct buf out = BUF_INIT;
	size_t n, k, i, bigsz;
	int bad, c;

	bad = 0;
	for (k = 0; k < sizeof bases / sizeof bases[0] + 8; k++) {
		uint64_t base = k < sizeof bases / sizeof bases[0] ? bases[k] :
		    (uint64_t)rng() << (k % 4 * 8) | rng() % 16;

		for (n = 0; n <= 100; n++) {
			for (i = 0; i < n; i++)
				in[i] = (unsigned char)rng();
			buf_reset(&out);
			bad += !hexdump_same(in, n, base, &out);
		}
	}
	is_int(bad, 0, "hexdump of random bytes, lengths 0..100, %zu bases, "
	    "matches the reference", sizeof bases / sizeof bases[0] + 8);

	/* Appending: consumed space at the front, earlier lines kept. */
	bad = 0;
	for (n = 0; n <= 100; n++) {
		buf_reset(&out);
		buf_puts(&out, "xxxxxxx[1] < header\n");
		buf_consume(&out, 7);
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)rng();
		bad += !hexdump_same(in, n, rng(), &out);
		bad += !hexdump_same(in, n / 2, 0, &out);
	}
	is_int(bad, 0, "hexdump appended after existing and consumed bytes "
	    "matches the reference");

	/* Each byte value through both the full-line and the short-line
	 * path, so both ways of choosing the '|' character are checked. */
	bad = 0;
	for (c = 0; c < 256; c++) {
		memset(one, c, sizeof one);
		buf_reset(&out);
		bad += !hexdump_same(one, 16, 0, &out);
		bad += !hexdump_same(one, 1 + c % 15, 0, &out);
		for (i = 0; i < 16; i++)
			one[i] = i % 2 ? (unsigned char)c : (unsigned char)rng();
		bad += !hexdump_same(one, 16, 0, &out);
	}
	is_int(bad, 0, "every byte value shown as the reference shows it");

	/* More lines than one reservation holds, with a short last line. */
	bigsz = 65536 * 16 * 2 + 16 * 3 + 5;
	big = malloc(bigsz);
	for (i = 0; i < bigsz; i++)
		big[i] = (unsigned char)rng();
	bad = 0;
	for (n = bigsz - 16 * 65536 - 50; n <= bigsz; n += 16 * 65536 + 25) {
		buf_reset(&out);
		bad += !hexdump_same(big, n, 0xfffff000 + n % 7, &out);
	}
	is_int(bad, 0, "hexdump of more than 2 MiB matches the reference");
	free(big);
	buf_free(&out);
}

/* Just enough JSON string decoding to check what codec_json_str wrote. */
static int
json_decode(const char *s, size_t n, struct buf *o)
{
	size_t i;
	unsigned v;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	for (i = 1; i < n - 1; i++) {
		if (s[i] == '"' || (unsigned char)s[i] < 0x20)
			return -1;
		if (s[i] != '\\') {
			buf_putc(o, s[i]);
			continue;
		}
		switch (s[++i]) {
		case '"': buf_putc(o, '"'); break;
		case '\\': buf_putc(o, '\\'); break;
		case '/': buf_putc(o, '/'); break;
		case 'b': buf_putc(o, '\b'); break;
		case 'f': buf_putc(o, '\f'); break;
		case 'n': buf_putc(o, '\n'); break;
		case 'r': buf_putc(o, '\r'); break;
		case 't': buf_putc(o, '\t'); break;
		case 'u':
			if (i + 4 >= n - 1 || sscanf(s + i + 1, "%4x", &v) != 1 ||
			    (v >= 0xd800 && v <= 0xdfff))
				return -1;
			i += 4;
			if (v < 0x80)
				buf_putc(o, (int)v);
			else if (v < 0x800) {
				buf_putc(o, 0xc0 | v >> 6);
				buf_putc(o, 0x80 | (v & 0x3f));
			} else {
				buf_putc(o, 0xe0 | v >> 12);
				buf_putc(o, 0x80 | (v >> 6 & 0x3f));
				buf_putc(o, 0x80 | (v & 0x3f));
			}
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void
test_json(void)
{
	static const uint32_t pool[] = {
		'a', '"', '\\', '/', 0, 0x1f, 0x7f, '\n', 0x1b, 0xe9, 0x80, 0x9b,
		0x9f, 0xa0, 0x61c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a,
		0x202e, 0x2066, 0x2069, 0x4e2d, 0xfdd0, 0xfffd, 0xfffe,
		0x1f600, 0x10ffff,
	};
	unsigned char s[400];
	struct buf dec = BUF_INIT;
	size_t i, k, n;
	uint32_t c;
	int bad;

	JSON_IS("", "\"\"");
	JSON_IS("abc", "\"abc\"");
	JSON_IS("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
	JSON_IS("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	JSON_IS("\0", "\"\\u0000\"");
	JSON_IS("\x01\x1f", "\"\\u0001\\u001f\"");
	JSON_IS("\x1b[2J", "\"\\u001b[2J\"");
	JSON_IS("\x7f", "\"\\u007f\"");
	JSON_IS("\xc2\x80", "\"\\u0080\"");
	JSON_IS("\xc2\x9b", "\"\\u009b\"");
	JSON_IS("\xc2\x9f", "\"\\u009f\"");
	JSON_IS("\xc2\xa0", "\"\xc2\xa0\"");
	JSON_IS("\xd8\x9c", "\"\\u061c\"");
	JSON_IS("\xe2\x80\x8e\xe2\x80\x8f", "\"\\u200e\\u200f\"");
	JSON_IS("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"");
	JSON_IS("\xe2\x80\xaa\xe2\x80\xae", "\"\\u202a\\u202e\"");
	JSON_IS("\xe2\x81\xa6\xe2\x81\xa9", "\"\\u2066\\u2069\"");
	JSON_IS("\xe2\x80\xaf", "\"\xe2\x80\xaf\"");
	JSON_IS("h\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80",
	    "\"h\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80\"");
	/* Noncharacters are valid scalar values: kept, as codec.h lists
	 * only controls, bidi and separators for JSON. */
	JSON_IS("\xef\xbf\xbe", "\"\xef\xbf\xbe\"");

	/* Invalid UTF-8: one raw U+FFFD (ef bf bd) per maximal subpart,
	 * as Python's bytes.decode("utf-8", "replace") does. */
	JSON_IS("\xff", "\"\xef\xbf\xbd\"");
	JSON_IS("a\x80z", "\"a\xef\xbf\xbdz\"");
	JSON_IS("\xe2\x82", "\"\xef\xbf\xbd\"");
	JSON_IS("\xe2\x82" "A", "\"\xef\xbf\xbd" "A\"");
	JSON_IS("\xf0\x9f\x98", "\"\xef\xbf\xbd\"");
	JSON_IS("\xf0\x9f\x98" "\xf0\x9f\x98\x80",
	    "\"\xef\xbf\xbd\xf0\x9f\x98\x80\"");
	JSON_IS("\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	JSON_IS("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	JSON_IS("\xf4\x90\x80\x80",
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	JSON_IS("\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	JSON_IS("\xe2\x28\xa1", "\"\xef\xbf\xbd(\xef\xbf\xbd\"");

	buf_reset(&b);
	buf_puts(&b, "{\"text\":");
	codec_json_str(NULL, 0, &b);
	is_str(buf_cstr(&b), "{\"text\":\"\"", "json of (NULL, 0) appends \"\"");

	/* Valid UTF-8 from a pool of awkward code points survives a JSON
	 * round trip, and the literal itself is terminal-safe. */
	bad = 0;
	for (i = 0; i < 2000; i++) {
		n = 0;
		for (k = rng() % 60; k > 0; k--) {
			c = pool[rng() % (sizeof pool / sizeof pool[0])];
			if (c < 0x80)
				s[n++] = (unsigned char)c;
			else if (c < 0x800) {
				s[n++] = (unsigned char)(0xc0 | c >> 6);
				s[n++] = (unsigned char)(0x80 | (c & 0x3f));
			} else if (c < 0x10000) {
				s[n++] = (unsigned char)(0xe0 | c >> 12);
				s[n++] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
				s[n++] = (unsigned char)(0x80 | (c & 0x3f));
			} else {
				s[n++] = (unsigned char)(0xf0 | c >> 18);
				s[n++] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
				s[n++] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
				s[n++] = (unsigned char)(0x80 | (c & 0x3f));
			}
		}
		buf_reset(&b);
		buf_reset(&dec);
		codec_json_str((const char *)s, n, &b);
		if (json_decode(buf_cstr(&b), buf_len(&b), &dec) != 0 ||
		    buf_len(&dec) != n || memcmp(buf_cstr(&dec), s, n) != 0 ||
		    !term_safe((unsigned char *)buf_cstr(&b), buf_len(&b), 0, 1)) {
			if (bad++ == 0)
				printf("# sample %zu: %s\n", i, buf_cstr(&b));
		}
	}
	is_int(bad, 0, "JSON round trip of 2000 valid UTF-8 strings");

	bad = 0;
	for (i = 0; i < 2000; i++) {
		n = rng() % 100;
		for (k = 0; k < n; k++)
			s[k] = (unsigned char)rng();
		buf_reset(&b);
		buf_reset(&dec);
		codec_json_str((const char *)s, n, &b);
		if (json_decode(buf_cstr(&b), buf_len(&b), &dec) != 0 ||
		    !term_safe((unsigned char *)buf_cstr(&b), buf_len(&b), 0, 1))
			bad++;
	}
	is_int(bad, 0, "JSON of 2000 random byte strings is valid and safe");
	buf_free(&dec);
}

static void
test_utf8_tail(void)
{
#define U(x)	(const unsigned char *)(x), sizeof(x) - 1
	is_int(codec_utf8_tail(U("")), 0, "utf8_tail empty");
	is_int(codec_utf8_tail(U("abc")), 0, "utf8_tail ASCII");
	is_int(codec_utf8_tail(U("\xe4\xbd\xa0")), 0, "utf8_tail whole character");
	is_int(codec_utf8_tail(U("a\xe4")), 1, "utf8_tail lead byte alone");
	is_int(codec_utf8_tail(U("a\xe4\xbd")), 2, "utf8_tail 2 of 3");
	is_int(codec_utf8_tail(U("\xf0\x9f\x98")), 3, "utf8_tail 3 of 4");
	is_int(codec_utf8_tail(U("\xf0\x9f\x98\x80")), 0, "utf8_tail 4 of 4");
	is_int(codec_utf8_tail(U("a\xbd")), 0, "utf8_tail stray continuation");
	is_int(codec_utf8_tail(U("a\xe0\x80")), 0, "utf8_tail overlong start");
	is_int(codec_utf8_tail(U("a\xff")), 0, "utf8_tail not a lead byte");
	is_int(codec_utf8_tail(U("\x80\x80\x80\x80")), 0, "utf8_tail no lead in 3");
	ok(codec_utf8_valid(U("a\xe4\xbd\xa0" "b")), "utf8_valid");
	ok(!codec_utf8_valid(U("\xc4\xe3\xba\xc3")), "utf8_valid: GBK is not");
	ok(!codec_utf8_valid(U("a\xe4\xbd")), "utf8_valid: cut short is not");
	ok(codec_utf8_valid(U("")), "utf8_valid: empty");
#undef U
}

static void
test_utf8_len(void)
{
	unsigned char s[4];
	uint32_t cp = 0, rcp = 0;
	size_t got, want;
	int c0, c1, i2, i3, bad, n;
	static const unsigned char tails[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff
	};

	is_int(codec_utf8_len((const unsigned char *)"A", 1, &cp), 1, "utf8_len ASCII");
	is_int(cp, 'A', "  code point");
	is_int(codec_utf8_len((const unsigned char *)"\xc3\xa9", 2, &cp), 2, "utf8_len 2 bytes");
	is_int(cp, 0xe9, "  U+00E9");
	is_int(codec_utf8_len((const unsigned char *)"\xe4\xb8\xad", 3, &cp), 3, "utf8_len 3 bytes");
	is_int(cp, 0x4e2d, "  U+4E2D");
	is_int(codec_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4, "utf8_len 4 bytes");
	is_int(cp, 0x1f600, "  U+1F600");
	is_int(codec_utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4, "utf8_len U+10FFFF");
	is_int(codec_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 3, &cp), 0, "utf8_len truncated by n");
	is_int(codec_utf8_len((const unsigned char *)"", 0, &cp), 0, "utf8_len n == 0");
	is_int(codec_utf8_len((const unsigned char *)"\xc0\x80", 2, &cp), 0, "utf8_len overlong");
	is_int(codec_utf8_len((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0, "utf8_len surrogate");
	is_int(codec_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0, "utf8_len > U+10FFFF");
	is_int(codec_utf8_len((const unsigned char *)"\x80", 1, &cp), 0, "utf8_len continuation byte");

	/* Every lead and second byte, with representative later bytes and
	 * every available length, against the naive decoder. */
	bad = 0;
	for (c0 = 0; c0 < 256; c0++)
		for (c1 = 0; c1 < 256; c1++)
			for (i2 = 0; i2 < (int)sizeof tails; i2++)
				for (i3 = 0; i3 < (int)sizeof tails; i3++)
					for (n = 1; n <= 4; n++) {
						s[0] = (unsigned char)c0;
						s[1] = (unsigned char)c1;
						s[2] = tails[i2];
						s[3] = tails[i3];
						got = codec_utf8_len(s, (size_t)n, &cp);
						want = ref_utf8(s, (size_t)n, &rcp);
						if (got != want || (got && cp != rcp))
							bad++;
					}
	is_int(bad, 0, "utf8_len agrees with a naive decoder on 31.7M inputs");
}

#define DUR_IS(s, want) do {						\
	uint64_t ms_ = 777;						\
	int rc_ = codec_parse_duration(s, &ms_);			\
	ok(rc_ == 0 && ms_ == (want), "duration \"%s\" = %llu ms", s,	\
	    (unsigned long long)(want));				\
} while (0)
#define DUR_BAD(s) do {							\
	uint64_t ms_ = 777;						\
	ok(codec_parse_duration(s, &ms_) == -1 && ms_ == 777,		\
	    "duration \"%s\" rejected", s);				\
} while (0)

static void
test_duration(void)
{
	DUR_IS("250ms", 250);
	DUR_IS("2s", 2000);
	DUR_IS("1.5s", 1500);
	DUR_IS("1m", 60000);
	DUR_IS("1h", 3600000);
	DUR_IS("0.25", 250);
	DUR_IS("3", 3000);
	DUR_IS("0", 0);
	DUR_IS("0ms", 0);
	DUR_IS("007s", 7000);
	DUR_IS(".5s", 500);
	DUR_IS("0.1", 100);
	DUR_IS("1.0005s", 1001);
	DUR_IS("1.0004s", 1000);
	DUR_IS("1.5ms", 2);
	DUR_IS("0.0004", 0);
	DUR_IS("2.5m", 150000);
	DUR_IS("0.001h", 3600);
	DUR_IS("1.0000000000009s", 1000);
	DUR_IS("720h", 2592000000ULL);
	DUR_IS("43200m", 2592000000ULL);
	DUR_IS("2592000", 2592000000ULL);
	DUR_IS("2592000000ms", 2592000000ULL);

	{
		uint64_t ms = 777;

		ok(codec_parse_duration(NULL, &ms) == -1 && ms == 777,
		    "duration NULL rejected");
	}
	DUR_BAD("");
	DUR_BAD("-1");
	DUR_BAD("+1");
	DUR_BAD("1x");
	DUR_BAD("s");
	DUR_BAD("ms");
	DUR_BAD("1.5.2s");
	DUR_BAD("nan");
	DUR_BAD("inf");
	DUR_BAD("1e3");
	DUR_BAD("0x10");
	DUR_BAD(" 1s");
	DUR_BAD("1s ");
	DUR_BAD("1 s");
	DUR_BAD("1.");
	DUR_BAD("1.s");
	DUR_BAD(".");
	DUR_BAD("1S");
	DUR_BAD("1us");
	DUR_BAD("1d");
	DUR_BAD("1sms");
	DUR_BAD("1,5s");
	DUR_BAD("720.0001h");
	DUR_BAD("721h");
	DUR_BAD("2592001");
	DUR_BAD("2592000001ms");
	DUR_BAD("99999999999999999999999999s");
	DUR_BAD("18446744073709551617ms");
}

#define UINT_IS(s, lo, hi, want) do {					\
	uint64_t v_ = 777;						\
	ok(codec_parse_uint(s, lo, hi, &v_) == 0 && v_ == (want),	\
	    "uint \"%s\" in [%llu, %llu]", s, (unsigned long long)(lo),	\
	    (unsigned long long)(hi));					\
} while (0)
#define UINT_BAD(s, lo, hi) do {					\
	uint64_t v_ = 777;						\
	ok(codec_parse_uint(s, lo, hi, &v_) == -1 && v_ == 777,		\
	    "uint \"%s\" rejected for [%llu, %llu]", s,			\
	    (unsigned long long)(lo), (unsigned long long)(hi));	\
} while (0)

static void
test_uint(void)
{
	UINT_IS("0", 0, 10, 0);
	UINT_IS("65535", 1, 65535, 65535);
	UINT_IS("1", 1, 65535, 1);
	UINT_IS("007", 0, 10, 7);
	UINT_IS("18446744073709551615", 0, UINT64_MAX, UINT64_MAX);
	UINT_BAD("65536", 1, 65535);
	UINT_BAD("0", 1, 65535);
	UINT_BAD("", 0, 10);
	{
		uint64_t v = 777;

		ok(codec_parse_uint(NULL, 0, 10, &v) == -1 && v == 777,
		    "uint NULL rejected");
	}
	UINT_BAD("-1", 0, 10);
	UINT_BAD("+1", 0, 10);
	UINT_BAD(" 1", 0, 10);
	UINT_BAD("1 ", 0, 10);
	UINT_BAD("1a", 0, 10);
	UINT_BAD("0x1", 0, 10);
	UINT_BAD("18446744073709551616", 0, UINT64_MAX);
	UINT_BAD("99999999999999999999999", 0, UINT64_MAX);
}

#define FMT_IS(fn, v, want) do {					\
	buf_reset(&b);							\
	fn((uint64_t)(v), &b);						\
	is_str(buf_cstr(&b), want, #fn "(%s)", #v);			\
} while (0)

static void
test_fmt(void)
{
	FMT_IS(codec_fmt_duration, 0, "0ms");
	FMT_IS(codec_fmt_duration, 250, "250ms");
	FMT_IS(codec_fmt_duration, 999, "999ms");
	FMT_IS(codec_fmt_duration, 1000, "1s");
	FMT_IS(codec_fmt_duration, 1500, "1.5s");
	FMT_IS(codec_fmt_duration, 1250, "1.25s");
	FMT_IS(codec_fmt_duration, 1001, "1.001s");
	FMT_IS(codec_fmt_duration, 59999, "59.999s");
	FMT_IS(codec_fmt_duration, 60000, "1m");
	FMT_IS(codec_fmt_duration, 123000, "2m3s");
	FMT_IS(codec_fmt_duration, 123456, "2m3s");
	FMT_IS(codec_fmt_duration, 3600000, "1h");
	FMT_IS(codec_fmt_duration, 3605000, "1h0m5s");
	FMT_IS(codec_fmt_duration, 5400000, "1h30m");
	FMT_IS(codec_fmt_duration, 90061000, "25h1m1s");

	FMT_IS(codec_fmt_bytes, 0, "0 B");
	FMT_IS(codec_fmt_bytes, 512, "512 B");
	FMT_IS(codec_fmt_bytes, 1023, "1023 B");
	FMT_IS(codec_fmt_bytes, 1024, "1.0 KiB");
	FMT_IS(codec_fmt_bytes, 1075, "1.0 KiB");
	FMT_IS(codec_fmt_bytes, 1126, "1.1 KiB");
	FMT_IS(codec_fmt_bytes, 1536, "1.5 KiB");
	FMT_IS(codec_fmt_bytes, 1048473, "1023.9 KiB");
	FMT_IS(codec_fmt_bytes, 1048524, "1023.9 KiB");
	FMT_IS(codec_fmt_bytes, 1048525, "1.0 MiB");
	FMT_IS(codec_fmt_bytes, 1048575, "1.0 MiB");
	FMT_IS(codec_fmt_bytes, 64ULL << 20, "64.0 MiB");
	FMT_IS(codec_fmt_bytes, 1ULL << 30, "1.0 GiB");
	FMT_IS(codec_fmt_bytes, 3ULL << 39, "1.5 TiB");
	FMT_IS(codec_fmt_bytes, 1ULL << 60, "1.0 EiB");
	FMT_IS(codec_fmt_bytes, UINT64_MAX, "16.0 EiB");
}

static void
test_size(void)
{
	uint64_t v = 777;

	ok(codec_parse_size("65536", 1, 1u << 30, &v) == 0 && v == 65536,
	    "size: plain bytes");
	ok(codec_parse_size("1k", 1, 1u << 30, &v) == 0 && v == 1024,
	    "size: 1k = 1024");
	ok(codec_parse_size("64K", 1, 1u << 30, &v) == 0 && v == 65536,
	    "size: 64K");
	ok(codec_parse_size("2m", 1, 1u << 30, &v) == 0 && v == 2u << 20,
	    "size: 2m");
	ok(codec_parse_size("1G", 1, 1u << 30, &v) == 0 && v == 1u << 30,
	    "size: 1G at the bound");
	v = 777;
	ok(codec_parse_size("2G", 1, 1u << 30, &v) == -1 && v == 777,
	    "size: over the bound, untouched");
	ok(codec_parse_size("k", 1, 1u << 30, &v) == -1, "size: no digits");
	ok(codec_parse_size("-5k", 1, 1u << 30, &v) == -1, "size: a sign");
	ok(codec_parse_size("1kb", 1, 1u << 30, &v) == -1, "size: 1kb");
	ok(codec_parse_size("0k", 1, 1u << 30, &v) == -1, "size: under min");
	ok(codec_parse_size("99999999999999999999k", 0, UINT64_MAX, &v) == -1,
	    "size: too many digits");
	ok(codec_parse_size("17179869184G", 0, UINT64_MAX, &v) == -1,
	    "size: overflow once scaled");
	ok(codec_parse_size(NULL, 0, 10, &v) == -1, "size: NULL");
}

static void
test_cols(void)
{
	const char *s = "a\xe4\xbd\xa0" "b\xc3\xa9";	/* a, CJK wide, b, e-acute */

	is_int(codec_cols(s, strlen(s)), 5, "codec_cols: 1 + 2 + 1 + 1");
	is_int(codec_cols("e\xcc\x81", 3), 1, "a combining accent takes none");
	is_int(codec_cols_head(s, strlen(s), 2), 1,
	    "codec_cols_head never splits a wide character");
	is_int(codec_cols_head(s, strlen(s), 3), 4, "and stops after it");
	is_int(codec_cols_tail(s, strlen(s), 1), 5,
	    "codec_cols_tail keeps a whole 2-byte character");
	is_int(codec_cols_tail(s, strlen(s), 3), 4, "and stops before a wide one");
	is_int(codec_cols_tail("abc", 3, 5), 0, "all of it when it fits");
	is_int(codec_cols("\xff\x80", 2), 2, "a stray byte is a column");
}

int
main(void)
{
	test_cols();
	buf_init(&b);
	test_escape();
	test_roundtrip();
	test_unescape();
	test_parse_hex();
	test_hex();
	test_hexdump();
	test_hexdump_random();
	test_json();
	test_utf8_len();
	test_utf8_tail();
	test_duration();
	test_uint();
	test_size();
	test_fmt();
	buf_free(&b);
	return done_testing();
}
