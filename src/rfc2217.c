/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rfc2217.c — the telnet parser and the COM-PORT-OPTION messages of RFC
 * 2217 (rfc2217.h).  No I/O. */
#include <string.h>

#include "rfc2217.h"

enum { TS_DATA, TS_IAC, TS_OPT, TS_SB, TS_SB_IAC };

static void
tn_sb_end(struct tn_parser *t, tn_cb cb, void *arg)
{
	/* An empty subnegotiation names no option: nothing to say. */
	if (!t->sb_over && t->sbn > 0)
		cb(arg, TN_SB, t->sb[0], t->sb + 1, t->sbn - 1);
	t->sbn = 0;
	t->sb_over = 0;
}

static void
tn_sb_byte(struct tn_parser *t, unsigned char b)
{
	if (t->sbn < sizeof t->sb)
		t->sb[t->sbn++] = b;
	else
		t->sb_over = 1;
}

void
tn_parse(struct tn_parser *t, const unsigned char *p, size_t n,
    struct buf *data, tn_cb cb, void *arg)
{
	size_t i, run;

	for (i = 0; i < n; i++) {
		unsigned char b = p[i];

		switch (t->st) {
		case TS_DATA:
			/* Data runs go in whole, up to the next IAC. */
			for (run = i; run < n && p[run] != TN_IAC; run++)
				;
			buf_append(data, p + i, run - i);
			i = run;
			if (i < n)
				t->st = TS_IAC;
			break;
		case TS_IAC:
			t->st = TS_DATA;
			if (b == TN_IAC)
				buf_putc(data, TN_IAC);
			else if (b >= TN_WILL) {
				t->verb = b;
				t->st = TS_OPT;
			} else if (b == TN_SB) {
				t->sbn = 0;
				t->sb_over = 0;
				t->st = TS_SB;
			} else
				cb(arg, b, -1, NULL, 0);
			break;
		case TS_OPT:
			t->st = TS_DATA;
			cb(arg, t->verb, b, NULL, 0);
			break;
		case TS_SB:
			if (b == TN_IAC)
				t->st = TS_SB_IAC;
			else
				tn_sb_byte(t, b);
			break;
		case TS_SB_IAC:
			if (b == TN_IAC) {
				tn_sb_byte(t, b);
				t->st = TS_SB;
			} else if (b == TN_SE) {
				t->st = TS_DATA;
				tn_sb_end(t, cb, arg);
			} else {
				/* Not IAC SE: the subnegotiation was cut
				 * short; the command is read as one. */
				t->sbn = 0;
				t->st = TS_IAC;
				i--;
			}
			break;
		}
	}
}

