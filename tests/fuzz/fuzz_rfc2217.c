/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_rfc2217.c — libFuzzer target for src/rfc2217.c: what a telnet
 * server sends is parsed the same whole or split anywhere (the first byte
 * picks the split), never read past; every subnegotiation reported fits
 * TN_SB_MAX and its answer parse keeps the line valid; data escaped and
 * parsed back is the data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rfc2217.h"

static void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

struct fuzz_log {
	struct buf	ev;
};

static void
fuzz_cb(void *arg, int verb, int opt, const unsigned char *p, size_t n)
{
	struct fuzz_log *f = arg;
	struct serial_line ln = { 9600, 8, 'N', 1, SERIAL_FLOW_NONE };
	unsigned ms = 0;
	int r;

	buf_putc(&f->ev, (unsigned char)verb);
	buf_putc(&f->ev, (unsigned char)opt);
	if (verb != TN_SB)
		return;
	fuzz_check(n < TN_SB_MAX);
	buf_append(&f->ev, p, n);
	r = rfc2217_answer(p, n, &ln, &ms);
	fuzz_check(r >= -1 && r <= CPO_NOTIFY_MODEMSTATE);
	fuzz_check(ln.data >= 5 && ln.data <= 8 && ln.stop >= 1 &&
	    ln.stop <= 2 && strchr("NEOMS", ln.parity) != NULL &&
	    ln.parity != '\0' && ms <= 0xff);
}

static void
fuzz_parse(const unsigned char *p, size_t n, size_t k, struct buf *data,
    struct fuzz_log *f)
{
	struct tn_parser t = TN_PARSER_INIT;
	size_t i, step;

	for (i = 0; i < n; i += step) {
		step = k == 0 || n - i < k ? n - i : k;
		tn_parse(&t, p + i, step, data, fuzz_cb, f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past them. */
	unsigned char *p = malloc(size ? size : 1);
	struct buf d1 = BUF_INIT, d2 = BUF_INIT, esc = BUF_INIT, back = BUF_INIT;
	struct fuzz_log f1 = { BUF_INIT }, f2 = { BUF_INIT }, f3 = { BUF_INIT };
	size_t k = size > 0 ? data[0] % 17 : 0;

	memcpy(p, data, size);
	fuzz_parse(p, size, 0, &d1, &f1);
	fuzz_parse(p, size, k, &d2, &f2);
	fuzz_check(buf_len(&d1) == buf_len(&d2) && memcmp(buf_peek(&d1),
	    buf_peek(&d2), buf_len(&d1)) == 0);
	fuzz_check(buf_len(&f1.ev) == buf_len(&f2.ev) &&
	    memcmp(buf_peek(&f1.ev), buf_peek(&f2.ev), buf_len(&f1.ev)) == 0);
	fuzz_check(buf_len(&d1) <= size);
	tn_escape(p, size, &esc);
	fuzz_parse(buf_peek(&esc), buf_len(&esc), k, &back, &f3);
	fuzz_check(buf_len(&back) == size && memcmp(buf_peek(&back), p,
	    size) == 0 && buf_len(&f3.ev) == 0);
	buf_free(&d1);
	buf_free(&d2);
	buf_free(&esc);
	buf_free(&back);
	buf_free(&f1.ev);
	buf_free(&f2.ev);
	buf_free(&f3.ev);
	free(p);
	return 0;
}
