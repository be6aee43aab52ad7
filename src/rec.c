/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rec.c — recorded conversations: script lines written by the script log,
 * and scripts or jsonl logs read back as request/answer steps (rec.h). */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "pcapread.h"
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
		free(r->step[i].ends);
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

/* n bytes more of st's answer, one message of it. */
static void
rec_answer(struct rec_step *st, const unsigned char *p, size_t n)
{
	buf_append(&st->ans, p, n);
	st->ends = xrealloc(st->ends, (st->nends + 1) * sizeof *st->ends);
	st->ends[st->nends++] = buf_len(&st->ans);
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
	struct buf msg = BUF_INIT;
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
		if (rec_bytes(&ws, a, hex, &msg, e, sizeof e) == -1) {
			buf_free(&msg);
			goto bad;
		}
		rec_answer(st, buf_peek(&msg), buf_len(&msg));
		buf_free(&msg);
		return 0;
	}
	/* A script of a UDP client: each expect is one datagram. */
	if (r->n == 0 && (rec_word_is(&ws, 0, "udp-client") ||
	    rec_word_is(&ws, 0, "udp-server")))
		r->dgram = 1;
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

/* The number of "key":N in one JSON line, or 0. */
static uint64_t
rec_json_u64(const char *s, size_t n, const char *key)
{
	char pat[32];
	const char *p, *end = s + n;
	size_t pl;
	uint64_t v = 0;

	pl = (size_t)snprintf(pat, sizeof pat, "\"%s\":", key);
	for (p = s; p + pl <= end; p++)
		if (memcmp(p, pat, pl) == 0) {
			for (p += pl; p < end && *p >= '0' && *p <= '9' &&
			    v < UINT32_MAX; p++)
				v = v * 10 + (uint64_t)(*p - '0');
			return v;
		}
	return 0;
}

/* Reading a jsonl log: the session whose events are the conversation (the
 * first that sent or received; a log of several holds others too), the
 * time of the previous event (0: none). */
struct rec_json {
	uint64_t	 id;
	uint64_t	 last;
};

/* One jsonl line: recv and sent events of the session become steps. */
static int
rec_json_line(const char *s, size_t n, int line, struct rec_conv *r,
    struct rec_json *js, char *err, size_t errlen)
{
	const char *ev, *hex, *ts;
	size_t evn, hexn, tsn;
	uint64_t t = 0, id, *last = &js->last;
	struct rec_step *st;
	struct buf msg = BUF_INIT;
	char e[128];
	int sent;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	if (n > 0 && s[n - 1] != '}') {
		snprintf(err, errlen, "line %d: cut short (a JSON line ends "
		    "with })", line);
		return -1;
	}
	if ((ev = rec_json_str(s, n, "event", &evn)) == NULL)
		return 0;
	sent = evn == 4 && memcmp(ev, "sent", 4) == 0;
	if (!sent && !(evn == 4 && memcmp(ev, "recv", 4) == 0))
		return 0;
	id = rec_json_u64(s, n, "id");
	if (js->id == 0)
		js->id = id;
	else if (id != js->id)
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
	if (codec_parse_hex(hex, hexn, sent ? &st->req : &msg, e,
	    sizeof e) == -1) {
		snprintf(err, errlen, "line %d: %s", line, e);
		buf_free(&msg);
		return -1;
	}
	if (!sent)
		rec_answer(st, buf_peek(&msg), buf_len(&msg));
	buf_free(&msg);
	if (rec_json_str(s, n, "from", &evn) != NULL ||
	    rec_json_str(s, n, "to", &evn) != NULL)
		r->dgram = 1;
	return 0;
}

/* Reading a capture: the conversation's two ends once known (the first TCP
 * connection that carries data, or the first UDP datagram), and each
 * direction's place in its TCP sequence. */
