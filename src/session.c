/* session.c — the session table and the servicing of its sockets: accept,
 * non-blocking connect, reading, queued writing, graceful close. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "codec.h"
#include "loop.h"
#include "net.h"
#include "out.h"
#include "session.h"

struct settings sess_defaults = {
	.display = DISP_TEXT,
	.show_sent = 1,
	.timestamps = 0,
	.max_display = 4096,
	.eol = EOL_LF,
	.encoding = "utf-8",
};

/* Sessions sorted by id: ids only grow, so creation appends. */
static struct session	**tab;
static size_t		  ntab, tab_alloc;
static unsigned		  next_id = 1;

/* Bytes read per wakeup per session: keeps one busy peer from starving the
 * rest while still moving bulk data in large reads. */
#define READ_CHUNK	(256u << 10)
#define READ_BUDGET	(2u << 20)
#define ACCEPT_BUDGET	64
#define CLOSE_TIMEOUT_MS 10000
/* How often a closing session checks that its last bytes were acked. */
#define LINGER_POLL_MS	10

static unsigned char	rbuf[READ_CHUNK];

static void	sess_io(int, int, void *);
static void	sess_interest(struct session *);
static int	sess_close_finish(struct session *);
static void	sess_linger_timer(void *);
static void	sess_drain(struct session *);

const char *
sess_kind_name(enum sess_kind k)
{
	static const char *names[] = { "tcp-server", "tcp-peer", "tcp-client",
	    "udp", "mcast", "unix-server", "unix-peer", "unix-client" };

	return names[k];
}

const char *
sess_state_name(enum sess_state st)
{
	static const char *names[] = { "connecting", "listening", "connected",
	    "bound", "half-closed", "closed" };

	return names[st];
}

int
sess_is_server(const struct session *s)
{
	return s->kind == K_TCP_SERVER || s->kind == K_UNIX_SERVER;
}

int
sess_is_stream(const struct session *s)
{
	return s->kind != K_UDP && s->kind != K_MCAST;
}

