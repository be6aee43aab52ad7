/* SPDX-License-Identifier: GPL-3.0-or-later */
/* session.c — the session table and the lifecycle of a session: creation,
 * lookup, graceful close, destruction.  No socket I/O here: that is the
 * transports' (tr_*.c), and bytes move through pipe.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include "buf.h"
#include "codec.h"
#include "loop.h"
#include "net.h"
#include "event.h"
#include "out.h"
#include "pipe.h"
#include "resolve.h"
#include "session.h"
#include "layer.h"
#include "role.h"


/* Sessions sorted by id: ids only grow, so creation appends. */
static struct session	**tab;
static size_t		  ntab, tab_alloc;
static unsigned		  next_id = 1;

#define CLOSE_TIMEOUT_MS 10000
/* How often a closing session checks that its last bytes were acked. */
#define LINGER_POLL_MS	10
/* Bytes read from a closing socket so close() finds no unread input. */
#define DRAIN_BUDGET	(16u << 20)

size_t
sess_orphan_peers(struct session *srv)
{
	size_t i, n = 0;

	for (i = 0; i < ntab; i++)
		if (tab[i]->parent == srv) {
			tab[i]->parent = NULL;
			n++;
		}
	srv->npeers = 0;
	return n;
}

struct session *
sess_find(unsigned id)
{
	size_t lo = 0, hi = ntab;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab[mid]->id == id)
			return tab[mid];
		if (tab[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Is the session s, whose id is id, still in the table?  Never reads *s:
 * it may have been freed.  Ids are not reused once announced. */
static int
sess_alive(unsigned id, const struct session *s)
{
	return sess_find(id) == s;
}

struct session **
sess_all(size_t *n)
{
	*n = ntab;
	return tab;
}

size_t
sess_count(void)
{
	return ntab;
}

struct session *
sess_successor(unsigned id)
{
	size_t i;

	/* Newest first: a successor is created after what it replaces. */
	for (i = ntab; i-- > 0;) {
		struct session *s = tab[i];

		if (s->role != NULL && s->role->replaces != NULL &&
		    s->role->replaces(s) == id)
			return s;
	}
	return NULL;
}

unsigned
sess_last_id(void)
{
	return next_id - 1;
}

size_t
sess_foreach_peer(struct session *srv, void (*fn)(struct session *, void *),
    void *arg)
{
	unsigned *ids = NULL;
	size_t i, n = 0;

	/* Ids first: fn may close peers and so change the table. */
	for (i = 0; i < ntab; i++)
		if (tab[i]->parent == srv) {
			ids = xrealloc(ids, (n + 1) * sizeof *ids);
			ids[n++] = tab[i]->id;
		}
	for (i = 0; i < n; i++) {
		struct session *p = sess_find(ids[i]);

		if (p != NULL && p->parent == srv)
			fn(p, arg);
	}
	free(ids);
	return n;
}

/* What a session without a name yet shows: never written. */
static const char sess_no_name[] = "";

struct session *
sess_new(enum sess_kind kind, const struct settings *set)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->id = next_id++;
	s->kind = kind;
	s->fd = -1;
	s->local_str = s->remote_str = sess_no_name;
	s->set = settings_hold(set);
	s->created_ms = s->reset_ms = loop_now();
	if (ntab == tab_alloc) {
		tab_alloc = tab_alloc ? tab_alloc * 2 : 16;
		tab = xrealloc(tab, tab_alloc * sizeof *tab);
	}
	tab[ntab++] = s;
	return s;
}

/* The table remembers the sessions that closed last: why each closed (a
 * command whose session went while it ran reports it), and what it
 * received, so a script can still match a reply from a peer that answered
 * and hung up at once. */
#define ZOMBIES 16
static struct zombie {
	unsigned	id;
	struct ring	data;
	char		msg[1024];
} zombies[ZOMBIES];
static size_t zombie_next;

static struct zombie *
sess_zombie(unsigned id)
{
	size_t i;

	for (i = 0; i < ZOMBIES; i++)
		if (zombies[i].id == id && id != 0)
			return &zombies[i];
	return NULL;
}

/* A closing session's record, made once. */
static struct zombie *
sess_zombie_new(const struct session *s)
{
	struct zombie *z = sess_zombie(s->id);

	if (z == NULL) {
		z = &zombies[zombie_next++ % ZOMBIES];
		ring_free(&z->data);
		memset(z, 0, sizeof *z);
		z->id = s->id;
	}
	return z;
}

struct ring *
sess_zombie_data(unsigned id)
{
	struct zombie *z = sess_zombie(id);

	return z != NULL && z->data.end > 0 ? &z->data : NULL;
}

const struct ring *
sess_window(const struct session *s)
{
	static const struct ring none;

	/* The bytes read last, if not in yet (they may make the window). */
	pipe_window_flush();
	return s->expwin != NULL ? s->expwin : &none;
}

const char *
sess_closed_msg(unsigned id)
{
	struct zombie *z = sess_zombie(id);

	return z != NULL ? z->msg : NULL;
}

static void
sess_remove(struct session *s)
{
	size_t lo = 0, hi = ntab;

	/* The last chunk read may still be on its way into a window. */
	pipe_window_flush();
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab[mid] == s) {
			memmove(tab + mid, tab + mid + 1,
			    (ntab - mid - 1) * sizeof *tab);
			ntab--;
			break;
		}
		if (tab[mid]->id < s->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->expwin != NULL && s->expwin->end > 0) {
		struct zombie *z = sess_zombie_new(s);

		ring_free(&z->data);
		z->data = *s->expwin;
		memset(s->expwin, 0, sizeof *s->expwin);
	}
	buf_free(&s->outq);
	if (s->expwin != NULL)
		ring_free(s->expwin);
	free(s->expwin);
	pipe_forget(s);
	settings_drop(s->set);
	sess_name(&s->local_str, "%s", "");
	sess_name(&s->remote_str, "%s", "");
	if (s->holdq != NULL)
		buf_free(s->holdq);
	free(s->holdq);
	free(s->carry);
	free(s);
}