struct rec_cap {
	struct rec_conv		*r;
	int			 proto;		/* 0: not known yet */
	struct sockaddr_storage	 end[2];	/* [0] sends, [1] answers */
	uint32_t		 next[2];
	int			 synced[2];
	int			 last;		/* -1, or who sent the last data */
	int			 data[2];	/* each side has sent data */
	uint64_t		 last_ts;
	int			 done;		/* the connection ended */
	int			 pkt;		/* packets of the file seen */
};

static int
rec_sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0 &&
		    ((const struct sockaddr_in *)a)->sin_port ==
		    ((const struct sockaddr_in *)b)->sin_port;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0 &&
	    ((const struct sockaddr_in6 *)a)->sin6_port ==
	    ((const struct sockaddr_in6 *)b)->sin6_port;
}

/* Which end sent k: 0, 1, or -1 (another conversation). */
static int
rec_cap_dir(struct rec_cap *c, const struct pcapr_pkt *k)
{
	if (c->proto == 0) {
		/* The first SYN, or the first packet with data, or the first
		 * datagram, names the conversation and who opened it. */
		if (k->proto == IPPROTO_TCP && !(k->flags & PCAPR_SYN &&
		    !(k->flags & PCAPR_ACK)) && k->n == 0)
			return -1;
		c->proto = k->proto;
		c->end[0] = k->src;
		c->end[1] = k->dst;
		c->r->dgram = k->proto == IPPROTO_UDP;
		return 0;
	}
	if (k->proto != c->proto)
		return -1;
	if (rec_sa_eq(&k->src, &c->end[0]) && rec_sa_eq(&k->dst, &c->end[1]))
		return 0;
	if (rec_sa_eq(&k->src, &c->end[1]) && rec_sa_eq(&k->dst, &c->end[0]))
		return 1;
	return -1;
}

/* The new bytes of TCP segment k from dir: *p, *n trimmed of what an
 * earlier segment carried; -1 with err when bytes before it are missing. */
static int
rec_cap_seq(struct rec_cap *c, const struct pcapr_pkt *k, int dir,
    const unsigned char **p, size_t *n, char *err, size_t errlen)
{
	int32_t d;

	if (k->flags & PCAPR_SYN) {
		c->next[dir] = k->seq + 1;
		c->synced[dir] = 1;
		*n = 0;
		return 0;
	}
	if (k->n == 0)
		return 0;
	if (!c->synced[dir]) {
		c->next[dir] = k->seq;
		c->synced[dir] = 1;
	}
	d = (int32_t)(k->seq - c->next[dir]);
	if (d > 0) {
		snprintf(err, errlen, "packet %d: the capture misses %ld bytes "
		    "the %s sent before it (a segment it did not see)", c->pkt,
		    (long)d, dir == 0 ? "client" : "server");
		return -1;
	}
	if ((size_t)-(int64_t)d >= k->n) {	/* a retransmission */
		*n = 0;
		return 0;
	}
	*p = k->p + (size_t)-(int64_t)d;
	*n = k->n - (size_t)-(int64_t)d;
	c->next[dir] += (uint32_t)*n;
	return 0;
}

/* Whether p starts as a TLS record does (content type 20-23, version
 * 3.x, a length a record can have): a capture of a TLS session. */
static int
rec_tls_record(const unsigned char *p, size_t n)
{
	return n >= 5 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 0x03 &&
	    p[2] <= 0x04 && (size_t)(p[3] << 8 | p[4]) <= 16384 + 2048;
}

