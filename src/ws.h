/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ws.h — WebSocket (RFC 6455) and permessage-deflate (RFC 7692) with no
 * I/O (SPEC §9): frames parsed incrementally and built (masked or not,
 * fragmented), messages reassembled, close payloads, UTF-8 checked across
 * fragments, the opening handshake for both sides (SHA-1 here, see ws.c),
 * and the deflate extension negotiated and applied with zlib.
 *
 * Parsers that take the bytes received so far return the size of the
 * complete thing at their start (> 0), 0 when more bytes are needed, or -1
 * with err filled in words. */
#ifndef SOCKTOOL_WS_H
#define SOCKTOOL_WS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Opcodes (RFC 6455 §5.2). */
#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa
/* The RSV field as 3 bits: RSV1 is the high one (permessage-deflate's). */
#define WS_RSV1		4u
#define WS_CONTROL_MAX	125	/* payload of a control frame */
#define WS_HEAD_MAX	(16u << 10)	/* an HTTP head larger than this is refused */

/* "text", "binary", "close", "ping", "pong", "continuation", "reserved". */
const char *ws_op_name(int opcode);
int	ws_op_is_control(int opcode);

/* --- Frames ---------------------------------------------------------------- */

struct ws_frame {
	int		 fin;
	unsigned	 rsv;		/* 3 bits, WS_RSV1 = 4 */
	int		 opcode;
	int		 masked;
	unsigned char	 key[4];
	uint64_t	 len;		/* payload bytes */
	size_t		 head;		/* header bytes on the wire */
	const unsigned char *payload;	/* unmasked; see ws_parser_next */
};

/* A frame's header at the start of p: its size (the payload follows), 0
 * for more, -1 when no header can start this way (a 64-bit length with
 * its top bit set).  Nothing about the frame's meaning is checked. */
int	ws_head_parse(const unsigned char *p, size_t n, struct ws_frame *,
	    char *err, size_t errlen);

/* An incremental parser: bytes in, checked frames out. */
struct ws_parser {
	struct buf	 in;		/* bytes not yet returned as a frame */
	size_t		 used;		/* of in: the last frame returned */
	int		 server;	/* 1: frames must be masked; 0: must not */
	unsigned	 rsv_ok;	/* RSV bits an extension allows */
	uint64_t	 max_frame;	/* payload bytes; 0: no limit */
};

void	ws_parser_init(struct ws_parser *, int server, uint64_t max_frame);
void	ws_parser_free(struct ws_parser *);
void	ws_parser_feed(struct ws_parser *, const void *, size_t);
/* 1 with the next frame (its payload unmasked, valid until the next call),
 * 0 when more bytes are needed, -1 with err when the bytes break the
 * protocol (the parser is then of no further use). */
int	ws_parser_next(struct ws_parser *, struct ws_frame *, char *err,
	    size_t errlen);

/* One frame onto out: key NULL sends it bare (a server's), else masked
 * with those 4 bytes (a client's).  Nothing is checked: any opcode, RSV
 * bits and size may be built, for testing a peer. */
void	ws_frame_build(struct buf *out, int fin, unsigned rsv, int opcode,
	    const unsigned char *key, const void *payload, size_t n);

/* Where a client's mask keys come from (4 bytes a frame); NULL: bare. */
typedef void ws_keyfn(unsigned char key[4], void *arg);

/* One message onto out as frames of at most frag payload bytes (0: one
 * frame); rsv goes on the first frame (WS_RSV1 for a compressed one).
 * Returns the number of frames. */
unsigned ws_message_build(struct buf *out, int opcode, unsigned rsv,
	    const void *payload, size_t n, size_t frag, ws_keyfn *key,
	    void *arg);

/* --- Messages ---------------------------------------------------------------- */

/* UTF-8 checked as it arrives: a sequence may be split anywhere. */
struct ws_utf8 {
	unsigned char	 need;		/* continuation bytes still to come */
	unsigned char	 lo, hi;	/* the range of the next one */
};

#define WS_UTF8_INIT	{ 0, 0x80, 0xbf }
/* 0 while the bytes can still be UTF-8, -1 from the first that cannot. */
int	ws_utf8_feed(struct ws_utf8 *, const void *, size_t);
/* 1 when the bytes so far end at a character's end. */
int	ws_utf8_complete(const struct ws_utf8 *);
int	ws_utf8_valid(const void *, size_t);

