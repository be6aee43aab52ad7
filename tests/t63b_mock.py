#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19, mock: a conversation recorded from a real device (a python
line server, through `log --format script`) is played by `mock` to
several clients at once, each from the start; what no step expects is
shown and counted (and carried in the closed event); the banner goes at
connect."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, SOCKTOOL, ok, is_eq, done, recv_until  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t63b-")
script = os.path.join(tmp, "device.st")

# ---- the device: a banner, then KEY=VALUE answers to GET lines ----
dev = socket.socket()
dev.bind(("127.0.0.1", 0))
dev.listen(4)
port = dev.getsockname()[1]


def device():
    c, _ = dev.accept()
    c.sendall(b"WELCOME\n")
    f = c.makefile("rb")
    for line in f:
        key = line.strip().split(b" ", 1)[-1]
        c.sendall(key.upper() + b"=%d\n" % len(key))
    c.close()


threading.Thread(target=device, daemon=True).start()
r = subprocess.run([SOCKTOOL], input=(
    "tcp-client 127.0.0.1 %d\n"
    "set 1 framing line\n"
    "log 1 %s --format script\n"
    "expect 1 WELCOME\n"
    "send 1 \"GET alpha\\n\"\n"
    "expect 1 ALPHA=5\n"
    "send 1 \"GET be\\n\"\n"
    "expect 1 BE=2\n"
    "close 1\n" % (port, script)).encode(), capture_output=True, timeout=30)
is_eq((r.returncode, r.stderr), (0, b""), "the conversation was recorded")

with Socktool("--json") as st:
    st.cmd("mock %s 127.0.0.1 0" % script)
    m = st.wait_for(r'"event":"listening","id":1,.*"local":"127\.0\.0\.1:'
                    r'(\d+)"')
    mport = int(m.group(1))
    a = socket.create_connection(("127.0.0.1", mport), timeout=10)
    b = socket.create_connection(("127.0.0.1", mport), timeout=10)
    is_eq(recv_until(a, b"\n"), b"WELCOME\n", "client A gets the banner")
    is_eq(recv_until(b, b"\n"), b"WELCOME\n", "client B too, at once")
    b.sendall(b"GET alpha\n")
    is_eq(recv_until(b, b"\n"), b"ALPHA=5\n", "B's first request answered")
    a.sendall(b"GET nothing\nGET alpha\n")
    is_eq(recv_until(a, b"\n"), b"ALPHA=5\n",
          "A: an unexpected line is given up, the next one still matches")
    m = st.wait_for(r'^\{[^\n]*"event":"mock"[^\n]*\}$')
    ev = json.loads(m.group(0))
    ok(ev["step"] == 2 and bytes.fromhex(ev["hex"]) == b"GET nothing\n"
       and ev["count"] == 1, "the unmatched bytes are reported with the "
       "step that was expected", ev)
    a.sendall(b"GET be\n")
    b.sendall(b"GET be\n")
    is_eq(recv_until(a, b"\n"), b"BE=2\n", "A walks to the end")
    is_eq(recv_until(b, b"\n"), b"BE=2\n", "B walks to the end on its own")
    b.sendall(b"extra\n")
    m = st.wait_for(r'^\{[^\n]*"event":"mock"[^\n]*"count":1\}$',
                    start=m.end())
    ok(json.loads(m.group(0))["step"] == 0, "bytes after the last step are "
       "unmatched", m.group(0))
    a.close()
    b.close()
    m1 = st.wait_for(r'^\{[^\n]*"event":"closed"[^\n]*"unmatched"[^\n]*\}$')
    m2 = st.wait_for(r'^\{[^\n]*"event":"closed"[^\n]*"unmatched"[^\n]*\}$',
                     start=m1.end())
    ms = [json.loads(m1.group(0)), json.loads(m2.group(0))]
    is_eq(sorted(e["unmatched"] for e in ms), [1, 1],
          "each client's closed event counts its unmatched")
    # The listener counts every client's, as it counts their bytes.
    st.cmd("show 1")
    m = st.wait_for(r'^(\{[^\n]*"event":"result","command":"show"[^\n]*\})$')
    is_eq(json.loads(m.group(1)).get("unmatched"), 2,
          "show of the mock counts its clients' unmatched")
    st.cmd("stats 1")
    m = st.wait_for(r'^(\{[^\n]*"event":"result","command":"stats"[^\n]*\})$')
    is_eq(json.loads(m.group(1))["sessions"][0].get("unmatched"), 2,
          "stats of the mock too")

# For people: the stats line of a mock stays within 80 columns.
with Socktool() as st:
    st.cmd("mock %s 127.0.0.1 0" % script)
    m = st.wait_for(r"^\[1\] listening on 127\.0\.0\.1:(\d+)")
    a = socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=10)
    is_eq(recv_until(a, b"\n"), b"WELCOME\n", "a client of the mock")
    a.sendall(b"nothing\n")
    st.wait_for(r"^\[2\] mock: unmatched at step 2")
    a.close()
    st.wait_for(r"^\[2\] mock: 1 of 3 steps played, 1 unmatched$")
    n = len(st.out)
    st.cmd("stats 1")
    m = st.wait_for(r"^\[1\] rx [^\n]*\n(?:    tx [^\n]*\n)?(    unmatched 1)$",
                    start=n)
    lines = st.out[n:m.end()].decode().split("\n")
    ok(all(len(x) <= 80 for x in lines), "stats of a mock fits 80 "
       "columns, the unmatched on a line of its own", lines)

rc = subprocess.run([SOCKTOOL, "-c", "mock /nonexistent 0"],
                    stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
ok(rc.returncode == 1 and rc.stderr.count(b"\n") == 1,
   "a missing recording is one error", rc.stderr)
rc = subprocess.run([SOCKTOOL, "-c", "mock %s 0 --udp --tls" % script],
                    stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
ok(rc.returncode == 1 and rc.stderr.count(b"\n") <= 2 and
   b"--tls" in rc.stderr, "an unknown option is one error", rc.stderr)
done()
