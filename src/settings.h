/* SPDX-License-Identifier: GPL-3.0-or-later */
/* settings.h — per-session settings (`set`): the settings themselves, and one
 * table of names, accepted values, parsers and formatters shared by `set`,
 * `show` and completion. */
#ifndef SOCKTOOL_SETTINGS_H
#define SOCKTOOL_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "check.h"
#include "fill.h"
#include "frame.h"
#include "rx.h"

enum disp_mode { DISP_TEXT, DISP_HEX, DISP_BOTH, DISP_NONE };
enum eol_mode { EOL_LF, EOL_CRLF, EOL_CR, EOL_NONE };
enum echo_mode { ECHO_OFF, ECHO_ON, ECHO_UPPER };

/* Auto-reply rules, shared between sessions that copied the same settings
 * and replaced (never changed in place) when a rule is added. */
struct reply_rule {
	struct buf	 pattern;	/* plain rule: the bytes to find */
	struct buf	 response;	/* plain rule: the answer */
	/* Regex rule (/REGEX/flags): the compiled pattern and the answer
	 * with its capture references; NULL/empty in a plain rule. */
	struct rx	*rx;
	struct rx_tmpl	 tmpl;
	int		 fill;		/* --fill: placeholders in the answer */
	int		 have_check;	/* --append CHECK */
	struct check_spec check;
	char		*text;		/* as the user wrote it */
	/* Rewrite rules: occurrences replaced so far, by every session that
	 * shares the rules (a relay and its pairs). */
	uint64_t	 hits;
};
struct reply_rules {
	unsigned		 refs;
	size_t			 n;
	struct reply_rule	 r[];
};

struct settings {
	/* Sessions holding this copy (settings_hold); 0: a plain value (the
	 * defaults, a scratch copy), never shared. */
	unsigned	refs;
	int		display;	/* enum disp_mode */
	int		show_sent;
	int		timestamps;
	uint64_t	max_display;	/* 0 = unlimited */
	int		eol;		/* enum eol_mode */
	int		send_eol;	/* enum eol_mode: what send appends */
	char		encoding[32];
	struct frame_spec frame;
	int		echo;		/* enum echo_mode */
	int		half_close;	/* peer EOF leaves us able to send */
	int		have_check;	/* verify received messages (`check`) */
	struct check_spec check;
	/* Fault shaping of what is sent (SPEC 3.8), and reading on/off. */
	unsigned	split;		/* write at most this much at once; 0 off */
	uint64_t	split_gap_ms;	/* between two pieces; 0: one a turn */
	uint64_t	delay_ms;	/* hold each chunk this long (latency) */
	uint64_t	jitter_ms;	/* plus 0..this at random, order kept */
	uint64_t	rate;		/* bytes per second; 0 off */
	int		read_off;	/* stop reading (the peer's window fills) */
	unsigned	drop, dup;	/* UDP: percent of datagrams */
	uint64_t	seed;		/* of drop/dup/jitter choices; 0 = random */
	struct reply_rules *replies;
	struct reply_rules *rewrites;	/* relay: rewrite forwarded bytes */
};

/* The bytes of a line ending: "\n", "\r\n", "\r" or "". */
const char	*settings_eol_bytes(int eol);

/* What sessions created from now on start with (`set default`). */
extern struct settings	 settings_default;

void		 settings_copy(struct settings *, const struct settings *);
void		 settings_release(struct settings *);
/*
 * A session's settings are shared, copy on write: a server's peers hold
 * the server's copy until either changes it, so an idle peer costs no
 * settings of its own.  hold: src itself when it is shared already, else
 * a new shared copy of it.  drop: one holder less.  own: *p made the
 * caller's alone (copied if others hold it), to change.
 */
const struct settings *settings_hold(const struct settings *src);
void		 settings_drop(const struct settings *);
struct settings	*settings_own(const struct settings **p);
const char	*settings_display_name(int display);

struct setting_def {
	const char	*name;
	const char	*values;	/* "a|b|c" for completion, or NULL */
	const char	*help;
	/* Parse value into s; -1 with err on a bad value (s untouched). */
	int		(*apply)(struct settings *s, const char *value,
			    char *err, size_t errlen);
	void		(*format)(const struct settings *s, struct buf *out);
};

extern const struct setting_def setting_defs[];

const struct setting_def *setting_find(const char *name);

/*
 * The answer of reply rule r to the message p[0..n): 1 with the bytes
 * appended to out (captures substituted, placeholders expanded with env,
 * the checksum appended), 0 when r does not match, -1 with err when it
 * matched but the answer cannot be made (a placeholder a capture broke).
 */
int		 reply_answer(const struct reply_rule *r, const unsigned char *p,
		    size_t n, const struct fill_env *env, struct buf *out,
		    char *err, size_t errlen);

#endif
