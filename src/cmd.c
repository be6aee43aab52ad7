/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd.c — command table, tokenizer, lookup, argument checking, the pending
 * (waiting) command, and completion. */
#include <ctype.h>
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "codec.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "resolve.h"
#include "session.h"
#include "term.h"

extern const struct cmd_entry cmd_tcp_server_entry, cmd_tcp_client_entry,
    cmd_list_entry, cmd_close_entry, cmd_set_entry, cmd_show_entry,
    cmd_stats_entry, cmd_reset_entry, cmd_send_entry, cmd_sendhex_entry,
    cmd_expect_entry, cmd_wait_entry, cmd_sleep_entry, cmd_echo_entry,
    cmd_help_entry, cmd_quit_entry, cmd_udp_entry, cmd_udp_client_entry,
    cmd_mcast_entry, cmd_unix_server_entry, cmd_unix_client_entry,
    cmd_sockopt_entry, cmd_stop_entry, cmd_sendfile_entry, cmd_source_entry,
    cmd_attach_entry, cmd_log_entry, cmd_tls_server_entry,
    cmd_tls_client_entry, cmd_starttls_entry,
    cmd_relay_entry, cmd_shutdown_entry, cmd_hold_entry, cmd_release_entry,
    cmd_use_entry, cmd_clear_entry, cmd_control_entry;
extern const struct cmd_entry cmd_ws_client_entry;
extern const struct cmd_entry cmd_ws_ping_entry, cmd_ws_close_entry,
    cmd_ws_frame_entry;
extern const struct cmd_entry cmd_ws_server_entry;
extern const struct cmd_entry cmd_netstat_entry, cmd_ifaces_entry,
    cmd_service_entry;
extern const struct cmd_entry cmd_resolve_entry, cmd_probe_entry;
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_replay_entry, cmd_mock_entry;
extern const struct cmd_entry cmd_exec_entry, cmd_pty_entry;
extern const struct cmd_entry cmd_serial_entry, cmd_modem_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_tcp_server_entry,
	&cmd_tcp_client_entry,
	&cmd_udp_entry,
	&cmd_udp_client_entry,
	&cmd_mcast_entry,
	&cmd_unix_server_entry,
	&cmd_unix_client_entry,
	&cmd_tls_server_entry,
	&cmd_tls_client_entry,
	&cmd_starttls_entry,
	&cmd_ws_client_entry,
	&cmd_ws_ping_entry,
	&cmd_ws_close_entry,
	&cmd_ws_frame_entry,
	&cmd_serial_entry,
	&cmd_modem_entry,
	&cmd_ws_server_entry,
	&cmd_list_entry,
	&cmd_close_entry,
	&cmd_set_entry,
	&cmd_show_entry,
	&cmd_stats_entry,
	&cmd_reset_entry,
	&cmd_send_entry,
	&cmd_sendhex_entry,
	&cmd_ping_entry,
	&cmd_replay_entry,
	&cmd_mock_entry,
	&cmd_exec_entry,
	&cmd_pty_entry,
	&cmd_stop_entry,
	&cmd_sendfile_entry,
	&cmd_attach_entry,
	&cmd_sockopt_entry,
	&cmd_log_entry,
	&cmd_relay_entry,
	&cmd_shutdown_entry,
	&cmd_netstat_entry,
	&cmd_ifaces_entry,
	&cmd_service_entry,
	&cmd_hold_entry,
	&cmd_release_entry,
	&cmd_resolve_entry,
	&cmd_probe_entry,
	&cmd_expect_entry,
	&cmd_wait_entry,
	&cmd_sleep_entry,
	&cmd_echo_entry,
	&cmd_source_entry,
	&cmd_use_entry,
	&cmd_clear_entry,
	&cmd_control_entry,
	&cmd_help_entry,
	&cmd_quit_entry,
	NULL
};


/*
 * "a; b" from -c becomes lines (SPEC 3.3): ';' separates commands only
 * outside quotes, and "\;" is a literal ';' anywhere.  Every other
 * backslash pair is kept for the escape decoder, and kept whole, so that
 * "\\;" is a backslash and then a separator.  As in the tokenizer, a
 * backslash protects a double quote, never a single one.
 */
void
cmd_split(const char *s, struct buf *b)
{
	char q = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] == ';') {
			buf_putc(b, *++s);
			continue;
		}
		if (*s == '\\' && s[1] != '\0' && (q != '\'' || s[1] != '\'')) {
			buf_putc(b, *s++);
			buf_putc(b, *s);
			continue;
		}
		if (q != 0 && *s == q)
			q = 0;
		else if (q == 0 && (*s == '"' || *s == '\''))
			q = *s;
		buf_putc(b, q == 0 && *s == ';' ? '\n' : *s);
	}
}

/*
 * One word from *pos: blanks split; '...' and "..." group.  Backslash
 * sequences are kept verbatim (the escape decoder sees them later), but a
 * backslash still protects the next character from ending a word or a
 * double-quoted string.  Returns 1 with a token, 0 at the end, -1 on error.
 */
