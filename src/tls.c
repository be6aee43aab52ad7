/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.c — TLS contexts from command options, certificates in words, the
 * run's self-signed certificate, and key-log lines (see tls.h).  No socket
 * I/O here: the handshake and the records are the transport's
 * (tr_tls.c). */
#include <sys/stat.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "pipe.h"
#include "session.h"
#include "tls.h"

/* $SSLKEYLOGFILE, opened once for the whole run. */
static FILE	*tls_env_keylog;
static int	 tls_inited;

/* The system trust store, read once: parsing the bundle costs tens of
 * milliseconds, more than a handshake. */
static X509_STORE *tls_sys_store;

/* The run's self-signed certificate: made once, on first need. */
static X509	*tls_ss_cert;
static EVP_PKEY	*tls_ss_key;

/* A session created with a configuration gives its reference back when it
 * leaves the table, however it ends (a connect that failed never reached
 * the transport, which holds references of its own). */
static void
tls_tap_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	struct tls_cfg *cfg = s->on_connect_arg;

	(void)reason;
	(void)lost;
	if (ev != TAP_CLOSE || s->on_connect != tls_on_connect || cfg == NULL ||
	    cfg->owner != s->id)
		return;
	s->on_connect_arg = NULL;
	cfg->owner = 0;
	tls_cfg_unref(cfg);
}

static const struct tap tls_tap = {
	.name = "tls",
	.event = tls_tap_event,
};

static void
tls_init(void)
{
	const char *p;

	if (tls_inited)
		return;
	tls_inited = 1;
	pipe_add_tap(&tls_tap);
	if ((p = getenv("SSLKEYLOGFILE")) != NULL && *p != '\0') {
		tls_env_keylog = fopen(p, "a");
		if (tls_env_keylog != NULL)
			setvbuf(tls_env_keylog, NULL, _IOLBF, 0);
	}
}

/* The last OpenSSL error in words, the queue emptied. */
static const char *
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

void
tls_keylog(struct session *s, const SSL *ssl, const char *line)
{
	struct tls_cfg *cfg = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

	/* Flushed line by line: Wireshark may be reading the file live. */
	if (cfg != NULL && cfg->keylog != NULL) {
		fprintf(cfg->keylog, "%s\n", line);
		fflush(cfg->keylog);
	}
	if (tls_env_keylog != NULL)
		fprintf(tls_env_keylog, "%s\n", line);
	if (s != NULL)
		pipe_secret(s, line);
}

static void
tls_keylog_cb(const SSL *ssl, const char *line)
{
	tls_keylog(SSL_get_app_data(ssl), ssl, line);
}

/* The server picks the first of its own protocols the client offers; no
 * overlap is not fatal (openssl s_server does the same), the handshake
 * line then says "alpn none". */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned inlen, void *arg)
{
	struct tls_cfg *cfg = arg;
	unsigned char *o;

	(void)ssl;
	if (SSL_select_next_proto(&o, outlen, cfg->alpn,
	    (unsigned)cfg->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = o;
	return SSL_TLSEXT_ERR_OK;
}

/* "h2,http/1.1" in the wire format: each name after its length. */
static int
tls_parse_alpn(const char *list, struct tls_cfg *cfg, char *err,
    size_t errlen)
{
	struct buf b = BUF_INIT;
	const char *p = list;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || n > 255) {
			snprintf(err, errlen, "--alpn: each protocol name "
			    "must be 1 to 255 bytes (\"%.32s\")", list);
			buf_free(&b);
			return -1;
		}
		buf_putc(&b, (int)n);
		buf_append(&b, p, n);
		if (e == NULL)
			break;
		p = e + 1;
	}
	cfg->alpn_len = buf_len(&b);
	cfg->alpn = xmalloc(cfg->alpn_len);
	memcpy(cfg->alpn, buf_peek(&b), cfg->alpn_len);
	buf_free(&b);
	return 0;
}

/* A file must be readable before OpenSSL's words about it make sense. */
static int
tls_readable(const char *opt, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "%s %.200s: %s", opt, path,
		    strerror(errno));
		return -1;
	}
	fclose(f);
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

/* An EC P-256 certificate for localhost, 127.0.0.1 and ::1, valid from an
 * hour ago (clocks differ) for 30 days, made once per run. */