struct session *
sess_find(unsigned id)
{
	size_t lo = 0, hi = ntab;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab[mid]->id == id)
			return tab[mid];
		if (tab[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Is s still in the table (not destroyed)? */
static int
sess_find_ptr(const struct session *s)
{
	size_t i;

	for (i = 0; i < ntab; i++)
		if (tab[i] == s)
			return 1;
	return 0;
}

struct session **
sess_all(size_t *n)
{
	*n = ntab;
	return tab;
}

size_t
sess_count(void)
{
	return ntab;
}

unsigned
sess_last_id(void)
{
	return next_id - 1;
}

static struct session *
sess_new(enum sess_kind kind, const struct settings *set)
{
	struct session *s = xcalloc(1, sizeof *s);

	s->id = next_id++;
	s->kind = kind;
	s->fd = -1;
	settings_copy(&s->set, set);
	s->created_ms = s->reset_ms = loop_now();
	if (ntab == tab_alloc) {
		tab_alloc = tab_alloc ? tab_alloc * 2 : 16;
		tab = xrealloc(tab, tab_alloc * sizeof *tab);
	}
	tab[ntab++] = s;
	return s;
}

/* Closed sessions keep what `expect` has not consumed yet, so a script can
 * still match a reply from a peer that answered and hung up at once. */
#define ZOMBIES 16
static struct zombie {
	unsigned	id;
	struct ring	data;
} zombies[ZOMBIES];
static size_t zombie_next;

struct ring *
sess_zombie_data(unsigned id)
{
	size_t i;

	for (i = 0; i < ZOMBIES; i++)
		if (zombies[i].id == id)
			return &zombies[i].data;
	return NULL;
}

static void
sess_remove(struct session *s)
{
	size_t lo = 0, hi = ntab;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (tab[mid] == s) {
			memmove(tab + mid, tab + mid + 1,
			    (ntab - mid - 1) * sizeof *tab);
			ntab--;
			break;
		}
		if (tab[mid]->id < s->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->expwin.len > 0) {
		struct zombie *z = &zombies[zombie_next++ % ZOMBIES];

		ring_free(&z->data);
		z->id = s->id;
		z->data = s->expwin;
		memset(&s->expwin, 0, sizeof s->expwin);
	}
	if (s->path != NULL) {
		struct stat st;

		/* Remove the socket file only if it is still the one we made. */
		if (stat(s->path, &st) == 0 &&
		    (unsigned long)st.st_ino == s->path_ino)
			unlink(s->path);
		free(s->path);
	}
	buf_free(&s->outq);
	ring_free(&s->expwin);
	buf_free(&s->frame);
	settings_release(&s->set);
	if (s->ai_list != NULL)
		freeaddrinfo(s->ai_list);
	free(s->allow);
	free(s);
}

/* 0: a specific address; 1: a wildcard; 2: the dual-stack wildcard. */
static int
sess_wildcard(const struct session *s, int dual)
{
	const struct sockaddr_in *sin = (const void *)&s->local.ss;
	const struct sockaddr_in6 *sin6 = (const void *)&s->local.ss;

	if (s->local.ss.ss_family == AF_INET)
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	if (s->local.ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
		return dual ? 2 : 1;
	return 0;
}

static void
sess_set_strings(struct session *s)
{
	if (s->local.len > 0)
		net_fmt((struct sockaddr *)&s->local.ss, s->local.len,
		    s->local_str, sizeof s->local_str);
	if (s->remote.len > 0)
		net_fmt((struct sockaddr *)&s->remote.ss, s->remote.len,
		    s->remote_str, sizeof s->remote_str);
}

/* Why the last session closed: a script's failing connect reports it. */
static unsigned last_close_id;
static char last_close_msg[256];

const char *
sess_last_close_msg(unsigned id)
{
	return id == last_close_id ? last_close_msg : NULL;
}

void
sess_destroy(struct session *s, const char *reason, const char *msg)
{
	struct session *parent;
	size_t i;

	s->destroying = 1;
	if (sess_is_server(s)) {
		/* Peers go first: their closed events precede the server's. */
		for (i = ntab; i > 0; i--) {
			if (i - 1 < ntab && tab[i - 1]->parent == s)
				sess_destroy(tab[i - 1], reason, msg);
		}
	}
	if (s->connect_timer)
		loop_timer_del(s->connect_timer);
	if (s->close_timer)
		loop_timer_del(s->close_timer);
	if (s->linger_timer)
		loop_timer_del(s->linger_timer);
	if (s->fd != -1) {
		loop_del(s->fd);
		close(s->fd);
		s->fd = -1;
	}
	s->state = S_CLOSED;
	last_close_id = s->id;
	snprintf(last_close_msg, sizeof last_close_msg, "%s", msg);
	out_ev_closed(s, reason, msg);
	parent = s->parent;
	if (parent != NULL)
		parent->npeers--;
	sess_remove(s);
	/* A closing server waits for its last peer. */
	if (parent != NULL && parent->closing && parent->npeers == 0 &&
	    !parent->destroying)
		sess_destroy(parent, parent->close_reason ? parent->close_reason :
		    "local", "closed");
}

static const char *
sess_errno_reason(int e)
{
	switch (e) {
	case ECONNRESET:
		return "reset";
	case ETIMEDOUT:
		return "timeout";
	case EPIPE:
		return "peer";
	default:
		return "error";
	}
}

static void
sess_fail(struct session *s, int e)
{
	const char *msg = strerror(e);

	if (e == EPIPE)
		msg = "peer closed the connection (broken pipe)";
	sess_destroy(s, sess_errno_reason(e), msg);
}

/* Poll interest follows state: writable only while data is queued (or a
 * connect is in progress), readable unless the peer already finished. */
static void
sess_interest(struct session *s)
{
	int mask = 0;

	if (s->fd == -1)
		return;
	if (s->state == S_CONNECTING)
		mask = LOOP_WRITE;
	else {
		/* An echoing session whose peer does not read stops reading
		 * too, so memory stays bounded. */
		if (!s->eof && !(buf_len(&s->outq) >= SESS_QUEUE_MAX &&
		    (s->set.echo != ECHO_OFF || s->set.replies != NULL)))
			mask |= LOOP_READ;
		if (buf_len(&s->outq) > 0)
			mask |= LOOP_WRITE;
	}
	loop_set(s->fd, mask);
}


static void	sess_queue(struct session *, const unsigned char *, size_t,
		    const struct sockaddr *, socklen_t);

/* Echo and auto-reply rules answer each message.  Answers are only queued,
 * never written here: the receive path must not destroy its session. */
static void
sess_autorespond(struct session *s, const unsigned char *p, size_t n,
    const struct sockaddr *from, socklen_t fromlen)
{
	const struct reply_rules *rr = s->set.replies;
	size_t i;

	if (s->set.echo == ECHO_ON)
		sess_queue(s, p, n, from, fromlen);
	else if (s->set.echo == ECHO_UPPER) {
		unsigned char *u = xmalloc(n);

		for (i = 0; i < n; i++)
			u[i] = p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i];
		sess_queue(s, u, n, from, fromlen);
		free(u);
	}
	for (i = 0; rr != NULL && i < rr->n; i++) {
		if (memmem(p, n, buf_peek(&rr->r[i].pattern),
		    buf_len(&rr->r[i].pattern)) != NULL) {
			/* First matching rule wins. */
			sess_queue(s, buf_peek(&rr->r[i].response),
			    buf_len(&rr->r[i].response), from, fromlen);
			break;
		}
	}
}

/* One message: a read, a datagram or a framed message. */
static void
sess_message(struct session *s, const unsigned char *p, size_t n,
    const struct sockaddr *from, socklen_t fromlen, int truncated)
{
	s->rx_msgs++;
	s->n_recv++;
	if (s->parent != NULL) {
		s->parent->rx_msgs++;
		s->parent->n_recv++;
	}
	out_ev_data(s, '<', p, n, from, fromlen, truncated);
	if (s->set.echo != ECHO_OFF || s->set.replies != NULL)
		sess_autorespond(s, p, n, from, fromlen);
}

/* Length of the first complete message in p[0..n), 0 if none yet.
 * *bad is set when the stream cannot be framed (oversized header). */
static size_t
sess_frame_len(const struct settings *set, const unsigned char *p, size_t n,
    int *bad)
{
	const unsigned char *q;
	uint64_t v = 0;
	unsigned i, w;

	*bad = 0;
	switch (set->framing) {
	case FR_LINE:
		q = memchr(p, '\n', n);
		return q ? (size_t)(q - p) + 1 : 0;
	case FR_DELIM:
		q = memmem(p, n, set->delim, set->delim_len);
		return q ? (size_t)(q - p) + set->delim_len : 0;
	case FR_FIXED:
		return n >= set->frame_arg ? set->frame_arg : 0;
	case FR_LEN:
		w = set->frame_arg;
		if (n < w)
			return 0;
		for (i = 0; i < w; i++)
			v = set->frame_le ? v | (uint64_t)p[i] << (8 * i) :
			    v << 8 | p[i];
		if (v > FRAME_MAX) {
			*bad = 1;
			return 0;
		}
		return n >= w + v ? (size_t)(w + v) : 0;
	}
	return n;
}

/* Deliver what is buffered as it is (end of stream, or unframeable). */
static void
sess_frame_flush(struct session *s)
{
	if (buf_len(&s->frame) == 0)
		return;
	sess_message(s, buf_peek(&s->frame), buf_len(&s->frame), NULL, 0, 0);
	buf_free(&s->frame);
}

static void
sess_frame_feed(struct session *s, const unsigned char *p, size_t n)
{
	size_t m;
	int bad;

	buf_append(&s->frame, p, n);
	while (buf_len(&s->frame) > 0) {
		m = sess_frame_len(&s->set, buf_peek(&s->frame),
		    buf_len(&s->frame), &bad);
		if (bad) {
			out_ev_notice(s, "framing: length header announces more "
			    "than %u bytes; showing the buffered %zu bytes "
			    "unframed", FRAME_MAX, buf_len(&s->frame));
			sess_frame_flush(s);
			return;
		}
		if (m == 0)
			break;
		sess_message(s, buf_peek(&s->frame), m, NULL, 0, 0);
		buf_consume(&s->frame, m);
	}
	if (buf_len(&s->frame) > FRAME_MAX) {
		out_ev_notice(s, "framing: no message boundary in %zu bytes; "
		    "showing them unframed", buf_len(&s->frame));
		sess_frame_flush(s);
	}
	if (buf_len(&s->frame) == 0)
		buf_free(&s->frame);
}

/* A chunk of bytes arrived on s. */
static void
sess_received(struct session *s, const unsigned char *p, size_t n,
    const struct sockaddr *from, socklen_t fromlen, int truncated)
{
	s->rx_bytes += n;
	if (s->parent != NULL)
		s->parent->rx_bytes += n;
	/* Kept for `expect` (a server's expect looks at its peers'). */
	ring_append(&s->expwin, p, n, SESS_EXPECT_MAX);
	if (!sess_is_stream(s) || (s->set.framing == FR_RAW &&
	    buf_len(&s->frame) == 0))
		sess_message(s, p, n, from, fromlen, truncated);
	else
		sess_frame_feed(s, p, n);
}

static void
sess_count_tx(struct session *s, size_t n)
{
	s->tx_bytes += n;
	if (s->parent != NULL)
		s->parent->tx_bytes += n;
}

/* Write queued bytes.  Returns -1 if the session was destroyed. */
static int
sess_flush(struct session *s)
{
	while (buf_len(&s->outq) > 0) {
		ssize_t w = send(s->fd, buf_peek(&s->outq), buf_len(&s->outq),
		    MSG_NOSIGNAL);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			sess_fail(s, errno);
			return -1;
		}
		sess_count_tx(s, (size_t)w);
		buf_consume(&s->outq, (size_t)w);
	}
	if (buf_len(&s->outq) == 0 && s->closing)
		return sess_close_finish(s);
	sess_interest(s);
	return 0;
}

/*
 * The last step of a graceful close, once our queue is empty: send FIN,
 * then wait until the peer has acknowledged every byte the kernel still
 * holds.  close() on a socket with unread input answers with a reset that
 * throws those bytes away, so input arriving meanwhile is read (and shown)
 * as usual.  Bounded by the close timeout.
 */
static int
sess_linger(struct session *s)
{
	int unacked = 0;

	if (s->kind != K_TCP_PEER && s->kind != K_TCP_CLIENT)
		goto done;	/* unix sockets hand data over at once */
	if (!s->wr_shut) {
		shutdown(s->fd, SHUT_WR);
		s->wr_shut = 1;
	}
	if (ioctl(s->fd, SIOCOUTQ, &unacked) == -1 || unacked == 0)
		goto done;
	if (s->linger_timer == 0)
		s->linger_timer = loop_timer_add(LINGER_POLL_MS,
		    sess_linger_timer, s);
	return 0;
done:
	sess_drain(s);
	if (s->close_reason != NULL && strcmp(s->close_reason, "peer") == 0)
		sess_destroy(s, "peer", "connection closed by peer");
	else
		sess_destroy(s, s->close_reason ? s->close_reason : "local",
		    "closed");
	return -1;
}

static void
sess_linger_timer(void *arg)
{
	struct session *s = arg;

	s->linger_timer = 0;
	sess_linger(s);
}

static int
sess_close_finish(struct session *s)
{
	return sess_linger(s);
}

static void
sess_close_timeout(void *arg)
{
	struct session *s = arg;
	char msg[96];

	s->close_timer = 0;
	if (buf_len(&s->outq) > 0)
		snprintf(msg, sizeof msg, "gave up flushing: %zu queued bytes "
		    "not delivered", buf_len(&s->outq));
	else
		snprintf(msg, sizeof msg, "gave up waiting for the peer to "
		    "acknowledge the last bytes sent");
	sess_destroy(s, "timeout", msg);
}

/* Returns -1 if the session was destroyed. */
static int
sess_peer_eof(struct session *s)
{
	s->eof = 1;
	sess_frame_flush(s);
	if (s->set.half_close && !s->closing) {
		/* The peer only stopped sending (shutdown): keep the other
		 * direction until we close, or a write finds it gone. */
		s->state = S_HALF_CLOSED;
		out_ev_notice(s, "peer finished sending (half-closed); sends "
		    "still go out until close");
		sess_interest(s);
		return 0;
	}
	if (buf_len(&s->outq) == 0) {
		sess_destroy(s, s->closing && s->close_reason ? s->close_reason :
		    "peer", "connection closed by peer");
		return -1;
	}
	/* Deliver what was accepted for sending before closing. */
	s->state = S_HALF_CLOSED;
	s->closing = 1;
	s->close_reason = "peer";
	if (s->close_timer == 0)
		s->close_timer = loop_timer_add(CLOSE_TIMEOUT_MS,
		    sess_close_timeout, s);
	sess_interest(s);
	return 0;
}

/* Read what is available, within the per-wakeup budget.  Returns -1 if the
 * session was destroyed. */
static int
sess_read_stream(struct session *s)
{
	size_t total = 0;

	while (total < READ_BUDGET) {
		ssize_t r = recv(s->fd, rbuf, sizeof rbuf, 0);

		if (r > 0) {
			total += (size_t)r;
			sess_received(s, rbuf, (size_t)r, NULL, 0, 0);
			if ((size_t)r < sizeof rbuf)
				break;
			continue;
		}
		if (r == 0)
			return sess_peer_eof(s);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		sess_fail(s, errno);
		return -1;
	}
	return 0;
}

/* Servers. */
static void
sess_accept_resume(void *arg)
{
	struct session *srv = arg;

	srv->connect_timer = 0;
	loop_set(srv->fd, LOOP_READ);
}

static void
sess_accept(struct session *srv)
{
	int i;

	for (i = 0; i < ACCEPT_BUDGET; i++) {
		struct net_addr ra;
		struct session *p;
		int fd;

		ra.len = sizeof ra.ss;
		fd = accept4(srv->fd, (struct sockaddr *)&ra.ss, &ra.len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The pending connection stays readable: stop
				 * listening for a moment rather than spin. */
				out_ev_notice(srv, "cannot accept: %s "
				    "(pausing accepts for 250ms)",
				    strerror(errno));
				loop_set(srv->fd, 0);
				if (srv->connect_timer == 0)
					srv->connect_timer = loop_timer_add(250,
					    sess_accept_resume, srv);
			}
			return;
		}
		if (srv->nallow > 0 && !net_cidr_match(srv->allow, srv->nallow,
		    (struct sockaddr *)&ra.ss)) {
			char a[NET_ADDRSTRLEN];

			net_fmt((struct sockaddr *)&ra.ss, ra.len, a, sizeof a);
			out_ev_notice(srv, "refused %s: not in --allow list", a);
			close(fd);
			continue;
		}
		if (srv->max_peers != 0 && srv->npeers >= srv->max_peers) {
			char a[NET_ADDRSTRLEN];

			net_fmt((struct sockaddr *)&ra.ss, ra.len, a, sizeof a);
			out_ev_notice(srv, "refused %s: --max-peers %u reached",
			    a, srv->max_peers);
			close(fd);
			continue;
		}
		p = sess_new(srv->kind == K_UNIX_SERVER ? K_UNIX_PEER :
		    K_TCP_PEER, &srv->set);
		p->fd = fd;
		p->parent = srv;
		p->state = S_CONNECTED;
		srv->npeers++;
		srv->n_accepted++;
		net_local(fd, &p->local);
		p->remote = ra;
		sess_set_strings(p);
		if (srv->kind == K_UNIX_SERVER) {
			struct ucred cr;
			socklen_t crlen = sizeof cr;

			snprintf(p->local_str, sizeof p->local_str, "%s",
			    srv->local_str);
			if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr,
			    &crlen) == 0)
				snprintf(p->remote_str, sizeof p->remote_str,
				    "pid %ld uid %ld", (long)cr.pid,
				    (long)cr.uid);
		}
		if (loop_add(fd, LOOP_READ, sess_io, p) == -1) {
			sess_destroy(p, "error", strerror(errno));
			continue;
		}
		out_ev_accepted(p);
	}
}

