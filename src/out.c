/* SPDX-License-Identifier: GPL-3.0-or-later */
/* out.c — human and JSON rendering of events and results (see out.h). */
#include <sys/ioctl.h>
#include <sys/time.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "codec.h"
#include "enc.h"
#include "out.h"
#include "settings.h"

static struct out_sink	out_main_sink;
/* The sink of the command running (the dynamic scope of client_run), else
 * the process's own: not state kept between commands. */
static struct out_sink	*out_cur = &out_main_sink;
/* The sinks that watch every event (out_watch), and whether one is being
 * written now (a copy is not copied again). */
static struct out_sink	*out_watchers;
static int		 out_copying;

struct out_config *
out_config(void)
{
	return &out_cur->cfg;
}

struct out_sink *
out_main(void)
{
	return &out_main_sink;
}

struct out_sink *
out_use(struct out_sink *to)
{
	struct out_sink *was = out_cur;

	out_cur = to != NULL ? to : &out_main_sink;
	return was;
}

void
out_watch(struct out_sink *s, int on, unsigned id)
{
	struct out_sink **pp;

	for (pp = &out_watchers; *pp != NULL; pp = &(*pp)->watch_next)
		if (*pp == s) {
			*pp = s->watch_next;
			break;
		}
	s->watching = on;
	s->watch_id = id;
	s->watch_next = NULL;
	if (on) {
		s->watch_next = out_watchers;
		out_watchers = s;
	}
}

/* The watchers that want an event of session id (0: of none), one by
 * one: *w is NULL to start; the current sink is left out (it has its
 * copy already). */
static struct out_sink *
out_watcher_next(struct out_sink *w, unsigned id, struct out_sink *skip)
{
	w = w == NULL ? out_watchers : w->watch_next;
	while (w != NULL && (w == skip || (w->watch_id != 0 &&
	    w->watch_id != id)))
		w = w->watch_next;
	return w;
}

void
out_set_where(const char *where)
{
	buf_reset(&out_cur->where);
	if (where != NULL)
		buf_puts(&out_cur->where, where);
}

/* The current "FILE:LINE", or NULL. */
static const char *
out_where(void)
{
	return buf_len(&out_cur->where) > 0 ? buf_cstr(&out_cur->where) :
	    NULL;
}

const char *
out_color(const char *which)
{
	if (!out_cfg.color)
		return "";
	if (strcmp(which, "rx") == 0)
		return "\033[32m";
	if (strcmp(which, "tx") == 0)
		return "\033[36m";
	if (strcmp(which, "err") == 0)
		return "\033[31m";
	if (strcmp(which, "ev") == 0)
		return "\033[33m";
	if (strcmp(which, "dim") == 0)
		return "\033[2m";
	return "\033[0m";
}

