/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_log.c — the `log` command: start, stop and list captures (log.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "codec.h"
#include "log.h"
#include "out.h"
#include "session.h"

/* A path is shown escaped: a file name can hold terminal controls. */
static const char *
cmd_log_safe(const char *path, struct buf *b)
{
	buf_reset(b);
	codec_escape((const unsigned char *)path, strlen(path), b, 0);
	return buf_cstr(b);
}

static enum cmd_status
cmd_log_list(struct cmd_ctx *c)
{
	struct log_info *li;
	struct buf b = BUF_INIT;
	size_t n = log_list(NULL, 0), i;

	/* Every log, however many: counted first, then listed. */
	li = xcalloc(n + 1, sizeof *li);
	n = log_list(li, n);
	if (out_cfg.json) {
		struct json j;

		j_begin(&j, "result");
		j_str(&j, "command", c->ent->name);
		j_arr(&j, "logs");
		for (i = 0; i < n; i++) {
			j_obj(&j, NULL);
			if (li[i].id == 0)
				j_str(&j, "target", "all");
			else
				j_u64(&j, "id", li[i].id);
			j_str(&j, "path", li[i].path);
			j_str(&j, "format", li[i].format);
			j_str(&j, "dir", li[i].dir);
			j_u64(&j, "bytes", li[i].bytes);
			j_close_obj(&j);
		}
		j_close_arr(&j);
		j_emit(&j);
		free(li);
		return CMD_OK;
	}
	if (n == 0)
		out_info("no active logs");
	for (i = 0; i < n; i++) {
		char target[16];

		if (li[i].id == 0)
			snprintf(target, sizeof target, "all");
		else
			snprintf(target, sizeof target, "%u", li[i].id);
		out_line("[%s] log to %s (%s, %s, %llu bytes)", target,
		    cmd_log_safe(li[i].path, &b), li[i].format, li[i].dir,
		    (unsigned long long)li[i].bytes);
	}
	free(li);
	buf_free(&b);
	return CMD_OK;
}

static enum cmd_status
cmd_log_exec(struct cmd_ctx *c)
{
	enum log_format format = LOG_RAW;
	int dirs = LOG_RX | LOG_TX, all;
	struct buf b = BUF_INIT;
	struct session *s = NULL;
	const char *v;
	unsigned id = 0;
	char err[512];

	if (c->argc == 0)
		return cmd_log_list(c);
	if (c->argc == 1 && strcmp(c->argv[0], "off") == 0)
		return cmd_usage(c, "off of which log: `log ID off` or `log all "
		    "off`");
	if (c->argc == 1)
		return cmd_usage(c, "missing PATH (or off: `log %.32s off`)",
		    c->argv[0]);
	all = strcmp(c->argv[0], "all") == 0;
	if (!all) {
		if ((s = cmd_session(c, c->argv[0])) == NULL)
			return CMD_ERR;
		id = s->id;
	}
	if ((v = cmd_opt(c, "format")) != NULL &&
	    log_parse_format(v, &format) == -1)
		return cmd_usage(c, "bad --format \"%.32s\" (raw, hex, jsonl, "
		    "pcap, script)", v);
	if ((v = cmd_opt(c, "dir")) != NULL && log_parse_dir(v, &dirs) == -1)
		return cmd_usage(c, "bad --dir \"%.32s\" (rx, tx, both)", v);
	if (cmd_has(c, "timing") && format != LOG_SCRIPT)
		return cmd_usage(c, "--timing is for --format script");
	if (cmd_has(c, "timing"))
		dirs |= LOG_TIMING;
	/* A script replays one conversation: one session's. */
	if (format == LOG_SCRIPT && all && strcmp(c->argv[1], "off") != 0)
		return cmd_usage(c, "a script log records one session: log "
		    "ID PATH --format script");
	/* A listener carries no bytes of its own: its peers do. */
	if (format == LOG_SCRIPT && s != NULL && s->state == S_LISTENING &&
	    strcmp(c->argv[1], "off") != 0)
		return cmd_fail(c, "a script log records one conversation: "
		    "log one of server %u's peers", id);
	if (strcmp(c->argv[1], "off") == 0) {
		int n = log_stop(id);

		if (n == 0)
			return cmd_fail(c, "no log on %s", all ? "all" :
			    c->argv[0]);
		out_info("%d log%s stopped", n, n == 1 ? "" : "s");
		cmd_result_ok(c);
		return CMD_OK;
	}
	/* The message names the path (made terminal-safe by out_error). */
	if (log_start(id, c->argv[1], format, dirs, err, sizeof err) == -1)
		return cmd_fail(c, "%s", err);
	if (all)
		out_info("logging every session to %s (%s, %s)",
		    cmd_log_safe(c->argv[1], &b), log_format_name(format),
		    log_dir_name(dirs));
	else
		out_info("[%u] logging to %s (%s, %s)", id,
		    cmd_log_safe(c->argv[1], &b), log_format_name(format),
		    log_dir_name(dirs & (LOG_RX | LOG_TX)));
	buf_free(&b);
	cmd_result_ok(c);
	return CMD_OK;
}

static const struct cmd_opt log_opts[] = {
	{ "format", 1 }, { "dir", 1 }, { "timing", 0 }, { NULL, 0 }
};

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.usage = "log [ID|all PATH|off] [--format raw|hex|jsonl|pcap|script] "
	    "[--dir rx|tx|both] [--timing]",
	.help = "Append every byte a session sends and receives to PATH (all: "
	    "every session, including those created later; a server's log "
	    "covers its peers).  raw: the bytes as they pass; hex: hexdump "
	    "-C blocks, each headed by time, session, direction, size and "
	    "peer; jsonl: recv/sent events with every byte, and "
	    "connected/accepted/closed; pcap: a pcapng file Wireshark "
	    "opens, with synthetic TCP/UDP packets carrying the real "
	    "addresses; script (one session): a socktool script that "
	    "replays it, the command that makes a like session first, then "
	    "send/sendhex for what was sent and expect for what came back "
	    "(per framed message), with sleep for the gaps with --timing.  "
	    "--dir keeps one direction.  `log ID off` and `log "
	    "all off` stop; `log` lists the active logs.",
	.lower = 0,
	.upper = 2,
	.opts = log_opts,
	.complete = cmd_complete_session,
	.flags = CMD_ID,
	.exec = cmd_log_exec,
};
