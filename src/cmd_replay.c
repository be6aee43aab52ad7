/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_replay.c — the `replay` command (SPEC §3.13): the sent side of a
 * recorded conversation played into a session, each recorded answer
 * awaited before the next step, and a report of what differed. */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "cmd.h"
#include "codec.h"
#include "differ.h"
#include "file.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "rec.h"
#include "role_mock.h"
#include "session.h"

#define REPLAY_FILE_MAX	(64u << 20)
/* An answer that stopped short of (or went past) the recorded one is
 * complete after this much silence. */
#define REPLAY_QUIET_MS	100

enum replay_phase {
	RP_GAP,			/* the recorded gap before the next send */
	RP_WAIT,		/* sent: collecting the answer */
};

struct replay_result {
	uint64_t	 latency_us;	/* send to the answer's last byte */
	int		 answered;	/* any byte came */
	struct buf	 got;
};

struct replay {
	unsigned		 id;
	struct client		*cl;
	struct rec_conv		 rec;
	struct replay_result	*res;
	size_t			 step;		/* the one being played */
	enum replay_phase	 phase;
	double			 speed;		/* 0: no gaps */
	int			 no_wait;
	uint64_t		 timeout_ms;
	uint64_t		 timer, quiet;
	int			 fired, quiet_fired;
	uint64_t		 sent_us, last_rx_us;
	uint64_t		 pos;		/* window offset of the answer */
	size_t			 seen;		/* answer bytes at the last look */
	struct buf		 want;		/* --no-wait: every answer */
	int			 finished;
};

static void
replay_timer(void *arg)
{
	struct replay *r = arg;

	r->timer = 0;
	r->fired = 1;
	client_wake_one(r->cl);
}

static void
replay_quiet(void *arg)
{
	struct replay *r = arg;

	r->quiet = 0;
	r->quiet_fired = 1;
	client_wake_one(r->cl);
}

static void
replay_arm(struct replay *r, uint64_t ms)
{
	if (r->timer)
		loop_timer_del(r->timer);
	r->fired = 0;
	r->timer = loop_timer_add(ms, replay_timer, r);
}

static void
replay_arm_quiet(struct replay *r)
{
	if (r->quiet)
		loop_timer_del(r->quiet);
	r->quiet_fired = 0;
	r->quiet = loop_timer_add(REPLAY_QUIET_MS, replay_quiet, r);
}

/* What arrived on the session since the answer began. */
static void
replay_window(struct replay *r, struct session *s, struct buf *out)
{
	const struct ring *win = s != NULL ? sess_window(s) :
	    sess_zombie_data(r->id);
	struct buf all = BUF_INIT;
	uint64_t oldest;
	size_t skip;

	buf_reset(out);
	pipe_window_flush();
	if (win == NULL)
		return;
	oldest = win->end - win->len;
	skip = r->pos > oldest ? (size_t)(r->pos - oldest) : 0;
	ring_copy(win, &all);
	if (skip < buf_len(&all))
		buf_append(out, buf_peek(&all) + skip, buf_len(&all) - skip);
	buf_free(&all);
}

/* The recorded answer the current wait is for. */
static const struct buf *
replay_want(const struct replay *r)
{
	return r->no_wait ? &r->want : &r->rec.step[r->step].ans;
}

/* Send step r->step (its gap over).  0, or -1 with err. */
static int
replay_send(struct replay *r, struct session *s, char *err, size_t errlen)
{
	const struct rec_step *st = &r->rec.step[r->step];

	/* The answer is what arrives from now on (--no-wait: from the
	 * first send on). */
	if (!r->no_wait || r->step == 0) {
		pipe_window_flush();
		r->pos = sess_window(s)->end;
		r->seen = 0;
	}
	r->sent_us = clock_us();
	r->last_rx_us = 0;
	if (buf_len(&st->req) > 0 && pipe_send_ex(s, buf_peek(&st->req),
	    buf_len(&st->req), NULL, 0, err, errlen) == -1)
		return -1;
	if (r->no_wait && r->step + 1 < r->rec.n) {
		r->step++;
		return 0;
	}
	r->phase = RP_WAIT;
	replay_arm(r, r->timeout_ms);
	return 0;
}

