/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_send.c — commands that send: send and sendhex (with --fill,
 * --append and repeats), stop; the message builder ping shares. */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
 * Text for a session whose encoding is not UTF-8: typed characters are
 * encoded, but bytes written as \xHH are meant literally and pass as is.
 */
static int
cmd_encode_text(const char *enc, const char *t, size_t n, struct buf *out,
    char *err, size_t errlen)
{
	struct buf seg = BUF_INIT;
	size_t i = 0, start = 0;
	int r = 0;

	while (r == 0 && i <= n) {
		if (i < n && t[i] == '\\' && i + 1 < n && t[i + 1] != 'x') {
			i += 2;
			continue;
		}
		if (i < n && !(t[i] == '\\' && i + 1 < n))
		{
			i++;
			continue;
		}
		/* A run of text ends here (a \x escape or the end). */
		buf_reset(&seg);
		r = codec_unescape(t + start, i - start, &seg, err, errlen);
		if (r == 0)
			r = enc_from_utf8(enc, buf_peek(&seg), buf_len(&seg), out,
			    err, errlen);
		if (r != 0 || i >= n)
			break;
		/* The \xHH itself. */
		buf_reset(&seg);
		r = codec_unescape(t + i, n - i < 4 ? n - i : 4, &seg, err,
		    errlen);
		if (r == 0)
			buf_append(out, buf_peek(&seg), buf_len(&seg));
		i += 4;
		start = i;
	}
	buf_free(&seg);
	return r;
}

/* A send waiting for room in a full queue (scripted mode only). */
/* A scripted send waiting for room. */
struct send_wait {
	unsigned	 id;
	struct buf	 data;
	int		 flags;
};

static void
cmd_send_free(void *arg)
{
	struct send_wait *w = arg;

	buf_free(&w->data);
	free(w);
}

static int
cmd_send_check(struct pending *p)
{
	struct send_wait *w = p->state;
	struct session *s = sess_find(w->id);
	char err[256];

	if (s == NULL) {
		out_error(p->ent->name, "session %u closed with %zu bytes "
		    "not sent", w->id, buf_len(&w->data));
		return -1;
	}
	if (!pipe_can_queue(s))
		return 0;
	if (pipe_send_ex(s, buf_peek(&w->data), buf_len(&w->data), NULL,
	    w->flags, err, sizeof err) == -1) {
		out_error(p->ent->name, "%s", err);
		return -1;
	}
	return 1;
}

/*
 * Repeating sends, driven by loop timers.  A repeat refers to its session by
 * id, so a session that closes simply ends its repeats.
 */
struct repeat {
	LIST_ENTRY(repeat) entry;
	int		 listed;	/* in the list (a send that failed never is) */
	unsigned	 id;
	struct buf	 data;
	uint64_t	 left;		/* sends still to do; 0 = forever */
	int		 forever;
	uint64_t	 every;
	uint64_t	 timer;
	struct net_addr	 to;
	int		 have_to;
	int		 flags;		/* PIPE_AS_HEX for sendhex */
	/* --fill: data is the template, expanded anew for each send. */
	struct fill	*fill;
	struct check_spec check;	/* --append */
	int		 have_check;
	struct buf	 eol;		/* send-eol when the repeat began,
					 * encoded */
	/* --rate: sends due by a schedule from the start, not by a fixed
	 * delay after each (which drifts by the loop's own latency). */
	int		 paced;
	struct pace	 pace;
};
static LIST_HEAD(, repeat) repeats = LIST_HEAD_INITIALIZER(repeats);
/* How soon a repeat postponed by a full queue tries again. */
#define REPEAT_RETRY_MS	10

static void
repeat_free(struct repeat *r)
{
	if (r->listed)
		LIST_REMOVE(r, entry);
	if (r->timer)
		loop_timer_del(r->timer);
	buf_free(&r->data);
	buf_free(&r->eol);
	fill_free(r->fill);
	free(r);
}


static void	repeat_tick(void *);

