/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.h — growable byte buffer used as output queue, string builder and
 * receive window.  Allocation failure aborts: a debugger that runs out of
 * memory has nothing sensible left to do. */
#ifndef SOCKTOOL_BUF_H
#define SOCKTOOL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

struct buf {
	unsigned char	*data;
	size_t		 head;	/* bytes before head are already consumed */
	size_t		 len;	/* live bytes, starting at data + head */
	size_t		 cap;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void		 buf_init(struct buf *);
void		 buf_free(struct buf *);
void		 buf_reset(struct buf *);
void		 buf_reserve(struct buf *, size_t);
void		 buf_append(struct buf *, const void *, size_t);
void		 buf_putc(struct buf *, int);
void		 buf_puts(struct buf *, const char *);
void		 buf_printf(struct buf *, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
void		 buf_vprintf(struct buf *, const char *, va_list)
		     __attribute__((format(printf, 2, 0)));
void		 buf_consume(struct buf *, size_t);
/* Keep only the last n bytes. */
void		 buf_keep_tail(struct buf *, size_t);
/* NUL-terminates (not counted in len) and returns the live bytes. */
char		*buf_cstr(struct buf *);

static inline unsigned char *
buf_peek(const struct buf *b)
{
	/* Never NULL + 0: an empty buffer still yields a valid pointer. */
	return b->data != NULL ? b->data + b->head : (unsigned char *)"";
}

static inline size_t
buf_len(const struct buf *b)
{
	return b->len;
}

void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);


/*
 * A window on the last `max` bytes of a stream: appending never moves old
 * data (a ring), and memory grows only as far as the traffic needs.
 */
struct ring {
	unsigned char	*data;
	size_t		 alloc;	/* bytes allocated, <= max */
	size_t		 start;	/* offset of the oldest byte */
	size_t		 len;
	/* Bytes ever appended: the newest byte's stream offset + 1, so a
	 * reader can keep a position of its own (end - len is the oldest
	 * byte still here). */
	uint64_t	 end;
};

void		 ring_append(struct ring *, const void *, size_t, size_t max);
/* Copy the window, oldest byte first, into out (replacing its content). */
void		 ring_copy(const struct ring *, struct buf *out);
/* Forget the oldest n bytes. */
void		 ring_consume(struct ring *, size_t);
void		 ring_free(struct ring *);

#endif
