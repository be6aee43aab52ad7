/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_pipe.c — the fd layers of local programs and pseudo-terminals (see
 * tr_pipe.h).  A child's standard input and output are one end of a
 * socket pair (tr_pipe) or a pty master (tr_pty); its standard error is a
 * pipe read beside them and shown as its own stream.  A pty session holds
 * a master whose slave programs open and close: while none has it open
 * the master reports a hang-up that cannot be masked, so the descriptor
 * is taken off the loop ("parked") and a timer looks every PTY_POLL_MS
 * whether a program opened the slave again (the hang-up gone, or bytes
 * waiting); what is sent meanwhile waits in the queue. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "event.h"
#include "loop.h"
#include "pipe.h"
#include "session.h"
#include "settings.h"
#include "tr_pipe.h"

/* How often a parked pty looks for a program on its slave. */
#define PTY_POLL_MS	100
/* Standard error read per wakeup, and at the end. */
#define ERR_BUDGET	(64u << 10)

struct tp_state {
	int		 errfd;		/* the child's standard error, or -1 */
	int		 pty;		/* s->fd is a pty master */
	/* A pty session: the slave closes and opens again. */
	int		 keep;
	int		 once;		/* ... or the session ends */
	int		 raw;		/* the line discipline off */
	int		 hung;		/* the master said EIO: no slave */
	int		 parked;	/* s->fd is off the loop */
	uint64_t	 timer;
	char		 path[64];	/* the slave */
	char		*link;		/* a symlink to it, made here */
};

static struct tp_state *
tp_state(const struct layer *l)
{
	return l->state;
}

static ssize_t
tp_read(struct layer *l, unsigned char *p, size_t n, struct rx_meta *meta)
{
	struct tp_state *st = tp_state(l);
	ssize_t r;

	(void)meta;
	r = read(l->s->fd, p, n);
	/* A pty master reads EIO once no slave is open: the child's end of
	 * output, or for a pty session a program that went. */
	if (r == -1 && errno == EIO && st->pty) {
		if (!st->keep)
			return 0;
		st->hung = 1;
		errno = EAGAIN;
	}
	return r;
}

static ssize_t
tp_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	ssize_t r;

	(void)to;
	r = write(l->s->fd, p, n);
	if (r == -1 && errno == EIO)
		errno = EPIPE;		/* the program is gone */
	return r;
}

/* The end of our input to the program: a socket pair half-closes; a
 * terminal in canonical mode reads its end-of-file character. */
static int
tp_shutdown(struct layer *l)
{
	struct tp_state *st = tp_state(l);
	struct termios t;
	unsigned char c;

	if (!st->pty)
		return shutdown(l->s->fd, SHUT_WR);
	if (st->keep || tcgetattr(l->s->fd, &t) == -1 ||
	    !(t.c_lflag & ICANON))
		return 0;
	c = t.c_cc[VEOF];
	return write(l->s->fd, &c, 1) == 1 ? 0 : -1;
}

static int
tp_want(struct layer *l, int pw)
{
	if (tp_state(l)->parked)
		return 0;
	return ((pw & PIPE_WANT_READ) ? LOOP_READ : 0) |
	    ((pw & PIPE_WANT_WRITE) ? LOOP_WRITE : 0);
}

static int
tp_control(struct layer *l, enum layer_ctl op, void *arg)
{
	struct tp_state *st = tp_state(l);

	switch (op) {
	case LCTL_UNACKED:
		*(size_t *)arg = 0;
		return 0;
	case LCTL_SOCK_ERROR:
		*(int *)arg = 0;
		return 0;
	case LCTL_PATH:
		if (!st->keep)
			return -1;
		((struct layer_path *)arg)->path = st->path;
		((struct layer_path *)arg)->link = st->link;
		return 0;
	default:
		return -1;
	}
}

