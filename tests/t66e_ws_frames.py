#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10 (issue 16, acceptance 4 and 6), checked by a peer that parses
every frame itself (a raw TCP server written here, no WebSocket library):
send is a text message and sendhex a binary one; `set ID ws-fragment N`
cuts messages into frames of N bytes; `ws-frame` sends one frame exactly
as given (opcode, FIN, RSV bits, no mask or a given key); `ws-ping` and its
pong with the round-trip time; the peer's ping answered at once, and not
after `set ID ws-autopong off`; a message the peer fragments (a ping
between its frames) shown whole with its frame count; `ws-close CODE
REASON` on the wire and the peer's answer in the closed event (ws_code,
ws_reason); bad values are one error each."""
import base64
import hashlib
import json
import os
import queue
import re
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool  # noqa: E402

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            raise EOFError
        b += d
    return b


def read_frame(c):
    h = recv_exact(c, 2)
    fin, rsv, op = h[0] >> 7, (h[0] >> 4) & 7, h[0] & 15
    masked, n = h[1] >> 7, h[1] & 127
    if n == 126:
        n = struct.unpack(">H", recv_exact(c, 2))[0]
    elif n == 127:
        n = struct.unpack(">Q", recv_exact(c, 8))[0]
    key = recv_exact(c, 4) if masked else None
    p = recv_exact(c, n)
    if key:
        p = bytes(b ^ key[i % 4] for i, b in enumerate(p))
    return dict(fin=fin, rsv=rsv, op=op, key=key, payload=p)


def frame(op, payload, fin=1):
    n = len(payload)
    h = bytes([fin << 7 | op])
    if n < 126:
        h += bytes([n])
    else:
        h += bytes([126]) + struct.pack(">H", n)
    return h + payload


class RawServer:
    """One connection: the upgrade answered, then every frame read into
    a queue; frames sent on request."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(1)
        self.port = self.s.getsockname()[1]
        self.frames = queue.Queue()
        self.c = None
        self.ready = threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        c, _ = self.s.accept()
        c.settimeout(20)
        head = b""
        while b"\r\n\r\n" not in head:
            head += c.recv(4096)
        key = re.search(rb"(?i)sec-websocket-key: *(\S+)", head).group(1)
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest())
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket"
                  b"\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                  acc + b"\r\n\r\n")
        self.c = c
        self.ready.set()
        try:
            while True:
                self.frames.put(read_frame(c))
        except (EOFError, OSError):
            self.frames.put(None)

    def next(self):
        return self.frames.get(timeout=20)

    def send(self, b):
        self.c.sendall(b)


