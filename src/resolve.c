/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resolve.c — lookups that never block: c-ares does the DNS (and reads
 * /etc/hosts and /etc/resolv.conf itself), the loop watches its sockets and
 * runs its timeouts.  Every lookup has a channel of its own, so cancelling
 * one really stops its queries and closes its sockets: c-ares can only
 * cancel a channel as a whole. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ares.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "loop.h"
#include "resolve.h"

struct resolve {
	ares_channel	 ch;
	resolve_cb	 done;
	resolve_name_cb	 done_name;
	void		*arg;
	char		 what[80];	/* the name or address, for errors */

	/* The channel's sockets, registered with the loop. */
	int		*fds;
	size_t		 nfds;
	uint64_t	 ares_timer;	/* c-ares's next retry or timeout */

	/* c-ares answers from inside its own calls, where destroying the
	 * channel is not allowed: the answer is kept and handed over from
	 * a timer of its own. */
	uint64_t	 deliver_timer;
	int		 finished;
	int		 cancelled;
	int		 status;
	struct addrinfo	*res;
	char		*name;
	char		 errmsg[256];
};

/* One node and its address in one block, so a list frees node by node. */
struct resolve_node {
	struct addrinfo		ai;
	struct sockaddr_storage	ss;
};

static int	resolve_lib_ready;

static void	resolve_rearm(struct resolve *);

static void
resolve_fd_event(int fd, int events, void *arg)
{
	struct resolve *r = arg;
	ares_socket_t rd = ARES_SOCKET_BAD, wr = ARES_SOCKET_BAD;

	/* An error or hang-up is learnt by reading. */
	if (events & (LOOP_READ | LOOP_HUP | LOOP_ERR))
		rd = fd;
	if (events & LOOP_WRITE)
		wr = fd;
	ares_process_fd(r->ch, rd, wr);
	resolve_rearm(r);
}

static void
resolve_ares_timeout(void *arg)
{
	struct resolve *r = arg;

	r->ares_timer = 0;
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolve_rearm(r);
}

/* c-ares keeps its own clock of retries: ask it when to wake up next. */
static void
resolve_rearm(struct resolve *r)
{
	struct timeval tv;
	uint64_t ms;

	if (r->ares_timer) {
		loop_timer_del(r->ares_timer);
		r->ares_timer = 0;
	}
	if (r->finished || ares_timeout(r->ch, NULL, &tv) == NULL)
		return;
	ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
	r->ares_timer = loop_timer_add(ms, resolve_ares_timeout, r);
}

/* c-ares opens, watches and closes its sockets through this. */
static void
resolve_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolve *r = data;
	int mask = (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0);
	size_t i;

	for (i = 0; i < r->nfds; i++)
		if (r->fds[i] == fd)
			break;
	if (mask == 0) {
		if (i == r->nfds)
			return;
		loop_del(fd);
		r->fds[i] = r->fds[--r->nfds];
		return;
	}
	if (i < r->nfds) {
		loop_set(fd, mask);
		return;
	}
	if (loop_add(fd, mask, resolve_fd_event, r) == -1)
		return;		/* the query times out instead */
	r->fds = xrealloc(r->fds, (r->nfds + 1) * sizeof *r->fds);
	r->fds[r->nfds++] = fd;
}

static void
resolve_teardown(struct resolve *r)
{
	if (r->ares_timer)
		loop_timer_del(r->ares_timer);
	if (r->deliver_timer)
		loop_timer_del(r->deliver_timer);
	r->ares_timer = r->deliver_timer = 0;
	/* Pending queries answer ARES_EDESTRUCTION; the flag makes the
	 * callback drop them. */
	r->cancelled = 1;
	ares_destroy(r->ch);
	/* Every socket was reported closed; this is only a safety net. */
	while (r->nfds > 0)
		loop_del(r->fds[--r->nfds]);
	free(r->fds);
}

static void
resolve_deliver(void *arg)
{
	struct resolve *r = arg;
	resolve_cb done = r->done;
	resolve_name_cb done_name = r->done_name;
	struct addrinfo *res = r->res;
	void *cbarg = r->arg;
	int status = r->status;
	char *name = r->name;
	char errmsg[sizeof r->errmsg];

	r->deliver_timer = 0;
	memcpy(errmsg, r->errmsg, sizeof errmsg);
	resolve_teardown(r);
	free(r);
	/* The handle is gone before the caller hears: it may start another
	 * lookup, or cancel a different one, from here. */
	if (done != NULL)
		done(cbarg, status, res, status == 0 ? NULL : errmsg);
	else {
		done_name(cbarg, status, name, status == 0 ? NULL : errmsg);
		free(name);
	}
}

static void
resolve_finish(struct resolve *r, int ares_status)
{
	if (ares_status != ARES_SUCCESS) {
		r->status = -1;
		snprintf(r->errmsg, sizeof r->errmsg, "cannot resolve \"%s\": %s",
		    r->what, ares_strerror(ares_status));
	}
	r->finished = 1;
	r->deliver_timer = loop_timer_add(0, resolve_deliver, r);
}

