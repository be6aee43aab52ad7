/* SPDX-License-Identifier: GPL-3.0-or-later */
/* differ.c — an answer received against the one recorded: where they part,
 * what is missing, what is extra, and one line that says so. */
#include <string.h>

#include "codec.h"
#include "differ.h"

void
differ_run(const unsigned char *want, size_t wn, const unsigned char *got,
    size_t gn, struct differ *d)
{
	size_t n = wn < gn ? wn : gn, i;

	memset(d, 0, sizeof *d);
	for (i = 0; i < n && want[i] == got[i]; i++)
		;
	d->off = i;
	d->changed = i < n;
	d->missing = wn > gn ? wn - gn : 0;
	d->extra = gn > wn ? gn - wn : 0;
	d->same = !d->changed && wn == gn;
}

int
differ_is_prefix(const unsigned char *want, size_t wn,
    const unsigned char *got, size_t gn)
{
	return gn <= wn && (gn == 0 || memcmp(want, got, gn) == 0);
}

/* "BYTES" from off, escaped, cut at DIFFER_SHOW. */
static void
differ_quote(const unsigned char *p, size_t n, size_t off, struct buf *out)
{
	size_t k = off < n ? n - off : 0;

	buf_putc(out, '"');
	codec_escape(p + (off < n ? off : n), k > DIFFER_SHOW ? DIFFER_SHOW :
	    k, out, 0);
	buf_putc(out, '"');
	if (k > DIFFER_SHOW)
		buf_puts(out, "...");
}

void
differ_describe(const struct differ *d, const unsigned char *want,
    size_t wn, const unsigned char *got, size_t gn, struct buf *out)
{
	if (d->same)
		return;
	if (d->changed) {
		buf_printf(out, "changed at offset %zu: expected ", d->off);
		differ_quote(want, wn, d->off, out);
		buf_puts(out, ", received ");
		differ_quote(got, gn, d->off, out);
		if (d->missing > 0)
			buf_printf(out, " (%zu byte%s short)", d->missing,
			    d->missing == 1 ? "" : "s");
		else if (d->extra > 0)
			buf_printf(out, " (%zu byte%s more)", d->extra,
			    d->extra == 1 ? "" : "s");
	} else if (d->missing > 0) {
		buf_printf(out, "missing %zu byte%s from offset %zu: ",
		    d->missing, d->missing == 1 ? "" : "s", d->off);
		differ_quote(want, wn, d->off, out);
	} else {
		buf_printf(out, "%zu extra byte%s from offset %zu: ", d->extra,
		    d->extra == 1 ? "" : "s", d->off);
		differ_quote(got, gn, d->off, out);
	}
}