/* "12:34:56.789 " in local time, when the session asks for it. */
static void
out_stamp_on(int on)
{
	struct timeval tv;
	struct tm tm;

	if (!on)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	buf_printf(&out_cur->out, "%02d:%02d:%02d.%03ld ", tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}

void
out_raw(const char *s, size_t n)
{
	if (!out_cfg.json)
		buf_append(&out_cur->out, s, n);
}

void
out_line(const char *fmt, ...)
{
	va_list ap;

	if (out_cfg.json)
		return;
	va_start(ap, fmt);
	buf_vprintf(&out_cur->out, fmt, ap);
	va_end(ap);
	buf_putc(&out_cur->out, '\n');
}

void
out_info(const char *fmt, ...)
{
	va_list ap;

	if (out_cfg.json || out_cfg.quiet)
		return;
	va_start(ap, fmt);
	buf_vprintf(&out_cur->out, fmt, ap);
	va_end(ap);
	buf_putc(&out_cur->out, '\n');
}

/*
 * Append msg made terminal-safe, but with its backslashes as they are:
 * codec_escape doubles them (so that peer data reads back exactly), which
 * in a message turns the "\q" it quotes from the user into "\\q".  Only
 * the runs between backslashes go through the escaper; a backslash is
 * printable and harmless on a terminal.
 */
void
out_escape_msg(const char *msg, size_t n, struct buf *out)
{
	const char *bs;

	while (n > 0 && (bs = memchr(msg, '\\', n)) != NULL) {
		codec_escape((const unsigned char *)msg, (size_t)(bs - msg), out,
		    0);
		buf_putc(out, '\\');
		n -= (size_t)(bs - msg) + 1;
		msg = bs + 1;
	}
	codec_escape((const unsigned char *)msg, n, out, 0);
}

void
out_stderr_msg(const char *prefix, const char *msg)
{
	struct buf b = BUF_INIT;

	out_escape_msg(msg, strlen(msg), &b);
	fprintf(stderr, "%s%s\n", prefix, buf_cstr(&b));
	buf_free(&b);
}

static void	out_error_v(const char *, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
out_error_v(const char *cmd, const char *usage, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;

	buf_vprintf(&msg, fmt, ap);
	if (out_cfg.json) {
		struct json j;

		/* JSON strings are exact already: one "message" field. */
		if (usage != NULL)
			buf_printf(&msg, " (usage: %s)", usage);
		j_begin(&j, "error");
		j_strn(&j, "message", (char *)buf_peek(&msg), buf_len(&msg));
		if (cmd != NULL)
			j_str(&j, "command", cmd);
		if (out_where() != NULL)
			j_str(&j, "where", out_where());
		j_emit(&j);
	} else {
		struct buf *e = &out_cur->err;

		buf_printf(e, "%serror: ", out_color("err"));
		if (out_where() != NULL)
			out_escape_msg(out_where(), strlen(out_where()), e);
		if (out_where() != NULL)
			buf_puts(e, ": ");
		if (cmd != NULL)
			buf_printf(e, "%s: ", cmd);
		out_escape_msg((char *)buf_peek(&msg), buf_len(&msg), e);
		buf_printf(e, "%s\n", out_color("off"));
		if (usage != NULL)
			buf_printf(e, "usage: %s\n", usage);
	}
	buf_free(&msg);
	/* Errors go out at once, after what was printed before them. */
	if (out_cur->flush != NULL)
		out_cur->flush();
}

void
out_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_error_v(cmd, NULL, fmt, ap);
	va_end(ap);
}

void
out_error_bg(const char *what, const char *fmt, ...)
{
	struct out_sink *was = out_use(NULL);
	struct buf where = out_cur->where;
	va_list ap;

	buf_init(&out_cur->where);
	va_start(ap, fmt);
	out_error_v(what, NULL, fmt, ap);
	va_end(ap);
	buf_free(&out_cur->where);
	out_cur->where = where;
	out_use(was);
}

void
out_error_usage(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_error_v(cmd, usage, fmt, ap);
	va_end(ap);
}

void
j_emit(struct json *j)
{
	buf_puts(&j->b, "}\n");
	buf_append(&out_cur->out, buf_peek(&j->b), buf_len(&j->b));
	buf_free(&j->b);
}


/* Records. */
static void	out_rec_line(const struct rec *, const char *, int);

/* Spaces a padded field still owes, before what follows it. */
static void
out_pad(size_t *pad, struct buf *out)
{
	for (; *pad > 0; (*pad)--)
		buf_putc(out, ' ');
}

/* A copy past the arena: one allocation each, so that no copy ever
 * moves while the record lives (fields point at them). */
struct rec_spill {
	struct rec_spill	*next;
	char			 s[];
};

void
rec_begin(struct rec *r, const char *event)
{
	memset(r, 0, sizeof *r);
	r->event = event;
}

void
rec_free(struct rec *r)
{
	struct rec_spill *sp, *next;

	for (sp = r->spill; sp != NULL; sp = next) {
		next = sp->next;
		free(sp);
	}
	free(r->more);
	r->spill = NULL;
	r->more = NULL;
	r->more_cap = 0;
	r->n = 0;
	r->used = 0;
}

/* Field i, wherever it is kept. */
static struct rec_field *
rec_slot(struct rec *r, size_t i)
{
	return i < REC_INLINE ? &r->f[i] : &r->more[i - REC_INLINE];
}

static const struct rec_field *
rec_at(const struct rec *r, size_t i)
{
	return i < REC_INLINE ? &r->f[i] : &r->more[i - REC_INLINE];
}

static struct rec_field *
rec_add(struct rec *r, const char *key, enum rec_type t)
{
	struct rec_field *f;

	if (r->n >= REC_INLINE && r->n - REC_INLINE == r->more_cap) {
		r->more_cap = r->more_cap == 0 ? REC_INLINE : r->more_cap * 2;
		r->more = xrealloc(r->more, r->more_cap * sizeof *r->more);
	}
	f = rec_slot(r, r->n++);
	memset(f, 0, sizeof *f);
	f->key = key;
	f->type = t;
	return f;
}

const char *
rec_copy(struct rec *r, const char *v)
{
	size_t n = strlen(v) + 1;
	struct rec_spill *sp;
	char *p;

	if (n <= REC_ARENA - r->used) {
		p = r->arena + r->used;
		r->used += n;
	} else {
		sp = xmalloc(sizeof *sp + n);
		sp->next = r->spill;
		r->spill = sp;
		p = sp->s;
	}
	memcpy(p, v, n);
	return p;
}

void
rec_str(struct rec *r, const char *key, const char *v)
{
	rec_add(r, key, REC_STR)->s = v;
}

void
rec_strcpy(struct rec *r, const char *key, const char *v)
{
	rec_str(r, key, v != NULL ? rec_copy(r, v) : NULL);
}

void
rec_strescaped(struct rec *r, const char *key, const char *v)
{
	rec_strcpy(r, key, v);
	rec_slot(r, r->n - 1)->escaped = 1;
}

void
rec_obj(struct rec *r, const char *key)
{
	rec_add(r, key, REC_OBJ);
}

void
rec_end(struct rec *r)
{
	rec_add(r, NULL, REC_END);
}

void
rec_label(struct rec *r, const char *label, const char *unit)
{
	struct rec_field *f;

	if (r->n == 0)
		return;
	f = rec_slot(r, r->n - 1);
	f->label = label;
	f->unit = unit;
}

void
rec_u64(struct rec *r, const char *key, uint64_t v)
{
	rec_add(r, key, REC_U64)->u = v;
}

void
rec_bool(struct rec *r, const char *key, int v)
{
	rec_add(r, key, REC_BOOL)->u = v != 0;
}

static const struct rec_field *
rec_get(const struct rec *r, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rec_field *f = rec_at(r, i);

		if (f->key != NULL && strlen(f->key) == klen &&
		    strncmp(f->key, key, klen) == 0)
			return f;
	}
	return NULL;
}

