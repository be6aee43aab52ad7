/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layer_tls.c — the TLS layer: OpenSSL on top of a stream layer, non-blocking
 * and serviced by the loop.  OpenSSL reaches the wire only through the
 * layer below (a BIO of our own), never the descriptor itself.  The handshake is a state of its
 * own (handshaking); what OpenSSL wants next (to read or to write) becomes
 * poll interest, as OpenBSD nc's tls_read()/TLS_WANT_POLLIN do.  Records
 * are reported to pcap logs as they cross the layer below (pipe_wire), and the
 * pipeline above sees plain bytes as on any stream. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ossl.h"
#include "buf.h"
#include "codec.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "session.h"
#include "tls.h"
#include "tls_cert.h"
#include "layer.h"

/* Handshake records held for the captures (see tls_bio_cb); a handshake
 * larger than this is written as it goes. */
#define TLS_HOLD_MAX	(256u << 10)

struct tls_conn {
	struct layer	*layer;		/* ours, in the session's stack */
	SSL		*ssl;
	int		 bio_eof;	/* the layer below reached its end */
	struct tls_cfg	*cfg;
	int		 done;		/* handshake complete */
	int		 hs_want;	/* what the handshake waits for */
	int		 rd_want;	/* what SSL_read waits for */
	int		 shut_pending;	/* close_notify not fully written */
	uint64_t	 hs_timer;
	uint64_t	 more_timer;	/* records held inside OpenSSL */
	/* The end of the stream, seen after data was gathered: given on the
	 * next read (0: none; -1: close_notify; else the errno). */
	int		 end;
	/* Handshake records not yet shown to the captures:
	 * [dir][size_t n][n bytes]... */
	struct buf	 hold;
	int		 held_out;	/* hold flushed: report as they pass */
	/* The verification as it went (the first failure). */
	long		 vcode;
	X509		*leaf;
	char		 alert_in[64];	/* the last alert the peer sent */
	char		 alert_out[64];	/* the last alert we sent */
	/* An error the transport explains itself (pipe_fail -> fail op). */
	const char	*fail_reason;
	char		 fail_msg[640];
	/* The handshake's outcome, for the event and `show`. */
	char		 version[16];
	char		 cipher[64];
	char		 alpn[256];
	char		 sni[256];
	char		 summary[512];
	char		**chain;	/* described, leaf first */
	size_t		 nchain;
	/* What goes on top once the handshake is done (tls_start_then);
	 * NULL: the session is ready then. */
	void		(*then)(struct session *);
};

static const struct layer_ops tr_tls;
static void	tls_details(const struct session *, struct rec *);

static void	tls_handshake(struct session *);

static struct tls_conn *
tls_conn(const struct session *s)
{
	struct layer *l = layer_find(s, &tr_tls);

	return l != NULL ? l->state : NULL;
}

/* The handshake's records, held until now, go to the captures: after
 * every secret of the handshake (pipe_secret writes those at once). */
static void
tls_release(struct session *s)
{
	struct tls_conn *c = tls_conn(s);
	const unsigned char *p = buf_peek(&c->hold);
	size_t left = buf_len(&c->hold);

	c->held_out = 1;
	while (left > 1 + sizeof(size_t)) {
		size_t n;

		memcpy(&n, p + 1, sizeof n);
		pipe_wire(c->layer->below, p[0], p + 1 + sizeof n, n);
		p += 1 + sizeof n + n;
		left -= 1 + sizeof n + n;
	}
	buf_free(&c->hold);
}

/*
 * Every record as it crossed the layer below goes to the captures (pcap
 * logs).  During the handshake they are held back: OpenSSL yields the
 * handshake secrets only after the ServerHello and the traffic secrets
 * after the Finished, but Wireshark looks a secret up when it meets the
 * record that needs it, so every secret must come before the handshake in
 * the file.
 */
static void
tls_wire(struct tls_conn *c, int dir, const void *p, size_t n)
{
	if (!c->held_out) {
		unsigned char d = (unsigned char)dir;

		buf_append(&c->hold, &d, 1);
		buf_append(&c->hold, &n, sizeof n);
		buf_append(&c->hold, p, n);
		if (buf_len(&c->hold) > TLS_HOLD_MAX)
			tls_release(c->layer->s);
		return;
	}
	pipe_wire(c->layer->below, dir, p, n);
}

