/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_ws.c — ws-client (SPEC §3.10): a TCP connect whose role makes the
 * WebSocket handshake (layer_ws.c) and then carries messages. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "layer_ws.h"
#include "net.h"
#include "session.h"
#include "ws.h"

#define WS_HEADERS_MAX	16

/* Every --header, checked, into h; -1 after a usage error. */
static int
ws_headers(const struct cmd_ctx *c, const char **h, size_t *n)
{
	char err[128];
	size_t i;

	*n = 0;
	for (i = 0; i < c->nopts; i++) {
		if (strcmp(c->opts[i].name, "header") != 0)
			continue;
		if (ws_header_check(c->opts[i].value, err, sizeof err) == -1) {
			cmd_usage(c, "--header: %s", err);
			return -1;
		}
		h[(*n)++] = c->opts[i].value;	/* (at most 16 options) */
	}
	return 0;
}

static enum cmd_status
cmd_ws_client_exec(struct cmd_ctx *c)
{
	struct ws_client_opts o = { 0 };
	struct net_addr bindaddr;
	struct session *s;
	const char *h[WS_HEADERS_MAX], *v, *name;
	const int type = SOCK_STREAM;
	enum cmd_status st;
	char err[256], bindhost[256];

	if (ws_url_parse(c->argv[0], &o.url, err, sizeof err) == -1)
		return cmd_usage(c, "%s", err);
	if (o.url.tls)
		return cmd_fail(c, "wss:// is not supported yet (ws:// only)");
	if (cmd_duration(c, "timeout", 10000, &o.timeout_ms) == -1)
		return CMD_ERR;
	if ((o.protocols = cmd_opt(c, "protocol")) != NULL &&
	    ws_protocols_check(o.protocols, err, sizeof err) == -1)
		return cmd_usage(c, "--protocol: %s", err);
	if ((o.origin = cmd_opt(c, "origin")) != NULL) {
		char hl[600];

		snprintf(hl, sizeof hl, "Origin: %s", o.origin);
		if (strlen(o.origin) > 512 ||
		    ws_header_check(hl, err, sizeof err) == -1)
			return cmd_usage(c, "--origin: at most 512 bytes, no "
			    "control bytes");
	}
	if (ws_headers(c, h, &o.nheaders) == -1)
		return CMD_ERR;
	o.headers = h;
	name = cmd_host_of(cmd_opt(c, "bind"), bindhost, sizeof bindhost);
	{
		const char *names[2] = { o.url.host, name };
		const int types[2] = { type, type };

		if (cmd_names_first(c, names, types, 2, &st))
			return st;
	}
	if ((v = cmd_opt(c, "bind")) != NULL &&
	    net_resolve_one(v, SOCK_STREAM, 1, &bindaddr, err,
	    sizeof err) == -1)
		return cmd_usage(c, "--bind: %s", err);
	s = sess_tcp_client_as(K_WS_CLIENT, o.url.host, o.url.port,
	    v ? &bindaddr : NULL, o.timeout_ms, err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	ws_client_own(s, &o);
	if (c->interactive) {
		cmd_result_session(c, s);
		return CMD_OK;
	}
	/* In a script the next line may send: wait for the upgrade. */
	return cmd_wait_id(c, s->id, 0, cmd_connect_check);
}

static const struct cmd_opt ws_client_opts[] = {
	{ "header", 1 }, { "protocol", 1 }, { "origin", 1 }, { "bind", 1 },
	{ "timeout", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_ws_client_entry = {
	.name = "ws-client",
	.usage = "ws-client URL [--header \"K: V\"]... [--protocol P1,P2] "
	    "[--origin O] [--bind ADDR:PORT] [--timeout DUR]",
	.help = "Connect to a WebSocket server (RFC 6455): URL is "
	    "ws://HOST[:PORT][/PATH][?QUERY].  After the TCP connect the "
	    "opening handshake is made (--protocol offers subprotocols, "
	    "--origin sends Origin, each --header one more header); the "
	    "answer is shown in words (URL, status line, subprotocol, "
	    "extensions), and a refused one with the server's headers, "
	    "closing the session (reason ws).  Then each message received is "
	    "shown whole (one message however many frames carried it) and "
	    "each send is one message: text when the bytes are UTF-8, else "
	    "binary.  Pings are answered at once; pongs and closes are "
	    "events; a close from the server is answered and its code and "
	    "reason are in the closed event (ws_code, ws_reason); closing "
	    "the session sends close 1000.  --timeout (default 10s) bounds "
	    "the connect and the handshake each.",
	.lower = 1,
	.upper = 1,
	.opts = ws_client_opts,
	.exec = cmd_ws_client_exec,
};
