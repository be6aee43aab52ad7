/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_script.c — commands for scripts and the prompt: expect, wait, sleep,
 * echo, source, attach, help, quit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "cmd.h"
#include "codec.h"
#include "loop.h"
#include "out.h"
#include "enc.h"
#include "file.h"
#include "pipe.h"
#include "session.h"
#include "term.h"

static int
cmd_timed_out(const struct pending *p)
{
	return p->deadline != 0 && loop_now() >= p->deadline;
}

/* expect */

/* Look for the pattern in one window from the client's position *pos;
 * on a match, move it past the match.  The window itself is never
 * consumed: every client reads it at its own pace. */
int
cmd_expect_in(const struct ring *win, const struct buf *pat, struct buf *scratch,
    uint64_t *pos)
{
	const unsigned char *hit;
	uint64_t oldest;
	size_t skip;

	pipe_window_flush();	/* the bytes read last, if not in yet */
	if (win == NULL)
		return 0;
	oldest = win->end - win->len;
	if (*pos < oldest)
		*pos = oldest;	/* what it had not looked at scrolled away */
	skip = (size_t)(*pos - oldest);
	if (win->len - skip < buf_len(pat))
		return 0;
	ring_copy(win, scratch);
	hit = memmem(buf_peek(scratch) + skip, buf_len(scratch) - skip,
	    buf_peek(pat), buf_len(pat));
	if (hit == NULL)
		return 0;
	/* The client's next expect starts after this match. */
	*pos = oldest + (uint64_t)(hit - buf_peek(scratch)) + buf_len(pat);
	return 1;
}

/* The bytes of win from the client's position on (for a timeout's
 * "last bytes seen"). */
static void
cmd_window_from(const struct ring *win, uint64_t pos, struct buf *out)
{
	uint64_t oldest = win->end - win->len;
	size_t skip = pos > oldest ? (size_t)(pos - oldest) : 0;
	struct buf all = BUF_INIT;

	ring_copy(win, &all);
	buf_reset(out);
	if (skip < buf_len(&all))
		buf_append(out, buf_peek(&all) + skip, buf_len(&all) - skip);
	buf_free(&all);
}

/* What an expect waits for. */
struct expect_wait {
	unsigned	 id;
	struct buf	 pattern;
	uint64_t	 mark;		/* n_recv at the last search */
	int		 searched;	/* searched at least once */
};

static void
cmd_expect_free(void *arg)
{
	struct expect_wait *w = arg;

	buf_free(&w->pattern);
	free(w);
}

/* One window searched for an expect, until one matches. */
struct expect_search {
	struct expect_wait	*w;
	struct client		*cl;
	struct buf		*scratch;
	int			 hit;
	unsigned		 where;
};

static void
cmd_expect_target(struct session *t, void *arg)
{
	struct expect_search *es = arg;

	if (!es->hit && (es->hit = cmd_expect_in(sess_window(t),
	    &es->w->pattern, es->scratch, &client_pos(es->cl, t->id)->rx)))
		es->where = t->id;
}

