/* cmd_data.c — commands that move data: send, sendhex. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "cmd.h"
#include "net.h"
#include "codec.h"
#include "enc.h"
#include "out.h"
#include "session.h"

/*
 * Text for a session whose encoding is not UTF-8: typed characters are
 * encoded, but bytes written as \xHH are meant literally and pass as is.
 */
static int
cmd_encode_text(const char *enc, const char *t, size_t n, struct buf *out,
    char *err, size_t errlen)
{
	struct buf seg = BUF_INIT;
	size_t i = 0, start = 0;
	int r = 0;

	while (r == 0 && i <= n) {
		if (i < n && t[i] == '\\' && i + 1 < n && t[i + 1] != 'x') {
			i += 2;
			continue;
		}
		if (i < n && !(t[i] == '\\' && i + 1 < n))
		{
			i++;
			continue;
		}
		/* A run of text ends here (a \x escape or the end). */
		buf_reset(&seg);
		r = codec_unescape(t + start, i - start, &seg, err, errlen);
		if (r == 0)
			r = enc_from_utf8(enc, buf_peek(&seg), buf_len(&seg), out,
			    err, errlen);
		if (r != 0 || i >= n)
			break;
		/* The \xHH itself. */
		buf_reset(&seg);
		r = codec_unescape(t + i, n - i < 4 ? n - i : 4, &seg, err,
		    errlen);
		if (r == 0)
			buf_append(out, buf_peek(&seg), buf_len(&seg));
		i += 4;
		start = i;
	}
	buf_free(&seg);
	return r;
}

/* A send waiting for room in a full queue (scripted mode only). */
static int
cmd_send_check(struct pending *p)
{
	struct session *s = sess_find(p->id);
	char err[256];

	if (s == NULL) {
		out_error(p->ent->name, "session %u closed with %zu bytes "
		    "not sent", p->id, buf_len(&p->data));
		return -1;
	}
	if (!sess_can_queue(s))
		return 0;
	if (sess_send(s, buf_peek(&p->data), buf_len(&p->data), err,
	    sizeof err) == -1) {
		out_error(p->ent->name, "%s", err);
		return -1;
	}
	return 1;
}

static enum cmd_status
cmd_send_common(struct cmd_ctx *c, int hex)
{
	struct session *s = cmd_session(c, c->argv[0]);
	struct buf data = BUF_INIT;
	struct net_addr to;
	const char *tov = cmd_opt(c, "to");
	char err[256];
	int r;

	if (s == NULL)
		return CMD_ERR;
	if (tov != NULL) {
		if (sess_is_stream(s))
			return cmd_usage(c, "--to applies to UDP sessions only");
		if (net_resolve_one(tov, SOCK_DGRAM, 0, &to, err,
		    sizeof err) == -1)
			return cmd_usage(c, "--to: %s", err);
	}
	if (hex)
		r = codec_parse_hex(c->rest, c->restlen, &data, err, sizeof err);
	else if (!enc_is_utf8(s->set.encoding))
		r = cmd_encode_text(s->set.encoding, c->rest, c->restlen, &data,
		    err, sizeof err);
	else
		r = codec_unescape(c->rest, c->restlen, &data, err, sizeof err);
	if (r == -1) {
		buf_free(&data);
		return cmd_usage(c, "%s", err);
	}
	if (s->state == S_LISTENING && s->npeers == 0) {
		buf_free(&data);
		return cmd_fail(c, "server %u has no peers", s->id);
	}
	if (!sess_can_queue(s)) {
		if (c->interactive) {
			buf_free(&data);
			return cmd_fail(c, "session %u: output queue full "
			    "(%zu bytes waiting); not sent, try again", s->id,
			    buf_len(&s->outq));
		}
		/* A script waits for the peer to catch up. */
		cmd_pending.id = s->id;
		cmd_pending.data = data;
		cmd_pending.check = cmd_send_check;
		return cmd_wait(c, 0);
	}
	if (tov != NULL)
		r = sess_send_to(s, buf_peek(&data), buf_len(&data), &to, err,
		    sizeof err);
	else
		r = sess_send(s, buf_peek(&data), buf_len(&data), err,
		    sizeof err);
	buf_free(&data);
	if (r == -1)
		return cmd_fail(c, "%s", err);
	cmd_result_ok(c);
	return CMD_OK;
}

static enum cmd_status
cmd_send_exec(struct cmd_ctx *c)
{
	return cmd_send_common(c, 0);
}

static enum cmd_status
cmd_sendhex_exec(struct cmd_ctx *c)
{
	return cmd_send_common(c, 1);
}

static const struct cmd_opt send_opts[] = { { "to", 1 }, { NULL, 0 } };

const struct cmd_entry cmd_send_entry = {
	"send", NULL, "send ID [--to HOST:PORT] TEXT",
	"Send TEXT, the rest of the line, with C escapes decoded: \\r \\n "
	"\\t \\0 \\\\ \\e \\a \\xHH \\\".  Text that is one quoted string "
	"loses its quotes.  Sent to a server, every peer receives it.  Data "
	"for a session still connecting is queued.  To UDP: one datagram, to "
	"--to, else the session's default destination, else the source of "
	"the last datagram received.",
	1, 1, send_opts, CMD_REST, ARG_SESSION, cmd_send_exec
};

const struct cmd_entry cmd_sendhex_entry = {
	"sendhex", "sendx", "sendhex ID [--to HOST:PORT] HEX",
	"Send bytes written in hex: \"48 65 6c\", \"48656c\", \"0x48,0x65\", "
	"\"48:65:6c\" or \"48-65\".  An odd number of digits or a non-hex "
	"character is an error naming its position.",
	1, 1, send_opts, CMD_REST, ARG_SESSION, cmd_sendhex_exec
};
