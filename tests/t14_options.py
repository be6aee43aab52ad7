#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command-line options (-c, -k, -q, -t, --color, exit 2) and the parts of
tcp-server / tcp-client / wait / set / close not covered elsewhere:
--max-peers, --allow, --bind, --timeout, trying every address, wait events,
set default/all, close all."""
import json
import os
import re
import socket
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, run, Socktool, connect, SOCKTOOL
import subprocess

# -c runs first, ';' separates, quotes keep ';'.
rc, out, err = run("echo from-stdin\n", "-c", "echo one; echo 'two;three'",
                   "-c", "echo four")
is_eq(rc, 0, "-c commands then stdin: exit 0")
is_eq(out.splitlines(), ["one", "two;three", "four", "from-stdin"],
      "-c commands run first, in order, ';' split outside quotes")

# Usage errors exit 2.
for args in (["--nope"], ["-c"], ["a", "b"], ["--color", "sometimes"],
             ["/nonexistent/script"]):
    p = subprocess.run([SOCKTOOL] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=10)
    is_eq(p.returncode, 2, "bad usage %s exits 2" % " ".join(args))

# -q: no informational lines; events and data still shown.
rc, out, err = run("tcp-client 127.0.0.1 1\n", "-q")
ok("connecting" not in out, "-q hides the connecting line", out)
rc, out, err = run("tcp-server 127.0.0.1 0\nstop 1\nlist\n", "-q")
ok("] listening" not in out and "repeating" not in out and "closed" not in out,
   "-q drops events and notices like stop's", out)
ok("tcp-server" in out, "-q keeps what a command is asked to print", out)
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
p = subprocess.Popen([SOCKTOOL, "-q"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdin.write(b"tcp-client 127.0.0.1 %d\nsend 1 hi\nexpect 1 yo\nsend 9 x\n"
              % ls.getsockname()[1])
p.stdin.close()
c, _ = ls.accept()
c.recv(10)
c.sendall(b"yo")
out, err = p.stdout.read().decode(), p.stderr.read().decode()
p.wait(timeout=20)
is_eq(out.splitlines(), ["[1] < 2 bytes", "yo"],
      "-q: received data only on stdout (no events, no sent data)")
ok("no session 9" in err, "-q: errors still said", err)
c.close()
ls.close()

# -t and --color.
rc, out, err = run("tcp-server 127.0.0.1 0\n", "-t")
ok(re.search(r"^\d\d:\d\d:\d\d\.\d{3} \[1\] listening", out, re.M),
   "-t prefixes events with the time", out)
rc, out, err = run("tcp-server 127.0.0.1 0\nsend 9 x\n", "--color", "always")
ok("\x1b[" in out and "\x1b[31merror" in err, "--color always colours", out)
rc, out, err = run("tcp-server 127.0.0.1 0\n", "--color", "auto")
ok("\x1b" not in out, "--color auto: no colour into a pipe")

# -k keeps serving after the input ends, until no session is left.
with Socktool("-k") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    st.cmd("set 1 echo on")
    port = st.port(1)
    st.close_stdin()
    c = connect(port)
    c.sendall(b"still here")
    ok(c.recv(100) == b"still here", "-k: still echoing after input ended")
    c.close()
    st.wait_for(r"closed \(peer\)")
    ok(st.p.poll() is None, "-k: the server session keeps it running")
    st.p.send_signal(2)
    is_eq(st.wait_exit(10), 0, "-k: SIGINT ends it with status 0")

# --max-peers and --allow.
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0 --max-peers 1")
    port = st.port(1)
    a = connect(port)
    st.wait_for(r"\[2\] accepted")
    b = connect(port)
    st.wait_for(r"refused 127\.0\.0\.1:\d+: --max-peers 1 reached")
    b.settimeout(5)
    ok(b.recv(10) == b"", "the peer beyond --max-peers is closed")
    st.cmd("tcp-server 127.0.0.1 0 --allow 10.0.0.0/8")
    port2 = st.port(3)
    c = connect(port2)
    st.wait_for(r"refused 127\.0\.0\.1:\d+: not in --allow list")
    c.settimeout(5)
    ok(c.recv(10) == b"", "a peer outside --allow is closed")
    st.cmd("tcp-server 127.0.0.1 0 --allow 127.0.0.0/8,::1")
    port3 = st.port(4)
    d = connect(port3)
    dport = d.getsockname()[1]
    ok(st.seen(r"^\[5\] accepted 127\.0\.0\.1:%d on \[4\]" % dport) and
       not re.search(r"refused 127\.0\.0\.1:%d:" % dport, st.text),
       "a peer inside --allow is accepted", st.text)
    for s_ in (a, b, c, d):
        s_.close()
    st.finish()

# tcp-client --bind, --timeout, and every address tried.
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
sport = srv.getsockname()[1]
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
bport = probe.getsockname()[1]
probe.close()
rc, out, err = run("tcp-client 127.0.0.1 %d --bind 127.0.0.1:%d\nlist\n"
                   % (sport, bport))
ok(rc == 0 and ("127.0.0.1:%d" % bport) in out,
   "--bind sets the local address", out + err)
peer, addr = srv.accept()
is_eq(addr[1], bport, "the server sees the bound port")
peer.close()

names = {ai[4][0] for ai in socket.getaddrinfo("localhost", sport,
                                               type=socket.SOCK_STREAM)}
rc, out, err = run("tcp-client localhost %d\n" % sport)
is_eq(rc, 0, "tcp-client localhost reaches a 127.0.0.1-only server "
      "(tries every address: %s)" % sorted(names))
srv.accept()[0].close()
srv.close()

# A listener whose queue is full drops SYNs: the connect times out.
full = socket.socket()
full.bind(("127.0.0.1", 0))
full.listen(0)
fport = full.getsockname()[1]
fillers = []
for _ in range(4):
    f = socket.socket()
    f.setblocking(False)
    f.connect_ex(("127.0.0.1", fport))
    fillers.append(f)
rc, out, err = run("tcp-client 127.0.0.1 %d --timeout 300ms\n" % fport, "-j")
events = [json.loads(l) for l in out.splitlines()]
closed = [e for e in events if e["event"] == "closed"]
is_eq(rc, 1, "a connect that times out fails the script")
ok(closed and closed[0]["reason"] == "timeout" and
   "timed out" in closed[0]["message"], "closed event with reason timeout",
   out)
for f in fillers:
    f.close()
full.close()

# wait events, set default / all, close all, reset.
with Socktool() as st:
    st.cmd("set default display hex")
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = connect(port)
    st.cmd("wait 1 accepted --timeout 5s")
    st.cmd("echo ACCEPTED")
    st.wait_for(r"^ACCEPTED$")
    c.sendall(b"abc")
    st.cmd("wait 2 recv --timeout 5s")
    st.cmd("echo RECV")
    st.wait_for(r"^RECV$")
    ok(re.search(rb"00000000  61 62 63 ", st.out), "set default applies to "
       "sessions created later (hex)")
    st.cmd("set all display text")
    st.cmd("stats 2")
    st.cmd("reset all")
    st.cmd("stats 2")
    st.cmd("echo STATS")
    st.wait_for(r"^STATS$")
    stats = re.findall(rb"\[2\] rx (\d+) bytes", st.out)
    is_eq(stats, [b"3", b"0"], "reset all zeroes the counters")
    c.close()
    st.cmd("wait 2 closed --timeout 5s")
    st.cmd("wait 2 closed")
    st.cmd("echo CLOSED")
    st.wait_for(r"^CLOSED$")
    st.cmd("tcp-client 127.0.0.1 %d" % port)
    st.cmd("wait 3 connected")
    st.cmd("close all")
    st.cmd("echo LIST")
    st.cmd("list")
    st.cmd("echo END")
    m = st.wait_for(rb"^LIST\n((?:.*\n)*?)END$")
    rows = [l for l in m.group(1).decode().splitlines()
            if l and not l.startswith("ID ") and l != "(no sessions)"]
    is_eq(rows, [], "close all leaves an empty table")
    is_eq(st.finish(), 0, "wait/set/close script exits 0")
done()