static void
tp_describe(const struct layer *l, struct buf *out)
{
	const struct tp_state *st = tp_state(l);

	if (st->pty && st->link != NULL)
		buf_printf(out, "pty %s, link %s", st->path, st->link);
	else if (st->pty)
		buf_printf(out, "pty %s", st->path);
	else
		buf_puts(out, "socket pair");
	if (st->errfd != -1)
		buf_puts(out, ", stderr pipe");
}

/* Standard error: read as it comes, shown as its own stream; never
 * forwarded, matched or counted. */
static int
tp_err_read(struct session *s, size_t budget)
{
	struct tp_state *st = s->fdl.state;
	unsigned char b[4096];
	size_t total = 0;
	ssize_t r;

	while (total < budget) {
		r = read(st->errfd, b, sizeof b);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1;
		total += (size_t)r;
		pipe_aside(s, b, (size_t)r, "stderr");
	}
	return 0;
}

static void
tp_err_close(struct tp_state *st)
{
	if (st->errfd == -1)
		return;
	loop_del(st->errfd);
	close(st->errfd);
	st->errfd = -1;
}

static void
tp_err_io(int fd, int events, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)events;
	if (tp_err_read(s, ERR_BUDGET) == -1)
		tp_err_close(s->fdl.state);
}

static void
pty_raw(struct session *s)
{
	struct termios t;

	if (tcgetattr(s->fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(s->fd, TCSANOW, &t);
	}
}

static void	pty_look(void *);

static void
tp_park(struct layer *l)
{
	struct tp_state *st = tp_state(l);

	st->parked = 1;
	st->hung = 0;
	loop_del(l->s->fd);
}

/* The program closed the slave. */
static void
pty_hangup(struct layer *l)
{
	struct tp_state *st = tp_state(l);
	struct session *s = l->s;

	tp_park(l);
	if (st->once) {
		sess_destroy(s, "peer", "the program closed the pty");
		return;
	}
	ev_notice(s, "the program closed %s; waiting for one to open it "
	    "again", st->path);
	st->timer = loop_timer_add(PTY_POLL_MS, pty_look, s);
}

/* A parked pty: has a program opened the slave (or left bytes)? */
static void
pty_look(void *arg)
{
	struct session *s = arg;
	struct tp_state *st = s->fdl.state;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	st->timer = 0;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) &&
	    !(p.revents & POLLIN)) {
		st->timer = loop_timer_add(PTY_POLL_MS, pty_look, s);
		return;
	}
	st->parked = 0;
	if (st->raw)
		pty_raw(s);
	ev_notice(s, "a program opened %s", st->path);
	if (layer_rewatch(s) == -1)
		sess_fail(s, errno);
}

static void
tp_io(struct layer *l, int events)
{
	struct tp_state *st = tp_state(l);
	struct session *s = l->s;

	if (st->parked)
		return;
	/* The child's end is gone both ways and its output was read: the
	 * hang-up stays, so the descriptor leaves the loop (the role ends
	 * the session when the child is reaped). */
	if (s->eof && (events & (LOOP_HUP | LOOP_ERR))) {
		tp_park(l);
		return;
	}
	if (!s->eof && (events & (LOOP_READ | LOOP_HUP | LOOP_ERR))) {
		if (pipe_input(s, (events & (LOOP_HUP | LOOP_ERR)) != 0) == -1)
			return;
	}
	/* Gone only once its last bytes are read: the master reads them
	 * after the hang-up, then EIO (a read may stop short before). */
	if (st->keep && st->hung) {
		pty_hangup(l);
		return;
	}
	if (events & LOOP_WRITE)
		pipe_output(s);
}

