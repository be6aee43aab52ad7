/* SPDX-License-Identifier: GPL-3.0-or-later */
/* term.c — readline prompt and script input (see term.h).  This is the only
 * file that includes readline. */
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <termios.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "buf.h"
#include "codec.h"
#include "loop.h"
#include "out.h"
#include "term.h"

/* A file run by `source`, read whole (it is small) and run line by line. */
struct frame {
	struct frame	*up;
	char		*name;
	char		*data;
	size_t		 len, pos;
	unsigned	 lineno;
};

static struct {
	int		 interactive;
	int		 fd;
	int		 regular;	/* a file: always readable, no polling */
	int		 registered;
	int		 eof;
	int		 eof_sent;
	int		 paused;
	int		 stopped;
	int		 skipping;	/* discarding the rest of a long line */
	int		 rl_on;
	int		 in_pump;
	int		 in_line;	/* running a typed line: the cursor is
					 * already below the prompt */
	int		 repump;
	struct buf	 in;
	size_t		 feed_left;	/* bytes at the front of in from -c */
	const char	*name;		/* script file name, for locations */
	unsigned	 lineno;
	struct frame	*frames;	/* sourced files, innermost first */
	int		 depth;
	int		 attach_key;
	int		 no_history;	/* attach mode: lines stay off the
					 * history and its file */
	int		 in_eof;	/* in the Ctrl-D handler */
	struct buf	 paste;		/* whole lines of a paste, not run yet */
	char		*paste_tail;	/* its last line without a newline:
					 * left at the prompt for editing */
	int		 paste_bound;
	int		 pasting;	/* in term_paste: reads wait no more
					 * than PASTE_GAP_MS */
	int		 tty_saved;
	struct termios	 tty;		/* as found, restored at the end */
	term_eof_cb	 eof_cb;
	term_line_cb	 cb;
	const char	*prompt;
	char		*histfile;
	char		**(*complete)(const char *, const char *);
	int		(*is_path)(const char *);
} T;

static void	term_pump(void);
static void	term_repump(void *);
static void	term_interest(void);
static void	term_rl_remove(void);

static void
term_write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* stdout made non-blocking by someone else:
				 * wait for it rather than lose output. */
				usleep(1000);
				continue;
			}
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/*
 * Print above the prompt: take the prompt and the typed text off the
 * screen, write, then draw them again below, cursor where it was.
 */
static char *saved_line;
static int saved_point;

static void
term_hide_prompt(void)
{
	saved_point = rl_point;
	saved_line = rl_copy_text(0, rl_end);
	rl_save_prompt();
	rl_replace_line("", 0);
	rl_redisplay();
}

static void
term_show_prompt(void)
{
	rl_restore_prompt();
	rl_replace_line(saved_line, 0);
	rl_point = saved_point;
	free(saved_line);
	saved_line = NULL;
	rl_forced_update_display();
}

/*
 * The status line (term_status): at a terminal it is kept as the last line
 * of output, just above the prompt, and rewritten in place; everything
 * else printed goes above it.
 */
static char	*status;
static int	 status_dirty;	/* changed since drawn */
static int	 status_shown;	/* on screen: the line above the prompt (with
				 * readline) or the cursor's line (without) */

static void
term_status_erase(void)
{
	if (!status_shown)
		return;
	/* With readline the prompt line was just emptied: the status is the
	 * line above it. */
	if (T.rl_on)
		term_write_all(1, "\033[A\r\033[K", 7);
	else
		term_write_all(1, "\r\033[K", 4);
	status_shown = 0;
}

static void
term_status_draw(void)
{
	unsigned w = out_width();

	status_dirty = 0;
	if (status == NULL)
		return;
	/* Never as wide as the terminal: a line that wraps is two rows,
	 * and the erase takes back only the last. */
	term_write_all(1, status, out_fit(status, strlen(status),
	    w > 1 ? w - 1 : 1, NULL));
	if (T.rl_on)
		term_write_all(1, "\n", 1);
	status_shown = 1;
}

void
term_status(const char *line)
{
	if (!T.interactive || !isatty(1)) {
		/* A file or a pipe: one ordinary line per update. */
		if (line != NULL)
			out_info("%s", line);
		return;
	}
	free(status);
	status = line != NULL ? xstrdup(line) : NULL;
	status_dirty = 1;
}