/*
 * OpenSSL's BIO onto the layer below: what OpenSSL writes goes to that
 * layer's write, what it reads comes from that layer's read.  EAGAIN
 * becomes "retry" (the loop comes back when the layer below is ready), an
 * end of stream an EOF OpenSSL can tell from an error, anything else an
 * error with errno kept for tls_explain.
 */
static int
tls_bio_write(BIO *b, const char *p, size_t n, size_t *done)
{
	struct tls_conn *c = BIO_get_data(b);
	struct layer *below;
	ssize_t w;

	BIO_clear_retry_flags(b);
	if (c == NULL)
		return 0;
	below = c->layer->below;
	w = below->ops->write(below, (const unsigned char *)p, n, NULL);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_write(b);
		return 0;
	}
	*done = (size_t)w;
	tls_wire(c, '>', p, (size_t)w);
	return 1;
}

static int
tls_bio_read(BIO *b, char *p, size_t n, size_t *done)
{
	struct tls_conn *c = BIO_get_data(b);
	struct rx_meta m = { NULL, 0, 0, NULL, NULL, 0 };
	struct layer *below;
	ssize_t r;

	BIO_clear_retry_flags(b);
	if (c == NULL)
		return 0;
	below = c->layer->below;
	r = below->ops->read(below, (unsigned char *)p, n, &m);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			BIO_set_retry_read(b);
		return 0;
	}
	if (r == 0) {
		c->bio_eof = 1;
		errno = 0;
		return 0;
	}
	*done = (size_t)r;
	tls_wire(c, '<', p, (size_t)r);
	return 1;
}

static long
tls_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tls_conn *c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;	/* nothing is buffered here */
	case BIO_CTRL_EOF:
		return c != NULL && c->bio_eof;
	default:
		return 0;
	}
}

static int
tls_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static BIO_METHOD *
tls_bio_method(void)
{
	static BIO_METHOD *m;

	if (m == NULL && (m = BIO_meth_new(BIO_get_new_index() |
	    BIO_TYPE_SOURCE_SINK, "socktool layer")) != NULL) {
		BIO_meth_set_write_ex(m, tls_bio_write);
		BIO_meth_set_read_ex(m, tls_bio_read);
		BIO_meth_set_ctrl(m, tls_bio_ctrl);
		BIO_meth_set_create(m, tls_bio_create);
	}
	return m;
}

/* An alert's name as RFC 8446 gives it, for the ones OpenSSL 3.0 calls
 * "unknown" (TLS 1.3's certificate_required among them). */
static const char *
tls_alert_name(int val)
{
	switch (val & 0xff) {
	case 86:
		return "inappropriate fallback";
	case 90:
		return "user canceled";
	case 109:
		return "missing extension";
	case 110:
		return "unsupported extension";
	case 112:
		return "unrecognized name";
	case 113:
		return "bad certificate status response";
	case 115:
		return "unknown PSK identity";
	case 116:
		return "certificate required";
	case 120:
		return "no application protocol";
	default:
		return SSL_alert_desc_string_long(val);
	}
}

/* Alerts by name, both ways, for the words of a failure. */
static void
tls_info_cb(const SSL *ssl, int where, int val)
{
	struct session *s = SSL_get_app_data(ssl);
	struct tls_conn *c;

	if (s == NULL || (c = tls_conn(s)) == NULL || !(where & SSL_CB_ALERT))
		return;
	/* close_notify is an orderly end, not news. */
	if ((val & 0xff) == SSL3_AD_CLOSE_NOTIFY)
		return;
	snprintf((where & SSL_CB_READ) ? c->alert_in : c->alert_out,
	    sizeof c->alert_in, "%s", tls_alert_name(val));
}

/* Remember the first failure and the leaf, whatever the verify mode: a
 * failed handshake keeps no peer certificate to describe. */
static int
tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct session *s = ssl ? SSL_get_app_data(ssl) : NULL;
	struct tls_conn *c = s ? tls_conn(s) : NULL;

	if (c == NULL)
		return ok;
	if (c->leaf == NULL && X509_STORE_CTX_get0_cert(x) != NULL) {
		c->leaf = X509_STORE_CTX_get0_cert(x);
		X509_up_ref(c->leaf);
	}
	if (!ok && c->vcode == X509_V_OK)
		c->vcode = X509_STORE_CTX_get_error(x);
	return ok;
}

