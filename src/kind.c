/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kind.c — what a session is, read from one table and from its layers:
 * the kind's name and flags (server, stream, TCP, unix, TLS...), its state
 * in words; and what it does, asked of the layers, the role and the peers
 * really on it (sess_accepts, sess_carries_bytes: not the table).  Only
 * looks at a session, so everything may ask it (the events, the pipeline,
 * the table) without depending on the table. */
#include "layer.h"
#include "role.h"
#include "session.h"

#define KINFO(k, n, f, p) \
	[k] = { .name = (n), .flags = (f), .peer = (p), .over_tls = (k) }
const struct kind_info sess_kinds[K_NKINDS] = {
	KINFO(K_TCP_SERVER, "tcp-server", KIND_SERVER | KIND_STREAM | KIND_TCP,
	    K_TCP_PEER),
	[K_TCP_PEER] = { .name = "tcp-peer", .flags = KIND_STREAM | KIND_TCP,
	    .peer = K_TCP_PEER, .over_tls = K_TLS_PEER },
	[K_TCP_CLIENT] = { .name = "tcp-client", .flags = KIND_STREAM |
	    KIND_TCP, .peer = K_TCP_CLIENT, .over_tls = K_TLS_CLIENT,
	    .client = "tcp-client" },
	[K_UDP] = { .name = "udp", .flags = 0, .peer = K_UDP,
	    .over_tls = K_UDP, .client = "udp-client" },
	KINFO(K_MCAST, "mcast", KIND_MCAST, K_MCAST),
	KINFO(K_UNIX_SERVER, "unix-server", KIND_SERVER | KIND_STREAM |
	    KIND_UNIX, K_UNIX_PEER),
	KINFO(K_UNIX_PEER, "unix-peer", KIND_STREAM | KIND_UNIX, K_UNIX_PEER),
	[K_UNIX_CLIENT] = { .name = "unix-client", .flags = KIND_STREAM |
	    KIND_UNIX, .peer = K_UNIX_CLIENT, .over_tls = K_UNIX_CLIENT,
	    .client = "unix-client" },
	KINFO(K_TLS_SERVER, "tls-server", KIND_SERVER | KIND_STREAM | KIND_TCP |
	    KIND_TLS, K_TLS_PEER),
	KINFO(K_TLS_PEER, "tls-peer", KIND_STREAM | KIND_TCP | KIND_TLS,
	    K_TLS_PEER),
	[K_TLS_CLIENT] = { .name = "tls-client", .flags = KIND_STREAM |
	    KIND_TCP | KIND_TLS, .peer = K_TLS_CLIENT,
	    .over_tls = K_TLS_CLIENT, .client = "tls-client" },
	KINFO(K_RELAY, "relay", KIND_SERVER | KIND_STREAM | KIND_TCP, K_RELAY_IN),
	KINFO(K_RELAY_IN, "relay-in", KIND_STREAM | KIND_TCP,
	    K_RELAY_IN),
	/* A relay's upstream side is a client of the upstream server. */
	[K_RELAY_OUT] = { .name = "relay-out", .flags = KIND_STREAM |
	    KIND_TCP, .peer = K_RELAY_OUT, .over_tls = K_RELAY_OUT,
	    .client = "tcp-client" },
	KINFO(K_RELAY_UDP, "relay", KIND_SERVER, K_RELAY_UDP_OUT),
	KINFO(K_RELAY_UDP_OUT, "relay-out", 0, K_RELAY_UDP_OUT),
	KINFO(K_EXEC, "exec", KIND_STREAM, K_EXEC),
	KINFO(K_EXEC_PEER, "exec-peer", KIND_STREAM, K_EXEC_PEER),
	KINFO(K_PTY, "pty", KIND_STREAM, K_PTY),
	/* Messages over TCP: not a byte stream (layer_ws.c). */
	KINFO(K_WS_CLIENT, "ws-client", KIND_TCP, K_WS_CLIENT),
	/* A serial line (a device, or RFC 2217 over TCP): a byte stream. */
	KINFO(K_SERIAL, "serial", KIND_STREAM, K_SERIAL),
	KINFO(K_WS_SERVER, "ws-server", KIND_SERVER | KIND_STREAM |
	    KIND_TCP, K_WS_PEER),
	KINFO(K_WS_PEER, "ws-peer", KIND_TCP, K_WS_PEER),
};
#undef KINFO

/* What the layers on a session add to what its kind is (TLS). */
static unsigned
sess_layer_flags(const struct session *s)
{
	const struct layer *l;
	unsigned f = 0;

	for (l = s->top; l != NULL; l = l->below)
		f |= l->ops->adds;
	return f;
}

/* The kind a session shows: its own, or with a TLS layer pushed on it
 * (starttls) the TLS kind it has become; s->kind itself never changes. */
static enum sess_kind
sess_kind_shown(const struct session *s)
{
	if ((sess_layer_flags(s) & KIND_TLS) &&
	    !(sess_kinds[s->kind].flags & KIND_TLS))
		return sess_kinds[s->kind].over_tls;
	return s->kind;
}

const char *
sess_kind_name(const struct session *s)
{
	return sess_kinds[sess_kind_shown(s)].name;
}

const char *
sess_kind_client(const struct session *s)
{
	return sess_kinds[sess_kind_shown(s)].client;
}

const char *
sess_state_name(enum sess_state st)
{
	static const char *names[] = { "resolving", "connecting",
	    "handshaking", "listening", "connected", "bound", "half-closed",
	    "waiting", "closed" };

	return names[st];
}

int
sess_has(const struct session *s, unsigned flags)
{
	return ((sess_kinds[s->kind].flags | sess_layer_flags(s)) & flags) != 0;
}

int
sess_opening(const struct session *s)
{
	return s->state == S_RESOLVING || s->state == S_CONNECTING ||
	    s->state == S_HANDSHAKING || s->state == S_WAITING;
}

int
sess_accepts(const struct session *s)
{
	return s->npeers > 0 || layer_control(s, LCTL_ACCEPTS, NULL) == 0 ||
	    (s->role != NULL && s->role->accepts);
}

int
sess_carries_bytes(const struct session *s)
{
	const struct layer *l = s->top != NULL ? s->top :
	    s->fdl.ops != NULL ? &s->fdl : NULL;

	if (s->role != NULL && s->role->messages)
		return 0;
	return l == NULL || !l->ops->dgram;
}
