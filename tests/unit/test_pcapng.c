/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_pcapng.c — TAP unit tests for src/pcapng.c: the file is taken apart
 * the way a reader would (blocks, options, IP, TCP, UDP), with a checksum
 * of its own, so the checks do not trust the code under test. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pcapng.h"
#include "tap.h"

#define MAXPKT	256

#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PSH	0x08
#define TH_ACK	0x10

/* Fixed-seed xorshift: failures must reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void
fill_random(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return be16(p) << 16 | be16(p + 2);
}

/* Deliberately naive ones'-complement sum, folded but not complemented:
 * over data holding a correct checksum it is 0xffff. */
static uint32_t
ref_sum(const unsigned char *p, size_t n, uint32_t acc)
{
	size_t i;

	for (i = 0; i < n; i++) {
		acc += i % 2 == 0 ? (uint32_t)p[i] << 8 : p[i];
		if (acc > 0xffff)
			acc = (acc & 0xffff) + 1;
	}
	return acc;
}

struct blk {
	uint32_t		 type, total;
	const unsigned char	*p;		/* block start */
};

/* Cut b into blocks, checking what every block shares: a length that is a
 * multiple of 4, fits and is repeated at the end.  Returns the count, or -1
 * with *why set. */
static int
walk(const struct buf *b, struct blk *v, int max, const char **why)
{
	const unsigned char *p = buf_peek(b);
	size_t off = 0, len = buf_len(b);
	int n = 0;

	while (off < len) {
		if (len - off < 12) {
			*why = "truncated block header";
			return -1;
		}
		if (n == max) {
			*why = "too many blocks";
			return -1;
		}
		v[n].p = p + off;
		v[n].type = le32(p + off);
		v[n].total = le32(p + off + 4);
		if (v[n].total < 12 || v[n].total % 4 != 0) {
			*why = "bad total length";
			return -1;
		}
		if (v[n].total > len - off) {
			*why = "block runs past the end";
			return -1;
		}
		if (le32(p + off + v[n].total - 4) != v[n].total) {
			*why = "trailing total length differs";
			return -1;
		}
		off += v[n].total;
		n++;
	}
	return n;
}

/* Options from p up to end (the trailing length): each code/length/value
 * padded to 4, ending in opt_endofopt exactly at end.  Finds one code. */
static int
options(const unsigned char *p, const unsigned char *end, uint32_t want,
    const unsigned char **val, size_t *vlen)
{
	uint32_t code, len;

	*val = NULL;
	*vlen = 0;
	if (p == end)
		return 0;		/* no options at all is allowed */
	while (end - p >= 4) {
		code = le16(p);
		len = le16(p + 2);
		if (code == 0)
			return len == 0 && p + 4 == end ? 0 : -1;
		if ((size_t)(end - p) < 4 + len + ((4 - (len & 3)) & 3))
			return -1;
		if (code == want) {
			*val = p + 4;
			*vlen = len;
		}
		p += 4 + len + ((4 - (len & 3)) & 3);
	}
	return -1;
}

struct pkt {
	uint64_t		 ts;
	const char		*comment;	/* NULL if none */
	size_t			 clen;
	int			 family;
	const unsigned char	*src, *dst;	/* addresses in the IP header */
	int			 ttl, df, proto;
	uint16_t		 id;
	int			 ip_ok;		/* header checksum, lengths */
	int			 l4_ok;		/* transport checksum, length */
	uint16_t		 sport, dport;
	uint32_t		 seq, ack;
	int			 flags, doff;
	uint16_t		 win;
	const unsigned char	*data;
	size_t			 dlen;
	size_t			 iplen;
};

