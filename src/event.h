/* SPDX-License-Identifier: GPL-3.0-or-later */
/* event.h — the session events of SPEC §6 (listening, connecting, connected,
 * accepted, closed, notices), each built once as a record (out.h) from a
 * session and rendered as a JSON object or a human line. */
#ifndef SOCKTOOL_EVENT_H
#define SOCKTOOL_EVENT_H

#include <stdint.h>

struct session;

void	ev_listening(const struct session *);
void	ev_connecting(const struct session *);
void	ev_connected(const struct session *);
void	ev_accepted(const struct session *);
/* A program started (exec): a connected event with what it runs. */
void	ev_started(const struct session *);
/* A device opened (serial): connected, with its line settings in words. */
void	ev_opened(const struct session *, const char *line);
/* A remote serial port's server confirmed the line (RFC 2217). */
void	ev_line(const struct session *, const char *line);
/* The modem inputs of a device changed: lines as LM_* bits (layer.h). */
void	ev_modem(const struct session *, unsigned lines);
/* lost: bytes accepted for sending that never left. */
void	ev_closed(const struct session *, const char *reason, const char *msg,
	    uint64_t lost, unsigned pair);
/* A session-related notice ("max peers reached", "ICMP ..."): an `error`
 * event in JSON. */
void	ev_notice(const struct session *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
