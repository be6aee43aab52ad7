/* SPDX-License-Identifier: GPL-3.0-or-later */
/* frame.c — cutting a received byte stream into messages (see frame.h and
 * SPEC §5 framing): parsing the spec, finding boundaries, the incremental
 * framer.  No I/O. */
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "frame.h"

/*
 * After a message has been delivered from the pending buffer, a small buffer
 * is kept for the next straddling message (no malloc per message on slow
 * links); a large one, grown by one big message, is given back rather than
 * held for the life of an idle session.
 */
#define FRAME_KEEP	65536

/* Input quoted in an error message: enough to recognise it. */
#define FRAME_QUOTE	32

/* Whether spec is one that frame_parse() can produce. */
static int
frame_valid(const struct frame_spec *spec)
{
	switch (spec->mode) {
	case FR_RAW:
	case FR_LINE:
		return 1;
	case FR_DELIM:
		return spec->delim_len >= 1 &&
		    spec->delim_len <= FRAME_DELIM_MAX;
	case FR_LEN:
		return spec->arg == 1 || spec->arg == 2 || spec->arg == 4;
	case FR_FIXED:
		return spec->arg >= 1 && spec->arg <= FRAME_MAX;
	case FR_IDLE:
		return spec->chars10 > 0 ? spec->arg == 0 &&
		    spec->chars10 <= FRAME_IDLE_MAX_CHARS10 : spec->arg >= 1 &&
		    spec->arg <= FRAME_IDLE_MAX_MS;
	}
	return 0;
}


/* An invalid spec frames as raw: a zero-length delimiter or fixed:0 would
 * otherwise loop or buffer for ever. */
static int
frame_mode(const struct frame_spec *spec)
{
	return frame_valid(spec) ? spec->mode : FR_RAW;
}

int
frame_is_idle(const struct frame_spec *spec)
{
	return frame_mode(spec) == FR_IDLE;
}

static int
frame_searches(int mode)
{
	return mode == FR_LINE || mode == FR_DELIM;
}

/* The boundary a line or delim spec looks for: line is delim:0a. */
static const unsigned char *
frame_boundary(const struct frame_spec *spec, size_t *len)
{
	if (spec->mode == FR_LINE) {
		*len = 1;
		return (const unsigned char *)"\n";
	}
	*len = spec->delim_len;
	return spec->delim;
}

/* Offset just past the first boundary in p[0..n), or 0 if there is none. */
static size_t
frame_find(const unsigned char *p, size_t n, const unsigned char *d,
    size_t dn)
{
	const unsigned char *q;

	if (n < dn)
		return 0;
	/* memchr is much faster than memmem for the common line framing. */
	q = dn == 1 ? memchr(p, d[0], n) : memmem(p, n, d, dn);
	return q != NULL ? (size_t)(q - p) + dn : 0;
}

/* The value of a complete length header at p. */
static uint64_t
frame_header(const struct frame_spec *spec, const unsigned char *p)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < spec->arg; i++)
		v = spec->le ? v | (uint64_t)p[i] << (8 * i) : v << 8 | p[i];
	return v;
}

size_t
frame_len(const struct frame_spec *spec, const unsigned char *p, size_t n)
{
	const unsigned char *d;
	size_t dn;
	uint64_t v;

	switch (frame_mode(spec)) {
	case FR_LINE:
	case FR_DELIM:
		d = frame_boundary(spec, &dn);
		return frame_find(p, n, d, dn);
	case FR_FIXED:
		return n >= spec->arg ? spec->arg : 0;
	case FR_IDLE:
		return 0;	/* the end is in time, not in the bytes */
	case FR_LEN:
		if (n < spec->arg)
			return 0;
		v = frame_header(spec, p);
		if (v > FRAME_MAX)
			return FRAME_BAD;
		return n >= spec->arg + v ? (size_t)(spec->arg + v) : 0;
	}
	return n;
}

/* Forget what is buffered. */
static void
frame_drop(struct framer *fr)
{
	if (fr->pending.cap > FRAME_KEEP)
		buf_free(&fr->pending);
	else
		buf_reset(&fr->pending);
	fr->scanned = 0;
}

/* Deliver everything buffered as one piece. */
static void
frame_deliver(struct framer *fr, frame_cb cb, void *arg, enum frame_why why)
{
	cb(arg, buf_peek(&fr->pending), buf_len(&fr->pending), why);
	frame_drop(fr);
}

