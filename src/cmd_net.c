/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_net.c — datagram, multicast and unix-socket sessions, and socket
 * options: udp, udp-client, mcast, unix-server, unix-client, sockopt. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "codec.h"
#include "net.h"
#include "out.h"
#include "pipe.h"
#include "role_exec.h"
#include "role_reconnect.h"
#include "session.h"
#include "sockopt.h"

/* udp */
static enum cmd_status
cmd_udp_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 2 ? c->argv[0] : NULL, *v;
	const char *names[2];
	const int types[2] = { SOCK_DGRAM, SOCK_DGRAM };
	enum cmd_status st;
	struct net_addr to;
	struct session *s;
	uint64_t rsize = 0;
	uint16_t port;
	char err[256], toh[256], hbuf[256];

	if (cmd_listen_port(c, &host, c->argv[c->argc - 1], hbuf, sizeof hbuf,
	    &port) == -1)
		return CMD_ERR;
	names[0] = host;
	names[1] = cmd_host_of(cmd_opt(c, "to"), toh, sizeof toh);
	if (cmd_names_first(c, names, types, 2, &st))
		return st;
	if ((v = cmd_opt(c, "to")) != NULL && net_resolve_one(v, SOCK_DGRAM, 0,
	    &to, err, sizeof err) == -1)
		return cmd_usage(c, "--to: %s", err);
	if ((v = cmd_opt(c, "recv-size")) != NULL &&
	    codec_parse_uint(v, 1, 65536, &rsize) == -1)
		return cmd_usage(c, "bad --recv-size \"%.32s\" (1..65536)", v);
	s = sess_udp(host, port, cmd_opt(c, "to") ? &to : NULL,
	    cmd_has(c, "broadcast"), (size_t)rsize, err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt udp_opts[] = {
	{ "to", 1 }, { "broadcast", 0 }, { "recv-size", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_udp_entry = {
	.name = "udp",
	.alias = "udp-server",
	.usage = "udp [ADDR] PORT [--to HOST:PORT] [--broadcast] "
	    "[--recv-size N]",
	.help = "Bind a UDP endpoint that talks to any number of peers.  Each "
	    "datagram is one message shown with its source.  send goes to --to "
	    "given to send, else this --to, else the source of the last "
	    "datagram.  Without ADDR: every interface, IPv4 and IPv6 (ADDR:PORT "
	    "as one argument works too).  "
	    "--broadcast allows sending to broadcast addresses.  --recv-size "
	    "reads at most N bytes of a datagram (default 65536); a longer one "
	    "is reported as truncated.",
	.lower = 1,
	.upper = 2,
	.opts = udp_opts,
	.exec = cmd_udp_exec,
};

/* udp-client */
static enum cmd_status
cmd_udp_client_exec(struct cmd_ctx *c)
{
	const int type = SOCK_DGRAM;
	const char *name;
	enum cmd_status st;
	struct session *s;
	uint16_t port;
	char err[256], host[256];

	if (cmd_hostport(c, host, sizeof host, &port) == -1)
		return CMD_ERR;
	name = host;
	if (cmd_names_first(c, &name, &type, 1, &st))
		return st;
	s = sess_udp_client(host, port, err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

const struct cmd_entry cmd_udp_client_entry = {
	.name = "udp-client",
	.usage = "udp-client HOST PORT",
	.help = "A UDP endpoint on an ephemeral port whose default "
	    "destination is HOST PORT.  It still receives from anyone; ICMP "
	    "errors (port unreachable) are reported and the endpoint stays "
	    "usable.  HOST:PORT as one argument works too.",
	.lower = 1,
	.upper = 2,
	.exec = cmd_udp_client_exec,
};

/* mcast */
static enum cmd_status
cmd_mcast_exec(struct cmd_ctx *c)
{
	const int type = SOCK_DGRAM;
	enum cmd_status st;
	struct session *s;
	uint64_t ttl = 1;
	uint16_t port;
	const char *v;
	char err[256];

	if (net_parse_port(c->argv[1], 0, &port, err, sizeof err) == -1)
		return cmd_usage(c, "%s", err);
	if ((v = cmd_opt(c, "ttl")) != NULL &&
	    codec_parse_uint(v, 0, 255, &ttl) == -1)
		return cmd_usage(c, "bad --ttl \"%.32s\" (0..255)", v);
	if (cmd_names_first(c, (const char *const *)&c->argv[0], &type, 1,
	    &st))
		return st;
	s = sess_mcast(c->argv[0], port, cmd_opt(c, "iface"), (int)ttl,
	    !cmd_has(c, "no-loop"), err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt mcast_opts[] = {
	{ "iface", 1 }, { "ttl", 1 }, { "no-loop", 0 }, { NULL, 0 }
};

const struct cmd_entry cmd_mcast_entry = {
	.name = "mcast",
	.alias = "udp-group",
	.usage = "mcast GROUP PORT [--iface NAME|ADDR] [--ttl N] [--no-loop]",
	.help = "Join an IPv4 or IPv6 multicast GROUP on PORT; only datagrams "
	    "for that group are delivered, and send goes to the group.  "
	    "--iface picks the interface (a name, or an IPv4 address), --ttl "
	    "the hop limit of sent datagrams (default 1), --no-loop stops our "
	    "own datagrams coming back.  The group is left on close.",
	.lower = 2,
	.upper = 2,
	.opts = mcast_opts,
	.exec = cmd_mcast_exec,
};

/* unix-server, unix-client */
static const struct cmd_opt unix_server_opts[] = {
	{ "exec", 1 }, { NULL, 0 }
};

static enum cmd_status
cmd_unix_server_exec(struct cmd_ctx *c)
{
	struct session *s;
	const char *v = cmd_opt(c, "exec");
	char err[256], **argv = NULL;

	if (v != NULL && (argv = cmd_exec_words(c, v, strlen(v))) == NULL)
		return CMD_ERR;
	s = sess_unix_server(c->argv[0], err, sizeof err);
	if (s == NULL) {
		exec_argv_free(argv);
		return cmd_fail(c, "%s", err);
	}
	if (argv != NULL)
		exec_serve(s, argv, NULL);
	cmd_result_session(c, s);
	return CMD_OK;
}

static enum cmd_status
cmd_unix_client_exec(struct cmd_ctx *c)
{
	struct session *s;
	uint64_t wait;
	char err[256];
	int r;

	if ((r = cmd_reconnect_opt(c, &wait)) == -1)
		return CMD_ERR;
	if (r == 1) {
		struct reconnect_opts o = {
			.kind = K_UNIX_CLIENT, .host = c->argv[0],
			.unix_path = 1, .delay_ms = wait,
		};

		return cmd_reconnect_start(c, &o);
	}
	s = sess_unix_client(c->argv[0], err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	if (c->interactive)
		return CMD_OK;
	return cmd_wait_id(c, s->id, 0, cmd_connect_check);
}

const struct cmd_entry cmd_unix_server_entry = {
	.name = "unix-server",
	.usage = "unix-server PATH [--exec COMMAND]",
	.help = "Listen on a unix stream socket at PATH.  A socket file left "
	    "by a dead process is replaced; one a live server answers on is an "
	    "error.  The file is removed on close.  Peers show their pid and "
	    "uid.  --exec as for tcp-server.",
	.lower = 1,
	.upper = 1,
	.opts = unix_server_opts,
	.exec = cmd_unix_server_exec,
};

static const struct cmd_opt unix_client_opts[] = {
	{ "reconnect", CMD_OPT_DUR }, { NULL, 0 }
};

const struct cmd_entry cmd_unix_client_entry = {
	.name = "unix-client",
	.usage = "unix-client PATH [--reconnect [DUR]]",
	.help = "Connect to the unix stream socket at PATH.  --reconnect as "
	    "for tcp-client (a PATH with no listener yet is waited for).",
	.lower = 1,
	.upper = 1,
	.opts = unix_client_opts,
	.exec = cmd_unix_client_exec,
};

/* sockopt */
static enum cmd_status
cmd_sockopt_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	const struct sockopt_def *d = NULL, *o;
	struct buf v = BUF_INIT;
	struct rec *r;
	char err[256];

	if (c->argc >= 2 && (d = sockopt_find(c->argv[1])) == NULL) {
		sockopt_names(&v, ", ");
		cmd_usage(c, "unknown socket option \"%.32s\" (%s)", c->argv[1],
		    buf_cstr(&v));
		buf_free(&v);
		return CMD_ERR;
	}
	if (s->fd == -1)
		return cmd_fail(c, "session %u has no socket", s->id);
	if (d != NULL && !sockopt_applies(s, d)) {
		sockopt_why_not(s, d, err, sizeof err);
		return cmd_usage(c, "%s", err);
	}
	if (c->argc == 3 && sockopt_set(s, d, c->argv[2], err,
	    sizeof err) == -1)
		return cmd_usage(c, "%s", err);
	r = xmalloc(sizeof *r);
	rec_begin(r, "result");
	rec_str(r, "command", c->ent->name);
	rec_u64(r, "id", s->id);
	rec_obj(r, "options");
	for (o = sockopt_defs; o->name != NULL; o++) {
		if ((d != NULL && o != d) || !sockopt_applies(s, o))
			continue;
		buf_reset(&v);
		if (sockopt_get(s, o, &v) == -1) {
			if (d == NULL)
				continue;
			rec_free(r);
			free(r);
			buf_free(&v);
			return cmd_fail(c, "reading %s: %s", o->name,
			    strerror(errno));
		}
		rec_strcpy(r, o->name, buf_cstr(&v));
		rec_label(r, o->name, NULL);
	}
	rec_end(r);
	out_kv(r, NULL, "[{id}] ");
	rec_free(r);
	free(r);
	buf_free(&v);
	return CMD_OK;
}

/* sockopt ID NAME VALUE: the names from the one table sockopt reads, and
 * the values a flag or linger takes. */
static void
cmd_sockopt_complete(struct cmd_compl *cc)
{
	if (cc->pos == 0)
		cmd_compl_ids(cc);
	else if (cc->pos == 1) {
		struct buf names = BUF_INIT;

		sockopt_names(&names, "|");
		cmd_compl_list(cc, buf_cstr(&names));
		buf_free(&names);
	} else if (cc->pos == 2) {
		const struct sockopt_def *d =
		    sockopt_find(cc->words[cc->nwords - 1].s);

		if (d != NULL && d->kind == SOV_BOOL)
			cmd_compl_list(cc, "on|off");
		else if (d != NULL && d->kind == SOV_LINGER)
			cmd_compl_list(cc, "off");
	}
}

const struct cmd_entry cmd_sockopt_entry = {
	.name = "sockopt",
	.usage = "sockopt ID [NAME [VALUE]]",
	.help = "Read or set socket options of a session: nodelay on|off, "
	    "keepalive on|off, rcvbuf BYTES, sndbuf BYTES, ttl N, broadcast "
	    "on|off, reuseaddr on|off, linger off|SECONDS.  Without NAME, "
	    "every option that applies, with its current value.  Linux reports "
	    "twice the rcvbuf and sndbuf set (it counts its own overhead).",
	.lower = 1,
	.upper = 3,
	.flags = CMD_TARGET,
	.complete = cmd_sockopt_complete,
	.exec = cmd_sockopt_exec,
};
