/* SPDX-License-Identifier: GPL-3.0-or-later */
/* serial_line.h — a serial line's settings (SPEC §3.11): baud, data bits,
 * parity, stop bits and flow control, parsed from and written as words
 * ("9600", "8N1", "rtscts") and mapped to and from the c_cflag bits the
 * kernel keeps them in.  Pure: no I/O; unit-tested. */
#ifndef SOCKTOOL_SERIAL_LINE_H
#define SOCKTOOL_SERIAL_LINE_H

#include <stddef.h>
#include <stdint.h>

enum serial_flow { SERIAL_FLOW_NONE, SERIAL_FLOW_RTSCTS, SERIAL_FLOW_XONXOFF };

#define SERIAL_BAUD_MIN		50
#define SERIAL_BAUD_MAX		16000000
#define SERIAL_BAUD_DEFAULT	115200

struct serial_line {
	uint32_t	baud;		/* 0: not known */
	unsigned	data;		/* 5..8 */
	char		parity;		/* 'N', 'E', 'O', 'M' (mark), 'S' */
	unsigned	stop;		/* 1 or 2 */
	int		flow;		/* enum serial_flow */
};

/* 115200 8N1, no flow control. */
void	serial_line_default(struct serial_line *);

/* "8N1", "7e2" (case does not matter): data bits 5-8, parity N/E/O/M/S,
 * stop bits 1-2.  0, or -1 with err (ln untouched). */
int	serial_mode_parse(const char *, struct serial_line *ln, char *err,
	    size_t errlen);
/* "8N1": at least 4 bytes. */
void	serial_mode_format(const struct serial_line *, char *out, size_t len);
/* "9600 8N1", with the flow control when there is any ("9600 8N1
 * rtscts"). */
void	serial_line_words(const struct serial_line *, char *out, size_t len);
/* "none", "rtscts", "xonxoff". */
int	serial_flow_parse(const char *, int *flow, char *err, size_t errlen);
const char *serial_flow_name(int flow);
int	serial_baud_parse(const char *, uint32_t *baud, char *err,
	    size_t errlen);

/* The c_cflag bits of the line (size, parity, stop bits, RTS/CTS) and
 * their mask; the inverse reads data, parity, stop and RTS/CTS back from a
 * c_cflag (xonxoff from its iflag is the caller's). */
unsigned long	serial_cflag(const struct serial_line *);
unsigned long	serial_cflag_mask(void);
void		serial_from_cflag(unsigned long cflag, struct serial_line *);

/* Bits on the wire per character: start + data + parity + stop. */
unsigned	serial_char_bits(const struct serial_line *);
/* n tenths of a character time in microseconds at the line's baud (at
 * least 1); 0 when the baud is not known. */
uint64_t	serial_char_tenths_us(const struct serial_line *, unsigned n);

#endif
