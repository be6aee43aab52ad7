/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rec.c — TAP unit tests for src/rec.c: script lines written and
 * read back (round trip of any bytes), jsonl steps and gaps, and the errors
 * for lines a recording cannot hold. */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "buf.h"
#include "pcapng.h"
#include "rec.h"
#include "tap.h"

static void
sa4(struct sockaddr_in *sin, const char *ip, unsigned port)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
	sin->sin_port = htons(port);
}

static void
put32(struct buf *b, uint32_t v, int big)
{
	unsigned char x[4];

	if (big) {
		x[0] = v >> 24; x[1] = v >> 16; x[2] = v >> 8; x[3] = v;
	} else {
		x[3] = v >> 24; x[2] = v >> 16; x[1] = v >> 8; x[0] = v;
	}
	buf_append(b, x, 4);
}

/* A capture as `log --format pcap` writes one: a TCP client's connection
 * (a banner, two requests, the first sent in two writes) and then a
 * second connection from the same port, which is not part of it. */
static void
capture_tcp(struct buf *out)
{
	struct sockaddr_in a, b;
	struct pcapng_tcp t, t2;

	sa4(&a, "127.0.0.1", 40000);
	sa4(&b, "127.0.0.1", 7000);
	pcapng_header(out, "test");
	pcapng_tcp_init(&t, (struct sockaddr *)&a, (struct sockaddr *)&b, 1);
	pcapng_tcp_open(out, &t, 0, 1000000, NULL);
	pcapng_tcp_data(out, &t, 1, (const unsigned char *)"hi\n", 3,
	    1000100, NULL);
	pcapng_tcp_data(out, &t, 0, (const unsigned char *)"GET ", 4,
	    1200000, NULL);
	pcapng_tcp_data(out, &t, 0, (const unsigned char *)"x\n", 2,
	    1200050, NULL);
	pcapng_tcp_data(out, &t, 1, (const unsigned char *)"ok\n", 3,
	    1300000, NULL);
	pcapng_tcp_data(out, &t, 0, (const unsigned char *)"\xff\x00", 2,
	    2300000, NULL);
	pcapng_tcp_close(out, &t, 0, 0, 2400000, NULL);
	pcapng_tcp_init(&t2, (struct sockaddr *)&a, (struct sockaddr *)&b, 2);
	pcapng_tcp_data(out, &t2, 0, (const unsigned char *)"later", 5,
	    3000000, NULL);
}

/* A classic pcap file (tcpdump's), Ethernet, big-endian, nanoseconds:
 * UDP datagrams 10.0.0.1:5000 -> 10.0.0.2:53 and two answers back. */