static void
tp_free(struct layer *l, int abort)
{
	struct tp_state *st = tp_state(l);
	struct stat sb;
	char target[sizeof st->path];
	ssize_t n;

	if (st == NULL)
		return;
	/* What the program wrote on its way out is still shown. */
	if (st->errfd != -1 && !abort)
		tp_err_read(l->s, ERR_BUDGET);
	tp_err_close(st);
	if (st->timer)
		loop_timer_del(st->timer);
	/* The link goes if it still points at this pty. */
	if (st->link != NULL && lstat(st->link, &sb) == 0 &&
	    S_ISLNK(sb.st_mode) && (n = readlink(st->link, target,
	    sizeof target - 1)) > 0) {
		target[n] = '\0';
		if (strcmp(target, st->path) == 0)
			unlink(st->link);
	}
	free(st->link);
	free(st);
	l->state = NULL;
}

const struct layer_ops tr_pipe = {
	.name = "pipe",
	.io = tp_io,
	.read = tp_read,
	.write = tp_write,
	.shutdown = tp_shutdown,
	.want = tp_want,
	.control = tp_control,
	.describe = tp_describe,
	.free = tp_free,
};

const struct layer_ops tr_pty = {
	.name = "pty",
	.io = tp_io,
	.read = tp_read,
	.write = tp_write,
	.shutdown = tp_shutdown,
	.want = tp_want,
	.control = tp_control,
	.describe = tp_describe,
	.free = tp_free,
};

int
tr_pty_open(int *master, char *slave, size_t slavelen, char *err,
    size_t errlen)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	if (fd == -1 || grantpt(fd) == -1 || unlockpt(fd) == -1 ||
	    ptsname_r(fd, slave, slavelen) != 0) {
		snprintf(err, errlen, "pty: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*master = fd;
	return 0;
}

static struct tp_state *
tp_state_new(struct session *s, int pty, int errfd)
{
	struct tp_state *st = xcalloc(1, sizeof *st);

	st->pty = pty;
	st->errfd = errfd;
	s->fdl.state = st;
	return st;
}

int
tr_pipe_attach(struct session *s, const char *tty, int errfd)
{
	struct tp_state *st = tp_state_new(s, tty != NULL, errfd);

	if (tty != NULL)
		snprintf(st->path, sizeof st->path, "%s", tty);

	if (errfd != -1) {
		fcntl(errfd, F_SETFL, fcntl(errfd, F_GETFL) | O_NONBLOCK);
		if (loop_add(errfd, LOOP_READ, tp_err_io, s) == -1) {
			tp_err_close(st);
			return -1;
		}
	}
	return layer_attach(s, tty != NULL ? &tr_pty : &tr_pipe);
}

/* PATH becomes a symlink to the slave; only a symlink is replaced. */
static int
pty_link(const char *link, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(link, &sb) == 0) {
		if (!S_ISLNK(sb.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a symlink: "
			    "not replaced", link);
			return -1;
		}
		unlink(link);
	}
	if (symlink(path, link) == -1) {
		snprintf(err, errlen, "%s: %s", link, strerror(errno));
		return -1;
	}
	return 0;
}

struct session *
sess_pty(const char *link, int raw, int once, char *err, size_t errlen)
{
	struct tp_state *st;
	struct session *s;
	char path[64];
	int fd;

	if (tr_pty_open(&fd, path, sizeof path, err, errlen) == -1)
		return NULL;
	if (link != NULL && pty_link(link, path, err, errlen) == -1) {
		close(fd);
		return NULL;
	}
	s = sess_new(K_PTY, &settings_default);
	s->fd = fd;
	s->state = S_CONNECTED;
	st = tp_state_new(s, 1, -1);
	st->keep = 1;
	st->once = once;
	st->raw = raw;
	snprintf(st->path, sizeof st->path, "%s", path);
	st->link = link != NULL ? xstrdup(link) : NULL;
	sess_name(&s->local_str, "%s", path);
	if (raw)
		pty_raw(s);
	if (layer_attach(s, &tr_pty) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		sess_discard(s);
		return NULL;
	}
	/* No program has the slave yet: look for one. */
	tp_park(&s->fdl);
	st->timer = loop_timer_add(PTY_POLL_MS, pty_look, s);
	ev_listening(s);
	pipe_event(s, TAP_OPEN, NULL, 0);
	return s;
}