static int
tls_self_signed(char *err, size_t errlen)
{
	EVP_PKEY *pk;
	X509 *x;
	X509_NAME *n;
	BIGNUM *bn;
	int ok = 0;

	if (tls_ss_cert != NULL)
		return 0;
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
	tls_ss_cert = x;
	tls_ss_key = pk;
	return 0;
}

static int
tls_load_cert(struct tls_cfg *cfg, const struct tls_opts *o, char *err,
    size_t errlen)
{
	const char *key = o->key != NULL ? o->key : o->cert;

	if (o->key != NULL && o->cert == NULL) {
		snprintf(err, errlen, "--key needs --cert");
		return -1;
	}
	if (o->cert == NULL)
		return 0;
	if (tls_readable("--cert", o->cert, err, errlen) == -1 ||
	    tls_readable("--key", key, err, errlen) == -1)
		return -1;
	if (SSL_CTX_use_certificate_chain_file(cfg->ctx, o->cert) != 1) {
		snprintf(err, errlen, "--cert %.200s: %s", o->cert,
		    tls_errstr());
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(cfg->ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "--key %.200s: %s", key, tls_errstr());
		return -1;
	}
	if (SSL_CTX_check_private_key(cfg->ctx) != 1) {
		snprintf(err, errlen, "--key %.200s does not match --cert: %s",
		    key, tls_errstr());
		return -1;
	}
	return 0;
}

static int
tls_load_trust(struct tls_cfg *cfg, const char *opt, const char *path,
    char *err, size_t errlen)
{
	struct stat st;
	int r;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s %.200s: %s", opt, path,
		    strerror(errno));
		return -1;
	}
	/* A directory is a c_rehash'ed CA directory, as -CApath is. */
	if (S_ISDIR(st.st_mode))
		r = SSL_CTX_load_verify_locations(cfg->ctx, NULL, path);
	else
		r = SSL_CTX_load_verify_locations(cfg->ctx, path, NULL);
	if (r != 1) {
		snprintf(err, errlen, "%s %.200s: %s", opt, path, tls_errstr());
		return -1;
	}
	return 0;
}

