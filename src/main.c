/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — options, choice of mode (prompt or script), signals, the main
 * loop, and the exit status.  Only this file decides to exit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "control.h"
#include "ctl.h"
#include "daemon.h"
#include "display.h"
#include "enc.h"
#include "loop.h"
#include "out.h"
#include "log.h"
#include "pipe.h"
#include "role_mock.h"
#include "role_exec.h"
#include "role_relay.h"
#include "session.h"
#include "term.h"

#define SOCKTOOL_VERSION "0.1.0"
/* How long the end of input waits for queued output to drain. */
#define FLUSH_TIMEOUT_MS 10000

static struct {
	int	 interactive;
	int	 keep_open;
	int	 keep_going;
	int	 failed;	/* a command failed (exit 1) */
	int	 input_done;
	int	 quitting;
	int	 closing;	/* sessions are being closed to exit */
	unsigned closed_upto;	/* the last id made when they were */
	int	 eof_asked;	/* Ctrl-D said sessions are open */
	uint64_t flush_deadline;
	int	 sigpipe[2];
	struct client *cl;	/* the terminal, or the script */
	int	 daemon;	/* --daemon */
	int	 exit_idle;	/* --exit-when-idle */
	int	 had_session;	/* for --exit-when-idle */
	int	 ready;		/* --daemon: the pipe to the caller, or -1 */
} M = { .ready = -1 };

static void
usage(FILE *f)
{
	fputs("usage: socktool [-c CMDS] [-k] [--keep-going] [-j] [-x] [-t] "
	    "[--color WHEN] [-q]\n"
	    "                [-C NAME [--daemon [--exit-when-idle]]] [SCRIPT]\n"
	    "       socktool ctl [-j] [-c CMDS]... NAME [WORD...]\n"
	    "       socktool ctl NAME --events [--id ID]\n"
	    "       socktool ctl --list\n"
	    "  -c, --command CMDS   run CMDS (separated by ; or newlines) "
	    "first\n"
	    "  -k, --keep-open      keep serving sessions after the input "
	    "ends\n"
	    "      --keep-going     do not stop a script at the first "
	    "failure\n"
	    "  -j, --json           one JSON object per event and result\n"
	    "  -x, --hex            show data as hex by default\n"
	    "  -t, --timestamps     prefix events with the time\n"
	    "      --color WHEN     auto, always or never\n"
	    "  -q, --quiet          errors and received data only (and what\n"
	    "                       commands are asked to print)\n"
	    "  -C, --control NAME   listen on the control socket NAME for\n"
	    "                       socktool ctl\n"
	    "      --daemon         run in the background (needs -C), output\n"
	    "                       to $XDG_STATE_HOME/socktool/NAME.log\n"
	    "      --exit-when-idle a daemon ends when its last session closes\n"
	    "  -h, --help           this help\n"
	    "  -V, --version        print the version\n"
	    "SCRIPT is a file of commands (- for standard input).  At a "
	    "terminal, type help.\n", f);
}

/* Signals become loop events: the handler only writes a byte. */
static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(M.sigpipe[1], &c, 1) == -1) {
		/* Pipe full: a signal of this kind is already queued. */
	}
	errno = saved;
}

static void	finish_input(void);

static void
on_signal_event(int fd, int events, void *arg)
{
	unsigned char sigs[32];
	ssize_t n, i;

	(void)events;
	(void)arg;
	n = read(fd, sigs, sizeof sigs);
	for (i = 0; i < n; i++) {
		switch (sigs[i]) {
		case SIGINT:
			/* The transfer the last sendfile started goes first. */
			if (cmd_data_interrupt(M.cl))
				break;
			if (M.cl->pending.active) {
				term_cancelled();
				client_cancel(M.cl, "interrupted");
				if (!M.interactive) {
					M.failed = 1;
					M.quitting = 1;
				}
				term_resume();
				break;
			}
			if (M.interactive && !M.input_done) {
				term_interrupt();
				break;
			}
			/* In a script, or after the input ended: stop. */
			if (!M.input_done)
				M.failed = 1;
			M.quitting = 1;
			break;
		case SIGTERM:
		case SIGHUP:
			if (!M.input_done)
				M.failed = 1;
			M.quitting = 1;
			break;
		case SIGWINCH:
			term_winch();
			break;
		case SIGCHLD:
			exec_reap();
			break;
		}
	}
}

