/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proc.h — parsers of the kernel's socket tables (/proc/net/{tcp,tcp6,udp,
 * udp6,unix}): text in, rows out, no I/O, so they are tested on samples. */
#ifndef SOCKTOOL_PROC_H
#define SOCKTOOL_PROC_H

#include <stddef.h>
#include <stdint.h>

enum proc_proto { PROC_TCP, PROC_UDP };

/* One row of /proc/net/{tcp,tcp6,udp,udp6}. */
struct proc_inet {
	enum proc_proto	 proto;
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 laddr[16], raddr[16];	/* network order */
	uint16_t	 lport, rport;
	unsigned	 state;		/* the kernel's TCP_* number */
	const char	*state_name;	/* as ss(8) says it: LISTEN, ESTAB... */
	uint32_t	 tx_queue, rx_queue;
	uint32_t	 uid;
	uint64_t	 inode;
};

/* A unix socket path as the kernel prints it: at most 108 bytes, an
 * abstract name starting with '@'. */
#define PROC_UNIX_PATH	110

/* One row of /proc/net/unix. */
struct proc_unix {
	int		 type;		/* SOCK_STREAM, SOCK_DGRAM, ... */
	const char	*type_name;	/* u_str, u_dgr, u_seq (ss's names) */
	int		 listening;	/* accepting connections */
	unsigned	 st;		/* the kernel's SS_* number */
	const char	*state_name;	/* LISTEN, UNCONN, ESTAB... */
	uint64_t	 inode;
	char		 path[PROC_UNIX_PATH];	/* "" when unnamed */
};

/*
 * Parse the whole text of one file into a malloc'd array (*rows, *n; free
 * it with free()).  The header line is recognised; other lines that do not
 * have the kernel's layout are skipped and counted in *bad (may be NULL).
 * Addresses are read the way the kernel wrote them, as 32-bit words in
 * this host's byte order, so the text must come from this host.
 */
void	proc_parse_inet(const char *text, size_t len, enum proc_proto,
	    struct proc_inet **rows, size_t *n, size_t *bad);
void	proc_parse_unix(const char *text, size_t len,
	    struct proc_unix **rows, size_t *n, size_t *bad);
/* One line of /proc/net/unix, without its newline, for a reader that goes
 * line by line: 0 and *r filled for a row, -1 for anything else (the
 * header and blank lines included). */
int	proc_parse_unix_line(const char *line, size_t len,
	    struct proc_unix *r);

/* ss's name for a TCP_* state number; UDP uses the same numbers (UNCONN
 * for an unconnected socket, ESTAB for a connected one). */
const char *proc_state_name(unsigned state);

#endif
