/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pipe.c — the one data path between the transports and everything that
 * looks at traffic (see pipe.h).  Nothing here knows what kind of socket a
 * session has: it asks the session's transport. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "buf.h"
#include "clock.h"
#include "frame.h"
#include "loop.h"
#include "net.h"
#include "event.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "shape.h"
#include "sockopt.h"
#include "session.h"
#include "layer.h"

/* A drained output queue this small is given back (pipe_output). */
#define PIPE_SMALL_QUEUE	4096
/* Bytes read per wakeup per session: keeps one busy peer from starving the
 * rest while still moving bulk data in large reads. */
#define READ_CHUNK	(256u << 10)
#define READ_BUDGET	(2u << 20)
#define DGRAM_BUDGET	64

/*
 * Reads land one after another in an arena, and the expect window's copy
 * is put off: the bytes read last stay where they are, a session's next
 * read extends them, and only when someone looks at the window (expect,
 * ping, a session closing) or the arena starts over are they copied, and
 * then only the window's last SESS_EXPECT_MAX bytes.  Under bulk traffic
 * that is about one byte in eight instead of every byte.  The arena starts
 * over only between reads (depth 0), so no chunk being handled is ever
 * overwritten.
 */
/* Room for one wakeup's reads, and as much again before it starts over. */
#define ARENA		(2 * READ_BUDGET + READ_CHUNK)
static unsigned char	arena[ARENA];
static size_t		arena_off;
static int		arena_depth;
static struct {
	struct session		*s;
	const unsigned char	*p;
	size_t			 n;
} win_defer;

/* s's expect window, made with the first byte it keeps. */
static struct ring *
pipe_window(struct session *s)
{
	if (s->expwin == NULL)
		s->expwin = xcalloc(1, sizeof *s->expwin);
	return s->expwin;
}

void
pipe_window_flush(void)
{
	struct session *s = win_defer.s;

	if (s == NULL)
		return;
	win_defer.s = NULL;
	ring_append(pipe_window(s), win_defer.p, win_defer.n,
	    SESS_EXPECT_MAX);
}

static void
pipe_reads_begin(void)
{
	if (arena_depth++ == 0 && ARENA - arena_off < READ_BUDGET +
	    READ_CHUNK) {
		pipe_window_flush();
		arena_off = 0;
	}
}

static void
pipe_reads_end(void)
{
	arena_depth--;
}

/* Room for the next read (0: the arena is used up; only a read nested in
 * another session's handling can find it so). */
static unsigned char *
pipe_rbuf(size_t *room)
{
	*room = ARENA - arena_off < READ_CHUNK ? ARENA - arena_off :
	    READ_CHUNK;
	return arena + arena_off;
}

/* Into the expect window (a server's expect looks at its peers'). */
static void
pipe_window_add(struct session *s, const unsigned char *p, size_t n)
{
	if (win_defer.s == s && p == win_defer.p + win_defer.n) {
		win_defer.n += n;	/* the same session's next bytes */
		return;
	}
	pipe_window_flush();
	if (p >= arena && p < arena + ARENA) {
		win_defer.s = s;
		win_defer.p = p;
		win_defer.n = n;
	} else
		ring_append(pipe_window(s), p, n, SESS_EXPECT_MAX);
}

/* Fault shaping (`split`, `delay`, `jitter`, `rate`, `drop`, `dup`): the
 * arithmetic (shape.c), the timer while a write waits, and whether `split`
 * turned TCP_NODELAY on (so that each piece leaves as its own segment).
 * Made on first use, so a session that is never shaped carries one
 * pointer. */
/* TCP_NODELAY while split is set: not looked at, turned on by split (put
 * back off after), or found on already (left alone). */
enum { NODELAY_UNTOUCHED, NODELAY_SET, NODELAY_WAS_ON };

struct pipe_shape {
	struct shaper	 sh;
	uint64_t	 timer;
	int		 nodelay;	/* NODELAY_*: what split did to it */
};

/* The session table, registered (pipe_set_host). */
static const struct pipe_host *host;

void
pipe_set_host(const struct pipe_host *h)
{
	host = h;
}

#define MAX_TAPS 8
static const struct tap	*taps[MAX_TAPS];
static size_t		 ntaps;

void
pipe_add_tap(const struct tap *t)
{
	if (ntaps < MAX_TAPS)
		taps[ntaps++] = t;
}

