/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_exec.c — the exec roles (role.h, role_exec.h): a local program as
 * a session, and a server whose every peer gets a program paired with
 * it.  A child is started with fork and execvp, never through a shell:
 * it gets its own session (setsid: its own process group, no terminal of
 * socktool's, or with --pty the pty's slave as its controlling terminal),
 * the signal dispositions socktool changed back, and only the descriptors
 * meant for it (everything else is close-on-exec).  Whether execvp
 * failed is read from a close-on-exec status pipe, so a missing program
 * is one error and no session.  Children are reaped from the loop (the
 * SIGCHLD self-pipe in main.c calls exec_reap), each by its pid.  A
 * session whose streams are done lingers (role.h) until its child is
 * reaped, so its closed event has the exit status; closing it ends the
 * program's input, and if the program has not exited EXEC_GRACE_MS later,
 * sends SIGTERM to the child's group and SIGKILL EXEC_KILL_MS after that,
 * from timers.  A child whose session went some other way is ended the same
 * way and reaped later. */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "codec.h"
#include "event.h"
#include "execenv.h"
#include "loop.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "role_exec.h"
#include "role_relay.h"
#include "session.h"
#include "settings.h"
#include "tls.h"
#include "tr_pipe.h"

extern char **environ;

/* One child, listed until it is reaped (its session may go first). */
struct exec_child {
	pid_t			 pid;
	unsigned		 sid;		/* its session; 0: gone */
	int			 reaped, status;
	int			 term_sent;
	int			 grace;		/* waiting EXEC_GRACE_MS */
	uint64_t		 kill_timer;	/* grace's, then SIGKILL's */
	char			 tty[64];	/* --pty: the slave */
	/* An abort waiting for the reaping (exec_abort): how it ends. */
	char			 abort_reason[16];
	char			*abort_msg;
	struct exec_child	*next;
};

/* Every child not yet reaped (and those whose session still shows). */
static struct exec_child *exec_children;

/* A server's program for its peers, and the TLS they speak first
 * (tls-server --exec; NULL: none). */
struct exec_server {
	char		**argv;
	struct tls_cfg	*tls;
};

static const struct role exec_role, exec_server_role, exec_peer_role;

void
exec_argv_free(char **argv)
{
	size_t i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static void
exec_child_unlist(struct exec_child *c)
{
	struct exec_child **pp;

	for (pp = &exec_children; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->kill_timer)
		loop_timer_del(c->kill_timer);
	free(c);
}

static void
exec_kill(void *arg)
{
	struct exec_child *c = arg;

	c->kill_timer = 0;
	if (!c->reaped)
		kill(-c->pid, SIGKILL);
}

/* SIGTERM to the child's group now, SIGKILL later if it is still there. */
static void
exec_end(struct exec_child *c)
{
	if (c->reaped || c->term_sent)
		return;
	if (c->kill_timer) {		/* the grace, cut short */
		loop_timer_del(c->kill_timer);
		c->kill_timer = 0;
	}
	c->term_sent = 1;
	kill(-c->pid, SIGTERM);
	c->kill_timer = loop_timer_add(EXEC_KILL_MS, exec_kill, c);
}

static void
exec_grace_over(void *arg)
{
	struct exec_child *c = arg;

	c->kill_timer = 0;
	exec_end(c);
}

/* The child's input has ended (its session closed): a program that ends
 * at end of input (cat, a filter) gets EXEC_GRACE_MS to do so with its own
 * exit status before SIGTERM; SIGKILL still follows within 3 s of the
 * close. */
static void
exec_wind_down(struct exec_child *c)
{
	if (c->reaped || c->term_sent || c->grace)
		return;
	c->grace = 1;
	c->kill_timer = loop_timer_add(EXEC_GRACE_MS, exec_grace_over, c);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
exec_child_setup(int in, int out, const char *tty, enum exec_stderr mode,
    int errw, int status, char *const argv[], char **envp)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP,
	    SIGWINCH, SIGCHLD, SIGQUIT };
	struct sigaction sa;
	sigset_t none;
	size_t i;
	int e, null;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() == -1)
		goto fail;
	if (tty != NULL) {
		/* A session leader opening a terminal makes it its own. */
		if ((in = open(tty, O_RDWR)) == -1)
			goto fail;
		ioctl(in, TIOCSCTTY, 0);
		out = in;
	}
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1)
		goto fail;
	if (mode == EXEC_ERR_MERGE && dup2(1, 2) == -1)
		goto fail;
	if (mode == EXEC_ERR_SHOW && dup2(errw, 2) == -1)
		goto fail;
	if (mode == EXEC_ERR_IGNORE) {
		if ((null = open("/dev/null", O_WRONLY)) == -1 ||
		    dup2(null, 2) == -1)
			goto fail;
	}
	/* Nothing else of socktool's goes with it. */
	close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	if (envp != NULL)
		environ = envp;
	execvp(argv[0], argv);