void
tn_escape(const unsigned char *p, size_t n, struct buf *out)
{
	const unsigned char *q;

	while (n > 0 && (q = memchr(p, TN_IAC, n)) != NULL) {
		buf_append(out, p, (size_t)(q - p) + 1);
		buf_putc(out, TN_IAC);
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	buf_append(out, p, n);
}

void
tn_cmd(int verb, int opt, struct buf *out)
{
	buf_putc(out, TN_IAC);
	buf_putc(out, (unsigned char)verb);
	buf_putc(out, (unsigned char)opt);
}

void
rfc2217_sb(int cmd, const unsigned char *value, size_t n, struct buf *out)
{
	unsigned char c = (unsigned char)cmd;

	buf_putc(out, TN_IAC);
	buf_putc(out, TN_SB);
	buf_putc(out, TN_OPT_COMPORT);
	tn_escape(&c, 1, out);
	tn_escape(value, n, out);
	buf_putc(out, TN_IAC);
	buf_putc(out, TN_SE);
}

static const char parities[] = "?NOEMS";	/* RFC 2217 codes 1-5 */

void
rfc2217_set_line(const struct serial_line *ln, struct buf *out)
{
	unsigned char v[4];
	const char *pc = strchr(parities + 1, ln->parity);

	v[0] = (unsigned char)(ln->baud >> 24);
	v[1] = (unsigned char)(ln->baud >> 16);
	v[2] = (unsigned char)(ln->baud >> 8);
	v[3] = (unsigned char)ln->baud;
	rfc2217_sb(CPO_SET_BAUDRATE, v, 4, out);
	v[0] = (unsigned char)ln->data;
	rfc2217_sb(CPO_SET_DATASIZE, v, 1, out);
	v[0] = (unsigned char)(pc != NULL && ln->parity != '\0' ?
	    pc - parities : 1);
	rfc2217_sb(CPO_SET_PARITY, v, 1, out);
	v[0] = (unsigned char)(ln->stop == 2 ? 2 : 1);
	rfc2217_sb(CPO_SET_STOPSIZE, v, 1, out);
	rfc2217_control(ln->flow == SERIAL_FLOW_RTSCTS ? CPO_CTL_FLOW_HARDWARE :
	    ln->flow == SERIAL_FLOW_XONXOFF ? CPO_CTL_FLOW_XONXOFF :
	    CPO_CTL_FLOW_NONE, out);
}

void
rfc2217_control(int value, struct buf *out)
{
	unsigned char v = (unsigned char)value;

	rfc2217_sb(CPO_SET_CONTROL, &v, 1, out);
}

/* One value byte of an answer: -1 malformed, 0 "current value", else 1. */
static int
rfc2217_byte(const unsigned char *p, size_t n, unsigned lo, unsigned hi)
{
	if (n != 2)
		return -1;
	if (p[1] == 0)
		return 0;
	return p[1] >= lo && p[1] <= hi ? 1 : -1;
}

int
rfc2217_answer(const unsigned char *p, size_t n, struct serial_line *ln,
    unsigned *modem)
{
	uint32_t baud;
	int r;

	if (n < 1 || p[0] < CPO_SERVER)
		return -1;
	switch (p[0] - CPO_SERVER) {
	case CPO_SET_BAUDRATE:
		if (n != 5)
			return -1;
		baud = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
		    (uint32_t)p[3] << 8 | p[4];
		if (baud == 0)
			return 0;
		ln->baud = baud;
		return CPO_SET_BAUDRATE;
	case CPO_SET_DATASIZE:
		if ((r = rfc2217_byte(p, n, 5, 8)) != 1)
			return r;
		ln->data = p[1];
		return CPO_SET_DATASIZE;
	case CPO_SET_PARITY:
		if ((r = rfc2217_byte(p, n, 1, 5)) != 1)
			return r;
		ln->parity = parities[p[1]];
		return CPO_SET_PARITY;
	case CPO_SET_STOPSIZE:
		/* 3 is 1.5 stop bits, which a serial_line does not hold. */
		if ((r = rfc2217_byte(p, n, 1, 3)) != 1)
			return r;
		ln->stop = p[1] == 2 ? 2 : 1;
		return CPO_SET_STOPSIZE;
	case CPO_SET_CONTROL:
		if (n != 2)
			return -1;
		if (p[1] == CPO_CTL_FLOW_NONE)
			ln->flow = SERIAL_FLOW_NONE;
		else if (p[1] == CPO_CTL_FLOW_XONXOFF)
			ln->flow = SERIAL_FLOW_XONXOFF;
		else if (p[1] == CPO_CTL_FLOW_HARDWARE)
			ln->flow = SERIAL_FLOW_RTSCTS;
		else
			return 0;
		return CPO_SET_CONTROL;
	case CPO_NOTIFY_MODEMSTATE:
		if (n != 2)
			return -1;
		*modem = p[1];
		return CPO_NOTIFY_MODEMSTATE;
	case CPO_SIGNATURE:
	case CPO_NOTIFY_LINESTATE:
		return 0;
	default:
		return n >= 1 ? 0 : -1;
	}
}
