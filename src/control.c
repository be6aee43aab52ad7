/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control.c — the control socket's listening side (see control.h): each
 * connection of our own uid is a client with its own output, pending
 * command and expect positions; its requests are read as lines and its
 * output framed as lines ("o TEXT", "e TEXT", "done STATUS"). */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "codec.h"
#include "control.h"
#include "layer.h"
#include "loop.h"
#include "net.h"
#include "out.h"
#include "session.h"

/* A request line longer than this is refused; requests sent ahead while
 * a command runs are read up to CTL_IN_MAX; output a client leaves unread
 * past CTL_OUT_MAX ends it (it never grows memory without bound). */
#define CTL_LINE_MAX	(64u << 10)
#define CTL_IN_MAX	(1u << 20)
#define CTL_OUT_MAX	(8u << 20)
#define CTL_OUT_HIGH	(64u << 10)	/* no more requests run past this
					 * much unwritten: the client reads
					 * first (backpressure) */
#define CTL_ACCEPT_MAX	16

struct conn {
	TAILQ_ENTRY(conn) entry;
	int		 fd;
	long		 pid;		/* SO_PEERCRED */
	char		 name[32];	/* "ctl PID" */
	struct client	*cl;
	struct out_sink	 sink;
	struct buf	 in;		/* requests not yet run */
	struct buf	 wr;		/* framed output not yet written */
	int		 hello;		/* the hello was read */
	int		 running;	/* a `run` waits */
	int		 closing;	/* close once wr is written */
	int		 dead;		/* free at the next flush */
	int		 mask;		/* loop interest */
};

/* The process's one control socket and its connections. */
static struct {
	int		 fd;
	char		 path[128];
	char		 name[CONTROL_NAME_MAX + 1];
	unsigned long	 ino;
	void		(*quit_all)(void);
	uint64_t	 kick;		/* a timer that wakes the loop */
	TAILQ_HEAD(, conn) conns;
} C = { .fd = -1, .conns = TAILQ_HEAD_INITIALIZER(C.conns) };

int
control_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONTROL_NAME_MAX || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
	    "WXYZ0123456789._-") == n;
}

