/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rec.h — recorded conversations (SPEC §3.13): the lines of a script log
 * written, and a recording (a script or a jsonl log) read back as steps for
 * replay and mock.  Pure: no I/O, no clock. */
#ifndef SOCKTOOL_REC_H
#define SOCKTOOL_REC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Script lines, each ending in "\n", for session id.  Bytes that are
 * printable ASCII (blanks, \r \n \t included) are written as quoted text
 * with escapes; any other as hex. */
void	rec_send_line(unsigned id, const unsigned char *p, size_t n,
	    struct buf *out);
/* timeout_ms 0: expect's default. */
void	rec_expect_line(unsigned id, const unsigned char *p, size_t n,
	    uint64_t timeout_ms, struct buf *out);
void	rec_sleep_line(uint64_t ms, struct buf *out);
/* Whether p[0..n) is written as text. */
int	rec_is_text(const unsigned char *p, size_t n);

/*
 * One step of a conversation: what the client sent (empty for an answer
 * that came first, a banner), the answer that came back before the next
 * send (all of it, in order), and the gap recorded before the send (0 when
 * none was recorded).
 */
struct rec_step {
	struct buf	 req;
	struct buf	 ans;
	size_t		*ends;		/* where each answer message (a
					 * datagram, a recv, an expect) ends
					 * in ans */
	size_t		 nends;
	uint64_t	 gap_us;
	int		 line;		/* where it starts in the file (a
					 * packet's number in a capture) */
};
struct rec_conv {
	struct rec_step	*step;
	size_t		 n;
	int		 dgram;		/* messages are datagrams (udp) */
};

/*
 * Read a recording: a script (as `log --format script` writes it: send,
 * sendhex, expect, sleep lines; the session-making command, set, wait,
 * close, echo, comments and blank lines are skipped), a jsonl log (its
 * recv and sent events, gaps from their "ts"), told apart by the first
 * character that is not blank ('{': jsonl), or a capture (pcapng or pcap,
 * told by its magic): its first TCP connection that carries data, or its
 * first UDP conversation, the side that opened it (sent the SYN, or the first datagram) being the one
 * that sends.  0 with *r filled (rec_conv_free() it), or -1 with one error
 * naming the line (or the packet).
 */
int	rec_parse(const char *text, size_t n, struct rec_conv *r, char *err,
	    size_t errlen);
void	rec_conv_free(struct rec_conv *r);

#endif
