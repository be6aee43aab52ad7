/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_codec.c — libFuzzer target for src/codec.c: no crash, and escaping round-trips. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"

static void
fuzz_check(int cond)
{
	if (!cond)
		abort();
}

/* Error messages end up on a terminal too: no raw control bytes. */
static void
fuzz_check_err(const char *err)
{
	for (; *err != '\0'; err++)
		fuzz_check((unsigned char)*err >= 0x20 &&
		    (unsigned char)*err != 0x7f);
}

/* The obvious hexdump -C, one byte at a time, for the table-driven one. */
static void
fuzz_ref_hexdump(const unsigned char *p, size_t n, uint64_t base,
    struct buf *o)
{
	size_t	i, k, w;
	char	off[17];

	for (i = 0; i < n; i += 16) {
		w = (size_t)snprintf(off, sizeof off, "%08llx",
		    (unsigned long long)(base + i));
		buf_append(o, off, w);
		buf_puts(o, "  ");
		for (k = 0; k < 16; k++) {
			if (i + k < n)
				buf_printf(o, "%02x ", p[i + k]);
			else
				buf_puts(o, "   ");
			if (k == 7)
				buf_putc(o, ' ');
		}
		buf_puts(o, " |");
		for (k = 0; k < 16 && i + k < n; k++)
			buf_putc(o, p[i + k] >= 0x20 && p[i + k] < 0x7f ?
			    p[i + k] : '.');
		buf_puts(o, "|\n");
	}
}

/* A parse error names a position inside the input. */
static void
fuzz_check_pos(const char *err, size_t size)
{
	const char	*at = strstr(err, "position ");
	unsigned long	 pos;

	fuzz_check(at != NULL);
	pos = strtoul(at + 9, NULL, 10);
	fuzz_check(pos >= 1 && pos <= size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	char err[128], *s;
	uint64_t v;
	size_t i;
	uint32_t cp;

	err[0] = '\0';
	if (codec_unescape((const char *)data, size, &a, err, sizeof err) != 0)
		fuzz_check_err(err);
	buf_reset(&a);
	err[0] = '\0';
	if (codec_parse_hex((const char *)data, size, &a, err, sizeof err) != 0) {
		fuzz_check_err(err);
		fuzz_check_pos(err, size);
	}
	else if (buf_len(&a) > 0) {
		/* Twice as many digits out as bytes in, separators gone. */
		codec_hex(buf_peek(&a), buf_len(&a), &b);
		fuzz_check(buf_len(&b) == 2 * buf_len(&a));
	}

	buf_reset(&a);
	buf_reset(&b);
	codec_escape(data, size, &a, 0);
	for (i = 0; i < buf_len(&a); i++)
		fuzz_check(buf_peek(&a)[i] >= 0x20 && buf_peek(&a)[i] != 0x7f);
	fuzz_check(codec_unescape(buf_cstr(&a), buf_len(&a), &b, err,
	    sizeof err) == 0);
	fuzz_check(buf_len(&b) == size &&
	    (size == 0 || memcmp(buf_cstr(&b), data, size) == 0));
	buf_reset(&a);
	codec_escape(data, size, &a, CODEC_BREAK_LF);

	buf_reset(&a);
	codec_json_str((const char *)data, size, &a);
	s = buf_cstr(&a);
	fuzz_check(buf_len(&a) >= 2 && s[0] == '"' && s[buf_len(&a) - 1] == '"');
	for (i = 0; i < buf_len(&a); ) {
		size_t k = codec_utf8_len((unsigned char *)s + i,
		    buf_len(&a) - i, &cp);

		fuzz_check(k > 0 && cp >= 0x20 && cp != 0x7f &&
		    !(cp >= 0x80 && cp <= 0x9f) && cp != 0x2028 &&
		    cp != 0x2029 && !(cp >= 0x202a && cp <= 0x202e));
		i += k;
	}

	buf_reset(&a);
	codec_hexdump(data, size, size, &a);
	fuzz_check(buf_len(&a) == (size + 15) / 16 * 79 - (size % 16 ?
	    (16 - size % 16) : 0));
	/* Identical to the reference, with an offset taken from the input so
	 * that wide offsets and every alignment come up. */
	if (size >= 8) {
		uint64_t base;

		memcpy(&base, data, sizeof base);
		buf_reset(&a);
		buf_reset(&b);
		codec_hexdump(data + 8, size - 8, base, &a);
		fuzz_ref_hexdump(data + 8, size - 8, base, &b);
		fuzz_check(buf_len(&a) == buf_len(&b) && memcmp(buf_peek(&a),
		    buf_peek(&b), buf_len(&a)) == 0);
	}

	s = xstrndup((const char *)data, size);
	if (codec_parse_duration(s, &v) == 0) {
		fuzz_check(v <= 30ULL * 24 * 3600 * 1000);
		buf_reset(&a);
		codec_fmt_duration(v, &a);
	}
	if (codec_parse_uint(s, 0, UINT64_MAX, &v) == 0) {
		buf_reset(&a);
		codec_fmt_bytes(v, &a);
	}
	free(s);

	buf_free(&a);
	buf_free(&b);
	return 0;
}
