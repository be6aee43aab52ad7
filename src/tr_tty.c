/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_tty.c — the tty fd layer: a serial device (or one end of a pty pair)
 * as a session (SPEC §3.11).  Opened raw and non-blocking; the line's
 * settings through termios2 (tty2.c: any baud); the modem lines through
 * TIOCMGET/TIOCMSET and a break through TIOCSBRK, ended by a loop timer;
 * the modem inputs polled on a timer where the device reports them.  A
 * device that goes away (EIO, a hang-up) ends the session with reason
 * `error`, saying so. */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "layer.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "serial_line.h"
#include "session.h"
#include "tty2.h"

/* How often the modem inputs are read where the device reports them. */
#define TTY_MODEM_POLL_MS	100

struct tty_dev {
	char		*path;
	int		 modem;		/* TIOCMGET works */
	int		 modem_errno;	/* why not */
	unsigned	 inputs;	/* LM_CTS... as last seen */
	uint64_t	 poll_timer;
	uint64_t	 break_timer;
	/* The line as last read back: what a device that went away had
	 * (a --reconnect opens the next one with it). */
	struct serial_line last;
	int		 have_last;
};

static struct tty_dev *
tty_dev(const struct session *s)
{
	return s->fdl.state;
}

static ssize_t
tty_read(struct layer *l, unsigned char *p, size_t n, struct rx_meta *meta)
{
	ssize_t r;

	(void)meta;
	/* A raw tty never ends its input: 0 is a hung-up line (the other
	 * end of a pty gone), an error like EIO, not a peer's goodbye. */
	if ((r = read(l->s->fd, p, n)) == 0) {
		errno = EIO;
		return -1;
	}
	return r;
}

static ssize_t
tty_write(struct layer *l, const unsigned char *p, size_t n,
    const struct net_addr *to)
{
	(void)to;
	return write(l->s->fd, p, n);
}

/* A line has no half-close: the end is the close. */
static int
tty_shutdown(struct layer *l)
{
	(void)l;
	return 0;
}

static int
tty_want(struct layer *l, int pw)
{
	(void)l;
	return ((pw & PIPE_WANT_READ) ? LOOP_READ : 0) |
	    ((pw & PIPE_WANT_WRITE) ? LOOP_WRITE : 0);
}

/* Whether fd is the slave side of a pseudo-terminal (Unix98: majors
 * 136-143). */