/* Clients. */
static int	sess_connect_next(struct session *);

static void
sess_connect_timeout(void *arg)
{
	struct session *s = arg;
	struct buf m = BUF_INIT;

	s->connect_timer = 0;
	buf_puts(&m, "connect timed out after ");
	codec_fmt_duration(s->connect_deadline, &m);
	sess_destroy(s, "timeout", buf_cstr(&m));
	buf_free(&m);
}

static void
sess_connected(struct session *s)
{
	if (s->connect_timer) {
		loop_timer_del(s->connect_timer);
		s->connect_timer = 0;
	}
	freeaddrinfo(s->ai_list);
	s->ai_list = s->ai_next = NULL;
	s->state = S_CONNECTED;
	net_local(s->fd, &s->local);
	net_peer(s->fd, &s->remote);
	sess_set_strings(s);
	out_ev_connected(s);
	sess_flush(s);
}

/* Try the next address getaddrinfo gave us.  Returns -1 when none is left
 * (the session is destroyed). */
static int
sess_connect_next(struct session *s)
{
	while (s->ai_next != NULL) {
		struct addrinfo *ai = s->ai_next;
		char err[128];
		int fd;

		s->ai_next = ai->ai_next;
		memcpy(&s->remote.ss, ai->ai_addr, ai->ai_addrlen);
		s->remote.len = ai->ai_addrlen;
		sess_set_strings(s);
		fd = net_tcp_connect(ai, s->have_bind ? &s->bindaddr : NULL,
		    err, sizeof err);
		if (fd == -1) {
			snprintf(s->connect_err, sizeof s->connect_err, "%s: %s",
			    s->remote_str, err);
			continue;
		}
		s->fd = fd;
		if (loop_add(fd, LOOP_WRITE, sess_io, s) == -1) {
			close(fd);
			s->fd = -1;
			snprintf(s->connect_err, sizeof s->connect_err,
			    "%s", strerror(errno));
			continue;
		}
		return 0;
	}
	sess_destroy(s, "error", s->connect_err[0] ? s->connect_err :
	    "no address to connect to");
	return -1;
}

