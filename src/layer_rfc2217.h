/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_rfc2217.h — `serial rfc2217://HOST:PORT BAUD`: a serial port served
 * over telnet (RFC 2217, as ser2net serves it), as a filter layer on a TCP
 * stream (SPEC §3.11). */
#ifndef SOCKTOOL_LAYER_RFC2217_H
#define SOCKTOOL_LAYER_RFC2217_H

#include <stddef.h>
#include <stdint.h>

struct serial_line;
struct session;

/* A serial session to host:port (connecting), the line ln asked for once
 * connected; NULL with err when nothing could start. */
struct session	*sess_rfc2217(const char *host, uint16_t port,
		    const struct serial_line *ln, uint64_t timeout_ms,
		    char *err, size_t errlen);

#endif