/* The gap before step r->step, or 0 to send at once. */
static uint64_t
replay_gap_ms(const struct replay *r)
{
	if (r->speed <= 0)
		return 0;
	return (uint64_t)((double)r->rec.step[r->step].gap_us / r->speed /
	    1000.0);
}

static void
replay_report(struct replay *r, size_t *ndiff)
{
	size_t i, nsteps = r->no_wait ? 1 : r->rec.n;
	struct buf line = BUF_INIT;
	struct json j;

	*ndiff = 0;
	if (out_cfg.json) {
		j_begin(&j, "result");
		j_str(&j, "command", "replay");
		j_u64(&j, "id", r->id);
		j_arr(&j, "steps");
	}
	for (i = 0; i < nsteps && i <= r->step; i++) {
		const struct buf *want = r->no_wait ? &r->want :
		    &r->rec.step[i].ans;
		const struct buf *got = &r->res[i].got;
		struct differ d;

		differ_run(buf_peek(want), buf_len(want), buf_peek(got),
		    buf_len(got), &d);
		*ndiff += !d.same;
		buf_reset(&line);
		differ_describe(&d, buf_peek(want), buf_len(want),
		    buf_peek(got), buf_len(got), &line);
		if (out_cfg.json) {
			j_obj(&j, NULL);
			j_u64(&j, "step", i + 1);
			j_bool(&j, "ok", d.same);
			j_key(&j, "latency_ms");
			buf_printf(&j.b, "%.3f", r->res[i].latency_us / 1000.0);
			if (!d.same) {
				j_u64(&j, "offset", d.off);
				j_u64(&j, "missing", d.missing);
				j_u64(&j, "extra", d.extra);
				j_str(&j, "diff", buf_cstr(&line));
			}
			j_close_obj(&j);
			continue;
		}
		out_line("[%u] step %zu: %s%s (%.3f ms)", r->id, i + 1,
		    d.same ? "ok" : "", d.same ? "" : buf_cstr(&line),
		    r->res[i].latency_us / 1000.0);
	}
	if (out_cfg.json) {
		j_close_arr(&j);
		j_u64(&j, "differed", *ndiff);
		j_emit(&j);
	} else
		out_line("[%u] replay: %zu step%s, %zu differed", r->id, nsteps,
		    nsteps == 1 ? "" : "s", *ndiff);
	buf_free(&line);
}

/* The answer to the current step is complete: recorded, reported at the
 * end.  1 when the replay is over. */
static int
replay_step_done(struct replay *r, const struct buf *got)
{
	struct replay_result *res = &r->res[r->no_wait ? 0 : r->step];

	buf_reset(&res->got);
	buf_append(&res->got, buf_peek(got), buf_len(got));
	res->answered = buf_len(got) > 0;
	res->latency_us = (r->last_rx_us ? r->last_rx_us : clock_us()) -
	    r->sent_us;
	if (r->timer)
		loop_timer_del(r->timer);
	if (r->quiet)
		loop_timer_del(r->quiet);
	r->timer = r->quiet = 0;
	if (r->no_wait || r->step + 1 == r->rec.n)
		return 1;
	r->step++;
	r->phase = RP_GAP;
	return 0;
}

/* Is the answer complete?  The same bytes as recorded: at once.  Bytes
 * that already differ, or more than recorded: after a silence.  Fewer:
 * when the timeout comes. */
static int
replay_answer_complete(struct replay *r, struct session *s, struct buf *got)
{
	const struct buf *want = replay_want(r);

	replay_window(r, s, got);
	if (buf_len(got) != r->seen) {
		r->seen = buf_len(got);
		r->last_rx_us = clock_us();
		if (!differ_is_prefix(buf_peek(want), buf_len(want),
		    buf_peek(got), buf_len(got)))
			replay_arm_quiet(r);
	}
	if (buf_len(got) == buf_len(want) && memcmp(buf_peek(got),
	    buf_peek(want), buf_len(want)) == 0)
		return 1;
	return r->fired || s == NULL || (r->quiet_fired &&
	    !differ_is_prefix(buf_peek(want), buf_len(want), buf_peek(got),
	    buf_len(got)));
}

