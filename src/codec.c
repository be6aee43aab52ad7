/* SPDX-License-Identifier: GPL-3.0-or-later */
/* codec.c — byte <-> text conversions: escapes, hex, hexdump -C, JSON, durations. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"

/*
 * The hot encoders reserve the worst case for a slice of input and then store
 * bytes directly; slicing keeps the reservation bounded (and free of size_t
 * overflow) whatever n is.
 */
#define CODEC_SLICE	16384

static const char codec_hexdigits[] = "0123456789abcdef";

static void codec_error(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
codec_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
codec_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Where appended bytes go; only valid until the next buf_reserve. */
static unsigned char *
codec_tail(struct buf *out)
{
	return out->data + out->head + out->len;
}

static void
codec_settail(struct buf *out, const unsigned char *o)
{
	out->len = (size_t)(o - (out->data + out->head));
}

/*
 * Length of the valid UTF-8 sequence at p (n >= 1), or minus the length of its
 * maximal subpart: the longest prefix that could still have started a valid
 * sequence.  Decoders following Unicode ch. 3 ("U+FFFD substitution of
 * maximal subparts", also WHATWG and Python) replace exactly that with one
 * U+FFFD, so JSON text matches what other tools show for the same bytes.
 * The per-lead-byte bounds on the second byte are what rule out overlongs,
 * surrogates and values above U+10FFFF.
 */
static int
codec_utf8_scan(const unsigned char *p, size_t n, uint32_t *cpp)
{
	unsigned char	c = p[0], lo = 0x80, hi = 0xbf;
	uint32_t	cp;
	size_t		need, i;

	if (c < 0x80) {
		*cpp = c;
		return 1;
	}
	if (c < 0xc2)
		return -1;
	if (c < 0xe0) {
		need = 1;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		need = 2;
		cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		need = 3;
		cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return -1;
	for (i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi)
			return -(int)i;
		cp = (cp << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cpp = cp;
	return (int)need + 1;
}

size_t
codec_utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t	c;
	int		len;

	if (n == 0)
		return 0;
	len = codec_utf8_scan(p, n, &c);
	if (len < 0)
		return 0;
	if (cp != NULL)
		*cp = c;
	return (size_t)len;
}

size_t
codec_utf8_tail(const unsigned char *p, size_t n)
{
	uint32_t	c;
	size_t		k;

	/* Back over continuation bytes to the lead byte; the scan says
	 * whether it is cut short by the end (minus the bytes it has). */
	for (k = 1; k <= 3 && k <= n; k++) {
		if ((p[n - k] & 0xc0) == 0x80)
			continue;
		if (p[n - k] < 0xc2 || p[n - k] > 0xf4)
			return 0;
		return codec_utf8_scan(p + n - k, k, &c) == -(int)k ? k : 0;
	}
	return 0;
}

int
codec_utf8_valid(const unsigned char *p, size_t n)
{
	uint32_t	c;
	size_t		i = 0;
	int		len;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		len = codec_utf8_scan(p + i, n - i, &c);
		if (len < 0)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

/*
 * Code points that are valid but can still act on a terminal or hide what the
 * peer really sent: C1 controls (0x9b is CSI on many terminals), bidi controls
 * that reorder what is shown, and the line/paragraph separators.
 */
static int
codec_cp_invisible(uint32_t cp)
{
	if (cp >= 0x80 && cp <= 0x9f)
		return 1;
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f)
		return 1;
	if (cp >= 0x2028 && cp <= 0x202e)	/* 2028-2029 separators, 202a-202e bidi */
		return 1;
	if (cp >= 0x2066 && cp <= 0x2069)
		return 1;
	return 0;
}

/* Noncharacters never belong in interchanged text, so seeing one is news. */
static int
codec_cp_nonchar(uint32_t cp)
{
	return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

static unsigned char *
codec_put_xhh(unsigned char *o, unsigned char c)
{
	o[0] = '\\';
	o[1] = 'x';
	o[2] = (unsigned char)codec_hexdigits[c >> 4];
	o[3] = (unsigned char)codec_hexdigits[c & 0xf];
	return o + 4;
}

int
codec_unescape(const char *s, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	const char	*bs;
	size_t		 i = 0, at;
	int		 c, hi, lo;

	while (i < n) {
		bs = memchr(s + i, '\\', n - i);
		if (bs == NULL) {
			buf_append(out, s + i, n - i);
			return 0;
		}
		at = (size_t)(bs - s);
		buf_append(out, s + i, at - i);
		if (at + 1 >= n) {
			codec_error(err, errlen,
			    "lone backslash at end of input at position %zu",
			    at + 1);
			return -1;
		}
		c = (unsigned char)s[at + 1];
		i = at + 2;
		switch (c) {
		case 'r':
			buf_putc(out, '\r');
			break;
		case 'n':
			buf_putc(out, '\n');
			break;
		case 't':
			buf_putc(out, '\t');
			break;
		case '0':
			/* No octal: "\012" is NUL, '1', '2', which is what
			 * lets codec_escape write "\0" before a digit. */
			buf_putc(out, '\0');
			break;
		case '\\':
			buf_putc(out, '\\');
			break;
		case 'e':
			buf_putc(out, 0x1b);
			break;
		case 'a':
			buf_putc(out, 0x07);
			break;
		case '"':
			buf_putc(out, '"');
			break;
		case '#':
			/* "\#": a '#' where it would start a comment. */
			buf_putc(out, '#');
			break;
		case 'x':
			hi = at + 2 < n ? codec_hexval((unsigned char)s[at + 2]) : -1;
			lo = at + 3 < n ? codec_hexval((unsigned char)s[at + 3]) : -1;
			if (hi < 0 || lo < 0) {
				codec_error(err, errlen,
				    "\"\\x\" needs two hex digits at position %zu",
				    at + 1);
				return -1;
			}
			buf_putc(out, hi << 4 | lo);
			i = at + 4;
			break;
		default:
			/* Never echo a raw control or stray UTF-8 byte back
			 * into an error line. */
			if (c > 0x20 && c < 0x7f)
				codec_error(err, errlen,
				    "bad escape \"\\%c\" at position %zu", c,
				    at + 1);
			else
				codec_error(err, errlen,
				    "bad escape: byte 0x%02x after \"\\\" at "
				    "position %zu", c, at + 1);
			return -1;
		}
	}
	return 0;
}

/*
 * Blanks only space the bytes out; a ',', ':' or '-' stands between two of
 * them, so one with nothing on a side ("48,,65", "48,", ",48") is taken for
 * a slip (a byte deleted, a paste cut short) rather than silently skipped.
 * Digits pair from the left, so in an odd run the last digit is the one
 * without a partner; but a group of one digit is a byte of its own, as
 * people write them ("1 2 3" is 01 02 03, "0xa" is 0a).  Errors name the
 * offending
 * character, 1-based.  Like codec_unescape, bytes of earlier groups stay
 * appended on error.
 */
int
codec_parse_hex(const char *s, size_t n, struct buf *out, char *err,
    size_t errlen)
{
	size_t	i = 0, group, digits, k, sep = 0;
	int	c, any = 0;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c == ' ' || c == '\t') {
			i++;
			continue;
		}
		if (c == ',' || c == ':' || c == '-') {
			if (!any || sep != 0) {
				codec_error(err, errlen, "empty element: '%c' at "
				    "position %zu %s", c, i + 1, any ?
				    "follows another separator" :
				    "has no byte before it");
				return -1;
			}
			sep = ++i;
			continue;
		}
		group = i;
		if (c == '0' && i + 1 < n && (s[i + 1] == 'x' ||
		    s[i + 1] == 'X'))
			i += 2;
		digits = i;
		for (; i < n; i++) {
			c = (unsigned char)s[i];
			if (c == ' ' || c == '\t' || c == ',' || c == ':' ||
			    c == '-')
				break;
			if (codec_hexval(c) >= 0)
				continue;
			if (c > 0x20 && c < 0x7f)
				codec_error(err, errlen,
				    "not a hex digit '%c' at position %zu", c,
				    i + 1);
			else
				codec_error(err, errlen,
				    "not a hex digit (byte 0x%02x) at position %zu",
				    c, i + 1);
			return -1;
		}
		if (i == digits) {
			codec_error(err, errlen,
			    "\"%.2s\" without hex digits at position %zu",
			    s + group, group + 1);
			return -1;
		}
		if (i - digits == 1) {
			buf_putc(out, codec_hexval((unsigned char)s[digits]));
			any = 1;
			sep = 0;
			continue;
		}
		if ((i - digits) % 2 != 0) {
			codec_error(err, errlen, "hex bytes need two digits: "
			    "'%c' at position %zu has no partner", s[i - 1], i);
			return -1;
		}
		buf_reserve(out, (i - digits) / 2);
		for (k = digits; k < i; k += 2)
			buf_putc(out,
			    codec_hexval((unsigned char)s[k]) << 4 |
			    codec_hexval((unsigned char)s[k + 1]));
		any = 1;
		sep = 0;
	}
	if (sep != 0) {
		codec_error(err, errlen, "empty element: '%c' at position %zu "
		    "has no byte after it", s[sep - 1], sep);
		return -1;
	}
	return 0;
}

/*
 * Every input byte costs at most 4 output bytes ("\xHH"; "\n" plus a real
 * newline is 3), and a UTF-8 sequence begun inside a slice may run at most 3
 * bytes past its end, hence the reservation.
 */
void
codec_escape(const unsigned char *p, size_t n, struct buf *out, int flags)
{
	const unsigned char	*end, *lim;
	unsigned char		*o;
	uint32_t		 cp;
	size_t			 slice;
	int			 len, k;
	unsigned char		 c;

	if (n == 0)
		return;		/* p may be NULL, and NULL + 0 is undefined */
	end = p + n;
	while (p < end) {
		slice = (size_t)(end - p);
		if (slice > CODEC_SLICE)
			slice = CODEC_SLICE;
		lim = p + slice;
		buf_reserve(out, slice * 4 + 16);
		o = codec_tail(out);
		while (p < lim) {
			c = *p;
			if (c >= 0x20 && c < 0x7f && c != '\\') {
				*o++ = c;
				p++;
				continue;
			}
			if (c < 0x80) {
				p++;
				switch (c) {
				case '\r': c = 'r'; break;
				case '\n': c = 'n'; break;
				case '\t': c = 't'; break;
				case '\0': c = '0'; break;
				case 0x1b: c = 'e'; break;
				case 0x07: c = 'a'; break;
				case '\\': c = '\\'; break;
				default:
					o = codec_put_xhh(o, c);
					continue;
				}
				*o++ = '\\';
				*o++ = c;
				if (c == 'n' && (flags & CODEC_BREAK_LF) && p < end)
					*o++ = '\n';
				continue;
			}
			len = codec_utf8_scan(p, (size_t)(end - p), &cp);
			if (len < 0) {
				/* One byte at a time: the next byte may
				 * start a valid sequence of its own. */
				o = codec_put_xhh(o, c);
				p++;
			} else if (codec_cp_invisible(cp) ||
			    codec_cp_nonchar(cp)) {
				for (k = 0; k < len; k++)
					o = codec_put_xhh(o, *p++);
			} else {
				for (k = 0; k < len; k++)
					*o++ = *p++;
			}
		}
		codec_settail(out, o);
	}
}

/*
 * Matches hexdump -C data lines byte for byte, including its habit of
 * widening the offset past 8 digits rather than wrapping it.  Short last
 * lines keep the '|' column where a full line would have it.
 *
 * Hex display of bulk traffic was bound by this function, so a full line
 * is written with no test per byte: each byte's entry in codec_hex4 is its
 * two digits and two blanks, stored 4 bytes at once; the next byte's store,
 * 3 bytes on, overwrites the second blank, and where nothing follows (after
 * the 8th and 16th byte) both stay, which makes the wider gaps.  The '|'
 * column takes 8 bytes at a time (codec_hd_text8).  Fixed-size memcpy
 * compiles to single moves.  Only the short last line goes byte by byte,
 * through the codec_hdtext table.
 */
#define CODEC_HEX4_ROW(h) \
	h "0  " h "1  " h "2  " h "3  " h "4  " h "5  " h "6  " h "7  " \
	h "8  " h "9  " h "a  " h "b  " h "c  " h "d  " h "e  " h "f  "
static const char codec_hex4[256 * 4 + 1] =
	CODEC_HEX4_ROW("0") CODEC_HEX4_ROW("1") CODEC_HEX4_ROW("2")
	CODEC_HEX4_ROW("3") CODEC_HEX4_ROW("4") CODEC_HEX4_ROW("5")
	CODEC_HEX4_ROW("6") CODEC_HEX4_ROW("7") CODEC_HEX4_ROW("8")
	CODEC_HEX4_ROW("9") CODEC_HEX4_ROW("a") CODEC_HEX4_ROW("b")
	CODEC_HEX4_ROW("c") CODEC_HEX4_ROW("d") CODEC_HEX4_ROW("e")
	CODEC_HEX4_ROW("f");

/* What the '|' column shows for each byte: printable ASCII, else '.'. */
#define CODEC_DOTS16	"................"
static const char codec_hdtext[256 + 1] =
	CODEC_DOTS16 CODEC_DOTS16
	" !\"#$%&'()*+,-./0123456789:;<=>?"
	"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
	"`abcdefghijklmnopqrstuvwxyz{|}~."
	CODEC_DOTS16 CODEC_DOTS16 CODEC_DOTS16 CODEC_DOTS16
	CODEC_DOTS16 CODEC_DOTS16 CODEC_DOTS16 CODEC_DOTS16;

/* Where byte i's digits start, counted from the first digit of a line. */
#define CODEC_HDPOS(i)	(3 * (i) + ((i) >= 8))
#define CODEC_HD_PAIR(o, p, i) \
	memcpy((o) + CODEC_HDPOS(i), codec_hex4 + 4 * (size_t)(p)[i], 4)

/*
 * Eight bytes of the '|' column at once, in a 64-bit word (byte order does
 * not matter: every step works within each byte).  For a byte x below 0x80,
 * x + 0x60 reaches bit 7 exactly when x >= 0x20, and x + 0x01 exactly when
 * x == 0x7f; neither sum carries into the next byte.  Bytes with bit 7 set
 * are never printable.
 */
static void
codec_hd_text8(unsigned char *o, const unsigned char *p)
{
	const uint64_t	ones = 0x0101010101010101ULL;
	uint64_t	v, lo, keep;

	memcpy(&v, p, 8);
	lo = v & (0x7f * ones);
	keep = (lo + 0x60 * ones) & ~(lo + ones) & ~v & (0x80 * ones);
	keep = (keep >> 7) * 0xff;
	v = (v & keep) | ('.' * ones & ~keep);
	memcpy(o, &v, 8);
}

/* A line is at most 16 offset digits, 2 blanks, 50 hex columns, '|', 16
 * characters, '|' and '\n'. */
#define CODEC_HD_MAX	(16 + 2 + 50 + 1 + 16 + 2)
/* Lines per reservation: enough that a typical call reserves once, few
 * enough that the reservation cannot overflow size_t. */
#define CODEC_HD_LINES	65536

/* The offset past 8 digits and the two blanks after it. */
static unsigned char *
codec_hd_wide(unsigned char *o, uint64_t off)
{
	size_t	w, i;

	for (w = 9; w < 16 && (off >> (4 * w)) != 0; w++)
		;
	for (i = w; i > 0; i--) {
		o[i - 1] = (unsigned char)codec_hexdigits[off & 0xf];
		off >>= 4;
	}
	o[w] = ' ';
	o[w + 1] = ' ';
	return o + w + 2;
}

/* The offset and the two blanks after it; returns where the digits go. */
static inline unsigned char *
codec_hd_offset(unsigned char *o, uint64_t off)
{
	if (off >> 32 != 0)
		return codec_hd_wide(o, off);
	/* The last store leaves the two blanks. */
	memcpy(o, codec_hex4 + 4 * (off >> 24 & 0xff), 4);
	memcpy(o + 2, codec_hex4 + 4 * (off >> 16 & 0xff), 4);
	memcpy(o + 4, codec_hex4 + 4 * (off >> 8 & 0xff), 4);
	memcpy(o + 6, codec_hex4 + 4 * (off & 0xff), 4);
	return o + 10;
}

void
codec_hexdump(const unsigned char *p, size_t n, uint64_t base,
    struct buf *out)
{
	unsigned char	*o;
	size_t		 lines, full, i;
	int		 last;

	while (n > 0) {
		lines = (n + 15) / 16;
		last = lines <= CODEC_HD_LINES;
		if (!last)
			lines = CODEC_HD_LINES;
		buf_reserve(out, lines * CODEC_HD_MAX);
		o = codec_tail(out);
		full = last ? n / 16 : lines;
		for (; full > 0; full--) {
			o = codec_hd_offset(o, base);
			CODEC_HD_PAIR(o, p, 0);
			CODEC_HD_PAIR(o, p, 1);
			CODEC_HD_PAIR(o, p, 2);
			CODEC_HD_PAIR(o, p, 3);
			CODEC_HD_PAIR(o, p, 4);
			CODEC_HD_PAIR(o, p, 5);
			CODEC_HD_PAIR(o, p, 6);
			CODEC_HD_PAIR(o, p, 7);
			CODEC_HD_PAIR(o, p, 8);
			CODEC_HD_PAIR(o, p, 9);
			CODEC_HD_PAIR(o, p, 10);
			CODEC_HD_PAIR(o, p, 11);
			CODEC_HD_PAIR(o, p, 12);
			CODEC_HD_PAIR(o, p, 13);
			CODEC_HD_PAIR(o, p, 14);
			CODEC_HD_PAIR(o, p, 15);
			o[50] = '|';
			codec_hd_text8(o + 51, p);
			codec_hd_text8(o + 59, p + 8);
			o[67] = '|';
			o[68] = '\n';
			o += 69;
			p += 16;
			n -= 16;
			base += 16;
		}
		if (last && n > 0) {
			/* The short last line: once per call, so plain loops. */
			o = codec_hd_offset(o, base);
			memset(o, ' ', 50);
			for (i = 0; i < n; i++)
				memcpy(o + CODEC_HDPOS(i),
				    codec_hex4 + 4 * (size_t)p[i], 4);
			o += 50;
			*o++ = '|';
			for (i = 0; i < n; i++)
				*o++ = (unsigned char)codec_hdtext[p[i]];
			*o++ = '|';
			*o++ = '\n';
			n = 0;
		}
		codec_settail(out, o);
	}
}

void
codec_hex(const unsigned char *p, size_t n, struct buf *out)
{
	unsigned char	*o;
	size_t		 slice, i;

	while (n > 0) {
		slice = n < CODEC_SLICE ? n : CODEC_SLICE;
		buf_reserve(out, slice * 2);
		o = codec_tail(out);
		/* The digit pairs of codec_hexdump's table, 2 bytes a move. */
		for (i = 0; i < slice; i++, o += 2)
			memcpy(o, codec_hex4 + 4 * (size_t)p[i], 2);
		codec_settail(out, o);
		p += slice;
		n -= slice;
	}
}

static unsigned char *
codec_put_u(unsigned char *o, uint32_t cp)
{
	o[0] = '\\';
	o[1] = 'u';
	o[2] = (unsigned char)codec_hexdigits[(cp >> 12) & 0xf];
	o[3] = (unsigned char)codec_hexdigits[(cp >> 8) & 0xf];
	o[4] = (unsigned char)codec_hexdigits[(cp >> 4) & 0xf];
	o[5] = (unsigned char)codec_hexdigits[cp & 0xf];
	return o + 6;
}

/*
 * Invalid UTF-8 is replaced per maximal subpart (see codec_utf8_scan) by the
 * raw UTF-8 bytes of U+FFFD (ef bf bd), not by the escape "\ufffd": both mean
 * the same to a JSON parser and the raw form keeps lines short and readable.
 * Worst case is 6 output bytes per input byte (a C0 control as \u00XX).
 */
void
codec_json_str(const char *s, size_t n, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)s, *end, *lim;
	unsigned char		*o;
	uint32_t		 cp;
	size_t			 slice;
	int			 len, k;
	unsigned char		 c;

	buf_putc(out, '"');
	end = n > 0 ? p + n : p;	/* s may be NULL when n is 0 */
	while (p < end) {
		slice = (size_t)(end - p);
		if (slice > CODEC_SLICE)
			slice = CODEC_SLICE;
		lim = p + slice;
		buf_reserve(out, slice * 6 + 24);
		o = codec_tail(out);
		while (p < lim) {
			c = *p;
			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
				*o++ = c;
				p++;
				continue;
			}
			if (c < 0x80) {
				p++;
				switch (c) {
				case '"': c = '"'; break;
				case '\\': c = '\\'; break;
				case '\b': c = 'b'; break;
				case '\f': c = 'f'; break;
				case '\n': c = 'n'; break;
				case '\r': c = 'r'; break;
				case '\t': c = 't'; break;
				default:
					/* Other C0 controls and DEL. */
					o = codec_put_u(o, c);
					continue;
				}
				*o++ = '\\';
				*o++ = c;
				continue;
			}
			len = codec_utf8_scan(p, (size_t)(end - p), &cp);
			if (len < 0) {
				*o++ = 0xef;
				*o++ = 0xbf;
				*o++ = 0xbd;
				p += -len;
			} else if (codec_cp_invisible(cp)) {
				o = codec_put_u(o, cp);
				p += len;
			} else {
				for (k = 0; k < len; k++)
					*o++ = *p++;
			}
		}
		codec_settail(out, o);
	}
	buf_putc(out, '"');
}