void
pipe_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	size_t i;

	for (i = 0; i < ntaps; i++)
		if (taps[i]->event != NULL)
			taps[i]->event(s, ev, reason, lost);
}

static void
pipe_tap_chunk(struct session *s, const struct chunk *c)
{
	size_t i;

	for (i = 0; i < ntaps; i++)
		if (taps[i]->chunk != NULL)
			taps[i]->chunk(s, c);
}

void
pipe_wire(struct layer *l, int dir, const unsigned char *p, size_t n)
{
	struct chunk c = { .dir = dir, .p = p, .n = n, .wire_size = n,
	    .at = l };

	pipe_tap_chunk(l->s, &c);
}

ssize_t
pipe_flush_below(struct layer *l, struct buf *out)
{
	struct layer *below = l->below;
	ssize_t done = 0, w;

	while (buf_len(out) > 0) {
		w = below->ops->write(below, buf_peek(out), buf_len(out), NULL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			return -1;
		}
		pipe_wire(below, '>', buf_peek(out), (size_t)w);
		buf_consume(out, (size_t)w);
		done += w;
	}
	return done;
}

void
pipe_secret(struct session *s, const char *line)
{
	size_t i;

	for (i = 0; i < ntaps; i++)
		if (taps[i]->secret != NULL)
			taps[i]->secret(s, line);
}

void
pipe_fail(struct session *s, int e)
{
	if (layer_control(s, LCTL_FAIL, &e) == -1)
		host->fail(s, e);
}

static void
pipe_tap_message(struct session *s, const struct chunk *c)
{
	size_t i;

	for (i = 0; i < ntaps; i++)
		if (taps[i]->message != NULL)
			taps[i]->message(s, c);
}

static const struct layer_host pipe_host = {
	.want = pipe_want,
};

void
pipe_init(void)
{
	layer_set_host(&pipe_host);
}

static void
pipe_count_tx(struct session *s, size_t n)
{
	s->tx_bytes += n;
	if (s->parent != NULL)
		s->parent->tx_bytes += n;
}

void
pipe_count_msg_tx(struct session *s)
{
	s->tx_msgs++;
	if (s->parent != NULL)
		s->parent->tx_msgs++;
}

size_t
pipe_queued(const struct session *s)
{
	return s->outq_payload;
}

/* A relay side keeps room for injected sends above what forwarding may
 * fill. */
static void
pipe_target_full(struct session *t, void *arg)
{
	if (pipe_queued(t) >= SESS_QUEUE_MAX +
	    (t->pair != NULL ? SESS_INJECT_ROOM : 0))
		*(int *)arg = 1;
}

int
pipe_can_queue(const struct session *s)
{
	int full = 0;

	/* To a server: every peer gets it, so every peer needs room. */
	host->each_target((struct session *)s, pipe_target_full, &full);
	return !full;
}

/*
 * The one interest policy (SPEC §9).  Reading stops when what is read
 * would have nowhere to go: read off, the peer finished, a hold queue or a
 * relay partner's queue full, or an automatic responder whose own queue is
 * full.  Writing waits while nothing is queued or fault shaping holds the
 * queue for its timer.  Layers only translate this into what they need
 * from the loop (TLS may need to write to read); none decides it.
 */
static size_t
pipe_read_room(const struct session *s)
{
	size_t used;

	if (s->holdq != NULL)
		used = buf_len(s->holdq);
	else if (s->pair != NULL)
		used = pipe_queued(s->pair);
	else
		return SIZE_MAX;
	return used >= SESS_QUEUE_MAX ? 0 : SESS_QUEUE_MAX - used;
}

int
pipe_want(const struct session *s)
{
	int w = 0;

	if (!s->eof && !s->set->read_off && pipe_read_room(s) > 0 &&
	    !(pipe_queued(s) >= SESS_QUEUE_MAX &&
	    (s->set->echo != ECHO_OFF || s->set->replies != NULL)))
		w |= PIPE_WANT_READ;
	if ((pipe_queued(s) > 0 || buf_len(&s->outq) > 0) &&
	    (s->shape == NULL || s->shape->timer == 0))
		w |= PIPE_WANT_WRITE;
	return w;
}

/* Bytes the transport took: counted and tapped exactly once. */
static void
pipe_sent(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *to, int flags)
{
	struct chunk c = { .dir = '>', .p = p, .n = n, .peer = to,
	    .at = s->top, .wire_size = n,
	    .msg_type = flags & PIPE_MSG_TEXT ? "text" :
	    flags & PIPE_MSG_BINARY ? "binary" : NULL };

	pipe_count_tx(s, n);
	pipe_tap_chunk(s, &c);
}

