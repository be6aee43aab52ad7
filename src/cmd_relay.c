/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_relay.c — `relay` (a listening session whose clients are paired with
 * upstream connections, role_relay.c) and `shutdown` (half-close a session). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "codec.h"
#include "layer_proxy.h"
#include "net.h"
#include "out.h"
#include "role_relay.h"
#include "session.h"
#include "tls.h"
#include "tls_cert.h"

/* relay [ADDR] PORT --socks5/--http-proxy: each client names its target. */
static enum cmd_status
cmd_relay_proxy(struct cmd_ctx *c, unsigned serve)
{
	const char *host = c->argc == 2 ? c->argv[0] : NULL;
	const char *v, *bad[] = { "udp", "tls-server", "tls-client", NULL };
	const char *names[1];
	int types[1] = { SOCK_STREAM };
	enum cmd_status st;
	struct addr_cidr *allow = NULL, *targets = NULL;
	struct session *s;
	size_t nallow = 0, ntargets = 0, i;
	uint64_t maxp = 0;
	uint16_t port;
	char err[512], hbuf[256];

	if (c->argc > 2)
		return cmd_usage(c, "--socks5 and --http-proxy take no HOST "
		    "HPORT: each client names its target");
	for (i = 0; bad[i] != NULL; i++)
		if (cmd_has(c, bad[i]))
			return cmd_usage(c, "--%s does not go with --socks5 or "
			    "--http-proxy", bad[i]);
	if (cmd_listen_port(c, &host, c->argv[c->argc - 1], hbuf, sizeof hbuf,
	    &port) == -1)
		return CMD_ERR;
	if ((v = cmd_opt(c, "max-peers")) != NULL &&
	    codec_parse_uint(v, 1, 1000000, &maxp) == -1)
		return cmd_usage(c, "bad --max-peers \"%.32s\" (1..1000000)", v);
	names[0] = host;
	if (cmd_names_first(c, names, types, 1, &st))
		return st;
	v = cmd_opt(c, "allow-target");
	if (addr_cidr_parse(v != NULL ? v : "127.0.0.0/8,::1", &targets,
	    &ntargets, err, sizeof err) == -1)
		return cmd_usage(c, "--allow-target: %s", err);
	if ((v = cmd_opt(c, "allow")) != NULL &&
	    addr_cidr_parse(v, &allow, &nallow, err, sizeof err) == -1) {
		free(targets);
		return cmd_usage(c, "--allow: %s", err);
	}
	s = relay_start(host, port, "", 0, (unsigned)maxp, allow, nallow, err,
	    sizeof err);
	if (s == NULL) {
		free(targets);
		return cmd_fail(c, "%s", err);
	}
	relay_set_proxy(s, serve, targets, ntargets,
	    cmd_opt(c, "allow-target"));
	cmd_result_session(c, s);
	return CMD_OK;
}