void
term_flush(void)
{
	struct out_sink *o = out_main();

	if (buf_len(&o->out) == 0 && buf_len(&o->err) == 0 && !status_dirty)
		return;
	if (T.rl_on && !T.in_line) {
		term_hide_prompt();
		term_status_erase();
	} else {
		/* Running a typed line, the cursor is below the prompt and
		 * the status above it stays behind as an ordinary line. */
		if (T.rl_on)
			status_shown = 0;
		term_status_erase();
	}
	/* stdout first: an error follows what was printed before it. */
	term_write_all(1, (char *)buf_peek(&o->out), buf_len(&o->out));
	term_write_all(2, (char *)buf_peek(&o->err), buf_len(&o->err));
	if (!T.rl_on || !T.in_line)
		term_status_draw();
	if (T.rl_on && !T.in_line)
		term_show_prompt();
	buf_reset(&o->out);
	buf_free(&o->err);
	/* Keep the buffer between bursts (regrowing it costs more than the
	 * memory), unless a burst made it huge. */
	if (o->out.cap > (32u << 20))
		buf_free(&o->out);
}

void
term_set_completion(char **(*complete)(const char *, const char *),
    int (*is_path)(const char *))
{
	T.complete = complete;
	T.is_path = is_path;
}

/* Readline. */
static void
term_history_add(const char *line)
{
	HIST_ENTRY *last;

	if (*line == '\0' || T.no_history)
		return;
	last = history_length > 0 ?
	    history_get(history_base + history_length - 1) : NULL;
	if (last == NULL || strcmp(last->line, line) != 0)
		add_history(line);
}

/* A line typed (or pasted) at the prompt. */
static void
term_run_typed(const char *line, size_t len)
{
	if (len > TERM_MAX_LINE) {
		out_error(NULL, "line too long (at most %u bytes); ignored",
		    TERM_MAX_LINE);
		T.cb(NULL, 0, TERM_BAD);
		return;
	}
	out_set_where(NULL);
	T.in_line = 1;
	T.cb(line, len, TERM_USER);
	term_flush();
	T.in_line = 0;
}

static void
term_rl_line(char *line)
{
	if (line == NULL) {
		/* Ctrl-D on an empty line.  The owner may keep the prompt
		 * (attach mode ends, or sessions are open and it asks
		 * first); readline then draws a fresh one itself. */
		const char *bp = rl_variable_value("enable-bracketed-paste");

		/* readline ends the line itself when it had bracketed paste
		 * on (it leaves it before calling us). */
		if (bp == NULL || strcmp(bp, "on") != 0)
			term_write_all(1, "\n", 1);
		if (T.eof_cb != NULL) {
			int end;

			/* The cursor is on a fresh line with no prompt: what
			 * the owner says is written as it is (in_line). */
			T.in_eof = T.in_line = 1;
			end = T.eof_cb();
			if (!end)
				term_flush();
			T.in_eof = T.in_line = 0;
			if (!end) {
				/* Or it would end every later line twice. */
				rl_eof_found = 0;
				return;
			}
		}
		rl_callback_handler_remove();
		T.rl_on = 0;
		T.eof = 1;
		T.eof_sent = 1;
		term_interest();	/* the terminal leaves the loop */
		T.cb(NULL, 0, TERM_EOF);
		return;
	}
	term_history_add(line);
	term_run_typed(line, strlen(line));
	free(line);
	if (T.frames != NULL || buf_len(&T.paste) > 0)
		term_pump();
}

static char	**term_cands;
static size_t	  term_cand_i;

static char *
term_cand_gen(const char *text, int state)
{
	(void)text;
	if (state == 0)
		term_cand_i = 0;
	if (term_cands == NULL || term_cands[term_cand_i] == NULL)
		return NULL;
	return strdup(term_cands[term_cand_i++]);
}

static char **
term_complete(const char *text, int start, int end)
{
	char *before = strndup(rl_line_buffer, (size_t)start);
	char **m;
	size_t i;

	(void)end;
	rl_attempted_completion_over = 1;	/* readline's fallback is file
						 * names, for every word */
	if (T.is_path != NULL && T.is_path(before)) {
		free(before);
		return rl_completion_matches(text,
		    rl_filename_completion_function);
	}
	term_cands = T.complete != NULL ? T.complete(before, text) : NULL;
	free(before);
	m = rl_completion_matches(text, term_cand_gen);
	for (i = 0; term_cands != NULL && term_cands[i] != NULL; i++)
		free(term_cands[i]);
	free(term_cands);
	term_cands = NULL;
	return m;
}

