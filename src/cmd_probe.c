/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_probe.c — `resolve` (forward and reverse lookups, timed) and `probe`
 * (is anything answering on these ports?): both run on the loop through
 * resolve.c and non-blocking sockets, so sessions keep being serviced. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "client.h"
#include "cmd.h"
#include "codec.h"
#include "loop.h"
#include "net.h"
#include "out.h"
#include "ports.h"
#include "resolve.h"

/* A name that is still not resolved after this gives up (probe's HOST). */
#define PROBE_RESOLVE_MS	10000

/* Monotonic microseconds: the loop's clock counts whole milliseconds, too
 * coarse for a lookup answered from /etc/hosts. */
/* "0.42 ms", "12.3 ms", "1.52 s" for people. */
/* A service name in PORTS, from /etc/services (arg: "tcp" or "udp"). */
static long
probe_service(const char *name, void *arg)
{
	struct servent *se = getservbyname(name, arg);

	return se != NULL ? (long)ntohs((uint16_t)se->s_port) : -1;
}

static const char *
probe_fmt_us(uint64_t us, char *b, size_t len)
{
	if (us < 10000)
		snprintf(b, len, "%.2f ms", (double)us / 1000);
	else if (us < 1000000)
		snprintf(b, len, "%.1f ms", (double)us / 1000);
	else
		snprintf(b, len, "%.2f s", (double)us / 1000000);
	return b;
}

/* resolve */
struct resolve_wait {
	struct resolve	*r;
	uint64_t	 timer;
	uint64_t	 timeout_ms;
	uint64_t	 t0, us;
	int		 state;		/* 0 waiting, 1 answered, -1 failed */
	int		 reverse;
	char		 what[256];	/* the name or address asked for */
	struct addrinfo	*res;
	char		*name;
	char		 err[512];
};

static void
resolve_wait_free(void *arg)
{
	struct resolve_wait *w = arg;

	resolve_cancel(w->r);
	if (w->timer)
		loop_timer_del(w->timer);
	resolve_free(w->res);
	free(w->name);
	free(w);
}

static void
resolve_wait_timeout(void *arg)
{
	struct resolve_wait *w = arg;
	struct buf d = BUF_INIT;

	/* What waits for this is woken (client.h). */
	client_wake();
	w->timer = 0;
	resolve_cancel(w->r);
	w->r = NULL;
	w->us = clock_us() - w->t0;
	codec_fmt_duration(w->timeout_ms, &d);
	if (w->reverse)
		snprintf(w->err, sizeof w->err, "no answer within %s",
		    buf_cstr(&d));
	else
		snprintf(w->err, sizeof w->err, "cannot resolve \"%s\": no "
		    "answer within %s", w->what, buf_cstr(&d));
	buf_free(&d);
	w->state = w->reverse ? 1 : -1;
}

static void
resolve_wait_end(struct resolve_wait *w, int status, const char *errmsg)
{
	/* What waits for this is woken (client.h). */
	client_wake();
	w->r = NULL;
	w->us = clock_us() - w->t0;
	if (w->timer) {
		loop_timer_del(w->timer);
		w->timer = 0;
	}
	if (status != 0)
		snprintf(w->err, sizeof w->err, "%s", errmsg);
	w->state = status == 0 ? 1 : -1;
}

static void
resolve_forward_done(void *arg, int status, struct addrinfo *res,
    const char *errmsg)
{
	struct resolve_wait *w = arg;

	w->res = res;
	resolve_wait_end(w, status, errmsg);
}

static void
resolve_reverse_done(void *arg, int status, const char *name,
    const char *errmsg)
{
	struct resolve_wait *w = arg;
	const char *why;

	if (status == 0)
		w->name = xstrdup(name);
	resolve_wait_end(w, status, errmsg);
	/* An address needs no lookup to be used: one without a name is an
	 * answer (the address itself), not a failure. */
	if (status != 0) {
		why = strrchr(errmsg, ':');
		snprintf(w->err, sizeof w->err, "%s", why != NULL ? why + 2 :
		    errmsg);
		w->state = 1;
	}
}

struct resolve_rows {
	struct addrinfo	**v;
	size_t		  n;
};

static void
resolve_row(size_t i, struct rec *r, void *arg)
{
	const struct resolve_rows *rows = arg;
	const struct addrinfo *ai = rows->v[i];
	char a[ADDR_STRLEN];

	net_fmt_host(ai->ai_addr, ai->ai_addrlen, a, sizeof a);
	rec_strcpy(r, "address", a);
	rec_str(r, "family", ai->ai_family == AF_INET6 ? "ipv6" : "ipv4");
}