static void
sess_connect_done(struct session *s)
{
	int e = net_sock_error(s->fd);

	if (e == 0) {
		sess_connected(s);
		return;
	}
	snprintf(s->connect_err, sizeof s->connect_err, "%s: %s", s->remote_str,
	    strerror(e));
	loop_del(s->fd);
	close(s->fd);
	s->fd = -1;
	sess_connect_next(s);
}

/* Datagram sessions keep their boundaries: one recvmsg is one message. */
static void
sess_read_dgram(struct session *s)
{
	int i;

	for (i = 0; i < 64; i++) {
		struct net_addr from;
		struct iovec iov;
		struct msghdr mh;
		ssize_t r;
		size_t got;

		memset(&mh, 0, sizeof mh);
		iov.iov_base = rbuf;
		iov.iov_len = s->rsize < sizeof rbuf ? s->rsize : sizeof rbuf;
		mh.msg_name = &from.ss;
		mh.msg_namelen = sizeof from.ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/* MSG_TRUNC: the return value is the datagram's real size. */
		r = recvmsg(s->fd, &mh, MSG_TRUNC);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* An ICMP error already reported from the error queue
			 * (or about to be): the endpoint stays usable. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == EMSGSIZE)
				continue;
			out_ev_notice(s, "receive error: %s", strerror(errno));
			return;
		}
		from.len = mh.msg_namelen;
		got = (size_t)r < iov.iov_len ? (size_t)r : iov.iov_len;
		s->last_from = from;
		s->have_from = 1;
		if (mh.msg_flags & MSG_TRUNC)
			s->dgram_size = (size_t)r;
		sess_received(s, rbuf, got, (struct sockaddr *)&from.ss,
		    from.len, (mh.msg_flags & MSG_TRUNC) != 0);
		s->dgram_size = 0;
	}
}

