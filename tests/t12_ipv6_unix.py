#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3, acceptance 6 and 7: IPv6 on ::1 for tcp-client, tcp-server and udp,
a dual-stack tcp-server holding an IPv4 and an IPv6 client at once, and unix
stream sockets (socat both ways, stale file replaced, live one refused, file
removed on close)."""
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, need, run, connect, recv_exact, Socktool,
                Proc, deadline_loop, recv_dgram)

need("socat")
try:
    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    have_v6 = True
except OSError:
    have_v6 = False
if not have_v6:
    from st import skip_all
    skip_all("no IPv6 loopback (::1) on this machine")

tmpdirs = []


def tmpdir():
    d = tempfile.mkdtemp(prefix="socktool-t12-")
    tmpdirs.append(d)
    return d


def check(name, fn):
    """ok(name) if fn() returns a match (a wait_for's) in time, else the
    diagnostic."""
    try:
        got = fn()
    except (TimeoutError, socket.timeout, OSError) as e:
        return ok(False, name, e)
    return ok(got, name, "no match: %r" % got)


def read_until(f, token, timeout=10):
    """Read a pipe until token appears; returns what was read."""
    data = b""
    for _ in deadline_loop(timeout, "%r on a pipe" % token):
        if token in data:
            return data
        r, _, _ = select.select([f], [], [], 0.5)
        if r:
            chunk = os.read(f.fileno(), 65536)
            if not chunk:
                return data
            data += chunk

# ---- tcp-client ::1 P against a python IPv6 server ----
srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv.bind(("::1", 0))
srv.listen(4)
sp = srv.getsockname()[1]
with Socktool() as st:
    st.cmd("tcp-client ::1 %d" % sp)
    srv.settimeout(10)
    c, caddr = srv.accept()
    check("tcp-client ::1: connected line shows [::1]:port both ends",
          lambda: st.wait_for(r"^\[1\] connected to \[::1\]:%d from \[::1\]:%d\n"
                              % (sp, caddr[1])))
    st.cmd("send 1 over-v6\\n")
    is_eq(recv_exact(c, 8), b"over-v6\n", "tcp-client ::1: send reaches the IPv6 server")
    c.sendall(b"reply-v6")
    check("tcp-client ::1: data from the IPv6 server is shown",
          lambda: st.wait_for(r"^\[1\] < 8 bytes\nreply-v6\n"))
    is_eq(st.finish(), 0, "tcp-client ::1 script exits 0")
    c.close()
srv.close()

# ---- tcp-server ::1 0 with a python ::1 client ----
with Socktool() as st:
    st.cmd("tcp-server ::1 0")
    m = None
    try:
        m = st.wait_for(r"^\[1\] listening on (\S+):(\d+)(.*)\n")
    except TimeoutError as e:
        ok(False, "tcp-server ::1 0 listens", e)
    is_eq(m and m.group(1), b"[::1]", "tcp-server ::1 0 listens on [::1]")
    ok(m and b"all interfaces" not in m.group(3),
       "... and does not claim all interfaces", m and m.group(0))
    lp = int(m.group(2)) if m else 0
    cl = connect(lp, "::1")
    cport = cl.getsockname()[1]
    check("tcp-server ::1: the ::1 client is accepted and shown as [::1]:port",
          lambda: st.wait_for(r"^\[2\] accepted \[::1\]:%d on \[1\]" % cport))
    cl.sendall(b"client-v6")
    check("tcp-server ::1: data from the client arrives",
          lambda: st.wait_for(r"^\[2\] < 9 bytes\nclient-v6\n"))
    st.cmd("send 2 server-v6")
    is_eq(recv_exact(cl, 9), b"server-v6", "tcp-server ::1: send reaches the client")
    cl.close()
    is_eq(st.finish(), 0, "tcp-server ::1 script exits 0")

# ---- udp ::1 0 with python ::1 peers ----
pa = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
pa.bind(("::1", 0))
pb = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
pb.bind(("::1", 0))
with Socktool() as st:
    st.cmd("udp ::1 0")
    up = st.port(1)
    ok(re.search(r"^\[1\] bound on \[::1\]:%d$" % up, st.text, re.M),
       "udp ::1 0 is bound on [::1]", st.text)
    pa.sendto(b"dgram-v6", ("::1", up))
    check("udp ::1: datagram shown from [::1]:port of the peer",
          lambda: st.wait_for(r"^\[1\] < 8 bytes from \[::1\]:%d\ndgram-v6\n"
                              % pa.getsockname()[1]))
    st.cmd("send 1 answer-v6")
    d = recv_dgram(pa)
    is_eq(d and (d[0], d[1][1]), (b"answer-v6", up),
          "udp ::1: send without --to answers the IPv6 sender")
    st.cmd("send 1 --to [::1]:%d to-bracketed" % pb.getsockname()[1])
    d = recv_dgram(pb)
    is_eq(d and d[0], b"to-bracketed", "udp ::1: send --to [::1]:P reaches that peer")
    check("udp ::1: sent line names [::1]:P",
          lambda: st.wait_for(r"^\[1\] > 12 bytes to \[::1\]:%d\n"
                              % pb.getsockname()[1]))
    is_eq(recv_dgram(pa, 0.3), None, "udp ::1: the other peer got nothing")
    is_eq(st.finish(), 0, "udp ::1 script exits 0")
pa.close()
pb.close()

# ---- tcp-server with no ADDR: an IPv4 and an IPv6 client at once ----
with Socktool() as st:
    st.cmd("tcp-server 0")
    m = None
    try:
        m = st.wait_for(r"^\[1\] listening on (\S+):(\d+)(.*)\n")
    except TimeoutError as e:
        ok(False, "tcp-server 0 listens", e)
    ok(m and b"all interfaces" in m.group(3) and b"IPv4" in m.group(3)
       and b"IPv6" in m.group(3),
       "tcp-server 0 announces all interfaces, IPv4 and IPv6", m and m.group(0))
    lp = int(m.group(2)) if m else 0
    c4 = connect(lp, "127.0.0.1")
    c6 = connect(lp, "::1")
    p4, p6 = c4.getsockname()[1], c6.getsockname()[1]
    check("dual-stack: the 127.0.0.1 client is accepted, shown as 127.0.0.1:port",
          lambda: st.wait_for(r"^\[\d+\] accepted 127\.0\.0\.1:%d on \[1\] "
                              r"127\.0\.0\.1:%d\n" % (p4, lp)))
    check("dual-stack: the ::1 client is accepted, shown as [::1]:port",
          lambda: st.wait_for(r"^\[\d+\] accepted \[::1\]:%d on \[1\] \[::1\]:%d\n"
                              % (p6, lp)))
    ok("::ffff:" not in st.text, "no IPv4-mapped address is displayed", st.text)
    c4.sendall(b"from-four")
    c6.sendall(b"from-six")
    check("dual-stack: the IPv4 client's data arrives",
          lambda: st.wait_for(r"^\[\d+\] < 9 bytes\nfrom-four\n"))
    check("dual-stack: the IPv6 client's data arrives",
          lambda: st.wait_for(r"^\[\d+\] < 8 bytes\nfrom-six\n"))
    st.cmd("send 1 to-both")
    is_eq(recv_exact(c4, 7), b"to-both", "dual-stack: send to the server reaches the IPv4 client")
    is_eq(recv_exact(c6, 7), b"to-both", "dual-stack: ... and the IPv6 client, both connected")
    st.cmd("list")
    try:
        st.wait_for(r"^\s+\d+\s+tcp-peer\s+connected\s+\S+\s+\[::1\]:%d\s" % p6)
        lst = st.wait_for(r"^\s+\d+\s+tcp-peer\s+connected\s+(\S+)\s+127\.0\.0\.1:%d\s"
                          % p4)
        ok(lst.group(1) == b"127.0.0.1:%d" % lp,
           "list shows both peers, the IPv4 one with plain IPv4 addresses",
           lst.group(0))
    except TimeoutError as e:
        ok(False, "list shows both peers, the IPv4 one with plain IPv4 addresses", e)
    c4.close()
    c6.close()
    is_eq(st.finish(), 0, "dual-stack script exits 0")

with Socktool("--json") as st:
    st.cmd("tcp-server 0")
    m = st.wait_for(r'^\{[^\n]*"event":"listening"[^\n]*\}\n')
    lp = int(json.loads(m.group(0))["local"].rsplit(":", 1)[1])
    c4 = connect(lp, "127.0.0.1")
    c6 = connect(lp, "::1")
    try:
        st.wait_for(r'"event":"accepted"[^\n]*\n[^\n]*"event":"accepted"[^\n]*\n')
    except TimeoutError as e:
        ok(False, "JSON: two accepted events", e)
    acc = [json.loads(l) for l in st.text.splitlines()
           if '"event":"accepted"' in l]
    remotes = sorted(a.get("remote", "") for a in acc)
    is_eq(remotes, sorted(["127.0.0.1:%d" % c4.getsockname()[1],
                           "[::1]:%d" % c6.getsockname()[1]]),
          "JSON: accepted remotes are 127.0.0.1:port and [::1]:port")
    c4.close()
    c6.close()
    st.finish()

# ---- unix-server with socat, both ways ----
d = tmpdir()
path = os.path.join(d, "srv.sock")
with Socktool() as st:
    st.cmd("unix-server %s" % path)
    check("unix-server listens on its path",
          lambda: st.wait_for(r"^\[1\] listening on %s\n" % re.escape(path)))
    with Proc(["socat", "-", "UNIX-CONNECT:" + path],
              stdin=subprocess.PIPE) as sc:
        check("the socat client is accepted, shown with its pid",
              lambda: st.wait_for(r"^\[2\] accepted pid %d uid %d on \[1\]"
                                  % (sc.p.pid, os.getuid())))
        sc.p.stdin.write(b"from-socat\n")
        sc.p.stdin.flush()
        check("data from socat reaches socktool",
              lambda: st.wait_for(r"^\[2\] < 11 bytes\nfrom-socat\\n\n"))
        st.cmd("send 2 to-socat\\n")
        got = b""
        try:
            got = read_until(sc.p.stdout, b"\n")
        except TimeoutError as e:
            got = repr(e).encode()
        is_eq(got, b"to-socat\n", "send on the unix peer reaches socat")
        st.cmd("send 1 to-all-peers\\n")
        try:
            got = read_until(sc.p.stdout, b"\n")
        except TimeoutError as e:
            got = repr(e).encode()
        is_eq(got, b"to-all-peers\n", "send on the unix server reaches its peer")
        sc.p.stdin.close()
        check("socat closing is seen as the peer closing",
              lambda: st.wait_for(r"^\[2\] closed \(peer\)"))
    ok(os.path.exists(path), "the socket file exists while the server is open")
    st.cmd("close 1")
    check("close 1 closes the unix server",
          lambda: st.wait_for(r"^\[1\] closed \(local\)"))
    st.cmd("echo AFTER-CLOSE")
    check("... and the next command runs",
          lambda: st.wait_for(r"^AFTER-CLOSE\n"))
    ok(not os.path.exists(path), "the socket file is gone after close")
    is_eq(st.finish(), 0, "unix-server script exits 0")

# The file is also removed when socktool exits with the server still open.
path = os.path.join(tmpdir(), "exit.sock")
rc, out, err = run("unix-server %s\necho MADE\n" % path)
ok(rc == 0 and "MADE" in out, "unix-server in a script succeeds", out + err)
ok(not os.path.exists(path), "the socket file is gone after socktool exits")

# unix-client against a python listener, both ways.
path = os.path.join(tmpdir(), "py.sock")
lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lst.bind(path)
lst.listen(4)
lst.settimeout(10)
with Socktool() as st:
    st.cmd("unix-client %s" % path)
    a, _ = lst.accept()
    st.cmd("send 1 uc-out")
    is_eq(recv_exact(a, 6), b"uc-out", "unix-client: send reaches the listener")
    a.sendall(b"uc-in")
    check("unix-client: data from the listener is shown",
          lambda: st.wait_for(r"^\[1\] < 5 bytes\nuc-in\n"))
    is_eq(st.finish(), 0, "unix-client script exits 0")
    a.close()
lst.close()
ok(os.path.exists(path), "unix-client leaves the server's file alone")

# ---- a stale socket file (its process gone) is replaced ----
path = os.path.join(tmpdir(), "stale.sock")
old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
old.bind(path)
old.close()                     # no unlink: the file stays, nobody listens
ok(os.path.exists(path), "a stale socket file is set up")
with Socktool() as st:
    st.cmd("unix-server %s" % path)
    check("unix-server over a stale socket file listens",
          lambda: st.wait_for(r"^\[1\] listening on %s\n" % re.escape(path)))
    try:
        cl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        cl.settimeout(10)
        cl.connect(path)
        cl.sendall(b"to-new")
        ok(st.seen(r"^\[2\] < 6 bytes\nto-new\n"),
           "a client reaches the new server on the replaced file", st.text)
        cl.close()
    except (OSError, TimeoutError) as e:
        ok(False, "a client reaches the new server on the replaced file", e)
    is_eq(st.finish(), 0, "stale-file script exits 0")
ok(not os.path.exists(path), "the replaced file is removed at exit too")

# ---- a live one is an error, and the live server keeps working ----
path = os.path.join(tmpdir(), "live.sock")
live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
live.bind(path)
live.listen(4)
live.settimeout(10)
rc, out, err = run("unix-server %s\necho AFTER-LIVE\n" % path)
is_eq(rc, 1, "unix-server on a live server's path fails the script")
ok(err.startswith("error: unix-server:") and err.count("error:") == 1 and
   path in err, "one error line naming the path", err)
ok("AFTER-LIVE" not in out and "listening" not in out,
   "nothing was created and the script stopped", out)
ok(os.path.exists(path), "the live server's file is still there")
try:
    cl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cl.settimeout(10)
    cl.connect(path)
    cl.sendall(b"still-alive")
    # socktool may have probed the live server with a connection of its own
    # (closed at once, so it reads as EOF); ours is the one with data.
    got = []
    for _ in range(3):
        a, _ = live.accept()
        got.append(recv_exact(a, 11))
        a.close()
        if got[-1]:
            break
    is_eq(got[-1], b"still-alive",
          "the live python server still accepts and receives")
    cl.close()
except OSError as e:
    ok(False, "the live python server still accepts and receives", e)
live.close()

# A path that is not a socket is not removed.
path = os.path.join(tmpdir(), "plain-file")
with open(path, "w") as f:
    f.write("keep me\n")
rc, out, err = run("unix-server %s\n" % path)
is_eq(rc, 1, "unix-server on a regular file fails")
with open(path) as f:
    is_eq(f.read(), "keep me\n", "the regular file is left untouched")

for d in tmpdirs:
    shutil.rmtree(d, ignore_errors=True)
done()
