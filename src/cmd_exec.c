/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_exec.c — commands of local programs and pseudo-terminals (SPEC
 * §3.11): exec, pty, and the words of a server's --exec. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "role_exec.h"
#include "session.h"
#include "tr_pipe.h"

char **
cmd_exec_words(const struct cmd_ctx *c, const char *text, size_t len)
{
	char err[128], **argv;
	size_t n;

	if (cmd_shell_words(text, len, &argv, &n, err, sizeof err) == -1) {
		cmd_usage(c, "%s", err);
		return NULL;
	}
	if (n == 0) {
		free(argv);
		cmd_usage(c, "missing COMMAND");
		return NULL;
	}
	return argv;
}

static enum cmd_status
cmd_exec_exec(struct cmd_ctx *c)
{
	static const char *const modes[] = { "show", "merge", "ignore" };
	enum exec_stderr mode = EXEC_ERR_SHOW;
	const char *v = cmd_opt(c, "stderr");
	struct session *s;
	char **argv, err[300];
	size_t i;

	if (v != NULL) {
		for (i = 0; i < 3 && strcmp(v, modes[i]) != 0; i++)
			;
		if (i == 3)
			return cmd_usage(c, "bad --stderr \"%.32s\" (merge, "
			    "show or ignore)", v);
		mode = (enum exec_stderr)i;
	}
	if ((argv = cmd_exec_words(c, c->rest, c->restlen)) == NULL)
		return CMD_ERR;
	s = exec_start(argv, cmd_has(c, "pty"), mode, err, sizeof err);
	exec_argv_free(argv);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt exec_opts[] = {
	{ "pty", 0 }, { "stderr", 1 }, { NULL, 0 }
};

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage = "exec [--pty] [--stderr merge|show|ignore] [--] COMMAND...",
	.help = "Run a local program as a session: what you send is its "
	    "standard input, what it writes to standard output is received.  "
	    "COMMAND is split into words as a shell splits them, nothing "
	    "expanded, and run with "
	    "execvp, never through a shell (write sh -c '...' for one); "
	    "options come before it, everything after it is the program's.  "
	    "--pty gives it a pseudo-terminal (its controlling terminal) "
	    "instead of a socket pair.  Its standard error is shown as "
	    "received with (stderr) (--stderr show, the default), merged into "
	    "standard output, or ignored.  close ends its input; a program "
	    "still running 500 ms later gets SIGTERM to its process group, "
	    "and SIGKILL 2 s after that; the closed event has its exit status "
	    "or signal.",
	.lower = 0,
	.upper = 0,
	.flags = CMD_REST | CMD_REST_OPT,
	.opts = exec_opts,
	.exec = cmd_exec_exec,
};

static enum cmd_status
cmd_pty_exec(struct cmd_ctx *c)
{
	struct session *s;
	char err[300];

	s = sess_pty(cmd_opt(c, "link"), cmd_has(c, "raw"), cmd_has(c, "once"),
	    err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt pty_opts[] = {
	{ "link", 1 }, { "raw", 0 }, { "once", 0 }, { NULL, 0 }
};

const struct cmd_entry cmd_pty_entry = {
	.name = "pty",
	.usage = "pty [--link PATH] [--raw] [--once]",
	.help = "A new pseudo-terminal for a program that expects a serial "
	    "port: socktool holds the master, the program opens the slave "
	    "(its path is in the listening event; --link makes PATH a symlink "
	    "to it, removed at close, and never replaces anything but a "
	    "symlink).  What the program writes is received, what you send it "
	    "reads.  --raw turns the line discipline off (no echo, no line "
	    "editing, bytes as they are).  When the program closes the slave "
	    "the session stays and carries on when one opens it again; "
	    "--once closes it instead.",
	.lower = 0,
	.upper = 0,
	.opts = pty_opts,
	.exec = cmd_pty_exec,
};