/* "subject CN=x, issued by CN=y, until T, sha256 F" */
static void
tls_describe_cert(X509 *x, struct buf *out)
{
	char subj[256], iss[256], t[40], fp[100];

	tls_name(X509_get_subject_name(x), subj, sizeof subj);
	tls_name(X509_get_issuer_name(x), iss, sizeof iss);
	tls_time(X509_get0_notAfter(x), t, sizeof t);
	tls_fingerprint(x, fp, sizeof fp);
	buf_printf(out, "%s, issued by %s, until %s, sha256 %s", subj, iss, t,
	    fp);
}

/* The words of a failed verification: why, about what, and the way out. */
static void
tls_verify_msg(struct session *s, long code, struct buf *m)
{
	struct tls_conn *c = tls_conn(s);
	char t[40];

	buf_printf(m, "%scertificate verification failed: %s",
	    c->cfg->server ? "client " : "", tls_verify_words(code));
	if (c->leaf != NULL && code == X509_V_ERR_CERT_HAS_EXPIRED) {
		tls_time(X509_get0_notAfter(c->leaf), t, sizeof t);
		buf_printf(m, " (on %s)", t);
	} else if (c->leaf != NULL && code == X509_V_ERR_CERT_NOT_YET_VALID) {
		tls_time(X509_get0_notBefore(c->leaf), t, sizeof t);
		buf_printf(m, " (valid from %s)", t);
	} else if ((code == X509_V_ERR_HOSTNAME_MISMATCH ||
	    code == X509_V_ERR_IP_ADDRESS_MISMATCH) &&
	    c->cfg->verify_name != NULL)
		buf_printf(m, " (the certificate is not for %s)",
		    c->cfg->verify_name);
	if (c->leaf != NULL) {
		buf_puts(m, "; ");
		tls_describe_cert(c->leaf, m);
	}
	if (!c->cfg->server)
		buf_puts(m, "; --insecure connects anyway");
}

/* Why OpenSSL failed, in words, into c->fail_reason / fail_msg.  e: the
 * SSL_get_error() code; err: errno at the time. */
static void
tls_explain(struct session *s, int e, int err, int during_handshake)
{
	struct tls_conn *c = tls_conn(s);
	unsigned long le = ERR_peek_last_error();
	int reason = le ? ERR_GET_REASON(le) : 0;
	const char *what = during_handshake ? "TLS handshake failed" :
	    "TLS error";
	long vr = SSL_get_verify_result(c->ssl);
	struct buf m = BUF_INIT;

	c->fail_reason = "tls";
	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED ||
	    (during_handshake && vr != X509_V_OK && !c->cfg->insecure &&
	    (c->cfg->client_ca || !c->cfg->server) && c->alert_in[0] == '\0'))
		tls_verify_msg(s, vr != X509_V_OK ? vr : c->vcode, &m);
	else if (c->alert_in[0] != '\0')
		buf_printf(&m, "%s: the peer sent alert \"%s\"", what,
		    c->alert_in);
	else if (e == SSL_ERROR_SYSCALL && err != 0) {
		c->fail_reason = err == ECONNRESET ? "reset" : "error";
		buf_printf(&m, "%s: %s", what, err == ECONNRESET ?
		    "connection reset by peer" : strerror(err));
	} else if ((e == SSL_ERROR_SYSCALL && err == 0) ||
	    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		if (during_handshake)
			buf_printf(&m, "%s: the peer closed the connection",
			    what);
		else {
			/* Data may have been cut off: say so. */
			c->fail_reason = "peer";
			buf_puts(&m, "connection closed by peer without TLS "
			    "close_notify (truncated close)");
		}
	} else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
		buf_printf(&m, "%s: the client sent no certificate "
		    "(--client-ca requires one)", what);
	else if (reason == SSL_R_WRONG_VERSION_NUMBER ||
	    reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    reason == SSL_R_HTTP_REQUEST)
		buf_printf(&m, "%s: %s (the peer does not speak TLS?)", what,
		    le ? ERR_reason_error_string(le) : "bad record");
	else
		buf_printf(&m, "%s: %s", what, le && ERR_reason_error_string(le)
		    ? ERR_reason_error_string(le) : "unknown error");
	if (c->alert_out[0] != '\0' && c->alert_in[0] == '\0' &&
	    reason != SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    strcmp(c->fail_reason, "peer") != 0)
		buf_printf(&m, " (alert \"%s\" sent)", c->alert_out);
	snprintf(c->fail_msg, sizeof c->fail_msg, "%s", buf_cstr(&m));
	buf_free(&m);
	ERR_clear_error();
}

