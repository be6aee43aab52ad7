/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_execenv.c — TAP unit tests for src/execenv.c: a --exec program's
 * environment is ours without our own SOCKTOOL_* variables, in order,
 * then the five that name its peer, NULL-terminated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "execenv.h"
#include "tap.h"

static size_t
env_len(char **env)
{
	size_t n = 0;

	while (env[n] != NULL)
		n++;
	return n;
}

static void
env_free(char **env)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

int
main(void)
{
	char *base[] = { "PATH=/usr/bin:/bin", "SOCKTOOL_SESSION=99",
	    "HOME=/root", "SOCKTOOL_=x", "SOCKTOOLS=kept", "socktool_x=kept",
	    "SOCKTOOL_REMOTE_PORT=1", "LANG=C.UTF-8", NULL };
	struct execenv v = { "127.0.0.1", "40000", "::1", "7000", "3" };
	struct execenv unix_peer = { "pid 42 uid 1000", "", "/tmp/s", NULL,
	    "12" };
	char **env;

	env = execenv_build(base, &v);
	is_int(env_len(env), 10, "5 of ours kept, 3 SOCKTOOL_* dropped, 5 "
	    "added");
	is_str(env[0], "PATH=/usr/bin:/bin", "order kept: PATH");
	is_str(env[1], "HOME=/root", "HOME next, SOCKTOOL_SESSION=99 gone");
	is_str(env[2], "SOCKTOOLS=kept", "a name that only starts alike stays");
	is_str(env[3], "socktool_x=kept", "the prefix is case-sensitive");
	is_str(env[4], "LANG=C.UTF-8", "LANG, SOCKTOOL_REMOTE_PORT=1 gone");
	is_str(env[5], "SOCKTOOL_REMOTE_ADDR=127.0.0.1", "REMOTE_ADDR");
	is_str(env[6], "SOCKTOOL_REMOTE_PORT=40000", "REMOTE_PORT");
	is_str(env[7], "SOCKTOOL_LOCAL_ADDR=::1", "LOCAL_ADDR");
	is_str(env[8], "SOCKTOOL_LOCAL_PORT=7000", "LOCAL_PORT");
	is_str(env[9], "SOCKTOOL_SESSION=3", "SESSION");
	ok(env[10] == NULL, "NULL-terminated");
	ok(env[0] != base[0], "copies, not the caller's strings");
	env_free(env);

	env = execenv_build(NULL, &unix_peer);
	is_int(env_len(env), 5, "no environment: the five alone");
	is_str(env[0], "SOCKTOOL_REMOTE_ADDR=pid 42 uid 1000",
	    "a unix peer's words as its address");
	is_str(env[1], "SOCKTOOL_REMOTE_PORT=", "an empty port is set empty");
	is_str(env[3], "SOCKTOOL_LOCAL_PORT=", "NULL is empty too");
	is_str(env[4], "SOCKTOOL_SESSION=12", "SESSION");
	env_free(env);

	{
		char *only[] = { "SOCKTOOL_A=1", "SOCKTOOL_B=2", NULL };

		env = execenv_build(only, &v);
		is_int(env_len(env), 5, "only SOCKTOOL_* given: none kept");
		is_str(env[4], "SOCKTOOL_SESSION=3", "the new SESSION last");
		env_free(env);
	}
	{
		char *words[] = { "sh", "-c", "echo a; exit 3", "", "it's",
		    "a\\b", "say \"hi\"", "$HOME", NULL };
		struct buf b = BUF_INIT;

		execenv_words(&b, words, 4096);
		is_str(buf_cstr(&b), "sh -c 'echo a; exit 3' '' 'it'\\''s' "
		    "'a\\b' 'say \"hi\"' $HOME",
		    "a program's words as a shell reads them back");
		buf_free(&b);
	}
	return done_testing();
}