/*
 * A bracketed paste: the terminal sends pasted text between ESC [200~ and
 * ESC [201~.  readline would make all of it, newlines included, one line;
 * here every pasted line is a command of its own, run in order as if it
 * had been typed, and text after the last newline stays at the prompt to
 * be edited.
 */
#define PASTE_END	"\033[201~"
#define PASTE_MAX	(16u << 20)
#define PASTE_GAP_MS	200	/* a paste that stops this long has ended */

/* readline's reads, but inside a paste never waiting more than
 * PASTE_GAP_MS: a terminal that loses the end mark (or Alt-[ 200~ typed)
 * must not stop the loop and every session with it. */
static int
term_getc(FILE *in)
{
	struct pollfd p = { .fd = fileno(in), .events = POLLIN };

	if (T.pasting && poll(&p, 1, PASTE_GAP_MS) == 0)
		return EOF;
	return rl_getc(in);
}

static int
term_paste(int count, int key)
{
	struct buf b = BUF_INIT;
	size_t m = 0, endlen = sizeof PASTE_END - 1, lost = 0;
	char *p, *nl, *last;
	int c;

	(void)count;
	(void)key;
	T.pasting = 1;
	while ((c = rl_read_key()) >= 0) {
		if (c == PASTE_END[m]) {
			if (++m == endlen)
				break;
			continue;
		}
		if (m > 0) {
			buf_append(&b, PASTE_END, m);
			m = c == PASTE_END[0];
			if (m)
				continue;
		}
		if (c == '\0')
			continue;	/* a line is a C string */
		if (buf_len(&b) >= PASTE_MAX) {
			lost++;
			continue;
		}
		/* Terminals send a pasted newline as CR: CR LF, CR and LF
		 * all end a line. */
		if (c == '\n' && buf_len(&b) > 0 &&
		    buf_peek(&b)[buf_len(&b) - 1] == '\r') {
			buf_peek(&b)[buf_len(&b) - 1] = '\n';
			continue;
		}
		buf_putc(&b, c == '\r' ? '\n' : (char)c);
	}
	T.pasting = 0;
	if (lost > 0)
		out_error(NULL, "paste too long: the last %zu bytes were "
		    "dropped", lost);
	p = (char *)buf_cstr(&b);
	nl = strchr(p, '\n');
	if (nl == NULL) {
		rl_insert_text(p);
		buf_free(&b);
		return 0;
	}
	/* The first line ends the one being typed; the others wait. */
	*nl = '\0';
	rl_insert_text(p);
	last = strrchr(nl + 1, '\n');
	if (last != NULL)
		buf_append(&T.paste, nl + 1, (size_t)(last + 1 - (nl + 1)));
	else
		last = nl;
	if (last[1] != '\0') {
		free(T.paste_tail);
		T.paste_tail = xstrdup(last + 1);
	}
	buf_free(&b);
	rl_redisplay();
	return rl_newline(1, '\n');
}

/* The next pasted line, shown after the prompt as readline would. */
static void
term_run_pasted(void)
{
	unsigned char *p = buf_peek(&T.paste);
	unsigned char *nl = memchr(p, '\n', buf_len(&T.paste));
	size_t len = (size_t)(nl - p);
	struct buf echo = BUF_INIT;
	char *line = xstrndup((char *)p, len);

	buf_consume(&T.paste, len + 1);
	term_rl_remove();
	term_flush();
	buf_puts(&echo, T.prompt);
	out_escape_msg(line, len, &echo);
	buf_putc(&echo, '\n');
	term_write_all(1, (char *)buf_peek(&echo), buf_len(&echo));
	buf_free(&echo);
	term_history_add(line);
	term_run_typed(line, len);
	free(line);
}

static void
term_rl_install(void)
{
	if (T.rl_on || !T.interactive || T.paused || T.stopped || T.eof)
		return;
	rl_callback_handler_install(T.prompt, term_rl_line);
	T.rl_on = 1;
	if (!T.paste_bound) {
		/* After readline's own start-up, which binds its paste. */
		T.paste_bound = 1;
		rl_bind_keyseq_in_map("\033[200~", term_paste,
		    emacs_standard_keymap);
		rl_bind_keyseq_in_map("\033[200~", term_paste,
		    vi_insertion_keymap);
	}
}

