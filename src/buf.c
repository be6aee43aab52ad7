/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf.c — growable byte buffer (see buf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fputs("socktool: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL) {
		fputs("socktool: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);

	if (p == NULL) {
		fputs("socktool: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->head = 0;
	b->len = 0;
}

/* Make room for n more bytes after the live data.  Consumed space at the front
 * is reclaimed first, so a queue that is drained as fast as it fills never
 * grows. */
void
buf_reserve(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;	/* +1 keeps buf_cstr() free */
	size_t cap;

	if (b->head + need <= b->cap)
		return;
	if (b->head > 0) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
		if (need <= b->cap)
			return;
	}
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	memcpy(b->data + b->head + b->len, p, n);
	b->len += n;
}

void
buf_putc(struct buf *b, int c)
{
	buf_reserve(b, 1);
	b->data[b->head + b->len++] = (unsigned char)c;
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	buf_reserve(b, 128);
	n = vsnprintf((char *)b->data + b->head + b->len,
	    b->cap - b->head - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->head - b->len) {
		buf_reserve(b, (size_t)n + 1);
		vsnprintf((char *)b->data + b->head + b->len,
		    b->cap - b->head - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->head = 0;
		b->len = 0;
		return;
	}
	b->head += n;
	b->len -= n;
}

void
buf_keep_tail(struct buf *b, size_t n)
{
	if (b->len > n)
		buf_consume(b, b->len - n);
}

char *
buf_cstr(struct buf *b)
{
	buf_reserve(b, 1);
	b->data[b->head + b->len] = '\0';
	return (char *)b->data + b->head;
}

static void
ring_grow(struct ring *r, size_t want)
{
	unsigned char *d;
	size_t head;

	d = xmalloc(want);
	/* Unwrap into the new block, oldest first. */
	head = r->alloc - r->start < r->len ? r->alloc - r->start : r->len;
	if (r->len > 0) {
		memcpy(d, r->data + r->start, head);
		memcpy(d + head, r->data, r->len - head);
	}
	free(r->data);
	r->data = d;
	r->alloc = want;
	r->start = 0;
}

void
ring_append(struct ring *r, const void *p, size_t n, size_t max)
{
	const unsigned char *s = p;
	size_t end, first;

	if (n == 0 || max == 0)
		return;
	r->end += n;
	if (n >= max) {
		/* Only the tail of a large chunk can stay. */
		s += n - max;
		n = max;
		r->len = 0;
		r->start = 0;
	}
	if (r->len + n > r->alloc && r->alloc < max) {
		/* Small first: most sessions hear a few lines. */
		size_t want = r->alloc ? r->alloc : 64;

		while (want < r->len + n && want < max)
			want *= 2;
		ring_grow(r, want < max ? want : max);
	}
	if (r->len + n > r->alloc) {
		/* Full: the oldest bytes make room. */
		size_t drop = r->len + n - r->alloc;

		r->start = (r->start + drop) % r->alloc;
		r->len -= drop;
	}
	end = (r->start + r->len) % r->alloc;
	first = r->alloc - end < n ? r->alloc - end : n;
	memcpy(r->data + end, s, first);
	memcpy(r->data, s + first, n - first);
	r->len += n;
}

void
ring_copy(const struct ring *r, struct buf *out)
{
	size_t head;

	buf_reset(out);
	if (r->len == 0)
		return;
	head = r->alloc - r->start < r->len ? r->alloc - r->start : r->len;
	buf_append(out, r->data + r->start, head);
	buf_append(out, r->data, r->len - head);
}

void
ring_consume(struct ring *r, size_t n)
{
	if (n >= r->len) {
		r->start = 0;
		r->len = 0;
		return;
	}
	r->start = (r->start + n) % r->alloc;
	r->len -= n;
}

void
ring_free(struct ring *r)
{
	free(r->data);
	memset(r, 0, sizeof *r);
}
