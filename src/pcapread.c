/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pcapread.c — packets out of a pcapng or pcap file (see pcapread.h).
 * Every length read from the file is checked against what is left before
 * it is used; nothing is allocated. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pcapread.h"

#define PCAPR_SHB	0x0a0d0d0aU
#define PCAPR_IDB	0x00000001U
#define PCAPR_PB	0x00000002U	/* obsolete Packet Block */
#define PCAPR_SPB	0x00000003U
#define PCAPR_EPB	0x00000006U
#define PCAPR_BOM	0x1a2b3c4dU
#define PCAPR_TSRESOL	9

/* Interfaces a section may describe; a capture from one machine has a few. */
#define PCAPR_IF_MAX	64

/* Link types (tcpdump.org/linktypes.html). */
#define LT_NULL		0
#define LT_EN10MB	1
#define LT_RAW		101
#define LT_LOOP		108
#define LT_SLL		113
#define LT_IPV4		228
#define LT_IPV6		229
#define LT_SLL2		276

struct pcapr_if {
	int		 linktype;
	uint64_t	 tick_num, tick_den;	/* one tick is num/den seconds */
};

struct pcapr {
	const unsigned char	*p;
	size_t			 n;
	int			 big;		/* the section's byte order */
	struct pcapr_if		 ifs[PCAPR_IF_MAX];
	unsigned		 nifs;
	pcapr_fn		 fn;
	void			*arg;
	char			*err;
	size_t			 errlen;
};

static uint32_t
pcapr_u32(const struct pcapr *r, const unsigned char *b)
{
	if (r->big)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[1] << 8 | b[0];
}

static uint16_t
pcapr_u16(const struct pcapr *r, const unsigned char *b)
{
	return r->big ? (uint16_t)(b[0] << 8 | b[1]) :
	    (uint16_t)(b[1] << 8 | b[0]);
}

static uint16_t
be16(const unsigned char *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

int
pcapr_is_capture(const unsigned char *p, size_t n)
{
	static const unsigned char magic[][4] = {
		{ 0x0a, 0x0d, 0x0d, 0x0a },	/* pcapng */
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
	};
	size_t i;

	for (i = 0; n >= 4 && i < sizeof magic / sizeof magic[0]; i++)
		if (memcmp(p, magic[i], 4) == 0)
			return 1;
	return 0;
}

static void
pcapr_addr(struct sockaddr_storage *ss, int family, const unsigned char *ip,
    uint16_t port)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, ip, 4);
		sin->sin_port = htons(port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, ip, 16);
		sin6->sin6_port = htons(port);
	}
}

/* The transport header at p[0..n) (what the IP header says is there): a
 * packet for fn, or 0 when it is not one (too short to be TCP or UDP). */
static int
pcapr_l4(struct pcapr *r, struct pcapr_pkt *k, int family,
    const unsigned char *sip, const unsigned char *dip, const unsigned char *p,
    size_t n, size_t captured)
{
	size_t hl;

	if (n > captured) {
		k->cut = 1;
		n = captured;
	}
	if (k->proto == IPPROTO_TCP) {
		if (n < 20 || (hl = (size_t)(p[12] >> 4) * 4) < 20 || hl > n)
			return 0;
		k->seq = be32(p + 4);
		k->flags = p[13];
	} else {
		if (n < 8)
			return 0;
		hl = 8;
		/* UDP's own length, when it is shorter than the IP's. */
		if (be16(p + 4) >= 8 && be16(p + 4) < n)
			n = be16(p + 4);
	}
	pcapr_addr(&k->src, family, sip, be16(p));
	pcapr_addr(&k->dst, family, dip, be16(p + 2));
	k->p = p + hl;
	k->n = n - hl;
	return r->fn(r->arg, k, r->err, r->errlen) == -1 ? -1 : 0;
}

/* An IPv4 or IPv6 packet at p[0..n). */
static int
pcapr_ip(struct pcapr *r, uint64_t ts_us, const unsigned char *p, size_t n,
    int cut)
{
	struct pcapr_pkt k;
	size_t hl, total;

	memset(&k, 0, sizeof k);
	k.ts_us = ts_us;
	k.cut = cut;
	if (n >= 20 && p[0] >> 4 == 4) {
		hl = (size_t)(p[0] & 0x0f) * 4;
		total = be16(p + 2);
		if (hl < 20 || hl > n || total < hl)
			return 0;
		/* A fragment after the first carries no transport header. */
		if ((be16(p + 6) & 0x1fff) != 0)
			return 0;
		k.proto = p[9];
		if (k.proto != IPPROTO_TCP && k.proto != IPPROTO_UDP)
			return 0;
		/* TSO captures write 0 as the total length. */
		if (total == 0)
			total = n;
		return pcapr_l4(r, &k, AF_INET, p + 12, p + 16, p + hl,
		    total - hl, n - hl);
	}
	if (n >= 40 && p[0] >> 4 == 6) {
		k.proto = p[6];
		if (k.proto != IPPROTO_TCP && k.proto != IPPROTO_UDP)
			return 0;
		/* A jumbogram's length is elsewhere: take what was captured. */
		if ((total = be16(p + 4)) == 0)
			total = n - 40;
		return pcapr_l4(r, &k, AF_INET6, p + 8, p + 24, p + 40, total,
		    n - 40);
	}
	return 0;
}

