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
#include "session.h"

/* udp */
static enum cmd_status
cmd_udp_exec(struct cmd_ctx *c)
{
	const char *host = c->argc == 2 ? c->argv[0] : NULL, *v;
	struct net_addr to;
	struct session *s;
	uint64_t rsize = 0;
	uint16_t port;
	char err[256];

	if (net_parse_port(c->argv[c->argc - 1], 1, &port, err,
	    sizeof err) == -1)
		return cmd_usage(c, "%s", err);
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
	"udp", "udp-server",
	"udp [ADDR] PORT [--to HOST:PORT] [--broadcast] [--recv-size N]",
	"Bind a UDP endpoint that talks to any number of peers.  Each "
	"datagram is one message shown with its source.  send goes to --to "
	"given to send, else this --to, else the source of the last datagram.  "
	"Without ADDR: every interface, IPv4 and IPv6.  --broadcast allows "
	"sending to broadcast addresses.  --recv-size reads at most N bytes of "
	"a datagram (default 65536); a longer one is reported as truncated.",
	1, 2, udp_opts, 0, ARG_NONE, cmd_udp_exec
};

/* udp-client */
static enum cmd_status
cmd_udp_client_exec(struct cmd_ctx *c)
{
	struct session *s;
	uint16_t port;
	char err[256];

	if (net_parse_port(c->argv[1], 0, &port, err, sizeof err) == -1)
		return cmd_usage(c, "%s", err);
	s = sess_udp_client(c->argv[0], port, err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

const struct cmd_entry cmd_udp_client_entry = {
	"udp-client", NULL, "udp-client HOST PORT",
	"A UDP endpoint on an ephemeral port whose default destination is "
	"HOST PORT.  It still receives from anyone; ICMP errors (port "
	"unreachable) are reported and the endpoint stays usable.",
	2, 2, NULL, 0, ARG_NONE, cmd_udp_client_exec
};

/* mcast */
static enum cmd_status
cmd_mcast_exec(struct cmd_ctx *c)
{
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
	"mcast", "udp-group",
	"mcast GROUP PORT [--iface NAME|ADDR] [--ttl N] [--no-loop]",
	"Join an IPv4 or IPv6 multicast GROUP on PORT; only datagrams for "
	"that group are delivered, and send goes to the group.  --iface picks "
	"the interface (a name, or an IPv4 address), --ttl the hop limit of "
	"sent datagrams (default 1), --no-loop stops our own datagrams coming "
	"back.  The group is left on close.",
	2, 2, mcast_opts, 0, ARG_NONE, cmd_mcast_exec
};

/* unix-server, unix-client */
static enum cmd_status
cmd_unix_server_exec(struct cmd_ctx *c)
{
	struct session *s;
	char err[256];

	s = sess_unix_server(c->argv[0], err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static enum cmd_status
cmd_unix_client_exec(struct cmd_ctx *c)
{
	struct session *s;
	char err[256];

	s = sess_unix_client(c->argv[0], err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	if (c->interactive)
		return CMD_OK;
	cmd_pending.id = s->id;
	cmd_pending.check = cmd_connect_check;
	return cmd_wait(c, 0);
}

const struct cmd_entry cmd_unix_server_entry = {
	"unix-server", NULL, "unix-server PATH",
	"Listen on a unix stream socket at PATH.  A socket file left by a "
	"dead process is replaced; one a live server answers on is an error.  "
	"The file is removed on close.  Peers show their pid and uid.",
	1, 1, NULL, 0, ARG_NONE, cmd_unix_server_exec
};

const struct cmd_entry cmd_unix_client_entry = {
	"unix-client", NULL, "unix-client PATH",
	"Connect to the unix stream socket at PATH.",
	1, 1, NULL, 0, ARG_NONE, cmd_unix_client_exec
};

/* sockopt */
enum { SO_T_BOOL, SO_T_INT, SO_T_LINGER };

struct sockopt_def {
	const char	*name;
	int		 type;
	int		 tcp_only;
	const char	*help;
};

static const struct sockopt_def sockopt_defs[] = {
	{ "nodelay", SO_T_BOOL, 1, "TCP_NODELAY: send small writes at once" },
	{ "keepalive", SO_T_BOOL, 0, "SO_KEEPALIVE: probe idle connections" },
	{ "rcvbuf", SO_T_INT, 0, "SO_RCVBUF in bytes (Linux reports twice "
	  "the value set)" },
	{ "sndbuf", SO_T_INT, 0, "SO_SNDBUF in bytes (Linux reports twice "
	  "the value set)" },
	{ "ttl", SO_T_INT, 0, "IP_TTL / IPV6_UNICAST_HOPS (multicast: the "
	  "multicast hop limit)" },
	{ "broadcast", SO_T_BOOL, 0, "SO_BROADCAST" },
	{ "reuseaddr", SO_T_BOOL, 0, "SO_REUSEADDR" },
	{ "linger", SO_T_LINGER, 0, "SO_LINGER: off, or seconds to wait on "
	  "close" },
	{ NULL, 0, 0, NULL }
};

/* Which level/option implements name on s. */
static int
sockopt_where(const struct session *s, const char *name, int *level,
    int *opt)
{
	int fam = s->local.ss.ss_family;

	if (strcmp(name, "nodelay") == 0) {
		*level = IPPROTO_TCP;
		*opt = TCP_NODELAY;
	} else if (strcmp(name, "keepalive") == 0) {
		*level = SOL_SOCKET;
		*opt = SO_KEEPALIVE;
	} else if (strcmp(name, "rcvbuf") == 0) {
		*level = SOL_SOCKET;
		*opt = SO_RCVBUF;
	} else if (strcmp(name, "sndbuf") == 0) {
		*level = SOL_SOCKET;
		*opt = SO_SNDBUF;
	} else if (strcmp(name, "broadcast") == 0) {
		*level = SOL_SOCKET;
		*opt = SO_BROADCAST;
	} else if (strcmp(name, "reuseaddr") == 0) {
		*level = SOL_SOCKET;
		*opt = SO_REUSEADDR;
	} else if (strcmp(name, "linger") == 0) {
		*level = SOL_SOCKET;
		*opt = SO_LINGER;
	} else if (strcmp(name, "ttl") == 0) {
		if (fam == AF_INET6) {
			*level = IPPROTO_IPV6;
			*opt = s->kind == K_MCAST ? IPV6_MULTICAST_HOPS :
			    IPV6_UNICAST_HOPS;
		} else if (fam == AF_INET) {
			*level = IPPROTO_IP;
			*opt = s->kind == K_MCAST ? IP_MULTICAST_TTL : IP_TTL;
		} else
			return -1;
	} else
		return -1;
	return 0;
}

static int
sockopt_get(const struct session *s, const struct sockopt_def *d,
    struct buf *out)
{
	int level, opt, v = 0;
	socklen_t len = sizeof v;

	if (sockopt_where(s, d->name, &level, &opt) == -1)
		return -1;
	if (d->type == SO_T_LINGER) {
		struct linger l;

		len = sizeof l;
		if (getsockopt(s->fd, level, opt, &l, &len) == -1)
			return -1;
		if (l.l_onoff)
			buf_printf(out, "%d", l.l_linger);
		else
			buf_puts(out, "off");
		return 0;
	}
	if (level == IPPROTO_IP && opt == IP_MULTICAST_TTL) {
		unsigned char t = 0;

		len = sizeof t;
		if (getsockopt(s->fd, level, opt, &t, &len) == -1)
			return -1;
		v = t;
	} else if (getsockopt(s->fd, level, opt, &v, &len) == -1)
		return -1;
	if (d->type == SO_T_BOOL)
		buf_puts(out, v ? "on" : "off");
	else
		buf_printf(out, "%d", v);
	return 0;
}

static int
sockopt_set(const struct session *s, const struct sockopt_def *d,
    const char *value, char *err, size_t errlen)
{
	int level, opt, v;
	uint64_t n;

	if (d->tcp_only && s->kind != K_TCP_PEER && s->kind != K_TCP_CLIENT &&
	    s->kind != K_TCP_SERVER) {
		snprintf(err, errlen, "%s applies to TCP sessions only",
		    d->name);
		return -1;
	}
	if (sockopt_where(s, d->name, &level, &opt) == -1) {
		snprintf(err, errlen, "%s does not apply to a %s session",
		    d->name, sess_kind_name(s->kind));
		return -1;
	}
	if (d->type == SO_T_LINGER) {
		struct linger l;

		memset(&l, 0, sizeof l);
		if (strcmp(value, "off") != 0) {
			if (codec_parse_uint(value, 0, 3600, &n) == -1) {
				snprintf(err, errlen, "bad linger value "
				    "\"%.32s\" (off or 0..3600 seconds)", value);
				return -1;
			}
			l.l_onoff = 1;
			l.l_linger = (int)n;
		}
		if (setsockopt(s->fd, level, opt, &l, sizeof l) == -1)
			goto syserr;
		return 0;
	}
	if (d->type == SO_T_BOOL) {
		if (strcmp(value, "on") == 0 || strcmp(value, "1") == 0)
			v = 1;
		else if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0)
			v = 0;
		else {
			snprintf(err, errlen, "bad %s value \"%.32s\" (on or "
			    "off)", d->name, value);
			return -1;
		}
	} else {
		uint64_t max = strcmp(d->name, "ttl") == 0 ? 255 : INT32_MAX / 2;

		if (codec_parse_uint(value, strcmp(d->name, "ttl") == 0 ? 0 : 1,
		    max, &n) == -1) {
			snprintf(err, errlen, "bad %s value \"%.32s\" (%d..%llu)",
			    d->name, value, strcmp(d->name, "ttl") == 0 ? 0 : 1,
			    (unsigned long long)max);
			return -1;
		}
		v = (int)n;
	}
	if (level == IPPROTO_IP && opt == IP_MULTICAST_TTL) {
		unsigned char t = (unsigned char)v;

		if (setsockopt(s->fd, level, opt, &t, sizeof t) == -1)
			goto syserr;
		return 0;
	}
	if (setsockopt(s->fd, level, opt, &v, sizeof v) == -1)
		goto syserr;
	return 0;
syserr:
	snprintf(err, errlen, "setting %s: %s", d->name, strerror(errno));
	return -1;
}

static enum cmd_status
cmd_sockopt_exec(struct cmd_ctx *c)
{
	struct session *s = cmd_session(c, c->argv[0]);
	const struct sockopt_def *d = NULL;
	struct buf v = BUF_INIT;
	struct json j;
	char err[256];

	if (s == NULL)
		return CMD_ERR;
	if (c->argc >= 2) {
		for (d = sockopt_defs; d->name != NULL; d++)
			if (strcmp(d->name, c->argv[1]) == 0)
				break;
		if (d->name == NULL)
			return cmd_usage(c, "unknown socket option \"%.32s\" "
			    "(nodelay, keepalive, rcvbuf, sndbuf, ttl, "
			    "broadcast, reuseaddr, linger)", c->argv[1]);
	}
	if (s->fd == -1)
		return cmd_fail(c, "session %u has no socket", s->id);
	if (c->argc == 3 && sockopt_set(s, d, c->argv[2], err,
	    sizeof err) == -1)
		return cmd_usage(c, "%s", err);
	if (out_cfg.json) {
		j_begin(&j, "result");
		j_str(&j, "command", c->ent->name);
		j_u64(&j, "id", s->id);
		j_obj(&j, "options");
	}
	for (const struct sockopt_def *o = sockopt_defs; o->name != NULL;
	    o++) {
		if (d != NULL && o != d)
			continue;
		buf_reset(&v);
		if (o->tcp_only && s->kind != K_TCP_PEER &&
		    s->kind != K_TCP_CLIENT && s->kind != K_TCP_SERVER) {
			if (d == NULL)
				continue;
			buf_free(&v);
			if (out_cfg.json)
				buf_free(&j.b);
			return cmd_usage(c, "%s applies to TCP sessions only",
			    o->name);
		}
		if (sockopt_get(s, o, &v) == -1) {
			if (d == NULL)
				continue;
			buf_free(&v);
			if (out_cfg.json)
				buf_free(&j.b);
			return cmd_fail(c, "reading %s: %s", o->name,
			    strerror(errno));
		}
		if (out_cfg.json)
			j_str(&j, o->name, buf_cstr(&v));
		else
			out_line("[%u] %-10s %s", s->id, o->name, buf_cstr(&v));
	}
	if (out_cfg.json) {
		j_close_obj(&j);
		j_emit(&j);
	}
	buf_free(&v);
	return CMD_OK;
}

const struct cmd_entry cmd_sockopt_entry = {
	"sockopt", NULL, "sockopt ID [NAME [VALUE]]",
	"Read or set socket options of a session: nodelay on|off, keepalive "
	"on|off, rcvbuf BYTES, sndbuf BYTES, ttl N, broadcast on|off, "
	"reuseaddr on|off, linger off|SECONDS.  Without NAME, every option "
	"that applies, with its current value.  Linux reports twice the "
	"rcvbuf and sndbuf set (it counts its own overhead).",
	1, 3, NULL, 0, ARG_SOCKOPT, cmd_sockopt_exec
};
