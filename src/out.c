/* SPDX-License-Identifier: GPL-3.0-or-later */
/* out.c — human and JSON rendering of events and results (see out.h). */
#include <sys/time.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
out_pad(size_t *pad)
{
	for (; *pad > 0; (*pad)--)
		buf_putc(&out_cur->out, ' ');
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

void
out_kv(const struct rec *r, const char *title, const char *prefix)
{
	struct buf line = BUF_INIT;
	struct rec t;
	size_t i;
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
		if (label != NULL && label[0] == '\0' && open) {
			/* An empty label continues the line above. */
			buf_puts(&out_cur->out, ", ");
			buf_reset(&line);
			rec_value_unit(f, &line);
			buf_append(&out_cur->out, buf_peek(&line),
			    buf_len(&line));
			continue;
		}
		if (open)
			buf_putc(&out_cur->out, '\n');
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
		if (label == NULL)
			continue;
		if (prefix != NULL)
			out_rec_line(&t, prefix, 0);
		else
			buf_puts(&out_cur->out, "  ");
		buf_printf(&out_cur->out, "%-10s ", label);
		buf_append(&out_cur->out, buf_peek(&line), buf_len(&line));
		open = 1;
	}
	if (open)
		buf_putc(&out_cur->out, '\n');
	buf_free(&line);
}

void
out_table(const struct rec *head, const char *array,
    const struct out_col *cols, size_t nrows,
    void (*fill)(size_t, struct rec *, void *), void *arg, const char *empty)
{
	struct rec *row = xmalloc(sizeof *row);
	struct buf cell = BUF_INIT;
	size_t i, k, ncols, *w;

	if (out_cfg.json) {
		struct json j;

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
		free(row);
		return;
	}
	for (ncols = 0; cols[ncols].key != NULL; ncols++)
		;
	w = xcalloc(ncols, sizeof *w);
	for (k = 0; k < ncols; k++)
		w[k] = strlen(cols[k].title);
	for (i = 0; i < nrows; i++) {
		rec_begin(row, NULL);
		fill(i, row, arg);
		for (k = 0; k < ncols; k++) {
			const struct rec_field *f = rec_get(row, cols[k].key,
			    strlen(cols[k].key));

			buf_reset(&cell);
			if (f != NULL)
				rec_value(f, &cell);
			else
				buf_putc(&cell, '-');
			if (buf_len(&cell) + (k == 0 ? row->indent : 0) > w[k])
				w[k] = buf_len(&cell) + (k == 0 ? row->indent : 0);
		}
		rec_free(row);
	}
	for (i = 0; i <= nrows; i++) {
		struct buf line = BUF_INIT;

		if (i > 0) {
			rec_begin(row, NULL);
			fill(i - 1, row, arg);
		}
		for (k = 0; k < ncols; k++) {
			const struct rec_field *f = i == 0 ? NULL :
			    rec_get(row, cols[k].key, strlen(cols[k].key));
			size_t pad;

			buf_reset(&cell);
			if (i == 0)
				buf_puts(&cell, cols[k].title);
			else {
				if (k == 0)
					buf_printf(&cell, "%*s", (int)row->indent,
					    "");
				if (f != NULL)
					rec_value(f, &cell);
				else
					buf_putc(&cell, '-');
			}
			pad = w[k] - buf_len(&cell);
			if (k > 0)
				buf_puts(&line, "  ");
			if (cols[k].right)
				buf_printf(&line, "%*s", (int)pad, "");
			buf_append(&line, buf_peek(&cell), buf_len(&cell));
			if (!cols[k].right && k + 1 < ncols)
				buf_printf(&line, "%*s", (int)pad, "");
		}
		buf_append(&out_cur->out, buf_peek(&line), buf_len(&line));
		buf_putc(&out_cur->out, '\n');
		buf_free(&line);
		if (i > 0)
			rec_free(row);
	}
	buf_free(&cell);
	free(w);
	free(row);
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

/* Expand the template into the output (and end the line when nl). */
static void
out_rec_line(const struct rec *r, const char *human, int nl)
{
	const char *p, *q;
	size_t pad = 0;		/* owed by {key:N}, paid if more follows */

	out_stamp_on(r->stamp);
	if (r->color != NULL)
		buf_puts(&out_cur->out, out_color(r->color));
	for (p = human; *p != '\0'; p++) {
		if (*p != '{' || (q = strchr(p, '}')) == NULL) {
			out_pad(&pad);
			buf_putc(&out_cur->out, *p);
			continue;
		}
		if (p[1] == '?') {
			const char *colon = memchr(p + 2, ':', (size_t)(q - p - 2));

			if (colon != NULL && rec_truthy(rec_get(r, p + 2,
			    (size_t)(colon - p - 2))) && q > colon + 1) {
				out_pad(&pad);
				buf_append(&out_cur->out, colon + 1,
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
				out_pad(&pad);
				buf_append(&out_cur->out, buf_peek(&v),
				    buf_len(&v));
				pad = buf_len(&v) < width ? width - buf_len(&v) :
				    0;
			}
		}
		p = q;
	}
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
		if (d->text != NULL)
			j_strn(&j, "text", (const char *)d->text, d->text_n);
		else if (!utf8) {
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
	buf_printf(&out_cur->out, "%s[%u] %c %zu byte%s", out_color(d->dir ==
	    '<' ? "rx" : "tx"), d->id, d->dir, d->n, d->n == 1 ? "" : "s");
	if (d->peer != NULL)
		buf_printf(&out_cur->out, " %s %s", d->dir == '<' ? "from" : "to",
		    d->peer);
	if (d->label != NULL)
		buf_printf(&out_cur->out, " (%s)", d->label);
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