static void
setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(M.sigpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		perror("socktool: pipe");
		exit(1);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	loop_add(M.sigpipe[0], LOOP_READ, on_signal_event, NULL);
}

/* The result of a finished command. */
static void
command_done(enum cmd_status st)
{
	/* A failing line of a sourced file ends that file at the prompt. */
	if (st == CMD_ERR && M.interactive && term_sourcing() &&
	    !M.keep_going)
		term_source_abort();
	if (st == CMD_ERR && !M.interactive) {
		M.failed = 1;
		if (!M.keep_going) {
			/* The rest of the script does not run. */
			term_stop();
			finish_input();
			return;
		}
	}
	if (M.cl->quit) {
		term_stop();
		finish_input();
		M.keep_open = 0;
	}
}

/* The client's held command changed outside on_line: a wait finished, or a
 * line run again after a lookup started one. */
static void
on_client_done(struct client *cl, enum cmd_status st)
{
	(void)cl;
	if (st == CMD_PENDING) {
		term_pause();
		return;
	}
	command_done(st);
	term_resume();
}

/* The command prompt: it names the current session (`use`). */
static char *
prompt_text(char *p, size_t n)
{
	if (M.cl->use != 0)
		snprintf(p, n, "socktool[%u]> ", M.cl->use);
	else
		snprintf(p, n, "socktool> ");
	return p;
}

/* Keep the prompt and the history in step with attach mode and `use`. */
static void
sync_prompt(void)
{
	static char prompt[32];
	static unsigned shown, shown_use;

	if (M.cl->attached != 0 && sess_find(M.cl->attached) == NULL) {
		out_info("[%u] detached: the session closed", M.cl->attached);
		M.cl->attached = 0;
	}
	client_use_check(M.cl);
	if (M.cl->attached == shown && M.cl->use == shown_use)
		return;
	shown_use = M.cl->use;
	if (M.cl->attached == shown) {
		/* Only the current session changed. */
		if (shown == 0)
			term_set_prompt(prompt_text(prompt, sizeof prompt));
		return;
	}
	/* However attach mode ended, a line half typed to the session goes:
	 * Enter must never run it as a command (it may read "close all"). */
	if (shown != 0 && term_drop_line() > 0)
		out_info("[%u] the line being typed was dropped, not sent",
		    shown);
	shown = M.cl->attached;
	if (shown != 0)
		snprintf(prompt, sizeof prompt, "[%u]> ", shown);
	else
		prompt_text(prompt, sizeof prompt);
	term_set_history(shown == 0);
	term_set_prompt(prompt);
}

static void
detach(void)
{
	out_info("[%u] detached", M.cl->attached);
	M.cl->attached = 0;
	sync_prompt();
}

static void
on_detach_key(void)
{
	if (M.cl->attached == 0)
		return;
	detach();
	term_flush();
}

/*
 * Ctrl-D on an empty line.  Attached, it only leaves attach mode: quitting
 * would close every session.  At the prompt with sessions open it asks
 * once before they are all closed.
 */
static int
on_eof_key(void)
{
	size_t n = sess_count();

	if (M.cl->attached != 0) {
		detach();
		return 0;
	}
	if (n > 0 && !M.eof_asked) {
		M.eof_asked = 1;
		/* Not an info line: -q must not hide a question. */
		out_line("%zu session%s open \u2014 Ctrl-D again to quit", n,
		    n == 1 ? "" : "s");
		return 0;
	}
	return 1;
}

static void
on_line(const char *line, size_t len, enum term_input how)
{
	enum cmd_status st;

	if (how == TERM_USER)
		M.eof_asked = 0;	/* the next Ctrl-D asks again */
	if (how == TERM_USER && M.cl->attached != 0) {
		cmd_attach_line(M.cl, line, len);
		sync_prompt();
		return;
	}
	switch (how) {
	case TERM_EOF:
		finish_input();
		return;
	case TERM_BAD:
		command_done(CMD_ERR);
		return;
	case TERM_USER:
	case TERM_SCRIPT:
		break;
	}
	/* Typed at the prompt, or read from a script (or a sourced file):
	 * what "would block" means differs. */
	M.cl->interactive = how == TERM_USER;
	st = client_run(M.cl, line, len);
	if (st == CMD_PENDING) {
		term_pause();
		return;
	}
	command_done(st);
	sync_prompt();
}