/*
 * Exact integer arithmetic rather than strtod: no locale decimal comma, no
 * "nan"/"inf"/hex floats/exponents sneaking in, and "0.1s" is exactly 100ms.
 * Fractions round to the nearest millisecond; digits past the ninth are
 * checked but ignored.
 */
int
codec_parse_duration(const char *s, uint64_t *ms)
{
	const uint64_t	max = 30ULL * 24 * 3600 * 1000;
	uint64_t	ip = 0, fp = 0, scale = 1, unit, v;
	size_t		nint = 0, nfrac = 0;

	if (s == NULL)
		return -1;
	for (; *s >= '0' && *s <= '9'; s++, nint++) {
		ip = ip * 10 + (uint64_t)(*s - '0');
		if (ip > max)
			return -1;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nfrac++) {
			if (scale < 1000000000) {
				fp = fp * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (nfrac == 0)
			return -1;
	}
	if (nint == 0 && nfrac == 0)
		return -1;
	if (*s == '\0')
		unit = 1000;
	else if (strcmp(s, "ms") == 0)
		unit = 1;
	else if (strcmp(s, "s") == 0)
		unit = 1000;
	else if (strcmp(s, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(s, "h") == 0)
		unit = 3600 * 1000;
	else
		return -1;
	/* ip <= max (< 2^32) and unit < 2^22, so neither product overflows. */
	v = ip * unit;
	if (v > max)
		return -1;
	v += (fp * unit + scale / 2) / scale;
	if (v > max)
		return -1;
	*ms = v;
	return 0;
}

int
codec_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t	x = 0, d;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (uint64_t)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	if (x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/* A byte count: digits, then k, m or g (1024, 1024^2, 1024^3; either
 * case) if wanted: "65536", "64k", "1M".  -1 when bad or outside
 * min..max. */
int
codec_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char num[24];
	size_t n = s != NULL ? strlen(s) : 0;
	unsigned shift = 0;
	uint64_t x;

	if (n > 1 && strchr("kK", s[n - 1]) != NULL)
		shift = 10;
	else if (n > 1 && strchr("mM", s[n - 1]) != NULL)
		shift = 20;
	else if (n > 1 && strchr("gG", s[n - 1]) != NULL)
		shift = 30;
	if (shift != 0)
		n--;
	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (codec_parse_uint(num, 0, UINT64_MAX >> shift, &x) == -1)
		return -1;
	x <<= shift;
	if (x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

/*
 * Under a minute the value is exact ("1.25s"); from a minute up, whole
 * seconds are enough and zero trailing parts are dropped ("2m", "1h0m5s").
 */
void
codec_fmt_duration(uint64_t ms, struct buf *out)
{
	uint64_t	h, m, s, frac;
	char		digits[4];
	int		nd;

	if (ms < 1000) {
		buf_printf(out, "%" PRIu64 "ms", ms);
		return;
	}
	if (ms < 60000) {
		s = ms / 1000;
		frac = ms % 1000;
		if (frac == 0) {
			buf_printf(out, "%" PRIu64 "s", s);
			return;
		}
		snprintf(digits, sizeof digits, "%03u", (unsigned)frac);
		for (nd = 3; digits[nd - 1] == '0'; nd--)
			;
		buf_printf(out, "%" PRIu64 ".%.*ss", s, nd, digits);
		return;
	}
	s = ms / 1000;
	h = s / 3600;
	m = s / 60 % 60;
	s %= 60;
	if (h > 0) {
		buf_printf(out, "%" PRIu64 "h", h);
		if (m > 0 || s > 0)
			buf_printf(out, "%" PRIu64 "m", m);
	} else
		buf_printf(out, "%" PRIu64 "m", m);
	if (s > 0)
		buf_printf(out, "%" PRIu64 "s", s);
}

/*
 * One decimal, rounded half up in integer arithmetic (no float: 2^64 has no
 * exact double); a value that rounds up to 1024.0 of a unit moves to the
 * next unit instead.
 */
void
codec_fmt_bytes(uint64_t n, struct buf *out)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
	};
	uint64_t	div, tenths;
	unsigned	u;

	if (n < 1024) {
		buf_printf(out, "%" PRIu64 " B", n);
		return;
	}
	u = 0;
	div = 1024;
	while (u < 5 && n / div >= 1024) {
		div <<= 10;
		u++;
	}
	/* n % div < div <= 2^60, so times 10 still fits. */
	tenths = n / div * 10 + (n % div * 10 + div / 2) / div;
	if (tenths >= 10240 && u < 5) {
		div <<= 10;
		u++;
		tenths = n / div * 10 + (n % div * 10 + div / 2) / div;
	}
	buf_printf(out, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10, tenths % 10,
	    units[u]);
}

/* The character at s (at most n bytes): its length, and its code point in
 * *cp.  A stray byte counts as a character of its own. */
static size_t
codec_cols_char(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 :
	    p[0] >= 0xc0 ? 2 : 1;
	size_t k;

	if (len > n)
		len = 1;
	*cp = len == 1 ? p[0] : p[0] & (0x7f >> len);
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80) {
			*cp = p[0];
			return 1;
		}
		*cp = *cp << 6 | (p[k] & 0x3f);
	}
	return len;
}