fail:
	e = errno;
	if (write(status, &e, sizeof e) != (ssize_t)sizeof e) {
		/* Nobody to tell. */
	}
	_exit(127);
}

static void
exec_close2(int fd[2])
{
	if (fd[0] != -1)
		close(fd[0]);
	if (fd[1] != -1)
		close(fd[1]);
	fd[0] = fd[1] = -1;
}

/* Start argv; *fd its input and output (our end), *errfd its standard
 * error when shown.  The pid, or -1 with err. */
static pid_t
exec_spawn(char *const argv[], int pty, enum exec_stderr mode, char **envp,
    int *fd, int *errfd, char *tty, size_t ttylen, char *err,
    size_t errlen)
{
	int io[2] = { -1, -1 }, ep[2] = { -1, -1 }, sp[2] = { -1, -1 }, e = 0;
	sigset_t all, old;
	pid_t pid;
	ssize_t n;

	if (pty) {
		if (tr_pty_open(&io[0], tty, ttylen, err, errlen) == -1)
			return -1;
	} else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    io) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	if ((mode == EXEC_ERR_SHOW && pipe2(ep, O_CLOEXEC) == -1) ||
	    pipe2(sp, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		exec_close2(io);
		exec_close2(ep);
		return -1;
	}
	/* No signal reaches our handlers in the child before it has set
	 * them back to their defaults (a ^C would come twice through the
	 * self-pipe it shares with us); it unblocks them itself. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		exec_child_setup(io[1], io[1], pty ? tty : NULL, mode, ep[1],
		    sp[1], argv, envp);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		exec_close2(io);
		exec_close2(ep);
		exec_close2(sp);
		return -1;
	}
	close(sp[1]);
	if (io[1] != -1)
		close(io[1]);
	if (ep[1] != -1)
		close(ep[1]);
	/* Closed by a successful exec, or the child's errno. */
	do
		n = read(sp[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close(sp[0]);
	if (n == (ssize_t)sizeof e) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		snprintf(err, errlen, "%s: %s", argv[0], strerror(e));
		close(io[0]);
		if (ep[0] != -1)
			close(ep[0]);
		return -1;
	}
	fcntl(io[0], F_SETFL, fcntl(io[0], F_GETFL) | O_NONBLOCK);
	*fd = io[0];
	*errfd = ep[0];
	return pid;
}

/* The program's name as shown: its words, cut to fit. */
static void
exec_name(struct session *s, char *const argv[])
{
	struct buf b = BUF_INIT;

	/* Words as a shell reads them back (sh -c 'a; b' stays one word);
	 * every output escapes them (SPEC §4), once. */
	execenv_words(&b, argv, ADDR_STRLEN);
	sess_name(&s->remote_str, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* A program's session; with pair (a server's peer) the two are linked
 * before it is announced, so its connected event names the peer. */
static struct session *
exec_session(enum sess_kind kind, const struct settings *set,
    char *const argv[], int pty, enum exec_stderr mode, char **envp,
    struct session *pair, char *err, size_t errlen)
{
	struct exec_child *c = xcalloc(1, sizeof *c);
	struct session *s;
	int fd, errfd;

	c->pid = exec_spawn(argv, pty, mode, envp, &fd, &errfd, c->tty,
	    sizeof c->tty, err, errlen);
	if (c->pid == -1) {
		free(c);
		return NULL;
	}
	c->next = exec_children;
	exec_children = c;
	s = sess_new(kind, set);
	s->fd = fd;
	s->state = S_CONNECTED;
	s->role = &exec_role;
	s->role_state = c;
	c->sid = s->id;
	sess_name(&s->local_str, "pid %ld", (long)c->pid);
	exec_name(s, argv);
	if (tr_pipe_attach(s, pty ? c->tty : NULL, errfd) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		sess_destroy(s, "error", err);
		return NULL;
	}
	if (pair != NULL)
		relay_link(pair, s);
	ev_started(s);
	pipe_event(s, TAP_OPEN, NULL, 0);
	return s;
}

struct session *
exec_start(char *const argv[], int pty, enum exec_stderr mode, char *err,
    size_t errlen)
{
	return exec_session(K_EXEC, &settings_default, argv, pty, mode, NULL,
	    NULL, err, errlen);
}

/* The child ended: its session ends too, after what it wrote. */
static void
exec_ended(struct session *s)
{
	struct exec_child *c = s->role_state;

	if (c->abort_msg != NULL) {
		char *msg = c->abort_msg;

		c->abort_msg = NULL;
		pipe_drain(s, 16u << 20);
		sess_destroy(s, c->abort_reason, msg);
		free(msg);
		return;
	}
	if (s->closing) {
		sess_progress(s);
		return;
	}
	if (pipe_queued(s) > 0) {
		/* Nobody reads what is still queued for it. */
		pipe_drain(s, 16u << 20);
		sess_destroy(s, "exit", "the program ended before reading "
		    "everything sent");
		return;
	}
	sess_close(s, "exit");
}

void
exec_reap(void)
{
	struct exec_child *c, *next;
	struct session *s;
	int status;

	for (c = exec_children; c != NULL; c = next) {
		next = c->next;
		if (c->reaped || waitpid(c->pid, &status, WNOHANG) != c->pid)
			continue;
		c->reaped = 1;
		c->status = status;
		if (c->kill_timer) {
			loop_timer_del(c->kill_timer);
			c->kill_timer = 0;
		}
		s = c->sid != 0 ? sess_find(c->sid) : NULL;
		if (s == NULL || s->role_state != c) {
			exec_child_unlist(c);
			continue;
		}
		/* next may go with s: start again from the head. */
		exec_ended(s);
		next = exec_children;
	}
}

void
exec_done(void)
{
	struct exec_child *c;

	while ((c = exec_children) != NULL) {
		if (!c->reaped)
			kill(-c->pid, SIGKILL);
		exec_children = c->next;
		if (c->kill_timer)
			loop_timer_del(c->kill_timer);
		free(c);
	}
}

/* The program finished its output: paired, the end passes on; alone,
 * the session waits for the exit status. */
static int
exec_peer_eof(struct session *s)
{
	struct exec_child *c = s->role_state;
	unsigned id = s->id;

	if (s->pair != NULL)
		return relay_link_eof(s);
	s->state = S_HALF_CLOSED;
	if (c->reaped) {
		exec_ended(s);
		return sess_find(id) == s ? 0 : -1;
	}
	layer_interest(s);
	return 0;
}

static void
exec_closing(struct session *s, const char *reason)
{
	if (s->pair != NULL)
		relay_link_closing(s, reason);
}

/* The session would go: not before its child is reaped. */
static int
exec_linger(struct session *s)
{
	struct exec_child *c = s->role_state;

	if (c->reaped)
		return 0;
	exec_wind_down(c);
	return 1;
}

/* A program cannot be reset: its input ends (what was queued for it
 * first), it winds down as on close, and the session goes with reason and
 * msg once it is reaped, its exit status said. */
static int
exec_abort(struct session *s, const char *reason, const char *msg)
{
	struct exec_child *c = s->role_state;

	if (c->reaped || c->abort_msg != NULL)
		return 0;
	snprintf(c->abort_reason, sizeof c->abort_reason, "%s", reason);
	c->abort_msg = xstrdup(msg);
	sess_close(s, c->abort_reason);
	return 1;
}

static void
exec_destroy(struct session *s)
{
	struct exec_child *c = s->role_state;

	free(c->abort_msg);
	c->abort_msg = NULL;
	c->sid = 0;
	if (c->reaped)
		exec_child_unlist(c);
	else
		exec_end(c);
}

static void
exec_fields(const struct session *s, const char *event, struct rec *r)
{
	const struct exec_child *c = s->role_state;
	char st[64];

	if (strcmp(event, "connected") == 0) {
		rec_u64(r, "pid", (uint64_t)c->pid);
		if (c->tty[0] != '\0')
			rec_strcpy(r, "tty", c->tty);
		return;
	}
	if (strcmp(event, "closed") != 0 || !c->reaped)
		return;
	if (WIFEXITED(c->status)) {
		rec_u64(r, "exit", (uint64_t)WEXITSTATUS(c->status));
		snprintf(st, sizeof st, "exit status %d",
		    WEXITSTATUS(c->status));
	} else if (WIFSIGNALED(c->status)) {
		const char *n = sigabbrev_np(WTERMSIG(c->status));
		char num[16];

		if (n == NULL) {
			snprintf(num, sizeof num, "%d", WTERMSIG(c->status));
			n = num;
		}
		rec_strcpy(r, "signal", n);
		snprintf(st, sizeof st, "killed by SIG%s", n);
	} else
		return;
	rec_strcpy(r, "status", st);
}

static const struct role exec_role = {
	.name = "exec",
	.peer_eof = exec_peer_eof,
	.closing = exec_closing,
	.linger = exec_linger,
	.abort = exec_abort,
	.destroy = exec_destroy,
	.fields = exec_fields,
};

/* --exec: each peer's environment says who it is talking to. */
static void
exec_addr(const struct net_addr *a, const char *text, char *host,
    size_t hostlen, char *port, size_t portlen)
{
	if (a->len == 0 || getnameinfo((const struct sockaddr *)&a->ss,
	    a->len, host, (socklen_t)hostlen, port, (socklen_t)portlen,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, hostlen, "%s", text);
		port[0] = '\0';
	}
}

static char **
exec_env(const struct session *peer)
{
	char ra[ADDR_STRLEN], rp[16], la[ADDR_STRLEN], lp[16], id[16];
	struct execenv v = { ra, rp, la, lp, id };

	exec_addr(&peer->remote, peer->remote_str, ra, sizeof ra, rp,
	    sizeof rp);
	exec_addr(&peer->local, peer->local_str, la, sizeof la, lp,
	    sizeof lp);
	snprintf(id, sizeof id, "%u", peer->id);
	return execenv_build(environ, &v);
}

int
exec_pair(struct session *peer, char *const argv[], char *err, size_t errlen)
{
	struct session *child;
	char **env = exec_env(peer);

	child = exec_session(K_EXEC_PEER, peer->set, argv, 0, EXEC_ERR_SHOW,
	    env, peer, err, errlen);
	exec_argv_free(env);
	return child != NULL ? 0 : -1;
}

/* A peer is ready for data: its program starts, and the two are
 * paired. */
static int
exec_peer_pair(struct session *peer)
{
	struct exec_server *xs = peer->parent != NULL &&
	    peer->parent->role == &exec_server_role ?
	    peer->parent->role_state : NULL;
	struct session *child;
	char err[300], **env;

	if (xs == NULL) {
		sess_destroy(peer, "error", "the server is gone");
		return -1;
	}
	env = exec_env(peer);
	child = exec_session(K_EXEC_PEER, peer->parent->set, xs->argv, 0,
	    EXEC_ERR_SHOW, env, peer, err, sizeof err);
	exec_argv_free(env);
	if (child == NULL) {
		sess_destroy(peer, "error", err);
		return -1;
	}
	return 0;
}

/* A peer is open: a TLS server's speaks TLS first (its program starts
 * once the handshake is done: ready), any other's starts now. */
static int
exec_peer_opened(struct session *peer)
{
	if (peer->role_state != NULL)
		return tls_start(peer, peer->role_state);
	return exec_peer_pair(peer);
}

static void
exec_peer_destroy(struct session *peer)
{
	tls_cfg_unref(peer->role_state);
}

static int
exec_peer_eof_hook(struct session *s)
{
	if (s->pair == NULL)
		return sess_end_of_stream(s);
	return relay_link_eof(s);
}

static const struct role exec_peer_role = {
	.name = "exec-peer",
	.opened = exec_peer_opened,
	.ready = exec_peer_pair,
	.peer_eof = exec_peer_eof_hook,
	.closing = exec_closing,
	.destroy = exec_peer_destroy,
};

/* Each peer holds a reference to the server's TLS configuration, if
 * any (its role state). */
static int
exec_server_accepted(struct session *srv, struct session *peer)
{
	struct exec_server *xs = srv->role_state;

	peer->role = &exec_peer_role;
	peer->role_state = xs->tls != NULL ? tls_cfg_ref(xs->tls) : NULL;
	return 0;
}

static void
exec_server_destroy(struct session *srv)
{
	struct exec_server *xs = srv->role_state;

	exec_argv_free(xs->argv);
	tls_cfg_unref(xs->tls);
	free(xs);
}

static struct tls_cfg *
exec_server_tls(const struct session *srv)
{
	return ((const struct exec_server *)srv->role_state)->tls;
}

static const struct role exec_server_role = {
	.name = "exec-server",
	.accepted = exec_server_accepted,
	.destroy = exec_server_destroy,
	.tls = exec_server_tls,
};

void
exec_serve(struct session *srv, char **argv, struct tls_cfg *tls)
{
	struct exec_server *xs = xcalloc(1, sizeof *xs);

	xs->argv = argv;
	xs->tls = tls;
	if (tls != NULL)
		tls->owner = srv->id;
	srv->role = &exec_server_role;
	srv->role_state = xs;
}
