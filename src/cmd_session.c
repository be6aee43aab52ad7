/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_session.c — commands that create, inspect and close sessions:
 * tcp-server, tcp-client, list, close, set, show, stats, reset. */
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "codec.h"
#include "display.h"
#include "loop.h"
#include "net.h"
#include "out.h"
#include "pipe.h"
#include "proxy.h"
#include "resolve.h"
#include "role.h"
#include "role_exec.h"
#include "role_reconnect.h"
#include "session.h"
#include "settings.h"
#include "sockopt.h"
#include "layer.h"
#include "layer_proxy.h"
#include "layer_ws.h"

/* tcp-server */
static enum cmd_status
cmd_tcp_server_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 2 ? c->argv[0] : NULL;
	const char *portarg = c->argv[c->argc - 1], *v;
	struct addr_cidr *allow = NULL;
	struct session *s;
	char **argv = NULL;
	size_t nallow = 0;
	uint64_t maxp = 0;
	uint16_t port;
	const int type = SOCK_STREAM;
	enum cmd_status st;
	char err[256], hbuf[256];

	if (cmd_listen_port(c, &host, portarg, hbuf, sizeof hbuf, &port) == -1)
		return CMD_ERR;
	if ((v = cmd_opt(c, "max-peers")) != NULL &&
	    codec_parse_uint(v, 1, 1000000, &maxp) == -1)
		return cmd_usage(c, "bad --max-peers \"%.32s\" (1..1000000)", v);
	if (cmd_names_first(c, &host, &type, 1, &st))
		return st;
	if ((v = cmd_opt(c, "exec")) != NULL &&
	    (argv = cmd_exec_words(c, v, strlen(v))) == NULL)
		return CMD_ERR;
	if ((v = cmd_opt(c, "allow")) != NULL &&
	    addr_cidr_parse(v, &allow, &nallow, err, sizeof err) == -1) {
		exec_argv_free(argv);
		return cmd_usage(c, "--allow: %s", err);
	}
	s = sess_tcp_server(host, port, (unsigned)maxp, allow, nallow, err,
	    sizeof err);
	if (s == NULL) {
		exec_argv_free(argv);
		return cmd_fail(c, "%s", err);
	}
	if (argv != NULL)
		exec_serve(s, argv, NULL);
	if (cmd_has(c, "echo"))
		settings_own(&s->set)->echo = ECHO_ON;
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt tcp_server_opts[] = {
	{ "max-peers", 1 }, { "allow", 1 }, { "echo", 0 }, { "exec", 1 },
	{ NULL, 0 }
};

const struct cmd_entry cmd_tcp_server_entry = {
	.name = "tcp-server",
	.alias = "listen",
	.usage = "tcp-server [ADDR] PORT [--max-peers N] [--allow CIDR,...] "
	    "[--echo] [--exec COMMAND]",
	.help = "Listen for TCP connections on PORT (0 picks a free port, "
	    "reported in the listening event).  Without ADDR: every interface, "
	    "IPv4 and IPv6.  Each accepted connection becomes a tcp-peer "
	    "session under the server.  --max-peers refuses connections beyond "
	    "N; --allow refuses peers outside the listed networks; --echo "
	    "sends back what every peer sends (like set ID echo on); --exec "
	    "gives every peer its own run of COMMAND (one argument, quoted: "
	    "split into words, no shell), paired with it like a relay's sides, "
	    "with SOCKTOOL_REMOTE_ADDR, SOCKTOOL_REMOTE_PORT, "
	    "SOCKTOOL_LOCAL_ADDR, SOCKTOOL_LOCAL_PORT and SOCKTOOL_SESSION in "
	    "its environment.  ADDR:PORT as one argument works too.",
	.lower = 1,
	.upper = 2,
	.opts = tcp_server_opts,
	.exec = cmd_tcp_server_exec,
};

int
cmd_hostport(const struct cmd_ctx *c, char *host, size_t hostlen,
    uint16_t *port)
{
	char pbuf[32], err[256];

	if (c->argc >= 2) {
		snprintf(host, hostlen, "%s", c->argv[0]);
		snprintf(pbuf, sizeof pbuf, "%s", c->argv[1]);
	} else if (addr_split_hostport(c->argv[0], host, hostlen, pbuf,
	    sizeof pbuf, err, sizeof err) == -1) {
		cmd_usage(c, "%s", err);
		return -1;
	}
	if (net_parse_port(pbuf, 0, port, err, sizeof err) == -1) {
		cmd_usage(c, "%s", err);
		return -1;
	}
	return 0;
}

int
cmd_listen_port(const struct cmd_ctx *c, const char **host,
    const char *portarg, char *buf, size_t buflen, uint16_t *port)
{
	char pbuf[32], err[256];

	if (*host == NULL && strchr(portarg, ':') != NULL) {
		if (addr_split_hostport(portarg, buf, buflen, pbuf, sizeof pbuf,
		    err, sizeof err) == -1) {
			cmd_usage(c, "%s", err);
			return -1;
		}
		*host = buf;
		portarg = pbuf;
	}
	if (net_parse_port(portarg, 1, port, err, sizeof err) == -1) {
		cmd_usage(c, "%s", err);
		return -1;
	}
	return 0;
}