/* End the session with the words tls_explain found.  They are copied:
 * the connection that holds them goes with the session. */
static void
tls_destroy(struct session *s)
{
	struct tls_conn *c = tls_conn(s);
	char msg[sizeof c->fail_msg];
	const char *reason = c->fail_reason;

	snprintf(msg, sizeof msg, "%s", c->fail_msg);
	sess_destroy(s, reason, msg);
}

static ssize_t
tls_read(struct layer *l, unsigned char *p, size_t n, struct rx_meta *meta)
{
	struct session *s = l->s;
	struct tls_conn *c = l->state;
	size_t got = 0;

	(void)meta;
	if (!c->done) {
		errno = EAGAIN;
		return -1;
	}
	if (c->end != 0) {
		if (c->end == -1)
			return 0;
		errno = c->end;
		return -1;
	}
	c->rd_want = LOOP_READ;
	/* Records are at most 16 KiB: gather several per call, so the
	 * pipeline sees reads as large as a plain stream's. */
	while (got < n) {
		size_t k = 0;
		int r, e;

		ERR_clear_error();
		errno = 0;
		r = SSL_read_ex(c->ssl, p + got, n - got, &k);
		if (r == 1) {
			got += k;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_WANT_WRITE) {
			c->rd_want = LOOP_WRITE;
			break;
		}
		if (e == SSL_ERROR_ZERO_RETURN)
			c->end = -1;		/* close_notify */
		else {
			int err = errno;

			tls_explain(s, e, err, 0);
			c->end = e == SSL_ERROR_SYSCALL && err != 0 ? err :
			    EPROTO;
		}
		/* Deliver what came first; the end shows on the next read,
		 * which the socket will not prompt (tls_kick does). */
		if (got > 0)
			return (ssize_t)got;
		if (c->end == -1)
			return 0;
		errno = c->end;
		return -1;
	}
	if (got > 0)
		return (ssize_t)got;
	errno = EAGAIN;
	return -1;
}

static ssize_t
tls_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	struct session *s = l->s;
	struct tls_conn *c = l->state;
	size_t k = 0;
	int r, e;

	(void)to;
	if (!c->done || c->shut_pending) {
		errno = EAGAIN;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	r = SSL_write_ex(c->ssl, p, n, &k);
	if (r == 1)
		return (ssize_t)k;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
		errno = EAGAIN;
		return -1;
	}
	if (e == SSL_ERROR_SYSCALL && errno != 0) {
		int err = errno;

		ERR_clear_error();
		errno = err;
		return -1;
	}
	tls_explain(s, e, errno, 0);
	errno = EPROTO;
	return -1;
}

/* close_notify, then FIN.  A close_notify the socket could not take yet
 * goes out when it is writable; unacked counts it meanwhile. */
static void
tls_shutdown_step(struct session *s)
{
	struct tls_conn *c = tls_conn(s);
	int r;

	ERR_clear_error();
	r = SSL_shutdown(c->ssl);
	if (r < 0 && SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_WRITE) {
		c->shut_pending = 1;
		ERR_clear_error();
		return;
	}
	ERR_clear_error();
	c->shut_pending = 0;
	c->layer->below->ops->shutdown(c->layer->below);
}

static int
tls_shutdown(struct layer *l)
{
	struct tls_conn *c = l->state;

	if (!c->done) {
		tls_release(l->s);
		return l->below->ops->shutdown(l->below);
	}
	tls_shutdown_step(l->s);
	return 0;
}

/* Whether the pipeline takes more now (pipe_want decides, for TLS as for
 * every layer: read off, hold, a full partner, a full responder). */
static int
tls_can_read(const struct session *s)
{
	return (pipe_want(s) & PIPE_WANT_READ) != 0;
}