static int
replay_check(struct pending *pend)
{
	struct replay *r = pend->state;
	struct session *s = sess_find(r->id);
	struct buf got = BUF_INIT;
	size_t ndiff;
	char err[256];
	int over;

	for (;;) {
		if (r->phase == RP_WAIT) {
			if (!replay_answer_complete(r, s, &got))
				break;
			over = replay_step_done(r, &got);
			if (over || s == NULL)
				goto report;
		}
		/* RP_GAP */
		if (s == NULL)
			goto report;
		if (r->timer == 0 && !r->fired && replay_gap_ms(r) > 0) {
			replay_arm(r, replay_gap_ms(r));
			break;
		}
		if (r->timer != 0)
			break;
		r->fired = 0;
		if (replay_send(r, s, err, sizeof err) == -1) {
			buf_free(&got);
			out_error(pend->ent->name, "%s", err);
			r->finished = 1;
			return -1;
		}
		if (r->phase == RP_GAP)
			continue;
	}
	buf_free(&got);
	return 0;
report:
	buf_free(&got);
	r->finished = 1;
	replay_report(r, &ndiff);
	if (s == NULL && r->step + 1 < r->rec.n && !r->no_wait) {
		out_error(pend->ent->name, "session %u closed at step %zu of "
		    "%zu", r->id, r->step + 1, r->rec.n);
		return -1;
	}
	if (ndiff > 0) {
		out_error(pend->ent->name, "%zu of %zu steps differed", ndiff,
		    r->no_wait ? (size_t)1 : r->rec.n);
		return -1;
	}
	return 1;
}

static void
replay_free(void *arg)
{
	struct replay *r = arg;
	size_t i;

	if (r->timer)
		loop_timer_del(r->timer);
	if (r->quiet)
		loop_timer_del(r->quiet);
	for (i = 0; r->res != NULL && i < r->rec.n; i++)
		buf_free(&r->res[i].got);
	free(r->res);
	rec_conv_free(&r->rec);
	buf_free(&r->want);
	free(r);
}

/* The whole recording file (a regular file or a device: a FIFO could hold
 * the loop).  0, or -1 with err. */
static int
replay_read_file(const char *path, struct buf *data, char *err,
    size_t errlen)
{
	char chunk[16384];
	ssize_t n;
	int fd;

	fd = file_open(path, O_RDONLY, 0, FILE_DEVICES, "replay reads", err,
	    errlen);
	if (fd == -1)
		return -1;
	/* A recording still being written here: all of it so far. */
	log_sync_file(fd);
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		buf_append(data, chunk, (size_t)n);
		if (buf_len(data) > REPLAY_FILE_MAX) {
			close(fd);
			snprintf(err, errlen, "%.200s: larger than %u bytes",
			    path, REPLAY_FILE_MAX);
			return -1;
		}
	}
	close(fd);
	if (n == -1) {
		snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static enum cmd_status
cmd_replay_exec(struct cmd_ctx *c)
{
	struct session *s = cmd_session(c, c->argv[1]);
	struct buf data = BUF_INIT;
	struct replay *r;
	const char *v;
	char err[512], *end;
	size_t i;

	if (s == NULL)
		return CMD_ERR;
	r = xcalloc(1, sizeof *r);
	r->cl = c->cl;
	r->id = s->id;
	if ((v = cmd_opt(c, "speed")) != NULL) {
		errno = 0;
		r->speed = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !(r->speed > 0) ||
		    r->speed > 1e6) {
			replay_free(r);
			return cmd_usage(c, "bad --speed \"%.32s\" (a factor "
			    "above 0: 1 is the recorded pace, 2 twice as "
			    "fast)", v);
		}
	}
	r->no_wait = cmd_has(c, "no-wait");
	if (cmd_duration(c, "timeout", 5000, &r->timeout_ms) == -1) {
		replay_free(r);
		return CMD_ERR;
	}
	if (r->timeout_ms == 0)
		r->timeout_ms = 1;
	if (replay_read_file(c->argv[0], &data, err, sizeof err) == -1 ||
	    rec_parse((const char *)buf_peek(&data), buf_len(&data), &r->rec,
	    err, sizeof err) == -1) {
		buf_free(&data);
		replay_free(r);
		return cmd_fail(c, "%s", err);
	}
	buf_free(&data);
	r->res = xcalloc(r->rec.n, sizeof *r->res);
	for (i = 0; r->no_wait && i < r->rec.n; i++)
		buf_append(&r->want, buf_peek(&r->rec.step[i].ans),
		    buf_len(&r->rec.step[i].ans));
	r->phase = RP_GAP;
	return cmd_wait(c, 0, replay_check, r, replay_free);
}