/* Each new line at the prompt: the end of a paste that had no newline,
 * once the lines before it have run. */
static int
term_line_start(void)
{
	if (T.paste_tail != NULL && buf_len(&T.paste) == 0) {
		rl_insert_text(T.paste_tail);
		free(T.paste_tail);
		T.paste_tail = NULL;
	}
	return 0;
}

static void
term_rl_remove(void)
{
	if (!T.rl_on)
		return;
	/* Leave the typed text on screen; a pending command prints below. */
	rl_callback_handler_remove();
	T.rl_on = 0;
}

static char *
term_history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct buf p = BUF_INIT;
	char *dir, *slash;

	if (state != NULL && *state == '/')
		buf_printf(&p, "%s/socktool/history", state);
	else if (home != NULL && *home != '\0')
		buf_printf(&p, "%s/.local/state/socktool/history", home);
	else
		return NULL;
	/* mkdir -p of the directory part. */
	dir = xstrdup(buf_cstr(&p));
	slash = strrchr(dir, '/');
	*slash = '\0';
	for (char *q = dir + 1; *q != '\0'; q++) {
		if (*q == '/') {
			*q = '\0';
			mkdir(dir, 0700);
			*q = '/';
		}
	}
	mkdir(dir, 0700);
	free(dir);
	return (char *)buf_cstr(&p);
}

/* Input. */
static void
term_on_input(int fd, int events, void *arg)
{
	char chunk[16384];
	ssize_t r;

	(void)events;
	(void)arg;
	if (T.interactive) {
		if (T.rl_on)
			rl_callback_read_char();
		return;
	}
	r = read(fd, chunk, sizeof chunk);
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0)
		T.eof = 1;
	else
		buf_append(&T.in, chunk, (size_t)r);
	term_pump();
}

static void
term_interest(void)
{
	int want;

	if (!T.registered)
		return;
	if (T.eof) {
		/* epoll reports a hung-up pipe even with no interest: an
		 * input that has ended leaves the loop for good. */
		loop_del(T.fd);
		T.registered = 0;
		return;
	}
	if (T.interactive)
		want = T.rl_on ? LOOP_READ : 0;
	else
		want = !T.paused && !T.stopped && !T.eof &&
		    buf_len(&T.in) < TERM_MAX_LINE * 2 ? LOOP_READ : 0;
	loop_set(T.fd, want);
}

static void
term_frame_pop(void)
{
	struct frame *f = T.frames;

	T.frames = f->up;
	T.depth--;
	free(f->name);
	free(f->data);
	free(f);
}

int
term_source(const char *name, const char *data, size_t len, char *err,
    size_t errlen)
{
	struct frame *f;

	if (T.depth >= TERM_MAX_DEPTH) {
		snprintf(err, errlen, "sources nested more than %d deep",
		    TERM_MAX_DEPTH);
		return -1;
	}
	f = xcalloc(1, sizeof *f);
	f->up = T.frames;
	f->name = xstrdup(name);
	f->data = xstrndup(data, len);
	f->len = len;
	T.frames = f;
	T.depth++;
	return 0;
}

void
term_source_abort(void)
{
	while (T.frames != NULL)
		term_frame_pop();
}

int
term_sourcing(void)
{
	return T.frames != NULL;
}

/* Errors from now on name this line of a file (none: NULL). */
static void
term_set_where(const char *name, unsigned lineno)
{
	struct buf where = BUF_INIT;

	/* Kept after the call (in the sink): a command that waits reports
	 * its failure later, and still names its line.  The name is escaped
	 * like any name shown: a file may be called "\e]0;TITLE\a". */
	out_set_where(NULL);
	if (name == NULL)
		return;
	codec_escape((const unsigned char *)name, strlen(name), &where, 0);
	buf_printf(&where, ":%u", lineno);
	out_set_where(buf_cstr(&where));
	buf_free(&where);
}

/* Run one line with its location known to error messages. */
static void
term_dispatch(const char *line, size_t len, const char *name,
    unsigned lineno)
{
	term_set_where(name, lineno);
	if (len > TERM_MAX_LINE) {
		out_error(NULL, "line too long (%zu bytes, at most %u); "
		    "ignored", len, TERM_MAX_LINE);
		T.cb(NULL, 0, TERM_BAD);
	} else
		T.cb(line, len, TERM_SCRIPT);
}

