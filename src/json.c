/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json.c — the JSON object builder (see json.h): pure, it writes into a
 * buffer; out.c prints what it built. */
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "codec.h"
#include "json.h"

static void
j_sep(struct json *j, const char *key)
{
	if (j->comma)
		buf_putc(&j->b, ',');
	j->comma = 1;
	if (key != NULL) {
		codec_json_str(key, strlen(key), &j->b);
		buf_putc(&j->b, ':');
	}
}

void
j_begin(struct json *j, const char *event)
{
	buf_init(&j->b);
	j->comma = 0;
	buf_puts(&j->b, "{\"ts\":\"");
	clock_rfc3339(&j->b);
	buf_putc(&j->b, '"');
	j->comma = 1;
	j_str(j, "event", event);
}

void
j_key(struct json *j, const char *key)
{
	j_sep(j, key);
}

void
j_strn(struct json *j, const char *key, const char *v, size_t n)
{
	j_sep(j, key);
	codec_json_str(v, n, &j->b);
}

void
j_str(struct json *j, const char *key, const char *v)
{
	if (v == NULL) {
		j_null(j, key);
		return;
	}
	j_strn(j, key, v, strlen(v));
}

void
j_u64(struct json *j, const char *key, uint64_t v)
{
	j_sep(j, key);
	buf_printf(&j->b, "%llu", (unsigned long long)v);
}

void
j_int(struct json *j, const char *key, int64_t v)
{
	j_sep(j, key);
	buf_printf(&j->b, "%lld", (long long)v);
}

void
j_bool(struct json *j, const char *key, int v)
{
	j_sep(j, key);
	buf_puts(&j->b, v ? "true" : "false");
}

void
j_null(struct json *j, const char *key)
{
	j_sep(j, key);
	buf_puts(&j->b, "null");
}

void
j_obj(struct json *j, const char *key)
{
	j_sep(j, key);
	buf_putc(&j->b, '{');
	j->comma = 0;
}

void
j_arr(struct json *j, const char *key)
{
	j_sep(j, key);
	buf_putc(&j->b, '[');
	j->comma = 0;
}

void
j_close_obj(struct json *j)
{
	buf_putc(&j->b, '}');
	j->comma = 1;
}

void
j_close_arr(struct json *j)
{
	buf_putc(&j->b, ']');
	j->comma = 1;
}

void
j_finish(struct json *j, struct buf *dst)
{
	buf_puts(&j->b, "}\n");
	buf_append(dst, buf_peek(&j->b), buf_len(&j->b));
	buf_free(&j->b);
}
