/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proxy.h — the messages of proxy handshakes, with no I/O (SPEC §9): proxy
 * URLs; SOCKS5 (RFC 1928) greeting, method choice, user/password
 * sub-negotiation (RFC 1929), request and reply, domain names included;
 * SOCKS4a request and reply; HTTP CONNECT request (Basic credentials) and
 * response.  Both sides: a client builds requests and parses replies, a
 * relay parses requests and builds replies.
 *
 * Every parser takes the bytes received so far and returns the size of the
 * complete message at their start (> 0), 0 when more bytes are needed, or
 * -1 with err filled when they cannot be the message. */
#ifndef SOCKTOOL_PROXY_H
#define SOCKTOOL_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum proxy_type {
	PROXY_SOCKS5,	/* socks5://: the name resolved here */
	PROXY_SOCKS5H,	/* socks5h://: the name sent to the proxy */
	PROXY_SOCKS4A,	/* socks4a:// */
	PROXY_SOCKS4,	/* socks4://: an IPv4 address resolved here */
	PROXY_HTTP,	/* http://: CONNECT */
};

#define PROXY_NAME_MAX	255	/* SOCKS5 domain names are one length byte */
/* An HTTP response head larger than this is refused. */
#define PROXY_HTTP_HEAD_MAX	(16u << 10)

struct proxy_url {
	enum proxy_type	 type;
	char		 host[PROXY_NAME_MAX + 1];
	uint16_t	 port;
	int		 auth;		/* user and pass given */
	char		 user[PROXY_NAME_MAX + 1];
	char		 pass[PROXY_NAME_MAX + 1];
};

/* Where a request wants to go: a name or a numeric address as text. */
struct proxy_target {
	char		 host[PROXY_NAME_MAX + 1];
	uint16_t	 port;
};

/* "socks5://[USER:PASS@]HOST:PORT", socks5h, socks4, socks4a, http; %XX escapes
 * in USER and PASS.  0, or -1 with err. */
int	proxy_url_parse(const char *url, struct proxy_url *, char *err,
	    size_t errlen);
const char *proxy_type_name(enum proxy_type);
/* "socks5 127.0.0.1:1080" (never the password). */
void	proxy_url_fmt(const struct proxy_url *, struct buf *);

/* SOCKS5 methods. */
#define SOCKS5_NOAUTH	0x00
#define SOCKS5_USERPASS	0x02
#define SOCKS5_NONE	0xff
/* SOCKS5 reply codes. */
#define SOCKS5_OK		0
#define SOCKS5_FAILURE		1
#define SOCKS5_NOT_ALLOWED	2
#define SOCKS5_NET_UNREACH	3
#define SOCKS5_HOST_UNREACH	4
#define SOCKS5_REFUSED		5
#define SOCKS5_TTL		6
#define SOCKS5_BAD_CMD		7
#define SOCKS5_BAD_ATYP		8

/* Client side. */
void	socks5_greeting(struct buf *, int userpass);
int	socks5_choice_parse(const unsigned char *, size_t, int *method,
	    char *err, size_t errlen);
/* -1 when user or pass is empty or longer than 255 bytes. */
int	socks5_auth(struct buf *, const char *user, const char *pass);
int	socks5_auth_reply_parse(const unsigned char *, size_t, int *status,
	    char *err, size_t errlen);
/* CONNECT to host (an IPv4 or IPv6 address as text goes as one, anything
 * else as a domain name); -1 when the name is too long. */
int	socks5_connect(struct buf *, const char *host, uint16_t port);
int	socks5_reply_parse(const unsigned char *, size_t, int *rep,
	    struct proxy_target *bound, char *err, size_t errlen);
const char *socks5_reply_words(int rep);

/* SOCKS4a: an IPv4 address goes as one, a name after 0.0.0.1; -1 for an
 * IPv6 address or a name too long. */
int	socks4a_connect(struct buf *, const char *host, uint16_t port,
	    const char *user);
int	socks4_reply_parse(const unsigned char *, size_t, int *code,
	    char *err, size_t errlen);
const char *socks4_reply_words(int code);

/* HTTP CONNECT: the request (user NULL: no Proxy-Authorization) and the
 * response head: its status code and status line (safe text, no CR LF). */
void	http_connect(struct buf *, const char *host, uint16_t port,
	    const char *user, const char *pass);
int	http_response_parse(const unsigned char *, size_t, int *status,
	    char *line, size_t linelen, char *err, size_t errlen);

/* Relay side. */
/* The client's greeting: *methods gets bit 0 for no authentication, bit
 * 1 for user/password. */
int	socks5_greeting_parse(const unsigned char *, size_t, unsigned *methods,
	    char *err, size_t errlen);
void	socks5_choice(struct buf *, int method);
/* A request: *cmd (1 CONNECT, 2 BIND, 3 UDP ASSOCIATE) and its target;
 * an unknown address type is -1 with *cmd = -SOCKS5_BAD_ATYP. */
int	socks5_request_parse(const unsigned char *, size_t, int *cmd,
	    struct proxy_target *, char *err, size_t errlen);
/* A reply with a bound address (4 or 16 bytes, or NULL: 0.0.0.0:0). */
void	socks5_reply(struct buf *, int rep, const unsigned char *addr,
	    size_t alen, uint16_t port);
/* "CONNECT host:port HTTP/1.x" and its headers up to the empty line;
 * another method is -1 with *status 405. */
int	http_connect_parse(const unsigned char *, size_t,
	    struct proxy_target *, int *status, char *err, size_t errlen);
void	http_status(struct buf *, int code, const char *reason);

/* Base64 (RFC 4648), for Basic credentials. */
void	proxy_base64(struct buf *, const void *, size_t);
/* The end of an HTTP head (its empty line, after LF LF or CR LF CR LF)
 * in p: the head's size, or 0 while it is not complete. */
size_t	proxy_head_end(const unsigned char *p, size_t n);

#endif