/* Received side. */
static void	pipe_respond(struct session *, const unsigned char *, size_t,
		    const struct net_addr *, int flags);

/* One message: a read, a datagram or a framed message. */
static void
pipe_message(struct session *s, const unsigned char *p, size_t n,
    const struct rx_meta *m)
{
	const struct net_addr *from = m != NULL ? m->from : NULL;
	struct chunk c = { .dir = '<', .p = p, .n = n, .peer = from,
	    .at = s->top, .wire_size = m != NULL ? m->wire_size : n,
	    .truncated = m != NULL && m->truncated,
	    .msg_type = m != NULL ? m->msg_type : NULL,
	    .frames = m != NULL ? m->frames : 0 };

	s->rx_msgs++;
	s->n_recv++;
	if (s->parent != NULL) {
		s->parent->rx_msgs++;
		s->parent->n_recv++;
	}
	pipe_tap_message(s, &c);
	if (s->set->echo != ECHO_OFF || s->set->replies != NULL)
		pipe_respond(s, p, n, from, c.msg_type == NULL ? 0 :
		    strcmp(c.msg_type, "text") == 0 ? PIPE_MSG_TEXT :
		    PIPE_MSG_BINARY);
}

void
pipe_aside(struct session *s, const unsigned char *p, size_t n,
    const char *stream)
{
	struct chunk c = { .dir = '<', .p = p, .n = n, .at = s->top,
	    .wire_size = n, .stream = stream };

	pipe_tap_message(s, &c);
}

static void
pipe_framed(void *arg, const unsigned char *p, size_t n, enum frame_why why)
{
	struct session *s = arg;

	if (why == FRAME_OVERSIZE)
		ev_notice(s, "framing: length header announces more than "
		    "%u bytes; showing the %zu bytes that follow unframed",
		    FRAME_MAX, n);
	else if (why == FRAME_NOBOUNDARY)
		ev_notice(s, "framing: no message boundary in %zu bytes; "
		    "showing them unframed", n);
	pipe_message(s, p, n, NULL);
}

/* A session's framing, made when a message is first cut (raw framing
 * of a stream never needs it). */
struct pipe_framing {
	struct framer	 fr;	/* the start of an incomplete message */
	uint64_t	 timer;	/* idle: framing's quiet-line timer */
};

static struct framer *
pipe_framer(struct session *s)
{
	if (s->framing == NULL)
		s->framing = xcalloc(1, sizeof *s->framing);
	return &s->framing->fr;
}

static void
pipe_idle_stop(struct session *s)
{
	if (s->framing == NULL || s->framing->timer == 0)
		return;
	loop_timer_del(s->framing->timer);
	s->framing->timer = 0;
}

/* idle: framing: the line was quiet long enough, the message ends. */
static void
pipe_idle_due(void *arg)
{
	struct session *s = arg;

	s->framing->timer = 0;
	frame_idle_end(&s->framing->fr, pipe_framed, s);
}

/* The quiet time that ends a message: DUR, or N character times at the
 * line's baud; 0 when the session has no baud to count in. */
static uint64_t
pipe_idle_ms(const struct session *s)
{
	const struct frame_spec *f = &s->set->frame;
	struct layer_line q;
	uint64_t us;

	if (f->chars10 == 0)
		return f->arg;
	memset(&q, 0, sizeof q);
	if (layer_control(s, LCTL_LINE, &q) == -1 || !q.known ||
	    (us = serial_char_tenths_us(&q.ln, f->chars10)) == 0)
		return 0;
	return (us + 999) / 1000;
}

/* Every byte restarts the wait; a quiet line delivers what it holds. */
static void
pipe_idle_arm(struct session *s)
{
	uint64_t ms;

	pipe_idle_stop(s);
	if (frame_pending(&s->framing->fr) == 0)
		return;
	if ((ms = pipe_idle_ms(s)) == 0) {
		frame_idle_end(&s->framing->fr, pipe_framed, s);
		return;
	}
	s->framing->timer = loop_timer_add(ms, pipe_idle_due, s);
}

