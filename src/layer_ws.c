/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_ws.c — the WebSocket client layer and its role (layer_ws.h).  The
 * layer keeps message boundaries (a dgram layer to the pipeline): frames
 * read from the layer below are parsed and reassembled here (ws.c), each
 * whole message is one read; each write is one message.  Control frames
 * never go up: pings are answered at once, pongs and closes are events, a
 * close is answered and ends the session with the peer's code and reason
 * in the closed event.  What the layer owes the wire (the request, control
 * and data frames) waits in its own queue, bounded, and is written
 * through the layer below, never the descriptor. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "codec.h"
#include "event.h"
#include "tls.h"
#include "layer.h"
#include "layer_ws.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "role_exec.h"
#include "role_relay.h"
#include "session.h"
#include "ws.h"

/* A message or frame larger than this ends the session (close 1009). */
#define WS_MSG_MAX	(16u << 20)
/* Frames owed to the wire beyond this: writes wait (EAGAIN). */
#define WS_OUT_MAX	(1u << 20)
/* Whole messages waiting to go up beyond this: the wire is not read. */
#define WS_UP_MAX	(4u << 20)
/* Bytes read from below per wakeup. */
#define WS_READ_BUDGET	(1u << 20)
/* A server's client must have sent its request by then. */
#define WS_SERVER_HS_MS	10000

/* A ws-server's settings, shared with its peers (counted). */
struct ws_srv {
	int		 refs;
	unsigned	 id;		/* the server's session */
	char		*path, *protocols;
	int		 deflate;
	struct tls_cfg	*tls;
	char		**exec;		/* each peer's program, or NULL */
};

/* The role's state: the options, then how the peer closed.  A server's
 * peer has srv instead of a client's options. */
struct ws_role {
	struct ws_client_opts o;
	char		*protocols, *origin, **headers;
	struct ws_srv	*srv;		/* a ws-peer's server; NULL: a client */
	int		 announced;	/* a ws-peer: upgraded, accepted shown */
	int		 reported;	/* a ws-peer refused: said on the server */
	int		 rx_code;	/* the peer's close code; 0: none came */
	char		 rx_reason[WS_CLOSE_REASON_MAX * 4 + 1];
};

enum ws_step { WS_HANDSHAKE, WS_OPEN };

struct ws_conn {
	struct ws_role	*role;
	struct layer	*layer;
	int		 server;	/* our side: frames bare, theirs masked */
	enum ws_step	 step;
	char		 path[WS_PATH_MAX];	/* a server's: as requested */
	struct ws_deflate *dfl;		/* permessage-deflate agreed; or NULL */
	char		 ext[WS_TEXT_MAX];	/* what was agreed, in words */
	char		 key[25];
	char		 protocol[WS_TEXT_MAX];
	struct buf	 out;		/* owed to the layer below */
	struct buf	 head;		/* the server's answer so far */
	struct ws_parser ps;
	struct ws_reasm	 ra;
	struct buf	 up;		/* [size_t len][bytes] messages */
	struct buf	 cur;		/* the message last read up */
	uint64_t	 timer;		/* the handshake's bound */
	uint64_t	 kick;		/* messages to deliver on the next turn */
	int		 close_sent;
	int		 next_op;	/* the next write's opcode; 0: its own */
	size_t		 fragment;	/* set ws-fragment: frame size; 0 off */
	int		 no_autopong;	/* set ws-autopong off */
	uint64_t	 close_timer;	/* our close awaits the peer's */
	uint64_t	 wire_rx, wire_tx;	/* bytes on the wire */
	uint64_t	 ping_ns;	/* when our last ping went; 0: none */
};

static const struct layer_ops tr_ws;

static struct ws_conn *
conn_of(const struct session *s)
{
	struct layer *l = layer_find(s, &tr_ws);

	return l != NULL ? l->state : NULL;
}

/* --- events ------------------------------------------------------------- */

static void
ev_ws_begin(struct rec *r, const struct session *s, const char *event)
{
	rec_begin(r, event);
	r->stamp = s->set->timestamps;
	r->color = "ev";
	rec_u64(r, "id", s->id);
}

/* A refused answer's headers for people, one a line (safe text already;
 * JSON has them in the ws event). */
static void
ev_headers(const struct session *s, const struct buf *h)
{
	const char *p = (const char *)buf_peek(h), *e = p + buf_len(h);

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(e - p);

		out_line("[%u]   %.*s", s->id, (int)n, p);
		p += n + 1;
	}
}

/* An upgrade agreed, in lines that fit the terminal: first, then the
 * subprotocol and the extensions where they are. */
static void
ev_agreed(const struct rec *r, const char *first, const char *protocol,
    const char *ext)
{
	struct out_piece pc[3];
	size_t n = 0;

	pc[n++] = (struct out_piece){ NULL, first, 0 };
	if (protocol[0] != '\0')
		pc[n++] = (struct out_piece){ ", ", "subprotocol {protocol}",
		    0 };
	if (ext[0] != '\0')
		pc[n++] = (struct out_piece){ ", ", "extensions {extensions}",
		    0 };
	out_rec_pieces(r, pc, n, "[{id}]   ");
}

/* The handshake in words: the URL, the status line, what was agreed. */
static void
ev_handshake(struct session *s, const struct ws_conn *c,
    const struct ws_response *resp)
{
	struct ws_role *ro = c->role;
	struct buf url = BUF_INIT;
	struct rec r;
	int v6 = strchr(ro->o.url.host, ':') != NULL;

	buf_printf(&url, "%s://%s%s%s:%u%s", ro->o.url.tls ? "wss" : "ws",
	    v6 ? "[" : "", ro->o.url.host, v6 ? "]" : "", ro->o.url.port,
	    ro->o.url.path);
	ev_ws_begin(&r, s, "ws");
	r.info = 1;
	rec_strcpy(&r, "url", buf_cstr(&url));
	rec_u64(&r, "status", (uint64_t)resp->status);
	/* The server's words are escaped already (ws.c): shown as they are. */
	rec_strescaped(&r, "status_line", resp->status_line);
	if (resp->protocol[0] != '\0')
		rec_strcpy(&r, "protocol", resp->protocol);
	if (resp->extensions[0] != '\0')
		rec_strcpy(&r, "extensions", resp->extensions);
	if (resp->why[0] != '\0') {
		rec_strescaped(&r, "error", resp->why);
		rec_strescaped(&r, "headers",
		    buf_cstr((struct buf *)&resp->headers));
		out_rec(&r, "[{id}] ws {url}: {status_line}: {error}");
		ev_headers(s, &resp->headers);
	} else
		ev_agreed(&r, "[{id}] ws {url}: {status_line}",
		    resp->protocol, resp->extensions);
	rec_free(&r);
	buf_free(&url);
}

