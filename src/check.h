/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check.h — checksums appended to sent messages and verified on received
 * ones (SPEC §3.9 --append, set ID check): pure, table-driven, no I/O. */
#ifndef SOCKTOOL_CHECK_H
#define SOCKTOOL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * The algorithms, with the catalogue check value (of "123456789") and the
 * byte order each puts on the wire by default:
 *   sum8          dd        sum of the bytes mod 256
 *   xor8          31        exclusive or of the bytes
 *   lrc           23        Modbus ASCII LRC: two's complement of sum8
 *   crc8          f4        CRC-8/SMBUS (poly 07, init 00)
 *   crc16-modbus  4b37  le  CRC-16/MODBUS (reflected 8005, init ffff)
 *   crc16-ccitt   29b1  be  CRC-16/CCITT-FALSE (1021, init ffff)
 *   crc16-xmodem  31c3  be  CRC-16/XMODEM (1021, init 0000)
 *   crc32         cbf43926  le  CRC-32 of Ethernet, zip, gzip (reflected
 *                 04c11db7, init and xorout ffffffff); little-endian as
 *                 Ethernet's FCS and zip/gzip store it (PNG, which stores it
 *                 big-endian, wants crc32:be)
 *   crc32c        e3069283  le  CRC-32C (Castagnoli), as iSCSI and SCTP
 *                 carry it
 */
enum check_algo {
	CK_SUM8,
	CK_XOR8,
	CK_LRC,
	CK_CRC8,
	CK_CRC16_MODBUS,
	CK_CRC16_CCITT,
	CK_CRC16_XMODEM,
	CK_CRC32,
	CK_CRC32C,
};

/* Only specs check_parse() produces are meaningful; any other is treated
 * as sum8 so that no input can index past a table. */
struct check_spec {
	int	algo;		/* enum check_algo */
	int	le;		/* wire order little-endian (always 0 for
				 * one-byte checksums) */
};

/* Longest checksum in bytes. */
#define CHECK_MAX_WIDTH	4

/*
 * A name from the table above, case-insensitive, optionally followed by
 * ":le" or ":be" to override the byte order of a multi-byte checksum
 * ("crc16-modbus:be").  One-byte checksums have no order, so a suffix on
 * them is an error.  0, or -1 with err (spec untouched; err never holds raw
 * control bytes).
 */
int		 check_parse(const char *s, struct check_spec *spec,
		    char *err, size_t errlen);
/* The inverse: the canonical lower-case name, with ":le"/":be" only when
 * the order differs from the algorithm's own, so that
 * check_parse(check_format(x)) == x. */
void		 check_format(const struct check_spec *spec,
		    struct buf *out);
/* The algorithm's name without any order suffix ("crc16-modbus"), for
 * messages such as "bad crc16-modbus: got 1a2b, want 3c4d". */
const char	*check_name(const struct check_spec *spec);
/* The i-th algorithm name (i from 0) for help and completion, NULL past the
 * last. */
const char	*check_name_at(size_t i);

/* Width of the checksum on the wire: 1, 2 or 4 bytes. */
size_t		 check_width(const struct check_spec *spec);
/* The checksum of p[0..n) as a number (its byte order on the wire does not
 * change it).  p may be NULL when n is 0. */
uint32_t	 check_compute(const struct check_spec *spec,
		    const unsigned char *p, size_t n);
/* Append the checksum of p[0..n) to out in wire order.  p may point into
 * out. */
void		 check_append(const struct check_spec *spec,
		    const unsigned char *p, size_t n, struct buf *out);
/*
 * A received message p[0..n) whose last check_width() bytes are the
 * checksum of the rest: 1 when they match, 0 when not, -1 when n is shorter
 * than the checksum.  got (read from the wire in the spec's order) and want
 * (computed) are set for 1 and 0; either may be NULL.
 */
int		 check_verify(const struct check_spec *spec,
		    const unsigned char *p, size_t n, uint32_t *got,
		    uint32_t *want);
/* A checksum value as lower-case hex of exactly 2 * width digits, its
 * bytes in wire order ("2b1a" for 0x1a2b little-endian), as got/want are
 * shown. */
void		 check_format_value(const struct check_spec *spec,
		    uint32_t v, struct buf *out);

#endif
