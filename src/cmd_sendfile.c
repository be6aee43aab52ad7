/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_sendfile.c — sendfile: files streamed into sessions through their
 * queues, driven by the write side (bytes the kernel took make room), with
 * one progress line at the prompt; and the transfers' part of stop,
 * Ctrl-C and the end of input. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <time.h>

#include <sys/socket.h>

#include "client.h"
#include "cmd.h"
#include "net.h"
#include "check.h"
#include "clock.h"
#include "codec.h"
#include "fill.h"
#include "pace.h"
#include "enc.h"
#include "loop.h"
#include "event.h"
#include "out.h"
#include "pipe.h"
#include "session.h"
#include "term.h"

/*
 * sendfile: the file is read in slices into the session's queue while the
 * queue is short, so a large file never sits in memory.  One transfer per
 * receiving session (a server's peers each get their own).  A transfer
 * sends the file as long as it was when sendfile started: a file that
 * grows meanwhile is not chased (a log being written would never end; the
 * summary says how much was added), and one that shrinks is a failure, since
 * the peer got less than the size every progress line promised.
 */
#define FILE_SLICE		(256u << 10)
#define FILE_QUEUE_LOW		(1u << 20)
#define FILE_PROGRESS_MS	1000


struct xfer {
	LIST_ENTRY(xfer) entry;
	unsigned	 id;
	int		 fd;
	char		*path;		/* as given, for JSON and errors */
	char		*shown;		/* escaped, for lines on stdout */
	uint64_t	 size, done;	/* size: at the start, all we send */
	uint64_t	 started_us;
	uint64_t	 shown_done;	/* done at the last progress line */
	size_t		 chunk;		/* datagram size for UDP */
	int		 dgram;		/* to a datagram session: chunk each */
	uint64_t	 group;		/* the sendfile command it belongs to */
	struct xfer_group *g;		/* ... and what it shares with it */
	int		 progress;
	uint64_t	 timer;
};
static LIST_HEAD(, xfer) xfers = LIST_HEAD_INITIALIZER(xfers);
extern const struct cmd_entry cmd_sendfile_entry;
static uint64_t xfer_groups;		/* also: the last sendfile's group */
/* What one sendfile's transfers share with the command that waits for
 * them: whether one was cut short (reference counted: each transfer and
 * the wait hold one). */
struct xfer_group {
	int		 refs;
	int		 failed;
};

static struct xfer_group *
xgroup_ref(struct xfer_group *g)
{
	g->refs++;
	return g;
}

static void
xgroup_unref(struct xfer_group *g)
{
	if (g != NULL && --g->refs == 0)
		free(g);
}
/* One progress line for all transfers, from a timer: writes alone would
 * fall silent exactly when it matters, while the peer is not reading. */
static uint64_t xfer_ptimer;
static uint64_t xfer_ptimer_us;

static void
xfer_free(struct xfer *x)
{
	LIST_REMOVE(x, entry);
	if (x->timer)
		loop_timer_del(x->timer);
	close(x->fd);
	free(x->path);
	free(x->shown);
	xgroup_unref(x->g);
	free(x);
	client_wake();		/* a sendfile may wait for this one */
	LIST_FOREACH(x, &xfers, entry)
		if (x->progress)
			return;
	if (xfer_ptimer) {
		loop_timer_del(xfer_ptimer);
		xfer_ptimer = 0;
		term_status(NULL);
	}
}

/* "350us" / "1.25s", and "12.0 MiB/s" or "instant" when no time passed. */
static void
xfer_fmt_time_rate(uint64_t bytes, uint64_t us, struct buf *t, struct buf *r)
{
	if (us < 1000)
		buf_printf(t, "%lluus", (unsigned long long)us);
	else
		codec_fmt_duration(us / 1000, t);
	if (us == 0) {
		buf_puts(r, "instant");
		return;
	}
	codec_fmt_bytes((uint64_t)((double)bytes * 1e6 / (double)us), r);
	buf_puts(r, "/s");
}