/* Bytes arrived: counted, tapped, into the expect window, then framed. */
static void
pipe_rx(struct session *s, const unsigned char *p, size_t n,
    const struct rx_meta *m)
{
	struct chunk c = { .dir = '<', .p = p, .n = n, .peer = m->from,
	    .at = s->top, .wire_size = m->wire_size ? m->wire_size : n,
	    .truncated = m->truncated, .msg_type = m->msg_type,
	    .frames = m->frames };

	s->rx_bytes += n;
	if (s->parent != NULL)
		s->parent->rx_bytes += n;
	pipe_tap_chunk(s, &c);
	pipe_window_add(s, p, n);
	if (s->top != NULL && s->top->ops->dgram)
		pipe_message(s, p, n, m);
	else if (s->framing == NULL && s->set->frame.mode == FR_RAW) {
		if (n > 0)
			pipe_framed(s, p, n, FRAME_MSG);
	} else {
		frame_feed(pipe_framer(s), &s->set->frame, p, n, pipe_framed,
		    s);
		if (frame_is_idle(&s->set->frame))
			pipe_idle_arm(s);
	}
}

void
pipe_rx_end(struct session *s)
{
	if (s->framing == NULL)
		return;
	pipe_idle_stop(s);
	frame_flush(&s->framing->fr, pipe_framed, s);
}

static int
pipe_input_reads(struct session *s, int hup)
{
	size_t total = 0;
	int count = 0, dgram = s->top->ops->dgram;
	/* What a relay side reads goes into its partner's queue (or its
	 * hold queue): never more than that has room for, so a queue's
	 * forwarded share stays within its bound whatever the layer. */
	size_t budget = hup ? READ_BUDGET : pipe_read_room(s);

	if (!hup && !(pipe_want(s) & PIPE_WANT_READ))
		return 0;
	if (budget > READ_BUDGET)
		budget = READ_BUDGET;
	while (dgram ? count < DGRAM_BUDGET : total < budget) {
		struct rx_meta m = { NULL, 0, 0, NULL, NULL, 0 };
		size_t want;
		unsigned char *rbuf = pipe_rbuf(&want);
		ssize_t r;

		if (want == 0)
			break;		/* the next wakeup reads on */
		if (!dgram && budget - total < want)
			want = budget - total;
		r = s->top->ops->read(s->top, rbuf, want, &m);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (dgram) {
				ev_notice(s, "receive error: %s",
				    strerror(errno));
				break;
			}
			pipe_fail(s, errno);
			return -1;
		}
		if (r == 0 && !dgram)
			return host->eof(s);
		count++;
		total += (size_t)r;
		if (m.data == NULL)
			arena_off += (size_t)r;
		pipe_rx(s, m.data != NULL ? m.data : rbuf, (size_t)r, &m);
		/* A short stream read: the socket is empty for now. */
		if (!dgram && (size_t)r < want)
			break;
	}
	return 0;
}

int
pipe_input(struct session *s, int hup)
{
	int r;

	pipe_reads_begin();
	r = pipe_input_reads(s, hup);
	pipe_reads_end();
	return r;
}

void
pipe_drain(struct session *s, size_t budget)
{
	size_t total = 0;

	if (s->fd == -1 || s->top == NULL || s->top->ops->read == NULL ||
	    s->eof || sess_opening(s) || s->state == S_LISTENING)
		return;
	pipe_reads_begin();
	while (total < budget) {
		struct rx_meta m = { NULL, 0, 0, NULL, NULL, 0 };
		size_t room;
		unsigned char *rbuf = pipe_rbuf(&room);
		ssize_t r;

		if (room == 0)
			break;
		r = s->top->ops->read(s->top, rbuf, room, &m);
		if (r <= 0)
			break;
		total += (size_t)r;
		if (m.data == NULL)
			arena_off += (size_t)r;
		pipe_rx(s, m.data != NULL ? m.data : rbuf, (size_t)r, &m);
	}
	pipe_reads_end();
}

/* Sent side. */

/* Once made, the shaper accounts for every byte queued (what was queued
 * before it, due at once): its marks and the queue stay in step. */
static struct pipe_shape *
pipe_shaper(struct session *s)
{
	static const struct shape_cfg none;

	if (s->shape == NULL) {
		s->shape = xcalloc(1, sizeof *s->shape);
		if (pipe_queued(s) > 0)
			shape_accept(&s->shape->sh, &none, 0, pipe_queued(s),
			    0);
	}
	return s->shape;
}

void
pipe_forget(struct session *s)
{
	if (s->framing != NULL) {
		pipe_idle_stop(s);
		frame_free(&s->framing->fr);
		free(s->framing);
		s->framing = NULL;
	}
	if (s->shape == NULL)
		return;
	if (s->shape->timer)
		loop_timer_del(s->shape->timer);
	shape_free(&s->shape->sh);
	free(s->shape);
	s->shape = NULL;
}

