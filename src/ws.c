/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ws.c — WebSocket framing, messages, close payloads, the opening
 * handshake and permessage-deflate, with no I/O (see ws.h).  SHA-1 is
 * written here rather than taken from libcrypto through ossl.c: that
 * loader is global state that may fail at run time, and ws:// must work
 * (and this module be tested and fuzzed) without OpenSSL. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "proxy.h"
#include "ws.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ws_op_name(int op)
{
	switch (op) {
	case WS_OP_CONT:	return "continuation";
	case WS_OP_TEXT:	return "text";
	case WS_OP_BINARY:	return "binary";
	case WS_OP_CLOSE:	return "close";
	case WS_OP_PING:	return "ping";
	case WS_OP_PONG:	return "pong";
	default:		return "reserved";
	}
}

int
ws_op_is_control(int op)
{
	return (op & 0x8) != 0;
}

/* --- Frames ------------------------------------------------------------------ */

int
ws_head_parse(const unsigned char *p, size_t n, struct ws_frame *f,
    char *err, size_t errlen)
{
	size_t h = 2, i;
	unsigned l7;

	if (n < 2)
		return 0;
	f->fin = p[0] >> 7;
	f->rsv = (p[0] >> 4) & 7;
	f->opcode = p[0] & 0xf;
	f->masked = p[1] >> 7;
	l7 = p[1] & 0x7f;
	if (l7 == 126)
		h += 2;
	else if (l7 == 127)
		h += 8;
	if (f->masked)
		h += 4;
	if (n < h)
		return 0;
	if (l7 < 126)
		f->len = l7;
	else if (l7 == 126)
		f->len = (uint64_t)p[2] << 8 | p[3];
	else {
		if (p[2] & 0x80)
			return fail(err, errlen, "frame length with its top bit "
			    "set (RFC 6455 5.2)");
		f->len = 0;
		for (i = 2; i < 10; i++)
			f->len = f->len << 8 | p[i];
	}
	if (f->masked)
		memcpy(f->key, p + h - 4, 4);
	f->head = h;
	f->payload = NULL;
	return (int)h;
}

void
ws_parser_init(struct ws_parser *ps, int server, uint64_t max_frame)
{
	memset(ps, 0, sizeof *ps);
	buf_init(&ps->in);
	ps->server = server;
	ps->max_frame = max_frame;
}

void
ws_parser_free(struct ws_parser *ps)
{
	buf_free(&ps->in);
}

void
ws_parser_feed(struct ws_parser *ps, const void *p, size_t n)
{
	buf_append(&ps->in, p, n);
}

/* What RFC 6455 §5 forbids in a frame's header, for this end. */
static int
frame_check(const struct ws_parser *ps, const struct ws_frame *f, char *err,
    size_t errlen)
{
	if (f->rsv & ~ps->rsv_ok)
		return fail(err, errlen, "frame with RSV bits %u set and no "
		    "extension that defines them", f->rsv & ~ps->rsv_ok);
	if ((f->opcode >= 3 && f->opcode <= 7) || f->opcode > 0xa)
		return fail(err, errlen, "frame with reserved opcode %d",
		    f->opcode);
	if (ws_op_is_control(f->opcode) && !f->fin)
		return fail(err, errlen, "fragmented %s frame (control frames "
		    "may not be fragmented)", ws_op_name(f->opcode));
	if (ws_op_is_control(f->opcode) && f->len > WS_CONTROL_MAX)
		return fail(err, errlen, "%s frame of %llu bytes (control "
		    "frames carry at most 125)", ws_op_name(f->opcode),
		    (unsigned long long)f->len);
	if (ws_op_is_control(f->opcode) && f->rsv != 0)
		return fail(err, errlen, "%s frame with RSV bits set",
		    ws_op_name(f->opcode));
	if (ps->server && !f->masked)
		return fail(err, errlen, "unmasked frame from a client");
	if (!ps->server && f->masked)
		return fail(err, errlen, "masked frame from a server");
	if (ps->max_frame != 0 && f->len > ps->max_frame)
		return fail(err, errlen, "frame of %llu bytes is longer than "
		    "the limit of %llu", (unsigned long long)f->len,
		    (unsigned long long)ps->max_frame);
	return 0;
}

static void
unmask(unsigned char *p, size_t n, const unsigned char key[4])
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] ^= key[i & 3];
}

int
ws_parser_next(struct ws_parser *ps, struct ws_frame *f, char *err,
    size_t errlen)
{
	unsigned char *p;
	size_t n;
	int h;

	buf_consume(&ps->in, ps->used);
	ps->used = 0;
	p = buf_peek(&ps->in);
	n = buf_len(&ps->in);
	h = ws_head_parse(p, n, f, err, errlen);
	if (h <= 0)
		return h;
	if (frame_check(ps, f, err, errlen) < 0)
		return -1;
	if (n - (size_t)h < f->len)
		return 0;
	p += h;
	if (f->masked)
		unmask(p, (size_t)f->len, f->key);
	f->payload = p;
	ps->used = (size_t)h + (size_t)f->len;
	return 1;
}

