/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pcapng.h — encoding socktool's traffic as a pcapng capture: synthetic
 * IPv4/IPv6 + TCP/UDP packets with real addresses, ports and times, correct
 * checksums and consistent TCP sequence numbers.  Pure: appends bytes to a
 * buffer, no I/O, no globals; unit-tested. */
#ifndef SOCKTOOL_PCAPNG_H
#define SOCKTOOL_PCAPNG_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Blocks are written little-endian whatever the host, so the same traffic
 * gives the same file everywhere (readers learn the order from the Section
 * Header's magic).  Timestamps are microseconds since the Unix epoch.
 *
 * A comment, unless NULL or empty, is attached (as opt_comment, UTF-8, cut
 * to 65535 bytes) to every packet the call writes, so a display filter on it
 * finds the whole exchange, handshake and ACKs included.
 *
 * Addresses: AF_INET or AF_INET6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
 * what a dual-stack socket reports for an IPv4 peer) is written as the IPv4
 * packet that was really on the wire.  Anything else (AF_UNIX, mixed
 * families) writes nothing: the caller decides how to show such traffic.
 */

/* Largest TCP payload in one packet: IPv4 total length and IPv6 payload
 * length are 16-bit fields; no IP or TCP options are written. */
#define PCAPNG_TCP_MAX4	(65535 - 20 - 20)
#define PCAPNG_TCP_MAX6	(65535 - 20)
/* Largest UDP payload, likewise. */
#define PCAPNG_UDP_MAX4	(65535 - 20 - 8)
#define PCAPNG_UDP_MAX6	(65535 - 8)

/* Section Header Block (shb_userappl = appname unless NULL) + one Interface
 * Description Block, linktype RAW (101: each packet starts with an IPv4 or
 * IPv6 header), microsecond timestamps.  Every packet written afterwards
 * refers to interface 0. */
void	pcapng_header(struct buf *out, const char *appname);

/* One TCP connection as seen on the wire.  a is one endpoint (the session's
 * local side), b the other; dir 0 is a -> b, dir 1 is b -> a.  Both
 * addresses have the same family (AF_INET or AF_INET6). */
struct pcapng_tcp {
	struct sockaddr_storage	a, b;
	uint32_t		next_seq[2];	/* next sequence number per dir */
	uint16_t		ip_id;
	int			opened, closed;
};

/* Init with addresses (copied, v4-mapped ones as AF_INET) and initial
 * sequence numbers derived from seed (deterministic). */
void	pcapng_tcp_init(struct pcapng_tcp *, const struct sockaddr *a,
	    const struct sockaddr *b, uint32_t seed);
/* Whether y is x seen from its other end (y's a is x's b and the other way
 * round, as written on the wire): the same connection, both ends of which
 * are being recorded. */
int	pcapng_tcp_mirrors(const struct pcapng_tcp *x,
	    const struct pcapng_tcp *y);
/* SYN from dir, SYN-ACK, ACK.  Nothing once opened. */
void	pcapng_tcp_open(struct buf *out, struct pcapng_tcp *, int dir,
	    uint64_t ts_us, const char *comment);
/* Data from dir: segments of at most PCAPNG_TCP_MAX4/6 bytes, each with
 * PSH|ACK, ack = the other side's next sequence number, and each answered by
 * a pure ACK from the other side (so the advertised window never fills, and
 * Wireshark sees every byte acknowledged).  n == 0 writes nothing; so does
 * any call once closed.  Before open, the connection is opened first (dir 0
 * initiating), so the stream is always well-formed. */
void	pcapng_tcp_data(struct buf *out, struct pcapng_tcp *, int dir,
	    const unsigned char *p, size_t n, uint64_t ts_us,
	    const char *comment);
/* FIN|ACK from dir answered by the other side's FIN|ACK and the last ACK; or,
 * with reset, one RST|ACK from dir.  Opens first if needed; idempotent once
 * closed. */
void	pcapng_tcp_close(struct buf *out, struct pcapng_tcp *, int dir,
	    int reset, uint64_t ts_us, const char *comment);

/* One UDP datagram src -> dst (same family), n <= PCAPNG_UDP_MAX4 (65507)
 * or PCAPNG_UDP_MAX6 (65527) bytes; longer payloads are cut to fit. */
void	pcapng_udp(struct buf *out, const struct sockaddr *src,
	    const struct sockaddr *dst, const unsigned char *p, size_t n,
	    uint64_t ts_us, const char *comment);

/* Decryption Secrets Block(s) carrying NSS key-log lines (TLS), to be
 * written ahead of the records they decrypt.  Large logs are split at line
 * ends over blocks of at most 64 KiB, since readers bound the size of one
 * block; n == 0 writes nothing. */
void	pcapng_tls_keys(struct buf *out, const char *keylog, size_t n);

/* Internet checksum (RFC 1071) over p[0..n), 16-bit words in network order,
 * an odd last byte padded with zero.  sum is a running ones'-complement sum
 * (0 to start); the result is the complemented value to store in a header,
 * and 0 when run over data that includes a correct checksum.  To chain over
 * pieces (each but the last of even length): pass (uint16_t)~previous. */
uint16_t pcapng_cksum(const void *p, size_t n, uint32_t sum);

#endif
