/* SPDX-License-Identifier: GPL-3.0-or-later */
/* out.h — the one place that prints: human lines or JSON objects, events
 * and command results.  Output is gathered in a buffer and handed to the
 * terminal layer once per loop iteration, so a burst of events costs one
 * redisplay of the prompt. */
#ifndef SOCKTOOL_OUT_H
#define SOCKTOOL_OUT_H

#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"
#include "json.h"

struct out_config {
	int	json;
	int	quiet;
	int	color;
};

/*
 * Where output goes.  Each source of commands (a client, SPEC §9) has a
 * sink: lines for stdout and for stderr, and the "FILE:LINE" of the line
 * it runs (shown in errors).  The process's own sink is the terminal's
 * (or a script's stdout/stderr), drained by the terminal layer, which sets
 * the hook that makes an error go out at once.  While a client's command
 * runs its sink is the current one (out_use), so results reach whoever
 * asked.
 */
struct out_sink {
	struct buf	 out;
	struct buf	 err;
	struct buf	 where;
	/* How it wants its output: JSON or for people, quiet, colour. */
	struct out_config cfg;
	/* Make an error go out at once (the terminal's flush), or NULL. */
	void		(*flush)(void);
	/* out_watch: it gets every session event too, as JSON (a control
	 * client's `events`), of session watch_id only unless 0. */
	int		 watching;
	unsigned	 watch_id;
	struct out_sink	*watch_next;
};
struct out_sink	*out_main(void);
/* Make sink current; returns the one it replaces. */
struct out_sink	*out_use(struct out_sink *);
/* Sink s (on) gets every session event from now on as JSON, wherever
 * they are printed, or (off) no more. */
void		 out_watch(struct out_sink *s, int on, unsigned id);
/* The current sink's "FILE:LINE" (NULL: none). */
void		 out_set_where(const char *);
/* The current sink's configuration: each client reads output its way
 * (a control client may ask for JSON from an instance run for people). */
struct out_config *out_config(void);
#define out_cfg	(*out_config())

/* Human-only lines. */
void	out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text a person typed, terminal-safe: controls escaped, its backslashes
 * (which are escapes already) kept as they are. */
struct buf;
void	out_escape_msg(const char *msg, size_t n, struct buf *out);
/* PREFIX (our own words) and MSG escaped as above, a line on standard
 * error: for errors before the loop that may hold outside names (a path
 * from the environment, a file name). */
void	out_stderr_msg(const char *prefix, const char *msg);
/* Bytes of socktool's own for the terminal (a control sequence: `clear`),
 * never anything received; nothing in JSON mode. */
void	out_raw(const char *s, size_t n);

/* "error: CMD: message" (CMD may be NULL); a JSON error event in JSON mode.
 * The message is made terminal-safe (backslashes kept as they are). */
void	out_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* An error of socktool's own running (a log that cannot be written), not of
 * whatever command runs when it happens: on the process's own sink, with no
 * FILE:LINE. */
void	out_error_bg(const char *what, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The same, then "usage: USAGE" on a line of its own (in JSON: appended to
 * the message). */
void	out_error_usage(const char *cmd, const char *usage, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));

/*
 * A record: one event or result, built once and rendered either as a JSON
 * object or as a human line from a template.  In the template "{key}" is
 * the field's value (strings escaped, so nothing that came from outside
 * reaches the terminal raw) and "{?key:text}" is text only when the field
 * is present and not 0/false/empty.
 */
enum rec_type { REC_STR, REC_U64, REC_BOOL, REC_OBJ, REC_END };
/* A record holds any number of fields and copies: the first REC_INLINE
 * fields and REC_ARENA bytes of copies live in the record itself (no
 * allocation for the usual event), the rest on the heap until rec_free. */
