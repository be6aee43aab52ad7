/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_util.c — port-testing utilities that need no session: `netstat`,
 * `ifaces` and `service`. */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "net.h"
#include "out.h"
#include "proc.h"
#include "session.h"

/* A /proc/net table larger than this is cut (a host with a million
 * sockets still gets an answer). */
#define UTIL_PROC_MAX		(64u << 20)
/* Descriptors looked at when finding owners: the scan of /proc/PID/fd is
 * the slow part of `netstat` on a busy host, and never worth a stall. */
#define UTIL_MAX_LINKS		(1u << 20)

/* The whole of a /proc file; -1 with errno when it cannot be opened. */
static int
util_slurp(const char *path, struct buf *out)
{
	char chunk[65536];
	ssize_t k;
	int fd;

	buf_reset(out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (buf_len(out) < UTIL_PROC_MAX) {
		k = read(fd, chunk, sizeof chunk);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		buf_append(out, chunk, (size_t)k);
	}
	close(fd);
	return 0;
}

/* netstat */

enum { NS_TCP = 0x1, NS_UDP = 0x2, NS_UNIX = 0x4 };

struct ns_row {
	int		 cls;		/* NS_TCP, NS_UDP, NS_UNIX */
	const char	*proto;		/* tcp, tcp6, udp, udp6, u_str, ... */
	const char	*family;	/* inet, inet6, unix */
	const char	*state;
	char		 laddr[INET6_ADDRSTRLEN], raddr[INET6_ADDRSTRLEN];
	uint16_t	 lport, rport;
	/* "127.0.0.1:80", "[::1]:80", "0.0.0.0:*", or a unix path */
	char		 local[PROC_UNIX_PATH + INET6_ADDRSTRLEN];
	char		 remote[INET6_ADDRSTRLEN + 8];
	int		 named;		/* unix: has a path */
	uint32_t	 recv_q, send_q, uid;
	uint64_t	 inode;
	long		 pid;		/* 0: not known */
	char		 program[64];
	char		 process[96];	/* "PID/PROGRAM" */
	unsigned	 session;	/* socktool's own: its id */
};

struct ns_table {
	struct ns_row	*v;
	size_t		 n, cap;
};

static struct ns_row *
ns_add(struct ns_table *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	memset(&t->v[t->n], 0, sizeof t->v[t->n]);
	return &t->v[t->n++];
}

/* "addr:port" as ss writes it: IPv6 in brackets, port 0 as "*". */
static void
ns_endpoint(int family, const char *addr, uint16_t port, char *out,
    size_t len)
{
	char p[8];

	if (port == 0)
		snprintf(p, sizeof p, "*");
	else
		snprintf(p, sizeof p, "%u", port);
	snprintf(out, len, family == AF_INET6 ? "[%s]:%s" : "%s:%s", addr, p);
}

/* An address as the rest of socktool shows it: an IPv4-mapped IPv6 one
 * (a dual-stack socket's IPv4 peer) as plain IPv4.  Returns the family
 * shown. */
static int
ns_addr(int family, const unsigned char *a, char *out, size_t len)
{
	struct in6_addr a6;

	if (family == AF_INET6) {
		memcpy(&a6, a, sizeof a6);
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			inet_ntop(AF_INET, a + 12, out, (socklen_t)len);
			return AF_INET;
		}
	}
	inet_ntop(family, a, out, (socklen_t)len);
	return family;
}

/* ss -l: listening stream sockets and unconnected datagram ones. */
static int
ns_is_listen(const char *state)
{
	return strcmp(state, "LISTEN") == 0 || strcmp(state, "UNCONN") == 0;
}

static void
ns_load_inet(struct ns_table *t, const char *text, size_t len,
    enum proc_proto proto, int listen, int port)
{
	struct proc_inet *r;
	size_t n, i;