static int	pipe_shaped(const struct session *);
static size_t	pipe_shape_allow(struct session *, size_t);
static void	pipe_shape_used(struct session *, size_t);
static void	pipe_shape_accept(struct session *, size_t);

/* Queued datagram record: [size_t len][int flags][struct net_addr]
 * [payload]; flags: the message's PIPE_MSG_* type. */
static void
pipe_queue_dgram(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *dst, int flags)
{
	pipe_shape_accept(s, n ? n : 1);
	buf_append(&s->outq, &n, sizeof n);
	buf_append(&s->outq, &flags, sizeof flags);
	buf_append(&s->outq, dst, sizeof *dst);
	buf_append(&s->outq, p, n);
	s->outq_payload += n;
}

/* One datagram or message to the top layer, a message layer told its
 * type first. */
static ssize_t
pipe_write_msg(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *dst, int flags)
{
	if (flags & (PIPE_MSG_TEXT | PIPE_MSG_BINARY)) {
		struct layer_msg lm = { p, n, flags, NULL };

		layer_control(s, LCTL_MSG_TYPE, &lm);
	}
	return s->top->ops->write(s->top, p, n, dst);
}

static int
pipe_output_dgram(struct session *s)
{
	const size_t head = sizeof(size_t) + sizeof(int) +
	    sizeof(struct net_addr);

	while (buf_len(&s->outq) > 0) {
		unsigned char *p = buf_peek(&s->outq);
		struct net_addr dst;
		size_t len;
		ssize_t w;
		int flags;

		memcpy(&len, p, sizeof len);
		memcpy(&flags, p + sizeof len, sizeof flags);
		memcpy(&dst, p + sizeof len + sizeof flags, sizeof dst);
		/* delay and jitter hold whole datagrams, rate spaces them
		 * (split never cuts one): a timer comes back when the next
		 * may go. */
		if (pipe_shaped(s) && pipe_shape_allow(s, len ? len : 1) == 0)
			break;
		w = pipe_write_msg(s, p + head, len, &dst, flags);
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS))
			break;
		if (w == -1) {
			char a[ADDR_STRLEN];

			net_fmt((struct sockaddr *)&dst.ss, dst.len, a,
			    sizeof a);
			ev_notice(s, "datagram of %zu bytes to %s lost: %s",
			    len, a, strerror(errno));
		} else
			pipe_sent(s, p + head, len, &dst, flags);
		if (s->shape != NULL)
			pipe_shape_used(s, len ? len : 1);
		s->outq_payload -= len;
		buf_consume(&s->outq, head + len);
	}
	layer_interest(s);
	return 0;
}

/* Fault shaping (`split`, `delay`, `jitter`, `rate`): is any on? */
static int
pipe_shaped(const struct session *s)
{
	return s->set->split != 0 || s->set->delay_ms != 0 ||
	    s->set->jitter_ms != 0 || s->set->rate != 0;
}

static void
pipe_shape_timer(void *arg)
{
	struct session *s = arg;

	s->shape->timer = 0;
	pipe_output(s);
}

/*
 * How much may be written now (at most want).  0 when shaping holds the
 * write back: a timer then runs pipe_output again, and poll interest leaves
 * out writing meanwhile (pipe_want), so the loop sleeps.
 */
static void
pipe_shape_cfg(const struct session *s, struct shape_cfg *cfg)
{
	cfg->split = s->set->split;
	cfg->split_gap_ms = s->set->split_gap_ms;
	cfg->delay_ms = s->set->delay_ms;
	cfg->jitter_ms = s->set->jitter_ms;
	cfg->rate = s->set->rate;
	cfg->seed = s->set->seed;
}

static size_t
pipe_shape_allow(struct session *s, size_t want)
{
	struct pipe_shape *ps = pipe_shaper(s);
	struct shape_cfg cfg;
	uint64_t wait_ns;
	size_t n;

	pipe_shape_cfg(s, &cfg);
	n = shape_allow(&ps->sh, &cfg, clock_ns(), want, &wait_ns);
	if (n == 0 && ps->timer == 0)
		ps->timer = loop_timer_add((wait_ns + 999999) / 1000000,
		    pipe_shape_timer, s);
	return n;
}

