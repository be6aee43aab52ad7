/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.c — the capture tap: raw, hex, jsonl and pcapng writers (see log.h).
 * A log sees each chunk as it crossed the transport, so what it holds is
 * exactly what was counted: received bytes as read, sent bytes when the
 * kernel took them; bytes still queued when a session ends are recorded as
 * lost, never as sent. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "buf.h"
#include "clock.h"
#include "codec.h"
#include "enc.h"
#include "file.h"
#include "log.h"
#include "loop.h"
#include "out.h"
#include "pcapng.h"
#include "pipe.h"
#include "rec.h"
#include "session.h"

/* Buffered bytes that trigger a write, and how long bytes may wait. */
#define LOG_FLUSH_AT	(256u << 10)
#define LOG_FLUSH_MS	200

/*
 * A session's TCP flow in one pcapng log.  When both ends of one connection
 * are sessions the log covers (a client connected to a server of the same
 * socktool), they share one flow: ids[0] is the session at the flow's a
 * side, ids[1] the one at b (0: not ours, or gone).  A shared flow is
 * written once, so the capture is one connection with one set of sequence
 * numbers: each byte when the first of its two ends sees it (seen[][]
 * counts each end's stream offsets, done[] what was written, per
 * direction); the close when the second end goes, as the first end saw
 * it.  Ends that were both open before the log began cannot line up their
 * offsets (bytes may be in flight): such a flow takes each direction from
 * one end, its sender (its receiver with --dir rx).
 */
struct log_flow {
	LIST_ENTRY(log_flow)	 entry;
	unsigned		 ids[2];
	int			 shared;	/* both ends joined it */
	int			 midway;	/* begun with the log */
	int			 by_sender;	/* shared, not lined up */
	uint64_t		 seen[2][2];	/* [side][dir] */
	uint64_t		 done[2];	/* [dir] */
	struct pcapng_tcp	 tcp;
	int			 udp;
	struct sockaddr_storage	 local;		/* UDP: our side */
	char			 comment[96];
	/* A shared flow: how its first end to go closed it. */
	int			 fin_dir, fin_reset;
	char			*fin_comment;
	/* Hashes of the key-log lines written for it: the two ends of a
	 * TLS connection log the same secrets. */
	struct buf		 keys;
};

struct log {
	TAILQ_ENTRY(log) entry;
	unsigned	 id;		/* 0 = every session */
	char		*path;
	int		 fd;
	enum log_format	 format;
	int		 dirs;
	struct buf	 out;
	uint64_t	 written;
	uint64_t	 timer;
	LIST_HEAD(, log_flow) flows;
	/* script: the first line is written, and when the last message
	 * passed (clock_us), for the gaps. */
	int		 script_head;
	uint64_t	 script_last;
};

static TAILQ_HEAD(, log) logs = TAILQ_HEAD_INITIALIZER(logs);

static const char *const format_names[] = { "raw", "hex", "jsonl", "pcap",
    "script", NULL };

int
log_parse_format(const char *s, enum log_format *f)
{
	int i;

	for (i = 0; format_names[i] != NULL; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum log_format)i;
			return 0;
		}
	/* Wireshark's own name for the format. */
	if (strcmp(s, "pcapng") == 0) {
		*f = LOG_PCAP;
		return 0;
	}
	return -1;
}

int
log_parse_dir(const char *s, int *dirs)
{
	if (strcmp(s, "rx") == 0)
		*dirs = LOG_RX;
	else if (strcmp(s, "tx") == 0)
		*dirs = LOG_TX;
	else if (strcmp(s, "both") == 0)
		*dirs = LOG_RX | LOG_TX;
	else
		return -1;
	return 0;
}

const char *
log_format_name(enum log_format f)
{
	return format_names[f];
}

const char *
log_dir_name(int dirs)
{
	dirs &= LOG_RX | LOG_TX;
	return dirs == LOG_RX ? "rx" : dirs == LOG_TX ? "tx" : "both";
}

