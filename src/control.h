/* SPDX-License-Identifier: GPL-3.0-or-later */
/* control.h — the control socket (SPEC §3.12): where it lives, and the
 * listening side, whose every connection is a client (client.h) speaking
 * the line protocol of socktool(1) "CONTROL PROTOCOL". */
#ifndef SOCKTOOL_CONTROL_H
#define SOCKTOOL_CONTROL_H

#include <stddef.h>

/* The protocol version this build speaks: the hello is "socktool-ctl 1". */
#define CONTROL_PROTO		1
#define CONTROL_HELLO		"socktool-ctl"
#define CONTROL_NAME_MAX	64

/* NAME: 1-64 of letters, digits, '.', '_', '-' (and not "." or ".."). */
int		 control_name_ok(const char *name);
/* The directory of this user's control sockets: $XDG_RUNTIME_DIR/socktool,
 * else /tmp/socktool-UID.  With mk it is made (0700) when missing; either
 * way it must be a directory of ours that nobody else may enter.  -1 with
 * the reason in err. */
int		 control_dir(char *dir, size_t n, int mk, char *err,
		    size_t errlen);
/* The socket path for NAME in that directory. */
int		 control_path(const char *name, char *path, size_t n, int mk,
		    char *err, size_t errlen);

/* How the instance is ended by a client's `quit --all` (main's). */
void		 control_init(void (*quit_all)(void));
/* Listen as NAME: socket 0600; a stale socket is replaced, a live one is
 * an error, and so is a second name.  -1 with err. */
int		 control_listen(const char *name, char *err, size_t errlen);
/* The name listened as, or NULL. */
const char	*control_name(void);
/* Once per loop turn: requests are run, output goes out framed, clients
 * gone are freed (never inside a client's own call stack). */
void		 control_flush(void);
/* Connected control clients. */
size_t		 control_clients(void);
/* The end: every client goes (pending commands cancelled), the socket is
 * removed. */
void		 control_done(void);

#endif