static const struct cmd_opt replay_opts[] = {
	{ "speed", 1 }, { "no-wait", 0 }, { "timeout", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_replay_entry = {
	.name = "replay",
	.usage = "replay FILE ID [--speed X] [--no-wait] [--timeout DUR]",
	.help = "Play the sent side of a recorded conversation (a script "
	    "log, a jsonl log: its first session with data, or a pcap log or "
	    "capture: its first TCP connection with data or UDP conversation, "
	    "the side that opened it) into session ID: each recorded message is "
	    "sent, and the recorded answer awaited (until it came whole, or "
	    "differed and 100 ms passed without more, or --timeout, default "
	    "5s) before the next.  --speed X keeps the recorded gaps divided "
	    "by X (a script needs --timing for them); --no-wait sends every "
	    "message without waiting and compares all that came back with "
	    "all that was recorded.  At the end one line per step: ok or what "
	    "differed (changed bytes, missing, extra, with offsets from 0) "
	    "and its latency; the command fails when anything differed.",
	.lower = 2,
	.upper = 2,
	.opts = replay_opts,
	.exec = cmd_replay_exec,
};

/* mock */
static enum cmd_status
cmd_mock_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 3 ? c->argv[1] : NULL;
	const char *portarg = c->argv[c->argc - 1];
	const int type = cmd_has(c, "udp") ? SOCK_DGRAM : SOCK_STREAM;
	struct buf data = BUF_INIT;
	struct rec_conv conv;
	struct session *s;
	enum cmd_status st;
	uint16_t port;
	char err[512], hbuf[256];

	if (cmd_listen_port(c, &host, portarg, hbuf, sizeof hbuf, &port) == -1)
		return CMD_ERR;
	if (cmd_names_first(c, &host, &type, 1, &st))
		return st;
	if (replay_read_file(c->argv[0], &data, err, sizeof err) == -1 ||
	    rec_parse((const char *)buf_peek(&data), buf_len(&data), &conv,
	    err, sizeof err) == -1) {
		buf_free(&data);
		return cmd_fail(c, "%s", err);
	}
	buf_free(&data);
	if (cmd_has(c, "udp"))
		s = sess_udp(host, port, NULL, 0, 0, err, sizeof err);
	else
		s = sess_tcp_server(host, port, 0, NULL, 0, err, sizeof err);
	if (s == NULL) {
		rec_conv_free(&conv);
		return cmd_fail(c, "%s", err);
	}
	mock_attach(s, &conv);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt mock_opts[] = { { "udp", 0 }, { NULL, 0 } };

const struct cmd_entry cmd_mock_entry = {
	.name = "mock",
	.usage = "mock FILE [ADDR] PORT [--udp]",
	.help = "A TCP server (or with --udp a UDP one) that plays the "
	    "remote side of a recorded conversation (a script, a jsonl or "
	    "pcap log of a client session, as replay reads them): each "
	    "client walks the recording from its first step on its own; what "
	    "it sends is gathered until it is the recorded request, and then "
	    "the recorded answer goes back (an answer recorded before any "
	    "request, a banner, goes when the client connects).  Bytes that "
	    "cannot become the next request are shown as unmatched and "
	    "counted; at the end each client's line says how many steps were "
	    "played.  Over UDP each datagram is a whole request and each "
	    "recorded answer datagram goes back as one, to the client that "
	    "asked.",
	.lower = 2,
	.upper = 3,
	.opts = mock_opts,
	.exec = cmd_mock_exec,
};