/* Decode one EPB as LINKTYPE_RAW; 0 or -1 with *why. */
static int
decode(const struct blk *k, struct pkt *x, const char **why)
{
	const unsigned char *p = k->p, *ip, *l4, *val;
	size_t caplen, iphl, l4len, vlen;
	uint32_t sum;

	memset(x, 0, sizeof *x);
	if (k->type != 6 || k->total < 32) {
		*why = "not an EPB";
		return -1;
	}
	caplen = le32(p + 20);
	if (le32(p + 8) != 0 || le32(p + 24) != caplen ||
	    32 + caplen > k->total) {
		*why = "bad EPB fields";
		return -1;
	}
	x->ts = (uint64_t)le32(p + 12) << 32 | le32(p + 16);
	if (options(p + 28 + caplen + ((4 - (caplen & 3)) & 3),
	    p + k->total - 4, 1, &val, &vlen) == -1) {
		*why = "bad EPB options";
		return -1;
	}
	x->comment = (const char *)val;
	x->clen = vlen;
	ip = p + 28;
	x->iplen = caplen;
	if (caplen >= 20 && ip[0] == 0x45) {
		x->family = AF_INET;
		iphl = 20;
		x->ttl = ip[8];
		/* DF, and not a fragment. */
		x->df = be16(ip + 6) == 0x4000;
		x->proto = ip[9];
		x->id = (uint16_t)be16(ip + 4);
		x->src = ip + 12;
		x->dst = ip + 16;
		x->ip_ok = be16(ip + 2) == caplen &&
		    ref_sum(ip, 20, 0) == 0xffff;
		l4len = caplen - 20;
		sum = ref_sum(ip + 12, 8, 0);
		sum = ref_sum((const unsigned char[]){ 0, ip[9],
		    (unsigned char)(l4len >> 8), (unsigned char)l4len }, 4,
		    sum);
	} else if (caplen >= 40 && ip[0] >> 4 == 6) {
		x->family = AF_INET6;
		iphl = 40;
		x->ttl = ip[7];
		x->proto = ip[6];
		x->src = ip + 8;
		x->dst = ip + 24;
		x->ip_ok = be16(ip + 4) == caplen - 40 &&
		    be32(ip) == 0x60000000;
		l4len = caplen - 40;
		sum = ref_sum(ip + 8, 32, 0);
		sum = ref_sum((const unsigned char[]){ 0, 0,
		    (unsigned char)(l4len >> 8), (unsigned char)l4len,
		    0, 0, 0, ip[6] }, 8, sum);
	} else {
		*why = "not IPv4 or IPv6";
		return -1;
	}
	l4 = ip + iphl;
	if (x->proto == 6 && l4len >= 20) {
		x->sport = (uint16_t)be16(l4);
		x->dport = (uint16_t)be16(l4 + 2);
		x->seq = be32(l4 + 4);
		x->ack = be32(l4 + 8);
		x->doff = l4[12] >> 4;
		x->flags = l4[13];
		x->win = (uint16_t)be16(l4 + 14);
		x->data = l4 + 20;
		x->dlen = l4len - 20;
		x->l4_ok = ref_sum(l4, l4len, sum) == 0xffff && x->doff == 5;
	} else if (x->proto == 17 && l4len >= 8) {
		x->sport = (uint16_t)be16(l4);
		x->dport = (uint16_t)be16(l4 + 2);
		x->data = l4 + 8;
		x->dlen = l4len - 8;
		x->l4_ok = be16(l4 + 4) == l4len && be16(l4 + 6) != 0 &&
		    ref_sum(l4, l4len, sum) == 0xffff;
	} else {
		*why = "not TCP or UDP";
		return -1;
	}
	return 0;
}

/* All blocks in b, which must all be packets. */
static int
packets(const struct buf *b, struct pkt *v, int max, const char *what)
{
	struct blk *k = xcalloc(MAXPKT, sizeof *k);
	const char *why = "";
	int n, i;

	n = walk(b, k, max < MAXPKT ? max : MAXPKT, &why);
	for (i = 0; n > 0 && i < n; i++)
		if (decode(&k[i], &v[i], &why) == -1)
			n = -1;
	if (!ok(n >= 0, "%s: blocks and packets decode", what))
		printf("#   %s\n", why);
	free(k);
	return n;
}

/* Expected flags of v[0..n), "S SA A PA ..." style. */
static int
flagstr(const struct pkt *v, int n, struct buf *s)
{
	int i;

	buf_reset(s);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(s, ' ');
		if (v[i].flags & TH_SYN)
			buf_putc(s, 'S');
		if (v[i].flags & TH_FIN)
			buf_putc(s, 'F');
		if (v[i].flags & TH_RST)
			buf_putc(s, 'R');
		if (v[i].flags & TH_PSH)
			buf_putc(s, 'P');
		if (v[i].flags & TH_ACK)
			buf_putc(s, 'A');
	}
	return n;
}

/*
 * What Wireshark's TCP analysis relies on, for every packet of one flow:
 * checksums, addresses and ports per direction, each sequence number the one
 * the sender's previous segment ended at (SYN and FIN count one), each ack
 * exactly what the other side has sent, nothing else set, IP ids counting
 * up.  The payload of each direction is appended to rx[dir].  seq[] starts
 * as the initial sequence numbers and ends as the next ones.
 */