int
control_dir(char *dir, size_t n, int mk, char *err, size_t errlen)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	int len;

	if (rt != NULL && rt[0] == '/')
		len = snprintf(dir, n, "%s/socktool", rt);
	else
		len = snprintf(dir, n, "/tmp/socktool-%u", (unsigned)geteuid());
	if (len < 0 || (size_t)len >= n) {
		/* Never a shortened directory, made and then refused. */
		snprintf(err, errlen, "$XDG_RUNTIME_DIR is too long for a "
		    "socket path");
		return -1;
	}
	if (mk && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* Under /tmp anyone could have made it first: it must be ours. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s is not a directory of ours", dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && (!mk || chmod(dir, 0700) == -1)) {
		snprintf(err, errlen, "%s may be entered by others (mode %03o)",
		    dir, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

int
control_path(const char *name, char *path, size_t n, int mk, char *err,
    size_t errlen)
{
	char dir[256];

	if (!control_name_ok(name)) {
		snprintf(err, errlen, "a NAME is 1 to %d letters, digits, '.', "
		    "'_' or '-', not \"%s\"", CONTROL_NAME_MAX, name);
		return -1;
	}
	if (control_dir(dir, sizeof dir, mk, err, errlen) == -1)
		return -1;
	if ((size_t)snprintf(path, n, "%s/%s", dir, name) >= n) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

void
control_init(void (*quit_all)(void))
{
	C.quit_all = quit_all;
}

const char *
control_name(void)
{
	return C.fd != -1 ? C.name : NULL;
}

size_t
control_clients(void)
{
	struct conn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &C.conns, entry)
		n += !c->dead;
	return n;
}

/* Output lines of the client's sink into wr: "o " for stdout, "e " for
 * stderr, whole lines only unless the command ended (all). */
static void
conn_frame_one(struct conn *c, struct buf *b, const char *tag, int all)
{
	const char *p = (const char *)buf_peek(b), *nl;
	size_t n = buf_len(b), used = 0;

	while (used < n) {
		nl = memchr(p + used, '\n', n - used);
		if (nl == NULL && !all)
			break;
		buf_puts(&c->wr, tag);
		buf_append(&c->wr, p + used, nl != NULL ?
		    (size_t)(nl - p) - used : n - used);
		buf_putc(&c->wr, '\n');
		used = nl != NULL ? (size_t)(nl - p) + 1 : n;
	}
	buf_consume(b, used);
}

static void
conn_frame(struct conn *c, int all)
{
	conn_frame_one(c, &c->sink.out, "o ", all);
	conn_frame_one(c, &c->sink.err, "e ", all);
}

static void
conn_gone(struct conn *c)
{
	c->dead = 1;
	if (c->mask != 0)
		loop_set(c->fd, 0);
	c->mask = 0;
}

/* A command of the client's ended: its output, then its status. */
static void
conn_finish(struct conn *c, enum cmd_status st)
{
	c->running = 0;
	conn_frame(c, 1);
	/* Plain `quit` ends this client only: "end" says the connection
	 * closes after this line. */
	buf_printf(&c->wr, "done %d%s\n", st == CMD_OK ? 0 : 1,
	    c->cl->quit ? " end" : "");
	if (c->cl->quit)
		c->closing = 1;
	if (c->cl->quit > 1 && C.quit_all != NULL)
		C.quit_all();
}

/* The client's waiting command ended (client.h); the next request runs
 * at the next flush, outside this call stack. */
static void
conn_done(struct client *cl, enum cmd_status st)
{
	struct conn *c = cl->arg;

	if (st != CMD_PENDING && c->running)
		conn_finish(c, st);
}

/* The person at the prompt sees what a control client runs: one line,
 * cut to the terminal's width (JSON: the whole command); nothing for a
 * blank line, which runs nothing. */
static void
conn_announce(const struct conn *c, const char *line)
{
	static const struct out_piece pc[] = {
		{ NULL, "[ctl {client}] {command}", 0 } };
	struct out_sink *was;
	struct rec r;

	line += strspn(line, " \t");
	if (*line == '\0')
		return;
	was = out_use(out_main());
	rec_begin(&r, "control");
	r.info = 1;
	rec_u64(&r, "client", (uint64_t)c->pid);
	rec_strescaped(&r, "command", line);
	out_rec_pieces(&r, pc, 1, NULL);
	rec_free(&r);
	out_use(was);
}

static void
conn_run(struct conn *c, const char *line, size_t n)
{
	enum cmd_status st;

	conn_announce(c, line);
	c->running = 1;
	st = client_run(c->cl, line, n);
	if (st != CMD_PENDING)
		conn_finish(c, st);
}

/* "events [ID]": every session event (of ID) as JSON from now on. */
static void
conn_events(struct conn *c, const char *arg)
{
	char *end;
	unsigned long id = 0;

	if (*arg != '\0') {
		errno = 0;
		id = strtoul(arg, &end, 10);
		if (errno != 0 || *end != '\0' || id == 0 || id > 0xffffffffUL) {
			buf_puts(&c->wr, "e error: events: not a session "
			    "id\ndone 2\n");
			return;
		}
	}
	c->sink.cfg.json = 1;
	out_watch(&c->sink, 1, (unsigned)id);
	buf_puts(&c->wr, "done 0\n");
}

/* One request line (NUL-terminated, no newline). */
static void
conn_request(struct conn *c, char *line, size_t n)
{
	char hello[32];

	snprintf(hello, sizeof hello, "%s %d", CONTROL_HELLO, CONTROL_PROTO);
	if (!c->hello) {
		if (strcmp(line, hello) != 0) {
			buf_printf(&c->wr, "error this instance speaks \"%s\"\n",
			    hello);
			c->closing = 1;
			return;
		}
		c->hello = 1;
		buf_printf(&c->wr, "%s %ld\n", hello, (long)getpid());
	} else if (strncmp(line, "run ", 4) == 0)
		conn_run(c, line + 4, n - 4);
	else if (strcmp(line, "json") == 0) {
		c->sink.cfg.json = 1;
		buf_puts(&c->wr, "done 0\n");
	} else if (strcmp(line, "events") == 0 ||
	    strncmp(line, "events ", 7) == 0)
		conn_events(c, line + (n > 7 ? 7 : n));
	else if (strcmp(line, "status") == 0)
		buf_printf(&c->wr, "status %ld %zu %s\ndone 0\n",
		    (long)getpid(), sess_count(), C.name);
	else if (strcmp(line, "end") == 0) {
		buf_puts(&c->wr, "done 0 end\n");
		c->closing = 1;
	} else
		buf_puts(&c->wr, "e error: unknown request (run LINE, json, "
		    "events [ID], status, end)\ndone 2\n");
}

/* Requests run one at a time: none while a command waits. */
static void
conn_next(struct conn *c)
{
	const char *p, *nl;
	char *line;
	size_t n;

	while (!c->running && !c->closing && !c->dead &&
	    buf_len(&c->wr) + buf_len(&c->sink.out) + buf_len(&c->sink.err) <
	    CTL_OUT_HIGH) {
		p = (const char *)buf_peek(&c->in);
		nl = memchr(p, '\n', buf_len(&c->in));
		if (nl == NULL) {
			if (buf_len(&c->in) > CTL_LINE_MAX) {
				buf_puts(&c->wr, "error request line too "
				    "long\n");
				c->closing = 1;
			}
			return;
		}
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* Copied whole: a NUL inside is the command's to refuse. */
		line = xmalloc(n + 1);
		memcpy(line, p, n);
		line[n] = '\0';
		buf_consume(&c->in, (size_t)(nl - p) + 1);
		conn_request(c, line, n);
		free(line);
	}
}

static void
conn_read(struct conn *c)
{
	char tmp[16384];
	ssize_t r;

	while (buf_len(&c->in) < CTL_IN_MAX) {
		r = read(c->fd, tmp, sizeof tmp);
		if (r > 0) {
			buf_append(&c->in, tmp, (size_t)r);
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		/* The client went (or broke): its command is cancelled. */
		conn_gone(c);
		return;
	}
}

static void
conn_write(struct conn *c)
{
	ssize_t w;

	while (buf_len(&c->wr) > 0) {
		w = write(c->fd, buf_peek(&c->wr), buf_len(&c->wr));
		if (w > 0) {
			buf_consume(&c->wr, (size_t)w);
			continue;
		}
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_gone(c);
		return;
	}
	if (c->closing)
		conn_gone(c);
}

static void
conn_interest(struct conn *c)
{
	int mask = 0;

	if (c->dead)
		return;
	if (buf_len(&c->in) < CTL_IN_MAX)
		mask |= LOOP_READ;
	if (buf_len(&c->wr) > 0)
		mask |= LOOP_WRITE;
	if (mask != c->mask)
		loop_set(c->fd, mask);
	c->mask = mask;
}

static void
conn_io(int fd, int events, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	if (c->dead)
		return;
	if (events & LOOP_WRITE)
		conn_write(c);
	if (!c->dead && (events & (LOOP_READ | LOOP_HUP | LOOP_ERR))) {
		if (buf_len(&c->in) < CTL_IN_MAX)
			conn_read(c);
		else if (events & (LOOP_HUP | LOOP_ERR))
			conn_gone(c);
	}
	conn_interest(c);
}

static void
conn_free(struct conn *c)
{
	TAILQ_REMOVE(&C.conns, c, entry);
	if (c->sink.watching)
		out_watch(&c->sink, 0, 0);
	/* Its pending command is cancelled quietly; its sessions stay. */
	client_free(c->cl);
	loop_del(c->fd);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->wr);
	buf_free(&c->sink.out);
	buf_free(&c->sink.err);
	buf_free(&c->sink.where);
	free(c);
}

static void
conn_new(int fd, long pid)
{
	struct conn *c = xcalloc(1, sizeof *c);

	c->fd = fd;
	c->pid = pid;
	snprintf(c->name, sizeof c->name, "ctl %ld", pid);
	c->cl = client_new(c->name, 0, &c->sink, conn_done, c);
	TAILQ_INSERT_TAIL(&C.conns, c, entry);
	if (loop_add(fd, LOOP_READ, conn_io, c) == 0)
		c->mask = LOOP_READ;
	else
		c->dead = 1;
}

/* A connection from another uid is closed before anything is read. */
static void
on_accept(int fd, int events, void *arg)
{
	struct net_addr peer;
	struct ucred uc = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t len;
	int i, cfd;

	(void)events;
	(void)arg;
	for (i = 0; i < CTL_ACCEPT_MAX; i++) {
		if ((cfd = tr_listen_accept(fd, &peer)) == -1)
			return;
		len = sizeof uc;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
		    uc.uid != geteuid()) {
			struct out_sink *was = out_use(out_main());

			out_info("control: refused a connection from uid %ld",
			    len == sizeof uc ? (long)uc.uid : -1L);
			out_use(was);
			close(cfd);
			continue;
		}
		conn_new(cfd, (long)uc.pid);
	}
}

int
control_listen(const char *name, char *err, size_t errlen)
{
	struct stat st;
	mode_t old;
	int fd;

	if (C.fd != -1) {
		snprintf(err, errlen, "already listening as %s", C.name);
		return -1;
	}
	if (control_path(name, C.path, sizeof C.path, 1, err, errlen) == -1)
		return -1;
	/* Made 0600 from the start: nobody else may connect even before the
	 * uid check. */
	old = umask(077);
	fd = net_unix_listen(C.path, &C.ino, err, errlen);
	umask(old);
	if (fd == -1)
		return -1;
	if (chmod(C.path, 0600) == -1 || loop_add(fd, LOOP_READ, on_accept,
	    NULL) == -1) {
		snprintf(err, errlen, "%s: %s", C.path, strerror(errno));
		if (stat(C.path, &st) == 0 && st.st_ino == C.ino)
			unlink(C.path);
		close(fd);
		return -1;
	}
	C.fd = fd;
	snprintf(C.name, sizeof C.name, "%s", name);
	{
		struct buf b = BUF_INIT;

		/* The path comes from the environment: shown escaped. */
		codec_escape((const unsigned char *)C.path, strlen(C.path), &b,
		    0);
		out_info("control socket %s: \"socktool ctl %s COMMAND\" runs "
		    "commands here", buf_cstr(&b), name);
		buf_free(&b);
	}
	return 0;
}

static void
control_kick(void *arg)
{
	(void)arg;
	C.kick = 0;		/* the loop turn it caused runs the requests */
}

/* Requests held back by unread output can go on once it is written: the
 * loop must come round again even if nothing else happens. */
static void
conn_more(struct conn *c)
{
	if (C.kick || c->running || c->closing ||
	    memchr(buf_peek(&c->in), '\n', buf_len(&c->in)) == NULL ||
	    buf_len(&c->wr) + buf_len(&c->sink.out) + buf_len(&c->sink.err) >=
	    CTL_OUT_HIGH)
		return;
	C.kick = loop_timer_add(0, control_kick, NULL);
}

void
control_flush(void)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&C.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!c->dead)
			conn_next(c);
		if (!c->dead) {
			conn_frame(c, 0);
			if (buf_len(&c->wr) > CTL_OUT_MAX) {
				struct out_sink *was = out_use(out_main());

				out_info("[%s] disconnected: it left %zu bytes "
				    "of output unread", c->name,
				    buf_len(&c->wr));
				out_use(was);
				conn_gone(c);
			} else
				conn_write(c);
		}
		if (c->dead)
			conn_free(c);
		else {
			conn_interest(c);
			conn_more(c);
		}
	}
}

void
control_done(void)
{
	struct stat st;
	struct conn *c;

	if (C.kick) {
		loop_timer_del(C.kick);
		C.kick = 0;
	}
	while ((c = TAILQ_FIRST(&C.conns)) != NULL) {
		if (!c->dead) {
			/* What is written already goes, as far as it can. */
			conn_frame(c, 1);
			conn_write(c);
		}
		conn_free(c);
	}
	if (C.fd == -1)
		return;
	loop_del(C.fd);
	close(C.fd);
	C.fd = -1;
	if (stat(C.path, &st) == 0 && st.st_ino == C.ino)
		unlink(C.path);
}