/* ICMP errors for an unconnected UDP socket arrive on its error queue
 * (IP_RECVERR), naming the destination they concern. */
static void
sess_read_errqueue(struct session *s)
{
	int i;

	for (i = 0; i < 16; i++) {
		union {
			struct cmsghdr	hdr;
			unsigned char	buf[512];
		} ctl;
		struct net_addr dst;
		struct msghdr mh;
		struct cmsghdr *cm;
		struct iovec iov;
		char a[NET_ADDRSTRLEN];

		memset(&mh, 0, sizeof mh);
		iov.iov_base = rbuf;
		iov.iov_len = 512;
		mh.msg_name = &dst.ss;
		mh.msg_namelen = sizeof dst.ss;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		if (recvmsg(s->fd, &mh, MSG_ERRQUEUE) == -1)
			return;
		dst.len = mh.msg_namelen;
		net_fmt((struct sockaddr *)&dst.ss, dst.len, a, sizeof a);
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			struct sock_extended_err ee;

			if (!((cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof ee);
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP ||
			    ee.ee_origin == SO_EE_ORIGIN_ICMP6)
				out_ev_notice(s, "ICMP error for %s: %s "
				    "(type %u code %u)", a,
				    strerror((int)ee.ee_errno), ee.ee_type,
				    ee.ee_code);
			else
				out_ev_notice(s, "error for %s: %s", a,
				    strerror((int)ee.ee_errno));
		}
	}
}

/* Queued datagrams: [size_t len][struct net_addr][payload] records. */
static int
sess_flush_dgram(struct session *s)
{
	while (buf_len(&s->outq) > 0) {
		unsigned char *p = buf_peek(&s->outq);
		struct net_addr dst;
		size_t len;
		ssize_t w;

		memcpy(&len, p, sizeof len);
		memcpy(&dst, p + sizeof len, sizeof dst);
		w = sendto(s->fd, p + sizeof len + sizeof dst, len, 0,
		    (struct sockaddr *)&dst.ss, dst.len);
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS))
			break;
		/* EINTR, or an ICMP error about an earlier datagram (already
		 * reported from the error queue): this one is still to go. */
		if (w == -1 && (errno == EINTR || errno == ECONNREFUSED ||
		    errno == EHOSTUNREACH || errno == ENETUNREACH) &&
		    s->dgram_retry++ < 3)
			continue;
		s->dgram_retry = 0;
		if (w == -1) {
			char a[NET_ADDRSTRLEN];

			net_fmt((struct sockaddr *)&dst.ss, dst.len, a,
			    sizeof a);
			out_ev_notice(s, "datagram of %zu bytes to %s lost: %s",
			    len, a, strerror(errno));
		} else
			sess_count_tx(s, len);
		buf_consume(&s->outq, sizeof len + sizeof dst + len);
	}
	sess_interest(s);
	return 0;
}

