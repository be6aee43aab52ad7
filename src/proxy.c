/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proxy.c — SOCKS5, SOCKS4a and HTTP CONNECT messages, built and parsed
 * with no I/O (see proxy.h).  What comes from outside is checked byte by
 * byte: a name that reaches a message or the display is printable ASCII
 * without blanks, and a status line is made safe before it is kept. */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "proxy.h"

static int
fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/* A host name as it may travel and be shown: 1..255 bytes of printable
 * ASCII, no blanks, no '@' '/' (they would make a URL ambiguous). */
static int
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > PROXY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] > '~' || p[i] == '@' || p[i] == '/')
			return 0;
	return 1;
}

/* HOST with or without brackets into out; -1 with err. */
static int
host_unbracket(const char *host, char *out, size_t outlen, char *err,
    size_t errlen)
{
	int r = addr_unbracket(host, out, outlen, err, errlen);
	size_t n = strlen(host);

	if (r == 0) {
		if (n >= outlen)
			return fail(err, errlen, "host name too long");
		memcpy(out, host, n + 1);
	}
	return r == -1 ? -1 : 0;
}

/* --- URLs ------------------------------------------------------------------ */

static const struct {
	const char	*scheme;
	enum proxy_type	 type;
} schemes[] = {
	{ "socks5://", PROXY_SOCKS5 },
	{ "socks5h://", PROXY_SOCKS5H },
	{ "socks4a://", PROXY_SOCKS4A },
	{ "socks4://", PROXY_SOCKS4 },
	{ "http://", PROXY_HTTP },
};

/* %XX escapes decoded into out (at most 255 bytes); -1 when bad. */
static int
url_unescape(const char *p, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)p[i];

		if (c == '%') {
			char hx[3];
			char *end;

			if (i + 2 >= n)
				return -1;
			hx[0] = p[i + 1];
			hx[1] = p[i + 2];
			hx[2] = '\0';
			c = (int)strtol(hx, &end, 16);
			if (end != hx + 2 || hx[0] == '+' || hx[0] == '-')
				return -1;
			i += 2;
		}
		if (c == 0 || o >= PROXY_NAME_MAX)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int
url_userinfo(const char *p, size_t n, struct proxy_url *u, char *err,
    size_t errlen)
{
	const char *colon = memchr(p, ':', n);

	if (colon == NULL)
		return fail(err, errlen, "proxy credentials must be USER:PASS");
	if (url_unescape(p, (size_t)(colon - p), u->user) == -1 ||
	    url_unescape(colon + 1, n - (size_t)(colon - p) - 1, u->pass) == -1)
		return fail(err, errlen, "bad %-escape or NUL in the proxy "
		    "credentials (at most 255 bytes each)");
	if (u->user[0] == '\0' || u->pass[0] == '\0')
		return fail(err, errlen, "empty proxy user or password");
	u->auth = 1;
	return 0;
}

int
proxy_url_parse(const char *url, struct proxy_url *u, char *err,
    size_t errlen)
{
	const char *rest = NULL, *at, *slash;
	char hostport[PROXY_NAME_MAX + 16], port[16], host[PROXY_NAME_MAX + 1];
	size_t i, n;

	memset(u, 0, sizeof *u);
	for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncasecmp(url, schemes[i].scheme,
		    strlen(schemes[i].scheme)) == 0) {
			u->type = schemes[i].type;
			rest = url + strlen(schemes[i].scheme);
			break;
		}
	if (rest == NULL)
		return fail(err, errlen, "proxy URL must start with socks5://, "
		    "socks5h://, socks4://, socks4a:// or http://");
	n = strlen(rest);
	slash = memchr(rest, '/', n);
	if (slash != NULL) {
		if (slash[1] != '\0')
			return fail(err, errlen, "a proxy URL has no path");
		n = (size_t)(slash - rest);
	}
	at = NULL;
	for (i = 0; i < n; i++)
		if (rest[i] == '@')
			at = rest + i;
	if (at != NULL) {
		if (u->type == PROXY_SOCKS4A || u->type == PROXY_SOCKS4)
			return fail(err, errlen, u->type == PROXY_SOCKS4 ?
			    "socks4 has no password (a user id only: not "
			    "supported)" : "socks4a has no password "
			    "(a user id only: not supported)");
		if (url_userinfo(rest, (size_t)(at - rest), u, err,
		    errlen) == -1)
			return -1;
		n -= (size_t)(at + 1 - rest);
		rest = at + 1;
	}
	if (n == 0 || n >= sizeof hostport)
		return fail(err, errlen, "proxy URL needs HOST:PORT");
	memcpy(hostport, rest, n);
	hostport[n] = '\0';
	if (addr_split_hostport(hostport, host, sizeof host, port, sizeof port,
	    err, errlen) == -1)
		return -1;
	if (host_unbracket(host, u->host, sizeof u->host, err, errlen) == -1)
		return -1;
	if (!name_ok(u->host, strlen(u->host)))
		return fail(err, errlen, "bad proxy host");
	return addr_parse_port(port, 0, NULL, NULL, &u->port, err, errlen);
}

