/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_addr.c — TAP unit tests for src/addr.c: ports, HOST:PORT splitting,
 * CIDR lists and matching, formatting; formatted addresses split and parse
 * back to the same address, and every malformed input is refused in words. */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tap.h"

/* A services table of our own, counting its calls: the test reads no
 * /etc/services, and can tell which names were never looked up. */
static int lookups;

static long
fake_services(const char *name, void *arg)
{
	lookups++;
	if (arg != NULL && strcmp(name, "big") == 0)
		return *(const long *)arg;
	if (strcmp(name, "http") == 0)
		return 80;
	if (strcmp(name, "ms-sql-s") == 0)
		return 1433;
	return -1;
}

/* The port as text ("80") or "error: ...", so a failure shows it whole. */
static const char *
port(const char *s, int allow_zero)
{
	static char text[160];
	char err[128];
	uint16_t p;

	if (addr_parse_port(s, allow_zero, fake_services, NULL, &p, err,
	    sizeof err) == -1)
		snprintf(text, sizeof text, "error: %s", err);
	else
		snprintf(text, sizeof text, "%u", p);
	return text;
}

static void
test_port(void)
{
	char err[128], text[8];
	uint16_t p;
	long big = 65536;
	unsigned v;
	int all = 1;

	is_str(port("1", 0), "1", "lowest port");
	is_str(port("65535", 0), "65535", "highest port");
	is_str(port("0", 1), "0", "0 where allowed (a listener's any port)");
	is_str(port("0", 0), "error: bad port 0: out of range (1..65535)",
	    "0 refused for a client");
	is_str(port("65536", 1),
	    "error: bad port 65536: out of range (0..65535)", "65536");
	is_str(port("99999", 1),
	    "error: bad port 99999: out of range (0..65535)", "99999");
	is_str(port("000080", 0), "80", "leading zeros, six digits");
	is_str(port("0000080", 0),
	    "error: bad port \"0000080\": out of range", "seven digits");
	is_str(port("99999999999999999999", 0),
	    "error: bad port \"9999999999999999\": out of range",
	    "twenty digits: no overflow, the message cut at 16");
	is_str(port("", 1), "error: missing port", "empty");
	is_str(port("80x", 1), "error: bad port \"80x\": not a number",
	    "trailing garbage");
	is_str(port("8 0", 1), "error: bad port \"8 0\": not a number",
	    "inner blank");
	lookups = 0;
	is_str(port("-1", 1), "error: bad port \"-1\": not a number or a "
	    "known service", "-1 (a name to look up, and not found)");
	is_int(lookups, 1, "-1 was looked up as a name");
	is_str(port("http", 0), "80", "a service name");
	is_str(port("ms-sql-s", 0), "1433", "a name with dashes");
	is_str(port("nosuch", 0), "error: bad port \"nosuch\": not a number "
	    "or a known service", "unknown service");
	lookups = 0;
	is_str(port(" 80", 1), "error: bad port \" 80\": not a number or a "
	    "known service", "leading blank");
	is_str(port("+80", 1), "error: bad port \"+80\": not a number or a "
	    "known service", "sign");
	is_str(port("ht\ttp", 1), "error: bad port \"ht\ttp\": not a number "
	    "or a known service", "a tab in a name");
	is_str(port("a23456789012345678901234567890123", 1), "error: bad port "
	    "\"a234567890123456\": not a number or a known service",
	    "a 33-byte name");
	is_int(lookups, 0, "names that cannot be services are not looked up");
	is_str(port("a2345678901234567890123456789012", 1), "error: bad port "
	    "\"a234567890123456\": not a number or a known service",
	    "a 32-byte name");
	is_int(lookups, 1, "a 32-byte name is looked up");
	ok(addr_parse_port("http", 0, NULL, NULL, &p, err, sizeof err) == -1,
	    "without a lookup a name is refused");
	ok(addr_parse_port("big", 0, fake_services, &big, &p, err,
	    sizeof err) == -1, "a lookup's answer above 65535 is refused");
	for (v = 0; v <= 65535; v++) {
		snprintf(text, sizeof text, "%u", v);
		if (addr_parse_port(text, 1, NULL, NULL, &p, err,
		    sizeof err) == -1 || p != v) {
			all = 0;
			break;
		}
	}
	ok(all, "every port 0..65535 round-trips through its decimal text");
}

