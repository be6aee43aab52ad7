/* SPDX-License-Identifier: GPL-3.0-or-later */
/* enc.h — character encodings through iconv: received text decoded from a
 * session's encoding for display, typed text encoded to it for sending. */
#ifndef SOCKTOOL_ENC_H
#define SOCKTOOL_ENC_H

#include <stddef.h>

#include "buf.h"

/* Is name UTF-8 (no conversion needed)? */
int	enc_is_utf8(const char *name);
/* Can iconv convert between name and UTF-8?  0 or -1. */
int	enc_check(const char *name);
/* Decode p from name into UTF-8.  A byte that does not decode is copied
 * as is, so it shows up as \xHH later (it can never join what follows into
 * a valid UTF-8 sequence). */
void	enc_to_utf8(const char *name, const unsigned char *p, size_t n,
	    struct buf *out);
/* The longest incomplete character kept for the next piece of a stream
 * (GB18030 and UTF-8 need 4; stateful encodings' escapes a few more). */
#define ENC_TAIL_MAX	8
/* The same, but an incomplete character at the end of p (at most
 * ENC_TAIL_MAX bytes) is not decoded: returns its length, for the caller
 * to put before the next piece. */
size_t	enc_to_utf8_part(const char *name, const unsigned char *p, size_t n,
	    struct buf *out);
/* Does p decode from name with no invalid sequence (one cut at the end
 * allowed)?  1 or 0 (an unknown name: 0); the text goes to out. */
int	enc_decodes(const char *name, const unsigned char *p, size_t n,
	    struct buf *out);
/* Encode UTF-8 text to name; -1 with err naming the first character that
 * has no representation. */
int	enc_from_utf8(const char *name, const unsigned char *p, size_t n,
	    struct buf *out, char *err, size_t errlen);
void	enc_cleanup(void);

#endif