/* Time left, in at most the two largest units; past 99 days the
 * figure means nothing but "very long". */
static void
xfer_fmt_eta(double secs, struct buf *out)
{
	unsigned long long s = (unsigned long long)secs;

	if (secs >= 100.0 * 86400)
		buf_puts(out, ">99d");
	else if (s == 0)
		buf_puts(out, "<1s");
	else if (s < 60)
		buf_printf(out, "%llus", s);
	else if (s < 3600)
		buf_printf(out, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		buf_printf(out, "%lluh%02llum", s / 3600, s / 60 % 60);
	else
		buf_printf(out, "%llud%02lluh", s / 86400, s / 3600 % 24);
}

static void __attribute__((format(printf, 1, 2)))
xfer_status(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (out_cfg.json || out_cfg.quiet)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	term_status(buf_cstr(&b));
	buf_free(&b);
}

/* Bytes of the file written to the socket: read, less what still waits
 * in the session's queue (shaping or a slow reader holds it there). */
static uint64_t
xfer_sent(const struct xfer *x)
{
	const struct session *s = sess_find(x->id);
	uint64_t q = s != NULL ? pipe_queued(s) : 0;

	return q < x->done ? x->done - q : 0;
}

/* The name in at most cols columns: whole, or "..." and its end. */
static void
xfer_fit_name(const char *name, size_t cols, struct buf *out)
{
	size_t n = strlen(name), used, skip = 0;

	out_fit(name, n, (size_t)-1, &used);
	if (used <= cols) {
		buf_puts(out, name);
		return;
	}
	cols = cols > 3 ? cols - 3 : 0;
	while (skip < n && used > cols) {
		size_t w, k = out_fit(name + skip, n - skip, 1, &w);

		if (k == 0)	/* a wide character */
			k = out_fit(name + skip, n - skip, 2, &w);
		if (k == 0)
			break;
		skip += k;
		used -= w;
	}
	buf_puts(out, "...");
	buf_puts(out, name + skip);
}

/* One transfer's progress line, in words or (brief) in fewer. */
static void
xfer_progress_fmt(struct buf *out, int brief, unsigned id, const char *name,
    const char *a, const char *b, int pct, const char *r)
{
	if (brief)
		buf_printf(out, "[%u] %s %s/%s (%d%%), %s", id, name, a, b, pct,
		    r);
	else
		buf_printf(out, "[%u] sendfile %s: %s of %s (%d%%), %s", id,
		    name, a, b, pct, r);
}

/*
 * The progress of one transfer, narrower than the terminal (a line that
 * wraps is two rows, and the next update takes back only the last): the
 * name gives way first ("...", then its end); where even that leaves it too
 * narrow, the line is said in fewer words.
 */
static void
xfer_progress_one(const struct xfer *x, const char *a, const char *b,
    int pct, const char *r)
{
	struct buf line = BUF_INIT, name = BUF_INIT;
	size_t cols = 0, width = out_width(), room = 0;
	int brief;

	for (brief = 0; brief < 2; brief++) {
		buf_reset(&line);
		xfer_progress_fmt(&line, brief, x->id, "", a, b, pct, r);
		out_fit(buf_cstr(&line), buf_len(&line), (size_t)-1, &cols);
		room = width > cols + 1 ? width - cols - 1 : 0;
		if (room >= 16 || brief == 1)
			break;
	}
	xfer_fit_name(x->shown, room, &name);
	buf_reset(&line);
	xfer_progress_fmt(&line, brief, x->id, buf_cstr(&name), a, b, pct, r);
	xfer_status("%s", buf_cstr(&line));
	buf_free(&line);
	buf_free(&name);
}

static void
xfer_progress(void *arg)
{
	uint64_t now = clock_us(), el = now - xfer_ptimer_us;
	uint64_t done = 0, size = 0, moved = 0;
	struct buf a = BUF_INIT, b = BUF_INIT, r = BUF_INIT;
	struct xfer *x, *one = NULL;
	unsigned n = 0;

	(void)arg;
	xfer_ptimer = 0;
	LIST_FOREACH(x, &xfers, entry) {
		if (!x->progress)
			continue;
		uint64_t sent = xfer_sent(x);

		done += sent;
		size += x->size;
		moved += sent > x->shown_done ? sent - x->shown_done : 0;
		if (sent > x->shown_done)
			x->shown_done = sent;
		one = x;
		n++;
	}
	if (n == 0)
		return;
	xfer_ptimer_us = now;
	codec_fmt_bytes(done, &a);
	codec_fmt_bytes(size, &b);
	/* The rate of the last interval, not since the start: a transfer
	 * that stalls says so now, not after its average decays. */
	if (moved == 0 || el == 0)
		buf_puts(&r, "stalled");
	else {
		double rate = (double)moved * 1e6 / (double)el;

		codec_fmt_bytes((uint64_t)rate, &r);
		buf_puts(&r, "/s, ETA ");
		xfer_fmt_eta((double)(size - done) / rate, &r);
	}
	if (n == 1)
		xfer_progress_one(one, buf_cstr(&a), buf_cstr(&b), size ?
		    (int)(done * 100 / size) : 100, buf_cstr(&r));
	else
		xfer_status("sendfile: %u transfers: %s of %s (%d%%), %s", n,
		    buf_cstr(&a), buf_cstr(&b), size ?
		    (int)(done * 100 / size) : 100, buf_cstr(&r));
	buf_free(&a);
	buf_free(&b);
	buf_free(&r);
	xfer_ptimer = loop_timer_add(FILE_PROGRESS_MS, xfer_progress, NULL);
}

/* The whole file went; now_size is its size at the end. */
static void
xfer_done(struct xfer *x, struct session *s, uint64_t now_size)
{
	uint64_t el = clock_us() - x->started_us;
	struct buf t = BUF_INIT, r = BUF_INIT, g = BUF_INIT;

	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "sent");
		j_u64(&j, "id", s->id);
		j_u64(&j, "bytes", x->done);
		j_str(&j, "file", x->path);
		j_u64(&j, "ms", el / 1000);
		j_u64(&j, "us", el);
		if (now_size > x->size)
			j_u64(&j, "file_size", now_size);
		j_emit(&j);
		return;
	}
	xfer_fmt_time_rate(x->done, el, &t, &r);
	if (now_size > x->size)
		buf_printf(&g, "; the file grew by %llu bytes meanwhile, not "
		    "sent", (unsigned long long)(now_size - x->size));
	out_info("[%u] > sent file %s: %llu bytes in %s (%s)%s", s->id,
	    x->shown, (unsigned long long)x->done, buf_cstr(&t), buf_cstr(&r),
	    buf_cstr(&g));
	buf_free(&t);
	buf_free(&r);
	buf_free(&g);
}

