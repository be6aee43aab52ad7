/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tap.h — minimal header-only TAP producer for the unit tests. */
#ifndef SOCKTOOL_TAP_H
#define SOCKTOOL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_run, tap_failed;

static void tap_dump(const char *, const void *, size_t)
    __attribute__((unused));

static int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", pass ? "" : "not ", ++tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failed++;
		printf("#   Failed test at %s line %d\n", file, line);
	}
	return pass;
}

/* Diagnostics escape everything, so a failing test cannot garble the log. */
static void
tap_dump(const char *what, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	printf("#   %8s: ", what);
	if (p == NULL)
		printf("NULL");
	for (i = 0; p != NULL && i < n; i++)
		printf(s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\' ?
		    "%c" : "\\x%02x", s[i]);
	printf(" (%zu bytes)\n", n);
}

#define ok(c, ...)	tap_ok(!!(c), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(g, gn, e, en, ...) do {					\
	const void *tap_g = (g), *tap_e = (e);				\
	size_t tap_gn = (gn), tap_en = (en);				\
	if (!ok(tap_g != NULL && tap_gn == tap_en &&			\
	    memcmp(tap_g, tap_e, tap_en) == 0, __VA_ARGS__)) {		\
		tap_dump("got", tap_g, tap_gn);				\
		tap_dump("expected", tap_e, tap_en);			\
	}								\
} while (0)
#define is_str(g, e, ...) do {						\
	const char *tap_gs = (g), *tap_es = (e);			\
	is_mem(tap_gs, tap_gs ? strlen(tap_gs) : 0, tap_es,		\
	    strlen(tap_es), __VA_ARGS__);				\
} while (0)
#define is_int(g, e, ...) do {						\
	long long tap_gi = (long long)(g), tap_ei = (long long)(e);	\
	if (!ok(tap_gi == tap_ei, __VA_ARGS__))				\
		printf("#   got %lld, expected %lld\n", tap_gi, tap_ei);	\
} while (0)
#define done_testing()	(printf("1..%d\n", tap_run), tap_failed != 0)

#endif
