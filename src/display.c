/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display.c — the display tap: every message a session receives or
 * accepts for sending, shown as human lines or JSON events as the
 * session's settings say (SPEC §4), with its checksum verdict.  A tap:
 * it only observes. */
#include <string.h>

#include "buf.h"
#include "check.h"
#include "codec.h"
#include "display.h"
#include "enc.h"
#include "net.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "session.h"

/* What s keeps of a character cut short in direction dir; NULL: nothing
 * (make: the room for it, made now). */
static struct text_carry *
display_carry(struct session *s, int dir, int make)
{
	if (s->carry == NULL && make)
		s->carry = xcalloc(2, sizeof *s->carry);
	return s->carry != NULL ? &s->carry[dir == '<' ? 0 : 1] : NULL;
}

/*
 * The text of message c (its first shown bytes), as UTF-8 into d: a
 * stream's read may end inside a character, so the bytes a message cut
 * short wait for the next one in that direction, and the character is
 * shown whole there.  A datagram is a message of its own: nothing is
 * carried across datagrams, nor past what max-display shows.
 */
static void
display_text(struct session *s, const struct chunk *c, size_t shown,
    struct out_data *d, struct buf *tb)
{
	struct text_carry none = { { 0 }, 0 }, *k = display_carry(s, c->dir, 0);
	struct buf join = BUF_INIT;
	const unsigned char *p = c->p;
	size_t n = shown, tail = 0;
	int whole = c->peer == NULL && shown == c->n;

	if (k == NULL)
		k = &none;
	if (k->n > 0) {
		buf_append(&join, k->b, k->n);
		buf_append(&join, c->p, shown);
		p = buf_peek(&join);
		n = buf_len(&join);
	}
	if (enc_is_utf8(s->set->encoding)) {
		if (whole)
			tail = codec_utf8_tail(p, n);
		if (k->n > 0)
			buf_append(tb, p, n - tail);
		d->text = k->n > 0 ? buf_peek(tb) : p;
		d->text_n = n - tail;
	} else {
		if (whole)
			tail = enc_to_utf8_part(s->set->encoding, p, n, tb);
		else
			enc_to_utf8(s->set->encoding, p, n, tb);
		d->text = buf_peek(tb);
		d->text_n = buf_len(tb);
	}
	if (tail > 0 && k == &none)
		k = display_carry(s, c->dir, 1);
	memcpy(k->b, p + n - tail, tail);
	k->n = (unsigned char)tail;
	buf_free(&join);
}

/* Bytes that are not UTF-8 but read as text in a common encoding: say
 * which, once per session (the first message that is not UTF-8 decides). */
static const char *const display_guesses[] = {
	"gbk", "big5", "shift_jis", "latin1"
};

static int
display_is_text(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t i = 0, len;

	while (i < n) {
		len = codec_utf8_len(p + i, n - i, &cp);
		if (len == 0 || (cp < 0x20 && cp != '\t' && cp != '\r' &&
		    cp != '\n') || (cp >= 0x7f && cp < 0xa0) || cp == 0xfffd)
			return 0;
		i += len;
	}
	return 1;
}

static void
display_hint(struct session *s, const unsigned char *p, size_t n)
{
	struct buf t = BUF_INIT;
	size_t i;

	if (codec_utf8_valid(p, n))
		return;
	s->enc_hint_done = 1;
	for (i = 0; i < sizeof display_guesses / sizeof display_guesses[0];
	    i++) {
		buf_reset(&t);
		if (enc_decodes(display_guesses[i], p, n, &t) &&
		    display_is_text(buf_peek(&t), buf_len(&t))) {
			out_info("hint: %u: received text looks like %s "
			    "(set %u encoding %s)", s->id, display_guesses[i],
			    s->id, display_guesses[i]);
			break;
		}
	}
	buf_free(&t);
}

/* The display tap: human or JSON lines, as the session's settings say. */
static void
display_message(struct session *s, const struct chunk *c)
{
	struct out_data d;
	struct buf gb = BUF_INIT, wb = BUF_INIT, tb = BUF_INIT;
	char addr[ADDR_STRLEN];
	size_t shown = c->n;

	if (s->set->display == DISP_NONE || (c->dir == '>' && !s->set->show_sent))
		return;
	/* -q: errors and received data only (JSON is complete anyway). */
	if (c->dir == '>' && out_cfg.quiet && !out_cfg.json)
		return;
	memset(&d, 0, sizeof d);
	d.id = s->id;
	d.dir = c->dir;
	d.p = c->p;
	d.n = c->n;
	/* A message layer's peer is the connection's, not news. */
	if (c->peer != NULL && c->msg_type == NULL) {
		net_fmt((const struct sockaddr *)&c->peer->ss, c->peer->len,
		    addr, sizeof addr);
		d.peer = addr;
	}
	d.msg_type = c->msg_type;
	d.frames = c->frames;
	d.truncated = c->truncated;
	d.stream = c->stream;
	d.wire_size = c->wire_size;
	d.display = s->set->display;
	if (s->pair != NULL)
		d.pair = s->pair->id;
	if (c->dir == '<' && s->role != NULL && s->role->label != NULL)
		d.label = s->role->label(s);
	/* Bytes typed in hex are echoed in hex, whatever the text display. */
	if (c->as_hex && d.display == DISP_TEXT)
		d.display = DISP_HEX;
	d.max_display = s->set->max_display;
	if (d.max_display != 0 && shown > d.max_display)
		shown = (size_t)d.max_display;
	/* (Another stream's text carries nothing across to this one.) */
	if ((d.display == DISP_TEXT || d.display == DISP_BOTH) &&
	    c->stream == NULL)
		display_text(s, c, shown, &d, &tb);
	d.encoding = s->set->encoding;
	d.stamp = s->set->timestamps;
	if (c->dir == '<' && s->set->have_check && c->stream == NULL) {
		uint32_t got = 0, want = 0;

		d.check = check_name(&s->set->check);
		d.check_ok = check_verify(&s->set->check, c->p, c->n, &got,
		    &want);
		if (d.check_ok == 0) {
			check_format_value(&s->set->check, got, &gb);
			check_format_value(&s->set->check, want, &wb);
			d.got = buf_cstr(&gb);
			d.want = buf_cstr(&wb);
		}
	}
	out_data(&d);
	if (c->dir == '<' && d.text != NULL && !s->enc_hint_done &&
	    enc_is_utf8(s->set->encoding))
		display_hint(s, d.text, d.text_n);
	buf_free(&gb);
	buf_free(&wb);
	buf_free(&tb);
}

void
display_flush(struct session *s)
{
	int dirs[2] = { '<', '>' }, i;
	struct text_carry *k;

	for (i = 0; i < 2; i++) {
		if ((k = display_carry(s, dirs[i], 0)) == NULL)
			continue;
		if (k->n > 0 && s->set->display != DISP_NONE)
			out_data_leftover(s->id, dirs[i], k->b, k->n,
			    s->set->timestamps);
		k->n = 0;
	}
}

static void
display_event(struct session *s, enum tap_event ev, const char *reason,
    uint64_t lost)
{
	(void)reason;
	(void)lost;
	if (ev == TAP_CLOSE)
		display_flush(s);
}

static const struct tap display_tap = {
	.name = "display",
	.message = display_message,
	.event = display_event,
};

void
display_init(void)
{
	pipe_add_tap(&display_tap);
}