static void
capture_udp(struct buf *out)
{
	static const struct { int back; const char *p; uint32_t ns; } d[] = {
		{ 0, "q1", 0 }, { 1, "a1", 1000 }, { 1, "a2", 2000 },
		{ 0, "q2", 500000000 }, { 1, "a3", 500001000 },
	};
	unsigned char f[64];
	size_t i, n;

	put32(out, 0xa1b23c4d, 1);
	put32(out, 0x00020004, 1);
	put32(out, 0, 1);
	put32(out, 0, 1);
	put32(out, 65535, 1);
	put32(out, 1, 1);		/* Ethernet */
	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		memset(f, 0, sizeof f);
		f[12] = 0x08;			/* IPv4 */
		f[14] = 0x45;
		f[17] = 20 + 8 + 2;		/* total length */
		f[23] = 17;			/* UDP */
		f[26] = 10; f[29] = d[i].back ? 2 : 1;
		f[30] = 10; f[33] = d[i].back ? 1 : 2;
		f[34] = d[i].back ? 0 : 0x13; f[35] = d[i].back ? 53 : 0x88;
		f[36] = d[i].back ? 0x13 : 0; f[37] = d[i].back ? 0x88 : 53;
		f[39] = 8 + 2;
		memcpy(f + 42, d[i].p, 2);
		n = 60;				/* padded to Ethernet's least */
		put32(out, 1700000000, 1);
		put32(out, d[i].ns, 1);
		put32(out, (uint32_t)n, 1);
		put32(out, (uint32_t)n, 1);
		buf_append(out, f, n);
	}
}

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

	/* A log of several sessions: the first that carried data is the
	 * conversation, the others' events are not in it. */
	js = "{\"event\":\"recv\",\"id\":1,\"hex\":\"6869\"}\n"
	    "{\"event\":\"recv\",\"id\":2,\"hex\":\"6869\"}\n"
	    "{\"event\":\"sent\",\"id\":2,\"hex\":\"78\"}\n"
	    "{\"event\":\"sent\",\"id\":1,\"hex\":\"79\"}\n"
	    "{\"event\":\"recv\",\"id\":12,\"hex\":\"7a\"}\n"
	    "{\"event\":\"recv\",\"id\":1,\"hex\":\"59\"}\n";
	ok(rec_parse(js, strlen(js), &r, err, sizeof err) == 0 && r.n == 2 &&
	    buf_len(&r.step[0].ans) == 2 && buf_len(&r.step[1].req) == 1 &&
	    buf_peek(&r.step[1].req)[0] == 'y' &&
	    buf_len(&r.step[1].ans) == 1 && buf_peek(&r.step[1].ans)[0] ==
	    'Y', "a jsonl log of sessions 1, 2 and 12: session 1's alone");
	rec_conv_free(&r);
	js = "{\"event\":\"sent\",\"id\":1,\"hex\":\"6f6e650a\"}\n"
	    "{\"event\":\"recv\",\"id\":1,\"hex\":\"4f4e450a\",\"text\":";
	ok(rec_parse(js, strlen(js), &r, err, sizeof err) == -1 &&
	    strstr(err, "line 2: cut short") != NULL, "a jsonl log cut in its "
	    "last line is refused: %s", err);
	js = "{\"event\":\"sent\",\"id\":1,\"hex\":\"6f6e650a\"}\r\n"
	    "{\"event\":\"recv\",\"id\":1,\"hex\":\"4f4e\"\n"
	    "{\"event\":\"recv\",\"id\":1,\"hex\":\"4f4e\"}\n";
	ok(rec_parse(js, strlen(js), &r, err, sizeof err) == -1 &&
	    strstr(err, "line 2: cut short") != NULL, "and one cut inside: %s",
	    err);

	ok(rec_parse("send 1 \"open\n", 13, &r, err, sizeof err) == -1 &&
	    strstr(err, "line 1") != NULL, "unterminated quote: %s", err);
	ok(rec_parse("x\nsendhex 1 0g\n", 15, &r, err, sizeof err) == -1 &&
	    strstr(err, "line 2") != NULL, "bad hex names its line: %s", err);
	ok(rec_parse("send 1 a\0b\n", 11, &r, err, sizeof err) == -1,
	    "a NUL byte refused");
	/* Wrong from the first step: the file is not a recording at all. */
	ok(rec_parse("\x7f\x00\x01garbage\n", 11, &r, err, sizeof err) == -1 &&
	    strncmp(err, "not a recording replay reads", 28) == 0 &&
	    strstr(err, "line 1: a NUL byte") != NULL, "a binary file is not "
	    "a recording: %s", err);
	js = "2026-12-06T17:55:13.837714Z [2] > 5 bytes to 127.0.0.1:52428\n"
	    "00000000  68 65 6c 6c 6f                                    "
	    "|hello|\n";
	ok(rec_parse(js, strlen(js), &r, err, sizeof err) == -1 &&
	    strncmp(err, "not a recording replay reads", 28) == 0,
	    "a hex log is not a recording: %s", err);
	ok(rec_parse("send 1 ok\nsendhex 1 0g\n", 23, &r, err, sizeof err) ==
	    -1 && strncmp(err, "line 2", 6) == 0, "a recording bad in a later "
	    "line just names it: %s", err);
	ok(rec_parse("tcp-client a 1\n", 15, &r, err, sizeof err) == -1 &&
	    strstr(err, "nothing recorded") != NULL, "no steps: %s", err);
	ok(rec_parse("{\"event\":\"sent\"}\n", 17, &r, err, sizeof err) == -1,
	    "a sent event without hex");
	ok(rec_parse("sleep forever\nsend 1 \"a\"\n", 25, &r, err,
	    sizeof err) == -1, "a bad sleep");

	buf_reset(&s);
	capture_tcp(&s);
	ok(rec_parse((char *)buf_peek(&s), buf_len(&s), &r, err,
	    sizeof err) == 0, "a pcapng log reads (%s)", err);
	is_int(r.n, 3, "the banner, two requests; the second connection "
	    "is not in it");
	is_int(r.dgram, 0, "TCP: a stream");
	is_mem(buf_peek(&r.step[0].ans), buf_len(&r.step[0].ans), "hi\n", 3,
	    "the banner");
	is_mem(buf_peek(&r.step[1].req), buf_len(&r.step[1].req), "GET x\n",
	    6, "two writes before an answer are one request");
	is_mem(buf_peek(&r.step[1].ans), buf_len(&r.step[1].ans), "ok\n", 3,
	    "its answer");
	is_int(r.step[1].gap_us, 199900, "the gap after the banner");
	is_mem(buf_peek(&r.step[2].req), buf_len(&r.step[2].req), "\xff\0",
	    2, "binary bytes");
	is_int(r.step[2].gap_us, 1000000, "the gap after the answer");
	rec_conv_free(&r);

	buf_reset(&s);
	capture_udp(&s);
	ok(rec_parse((char *)buf_peek(&s), buf_len(&s), &r, err,
	    sizeof err) == 0, "a classic pcap of UDP reads (%s)", err);
	is_int(r.dgram, 1, "UDP: datagrams");
	is_int(r.n, 2, "two datagrams sent, two steps");
	is_mem(buf_peek(&r.step[0].ans), buf_len(&r.step[0].ans), "a1a2", 4,
	    "both answers, Ethernet padding left out");
	is_int(r.step[0].nends, 2, "as two datagrams");
	is_int(r.step[0].ends[0], 2, "the first ends at 2");
	is_int(r.step[1].gap_us, 499998, "nanoseconds become microseconds");
	rec_conv_free(&r);

	/* Cut anywhere, a capture gives an error or fewer steps, never a
	 * read past its end (ASan in `make asan check`). */
	buf_reset(&s);
	capture_tcp(&s);
	for (i = 1; i < buf_len(&s); i += 7) {
		if (rec_parse((char *)buf_peek(&s), i, &r, err,
		    sizeof err) == 0)
			rec_conv_free(&r);
	}
	buf_reset(&s);
	capture_tcp(&s);
	ok(rec_parse((char *)buf_peek(&s), buf_len(&s) - 3, &r, err,
	    sizeof err) == -1 && strstr(err, "at byte") != NULL,
	    "a cut block is an error with its offset: %s", err);
	buf_free(&s);
	return done_testing();
}