static void
pipe_shape_used(struct session *s, size_t w)
{
	struct shape_cfg cfg;

	pipe_shape_cfg(s, &cfg);
	shape_used(&pipe_shaper(s)->sh, &cfg, clock_ns(), w);
}

/* n bytes (a datagram: one, at least) join the queue: from now on a
 * shaped session's queue is timed chunk by chunk (delay, jitter). */
static void
pipe_shape_accept(struct session *s, size_t n)
{
	struct shape_cfg cfg;

	if (n == 0 || (s->shape == NULL && !pipe_shaped(s)))
		return;
	pipe_shape_cfg(s, &cfg);
	shape_accept(&pipe_shaper(s)->sh, &cfg, clock_ns(), n,
	    clock_ns() ^ ((uint64_t)s->id << 32));
}

/*
 * `split` writes pieces the peer can read apart: TCP_NODELAY is on while
 * it is set, so a piece never waits to be joined to the next, and put back
 * as it was when split goes off.  Sessions without the option (UNIX
 * streams) are cut all the same.
 */
static void
pipe_shape_nodelay(struct session *s)
{
	const struct sockopt_def *d = sockopt_find("nodelay");
	int want = s->set->split != 0, was;
	struct buf v = BUF_INIT;
	char err[64];

	if (s->fd == -1 || d == NULL || !sockopt_applies(s, d))
		return;
	was = s->shape != NULL ? s->shape->nodelay : NODELAY_UNTOUCHED;
	if (want == (was != NODELAY_UNTOUCHED))
		return;		/* looked at once: no syscall per write */
	if (!want) {
		/* Put back only what split turned on. */
		if (was == NODELAY_SET)
			sockopt_set(s, d, "off", err, sizeof err);
		s->shape->nodelay = NODELAY_UNTOUCHED;
		return;
	}
	if (sockopt_get(s, d, &v) == 0 && buf_len(&v) == 2 &&
	    memcmp(buf_peek(&v), "on", 2) == 0)
		pipe_shaper(s)->nodelay = NODELAY_WAS_ON;
	else
		/* (A refusal is left alone too: not asked again per write.) */
		pipe_shaper(s)->nodelay = sockopt_set(s, d, "on", err,
		    sizeof err) == 0 ? NODELAY_SET : NODELAY_WAS_ON;
	buf_free(&v);
}

void
pipe_settings_changed(struct session *s)
{
	pipe_shape_nodelay(s);
	layer_interest(s);
}

/* A session whose role puts a message layer on it that is not up yet: what
 * is sent waits in the queue as messages for it. */
static int
pipe_awaits_messages(const struct session *s)
{
	return s->role != NULL && s->role->messages &&
	    (s->top == NULL || !s->top->ops->dgram);
}

int
pipe_output(struct session *s)
{
	if (pipe_awaits_messages(s))
		return 0;
	if (s->top->ops->dgram)
		return pipe_output_dgram(s);
	if (s->set->split != 0)
		pipe_shape_nodelay(s);
	while (buf_len(&s->outq) > 0) {
		size_t allow = buf_len(&s->outq);
		ssize_t w;

		if (pipe_shaped(s) &&
		    (allow = pipe_shape_allow(s, allow)) == 0) {
			layer_interest(s);
			return 0;
		}
		w = s->top->ops->write(s->top, buf_peek(&s->outq), allow, NULL);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			pipe_fail(s, errno);
			return -1;
		}
		pipe_sent(s, buf_peek(&s->outq), (size_t)w, NULL, 0);
		buf_consume(&s->outq, (size_t)w);
		s->outq_payload -= (size_t)w;
		if (s->shape != NULL)
			pipe_shape_used(s, (size_t)w);
		/* split without a gap: one piece per loop turn, so each is
		 * its own write (a segment, a TLS record) and the loop
		 * serves everyone else between them. */
		if (s->set->split != 0 && s->set->split_gap_ms == 0)
			break;
	}
	/* An idle session keeps no small queue buffer (an echo's, a
	 * prompt's line): ten thousand peers would hold them all.  A bulk
	 * sender's large one stays, it is filled again at once. */
	if (buf_len(&s->outq) == 0 && s->outq.cap <= PIPE_SMALL_QUEUE)
		buf_free(&s->outq);
	/* Room again: the other side of a relay may read. */
	if (s->pair != NULL)
		layer_interest(s->pair);
	return host->progress(s);
}

