/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display.c — the display tap: every message a session receives or
 * accepts for sending, shown as human lines or JSON events as the
 * session's settings say (SPEC §4), with its checksum verdict.  A tap:
 * it only observes. */
#include <string.h>

#include "buf.h"
#include "check.h"
#include "display.h"
#include "net.h"
#include "out.h"
#include "pipe.h"
#include "role.h"
#include "session.h"

/* The display tap: human or JSON lines, as the session's settings say. */
static void
display_message(struct session *s, const struct chunk *c)
{
	struct out_data d;
	struct buf gb = BUF_INIT, wb = BUF_INIT;
	char addr[ADDR_STRLEN];

	if (s->set.display == DISP_NONE || (c->dir == '>' && !s->set.show_sent))
		return;
	memset(&d, 0, sizeof d);
	d.id = s->id;
	d.dir = c->dir;
	d.p = c->p;
	d.n = c->n;
	if (c->peer != NULL) {
		net_fmt((const struct sockaddr *)&c->peer->ss, c->peer->len,
		    addr, sizeof addr);
		d.peer = addr;
	}
	d.truncated = c->truncated;
	d.wire_size = c->wire_size;
	d.display = s->set.display;
	if (s->pair != NULL)
		d.pair = s->pair->id;
	if (c->dir == '<' && s->role != NULL && s->role->label != NULL)
		d.label = s->role->label(s);
	/* Bytes typed in hex are echoed in hex, whatever the text display. */
	if (c->as_hex && d.display == DISP_TEXT)
		d.display = DISP_HEX;
	d.max_display = s->set.max_display;
	d.encoding = s->set.encoding;
	d.stamp = s->set.timestamps;
	if (c->dir == '<' && s->set.have_check) {
		uint32_t got = 0, want = 0;

		d.check = check_name(&s->set.check);
		d.check_ok = check_verify(&s->set.check, c->p, c->n, &got,
		    &want);
		if (d.check_ok == 0) {
			check_format_value(&s->set.check, got, &gb);
			check_format_value(&s->set.check, want, &wb);
			d.got = buf_cstr(&gb);
			d.want = buf_cstr(&wb);
		}
	}
	out_data(&d);
	buf_free(&gb);
	buf_free(&wb);
}

static const struct tap display_tap = {
	.name = "display",
	.message = display_message,
};

void
display_init(void)
{
	pipe_add_tap(&display_tap);
}
