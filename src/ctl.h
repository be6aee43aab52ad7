/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ctl.h — `socktool ctl`, the command-line client of a running instance's
 * control socket (ctl.c). */
#ifndef SOCKTOOL_CTL_H
#define SOCKTOOL_CTL_H

/* argv[0] is "ctl"; returns the exit status (0, 1 a command failed or no
 * such instance, 2 bad usage). */
int	ctl_main(int argc, char **argv);

#endif
