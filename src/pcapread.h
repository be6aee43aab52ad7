/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pcapread.h — reading a packet capture back (a pcapng file, as `log
 * --format pcap` writes it or dumpcap and tshark do, or a classic pcap file
 * from tcpdump): the TCP and UDP packets over IPv4 and IPv6 in it, with
 * their addresses, ports, times and payloads.  Pure: no I/O, no globals;
 * any bytes give packets or one error, never a read past them. */
#ifndef SOCKTOOL_PCAPREAD_H
#define SOCKTOOL_PCAPREAD_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flags, as on the wire. */
#define PCAPR_FIN	0x01
#define PCAPR_SYN	0x02
#define PCAPR_RST	0x04
#define PCAPR_ACK	0x10

struct pcapr_pkt {
	uint64_t		 ts_us;		/* since the epoch */
	int			 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	struct sockaddr_storage	 src, dst;	/* with ports */
	uint32_t		 seq;		/* TCP */
	unsigned		 flags;		/* TCP: PCAPR_* */
	const unsigned char	*p;		/* the payload, in the file */
	size_t			 n;
	int			 cut;		/* captured shorter than sent */
};

/* Whether p starts as a capture does (a pcapng Section Header, or a pcap
 * file header in either byte order, micro- or nanosecond). */
int	pcapr_is_capture(const unsigned char *p, size_t n);

/*
 * Call fn for each TCP or UDP packet over IPv4 or IPv6 in the capture, in
 * file order; other packets (ARP, ICMP, IP fragments after the first, link
 * types other than Ethernet, raw IP, Linux cooked v1/v2, BSD loopback) are
 * passed over.  fn returns 0 to go on, or -1 to stop with err filled (then
 * this returns -1 too).  0 at the end, or -1 with err naming the problem
 * and where (the block's or record's offset in the file).
 */
typedef int (*pcapr_fn)(void *arg, const struct pcapr_pkt *, char *err,
	    size_t errlen);
int	pcapr_walk(const unsigned char *p, size_t n, pcapr_fn fn, void *arg,
	    char *err, size_t errlen);

#endif
