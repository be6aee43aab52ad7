/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pcapng.c — pcapng blocks and the synthetic IPv4/IPv6, TCP and UDP packets
 * inside them (see pcapng.h).  Pure: bytes go into a struct buf, no I/O. */
#include <netinet/in.h>
#include <string.h>

#include "pcapng.h"

/* Block types and option codes (draft-tuexen-opsawg-pcapng). */
#define PCAPNG_SHB		0x0a0d0d0aU
#define PCAPNG_IDB		0x00000001U
#define PCAPNG_EPB		0x00000006U
#define PCAPNG_DSB		0x0000000aU
#define PCAPNG_MAGIC		0x1a2b3c4dU
#define PCAPNG_SECRETS_TLS	0x544c534bU	/* "TLSK": NSS key log */
#define PCAPNG_OPT_END		0
#define PCAPNG_OPT_COMMENT	1
#define PCAPNG_SHB_USERAPPL	4
#define PCAPNG_IF_TSRESOL	9

#define PCAPNG_LINKTYPE_RAW	101
/* What dumpcap writes; every packet here is far smaller, so nothing is cut. */
#define PCAPNG_SNAPLEN		262144
/* An option's length is 16 bits. */
#define PCAPNG_OPT_MAX		65535
/* Readers bound the size of one block (libpcap refuses any over 16 MiB and
 * then reads nothing more), so a key log is spread over blocks of this size,
 * well inside any such bound. */
#define PCAPNG_DSB_MAX		65536

#define PCAPNG_TTL		64
#define PCAPNG_WINDOW		65535

/* TCP flags, named as in <netinet/tcp.h>, which is left out: its struct
 * tcphdr differs between BSD and glibc, and only these bits are needed. */
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

/* An IP address reduced to what goes on the wire. */
struct pcapng_addr {
	int		family;		/* AF_INET, AF_INET6, or 0: unusable */
	unsigned char	ip[16];		/* 4 or 16 bytes used */
	uint16_t	port;		/* host order */
};

static size_t
pcapng_pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

static void
pcapng_put16(struct buf *out, uint16_t v)
{
	unsigned char b[2] = { v & 0xff, v >> 8 };

	buf_append(out, b, sizeof b);
}

static void
pcapng_put32(struct buf *out, uint32_t v)
{
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	    v >> 24 };

	buf_append(out, b, sizeof b);
}

static void
pcapng_zeros(struct buf *out, size_t n)
{
	static const unsigned char z[4];

	buf_append(out, z, n);
}

/* Big-endian stores for the packet headers (network order). */
static void
pcapng_be16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
pcapng_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