static int
resolve_check(struct pending *p)
{
	struct resolve_wait *w = p->state;
	struct resolve_rows rows;
	struct addrinfo *ai;
	struct rec head;
	char took[32];
	size_t i;

	if (w->state == 0)
		return 0;
	if (w->state < 0) {
		out_error(p->ent->name, "%s", w->err);
		return -1;
	}
	probe_fmt_us(w->us, took, sizeof took);
	rec_begin(&head, "result");
	rec_str(&head, "command", p->ent->name);
	if (w->reverse) {
		rec_str(&head, "address", w->what);
		rec_str(&head, "name", w->name);
		if (w->name == NULL)
			rec_str(&head, "why", w->err);
		rec_u64(&head, "ms", w->us / 1000);
		rec_u64(&head, "us", w->us);
		if (!out_cfg.json)
			rec_str(&head, "took", took);
		out_rec(&head, w->name != NULL ? "{address} is {name} ({took})" :
		    "{address} has no name: {why} ({took})");
		rec_free(&head);
		return 1;
	}
	rows.n = 0;
	for (ai = w->res; ai != NULL; ai = ai->ai_next)
		rows.n++;
	rows.v = xcalloc(rows.n + 1, sizeof *rows.v);
	rows.n = 0;
	for (ai = w->res; ai != NULL; ai = ai->ai_next)
		rows.v[rows.n++] = ai;
	rec_str(&head, "name", w->what);
	rec_u64(&head, "ms", w->us / 1000);
	rec_u64(&head, "us", w->us);
	if (out_cfg.json) {
		out_rows(&head, "addresses", rows.n, resolve_row, &rows, NULL);
		rec_free(&head);
		free(rows.v);
		return 1;
	}
	/* For people, the way host(1) puts it, a line per address. */
	for (i = 0; i < rows.n; i++) {
		rec_free(&head);
		rec_begin(&head, NULL);
		rec_str(&head, "name", w->what);
		resolve_row(i, &head, &rows);
		out_rec(&head, rows.v[i]->ai_family == AF_INET6 ?
		    "{name} has IPv6 address {address}" :
		    "{name} has address {address}");
	}
	free(rows.v);
	rec_free(&head);
	rec_begin(&head, NULL);
	rec_u64(&head, "n", rows.n);
	rec_str(&head, "took", took);
	out_rec(&head, rows.n == 1 ? "(1 address in {took})" :
	    "({n} addresses in {took})");
	rec_free(&head);
	return 1;
}

static enum cmd_status
cmd_resolve_exec(struct cmd_ctx *c)
{
	const char *what = c->argv[0];
	struct resolve_wait *w;
	struct addrinfo *num;
	uint64_t timeout;
	char err[256];
	int r;

	if (cmd_duration(c, "timeout", 10000, &timeout) == -1)
		return CMD_ERR;
	if (what[0] == '\0' || strlen(what) > 253)
		return cmd_usage(c, "bad name (1 to 253 characters)");
	r = resolve_now(what, "0", SOCK_STREAM, &num, err, sizeof err);
	if (r == -1)
		return cmd_fail(c, "%s", err);
	w = xcalloc(1, sizeof *w);
	snprintf(w->what, sizeof w->what, "%s", what);
	w->timeout_ms = timeout;
	w->t0 = clock_us();
	if (r == 1) {
		/* An address: what is its name? */
		w->reverse = 1;
		net_fmt_host(num->ai_addr, num->ai_addrlen, w->what,
		    sizeof w->what);
		w->r = resolve_reverse(num->ai_addr, num->ai_addrlen,
		    resolve_reverse_done, w, err, sizeof err);
		resolve_free(num);
	} else
		w->r = resolve_start(what, NULL, SOCK_STREAM,
		    resolve_forward_done, w, err, sizeof err);
	if (w->r == NULL) {
		resolve_wait_free(w);
		return cmd_fail(c, "%s", err);
	}
	w->timer = timeout > 0 ?
	    loop_timer_add(timeout, resolve_wait_timeout, w) : 0;
	/* At the prompt the answer is an event: the prompt is not held.  (A
	 * resolver never answers from inside resolve_start.) */
	if (c->interactive) {
		struct rec ev;

		rec_begin(&ev, "resolving");
		ev.color = "ev";
		ev.info = 1;
		rec_str(&ev, "command", c->ent->name);
		rec_str(&ev, "host", w->what);
		out_rec(&ev, "resolving {host}");
		rec_free(&ev);
	}
	return cmd_wait_bg(c, 0, resolve_check, w, resolve_wait_free);
}