/* Deliver complete lines while nobody is waiting. */
static void
term_pump(void)
{
	int budget = 4096;

	if (T.in_pump)
		return;
	T.in_pump = 1;
	while (!T.paused && !T.stopped && budget-- > 0) {
		unsigned char *p = buf_peek(&T.in);
		size_t n = buf_len(&T.in);
		unsigned char *nl;

		if (T.frames != NULL) {
			struct frame *f = T.frames;
			char *e, *line;
			size_t len;

			if (f->pos >= f->len) {
				term_frame_pop();
				continue;
			}
			term_rl_remove();
			e = memchr(f->data + f->pos, '\n', f->len - f->pos);
			len = e ? (size_t)(e - (f->data + f->pos)) :
			    f->len - f->pos;
			line = xstrndup(f->data + f->pos, len);
			f->pos += len + (e != NULL);
			f->lineno++;
			term_dispatch(line, len, f->name, f->lineno);
			free(line);
			continue;
		}
		if (T.interactive && buf_len(&T.paste) > 0) {
			term_run_pasted();
			continue;
		}
		nl = memchr(p, '\n', n);
		if (nl != NULL) {
			size_t len = (size_t)(nl - p);
			int fed = T.feed_left > 0;
			char *line;

			T.feed_left = fed ? (T.feed_left > len + 1 ?
			    T.feed_left - len - 1 : 0) : 0;
			if (!fed)
				T.lineno++;
			if (T.skipping) {
				T.skipping = 0;
				buf_consume(&T.in, len + 1);
				continue;
			}
			line = xstrndup((char *)p, len);
			buf_consume(&T.in, len + 1);
			term_dispatch(line, len, fed ? NULL : T.name, T.lineno);
			free(line);
			continue;
		}
		if (n > TERM_MAX_LINE && !T.skipping) {
			/* The line still being read: counted when its
			 * newline comes. */
			term_set_where(T.feed_left > 0 ? NULL : T.name,
			    T.lineno + 1);
			out_error(NULL, "line too long (more than %u bytes); "
			    "ignored", TERM_MAX_LINE);
			T.skipping = 1;
			buf_reset(&T.in);
			T.cb(NULL, 0, TERM_BAD);
			continue;
		}
		if (T.skipping)
			buf_reset(&T.in);
		if (T.interactive) {
			term_rl_install();
			break;
		}
		if (T.eof) {
			if (n > 0) {
				/* A last line without its newline. */
				buf_putc(&T.in, '\n');
				continue;
			}
			if (!T.eof_sent) {
				T.eof_sent = 1;
				T.cb(NULL, 0, TERM_EOF);
			}
			break;
		}
		if (T.regular) {
			char chunk[65536];
			ssize_t r = read(T.fd, chunk, sizeof chunk);

			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0)
				T.eof = 1;
			else
				buf_append(&T.in, chunk, (size_t)r);
			continue;
		}
		break;
	}
	T.in_pump = 0;
	term_interest();
	/* Out of budget with lines left: come back on the next iteration,
	 * so sessions are serviced during a long script. */
	if (budget <= 0 && !T.paused && !T.stopped && !T.repump) {
		T.repump = 1;
		loop_timer_add(0, term_repump, NULL);
	}
}

static void
term_repump(void *arg)
{
	(void)arg;
	T.repump = 0;
	term_pump();
}

void
term_feed(const char *s, size_t n)
{
	buf_append(&T.in, s, n);
	if (n == 0 || s[n - 1] != '\n')
		buf_putc(&T.in, '\n');
	T.feed_left = buf_len(&T.in);
}

void
term_set_name(const char *name)
{
	T.name = name;
}

