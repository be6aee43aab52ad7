/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.c — TLS contexts from command options, certificates in words, the
 * run's self-signed certificate, and key-log lines (see tls.h).  No socket
 * I/O here: the handshake and the records are the transport's
 * (layer_tls.c). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ossl.h"
#include "buf.h"
#include "file.h"
#include "out.h"
#include "pipe.h"
#include "session.h"
#include "tls.h"
#include "tls_cert.h"

/* $SSLKEYLOGFILE, opened once for the whole run. */
static FILE	*tls_env_keylog;
static int	 tls_inited;

/* The system trust store, read once: parsing the bundle costs tens of
 * milliseconds, more than a handshake. */
static X509_STORE *tls_sys_store;

/* The run's self-signed certificate: made once, on first need. */
static X509	*tls_ss_cert;
static EVP_PKEY	*tls_ss_key;

/* A key log: appended to, never waited for (file.h). */
static FILE *
tls_keylog_open(const char *path, char *err, size_t errlen)
{
	FILE *f;
	int fd;

	fd = file_open(path, O_WRONLY | O_CREAT | O_APPEND, 0666, FILE_SINKS,
	    "key logs go to", err, errlen);
	if (fd == -1)
		return NULL;
	if ((f = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "%.200s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

/* The first TLS context loads OpenSSL (ossl.c). */
static int
tls_init(char *err, size_t errlen)
{
	const char *p;

	if (ossl_load(err, errlen) == -1)
		return -1;
	if (tls_inited)
		return 0;
	tls_inited = 1;
	if ((p = getenv("SSLKEYLOGFILE")) != NULL && *p != '\0') {
		char why[512];

		tls_env_keylog = tls_keylog_open(p, why, sizeof why);
		/* TLS works without it; say once why no key is logged. */
		if (tls_env_keylog == NULL)
			out_error(NULL, "SSLKEYLOGFILE: %s; no keys logged there",
			    why);
		else
			setvbuf(tls_env_keylog, NULL, _IOLBF, 0);
	}
	return 0;
}

/* The run's self-signed certificate, made on first need. */
static int
tls_self_signed(char *err, size_t errlen)
{
	if (tls_ss_cert != NULL)
		return 0;
	return tls_cert_self_signed(&tls_ss_cert, &tls_ss_key, err, errlen);
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

/* A file must be readable before OpenSSL's words about it make sense;
 * and a regular file, since OpenSSL reads it with blocking calls (a FIFO
 * or a terminal would hold the loop). */
static int
tls_readable(const char *opt, const char *path, const char *use, char *err,
    size_t errlen)
{
	char why[400];
	int fd;

	fd = file_open(path, O_RDONLY, 0, 0, use, why, sizeof why);
	if (fd == -1) {
		snprintf(err, errlen, "%s %s", opt, why);
		return -1;
	}
	close(fd);
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
	if (tls_readable("--cert", o->cert, "certificates are read from", err,
	    errlen) == -1 || tls_readable("--key", key, "keys are read from",
	    err, errlen) == -1)
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
	else if (tls_readable(opt, path, "CA certificates are read from a "
	    "directory or", err, errlen) == -1)
		return -1;
	else
		r = SSL_CTX_load_verify_locations(cfg->ctx, path, NULL);
	if (r != 1) {
		snprintf(err, errlen, "%s %.200s: %s", opt, path, tls_errstr());
		return -1;
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
	if (o->alpn != NULL) {
		struct buf b = BUF_INIT;

		if (tls_alpn_wire(o->alpn, &b, err, errlen) == -1) {
			buf_free(&b);
			return -1;
		}
		cfg->alpn_len = buf_len(&b);
		cfg->alpn = xmalloc(cfg->alpn_len);
		memcpy(cfg->alpn, buf_peek(&b), cfg->alpn_len);
		buf_free(&b);
	}
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

	if (tls_init(err, errlen) == -1)
		return NULL;
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
		struct stat a, b;
		char why[400];

		cfg->keylog = tls_keylog_open(o->keylog, why, sizeof why);
		if (cfg->keylog == NULL) {
			snprintf(err, errlen, "--keylog %s", why);
			tls_cfg_unref(cfg);
			return NULL;
		}
		/* The file $SSLKEYLOGFILE names already gets every line. */
		if (tls_env_keylog != NULL &&
		    fstat(fileno(cfg->keylog), &a) == 0 &&
		    fstat(fileno(tls_env_keylog), &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			fclose(cfg->keylog);
			cfg->keylog = NULL;
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

