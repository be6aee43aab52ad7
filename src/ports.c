/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ports.c — parse a port list for `probe` (numbers, ranges, service names
 * through the caller's lookup).  A bitmap of all 65536 ports
 * gives port order and drops repeats ("80,80-81") without sorting. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ports.h"

/* One port number at *p (1..65535): its value, or -1 with err. */
static long
ports_number(const char *spec, const char **p, char *err, size_t errlen)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9') {
		snprintf(err, errlen, "expected a port number at position %zu",
		    (size_t)(s - spec) + 1);
		return -1;
	}
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > 65535)
			break;
		s++;
	}
	if (v == 0 || v > 65535) {
		snprintf(err, errlen, "port out of range at position %zu "
		    "(1..65535)", (size_t)(*p - spec) + 1);
		return -1;
	}
	*p = s;
	return v;
}

/* A service name at *p, up to the next comma. */
static long
ports_name(const char *spec, const char **p, ports_lookup lookup, void *arg,
    char *err, size_t errlen)
{
	const char *s = *p;
	size_t len = strcspn(s, ",");
	char name[64];
	long v;

	if (lookup == NULL || len >= sizeof name) {
		snprintf(err, errlen, "expected a port number at position %zu",
		    (size_t)(s - spec) + 1);
		return -1;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	if (name[strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+/")] != '\0') {
		snprintf(err, errlen, "bad service name at position %zu",
		    (size_t)(s - spec) + 1);
		return -1;
	}
	v = lookup(name, arg);
	if (v < 1 || v > 65535) {
		snprintf(err, errlen, "unknown service \"%s\" at position %zu",
		    name, (size_t)(s - spec) + 1);
		return -1;
	}
	*p = s + len;
	return v;
}

int
ports_parse(const char *spec, ports_lookup lookup, void *arg, uint16_t **out,
    size_t *n, char *err, size_t errlen)
{
	unsigned char *map;
	const char *p = spec;
	size_t count = 0, k;
	long v;

	*out = NULL;
	*n = 0;
	if (*spec == '\0') {
		snprintf(err, errlen, "empty port list");
		return -1;
	}
	map = xcalloc(65536 / 8, 1);
	for (;;) {
		long lo, hi;
		const char *start = p;

		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
			if ((lo = ports_name(spec, &p, lookup, arg, err,
			    errlen)) == -1)
				goto fail;
		} else if ((lo = ports_number(spec, &p, err, errlen)) == -1)
			goto fail;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((hi = ports_number(spec, &p, err, errlen)) == -1)
				goto fail;
			if (hi < lo) {
				snprintf(err, errlen, "range %ld-%ld at position "
				    "%zu goes down", lo, hi,
				    (size_t)(start - spec) + 1);
				goto fail;
			}
		}
		for (v = lo; v <= hi; v++) {
			if (!(map[v >> 3] & (1u << (v & 7))))
				count++;
			map[v >> 3] |= (unsigned char)(1u << (v & 7));
		}
		if (*p == '\0')
			break;
		if (*p != ',') {
			snprintf(err, errlen, "unexpected \"%c\" at position %zu "
			    "(PORT, LOW-HIGH, separated by commas)",
			    *p >= 0x20 && *p < 0x7f ? *p : '?',
			    (size_t)(p - spec) + 1);
			goto fail;
		}
		p++;
	}
	*out = xmalloc(count * sizeof **out);
	for (v = 1, k = 0; v <= 65535; v++)
		if (map[v >> 3] & (1u << (v & 7)))
			(*out)[k++] = (uint16_t)v;
	*n = count;
	free(map);
	return 0;
fail:
	free(map);
	return -1;
}