/* The first `scanned` pending bytes hold no boundary d (one may still start
 * in their last dn - 1 bytes and end in bytes yet to come). */
static void
frame_set_scanned(struct framer *fr, const unsigned char *d, size_t dn,
    size_t scanned)
{
	if (fr->scan_delim_len != dn || memcmp(fr->scan_delim, d, dn) != 0) {
		memcpy(fr->scan_delim, d, dn);
		fr->scan_delim_len = dn;
	}
	fr->scanned = scanned;
}

/*
 * Length of a complete message at the start of the pending buffer, 0 or
 * FRAME_BAD, as frame_len() would say.  Normally the buffer holds less than
 * a message and this is 0; it can hold more after the spec changed.  For a
 * boundary, only bytes not searched before are searched, so one-byte feeds
 * stay linear.
 */
static size_t
frame_buffered(struct framer *fr, const struct frame_spec *spec)
{
	const unsigned char *d, *p = buf_peek(&fr->pending);
	size_t dn, from, m, n = buf_len(&fr->pending);

	if (!frame_searches(frame_mode(spec)))
		return frame_len(spec, p, n);
	d = frame_boundary(spec, &dn);
	/* A search for another boundary says nothing about this one. */
	if (fr->scan_delim_len != dn || memcmp(fr->scan_delim, d, dn) != 0 ||
	    fr->scanned > n)
		fr->scanned = 0;
	from = fr->scanned > dn - 1 ? fr->scanned - (dn - 1) : 0;
	m = frame_find(p + from, n - from, d, dn);
	if (m != 0)
		return from + m;
	frame_set_scanned(fr, d, dn, n);
	return 0;
}

/*
 * The pending buffer holds the start of a message, not all of it: how many
 * bytes of p[0..n) to add next — the rest of the message, or for a length
 * header first the rest of the header — or 0 if all of p is not enough.
 * frame_buffered() has just been called, so the whole pending buffer is
 * known to hold no boundary.
 */
static size_t
frame_need(const struct framer *fr, const struct frame_spec *spec,
    const unsigned char *p, size_t n)
{
	const unsigned char *pend = buf_peek(&fr->pending), *d;
	size_t have = buf_len(&fr->pending), dn, k, m;

	switch (frame_mode(spec)) {
	case FR_FIXED:
		m = spec->arg - have;
		break;
	case FR_LEN:
		if (have < spec->arg)
			m = spec->arg - have;
		else	/* frame_buffered() said the header is not too big */
			m = (size_t)(spec->arg + frame_header(spec, pend)) -
			    have;
		break;
	case FR_LINE:
	case FR_DELIM:
		d = frame_boundary(spec, &dn);
		/*
		 * A boundary that starts in the buffer and ends in p comes
		 * before any boundary wholly in p; the earliest start (most
		 * bytes in the buffer) first.
		 */
		for (k = dn - 1; k > 0; k--)
			if (k <= have && dn - k <= n &&
			    memcmp(pend + have - k, d, k) == 0 &&
			    memcmp(p, d + k, dn - k) == 0)
				return dn - k;
		return frame_find(p, n, d, dn);
	default:
		return n;
	}
	return m <= n ? m : 0;
}