static int
rec_cap_packet(void *arg, const struct pcapr_pkt *k, char *err, size_t errlen)
{
	struct rec_cap *c = arg;
	struct rec_conv *r = c->r;
	const unsigned char *p = k->p;
	struct rec_step *st;
	size_t n = k->n;
	int dir;

	c->pkt++;
	if (c->done || (dir = rec_cap_dir(c, k)) == -1)
		return 0;
	if (c->proto == IPPROTO_TCP) {
		/* A new SYN from the opener: the port used again, another
		 * connection; the first one is the recording. */
		if (dir == 0 && k->flags & PCAPR_SYN && c->last != -1) {
			c->done = 1;
			return 0;
		}
		/* A connection that ended without data (a port check, a
		 * health probe) is not it: the next one may be. */
		if (k->flags & (PCAPR_FIN | PCAPR_RST) && c->last == -1 &&
		    k->n == 0) {
			c->proto = 0;
			c->synced[0] = c->synced[1] = 0;
			return 0;
		}
		if (rec_cap_seq(c, k, dir, &p, &n, err, errlen) == -1)
			return -1;
	}
	if (k->cut) {
		snprintf(err, errlen, "packet %d: captured shorter than it was "
		    "sent (a snap length): a recording needs every byte",
		    c->pkt);
		return -1;
	}
	if (n == 0 && (c->proto == IPPROTO_TCP || dir == 1))
		return 0;
	if (!c->data[dir] && c->proto == IPPROTO_TCP &&
	    rec_tls_record(p, n)) {
		snprintf(err, errlen, "packet %d: the capture holds TLS "
		    "records, not what was sent in them: replay the session's "
		    "jsonl log instead", c->pkt);
		return -1;
	}
	if (dir == 0 && (c->last != 0 || r->dgram)) {
		st = rec_add(r, c->pkt);
		if (c->last != -1 && k->ts_us > c->last_ts)
			st->gap_us = k->ts_us - c->last_ts;
	} else
		st = r->n > 0 ? &r->step[r->n - 1] : rec_add(r, c->pkt);
	if (dir == 0)
		buf_append(&st->req, p, n);
	else
		rec_answer(st, p, n);
	c->last = dir;
	c->data[dir] = 1;
	c->last_ts = k->ts_us;
	return 0;
}

static int
rec_parse_capture(const unsigned char *p, size_t n, struct rec_conv *r,
    char *err, size_t errlen)
{
	struct rec_cap c;

	memset(&c, 0, sizeof c);
	c.r = r;
	c.last = -1;
	if (pcapr_walk(p, n, rec_cap_packet, &c, err, errlen) == -1)
		return -1;
	if (c.proto == 0) {
		snprintf(err, errlen, "the capture holds no TCP connection or "
		    "UDP datagram");
		return -1;
	}
	if (r->n == 0) {
		snprintf(err, errlen, "the capture's first connection carried "
		    "no data");
		return -1;
	}
	return 0;
}

int
rec_parse(const char *text, size_t n, struct rec_conv *r, char *err,
    size_t errlen)
{
	size_t i = 0, e;
	uint64_t aux = 0;
	struct rec_json js = { 0, 0 };
	int line = 0, json;

	memset(r, 0, sizeof *r);
	if (pcapr_is_capture((const unsigned char *)text, n)) {
		if (rec_parse_capture((const unsigned char *)text, n, r, err,
		    errlen) == -1) {
			rec_conv_free(r);
			return -1;
		}
		return 0;
	}
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
			goto bad_line;
		}
		if ((json ? rec_json_line(text + i, e - i, line, r, &js, err,
		    errlen) : rec_script_line(text + i, e > i &&
		    text[e - 1] == '\r' ? e - i - 1 : e - i, line, r, &aux,
		    err, errlen)) == -1)
			goto bad_line;
	}
	if (r->n == 0) {
		snprintf(err, errlen, "nothing recorded: no send, sendhex or "
		    "expect line (no sent or recv event)");
		goto fail;
	}
	return 0;
bad_line:
	/* Wrong from its first step on, and not JSON: most likely not a
	 * recording at all (a hex or raw log, some other file). */
	if (r->n == 0 && !json) {
		char why[256];

		snprintf(why, sizeof why, "%s", err);
		snprintf(err, errlen, "not a recording replay reads (a script "
		    "or jsonl log, a pcap or pcapng capture): %s", why);
	}
fail:
	rec_conv_free(r);
	return -1;
}