static void
log_flow_free(struct log_flow *f)
{
	buf_free(&f->keys);
	free(f->fin_comment);
	free(f);
}

static void
log_free(struct log *l)
{
	TAILQ_REMOVE(&logs, l, entry);
	while (!LIST_EMPTY(&l->flows)) {
		struct log_flow *f = LIST_FIRST(&l->flows);

		LIST_REMOVE(f, entry);
		log_flow_free(f);
	}
	if (l->timer)
		loop_timer_del(l->timer);
	if (l->fd != -1)
		close(l->fd);
	buf_free(&l->out);
	free(l->path);
	free(l);
}

/* Write what is buffered (and then extra, unbuffered): 0, or -1 with why.
 * A regular file that was deleted is not written on: no one would read it,
 * and its space would stay taken until the log ends. */
static int
log_put(struct log *l, const unsigned char *extra, size_t n,
    const char **why)
{
	struct {
		const unsigned char	*p;
		size_t			 n;
	} part[2] = { { buf_peek(&l->out), buf_len(&l->out) }, { extra, n } };
	struct stat st;
	int i;

	if (part[0].n + n > 0 && fstat(l->fd, &st) == 0 &&
	    S_ISREG(st.st_mode) && st.st_nlink == 0) {
		*why = "the file was deleted";
		return -1;
	}
	for (i = 0; i < 2; i++) {
		while (part[i].n > 0) {
			ssize_t w = write(l->fd, part[i].p, part[i].n);

			if (w > 0) {
				part[i].p += w;
				part[i].n -= (size_t)w;
				l->written += (uint64_t)w;
				continue;
			}
			if (w == -1 && errno == EINTR)
				continue;
			*why = w == -1 ? strerror(errno) : "nothing written";
			return -1;
		}
	}
	buf_reset(&l->out);
	return 0;
}

/* log_put; a failure ends the log with one error, of the log's own (not
 * of the command that happens to run); the sessions are not affected. */
static int
log_write(struct log *l, const unsigned char *extra, size_t n)
{
	struct buf name = BUF_INIT;
	const char *why;

	if (log_put(l, extra, n, &why) == 0)
		return 0;
	codec_escape((const unsigned char *)l->path, strlen(l->path), &name,
	    0);
	out_error_bg("log", "%s: %s; log stopped", buf_cstr(&name), why);
	buf_free(&name);
	log_free(l);
	return -1;
}

static void
log_flush_timer(void *arg)
{
	struct log *l = arg;

	l->timer = 0;
	log_write(l, NULL, 0);
}

/* After something was added to the buffer. */
static void
log_queued(struct log *l)
{
	if (buf_len(&l->out) >= LOG_FLUSH_AT)
		log_write(l, NULL, 0);
	else if (buf_len(&l->out) > 0 && l->timer == 0)
		l->timer = loop_timer_add(LOG_FLUSH_MS, log_flush_timer, l);
}

static int
log_covers(const struct log *l, const struct session *s)
{
	/* A server's log covers its peers, and a relay's the upstream side
	 * of each pair too. */
	return l->id == 0 || l->id == s->id ||
	    (s->parent != NULL && s->parent->id == l->id) ||
	    (s->pair != NULL && s->pair->parent != NULL &&
	    s->pair->parent->id == l->id);
}

/* pcapng. */

/* Unix-domain sessions have no IP addresses: they are written as TCP
 * between 127.0.0.1 (socktool's side) and 127.0.0.2 (the peer), both with
 * the session id as port. */
static void
log_flow_addrs(const struct session *s, struct sockaddr_storage *a,
    struct sockaddr_storage *b)
{
	struct sockaddr_in *ia = (struct sockaddr_in *)a;
	struct sockaddr_in *ib = (struct sockaddr_in *)b;

