/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_connect.c — the connecting transport: a name resolved on the loop
 * (resolve.c), then a non-blocking connect that tries every address it
 * resolved to, all within one time limit, then the socket handed to the
 * stream transport.  Data sent meanwhile waits in the queue. */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "loop.h"
#include "net.h"
#include "event.h"
#include "out.h"
#include "pipe.h"
#include "resolve.h"
#include "role.h"
#include "session.h"
#include "layer.h"
#include "layer_proxy.h"

/* A connect in progress: the fd layer's own state, from the lookup until
 * the socket is connected (then the stream layer takes over). */
struct connector {
	struct addrinfo	*ai_list, *ai_next;	/* addresses left to try */
	struct resolve	*resolve;		/* a name still resolving */
	struct net_addr	 bindaddr;
	int		 have_bind;
	uint64_t	 timer;
	uint64_t	 ms;			/* the time limit */
	int		 unix_path;		/* a unix-domain socket */
	struct proxy_hs	*proxy;			/* --proxy: its handshake */
	char		 err[256];		/* the last attempt's error */
};

static int	connect_next(struct session *);

static struct connector *
connector(const struct session *s)
{
	return s->fdl.state;
}

/* A connector for s, from its creation: the connect layer holds it (not
 * yet registered with the loop), so however the session ends it goes. */
static struct connector *
connector_new(struct session *s)
{
	struct connector *k = xcalloc(1, sizeof *k);

	s->fdl.ops = &tr_connect;
	s->fdl.s = s;
	s->fdl.state = k;
	return k;
}

/* The connector goes (connected, or the session leaves). */
static void
connect_free(struct layer *l, int abort)
{
	struct connector *k = l->state;

	(void)abort;
	if (k == NULL)
		return;
	if (k->timer)
		loop_timer_del(k->timer);
	/* Closed while its name resolves: the lookup stops too. */
	resolve_cancel(k->resolve);
	resolve_free(k->ai_list);
	proxy_hs_free(k->proxy);
	free(k);
	l->state = NULL;
}

/* Until the connect completes, writability is all there is to know. */
static int
connect_want(struct layer *l, int pw)
{
	(void)l;
	(void)pw;
	return LOOP_WRITE;
}

static int
connect_control(struct layer *l, enum layer_ctl op, void *arg)
{
	struct connector *k = l->state;

	if (op == LCTL_UNIX)
		return k != NULL && k->unix_path ? 0 : -1;
	if (op != LCTL_VIA || k == NULL || k->proxy == NULL)
		return -1;
	proxy_hs_via(k->proxy, arg);
	return 0;
}

static void
connect_describe(const struct layer *l, struct buf *out)
{
	const struct session *s = l->s;

	buf_puts(out, connector(s) != NULL && connector(s)->unix_path ?
	    "unix stream, connecting" :
	    "tcp, connecting");
}

/* What a failure to reach the other end names: through a proxy the
 * socket goes to the proxy, so its errors are the proxy's. */
static const char *
connect_to(const struct connector *k)
{
	return k->proxy != NULL ? "the proxy " : "";
}

static void
connect_timeout(void *arg)
{
	struct session *s = arg;
	struct connector *k = connector(s);
	struct buf m = BUF_INIT;

	k->timer = 0;
	if (k->proxy != NULL)
		buf_puts(&m, s->state == S_RESOLVING ?
		    "resolving the proxy timed out after " :
		    "connect to the proxy timed out after ");
	else
		buf_puts(&m, s->state == S_RESOLVING ?
		    "resolving timed out after " :
		    "connect timed out after ");
	codec_fmt_duration(k->ms, &m);
	sess_destroy(s, "timeout", buf_cstr(&m));
	buf_free(&m);
}

/* Open to the target: say so, then what goes above the stream starts
 * (TLS and the like; what was queued meanwhile waits for its handshake),
 * else the queue goes. */
static void
connect_opened(struct session *s)
{
	if (s->role != NULL && s->role->opened != NULL) {
		s->role->opened(s);
		return;
	}
	pipe_output(s);
}

/* Through a proxy: connected to the target once the proxy agrees. */
static void
connect_proxied(struct session *s)
{
	ev_connected(s);
	pipe_event(s, TAP_READY, NULL, 0);
	connect_opened(s);
}

