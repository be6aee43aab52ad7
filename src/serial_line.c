/* SPDX-License-Identifier: GPL-3.0-or-later */
/* serial_line.c — a serial line's settings in words and in c_cflag bits
 * (serial_line.h).  No I/O: the tty layer applies what this computes. */
#include <termios.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "serial_line.h"

/* Input quoted in an error: enough to recognise it. */
#define SERIAL_QUOTE	24

/* User input in an error: escaped (a terminal shows it) and cut short. */
static const char *
serial_quote(const char *s, char *q, size_t qlen)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(s);

	codec_escape((const unsigned char *)s, n > SERIAL_QUOTE ?
	    SERIAL_QUOTE : n, &b, 0);
	snprintf(q, qlen, "%s%s", buf_cstr(&b), n > SERIAL_QUOTE ? "..." : "");
	buf_free(&b);
	return q;
}

void
serial_line_default(struct serial_line *ln)
{
	ln->baud = SERIAL_BAUD_DEFAULT;
	ln->data = 8;
	ln->parity = 'N';
	ln->stop = 1;
	ln->flow = SERIAL_FLOW_NONE;
}

int
serial_mode_parse(const char *s, struct serial_line *ln, char *err,
    size_t errlen)
{
	char p, q[4 * SERIAL_QUOTE + 8];

	if (strlen(s) != 3 || s[0] < '5' || s[0] > '8' ||
	    strchr("NEOMS", p = (char)toupper((unsigned char)s[1])) == NULL ||
	    p == '\0' || (s[2] != '1' && s[2] != '2')) {
		snprintf(err, errlen, "bad mode \"%s\" (data bits 5-8, "
		    "parity N E O M S, stop bits 1-2: 8N1, 7E1, 8O2)",
		    serial_quote(s, q, sizeof q));
		return -1;
	}
	ln->data = (unsigned)(s[0] - '0');
	ln->parity = p;
	ln->stop = (unsigned)(s[2] - '0');
	return 0;
}

void
serial_mode_format(const struct serial_line *ln, char *out, size_t len)
{
	snprintf(out, len, "%u%c%u", ln->data, ln->parity, ln->stop);
}

static const char *const flow_names[] = { "none", "rtscts", "xonxoff" };

int
serial_flow_parse(const char *s, int *flow, char *err, size_t errlen)
{
	char q[4 * SERIAL_QUOTE + 8];
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, flow_names[i]) == 0) {
			*flow = i;
			return 0;
		}
	snprintf(err, errlen, "bad flow control \"%s\" (none, rtscts or "
	    "xonxoff)", serial_quote(s, q, sizeof q));
	return -1;
}

const char *
serial_flow_name(int flow)
{
	return flow >= 0 && flow < 3 ? flow_names[flow] : "?";
}

int
serial_baud_parse(const char *s, uint32_t *baud, char *err, size_t errlen)
{
	char q[4 * SERIAL_QUOTE + 8];
	uint64_t v;

	if (codec_parse_uint(s, SERIAL_BAUD_MIN, SERIAL_BAUD_MAX, &v) == -1) {
		snprintf(err, errlen, "bad baud rate \"%s\" (%u..%u)",
		    serial_quote(s, q, sizeof q), SERIAL_BAUD_MIN,
		    SERIAL_BAUD_MAX);
		return -1;
	}
	*baud = (uint32_t)v;
	return 0;
}

static const unsigned long sizes[] = { CS5, CS6, CS7, CS8 };

unsigned long
serial_cflag_mask(void)
{
	return CSIZE | PARENB | PARODD | CMSPAR | CSTOPB | CRTSCTS;
}

unsigned long
serial_cflag(const struct serial_line *ln)
{
	unsigned long c = sizes[ln->data >= 5 && ln->data <= 8 ?
	    ln->data - 5 : 3];

	switch (ln->parity) {
	case 'E':
		c |= PARENB;
		break;
	case 'O':
		c |= PARENB | PARODD;
		break;
	case 'M':
		/* Stick parity: odd sticks the bit at 1, even at 0. */
		c |= PARENB | CMSPAR | PARODD;
		break;
	case 'S':
		c |= PARENB | CMSPAR;
		break;
	}
	if (ln->stop == 2)
		c |= CSTOPB;
	if (ln->flow == SERIAL_FLOW_RTSCTS)
		c |= CRTSCTS;
	return c;
}

void
serial_from_cflag(unsigned long c, struct serial_line *ln)
{
	unsigned i;

	ln->data = 8;
	for (i = 0; i < 4; i++)
		if ((c & CSIZE) == sizes[i])
			ln->data = 5 + i;
	if (!(c & PARENB))
		ln->parity = 'N';
	else if (c & CMSPAR)
		ln->parity = (c & PARODD) ? 'M' : 'S';
	else
		ln->parity = (c & PARODD) ? 'O' : 'E';
	ln->stop = (c & CSTOPB) ? 2 : 1;
	if (c & CRTSCTS)
		ln->flow = SERIAL_FLOW_RTSCTS;
	else if (ln->flow == SERIAL_FLOW_RTSCTS)
		ln->flow = SERIAL_FLOW_NONE;
}

unsigned
serial_char_bits(const struct serial_line *ln)
{
	return 1 + ln->data + (ln->parity != 'N') + ln->stop;
}

uint64_t
serial_char_tenths_us(const struct serial_line *ln, unsigned n)
{
	uint64_t us;

	if (ln->baud == 0)
		return 0;
	us = ((uint64_t)serial_char_bits(ln) * n * 100000u + ln->baud - 1) /
	    ln->baud;
	return us > 0 ? us : 1;
}

void
serial_line_words(const struct serial_line *ln, char *out, size_t len)
{
	char mode[8];

	serial_mode_format(ln, mode, sizeof mode);
	snprintf(out, len, "%u %s%s%s", (unsigned)ln->baud, mode,
	    ln->flow != SERIAL_FLOW_NONE ? " " : "",
	    ln->flow != SERIAL_FLOW_NONE ? serial_flow_name(ln->flow) : "");
}
