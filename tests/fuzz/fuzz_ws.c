/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_ws.c — libFuzzer target for src/ws.c: any bytes, fed to a server's
 * and a client's frame parser in pieces, give frames that claim no more
 * than they were given and messages whose text is UTF-8, or one error;
 * close payloads, both handshake heads, extension values and compressed
 * messages take any bytes; what is kept for display is printable; a frame
 * built from what was parsed parses back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ws.h"

static void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

static void
fuzz_printable(const char *s)
{
	for (; *s != '\0'; s++)
		fuzz_check(*s >= ' ' && *s <= '~');
}

/* The bytes as a stream of frames: cut at step, reassembled, deflated
 * messages inflated with a limit. */
static void
fuzz_stream(const uint8_t *p, size_t n, int server, size_t step)
{
	struct ws_deflate_params a = { 0 };
	struct ws_deflate *d = ws_deflate_new(&a, server);
	struct ws_parser ps;
	struct ws_reasm r;
	struct ws_frame f;
	struct buf out = BUF_INIT, re = BUF_INIT;
	char err[256];
	size_t off = 0;
	int k;

	ws_parser_init(&ps, server, 1 << 16);
	ps.rsv_ok = WS_RSV1;
	ws_reasm_init(&r, 1 << 17);
	while (off < n) {
		size_t c = n - off < step ? n - off : step;

		ws_parser_feed(&ps, p + off, c);
		off += c;
		while ((k = ws_parser_next(&ps, &f, err, sizeof err)) == 1) {
			fuzz_check(f.len <= n && f.head <= 14);
			/* Built again the same way, it parses the same. */
			buf_reset(&re);
			ws_frame_build(&re, f.fin, f.rsv, f.opcode,
			    f.masked ? f.key : NULL, f.payload, (size_t)f.len);
			{
				/* (A peer may use a longer length field than
				 * needed; the rebuilt one is minimal.) */
				struct ws_frame g;
				int h = ws_head_parse(buf_peek(&re),
				    buf_len(&re), &g, err, sizeof err);

				fuzz_check(h > 0 && g.head <= f.head &&
				    g.fin == f.fin && g.rsv == f.rsv &&
				    g.opcode == f.opcode && g.len == f.len &&
				    buf_len(&re) == g.head + g.len);
			}
			if (ws_op_is_control(f.opcode)) {
				const unsigned char *rs;
				size_t rl;
				int code;

				if (f.opcode == WS_OP_CLOSE &&
				    ws_close_parse(f.payload, (size_t)f.len,
				    &code, &rs, &rl, err, sizeof err) == 0)
					fuzz_check(code == WS_CLOSE_NO_STATUS ||
					    ws_close_code_ok(code));
				continue;
			}
			k = ws_reasm_add(&r, &f, err, sizeof err);
			if (k < 0)
				goto out;
			if (k == 0)
				continue;
			fuzz_check(buf_len(&r.data) <= r.max_msg);
			if (r.opcode == WS_OP_TEXT && !r.compressed)
				fuzz_check(ws_utf8_valid(buf_peek(&r.data),
				    buf_len(&r.data)));
			if (r.compressed) {
				buf_reset(&out);
				if (ws_deflate_decompress(d, buf_peek(&r.data),
				    buf_len(&r.data), &out, 1 << 18, err,
				    sizeof err) < 0)
					goto out;
				fuzz_check(buf_len(&out) <= (1 << 18));
			}
		}
		if (k < 0)
			break;
	}
out:
	ws_parser_free(&ps);
	ws_reasm_free(&r);
	ws_deflate_free(d);
	buf_free(&out);
	buf_free(&re);
}

static void
fuzz_heads(const unsigned char *p, size_t size, const char *s)
{
	struct ws_deflate_params off = { 0 }, ag;
	struct ws_response resp;
	struct ws_request req;
	struct ws_url u;
	struct buf b = BUF_INIT;
	char err[256], w[256], proto[64];
	int r;

	r = ws_response_parse(p, size, "dGhlIHNhbXBsZSBub25jZQ==", "chat", 1,
	    &resp, err, sizeof err);
	fuzz_check(r <= (int)size);
	if (r > 0) {
		fuzz_printable(resp.status_line);
		fuzz_printable(resp.protocol);
		fuzz_printable(resp.extensions);
		fuzz_printable(resp.why);
		ws_response_free(&resp);
	}
	r = ws_request_parse(p, size, &req, err, sizeof err);
	fuzz_check(r <= (int)size);
	if (r > 0) {
		fuzz_printable(req.path);
		fuzz_printable(req.host);
		r = ws_request_check(&req, "/", w, sizeof w);
		fuzz_check(r == 101 || r == 400 || r == 404 || r == 405 ||
		    r == 426);
		ws_protocol_choose(req.protocols, "chat,x", proto, sizeof proto);
		if (ws_deflate_accept(req.extensions, &off, &ag, &b) == 1) {
			struct ws_deflate_params back;

			fuzz_check(ws_deflate_response(buf_cstr(&b), &ag, &back,
			    err, sizeof err) == 1);
		}
	}
	off.client_max_window_bits = -1;
	(void)ws_deflate_response(s, &off, &ag, err, sizeof err);
	buf_reset(&b);
	(void)ws_deflate_accept(s, &off, &ag, &b);
	if (ws_url_parse(s, &u, err, sizeof err) == 0) {
		fuzz_printable(u.host);
		fuzz_printable(u.path);
	}
	(void)ws_header_check(s, err, sizeof err);
	(void)ws_protocols_check(s, err, sizeof err);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past them. */
	unsigned char *p = malloc(size ? size : 1);
	char *s = malloc(size + 1);
	struct ws_frame f;
	char err[256];
	int r;

	memcpy(p, data, size);
	memcpy(s, data, size);
	s[size] = '\0';
	r = ws_head_parse(p, size, &f, err, sizeof err);
	fuzz_check(r <= (int)size && r <= 14);
	fuzz_stream(p, size, 1, size > 0 ? (size_t)p[0] % 7 + 1 : 1);
	fuzz_stream(p, size, 0, size);
	fuzz_heads(p, size, s);
	free(s);
	free(p);
	return 0;
}