static void
resolve_addr_add(struct addrinfo **head, struct addrinfo ***tail, int family,
    int socktype, int protocol, const struct sockaddr *sa, socklen_t len)
{
	struct resolve_node *n;
	struct addrinfo *p;

	if (len > sizeof n->ss)
		return;
	/* The same address twice (hosts file and DNS, or two hosts lines)
	 * would only be tried twice. */
	for (p = *head; p != NULL; p = p->ai_next)
		if (p->ai_addrlen == len && p->ai_socktype == socktype &&
		    memcmp(p->ai_addr, sa, len) == 0)
			return;
	n = xcalloc(1, sizeof *n);
	memcpy(&n->ss, sa, len);
	n->ai.ai_family = family;
	n->ai.ai_socktype = socktype;
	n->ai.ai_protocol = protocol;
	n->ai.ai_addrlen = len;
	n->ai.ai_addr = (struct sockaddr *)&n->ss;
	**tail = &n->ai;
	*tail = &n->ai.ai_next;
}

static void
resolve_addrinfo_done(void *arg, int status, int timeouts,
    struct ares_addrinfo *res)
{
	struct resolve *r = arg;
	struct addrinfo *head = NULL, **tail = &head;
	struct ares_addrinfo_node *n;

	(void)timeouts;
	if (r->cancelled) {
		if (res != NULL)
			ares_freeaddrinfo(res);
		return;
	}
	if (status == ARES_SUCCESS && res != NULL)
		for (n = res->nodes; n != NULL; n = n->ai_next)
			resolve_addr_add(&head, &tail, n->ai_family,
			    n->ai_socktype, n->ai_protocol, n->ai_addr,
			    n->ai_addrlen);
	if (res != NULL)
		ares_freeaddrinfo(res);
	if (status == ARES_SUCCESS && head == NULL)
		status = ARES_ENODATA;
	r->res = head;
	resolve_finish(r, status);
}

static void
resolve_nameinfo_done(void *arg, int status, int timeouts, char *node,
    char *service)
{
	struct resolve *r = arg;

	(void)timeouts;
	(void)service;
	if (r->cancelled)
		return;
	if (status == ARES_SUCCESS && node != NULL)
		r->name = xstrdup(node);
	else if (status == ARES_SUCCESS)
		status = ARES_ENOTFOUND;
	resolve_finish(r, status);
}

static struct resolve *
resolve_new(const char *what, char *err, size_t errlen)
{
	struct ares_options o;
	struct resolve *r;
	int rc;

	if (!resolve_lib_ready) {
		rc = ares_library_init(ARES_LIB_INIT_ALL);
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "resolver: %s", ares_strerror(rc));
			return NULL;
		}
		resolve_lib_ready = 1;
	}
	r = xcalloc(1, sizeof *r);
	snprintf(r->what, sizeof r->what, "%s", what);
	memset(&o, 0, sizeof o);
	o.sock_state_cb = resolve_sock_state;
	o.sock_state_cb_data = r;
	rc = ares_init_options(&r->ch, &o, ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "resolver: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	return r;
}

struct resolve *
resolve_start(const char *host, const char *serv, int socktype,
    resolve_cb done, void *arg, char *err, size_t errlen)
{
	struct ares_addrinfo_hints h;
	struct resolve *r;

	if ((r = resolve_new(host, err, errlen)) == NULL)
		return NULL;
	r->done = done;
	r->arg = arg;
	memset(&h, 0, sizeof h);
	h.ai_family = AF_UNSPEC;
	h.ai_socktype = socktype;
	/* May answer at once (the hosts file); resolve_finish() defers. */
	ares_getaddrinfo(r->ch, host, serv, &h, resolve_addrinfo_done, r);
	resolve_rearm(r);
	return r;
}

struct resolve *
resolve_reverse(const struct sockaddr *sa, socklen_t len,
    resolve_name_cb done, void *arg, char *err, size_t errlen)
{
	char what[INET6_ADDRSTRLEN];
	struct resolve *r;

	what[0] = '\0';
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, what, sizeof what);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, what, sizeof what);
	if ((r = resolve_new(what, err, errlen)) == NULL)
		return NULL;
	r->done_name = done;
	r->arg = arg;
	ares_getnameinfo(r->ch, sa, (ares_socklen_t)len,
	    ARES_NI_LOOKUPHOST | ARES_NI_NAMEREQD, resolve_nameinfo_done, r);
	resolve_rearm(r);
	return r;
}

void
resolve_cancel(struct resolve *r)
{
	if (r == NULL)
		return;
	resolve_teardown(r);
	resolve_free(r->res);
	free(r->name);
	free(r);
}

