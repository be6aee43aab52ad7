/* SPDX-License-Identifier: GPL-3.0-or-later */
/* role_tls.c — the TLS role (role.h): tls-client, tls-server and its
 * peers.  Each holds a reference to its configuration (tls.c) and pushes
 * the TLS layer (layer_tls.c) once its socket is open. */
#include "role.h"
#include "session.h"
#include "tls.h"

/*
 * The TLS role: a tls-client, a tls-server and each of its peers hold a
 * reference to their configuration (the handshake holds one of its own)
 * and give it back when they leave, however they end; the handshake
 * starts once the socket is open.
 */
static int
tls_role_opened(struct session *s)
{
	return tls_start(s, s->role_state);
}

static int
tls_role_accepted(struct session *srv, struct session *peer)
{
	peer->role = &tls_role;
	peer->role_state = tls_cfg_ref(srv->role_state);
	return 0;
}

static void
tls_role_destroy(struct session *s)
{
	tls_cfg_unref(s->role_state);
}

static struct tls_cfg *
tls_role_cfg(const struct session *s)
{
	return s->role_state;
}

const struct role tls_role = {
	.name = "tls",
	.accepted = tls_role_accepted,
	.opened = tls_role_opened,
	.destroy = tls_role_destroy,
	.tls = tls_role_cfg,
};

void
tls_cfg_own(struct tls_cfg *cfg, struct session *s)
{
	cfg->owner = s->id;
	s->role = &tls_role;
	s->role_state = cfg;
}