static void
check_tcp(const struct pkt *v, int n, const struct pcapng_tcp *t,
    uint32_t seq[2], struct buf rx[2], const char *what)
{
	const unsigned char *aip, *bip;
	int i, d, alen, bad_ip = -1, bad_cs = -1, bad_addr = -1, bad_seq = -1;
	int bad_ack = -1, bad_id = -1, bad_misc = -1;
	uint16_t aport, bport;

	if (t->a.ss_family == AF_INET) {
		aip = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)&t->a)->sin_addr;
		bip = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)&t->b)->sin_addr;
		aport = ntohs(((const struct sockaddr_in *)
		    (const void *)&t->a)->sin_port);
		bport = ntohs(((const struct sockaddr_in *)
		    (const void *)&t->b)->sin_port);
		alen = 4;
	} else {
		aip = (const unsigned char *)&((const struct sockaddr_in6 *)
		    (const void *)&t->a)->sin6_addr;
		bip = (const unsigned char *)&((const struct sockaddr_in6 *)
		    (const void *)&t->b)->sin6_addr;
		aport = ntohs(((const struct sockaddr_in6 *)
		    (const void *)&t->a)->sin6_port);
		bport = ntohs(((const struct sockaddr_in6 *)
		    (const void *)&t->b)->sin6_port);
		alen = 16;
	}
	for (i = 0; i < n; i++) {
		/* The flows tested never have a == b. */
		d = v[i].sport == bport && memcmp(v[i].src, bip, alen) == 0;
		if (!v[i].ip_ok && bad_ip < 0)
			bad_ip = i;
		if (!v[i].l4_ok && bad_cs < 0)
			bad_cs = i;
		if (v[i].family != t->a.ss_family ||
		    memcmp(v[i].src, d ? bip : aip, alen) != 0 ||
		    memcmp(v[i].dst, d ? aip : bip, alen) != 0 ||
		    v[i].sport != (d ? bport : aport) ||
		    v[i].dport != (d ? aport : bport))
			if (bad_addr < 0)
				bad_addr = i;
		if (v[i].seq != seq[d] && bad_seq < 0)
			bad_seq = i;
		if (v[i].ack != (v[i].flags & TH_ACK ? seq[!d] : 0) &&
		    bad_ack < 0)
			bad_ack = i;
		if (i > 0 && v[i].family == AF_INET &&
		    v[i].id != (uint16_t)(v[i - 1].id + 1) && bad_id < 0)
			bad_id = i;
		if ((v[i].ttl != 64 || v[i].proto != 6 || v[i].win == 0 ||
		    (v[i].family == AF_INET && !v[i].df) ||
		    (v[i].dlen > 0 && v[i].flags != (TH_PSH | TH_ACK))) &&
		    bad_misc < 0)
			bad_misc = i;
		seq[d] += (uint32_t)v[i].dlen + !!(v[i].flags & TH_SYN) +
		    !!(v[i].flags & TH_FIN);
		buf_append(&rx[d], v[i].data, v[i].dlen);
	}
	if (!ok(bad_ip < 0, "%s: IP headers (checksum 0, lengths)", what))
		printf("#   packet %d\n", bad_ip);
	if (!ok(bad_cs < 0, "%s: TCP checksums over the pseudo-header", what))
		printf("#   packet %d\n", bad_cs);
	if (!ok(bad_addr < 0, "%s: addresses and ports per direction", what))
		printf("#   packet %d\n", bad_addr);
	if (!ok(bad_seq < 0, "%s: sequence numbers continue", what))
		printf("#   packet %d\n", bad_seq);
	if (!ok(bad_ack < 0, "%s: acks are the other side's next seq", what))
		printf("#   packet %d\n", bad_ack);
	if (!ok(bad_id < 0, "%s: IP ids count up", what))
		printf("#   packet %d\n", bad_id);
	if (!ok(bad_misc < 0, "%s: TTL 64, DF, window, PSH|ACK data", what))
		printf("#   packet %d\n", bad_misc);
}

static struct sockaddr_storage
sa4(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;

	memset(&ss, 0, sizeof ss);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	return ss;
}

static struct sockaddr_storage
sa6(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;

	memset(&ss, 0, sizeof ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6->sin6_addr);
	return ss;
}

#define SA(ss)	((const struct sockaddr *)(const void *)&(ss))

