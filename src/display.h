/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display.h — the display tap (display.c). */
#ifndef SOCKTOOL_DISPLAY_H
#define SOCKTOOL_DISPLAY_H

void	display_init(void);

#endif
