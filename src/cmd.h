/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd.h — the command table and everything that turns a typed line into a
 * call: tokenizer, unique-prefix lookup, option and argument-count checks,
 * usage errors, completion, and commands that wait (pending). */
#ifndef SOCKTOOL_CMD_H
#define SOCKTOOL_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct session;
struct client;
struct cmd_bg;

enum cmd_status { CMD_OK, CMD_ERR, CMD_PENDING };

struct cmd_opt {
	const char	*name;		/* without the leading "--" */
	int		 has_arg;	/* 1, or CMD_OPT_DUR */
};
/* An optional value: the next word if it is a duration with its unit, or
 * --opt=DUR. */
#define CMD_OPT_DUR	2

/* Completing a positional argument: the word typed so far, its place
 * among the positionals, the words before it (command name first); a
 * completer offers candidates with cmd_compl_*(). */
struct cmd_token;

struct cmd_compl {
	const char		*text;
	size_t			 pos;
	const struct cmd_token	*words;
	size_t			 nwords;
	char			***v;
	size_t			*n;
};
void	cmd_compl_add(struct cmd_compl *, const char *word);
/* Each of the words of "a|b|c". */
void	cmd_compl_list(struct cmd_compl *, const char *list);
/* The ids of the sessions there are. */
void	cmd_compl_ids(struct cmd_compl *);
/* Completers shared by many commands: a session id first; the same with
 * "all"; a command name. */
void	cmd_complete_session(struct cmd_compl *);
void	cmd_complete_session_all(struct cmd_compl *);
void	cmd_complete_command(struct cmd_compl *);

#define CMD_REST	0x1	/* text after positionals+options is raw */
#define CMD_REST_OPT	0x2	/* ... and may be empty */
#define CMD_TARGET	0x4	/* argv[0] is one session: found before exec
				 * runs (c->s), or the command fails */
#define CMD_ID		0x8	/* argv[0] is an id (or all...): like
				 * CMD_TARGET, `use` may fill it in */

struct cmd_ctx;

struct cmd_entry {
	const char		*name;
	const char		*alias;
	const char		*usage;
	const char		*help;
	int			 lower, upper;	/* positional bounds, -1 = any */
	const struct cmd_opt	*opts;
	int			 flags;
	/* Its positional arguments' completion (NULL: none). */
	void			(*complete)(struct cmd_compl *);
	enum cmd_status		(*exec)(struct cmd_ctx *);
};

struct cmd_optval {
	const char	*name;
	const char	*value;		/* NULL for flags */
};

struct cmd_ctx {
	const struct cmd_entry	*ent;
	int			 argc;
	char			**argv;
	size_t			 nopts;
	struct cmd_optval	 opts[16];
	const char		*rest;	/* CMD_REST text, raw */
	size_t			 restlen;
	int			 interactive;
	struct client		*cl;	/* whose command it is */
	const char		*line;	/* the whole line, to run it again */
	size_t			 linelen;
	struct session		*s;	/* CMD_TARGET: the session argv[0] names */
};

/* One token of a command line: its unquoted text and its raw extent. */
struct cmd_token {
	char	*s;
	size_t	 start, end;
	int	 quoted;
};

int	cmd_tokenize(const char *line, size_t len, struct cmd_token **out,
	    size_t *n, char *err, size_t errlen);
void	cmd_tokens_free(struct cmd_token *, size_t);
/* A program's words, split as a shell splits them without expanding
 * anything; *out is NULL-terminated (free each word and it), or -1 with
 * err (an unterminated quote). */
int	cmd_shell_words(const char *s, size_t len, char ***out, size_t *n,
	    char *err, size_t errlen);
/* A COMMAND as the words of a program (exec, --exec): a NULL-terminated
 * malloc'd array (exec_argv_free), or NULL after a usage error. */
char	**cmd_exec_words(const struct cmd_ctx *, const char *text,
	    size_t len);

/* Find a command by name, alias or unique prefix.  On failure returns NULL
 * and writes "unknown command" / "ambiguous ... could be: ..." into err. */
const struct cmd_entry *cmd_lookup(const char *name, char *err, size_t errlen);

/* "did you mean": known words near a mistyped name (command names,
 * setting names), by an edit distance where a swap of neighbours is one
 * edit.  init, add every known word, then put " (did you mean X?)" or
 * nothing. */
struct cmd_near {
	const char	*name;
	size_t		 best, n;
	const char	*word[4];
};
size_t	cmd_distance(const char *, const char *);
void	cmd_near_init(struct cmd_near *, const char *name);
void	cmd_near_add(struct cmd_near *, const char *word);
void	cmd_near_put(const struct cmd_near *, struct buf *out);