/* The next timer of a paced repeat: when the next message is due. */
static void
repeat_pace_timer(struct repeat *r)
{
	uint64_t ns = pace_wait(&r->pace, clock_ns());

	r->timer = loop_timer_add((ns + 999999) / 1000000, repeat_tick, r);
}

/* The bytes of one send: the template expanded for this session (--fill),
 * then its checksum (--append), then the line ending (send-eol). */
void
cmd_make_msg(struct session *s, const struct buf *tmpl, const struct fill *fill,
    const struct check_spec *ck, const struct buf *eol, struct buf *out)
{
	buf_reset(out);
	if (fill != NULL) {
		struct fill_env env;

		memset(&env, 0, sizeof env);
		env.seq = ++s->fill_seq;
		env.now_ms = clock_wall_us() / 1000;
		env.rand = pipe_random_bytes;
		fill_expand(fill, &env, ck != NULL ? check_width(ck) : 0, out);
	} else
		buf_append(out, buf_peek(tmpl), buf_len(tmpl));
	if (ck != NULL)
		check_append(ck, buf_peek(out), buf_len(out), out);
	if (eol != NULL)
		buf_append(out, buf_peek(eol), buf_len(eol));
}

void
cmd_eol_bytes(const struct session *s, int eol, struct buf *out)
{
	const char *e = settings_eol_bytes(eol);
	char err[128];

	/* In the session's encoding: CR LF in UTF-16 is four bytes. */
	if (*e == '\0' || enc_is_utf8(s->set->encoding) ||
	    enc_from_utf8(s->set->encoding, (const unsigned char *)e,
	    strlen(e), out, err, sizeof err) == -1)
		buf_puts(out, e);
}

static void
repeat_tick(void *arg)
{
	struct repeat *r = arg;
	struct session *s = sess_find(r->id);
	char err[256];
	int rc;

	r->timer = 0;
	if (s == NULL || s->closing) {
		repeat_free(r);
		return;
	}
	if (r->paced) {
		uint64_t due = pace_due(&r->pace, clock_ns()), n = 0;

		/* What is due goes now (a bounded burst when the loop fell
		 * behind); a full queue leaves the rest for later. */
		while (n < due && (r->forever || r->left > 0) &&
		    pipe_can_queue(s)) {
			struct buf msg = BUF_INIT;

			cmd_make_msg(s, &r->data, r->fill, r->have_check ?
			    &r->check : NULL, &r->eol, &msg);
			rc = pipe_send_ex(s, buf_peek(&msg), buf_len(&msg),
			    r->have_to ? &r->to : NULL, r->flags, err,
			    sizeof err);
			buf_free(&msg);
			if (rc == -1) {
				if (sess_find(r->id) != NULL)
					ev_notice(s, "repeat stopped: %s", err);
				repeat_free(r);
				return;
			}
			n++;
			if (!r->forever)
				r->left--;
		}
		pace_sent(&r->pace, n);
		if (!r->forever && r->left == 0) {
			repeat_free(r);
			return;
		}
		if (n < due)	/* the queue is full: look again soon */
			r->timer = loop_timer_add(REPEAT_RETRY_MS, repeat_tick,
			    r);
		else
			repeat_pace_timer(r);
		return;
	}
	/* A full queue postpones this send; it is never dropped. */
	if (pipe_can_queue(s)) {
		struct buf msg = BUF_INIT;

		cmd_make_msg(s, &r->data, r->fill, r->have_check ? &r->check :
		    NULL, &r->eol, &msg);
		rc = pipe_send_ex(s, buf_peek(&msg), buf_len(&msg),
		    r->have_to ? &r->to : NULL, r->flags, err, sizeof err);
		buf_free(&msg);
		if (rc == -1) {
			if (sess_find(r->id) != NULL)
				ev_notice(s, "repeat stopped: %s", err);
			repeat_free(r);
			return;
		}
		if (!r->forever && --r->left == 0) {
			repeat_free(r);
			return;
		}
		r->timer = loop_timer_add(r->every, repeat_tick, r);
		return;
	}
	/* Postponed: look again soon, without spinning on a 0 interval. */
	r->timer = loop_timer_add(r->every > REPEAT_RETRY_MS ? r->every :
	    REPEAT_RETRY_MS, repeat_tick, r);
}

