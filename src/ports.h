/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ports.h — the PORTS argument of `probe`: "80", "8000-8100", "22,80,443"
 * or a mix, parsed with no I/O (unit-tested in tests/unit/test_ports.c). */
#ifndef SOCKTOOL_PORTS_H
#define SOCKTOOL_PORTS_H

#include <stddef.h>
#include <stdint.h>

/* A service name's port (1..65535), or -1 when there is no such service. */
typedef long	(*ports_lookup)(const char *name, void *arg);

/* Every port the list names, ascending and each once (*out malloc'd).
 * An item that starts with a letter is a service name ("http", "ssh"),
 * given to lookup (NULL: names are refused); names make no ranges.
 * -1 with err naming what is wrong and where; *out is then NULL. */
int	ports_parse(const char *spec, ports_lookup lookup, void *arg,
	    uint16_t **out, size_t *n, char *err, size_t errlen);

#endif