static void
sess_io(int fd, int events, void *arg)
{
	struct session *s = arg;

	(void)fd;
	if (!sess_is_stream(s)) {
		if (events & LOOP_ERR)
			sess_read_errqueue(s);
		if (events & LOOP_READ)
			sess_read_dgram(s);
		if (events & LOOP_WRITE)
			sess_flush_dgram(s);
		return;
	}
	if (s->state == S_CONNECTING) {
		if (events & (LOOP_WRITE | LOOP_ERR | LOOP_HUP))
			sess_connect_done(s);
		return;
	}
	if (s->state == S_LISTENING) {
		sess_accept(s);
		return;
	}
	/* A hung-up socket may still hold data: read before judging. */
	if (events & (LOOP_READ | LOOP_HUP | LOOP_ERR)) {
		if (sess_read_stream(s) == -1)
			return;
	}
	if (events & LOOP_WRITE)
		sess_flush(s);
}

/* Register a new session's socket and announce it; on failure the session
 * is removed without a trace (its id is given back). */
static int
sess_register(struct session *s, int mask, char *err, size_t errlen)
{
	if (loop_add(s->fd, mask, sess_io, s) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(s->fd);
		s->fd = -1;
		sess_remove(s);
		next_id--;
		return -1;
	}
	return 0;
}

static struct session *
sess_dgram_new(enum sess_kind kind, int fd, size_t rsize)
{
	struct session *s = sess_new(kind, &sess_defaults);
	int on = 1;

	s->fd = fd;
	s->state = S_BOUND;
	s->rsize = rsize ? rsize : 65536;
	setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
	net_local(fd, &s->local);
	return s;
}

static void
sess_set_to(struct session *s, const struct net_addr *to)
{
	s->to = *to;
	s->have_to = 1;
	s->remote = *to;
	sess_set_strings(s);
}

