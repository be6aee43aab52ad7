/* SPDX-License-Identifier: GPL-3.0-or-later */
/* execenv.c — a --exec program's environment (execenv.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "execenv.h"

#define EXECENV_PREFIX	"SOCKTOOL_"

static char *
execenv_var(const char *name, const char *value)
{
	size_t n = strlen(EXECENV_PREFIX) + strlen(name) + 1 +
	    (value != NULL ? strlen(value) : 0) + 1;
	char *e = xcalloc(n, 1);

	snprintf(e, n, "%s%s=%s", EXECENV_PREFIX, name,
	    value != NULL ? value : "");
	return e;
}

char **
execenv_build(char *const base[], const struct execenv *v)
{
	const char *const names[] = { "REMOTE_ADDR", "REMOTE_PORT",
	    "LOCAL_ADDR", "LOCAL_PORT", "SESSION" };
	const char *const vals[] = { v->remote_addr, v->remote_port,
	    v->local_addr, v->local_port, v->session };
	const size_t nv = sizeof names / sizeof names[0];
	size_t n = 0, i, k = 0;
	char **env;

	while (base != NULL && base[n] != NULL)
		n++;
	env = xcalloc(n + nv + 1, sizeof *env);
	for (i = 0; i < n; i++)
		if (strncmp(base[i], EXECENV_PREFIX,
		    strlen(EXECENV_PREFIX)) != 0)
			env[k++] = xstrdup(base[i]);
	for (i = 0; i < nv; i++)
		env[k++] = execenv_var(names[i], vals[i]);
	return env;
}

static void
execenv_word(struct buf *out, const char *w)
{
	const char *p;

	if (*w != '\0' && strpbrk(w, " \t\n'\"\\") == NULL) {
		buf_puts(out, w);
		return;
	}
	buf_putc(out, '\'');
	for (p = w; *p != '\0'; p++) {
		if (*p == '\'')
			buf_puts(out, "'\\''");
		else
			buf_putc(out, *p);
	}
	buf_putc(out, '\'');
}

void
execenv_words(struct buf *out, char *const argv[], size_t max)
{
	size_t i;

	for (i = 0; argv[i] != NULL && buf_len(out) < max; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		execenv_word(out, argv[i]);
	}
}