static int
cmd_expect_check(struct pending *p)
{
	struct expect_wait *w = p->state;

	struct session *s = sess_find(w->id);
	struct buf scratch = BUF_INIT, shown = BUF_INIT;
	unsigned where = w->id;	/* the peer whose data matched */
	int hit = 0;

	/* Search only when something new arrived since the last look. */
	if (s == NULL)
		hit = cmd_expect_in(sess_zombie_data(w->id), &w->pattern,
		    &scratch, &client_pos(p->cl, w->id)->rx);
	else if (s->n_recv != w->mark || !w->searched) {
		struct expect_search es = { w, p->cl, &scratch, 0, 0 };

		w->searched = 1;
		w->mark = s->n_recv;
		/* On a server, each peer's window in turn. */
		sess_each_target(s, cmd_expect_target, &es);
		if ((hit = es.hit))
			where = es.where;
	}
	if (hit) {
		buf_free(&scratch);
		/* At the prompt nothing else would show that it is done. */
		if (p->interactive && !out_cfg.json) {
			codec_escape(buf_peek(&w->pattern), buf_len(&w->pattern),
			    &shown, 0);
			if (where != w->id)
				out_info("[%u] expect matched \"%s\" (from peer "
				    "%u)", w->id, buf_cstr(&shown), where);
			else
				out_info("[%u] expect matched \"%s\"", w->id,
				    buf_cstr(&shown));
			buf_free(&shown);
		}
		if (out_cfg.json) {
			struct json j;

			j_begin(&j, "result");
			j_str(&j, "command", p->ent->name);
			j_u64(&j, "id", w->id);
			j_bool(&j, "ok", 1);
			j_emit(&j);
		}
		return 1;
	}
	if (s != NULL && !cmd_timed_out(p)) {
		buf_free(&scratch);
		return 0;
	}
	/* Escaped here, once: term_error keeps the backslashes as they
	 * are, so "\r\n" reads as typed, not "\\r\\n". */
	codec_escape(buf_peek(&w->pattern), buf_len(&w->pattern), &shown, 0);
	if (s == NULL)
		out_error(p->ent->name, "session %u closed before \"%s\" "
		    "arrived", w->id, buf_cstr(&shown));
	else {
		struct buf got = BUF_INIT, dur = BUF_INIT;
		size_t n, from;

		pipe_window_flush();
		if (sess_accepts(s))
			buf_reset(&scratch);	/* several windows: none shown */
		else
			cmd_window_from(sess_window(s), client_pos(p->cl,
			    s->id)->rx, &scratch);
		n = buf_len(&scratch);
		from = n > 64 ? n - 64 : 0;
		codec_escape(buf_peek(&scratch) + from, n - from, &got, 0);
		codec_fmt_duration(p->timeout_ms, &dur);
		out_error(p->ent->name, "timed out after %s waiting for "
		    "\"%s\" on %u (last bytes seen: \"%s%s\")", buf_cstr(&dur),
		    buf_cstr(&shown), w->id, from ? "..." : "", buf_cstr(&got));
		buf_free(&got);
		buf_free(&dur);
	}
	buf_free(&shown);
	buf_free(&scratch);
	return -1;
}

static enum cmd_status
cmd_expect_exec(struct cmd_ctx *c)
{
	struct expect_wait *w;
	uint64_t id, timeout;
	char err[256];
	int r;

	if (codec_parse_uint(c->argv[0], 1, UINT32_MAX, &id) == -1)
		return cmd_usage(c, "\"%.32s\" is not a session id", c->argv[0]);
	if (sess_find((unsigned)id) == NULL &&
	    sess_zombie_data((unsigned)id) == NULL)
		return cmd_usage(c, "no session %s", c->argv[0]);
	if (cmd_duration(c, "timeout", 5000, &timeout) == -1)
		return CMD_ERR;
	w = xcalloc(1, sizeof *w);
	if (cmd_has(c, "hex"))
		r = codec_parse_hex(c->argv[1], strlen(c->argv[1]),
		    &w->pattern, err, sizeof err);
	else
		r = codec_unescape(c->argv[1], strlen(c->argv[1]),
		    &w->pattern, err, sizeof err);
	if (r == -1 || buf_len(&w->pattern) == 0) {
		cmd_expect_free(w);
		return r == -1 ? cmd_usage(c, "%s", err) :
		    cmd_usage(c, "empty pattern");
	}
	w->id = (unsigned)id;
	return cmd_wait(c, timeout, cmd_expect_check, w, cmd_expect_free);
}

static const struct cmd_opt expect_opts[] = {
	{ "timeout", 1 }, { "hex", 0 }, { NULL, 0 }
};

const struct cmd_entry cmd_expect_entry = {
	.name = "expect",
	.usage = "expect ID PATTERN [--timeout DUR] [--hex]",
	.help = "Wait until the data received on ID since the previous "
	    "successful expect on ID contains PATTERN (text with C escapes, or "
	    "hex with --hex); the next expect starts after the match.  On a "
	    "server, data from all its peers counts.  Fails after --timeout "
	    "(default 5s), or when the session closes without a match.",
	.lower = 2,
	.upper = 2,
	.opts = expect_opts,
	.complete = cmd_complete_session,
	.flags = CMD_ID,
	.exec = cmd_expect_exec,
};

