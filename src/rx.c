/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rx.c — PCRE2 reply rules: compile and match /REGEX/flags on message bytes,
 * parse and expand the response template (\1..\9, ${name}). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "rx.h"

/* Backtracking bounds for one match: a pattern such as (a+)+b on a long
 * message would otherwise keep the single-threaded loop busy for seconds.
 * A match that hits them counts as no match. */
#define RX_MATCH_LIMIT	200000
#define RX_DEPTH_LIMIT	20000

struct rx {
	unsigned		 refs;
	pcre2_code		*code;
	pcre2_match_data	*md;
	pcre2_match_context	*mc;
};

static int
rx_flag(char f, uint32_t *opts)
{
	switch (f) {
	case 'i': *opts |= PCRE2_CASELESS; return 0;
	case 's': *opts |= PCRE2_DOTALL; return 0;
	case 'x': *opts |= PCRE2_EXTENDED; return 0;
	default: return -1;
	}
}

int
rx_is_regex(const char *s, size_t n, size_t *re_len, size_t *flags)
{
	size_t i = n;

	if (n < 2 || s[0] != '/')
		return 0;
	while (i > 1 && s[i - 1] >= 'a' && s[i - 1] <= 'z')
		i--;
	if (i < 2 || s[i - 1] != '/')
		return 0;
	*re_len = i - 2;
	*flags = i;
	return 1;
}

int
rx_compile(const char *s, size_t n, struct rx **out, char *err, size_t errlen)
{
	size_t re_len, fl, i, eoff;
	uint32_t opts = 0;
	int ecode;
	pcre2_code *code;
	struct rx *r;

	if (!rx_is_regex(s, n, &re_len, &fl)) {
		snprintf(err, errlen, "a regular expression is /REGEX/ with "
		    "flags i, s, x after it");
		return -1;
	}
	for (i = fl; i < n; i++) {
		if (rx_flag(s[i], &opts) == -1) {
			snprintf(err, errlen, "unknown regex flag '%c' (flags "
			    "are i, s, x)", s[i]);
			return -1;
		}
	}
	if (re_len == 0) {
		snprintf(err, errlen, "empty regular expression");
		return -1;
	}
	code = pcre2_compile((PCRE2_SPTR)s + 1, re_len, opts, &ecode, &eoff,
	    NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[160];

		if (pcre2_get_error_message(ecode, msg, sizeof msg) < 0)
			snprintf((char *)msg, sizeof msg, "error %d", ecode);
		snprintf(err, errlen, "bad regex: %s at offset %zu",
		    (char *)msg, eoff);
		return -1;
	}
	r = xcalloc(1, sizeof *r);
	r->refs = 1;
	r->code = code;
	r->md = pcre2_match_data_create_from_pattern(code, NULL);
	r->mc = pcre2_match_context_create(NULL);
	if (r->md == NULL || r->mc == NULL) {
		rx_unref(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pcre2_set_match_limit(r->mc, RX_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mc, RX_DEPTH_LIMIT);
	*out = r;
	return 0;
}

struct rx *
rx_ref(struct rx *r)
{
	if (r != NULL)
		r->refs++;
	return r;
}

void
rx_unref(struct rx *r)
{
	if (r == NULL || --r->refs > 0)
		return;
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mc);
	pcre2_code_free(r->code);
	free(r);
}

int
rx_group_number(const struct rx *r, const char *name, size_t len)
{
	char nm[64];
	int g;

	if (r == NULL || len == 0 || len >= sizeof nm)
		return -1;
	memcpy(nm, name, len);
	nm[len] = '\0';
	g = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)nm);
	return g > 0 ? g : -1;
}

int
rx_group_count(const struct rx *r)
{
	uint32_t c = 0;

	pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &c);
	return (int)c;
}

int
rx_match(struct rx *r, const unsigned char *p, size_t n, size_t *ov,
    size_t nov)
{
	PCRE2_SIZE *v;
	uint32_t pairs, i;
	int rc;

	rc = pcre2_match(r->code, p != NULL ? p : (const unsigned char *)"",
	    n, 0, 0, r->md, r->mc);
	if (rc < 0)
		return 0;
	v = pcre2_get_ovector_pointer(r->md);
	pairs = pcre2_get_ovector_count(r->md);
	for (i = 0; i < nov / 2; i++) {
		/* rc counts the pairs up to the highest set group; any
		 * later one is unset. */
		if (i < pairs && (int)i < rc && v[2 * i] != PCRE2_UNSET) {
			ov[2 * i] = v[2 * i];
			ov[2 * i + 1] = v[2 * i + 1];
		} else
			ov[2 * i] = ov[2 * i + 1] = (size_t)-1;
	}
	return 1;
}

/* Add a piece to t: a literal (group -1, bytes appended to t->lit) or a
 * reference. */
static void
tmpl_add(struct rx_tmpl *t, int group, const unsigned char *p, size_t n)
{
	if (group < 0 && n == 0)
		return;
	t->piece = xrealloc(t->piece, (t->n + 1) * sizeof *t->piece);
	t->piece[t->n].group = group;
	t->piece[t->n].off = buf_len(&t->lit);
	t->piece[t->n].len = n;
	if (group < 0)
		buf_append(&t->lit, p, n);
	t->n++;
}

/* Length of the reference starting at s[i] (\1..\9 or ${name}), 0 when
 * none starts there; name and nlen, or num, tell which. */
