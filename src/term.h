/* SPDX-License-Identifier: GPL-3.0-or-later */
/* term.h — the terminal and the command input: GNU readline at a prompt
 * (the only user of readline), or plain lines from a script or pipe.  Output
 * is written above the prompt without damaging the line being typed. */
#ifndef SOCKTOOL_TERM_H
#define SOCKTOOL_TERM_H

#include <stddef.h>

enum term_input {
	TERM_USER,	/* a line typed at the prompt */
	TERM_SCRIPT,	/* a line from a script, a pipe or -c */
	TERM_BAD,	/* an unusable line, already reported */
	TERM_EOF,	/* the end of input (line is NULL) */
};
typedef void	(*term_line_cb)(const char *line, size_t len, enum term_input);

/* Maximum command line; longer lines are rejected with one error. */
#define TERM_MAX_LINE	(64u << 10)

int	term_init(int interactive, int fd, term_line_cb cb, const char *prompt,
	    char *err, size_t errlen);
/* Queue lines to run before the input (from -c). */
void	term_feed(const char *s, size_t n);
/* Start delivering lines (after term_feed). */
void	term_start(void);
/* Stop delivering lines (a command is pending) / start again. */
void	term_pause(void);
void	term_resume(void);
/* Stop reading input for good (quit, or a script failed). */
void	term_stop(void);
/* Write pending output (out.h) above the prompt. */
void	term_flush(void);
/* A progress line kept in place, last above the prompt, at a terminal
 * (NULL removes it); elsewhere each call prints an ordinary line. */
void	term_status(const char *line);
/* Ctrl-C at the prompt: drop the line being typed. */
void	term_interrupt(void);
/* Ctrl-C cancelled a command that was waiting (the terminal echoed it). */
void	term_cancelled(void);
void	term_winch(void);
/* Run the lines of a file (`source`) before the rest of the input. */
#define TERM_MAX_DEPTH	16
int	term_source(const char *name, const char *data, size_t len,
	    char *err, size_t errlen);
void	term_source_abort(void);
int	term_sourcing(void);
/* The script's name, used in "error: FILE:LINE: ..." */
void	term_set_name(const char *name);
void	term_set_prompt(const char *prompt);
typedef void	(*term_key_cb)(void);
/* Ctrl-] calls cb (attach mode ends). */
void	term_on_detach_key(term_key_cb cb);
/* Ctrl-D on an empty line calls cb: 1 ends the input, 0 keeps the prompt
 * (cb has said why: attach mode ended, or it asks before quitting). */
typedef int	(*term_eof_cb)(void);
void	term_on_eof_key(term_eof_cb cb);
/* Off: typed lines never enter the history or its file (attach mode: what
 * is typed to a device may be a password). */
void	term_set_history(int on);
/* Throw away the line being typed; returns how long it was (0: none). */
size_t	term_drop_line(void);
/* Completion: candidates for the word `text` given the line before it
 * (a NULL-terminated malloc'd array, or NULL), and whether that word is a
 * file name (readline's own completion then). */
void	term_set_completion(char **(*complete)(const char *before,
	    const char *text), int (*is_path)(const char *before));
/* Restore the terminal and save history. */
void	term_done(void);

#endif