int
pipe_write(struct session *s, const unsigned char *p, size_t n)
{
	if (!sess_opening(s) && buf_len(&s->outq) == 0 && !pipe_shaped(s)) {
		/* Fast path: straight to the transport, queue only the rest. */
		while (n > 0) {
			ssize_t w = s->top->ops->write(s->top, p, n, NULL);

			if (w == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				pipe_fail(s, errno);
				return -1;
			}
			pipe_sent(s, p, (size_t)w, NULL, 0);
			p += w;
			n -= (size_t)w;
		}
	}
	pipe_shape_accept(s, n);
	buf_append(&s->outq, p, n);
	s->outq_payload += n;
	layer_interest(s);
	/* A relay's other side stops reading once this queue is full. */
	if (s->pair != NULL)
		layer_interest(s->pair);
	return 0;
}

/* Show a message as accepted for sending. */
static void
pipe_tx_message(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *to, int flags)
{
	struct chunk c = { .dir = '>', .p = p, .n = n, .peer = to,
	    .at = s->top,
	    .wire_size = n, .as_hex = (flags & PIPE_AS_HEX) != 0,
	    .msg_type = flags & PIPE_MSG_TEXT ? "text" :
	    flags & PIPE_MSG_BINARY ? "binary" : NULL };

	if (!(flags & PIPE_FORWARD))
		pipe_tap_message(s, &c);
	pipe_count_msg_tx(s);
}

int
pipe_send_to(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *dest, char *err, size_t errlen)
{
	return pipe_send_ex(s, p, n, dest, 0, err, errlen);
}

/*
 * 0..99 from the session's own generator (xorshift64*): seeded by `seed`,
 * so the same seed drops and duplicates the same datagrams on every run.
 */
static unsigned
pipe_chance(struct session *s)
{
	return shape_chance(&pipe_shaper(s)->sh, s->set->seed,
	    clock_ns() ^ ((uint64_t)s->id << 32));
}

static int
pipe_send_dgram(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *dest, int flags, char *err, size_t errlen)
{
	struct layer_dest ld = { .want = dest, .n = n, .err = err,
	    .errlen = errlen };
	struct layer_msg lm;
	struct net_addr dst;
	ssize_t w = -1;

	if (pipe_awaits_messages(s))
		ld.out = s->remote;
	else if (layer_control(s, LCTL_DEST, &ld) != 0)
		return -1;
	dst = ld.out;
	/* A message layer says what the message goes as; elsewhere a type
	 * means nothing. */
	lm.p = p;
	lm.n = n;
	lm.flags = flags;
	if (!pipe_awaits_messages(s)) {
		flags &= ~(PIPE_MSG_TEXT | PIPE_MSG_BINARY);
		if (layer_control(s, LCTL_MSG_TYPE, &lm) == 0)
			flags |= lm.flags & (PIPE_MSG_TEXT | PIPE_MSG_BINARY);
	}
	if (s->set->drop != 0 && pipe_chance(s) < s->set->drop) {
		/* Fault injection: shown as sent, never on the wire. */
		pipe_tx_message(s, p, n, &dst, flags);
		ev_notice(s, "datagram of %zu bytes dropped (drop %u%%)", n,
		    s->set->drop);
		return 0;
	}
	if (s->set->dup != 0 && pipe_chance(s) < s->set->dup) {
		/* The copy goes first, through the same path. */
		struct net_addr d2 = dst;

		if (buf_len(&s->outq) == 0 && !pipe_shaped(s) &&
		    pipe_write_msg(s, p, n, &d2, flags) >= 0)
			pipe_sent(s, p, n, &d2, flags);
		else
			pipe_queue_dgram(s, p, n, &d2, flags);
	}
	if (buf_len(&s->outq) == 0 && !pipe_shaped(s) &&
	    !pipe_awaits_messages(s)) {
		w = pipe_write_msg(s, p, n, &dst, flags);
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ENOBUFS) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
	}
	pipe_tx_message(s, p, n, &dst, flags);
	if (w >= 0)
		pipe_sent(s, p, n, &dst, flags);
	else {
		pipe_queue_dgram(s, p, n, &dst, flags);
		layer_interest(s);
	}
	return 0;
}

static int
pipe_send_one(struct session *s, const unsigned char *p, size_t n, int flags)
{
	/* A stream's bytes have no message type. */
	pipe_tx_message(s, p, n, NULL, flags &
	    ~(PIPE_MSG_TEXT | PIPE_MSG_BINARY));
	return pipe_write(s, p, n);
}

struct send_all {
	const unsigned char	*p;
	size_t			 n, sent;
	int			 flags;
};