/* No more commands: flush queued output (bounded), then leave, unless -k. */
static void
finish_input(void)
{
	if (M.input_done)
		return;
	M.input_done = 1;
	M.flush_deadline = loop_now() + FLUSH_TIMEOUT_MS;
}

/* A daemon runs until quit --all or SIGTERM, or with --exit-when-idle
 * until its last session closed. */
static int
daemon_should_exit(void)
{
	if (sess_count() > 0)
		M.had_session = 1;
	return M.exit_idle && M.had_session && M.input_done &&
	    sess_count() == 0 && !client_waiting();
}

static void
on_quit_all(void)
{
	M.quitting = 1;
}

static int
should_exit(void)
{
	if (M.quitting)
		return 1;
	if (M.daemon && !M.cl->quit)
		return daemon_should_exit();
	if (!M.input_done || client_waiting())
		return 0;
	if (M.keep_open && !M.cl->quit)
		return sess_count() == 0;
	if (sess_total_queued() == 0 && !cmd_data_busy()) {
		/* Then close every session gracefully, so the last bytes
		 * reach the peers before the process goes. */
		if (!M.closing || sess_last_id() != M.closed_upto) {
			/* Again for a session made since: a --reconnect's
			 * next, whose last one the peer closed meanwhile. */
			M.closing = 1;
			M.closed_upto = sess_last_id();
			sess_close_everything();
		}
		if (sess_count() == 0)
			return 1;
	}
	if (loop_now() >= M.flush_deadline) {
		out_error(NULL, "gave up after %us waiting for %zu queued bytes "
		    "and %s to finish", FLUSH_TIMEOUT_MS / 1000,
		    sess_total_queued(), cmd_data_busy() ?
		    "repeating sends or file transfers" : "nothing else");
		M.failed = 1;
		return 1;
	}
	return 0;
}