/* wait */
enum { W_CONNECTED, W_ACCEPTED, W_CLOSED, W_RECV };
static const char *const wait_names[] = { "connected", "accepted", "closed",
    "recv", NULL };

struct event_wait {
	unsigned	 id;
	int		 what;		/* W_* */
};

static int
cmd_wait_check(struct pending *p)
{
	const struct event_wait *w = p->state;
	struct session *s = sess_find(w->id);
	struct client_pos *cp;
	struct buf d = BUF_INIT;

	switch (w->what) {
	case W_CONNECTED:
		if (s != NULL && !sess_opening(s))
			return 1;
		break;
	case W_ACCEPTED:
		if (s != NULL && s->n_accepted > (cp = client_pos(p->cl,
		    s->id))->accepted) {
			cp->accepted++;
			return 1;
		}
		break;
	case W_RECV:
		if (s != NULL && s->n_recv > (cp = client_pos(p->cl,
		    s->id))->recv) {
			cp->recv = s->n_recv;
			return 1;
		}
		break;
	case W_CLOSED:
		if (s == NULL)
			return 1;
		break;
	}
	if (s == NULL) {
		out_error(p->ent->name, "session %u closed while waiting for "
		    "%s", w->id, wait_names[w->what]);
		return -1;
	}
	if (!cmd_timed_out(p))
		return 0;
	codec_fmt_duration(p->timeout_ms, &d);
	out_error(p->ent->name, "timed out after %s waiting for %s on %u",
	    buf_cstr(&d), wait_names[w->what], w->id);
	buf_free(&d);
	return -1;
}

static enum cmd_status
cmd_wait_exec(struct cmd_ctx *c)
{
	struct event_wait *w;
	uint64_t id, timeout;
	int i;

	if (codec_parse_uint(c->argv[0], 1, UINT32_MAX, &id) == -1)
		return cmd_usage(c, "\"%.32s\" is not a session id", c->argv[0]);
	for (i = 0; wait_names[i] != NULL; i++)
		if (strcmp(c->argv[1], wait_names[i]) == 0)
			break;
	if (wait_names[i] == NULL)
		return cmd_usage(c, "unknown event \"%.32s\"", c->argv[1]);
	if (sess_find((unsigned)id) == NULL &&
	    (i != W_CLOSED || id > sess_last_id()))
		return cmd_usage(c, "no session %s", c->argv[0]);
	if (cmd_duration(c, "timeout", 10000, &timeout) == -1)
		return CMD_ERR;
	w = xmalloc(sizeof *w);
	w->id = (unsigned)id;
	w->what = i;
	return cmd_wait(c, timeout, cmd_wait_check, w, NULL);
}

static const struct cmd_opt wait_opts[] = { { "timeout", 1 }, { NULL, 0 } };

static void
cmd_wait_complete(struct cmd_compl *cc)
{
	if (cc->pos == 0)
		cmd_compl_ids(cc);
	else if (cc->pos == 1)
		cmd_compl_list(cc, "connected|accepted|closed|recv");
}

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.usage = "wait ID connected|accepted|closed|recv [--timeout DUR]",
	.help = "Wait for an event on ID: connected (the connect finished), "
	    "accepted (a new peer on a server since the last wait for it), "
	    "recv (data since the last wait recv), closed.  Fails after "
	    "--timeout (default 10s).",
	.lower = 2,
	.upper = 2,
	.opts = wait_opts,
	.complete = cmd_wait_complete,
	.flags = CMD_ID,
	.exec = cmd_wait_exec,
};

/* sleep */
static int
cmd_sleep_check(struct pending *p)
{
	return cmd_timed_out(p) ? 1 : 0;
}

static enum cmd_status
cmd_sleep_exec(struct cmd_ctx *c)
{
	uint64_t ms;

	if (codec_parse_duration(c->argv[0], &ms) == -1)
		return cmd_usage(c, "bad duration \"%.32s\" (e.g. 250ms, 2s, "
		    "1m)", c->argv[0]);
	if (ms == 0)
		return CMD_OK;
	return cmd_wait(c, ms, cmd_sleep_check, NULL, NULL);
}