static void	tls_kick(struct session *);

/* The pipeline's wants in OpenSSL's terms: the handshake asks for what it
 * asks; a read may need the socket writable; a close_notify still owed
 * needs it writable whatever the queue. */
static int
tls_want(struct layer *l, int pw)
{
	struct tls_conn *c = l->state;
	int mask;

	if (!c->done)
		mask = c->hs_want;
	else {
		mask = 0;
		if (pw & PIPE_WANT_READ) {
			mask |= c->rd_want;
			/* Records OpenSSL already holds never wake the
			 * socket. */
			tls_kick(l->s);
		}
		if ((pw & PIPE_WANT_WRITE) || c->shut_pending)
			mask |= LOOP_WRITE;
	}
	return layer_want_below(l, ((mask & LOOP_READ) ? PIPE_WANT_READ : 0) |
	    ((mask & LOOP_WRITE) ? PIPE_WANT_WRITE : 0));
}

static int
tls_control(struct layer *l, enum layer_ctl op, void *arg)
{
	struct tls_conn *c = l->state;

	switch (op) {
	case LCTL_UNACKED:
		/* The wire's, and a close_notify OpenSSL still owes. */
		*(size_t *)arg = layer_unacked_below(l) + (c->shut_pending != 0);
		return 0;
	case LCTL_DETAILS:
		tls_details(l->s, arg);
		return 0;
	case LCTL_FAIL:
		if (c->fail_reason == NULL)
			return -1;	/* errno says it: the session's words */
		tls_destroy(l->s);
		return 0;
	default:
		return -1;
	}
}

static void
tls_describe(const struct layer *l, struct buf *out)
{
	const struct tls_conn *c = l->state;

	if (c == NULL || !c->done) {
		buf_puts(out, "tls, handshaking");
		return;
	}
	buf_printf(out, "tls %s, %s", c->version[0] ? c->version + 4 : "?",
	    c->cipher);
}

static void	tls_more(void *);

/* Input that only OpenSSL knows about (records it read ahead, or the end
 * of the stream found behind data) is read on the next loop iteration. */
static void
tls_kick(struct session *s)
{
	struct tls_conn *c = tls_conn(s);

	if (tls_can_read(s) && c->more_timer == 0 && (c->end != 0 ||
	    SSL_has_pending(c->ssl)))
		c->more_timer = loop_timer_add(0, tls_more, s);
}

static void
tls_more(void *arg)
{
	struct session *s = arg;
	struct tls_conn *c = tls_conn(s);

	c->more_timer = 0;
	if (c->layer != s->top) {
		/* A filter on top reads through us: it gets a read event
		 * (and asks again through tls_want when it wants more). */
		layer_io(s, LOOP_READ);
		return;
	}
	if (tls_can_read(s) && pipe_input(s, 0) == -1)
		return;
	tls_kick(s);
	layer_interest(s);
}

static void
tls_io(struct layer *l, int events)
{
	struct session *s = l->s;
	struct tls_conn *c = l->state;

	if (!c->done) {
		tls_handshake(s);
		return;
	}
	if (s->eof && (events & (LOOP_HUP | LOOP_ERR))) {
		sess_hangup(s);
		return;
	}
	if (!s->eof && (events & (LOOP_HUP | LOOP_ERR))) {
		if (pipe_input(s, 1) == -1)
			return;
	} else if (tls_can_read(s) && ((c->rd_want == LOOP_READ &&
	    (events & LOOP_READ)) ||
	    (c->rd_want == LOOP_WRITE && (events & LOOP_WRITE)))) {
		if (pipe_input(s, 0) == -1)
			return;
	}
	if (c->shut_pending && (events & LOOP_WRITE))
		tls_shutdown_step(s);
	if ((events & LOOP_WRITE) && pipe_output(s) == -1)
		return;
	tls_kick(s);
	layer_interest(s);
}