int
term_init(int interactive, int fd, term_line_cb cb, const char *prompt,
    char *err, size_t errlen)
{
	struct stat st;

	memset(&T, 0, sizeof T);
	out_main()->flush = term_flush;
	T.interactive = interactive;
	T.fd = fd;
	T.cb = cb;
	T.prompt = prompt;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		T.regular = 1;
	if (!T.regular) {
		if (loop_add(fd, 0, term_on_input, NULL) == 0)
			T.registered = 1;
		else if (errno == EPERM && !interactive)
			T.regular = 1;	/* /dev/null and the like: not pollable,
					 * never blocking */
		else {
			snprintf(err, errlen, "cannot watch input: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (interactive && tcgetattr(fd, &T.tty) == 0) {
		struct termios t = T.tty;

		/* Ctrl-C during a wait must not throw away what was typed
		 * ahead (the tty flushes its input on an interrupt). */
		T.tty_saved = 1;
		t.c_lflag |= NOFLSH;
		tcsetattr(fd, TCSANOW, &t);
	}
	if (interactive) {
		rl_catch_signals = 0;	/* signals arrive through the loop */
		rl_catch_sigwinch = 0;
		rl_readline_name = "socktool";
		rl_attempted_completion_function = term_complete;
		rl_startup_hook = term_line_start;
		rl_getc_function = term_getc;
		rl_completer_word_break_characters = " \t";
		/* A file name with blanks completes inside quotes, which the
		 * tokenizer groups. */
		rl_completer_quote_characters = "\"'";
		rl_filename_quote_characters = " \t";
		T.histfile = term_history_path();
		if (T.histfile != NULL)
			read_history(T.histfile);
		stifle_history(1000);
	}
	return 0;
}

void
term_pause(void)
{
	T.paused = 1;
	term_rl_remove();
	term_interest();
}

void
term_resume(void)
{
	if (!T.paused)
		return;
	T.paused = 0;
	term_pump();
}

void
term_stop(void)
{
	T.stopped = 1;
	term_rl_remove();
	term_interest();
}

void
term_start(void)
{
	term_pump();
}

void
term_interrupt(void)
{
	if (!T.rl_on)
		return;
	/* A recalled history line that was being edited goes back to what
	 * it was, and the prompt starts a fresh line after the history. */
	rl_callback_sigcleanup();
	rl_revert_line(1, 0);
	rl_free_line_state();
	using_history();
	rl_replace_line("", 1);
	term_write_all(1, "^C\n", 3);
	rl_on_new_line();
	rl_redisplay();
}

void
term_cancelled(void)
{
	struct termios t;

	/* Waiting, the terminal is in its own line mode: it has echoed the
	 * Ctrl-C as "^C", and what is said next belongs on a line of its
	 * own. */
	if (T.interactive && !T.rl_on && tcgetattr(T.fd, &t) == 0 &&
	    (t.c_lflag & (ECHO | ECHOCTL)) == (ECHO | ECHOCTL))
		term_write_all(1, "\n", 1);
}

void
term_winch(void)
{
	if (T.interactive)
		rl_resize_terminal();
}

void
term_done(void)
{
	term_rl_remove();
	if (T.registered) {
		loop_del(T.fd);
		T.registered = 0;
	}
	if (T.histfile != NULL) {
		write_history(T.histfile);
		free(T.histfile);
		T.histfile = NULL;
	}
	buf_free(&T.in);
	buf_free(&T.paste);
	free(T.paste_tail);
	T.paste_tail = NULL;
	term_source_abort();
	if (T.tty_saved) {
		tcsetattr(T.fd, TCSANOW, &T.tty);
		T.tty_saved = 0;
	}
}

void
term_set_prompt(const char *prompt)
{
	T.prompt = prompt;
	if (T.rl_on) {
		rl_set_prompt(prompt);
		/* In the Ctrl-D handler readline draws it right after. */
		if (!T.in_eof)
			rl_redisplay();
	}
}

/* Ctrl-] while attached: back to the command prompt. */
static term_key_cb term_detach_cb;

static int
term_key_detach(int count, int key)
{
	(void)count;
	(void)key;
	if (term_detach_cb != NULL)
		term_detach_cb();
	return 0;
}

void
term_on_detach_key(term_key_cb cb)
{
	term_detach_cb = cb;
	if (T.interactive)
		rl_bind_key(0x1d, term_key_detach);
}

void
term_on_eof_key(term_eof_cb cb)
{
	T.eof_cb = cb;
}

void
term_set_history(int on)
{
	T.no_history = !on;
}

size_t
term_drop_line(void)
{
	size_t n;

	if (!T.rl_on || rl_end == 0)
		return 0;
	n = (size_t)rl_end;
	/* As for Ctrl-C: a recalled history line goes back to what it was,
	 * and no undo (Ctrl-_) at the command prompt brings the text back. */
	rl_revert_line(1, 0);
	rl_free_line_state();
	using_history();
	rl_replace_line("", 1);
	rl_point = rl_mark = 0;
	return n;
}
