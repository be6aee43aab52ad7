/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ws.c — TAP unit tests for src/ws.c: the frames of RFC 6455 §5.7
 * byte for byte, lengths of 7, 16 and 64 bits, frames fed one byte at a
 * time, bad frames in words, reassembly with control frames between
 * fragments, close codes, UTF-8 split anywhere, SHA-1 (FIPS 180) and the
 * handshake's key example, both sides of the handshake, and
 * permessage-deflate (RFC 7692 §7.2.3) negotiated and applied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "ws.h"

static char err[256];

static const unsigned char key3721[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void
fixed_key(unsigned char key[4], void *arg)
{
	(void)arg;
	memcpy(key, key3721, 4);
}

/* Every frame in p (fed in pieces of step bytes) into out as
 * "op:fin:payload;" and the number of frames; -1 on a parse error. */
static int
parse_all(int server, const void *p, size_t n, size_t step, struct buf *out)
{
	struct ws_parser ps;
	struct ws_frame f;
	size_t off = 0;
	int frames = 0, r;

	ws_parser_init(&ps, server, 1 << 20);
	do {
		size_t k = n - off < step ? n - off : step;

		ws_parser_feed(&ps, (const char *)p + off, k);
		off += k;
		while ((r = ws_parser_next(&ps, &f, err, sizeof err)) == 1) {
			buf_printf(out, "%x:%d:", f.opcode, f.fin);
			buf_append(out, f.payload, (size_t)f.len);
			buf_putc(out, ';');
			frames++;
		}
		if (r < 0) {
			ws_parser_free(&ps);
			return -1;
		}
	} while (off < n);
	ws_parser_free(&ps);
	return frames;
}

static void
test_rfc_examples(void)
{
	static const unsigned char hello[] = {
		0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const unsigned char hello_masked[] = {
		0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
		0x58 };
	static const unsigned char frag[] = {
		0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f };
	static const unsigned char ping[] = {
		0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f };
	static const unsigned char pong_masked[] = {
		0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
		0x58 };
	struct buf b = BUF_INIT;
	size_t step;

	ws_frame_build(&b, 1, 0, WS_OP_TEXT, NULL, "Hello", 5);
	is_mem(buf_peek(&b), buf_len(&b), hello, sizeof hello,
	    "5.7: unmasked \"Hello\" built");
	buf_reset(&b);
	ws_frame_build(&b, 1, 0, WS_OP_TEXT, key3721, "Hello", 5);
	is_mem(buf_peek(&b), buf_len(&b), hello_masked, sizeof hello_masked,
	    "5.7: masked \"Hello\" built with key 37 fa 21 3d");
	buf_reset(&b);
	is_int(ws_message_build(&b, WS_OP_TEXT, 0, "Hello", 5, 3, NULL, NULL),
	    2, "\"Hello\" in frames of 3: two frames");
	is_mem(buf_peek(&b), buf_len(&b), frag, sizeof frag,
	    "5.7: fragmented \"Hel\" + \"lo\" built");
	buf_reset(&b);
	ws_frame_build(&b, 1, 0, WS_OP_PING, NULL, "Hello", 5);
	is_mem(buf_peek(&b), buf_len(&b), ping, sizeof ping, "5.7: ping built");
	buf_reset(&b);
	ws_frame_build(&b, 1, 0, WS_OP_PONG, key3721, "Hello", 5);
	is_mem(buf_peek(&b), buf_len(&b), pong_masked, sizeof pong_masked,
	    "5.7: masked pong built");

	/* A client's message in frames of 2, each masked with the key. */
	buf_reset(&b);
	is_int(ws_message_build(&b, WS_OP_BINARY, 0, "Hello", 5, 2, fixed_key,
	    NULL), 3, "\"Hello\" in frames of 2, masked: three frames");
	is_mem(buf_peek(&b), 8, "\x02\x82\x37\xfa\x21\x3d\x7f\x9f", 8,
	    "the first: binary, no FIN, masked \"He\"");
	{
		struct buf got = BUF_INIT;

		is_int(parse_all(1, buf_peek(&b), buf_len(&b), 5, &got), 3,
		    "a server parses the three");
		is_str(buf_cstr(&got), "2:0:He;0:0:ll;0:1:o;", "payloads");
		buf_free(&got);
	}
	for (step = 1; step <= 16; step *= 4) {
		buf_reset(&b);
		is_int(parse_all(0, hello, sizeof hello, step, &b), 1,
		    "unmasked Hello parsed by a client, %zu bytes at a time",
		    step);
		is_str(buf_cstr(&b), "1:1:Hello;", "its payload");
		buf_reset(&b);
		is_int(parse_all(1, hello_masked, sizeof hello_masked, step, &b),
		    1, "masked Hello parsed by a server, %zu at a time", step);
		is_str(buf_cstr(&b), "1:1:Hello;", "unmasked payload");
		buf_reset(&b);
		is_int(parse_all(0, frag, sizeof frag, step, &b), 2,
		    "fragments parsed, %zu at a time", step);
		is_str(buf_cstr(&b), "1:0:Hel;0:1:lo;", "two frames");
	}
	buf_free(&b);
}

static void
test_lengths(void)
{
	static const size_t sizes[] = { 0, 125, 126, 256, 65535, 65536 };
	struct buf b = BUF_INIT, pl = BUF_INIT;
	struct ws_frame f;
	size_t i, j;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		struct ws_parser ps;

		buf_reset(&pl);
		for (j = 0; j < n; j++)
			buf_putc(&pl, (int)(j * 7 + 1));
		buf_reset(&b);
		ws_frame_build(&b, 1, 0, WS_OP_BINARY, key3721, buf_peek(&pl), n);
		ws_parser_init(&ps, 1, 0);
		ws_parser_feed(&ps, buf_peek(&b), buf_len(&b));
		ok(ws_parser_next(&ps, &f, err, sizeof err) == 1 &&
		    f.len == n && f.opcode == WS_OP_BINARY && f.masked &&
		    memcmp(f.payload, buf_peek(&pl), n) == 0,
		    "binary %zu bytes masked: round trip", n);
		is_int(f.head, n < 126 ? 6 : n < 65536 ? 8 : 14,
		    "header of %zu bytes: %zu", n, f.head);
		is_int(ws_parser_next(&ps, &f, err, sizeof err), 0,
		    "nothing after it");
		ws_parser_free(&ps);
	}
	/* 5.7's own: 256 bytes and 64 KiB, unmasked. */
	buf_reset(&b);
	buf_reset(&pl);
	for (j = 0; j < 256; j++)
		buf_putc(&pl, 0);
	ws_frame_build(&b, 1, 0, WS_OP_BINARY, NULL, buf_peek(&pl), 256);
	is_mem(buf_peek(&b), 4, "\x82\x7e\x01\x00", 4,
	    "5.7: 256 bytes binary is 0x82 0x7E 0x0100");
	buf_reset(&b);
	buf_reset(&pl);
	for (j = 0; j < 65536; j++)
		buf_putc(&pl, 0);
	ws_frame_build(&b, 1, 0, WS_OP_BINARY, NULL, buf_peek(&pl), 65536);
	is_mem(buf_peek(&b), 10, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10,
	    "5.7: 64 KiB binary is 0x82 0x7F 0x0000000000010000");
	is_int(ws_head_parse(buf_peek(&b), 9, &f, err, sizeof err), 0,
	    "64-bit length cut short: more");
	buf_free(&b);
	buf_free(&pl);
}

/* One frame given as bytes, to a server or a client parser with
 * these limits: the parser's verdict, err kept. */
static int
one_frame(int server, unsigned rsv_ok, uint64_t max, const void *p, size_t n)
{
	struct ws_parser ps;
	struct ws_frame f;
	int r;

	ws_parser_init(&ps, server, max);
	ps.rsv_ok = rsv_ok;
	ws_parser_feed(&ps, p, n);
	r = ws_parser_next(&ps, &f, err, sizeof err);
	ws_parser_free(&ps);
	return r;
}

static void
test_bad_frames(void)
{
	struct buf b = BUF_INIT;
	unsigned char big[130];

	ok(one_frame(0, 0, 0, "\xc1\x01x", 3) == -1 && strstr(err, "RSV"),
	    "RSV1 without an extension: %s", err);
	is_int(one_frame(0, WS_RSV1, 0, "\xc1\x01x", 3), 1,
	    "RSV1 with deflate negotiated");
	ok(one_frame(0, WS_RSV1, 0, "\xa1\x01x", 3) == -1,
	    "RSV2 even with deflate: %s", err);
	ok(one_frame(0, 0, 0, "\x83\x00", 2) == -1 && strstr(err, "opcode 3"),
	    "reserved opcode 3: %s", err);
	ok(one_frame(0, 0, 0, "\x8b\x00", 2) == -1, "reserved opcode 0xb: %s",
	    err);
	memset(big, 'x', sizeof big);
	ws_frame_build(&b, 1, 0, WS_OP_PING, NULL, big, 126);
	ok(one_frame(0, 0, 0, buf_peek(&b), buf_len(&b)) == -1 &&
	    strstr(err, "125"), "ping of 126 bytes: %s", err);
	buf_reset(&b);
	ws_frame_build(&b, 1, 0, WS_OP_PING, NULL, big, 125);
	is_int(one_frame(0, 0, 0, buf_peek(&b), buf_len(&b)), 1,
	    "ping of 125 bytes is fine");
	ok(one_frame(0, 0, 0, "\x09\x00", 2) == -1 &&
	    strstr(err, "fragmented"), "ping without FIN: %s", err);
	ok(one_frame(1, 0, 0, "\x81\x05Hello", 7) == -1 &&
	    strstr(err, "unmasked"), "unmasked client frame on a server: %s",
	    err);
	ok(one_frame(0, 0, 0, "\x81\x80\x01\x02\x03\x04", 6) == -1 &&
	    strstr(err, "masked"), "masked frame to a client: %s", err);
	ok(one_frame(0, 0, 0, "\x82\x7f\x80\0\0\0\0\0\0\0", 10) == -1,
	    "64-bit length with the top bit: %s", err);
	buf_reset(&b);
	ws_frame_build(&b, 1, 0, WS_OP_BINARY, NULL, big, 101);
	ok(one_frame(0, 0, 100, buf_peek(&b), 4) == -1 &&
	    strstr(err, "101 bytes") && strstr(err, "limit of 100"),
	    "over the limit, known from the header alone: %s", err);
	is_int(one_frame(0, 0, 100, buf_peek(&b), 1), 0,
	    "incomplete: more, no error");
	buf_free(&b);
}

static void
test_reasm(void)
{
	/* "Hel" (text, no FIN), ping "p", "lo" (FIN): one message, 2 frames. */
	static const unsigned char in[] = {
		0x01, 0x03, 'H', 'e', 'l', 0x89, 0x01, 'p',
		0x80, 0x02, 'l', 'o', 0x82, 0x01, 'x' };
	struct ws_parser ps;
	struct ws_reasm r;
	struct ws_frame f;
	struct buf log = BUF_INIT;
	int k;

	ws_parser_init(&ps, 0, 0);
	ws_reasm_init(&r, 0);
	ws_parser_feed(&ps, in, sizeof in);
	while (ws_parser_next(&ps, &f, err, sizeof err) == 1) {
		if (ws_op_is_control(f.opcode)) {
			buf_printf(&log, "[%s]", ws_op_name(f.opcode));
			continue;
		}
		k = ws_reasm_add(&r, &f, err, sizeof err);
		if (k == 1) {
			buf_printf(&log, "%s/%u:", ws_op_name(r.opcode),
			    r.frames);
			buf_append(&log, buf_peek(&r.data), buf_len(&r.data));
			buf_putc(&log, ' ');
		}
	}
	is_str(buf_cstr(&log), "[ping]text/2:Hello binary/1:x ",
	    "a ping between fragments; messages whole with frame counts");
	ws_reasm_free(&r);
	ws_parser_free(&ps);

	ws_reasm_init(&r, 0);
	f.fin = 1, f.rsv = 0, f.opcode = WS_OP_CONT, f.len = 1,
	    f.payload = (const unsigned char *)"x";
	ok(ws_reasm_add(&r, &f, err, sizeof err) == -1 &&
	    strstr(err, "continuation"), "continuation alone: %s", err);
	f.fin = 0, f.opcode = WS_OP_BINARY;
	is_int(ws_reasm_add(&r, &f, err, sizeof err), 0, "binary begun");
	f.opcode = WS_OP_TEXT;
	ok(ws_reasm_add(&r, &f, err, sizeof err) == -1 &&
	    strstr(err, "before the last"), "text inside binary: %s", err);
	ws_reasm_free(&r);

	ws_reasm_init(&r, 4);
	f.fin = 0, f.opcode = WS_OP_BINARY, f.len = 3,
	    f.payload = (const unsigned char *)"abc";
	is_int(ws_reasm_add(&r, &f, err, sizeof err), 0, "3 of at most 4");
	f.opcode = WS_OP_CONT, f.fin = 1, f.len = 2;
	ok(ws_reasm_add(&r, &f, err, sizeof err) == -1 &&
	    strstr(err, "limit of 4"), "5 bytes over 4: %s", err);
	ws_reasm_free(&r);

	/* Text split inside "é" (c3 a9) across fragments, then a bad one. */
	ws_reasm_init(&r, 0);
	f.fin = 0, f.opcode = WS_OP_TEXT, f.len = 2,
	    f.payload = (const unsigned char *)"a\xc3";
	is_int(ws_reasm_add(&r, &f, err, sizeof err), 0,
	    "text ending inside a sequence: more");
	f.fin = 1, f.opcode = WS_OP_CONT, f.len = 2,
	    f.payload = (const unsigned char *)"\xa9z";
	is_int(ws_reasm_add(&r, &f, err, sizeof err), 1,
	    "U+00E9 split across fragments is whole");
	f.fin = 1, f.opcode = WS_OP_TEXT, f.len = 1,
	    f.payload = (const unsigned char *)"\xc3";
	ok(ws_reasm_add(&r, &f, err, sizeof err) == -1 && strstr(err, "UTF-8"),
	    "text ending inside a sequence: %s", err);
	ws_reasm_free(&r);
	ws_reasm_init(&r, 0);
	f.fin = 0, f.opcode = WS_OP_TEXT, f.len = 2,
	    f.payload = (const unsigned char *)"\xed\xa0";
	ok(ws_reasm_add(&r, &f, err, sizeof err) == -1,
	    "surrogate refused in its first fragment (fail fast): %s", err);
	ws_reasm_free(&r);
	buf_free(&log);
}

static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		int		 valid;
		const char	*what;
	} v[] = {
		{ "", 1, "empty" },
		{ "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0"
		  "\xc3\xa1-UTF-8!!", 1, "autobahn 6.2.1" },
		{ "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 1, "kosme" },
		{ "\xf0\x9f\x98\x80", 1, "U+1F600" },
		{ "\xf4\x8f\xbf\xbf", 1, "U+10FFFF" },
		{ "\xef\xbf\xbf", 1, "U+FFFF" },
		{ "\xc0\xaf", 0, "overlong / (2 bytes)" },
		{ "\xe0\x80\xaf", 0, "overlong / (3 bytes)" },
		{ "\xf0\x80\x80\xaf", 0, "overlong / (4 bytes)" },
		{ "\xc1\xbf", 0, "overlong U+007F" },
		{ "\xed\xa0\x80", 0, "surrogate U+D800" },
		{ "\xed\xbf\xbf", 0, "surrogate U+DFFF" },
		{ "\xf4\x90\x80\x80", 0, "above U+10FFFF" },
		{ "\xf5\x80\x80\x80", 0, "lead byte f5" },
		{ "\xff", 0, "byte ff" },
		{ "\x80", 0, "lone continuation" },
		{ "\xc3", 0, "cut short" },
		{ "\xe2\x82", 0, "cut short (3 bytes)" },
		{ "a\xc3(", 0, "continuation expected" },
	};
	size_t i, cut;

	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		is_int(ws_utf8_valid(v[i].s, strlen(v[i].s)), v[i].valid,
		    "UTF-8 %s: %s", v[i].what, v[i].valid ? "valid" : "invalid");
	/* Every split of a 4-byte sequence gives the same verdict. */
	for (cut = 0; cut <= 4; cut++) {
		struct ws_utf8 u = WS_UTF8_INIT;
		const char *s = "\xf0\x9f\x98\x80";

		ok(ws_utf8_feed(&u, s, cut) == 0 &&
		    ws_utf8_complete(&u) == (cut == 0 || cut == 4) &&
		    ws_utf8_feed(&u, s + cut, 4 - cut) == 0 &&
		    ws_utf8_complete(&u), "U+1F600 split at %zu", cut);
	}
	{
		struct ws_utf8 u = WS_UTF8_INIT;

		ok(ws_utf8_feed(&u, "\xed", 1) == 0 &&
		    ws_utf8_feed(&u, "\xa0", 1) == -1,
		    "surrogate split across two feeds is caught");
	}
}