	proc_parse_inet(text, len, proto, &r, &n, NULL);
	for (i = 0; i < n; i++) {
		struct ns_row *w;
		int v6 = r[i].family == AF_INET6;

		if (listen && !ns_is_listen(r[i].state_name))
			continue;
		if (port != -1 && r[i].lport != port && r[i].rport != port)
			continue;
		w = ns_add(t);
		w->cls = proto == PROC_TCP ? NS_TCP : NS_UDP;
		w->proto = proto == PROC_TCP ? (v6 ? "tcp6" : "tcp") :
		    (v6 ? "udp6" : "udp");
		w->family = v6 ? "inet6" : "inet";
		w->state = r[i].state_name;
		w->lport = r[i].lport;
		w->rport = r[i].rport;
		ns_endpoint(ns_addr(r[i].family, r[i].laddr, w->laddr,
		    sizeof w->laddr), w->laddr, w->lport, w->local,
		    sizeof w->local);
		ns_endpoint(ns_addr(r[i].family, r[i].raddr, w->raddr,
		    sizeof w->raddr), w->raddr, w->rport, w->remote,
		    sizeof w->remote);
		w->recv_q = r[i].rx_queue;
		w->send_q = r[i].tx_queue;
		w->uid = r[i].uid;
		w->inode = r[i].inode;
	}
	free(r);
}

static void
ns_load_unix(struct ns_table *t, const char *text, size_t len, int listen)
{
	struct proc_unix *r;
	size_t n, i;

	proc_parse_unix(text, len, &r, &n, NULL);
	for (i = 0; i < n; i++) {
		struct ns_row *w;

		if (listen && !ns_is_listen(r[i].state_name))
			continue;
		w = ns_add(t);
		w->cls = NS_UNIX;
		w->proto = r[i].type_name;
		w->family = "unix";
		w->state = r[i].state_name;
		w->named = r[i].path[0] != '\0';
		snprintf(w->local, sizeof w->local, "%s",
		    w->named ? r[i].path : "*");
		snprintf(w->remote, sizeof w->remote, "*");
		w->inode = r[i].inode;
	}
	free(r);
}

