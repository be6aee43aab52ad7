/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_relay.c — the relay roles (role.h): a relay (listening) and its pairs.
 * Each accepted client (relay-in) gets an upstream connection (relay-out);
 * what one side receives is written to the other.  Forwarding is a
 * pipeline tap, so both sides are displayed, framed, matched by expect,
 * logged and counted like any session.  Backpressure is the pipeline's
 * interest policy (a side whose pair's queue is full is not read); a
 * half-close is passed on as a FIN, a reset as a reset.  The roles' state
 * is their own (struct relay, struct relay_side), not the session's.
 * A proxy relay (--socks5, --http-proxy) has no fixed upstream: a proxy
 * layer on the client side reads where the client wants to go, and this
 * file decides (--allow-target, on every resolved address, before any
 * connect), connects and pairs, then has the layer answer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "codec.h"
#include "net.h"
#include "event.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "role_relay.h"
#include "role.h"
#include "resolve.h"
#include "session.h"
#include "settings.h"
#include "layer.h"
#include "layer_proxy.h"
#include "tls.h"

/* Upstream connect timeout. */
#define RELAY_CONNECT_MS	10000

/* Rewrite rules on one message: every occurrence of each pattern, in rule
 * order. */
static void
relay_rewrite(struct reply_rules *rr, const unsigned char *p, size_t n,
    struct buf *out)
{
	struct buf tmp = BUF_INIT;
	size_t i;

	buf_append(out, p, n);
	for (i = 0; i < rr->n; i++) {
		const struct buf *pat = &rr->r[i].pattern;
		const unsigned char *q = buf_peek(out), *end = q + buf_len(out);
		const unsigned char *hit;

		buf_reset(&tmp);
		while ((hit = memmem(q, (size_t)(end - q), buf_peek(pat),
		    buf_len(pat))) != NULL) {
			buf_append(&tmp, q, (size_t)(hit - q));
			buf_append(&tmp, buf_peek(&rr->r[i].response),
			    buf_len(&rr->r[i].response));
			q = hit + buf_len(pat);
			rr->r[i].hits++;
		}
		buf_append(&tmp, q, (size_t)(end - q));
		buf_reset(out);
		buf_append(out, buf_peek(&tmp), buf_len(&tmp));
	}
	buf_free(&tmp);
}

static void
relay_forward(struct session *s, const unsigned char *p, size_t n)
{
	struct session *to = s->pair;

	if (to == NULL || to->destroying)
		return;
	pipe_count_msg_tx(to);
	/* A failing write destroys the other side; its close event then
	 * ends this one, from the loop. */
	if (s->set->rewrites != NULL) {
		struct buf b = BUF_INIT;

		relay_rewrite(s->set->rewrites, p, n, &b);
		pipe_write(to, buf_peek(&b), buf_len(&b));
		buf_free(&b);
	} else
		pipe_write(to, p, n);
}

/* A relay (the listening session): where its clients go. */
struct relay {
	char		*upstream;	/* HOST as given */
	uint16_t	 port;
	struct net_addr	 addr;		/* UDP: resolved once */
	struct tls_cfg	*tls_in;	/* TLS from clients, terminated here */
	struct tls_cfg	*tls_out;	/* TLS spoken to the upstream */
	uint64_t	 idle_ms;	/* UDP: a client's socket expires */
	int		 hold_new;	/* `hold` on the relay: new pairs' client
					 * sides start held */
	unsigned	 serve;		/* PROXY_SERVE_*: no fixed upstream,
					 * each client names its target */
	struct addr_cidr *targets;	/* ... inside these networks */
	size_t		 ntargets;
	char		*targets_text;	/* ... as given, for show */
};

/* One side of a pair, or a UDP relay's socket for one client. */
struct relay_side {
	struct tls_cfg	*tls;		/* relay-out: started once connected */
	struct net_addr	 client;	/* UDP: the client it answers */
	uint64_t	 idle_ms, last_ms, timer;
	struct resolve	*resolve;	/* a proxy client's target, resolving */
	char		 target[PROXY_NAME_MAX + 8];	/* ... as text, safe */
	uint16_t	 port;
};

static const struct role relay_role, relay_side_role;
static void	relay_defer_progress(struct session *);
static int	relay_fail_code(const char *, const char *);

static struct relay *
relay_of(const struct session *srv)
{
	return srv->role == &relay_role ? srv->role_state : NULL;
}

static struct relay_side *
relay_side(const struct session *s)
{
	return s->role == &relay_side_role ? s->role_state : NULL;
}

static struct relay_side *
relay_side_new(struct session *s)
{
	struct relay_side *side = xcalloc(1, sizeof *side);

	s->role = &relay_side_role;
	s->role_state = side;
	return side;
}

/* UDP relays: each client address has its own upstream socket. */
static void
relay_udp_idle(void *arg)
{
	struct session *out = arg;
	struct relay_side *side = relay_side(out);
	uint64_t idle = loop_now() - side->last_ms;

	side->timer = 0;
	if (idle >= side->idle_ms) {
		sess_destroy(out, "timeout", "idle: no datagram either way");
		return;
	}
	side->timer = loop_timer_add(side->idle_ms - idle, relay_udp_idle,
	    out);
}

static struct session *
relay_udp_upstream(struct session *srv, const struct net_addr *from)
{
	struct relay *r = relay_of(srv);
	struct relay_side *side;
	struct session **all, *out;
	size_t i, n;
	char err[256], a[ADDR_STRLEN];

	all = sess_all(&n);
	for (i = 0; i < n; i++)
		if (all[i]->parent == srv && !all[i]->destroying &&
		    (side = relay_side(all[i])) != NULL &&
		    net_addr_eq(&side->client, from))
			return all[i];
	out = sess_udp_to_as(K_RELAY_UDP_OUT, &r->addr, err, sizeof err);
	if (out == NULL) {
		ev_notice(srv, "upstream: %s", err);
		return NULL;
	}
	settings_drop(out->set);
	out->set = settings_hold(srv->set);
	out->parent = srv;
	srv->npeers++;
	side = relay_side_new(out);
	side->client = *from;
	side->idle_ms = r->idle_ms;
	side->last_ms = loop_now();
	side->timer = loop_timer_add(side->idle_ms, relay_udp_idle, out);
	net_fmt((const struct sockaddr *)&from->ss, from->len, a, sizeof a);
	ev_notice(out, "upstream for client %s", a);
	return out;
}

static void
relay_udp_message(struct session *s, const struct chunk *c)
{
	struct relay_side *side;
	char err[256];

	if (relay_of(s) != NULL) {
		struct session *out;

		if (c->peer == NULL ||
		    (out = relay_udp_upstream(s, c->peer)) == NULL)
			return;
		relay_side(out)->last_ms = loop_now();
		if (pipe_send_ex(out, c->p, c->n, NULL, PIPE_FORWARD, err,
		    sizeof err) == -1)
			ev_notice(out, "not forwarded: %s", err);
		return;
	}
	/* A reply: back to the client this socket belongs to. */
	if (s->parent == NULL || s->parent->destroying ||
	    (side = relay_side(s)) == NULL)
		return;
	side->last_ms = loop_now();
	if (pipe_send_ex(s->parent, c->p, c->n, &side->client, PIPE_FORWARD,
	    err, sizeof err) == -1)
		ev_notice(s, "reply not forwarded: %s", err);
}

/* What one side forwards: every received message as framing cut it (each
 * read when framing is raw), so rewrite rules see whole messages. */
static void
relay_message(struct session *s, const struct chunk *c)
{
	if (c->dir != '<' || c->stream != NULL)
		return;
	if (s->top != NULL && s->top->ops->dgram && (relay_of(s) != NULL ||
	    relay_side(s) != NULL)) {
		relay_udp_message(s, c);
		return;
	}
	if (s->pair == NULL)
		return;
	if (s->holdq != NULL) {
		/* Kept in order; a full hold queue stops reading here. */
		buf_append(s->holdq, c->p, c->n);
		layer_interest(s);
		return;
	}
	relay_forward(s, c->p, c->n);
}

void
relay_hold(struct session *s)
{
	if (s->holdq == NULL)
		s->holdq = xcalloc(1, sizeof *s->holdq);
}

size_t
relay_held(const struct session *s)
{
	return s->holdq != NULL ? buf_len(s->holdq) : 0;
}

struct relay_hold_walk {
	int	 hold;
	size_t	 pairs, bytes;
};

static void
relay_hold_peer(struct session *in, void *arg)
{
	struct relay_hold_walk *w = arg;

	if (in->pair == NULL || (in->holdq != NULL) == w->hold)
		return;
	w->pairs++;
	w->bytes += relay_held(in);
	if (w->hold)
		relay_hold(in);
	else
		relay_release(in);
}

int
relay_hold_all(struct session *srv, int hold, size_t *pairs, size_t *bytes)
{
	struct relay *r = relay_of(srv);
	struct relay_hold_walk w = { hold, 0, 0 };

	if (r == NULL || !sess_carries_bytes(srv))
		return -1;
	r->hold_new = hold;
	sess_foreach_peer(srv, relay_hold_peer, &w);
	*pairs = w.pairs;
	*bytes = w.bytes;
	return 0;
}

int
relay_holds_new(const struct session *srv)
{
	const struct relay *r = relay_of(srv);

	return r != NULL && r->hold_new;
}

/* The end of the stream passes on like the bytes before it: FIN to the
 * other side at once, or with the held bytes on release. */
static void
relay_pass_fin(struct session *s)
{
	if (s->pair == NULL || s->pair->destroying)
		return;
	s->pair->want_shut = 1;
	relay_defer_progress(s->pair);
}

/* Which side of a pair s is, in words: a relay's client or server, a
 * server's peer (a client) or the program paired with it. */
static const char *
relay_who(const struct session *s)
{
	if (s->kind == K_RELAY_OUT)
		return "server";
	return s->parent != NULL ? "client" : "program";
}

/* The side role's end-of-stream hook. */
int
relay_link_eof(struct session *s)
{
	if (s->pair == NULL)
		return sess_end_of_stream(s);
	/* A relay passes the half-close on: FIN to the other side, the other
	 * direction still flows. */
	s->state = S_HALF_CLOSED;
	if (s->holdq != NULL)
		ev_notice(s, "the %s finished sending: its end is held too, "
		    "and follows the held bytes on release", relay_who(s));
	else
		relay_pass_fin(s);
	return sess_progress(s);
}

void
relay_release(struct session *s)
{
	struct buf *q = s->holdq;

	s->holdq = NULL;
	if (q != NULL && buf_len(q) > 0)
		relay_forward(s, buf_peek(q), buf_len(q));
	if (q != NULL)
		buf_free(q);
	free(q);
	if (s->eof)
		relay_pass_fin(s);
	layer_interest(s);
}

/* Work on the other side of a pair is done from a timer, by id: the side
 * whose event caused it may be in the middle of its own receive path. */
struct relay_job {
	unsigned	 id;
	int		 what;		/* RJ_* */
	char		 reason[16];
	char		 msg[200];
};
enum { RJ_PROGRESS, RJ_CLOSE, RJ_RESET, RJ_FAIL };

static void
relay_job_run(void *arg)
{
	struct relay_job *j = arg;
	struct session *s = sess_find(j->id);

	if (s != NULL && !s->destroying) {
		switch (j->what) {
		case RJ_PROGRESS:
			sess_progress(s);
			break;
		case RJ_CLOSE:
			sess_close(s, "peer");
			break;
		case RJ_RESET:
			sess_abort(s, "reset", j->msg);
			break;
		case RJ_FAIL:
			sess_destroy(s, j->reason, j->msg);
			break;
		}
	}
	free(j);
}

static void
relay_defer(struct session *s, int what, const char *reason, const char *msg)
{
	struct relay_job *j = xcalloc(1, sizeof *j);

	j->id = s->id;
	j->what = what;
	snprintf(j->reason, sizeof j->reason, "%s", reason ? reason : "");
	snprintf(j->msg, sizeof j->msg, "%s", msg ? msg : "");
	loop_timer_add(0, relay_job_run, j);
}

/* The other side of s's pair looks at its end-of-stream rules again: from
 * the loop, never inside s's own receive path. */
static void
relay_defer_progress(struct session *s)
{
	relay_defer(s, RJ_PROGRESS, NULL, NULL);
}

/* The side role's closing hook: one side ended, so does the other, the
 * same way.  Held bytes are never dropped without a word: what this side
 * held arrived before its end, so it goes on ahead of the close; what the
 * other side holds for this one has nowhere to go now. */
void
relay_link_closing(struct session *s, const char *reason)
{
	struct session *other = s->pair;
	char msg[200];

	if (other == NULL || other->destroying)
		return;
	if (relay_held(s) > 0 && strcmp(reason, "reset") != 0) {
		struct buf q = *s->holdq;

		*s->holdq = (struct buf)BUF_INIT;
		ev_notice(s, "%zu held bytes forwarded before the close",
		    buf_len(&q));
		relay_forward(s, buf_peek(&q), buf_len(&q));
		buf_free(&q);
	} else if (relay_held(s) > 0)
		ev_notice(s, "%zu held bytes lost: the connection was reset",
		    relay_held(s));
	if (relay_held(other) > 0) {
		ev_notice(other, "%zu held bytes lost: the %s side closed",
		    relay_held(other), relay_who(s));
		buf_free(other->holdq);
	}
	if (other->destroying)
		return;
	if (strcmp(reason, "reset") == 0) {
		snprintf(msg, sizeof msg, "the %s side was reset",
		    relay_who(s));
		relay_defer(other, RJ_RESET, NULL, msg);
	} else if (s->kind == K_RELAY_OUT && sess_opening(s)) {
		/* The upstream never answered: the client goes with why,
		 * naming the address once (a connect error names it); a
		 * proxy client is answered so first. */
		const char *why = sess_closed_msg(s->id) ?
		    sess_closed_msg(s->id) : reason;
		size_t al = strlen(s->remote_str), ml;
		char said[64] = "";
		unsigned oid = other->id;

		if (proxy_serve_waiting(other)) {
			proxy_serve_answer(other, relay_fail_code(reason, why),
			    NULL, said, sizeof said);
			if (sess_find(oid) != other || other->destroying)
				return;	/* the answer could not be written */
		}

		if (strncmp(why, s->remote_str, al) == 0 && why[al] == ':')
			snprintf(msg, sizeof msg, "upstream %s", why);
		else
			snprintf(msg, sizeof msg, "upstream %s: %s",
			    s->remote_str, why);
		ml = strlen(msg);
		if (said[0] != '\0' && ml < sizeof msg)
			snprintf(msg + ml, sizeof msg - ml, " (%s)", said);
		relay_defer(other, RJ_FAIL, reason, msg);
	} else
		relay_defer(other, RJ_CLOSE, NULL, NULL);
}

static int	relay_pair(struct session *);
static void	relay_target(struct session *, const char *, uint16_t);

/* A client side is accepted (its events are out): its upstream is made and
 * the two are paired, then TLS from the client starts if the relay
 * terminates it.  An upstream connected: TLS to it starts if asked; what
 * the client sent meanwhile waits in the queue. */
static int
relay_side_opened(struct session *s)
{
	struct relay_side *side = s->role_state;
	struct relay *r = s->parent != NULL ? relay_of(s->parent) : NULL;

	if (s->kind == K_RELAY_IN && r != NULL && r->serve)
		return proxy_serve_start(s, r->serve, RELAY_CONNECT_MS,
		    relay_target);
	if (s->kind == K_RELAY_IN && relay_pair(s) == -1)
		return -1;
	/* A proxy client's upstream is there: the client is told so, with
	 * the address it is bound to, and what it sent early follows. */
	if (s->kind == K_RELAY_OUT && s->pair != NULL &&
	    proxy_serve_waiting(s->pair))
		proxy_serve_answer(s->pair, SOCKS5_OK, &s->local, NULL, 0);
	if (side->tls != NULL)
		return tls_start(s, side->tls);
	pipe_output(s);
	return 0;
}

static void
relay_side_destroy(struct session *s)
{
	struct relay_side *side = s->role_state;

	if (side->timer)
		loop_timer_del(side->timer);
	resolve_cancel(side->resolve);
	tls_cfg_unref(side->tls);
	free(side);
}

/* What a side receives goes to the other: from the client (relay-in, and
 * a UDP relay's own socket) to the server, or back. */
static const char *
relay_label(const struct session *s)
{
	return s->kind == K_RELAY_OUT || s->kind == K_RELAY_UDP_OUT ?
	    "server->client" : "client->server";
}

/* The target a proxy relay's client asked for, for show. */
static void
relay_side_fields(const struct session *s, const char *event,
    struct rec *rc)
{
	const struct relay_side *side = s->role_state;

	if (strcmp(event, "show") != 0 || side == NULL ||
	    side->target[0] == '\0')
		return;
	/* Escaped already (relay_target). */
	rec_strescaped(rc, "target", side->target);
	rec_label(rc, "target", NULL);
}

static const struct role relay_side_role = {
	.name = "relay-side",
	.opened = relay_side_opened,
	.peer_eof = relay_link_eof,
	.closing = relay_link_closing,
	.destroy = relay_side_destroy,
	.label = relay_label,
	.fields = relay_side_fields,
};

/* The relay role's accepted hook: a client arrived; it is one side of a
 * pair (made when it is opened, after its accepted event). */
static int
relay_accepted(struct session *srv, struct session *in)
{
	struct relay *r = relay_of(srv);
	struct relay_side *side = relay_side_new(in);

	if (r->tls_in != NULL)
		side->tls = tls_cfg_ref(r->tls_in);
	return 0;
}

/* in and its upstream out become a pair. */
static void
relay_join(struct session *in, struct session *out)
{
	struct session *srv = in->parent;
	struct relay *r = relay_of(srv);

	/* The upstream shows and logs like its client side. */
	settings_drop(out->set);
	out->set = settings_hold(srv->set);
	if (r->tls_out != NULL)
		relay_side_new(out)->tls = tls_cfg_ref(r->tls_out);
	else
		relay_side_new(out);
	relay_link(in, out);
	if (r->hold_new)
		relay_hold(in);
}

void
relay_link(struct session *a, struct session *b)
{
	a->pair = b;
	b->pair = a;
	a->pair_id = b->id;
	b->pair_id = a->id;
}

/* The upstream connection of a client side, paired with it. */
static int
relay_pair(struct session *in)
{
	struct relay *r = relay_of(in->parent);
	struct session *out;
	char err[256];
	unsigned id = in->id;

	out = sess_tcp_client_as(K_RELAY_OUT, r->upstream, r->port, NULL,
	    RELAY_CONNECT_MS, err, sizeof err);
	if (out == NULL) {
		char msg[300];

		snprintf(msg, sizeof msg, "upstream: %s", err);
		if (sess_find(id) == in)
			sess_destroy(in, "error", msg);
		return -1;
	}
	relay_join(in, out);
	return 0;
}

/* Why an upstream failed, as a SOCKS5 reply code. */
static int
relay_fail_code(const char *reason, const char *why)
{
	if (strcmp(reason, "timeout") == 0)
		return SOCKS5_TTL;
	if (strstr(why, "refused") != NULL)
		return SOCKS5_REFUSED;
	if (strstr(why, "etwork is unreachable") != NULL)
		return SOCKS5_NET_UNREACH;
	if (strstr(why, "unreachable") != NULL)
		return SOCKS5_HOST_UNREACH;
	return SOCKS5_FAILURE;
}

/* A proxy client's request cannot be served: it is answered so (rep),
 * and goes, the words and the answer on one line. */
static void
relay_refuse(struct session *in, int rep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
relay_refuse(struct session *in, int rep, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	char said[64];
	unsigned id = in->id;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&m, fmt, ap);
	va_end(ap);
	proxy_serve_answer(in, rep, NULL, said, sizeof said);
	buf_printf(&m, " (%s)", said);
	if (sess_find(id) == in && !in->destroying)
		sess_destroy(in, "error", buf_cstr(&m));
	buf_free(&m);
}

/* The target's addresses are known: those outside --allow-target go
 * before anything is tried; the rest are tried in order by the upstream
 * side, paired with the client. */
static void
relay_resolved(void *arg, int status, struct addrinfo *res,
    const char *errmsg)
{
	struct session *in = arg, *out;
	struct relay_side *side = relay_side(in);
	struct relay *r = in->parent != NULL ? relay_of(in->parent) : NULL;
	struct addrinfo *keep = NULL, **tail = &keep, *ai, *next;
	char first[ADDR_STRLEN] = "", err[256];
	unsigned id = in->id;

	side->resolve = NULL;
	if (status != 0) {
		relay_refuse(in, SOCKS5_HOST_UNREACH, "target %s: %s",
		    side->target, errmsg);
		return;
	}
	if (r == NULL) {
		resolve_free(res);
		relay_refuse(in, SOCKS5_FAILURE, "the relay is gone");
		return;
	}
	for (ai = res; ai != NULL; ai = next) {
		next = ai->ai_next;
		ai->ai_next = NULL;
		if (addr_cidr_match(r->targets, r->ntargets, ai->ai_addr)) {
			*tail = ai;
			tail = &ai->ai_next;
			continue;
		}
		if (first[0] == '\0')
			addr_fmt_host(ai->ai_addr, ai->ai_addrlen, NULL, first,
			    sizeof first);
		resolve_free(ai);
	}
	if (keep == NULL) {
		relay_refuse(in, SOCKS5_NOT_ALLOWED, "target %s (%s) refused: "
		    "not inside --allow-target", side->target, first);
		return;
	}
	out = sess_tcp_client_list_as(K_RELAY_OUT, keep, RELAY_CONNECT_MS,
	    err, sizeof err);
	if (sess_find(id) != in)
		return;
	if (out == NULL) {
		relay_refuse(in, relay_fail_code("error", err), "upstream %s",
		    err);
		return;
	}
	relay_join(in, out);
}

/* A proxy client named its target (a name or an address, as text). */
static void
relay_target(struct session *in, const char *host, uint16_t port)
{
	struct relay_side *side = relay_side(in);
	struct addrinfo *res;
	struct buf b = BUF_INIT;
	char portstr[8], err[256];
	int k;

	/* Outside text: shown escaped, at most what SOCKS5 carries. */
	codec_escape((const unsigned char *)host, strlen(host), &b, 0);
	snprintf(side->target, sizeof side->target, strchr(host, ':') ?
	    "[%.255s]:%u" : "%.255s:%u", buf_cstr(&b), port);
	buf_free(&b);
	side->port = port;
	ev_notice(in, "the client asks for %s", side->target);
	snprintf(portstr, sizeof portstr, "%u", port);
	k = resolve_now(host, portstr, SOCK_STREAM, &res, err, sizeof err);
	if (k == 1) {
		relay_resolved(in, 0, res, NULL);
		return;
	}
	if (k == -1) {
		relay_refuse(in, SOCKS5_HOST_UNREACH, "target %s: %s",
		    side->target, err);
		return;
	}
	side->resolve = resolve_start(host, portstr, SOCK_STREAM,
	    relay_resolved, in, err, sizeof err);
	if (side->resolve == NULL)
		relay_refuse(in, SOCKS5_FAILURE, "target %s: %s", side->target,
		    err);
}

static void
relay_destroy(struct session *srv)
{
	struct relay *r = srv->role_state;

	free(r->upstream);
	free(r->targets);
	free(r->targets_text);
	tls_cfg_unref(r->tls_in);
	tls_cfg_unref(r->tls_out);
	free(r);
}

/* Where the relay forwards to, for show: its upstream, or for a proxy
 * relay what it serves and the targets it allows. */
static void
relay_fields(const struct session *s, const char *event, struct rec *rc)
{
	const struct relay *r = s->role_state;
	char up[300];

	if (strcmp(event, "show") != 0)
		return;
	if (r->serve != 0) {
		rec_str(rc, "serves", r->serve == (PROXY_SERVE_SOCKS5 |
		    PROXY_SERVE_HTTP) ? "socks5, http-proxy" :
		    r->serve == PROXY_SERVE_SOCKS5 ? "socks5" : "http-proxy");
		rec_label(rc, "serves", NULL);
		rec_strcpy(rc, "allow_target", r->targets_text != NULL ?
		    r->targets_text : "127.0.0.0/8,::1");
		rec_label(rc, "targets", NULL);
		return;
	}
	snprintf(up, sizeof up, strchr(r->upstream, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", r->upstream, r->port);
	rec_strcpy(rc, "upstream", up);
	rec_label(rc, "upstream", NULL);
}

static const struct role relay_role = {
	.name = "relay",
	.accepts = 1,
	.accepted = relay_accepted,
	.destroy = relay_destroy,
	.label = relay_label,
	.fields = relay_fields,
};

static struct relay *
relay_new(struct session *srv, const char *uphost, uint16_t upport)
{
	struct relay *r = xcalloc(1, sizeof *r);

	r->upstream = xstrdup(uphost);
	r->port = upport;
	srv->role = &relay_role;
	srv->role_state = r;
	return r;
}

void
relay_set_tls(struct session *srv, struct tls_cfg *in, struct tls_cfg *out)
{
	struct relay *r = relay_of(srv);

	r->tls_in = in;
	r->tls_out = out;
	if (in != NULL)
		in->owner = srv->id;
	if (out != NULL)
		out->owner = srv->id;
}

struct session *
relay_start_udp(const char *host, uint16_t port, const char *uphost,
    uint16_t upport, uint64_t idle_ms, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct session *s;
	struct relay *r;

	/* One upstream address for every client: resolved once, here (the
	 * command resolved the name first). */
	if (net_resolve(uphost, upport, SOCK_DGRAM, 0, &res, err,
	    errlen) == -1)
		return NULL;
	s = sess_udp_as(K_RELAY_UDP, host, port, NULL, 0, 0, err, errlen);
	if (s == NULL) {
		resolve_free(res);
		return NULL;
	}
	r = relay_new(s, uphost, upport);
	memcpy(&r->addr.ss, res->ai_addr, res->ai_addrlen);
	r->addr.len = res->ai_addrlen;
	resolve_free(res);
	r->idle_ms = idle_ms;
	return s;
}

struct session *
relay_start(const char *host, uint16_t port, const char *uphost,
    uint16_t upport, unsigned max_peers, struct addr_cidr *allow,
    size_t nallow, char *err, size_t errlen)
{
	struct session *s;

	s = sess_tcp_server_as(K_RELAY, host, port, max_peers, allow, nallow,
	    err, errlen);
	if (s == NULL)
		return NULL;
	relay_new(s, uphost, upport);
	return s;
}

void
relay_set_proxy(struct session *srv, unsigned serve,
    struct addr_cidr *targets, size_t ntargets, const char *text)
{
	struct relay *r = relay_of(srv);

	r->serve = serve;
	free(r->targets);
	r->targets = targets;
	r->ntargets = ntargets;
	free(r->targets_text);
	r->targets_text = text != NULL ? xstrdup(text) : NULL;
}

static const struct tap relay_tap = {
	.name = "relay",
	.message = relay_message,
};

void
relay_init(void)
{
	pipe_add_tap(&relay_tap);
}
