/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rfc2217.h — telnet (RFC 854/855) as RFC 2217 uses it, pure: a parser
 * that separates data from option negotiation and subnegotiation (IAC IAC
 * is a data 0xFF, IAC SB ... IAC SE a subnegotiation), the escaping of
 * data for the wire, and the COM-PORT-OPTION (44) messages: the client's
 * SET-BAUDRATE, SET-DATASIZE, SET-PARITY, SET-STOPSIZE, SET-CONTROL and
 * the server's answers (the same codes + 100).  No I/O; unit-tested and
 * fuzzed (tests/fuzz/fuzz_rfc2217.c). */
#ifndef SOCKTOOL_RFC2217_H
#define SOCKTOOL_RFC2217_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "serial_line.h"

#define TN_SE		240
#define TN_SB		250
#define TN_WILL		251
#define TN_WONT		252
#define TN_DO		253
#define TN_DONT		254
#define TN_IAC		255

#define TN_OPT_BINARY	0
#define TN_OPT_SGA	3
#define TN_OPT_COMPORT	44

/* COM-PORT-OPTION commands, client to server; a server answers cmd + 100. */
#define CPO_SIGNATURE		0
#define CPO_SET_BAUDRATE	1
#define CPO_SET_DATASIZE	2
#define CPO_SET_PARITY		3
#define CPO_SET_STOPSIZE	4
#define CPO_SET_CONTROL		5
#define CPO_NOTIFY_LINESTATE	6
#define CPO_NOTIFY_MODEMSTATE	7
#define CPO_SERVER		100

/* SET-CONTROL values. */
#define CPO_CTL_FLOW_NONE	1
#define CPO_CTL_FLOW_XONXOFF	2
#define CPO_CTL_FLOW_HARDWARE	3
#define CPO_CTL_BREAK_ON	5
#define CPO_CTL_BREAK_OFF	6
#define CPO_CTL_DTR_ON		8
#define CPO_CTL_DTR_OFF		9
#define CPO_CTL_RTS_ON		11
#define CPO_CTL_RTS_OFF		12

/* The longest subnegotiation kept; a longer one is dropped whole. */
#define TN_SB_MAX	64

struct tn_parser {
	int		st;
	unsigned char	verb;
	unsigned char	sb[TN_SB_MAX];
	size_t		sbn;
	int		sb_over;
};
#define TN_PARSER_INIT	{ 0, 0, { 0 }, 0, 0 }

/* What a parse found besides data: a negotiation (verb TN_WILL..TN_DONT,
 * opt), a subnegotiation (verb TN_SB, opt its option, p[0..n) the bytes
 * after the option, unescaped), or another telnet command (verb, opt -1). */
typedef void	(*tn_cb)(void *arg, int verb, int opt, const unsigned char *p,
		    size_t n);

/* Parse p[0..n) (any split across calls): data bytes are appended to data,
 * everything else goes to cb in order. */
void	tn_parse(struct tn_parser *, const unsigned char *p, size_t n,
	    struct buf *data, tn_cb cb, void *arg);
/* Data for the wire: every 0xFF doubled. */
void	tn_escape(const unsigned char *p, size_t n, struct buf *out);
/* IAC verb opt. */
void	tn_cmd(int verb, int opt, struct buf *out);

/* IAC SB 44 cmd value IAC SE (value escaped). */
void	rfc2217_sb(int cmd, const unsigned char *value, size_t n,
	    struct buf *out);
/* The four messages that set ln's baud, data size, parity and stop size,
 * then SET-CONTROL for its flow control. */
void	rfc2217_set_line(const struct serial_line *, struct buf *out);
/* SET-CONTROL with one value (CPO_CTL_*). */
void	rfc2217_control(int value, struct buf *out);

/* What a server's COM-PORT-OPTION subnegotiation (p[0..n) after the option
 * byte) says: CPO_SET_BAUDRATE..CPO_SET_STOPSIZE with ln's field updated,
 * CPO_SET_CONTROL (a flow control answer updates ln->flow), or
 * CPO_NOTIFY_MODEMSTATE with *modem (the RFC's bits); 0 for one that says
 * nothing here (a signature, a line state, an answer of 0: "the current
 * value"), -1 for one that is malformed (ln untouched). */
int	rfc2217_answer(const unsigned char *p, size_t n,
	    struct serial_line *ln, unsigned *modem);

/* NOTIFY-MODEMSTATE bits. */
#define CPO_MS_CTS	0x10
#define CPO_MS_DSR	0x20
#define CPO_MS_RI	0x40
#define CPO_MS_DCD	0x80

#endif