/* "host|port" or "error: ..." */
static const char *
split(const char *s)
{
	static char text[400];
	char host[64], portbuf[16], err[128];

	if (addr_split_hostport(s, host, sizeof host, portbuf, sizeof portbuf,
	    err, sizeof err) == -1)
		snprintf(text, sizeof text, "error: %s", err);
	else
		snprintf(text, sizeof text, "%s|%s", host, portbuf);
	return text;
}

static void
test_split(void)
{
	is_str(split("10.0.0.1:53"), "10.0.0.1|53", "v4 host:port");
	is_str(split("[::1]:8080"), "::1|8080", "[v6]:port");
	is_str(split("[fe80::1%eth0]:22"), "fe80::1%eth0|22",
	    "[v6%%scope]:port");
	is_str(split("example.com:http"), "example.com|http",
	    "name and service");
	is_str(split("[10.0.0.1]:53"), "10.0.0.1|53", "v4 in brackets");
	is_str(split("host:"), "host|", "empty port (the port parser's "
	    "to refuse)");
	is_str(split("::1:80"), "error: bad address \"::1:80\" (write IPv6 "
	    "as [ADDR]:PORT)", "bare IPv6 with a port is ambiguous");
	is_str(split("nohost"), "error: bad address \"nohost\" (want "
	    "HOST:PORT)", "no port");
	is_str(split(""), "error: bad address \"\" (want HOST:PORT)",
	    "empty");
	is_str(split(":80"), "error: bad address \":80\": missing host",
	    "no host");
	is_str(split("[]:80"), "error: bad address \"]:80\": missing host",
	    "empty brackets");
	is_str(split("[::1]80"), "error: bad address \"[::1]80\" (want "
	    "[ADDR]:PORT)", "no colon after the bracket");
	is_str(split("[::1"), "error: bad address \"[::1\" (want "
	    "[ADDR]:PORT)", "no closing bracket");
	is_str(split("a234567890123456789012345678901234567890123456789012345"
	    "678901234:1"), "error: address too long",
	    "host longer than its buffer");
	is_str(split("a:12345678901234567"), "error: address too long",
	    "port longer than its buffer");
}

/* The list back as text ("10.0.0.0/8 ::1/128") or "error: ...". */
static const char *
cidr(const char *list)
{
	static char text[512];
	struct addr_cidr *v = NULL;
	char err[128], a[INET6_ADDRSTRLEN];
	size_t n, i, off = 0;

	if (addr_cidr_parse(list, &v, &n, err, sizeof err) == -1) {
		snprintf(text, sizeof text, "error: %s", err);
		return text;
	}
	text[0] = '\0';
	for (i = 0; i < n && off < sizeof text - 64; i++) {
		inet_ntop(v[i].family, v[i].addr, a, sizeof a);
		off += (size_t)snprintf(text + off, sizeof text - off,
		    "%s%s/%d", i ? " " : "", a, v[i].bits);
	}
	free(v);
	return text;
}

