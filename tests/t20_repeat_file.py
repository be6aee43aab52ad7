#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 4, acceptance 1 and 2: repeating sends (--repeat/--every, stop, the
REPEAT column of list) and sendfile (64 MiB to a python peer and to socat,
sha256 identical, peak RSS under 32 MiB; to a server with two peers; to UDP
in --chunk datagrams)."""
import hashlib
import json
import os
import re
import select
import shutil
import socket
import sys
import tempfile
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, skip, done, Socktool, Proc, connect, vm_hwm_kib  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t20-")


def listener():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.settimeout(10)
    return s, s.getsockname()[1]


class Reader(threading.Thread):
    """Reads a socket to EOF in the background, hashing and counting."""

    def __init__(self, sock, keep=False):
        super().__init__(daemon=True)
        self.sock, self.keep = sock, keep
        self.h = hashlib.sha256()
        self.n = 0
        self.data = b""
        self.error = None
        self.start()

    def run(self):
        try:
            self.sock.settimeout(60)
            while True:
                b = self.sock.recv(1 << 20)
                if not b:
                    break
                self.h.update(b)
                self.n += len(b)
                if self.keep:
                    self.data += b
        except OSError as e:
            self.error = e


def read_to_eof(sock, timeout=15):
    sock.settimeout(timeout)
    data = b""
    while True:
        b = sock.recv(65536)
        if not b:
            return data
        data += b

def sent_bytes(st, sid, start):
    """Send `show SID` and return (sent bytes, position after the line)."""
    st.cmd("show %d" % sid)
    m = st.wait_for(r"^  sent +(\d+) bytes?", start=start)
    return int(m.group(1)), m.end()


try:
    # ---- --repeat 5 --every 50ms: exactly five ----------------------------
    lsn, port = listener()
    with Socktool() as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        st.cmd("send 1 --repeat 5 --every 50ms ping")
        st.cmd("echo QUEUED")
        st.wait_for(r"^QUEUED$")
        rc = st.finish()
        data = read_to_eof(c)
    is_eq(rc, 0, "repeat script exits 0")
    is_eq(data, b"ping" * 5,
          "--repeat 5 --every 50ms: the peer receives exactly five ping")
    is_eq(st.text.count("[1] > 4 bytes"), 5, "five sent events are shown")
    c.close()

    # ---- list shows repeats; stop removes them ----------------------------
    with Socktool() as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        st.cmd("send 1 --repeat 3 --every 10s x")
        st.cmd("list")
        st.cmd("echo L1")
        m = st.wait_for(r"^L1$")
        seg = st.text[:m.start()]
        ok(re.search(r"REPEAT", seg) and
           re.search(r"(?m)^1 .*\b2x/10s\s*$", seg),
           "list shows the REPEAT column with 2x/10s", seg)
        st.cmd("send 1 --every 10s y")
        st.cmd("list")
        st.cmd("echo L2")
        m2 = st.wait_for(r"^L2$")
        seg = st.text[m.end():m2.start()]
        ok(re.search(r"(?m)^1 .*forever/10s", seg),
           "list shows forever/10s for --every alone", seg)
        st.cmd("stop 1")
        st.cmd("list")
        st.cmd("echo L3")
        m3 = st.wait_for(r"^L3$")
        seg = st.text[m2.end():m3.start()]
        ok(re.search(r"(?m)^1 .*connected", seg) and
           not re.search(r"x/10s|forever/", seg),
           "after stop, list shows no repeat", seg)
        rc = st.finish()
        data = read_to_eof(c)
    is_eq(rc, 0, "list/stop script exits 0")
    is_eq(data, b"xy", "stopped repeats send nothing more (only the first "
          "of each)")
    c.close()

    # JSON list rows carry "repeat"
    with Socktool("--json") as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        st.cmd("send 1 --repeat 4 --every 10s z")
        st.cmd("list")
        m = st.wait_for(r'^\{.*"command":"list".*$')
        row = json.loads(m.group(0))
        sess = [r for r in row.get("sessions", []) if r.get("id") == 1]
        is_eq(sess and sess[0].get("repeat"), "3x/10s",
              "JSON list row carries repeat")
        st.cmd("stop 1")
        rc = st.finish()
        read_to_eof(c)
        c.close()

    # ---- --every 20ms forever, stop synchronised on data ------------------
    with Socktool() as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        st.cmd("send 1 --every 20ms ping")
        got = b""
        c.settimeout(10)
        try:
            while got.count(b"ping") < 3:
                b = c.recv(4096)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
        ok(got.count(b"ping") >= 3, "--every 20ms keeps sending (3 seen)",
           got)
        st.cmd("stop 1")
        st.cmd("echo STOPPED")
        m = st.wait_for(r"^STOPPED$")
        total, pos = sent_bytes(st, 1, m.end())
        # Everything socktool counted as sent arrives, then nothing more
        # while socktool is still running (idle, waiting on stdin).
        c.settimeout(10)
        try:
            while len(got) < total:
                b = c.recv(65536)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
        is_eq(len(got), total, "peer got every byte counted before stop")
        r, _, _ = select.select([c], [], [], 0.3)
        ok(not r and st.p.poll() is None,
           "no byte arrives after stop while socktool keeps running")
        # sleep kept: "nothing more" is an absence, seen only as time
        # passes with socktool alive (ten --every 20ms periods).
        st.cmd("sleep 200ms")
        rc = st.finish()
        got += read_to_eof(c)
        is_eq(len(got), total, "nothing more arrives before socktool exits")
        ok(got == b"ping" * (total // 4) and total % 4 == 0,
           "only whole pings arrived", got[-40:])
        c.close()

    # ---- the literal acceptance: stop after 200 ms → 5..15 -----------------
    with Socktool() as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        # sleep kept: this acceptance is about time itself (stop after
        # 200 ms of --every 20ms).
        st.cmd("send 1 --every 20ms ping\nsleep 200ms\nstop 1\n"
               "echo STOPPED\n")
        m = st.wait_for(r"^STOPPED$", timeout=15)
        total, pos = sent_bytes(st, 1, m.end())
        # sleep kept: the 300 ms window below proves an absence, so
        # socktool must stay busy in a command while time passes.
        st.cmd("sleep 500ms")
        st.cmd("echo SLEPT")
        c.settimeout(10)
        got = b""
        try:
            while len(got) < total:
                b = c.recv(65536)
                if not b:
                    break
                got += b
        except socket.timeout:
            pass
        r, _, _ = select.select([c], [], [], 0.3)
        ok(not r and st.p.poll() is None,
           "no byte within 300 ms after stop (socktool still sleeping)")
        st.wait_for(r"^SLEPT$", timeout=15)
        rc = st.finish()
        got += read_to_eof(c)
        n = got.count(b"ping")
        ok(5 <= n <= 15, "stop after 200 ms: between 5 and 15 pings (%d)" % n)
        is_eq(len(got), total, "no ping arrived after the stop")
        is_eq(rc, 0, "forever/stop script exits 0")
        c.close()
    lsn.close()

    # ---- sendfile 64 MiB -----------------------------------------------
    big = os.path.join(tmp, "big.bin")
    hb = hashlib.sha256()
    with open(big, "wb") as f:
        for _ in range(64):
            b = os.urandom(1 << 20)
            hb.update(b)
            f.write(b)
    want = hb.hexdigest()
    SIZE = 64 << 20

    # to a python peer (socktool is the client)
    lsn, port = listener()
    with Socktool() as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        rd = Reader(c)
        st.cmd("sendfile 1 %s" % big)
        st.cmd("echo SENT-DONE")
        st.wait_for(r"^SENT-DONE$", timeout=60)
        hwm = vm_hwm_kib(st.p.pid)
        rc = st.finish(timeout=60)
        rd.join(60)
    is_eq(rc, 0, "sendfile to a python peer exits 0")
    is_eq(rd.n, SIZE, "python peer received 64 MiB")
    is_eq(rd.h.hexdigest(), want, "python peer: sha256 identical")
    ok(hwm is not None and hwm < 32 * 1024,
       "peak RSS (VmHWM) under 32 MiB: %s KiB" % hwm)
    ok(re.search(r"\[1\] > sent file %s: %d bytes in " % (re.escape(big), SIZE),
                 st.text), "sent summary names the file and 64 MiB",
       st.text[-500:])
    c.close()
    lsn.close()

    # to a socat peer (socktool serves, socat connects and writes a file)
    if shutil.which("socat") is None:
        skip("sendfile to socat", "socat not installed")
    else:
        outf = os.path.join(tmp, "socat.out")
        with Socktool() as st:
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            with Proc(["socat", "-u", "TCP:127.0.0.1:%d" % port,
                       "OPEN:%s,creat,trunc" % outf]) as so:
                st.wait_for(r"^\[2\] accepted")
                st.cmd("sendfile 2 %s" % big)
                st.cmd("echo SENT-DONE")
                st.wait_for(r"^SENT-DONE$", timeout=60)
                hwm = vm_hwm_kib(st.p.pid)
                rc = st.finish(timeout=60)
                src = so.p.wait(30)
        is_eq(rc, 0, "sendfile to a socat peer exits 0")
        is_eq(src, 0, "socat exits 0 after EOF")
        h = hashlib.sha256()
        with open(outf, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b)
        is_eq(os.path.getsize(outf), SIZE, "socat wrote 64 MiB")
        is_eq(h.hexdigest(), want, "socat peer: sha256 identical")
        ok(hwm is not None and hwm < 32 * 1024,
           "peak RSS (VmHWM) under 32 MiB with socat: %s KiB" % hwm)
    os.unlink(big)

    # ---- sendfile to a server: every peer gets the whole file ------------
    small = os.path.join(tmp, "small.bin")
    sdata = os.urandom(300000)
    with open(small, "wb") as f:
        f.write(sdata)
    with Socktool() as st:
        st.cmd("tcp-server 127.0.0.1 0")
        port = st.port(1)
        a = connect(port)
        st.wait_for(r"^\[2\] accepted")
        b = connect(port)
        st.wait_for(r"^\[3\] accepted")
        ra, rb = Reader(a, keep=True), Reader(b, keep=True)
        st.cmd("sendfile 1 %s" % small)
        st.cmd("echo SENT-DONE")
        st.wait_for(r"^SENT-DONE$", timeout=30)
        rc = st.finish()
        ra.join(30)
        rb.join(30)
    is_eq(rc, 0, "sendfile to a server exits 0")
    ok(ra.data == sdata, "first peer got the whole file (%d bytes)" % ra.n)
    ok(rb.data == sdata, "second peer got the whole file (%d bytes)" % rb.n)
    a.close()
    b.close()

    # JSON: the summary is a sent event with bytes, file and ms
    lsn, port = listener()
    with Socktool("--json") as st:
        st.cmd("tcp-client 127.0.0.1 %d" % port)
        c, _ = lsn.accept()
        rd = Reader(c, keep=True)
        st.cmd("sendfile 1 %s" % small)
        rc = st.finish()
        rd.join(30)
    evs = [json.loads(line) for line in st.text.splitlines() if line]
    summ = [e for e in evs if e.get("event") == "sent" and "file" in e]
    ok(len(summ) == 1 and summ[0].get("bytes") == len(sdata) and
       summ[0].get("file") == small and isinstance(summ[0].get("ms"),
                                                  (int, float)),
       "JSON: one sent event with bytes, file, ms", summ or st.text[-800:])
    ok(rd.data == sdata and rc == 0, "JSON-mode sendfile delivers the file")
    c.close()
    lsn.close()

    # ---- sendfile to UDP with --chunk 100 --------------------------------
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    uport = u.getsockname()[1]
    k = os.path.join(tmp, "k.bin")
    kdata = os.urandom(1000)
    with open(k, "wb") as f:
        f.write(kdata)
    with Socktool() as st:
        st.cmd("udp-client 127.0.0.1 %d" % uport)
        st.cmd("sendfile 1 %s --chunk 100" % k)
        st.cmd("echo SENT-DONE")
        st.wait_for(r"^SENT-DONE$", timeout=15)
        grams = []
        for _ in range(10):
            r, _, _ = select.select([u], [], [], 10)
            if not r:
                break
            grams.append(u.recv(65536))
        rc = st.finish()
    r, _, _ = select.select([u], [], [], 0.3)
    extra = u.recv(65536) if r else None
    is_eq(rc, 0, "UDP sendfile exits 0")
    is_eq([len(g) for g in grams], [100] * 10,
          "UDP peer received 10 datagrams of 100 bytes")
    ok(extra is None, "and no eleventh datagram", extra)
    ok(b"".join(grams) == kdata, "the datagrams carry the file in order")
    u.close()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done()