static void
tls_free(struct layer *l, int abort)
{
	struct tls_conn *c = l->state;
	size_t i;

	(void)abort;
	if (c->hs_timer)
		loop_timer_del(c->hs_timer);
	if (c->more_timer)
		loop_timer_del(c->more_timer);
	/* Nothing more reaches the layer below or the captures: the
	 * session is leaving. */
	BIO_set_data(SSL_get_rbio(c->ssl), NULL);
	SSL_set_app_data(c->ssl, NULL);
	SSL_free(c->ssl);
	X509_free(c->leaf);
	buf_free(&c->hold);
	for (i = 0; i < c->nchain; i++)
		free(c->chain[i]);
	free(c->chain);
	tls_cfg_unref(c->cfg);
	free(c);
	l->state = NULL;
}

static const struct layer_ops tr_tls = {
	.name = "tls",
	.adds = KIND_TLS,
	.io = tls_io,
	.read = tls_read,
	.write = tls_write,
	.shutdown = tls_shutdown,
	.want = tls_want,
	.control = tls_control,
	.describe = tls_describe,
	.free = tls_free,
};

/* The handshake lines and the JSON `tls` event (SPEC §6): the protocol,
 * then the certificate and the verdict on lines of their own, packed to the
 * terminal's width; the fingerprint abbreviated (whole in `show` and JSON). */
static void
tls_event(struct session *s)
{
	struct tls_conn *c = tls_conn(s);
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	char subj[256], iss[256], t[40], fp[100], fps[40];
	long vr = SSL_get_verify_result(c->ssl);
	int verified = peer != NULL && vr == X509_V_OK;
	const char *verr = NULL;
	struct buf tpl = BUF_INIT, fpl = BUF_INIT;
	struct out_piece pc[8];
	size_t n = 0;
	struct rec r;

	if (peer == NULL)
		verr = c->cfg->server ? "no client certificate" :
		    "no certificate";
	else if (vr != X509_V_OK)
		verr = tls_verify_words(vr);
	rec_begin(&r, "tls");
	r.stamp = s->set->timestamps;
	r.color = "ev";
	rec_u64(&r, "id", s->id);
	rec_str(&r, "version", c->version);
	rec_str(&r, "cipher", c->cipher);
	rec_str(&r, "alpn", c->alpn[0] ? c->alpn : NULL);
	rec_str(&r, "sni", c->sni[0] ? c->sni : NULL);
	pc[n++] = (struct out_piece){ NULL, "[{id}] {version} {cipher}", 0 };
	if (c->alpn[0])
		pc[n++] = (struct out_piece){ ", ", "alpn {alpn}", 0 };
	if (c->sni[0])
		pc[n++] = (struct out_piece){ ", ", "sni {sni}", 0 };
	if (peer != NULL) {
		tls_name(X509_get_subject_name(peer), subj, sizeof subj);
		tls_name(X509_get_issuer_name(peer), iss, sizeof iss);
		tls_time(X509_get0_notAfter(peer), t, sizeof t);
		tls_fingerprint(peer, fp, sizeof fp);
		tls_fingerprint_short(fp, fps, sizeof fps);
		rec_strescaped(&r, "subject", subj);
		rec_strescaped(&r, "issuer", iss);
		rec_str(&r, "not_after", t);
		rec_str(&r, "sha256", fp);
		/* Hex digits and colons: a template with no fields. */
		buf_printf(&fpl, "sha256 %s", fps);
		pc[n++] = (struct out_piece){ NULL, "cert {subject}", 1 };
		pc[n++] = (struct out_piece){ ", ", "issued by {issuer}", 0 };
		pc[n++] = (struct out_piece){ ", ", "until {not_after}", 0 };
		pc[n++] = (struct out_piece){ NULL, buf_cstr(&fpl), 1 };
	} else {
		rec_str(&r, "subject", NULL);
		rec_str(&r, "issuer", NULL);
		rec_str(&r, "not_after", NULL);
		rec_str(&r, "sha256", NULL);
	}
	rec_bool(&r, "verified", verified);
	rec_str(&r, "verify_error", verr);
	if (verified)
		pc[n] = (struct out_piece){ "; ", "verified", 0 };
	else if (peer == NULL)
		pc[n] = (struct out_piece){ "; ", "{verify_error}", 0 };
	else if (c->cfg->insecure)
		pc[n] = (struct out_piece){ "; ", "NOT verified (--insecure): "
		    "{verify_error}", 0 };
	else
		pc[n] = (struct out_piece){ "; ", "not verified: {verify_error}",
		    0 };
	out_rec_pieces(&r, pc, n + 1, "[{id}]   ");
	rec_free(&r);
	buf_free(&fpl);
	buf_printf(&tpl, "%s %s", c->version, c->cipher);
	if (c->alpn[0])
		buf_printf(&tpl, ", alpn %s", c->alpn);
	if (c->sni[0])
		buf_printf(&tpl, ", sni %s", c->sni);
	buf_printf(&tpl, ", %s", verified ? "verified" : verr != NULL ? verr :
	    "not verified");
	snprintf(c->summary, sizeof c->summary, "%s", buf_cstr(&tpl));
	buf_free(&tpl);
}