static void
test_cidr_parse(void)
{
	is_str(cidr("10.0.0.0/8"), "10.0.0.0/8", "v4 network");
	is_str(cidr("0.0.0.0/0"), "0.0.0.0/0", "v4 /0");
	is_str(cidr("192.0.2.7/32"), "192.0.2.7/32", "v4 /32");
	is_str(cidr("192.0.2.7"), "192.0.2.7/32", "v4 host without a prefix");
	is_str(cidr("::/0"), "::/0", "v6 /0");
	is_str(cidr("::1/128"), "::1/128", "v6 /128");
	is_str(cidr("::1"), "::1/128", "v6 host without a prefix");
	is_str(cidr("fd00::/8"), "fd00::/8", "v6 network");
	is_str(cidr("::ffff:10.0.0.0/104"), "::ffff:10.0.0.0/104",
	    "v4-mapped network");
	is_str(cidr("10.0.0.0/08"), "10.0.0.0/8", "leading zero in a prefix");
	is_str(cidr("10.1.2.3/8"), "10.1.2.3/8", "host bits kept as given");
	is_str(cidr("10.0.0.0/8,192.168.0.0/16,fd00::/8,::1"),
	    "10.0.0.0/8 192.168.0.0/16 fd00::/8 ::1/128", "a list");

	is_str(cidr(""), "error: empty network list", "empty");
	is_str(cidr("10.0.0.0/33"), "error: bad prefix length \"/33\"",
	    "v4 /33");
	is_str(cidr("::/129"), "error: bad prefix length \"/129\"", "v6 /129");
	is_str(cidr("10.0.0.0/-1"), "error: bad prefix length \"/-1\"", "/-1");
	is_str(cidr("10.0.0.0/+8"), "error: bad prefix length \"/+8\"", "/+8");
	is_str(cidr("10.0.0.0/ 8"), "error: bad prefix length \"/ 8\"",
	    "/ 8");
	is_str(cidr("10.0.0.0/"), "error: bad prefix length \"/\"",
	    "nothing after the slash");
	is_str(cidr("10.0.0.0/8x"), "error: bad prefix length \"/8x\"",
	    "/8x");
	is_str(cidr("10.0.0.0/99999999999999999999"), "error: bad prefix "
	    "length \"/9999999999999999\"", "a prefix that overflows");
	is_str(cidr("10.0.0.0/8/8"), "error: bad prefix length \"/8/8\"",
	    "two slashes");
	is_str(cidr("garbage"), "error: bad network \"garbage\"", "garbage");
	is_str(cidr("1.2.3/8"), "error: bad network \"1.2.3\"",
	    "three octets");
	is_str(cidr("256.0.0.0/8"), "error: bad network \"256.0.0.0\"",
	    "octet above 255");
	is_str(cidr("/8"), "error: bad network \"\"", "no address");
	is_str(cidr("10.0.0.0/8,"), "error: empty element in network list "
	    "\"10.0.0.0/8,\"", "trailing comma");
	is_str(cidr(",10.0.0.0/8"), "error: empty element in network list "
	    "\",10.0.0.0/8\"", "leading comma");
	is_str(cidr("10.0.0.0/8,,::1"), "error: empty element in network "
	    "list \"10.0.0.0/8,,::1\"", "two commas");
	is_str(cidr("10.0.0.0/8, ::1"), "error: bad network \" ::1\"",
	    "a blank after a comma");
	is_str(cidr("10.0.0.0/8,::1/200"), "error: bad prefix length "
	    "\"/200\"", "a bad element after a good one");
}

static struct sockaddr_storage ss;

static const struct sockaddr *
sa4(const char *a, unsigned p)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)p);
	if (inet_pton(AF_INET, a, &sin->sin_addr) != 1)
		printf("# bad test address %s\n", a);
	return (const struct sockaddr *)&ss;
}

static const struct sockaddr *
sa6(const char *a, unsigned p, uint32_t scope)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)p);
	sin6->sin6_scope_id = scope;
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) != 1)
		printf("# bad test address %s\n", a);
	return (const struct sockaddr *)&ss;
}

/* Is addr (v4 or v6 text) inside list? */
static int
in(const char *list, const char *a)
{
	struct addr_cidr *v;
	char err[128];
	size_t n;
	int r;

	if (addr_cidr_parse(list, &v, &n, err, sizeof err) == -1) {
		printf("# %s: %s\n", list, err);
		return -1;
	}
	r = addr_cidr_match(v, n, strchr(a, ':') ? sa6(a, 1, 0) :
	    sa4(a, 1));
	free(v);
	return r;
}