const struct cmd_entry cmd_sleep_entry = {
	.name = "sleep",
	.usage = "sleep DUR",
	.help = "Keep servicing sessions for DUR (250ms, 2s, 1.5s, 1m; a bare "
	    "number is seconds).",
	.lower = 1,
	.upper = 1,
	.exec = cmd_sleep_exec,
};

/* echo */
static enum cmd_status
cmd_echo_exec(struct cmd_ctx *c)
{
	struct buf t = BUF_INIT;
	size_t i;

	/* The text as written, but for "\#", the '#' that starts no
	 * comment. */
	for (i = 0; i < c->restlen; i++) {
		if (c->rest[i] == '\\' && i + 1 < c->restlen &&
		    c->rest[i + 1] == '#')
			i++;
		buf_putc(&t, c->rest[i]);
	}
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "result");
		j_str(&j, "command", c->ent->name);
		j_strn(&j, "text", (char *)buf_peek(&t), buf_len(&t));
		j_emit(&j);
	} else {
		struct buf e = BUF_INIT;

		/* A pasted or remote line may hold terminal controls. */
		out_escape_msg((char *)buf_peek(&t), buf_len(&t), &e);
		out_line("%.*s", (int)buf_len(&e), (char *)buf_peek(&e));
		buf_free(&e);
	}
	buf_free(&t);
	return CMD_OK;
}

const struct cmd_entry cmd_echo_entry = {
	.name = "echo",
	.usage = "echo TEXT",
	.help = "Print TEXT, the rest of the line, as it is.",
	.lower = 0,
	.upper = 0,
	.flags = CMD_REST | CMD_REST_OPT,
	.exec = cmd_echo_exec,
};

/* help: one record per command, written for people or as JSON. */

/* The width help's lines fit: the output's, but never so narrow that a
 * usage is a word a line. */
static size_t
cmd_help_width(void)
{
	unsigned w = out_width();

	return w < 40 ? 40 : w;
}

/* For people: the help paragraph in lines of at most 72 columns (fewer on
 * a narrow terminal), indented by four. */
static void
cmd_help_wrap(const char *text)
{
	struct buf line = BUF_INIT;
	const char *p = text;
	size_t width = cmd_help_width() - 4;

	if (width > 72)
		width = 72;
	while (*p != '\0') {
		const char *w = p;
		size_t n;

		while (*p != '\0' && *p != ' ')
			p++;
		n = (size_t)(p - w);
		if (buf_len(&line) > 0 && buf_len(&line) + 1 + n > width) {
			out_line("    %s", buf_cstr(&line));
			buf_reset(&line);
		}
		if (buf_len(&line) > 0)
			buf_putc(&line, ' ');
		buf_append(&line, w, n);
		while (*p == ' ')
			p++;
	}
	if (buf_len(&line) > 0)
		out_line("    %s", buf_cstr(&line));
	buf_free(&line);
}

/* The end of the unit of a usage starting at p: a word, or with split 0 a
 * bracketed group with its words ("[--cert FILE --key FILE]"). */
static const char *
cmd_usage_unit(const char *p, int split)
{
	int depth = 0;

	for (; *p != '\0' && (*p != ' ' || (depth > 0 && !split)); p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
	}
	return p;
}

/*
 * A usage in lines of at most width columns: *col columns are taken on the
 * line already, and a line after the first starts with indent spaces.  It
 * breaks between an option and the next, not inside one unless the option
 * alone is wider than a line.  Usages are ASCII: a byte is a column.
 */
static void
cmd_usage_fill(const char *text, size_t *col, size_t indent, size_t width,
    struct buf *out)
{
	const char *p = text;

