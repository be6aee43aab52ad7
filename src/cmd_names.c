/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_names.c — host names a command was given, resolved before it runs.
 *
 * A command that takes a HOST (udp-client, --to, --bind, a server's ADDR,
 * a multicast group) asks cmd_names_first() before it does anything.
 * Numeric addresses go straight on.  A name goes to the resolver; in a
 * script the command waits like any pending command (the loop services
 * every other session, Ctrl-C cancels), at the prompt it returns at once
 * and the prompt stays free; when every name has answered the line runs
 * again from the start with the answers learnt (resolve_learn), so the code
 * below the command never looks a name up itself and never blocks.
 * tcp-client and tls-client do better: their session is `resolving`
 * meanwhile (tr_connect.c). */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "codec.h"
#include "loop.h"
#include "net.h"
#include "out.h"
#include "resolve.h"

#define NAMES_MAX		4
#define NAMES_TIMEOUT_MS	10000

struct names_wait;

/* One name; the resolver's callback gets the slot, the slot its wait. */
struct names_slot {
	struct names_wait *w;
	char		 host[256];
	int		 socktype;
	struct resolve	*r;
	struct addrinfo	*res;
	int		 state;		/* 0 asking, 1 answered, -1 failed */
};

struct names_wait {
	size_t		 n;
	struct names_slot name[NAMES_MAX];
	char		 err[512];
	int		 failed;
	uint64_t	 timer;
	char		*line;
	size_t		 len;
};

static void
names_free(void *arg)
{
	struct names_wait *w = arg;
	size_t i;

	for (i = 0; i < w->n; i++) {
		resolve_cancel(w->name[i].r);
		resolve_free(w->name[i].res);
	}
	if (w->timer)
		loop_timer_del(w->timer);
	free(w->line);
	free(w);
}

static void
names_done(void *arg, int status, struct addrinfo *res, const char *errmsg)
{
	struct names_slot *slot = arg;
	struct names_wait *w = slot->w;

	/* What waits for this is woken (client.h). */
	client_wake();
	slot->r = NULL;
	if (status != 0) {
		slot->state = -1;
		if (!w->failed)
			snprintf(w->err, sizeof w->err, "%s", errmsg);
		w->failed = 1;
		return;
	}
	slot->res = res;
	slot->state = 1;
}

static void
names_timeout(void *arg)
{
	struct names_wait *w = arg;
	struct buf d = BUF_INIT;
	size_t i;

	/* What waits for this is woken (client.h). */
	client_wake();
	w->timer = 0;
	for (i = 0; i < w->n; i++)
		if (w->name[i].state == 0) {
			resolve_cancel(w->name[i].r);
			w->name[i].r = NULL;
			w->name[i].state = -1;
			if (!w->failed) {
				codec_fmt_duration(NAMES_TIMEOUT_MS, &d);
				snprintf(w->err, sizeof w->err, "cannot resolve "
				    "\"%s\": no answer within %s",
				    w->name[i].host, buf_cstr(&d));
			}
			w->failed = 1;
		}
	buf_free(&d);
}

static int
names_check(struct pending *p)
{
	struct names_wait *w = p->state;
	size_t i;

	if (w->failed) {
		out_error(p->ent->name, "%s", w->err);
		return -1;
	}
	for (i = 0; i < w->n; i++)
		if (w->name[i].state != 1)
			return 0;
	/* Every name answered: learn them, and run the line again. */
	for (i = 0; i < w->n; i++)
		resolve_learn(w->name[i].host, w->name[i].res);
	p->again = w->line;
	p->againlen = w->len;
	w->line = NULL;
	return 1;
}

int
cmd_names_first(const struct cmd_ctx *c, const char *const *hosts,
    const int *socktypes, size_t n, enum cmd_status *st)
{
	struct names_wait *w = NULL;
	struct addrinfo *res;
	char err[256];
	size_t i, k;
	int r;

	for (i = 0; i < n; i++) {
		if (hosts[i] == NULL)
			continue;
		r = resolve_now(hosts[i], "0", socktypes[i], &res, err,
		    sizeof err);
		resolve_free(res);
		if (r == -1) {
			free(w);
			*st = cmd_fail(c, "%s", err);
			return 1;
		}
		if (r == 1)
			continue;
		if (resolve_learning()) {
			/* The run after the lookups: a name still unknown
			 * would only start them again. */
			free(w);
			*st = cmd_fail(c, "cannot resolve \"%.64s\"", hosts[i]);
			return 1;
		}
		if (w == NULL)
			w = xcalloc(1, sizeof *w);
		for (k = 0; k < w->n; k++)
			if (strcmp(w->name[k].host, hosts[i]) == 0)
				break;
		if (k < w->n || w->n == NAMES_MAX)
			continue;
		if (strlen(hosts[i]) >= sizeof w->name[0].host) {
			free(w);
			*st = cmd_usage(c, "host name too long");
			return 1;
		}
		w->name[w->n].w = w;
		strcpy(w->name[w->n].host, hosts[i]);
		w->name[w->n].socktype = socktypes[i];
		w->n++;
	}
	if (w == NULL)
		return 0;
	if (c->line == NULL) {
		free(w);
		*st = cmd_fail(c, "cannot resolve names here");
		return 1;
	}
	w->line = xmalloc(c->linelen + 1);
	memcpy(w->line, c->line, c->linelen);
	w->line[c->linelen] = '\0';
	w->len = c->linelen;
	for (i = 0; i < w->n; i++) {
		struct rec rr;

		/* Why the command waits (the host as typed, escaped). */
		rec_begin(&rr, "resolving");
		rr.color = "ev";
		rr.info = 1;
		rec_str(&rr, "command", c->ent->name);
		rec_str(&rr, "host", w->name[i].host);
		out_rec(&rr, "resolving {host}");
		rec_free(&rr);
		w->name[i].r = resolve_start(w->name[i].host, NULL,
		    w->name[i].socktype, names_done, &w->name[i], err,
		    sizeof err);
		if (w->name[i].r == NULL) {
			names_free(w);
			*st = cmd_fail(c, "%s", err);
			return 1;
		}
	}
	w->timer = loop_timer_add(NAMES_TIMEOUT_MS, names_timeout, w);
	/* At the prompt the line returns now and runs again by itself. */
	*st = cmd_wait_bg(c, 0, names_check, w, names_free);
	return 1;
}

const char *
cmd_host_of(const char *hostport, char *buf, size_t len)
{
	char port[16], err[128];

	if (hostport == NULL || addr_split_hostport(hostport, buf, len, port,
	    sizeof port, err, sizeof err) == -1)
		return NULL;
	return buf;
}
