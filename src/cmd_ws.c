/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_ws.c — ws-client and ws-server (SPEC §3.10): a TCP connect or
 * listener whose role makes the WebSocket handshake (layer_ws.c), over TLS
 * for wss:// and --tls, and then carries messages. */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "codec.h"
#include "layer_ws.h"
#include "net.h"
#include "proxy.h"
#include "role_exec.h"
#include "session.h"
#include "tls.h"
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
	struct tls_opts to;
	struct net_addr bindaddr;
	struct session *s;
	const char *h[WS_HEADERS_MAX], *v, *name;
	const int type = SOCK_STREAM;
	enum cmd_status st;
	struct proxy_url px;
	char err[256], bindhost[256], target[PROXY_NAME_MAX + 1];
	int pr;

	if (ws_url_parse(c->argv[0], &o.url, err, sizeof err) == -1)
		return cmd_usage(c, "%s", err);
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
	o.deflate = cmd_has(c, "deflate");
	if (cmd_tls_opts(c, &to) == -1)
		return CMD_ERR;
	if (!o.url.tls && (to.sni || to.alpn || to.ca || to.insecure ||
	    to.cert || to.version || to.keylog))
		return cmd_usage(c, "the TLS options are for wss:// URLs");
	/* Through a proxy the URL's host is the proxy's to resolve (but
	 * socks5://, which asks for an address). */
	if ((pr = cmd_proxy_opt(c, o.url.host, &px, target, sizeof target,
	    &st)) == -1)
		return CMD_ERR;
	if (pr == 2)
		return st;
	name = cmd_host_of(cmd_opt(c, "bind"), bindhost, sizeof bindhost);
	{
		const char *names[2] = { name, o.url.host };
		const int types[2] = { type, type };

		if (cmd_names_first(c, names, types, pr ? 1 : 2, &st))
			return st;
	}
	if ((v = cmd_opt(c, "bind")) != NULL &&
	    net_resolve_one(v, SOCK_STREAM, 1, &bindaddr, err,
	    sizeof err) == -1)
		return cmd_usage(c, "--bind: %s", err);
	if (o.url.tls) {
		to.host = o.url.host;
		to.timeout_ms = o.timeout_ms;
		if ((o.tls = tls_cfg_new(&to, err, sizeof err)) == NULL)
			return cmd_fail(c, "%s", err);
	}
	s = sess_tcp_client_via(K_WS_CLIENT, pr ? target : o.url.host,
	    o.url.port, pr ? &px : NULL, v ? &bindaddr : NULL, o.timeout_ms,
	    err, sizeof err);
	if (s == NULL) {
		if (o.tls != NULL)
			tls_cfg_unref(o.tls);
		return cmd_fail(c, "%s", err);
	}
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
	{ "timeout", 1 }, { "deflate", 0 }, { "sni", 1 }, { "alpn", 1 },
	{ "ca", 1 }, { "insecure", 0 }, { "cert", 1 }, { "key", 1 },
	{ "tls-version", 1 }, { "keylog", 1 }, { "proxy", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_ws_client_entry = {
	.name = "ws-client",
	.usage = "ws-client URL [--header \"K: V\"]... [--protocol P1,P2] "
	    "[--origin O] [--deflate] [--sni NAME] [--alpn P1,P2] [--ca FILE] "
	    "[--insecure] [--cert FILE --key FILE] [--tls-version 1.2|1.3] "
	    "[--keylog FILE] [--bind ADDR:PORT] [--timeout DUR] "
	    "[--proxy URL]",
	.help = "Connect to a WebSocket server (RFC 6455): URL is "
	    "ws://HOST[:PORT][/PATH][?QUERY], or wss:// for WebSocket over "
	    "TLS (the options of tls-client: the certificate is verified "
	    "against HOST unless --insecure, and a failure closes the "
	    "session with reason tls, saying why).  After the TCP connect "
	    "(and the TLS handshake) the opening handshake is made (--protocol offers subprotocols, "
	    "--origin sends Origin, each --header one more header); the "
	    "answer is shown in words (URL, status line, subprotocol, "
	    "extensions), and a refused one with the server's headers, "
	    "closing the session (reason ws).  Then each message received is "
	    "shown whole (one message however many frames carried it) and "
	    "each send is one message: text when the bytes are UTF-8, else "
	    "binary.  Pings are answered at once; pongs and closes are "
	    "events; a close from the server is answered and its code and "
	    "reason are in the closed event (ws_code, ws_reason); closing "
	    "the session sends close 1000.  --deflate offers "
	    "permessage-deflate (RFC 7692): when the server agrees, messages "
	    "are compressed both ways and show says so.  --proxy connects "
	    "through a SOCKS5, SOCKS4a or HTTP CONNECT proxy, as tcp-client "
	    "--proxy does.  --timeout (default 10s) bounds "
	    "the connect and the handshake each.",
	.lower = 1,
	.upper = 1,
	.opts = ws_client_opts,
	.exec = cmd_ws_client_exec,
};

/* ws-server */
static enum cmd_status
cmd_ws_server_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 2 ? c->argv[0] : NULL;
	const char *portarg = c->argv[c->argc - 1], *v;
	const int type = SOCK_STREAM;
	struct ws_server_opts o = { 0 };
	struct addr_cidr *allow = NULL;
	struct tls_opts to;
	struct session *s;
	enum cmd_status st;
	size_t nallow = 0;
	uint64_t maxp = 0;
	uint16_t port;
	char err[512], hbuf[256];

	if (cmd_listen_port(c, &host, portarg, hbuf, sizeof hbuf, &port) == -1)
		return CMD_ERR;
	if ((v = cmd_opt(c, "max-peers")) != NULL &&
	    codec_parse_uint(v, 1, 1000000, &maxp) == -1)
		return cmd_usage(c, "bad --max-peers \"%.32s\" (1..1000000)", v);
	if ((o.path = cmd_opt(c, "path")) != NULL && (o.path[0] != '/' ||
	    strlen(o.path) >= WS_PATH_MAX || strpbrk(o.path, " \t\r\n")))
		return cmd_usage(c, "--path: a path starting with /, without "
		    "blanks");
	if ((o.protocols = cmd_opt(c, "protocol")) != NULL &&
	    ws_protocols_check(o.protocols, err, sizeof err) == -1)
		return cmd_usage(c, "--protocol: %s", err);
	o.deflate = cmd_has(c, "deflate");
	if (cmd_tls_opts(c, &to) == -1)
		return CMD_ERR;
	if (!cmd_has(c, "tls") && (to.cert || to.alpn || to.client_ca ||
	    to.keylog))
		return cmd_usage(c, "the TLS server options need --tls");
	if (cmd_names_first(c, &host, &type, 1, &st))
		return st;
	if ((v = cmd_opt(c, "allow")) != NULL &&
	    addr_cidr_parse(v, &allow, &nallow, err, sizeof err) == -1)
		return cmd_usage(c, "--allow: %s", err);
	if ((v = cmd_opt(c, "exec")) != NULL &&
	    (o.exec = cmd_exec_words(c, v, strlen(v))) == NULL) {
		free(allow);
		return CMD_ERR;
	}
	if (cmd_has(c, "tls")) {
		to.server = 1;
		to.timeout_ms = TLS_HANDSHAKE_MS;
		if ((o.tls = tls_cfg_new(&to, err, sizeof err)) == NULL) {
			free(allow);
			exec_argv_free(o.exec);
			return cmd_fail(c, "%s", err);
		}
	}
	s = sess_tcp_server_as(K_WS_SERVER, host, port, (unsigned)maxp, allow,
	    nallow, err, sizeof err);
	if (s == NULL) {
		if (o.tls != NULL)
			tls_cfg_unref(o.tls);
		exec_argv_free(o.exec);
		return cmd_fail(c, "%s", err);
	}
	ws_server_own(s, &o);
	if (cmd_has(c, "echo"))
		settings_own(&s->set)->echo = ECHO_ON;
	if (o.tls != NULL) {
		tls_listen_attach(s);	/* show: a TLS listener, its cert */
		cmd_tls_own_cert(c, s, o.tls);
	} else
		cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt ws_server_opts[] = {
	{ "path", 1 }, { "protocol", 1 }, { "deflate", 0 }, { "tls", 0 },
	{ "cert", 1 }, { "key", 1 }, { "alpn", 1 }, { "client-ca", 1 },
	{ "keylog", 1 }, { "max-peers", 1 }, { "allow", 1 }, { "echo", 0 },
	{ "exec", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_ws_server_entry = {
	.name = "ws-server",
	.usage = "ws-server [ADDR] PORT [--path P] [--protocol P1,P2] "
	    "[--deflate] [--tls [--cert FILE --key FILE] [--alpn P1,P2] "
	    "[--client-ca FILE] [--keylog FILE]] [--max-peers N] "
	    "[--allow CIDR,...] [--echo] [--exec COMMAND]",
	.help = "Listen like tcp-server for WebSocket clients (RFC 6455): "
	    "each client's opening handshake is answered 101 and the client "
	    "becomes a ws-peer session, announced then with its path, "
	    "subprotocol and extensions.  A request that is not a valid "
	    "upgrade gets a real HTTP answer (400 a bad request, 404 another "
	    "path than --path, 426 a plain GET or another version) and is "
	    "reported on the server (an error event naming the client and "
	    "the status sent); it is not a session.  --protocol lists the "
	    "subprotocols served in order of preference: the first of them "
	    "the client offered is chosen.  --deflate accepts permessage-deflate (RFC 7692).  "
	    "--tls speaks TLS first (wss://), with the options of tls-server "
	    "(without --cert, the run's self-signed certificate, whose "
	    "fingerprint is shown).  Messages are shown whole; each send to a "
	    "peer is one message (to the server: to every peer).  --echo "
	    "sends every message back.  --exec gives every upgraded client "
	    "its own run of COMMAND, paired with it as tcp-server --exec "
	    "does: its messages are the program's input, what the program "
	    "writes goes back as messages.",
	.lower = 1,
	.upper = 2,
	.opts = ws_server_opts,
	.exec = cmd_ws_server_exec,
};