	if (layer_control(s, LCTL_UNIX, NULL) != 0) {
		memcpy(a, &s->local.ss, sizeof *a);
		memcpy(b, &s->remote.ss, sizeof *b);
		return;
	}
	memset(a, 0, sizeof *a);
	memset(b, 0, sizeof *b);
	ia->sin_family = ib->sin_family = AF_INET;
	ia->sin_addr.s_addr = htonl(0x7f000001);
	ib->sin_addr.s_addr = htonl(0x7f000002);
	ia->sin_port = ib->sin_port = htons((uint16_t)(s->id % 65535 + 1));
}

/* The flow of session s in l, if it has one; *side: which end it is. */
static struct log_flow *
log_flow_find(struct log *l, const struct session *s, int *side)
{
	struct log_flow *f;

	LIST_FOREACH(f, &l->flows, entry)
		if (f->ids[0] == s->id || f->ids[1] == s->id) {
			*side = f->ids[1] == s->id;
			return f;
		}
	return NULL;
}

/* The flow of the other end of t's connection, if l records it alone so
 * far: s joins it as its b side. */
static struct log_flow *
log_flow_join(struct log *l, const struct session *s,
    const struct pcapng_tcp *t, int midway)
{
	struct log_flow *f;
	size_t n;

	LIST_FOREACH(f, &l->flows, entry) {
		if (f->udp || f->shared || !pcapng_tcp_mirrors(&f->tcp, t))
			continue;
		f->ids[1] = s->id;
		f->shared = 1;
		f->by_sender = midway || f->midway;
		n = strlen(f->comment);
		snprintf(f->comment + n, sizeof f->comment - n,
		    " and %u (%s)", s->id, sess_kind_name(s));
		return f;
	}
	return NULL;
}

static struct log_flow *
log_flow_new(const struct session *s)
{
	struct log_flow *f = xcalloc(1, sizeof *f);

	f->ids[0] = s->id;
	snprintf(f->comment, sizeof f->comment, "socktool session %u (%s)",
	    s->id, sess_kind_name(s));
	return f;
}

/* The flow of s in l, made if needed (midway: the log is starting now,
 * and s was open before it). */
static struct log_flow *
log_flow(struct log *l, struct session *s, uint64_t ts, int midway,
    int *side)
{
	struct log_flow *f;
	struct pcapng_tcp t;
	struct sockaddr_storage a, b;

	if ((f = log_flow_find(l, s, side)) != NULL)
		return f;
	*side = 0;
	if (sess_accepts(s) || s->state == S_CONNECTING ||
	    s->state == S_RESOLVING)
		return NULL;
	/* What the wire carries is the fd layer's: a WebSocket's messages
	 * travel in TCP segments. */
	if (s->fdl.ops != NULL && s->fdl.ops->dgram) {
		f = log_flow_new(s);
		f->udp = 1;
		memcpy(&f->local, &s->local.ss, sizeof f->local);
		LIST_INSERT_HEAD(&l->flows, f, entry);
		return f;
	}
	log_flow_addrs(s, &a, &b);
	pcapng_tcp_init(&t, (struct sockaddr *)&a, (struct sockaddr *)&b,
	    s->id * 2654435761u);
	/* (The two ends of a Unix connection have no addresses to match.) */
	if (s->local.ss.ss_family != AF_UNIX &&
	    (f = log_flow_join(l, s, &t, midway)) != NULL) {
		*side = 1;
		return f;
	}
	f = log_flow_new(s);
	f->midway = midway;
	f->tcp = t;
	/* The side that connected sends the SYN. */
	pcapng_tcp_open(&l->out, &f->tcp, s->parent != NULL ? 1 : 0, ts,
	    f->comment);
	LIST_INSERT_HEAD(&l->flows, f, entry);
	return f;
}

/* A wildcard-bound endpoint does not know which of its addresses a datagram
 * used: it is written with the unspecified address of the peer's family. */