static void
test_cidr_match(void)
{
	struct addr_cidr *v;
	struct sockaddr_un sun;
	char err[128];
	size_t n;

	is_int(in("10.0.0.0/8", "10.2.3.4"), 1, "10.2.3.4 in 10/8");
	is_int(in("10.0.0.0/8", "11.2.3.4"), 0, "11.2.3.4 not in 10/8");
	is_int(in("10.1.2.3/8", "10.9.9.9"), 1, "host bits past the prefix "
	    "do not count");
	is_int(in("192.168.0.0/20", "192.168.15.255"), 1, "last of a /20");
	is_int(in("192.168.0.0/20", "192.168.16.0"), 0, "first past a /20");
	is_int(in("192.0.2.7/32", "192.0.2.7"), 1, "/32: itself");
	is_int(in("192.0.2.7/32", "192.0.2.6"), 0, "/32: not its neighbour");
	is_int(in("0.0.0.0/0", "203.0.113.9"), 1, "v4 /0: anything v4");
	is_int(in("0.0.0.0/0", "2001:db8::1"), 0, "v4 /0: not v6");
	is_int(in("::/0", "2001:db8::1"), 1, "v6 /0: anything v6");
	is_int(in("::/0", "10.0.0.1"), 0, "v6 /0: not plain v4");
	is_int(in("::1/128", "::1"), 1, "/128: itself");
	is_int(in("::1/128", "::2"), 0, "/128: not its neighbour");
	is_int(in("fe80::/10", "febf::1"), 1, "last of fe80::/10");
	is_int(in("fe80::/10", "fec0::1"), 0, "first past fe80::/10");
	is_int(in("10.0.0.0/8", "::ffff:10.2.3.4"), 1,
	    "v4-mapped v6 in a v4 network");
	is_int(in("10.0.0.0/8", "::ffff:11.2.3.4"), 0,
	    "v4-mapped v6 outside a v4 network");
	is_int(in("0.0.0.0/0", "::ffff:1.2.3.4"), 1, "v4-mapped in v4 /0");
	is_int(in("::ffff:0:0/96", "::ffff:10.2.3.4"), 1,
	    "v4-mapped in the mapped v6 network");
	is_int(in("::ffff:0:0/96", "10.2.3.4"), 0,
	    "plain v4 is not in a v6 network, even the mapped one");
	is_int(in("10.0.0.0/8", "::10.2.3.4"), 0,
	    "v4-compatible (not mapped) v6 is not v4");
	is_int(in("192.168.0.0/16,10.0.0.0/8,::1", "10.0.0.1"), 1,
	    "the second of a list");
	is_int(in("192.168.0.0/16,10.0.0.0/8,::1", "::1"), 1,
	    "the third of a list");
	is_int(in("192.168.0.0/16,10.0.0.0/8,::1", "172.16.0.1"), 0,
	    "none of a list");

	ok(addr_cidr_parse("0.0.0.0/0,::/0", &v, &n, err, sizeof err) == 0,
	    "everything parsed");
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	is_int(addr_cidr_match(v, n, (const struct sockaddr *)&sun), 0,
	    "a unix address is in no network");
	is_int(addr_cidr_match(v, 0, sa4("10.0.0.1", 1)), 0,
	    "an empty list matches nothing");
	free(v);
}

static const char *
fmt(const struct sockaddr *sa, socklen_t len, const char *scope, int host)
{
	static char text[ADDR_STRLEN];

	if (host)
		addr_fmt_host(sa, len, scope, text, sizeof text);
	else
		addr_fmt(sa, len, scope, text, sizeof text);
	return text;
}