static int
ns_cmp(const void *a, const void *b)
{
	const struct ns_row *x = a, *y = b;
	int d;

	if (x->cls != y->cls)
		return x->cls - y->cls;
	if (x->cls == NS_UNIX) {
		if ((d = strcmp(x->local, y->local)) != 0)
			return d;
	} else {
		if (x->lport != y->lport)
			return x->lport - y->lport;
		if ((d = strcmp(x->family, y->family)) != 0)
			return d;
		if ((d = strcmp(x->laddr, y->laddr)) != 0)
			return d;
		if (x->rport != y->rport)
			return x->rport - y->rport;
	}
	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* Rows by inode, for the owner and session lookups. */
struct ns_ino {
	uint64_t	 inode;
	size_t		 row;
};

static int
ns_ino_cmp(const void *a, const void *b)
{
	const struct ns_ino *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static struct ns_row *
ns_by_inode(struct ns_table *t, const struct ns_ino *idx, size_t n,
    uint64_t inode)
{
	struct ns_ino key = { inode, 0 };
	const struct ns_ino *hit;

	if (inode == 0)
		return NULL;
	hit = bsearch(&key, idx, n, sizeof *idx, ns_ino_cmp);
	return hit != NULL ? &t->v[hit->row] : NULL;
}

/* "socket:[12345]" */
static int
ns_socket_link(const char *s, uint64_t *inode)
{
	char *end;
	unsigned long long v;

	if (strncmp(s, "socket:[", 8) != 0 || !isdigit((unsigned char)s[8]))
		return -1;
	errno = 0;
	v = strtoull(s + 8, &end, 10);
	if (errno != 0 || strcmp(end, "]") != 0)
		return -1;
	*inode = v;
	return 0;
}

static void
ns_comm(long pid, char *out, size_t len)
{
	char path[64];
	struct buf b = BUF_INIT;
	size_t n;

	out[0] = '\0';
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	if (util_slurp(path, &b) == 0) {
		n = buf_len(&b);
		if (n > 0 && ((const char *)buf_peek(&b))[n - 1] == '\n')
			n--;
		if (n >= len)
			n = len - 1;
		memcpy(out, buf_peek(&b), n);
		out[n] = '\0';
		/* A NUL in a name would cut it; none is possible, but the
		 * name is shown escaped whatever it holds. */
	}
	buf_free(&b);
}

/*
 * Owners as ss -p finds them: every process's descriptors that are links
 * "socket:[INODE]".  Processes we may not look into are skipped (an
 * unprivileged user sees only its own), and the scan is bounded.
 */
static void
ns_owners(struct ns_table *t, const struct ns_ino *idx, size_t nidx)
{
	DIR *proc, *fds;
	struct dirent *de, *fe;
	size_t links = 0;

	if (nidx == 0 || (proc = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(proc)) != NULL && links < UTIL_MAX_LINKS) {
		char path[64], comm[64];
		int have_comm = 0;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, NULL, 10);
		snprintf(path, sizeof path, "/proc/%ld/fd", pid);
		if ((fds = opendir(path)) == NULL)
			continue;
		while ((fe = readdir(fds)) != NULL && links++ < UTIL_MAX_LINKS) {
			char link[64];
			struct ns_row *w;
			uint64_t inode;
			ssize_t k;

			if (fe->d_name[0] == '.')
				continue;
			k = readlinkat(dirfd(fds), fe->d_name, link,
			    sizeof link - 1);
			if (k <= 0)
				continue;
			link[k] = '\0';
			if (ns_socket_link(link, &inode) == -1 ||
			    (w = ns_by_inode(t, idx, nidx, inode)) == NULL ||
			    w->pid != 0)
				continue;
			if (!have_comm) {
				ns_comm(pid, comm, sizeof comm);
				have_comm = 1;
			}
			w->pid = pid;
			snprintf(w->program, sizeof w->program, "%s", comm);
			snprintf(w->process, sizeof w->process, "%ld/%s", pid,
			    comm[0] != '\0' ? comm : "?");
		}
		closedir(fds);
	}
	closedir(proc);
}

/* socktool's own sockets: a session's descriptor has the row's inode.
 * fstat() asks the file table, not the socket, so the transports keep
 * the descriptor to themselves. */
static void
ns_sessions(struct ns_table *t, const struct ns_ino *idx, size_t nidx)
{
	struct session **all;
	struct stat st;
	struct ns_row *w;
	size_t n, i;

	all = sess_all(&n);
	for (i = 0; i < n; i++) {
		if (all[i]->fd == -1 || fstat(all[i]->fd, &st) == -1 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		if ((w = ns_by_inode(t, idx, nidx, (uint64_t)st.st_ino)) != NULL)
			w->session = all[i]->id;
	}
}

static void
ns_row(size_t i, struct rec *r, void *arg)
{
	const struct ns_row *w = &((const struct ns_table *)arg)->v[i];

	rec_str(r, "proto", w->proto);
	rec_str(r, "family", w->family);
	rec_str(r, "state", w->state);
	rec_str(r, "local", w->local);
	rec_str(r, "remote", w->remote);
	if (w->cls == NS_UNIX) {
		if (w->named)
			rec_str(r, "path", w->local);
	} else {
		rec_str(r, "local_addr", w->laddr);
		rec_u64(r, "local_port", w->lport);
		rec_str(r, "remote_addr", w->raddr);
		rec_u64(r, "remote_port", w->rport);
		rec_u64(r, "recv_q", w->recv_q);
		rec_u64(r, "send_q", w->send_q);
		rec_u64(r, "uid", w->uid);
	}
	rec_u64(r, "inode", w->inode);
	if (w->pid != 0) {
		rec_u64(r, "pid", (uint64_t)w->pid);
		rec_str(r, "program", w->program);
		rec_str(r, "process", w->process);
	}
	if (w->session != 0)
		rec_u64(r, "session", w->session);
}

static enum cmd_status
cmd_netstat_exec(struct cmd_ctx *c)
{
	/* The queues show when some socket has bytes queued; addresses are
	 * cut in the middle (the port stays), PROCESS at its end. */
	static const struct out_col cols[] = {
		{ .key = "proto", .title = "PROTO" },
		{ .key = "state", .title = "STATE" },
		{ .key = "recv_q", .title = "RECV-Q", .right = 1, .opt = 1 },
		{ .key = "send_q", .title = "SEND-Q", .right = 1, .opt = 1 },
		{ .key = "local", .title = "LOCAL", .fit = OUT_FIT_MIDDLE,
		    .min = 15 },
		{ .key = "remote", .title = "REMOTE", .fit = OUT_FIT_MIDDLE,
		    .min = 15 },
		{ .key = "process", .title = "PROCESS", .fit = OUT_FIT_END,
		    .min = 10, .give = 1 },
		{ .key = "session", .title = "ID" },
		{ .key = NULL }
	};
	static const struct {
		const char	*path;
		int		 cls;
		enum proc_proto	 proto;
	} files[] = {
		{ "/proc/net/tcp", NS_TCP, PROC_TCP },
		{ "/proc/net/tcp6", NS_TCP, PROC_TCP },
		{ "/proc/net/udp", NS_UDP, PROC_UDP },
		{ "/proc/net/udp6", NS_UDP, PROC_UDP },
		{ "/proc/net/unix", NS_UNIX, PROC_TCP },
	};
	struct ns_table t = { NULL, 0, 0 };
	struct buf text = BUF_INIT;
	struct ns_ino *idx;
	struct rec head;
	const char *v;
	int want = 0, listen = cmd_has(c, "listen"), port = -1, nread = 0;
	int err = 0;
	size_t i;
	char errbuf[128];

	if ((v = cmd_opt(c, "port")) != NULL) {
		uint16_t p;

		if (net_parse_port(v, 0, &p, errbuf, sizeof errbuf) == -1)
			return cmd_usage(c, "%s", errbuf);
		port = p;
	}
	want |= cmd_has(c, "tcp") ? NS_TCP : 0;
	want |= cmd_has(c, "udp") ? NS_UDP : 0;
	want |= cmd_has(c, "unix") ? NS_UNIX : 0;
	/* As ss -tuan: TCP and UDP unless asked; unix sockets have no port,
	 * so --port alone never lists them. */
	if (want == 0)
		want = NS_TCP | NS_UDP;
	if (port != -1)
		want &= ~NS_UNIX;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!(want & files[i].cls))
			continue;
		if (util_slurp(files[i].path, &text) == -1) {
			/* tcp6 is missing on a host without IPv6 */
			err = errno;
			continue;
		}
		nread++;
		if (files[i].cls == NS_UNIX)
			ns_load_unix(&t, (const char *)buf_peek(&text),
			    buf_len(&text), listen);
		else
			ns_load_inet(&t, (const char *)buf_peek(&text),
			    buf_len(&text), files[i].proto, listen, port);
	}
	buf_free(&text);
	if (nread == 0 && want != 0) {
		free(t.v);
		return cmd_fail(c, "cannot read /proc/net: %s", strerror(err));
	}
	if (t.n > 0)
		qsort(t.v, t.n, sizeof *t.v, ns_cmp);
	idx = xcalloc(t.n + 1, sizeof *idx);
	for (i = 0; i < t.n; i++) {
		idx[i].inode = t.v[i].inode;
		idx[i].row = i;
	}
	qsort(idx, t.n, sizeof *idx, ns_ino_cmp);
	ns_sessions(&t, idx, t.n);
	ns_owners(&t, idx, t.n);
	free(idx);

	rec_begin(&head, "result");
	rec_str(&head, "command", c->ent->name);
	out_table(&head, "sockets", cols, t.n, ns_row, &t, "(no sockets)");
	rec_free(&head);
	free(t.v);
	return CMD_OK;
}

