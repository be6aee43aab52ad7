/* SPDX-License-Identifier: GPL-3.0-or-later */
/* settings.c — the `set` table: parsing and formatting of each setting. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enc.h"
#include "codec.h"
#include "settings.h"

struct settings settings_default = {
	.display = DISP_TEXT,
	.show_sent = 1,
	.timestamps = 0,
	.max_display = 4096,
	.eol = EOL_LF,
	.send_eol = EOL_NONE,
	.encoding = "utf-8",
};

static int
setting_choice(const char *value, const char *const *names, int *out,
    const char *what, char *err, size_t errlen)
{
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(value, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	snprintf(err, errlen, "bad %s value \"%.32s\"", what, value);
	return -1;
}

static const char *const display_names[] = { "text", "hex", "both", "none",
    NULL };
const char *
settings_display_name(int display)
{
	return display_names[display];
}

static const char *const onoff_names[] = { "off", "on", NULL };
static const char *const eol_names[] = { "lf", "crlf", "cr", "none", NULL };

static int
set_display(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, display_names, &s->display, "display", err,
	    errlen);
}

static void
fmt_display(const struct settings *s, struct buf *out)
{
	buf_puts(out, display_names[s->display]);
}

static int
set_show_sent(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, onoff_names, &s->show_sent, "show-sent", err,
	    errlen);
}

static void
fmt_show_sent(const struct settings *s, struct buf *out)
{
	buf_puts(out, onoff_names[s->show_sent]);
}

static int
set_timestamps(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, onoff_names, &s->timestamps, "timestamps",
	    err, errlen);
}

static void
fmt_timestamps(const struct settings *s, struct buf *out)
{
	buf_puts(out, onoff_names[s->timestamps]);
}

static int
set_max_display(struct settings *s, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (codec_parse_uint(v, 0, UINT32_MAX, &n) == -1) {
		snprintf(err, errlen, "bad max-display value \"%.32s\" "
		    "(bytes, 0 = unlimited)", v);
		return -1;
	}
	s->max_display = n;
	return 0;
}

static void
fmt_max_display(const struct settings *s, struct buf *out)
{
	buf_printf(out, "%llu", (unsigned long long)s->max_display);
}

static int
set_eol(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, eol_names, &s->eol, "eol", err, errlen);
}

static void
fmt_eol(const struct settings *s, struct buf *out)
{
	buf_puts(out, eol_names[s->eol]);
}

static int
set_send_eol(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, eol_names, &s->send_eol, "send-eol", err,
	    errlen);
}

static void
fmt_send_eol(const struct settings *s, struct buf *out)
{
	buf_puts(out, eol_names[s->send_eol]);
}

const char *
settings_eol_bytes(int eol)
{
	static const char *const bytes[] = { "\n", "\r\n", "\r", "" };

	return bytes[eol];
}

static int
set_encoding(struct settings *s, const char *v, char *err, size_t errlen)
{
	if (enc_check(v) == -1) {
		snprintf(err, errlen, "unknown encoding \"%.32s\" (see iconv "
		    "-l)", v);
		return -1;
	}
	snprintf(s->encoding, sizeof s->encoding, "%s", v);
	return 0;
}

static void
fmt_encoding(const struct settings *s, struct buf *out)
{
	buf_puts(out, s->encoding);
}

static int
set_framing(struct settings *s, const char *v, char *err, size_t errlen)
{
	return frame_parse(v, &s->frame, err, errlen);
}

static void
fmt_framing(const struct settings *s, struct buf *out)
{
	frame_format(&s->frame, out);
}

static const char *const echo_names[] = { "off", "on", "upper", NULL };

static int
set_echo(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, echo_names, &s->echo, "echo", err, errlen);
}

static void
fmt_echo(const struct settings *s, struct buf *out)
{
	buf_puts(out, echo_names[s->echo]);
}

static int
set_half_close(struct settings *s, const char *v, char *err, size_t errlen)
{
	return setting_choice(v, onoff_names, &s->half_close, "half-close",
	    err, errlen);
}

static void
fmt_half_close(const struct settings *s, struct buf *out)
{
	buf_puts(out, onoff_names[s->half_close]);
}

/* "N" or "N DUR" (the gap between pieces), "off" or 0. */
static int
set_split(struct settings *s, const char *v, char *err, size_t errlen)
{
	const char *sp = strpbrk(v, " \t");
	char num[16];
	size_t len = sp != NULL ? (size_t)(sp - v) : strlen(v);
	uint64_t n, gap = 0;

	if (strcmp(v, "off") == 0) {
		s->split = 0;
		s->split_gap_ms = 0;
		return 0;
	}
	if (len >= sizeof num)
		len = 0;
	memcpy(num, v, len);
	num[len] = '\0';
	if (sp != NULL)
		sp += strspn(sp, " \t");
	if (codec_parse_uint(num, 0, 1u << 24, &n) == -1 ||
	    (sp != NULL && (n == 0 || codec_parse_duration(sp, &gap) == -1))) {
		snprintf(err, errlen, "bad split \"%.32s\" (bytes per piece, "
		    "then a gap if wanted: 3, 3 50ms, off)", v);
		return -1;
	}
	s->split = (unsigned)n;
	s->split_gap_ms = gap;
	return 0;
}

