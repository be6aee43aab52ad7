/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_rfc2217.c — TAP unit tests for src/rfc2217.c: the telnet parser
 * (data, IAC IAC, negotiations, subnegotiations, any split of the input),
 * escaping round trips, the COM-PORT-OPTION messages byte-exact against
 * RFC 2217, the server's answers, and bad inputs. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "rfc2217.h"
#include "tap.h"

#define L(s)	(const unsigned char *)(s), (sizeof(s) - 1)
/* A buffer against a string literal (is_mem takes each part apart). */
#define is_lit(b, lit, name) \
	is_mem(buf_peek(b), buf_len(b), lit, sizeof(lit) - 1, name)

/* What the parser reported besides data, as text: "WILL 44;SB 44 65 ..". */
struct seen {
	char	ev[512];
};

static void
seen_cb(void *arg, int verb, int opt, const unsigned char *p, size_t n)
{
	struct seen *s = arg;
	size_t len = strlen(s->ev), i;

	if (verb == TN_SB) {
		snprintf(s->ev + len, sizeof s->ev - len, "SB %d", opt);
		for (i = 0; i < n; i++) {
			len = strlen(s->ev);
			snprintf(s->ev + len, sizeof s->ev - len, " %02x",
			    p[i]);
		}
	} else
		snprintf(s->ev + len, sizeof s->ev - len, "%d %d", verb, opt);
	len = strlen(s->ev);
	snprintf(s->ev + len, sizeof s->ev - len, ";");
}

/* Parse the input in pieces of k bytes (0: at once). */
static void
parse_split(const unsigned char *p, size_t n, size_t k, struct buf *data,
    struct seen *s)
{
	struct tn_parser t = TN_PARSER_INIT;
	size_t i, step;

	memset(s, 0, sizeof *s);
	for (i = 0; i < n; i += step) {
		step = k == 0 || n - i < k ? n - i : k;
		tn_parse(&t, p + i, step, data, seen_cb, s);
	}
}

static void
test_parse(void)
{
	static const unsigned char in[] = {
		'a', 0xff, 0xff, 'b',			/* data, IAC IAC */
		0xff, TN_DO, 44,			/* DO COM-PORT */
		0xff, TN_SB, 44, 101, 0, 0, 0x25, 0x80, 0xff, TN_SE,
		'c', 0xff, 241,				/* NOP */
		0xff, TN_SB, 44, 101, 0, 0, 0xff, 0xff, 0x01, 0xff, TN_SE,
		'd',
	};
	const char *want = "253 44;SB 44 65 00 00 25 80;241 -1;"
	    "SB 44 65 00 00 ff 01;";
	struct buf data = BUF_INIT;
	struct seen s;
	size_t k;
	int bad = 0;

	parse_split(in, sizeof in, 0, &data, &s);
	is_lit(&data, ("a\xff" "bcd"),
	    "data: IAC IAC is one 0xff, commands gone");
	is_str(s.ev, want, "negotiation, subnegotiations (IAC IAC inside), "
	    "NOP, in order");
	for (k = 1; k < sizeof in; k++) {
		buf_reset(&data);
		parse_split(in, sizeof in, k, &data, &s);
		bad += buf_len(&data) != 5 || memcmp(buf_peek(&data),
		    "a\xff" "bcd", 5) != 0 || strcmp(s.ev, want) != 0;
	}
	is_int(bad, 0, "the same for every split of the input");
	/* A subnegotiation longer than TN_SB_MAX is dropped whole. */
	{
		unsigned char big[TN_SB_MAX + 16];

		memset(big, 7, sizeof big);
		big[0] = 0xff;
		big[1] = TN_SB;
		big[sizeof big - 2] = 0xff;
		big[sizeof big - 1] = TN_SE;
		buf_reset(&data);
		parse_split(big, sizeof big, 0, &data, &s);
		ok(s.ev[0] == '\0' && buf_len(&data) == 0,
		    "an overlong subnegotiation: dropped, nothing leaks");
	}
	/* IAC SB ... IAC WILL x: the cut-short subnegotiation is dropped and
	 * the command is read. */
	buf_reset(&data);
	parse_split(L("\xff\xfa\x2c\x65\xff\xfb\x01z"), 0, &data, &s);
	is_str(s.ev, "251 1;", "a subnegotiation cut by a command");
	is_lit(&data, ("z"), "then data");
	buf_free(&data);
}

static void
test_escape(void)
{
	unsigned char all[512];
	struct buf out = BUF_INIT, back = BUF_INIT;
	struct seen s;
	size_t i;

	for (i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)i;
	tn_escape(all, sizeof all, &out);
	is_int((int)buf_len(&out), 514, "two 0xff doubled");
	parse_split(buf_peek(&out), buf_len(&out), 0, &back, &s);
	is_mem(buf_peek(&back), buf_len(&back), all, sizeof all,
	    "every byte value round trips");
	ok(s.ev[0] == '\0', "and nothing else is seen");
	buf_reset(&out);
	tn_escape(L("\xff\xff\xff"), &out);
	is_lit(&out, ("\xff\xff\xff\xff\xff\xff"),
	    "0xff 0xff 0xff: six bytes");
	buf_free(&out);
	buf_free(&back);
}

