/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_exec.h — local programs as sessions (SPEC §3.11): `exec`, and
 * `tcp-server|tls-server|unix-server … --exec`, whose every peer is paired with a
 * program of its own.  The children's bookkeeping: started with execvp
 * (never a shell), each in its own session and process group, reaped on
 * SIGCHLD, ended with SIGTERM then SIGKILL after EXEC_KILL_MS. */
#ifndef SOCKTOOL_ROLE_EXEC_H
#define SOCKTOOL_ROLE_EXEC_H

#include <stddef.h>

struct session;

#define EXEC_KILL_MS	2000
/* From the end of its input to SIGTERM. */
#define EXEC_GRACE_MS	500

/* What becomes of a program's standard error. */
enum exec_stderr { EXEC_ERR_SHOW, EXEC_ERR_MERGE, EXEC_ERR_IGNORE };

/* argv[0] run with argv (NULL-terminated); its standard input and output
 * are the new session's (a pty with pty).  Announced (a connected
 * event with its pid).  NULL with err: nothing was made ("prog: No such
 * file or directory" when it could not be run). */
struct session *exec_start(char *const argv[], int pty, enum exec_stderr,
	    char *err, size_t errlen);
/* Every peer srv accepts from now gets argv (taken: NULL-terminated,
 * each word and the array malloc'd), paired with it; with tls (taken:
 * the base reference of a tls-server's configuration, NULL: none) the
 * peer's TLS handshake comes first and the program starts once it is
 * done. */
struct tls_cfg;
void	exec_serve(struct session *srv, char **argv, struct tls_cfg *tls);
/* A peer another role owns (a WebSocket server's, once upgraded) gets
 * its own run of argv now, paired with it as exec_serve's peers are.  0,
 * or -1 with err (nothing started). */
int	exec_pair(struct session *peer, char *const argv[], char *err,
	    size_t errlen);
/* SIGCHLD arrived: the children that ended are reaped (each waited for
 * by its own pid, never anyone else's). */
void	exec_reap(void);
/* socktool ends: what is still running is killed. */
void	exec_done(void);
/* A NULL-terminated array and its words, freed. */
void	exec_argv_free(char **argv);

#endif