static const struct cmd_opt netstat_opts[] = {
	{ "listen", 0 }, { "tcp", 0 }, { "udp", 0 }, { "unix", 0 },
	{ "port", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_netstat_entry = {
	.name = "netstat",
	.usage = "netstat [--listen] [--tcp] [--udp] [--unix] [--port N]",
	.help = "This host's sockets, read from /proc/net as `ss -tuanp` "
	    "shows them: protocol, state, queues, local and remote address, "
	    "and the owning pid/program where this user may see it.  "
	    "Sockets of this socktool carry their session id (ID).  --tcp, "
	    "--udp and --unix pick protocols (default TCP and UDP); --listen "
	    "keeps listening and unconnected sockets; --port N keeps TCP and "
	    "UDP sockets with N as local or remote port.",
	.lower = 0,
	.upper = 0,
	.opts = netstat_opts,
	.exec = cmd_netstat_exec,
};

/* ifaces */

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000		/* linux/if.h: the carrier is up */
#endif

static const struct {
	unsigned	 flag;
	const char	*name;
} if_flags[] = {
	{ IFF_UP, "UP" }, { IFF_BROADCAST, "BROADCAST" },
	{ IFF_LOOPBACK, "LOOPBACK" }, { IFF_POINTOPOINT, "POINTOPOINT" },
	{ IFF_RUNNING, "RUNNING" }, { IFF_NOARP, "NOARP" },
	{ IFF_PROMISC, "PROMISC" }, { IFF_ALLMULTI, "ALLMULTI" },
	{ IFF_MULTICAST, "MULTICAST" }, { IFF_LOWER_UP, "LOWER_UP" },
};

struct if_addr {
	int		 family;
	char		 addr[INET6_ADDRSTRLEN];
	unsigned	 prefix;
	const char	*scope;		/* IPv6: host, link, global */
};

struct if_info {
	char		 name[IF_NAMESIZE + 1];
	unsigned	 flags;
	unsigned	 index;
	int		 mtu;		/* -1: unknown */
	char		 mac[3 * 32];
	char		 flagstr[160];
	char		 addrstr[512];
	struct if_addr	*addrs;
	size_t		 naddrs;
};

struct if_list {
	struct if_info	*v;
	size_t		 n;
};

static struct if_info *
if_get(struct if_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	snprintf(l->v[l->n].name, sizeof l->v[l->n].name, "%s", name);
	l->v[l->n].mtu = -1;
	return &l->v[l->n++];
}

/* Leading one bits of a netmask: the prefix length. */
static unsigned
if_prefix(const unsigned char *m, size_t n)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char b = m[i];

		while (b & 0x80) {
			bits++;
			b = (unsigned char)(b << 1);
		}
		if (m[i] != 0xff)
			break;
	}
	return bits;
}

