/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_out.c — unit tests for records: any number of fields and copies,
 * rendered whole as JSON and for people (no field is ever lost). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "buf.h"
#include "out.h"

#define NFIELDS	500
#define LONG	3000	/* longer than the whole inline arena */

/* The line printed, from "event" on: the timestamp before it varies. */
static const char *
after_ts(void)
{
	const char *s = buf_cstr(&out_main()->out), *e = strstr(s, ",\"event\":");

	return e != NULL ? e + 1 : "";
}

/* A string of n letters that says where it came from. */
static char *
long_string(size_t i, size_t n)
{
	char *s = malloc(n + 1);
	size_t k;

	for (k = 0; k < n; k++)
		s[k] = (char)('a' + (i + k) % 26);
	s[n] = '\0';
	return s;
}

static void
test_many_fields(void)
{
	struct rec r;
	struct buf want = BUF_INIT;
	char key[32], *v;
	size_t i;

	out_cfg.json = 1;
	buf_reset(&out_main()->out);
	rec_begin(&r, "result");
	buf_puts(&want, "\"event\":\"result\"");
	for (i = 0; i < NFIELDS; i++) {
		/* Keys made here, values copied, some of them long: neither
		 * may outlive this loop on their own. */
		snprintf(key, sizeof key, "k%zu", i);
		v = long_string(i, i % 7 == 0 ? LONG : i % 50);
		switch (i % 5) {
		case 0:
		case 1:
			rec_strcpy(&r, rec_copy(&r, key), v);
			buf_printf(&want, ",\"%s\":\"%s\"", key, v);
			break;
		case 2:
			rec_u64(&r, rec_copy(&r, key), i * 1000003u);
			buf_printf(&want, ",\"%s\":%zu", key, i * 1000003u);
			break;
		case 3:
			rec_bool(&r, rec_copy(&r, key), i & 8);
			buf_printf(&want, ",\"%s\":%s", key, i & 8 ? "true" :
			    "false");
			break;
		case 4:
			/* Objects open and close across the inline edge. */
			rec_obj(&r, rec_copy(&r, key));
			rec_strcpy(&r, "in", v);
			rec_str(&r, "null", NULL);
			rec_end(&r);
			buf_printf(&want, ",\"%s\":{\"in\":\"%s\",\"null\":null}",
			    key, v);
			break;
		}
		memset(v, 'X', strlen(v));	/* the record kept a copy */
		free(v);
	}
	buf_puts(&want, "}\n");
	ok(r.n > 3 * REC_INLINE, "%zu fields in one record", r.n);
	out_rec(&r, NULL);
	is_str(after_ts(), buf_cstr(&want),
	    "JSON of %d fields and long strings is whole", NFIELDS);
	ok(strncmp(buf_cstr(&out_main()->out), "{\"ts\":\"", 7) == 0,
	    "the line starts with ts");

	/* People: the template reaches a field far past the inline ones. */
	out_cfg.json = 0;
	buf_reset(&out_main()->out);
	out_rec(&r, "first {k2}, last {k497}, bool {k498}");
	is_str(buf_cstr(&out_main()->out),
	    "first 2000006, last 497001491, bool off\n",
	    "the template finds fields past the inline ones");
	rec_free(&r);
	ok(r.n == 0 && r.more == NULL && r.spill == NULL,
	    "rec_free leaves an empty record");
	buf_free(&want);
}

/* out_kv lists every labelled field, wherever it is kept. */
static void
test_kv(void)
{
	struct rec r;
	char key[32];
	size_t i;
	const char *s;

	out_cfg.json = 0;
	buf_reset(&out_main()->out);
	rec_begin(&r, "result");
	rec_u64(&r, "id", 7);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof key, "f%zu", i);
		rec_u64(&r, rec_copy(&r, key), i);
		rec_label(&r, rec_copy(&r, key), i == 1 ? "byte|bytes" : NULL);
	}
	out_kv(&r, "session {id}", NULL);
	s = buf_cstr(&out_main()->out);
	ok(strncmp(s, "session 7\n  f0         0\n  f1         1 byte\n",
	    43) == 0, "title and the first labels");
	ok(strstr(s, "\n  f99        99\n") != NULL, "the 100th label is shown");
	rec_free(&r);
}

/* A table's rows are records begun and freed by out_table: rows that
 * outgrow the inline room do not leak (checked under ASan). */
