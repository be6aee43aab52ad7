/* SPDX-License-Identifier: GPL-3.0-or-later */
/* client.h — a source of commands (SPEC §9 "Clients"): the terminal, a
 * script, and each control connection.  A client has its own output (an
 * out_sink), its own pending command, its own attached session and its own
 * expect positions.  A waiting command is woken by what it waits for — a
 * session event or traffic (seen by this module's pipeline tap), a timer,
 * a lookup's answer (client_wake) — never polled after every loop turn. */
#ifndef SOCKTOOL_CLIENT_H
#define SOCKTOOL_CLIENT_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "out.h"

struct session;

/* How far a client has looked at one session's traffic. */
struct client_pos {
	unsigned	 id;
	uint64_t	 rx;		/* expect: stream offset consumed */
	uint64_t	 recv;		/* wait recv: messages seen */
	uint64_t	 accepted;	/* wait accepted: peers seen */
};

struct client {
	TAILQ_ENTRY(client) entry;	/* in the list of clients */
	const char	*name;		/* "terminal", "script", "ctl 4211" */
	int		 interactive;	/* at a prompt: waits do not hold it */
	struct out_sink	*sink;		/* where its results go */
	struct pending	 pending;	/* the command it waits on */
	TAILQ_HEAD(, cmd_bg) bgs;	/* waits beside its prompt */
	unsigned	 attached;	/* `attach`: the session, 0 none */
	unsigned	 use;		/* `use`: the current session, 0 none */
	int		 quit;		/* `quit` was given */
	/* The client's held command changed: CMD_PENDING when one started
	 * waiting outside client_run (a line run again after a lookup),
	 * CMD_OK/CMD_ERR when one that waited has finished. */
	void		(*done)(struct client *, enum cmd_status);
	void		*arg;		/* the owner's */
	uint64_t	 wake_timer;
	struct client_pos *pos;
	size_t		 npos, apos;
};

/* A new client whose positions start now: bytes and events of sessions
 * that already exist count from this moment. */
struct client	*client_new(const char *name, int interactive,
		    struct out_sink *, void (*done)(struct client *,
		    enum cmd_status), void *arg);
/* `use`: the current session closed: its successor (--reconnect) takes
 * its place, or there is none; said in the current sink. */
void		 client_use_check(struct client *);
/* It goes: its pending command is cancelled (quietly), its sessions stay. */
void		 client_free(struct client *);
/* Run one line for the client, its output to its sink. */
enum cmd_status	 client_run(struct client *, const char *line, size_t len);
/* Something happened that a waiting command may be waiting for: every
 * client that waits looks again, from the loop (never inside the caller's
 * stack, which may be a session's receive path). */
void		 client_wake(void);
/* One client's wait looks again (its timer fired). */
void		 client_wake_one(struct client *);
/* Cancel the client's pending command with why as its error. */
void		 client_cancel(struct client *, const char *why);
/* The client's position on session id (made on first use: a session
 * created after the client starts at 0; one closed keeps its entry while
 * what it left can still be matched). */
struct client_pos *client_pos(struct client *, unsigned id);
/* Any client with a command waiting? */
int		 client_waiting(void);
/* `control NAME` from any client: the control socket is the instance's,
 * so main says how it is made (control_listen); -1 with err. */
void		 client_set_control(int (*listen)(const char *name, char *err,
		    size_t errlen));
int		 client_control(const char *name, char *err, size_t errlen);
/* Registers the tap that wakes waiting clients. */
void		 client_init(void);
void		 client_done(void);

#endif
