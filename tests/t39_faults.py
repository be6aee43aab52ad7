#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9, fault injection on any session: `split 1 20ms` makes the peer
receive one byte per read; `rate` paces writes (checked coarsely:
the transfer cannot finish faster than the rate allows); `read off` lets the
peer's send buffer fill (EAGAIN) and `read on` delivers everything; bad
values are one usage error each."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, deadline_loop  # noqa: E402

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
UP = srv.getsockname()[1]

with Socktool() as st:
    st.cmd("tcp-client 127.0.0.1 %d" % UP)
    u, _ = srv.accept()
    u.settimeout(10)
    st.wait_for(r"^\[1\] connected")
    st.cmd("set 1 split 1 20ms")
    st.cmd("send 1 abcde")
    reads = []
    for _ in deadline_loop(10, "five bytes"):
        reads.append(u.recv(100))
        if sum(len(r) for r in reads) >= 5:
            break
    is_eq(reads, [b"a", b"b", b"c", b"d", b"e"],
          "split 1 + delay 20ms: one byte per read")

    # rate: 20000 bytes at 100k/s cannot arrive in under ~0.15 s; the
    # bound is coarse on purpose (a loaded machine only makes it slower).
    st.cmd("set 1 split 0")
    st.cmd("set 1 delay off")
    st.cmd("set 1 rate 100k")
    t = time.monotonic()
    st.cmd("send 1 %s" % ("x" * 20000))
    got = 0
    for _ in deadline_loop(20, "20000 bytes"):
        got += len(u.recv(65536))
        if got >= 20000:
            break
    el = time.monotonic() - t
    ok(got == 20000 and el >= 0.15, "rate 100k paces 20000 bytes (%.3fs, "
       "no faster than the rate allows)" % el)
    st.cmd("set 1 rate off")

    # read off: the peer's sends pile up until its non-blocking send fails
    st.cmd("set 1 read off")
    st.cmd("echo OFF")
    st.wait_for(r"^OFF$")
    u.setblocking(False)
    sent, full = 0, False
    for _ in deadline_loop(20, "the peer's send buffer to fill"):
        try:
            sent += u.send(b"y" * 65536)
        except BlockingIOError:
            full = True
            break
    ok(full, "read off: the peer's send hits EAGAIN after %d bytes" % sent)
    u.setblocking(True)
    st.cmd("set 1 read on")
    for _ in deadline_loop(20, "everything delivered"):
        pos = len(st.out)
        st.cmd("show 1")
        n = [int(st.wait_for(r"^  received +(\d+) bytes?", start=pos)
                 .group(1))]
        if n[-1] >= sent:
            break
    ok(n and n[-1] == sent, "read on: every byte arrives", n[-1:])
    u.close()

for line, what in (("set 1 split -1", "split"), ("set 1 delay soon", "delay"),
                   ("set 1 rate fast", "rate"), ("set 1 read maybe", "read")):
    with Socktool("--keep-going") as st:
        st.cmd("udp 127.0.0.1 0")
        st.cmd(line)
        st.cmd("echo DONE")
        st.wait_for(r"^DONE$")
        # stderr is read by its own thread: let it catch up.
        for _ in deadline_loop(10, "the error line"):
            errs = [l for l in st.err.decode().splitlines() if l.strip()]
            if errs:
                break
            with st.cond:
                st.cond.wait(0.05)
        ok(len(errs) == 1 and what in errs[0], "bad %s: one error" % what,
           errs)
srv.close()


# ---- UDP drop / dup with a seed ------------------------------------------------
def udp_run(settings, n=40):
    import subprocess
    from st import SOCKTOOL
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(1)
    p = peer.getsockname()[1]
    # No sleep after the send: the end of input waits for a finite repeat
    # to finish (man page, "flushed"), which is the event we need; with
    # drops the peer cannot count what to wait for.
    r = subprocess.run([SOCKTOOL], input=("udp 127.0.0.1 0\nset 1 display "
                                          "none\n%s\nsend 1 --to 127.0.0.1:%d"
                                          " --repeat %d --every 1ms --fill "
                                          "{seq}\n" % (settings, p, n))
                       .encode(), capture_output=True, timeout=60)
    got = []
    try:
        while True:
            got.append(int(peer.recv(100)))
    except socket.timeout:
        pass
    peer.close()
    return r.returncode, got


rc1, a = udp_run("set 1 drop 50\nset 1 seed 7")
rc2, b = udp_run("set 1 drop 50\nset 1 seed 7")
ok(rc1 == 0 and 0 < len(a) < 40, "drop 50: some datagrams dropped (%d of 40 "
   "arrived)" % len(a), a)
is_eq(a, b, "the same seed drops the same datagrams on every run")
rc, c = udp_run("set 1 drop 50\nset 1 seed 8")
ok(c != a, "another seed drops others", (a, c))
rc, d = udp_run("set 1 dup 100", n=10)
is_eq(sorted(d), sorted(list(range(1, 11)) * 2), "dup 100: every datagram twice")


