/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_tls.c — the TLS commands (SPEC §3.7): tls-client, tls-server and
 * starttls.  They build a TLS configuration (tls.c) and hand a TCP session
 * to the TLS transport (layer_tls.c) once it is connected. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "codec.h"
#include "net.h"
#include "out.h"
#include "pipe.h"
#include "proxy.h"
#include "role_exec.h"
#include "role_reconnect.h"
#include "session.h"
#include "tls.h"
#include "tls_cert.h"

/* The options every TLS command shares, checked before anything is made.
 * -1 after a usage error. */
int
cmd_tls_opts(struct cmd_ctx *c, struct tls_opts *o)
{
	const char *v;

	memset(o, 0, sizeof *o);
	o->sni = cmd_opt(c, "sni");
	o->alpn = cmd_opt(c, "alpn");
	o->ca = cmd_opt(c, "ca");
	o->client_ca = cmd_opt(c, "client-ca");
	o->cert = cmd_opt(c, "cert");
	o->key = cmd_opt(c, "key");
	o->keylog = cmd_opt(c, "keylog");
	o->insecure = cmd_has(c, "insecure");
	o->server = cmd_has(c, "server");
	if ((v = cmd_opt(c, "tls-version")) != NULL) {
		if (strcmp(v, "1.2") != 0 && strcmp(v, "1.3") != 0) {
			cmd_usage(c, "bad --tls-version \"%.16s\" (1.2 or 1.3)",
			    v);
			return -1;
		}
		o->version = v;
	}
	if (o->key != NULL && o->cert == NULL) {
		cmd_usage(c, "--key needs --cert");
		return -1;
	}
	if (o->alpn != NULL) {
		struct buf b = BUF_INIT;
		char err[128];
		int r = tls_alpn_wire(o->alpn, &b, err, sizeof err);

		buf_free(&b);
		if (r == -1) {
			cmd_usage(c, "--alpn: %s", err);
			return -1;
		}
	}
	if (o->sni != NULL && (o->sni[0] == '\0' || strlen(o->sni) > 253)) {
		cmd_usage(c, "--sni: a host name of 1 to 253 characters");
		return -1;
	}
	return 0;
}

/* A script's TLS session is ready when its handshake is done. */
static int
cmd_tls_check(struct pending *p)
{
	/* The close message already says what failed (verification, an
	 * alert, the connect). */
	return cmd_open_check(p, "");
}

/* tls-client --reconnect: every attempt speaks TLS with cfg (taken). */
static enum cmd_status
cmd_tls_reconnect(struct cmd_ctx *c, uint16_t port,
    const struct net_addr *bind, uint64_t timeout, uint64_t wait,
    struct tls_cfg *cfg)
{
	struct reconnect_opts o = {
		.kind = K_TLS_CLIENT, .host = c->argv[0], .port = port,
		.bind = bind, .timeout_ms = timeout, .delay_ms = wait,
		.tls = cfg,
	};

	return cmd_reconnect_start(c, &o);
}

/* tls-client */
static enum cmd_status
cmd_tls_client_exec(struct cmd_ctx *c)
{
	struct net_addr bindaddr;
	struct tls_opts o;
	struct tls_cfg *cfg;
	struct session *s;
	uint64_t timeout, wait;
	uint16_t port;
	const char *v, *name;
	const int type = SOCK_STREAM;
	enum cmd_status st;
	struct proxy_url px;
	char err[512], bindhost[256], target[PROXY_NAME_MAX + 1];
	int r, pr;

	if (net_parse_port(c->argv[1], 0, &port, err, sizeof err) == -1)
		return cmd_usage(c, "%s", err);
	if (cmd_duration(c, "timeout", 10000, &timeout) == -1)
		return CMD_ERR;
	if ((r = cmd_reconnect_opt(c, &wait)) == -1)
		return CMD_ERR;
	if ((pr = cmd_proxy_opt(c, c->argv[0], &px, target, sizeof target,
	    &st)) == -1)
		return CMD_ERR;
	if (pr == 2)
		return st;
	name = cmd_host_of(cmd_opt(c, "bind"), bindhost, sizeof bindhost);
	if (cmd_names_first(c, &name, &type, 1, &st))
		return st;
	if ((v = cmd_opt(c, "bind")) != NULL &&
	    net_resolve_one(v, SOCK_STREAM, 1, &bindaddr, err,
	    sizeof err) == -1)
		return cmd_usage(c, "--bind: %s", err);
	if (cmd_tls_opts(c, &o) == -1)
		return CMD_ERR;
	o.host = c->argv[0];
	o.timeout_ms = timeout;
	if ((cfg = tls_cfg_new(&o, err, sizeof err)) == NULL)
		return cmd_fail(c, "%s", err);
	if (r == 1)
		return cmd_tls_reconnect(c, port, v ? &bindaddr : NULL, timeout,
		    wait, cfg);
	/* Through a proxy TLS still verifies HOST, the final target. */
	s = sess_tcp_client_via(K_TLS_CLIENT, pr ? target : c->argv[0], port,
	    pr ? &px : NULL, v ? &bindaddr : NULL, timeout, err, sizeof err);
	if (s == NULL) {
		tls_cfg_unref(cfg);
		return cmd_fail(c, "%s", err);
	}
	tls_cfg_own(cfg, s);
	if (c->interactive) {
		cmd_result_session(c, s);
		return CMD_OK;
	}
	/* In a script the next line may send: wait for the handshake. */
	return cmd_wait_id(c, s->id, 0, cmd_tls_check);
}