static void xfer_timer(void *);

/* A transfer ended before the whole file went out: say so, and make the
 * sendfile command fail. */
static void
xfer_failed(struct xfer *x, const char *why)
{
	out_error("sendfile", "%s to session %u stopped after %llu of %llu "
	    "bytes: %s", x->path, x->id, (unsigned long long)x->done,
	    (unsigned long long)x->size, why);
	x->g->failed = 1;
}

/* Cancelled (stop, Ctrl-C): not an error, but a sendfile waiting for it
 * fails, since the file did not go. */
static void
xfer_stopped(struct xfer *x)
{
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "sent");
		j_u64(&j, "id", x->id);
		j_u64(&j, "bytes", x->done);
		j_str(&j, "file", x->path);
		j_u64(&j, "size", x->size);
		j_bool(&j, "stopped", 1);
		j_emit(&j);
	} else
		out_info("[%u] sendfile of %s stopped after %llu of %llu bytes",
		    x->id, x->shown, (unsigned long long)x->done,
		    (unsigned long long)x->size);
	x->g->failed = 1;
	xfer_free(x);
}

/* The end of the file as it was at the start; returns 1. */
static int
xfer_finish(struct xfer *x, struct session *s)
{
	struct stat st;

	/* One file, one message on a stream; datagrams counted each. */
	if (!x->dgram)
		pipe_count_msg_tx(s);
	xfer_done(x, s, fstat(x->fd, &st) == 0 ? (uint64_t)st.st_size :
	    x->size);
	return 1;
}