	while (*p != '\0') {
		const char *e = cmd_usage_unit(p, 0);
		size_t n = (size_t)(e - p);
		/* Text on the line already (not only its lead or indent). */
		int sp = buf_len(out) > 0 && buf_peek(out)[buf_len(out) - 1] !=
		    ' ';

		if (*col + (size_t)sp + n > width && n > width - indent) {
			/* Too wide for any line: its words, one by one. */
			e = cmd_usage_unit(p, 1);
			n = (size_t)(e - p);
		}
		if (sp && *col + 1 + n > width) {
			buf_printf(out, "\n%*s", (int)indent, "");
			*col = indent;
			sp = 0;
		}
		if (sp)
			buf_putc(out, ' ');
		buf_append(out, p, n);
		*col += (size_t)sp + n;
		for (p = e; *p == ' '; p++)
			;
	}
}

/* One command of the list, for people: its usage and alias, wrapped. */
static void
cmd_help_list_one(const struct cmd_entry *e, size_t width)
{
	struct buf b = BUF_INIT;
	size_t col = 2, alen = e->alias != NULL ? strlen(e->alias) + 3 : 0;

	buf_puts(&b, "  ");
	if (strlen(e->usage) <= 58 && 2 + 58 + alen <= width) {
		/* The aliases in a column. */
		buf_puts(&b, e->usage);
		if (e->alias != NULL)
			buf_printf(&b, "%*s (%s)", (int)(58 - strlen(e->usage)),
			    "", e->alias);
	} else {
		cmd_usage_fill(e->usage, &col, 6, width, &b);
		if (e->alias != NULL) {
			struct buf a = BUF_INIT;

			buf_printf(&a, "(%s)", e->alias);
			cmd_usage_fill(buf_cstr(&a), &col, 6, width, &b);
			buf_free(&a);
		}
	}
	out_line("%s", buf_cstr(&b));
	buf_free(&b);
}

static void
cmd_help_row(size_t i, struct rec *r, void *arg)
{
	const struct cmd_entry *e = cmd_table[i];

	(void)arg;
	rec_str(r, "name", e->name);
	rec_str(r, "usage", e->usage);
	if (e->alias != NULL)
		rec_str(r, "alias", e->alias);
}

/* help: the list, or one command, for people. */
static void
cmd_help_people(const struct cmd_entry *e)
{
	size_t width = cmd_help_width(), col = 7, n;
	struct buf b = BUF_INIT;

	if (e == NULL) {
		for (n = 0; cmd_table[n] != NULL; n++)
			cmd_help_list_one(cmd_table[n], width);
		out_line("Commands accept unique prefixes; \"help CMD\" "
		    "explains one.");
		return;
	}
	cmd_usage_fill(e->usage, &col, 7, width, &b);
	out_line("usage: %s", buf_cstr(&b));
	if (e->alias != NULL)
		out_line("alias: %s", e->alias);
	cmd_help_wrap(e->help);
	buf_free(&b);
}

static enum cmd_status
cmd_help_exec(struct cmd_ctx *c)
{
	const struct cmd_entry *e = NULL;
	struct rec r;
	size_t n;
	char err[256];

	if (c->argc > 0 &&
	    (e = cmd_lookup(c->argv[0], err, sizeof err)) == NULL)
		return cmd_usage(c, "%s", err);
	if (!out_cfg.json) {
		cmd_help_people(e);
		return CMD_OK;
	}
	rec_begin(&r, "result");
	rec_str(&r, "command", c->ent->name);
	if (e == NULL) {
		for (n = 0; cmd_table[n] != NULL; n++)
			;
		out_rows(&r, "commands", n, cmd_help_row, NULL, NULL);
		rec_free(&r);
		return CMD_OK;
	}
	rec_str(&r, "name", e->name);
	if (e->alias != NULL)
		rec_str(&r, "alias", e->alias);
	rec_str(&r, "usage", e->usage);
	rec_str(&r, "help", e->help);
	out_rec(&r, NULL);
	rec_free(&r);
	return CMD_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "help [CMD]",
	.help = "List the commands, or explain one.",
	.lower = 0,
	.upper = 1,
	.complete = cmd_complete_command,
	.exec = cmd_help_exec,
};

/* source */
#define SOURCE_MAX	(4u << 20)