static void
test_fmt(void)
{
	struct sockaddr_un sun;
	struct sockaddr_storage any;
	socklen_t l4 = sizeof(struct sockaddr_in);
	socklen_t l6 = sizeof(struct sockaddr_in6);
	socklen_t lu;
	char ifname[IF_NAMESIZE];
	const char *s;

	is_str(fmt(sa4("127.0.0.1", 80), l4, NULL, 0), "127.0.0.1:80", "v4");
	is_str(fmt(sa4("127.0.0.1", 80), l4, NULL, 1), "127.0.0.1",
	    "v4 host");
	is_str(fmt(sa4("0.0.0.0", 0), l4, NULL, 0), "0.0.0.0:0", "v4 any");
	is_str(fmt(sa4("255.255.255.255", 65535), l4, NULL, 0),
	    "255.255.255.255:65535", "v4 widest");
	is_str(fmt(sa6("::1", 443, 0), l6, NULL, 0), "[::1]:443", "v6");
	is_str(fmt(sa6("::1", 443, 0), l6, NULL, 1), "::1", "v6 host");
	is_str(fmt(sa6("::", 0, 0), l6, NULL, 0), "[::]:0", "v6 any");
	is_str(fmt(sa6("2001:DB8:0:0:0:0:0:1", 53, 0), l6, NULL, 0),
	    "[2001:db8::1]:53", "v6 compressed, lower case");
	is_str(fmt(sa6("::ffff:192.0.2.1", 8080, 0), l6, NULL, 0),
	    "192.0.2.1:8080", "v4-mapped shown as v4");
	is_str(fmt(sa6("::ffff:192.0.2.1", 8080, 0), l6, NULL, 1),
	    "192.0.2.1", "v4-mapped host shown as v4");
	is_str(fmt(sa6("::ffff:192.0.2.1", 8080, 3), l6, "eth0", 0),
	    "192.0.2.1:8080", "v4-mapped has no scope");
	is_str(fmt(sa6("fe80::1", 22, 2), l6, "eth0", 0),
	    "[fe80::1%eth0]:22", "link-local with its interface");
	is_str(fmt(sa6("fe80::1", 22, 2), l6, "eth0", 1), "fe80::1%eth0",
	    "link-local host with its interface");
	is_str(fmt(sa6("fe80::1", 22, 2), l6, NULL, 0), "[fe80::1]:22",
	    "link-local, interface not known");
	is_str(fmt(sa6("fe80::1", 22, 0), l6, "eth0", 0), "[fe80::1]:22",
	    "no scope id: a name given is not shown");

	memset(ifname, 'x', sizeof ifname - 1);
	ifname[sizeof ifname - 1] = '\0';
	s = fmt(sa6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 1), l6,
	    ifname, 0);
	ok(strlen(s) < ADDR_STRLEN - 1 && strcmp(s + strlen(s) - 7,
	    "]:65535") == 0, "the longest inet address fits ADDR_STRLEN "
	    "(%zu bytes)", strlen(s));

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/tmp/sock");
	lu = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(sun.sun_path) + 1);
	is_str(fmt((const struct sockaddr *)&sun, lu, NULL, 0), "/tmp/sock",
	    "unix path");
	is_str(fmt((const struct sockaddr *)&sun, lu, NULL, 1), "/tmp/sock",
	    "unix path, host");
	is_str(fmt((const struct sockaddr *)&sun, sizeof(sa_family_t), NULL,
	    0), "(unnamed)", "unnamed unix socket (length of the family "
	    "only)");
	sun.sun_path[0] = '\0';
	is_str(fmt((const struct sockaddr *)&sun, lu, NULL, 0), "(unnamed)",
	    "abstract unix name shown as unnamed");
	memset(&any, 0, sizeof any);
	any.ss_family = AF_UNSPEC;
	is_str(fmt((const struct sockaddr *)&any, sizeof any, NULL, 0), "?",
	    "unknown family");
}

/* addr_fmt, then split and parse: the same address and port. */
static int
round_trip(const struct sockaddr *sa, socklen_t len)
{
	char text[ADDR_STRLEN], host[64], portbuf[16], err[128];
	unsigned char a[16];
	const unsigned char *want;
	uint16_t p, wantp;
	int fam;

	addr_fmt(sa, len, NULL, text, sizeof text);
	if (addr_split_hostport(text, host, sizeof host, portbuf,
	    sizeof portbuf, err, sizeof err) == -1 ||
	    addr_parse_port(portbuf, 1, NULL, NULL, &p, err, sizeof err) == -1)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		fam = AF_INET;
		want = (const unsigned char *)&sin->sin_addr;
		wantp = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		/* A v4-mapped address comes back as the IPv4 it carries. */
		fam = IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ? AF_INET :
		    AF_INET6;
		want = (const unsigned char *)&sin6->sin6_addr +
		    (fam == AF_INET ? 12 : 0);
		wantp = ntohs(sin6->sin6_port);
	}
	return inet_pton(fam, host, a) == 1 &&
	    memcmp(a, want, fam == AF_INET ? 4 : 16) == 0 && p == wantp;
}