static size_t
tmpl_ref(const char *s, size_t n, size_t i, int *num, const char **name,
    size_t *nlen)
{
	size_t j;

	*num = -1;
	*name = NULL;
	if (s[i] == '\\' && i + 1 < n && s[i + 1] >= '1' && s[i + 1] <= '9') {
		*num = s[i + 1] - '0';
		return 2;
	}
	if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
		for (j = i + 2; j < n && s[j] != '}'; j++)
			;
		if (j == n)
			return 0;
		*name = s + i + 2;
		*nlen = j - (i + 2);
		return j + 1 - i;
	}
	return 0;
}

/* Unescape s[from..to) onto t as one literal piece. */
static void
tmpl_literal(struct rx_tmpl *t, const char *s, size_t from, size_t to)
{
	struct buf b = BUF_INIT;
	char e[8];

	/* Checked beforehand on the whole text: cannot fail here. */
	if (codec_unescape(s + from, to - from, &b, e, sizeof e) == 0)
		tmpl_add(t, -1, buf_peek(&b), buf_len(&b));
	buf_free(&b);
}

/* A reference to a group the pattern does not have, or in a plain rule. */
static int
tmpl_ref_group(const struct rx *r, int num, const char *name, size_t nlen,
    char *err, size_t errlen)
{
	char q[80];
	struct buf b = BUF_INIT;
	int g;

	if (name == NULL) {
		if (r != NULL && num <= rx_group_count(r))
			return num;
		snprintf(err, errlen, "\\%d names no group of the pattern",
		    num);
		return -1;
	}
	if ((g = rx_group_number(r, name, nlen)) > 0 && g <= RX_GROUPS_MAX)
		return g;
	codec_escape((const unsigned char *)name, nlen < 40 ? nlen : 40, &b,
	    0);
	snprintf(q, sizeof q, "%s", buf_cstr(&b));
	buf_free(&b);
	snprintf(err, errlen, "${%s} names no group of the pattern", q);
	return -1;
}

/*
 * The text with every reference and \$ replaced by plain letters of the
 * same length, so that codec_unescape() can check the rest and its error
 * positions count in the text the user wrote.
 */
static int
tmpl_check_escapes(const char *s, size_t n, char *err, size_t errlen)
{
	char *c = xstrndup(s, n);
	struct buf b = BUF_INIT;
	size_t i, k, nlen;
	const char *name;
	int num, r;

	for (i = 0; i < n; i++) {
		if ((k = tmpl_ref(s, n, i, &num, &name, &nlen)) > 0 ||
		    (s[i] == '\\' && i + 1 < n && s[i + 1] == '$' &&
		    (k = 2) > 0)) {
			memset(c + i, 'r', k);
			i += k - 1;
		} else if (s[i] == '\\')
			i++;
	}
	r = codec_unescape(c, n, &b, err, errlen);
	buf_free(&b);
	free(c);
	return r;
}

int
rx_tmpl_parse(const char *s, size_t n, const struct rx *r, struct rx_tmpl *t,
    char *err, size_t errlen)
{
	size_t i, from = 0, k, nlen;
	const char *name;
	int num, g;

	memset(t, 0, sizeof *t);
	if (n >= 4 && strncmp(s, "hex:", 4) == 0) {
		struct buf b = BUF_INIT;

		if (codec_parse_hex(s + 4, n - 4, &b, err, errlen) == -1) {
			buf_free(&b);
			return -1;
		}
		tmpl_add(t, -1, buf_peek(&b), buf_len(&b));
		buf_free(&b);
		return 0;
	}
	if (tmpl_check_escapes(s, n, err, errlen) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((k = tmpl_ref(s, n, i, &num, &name, &nlen)) > 0) {
			if ((g = tmpl_ref_group(r, num, name, nlen, err,
			    errlen)) == -1) {
				rx_tmpl_free(t);
				return -1;
			}
			tmpl_literal(t, s, from, i);
			tmpl_add(t, g, NULL, 0);
			i += k - 1;
			from = i + 1;
		} else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '$') {
			tmpl_literal(t, s, from, i);
			tmpl_add(t, -1, (const unsigned char *)"$", 1);
			from = ++i + 1;
		} else if (s[i] == '\\')
			i++;
	}
	tmpl_literal(t, s, from, n);
	return 0;
}

void
rx_tmpl_free(struct rx_tmpl *t)
{
	buf_free(&t->lit);
	free(t->piece);
	memset(t, 0, sizeof *t);
}

int
rx_tmpl_has_refs(const struct rx_tmpl *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->piece[i].group >= 0)
			return 1;
	return 0;
}

void
rx_expand(const struct rx_tmpl *t, const unsigned char *subject,
    const size_t *ov, size_t nov, int brace_escape, struct buf *out)
{
	const unsigned char *p;
	size_t i, j, g, a, z;

	for (i = 0; i < t->n; i++) {
		if (t->piece[i].group < 0) {
			buf_append(out, buf_peek(&t->lit) + t->piece[i].off,
			    t->piece[i].len);
			continue;
		}
		g = (size_t)t->piece[i].group;
		if (ov == NULL || 2 * g + 1 >= nov)
			continue;
		a = ov[2 * g];
		z = ov[2 * g + 1];
		if (a == (size_t)-1 || z < a)
			continue;
		p = subject + a;
		if (!brace_escape) {
			buf_append(out, p, z - a);
			continue;
		}
		for (j = 0; j < z - a; j++) {
			if (p[j] == '{')
				buf_putc(out, '{');
			buf_putc(out, p[j]);
		}
	}
}