static enum cmd_status
cmd_source_exec(struct cmd_ctx *c)
{
	struct buf data = BUF_INIT;
	char chunk[8192], err[512];
	ssize_t r;
	int fd;

	/* The sourced lines join the terminal's (or the script's) input; a
	 * control client sends its script itself. */
	if (c->cl->sink != out_main())
		return cmd_fail(c, "only the terminal or a script sources a "
		    "file; from ctl, give it on standard input (socktool ctl "
		    "NAME < FILE)");
	/* Read whole before it runs: a FIFO would hold the loop until its
	 * writer came and went, so only files and devices are read (a
	 * terminal answers EAGAIN at once instead of waiting for a line). */
	fd = file_open(c->argv[0], O_RDONLY, 0, FILE_DEVICES, "source reads",
	    err, sizeof err);
	if (fd == -1)
		return cmd_fail(c, "%s", err);
	while ((r = read(fd, chunk, sizeof chunk)) > 0) {
		buf_append(&data, chunk, (size_t)r);
		if (buf_len(&data) > SOURCE_MAX) {
			close(fd);
			buf_free(&data);
			return cmd_fail(c, "%s: larger than %u bytes",
			    c->argv[0], SOURCE_MAX);
		}
	}
	close(fd);
	if (r == -1) {
		buf_free(&data);
		return cmd_fail(c, "%s: %s", c->argv[0], strerror(errno));
	}
	if (term_source(c->argv[0], (char *)buf_peek(&data), buf_len(&data),
	    err, sizeof err) == -1) {
		buf_free(&data);
		return cmd_fail(c, "%s", err);
	}
	buf_free(&data);
	return CMD_OK;
}

const struct cmd_entry cmd_source_entry = {
	.name = "source",
	.usage = "source FILE",
	.help = "Run the commands in FILE, as a script, with the current "
	    "sessions; sources nest.  A failing line is reported as FILE:LINE "
	    "and stops the file (and a script, unless --keep-going).",
	.lower = 1,
	.upper = 1,
	.exec = cmd_source_exec,
};

/* use */
static enum cmd_status
cmd_use_exec(struct cmd_ctx *c)
{
	uint64_t id;

	if (c->argc == 0) {
		if (c->cl->use == 0)
			out_line("no current session");
		else
			out_line("current session: %u", c->cl->use);
		return CMD_OK;
	}
	if (strcmp(c->argv[0], "off") == 0 || strcmp(c->argv[0], "none") == 0) {
		c->cl->use = 0;
		out_info("no current session: commands need their id again");
		cmd_result_ok(c);
		return CMD_OK;
	}
	if (codec_parse_uint(c->argv[0], 1, UINT32_MAX, &id) == -1)
		return cmd_usage(c, "\"%.32s\" is not a session id", c->argv[0]);
	if (sess_find((unsigned)id) == NULL)
		return cmd_usage(c, "no session %s", c->argv[0]);
	c->cl->use = (unsigned)id;
	out_info("[%u] is the current session: commands may leave its id out "
	    "(\"send hi\")", c->cl->use);
	cmd_result_ok(c);
	return CMD_OK;
}

static void
cmd_use_complete(struct cmd_compl *k)
{
	cmd_compl_add(k, "off");
	cmd_complete_session(k);
}

const struct cmd_entry cmd_use_entry = {
	.name = "use",
	.usage = "use [ID|off]",
	.help = "Make a session the current one: a command that takes a "
	    "session id first may then leave it out (\"send hi\" is \"send 2 "
	    "hi\"; \"close\" closes it).  A first word of digits is always an "
	    "id, so text that starts with a number needs the id written.  The "
	    "prompt shows the current session; it is forgotten when the "
	    "session closes.  \"use off\" forgets it; \"use\" says which it "
	    "is.",
	.lower = 0,
	.upper = 1,
	.complete = cmd_use_complete,
	.exec = cmd_use_exec,
};

