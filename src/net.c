/* SPDX-License-Identifier: GPL-3.0-or-later */
/* net.c — socket helpers (see net.h): everything that turns names into
 * sockets and sockets into names, without printing; addresses as plain
 * text are addr.c's, and net.c adds what only the system knows. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "net.h"
#include "proc.h"
#include "resolve.h"

/* A service name's port, from /etc/services through the C library. */
static long
net_service(const char *name, void *arg)
{
	struct servent *se = getservbyname(name, NULL);

	(void)arg;
	return se != NULL ? ntohs((uint16_t)se->s_port) : -1;
}

int
net_parse_port(const char *s, int allow_zero, uint16_t *port, char *err,
    size_t errlen)
{
	return addr_parse_port(s, allow_zero, net_service, NULL, port, err,
	    errlen);
}

int
net_resolve(const char *host, uint16_t port, int socktype, int passive,
    struct addrinfo **res, char *err, size_t errlen)
{
	char portstr[8];
	int rc;

	(void)passive;
	snprintf(portstr, sizeof portstr, "%u", port);
	/* Never a lookup here: a command resolves its names first
	 * (cmd_names_first) and resolve_now() answers them. */
	rc = resolve_now(host, portstr, socktype, res, err, errlen);
	if (rc == 1)
		return 0;
	if (rc == 0)
		snprintf(err, errlen, "\"%.64s\" was not resolved before use "
		    "(a bug: please report it)", host);
	return -1;
}

int
net_resolve_one(const char *hostport, int socktype, int allow_zero,
    struct net_addr *out, char *err, size_t errlen)
{
	char host[256], portstr[16];
	struct addrinfo *ai;
	uint16_t port;

	if (addr_split_hostport(hostport, host, sizeof host, portstr,
	    sizeof portstr, err, errlen) == -1)
		return -1;
	if (net_parse_port(portstr, allow_zero, &port, err, errlen) == -1)
		return -1;
	if (net_resolve(host, port, socktype, 0, &ai, err, errlen) == -1)
		return -1;
	memcpy(&out->ss, ai->ai_addr, ai->ai_addrlen);
	out->len = ai->ai_addrlen;
	resolve_free(ai);
	return 0;
}

/* The interface name of an IPv6 address's scope, or NULL: the only part
 * of formatting that asks the kernel. */