void
ws_frame_build(struct buf *out, int fin, unsigned rsv, int opcode,
    const unsigned char *key, const void *payload, size_t n)
{
	unsigned char h[14];
	size_t hl = 2, i, at;

	h[0] = (unsigned char)((fin ? 0x80 : 0) | (rsv & 7) << 4 |
	    (opcode & 0xf));
	if (n < 126)
		h[1] = (unsigned char)n;
	else if (n <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	if (key != NULL) {
		h[1] |= 0x80;
		memcpy(h + hl, key, 4);
		hl += 4;
	}
	buf_append(out, h, hl);
	at = buf_len(out);
	buf_append(out, payload, n);
	if (key != NULL)
		unmask(buf_peek(out) + at, n, key);
}

unsigned
ws_message_build(struct buf *out, int opcode, unsigned rsv,
    const void *payload, size_t n, size_t frag, ws_keyfn *keyfn, void *arg)
{
	const unsigned char *p = payload;
	unsigned char key[4];
	unsigned frames = 0;
	size_t off = 0;

	do {
		size_t k = n - off;

		if (frag != 0 && k > frag)
			k = frag;
		if (keyfn != NULL)
			keyfn(key, arg);
		ws_frame_build(out, off + k == n, frames == 0 ? rsv : 0,
		    frames == 0 ? opcode : WS_OP_CONT,
		    keyfn != NULL ? key : NULL, p + off, k);
		off += k;
		frames++;
	} while (off < n);
	return frames;
}

/* --- UTF-8 ---------------------------------------------------------------------- */

/* The lead byte c: how many continuation bytes follow and the range of the
 * first, which excludes overlong forms, surrogates and code points above
 * U+10FFFF (RFC 3629).  -1: c cannot lead. */
static int
utf8_lead(unsigned c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 0;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 2;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 3;
	}
	return -1;
}

int
ws_utf8_feed(struct ws_utf8 *u, const void *v, size_t n)
{
	const unsigned char *p = v;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned c = p[i];

		if (u->need > 0) {
			if (c < u->lo || c > u->hi)
				return -1;
			u->need--;
			u->lo = 0x80;
			u->hi = 0xbf;
		} else {
			int k;

			if (c < 0x80)
				continue;
			k = utf8_lead(c, &u->lo, &u->hi);
			if (k < 0)
				return -1;
			u->need = (unsigned char)k;
		}
	}
	return 0;
}

int
ws_utf8_complete(const struct ws_utf8 *u)
{
	return u->need == 0;
}

int
ws_utf8_valid(const void *p, size_t n)
{
	struct ws_utf8 u = WS_UTF8_INIT;

	return ws_utf8_feed(&u, p, n) == 0 && ws_utf8_complete(&u);
}

/* --- Messages ------------------------------------------------------------------- */

void
ws_reasm_init(struct ws_reasm *r, uint64_t max_msg)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->data);
	r->max_msg = max_msg;
}

void
ws_reasm_free(struct ws_reasm *r)
{
	buf_free(&r->data);
}

int
ws_reasm_add(struct ws_reasm *r, const struct ws_frame *f, char *err,
    size_t errlen)
{
	if (r->complete) {
		buf_reset(&r->data);
		r->opcode = 0;
		r->complete = 0;
	}
	if (f->opcode == WS_OP_CONT && r->opcode == 0)
		return fail(err, errlen, "continuation frame without a message "
		    "begun");
	if (f->opcode != WS_OP_CONT && r->opcode != 0)
		return fail(err, errlen, "new %s message before the last one "
		    "ended", ws_op_name(f->opcode));
	if (f->opcode != WS_OP_CONT) {
		struct ws_utf8 u0 = WS_UTF8_INIT;

		r->opcode = f->opcode;
		r->compressed = (f->rsv & WS_RSV1) != 0;
		r->frames = 0;
		r->utf8 = u0;
	} else if (f->rsv & WS_RSV1)
		return fail(err, errlen, "RSV1 on a continuation frame");
	r->frames++;
	if (r->max_msg != 0 && f->len > r->max_msg - buf_len(&r->data))
		return fail(err, errlen, "message longer than the limit of "
		    "%llu bytes", (unsigned long long)r->max_msg);
	buf_append(&r->data, f->payload, (size_t)f->len);
	if (r->opcode == WS_OP_TEXT && !r->compressed &&
	    ws_utf8_feed(&r->utf8, f->payload, (size_t)f->len) < 0)
		return fail(err, errlen, "text message that is not UTF-8");
	if (!f->fin)
		return 0;
	if (r->opcode == WS_OP_TEXT && !r->compressed &&
	    !ws_utf8_complete(&r->utf8))
		return fail(err, errlen, "text message that ends inside a "
		    "UTF-8 sequence");
	r->complete = 1;
	return 1;
}

/* --- Close ---------------------------------------------------------------------- */

int
ws_close_code_ok(int code)
{
	if (code >= 1000 && code <= 1003)
		return 1;
	if (code >= 1007 && code <= 1014)
		return 1;
	return code >= 3000 && code <= 4999;
}

const char *
ws_close_code_words(int code)
{
	static const char *const w[] = {
		"normal closure", "going away", "protocol error",
		"unsupported data", "reserved", "no status received",
		"abnormal closure", "invalid payload data", "policy violation",
		"message too big", "mandatory extension", "internal error",
		"service restart", "try again later", "bad gateway",
		"TLS handshake failure",
	};

	if (code >= 1000 && code <= 1015)
		return w[code - 1000];
	if (code >= 3000 && code <= 3999)
		return "registered";
	if (code >= 4000 && code <= 4999)
		return "private use";
	return "unassigned";
}

int
ws_close_build(struct buf *out, int code, const void *reason, size_t n,
    char *err, size_t errlen)
{
	unsigned char c[2];

	if (code == 0 && n == 0)
		return 0;
	if (!ws_close_code_ok(code))
		return fail(err, errlen, "close code %d may not be sent (RFC "
		    "6455 7.4: 1000-1003, 1007-1014, 3000-4999)", code);
	if (n > WS_CLOSE_REASON_MAX)
		return fail(err, errlen, "close reason of %zu bytes (at most "
		    "%d)", n, WS_CLOSE_REASON_MAX);
	if (!ws_utf8_valid(reason, n))
		return fail(err, errlen, "a close reason is UTF-8 (RFC 6455 "
		    "5.5.1; ws-frame --opcode 8 sends any)");
	c[0] = (unsigned char)(code >> 8);
	c[1] = (unsigned char)code;
	buf_append(out, c, 2);
	buf_append(out, reason, n);
	return 0;
}

