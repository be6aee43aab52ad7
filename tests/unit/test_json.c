/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_json.c — TAP unit tests for src/json.c: objects, arrays, nesting,
 * nulls and numbers, escaping of keys and values, and the "ts" stamp. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "tap.h"

/* The object without its "ts" (the clock's), as text. */
static const char *
body(struct buf *out)
{
	const char *s = buf_cstr(out), *e = strstr(s, ",\"event\":");

	return e != NULL ? e : s;
}

int
main(void)
{
	struct buf out = BUF_INIT;
	struct json j;
	const char *s;

	j_begin(&j, "result");
	j_finish(&j, &out);
	s = buf_cstr(&out);
	ok(strncmp(s, "{\"ts\":\"", 7) == 0 && s[7 + 4] == '-' &&
	    strstr(s, "Z\",\"event\":\"result\"}\n") != NULL,
	    "an object starts with ts (RFC 3339, UTC) and the event: %s", s);

	buf_reset(&out);
	j_begin(&j, "x");
	j_str(&j, "s", "a\"b\\c\n\x01");
	j_str(&j, "nul", NULL);
	j_u64(&j, "u", UINT64_MAX);
	j_int(&j, "i", INT64_MIN);
	j_bool(&j, "t", 1);
	j_bool(&j, "f", 0);
	j_strn(&j, "n", "abc", 2);
	j_finish(&j, &out);
	is_str(body(&out), ",\"event\":\"x\",\"s\":\"a\\\"b\\\\c\\n\\u0001\","
	    "\"nul\":null,\"u\":18446744073709551615,"
	    "\"i\":-9223372036854775808,\"t\":true,\"f\":false,\"n\":\"ab\"}\n",
	    "strings escaped, null, the extreme numbers, booleans, a length");

	buf_reset(&out);
	j_begin(&j, "nest");
	j_obj(&j, "o");
	j_u64(&j, "a", 1);
	j_obj(&j, "in");
	j_close_obj(&j);
	j_close_obj(&j);
	j_arr(&j, "v");
	j_u64(&j, NULL, 1);
	j_str(&j, NULL, "two");
	j_obj(&j, NULL);
	j_null(&j, "z");
	j_close_obj(&j);
	j_arr(&j, NULL);
	j_close_arr(&j);
	j_close_arr(&j);
	j_u64(&j, "after", 0);
	j_finish(&j, &out);
	is_str(body(&out), ",\"event\":\"nest\",\"o\":{\"a\":1,\"in\":{}},"
	    "\"v\":[1,\"two\",{\"z\":null},[]],\"after\":0}\n",
	    "objects and arrays nest, commas in the right places");

	/* j_key(NULL) separates an array element written by hand. */
	buf_reset(&out);
	j_begin(&j, "raw");
	j_arr(&j, "v");
	j_key(&j, NULL);
	buf_puts(&j.b, "7");
	j_key(&j, NULL);
	buf_puts(&j.b, "8");
	j_close_arr(&j);
	j_finish(&j, &out);
	is_str(body(&out), ",\"event\":\"raw\",\"v\":[7,8]}\n",
	    "j_key(NULL) before each element written by hand");

	buf_reset(&out);
	j_begin(&j, "k\"ey");
	j_str(&j, "we\"ird\n", "v");
	j_finish(&j, &out);
	is_str(body(&out), ",\"event\":\"k\\\"ey\",\"we\\\"ird\\n\":\"v\"}\n",
	    "keys and the event name are escaped too");
	buf_free(&out);
	return done_testing();
}
