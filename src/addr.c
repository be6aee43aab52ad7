/* SPDX-License-Identifier: GPL-3.0-or-later */
/* addr.c — socket addresses as text, with no I/O (see addr.h). */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"

int
addr_parse_port(const char *s, int allow_zero, addr_lookup lookup, void *arg,
    uint16_t *port, char *err, size_t errlen)
{
	unsigned long v = 0;
	const char *p;

	if (*s == '\0') {
		snprintf(err, errlen, "missing port");
		return -1;
	}
	if (*s < '0' || *s > '9') {
		/* A service name ("http", "mysql"); anything that cannot be
		 * one is refused before the lookup sees it. */
		long sv = -1;

		for (p = s; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '_' || *p == '.'))
				break;
		if (*p == '\0' && p - s <= 32 && lookup != NULL)
			sv = lookup(s, arg);
		if (sv < 0 || sv > 65535) {
			snprintf(err, errlen, "bad port \"%.16s\": not a number "
			    "or a known service", s);
			return -1;
		}
		*port = (uint16_t)sv;
		return 0;
	}
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || p - s > 5) {
			snprintf(err, errlen, "bad port \"%.16s\": %s", s,
			    p - s > 5 ? "out of range" : "not a number");
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535 || (v == 0 && !allow_zero)) {
		snprintf(err, errlen, "bad port %s: out of range (%s..65535)",
		    s, allow_zero ? "0" : "1");
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int
addr_split_hostport(const char *s, char *host, size_t hostlen, char *port,
    size_t portlen, char *err, size_t errlen)
{
	const char *colon, *hend;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':') {
			snprintf(err, errlen,
			    "bad address \"%.64s\" (want [ADDR]:PORT)", s);
			return -1;
		}
		s++;
		hend = rb;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			snprintf(err, errlen,
			    "bad address \"%.64s\" (want HOST:PORT)", s);
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			snprintf(err, errlen, "bad address \"%.64s\" "
			    "(write IPv6 as [ADDR]:PORT)", s);
			return -1;
		}
		hend = colon;
	}
	if ((size_t)(hend - s) >= hostlen || strlen(colon + 1) >= portlen) {
		snprintf(err, errlen, "address too long");
		return -1;
	}
	if (hend == s) {
		snprintf(err, errlen, "bad address \"%.64s\": missing host", s);
		return -1;
	}
	memcpy(host, s, (size_t)(hend - s));
	host[hend - s] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

int
addr_unbracket(const char *host, char *out, size_t outlen, char *err,
    size_t errlen)
{
	size_t n = strlen(host);

	if (n == 0 || (host[0] != '[' && host[n - 1] != ']'))
		return 0;
	if (n < 3 || host[0] != '[' || host[n - 1] != ']' ||
	    memchr(host + 1, '[', n - 2) != NULL ||
	    memchr(host + 1, ']', n - 2) != NULL) {
		snprintf(err, errlen, "bad address \"%.64s\" (want [IPV6])",
		    host);
		return -1;
	}
	if (n - 2 >= outlen) {
		snprintf(err, errlen, "address too long");
		return -1;
	}
	memcpy(out, host + 1, n - 2);
	out[n - 2] = '\0';
	return 1;
}

void
addr_fmt_host(const struct sockaddr *sa, socklen_t len, const char *scope,
    char *out, size_t outlen)
{
	char tmp[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)outlen);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], out,
			    (socklen_t)outlen);
			return;
		}
		inet_ntop(AF_INET6, &sin6->sin6_addr, tmp, sizeof tmp);
		if (sin6->sin6_scope_id != 0 && scope != NULL)
			snprintf(out, outlen, "%s%%%s", tmp, scope);
		else
			snprintf(out, outlen, "%s", tmp);
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *sun = (const void *)sa;

		snprintf(out, outlen, "%s", len > sizeof(sa_family_t) &&
		    sun->sun_path[0] != '\0' ? sun->sun_path : "(unnamed)");
	} else
		snprintf(out, outlen, "?");
}