/* A reason as text that may be shown: UTF-8 (checked by ws.c) without
 * control characters. */
static void
reason_text(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < outlen; i++)
		out[o++] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char)p[i];
	out[o] = '\0';
}

static void
ev_close(struct session *s, const char *dir, int code, const char *reason)
{
	struct rec r;

	ev_ws_begin(&r, s, "ws_close");
	rec_str(&r, "direction", dir);
	rec_u64(&r, "code", (uint64_t)code);
	rec_str(&r, "words", ws_close_code_words(code));
	if (reason[0] != '\0')
		rec_strcpy(&r, "reason", reason);
	out_rec(&r, strcmp(dir, "rx") == 0 ?
	    "[{id}] close {code}{?reason: \"}{reason}{?reason:\"} from the "
	    "peer ({words})" :
	    "[{id}] close {code}{?reason: \"}{reason}{?reason:\"} sent "
	    "({words})");
	rec_free(&r);
}

static void
ev_ping(struct session *s, const char *event, size_t n, double rtt_ms)
{
	struct rec r;
	char ms[32];

	ev_ws_begin(&r, s, event);
	rec_u64(&r, "bytes", n);
	if (rtt_ms >= 0) {
		snprintf(ms, sizeof ms, "%.3f", rtt_ms);
		rec_strcpy(&r, "rtt_ms", ms);
		out_rec(&r, "[{id}] pong {rtt_ms} ms");
	} else
		out_rec(&r, strcmp(event, "ping") == 0 ?
		    "[{id}] ping ({bytes} bytes)" :
		    "[{id}] pong ({bytes} bytes)");
	rec_free(&r);
}

/* --- the wire ---------------------------------------------------------------- */

/* Write what the layer owes; -1 with errno on a failure of the wire. */
static int
ws_flush(struct ws_conn *c)
{
	ssize_t w = pipe_flush_below(c->layer, &c->out);

	if (w < 0)
		return -1;
	c->wire_tx += (uint64_t)w;
	return 0;
}

static void
mask_key(unsigned char key[4], void *arg)
{
	pipe_random_bytes(arg, key, 4);
}

/* A client masks every frame; a server sends them bare. */
static ws_keyfn *
conn_keys(const struct ws_conn *c)
{
	return c->server ? NULL : mask_key;
}

/* One frame of ours (control or data) into the queue. */
static void
ws_queue(struct ws_conn *c, int opcode, const void *p, size_t n)
{
	ws_message_build(&c->out, opcode, 0, p, n, 0, conn_keys(c), NULL);
}

/* One data message into the queue, compressed when deflate was agreed
 * (RSV1 on it); -1 with err when the compressor failed. */
static int
ws_queue_message(struct ws_conn *c, int opcode, const void *p, size_t n,
    char *err, size_t errlen)
{
	struct buf z = BUF_INIT;

	if (c->dfl == NULL) {
		ws_message_build(&c->out, opcode, 0, p, n, c->fragment,
		    conn_keys(c), NULL);
		return 0;
	}
	if (ws_deflate_compress(c->dfl, p, n, &z, err, errlen) == -1) {
		buf_free(&z);
		return -1;
	}
	ws_message_build(&c->out, opcode, WS_RSV1, buf_peek(&z), buf_len(&z),
	    c->fragment, conn_keys(c), NULL);
	buf_free(&z);
	return 0;
}

/* Our close frame (once). */
static void
ws_send_close(struct session *s, struct ws_conn *c, int code,
    const void *reason, size_t rlen)
{
	struct buf pl = BUF_INIT;
	char err[128], shown[WS_CLOSE_REASON_MAX * 4 + 1];

	if (c->close_sent)
		return;
	c->close_sent = 1;
	if (ws_close_build(&pl, code, reason, rlen, err, sizeof err) == -1)
		ws_close_build(&pl, WS_CLOSE_NORMAL, "", 0, err, sizeof err);
	ws_queue(c, WS_OP_CLOSE, buf_peek(&pl), buf_len(&pl));
	buf_free(&pl);
	if (code != 0) {
		reason_text(reason, rlen, shown, sizeof shown);
		ev_close(s, "tx", code, shown);
	}
}