static void
test_cksum(void)
{
	/* RFC 1071 section 3: sum 0xddf2, so the checksum is 0x220d. */
	static const unsigned char rfc[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};
	/* A classic IPv4 header, checksum field zeroed: 0xb861. */
	static const unsigned char iph[] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7
	};
	unsigned char big[1001], with[10];
	uint16_t c;
	size_t n, cut;
	int i, bad = 0;

	is_int(pcapng_cksum(rfc, 8, 0), 0x220d, "cksum: RFC 1071 example");
	is_int(pcapng_cksum(rfc, 4, 0), (uint16_t)~0xf204,
	    "cksum: first half of the example (0x0001 + 0xf203)");
	is_int(pcapng_cksum(rfc + 4, 4, (uint16_t)~pcapng_cksum(rfc, 4, 0)),
	    0x220d, "cksum: chained halves give the whole");
	is_int(pcapng_cksum(rfc, 3, 0), (uint16_t)~0xf201,
	    "cksum: odd length pads a zero byte");
	is_int(pcapng_cksum(iph, sizeof iph, 0), 0xb861,
	    "cksum: IPv4 header example");
	memcpy(with, rfc, 8);
	with[8] = 0x22;
	with[9] = 0x0d;
	is_int(pcapng_cksum(with, 10, 0), 0,
	    "cksum: data + checksum sums to 0");
	is_int(pcapng_cksum(NULL, 0, 0), 0xffff, "cksum: empty");
	memset(big, 0xff, sizeof big);
	is_int(pcapng_cksum(big, 1000, 0), 0,
	    "cksum: carries of 500 all-ones words");

	for (i = 0; i < 200; i++) {
		n = rng() % sizeof big;
		cut = (rng() % (n + 1)) & ~(size_t)1;
		fill_random(big, n);
		c = pcapng_cksum(big + cut, n - cut,
		    (uint16_t)~pcapng_cksum(big, cut, 0));
		if (c != (uint16_t)~ref_sum(big, n, 0) &&
		    !(c == 0 && ref_sum(big, n, 0) == 0))
			bad++;
	}
	is_int(bad, 0, "cksum: random buffers, chained at random even cuts, "
	    "match a naive sum");
}

static void
test_header(void)
{
	struct buf b = BUF_INIT;
	struct blk k[4];
	const unsigned char *val;
	const char *why = "";
	size_t vlen;
	int n;

	pcapng_header(&b, "socktool 1.0");
	n = walk(&b, k, 4, &why);
	if (!ok(n == 2, "header: SHB and IDB"))
		printf("#   %s\n", why);
	if (n != 2) {
		buf_free(&b);
		return;
	}
	is_int(k[0].type, 0x0a0d0d0a, "header: SHB type");
	is_int(le32(k[0].p + 8), 0x1a2b3c4d,
	    "header: SHB magic, little-endian");
	ok(le16(k[0].p + 12) == 1 && le16(k[0].p + 14) == 0,
	    "header: version 1.0");
	ok(le32(k[0].p + 16) == 0xffffffff && le32(k[0].p + 20) == 0xffffffff,
	    "header: section length unknown (-1)");
	ok(options(k[0].p + 24, k[0].p + k[0].total - 4, 4, &val, &vlen) == 0,
	    "header: SHB options well-formed");
	is_mem(val, vlen, "socktool 1.0", 12, "header: shb_userappl");
	is_int(k[1].type, 1, "header: IDB type");
	is_int(le16(k[1].p + 8), 101, "header: linktype RAW");
	is_int(le32(k[1].p + 12), 262144, "header: snaplen");
	ok(options(k[1].p + 16, k[1].p + k[1].total - 4, 9, &val, &vlen) == 0 &&
	    vlen == 1 && val[0] == 6, "header: if_tsresol 6 (microseconds)");
	is_int(buf_len(&b) % 4, 0, "header: 4-byte aligned");

	buf_reset(&b);
	pcapng_header(&b, NULL);
	n = walk(&b, k, 4, &why);
	ok(n == 2 && k[0].total == 28, "header: no appname, no SHB options");
	buf_free(&b);
}

