/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls_cert.c — pure TLS helpers (see tls_cert.h): words for certificates
 * and verification results, ALPN lists, the run's self-signed
 * certificate. */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ossl.h"
#include "buf.h"
#include "tls_cert.h"

const char *
tls_errstr(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r != NULL ? r : "unknown error";
}

void
tls_name(const X509_NAME *n, char *out, size_t len)
{
	BIO *b;
	int k;

	out[0] = '\0';
	if (n == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		return;
	/* RFC 2253 order (CN first), UTF-8 kept: out.c escapes it. */
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	k = BIO_read(b, out, (int)len - 1);
	out[k > 0 ? k : 0] = '\0';
	BIO_free(b);
}

void
tls_time(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;

	out[0] = '\0';
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return;
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
tls_fingerprint(const X509 *x, char *out, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	size_t o = 0;

	out[0] = '\0';
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	/* The way `openssl x509 -fingerprint -sha256` writes it. */
	for (i = 0; i < n && o + 4 <= len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%02X", i ? ":" : "",
		    md[i]);
}

void
tls_fingerprint_short(const char *fp, char *out, size_t len)
{
	size_t n = strlen(fp);

	if (n <= 11 + 5 + 3)
		snprintf(out, len, "%s", fp);
	else
		snprintf(out, len, "%.11s:...%s", fp, fp + n - 6);
}

void
tls_fingerprint_halves(const char *fp, char *a, char *b, size_t len)
{
	size_t n = strlen(fp), half = (n + 1) / 2;

	/* 32 bytes as "XX:" groups: cut after the colon nearest the middle. */
	while (half < n && fp[half - 1] != ':')
		half++;
	snprintf(a, len, "%.*s", (int)half, fp);
	snprintf(b, len, "%s", fp + half);
}

const char *
tls_verify_words(long code)
{
	switch (code) {
	case X509_V_OK:
		return "ok";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "not yet valid";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "self-signed";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return "self-signed root not trusted";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return "unknown issuer";
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "host name mismatch";
	case X509_V_ERR_CERT_REVOKED:
		return "revoked";
	case X509_V_ERR_INVALID_PURPOSE:
		return "not valid for this purpose";
	case X509_V_ERR_INVALID_CA:
		return "issuer is not a CA";
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return "bad signature";
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return "chain too long";
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
		return "key too small";
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return "signature too weak";
	default:
		return X509_verify_cert_error_string(code);
	}
}

/* "h2,http/1.1" in the wire format: each name after its length. */
int
tls_alpn_wire(const char *list, struct buf *out, char *err, size_t errlen)
{
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || n > 255) {
			snprintf(err, errlen, "each protocol name must be 1 "
			    "to 255 bytes (\"%.32s\")", list);
			return -1;
		}
		buf_putc(out, (int)n);
		buf_append(out, p, n);
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int
tls_is_ip(const char *h)
{
	unsigned char a[16];
	char tmp[64];
	size_t n = strlen(h);

	if (inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1)
		return 1;
	/* "[::1]" as people write it in URLs. */
	if (n > 2 && n < sizeof tmp && h[0] == '[' && h[n - 1] == ']') {
		memcpy(tmp, h + 1, n - 2);
		tmp[n - 2] = '\0';
		return inet_pton(AF_INET6, tmp, a) == 1;
	}
	return 0;
}


static int
tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int r;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	r = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return r == 1 ? 0 : -1;
}

int
tls_cert_self_signed(X509 **xp, EVP_PKEY **kp, char *err, size_t errlen)
{
	EVP_PKEY *pk;
	X509 *x;
	X509_NAME *n;
	BIGNUM *bn;
	int ok = 0;

	if ((pk = EVP_EC_gen("P-256")) == NULL) {
		snprintf(err, errlen, "cannot make a key: %s", tls_errstr());
		return -1;
	}
	x = X509_new();
	bn = BN_new();
	if (x == NULL || bn == NULL || !X509_set_version(x, 2) ||
	    !BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) == NULL ||
	    !X509_set_pubkey(x, pk))
		goto out;
	n = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)"socktool", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"socktool self-signed", -1, -1, 0) ||
	    !X509_set_issuer_name(x, n))
		goto out;
	if (tls_add_ext(x, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1") == -1 ||
	    tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    tls_add_ext(x, NID_ext_key_usage, "serverAuth") == -1)
		goto out;
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto out;
	ok = 1;
out:
	BN_free(bn);
	if (!ok) {
		snprintf(err, errlen, "cannot make a self-signed certificate: "
		    "%s", tls_errstr());
		X509_free(x);
		EVP_PKEY_free(pk);
		return -1;
	}
	*xp = x;
	*kp = pk;
	return 0;
}