/* The session ends now: what is owed is tried once more first. */
static void
ws_end(struct session *s, struct ws_conn *c, const char *reason,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
ws_end(struct session *s, struct ws_conn *c, const char *reason,
    const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	va_list ap;

	(void)ws_flush(c);
	va_start(ap, fmt);
	buf_vprintf(&m, fmt, ap);
	va_end(ap);
	sess_destroy(s, reason, buf_cstr(&m));
	buf_free(&m);
}

/* The peer broke the protocol: close with code, end with reason ws. */
static void
ws_violation(struct session *s, struct ws_conn *c, int code, const char *err)
{
	ws_send_close(s, c, code, "", 0);
	ws_end(s, c, "ws", "WebSocket protocol error from the peer: %s", err);
}

/* --- the handshake ------------------------------------------------------------ */

static void
ws_hs_timeout(void *arg)
{
	struct session *s = arg;
	struct ws_conn *c = conn_of(s);
	struct buf m = BUF_INIT;

	c->timer = 0;
	buf_puts(&m, c->server ? "no WebSocket request within " :
	    "no answer to the WebSocket handshake within ");
	codec_fmt_duration(c->server ? WS_SERVER_HS_MS : c->role->o.timeout_ms,
	    &m);
	sess_destroy(s, "timeout", buf_cstr(&m));
	buf_free(&m);
}

static int	ws_frames(struct session *, struct ws_conn *);
static int	ws_deliver(struct session *, struct ws_conn *);

/* A client's deflate offer: the plain one (both sides may keep their
 * context, window sizes the server's to choose). */
static const struct ws_deflate_params ws_deflate_ours;

/* The server's Sec-WebSocket-Extensions against our offer: 0 (agreed, or
 * nothing agreed), -1 with err. */
static int
ws_deflate_agree(struct ws_conn *c, const char *value, char *err,
    size_t errlen)
{
	struct ws_deflate_params agreed;
	int r;

	r = ws_deflate_response(value, &ws_deflate_ours, &agreed, err, errlen);
	if (r == 1) {
		c->dfl = ws_deflate_new(&agreed, 0);
		c->ps.rsv_ok = WS_RSV1;
		snprintf(c->ext, sizeof c->ext, "%s", value);
	}
	return r == -1 ? -1 : 0;
}

/* The server's answer at the start of c->head: 1 upgraded (bytes behind
 * it fed to the parser), 0 more needed, -1 the session is gone. */
static int
ws_answer(struct session *s, struct ws_conn *c)
{
	struct ws_response resp;
	char err[256];
	int n;

	n = ws_response_parse(buf_peek(&c->head), buf_len(&c->head), c->key,
	    c->role->o.protocols, c->role->o.deflate, &resp, err, sizeof err);
	if (n == 0)
		return 0;
	if (n < 0) {
		ws_end(s, c, "ws", "WebSocket handshake failed: %s", err);
		return -1;
	}
	ev_handshake(s, c, &resp);
	if (resp.why[0] != '\0') {
		buf_reset(&c->head);
		ws_end(s, c, "ws", "WebSocket handshake failed: %s (%s)",
		    resp.why, resp.status_line);
		ws_response_free(&resp);
		return -1;
	}
	snprintf(c->protocol, sizeof c->protocol, "%s", resp.protocol);
	if (c->role->o.deflate && ws_deflate_agree(c, resp.extensions,
	    err, sizeof err) == -1) {
		ws_response_free(&resp);
		ws_end(s, c, "ws", "WebSocket handshake failed: %s", err);
		return -1;
	}
	ws_response_free(&resp);
	if (c->timer) {
		loop_timer_del(c->timer);
		c->timer = 0;
	}
	c->step = WS_OPEN;
	ws_parser_feed(&c->ps, buf_peek(&c->head) + n,
	    buf_len(&c->head) - (size_t)n);
	buf_free(&c->head);
	s->state = S_CONNECTED;
	pipe_event(s, TAP_READY, NULL, 0);
	return 1;
}

/* --- the server's side of the handshake ---------------------------------------- */

/* A client refused or gone before its upgrade: said on its server,
 * naming the client (status: the one sent, 0: none). */
static void
ev_refused(struct session *s, int status, const char *line, const char *why)
{
	struct session *srv = s->parent;
	struct rec r;

	if (srv == NULL || srv->destroying)
		return;
	ev_ws_begin(&r, srv, "error");
	rec_str(&r, "client", s->remote_str);
	if (status != 0) {
		rec_u64(&r, "status", (uint64_t)status);
		rec_strcpy(&r, "status_line", line);
	}
	rec_strescaped(&r, "message", why);
	out_rec(&r, status != 0 ? "[{id}] refused {client}: {status_line} "
	    "({message})" : "[{id}] {client} left before its upgrade: "
	    "{message}");
	rec_free(&r);
}

/* The request is answered with an HTTP error and the client is not a
 * session: reported on the server, the connection ended.  -1 (gone). */
static int
ws_refuse(struct session *s, struct ws_conn *c, int status, const char *why)
{
	const char *p;
	char line[128];
	size_t at = buf_len(&c->out);

	ws_answer_error(&c->out, status, why);
	p = (const char *)buf_peek(&c->out) + at;
	snprintf(line, sizeof line, "%.*s", (int)strcspn(p, "\r\n"), p);
	(void)ws_flush(c);
	ev_refused(s, status, line, why);
	c->role->reported = 1;
	/* The answer first, then our end of the stream. */
	(void)c->layer->below->ops->shutdown(c->layer->below);
	sess_destroy(s, "ws", line);
	return -1;
}

/* The upgrade agreed: the peer is a session from now on. */
static void
ev_upgrade(struct session *s, const struct ws_conn *c)
{
	struct rec r;

	ev_ws_begin(&r, s, "ws");
	r.info = 1;
	rec_strescaped(&r, "path", c->path);	/* escaped by ws.c */
	rec_u64(&r, "status", 101);
	rec_str(&r, "status_line", "HTTP/1.1 101 Switching Protocols");
	if (c->protocol[0] != '\0')
		rec_strcpy(&r, "protocol", c->protocol);
	if (c->ext[0] != '\0')
		rec_strcpy(&r, "extensions", c->ext);
	ev_agreed(&r, "[{id}] ws {path}: {status_line}", c->protocol,
	    c->ext);
	rec_free(&r);
}

/* The client's request at the start of c->head: 1 upgraded (bytes behind
 * it fed to the parser), 0 more needed, -1 the session is gone. */
static int
ws_request(struct session *s, struct ws_conn *c)
{
	const struct ws_srv *sv = c->role->srv;
	struct ws_request rq;
	struct ws_deflate_params agreed;
	struct buf ext = BUF_INIT;
	char why[WS_TEXT_MAX];
	int n, status;

	n = ws_request_parse(buf_peek(&c->head), buf_len(&c->head), &rq, why,
	    sizeof why);
	if (n == 0 && buf_len(&c->head) > WS_HEAD_MAX)
		return ws_refuse(s, c, 400, "request head too large");
	if (n == 0)
		return 0;
	if (n < 0)
		return ws_refuse(s, c, 400, why);
	snprintf(c->path, sizeof c->path, "%s", rq.path);
	if ((status = ws_request_check(&rq, sv->path, why, sizeof why)) != 101)
		return ws_refuse(s, c, status, why);
	/* Ours in our order of preference: the first the client offered. */
	if (sv->protocols != NULL)
		ws_protocol_choose(sv->protocols, rq.protocols, c->protocol,
		    sizeof c->protocol);
	if (sv->deflate && ws_deflate_accept(rq.extensions, &ws_deflate_ours,
	    &agreed, &ext) == 1) {
		c->dfl = ws_deflate_new(&agreed, 1);
		c->ps.rsv_ok = WS_RSV1;
		snprintf(c->ext, sizeof c->ext, "%s", buf_cstr(&ext));
	}
	buf_free(&ext);
	ws_answer_101(&c->out, rq.key, c->protocol[0] ? c->protocol : NULL,
	    c->ext[0] ? c->ext : NULL);
	if (c->timer) {
		loop_timer_del(c->timer);
		c->timer = 0;
	}
	c->step = WS_OPEN;
	ws_parser_feed(&c->ps, buf_peek(&c->head) + n,
	    buf_len(&c->head) - (size_t)n);
	buf_free(&c->head);
	s->state = S_CONNECTED;
	c->role->announced = 1;
	ev_accepted(s);
	ev_upgrade(s, c);
	pipe_event(s, TAP_READY, NULL, 0);
	if (sv->exec != NULL) {
		char err[300];
		unsigned id = s->id;

		/* Its program, paired with it: messages in are its input,
		 * what it writes goes out as messages. */
		if (exec_pair(s, sv->exec, err, sizeof err) == -1) {
			if (sess_find(id) == s)
				ws_end(s, c, "error", "%s", err);
			return -1;
		}
		if (sess_find(id) != s)
			return -1;
	}
	return 1;
}

/* --- frames and messages ------------------------------------------------------- */

static void
ws_up(struct ws_conn *c, int opcode, unsigned frames, const void *p,
    size_t n)
{
	buf_append(&c->up, &n, sizeof n);
	buf_append(&c->up, &opcode, sizeof opcode);
	buf_append(&c->up, &frames, sizeof frames);
	buf_append(&c->up, p, n);
}

/* The message just reassembled goes up, inflated first when it came
 * compressed: 0, or -1 when the session is gone. */
static int
ws_message_in(struct session *s, struct ws_conn *c)
{
	struct buf z = BUF_INIT;
	char err[160];

	if (!c->ra.compressed) {
		ws_up(c, c->ra.opcode, c->ra.frames, buf_peek(&c->ra.data),
		    buf_len(&c->ra.data));
		return 0;
	}
	if (c->dfl == NULL || ws_deflate_decompress(c->dfl,
	    buf_peek(&c->ra.data), buf_len(&c->ra.data), &z, WS_MSG_MAX, err,
	    sizeof err) == -1) {
		buf_free(&z);
		ws_violation(s, c, c->dfl == NULL ? WS_CLOSE_PROTOCOL :
		    strstr(err, "larger") || strstr(err, "limit") ?
		    WS_CLOSE_TOO_BIG : WS_CLOSE_BAD_DATA, c->dfl == NULL ?
		    "a compressed message without permessage-deflate" : err);
		return -1;
	}
	if (c->ra.opcode == WS_OP_TEXT &&
	    !ws_utf8_valid(buf_peek(&z), buf_len(&z))) {
		buf_free(&z);
		ws_violation(s, c, WS_CLOSE_BAD_DATA,
		    "a text message that is not UTF-8");
		return -1;
	}
	ws_up(c, c->ra.opcode, c->ra.frames, buf_peek(&z), buf_len(&z));
	buf_free(&z);
	return 0;
}

/* A control frame from the peer: 0, or -1 when the session is gone. */
static int
ws_control(struct session *s, struct ws_conn *c, const struct ws_frame *f)
{
	const unsigned char *rs;
	char err[160], shown[WS_CLOSE_REASON_MAX * 4 + 1];
	size_t rl;
	int code;

	switch (f->opcode) {
	case WS_OP_PING:
		ev_ping(s, c->no_autopong ? "ping (not answered: ws-autopong "
		    "off)" : "ping", (size_t)f->len, -1);
		if (!c->close_sent && !c->no_autopong)
			ws_queue(c, WS_OP_PONG, f->payload, (size_t)f->len);
		return 0;
	case WS_OP_PONG:
		ev_ping(s, "pong", (size_t)f->len, c->ping_ns == 0 ? -1 :
		    (double)(clock_ns() - c->ping_ns) / 1e6);
		c->ping_ns = 0;
		return 0;
	default:	/* close */
		if (ws_close_parse(f->payload, (size_t)f->len, &code, &rs, &rl,
		    err, sizeof err) == -1) {
			ws_violation(s, c, WS_CLOSE_PROTOCOL, err);
			return -1;
		}
		reason_text(rs, rl, shown, sizeof shown);
		c->role->rx_code = code;
		snprintf(c->role->rx_reason, sizeof c->role->rx_reason, "%s",
		    shown);
		ev_close(s, "rx", code, shown);
		/* Answered with the same code (none for none). */
		ws_send_close(s, c, code == WS_CLOSE_NO_STATUS ? 0 : code, rs,
		    rl);
		return 1;
	}
}

/* Every whole frame parsed: messages queued up, control frames handled.
 * 0, 1 when the peer closed, -1 when the session is gone. */
static int
ws_frames(struct session *s, struct ws_conn *c)
{
	struct ws_frame f;
	char err[256];
	int r, k;

	while ((r = ws_parser_next(&c->ps, &f, err, sizeof err)) == 1) {
		if (ws_op_is_control(f.opcode)) {
			unsigned id = s->id;

			/* The messages before it are shown before it. */
			if (ws_deliver(s, c) == -1 || sess_find(id) != s)
				return -1;
			if ((k = ws_control(s, c, &f)) != 0)
				return k;
			continue;
		}
		k = ws_reasm_add(&c->ra, &f, err, sizeof err);
		if (k == -1) {
			ws_violation(s, c, strstr(err, "UTF-8") ?
			    WS_CLOSE_BAD_DATA : strstr(err, "limit") ?
			    WS_CLOSE_TOO_BIG : WS_CLOSE_PROTOCOL, err);
			return -1;
		}
		if (k == 1 && ws_message_in(s, c) == -1)
			return -1;
	}
	if (r == -1) {
		ws_violation(s, c, strstr(err, "limit") ? WS_CLOSE_TOO_BIG :
		    WS_CLOSE_PROTOCOL, err);
		return -1;
	}
	return 0;
}

/* Messages waiting to go up go now (what the pipeline takes). */
static int
ws_deliver(struct session *s, struct ws_conn *c)
{
	if (buf_len(&c->up) == 0 || !(pipe_want(s) & PIPE_WANT_READ))
		return 0;
	return pipe_input(s, 0);
}

static void
ws_kicked(void *arg)
{
	struct session *s = arg;
	struct ws_conn *c = conn_of(s);

	c->kick = 0;
	if (ws_deliver(s, c) == -1)
		return;
	layer_interest(s);
}

/* Read from below while there is room above: 0, -1 the session is gone. */
static int
ws_read_wire(struct session *s, struct ws_conn *c)
{
	struct layer *below = c->layer->below;
	unsigned char b[65536];
	size_t total = 0;
	unsigned id = s->id;

	while (total < WS_READ_BUDGET && buf_len(&c->up) < WS_UP_MAX &&
	    buf_len(&c->out) < WS_OUT_MAX) {
		struct rx_meta m = { NULL, 0, 0, NULL, NULL, 0 };
		ssize_t r = below->ops->read(below, b, sizeof b, &m);
		int k;

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			ws_end(s, c, errno == ECONNRESET ? "reset" : "error",
			    "%s", strerror(errno));
			return -1;
		}
		if (r == 0) {
			/* Messages already whole go up before the end. */
			if (ws_deliver(s, c) == -1 || sess_find(id) != s)
				return -1;
			ws_end(s, c, "peer", c->step == WS_OPEN ?
			    "connection closed by peer without a close frame "
			    "(1006)" : "connection closed by peer during the "
			    "WebSocket handshake");
			return -1;
		}
		pipe_wire(below, '<', b, (size_t)r);
		c->wire_rx += (size_t)r;
		total += (size_t)r;
		if (c->step == WS_HANDSHAKE) {
			buf_append(&c->head, b, (size_t)r);
			k = c->server ? ws_request(s, c) : ws_answer(s, c);
			if (k == 0)
				continue;
			if (k == -1)
				return -1;
		} else
			ws_parser_feed(&c->ps, b, (size_t)r);
		k = ws_frames(s, c);
		if (k == -1)
			return -1;
		if (k == 1 && c->close_timer != 0) {
			/* The peer answered the close we began. */
			if (ws_deliver(s, c) == -1 || sess_find(id) != s)
				return -1;
			ws_end(s, c, "local", "closed: the peer answered our "
			    "close (%d %s)", c->role->rx_code,
			    ws_close_code_words(c->role->rx_code));
			return -1;
		}
		if (k == 1) {
			char words[WS_CLOSE_REASON_MAX * 4 + 64];

			snprintf(words, sizeof words, "closed by peer: %d %s%s%s%s",
			    c->role->rx_code, ws_close_code_words(c->role->rx_code),
			    c->role->rx_reason[0] ? " \"" : "", c->role->rx_reason,
			    c->role->rx_reason[0] ? "\"" : "");
			if (ws_deliver(s, c) == -1 || sess_find(id) != s)
				return -1;
			ws_end(s, c, "peer", "%s", words);
			return -1;
		}
	}
	return 0;
}

