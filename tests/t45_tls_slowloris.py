#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15, bug 7: a tls-server bounds every peer's handshake.  Clients
that send 30 bytes of a ClientHello and stop are closed with reason tls
after --timeout (default 10s), so they cannot hold the --max-peers slots:
a real TLS client gets in afterwards.  Peers are python sockets and ssl on
127.0.0.1."""
import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, done  # noqa: E402

# The first 30 bytes of a TLS 1.2 ClientHello record: a handshake that
# starts and never finishes.
PARTIAL = bytes.fromhex("16030100c8010000c40303") + b"\x11" * 19

cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.check_hostname = False
cctx.verify_mode = ssl.CERT_NONE


def seen(st, pattern, timeout=10, stream="out"):
    try:
        return st.wait_for(pattern, timeout=timeout, stream=stream)
    except TimeoutError:
        return None


with Socktool() as st:
    st.cmd("tls-server 127.0.0.1 0 --max-peers 2 --timeout 1s")
    port = st.port(1)
    slow = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port), 10)
        s.sendall(PARTIAL)
        slow.append(s)
    ok(seen(st, r"^\[3\] accepted"), "two slow clients take both slots")
    m2 = seen(st, r"^\[2\] closed \(tls\): TLS handshake timed out after 1s")
    m3 = seen(st, r"^\[3\] closed \(tls\): TLS handshake timed out after 1s")
    ok(m2 and m3, "each is closed with reason tls after --timeout",
       st.text[-800:])
    c = cctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10))
    c.sendall(b"hello")
    ok(seen(st, r"^\[4\] < 5 bytes"), "a real client gets a slot after them")
    c.close()
    for s in slow:
        s.close()
    # --timeout 0: no limit of socktool's own (one rule for every command
    # that waits for something, issue 21).
    st.cmd("tls-server 127.0.0.1 0 --timeout 0")
    ok(seen(st, r"^\[5\] listening on"), "--timeout 0 is no limit")

# The default: 10 s, no option given.
with Socktool() as st:
    st.cmd("tls-server 127.0.0.1 0")
    port = st.port(1)
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.sendall(PARTIAL)
    ok(seen(st, r"^\[2\] closed \(tls\): TLS handshake timed out after 10s",
            timeout=30), "without --timeout a stalled handshake ends after "
       "10s", st.text[-500:])
    s.close()
done()