/* The whole file is read.  Sent means written to the socket, so the time
 * and rate are the wire's: wait (0) while the queue holds the file's end;
 * a close sends what is queued anyway. */
static int
xfer_all_read(struct xfer *x, struct session *s)
{
	if (pipe_queued(s) > 0 && !s->closing)
		return 0;
	return xfer_finish(x, s);
}

/* Move file data into the session; returns 1 when the transfer is over. */
static int
xfer_step(struct xfer *x)
{
	struct session *s = sess_find(x->id);
	unsigned char *slice;
	int budget = 64;

	if (s == NULL) {
		xfer_failed(x, "session closed");
		return 1;
	}
	if (x->done == x->size)
		return xfer_all_read(x, s);
	if (s->closing) {
		xfer_failed(x, "session closed");
		return 1;
	}
	if (s->state == S_CONNECTING)
		return 0;
	slice = xmalloc(FILE_SLICE);
	while (budget-- > 0) {
		size_t want = x->dgram ? x->chunk : FILE_SLICE;
		ssize_t r;

		if (pipe_queued(s) >= (x->dgram ? 1 : FILE_QUEUE_LOW))
			break;
		if (want > x->size - x->done)
			want = (size_t)(x->size - x->done);
		r = read(x->fd, slice, want);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			xfer_failed(x, strerror(errno));
			free(slice);
			return 1;
		}
		if (r == 0) {
			xfer_failed(x, "the file shrank during the transfer");
			free(slice);
			return 1;
		}
		x->done += (uint64_t)r;
		if (!x->dgram) {
			if (pipe_write(s, slice, (size_t)r) == -1) {
				xfer_failed(x, "session closed");
				free(slice);
				return 1;
			}
		} else {
			char err[256];

			if (pipe_send_to(s, slice, (size_t)r, NULL, err,
			    sizeof err) == -1) {
				xfer_failed(x, err);
				free(slice);
				return 1;
			}
		}
		if (x->done == x->size)
			break;
	}
	free(slice);
	if (x->done == x->size)
		return xfer_all_read(x, s);
	/* With nothing left queued (UDP, or a reader that keeps up), no
	 * write event will call us again: a timer does. */
	if (pipe_queued(s) == 0 && x->timer == 0)
		x->timer = loop_timer_add(budget < 0 || !x->dgram ? 0 : 1,
		    xfer_timer, x);
	return 0;
}

static void
xfer_timer(void *arg)
{
	struct xfer *x = arg;

	x->timer = 0;
	if (xfer_step(x))
		xfer_free(x);
}

/* Every running transfer takes a step (a sendfile starting). */
static void
xfer_step_all(void)
{
	struct xfer *x, *next;

	for (x = LIST_FIRST(&xfers); x != NULL; x = next) {
		next = LIST_NEXT(x, entry);
		if (xfer_step(x))
			xfer_free(x);
	}
}

/* The transfers into s take a step, from the loop. */
static void
xfer_kick(struct session *s)
{
	struct xfer *x;

	LIST_FOREACH(x, &xfers, entry)
		if (x->id == s->id && x->timer == 0)
			x->timer = loop_timer_add(0, xfer_timer, x);
}

/*
 * Transfers are driven by the write side, not pumped: bytes the kernel
 * took made room in the queue (refill below the low mark), and a session
 * that opened (connected, a handshake done) or closed changes what a
 * transfer can do.
 */
static void
xfer_tap_chunk(struct session *s, const struct chunk *c)
{
	/* The queue is counted down after the taps see the bytes: the step
	 * (from the loop) decides whether there is room. */
	if (!LIST_EMPTY(&xfers) && c->dir == '>')
		xfer_kick(s);
}

