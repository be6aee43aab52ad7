/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display.h — the display tap (display.c). */
#ifndef SOCKTOOL_DISPLAY_H
#define SOCKTOOL_DISPLAY_H

struct session;

void	display_init(void);
/* Show what waits for the rest of a character as \xHH and forget it:
 * the session's encoding or display changed. */
void	display_flush(struct session *);

#endif