static void
log_udp_local(const struct log_flow *f, const struct net_addr *peer,
    struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *p6 = (const void *)&peer->ss;
	int peer4 = peer->ss.ss_family == AF_INET ||
	    (peer->ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&p6->sin6_addr));
	uint16_t port;

	memcpy(out, &f->local, sizeof *out);
	if (out->ss_family == AF_INET6) {
		struct sockaddr_in6 *l6 = (struct sockaddr_in6 *)out;

		if (!peer4 || !IN6_IS_ADDR_UNSPECIFIED(&l6->sin6_addr))
			return;
		port = l6->sin6_port;
		memset(out, 0, sizeof *out);
		((struct sockaddr_in *)out)->sin_family = AF_INET;
		((struct sockaddr_in *)out)->sin_port = port;
	}
}

/* How much of the start of a TCP chunk from side (direction d of the
 * flow) was written already; -1 if none of it is to be written. */
static size_t
log_tcp_fresh(struct log_flow *f, int side, int d, const struct chunk *c,
    int dirs, int want)
{
	uint64_t off = f->seen[side][d], end = off + c->n, skip;

	f->seen[side][d] = end;
	if (!want)
		return (size_t)-1;
	if (f->by_sender)
		return c->dir == (dirs & LOG_TX ? '>' : '<') ? 0 : (size_t)-1;
	if (f->done[d] >= end)
		return (size_t)-1;
	skip = f->done[d] > off ? f->done[d] - off : 0;
	f->done[d] = end;
	return (size_t)skip;
}

/* want: the log keeps this direction (a shared flow counts the others). */
static void
log_pcap_chunk(struct log *l, struct session *s, const struct chunk *c,
    uint64_t ts, int want)
{
	int side;
	struct log_flow *f = log_flow(l, s, ts, 0, &side);
	struct sockaddr_storage local;
	size_t skip;
	int d;

	if (f == NULL)
		return;
	if (!f->udp) {
		d = (c->dir == '<') ^ side;
		if ((skip = log_tcp_fresh(f, side, d, c, l->dirs,
		    want)) == (size_t)-1)
			return;
		pcapng_tcp_data(&l->out, &f->tcp, d, c->p + skip, c->n - skip,
		    ts, f->comment);
		return;
	}
	if (!want)
		return;
	if (c->peer == NULL)
		return;
	log_udp_local(f, c->peer, &local);
	if (c->dir == '<')
		pcapng_udp(&l->out, (const struct sockaddr *)&c->peer->ss,
		    (struct sockaddr *)&local, c->p, c->n, ts, f->comment);
	else
		pcapng_udp(&l->out, (struct sockaddr *)&local,
		    (const struct sockaddr *)&c->peer->ss, c->p, c->n, ts,
		    f->comment);
}

static void
log_pcap_close(struct log *l, struct session *s, const char *reason,
    uint64_t lost)
{
	struct log_flow *f;
	char comment[224];
	int side, dir, reset;

	if ((f = log_flow_find(l, s, &side)) == NULL)
		return;
	if (!f->udp) {
		char who[16] = "";

		if (f->shared)
			snprintf(who, sizeof who, " %u", s->id);
		if (lost > 0)
			snprintf(comment, sizeof comment, "%s:%s closed (%s), "
			    "%llu queued bytes lost", f->comment, who, reason,
			    (unsigned long long)lost);
		else
			snprintf(comment, sizeof comment, "%s:%s closed (%s)",
			    f->comment, who, reason);
		/* Who ended it: the peer (FIN or RST from b), or us. */
		dir = (strcmp(reason, "peer") == 0 ||
		    strcmp(reason, "reset") == 0) ^ side;
		reset = strcmp(reason, "reset") == 0 || strcmp(reason,
		    "error") == 0 || strcmp(reason, "timeout") == 0;
		if (f->shared && f->fin_comment == NULL) {
			f->fin_dir = dir;
			f->fin_reset = reset;
			f->fin_comment = xstrdup(comment);
		}
		if (f->ids[!side] != 0) {
			/* The other end is still here: what it sends or
			 * reads until it goes is part of the connection. */
			f->ids[side] = 0;
			return;
		}
		if (f->fin_comment != NULL)
			pcapng_tcp_close(&l->out, &f->tcp, f->fin_dir,
			    f->fin_reset, clock_wall_us(), f->fin_comment);
		else
			pcapng_tcp_close(&l->out, &f->tcp, dir, reset,
			    clock_wall_us(), comment);
	}
	LIST_REMOVE(f, entry);
	log_flow_free(f);
}

