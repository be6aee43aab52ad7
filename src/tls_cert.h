/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls_cert.h — pure TLS helpers: certificates and verification results in
 * words, ALPN lists in their wire format, the self-signed certificate a
 * server uses without --cert.  No I/O, no sessions: unit-tested in
 * tests/unit/test_tls.c. */
#ifndef SOCKTOOL_TLS_CERT_H
#define SOCKTOOL_TLS_CERT_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"

/* "CN=localhost,O=Example" (RFC 2253 order, UTF-8 kept). */
void		 tls_name(const X509_NAME *, char *out, size_t len);
/* "2027-01-01T00:00:00Z". */
void		 tls_time(const ASN1_TIME *, char *out, size_t len);
/* SHA-256 of the DER as `openssl x509 -fingerprint -sha256` writes it:
 * "AB:CD:...", 95 characters. */
void		 tls_fingerprint(const X509 *, char *out, size_t len);
/* The same abbreviated for a line people read: its first four bytes and
 * its last two, "8B:69:4C:14:...:22:E6" (a short one as it is). */
void		 tls_fingerprint_short(const char *fp, char *out, size_t len);
/* The whole fingerprint as two lines' worth, cut after a colon (a server
 * says it whole, for clients to pin, within 80 columns). */
void		 tls_fingerprint_halves(const char *fp, char *a, char *b,
		    size_t len);
/* "expired", "self-signed", "unknown issuer", "host name mismatch", ... */
const char	*tls_verify_words(long code);
/* "h2,http/1.1" appended to out as length-prefixed names.  0, or -1 with
 * err (an empty or over-long name). */
int		 tls_alpn_wire(const char *list, struct buf *out, char *err,
		    size_t errlen);
/* An IPv4 or IPv6 address ("[::1]" too), never sent as SNI. */
int		 tls_is_ip(const char *);
/* A fresh EC P-256 certificate for localhost, 127.0.0.1 and ::1, valid from
 * an hour ago (clocks differ) for 30 days.  0, or -1 with err. */
int		 tls_cert_self_signed(X509 **, EVP_PKEY **, char *err,
		    size_t errlen);
/* The last OpenSSL error in words; the error queue is emptied. */
const char	*tls_errstr(void);

#endif