static void
connect_established(struct session *s)
{
	int unix_path = connector(s)->unix_path;
	struct proxy_hs *proxy = connector(s)->proxy;

	/* Connected: the connector's work is done. */
	connector(s)->proxy = NULL;
	connect_free(&s->fdl, 0);
	s->state = S_CONNECTED;
	if (!unix_path) {
		net_local(s->fd, &s->local);
		net_peer(s->fd, &s->remote);
		sess_set_strings(s);
	}
	layer_attach(s, unix_path ? &tr_unix_stream : &tr_stream);
	if (proxy != NULL) {
		/* The captures start with the proxy's handshake. */
		pipe_event(s, TAP_OPEN, NULL, 0);
		proxy_hs_start(s, proxy);
		return;
	}
	ev_connected(s);
	pipe_event(s, TAP_OPEN, NULL, 0);
	connect_opened(s);
}

/* Forget the socket of a failed attempt. */
static void
connect_drop(struct session *s)
{
	layer_release_fd(s);
}

static void
connect_io(struct layer *l, int events)
{
	struct session *s = l->s;
	int e;

	if (!(events & (LOOP_WRITE | LOOP_ERR | LOOP_HUP)))
		return;
	e = net_sock_error(s->fd);
	if (e == 0) {
		connect_established(s);
		return;
	}
	snprintf(connector(s)->err, sizeof connector(s)->err, "%s%s: %s",
	    connect_to(connector(s)), s->remote_str, strerror(e));
	connect_drop(s);
	connect_next(s);
}

const struct layer_ops tr_connect = {
	.name = "connect",
	.io = connect_io,
	.want = connect_want,
	.control = connect_control,
	.describe = connect_describe,
	.free = connect_free,
};

/* Try the next address.  Returns -1 when none is left (the session is
 * destroyed). */
static int
connect_next(struct session *s)
{
	struct connector *k = connector(s);

	while (k->ai_next != NULL) {
		struct addrinfo *ai = k->ai_next;
		char err[128];
		int fd;

		k->ai_next = ai->ai_next;
		memcpy(&s->remote.ss, ai->ai_addr, ai->ai_addrlen);
		s->remote.len = ai->ai_addrlen;
		sess_set_strings(s);
		fd = net_tcp_connect(ai, k->have_bind ? &k->bindaddr : NULL,
		    err, sizeof err);
		if (fd == -1) {
			snprintf(k->err, sizeof k->err, "%s%s: %s",
			    connect_to(k), s->remote_str, err);
			continue;
		}
		s->fd = fd;
		if (layer_attach(s, &tr_connect) == -1) {
			snprintf(k->err, sizeof k->err, "%s", strerror(errno));
			layer_release_fd(s);
			continue;
		}
		return 0;
	}
	sess_destroy(s, "error", k->err[0] ? k->err :
	    "no address to connect to");
	return -1;
}

struct session *
sess_tcp_client(const char *host, uint16_t port, const struct net_addr *bind,
    uint64_t timeout_ms, char *err, size_t errlen)
{
	return sess_tcp_client_as(K_TCP_CLIENT, host, port, bind, timeout_ms,
	    err, errlen);
}

/* The addresses are known: start trying them.  -1 when every one failed
 * at once (the session is destroyed). */
static int
connect_begin(struct session *s, struct addrinfo *res)
{
	struct connector *k = connector(s);

	s->state = S_CONNECTING;
	k->ai_list = k->ai_next = res;
	memcpy(&s->remote.ss, res->ai_addr, res->ai_addrlen);
	s->remote.len = res->ai_addrlen;
	sess_set_strings(s);
	ev_connecting(s);
	return connect_next(s);
}

static void
connect_resolved(void *arg, int status, struct addrinfo *res,
    const char *errmsg)
{
	struct session *s = arg;

	connector(s)->resolve = NULL;
	if (status != 0) {
		char m[300];

		snprintf(m, sizeof m, "%s%s", connector(s)->proxy != NULL ?
		    "the proxy: " : "", errmsg);
		sess_destroy(s, "error", m);
		return;
	}
	connect_begin(s, res);
}

static void
ev_resolving(const struct session *s, const char *host)
{
	struct rec r;

	rec_begin(&r, "resolving");
	r.stamp = s->set->timestamps;
	r.color = "ev";
	r.info = 1;
	rec_u64(&r, "id", s->id);
	rec_str(&r, "kind", sess_kind_name(s));
	rec_str(&r, "host", host);
	rec_str(&r, "remote", s->remote_str);
	out_rec(&r, "[{id}] resolving {host}");
	rec_free(&r);
}

static int	connect_start(struct session *, const char *, uint16_t,
		    const struct net_addr *, uint64_t, struct proxy_hs *, char *,
		    size_t);

