/* SPDX-License-Identifier: GPL-3.0-or-later */
/* daemon.h — --daemon: detaching, the log, the ready signal (daemon.c). */
#ifndef SOCKTOOL_DAEMON_H
#define SOCKTOOL_DAEMON_H

#include <stddef.h>

/* Fork away.  Returns 1 in the starting process, which exits with
 * *status once the daemon said it is ready (0) or why not (1, printed);
 * 0 in the daemon: its own session, standard input, output and error on
 * /dev/null, and *ready the pipe for daemon_ready. */
int	daemon_start(int *ready, int *status, int keep);
/* Standard output and error to $XDG_STATE_HOME/socktool/NAME.log (else
 * ~/.local/state/socktool/NAME.log), appended.  -1 with err. */
int	daemon_log(const char *name, char *err, size_t errlen);
/* Tell the starting process: ready (err NULL) or not, and why. */
void	daemon_ready(int fd, const char *err);

#endif