/* "N left" / "forever" for list, or NULL when none. */
int
cmd_repeat_describe(unsigned id, struct buf *out)
{
	struct repeat *r;
	int n = 0;

	LIST_FOREACH(r, &repeats, entry) {
		if (r->id != id)
			continue;
		if (n++ > 0)
			buf_puts(out, ",");
		if (r->forever)
			buf_puts(out, "forever/");
		else
			buf_printf(out, "%llux/", (unsigned long long)r->left);
		codec_fmt_duration(r->every, out);
	}
	return n;
}

/* Work that the end of input must wait for: finite repeats, transfers. */
int
cmd_data_busy(void)
{
	struct repeat *r;

	LIST_FOREACH(r, &repeats, entry)
		if (!r->forever)
			return 1;
	return cmd_sendfile_busy();
}

int
cmd_data_interrupt(struct client *cl)
{
	return cmd_sendfile_interrupt(cl);
}

void
cmd_data_init(void)
{
	cmd_sendfile_init();
}

void
cmd_data_cleanup(void)
{
	while (!LIST_EMPTY(&repeats))
		repeat_free(LIST_FIRST(&repeats));
	cmd_sendfile_cleanup();
}

static enum cmd_status
cmd_send_common(struct cmd_ctx *c, int hex)
{
	struct session *s = c->s;
	struct buf data = BUF_INIT, tmpl = BUF_INIT;
	struct net_addr to;
	const char *tov = cmd_opt(c, "to"), *v;
	struct buf eol = BUF_INIT;
	struct repeat *rep = NULL;
	struct fill *fill = NULL;
	struct check_spec ck;
	struct pace_rate rate;
	int have_ck = 0, paced = 0;
	uint64_t count = 1, every = 0;
	char err[256];
	int r;

	if ((v = cmd_opt(c, "repeat")) != NULL &&
	    codec_parse_uint(v, 0, UINT32_MAX, &count) == -1)
		return cmd_usage(c, "bad --repeat \"%.32s\" (a count, 0 = "
		    "forever)", v);
	if (cmd_duration(c, "every", 0, &every) == -1)
		return CMD_ERR;
	/* An interval of 0 is a flood at full CPU, not a repeat. */
	if (cmd_has(c, "every") && every == 0)
		return cmd_usage(c, "bad --every \"%.32s\": a repeat needs an "
		    "interval > 0", cmd_opt(c, "every"));
	if (cmd_has(c, "every") && !cmd_has(c, "repeat"))
		count = 0;	/* --every alone repeats until stop */

	if (tov != NULL) {
		const int type = SOCK_DGRAM;
		const char *name;
		char toh[256];
		enum cmd_status st;

		if (sess_carries_bytes(s))
			return cmd_usage(c, "--to applies to UDP sessions only");
		name = cmd_host_of(tov, toh, sizeof toh);
		if (cmd_names_first(c, &name, &type, 1, &st))
			return st;
		if (net_resolve_one(tov, SOCK_DGRAM, 0, &to, err,
		    sizeof err) == -1)
			return cmd_usage(c, "--to: %s", err);
	}
	if ((v = cmd_opt(c, "rate")) != NULL) {
		if (pace_parse(v, &rate, err, sizeof err) == -1)
			return cmd_usage(c, "--rate: %s", err);
		if (!cmd_has(c, "repeat"))
			return cmd_usage(c, "--rate paces a --repeat");
		if (cmd_has(c, "every"))
			return cmd_usage(c, "--rate and --every both set the "
			    "pace: give one");
		paced = 1;
	}
	if ((v = cmd_opt(c, "append")) != NULL) {
		if (check_parse(v, &ck, err, sizeof err) == -1)
			return cmd_usage(c, "--append: %s", err);
		have_ck = 1;
	}
	if (hex && cmd_has(c, "fill"))
		r = fill_hex_template(c->rest, c->restlen, &tmpl, err,
		    sizeof err);
	else if (hex)
		r = codec_parse_hex(c->rest, c->restlen, &tmpl, err, sizeof err);
	else if (!enc_is_utf8(s->set->encoding))
		r = cmd_encode_text(s->set->encoding, c->rest, c->restlen, &tmpl,
		    err, sizeof err);
	else
		r = codec_unescape(c->rest, c->restlen, &tmpl, err, sizeof err);
	if (r == 0 && cmd_has(c, "fill"))
		r = fill_compile(buf_peek(&tmpl), buf_len(&tmpl), &fill, err,
		    sizeof err);
	if (r == -1) {
		buf_free(&tmpl);
		return cmd_usage(c, "%s", err);
	}
	if (count != 1) {
		rep = xcalloc(1, sizeof *rep);
		rep->forever = count == 0;
		rep->left = count;
		rep->every = every;
	}
	if (!hex)
		cmd_eol_bytes(s, s->set->send_eol, &eol);
	cmd_make_msg(s, &tmpl, fill, have_ck ? &ck : NULL, &eol, &data);
	if (rep != NULL) {
		rep->eol = eol;
		memset(&eol, 0, sizeof eol);	/* the repeat's now */
		/* The repeat owns the template from here on. */
		rep->data = tmpl;
		rep->fill = fill;
		rep->check = ck;
		rep->have_check = have_ck;
		if (paced) {
			rep->paced = 1;
			pace_start(&rep->pace, &rate, clock_ns());
		}
	} else {
		buf_free(&tmpl);
		fill_free(fill);
	}
	buf_free(&eol);		/* in data, and in the repeat's own copy */
	if (s->state == S_LISTENING && s->npeers == 0) {
		buf_free(&data);
		if (rep != NULL)
			repeat_free(rep);
		return cmd_fail(c, "server %u has no peers", s->id);
	}
	if (rep != NULL && !pipe_can_queue(s)) {
		buf_free(&data);
		if (rep != NULL)
			repeat_free(rep);
		return cmd_fail(c, "session %u: output queue full; not "
		    "started", s->id);
	}
	if (!pipe_can_queue(s)) {
		if (c->interactive) {
			buf_free(&data);
			return cmd_fail(c, "session %u: output queue full "
			    "(%zu bytes waiting); not sent, try again", s->id,
			    pipe_queued(s));
		}
		/* A script waits for the peer to catch up. */
		{
			struct send_wait *w = xmalloc(sizeof *w);

			w->id = s->id;
			w->data = data;
			w->flags = hex ? PIPE_AS_HEX | PIPE_MSG_BINARY : PIPE_MSG_TEXT;
			return cmd_wait(c, 0, cmd_send_check, w, cmd_send_free);
		}
	}
	r = pipe_send_ex(s, buf_peek(&data), buf_len(&data), tov != NULL ? &to :
	    NULL, hex ? PIPE_AS_HEX | PIPE_MSG_BINARY : PIPE_MSG_TEXT, err, sizeof err);
	if (r == -1) {
		buf_free(&data);
		if (rep != NULL)
			repeat_free(rep);
		return cmd_fail(c, "%s", err);
	}
	if (rep != NULL) {
		rep->id = s->id;
		buf_free(&data);
		rep->flags = hex ? PIPE_AS_HEX | PIPE_MSG_BINARY : PIPE_MSG_TEXT;
		if (tov != NULL) {
			rep->to = to;
			rep->have_to = 1;
		}
		if (!rep->forever && --rep->left == 0)
			repeat_free(rep);
		else {
			LIST_INSERT_HEAD(&repeats, rep, entry);
			rep->listed = 1;
			if (rep->paced) {
				pace_sent(&rep->pace, 1);
				repeat_pace_timer(rep);
			} else
				rep->timer = loop_timer_add(rep->every,
				    repeat_tick, rep);
		}
	} else
		buf_free(&data);
	cmd_result_ok(c);
	return CMD_OK;
}

