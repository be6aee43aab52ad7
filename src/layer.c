/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer.c — what every stack of layers shares: registering the fd layer's
 * descriptor with the loop, pushing filters on it, dispatching the loop's
 * events, translating the pipeline's wants down the stack into loop
 * interest, and letting everything go, top first. */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "layer.h"
#include "loop.h"
#include "session.h"

static void
layer_dispatch(int fd, int events, void *arg)
{
	struct session *s = arg;
	struct layer *l;

	(void)fd;
	for (l = s->top; l != NULL && l->ops->io == NULL; l = l->below)
		;
	if (l != NULL)
		l->ops->io(l, events);
}

void
layer_io(struct session *s, int events)
{
	layer_dispatch(s->fd, events, s);
}

static const struct layer_host *host;

void
layer_set_host(const struct layer_host *h)
{
	host = h;
}

static int
layer_mask(struct session *s)
{
	return s->top->ops->want(s->top, host->want(s));
}

int
layer_attach(struct session *s, const struct layer_ops *ops)
{
	int registered = s->top != NULL;

	/* The fd layer's state (s->fdl.state) is its own, set before. */
	s->fdl.ops = ops;
	s->fdl.below = NULL;
	s->fdl.s = s;
	if (registered) {
		layer_interest(s);
		return 0;
	}
	s->top = &s->fdl;
	if (loop_add(s->fd, layer_mask(s), layer_dispatch, s) == -1) {
		/* Not registered; layer_detach still frees the state. */
		s->top = NULL;
		return -1;
	}
	return 0;
}

void
layer_release_fd(struct session *s)
{
	if (s->fd == -1)
		return;
	if (s->top != NULL)
		loop_del(s->fd);
	close(s->fd);
	s->fd = -1;
	s->top = NULL;
}

void
layer_push(struct session *s, const struct layer_ops *ops, void *state)
{
	struct layer *l = xcalloc(1, sizeof *l);

	l->ops = ops;
	l->below = s->top;
	l->s = s;
	l->state = state;
	s->top = l;
	layer_interest(s);
}

void
layer_detach(struct session *s, int abort)
{
	struct layer *l;

	/* Filters first: a TLS layer's last words need the one below. */
	while ((l = s->top) != NULL && l != &s->fdl) {
		if (l->ops->free != NULL)
			l->ops->free(l, abort);
		s->top = l->below;
		free(l);
	}
	if (s->fdl.ops != NULL && s->fdl.ops->free != NULL)
		s->fdl.ops->free(&s->fdl, abort);
	s->fdl.state = NULL;
	if (abort && s->fd != -1) {
		/* Linger 0: close() answers with RST, dropping the queue. */
		struct linger lg = { 1, 0 };

		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	layer_release_fd(s);
	s->fdl.ops = NULL;
}

int
layer_rewatch(struct session *s)
{
	return loop_add(s->fd, layer_mask(s), layer_dispatch, s);
}

void
layer_interest(struct session *s)
{
	if (s->fd != -1 && s->top != NULL)
		loop_set(s->fd, layer_mask(s));
}

struct layer *
layer_find(const struct session *s, const struct layer_ops *ops)
{
	struct layer *l;

	for (l = s->top; l != NULL; l = l->below)
		if (l->ops == ops)
			return l;
	return NULL;
}

int
layer_want_below(struct layer *l, int pw)
{
	return l->below->ops->want(l->below, pw);
}

size_t
layer_unacked_below(struct layer *l)
{
	size_t n = 0;

	if (l->below->ops->control == NULL || l->below->ops->control(
	    l->below, LCTL_UNACKED, &n) == -1)
		return 0;
	return n;
}

int
layer_control(const struct session *s, enum layer_ctl op, void *arg)
{
	struct layer *l;
	int r;

	/* A connect not yet registered answers for its session too (the
	 * fd layer is the session's own: s is only const to the caller). */
	l = s->top != NULL ? s->top : s->fdl.ops != NULL ?
	    (struct layer *)&s->fdl : NULL;
	for (; l != NULL; l = l->below)
		if (l->ops->control != NULL &&
		    (r = l->ops->control(l, op, arg)) != -1)
			return r;
	return -1;
}

void
layer_describe(const struct session *s, struct buf *out)
{
	const struct layer *l;

	for (l = s->top; l != NULL; l = l->below) {
		if (l->ops->describe == NULL)
			continue;
		if (l != s->top)
			buf_puts(out, " over ");
		l->ops->describe(l, out);
	}
}
