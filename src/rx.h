/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rx.h — PCRE2 reply rules (SPEC §3.13 `set ID reply /REGEX/[isx] =>
 * RESPONSE`): a pattern compiled once, matched on the bytes of a message,
 * and a response template whose \1..\9 and ${name} are the captures.  No
 * I/O; the expansion is a pure function of the template and the match. */
#ifndef SOCKTOOL_RX_H
#define SOCKTOOL_RX_H

#include <stddef.h>

#include "buf.h"

struct rx;			/* a compiled /REGEX/flags */

/* Greatest capture number a template may name (\1..\9, and ${name}s). */
#define RX_GROUPS_MAX	99

/*
 * Whether s[0..n) has the form /REGEX/FLAGS: a slash, then anything up to
 * the last slash, then only flag letters.  *re_len (the length of REGEX)
 * and *flags (the offset of FLAGS) are set when it has.
 */
int	rx_is_regex(const char *s, size_t n, size_t *re_len, size_t *flags);

/*
 * Compile "/REGEX/FLAGS" (8-bit, not UTF: every byte is one character;
 * flags i caseless, s dot matches every byte, x extended).  0 with *out
 * set (rx_unref() it), or -1 with one error: PCRE2's message and the
 * offset in REGEX ("missing closing parenthesis at offset 4"), or an
 * unknown flag.
 */
int	rx_compile(const char *s, size_t n, struct rx **out, char *err,
	    size_t errlen);
struct rx *rx_ref(struct rx *);
void	rx_unref(struct rx *);

/* The number of a named group of r, or -1 when it has none of that name. */
int	rx_group_number(const struct rx *r, const char *name, size_t len);
/* The number of capturing groups of r. */
int	rx_group_count(const struct rx *r);

/*
 * Match r anywhere in p[0..n).  1 with ov[0..2*(groups+1)) the start and
 * end offsets of the match and of each group (an unset group: both
 * (size_t)-1), 0 when it does not match (or runs past the match limit, so
 * that a pathological pattern cannot stall the loop).  nov is the room in
 * ov, in offsets; groups beyond it are left out.
 */
int	rx_match(struct rx *r, const unsigned char *p, size_t n, size_t *ov,
	    size_t nov);

/*
 * A response template: literal bytes and capture references.  Built by
 * rx_tmpl_parse(), expanded by rx_expand().
 */
struct rx_piece {
	int		 group;		/* -1: literal bytes */
	size_t		 off, len;	/* of the literal, in bytes */
};
struct rx_tmpl {
	struct buf	 lit;		/* every literal, back to back */
	struct rx_piece	*piece;
	size_t		 n;
};

/*
 * Parse RESPONSE text: C escapes as send TEXT takes them (codec_unescape),
 * plus \1..\9 (a capture), ${name} (a named capture; names looked up with
 * r, which may be NULL in a plain rule, where any reference is an error)
 * and \$ (a literal dollar sign).  A "hex:" response is hex bytes with no
 * references.  0, or -1 with one error (the template emptied).
 */
int	rx_tmpl_parse(const char *s, size_t n, const struct rx *r,
	    struct rx_tmpl *t, char *err, size_t errlen);
void	rx_tmpl_free(struct rx_tmpl *t);
/* Whether t names any capture. */
int	rx_tmpl_has_refs(const struct rx_tmpl *t);

/*
 * Append the response for a match to out: literals as they are, and each
 * reference as the bytes of subject that group matched (ov as rx_match()
 * sets it, nov offsets; an unset or absent group is empty).  With
 * brace_escape, every "{" taken from the subject is doubled, so that a
 * --fill template made of the result expands captured bytes as themselves.
 */
void	rx_expand(const struct rx_tmpl *t, const unsigned char *subject,
	    const size_t *ov, size_t nov, int brace_escape, struct buf *out);

#endif