static void
fmt_split(const struct settings *s, struct buf *out)
{
	if (s->split == 0)
		buf_puts(out, "off");
	else
		buf_printf(out, "%u", s->split);
	if (s->split != 0 && s->split_gap_ms != 0) {
		buf_puts(out, " ");
		codec_fmt_duration(s->split_gap_ms, out);
	}
}

/* A duration or off, into *ms (what: the setting's name). */
static int
set_duration_off(uint64_t *ms, const char *what, const char *v, char *err,
    size_t errlen)
{
	uint64_t d;

	if (strcmp(v, "off") == 0)
		d = 0;
	else if (codec_parse_duration(v, &d) == -1) {
		snprintf(err, errlen, "bad %s \"%.32s\" (e.g. 20ms, 1s, off)",
		    what, v);
		return -1;
	}
	*ms = d;
	return 0;
}

static void
fmt_duration_off(uint64_t ms, struct buf *out)
{
	if (ms == 0)
		buf_puts(out, "off");
	else
		codec_fmt_duration(ms, out);
}

static int
set_delay(struct settings *s, const char *v, char *err, size_t errlen)
{
	return set_duration_off(&s->delay_ms, "delay", v, err, errlen);
}

static void
fmt_delay(const struct settings *s, struct buf *out)
{
	fmt_duration_off(s->delay_ms, out);
}

static int
set_jitter(struct settings *s, const char *v, char *err, size_t errlen)
{
	return set_duration_off(&s->jitter_ms, "jitter", v, err, errlen);
}

static void
fmt_jitter(const struct settings *s, struct buf *out)
{
	fmt_duration_off(s->jitter_ms, out);
}

/* "100k", "2M", "512", optionally followed by "/s": bytes per second. */
static int
set_rate(struct settings *s, const char *v, char *err, size_t errlen)
{
	char num[32];
	size_t n = strlen(v);
	uint64_t r, mult = 1;

	if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
		s->rate = 0;
		return 0;
	}
	if (n > 2 && strcmp(v + n - 2, "/s") == 0)
		n -= 2;
	if (n > 0 && (v[n - 1] == 'k' || v[n - 1] == 'K'))
		mult = 1000, n--;
	else if (n > 0 && (v[n - 1] == 'M' || v[n - 1] == 'm'))
		mult = 1000000, n--;
	else if (n > 0 && (v[n - 1] == 'G' || v[n - 1] == 'g'))
		mult = 1000000000, n--;
	if (n == 0 || n >= sizeof num) {
		snprintf(err, errlen, "bad rate \"%.32s\" (bytes/s: 100k, 2M)",
		    v);
		return -1;
	}
	memcpy(num, v, n);
	num[n] = '\0';
	if (codec_parse_uint(num, 1, UINT64_C(1) << 40, &r) == -1) {
		snprintf(err, errlen, "bad rate \"%.32s\" (bytes/s: 100k, 2M)",
		    v);
		return -1;
	}
	s->rate = r * mult;
	return 0;
}

