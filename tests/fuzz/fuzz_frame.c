/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_frame.c — libFuzzer target for src/frame.c: whatever the framing, and
 * however the stream is cut, every byte fed comes out once and in order, and
 * every message is exactly one message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"

/*
 * Input: one byte choosing a framing from the table, or (>= 0xc0) a length
 * byte and a string for frame_parse(); then pieces, each a size byte and
 * that many stream bytes.  A size byte of 0xff instead switches to the
 * framing named by the next byte, as `set framing` does mid-stream.
 */
static const char *const fuzz_specs[] = {
	"raw", "line", "delim:0a", "delim:00", "delim:0d0a", "delim:616261",
	"delim:61626162", "delim:000102030405060708090a0b0c0d0e0f", "len:1",
	"len:2", "len:4", "len:2le", "len:4le", "fixed:1", "fixed:3",
	"fixed:64", "fixed:16777216",
};
#define FUZZ_NSPECS	(sizeof fuzz_specs / sizeof fuzz_specs[0])

struct fuzz_out {
	struct buf		 data;	/* everything delivered */
	const struct frame_spec	*spec;
	/* The current feed, when nothing was pending before it. */
	const unsigned char	*in;
	size_t			 in_len;
	int			 flushing;
};

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

static void
fuzz_cb(void *arg, const unsigned char *p, size_t n, enum frame_why why)
{
	struct fuzz_out *o = arg;
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)o->in;

	fuzz_check(n > 0);
	switch (why) {
	case FRAME_MSG:
		fuzz_check(!o->flushing && frame_len(o->spec, p, n) == n);
		/* Nothing was pending: no copy. */
		if (o->in != NULL)
			fuzz_check(a >= lo && a + n <= lo + o->in_len);
		break;
	case FRAME_TAIL:
		/* Less than one message, or a boundary was missed. */
		fuzz_check(o->flushing && frame_len(o->spec, p, n) == 0);
		break;
	case FRAME_OVERSIZE:
		fuzz_check(!o->flushing &&
		    frame_len(o->spec, p, n) == FRAME_BAD);
		break;
	case FRAME_NOBOUNDARY:
		fuzz_check(!o->flushing && n > FRAME_MAX &&
		    frame_len(o->spec, p, n) == 0);
		break;
	default:
		fuzz_check(0);
	}
	buf_append(&o->data, p, n);
}

/* A parsed spec formats to a string that parses back to the same spec. */
static void
fuzz_roundtrip(const struct frame_spec *f)
{
	struct frame_spec g;
	struct buf s = BUF_INIT;
	char err[256];

	frame_format(f, &s);
	fuzz_check(frame_parse(buf_cstr(&s), &g, err, sizeof err) == 0);
	fuzz_check(g.mode == f->mode && g.arg == f->arg && g.le == f->le &&
	    g.delim_len == f->delim_len &&
	    memcmp(g.delim, f->delim, f->delim_len) == 0);
	buf_free(&s);
}

static void
fuzz_spec(struct frame_spec *f, size_t i)
{
	char err[256];

	fuzz_check(frame_parse(fuzz_specs[i % FUZZ_NSPECS], f, err,
	    sizeof err) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framer fr = FRAMER_INIT;
	struct frame_spec f;
	struct fuzz_out o;
	struct buf fed = BUF_INIT;
	const unsigned char *p = data, *end = data + size;
	char err[256], *s;
	size_t k, n;

	if (size == 0)
		return 0;
	memset(&o, 0, sizeof o);
	memset(&f, 0, sizeof f);
	if (*p < 0xc0)
		fuzz_spec(&f, *p++);
	else {
		p++;
		n = p < end ? *p++ % 48 : 0;
		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		s = xstrndup((const char *)p, n);
		p += n;
		err[0] = '\0';
		if (frame_parse(s, &f, err, sizeof err) == -1) {
			fuzz_check_err(err);
			free(s);
			return 0;
		}
		free(s);
		fuzz_roundtrip(&f);
	}
	o.spec = &f;

	while (p < end) {
		k = *p++;
		if (k == 0xff && p < end) {
			/* What is buffered is re-cut by an empty feed. */
			fuzz_spec(&f, *p++);
			n = 0;
		} else {
			n = k & 0x7f;
			if (k & 0x80)
				n *= 61;
			if (n > (size_t)(end - p))
				n = (size_t)(end - p);
		}
		buf_append(&fed, p, n);
		o.in = frame_pending(&fr) == 0 ? p : NULL;
		o.in_len = n;
		frame_feed(&fr, &f, p, n, fuzz_cb, &o);
		o.in = NULL;
		p += n;
		/* What is left is less than one message, and bounded. */
		n = frame_pending(&fr);
		if (f.mode == FR_RAW)
			fuzz_check(n == 0);
		else if (n > 0)
			fuzz_check(frame_len(&f, buf_peek(&fr.pending), n) ==
			    0);
		fuzz_check(n <= FRAME_MAX + 4);
	}
	o.flushing = 1;
	frame_flush(&fr, fuzz_cb, &o);
	fuzz_check(frame_pending(&fr) == 0);
	fuzz_check(buf_len(&o.data) == buf_len(&fed) && (buf_len(&fed) == 0 ||
	    memcmp(buf_peek(&o.data), buf_peek(&fed), buf_len(&fed)) == 0));

	frame_free(&fr);
	buf_free(&fed);
	buf_free(&o.data);
	return 0;
}