/* Open, a little data each way, FIN: the whole life of a small connection. */
static void
test_tcp_small(int family)
{
	struct sockaddr_storage a, b;
	struct pcapng_tcp t;
	struct pkt v[16];
	struct buf out = BUF_INIT, rx[2] = { BUF_INIT, BUF_INIT }, s = BUF_INIT;
	uint32_t isn[2], seq[2];
	const char *what = family == AF_INET ? "tcp4" : "tcp6";
	int n, i, bad;

	if (family == AF_INET) {
		a = sa4("127.0.0.1", 40000);
		b = sa4("127.0.0.1", 5555);
	} else {
		a = sa6("::1", 40000);
		b = sa6("::1", 5555);
	}
	pcapng_tcp_init(&t, SA(a), SA(b), 7);
	isn[0] = seq[0] = t.next_seq[0];
	isn[1] = seq[1] = t.next_seq[1];
	ok(isn[0] != isn[1], "%s: the two sides start apart", what);

	pcapng_tcp_open(&out, &t, 0, 1000000, "session 1");
	ok(t.next_seq[0] == isn[0] + 1 && t.next_seq[1] == isn[1] + 1,
	    "%s: SYN consumes one on each side", what);
	pcapng_tcp_open(&out, &t, 1, 1000001, "session 1");
	pcapng_tcp_data(&out, &t, 0, (const unsigned char *)"hello\n", 6,
	    1000002, "session 1");
	ok(t.next_seq[0] == isn[0] + 7, "%s: data advances by n", what);
	pcapng_tcp_data(&out, &t, 1, (const unsigned char *)"ok", 2, 1000003,
	    "session 1");
	pcapng_tcp_data(&out, &t, 1, (const unsigned char *)"", 0, 1000003,
	    "session 1");
	pcapng_tcp_close(&out, &t, 0, 0, 2500000, "session 1");
	ok(t.next_seq[0] == isn[0] + 8 && t.next_seq[1] == isn[1] + 4,
	    "%s: FIN consumes one on each side", what);

	n = packets(&out, v, 16, what);
	if (n < 0)
		goto out;
	flagstr(v, n, &s);
	is_str(buf_cstr(&s), "S SA A PA A PA A FA FA A",
	    "%s: handshake, data with ACKs, FIN both ways, last ACK", what);
	check_tcp(v, n, &t, seq, rx, what);
	ok(seq[0] == t.next_seq[0] && seq[1] == t.next_seq[1],
	    "%s: state agrees with the wire", what);
	is_mem(buf_peek(&rx[0]), buf_len(&rx[0]), "hello\n", 6,
	    "%s: a -> b payload", what);
	is_mem(buf_peek(&rx[1]), buf_len(&rx[1]), "ok", 2,
	    "%s: b -> a payload", what);
	ok(v[0].sport == 40000 && v[0].dport == 5555,
	    "%s: dir 0 opens from a", what);
	for (i = bad = 0; i < n; i++)
		if (v[i].comment == NULL ||
		    v[i].clen != 9 || memcmp(v[i].comment, "session 1", 9) != 0)
			bad++;
	is_int(bad, 0, "%s: every packet carries the comment", what);
	ok(v[0].ts == 1000000 && v[3].ts == 1000002 && v[n - 1].ts == 2500000,
	    "%s: timestamps in microseconds", what);

	/* Closed: nothing more, whatever is asked. */
	i = (int)buf_len(&out);
	pcapng_tcp_close(&out, &t, 1, 0, 3000000, NULL);
	pcapng_tcp_close(&out, &t, 0, 1, 3000000, NULL);
	pcapng_tcp_data(&out, &t, 0, (const unsigned char *)"late", 4, 3000000,
	    NULL);
	pcapng_tcp_open(&out, &t, 0, 3000000, NULL);
	is_int(buf_len(&out), i, "%s: idempotent once closed", what);
out:
	buf_free(&out);
	buf_free(&rx[0]);
	buf_free(&rx[1]);
	buf_free(&s);
}

