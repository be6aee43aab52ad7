/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolve.h — name resolution that never blocks the loop: host names and
 * reverse lookups go to c-ares, whose sockets and timeouts the loop
 * services; numeric addresses are answered at once without it. */
#ifndef SOCKTOOL_RESOLVE_H
#define SOCKTOOL_RESOLVE_H

#include <sys/socket.h>
#include <netdb.h>
#include <stddef.h>

struct resolve;

/* A forward lookup's outcome.  status 0: res is a list the callee owns
 * (resolve_free); -1: res is NULL and errmsg says why, in the resolver's
 * words.  Called from the loop, never from inside resolve_start(); the
 * handle is gone by then, so the callee must forget it first. */
typedef void	(*resolve_cb)(void *arg, int status, struct addrinfo *res,
		    const char *errmsg);
/* A reverse lookup's outcome: the host's name, or errmsg. */
typedef void	(*resolve_name_cb)(void *arg, int status, const char *name,
		    const char *errmsg);

/* What is answered at once, without asking anyone: a numeric host
 * ("127.0.0.1", "::1", "fe80::1%lo") or a name resolve_learn() was given,
 * with a port number or service name, gives 1 and *res; a name under .invalid, which RFC 6761 says never
 * exists, -1 like an unknown name; a bad address or service -1 with err.
 * 0 when host is a name to look up (nothing done). */
int		 resolve_now(const char *host, const char *serv,
		    int socktype, struct addrinfo **res, char *err,
		    size_t errlen);

/* Every address of host (IPv4 and IPv6) for serv (a port number or a
 * service name) and socktype.  NULL with err if the lookup cannot even
 * start; else done is called exactly once, unless resolve_cancel() comes
 * first. */
struct resolve	*resolve_start(const char *host, const char *serv,
		    int socktype, resolve_cb done, void *arg, char *err,
		    size_t errlen);
/* The name of an address (/etc/hosts, then DNS PTR). */
struct resolve	*resolve_reverse(const struct sockaddr *, socklen_t,
		    resolve_name_cb done, void *arg, char *err,
		    size_t errlen);
/* Stop a lookup still running: its sockets and timers go, done is never
 * called.  NULL is ignored. */
void		 resolve_cancel(struct resolve *);

/* Names looked up before a command runs again (cmd.c): until
 * resolve_forget(), resolve_now() answers host from list (any port and
 * socktype), as it answers a numeric address. */
void		 resolve_learn(const char *host, const struct addrinfo *list);
void		 resolve_forget(void);
/* 1 between the two: a command runs again with its names answered. */
int		 resolve_learning(void);

/* Free a list from resolve_now() or a resolve_cb. */
void		 resolve_free(struct addrinfo *);

#endif