#define REC_INLINE	32
#define REC_ARENA	1024
struct rec_field {
	const char	*key;
	enum rec_type	 type;
	const char	*s;	/* REC_STR; NULL is JSON null, "-" for people */
	uint64_t	 u;
	const char	*label;	/* for out_kv: the name people read */
	const char	*unit;	/* for out_kv: "byte|bytes" (singular|plural) */
	int		 escaped;	/* rec_strescaped: backslashes kept */
};
struct rec_spill;
struct rec {
	const char		*event;
	int			 stamp;		/* local time before the line */
	int			 info;		/* a human line -q hides */
	const char		*color;		/* out_color() name, or NULL */
	unsigned		 indent;	/* out_table: first column */
	size_t			 n;		/* fields, inline and more */
	struct rec_field	 f[REC_INLINE];
	struct rec_field	*more;		/* field REC_INLINE + i */
	size_t			 more_cap;
	size_t			 used;		/* of the arena */
	char			 arena[REC_ARENA];
	struct rec_spill	*spill;		/* copies past the arena */
};
/* Start an empty record.  Every record begun is given to rec_free once
 * it has been rendered (a record that outgrew its inline room holds heap
 * memory); rec_free leaves it empty, ready for rec_begin again. */
void	rec_begin(struct rec *, const char *event);
void	rec_free(struct rec *);
void	rec_str(struct rec *, const char *key, const char *v);
/* The same for a string that does not outlive the caller: copied. */
void	rec_strcpy(struct rec *, const char *key, const char *v);
/* A copy of a string whose backslashes are escapes already (a rule as it
 * was typed, an RFC 2253 name): people see it terminal-safe with its
 * backslashes as they are, not doubled. */
void	rec_strescaped(struct rec *, const char *key, const char *v);
/* A copy of s that lives as long as the record (a key made at run time). */
const char *rec_copy(struct rec *, const char *s);
void	rec_u64(struct rec *, const char *key, uint64_t v);
void	rec_bool(struct rec *, const char *key, int v);
/* A nested JSON object (shown to people as one "k v, k v" line). */
void	rec_obj(struct rec *, const char *key);
void	rec_end(struct rec *);
/* How out_kv shows the field added last. */
void	rec_label(struct rec *, const char *label, const char *unit);
/* Render: JSON in JSON mode, else the template (NULL: no human line):
 * {key} is a field's value, {key:N} the same padded to N columns,
 * {?key:text} the text when the field is there and true. */
void	out_rec(const struct rec *, const char *human);
/* The template with the record's values, as out_rec would show them,
 * appended to out (to measure a line before choosing its layout). */
void	rec_render(const struct rec *, const char *human, struct buf *out);
/* A result with one value per line for people: the title template (or
 * none), then PREFIX LABEL VALUE for each labelled field, the prefix a
 * template too ("  " when NULL). */
void	out_kv(const struct rec *, const char *title, const char *prefix);

/* Columns people's output fits in: the terminal's when stdout is one
 * (TIOCGWINSZ), else $COLUMNS, else 80; never under OUT_WIDTH_MIN.  A
 * client's output (SPEC §9) is 80 wide. */
#define OUT_WIDTH_DEFAULT	80
#define OUT_WIDTH_MIN		40
#define OUT_WIDTH_MAX		1000
size_t	out_width(void);
/* The ellipsis that marks a value cut short (one column). */
#define OUT_ELLIPSIS	"\xe2\x80\xa6"

/* Break text into lines of at most width columns, appended to out with a
 * '\n' after each: at ", " (between list items) in the second half of
 * the line, else at a blank, else after ',' or ':', else anywhere; the blank
 * a line breaks at is dropped. */
void	out_wrap(const char *s, size_t n, size_t width, struct buf *out);

/*
 * A table: head's fields, then an array of rows in JSON; for people the
 * columns, widths from the content, the whole at most out_width() wide.
 * fill(i) builds row i into a record that out_table begins and frees
 * (called twice per row for people: once to measure, once to print).
 * A table too wide first hides its `opt` columns that no row has a value
 * in (absent, "-" or 0); then, if the columns that give way could not make
 * it fit at their `min`, drops `drop` columns (the highest first); then
 * narrows the `fit` columns (the highest `give` first, of those the widest)
 * to their `min` and at last to their title; a line still too wide is
 * cut.
 */