static void
if_add_addr(struct if_info *f, const struct ifaddrs *ifa)
{
	struct if_addr *a;
	const unsigned char *ap, *mp = NULL;
	size_t alen;

	f->addrs = xrealloc(f->addrs, (f->naddrs + 1) * sizeof *f->addrs);
	a = &f->addrs[f->naddrs++];
	memset(a, 0, sizeof *a);
	a->family = ifa->ifa_addr->sa_family;
	if (a->family == AF_INET) {
		ap = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)ifa->ifa_addr)->sin_addr;
		if (ifa->ifa_netmask != NULL)
			mp = (const unsigned char *)&((const struct sockaddr_in *)
			    (const void *)ifa->ifa_netmask)->sin_addr;
		alen = 4;
	} else {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)
		    (const void *)ifa->ifa_addr)->sin6_addr;

		ap = (const unsigned char *)a6;
		if (ifa->ifa_netmask != NULL)
			mp = (const unsigned char *)&((const struct sockaddr_in6 *)
			    (const void *)ifa->ifa_netmask)->sin6_addr;
		alen = 16;
		a->scope = IN6_IS_ADDR_LOOPBACK(a6) ? "host" :
		    IN6_IS_ADDR_LINKLOCAL(a6) ? "link" : "global";
	}
	inet_ntop(a->family, ap, a->addr, sizeof a->addr);
	a->prefix = mp != NULL ? if_prefix(mp, alen) : (unsigned)alen * 8;
}

/* SIOCGIFMTU answers on any socket; a scratch one, closed at once. */
static int
if_mtu(int sock, const char *name)
{
	struct ifreq ifr;
	size_t n = strlen(name);

	if (sock == -1 || n >= sizeof ifr.ifr_name)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, n);
	if (ioctl(sock, SIOCGIFMTU, &ifr) == -1)
		return -1;
	return ifr.ifr_mtu;
}