srv = RawServer()
with Socktool("--json", "--keep-going") as st:
    st.cmd("ws-client ws://127.0.0.1:%d/raw" % srv.port)
    st.wait_for(r'"event":"ws".*"status":101')
    srv.ready.wait(20)

    st.cmd("send 1 hello")
    f = srv.next()
    ok(f["op"] == 1 and f["fin"] == 1 and f["key"] is not None and
       f["payload"] == b"hello", "send: one masked text frame", f)
    st.cmd("sendhex 1 68 69")
    f = srv.next()
    ok(f["op"] == 2 and f["payload"] == b"hi",
       "sendhex: a binary message, even of UTF-8 bytes", f)

    st.cmd("set 1 ws-fragment 3")
    st.cmd("send 1 abcdefgh")
    fs = [srv.next() for _ in range(3)]
    is_eq([(x["op"], x["fin"], x["payload"]) for x in fs],
          [(1, 0, b"abc"), (0, 0, b"def"), (0, 1, b"gh")],
          "ws-fragment 3: text, continuation, continuation; FIN on the "
          "last")
    st.cmd("set 1 ws-fragment 0")

    st.cmd("ws-frame 1 --opcode 9 --no-mask 010203")
    f = srv.next()
    ok(f["op"] == 9 and f["key"] is None and f["payload"] == b"\1\2\3",
       "ws-frame --no-mask: an unmasked ping frame", f)
    st.cmd("ws-frame 1 --opcode 3 --rsv 4 --fin 0 --mask 01020304 aabb")
    f = srv.next()
    ok(f["op"] == 3 and f["rsv"] == 4 and f["fin"] == 0 and
       f["key"] == b"\1\2\3\4" and f["payload"] == b"\xaa\xbb",
       "ws-frame: a reserved opcode, RSV1, no FIN, the given key", f)

    # Our ping, the peer's pong, the round trip.
    st.cmd("ws-ping 1 hi")
    f = srv.next()
    ok(f["op"] == 9 and f["payload"] == b"hi", "ws-ping: a ping frame", f)
    srv.send(frame(10, b"hi"))
    m = st.wait_for(r'(\{.*"event":"pong".*\})')
    ok("rtt_ms" in json.loads(m.group(1)), "the pong event has rtt_ms",
       m.group(1))

    # The peer's ping: answered at once; not with ws-autopong off.
    srv.send(frame(9, b"x"))
    f = srv.next()
    ok(f["op"] == 10 and f["payload"] == b"x", "a ping is answered with "
       "its payload", f)
    at = len(st.out)
    st.cmd("set 1 ws-autopong off")
    st.wait_for(r'"event":"result","command":"set"', start=at)
    srv.send(frame(9, b"y") + frame(1, b"after"))
    st.wait_for(r'"event":"recv".*"text":"after"')
    st.cmd("send 1 marker")
    f = srv.next()
    ok(f["op"] == 1 and f["payload"] == b"marker",
       "ws-autopong off: no pong before what came after", f)

    # A fragmented message with a ping between its frames.
    at = len(st.out)
    st.cmd("set 1 ws-autopong on")
    st.wait_for(r'"event":"result","command":"set"', start=at)
    srv.send(frame(1, b"He", fin=0) + frame(9, b"z") +
             frame(0, b"llo", fin=1))
    m = st.wait_for(r'(\{.*"event":"recv".*"text":"Hello".*\})')
    j = json.loads(m.group(1))
    ok(j.get("ws") == "text" and j.get("frames") == 2,
       "a fragmented message shown whole: ws text, frames 2", j)
    f = srv.next()
    ok(f["op"] == 10 and f["payload"] == b"z",
       "the ping between fragments answered", f)

    # Bad values: one error each, nothing sent.
    for cmd, why in (("ws-close 1 999", "a code below 1000"),
                     ("ws-close 1 1005", "a code never sent"),
                     ("ws-ping 1 " + "x" * 126, "a ping over 125 bytes"),
                     ("ws-frame 1 --opcode 16 00", "an opcode over 15"),
                     ("ws-frame 1 --mask 0102 00", "a 2-byte mask"),
                     ("set 1 ws-fragment lots", "a bad fragment size"),
                     ("set 1 ws-autopong maybe", "a bad on/off")):
        at = len(st.out)
        st.cmd(cmd)
        st.wait_for(r'"event":"error"', start=at)
        ok(True, "%s: one error" % why)

    # Our close and the peer's answer.
    st.cmd('ws-close 1 4002 "all done"')
    f = srv.next()
    ok(f["op"] == 8 and f["payload"] == struct.pack(">H", 4002) +
       b"all done", "ws-close: code and reason on the wire", f)
    srv.send(frame(8, struct.pack(">H", 4002) + b"ok"))
    m = st.wait_for(r'(\{.*"event":"closed".*\})')
    j = json.loads(m.group(1))
    ok(j.get("reason") == "local" and j.get("ws_code") == 4002 and
       j.get("ws_reason") == "ok", "closed: local, with the peer's code "
       "and reason", j)
    out = st.out
    ok(re.search(rb'"event":"ws_close".*"direction":"tx".*"code":4002',
                 out), "a ws_close event for ours", out[-400:])

# The human header: type, size, frame count.
srv2 = RawServer()
with Socktool() as st:
    st.cmd("ws-client ws://127.0.0.1:%d/" % srv2.port)
    st.wait_for(r"101 Switching Protocols")
    srv2.ready.wait(20)
    srv2.send(frame(2, b"\x00\x01", fin=0) + frame(0, b"\x02", fin=0) +
              frame(0, b"\x03", fin=1))
    st.wait_for(r"\[1\] < binary 4 bytes \(3 frames\)")
    ok(True, "human: [1] < binary 4 bytes (3 frames)")
    st.cmd("send 1 ok")
    st.wait_for(r"\[1\] > text 2 bytes")
    ok(True, "human: [1] > text 2 bytes")
done()
