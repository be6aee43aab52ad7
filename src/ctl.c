/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ctl.c — `socktool ctl` (SPEC §3.12): runs commands in a running
 * instance through its control socket, printing what a script would print
 * (stdout and stderr apart) and exiting with a script's status; streams
 * its events; lists this user's instances.  A plain blocking client: it
 * has one thing to wait for at a time. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "control.h"
#include "ctl.h"
#include "net.h"
#include "out.h"

struct ctl {
	FILE	*f;		/* the connection, read by lines */
	int	 fd;
	int	 ended;		/* the instance closes after this reply */
};

static void
ctl_usage(FILE *f)
{
	fputs("usage: socktool ctl [-j] [-c CMDS]... NAME [WORD...]\n"
	    "       socktool ctl NAME --events [--id ID]\n"
	    "       socktool ctl --list [-j]\n", f);
}

/* Connect and say hello; -1 after one error line (quiet: none). */
#define CTL_HELLO_S	2	/* seconds an instance has to answer */

/* Reads on fd give up after secs (0: never). */
static void
ctl_timeout(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs, .tv_usec = 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int
ctl_open(struct ctl *k, const char *name, int quiet)
{
	char path[256], err[512], hello[32], *line = NULL;
	size_t cap = 0;
	int fd;

	memset(k, 0, sizeof *k);
	if (control_path(name, path, sizeof path, 0, err, sizeof err) == -1 ||
	    (fd = net_unix_connect(path, err, sizeof err)) == -1) {
		if (!quiet) {
			char msg[640];

			/* err names $XDG_RUNTIME_DIR: escaped. */
			snprintf(msg, sizeof msg, "no instance \"%s\" is "
			    "running (%s)", name, err);
			out_stderr_msg("socktool: ctl: ", msg);
		}
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/* A stopped or wedged instance must not hang us at the hello. */
	ctl_timeout(fd, CTL_HELLO_S);
	k->fd = fd;
	k->f = fdopen(fd, "r");
	snprintf(hello, sizeof hello, "%s %d", CONTROL_HELLO, CONTROL_PROTO);
	if (k->f == NULL || dprintf(fd, "%s\n", hello) < 0 ||
	    getline(&line, &cap, k->f) <= 0 ||
	    strncmp(line, hello, strlen(hello)) != 0 ||
	    line[strlen(hello)] != ' ') {
		if (!quiet)
			fprintf(stderr, "socktool: ctl: \"%s\" did not answer "
			    "as a socktool instance speaking %s\n", name, hello);
		free(line);
		if (k->f != NULL)
			fclose(k->f);
		else
			close(fd);
		return -1;
	}
	free(line);
	/* A command may wait as long as it says (expect --timeout). */
	ctl_timeout(fd, 0);
	return 0;
}

static void
ctl_close(struct ctl *k)
{
	fclose(k->f);
}

/* The reply to one request: output lines printed, the status returned
 * (1 when the connection broke). */
static int
ctl_reply(struct ctl *k)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int st = -1;

	while (st == -1 && (n = getline(&line, &cap, k->f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (strncmp(line, "o ", 2) == 0) {
			fputs(line + 2, stdout);
			putchar('\n');
		} else if (strncmp(line, "e ", 2) == 0) {
			/* An error follows what was printed before it. */
			fflush(stdout);
			fprintf(stderr, "%s\n", line + 2);
		} else if (strncmp(line, "done ", 5) == 0) {
			st = atoi(line + 5) == 0 ? 0 : 1;
			k->ended = strstr(line + 5, " end") != NULL;
		} else if (strncmp(line, "error ", 6) == 0) {
			fprintf(stderr, "socktool: ctl: %s\n", line + 6);
			st = 1;
			k->ended = 1;
		}
		/* Lines of a later version: ignored. */
	}
	free(line);
	fflush(stdout);
	if (st == -1) {
		fprintf(stderr, "socktool: ctl: the instance closed the "
		    "connection\n");
		k->ended = 1;
		st = 1;
	}
	return st;
}

/* One command line: skipped when blank or a comment, as in a script. */
static int
ctl_run(struct ctl *k, const char *line, size_t n)
{
	size_t i = strspn(line, " \t");

	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (i >= n || line[i] == '#')
		return 0;
	/* Sent as a script would read it: the blanks before it are not
	 * the command's. */
	if (dprintf(k->fd, "run %.*s\n", (int)(n - i), line + i) < 0) {
		fprintf(stderr, "socktool: ctl: the instance closed the "
		    "connection\n");
		k->ended = 1;
		return 1;
	}
	return ctl_reply(k);
}

/* Lines of text (-c's, split): each run until one fails or quit. */
static int
ctl_run_lines(struct ctl *k, const char *s, size_t len)
{
	const char *nl;
	int st = 0;

	while (len > 0 && st == 0 && !k->ended) {
		nl = memchr(s, '\n', len);
		st = ctl_run(k, s, nl != NULL ? (size_t)(nl - s) : len);
		if (nl == NULL)
			break;
		len -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	return st;
}

static int
ctl_script(struct ctl *k, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int st = 0;

	while (st == 0 && !k->ended && (n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		st = ctl_run(k, line, (size_t)n);
	}
	free(line);
	return st;
}

static int
ctl_events(struct ctl *k, const char *id)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (dprintf(k->fd, "events%s%s\n", id != NULL ? " " : "",
	    id != NULL ? id : "") < 0 || ctl_reply(k) != 0)
		return 1;
	while ((n = getline(&line, &cap, k->f)) > 0)
		if (strncmp(line, "o ", 2) == 0) {
			fwrite(line + 2, 1, (size_t)n - 2, stdout);
			fflush(stdout);
		}
	free(line);
	return 0;
}

/* One instance's "status PID SESSIONS NAME", printed. */
static void
ctl_status(const char *name, int json, int *any)
{
	struct ctl k;
	char *line = NULL;
	size_t cap = 0;
	long pid;
	unsigned long n;

	if (ctl_open(&k, name, 1) == -1)
		return;	/* stale, or not ours to ask */
	ctl_timeout(k.fd, CTL_HELLO_S);
	if (dprintf(k.fd, "status\n") > 0 && getline(&line, &cap, k.f) > 0 &&
	    sscanf(line, "status %ld %lu", &pid, &n) == 2) {
		if (json)
			printf("{\"pid\":%ld,\"name\":\"%s\",\"sessions\":%lu}\n",
			    pid, name, n);
		else {
			if (!*any)
				printf("%-8s %-24s %s\n", "PID", "NAME",
				    "SESSIONS");
			printf("%-8ld %-24s %lu\n", pid, name, n);
		}
		*any = 1;
	}
	free(line);
	ctl_close(&k);
}

static int
ctl_list(int json)
{
	char dir[256], err[512];
	struct dirent **e;
	int i, n, any = 0;

	if (control_dir(dir, sizeof dir, 0, err, sizeof err) == -1)
		n = 0;
	else if ((n = scandir(dir, &e, NULL, alphasort)) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		/* Names are checked: nothing else is printed raw. */
		if (control_name_ok(e[i]->d_name))
			ctl_status(e[i]->d_name, json, &any);
		free(e[i]);
	}
	if (n > 0)
		free(e);
	if (!any && !json)
		printf("no socktool instance of yours is listening\n");
	return 0;
}

struct ctl_args {
	int		 json, events, list;
	const char	*id;
	const char	*name;
	char		**cmds;
	size_t		 ncmds;
	char		**words;
	int		 nwords;
};

/* Options may come before and right after NAME; the first other word
 * after NAME starts the command.  -1: bad usage (said). */
static int
ctl_parse(int argc, char **argv, struct ctl_args *a)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "-j") == 0 || strcmp(s, "--json") == 0)
			a->json = 1;
		else if (strcmp(s, "--events") == 0)
			a->events = 1;
		else if (strcmp(s, "--list") == 0)
			a->list = 1;
		else if ((strcmp(s, "-c") == 0 || strcmp(s, "--command") == 0 ||
		    strcmp(s, "--id") == 0) && i + 1 < argc) {
			if (strcmp(s, "--id") == 0)
				a->id = argv[++i];
			else {
				a->cmds = xrealloc(a->cmds, (a->ncmds + 1) *
				    sizeof *a->cmds);
				a->cmds[a->ncmds++] = argv[++i];
			}
		} else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)
			return 1;
		else if (s[0] == '-' && s[1] != '\0') {
			fprintf(stderr, "socktool: ctl: unknown option %s%s\n",
			    s, strcmp(s, "-c") == 0 || strcmp(s, "--id") == 0 ?
			    " (it needs a value)" : "");
			return -1;
		} else if (a->name == NULL)
			a->name = s;
		else {
			a->words = argv + i;
			a->nwords = argc - i;
			break;
		}
	}
	return 0;
}