struct session *
sess_udp(const char *host, uint16_t port, const struct net_addr *to,
    int broadcast, size_t rsize, char *err, size_t errlen)
{
	struct session *s;
	int fd, dual, on = 1;

	fd = net_udp_bind(host, port, AF_UNSPEC, &dual, err, errlen);
	if (fd == -1)
		return NULL;
	if (broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on,
	    sizeof on) == -1) {
		snprintf(err, errlen, "SO_BROADCAST: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	s = sess_dgram_new(K_UDP, fd, rsize);
	s->all_ifaces = sess_wildcard(s, dual);
	sess_set_strings(s);
	if (to != NULL)
		sess_set_to(s, to);
	if (sess_register(s, LOOP_READ, err, errlen) == -1)
		return NULL;
	out_ev_listening(s);
	return s;
}

struct session *
sess_udp_client(const char *host, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct net_addr to;
	struct session *s;
	int fd, dual;

	if (net_resolve(host, port, SOCK_DGRAM, 0, &res, err, errlen) == -1)
		return NULL;
	memcpy(&to.ss, res->ai_addr, res->ai_addrlen);
	to.len = res->ai_addrlen;
	freeaddrinfo(res);
	fd = net_udp_bind(NULL, 0, to.ss.ss_family, &dual, err, errlen);
	if (fd == -1)
		return NULL;
	s = sess_dgram_new(K_UDP, fd, 0);
	/* Bound to the wildcard: it must hear answers from anyone. */
	s->all_ifaces = sess_wildcard(s, dual);
	sess_set_strings(s);
	sess_set_to(s, &to);
	if (sess_register(s, LOOP_READ, err, errlen) == -1)
		return NULL;
	out_ev_listening(s);
	return s;
}

struct session *
sess_mcast(const char *group, uint16_t port, const char *iface, int ttl,
    int loop, char *err, size_t errlen)
{
	struct net_addr dest;
	struct session *s;
	int fd;

	fd = net_mcast_open(group, port, iface, ttl, loop, &dest, err, errlen);
	if (fd == -1)
		return NULL;
	s = sess_dgram_new(K_MCAST, fd, 0);
	sess_set_strings(s);
	sess_set_to(s, &dest);
	if (sess_register(s, LOOP_READ, err, errlen) == -1)
		return NULL;
	out_ev_listening(s);
	return s;
}

struct session *
sess_unix_server(const char *path, char *err, size_t errlen)
{
	struct session *s;
	unsigned long ino;
	int fd;

	fd = net_unix_listen(path, &ino, err, errlen);
	if (fd == -1)
		return NULL;
	s = sess_new(K_UNIX_SERVER, &sess_defaults);
	s->fd = fd;
	s->state = S_LISTENING;
	s->path = xstrdup(path);
	s->path_ino = ino;
	snprintf(s->local_str, sizeof s->local_str, "%s", path);
	if (sess_register(s, LOOP_READ, err, errlen) == -1)
		return NULL;
	out_ev_listening(s);
	return s;
}

struct session *
sess_unix_client(const char *path, char *err, size_t errlen)
{
	struct session *s;
	int fd;

	fd = net_unix_connect(path, err, errlen);
	if (fd == -1)
		return NULL;
	s = sess_new(K_UNIX_CLIENT, &sess_defaults);
	s->fd = fd;
	s->state = S_CONNECTING;
	snprintf(s->remote_str, sizeof s->remote_str, "%s", path);
	snprintf(s->local_str, sizeof s->local_str, "-");
	if (sess_register(s, LOOP_WRITE, err, errlen) == -1)
		return NULL;
	out_ev_connecting(s);
	return s;
}

struct session *
sess_tcp_server(const char *host, uint16_t port, unsigned max_peers,
    struct net_cidr *allow, size_t nallow, char *err, size_t errlen)
{
	struct session *s;
	int fd, dual;

	fd = net_tcp_listen(host, port, SOMAXCONN, &dual, err, errlen);
	if (fd == -1) {
		free(allow);
		return NULL;
	}
	s = sess_new(K_TCP_SERVER, &sess_defaults);
	s->fd = fd;
	s->state = S_LISTENING;
	s->max_peers = max_peers;
	s->allow = allow;
	s->nallow = nallow;
	net_local(fd, &s->local);
	s->all_ifaces = sess_wildcard(s, dual);
	sess_set_strings(s);
	if (sess_register(s, LOOP_READ, err, errlen) == -1)
		return NULL;
	out_ev_listening(s);
	return s;
}

struct session *
sess_tcp_client(const char *host, uint16_t port, const struct net_addr *bind,
    uint64_t timeout_ms, char *err, size_t errlen)
{
	struct addrinfo *res;
	struct session *s;
	unsigned id;

	if (net_resolve(host, port, SOCK_STREAM, 0, &res, err, errlen) == -1)
		return NULL;
	s = sess_new(K_TCP_CLIENT, &sess_defaults);
	s->state = S_CONNECTING;
	s->ai_list = s->ai_next = res;
	if (bind != NULL) {
		s->bindaddr = *bind;
		s->have_bind = 1;
	}
	memcpy(&s->remote.ss, res->ai_addr, res->ai_addrlen);
	s->remote.len = res->ai_addrlen;
	sess_set_strings(s);
	out_ev_connecting(s);
	s->connect_deadline = timeout_ms;
	s->connect_timer = loop_timer_add(timeout_ms, sess_connect_timeout, s);
	id = s->id;
	if (sess_connect_next(s) == -1) {
		/* Every address failed at once; s is gone. */
		snprintf(err, errlen, "%s", sess_last_close_msg(id));
		return NULL;
	}
	return s;
}

int
sess_can_queue(const struct session *s)
{
	size_t i;

	if (!sess_is_server(s))
		return buf_len(&s->outq) < SESS_QUEUE_MAX;
	for (i = 0; i < ntab; i++)
		if (tab[i]->parent == s && buf_len(&tab[i]->outq) >=
		    SESS_QUEUE_MAX)
			return 0;
	return 1;
}

static void
sess_queue(struct session *s, const unsigned char *p, size_t n,
    const struct sockaddr *to, socklen_t tolen)
{
	char err[128];

	if (!sess_is_stream(s)) {
		struct net_addr dst;

		if (to == NULL || tolen > sizeof dst.ss)
			return;
		memcpy(&dst.ss, to, tolen);
		dst.len = tolen;
		if (sess_send_to(s, p, n, &dst, err, sizeof err) == -1)
			out_ev_notice(s, "auto-reply not sent: %s", err);
		return;
	}
	if (s->closing || s->fd == -1)
		return;
	out_ev_data(s, '>', p, n, NULL, 0, 0);
	sess_count_msg_tx(s);
	buf_append(&s->outq, p, n);
	sess_interest(s);
}

static int
sess_send_one(struct session *s, const unsigned char *p, size_t n)
{
	out_ev_data(s, '>', p, n, NULL, 0, 0);
	sess_count_msg_tx(s);
	return sess_write(s, p, n);
}

void
sess_count_msg_tx(struct session *s)
{
	s->tx_msgs++;
	if (s->parent != NULL)
		s->parent->tx_msgs++;
}

int
sess_write(struct session *s, const unsigned char *p, size_t n)
{
	if (s->state != S_CONNECTING && buf_len(&s->outq) == 0) {
		/* Fast path: straight to the kernel, queue only the rest. */
		while (n > 0) {
			ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL);

			if (w == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					break;
				sess_fail(s, errno);
				return -1;
			}
			sess_count_tx(s, (size_t)w);
			p += w;
			n -= (size_t)w;
		}
	}
	buf_append(&s->outq, p, n);
	sess_interest(s);
	return 0;
}

int
sess_send_to(struct session *s, const unsigned char *p, size_t n,
    const struct net_addr *dest, char *err, size_t errlen)
{
	struct net_addr dst;
	ssize_t w = -1;

	if (dest != NULL)
		dst = *dest;
	else if (s->have_to)
		dst = s->to;
	else if (s->have_from)
		dst = s->last_from;
	else {
		snprintf(err, errlen, "session %u has no destination yet: use "
		    "--to HOST:PORT (or create it with --to)", s->id);
		return -1;
	}
	if (n > 65535) {
		snprintf(err, errlen, "%zu bytes do not fit in one datagram "
		    "(at most 65507 over IPv4)", n);
		return -1;
	}
	/* An IPv4 destination on a dual-stack socket needs the mapped form. */
	if (s->local.ss.ss_family == AF_INET6 && dst.ss.ss_family == AF_INET) {
		struct sockaddr_in sin;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst.ss;

		memcpy(&sin, &dst.ss, sizeof sin);
		memset(s6, 0, sizeof *s6);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = sin.sin_port;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], &sin.sin_addr, 4);
		dst.len = sizeof *s6;
	} else if (s->local.ss.ss_family == AF_INET &&
	    dst.ss.ss_family == AF_INET6) {
		snprintf(err, errlen, "session %u is IPv4-only; cannot send "
		    "to an IPv6 address", s->id);
		return -1;
	}
	out_ev_data(s, '>', p, n, (struct sockaddr *)&dst.ss, dst.len, 0);
	if (buf_len(&s->outq) == 0) {
		int tries;

		/* A pending ICMP error is reported once by the next call;
		 * it concerns an earlier datagram, so try again. */
		for (tries = 0; tries < 3; tries++) {
			w = sendto(s->fd, p, n, 0, (struct sockaddr *)&dst.ss,
			    dst.len);
			if (w != -1 || (errno != EINTR &&
			    errno != ECONNREFUSED && errno != EHOSTUNREACH &&
			    errno != ENETUNREACH))
				break;
		}
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ENOBUFS) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
	}
	sess_count_msg_tx(s);
	if (w >= 0) {
		sess_count_tx(s, n);
		return 0;
	}
	buf_append(&s->outq, &n, sizeof n);
	buf_append(&s->outq, &dst, sizeof dst);
	buf_append(&s->outq, p, n);
	sess_interest(s);
	return 0;
}

