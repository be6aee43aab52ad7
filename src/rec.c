/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rec.c — recorded conversations: script lines written by the script log,
 * and scripts or jsonl logs read back as request/answer steps (rec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "rec.h"

int
rec_is_text(const unsigned char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\r' &&
		    p[i] != '\n' && p[i] != '\t')
			return 0;
	return 1;
}

/* "TEXT" with escapes, a double quote escaped too: the command line
 * takes the quoted string whole, # and ; included. */
static void
rec_quoted(const unsigned char *p, size_t n, struct buf *out)
{
	struct buf e = BUF_INIT;
	size_t i;

	codec_escape(p, n, &e, 0);
	buf_putc(out, '"');
	for (i = 0; i < buf_len(&e); i++) {
		if (buf_peek(&e)[i] == '"')
			buf_putc(out, '\\');
		buf_putc(out, buf_peek(&e)[i]);
	}
	buf_putc(out, '"');
	buf_free(&e);
}

static void
rec_hex(const unsigned char *p, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(out, "%02x", p[i]);
}

void
rec_send_line(unsigned id, const unsigned char *p, size_t n, struct buf *out)
{
	if (rec_is_text(p, n)) {
		buf_printf(out, "send %u ", id);
		rec_quoted(p, n, out);
	} else {
		buf_printf(out, "sendhex %u ", id);
		rec_hex(p, n, out);
	}
	buf_putc(out, '\n');
}

void
rec_expect_line(unsigned id, const unsigned char *p, size_t n,
    uint64_t timeout_ms, struct buf *out)
{
	buf_printf(out, "expect %u ", id);
	if (timeout_ms > 0)
		buf_printf(out, "--timeout %llums ",
		    (unsigned long long)timeout_ms);
	if (rec_is_text(p, n))
		rec_quoted(p, n, out);
	else {
		buf_puts(out, "--hex ");
		rec_hex(p, n, out);
	}
	buf_putc(out, '\n');
}

void
rec_sleep_line(uint64_t ms, struct buf *out)
{
	buf_printf(out, "sleep %llums\n", (unsigned long long)ms);
}

void
rec_conv_free(struct rec_conv *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		buf_free(&r->step[i].req);
		buf_free(&r->step[i].ans);
	}
	free(r->step);
	memset(r, 0, sizeof *r);
}

static struct rec_step *
rec_add(struct rec_conv *r, int line)
{
	struct rec_step *st;

	r->step = xrealloc(r->step, (r->n + 1) * sizeof *r->step);
	st = &r->step[r->n++];
	memset(st, 0, sizeof *st);
	st->line = line;
	return st;
}

/* The words of a script line, as far as a recording needs them: the
 * command, then each argument (a quoted one without its quotes, escapes
 * kept for codec_unescape). */
#define REC_WORDS	6
struct rec_words {
	const char	*w[REC_WORDS];
	size_t		 len[REC_WORDS];
	int		 quoted[REC_WORDS];
	size_t		 n;
};

static int
rec_split(const char *s, size_t n, struct rec_words *ws)
{
	size_t i = 0, a;

	ws->n = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n || s[i] == '#')
			break;
		if (ws->n == REC_WORDS)
			return -1;
		ws->quoted[ws->n] = s[i] == '"';
		if (s[i] == '"') {
			a = ++i;
			while (i < n && s[i] != '"')
				i += s[i] == '\\' && i + 1 < n ? 2 : 1;
			if (i >= n)
				return -1;
			ws->w[ws->n] = s + a;
			ws->len[ws->n++] = i++ - a;
			continue;
		}
		a = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		ws->w[ws->n] = s + a;
		ws->len[ws->n++] = i - a;
	}
	return 0;
}

static int
rec_word_is(const struct rec_words *ws, size_t i, const char *w)
{
	return i < ws->n && ws->len[i] == strlen(w) &&
	    memcmp(ws->w[i], w, ws->len[i]) == 0;
}

