/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proc.c — parsers of /proc/net socket tables into rows (see proc.h). */
#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "proc.h"

/* The kernel marks a listening unix socket with __SO_ACCEPTCON in the
 * Flags column (include/linux/net.h); it is not exported to user space. */
#define PROC_ACCEPTCON	0x10000u

/* ss(8)'s names, so that output can be compared with `ss -tuan` line for
 * line; index is the kernel's TCP_* number (include/net/tcp_states.h). */
static const char *const proc_tcp_states[] = {
	"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
	"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK",
	"LISTEN", "CLOSING", "SYN-RECV",
};

const char *
proc_state_name(unsigned state)
{
	if (state >= sizeof proc_tcp_states / sizeof proc_tcp_states[0])
		return "UNKNOWN";
	return proc_tcp_states[state];
}

/* The line starting at *pos, without its newline; 0 at the end. */
static int
proc_next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl != NULL ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl != NULL);
	return 1;
}

/* The next blank-separated word of l from *i; 0 when none is left. */
static int
proc_word(const char *l, size_t n, size_t *i, const char **w, size_t *wn)
{
	size_t k = *i;

	while (k < n && (l[k] == ' ' || l[k] == '\t'))
		k++;
	if (k == n)
		return 0;
	*w = l + k;
	while (k < n && l[k] != ' ' && l[k] != '\t')
		k++;
	*wn = (size_t)(l + k - *w);
	*i = k;
	return 1;
}

/* Exactly n hex digits (1..16) as a number. */
static int
proc_hex(const char *w, size_t n, uint64_t *v)
{
	size_t k;
	int d;

	if (n == 0 || n > 16)
		return -1;
	*v = 0;
	for (k = 0; k < n; k++) {
		if ((d = codec_hexval((unsigned char)w[k])) < 0)
			return -1;
		*v = *v << 4 | (uint64_t)d;
	}
	return 0;
}

/* Decimal digits, no sign, no overflow. */
static int
proc_dec(const char *w, size_t n, uint64_t *v)
{
	size_t k;

	if (n == 0)
		return -1;
	*v = 0;
	for (k = 0; k < n; k++) {
		if (w[k] < '0' || w[k] > '9' ||
		    *v > (UINT64_MAX - (uint64_t)(w[k] - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(w[k] - '0');
	}
	return 0;
}

/* "HEX:HEX" with the first part at most a1 digits, the second a2: the
 * split point is the only colon. */
static int
proc_pair(const char *w, size_t n, size_t a1, size_t a2, uint64_t *x,
    uint64_t *y)
{
	const char *c = memchr(w, ':', n);
	size_t n1, n2;

	if (c == NULL)
		return -1;
	n1 = (size_t)(c - w);
	n2 = n - n1 - 1;
	if (n1 > a1 || n2 > a2 || proc_hex(w, n1, x) == -1 ||
	    proc_hex(c + 1, n2, y) == -1)
		return -1;
	return 0;
}

/*
 * "0100007F:1F90": the address as 8 or 32 hex digits, then the port.  The
 * kernel prints each 32-bit word of the (network order) address with %08X,
 * that is as this host holds it in memory, so storing the word back in
 * host order restores the address bytes.
 */
static int
proc_addr(const char *w, size_t n, int *family, unsigned char *addr,
    uint16_t *port)
{
	const char *c = memchr(w, ':', n);
	size_t digits, k;
	uint64_t v;

	if (c == NULL)
		return -1;
	digits = (size_t)(c - w);
	if (digits == 8)
		*family = AF_INET;
	else if (digits == 32)
		*family = AF_INET6;
	else
		return -1;
	memset(addr, 0, 16);
	for (k = 0; k < digits / 8; k++) {
		uint32_t word;

		if (proc_hex(w + 8 * k, 8, &v) == -1)
			return -1;
		word = (uint32_t)v;
		memcpy(addr + 4 * k, &word, 4);
	}
	if (n - digits - 1 > 4 || proc_hex(c + 1, n - digits - 1, &v) == -1)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "  12:" — the slot number that starts a row. */
static int
proc_slot(const char *w, size_t n, int hex)
{
	uint64_t v;

	if (n < 2 || w[n - 1] != ':')
		return -1;
	return hex ? proc_hex(w, n - 1, &v) : proc_dec(w, n - 1, &v);
}

static int
proc_inet_row(const char *l, size_t n, enum proc_proto proto,
    struct proc_inet *r)
{
	const char *w;
	size_t wn, i = 0;
	uint64_t v, v2;
	int rfam;

	memset(r, 0, sizeof *r);
	r->proto = proto;
	if (!proc_word(l, n, &i, &w, &wn) || proc_slot(w, wn, 0) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) ||
	    proc_addr(w, wn, &r->family, r->laddr, &r->lport) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) ||
	    proc_addr(w, wn, &rfam, r->raddr, &r->rport) == -1 ||
	    rfam != r->family)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) || wn > 2 ||
	    proc_hex(w, wn, &v) == -1)
		return -1;
	r->state = (unsigned)v;
	r->state_name = proc_state_name(r->state);
	if (!proc_word(l, n, &i, &w, &wn) ||
	    proc_pair(w, wn, 8, 8, &v, &v2) == -1)
		return -1;
	r->tx_queue = (uint32_t)v;
	r->rx_queue = (uint32_t)v2;
	/* tr:tm->when and retrnsmt: timers, not shown. */
	if (!proc_word(l, n, &i, &w, &wn) ||
	    proc_pair(w, wn, 16, 16, &v, &v2) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) || proc_hex(w, wn, &v) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) || proc_dec(w, wn, &v) == -1 ||
	    v > UINT32_MAX)
		return -1;
	r->uid = (uint32_t)v;
	/* timeout */
	if (!proc_word(l, n, &i, &w, &wn) || proc_dec(w, wn, &v) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) || proc_dec(w, wn, &v) == -1)
		return -1;
	r->inode = v;
	return 0;
}