enum out_fit {
	OUT_FIT_NONE,		/* always whole */
	OUT_FIT_MIDDLE,		/* cut in the middle: "[2001…1]:8080" */
	OUT_FIT_END,		/* cut at the end: "1234/pyth…" */
	OUT_FIT_WRAP		/* wrapped onto more lines (out_wrap) */
};
struct out_col {
	const char	*key;
	const char	*title;
	int		 right;		/* right-aligned (numbers) */
	enum out_fit	 fit;
	unsigned	 min;		/* fit: narrowest before drops */
	unsigned	 give;		/* fit: the highest gives way first */
	unsigned	 drop;		/* > 0: may be left out, highest first */
	int		 opt;		/* shown only when some row has it */
};
void	out_table(const struct rec *head, const char *array,
	    const struct out_col *cols, size_t nrows,
	    void (*fill)(size_t, struct rec *, void *), void *arg,
	    const char *empty);
/* The same rows, one template line each for people. */
void	out_rows(const struct rec *head, const char *array, size_t nrows,
	    void (*fill)(size_t, struct rec *, void *), void *arg,
	    const char *human);

/* Data shown: everything the renderer needs travels in the record, so the
 * display policy stays with the caller (the display tap). */
struct out_data {
	unsigned		 id;
	int			 dir;		/* '<' received, '>' sent */
	const unsigned char	*p;
	size_t			 n;
	const char		*peer;		/* datagram source/destination */
	int			 truncated;
	size_t			 wire_size;	/* a truncated datagram's size */
	int			 display;	/* enum disp_mode */
	uint64_t		 max_display;
	const char		*encoding;
	int			 stamp;
	const char		*label;		/* relay: which direction */
	unsigned		 pair;		/* relay: the other side, or 0 */
	const char		*stream;	/* "stderr", or NULL */
	const char		*msg_type;	/* "text", "binary", or NULL */
	unsigned		 frames;	/* that carried it; 0: untold */
	/* `set ID check`: the verdict on a received message. */
	const char		*check;		/* algorithm name, or NULL */
	int			 check_ok;	/* 1 ok, 0 bad, -1 too short */
	const char		*got, *want;	/* hex, when bad */
	/* The text shown, UTF-8, or NULL: p decoded from encoding. */
	const unsigned char	*text;
	size_t			 text_n;
};
void	out_data(const struct out_data *);
/* Bytes of a character a message cut short that no later message
 * completed (the session ended, or its encoding or display changed):
 * shown as \xHH for people, nothing in JSON (its "hex" had them). */
void	out_data_leftover(unsigned id, int dir, const unsigned char *p,
	    size_t n, int stamp);

/* Close the top object of a JSON builder (json.h), print it as one
 * line to the current sink, free the builder. */
struct json;
void	j_emit(struct json *);

/* How many bytes of s (n bytes, terminal-safe text) fit in cols columns,
 * cut between characters; *used (may be NULL) the columns they take.  A
 * wide (East Asian) character takes two columns. */
size_t	out_fit(const char *s, size_t n, size_t cols, size_t *used);
/* People's lines packed to out_width(): the pieces of a record (each a
 * template, as out_rec's) follow one another after their separator while
 * they fit, else start a line of their own, led by the prefix template
 * (the separator's mark, "," or ";", ends the line before); nl starts a
 * line whatever room is left.  A piece too wide for a line alone is cut
 * with "...".  In JSON the record, once. */
struct out_piece {
	const char	*sep;	/* before it on the same line (NULL: none) */
	const char	*tpl;
	int		 nl;
};
void	out_rec_pieces(const struct rec *, const struct out_piece *, size_t n,
	    const char *prefix);

/* Colour helpers for human output ("" when colour is off). */
const char *out_color(const char *which);

#endif
