/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_ws_ctl.c — what a WebSocket session is asked beside its messages
 * (SPEC §3.10): ws-ping, ws-close, ws-frame.  The settings ws-fragment and
 * ws-autopong are `set`'s (cmd_session.c), carried out by layer_ws.c. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "codec.h"
#include "layer_ws.h"
#include "session.h"

/* TEXT as typed (escapes decoded), into out; -1 after the usage error. */
static int
cmd_ws_text(struct cmd_ctx *c, const char *text, size_t n, struct buf *out)
{
	char err[160];

	if (codec_unescape(text, n, out, err, sizeof err) == -1) {
		cmd_usage(c, "%s", err);
		return -1;
	}
	return 0;
}

/* ws-ping */
static enum cmd_status
cmd_ws_ping_exec(struct cmd_ctx *c)
{
	struct buf data = BUF_INIT;
	char err[256];
	int r;

	if (cmd_ws_text(c, c->rest, c->restlen, &data) == -1) {
		buf_free(&data);
		return CMD_ERR;
	}
	r = ws_session_ping(c->s, buf_peek(&data), buf_len(&data), err,
	    sizeof err);
	buf_free(&data);
	if (r == -1)
		return cmd_fail(c, "%s", err);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_ws_ping_entry = {
	.name = "ws-ping",
	.usage = "ws-ping ID [TEXT]",
	.help = "Send a WebSocket ping (TEXT, escapes allowed, at most 125 "
	    "bytes, is its payload).  The command returns at once; the pong "
	    "is an event with the round-trip time.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET | CMD_REST | CMD_REST_OPT,
	.complete = cmd_complete_session,
	.exec = cmd_ws_ping_exec,
};

/* ws-close: CODE and REASON are the rest of the line ("4001 bye",
 * "4001 \"going away\""). */
static enum cmd_status
cmd_ws_close_exec(struct cmd_ctx *c)
{
	const char *p = c->rest, *e = c->rest + c->restlen, *w;
	struct buf reason = BUF_INIT;
	uint64_t code = 1000;
	char err[256], word[16];
	size_t n;
	int r;

	for (w = p; w < e && *w != ' ' && *w != '\t'; w++)
		;
	if (w > p) {
		n = (size_t)(w - p) < sizeof word ? (size_t)(w - p) :
		    sizeof word - 1;
		memcpy(word, p, n);
		word[n] = '\0';
		if (codec_parse_uint(word, 1000, 4999, &code) == -1)
			return cmd_usage(c, "bad close code \"%s\" (1000..4999)",
			    word);
	}
	while (w < e && (*w == ' ' || *w == '\t'))
		w++;
	/* A reason that is one quoted string loses its quotes. */
	if (e - w >= 2 && (*w == '"' || *w == '\'') && e[-1] == *w) {
		w++;
		e--;
	}
	if (cmd_ws_text(c, w, (size_t)(e - w), &reason) == -1) {
		buf_free(&reason);
		return CMD_ERR;
	}
	r = ws_session_close(c->s, (int)code, buf_peek(&reason),
	    buf_len(&reason), err, sizeof err);
	buf_free(&reason);
	if (r == -1)
		return cmd_fail(c, "%s", err);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_ws_close_entry = {
	.name = "ws-close",
	.usage = "ws-close ID [CODE [REASON]]",
	.help = "Begin the WebSocket close handshake: a close frame with CODE "
	    "(default 1000) and REASON (escapes allowed, at most 123 bytes); "
	    "the session ends when the peer answers, or 2 s later.  A code "
	    "RFC 6455 does not allow is refused (ws-frame --opcode 8 sends "
	    "any).",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET | CMD_REST | CMD_REST_OPT,
	.complete = cmd_complete_session,
	.exec = cmd_ws_close_exec,
};

/* ws-frame */
static enum cmd_status
cmd_ws_frame_exec(struct cmd_ctx *c)
{
	struct ws_raw_frame f;
	struct buf payload = BUF_INIT, key = BUF_INIT;
	const char *v;
	uint64_t u;
	char err[256];
	int r;

	memset(&f, 0, sizeof f);
	f.opcode = 2;
	f.fin = 1;
	f.mask = ws_session_masks(c->s) ? WS_MASK_RANDOM : WS_MASK_NONE;
	if ((v = cmd_opt(c, "opcode")) != NULL) {
		if (codec_parse_uint(v, 0, 15, &u) == -1)
			return cmd_usage(c, "bad --opcode \"%.16s\" (0..15)", v);
		f.opcode = (int)u;
	}
	if ((v = cmd_opt(c, "fin")) != NULL) {
		if (codec_parse_uint(v, 0, 1, &u) == -1)
			return cmd_usage(c, "bad --fin \"%.16s\" (0 or 1)", v);
		f.fin = (int)u;
	}
	if ((v = cmd_opt(c, "rsv")) != NULL) {
		if (codec_parse_uint(v, 0, 7, &u) == -1)
			return cmd_usage(c, "bad --rsv \"%.16s\" (0..7: 4 is "
			    "RSV1, 2 RSV2, 1 RSV3)", v);
		f.rsv = (unsigned)u;
	}
	if (cmd_has(c, "no-mask") && cmd_opt(c, "mask") != NULL)
		return cmd_usage(c, "--no-mask and --mask together");
	if (cmd_has(c, "no-mask"))
		f.mask = WS_MASK_NONE;
	if ((v = cmd_opt(c, "mask")) != NULL) {
		if (codec_parse_hex(v, strlen(v), &key, err, sizeof err) == -1 ||
		    buf_len(&key) != 4) {
			buf_free(&key);
			return cmd_usage(c, "bad --mask \"%.16s\" (4 bytes in "
			    "hex)", v);
		}
		memcpy(f.key, buf_peek(&key), 4);
		f.mask = WS_MASK_GIVEN;
		buf_free(&key);
	}
	if (codec_parse_hex(c->rest, c->restlen, &payload, err,
	    sizeof err) == -1) {
		buf_free(&payload);
		return cmd_usage(c, "%s", err);
	}
	f.payload = buf_peek(&payload);
	f.n = buf_len(&payload);
	r = ws_session_frame(c->s, &f, err, sizeof err);
	buf_free(&payload);
	if (r == -1)
		return cmd_fail(c, "%s", err);
	cmd_result_ok(c);
	return CMD_OK;
}

static const struct cmd_opt ws_frame_opts[] = {
	{ "opcode", 1 }, { "fin", 1 }, { "rsv", 1 }, { "no-mask", 0 },
	{ "mask", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_ws_frame_entry = {
	.name = "ws-frame",
	.usage = "ws-frame ID [--opcode N] [--fin 0|1] [--rsv N] [--no-mask] "
	    "[--mask HEX] HEX",
	.help = "Send one raw WebSocket frame: HEX is its payload, the header "
	    "comes from the options (--opcode 0..15, default 2 binary; --fin, "
	    "default 1; --rsv the 3 RSV bits, 4 = RSV1), masked with --mask "
	    "(4 bytes), with a random key (a client's default) or bare "
	    "(--no-mask; a server's default).  Nothing is checked: for "
	    "testing how a peer takes bad opcodes, unmasked client frames, "
	    "oversized control frames, lone continuations.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET | CMD_REST | CMD_REST_OPT,
	.opts = ws_frame_opts,
	.complete = cmd_complete_session,
	.exec = cmd_ws_frame_exec,
};