/* "x.invalid", "invalid", "x.INVALID." */
static int
resolve_invalid(const char *host)
{
	static const char tld[] = "invalid";
	size_t n = strlen(host), k = sizeof tld - 1;

	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n < k || strncasecmp(host + n - k, tld, k) != 0)
		return 0;
	return n == k || host[n - k - 1] == '.';
}

/*
 * Names a command was given, looked up before it runs again: the one run
 * that follows answers them from here (resolve_now), then they are
 * forgotten, so every command asks afresh.
 */
struct learnt {
	char		*host;
	struct addrinfo	*list;
};
static struct learnt	*learnt;
static size_t		 nlearnt;

static const struct learnt *
resolve_learnt(const char *host)
{
	size_t i;

	for (i = 0; i < nlearnt; i++)
		if (strcasecmp(learnt[i].host, host) == 0)
			return &learnt[i];
	return NULL;
}

void
resolve_learn(const char *host, const struct addrinfo *list)
{
	struct addrinfo *head = NULL, **tail = &head;
	const struct addrinfo *p;

	if (resolve_learnt(host) != NULL)
		return;
	for (p = list; p != NULL; p = p->ai_next)
		resolve_addr_add(&head, &tail, p->ai_family, p->ai_socktype,
		    p->ai_protocol, p->ai_addr, p->ai_addrlen);
	learnt = xrealloc(learnt, (nlearnt + 1) * sizeof *learnt);
	learnt[nlearnt].host = xstrdup(host);
	learnt[nlearnt].list = head;
	nlearnt++;
}

int
resolve_learning(void)
{
	return nlearnt > 0;
}

void
resolve_forget(void)
{
	size_t i;

	for (i = 0; i < nlearnt; i++) {
		free(learnt[i].host);
		resolve_free(learnt[i].list);
	}
	free(learnt);
	learnt = NULL;
	nlearnt = 0;
}

/* A learnt name's addresses with serv's port, for socktype: each address
 * as the numeric host it is, answered like any numeric host. */
static int
resolve_from_learnt(const struct learnt *l, const char *serv, int socktype,
    struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo *head = NULL, **tail = &head, *one;
	const struct addrinfo *p;
	char a[NI_MAXHOST];

	for (p = l->list; p != NULL; p = p->ai_next) {
		if (getnameinfo(p->ai_addr, p->ai_addrlen, a, sizeof a, NULL, 0,
		    NI_NUMERICHOST) != 0)
			continue;
		if (resolve_now(a, serv, socktype, &one, err, errlen) != 1) {
			resolve_free(head);
			return -1;
		}
		*tail = one;
		while (*tail != NULL)
			tail = &(*tail)->ai_next;
	}
	if (head == NULL) {
		snprintf(err, errlen, "cannot resolve \"%.200s\": %s",
		    l->host, ares_strerror(ARES_ENODATA));
		return -1;
	}
	*res = head;
	return 1;
}

int
resolve_now(const char *host, const char *serv, int socktype,
    struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo hints, *ai, *p, *head = NULL, **tail = &head;
	const struct learnt *l;
	char bare[ADDR_STRLEN];
	int rc, bracketed;

	*res = NULL;
	/* "[::1]", as addresses are shown: an IPv6 address, nothing else. */
	if ((bracketed = addr_unbracket(host, bare, sizeof bare, err,
	    errlen)) == -1)
		return -1;
	if (bracketed)
		host = bare;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICHOST;
	/* With AI_NUMERICHOST getaddrinfo() never asks anyone. */
	rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc == 0 && bracketed && ai->ai_family != AF_INET6) {
		freeaddrinfo(ai);
		rc = EAI_NONAME;
	}
	if (rc != 0) {
		if (bracketed) {
			snprintf(err, errlen, "bad address \"[%.64s]\": not an "
			    "IPv6 address", host);
			return -1;
		}
		if ((l = resolve_learnt(host)) != NULL)
			return resolve_from_learnt(l, serv, socktype, res, err,
			    errlen);
		if (!resolve_invalid(host))
			return 0;
		/* Not worth a query that would leave the machine. */
		snprintf(err, errlen, "cannot resolve \"%.200s\": %s", host,
		    ares_strerror(ARES_ENOTFOUND));
		return -1;
	}
	freeaddrinfo(ai);
	if (serv[0] != '\0' && strspn(serv, "0123456789") == strlen(serv))
		hints.ai_flags |= AI_NUMERICSERV;
	rc = getaddrinfo(host, serv, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve \"%.64s\" port \"%.32s\": "
		    "%s", host, serv, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
		return -1;
	}
	for (p = ai; p != NULL; p = p->ai_next)
		resolve_addr_add(&head, &tail, p->ai_family, p->ai_socktype,
		    p->ai_protocol, p->ai_addr, p->ai_addrlen);
	freeaddrinfo(ai);
	*res = head;
	return 1;
}

void
resolve_free(struct addrinfo *ai)
{
	while (ai != NULL) {
		struct addrinfo *next = ai->ai_next;

		/* ai is the first member of its resolve_node. */
		free(ai);
		ai = next;
	}
}