/* Data frames into messages.  Control frames may come between fragments
 * and are not given here. */
struct ws_reasm {
	int		 opcode;	/* of the message; 0: none begun */
	int		 compressed;	/* RSV1 on its first frame */
	unsigned	 frames;
	uint64_t	 max_msg;	/* payload bytes; 0: no limit */
	struct buf	 data;
	struct ws_utf8	 utf8;		/* text, when not compressed */
	int		 complete;
};

void	ws_reasm_init(struct ws_reasm *, uint64_t max_msg);
void	ws_reasm_free(struct ws_reasm *);
/* 1 when f ends a message (opcode, compressed, frames and data describe
 * it until the next call), 0 when more frames follow, -1 with err: a
 * continuation without a message, a new message inside one, a message
 * over max_msg, a text message that is not UTF-8 (checked here only when
 * not compressed: decompress, then ws_utf8_valid). */
int	ws_reasm_add(struct ws_reasm *, const struct ws_frame *f, char *err,
	    size_t errlen);

/* --- Close --------------------------------------------------------------- */

#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_NO_STATUS	1005	/* never on the wire: no code came */
#define WS_CLOSE_ABNORMAL	1006	/* never on the wire: no close came */
#define WS_CLOSE_BAD_DATA	1007
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_REASON_MAX	123

/* 1 when code may be sent in a close frame (RFC 6455 §7.4). */
int	ws_close_code_ok(int code);
/* "normal closure", "going away", ..., "private use", "unassigned". */
const char *ws_close_code_words(int code);
/* code 0: an empty payload.  -1 with err for a code that may not be
 * sent, or a reason over 123 bytes. */
int	ws_close_build(struct buf *, int code, const void *reason, size_t n,
	    char *err, size_t errlen);
/* A received close payload: 0 with its code (1005 when empty) and
 * reason (bytes of p), or -1 with err. */
int	ws_close_parse(const unsigned char *p, size_t n, int *code,
	    const unsigned char **reason, size_t *rlen, char *err,
	    size_t errlen);

/* --- Opening handshake --------------------------------------------------------- */

#define WS_NAME_MAX	255
#define WS_PATH_MAX	2048
#define WS_TEXT_MAX	512

void	ws_sha1(const void *, size_t, unsigned char out[20]);
/* The Sec-WebSocket-Key for 16 random bytes (24 characters + NUL). */
void	ws_key_encode(const unsigned char nonce[16], char out[25]);
/* The Sec-WebSocket-Accept for a key (28 characters + NUL). */
void	ws_accept(const char *key, char out[29]);

struct ws_url {
	int		 tls;		/* wss:// */
	char		 host[WS_NAME_MAX + 1];	/* without brackets */
	uint16_t	 port;
	char		 path[WS_PATH_MAX];	/* with the query; "/" at least */
};

/* ws://HOST[:PORT][/PATH][?QUERY], wss://; 0, or -1 with err. */
int	ws_url_parse(const char *, struct ws_url *, char *err, size_t errlen);
/* -1 with err unless h is "Name: value" that can travel in a head. */
int	ws_header_check(const char *h, char *err, size_t errlen);
/* -1 with err unless s is a comma-separated list of subprotocol tokens. */
int	ws_protocols_check(const char *s, char *err, size_t errlen);

struct ws_client_req {
	const struct ws_url *url;
	const char	*key;		/* ws_key_encode's */
	const char	*protocols;	/* "p1,p2" or NULL */
	const char	*origin;	/* or NULL */
	const char	*extensions;	/* an offer, or NULL */
	const char *const *headers;	/* "Name: value" each */
	size_t		 nheaders;
};

void	ws_client_request(struct buf *, const struct ws_client_req *);

/* The server's answer, as a client sees it.  Text is safe to show. */
struct ws_response {
	int		 status;
	char		 status_line[WS_TEXT_MAX];
	char		 protocol[WS_TEXT_MAX];		/* "": none */
	char		 extensions[WS_TEXT_MAX];	/* "": none */
	struct buf	 headers;	/* "Name: value\n" each, safe text */
	char		 why[WS_TEXT_MAX];	/* "": the upgrade succeeded */
};

