/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_buf.c — unit tests for the byte buffer and the expect window ring. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "buf.h"

static void
test_buf(void)
{
	struct buf b = BUF_INIT;
	size_t cap;
	int i;

	ok(buf_len(&b) == 0 && buf_peek(&b) != NULL, "empty buffer peeks");
	buf_puts(&b, "hello ");
	buf_printf(&b, "%s %d", "world", 42);
	is_str(buf_cstr(&b), "hello world 42", "puts + printf");
	buf_consume(&b, 6);
	is_str(buf_cstr(&b), "world 42", "consume from the front");
	buf_keep_tail(&b, 2);
	is_str(buf_cstr(&b), "42", "keep the tail");
	/* A queue drained as fast as it fills does not grow. */
	buf_reset(&b);
	cap = b.cap;
	for (i = 0; i < 10000; i++) {
		buf_append(&b, "0123456789", 10);
		buf_consume(&b, 10);
	}
	ok(b.cap == cap, "drained queue does not grow (cap %zu)", b.cap);
	buf_printf(&b, "%0*d", 5000, 7);
	ok(buf_len(&b) == 5000 && buf_peek(&b)[4999] == '7',
	    "printf longer than the first reservation");
	buf_free(&b);
}

static void
test_ring(void)
{
	struct ring r;
	struct buf out = BUF_INIT;
	unsigned char big[1000];
	size_t i;

	memset(&r, 0, sizeof r);
	ring_append(&r, "", 0, 16);
	ok(r.len == 0 && r.alloc == 0, "empty append allocates nothing");
	ring_append(&r, "abcdef", 6, 16);
	ring_copy(&r, &out);
	is_mem(buf_peek(&out), buf_len(&out), "abcdef", 6, "first bytes kept");
	ring_append(&r, "ghijklmnop", 10, 16);
	ring_append(&r, "qrst", 4, 16);
	ring_copy(&r, &out);
	is_mem(buf_peek(&out), buf_len(&out), "efghijklmnopqrst", 16,
	    "full window keeps the last 16 bytes, in order");
	ring_consume(&r, 5);
	ring_copy(&r, &out);
	is_mem(buf_peek(&out), buf_len(&out), "jklmnopqrst", 11,
	    "consume drops the oldest bytes");
	ring_append(&r, "UVWXYZ", 6, 16);
	ring_copy(&r, &out);
	is_mem(buf_peek(&out), buf_len(&out), "klmnopqrstUVWXYZ", 16,
	    "appending across the wrap point");
	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)i;
	ring_append(&r, big, sizeof big, 16);
	ring_copy(&r, &out);
	is_mem(buf_peek(&out), buf_len(&out), big + sizeof big - 16, 16,
	    "a chunk larger than the window leaves its tail");
	ok(r.alloc <= 16, "never more than the window is allocated");
	ok(r.end == 6 + 10 + 4 + 6 + sizeof big,
	    "end counts every byte ever appended (%llu)",
	    (unsigned long long)r.end);
	ok(r.end - r.len == 6 + 10 + 4 + 6 + sizeof big - 16,
	    "end - len is the stream offset of the oldest byte held");
	ring_consume(&r, 100);
	ok(r.len == 0, "consuming more than held empties it");
	ring_free(&r);
	memset(&r, 0, sizeof r);
	ring_append(&r, "x", 1, 1u << 20);
	ok(r.alloc < 1024, "a small window on a big limit stays small (%zu)",
	    r.alloc);
	ring_free(&r);
	buf_free(&out);
}

int
main(void)
{
	test_buf();
	test_ring();
	return done_testing();
}
