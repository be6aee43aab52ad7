/* SPDX-License-Identifier: GPL-3.0-or-later */
/* net.h — socket helpers: listening, non-blocking connect, datagrams,
 * multicast, unix sockets, and the parts of address parsing and formatting
 * that ask the system (service and interface names; the rest is addr.h).
 * Errors are written into the caller's buffer and signalled by -1; nothing
 * here prints or exits. */
#ifndef SOCKTOOL_NET_H
#define SOCKTOOL_NET_H

#include <sys/socket.h>
#include <netdb.h>
#include <stdint.h>
#include <stddef.h>

#include "addr.h"

struct net_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

/* addr_parse_port with service names from /etc/services. */
int	net_parse_port(const char *s, int allow_zero, uint16_t *port,
	    char *err, size_t errlen);

/* The addresses of host (numeric, or a name the command resolved first:
 * see resolve_learn) with port, for socktype; never asks a resolver.  The
 * list is freed with resolve_free(). */
int	net_resolve(const char *host, uint16_t port, int socktype, int passive,
	    struct addrinfo **res, char *err, size_t errlen);

/* Resolve HOST:PORT to exactly one address (the first). */
int	net_resolve_one(const char *hostport, int socktype, int allow_zero,
	    struct net_addr *out, char *err, size_t errlen);

/* addr_fmt and addr_fmt_host with the interface name of an IPv6 scope:
 * "127.0.0.1:80", "[fe80::1%eth0]:80" (out: ADDR_STRLEN bytes). */
void	net_fmt(const struct sockaddr *, socklen_t, char *out, size_t outlen);
void	net_fmt_host(const struct sockaddr *, socklen_t, char *out,
	    size_t outlen);

/* Listening TCP socket.  host NULL: all interfaces, IPv6 dual-stack when the
 * host has IPv6, else IPv4 (*dual says which).  SO_REUSEADDR on. */
int	net_tcp_listen(const char *host, uint16_t port, int backlog,
	    int *dual, char *err, size_t errlen);

/* Start a non-blocking connect to ai, optionally bound to bindaddr.
 * Returns the fd with the connect in progress (or already done), -1 on an
 * immediate failure. */
int	net_tcp_connect(const struct addrinfo *ai, const struct net_addr *bind,
	    char *err, size_t errlen);

/* Pending socket error (SO_ERROR) or 0. */
int	net_sock_error(int fd);
/* An int socket option of fd at SOL_SOCKET (SO_PROTOCOL, SO_DOMAIN...),
 * or -1 (not a socket). */
int	net_sock_opt(int fd, int opt);

int	net_local(int fd, struct net_addr *);
int	net_peer(int fd, struct net_addr *);
/* Whether a and b are the same address and port (as the kernel gave
 * them: byte for byte). */
int	net_addr_eq(const struct net_addr *a, const struct net_addr *b);

/* UDP socket bound to host:port (host NULL: every interface, dual-stack
 * when possible; *dual tells).  family restricts the wildcard when the
 * endpoint must talk to one family only (AF_UNSPEC: any). */
int	net_udp_bind(const char *host, uint16_t port, int family, int *dual,
	    char *err, size_t errlen);

/* Multicast: a UDP socket bound to group:port that has joined the group
 * on the interface named by iface (name or address, NULL = default).
 * *dest is the group address to send to. */
int	net_mcast_open(const char *group, uint16_t port, const char *iface,
	    int ttl, int loop, struct net_addr *dest, char *err,
	    size_t errlen);

/* Unix stream sockets.  A stale socket file (nobody listening) is replaced;
 * a live one is an error.  *ino identifies the file we created. */
int	net_unix_listen(const char *path, unsigned long *ino, char *err,
	    size_t errlen);
int	net_unix_connect(const char *path, char *err, size_t errlen);

#endif
