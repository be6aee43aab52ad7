/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_proxy.c — TAP unit tests for src/proxy.c: proxy URLs; SOCKS5,
 * SOCKS4a and HTTP CONNECT messages built by one side and parsed by the
 * other (round trips), byte-exact against the RFCs' layouts, cut short at
 * every length (0: more), and bad inputs (-1 with words). */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "proxy.h"
#include "tap.h"

static char err[256];

static void
test_url(void)
{
	struct proxy_url u;

	is_int(proxy_url_parse("socks5://127.0.0.1:1080", &u, err, sizeof err),
	    0, "socks5 URL");
	is_int(u.type, PROXY_SOCKS5, "type socks5");
	is_str(u.host, "127.0.0.1", "host");
	is_int(u.port, 1080, "port");
	is_int(u.auth, 0, "no credentials");
	is_int(proxy_url_parse("socks5h://us%3Aer:p%40ss@localhost:9/", &u,
	    err, sizeof err), 0, "socks5h with escaped credentials, slash");
	is_int(u.type, PROXY_SOCKS5H, "type socks5h");
	is_str(u.user, "us:er", "user unescaped");
	is_str(u.pass, "p@ss", "pass unescaped");
	is_str(u.host, "localhost", "host after @");
	is_int(proxy_url_parse("HTTP://[::1]:3128", &u, err, sizeof err), 0,
	    "http, IPv6, scheme in capitals");
	is_str(u.host, "::1", "brackets gone");
	{
		struct buf b = BUF_INIT;

		proxy_url_fmt(&u, &b);
		is_str(buf_cstr(&b), "http [::1]:3128", "formatted");
		buf_free(&b);
	}
	is_int(proxy_url_parse("socks4a://h:1", &u, err, sizeof err), 0,
	    "socks4a");
	ok(proxy_url_parse("ftp://h:1", &u, err, sizeof err) == -1 &&
	    strstr(err, "socks5://") != NULL, "unknown scheme: %s", err);
	ok(proxy_url_parse("socks5://h", &u, err, sizeof err) == -1,
	    "no port: %s", err);
	ok(proxy_url_parse("socks5://h:0", &u, err, sizeof err) == -1,
	    "port 0: %s", err);
	ok(proxy_url_parse("socks5://h:99999", &u, err, sizeof err) == -1,
	    "port too big");
	ok(proxy_url_parse("socks5://user@h:1", &u, err, sizeof err) == -1,
	    "user without password: %s", err);
	ok(proxy_url_parse("socks5://:p@h:1", &u, err, sizeof err) == -1,
	    "empty user: %s", err);
	ok(proxy_url_parse("socks5://u:p%4@h:1", &u, err, sizeof err) == -1,
	    "short escape: %s", err);
	ok(proxy_url_parse("socks5://u:p%00@h:1", &u, err, sizeof err) == -1,
	    "NUL escape");
	ok(proxy_url_parse("socks4a://u:p@h:1", &u, err, sizeof err) == -1,
	    "socks4a with password: %s", err);
	ok(proxy_url_parse("http://h:1/path", &u, err, sizeof err) == -1,
	    "a path: %s", err);
	ok(proxy_url_parse("socks5://:1", &u, err, sizeof err) == -1,
	    "no host");
}

/* Every proper prefix of a message asks for more. */
static int
prefixes_want_more(int (*parse)(const unsigned char *, size_t, void *),
    const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (parse(p, i, NULL) != 0)
			return 0;
	return 1;
}

static int
p_reply(const unsigned char *p, size_t n, void *a)
{
	struct proxy_target t;
	int rep;

	(void)a;
	return socks5_reply_parse(p, n, &rep, &t, err, sizeof err);
}

static int
p_request(const unsigned char *p, size_t n, void *a)
{
	struct proxy_target t;
	int cmd;

	(void)a;
	return socks5_request_parse(p, n, &cmd, &t, err, sizeof err);
}

static int
p_greeting(const unsigned char *p, size_t n, void *a)
{
	unsigned m;

	(void)a;
	return socks5_greeting_parse(p, n, &m, err, sizeof err);
}