static void
pipe_send_peer(struct session *peer, void *arg)
{
	struct send_all *a = arg;

	/* A peer not announced yet (a WebSocket upgrade being answered)
	 * is not one of the server's peers to its user. */
	if (peer->closing || (peer->role != NULL && peer->role->hidden !=
	    NULL && peer->role->hidden(peer)))
		return;
	a->sent++;
	/* A server's peers that speak messages (WebSocket) get one each,
	 * also while their layer is not up yet. */
	if ((peer->top != NULL && peer->top->ops->dgram) ||
	    pipe_awaits_messages(peer)) {
		char err[160];

		if (pipe_send_dgram(peer, a->p, a->n, NULL, a->flags, err,
		    sizeof err) == -1)
			ev_notice(peer, "not sent: %s", err);
		return;
	}
	pipe_send_one(peer, a->p, a->n, a->flags);
}

int
pipe_send(struct session *s, const unsigned char *p, size_t n, char *err,
    size_t errlen)
{
	return pipe_send_ex(s, p, n, NULL, 0, err, errlen);
}

int
pipe_send_ex(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *dest, int flags, char *err, size_t errlen)
{
	unsigned id;

	if ((s->top != NULL && s->top->ops->dgram) ||
	    pipe_awaits_messages(s))
		return pipe_send_dgram(s, p, n, dest, flags, err, errlen);
	if (sess_accepts(s)) {
		struct send_all a = { p, n, 0, flags };

		host->foreach_peer(s, pipe_send_peer, &a);
		if (a.sent == 0) {
			snprintf(err, errlen, "server %u has no peers", s->id);
			return -1;
		}
		return 0;
	}
	if (s->closing || s->state == S_CLOSED) {
		snprintf(err, errlen, "session %u is closing", s->id);
		return -1;
	}
	id = s->id;
	if (pipe_send_one(s, p, n, flags) == -1) {
		const char *why = host->closed_msg(id);

		snprintf(err, errlen, "session %u closed while sending: %s", id,
		    why != NULL ? why : "error");
		return -1;
	}
	return 0;
}

/* Automatic responses: echo and reply rules answer each message.  They are
 * only queued, never written here: the receive path must not destroy its
 * own session. */
static void
pipe_queue_reply(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *to, int flags)
{
	char err[128];

	if (s->top != NULL && s->top->ops->dgram) {
		if (to == NULL)
			return;
		if (pipe_send_ex(s, p, n, to, flags, err, sizeof err) == -1)
			ev_notice(s, "auto-reply not sent: %s", err);
		return;
	}
	if (s->closing || s->destroying || s->fd == -1)
		return;
	pipe_tx_message(s, p, n, NULL, 0);
	pipe_shape_accept(s, n);
	buf_append(&s->outq, p, n);
	s->outq_payload += n;
	layer_interest(s);
}

void
pipe_random_bytes(void *arg, unsigned char *p, size_t n)
{
	(void)arg;
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r <= 0)
			break;
		p += r;
		n -= (size_t)r;
	}
}

static void
pipe_respond(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *from, int flags)
{
	const struct reply_rules *rr = s->set->replies;
	size_t i;

	for (i = 0; rr != NULL && i < rr->n; i++) {
		struct buf ans = BUF_INIT;
		struct fill_env env;
		char err[160];
		int r;

		memset(&env, 0, sizeof env);
		if (rr->r[i].fill) {
			env.seq = s->fill_seq + 1;
			env.now_ms = clock_wall_us() / 1000;
			env.rand = pipe_random_bytes;
		}
		r = reply_answer(&rr->r[i], p, n, &env, &ans, err, sizeof err);
		if (r == 0)
			continue;
		/* First matching rule wins, over echo too: echo answers
		 * only what no rule matched. */
		if (r == -1)
			ev_notice(s, "auto-reply not sent: %s", err);
		else {
			if (rr->r[i].fill)
				s->fill_seq++;
			pipe_queue_reply(s, buf_peek(&ans), buf_len(&ans),
			    from, 0);
		}
		buf_free(&ans);
		return;
	}
	if (s->set->echo == ECHO_ON)
		pipe_queue_reply(s, p, n, from, flags);
	else if (s->set->echo == ECHO_UPPER) {
		unsigned char *u = xmalloc(n ? n : 1);

		for (i = 0; i < n; i++)
			u[i] = p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i];
		pipe_queue_reply(s, u, n, from, flags);
		free(u);
	}
}
