/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_ports.c — TAP unit tests for src/ports.c: single ports, ranges and
 * lists come out ascending and once each; every malformed list is refused
 * with the position of its fault. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"
#include "tap.h"

/* A services table of our own: the unit test reads no /etc/services. */
static long
fake_services(const char *name, void *arg)
{
	(void)arg;
	if (strcmp(name, "http") == 0)
		return 80;
	if (strcmp(name, "ssh") == 0)
		return 22;
	if (strcmp(name, "ms-sql-s") == 0)
		return 1433;
	return -1;
}

/* The parsed list as text ("22 80 443"), so a failure shows it whole. */
static const char *
show(const char *spec)
{
	static char text[4096];
	char err[128];
	uint16_t *v;
	size_t n, i, off = 0;

	if (ports_parse(spec, fake_services, NULL, &v, &n, err,
	    sizeof err) == -1) {
		snprintf(text, sizeof text, "error: %s", err);
		return text;
	}
	text[0] = '\0';
	for (i = 0; i < n && off < sizeof text - 8; i++)
		off += (size_t)snprintf(text + off, sizeof text - off, "%s%u",
		    i ? " " : "", v[i]);
	free(v);
	return text;
}

static void
test_good(void)
{
	is_str(show("80"), "80", "one port");
	is_str(show("1"), "1", "the lowest port");
	is_str(show("65535"), "65535", "the highest port");
	is_str(show("8000-8003"), "8000 8001 8002 8003", "a range");
	is_str(show("7-7"), "7", "a range of one");
	is_str(show("22,80,443"), "22 80 443", "a list");
	is_str(show("443,22,80"), "22 80 443", "a list comes out in port order");
	is_str(show("80,79-81,80"), "79 80 81", "repeats and overlaps once");
	is_str(show("9,1-3,5"), "1 2 3 5 9", "a mix of ports and ranges");
	is_str(show("0080"), "80", "leading zeros");
	is_str(show("http"), "80", "a service name");
	is_str(show("http,ssh,8000-8001"), "22 80 8000 8001",
	    "names and numbers mixed, in port order");
	is_str(show("ms-sql-s,80"), "80 1433", "a name with dashes is one name");
	is_str(show("80,http"), "80", "a name and its number once");
}

static void
test_all(void)
{
	char err[128];
	uint16_t *v;
	size_t n;
	int r;

	r = ports_parse("1-65535", NULL, NULL, &v, &n, err, sizeof err);
	ok(r == 0 && n == 65535 && v[0] == 1 && v[65534] == 65535,
	    "every port: 65535 in order");
	free(v);
	r = ports_parse("65535,1-65535,1", NULL, NULL, &v, &n, err,
	    sizeof err);
	ok(r == 0 && n == 65535, "every port, with repeats, still 65535");
	free(v);
}

static void
test_bad(void)
{
	static const struct {
		const char	*spec;
		const char	*err;
	} bad[] = {
		{ "", "error: empty port list" },
		{ "0", "error: port out of range at position 1 (1..65535)" },
		{ "65536", "error: port out of range at position 1 (1..65535)" },
		{ "99999999999999999999", "error: port out of range at "
		    "position 1 (1..65535)" },
		{ "80,0", "error: port out of range at position 4 (1..65535)" },
		{ "90-80", "error: range 90-80 at position 1 goes down" },
		{ "1,90-80", "error: range 90-80 at position 3 goes down" },
		{ "80-", "error: expected a port number at position 4" },
		{ "-80", "error: expected a port number at position 1" },
		{ ",80", "error: expected a port number at position 1" },
		{ "80,", "error: expected a port number at position 4" },
		{ "80,,81", "error: expected a port number at position 4" },
		{ "nosuch", "error: unknown service \"nosuch\" at position 1" },
		{ "80,nosuch", "error: unknown service \"nosuch\" at "
		    "position 4" },
		{ "http-https", "error: unknown service \"http-https\" at "
		    "position 1" },
		{ "ht\x01tp", "error: bad service name at position 1" },
		{ "ht tp", "error: bad service name at position 1" },
		{ "80 81", "error: unexpected \" \" at position 3 (PORT, "
		    "LOW-HIGH, separated by commas)" },
		{ "80-81-82", "error: unexpected \"-\" at position 6 (PORT, "
		    "LOW-HIGH, separated by commas)" },
	};
	char err[128];
	uint16_t *v = (uint16_t *)1;
	size_t i, n = 1;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_str(show(bad[i].spec), bad[i].err, "refused: \"%s\"",
		    bad[i].spec);
	/* A control character is not echoed into the message. */
	is_str(show("80\x01"), "error: unexpected \"?\" at position 3 (PORT, "
	    "LOW-HIGH, separated by commas)", "refused: a control character");
	ok(ports_parse("x", fake_services, NULL, &v, &n, err,
	    sizeof err) == -1 && v == NULL && n == 0,
	    "a refused list leaves nothing allocated");
	ok(ports_parse("http", NULL, NULL, &v, &n, err, sizeof err) == -1 &&
	    strstr(err, "expected a port number at position 1") != NULL,
	    "without a lookup a name is refused");
}

int
main(void)
{
	test_good();
	test_all();
	test_bad();
	return done_testing();
}