/* DUR as sleep writes it: 250ms, 1.5s, 2 (seconds). */
static int
rec_dur_us(const char *s, size_t n, uint64_t *us)
{
	char b[32], *end;
	double v;

	if (n == 0 || n >= sizeof b)
		return -1;
	memcpy(b, s, n);
	b[n] = '\0';
	v = strtod(b, &end);
	if (end == b || v < 0 || v > 86400.0 * 365)
		return -1;
	if (strcmp(end, "ms") == 0)
		v *= 1e3;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		v *= 1e6;
	else if (strcmp(end, "m") == 0)
		v *= 60e6;
	else
		return -1;
	*us = (uint64_t)v;
	return 0;
}

/* The bytes of a send/expect argument: quoted text, or hex. */
static int
rec_bytes(const struct rec_words *ws, size_t i, int hex, struct buf *out,
    char *err, size_t errlen)
{
	if (hex)
		return codec_parse_hex(ws->w[i], ws->len[i], out, err, errlen);
	return codec_unescape(ws->w[i], ws->len[i], out, err, errlen);
}

/* One script line into r; *gap carries a sleep to the next send. */
static int
rec_script_line(const char *s, size_t n, int line, struct rec_conv *r,
    uint64_t *gap, char *err, size_t errlen)
{
	struct rec_words ws;
	struct rec_step *st;
	char e[128];
	size_t a;
	int hex;

	if (rec_split(s, n, &ws) == -1) {
		snprintf(err, errlen, "line %d: not a line a script log "
		    "writes", line);
		return -1;
	}
	if (ws.n == 0)
		return 0;
	if (rec_word_is(&ws, 0, "sleep")) {
		if (ws.n != 2 || rec_dur_us(ws.w[1], ws.len[1], gap) == -1) {
			snprintf(err, errlen, "line %d: bad sleep", line);
			return -1;
		}
		return 0;
	}
	if (rec_word_is(&ws, 0, "send") || rec_word_is(&ws, 0, "sendhex")) {
		hex = rec_word_is(&ws, 0, "sendhex");
		if (ws.n != 3) {
			snprintf(err, errlen, "line %d: a recorded send is "
			    "send ID \"TEXT\" or sendhex ID HEX", line);
			return -1;
		}
		st = rec_add(r, line);
		st->gap_us = *gap;
		*gap = 0;
		if (rec_bytes(&ws, 2, hex, &st->req, e, sizeof e) == -1)
			goto bad;
		return 0;
	}
	if (rec_word_is(&ws, 0, "expect")) {
		for (a = 2, hex = 0; a < ws.n && ws.w[a][0] == '-' &&
		    !ws.quoted[a]; a++) {
			if (rec_word_is(&ws, a, "--hex"))
				hex = 1;
			else if (rec_word_is(&ws, a, "--timeout"))
				a++;
		}
		if (a + 1 != ws.n) {
			snprintf(err, errlen, "line %d: a recorded expect is "
			    "expect ID [--timeout DUR] [--hex] PATTERN", line);
			return -1;
		}
		/* An answer before any send: a banner, a step of its own. */
		st = r->n > 0 ? &r->step[r->n - 1] : rec_add(r, line);
		if (rec_bytes(&ws, a, hex, &st->ans, e, sizeof e) == -1)
			goto bad;
		return 0;
	}
	/* The session-making command, settings, waits, closes: not steps. */
	return 0;
bad:
	snprintf(err, errlen, "line %d: %s", line, e);
	return -1;
}

/* The string value of "key":"..." in one JSON line (our own logs: no
 * escapes inside hex and ts values), or NULL. */
static const char *
rec_json_str(const char *s, size_t n, const char *key, size_t *len)
{
	char pat[32];
	const char *p, *end = s + n, *q;
	size_t pl;

	pl = (size_t)snprintf(pat, sizeof pat, "\"%s\":\"", key);
	for (p = s; p + pl <= end; p++) {
		if (memcmp(p, pat, pl) != 0)
			continue;
		p += pl;
		for (q = p; q < end && *q != '"'; q++)
			;
		if (q == end)
			return NULL;
		*len = (size_t)(q - p);
		return p;
	}
	return NULL;
}