static void
rec_json_fields(const struct rec *r, struct json *jp)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rec_field *f = rec_at(r, i);
		struct json j = *jp;

		switch (f->type) {
		case REC_STR:
			j_str(&j, f->key, f->s);
			break;
		case REC_U64:
			j_u64(&j, f->key, f->u);
			break;
		case REC_BOOL:
			j_bool(&j, f->key, (int)f->u);
			break;
		case REC_OBJ:
			j_obj(&j, f->key);
			break;
		case REC_END:
			j_close_obj(&j);
			break;
		}
		*jp = j;
	}
}

static void
rec_json(const struct rec *r)
{
	struct json j;

	j_begin(&j, r->event);
	rec_json_fields(r, &j);
	j_emit(&j);
}

static void
rec_value(const struct rec_field *f, struct buf *out)
{
	if (f->type == REC_U64)
		buf_printf(out, "%llu", (unsigned long long)f->u);
	else if (f->type == REC_BOOL)
		buf_puts(out, f->u ? "on" : "off");
	else if (f->s == NULL || f->s[0] == '\0')
		buf_putc(out, '-');
	else if (f->escaped)
		out_escape_msg(f->s, strlen(f->s), out);
	else
		codec_escape((const unsigned char *)f->s, strlen(f->s), out, 0);
}

/* The value with its unit, as people read it: "4 messages", "1 message". */
static void
rec_value_unit(const struct rec_field *f, struct buf *out)
{
	const char *bar;

	rec_value(f, out);
	if (f->unit == NULL)
		return;
	bar = strchr(f->unit, '|');
	if (bar == NULL)
		buf_printf(out, " %s", f->unit);
	else if (f->type == REC_U64 && f->u == 1)
		buf_printf(out, " %.*s", (int)(bar - f->unit), f->unit);
	else
		buf_printf(out, " %s", bar + 1);
}

/* A value that starts at column col: wrapped to the width, its later
 * lines indented to col. */
static void
out_kv_value(struct buf *v, size_t col)
{
	struct buf lines = BUF_INIT;
	size_t width = out_width(), room = width > col + 20 ? width - col : 20;
	const char *p, *nl;

	out_wrap((const char *)buf_peek(v), buf_len(v), room, &lines);
	p = buf_cstr(&lines);
	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		if (p != buf_cstr(&lines))
			buf_printf(&out_cur->out, "%*s", (int)col, "");
		buf_append(&out_cur->out, p, (size_t)(nl - p + 1));
	}
	buf_free(&lines);
}

void
out_kv(const struct rec *r, const char *title, const char *prefix)
{
	struct buf line = BUF_INIT;
	struct rec t;
	size_t i, start, col = 0;
	int open = 0;

	if (out_cfg.json) {
		rec_json(r);
		return;
	}
	/* The title and the prefix are templates over the same fields. */
	t = *r;
	t.stamp = 0;
	t.color = NULL;
	t.info = 0;
	if (title != NULL)
		out_rec(&t, title);
	for (i = 0; i < r->n; i++) {
		const struct rec_field *f = rec_at(r, i);
		const char *label = f->label;

		/* An object without a label: its own fields are the lines. */
		if (f->type == REC_END || label == NULL)
			continue;
		if (label[0] == '\0' && open) {
			/* An empty label continues the line above. */
			buf_puts(&line, ", ");
			rec_value_unit(f, &line);
			continue;
		}
		if (open)
			out_kv_value(&line, col);
		open = 0;
		buf_reset(&line);
		if (f->type == REC_OBJ) {
			for (i++; i < r->n && rec_at(r, i)->type != REC_END;
			    i++) {
				if (buf_len(&line) > 0)
					buf_puts(&line, ", ");
				buf_printf(&line, "%s ", rec_at(r, i)->key);
				rec_value(rec_at(r, i), &line);
			}
			if (buf_len(&line) == 0)
				buf_putc(&line, '-');
		} else
			rec_value_unit(f, &line);
		start = buf_len(&out_cur->out);
		if (prefix != NULL)
			out_rec_line(&t, prefix, 0);
		else
			buf_puts(&out_cur->out, "  ");
		buf_printf(&out_cur->out, "%-10s ", label);
		col = codec_cols((const char *)buf_peek(&out_cur->out) + start,
		    buf_len(&out_cur->out) - start);
		open = 1;
	}
	if (open)
		out_kv_value(&line, col);
	buf_free(&line);
}

size_t
out_width(void)
{
	struct winsize ws;
	const char *env;
	long n = 0;

	if (out_cur != &out_main_sink)
		return OUT_WIDTH_DEFAULT;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		n = ws.ws_col;
	if (n <= 0 && (env = getenv("COLUMNS")) != NULL)
		n = strtol(env, NULL, 10);
	if (n <= 0)
		return OUT_WIDTH_DEFAULT;
	return n < OUT_WIDTH_MIN ? OUT_WIDTH_MIN : n > OUT_WIDTH_MAX ?
	    OUT_WIDTH_MAX : (size_t)n;
}

