/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role.h — what owns a session (SPEC §9 "Roles"): plain sockets, servers,
 * relays and their pairs, TLS; next WebSocket, serial, pty, exec, mock.  A
 * role keeps its state in its own struct (s->role_state), never in struct
 * session, and gets hooks that the session table calls in one fixed
 * order:
 *
 *   accepted (on the server, for each new peer) -> opened (connected or
 *   accepted) -> ready (a handshake above the socket finished: TLS) ...
 *   peer_eof (the peer finished sending) ... closing (about
 *   to leave: before the taps see the close) -> the taps -> the layers go
 *   -> destroy (the role's state goes; last).
 *
 * Taps only observe; freeing is the owner's hook's work. */
#ifndef SOCKTOOL_ROLE_H
#define SOCKTOOL_ROLE_H

#include <stdint.h>

struct rec;
struct session;
struct tls_cfg;

struct role {
	const char	*name;
	/* Its sessions carry messages once its layer is up (a WebSocket):
	 * what is sent before (connecting, the TLS and WebSocket handshakes)
	 * waits as messages, not as bytes of the stream below. */
	int		 messages;
	/* Its sessions have peers of their own that it makes (a UDP relay:
	 * an upstream side for each client) where no socket of theirs
	 * listens (sess_accepts). */
	int		 accepts;
	/* A server's new peer, before its events: give it its role (a TLS
	 * server's peers speak TLS, a relay's get an upstream).  0, or -1
	 * with the peer destroyed. */
	int		(*accepted)(struct session *srv, struct session *peer);
	/* Connected (a client) or accepted (a peer): start what goes above
	 * the socket (a TLS handshake).  0, or -1 with s destroyed. */
	int		(*opened)(struct session *);
	/* What opened started above the socket finished its handshake (TLS,
	 * after its ready event): data can flow (a server's --exec program
	 * starts for the peer now).  0, or -1 with s destroyed. */
	int		(*ready)(struct session *);
	/* The peer finished sending; NULL: the session's own rules.  -1 if
	 * the session is gone. */
	int		(*peer_eof)(struct session *);
	/* About to close with reason (the other side of a pair follows). */
	void		(*closing)(struct session *, const char *reason);
	/* The session leaves the table: free s->role_state. */
	void		(*destroy)(struct session *);
	/* Which way what s receives is going, for the display (a relay's
	 * "client->server"); NULL: nothing to say. */
	const char	*(*label)(const struct session *);
	/* The session this one was made again for (--reconnect), for its
	 * connecting and connected events; 0 or NULL: none. */
	unsigned	 (*replaces)(const struct session *);
	/* A mock's client: the messages no recorded step matched, for the
	 * closed event; NULL: not a mock. */
	uint64_t	 (*unmatched)(const struct session *);
	/* An abort asked with reason and msg (the other side of a pair was
	 * reset): 1 when the role ends the session itself, later, with
	 * them (a program is given the end of its input and reaped first,
	 * so the closed event carries its exit status); NULL or 0: it goes
	 * now. */
	int		 (*abort)(struct session *, const char *reason,
			    const char *msg);
	/* The session has ended its streams and would go now: 1 keeps it
	 * (a program not yet reaped), and the role calls sess_progress
	 * again when it may go; NULL or 0: it goes. */
	int		 (*linger)(struct session *);
	/* More fields for the session's event named event ("closed": a
	 * program's exit or signal; "show": what the role holds, labelled);
	 * NULL: none. */
	void		 (*fields)(const struct session *, const char *event,
			    struct rec *);
	/* 1 while the session is not announced (a server's peer whose
	 * WebSocket upgrade is still being answered): no accepted event yet,
	 * and it leaves without a closed one (the role reports it);
	 * NULL or 0: announced. */
	int		 (*hidden)(const struct session *);
	/* The TLS configuration the session (a server: its peers) speaks,
	 * for `show`; NULL: none. */
	struct tls_cfg	*(*tls)(const struct session *);
};

#endif