/* --- the layer ------------------------------------------------------------------ */

static void
ws_io(struct layer *l, int events)
{
	struct ws_conn *c = l->state;
	struct session *s = l->s;
	unsigned id = s->id;

	if ((events & LOOP_WRITE) && ws_flush(c) == -1) {
		ws_end(s, c, errno == ECONNRESET || errno == EPIPE ? "reset" :
		    "error", "%s", strerror(errno));
		return;
	}
	if (c->step == WS_OPEN && (events & LOOP_WRITE) &&
	    pipe_output(s) == -1)
		return;
	if (sess_find(id) != s)
		return;
	if ((events & (LOOP_READ | LOOP_HUP | LOOP_ERR)) &&
	    ws_read_wire(s, c) == -1)
		return;
	if (ws_flush(c) == -1) {
		ws_end(s, c, "error", "%s", strerror(errno));
		return;
	}
	if (c->step == WS_OPEN && ws_deliver(s, c) == -1)
		return;
	if (sess_find(id) != s)
		return;
	/* What was queued while handshaking goes now. */
	if (c->step == WS_OPEN && pipe_output(s) == -1)
		return;
	layer_interest(s);
}

static ssize_t
ws_read(struct layer *l, unsigned char *p, size_t n, struct rx_meta *m)
{
	struct ws_conn *c = l->state;
	unsigned frames;
	size_t len;
	int opcode;

	(void)p;
	(void)n;
	if (buf_len(&c->up) == 0) {
		errno = EAGAIN;
		return -1;
	}
	const size_t head = sizeof len + sizeof opcode + sizeof frames;

	memcpy(&len, buf_peek(&c->up), sizeof len);
	memcpy(&opcode, buf_peek(&c->up) + sizeof len, sizeof opcode);
	memcpy(&frames, buf_peek(&c->up) + sizeof len + sizeof opcode,
	    sizeof frames);
	buf_reset(&c->cur);
	buf_append(&c->cur, buf_peek(&c->up) + head, len);
	buf_consume(&c->up, head + len);
	m->data = buf_peek(&c->cur);
	m->msg_type = opcode == WS_OP_TEXT ? "text" : "binary";
	m->frames = frames;
	m->from = &l->s->remote;
	m->wire_size = len;
	return (ssize_t)len;
}