static void
test_round_trip(void)
{
	socklen_t l4 = sizeof(struct sockaddr_in);
	socklen_t l6 = sizeof(struct sockaddr_in6);

	ok(round_trip(sa4("127.0.0.1", 80), l4), "v4 round trip");
	ok(round_trip(sa4("0.0.0.0", 0), l4), "v4 any, port 0 round trip");
	ok(round_trip(sa4("255.255.255.255", 65535), l4),
	    "v4 widest round trip");
	ok(round_trip(sa6("::1", 443, 0), l6), "v6 round trip");
	ok(round_trip(sa6("::", 0, 0), l6), "v6 any round trip");
	ok(round_trip(sa6("2001:db8:1:2:3:4:5:6", 65535, 0), l6),
	    "v6 full round trip");
	ok(round_trip(sa6("::ffff:192.0.2.1", 8080, 0), l6),
	    "v4-mapped round trip (as v4)");
}

static void
test_unix(void)
{
	struct sockaddr_un sun;
	char path[sizeof sun.sun_path + 1], err[128];

	ok(addr_unix("/tmp/s", &sun, err, sizeof err) == 0 &&
	    sun.sun_family == AF_UNIX && strcmp(sun.sun_path, "/tmp/s") == 0,
	    "unix path");
	memset(path, 'p', sizeof sun.sun_path - 1);
	path[sizeof sun.sun_path - 1] = '\0';
	ok(addr_unix(path, &sun, err, sizeof err) == 0 &&
	    sun.sun_path[sizeof sun.sun_path - 1] == '\0',
	    "the longest path (%zu bytes) keeps its NUL",
	    sizeof sun.sun_path - 1);
	path[sizeof sun.sun_path - 1] = 'p';
	path[sizeof sun.sun_path] = '\0';
	ok(addr_unix(path, &sun, err, sizeof err) == -1, "one byte more");
	is_str(err, "bad socket path (1..107 bytes)", "the limit in words");
	ok(addr_unix("", &sun, err, sizeof err) == -1, "empty path");
}

static void
test_unbracket(void)
{
	char out[64], err[128];

	is_int(addr_unbracket("[::1]", out, sizeof out, err, sizeof err), 1,
	    "unbracket [::1]");
	is_str(out, "::1", "  ::1 inside");
	is_int(addr_unbracket("[fe80::1%lo]", out, sizeof out, err,
	    sizeof err), 1, "unbracket with a scope");
	is_str(out, "fe80::1%lo", "  scope kept");
	is_int(addr_unbracket("::1", out, sizeof out, err, sizeof err), 0,
	    "no brackets: 0");
	is_int(addr_unbracket("example.com", out, sizeof out, err, sizeof err),
	    0, "a name: 0");
	is_int(addr_unbracket("[::1", out, sizeof out, err, sizeof err), -1,
	    "[::1 refused");
	ok(strstr(err, "[::1") != NULL, "  the error quotes it");
	is_int(addr_unbracket("::1]", out, sizeof out, err, sizeof err), -1,
	    "::1] refused");
	is_int(addr_unbracket("[]", out, sizeof out, err, sizeof err), -1,
	    "[] refused");
	is_int(addr_unbracket("[[::1]]", out, sizeof out, err, sizeof err), -1,
	    "[[::1]] refused");
	is_int(addr_unbracket("[::1]", out, 3, err, sizeof err), -1,
	    "too long for out refused");
}

int
main(void)
{
	test_port();
	test_split();
	test_cidr_parse();
	test_cidr_match();
	test_fmt();
	test_round_trip();
	test_unix();
	test_unbracket();
	return done_testing();
}