/* The first line names the columns; it starts with `first`. */
static int
proc_is_header(const char *l, size_t n, const char *first)
{
	const char *w;
	size_t wn, i = 0;

	return proc_word(l, n, &i, &w, &wn) && wn == strlen(first) &&
	    memcmp(w, first, wn) == 0;
}

static int
proc_blank(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
			return 0;
	return 1;
}

/* Room for one more row in a growing array. */
static void *
proc_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(v, *cap * size);
}

void
proc_parse_inet(const char *text, size_t len, enum proc_proto proto,
    struct proc_inet **rows, size_t *n, size_t *bad)
{
	struct proc_inet *v = NULL;
	size_t cap = 0, cnt = 0, nbad = 0, pos = 0, ln, lineno = 0;
	const char *l;

	while (proc_next_line(text, len, &pos, &l, &ln)) {
		if (lineno++ == 0 && proc_is_header(l, ln, "sl"))
			continue;
		if (proc_blank(l, ln))
			continue;
		v = proc_grow(v, cnt, &cap, sizeof *v);
		if (proc_inet_row(l, ln, proto, &v[cnt]) == -1)
			nbad++;
		else
			cnt++;
	}
	*rows = v;
	*n = cnt;
	if (bad != NULL)
		*bad = nbad;
}

int
proc_parse_unix_line(const char *l, size_t n, struct proc_unix *r)
{
	const char *w;
	size_t wn, i = 0;
	uint64_t flags, v;

	memset(r, 0, sizeof *r);
	/* Num: the socket's kernel address, hashed or zero. */
	if (!proc_word(l, n, &i, &w, &wn) || proc_slot(w, wn, 1) == -1)
		return -1;
	/* RefCount, Protocol */
	if (!proc_word(l, n, &i, &w, &wn) || proc_hex(w, wn, &v) == -1 ||
	    !proc_word(l, n, &i, &w, &wn) || proc_hex(w, wn, &v) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) || proc_hex(w, wn, &flags) == -1)
		return -1;
	if (!proc_word(l, n, &i, &w, &wn) || proc_hex(w, wn, &v) == -1 ||
	    v > 0xffff)
		return -1;
	r->type = (int)v;
	if (!proc_word(l, n, &i, &w, &wn) || proc_hex(w, wn, &v) == -1 ||
	    v > 0xff)
		return -1;
	r->st = (unsigned)v;
	if (!proc_word(l, n, &i, &w, &wn) || proc_dec(w, wn, &v) == -1)
		return -1;
	r->inode = v;
	/* The path is every byte after the one space that follows the
	 * inode: it may hold blanks of its own.  A lone trailing space is no
	 * path (the kernel writes none, an edited sample may). */
	if (i + 1 < n) {
		size_t plen = n - i - 1;

		if (l[i] != ' ' || plen >= sizeof r->path)
			return -1;
		memcpy(r->path, l + i + 1, plen);
		r->path[plen] = '\0';
		if (memchr(r->path, '\0', plen) != NULL)
			return -1;
	}
	switch (r->type) {
	case SOCK_STREAM:
		r->type_name = "u_str";
		break;
	case SOCK_DGRAM:
		r->type_name = "u_dgr";
		break;
	case SOCK_SEQPACKET:
		r->type_name = "u_seq";
		break;
	default:
		r->type_name = "unix";
		break;
	}
	r->listening = (flags & PROC_ACCEPTCON) != 0;
	/* SS_UNCONNECTED, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING,
	 * named as ss names them. */
	if (r->listening)
		r->state_name = "LISTEN";
	else if (r->st == 1)
		r->state_name = "UNCONN";
	else if (r->st == 2)
		r->state_name = "SYN-SENT";
	else if (r->st == 3)
		r->state_name = "ESTAB";
	else if (r->st == 4)
		r->state_name = "CLOSING";
	else
		r->state_name = "UNKNOWN";
	return 0;
}

void
proc_parse_unix(const char *text, size_t len, struct proc_unix **rows,
    size_t *n, size_t *bad)
{
	struct proc_unix *v = NULL;
	size_t cap = 0, cnt = 0, nbad = 0, pos = 0, ln, lineno = 0;
	const char *l;

	while (proc_next_line(text, len, &pos, &l, &ln)) {
		if (lineno++ == 0 && proc_is_header(l, ln, "Num"))
			continue;
		if (proc_blank(l, ln))
			continue;
		v = proc_grow(v, cnt, &cap, sizeof *v);
		if (proc_parse_unix_line(l, ln, &v[cnt]) == -1)
			nbad++;
		else
			cnt++;
	}
	*rows = v;
	*n = cnt;
	if (bad != NULL)
		*bad = nbad;
}