static void
test_close(void)
{
	static const int good[] = { 1000, 1001, 1002, 1003, 1007, 1008,
	    1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };
	static const int bad[] = { 0, 999, 1004, 1005, 1006, 1015, 1016,
	    2000, 2999, 5000, 65535 };
	const unsigned char *reason;
	struct buf b = BUF_INIT;
	size_t i, rl;
	int code;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ok(ws_close_code_ok(good[i]), "close code %d allowed", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(!ws_close_code_ok(bad[i]), "close code %d not allowed",
		    bad[i]);
	is_str(ws_close_code_words(1001), "going away", "1001 in words");
	is_str(ws_close_code_words(4321), "private use", "4321 in words");
	is_int(ws_close_build(&b, 1001, "bye", 3, err, sizeof err), 0,
	    "close 1001 \"bye\" built");
	is_mem(buf_peek(&b), buf_len(&b), "\x03\xe9" "bye", 5,
	    "code big-endian then reason");
	ok(ws_close_parse(buf_peek(&b), buf_len(&b), &code, &reason, &rl, err,
	    sizeof err) == 0 && code == 1001 && rl == 3 &&
	    memcmp(reason, "bye", 3) == 0, "and parsed back");
	buf_reset(&b);
	is_int(ws_close_build(&b, 0, "", 0, err, sizeof err), 0,
	    "no code: empty payload");
	is_int(buf_len(&b), 0, "nothing built");
	ok(ws_close_parse((const unsigned char *)"", 0, &code, &reason, &rl,
	    err, sizeof err) == 0 && code == 1005 && rl == 0,
	    "empty close payload: 1005 (no status)");
	ok(ws_close_build(&b, 1005, "", 0, err, sizeof err) == -1,
	    "1005 may not be sent: %s", err);
	{
		char r[124];

		memset(r, 'r', sizeof r);
		ok(ws_close_build(&b, 1000, r, 124, err, sizeof err) == -1,
		    "reason of 124 bytes: %s", err);
	}
	ok(ws_close_build(&b, 1000, "\xc0\xaf", 2, err, sizeof err) == -1 &&
	    strstr(err, "UTF-8") != NULL && buf_len(&b) == 0,
	    "a reason that is not UTF-8 is not built: %s", err);
	ok(ws_close_parse((const unsigned char *)"\x03", 1, &code, &reason,
	    &rl, err, sizeof err) == -1, "1-byte close payload: %s", err);
	ok(ws_close_parse((const unsigned char *)"\x03\xee", 2, &code, &reason,
	    &rl, err, sizeof err) == -1 && strstr(err, "1006"),
	    "1006 received: %s", err);
	ok(ws_close_parse((const unsigned char *)"\x03\xe8\xc0\xaf", 4, &code,
	    &reason, &rl, err, sizeof err) == -1 && strstr(err, "UTF-8"),
	    "reason not UTF-8: %s", err);
	buf_free(&b);
}

static void
hex20(const unsigned char d[20], char out[41])
{
	int i;

	for (i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
test_sha1(void)
{
	unsigned char d[20];
	char h[41], acc[29], key[25];
	char *m;

	ws_sha1("abc", 3, d);
	hex20(d, h);
	is_str(h, "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1 \"abc\"");
	ws_sha1("", 0, d);
	hex20(d, h);
	is_str(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1 empty");
	ws_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    d);
	hex20(d, h);
	is_str(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	    "SHA-1 448-bit message (FIPS 180 example)");
	m = malloc(1000000);
	memset(m, 'a', 1000000);
	ws_sha1(m, 1000000, d);
	free(m);
	hex20(d, h);
	is_str(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	    "SHA-1 a million 'a'");
	ws_accept("dGhlIHNhbXBsZSBub25jZQ==", acc);
	is_str(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
	    "RFC 6455 1.3: the sample key's accept");
	ws_key_encode((const unsigned char *)"the sample nonce", key);
	is_str(key, "dGhlIHNhbXBsZSBub25jZQ==", "the sample nonce as a key");
}

static void
test_url(void)
{
	struct ws_url u;

	is_int(ws_url_parse("ws://127.0.0.1:9001/chat?x=1", &u, err,
	    sizeof err), 0, "ws URL");
	ok(!u.tls && strcmp(u.host, "127.0.0.1") == 0 && u.port == 9001 &&
	    strcmp(u.path, "/chat?x=1") == 0, "host, port, path with query");
	is_int(ws_url_parse("WSS://[::1]", &u, err, sizeof err), 0,
	    "wss, IPv6, no port");
	ok(u.tls && strcmp(u.host, "::1") == 0 && u.port == 443 &&
	    strcmp(u.path, "/") == 0, "port 443, path /");
	is_int(ws_url_parse("ws://h?q", &u, err, sizeof err), 0, "query only");
	is_str(u.path, "/?q", "path / before the query");
	ok(ws_url_parse("http://h/", &u, err, sizeof err) == -1 &&
	    strstr(err, "ws://"), "http: %s", err);
	ok(ws_url_parse("ws://h:0/", &u, err, sizeof err) == -1, "port 0: %s",
	    err);
	ok(ws_url_parse("ws://h:65536/", &u, err, sizeof err) == -1,
	    "port 65536: %s", err);
	ok(ws_url_parse("ws:///x", &u, err, sizeof err) == -1, "no host: %s",
	    err);
	ok(ws_url_parse("ws://h/a#b", &u, err, sizeof err) == -1,
	    "fragment: %s", err);
	ok(ws_url_parse("ws://h/a b", &u, err, sizeof err) == -1,
	    "space in the path: %s", err);
	ok(ws_url_parse("ws://u@h/", &u, err, sizeof err) == -1,
	    "user name: %s", err);
	is_int(ws_header_check("X-Token: a b", err, sizeof err), 0,
	    "header accepted");
	ok(ws_header_check("X Token: a", err, sizeof err) == -1,
	    "blank in a header name: %s", err);
	ok(ws_header_check("NoColon", err, sizeof err) == -1, "no colon: %s",
	    err);
	ok(ws_header_check("X: a\r\nY: b", err, sizeof err) == -1,
	    "CR LF in a value: %s", err);
	is_int(ws_protocols_check("chat, superchat", err, sizeof err), 0,
	    "subprotocol list");
	ok(ws_protocols_check("chat,,x", err, sizeof err) == -1,
	    "empty subprotocol: %s", err);
	ok(ws_protocols_check("a b", err, sizeof err) == -1,
	    "blank inside a subprotocol: %s", err);
}

static const char *const extra[] = { "X-Token: abc" };

static void
test_handshake(void)
{
	struct ws_url u;
	struct ws_client_req q = { 0 };
	struct ws_request sr;
	struct ws_response r;
	struct buf b = BUF_INIT, ans = BUF_INIT;
	char w[256], proto[64];
	int n, i;

	ws_url_parse("ws://server.example.com:8080/chat", &u, err, sizeof err);
	q.url = &u;
	q.key = "dGhlIHNhbXBsZSBub25jZQ==";
	q.protocols = "chat, superchat";
	q.origin = "http://example.com";
	q.headers = extra;
	q.nheaders = 1;
	ws_client_request(&b, &q);
	is_str(buf_cstr(&b), "GET /chat HTTP/1.1\r\n"
	    "Host: server.example.com:8080\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: chat, superchat\r\n"
	    "Origin: http://example.com\r\nX-Token: abc\r\n\r\n",
	    "client request (RFC 6455 1.3's)");
	for (i = 0; i < (int)buf_len(&b); i++)
		if (ws_request_parse(buf_peek(&b), (size_t)i, &sr, err,
		    sizeof err) != 0)
			break;
	is_int(i, buf_len(&b), "request cut short anywhere: more");
	n = ws_request_parse(buf_peek(&b), buf_len(&b), &sr, err, sizeof err);
	is_int(n, buf_len(&b), "the server reads the whole head");
	ok(strcmp(sr.path, "/chat") == 0 && strcmp(sr.key, q.key) == 0 &&
	    strcmp(sr.host, "server.example.com:8080") == 0 &&
	    sr.version == 13 && strcmp(sr.origin, "http://example.com") == 0 &&
	    strcmp(sr.protocols, "chat, superchat") == 0,
	    "path, key, host, version, origin, subprotocols");
	is_int(ws_request_check(&sr, "/chat", w, sizeof w), 101,
	    "a valid upgrade for /chat");
	ok(ws_request_check(&sr, "/other", w, sizeof w) == 404 &&
	    strstr(w, "/chat"), "another path: 404, %s", w);
	ws_protocol_choose(sr.protocols, "superchat,x", proto, sizeof proto);
	is_str(proto, "superchat", "server picks the client's first it has");
	ws_protocol_choose(sr.protocols, "x", proto, sizeof proto);
	is_str(proto, "", "no common subprotocol");
	ws_answer_101(&ans, sr.key, "chat", NULL);
	is_str(buf_cstr(&ans), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "Sec-WebSocket-Protocol: chat\r\n\r\n", "the 101 answer");
	buf_puts(&ans, "\x81\x02hi");	/* a frame right behind the head */
	n = ws_response_parse(buf_peek(&ans), buf_len(&ans), q.key,
	    q.protocols, 0, &r, err, sizeof err);
	is_int(n, buf_len(&ans) - 4, "response head size, frame left over");
	ok(r.status == 101 && r.why[0] == '\0' &&
	    strcmp(r.protocol, "chat") == 0, "client accepts it: %s", r.why);
	ws_response_free(&r);
	n = ws_response_parse(buf_peek(&ans), buf_len(&ans),
	    "AAAAAAAAAAAAAAAAAAAAAA==", q.protocols, 0, &r, err, sizeof err);
	ok(n > 0 && strstr(r.why, "Accept"), "another key: %s", r.why);
	ws_response_free(&r);
	n = ws_response_parse(buf_peek(&ans), buf_len(&ans), q.key, "x", 0,
	    &r, err, sizeof err);
	ok(n > 0 && strstr(r.why, "not offered"), "subprotocol not offered: %s",
	    r.why);
	ws_response_free(&r);
	buf_reset(&ans);
	buf_puts(&ans, "HTTP/1.1 403 Forbidden\r\nX-Why: no\x01\r\n"
	    "Content-Length: 0\r\n\r\n");
	n = ws_response_parse(buf_peek(&ans), buf_len(&ans), q.key, NULL, 0,
	    &r, err, sizeof err);
	ok(n > 0 && r.status == 403 && strstr(r.why, "403") &&
	    strcmp(r.status_line, "HTTP/1.1 403 Forbidden") == 0,
	    "403: %s", r.why);
	is_str(buf_cstr(&r.headers), "X-Why: no\\x01\nContent-Length: 0\n",
	    "its headers kept as safe text");
	ws_response_free(&r);
	ok(ws_response_parse((const unsigned char *)"SSH-2.0\r\n", 9, q.key,
	    NULL, 0, &r, err, sizeof err) == -1, "not HTTP: %s", err);
	is_int(ws_response_parse((const unsigned char *)"HTTP/1.1 101", 12,
	    q.key, NULL, 0, &r, err, sizeof err), 0, "cut short: more");

	/* Requests that are not valid upgrades. */
	{
		static const struct {
			const char	*req;
			int		 status;
			const char	*what;
		} v[] = {
			{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 426,
			  "a plain GET" },
			{ "POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\n\r\n", 405, "POST" },
			{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
			  "Connection: keep-alive\r\nSec-WebSocket-Version: 13"
			  "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			  "\r\n", 400, "no Connection: Upgrade" },
			{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\n"
			  "Connection: keep-alive, Upgrade\r\n"
			  "Sec-WebSocket-Version: 8\r\n"
			  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			  "\r\n", 426, "version 8" },
			{ "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
			  "Sec-WebSocket-Key: short\r\n\r\n", 400, "bad key" },
			{ "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
			  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			  "\r\n", 400, "no Host" },
			{ "GET / HTTP/1.1\nHost: h\nUpgrade: websocket\n"
			  "Connection: upgrade\nSec-WebSocket-Version: 13\n"
			  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n\n",
			  101, "bare LF lines, lower case" },
		};
		size_t k;

		for (k = 0; k < sizeof v / sizeof v[0]; k++) {
			int st = -1;

			if (ws_request_parse((const unsigned char *)v[k].req,
			    strlen(v[k].req), &sr, err, sizeof err) > 0)
				st = ws_request_check(&sr, "/", w, sizeof w);
			is_int(st, v[k].status, "%s: %d (%s)", v[k].what,
			    v[k].status, st == 101 ? "upgrade" : w);
		}
	}
	ok(ws_request_parse((const unsigned char *)"\x16\x03\x01", 3, &sr, err,
	    sizeof err) == -1, "a TLS hello is not HTTP: %s", err);
	{
		const char *two = "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n";

		ok(ws_request_parse((const unsigned char *)two, strlen(two),
		    &sr, err, sizeof err) == -1 && strstr(err, "Host"),
		    "two Host headers: %s", err);
	}
	buf_reset(&ans);
	ws_answer_error(&ans, 426, "not a WebSocket upgrade");
	ok(strncmp(buf_cstr(&ans), "HTTP/1.1 426 Upgrade Required\r\n", 31) == 0 &&
	    strstr(buf_cstr(&ans), "Sec-WebSocket-Version: 13\r\n") &&
	    strstr(buf_cstr(&ans), "Content-Length: 24\r\n"),
	    "426 answer with the version and a body");
	buf_free(&b);
	buf_free(&ans);
}

static void
test_deflate_negotiation(void)
{
	struct ws_deflate_params off = { 0 }, ours = { 0 }, ag;
	struct buf b = BUF_INIT;

	off.client_max_window_bits = -1;
	ws_deflate_offer(&b, &off);
	is_str(buf_cstr(&b), "permessage-deflate; client_max_window_bits",
	    "client offer");
	buf_reset(&b);
	is_int(ws_deflate_accept("x-webkit-deflate-frame, permessage-deflate; "
	    "server_max_window_bits=10; client_max_window_bits", &ours, &ag,
	    &b), 1, "server accepts the second element");
	is_str(buf_cstr(&b), "permessage-deflate; server_max_window_bits=10",
	    "answer keeps the server's window bits");
	buf_reset(&b);
	ours.server_no_context_takeover = 1;
	ours.client_max_window_bits = 12;
	is_int(ws_deflate_accept("permessage-deflate; server_max_window_bits=7, "
	    "permessage-deflate; client_max_window_bits", &ours, &ag, &b), 1,
	    "bad first offer skipped");
	is_str(buf_cstr(&b), "permessage-deflate; server_no_context_takeover; "
	    "client_max_window_bits=12", "our wishes in the answer");
	buf_reset(&b);
	is_int(ws_deflate_accept("permessage-deflate; client_no_context_takeover; "
	    "client_no_context_takeover", &ours, &ag, &b), 0,
	    "repeated parameter: declined");
	is_int(ws_deflate_accept("foo", &ours, &ag, &b), 0, "no deflate offer");

	memset(&off, 0, sizeof off);
	off.client_max_window_bits = -1;
	is_int(ws_deflate_response("permessage-deflate; "
	    "client_no_context_takeover; server_max_window_bits=\"9\"", &off, &ag,
	    err, sizeof err), 1, "response with a quoted value");
	ok(ag.client_no_context_takeover && ag.server_max_window_bits == 9,
	    "parameters read");
	is_int(ws_deflate_response("", &off, &ag, err, sizeof err), 0,
	    "no extension");
	ok(ws_deflate_response("permessage-deflate; x=1", &off, &ag, err,
	    sizeof err) == -1, "unknown parameter: %s", err);
	ok(ws_deflate_response("permessage-deflate; client_max_window_bits",
	    &off, &ag, err, sizeof err) == -1,
	    "client_max_window_bits without a value in a response: %s", err);
	ok(ws_deflate_response("foo", &off, &ag, err, sizeof err) == -1,
	    "extension not offered: %s", err);
	ok(ws_deflate_response("permessage-deflate, permessage-deflate", &off,
	    &ag, err, sizeof err) == -1, "two: %s", err);
	off.client_max_window_bits = 0;
	ok(ws_deflate_response("permessage-deflate; client_max_window_bits=10",
	    &off, &ag, err, sizeof err) == -1, "limit not offered: %s", err);
	buf_free(&b);
}

static void
test_deflate_messages(void)
{
	static const unsigned char hello[] = {
		0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
	static const unsigned char hello2[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };
	static const unsigned char frame[] = {
		0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
	struct ws_deflate_params a = { 0 };
	struct ws_deflate *srv, *cli;
	struct buf c = BUF_INIT, d = BUF_INIT, big = BUF_INIT;
	size_t i;
	int pass;

	srv = ws_deflate_new(&a, 1);
	cli = ws_deflate_new(&a, 0);
	is_int(ws_deflate_compress(srv, "Hello", 5, &c, err, sizeof err), 0,
	    "compress \"Hello\"");
	is_mem(buf_peek(&c), buf_len(&c), hello, sizeof hello,
	    "RFC 7692 7.2.3.1: f2 48 cd c9 c9 07 00");
	buf_reset(&d);
	ws_frame_build(&d, 1, WS_RSV1, WS_OP_TEXT, NULL, buf_peek(&c),
	    buf_len(&c));
	is_mem(buf_peek(&d), buf_len(&d), frame, sizeof frame,
	    "and its frame c1 07 ...");
	buf_reset(&d);
	ws_frame_build(&d, 1, WS_RSV1, WS_OP_BINARY, NULL, buf_peek(&c),
	    buf_len(&c));
	is_mem(buf_peek(&d), 2, "\xc2\x07", 2,
	    "as a binary message: c2 07 ...");
	buf_reset(&d);
	is_int(ws_deflate_decompress(cli, buf_peek(&c), buf_len(&c), &d, 0, err,
	    sizeof err), 0, "decompressed");
	is_mem(buf_peek(&d), buf_len(&d), "Hello", 5, "back to Hello");
	buf_reset(&c);
	ws_deflate_compress(srv, "Hello", 5, &c, err, sizeof err);
	is_mem(buf_peek(&c), buf_len(&c), hello2, sizeof hello2,
	    "RFC 7692 7.2.3.2: the second, with context: f2 00 11 00 00");
	buf_reset(&d);
	is_int(ws_deflate_decompress(cli, buf_peek(&c), buf_len(&c), &d, 0, err,
	    sizeof err), 0, "it decompresses with the kept context");
	is_mem(buf_peek(&d), buf_len(&d), "Hello", 5, "Hello again");
	buf_reset(&d);
	is_int(ws_deflate_decompress(cli, "\x00\x05\x00\xfa\xff" "Hello", 10,
	    &d, 0, err, sizeof err), 0, "7.2.3.3: stored block");
	is_mem(buf_peek(&d), buf_len(&d), "Hello", 5, "Hello from a stored block");
	ws_deflate_free(srv);
	ws_deflate_free(cli);

	/* No context takeover, each side in turn: the second message is
	 * compressed alone and the receiver copes. */
	for (pass = 0; pass < 2; pass++) {
		memset(&a, 0, sizeof a);
		if (pass == 0)
			a.server_no_context_takeover = 1;
		else
			a.client_no_context_takeover = 1;
		srv = ws_deflate_new(&a, 1);
		cli = ws_deflate_new(&a, 0);
		for (i = 0; i < 2; i++) {
			buf_reset(&c);
			buf_reset(&d);
			ws_deflate_compress(pass == 0 ? srv : cli, "Hello", 5,
			    &c, err, sizeof err);
			is_mem(buf_peek(&c), buf_len(&c), hello, sizeof hello,
			    "%s_no_context_takeover: message %zu alone",
			    pass == 0 ? "server" : "client", i + 1);
			ok(ws_deflate_decompress(pass == 0 ? cli : srv,
			    buf_peek(&c), buf_len(&c), &d, 0, err,
			    sizeof err) == 0 && buf_len(&d) == 5,
			    "and decompressed");
		}
		ws_deflate_free(srv);
		ws_deflate_free(cli);
	}

	/* 1 MiB round trip with small windows; a bomb stopped at the limit. */
	memset(&a, 0, sizeof a);
	a.client_max_window_bits = 8;
	a.server_max_window_bits = 9;
	srv = ws_deflate_new(&a, 1);
	cli = ws_deflate_new(&a, 0);
	for (i = 0; i < (1u << 20); i++)
		buf_putc(&big, (int)((i * 2654435761u) >> 13) % 61 + ' ');
	buf_reset(&c);
	buf_reset(&d);
	ws_deflate_compress(cli, buf_peek(&big), buf_len(&big), &c, err,
	    sizeof err);
	ok(ws_deflate_decompress(srv, buf_peek(&c), buf_len(&c), &d, 0, err,
	    sizeof err) == 0 && buf_len(&d) == buf_len(&big) &&
	    memcmp(buf_peek(&d), buf_peek(&big), buf_len(&big)) == 0,
	    "1 MiB client to server with an 8-bit window (%zu compressed)",
	    buf_len(&c));
	buf_reset(&c);
	buf_reset(&d);
	ws_deflate_compress(srv, buf_peek(&big), buf_len(&big), &c, err,
	    sizeof err);
	ok(ws_deflate_decompress(cli, buf_peek(&c), buf_len(&c), &d, 0, err,
	    sizeof err) == 0 && buf_len(&d) == buf_len(&big) &&
	    memcmp(buf_peek(&d), buf_peek(&big), buf_len(&big)) == 0,
	    "1 MiB server to client with a 9-bit window (%zu compressed)",
	    buf_len(&c));
	ws_deflate_free(srv);
	ws_deflate_free(cli);
	memset(&a, 0, sizeof a);
	srv = ws_deflate_new(&a, 1);
	cli = ws_deflate_new(&a, 0);
	buf_reset(&big);
	for (i = 0; i < (1u << 20); i++)
		buf_putc(&big, 0);
	buf_reset(&c);
	buf_reset(&d);
	ws_deflate_compress(srv, buf_peek(&big), buf_len(&big), &c, err,
	    sizeof err);
	ok(ws_deflate_decompress(cli, buf_peek(&c), buf_len(&c), &d, 65536, err,
	    sizeof err) == -1 && strstr(err, "limit"),
	    "1 MiB of zeros (%zu compressed) over a 64 KiB limit: %s",
	    buf_len(&c), err);
	ws_deflate_free(cli);
	cli = ws_deflate_new(&a, 0);
	buf_reset(&d);
	ok(ws_deflate_decompress(cli, "\xff\xff\xff", 3, &d, 0, err,
	    sizeof err) == -1, "corrupt data: %s", err);
	ws_deflate_free(srv);
	ws_deflate_free(cli);
	buf_free(&c);
	buf_free(&d);
	buf_free(&big);
}

int
main(void)
{
	test_rfc_examples();
	test_lengths();
	test_bad_frames();
	test_reasm();
	test_utf8();
	test_close();
	test_sha1();
	test_url();
	test_handshake();
	test_deflate_negotiation();
	test_deflate_messages();
	return done_testing();
}
