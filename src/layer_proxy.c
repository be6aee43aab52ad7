/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_proxy.c — the client's proxy handshake as a filter layer: on a
 * stream connected to a SOCKS5, SOCKS4a or HTTP proxy it asks for the
 * target (messages from proxy.c), through the layer below, never the
 * descriptor.  Until the proxy agrees nothing above gets through: what the
 * user sends waits in the session's queue.  Then the layer passes bytes
 * both ways (reporting them to the captures as they cross the wire) and
 * what goes above starts: the connected event, TLS for the target's name.
 * A refusal ends the session with the proxy's answer in words.
 *
 * The relay side (relay --socks5/--http-proxy) is the same layer with
 * other steps (tr_proxy_relay): it reads a client's greeting and request,
 * tells the relay the target and waits for its answer, then passes bytes
 * the same way, those that came behind the request first. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "layer.h"
#include "layer_proxy.h"
#include "loop.h"
#include "pipe.h"
#include "proxy.h"
#include "session.h"

/* What the handshake waits for. */
enum hs_step {
	HS_CHOICE,	/* SOCKS5 method choice */
	HS_AUTH,	/* SOCKS5 user/password status */
	HS_REPLY,	/* SOCKS5 reply */
	HS_S4REPLY,	/* SOCKS4 reply */
	HS_HTTP,	/* HTTP response head */
	HS_SFIRST,	/* relay: the client's first byte says which */
	HS_SGREET,	/* relay: SOCKS5 greeting */
	HS_SREQ,	/* relay: SOCKS5 request */
	HS_SHTTP,	/* relay: HTTP CONNECT request head */
	HS_SWAIT,	/* relay: the target is being decided and connected */
	HS_DONE,
};

struct proxy_hs {
	struct proxy_url url;
	char		 host[PROXY_NAME_MAX + 1];	/* the target */
	uint16_t	 port;
	uint64_t	 ms;
	uint64_t	 timer;
	uint64_t	 kick;		/* bytes after the answer, to deliver */
	void		(*opened)(struct session *);
	enum hs_step	 step;
	struct buf	 out;		/* handshake bytes not yet written */
	struct buf	 in;		/* received, not yet parsed/delivered */
	struct layer	*layer;
	/* Relay side: the kinds of request taken (PROXY_SERVE_*), the one
	 * the client made, and who is told its target. */
	unsigned	 serve;
	int		 http;
	proxy_target_fn	 target;
};

static const struct layer_ops tr_proxy, tr_proxy_relay;

static struct proxy_hs *
hs_of(const struct session *s)
{
	struct layer *l = layer_find(s, &tr_proxy);

	if (l == NULL)
		l = layer_find(s, &tr_proxy_relay);
	return l != NULL ? l->state : NULL;
}

struct proxy_hs *
proxy_hs_new(const struct proxy_url *url, const char *host, uint16_t port,
    uint64_t timeout_ms, void (*opened)(struct session *))
{
	struct proxy_hs *h = xcalloc(1, sizeof *h);

	h->url = *url;
	snprintf(h->host, sizeof h->host, "%s", host);
	h->port = port;
	h->ms = timeout_ms;
	h->opened = opened;
	return h;
}

void
proxy_hs_free(struct proxy_hs *h)
{
	if (h == NULL)
		return;
	if (h->timer)
		loop_timer_del(h->timer);
	if (h->kick)
		loop_timer_del(h->kick);
	buf_free(&h->out);
	buf_free(&h->in);
	free(h);
}