static int
cmd_next_token(const char *line, size_t len, size_t *pos, struct cmd_token *tok,
    char *err, size_t errlen)
{
	struct buf w = BUF_INIT;
	size_t i = *pos;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len) {
		*pos = i;
		return 0;
	}
	tok->start = i;
	tok->quoted = 0;
	while (i < len && line[i] != ' ' && line[i] != '\t') {
		char q = line[i];

		if (q == '"' || q == '\'') {
			size_t open = i++;

			tok->quoted = 1;
			while (i < len && line[i] != q) {
				if (q == '"' && line[i] == '\\' && i + 1 < len)
					buf_putc(&w, line[i++]);
				buf_putc(&w, line[i++]);
			}
			if (i >= len) {
				snprintf(err, errlen, "unterminated %s quote at "
				    "position %zu", q == '"' ? "double" :
				    "single", open + 1);
				buf_free(&w);
				return -1;
			}
			i++;
			continue;
		}
		if (q == '\\' && i + 1 < len && line[i + 1] == '#')
			i++;		/* "\#": a '#' that starts no comment */
		else if (q == '\\' && i + 1 < len)
			buf_putc(&w, line[i++]);
		buf_putc(&w, line[i++]);
	}
	tok->end = i;
	tok->s = xstrndup((char *)buf_peek(&w), buf_len(&w));
	buf_free(&w);
	*pos = i;
	return 1;
}

/*
 * Words of a program's command line, as a POSIX shell splits them with no
 * expansion: blanks split; '...' is literal; in "..." a backslash escapes
 * only " \\ $ and `; outside quotes a backslash escapes any character.
 * Nothing else is special ($, *, ~ and ; are themselves).
 */
int
cmd_shell_words(const char *s, size_t len, char ***out, size_t *n,
    char *err, size_t errlen)
{
	struct buf w = BUF_INIT;
	char **v = NULL;
	size_t i = 0, cnt = 0, open;
	int inword;

	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		buf_reset(&w);
		for (inword = 1; inword && i < len; ) {
			switch (s[i]) {
			case ' ':
			case '\t':
				inword = 0;
				break;
			case '\'':
				for (open = i++; i < len && s[i] != '\''; i++)
					buf_putc(&w, s[i]);
				if (i++ >= len)
					goto unterminated;
				break;
			case '"':
				for (open = i++; i < len && s[i] != '"'; i++) {
					if (s[i] == '\\' && i + 1 < len &&
					    strchr("\"\\$`", s[i + 1]) != NULL)
						i++;
					buf_putc(&w, s[i]);
				}
				if (i++ >= len)
					goto unterminated;
				break;
			case '\\':
				if (i + 1 < len)
					i++;
				buf_putc(&w, s[i++]);
				break;
			default:
				buf_putc(&w, s[i++]);
			}
		}
		v = xrealloc(v, (cnt + 2) * sizeof *v);
		v[cnt++] = xstrndup((const char *)buf_peek(&w), buf_len(&w));
		v[cnt] = NULL;
	}
	buf_free(&w);
	*out = v;
	*n = cnt;
	return 0;
unterminated:
	snprintf(err, errlen, "unterminated %s quote at position %zu",
	    s[open] == '"' ? "double" : "single", open + 1);
	buf_free(&w);
	while (cnt > 0)
		free(v[--cnt]);
	free(v);
	return -1;
}

int
cmd_tokenize(const char *line, size_t len, struct cmd_token **out, size_t *n,
    char *err, size_t errlen)
{
	struct cmd_token *v = NULL, tok;
	size_t cnt = 0, pos = 0;
	int r;

	while ((r = cmd_next_token(line, len, &pos, &tok, err, errlen)) == 1) {
		v = xrealloc(v, (cnt + 1) * sizeof *v);
		v[cnt++] = tok;
	}
	if (r == -1) {
		cmd_tokens_free(v, cnt);
		return -1;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void
cmd_tokens_free(struct cmd_token *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].s);
	free(v);
}

/*
 * Edit distance counting a swap of two neighbours as one edit (optimal
 * string alignment), for "did you mean": "sned" is one slip from "send",
 * not two.  Words longer than CMD_NEAR_MAX are never near anything.
 */
#define CMD_NEAR_MAX	32

