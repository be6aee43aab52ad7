#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 7 for WebSocket sessions: (1) a peer that pings without end and
never reads is not answered into an endless queue: socktool stops reading
it once its own queue is full, so the peer's sends block and socktool's
memory stays small; (2) a send to a `ws-server --tls` while a client is
still in its TLS handshake does not reach that client (it is not a peer
yet: "no peers"), and the client's later upgrade and messages work (the
bytes used to be queued as stream bytes and then read as message records:
an abort)."""
import base64
import hashlib
import os
import re
import select
import socket
import ssl
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool, vm_hwm_kib  # noqa: E402

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = base64.b64encode(b"0123456789abcdef")


def upgrade(c, port):
    c.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket"
              b"\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n" % (port, KEY))
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d:
            break
        head += d
    return head


def frame(op, payload):
    mask = b"\1\2\3\4"
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | op, 0x80 | len(payload)]) + mask + body


# ---- (1) a ping flood ----
with Socktool("--json") as st:
    st.cmd("ws-server 127.0.0.1 0")
    m = st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
    port = int(m.group(1))
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    head = upgrade(c, port)
    ok(b" 101 " in head, "upgraded", head)
    c.setblocking(False)
    ping = frame(9, b"p" * 125) * 256          # 33 KiB a write
    sent, blocked = 0, False
    while sent < (256 << 20):
        _, w, _ = select.select([], [c], [], 3)
        if not w:
            blocked = True                     # socktool stopped reading
            break
        try:
            sent += c.send(ping)
        except BlockingIOError:
            continue
    ok(blocked, "the pinging peer is held back (it got %d MiB through)" %
       (sent >> 20))
    hwm = vm_hwm_kib(st.p.pid)
    ok(hwm is not None and hwm < 96 * 1024,
       "socktool's memory stays small: peak %s KiB" % hwm)
    st.cmd("list")
    st.wait_for(r'"command":"list"')
    ok(True, "socktool still answers")
    c.close()

# ---- (2) a send while a client is in its TLS handshake ----
with Socktool("--json", "--keep-going") as st:
    st.cmd("ws-server 127.0.0.1 0 --tls --echo")
    m = st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
    port = int(m.group(1))
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    at = len(st.out)
    st.cmd("send 1 too-early")
    m = st.wait_for(r'"event":"error".*|"event":"result","command":"send"',
                    start=at)
    ok(b"no peers" in m.group(0), "a client still in its handshake is not "
       "a peer to send to", m.group(0))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    c = ctx.wrap_socket(raw, server_hostname="localhost")
    head = upgrade(c, port)
    ok(b" 101 " in head, "then its upgrade is answered", head)
    c.sendall(frame(1, b"hi"))
    h = c.recv(2)
    body = c.recv(h[1] & 127) if len(h) == 2 else b""
    is_eq((h[:1], body), (b"\x81", b"hi"), "and its message comes back, "
          "nothing else before it")
    c.close()
    at = len(st.out)
    st.cmd("list")
    st.wait_for(r'"command":"list"', start=at)
    ok(st.p.poll() is None, "socktool is still running")
done()
