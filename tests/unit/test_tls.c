/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tls.c — TAP unit tests for src/tls_cert.c: ALPN lists to their wire
 * format and back, addresses that are never SNI, verification results in
 * words, names, times, fingerprints checked against a digest computed
 * here, and the self-signed certificate checked with OpenSSL's own
 * verifiers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "tap.h"
#include "tls_cert.h"

/* The inverse of tls_alpn_wire, written here from RFC 7301. */
static int
alpn_unwire(const unsigned char *p, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n) {
		size_t k = p[i++];

		if (k == 0 || i + k > n)
			return -1;
		if (buf_len(out) > 0)
			buf_putc(out, ',');
		buf_append(out, p + i, k);
		i += k;
	}
	return 0;
}

static void
test_alpn(void)
{
	static const char *good[] = { "h2", "h2,http/1.1", "a,b,c",
	    "imap,pop3,xmpp-client", NULL };
	static const char *bad[] = { "", ",", "h2,", ",h2", "h2,,x", NULL };
	char err[128], name[300];
	struct buf w = BUF_INIT, back = BUF_INIT;
	size_t i;

	ok(tls_alpn_wire("h2,http/1.1", &w, err, sizeof err) == 0,
	    "alpn: h2,http/1.1 is accepted");
	is_mem(buf_peek(&w), buf_len(&w), "\x02h2\x08http/1.1", 12,
	    "alpn: length-prefixed names");
	for (i = 0; good[i] != NULL; i++) {
		buf_reset(&w);
		buf_reset(&back);
		ok(tls_alpn_wire(good[i], &w, err, sizeof err) == 0 &&
		    alpn_unwire(buf_peek(&w), buf_len(&w), &back) == 0,
		    "alpn: \"%s\" encodes", good[i]);
		is_str(buf_cstr(&back), good[i], "alpn: \"%s\" round trip",
		    good[i]);
	}
	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(&w);
		err[0] = '\0';
		ok(tls_alpn_wire(bad[i], &w, err, sizeof err) == -1 &&
		    strstr(err, "1 to 255") != NULL, "alpn: \"%s\" is refused "
		    "with the rule", bad[i]);
	}
	memset(name, 'x', 255);
	name[255] = '\0';
	buf_reset(&w);
	ok(tls_alpn_wire(name, &w, err, sizeof err) == 0 &&
	    buf_len(&w) == 256, "alpn: a 255-byte name is the longest");
	name[255] = 'x';
	name[256] = '\0';
	buf_reset(&w);
	ok(tls_alpn_wire(name, &w, err, sizeof err) == -1,
	    "alpn: a 256-byte name is refused");
	buf_free(&w);
	buf_free(&back);
}

static void
test_is_ip(void)
{
	ok(tls_is_ip("127.0.0.1"), "is_ip: 127.0.0.1");
	ok(tls_is_ip("::1"), "is_ip: ::1");
	ok(tls_is_ip("[::1]"), "is_ip: [::1]");
	ok(tls_is_ip("fe80::1"), "is_ip: fe80::1");
	ok(!tls_is_ip("localhost"), "is_ip: localhost is a name");
	ok(!tls_is_ip("example.test"), "is_ip: example.test is a name");
	ok(!tls_is_ip(""), "is_ip: empty");
	ok(!tls_is_ip("[]"), "is_ip: []");
	ok(!tls_is_ip("[localhost]"), "is_ip: [localhost]");
	ok(!tls_is_ip("1.2.3.4.5"), "is_ip: 1.2.3.4.5");
}