void
sess_discard(struct session *s)
{
	unsigned id = s->id;

	layer_detach(s, 0);
	sess_remove(s);		/* frees s */
	/* The id is given back: nothing was announced under it. */
	if (id == next_id - 1)
		next_id--;
}

int
sess_wildcard(const struct session *s, int dual)
{
	const struct sockaddr_in *sin = (const void *)&s->local.ss;
	const struct sockaddr_in6 *sin6 = (const void *)&s->local.ss;

	if (s->local.ss.ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	if (s->local.ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		return dual ? 2 : 1;
	return 0;
}

void
sess_set_strings(struct session *s)
{
	char b[ADDR_STRLEN];

	if (s->local.len > 0) {
		net_fmt((struct sockaddr *)&s->local.ss, s->local.len, b,
		    sizeof b);
		sess_name(&s->local_str, "%s", b);
	}
	if (s->remote.len > 0) {
		net_fmt((struct sockaddr *)&s->remote.ss, s->remote.len, b,
		    sizeof b);
		sess_name(&s->remote_str, "%s", b);
	}
}

void
sess_name(const char **dst, const char *fmt, ...)
{
	char b[ADDR_STRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	if (*dst != sess_no_name)
		free((char *)(uintptr_t)*dst);
	*dst = b[0] != '\0' ? xstrdup(b) : sess_no_name;
}


static void
sess_destroy_peer(struct session *p, void *arg)
{
	const char **rm = arg;

	sess_destroy(p, rm[0], rm[1]);
}

void
sess_destroy(struct session *s, const char *reason, const char *msg)
{
	struct session *parent;
	char *why;
	uint64_t lost;
	unsigned pair = 0;
	int hidden;

	if (s->destroying)
		return;
	s->destroying = 1;
	/* The words may live in what goes first (a layer's error). */
	why = xstrdup(msg);
	msg = why;
	if (sess_accepts(s)) {
		/* Peers go first: their closed events precede the server's. */
		const char *rm[2] = { reason, msg };

		sess_foreach_peer(s, sess_destroy_peer, rm);
	}
	/* However the stream ended, an incomplete frame is still shown. */
	pipe_rx_end(s);
	if (s->close_timer)
		loop_timer_del(s->close_timer);
	if (s->linger_timer)
		loop_timer_del(s->linger_timer);
	pipe_forget(s);
	snprintf(sess_zombie_new(s)->msg, sizeof zombies[0].msg, "%s", msg);
	/* The owner first (a relay passes the close on), then the taps,
	 * which only observe. */
	if (s->role != NULL && s->role->closing != NULL)
		s->role->closing(s, reason);
	lost = pipe_queued(s);
	pipe_event(s, TAP_CLOSE, reason, lost);
	pair = s->pair_id;	/* still named in the closed event */
	if (s->pair != NULL) {
		s->pair->pair = NULL;
		s->pair = NULL;
	}
	hidden = s->role != NULL && s->role->hidden != NULL &&
	    s->role->hidden(s);
	layer_detach(s, s->abort);
	s->state = S_CLOSED;
	if (!hidden)
		ev_closed(s, reason, msg, lost, pair);
	if (s->role != NULL && s->role->destroy != NULL)
		s->role->destroy(s);
	s->role = NULL;
	s->role_state = NULL;
	parent = s->parent;
	if (parent != NULL)
		parent->npeers--;
	sess_remove(s);
	free(why);
	/* A closing server waits for its last peer. */
	if (parent != NULL && parent->closing && parent->npeers == 0 &&
	    !parent->destroying)
		sess_destroy(parent, parent->close_reason ? parent->close_reason :
		    "local", "closed");
}

static const char *
sess_errno_reason(int e)
{
	switch (e) {
	case ECONNRESET:
		return "reset";
	case ETIMEDOUT:
		return "timeout";
	case EPIPE:
		return "peer";
	default:
		return "error";
	}
}

void
sess_fail(struct session *s, int e)
{
	const char *msg = strerror(e);

	/* Linux reports a reset that comes after the peer's FIN (our side
	 * still open: CLOSE_WAIT) as EPIPE: it is a reset all the same. */
	if (e == EPIPE && s->eof && !s->wr_shut)
		e = ECONNRESET;
	if (e == EPIPE)
		msg = "peer closed the connection (broken pipe)";
	else if (e == ECONNRESET)
		msg = "connection reset by peer";
	sess_destroy(s, sess_errno_reason(e), msg);
}

/* The message that goes with a graceful end: one per reason. */
static const char *
sess_reason_msg(const char *reason)
{
	if (strcmp(reason, "peer") == 0)
		return "connection closed by peer";
	if (strcmp(reason, "exit") == 0)
		return "the program ended";
	return "closed";
}

static void
sess_linger_timer(void *arg)
{
	struct session *s = arg;

	s->linger_timer = 0;
	sess_progress(s);
}

static void
sess_close_timeout(void *arg)
{
	struct session *s = arg;
	char msg[96];

	s->close_timer = 0;
	if (pipe_queued(s) > 0)
		snprintf(msg, sizeof msg, "gave up flushing to a peer that "
		    "does not read");
	else
		snprintf(msg, sizeof msg, "gave up waiting for the peer to "
		    "acknowledge the last bytes sent");
	sess_destroy(s, "timeout", msg);
}

static void
sess_start_closing(struct session *s, const char *reason)
{
	s->closing = 1;
	s->close_reason = reason;
	if (s->close_timer == 0)
		s->close_timer = loop_timer_add(CLOSE_TIMEOUT_MS,
		    sess_close_timeout, s);
}

/*
 * The end of a stream, as two rules:
 *  - closing and nothing left to send: send FIN, wait until the peer has
 *    acknowledged what the kernel still holds (close() on a socket with
 *    unread input answers with a reset that discards it, so input arriving
 *    meanwhile is read and shown), then go;
 *  - the peer finished and nothing left to send: go (unless half-close
 *    keeps the session for sending).
 * Both are bounded by the close timeout.
 */
/* Bytes the layers took that the peer has not acknowledged yet. */
static size_t
sess_unacked(struct session *s)
{
	size_t n = 0;

	if (layer_control(s, LCTL_UNACKED, &n) == -1)
		return 0;
	return n;
}

/* The role keeps a session that would go (role.h). */
static int
sess_lingers(struct session *s)
{
	if (s->role == NULL || s->role->linger == NULL || !s->role->linger(s))
		return 0;
	layer_interest(s);
	return 1;
}

int
sess_progress(struct session *s)
{
	if (s->destroying || !sess_carries_bytes(s) ||
	    s->state == S_LISTENING || s->state == S_CONNECTING ||
	    s->state == S_RESOLVING || s->state == S_WAITING)
		return 0;
	if (pipe_queued(s) > 0) {
		layer_interest(s);
		return 0;
	}
	if (!s->closing) {
		/* shutdown: FIN after the queue, and go once the peer has
		 * finished too. */
		if (s->want_shut && !s->wr_shut) {
			s->top->ops->shutdown(s->top);
			s->wr_shut = 1;
		}
		if (s->wr_shut && s->eof) {
			pipe_drain(s, DRAIN_BUDGET);
			if (sess_lingers(s))
				return 0;
			sess_destroy(s, "peer", sess_reason_msg("peer"));
			return -1;
		}
		layer_interest(s);
		return 0;
	}
	if (!s->wr_shut) {
		s->top->ops->shutdown(s->top);
		s->wr_shut = 1;
	}
	/* A peer that finished sends nothing more to be reset by close(). */
	if (!s->eof && sess_unacked(s) > 0) {
		if (s->linger_timer == 0)
			s->linger_timer = loop_timer_add(LINGER_POLL_MS,
			    sess_linger_timer, s);
		layer_interest(s);
		return 0;
	}
	pipe_drain(s, DRAIN_BUDGET);
	if (sess_lingers(s))
		return 0;
	sess_destroy(s, s->close_reason, sess_reason_msg(s->close_reason));
	return -1;
}

size_t
sess_each_target(struct session *s, void (*fn)(struct session *, void *),
    void *arg)
{
	if (sess_accepts(s))
		return sess_foreach_peer(s, fn, arg);
	fn(s, arg);
	return 1;
}

void
sess_hangup(struct session *s)
{
	int e = 0;

	/* The peer finished earlier and now the connection is gone both
	 * ways (a reset after our send, typically).  EPOLLHUP cannot be
	 * masked: end here rather than spin on it. */
	layer_control(s, LCTL_SOCK_ERROR, &e);
	if (e != 0)
		sess_fail(s, e);
	else
		sess_destroy(s, "peer", "connection closed by peer");
}

int
sess_peer_eof(struct session *s)
{
	if (s->eof)
		return 0;
	s->eof = 1;
	pipe_rx_end(s);
	if (s->closing)
		return sess_progress(s);
	if (s->role != NULL && s->role->peer_eof != NULL)
		return s->role->peer_eof(s);
	return sess_end_of_stream(s);
}

int
sess_end_of_stream(struct session *s)
{
	if (s->want_shut) {
		/* We sent (or will send) our FIN: both directions are done. */
		return sess_progress(s);
	}
	if (s->set->half_close) {
		/* The peer only stopped sending (shutdown): keep the other
		 * direction until we close, or a write finds it gone. */
		s->state = S_HALF_CLOSED;
		ev_notice(s, "peer finished sending (half-closed); sends "
		    "still go out until close");
		layer_interest(s);
		return 0;
	}
	/* Deliver what was accepted for sending before closing. */
	if (pipe_queued(s) > 0)
		s->state = S_HALF_CLOSED;
	sess_start_closing(s, "peer");
	return sess_progress(s);
}

void
sess_abort(struct session *s, const char *reason, const char *msg)
{
	if (!s->destroying && s->role != NULL && s->role->abort != NULL &&
	    s->role->abort(s, reason, msg))
		return;
	s->abort = 1;
	sess_destroy(s, reason, msg);
}

void
sess_shutdown(struct session *s)
{
	s->want_shut = 1;
	sess_progress(s);
}

static void
sess_close_peer(struct session *p, void *arg)
{
	sess_close(p, arg);
}

void
sess_close(struct session *s, const char *reason)
{
	if (sess_accepts(s)) {
		unsigned id = s->id;

		/* Stop listening now; the server itself goes once its peers
		 * have finished closing, so `close SERVER` covers them. */
		layer_detach(s, 0);
		s->closing = 1;
		s->close_reason = reason;
		s->state = S_CLOSED;
		sess_foreach_peer(s, sess_close_peer, (void *)reason);
		/* sess_destroy of the last peer may have taken the server. */
		if (sess_alive(id, s) && s->npeers == 0)
			sess_destroy(s, reason, "closed");
		return;
	}
	if (s->state == S_CONNECTING || s->state == S_RESOLVING ||
	    s->fd == -1 || !sess_carries_bytes(s)) {
		sess_destroy(s, reason, s->state == S_WAITING ?
		    "reconnect cancelled" : s->state == S_CONNECTING ||
		    s->state == S_RESOLVING ? "connect cancelled" : "closed");
		return;
	}
	if (s->closing)
		return;
	sess_start_closing(s, reason);
	sess_progress(s);
}

/* Graceful close of every session (the end of input). */
void
sess_close_everything(void)
{
	size_t i;

	for (i = ntab; i > 0; i--) {
		if (i - 1 >= ntab)
			continue;
		if (tab[i - 1]->parent == NULL && !tab[i - 1]->closing)
			sess_close(tab[i - 1], "local");
	}
}

size_t
sess_total_queued(void)
{
	size_t i, n = 0;

	for (i = 0; i < ntab; i++)
		n += pipe_queued(tab[i]);
	return n;
}

void
sess_close_all(void)
{
	size_t i;

	while (ntab > 0) {
		struct session *s = tab[ntab - 1];

		/* Servers close their own peers; start from the top level. */
		while (s->parent != NULL)
			s = s->parent;
		if (s->state == S_CONNECTED)
			pipe_drain(s, DRAIN_BUDGET);
		sess_destroy(s, "local", "closed");
	}
	free(tab);
	tab = NULL;
	tab_alloc = 0;
	for (i = 0; i < ZOMBIES; i++)
		ring_free(&zombies[i].data);
}

void
sess_reset_counters(struct session *s)
{
	s->rx_bytes = s->tx_bytes = s->rx_msgs = s->tx_msgs = 0;
	s->reset_ms = loop_now();
}

static const struct pipe_host sess_pipe_host = {
	.eof = sess_peer_eof,
	.progress = sess_progress,
	.fail = sess_fail,
	.foreach_peer = sess_foreach_peer,
	.each_target = sess_each_target,
	.closed_msg = sess_closed_msg,
};

void
sess_init(void)
{
	pipe_set_host(&sess_pipe_host);
}