void
addr_fmt(const struct sockaddr *sa, socklen_t len, const char *scope,
    char *out, size_t outlen)
{
	char host[ADDR_STRLEN];

	addr_fmt_host(sa, len, scope, host, sizeof host);
	if (sa->sa_family == AF_INET) {
		snprintf(out, outlen, "%s:%u", host,
		    ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			snprintf(out, outlen, "%s:%u", host,
			    ntohs(sin6->sin6_port));
		else
			snprintf(out, outlen, "[%s]:%u", host,
			    ntohs(sin6->sin6_port));
	} else
		snprintf(out, outlen, "%s", host);
}

int
addr_cidr_parse(const char *list, struct addr_cidr **out, size_t *n,
    char *err, size_t errlen)
{
	char *copy = xstrdup(list), *tok, *comma;
	struct addr_cidr *v = NULL;
	size_t cnt = 0;

	if (*list == '\0') {
		snprintf(err, errlen, "empty network list");
		goto fail;
	}
	/* Split by hand: strtok would skip the empty element of "a,,b" or a
	 * trailing comma, and a list that silently loses a piece is worse
	 * than an error. */
	for (tok = copy; tok != NULL; tok = comma != NULL ? comma + 1 : NULL) {
		struct addr_cidr c;
		char *slash;
		int max;

		if ((comma = strchr(tok, ',')) != NULL)
			*comma = '\0';
		if (*tok == '\0') {
			snprintf(err, errlen, "empty element in network list "
			    "\"%.64s\"", list);
			goto fail;
		}
		memset(&c, 0, sizeof c);
		if ((slash = strchr(tok, '/')) != NULL)
			*slash = '\0';
		if (inet_pton(AF_INET, tok, c.addr) == 1) {
			c.family = AF_INET;
			max = 32;
		} else if (inet_pton(AF_INET6, tok, c.addr) == 1) {
			c.family = AF_INET6;
			max = 128;
		} else {
			snprintf(err, errlen, "bad network \"%.64s\"", tok);
			goto fail;
		}
		c.bits = max;
		if (slash != NULL) {
			char *end;
			long b = strtol(slash + 1, &end, 10);

			/* Digits only: strtol alone takes " 8", "+8", "-0". */
			if (slash[1] < '0' || slash[1] > '9' || *end != '\0' ||
			    b > max) {
				snprintf(err, errlen, "bad prefix length "
				    "\"/%.16s\"", slash + 1);
				goto fail;
			}
			c.bits = (int)b;
		}
		v = xrealloc(v, (cnt + 1) * sizeof *v);
		v[cnt++] = c;
	}
	free(copy);
	*out = v;
	*n = cnt;
	return 0;
fail:
	free(copy);
	free(v);
	return -1;
}

static int
addr_prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

int
addr_cidr_match(const struct addr_cidr *v, size_t n,
    const struct sockaddr *sa)
{
	unsigned char a4[4], a6[16];
	int have4 = 0, have6 = 0;
	size_t i;

	if (sa->sa_family == AF_INET) {
		memcpy(a4, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		have4 = 1;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(a6, &s6->sin6_addr, 16);
		have6 = 1;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(a4, a6 + 12, 4);
			have4 = 1;
		}
	}
	for (i = 0; i < n; i++) {
		if (v[i].family == AF_INET && have4 &&
		    addr_prefix_eq(a4, v[i].addr, v[i].bits))
			return 1;
		if (v[i].family == AF_INET6 && have6 &&
		    addr_prefix_eq(a6, v[i].addr, v[i].bits))
			return 1;
	}
	return 0;
}

int
addr_unix(const char *path, struct sockaddr_un *sun, char *err,
    size_t errlen)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (*path == '\0' || strlen(path) >= sizeof sun->sun_path) {
		snprintf(err, errlen, "bad socket path (1..%zu bytes)",
		    sizeof sun->sun_path - 1);
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}