/* tcp-client */
/* A script's connect (tcp-client, unix-client) waits for its outcome. */
int
cmd_open_check(struct pending *p, const char *fail)
{
	unsigned id = cmd_pending_id(p);
	struct session *s = sess_find(id);
	const char *msg;

	if (s != NULL && sess_opening(s))
		return 0;
	if (s != NULL) {
		if (out_cfg.json) {
			struct json j;

			j_begin(&j, "result");
			j_str(&j, "command", p->ent->name);
			j_u64(&j, "id", s->id);
			j_str(&j, "local", s->local_str);
			j_str(&j, "remote", s->remote_str);
			j_emit(&j);
		}
		return 1;
	}
	msg = sess_closed_msg(id);
	out_error(p->ent->name, "%s%s", fail, msg ? msg : "closed");
	return -1;
}

int
cmd_connect_check(struct pending *p)
{
	return cmd_open_check(p, "cannot connect: ");
}

int
cmd_reconnect_opt(const struct cmd_ctx *c, uint64_t *ms)
{
	if (!cmd_has(c, "reconnect"))
		return 0;
	if (cmd_duration(c, "reconnect", RECONNECT_DEFAULT_MS, ms) == -1)
		return -1;
	if (*ms < RECONNECT_MIN_MS) {
		cmd_usage(c, "--reconnect: wait at least %ums between "
		    "attempts", RECONNECT_MIN_MS);
		return -1;
	}
	return 1;
}

int
cmd_proxy_opt(const struct cmd_ctx *c, const char *host,
    struct proxy_url *px, char *target, size_t targetlen,
    enum cmd_status *st)
{
	const char *v = cmd_opt(c, "proxy");
	const int type = SOCK_STREAM;
	struct addrinfo *res, *ai;
	char err[256];

	if (v == NULL)
		return 0;
	if (proxy_url_parse(v, px, err, sizeof err) == -1) {
		cmd_usage(c, "--proxy: %s", err);
		return -1;
	}
	if (cmd_has(c, "reconnect")) {
		cmd_usage(c, "--proxy and --reconnect do not go together");
		return -1;
	}
	if (cmd_has(c, "bind")) {
		cmd_usage(c, "--proxy and --bind do not go together");
		return -1;
	}
	snprintf(target, targetlen, "%s", host);
	if (px->type != PROXY_SOCKS5 && px->type != PROXY_SOCKS4)
		return 1;
	/* socks5:// and socks4:// ask for an address: the name is resolved
	 * here (socks4 carries IPv4 only). */
	if (cmd_names_first(c, &host, &type, 1, st))
		return 2;
	if (resolve_now(host, "0", SOCK_STREAM, &res, err, sizeof err) != 1) {
		*st = cmd_fail(c, "%s", err);
		return 2;
	}
	for (ai = res; px->type == PROXY_SOCKS4 && ai != NULL &&
	    ai->ai_family != AF_INET; ai = ai->ai_next)
		;
	if (ai == NULL) {
		resolve_free(res);
		*st = cmd_fail(c, "--proxy socks4:// needs an IPv4 address "
		    "for %s (socks4a:// sends the name)", host);
		return 2;
	}
	net_fmt_host(ai->ai_addr, ai->ai_addrlen, target, targetlen);
	resolve_free(res);
	return 1;
}

/* tcp-client --reconnect: returns at once, in a script too (the session
 * of a later attempt has another id). */