/* The opcode a message goes as: what the send asked for (send: text,
 * sendhex: binary, an echo: what it answers), else text when the bytes
 * are UTF-8; text that is not UTF-8 goes as binary, since a text message
 * must be (ws-frame sends anything). */
static int
ws_msg_opcode(int flags, const unsigned char *p, size_t n)
{
	if (flags & PIPE_MSG_BINARY)
		return WS_OP_BINARY;
	return ws_utf8_valid(p, n) ? WS_OP_TEXT : WS_OP_BINARY;
}

/* One message, of the type the pipeline last gave (LCTL_MSG_TYPE), else
 * of the bytes' own. */
static ssize_t
ws_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	struct ws_conn *c = l->state;
	int op = c->next_op != 0 ? c->next_op : ws_msg_opcode(0, p, n);
	char err[160];

	(void)to;
	if (c->step != WS_OPEN || c->close_sent ||
	    buf_len(&c->out) >= WS_OUT_MAX) {
		errno = EAGAIN;
		return -1;
	}
	c->next_op = 0;
	if (ws_queue_message(c, op, p, n, err, sizeof err) == -1) {
		errno = EPROTO;
		return -1;
	}
	if (ws_flush(c) == -1)
		return -1;
	/* The message is taken; what of it the wire did not take waits in
	 * our queue: the loop must wake us when the wire has room, even if
	 * the pipeline has nothing more to send. */
	if (buf_len(&c->out) > 0)
		layer_interest(l->s);
	return (ssize_t)n;
}