const char *
proxy_type_name(enum proxy_type t)
{
	switch (t) {
	case PROXY_SOCKS5:
		return "socks5";
	case PROXY_SOCKS5H:
		return "socks5h";
	case PROXY_SOCKS4A:
		return "socks4a";
	case PROXY_SOCKS4:
		return "socks4";
	default:
		return "http";
	}
}

void
proxy_url_fmt(const struct proxy_url *u, struct buf *out)
{
	buf_printf(out, strchr(u->host, ':') ? "%s [%s]:%u" : "%s %s:%u",
	    proxy_type_name(u->type), u->host, u->port);
}

/* --- SOCKS5, client side ------------------------------------------------ */

void
socks5_greeting(struct buf *out, int userpass)
{
	static const unsigned char plain[] = { 5, 1, SOCKS5_NOAUTH };
	static const unsigned char both[] = { 5, 2, SOCKS5_NOAUTH,
	    SOCKS5_USERPASS };

	if (userpass)
		buf_append(out, both, sizeof both);
	else
		buf_append(out, plain, sizeof plain);
}

int
socks5_choice_parse(const unsigned char *p, size_t n, int *method, char *err,
    size_t errlen)
{
	if (n < 2)
		return n >= 1 && p[0] != 5 ? fail(err, errlen,
		    "the proxy does not speak SOCKS5") : 0;
	if (p[0] != 5)
		return fail(err, errlen, "the proxy does not speak SOCKS5");
	*method = p[1];
	return 2;
}

int
socks5_auth(struct buf *out, const char *user, const char *pass)
{
	size_t ul = strlen(user), pl = strlen(pass);
	unsigned char b;

	if (ul == 0 || ul > 255 || pl == 0 || pl > 255)
		return -1;
	b = 1;
	buf_append(out, &b, 1);
	b = (unsigned char)ul;
	buf_append(out, &b, 1);
	buf_append(out, user, ul);
	b = (unsigned char)pl;
	buf_append(out, &b, 1);
	buf_append(out, pass, pl);
	return 0;
}

int
socks5_auth_reply_parse(const unsigned char *p, size_t n, int *status,
    char *err, size_t errlen)
{
	if (n < 2)
		return 0;
	if (p[0] != 1)
		return fail(err, errlen, "bad SOCKS5 authentication reply");
	*status = p[1];
	return 2;
}

static void
put16(struct buf *out, uint16_t v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	buf_append(out, b, 2);
}

int
socks5_connect(struct buf *out, const char *host, uint16_t port)
{
	unsigned char a[16], hd[5] = { 5, 1, 0, 0, 0 };
	size_t n = strlen(host);

	if (inet_pton(AF_INET, host, a) == 1) {
		hd[3] = 1;
		buf_append(out, hd, 4);
		buf_append(out, a, 4);
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		hd[3] = 4;
		buf_append(out, hd, 4);
		buf_append(out, a, 16);
	} else {
		if (n == 0 || n > PROXY_NAME_MAX)
			return -1;
		hd[3] = 3;
		hd[4] = (unsigned char)n;
		buf_append(out, hd, 5);
		buf_append(out, host, n);
	}
	put16(out, port);
	return 0;
}