uint16_t
pcapng_cksum(const void *p, size_t n, uint32_t sum)
{
	const unsigned char *s = p;
	uint64_t acc = 0, t;
	uint32_t a, b, v;
	size_t i = 0;

	/*
	 * The one's complement sum does not depend on byte order (RFC 1071):
	 * add native 32-bit words (65536 = 1 modulo 65535, so two 16-bit
	 * words at a time), fold, and swap once at the end.  A bulk capture
	 * spends most of its time here.
	 */
	for (; i + 8 <= n; i += 8) {
		memcpy(&a, s + i, 4);
		memcpy(&b, s + i + 4, 4);
		acc += (uint64_t)a + b;
	}
	for (; i + 4 <= n; i += 4) {
		memcpy(&a, s + i, 4);
		acc += a;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	v = (uint32_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = (v & 0xff) << 8 | v >> 8;
#endif
	t = (uint64_t)sum + v;
	for (; i + 1 < n; i += 2)
		t += (uint32_t)s[i] << 8 | s[i + 1];
	if (i < n)
		t += (uint32_t)s[i] << 8;
	while (t >> 16)
		t = (t & 0xffff) + (t >> 16);
	return (uint16_t)~t;
}

/* Option length for a comment: cut to what the field holds, but never in
 * the middle of a UTF-8 sequence, which readers would show as garbage. */
static size_t
pcapng_comment_len(const char *comment)
{
	size_t n;

	if (comment == NULL)
		return 0;
	n = strlen(comment);
	if (n > PCAPNG_OPT_MAX) {
		n = PCAPNG_OPT_MAX;
		while (n > 0 && ((unsigned char)comment[n] & 0xc0) == 0x80)
			n--;
	}
	return n;
}

/* One Enhanced Packet Block holding hdr then payload. */
static void
pcapng_epb(struct buf *out, uint64_t ts_us, const unsigned char *hdr,
    size_t hlen, const unsigned char *payload, size_t plen,
    const char *comment)
{
	size_t caplen = hlen + plen, clen = pcapng_comment_len(comment);
	size_t optlen = 0, total;

	/* An empty comment says nothing: no option at all. */
	if (clen > 0)
		optlen = 4 + clen + pcapng_pad4(clen) + 4;
	total = 28 + caplen + pcapng_pad4(caplen) + optlen + 4;

	buf_reserve(out, total);
	pcapng_put32(out, PCAPNG_EPB);
	pcapng_put32(out, (uint32_t)total);
	pcapng_put32(out, 0);			/* interface id */
	pcapng_put32(out, (uint32_t)(ts_us >> 32));
	pcapng_put32(out, (uint32_t)ts_us);
	pcapng_put32(out, (uint32_t)caplen);
	pcapng_put32(out, (uint32_t)caplen);	/* original length */
	buf_append(out, hdr, hlen);
	buf_append(out, payload, plen);
	pcapng_zeros(out, pcapng_pad4(caplen));
	if (clen > 0) {
		pcapng_put16(out, PCAPNG_OPT_COMMENT);
		pcapng_put16(out, (uint16_t)clen);
		buf_append(out, comment, clen);
		pcapng_zeros(out, pcapng_pad4(clen));
		pcapng_put16(out, PCAPNG_OPT_END);
		pcapng_put16(out, 0);
	}
	pcapng_put32(out, (uint32_t)total);
}

void
pcapng_header(struct buf *out, const char *appname)
{
	size_t alen = 0, optlen = 0, total;

	if (appname != NULL) {
		alen = strlen(appname);
		if (alen > PCAPNG_OPT_MAX)
			alen = PCAPNG_OPT_MAX;
		optlen = 4 + alen + pcapng_pad4(alen) + 4;
	}
	total = 28 + optlen;
	pcapng_put32(out, PCAPNG_SHB);
	pcapng_put32(out, (uint32_t)total);
	pcapng_put32(out, PCAPNG_MAGIC);
	pcapng_put16(out, 1);			/* version 1.0 */
	pcapng_put16(out, 0);
	/* Section length unknown: the file is written as traffic passes. */
	pcapng_put32(out, 0xffffffffU);
	pcapng_put32(out, 0xffffffffU);
	if (appname != NULL) {
		pcapng_put16(out, PCAPNG_SHB_USERAPPL);
		pcapng_put16(out, (uint16_t)alen);
		buf_append(out, appname, alen);
		pcapng_zeros(out, pcapng_pad4(alen));
		pcapng_put16(out, PCAPNG_OPT_END);
		pcapng_put16(out, 0);
	}
	pcapng_put32(out, (uint32_t)total);

	/* IDB: linktype, reserved, snaplen, if_tsresol = 10^-6, end. */
	pcapng_put32(out, PCAPNG_IDB);
	pcapng_put32(out, 32);
	pcapng_put16(out, PCAPNG_LINKTYPE_RAW);
	pcapng_put16(out, 0);
	pcapng_put32(out, PCAPNG_SNAPLEN);
	pcapng_put16(out, PCAPNG_IF_TSRESOL);
	pcapng_put16(out, 1);
	buf_putc(out, 6);
	pcapng_zeros(out, 3);
	pcapng_put16(out, PCAPNG_OPT_END);
	pcapng_put16(out, 0);
	pcapng_put32(out, 32);
}

void
pcapng_tls_keys(struct buf *out, const char *keylog, size_t n)
{
	size_t len, total, i;

	while (n > 0) {
		len = n;
		if (len > PCAPNG_DSB_MAX) {
			/* Cut after the last whole line that fits, so each
			 * block stands alone; a monster line is just cut. */
			len = PCAPNG_DSB_MAX;
			for (i = len; i > 0; i--)
				if (keylog[i - 1] == '\n')
					break;
			if (i > 0)
				len = i;
		}
		total = 16 + len + pcapng_pad4(len) + 4;
		pcapng_put32(out, PCAPNG_DSB);
		pcapng_put32(out, (uint32_t)total);
		pcapng_put32(out, PCAPNG_SECRETS_TLS);
		pcapng_put32(out, (uint32_t)len);
		buf_append(out, keylog, len);
		pcapng_zeros(out, pcapng_pad4(len));
		pcapng_put32(out, (uint32_t)total);
		keylog += len;
		n -= len;
	}
}

/*
 * Reduce a socket address to the wire: a v4-mapped IPv6 address is the IPv4
 * packet a dual-stack socket really exchanged.  The family decides how much
 * of *sa may be read.
 */
static void
pcapng_addr_get(const struct sockaddr *sa, struct pcapng_addr *a)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(a, 0, sizeof *a);
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		a->family = AF_INET;
		memcpy(a->ip, &sin->sin_addr, 4);
		a->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->port = ntohs(sin6->sin6_port);
		if (memcmp(&sin6->sin6_addr, mapped, sizeof mapped) == 0) {
			a->family = AF_INET;
			memcpy(a->ip, (const unsigned char *)&sin6->sin6_addr +
			    12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &sin6->sin6_addr, 16);
		}
	}
}