/* Where the line that starts at s (n bytes left) breaks to fit width
 * columns: *len bytes on the line, *next the offset the next line starts
 * at. */
static void
out_wrap_at(const char *s, size_t n, size_t width, size_t *len, size_t *next)
{
	size_t fit = codec_cols_head(s, n, width), i;

	if (fit == 0)		/* a character wider than the line */
		fit = n > 0 ? 1 : 0;
	while (fit < n && fit > 1 && ((unsigned char)s[fit] & 0xc0) == 0x80)
		fit--;
	/* A blank just past the end breaks as well as one within; a list
	 * breaks between its items unless that leaves half the line empty. */
	for (i = fit < n ? fit : fit - 1; i > 1 && i >= fit / 2; i--)
		if (s[i] == ' ' && s[i - 1] == ',') {
			*len = i;
			*next = i + 1;
			return;
		}
	for (i = fit < n ? fit : fit - 1; i > 0; i--)
		if (s[i] == ' ') {
			*len = i;
			*next = i + 1;
			return;
		}
	for (i = fit; i > 1; i--)
		if (s[i - 1] == ',' || s[i - 1] == ':') {
			*len = *next = i;
			return;
		}
	*len = *next = fit;
}

void
out_wrap(const char *s, size_t n, size_t width, struct buf *out)
{
	size_t len, next;

	if (width == 0)
		width = 1;
	while (n > 0 && codec_cols(s, n) > width) {
		out_wrap_at(s, n, width, &len, &next);
		buf_append(out, s, len);
		buf_putc(out, '\n');
		s += next;
		n -= next;
		while (n > 0 && *s == ' ') {
			s++;
			n--;
		}
	}
	buf_append(out, s, n);
	buf_putc(out, '\n');
}

/* A column as a table lays it out. */
struct out_tcol {
	size_t	 w;		/* its width now */
	size_t	 nat;		/* its widest cell, title included */
	size_t	 floor;		/* narrowest before columns are dropped */
	size_t	 title;
	int	 shown;
	int	 any;		/* some row has a value */
};

/* Cell k of row (the title when row is NULL), unfitted. */
static void
out_cell(const struct rec *row, const struct out_col *c, int first,
    struct buf *cell)
{
	const struct rec_field *f;

	buf_reset(cell);
	if (row == NULL) {
		buf_puts(cell, c->title);
		return;
	}
	if (first)
		buf_printf(cell, "%*s", (int)row->indent, "");
	f = rec_get(row, c->key, strlen(c->key));
	if (f != NULL)
		rec_value(f, cell);
	else
		buf_putc(cell, '-');
}

/* The longest piece of a cell out_wrap keeps whole when it can (it
 * breaks after ':' only when it must). */
static size_t
out_cell_token(const char *s, size_t n)
{
	size_t best = 0, i, start = 0;

	for (i = 0; i <= n; i++)
		if (i == n || s[i] == ' ' || (i > 0 && s[i - 1] == ',')) {
			size_t w = codec_cols(s + start, i - start);

			if (w > best)
				best = w;
			start = i < n && s[i] == ' ' ? i + 1 : i;
		}
	return best;
}

static size_t
out_table_total(const struct out_tcol *t, size_t ncols)
{
	size_t k, sum = 0, shown = 0;

	for (k = 0; k < ncols; k++)
		if (t[k].shown) {
			sum += t[k].w;
			shown++;
		}
	return sum + (shown > 0 ? 2 * (shown - 1) : 0);
}

/* Narrow the columns that give way, those of the highest `give` first and
 * of those the widest, down to their floor (or their title when hard),
 * until the table is width wide. */
static void
out_table_shrink(const struct out_col *cols, struct out_tcol *t,
    size_t ncols, size_t width, int hard)
{
	size_t k, best;

	while (out_table_total(t, ncols) > width) {
		best = ncols;
		for (k = 0; k < ncols; k++) {
			size_t lo = hard ? t[k].title : t[k].floor;

			if (!t[k].shown || cols[k].fit == OUT_FIT_NONE ||
			    t[k].w <= lo || t[k].w <= 2)
				continue;
			if (best == ncols || cols[k].give > cols[best].give ||
			    (cols[k].give == cols[best].give &&
			    t[k].w >= t[best].w))
				best = k;
		}
		if (best == ncols)
			return;
		t[best].w--;
	}
}

/* Widths for the table: see out.h. */
static void
out_table_fit(const struct out_col *cols, struct out_tcol *t, size_t ncols,
    size_t width)
{
	size_t k, at_floor;

	for (k = 0; k < ncols; k++) {
		t[k].shown = !cols[k].opt || t[k].any;
		t[k].w = t[k].nat;
	}
	for (;;) {
		size_t drop = ncols;

		at_floor = 0;
		for (k = 0; k < ncols; k++)
			if (t[k].shown)
				at_floor += (cols[k].fit != OUT_FIT_NONE &&
				    t[k].floor < t[k].nat ? t[k].floor :
				    t[k].nat) + 2;
		if (at_floor <= width + 2)
			break;
		for (k = 0; k < ncols; k++)
			if (t[k].shown && cols[k].drop > 0 && (drop == ncols ||
			    cols[k].drop > cols[drop].drop))
				drop = k;
		if (drop == ncols)
			break;
		t[drop].shown = 0;
	}
	out_table_shrink(cols, t, ncols, width, 0);
	out_table_shrink(cols, t, ncols, width, 1);
}