static void
test_words(void)
{
	static const struct {
		long		 code;
		const char	*words;
	} t[] = {
		{ X509_V_OK, "ok" },
		{ X509_V_ERR_CERT_HAS_EXPIRED, "expired" },
		{ X509_V_ERR_CERT_NOT_YET_VALID, "not yet valid" },
		{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "self-signed" },
		{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
		    "self-signed root not trusted" },
		{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "unknown issuer" },
		{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "unknown issuer" },
		{ X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, "unknown issuer" },
		{ X509_V_ERR_HOSTNAME_MISMATCH, "host name mismatch" },
		{ X509_V_ERR_IP_ADDRESS_MISMATCH, "host name mismatch" },
		{ X509_V_ERR_CERT_REVOKED, "revoked" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		is_str(tls_verify_words(t[i].code), t[i].words,
		    "verify words for %ld", t[i].code);
	ok(tls_verify_words(999999) != NULL &&
	    tls_verify_words(999999)[0] != '\0', "an unknown code still has "
	    "words");
}

static void
test_time(void)
{
	ASN1_TIME *t = ASN1_TIME_new();
	char out[40];

	ok(t != NULL && ASN1_TIME_set_string(t, "20270102030405Z") == 1,
	    "time: set");
	tls_time(t, out, sizeof out);
	is_str(out, "2027-01-02T03:04:05Z", "time: RFC 3339, UTC");
	tls_time(NULL, out, sizeof out);
	is_str(out, "", "time: none is empty");
	ASN1_TIME_free(t);
}

static void
test_self_signed(void)
{
	X509 *x = NULL, *y = NULL;
	EVP_PKEY *k = NULL, *k2 = NULL;
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned mdlen = 0, i;
	char err[256], fp[100], want[100], name[256], group[64];
	int derlen, days = 0, secs = 0;
	size_t o = 0, glen = 0;

	ok(tls_cert_self_signed(&x, &k, err, sizeof err) == 0 && x != NULL &&
	    k != NULL, "self-signed: made");
	if (x == NULL)
		return;
	ok(EVP_PKEY_get_bits(k) == 256 && EVP_PKEY_get_group_name(k, group,
	    sizeof group, &glen) == 1 && strcmp(group, "prime256v1") == 0,
	    "self-signed: EC P-256 key");
	ok(X509_verify(x, k) == 1, "self-signed: signed by its own key");
	ok(X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)) == 0, "self-signed: issuer is subject");
	ok(X509_check_host(x, "localhost", 0, 0, NULL) == 1,
	    "self-signed: for localhost");
	ok(X509_check_ip_asc(x, "127.0.0.1", 0) == 1, "self-signed: for "
	    "127.0.0.1");
	ok(X509_check_ip_asc(x, "::1", 0) == 1, "self-signed: for ::1");
	ok(X509_check_host(x, "example.test", 0, 0, NULL) != 1,
	    "self-signed: not for example.test");
	ok(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)) == 1 &&
	    days >= 29 && days <= 30, "self-signed: valid for 30 days (%d)",
	    days);
	ok(X509_cmp_current_time(X509_get0_notBefore(x)) < 0,
	    "self-signed: valid already");
	tls_name(X509_get_subject_name(x), name, sizeof name);
	is_str(name, "CN=socktool self-signed,O=socktool",
	    "name: RFC 2253 order");

	/* The fingerprint, computed here from the DER. */
	derlen = i2d_X509(x, &der);
	ok(derlen > 0 && EVP_Digest(der, (size_t)derlen, md, &mdlen,
	    EVP_sha256(), NULL) == 1 && mdlen == 32, "fingerprint: digest");
	for (i = 0; i < mdlen; i++)
		o += (size_t)snprintf(want + o, sizeof want - o, "%s%02X",
		    i ? ":" : "", md[i]);
	tls_fingerprint(x, fp, sizeof fp);
	is_str(fp, want, "fingerprint: SHA-256 of the DER, AB:CD:... form");
	is_int(strlen(fp), 95, "fingerprint: 95 characters");
	tls_fingerprint(x, fp, 10);
	ok(strlen(fp) < 10, "fingerprint: a short buffer is not overrun");
	{
		char sh[40];

		tls_fingerprint_short(want, sh, sizeof sh);
		ok(strncmp(sh, want, 11) == 0 &&
		    strlen(sh) == 21 && strcmp(sh + 15, want + 89) == 0 &&
		    strncmp(sh + 11, ":...:", 5) == 0,
		    "fingerprint: abbreviated as AB:CD:EF:01:...:23:45");
		tls_fingerprint_short("AB:CD", sh, sizeof sh);
		is_str(sh, "AB:CD", "fingerprint: a short one stays whole");
	}
	OPENSSL_free(der);

	ok(tls_cert_self_signed(&y, &k2, err, sizeof err) == 0 &&
	    ASN1_INTEGER_cmp(X509_get0_serialNumber(x),
	    X509_get0_serialNumber(y)) != 0 && EVP_PKEY_eq(k, k2) != 1,
	    "self-signed: a fresh key and serial each time");
	X509_free(x);
	X509_free(y);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

/* tls_cert.c calls OpenSSL through ossl.c's pointers; this file calls it
 * directly (linked), so only the declaration is needed here. */
int	ossl_load(char *err, size_t errlen);

int
main(void)
{
	char err[256];

	if (ossl_load(err, sizeof err) == -1) {
		printf("not ok 1 - OpenSSL loads: %s\n1..1\n", err);
		return 1;
	}
	test_alpn();
	test_is_ip();
	test_words();
	test_time();
	test_self_signed();
	return done_testing();
}
