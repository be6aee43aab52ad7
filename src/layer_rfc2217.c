/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_rfc2217.c — the RFC 2217 client: a filter layer on a TCP stream
 * that speaks telnet to the server below and plain serial bytes to the
 * pipeline above.  Once connected it offers COM-PORT-OPTION, BINARY both
 * ways and SGA, and asks for the line (baud, data size, parity, stop size,
 * flow control); the server's answers confirm the line, which is then
 * shown (an event) and read by `show` and idle:Nc framing (LCTL_LINE).
 * Data is escaped (0xFF doubled) on the way out and unescaped on the way
 * in; modem lines and breaks are SET-CONTROL commands, not waited for
 * (SPEC §3.11).  The owner of such a session is the rfc2217 role here:
 * it pushes the layer once the TCP connect is done. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "layer.h"
#include "layer_rfc2217.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "rfc2217.h"
#include "role.h"
#include "serial_line.h"
#include "session.h"

/* Telnet bytes owed to the layer below, at most, before a write waits. */
#define RFC_OUT_MAX	(256u << 10)

/* The line fields a server confirms, one bit each. */
#define RFC_CONF_ALL	((1u << CPO_SET_BAUDRATE) | (1u << CPO_SET_DATASIZE) | \
			 (1u << CPO_SET_PARITY) | (1u << CPO_SET_STOPSIZE))

struct rfc_conn {
	struct layer		*layer;
	struct tn_parser	 tp;
	struct buf		 in;		/* data not yet read above */
	struct buf		 out;		/* telnet owed below */
	struct serial_line	 asked;
	struct serial_line	 got;		/* as the server answered */
	unsigned		 confirmed;	/* fields answered (bits) */
	int			 told;		/* the event for this ask */
	int			 no_comport;	/* the server refused it */
	unsigned		 modem;		/* NOTIFY-MODEMSTATE, last */
	int			 shut_pending;
	uint64_t		 break_timer;
	uint64_t		 kick;
};

static const struct layer_ops tr_rfc2217;

static struct rfc_conn *
rfc_conn(const struct session *s)
{
	struct layer *l = layer_find(s, &tr_rfc2217);

	return l != NULL ? l->state : NULL;
}

/* Write what the telnet side owes; -1 with errno on a hard error. */
static int
rfc_flush(struct rfc_conn *c)
{
	if (pipe_flush_below(c->layer, &c->out) < 0)
		return -1;
	if (buf_len(&c->out) > 0)
		return 0;
	if (c->shut_pending) {
		c->shut_pending = 0;
		return c->layer->below->ops->shutdown(c->layer->below);
	}
	return 0;
}

/* Options we want: COM-PORT-OPTION and BINARY, SGA both ways. */
static int
rfc_ours(int opt)
{
	return opt == TN_OPT_BINARY || opt == TN_OPT_SGA ||
	    opt == TN_OPT_COMPORT;
}

static void
rfc_negotiate(struct rfc_conn *c, int verb, int opt)
{
	struct session *s = c->layer->s;

	switch (verb) {
	case TN_DO:
		if (!rfc_ours(opt))
			tn_cmd(TN_WONT, opt, &c->out);
		break;
	case TN_WILL:
		if (opt != TN_OPT_BINARY && opt != TN_OPT_SGA)
			tn_cmd(TN_DONT, opt, &c->out);
		break;
	case TN_DONT:
		if (opt == TN_OPT_COMPORT && !c->no_comport) {
			c->no_comport = 1;
			ev_notice(s, "the server refuses RFC 2217 "
			    "(COM-PORT-OPTION): the line is its own, not "
			    "ours to set");
		}
		break;
	}
}

static void
rfc_modem(struct rfc_conn *c, unsigned ms)
{
	unsigned lm = 0;

	if ((ms & 0xf0) == (c->modem & 0xf0))
		return;
	c->modem = ms;
	lm |= (ms & CPO_MS_CTS) ? LM_CTS : 0;
	lm |= (ms & CPO_MS_DSR) ? LM_DSR : 0;
	lm |= (ms & CPO_MS_DCD) ? LM_DCD : 0;
	lm |= (ms & CPO_MS_RI) ? LM_RI : 0;
	ev_modem(c->layer->s, lm);
}

