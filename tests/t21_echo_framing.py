#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 4, acceptance 3, 4 and 5: echo (on/upper), auto-reply rules
(text and hex patterns, first match wins, clear) and framing (len:N, line,
delim, fixed; one write or byte by byte; oversized length header)."""
import json
import os
import re
import socket
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, Socktool, connect, recv_exact,  # noqa: E402
                deadline_loop)


def events(st, start=0):
    out = []
    for line in st.out[start:].decode("utf-8", "replace").splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def mark(st, name):
    """Run `echo NAME` and wait for it: every earlier command has run."""
    pos = len(st.out)
    st.cmd("echo %s" % name)
    m = st.wait_for(r'^\{.*"command":"echo","text":"%s"\}$' % name,
                    start=pos)
    return m.end()


def accept_id(st, start):
    m = st.wait_for(r'"event":"accepted","id":(\d+)', start=start)
    return int(m.group(1))


def wait_closed(st, sid, start=0, timeout=10):
    return st.wait_for(r'"event":"closed","id":%d\b' % sid, start=start,
                       timeout=timeout).end()


def recvs(st, sid, start=0, end=None):
    evs = events(st, start)
    return [e for e in evs if e.get("event") == "recv" and e.get("id") == sid]


def sents(st, sid, start=0):
    return [e for e in events(st, start)
            if e.get("event") == "sent" and e.get("id") == sid]


def wait_rx(st, sid, n, timeout=10):
    """Ask `show SID` until socktool has read n bytes from the peer: a
    byte-by-byte split is then really seen by socktool one byte at a time."""
    for _ in deadline_loop(timeout, "rx_bytes %d on %d" % (n, sid)):
        pos = len(st.out)
        st.cmd("show %d" % sid)
        m = st.wait_for(r'"command":"show","id":%d,.*"rx_bytes":(\d+)' % sid,
                        start=pos)
        if int(m.group(1)) >= n:
            return int(m.group(1))


with Socktool("--json") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    m = st.wait_for(r'"event":"listening","id":1,.*"local":"127\.0\.0\.1:(\d+)"')
    port = int(m.group(1))

    # ---- echo upper / on ---------------------------------------------------
    st.cmd("set 1 echo upper")
    pos = mark(st, "E1")
    c = connect(port)
    sid = accept_id(st, pos)
    c.sendall(b"abc\n")
    is_eq(recv_exact(c, 4, 5), b"ABC\n", "echo upper: abc\\n comes back ABC\\n")

    st.cmd("set 1 framing line")
    pos = mark(st, "E2")
    c.sendall(b"abc\ndef\n")      # two lines in one TCP write
    is_eq(recv_exact(c, 8, 5), b"ABC\nDEF\n",
          "framing line + echo upper: both lines answered")
    c.close()
    wait_closed(st, sid, pos)
    r = recvs(st, sid, pos)
    s = sents(st, sid, pos)
    is_eq([e["hex"] for e in r], ["6162630a", "6465660a"],
          "two lines in one write: two recv events")
    is_eq([e["hex"] for e in s], ["4142430a", "4445460a"],
          "two replies: two sent events")

    st.cmd("set 1 echo on")
    st.cmd("set 1 framing raw")
    pos = mark(st, "E3")
    c = connect(port)
    sid = accept_id(st, pos)
    c.sendall(b"Mixed Case\x00\xff")
    is_eq(recv_exact(c, 12, 5), b"Mixed Case\x00\xff",
          "echo on: bytes come back unchanged")
    st.cmd("set 1 echo off")
    mark(st, "E4")
    c.sendall(b"quiet")
    st.wait_for(r'"event":"recv","id":%d,"bytes":5,"hex":"7175696574"' % sid)
    st.cmd("send %d END" % sid)
    is_eq(recv_exact(c, 3, 5), b"END", "echo off: nothing echoed any more")
    c.close()
    wait_closed(st, sid)

    # ---- reply rules ----------------------------------------------------------
    st.cmd("set 1 reply PING => PONG")
    st.cmd("set 1 reply 'PI => XX'")
    st.cmd("set 1 reply hex:00ff01 => hex:cafe")
    pos = mark(st, "R1")
    ok(not re.search(rb'"event":"error"', st.out[:pos]),
       "reply rules accepted", st.text[-1500:])
    c = connect(port)
    sid = accept_id(st, pos)
    c.sendall(b"PING")
    is_eq(recv_exact(c, 4, 5), b"PONG", "reply: PING gets PONG")
    c.sendall(b"say PING now")
    is_eq(recv_exact(c, 4, 5), b"PONG",
          "reply: a message containing PING gets PONG")
    c.sendall(b"PIXY")
    is_eq(recv_exact(c, 2, 5), b"XX", "second rule answers what the first "
          "does not match")
    c.sendall(b"\x10\x00\xff\x01\x20")
    is_eq(recv_exact(c, 2, 5), b"\xca\xfe",
          "hex pattern rule matches binary, answers hex bytes")
    st.wait_for(r'"event":"sent","id":%d,"bytes":2,"hex":"cafe"' % sid,
                start=pos)
    n_sent = len([e for e in sents(st, sid, pos) if e["hex"] in
                  ("504f4e47", "5858", "cafe")])
    is_eq(n_sent, 4, "replies are shown as sent events")
    st.cmd("show %d" % sid)
    m = st.wait_for(r'"command":"show","id":%d,.*"tx_bytes":(\d+),'
                    r'"rx_msgs":\d+,"tx_msgs":(\d+)' % sid, start=pos)
    is_eq((int(m.group(1)), int(m.group(2))), (12, 4),
          "replies are counted (bytes and messages)")

    st.cmd("set 1 reply clear")
    p2 = mark(st, "R2")
    c.sendall(b"PING")
    st.wait_for(r'"event":"recv","id":%d,"bytes":4,"hex":"50494e47"' % sid,
                start=p2)
    st.cmd("send %d END" % sid)
    is_eq(recv_exact(c, 3, 5), b"END", "reply clear: PING gets no answer")
    c.close()
    wait_closed(st, sid)

    # ---- framing ------------------------------------------------------------
    L2 = [b"\x00\x03abc", b"\x00\x04defg", b"\x00\x05hijkl"]
    cases = [
        ("len:2", L2),
        ("len:1", [b"\x03abc", b"\x00", b"\x05hijkl"]),
        ("len:4", [b"\x00\x00\x00\x02hi", b"\x00\x00\x01\x00" + b"z" * 256,
                   b"\x00\x00\x00\x01!"]),
        ("len:2le", [b"\x03\x00abc", b"\x04\x00defg", b"\x01\x00x"]),
        ("len:4le", [b"\x03\x00\x00\x00abc", b"\x04\x00\x00\x00defg",
                     b"\x05\x00\x00\x00hijkl"]),
        ("line", [b"one\n", b"two\r\n", b"three\n"]),
        ("delim:0d0a", [b"a\r\n", b"b\nb\rb\r\n", b"ccc\r\n"]),
        ("fixed:4", [b"abcd", b"\r\n\x00x", b"wxyz"]),
    ]
    for framing, msgs in cases:
        for how in ("one write", "byte by byte"):
            st.cmd("set 1 framing %s" % framing)
            pos = mark(st, "F")
            c = connect(port)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sid = accept_id(st, pos)
            blob = b"".join(msgs)
            if how == "one write":
                c.sendall(blob)
            else:
                for i in range(len(blob)):
                    c.sendall(blob[i:i + 1])
                    if framing == "len:2":
                        # socktool has read exactly i+1 bytes so far
                        wait_rx(st, sid, i + 1)
            st.wait_for(r'"event":"recv","id":%d,"bytes":%d,"hex":"%s"' %
                        (sid, len(msgs[-1]), msgs[-1].hex()), start=pos)
            c.close()
            wait_closed(st, sid, pos)
            got = [(e["bytes"], e["hex"]) for e in recvs(st, sid, pos)]
            is_eq(got, [(len(x), x.hex()) for x in msgs],
                  "framing %s, %s: exactly %d recv events, one per message"
                  % (framing, how, len(msgs)))

    # a partial message waits for the rest
    st.cmd("set 1 framing len:2")
    pos = mark(st, "P")
    c = connect(port)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sid = accept_id(st, pos)
    c.sendall(b"\x00\x06abc")
    wait_rx(st, sid, 5)
    p2 = mark(st, "P2")
    is_eq(recvs(st, sid, pos), [], "a partial len:2 message is not shown yet")
    c.sendall(b"def")
    m = st.wait_for(r'"event":"recv","id":%d,"bytes":(\d+),"hex":"(\w+)"' %
                    sid, start=p2)
    is_eq((int(m.group(1)), m.group(2).decode()), (8, "0006616263646566"),
          "the rest completes it: one 8-byte message")

    # oversized header: an error event, no crash, session usable
    st.cmd("set %d framing len:4" % sid)
    p3 = mark(st, "O")
    c.sendall(b"\xff\xff\xff\xffabc")
    m = st.wait_for(r'^\{.*"event":"error".*$', start=p3)
    e = json.loads(m.group(0))
    ok(e.get("id") == sid and "message" in e,
       "oversized len:4 header: an error event for the session", e)
    ok(st.seen(r'"event":"recv","id":%d,"bytes":7,"hex":"ffffffff616263"' %
               sid, start=p3),
       "the buffered bytes are shown unframed", st.text[-2000:])
    p4 = mark(st, "O2")
    c.sendall(b"\x00\x00\x00\x02ok")
    m = st.wait_for(r'"event":"recv","id":%d,"bytes":(\d+),"hex":"(\w+)"' %
                    sid, start=p4)
    is_eq((int(m.group(1)), m.group(2).decode()), (6, "000000026f6b"),
          "after the error, framing works again on the same session")
    st.cmd("send %d still-here" % sid)
    is_eq(recv_exact(c, 10, 5), b"still-here",
          "session still usable for sending")
    st.cmd("list")
    m = st.wait_for(r'^\{.*"command":"list".*$', start=p4)
    ok(any(s.get("id") == sid and s.get("state") == "connected"
           for s in json.loads(m.group(0))["sessions"]),
       "the peer is still connected in list")
    c.close()
    rc = st.finish()
    is_eq(rc, 0, "socktool exits 0 (no crash)")
    ok(b"AddressSanitizer" not in st.err and b"runtime error" not in st.err,
       "no sanitizer report", st.err.decode("utf-8", "replace")[-2000:])
done()
