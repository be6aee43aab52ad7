/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_serial_line.c — TAP unit tests for src/serial_line.c: modes in
 * words to c_cflag bits and back (every data size, parity and stop bit
 * count), flow control, baud bounds, character times, and bad inputs (-1
 * with words, the line untouched). */
#include <termios.h>

#include <stdio.h>
#include <string.h>

#include "serial_line.h"
#include "tap.h"

static char err[256];

static void
test_round_trip(void)
{
	static const char parities[] = "NEOMS";
	struct serial_line a, b;
	char mode[8], want[8];
	unsigned d, s, p, bad = 0;

	for (d = 5; d <= 8; d++)
		for (p = 0; p < 5; p++)
			for (s = 1; s <= 2; s++) {
				snprintf(want, sizeof want, "%u%c%u", d,
				    parities[p], s);
				serial_line_default(&a);
				if (serial_mode_parse(want, &a, err,
				    sizeof err) == -1) {
					bad++;
					continue;
				}
				serial_line_default(&b);
				serial_from_cflag(serial_cflag(&a), &b);
				serial_mode_format(&b, mode, sizeof mode);
				bad += strcmp(mode, want) != 0;
			}
	is_int(bad, 0, "40 modes: words -> cflag -> words");
}

static void
test_cflag(void)
{
	struct serial_line ln;

	serial_line_default(&ln);
	is_int(serial_mode_parse("7e2", &ln, err, sizeof err), 0,
	    "7e2 (lower case)");
	is_int((int)(serial_cflag(&ln) & CSIZE), CS7, "7 data bits: CS7");
	ok(serial_cflag(&ln) & PARENB, "even: PARENB");
	ok(!(serial_cflag(&ln) & PARODD), "even: no PARODD");
	ok(serial_cflag(&ln) & CSTOPB, "2 stop bits: CSTOPB");
	serial_mode_parse("8M1", &ln, err, sizeof err);
	ok((serial_cflag(&ln) & (PARENB | CMSPAR | PARODD)) ==
	    (PARENB | CMSPAR | PARODD), "mark: PARENB CMSPAR PARODD");
	serial_mode_parse("8S1", &ln, err, sizeof err);
	ok((serial_cflag(&ln) & (PARENB | CMSPAR | PARODD)) ==
	    (PARENB | CMSPAR), "space: PARENB CMSPAR");
	ln.flow = SERIAL_FLOW_RTSCTS;
	ok(serial_cflag(&ln) & CRTSCTS, "rtscts: CRTSCTS");
	ok(!(serial_cflag(&ln) & ~serial_cflag_mask()), "inside the mask");
	serial_from_cflag(CS8, &ln);
	is_int(ln.flow, SERIAL_FLOW_NONE, "no CRTSCTS read back: rtscts off");
	ln.flow = SERIAL_FLOW_XONXOFF;
	serial_from_cflag(CS8, &ln);
	is_int(ln.flow, SERIAL_FLOW_XONXOFF, "xonxoff is the iflag's: kept");
	/* A pty keeps PARODD but clears PARENB: read back as no parity. */
	serial_from_cflag(CS8 | PARODD | CSTOPB, &ln);
	is_int(ln.parity, 'N', "PARODD without PARENB: N");
	is_int((int)ln.stop, 2, "CSTOPB: 2");
}

static void
test_words(void)
{
	struct serial_line ln;
	uint32_t baud = 1;
	int flow = -1;

	serial_line_default(&ln);
	is_int(serial_flow_parse("rtscts", &flow, err, sizeof err), 0,
	    "rtscts");
	is_int(flow, SERIAL_FLOW_RTSCTS, "rtscts value");
	is_str(serial_flow_name(SERIAL_FLOW_XONXOFF), "xonxoff", "xonxoff");
	is_int(serial_flow_parse("hw", &flow, err, sizeof err), -1, "hw: bad");
	is_str(err, "bad flow control \"hw\" (none, rtscts or xonxoff)",
	    "the flow error");
	is_int(serial_baud_parse("250000", &baud, err, sizeof err), 0,
	    "250000: any baud");
	is_int((int)baud, 250000, "250000 value");
	is_int(serial_baud_parse("49", &baud, err, sizeof err), -1, "49: low");
	is_int(serial_baud_parse("16000001", &baud, err, sizeof err), -1,
	    "16000001: high");
	is_int(serial_baud_parse("96OO", &baud, err, sizeof err), -1,
	    "96OO: not a number");
	is_int((int)baud, 250000, "a bad baud leaves it");
	is_int(serial_mode_parse("9N1", &ln, err, sizeof err), -1, "9N1");
	is_int(serial_mode_parse("8X1", &ln, err, sizeof err), -1, "8X1");
	is_int(serial_mode_parse("8N3", &ln, err, sizeof err), -1, "8N3");
	is_int(serial_mode_parse("8N", &ln, err, sizeof err), -1, "8N");
	is_int(serial_mode_parse("8N1 ", &ln, err, sizeof err), -1, "8N1 ");
	is_int(serial_mode_parse("\x1b[2J", &ln, err, sizeof err), -1,
	    "escape");
	ok(strchr(err, '\x1b') == NULL, "no raw control byte in the error");
	is_int((int)ln.data, 8, "bad modes leave the line");
	is_int(ln.parity, 'N', "bad modes leave the parity");
}

static void
test_char_time(void)
{
	struct serial_line ln;

	serial_line_default(&ln);
	ln.baud = 9600;
	is_int((int)serial_char_bits(&ln), 10, "8N1: 10 bits");
	serial_mode_parse("8E2", &ln, err, sizeof err);
	is_int((int)serial_char_bits(&ln), 12, "8E2: 12 bits");
	serial_mode_parse("8E1", &ln, err, sizeof err);
	/* Modbus RTU: 3.5 characters of 11 bits at 9600 = 4010.4 us. */
	is_int((int)serial_char_tenths_us(&ln, 35), 4011, "3.5c at 9600 8E1");
	ln.baud = 0;
	is_int((int)serial_char_tenths_us(&ln, 35), 0, "no baud: 0");
	ln.baud = SERIAL_BAUD_MAX;
	is_int((int)serial_char_tenths_us(&ln, 1), 1, "at least 1 us");
}

int
main(void)
{
	test_round_trip();
	test_cflag();
	test_words();
	test_char_time();
	return done_testing();
}