/* hex and jsonl. */
static void
log_stamp(struct buf *out)
{
	clock_rfc3339(out);
}

static void
log_hex_chunk(struct log *l, struct session *s, const struct chunk *c)
{
	char peer[ADDR_STRLEN];

	if (c->peer != NULL)
		net_fmt((const struct sockaddr *)&c->peer->ss, c->peer->len,
		    peer, sizeof peer);
	else
		snprintf(peer, sizeof peer, "%s", s->remote_str[0] ?
		    s->remote_str : "-");
	log_stamp(&l->out);
	buf_printf(&l->out, " [%u] %c %zu byte%s %s ", s->id, c->dir, c->n,
	    c->n == 1 ? "" : "s", c->dir == '<' ? "from" : "to");
	/* A unix peer's "address" came from outside: keep it inert. */
	codec_escape((const unsigned char *)peer, strlen(peer), &l->out, 0);
	buf_putc(&l->out, '\n');
	codec_hexdump(c->p, c->n, 0, &l->out);
}

static void
log_json_chunk(struct log *l, struct session *s, const struct chunk *c)
{
	struct json j;
	char peer[ADDR_STRLEN];

	j_begin(&j, c->dir == '<' ? "recv" : "sent");
	j_u64(&j, "id", s->id);
	j_u64(&j, "bytes", c->n);
	j_key(&j, "hex");
	buf_putc(&j.b, '"');
	codec_hex(c->p, c->n, &j.b);
	buf_putc(&j.b, '"');
	if (!enc_is_utf8(s->set->encoding)) {
		struct buf conv = BUF_INIT;

		enc_to_utf8(s->set->encoding, c->p, c->n, &conv);
		j_strn(&j, "text", (const char *)buf_peek(&conv),
		    buf_len(&conv));
		buf_free(&conv);
	} else
		j_strn(&j, "text", (const char *)c->p, c->n);
	if (c->peer != NULL) {
		net_fmt((const struct sockaddr *)&c->peer->ss, c->peer->len,
		    peer, sizeof peer);
		j_str(&j, c->dir == '<' ? "from" : "to", peer);
		if (c->dir == '<')
			j_bool(&j, "truncated", c->truncated);
	}
	if (c->msg_type != NULL)
		j_str(&j, "ws", c->msg_type);
	if (c->frames != 0)
		j_u64(&j, "frames", c->frames);
	j_finish(&j, &l->out);
}

static void
log_json_event(struct log *l, struct session *s, enum tap_event ev,
    const char *reason, uint64_t lost)
{
	struct json j;

	if (ev == TAP_OPEN) {
		const char *name = s->parent != NULL ? "accepted" :
		    s->state == S_CONNECTED ? "connected" : "listening";

		j_begin(&j, name);
		j_u64(&j, "id", s->id);
		if (s->parent != NULL)
			j_u64(&j, "parent", s->parent->id);
		j_str(&j, "kind", sess_kind_name(s));
		j_str(&j, "local", s->local_str[0] ? s->local_str : NULL);
		if (s->state == S_CONNECTED)
			j_str(&j, "remote", s->remote_str);
	} else {
		j_begin(&j, "closed");
		j_u64(&j, "id", s->id);
		j_str(&j, "reason", reason);
		j_u64(&j, "rx_bytes", s->rx_bytes);
		j_u64(&j, "tx_bytes", s->tx_bytes);
		if (lost > 0)
			j_u64(&j, "lost", lost);
	}
	j_finish(&j, &l->out);
}

