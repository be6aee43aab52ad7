/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tty2.c — termios2 for the tty fd layer (tty2.h): only the kernel's own
 * headers, so its struct termios2 and BOTHER are the ones in scope.  The
 * descriptor is tr_tty.c's, which hands it over for exactly this. */
#include <sys/ioctl.h>
#include <asm/termbits.h>

#include <string.h>

#include "tty2.h"

/* What cfmakeraw() clears and sets, on the kernel's structure. */
static void
tty2_raw(struct termios2 *t)
{
	t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON | IXOFF | IXANY);
	t->c_oflag &= ~(tcflag_t)OPOST;
	t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag |= CREAD | CLOCAL;
	t->c_cc[VMIN] = 1;
	t->c_cc[VTIME] = 0;
}

int
tty2_set(int fd, const struct tty2_line *l, unsigned long mask)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t) == -1)
		return -1;
	tty2_raw(&t);
	t.c_cflag = (t.c_cflag & ~(tcflag_t)mask) | (tcflag_t)(l->cflag & mask);
	if (l->xonxoff)
		t.c_iflag |= IXON | IXOFF;
	/* Any speed: the number itself, in both directions. */
	t.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << IBSHIFT));
	t.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
	t.c_ospeed = t.c_ispeed = l->baud;
	return ioctl(fd, TCSETS2, &t);
}

int
tty2_get(int fd, struct tty2_line *l)
{
	struct termios2 t;

	if (ioctl(fd, TCGETS2, &t) == -1)
		return -1;
	memset(l, 0, sizeof *l);
	l->cflag = t.c_cflag;
	l->baud = t.c_ospeed;
	l->ibaud = t.c_ispeed;
	l->xonxoff = (t.c_iflag & IXON) != 0;
	return 0;
}