/* The cell fitted to w columns: its lines, each ending in '\n'. */
static void
out_cell_fit(const struct out_col *c, size_t w, struct buf *cell,
    struct buf *lines)
{
	const char *s = (const char *)buf_peek(cell);
	size_t n = buf_len(cell), head, tail;

	buf_reset(lines);
	if (codec_cols(s, n) <= w || c->fit == OUT_FIT_NONE || w < 2) {
		buf_append(lines, s, n);
		buf_putc(lines, '\n');
		return;
	}
	if (c->fit == OUT_FIT_WRAP) {
		out_wrap(s, n, w, lines);
		return;
	}
	if (c->fit == OUT_FIT_END) {
		head = codec_cols_head(s, n, w - 1);
		buf_append(lines, s, head);
		buf_puts(lines, OUT_ELLIPSIS "\n");
		return;
	}
	/* A third before the ellipsis, the rest after it: an address's
	 * port, a path's file name. */
	head = codec_cols_head(s, n, (w - 1) / 3);
	tail = codec_cols_tail(s, n, w - 1 - codec_cols(s, head));
	buf_append(lines, s, head);
	buf_puts(lines, OUT_ELLIPSIS);
	buf_append(lines, s + tail, n - tail);
	buf_putc(lines, '\n');
}

/* Line j of a cell's lines (empty past the last), and its length. */
static const char *
out_cell_line(const struct buf *lines, size_t j, size_t *len)
{
	const char *p = (const char *)buf_peek(lines);
	const char *end = p + buf_len(lines), *nl;

	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			*len = 0;
			return p;
		}
		if (j-- == 0) {
			*len = (size_t)(nl - p);
			return p;
		}
		p = nl + 1;
	}
}

/* End a physical line of the table: no trailing blanks, cut at width. */
static void
out_table_emit(struct buf *line, size_t width)
{
	const char *s = (const char *)buf_peek(line);
	size_t n = buf_len(line);

	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (codec_cols(s, n) > width) {
		n = codec_cols_head(s, n, width - 1);
		buf_append(&out_cur->out, s, n);
		buf_puts(&out_cur->out, OUT_ELLIPSIS);
	} else
		buf_append(&out_cur->out, s, n);
	buf_putc(&out_cur->out, '\n');
}

/* One row (NULL: the titles) as one or more lines. */
static void
out_table_row(const struct rec *row, const struct out_col *cols,
    const struct out_tcol *t, size_t ncols, size_t width)
{
	struct buf cell = BUF_INIT, *fit, line = BUF_INIT;
	size_t k, j, height = 1, len, pad, last = 0;
	const char *p;

	fit = xcalloc(ncols, sizeof *fit);
	for (k = 0; k < ncols; k++) {
		if (!t[k].shown)
			continue;
		last = k;
		out_cell(row, &cols[k], k == 0, &cell);
		out_cell_fit(&cols[k], t[k].w, &cell, &fit[k]);
		for (j = 0, len = 0; len < buf_len(&fit[k]); len++)
			j += ((const char *)buf_peek(&fit[k]))[len] == '\n';
		if (j > height)
			height = j;
	}
	for (j = 0; j < height; j++) {
		int first = 1;

		buf_reset(&line);
		for (k = 0; k < ncols; k++) {
			if (!t[k].shown)
				continue;
			p = out_cell_line(&fit[k], j, &len);
			pad = t[k].w - (codec_cols(p, len) < t[k].w ?
			    codec_cols(p, len) : t[k].w);
			if (!first)
				buf_puts(&line, "  ");
			first = 0;
			if (cols[k].right)
				buf_printf(&line, "%*s", (int)pad, "");
			buf_append(&line, p, len);
			if (!cols[k].right && k != last)
				buf_printf(&line, "%*s", (int)pad, "");
		}
		out_table_emit(&line, width);
	}
	for (k = 0; k < ncols; k++)
		buf_free(&fit[k]);
	free(fit);
	buf_free(&line);
	buf_free(&cell);
}

/* Measure every column over every row. */
static void
out_table_measure(const struct out_col *cols, struct out_tcol *t,
    size_t ncols, size_t nrows, void (*fill)(size_t, struct rec *, void *),
    void *arg)
{
	struct rec *row = xmalloc(sizeof *row);
	struct buf cell = BUF_INIT;
	size_t i, k, w;

	for (k = 0; k < ncols; k++) {
		t[k].title = t[k].nat = strlen(cols[k].title);
		t[k].floor = cols[k].fit == OUT_FIT_WRAP ? t[k].title :
		    cols[k].min > t[k].title ? cols[k].min : t[k].title;
	}
	for (i = 0; i < nrows; i++) {
		rec_begin(row, NULL);
		fill(i, row, arg);
		for (k = 0; k < ncols; k++) {
			const char *s;

			out_cell(row, &cols[k], k == 0, &cell);
			s = (const char *)buf_peek(&cell);
			w = codec_cols(s, buf_len(&cell));
			if (w > t[k].nat)
				t[k].nat = w;
			if (cols[k].fit == OUT_FIT_WRAP &&
			    (w = out_cell_token(s, buf_len(&cell))) > t[k].floor)
				t[k].floor = w;
			s = buf_cstr(&cell) + strspn(buf_cstr(&cell), " ");
			if (*s != '\0' && strcmp(s, "-") != 0 &&
			    strcmp(s, "0") != 0)
				t[k].any = 1;
		}
		rec_free(row);
	}
	buf_free(&cell);
	free(row);
}