static void
rfc_answer(struct rfc_conn *c, const unsigned char *p, size_t n)
{
	unsigned ms = 0;
	char words[64];
	int r;

	r = rfc2217_answer(p, n, &c->got, &ms);
	if (r == -1) {
		ev_notice(c->layer->s, "rfc2217: a malformed answer from the "
		    "server (%zu bytes), ignored", n);
		return;
	}
	if (r == CPO_NOTIFY_MODEMSTATE) {
		rfc_modem(c, ms);
		return;
	}
	if (r < CPO_SET_BAUDRATE || r > CPO_SET_STOPSIZE)
		return;
	c->confirmed |= 1u << r;
	if (c->confirmed == RFC_CONF_ALL && !c->told) {
		c->told = 1;
		serial_line_words(&c->got, words, sizeof words);
		sess_name(&c->layer->s->local_str, "%s", words);
		ev_line(c->layer->s, words);
	}
}

static void
rfc_event(void *arg, int verb, int opt, const unsigned char *p, size_t n)
{
	struct rfc_conn *c = arg;

	if (verb >= TN_WILL)
		rfc_negotiate(c, verb, opt);
	else if (verb == TN_SB && opt == TN_OPT_COMPORT)
		rfc_answer(c, p, n);
}

/* What arrived, unescaped; the negotiation answered on the way. */
static ssize_t
rfc_read(struct layer *l, unsigned char *p, size_t n, struct rx_meta *m)
{
	struct rfc_conn *c = l->state;
	ssize_t r;

	while (buf_len(&c->in) == 0) {
		/* A peer that keeps asking and never reads the answers
		 * waits until they have gone. */
		if (buf_len(&c->out) >= RFC_OUT_MAX) {
			errno = EAGAIN;
			return -1;
		}
		r = l->below->ops->read(l->below, p, n, m);
		if (r <= 0)
			return r;
		pipe_wire(l->below, '<', p, (size_t)r);
		tn_parse(&c->tp, p, (size_t)r, &c->in, rfc_event, c);
		if (rfc_flush(c) == -1)
			return -1;
	}
	r = (ssize_t)(n < buf_len(&c->in) ? n : buf_len(&c->in));
	memcpy(p, buf_peek(&c->in), (size_t)r);
	buf_consume(&c->in, (size_t)r);
	return r;
}

static ssize_t
rfc_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	struct rfc_conn *c = l->state;
	size_t room;

	(void)to;
	if (rfc_flush(c) == -1)
		return -1;
	if (buf_len(&c->out) >= RFC_OUT_MAX) {
		errno = EAGAIN;
		return -1;
	}
	room = RFC_OUT_MAX - buf_len(&c->out);
	if (n > room)
		n = room;
	tn_escape(p, n, &c->out);
	if (rfc_flush(c) == -1)
		return -1;
	return (ssize_t)n;
}

static int
rfc_shutdown(struct layer *l)
{
	struct rfc_conn *c = l->state;

	c->shut_pending = 1;
	return rfc_flush(c);
}

/* Data held here is read on the next loop turn: the socket will not say
 * it is there. */
static void
rfc_more(void *arg)
{
	struct session *s = arg;
	struct rfc_conn *c = rfc_conn(s);

	c->kick = 0;
	if ((pipe_want(s) & PIPE_WANT_READ) && pipe_input(s, 0) == -1)
		return;
	layer_interest(s);
}

static int
rfc_want(struct layer *l, int pw)
{
	struct rfc_conn *c = l->state;

	if ((pw & PIPE_WANT_READ) && buf_len(&c->in) > 0 && c->kick == 0)
		c->kick = loop_timer_add(0, rfc_more, l->s);
	if (buf_len(&c->out) >= RFC_OUT_MAX)
		pw &= ~PIPE_WANT_READ;
	return layer_want_below(l, pw | (buf_len(&c->out) > 0 ?
	    PIPE_WANT_WRITE : 0));
}

static void
rfc_io(struct layer *l, int events)
{
	struct rfc_conn *c = l->state;

	if ((events & LOOP_WRITE) && rfc_flush(c) == -1) {
		pipe_fail(l->s, errno);
		return;
	}
	l->below->ops->io(l->below, events);
}

static void
rfc_break_end(void *arg)
{
	struct session *s = arg;
	struct rfc_conn *c = rfc_conn(s);

	c->break_timer = 0;
	rfc2217_control(CPO_CTL_BREAK_OFF, &c->out);
	if (rfc_flush(c) == -1)
		pipe_fail(s, errno);
	else
		layer_interest(s);
}

static int
rfc_modem_set(struct session *s, struct rfc_conn *c, struct layer_modem *m)
{
	/* Refused before any line changes. */
	if (m->break_ms > 0 && c->break_timer != 0) {
		snprintf(m->err, sizeof m->err, "a break is still being sent");
		return 0;
	}
	if (m->mask & LM_DTR)
		rfc2217_control((m->on & LM_DTR) ? CPO_CTL_DTR_ON :
		    CPO_CTL_DTR_OFF, &c->out);
	if (m->mask & LM_RTS)
		rfc2217_control((m->on & LM_RTS) ? CPO_CTL_RTS_ON :
		    CPO_CTL_RTS_OFF, &c->out);
	if (m->break_ms > 0) {
		rfc2217_control(CPO_CTL_BREAK_ON, &c->out);
		c->break_timer = loop_timer_add(m->break_ms, rfc_break_end, s);
	}
	/* The answers are not waited for (SPEC §3.11). */
	rfc_flush(c);
	layer_interest(s);
	return 0;
}