int
ws_close_parse(const unsigned char *p, size_t n, int *code,
    const unsigned char **reason, size_t *rlen, char *err, size_t errlen)
{
	*reason = p;
	*rlen = 0;
	if (n == 0) {
		*code = WS_CLOSE_NO_STATUS;
		return 0;
	}
	if (n == 1)
		return fail(err, errlen, "close frame of 1 byte (a code is 2)");
	if (n > WS_CONTROL_MAX)
		return fail(err, errlen, "close frame of %zu bytes", n);
	*code = p[0] << 8 | p[1];
	if (!ws_close_code_ok(*code))
		return fail(err, errlen, "close code %d is not allowed on the "
		    "wire", *code);
	if (!ws_utf8_valid(p + 2, n - 2))
		return fail(err, errlen, "close reason that is not UTF-8");
	*reason = p + 2;
	*rlen = n - 2;
	return 0;
}

/* --- SHA-1 (FIPS 180-4), base64, keys ------------------------------------------- */

struct sha1 {
	uint32_t	 h[5];
	uint64_t	 len;
	unsigned char	 blk[64];
	size_t		 fill;
};

static uint32_t
rol(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

static void
sha1_block(struct sha1 *s, const unsigned char *b)
{
	uint32_t w[80], a, bb, c, d, e, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		    (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
	for (i = 0; i < 80; i++) {
		uint32_t f, k;

		if (i < 20)
			f = (bb & c) | (~bb & d), k = 0x5a827999;
		else if (i < 40)
			f = bb ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (bb & c) | (bb & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = bb ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(bb, 30), bb = a, a = t;
	}
	s->h[0] += a, s->h[1] += bb, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void
sha1_add(struct sha1 *s, const unsigned char *p, size_t n)
{
	s->len += n;
	while (n > 0) {
		size_t k = 64 - s->fill;

		if (k > n)
			k = n;
		memcpy(s->blk + s->fill, p, k);
		s->fill += k;
		p += k;
		n -= k;
		if (s->fill == 64) {
			sha1_block(s, s->blk);
			s->fill = 0;
		}
	}
}

void
ws_sha1(const void *p, size_t n, unsigned char out[20])
{
	struct sha1 s = { { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 }, 0, { 0 }, 0 };
	unsigned char pad[72] = { 0x80 };
	uint64_t bits;
	size_t padn, i;

	sha1_add(&s, p, n);
	bits = s.len * 8;
	padn = (s.fill < 56 ? 56 : 120) - s.fill;
	for (i = 0; i < 8; i++)
		pad[padn + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_add(&s, pad, padn + 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(s.h[i / 4] >> (24 - 8 * (i % 4)));
}

static void
b64_into(const void *p, size_t n, char *out, size_t outlen)
{
	struct buf b = BUF_INIT;

	proxy_base64(&b, p, n);
	snprintf(out, outlen, "%s", buf_cstr(&b));
	buf_free(&b);
}

void
ws_key_encode(const unsigned char nonce[16], char out[25])
{
	b64_into(nonce, 16, out, 25);
}

void
ws_accept(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char d[20];
	struct buf b = BUF_INIT;

	buf_puts(&b, key);
	buf_puts(&b, guid);
	ws_sha1(buf_peek(&b), buf_len(&b), d);
	buf_free(&b);
	b64_into(d, 20, out, 29);
}

/* --- URLs and header values --------------------------------------------------- */

int
ws_url_parse(const char *url, struct ws_url *u, char *err, size_t errlen)
{
	const char *h, *e, *ps;
	size_t hl;

	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "ws://", 5) == 0)
		h = url + 5;
	else if (strncasecmp(url, "wss://", 6) == 0) {
		h = url + 6;
		u->tls = 1;
	} else
		return fail(err, errlen, "not a WebSocket URL (ws://HOST[:PORT]"
		    "[/PATH] or wss://...)");
	ps = h + strcspn(h, "/?#");
	if (*ps == '#' || strchr(ps, '#') != NULL)
		return fail(err, errlen, "a WebSocket URL has no fragment (#)");
	if (memchr(h, '@', (size_t)(ps - h)) != NULL)
		return fail(err, errlen, "a WebSocket URL has no user name");
	if (*h == '[') {
		e = memchr(h, ']', (size_t)(ps - h));
		if (e == NULL)
			return fail(err, errlen, "'[' without ']' in the URL");
		hl = (size_t)(e - h - 1);
		h++;
		e++;
	} else {
		e = memchr(h, ':', (size_t)(ps - h));
		if (e == NULL)
			e = ps;
		hl = (size_t)(e - h);
	}
	if (hl == 0)
		return fail(err, errlen, "no host in the URL");
	if (hl > WS_NAME_MAX)
		return fail(err, errlen, "host name too long");
	memcpy(u->host, h, hl);
	for (size_t i = 0; i < hl; i++)
		if (u->host[i] <= ' ' || u->host[i] > '~')
			return fail(err, errlen, "bad byte in the URL's host");
	u->port = u->tls ? 443 : 80;
	if (e < ps && *e == ':') {
		unsigned long v = 0;
		const char *d;

		if (e + 1 == ps)
			return fail(err, errlen, "no port after ':' in the URL");
		for (d = e + 1; d < ps; d++) {
			if (!isdigit((unsigned char)*d) || v > 65535)
				return fail(err, errlen, "bad port in the URL");
			v = v * 10 + (unsigned long)(*d - '0');
		}
		if (v == 0 || v > 65535)
			return fail(err, errlen, "port out of range in the URL "
			    "(1-65535)");
		u->port = (uint16_t)v;
	} else if (e != ps)
		return fail(err, errlen, "junk after the host in the URL");
	if (strlen(ps) + 2 > WS_PATH_MAX)
		return fail(err, errlen, "URL path too long");
	for (e = ps; *e != '\0'; e++)
		if ((unsigned char)*e <= ' ' || (unsigned char)*e > '~')
			return fail(err, errlen, "bad byte in the URL's path "
			    "(spaces and control bytes must be %%-escaped)");
	snprintf(u->path, sizeof u->path, "%s%s", *ps == '/' ? "" : "/", ps);
	return 0;
}

/* An HTTP token character (RFC 9110 5.6.2). */
static int
tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

int
ws_header_check(const char *h, char *err, size_t errlen)
{
	const char *c = strchr(h, ':');
	const char *q;

	if (c == NULL || c == h)
		return fail(err, errlen, "a header is \"Name: value\"");
	for (q = h; q < c; q++)
		if (!tchar((unsigned char)*q))
			return fail(err, errlen, "bad byte in a header name");
	for (q = c + 1; *q != '\0'; q++)
		if ((unsigned char)*q < ' ' && *q != '\t')
			return fail(err, errlen, "control byte in a header value");
	return 0;
}

int
ws_protocols_check(const char *s, char *err, size_t errlen)
{
	const char *p = s;

	for (;;) {
		size_t k = 0;

		while (*p == ' ')
			p++;
		while (tchar((unsigned char)p[k]))
			k++;
		if (k == 0)
			return fail(err, errlen, "a subprotocol is a token "
			    "(letters, digits, !#$%%&'*+-.^_`|~), comma-separated");
		p += k;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return strlen(s) < WS_TEXT_MAX ? 0 :
			    fail(err, errlen, "subprotocol list too long");
		if (*p++ != ',')
			return fail(err, errlen, "a subprotocol is a token "
			    "(letters, digits, !#$%%&'*+-.^_`|~), comma-separated");
	}
}

/* Whether the comma-separated list has tok (case as given by fold). */
static int
list_has(const char *list, const char *tok, size_t tl, int fold)
{
	const char *p = list;

	while (*p != '\0') {
		size_t k;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		k = strcspn(p, ",");
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k == tl && k > 0 && (fold ? strncasecmp(p, tok, k) == 0 :
		    memcmp(p, tok, k) == 0))
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

void
ws_client_request(struct buf *out, const struct ws_client_req *q)
{
	const struct ws_url *u = q->url;
	int v6 = strchr(u->host, ':') != NULL;
	size_t i;

	buf_printf(out, "GET %s HTTP/1.1\r\nHost: %s%s%s", u->path,
	    v6 ? "[" : "", u->host, v6 ? "]" : "");
	if (u->port != (u->tls ? 443 : 80))
		buf_printf(out, ":%u", u->port);
	buf_printf(out, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", q->key);
	if (q->protocols != NULL && *q->protocols != '\0')
		buf_printf(out, "Sec-WebSocket-Protocol: %s\r\n", q->protocols);
	if (q->extensions != NULL && *q->extensions != '\0')
		buf_printf(out, "Sec-WebSocket-Extensions: %s\r\n",
		    q->extensions);
	if (q->origin != NULL)
		buf_printf(out, "Origin: %s\r\n", q->origin);
	for (i = 0; i < q->nheaders; i++)
		buf_printf(out, "%s\r\n", q->headers[i]);
	buf_puts(out, "\r\n");
}

/* --- HTTP heads ---------------------------------------------------------------- */

/* n bytes as safe text (\xHH for anything not printable) into out. */
static void
safe_text(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		if (p[i] >= ' ' && p[i] <= '~' && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    p[i]);
	}
	out[o] = '\0';
}

struct line {
	const unsigned char	*p;
	size_t			 n;
};

/* The next line of the head (without CR LF); 0 at its end. */
static int
next_line(const unsigned char *head, size_t end, size_t *at, struct line *l)
{
	const unsigned char *nl;

	if (*at >= end)
		return 0;
	l->p = head + *at;
	nl = memchr(l->p, '\n', end - *at);
	l->n = nl != NULL ? (size_t)(nl - l->p) : end - *at;
	*at += l->n + 1;
	if (l->n > 0 && l->p[l->n - 1] == '\r')
		l->n--;
	return l->n > 0;
}

/* A header line split into name and value, blanks trimmed; -1 when it is
 * not "Name: value". */
static int
header_split(const struct line *l, struct line *name, struct line *val)
{
	const unsigned char *c = memchr(l->p, ':', l->n);
	size_t i;

	if (c == NULL || c == l->p)
		return -1;
	name->p = l->p;
	name->n = (size_t)(c - l->p);
	for (i = 0; i < name->n; i++)
		if (!tchar(name->p[i]))
			return -1;
	val->p = c + 1;
	val->n = l->n - name->n - 1;
	while (val->n > 0 && (*val->p == ' ' || *val->p == '\t'))
		val->p++, val->n--;
	while (val->n > 0 && (val->p[val->n - 1] == ' ' ||
	    val->p[val->n - 1] == '\t'))
		val->n--;
	return 0;
}

static int
name_is(const struct line *name, const char *s)
{
	return name->n == strlen(s) && strncasecmp((const char *)name->p, s,
	    name->n) == 0;
}

/* A header's value into out (a repeated header's values joined with ", ");
 * -1 when it does not fit or is not printable ASCII. */
static int
value_keep(const struct line *v, char *out, size_t outlen)
{
	size_t have = strlen(out), i;

	for (i = 0; i < v->n; i++)
		if ((v->p[i] < ' ' && v->p[i] != '\t') || v->p[i] > '~')
			return -1;
	if (have + (have ? 2 : 0) + v->n + 1 > outlen)
		return -1;
	if (have > 0) {
		memcpy(out + have, ", ", 2);
		have += 2;
	}
	/* (a tab inside a value is kept as a blank: text to show) */
	for (i = 0; i < v->n; i++)
		out[have + i] = v->p[i] == '\t' ? ' ' : (char)v->p[i];
	out[have + v->n] = '\0';
	return 0;
}

/* Whether the value (a token list) has tok, case folded. */
static int
value_has(const struct line *v, const char *tok)
{
	char tmp[WS_TEXT_MAX];

	tmp[0] = '\0';
	return value_keep(v, tmp, sizeof tmp) == 0 &&
	    list_has(tmp, tok, strlen(tok), 1);
}

/* --- The response, as a client sees it ----------------------------------------- */

static int
status_parse(const struct line *l, int *status)
{
	const unsigned char *sp = memchr(l->p, ' ', l->n);
	int i;

	if (l->n < 5 || memcmp(l->p, "HTTP/", 5) != 0 || sp == NULL ||
	    (size_t)(sp - l->p) + 4 > l->n ||
	    (sp + 4 < l->p + l->n && sp[4] != ' '))
		return -1;
	*status = 0;
	for (i = 1; i <= 3; i++) {
		if (sp[i] < '0' || sp[i] > '9')
			return -1;
		*status = *status * 10 + (sp[i] - '0');
	}
	return 0;
}

static void
why(struct ws_response *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why(struct ws_response *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

/* What a 101 must carry, checked after its headers are read. */
static void
response_check(struct ws_response *r, int upgrade, int conn, int accept_ok,
    int accept_seen, const char *protocols, int deflate_offered)
{
	if (r->status != 101) {
		why(r, "the server answered %d, not 101", r->status);
		return;
	}
	if (!upgrade)
		why(r, "no \"Upgrade: websocket\" in the answer");
	if (!conn)
		why(r, "no \"Connection: Upgrade\" in the answer");
	if (!accept_seen)
		why(r, "no Sec-WebSocket-Accept in the answer");
	else if (!accept_ok)
		why(r, "Sec-WebSocket-Accept does not match the key sent");
	if (r->protocol[0] != '\0' && (protocols == NULL ||
	    strchr(r->protocol, ',') != NULL ||
	    !list_has(protocols, r->protocol, strlen(r->protocol), 0)))
		why(r, "the server chose subprotocol \"%s\", not offered",
		    r->protocol);
	if (r->extensions[0] != '\0' && !deflate_offered)
		why(r, "the server chose extensions \"%s\", none offered",
		    r->extensions);
}

int
ws_response_parse(const unsigned char *p, size_t n, const char *key,
    const char *protocols, int deflate_offered, struct ws_response *r,
    char *err, size_t errlen)
{
	size_t end = proxy_head_end(p, n), at = 0;
	int upgrade = 0, conn = 0, acc_ok = 0, acc_seen = 0;
	char want[29];
	struct line l, nm, v;

	if (memcmp(p, "HTTP/", n < 5 ? n : 5) != 0)
		return fail(err, errlen, "the server does not speak HTTP");
	if (end == 0)
		return n > WS_HEAD_MAX ? fail(err, errlen, "the server's "
		    "answer head is longer than %u bytes", WS_HEAD_MAX) : 0;
	memset(r, 0, offsetof(struct ws_response, headers));
	buf_init(&r->headers);
	r->why[0] = '\0';
	next_line(p, end, &at, &l);
	safe_text(l.p, l.n, r->status_line, sizeof r->status_line);
	if (status_parse(&l, &r->status) < 0)
		return fail(err, errlen, "bad HTTP status line from the server");
	ws_accept(key, want);
	while (next_line(p, end, &at, &l)) {
		char t[WS_TEXT_MAX];

		safe_text(l.p, l.n, t, sizeof t);
		buf_printf(&r->headers, "%s\n", t);
		if (header_split(&l, &nm, &v) < 0) {
			why(r, "bad header line in the answer: %s", t);
			continue;
		}
		if (name_is(&nm, "Upgrade"))
			upgrade |= value_has(&v, "websocket");
		else if (name_is(&nm, "Connection"))
			conn |= value_has(&v, "upgrade");
		else if (name_is(&nm, "Sec-WebSocket-Accept")) {
			acc_ok = !acc_seen && v.n == 28 &&
			    memcmp(v.p, want, 28) == 0;
			acc_seen = 1;
		} else if (name_is(&nm, "Sec-WebSocket-Protocol")) {
			if (value_keep(&v, r->protocol, sizeof r->protocol) < 0)
				why(r, "Sec-WebSocket-Protocol too long or not "
				    "text");
		} else if (name_is(&nm, "Sec-WebSocket-Extensions")) {
			if (value_keep(&v, r->extensions,
			    sizeof r->extensions) < 0)
				why(r, "Sec-WebSocket-Extensions too long or "
				    "not text");
		}
	}
	response_check(r, upgrade, conn, acc_ok, acc_seen, protocols,
	    deflate_offered);
	return (int)end;
}

void
ws_response_free(struct ws_response *r)
{
	buf_free(&r->headers);
}

/* --- The request, as a server sees it ------------------------------------------ */

/* "GET /path HTTP/1.1": method and path kept; -1 when not a request line. */
static int
request_line(const struct line *l, struct ws_request *q)
{
	const unsigned char *sp1 = memchr(l->p, ' ', l->n), *sp2;
	size_t k;

	if (sp1 == NULL || sp1 == l->p)
		return -1;
	k = (size_t)(sp1 - l->p);
	if (k >= sizeof q->method)
		return -1;
	for (size_t i = 0; i < k; i++)
		if (!tchar(l->p[i]))
			return -1;
	memcpy(q->method, l->p, k);
	q->method[k] = '\0';
	sp2 = memchr(sp1 + 1, ' ', l->n - k - 1);
	if (sp2 == NULL || (size_t)(l->p + l->n - sp2 - 1) < 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -1;
	if ((size_t)(sp2 - sp1 - 1) * 4 + 1 > sizeof q->path)
		return -1;
	safe_text(sp1 + 1, (size_t)(sp2 - sp1 - 1), q->path, sizeof q->path);
	return q->path[0] == '\0' ? -1 : 0;
}

/* One header of a request into q; -1 when it does not fit. */
static int
request_header(const struct line *nm, const struct line *v,
    struct ws_request *q, int *seen_version)
{
	if (name_is(nm, "Upgrade"))
		q->upgrade |= value_has(v, "websocket");
	else if (name_is(nm, "Connection"))
		q->conn_upgrade |= value_has(v, "upgrade");
	else if (name_is(nm, "Host"))
		return q->host[0] != '\0' ? -1 :
		    value_keep(v, q->host, sizeof q->host);
	else if (name_is(nm, "Sec-WebSocket-Key"))
		return q->key[0] != '\0' ? -1 :
		    value_keep(v, q->key, sizeof q->key);
	else if (name_is(nm, "Origin"))
		return value_keep(v, q->origin, sizeof q->origin);
	else if (name_is(nm, "Sec-WebSocket-Protocol"))
		return value_keep(v, q->protocols, sizeof q->protocols);
	else if (name_is(nm, "Sec-WebSocket-Extensions"))
		return value_keep(v, q->extensions, sizeof q->extensions);
	else if (name_is(nm, "Sec-WebSocket-Version")) {
		size_t i;

		if (*seen_version)
			return -1;
		*seen_version = 1;
		q->version = 0;
		for (i = 0; i < v->n && i < 4; i++) {
			if (v->p[i] < '0' || v->p[i] > '9')
				break;
			q->version = q->version * 10 + (v->p[i] - '0');
		}
		if (i != v->n || v->n == 0)
			q->version = 0;
	}
	return 0;
}

int
ws_request_parse(const unsigned char *p, size_t n, struct ws_request *q,
    char *err, size_t errlen)
{
	size_t end = proxy_head_end(p, n), at = 0;
	int seen_version = 0;
	struct line l, nm, v;

	if (end == 0) {
		if (n > WS_HEAD_MAX)
			return fail(err, errlen, "request head longer than %u "
			    "bytes", WS_HEAD_MAX);
		if (n > 0 && (p[0] < 'A' || p[0] > 'Z'))
			return fail(err, errlen, "not an HTTP request");
		return 0;
	}
	memset(q, 0, sizeof *q);
	q->version = -1;
	next_line(p, end, &at, &l);
	if (request_line(&l, q) < 0)
		return fail(err, errlen, "not an HTTP request line");
	while (next_line(p, end, &at, &l)) {
		if (header_split(&l, &nm, &v) < 0)
			return fail(err, errlen, "bad header line in the request");
		if (request_header(&nm, &v, q, &seen_version) < 0) {
			char t[64];

			safe_text(nm.p, nm.n < 40 ? nm.n : 40, t, sizeof t);
			return fail(err, errlen, "header %s repeated, too long "
			    "or not text", t);
		}
	}
	return (int)end;
}

/* A Sec-WebSocket-Key: base64 of 16 bytes (RFC 6455 4.2.1). */
static int
key_ok(const char *k)
{
	size_t i;

	if (strlen(k) != 24 || strcmp(k + 22, "==") != 0)
		return 0;
	for (i = 0; i < 22; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '+' && k[i] != '/')
			return 0;
	return 1;
}

int
ws_request_check(const struct ws_request *q, const char *path, char *w,
    size_t wl)
{
	size_t pl;

	if (strcmp(q->method, "GET") != 0)
		return snprintf(w, wl, "method %s, not GET", q->method), 405;
	if (path != NULL) {
		pl = strcspn(q->path, "?");
		if (pl != strlen(path) || memcmp(q->path, path, pl) != 0)
			return snprintf(w, wl, "no WebSocket at %s", q->path),
			    404;
	}
	if (!q->upgrade)
		return snprintf(w, wl, "not a WebSocket upgrade (no \"Upgrade: "
		    "websocket\")"), 426;
	if (!q->conn_upgrade)
		return snprintf(w, wl, "no \"Connection: Upgrade\""), 400;
	if (q->host[0] == '\0')
		return snprintf(w, wl, "no Host header"), 400;
	if (q->version != 13)
		return snprintf(w, wl, "Sec-WebSocket-Version %s, not 13",
		    q->version < 0 ? "missing" : "unsupported"), 426;
	if (!key_ok(q->key))
		return snprintf(w, wl, "Sec-WebSocket-Key %s",
		    q->key[0] == '\0' ? "missing" : "is not 16 bytes of "
		    "base64"), 400;
	return 101;
}

void
ws_protocol_choose(const char *offered, const char *ours, char *out,
    size_t outlen)
{
	const char *p = offered;

	out[0] = '\0';
	while (*p != '\0') {
		size_t k;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		k = strcspn(p, ", \t");
		if (k > 0 && list_has(ours, p, k, 0) && k < outlen) {
			memcpy(out, p, k);
			out[k] = '\0';
			return;
		}
		p += k;
	}
}

void
ws_answer_101(struct buf *out, const char *key, const char *protocol,
    const char *extensions)
{
	char acc[29];

	ws_accept(key, acc);
	buf_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n", acc);
	if (protocol != NULL && *protocol != '\0')
		buf_printf(out, "Sec-WebSocket-Protocol: %s\r\n", protocol);
	if (extensions != NULL && *extensions != '\0')
		buf_printf(out, "Sec-WebSocket-Extensions: %s\r\n", extensions);
	buf_puts(out, "\r\n");
}

void
ws_answer_error(struct buf *out, int status, const char *w)
{
	const char *reason = status == 404 ? "Not Found" :
	    status == 405 ? "Method Not Allowed" :
	    status == 426 ? "Upgrade Required" : "Bad Request";

	buf_printf(out, "HTTP/1.1 %d %s\r\n", status, reason);
	if (status == 426)
		buf_puts(out, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Version: 13\r\n");
	if (status == 405)
		buf_puts(out, "Allow: GET\r\n");
	buf_printf(out, "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s\n", strlen(w) + 1, w);
}

/* --- permessage-deflate: negotiation ---------------------------------------------- */

void
ws_deflate_offer(struct buf *out, const struct ws_deflate_params *o)
{
	buf_puts(out, "permessage-deflate");
	if (o->client_no_context_takeover)
		buf_puts(out, "; client_no_context_takeover");
	if (o->server_no_context_takeover)
		buf_puts(out, "; server_no_context_takeover");
	if (o->client_max_window_bits < 0)
		buf_puts(out, "; client_max_window_bits");
	else if (o->client_max_window_bits > 0)
		buf_printf(out, "; client_max_window_bits=%d",
		    o->client_max_window_bits);
	if (o->server_max_window_bits > 0)
		buf_printf(out, "; server_max_window_bits=%d",
		    o->server_max_window_bits);
}

/* "8".."15", quoted or not (RFC 7692 7.1.2); -1 otherwise. */
static int
bits_value(const char *v, size_t n)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		v++, n -= 2;
	if (n == 1 && v[0] >= '8' && v[0] <= '9')
		return v[0] - '0';
	if (n == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
		return 10 + v[1] - '0';
	return -1;
}

/* One extension element "name; a; b=c" (n bytes at e): 1 with the
 * parameters when it is a valid permessage-deflate, 0 when it is another
 * extension, -1 with err when its parameters are bad.  offer: an offer
 * (client_max_window_bits may come without a value). */
static int
deflate_element(const char *e, size_t n, int offer,
    struct ws_deflate_params *pp, char *err, size_t errlen)
{
	const char *end = e + n, *q;
	unsigned seen = 0;

	memset(pp, 0, sizeof *pp);
	while (e < end && (*e == ' ' || *e == '\t'))
		e++;
	q = memchr(e, ';', (size_t)(end - e));
	if (q == NULL)
		q = end;
	{
		size_t k = (size_t)(q - e);

		while (k > 0 && (e[k - 1] == ' ' || e[k - 1] == '\t'))
			k--;
		if (k != 18 || strncasecmp(e, "permessage-deflate", 18) != 0)
			return 0;
	}
	while (q < end) {
		const char *a = q + 1, *eq, *ve;
		size_t an, vn = 0;
		int bit, val = -1;

		while (a < end && (*a == ' ' || *a == '\t'))
			a++;
		for (q = a; q < end && *q != ';'; q++)
			;
		ve = q;
		while (ve > a && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		eq = memchr(a, '=', (size_t)(ve - a));
		an = (size_t)((eq != NULL ? eq : ve) - a);
		while (an > 0 && (a[an - 1] == ' ' || a[an - 1] == '\t'))
			an--;
		if (eq != NULL) {
			const char *vs = eq + 1;

			while (vs < ve && (*vs == ' ' || *vs == '\t'))
				vs++;
			vn = (size_t)(ve - vs);
			val = bits_value(vs, vn);
			if (val < 0)
				return fail(err, errlen, "bad permessage-deflate "
				    "window bits (8-15)");
		}
#define PARAM(s)	(an == sizeof(s) - 1 && strncasecmp(a, s, an) == 0)
		if (PARAM("client_no_context_takeover") && eq == NULL)
			bit = 1, pp->client_no_context_takeover = 1;
		else if (PARAM("server_no_context_takeover") && eq == NULL)
			bit = 2, pp->server_no_context_takeover = 1;
		else if (PARAM("server_max_window_bits") && eq != NULL)
			bit = 4, pp->server_max_window_bits = val;
		else if (PARAM("client_max_window_bits") &&
		    (eq != NULL || offer))
			bit = 8, pp->client_max_window_bits = eq ? val : -1;
		else
			return fail(err, errlen, "unknown or malformed "
			    "permessage-deflate parameter");
#undef PARAM
		if (seen & (unsigned)bit)
			return fail(err, errlen, "repeated permessage-deflate "
			    "parameter");
		seen |= (unsigned)bit;
	}
	return 1;
}

/* The next element of an extension list (outside quotes): its bytes. */
static int
next_element(const char **p, const char **e, size_t *n)
{
	const char *s = *p;
	int quoted = 0;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (*s == '\0')
		return 0;
	*e = s;
	for (; *s != '\0' && (quoted || *s != ','); s++)
		if (*s == '"')
			quoted = !quoted;
	*n = (size_t)(s - *e);
	*p = s;
	return 1;
}

int
ws_deflate_accept(const char *offers, const struct ws_deflate_params *ours,
    struct ws_deflate_params *agreed, struct buf *out)
{
	const char *p = offers, *e;
	char err[128];
	size_t n;

	while (next_element(&p, &e, &n)) {
		struct ws_deflate_params o;

		if (deflate_element(e, n, 1, &o, err, sizeof err) != 1)
			continue;
		memset(agreed, 0, sizeof *agreed);
		agreed->client_no_context_takeover =
		    o.client_no_context_takeover || ours->client_no_context_takeover;
		agreed->server_no_context_takeover =
		    o.server_no_context_takeover || ours->server_no_context_takeover;
		agreed->server_max_window_bits = o.server_max_window_bits;
		/* A client that says it can take a limit gets ours, if any. */
		if (o.client_max_window_bits != 0 &&
		    ours->client_max_window_bits > 0)
			agreed->client_max_window_bits =
			    o.client_max_window_bits > 0 &&
			    o.client_max_window_bits < ours->client_max_window_bits ?
			    o.client_max_window_bits : ours->client_max_window_bits;
		else if (o.client_max_window_bits > 0)
			agreed->client_max_window_bits = o.client_max_window_bits;
		ws_deflate_offer(out, agreed);
		return 1;
	}
	return 0;
}

int
ws_deflate_response(const char *value, const struct ws_deflate_params *off,
    struct ws_deflate_params *agreed, char *err, size_t errlen)
{
	const char *p = value, *e;
	size_t n;
	int r, got = 0;

	while (next_element(&p, &e, &n)) {
		if (got)
			return fail(err, errlen, "the server accepted more than "
			    "one extension");
		r = deflate_element(e, n, 0, agreed, err, errlen);
		if (r < 0)
			return -1;
		if (r == 0)
			return fail(err, errlen, "the server accepted an "
			    "extension not offered");
		got = 1;
	}
	if (!got)
		return 0;
	if (agreed->client_max_window_bits != 0 &&
	    off->client_max_window_bits == 0)
		return fail(err, errlen, "the server set client_max_window_bits, "
		    "not offered");
	if (off->server_max_window_bits > 0 &&
	    (agreed->server_max_window_bits == 0 ||
	    agreed->server_max_window_bits > off->server_max_window_bits))
		return fail(err, errlen, "the server did not keep "
		    "server_max_window_bits as offered");
	if (off->server_no_context_takeover &&
	    !agreed->server_no_context_takeover)
		return fail(err, errlen, "the server did not agree to "
		    "server_no_context_takeover");
	return 1;
}

/* --- permessage-deflate: messages ----------------------------------------------- */

struct ws_deflate {
	z_stream	 tx, rx;
	int		 tx_ready, rx_ready;
	int		 tx_reset, rx_reset;	/* no context takeover */
	int		 tx_bits, rx_bits;
};

static const unsigned char tail[4] = { 0x00, 0x00, 0xff, 0xff };

struct ws_deflate *
ws_deflate_new(const struct ws_deflate_params *a, int server)
{
	struct ws_deflate *d = xcalloc(1, sizeof *d);
	int cb = a->client_max_window_bits > 0 ? a->client_max_window_bits : 15;
	int sb = a->server_max_window_bits > 0 ? a->server_max_window_bits : 15;

	d->tx_reset = server ? a->server_no_context_takeover :
	    a->client_no_context_takeover;
	d->rx_reset = server ? a->client_no_context_takeover :
	    a->server_no_context_takeover;
	d->tx_bits = server ? sb : cb;
	d->rx_bits = server ? cb : sb;
	return d;
}

void
ws_deflate_free(struct ws_deflate *d)
{
	if (d == NULL)
		return;
	if (d->tx_ready)
		deflateEnd(&d->tx);
	if (d->rx_ready)
		inflateEnd(&d->rx);
	free(d);
}

/* zlib's raw deflate has no 256-byte window: with 8 bits agreed, stored
 * blocks (level 0) refer back to nothing and fit any window. */
static int
tx_start(struct ws_deflate *d)
{
	int bits = d->tx_bits < 9 ? 9 : d->tx_bits;
	int level = d->tx_bits < 9 ? 0 : Z_DEFAULT_COMPRESSION;

	if (d->tx_ready)
		return 0;
	if (deflateInit2(&d->tx, level, Z_DEFLATED, -bits, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	d->tx_ready = 1;
	return 0;
}

int
ws_deflate_compress(struct ws_deflate *d, const void *p, size_t n,
    struct buf *out, char *err, size_t errlen)
{
	size_t start = buf_len(out), got;
	unsigned char chunk[16384];
	int rc;

	if (tx_start(d) < 0)
		return fail(err, errlen, "zlib: cannot start deflate");
	d->tx.next_in = (unsigned char *)(uintptr_t)p;
	d->tx.avail_in = (uInt)n;
	do {
		d->tx.next_out = chunk;
		d->tx.avail_out = sizeof chunk;
		rc = deflate(&d->tx, Z_SYNC_FLUSH);
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return fail(err, errlen, "zlib deflate: %s",
			    d->tx.msg ? d->tx.msg : "error");
		buf_append(out, chunk, sizeof chunk - d->tx.avail_out);
	} while (d->tx.avail_out == 0 || d->tx.avail_in > 0);
	got = buf_len(out) - start;
	if (got >= 4 && memcmp(buf_peek(out) + buf_len(out) - 4, tail, 4) == 0)
		out->len -= 4;
	if (d->tx_reset)
		deflateReset(&d->tx);
	return 0;
}

int
ws_deflate_decompress(struct ws_deflate *d, const void *p, size_t n,
    struct buf *out, size_t max, char *err, size_t errlen)
{
	unsigned char chunk[16384];
	size_t made = 0;
	int pass, rc;

	if (!d->rx_ready) {
		if (inflateInit2(&d->rx, -d->rx_bits) != Z_OK)
			return fail(err, errlen, "zlib: cannot start inflate");
		d->rx_ready = 1;
	}
	/* The message, then the tail the sender stripped. */
	for (pass = 0; pass < 2; pass++) {
		d->rx.next_in = pass == 0 ? (unsigned char *)(uintptr_t)p :
		    (unsigned char *)(uintptr_t)tail;
		d->rx.avail_in = pass == 0 ? (uInt)n : 4;
		do {
			d->rx.next_out = chunk;
			d->rx.avail_out = sizeof chunk;
			rc = inflate(&d->rx, Z_SYNC_FLUSH);
			if (rc != Z_OK && rc != Z_BUF_ERROR &&
			    rc != Z_STREAM_END)
				return fail(err, errlen, "compressed message "
				    "is not valid deflate data (%s)",
				    d->rx.msg ? d->rx.msg : "zlib error");
			made += sizeof chunk - d->rx.avail_out;
			if (max != 0 && made > max)
				return fail(err, errlen, "message inflates past "
				    "the limit of %zu bytes", max);
			buf_append(out, chunk, sizeof chunk - d->rx.avail_out);
			if (rc == Z_STREAM_END) {
				/* A final block: the next message starts a
				 * new stream (context cannot carry over). */
				inflateReset(&d->rx);
				if (d->rx.avail_in > 0 && pass == 0)
					return fail(err, errlen, "bytes after "
					    "the final deflate block");
				break;
			}
		} while (d->rx.avail_out == 0 || (d->rx.avail_in > 0 &&
		    rc != Z_BUF_ERROR));
		if (d->rx.avail_in > 0 && rc == Z_BUF_ERROR)
			return fail(err, errlen, "compressed message is not "
			    "valid deflate data");
	}
	if (d->rx_reset)
		inflateReset(&d->rx);
	return 0;
}
