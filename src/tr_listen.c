/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_listen.c — the listening transport: TCP and unix-domain servers, and
 * accepting their peers, each a session on the stream transport. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "loop.h"
#include "net.h"
#include "event.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "session.h"
#include "layer.h"

#define ACCEPT_BUDGET	64
/* How long accepts pause when descriptors run out. */
#define ACCEPT_PAUSE_MS	250
/* Refused connections: one line, then a count at most this often. */
#define REFUSE_REPORT_MS	1000
enum { REFUSE_ALLOW, REFUSE_MAX, REFUSE_NWHY };

/* Accepting is not reading data: only the pause after EMFILE stops it. */
/* A listening socket's own state (the fd layer's). */
struct listener {
	unsigned		 max_peers;	/* 0 = no limit */
	struct addr_cidr	*allow;
	size_t			 nallow;
	uint64_t		 accept_timer;	/* accepts paused after EMFILE */
	uint64_t		 accept_refused;
	/* Refusals since the last line about them, by why; the timer ends
	 * the window with their count. */
	uint64_t		 refused[REFUSE_NWHY];
	uint64_t		 refuse_timer;
	char			*path;		/* a unix server's socket file */
	unsigned long		 path_ino;
};

static struct listener *
listener(const struct session *s)
{
	return s->fdl.state;
}

static struct listener *
listener_new(struct session *s)
{
	struct listener *ln = xcalloc(1, sizeof *ln);

	s->fdl.state = ln;
	return ln;
}

/* The listening socket goes (closed, or never registered). */
static void
listen_free(struct layer *l, int abort)
{
	struct listener *ln = l->state;

	(void)abort;
	if (ln == NULL)
		return;
	if (ln->accept_timer)
		loop_timer_del(ln->accept_timer);
	if (ln->refuse_timer)
		loop_timer_del(ln->refuse_timer);
	if (ln->path != NULL) {
		struct stat st;

		/* Remove the socket file only if it is still the one made. */
		if (stat(ln->path, &st) == 0 &&
		    (unsigned long)st.st_ino == ln->path_ino)
			unlink(ln->path);
		free(ln->path);
	}
	free(ln->allow);
	free(ln);
	l->state = NULL;
}

static int
listen_want(struct layer *l, int pw)
{
	(void)pw;
	return listener(l->s)->accept_timer ? 0 : LOOP_READ;
}

static void
listen_resume(void *arg)
{
	struct session *srv = arg;

	listener(srv)->accept_timer = 0;
	layer_interest(srv);
}

static void
listen_describe(const struct layer *l, struct buf *out)
{
	buf_puts(out, listener(l->s)->path != NULL ? "unix listener" :
	    "tcp listener");
}

/* Descriptors ran out: the pending connection stays readable, so stop
 * listening for a moment rather than spin.  Said once per episode. */
static void
listen_pause(struct session *srv, int e)
{
	struct listener *ln = listener(srv);

	if (ln->accept_refused++ == 0)
		ev_notice(srv, "cannot accept: %s (pausing accepts; "
		    "retrying every %ums)", strerror(e), ACCEPT_PAUSE_MS);
	ln->accept_timer = loop_timer_add(ACCEPT_PAUSE_MS, listen_resume, srv);
	layer_interest(srv);
}

/* The window of refusals ends: how many more there were, then the next
 * one is told in full again. */
static void
listen_refuse_report(void *arg)
{
	struct session *srv = arg;
	struct listener *ln = listener(srv);

	ln->refuse_timer = 0;
	if (ln->refused[REFUSE_ALLOW] + ln->refused[REFUSE_MAX] == 0)
		return;
	ev_notice(srv, "refused %llu more connection%s in %ums (%llu not in "
	    "--allow list, %llu over --max-peers)",
	    (unsigned long long)(ln->refused[REFUSE_ALLOW] +
	    ln->refused[REFUSE_MAX]),
	    ln->refused[REFUSE_ALLOW] + ln->refused[REFUSE_MAX] == 1 ? "" :
	    "s", REFUSE_REPORT_MS,
	    (unsigned long long)ln->refused[REFUSE_ALLOW],
	    (unsigned long long)ln->refused[REFUSE_MAX]);
	ln->refused[REFUSE_ALLOW] = ln->refused[REFUSE_MAX] = 0;
	/* A flood goes on: one summary per window while it lasts. */
	ln->refuse_timer = loop_timer_add(REFUSE_REPORT_MS,
	    listen_refuse_report, srv);
}

/* A refused connection: the first of a window is told with its address,
 * the rest only counted (a flood is one line and a count, like EMFILE). */
static void
listen_refused(struct session *srv, const struct net_addr *ra, int why)
{
	struct listener *ln = listener(srv);
	char a[ADDR_STRLEN];

	if (ln->refuse_timer != 0) {
		ln->refused[why]++;
		return;
	}
	net_fmt((const struct sockaddr *)&ra->ss, ra->len, a, sizeof a);
	if (why == REFUSE_ALLOW)
		ev_notice(srv, "refused %s: not in --allow list", a);
	else
		ev_notice(srv, "refused %s: --max-peers %u reached", a,
		    ln->max_peers);
	ln->refuse_timer = loop_timer_add(REFUSE_REPORT_MS,
	    listen_refuse_report, srv);
}