static const char *
net_scope(const struct sockaddr *sa, char *ifname)
{
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	if (sa->sa_family != AF_INET6 || sin6->sin6_scope_id == 0 ||
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return NULL;
	return if_indextoname(sin6->sin6_scope_id, ifname);
}

void
net_fmt_host(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen)
{
	char ifname[IF_NAMESIZE];

	addr_fmt_host(sa, len, net_scope(sa, ifname), out, outlen);
}

void
net_fmt(const struct sockaddr *sa, socklen_t len, char *out, size_t outlen)
{
	char ifname[IF_NAMESIZE];

	addr_fmt(sa, len, net_scope(sa, ifname), out, outlen);
}

/*
 * A socket of socktype bound to host:port.  host NULL: every interface, on
 * one dual-stack socket when the host has IPv6 (and family allows), else
 * IPv4's wildcard; *dual says which.  reuse sets SO_REUSEADDR first.
 */
static int
net_bound(const char *host, uint16_t port, int socktype, int family,
    int reuse, int *dual, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	int fd = -1, on = 1, off = 0, saved = 0;

	*dual = 0;
	if (host == NULL && family != AF_INET) {
		struct sockaddr_in6 sin6;

		fd = socket(AF_INET6, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (fd != -1) {
			memset(&sin6, 0, sizeof sin6);
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = htons(port);
			sin6.sin6_addr = in6addr_any;
			if (reuse)
				setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
				    sizeof on);
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off,
			    sizeof off);
			if (bind(fd, (struct sockaddr *)&sin6,
			    sizeof sin6) == 0) {
				*dual = 1;
				return fd;
			}
			saved = errno;
			close(fd);
			if (saved == EADDRINUSE || saved == EACCES ||
			    family == AF_INET6) {
				snprintf(err, errlen, "cannot bind port %u: %s",
				    port, strerror(saved));
				return -1;
			}
		}
	}
	if (host == NULL)
		host = "0.0.0.0";
	if (net_resolve(host, port, socktype, 1, &res, err, errlen) == -1)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (family != AF_UNSPEC && ai->ai_family != family)
			continue;
		fd = socket(ai->ai_family, socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (reuse)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	resolve_free(res);
	if (fd == -1)
		snprintf(err, errlen, "cannot bind %s port %u: %s", host, port,
		    saved ? strerror(saved) : "no usable address");
	return fd;
}

int
net_tcp_listen(const char *host, uint16_t port, int backlog, int *dual,
    char *err, size_t errlen)
{
	int fd;

	fd = net_bound(host, port, SOCK_STREAM, AF_UNSPEC, 1, dual, err,
	    errlen);
	if (fd != -1 && listen(fd, backlog) == -1) {
		snprintf(err, errlen, "cannot listen on port %u: %s", port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
net_tcp_connect(const struct addrinfo *ai, const struct net_addr *bindaddr,
    char *err, size_t errlen)
{
	int fd, on = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bindaddr != NULL) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, (const struct sockaddr *)&bindaddr->ss,
		    bindaddr->len) == -1) {
			snprintf(err, errlen, "bind: %s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
net_sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof e;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return errno;
	return e;
}

int
net_sock_opt(int fd, int opt)
{
	int v = 0;
	socklen_t len = sizeof v;

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) == -1)
		return -1;
	return v;
}

int
net_local(int fd, struct net_addr *a)
{
	a->len = sizeof a->ss;
	return getsockname(fd, (struct sockaddr *)&a->ss, &a->len);
}

int
net_peer(int fd, struct net_addr *a)
{
	a->len = sizeof a->ss;
	return getpeername(fd, (struct sockaddr *)&a->ss, &a->len);
}

int
net_addr_eq(const struct net_addr *a, const struct net_addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

int
net_udp_bind(const char *host, uint16_t port, int family, int *dual,
    char *err, size_t errlen)
{
	/* No SO_REUSEADDR: two endpoints on one unicast port would silently
	 * split the traffic between them. */
	return net_bound(host, port, SOCK_DGRAM, family, 0, dual, err, errlen);
}

#ifndef IP_MULTICAST_ALL
#define IP_MULTICAST_ALL 49
#endif
#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29
#endif

/* Interface by name ("eth0") or by one of its addresses. */
static int
net_iface(const char *iface, int family, unsigned *index,
    struct in_addr *v4addr, char *err, size_t errlen)
{
	struct in_addr a4;
	struct in6_addr a6;

	*index = 0;
	v4addr->s_addr = htonl(INADDR_ANY);
	if (iface == NULL)
		return 0;
	if (inet_pton(AF_INET, iface, &a4) == 1) {
		if (family != AF_INET) {
			snprintf(err, errlen, "--iface %s: an IPv6 group needs "
			    "an interface name", iface);
			return -1;
		}
		*v4addr = a4;
		return 0;
	}
	if (inet_pton(AF_INET6, iface, &a6) == 1) {
		snprintf(err, errlen, "--iface %s: give the interface name "
		    "for IPv6", iface);
		return -1;
	}
	*index = if_nametoindex(iface);
	if (*index == 0) {
		snprintf(err, errlen, "no interface \"%.32s\"", iface);
		return -1;
	}
	return 0;
}

int
net_mcast_open(const char *group, uint16_t port, const char *iface, int ttl,
    int loop, struct net_addr *dest, char *err, size_t errlen)
{
	struct addrinfo *res;
	int fd, on = 1, off = 0;
	unsigned ifindex;
	struct in_addr ifaddr;

	if (net_resolve(group, port, SOCK_DGRAM, 0, &res, err, errlen) == -1)
		return -1;
	memcpy(&dest->ss, res->ai_addr, res->ai_addrlen);
	dest->len = res->ai_addrlen;
	resolve_free(res);
	if (dest->ss.ss_family == AF_INET) {
		struct sockaddr_in *g = (struct sockaddr_in *)&dest->ss;
		struct ip_mreqn mr;
		unsigned char t = (unsigned char)ttl, l = (unsigned char)loop;

		if (!IN_MULTICAST(ntohl(g->sin_addr.s_addr))) {
			snprintf(err, errlen, "%s is not a multicast address "
			    "(224.0.0.0/4)", group);
			return -1;
		}
		if (net_iface(iface, AF_INET, &ifindex, &ifaddr, err,
		    errlen) == -1)
			return -1;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (fd == -1)
			goto syserr;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		/* Bound to the group, with MULTICAST_ALL off: only datagrams
		 * for this group arrive, whatever else the host joined. */
		setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off);
		if (bind(fd, (struct sockaddr *)g, sizeof *g) == -1)
			goto fail;
		memset(&mr, 0, sizeof mr);
		mr.imr_multiaddr = g->sin_addr;
		mr.imr_address = ifaddr;
		mr.imr_ifindex = (int)ifindex;
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof mr) == -1)
			goto fail;
		if ((iface != NULL && setsockopt(fd, IPPROTO_IP,
		    IP_MULTICAST_IF, &mr, sizeof mr) == -1) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &t,
		    sizeof t) == -1 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &l,
		    sizeof l) == -1)
			goto fail;
		return fd;
	} else {
		struct sockaddr_in6 *g = (struct sockaddr_in6 *)&dest->ss;
		struct ipv6_mreq mr;
		int hops = ttl;

		if (!IN6_IS_ADDR_MULTICAST(&g->sin6_addr)) {
			snprintf(err, errlen, "%s is not a multicast address "
			    "(ff00::/8)", group);
			return -1;
		}
		if (net_iface(iface, AF_INET6, &ifindex, &ifaddr, err,
		    errlen) == -1)
			return -1;
		if (g->sin6_scope_id == 0)
			g->sin6_scope_id = ifindex;
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
		if (fd == -1)
			goto syserr;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off,
		    sizeof off);
		if (bind(fd, (struct sockaddr *)g, sizeof *g) == -1)
			goto fail;
		memset(&mr, 0, sizeof mr);
		mr.ipv6mr_multiaddr = g->sin6_addr;
		mr.ipv6mr_interface = ifindex;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
		    sizeof mr) == -1)
			goto fail;
		if ((ifindex != 0 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) == -1) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		    sizeof hops) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop,
		    sizeof loop) == -1)
			goto fail;
		return fd;
	}