/* "2026-12-01T21:04:09.123456Z" in microseconds since the epoch. */
static int
rec_ts_us(const char *s, size_t n, uint64_t *us)
{
	struct tm tm;
	char b[40];
	unsigned frac = 0, digits = 0;
	const char *p;
	int y, mo, d, h, mi, sec;
	time_t t;

	if (n >= sizeof b)
		return -1;
	memcpy(b, s, n);
	b[n] = '\0';
	if (sscanf(b, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi,
	    &sec) != 6)
		return -1;
	if ((p = strchr(b, '.')) != NULL)
		for (p++; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
			frac = frac * 10 + (unsigned)(*p - '0');
	while (digits++ < 6)
		frac *= 10;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1 || t < 0)
		return -1;
	*us = (uint64_t)t * 1000000u + frac;
	return 0;
}

/* One jsonl line: recv and sent events become steps; *last is the time of
 * the previous event (0: none). */
static int
rec_json_line(const char *s, size_t n, int line, struct rec_conv *r,
    uint64_t *last, char *err, size_t errlen)
{
	const char *ev, *hex, *ts;
	size_t evn, hexn, tsn;
	uint64_t t = 0;
	struct rec_step *st;
	char e[128];
	int sent;

	if ((ev = rec_json_str(s, n, "event", &evn)) == NULL)
		return 0;
	sent = evn == 4 && memcmp(ev, "sent", 4) == 0;
	if (!sent && !(evn == 4 && memcmp(ev, "recv", 4) == 0))
		return 0;
	if ((hex = rec_json_str(s, n, "hex", &hexn)) == NULL) {
		snprintf(err, errlen, "line %d: a %s event without hex", line,
		    sent ? "sent" : "recv");
		return -1;
	}
	if ((ts = rec_json_str(s, n, "ts", &tsn)) != NULL)
		rec_ts_us(ts, tsn, &t);
	if (sent || r->n == 0) {
		st = rec_add(r, line);
		if (sent && *last != 0 && t > *last)
			st->gap_us = t - *last;
	} else
		st = &r->step[r->n - 1];
	if (t != 0)
		*last = t;
	if (codec_parse_hex(hex, hexn, sent ? &st->req : &st->ans, e,
	    sizeof e) == -1) {
		snprintf(err, errlen, "line %d: %s", line, e);
		return -1;
	}
	if (rec_json_str(s, n, "from", &evn) != NULL ||
	    rec_json_str(s, n, "to", &evn) != NULL)
		r->dgram = 1;
	return 0;
}

int
rec_parse(const char *text, size_t n, struct rec_conv *r, char *err,
    size_t errlen)
{
	size_t i = 0, e;
	uint64_t aux = 0;
	int line = 0, json;

	memset(r, 0, sizeof *r);
	while (i < n && (text[i] == ' ' || text[i] == '\t' ||
	    text[i] == '\n' || text[i] == '\r'))
		i++;
	json = i < n && text[i] == '{';
	for (i = 0; i < n; i = e + 1) {
		for (e = i; e < n && text[e] != '\n'; e++)
			;
		line++;
		if (memchr(text + i, '\0', e - i) != NULL) {
			snprintf(err, errlen, "line %d: a NUL byte", line);
			goto fail;
		}
		if ((json ? rec_json_line(text + i, e - i, line, r, &aux, err,
		    errlen) : rec_script_line(text + i, e > i &&
		    text[e - 1] == '\r' ? e - i - 1 : e - i, line, r, &aux,
		    err, errlen)) == -1)
			goto fail;
	}
	if (r->n == 0) {
		snprintf(err, errlen, "nothing recorded: no send, sendhex or "
		    "expect line (no sent or recv event)");
		goto fail;
	}
	return 0;
fail:
	rec_conv_free(r);
	return -1;
}
