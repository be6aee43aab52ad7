/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tr_pipe.h — the fd layers of local programs and pseudo-terminals
 * (SPEC §3.11): a child's standard input and output (one end of a socket
 * pair, or a pty master), its standard error (a pipe, read beside the
 * session's descriptor), and a pty whose slave a program opens. */
#ifndef SOCKTOOL_TR_PIPE_H
#define SOCKTOOL_TR_PIPE_H

#include <stddef.h>

#include "layer.h"

struct session;

extern const struct layer_ops tr_pipe, tr_pty;

/* A new pty master (non-blocking, close-on-exec) and its slave's path;
 * -1 with err. */
int	tr_pty_open(int *master, char *slave, size_t slavelen, char *err,
	    size_t errlen);
/* s->fd is a child's standard input and output (a socket pair's end, or
 * a pty master whose slave is tty; NULL for none): the fd layer on it,
 * registered; errfd (-1: none) is the child's standard error, which the
 * layer owns from now and reads beside s->fd.  0, or -1 with errno (the caller discards s). */
int	tr_pipe_attach(struct session *s, const char *tty, int errfd);
/* A pty session: socktool holds the master, a program opens the slave
 * (link: a symlink made to it, removed at close; raw: the line
 * discipline off; once: the session closes when the program closes the
 * slave, else it waits for the next open).  Announced (listening).  NULL
 * with err. */
struct session *sess_pty(const char *link, int raw, int once, char *err,
	    size_t errlen);

#endif
