#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, `tcp-client HOST PORT --reconnect [DUR]` (and tls-client,
unix-client): a connection the peer closes, or a connect that is refused,
is made again after DUR as a new session whose connecting and connected
events say which session it replaces (`replaces` in JSON); the settings
carry over; the new session waits in state `waiting` meanwhile and `close`
cancels it for good; closing the connected session stops it too."""
import json
import os
import re
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, parse_list, free_port  # noqa: E402


def listener(port=0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    s.settimeout(10)
    return s


def listed(st, mark):
    """The rows of a `list` run now (mark: an echo after it)."""
    pos = len(st.out)
    st.cmd("list")
    st.cmd("echo %s" % mark)
    st.wait_for(r"^%s$" % mark, start=pos)
    return parse_list(st.out[pos:].decode())


# 1. The peer closes: a new session (new id) connects, says it replaces
#    the old one, and keeps its settings; the server sees a new connection.
srv = listener()
P = srv.getsockname()[1]
with Socktool() as st:
    st.cmd("tcp-client 127.0.0.1 %d --reconnect 50ms" % P)
    c1, _ = srv.accept()
    st.wait_for(r"^\[1\] connected to 127\.0\.0\.1:%d" % P)
    st.cmd("set 1 display hex")
    st.cmd("echo SET")
    st.wait_for(r"^SET$")
    c1.close()
    m = st.seen(r"^\[1\] closed \(peer\)")
    ok(m, "the peer's close ends session 1")
    m = st.seen(r"^\[2\] reconnecting to 127\.0\.0\.1:%d in 50ms "
                r"\(replaces 1" % P)
    ok(m, "session 2 waits to reconnect and says it replaces 1")
    c2, _ = srv.accept()
    m = st.seen(r"^\[2\] connected to 127\.0\.0\.1:%d from \S+ "
                r"\(replaces 1\)$" % P)
    ok(m, "[2] connected ... (replaces 1)", st.text[-600:])
    rows = listed(st, "L1")
    is_eq([(r["ID"], r["STATE"], r["DISPLAY"]) for _, r in rows],
          [("2", "connected", "hex")],
          "list: only the new session, connected, display hex carried over")
    c2.sendall(b"hi")
    ok(st.seen(r"^00000000  68 69 "), "the new session shows in hex")

    # The user's close ends it: no next session.
    pos = len(st.out)
    st.cmd("close 2")
    ok(st.seen(r"^\[2\] closed \(local\)", start=pos),
       "close 2 closes the connected session")
    is_eq(c2.recv(10), b"", "the server sees the connection end")
    rows = listed(st, "L2")
    is_eq(rows, [], "after close of the connected session nothing waits "
          "to reconnect")
    ok(b"[3]" not in st.out, "no session 3 was made")
    c1.close()
    c2.close()
srv.close()

# 2. JSON: the connecting and connected events carry "replaces".
srv = listener()
P = srv.getsockname()[1]
with Socktool("--json") as st:
    st.cmd("tcp-client 127.0.0.1 %d --reconnect=50ms" % P)
    c1, _ = srv.accept()
    st.wait_for(r'"event":"connected"')
    c1.close()
    c2, _ = srv.accept()
    st.wait_for(r'"event":"connected".*"id":2|"id":2.*"event":"connected"')
    evs = [json.loads(x) for x in st.text.splitlines() if x.startswith("{")]
    conn = [e for e in evs if e.get("event") == "connected"]
    is_eq([(e.get("id"), e.get("replaces")) for e in conn],
          [(1, None), (2, 1)], "JSON connected: replaces 1 on the second")
    cing = [e for e in evs if e.get("event") == "connecting" and
            e.get("id") == 2]
    ok(cing and cing[0].get("replaces") == 1,
       "JSON connecting of session 2 carries replaces 1", cing)
    rec = [e for e in evs if e.get("event") == "reconnecting"]
    ok(rec and rec[0].get("id") == 2 and rec[0].get("replaces") == 1 and
       rec[0].get("delay_ms") == 50, "JSON reconnecting event", rec)
    c2.close()
srv.close()

# 3. Refused, then the server comes back: it connects then.
P = free_port()
with Socktool() as st:
    st.cmd("tcp-client 127.0.0.1 %d --reconnect 50ms" % P)
    ok(st.seen(r"^\[1\] closed \(error\): .*[Rr]efused"),
       "the first connect is refused")
    ok(st.seen(r"^\[2\] reconnecting to 127\.0\.0\.1:%d in 50ms" % P),
       "session 2 waits 50ms")
    ok(st.seen(r"^\[2\] closed \(error\): .*[Rr]efused"),
       "the second attempt is refused too")
    ok(st.seen(r"^\[3\] reconnecting to 127\.0\.0\.1:%d in 100ms "
               r"\(replaces 2" % P),
       "each failed attempt doubles the wait (100ms)")
    srv = listener(P)
    c, _ = srv.accept()
    m = st.seen(r"^\[(\d+)\] connected to 127\.0\.0\.1:%d from \S+ "
                r"\(replaces (\d+)\)$" % P)
    ok(m and int(m.group(2)) == int(m.group(1)) - 1 and
       int(m.group(1)) >= 3,
       "connected once the server is back, replacing the last attempt",
       st.text[-600:])
    c.close()
    srv.close()

# 4. close during the wait cancels the reconnect for good.
P = free_port()
with Socktool() as st:
    st.cmd("tcp-client 127.0.0.1 %d --reconnect 5s" % P)
    m = st.seen(r"^\[2\] reconnecting to 127\.0\.0\.1:%d in 5s" % P)
    ok(m, "after the refusal, session 2 waits 5s")
    rows = listed(st, "W1")
    is_eq([(r["ID"], r["STATE"]) for _, r in rows], [("2", "waiting")],
          "list shows the pending reconnect as waiting")
    st.cmd("close 2")
    ok(st.seen(r"^\[2\] closed \(local\): reconnect cancelled$"),
       "close 2 says the reconnect was cancelled")
    rows = listed(st, "W2")
    is_eq(rows, [], "nothing is left waiting after the cancel")
    ok(not re.search(rb"^\[[3-9]\]", st.out, re.M),
       "no further attempt was made")

# 5. Bad values: one error each, no session.
for arg, want in (("--reconnect 1ms", "at least 10ms"),
                  ("--reconnect=soon", "bad duration"),
                  # A value without its unit is not taken as one: said so,
                  # not "too many arguments".
                  ("--reconnect 5", '--reconnect takes a duration with '
                   'its unit (500ms, 2s, 1m): "5" is not one'),
                  ("--reconnect soon", '"soon" is not one')):
    with Socktool("--keep-going") as st:
        st.cmd("tcp-client 127.0.0.1 1 %s" % arg)
        st.cmd("list")
        st.finish()
        err = (st.out + st.err).decode()
        ok(want in err and "(no sessions)" in err and
           err.count("error:") == 1, "%s: one error, no session" % arg, err)

# 6. unix-client: a path with no listener yet is waited for.
d = tempfile.mkdtemp(prefix="t55")
path = os.path.join(d, "s.sock")
with Socktool() as st:
    st.cmd("unix-client %s --reconnect 50ms" % path)
    ok(st.seen(r"^\[2\] reconnecting to %s in 50ms \(replaces 1" %
               re.escape(path)), "unix-client: waits for the socket")
    us = socket.socket(socket.AF_UNIX)
    us.bind(path)
    us.listen(1)
    us.settimeout(10)
    c, _ = us.accept()
    ok(st.seen(r"^\[\d+\] connected to %s .*\(replaces \d+\)$" %
               re.escape(path)), "unix-client: connected once it is there")
    c.close()
    us.close()
os.unlink(path)
os.rmdir(d)

# 7. tls-client: the server ends the connection, a new handshake follows.
with Socktool() as st:
    st.cmd("tls-server 127.0.0.1 0")
    P = st.port(1)
    st.cmd("tls-client 127.0.0.1 %d --insecure --reconnect 50ms" % P)
    m = st.wait_for(r"^\[(\d+)\] accepted ")
    peer = int(m.group(1))
    st.wait_for(r"^\[2\] connected ")
    st.cmd("close %d" % peer)
    m = st.seen(r"^\[(\d+)\] connected to 127\.0\.0\.1:%d from \S+ "
                r"\(replaces 2\)$" % P)
    ok(m, "tls-client: reconnected after the server closed", st.text[-800:])
    if m:
        new = int(m.group(1))
        st.cmd("send %d over-tls" % new)
        ok(st.seen(r"^\[\d+\] < 8 bytes\nover-tls$", start=m.end()),
           "the new TLS session carries data to the server's new peer")

done()