static enum cmd_status
cmd_relay_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 4 ? c->argv[0] : NULL, *v;
	const char *const *a = (const char *const *)c->argv + (c->argc == 4);
	const char *names[2];
	int types[2] = { SOCK_STREAM, SOCK_DGRAM };
	enum cmd_status st;
	struct addr_cidr *allow = NULL;
	struct session *s;
	uint16_t port, upport;
	uint64_t maxp = 0;
	size_t nallow = 0;
	char err[512], hbuf[256];
	unsigned serve = (cmd_has(c, "socks5") ? PROXY_SERVE_SOCKS5 : 0) |
	    (cmd_has(c, "http-proxy") ? PROXY_SERVE_HTTP : 0);

	if (serve != 0)
		return cmd_relay_proxy(c, serve);
	if (cmd_opt(c, "allow-target") != NULL)
		return cmd_usage(c, "--allow-target goes with --socks5 or "
		    "--http-proxy");
	if (c->argc < 3)
		return cmd_usage(c, "missing argument");
	if (cmd_listen_port(c, &host, a[0], hbuf, sizeof hbuf, &port) == -1)
		return CMD_ERR;
	if (net_parse_port(a[2], 0, &upport, err, sizeof err) == -1)
		return cmd_usage(c, "upstream %s", err);
	if ((v = cmd_opt(c, "max-peers")) != NULL &&
	    codec_parse_uint(v, 1, 1000000, &maxp) == -1)
		return cmd_usage(c, "bad --max-peers \"%.32s\" (1..1000000)", v);
	/* The listening address; a UDP relay's upstream too (a TCP relay's
	 * is resolved by each relay-out session, while it is `resolving`). */
	names[0] = host;
	names[1] = cmd_has(c, "udp") ? a[1] : NULL;
	if (cmd_names_first(c, names, types, 2, &st))
		return st;
	if ((v = cmd_opt(c, "allow")) != NULL &&
	    addr_cidr_parse(v, &allow, &nallow, err, sizeof err) == -1)
		return cmd_usage(c, "--allow: %s", err);
	if (cmd_has(c, "udp")) {
		uint64_t idle;

		free(allow);
		if (cmd_duration(c, "idle", 60000, &idle) == -1)
			return CMD_ERR;
		if (idle == 0)
			return cmd_usage(c, "--idle must be more than 0");
		s = relay_start_udp(host, port, a[1], upport, idle, err,
		    sizeof err);
	} else {
		struct tls_cfg *tin = NULL, *tout = NULL;
		struct tls_opts o;

		if (cmd_has(c, "tls-server")) {
			memset(&o, 0, sizeof o);
			o.server = 1;
			o.timeout_ms = TLS_HANDSHAKE_MS;
			o.cert = cmd_opt(c, "cert");
			o.key = cmd_opt(c, "key");
			if (o.key != NULL && o.cert == NULL) {
				free(allow);
				return cmd_usage(c, "--key needs --cert");
			}
			if ((tin = tls_cfg_new(&o, err, sizeof err)) == NULL) {
				free(allow);
				return cmd_fail(c, "--tls-server: %s", err);
			}
		}
		if (cmd_has(c, "tls-client")) {
			memset(&o, 0, sizeof o);
			o.timeout_ms = TLS_HANDSHAKE_MS;
			o.host = a[1];
			o.sni = cmd_opt(c, "sni");
			o.ca = cmd_opt(c, "ca");
			o.insecure = cmd_has(c, "insecure");
			if ((tout = tls_cfg_new(&o, err, sizeof err)) == NULL) {
				if (tin != NULL)
					tls_cfg_unref(tin);
				free(allow);
				return cmd_fail(c, "--tls-client: %s", err);
			}
		}
		s = relay_start(host, port, a[1], upport, (unsigned)maxp, allow,
		    nallow, err, sizeof err);
		if (s == NULL) {
			if (tin != NULL)
				tls_cfg_unref(tin);
			if (tout != NULL)
				tls_cfg_unref(tout);
		} else {
			relay_set_tls(s, tin, tout);
			/* Clients must trust this certificate: say which. */
			if (tin != NULL) {
				char fpa[64], fpb[64];

				tls_fingerprint_halves(tin->own_fp, fpa, fpb,
				    sizeof fpa);
				out_info("[%u] TLS to clients with %s "
				    "certificate", s->id, tin->self_signed ?
				    "this run's self-signed" : "the given");
				out_info("[%u]   sha256 %s", s->id, fpa);
				out_info("[%u]          %s", s->id, fpb);
			}
		}
	}
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt relay_opts[] = {
	{ "max-peers", 1 }, { "allow", 1 }, { "udp", 0 }, { "idle", 1 },
	{ "tls-server", 0 }, { "tls-client", 0 }, { "cert", 1 }, { "key", 1 },
	{ "ca", 1 }, { "insecure", 0 }, { "sni", 1 }, { "socks5", 0 },
	{ "http-proxy", 0 }, { "allow-target", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_relay_entry = {
	.name = "relay",
	.usage = "relay [ADDR] PORT (HOST HPORT | --socks5 | --http-proxy) "
	    "[--allow-target CIDR,...] [--udp [--idle DUR]] "
	    "[--tls-server [--cert FILE --key FILE]] [--tls-client [--ca FILE] "
	    "[--insecure] [--sni NAME]] [--max-peers N] [--allow CIDR,...]",
	.help = "Listen on PORT (ADDR:PORT as one argument works too); "
	    "every client that connects (a relay-in "
	    "session) gets an upstream connection to HOST HPORT (relay-out), "
	    "and the two forward everything both ways while it is displayed "
	    "with its direction, framed, matched by expect, logged and "
	    "counted like any session.  Data from the client waits while the "
	    "upstream connects; an upstream that fails closes the client with "
	    "the reason.  A side that cannot take more stops reading on the "
	    "other; a half-close passes through as a FIN, a reset as a reset.  "
	    "send/sendhex/sendfile to either side inject bytes in order with "
	    "the forwarded ones.  --udp: each client address gets its own "
	    "upstream socket (a relay-out session); replies go back to the "
	    "client they belong to; a pair idle for --idle (default 60s) "
	    "expires.  --tls-server terminates TLS from clients (a "
	    "self-signed certificate for this run without --cert; its "
	    "fingerprint is printed); --tls-client speaks TLS upstream "
	    "(verified unless --insecure); both: a TLS-inspecting relay.  "
	    "--socks5 (RFC 1928 CONNECT, no authentication) and/or "
	    "--http-proxy (HTTP CONNECT), both on one port when both are "
	    "given: no fixed upstream; each client's request names its "
	    "target, a name resolved without blocking, and only addresses "
	    "inside --allow-target (default 127.0.0.0/8,::1) are ever "
	    "connected; a target with none is refused before any connect "
	    "(SOCKS5 reply 2, HTTP 403).  The client gets the success reply "
	    "once the upstream is connected (or the failure: a SOCKS5 reply "
	    "code, HTTP 502), then the pair is like any other: shown, "
	    "counted, held, rewritten; bytes sent after the request follow.",
	.lower = 1,
	.upper = 4,
	.opts = relay_opts,
	.exec = cmd_relay_exec,
};

static enum cmd_status
cmd_shutdown_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;

	if (!sess_carries_bytes(s) || sess_accepts(s) || sess_opening(s) ||
	    s->fd == -1)
		return cmd_fail(c, "session %u is not a connected stream",
		    s->id);
	if (s->want_shut || s->closing)
		return cmd_fail(c, "session %u is already closing its side",
		    s->id);
	sess_shutdown(s);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_shutdown_entry = {
	.name = "shutdown",
	.usage = "shutdown ID",
	.help = "Half-close: send FIN once what is queued has gone, and keep "
	    "receiving; the session ends when the peer finishes too.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_shutdown_exec,
};

/* hold/release on a TCP relay: its pairs' client sides, now and new. */
static enum cmd_status
cmd_hold_relay(struct cmd_ctx *c, int hold)
{
	struct session *s = c->s;
	size_t pairs, bytes;

	if (relay_hold_all(s, hold, &pairs, &bytes) == -1)
		return cmd_fail(c, "session %u is not one side of a relay nor "
		    "a TCP relay", s->id);
	if (hold)
		out_info("[%u] holding what clients send: %zu current "
		    "pair%s and every new one, until release %u", s->id, pairs,
		    pairs == 1 ? "" : "s", s->id);
	else
		out_info("[%u] released %zu held byte%s of %zu pair%s; new "
		    "pairs forward at once", s->id, bytes, bytes == 1 ? "" : "s",
		    pairs, pairs == 1 ? "" : "s");
	cmd_result_ok(c);
	return CMD_OK;
}

static enum cmd_status
cmd_hold_common(struct cmd_ctx *c, int hold)
{
	struct session *s = c->s;

	if (s->pair == NULL)
		return cmd_hold_relay(c, hold);
	if (hold) {
		out_info("[%u] holding what arrives here, until release %u",
		    s->id, s->id);
		relay_hold(s);
	} else {
		out_info("[%u] released %zu held byte%s", s->id,
		    relay_held(s), relay_held(s) == 1 ? "" : "s");
		relay_release(s);
	}
	cmd_result_ok(c);
	return CMD_OK;
}

static enum cmd_status
cmd_hold_exec(struct cmd_ctx *c)
{
	return cmd_hold_common(c, 1);
}

static enum cmd_status
cmd_release_exec(struct cmd_ctx *c)
{
	return cmd_hold_common(c, 0);
}

const struct cmd_entry cmd_hold_entry = {
	.name = "hold",
	.usage = "hold ID",
	.help = "Stop forwarding what arrives on one side of a relay: it is "
	    "kept, in order (up to 4 MiB, then that side stops reading), until "
	    "release.  It is still shown, counted and logged as it arrives.  "
	    "On a TCP relay (the listening session): the client side of every "
	    "current pair and of every pair made later is held, until release "
	    "of the relay.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_hold_exec,
};

const struct cmd_entry cmd_release_entry = {
	.name = "release",
	.usage = "release ID",
	.help = "Forward what hold kept, then go on forwarding.  On a TCP "
	    "relay: every held client side is released and new pairs forward "
	    "at once again.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_release_exec,
};