# ---- sendfile under rate: "sent" when the wire has it, not the queue ---------
import json  # noqa: E402
import tempfile  # noqa: E402
fd, fpath = tempfile.mkstemp(prefix="st-t39-")
os.write(fd, os.urandom(20000))
os.close(fd)
lsn = socket.socket()
lsn.bind(("127.0.0.1", 0))
lsn.listen(1)
with Socktool("--json") as st:
    st.cmd("tcp-client 127.0.0.1 %d" % lsn.getsockname()[1])
    st.cmd("set 1 rate 100k")
    st.cmd("sendfile 1 %s" % fpath)
    st.cmd("echo AFTER-FILE")
    conn, _ = lsn.accept()
    conn.settimeout(20)
    got = b""
    for _ in deadline_loop(20, "the paced file"):
        got += conn.recv(65536)
        if len(got) >= 20000:
            break
    try:
        st.wait_for(r'"text":"AFTER-FILE"')
        sent = [json.loads(l) for l in st.text.splitlines()
                if '"event":"sent"' in l]
    except TimeoutError:
        sent = []
    conn.close()
# 20000 bytes at 100k/s, less the bucket's 1000-byte start: >= 0.19 s.
ok(len(got) == 20000 and len(sent) == 1 and sent[0].get("bytes") == 20000
   and sent[0].get("us", 0) >= 150000,
   "sendfile under rate 100k reports the time the bytes took to go "
   "(%s us), not the moment they were queued" % (sent[0].get("us")
                                                  if sent else None), sent)
lsn.close()
os.unlink(fpath)


# ---- delay and rate space datagrams; split is refused on UDP ------------------
import re  # noqa: E402
import subprocess  # noqa: E402


def udp_spaced(settings, n, size):
    """Send n datagrams of size bytes under settings; (rc, payloads,
    seconds from the first arrival to the last, seconds from socktool's
    start to the first arrival)."""
    from st import SOCKTOOL
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(10)
    p = peer.getsockname()[1]
    lines = "".join("send 1 --fill {seq}%s\n" % ("." * (size - 1))
                    for _ in range(n))
    t0 = time.monotonic()
    proc = subprocess.Popen([SOCKTOOL], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    proc.stdin.write(("udp 127.0.0.1 0 --to 127.0.0.1:%d\nset 1 display "
                      "none\n%s\n%s" % (p, settings, lines)).encode())
    proc.stdin.close()
    got, first, last = [], None, None
    try:
        while len(got) < n:
            got.append(peer.recv(65536))
            last = time.monotonic()
            first = first or last
    except socket.timeout:
        pass
    rc = proc.wait(timeout=60)
    proc.stderr.close()
    peer.close()
    return (rc, got, (last - first) if first else 0.0,
            (first - t0) if first else 0.0)


# Coarse lower bounds only: slowness cannot make them fail.  delay is
# latency: every datagram is held 300 ms from when it was sent, so the
# first arrives no sooner than that after socktool started.
rc, got, span, lat = udp_spaced("set 1 delay 300ms", 5, 10)
ok(rc == 0 and [g[:1] for g in got] == [b"1", b"2", b"3", b"4", b"5"]
   and all(len(g) == 10 for g in got) and lat >= 0.25,
   "delay 300ms on UDP: five whole datagrams, in order, held (the first "
   "%.3f s after the start)" % lat, got)
rc, got, span, lat = udp_spaced("set 1 rate 10k", 5, 1000)
ok(rc == 0 and len(got) == 5 and all(len(g) == 1000 for g in got)
   and span >= 0.3,
   "rate 10k on UDP: 5000 bytes in whole datagrams take their time "
   "(%.3f s from first to last)" % span, [len(g) for g in got])
r = subprocess.run([__import__("st").SOCKTOOL], input=b"udp 127.0.0.1 0\n"
                   b"set 1 split 3\nset 1 split 0\ntcp-server 127.0.0.1 0\n"
                   b"set 2 drop 5\n", capture_output=True, timeout=30)
err = r.stderr.decode()
ok(r.returncode == 1 and len(re.findall(r"^error: ", err, re.M)) == 1
   and "split applies to stream sessions" in err,
   "split on a UDP session is one error (split 0 is fine), and the script "
   "stops there", err)
r = subprocess.run([__import__("st").SOCKTOOL, "--keep-going"],
                   input=b"tcp-server 127.0.0.1 0\nset 1 drop 5\nshow 1\n",
                   capture_output=True, timeout=30)
ok("drop applies to UDP sessions only" in r.stderr.decode()
   and "drop 0%" in r.stdout.decode(),
   "drop on a TCP session is refused and changes nothing",
   r.stdout.decode() + r.stderr.decode())
done()