/* The checks of the combination; -1 said why. */
static int
ctl_check(const struct ctl_args *a)
{
	const char *why = NULL;

	if (a->list && (a->name != NULL || a->events || a->ncmds > 0))
		why = "--list takes nothing else";
	else if (!a->list && a->name == NULL)
		why = "which instance? (a NAME, or --list)";
	else if (a->name != NULL && !control_name_ok(a->name))
		why = "a NAME is 1 to 64 letters, digits, '.', '_' or '-'";
	else if (a->events && (a->ncmds > 0 || a->nwords > 0))
		why = "--events runs no commands";
	else if (a->id != NULL && !a->events)
		why = "--id is for --events";
	else if (a->id != NULL && (a->id[strspn(a->id, "0123456789")] !=
	    '\0' || atol(a->id) <= 0))
		why = "--id: not a session id";
	else if (a->ncmds > 0 && a->nwords > 0)
		why = "-c and WORDs: give the commands one way";
	if (why == NULL)
		return 0;
	fprintf(stderr, "socktool: ctl: %s\n", why);
	return -1;
}

static int
ctl_commands(struct ctl *k, const struct ctl_args *a)
{
	struct buf b = BUF_INIT;
	size_t i;
	int j, st = 0;

	if (a->json && (dprintf(k->fd, "json\n") < 0 || ctl_reply(k) != 0))
		return 1;
	if (a->nwords > 0) {
		for (j = 0; j < a->nwords; j++) {
			if (j > 0)
				buf_putc(&b, ' ');
			buf_puts(&b, a->words[j]);
		}
		/* One command: a newline in a word cannot make it two. */
		for (i = 0; i < buf_len(&b); i++)
			if (((char *)buf_peek(&b))[i] == '\n')
				((char *)buf_peek(&b))[i] = ' ';
		st = ctl_run(k, (char *)buf_peek(&b), buf_len(&b));
	} else if (a->ncmds > 0) {
		for (i = 0; i < a->ncmds; i++) {
			cmd_split(a->cmds[i], &b);
			buf_putc(&b, '\n');
		}
		st = ctl_run_lines(k, (char *)buf_peek(&b), buf_len(&b));
	} else
		st = ctl_script(k, stdin);
	buf_free(&b);
	return st;
}

int
ctl_main(int argc, char **argv)
{
	struct ctl_args a;
	struct ctl k;
	int st;

	memset(&a, 0, sizeof a);
	signal(SIGPIPE, SIG_IGN);
	st = ctl_parse(argc, argv, &a);
	if (st == 1) {
		ctl_usage(stdout);
		free(a.cmds);
		return 0;
	}
	if (st == -1 || ctl_check(&a) == -1) {
		ctl_usage(stderr);
		free(a.cmds);
		return 2;
	}
	if (a.list) {
		free(a.cmds);
		return ctl_list(a.json);
	}
	if (ctl_open(&k, a.name, 0) == -1) {
		free(a.cmds);
		return 1;
	}
	st = a.events ? ctl_events(&k, a.id) : ctl_commands(&k, &a);
	if (!k.ended && dprintf(k.fd, "end\n") > 0)
		ctl_reply(&k);
	ctl_close(&k);
	free(a.cmds);
	return st;
}
