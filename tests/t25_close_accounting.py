#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a session's end accounts for (SPEC 3.6, 5, 6, 7):
(a) the tail of an incomplete frame is shown and counted however the
    session ends: by a reset from the peer, or by a local `close` (framings
    line, len:2, delim:00, fixed:4; human and --json);
(b) bytes still queued when the peer resets are reported as lost in the
    closed event (human line, JSON "lost" field);
(c) the closed event's reason and message never contradict: a session we
    close ourselves, whose peer then sends FIN, is not reported as
    `closed (local): connection closed by peer`."""
import json
import os
import re
import select
import socket
import sys
import traceback
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool, connect, deadline_loop  # noqa: E402

LINGER0 = b"\x01\0\0\0\0\0\0\0"          # struct linger {1, 0}: close = RST


def listen(st, json_mode):
    st.cmd("tcp-server 127.0.0.1 0")
    if json_mode:
        m = st.wait_for(r'"event":"listening","id":1,.*'
                        r'"local":"127\.0\.0\.1:(\d+)"')
        return int(m.group(1))
    return st.port(1)


def wait_accepted(st, sid, json_mode, start=0):
    if json_mode:
        st.wait_for(r'"event":"accepted","id":%d\b' % sid, start=start)
    else:
        st.wait_for(r"^\[%d\] accepted" % sid, start=start)


def show(st, sid, json_mode, field):
    """Run `show SID`; returns the value of rx_bytes / queued."""
    pos = len(st.out)
    st.cmd("show %d" % sid)
    if json_mode:
        key = {"rx": "rx_bytes", "queued": "queued"}[field]
        m = st.wait_for(r'"command":"show","id":%d,.*"%s":(\d+)' % (sid, key),
                        start=pos)
    else:
        rx = {"rx": r"^  received +(\d+) bytes?", "queued": r"^  queued +(\d+)"}
        m = st.wait_for(rx[field], start=pos)
    return int(m.group(1))


def wait_show(st, sid, json_mode, field, pred, what, timeout=20):
    for _ in deadline_loop(timeout, what):
        v = show(st, sid, json_mode, field)
        if pred(v):
            return v


def closed_line(st, sid, json_mode, timeout=20, start=0):
    """Wait for the closed event of sid: (reason, message, event or None,
    offset of the event in st.out)."""
    if json_mode:
        m = st.wait_for(r'^\{.*"event":"closed","id":%d\b.*$' % sid,
                        timeout=timeout, start=start)
        ev = json.loads(m.group(0))
        return ev.get("reason"), ev.get("message"), ev, m.start()
    m = st.wait_for(r"^\[%d\] closed \(([^)]*)\): ?(.*)$" % sid,
                    timeout=timeout, start=start)
    return (m.group(1).decode(), m.group(2).decode(), m.group(0).decode(),
            m.start())


def case(name, fn, *args):
    """Run one case; an exception (a timeout, socktool gone) is one failed
    assertion, and the next case still runs."""
    try:
        fn(*args)
    except Exception as e:              # noqa: BLE001
        first = (str(e).splitlines() or [""])[0]
        ok(False, "%s: %s %s" % (name, type(e).__name__, first),
           traceback.format_exc() + "\n" + str(e))


def events(buf):
    out = []
    for line in buf.decode("utf-8", "replace").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def tcp_state(lport, rport):
    """State (hex, as in /proc/net/tcp) of the socket local lport ->
    remote rport on loopback, or None."""
    for fn in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(fn) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if (int(f[1].rsplit(":", 1)[1], 16) == lport and
                    int(f[2].rsplit(":", 1)[1], 16) == rport):
                return f[3]
    return None


# ---- (a) the tail of an incomplete frame -------------------------------
# (framing, bytes the peer sends in one write, the complete first message,
#  the incomplete tail, the tail as text display shows it)
CASES = [
    ("line", b"one\ntwo-no-newline", b"one\n", b"two-no-newline",
     "two-no-newline"),
    ("len:2", b"\x00\x03abc\x00\x05de", b"\x00\x03abc", b"\x00\x05de",
     r"\0\x05de"),
    ("delim:00", b"one\x00two-tail", b"one\x00", b"two-tail", "two-tail"),
    ("fixed:4", b"abcdxy", b"abcd", b"xy", "xy"),
]


def tail_case(framing, blob, first, tail, tail_text, end, json_mode):
    label = "framing %s, %s, %s" % (framing, "peer reset" if end == "reset"
                                    else "local close",
                                    "json" if json_mode else "human")
    args = ["--json"] if json_mode else []
    with Socktool(*args) as st:
        st.cmd("set default framing %s" % framing)
        port = listen(st, json_mode)
        c = connect(port)
        try:
            wait_accepted(st, 2, json_mode)
            c.sendall(blob)
            # socktool has read every byte: the first message is out, the
            # tail sits in the framer.
            wait_show(st, 2, json_mode, "rx", lambda v: v >= len(blob),
                      "rx_bytes %d" % len(blob))
            if json_mode:
                st.wait_for(r'"event":"recv","id":2,"bytes":%d,"hex":"%s"'
                            % (len(first), first.hex()))
            else:
                st.wait_for(r"^\[2\] < %d bytes" % len(first))
            if end == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
                c.close()
            else:
                st.cmd("close 2")
            reason, msg, ev, at = closed_line(st, 2, json_mode)
            if json_mode:
                recvs = [(e.get("bytes"), e.get("hex"))
                         for e in events(st.out[:at])
                         if e.get("event") == "recv" and e.get("id") == 2]
                is_eq(recvs, [(len(first), first.hex()),
                              (len(tail), tail.hex())],
                      "%s: a recv event carries the tail %r before closed"
                      % (label, tail))
            else:
                seg = st.out[:at].decode("utf-8", "replace")
                got = re.search(r"^\[2\] < %d bytes[^\n]*\n%s$"
                                % (len(tail), re.escape(tail_text)), seg,
                                re.M)
                ok(got, "%s: the tail %s is shown as received before the "
                   "closed line" % (label, tail_text), st.text[-1500:])
        finally:
            c.close()
            st.kill()


for json_mode in (False, True):
    for framing, blob, first, tail, tail_text in CASES:
        case("tail, framing %s, reset" % framing, tail_case, framing, blob,
             first, tail, tail_text, "reset", json_mode)
    framing, blob, first, tail, tail_text = CASES[0]
    case("tail, framing %s, local close" % framing, tail_case, framing, blob,
         first, tail, tail_text, "close", json_mode)


# ---- (b) bytes queued when the peer resets are reported as lost ---------
CHUNK = 60000
REPEAT = 70                                 # 4.2 MB offered to a stuck peer


def lost_case(json_mode):
    label = "json" if json_mode else "human"
    args = ["--keep-going"] + (["--json"] if json_mode else [])
    with Socktool(*args) as st:
        st.cmd("set default display none")
        port = listen(st, json_mode)
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.settimeout(10)
        try:
            c.connect(("127.0.0.1", port))
            wait_accepted(st, 2, json_mode)
            # Repeats wait for room instead of blocking the script, so the
            # queue fills while commands still run.
            st.cmd("send 2 --repeat %d %s" % (REPEAT, "x" * CHUNK))
            q = wait_show(st, 2, json_mode, "queued",
                          lambda v: v >= 64 << 10,
                          "64 KiB queued to a peer that does not read")
            ok(q >= 64 << 10, "%s: %d bytes queued before the reset"
               % (label, q))
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
            c.close()
            reason, msg, ev, at = closed_line(st, 2, json_mode)
            if json_mode:
                lost = ev.get("lost")
                ok(isinstance(lost, int) and 0 < lost <= CHUNK * REPEAT,
                   "json: the closed event has \"lost\" > 0 (%r)" % lost, ev)
                ok(isinstance(ev.get("rx_bytes"), int) and
                   isinstance(ev.get("tx_bytes"), int),
                   "json: the closed event has rx_bytes and tx_bytes", ev)
            else:
                nums = [int(x) for x in re.findall(r"\d+", msg)]
                ok("lost" in msg and any(n > 0 for n in nums),
                   "human: the closed line says how many bytes were lost",
                   ev)
        finally:
            c.close()
            st.kill()


case("lost, human", lost_case, False)
case("lost, json", lost_case, True)


# ---- (c) reason and message agree ----------------------------------------
# We close first while the kernel still holds bytes the peer has not read
# (our queue is empty, our FIN waits behind them); then the peer sends FIN.
def local_first_case(json_mode):
    label = "json" if json_mode else "human"
    args = ["--json"] if json_mode else []
    with Socktool(*args) as st:
        port = listen(st, json_mode)
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.settimeout(10)
        try:
            c.connect(("127.0.0.1", port))
            cport = c.getsockname()[1]
            wait_accepted(st, 2, json_mode)
            st.cmd("set 2 display none")
            st.cmd("send 2 " + "y" * 20000)
            wait_show(st, 2, json_mode, "queued", lambda v: v == 0,
                      "the send handed to the kernel")
            st.cmd("close 2")
            # shutdown(SHUT_WR) puts socktool's socket in FIN_WAIT1 at
            # once, even though its FIN cannot leave yet.
            state = None
            try:
                for _ in deadline_loop(10, "socktool's side in FIN_WAIT1"):
                    state = tcp_state(port, cport)
                    if state in ("04", None):
                        break
                    select.select([], [], [], 0.01)  # pace the bounded poll
            except TimeoutError:
                pass
            ok(state == "04", "%s: socktool's side is closing (FIN_WAIT1) "
               "before the peer's FIN" % label, state)
            c.shutdown(socket.SHUT_WR)
            got = 0
            while True:
                d = c.recv(65536)
                if not d:
                    break
                got += len(d)
            is_eq(got, 20000, "%s: the peer still gets every byte" % label)
            reason, msg, ev, at = closed_line(st, 2, json_mode)
            ok(not (reason == "local" and "by peer" in msg),
               "%s: reason and message agree (%s: %s)" % (label, reason, msg),
               ev)
        finally:
            c.close()
            st.kill()


case("reason/message, human", local_first_case, False)
case("reason/message, json", local_first_case, True)

# ---- the expect window after bulk data (its copy is put off, pipe.c) -------
# A pattern at the end of 8 MiB read in large chunks is found, while the
# session lives and after it closed; a pattern split over two reads too.
def bulk_then(mark, close_first):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with Socktool() as st:
        st.cmd("tcp-client 127.0.0.1 %d" % srv.getsockname()[1])
        st.cmd("set 1 display none")
        st.cmd("echo READY")
        st.wait_for(r"^READY$")
        c, _ = srv.accept()
        blob = os.urandom(1 << 20).replace(b"E", b"e")
        for _ in range(8):
            c.sendall(blob)
        c.sendall(mark[:5])
        c.sendall(mark[5:])
        if close_first:
            c.close()
            st.wait_for(r"^\[1\] closed")
        st.cmd("expect 1 %s --timeout 20s" % mark.decode())
        st.cmd("echo AFTER")
        try:
            st.wait_for(r"^AFTER$", timeout=30)
            found = "error" not in st.err.decode()
        except TimeoutError:
            found = False
        if not close_first:
            c.close()
        srv.close()
        return found, st.err.decode()[-300:]


found, err = bulk_then(b"END-OF-BULK", False)
ok(found, "expect finds a pattern at the end of 8 MiB, split over two "
   "reads", err)
found, err = bulk_then(b"END-OF-BULK", True)
ok(found, "... and after the session closed", err)
done()