/* One captured frame of linktype lt: find the IP packet in it. */
static int
pcapr_frame(struct pcapr *r, int lt, uint64_t ts_us, const unsigned char *p,
    size_t n, int cut)
{
	size_t off;
	uint16_t et;

	switch (lt) {
	case LT_RAW:
	case LT_IPV4:
	case LT_IPV6:
		return pcapr_ip(r, ts_us, p, n, cut);
	case LT_NULL:
	case LT_LOOP:
		/* A 4-byte address family, of any byte order. */
		return n < 4 ? 0 : pcapr_ip(r, ts_us, p + 4, n - 4, cut);
	case LT_EN10MB:
		if (n < 14)
			return 0;
		off = 12;
		et = be16(p + off);
		/* 802.1Q and 802.1ad tags, at most two. */
		while ((et == 0x8100 || et == 0x88a8) && off < 20 &&
		    n >= off + 6) {
			off += 4;
			et = be16(p + off);
		}
		off += 2;
		break;
	case LT_SLL:
		if (n < 16)
			return 0;
		et = be16(p + 14);
		off = 16;
		break;
	case LT_SLL2:
		if (n < 20)
			return 0;
		et = be16(p);
		off = 20;
		break;
	default:
		return 0;
	}
	if (et != 0x0800 && et != 0x86dd)
		return 0;
	return pcapr_ip(r, ts_us, p + off, n - off, cut);
}

static uint64_t
pcapr_us(const struct pcapr_if *f, uint64_t ticks)
{
	/* Microseconds; exact for the usual 10^-6 and 10^-9 resolutions. */
	if (f->tick_num == 1 && f->tick_den == 1000000)
		return ticks;
	if (f->tick_num == 1 && f->tick_den > 1000000 &&
	    f->tick_den % 1000000 == 0)
		return ticks / (f->tick_den / 1000000);
	return (uint64_t)((long double)ticks * f->tick_num * 1000000 /
	    f->tick_den);
}

static void
pcapr_fail(struct pcapr *r, size_t off, const char *what)
{
	snprintf(r->err, r->errlen, "not a capture socktool can read: %s "
	    "at byte %zu", what, off);
}

/* The if_tsresol option of an Interface Description Block's options. */
static void
pcapr_idb_opts(struct pcapr *r, struct pcapr_if *f, const unsigned char *o,
    size_t n)
{
	size_t len;
	unsigned v;

	while (n >= 4) {
		uint16_t code = pcapr_u16(r, o);

		len = pcapr_u16(r, o + 2);
		if (code == 0 || len > n - 4)
			return;
		if (code == PCAPR_TSRESOL && len >= 1) {
			v = o[4] & 0x7f;
			f->tick_num = 1;
			f->tick_den = 1;
			if (o[4] & 0x80) {
				if (v > 63)
					v = 63;
				f->tick_den = (uint64_t)1 << v;
			} else {
				if (v > 19)
					v = 19;
				while (v-- > 0)
					f->tick_den *= 10;
			}
		}
		len += (4 - (len & 3)) & 3;
		if (len > n - 4)
			return;
		o += 4 + len;
		n -= 4 + len;
	}
}