void
frame_feed(struct framer *fr, const struct frame_spec *spec,
    const unsigned char *p, size_t n, frame_cb cb, void *arg)
{
	const unsigned char *d;
	size_t m, dn;
	int mode = frame_mode(spec);

	/* An empty feed is not skipped: after a change of spec it cuts what
	 * is buffered by the new one. */
	if (mode == FR_RAW) {
		if (buf_len(&fr->pending) == 0) {
			if (n > 0)
				cb(arg, p, n, FRAME_MSG);
			return;
		}
		/* Left by an earlier framing: it arrived with no boundary,
		 * so it goes out with this read, as raw framing would have
		 * shown it. */
		buf_append(&fr->pending, p, n);
		frame_deliver(fr, cb, arg, FRAME_MSG);
		return;
	}

	if (mode == FR_IDLE) {
		buf_append(&fr->pending, p, n);
		if (buf_len(&fr->pending) > FRAME_MAX)
			frame_deliver(fr, cb, arg, FRAME_NOBOUNDARY);
		return;
	}

	/* Complete the buffered message with as few input bytes as it needs. */
	while (buf_len(&fr->pending) > 0) {
		m = frame_buffered(fr, spec);
		if (m == FRAME_BAD) {
			buf_append(&fr->pending, p, n);
			frame_deliver(fr, cb, arg, FRAME_OVERSIZE);
			return;
		}
		if (m > 0) {
			if (m == buf_len(&fr->pending)) {
				frame_deliver(fr, cb, arg, FRAME_MSG);
				continue;
			}
			/* Only after a change of spec. */
			cb(arg, buf_peek(&fr->pending), m, FRAME_MSG);
			buf_consume(&fr->pending, m);
			fr->scanned = 0;
			continue;
		}
		if (n == 0)
			return;
		m = frame_need(fr, spec, p, n);
		if (m == 0) {
			buf_append(&fr->pending, p, n);
			if (!frame_searches(mode))
				return;
			/* frame_need() searched p and the seam before it. */
			d = frame_boundary(spec, &dn);
			frame_set_scanned(fr, d, dn, buf_len(&fr->pending));
			if (buf_len(&fr->pending) > FRAME_MAX)
				frame_deliver(fr, cb, arg, FRAME_NOBOUNDARY);
			return;
		}
		buf_append(&fr->pending, p, m);
		p += m;
		n -= m;
	}

	/* Nothing buffered: whole messages go out straight from the input. */
	while (n > 0) {
		m = frame_len(spec, p, n);
		if (m == FRAME_BAD) {
			cb(arg, p, n, FRAME_OVERSIZE);
			return;
		}
		if (m == 0)
			break;
		cb(arg, p, m, FRAME_MSG);
		p += m;
		n -= m;
	}
	if (n == 0)
		return;
	if (frame_searches(mode) && n > FRAME_MAX) {
		cb(arg, p, n, FRAME_NOBOUNDARY);
		return;
	}
	buf_append(&fr->pending, p, n);
	if (frame_searches(mode)) {
		/* frame_len() has just searched all of it. */
		d = frame_boundary(spec, &dn);
		frame_set_scanned(fr, d, dn, n);
	}
}

void
frame_idle_end(struct framer *fr, frame_cb cb, void *arg)
{
	if (buf_len(&fr->pending) > 0)
		frame_deliver(fr, cb, arg, FRAME_MSG);
}

void
frame_flush(struct framer *fr, frame_cb cb, void *arg)
{
	if (buf_len(&fr->pending) > 0)
		cb(arg, buf_peek(&fr->pending), buf_len(&fr->pending),
		    FRAME_TAIL);
	frame_free(fr);
}

size_t
frame_pending(const struct framer *fr)
{
	return buf_len(&fr->pending);
}

void
frame_free(struct framer *fr)
{
	buf_free(&fr->pending);
	fr->scanned = 0;
	fr->scan_delim_len = 0;
}

/* Quote user input in an error: escaped (a terminal shows the message) and
 * cut short (a pasted blob should not flood it). */