static int
ws_shutdown(struct layer *l)
{
	struct ws_conn *c = l->state;

	ws_send_close(l->s, c, WS_CLOSE_NORMAL, "", 0);
	return ws_flush(c);
}

/* The handshake reads the answer (and writes the request); then what the
 * pipeline wants, with our own queue and messages waiting to go up. */
static int
ws_want(struct layer *l, int pw)
{
	struct ws_conn *c = l->state;
	int w = buf_len(&c->out) > 0 ? PIPE_WANT_WRITE : 0;

	if (c->step == WS_HANDSHAKE)
		return layer_want_below(l, PIPE_WANT_READ | w);
	if ((pw & PIPE_WANT_READ) && buf_len(&c->up) > 0 && c->kick == 0)
		c->kick = loop_timer_add(0, ws_kicked, l->s);
	/* Pings and closes are read even while the pipeline holds; not
	 * while what we owe the wire is full (a peer that pings and never
	 * reads would have us queue pongs without end). */
	if (buf_len(&c->up) < WS_UP_MAX && buf_len(&c->out) < WS_OUT_MAX)
		w |= PIPE_WANT_READ;
	return layer_want_below(l, (pw & PIPE_WANT_WRITE) | w);
}

/* For show: what was agreed, the settings, the bytes on the wire. */
static void
ws_details(const struct layer *l, struct rec *r)
{
	const struct ws_conn *c = l->state;

	/* (people read it in the transport line already) */
	if (c->protocol[0] != '\0')
		rec_strcpy(r, "ws_protocol", c->protocol);
	rec_u64(r, "ws_fragment", c->fragment);
	rec_label(r, "ws-fragment", NULL);
	rec_str(r, "ws_autopong", c->no_autopong ? "off" : "on");
	rec_label(r, "ws-autopong", NULL);
	rec_u64(r, "wire_rx_bytes", c->wire_rx);
	rec_label(r, "on the wire", "byte received|bytes received");
	rec_u64(r, "wire_tx_bytes", c->wire_tx);
	rec_label(r, "", "byte sent|bytes sent");
}

static int
ws_control_op(struct layer *l, enum layer_ctl op, void *arg)
{
	struct ws_conn *c = l->state;

	switch (op) {
	case LCTL_DEST: {
		struct layer_dest *d = arg;

		d->out = d->want != NULL ? *d->want : l->s->remote;
		return 0;
	}
	case LCTL_DETAILS:
		ws_details(l, arg);
		return 0;
	case LCTL_MSG_TYPE: {
		struct layer_msg *lm = arg;

		c->next_op = ws_msg_opcode(lm->flags, lm->p, lm->n);
		lm->flags = c->next_op == WS_OP_TEXT ? PIPE_MSG_TEXT :
		    PIPE_MSG_BINARY;
		lm->type = c->next_op == WS_OP_TEXT ? "text" : "binary";
		return 0;
	}
	case LCTL_UNACKED:
		*(size_t *)arg = layer_unacked_below(l) + buf_len(&c->out);
		return 0;
	default:
		return -1;
	}
}

static void
ws_describe(const struct layer *l, struct buf *out)
{
	const struct ws_conn *c = l->state;

	buf_printf(out, "websocket %s", c->server ? c->path :
	    c->role->o.url.path);
	if (c->protocol[0] != '\0')
		buf_printf(out, ", subprotocol %s", c->protocol);
	if (c->dfl != NULL)
		buf_printf(out, ", %s", c->ext);
	if (c->step != WS_OPEN)
		buf_puts(out, ", handshaking");
}

static void
ws_free(struct layer *l, int abort)
{
	struct ws_conn *c = l->state;

	/* Closed here (close, quit): the peer is told, if the wire takes it. */
	if (!abort && c->step == WS_OPEN && !c->close_sent) {
		ws_send_close(l->s, c, WS_CLOSE_NORMAL, "", 0);
		(void)ws_flush(c);
	}
	if (c->timer)
		loop_timer_del(c->timer);
	if (c->kick)
		loop_timer_del(c->kick);
	if (c->close_timer)
		loop_timer_del(c->close_timer);
	buf_free(&c->out);
	buf_free(&c->head);
	buf_free(&c->up);
	buf_free(&c->cur);
	ws_parser_free(&c->ps);
	ws_reasm_free(&c->ra);
	ws_deflate_free(c->dfl);
	free(c);
	l->state = NULL;
}

static const struct layer_ops tr_ws = {
	.name = "ws",
	.dgram = 1,
	.io = ws_io,
	.read = ws_read,
	.write = ws_write,
	.shutdown = ws_shutdown,
	.want = ws_want,
	.control = ws_control_op,
	.describe = ws_describe,
	.free = ws_free,
};

/* --- the role ------------------------------------------------------------------- */

/* The connection is open (TCP, or TLS done): push the layer; a client
 * sends its request, a server's peer waits for one. */
