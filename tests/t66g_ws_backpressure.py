#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10, robustness: a WebSocket peer that does not read for a while
(the socket fills) still gets every message once it reads again, with
nothing else happening in socktool meanwhile.  The last frames the wire
did not take waited in the layer's own queue with nobody asking the loop
to write: the tail of a sendfile stayed there until some other event."""
import base64
import hashlib
import os
import re
import socket
import struct
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, Socktool, SOCKTOOL,  # noqa: E402
                deadline_loop)
import json  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNK = 65507
SIZE = 300 * CHUNK + 1234         # well over the socket buffers

tmp = tempfile.mkdtemp(prefix="st-t66g-")
rt = os.path.join(tmp, "run")
os.mkdir(rt, 0o700)
ENV = dict(os.environ, XDG_RUNTIME_DIR=rt,
           XDG_STATE_HOME=os.path.join(tmp, "state"), NO_COLOR="1")
path = os.path.join(tmp, "data.bin")
data = os.urandom(SIZE)
with open(path, "wb") as f:
    f.write(data)

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
go = threading.Event()
got = []


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def serve():
    c, _ = srv.accept()
    c.settimeout(20)
    head = b""
    while b"\r\n\r\n" not in head:
        head += c.recv(4096)
    key = re.search(rb"(?i)sec-websocket-key: *(\S+)", head).group(1)
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " +
              base64.b64encode(hashlib.sha1(key + GUID).digest()) +
              b"\r\n\r\n")
    go.wait(30)                   # not reading until socktool is done
    total = 0
    try:
        while total < SIZE:
            h = recv_exact(c, 2)
            n = h[1] & 127
            if n == 126:
                n = struct.unpack(">H", recv_exact(c, 2))[0]
            elif n == 127:
                n = struct.unpack(">Q", recv_exact(c, 8))[0]
            key = recv_exact(c, 4) if h[1] & 128 else b"\0\0\0\0"
            p = recv_exact(c, n)
            k = (key * (n // 4 + 1))[:n]
            got.append((int.from_bytes(p, "big") ^ int.from_bytes(
                k, "big")).to_bytes(n, "big"))
            total += n
    except (EOFError, OSError) as e:
        if os.environ.get("T66G_DEBUG"):
            print("# peer stopped after %d: %r" % (total, e))


t = threading.Thread(target=serve, daemon=True)
t.start()
with Socktool("--json", "-C", "t66g", env=ENV) as st:
    st.cmd("ws-client ws://127.0.0.1:%d/" % port)
    st.wait_for(r'"event":"ws".*"status":101')
    st.cmd("set 1 display none")
    st.cmd("sendfile 1 %s --chunk %d" % (path, CHUNK))
    # The script waits in sendfile while the peer reads nothing; once the
    # wire is full (bytes queued), the peer starts reading and socktool
    # has nothing else to do: only the wire's room can wake it.
    for _ in deadline_loop(30, "the wire to fill"):
        p = subprocess.run([SOCKTOOL, "ctl", "-j", "t66g", "show", "1"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=20, env=ENV)
        m = re.search(rb'"queued":(\d+)', p.stdout)
        if m and int(m.group(1)) > 0:
            break
        time.sleep(0.05)
    go.set()
    t.join(30)
    st.wait_for(r'"event":"result","command":"sendfile"', timeout=30)
    body = b"".join(got)
    is_eq(len(body), SIZE, "every byte reached the peer once it read again")
    ok(body == data, "exact, in order")
    is_eq(len(got), -(-SIZE // CHUNK), "one message a chunk")
done()
