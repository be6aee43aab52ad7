/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_serial.c — serial lines as sessions (SPEC §3.11): `serial` opens a
 * device (or an RFC 2217 port), `modem` sets and reads its modem lines,
 * and `set ID baud|mode|flow` changes its line while it runs.  The line
 * itself is the layers' (LCTL_LINE, LCTL_MODEM): a tty or RFC 2217. */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "net.h"
#include "cmd.h"
#include "codec.h"
#include "layer.h"
#include "layer_rfc2217.h"
#include "out.h"
#include "role_reconnect.h"
#include "serial_line.h"
#include "session.h"

/* The line a `serial` command asks for: BAUD, --mode, --flow. */
static int
cmd_serial_line(const struct cmd_ctx *c, struct serial_line *ln)
{
	const char *v;
	char err[192];

	serial_line_default(ln);
	if (c->argc == 2 && serial_baud_parse(c->argv[1], &ln->baud, err,
	    sizeof err) == -1)
		return cmd_usage(c, "%s", err), -1;
	if ((v = cmd_opt(c, "mode")) != NULL &&
	    serial_mode_parse(v, ln, err, sizeof err) == -1)
		return cmd_usage(c, "--mode: %s", err), -1;
	if ((v = cmd_opt(c, "flow")) != NULL &&
	    serial_flow_parse(v, &ln->flow, err, sizeof err) == -1)
		return cmd_usage(c, "--flow: %s", err), -1;
	return 0;
}

/* serial rfc2217://HOST:PORT: a connect, the line asked once connected. */
static enum cmd_status
cmd_serial_rfc2217(struct cmd_ctx *c, const char *hostport,
    const struct serial_line *ln)
{
	char host[256], pbuf[32], err[256];
	struct session *s;
	uint16_t port;

	if (cmd_has(c, "reconnect"))
		return cmd_usage(c, "--reconnect is for local devices, not "
		    "rfc2217://");
	if (addr_split_hostport(hostport, host, sizeof host, pbuf,
	    sizeof pbuf, err, sizeof err) == -1 ||
	    net_parse_port(pbuf, 1, &port, err, sizeof err) == -1)
		return cmd_usage(c, "rfc2217://HOST:PORT: %s", err);
	s = sess_rfc2217(host, port, ln, 10000, err, sizeof err);
	if (s == NULL)
		return cmd_fail(c, "%s", err);
	if (c->interactive) {
		cmd_result_session(c, s);
		return CMD_OK;
	}
	/* In a script the next line may send: wait for the connect. */
	return cmd_wait_id(c, s->id, 0, cmd_connect_check);
}

static enum cmd_status
cmd_serial_exec(struct cmd_ctx *c)
{
	const char *dev = c->argv[0];
	struct serial_line ln;
	struct session *s;
	uint64_t wait;
	char err[320];
	int r;

	if (cmd_serial_line(c, &ln) == -1)
		return CMD_ERR;
	if (strncmp(dev, "rfc2217://", 10) == 0)
		return cmd_serial_rfc2217(c, dev + 10, &ln);
	if ((r = cmd_reconnect_opt(c, &wait)) == -1)
		return CMD_ERR;
	if (r == 1) {
		struct reconnect_opts o = {
			.kind = K_SERIAL, .host = dev, .delay_ms = wait,
			.serial = &ln,
		};

		return cmd_reconnect_start(c, &o);
	}
	if ((s = sess_serial(dev, &ln, err, sizeof err)) == NULL)
		return cmd_fail(c, "%s", err);
	cmd_result_session(c, s);
	return CMD_OK;
}

static const struct cmd_opt serial_opts[] = {
	{ "mode", 1 }, { "flow", 1 }, { "reconnect", CMD_OPT_DUR },
	{ NULL, 0 }
};

const struct cmd_entry cmd_serial_entry = {
	.name = "serial",
	.usage = "serial DEVICE [BAUD] [--mode 8N1] [--flow none|rtscts|xonxoff] "
	    "[--reconnect [DUR]]",
	.help = "Open a serial device (/dev/ttyUSB0, one end of a pty pair) "
	    "as a session: raw, at BAUD (default 115200; any rate the driver "
	    "takes, through termios2), --mode data bits 5-8, parity N E O M "
	    "S (none, even, odd, mark, space), stop bits 1-2 (default 8N1), "
	    "--flow none, rtscts or xonxoff.  `set ID baud N`, `set ID mode "
	    "7E1`, `set ID flow rtscts` change the line while it runs; `show "
	    "ID` gives the line as the device reports it back; `modem` sets "
	    "and reads the modem lines.  A device that goes away closes the "
	    "session (reason error); --reconnect waits for it to come back "
	    "(tried after DUR, default 1s, each failure doubling the wait up "
	    "to 30s) and opens it as a new session that says which one it "
	    "replaces.  DEVICE rfc2217://HOST:PORT is a port a server such as "
	    "ser2net serves over telnet (RFC 2217): the line is asked for "
	    "once connected and shown when the server confirms it; set and "
	    "modem work the same, without waiting for the server's answers.",
	.lower = 1,
	.upper = 2,
	.opts = serial_opts,
	.exec = cmd_serial_exec,
};