/* The chain `show` lists: the verified one when there is one (it ends at
 * the trust anchor), else what the peer sent. */
static void
tls_keep_chain(struct tls_conn *c)
{
	STACK_OF(X509) *ch = SSL_get0_verified_chain(c->ssl);
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	struct buf b = BUF_INIT;
	int i, n, own = 0;

	if (ch == NULL || sk_X509_num(ch) == 0) {
		ch = SSL_get_peer_cert_chain(c->ssl);
		/* A server's list leaves out the client's own certificate. */
		own = c->cfg->server && peer != NULL;
	}
	n = ch != NULL ? sk_X509_num(ch) : 0;
	c->chain = xcalloc((size_t)n + 1, sizeof *c->chain);
	if (own) {
		tls_describe_cert(peer, &b);
		c->chain[c->nchain++] = xstrdup(buf_cstr(&b));
	}
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		tls_describe_cert(sk_X509_value(ch, i), &b);
		c->chain[c->nchain++] = xstrdup(buf_cstr(&b));
	}
	buf_free(&b);
}

static void
tls_established(struct session *s)
{
	struct tls_conn *c = tls_conn(s);
	const unsigned char *a = NULL;
	unsigned alen = 0;
	const char *sn;

	if (c->hs_timer) {
		loop_timer_del(c->hs_timer);
		c->hs_timer = 0;
	}
	c->done = 1;
	c->rd_want = LOOP_READ;
	s->state = S_CONNECTED;
	tls_release(s);
	snprintf(c->version, sizeof c->version, "%s", SSL_get_version(c->ssl));
	snprintf(c->cipher, sizeof c->cipher, "%s",
	    SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)));
	SSL_get0_alpn_selected(c->ssl, &a, &alen);
	if (alen > 0)
		snprintf(c->alpn, sizeof c->alpn, "%.*s", (int)alen, a);
	sn = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
	if (sn != NULL)
		snprintf(c->sni, sizeof c->sni, "%s", sn);
	tls_keep_chain(c);
	tls_event(s);
	/* Past the handshake every secret is logged: read ahead freely. */
	SSL_set_read_ahead(c->ssl, 1);
	if (c->then != NULL) {
		/* A layer on top (WebSocket) has its own handshake. */
		c->then(s);
		return;
	}
	pipe_event(s, TAP_READY, NULL, 0);
	if (s->role != NULL && s->role->ready != NULL && s->role->ready(s) == -1)
		return;
	layer_interest(s);
	if (pipe_output(s) == -1)
		return;
	tls_kick(s);
}

static void
tls_handshake(struct session *s)
{
	struct tls_conn *c = tls_conn(s);
	int r, e, err;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		tls_established(s);
		return;
	}
	err = errno;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->hs_want = e == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		layer_interest(s);
		return;
	}
	tls_explain(s, e, err, 1);
	tls_release(s);
	tls_destroy(s);
}

static void
tls_hs_timeout(void *arg)
{
	struct session *s = arg;
	struct tls_conn *c = tls_conn(s);
	struct buf m = BUF_INIT;

	c->hs_timer = 0;
	tls_release(s);
	buf_puts(&m, "TLS handshake timed out after ");
	codec_fmt_duration(c->cfg->timeout_ms, &m);
	/* A client's --timeout bounds its connect as a whole (reason
	 * timeout); a server's peer that never finishes is a TLS failure of
	 * that peer, like a bad ClientHello. */
	sess_destroy(s, c->cfg->server ? "tls" : "timeout", buf_cstr(&m));
	buf_free(&m);
}

int
tls_start(struct session *s, struct tls_cfg *cfg)
{
	return tls_start_then(s, cfg, NULL);
}