static void
frame_quote(const char *s, char *q, size_t qlen)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(s);

	codec_escape((const unsigned char *)s, n > FRAME_QUOTE ? FRAME_QUOTE :
	    n, &b, 0);
	if (n > FRAME_QUOTE)
		buf_puts(&b, "...");
	snprintf(q, qlen, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* "3.5c" (tenths into chars10) or a duration ("20ms", into arg). */
static int
frame_parse_idle(const char *s, struct frame_spec *f)
{
	size_t n = strlen(s);
	uint64_t whole, tenth = 0, ms;
	char num[16];
	const char *dot;

	f->mode = FR_IDLE;
	if (n >= 2 && n < sizeof num && s[n - 1] == 'c') {
		memcpy(num, s, n - 1);
		num[n - 1] = '\0';
		if ((dot = strchr(num, '.')) != NULL) {
			if (strlen(dot + 1) != 1 || dot[1] < '0' ||
			    dot[1] > '9')
				return -1;
			tenth = (uint64_t)(dot[1] - '0');
			num[dot - num] = '\0';
		}
		if (codec_parse_uint(num, 0, FRAME_IDLE_MAX_CHARS10 / 10,
		    &whole) == -1 || whole * 10 + tenth == 0 ||
		    whole * 10 + tenth > FRAME_IDLE_MAX_CHARS10)
			return -1;
		f->chars10 = (unsigned)(whole * 10 + tenth);
		return 0;
	}
	if (codec_parse_duration(s, &ms) == -1 || ms < 1 ||
	    ms > FRAME_IDLE_MAX_MS)
		return -1;
	f->arg = (unsigned)ms;
	return 0;
}

int
frame_parse(const char *s, struct frame_spec *spec, char *err, size_t errlen)
{
	struct frame_spec f;
	struct buf hex = BUF_INIT;
	const char *w;
	char q[4 * FRAME_QUOTE + 8];
	uint64_t v;

	memset(&f, 0, sizeof f);
	if (err == NULL)
		errlen = 0;
	if (strcmp(s, "raw") == 0)
		f.mode = FR_RAW;
	else if (strcmp(s, "line") == 0)
		f.mode = FR_LINE;
	else if (strncmp(s, "delim:", 6) == 0) {
		/* codec_parse_hex() also takes "0d 0a" and "0x0d,0x0a", as
		 * `send -x` does. */
		if (codec_parse_hex(s + 6, strlen(s + 6), &hex, NULL, 0) ==
		    -1 || buf_len(&hex) == 0 ||
		    buf_len(&hex) > FRAME_DELIM_MAX) {
			frame_quote(s + 6, q, sizeof q);
			if (errlen > 0)
				snprintf(err, errlen, "bad delimiter \"%s\" "
				    "(1..%d bytes in hex, e.g. delim:0d0a)", q,
				    FRAME_DELIM_MAX);
			buf_free(&hex);
			return -1;
		}
		f.mode = FR_DELIM;
		memcpy(f.delim, buf_peek(&hex), buf_len(&hex));
		f.delim_len = buf_len(&hex);
		buf_free(&hex);
	} else if (strncmp(s, "len:", 4) == 0) {
		w = s + 4;
		if (strcmp(w, "2le") == 0 || strcmp(w, "4le") == 0)
			f.le = 1;
		else if (strcmp(w, "1") != 0 && strcmp(w, "2") != 0 &&
		    strcmp(w, "4") != 0) {
			frame_quote(s, q, sizeof q);
			if (errlen > 0)
				snprintf(err, errlen, "bad length header "
				    "\"%s\" (len:1, len:2, len:4, len:2le, "
				    "len:4le)", q);
			return -1;
		}
		f.mode = FR_LEN;
		f.arg = (unsigned)(w[0] - '0');
	} else if (strncmp(s, "fixed:", 6) == 0) {
		if (codec_parse_uint(s + 6, 1, FRAME_MAX, &v) == -1) {
			frame_quote(s + 6, q, sizeof q);
			if (errlen > 0)
				snprintf(err, errlen, "bad fixed size \"%s\" "
				    "(1..%u)", q, FRAME_MAX);
			return -1;
		}
		f.mode = FR_FIXED;
		f.arg = (unsigned)v;
	} else if (strncmp(s, "idle:", 5) == 0) {
		if (frame_parse_idle(s + 5, &f) == -1) {
			frame_quote(s + 5, q, sizeof q);
			if (errlen > 0)
				snprintf(err, errlen, "bad idle time \"%s\" "
				    "(1ms..60s, or 0.1c..1000c character "
				    "times: idle:20ms, idle:3.5c)", q);
			return -1;
		}
	} else {
		frame_quote(s, q, sizeof q);
		if (errlen > 0)
			snprintf(err, errlen, "bad framing \"%s\" (raw, line, "
			    "delim:HEX, len:1|2|4|2le|4le, fixed:N, idle:DUR, "
			    "idle:Nc)", q);
		return -1;
	}
	*spec = f;
	return 0;
}

void
frame_format(const struct frame_spec *spec, struct buf *out)
{
	switch (frame_mode(spec)) {
	case FR_RAW:
		buf_puts(out, "raw");
		break;
	case FR_LINE:
		buf_puts(out, "line");
		break;
	case FR_DELIM:
		buf_puts(out, "delim:");
		codec_hex(spec->delim, spec->delim_len, out);
		break;
	case FR_LEN:
		/* frame_parse() has no len:1le: one byte has no order. */
		buf_printf(out, "len:%u%s", spec->arg, spec->le &&
		    spec->arg > 1 ? "le" : "");
		break;
	case FR_FIXED:
		buf_printf(out, "fixed:%u", spec->arg);
		break;
	case FR_IDLE:
		if (spec->chars10 == 0)
			buf_printf(out, "idle:%ums", spec->arg);
		else if (spec->chars10 % 10 == 0)
			buf_printf(out, "idle:%uc", spec->chars10 / 10);
		else
			buf_printf(out, "idle:%u.%uc", spec->chars10 / 10,
			    spec->chars10 % 10);
		break;
	}
}
