/* SPDX-License-Identifier: GPL-3.0-or-later */
/* client.c — the clients that give commands (see client.h): each with its
 * own output, pending command, attached session and expect positions, and
 * the tap that wakes the ones that wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "session.h"

static TAILQ_HEAD(, client) clients = TAILQ_HEAD_INITIALIZER(clients);
/* The instance's control socket maker (client_set_control). */
static int	(*client_listen)(const char *, char *, size_t);

void
client_set_control(int (*listen)(const char *, char *, size_t))
{
	client_listen = listen;
}

int
client_control(const char *name, char *err, size_t errlen)
{
	if (client_listen == NULL) {
		snprintf(err, errlen, "not available in this build");
		return -1;
	}
	return client_listen(name, err, errlen);
}

struct client_pos *
client_pos(struct client *cl, unsigned id)
{
	size_t i, j;

	for (i = 0; i < cl->npos; i++)
		if (cl->pos[i].id == id)
			return &cl->pos[i];
	/* Entries of sessions gone for good (nothing left to match) make
	 * room before the array grows. */
	if (cl->npos == cl->apos) {
		for (i = j = 0; i < cl->npos; i++)
			if (sess_find(cl->pos[i].id) != NULL ||
			    sess_zombie_data(cl->pos[i].id) != NULL)
				cl->pos[j++] = cl->pos[i];
		cl->npos = j;
	}
	if (cl->npos == cl->apos) {
		cl->apos = cl->apos ? cl->apos * 2 : 8;
		cl->pos = xrealloc(cl->pos, cl->apos * sizeof *cl->pos);
	}
	memset(&cl->pos[cl->npos], 0, sizeof cl->pos[0]);
	cl->pos[cl->npos].id = id;
	return &cl->pos[cl->npos++];
}

struct client *
client_new(const char *name, int interactive, struct out_sink *sink,
    void (*done)(struct client *, enum cmd_status), void *arg)
{
	struct client *cl = xcalloc(1, sizeof *cl);
	struct session **all;
	size_t i, n;

	cl->name = name;
	cl->interactive = interactive;
	TAILQ_INIT(&cl->bgs);
	cl->sink = sink != NULL ? sink : out_main();
	cl->done = done;
	cl->arg = arg;
	/* What already arrived was not this client's to see. */
	pipe_window_flush();
	all = sess_all(&n);
	for (i = 0; i < n; i++) {
		struct client_pos *p = client_pos(cl, all[i]->id);

		p->rx = sess_window(all[i])->end;
		p->recv = all[i]->n_recv;
		p->accepted = all[i]->n_accepted;
	}
	TAILQ_INSERT_TAIL(&clients, cl, entry);
	return cl;
}

void
client_free(struct client *cl)
{
	TAILQ_REMOVE(&clients, cl, entry);
	cmd_pending_cancel(cl, NULL);
	cmd_bg_cancel(cl);
	if (cl->wake_timer)
		loop_timer_del(cl->wake_timer);
	free(cl->pos);
	free(cl);
}

enum cmd_status
client_run(struct client *cl, const char *line, size_t len)
{
	struct out_sink *was = out_use(cl->sink);
	enum cmd_status st;

	st = cmd_run(cl, line, len);
	out_use(was);
	return st;
}

/* A client's waits look again: the one that holds it, and those beside
 * its prompt. */
static void
client_check(void *arg)
{
	struct client *cl = arg;
	struct out_sink *was = out_use(cl->sink);
	int held = cl->pending.active;
	enum cmd_status st;

	cl->wake_timer = 0;
	if (held) {
		st = cmd_pending_poll(cl);
		if (st != CMD_PENDING && cl->done != NULL)
			cl->done(cl, st);
	}
	/* Lookups started at the prompt, answered: their results, or their
	 * lines run again (which may wait in turn, holding the client). */
	if (!TAILQ_EMPTY(&cl->bgs) && cmd_bg_poll(cl) == CMD_PENDING &&
	    cl->done != NULL)
		cl->done(cl, CMD_PENDING);
	out_use(was);
}

void
client_wake_one(struct client *cl)
{
	if (cl->wake_timer == 0 && (cl->pending.active || !TAILQ_EMPTY(&cl->bgs)))
		cl->wake_timer = loop_timer_add(0, client_check, cl);
}

void
client_wake(void)
{
	struct client *cl;

	TAILQ_FOREACH(cl, &clients, entry)
		client_wake_one(cl);
}

void
client_cancel(struct client *cl, const char *why)
{
	struct out_sink *was = out_use(cl->sink);

	cmd_pending_cancel(cl, why);
	out_use(was);
}

int
client_waiting(void)
{
	struct client *cl;

	TAILQ_FOREACH(cl, &clients, entry)
		if (cl->pending.active)
			return 1;
	return 0;
}

/* The tap: traffic and session events are what waits wait for (expect:
 * received messages; a send waiting for room: bytes the kernel took;
 * connect, accept, close, a handshake done: events). */
static void
client_tap_chunk(struct session *s, const struct chunk *c)
{
	(void)s;
	if (c->dir == '>')
		client_wake();
}

static void
client_tap_message(struct session *s, const struct chunk *c)
{
	(void)s;
	if (c->dir == '<')
		client_wake();
}

static void
client_tap_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	(void)s;
	(void)ev;
	(void)reason;
	(void)lost;
	client_wake();
}

static const struct tap client_tap = {
	.name = "clients",
	.chunk = client_tap_chunk,
	.message = client_tap_message,
	.event = client_tap_event,
};

void
client_init(void)
{
	pipe_add_tap(&client_tap);
}

void
client_done(void)
{
	while (!TAILQ_EMPTY(&clients))
		client_free(TAILQ_FIRST(&clients));
}

void
client_use_check(struct client *cl)
{
	struct session *next;

	if (cl->use == 0 || sess_find(cl->use) != NULL)
		return;
	/* A reconnecting client's new session takes its place. */
	next = sess_successor(cl->use);
	if (next != NULL)
		out_info("[%u] closed: [%u] replaces it as the current session",
		    cl->use, next->id);
	else
		out_info("[%u] closed: no current session", cl->use);
	cl->use = next != NULL ? next->id : 0;
}
