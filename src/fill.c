/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fill.c — placeholders for send --fill (see fill.h): the compiler that
 * checks a template once, and the expansion with its {len} fixed point.
 * No I/O. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fill.h"

/* Template bytes quoted in an error message: enough to recognise it. */
#define FILL_QUOTE	32
/* Widest zero padding: a 64-bit value has at most 20 digits. */
#define FILL_WIDTH_MAX	20
/* "2026-12-01T21:04:09.123Z", with room for years past 9999. */
#define FILL_ISO_MAX	48

enum fill_kind { FK_LIT, FK_SEQ, FK_TIME, FK_TIME_MS, FK_LEN, FK_ISO,
    FK_RAND };

enum fill_fmt { FF_DEC, FF_U8, FF_U16BE, FF_U16LE, FF_U32BE, FF_U32LE,
    FF_U64BE, FF_U64LE };

/* What may follow the name after a colon. */
enum fill_args { FA_FMT, FA_NONE, FA_COUNT };

static const struct {
	const char	*name;
	int		 kind;		/* enum fill_kind */
	int		 args;		/* enum fill_args */
} fill_names[] = {
	{ "seq", FK_SEQ, FA_FMT },
	{ "time", FK_TIME, FA_FMT },
	{ "time_ms", FK_TIME_MS, FA_FMT },
	{ "len", FK_LEN, FA_FMT },
	{ "iso", FK_ISO, FA_NONE },
	{ "rand", FK_RAND, FA_COUNT },
};

static const struct {
	const char	*name;
	int		 fmt;		/* enum fill_fmt */
	unsigned	 bytes;
	int		 le;
} fill_bins[] = {
	{ "u8", FF_U8, 1, 0 },
	{ "u16be", FF_U16BE, 2, 0 },
	{ "u16le", FF_U16LE, 2, 1 },
	{ "u32be", FF_U32BE, 4, 0 },
	{ "u32le", FF_U32LE, 4, 1 },
	{ "u64be", FF_U64BE, 8, 0 },
	{ "u64le", FF_U64LE, 8, 1 },
};
#define FILL_NBINS	(sizeof fill_bins / sizeof fill_bins[0])

/* One piece of the message. */
struct fill_item {
	int		 kind;		/* enum fill_kind */
	int		 fmt;		/* enum fill_fmt */
	unsigned	 arg;		/* FF_DEC: zero-pad width, 0 for
					 * none; FK_RAND: byte count */
	size_t		 off, len;	/* FK_LIT: bytes in lit */
};

struct fill {
	struct fill_item *v;
	size_t		  n, cap;
	struct buf	  lit;		/* literal bytes ("{{" as "{") */
	int		  varies;
};

static struct fill_item *
fill_push(struct fill *f, int kind)
{
	struct fill_item *it;

	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 8;
		f->v = xrealloc(f->v, f->cap * sizeof *f->v);
	}
	it = &f->v[f->n++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	return it;
}

/* Literal bytes join the literal item before them, if there is one. */
static void
fill_lit(struct fill *f, const unsigned char *p, size_t n)
{
	struct fill_item *it;

	if (n == 0)
		return;
	if (f->n > 0 && f->v[f->n - 1].kind == FK_LIT)
		it = &f->v[f->n - 1];
	else {
		it = fill_push(f, FK_LIT);
		it->off = buf_len(&f->lit);
	}
	buf_append(&f->lit, p, n);
	it->len += n;
}

/* Quote template bytes in an error: escaped (a terminal shows the message)
 * and cut short (a pasted blob should not flood it). */