int
sess_connect(struct session *s, const char *host, uint16_t port,
    const struct net_addr *bind, uint64_t timeout_ms, char *err,
    size_t errlen)
{
	return connect_start(s, host, port, bind, timeout_ms, NULL, err,
	    errlen);
}

/* Connect to host:port (the proxy's, when proxy is not NULL: it is the
 * connector's from now on, whatever happens). */
static int
connect_start(struct session *s, const char *host, uint16_t port,
    const struct net_addr *bind, uint64_t timeout_ms, struct proxy_hs *proxy,
    char *err, size_t errlen)
{
	struct addrinfo *res;
	struct connector *k;
	char portstr[8];
	int numeric;

	snprintf(portstr, sizeof portstr, "%u", port);
	numeric = resolve_now(host, portstr, SOCK_STREAM, &res, err,
	    errlen);
	if (numeric == -1) {
		proxy_hs_free(proxy);
		return -1;
	}
	k = connector_new(s);
	k->proxy = proxy;
	if (bind != NULL) {
		k->bindaddr = *bind;
		k->have_bind = 1;
	}
	if (!numeric) {
		/* A name: the loop goes on while the resolver works. */
		k->resolve = resolve_start(host, portstr, SOCK_STREAM,
		    connect_resolved, s, err, errlen);
		if (k->resolve == NULL)
			return -1;
		s->state = S_RESOLVING;
		sess_name(&s->remote_str, "%.60s:%u", host,
		    port);
		ev_resolving(s, host);
	}
	/* One limit for resolving and connecting together. */
	k->ms = timeout_ms;
	k->timer = timeout_ms > 0 ?
	    loop_timer_add(timeout_ms, connect_timeout, s) : 0;
	if (numeric)
		connect_begin(s, res);
	return 0;
}

struct session *
sess_tcp_client_as(enum sess_kind kind, const char *host, uint16_t port,
    const struct net_addr *bind, uint64_t timeout_ms, char *err,
    size_t errlen)
{
	return sess_tcp_client_via(kind, host, port, NULL, bind, timeout_ms,
	    err, errlen);
}

struct session *
sess_tcp_client_via(enum sess_kind kind, const char *host, uint16_t port,
    const struct proxy_url *px, const struct net_addr *bind,
    uint64_t timeout_ms, char *err, size_t errlen)
{
	struct session *s = sess_new(kind, &settings_default);
	unsigned id = s->id;
	struct proxy_hs *h = px == NULL ? NULL : proxy_hs_new(px, host, port,
	    timeout_ms, connect_proxied);

	if (connect_start(s, h ? px->host : host, h ? px->port : port, bind,
	    timeout_ms, h, err, errlen) == -1) {
		sess_discard(s);
		return NULL;
	}
	if (sess_find(id) != s) {
		/* Every address failed at once; s is gone. */
		snprintf(err, errlen, "%s", sess_closed_msg(id));
		return NULL;
	}
	return s;
}

struct session *
sess_tcp_client_list_as(enum sess_kind kind, struct addrinfo *res,
    uint64_t timeout_ms, char *err, size_t errlen)
{
	struct session *s = sess_new(kind, &settings_default);
	unsigned id = s->id;
	struct connector *k = connector_new(s);

	/* From here the list is the connector's: it frees it. */
	k->ms = timeout_ms;
	k->timer = timeout_ms > 0 ?
	    loop_timer_add(timeout_ms, connect_timeout, s) : 0;
	connect_begin(s, res);
	if (sess_find(id) != s) {
		snprintf(err, errlen, "%s", sess_closed_msg(id));
		return NULL;
	}
	return s;
}

int
sess_unix_connect(struct session *s, const char *path, char *err,
    size_t errlen)
{
	int fd;

	fd = net_unix_connect(path, err, errlen);
	if (fd == -1)
		return -1;
	connector_new(s)->unix_path = 1;
	s->fd = fd;
	s->state = S_CONNECTING;
	sess_name(&s->remote_str, "%s", path);
	sess_name(&s->local_str, "-");
	if (layer_attach(s, &tr_connect) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	ev_connecting(s);
	return 0;
}

struct session *
sess_unix_client(const char *path, char *err, size_t errlen)
{
	struct session *s = sess_new(K_UNIX_CLIENT, &settings_default);

	if (sess_unix_connect(s, path, err, errlen) == -1) {
		sess_discard(s);
		return NULL;
	}
	return s;
}