/* ATYP and the address after it at p (n bytes): its size (port
 * included), 0 for more, -1 for a bad type; into t when not NULL. */
static int
socks5_addr(const unsigned char *p, size_t n, struct proxy_target *t)
{
	size_t need;
	int type;

	if (n < 1)
		return 0;
	type = p[0];
	if (type == 1)
		need = 1 + 4 + 2;
	else if (type == 4)
		need = 1 + 16 + 2;
	else if (type == 3) {
		if (n < 2)
			return 0;
		need = 2 + (size_t)p[1] + 2;
	} else
		return -1;
	if (n < need)
		return 0;
	if (t != NULL) {
		if (type == 1)
			inet_ntop(AF_INET, p + 1, t->host, sizeof t->host);
		else if (type == 4)
			inet_ntop(AF_INET6, p + 1, t->host, sizeof t->host);
		else {
			memcpy(t->host, p + 2, p[1]);
			t->host[p[1]] = '\0';
		}
		t->port = (uint16_t)(p[need - 2] << 8 | p[need - 1]);
	}
	return (int)need;
}

int
socks5_reply_parse(const unsigned char *p, size_t n, int *rep,
    struct proxy_target *bound, char *err, size_t errlen)
{
	int a;

	if (n >= 1 && p[0] != 5)
		return fail(err, errlen, "bad SOCKS5 reply (version)");
	if (n < 3)
		return 0;
	*rep = p[1];
	a = socks5_addr(p + 3, n - 3, bound);
	if (a == -1)
		return fail(err, errlen, "bad SOCKS5 reply (address type)");
	if (a == 0)
		return 0;
	if (bound != NULL && !name_ok(bound->host, strlen(bound->host)))
		snprintf(bound->host, sizeof bound->host, "?");
	return 3 + a;
}

const char *
socks5_reply_words(int rep)
{
	static const char *const words[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused",
		"TTL expired",
		"command not supported",
		"address type not supported",
	};

	if (rep >= 0 && (size_t)rep < sizeof words / sizeof words[0])
		return words[rep];
	return "unassigned reply code";
}

/* --- SOCKS4a ---------------------------------------------------------------- */

int
socks4a_connect(struct buf *out, const char *host, uint16_t port,
    const char *user)
{
	unsigned char hd[2] = { 4, 1 }, a[4], nul = 0;
	static const unsigned char name_ip[4] = { 0, 0, 0, 1 };
	size_t n = strlen(host);
	int numeric = inet_pton(AF_INET, host, a) == 1;

	if (!numeric && (n == 0 || n > PROXY_NAME_MAX || strchr(host, ':')))
		return -1;
	buf_append(out, hd, 2);
	put16(out, port);
	buf_append(out, numeric ? a : name_ip, 4);
	buf_puts(out, user != NULL ? user : "");
	buf_append(out, &nul, 1);
	if (!numeric) {
		buf_append(out, host, n);
		buf_append(out, &nul, 1);
	}
	return 0;
}

int
socks4_reply_parse(const unsigned char *p, size_t n, int *code, char *err,
    size_t errlen)
{
	if (n >= 1 && p[0] != 0)
		return fail(err, errlen, "bad SOCKS4 reply (version)");
	if (n < 8)
		return 0;
	*code = p[1];
	return 8;
}

const char *
socks4_reply_words(int code)
{
	switch (code) {
	case 90:
		return "request granted";
	case 91:
		return "request rejected or failed";
	case 92:
		return "rejected: the proxy cannot reach the client's identd";
	case 93:
		return "rejected: identd reports another user id";
	default:
		return "unassigned reply code";
	}
}

/* --- HTTP CONNECT ----------------------------------------------------------- */