/*
 * script: the session as a socktool script that replays it (SPEC §3.13).
 * The script makes its own session, the first of a fresh socktool: 1.
 */
#define SCRIPT_ID	1

/* "HOST PORT" of an address string ("127.0.0.1:7000", "[::1]:7000"), or
 * the path of a unix socket. */
static void
log_script_addr(const char *a, struct buf *out)
{
	const char *c = strrchr(a, ':');

	if (a[0] == '/' || c == NULL) {
		buf_puts(out, a);
		return;
	}
	if (a[0] == '[' && c > a + 1 && c[-1] == ']')
		buf_printf(out, "%.*s %s", (int)(c - a - 2), a + 1, c + 1);
	else
		buf_printf(out, "%.*s %s", (int)(c - a), a, c + 1);
}

/* The first lines: the command that makes a session like s, its framing,
 * and where it was recorded from (a comment). */
static void
log_script_head(struct log *l, struct session *s)
{
	const char *cmd = sess_kind_client(s);
	struct buf b = BUF_INIT;

	/* Written once the session is open (a client knows its remote). */
	if (l->script_head || sess_opening(s))
		return;
	l->script_head = 1;
	l->script_last = clock_us();
	/* No remote (a udp without a destination, a pty): no command. */
	if (s->remote_str[0] == '\0' || strcmp(s->remote_str, "-") == 0)
		cmd = NULL;
	if (cmd != NULL) {
		buf_printf(&l->out, "%s ", cmd);
		log_script_addr(s->remote_str, &l->out);
		buf_putc(&l->out, '\n');
	} else
		buf_printf(&l->out, "# make the session to replay into first "
		    "(a %s has no client command): it is session %u\n",
		    sess_kind_name(s), SCRIPT_ID);
	if (s->set->frame.mode != FR_RAW) {
		frame_format(&s->set->frame, &b);
		buf_printf(&l->out, "set %u framing %s\n", SCRIPT_ID,
		    buf_cstr(&b));
	}
	buf_printf(&l->out, "# recorded by socktool from session %u (%s, ",
	    s->id, sess_kind_name(s));
	buf_reset(&b);
	codec_escape((const unsigned char *)s->remote_str,
	    strlen(s->remote_str), &b, 0);
	buf_printf(&l->out, "%s)\n", buf_len(&b) > 0 ? buf_cstr(&b) : "-");
	buf_free(&b);
}

static void
log_script_message(struct log *l, struct session *s, const struct chunk *c)
{
	uint64_t now, gap;

	log_script_head(l, s);		/* may start the clock */
	now = clock_us();
	gap = l->script_head && now > l->script_last ? now - l->script_last :
	    0;
	l->script_last = now;
	if (c->dir == '>') {
		if ((l->dirs & LOG_TIMING) && gap >= 1000)
			rec_sleep_line((gap + 500) / 1000, &l->out);	/* nearest ms */
		rec_send_line(SCRIPT_ID, c->p, c->n, &l->out);
	} else {
		/* An answer that took longer than expect's default 5 s
		 * waits twice as long when replayed. */
		rec_expect_line(SCRIPT_ID, c->p, c->n, gap > 2500000 ?
		    gap / 500 : 0, &l->out);
	}
	log_queued(l);
}

static void
log_script_event(struct log *l, struct session *s, enum tap_event ev,
    const char *reason)
{
	if (l->id != s->id)
		return;
	if (ev == TAP_OPEN)
		log_script_head(l, s);
	else if (ev == TAP_CLOSE && l->script_head)
		buf_printf(&l->out, strcmp(reason, "peer") == 0 ?
		    "wait %u closed\n" : "close %u\n", SCRIPT_ID);
}

/* The message tap: only the script format writes messages. */
static void
log_message(struct session *s, const struct chunk *c)
{
	struct log *l;

	if (c->stream != NULL)
		return;		/* a recording is of the stream alone */
	TAILQ_FOREACH(l, &logs, entry)
		if (l->format == LOG_SCRIPT && l->id == s->id &&
		    (l->dirs & (c->dir == '<' ? LOG_RX : LOG_TX)) != 0)
			log_script_message(l, s, c);
}