/* Run one line for a client (client_run: with its output).  Whether the
 * client is at a prompt changes what "would block" means. */
enum cmd_status cmd_run(struct client *, const char *line, size_t len);
/* Commands of -c ("a; b") as lines, appended to out (SPEC §1). */
void	cmd_split(const char *s, struct buf *out);
/* Where a comment starts in a command line ('#' opening a word outside
 * quotes; "\#" is a '#'), or len when it has none. */
size_t	cmd_comment_start(const char *line, size_t len);

/* A usage with its "[--option ...]" groups folded into one "[options]":
 * what an error shows. */
void	cmd_short_usage(const char *usage, struct buf *out);

/* The command table, NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/* Helpers for handlers. */
const char	*cmd_opt(const struct cmd_ctx *, const char *name);
int		 cmd_has(const struct cmd_ctx *, const char *name);
enum cmd_status	 cmd_usage(const struct cmd_ctx *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
enum cmd_status	 cmd_fail(const struct cmd_ctx *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
struct session	*cmd_session(const struct cmd_ctx *, const char *arg);
int		 cmd_duration(const struct cmd_ctx *, const char *opt,
		    uint64_t def, uint64_t *ms);
void		 cmd_result_ok(const struct cmd_ctx *);
/* HOST PORT as two arguments (argv[0], argv[1]) or one "HOST:PORT"
 * ("[v6]:port"), into host; -1 after a usage error. */
int		 cmd_hostport(const struct cmd_ctx *, char *host, size_t hostlen,
		    uint16_t *port);
/* A server's [ADDR] PORT: *host is ADDR or NULL (every interface); without
 * ADDR, PORT may be "ADDR:PORT" ("[v6]:PORT") as one argument, split into
 * buf.  -1 after a usage error. */
int		 cmd_listen_port(const struct cmd_ctx *, const char **host,
		    const char *portarg, char *buf, size_t buflen,
		    uint16_t *port);
/* JSON result naming the session a command created. */
void		 cmd_result_session(const struct cmd_ctx *, const struct session *);
/* --reconnect [DUR] (role_reconnect.h): 0 without it, 1 with the first
 * wait in *ms, -1 after a usage error. */
int		 cmd_reconnect_opt(const struct cmd_ctx *, uint64_t *ms);
/* The first session of a reconnecting client, as the command's result. */
struct reconnect_opts;
enum cmd_status	 cmd_reconnect_start(const struct cmd_ctx *,
		    const struct reconnect_opts *);
/* set ID baud|mode|flow (cmd_serial.c): whether name is one, and the
 * change of s's line (s NULL: `set default`/`set all`, refused). */
int		 cmd_serial_setting(const char *name);
enum cmd_status	 cmd_serial_set(const struct cmd_ctx *, struct session *s,
		    const char *name, const char *value);
/* --proxy URL (SPEC §3.14) of a client to HOST: 0 without it, 1 with it
 * parsed into *px and the target as the proxy is to be asked for it in
 * target (socks5://: HOST resolved here first, cmd_names_first), -1 after
 * an error, 2 when *st is what the command returns (a lookup). */
struct proxy_url;
int		 cmd_proxy_opt(const struct cmd_ctx *, const char *host,
		    struct proxy_url *px, char *target, size_t targetlen,
		    enum cmd_status *st);

/* A command that waits, in its client: checked when woken by what it
 * waits for (client.h) or by its deadline.  What it waits for is its own
 * state, typed by its check; the fields here are the same for every
 * command. */
struct pending {
	int		 active;
	struct client	*cl;		/* whose wait it is */
	const struct cmd_entry *ent;
	/* 1 done, -1 failed (already reported), 0 keep waiting */
	int		(*check)(struct pending *);
	void		*state;		/* the waiting command's own */
	void		(*state_free)(void *);
	uint64_t	 deadline;	/* loop_now() ms, 0 = none */
	uint64_t	 timer;
	uint64_t	 timeout_ms;
	int		 interactive;
	/* Set by a check that succeeds: a line (malloc'd) to run now, in
	 * the place of the command that waited (cmd_names_first). */
	char		*again;
	size_t		 againlen;
};

/* Start waiting with check and the command's state (freed with state_free
 * when the wait ends; NULL: free()).  Returns at once if already done. */
enum cmd_status	 cmd_wait(const struct cmd_ctx *, uint64_t timeout_ms,
		    int (*check)(struct pending *), void *state,
		    void (*state_free)(void *));
/* The same for a command that only waits for an answer to print or to
 * run its line again with (resolve, a host name): in a script exactly
 * cmd_wait; at the prompt the command returns at once (CMD_OK) and the
 * wait goes on beside the prompt, its check run by cmd_bg_poll() when the
 * client is woken. */
enum cmd_status	 cmd_wait_bg(const struct cmd_ctx *, uint64_t timeout_ms,
		    int (*check)(struct pending *), void *state,
		    void (*state_free)(void *));
/* The client was woken: ends its waits beside the prompt that are done (a
 * line run again meanwhile is CMD_PENDING if it waits in turn). */
enum cmd_status	 cmd_bg_poll(struct client *);
/* The client goes: drop them all, silently. */
void		 cmd_bg_cancel(struct client *);
/* The common case: a wait about one session. */
enum cmd_status	 cmd_wait_id(const struct cmd_ctx *, unsigned id,
		    uint64_t timeout_ms, int (*check)(struct pending *));
/* The session a cmd_wait_id() wait is about. */
unsigned	 cmd_pending_id(const struct pending *);

/* Host names first (cmd_names.c): 0 when every hosts[i] (NULL ones
 * skipped) is numeric or already learnt, and the command goes on;
 * otherwise 1 and *st is what the command returns: an error, or a wait
 * after which the line runs again with the names answered at once. */
int		 cmd_names_first(const struct cmd_ctx *, const char *const *hosts,
		    const int *socktypes, size_t n, enum cmd_status *st);
/* The HOST of "HOST:PORT" ("[v6]:PORT") into buf; NULL when it does not
 * parse (the command's own parsing says why later).  NULL in, NULL out. */
const char	*cmd_host_of(const char *hostport, char *buf, size_t len);

/* The check of a connect (or handshake) in progress: done once the
 * session is connected, failed if it closed. */
int		 cmd_connect_check(struct pending *);
/* The TLS options every TLS command shares (cmd_tls.c), checked; -1
 * after a usage error.  A server's own certificate shown (the result). */
struct tls_opts;
struct tls_cfg;
int		 cmd_tls_opts(struct cmd_ctx *, struct tls_opts *);
void		 cmd_tls_own_cert(const struct cmd_ctx *, const struct session *,
		    const struct tls_cfg *);
/* The same, with fail before the reason the session closed. */
int		 cmd_open_check(struct pending *, const char *fail);
/* The client was woken: CMD_PENDING while its command waits, else the
 * result. */
enum cmd_status	 cmd_pending_poll(struct client *);
/* Ctrl-C / the client goes: why is the command's error (NULL: quietly). */
void		 cmd_pending_cancel(struct client *, const char *why);

/* Completion: candidates for the word `text`, given the line before it.
 * Returns a NULL-terminated malloc'd array of malloc'd strings, or NULL. */
char		**cmd_complete(const char *before, const char *text);
/* 1 when the word after `before` is a file name (the usage says FILE or
 * PATH there): the terminal completes it from the file system. */
int		 cmd_complete_path(const char *before);

/* The bytes of one send (cmd_send.c): tmpl expanded for s when fill is
 * given (--fill), then the checksum ck (--append) when given, then eol
 * (the send-eol setting's bytes; NULL for none). */
struct fill;
struct check_spec;
struct ring;
void		 cmd_make_msg(struct session *, const struct buf *tmpl,
		    const struct fill *fill, const struct check_spec *ck,
		    const struct buf *eol, struct buf *out);
/* A line ending (enum eol_mode) in s's encoding, appended to out. */
void		 cmd_eol_bytes(const struct session *s, int eol,
		    struct buf *out);
/* Look for pat in win from the stream offset *pos; on a match move *pos
 * past it (cmd_script.c).  Each client keeps its own positions. */
int		 cmd_expect_in(const struct ring *win, const struct buf *pat,
		    struct buf *scratch, uint64_t *pos);

/* Repeats (cmd_send.c) and file transfers (cmd_sendfile.c). */
int		 cmd_repeat_describe(unsigned id, struct buf *out);
int		 cmd_data_busy(void);
int		 cmd_sendfile_busy(void);
int		 cmd_sendfile_interrupt(struct client *);
int		 cmd_sendfile_stop(struct session *);
void		 cmd_sendfile_init(void);
void		 cmd_sendfile_cleanup(void);
/* Ctrl-C: stop the transfers the last sendfile started; 1 if it did. */
int		 cmd_data_interrupt(struct client *);
void		 cmd_data_init(void);
void		 cmd_data_cleanup(void);

/* A line typed to the session the client is attached to. */
void		 cmd_attach_line(struct client *, const char *line, size_t len);

#endif