static int
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
tls_setup(struct tls_cfg *cfg, const struct tls_opts *o, char *err,
    size_t errlen)
{
	int ver = 0;

	if (o->version != NULL) {
		if (strcmp(o->version, "1.2") == 0)
			ver = TLS1_2_VERSION;
		else if (strcmp(o->version, "1.3") == 0)
			ver = TLS1_3_VERSION;
		else {
			snprintf(err, errlen, "bad --tls-version \"%.16s\" "
			    "(1.2 or 1.3)", o->version);
			return -1;
		}
	}
	cfg->ctx = SSL_CTX_new(o->server ? TLS_server_method() :
	    TLS_client_method());
	if (cfg->ctx == NULL) {
		snprintf(err, errlen, "%s", tls_errstr());
		return -1;
	}
	SSL_CTX_set_app_data(cfg->ctx, cfg);
	if (ver != 0 && (!SSL_CTX_set_min_proto_version(cfg->ctx, ver) ||
	    !SSL_CTX_set_max_proto_version(cfg->ctx, ver))) {
		snprintf(err, errlen, "--tls-version: %s", tls_errstr());
		return -1;
	}
	/* Writes may take part of what is offered, from wherever the queue's
	 * head has moved; an idle connection gives its record buffers back
	 * (a server may hold thousands); renegotiation (TLS 1.2) would let a read need a
	 * write and the other way round, and nobody debugging wants it. */
	SSL_CTX_set_mode(cfg->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(cfg->ctx, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_keylog_callback(cfg->ctx, tls_keylog_cb);
	if (o->alpn != NULL && tls_parse_alpn(o->alpn, cfg, err, errlen) == -1)
		return -1;
	if (tls_load_cert(cfg, o, err, errlen) == -1)
		return -1;
	if (o->server) {
		X509 *own;

		if (o->cert == NULL) {
			if (tls_self_signed(err, errlen) == -1)
				return -1;
			if (SSL_CTX_use_certificate(cfg->ctx, tls_ss_cert) != 1 ||
			    SSL_CTX_use_PrivateKey(cfg->ctx, tls_ss_key) != 1) {
				snprintf(err, errlen, "%s", tls_errstr());
				return -1;
			}
			cfg->self_signed = 1;
		}
		own = SSL_CTX_get0_certificate(cfg->ctx);
		tls_fingerprint(own, cfg->own_fp, sizeof cfg->own_fp);
		tls_name(X509_get_subject_name(own), cfg->own_subject,
		    sizeof cfg->own_subject);
		if (cfg->alpn != NULL)
			SSL_CTX_set_alpn_select_cb(cfg->ctx, tls_alpn_select,
			    cfg);
		if (o->client_ca != NULL) {
			STACK_OF(X509_NAME) *names;

			if (tls_load_trust(cfg, "--client-ca", o->client_ca, err,
			    errlen) == -1)
				return -1;
			/* Tell the client which CAs count. */
			names = SSL_load_client_CA_file(o->client_ca);
			if (names != NULL)
				SSL_CTX_set_client_CA_list(cfg->ctx, names);
			ERR_clear_error();
			cfg->client_ca = 1;
		}
		return 0;
	}
	if (o->ca != NULL) {
		if (tls_load_trust(cfg, "--ca", o->ca, err, errlen) == -1)
			return -1;
	} else {
		if (tls_sys_store == NULL) {
			tls_sys_store = X509_STORE_new();
			if (tls_sys_store == NULL ||
			    X509_STORE_set_default_paths(tls_sys_store) != 1) {
				X509_STORE_free(tls_sys_store);
				tls_sys_store = NULL;
				snprintf(err, errlen, "system trust store: %s",
				    tls_errstr());
				return -1;
			}
		}
		SSL_CTX_set1_cert_store(cfg->ctx, tls_sys_store);
	}
	if (cfg->alpn != NULL &&
	    SSL_CTX_set_alpn_protos(cfg->ctx, cfg->alpn,
	    (unsigned)cfg->alpn_len) != 0) {
		snprintf(err, errlen, "--alpn: %s", tls_errstr());
		return -1;
	}
	cfg->insecure = o->insecure;
	/* The certificate must name what was asked for: --sni if given,
	 * else the host dialled.  SNI never carries an address. */
	if (o->sni != NULL) {
		cfg->sni = xstrdup(o->sni);
		cfg->verify_name = xstrdup(o->sni);
	} else if (o->host != NULL) {
		if (!tls_is_ip(o->host))
			cfg->sni = xstrdup(o->host);
		cfg->verify_name = xstrdup(o->host);
		/* "[::1]" is checked as the address ::1. */
		if (cfg->verify_name[0] == '[') {
			size_t n = strlen(cfg->verify_name);

			memmove(cfg->verify_name, cfg->verify_name + 1, n - 2);
			cfg->verify_name[n - 2] = '\0';
		}
	}
	return 0;
}

struct tls_cfg *
tls_cfg_new(const struct tls_opts *o, char *err, size_t errlen)
{
	struct tls_cfg *cfg;

	tls_init();
	cfg = xcalloc(1, sizeof *cfg);
	cfg->refs = 1;
	cfg->server = o->server;
	cfg->timeout_ms = o->timeout_ms;
	if (tls_setup(cfg, o, err, errlen) == -1) {
		ERR_clear_error();
		tls_cfg_unref(cfg);
		return NULL;
	}
	if (o->keylog != NULL) {
		cfg->keylog = fopen(o->keylog, "a");
		if (cfg->keylog == NULL) {
			snprintf(err, errlen, "--keylog %.200s: %s", o->keylog,
			    strerror(errno));
			tls_cfg_unref(cfg);
			return NULL;
		}
	}
	return cfg;
}

struct tls_cfg *
tls_cfg_ref(struct tls_cfg *cfg)
{
	cfg->refs++;
	return cfg;
}

void
tls_cfg_unref(struct tls_cfg *cfg)
{
	if (cfg == NULL || --cfg->refs > 0)
		return;
	SSL_CTX_free(cfg->ctx);
	if (cfg->keylog != NULL)
		fclose(cfg->keylog);
	free(cfg->sni);
	free(cfg->verify_name);
	free(cfg->alpn);
	free(cfg);
}

void
tls_cfg_own(struct tls_cfg *cfg, struct session *s)
{
	cfg->owner = s->id;
	s->on_connect = tls_on_connect;
	s->on_connect_arg = cfg;
}