int
sess_send(struct session *s, const unsigned char *p, size_t n, char *err,
    size_t errlen)
{
	unsigned id;
	size_t i;

	if (!sess_is_stream(s))
		return sess_send_to(s, p, n, NULL, err, errlen);

	if (sess_is_server(s)) {
		/* Collect first: a failing peer is destroyed mid-iteration. */
		unsigned *ids = NULL;
		size_t nids = 0;

		for (i = 0; i < ntab; i++)
			if (tab[i]->parent == s && !tab[i]->closing) {
				ids = xrealloc(ids, (nids + 1) * sizeof *ids);
				ids[nids++] = tab[i]->id;
			}
		for (i = 0; i < nids; i++) {
			struct session *peer = sess_find(ids[i]);

			if (peer != NULL)
				sess_send_one(peer, p, n);
		}
		free(ids);
		if (nids == 0) {
			snprintf(err, errlen, "server %u has no peers", s->id);
			return -1;
		}
		return 0;
	}
	if (s->closing || s->state == S_CLOSED) {
		snprintf(err, errlen, "session %u is closing", s->id);
		return -1;
	}
	id = s->id;
	if (sess_send_one(s, p, n) == -1) {
		const char *why = sess_last_close_msg(id);

		snprintf(err, errlen, "session %u closed while sending: %s", id,
		    why != NULL ? why : "error");
		return -1;
	}
	return 0;
}

/* Read whatever the peer already sent, so that close() does not answer
 * unread data with a reset that would discard our own queued bytes. */
static void
sess_drain(struct session *s)
{
	int i;

	for (i = 0; i < 64 && s->fd != -1; i++) {
		ssize_t r = recv(s->fd, rbuf, sizeof rbuf, 0);

		if (r <= 0)
			break;
		sess_received(s, rbuf, (size_t)r, NULL, 0, 0);
	}
}

void
sess_close(struct session *s, const char *reason)
{
	size_t i;

	if (sess_is_server(s)) {
		/* Stop listening now; the server itself goes once its peers
		 * have finished closing, so `close SERVER` covers them. */
		if (s->fd != -1) {
			loop_del(s->fd);
			close(s->fd);
			s->fd = -1;
		}
		s->closing = 1;
		s->close_reason = reason;
		s->state = S_CLOSED;
		for (i = ntab; i > 0; i--)
			if (i - 1 < ntab && tab[i - 1]->parent == s)
				sess_close(tab[i - 1], reason);
		/* sess_destroy of the last peer may have taken the server. */
		if (sess_find_ptr(s) && s->npeers == 0)
			sess_destroy(s, reason, "closed");
		return;
	}
	if (s->state == S_CONNECTING || s->fd == -1 || !sess_is_stream(s)) {
		sess_destroy(s, reason, s->state == S_CONNECTING ?
		    "connect cancelled" : "closed");
		return;
	}
	if (s->closing)
		return;
	s->closing = 1;
	s->close_reason = reason;
	if (s->close_timer == 0)
		s->close_timer = loop_timer_add(CLOSE_TIMEOUT_MS,
		    sess_close_timeout, s);
	if (buf_len(&s->outq) == 0)
		sess_close_finish(s);
	else
		sess_interest(s);
}

/* Graceful close of every session (the end of input). */
void
sess_close_everything(void)
{
	size_t i;

	for (i = ntab; i > 0; i--) {
		if (i - 1 >= ntab)
			continue;
		if (tab[i - 1]->parent == NULL && !tab[i - 1]->closing)
			sess_close(tab[i - 1], "local");
	}
}

size_t
sess_total_queued(void)
{
	size_t i, n = 0;

	for (i = 0; i < ntab; i++)
		n += buf_len(&tab[i]->outq);
	return n;
}

void
sess_close_all(void)
{
	while (ntab > 0) {
		struct session *s = tab[ntab - 1];

		/* Servers close their own peers; start from the top level. */
		while (s->parent != NULL)
			s = s->parent;
		if (s->state == S_CONNECTED)
			sess_drain(s);
		sess_destroy(s, "local", "closed");
	}
	free(tab);
	tab = NULL;
	tab_alloc = 0;
	for (size_t i = 0; i < ZOMBIES; i++)
		ring_free(&zombies[i].data);
}

void
sess_reset_counters(struct session *s)
{
	s->rx_bytes = s->tx_bytes = s->rx_msgs = s->tx_msgs = 0;
	s->reset_ms = loop_now();
}
