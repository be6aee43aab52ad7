/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon.c — --daemon (SPEC §3.12): detach from the terminal and the
 * caller, output to a log, and tell the caller once the control socket is
 * ready (or why it is not).  main decides what to do with each outcome. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "out.h"

/* The starting process: what the daemon said on the pipe. */
static int
daemon_wait(int fd, pid_t mid)
{
	char msg[1024];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof msg - 1 && ((r = read(fd, msg + n,
	    sizeof msg - 1 - n)) > 0 || (r == -1 && errno == EINTR)))
		if (r > 0)
			n += (size_t)r;
	msg[n] = '\0';
	close(fd);
	waitpid(mid, NULL, 0);
	if (strcmp(msg, "ok\n") == 0)
		return 0;
	if (n == 0)
		fprintf(stderr, "socktool: --daemon: it ended before its "
		    "control socket was ready\n");
	else {
		/* It may name outside paths ($XDG_STATE_HOME): escaped. */
		if (msg[n - 1] == '\n')
			msg[n - 1] = '\0';
		out_stderr_msg("socktool: ", msg);
	}
	return 1;
}

/* Every descriptor from 3 up but the two kept: a caller's pipe left open
 * in a daemon would hold whoever waits for its end ($(...) in a CI step). */
static void
daemon_close_fds(int k1, int k2)
{
	int keep[2] = { k1 < k2 ? k1 : k2, k1 < k2 ? k2 : k1 }, i;
	unsigned from = 3;

	for (i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

int
daemon_start(int *ready, int *status, int keep)
{
	int p[2], null;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		fprintf(stderr, "socktool: --daemon: pipe: %s\n",
		    strerror(errno));
		*status = 1;
		return 1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "socktool: --daemon: fork: %s\n",
		    strerror(errno));
		*status = 1;
		return 1;
	}
	if (pid > 0) {
		close(p[1]);
		*status = daemon_wait(p[0], pid);
		return 1;
	}
	/* A new session without a terminal; the second fork makes sure it
	 * can never get one back. */
	close(p[0]);
	setsid();
	if ((pid = fork()) != 0)
		_exit(pid == -1 ? 1 : 0);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	daemon_close_fds(p[1], keep);
	*ready = p[1];
	return 0;
}

/* mkdir -p of path's directories, each 0700. */
static int
daemon_mkdirs(char *path)
{
	char *s;

	for (s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

int
daemon_log(const char *name, char *err, size_t errlen)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char path[4096];
	int fd;

	if (st != NULL && st[0] == '/')
		snprintf(path, sizeof path, "%s/socktool/%s.log", st, name);
	else if (home != NULL && home[0] == '/')
		snprintf(path, sizeof path, "%s/.local/state/socktool/%s.log",
		    home, name);
	else {
		snprintf(err, errlen, "--daemon: neither XDG_STATE_HOME nor "
		    "HOME is set: no place for the log");
		return -1;
	}
	if (daemon_mkdirs(path) == -1 || (fd = open(path, O_WRONLY |
	    O_CREAT | O_APPEND | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "--daemon: %s: %s", path,
		    strerror(errno));
		return -1;
	}
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

void
daemon_ready(int fd, const char *err)
{
	char msg[1100];
	size_t n;

	if (fd == -1)
		return;
	n = (size_t)snprintf(msg, sizeof msg, "%s\n", err != NULL ? err :
	    "ok");
	if (n >= sizeof msg)
		n = sizeof msg - 1;
	if (write(fd, msg, n) == -1) {
		/* The caller went: nobody to tell. */
	}
	close(fd);
}
