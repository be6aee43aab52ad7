/* SPDX-License-Identifier: GPL-3.0-or-later */
/* execenv.h — the environment of a server's --exec program (SPEC §3.11),
 * built with no I/O: the caller's environment without any SOCKTOOL_*
 * variable of its own, then the five that say who the program talks to. */
#ifndef SOCKTOOL_EXECENV_H
#define SOCKTOOL_EXECENV_H

/* The values (NULL: empty), as text. */
struct execenv {
	const char	*remote_addr, *remote_port;
	const char	*local_addr, *local_port;
	const char	*session;
};

/* base (NULL-terminated, or NULL: none) without its SOCKTOOL_* entries,
 * in order, then SOCKTOOL_REMOTE_ADDR, SOCKTOOL_REMOTE_PORT,
 * SOCKTOOL_LOCAL_ADDR, SOCKTOOL_LOCAL_PORT and SOCKTOOL_SESSION from v:
 * a NULL-terminated array, each entry and the array malloc'd. */
char	**execenv_build(char *const base[], const struct execenv *v);

struct buf;
/* Append argv's words (cut once out passes max bytes) as a shell would
 * read them back: a word that is empty or holds a blank, a quote or a
 * backslash in single quotes, a ' in it as '\''. */
void	execenv_words(struct buf *out, char *const argv[], size_t max);

#endif