size_t
cmd_distance(const char *a, const char *b)
{
	unsigned d[CMD_NEAR_MAX + 1][CMD_NEAR_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > CMD_NEAR_MAX || lb > CMD_NEAR_MAX)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

void
cmd_near_init(struct cmd_near *nr, const char *name)
{
	memset(nr, 0, sizeof *nr);
	nr->name = name;
	nr->best = 3;
}

/* A known word: kept when it is among the nearest so far, at most 2
 * edits and fewer than the name's own length (every two-letter word is
 * two edits from "ls"). */
void
cmd_near_add(struct cmd_near *nr, const char *word)
{
	size_t d = cmd_distance(nr->name, word);

	if (d >= strlen(nr->name) || d > nr->best)
		return;
	if (d < nr->best) {
		nr->best = d;
		nr->n = 0;
	}
	if (nr->n < sizeof nr->word / sizeof nr->word[0])
		nr->word[nr->n++] = word;
}

/* " (did you mean X?)", "X or Y", or nothing when no word was near. */
void
cmd_near_put(const struct cmd_near *nr, struct buf *out)
{
	size_t k;

	if (nr->best > 2 || nr->n == 0)
		return;
	buf_puts(out, " (did you mean ");
	for (k = 0; k < nr->n; k++)
		buf_printf(out, "%s%s", k == 0 ? "" : k + 1 == nr->n ? " or " :
		    ", ", nr->word[k]);
	buf_puts(out, "?)");
}

/* Near misses of a command name: its name or its alias, the nearer. */
static void
cmd_suggest(const char *name, struct buf *out)
{
	const struct cmd_entry *e;
	struct cmd_near nr;
	size_t i;

	cmd_near_init(&nr, name);
	for (i = 0; (e = cmd_table[i]) != NULL; i++)
		cmd_near_add(&nr, e->alias != NULL &&
		    cmd_distance(name, e->alias) < cmd_distance(name,
		    e->name) ? e->alias : e->name);
	cmd_near_put(&nr, out);
}

const struct cmd_entry *
cmd_lookup(const char *name, char *err, size_t errlen)
{
	const struct cmd_entry *found = NULL, *e;
	size_t i, nlen = strlen(name), nmatch = 0;
	struct buf cands = BUF_INIT;

	for (i = 0; (e = cmd_table[i]) != NULL; i++) {
		if (strcmp(e->name, name) == 0 ||
		    (e->alias != NULL && strcmp(e->alias, name) == 0))
			return e;
	}
	for (i = 0; (e = cmd_table[i]) != NULL; i++) {
		if (strncmp(e->name, name, nlen) == 0 ||
		    (e->alias != NULL && strncmp(e->alias, name, nlen) == 0)) {
			buf_printf(&cands, "%s%s", nmatch ? ", " : "", e->name);
			nmatch++;
			found = e;
		}
	}
	if (nmatch == 1) {
		buf_free(&cands);
		return found;
	}
	if (nmatch == 0) {
		cmd_suggest(name, &cands);
		snprintf(err, errlen, "unknown command \"%.64s\"%s", name,
		    buf_len(&cands) > 0 ? buf_cstr(&cands) : " (try help)");
	} else
		snprintf(err, errlen, "ambiguous command \"%.64s\", could be: "
		    "%s", name, buf_cstr(&cands));
	buf_free(&cands);
	return NULL;
}

const char *
cmd_opt(const struct cmd_ctx *c, const char *name)
{
	size_t i;

	for (i = c->nopts; i > 0; i--)
		if (strcmp(c->opts[i - 1].name, name) == 0)
			return c->opts[i - 1].value;
	return NULL;
}

int
cmd_has(const struct cmd_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nopts; i++)
		if (strcmp(c->opts[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * At the prompt the error, then the usage once on a line of its own, where
 * a person reads it.  In a script every failure stays one line of the log
 * (SPEC 3: "error: CMD: WHAT (usage: ...)"), so the lines can be counted
 * and grepped.
 */
void
cmd_short_usage(const char *usage, struct buf *out)
{
	const char *p = usage;
	int said = 0;

	while (*p != '\0') {
		if (p[0] == '[' && p[1] == '-' && p[2] == '-') {
			int depth = 0;

			do {
				depth += *p == '[';
				depth -= *p == ']';
				p++;
			} while (*p != '\0' && depth > 0);
			while (*p == ' ')
				p++;
			if (!said) {
				buf_puts(out, "[options]");
				if (*p != '\0')
					buf_putc(out, ' ');
			}
			said = 1;
			continue;
		}
		buf_putc(out, *p++);
	}
	while (buf_len(out) > 0 && buf_peek(out)[buf_len(out) - 1] == ' ')
		out->len--;
}

enum cmd_status
cmd_usage(const struct cmd_ctx *c, const char *fmt, ...)
{
	struct buf m = BUF_INIT, u = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&m, fmt, ap);
	va_end(ap);
	/* One short line: the options are for "help CMD". */
	cmd_short_usage(c->ent->usage, &u);
	if (c->interactive)
		out_error_usage(c->ent->name, buf_cstr(&u), "%s",
		    buf_cstr(&m));
	else
		out_error(c->ent->name, "%s (usage: %s)", buf_cstr(&m),
		    buf_cstr(&u));
	buf_free(&m);
	buf_free(&u);
	return CMD_ERR;
}

enum cmd_status
cmd_fail(const struct cmd_ctx *c, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&m, fmt, ap);
	va_end(ap);
	out_error(c->ent->name, "%s", buf_cstr(&m));
	buf_free(&m);
	return CMD_ERR;
}

void
cmd_result_ok(const struct cmd_ctx *c)
{
	struct json j;

	if (!out_cfg.json)
		return;
	j_begin(&j, "result");
	j_str(&j, "command", c->ent->name);
	j_bool(&j, "ok", 1);
	j_emit(&j);
}

void
cmd_result_session(const struct cmd_ctx *c, const struct session *s)
{
	struct json j;

	if (!out_cfg.json)
		return;
	j_begin(&j, "result");
	j_str(&j, "command", c->ent->name);
	j_u64(&j, "id", s->id);
	j_str(&j, "local", s->local_str[0] ? s->local_str : NULL);
	j_emit(&j);
}

struct session *
cmd_session(const struct cmd_ctx *c, const char *arg)
{
	uint64_t id;
	struct session *s;

	if (codec_parse_uint(arg, 1, UINT32_MAX, &id) == -1) {
		cmd_usage(c, "\"%.32s\" is not a session id", arg);
		return NULL;
	}
	s = sess_find((unsigned)id);
	if (s == NULL)
		cmd_usage(c, "no session %s", arg);
	return s;
}

int
cmd_duration(const struct cmd_ctx *c, const char *opt, uint64_t def,
    uint64_t *ms)
{
	const char *v = cmd_opt(c, opt);

	*ms = def;
	if (v == NULL)
		return 0;
	if (codec_parse_duration(v, ms) == -1) {
		cmd_usage(c, "bad duration \"%.32s\" for --%s (e.g. 250ms, 2s, "
		    "1m)", v, opt);
		return -1;
	}
	return 0;
}

static const struct cmd_opt *
cmd_find_opt(const struct cmd_entry *e, const char *name, size_t nlen)
{
	const struct cmd_opt *o;

	for (o = e->opts; o != NULL && o->name != NULL; o++)
		if (strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0)
			return o;
	return NULL;
}

/*
 * The closing quote of the quoted string that opens at s[i], or n if it is
 * never closed.  As in cmd_next_token, a backslash protects the next
 * character inside double quotes, never inside single ones.
 */
static size_t
cmd_quote_end(const char *s, size_t n, size_t i)
{
	char q = s[i];

	for (i++; i < n && s[i] != q; i++)
		if (q == '"' && s[i] == '\\' && i + 1 < n)
			i++;
	return i;
}

/*
 * The raw rest of the line from pos.  A text that is one quoted string as
 * a whole loses its quotes, since that is how people type it (SPEC 3.3):
 * blanks after the closing quote do not count, and escaped quotes inside
 * do not close it.  Anything else is the text exactly as typed.
 */
static void
cmd_take_rest(struct cmd_ctx *c, const char *line, size_t len, size_t pos)
{
	size_t a = pos, b = len, t = len;

	while (a < len && (line[a] == ' ' || line[a] == '\t'))
		a++;
	while (t > a && (line[t - 1] == ' ' || line[t - 1] == '\t'))
		t--;
	if (t - a >= 2 && (line[a] == '"' || line[a] == '\'') &&
	    cmd_quote_end(line, t, a) == t - 1) {
		a++;
		b = t - 1;
	}
	c->rest = line + a;
	c->restlen = b - a;
}

/* What the free text of a command is called in "missing ...": from the
 * last word of its usage ("HEX": hex bytes). */
static const char *
cmd_rest_name(const struct cmd_entry *e)
{
	const char *w = strrchr(e->usage, ' ');

	w = w != NULL ? w + 1 : e->usage;
	if (strcmp(w, "HEX") == 0)
		return "hex bytes";
	if (strcmp(w, "VALUE") == 0 || strcmp(w, "VALUE...") == 0)
		return "value";
	return "text";
}

/* An option's optional value (CMD_OPT_DUR): the next word if it is a
 * duration with its unit ("2s", "500ms"), else none. */
static const char *
cmd_opt_maybe_dur(const char *line, size_t len, size_t *pos,
    struct cmd_token **words, size_t *nwords)
{
	struct cmd_token tok;
	size_t p = *pos, n;
	uint64_t ms;
	char err[128];

	if (cmd_next_token(line, len, &p, &tok, err, sizeof err) != 1)
		return NULL;
	n = strlen(tok.s);
	if (tok.quoted || n == 0 || !isalpha((unsigned char)tok.s[n - 1]) ||
	    codec_parse_duration(tok.s, &ms) == -1) {
		free(tok.s);
		return NULL;
	}
	*words = xrealloc(*words, (*nwords + 1) * sizeof **words);
	(*words)[(*nwords)++] = tok;
	*pos = p;
	return tok.s;
}

/* Fill ctx from the words after the command name.  Returns -1 after
 * printing a usage error. */
static int
cmd_parse(struct cmd_ctx *c, const char *line, size_t len, size_t pos,
    struct cmd_token **words, size_t *nwords)
{
	const struct cmd_entry *e = c->ent;
	struct cmd_token tok;
	int endopts = 0, r, dur_next = -1;
	const char *dur_opt = NULL;	/* an optional value not taken */
	char err[128];

	for (;;) {
		size_t before = pos;
		const char *s;

		if ((e->flags & CMD_REST) && e->upper >= 0 &&
		    c->argc >= e->upper) {
			size_t p = pos;

			/* Options may still come before the text. */
			r = cmd_next_token(line, len, &p, &tok, err, sizeof err);
			/* Text need not tokenize: "it's" is fine to send. */
			if (r == -1 || (r == 1 && (endopts || tok.quoted ||
			    strncmp(tok.s, "--", 2) != 0))) {
				if (r == 1)
					free(tok.s);
				cmd_take_rest(c, line, len, before);
				break;
			}
			if (r == 1)
				free(tok.s);
		}
		r = cmd_next_token(line, len, &pos, &tok, err, sizeof err);
		if (r == 0)
			break;
		if (r == -1) {
			cmd_usage(c, "%s", err);
			return -1;
		}
		*words = xrealloc(*words, (*nwords + 1) * sizeof **words);
		(*words)[(*nwords)++] = tok;
		s = tok.s;
		if (!endopts && !tok.quoted && s[0] == '-' && s[1] == '-') {
			const char *name = s + 2, *eq;
			const struct cmd_opt *o;
			size_t nlen;

			if (*name == '\0') {
				endopts = 1;
				continue;
			}
			eq = strchr(name, '=');
			nlen = eq ? (size_t)(eq - name) : strlen(name);
			o = cmd_find_opt(e, name, nlen);
			if (o == NULL) {
				cmd_usage(c, "unknown option \"%.32s\"", s);
				return -1;
			}
			if (c->nopts == sizeof c->opts / sizeof c->opts[0]) {
				cmd_usage(c, "too many options");
				return -1;
			}
			c->opts[c->nopts].name = o->name;
			c->opts[c->nopts].value = NULL;
			if (o->has_arg && eq != NULL)
				c->opts[c->nopts].value = eq + 1;
			else if (o->has_arg == CMD_OPT_DUR) {
				c->opts[c->nopts].value = cmd_opt_maybe_dur(
				    line, len, &pos, words, nwords);
				/* The word after it, if it is not taken, is
				 * probably a value meant for it. */
				if (c->opts[c->nopts].value == NULL) {
					dur_opt = o->name;
					dur_next = c->argc;
				}
			}
			else if (o->has_arg) {
				r = cmd_next_token(line, len, &pos, &tok, err,
				    sizeof err);
				if (r != 1) {
					if (r == -1)
						cmd_usage(c, "%s", err);
					else
						cmd_usage(c, "option --%s needs "
						    "a value", o->name);
					return -1;
				}
				*words = xrealloc(*words, (*nwords + 1) *
				    sizeof **words);
				(*words)[(*nwords)++] = tok;
				c->opts[c->nopts].value = tok.s;
			} else if (eq != NULL) {
				cmd_usage(c, "option --%s takes no value",
				    o->name);
				return -1;
			}
			c->nopts++;
			continue;
		}
		c->argv = xrealloc(c->argv, (size_t)(c->argc + 2) *
		    sizeof *c->argv);
		c->argv[c->argc++] = tok.s;
		c->argv[c->argc] = NULL;
	}
	if (c->argc < e->lower) {
		cmd_usage(c, "missing argument");
		return -1;
	}
	if (e->upper >= 0 && c->argc > e->upper && dur_opt != NULL &&
	    dur_next >= e->upper && dur_next < c->argc) {
		cmd_usage(c, "--%s takes a duration with its unit (500ms, 2s, "
		    "1m): \"%.32s\" is not one", dur_opt, c->argv[dur_next]);
		return -1;
	}
	if (e->upper >= 0 && c->argc > e->upper) {
		cmd_usage(c, "too many arguments");
		return -1;
	}
	if ((e->flags & CMD_REST) && c->rest == NULL) {
		uint64_t id;

		/* "send hi": the word taken for text was meant as the id. */
		if ((e->flags & CMD_TARGET) && c->argc >= 1 &&
		    codec_parse_uint(c->argv[0], 1, UINT32_MAX, &id) == -1) {
			cmd_usage(c, "\"%.32s\" is not a session id",
			    c->argv[0]);
			return -1;
		}
		if (!(e->flags & CMD_REST_OPT)) {
			cmd_usage(c, "missing %s", cmd_rest_name(e));
			return -1;
		}
		c->rest = "";
		c->restlen = 0;
	}
	return 0;
}

/*
 * `use ID`: a command that takes a session id first gets the current one
 * when its first word is not an id ("send hello" is "send 2 hello").  A
 * word of digits is an id, as are all and default; an option may come
 * first ("close --reset" is "close 2 --reset").  Returns 1 with the new
 * line in out.
 */
static int
cmd_use_fill(struct client *cl, const struct cmd_entry *e,
    const char *line, size_t len, size_t pos, struct buf *out)
{
	struct cmd_token t;
	char err[64];
	size_t p = pos, i;
	int r, isid;

	if (cl->use == 0 || !(e->flags & (CMD_TARGET | CMD_ID)))
		return 0;
	client_use_check(cl);
	if (cl->use == 0)
		return 0;
	r = cmd_next_token(line, len, &p, &t, err, sizeof err);
	if (r == 1) {
		isid = strcmp(t.s, "all") == 0 || strcmp(t.s, "default") == 0;
		for (i = 0; t.s[i] != '\0' && !isid; i++)
			if (t.s[i] < '0' || t.s[i] > '9')
				break;
		isid = isid || (t.s[0] != '\0' && t.s[i] == '\0');
		free(t.s);
		if (isid)
			return 0;
	}
	buf_append(out, line, pos);
	buf_printf(out, " %u", cl->use);
	buf_append(out, line + pos, len - pos);
	return 1;
}

size_t
cmd_comment_start(const char *line, size_t len)
{
	size_t i;
	char q = 0;

	for (i = 0; i < len; i++) {
		char ch = line[i];

		if (q != 0) {
			if (q == '"' && ch == '\\')
				i++;
			else if (ch == q)
				q = 0;
		} else if (ch == '\\')
			i++;
		else if (ch == '"' || ch == '\'')
			q = ch;
		else if (ch == '#' && (i == 0 || line[i - 1] == ' ' ||
		    line[i - 1] == '\t'))
			return i;
	}
	return len;
}

enum cmd_status
cmd_run(struct client *cl, const char *line, size_t len)
{
	struct cmd_token first, *words = NULL;
	struct cmd_ctx c;
	struct buf used = BUF_INIT;
	size_t pos = 0, nwords = 0, n;
	char err[256];
	enum cmd_status st;
	int r;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (memchr(line, '\0', len) != NULL) {
		out_error(NULL, "NUL byte in command line; line ignored");
		return CMD_ERR;
	}
	/* "send 1 hi   # a comment": the comment and the blanks before it
	 * are not part of the command. */
	if ((n = cmd_comment_start(line, len)) < len) {
		len = n;
		while (len > 0 && (line[len - 1] == ' ' ||
		    line[len - 1] == '\t'))
			len--;
	}
	while (pos < len && (line[pos] == ' ' || line[pos] == '\t'))
		pos++;
	if (pos == len)
		return CMD_OK;
	r = cmd_next_token(line, len, &pos, &first, err, sizeof err);
	if (r != 1) {
		out_error(NULL, "%s", err);
		return CMD_ERR;
	}
	memset(&c, 0, sizeof c);
	c.cl = cl;
	c.interactive = cl->interactive;
	c.line = line;
	c.linelen = len;
	c.ent = cmd_lookup(first.s, err, sizeof err);
	free(first.s);
	if (c.ent == NULL) {
		out_error(NULL, "%s", err);
		return CMD_ERR;
	}
	if (cmd_use_fill(cl, c.ent, line, len, pos, &used)) {
		/* The line with the current session's id put in. */
		line = buf_cstr(&used);
		len = buf_len(&used);
		c.line = line;
		c.linelen = len;
	}
	c.argv = xcalloc(1, sizeof *c.argv);
	if (cmd_parse(&c, line, len, pos, &words, &nwords) == -1)
		st = CMD_ERR;
	else if ((c.ent->flags & CMD_TARGET) &&
	    (c.s = cmd_session(&c, c.argv[0])) == NULL)
		st = CMD_ERR;		/* the target is resolved here, once */
	else
		st = c.ent->exec(&c);
	free(c.argv);
	cmd_tokens_free(words, nwords);
	buf_free(&used);
	return st;
}

/* Pending commands. */
static void
cmd_pending_timer(void *arg)
{
	struct pending *p = arg;

	/* The deadline: the check sees it has passed. */
	p->timer = 0;
	client_wake_one(p->cl);
}

struct wait_id {
	unsigned	id;
};

enum cmd_status
cmd_wait_id(const struct cmd_ctx *c, unsigned id, uint64_t timeout_ms,
    int (*check)(struct pending *))
{
	struct wait_id *w = xmalloc(sizeof *w);

	w->id = id;
	return cmd_wait(c, timeout_ms, check, w, NULL);
}

unsigned
cmd_pending_id(const struct pending *p)
{
	return ((const struct wait_id *)p->state)->id;
}

static void
cmd_pending_init(struct pending *p, const struct cmd_ctx *c,
    uint64_t timeout_ms, int (*check)(struct pending *), void *state,
    void (*state_free)(void *))
{
	memset(p, 0, sizeof *p);
	p->active = 1;
	p->cl = c->cl;
	p->check = check;
	p->state = state;
	p->state_free = state_free;
	p->ent = c->ent;
	p->interactive = c->interactive;
	p->timeout_ms = timeout_ms;
	p->deadline = timeout_ms ? loop_now() + timeout_ms : 0;
	if (timeout_ms)
		p->timer = loop_timer_add(timeout_ms, cmd_pending_timer, p);
}

static void
cmd_pending_clear(struct pending *p)
{
	if (p->timer)
		loop_timer_del(p->timer);
	if (p->state_free != NULL)
		p->state_free(p->state);
	else
		free(p->state);
	free(p->again);
	memset(p, 0, sizeof *p);
}

/* A wait whose check said r (not 0): end it, and run the line it gives
 * back (cmd_names_first), which may wait in turn. */
static enum cmd_status
cmd_pending_end(struct pending *p, int r)
{
	enum cmd_status st;
	char *again = p->again;
	size_t againlen = p->againlen;
	struct client *cl = p->cl;
	int was = cl->interactive, interactive = p->interactive;

	p->again = NULL;
	cmd_pending_clear(p);
	if (again == NULL)
		return r > 0 ? CMD_OK : CMD_ERR;
	/* Run as the line first ran (from a script, or at the prompt). */
	cl->interactive = interactive;
	st = cmd_run(cl, again, againlen);
	cl->interactive = was;
	resolve_forget();
	free(again);
	return st;
}

enum cmd_status
cmd_wait(const struct cmd_ctx *c, uint64_t timeout_ms,
    int (*check)(struct pending *), void *state, void (*state_free)(void *))
{
	cmd_pending_init(&c->cl->pending, c, timeout_ms, check, state,
	    state_free);
	/* Already satisfied? Then it never waits. */
	return cmd_pending_poll(c->cl);
}

enum cmd_status
cmd_pending_poll(struct client *cl)
{
	struct pending *p = &cl->pending;
	int r;

	if (!p->active)
		return CMD_OK;
	r = p->check(p);
	if (r == 0)
		return CMD_PENDING;
	return cmd_pending_end(p, r);
}

void
cmd_pending_cancel(struct client *cl, const char *why)
{
	struct pending *p = &cl->pending;

	if (!p->active)
		return;
	if (why != NULL)
		out_error(p->ent->name, "%s", why);
	cmd_pending_clear(p);
}

/*
 * Waits that do not hold the prompt (cmd_wait_bg): each its own struct
 * pending in the client's list, checked when the client is woken.  One
 * that is done but has a line to run again keeps it while a command holds
 * the client, so that the two never share its pending command.
 */
struct cmd_bg {
	TAILQ_ENTRY(cmd_bg) entry;
	int		 done;		/* what the check said, once not 0 */
	struct pending	 p;
};

enum cmd_status
cmd_wait_bg(const struct cmd_ctx *c, uint64_t timeout_ms,
    int (*check)(struct pending *), void *state, void (*state_free)(void *))
{
	struct cmd_bg *b;
	int r;

	if (!c->interactive)
		return cmd_wait(c, timeout_ms, check, state, state_free);
	b = xcalloc(1, sizeof *b);
	cmd_pending_init(&b->p, c, timeout_ms, check, state, state_free);
	if ((r = check(&b->p)) != 0 && !c->cl->pending.active) {
		enum cmd_status st = cmd_pending_end(&b->p, r);

		free(b);
		return st;
	}
	b->done = r;
	TAILQ_INSERT_TAIL(&c->cl->bgs, b, entry);
	return CMD_OK;
}

enum cmd_status
cmd_bg_poll(struct client *cl)
{
	enum cmd_status st = CMD_OK;
	struct cmd_bg *b, *next;

	for (b = TAILQ_FIRST(&cl->bgs); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (b->done == 0)
			b->done = b->p.check(&b->p);
		if (b->done == 0 || (b->p.again != NULL &&
		    cl->pending.active))
			continue;
		/* Off the list first: the line run again may add waits (at
		 * the tail; a wake looks at them). */
		TAILQ_REMOVE(&cl->bgs, b, entry);
		if (cmd_pending_end(&b->p, b->done) == CMD_PENDING)
			st = CMD_PENDING;
		free(b);
	}
	return st;
}

void
cmd_bg_cancel(struct client *cl)
{
	struct cmd_bg *b;

	while ((b = TAILQ_FIRST(&cl->bgs)) != NULL) {
		TAILQ_REMOVE(&cl->bgs, b, entry);
		cmd_pending_clear(&b->p);
		free(b);
	}
}

/* Completion. */
static void	cmd_cand_list(char ***, size_t *, const char *, const char *);

static void
cmd_cand(char ***v, size_t *n, const char *text, const char *word)
{
	if (strncmp(word, text, strlen(text)) != 0)
		return;
	*v = xrealloc(*v, (*n + 2) * sizeof **v);
	(*v)[(*n)++] = xstrdup(word);
	(*v)[*n] = NULL;
}

static void
cmd_cand_ids(char ***v, size_t *n, const char *text)
{
	struct session **all;
	size_t i, cnt;
	char id[16];

	all = sess_all(&cnt);
	for (i = 0; i < cnt; i++) {
		snprintf(id, sizeof id, "%u", all[i]->id);
		cmd_cand(v, n, text, id);
	}
}

void
cmd_compl_add(struct cmd_compl *cc, const char *word)
{
	cmd_cand(cc->v, cc->n, cc->text, word);
}

void
cmd_compl_ids(struct cmd_compl *cc)
{
	cmd_cand_ids(cc->v, cc->n, cc->text);
}

void
cmd_compl_list(struct cmd_compl *cc, const char *list)
{
	cmd_cand_list(cc->v, cc->n, cc->text, list);
}

void
cmd_complete_session(struct cmd_compl *cc)
{
	if (cc->pos == 0)
		cmd_compl_ids(cc);
}

void
cmd_complete_session_all(struct cmd_compl *cc)
{
	if (cc->pos == 0) {
		cmd_compl_ids(cc);
		cmd_compl_add(cc, "all");
	}
}

void
cmd_complete_command(struct cmd_compl *cc)
{
	const struct cmd_entry *e;
	size_t i;

	if (cc->pos == 0)
		for (i = 0; (e = cmd_table[i]) != NULL; i++)
			cmd_compl_add(cc, e->name);
}

/* Complete words separated by '|' in list. */
static void
cmd_cand_list(char ***v, size_t *n, const char *text, const char *list)
{
	char *copy = xstrdup(list), *w, *save = NULL;

	for (w = strtok_r(copy, "|", &save); w != NULL;
	    w = strtok_r(NULL, "|", &save))
		cmd_cand(v, n, text, w);
	free(copy);
}

char **
cmd_complete(const char *before, const char *text)
{
	struct cmd_token *t = NULL;
	const struct cmd_entry *e;
	char **v = NULL, err[128];
	size_t nt = 0, n = 0, i, pos;

	if (cmd_tokenize(before, strlen(before), &t, &nt, err,
	    sizeof err) == -1)
		return NULL;
	if (nt == 0) {
		for (i = 0; (e = cmd_table[i]) != NULL; i++)
			cmd_cand(&v, &n, text, e->name);
		goto out;
	}
	e = cmd_lookup(t[0].s, err, sizeof err);
	if (e == NULL)
		goto out;
	if (strncmp(text, "--", 2) == 0) {
		const struct cmd_opt *o;
		char name[64];

		for (o = e->opts; o != NULL && o->name != NULL; o++) {
			snprintf(name, sizeof name, "--%s", o->name);
			cmd_cand(&v, &n, text, name);
		}
		goto out;
	}
	/* Positional index of the word being completed (options skipped). */
	for (pos = 0, i = 1; i < nt; i++) {
		if (strncmp(t[i].s, "--", 2) == 0) {
			const struct cmd_opt *o = cmd_find_opt(e, t[i].s + 2,
			    strlen(t[i].s + 2));

			if (o != NULL && o->has_arg)
				i++;
			continue;
		}
		pos++;
	}
	if (e->complete != NULL) {
		struct cmd_compl cc = { .text = text, .pos = pos, .words = t,
		    .nwords = nt, .v = &v, .n = &n };

		e->complete(&cc);
	}
out:
	cmd_tokens_free(t, nt);
	return v;
}

/* "FILE", "PATH", or an alternative of them ("PATH|off"), with any
 * brackets and a trailing "..." of the usage string around it. */
static int
cmd_usage_word_is_path(const char *w, size_t n)
{
	size_t a = 0, b;

	while (a < n && w[a] == '[')
		a++;
	while (n > a && w[n - 1] == ']')
		n--;
	for (; a < n; a = b + 1) {
		const char *bar = memchr(w + a, '|', n - a);
		size_t m;

		b = bar != NULL ? (size_t)(bar - w) : n;
		m = b - a;
		if (m > 3 && strncmp(w + a + m - 3, "...", 3) == 0)
			m -= 3;
		if ((m == 4 && strncmp(w + a, "FILE", 4) == 0) ||
		    (m == 4 && strncmp(w + a, "PATH", 4) == 0))
			return 1;
	}
	return 0;
}

/*
 * Whether positional argument pos, or the value of option opt when opt is
 * not NULL, is a file name.  The usage string is the one place that says
 * so ("sendfile ID PATH", "log [ID|all PATH|off] ...", "--keylog FILE"),
 * so completion needs no list of its own.
 */
static int
cmd_usage_is_path(const struct cmd_entry *e, size_t pos, const char *opt)
{
	const char *u = e->usage, *w;
	size_t n, i = 0;
	int value = 0;		/* the word is an option's value */
	const char *valof = NULL;

	while (*u != '\0' && *u != ' ')	/* the command name */
		u++;
	for (;;) {
		while (*u == ' ')
			u++;
		if (*u == '\0')
			return 0;
		for (w = u; *u != '\0' && *u != ' '; u++)
			;
		n = (size_t)(u - w);
		if (value) {
			value = 0;
			if (opt != NULL && valof != NULL &&
			    strcmp(valof, opt) == 0)
				return cmd_usage_word_is_path(w, n);
			continue;
		}
		while (n > 0 && *w == '[') {
			w++;
			n--;
		}
		if (n > 2 && strncmp(w, "--", 2) == 0) {
			const struct cmd_opt *o;
			size_t on = n - 2;

			while (on > 0 && w[2 + on - 1] == ']')
				on--;
			o = cmd_find_opt(e, w + 2, on);
			/* "[--opt]" ends at its bracket: no value follows. */
			if (o != NULL && o->has_arg && w[n - 1] != ']') {
				value = 1;
				valof = o->name;
			}
			continue;
		}
		if (opt == NULL && i++ == pos)
			return cmd_usage_word_is_path(w, n);
	}
}

int
cmd_complete_path(const char *before)
{
	struct cmd_token *t = NULL;
	const struct cmd_entry *e;
	const struct cmd_opt *o = NULL;
	char err[128];
	size_t nt = 0, i, pos = 0;
	int r = 0;

	if (cmd_tokenize(before, strlen(before), &t, &nt, err,
	    sizeof err) == -1)
		return 0;
	if (nt == 0 || (e = cmd_lookup(t[0].s, err, sizeof err)) == NULL)
		goto out;
	/* Positional index of the word being completed (options and their
	 * values skipped), or the option whose value it is. */
	for (i = 1; i < nt; i++) {
		o = NULL;
		if (!t[i].quoted && strncmp(t[i].s, "--", 2) == 0 &&
		    t[i].s[2] != '\0') {
			o = cmd_find_opt(e, t[i].s + 2, strlen(t[i].s + 2));
			if (o != NULL && !o->has_arg)
				o = NULL;
			else if (o != NULL && i + 1 < nt) {
				i++;
				o = NULL;
			}
			continue;
		}
		pos++;
	}
	r = cmd_usage_is_path(e, pos, o != NULL ? o->name : NULL);
out:
	cmd_tokens_free(t, nt);
	return r;
}
