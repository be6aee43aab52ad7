/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_rec.c — libFuzzer target for src/rec.c, the reader of recordings
 * that replay and mock parse (a script log, a jsonl log, or a pcapng or
 * pcap capture with src/pcapread.c, from any file a
 * user names): any bytes give a recording or one error naming a line,
 * never a read past them; a recording's steps hold no more bytes than the
 * file could describe; a script written back from it reads again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rec.h"

static void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past them. */
	char *p = malloc(size ? size : 1), err[256];
	struct rec_conv r, back;
	struct buf w = BUF_INIT;
	size_t i, total = 0;

	memcpy(p, data, size);
	err[0] = '\0';
	if (rec_parse(p, size, &r, err, sizeof err) == -1) {
		fuzz_check(err[0] != '\0');
		free(p);
		return 0;
	}
	for (i = 0; i < r.n; i++) {
		total += buf_len(&r.step[i].req) + buf_len(&r.step[i].ans);
		rec_send_line(1, buf_peek(&r.step[i].req),
		    buf_len(&r.step[i].req), &w);
		rec_expect_line(1, buf_peek(&r.step[i].ans),
		    buf_len(&r.step[i].ans), 0, &w);
	}
	/* Hex in a line is two characters a byte at the least. */
	fuzz_check(total <= size);
	if (r.n > 0 && buf_len(&w) > 0) {
		fuzz_check(rec_parse((char *)buf_peek(&w), buf_len(&w), &back,
		    err, sizeof err) == 0);
		rec_conv_free(&back);
	}
	buf_free(&w);
	rec_conv_free(&r);
	free(p);
	return 0;
}