/* -c's commands, as lines of input. */
static void
feed_commands(const char *s)
{
	struct buf b = BUF_INIT;

	cmd_split(s, &b);
	term_feed((char *)buf_peek(&b), buf_len(&b));
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "keep-open", no_argument, NULL, 'k' },
		{ "keep-going", no_argument, NULL, 'G' },
		{ "json", no_argument, NULL, 'j' },
		{ "hex", no_argument, NULL, 'x' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "color", required_argument, NULL, 'K' },
		{ "colour", required_argument, NULL, 'K' },
		{ "control", required_argument, NULL, 'C' },
		{ "daemon", no_argument, NULL, 'D' },
		{ "exit-when-idle", no_argument, NULL, 'I' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *color = "auto", *script = NULL, *control = NULL;
	char **cmds = NULL, err[512];
	size_t ncmds = 0, i;
	int ch, fd = 0, status;

	/* The command-line client is a program of its own (ctl.c). */
	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "+c:kjxtqhVC:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			cmds = xrealloc(cmds, (ncmds + 1) * sizeof *cmds);
			cmds[ncmds++] = optarg;
			break;
		case 'k':
			M.keep_open = 1;
			break;
		case 'G':
			M.keep_going = 1;
			break;
		case 'j':
			out_cfg.json = 1;
			break;
		case 'x':
			settings_default.display = DISP_HEX;
			break;
		case 't':
			settings_default.timestamps = 1;
			break;
		case 'C':
			if (!control_name_ok(optarg)) {
				fprintf(stderr, "socktool: --control: a NAME is "
				    "1 to %d letters, digits, '.', '_' or '-'\n",
				    CONTROL_NAME_MAX);
				return 2;
			}
			control = optarg;
			break;
		case 'D':
			M.daemon = 1;
			break;
		case 'I':
			M.exit_idle = 1;
			break;
		case 'K':
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0) {
				fprintf(stderr, "socktool: --color: expected "
				    "auto, always or never, not \"%s\"\n",
				    optarg);
				return 2;
			}
			color = optarg;
			break;
		case 'q':
			out_cfg.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("socktool %s\n", SOCKTOOL_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "socktool: only one SCRIPT may be given\n");
		usage(stderr);
		return 2;
	}
	if (argc - optind == 1) {
		script = argv[optind];
		if (strcmp(script, "-") != 0) {
			fd = open(script, O_RDONLY | O_CLOEXEC);
			if (fd == -1) {
				snprintf(err, sizeof err, "%s: %s", script,
				    strerror(errno));
				out_stderr_msg("socktool: ", err);
				return 2;
			}
		}
	}
	if (M.daemon && control == NULL) {
		fprintf(stderr, "socktool: --daemon needs --control NAME (how "
		    "else would it be reached?)\n");
		free(cmds);
		return 2;
	}
	if (M.exit_idle && !M.daemon) {
		fprintf(stderr, "socktool: --exit-when-idle is for --daemon "
		    "(-k ends with the last session already)\n");
		free(cmds);
		return 2;
	}
	if (M.daemon) {
		if (daemon_start(&M.ready, &status, fd)) {
			free(cmds);
			return status;
		}
		if (daemon_log(control, err, sizeof err) == -1) {
			daemon_ready(M.ready, err);
			free(cmds);
			return 1;
		}
		/* The log is JSON lines. */
		out_cfg.json = 1;
		color = "never";
	}
	M.interactive = script == NULL && isatty(0);
	if (strcmp(color, "always") == 0)
		out_cfg.color = 1;
	else if (strcmp(color, "auto") == 0)
		out_cfg.color = isatty(1) && getenv("NO_COLOR") == NULL &&
		    !out_cfg.json;

	if (loop_init(err, sizeof err) == -1) {
		fprintf(stderr, "socktool: %s\n", err);
		return 1;
	}
	pipe_init();
	sess_init();
	display_init();
	relay_init();
	mock_init();
	log_init();
	client_init();
	cmd_data_init();
	M.cl = client_new(M.interactive ? "terminal" : "script", M.interactive,
	    out_main(), on_client_done, NULL);
	control_init(on_quit_all);
	client_set_control(control_listen);
	setup_signals();
	if (term_init(M.interactive, fd, on_line, "socktool> ", err,
	    sizeof err) == -1 || (control != NULL &&
	    control_listen(control, err, sizeof err) == -1)) {
		if (M.ready != -1)
			daemon_ready(M.ready, err);
		else
			out_stderr_msg("socktool: ", err);
		term_done();	/* the terminal as it was found */
		free(cmds);
		return 1;
	}
	daemon_ready(M.ready, NULL);
	M.ready = -1;
	term_set_completion(cmd_complete, cmd_complete_path);
	if (script != NULL && strcmp(script, "-") != 0)
		term_set_name(script);
	if (M.interactive) {
		out_info("socktool %s - type help for commands, Ctrl-D to "
		    "quit", SOCKTOOL_VERSION);
		term_on_detach_key(on_detach_key);
		term_on_eof_key(on_eof_key);
	}
	for (i = 0; i < ncmds; i++)
		feed_commands(cmds[i]);
	free(cmds);
	term_start();
	term_flush();

	while (!should_exit()) {
		int timeout = M.input_done && !M.daemon ? 50 : -1;

		if (loop_run_once(timeout) == -1 && errno != EINTR) {
			out_error(NULL, "event loop: %s", strerror(errno));
			M.failed = 1;
			break;
		}
		/* Waiting commands are woken by what they wait for
		 * (client.h); here only the prompt follows attach mode. */
		sync_prompt();
		control_flush();
		term_flush();
	}
	control_done();
	client_cancel(M.cl, "interrupted");
	client_done();
	cmd_data_cleanup();
	enc_cleanup();
	term_done();
	sess_close_all();
	exec_done();
	log_done();
	term_flush();
	loop_free();
	buf_free(&out_main()->out);
	buf_free(&out_main()->where);
	if (fd > 0)
		close(fd);
	return M.failed ? 1 : 0;
}