static const struct cmd_opt resolve_opts[] = {
	{ "timeout", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_resolve_entry = {
	.name = "resolve",
	.usage = "resolve NAME|ADDR [--timeout DUR]",
	.help = "Look NAME up: every address it has, IPv4 and IPv6, from "
	    "/etc/hosts or DNS (/etc/resolv.conf), and how long it took.  An "
	    "ADDR is looked up the other way: its name (one without a name is "
	    "answered with itself, not an error).  The lookup runs on "
	    "the event loop, so sessions keep being serviced; it fails after "
	    "--timeout (default 10s) or when the resolver says the name does "
	    "not exist.  At the prompt it returns at once and the answer is "
	    "printed when it comes; in a script the next line waits for it.",
	.lower = 1,
	.upper = 1,
	.opts = resolve_opts,
	.exec = cmd_resolve_exec,
};

/* probe */
enum probe_state {
	P_PENDING,
	P_OPEN,
	P_CLOSED,
	P_FILTERED,
	P_OPEN_FILTERED,	/* UDP: no answer, no ICMP either */
	P_NSTATES
};
static const char *const probe_names[P_NSTATES] = {
	"pending", "open", "closed", "filtered", "open|filtered"
};

struct probe;

/* One port being tried: a socket, its deadline, the port's index. */
struct probe_slot {
	struct probe	*pr;
	int		 fd;		/* -1: free */
	size_t		 idx;
	uint64_t	 timer;
	uint64_t	 t0;
};

struct probe {
	char		 host[256];
	char		 addrstr[ADDR_STRLEN];
	struct net_addr	 addr;
	int		 udp;
	int		 all;		/* --all: every port, not only open */
	uint64_t	 timeout_ms;
	unsigned	 parallel;
	struct resolve	*r;
	uint64_t	 resolve_timer;
	int		 failed;	/* err says why */
	char		 err[512];

	uint16_t	*ports;
	size_t		 nports;
	unsigned char	*state;		/* enum probe_state per port */
	uint32_t	*us;		/* time to the answer per port */
	int		*errs;		/* errno that decided, or 0 */
	size_t		 next_start, next_shown;
	struct probe_slot *slots;
	unsigned	 busy, busy_max;
	size_t		 count[P_NSTATES];
	uint64_t	 t0;
};

static void	probe_fill(struct probe *);

static void
probe_slot_free(struct probe_slot *sl)
{
	if (sl->fd == -1)
		return;
	loop_del(sl->fd);
	close(sl->fd);
	sl->fd = -1;
	if (sl->timer)
		loop_timer_del(sl->timer);
	sl->timer = 0;
	sl->pr->busy--;
}

static void
probe_free(void *arg)
{
	struct probe *pr = arg;
	unsigned i;

	resolve_cancel(pr->r);
	if (pr->resolve_timer)
		loop_timer_del(pr->resolve_timer);
	for (i = 0; pr->slots != NULL && i < pr->parallel; i++)
		probe_slot_free(&pr->slots[i]);
	free(pr->slots);
	free(pr->ports);
	free(pr->state);
	free(pr->us);
	free(pr->errs);
	free(pr);
}

/* Results go out in port order: a port is shown once every port before
 * it has its answer.  People see the open ports (the summary counts the
 * rest) unless --all; JSON carries every port, a program filters. */
static void
probe_show(struct probe *pr)
{
	struct rec r;

	while (pr->next_shown < pr->nports &&
	    pr->state[pr->next_shown] != P_PENDING) {
		size_t i = pr->next_shown++;

		if (!pr->all && !out_cfg.json && pr->state[i] != P_OPEN)
			continue;
		rec_begin(&r, "probe");
		rec_str(&r, "host", pr->host);
		rec_str(&r, "address", pr->addrstr);
		rec_u64(&r, "port", pr->ports[i]);
		rec_str(&r, "proto", pr->udp ? "udp" : "tcp");
		rec_str(&r, "state", probe_names[pr->state[i]]);
		rec_u64(&r, "ms", pr->us[i] / 1000);
		if (pr->errs[i] != 0 && pr->state[i] != P_CLOSED) {
			rec_str(&r, "error", strerror(pr->errs[i]));
			out_rec(&r, "{port}/{proto} {state} ({error})");
		} else
			out_rec(&r, "{port}/{proto} {state}");
		rec_free(&r);
	}
}

static void
probe_record(struct probe_slot *sl, enum probe_state st, int e)
{
	struct probe *pr = sl->pr;

	pr->state[sl->idx] = (unsigned char)st;
	pr->us[sl->idx] = (uint32_t)(clock_us() - sl->t0);
	pr->errs[sl->idx] = e;
	pr->count[st]++;
	probe_slot_free(sl);
}

static void
probe_timeout(void *arg)
{
	struct probe_slot *sl = arg;
	struct probe *pr = sl->pr;

	/* What waits for this is woken (client.h). */
	client_wake();
	sl->timer = 0;
	/* Silence: a firewall dropped the SYN, or a UDP service that does
	 * not answer an empty datagram (or is not there behind a filter). */
	probe_record(sl, pr->udp ? P_OPEN_FILTERED : P_FILTERED, 0);
	probe_fill(pr);
	probe_show(pr);
}

/* What the connect's outcome says about the port. */
static enum probe_state
probe_tcp_verdict(int e)
{
	if (e == 0)
		return P_OPEN;
	if (e == ECONNREFUSED)
		return P_CLOSED;
	/* Timed out, or an ICMP unreachable: something is in the way. */
	return P_FILTERED;
}

static void
probe_io(int fd, int events, void *arg)
{
	struct probe_slot *sl = arg;
	struct probe *pr = sl->pr;
	int e;

	/* What waits for this is woken (client.h). */
	client_wake();
	if (!pr->udp) {
		if (!(events & (LOOP_WRITE | LOOP_ERR | LOOP_HUP)))
			return;
		e = net_sock_error(fd);
		probe_record(sl, probe_tcp_verdict(e), e);
	} else {
		/* An ICMP error is the socket's error: port unreachable is
		 * ECONNREFUSED, the other unreachables mean a filter
		 * answered.  Else something readable is a reply: open.  The
		 * datagram itself does not matter and is never read. */
		e = net_sock_error(fd);
		if (e == ECONNREFUSED)
			probe_record(sl, P_CLOSED, e);
		else if (e != 0)
			probe_record(sl, P_FILTERED, e);
		else if (events & LOOP_READ)
			probe_record(sl, P_OPEN, 0);
		else
			return;
	}
	probe_fill(pr);
	probe_show(pr);
}

/* Start trying the next port in sl.  0 started (or answered at once), -1
 * when no descriptor is to be had now. */
static int
probe_start(struct probe *pr, struct probe_slot *sl)
{
	struct net_addr a = pr->addr;
	static const int on = 1;
	int fd, family = a.ss.ss_family;

	sl->idx = pr->next_start;
	if (family == AF_INET)
		((struct sockaddr_in *)(void *)&a.ss)->sin_port =
		    htons(pr->ports[sl->idx]);
	else
		((struct sockaddr_in6 *)(void *)&a.ss)->sin6_port =
		    htons(pr->ports[sl->idx]);
	fd = socket(family, (pr->udp ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	pr->next_start++;
	sl->fd = fd;
	sl->pr = pr;
	sl->t0 = clock_us();
	sl->timer = 0;
	pr->busy++;
	if (pr->busy > pr->busy_max)
		pr->busy_max = pr->busy;
	if (pr->udp) {
		/* Every ICMP error about our datagram becomes the socket's
		 * error, not only those Linux counts as hard ones. */
		if (family == AF_INET)
			setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
		else
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
			    sizeof on);
		/* An empty datagram, as most scanners send: a service
		 * that answers anything shows itself, and no protocol is
		 * spoken at one that does not. */
		if (connect(fd, (struct sockaddr *)&a.ss, a.len) == -1 ||
		    write(fd, "", 0) == -1) {
			probe_record(sl, errno == ECONNREFUSED ? P_CLOSED :
			    P_FILTERED, errno);
			return 0;
		}
	} else if (connect(fd, (struct sockaddr *)&a.ss, a.len) == 0) {
		probe_record(sl, P_OPEN, 0);
		return 0;
	} else if (errno != EINPROGRESS) {
		int e = errno;

		probe_record(sl, probe_tcp_verdict(e), e);
		return 0;
	}
	if (loop_add(fd, pr->udp ? LOOP_READ : LOOP_WRITE, probe_io,
	    sl) == -1) {
		probe_record(sl, P_FILTERED, errno);
		return 0;
	}
	sl->timer = loop_timer_add(pr->timeout_ms, probe_timeout, sl);
	return 0;
}

/* Keep up to --parallel ports in flight; a descriptor shortage (EMFILE)
 * waits for one of ours to be closed, unless none is open. */
static void
probe_fill(struct probe *pr)
{
	unsigned i = 0;

	while (pr->next_start < pr->nports && pr->busy < pr->parallel &&
	    !pr->failed) {
		while (pr->slots[i].fd != -1)
			i++;
		if (probe_start(pr, &pr->slots[i]) == 0)
			continue;
		if (pr->busy == 0) {
			snprintf(pr->err, sizeof pr->err, "cannot open a "
			    "socket: %s", strerror(errno));
			pr->failed = 1;
		}
		break;
	}
}

static void
probe_begin(struct probe *pr, const struct sockaddr *sa, socklen_t len)
{
	struct buf d = BUF_INIT;

	memcpy(&pr->addr.ss, sa, len);
	pr->addr.len = len;
	net_fmt_host(sa, len, pr->addrstr, sizeof pr->addrstr);
	if (!out_cfg.json) {
		struct rec r;

		codec_fmt_duration(pr->timeout_ms, &d);
		rec_begin(&r, NULL);
		r.info = 1;
		rec_str(&r, "host", pr->host);
		rec_str(&r, "address", pr->addrstr);
		rec_u64(&r, "n", pr->nports);
		rec_str(&r, "ports", pr->nports == 1 ? "port" : "ports");
		rec_str(&r, "proto", pr->udp ? "UDP" : "TCP");
		rec_u64(&r, "par", pr->parallel);
		rec_str(&r, "timeout", buf_cstr(&d));
		/* The name, when it is one, and what it resolved to. */
		out_rec(&r, strcmp(pr->host, pr->addrstr) == 0 ?
		    "probing {address}: {n} {proto} {ports}, {par} at a time, "
		    "timeout {timeout}" :
		    "probing {host} ({address}): {n} {proto} {ports}, {par} at "
		    "a time, timeout {timeout}");
		rec_free(&r);
	}
	buf_free(&d);
	pr->t0 = clock_us();
	probe_fill(pr);
	probe_show(pr);
}

static void
probe_resolved(void *arg, int status, struct addrinfo *res,
    const char *errmsg)
{
	struct probe *pr = arg;

	/* What waits for this is woken (client.h). */
	client_wake();
	pr->r = NULL;
	if (pr->resolve_timer) {
		loop_timer_del(pr->resolve_timer);
		pr->resolve_timer = 0;
	}
	if (status != 0) {
		snprintf(pr->err, sizeof pr->err, "%s", errmsg);
		pr->failed = 1;
		return;
	}
	/* The resolver's first choice (RFC 6724 order), as a connect
	 * would take it. */
	probe_begin(pr, res->ai_addr, res->ai_addrlen);
	resolve_free(res);
}

static void
probe_resolve_timeout(void *arg)
{
	struct probe *pr = arg;

	/* What waits for this is woken (client.h). */
	client_wake();
	pr->resolve_timer = 0;
	resolve_cancel(pr->r);
	pr->r = NULL;
	snprintf(pr->err, sizeof pr->err, "cannot resolve \"%s\": no answer "
	    "within %us", pr->host, PROBE_RESOLVE_MS / 1000);
	pr->failed = 1;
}

static int
probe_check(struct pending *p)
{
	struct probe *pr = p->state;
	uint64_t us;
	struct rec r;
	char took[32];

	if (pr->failed) {
		out_error(p->ent->name, "%s", pr->err);
		return -1;
	}
	if (pr->r != NULL || pr->next_shown < pr->nports)
		return 0;
	us = clock_us() - pr->t0;
	rec_begin(&r, "result");
	rec_str(&r, "command", p->ent->name);
	rec_str(&r, "host", pr->host);
	rec_str(&r, "address", pr->addrstr);
	rec_str(&r, "proto", pr->udp ? "udp" : "tcp");
	rec_u64(&r, "ports", pr->nports);
	rec_u64(&r, "open", pr->count[P_OPEN]);
	rec_u64(&r, "closed", pr->count[P_CLOSED]);
	rec_u64(&r, "filtered", pr->count[P_FILTERED]);
	if (pr->udp)
		rec_u64(&r, "open_filtered", pr->count[P_OPEN_FILTERED]);
	rec_u64(&r, "ms", us / 1000);
	rec_u64(&r, "max_parallel", pr->busy_max);
	if (!out_cfg.json) {
		rec_str(&r, "noun", pr->nports == 1 ? "port" : "ports");
		rec_str(&r, "took", probe_fmt_us(us, took, sizeof took));
	}
	out_rec(&r, pr->udp ?
	    "{ports} {noun} in {took}: {open} open, {open_filtered} "
	    "open|filtered, {closed} closed, {filtered} filtered" :
	    "{ports} {noun} in {took}: {open} open, {closed} closed, "
	    "{filtered} filtered");
	rec_free(&r);
	return 1;
}

static enum cmd_status
cmd_probe_exec(struct cmd_ctx *c)
{
	const char *host = c->argv[0], *v;
	struct addrinfo *num;
	struct probe *pr;
	uint64_t timeout, par = 64;
	char err[256];
	unsigned i;
	int r;

	if (cmd_duration(c, "timeout", 1000, &timeout) == -1)
		return CMD_ERR;
	if (timeout == 0)
		return cmd_usage(c, "--timeout must be more than 0 (a port "
		    "silent that long is filtered)");
	if ((v = cmd_opt(c, "parallel")) != NULL &&
	    codec_parse_uint(v, 1, 4096, &par) == -1)
		return cmd_usage(c, "bad --parallel \"%.32s\" (1..4096)", v);
	if (host[0] == '\0' || strlen(host) > 253)
		return cmd_usage(c, "bad host (1 to 253 characters)");
	pr = xcalloc(1, sizeof *pr);
	if (ports_parse(c->argv[1], probe_service, cmd_has(c, "udp") ?
	    "udp" : "tcp", &pr->ports, &pr->nports, err, sizeof err) == -1) {
		probe_free(pr);
		return cmd_usage(c, "PORTS: %s", err);
	}
	snprintf(pr->host, sizeof pr->host, "%s", host);
	pr->udp = cmd_has(c, "udp");
	pr->all = cmd_has(c, "all");
	pr->timeout_ms = timeout;
	pr->parallel = par < pr->nports ? (unsigned)par : (unsigned)pr->nports;
	pr->state = xcalloc(pr->nports, 1);
	pr->us = xcalloc(pr->nports, sizeof *pr->us);
	pr->errs = xcalloc(pr->nports, sizeof *pr->errs);
	pr->slots = xcalloc(pr->parallel, sizeof *pr->slots);
	for (i = 0; i < pr->parallel; i++) {
		pr->slots[i].fd = -1;
		pr->slots[i].pr = pr;
	}
	r = resolve_now(host, "0", pr->udp ? SOCK_DGRAM : SOCK_STREAM,
	    &num, err, sizeof err);
	if (r == -1) {
		probe_free(pr);
		return cmd_fail(c, "%s", err);
	}
	if (r == 1) {
		probe_begin(pr, num->ai_addr, num->ai_addrlen);
		resolve_free(num);
	} else {
		pr->r = resolve_start(host, NULL, pr->udp ? SOCK_DGRAM :
		    SOCK_STREAM, probe_resolved, pr, err, sizeof err);
		if (pr->r == NULL) {
			probe_free(pr);
			return cmd_fail(c, "%s", err);
		}
		pr->resolve_timer = loop_timer_add(PROBE_RESOLVE_MS,
		    probe_resolve_timeout, pr);
	}
	return cmd_wait(c, 0, probe_check, pr, probe_free);
}

static const struct cmd_opt probe_opts[] = {
	{ "timeout", 1 }, { "parallel", 1 }, { "udp", 0 }, { "all", 0 },
	{ NULL, 0 }
};

const struct cmd_entry cmd_probe_entry = {
	.name = "probe",
	.usage = "probe HOST PORTS [--timeout DUR] [--parallel N] [--udp] "
	    "[--all]",
	.help = "Is anything answering?  Try to connect to each of PORTS on "
	    "HOST (80, 8000-8100, 22,80,443, service names such as http, or a "
	    "mix): open (it accepts), "
	    "closed (refused: nothing listens), filtered (no answer within "
	    "--timeout, default 1s, or an ICMP unreachable).  Up to --parallel "
	    "ports (default 64) are tried at a time, so as many descriptors "
	    "at most.  The open ports are shown in port order, then a summary "
	    "that counts every state; --all shows every port (JSON always "
	    "has an event per port).  --udp "
	    "sends an empty datagram to each port: closed when ICMP port "
	    "unreachable comes back, open when a reply does, else "
	    "open|filtered.",
	.lower = 2,
	.upper = 2,
	.opts = probe_opts,
	.exec = cmd_probe_exec,
};