/* The tap. */
static void
log_chunk(struct session *s, const struct chunk *c)
{
	struct log *l, *next;
	uint64_t ts = 0;
	int want;

	for (l = TAILQ_FIRST(&logs); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		want = (l->dirs & (c->dir == '<' ? LOG_RX : LOG_TX)) != 0;
		/* (A capture counts the other direction too: see
		 * struct log_flow.) */
		if (!log_covers(l, s) || (!want && l->format != LOG_PCAP) ||
		    l->format == LOG_SCRIPT)
			continue;
		/* A capture shows the wire (the fd layer's bytes: TLS
		 * records); the other formats what the top layer carries. */
		if (l->format == LOG_PCAP ? c->at == NULL ||
		    c->at->below != NULL : c->at != s->top)
			continue;
		switch (l->format) {
		case LOG_RAW:
			/* Big chunks go straight to the file, not copied. */
			if (c->n >= LOG_FLUSH_AT) {
				log_write(l, c->p, c->n);
				continue;
			}
			buf_append(&l->out, c->p, c->n);
			break;
		case LOG_HEX:
			log_hex_chunk(l, s, c);
			break;
		case LOG_JSONL:
			log_json_chunk(l, s, c);
			break;
		case LOG_SCRIPT:
			break;
		case LOG_PCAP:
			if (ts == 0)
				ts = clock_wall_us();
			log_pcap_chunk(l, s, c, ts, want);
			break;
		}
		log_queued(l);
	}
}

static void
log_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	struct log *l, *next;
	int side;

	if (ev == TAP_READY)
		return;		/* a handshake done: nothing a capture records */
	for (l = TAILQ_FIRST(&logs); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (!log_covers(l, s))
			continue;
		if (l->format == LOG_SCRIPT)
			log_script_event(l, s, ev, reason);
		else if (l->format == LOG_JSONL)
			log_json_event(l, s, ev, reason, lost);
		else if (l->format == LOG_PCAP && ev == TAP_OPEN)
			log_flow(l, s, clock_wall_us(), 0, &side);
		else if (l->format == LOG_PCAP)
			log_pcap_close(l, s, reason, lost);
		if (ev == TAP_CLOSE && l->id == s->id) {
			/* Its session is gone: so is the log (on a write
			 * error log_write has already freed it). */
			if (log_write(l, NULL, 0) == 0)
				log_free(l);
			continue;
		}
		if (ev == TAP_CLOSE)
			log_write(l, NULL, 0);
		else
			log_queued(l);
	}
}

/* Whether the key-log line was written for s's flow in l already (by the
 * other end of the connection); if not, it is remembered as written. */
static int
log_secret_seen(struct log *l, const struct session *s, const char *line)
{
	struct log_flow *f;
	uint64_t h = 14695981039346656037u, k;
	const unsigned char *p;
	size_t i;
	int side;

	if ((f = log_flow_find(l, s, &side)) == NULL || f->udp)
		return 0;
	for (p = (const unsigned char *)line; *p != '\0'; p++)
		h = (h ^ *p) * 1099511628211u;	/* FNV-1a */
	for (i = 0; i + sizeof k <= buf_len(&f->keys); i += sizeof k) {
		memcpy(&k, buf_peek(&f->keys) + i, sizeof k);
		if (k == h)
			return 1;
	}
	buf_append(&f->keys, &h, sizeof h);
	return 0;
}

/* Key-log lines go into a pcapng log as Decryption Secrets Blocks, each
 * before the records it unlocks (tshark ignores secrets that come after
 * the first record they would decrypt); once per connection. */