/* One pcapng block at r->p + off, of total length len (checked). */
static int
pcapr_ng_block(struct pcapr *r, size_t off, uint32_t type, size_t len)
{
	const unsigned char *b = r->p + off + 8;
	size_t body = len - 12, cap, orig;
	struct pcapr_if *f;
	uint64_t ts;
	uint32_t ifn;

	switch (type) {
	case PCAPR_IDB:
		if (body < 8)
			goto bad;
		if (r->nifs == PCAPR_IF_MAX) {
			pcapr_fail(r, off, "more than 64 interfaces");
			return -1;
		}
		f = &r->ifs[r->nifs++];
		f->linktype = pcapr_u16(r, b);
		f->tick_num = 1;
		f->tick_den = 1000000;
		pcapr_idb_opts(r, f, b + 8, body - 8);
		return 0;
	case PCAPR_EPB:
	case PCAPR_PB:
		if (body < 20)
			goto bad;
		ifn = type == PCAPR_EPB ? pcapr_u32(r, b) : pcapr_u16(r, b);
		ts = (uint64_t)pcapr_u32(r, b + 4) << 32 | pcapr_u32(r, b + 8);
		cap = pcapr_u32(r, b + 12);
		orig = pcapr_u32(r, b + 16);
		if (cap > body - 20)
			goto bad;
		b += 20;
		break;
	case PCAPR_SPB:
		if (body < 4)
			goto bad;
		ifn = 0;
		ts = 0;
		orig = pcapr_u32(r, b);
		cap = body - 4 < orig ? body - 4 : orig;
		b += 4;
		break;
	default:
		return 0;	/* statistics, name resolution, secrets... */
	}
	if (ifn >= r->nifs) {
		pcapr_fail(r, off, "a packet of an undescribed interface");
		return -1;
	}
	f = &r->ifs[ifn];
	return pcapr_frame(r, f->linktype, pcapr_us(f, ts), b, cap, cap < orig);
bad:
	pcapr_fail(r, off, "a block too short for its kind");
	return -1;
}

static int
pcapr_ng(struct pcapr *r)
{
	size_t off = 0, len;
	uint32_t type, bom;

	while (off < r->n) {
		if (r->n - off < 12) {
			pcapr_fail(r, off, "a cut block");
			return -1;
		}
		type = pcapr_u32(r, r->p + off);
		if (type == PCAPR_SHB) {
			/* A new section: its own byte order, its own
			 * interfaces. */
			if (r->n - off < 28) {
				pcapr_fail(r, off, "a cut section header");
				return -1;
			}
			bom = be32(r->p + off + 8);
			if (bom == PCAPR_BOM)
				r->big = 1;
			else if (bom == 0x4d3c2b1aU)
				r->big = 0;
			else {
				pcapr_fail(r, off, "a section header without "
				    "its byte-order magic");
				return -1;
			}
			r->nifs = 0;
		}
		len = pcapr_u32(r, r->p + off + 4);
		if (len < 12 || len % 4 != 0 || len > r->n - off ||
		    pcapr_u32(r, r->p + off + len - 4) != len) {
			pcapr_fail(r, off, "a block whose length is wrong");
			return -1;
		}
		if (type != PCAPR_SHB && pcapr_ng_block(r, off, type, len) == -1)
			return -1;
		off += len;
	}
	return 0;
}

static int
pcapr_classic(struct pcapr *r)
{
	struct pcapr_if f = { 0, 1, 1000000 };
	size_t off = 24, cap, orig;
	uint32_t m = be32(r->p);
	uint64_t ts;

	r->big = m == 0xa1b2c3d4U || m == 0xa1b23c4dU;
	if (m == 0xa1b23c4dU || m == 0x4d3cb2a1U)
		f.tick_den = 1000000000;
	if (r->n < 24) {
		pcapr_fail(r, 0, "a cut file header");
		return -1;
	}
	/* The link type is the low 16 bits; the rest are FCS flags. */
	f.linktype = (int)(pcapr_u32(r, r->p + 20) & 0xffff);
	while (off < r->n) {
		if (r->n - off < 16) {
			pcapr_fail(r, off, "a cut record header");
			return -1;
		}
		ts = (uint64_t)pcapr_u32(r, r->p + off) * f.tick_den +
		    pcapr_u32(r, r->p + off + 4);
		cap = pcapr_u32(r, r->p + off + 8);
		orig = pcapr_u32(r, r->p + off + 12);
		if (cap > r->n - off - 16) {
			pcapr_fail(r, off, "a record longer than the file");
			return -1;
		}
		if (pcapr_frame(r, f.linktype, pcapr_us(&f, ts),
		    r->p + off + 16, cap, cap < orig) == -1)
			return -1;
		off += 16 + cap;
	}
	return 0;
}

int
pcapr_walk(const unsigned char *p, size_t n, pcapr_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct pcapr r;

	memset(&r, 0, sizeof r);
	r.p = p;
	r.n = n;
	r.fn = fn;
	r.arg = arg;
	r.err = err;
	r.errlen = errlen;
	if (!pcapr_is_capture(p, n)) {
		snprintf(err, errlen, "not a pcapng or pcap file");
		return -1;
	}
	return be32(p) == PCAPR_SHB ? pcapr_ng(&r) : pcapr_classic(&r);
}