fail:
	snprintf(err, errlen, "cannot join %s port %u: %s", group, port,
	    strerror(errno));
	close(fd);
	return -1;
syserr:
	snprintf(err, errlen, "socket: %s", strerror(errno));
	return -1;
}

/*
 * Is a socket listening on the unix socket file st describes?  1: yes; 0:
 * not that this network namespace shows; -1: cannot tell.  Asked of the
 * kernel's socket table, because asking the socket itself (connect) is
 * seen: a live server accepts the probe as a peer that hangs up at once,
 * and a socktool there spends a session id on it.
 *
 * sock_diag first: it gives the device and inode of the file each
 * listening socket is bound to, so the match is exact however the path was
 * spelled at bind time.  /proc/net/unix (no unix_diag in the kernel; read
 * with the parser netstat uses, proc.c) has only that spelling, relative
 * to a directory we cannot know, so there only absolute paths are
 * compared, by stat().
 */
static int
net_unix_diag_listening(const struct stat *st)
{
	struct {
		struct nlmsghdr		nlh;
		struct unix_diag_req	req;
	} q;
	union {
		struct nlmsghdr	h;
		char		b[32768];
	} u;
	int fd, found = 0;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_SOCK_DIAG);
	if (fd == -1)
		return -1;
	memset(&q, 0, sizeof q);
	q.nlh.nlmsg_len = sizeof q;
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_states = 1u << 10;		/* TCP_LISTEN */
	q.req.udiag_show = UDIAG_SHOW_VFS;
	/* A netlink socket's default destination is the kernel, so plain
	 * write and read do: this is a query, never a session's socket. */
	if (write(fd, &q, sizeof q) != (ssize_t)sizeof q)
		goto fail;
	/* The kernel builds each part of a dump as we read, so a
	 * non-blocking read never waits; EAGAIN would mean "cannot tell". */
	for (;;) {
		ssize_t n = read(fd, u.b, sizeof u.b);
		struct nlmsghdr *h;
		size_t left;

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		left = (size_t)n;
		for (h = &u.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a;
			size_t alen;

			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return found;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto fail;
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
				continue;
			a = (struct rtattr *)(m + 1);
			alen = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				struct unix_diag_vfs v;

				if (a->rta_type != UNIX_DIAG_VFS ||
				    RTA_PAYLOAD(a) < sizeof v)
					continue;
				memcpy(&v, RTA_DATA(a), sizeof v);
				/* The kernel's own dev_t: 12 bits of major
				 * above 20 of minor. */
				if (v.udiag_vfs_ino == st->st_ino &&
				    v.udiag_vfs_dev >> 20 == major(st->st_dev) &&
				    (v.udiag_vfs_dev & 0xfffff) ==
				    minor(st->st_dev))
					found = 1;
			}
		}
	}
