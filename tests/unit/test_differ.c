/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_differ.c — TAP unit tests for src/differ.c: the same bytes, a
 * changed byte, missing and extra bytes, binary and long answers, and the
 * line that describes each. */
#include <string.h>

#include "buf.h"
#include "differ.h"
#include "tap.h"

#define B(s)	(const unsigned char *)(s), (sizeof(s) - 1)

static void
line(const char *w, size_t wn, const char *g, size_t gn, const char *want,
    const char *name)
{
	struct differ d;
	struct buf b = BUF_INIT;

	differ_run((const unsigned char *)w, wn, (const unsigned char *)g, gn,
	    &d);
	differ_describe(&d, (const unsigned char *)w, wn,
	    (const unsigned char *)g, gn, &b);
	is_str(buf_cstr(&b), want, "%s", name);
	buf_free(&b);
}

int
main(void)
{
	struct differ d;
	char big[100];

	differ_run(B("ONE\n"), B("ONE\n"), &d);
	ok(d.same && !d.changed && d.missing == 0 && d.extra == 0 &&
	    d.off == 4, "the same bytes");
	differ_run(B(""), B(""), &d);
	ok(d.same, "both empty: the same");
	differ_run(B("TWO\n"), B("TWO!\n"), &d);
	ok(!d.same && d.changed && d.off == 3 && d.extra == 1,
	    "changed at 3, one more");
	differ_run(B("abcd"), B("ab"), &d);
	ok(!d.same && !d.changed && d.off == 2 && d.missing == 2,
	    "a prefix: 2 missing from 2");
	differ_run(B("ab"), B("abcd"), &d);
	ok(!d.same && !d.changed && d.off == 2 && d.extra == 2,
	    "longer: 2 extra from 2");
	differ_run(B("\x00\x01\x02"), B("\x00\x01\x03"), &d);
	ok(d.changed && d.off == 2 && d.missing == 0 && d.extra == 0,
	    "binary: NUL bytes compared, not ended on");
	differ_run(B("x"), B(""), &d);
	ok(d.missing == 1 && d.off == 0, "nothing came: all missing");

	ok(differ_is_prefix(B("abc"), B("ab")), "ab is on its way to abc");
	ok(differ_is_prefix(B("abc"), B("")), "nothing yet is too");
	ok(!differ_is_prefix(B("abc"), B("ax")), "ax is not");
	ok(!differ_is_prefix(B("abc"), B("abcd")), "longer is not");

	line("TWO\n", 4, "TWO!\n", 5, "changed at offset 3: expected \"\\n\", "
	    "received \"!\\n\" (1 byte more)", "changed, described");
	line("abcd", 4, "ab", 2, "missing 2 bytes from offset 2: \"cd\"",
	    "missing, described");
	line("ab", 2, "abc", 3, "1 extra byte from offset 2: \"c\"",
	    "extra, described");
	line("\x1b[2J", 4, "\x1b[2K", 4, "changed at offset 3: expected "
	    "\"J\", received \"K\"", "escapes never raw");
	line("\x1b", 1, "", 0, "missing 1 byte from offset 0: \"\\e\"",
	    "a control byte escaped");
	line("same", 4, "same", 4, "", "nothing for the same");
	memset(big, 'a', sizeof big);
	{
		struct differ dd;
		struct buf b = BUF_INIT;

		differ_run((unsigned char *)big, 100, (unsigned char *)big, 10,
		    &dd);
		differ_describe(&dd, (unsigned char *)big, 100,
		    (unsigned char *)big, 10, &b);
		ok(strstr(buf_cstr(&b), "missing 90 bytes from offset 10") &&
		    strstr(buf_cstr(&b), "\"...") &&
		    buf_len(&b) < 100, "long bytes cut at DIFFER_SHOW: %s",
		    buf_cstr(&b));
		buf_free(&b);
	}
	return done_testing();
}
