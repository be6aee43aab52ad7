/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_proxy.c — libFuzzer target for src/proxy.c: every parser of what a
 * proxy or a proxy's client sends takes any bytes, never reads past them,
 * claims no more than it was given, and what it keeps (names, a status
 * line) is printable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "proxy.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: ASan sees any read past them. */
	unsigned char *p = malloc(size ? size : 1);
	char err[256], line[256], *url;
	struct proxy_target t;
	struct proxy_url u;
	unsigned m;
	int a, r, st;

	memcpy(p, data, size);
	r = socks5_greeting_parse(p, size, &m, err, sizeof err);
	fuzz_check(r <= (int)size);
	r = socks5_choice_parse(p, size, &a, err, sizeof err);
	fuzz_check(r <= (int)size);
	r = socks5_auth_reply_parse(p, size, &a, err, sizeof err);
	fuzz_check(r <= (int)size);
	r = socks5_request_parse(p, size, &a, &t, err, sizeof err);
	fuzz_check(r <= (int)size);
	if (r > 0)
		fuzz_printable(t.host);
	r = socks5_reply_parse(p, size, &a, &t, err, sizeof err);
	fuzz_check(r <= (int)size);
	if (r > 0)
		fuzz_printable(t.host);
	r = socks4_reply_parse(p, size, &a, err, sizeof err);
	fuzz_check(r <= (int)size);
	r = http_response_parse(p, size, &st, line, sizeof line, err,
	    sizeof err);
	fuzz_check(r <= (int)size);
	if (r > 0)
		fuzz_printable(line);
	r = http_connect_parse(p, size, &t, &st, err, sizeof err);
	fuzz_check(r <= (int)size);
	if (r > 0)
		fuzz_printable(t.host);
	url = malloc(size + 1);
	memcpy(url, data, size);
	url[size] = '\0';
	if (proxy_url_parse(url, &u, err, sizeof err) == 0)
		fuzz_printable(u.host);
	free(url);
	free(p);
	return 0;
}