static void
log_secret(struct session *s, const char *line)
{
	struct buf b = BUF_INIT;
	struct log *l, *next;

	buf_printf(&b, "%s\n", line);
	for (l = TAILQ_FIRST(&logs); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->format != LOG_PCAP || !log_covers(l, s) ||
		    log_secret_seen(l, s, line))
			continue;
		pcapng_tls_keys(&l->out, (const char *)buf_peek(&b),
		    buf_len(&b));
		log_queued(l);
	}
	buf_free(&b);
}

static const struct tap log_tap = {
	.name = "log",
	.chunk = log_chunk,
	.message = log_message,
	.event = log_event,
	.secret = log_secret,
};

void
log_init(void)
{
	pipe_add_tap(&log_tap);
}

int
log_start(unsigned id, const char *path, enum log_format format, int dirs,
    char *err, size_t errlen)
{
	struct log *l;
	struct session **all;
	size_t i, n;
	int fd, side;
	const char *why;

	TAILQ_FOREACH(l, &logs, entry)
		if (l->id == id && strcmp(l->path, path) == 0) {
			snprintf(err, errlen, "%.200s: already logging there",
			    path);
			return -1;
		}
	/* A FIFO would hold the loop in open() until a reader came, and in
	 * write() whenever it stopped reading. */
	/* A script is one whole recording: it replaces what was there. */
	fd = file_open(path, O_WRONLY | O_CREAT | (format == LOG_SCRIPT ?
	    O_TRUNC : O_APPEND), 0644, FILE_SINKS, "logs go to", err, errlen);
	if (fd == -1)
		return -1;
	l = xcalloc(1, sizeof *l);
	l->id = id;
	l->path = xstrdup(path);
	l->fd = fd;
	l->format = format;
	l->dirs = dirs;
	LIST_INIT(&l->flows);
	TAILQ_INSERT_TAIL(&logs, l, entry);
	if (format == LOG_SCRIPT && (all = sess_all(&n)) != NULL)
		for (i = 0; i < n; i++)
			if (all[i]->id == id && (all[i]->state == S_CONNECTED ||
			    all[i]->state == S_BOUND))
				log_script_head(l, all[i]);
	if (format == LOG_PCAP) {
		pcapng_header(&l->out, "socktool");
		/* Connections already open start with a synthetic
		 * handshake, now. */
		all = sess_all(&n);
		for (i = 0; i < n; i++)
			if (log_covers(l, all[i]) && all[i]->fd != -1)
				log_flow(l, all[i], clock_wall_us(), 1,
				    &side);
	}
	if (log_put(l, NULL, 0, &why) == -1) {
		snprintf(err, errlen, "%.200s: %s", path, why);
		log_free(l);
		return -1;
	}
	return 0;
}

int
log_stop(unsigned id)
{
	struct log *l, *next;
	int n = 0;

	for (l = TAILQ_FIRST(&logs); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (id != 0 && l->id != id)
			continue;
		n++;
		if (log_write(l, NULL, 0) == 0)
			log_free(l);
	}
	return n;
}

size_t
log_list(struct log_info *out, size_t max)
{
	struct log *l;
	size_t n = 0;

	for (l = TAILQ_FIRST(&logs); l != NULL; l = TAILQ_NEXT(l, entry),
	    n++) {
		if (n >= max)
			continue;
		out[n].id = l->id;
		out[n].path = l->path;
		out[n].format = format_names[l->format];
		out[n].dir = log_dir_name(l->dirs);
		out[n].bytes = l->written + buf_len(&l->out);
	}
	return n;
}

void
log_done(void)
{
	log_stop(0);
	while (!TAILQ_EMPTY(&logs))
		log_free(TAILQ_FIRST(&logs));
}

void
log_sync_file(int fd)
{
	struct log *l, *next;
	struct stat a, b;

	if (fstat(fd, &a) == -1)
		return;
	for (l = TAILQ_FIRST(&logs); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (buf_len(&l->out) > 0 && fstat(l->fd, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			log_write(l, NULL, 0);	/* (frees l on an error) */
	}
}
