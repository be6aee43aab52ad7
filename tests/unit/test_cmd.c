/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_cmd.c — unit tests for the pure parts around commands: tokenizer,
 * command lookup, completion, settings parsing (addresses: test_addr.c). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cmd.h"
#include "session.h"
#include "settings.h"

static void
test_tokenize(void)
{
	struct cmd_token *t;
	size_t n;
	char err[128];
	const char *line = "expect 1 \"200 OK\" --timeout=2s 'a b' x\\ y \"q\\\"r\"";

	ok(cmd_tokenize(line, strlen(line), &t, &n, err, sizeof err) == 0,
	    "tokenize a line with quotes");
	is_int(n, 7, "seven words");
	is_str(t[0].s, "expect", "word 1");
	is_str(t[2].s, "200 OK", "double quotes group");
	ok(t[2].quoted, "quoted flag set");
	is_str(t[3].s, "--timeout=2s", "option word");
	is_str(t[4].s, "a b", "single quotes group");
	is_str(t[5].s, "x\\ y", "backslash-blank kept verbatim, one word");
	is_str(t[6].s, "q\\\"r", "escaped quote stays for the escape decoder");
	is_int(t[2].start, 9, "raw start offset");
	cmd_tokens_free(t, n);

	ok(cmd_tokenize("a \"open", 7, &t, &n, err, sizeof err) == -1,
	    "unterminated double quote is an error");
	ok(strstr(err, "position 3") != NULL, "error names the position: %s",
	    err);
	ok(cmd_tokenize("   ", 3, &t, &n, err, sizeof err) == 0 && n == 0,
	    "blank line has no words");
	free(t);
}

static void
test_lookup(void)
{
	char err[256];
	const struct cmd_entry *e;

	e = cmd_lookup("tcp-server", err, sizeof err);
	ok(e != NULL && strcmp(e->name, "tcp-server") == 0, "exact name");
	e = cmd_lookup("listen", err, sizeof err);
	ok(e != NULL && strcmp(e->name, "tcp-server") == 0, "alias");
	e = cmd_lookup("sendh", err, sizeof err);
	ok(e != NULL && strcmp(e->name, "sendhex") == 0, "unique prefix");
	e = cmd_lookup("send", err, sizeof err);
	ok(e != NULL && strcmp(e->name, "send") == 0,
	    "exact match beats longer names");
	e = cmd_lookup("s", err, sizeof err);
	ok(e == NULL && strstr(err, "ambiguous") != NULL &&
	    strstr(err, "sendhex") != NULL && strstr(err, "stats") != NULL,
	    "ambiguous prefix lists candidates: %s", err);
	e = cmd_lookup("frobnicate", err, sizeof err);
	ok(e == NULL && strstr(err, "unknown command") != NULL,
	    "unknown command");
	e = cmd_lookup("sned", err, sizeof err);
	ok(e == NULL && strstr(err, "(did you mean send?)") != NULL,
	    "a swapped pair is near its command: %s", err);
}

/* The shared edit distance and "did you mean" (commands, settings). */
static void
test_shell_words(void)
{
	const char *line = "printf \"%s|\" \"b\\\"c\\\\\\n\" 'd\\e' f\\ g $HOME *";
	char **v, err[100];
	size_t n, i;

	ok(cmd_shell_words(line, strlen(line), &v, &n, err, sizeof err) == 0,
	    "shell words split");
	is_int(n, 7, "seven words");
	is_str(v[2], "b\"c\\\\n", "in double quotes: \\\" and \\\\ escape, "
	    "\\n stays");
	is_str(v[3], "d\\e", "in single quotes: literal");
	is_str(v[4], "f g", "outside quotes a backslash escapes a blank");
	is_str(v[5], "$HOME", "no expansion");
	ok(v[7] == NULL, "NULL-terminated");
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	ok(cmd_shell_words("a 'b", 4, &v, &n, err, sizeof err) == -1 &&
	    strstr(err, "single quote") != NULL, "unterminated: %s", err);
}

static void
test_near(void)
{
	static const char *const words[] = { "display", "delay", "dup",
	    "split", NULL };
	struct cmd_near nr;
	struct buf out = BUF_INIT;
	size_t i;

	ok(cmd_distance("send", "send") == 0, "distance to itself: 0");
	ok(cmd_distance("sned", "send") == 1, "a swap of neighbours: 1");
	ok(cmd_distance("displya", "display") == 1, "displya: 1 from display");
	ok(cmd_distance("dely", "delay") == 1, "a letter left out: 1");
	ok(cmd_distance("abc", "xyz") == 3, "all different: 3");
	ok(cmd_distance("", "ab") == 2, "from nothing: the length");

	cmd_near_init(&nr, "displya");
	for (i = 0; words[i] != NULL; i++)
		cmd_near_add(&nr, words[i]);
	cmd_near_put(&nr, &out);
	ok(strcmp(buf_cstr(&out), " (did you mean display?)") == 0,
	    "displya: did you mean display (%s)", buf_cstr(&out));
	buf_reset(&out);
	cmd_near_init(&nr, "sp");
	for (i = 0; words[i] != NULL; i++)
		cmd_near_add(&nr, words[i]);
	cmd_near_put(&nr, &out);
	ok(buf_len(&out) == 0, "not as many edits as the word is long: "
	    "nothing (%s)", buf_cstr(&out));
	cmd_near_init(&nr, "zzzzzz");
	for (i = 0; words[i] != NULL; i++)
		cmd_near_add(&nr, words[i]);
	cmd_near_put(&nr, &out);
	ok(buf_len(&out) == 0, "far from every word: nothing");
	buf_reset(&out);
	cmd_near_init(&nr, "dxlay");
	cmd_near_add(&nr, "delay");
	cmd_near_add(&nr, "dslay");
	cmd_near_add(&nr, "relay");
	cmd_near_put(&nr, &out);
	ok(strcmp(buf_cstr(&out), " (did you mean delay or dslay?)") == 0,
	    "the nearest only, all of them (%s)", buf_cstr(&out));
	buf_free(&out);
}

