/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rec.c — TAP unit tests for src/rec.c: script lines written and
 * read back (round trip of any bytes), jsonl steps and gaps, and the errors
 * for lines a recording cannot hold. */
#include <string.h>

#include "buf.h"
#include "rec.h"
#include "tap.h"

int
main(void)
{
	struct rec_conv r;
	struct buf s = BUF_INIT;
	unsigned char all[256];
	char err[200];
	const char *js;
	size_t i;

	for (i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)i;
	buf_puts(&s, "tcp-client 127.0.0.1 7000\nset 1 framing line\n");
	buf_puts(&s, "# a comment\n\n");
	rec_expect_line(1, (const unsigned char *)"220 hi\r\n", 8, 0, &s);
	rec_send_line(1, (const unsigned char *)"say \"x\" # y\\", 12, &s);
	rec_expect_line(1, (const unsigned char *)"ok", 2, 9000, &s);
	rec_sleep_line(250, &s);
	rec_send_line(1, all, sizeof all, &s);
	rec_expect_line(1, all, sizeof all, 0, &s);
	buf_puts(&s, "close 1\n");
	ok(rec_parse((char *)buf_peek(&s), buf_len(&s), &r, err,
	    sizeof err) == 0, "a written script reads back (%s)", err);
	is_int(r.n, 3, "three steps: the banner, two sends");
	is_int(buf_len(&r.step[0].req), 0, "the banner: nothing to send");
	is_mem(buf_peek(&r.step[0].ans), buf_len(&r.step[0].ans),
	    "220 hi\r\n", 8, "the banner's bytes");
	is_mem(buf_peek(&r.step[1].req), buf_len(&r.step[1].req),
	    "say \"x\" # y\\", 12, "quotes, # and backslash round trip");
	is_mem(buf_peek(&r.step[1].ans), buf_len(&r.step[1].ans), "ok", 2,
	    "expect --timeout read past");
	is_int(r.step[2].gap_us, 250000, "the sleep is the next send's gap");
	is_mem(buf_peek(&r.step[2].req), buf_len(&r.step[2].req), all,
	    sizeof all, "every byte value round trips (sendhex)");
	is_mem(buf_peek(&r.step[2].ans), buf_len(&r.step[2].ans), all,
	    sizeof all, "and as expect --hex");
	rec_conv_free(&r);

	js = "{\"ts\":\"2026-01-01T00:00:00.000000Z\",\"event\":\"connected\"}\n"
	    "{\"ts\":\"2026-01-01T00:00:00.100000Z\",\"event\":\"sent\","
	    "\"id\":1,\"hex\":\"6f6e650a\"}\n"
	    "{\"ts\":\"2026-01-01T00:00:00.200000Z\",\"event\":\"recv\","
	    "\"id\":1,\"hex\":\"4f4e\"}\n"
	    "{\"ts\":\"2026-01-01T00:00:00.210000Z\",\"event\":\"recv\","
	    "\"id\":1,\"hex\":\"450a\"}\n"
	    "{\"ts\":\"2026-01-01T00:00:01.710000Z\",\"event\":\"sent\","
	    "\"id\":1,\"hex\":\"00\"}\n";
	ok(rec_parse(js, strlen(js), &r, err, sizeof err) == 0,
	    "a jsonl log reads (%s)", err);
	is_int(r.n, 2, "two sends, two steps");
	is_mem(buf_peek(&r.step[0].ans), buf_len(&r.step[0].ans), "ONE\n", 4,
	    "two recv events make one answer");
	is_int(r.step[1].gap_us, 1500000, "the gap from the last event");
	rec_conv_free(&r);

	ok(rec_parse("send 1 \"open\n", 13, &r, err, sizeof err) == -1 &&
	    strstr(err, "line 1") != NULL, "unterminated quote: %s", err);
	ok(rec_parse("x\nsendhex 1 0g\n", 15, &r, err, sizeof err) == -1 &&
	    strstr(err, "line 2") != NULL, "bad hex names its line: %s", err);
	ok(rec_parse("send 1 a\0b\n", 11, &r, err, sizeof err) == -1,
	    "a NUL byte refused");
	ok(rec_parse("tcp-client a 1\n", 15, &r, err, sizeof err) == -1 &&
	    strstr(err, "nothing recorded") != NULL, "no steps: %s", err);
	ok(rec_parse("{\"event\":\"sent\"}\n", 17, &r, err, sizeof err) == -1,
	    "a sent event without hex");
	ok(rec_parse("sleep forever\nsend 1 \"a\"\n", 25, &r, err,
	    sizeof err) == -1, "a bad sleep");
	buf_free(&s);
	return done_testing();
}