static void
test_socks5(void)
{
	struct buf b = BUF_INIT;
	struct proxy_target t;
	unsigned m;
	int method, st, cmd, rep;
	static const unsigned char greet2[] = { 5, 2, 0, 2 };
	static const unsigned char req4[] = { 5, 1, 0, 1, 127, 0, 0, 1, 0x1f,
	    0x90 };
	static const unsigned char reqname[] = { 5, 1, 0, 3, 9, 'l', 'o', 'c',
	    'a', 'l', 'h', 'o', 's', 't', 0, 80 };
	static const unsigned char auth[] = { 1, 1, 'u', 2, 'p', 'w' };
	static const unsigned char bad_atyp[] = { 5, 1, 0, 9, 1, 2, 3, 4, 5 };
	static const unsigned char ctl_name[] = { 5, 1, 0, 3, 2, 'a', 0x1b, 0,
	    80 };

	socks5_greeting(&b, 1);
	is_mem(buf_peek(&b), buf_len(&b), greet2, sizeof greet2,
	    "greeting with user/password");
	ok(prefixes_want_more(p_greeting, greet2, sizeof greet2),
	    "greeting prefixes want more");
	is_int(socks5_greeting_parse(buf_peek(&b), buf_len(&b), &m, err,
	    sizeof err), 4, "greeting parsed");
	is_int(m, 3, "both methods offered");
	buf_reset(&b);
	socks5_choice(&b, SOCKS5_USERPASS);
	is_int(socks5_choice_parse(buf_peek(&b), buf_len(&b), &method, err,
	    sizeof err), 2, "choice parsed");
	is_int(method, SOCKS5_USERPASS, "user/password chosen");
	ok(socks5_choice_parse((const unsigned char *)"HT", 2, &method, err,
	    sizeof err) == -1, "HTTP answer to a greeting: %s", err);
	ok(socks5_greeting_parse((const unsigned char *)"\5\0", 2, &m, err,
	    sizeof err) == -1, "greeting with no method");

	buf_reset(&b);
	is_int(socks5_auth(&b, "u", "pw"), 0, "auth built");
	is_mem(buf_peek(&b), buf_len(&b), auth, sizeof auth, "RFC 1929 layout");
	is_int(socks5_auth(&b, "", "pw"), -1, "empty user refused");
	is_int(socks5_auth_reply_parse((const unsigned char *)"\1\1", 2, &st,
	    err, sizeof err), 2, "auth reply");
	is_int(st, 1, "auth refused status");

	buf_reset(&b);
	is_int(socks5_connect(&b, "127.0.0.1", 8080), 0, "IPv4 request");
	is_mem(buf_peek(&b), buf_len(&b), req4, sizeof req4, "IPv4 layout");
	ok(prefixes_want_more(p_request, req4, sizeof req4),
	    "request prefixes want more");
	is_int(socks5_request_parse(req4, sizeof req4, &cmd, &t, err,
	    sizeof err), (int)sizeof req4, "request parsed");
	is_int(cmd, 1, "CONNECT");
	is_str(t.host, "127.0.0.1", "target address");
	is_int(t.port, 8080, "target port");
	buf_reset(&b);
	socks5_connect(&b, "localhost", 80);
	is_mem(buf_peek(&b), buf_len(&b), reqname, sizeof reqname,
	    "domain name layout");
	is_int(socks5_request_parse(reqname, sizeof reqname, &cmd, &t, err,
	    sizeof err), (int)sizeof reqname, "name request parsed");
	is_str(t.host, "localhost", "name kept");
	buf_reset(&b);
	socks5_connect(&b, "::1", 443);
	is_int(buf_len(&b), 4 + 16 + 2, "IPv6 request size");
	socks5_request_parse(buf_peek(&b), buf_len(&b), &cmd, &t, err,
	    sizeof err);
	is_str(t.host, "::1", "IPv6 round trip");
	ok(socks5_request_parse(bad_atyp, sizeof bad_atyp, &cmd, &t, err,
	    sizeof err) == -1 && cmd == -SOCKS5_BAD_ATYP,
	    "unknown address type: %s", err);
	ok(socks5_request_parse(ctl_name, sizeof ctl_name, &cmd, &t, err,
	    sizeof err) == -1, "control byte in a name refused: %s", err);
	{
		char longname[300];

		memset(longname, 'a', 256);
		longname[256] = '\0';
		is_int(socks5_connect(&b, longname, 1), -1, "name > 255");
	}

	buf_reset(&b);
	socks5_reply(&b, SOCKS5_OK, (const unsigned char *)"\x7f\0\0\1", 4,
	    4242);
	ok(prefixes_want_more(p_reply, buf_peek(&b), buf_len(&b)),
	    "reply prefixes want more");
	is_int(socks5_reply_parse(buf_peek(&b), buf_len(&b), &rep, &t, err,
	    sizeof err), 10, "reply parsed");
	is_int(rep, 0, "succeeded");
	is_str(t.host, "127.0.0.1", "bound address");
	is_int(t.port, 4242, "bound port");
	buf_reset(&b);
	socks5_reply(&b, SOCKS5_NOT_ALLOWED, NULL, 0, 0);
	is_int(socks5_reply_parse(buf_peek(&b), buf_len(&b), &rep, &t, err,
	    sizeof err), 10, "refusal parsed");
	is_int(rep, 2, "code 2");
	is_str(socks5_reply_words(5), "connection refused", "code 5 in words");
	is_str(socks5_reply_words(2), "connection not allowed by ruleset",
	    "code 2 in words");
	is_str(socks5_reply_words(200), "unassigned reply code", "unknown");
	ok(socks5_reply_parse((const unsigned char *)"\4", 1, &rep, &t, err,
	    sizeof err) == -1, "SOCKS4 reply to SOCKS5: %s", err);
	buf_free(&b);
}