static void
xfer_tap_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	(void)ev;
	(void)reason;
	(void)lost;
	if (!LIST_EMPTY(&xfers))
		xfer_kick(s);
}

static const struct tap xfer_tap = {
	.name = "sendfile",
	.chunk = xfer_tap_chunk,
	.event = xfer_tap_event,
};

void
cmd_sendfile_init(void)
{
	pipe_add_tap(&xfer_tap);
}

/*
 * Ctrl-C: stop what the last sendfile started, if it still runs.  Not
 * while another command waits: Ctrl-C is that command's.  A sendfile
 * waiting in a script then fails by itself, having said how far it got.
 */
int
cmd_sendfile_interrupt(struct client *cl)
{
	struct xfer *x, *next;
	int n = 0;

	if (cl->pending.active && cl->pending.ent != &cmd_sendfile_entry)
		return 0;
	for (x = LIST_FIRST(&xfers); x != NULL; x = next) {
		next = LIST_NEXT(x, entry);
		if (x->group == xfer_groups) {
			xfer_stopped(x);
			n++;
		}
	}
	return n > 0;
}

int
cmd_sendfile_busy(void)
{
	return !LIST_EMPTY(&xfers);
}

/* stop ID: the transfers to s, and to its peers if it is a server. */
int
cmd_sendfile_stop(struct session *s)
{
	struct xfer *x, *xnext;
	int m = 0;

	for (x = LIST_FIRST(&xfers); x != NULL; x = xnext) {
		struct session *t = sess_find(x->id);

		xnext = LIST_NEXT(x, entry);
		if (x->id == s->id || (t != NULL && t->parent == s)) {
			xfer_stopped(x);
			m++;
		}
	}
	return m;
}

void
cmd_sendfile_cleanup(void)
{
	while (!LIST_EMPTY(&xfers))
		xfer_free(LIST_FIRST(&xfers));
}

/* sendfile */

/* A script's sendfile: its transfers, and the sessions they go to. */
struct sendfile_wait {
	uint64_t	 group;
	struct xfer_group *g;
	size_t		 n;
	unsigned	 ids[];
};

static void
sendfile_wait_free(void *arg)
{
	struct sendfile_wait *w = arg;

	xgroup_unref(w->g);
	free(w);
}

static int
cmd_sendfile_check(struct pending *p)
{
	const struct sendfile_wait *w = p->state;
	struct xfer *x;
	size_t i;

	LIST_FOREACH(x, &xfers, entry)
		if (x->group == w->group)
			return 0;
	if (w->g->failed)
		return -1;	/* already reported */
	/* Handed over; in a script also wait for the queues to drain, so
	 * "sendfile; close" means the peer gets the whole file. */
	for (i = 0; i < w->n; i++) {
		struct session *s = sess_find(w->ids[i]);

		if (s != NULL && pipe_queued(s) > 0)
			return 0;
	}
	cmd_result_ok(&(struct cmd_ctx){ .ent = p->ent });
	return 1;
}

/* The sessions a sendfile goes to, by id. */
struct sendfile_targets {
	unsigned	*ids;
	size_t		 n;
};

static void
sendfile_target(struct session *t, void *arg)
{
	struct sendfile_targets *tg = arg;

	tg->ids = xrealloc(tg->ids, (tg->n + 1) * sizeof *tg->ids);
	tg->ids[tg->n++] = t->id;
}