/* Back to a sockaddr, for the copy kept in struct pcapng_tcp. */
static void
pcapng_addr_put(const struct pcapng_addr *a, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;

	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		sin = (struct sockaddr_in *)(void *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip, 4);
		sin->sin_port = htons(a->port);
	} else if (a->family == AF_INET6) {
		sin6 = (struct sockaddr_in6 *)(void *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sin6->sin6_port = htons(a->port);
	}
}

/*
 * Build the IP header for a transport segment of tlen bytes into hdr and
 * return its length.  *tsum is set to the pseudo-header's running sum, the
 * start of the transport checksum.
 */
static size_t
pcapng_ip(unsigned char *hdr, const struct pcapng_addr *src,
    const struct pcapng_addr *dst, int proto, size_t tlen, uint16_t id,
    uint32_t *tsum)
{
	unsigned char ph[40];

	if (src->family == AF_INET) {
		hdr[0] = 0x45;			/* version 4, 5 words */
		hdr[1] = 0;
		pcapng_be16(hdr + 2, (uint16_t)(20 + tlen));
		pcapng_be16(hdr + 4, id);
		/* DF: segments are cut to fit, nothing is ever fragmented. */
		pcapng_be16(hdr + 6, 0x4000);
		hdr[8] = PCAPNG_TTL;
		hdr[9] = (unsigned char)proto;
		pcapng_be16(hdr + 10, 0);
		memcpy(hdr + 12, src->ip, 4);
		memcpy(hdr + 16, dst->ip, 4);
		pcapng_be16(hdr + 10, pcapng_cksum(hdr, 20, 0));

		memcpy(ph, src->ip, 4);
		memcpy(ph + 4, dst->ip, 4);
		ph[8] = 0;
		ph[9] = (unsigned char)proto;
		pcapng_be16(ph + 10, (uint16_t)tlen);
		*tsum = (uint16_t)~pcapng_cksum(ph, 12, 0);
		return 20;
	}
	pcapng_be32(hdr, 0x60000000U);	/* version 6, no class, no flow */
	pcapng_be16(hdr + 4, (uint16_t)tlen);
	hdr[6] = (unsigned char)proto;
	hdr[7] = PCAPNG_TTL;
	memcpy(hdr + 8, src->ip, 16);
	memcpy(hdr + 24, dst->ip, 16);

	memcpy(ph, src->ip, 16);
	memcpy(ph + 16, dst->ip, 16);
	pcapng_be32(ph + 32, (uint32_t)tlen);
	pcapng_be32(ph + 36, (uint32_t)proto);
	*tsum = (uint16_t)~pcapng_cksum(ph, 40, 0);
	return 40;
}