void
proxy_base64(struct buf *out, const void *v, size_t n)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned x = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
		    p[i + 2];

		buf_putc(out, al[x >> 18]);
		buf_putc(out, al[(x >> 12) & 63]);
		buf_putc(out, al[(x >> 6) & 63]);
		buf_putc(out, al[x & 63]);
	}
	if (n - i == 1) {
		buf_putc(out, al[p[i] >> 2]);
		buf_putc(out, al[(p[i] & 3) << 4]);
		buf_puts(out, "==");
	} else if (n - i == 2) {
		unsigned x = (unsigned)p[i] << 8 | p[i + 1];

		buf_putc(out, al[x >> 10]);
		buf_putc(out, al[(x >> 4) & 63]);
		buf_putc(out, al[(x & 15) << 2]);
		buf_putc(out, '=');
	}
}

void
http_connect(struct buf *out, const char *host, uint16_t port,
    const char *user, const char *pass)
{
	struct buf hp = BUF_INIT, cred = BUF_INIT;

	if (strchr(host, ':') != NULL)
		buf_printf(&hp, "[%s]:%u", host, port);
	else
		buf_printf(&hp, "%s:%u", host, port);
	buf_printf(out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", buf_cstr(&hp),
	    buf_cstr(&hp));
	if (user != NULL) {
		buf_printf(&cred, "%s:%s", user, pass);
		buf_puts(out, "Proxy-Authorization: Basic ");
		proxy_base64(out, buf_peek(&cred), buf_len(&cred));
		buf_puts(out, "\r\n");
	}
	buf_puts(out, "\r\n");
	buf_free(&hp);
	buf_free(&cred);
}

size_t
proxy_head_end(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The first line of p (without CR LF): its length. */
static size_t
http_line_len(const unsigned char *p, size_t n)
{
	const unsigned char *nl = memchr(p, '\n', n);
	size_t k = nl != NULL ? (size_t)(nl - p) : n;

	return k > 0 && p[k - 1] == '\r' ? k - 1 : k;
}

/* Printable ASCII as is, anything else as \xHH, cut to fit. */
static void
safe_line(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		if (p[i] >= ' ' && p[i] <= '~' && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    p[i]);
	}
	if (outlen > 0)
		out[o < outlen ? o : outlen - 1] = '\0';
}

int
http_response_parse(const unsigned char *p, size_t n, int *status,
    char *line, size_t linelen, char *err, size_t errlen)
{
	size_t end = proxy_head_end(p, n), ll;
	int i;

	if (n >= 5 && memcmp(p, "HTTP/", 5) != 0)
		return fail(err, errlen, "the proxy does not speak HTTP");
	if (n < 5 && memcmp(p, "HTTP/", n) != 0)
		return fail(err, errlen, "the proxy does not speak HTTP");
	if (end == 0) {
		if (n > PROXY_HTTP_HEAD_MAX)
			return fail(err, errlen, "the proxy's response head "
			    "is too long");
		return 0;
	}
	ll = http_line_len(p, end);
	safe_line(p, ll, line, linelen);
	/* "HTTP/1.1 200 ...": the code is the three digits after a blank. */
	{
		const unsigned char *sp = memchr(p, ' ', ll);

		if (sp == NULL || (size_t)(sp - p) + 4 > ll ||
		    (sp + 4 < p + ll && sp[4] != ' '))
			return fail(err, errlen, "bad HTTP status line from "
			    "the proxy");
		*status = 0;
		for (i = 1; i <= 3; i++) {
			if (sp[i] < '0' || sp[i] > '9')
				return fail(err, errlen, "bad HTTP status line "
				    "from the proxy");
			*status = *status * 10 + (sp[i] - '0');
		}
	}
	return (int)end;
}

/* --- Relay side ----------------------------------------------------------------- */

int
socks5_greeting_parse(const unsigned char *p, size_t n, unsigned *methods,
    char *err, size_t errlen)
{
	size_t i;

	if (n >= 1 && p[0] != 5)
		return fail(err, errlen, "not a SOCKS5 greeting");
	if (n < 2)
		return 0;
	if (p[1] == 0)
		return fail(err, errlen, "SOCKS5 greeting offers no method");
	if (n < 2 + (size_t)p[1])
		return 0;
	*methods = 0;
	for (i = 0; i < p[1]; i++) {
		if (p[2 + i] == SOCKS5_NOAUTH)
			*methods |= 1;
		else if (p[2 + i] == SOCKS5_USERPASS)
			*methods |= 2;
	}
	return 2 + p[1];
}