/* A call bigger than any packet is cut, and cut only as much as needed. */
static void
test_tcp_split(int family, size_t total)
{
	struct sockaddr_storage a, b;
	struct pcapng_tcp t;
	struct pkt *v = xcalloc(MAXPKT, sizeof *v);
	struct buf out = BUF_INIT, rx[2] = { BUF_INIT, BUF_INIT };
	unsigned char *data = xmalloc(total);
	uint32_t seq[2];
	size_t max = family == AF_INET ? 65495 : 65515, want;
	const char *what = family == AF_INET ? "split4" : "split6";
	int n, i, segs = 0, bad = 0;

	fill_random(data, total);
	if (family == AF_INET) {
		a = sa4("10.1.2.3", 1234);
		b = sa4("192.168.9.8", 80);
	} else {
		a = sa6("2001:db8::1", 1234);
		b = sa6("2001:db8::2", 80);
	}
	pcapng_tcp_init(&t, SA(a), SA(b), 99);
	/* Sequence numbers that wrap inside the transfer. */
	t.next_seq[0] = 0xffff0000U;
	seq[0] = t.next_seq[0];
	seq[1] = t.next_seq[1];
	pcapng_tcp_open(&out, &t, 0, 5, NULL);
	pcapng_tcp_data(&out, &t, 0, data, total, 6, NULL);
	n = packets(&out, v, MAXPKT, what);
	if (n < 0)
		goto out;
	check_tcp(v, n, &t, seq, rx, what);
	for (i = 0; i < n; i++) {
		if (v[i].dlen == 0)
			continue;
		segs++;
		if (v[i].dlen > max || v[i].iplen - (family == AF_INET ?
		    0 : 40) > 65535)
			bad++;
	}
	is_int(bad, 0, "%s: every segment fits one IP packet", what);
	want = (total + max - 1) / max;
	is_int(segs, want, "%s: %zu bytes in %zu segments", what, total, want);
	ok(v[3].dlen == max, "%s: segments are as full as they can be", what);
	ok(buf_len(&rx[0]) == total &&
	    memcmp(buf_peek(&rx[0]), data, total) == 0,
	    "%s: segments put together are the input", what);
	is_int(buf_len(&rx[1]), 0, "%s: nothing the other way", what);
	is_int(t.next_seq[0], (uint32_t)(0xffff0000U + 1 + total),
	    "%s: next seq wrapped around 2^32", what);
out:
	free(v);
	free(data);
	buf_free(&out);
	buf_free(&rx[0]);
	buf_free(&rx[1]);
}

/* Data, close and reset before any open still give a well-formed flow. */
static void
test_tcp_implicit(void)
{
	struct sockaddr_storage a = sa4("127.0.0.1", 40001);
	struct sockaddr_storage b = sa4("127.0.0.1", 5555);
	struct pcapng_tcp t;
	struct pkt v[16];
	struct buf out = BUF_INIT, rx[2] = { BUF_INIT, BUF_INIT }, s = BUF_INIT;
	uint32_t seq[2];
	int n;

	pcapng_tcp_init(&t, SA(a), SA(b), 1);
	pcapng_tcp_data(&out, &t, 1, NULL, 0, 1, NULL);
	ok(buf_len(&out) == 0 && !t.opened,
	    "implicit: a zero-length call writes nothing, opens nothing");
	seq[0] = t.next_seq[0];
	seq[1] = t.next_seq[1];
	pcapng_tcp_data(&out, &t, 1, (const unsigned char *)"220 hi\r\n", 8,
	    2, NULL);
	pcapng_tcp_close(&out, &t, 1, 1, 3, NULL);
	n = packets(&out, v, 16, "implicit");
	if (n >= 0) {
		flagstr(v, n, &s);
		is_str(buf_cstr(&s), "S SA A PA A RA",
		    "implicit: data opens first, reset is one RST|ACK");
		ok(v[0].sport == 40001, "implicit: dir 0 initiates");
		check_tcp(v, n, &t, seq, rx, "implicit");
		is_mem(buf_peek(&rx[1]), buf_len(&rx[1]), "220 hi\r\n", 8,
		    "implicit: b -> a payload");
	}

	buf_reset(&out);
	pcapng_tcp_init(&t, SA(a), SA(b), 2);
	pcapng_tcp_close(&out, &t, 1, 0, 4, NULL);
	n = packets(&out, v, 16, "implicit close");
	if (n >= 0) {
		flagstr(v, n, &s);
		is_str(buf_cstr(&s), "S SA A FA FA A",
		    "implicit: close before open");
		ok(v[0].sport == 40001 && v[3].sport == 5555,
		    "implicit: opened by a, FIN first from dir 1");
	}
	buf_free(&out);
	buf_free(&rx[0]);
	buf_free(&rx[1]);
	buf_free(&s);
}