void
out_table(const struct rec *head, const char *array,
    const struct out_col *cols, size_t nrows,
    void (*fill)(size_t, struct rec *, void *), void *arg, const char *empty)
{
	struct rec *row;
	struct out_tcol *t;
	size_t i, ncols, width = out_width();

	if (out_cfg.json) {
		struct json j;

		row = xmalloc(sizeof *row);
		j_begin(&j, head->event);
		rec_json_fields(head, &j);
		j_arr(&j, array);
		for (i = 0; i < nrows; i++) {
			rec_begin(row, NULL);
			fill(i, row, arg);
			j_obj(&j, NULL);
			rec_json_fields(row, &j);
			j_close_obj(&j);
			rec_free(row);
		}
		j_close_arr(&j);
		j_emit(&j);
		free(row);
		return;
	}
	if (nrows == 0) {
		if (empty != NULL && !out_cfg.quiet)
			buf_printf(&out_cur->out, "%s\n", empty);
		return;
	}
	for (ncols = 0; cols[ncols].key != NULL; ncols++)
		;
	t = xcalloc(ncols, sizeof *t);
	out_table_measure(cols, t, ncols, nrows, fill, arg);
	out_table_fit(cols, t, ncols, width);
	out_table_row(NULL, cols, t, ncols, width);
	row = xmalloc(sizeof *row);
	for (i = 0; i < nrows; i++) {
		rec_begin(row, NULL);
		fill(i, row, arg);
		out_table_row(row, cols, t, ncols, width);
		rec_free(row);
	}
	free(row);
	free(t);
}

static int
rec_truthy(const struct rec_field *f)
{
	if (f == NULL)
		return 0;
	if (f->type == REC_STR)
		return f->s != NULL && f->s[0] != '\0';
	return f->u != 0;
}

/* An event record, copied to the watchers (results and errors of
 * commands are the asking client's only). */
static void
out_rec_copy(const struct rec *r)
{
	const struct rec_field *f;
	struct out_sink *w = NULL, *was = out_cur;
	unsigned id;

	if (out_watchers == NULL || out_copying || r->event == NULL ||
	    strcmp(r->event, "result") == 0)
		return;
	f = rec_get(r, "id", 2);
	id = f != NULL && f->type == REC_U64 ? (unsigned)f->u : 0;
	if (id == 0 && strcmp(r->event, "error") == 0)
		return;
	out_copying = 1;
	while ((w = out_watcher_next(w, id, was)) != NULL) {
		out_cur = w;
		rec_json(r);
	}
	out_cur = was;
	out_copying = 0;
}

void
out_rec(const struct rec *r, const char *human)
{
	out_rec_copy(r);
	if (out_cfg.json) {
		rec_json(r);
		return;
	}
	if (human == NULL || (r->info && out_cfg.quiet))
		return;
	out_rec_line(r, human, 1);
}

/* The template with the record's values, appended to out. */
static void
rec_expand(const struct rec *r, const char *human, struct buf *out)
{
	const char *p, *q;
	size_t pad = 0;		/* owed by {key:N}, paid if more follows */

	for (p = human; *p != '\0'; p++) {
		if (*p != '{' || (q = strchr(p, '}')) == NULL) {
			out_pad(&pad, out);
			buf_putc(out, *p);
			continue;
		}
		if (p[1] == '?') {
			const char *colon = memchr(p + 2, ':', (size_t)(q - p - 2));

			if (colon != NULL && rec_truthy(rec_get(r, p + 2,
			    (size_t)(colon - p - 2))) && q > colon + 1) {
				out_pad(&pad, out);
				buf_append(out, colon + 1,
				    (size_t)(q - colon - 1));
			}
		} else {
			/* {key} or {key:WIDTH}: padded to WIDTH columns, the
			 * padding written only if something follows. */
			static struct buf v;
			const char *colon = memchr(p + 1, ':', (size_t)(q - p - 1));
			const struct rec_field *f = rec_get(r, p + 1,
			    (size_t)((colon ? colon : q) - p - 1));
			size_t width = colon ? strtoul(colon + 1, NULL, 10) : 0;

			buf_reset(&v);
			if (f != NULL)
				rec_value(f, &v);
			if (buf_len(&v) > 0) {
				out_pad(&pad, out);
				buf_append(out, buf_peek(&v), buf_len(&v));
				pad = buf_len(&v) < width ? width - buf_len(&v) :
				    0;
			}
		}
		p = q;
	}
}