static void
big_row(size_t i, struct rec *r, void *arg)
{
	char key[32], *v;
	size_t k;

	(void)arg;
	rec_u64(r, "id", i);
	for (k = 0; k < 60; k++) {
		snprintf(key, sizeof key, "c%zu", k);
		v = long_string(k, k == 59 ? LONG : 3);
		rec_strcpy(r, rec_copy(r, key), v);
		free(v);
	}
}

static void
test_table(void)
{
	static const struct out_col cols[] = {
		{ .key = "id", .title = "ID", .right = 1 },
		{ .key = "c59", .title = "LAST", .fit = OUT_FIT_WRAP },
		{ .key = NULL }
	};
	struct buf joined = BUF_INIT;
	const char *nl;
	size_t widest = 0;
	struct rec head;
	const char *s;
	char *v = long_string(59, LONG);

	out_cfg.json = 1;
	buf_reset(&out_main()->out);
	rec_begin(&head, "result");
	rec_str(&head, "command", "t");
	out_table(&head, "rows", cols, 3, big_row, NULL, NULL);
	s = buf_cstr(&out_main()->out);
	ok(strstr(s, "\"c59\":\"") != NULL && strstr(s, v) != NULL &&
	    strcmp(s + strlen(s) - 4, "}]}\n") == 0,
	    "a table of long rows is whole in JSON");
	out_cfg.json = 0;
	buf_reset(&out_main()->out);
	out_table(&head, "rows", cols, 3, big_row, NULL, NULL);
	s = buf_cstr(&out_main()->out);
	/* Row 0's value, from its first line and the lines it goes on to. */
	for (s = strchr(s, '\n') + 1; (nl = strchr(s, '\n')) != NULL;
	    s = nl + 1) {
		if ((size_t)(nl - s) > widest)
			widest = (size_t)(nl - s);
		if (strncmp(s, " 1 ", 3) == 0)
			break;
		buf_append(&joined, s + 4, (size_t)(nl - s) - 4);
	}
	ok(strncmp(buf_cstr(&out_main()->out), "ID  LAST", 8) == 0 &&
	    strcmp(buf_cstr(&joined), v) == 0,
	    "and for people, wrapped whole");
	ok(widest <= OUT_WIDTH_DEFAULT, "in lines of at most %d columns (%zu)",
	    OUT_WIDTH_DEFAULT, widest);
	buf_free(&joined);
	buf_reset(&out_main()->out);
	out_rows(&head, "rows", 2, big_row, NULL, "{id} {c58} {c59}");
	ok(strstr(buf_cstr(&out_main()->out), "1 ghi ") != NULL,
	    "out_rows renders fields past the inline ones");
	rec_free(&head);
	free(v);
}

static void
test_wrap(void)
{
	struct buf b = BUF_INIT;

	out_wrap("display text, show-sent on, timestamps off", 42, 30, &b);
	is_str(buf_cstr(&b), "display text, show-sent on,\ntimestamps off\n",
	    "out_wrap breaks between list items");
	buf_reset(&b);
	out_wrap("tls listener, certificate CN=x", 30, 20, &b);
	is_str(buf_cstr(&b), "tls listener,\ncertificate CN=x\n",
	    "at the item boundary in the second half of the line");
	buf_reset(&b);
	out_wrap("ab, sha256 7E:5C:ED:B9:63:31", 28, 17, &b);
	is_str(buf_cstr(&b), "ab, sha256\n7E:5C:ED:B9:63:31\n",
	    "else at a blank");
	buf_reset(&b);
	out_wrap("7E:5C:ED:B9:63:31", 17, 10, &b);
	is_str(buf_cstr(&b), "7E:5C:ED:\nB9:63:31\n", "else after a colon");
	buf_reset(&b);
	out_wrap("UP,BROADCAST,RUNNING", 20, 14, &b);
	is_str(buf_cstr(&b), "UP,BROADCAST,\nRUNNING\n", "or a comma");
	buf_reset(&b);
	out_wrap("abcdefghij", 10, 4, &b);
	is_str(buf_cstr(&b), "abcd\nefgh\nij\n", "else anywhere");
	buf_reset(&b);
	out_wrap("\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96", 9, 4, &b);
	is_str(buf_cstr(&b), "\xe4\xbd\xa0\xe5\xa5\xbd\n\xe4\xb8\x96\n",
	    "wide characters count two columns and are never split");
	buf_reset(&b);
	out_wrap("short", 5, 80, &b);
	is_str(buf_cstr(&b), "short\n", "what fits is one line");
	buf_free(&b);
}

int
main(void)
{
	test_wrap();
	test_many_fields();
	test_kv();
	test_table();
	buf_free(&out_main()->out);
	return done_testing();
}