static void
test_messages(void)
{
	struct serial_line ln = { 9600, 7, 'E', 2, SERIAL_FLOW_RTSCTS };
	struct buf out = BUF_INIT;

	rfc2217_set_line(&ln, &out);
	is_lit(&out, (
	    "\xff\xfa\x2c\x01\x00\x00\x25\x80\xff\xf0"	/* baud 9600 */
	    "\xff\xfa\x2c\x02\x07\xff\xf0"		/* 7 data bits */
	    "\xff\xfa\x2c\x03\x03\xff\xf0"		/* even: 3 */
	    "\xff\xfa\x2c\x04\x02\xff\xf0"		/* 2 stop bits */
	    "\xff\xfa\x2c\x05\x03\xff\xf0"),		/* hardware flow */
	    "SET-BAUDRATE, -DATASIZE, -PARITY, -STOPSIZE, -CONTROL");
	buf_reset(&out);
	ln.baud = 0xff00ff;
	ln.parity = 'S';
	rfc2217_set_line(&ln, &out);
	is_mem(buf_peek(&out), 12, "\xff\xfa\x2c\x01\x00\xff\xff\x00\xff"
	    "\xff\xff\xf0", 12, "a baud with 0xff bytes: escaped inside SB");
	ok(memcmp(buf_peek(&out) + 12 + 7, "\xff\xfa\x2c\x03\x05", 5) == 0,
	    "space parity: 5");
	buf_reset(&out);
	rfc2217_control(CPO_CTL_DTR_OFF, &out);
	tn_cmd(TN_WILL, TN_OPT_COMPORT, &out);
	is_lit(&out, ("\xff\xfa\x2c\x05\x09\xff\xf0"
	    "\xff\xfb\x2c"), "SET-CONTROL DTR off; WILL COM-PORT-OPTION");
	buf_free(&out);
}

static void
test_answers(void)
{
	struct serial_line ln = { 9600, 8, 'N', 1, SERIAL_FLOW_NONE }, keep;
	unsigned ms = 0;

	is_int(rfc2217_answer(L("\x65\x00\x01\xc2\x00"), &ln, &ms),
	    CPO_SET_BAUDRATE, "baud answer");
	is_int((int)ln.baud, 115200, "115200");
	is_int(rfc2217_answer(L("\x66\x07"), &ln, &ms), CPO_SET_DATASIZE,
	    "data size answer");
	is_int(rfc2217_answer(L("\x67\x02"), &ln, &ms), CPO_SET_PARITY,
	    "parity answer");
	is_int(ln.parity, 'O', "2 is odd");
	is_int(rfc2217_answer(L("\x68\x02"), &ln, &ms), CPO_SET_STOPSIZE,
	    "stop size answer");
	is_int((int)ln.stop, 2, "2 stop bits");
	is_int(rfc2217_answer(L("\x69\x02"), &ln, &ms), CPO_SET_CONTROL,
	    "flow answer");
	is_int(ln.flow, SERIAL_FLOW_XONXOFF, "xonxoff");
	is_int(rfc2217_answer(L("\x6b\xb0"), &ln, &ms),
	    CPO_NOTIFY_MODEMSTATE, "modem state");
	is_int((int)ms, 0xb0, "its bits");
	is_int(rfc2217_answer(L("\x69\x08"), &ln, &ms), 0,
	    "a DTR answer says nothing of the line");
	is_int(rfc2217_answer(L("\x64" "ser2net"), &ln, &ms), 0,
	    "a signature says nothing");
	keep = ln;
	is_int(rfc2217_answer(L("\x65\x00\x00\x00\x00"), &ln, &ms), 0,
	    "baud 0: the current value, nothing new");
	is_int(rfc2217_answer(L("\x65\x00\x01"), &ln, &ms), -1,
	    "a short baud: malformed");
	is_int(rfc2217_answer(L("\x66\x09"), &ln, &ms), -1, "9 data bits");
	is_int(rfc2217_answer(L("\x67\x06"), &ln, &ms), -1, "parity 6");
	is_int(rfc2217_answer(L("\x68\x04"), &ln, &ms), -1, "stop size 4");
	is_int(rfc2217_answer(L("\x66"), &ln, &ms), -1, "no value");
	is_int(rfc2217_answer(L("\x05\x01"), &ln, &ms), -1,
	    "a client's command: not an answer");
	is_int(rfc2217_answer(NULL, 0, &ln, &ms), -1, "empty");
	ok(memcmp(&keep, &ln, sizeof ln) == 0, "bad answers change nothing");
}

int
main(void)
{
	test_parse();
	test_escape();
	test_messages();
	test_answers();
	return done_testing();
}
