/* SPDX-License-Identifier: GPL-3.0-or-later */
/* differ.h — the record/replay differ (SPEC §3.13, §9): an answer received
 * compared with the one recorded.  Pure: no I/O, no clock. */
#ifndef SOCKTOOL_DIFFER_H
#define SOCKTOOL_DIFFER_H

#include <stddef.h>

#include "buf.h"

struct differ {
	int	 same;		/* byte for byte */
	size_t	 off;		/* first differing offset (from 0), or where
				 * the shorter one ends */
	int	 changed;	/* a byte differs at off (not only a length) */
	size_t	 missing;	/* recorded bytes that did not come */
	size_t	 extra;		/* bytes that came beyond the recorded */
};

/* Compare the recorded want[0..wn) with the received got[0..gn). */
void	differ_run(const unsigned char *want, size_t wn,
	    const unsigned char *got, size_t gn, struct differ *d);

/* Whether got[0..gn) is still on its way to want: a prefix of it. */
int	differ_is_prefix(const unsigned char *want, size_t wn,
	    const unsigned char *got, size_t gn);

/*
 * One line for a difference, terminal-safe (bytes escaped, at most
 * DIFFER_SHOW of each side from the offset, "..." when cut):
 *   changed at offset 3: expected "TWO\n", received "TWO!\n"
 *   missing 4 bytes from offset 2: "O\r\n"
 *   2 extra bytes from offset 4: "!!"
 * nothing for the same bytes.
 */
#define DIFFER_SHOW	32
void	differ_describe(const struct differ *d, const unsigned char *want,
	    size_t wn, const unsigned char *got, size_t gn, struct buf *out);

#endif