static int
listen_refuse(struct session *srv, const struct net_addr *ra)
{
	const struct listener *ln = listener(srv);

	if (ln->nallow > 0 && !addr_cidr_match(ln->allow, ln->nallow,
	    (const struct sockaddr *)&ra->ss)) {
		listen_refused(srv, ra, REFUSE_ALLOW);
		return 1;
	}
	if (ln->max_peers != 0 && srv->npeers >= ln->max_peers) {
		listen_refused(srv, ra, REFUSE_MAX);
		return 1;
	}
	return 0;
}

static void
listen_new_peer(struct session *srv, int fd, const struct net_addr *ra)
{
	struct session *p;

	p = sess_new(sess_kinds[srv->kind].peer, srv->set);
	p->fd = fd;
	p->parent = srv;
	p->state = S_CONNECTED;
	srv->npeers++;
	srv->n_accepted++;
	net_local(fd, &p->local);
	p->remote = *ra;
	sess_set_strings(p);
	if (listener(srv)->path != NULL) {
		struct ucred cr;
		socklen_t crlen = sizeof cr;

		sess_name(&p->local_str, "%s",
		    srv->local_str);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0)
			sess_name(&p->remote_str, "pid %ld uid %ld", (long)cr.pid, (long)cr.uid);
	}
	if (layer_attach(p, listener(srv)->path != NULL ? &tr_unix_stream :
	    &tr_stream) == -1) {
		sess_destroy(p, "error", strerror(errno));
		return;
	}
	/* The server's role gives the peer its own (TLS, a relay pair). */
	if (srv->role != NULL && srv->role->accepted != NULL &&
	    srv->role->accepted(srv, p) == -1)
		return;
	/* A WebSocket peer is announced once upgraded (role.h hidden). */
	if (p->role == NULL || p->role->hidden == NULL || !p->role->hidden(p))
		ev_accepted(p);
	pipe_event(p, TAP_OPEN, NULL, 0);
	/* A TLS server's peer starts its handshake now. */
	if (p->role != NULL && p->role->opened != NULL)
		p->role->opened(p);
}

int
tr_listen_accept(int fd, struct net_addr *peer)
{
	peer->len = sizeof peer->ss;
	return accept4(fd, (struct sockaddr *)&peer->ss, &peer->len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static void
listen_io(struct layer *l, int events)
{
	struct session *srv = l->s;
	int i;

	(void)events;
	for (i = 0; i < ACCEPT_BUDGET && srv->fd != -1; i++) {
		struct net_addr ra;
		int fd;

		fd = tr_listen_accept(srv->fd, &ra);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				listen_pause(srv, errno);
			return;
		}
		if (listener(srv)->accept_refused > 0) {
			ev_notice(srv, "accepting again (%llu attempts "
			    "failed for want of descriptors)",
			    (unsigned long long)listener(srv)->accept_refused);
			listener(srv)->accept_refused = 0;
		}
		if (listen_refuse(srv, &ra)) {
			close(fd);
			continue;
		}
		listen_new_peer(srv, fd, &ra);
	}
}

/* An accepted peer is a connection of its own: it can outlive this. */
static int
listen_control(struct layer *l, enum layer_ctl op, void *arg)
{
	(void)arg;
	if (op == LCTL_UNIX)
		return listener(l->s)->path != NULL ? 0 : -1;
	return op == LCTL_ACCEPTS ? 0 : -1;
}

const struct layer_ops tr_listen = {
	.name = "listen",
	.control = listen_control,
	.io = listen_io,
	.want = listen_want,
	.describe = listen_describe,
	.free = listen_free,
};

static struct session *
listen_register(struct session *s, char *err, size_t errlen)
{
	if (layer_attach(s, &tr_listen) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		sess_discard(s);
		return NULL;
	}
	ev_listening(s);
	pipe_event(s, TAP_OPEN, NULL, 0);
	return s;
}

struct session *
sess_tcp_server(const char *host, uint16_t port, unsigned max_peers,
    struct addr_cidr *allow, size_t nallow, char *err, size_t errlen)
{
	return sess_tcp_server_as(K_TCP_SERVER, host, port, max_peers, allow,
	    nallow, err, errlen);
}

struct session *
sess_tcp_server_as(enum sess_kind kind, const char *host, uint16_t port,
    unsigned max_peers, struct addr_cidr *allow, size_t nallow, char *err,
    size_t errlen)
{
	struct listener *ln;
	struct session *s;
	int fd, dual;

	fd = net_tcp_listen(host, port, SOMAXCONN, &dual, err, errlen);
	if (fd == -1) {
		free(allow);
		return NULL;
	}
	s = sess_new(kind, &settings_default);
	s->fd = fd;
	s->state = S_LISTENING;
	ln = listener_new(s);
	ln->max_peers = max_peers;
	ln->allow = allow;
	ln->nallow = nallow;
	net_local(fd, &s->local);
	s->all_ifaces = sess_wildcard(s, dual);
	sess_set_strings(s);
	return listen_register(s, err, errlen);
}

struct session *
sess_unix_server(const char *path, char *err, size_t errlen)
{
	struct listener *ln;
	struct session *s;
	unsigned long ino;
	int fd;

	fd = net_unix_listen(path, &ino, err, errlen);
	if (fd == -1)
		return NULL;
	s = sess_new(K_UNIX_SERVER, &settings_default);
	s->fd = fd;
	s->state = S_LISTENING;
	ln = listener_new(s);
	ln->path = xstrdup(path);
	ln->path_ino = ino;
	sess_name(&s->local_str, "%s", path);
	return listen_register(s, err, errlen);
}
