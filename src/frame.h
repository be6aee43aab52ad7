/* SPDX-License-Identifier: GPL-3.0-or-later */
/* frame.h — cutting a received byte stream into messages (SPEC §5 framing):
 * pure functions, no I/O, no globals; unit-tested and fuzzed. */
#ifndef SOCKTOOL_FRAME_H
#define SOCKTOOL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum frame_mode { FR_RAW, FR_LINE, FR_DELIM, FR_LEN, FR_FIXED, FR_IDLE };

/* idle: the longest wait, and the most character times (tenths). */
#define FRAME_IDLE_MAX_MS	60000
#define FRAME_IDLE_MAX_CHARS10	10000

/* Longest framed message: a bigger length header, or that many bytes with
 * no boundary, is reported rather than buffered. */
#define FRAME_MAX	(16u << 20)
#define FRAME_DELIM_MAX	16

/* Only specs frame_parse() accepts are framed as described; anything else
 * (a zero-length delimiter, fixed:0, ...) is treated as raw so that it can
 * never loop or buffer without bound. */
struct frame_spec {
	int		mode;		/* enum frame_mode */
	unsigned	arg;		/* len: header bytes (1, 2, 4);
					 * fixed: size; idle: ms */
	unsigned	chars10;	/* idle:Nc: N in tenths of a
					 * character time (then arg is 0) */
	int		le;		/* len: little-endian header */
	unsigned char	delim[FRAME_DELIM_MAX];
	size_t		delim_len;
};

/* "raw", "line", "delim:HEX" (1..16 bytes, as codec_parse_hex() reads them),
 * "len:1", "len:2", "len:4", "len:2le", "len:4le", "fixed:N" (1..FRAME_MAX),
 * "idle:DUR" (1ms..60s: a message ends when DUR passes with no byte),
 * "idle:Nc" (N character times, 0.1..1000, one decimal: at the session's
 * baud rate, which only the session knows).
 * 0, or -1 with err (spec untouched; err never holds raw control bytes). */
int	frame_parse(const char *s, struct frame_spec *spec, char *err,
	    size_t errlen);
/* The inverse: frame_parse(frame_format(x)) == x. */
void	frame_format(const struct frame_spec *spec, struct buf *out);

/* Length of the first complete message at p[0..n): > 0, or 0 when more bytes
 * are needed, or FRAME_BAD when a length header announces more than
 * FRAME_MAX.  Raw framing: every n > 0 is one message. */
#define FRAME_BAD	((size_t)-1)
size_t	frame_len(const struct frame_spec *spec, const unsigned char *p,
	    size_t n);

/* What a delivered piece is. */
enum frame_why {
	FRAME_MSG,		/* a whole message, header/delimiter included */
	FRAME_TAIL,		/* the incomplete rest, at frame_flush() */
	FRAME_OVERSIZE,		/* unframeable: a header announced more
				 * than FRAME_MAX; all buffered and fed */
	FRAME_NOBOUNDARY,	/* more than FRAME_MAX bytes without a
				 * line end or delimiter */
};
typedef void	(*frame_cb)(void *arg, const unsigned char *p, size_t n,
		    enum frame_why why);

/* Incremental framer: bytes are fed as they arrive; complete messages are
 * delivered straight from the input when nothing is buffered, and only an
 * incomplete tail is copied.  Every byte fed is delivered exactly once, in
 * order.  The callback must neither free the framer nor feed it.
 * The spec may change between feeds: what is buffered is then cut by the new
 * one, at the next feed (an empty one will do).  After every feed, what is
 * buffered is less than one message.  Start from FRAMER_INIT (or zeroes). */
struct framer {
	struct buf	pending;	/* start of an incomplete message */
	/* Delimiter search already done over pending, so one-byte feeds do
	 * not rescan it (quadratic); valid only for this boundary. */
	size_t		scanned;
	unsigned char	scan_delim[FRAME_DELIM_MAX];
	size_t		scan_delim_len;
};
#define FRAMER_INIT	{ BUF_INIT, 0, { 0 }, 0 }

void	frame_feed(struct framer *, const struct frame_spec *,
	    const unsigned char *p, size_t n, frame_cb cb, void *arg);
/* idle: framing: everything fed is buffered until the caller's timer says
 * the line went quiet; then this delivers it as one FRAME_MSG. */
void	frame_idle_end(struct framer *, frame_cb cb, void *arg);
/* Whether spec is idle framing (the caller keeps the timer). */
int	frame_is_idle(const struct frame_spec *spec);
/* Deliver what is buffered as FRAME_TAIL (end of stream), if anything. */
void	frame_flush(struct framer *, frame_cb cb, void *arg);
size_t	frame_pending(const struct framer *);
void	frame_free(struct framer *);

#endif