void
rec_render(const struct rec *r, const char *human, struct buf *out)
{
	rec_expand(r, human, out);
}

/* Expand the template into the output (and end the line when nl). */
static void
out_rec_line(const struct rec *r, const char *human, int nl)
{
	out_stamp_on(r->stamp);
	if (r->color != NULL)
		buf_puts(&out_cur->out, out_color(r->color));
	rec_expand(r, human, &out_cur->out);
	if (r->color != NULL)
		buf_puts(&out_cur->out, out_color("off"));
	if (nl)
		buf_putc(&out_cur->out, '\n');
}

void
out_rows(const struct rec *head, const char *array, size_t nrows,
    void (*fill)(size_t, struct rec *, void *), void *arg, const char *human)
{
	struct rec *row;
	size_t i;

	if (out_cfg.json) {
		out_table(head, array, NULL, nrows, fill, arg, NULL);
		return;
	}
	row = xmalloc(sizeof *row);
	for (i = 0; i < nrows; i++) {
		rec_begin(row, NULL);
		fill(i, row, arg);
		out_rec_line(row, human, 1);
		rec_free(row);
	}
	free(row);
}

void
out_data(const struct out_data *d)
{
	size_t shown = d->n;
	struct buf conv = BUF_INIT;
	const unsigned char *tp = d->p;
	size_t tn;
	int utf8 = enc_is_utf8(d->encoding);

	if (out_watchers != NULL && !out_copying) {
		struct out_sink *w = NULL, *was = out_cur;

		out_copying = 1;
		while ((w = out_watcher_next(w, d->id, was)) != NULL) {
			out_cur = w;
			out_data(d);
		}
		out_cur = was;
		out_copying = 0;
	}
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, d->dir == '<' ? "recv" : "sent");
		j_u64(&j, "id", d->id);
		j_u64(&j, "bytes", d->n);
		j_key(&j, "hex");
		buf_putc(&j.b, '"');
		codec_hex(d->p, d->n, &j.b);
		buf_putc(&j.b, '"');
		/* The text of exactly the event's bytes, whatever people are
		 * shown (max-display, a character carried to the next read). */
		if (!utf8) {
			enc_to_utf8(d->encoding, d->p, d->n, &conv);
			j_strn(&j, "text", (const char *)buf_peek(&conv),
			    buf_len(&conv));
			buf_free(&conv);
		} else
			j_strn(&j, "text", (const char *)d->p, d->n);
		if (d->peer != NULL)
			j_str(&j, d->dir == '<' ? "from" : "to", d->peer);
		if (d->peer != NULL && d->dir == '<')
			j_bool(&j, "truncated", d->truncated);
		if (d->truncated)
			j_u64(&j, "size", d->wire_size);
		if (d->label != NULL)
			j_str(&j, "direction", d->label);
		if (d->pair != 0)
			j_u64(&j, "pair", d->pair);
		if (d->stream != NULL)
			j_str(&j, "stream", d->stream);
		if (d->msg_type != NULL)
			j_str(&j, "ws", d->msg_type);
		if (d->frames != 0)
			j_u64(&j, "frames", d->frames);
		if (d->check != NULL) {
			j_str(&j, "check", d->check_ok == 1 ? "ok" : "bad");
			j_str(&j, "check_type", d->check);
			if (d->check_ok == 0) {
				j_str(&j, "got", d->got);
				j_str(&j, "want", d->want);
			} else if (d->check_ok < 0)
				j_str(&j, "why", "shorter than the checksum");
		}
		j_emit(&j);
		return;
	}
	out_stamp_on(d->stamp);
	buf_printf(&out_cur->out, "%s[%u] %c %s%s%zu byte%s", out_color(d->dir
	    == '<' ? "rx" : "tx"), d->id, d->dir, d->msg_type != NULL ?
	    d->msg_type : "", d->msg_type != NULL ? " " : "", d->n,
	    d->n == 1 ? "" : "s");
	if (d->frames > 1)
		buf_printf(&out_cur->out, " (%u frames)", d->frames);
	if (d->peer != NULL)
		buf_printf(&out_cur->out, " %s %s", d->dir == '<' ? "from" : "to",
		    d->peer);
	if (d->label != NULL)
		buf_printf(&out_cur->out, " (%s)", d->label);
	if (d->stream != NULL)
		buf_printf(&out_cur->out, " (%s)", d->stream);
	if (d->truncated)
		buf_printf(&out_cur->out, " (truncated: the datagram had %zu "
		    "bytes)", d->wire_size);
	if (d->check != NULL && d->check_ok == 1)
		buf_printf(&out_cur->out, " (%s ok)", d->check);
	else if (d->check != NULL && d->check_ok == 0)
		buf_printf(&out_cur->out, " %s(bad %s: got %s, want %s)%s",
		    out_color("err"), d->check, d->got, d->want,
		    out_color(d->dir == '<' ? "rx" : "tx"));
	else if (d->check != NULL)
		buf_printf(&out_cur->out, " (bad %s: shorter than the checksum)",
		    d->check);
	buf_printf(&out_cur->out, "%s\n", out_color("off"));
	if (d->max_display != 0 && shown > d->max_display)
		shown = (size_t)d->max_display;
	if (d->n == 0)
		return;
	if (d->display == DISP_HEX || d->display == DISP_BOTH)
		codec_hexdump(d->p, shown, 0, &out_cur->out);
	if (d->display == DISP_TEXT || d->display == DISP_BOTH) {
		tn = shown;
		if (d->text != NULL) {
			tp = d->text;
			tn = d->text_n;
		} else if (!utf8) {
			enc_to_utf8(d->encoding, d->p, shown, &conv);
			tp = buf_peek(&conv);
			tn = buf_len(&conv);
		}
		/* A message that only began a character shows no text yet. */
		if (tn > 0 || d->text == NULL) {
			codec_escape(tp, tn, &out_cur->out, CODEC_BREAK_LF);
			buf_putc(&out_cur->out, '\n');
		}
		buf_free(&conv);
	}
	if (shown < d->n)
		buf_printf(&out_cur->out, "%s... %zu more byte%s not shown "
		    "(max-display %zu)%s\n", out_color("dim"), d->n - shown,
		    d->n - shown == 1 ? "" : "s", shown, out_color("off"));
}