/* A tidier seed -> ISN map than the identity, so two flows with nearby seeds
 * do not get nearby sequence numbers. */
static uint32_t
pcapng_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

void
pcapng_tcp_init(struct pcapng_tcp *t, const struct sockaddr *a,
    const struct sockaddr *b, uint32_t seed)
{
	struct pcapng_addr pa, pb;

	memset(t, 0, sizeof *t);
	pcapng_addr_get(a, &pa);
	pcapng_addr_get(b, &pb);
	pcapng_addr_put(&pa, &t->a);
	pcapng_addr_put(&pb, &t->b);
	t->next_seq[0] = pcapng_mix(seed);
	t->next_seq[1] = pcapng_mix(seed ^ 0x9e3779b9U);
	t->ip_id = (uint16_t)pcapng_mix(seed + 1);
}

static int
pcapng_addr_same(const struct sockaddr_storage *x,
    const struct sockaddr_storage *y)
{
	struct pcapng_addr a, b;

	pcapng_addr_get((const struct sockaddr *)x, &a);
	pcapng_addr_get((const struct sockaddr *)y, &b);
	return a.family != 0 && a.family == b.family && a.port == b.port &&
	    memcmp(a.ip, b.ip, a.family == AF_INET ? 4 : 16) == 0;
}

int
pcapng_tcp_mirrors(const struct pcapng_tcp *x, const struct pcapng_tcp *y)
{
	return pcapng_addr_same(&x->a, &y->b) && pcapng_addr_same(&x->b, &y->a);
}

/* One TCP segment from dir with the given flags; the sequence number is the
 * sender's next one, which it advances by what the segment occupies. */
static void
pcapng_tcp_seg(struct buf *out, struct pcapng_tcp *t, int dir, int flags,
    const unsigned char *p, size_t n, uint64_t ts_us, const char *comment)
{
	struct pcapng_addr a, b;
	const struct pcapng_addr *src, *dst;
	unsigned char hdr[60], *th;
	size_t hl;
	uint32_t sum, ack;

	pcapng_addr_get((const struct sockaddr *)&t->a, &a);
	pcapng_addr_get((const struct sockaddr *)&t->b, &b);
	if (a.family == 0 || a.family != b.family)
		return;
	src = dir ? &b : &a;
	dst = dir ? &a : &b;
	/* A SYN acknowledges nothing; Wireshark flags a non-zero ack field
	 * without the ACK flag. */
	ack = flags & TH_ACK ? t->next_seq[!dir] : 0;

	hl = pcapng_ip(hdr, src, dst, IPPROTO_TCP, 20 + n, t->ip_id++, &sum);
	th = hdr + hl;
	pcapng_be16(th, src->port);
	pcapng_be16(th + 2, dst->port);
	pcapng_be32(th + 4, t->next_seq[dir]);
	pcapng_be32(th + 8, ack);
	th[12] = 5 << 4;			/* data offset: no options */
	th[13] = (unsigned char)flags;
	pcapng_be16(th + 14, PCAPNG_WINDOW);
	pcapng_be16(th + 16, 0);
	pcapng_be16(th + 18, 0);		/* urgent pointer */
	sum = (uint16_t)~pcapng_cksum(th, 20, sum);
	pcapng_be16(th + 16, pcapng_cksum(p, n, sum));

	pcapng_epb(out, ts_us, hdr, hl + 20, p, n, comment);
	t->next_seq[dir] += (uint32_t)n + (flags & TH_SYN ? 1 : 0) +
	    (flags & TH_FIN ? 1 : 0);
}