/* Terminal columns of one character (wcwidth for the ranges that matter
 * here: CJK text in an encoding's output, combining accents). */
static size_t
codec_cp_cols(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200d))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
	    (cp >= 0x3041 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t
codec_cols(const char *s, size_t n)
{
	size_t i = 0, cols = 0;
	uint32_t cp;

	while (i < n) {
		i += codec_cols_char(s + i, n - i, &cp);
		cols += codec_cp_cols(cp);
	}
	return cols;
}

size_t
codec_cols_head(const char *s, size_t n, size_t cols)
{
	size_t i = 0, used = 0, len, w;
	uint32_t cp;

	while (i < n) {
		len = codec_cols_char(s + i, n - i, &cp);
		w = codec_cp_cols(cp);
		if (used + w > cols)
			break;
		used += w;
		i += len;
	}
	return i;
}

size_t
codec_cols_tail(const char *s, size_t n, size_t cols)
{
	size_t i = n, used = 0, start, w;
	uint32_t cp;

	while (i > 0) {
		start = i - 1;
		while (start > 0 && i - start < 4 &&
		    ((unsigned char)s[start] & 0xc0) == 0x80)
			start--;
		if (codec_cols_char(s + start, i - start, &cp) != i - start) {
			start = i - 1;	/* a stray continuation byte */
			codec_cols_char(s + start, 1, &cp);
		}
		w = codec_cp_cols(cp);
		if (used + w > cols)
			break;
		used += w;
		i = start;
	}
	return i;
}