fail:
	close(fd);
	return -1;
}

static int
net_unix_proc_listening(const struct stat *st)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return -1;
	/* Line by line: the table can be long, and only one row matters. */
	while (!found && fgets(line, sizeof line, f) != NULL) {
		struct proc_unix r;
		struct stat pst;

		if (proc_parse_unix_line(line, strcspn(line, "\n"),
		    &r) == -1 || !r.listening)
			continue;
		if (r.path[0] == '/' && lstat(r.path, &pst) == 0 &&
		    pst.st_dev == st->st_dev && pst.st_ino == st->st_ino)
			found = 1;
	}
	fclose(f);
	return found;
}

static int
net_unix_listening(const struct stat *st)
{
	int r = net_unix_diag_listening(st);

	return r != -1 ? r : net_unix_proc_listening(st);
}

int
net_unix_listen(const char *path, unsigned long *ino, char *err,
    size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, probe;

	if (addr_unix(path, &sun, err, errlen) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno != EADDRINUSE) {
			snprintf(err, errlen, "cannot bind %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		/* Something is there: a live server answers a connect, a
		 * file left by a dead one refuses it. */
		if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
			    path);
			close(fd);
			return -1;
		}
		/* A listener the socket table shows is live; otherwise only
		 * a refused connect says the file is stale: the table cannot
		 * show a server in another network namespace (unix paths
		 * reach across them), and unlinking a live server's socket
		 * is worse than a probe it sees. */
		if (net_unix_listening(&st) == 1) {
			snprintf(err, errlen, "%s is in use by a live server",
			    path);
			close(fd);
			return -1;
		}
		/* Non-blocking: a live server with a full backlog answers
		 * EAGAIN at once instead of stalling the whole tool. */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
		if (probe == -1 || connect(probe, (struct sockaddr *)&sun,
		    sizeof sun) == 0 || errno != ECONNREFUSED) {
			snprintf(err, errlen, "%s is in use by a live server",
			    path);
			if (probe != -1)
				close(probe);
			close(fd);
			return -1;
		}
		close(probe);
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
			snprintf(err, errlen, "cannot bind %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	*ino = stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
	return fd;
}

int
net_unix_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int fd;

	if (addr_unix(path, &sun, err, errlen) == -1)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A unix connect completes at once or fails at once; EAGAIN means
	 * the server's backlog is full, not "in progress". */
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		snprintf(err, errlen, "cannot connect to %s: %s", path,
		    errno == EAGAIN ? "server busy (its backlog is full)" :
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
