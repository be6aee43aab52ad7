/* SPDX-License-Identifier: GPL-3.0-or-later */
/* addr.h — socket addresses as text, with no I/O: HOST:PORT splitting, port
 * numbers, CIDR lists and matching, numeric formatting.  What needs the
 * system (service names, interface names, sockets) is net.c's. */
#ifndef SOCKTOOL_ADDR_H
#define SOCKTOOL_ADDR_H

#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STRLEN	80	/* "[ffff:...%ifname]:65535" */

/* A service name's port (0..65535), or -1 when there is no such service. */
typedef long	(*addr_lookup)(const char *name, void *arg);

/* "host:port", "[v6]:port", "v6%if" with port: split into host and port.  A
 * bare IPv6 address without brackets is rejected (ambiguous). */
int	addr_split_hostport(const char *s, char *host, size_t hostlen,
	    char *port, size_t portlen, char *err, size_t errlen);

/* "[v6]" as a HOST (the way addresses are shown): 1 with what the
 * brackets hold in out; 0 when host has no brackets; -1 (err set) when
 * they are not a pair around something. */
int	addr_unbracket(const char *host, char *out, size_t outlen, char *err,
	    size_t errlen);

/* Port 1..65535 (or 0 when allow_zero) in decimal, or a service name
 * ("http") that lookup knows (NULL: names are refused).  Only names made
 * of letters, digits, '-', '_' and '.', at most 32 bytes, are looked up. */
int	addr_parse_port(const char *s, int allow_zero, addr_lookup lookup,
	    void *arg, uint16_t *port, char *err, size_t errlen);

/* Address only: "127.0.0.1", "::1", "fe80::1%eth0", a unix path or
 * "(unnamed)".  IPv4-mapped IPv6 is shown as plain IPv4.  scope names the
 * interface of an IPv6 address's scope id (NULL: not shown). */
void	addr_fmt_host(const struct sockaddr *, socklen_t, const char *scope,
	    char *out, size_t outlen);
/* With the port: "127.0.0.1:80", "[::1]:80"; a unix address as above. */
void	addr_fmt(const struct sockaddr *, socklen_t, const char *scope,
	    char *out, size_t outlen);

/* CIDR list "10.0.0.0/8,::1/128": parse into *out (caller frees it).  An
 * address without a prefix length is a host (/32, /128). */
struct addr_cidr {
	int		family;
	unsigned char	addr[16];
	int		bits;
};
int	addr_cidr_parse(const char *list, struct addr_cidr **out, size_t *n,
	    char *err, size_t errlen);
/* 1 when sa is inside one of the n networks; an IPv4-mapped IPv6 address
 * matches IPv4 networks as well as IPv6 ones. */
int	addr_cidr_match(const struct addr_cidr *, size_t n,
	    const struct sockaddr *sa);

/* A unix socket address for path (1..107 bytes). */
int	addr_unix(const char *path, struct sockaddr_un *, char *err,
	    size_t errlen);

#endif
