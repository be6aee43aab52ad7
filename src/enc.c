/* SPDX-License-Identifier: GPL-3.0-or-later */
/* enc.c — iconv conversions with a small cache of open descriptors. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "enc.h"

#define ENC_CACHE 4

static struct enc_cd {
	int	 used;
	char	 name[32];
	int	 to_utf8;
	iconv_t	 cd;
} cache[ENC_CACHE];
static unsigned cache_next;

int
enc_is_utf8(const char *name)
{
	return strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0;
}

static iconv_t
enc_cd(const char *name, int to_utf8)
{
	struct enc_cd *e;
	iconv_t cd;
	unsigned i;

	for (i = 0; i < ENC_CACHE; i++) {
		e = &cache[i];
		if (e->used && e->to_utf8 == to_utf8 &&
		    strcmp(e->name, name) == 0) {
			iconv(e->cd, NULL, NULL, NULL, NULL);	/* reset state */
			return e->cd;
		}
	}
	cd = to_utf8 ? iconv_open("UTF-8", name) : iconv_open(name, "UTF-8");
	if (cd == (iconv_t)-1)
		return cd;
	e = &cache[cache_next++ % ENC_CACHE];
	if (e->used)
		iconv_close(e->cd);
	e->used = 1;
	snprintf(e->name, sizeof e->name, "%s", name);
	e->to_utf8 = to_utf8;
	e->cd = cd;
	return cd;
}

int
enc_check(const char *name)
{
	/* "" would mean the locale's charset: not a name anyone typed. */
	if (*name == '\0' || strlen(name) >= sizeof cache[0].name)
		return -1;
	if (enc_is_utf8(name))
		return 0;
	return enc_cd(name, 1) == (iconv_t)-1 || enc_cd(name, 0) == (iconv_t)-1 ?
	    -1 : 0;
}

/* One iconv() call into out's free space; returns its result (errno set
 * on -1) after accounting for what was written. */
static size_t
enc_step(iconv_t cd, char **in, size_t *left, struct buf *out)
{
	char *o;
	size_t room, r;

	buf_reserve(out, *left * 4 + 16);
	o = (char *)buf_peek(out) + buf_len(out);
	room = out->cap - out->head - out->len - 1;
	r = iconv(cd, in, left, &o, &room);
	out->len = (size_t)((unsigned char *)o - buf_peek(out));
	return r;
}

/* Decode p into out; an invalid byte is copied as is (strict: stop and
 * fail instead).  An incomplete sequence at the end, up to ENC_TAIL_MAX
 * bytes, is left out when tail is not NULL, and its length stored there. */
static int
enc_decode(const char *name, const unsigned char *p, size_t n,
    struct buf *out, size_t *tail, int strict)
{
	iconv_t cd = enc_cd(name, 1);
	char *in = (char *)p;
	size_t left = n;

	if (tail != NULL)
		*tail = 0;
	if (cd == (iconv_t)-1) {
		buf_append(out, p, n);
		return strict ? -1 : 0;
	}
	while (left > 0) {
		if (enc_step(cd, &in, &left, out) != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && tail != NULL && left <= ENC_TAIL_MAX) {
			*tail = left;
			break;
		}
		if (strict)
			return -1;
		/* EILSEQ or EINVAL (a sequence cut at the end): pass the
		 * byte through raw and go on after it. */
		buf_putc(out, (unsigned char)*in);
		in++;
		left--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	return 0;
}

void
enc_to_utf8(const char *name, const unsigned char *p, size_t n,
    struct buf *out)
{
	enc_decode(name, p, n, out, NULL, 0);
}

size_t
enc_to_utf8_part(const char *name, const unsigned char *p, size_t n,
    struct buf *out)
{
	size_t tail;

	enc_decode(name, p, n, out, &tail, 0);
	return tail;
}

int
enc_decodes(const char *name, const unsigned char *p, size_t n,
    struct buf *out)
{
	size_t tail;

	return enc_decode(name, p, n, out, &tail, 1) == 0;
}

int
enc_from_utf8(const char *name, const unsigned char *p, size_t n,
    struct buf *out, char *err, size_t errlen)
{
	iconv_t cd = enc_cd(name, 0);
	char *in = (char *)p;
	size_t left = n;

	if (cd == (iconv_t)-1) {
		snprintf(err, errlen, "unknown encoding \"%s\"", name);
		return -1;
	}
	while (left > 0) {
		if (enc_step(cd, &in, &left, out) != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		snprintf(err, errlen, "text at byte %zu cannot be encoded as "
		    "%s", (size_t)((unsigned char *)in - p) + 1, name);
		return -1;
	}
	/* Flush any shift state (stateful encodings). */
	{
		char *o;
		size_t room = 16;

		buf_reserve(out, room + 1);
		o = (char *)buf_peek(out) + buf_len(out);
		iconv(cd, NULL, NULL, &o, &room);
		out->len = (size_t)((unsigned char *)o - buf_peek(out));
	}
	return 0;
}

void
enc_cleanup(void)
{
	unsigned i;

	for (i = 0; i < ENC_CACHE; i++) {
		if (cache[i].used)
			iconv_close(cache[i].cd);
		cache[i].used = 0;
	}
}