static void
fmt_rate(const struct settings *s, struct buf *out)
{
	if (s->rate == 0)
		buf_puts(out, "off");
	else
		buf_printf(out, "%llu/s", (unsigned long long)s->rate);
}

static int
set_read(struct settings *s, const char *v, char *err, size_t errlen)
{
	int on;

	if (setting_choice(v, onoff_names, &on, "read", err, errlen) == -1)
		return -1;
	s->read_off = !on;
	return 0;
}

static void
fmt_read(const struct settings *s, struct buf *out)
{
	buf_puts(out, s->read_off ? "off" : "on");
}

static int
set_percent(unsigned *out, const char *what, const char *v, char *err,
    size_t errlen)
{
	uint64_t n;
	size_t len = strlen(v);
	char num[8];

	if (len > 0 && v[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof num) {
		snprintf(err, errlen, "bad %s \"%.32s\" (a percentage, 0..100)",
		    what, v);
		return -1;
	}
	memcpy(num, v, len);
	num[len] = '\0';
	if (codec_parse_uint(num, 0, 100, &n) == -1) {
		snprintf(err, errlen, "bad %s \"%.32s\" (a percentage, 0..100)",
		    what, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int
set_drop(struct settings *s, const char *v, char *err, size_t errlen)
{
	return set_percent(&s->drop, "drop", v, err, errlen);
}

static void
fmt_drop(const struct settings *s, struct buf *out)
{
	buf_printf(out, "%u%%", s->drop);
}

static int
set_dup(struct settings *s, const char *v, char *err, size_t errlen)
{
	return set_percent(&s->dup, "dup", v, err, errlen);
}

static void
fmt_dup(const struct settings *s, struct buf *out)
{
	buf_printf(out, "%u%%", s->dup);
}

static int
set_seed(struct settings *s, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (codec_parse_uint(v, 0, UINT64_MAX, &n) == -1) {
		snprintf(err, errlen, "bad seed \"%.32s\" (a number; 0 = "
		    "random)", v);
		return -1;
	}
	s->seed = n;
	return 0;
}

static void
fmt_seed(const struct settings *s, struct buf *out)
{
	buf_printf(out, "%llu", (unsigned long long)s->seed);
}

static int
set_check(struct settings *s, const char *v, char *err, size_t errlen)
{
	struct check_spec c;

	if (strcmp(v, "none") == 0 || strcmp(v, "off") == 0) {
		s->have_check = 0;
		return 0;
	}
	if (check_parse(v, &c, err, errlen) == -1)
		return -1;
	s->check = c;
	s->have_check = 1;
	return 0;
}

static void
fmt_check(const struct settings *s, struct buf *out)
{
	if (!s->have_check)
		buf_puts(out, "none");
	else
		check_format(&s->check, out);
}

/*
 * The closing quote of the quoted string opening at s[i], or n when it is
 * never closed.  As in the command tokenizer, a backslash protects the next
 * character inside double quotes, never inside single ones.
 */
static size_t
reply_quote_end(const char *s, size_t n, size_t i)
{
	char q = s[i];

	for (i++; i < n && s[i] != q; i++)
		if (q == '"' && s[i] == '\\' && i + 1 < n)
			i++;
	return i;
}

/* The "=>" of a rule: the first outside quotes, so a quoted side may hold
 * one.  A quote that is never closed is an ordinary character ("it's"). */
static const char *
reply_arrow(const char *v)
{
	size_t n = strlen(v), i, e;

	for (i = 0; i + 1 < n; i++) {
		if (v[i] == '\\')
			i++;
		else if ((v[i] == '"' || v[i] == '\'') &&
		    (e = reply_quote_end(v, n, i)) < n)
			i = e;
		else if (v[i] == '=' && v[i + 1] == '>')
			return v + i;
	}
	return NULL;
}

/*
 * "PATTERN => RESPONSE": each side text with escapes, or hex:...  Quotes
 * group here as on the command line: a side that is one quoted string as a
 * whole loses them (escaped quotes inside allowed), and they change nothing
 * else ("hex:" still means hex).
 */
static int
reply_side(const char *p, size_t n, struct buf *out, char *err, size_t errlen)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= 2 && (*p == '"' || *p == '\'') &&
	    reply_quote_end(p, n, 0) == n - 1) {
		p++;
		n -= 2;
	}
	if (n >= 4 && strncmp(p, "hex:", 4) == 0)
		return codec_parse_hex(p + 4, n - 4, out, err, errlen);
	return codec_unescape(p, n, out, err, errlen);
}

static void
rule_free(struct reply_rule *r)
{
	buf_free(&r->pattern);
	buf_free(&r->response);
	rx_unref(r->rx);
	rx_tmpl_free(&r->tmpl);
	free(r->text);
}

static void
reply_unref(struct reply_rules *r)
{
	size_t i;

	if (r == NULL || --r->refs > 0)
		return;
	for (i = 0; i < r->n; i++)
		rule_free(&r->r[i]);
	free(r);
}

static void
rule_copy(struct reply_rule *d, const struct reply_rule *o)
{
	size_t i;

	*d = *o;
	memset(&d->pattern, 0, sizeof d->pattern);
	memset(&d->response, 0, sizeof d->response);
	memset(&d->tmpl, 0, sizeof d->tmpl);
	buf_append(&d->pattern, buf_peek(&o->pattern), buf_len(&o->pattern));
	buf_append(&d->response, buf_peek(&o->response),
	    buf_len(&o->response));
	buf_append(&d->tmpl.lit, buf_peek(&o->tmpl.lit), buf_len(&o->tmpl.lit));
	if (o->tmpl.n > 0) {
		d->tmpl.piece = xmalloc(o->tmpl.n * sizeof *d->tmpl.piece);
		for (i = 0; i < o->tmpl.n; i++)
			d->tmpl.piece[i] = o->tmpl.piece[i];
		d->tmpl.n = o->tmpl.n;
	}
	d->rx = rx_ref(o->rx);
	d->text = xstrdup(o->text);
}

/* The "=>" after a /REGEX/FLAGS that opens v, or NULL: a regex may hold
 * quotes and "=>" of its own, so the first slash followed by flags and an
 * arrow ends it (a slash inside the regex is written \/). */
static const char *
rx_arrow(const char *v)
{
	size_t i = 0, j;

	while (v[i] == ' ' || v[i] == '\t')
		i++;
	if (v[i] != '/')
		return NULL;
	for (i++; v[i] != '\0'; i++) {
		if (v[i] == '\\' && v[i + 1] != '\0') {
			i++;
			continue;
		}
		if (v[i] != '/')
			continue;
		for (j = i + 1; v[j] >= 'a' && v[j] <= 'z'; j++)
			;
		while (v[j] == ' ' || v[j] == '\t')
			j++;
		if (v[j] == '=' && v[j + 1] == '>')
			return v + j;
	}
	return NULL;
}

/* One side of a rule, blanks trimmed and outer quotes removed (as
 * reply_side() takes them), not yet decoded. */
static void
rule_side_text(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
	if (*n >= 2 && (**p == '"' || **p == '\'') &&
	    reply_quote_end(*p, *n, 0) == *n - 1) {
		(*p)++;
		*n -= 2;
	}
}

/* The start of the last blank-separated word of v[0..n). */
static size_t
last_word(const char *v, size_t n)
{
	while (n > 0 && v[n - 1] != ' ' && v[n - 1] != '\t')
		n--;
	return n;
}

/*
 * A reply rule's options, written after its response: --fill and
 * --append CHECK, cut off the end of v (in place).  A response that ends
 * in such words itself is quoted.
 */
static int
rule_opts(char *v, struct reply_rule *r, char *err, size_t errlen)
{
	size_t n, w, pw, pe;

	for (;;) {
		n = strlen(v);
		while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			v[--n] = '\0';
		w = last_word(v, n);
		if (strcmp(v + w, "--fill") == 0) {
			r->fill = 1;
			v[w] = '\0';
			continue;
		}
		if (strcmp(v + w, "--append") == 0) {
			snprintf(err, errlen, "reply rule: --append needs a CHECK");
			return -1;
		}
		for (pe = w; pe > 0 && (v[pe - 1] == ' ' || v[pe - 1] == '\t');
		    pe--)
			;
		pw = last_word(v, pe);
		if (pe > pw && pe - pw == 8 && strncmp(v + pw, "--append",
		    8) == 0) {
			char e[160];

			if (check_parse(v + w, &r->check, e, sizeof e) == -1) {
				snprintf(err, errlen, "reply rule: --append: %s", e);
				return -1;
			}
			r->have_check = 1;
			v[pw] = '\0';
			continue;
		}
		return 0;
	}
}

/* Parse "PATTERN => RESPONSE" (PATTERN a /REGEX/FLAGS or bytes) into r;
 * what names the rule kind in errors.  Only reply rules take a regex. */
static int
rule_parse(const char *v, struct reply_rule *r, const char *what,
    char *err, size_t errlen)
{
	const char *arrow = rx_arrow(v), *p, *q;
	size_t pn, qn, rl, fl;
	char e[200];

	if (arrow == NULL)
		arrow = reply_arrow(v);
	if (arrow == NULL) {
		snprintf(err, errlen, "a %s rule is 'PATTERN => %s' (or clear)",
		    what, strcmp(what, "reply") == 0 ? "RESPONSE" :
		    "REPLACEMENT");
		return -1;
	}
	p = v;
	pn = (size_t)(arrow - v);
	q = arrow + 2;
	qn = strlen(q);
	rule_side_text(&p, &pn);
	rule_side_text(&q, &qn);
	if (rx_is_regex(p, pn, &rl, &fl)) {
		if (strcmp(what, "reply") != 0) {
			snprintf(err, errlen, "%s rule: a /REGEX/ works in "
			    "reply rules only (rewrite matches bytes)", what);
			return -1;
		}
		if (rx_compile(p, pn, &r->rx, e, sizeof e) == -1 ||
		    rx_tmpl_parse(q, qn, r->rx, &r->tmpl, e, sizeof e) == -1)
			goto bad;
		return 0;
	}
	if (reply_side(v, (size_t)(arrow - v), &r->pattern, e,
	    sizeof e) == -1 || reply_side(arrow + 2, strlen(arrow + 2),
	    &r->response, e, sizeof e) == -1)
		goto bad;
	if (buf_len(&r->pattern) == 0) {
		snprintf(err, errlen, "%s rule: empty pattern", what);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "%s rule: %s", what, e);
	return -1;
}

/* --fill: the answer's placeholders must compile (captures left out). */
static int
rule_check_fill(const struct reply_rule *r, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	struct fill *f = NULL;
	char e[160];
	int rc;

	if (!r->fill)
		return 0;
	if (r->rx != NULL)
		rx_expand(&r->tmpl, NULL, NULL, 0, 1, &b);
	else
		buf_append(&b, buf_peek(&r->response), buf_len(&r->response));
	rc = fill_compile(buf_peek(&b), buf_len(&b), &f, e, sizeof e);
	if (rc == -1)
		snprintf(err, errlen, "reply rule: --fill: %s", e);
	fill_free(f);
	buf_free(&b);
	return rc;
}

/* Add a "PATTERN => RESPONSE" rule to *slot (what: "reply" or "rewrite"),
 * or drop them all with "clear".  The rules are shared by reference, so a
 * new set is made rather than the old one changed. */
static int
rules_set(struct reply_rules **slot, const char *v, const char *what,
    char *err, size_t errlen)
{
	struct reply_rules *old = *slot, *nr;
	struct reply_rule rule;
	size_t i, n = old ? old->n : 0;
	char *text;

	if (strcmp(v, "clear") == 0) {
		reply_unref(old);
		*slot = NULL;
		return 0;
	}
	memset(&rule, 0, sizeof rule);
	text = xstrdup(v);
	if ((strcmp(what, "reply") == 0 &&
	    rule_opts(text, &rule, err, errlen) == -1) ||
	    rule_parse(text, &rule, what, err, errlen) == -1 ||
	    rule_check_fill(&rule, err, errlen) == -1) {
		free(text);
		rule_free(&rule);
		return -1;
	}
	free(text);
	rule.text = xstrdup(v);
	nr = xcalloc(1, sizeof *nr + (n + 1) * sizeof nr->r[0]);
	nr->refs = 1;
	for (i = 0; i < n; i++)
		rule_copy(&nr->r[i], &old->r[i]);
	nr->r[n] = rule;
	nr->n = n + 1;
	reply_unref(old);
	*slot = nr;
	return 0;
}

int
reply_answer(const struct reply_rule *r, const unsigned char *p, size_t n,
    const struct fill_env *env, struct buf *out, char *err, size_t errlen)
{
	size_t ov[2 * (RX_GROUPS_MAX + 1)];
	struct buf b = BUF_INIT;
	struct fill *f = NULL;

	if (r->rx != NULL) {
		if (!rx_match(r->rx, p, n, ov, sizeof ov / sizeof ov[0]))
			return 0;
		rx_expand(&r->tmpl, p, ov, sizeof ov / sizeof ov[0], r->fill,
		    &b);
	} else {
		if (memmem(p, n, buf_peek(&r->pattern),
		    buf_len(&r->pattern)) == NULL)
			return 0;
		buf_append(&b, buf_peek(&r->response), buf_len(&r->response));
	}
	if (r->fill) {
		if (fill_compile(buf_peek(&b), buf_len(&b), &f, err,
		    errlen) == -1) {
			buf_free(&b);
			return -1;
		}
		buf_reset(&b);
		fill_expand(f, env, r->have_check ? check_width(&r->check) : 0,
		    &b);
		fill_free(f);
	}
	if (r->have_check)
		check_append(&r->check, buf_peek(&b), buf_len(&b), &b);
	buf_append(out, buf_peek(&b), buf_len(&b));
	buf_free(&b);
	return 1;
}

static int
set_reply(struct settings *s, const char *v, char *err, size_t errlen)
{
	return rules_set(&s->replies, v, "reply", err, errlen);
}

static int
set_rewrite(struct settings *s, const char *v, char *err, size_t errlen)
{
	return rules_set(&s->rewrites, v, "rewrite", err, errlen);
}

static void
fmt_rules(const struct reply_rules *rr, struct buf *out)
{
	size_t i;

	if (rr == NULL) {
		buf_puts(out, "none");
		return;
	}
	for (i = 0; i < rr->n; i++)
		buf_printf(out, "%s'%s'", i ? "; " : "", rr->r[i].text);
}

static void
fmt_reply(const struct settings *s, struct buf *out)
{
	fmt_rules(s->replies, out);
}

static void
fmt_rewrite(const struct settings *s, struct buf *out)
{
	fmt_rules(s->rewrites, out);
}

void
settings_copy(struct settings *dst, const struct settings *src)
{
	*dst = *src;
	dst->refs = 0;
	if (dst->replies != NULL)
		dst->replies->refs++;
	if (dst->rewrites != NULL)
		dst->rewrites->refs++;
}

void
settings_release(struct settings *s)
{
	reply_unref(s->replies);
	s->replies = NULL;
	reply_unref(s->rewrites);
	s->rewrites = NULL;
}

const struct settings *
settings_hold(const struct settings *src)
{
	struct settings *s;

	if (src->refs > 0) {
		/* Only the count changes: holders never write through it. */
		s = (struct settings *)(uintptr_t)src;
		s->refs++;
		return s;
	}
	s = xmalloc(sizeof *s);
	settings_copy(s, src);
	s->refs = 1;
	return s;
}

void
settings_drop(const struct settings *set)
{
	struct settings *s = (struct settings *)(uintptr_t)set;

	if (s == NULL)
		return;
	/* Only what settings_hold gave is dropped (a plain value has 0). */
	assert(s->refs > 0);
	if (--s->refs > 0)
		return;
	settings_release(s);
	free(s);
}

struct settings *
settings_own(const struct settings **p)
{
	struct settings *s;

	assert((*p)->refs > 0);
	if ((*p)->refs == 1)
		return (struct settings *)(uintptr_t)*p;
	s = xmalloc(sizeof *s);
	settings_copy(s, *p);
	s->refs = 1;
	settings_drop(*p);
	*p = s;
	return s;
}

const struct setting_def setting_defs[] = {
	{ "display", "text|hex|both|none",
	  "how received and sent data is shown", set_display, fmt_display },
	{ "show-sent", "on|off", "show data as it is sent", set_show_sent,
	  fmt_show_sent },
	{ "timestamps", "on|off", "prefix events with the local time",
	  set_timestamps, fmt_timestamps },
	{ "max-display", NULL, "bytes of a message shown, 0 = all",
	  set_max_display, fmt_max_display },
	{ "eol", "lf|crlf|cr|none", "line ending added by attach", set_eol,
	  fmt_eol },
	{ "send-eol", "none|lf|crlf|cr", "line ending added by send (after "
	  "--append)", set_send_eol, fmt_send_eol },
	{ "encoding", "utf-8|gbk|gb18030|big5|shift_jis|euc-jp|latin1|utf-16le",
	  "character set of text sent and shown", set_encoding, fmt_encoding },
	{ "framing", "raw|line|delim:|len:1|len:2|len:4|len:2le|len:4le|fixed:|"
	  "idle:",
	  "how received stream bytes are cut into messages", set_framing,
	  fmt_framing },
	{ "echo", "off|on|upper", "send back every received message that no "
	  "reply rule matched", set_echo, fmt_echo },
	{ "reply", "clear", "auto-reply rule 'PATTERN => RESPONSE' (PATTERN "
	  "bytes or /REGEX/[isx])",
	  set_reply, fmt_reply },
	{ "half-close", "on|off", "a peer's end of stream leaves the session "
	  "open for sending", set_half_close, fmt_half_close },
	{ "rewrite", "clear", "relay: rewrite rule 'PATTERN => REPLACEMENT' "
	  "applied to forwarded bytes", set_rewrite, fmt_rewrite },
	{ "split", "off", "write N bytes a piece, each its own segment (a "
	  "gap DUR between)", set_split, fmt_split },
	{ "delay", "off", "hold every chunk DUR from when it was queued "
	  "(latency)", set_delay, fmt_delay },
	{ "jitter", "off", "hold every chunk a random 0..DUR more (order "
	  "kept)", set_jitter, fmt_jitter },
	{ "rate", "off", "pace writes to BYTES/s (100k, 2M)", set_rate,
	  fmt_rate },
	{ "read", "on|off", "off stops reading (the peer's window fills)",
	  set_read, fmt_read },
	{ "drop", NULL, "UDP: drop PERCENT of outgoing datagrams", set_drop,
	  fmt_drop },
	{ "dup", NULL, "UDP: send PERCENT of outgoing datagrams twice",
	  set_dup, fmt_dup },
	{ "seed", NULL, "seed of the drop/dup/jitter choices (0 = random)", set_seed,
	  fmt_seed },
	{ "check", "none|sum8|xor8|lrc|crc8|crc16-modbus|crc16-ccitt|"
	  "crc16-xmodem|crc32|crc32c", "verify the checksum that ends every "
	  "received message", set_check, fmt_check },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct setting_def *
setting_find(const char *name)
{
	const struct setting_def *d;

	for (d = setting_defs; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}
