/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rx.c — TAP unit tests for src/rx.c: /REGEX/flags recognised and
 * compiled (PCRE2's errors), matches on binary bytes, and the response
 * template: \1..\9, ${name}, \$, escapes, hex:, and its pure expansion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rx.h"
#include "tap.h"

#define S(s)	(s), (sizeof(s) - 1)
#define NOV	(2 * (RX_GROUPS_MAX + 1))

/* Compile re, match subject, expand resp: the answer, or NULL. */
static int
answer(const char *re, const char *resp, const void *subj, size_t sn,
    int brace, struct buf *out)
{
	struct rx *r = NULL;
	struct rx_tmpl t;
	size_t ov[NOV];
	char err[200];
	int m;

	buf_reset(out);
	if (rx_compile(re, strlen(re), &r, err, sizeof err) == -1) {
		printf("# compile %s: %s\n", re, err);
		return -1;
	}
	if (rx_tmpl_parse(resp, strlen(resp), r, &t, err, sizeof err) == -1) {
		printf("# template %s: %s\n", resp, err);
		rx_unref(r);
		return -1;
	}
	m = rx_match(r, subj, sn, ov, NOV);
	if (m)
		rx_expand(&t, subj, ov, NOV, brace, out);
	rx_tmpl_free(&t);
	rx_unref(r);
	return m;
}

static void
test_is_regex(void)
{
	size_t rl, fl;

	ok(rx_is_regex(S("/ab/"), &rl, &fl) && rl == 2 && fl == 4,
	    "/ab/ is a regex");
	ok(rx_is_regex(S("/a/b/ix"), &rl, &fl) && rl == 3 && fl == 5,
	    "the last slash ends it, flags after");
	ok(!rx_is_regex(S("/status"), &rl, &fl), "/status is not");
	ok(!rx_is_regex(S("ab/"), &rl, &fl), "no opening slash: not");
	ok(!rx_is_regex(S("/"), &rl, &fl), "one slash: not");
	ok(!rx_is_regex(S("/a/B"), &rl, &fl), "upper case after: not");
}

static void
test_compile_errors(void)
{
	struct rx *r = NULL;
	char err[200];

	ok(rx_compile(S("/a(b/"), &r, err, sizeof err) == -1 &&
	    strstr(err, "missing closing parenthesis") != NULL &&
	    strstr(err, "at offset 3") != NULL,
	    "unbalanced parenthesis: PCRE2's message and offset (%s)", err);
	ok(rx_compile(S("/[a/"), &r, err, sizeof err) == -1 &&
	    strstr(err, "offset") != NULL, "unclosed class (%s)", err);
	ok(rx_compile(S("/a/q"), &r, err, sizeof err) == -1 &&
	    strstr(err, "'q'") != NULL, "unknown flag named (%s)", err);
	ok(rx_compile(S("//"), &r, err, sizeof err) == -1,
	    "empty regex refused");
	ok(rx_compile(S("abc"), &r, err, sizeof err) == -1,
	    "not /.../ refused");
	ok(r == NULL, "nothing made on errors");
}

static void
test_captures(void)
{
	struct buf b = BUF_INIT;

	ok(answer("/(\\w+) (\\w+)/", "\\2 \\1!", S("hello world\n"), 0,
	    &b) == 1, "numbered captures match");
	is_mem(buf_peek(&b), buf_len(&b),
	    "world hello!", sizeof "world hello!" - 1, "\\2 \\1");
	ok(answer("/(?<dev>[0-9]+)/", "id=${dev}\\r\\n", S("unit 42 up"), 0,
	    &b) == 1, "named capture matches");
	is_mem(buf_peek(&b), buf_len(&b),
	    "id=42\r\n", sizeof "id=42\r\n" - 1, "${dev} and escapes");
	ok(answer("/PING/i", "pong \\$1 ${x", S("ping"), 0, &b) == 1,
	    "i: caseless");
	is_mem(buf_peek(&b), buf_len(&b),
	    "pong $1 ${x", sizeof "pong $1 ${x" - 1,
	    "\\$ is a dollar; ${ unterminated is literal");
	ok(answer("/nomatch/", "x", S("abc"), 0, &b) == 0, "no match: 0");
	ok(answer("/a(x)?b/", "[\\1]", S("ab"), 0, &b) == 1,
	    "optional group unset");
	is_mem(buf_peek(&b), buf_len(&b),
	    "[]", sizeof "[]" - 1, "an unset group is empty");
	buf_free(&b);
}

static void
test_binary(void)
{
	static const unsigned char req[] = { 0x01, 0x03, 0x00, 0x0a, 0x00,
	    0x02, 0x00, 0xff };
	static const unsigned char want[] = { 0x01, 0x03, 0x04, 0x00, 0x0a,
	    0x00, 0x02 };
	static const unsigned char nul[] = { 'a', 0, 'b', 0, 'c' };
	struct buf b = BUF_INIT;

	ok(answer("/^\\x01\\x03(..)(..)/s", "\\x01\\x03\\x04\\1\\2", req,
	    sizeof req, 0, &b) == 1, "binary request matches (s: 0a too)");
	is_mem(buf_peek(&b), buf_len(&b), want, sizeof want,
	    "register bytes copied, 0a included");
	ok(answer("/^\\x01\\x03(..)(..)/", "x", req, sizeof req, 0, &b) == 0,
	    "without s, . does not match 0a (PCRE2's rule)");
	ok(answer("/a\\x00(b)\\x00/", "<\\1\\0>", nul, sizeof nul, 0, &b) == 1,
	    "NUL bytes in the subject and the pattern");
	is_mem(buf_peek(&b), buf_len(&b), "<b\0>", 4, "NUL in the answer");
	ok(answer("/\\xff/", "hit", (const unsigned char *)"\xff", 1, 0,
	    &b) == 1, "a byte above 7f is one character (not UTF)");
	ok(answer("/(\\xc3)/", "\\1", (const unsigned char *)"\xc3\x28", 2, 0,
	    &b) == 1 && buf_len(&b) == 1,
	    "invalid UTF-8 is just bytes");
	buf_free(&b);
}

static void
test_template(void)
{
	struct rx *r = NULL;
	struct rx_tmpl t;
	struct buf b = BUF_INIT;
	size_t ov[NOV];
	char err[200];

	rx_compile(S("/(a)(?<n>b)/"), &r, err, sizeof err);
	ok(rx_group_count(r) == 2, "two groups");
	ok(rx_group_number(r, S("n")) == 2, "${n} is group 2");
	ok(rx_group_number(r, S("m")) == -1, "no ${m}");
	ok(rx_tmpl_parse(S("\\3"), r, &t, err, sizeof err) == -1 &&
	    strstr(err, "\\3") != NULL, "\\3 with two groups: %s", err);
	ok(rx_tmpl_parse(S("${zz}"), r, &t, err, sizeof err) == -1 &&
	    strstr(err, "${zz}") != NULL, "unknown name: %s", err);
	ok(rx_tmpl_parse(S("ok \\q"), r, &t, err, sizeof err) == -1 &&
	    strstr(err, "position 4") != NULL,
	    "bad escape: position in the text as written: %s", err);
	ok(rx_tmpl_parse(S("\\1 \\q"), r, &t, err, sizeof err) == -1 &&
	    strstr(err, "position 4") != NULL,
	    "after a reference too: %s", err);
	ok(rx_tmpl_parse(S("\\1"), NULL, &t, err, sizeof err) == -1,
	    "a reference with no pattern is an error");
	ok(rx_tmpl_parse(S("hex:01 02 0a"), r, &t, err, sizeof err) == 0 &&
	    !rx_tmpl_has_refs(&t), "hex: response, no references");
	rx_expand(&t, NULL, NULL, 0, 0, &b);
	is_mem(buf_peek(&b), buf_len(&b), "\x01\x02\x0a", 3, "hex bytes");
	rx_tmpl_free(&t);

	/* Braces from the subject doubled for --fill, the template's not. */
	ok(rx_tmpl_parse(S("{seq}\\1"), r, &t, err, sizeof err) == 0 &&
	    rx_tmpl_has_refs(&t), "template with a placeholder and \\1");
	ov[0] = 0; ov[1] = 3; ov[2] = 0; ov[3] = 3;
	ov[4] = ov[5] = (size_t)-1;
	buf_reset(&b);
	rx_expand(&t, (const unsigned char *)"{x}", ov, 6, 1, &b);
	is_mem(buf_peek(&b), buf_len(&b), "{seq}{{x}", sizeof "{seq}{{x}" - 1,
	    "brace_escape doubles the captured brace only");
	buf_reset(&b);
	rx_expand(&t, (const unsigned char *)"{x}", ov, 6, 0, &b);
	is_mem(buf_peek(&b), buf_len(&b),
	    "{seq}{x}", sizeof "{seq}{x}" - 1, "else as it is");
	buf_reset(&b);
	rx_expand(&t, (const unsigned char *)"{x}", ov, 2, 0, &b);
	is_mem(buf_peek(&b), buf_len(&b), "{seq}", sizeof "{seq}" - 1,
	    "a group beyond the offsets given is empty");
	rx_tmpl_free(&t);
	rx_unref(r);
	buf_free(&b);
}

static void
test_limits(void)
{
	struct rx *r = NULL;
	char err[200], *s;
	size_t ov[NOV], n = 4000;

	/* Catastrophic backtracking stops at the match limit: no match. */
	ok(rx_compile(S("/(a+)+$/"), &r, err, sizeof err) == 0, "compiles");
	s = malloc(n);
	memset(s, 'a', n - 1);
	s[n - 1] = 'b';
	ok(rx_match(r, (unsigned char *)s, n, ov, NOV) == 0,
	    "a pathological match gives up as no match");
	free(s);
	rx_unref(rx_ref(r));
	ok(rx_match(r, (const unsigned char *)"aa", 2, ov, NOV) == 1 &&
	    ov[0] == 0 && ov[1] == 2, "a reference kept it alive");
	rx_unref(r);
}

int
main(void)
{
	test_is_regex();
	test_compile_errors();
	test_captures();
	test_binary();
	test_template();
	test_limits();
	return done_testing();
}