/* modem */
static int
cmd_modem_onoff(const struct cmd_ctx *c, const char *line, const char *v,
    unsigned bit, struct layer_modem *m)
{
	if (v == NULL || (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)) {
		cmd_usage(c, "%s takes on or off", line);
		return -1;
	}
	m->mask |= bit;
	if (strcmp(v, "on") == 0)
		m->on |= bit;
	return 0;
}

/* The words after the id: dtr on|off, rts on|off, break DUR. */
static int
cmd_modem_args(const struct cmd_ctx *c, struct layer_modem *m)
{
	int i;

	for (i = 1; i < c->argc; i += 2) {
		const char *w = c->argv[i], *v = i + 1 < c->argc ?
		    c->argv[i + 1] : NULL;

		if (strcmp(w, "dtr") == 0 || strcmp(w, "rts") == 0) {
			if (cmd_modem_onoff(c, w, v, w[0] == 'd' ? LM_DTR :
			    LM_RTS, m) == -1)
				return -1;
		} else if (strcmp(w, "break") == 0) {
			if (v == NULL || codec_parse_duration(v, &m->break_ms) ==
			    -1 || m->break_ms == 0 || m->break_ms > 10000) {
				cmd_usage(c, "break takes a duration from 1ms "
				    "to 10s (250ms)");
				return -1;
			}
		} else {
			cmd_usage(c, "unknown modem line \"%.32s\" (dtr, rts "
			    "or break)", w);
			return -1;
		}
	}
	return 0;
}

static enum cmd_status
cmd_modem_exec(struct cmd_ctx *c)
{
	struct session *s = c->s;
	struct layer_modem m;
	struct rec r;

	memset(&m, 0, sizeof m);
	if (cmd_modem_args(c, &m) == -1)
		return CMD_ERR;
	if (layer_control(s, LCTL_MODEM, &m) == -1)
		return cmd_fail(c, "session %u is not a serial line", s->id);
	if (m.err[0] != '\0')
		return cmd_fail(c, "%s", m.err);
	rec_begin(&r, "result");
	rec_str(&r, "command", c->ent->name);
	rec_u64(&r, "id", s->id);
	if (m.have) {
		rec_bool(&r, "dtr", m.bits & LM_DTR);
		rec_bool(&r, "rts", m.bits & LM_RTS);
		rec_bool(&r, "cts", m.bits & LM_CTS);
		rec_bool(&r, "dsr", m.bits & LM_DSR);
		rec_bool(&r, "dcd", m.bits & LM_DCD);
		rec_bool(&r, "ri", m.bits & LM_RI);
	}
	if (m.break_ms > 0)
		rec_u64(&r, "break_ms", m.break_ms);
	out_rec(&r, m.have ? "[{id}] modem: dtr {dtr}, rts {rts}, cts {cts}, "
	    "dsr {dsr}, dcd {dcd}, ri {ri}{?break_ms:, break of }{break_ms}"
	    "{?break_ms:ms}" : "[{id}] modem lines set (the server does not "
	    "report them back){?break_ms:, break of }{break_ms}{?break_ms:ms}");
	rec_free(&r);
	return CMD_OK;
}

const struct cmd_entry cmd_modem_entry = {
	.name = "modem",
	.usage = "modem ID [dtr on|off] [rts on|off] [break DUR]",
	.help = "The modem lines of a serial session: set DTR and RTS, send a "
	    "break of DUR (a loop timer ends it), then show DTR, RTS, CTS, "
	    "DSR, DCD and RI as the device reports them.  A change of the "
	    "inputs (CTS, DSR, DCD, RI) is a modem event, where the device "
	    "reports them.  A pseudo-terminal has no modem lines: that is "
	    "said in words.",
	.lower = 1,
	.upper = 7,
	.flags = CMD_TARGET,
	.complete = cmd_complete_session,
	.exec = cmd_modem_exec,
};

/* set ID baud|mode|flow: the line, not the settings table. */
int
cmd_serial_setting(const char *name)
{
	return strcmp(name, "baud") == 0 || strcmp(name, "mode") == 0 ||
	    strcmp(name, "flow") == 0;
}

enum cmd_status
cmd_serial_set(const struct cmd_ctx *c, struct session *s, const char *name,
    const char *v)
{
	struct layer_line q;
	char err[192];
	int r;

	if (s == NULL)
		return cmd_usage(c, "%s is a serial line's: set ID %s ...", name,
		    name);
	memset(&q, 0, sizeof q);
	if (layer_control(s, LCTL_LINE, &q) == -1)
		return cmd_fail(c, "session %u is not a serial line (%s applies "
		    "to serial sessions)", s->id, name);
	if (!q.known)
		serial_line_default(&q.ln);
	if (name[0] == 'b')
		r = serial_baud_parse(v, &q.ln.baud, err, sizeof err);
	else if (name[0] == 'm')
		r = serial_mode_parse(v, &q.ln, err, sizeof err);
	else
		r = serial_flow_parse(v, &q.ln.flow, err, sizeof err);
	if (r == -1)
		return cmd_usage(c, "%s", err);
	q.set = 1;
	q.err[0] = '\0';
	layer_control(s, LCTL_LINE, &q);
	if (q.err[0] != '\0')
		return cmd_fail(c, "%s", q.err);
	cmd_result_ok(c);
	return CMD_OK;
}