void
out_data_leftover(unsigned id, int dir, const unsigned char *p, size_t n,
    int stamp)
{
	if (out_cfg.json || n == 0)
		return;
	out_stamp_on(stamp);
	buf_printf(&out_cur->out, "%s[%u] %c incomplete character: ",
	    out_color(dir == '<' ? "rx" : "tx"), id, dir);
	codec_escape(p, n, &out_cur->out, 0);
	buf_printf(&out_cur->out, "%s\n", out_color("off"));
}

size_t
out_fit(const char *s, size_t n, size_t cols, size_t *used)
{
	/* One width table for everything people see (codec.c). */
	size_t k = cols >= n * 2 ? n : codec_cols_head(s, n, cols);

	if (used != NULL)
		*used = codec_cols(s, k);
	return k;
}

/* A line of out_rec_pieces: its text and the columns it takes. */
struct out_pline {
	struct buf	 text;
	size_t		 cols;
};

/* End the line (with the mark of the separator that would have followed)
 * and write it as a line of the record. */
static void
out_pline_emit(const struct rec *r, struct out_pline *l)
{
	out_stamp_on(r->stamp);
	if (r->color != NULL)
		buf_puts(&out_cur->out, out_color(r->color));
	buf_append(&out_cur->out, buf_peek(&l->text), buf_len(&l->text));
	if (r->color != NULL)
		buf_puts(&out_cur->out, out_color("off"));
	buf_putc(&out_cur->out, '\n');
	buf_reset(&l->text);
	l->cols = 0;
}

/* Append s (n bytes) to the line; cut with "..." to what room is left. */
static void
out_pline_add(struct out_pline *l, const char *s, size_t n, size_t width)
{
	size_t used, k = out_fit(s, n, width > l->cols ? width - l->cols : 0,
	    &used);

	if (k < n) {
		size_t room = width > l->cols + 3 ? width - l->cols - 3 : 0;

		k = out_fit(s, n, room, &used);
		buf_append(&l->text, s, k);
		buf_puts(&l->text, "...");
		l->cols += used + 3;
		return;
	}
	buf_append(&l->text, s, k);
	l->cols += used;
}

void
out_rec_pieces(const struct rec *r, const struct out_piece *pc, size_t n,
    const char *prefix)
{
	struct out_pline l = { BUF_INIT, 0 };
	struct buf piece = BUF_INIT, pre = BUF_INIT;
	size_t width = out_width(), i, pcols;

	out_rec_copy(r);	/* an event: --events watchers get it too */
	if (out_cfg.json) {
		rec_json(r);
		return;
	}
	if (r->info && out_cfg.quiet)
		return;
	if (r->stamp)
		width = width > 13 + 20 ? width - 13 : 20;	/* "12:34:56.789 " */
	if (prefix != NULL)
		rec_expand(r, prefix, &pre);
	out_fit((char *)buf_peek(&pre), buf_len(&pre), (size_t)-1, &pcols);
	for (i = 0; i < n; i++) {
		const char *sep = pc[i].sep != NULL ? pc[i].sep : "";
		size_t cols, slen = strlen(sep);

		buf_reset(&piece);
		rec_expand(r, pc[i].tpl, &piece);
		out_fit((char *)buf_peek(&piece), buf_len(&piece), (size_t)-1,
		    &cols);
		if (i > 0 && (pc[i].nl || l.cols + slen + cols > width)) {
			/* The separator's mark ends the line it leaves. */
			while (slen > 0 && sep[slen - 1] == ' ')
				slen--;
			if (!pc[i].nl && l.cols + slen <= width)
				buf_append(&l.text, sep, slen);
			out_pline_emit(r, &l);
			buf_append(&l.text, buf_peek(&pre), buf_len(&pre));
			l.cols = pcols;
		} else
			out_pline_add(&l, sep, slen, width);
		out_pline_add(&l, (char *)buf_peek(&piece), buf_len(&piece),
		    width);
	}
	if (buf_len(&l.text) > 0 || n == 0)
		out_pline_emit(r, &l);
	buf_free(&l.text);
	buf_free(&piece);
	buf_free(&pre);
}