static void
test_socks4a(void)
{
	struct buf b = BUF_INIT;
	static const unsigned char name[] = { 4, 1, 0, 80, 0, 0, 0, 1, 0, 'h',
	    'o', 's', 't', 0 };
	static const unsigned char ip[] = { 4, 1, 1, 0, 10, 0, 0, 1, 'u', 0 };
	int code;

	is_int(socks4a_connect(&b, "host", 80, NULL), 0, "name request");
	is_mem(buf_peek(&b), buf_len(&b), name, sizeof name, "SOCKS4a layout");
	buf_reset(&b);
	socks4a_connect(&b, "10.0.0.1", 256, "u");
	is_mem(buf_peek(&b), buf_len(&b), ip, sizeof ip, "SOCKS4 IPv4 layout");
	is_int(socks4a_connect(&b, "::1", 1, NULL), -1, "no IPv6 in SOCKS4");
	is_int(socks4_reply_parse((const unsigned char *)"\0\x5b\0\0\0\0\0",
	    7, &code, err, sizeof err), 0, "short reply wants more");
	is_int(socks4_reply_parse((const unsigned char *)"\0\x5b\0\0\0\0\0\0",
	    8, &code, err, sizeof err), 8, "reply parsed");
	is_int(code, 91, "rejected");
	is_str(socks4_reply_words(91), "request rejected or failed", "words");
	ok(socks4_reply_parse((const unsigned char *)"\5", 1, &code, err,
	    sizeof err) == -1, "a SOCKS5 answer: %s", err);
	buf_free(&b);
}

static void
test_http(void)
{
	struct buf b = BUF_INIT;
	struct proxy_target t;
	char line[128];
	int st;
	static const char ok200[] = "HTTP/1.1 200 Connection established\r\n"
	    "Via: x\r\n\r\nDATA";
	static const char no407[] = "HTTP/1.0 407 Proxy Authentication "
	    "Required\x1b[2J\r\n\r\n";

	proxy_base64(&b, "Aladdin:open sesame", 19);
	is_str(buf_cstr(&b), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "base64 (RFC 7617)");
	buf_reset(&b);
	proxy_base64(&b, "ab", 2);
	is_str(buf_cstr(&b), "YWI=", "base64 one pad");
	buf_reset(&b);
	http_connect(&b, "localhost", 443, "u", "p");
	is_str(buf_cstr(&b), "CONNECT localhost:443 HTTP/1.1\r\n"
	    "Host: localhost:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
	    "CONNECT with Basic credentials");
	is_int(http_connect_parse(buf_peek(&b), buf_len(&b), &t, &st, err,
	    sizeof err), (int)buf_len(&b), "parsed back");
	is_int(st, 200, "acceptable");
	is_str(t.host, "localhost", "target host");
	is_int(t.port, 443, "target port");
	buf_reset(&b);
	http_connect(&b, "::1", 80, NULL, NULL);
	is_str(buf_cstr(&b), "CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n"
	    "\r\n", "IPv6 target bracketed");
	http_connect_parse(buf_peek(&b), buf_len(&b), &t, &st, err, sizeof err);
	is_str(t.host, "::1", "IPv6 parsed back");
	is_int(http_connect_parse(buf_peek(&b), buf_len(&b) - 1, &t, &st, err,
	    sizeof err), 0, "head not complete");
	ok(http_connect_parse((const unsigned char *)"GET / HTTP/1.1\r\n\r\n",
	    18, &t, &st, err, sizeof err) == -1 && st == 405,
	    "GET refused with 405");
	ok(http_connect_parse((const unsigned char *)"CONNECT x HTTP/1.1\r\n\r\n",
	    22, &t, &st, err, sizeof err) == -1 && st == 400,
	    "target without port: 400");

	is_int(http_response_parse((const unsigned char *)ok200,
	    sizeof ok200 - 1, &st, line, sizeof line, err, sizeof err),
	    (int)sizeof ok200 - 1 - 4, "head size (data after it kept)");
	is_int(st, 200, "status 200");
	is_str(line, "HTTP/1.1 200 Connection established", "status line");
	is_int(http_response_parse((const unsigned char *)no407,
	    sizeof no407 - 1, &st, line, sizeof line, err, sizeof err),
	    (int)sizeof no407 - 1, "407 parsed");
	is_int(st, 407, "status 407");
	is_str(line, "HTTP/1.0 407 Proxy Authentication Required\\x1b[2J",
	    "escape byte made safe");
	is_int(http_response_parse((const unsigned char *)"HTTP/1.1 200 OK\r\n",
	    17, &st, line, sizeof line, err, sizeof err), 0, "wants more");
	ok(http_response_parse((const unsigned char *)"\5\0", 2, &st, line,
	    sizeof line, err, sizeof err) == -1, "SOCKS answer: %s", err);
	ok(http_response_parse((const unsigned char *)"HTTP/1.1 2x0 OK\r\n\r\n",
	    19, &st, line, sizeof line, err, sizeof err) == -1,
	    "bad status code: %s", err);
	http_status(&b, 403, "Forbidden");
	buf_free(&b);
}

int
main(void)
{
	test_url();
	test_socks5();
	test_socks4a();
	test_http();
	return done_testing();
}
