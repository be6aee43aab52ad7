/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_session.c — what a session costs: the size of struct session, its
 * settings shared copy on write, its names made to measure. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "net.h"
#include "session.h"
#include "settings.h"

/* SPEC §9's aim for the table's entry (issue 15): under 600 bytes; what a
 * session needs only sometimes (framing, a hold queue, a character cut
 * short, the expect window, settings of its own) is made when needed. */
static void
test_size(void)
{
	ok(sizeof(struct session) < 600, "struct session is %zu bytes "
	    "(under 600)", sizeof(struct session));
}

static void
test_settings_shared(void)
{
	struct settings plain;
	const struct settings *a, *b, *c;
	struct settings *w;

	settings_copy(&plain, &settings_default);
	is_int(plain.refs, 0, "a plain copy is not shared");
	a = settings_hold(&plain);
	ok(a != &plain && a->refs == 1, "holding a plain value makes a "
	    "shared copy of it");
	b = settings_hold(a);
	ok(b == a && a->refs == 2, "holding shared settings shares them");
	c = b;
	w = settings_own(&c);
	ok(w != a && c == w && w->refs == 1 && a->refs == 1,
	    "owning shared settings copies them; the others keep theirs");
	w->display = DISP_HEX;
	w->delay_ms = 250;
	ok(a->display == plain.display && a->delay_ms == plain.delay_ms,
	    "a change to the copy leaves the shared ones as they were");
	ok(settings_own(&c) == w, "owning settings held alone changes "
	    "nothing");
	settings_drop(a);
	settings_drop(c);
	settings_drop(NULL);
	settings_release(&plain);
}

static void
test_peers_share(void)
{
	struct session *srv, *p1, *p2;
	char err[128];

	srv = sess_new(K_TCP_SERVER, &settings_default);
	p1 = sess_new(K_TCP_PEER, srv->set);
	p2 = sess_new(K_TCP_PEER, srv->set);
	ok(p1->set == srv->set && p2->set == srv->set && srv->set->refs == 3,
	    "a server's peers hold the server's settings");
	ok(setting_find("display")->apply(settings_own(&p1->set), "hex", err,
	    sizeof err) == 0, "set display hex on one peer");
	ok(p1->set != srv->set && p1->set->display == DISP_HEX &&
	    srv->set->display != DISP_HEX && p2->set->display !=
	    DISP_HEX && srv->set->refs == 2,
	    "only that peer's settings change");
	sess_discard(p2);
	sess_discard(p1);
	sess_discard(srv);
}

static void
test_names(void)
{
	struct session *s = sess_new(K_TCP_CLIENT, &settings_default);
	char want[ADDR_STRLEN];

	is_str(s->local_str, "", "a new session has no local name");
	is_str(s->remote_str, "", "nor a remote one");
	sess_name(&s->remote_str, "%s:%u", "127.0.0.1", 7);
	is_str(s->remote_str, "127.0.0.1:7", "a name made to measure");
	sess_name(&s->local_str, "%0*d", 200, 1);
	memset(want, '0', sizeof want - 1);
	want[sizeof want - 1] = '\0';
	is_int(strlen(s->local_str), ADDR_STRLEN - 1, "a long name is cut "
	    "at ADDR_STRLEN - 1 bytes");
	ok(strncmp(s->local_str, want, ADDR_STRLEN - 1) == 0,
	    "... keeping its start");
	sess_name(&s->remote_str, "%s", "");
	is_str(s->remote_str, "", "a name emptied again");
	sess_discard(s);
}

int
main(void)
{
	test_size();
	test_settings_shared();
	test_peers_share();
	test_names();
	return done_testing();
}