/* The response head: its size, with r filled and r->why saying in words
 * why it is not a valid upgrade for this request (a status other than
 * 101, a missing or wrong Upgrade, Connection or Sec-WebSocket-Accept, a
 * subprotocol not offered, an extension not offered); 0 for more; -1
 * when it is not an HTTP response.  ws_response_free after use. */
int	ws_response_parse(const unsigned char *, size_t, const char *key,
	    const char *protocols, int deflate_offered, struct ws_response *r,
	    char *err, size_t errlen);
void	ws_response_free(struct ws_response *);

/* A client's request, as a server sees it. */
struct ws_request {
	char		 method[16];
	char		 path[WS_PATH_MAX];	/* as sent; safe text */
	char		 host[WS_NAME_MAX + 1];
	char		 key[64];
	char		 origin[WS_TEXT_MAX];
	char		 protocols[WS_TEXT_MAX];
	char		 extensions[WS_TEXT_MAX];
	int		 version;	/* Sec-WebSocket-Version; -1: none */
	int		 upgrade;	/* Upgrade: websocket */
	int		 conn_upgrade;	/* Connection: ... upgrade ... */
};

/* The request head: its size, 0 for more, -1 when it is not an HTTP
 * request or a header is too long (answer 400). */
int	ws_request_parse(const unsigned char *, size_t, struct ws_request *,
	    char *err, size_t errlen);
/* 101 when the request is a valid upgrade for path (NULL: any), else the
 * status to answer (400, 404, 405, 426) with why in words. */
int	ws_request_check(const struct ws_request *, const char *path,
	    char *why, size_t whylen);
/* The first of the client's subprotocols that ours (a list) has, into
 * out ("" when none). */
void	ws_protocol_choose(const char *offered, const char *ours, char *out,
	    size_t outlen);
void	ws_answer_101(struct buf *, const char *key, const char *protocol,
	    const char *extensions);
/* 400, 404, 405, 426 (with Sec-WebSocket-Version: 13) and a body saying
 * why. */
void	ws_answer_error(struct buf *, int status, const char *why);

/* --- permessage-deflate (RFC 7692) --------------------------------------------- */

struct ws_deflate_params {
	int		 client_no_context_takeover;
	int		 server_no_context_takeover;
	/* 8..15; 0: not given; -1 (an offer's client_max_window_bits
	 * without a value: the server may choose). */
	int		 client_max_window_bits;
	int		 server_max_window_bits;
};

/* "permessage-deflate; ..." as a client offers it. */
void	ws_deflate_offer(struct buf *, const struct ws_deflate_params *);
/* A server: the first acceptable permessage-deflate offer in the
 * Sec-WebSocket-Extensions value, with ours (no_context_takeover wishes)
 * applied: 1 with agreed and the answer's value in out, 0 when none. */
int	ws_deflate_accept(const char *offers, const struct ws_deflate_params *ours,
	    struct ws_deflate_params *agreed, struct buf *out);
/* A client: the server's Sec-WebSocket-Extensions value against what was
 * offered: 1 with agreed, 0 when empty, -1 with err. */
int	ws_deflate_response(const char *value,
	    const struct ws_deflate_params *offered,
	    struct ws_deflate_params *agreed, char *err, size_t errlen);

struct ws_deflate;
/* server: which side this end is, so which parameters bind which way. */
struct ws_deflate *ws_deflate_new(const struct ws_deflate_params *agreed,
	    int server);
void	ws_deflate_free(struct ws_deflate *);
/* A message's payload compressed onto out, 00 00 ff ff stripped; 0, or -1
 * with err. */
int	ws_deflate_compress(struct ws_deflate *, const void *, size_t,
	    struct buf *out, char *err, size_t errlen);
/* A compressed message inflated onto out, at most max bytes (0: no
 * limit); 0, or -1 with err (corrupt data, or larger than max). */
int	ws_deflate_decompress(struct ws_deflate *, const void *, size_t,
	    struct buf *out, size_t max, char *err, size_t errlen);

#endif
