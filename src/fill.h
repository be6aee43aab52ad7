/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fill.h — placeholders in sent messages (SPEC §3.9 send --fill): a template
 * compiled once, expanded on every repeat.  Pure: no I/O, no clock, no
 * random source of its own. */
#ifndef SOCKTOOL_FILL_H
#define SOCKTOOL_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Placeholders (names are lower case):
 *   {seq}          the sequence number from the environment, decimal
 *   {time}         Unix time in seconds, decimal
 *   {time_ms}      Unix time in milliseconds, decimal
 *   {len}          length of the whole message in bytes, decimal: everything
 *                  fill_expand() appends (this field included) plus the
 *                  trailer the caller will add (a checksum)
 *   {iso}          the time as RFC 3339 UTC with milliseconds,
 *                  "2026-12-01T21:04:09.123Z"
 *   {rand:N}       N random bytes, 1 <= N <= FILL_RAND_MAX
 *   {{             a literal "{"
 * {seq}, {time}, {time_ms} and {len} take a format after a colon:
 *   :0W            decimal zero-padded to at least W digits, 1 <= W <= 20
 *                  ({seq:04} is 0007); a longer value is never cut
 *   :u8 :u16be :u16le :u32be :u32le :u64be :u64le
 *                  binary, that many bits in that byte order; a value too
 *                  big for the width keeps its low bits, as a counter wraps
 * A "}" outside a placeholder is an ordinary byte, and "}}" is two of
 * them: there is nothing it could be mistaken for, and binary data (sendhex)
 * holding 7d 7d must not be silently halved.
 */
#define FILL_RAND_MAX	1024

struct fill;			/* a compiled template */

struct fill_env {
	uint64_t	 seq;
	uint64_t	 now_ms;	/* milliseconds since the Unix epoch */
	/* Write n random bytes to p; called once per {rand:N}, in template
	 * order.  NULL gives zero bytes (tests, fuzzing). */
	void		(*rand)(void *arg, unsigned char *p, size_t n);
	void		*rand_arg;
};

/*
 * Compile tmpl[0..n), the bytes of the message after unescaping (send) or
 * hex decoding (sendhex).  Every placeholder is checked here, so expanding
 * cannot fail.  0 with *out set (free with fill_free()), or -1 with one error
 * naming the first bad placeholder: "unknown placeholder {foo}", "bad width
 * in {seq:0x}", "bad count in {rand:0} (1 to 1024 bytes)", "bad argument in
 * {iso:x}", "unterminated placeholder {seq".  Quoted template bytes are
 * escaped and cut short, so err never holds raw control bytes.
 */
int	fill_compile(const unsigned char *tmpl, size_t n, struct fill **out,
	    char *err, size_t errlen);
void	fill_free(struct fill *);

/*
 * sendhex --fill: turn hex text with placeholders among the bytes
 * ("01 03 {seq:u16be} 00 0a", "0x01,{len:u8},0x03") into a template for
 * fill_compile(), appended to tmpl.  The hex between placeholders is read
 * as codec_parse_hex() reads it, except that blanks and one separator next
 * to a placeholder belong to neither side; a decoded 7b byte becomes "{{"
 * so that it stays a byte.  Placeholders are copied unchecked (compiling
 * checks them).  0, or -1 with codec_parse_hex()'s error, whose positions
 * count from the start of s.
 */
int	fill_hex_template(const char *s, size_t n, struct buf *tmpl,
	    char *err, size_t errlen);

/*
 * Append the message for env to out; trailer is the number of bytes the
 * caller appends after it (check_width() of --append, else 0), counted by
 * {len}.  A decimal {len} is the fixed point of its own digits: a message
 * of 99 bytes that would reach 100 by growing a digit says 100.  Returns the
 * number of bytes appended (without the trailer).
 */
size_t	fill_expand(const struct fill *, const struct fill_env *env,
	    size_t trailer, struct buf *out);

/* Whether the expansion depends on env (seq, time or random bytes): one
 * that does not can be expanded once for all repeats. */
int	fill_varies(const struct fill *);

#endif