void
pcapng_tcp_open(struct buf *out, struct pcapng_tcp *t, int dir,
    uint64_t ts_us, const char *comment)
{
	dir = dir != 0;
	if (t->opened)
		return;
	t->opened = 1;
	pcapng_tcp_seg(out, t, dir, TH_SYN, NULL, 0, ts_us, comment);
	pcapng_tcp_seg(out, t, !dir, TH_SYN | TH_ACK, NULL, 0, ts_us, comment);
	pcapng_tcp_seg(out, t, dir, TH_ACK, NULL, 0, ts_us, comment);
}

void
pcapng_tcp_data(struct buf *out, struct pcapng_tcp *t, int dir,
    const unsigned char *p, size_t n, uint64_t ts_us, const char *comment)
{
	struct pcapng_addr a;
	size_t max, len;

	dir = dir != 0;
	if (n == 0 || t->closed)
		return;
	pcapng_tcp_open(out, t, 0, ts_us, comment);
	pcapng_addr_get((const struct sockaddr *)&t->a, &a);
	max = a.family == AF_INET ? PCAPNG_TCP_MAX4 : PCAPNG_TCP_MAX6;
	while (n > 0) {
		len = n < max ? n : max;
		pcapng_tcp_seg(out, t, dir, TH_PSH | TH_ACK, p, len, ts_us,
		    comment);
		pcapng_tcp_seg(out, t, !dir, TH_ACK, NULL, 0, ts_us, comment);
		p += len;
		n -= len;
	}
}

void
pcapng_tcp_close(struct buf *out, struct pcapng_tcp *t, int dir, int reset,
    uint64_t ts_us, const char *comment)
{
	dir = dir != 0;
	if (t->closed)
		return;
	pcapng_tcp_open(out, t, 0, ts_us, comment);
	t->closed = 1;
	if (reset) {
		pcapng_tcp_seg(out, t, dir, TH_RST | TH_ACK, NULL, 0, ts_us,
		    comment);
		return;
	}
	pcapng_tcp_seg(out, t, dir, TH_FIN | TH_ACK, NULL, 0, ts_us, comment);
	pcapng_tcp_seg(out, t, !dir, TH_FIN | TH_ACK, NULL, 0, ts_us, comment);
	pcapng_tcp_seg(out, t, dir, TH_ACK, NULL, 0, ts_us, comment);
}

void
pcapng_udp(struct buf *out, const struct sockaddr *src,
    const struct sockaddr *dst, const unsigned char *p, size_t n,
    uint64_t ts_us, const char *comment)
{
	struct pcapng_addr s, d;
	unsigned char hdr[48], *uh;
	size_t hl, max;
	uint32_t sum;
	uint16_t ck, id;

	pcapng_addr_get(src, &s);
	pcapng_addr_get(dst, &d);
	if (s.family == 0 || s.family != d.family)
		return;
	max = s.family == AF_INET ? PCAPNG_UDP_MAX4 : PCAPNG_UDP_MAX6;
	if (n > max)
		n = max;
	/* No state to count with; with DF set the id only has to exist
	 * (RFC 6864), so it comes from the time. */
	id = (uint16_t)(ts_us ^ ts_us >> 16 ^ ts_us >> 32);

	hl = pcapng_ip(hdr, &s, &d, IPPROTO_UDP, 8 + n, id, &sum);
	uh = hdr + hl;
	pcapng_be16(uh, s.port);
	pcapng_be16(uh + 2, d.port);
	pcapng_be16(uh + 4, (uint16_t)(8 + n));
	pcapng_be16(uh + 6, 0);
	sum = (uint16_t)~pcapng_cksum(uh, 8, sum);
	ck = pcapng_cksum(p, n, sum);
	/* 0 means "no checksum" in UDP; the same value in ones' complement
	 * is all ones. */
	pcapng_be16(uh + 6, ck == 0 ? 0xffff : ck);

	pcapng_epb(out, ts_us, hdr, hl + 8, p, n, comment);
}