static int
has(char **v, const char *w)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], w) == 0)
			return 1;
	return 0;
}

static void
freev(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
test_complete(void)
{
	char **v;

	v = cmd_complete("", "tcp");
	ok(has(v, "tcp-server") && has(v, "tcp-client") && !has(v, "udp"),
	    "command names complete");
	freev(v);
	v = cmd_complete("tcp-client 127.0.0.1 80 ", "--t");
	ok(has(v, "--timeout") && !has(v, "--bind"), "option names complete");
	freev(v);
	v = cmd_complete("set 1 ", "disp");
	ok(has(v, "display"), "setting names complete");
	freev(v);
	v = cmd_complete("set 1 display ", "");
	ok(has(v, "hex") && has(v, "text") && has(v, "both") &&
	    has(v, "none"), "setting values complete");
	freev(v);
	v = cmd_complete("wait 1 ", "");
	ok(has(v, "connected") && has(v, "accepted") && has(v, "recv") &&
	    has(v, "closed"), "wait events complete");
	freev(v);
	v = cmd_complete("help ", "unix");
	ok(has(v, "unix-server") && has(v, "unix-client"),
	    "help completes command names");
	freev(v);
	v = cmd_complete("close ", "a");
	ok(has(v, "all"), "close completes all (its entry's own completer)");
	freev(v);
	v = cmd_complete("send ", "a");
	ok(!has(v, "all"), "send does not offer all");
	freev(v);
	v = cmd_complete("sockopt 1 ", "no");
	ok(has(v, "nodelay"), "sockopt completes option names");
	freev(v);
	v = cmd_complete("sockopt 1 nodelay ", "");
	ok(has(v, "on") && has(v, "off"), "a flag option completes on|off");
	freev(v);
	v = cmd_complete("set all ", "ec");
	ok(has(v, "echo"), "set all completes setting names");
	freev(v);
}

static void
test_settings(void)
{
	struct settings s = settings_default;
	const struct setting_def *d;
	char err[256];

	d = setting_find("framing");
	ok(d != NULL, "framing setting exists");
	ok(d->apply(&s, "len:2le", err, sizeof err) == 0 &&
	    s.frame.mode == FR_LEN && s.frame.arg == 2 && s.frame.le,
	    "len:2le parsed");
	ok(d->apply(&s, "delim:0d0a", err, sizeof err) == 0 &&
	    s.frame.mode == FR_DELIM && s.frame.delim_len == 2 && s.frame.delim[0] == 0x0d,
	    "delim:0d0a parsed");
	ok(d->apply(&s, "fixed:16", err, sizeof err) == 0 &&
	    s.frame.mode == FR_FIXED && s.frame.arg == 16, "fixed:16 parsed");
	ok(d->apply(&s, "len:3", err, sizeof err) == -1, "len:3 rejected");
	ok(d->apply(&s, "delim:", err, sizeof err) == -1,
	    "empty delimiter rejected");
	ok(d->apply(&s, "fixed:0", err, sizeof err) == -1, "fixed:0 rejected");
	d = setting_find("display");
	ok(d->apply(&s, "purple", err, sizeof err) == -1, "bad display");
	d = setting_find("max-display");
	ok(d->apply(&s, "-1", err, sizeof err) == -1, "negative max-display");
	d = setting_find("encoding");
	ok(d->apply(&s, "gbk", err, sizeof err) == 0 &&
	    strcmp(s.encoding, "gbk") == 0, "gbk accepted");
	ok(d->apply(&s, "no-such-charset", err, sizeof err) == -1,
	    "unknown encoding rejected");
	d = setting_find("reply");
	ok(d->apply(&s, "PING => PONG\\r\\n", err, sizeof err) == 0 &&
	    s.replies != NULL && s.replies->n == 1 &&
	    buf_len(&s.replies->r[0].response) == 6, "reply rule parsed");
	ok(d->apply(&s, "hex:00ff => hex:ff00", err, sizeof err) == 0 &&
	    s.replies->n == 2 && buf_peek(&s.replies->r[1].pattern)[1] == 0xff,
	    "hex reply rule added");
	ok(d->apply(&s, "no arrow", err, sizeof err) == -1,
	    "rule without => rejected");
	ok(d->apply(&s, "clear", err, sizeof err) == 0 && s.replies == NULL,
	    "reply clear");
	settings_release(&s);
}

int
main(void)
{
	test_tokenize();
	test_lookup();
	test_shell_words();
	test_near();
	test_complete();
	test_settings();
	return done_testing();
}