static void
if_strings(struct if_info *f)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof if_flags / sizeof if_flags[0]; i++)
		if (f->flags & if_flags[i].flag)
			buf_printf(&b, "%s%s", buf_len(&b) ? "," : "",
			    if_flags[i].name);
	snprintf(f->flagstr, sizeof f->flagstr, "%s", buf_cstr(&b));
	buf_reset(&b);
	for (i = 0; i < f->naddrs; i++)
		buf_printf(&b, "%s%s/%u", i ? " " : "", f->addrs[i].addr,
		    f->addrs[i].prefix);
	snprintf(f->addrstr, sizeof f->addrstr, "%s", buf_cstr(&b));
	buf_free(&b);
}

static void
if_row(size_t i, struct rec *r, void *arg)
{
	const struct if_info *f = &((const struct if_list *)arg)->v[i];

	rec_str(r, "name", f->name);
	rec_u64(r, "index", f->index);
	rec_str(r, "flags", f->flagstr);
	if (f->mtu >= 0)
		rec_u64(r, "mtu", (uint64_t)f->mtu);
	rec_str(r, "mac", f->mac);
	rec_str(r, "addresses", f->addrstr);
}

/* JSON keeps the structure a table flattens: flags and addresses as
 * arrays, each address with its family and prefix. */
static void
if_json(const struct cmd_ctx *c, const struct if_list *l)
{
	struct json j;
	size_t i, k;

	j_begin(&j, "result");
	j_str(&j, "command", c->ent->name);
	j_arr(&j, "interfaces");
	for (i = 0; i < l->n; i++) {
		const struct if_info *f = &l->v[i];

		j_obj(&j, NULL);
		j_str(&j, "name", f->name);
		j_u64(&j, "index", f->index);
		j_arr(&j, "flags");
		for (k = 0; k < sizeof if_flags / sizeof if_flags[0]; k++)
			if (f->flags & if_flags[k].flag)
				j_str(&j, NULL, if_flags[k].name);
		j_close_arr(&j);
		if (f->mtu >= 0)
			j_u64(&j, "mtu", (uint64_t)f->mtu);
		if (f->mac[0] != '\0')
			j_str(&j, "mac", f->mac);
		j_arr(&j, "addresses");
		for (k = 0; k < f->naddrs; k++) {
			j_obj(&j, NULL);
			j_str(&j, "family", f->addrs[k].family == AF_INET ?
			    "inet" : "inet6");
			j_str(&j, "address", f->addrs[k].addr);
			j_u64(&j, "prefix", f->addrs[k].prefix);
			if (f->addrs[k].scope != NULL)
				j_str(&j, "scope", f->addrs[k].scope);
			j_close_obj(&j);
		}
		j_close_arr(&j);
		j_close_obj(&j);
	}
	j_close_arr(&j);
	j_emit(&j);
}