static enum cmd_status
cmd_send_exec(struct cmd_ctx *c)
{
	return cmd_send_common(c, 0);
}

static enum cmd_status
cmd_sendhex_exec(struct cmd_ctx *c)
{
	return cmd_send_common(c, 1);
}

static const struct cmd_opt send_opts[] = {
	{ "to", 1 }, { "repeat", 1 }, { "every", 1 }, { "fill", 0 },
	{ "append", 1 }, { "rate", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_send_entry = {
	.name = "send",
	.usage = "send ID [--to HOST:PORT] [--repeat N] [--every DUR] "
	    "[--rate N/s] [--fill] [--append CHECK] TEXT",
	.help = "Send TEXT, the rest of the line, with C escapes decoded: \\r "
	    "\\n \\t \\0 \\\\ \\e \\a \\xHH \\\".  Text that is one quoted "
	    "string loses its quotes.  Sent to a server, every peer receives "
	    "it.  Data for a session still connecting is queued.  To UDP: one "
	    "datagram, to --to, else the session's default destination, else "
	    "the source of the last datagram received.  --repeat N sends N "
	    "times (0 = until stop), --every DUR apart (alone: until stop; DUR "
	    "> 0).  --fill expands placeholders on every send: {seq} {seq:04} "
	    "{seq:u16be} {time} {time_ms} {iso} {rand:N} {len} {len:u16be} "
	    "{{.  --append CHECK appends a checksum: sum8 xor8 lrc crc8 "
	    "crc16-modbus crc16-ccitt crc16-xmodem crc32 crc32c (:le/:be to "
	    "change the byte order).  --rate N/s (or N/m, N/h) paces a "
	    "--repeat by a schedule from the start, so the long-run average "
	    "holds.",
	.lower = 1,
	.upper = 1,
	.opts = send_opts,
	.flags = CMD_REST | CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_send_exec,
};

const struct cmd_entry cmd_sendhex_entry = {
	.name = "sendhex",
	.alias = "sendx",
	.usage = "sendhex ID [--to HOST:PORT] [--repeat N] [--every DUR] "
	    "[--rate N/s] [--fill] [--append CHECK] HEX",
	.help = "Send bytes written in hex: \"48 65 6c\", \"48656c\", "
	    "\"0x48,0x65\", \"48:65:6c\" or \"48-65\"; a group of one digit "
	    "is a byte (\"1 2 3\" is 01 02 03).  A longer group with an odd "
	    "number of digits, or a non-hex character, is an error naming its "
	    "position.  "
	    "--fill and --append as for send: placeholders stand among the hex "
	    "bytes (\"01 {seq:u16be} {len:u8}\"); Modbus: \"sendhex 1 --append "
	    "crc16-modbus 01 03 00 00 00 0a\" sends 01 03 00 00 00 0a c5 cd.",
	.lower = 1,
	.upper = 1,
	.opts = send_opts,
	.flags = CMD_REST | CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_sendhex_exec,
};

/* stop: repeats and file transfers, including those to a server's peers
 * (a sendfile to a server runs one transfer per peer). */
static enum cmd_status
cmd_stop_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	struct repeat *r, *rnext;
	int n = 0, m;

	for (r = LIST_FIRST(&repeats); r != NULL; r = rnext) {
		rnext = LIST_NEXT(r, entry);
		if (r->id == s->id) {
			repeat_free(r);
			n++;
		}
	}
	m = cmd_sendfile_stop(s);
	if (n > 0)
		out_info("[%u] %d repeating send%s stopped", s->id, n,
		    n == 1 ? "" : "s");
	else if (m == 0)
		out_info("[%u] nothing to stop: no repeating sends or file "
		    "transfers", s->id);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.usage = "stop ID",
	.help = "Cancel the repeating sends and file transfers of a session "
	    "(of a server: also those to its peers), saying how many bytes of "
	    "each file went.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_stop_exec,
};