/* A v4-mapped pair is IPv4 on the wire; unusable addresses write nothing. */
static void
test_addresses(void)
{
	struct sockaddr_storage a = sa6("::ffff:127.0.0.1", 40000);
	struct sockaddr_storage b = sa6("::ffff:10.0.0.7", 5555);
	struct sockaddr_storage c = sa4("127.0.0.1", 1);
	struct sockaddr_storage u;
	struct pcapng_tcp t;
	struct pkt v[8];
	struct buf out = BUF_INIT;
	int n;

	pcapng_tcp_init(&t, SA(a), SA(b), 3);
	pcapng_tcp_open(&out, &t, 0, 1, NULL);
	n = packets(&out, v, 8, "mapped");
	ok(n == 3 && v[0].family == AF_INET && v[0].ip_ok && v[0].l4_ok &&
	    memcmp(v[0].dst, "\x0a\x00\x00\x07", 4) == 0,
	    "mapped: IPv4-mapped addresses give IPv4 packets");

	buf_reset(&out);
	pcapng_udp(&out, SA(a), SA(b), (const unsigned char *)"x", 1, 1, NULL);
	n = packets(&out, v, 8, "mapped udp");
	ok(n == 1 && v[0].family == AF_INET && v[0].l4_ok,
	    "mapped: likewise for UDP");

	buf_reset(&out);
	memset(&u, 0, sizeof u);
	u.ss_family = AF_UNIX;
	pcapng_udp(&out, SA(u), SA(u), (const unsigned char *)"x", 1, 1, NULL);
	b = sa6("::1", 2);
	pcapng_udp(&out, SA(c), SA(b), (const unsigned char *)"x", 1, 1, NULL);
	pcapng_tcp_init(&t, SA(u), SA(u), 3);
	pcapng_tcp_data(&out, &t, 0, (const unsigned char *)"x", 1, 1, NULL);
	pcapng_tcp_close(&out, &t, 0, 0, 1, NULL);
	is_int(buf_len(&out), 0, "addresses: AF_UNIX or mixed families write "
	    "nothing");
	buf_free(&out);
}

static void
test_udp(int family)
{
	struct sockaddr_storage a, b;
	struct pkt v[8];
	struct buf out = BUF_INIT;
	unsigned char *big = xmalloc(70000), two[2] = { 0, 0 };
	const char *what = family == AF_INET ? "udp4" : "udp6";
	size_t max = family == AF_INET ? 65507 : 65527;
	uint32_t ck;
	int n;

	if (family == AF_INET) {
		a = sa4("127.0.0.1", 5353);
		b = sa4("127.0.0.1", 9999);
	} else {
		a = sa6("::1", 5353);
		b = sa6("::1", 9999);
	}
	fill_random(big, 70000);
	pcapng_udp(&out, SA(a), SA(b), (const unsigned char *)"ping", 4, 10,
	    "session 4");
	pcapng_udp(&out, SA(b), SA(a), NULL, 0, 11, NULL);
	pcapng_udp(&out, SA(a), SA(b), big, 70000, 12, NULL);
	n = packets(&out, v, 8, what);
	if (n == 3) {
		ok(v[0].ip_ok && v[1].ip_ok && v[2].ip_ok,
		    "%s: IP headers (checksum 0, lengths)", what);
		ok(v[0].l4_ok && v[1].l4_ok && v[2].l4_ok,
		    "%s: UDP length and checksum over the pseudo-header", what);
		ok(v[0].proto == 17 && v[0].ttl == 64 && v[0].sport == 5353 &&
		    v[0].dport == 9999 && v[1].sport == 9999,
		    "%s: protocol, TTL, ports", what);
		is_mem(v[0].data, v[0].dlen, "ping", 4, "%s: payload", what);
		is_mem(v[0].comment, v[0].clen, "session 4", 9, "%s: comment",
		    what);
		ok(v[1].dlen == 0 && v[1].comment == NULL,
		    "%s: empty datagram, no comment", what);
		ok(v[2].dlen == max && memcmp(v[2].data, big, max) == 0,
		    "%s: oversized payload cut to %zu", what, max);
	} else
		ok(0, "%s: three datagrams (got %d)", what, n);

	/* Find the 2-byte payload whose sum is all ones: the computed
	 * checksum is then 0, which UDP must send as 0xffff. */
	buf_reset(&out);
	pcapng_udp(&out, SA(a), SA(b), two, 2, 13, NULL);
	n = packets(&out, v, 8, what);
	ck = n == 1 ? be16(v[0].data - 2) : 0;
	two[0] = (unsigned char)(ck >> 8);
	two[1] = (unsigned char)ck;
	buf_reset(&out);
	pcapng_udp(&out, SA(a), SA(b), two, 2, 13, NULL);
	n = packets(&out, v, 8, what);
	ok(n == 1 && be16(v[0].data - 2) == 0xffff && v[0].l4_ok,
	    "%s: a zero checksum is sent as 0xffff", what);
	free(big);
	buf_free(&out);
}