static enum cmd_status
cmd_ifaces_exec(struct cmd_ctx *c)
{
	/* Flags and addresses wrap onto more lines within their columns;
	 * a narrow terminal leaves out INDEX, then MAC. */
	static const struct out_col cols[] = {
		{ .key = "name", .title = "NAME" },
		{ .key = "index", .title = "INDEX", .right = 1, .drop = 2 },
		{ .key = "flags", .title = "FLAGS", .fit = OUT_FIT_WRAP },
		{ .key = "mtu", .title = "MTU", .right = 1 },
		{ .key = "mac", .title = "MAC", .drop = 1 },
		{ .key = "addresses", .title = "ADDRESSES",
		    .fit = OUT_FIT_WRAP },
		{ .key = NULL }
	};
	struct if_list l = { NULL, 0 };
	struct ifaddrs *all, *ifa;
	struct rec head;
	size_t i;
	int sock;

	if (getifaddrs(&all) == -1)
		return cmd_fail(c, "getifaddrs: %s", strerror(errno));
	for (ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
		struct if_info *f = if_get(&l, ifa->ifa_name);

		f->flags = ifa->ifa_flags;
		if (ifa->ifa_addr == NULL)
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET ||
		    ifa->ifa_addr->sa_family == AF_INET6)
			if_add_addr(f, ifa);
		else if (ifa->ifa_addr->sa_family == AF_PACKET) {
			const struct sockaddr_ll *ll = (const void *)
			    ifa->ifa_addr;
			struct buf b = BUF_INIT;
			int nonzero = 0;
			unsigned k;

			for (k = 0; k < ll->sll_halen && k < 8; k++) {
				buf_printf(&b, "%s%02x", k ? ":" : "",
				    ll->sll_addr[k]);
				nonzero |= ll->sll_addr[k];
			}
			if (nonzero)
				snprintf(f->mac, sizeof f->mac, "%s",
				    buf_cstr(&b));
			buf_free(&b);
		}
	}
	freeifaddrs(all);
	if ((sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (i = 0; i < l.n; i++) {
		l.v[i].index = if_nametoindex(l.v[i].name);
		l.v[i].mtu = if_mtu(sock, l.v[i].name);
		if_strings(&l.v[i]);
	}
	if (sock != -1)
		close(sock);
	if (out_cfg.json)
		if_json(c, &l);
	else {
		rec_begin(&head, "result");
		rec_str(&head, "command", c->ent->name);
		out_table(&head, "interfaces", cols, l.n, if_row, &l,
		    "(no interfaces)");
		rec_free(&head);
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i].addrs);
	free(l.v);
	return CMD_OK;
}

const struct cmd_entry cmd_ifaces_entry = {
	.name = "ifaces",
	.usage = "ifaces",
	.help = "This host's network interfaces: name, index, flags (UP, "
	    "LOOPBACK, MULTICAST...), MTU, hardware address, and every IPv4 "
	    "and IPv6 address with its prefix length: the local addresses a "
	    "peer can dial.",
	.lower = 0,
	.upper = 0,
	.exec = cmd_ifaces_exec,
};

/* service */

static enum cmd_status
cmd_service_exec(struct cmd_ctx *c)
{
	const char *arg = c->argv[0], *proto = cmd_has(c, "udp") ? "udp" :
	    "tcp";
	struct servent *se;
	struct buf aliases = BUF_INIT;
	struct rec r;
	char err[128];
	char **al;

	/* /etc/services through the C library: a local file, no network,
	 * so the loop is never held for long. */
	if (arg[0] >= '0' && arg[0] <= '9') {
		uint16_t port;

		if (net_parse_port(arg, 0, &port, err, sizeof err) == -1)
			return cmd_usage(c, "%s", err);
		if ((se = getservbyport(htons(port), proto)) == NULL)
			return cmd_fail(c, "port %u/%s: not in /etc/services",
			    port, proto);
	} else if ((se = getservbyname(arg, proto)) == NULL)
		return cmd_fail(c, "\"%.64s\"/%s: not in /etc/services", arg,
		    proto);
	for (al = se->s_aliases; al != NULL && *al != NULL; al++)
		buf_printf(&aliases, "%s%s", buf_len(&aliases) ? " " : "", *al);
	rec_begin(&r, "result");
	rec_str(&r, "command", c->ent->name);
	rec_strcpy(&r, "name", se->s_name);
	rec_u64(&r, "port", ntohs((uint16_t)se->s_port));
	rec_strcpy(&r, "proto", se->s_proto);
	if (buf_len(&aliases) > 0)
		rec_strcpy(&r, "aliases", buf_cstr(&aliases));
	buf_free(&aliases);
	out_rec(&r, "{name} {port}/{proto}{?aliases: (also }{aliases}"
	    "{?aliases:)}");
	rec_free(&r);
	return CMD_OK;
}

static const struct cmd_opt service_opts[] = {
	{ "udp", 0 }, { NULL, 0 }
};

const struct cmd_entry cmd_service_entry = {
	.name = "service",
	.usage = "service NAME|PORT [--udp]",
	.help = "Look up a well-known service in /etc/services: a name gives "
	    "its port (`service mysql`: 3306/tcp), a port its name (`service "
	    "22`: ssh).  TCP unless --udp.",
	.lower = 1,
	.upper = 1,
	.opts = service_opts,
	.exec = cmd_service_exec,
};