static void
ws_start(struct session *s)
{
	struct ws_role *ro = s->role_state;
	struct ws_conn *c = xcalloc(1, sizeof *c);
	unsigned id = s->id;
	uint64_t ms = ro->srv != NULL ? WS_SERVER_HS_MS : ro->o.timeout_ms;

	c->role = ro;
	c->server = ro->srv != NULL;
	ws_parser_init(&c->ps, c->server, WS_MSG_MAX);
	ws_reasm_init(&c->ra, WS_MSG_MAX);
	if (!c->server) {
		struct ws_client_req q = {
			.url = &ro->o.url, .protocols = ro->o.protocols,
			.origin = ro->o.origin,
			.headers = (const char *const *)ro->headers,
			.nheaders = ro->o.nheaders,
		};
		struct buf offer = BUF_INIT;
		unsigned char nonce[16];

		pipe_random_bytes(NULL, nonce, sizeof nonce);
		ws_key_encode(nonce, c->key);
		q.key = c->key;
		if (ro->o.deflate) {
			ws_deflate_offer(&offer, &ws_deflate_ours);
			q.extensions = buf_cstr(&offer);
		}
		ws_client_request(&c->out, &q);
		buf_free(&offer);
	}
	s->state = S_HANDSHAKING;
	layer_push(s, &tr_ws, c);
	c->layer = s->top;
	if (ms > 0)
		c->timer = loop_timer_add(ms, ws_hs_timeout, s);
	if (ws_flush(c) == -1) {
		ws_end(s, c, "error", "%s", strerror(errno));
		return;
	}
	if (sess_find(id) != s)
		return;
	layer_interest(s);
}

/* Connected or accepted: TLS first for wss:// and ws-server --tls. */
static int
ws_role_opened(struct session *s)
{
	struct ws_role *ro = s->role_state;
	struct tls_cfg *tls = ro->srv != NULL ? ro->srv->tls : ro->o.tls;
	unsigned id = s->id;

	if (tls != NULL)
		return tls_start_then(s, tls, ws_start);
	ws_start(s);
	return sess_find(id) == s ? 0 : -1;
}

/* A server's peer not yet upgraded is no session to the user. */
static int
ws_role_hidden(const struct session *s)
{
	const struct ws_role *ro = s->role_state;

	return ro != NULL && ro->srv != NULL && !ro->announced;
}

/* A server's client that goes before its upgrade (it hung up, timed out,
 * failed its TLS handshake) is reported on the server. */
static void
ws_role_closing(struct session *s, const char *reason)
{
	struct ws_role *ro = s->role_state;
	const char *msg = sess_closed_msg(s->id);

	/* A peer paired with its program (--exec): the program follows. */
	if (s->pair != NULL)
		relay_link_closing(s, reason);
	if (ro->srv == NULL || ro->announced || ro->reported)
		return;
	ro->reported = 1;
	ev_refused(s, 0, "", msg != NULL ? msg : "closed");
}

static void
ws_role_fields(const struct session *s, const char *event, struct rec *r)
{
	const struct ws_role *ro = s->role_state;

	if (strcmp(event, "closed") != 0 || ro->rx_code == 0)
		return;
	rec_u64(r, "ws_code", (uint64_t)ro->rx_code);
	rec_strcpy(r, "ws_reason", ro->rx_reason);
}

static void
ws_srv_unref(struct ws_srv *sv)
{
	if (--sv->refs > 0)
		return;
	if (sv->tls != NULL)
		tls_cfg_unref(sv->tls);
	exec_argv_free(sv->exec);
	free(sv->path);
	free(sv->protocols);
	free(sv);
}

static void
ws_role_destroy(struct session *s)
{
	struct ws_role *ro = s->role_state;
	size_t i;

	for (i = 0; i < ro->o.nheaders; i++)
		free(ro->headers[i]);
	free(ro->headers);
	free(ro->protocols);
	free(ro->origin);
	if (ro->o.tls != NULL)
		tls_cfg_unref(ro->o.tls);
	if (ro->srv != NULL)
		ws_srv_unref(ro->srv);
	free(ro);
	s->role_state = NULL;
}

static const struct role ws_role = {
	.name = "ws",
	.messages = 1,
	.opened = ws_role_opened,
	.closing = ws_role_closing,
	.fields = ws_role_fields,
	.hidden = ws_role_hidden,
	.destroy = ws_role_destroy,
};

void
ws_client_own(struct session *s, const struct ws_client_opts *o)
{
	struct ws_role *ro = xcalloc(1, sizeof *ro);
	size_t i;

	ro->o = *o;
	ro->protocols = o->protocols ? xstrdup(o->protocols) : NULL;
	ro->origin = o->origin ? xstrdup(o->origin) : NULL;
	ro->headers = xcalloc(o->nheaders + 1, sizeof *ro->headers);
	for (i = 0; i < o->nheaders; i++)
		ro->headers[i] = xstrdup(o->headers[i]);
	ro->o.protocols = ro->protocols;
	ro->o.origin = ro->origin;
	ro->o.headers = (const char *const *)ro->headers;
	if (o->tls != NULL)
		o->tls->owner = s->id;
	s->role = &ws_role;
	s->role_state = ro;
}

/* --- what commands ask of a WebSocket session ------------------------------ */

static const struct role ws_server_role;

/* s's WebSocket, open for one more frame of ours; NULL with err. */
static struct ws_conn *
ws_open_conn(struct session *s, char *err, size_t errlen)
{
	struct ws_conn *c = conn_of(s);

	if (c == NULL && s->role == &ws_server_role)
		snprintf(err, errlen, "session %u is a ws-server: name one of "
		    "its peers (list shows them)", s->id);
	else if (c == NULL)
		snprintf(err, errlen, "session %u is not a WebSocket session",
		    s->id);
	else if (c->step != WS_OPEN)
		snprintf(err, errlen, "session %u: the WebSocket handshake "
		    "is not done yet", s->id);
	else if (c->close_sent)
		snprintf(err, errlen, "session %u: the WebSocket is closing "
		    "(our close was sent)", s->id);
	else
		return c;
	return NULL;
}