static void
rfc_line(struct session *s, struct rfc_conn *c, struct layer_line *q)
{
	if (q->set) {
		c->asked = q->ln;
		c->confirmed = 0;
		c->told = 0;
		rfc2217_set_line(&c->asked, &c->out);
		rfc_flush(c);
		layer_interest(s);
	}
	/* What the server confirmed, else what was asked. */
	q->ln = c->confirmed == RFC_CONF_ALL ? c->got : c->asked;
	q->known = 1;
}

static void
rfc_details(const struct rfc_conn *c, struct rec *r)
{
	char words[64], v[96];

	serial_line_words(c->confirmed == RFC_CONF_ALL ? &c->got : &c->asked,
	    words, sizeof words);
	snprintf(v, sizeof v, "%s (%s)", words, c->confirmed == RFC_CONF_ALL ?
	    "confirmed by the server" : "asked, not confirmed yet");
	rec_strcpy(r, "line", v);
	rec_label(r, "line", NULL);
}

static int
rfc_control(struct layer *l, enum layer_ctl op, void *arg)
{
	struct rfc_conn *c = l->state;

	switch (op) {
	case LCTL_UNACKED:
		*(size_t *)arg = layer_unacked_below(l) + buf_len(&c->out);
		return 0;
	case LCTL_LINE:
		rfc_line(l->s, c, arg);
		return 0;
	case LCTL_MODEM:
		return rfc_modem_set(l->s, c, arg);
	case LCTL_DETAILS:
		rfc_details(c, arg);
		return -1;	/* the stream's details too */
	default:
		return -1;
	}
}

static void
rfc_describe(const struct layer *l, struct buf *out)
{
	(void)l;
	buf_puts(out, "rfc2217");
}

static void
rfc_free(struct layer *l, int abort)
{
	struct rfc_conn *c = l->state;

	(void)abort;
	if (c == NULL)
		return;
	if (c->break_timer)
		loop_timer_del(c->break_timer);
	if (c->kick)
		loop_timer_del(c->kick);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
	l->state = NULL;
}

static const struct layer_ops tr_rfc2217 = {
	.name = "rfc2217",
	.io = rfc_io,
	.read = rfc_read,
	.write = rfc_write,
	.shutdown = rfc_shutdown,
	.want = rfc_want,
	.control = rfc_control,
	.describe = rfc_describe,
	.free = rfc_free,
};

/* The role: what to ask for once the TCP connect is done. */
static int
rfc_opened(struct session *s)
{
	struct serial_line *ln = s->role_state;
	struct rfc_conn *c = xcalloc(1, sizeof *c);
	struct tn_parser init = TN_PARSER_INIT;

	c->tp = init;
	c->asked = c->got = *ln;
	layer_push(s, &tr_rfc2217, c);
	c->layer = s->top;
	tn_cmd(TN_WILL, TN_OPT_COMPORT, &c->out);
	tn_cmd(TN_WILL, TN_OPT_BINARY, &c->out);
	tn_cmd(TN_DO, TN_OPT_BINARY, &c->out);
	tn_cmd(TN_WILL, TN_OPT_SGA, &c->out);
	tn_cmd(TN_DO, TN_OPT_SGA, &c->out);
	rfc2217_set_line(&c->asked, &c->out);
	if (rfc_flush(c) == -1) {
		sess_fail(s, errno);
		return -1;
	}
	return pipe_output(s);
}

static void
rfc_destroy(struct session *s)
{
	free(s->role_state);
}

static const struct role rfc2217_role = {
	.name = "rfc2217",
	.opened = rfc_opened,
	.destroy = rfc_destroy,
};

struct session *
sess_rfc2217(const char *host, uint16_t port, const struct serial_line *ln,
    uint64_t timeout_ms, char *err, size_t errlen)
{
	struct session *s;
	struct serial_line *keep;

	s = sess_tcp_client_as(K_SERIAL, host, port, NULL, timeout_ms, err,
	    errlen);
	if (s == NULL)
		return NULL;
	keep = xmalloc(sizeof *keep);
	*keep = *ln;
	s->role = &rfc2217_role;
	s->role_state = keep;
	return s;
}
