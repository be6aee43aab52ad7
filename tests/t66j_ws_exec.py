#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.11 with 3.10: `ws-server … --exec 'COMMAND'` gives every upgraded
client its own program, paired with it: the client's messages are the
program's input, what the program writes comes back as messages (binary
when it is not UTF-8), each program has its own SOCKTOOL_SESSION, and a
client leaving ends its own program only."""
import base64
import json
import os
import re
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool  # noqa: E402

KEY = base64.b64encode(b"fedcba9876543210")


def client(port):
    c = socket.create_connection(("127.0.0.1", port), timeout=20)
    c.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n" % KEY)
    head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(1)
    return c, head


def send(c, op, payload):
    mask = b"\x0a\x0b\x0c\x0d"
    c.sendall(bytes([0x80 | op, 0x80 | len(payload)]) + mask +
              bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def message(c):
    h = recv_exact(c, 2)
    n = h[1] & 127
    if n == 126:
        n = struct.unpack(">H", recv_exact(c, 2))[0]
    return h[0] & 15, recv_exact(c, n)


with Socktool("--json") as st:
    st.cmd("ws-server 127.0.0.1 0 --exec "
           "'sh -c \"echo id=$SOCKTOOL_SESSION; exec cat\"'")
    m = st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
    port = int(m.group(1))
    a, ha = client(port)
    b, hb = client(port)
    ok(b" 101 " in ha and b" 101 " in hb, "both clients upgraded")
    ida, idb = message(a), message(b)
    ok(ida[0] == 1 and idb[0] == 1 and re.match(rb"id=\d+\n$", ida[1]) and
       re.match(rb"id=\d+\n$", idb[1]) and ida[1] != idb[1],
       "each client's own program, with its own SOCKTOOL_SESSION",
       (ida, idb))
    send(a, 1, b"hello a\n")
    is_eq(message(a), (1, b"hello a\n"), "a text message through cat")
    send(b, 2, b"\x00\xff\x01")
    is_eq(message(b), (2, b"\x00\xff\x01"),
          "binary bytes come back as a binary message")
    send(a, 8, struct.pack(">H", 1000))       # a leaves
    op, _ = message(a)
    is_eq(op, 8, "the close is answered")
    m = st.wait_for(r'(\{.*"event":"closed".*"exit":.*\})')
    j = json.loads(m.group(1))
    ok(j.get("exit") == 0, "a's program ends with it (exit 0)", j)
    send(b, 1, b"still here\n")
    is_eq(message(b), (1, b"still here\n"), "b's program goes on")
    a.close()
    b.close()
done()