enum cmd_status
cmd_reconnect_start(const struct cmd_ctx *c, const struct reconnect_opts *o)
{
	struct session *s;
	char err[256];

	if ((s = reconnect_open(o, err, sizeof err)) == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static enum cmd_status
cmd_tcp_reconnect(struct cmd_ctx *c, const char *host, uint16_t port,
    const struct net_addr *bind, uint64_t timeout, uint64_t wait)
{
	struct reconnect_opts o = {
		.kind = K_TCP_CLIENT, .host = host, .port = port,
		.bind = bind, .timeout_ms = timeout, .delay_ms = wait,
	};

	return cmd_reconnect_start(c, &o);
}

static enum cmd_status
cmd_tcp_client_exec(struct cmd_ctx *c)
{
	struct net_addr bindaddr;
	struct session *s;
	uint64_t timeout, wait;
	uint16_t port;
	const char *v, *name;
	const int type = SOCK_STREAM;
	enum cmd_status st;
	struct proxy_url px;
	char err[256], host[256], bindhost[256], target[PROXY_NAME_MAX + 1];
	int r, pr;

	if (cmd_hostport(c, host, sizeof host, &port) == -1)
		return CMD_ERR;
	if (cmd_duration(c, "timeout", 10000, &timeout) == -1)
		return CMD_ERR;
	if ((r = cmd_reconnect_opt(c, &wait)) == -1)
		return CMD_ERR;
	if ((pr = cmd_proxy_opt(c, host, &px, target, sizeof target,
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
	if (r == 1)
		return cmd_tcp_reconnect(c, host, port, v ? &bindaddr : NULL,
		    timeout, wait);
	s = sess_tcp_client_via(K_TCP_CLIENT, pr ? target : host, port,
	    pr ? &px : NULL, v ? &bindaddr : NULL, timeout, err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	if (c->interactive) {
		cmd_result_session(c, s);
		return CMD_OK;
	}
	/* In a script the next line may send: wait for the outcome. */
	return cmd_wait_id(c, s->id, 0, cmd_connect_check);
}

static const struct cmd_opt tcp_client_opts[] = {
	{ "bind", 1 }, { "timeout", 1 }, { "reconnect", CMD_OPT_DUR },
	{ "proxy", 1 },
	{ NULL, 0 }
};

const struct cmd_entry cmd_tcp_client_entry = {
	.name = "tcp-client",
	.alias = "connect",
	.usage = "tcp-client HOST PORT [--bind ADDR:PORT] [--timeout DUR] "
	    "[--reconnect [DUR]] [--proxy URL]",
	.help = "Connect to HOST PORT without blocking, trying every address "
	    "the name resolves to, until one answers or --timeout (default "
	    "10s) passes.  Data sent while connecting is queued.  "
	    "Interactively the command returns at once and the outcome is an "
	    "event; in a script the next line runs once connected, and a "
	    "failure fails the command.  HOST:PORT as one argument works too.  "
	    "--reconnect: when the connection ends (closed by the peer, reset, "
	    "an error) or the connect fails, connect again after DUR (default "
	    "1s; DUR with its unit, or --reconnect=DUR), as a new session that "
	    "keeps the settings and says which session it replaces; each "
	    "failed attempt doubles the wait, up to 30s.  Meanwhile the new "
	    "session is listed as waiting; close it (or the connected one) to "
	    "stop.  With --reconnect the command returns at once in a script "
	    "too.  --proxy URL connects through a proxy: socks5://HOST:PORT "
	    "(RFC 1928; HOST resolved here), socks5h:// (the name sent to the "
	    "proxy), socks4:// (an IPv4 address resolved here), socks4a:// "
	    "(the name sent), or http:// (HTTP CONNECT); "
	    "socks5, socks5h and http take USER:PASS@ before HOST "
	    "(RFC 1929, Basic).  The session's remote is the target and via "
	    "names the proxy; data waits until the proxy agrees, and a "
	    "refusal closes the session saying why (the SOCKS reply in words, "
	    "the HTTP status line).",
	.lower = 1,
	.upper = 2,
	.opts = tcp_client_opts,
	.exec = cmd_tcp_client_exec,
};

/* list */

/* Sessions in table order, peers right under their server. */
static struct session **
cmd_list_order(size_t *nrows)
{
	struct session **all, **rows;
	size_t n, i, k;

	all = sess_all(&n);
	rows = xcalloc(n + 1, sizeof *rows);
	*nrows = 0;
	for (i = 0; i < n; i++) {
		if (all[i]->parent != NULL)
			continue;
		/* The later side of a pair (a relay's upstream) is shown
		 * with the side it was made for. */
		if (all[i]->pair != NULL && all[i]->pair->id < all[i]->id)
			continue;
		rows[(*nrows)++] = all[i];
		if (all[i]->npeers == 0)
			continue;
		for (k = i + 1; k < n; k++)
			if (all[k]->parent == all[i]) {
				rows[(*nrows)++] = all[k];
				if (all[k]->pair != NULL)
					rows[(*nrows)++] = all[k]->pair;
			}
	}
	return rows;
}

/* Where a datagram endpoint's `send` goes: its default destination, else
 * the last sender. */
static const char *
cmd_remote(const struct session *s, char *buf, size_t len)
{
	struct net_addr a;

	if (layer_control(s, LCTL_ANSWER_TO, &a) == 0) {
		net_fmt((const struct sockaddr *)&a.ss, a.len, buf, len);
		return buf;
	}
	return s->remote_str[0] ? s->remote_str : NULL;
}

/* The proxy a client goes through, as field via of r: 1, else 0. */
static int
cmd_via(const struct session *s, struct rec *r)
{
	struct layer_via v;

	if (layer_control(s, LCTL_VIA, &v) == -1)
		return 0;
	rec_strcpy(r, "via", v.via);
	return 1;
}

static void
cmd_list_row(size_t i, struct rec *r, void *arg)
{
	struct session **rows = arg, *s = rows[i];
	char remote[ADDR_STRLEN];
	struct buf rep = BUF_INIT;

	r->indent = s->parent != NULL ? 2 : s->pair != NULL &&
	    s->pair->id < s->id ? 4 : 0;
	rec_u64(r, "id", s->id);
	rec_str(r, "kind", sess_kind_name(s));
	rec_str(r, "state", sess_state_name(s->state));
	rec_str(r, "local", s->local_str[0] ? s->local_str : NULL);
	rec_strcpy(r, "remote", cmd_remote(s, remote, sizeof remote));
	cmd_via(s, r);
	rec_u64(r, "rx", s->rx_bytes);
	rec_u64(r, "tx", s->tx_bytes);
	rec_str(r, "display", settings_display_name(s->set->display));
	if (s->parent != NULL)
		rec_u64(r, "parent", s->parent->id);
	if (s->pair != NULL)
		rec_u64(r, "pair", s->pair->id);
	if (cmd_repeat_describe(s->id, &rep) > 0)
		rec_strcpy(r, "repeat", buf_cstr(&rep));
	buf_free(&rep);
}

static enum cmd_status
cmd_list_exec(struct cmd_ctx *c)
{
	/* Addresses are cut in the middle (the port stays), DISPLAY goes
	 * when the terminal is narrow, REPEAT shows when something repeats. */
	static const struct out_col cols[] = {
		{ .key = "id", .title = "ID" },
		{ .key = "kind", .title = "KIND" },
		{ .key = "state", .title = "STATE" },
		{ .key = "local", .title = "LOCAL", .fit = OUT_FIT_MIDDLE,
		    .min = 15 },
		{ .key = "remote", .title = "REMOTE", .fit = OUT_FIT_MIDDLE,
		    .min = 15 },
		{ .key = "rx", .title = "RX", .right = 1 },
		{ .key = "tx", .title = "TX", .right = 1 },
		{ .key = "display", .title = "DISPLAY", .drop = 1 },
		{ .key = "repeat", .title = "REPEAT", .fit = OUT_FIT_END,
		    .min = 12, .opt = 1 },
		{ .key = "via", .title = "VIA", .fit = OUT_FIT_MIDDLE,
		    .min = 12, .opt = 1 },
		{ .key = NULL }
	};
	struct session **rows;
	struct rec head;
	size_t nrows;

	rows = cmd_list_order(&nrows);
	rec_begin(&head, "result");
	rec_str(&head, "command", c->ent->name);
	out_table(&head, "sessions", cols, nrows, cmd_list_row, rows,
	    "(no sessions)");
	rec_free(&head);
	free(rows);
	return CMD_OK;
}

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.alias = "ls",
	.usage = "list",
	.help = "Show the session table: id, kind, state, local and remote "
	    "address, bytes received and sent, display mode.  Accepted peers "
	    "are indented under their server.",
	.lower = 0,
	.upper = 0,
	.exec = cmd_list_exec,
};

/* Parse "ID..." or "all" into a list of ids; -1 after a usage error. */
static int
cmd_ids(const struct cmd_ctx *c, unsigned **ids, size_t *n)
{
	int i;

	*ids = NULL;
	*n = 0;
	if (c->argc == 1 && strcmp(c->argv[0], "all") == 0) {
		struct session **all;
		size_t cnt, k;

		all = sess_all(&cnt);
		*ids = xcalloc(cnt + 1, sizeof **ids);
		for (k = 0; k < cnt; k++)
			(*ids)[(*n)++] = all[k]->id;
		return 0;
	}
	*ids = xcalloc((size_t)c->argc, sizeof **ids);
	for (i = 0; i < c->argc; i++) {
		struct session *s = cmd_session(c, c->argv[i]);

		if (s == NULL) {
			free(*ids);
			*ids = NULL;
			return -1;
		}
		(*ids)[(*n)++] = s->id;
	}
	return 0;
}

/* close */
struct close_wait {
	size_t		 n;
	unsigned	 ids[];
};

static int
cmd_close_check(struct pending *p)
{
	const struct close_wait *w = p->state;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (sess_find(w->ids[i]) != NULL)
			return 0;
	return 1;
}

static void
cmd_abort_peer(struct session *p, void *arg)
{
	(void)arg;
	sess_abort(p, "local", "aborted with a reset (RST)");
}

/* close --keep-peers: every id a listening stream socket, whose peers are
 * connections of their own (a UDP relay's upstream sockets answer through
 * it and cannot outlive it); -1 after the error. */
static int
cmd_close_keep_check(struct cmd_ctx *c, const unsigned *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct session *s = sess_find(ids[i]);

		if (s != NULL && layer_control(s, LCTL_ACCEPTS, NULL) != 0) {
			cmd_fail(c, "--keep-peers: session %u is not a stream "
			    "server", s->id);
			return -1;
		}
	}
	return 0;
}

/* The server stops listening; its peers stay, standing alone. */
static void
cmd_close_keep(struct session *s)
{
	size_t kept = sess_orphan_peers(s);

	out_info("[%u] stops listening; %zu peer%s stay%s open", s->id, kept,
	    kept == 1 ? "" : "s", kept == 1 ? "s" : "");
}

static enum cmd_status
cmd_close_exec(struct cmd_ctx *c)
{
	unsigned *ids;
	size_t n, i;

	if (cmd_has(c, "keep-peers") && cmd_has(c, "reset"))
		return cmd_usage(c, "--keep-peers and --reset exclude each "
		    "other");
	if (cmd_ids(c, &ids, &n) == -1)
		return CMD_ERR;
	if (cmd_has(c, "keep-peers") && cmd_close_keep_check(c, ids, n) == -1) {
		free(ids);
		return CMD_ERR;
	}
	for (i = 0; i < n; i++) {
		struct session *s = sess_find(ids[i]);

		if (s == NULL)
			continue;
		if (cmd_has(c, "keep-peers"))
			cmd_close_keep(s);
		if (cmd_has(c, "reset") && !sess_accepts(s))
			sess_abort(s, "local", "aborted with a reset (RST)");
		else if (cmd_has(c, "reset"))
			sess_foreach_peer(s, cmd_abort_peer, NULL);
		if ((s = sess_find(ids[i])) != NULL)
			sess_close(s, "local");
	}
	cmd_result_ok(c);
	if (c->interactive) {
		free(ids);
		return CMD_OK;
	}
	/* A script's next line sees the sessions gone. */
	{
		struct close_wait *w = xmalloc(sizeof *w + n * sizeof *ids);

		w->n = n;
		memcpy(w->ids, ids, n * sizeof *ids);
		free(ids);
		return cmd_wait(c, 0, cmd_close_check, w, NULL);
	}
}

static const struct cmd_opt close_opts[] = {
	{ "reset", 0 }, { "keep-peers", 0 }, { NULL, 0 }
};

const struct cmd_entry cmd_close_entry = {
	.name = "close",
	.alias = "rm",
	.usage = "close ID...|all [--reset|--keep-peers]",
	.help = "Close sessions.  A TCP session is closed gracefully: data "
	    "still queued is sent first (for at most 10s).  Closing a server "
	    "closes its peers.  --reset aborts instead: an RST, and what is "
	    "queued is lost (and reported).  --keep-peers (servers, relays): "
	    "stop listening and keep the connected peers, which stay usable "
	    "and are listed on their own, without a parent.  In a script the "
	    "next line runs once they are closed.",
	.lower = 1,
	.upper = -1,
	.opts = close_opts,
	.complete = cmd_complete_session_all,
	.flags = CMD_ID,
	.exec = cmd_close_exec,
};

/* set */
struct set_job {
	const struct setting_def	*d;
	const char			*v;
	/* The server's settings before and after: a peer that shared them
	 * shares the result (the same change gives the same settings). */
	const struct settings		*was, *now;
};

static void
cmd_set_one(struct session *s, void *arg)
{
	const struct set_job *j = arg;
	char err[8], enc[sizeof s->set->encoding];
	int display = s->set->display;

	memcpy(enc, s->set->encoding, sizeof enc);
	if (j->was != NULL && s->set == j->was) {
		settings_drop(s->set);
		s->set = settings_hold(j->now);
	} else
		j->d->apply(settings_own(&s->set), j->v, err, sizeof err);
	/* A character half received cannot be finished in another
	 * encoding, nor shown in hex: what was kept is shown now. */
	if (display != s->set->display || strcmp(enc, s->set->encoding) != 0)
		display_flush(s);
	/* `read on|off` and the like change what the socket waits for. */
	pipe_settings_changed(s);
}

/* A server's peers (and a relay pair's upstream side) follow it. */
static void
cmd_set_peer(struct session *p, void *arg)
{
	cmd_set_one(p, arg);
	if (p->pair != NULL && p->pair->parent == NULL)
		cmd_set_one(p->pair, arg);
}

static void
cmd_set_apply(struct session *s, const struct setting_def *d, const char *v)
{
	struct set_job j = { d, v, NULL, NULL };
	const struct settings *was = settings_hold(s->set);

	cmd_set_one(s, &j);
	j.was = was;
	j.now = s->set;
	sess_foreach_peer(s, cmd_set_peer, &j);
	settings_drop(was);
}

/* Whether s has a baud rate to count character times in. */
static int
cmd_has_baud(const struct session *s)
{
	struct layer_line q;

	memset(&q, 0, sizeof q);
	return layer_control(s, LCTL_LINE, &q) != -1;
}

/* "unknown setting" with the names near it. */
static enum cmd_status
cmd_set_unknown(struct cmd_ctx *c, const char *name)
{
	const struct setting_def *d;
	struct cmd_near nr;
	struct buf near = BUF_INIT;
	enum cmd_status st;

	cmd_near_init(&nr, name);
	for (d = setting_defs; d->name != NULL; d++)
		cmd_near_add(&nr, d->name);
	cmd_near_put(&nr, &near);
	st = cmd_usage(c, "unknown setting \"%.32s\"%s", name,
	    buf_len(&near) > 0 ? buf_cstr(&near) : "");
	buf_free(&near);
	return st;
}

/* set ID ws-fragment N | ws-autopong on|off: the WebSocket layer's own
 * (a server's: its current peers'). */
struct set_ws {
	const char	*name, *value;
	int		 done;
	char		 err[256];
};

static void
cmd_set_ws_one(struct session *s, void *arg)
{
	struct set_ws *w = arg;

	if (w->err[0] == '\0' && ws_session_set(s, w->name, w->value, w->err,
	    sizeof w->err) == 0)
		w->done++;
}

static enum cmd_status
cmd_set_ws(struct cmd_ctx *c, struct session *s, const char *name)
{
	struct set_ws w = { name, NULL, 0, "" };
	size_t vlen = c->restlen;
	char *value;

	if (s == NULL)
		return cmd_usage(c, "%s is set on a WebSocket session (an id), "
		    "not on %s", name, c->argv[0]);
	while (vlen > 0 && (c->rest[vlen - 1] == ' ' ||
	    c->rest[vlen - 1] == '\t'))
		vlen--;
	if (vlen == 0)
		return cmd_usage(c, "missing value");
	value = xstrndup(c->rest, vlen);
	w.value = value;
	sess_each_target(s, cmd_set_ws_one, &w);
	free(value);
	if (w.err[0] != '\0')
		return cmd_fail(c, "%s", w.err);
	if (w.done == 0)
		return cmd_fail(c, "server %u has no WebSocket peers", s->id);
	cmd_result_ok(c);
	return CMD_OK;
}

static enum cmd_status
cmd_set_exec(struct cmd_ctx *c)
{
	const struct setting_def *d = setting_find(c->argv[1]);
	const char *target = c->argv[0];
	struct session *s = NULL;
	struct settings probe;
	size_t vlen = c->restlen;
	char err[256], *value;
	int r, stream_only, dgram_only, idle_chars;

	/* The target first: "set display hex" misses an id, not a value. */
	if (strcmp(target, "default") != 0 && strcmp(target, "all") != 0 &&
	    (s = cmd_session(c, target)) == NULL)
		return CMD_ERR;
	if (d == NULL && strncmp(c->argv[1], "ws-", 3) == 0 &&
	    (strcmp(c->argv[1] + 3, "fragment") == 0 ||
	    strcmp(c->argv[1] + 3, "autopong") == 0))
		return cmd_set_ws(c, s, c->argv[1]);
	if (d == NULL && !cmd_serial_setting(c->argv[1]))
		return cmd_set_unknown(c, c->argv[1]);
	while (vlen > 0 && (c->rest[vlen - 1] == ' ' ||
	    c->rest[vlen - 1] == '\t'))
		vlen--;
	if (vlen == 0)
		return cmd_usage(c, "missing value");
	value = xstrndup(c->rest, vlen);
	if (d == NULL) {
		enum cmd_status st = cmd_serial_set(c, s, c->argv[1], value);

		free(value);
		return st;
	}
	/* Validate on a scratch copy first: a bad value changes nothing. */
	settings_copy(&probe, &settings_default);
	r = d->apply(&probe, value, err, sizeof err);
	/* Is a fault that only some kinds have being turned on? */
	stream_only = strcmp(d->name, "split") == 0 && probe.split != 0;
	dgram_only = (strcmp(d->name, "drop") == 0 && probe.drop != 0) ||
	    (strcmp(d->name, "dup") == 0 && probe.dup != 0);
	/* idle:Nc counts in character times: a line with a baud rate. */
	idle_chars = strcmp(d->name, "framing") == 0 &&
	    frame_is_idle(&probe.frame) && probe.frame.chars10 > 0;
	settings_release(&probe);
	if (r == -1) {
		free(value);
		/* The values listed once: where the parser gave no hint of
		 * its own, and only where the list is complete. */
		if (d->values != NULL && strchr(err, '(') == NULL &&
		    strchr(d->values, ':') == NULL &&
		    strcmp(d->name, "reply") != 0 &&
		    strcmp(d->name, "encoding") != 0)
			return cmd_usage(c, "%s (one of %s)", err, d->values);
		return cmd_usage(c, "%s", err);
	}
	if (strcmp(target, "default") == 0)
		d->apply(&settings_default, value, err, sizeof err);
	else if (strcmp(target, "all") == 0) {
		struct session **all;
		size_t n, i;

		all = sess_all(&n);
		for (i = 0; i < n; i++) {
			d->apply(settings_own(&all[i]->set), value, err,
			    sizeof err);
			pipe_settings_changed(all[i]);
		}
	} else {
		/* Faults that mean nothing for the kind are refused, not
		 * kept and ignored. */
		if (stream_only && !sess_carries_bytes(s)) {
			free(value);
			return cmd_fail(c, "split applies to stream sessions: "
			    "a datagram is never cut (delay, jitter and rate "
			    "hold whole datagrams)");
		}
		if (dgram_only && sess_carries_bytes(s)) {
			free(value);
			return cmd_fail(c, "%s applies to UDP sessions only",
			    d->name);
		}
		if (idle_chars && !cmd_has_baud(s)) {
			free(value);
			return cmd_fail(c, "idle:Nc counts character times at "
			    "a baud rate: session %u is not a serial line (use "
			    "idle:DUR)", s->id);
		}
		cmd_set_apply(s, d, value);
	}
	free(value);
	cmd_result_ok(c);
	return CMD_OK;
}

/* set ID|all|default SETTING VALUE: the setting names, then the values
 * a setting takes, from the one table. */
static void
cmd_set_complete(struct cmd_compl *cc)
{
	const struct setting_def *d;

	if (cc->pos == 0) {
		cmd_compl_ids(cc);
		cmd_compl_add(cc, "all");
		cmd_compl_add(cc, "default");
	} else if (cc->pos == 1) {
		for (d = setting_defs; d->name != NULL; d++)
			cmd_compl_add(cc, d->name);
		/* A WebSocket layer's own (cmd_set_ws). */
		cmd_compl_list(cc, "ws-fragment|ws-autopong");
	} else if (cc->pos == 2 && cc->nwords >= 3) {
		d = setting_find(cc->words[cc->nwords - 1].s);
		if (d != NULL && d->values != NULL)
			cmd_compl_list(cc, d->values);
		else if (strcmp(cc->words[cc->nwords - 1].s,
		    "ws-autopong") == 0)
			cmd_compl_list(cc, "on|off");
	}
}

const struct cmd_entry cmd_set_entry = {
	.name = "set",
	.usage = "set ID|all|default SETTING VALUE",
	.help = "Change a setting of a session (a server passes it on to its "
	    "current peers, and its future peers start with the server's "
	    "settings: set the server to configure its peers), of every "
	    "session, or the default for sessions created later (not the "
	    "future peers of an existing server).  Settings: display "
	    "text|hex|both|none, show-sent on|off, timestamps on|off, "
	    "max-display BYTES (0 = all), eol lf|crlf|cr|none (attach), send-eol none|lf|crlf|cr (appended by send), encoding NAME "
	    "(any iconv name), framing "
	    "raw|line|delim:HEX|len:1|len:2|len:4|len:2le|len:4le|fixed:N "
	    "or idle:DUR|idle:Nc (silence ends a message), "
	    "echo off|on|upper, reply 'PATTERN => RESPONSE' [--fill] "
	    "[--append CHECK] (added; PATTERN bytes or /REGEX/[isx], PCRE2, "
	    "with \\1..\\9 and ${name} in RESPONSE; \"reply clear\" "
	    "removes all), half-close on|off (a peer that stops "
	    "sending leaves the session open for sending), check CHECK, "
	    "rewrite 'PATTERN => REPLACEMENT' (relays), split N [DUR] (pieces "
	    "read apart), delay DUR (latency), jitter DUR, rate BYTES/s, read "
	    "on|off, drop PERCENT, dup PERCENT, seed N (fault injection); baud N, mode 8N1, flow "
	    "none|rtscts|xonxoff (serial lines, not all or default); a "
	    "WebSocket session's ws-fragment N, ws-autopong on|off.  VALUE "
	    "is the rest of the line.",
	.lower = 2,
	.upper = 2,
	.flags = CMD_REST | CMD_REST_OPT | CMD_ID,
	.complete = cmd_set_complete,
	.exec = cmd_set_exec,
};

/* show */
/* How often each rewrite rule matched: "rewritten" (count per rule, in
 * rule order) and "rewrites" (all), so a rule that never matches is plain
 * to see. */
static void
cmd_show_rewrites(const struct session *s, struct rec *r, struct buf *v)
{
	const struct reply_rules *rr = s->set->rewrites;
	uint64_t total = 0;
	size_t i;

	if (rr == NULL)
		return;
	buf_reset(v);
	for (i = 0; i < rr->n; i++) {
		total += rr->r[i].hits;
		buf_printf(v, "%s%" PRIu64 "x '%s'", i ? "; " : "",
		    rr->r[i].hits, rr->r[i].text);
	}
	rec_u64(r, "rewrites", total);
	rec_strcpy(r, "rewritten", buf_cstr(v));
	rec_label(r, "rewritten", NULL);
}

static enum cmd_status
cmd_show_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	const struct setting_def *d;
	const struct sockopt_def *o;
	char remote[ADDR_STRLEN];
	struct buf v = BUF_INIT;
	struct rec *r;

	r = xmalloc(sizeof *r);
	rec_begin(r, "result");
	rec_str(r, "command", c->ent->name);
	rec_u64(r, "id", s->id);
	rec_str(r, "kind", sess_kind_name(s));
	rec_str(r, "state", sess_state_name(s->state));
	if (s->parent != NULL) {
		rec_u64(r, "parent", s->parent->id);
		rec_label(r, "parent", NULL);
	}
	if (sess_accepts(s)) {
		rec_u64(r, "peers", s->npeers);
		rec_label(r, "peers", NULL);
	}
	rec_str(r, "local", s->local_str[0] ? s->local_str : NULL);
	rec_label(r, "local", NULL);
	rec_strcpy(r, "remote", cmd_remote(s, remote, sizeof remote));
	/* A datagram socket has a destination, a connection a remote. */
	rec_label(r, s->fdl.ops != NULL && s->fdl.ops->dgram ? "send to" :
	    "remote", NULL);
	if (cmd_via(s, r))
		rec_label(r, "via", NULL);
	rec_u64(r, "rx_bytes", s->rx_bytes);
	rec_label(r, "received", "byte|bytes");
	rec_u64(r, "tx_bytes", s->tx_bytes);
	rec_label(r, "sent", "byte|bytes");
	rec_u64(r, "rx_msgs", s->rx_msgs);
	rec_label(r, "messages", "received");
	rec_u64(r, "tx_msgs", s->tx_msgs);
	rec_label(r, "", "sent");
	if (s->role != NULL && s->role->unmatched != NULL) {
		rec_u64(r, "unmatched", s->role->unmatched(s));
		rec_label(r, "unmatched", "message|messages");
	}
	rec_u64(r, "queued", pipe_queued(s));
	rec_label(r, "queued", "byte|bytes");
	rec_u64(r, "uptime_ms", loop_now() - s->created_ms);
	codec_fmt_duration(loop_now() - s->created_ms, &v);
	rec_strcpy(r, "uptime", buf_cstr(&v));
	rec_label(r, "uptime", NULL);
	if (s->top != NULL) {
		buf_reset(&v);
		layer_describe(s, &v);
		/* Outside words in it (a WebSocket path, a certificate's
		 * name) are escaped already by their layer. */
		rec_strescaped(r, "transport", buf_cstr(&v));
		rec_label(r, "transport", NULL);
		layer_control(s, LCTL_DETAILS, r);
	}
	if (s->role != NULL && s->role->fields != NULL)
		s->role->fields(s, "show", r);
	rec_obj(r, "settings");
	rec_label(r, "settings", NULL);
	for (d = setting_defs; d->name != NULL; d++) {
		buf_reset(&v);
		d->format(s->set, &v);
		/* Rules are shown as typed, escapes and all. */
		rec_strescaped(r, d->name, buf_cstr(&v));
	}
	rec_end(r);
	cmd_show_rewrites(s, r, &v);
	/* A device or a pty has no socket options to show. */
	if (s->fd != -1 && sockopt_any(s)) {
		rec_obj(r, "sockopts");
		rec_label(r, "sockopts", NULL);
		for (o = sockopt_defs; o->name != NULL; o++) {
			buf_reset(&v);
			if (sockopt_applies(s, o) && sockopt_get(s, o, &v) == 0)
				rec_strcpy(r, o->name, buf_cstr(&v));
		}
		rec_end(r);
	}
	out_kv(r, "session {id}: {kind}, {state}", NULL);
	rec_free(r);
	free(r);
	buf_free(&v);
	return CMD_OK;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.usage = "show ID",
	.help = "Everything about one session: kind, state, addresses, "
	    "counters, queued bytes, uptime, settings and socket options.",
	.lower = 1,
	.upper = 1,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_show_exec,
};

/* stats */
struct stats_rows {
	struct session	**s;
	size_t		  n;
};

/* The human line's width: the fields as the template lays them out. */
static size_t
cmd_stats_width(struct rec *r)
{
	struct buf b = BUF_INIT;
	size_t n;

	rec_render(r, "[{id}] rx {rx_bytes} bytes / {rx_msgs} msgs ({rx/s})  tx "
	    "{tx_bytes} bytes / {tx_msgs} msgs ({tx/s})  up {up}{rw}", &b);
	n = buf_len(&b);
	buf_free(&b);
	return n;
}

static void
cmd_stats_row(size_t i, struct rec *r, void *arg)
{
	struct stats_rows *rows = arg;
	const struct session *s = rows->s[i];
	uint64_t el = loop_now() - s->reset_ms;
	double sec = el > 0 ? (double)el / 1000.0 : 0.001;
	struct buf b = BUF_INIT;

	rec_u64(r, "id", s->id);
	rec_u64(r, "rx_bytes", s->rx_bytes);
	rec_u64(r, "rx_msgs", s->rx_msgs);
	rec_u64(r, "rx_rate", (uint64_t)((double)s->rx_bytes / sec));
	rec_u64(r, "tx_bytes", s->tx_bytes);
	rec_u64(r, "tx_msgs", s->tx_msgs);
	rec_u64(r, "tx_rate", (uint64_t)((double)s->tx_bytes / sec));
	rec_u64(r, "uptime_ms", loop_now() - s->created_ms);
	if (s->set->rewrites != NULL) {
		uint64_t hits = 0;
		size_t k;

		for (k = 0; k < s->set->rewrites->n; k++)
			hits += s->set->rewrites->r[k].hits;
		rec_u64(r, "rewrites", hits);
		if (!out_cfg.json) {
			buf_printf(&b, "  rewrites %" PRIu64, hits);
			rec_strcpy(r, "rw", buf_cstr(&b));
			buf_reset(&b);
		}
	}
	if (s->role != NULL && s->role->unmatched != NULL) {
		rec_u64(r, "unmatched", s->role->unmatched(s));
		/* On a line of its own: the first is full (80 columns). */
		if (!out_cfg.json) {
			buf_printf(&b, "%" PRIu64, s->role->unmatched(s));
			rec_strcpy(r, "um", buf_cstr(&b));
			buf_reset(&b);
		}
	}
	if (out_cfg.json)
		return;
	/* People read rates and durations, not raw numbers. */
	codec_fmt_bytes((uint64_t)((double)s->rx_bytes / sec), &b);
	buf_puts(&b, "/s");
	rec_strcpy(r, "rx/s", buf_cstr(&b));
	buf_reset(&b);
	codec_fmt_bytes((uint64_t)((double)s->tx_bytes / sec), &b);
	buf_puts(&b, "/s");
	rec_strcpy(r, "tx/s", buf_cstr(&b));
	buf_reset(&b);
	codec_fmt_duration(loop_now() - s->created_ms, &b);
	rec_strcpy(r, "up", buf_cstr(&b));
	buf_free(&b);
	/* Wider than the terminal (big counters): the way out goes on a
	 * line of its own. */
	if (cmd_stats_width(r) > out_width())
		rec_strcpy(r, "wrap", "1");
}

static enum cmd_status
cmd_stats_exec(struct cmd_ctx *c)
{
	struct session *one = NULL;
	struct stats_rows rows;
	struct rec head;

	if (c->argc == 1 && (one = cmd_session(c, c->argv[0])) == NULL)
		return CMD_ERR;
	if (one != NULL) {
		rows.s = &one;
		rows.n = 1;
	} else
		rows.s = sess_all(&rows.n);
	rec_begin(&head, "result");
	rec_str(&head, "command", c->ent->name);
	out_rows(&head, "sessions", rows.n, cmd_stats_row, &rows,
	    "[{id}] rx {rx_bytes} bytes / {rx_msgs} msgs ({rx/s}){?wrap:\n  }"
	    "  tx {tx_bytes} bytes / {tx_msgs} msgs ({tx/s})  up {up}{rw}"
	    "{?um:\n    unmatched }{um}");
	rec_free(&head);
	return CMD_OK;
}

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.usage = "stats [ID]",
	.help = "Counters of one session or of all: bytes and messages each "
	    "way, average rates since creation or the last reset, uptime.  A "
	    "server counts the traffic of all its peers.",
	.lower = 0,
	.upper = 1,
	.complete = cmd_complete_session,
	.exec = cmd_stats_exec,
};

/* reset */
static enum cmd_status
cmd_reset_exec(struct cmd_ctx *c)
{
	unsigned *ids;
	size_t n, i;

	if (cmd_ids(c, &ids, &n) == -1)
		return CMD_ERR;
	for (i = 0; i < n; i++)
		sess_reset_counters(sess_find(ids[i]));
	free(ids);
	cmd_result_ok(c);
	return CMD_OK;
}

const struct cmd_entry cmd_reset_entry = {
	.name = "reset",
	.usage = "reset ID|all",
	.help = "Set the byte and message counters of a session, or of all, "
	    "to zero.",
	.lower = 1,
	.upper = 1,
	.complete = cmd_complete_session_all,
	.flags = CMD_ID,
	.exec = cmd_reset_exec,
};