/* What was queued goes (or waits for the wire to take it). */
static int
ws_push(struct session *s, struct ws_conn *c, char *err, size_t errlen)
{
	if (ws_flush(c) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	layer_interest(s);
	return 0;
}

int
ws_session_ping(struct session *s, const void *p, size_t n, char *err,
    size_t errlen)
{
	struct ws_conn *c = ws_open_conn(s, err, errlen);

	if (c == NULL)
		return -1;
	if (n > WS_CONTROL_MAX) {
		snprintf(err, errlen, "a ping carries at most %d bytes (this "
		    "one %zu; ws-frame sends a larger one)", WS_CONTROL_MAX,
		    n);
		return -1;
	}
	c->ping_ns = clock_ns();
	ws_queue(c, WS_OP_PING, p, n);
	return ws_push(s, c, err, errlen);
}

static void
ws_close_timeout(void *arg)
{
	struct session *s = arg;
	struct ws_conn *c = conn_of(s);

	c->close_timer = 0;
	ws_end(s, c, "local", "closed: the peer did not answer our close "
	    "within %u ms", WS_CLOSE_WAIT_MS);
}

int
ws_session_close(struct session *s, int code, const void *reason,
    size_t rlen, char *err, size_t errlen)
{
	struct ws_conn *c = ws_open_conn(s, err, errlen);
	struct buf pl = BUF_INIT;

	if (c == NULL)
		return -1;
	/* Checked first: a bad code or reason changes nothing. */
	if (code != 0 && ws_close_build(&pl, code, reason, rlen, err,
	    errlen) == -1) {
		buf_free(&pl);
		return -1;
	}
	buf_free(&pl);
	ws_send_close(s, c, code, reason, rlen);
	c->close_timer = loop_timer_add(WS_CLOSE_WAIT_MS, ws_close_timeout,
	    s);
	return ws_push(s, c, err, errlen);
}

int
ws_session_frame(struct session *s, const struct ws_raw_frame *f, char *err,
    size_t errlen)
{
	struct ws_conn *c = ws_open_conn(s, err, errlen);
	unsigned char key[4];

	if (c == NULL)
		return -1;
	if (f->mask == WS_MASK_RANDOM)
		mask_key(key, NULL);
	else if (f->mask == WS_MASK_GIVEN)
		memcpy(key, f->key, sizeof key);
	ws_frame_build(&c->out, f->fin, f->rsv, f->opcode, f->mask ==
	    WS_MASK_NONE ? NULL : key, f->payload, f->n);
	return ws_push(s, c, err, errlen);
}

int
ws_session_set(struct session *s, const char *name, const char *value,
    char *err, size_t errlen)
{
	struct ws_conn *c = conn_of(s);
	unsigned long long v;
	char *end;

	if (c == NULL) {
		snprintf(err, errlen, "%s applies to WebSocket sessions: "
		    "session %u is not one", name, s->id);
		return -1;
	}
	if (strcmp(name, "ws-autopong") == 0) {
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
			snprintf(err, errlen, "bad ws-autopong \"%.32s\" (on "
			    "or off)", value);
			return -1;
		}
		c->no_autopong = strcmp(value, "off") == 0;
		return 0;
	}
	errno = 0;
	v = strtoull(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    v > WS_MSG_MAX) {
		snprintf(err, errlen, "bad ws-fragment \"%.32s\" (bytes of "
		    "payload a frame, 0..%u; 0: one frame a message)", value,
		    WS_MSG_MAX);
		return -1;
	}
	c->fragment = (size_t)v;
	return 0;
}

int
ws_session_masks(const struct session *s)
{
	const struct ws_conn *c = conn_of(s);

	/* Only a client masks (RFC 6455 5.3). */
	return c != NULL && conn_keys(c) != NULL;
}

/* The server's role: every client gets a ws role of its own, sharing the
 * server's settings, and is announced once upgraded. */
static int
ws_server_accepted(struct session *srv, struct session *peer)
{
	struct ws_srv *sv = srv->role_state;
	struct ws_role *ro = xcalloc(1, sizeof *ro);

	ro->headers = xcalloc(1, sizeof *ro->headers);
	ro->srv = sv;
	sv->refs++;
	peer->role = &ws_role;
	peer->role_state = ro;
	return 0;
}

static void
ws_server_destroy(struct session *s)
{
	ws_srv_unref(s->role_state);
	s->role_state = NULL;
}

/* Its certificate, for show (tls_listen_attach's listener asks). */
static struct tls_cfg *
ws_server_tls(const struct session *s)
{
	return ((const struct ws_srv *)s->role_state)->tls;
}

/* What it upgrades, for show. */
static void
ws_server_fields(const struct session *s, const char *event, struct rec *r)
{
	const struct ws_srv *sv = s->role_state;

	if (strcmp(event, "show") != 0)
		return;
	rec_strcpy(r, "ws_path", sv->path != NULL ? sv->path : "any");
	rec_label(r, "path", NULL);
	rec_strcpy(r, "ws_protocols", sv->protocols != NULL ? sv->protocols :
	    "none");
	rec_label(r, "protocols", NULL);
	rec_bool(r, "ws_deflate", sv->deflate);
	rec_label(r, "deflate", NULL);
}

static const struct role ws_server_role = {
	.name = "ws-server",
	.accepted = ws_server_accepted,
	.destroy = ws_server_destroy,
	.fields = ws_server_fields,
	.tls = ws_server_tls,
};

void
ws_server_own(struct session *s, const struct ws_server_opts *o)
{
	struct ws_srv *sv = xcalloc(1, sizeof *sv);

	sv->refs = 1;
	sv->id = s->id;
	sv->path = o->path ? xstrdup(o->path) : NULL;
	sv->protocols = o->protocols ? xstrdup(o->protocols) : NULL;
	sv->deflate = o->deflate;
	sv->tls = o->tls;
	sv->exec = o->exec;
	if (o->tls != NULL)
		o->tls->owner = s->id;
	s->role = &ws_server_role;
	s->role_state = sv;
}