static const struct cmd_opt tls_client_opts[] = {
	{ "sni", 1 }, { "alpn", 1 }, { "ca", 1 }, { "insecure", 0 },
	{ "cert", 1 }, { "key", 1 }, { "tls-version", 1 }, { "keylog", 1 },
	{ "bind", 1 }, { "timeout", 1 }, { "reconnect", CMD_OPT_DUR },
	{ "proxy", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_tls_client_entry = {
	.name = "tls-client",
	.usage = "tls-client HOST PORT [--sni NAME] [--alpn P1,P2] [--ca FILE] "
	    "[--insecure] [--cert FILE --key FILE] [--tls-version 1.2|1.3] "
	    "[--keylog FILE] [--bind ADDR:PORT] [--timeout DUR] "
	    "[--reconnect [DUR]] [--proxy URL]",
	.help = "Connect to HOST PORT over TCP, then make a TLS handshake.  "
	    "The server's certificate chain is verified against the system "
	    "trust store (or --ca FILE or directory only) and must name "
	    "HOST (or --sni NAME, which is also sent as SNI; an address is "
	    "never sent as SNI).  A failed verification closes the session "
	    "(reason tls) and says why; --insecure connects anyway and says "
	    "so.  --alpn offers protocols, --cert/--key present a client "
	    "certificate, --tls-version pins the version, --keylog appends "
	    "the session keys (NSS key-log format, as $SSLKEYLOGFILE does).  "
	    "--timeout (default 10s) bounds the connect, and then the "
	    "handshake.  A few lines (and a JSON tls event) tell the version, "
	    "cipher, ALPN, the certificate and the verification result.  In "
	    "a script the next line runs once the handshake is done.  "
	    "--reconnect as for tcp-client (a failed handshake counts as a "
	    "failed attempt).  --proxy URL as for tcp-client: the proxy's "
	    "handshake comes first, and the certificate must still name HOST, "
	    "not the proxy.",
	.lower = 2,
	.upper = 2,
	.opts = tls_client_opts,
	.exec = cmd_tls_client_exec,
};

/* A server's certificate: the fingerprint is what a client pins or
 * compares, always shown. */
void
cmd_tls_own_cert(const struct cmd_ctx *c, const struct session *s,
    const struct tls_cfg *cfg)
{
	char fp1[64], fp2[64], l1[80], l2[80];
	struct out_piece pc[3];
	struct rec r;

	rec_begin(&r, "result");
	rec_str(&r, "command", c->ent->name);
	rec_u64(&r, "id", s->id);
	rec_str(&r, "local", s->local_str);
	rec_strescaped(&r, "subject", cfg->own_subject);
	rec_str(&r, "sha256", cfg->own_fp);
	rec_bool(&r, "self_signed", cfg->self_signed);
	tls_fingerprint_halves(cfg->own_fp, fp1, fp2, sizeof fp1);
	/* Hex digits and colons: templates with no fields. */
	snprintf(l1, sizeof l1, "sha256 %s", fp1);
	snprintf(l2, sizeof l2, "       %s", fp2);
	pc[0] = (struct out_piece){ NULL, cfg->self_signed ? "[{id}] "
	    "self-signed certificate for this run: {subject}" :
	    "[{id}] certificate {subject}", 0 };
	pc[1] = (struct out_piece){ NULL, l1, 1 };
	pc[2] = (struct out_piece){ NULL, l2, 1 };
	out_rec_pieces(&r, pc, 3, "[{id}]   ");
	rec_free(&r);
}

/* tls-server */
static enum cmd_status
cmd_tls_server_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 2 ? c->argv[0] : NULL;
	const char *portarg = c->argv[c->argc - 1], *v;
	const int type = SOCK_STREAM;
	enum cmd_status st;
	struct addr_cidr *allow = NULL;
	struct tls_opts o;
	struct tls_cfg *cfg;
	struct session *s;
	size_t nallow = 0;
	uint64_t maxp = 0, timeout;
	uint16_t port;
	char err[512], hbuf[256], **argv;

	if (cmd_listen_port(c, &host, portarg, hbuf, sizeof hbuf, &port) == -1)
		return CMD_ERR;
	if (cmd_duration(c, "timeout", TLS_HANDSHAKE_MS, &timeout) == -1)
		return CMD_ERR;
	if ((v = cmd_opt(c, "max-peers")) != NULL &&
	    codec_parse_uint(v, 1, 1000000, &maxp) == -1)
		return cmd_usage(c, "bad --max-peers \"%.32s\" (1..1000000)", v);
	if (cmd_names_first(c, &host, &type, 1, &st))
		return st;
	if (cmd_tls_opts(c, &o) == -1)
		return CMD_ERR;
	o.server = 1;
	o.timeout_ms = timeout;
	if ((v = cmd_opt(c, "allow")) != NULL &&
	    addr_cidr_parse(v, &allow, &nallow, err, sizeof err) == -1)
		return cmd_usage(c, "--allow: %s", err);
	argv = NULL;
	if ((v = cmd_opt(c, "exec")) != NULL &&
	    (argv = cmd_exec_words(c, v, strlen(v))) == NULL) {
		free(allow);
		return CMD_ERR;
	}
	if ((cfg = tls_cfg_new(&o, err, sizeof err)) == NULL) {
		free(allow);
		exec_argv_free(argv);
		return cmd_fail(c, "%s", err);
	}
	s = sess_tcp_server_as(K_TLS_SERVER, host, port, (unsigned)maxp, allow,
	    nallow, err, sizeof err);
	if (s == NULL) {
		tls_cfg_unref(cfg);
		exec_argv_free(argv);
		return cmd_fail(c, "%s", err);
	}
	if (argv != NULL)
		exec_serve(s, argv, cfg);
	else
		tls_cfg_own(cfg, s);
	tls_listen_attach(s);
	if (cmd_has(c, "echo"))
		settings_own(&s->set)->echo = ECHO_ON;
	cmd_tls_own_cert(c, s, cfg);
	return CMD_OK;
}

static const struct cmd_opt tls_server_opts[] = {
	{ "cert", 1 }, { "key", 1 }, { "alpn", 1 }, { "client-ca", 1 },
	{ "keylog", 1 }, { "max-peers", 1 }, { "allow", 1 }, { "echo", 0 },
	{ "timeout", 1 }, { "exec", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_tls_server_entry = {
	.name = "tls-server",
	.usage = "tls-server [ADDR] PORT [--cert FILE --key FILE] "
	    "[--alpn P1,P2] [--client-ca FILE] [--keylog FILE] "
	    "[--max-peers N] [--allow CIDR,...] [--echo] [--timeout DUR] "
	    "[--exec COMMAND]",
	.help = "Listen like tcp-server (ADDR:PORT as one argument works "
	    "too); every accepted connection makes a "
	    "TLS handshake and becomes a tls-peer session.  Without --cert "
	    "the server uses a certificate made for this run (EC P-256, "
	    "self-signed, for localhost, 127.0.0.1 and ::1); its SHA-256 "
	    "fingerprint is printed so a client can compare it.  --key "
	    "defaults to the --cert file.  --alpn lists the protocols the "
	    "server accepts, in its order of preference.  --client-ca "
	    "requires a client certificate issued by that CA: a client "
	    "without one is refused with the reason.  --keylog appends the "
	    "session keys of every peer.  --timeout (default 10s) bounds "
	    "each peer's handshake: a peer that has not finished it by then "
	    "is closed with reason tls, so slow or silent clients cannot "
	    "hold the server's --max-peers slots.  --exec gives every peer "
	    "its own run of COMMAND once its handshake is done, paired with "
	    "it as tcp-server --exec does (the program reads and writes the "
	    "decrypted bytes).",
	.lower = 1,
	.upper = 2,
	.opts = tls_server_opts,
	.exec = cmd_tls_server_exec,
};

/* starttls */
static enum cmd_status
cmd_starttls_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	char err[512], host[ADDR_STRLEN];
	struct tls_opts o;
	struct tls_cfg *cfg;
	uint64_t timeout;
	unsigned id;
	int r;

	if (cmd_duration(c, "timeout", 10000, &timeout) == -1)
		return CMD_ERR;
	if (cmd_tls_opts(c, &o) == -1)
		return CMD_ERR;
	/* Options of the other side would be silently meaningless. */
	if (o.server && (o.sni != NULL || o.ca != NULL || o.insecure))
		return cmd_usage(c, "--%s is for the client side (without "
		    "--server)", o.sni ? "sni" : o.ca ? "ca" : "insecure");
	if (!o.server && o.client_ca != NULL)
		return cmd_usage(c, "--client-ca is for the server side "
		    "(with --server)");
	if (tls_spoken(s))
		return cmd_fail(c, "session %u already speaks TLS", s->id);
	/* A plain TCP stream no role owns (a relay side forwards what it
	 * gets: its TLS is the relay's), asked of its socket (one still
	 * resolving has none yet: its state says why not, below). */
	if (s->role != NULL || sess_accepts(s) ||
	    (s->fd != -1 && net_sock_opt(s->fd, SO_PROTOCOL) != IPPROTO_TCP))
		return cmd_fail(c, "session %u is a %s: starttls needs a "
		    "connected TCP session", s->id, sess_kind_name(s));
	if (s->state != S_CONNECTED || s->closing || s->fd == -1)
		return cmd_fail(c, "session %u is %s: starttls needs a "
		    "connected TCP session", s->id, s->closing ? "closing" :
		    sess_state_name(s->state));
	if (pipe_queued(s) > 0)
		return cmd_fail(c, "session %u still has %zu bytes to send in "
		    "the clear; try again once they are out", s->id,
		    pipe_queued(s));
	/* A client checks the certificate against --sni, else the address
	 * it is connected to. */
	net_fmt_host((const struct sockaddr *)&s->remote.ss, s->remote.len,
	    host, sizeof host);
	o.host = host;
	o.timeout_ms = timeout;
	if ((cfg = tls_cfg_new(&o, err, sizeof err)) == NULL)
		return cmd_fail(c, "%s", err);
	/* From here on a TLS layer is on the stream: captures record the
	 * records, and the session shows as a TLS one. */
	id = s->id;
	r = tls_start(s, cfg);
	tls_cfg_unref(cfg);
	if (r == -1) {
		const char *msg = sess_closed_msg(id);

		return cmd_fail(c, "%s", msg ? msg : "closed");
	}
	if (c->interactive) {
		cmd_result_ok(c);
		return CMD_OK;
	}
	return cmd_wait_id(c, id, 0, cmd_tls_check);
}

static const struct cmd_opt starttls_opts[] = {
	{ "server", 0 }, { "sni", 1 }, { "alpn", 1 }, { "ca", 1 },
	{ "insecure", 0 }, { "cert", 1 }, { "key", 1 }, { "client-ca", 1 },
	{ "tls-version", 1 }, { "keylog", 1 }, { "timeout", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_starttls_entry = {
	.name = "starttls",
	.usage = "starttls ID [--server] [--sni NAME] [--alpn P1,P2] "
	    "[--ca FILE] [--insecure] [--cert FILE --key FILE] "
	    "[--client-ca FILE] [--tls-version 1.2|1.3] [--keylog FILE] "
	    "[--timeout DUR]",
	.help = "Upgrade a connected TCP session to TLS in place, as SMTP, "
	    "IMAP, FTP or XMPP do after STARTTLS: the client side of the "
	    "handshake by default, the server side with --server (without "
	    "--cert, the run's self-signed certificate).  Bytes already "
	    "received stay where they were (expect still sees them); bytes "
	    "still queued in the clear must have gone out first.  A client "
	    "verifies the certificate against --sni, else the address it is "
	    "connected to.  The options are those of tls-client and "
	    "tls-server; --timeout (default 10s) bounds the handshake.  In a "
	    "script the next line runs once the handshake is done.",
	.lower = 1,
	.upper = 1,
	.opts = starttls_opts,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_starttls_exec,
};