static void
test_tls_keys(void)
{
	static const char line[] = "CLIENT_RANDOM 0123 4567\n";
	struct buf out = BUF_INIT, log = BUF_INIT, got = BUF_INIT;
	struct blk k[16];
	const char *why = "";
	size_t len;
	int n, i, bad = 0;

	pcapng_tls_keys(&out, "ab\n", 3);
	n = walk(&out, k, 16, &why);
	ok(n == 1 && k[0].type == 0x0a && k[0].total == 24,
	    "dsb: one block, type 0x0A, padded length");
	if (n == 1) {
		is_int(le32(k[0].p + 8), 0x544c534b, "dsb: secrets type TLSK");
		is_int(le32(k[0].p + 12), 3, "dsb: secrets length");
		is_mem(k[0].p + 16, 4, "ab\n\0", 4,
		    "dsb: secrets, zero padding");
	}
	buf_reset(&out);
	pcapng_tls_keys(&out, "", 0);
	is_int(buf_len(&out), 0, "dsb: no keys, no block");

	while (buf_len(&log) < 200000)
		buf_append(&log, line, sizeof line - 1);
	pcapng_tls_keys(&out, (const char *)buf_peek(&log), buf_len(&log));
	n = walk(&out, k, 16, &why);
	ok(n > 1, "dsb: a large log takes several blocks (%d)", n);
	for (i = 0; i < n; i++) {
		len = le32(k[i].p + 12);
		if (k[i].type != 0x0a || len > 65536 ||
		    k[i].p[16 + len - 1] != '\n')
			bad++;
		buf_append(&got, k[i].p + 16, len);
	}
	ok(n > 1 && bad == 0, "dsb: blocks end at line ends, none too big");
	ok(buf_len(&got) == buf_len(&log) &&
	    memcmp(buf_peek(&got), buf_peek(&log), buf_len(&log)) == 0,
	    "dsb: blocks put together are the log");
	buf_free(&out);
	buf_free(&log);
	buf_free(&got);
}

static void
test_comments(void)
{
	struct sockaddr_storage a = sa4("127.0.0.1", 1);
	struct sockaddr_storage b = sa4("127.0.0.1", 2);
	struct buf out = BUF_INIT, c = BUF_INIT;
	struct pkt v[4];
	int n;

	/* A 3-byte character straddling the 65535-byte limit. */
	while (buf_len(&c) < 65534)
		buf_putc(&c, 'x');
	buf_puts(&c, "\xe2\x82\xac tail");
	pcapng_udp(&out, SA(a), SA(b), (const unsigned char *)"z", 1, 1,
	    buf_cstr(&c));
	pcapng_udp(&out, SA(a), SA(b), (const unsigned char *)"z", 1, 1, "");
	n = packets(&out, v, 4, "comment");
	ok(n == 2 && v[0].clen == 65534 && v[1].comment == NULL,
	    "comment: cut before a split character; empty means none");
	buf_free(&out);
	buf_free(&c);
}

/* A whole file, as the log writer will produce it, walks cleanly. */
static void
test_file(void)
{
	struct sockaddr_storage a = sa6("::1", 40000), b = sa6("::1", 443);
	struct pcapng_tcp t;
	struct buf out = BUF_INIT;
	struct blk k[32];
	const char *why = "";
	int n, i, aligned = 1;

	pcapng_header(&out, "socktool");
	pcapng_tls_keys(&out, "CLIENT_RANDOM a b\n", 18);
	pcapng_tcp_init(&t, SA(a), SA(b), 5);
	pcapng_tcp_data(&out, &t, 0, (const unsigned char *)"\x16\x03\x01", 3,
	    1, "session 2");
	pcapng_tcp_close(&out, &t, 1, 0, 2, "session 2");
	n = walk(&out, k, 32, &why);
	for (i = 0; i < n; i++)
		if ((k[i].p - buf_peek(&out)) % 4 != 0)
			aligned = 0;
	ok(n == 2 + 1 + 3 + 2 + 3 && k[0].type == 0x0a0d0d0a &&
	    k[1].type == 1 && k[2].type == 0x0a && k[3].type == 6 &&
	    k[n - 1].type == 6, "file: SHB, IDB, DSB, then packets (%s)", why);
	ok(aligned && buf_len(&out) % 4 == 0, "file: every block 4-aligned");
	buf_free(&out);
}

int
main(void)
{
	test_cksum();
	test_header();
	test_tcp_small(AF_INET);
	test_tcp_small(AF_INET6);
	test_tcp_split(AF_INET, 200000);
	test_tcp_split(AF_INET6, 200000);
	test_tcp_split(AF_INET, 65495 * 3);
	test_tcp_implicit();
	test_addresses();
	test_udp(AF_INET);
	test_udp(AF_INET6);
	test_tls_keys();
	test_comments();
	test_file();
	return done_testing();
}
