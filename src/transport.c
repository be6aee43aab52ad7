/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transport.c — what every transport shares: registering a session's
 * descriptor with the loop, dispatching its events to the transport, poll
 * interest, and letting go of the descriptor. */
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "loop.h"
#include "pipe.h"
#include "session.h"
#include "transport.h"

static void
tr_dispatch(int fd, int events, void *arg)
{
	struct session *s = arg;

	(void)fd;
	s->tr->io(s, events);
}

int
tr_attach(struct session *s, const struct transport *tr)
{
	int had = s->tr != NULL;

	s->tr = tr;
	if (had) {
		tr_interest(s);
		return 0;
	}
	return loop_add(s->fd, tr->want(s, pipe_want(s)), tr_dispatch, s);
}

void
tr_detach(struct session *s, int abort)
{
	if (s->fd == -1)
		return;
	if (s->tr != NULL && s->tr->cleanup != NULL)
		s->tr->cleanup(s, abort);
	if (abort) {
		/* Linger 0: close() answers with RST, dropping the queue. */
		struct linger l = { 1, 0 };

		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	if (s->tr != NULL)
		loop_del(s->fd);
	close(s->fd);
	s->fd = -1;
}

void
tr_interest(struct session *s)
{
	if (s->fd != -1 && s->tr != NULL)
		loop_set(s->fd, s->tr->want(s, pipe_want(s)));
}