static void
fill_quote(const unsigned char *p, size_t n, char *q, size_t qlen)
{
	struct buf b = BUF_INIT;

	codec_escape(p, n > FILL_QUOTE ? FILL_QUOTE : n, &b, 0);
	if (n > FILL_QUOTE)
		buf_puts(&b, "...");
	snprintf(q, qlen, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* Whether a[0..n) is the C string s. */
static int
fill_is(const unsigned char *a, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(a, s, n) == 0;
}

/* Decimal digits only, at most max of them, as a number: 0 or -1. */
static int
fill_digits(const unsigned char *a, size_t n, size_t max, unsigned *v)
{
	size_t i;

	if (n == 0 || n > max)
		return -1;
	for (*v = 0, i = 0; i < n; i++) {
		if (a[i] < '0' || a[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(a[i] - '0');
	}
	return 0;
}

/* A format after the colon: "0W" or a binary width.  0 or -1. */
static int
fill_fmt(const unsigned char *a, size_t n, struct fill_item *it)
{
	size_t i;

	for (i = 0; i < FILL_NBINS; i++)
		if (fill_is(a, n, fill_bins[i].name)) {
			it->fmt = fill_bins[i].fmt;
			return 0;
		}
	/* The leading zero says "zero-padded", as in printf; a bare {seq:4}
	 * could as well mean space padding, so it is refused rather than
	 * guessed. */
	if (n < 2 || a[0] != '0' ||
	    fill_digits(a + 1, n - 1, 2, &it->arg) == -1 ||
	    it->arg < 1 || it->arg > FILL_WIDTH_MAX)
		return -1;
	it->fmt = FF_DEC;
	return 0;
}

/* Whether a[0..n) could be meant as a placeholder name at all: if not
 * ({"id":1}), the brace was more likely meant literally. */
static int
fill_wordlike(const unsigned char *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(a[i] >= 'a' && a[i] <= 'z') &&
		    !(a[i] >= 'A' && a[i] <= 'Z') &&
		    !(a[i] >= '0' && a[i] <= '9') && a[i] != '_')
			return 0;
	return 1;
}

/* The placeholder p[0..n), braces included: 0 or -1 with err. */
static int
fill_placeholder(struct fill *f, const unsigned char *p, size_t n,
    char *err, size_t errlen)
{
	const unsigned char *name = p + 1, *arg = NULL, *colon;
	size_t nlen = n - 2, alen = 0, i;
	struct fill_item *it;
	char q[4 * FILL_QUOTE + 8];
	const char *what;
	unsigned count;

	if ((colon = memchr(name, ':', nlen)) != NULL) {
		arg = colon + 1;
		alen = nlen - (size_t)(arg - name);
		nlen = (size_t)(colon - name);
	}
	for (i = 0; i < sizeof fill_names / sizeof fill_names[0]; i++)
		if (fill_is(name, nlen, fill_names[i].name))
			break;
	if (i == sizeof fill_names / sizeof fill_names[0]) {
		if (err != NULL) {
			fill_quote(p, n, q, sizeof q);
			snprintf(err, errlen, "unknown placeholder %s%s", q,
			    fill_wordlike(name, nlen) ? "" :
			    " (a literal { is written {{)");
		}
		return -1;
	}
	it = fill_push(f, fill_names[i].kind);
	switch (fill_names[i].args) {
	case FA_FMT:
		if (arg == NULL || fill_fmt(arg, alen, it) == 0)
			return 0;
		what = "bad width in ";
		break;
	case FA_COUNT:
		if (arg != NULL && fill_digits(arg, alen, 4, &count) == 0 &&
		    count >= 1 && count <= FILL_RAND_MAX) {
			it->arg = count;
			return 0;
		}
		what = "bad count in ";
		break;
	default:
		if (arg == NULL)
			return 0;
		what = "bad argument in ";
		break;
	}
	f->n--;
	if (err != NULL) {
		fill_quote(p, n, q, sizeof q);
		if (fill_names[i].args == FA_COUNT)
			snprintf(err, errlen, "%s%s (1 to %d bytes)", what, q,
			    FILL_RAND_MAX);
		else
			snprintf(err, errlen, "%s%s", what, q);
	}
	return -1;
}

int
fill_compile(const unsigned char *tmpl, size_t n, struct fill **out,
    char *err, size_t errlen)
{
	struct fill *f = xcalloc(1, sizeof *f);
	/* Never NULL + 0: an empty template may come as NULL. */
	const unsigned char *p = tmpl, *end = n > 0 ? tmpl + n : tmpl;
	const unsigned char *b, *close;
	char q[4 * FILL_QUOTE + 8];
	size_t i;

	while (p < end) {
		if ((b = memchr(p, '{', (size_t)(end - p))) == NULL)
			b = end;
		fill_lit(f, p, (size_t)(b - p));
		if (b == end)
			break;
		if (b + 1 < end && b[1] == '{') {
			fill_lit(f, b, 1);
			p = b + 2;
			continue;
		}
		if ((close = memchr(b, '}', (size_t)(end - b))) == NULL) {
			if (err != NULL) {
				fill_quote(b, (size_t)(end - b), q, sizeof q);
				snprintf(err, errlen, "unterminated "
				    "placeholder %s", q);
			}
			fill_free(f);
			return -1;
		}
		if (fill_placeholder(f, b, (size_t)(close - b) + 1, err,
		    errlen) == -1) {
			fill_free(f);
			return -1;
		}
		p = close + 1;
	}
	for (i = 0; i < f->n; i++)
		if (f->v[i].kind != FK_LIT && f->v[i].kind != FK_LEN)
			f->varies = 1;
	*out = f;
	return 0;
}

static int
fill_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
fill_sep(int c)
{
	return c == ',' || c == ':' || c == '-';
}

int
fill_hex_template(const char *s, size_t n, struct buf *tmpl, char *err,
    size_t errlen)
{
	struct buf dec = BUF_INIT;
	const char *b, *close;
	size_t i = 0, lo, hi, k;
	int after = 0, r = 0;
	char *m;

	/*
	 * Each run of hex is parsed within a copy of s blanked everywhere
	 * else, so that an error's position is the one the user typed
	 * (blanks are allowed wherever a group may stand).
	 */
	if (n == 0)
		return 0;
	m = xmalloc(n);
	memset(m, ' ', n);
	for (;;) {
		b = memchr(s + i, '{', n - i);
		lo = i;
		hi = b != NULL ? (size_t)(b - s) : n;
		if (after) {
			while (lo < hi && fill_blank((unsigned char)s[lo]))
				lo++;
			if (lo < hi && fill_sep((unsigned char)s[lo]))
				lo++;
		}
		if (b != NULL) {
			while (hi > lo && fill_blank((unsigned char)s[hi - 1]))
				hi--;
			if (hi > lo && fill_sep((unsigned char)s[hi - 1]))
				hi--;
		}
		memcpy(m + lo, s + lo, hi - lo);
		buf_reset(&dec);
		if (codec_parse_hex(m, hi, &dec, err, errlen) == -1) {
			r = -1;
			break;
		}
		memset(m + lo, ' ', hi - lo);
		for (k = 0; k < buf_len(&dec); k++) {
			if (buf_peek(&dec)[k] == '{')
				buf_putc(tmpl, '{');
			buf_putc(tmpl, buf_peek(&dec)[k]);
		}
		if (b == NULL)
			break;
		i = (size_t)(b - s);
		if (i + 1 < n && s[i + 1] == '{')
			k = i + 2;
		else if ((close = memchr(b, '}', n - i)) != NULL)
			k = (size_t)(close - s) + 1;
		else
			k = n;
		buf_append(tmpl, s + i, k - i);
		i = k;
		after = 1;
	}
	buf_free(&dec);
	free(m);
	return r;
}

void
fill_free(struct fill *f)
{
	if (f == NULL)
		return;
	free(f->v);
	buf_free(&f->lit);
	free(f);
}

int
fill_varies(const struct fill *f)
{
	return f->varies;
}

static size_t
fill_ndigits(uint64_t v)
{
	size_t d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

static int
fill_leap(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * RFC 3339 UTC from milliseconds since the epoch, by counting whole
 * 400-year cycles (always 146097 days, wherever they start), then years,
 * then months: gmtime() would tie the result to time_t's range and the C
 * library.
 */
static size_t
fill_iso(uint64_t ms, char *s, size_t slen)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	uint64_t days = ms / 86400000, rest = ms % 86400000, y, yd;
	unsigned m, md;
	int r;

	y = 1970 + 400 * (days / 146097);
	days %= 146097;
	for (;;) {
		yd = fill_leap(y) ? 366 : 365;
		if (days < yd)
			break;
		days -= yd;
		y++;
	}
	for (m = 0;; m++) {
		md = mdays[m] + (m == 1 && fill_leap(y));
		if (days < md)
			break;
		days -= md;
	}
	r = snprintf(s, slen, "%04" PRIu64 "-%02u-%02uT%02u:%02u:%02u.%03uZ",
	    y, m + 1, (unsigned)days + 1, (unsigned)(rest / 3600000),
	    (unsigned)(rest / 60000 % 60), (unsigned)(rest / 1000 % 60),
	    (unsigned)(rest % 1000));
	return r > 0 ? (size_t)r : 0;
}

/* The number a numeric placeholder stands for; len is the message's. */
static uint64_t
fill_value(const struct fill_item *it, const struct fill_env *env,
    uint64_t len)
{
	switch (it->kind) {
	case FK_SEQ:
		return env->seq;
	case FK_TIME:
		return env->now_ms / 1000;
	case FK_TIME_MS:
		return env->now_ms;
	}
	return len;
}

static unsigned
fill_bin_bytes(int fmt)
{
	size_t i;

	for (i = 0; i < FILL_NBINS; i++)
		if (fill_bins[i].fmt == fmt)
			return fill_bins[i].bytes;
	return 0;
}

/* Bytes the item expands to; a decimal {len} is left to the caller. */
static size_t
fill_size(const struct fill_item *it, const struct fill_env *env,
    size_t isolen)
{
	size_t d;

	switch (it->kind) {
	case FK_LIT:
		return it->len;
	case FK_ISO:
		return isolen;
	case FK_RAND:
		return it->arg;
	}
	if (it->fmt != FF_DEC)
		return fill_bin_bytes(it->fmt);
	d = fill_ndigits(fill_value(it, env, 0));
	return d > it->arg ? d : it->arg;
}

/*
 * The length of the whole message: fixed bytes, plus the decimal {len}
 * fields, each as wide as the digits of the total (or its padding).  The
 * total only grows from one guess to the next and its digit count is
 * bounded, so this reaches the least fixed point in a few rounds.
 */
static uint64_t
fill_total(const struct fill *f, uint64_t fixed)
{
	uint64_t len = fixed, next, d;
	size_t i, round;

	for (round = 0; round < 64; round++) {
		next = fixed;
		d = fill_ndigits(len);
		for (i = 0; i < f->n; i++)
			if (f->v[i].kind == FK_LEN && f->v[i].fmt == FF_DEC)
				next += d > f->v[i].arg ? d : f->v[i].arg;
		if (next == len)
			break;
		len = next;
	}
	return len;
}

static void
fill_put_bin(int fmt, uint64_t v, struct buf *out)
{
	unsigned char o[8];
	unsigned n = fill_bin_bytes(fmt), i;
	int le = 0;
	size_t k;

	for (k = 0; k < FILL_NBINS; k++)
		if (fill_bins[k].fmt == fmt)
			le = fill_bins[k].le;
	for (i = 0; i < n; i++)
		o[le ? i : n - 1 - i] = (unsigned char)(v >> (8 * i));
	buf_append(out, o, n);
}

size_t
fill_expand(const struct fill *f, const struct fill_env *env,
    size_t trailer, struct buf *out)
{
	char iso[FILL_ISO_MAX];
	size_t isolen = 0, i, start = buf_len(out);
	uint64_t fixed = trailer, total;
	const struct fill_item *it;
	unsigned char *r;

	for (i = 0; i < f->n; i++)
		if (f->v[i].kind == FK_ISO) {
			isolen = fill_iso(env->now_ms, iso, sizeof iso);
			break;
		}
	for (i = 0; i < f->n; i++) {
		it = &f->v[i];
		if (it->kind != FK_LEN || it->fmt != FF_DEC)
			fixed += fill_size(it, env, isolen);
	}
	total = fill_total(f, fixed);
	buf_reserve(out, (size_t)(total - trailer));

	for (i = 0; i < f->n; i++) {
		it = &f->v[i];
		switch (it->kind) {
		case FK_LIT:
			buf_append(out, buf_peek(&f->lit) + it->off, it->len);
			break;
		case FK_ISO:
			buf_append(out, iso, isolen);
			break;
		case FK_RAND:
			/* Grown in place so the callback writes straight
			 * into the message. */
			buf_reserve(out, it->arg);
			r = buf_peek(out) + buf_len(out);
			if (env->rand != NULL)
				env->rand(env->rand_arg, r, it->arg);
			else
				memset(r, 0, it->arg);
			out->len += it->arg;
			break;
		default:
			if (it->fmt == FF_DEC)
				buf_printf(out, "%0*" PRIu64, (int)it->arg,
				    fill_value(it, env, total));
			else
				fill_put_bin(it->fmt, fill_value(it, env,
				    total), out);
			break;
		}
	}
	return buf_len(out) - start;
}