static int
tty_is_pty(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

static const struct { int tiocm; unsigned lm; } tty_bits[] = {
	{ TIOCM_DTR, LM_DTR }, { TIOCM_RTS, LM_RTS }, { TIOCM_CTS, LM_CTS },
	{ TIOCM_DSR, LM_DSR }, { TIOCM_CAR, LM_DCD }, { TIOCM_RNG, LM_RI },
};
#define TTY_NBITS	(sizeof tty_bits / sizeof tty_bits[0])

static unsigned
tty_lm(int tiocm)
{
	unsigned lm = 0, i;

	for (i = 0; i < TTY_NBITS; i++)
		if (tiocm & tty_bits[i].tiocm)
			lm |= tty_bits[i].lm;
	return lm;
}

static int
tty_tiocm(unsigned lm)
{
	int tiocm = 0;
	unsigned i;

	for (i = 0; i < TTY_NBITS; i++)
		if (lm & tty_bits[i].lm)
			tiocm |= tty_bits[i].tiocm;
	return tiocm;
}

/* The modem lines, or -1 with errno. */
static int
tty_modem_get(struct session *s, unsigned *lm)
{
	int v;

	if (ioctl(s->fd, TIOCMGET, &v) == -1)
		return -1;
	*lm = tty_lm(v);
	return 0;
}

static void
tty_modem_err(const struct session *s, char *err, size_t errlen)
{
	const struct tty_dev *d = tty_dev(s);

	if (tty_is_pty(s->fd))
		snprintf(err, errlen, "%s has no modem lines (a "
		    "pseudo-terminal)", d->path);
	else
		snprintf(err, errlen, "%s has no modem lines (%s)", d->path,
		    strerror(d->modem_errno));
}

static void
tty_modem_poll(void *arg)
{
	struct session *s = arg;
	struct tty_dev *d = tty_dev(s);
	const unsigned inputs = LM_CTS | LM_DSR | LM_DCD | LM_RI;
	unsigned lm;

	d->poll_timer = loop_timer_add(TTY_MODEM_POLL_MS, tty_modem_poll, s);
	if (tty_modem_get(s, &lm) == -1 || (lm & inputs) == d->inputs)
		return;
	d->inputs = lm & inputs;
	ev_modem(s, lm);
}

static void
tty_break_end(void *arg)
{
	struct session *s = arg;

	tty_dev(s)->break_timer = 0;
	ioctl(s->fd, TIOCCBRK);
}

static int
tty_modem(struct session *s, struct layer_modem *m)
{
	struct tty_dev *d = tty_dev(s);
	int v;

	if (!d->modem) {
		tty_modem_err(s, m->err, sizeof m->err);
		return 0;
	}
	/* Refused before any line changes. */
	if (m->break_ms > 0 && d->break_timer != 0) {
		snprintf(m->err, sizeof m->err, "%s: a break is still being "
		    "sent", d->path);
		return 0;
	}
	if (m->mask != 0) {
		v = tty_tiocm(m->mask & m->on);
		if ((v != 0 && ioctl(s->fd, TIOCMBIS, &v) == -1) ||
		    ((v = tty_tiocm(m->mask & ~m->on)) != 0 &&
		    ioctl(s->fd, TIOCMBIC, &v) == -1)) {
			snprintf(m->err, sizeof m->err, "%s: cannot set the "
			    "modem lines: %s", d->path, strerror(errno));
			return 0;
		}
	}
	if (m->break_ms > 0) {
		if (ioctl(s->fd, TIOCSBRK) == -1) {
			snprintf(m->err, sizeof m->err, "%s: cannot send a "
			    "break: %s", d->path, strerror(errno));
			return 0;
		}
		d->break_timer = loop_timer_add(m->break_ms, tty_break_end, s);
	}
	if (tty_modem_get(s, &m->bits) == 0)
		m->have = 1;
	return 0;
}

/* The line as the driver keeps it. */
static int
tty_line_get(struct session *s, struct serial_line *ln)
{
	struct tty2_line t;

	if (tty2_get(s->fd, &t) == -1)
		return -1;
	ln->flow = t.xonxoff ? SERIAL_FLOW_XONXOFF : SERIAL_FLOW_NONE;
	serial_from_cflag(t.cflag, ln);
	ln->baud = t.baud;
	tty_dev(s)->last = *ln;
	tty_dev(s)->have_last = 1;
	return 0;
}

static int
tty_line_set(struct session *s, const struct serial_line *ln)
{
	struct tty2_line t = {
		.cflag = serial_cflag(ln), .baud = ln->baud,
		.xonxoff = ln->flow == SERIAL_FLOW_XONXOFF,
	};

	return tty2_set(s->fd, &t, serial_cflag_mask());
}

static int
tty_line(struct session *s, struct layer_line *q)
{
	if (q->set && tty_line_set(s, &q->ln) == -1) {
		snprintf(q->err, sizeof q->err, "%s: the driver refused the "
		    "line settings: %s", tty_dev(s)->path, strerror(errno));
		return 0;
	}
	if (tty_line_get(s, &q->ln) == 0) {
		/* What list and show give as the session's local end. */
		char w[ADDR_STRLEN];

		q->known = 1;
		serial_line_words(&q->ln, w, sizeof w);
		sess_name(&s->local_str, "%s", w);
	} else if (!q->set && tty_dev(s)->have_last) {
		/* The device went away: the line it had. */
		q->ln = tty_dev(s)->last;
		q->known = 1;
	}
	return 0;
}

static void
tty_details(struct session *s, struct rec *r)
{
	struct serial_line ln;
	struct layer_modem m;
	char words[64];

	serial_line_default(&ln);
	if (tty_line_get(s, &ln) == 0) {
		serial_line_words(&ln, words, sizeof words);
		rec_strcpy(r, "line", words);
		rec_label(r, "line", NULL);
	}
	memset(&m, 0, sizeof m);
	if (tty_dev(s)->modem && tty_modem_get(s, &m.bits) == 0) {
		snprintf(words, sizeof words, "dtr %s, rts %s, cts %s, dsr %s, "
		    "dcd %s, ri %s", m.bits & LM_DTR ? "on" : "off",
		    m.bits & LM_RTS ? "on" : "off",
		    m.bits & LM_CTS ? "on" : "off",
		    m.bits & LM_DSR ? "on" : "off",
		    m.bits & LM_DCD ? "on" : "off",
		    m.bits & LM_RI ? "on" : "off");
		rec_strcpy(r, "modem", words);
		rec_label(r, "modem", NULL);
	}
}

/* The device is gone (unplugged, the other end of a pty closed). */
static void
tty_vanished(struct session *s, int e)
{
	char msg[320];

	snprintf(msg, sizeof msg, "%s went away (%s)", tty_dev(s)->path,
	    e != 0 ? strerror(e) : "hung up");
	sess_destroy(s, "error", msg);
}

static int
tty_control(struct layer *l, enum layer_ctl op, void *arg)
{
	struct session *s = l->s;
	int n = 0;

	switch (op) {
	case LCTL_UNACKED:
		if (ioctl(s->fd, TIOCOUTQ, &n) == -1 || n < 0)
			n = 0;
		*(size_t *)arg = (size_t)n;
		return 0;
	case LCTL_DETAILS:
		tty_details(s, arg);
		return 0;
	case LCTL_FAIL:
		tty_vanished(s, *(int *)arg);
		return 0;
	case LCTL_LINE:
		return tty_line(s, arg);
	case LCTL_MODEM:
		return tty_modem(s, arg);
	default:
		return -1;
	}
}

static void
tty_describe(const struct layer *l, struct buf *out)
{
	buf_printf(out, "tty %s", tty_dev(l->s)->path);
}

static void
tty_io(struct layer *l, int events)
{
	struct session *s = l->s;
	unsigned id = s->id;
	int hup = (events & (LOOP_HUP | LOOP_ERR)) != 0;

	/* A hung-up device may still hold input: read it first. */
	if (events & (LOOP_READ | LOOP_HUP | LOOP_ERR)) {
		if (pipe_input(s, hup) == -1 || sess_find(id) != s)
			return;
	}
	if (hup) {
		tty_vanished(s, 0);
		return;
	}
	if (events & LOOP_WRITE)
		pipe_output(s);
}

static void
tty_free(struct layer *l, int abort)
{
	struct tty_dev *d = l->state;

	(void)abort;
	if (d == NULL)
		return;
	if (d->poll_timer)
		loop_timer_del(d->poll_timer);
	if (d->break_timer) {
		loop_timer_del(d->break_timer);
		ioctl(l->s->fd, TIOCCBRK);
	}
	free(d->path);
	free(d);
	l->state = NULL;
}

const struct layer_ops tr_tty = {
	.name = "tty",
	.io = tty_io,
	.read = tty_read,
	.write = tty_write,
	.shutdown = tty_shutdown,
	.want = tty_want,
	.control = tty_control,
	.describe = tty_describe,
	.free = tty_free,
};

/* Open path raw with the line ln: the descriptor, or -1 with err. */
static int
tty_open(const char *path, const struct serial_line *ln, char *err,
    size_t errlen)
{
	struct tty2_line t = {
		.cflag = serial_cflag(ln), .baud = ln->baud,
		.xonxoff = ln->flow == SERIAL_FLOW_XONXOFF,
	};
	int fd;

	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (tty2_set(fd, &t, serial_cflag_mask()) == -1) {
		if (errno == ENOTTY)
			snprintf(err, errlen, "%s is not a serial device (not "
			    "a terminal)", path);
		else
			snprintf(err, errlen, "%s: the driver refused the line "
			    "settings: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
sess_serial_open(struct session *s, const char *path,
    const struct serial_line *ln, char *err, size_t errlen)
{
	struct serial_line got = *ln;
	struct tty_dev *d;
	char words[64];
	unsigned lm;
	int fd;

	if ((fd = tty_open(path, ln, err, errlen)) == -1)
		return -1;
	d = xcalloc(1, sizeof *d);
	d->path = xstrdup(path);
	s->fd = fd;
	s->fdl.state = d;
	if (layer_attach(s, &tr_tty) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		tty_free(&s->fdl, 0);
		layer_release_fd(s);
		return -1;
	}
	s->state = S_CONNECTED;
	tty_line_get(s, &got);
	serial_line_words(&got, words, sizeof words);
	sess_name(&s->remote_str, "%s", path);
	sess_name(&s->local_str, "%s", words);
	if (tty_modem_get(s, &lm) == 0) {
		d->modem = 1;
		d->inputs = lm & (LM_CTS | LM_DSR | LM_DCD | LM_RI);
		d->poll_timer = loop_timer_add(TTY_MODEM_POLL_MS,
		    tty_modem_poll, s);
	} else
		d->modem_errno = errno;
	ev_opened(s, words);
	pipe_event(s, TAP_OPEN, NULL, 0);
	if (s->role != NULL && s->role->opened != NULL)
		s->role->opened(s);
	else
		pipe_output(s);
	return 0;
}

struct session *
sess_serial(const char *path, const struct serial_line *ln, char *err,
    size_t errlen)
{
	struct session *s = sess_new(K_SERIAL, &settings_default);

	if (sess_serial_open(s, path, ln, err, errlen) == -1) {
		sess_discard(s);
		return NULL;
	}
	return s;
}