void
proxy_hs_via(const struct proxy_hs *h, struct layer_via *v)
{
	struct buf b = BUF_INIT;

	snprintf(v->target, sizeof v->target, strchr(h->host, ':') ?
	    "[%s]:%u" : "%s:%u", h->host, h->port);
	proxy_url_fmt(&h->url, &b);
	snprintf(v->via, sizeof v->via, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* The handshake failed: the session ends saying why. */
static void
hs_vfail(struct session *s, const char *reason, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void
hs_fail(struct session *s, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
hs_vfail(struct session *s, const char *reason, const char *fmt, va_list ap)
{
	struct buf m = BUF_INIT;

	buf_vprintf(&m, fmt, ap);
	sess_destroy(s, reason, buf_cstr(&m));
	buf_free(&m);
}

static void
hs_fail(struct session *s, const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hs_vfail(s, reason, fmt, ap);
	va_end(ap);
}

static void
hs_timeout(void *arg)
{
	struct session *s = arg;
	struct proxy_hs *h = hs_of(s);
	struct buf m = BUF_INIT;

	h->timer = 0;
	codec_fmt_duration(h->ms, &m);
	hs_fail(s, "timeout", h->target != NULL ? "the client's proxy "
	    "request did not come within %s" : "proxy handshake timed out "
	    "after %s",
	    buf_cstr(&m));
	buf_free(&m);
}

/* The request for the target, after the greeting (SOCKS5). */
static void
hs_request(struct proxy_hs *h)
{
	socks5_connect(&h->out, h->host, h->port);
	h->step = HS_REPLY;
}

static void	hs_more(void *);

/* The proxy agreed: the target is the session's remote from now on. */
static void
hs_done(struct session *s, struct proxy_hs *h)
{
	struct layer_via v;

	h->step = HS_DONE;
	if (h->timer) {
		loop_timer_del(h->timer);
		h->timer = 0;
	}
	proxy_hs_via(h, &v);
	sess_name(&s->remote_str, "%s", v.target);
	s->state = S_CONNECTED;
	h->opened(s);
}

/* One message from the proxy at the start of h->in: 1 parsed (and
 * consumed), 0 more needed, -1 the session is gone. */
static int
hs_parse(struct session *s, struct proxy_hs *h)
{
	const unsigned char *p = buf_peek(&h->in);
	size_t n = buf_len(&h->in);
	struct proxy_target bound;
	char err[160], line[256];
	int r = 0, v = 0;

	switch (h->step) {
	case HS_CHOICE:
		r = socks5_choice_parse(p, n, &v, err, sizeof err);
		break;
	case HS_AUTH:
		r = socks5_auth_reply_parse(p, n, &v, err, sizeof err);
		break;
	case HS_REPLY:
		r = socks5_reply_parse(p, n, &v, &bound, err, sizeof err);
		break;
	case HS_S4REPLY:
		r = socks4_reply_parse(p, n, &v, err, sizeof err);
		break;
	case HS_HTTP:
		r = http_response_parse(p, n, &v, line, sizeof line, err,
		    sizeof err);
		break;
	default:	/* HS_DONE; the relay side's steps are srv_parse's */
		return 0;
	}
	if (r == -1) {
		hs_fail(s, "error", "proxy handshake failed: %s", err);
		return -1;
	}
	if (r == 0)
		return 0;
	buf_consume(&h->in, (size_t)r);
	switch (h->step) {
	case HS_CHOICE:
		if (v == SOCKS5_NOAUTH)
			hs_request(h);
		else if (v == SOCKS5_USERPASS && h->url.auth) {
			socks5_auth(&h->out, h->url.user, h->url.pass);
			h->step = HS_AUTH;
		} else if (v == SOCKS5_USERPASS) {
			hs_fail(s, "error", "the proxy wants a user and "
			    "password (socks5://USER:PASS@HOST:PORT)");
			return -1;
		} else if (!h->url.auth) {
			hs_fail(s, "error", "the proxy refused to go on without "
			    "authentication (socks5://USER:PASS@HOST:PORT)");
			return -1;
		} else {
			hs_fail(s, "error", "the proxy accepts neither no "
			    "authentication nor user/password");
			return -1;
		}
		return 1;
	case HS_AUTH:
		if (v != 0) {
			hs_fail(s, "error", "the proxy refused the user name "
			    "and password");
			return -1;
		}
		hs_request(h);
		return 1;
	case HS_REPLY:
		if (v != SOCKS5_OK) {
			hs_fail(s, "error", "the proxy refused: %s (SOCKS5 "
			    "reply %d)", socks5_reply_words(v), v);
			return -1;
		}
		break;
	case HS_S4REPLY:
		if (v != 90) {
			hs_fail(s, "error", "the proxy refused: %s (SOCKS4 "
			    "reply %d)", socks4_reply_words(v), v);
			return -1;
		}
		break;
	default:
		if (v < 200 || v > 299) {
			hs_fail(s, "error", "the proxy refused: %s", line);
			return -1;
		}
		break;
	}
	hs_done(s, h);
	return -1;	/* done: the caller stops (s may be gone) */
}

static int	srv_parse(struct session *, struct proxy_hs *);

/* Write what the handshake owes; -1 when the session is gone. */
static int
hs_flush(struct session *s, struct proxy_hs *h)
{
	if (pipe_flush_below(h->layer, &h->out) < 0) {
		hs_fail(s, errno == ECONNRESET ? "reset" : "error",
		    "proxy handshake failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Read the proxy's answer; -1 when the session is gone or done. */
static int
hs_read(struct session *s, struct proxy_hs *h)
{
	struct layer *below = h->layer->below;
	unsigned char b[4096];
	struct rx_meta m = { NULL, 0, 0, NULL, NULL, 0 };
	ssize_t r;
	int k;

	for (;;) {
		if (h->step == HS_SWAIT)
			return 0;	/* the rest waits in the socket */
		r = below->ops->read(below, b, sizeof b, &m);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			hs_fail(s, errno == ECONNRESET ? "reset" : "error",
			    "proxy handshake failed: %s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			hs_fail(s, "error", "proxy handshake failed: the "
			    "%s closed the connection", h->target != NULL ?
			    "client" : "proxy");
			return -1;
		}
		pipe_wire(below, '<', b, (size_t)r);
		buf_append(&h->in, b, (size_t)r);
		while ((k = h->target != NULL ? srv_parse(s, h) :
		    hs_parse(s, h)) == 1)
			if (hs_flush(s, h) == -1)
				return -1;
		if (k == -1)
			return -1;
	}
}

static void
hs_io(struct session *s, struct proxy_hs *h, int events)
{
	if ((events & LOOP_WRITE) && hs_flush(s, h) == -1)
		return;
	if ((events & (LOOP_READ | LOOP_HUP | LOOP_ERR)) &&
	    hs_read(s, h) == -1)
		return;
	layer_interest(s);
}

/* Bytes that came with the proxy's answer are read on the next loop
 * iteration: the socket will not say they are there. */
static void
hs_more(void *arg)
{
	struct session *s = arg;
	struct proxy_hs *h = hs_of(s);

	h->kick = 0;
	if ((pipe_want(s) & PIPE_WANT_READ) && pipe_input(s, 0) == -1)
		return;
	layer_interest(s);
}

static void
proxy_io(struct layer *l, int events)
{
	struct proxy_hs *h = l->state;

	if (h->step != HS_DONE) {
		hs_io(l->s, h, events);
		return;
	}
	l->below->ops->io(l->below, events);
}

static ssize_t
proxy_read(struct layer *l, unsigned char *p, size_t n, struct rx_meta *m)
{
	struct proxy_hs *h = l->state;
	ssize_t r;

	if (h->step != HS_DONE) {
		errno = EAGAIN;
		return -1;
	}
	if (buf_len(&h->in) > 0) {
		r = (ssize_t)(n < buf_len(&h->in) ? n : buf_len(&h->in));
		memcpy(p, buf_peek(&h->in), (size_t)r);
		buf_consume(&h->in, (size_t)r);
		return r;
	}
	r = l->below->ops->read(l->below, p, n, m);
	if (r > 0)
		pipe_wire(l->below, '<', p, (size_t)r);
	return r;
}

static ssize_t
proxy_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	struct proxy_hs *h = l->state;
	ssize_t w;

	if (h->step != HS_DONE) {
		errno = EAGAIN;
		return -1;
	}
	w = l->below->ops->write(l->below, p, n, to);
	if (w > 0)
		pipe_wire(l->below, '>', p, (size_t)w);
	return w;
}

static int
proxy_shutdown(struct layer *l)
{
	return l->below->ops->shutdown(l->below);
}

/* During the handshake: the proxy's answer, and writability while it is
 * owed bytes; then what the layer above wants (and bytes held here). */
static int
proxy_want(struct layer *l, int pw)
{
	struct proxy_hs *h = l->state;

	if (h->step != HS_DONE)
		return layer_want_below(l, (h->step != HS_SWAIT ?
		    PIPE_WANT_READ : 0) |
		    (buf_len(&h->out) > 0 ? PIPE_WANT_WRITE : 0));
	if ((pw & PIPE_WANT_READ) && buf_len(&h->in) > 0 && h->kick == 0)
		h->kick = loop_timer_add(0, hs_more, l->s);
	return layer_want_below(l, pw);
}

static int
proxy_control(struct layer *l, enum layer_ctl op, void *arg)
{
	struct proxy_hs *h = l->state;

	switch (op) {
	case LCTL_VIA:
		proxy_hs_via(h, arg);
		return 0;
	case LCTL_UNACKED:
		*(size_t *)arg = layer_unacked_below(l) + buf_len(&h->out);
		return 0;
	default:
		return -1;
	}
}

static void
proxy_describe(const struct layer *l, struct buf *out)
{
	const struct proxy_hs *h = l->state;

	proxy_url_fmt(&h->url, out);
	if (h->step != HS_DONE)
		buf_puts(out, ", handshaking");
}

static void
proxy_free(struct layer *l, int abort)
{
	(void)abort;
	proxy_hs_free(l->state);
	l->state = NULL;
}

static const struct layer_ops tr_proxy = {
	.name = "proxy",
	.io = proxy_io,
	.read = proxy_read,
	.write = proxy_write,
	.shutdown = proxy_shutdown,
	.want = proxy_want,
	.control = proxy_control,
	.describe = proxy_describe,
	.free = proxy_free,
};

int
proxy_hs_start(struct session *s, struct proxy_hs *h)
{
	unsigned id = s->id;

	switch (h->url.type) {
	case PROXY_SOCKS5:
	case PROXY_SOCKS5H:
		socks5_greeting(&h->out, h->url.auth);
		h->step = HS_CHOICE;
		break;
	case PROXY_SOCKS4A:
	case PROXY_SOCKS4:
		if (socks4a_connect(&h->out, h->host, h->port, "") == -1) {
			proxy_hs_free(h);
			hs_fail(s, "error", h->url.type == PROXY_SOCKS4 ?
			    "socks4 cannot carry an IPv6 target" :
			    "socks4a cannot carry an IPv6 target");
			return -1;
		}
		h->step = HS_S4REPLY;
		break;
	case PROXY_HTTP:
		http_connect(&h->out, h->host, h->port,
		    h->url.auth ? h->url.user : NULL, h->url.pass);
		h->step = HS_HTTP;
		break;
	}
	s->state = S_HANDSHAKING;
	layer_push(s, &tr_proxy, h);
	h->layer = s->top;
	if (h->ms > 0)
		h->timer = loop_timer_add(h->ms, hs_timeout, s);
	/* The first message goes now. */
	if (hs_flush(s, h) == -1 || sess_find(id) != s)
		return -1;
	layer_interest(s);
	return 0;
}

/* The relay side: a client of a SOCKS5 or HTTP proxy relay asks for its
 * target; the relay (role_relay.c) decides and connects, then answers. */

/* The request cannot be served: the answer that says so goes first (what
 * the socket takes), then the session ends with why. */
static void
srv_refuse(struct session *s, struct proxy_hs *h, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
srv_refuse(struct session *s, struct proxy_hs *h, const char *fmt, ...)
{
	va_list ap;

	if (hs_flush(s, h) != 0)
		return;		/* the socket failed: s is gone already */
	va_start(ap, fmt);
	hs_vfail(s, "error", fmt, ap);
	va_end(ap);
}

static const char *
srv_http_reason(int code)
{
	switch (code) {
	case 200:	return "Connection established";
	case 403:	return "Forbidden";
	case 405:	return "Method Not Allowed";
	case 502:	return "Bad Gateway";
	case 504:	return "Gateway Timeout";
	default:	return "Bad Request";
	}
}

/* The client's target is known: the relay is told (it may end s). */
static int
srv_target(struct session *s, struct proxy_hs *h, const struct proxy_target *t)
{
	unsigned id = s->id;

	snprintf(h->host, sizeof h->host, "%s", t->host);
	h->port = t->port;
	h->step = HS_SWAIT;
	/* From here the relay's lookup and connect have their own limits. */
	if (h->timer) {
		loop_timer_del(h->timer);
		h->timer = 0;
	}
	h->target(s, h->host, h->port);
	return sess_find(id) == s ? 0 : -1;
}

/* One message from the client at the start of h->in: 1 parsed, 0 more
 * needed (or the target is being decided), -1 the session is gone. */
static int
srv_parse(struct session *s, struct proxy_hs *h)
{
	const unsigned char *p = buf_peek(&h->in);
	size_t n = buf_len(&h->in);
	struct proxy_target t;
	unsigned methods = 0;
	char err[160];
	int r, v = 0;
	const char *served = h->serve == PROXY_SERVE_SOCKS5 ? "SOCKS5" :
	    h->serve == PROXY_SERVE_HTTP ? "HTTP CONNECT" :
	    "SOCKS5 or HTTP CONNECT";

	switch (h->step) {
	case HS_SFIRST:
		if (n == 0)
			return 0;
		if (p[0] == 5 && (h->serve & PROXY_SERVE_SOCKS5))
			h->step = HS_SGREET;
		else if (p[0] >= 'A' && p[0] <= 'Z' &&
		    (h->serve & PROXY_SERVE_HTTP)) {
			h->step = HS_SHTTP;
			h->http = 1;
		} else if (p[0] == 4) {
			/* A SOCKS4 client gets its own "rejected" answer
			 * rather than a silent close. */
			static const unsigned char no4[8] = { 0, 91 };

			buf_append(&h->out, no4, sizeof no4);
			srv_refuse(s, h, "a SOCKS4 request, not a %s one "
			    "(SOCKS4 reply 91)", served);
			return -1;
		} else {
			hs_fail(s, "error", "not a %s request (first byte "
			    "0x%02x)", served, p[0]);
			return -1;
		}
		return 1;
	case HS_SGREET:
		r = socks5_greeting_parse(p, n, &methods, err, sizeof err);
		if (r <= 0)
			break;
		buf_consume(&h->in, (size_t)r);
		if (!(methods & 1)) {
			socks5_choice(&h->out, SOCKS5_NONE);
			srv_refuse(s, h, "the client offers no SOCKS5 method "
			    "without authentication");
			return -1;
		}
		socks5_choice(&h->out, SOCKS5_NOAUTH);
		h->step = HS_SREQ;
		return 1;
	case HS_SREQ:
		r = socks5_request_parse(p, n, &v, &t, err, sizeof err);
		if (r == -1) {
			v = v == -SOCKS5_BAD_ATYP ? SOCKS5_BAD_ATYP :
			    SOCKS5_FAILURE;
			socks5_reply(&h->out, v, NULL, 0, 0);
			srv_refuse(s, h, "proxy request refused: %s (SOCKS5 "
			    "reply %d)", err, v);
			return -1;
		}
		if (r <= 0)
			break;
		buf_consume(&h->in, (size_t)r);
		if (v != 1) {
			socks5_reply(&h->out, SOCKS5_BAD_CMD, NULL, 0, 0);
			srv_refuse(s, h, "proxy request refused: command %d "
			    "(only CONNECT is relayed; SOCKS5 reply %d)", v,
			    SOCKS5_BAD_CMD);
			return -1;
		}
		return srv_target(s, h, &t);
	case HS_SHTTP:
		r = http_connect_parse(p, n, &t, &v, err, sizeof err);
		if (r == -1) {
			http_status(&h->out, v, srv_http_reason(v));
			srv_refuse(s, h, "proxy request refused: %s (HTTP %d)",
			    err, v);
			return -1;
		}
		if (r == 0)
			break;
		buf_consume(&h->in, (size_t)r);
		return srv_target(s, h, &t);
	default:
		return 0;
	}
	if (r == -1) {
		hs_fail(s, "error", "proxy request failed: %s", err);
		return -1;
	}
	return 0;
}

static int
proxy_relay_control(struct layer *l, enum layer_ctl op, void *arg)
{
	if (op == LCTL_VIA)
		return -1;
	return proxy_control(l, op, arg);
}

static void
proxy_relay_describe(const struct layer *l, struct buf *out)
{
	const struct proxy_hs *h = l->state;

	if (h->step == HS_SFIRST)
		buf_puts(out, "proxy server, awaiting a request");
	else {
		buf_printf(out, "%s proxy server", h->http ? "HTTP CONNECT" :
		    "SOCKS5");
		if (h->step == HS_SWAIT)
			buf_puts(out, ", connecting the target");
		else if (h->step != HS_DONE)
			buf_puts(out, ", handshaking");
	}
}

static const struct layer_ops tr_proxy_relay = {
	.name = "proxy-server",
	.io = proxy_io,
	.read = proxy_read,
	.write = proxy_write,
	.shutdown = proxy_shutdown,
	.want = proxy_want,
	.control = proxy_relay_control,
	.describe = proxy_relay_describe,
	.free = proxy_free,
};

int
proxy_serve_start(struct session *s, unsigned serve, uint64_t timeout_ms,
    proxy_target_fn target)
{
	struct proxy_hs *h = xcalloc(1, sizeof *h);

	h->serve = serve;
	h->target = target;
	h->ms = timeout_ms;
	h->step = HS_SFIRST;
	layer_push(s, &tr_proxy_relay, h);
	h->layer = s->top;
	if (h->ms > 0)
		h->timer = loop_timer_add(h->ms, hs_timeout, s);
	layer_interest(s);
	return 0;
}

int
proxy_serve_waiting(const struct session *s)
{
	struct layer *l = layer_find(s, &tr_proxy_relay);

	return l != NULL && ((struct proxy_hs *)l->state)->step == HS_SWAIT;
}

void
proxy_serve_answer(struct session *s, int rep, const struct net_addr *bound,
    char *said, size_t saidlen)
{
	struct layer *l = layer_find(s, &tr_proxy_relay);
	struct proxy_hs *h;

	if (said != NULL && saidlen > 0)
		said[0] = '\0';
	if (l == NULL || (h = l->state)->step != HS_SWAIT)
		return;
	if (said != NULL)
		snprintf(said, saidlen, "SOCKS5 reply %d", rep);
	if (h->http) {
		int code = rep == SOCKS5_OK ? 200 : rep == SOCKS5_NOT_ALLOWED ?
		    403 : rep == SOCKS5_TTL ? 504 : 502;

		http_status(&h->out, code, srv_http_reason(code));
		if (said != NULL)
			snprintf(said, saidlen, "HTTP %d", code);
	} else if (bound != NULL && bound->ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&bound->ss;

		socks5_reply(&h->out, rep, (const void *)&a->sin_addr, 4,
		    ntohs(a->sin_port));
	} else if (bound != NULL && bound->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&bound->ss;

		socks5_reply(&h->out, rep, (const void *)&a->sin6_addr, 16,
		    ntohs(a->sin6_port));
	} else
		socks5_reply(&h->out, rep, NULL, 0, 0);
	if (rep != SOCKS5_OK) {
		/* What the socket takes now; the caller ends s. */
		(void)hs_flush(s, h);
		return;
	}
	h->step = HS_DONE;
	if (h->timer) {
		loop_timer_del(h->timer);
		h->timer = 0;
	}
	if (hs_flush(s, h) == -1)
		return;
	layer_interest(s);
}