/* clear */
static enum cmd_status
cmd_clear_exec(struct cmd_ctx *c)
{
	/* Only a terminal has a screen; a file or a pipe keeps its lines. */
	if (!out_cfg.json && c->cl->sink == out_main() && isatty(1))
		out_raw("\033[H\033[2J\033[3J", 11);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_clear_entry = {
	.name = "clear",
	.usage = "clear",
	.help = "Clear the terminal screen and its scrollback (at a terminal; "
	    "elsewhere nothing happens).",
	.lower = 0,
	.upper = 0,
	.exec = cmd_clear_exec,
};

/* attach */
static enum cmd_status
cmd_attach_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	struct buf eol = BUF_INIT;

	if (!c->interactive)
		return cmd_fail(c, "attach needs a terminal; in a script, use "
		    "send");
	if (sess_accepts(s))
		return cmd_usage(c, "session %u is a server; attach to one of "
		    "its peers", s->id);
	c->cl->attached = s->id;
	/* Short: a banner that wraps hides what it says. */
	setting_find("eol")->format(s->set, &eol);
	out_info("[%u] attached (eol %s); Ctrl-] or Ctrl-D to leave", s->id,
	    buf_cstr(&eol));
	buf_free(&eol);
	return CMD_OK;
}

const struct cmd_entry cmd_attach_entry = {
	.name = "attach",
	.usage = "attach ID",
	.help = "Talk to a session like telnet: every line typed is sent as "
	    "it is, followed by the session's eol setting (lf by default).  "
	    "Received data keeps being shown.  Ctrl-] or Ctrl-D on an empty "
	    "line returns to the command prompt (Ctrl-D never quits here), as "
	    "does the session closing; a line half typed then is dropped, "
	    "never run as a command.  Lines typed while attached stay out of "
	    "the history.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_attach_exec,
};

/* A line typed while attached. */
void
cmd_attach_line(struct client *cl, const char *line, size_t len)
{
	struct session *s = sess_find(cl->attached);
	struct buf data = BUF_INIT;
	char err[256];

	if (s == NULL) {
		/* Closed between the last look and this Enter. */
		out_info("[%u] detached: the session closed; line not sent",
		    cl->attached);
		cl->attached = 0;
		return;
	}
	if (!enc_is_utf8(s->set->encoding)) {
		if (enc_from_utf8(s->set->encoding, (const unsigned char *)line,
		    len, &data, err, sizeof err) == -1) {
			out_error("attach", "%s; line not sent", err);
			buf_free(&data);
			return;
		}
	} else
		buf_append(&data, line, len);
	cmd_eol_bytes(s, s->set->eol, &data);
	if (!pipe_can_queue(s))
		out_error("attach", "session %u: output queue full; line not "
		    "sent", s->id);
	else if (pipe_send(s, buf_peek(&data), buf_len(&data), err,
	    sizeof err) == -1)
		out_error("attach", "%s", err);
	buf_free(&data);
}

/* quit */
static enum cmd_status
cmd_quit_exec(struct cmd_ctx *c)
{
	/* From a control client, plain quit ends that client only. */
	c->cl->quit = cmd_has(c, "all") ? 2 : 1;
	cmd_result_ok(c);
	return CMD_OK;
}

static const struct cmd_opt quit_opts[] = {
	{ "all", 0 },
	{ NULL, 0 }
};

const struct cmd_entry cmd_quit_entry = {
	.name = "quit",
	.alias = "exit",
	.usage = "quit [--all]",
	.help = "Leave socktool (queued output is flushed first, briefly).  "
	    "From a control client (socktool ctl) quit ends that client "
	    "only; quit --all ends the instance.",
	.lower = 0,
	.upper = 0,
	.opts = quit_opts,
	.exec = cmd_quit_exec,
};

/* control NAME */
static enum cmd_status
cmd_control_exec(struct cmd_ctx *c)
{
	char err[512];

	if (client_control(c->argv[0], err, sizeof err) == -1)
		return cmd_fail(c, "%s", err);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_control_entry = {
	.name = "control",
	.usage = "control NAME",
	.help = "Listen on the control socket NAME ($XDG_RUNTIME_DIR/"
	    "socktool/NAME, else /tmp/socktool-UID/NAME), so that "
	    "\"socktool ctl NAME ...\" in other shells and scripts runs "
	    "commands here.  NAME is 1 to 64 letters, digits, '.', '_' or "
	    "'-'; a live instance with the same NAME is an error.",
	.lower = 1,
	.upper = 1,
	.exec = cmd_control_exec,
};