int
tls_start_then(struct session *s, struct tls_cfg *cfg,
    void (*then)(struct session *))
{
	struct tls_conn *c;
	BIO *b;

	c = xcalloc(1, sizeof *c);
	c->cfg = tls_cfg_ref(cfg);
	c->then = then;
	c->vcode = X509_V_OK;
	c->hs_want = LOOP_READ;
	c->rd_want = LOOP_READ;
	c->ssl = SSL_new(cfg->ctx);
	b = tls_bio_method() != NULL ? BIO_new(tls_bio_method()) : NULL;
	if (c->ssl == NULL || b == NULL) {
		BIO_free(b);
		SSL_free(c->ssl);
		tls_cfg_unref(c->cfg);
		free(c);
		ERR_clear_error();
		sess_destroy(s, "tls", "cannot start TLS: out of memory");
		return -1;
	}
	BIO_set_data(b, c);
	SSL_set_bio(c->ssl, b, b);
	SSL_set_app_data(c->ssl, s);
	SSL_set_info_callback(c->ssl, tls_info_cb);
	if (cfg->server) {
		SSL_set_accept_state(c->ssl);
		SSL_set_verify(c->ssl, cfg->client_ca ? SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE,
		    tls_verify_cb);
	} else {
		SSL_set_connect_state(c->ssl);
		if (cfg->sni != NULL)
			SSL_set_tlsext_host_name(c->ssl, cfg->sni);
		if (cfg->verify_name != NULL)
			SSL_set1_host(c->ssl, cfg->verify_name);
		SSL_set_verify(c->ssl, cfg->insecure ? SSL_VERIFY_NONE :
		    SSL_VERIFY_PEER, tls_verify_cb);
	}
	ERR_clear_error();
	s->state = S_HANDSHAKING;
	/* starttls and a TLS server's peers alike: a layer on the stream. */
	layer_push(s, &tr_tls, c);
	c->layer = s->top;
	if (cfg->timeout_ms > 0)
		c->hs_timer = loop_timer_add(cfg->timeout_ms, tls_hs_timeout, s);
	if (!cfg->server) {
		unsigned id = s->id;

		/* The ClientHello goes now. */
		tls_handshake(s);
		if (sess_find(id) != s)
			return -1;
	}
	return 0;
}

/* A tls-server listens as a tcp-server does; only `show` tells them
 * apart, with the certificate its peers are offered. */
static struct layer_ops tr_tls_listen;

static void
tls_listen_describe(const struct layer *l, struct buf *out)
{
	const struct session *s = l->s;
	const struct tls_cfg *cfg = s->role != NULL && s->role->tls != NULL ?
	    s->role->tls(s) : NULL;

	buf_puts(out, "tls listener");
	if (cfg != NULL)
		buf_printf(out, ", %scertificate %s, sha256 %s",
		    cfg->self_signed ? "self-signed " : "", cfg->own_subject,
		    cfg->own_fp);
}

int
tls_spoken(const struct session *s)
{
	return layer_find(s, &tr_tls) != NULL || (s->role != NULL &&
	    s->role->tls != NULL && s->role->tls(s) != NULL);
}

void
tls_listen_attach(struct session *s)
{
	if (tr_tls_listen.io == NULL) {
		tr_tls_listen = tr_listen;
		tr_tls_listen.name = "tls-listen";
		tr_tls_listen.describe = tls_listen_describe;
	}
	layer_attach(s, &tr_tls_listen);
}

static void
tls_details(const struct session *s, struct rec *r)
{
	const struct tls_conn *c;
	char key[32], label[32];
	size_t i;

	if ((c = tls_conn(s)) == NULL || !c->done)
		return;
	rec_str(r, "tls", c->summary);
	rec_label(r, "tls", NULL);
	/* As long as the chain is: the keys are made here, so the record
	 * keeps copies of them. */
	for (i = 0; i < c->nchain; i++) {
		snprintf(key, sizeof key, "cert%zu", i);
		snprintf(label, sizeof label, "cert %zu", i);
		/* RFC 2253 names carry their own escapes. */
		rec_strescaped(r, rec_copy(r, key), c->chain[i]);
		rec_label(r, rec_copy(r, label), NULL);
	}
}
