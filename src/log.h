/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.h — the capture tap (SPEC §3.6): every byte a session sends or
 * receives appended to a file as raw bytes, hexdump blocks, JSON lines or
 * pcapng.  Writes are buffered; a log that cannot be written ends with one
 * error and the sessions go on. */
#ifndef SOCKTOOL_LOG_H
#define SOCKTOOL_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum log_format { LOG_RAW, LOG_HEX, LOG_JSONL, LOG_PCAP, LOG_SCRIPT };

/* A file about to be read (replay, source) that one of our logs writes:
 * what that log holds back is written first. */
void	log_sync_file(int fd);
#define LOG_RX	0x1
#define LOG_TX	0x2
/* script: sleep lines for the recorded gaps (--timing). */
#define LOG_TIMING	0x4

/* Start logging session id (0: every session, now and later) to path;
 * dirs is LOG_RX and/or LOG_TX, and LOG_TIMING for a script.  0, or -1
 * with err. */
int	log_start(unsigned id, const char *path, enum log_format, int dirs,
	    char *err, size_t errlen);
/* Stop the logs of session id (0: every log).  Returns how many. */
int	log_stop(unsigned id);

struct log_info {
	unsigned	 id;		/* 0 = all */
	const char	*path;
	const char	*format;
	const char	*dir;
	uint64_t	 bytes;		/* written to the file so far */
};
/* The active logs, in the order they were started; returns the count. */
size_t	log_list(struct log_info *out, size_t max);

int	log_parse_format(const char *, enum log_format *);
int	log_parse_dir(const char *, int *dirs);
const char *log_format_name(enum log_format);
const char *log_dir_name(int dirs);

void	log_init(void);
/* Flush and close every log (exit). */
void	log_done(void);

#endif
