/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tty2.h — the termios2 half of the tty fd layer (tr_tty.c): any baud rate
 * (BOTHER), raw mode and the line's c_cflag bits, set and read back with
 * TCSETS2/TCGETS2.  Apart from tr_tty.c because <asm/termbits.h>, which
 * has termios2, cannot be included with <termios.h>; no termios type
 * crosses this header. */
#ifndef SOCKTOOL_TTY2_H
#define SOCKTOOL_TTY2_H

#include <stdint.h>

/* What a tty's line is set to, or read back as. */
struct tty2_line {
	unsigned long	cflag;		/* serial_cflag() bits */
	uint32_t	baud;		/* output speed */
	uint32_t	ibaud;		/* input speed (read back) */
	int		xonxoff;	/* software flow control */
};

/* Raw mode (no echo, no signals, no translation, reads return what there
 * is) with l's speed and c_cflag bits (within mask); 0 or -1 with errno. */
int	tty2_set(int fd, const struct tty2_line *l, unsigned long mask);
/* The line as the driver keeps it; 0 or -1 with errno. */
int	tty2_get(int fd, struct tty2_line *l);

#endif