static enum cmd_status
cmd_sendfile_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	struct sendfile_targets tg = { NULL, 0 };
	struct buf shown = BUF_INIT;
	struct xfer_group *g;
	struct stat st;
	uint64_t chunk = 0, group;
	unsigned *ids;
	size_t n, i;
	const char *v;

	if ((v = cmd_opt(c, "chunk")) != NULL &&
	    codec_parse_uint(v, 1, 65507, &chunk) == -1)
		return cmd_usage(c, "bad --chunk \"%.32s\" (1..65507)", v);
	if (stat(c->argv[1], &st) == -1)
		return cmd_fail(c, "%s: %s", c->argv[1], strerror(errno));
	/* A pipe or device could block the whole tool, or never end. */
	if (!S_ISREG(st.st_mode))
		return cmd_fail(c, "%s is not a regular file", c->argv[1]);
	/* To a server: one transfer per peer. */
	sess_each_target(s, sendfile_target, &tg);
	ids = tg.ids;
	n = tg.n;
	if (n == 0)
		return cmd_fail(c, "server %u has no peers", s->id);
	codec_escape((const unsigned char *)c->argv[1], strlen(c->argv[1]),
	    &shown, 0);
	group = ++xfer_groups;
	g = xcalloc(1, sizeof *g);
	g->refs = 1;		/* this command's, until it waits or returns */
	for (i = 0; i < n; i++) {
		struct session *t = sess_find(ids[i]);
		struct xfer *x, *xnext;
		/* O_NONBLOCK: should the path have become a FIFO since the
		 * stat, open must not wait for a writer. */
		int fd = open(c->argv[1], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		const char *why = NULL;

		/* The size is the opened file's: that is what is read. */
		if (fd == -1 || fstat(fd, &st) == -1)
			why = strerror(errno);
		else if (!S_ISREG(st.st_mode))
			why = "not a regular file";
		if (why != NULL) {
			if (fd != -1)
				close(fd);
			for (x = LIST_FIRST(&xfers); x != NULL; x = xnext) {
				xnext = LIST_NEXT(x, entry);
				if (x->group == group)
					xfer_free(x);
			}
			free(ids);
			buf_free(&shown);
			xgroup_unref(g);
			return cmd_fail(c, "%s: %s", c->argv[1], why);
		}
		x = xcalloc(1, sizeof *x);
		x->id = ids[i];
		x->fd = fd;
		x->path = xstrdup(c->argv[1]);
		x->shown = xstrdup(buf_cstr(&shown));
		x->size = (uint64_t)st.st_size;
		x->started_us = clock_us();
		x->group = group;
		x->g = xgroup_ref(g);
		x->progress = c->interactive;
		x->dgram = !sess_carries_bytes(t);
		x->chunk = chunk ? (size_t)chunk :
		    t->local.ss.ss_family == AF_INET6 ? 1452 : 1472;
		LIST_INSERT_HEAD(&xfers, x, entry);
	}
	buf_free(&shown);
	if (c->interactive && xfer_ptimer == 0) {
		xfer_ptimer_us = clock_us();
		xfer_ptimer = loop_timer_add(FILE_PROGRESS_MS, xfer_progress,
		    NULL);
	}
	xfer_step_all();
	if (c->interactive) {
		free(ids);
		xgroup_unref(g);
		return CMD_OK;
	}
	{
		struct sendfile_wait *w = xmalloc(sizeof *w + n * sizeof *ids);

		w->group = group;
		w->g = g;	/* the command's reference, now the wait's */
		w->n = n;
		memcpy(w->ids, ids, n * sizeof *ids);
		free(ids);
		return cmd_wait(c, 0, cmd_sendfile_check, w,
		    sendfile_wait_free);
	}
}

static const struct cmd_opt sendfile_opts[] = { { "chunk", 1 }, { NULL, 0 } };

const struct cmd_entry cmd_sendfile_entry = {
	.name = "sendfile",
	.usage = "sendfile ID PATH [--chunk N]",
	.help = "Send the contents of a file, streamed through the session's "
	    "queue (never read whole into memory).  To a server, every peer "
	    "gets the whole file.  To UDP, one datagram per --chunk bytes "
	    "(default 1472 over IPv4, 1452 over IPv6).  The file is sent as "
	    "long as it was at the start (growth is not followed; shrinking is "
	    "an error).  A progress line at a terminal, a sent summary at the "
	    "end; in a script the next line runs once the file is sent.  stop "
	    "or Ctrl-C cancels it.",
	.lower = 2,
	.upper = 2,
	.opts = sendfile_opts,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_sendfile_exec,
};
