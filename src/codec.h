/* SPDX-License-Identifier: GPL-3.0-or-later */
/* codec.h — pure conversions between raw bytes and the forms people type and
 * read: C escapes, hex, hexdump -C, terminal-safe text, JSON strings,
 * durations and numbers.  No I/O, no globals; unit-tested in tests/unit. */
#ifndef SOCKTOOL_CODEC_H
#define SOCKTOOL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Decode C-style escapes: \r \n \t \0 \\ \e \a \xHH \" ; every other byte is
 * copied as is.  Any other backslash sequence, a trailing lone backslash, or
 * \x without two hex digits is an error.  Returns 0, or -1 with a message
 * naming the 1-based position written into err (output partially appended).
 */
int	codec_unescape(const char *s, size_t n, struct buf *out,
	    char *err, size_t errlen);

/*
 * Parse hex bytes.  Accepted: "48 65 6c", "48656c", "0x48,0x65", "48:65:6c",
 * "48-65", "0x48, 0x65", mixtures.  Blanks (space, tab) may surround any
 * group; at most one ',', ':' or '-' stands between two groups, never at
 * either end ("48,,65", "48," and ",48" are errors).  Each group may start
 * with 0x/0X and must hold an even number of digits: single digits ("A B",
 * "0xA") are errors.  Errors name the 1-based position of the offending
 * character (for an odd count, the last digit, which has no partner).  Input
 * of blanks only, or empty, yields zero bytes and is not an error.
 */
int	codec_parse_hex(const char *s, size_t n, struct buf *out,
	    char *err, size_t errlen);

/*
 * Terminal-safe rendering of received bytes.  Printable ASCII as is (except
 * backslash, written "\\"); \r \n \t \0 \e \a as those escapes; every other
 * byte below 0x20, 0x7f and every byte not part of valid UTF-8 as \xHH.  Valid
 * UTF-8 sequences are kept, except C1 controls (U+0080..U+009F), bidi controls
 * (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069), line/paragraph
 * separators (U+2028, U+2029) and noncharacters, whose bytes are written as \xHH each.
 * With CODEC_BREAK_LF a real newline is emitted after each "\n" escape that
 * is not the last byte, so multi-line messages read as lines.
 * Without flags, codec_unescape(codec_escape(x)) == x for every x.
 */
#define CODEC_BREAK_LF	0x1
void	codec_escape(const unsigned char *p, size_t n, struct buf *out,
	    int flags);

/*
 * Columns of escaped text (valid UTF-8, as codec_escape writes it) on a
 * terminal: 2 for an East Asian wide or fullwidth character, 0 for a
 * combining mark, 1 for any other character.  codec_cols_head is the length
 * in bytes of the longest start of s that takes at most cols columns,
 * codec_cols_tail the offset where the longest such end begins; neither
 * splits a character.
 */
size_t	codec_cols(const char *s, size_t n);
size_t	codec_cols_head(const char *s, size_t n, size_t cols);
size_t	codec_cols_tail(const char *s, size_t n, size_t cols);

/*
 * hexdump -C layout: "00000000  48 65 6c 6c 6f 0d 0a 00  01 02 03 04 05 06 07 08  |Hello...........|\n"
 * One line per 16 bytes, no "*" folding of repeated lines, no trailing
 * offset-only line.  base is the offset printed for the first byte.
 */
void	codec_hexdump(const unsigned char *p, size_t n, uint64_t base,
	    struct buf *out);

/* Lower-case hex, no separators. */
void	codec_hex(const unsigned char *p, size_t n, struct buf *out);
/* The value of one hex digit (either case), or -1. */
int	codec_hexval(int c);

/*
 * Append a JSON string literal (with the quotes) for UTF-8 input.  Invalid
 * UTF-8 becomes U+FFFD; '"' '\\' and C0 controls use JSON escapes; DEL, C1
 * controls, bidi controls and U+2028/U+2029 are written as \uXXXX so nothing
 * raw can reach a terminal that displays the JSON.
 */
void	codec_json_str(const char *s, size_t n, struct buf *out);

/* Length (1..4) of the valid UTF-8 sequence starting at p, or 0. */
size_t	codec_utf8_len(const unsigned char *p, size_t n, uint32_t *cp);
/* Length (0..3) of the valid start of a UTF-8 sequence that p's last bytes
 * cut short: what the next piece of a stream may complete. */
size_t	codec_utf8_tail(const unsigned char *p, size_t n);
/* Is p all valid UTF-8? */
int	codec_utf8_valid(const unsigned char *p, size_t n);

/*
 * Durations: "250ms", "2s", "1.5s", "1m", "1h", bare number = seconds
 * ("0.25").  Result in milliseconds.  Negative, empty, trailing garbage or
 * more than 30 days is an error: -1.
 */
int	codec_parse_duration(const char *s, uint64_t *ms);

/* Decimal unsigned integer in [min, max]; no sign, no blanks: 0 or -1. */
int	codec_parse_uint(const char *s, uint64_t min, uint64_t max,
	    uint64_t *v);
/* A byte count with an optional k|m|g (binary: 1k = 1024): "64k". */
int	codec_parse_size(const char *s, uint64_t min, uint64_t max,
	    uint64_t *v);

/* Format a millisecond duration for people: "250ms", "1.5s", "2m3s". */
void	codec_fmt_duration(uint64_t ms, struct buf *out);

/* Format a byte count for people: "512 B", "1.5 KiB", "64.0 MiB". */
void	codec_fmt_bytes(uint64_t n, struct buf *out);

#endif
