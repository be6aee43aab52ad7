/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tls.h — TLS configuration shared by the TLS transport (layer_tls.c) and its
 * commands (cmd_tls.c): OpenSSL contexts built from command options,
 * certificates described in words, the self-signed certificate of a run,
 * and key-log lines for Wireshark. */
#ifndef SOCKTOOL_TLS_H
#define SOCKTOOL_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

struct session;
struct role;
struct rec;

/* What the commands were given (NULL / 0: not given). */
/* The handshake limit when none is given: a peer that has not finished by
 * then goes (tls-server, relay legs; tls-client's --timeout default). */
#define TLS_HANDSHAKE_MS	10000

struct tls_opts {
	int		 server;	/* our side of the handshake */
	const char	*sni;		/* client: --sni */
	const char	*host;		/* client: the name dialled */
	const char	*alpn;		/* "h2,http/1.1" */
	const char	*ca;		/* client: --ca FILE|DIR */
	const char	*client_ca;	/* server: --client-ca FILE */
	const char	*cert, *key;
	const char	*version;	/* "1.2" or "1.3" */
	const char	*keylog;
	int		 insecure;
	uint64_t	 timeout_ms;	/* handshake limit, 0 = none */
};

/* One context and what goes with it, shared by a server and its peers
 * (reference counted: each connection holds one, and so does the session
 * that was created with it until it leaves the table). */
struct tls_cfg {
	int		 refs;
	unsigned	 owner;		/* the session that holds the base ref */
	SSL_CTX		*ctx;
	int		 server;
	char		*sni;		/* client: SNI sent (none for IPs) */
	char		*verify_name;	/* client: name the certificate needs */
	int		 insecure;
	int		 client_ca;	/* server: a client certificate needed */
	unsigned char	*alpn;		/* wire format */
	size_t		 alpn_len;
	FILE		*keylog;
	uint64_t	 timeout_ms;
	int		 self_signed;	/* server: the run's own certificate */
	char		 own_fp[100];	/* server: its certificate's SHA-256 */
	char		 own_subject[256];
};

/* Build a context from opts.  NULL with err on failure. */
struct tls_cfg	*tls_cfg_new(const struct tls_opts *, char *err, size_t errlen);
struct tls_cfg	*tls_cfg_ref(struct tls_cfg *);
void		 tls_cfg_unref(struct tls_cfg *);
/* Session s holds cfg's base reference and starts TLS once connected (it
 * gets the TLS role: role.h); a server's peers get theirs. */
void		 tls_cfg_own(struct tls_cfg *, struct session *);
extern const struct role tls_role;

/* A key-log line (NSS format) from the context of ssl, for session s: to
 * --keylog, to $SSLKEYLOGFILE and to the session's pcap logs. */
void		 tls_keylog(struct session *, const SSL *, const char *line);

/* The TLS layer (layer_tls.c). */
/* Start TLS on a connected plain session (starttls).  0, or -1 with the
 * session destroyed. */
int		 tls_start(struct session *, struct tls_cfg *);
/* The same under another layer (wss://, ws-server --tls): once the
 * handshake is done (its event shown) then(s) pushes what goes on top and
 * says when the session is ready.  0, or -1 with the session destroyed. */
int		 tls_start_then(struct session *, struct tls_cfg *,
		    void (*then)(struct session *));
/* A tls-server's listening socket: described with its certificate. */
void		 tls_listen_attach(struct session *);
/* s speaks TLS: a TLS layer is on it (after starttls, under a WebSocket),
 * or its role's sessions speak it (a tls-client still connecting, a
 * tls-server and its peers): the role has a TLS configuration for it. */
int		 tls_spoken(const struct session *);

#endif