void
socks5_choice(struct buf *out, int method)
{
	unsigned char b[2] = { 5, (unsigned char)method };

	buf_append(out, b, 2);
}

int
socks5_request_parse(const unsigned char *p, size_t n, int *cmd,
    struct proxy_target *t, char *err, size_t errlen)
{
	int a;

	if (n >= 1 && p[0] != 5)
		return fail(err, errlen, "bad SOCKS5 request (version)");
	if (n < 4)
		return 0;
	*cmd = p[1];
	a = socks5_addr(p + 3, n - 3, t);
	if (a == -1) {
		*cmd = -SOCKS5_BAD_ATYP;
		return fail(err, errlen, "SOCKS5 request: unknown address "
		    "type");
	}
	if (a == 0)
		return 0;
	if (!name_ok(t->host, strlen(t->host))) {
		*cmd = -SOCKS5_FAILURE;
		return fail(err, errlen, "SOCKS5 request: bad host name");
	}
	return 3 + a;
}

void
socks5_reply(struct buf *out, int rep, const unsigned char *addr,
    size_t alen, uint16_t port)
{
	static const unsigned char none[4];
	unsigned char hd[4] = { 5, (unsigned char)rep, 0, 1 };

	if (addr == NULL || (alen != 4 && alen != 16)) {
		addr = none;
		alen = 4;
		port = 0;
	}
	hd[3] = alen == 4 ? 1 : 4;
	buf_append(out, hd, 4);
	buf_append(out, addr, alen);
	put16(out, port);
}

int
http_connect_parse(const unsigned char *p, size_t n, struct proxy_target *t,
    int *status, char *err, size_t errlen)
{
	size_t end = proxy_head_end(p, n), ll, k, hl;
	const unsigned char *sp, *target;
	char hp[PROXY_NAME_MAX + 16], host[PROXY_NAME_MAX + 3], port[16];

	*status = 400;
	if (end == 0) {
		if (n > PROXY_HTTP_HEAD_MAX)
			return fail(err, errlen, "HTTP request head too long");
		return 0;
	}
	ll = http_line_len(p, end);
	sp = memchr(p, ' ', ll);
	if (sp == NULL)
		return fail(err, errlen, "bad HTTP request line");
	if ((size_t)(sp - p) != 7 || memcmp(p, "CONNECT", 7) != 0) {
		*status = 405;
		return fail(err, errlen, "only CONNECT is proxied");
	}
	target = sp + 1;
	k = ll - (size_t)(target - p);
	sp = memchr(target, ' ', k);
	if (sp == NULL || (size_t)(p + ll - sp) < 9 ||
	    memcmp(sp + 1, "HTTP/1.", 7) != 0)
		return fail(err, errlen, "bad HTTP request line");
	hl = (size_t)(sp - target);
	if (hl == 0 || hl >= sizeof hp)
		return fail(err, errlen, "bad CONNECT target");
	memcpy(hp, target, hl);
	hp[hl] = '\0';
	if (addr_split_hostport(hp, host, sizeof host, port, sizeof port, err,
	    errlen) == -1)
		return -1;
	if (host_unbracket(host, t->host, sizeof t->host, err, errlen) == -1)
		return -1;
	if (!name_ok(t->host, strlen(t->host)))
		return fail(err, errlen, "bad CONNECT target");
	if (addr_parse_port(port, 0, NULL, NULL, &t->port, err, errlen) == -1)
		return -1;
	*status = 200;
	return (int)end;
}

void
http_status(struct buf *out, int code, const char *reason)
{
	buf_printf(out, "HTTP/1.1 %d %s\r\n", code, reason);
	if (code != 200)
		buf_puts(out, "Content-Length: 0\r\nConnection: close\r\n");
	buf_puts(out, "\r\n");
}
