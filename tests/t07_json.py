#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 7: --json.  Every stdout line is one JSON object with
"ts" (RFC 3339 UTC, microseconds) and "event"; the events listening,
connecting, connected, accepted, recv, sent, closed, error and result carry
the SPEC section 6 fields with the right values."""
import datetime
import json
import os
import re
import socket
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, connect, recv_exact, free_port, run, Socktool

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


def events(st, start=0, end=None):
    """Parsed JSON lines of stdout between byte offsets (complete lines)."""
    buf = st.out[start:end]
    buf = buf[:buf.rfind(b"\n") + 1]
    return [json.loads(l) for l in buf.decode("utf-8").splitlines()]


def wait_event(st, pred, what, start=0, timeout=10):
    """Wait for an event (from byte offset start) satisfying pred."""
    deadline = time.monotonic() + timeout
    while True:
        pos = len(st.out)
        for ev in events(st, start, pos):
            if pred(ev):
                return ev
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no %s event; stdout:\n%s" % (
                what, st.text[-3000:]))
        try:
            st.wait_for(r"\n", timeout=left, start=pos)
        except TimeoutError:
            pass


def ev_is(name, **kw):
    return lambda e: e.get("event") == name and all(
        e.get(k) == v for k, v in kw.items())


def fields(e, *names):
    return {n: e.get(n) for n in names}


t_start = datetime.datetime.now(datetime.timezone.utc)

# A python server for socktool's tcp-client to reach.
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
ls.settimeout(10)
q = ls.getsockname()[1]
closed_port = free_port()

with Socktool("--json", "--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    lev = wait_event(st, ev_is("listening"), "listening")
    m = re.match(r"^127\.0\.0\.1:(\d+)$", str(lev.get("local")))
    ok(m, "listening: local is 127.0.0.1:PORT", lev)
    port = int(m.group(1)) if m else 0
    is_eq(fields(lev, "id", "kind"), {"id": 1, "kind": "tcp-server"},
          "listening: id and kind")

    peer = connect(port)
    pport = peer.getsockname()[1]
    aev = wait_event(st, ev_is("accepted"), "accepted")
    is_eq(fields(aev, "id", "parent", "kind", "local", "remote"),
          {"id": 2, "parent": 1, "kind": "tcp-peer",
           "local": "127.0.0.1:%d" % port, "remote": "127.0.0.1:%d" % pport},
          "accepted: id, parent, kind, local, remote")

    st.cmd("tcp-client 127.0.0.1 %d" % q)
    conn, caddr = ls.accept()
    cev0 = wait_event(st, ev_is("connecting"), "connecting")
    is_eq(fields(cev0, "id", "kind", "remote"),
          {"id": 3, "kind": "tcp-client", "remote": "127.0.0.1:%d" % q},
          "connecting: id, kind, remote")
    cev = wait_event(st, ev_is("connected"), "connected")
    is_eq(fields(cev, "id", "kind", "local", "remote"),
          {"id": 3, "kind": "tcp-client", "local": "127.0.0.1:%d" % caddr[1],
           "remote": "127.0.0.1:%d" % q},
          "connected: id, kind, local, remote")

    # sent: text with escapes and a literal UTF-8 character.
    n = len(st.out)
    st.cmd("send 3 h\u00e9\\x01\\n")
    is_eq(recv_exact(conn, 5), b"h\xc3\xa9\x01\n", "the bytes sent arrive")
    sev = wait_event(st, ev_is("sent", id=3), "sent", n)
    is_eq(fields(sev, "id", "bytes", "hex", "text"),
          {"id": 3, "bytes": 5, "hex": "68c3a9010a", "text": "h\u00e9\x01\n"},
          "sent: id, bytes, hex, text")

    n = len(st.out)
    st.cmd("sendhex 2 00 ff 41 DE")
    is_eq(recv_exact(peer, 4), b"\x00\xffA\xde", "sendhex bytes arrive")
    sev = wait_event(st, ev_is("sent", id=2), "sent", n)
    is_eq(fields(sev, "id", "bytes", "hex", "text"),
          {"id": 2, "bytes": 4, "hex": "00ff41de",
           "text": "\x00\ufffdA\ufffd"},
          "sent (sendhex): lower-case hex, invalid UTF-8 as U+FFFD")

    # recv: invalid UTF-8 becomes U+FFFD in text, hex carries every byte.
    n = len(st.out)
    peer.sendall(b"a\xffb\x80\xe4\xbd\xa0\"\\\n")
    rev = wait_event(st, ev_is("recv", id=2), "recv", n)
    is_eq(fields(rev, "id", "bytes", "hex", "text"),
          {"id": 2, "bytes": 10, "hex": "61ff6280e4bda0225c0a",
           "text": "a\ufffdb\ufffd\u4f60\"\\\n"},
          "recv: id, bytes, hex, text")
    n = len(st.out)
    conn.sendall(b"\x00\x01\x02\xfe")
    rev = wait_event(st, ev_is("recv", id=3), "recv", n)
    is_eq(fields(rev, "id", "bytes", "hex"),
          {"id": 3, "bytes": 4, "hex": "000102fe"},
          "recv on a client session")

    # error: a failing command is an error event on stdout.
    n = len(st.out)
    st.cmd("send 99 x")
    eev = wait_event(st, ev_is("error"), "error", n)
    is_eq(eev.get("command"), "send", "error: command names the command")
    ok(isinstance(eev.get("message"), str) and "99" in eev["message"],
       "error: message says what is wrong", eev)
    n = len(st.out)
    st.cmd("tcp-client 127.0.0.1 %d" % closed_port)
    eev = wait_event(st, ev_is("error"), "error", n)
    is_eq(eev.get("command"), "tcp-client",
          "connect refused: error event with its command")
    ok("refused" in str(eev.get("message")).lower(),
       "connect refused: message says refused", eev)

    # result: list with the table's columns.
    n = len(st.out)
    st.cmd("list")
    res = wait_event(st, ev_is("result", command="list"), "list result", n)
    ses = res.get("sessions")
    ok(isinstance(ses, list), "result list: sessions array", res)
    ses = {s.get("id"): s for s in ses or []}
    is_eq(sorted(ses), [1, 2, 3], "result list: the three live sessions")
    cols = ("id", "kind", "state", "local", "remote", "rx", "tx", "display")
    is_eq(fields(ses.get(1, {}), *cols),
          {"id": 1, "kind": "tcp-server", "state": "listening",
           "local": "127.0.0.1:%d" % port, "remote": None, "rx": 10, "tx": 4,
           "display": "text"}, "result list: server row")
    is_eq(fields(ses.get(2, {}), *(cols + ("parent",))),
          {"id": 2, "kind": "tcp-peer", "state": "connected",
           "local": "127.0.0.1:%d" % port, "remote": "127.0.0.1:%d" % pport,
           "rx": 10, "tx": 4, "display": "text", "parent": 1},
          "result list: peer row with parent")
    is_eq(fields(ses.get(3, {}), *cols),
          {"id": 3, "kind": "tcp-client", "state": "connected",
           "local": "127.0.0.1:%d" % caddr[1], "remote": "127.0.0.1:%d" % q,
           "rx": 4, "tx": 5, "display": "text"}, "result list: client row")
    ok(ses.get(3, {}).get("parent") is None, "result list: client no parent")

    n = len(st.out)
    st.cmd("stats")
    res = wait_event(st, ev_is("result", command="stats"), "stats result", n)
    ok(res.get("sessions") or res.get("id"),
       "result stats: carries its data", res)

    # closed: local close, and the peer closing.
    n = len(st.out)
    st.cmd("close 2")
    cl = wait_event(st, ev_is("closed", id=2), "closed", n)
    is_eq(cl.get("reason"), "local", "closed by us: reason local")
    ok(isinstance(cl.get("message"), str) and cl["message"],
       "closed: has a message", cl)
    peer.settimeout(10)
    is_eq(peer.recv(1), b"", "the peer sees EOF")
    n = len(st.out)
    conn.close()
    cl = wait_event(st, ev_is("closed", id=3), "closed", n)
    is_eq(cl.get("reason"), "peer", "closed by the peer: reason peer")
    ok(isinstance(cl.get("message"), str) and cl["message"],
       "closed (peer): has a message", cl)
    rst = socket.socket()
    rst.connect(("127.0.0.1", port))
    wait_event(st, ev_is("accepted", id=5), "accepted 5")
    rst.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                   b"\x01\x00\x00\x00\x00\x00\x00\x00")
    rst.close()                                   # RST, not FIN
    cl = wait_event(st, ev_is("closed", id=5), "closed")
    is_eq(cl.get("reason"), "reset", "connection reset: reason reset")
    peer.close()
    ls.close()

    st.cmd("frobnicate")
    st.cmd("echo done-marker")
    rc = st.finish()
    is_eq(rc, 1, "--keep-going with failed commands exits 1")
    out = st.out
    err = st.err
t_end = datetime.datetime.now(datetime.timezone.utc)

# --- every line: JSON object, ts, event ------------------------------------
lines = out.decode("utf-8").split("\n")
is_eq(lines[-1], "", "stdout ends with a newline")
lines = lines[:-1]
bad, evs = [], []
for l in lines:
    try:
        e = json.loads(l)
        if not isinstance(e, dict):
            raise ValueError("not an object")
        evs.append(e)
    except ValueError:
        bad.append(l)
is_eq(bad, [], "every stdout line is a JSON object (%d lines)" % len(lines))
ok(all(isinstance(e.get("event"), str) for e in evs),
   "every object has an event")
badts = [e.get("ts") for e in evs if not TS.match(str(e.get("ts")))]
is_eq(badts, [], "every ts is RFC 3339 UTC with microseconds")
tss = []
for e in evs:
    try:
        tss.append(datetime.datetime.strptime(
            e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc))
    except (KeyError, ValueError):
        pass
slack = datetime.timedelta(seconds=2)
ok(tss and all(t_start - slack <= t <= t_end + slack for t in tss),
   "timestamps are the current UTC time", (t_start, tss[:1], t_end))
ok(tss == sorted(tss), "timestamps never go backwards")
kinds = {e.get("event") for e in evs}
for k in ("listening", "connecting", "connected", "accepted", "recv", "sent",
          "closed", "error", "result"):
    ok(k in kinds, "event %s appears" % k)
ok(all(isinstance(e.get("id"), int) for e in evs if e.get("event") in
       ("listening", "connecting", "connected", "accepted", "recv", "sent",
        "closed")), "every session event has a numeric id")
ok(all(isinstance(e.get("command"), str) for e in evs
       if e.get("event") == "result"), "every result names its command")
errs = [e for e in evs if e.get("event") == "error"]
is_eq(len(errs), 3, "three error events for the three failed commands")
ok(any("frobnicate" in str(e.get("message")) for e in errs),
   "unknown command: error event names it", errs)
ok(any(e.get("event") == "closed" and e.get("id") == 1 for e in evs),
   "the server's closed event at end of input")
ok(b"done-marker" in out and b"\"done-marker" in out,
   "echo output is JSON too", out[-500:])
ok(b"error:" not in out, "no human error line on stdout")
is_eq(err, b"", "stderr is empty: in JSON mode errors are events on stdout")

# -j is --json
rc, out, err = run("tcp-server 127.0.0.1 0\nlist\n", "-j")
try:
    evs = [json.loads(l) for l in out.splitlines()]
except ValueError:
    evs = []
is_eq([e.get("event") for e in evs][:2], ["listening", "result"],
      "-j is the same as --json")
done()
