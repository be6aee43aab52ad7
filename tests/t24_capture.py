#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.6 capture: `log ID|all PATH [--format raw|hex|jsonl|pcap]
[--dir rx|tx|both]`, `log ID off`, `log all off`, `log`.

(a) pcap of a TCP session on 127.0.0.1, 1 MiB each way plus one byte:
    pcapng, `tshark -r` clean, Follow TCP Stream gives the exact bytes of
    each direction, no Warn/Error in the expert info (checksums checked);
(b) the same on ::1 with a smaller payload;
(c) pcap of UDP: each datagram one UDP packet, right ports and length;
(d) raw (--dir rx), hex (--dir rx) and jsonl logs of 64 MiB received with
    display none hold every byte; raw without --dir holds both directions
    in order;
(e) `log all` covers a session created later; `log all off`, `log 2 off`
    stop logging; `log` lists the active logs;
(f) an unwritable path (and bad arguments) give one error line and change
    nothing;
(g) a full filesystem ends the log with one error; the session goes on.

tshark parts are skipped if tshark is missing; the full-filesystem part is
skipped if `unshare -rm` (user + mount namespace) is not permitted."""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import st as stlib  # noqa: E402
from st import (ok, is_eq, skip, done, Socktool, connect,  # noqa: E402
                recv_exact, recv_dgram, deadline_loop)

TSHARK = shutil.which("tshark")
tmp = tempfile.mkdtemp(prefix="st-t24-")


# ---- helpers -------------------------------------------------------------
def section(name, fn, *args):
    """Run one part; an exception (a timeout, socktool gone) is one failed
    assertion, and the next part still runs."""
    try:
        fn(*args)
    except Exception as e:              # noqa: BLE001
        first = (str(e).splitlines() or [""])[0]
        ok(False, "%s: %s %s" % (name, type(e).__name__, first),
           traceback.format_exc() + "\n" + str(e))


def mark(st, name, timeout=30):
    """`echo NAME` and wait for it: every earlier command has run.  Returns
    the offset after the marker line."""
    pos = len(st.out)
    st.cmd("echo %s" % name)
    return st.wait_for(r"^%s$" % re.escape(name), timeout=timeout,
                       start=pos).end()


def rx_bytes(st, sid):
    pos = len(st.out)
    st.cmd("show %d" % sid)
    m = st.wait_for(r"^  received +(\d+) bytes?", start=pos)
    return int(m.group(1))


def wait_rx(st, sid, n, timeout=30):
    """Poll `show SID` until socktool has read n bytes on it."""
    for _ in deadline_loop(timeout, "session %d rx %d bytes" % (sid, n)):
        if rx_bytes(st, sid) >= n:
            return


def between(st, a, b):
    return st.out[a:b].decode("utf-8", "replace")


def log_listing(st, tag):
    """The lines `log` prints (between two markers)."""
    a = mark(st, tag + "-A")
    st.cmd("log")
    b = mark(st, tag + "-B")
    seg = between(st, a, b)
    return [l for l in seg.splitlines() if l.strip() and l != tag + "-B"]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


class Reader(threading.Thread):
    """Reads a socket to EOF in the background."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.parts = []
        self.n = 0
        self.error = None
        self.start()

    def run(self):
        try:
            while True:
                b = self.sock.recv(1 << 20)
                if not b:
                    break
                self.parts.append(b)
                self.n += len(b)
        except OSError as e:
            self.error = e

    @property
    def data(self):
        return b"".join(self.parts)


class Sender(threading.Thread):
    def __init__(self, sock, data):
        super().__init__(daemon=True)
        self.sock, self.payload, self.error = sock, data, None
        self.start()

    def run(self):
        try:
            self.sock.sendall(self.payload)
        except OSError as e:
            self.error = e


# ---- tshark --------------------------------------------------------------
WSCFG = os.path.join(tmp, "wireshark")


def tshark_setup():
    """A private Wireshark configuration that dissects nothing above
    TCP/UDP: random payloads on ephemeral ports must not be taken for some
    protocol that then reports them as malformed."""
    os.makedirs(WSCFG, exist_ok=True)
    p = subprocess.run([TSHARK, "-G", "protocols"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=60)
    keep = {"frame", "pkt_comment", "raw", "eth", "ethertype", "sll",
            "null", "loop", "ip", "ipv6", "tcp", "udp", "data"}
    names = [l.split("\t")[2] for l in p.stdout.decode().splitlines()
             if l.count("\t") >= 2]
    with open(os.path.join(WSCFG, "disabled_protos"), "w") as f:
        for n in names:
            if n not in keep:
                f.write(n + "\n")


def tshark(*args, private=True):
    env = dict(os.environ)
    if private:
        env["WIRESHARK_CONFIG_DIR"] = WSCFG
    p = subprocess.run([TSHARK] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=180)
    # As root, tshark always warns that it runs as root: not about the file.
    err = "\n".join(l for l in p.stderr.decode("utf-8", "replace")
                    .splitlines() if l.strip() and
                    not l.startswith('Running as user "root"'))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def check_tshark_reads(path, label):
    rc, out, err = tshark("-r", path, private=False)
    ok(rc == 0 and err == "", "%s: tshark -r exits 0 with nothing on "
       "stderr" % label, "rc %d\n%s" % (rc, err))
    return out


def check_expert(path, label):
    rc, out, err = tshark("-r", path, "-o", "tcp.check_checksum:TRUE",
                          "-o", "ip.check_checksum:TRUE",
                          "-o", "udp.check_checksum:TRUE", "-q", "-z",
                          "expert")
    bad = re.findall(r"^(Errors|Warns|Warnings) \(\d+\)", out, re.M)
    ok(rc == 0 and not bad, "%s: tshark expert info (checksums checked) "
       "has no Warn and no Error" % label, "rc %d\n%s\n%s" % (rc, out, err))


def follow_tcp(path):
    """Follow TCP stream 0: {port: bytes that endpoint sent}."""
    rc, out, err = tshark("-r", path, "-q", "-z", "follow,tcp,raw,0")
    nodes = dict((int(n), int(p)) for n, p in
                 re.findall(r"^Node ([01]): .*:(\d+)\s*$", out, re.M))
    data = {0: [], 1: []}
    m = re.search(r"^Node 1: .*$", out, re.M)
    if rc != 0 or len(nodes) != 2 or m is None:
        return None, "rc %d\n%s\n%s" % (rc, out[-2000:], err)
    for line in out[m.end():].splitlines():
        if line.startswith("===="):
            break
        if not line.strip():
            continue
        who = 1 if line.startswith("\t") else 0
        data[who].append(bytes.fromhex(line.strip()))
    return {nodes[0]: b"".join(data[0]), nodes[1]: b"".join(data[1])}, out


# ---- (a), (b): pcap of a TCP session -------------------------------------
def pcap_tcp(host, size, label):
    up = os.urandom(size)                      # python -> socktool
    down = os.urandom(size)                    # socktool -> python (file)
    slug = re.sub(r"\W+", "-", label)
    src = os.path.join(tmp, "down-%s.bin" % slug)
    with open(src, "wb") as f:
        f.write(down)
    pcap = os.path.join(tmp, "tcp-%s.pcapng" % slug)
    with Socktool("--keep-going") as st:
        c = None
        try:
            st.cmd("set default display none")
            st.cmd("tcp-server %s 0" % host)
            port = st.port(1)
            c = connect(port, host, timeout=60)
            cport = c.getsockname()[1]
            st.wait_for(r"^\[2\] accepted")
            st.cmd("log 2 %s --format pcap" % pcap)
            mark(st, "LOGGING")
            rd = Reader(c)
            sd = Sender(c, up)
            st.cmd("sendfile 2 %s" % src)
            st.cmd("send 2 x")
            mark(st, "SENT", timeout=60)
            sd.join(60)
            wait_rx(st, 2, size)
            for _ in deadline_loop(30, "the peer receiving %d bytes"
                                   % (size + 1)):
                if rd.n >= size + 1 or not rd.is_alive():
                    break
                rd.join(0.05)
            c.shutdown(socket.SHUT_WR)
            st.wait_for(r"^\[2\] closed", timeout=30)
            rd.join(30)
            rc = st.finish(60)
        finally:
            if c is not None:
                c.close()
            st.kill()
    is_eq((sd.error, rd.error), (None, None), "%s: no socket error on the "
          "python peer" % label)
    ok(rd.data == down + b"x", "%s: the peer received the file and x "
       "(%d bytes)" % (label, rd.n))
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    blob = read(pcap)
    ok(blob is not None and blob[:4] == b"\x0a\x0d\x0d\x0a",
       "%s: the log is a pcapng file" % label,
       "missing" if blob is None else repr(blob[:16]))
    if not TSHARK:
        skip("%s: tshark reads, follows and checks the capture" % label,
             "tshark not installed")
        return
    check_tshark_reads(pcap, label)
    streams, diag = follow_tcp(pcap)
    if streams is None:
        ok(False, "%s: Follow TCP Stream finds both endpoints" % label, diag)
        return
    is_eq(sorted(streams), sorted([port, cport]),
          "%s: Follow TCP Stream shows the real ports" % label)
    got_up = streams.get(cport, b"")
    got_down = streams.get(port, b"")
    is_eq((len(got_up), sha(got_up)), (len(up), sha(up)),
          "%s: Follow TCP Stream, peer -> socktool: exactly the %d bytes sent"
          % (label, len(up)))
    is_eq((len(got_down), sha(got_down)), (len(down) + 1, sha(down + b"x")),
          "%s: Follow TCP Stream, socktool -> peer: exactly the file and x"
          % label)
    check_expert(pcap, label)
    os.unlink(pcap)
    os.unlink(src)


# ---- (c): pcap of UDP ------------------------------------------------------
def pcap_udp():
    label = "udp pcap"
    pcap = os.path.join(tmp, "udp.pcapng")
    s1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s1.bind(("127.0.0.1", 0))
    s2.bind(("127.0.0.1", 0))
    p1, p2 = s1.getsockname()[1], s2.getsockname()[1]
    grams = [(s1, os.urandom(1)), (s2, os.urandom(100)),
             (s1, os.urandom(1400))]
    try:
        with Socktool("--keep-going") as st:
            st.cmd("set default display none")
            st.cmd("udp 127.0.0.1 0")
            port = st.port(1)
            st.cmd("log 1 %s --format pcap" % pcap)
            mark(st, "LOGGING")
            total = 0
            for s, d in grams:
                s.sendto(d, ("127.0.0.1", port))
                total += len(d)
                wait_rx(st, 1, total)       # in order, one at a time
            st.cmd("send 1 --to 127.0.0.1:%d pong" % p2)
            r = recv_dgram(s2, 10)
            rc = st.finish()
    finally:
        s1.close()
        s2.close()
    is_eq(r and r[0], b"pong", "%s: the reply reached the second sender"
          % label)
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    blob = read(pcap)
    ok(blob is not None and blob[:4] == b"\x0a\x0d\x0d\x0a",
       "%s: the log is a pcapng file" % label)
    if not TSHARK:
        skip("%s: tshark shows each datagram" % label, "tshark not installed")
        return
    check_tshark_reads(pcap, label)
    rc, out, err = tshark("-r", pcap, "-Y", "udp", "-T", "fields",
                          "-e", "udp.srcport", "-e", "udp.dstport",
                          "-e", "udp.length", "-e", "udp.payload")
    rows = [tuple(l.split("\t")) for l in out.splitlines() if l.strip()]
    want = [(str(p1 if s is s1 else p2), str(port), str(8 + len(d)), d.hex())
            for s, d in grams]
    want.append((str(port), str(p2), str(8 + 4), b"pong".hex()))
    is_eq(rows, want, "%s: one UDP packet per datagram, with its source "
          "port, destination, length and bytes" % label)
    check_expert(pcap, label)


# ---- (d): raw, hex, jsonl logs of 64 MiB ------------------------------------
BIG = 64 << 20


def parse_hexdump(path):
    """Bytes of every hexdump -C block in path; (bytes, headers, sizes):
    sizes[i] is the byte count of the block under headers[i]."""
    out = bytearray()
    headers, sizes = [], []
    last = None          # (offset, bytes) of the previous dump line
    star = False
    dump = re.compile(rb"^([0-9a-f]{8})  ")
    endoff = re.compile(rb"^([0-9a-f]{8})\s*$")

    def fill_to(off):
        # hexdump's "*": the previous line repeats up to offset off
        nonlocal star
        if star and last is not None:
            k = (off - last[0]) // 16 - 1
            for _ in range(max(k, 0)):
                out.extend(last[1])
                sizes[-1] += len(last[1])
        star = False

    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            m = dump.match(line)
            if m:
                off = int(m.group(1), 16)
                fill_to(off)
                bar = line.find(b"|", 10)
                hexpart = line[10:bar if bar >= 0 else len(line)]
                b = bytes.fromhex(hexpart.decode("ascii"))
                out.extend(b)
                if sizes:
                    sizes[-1] += len(b)
                last = (off, b)
                continue
            m = endoff.match(line)
            if m:
                fill_to(int(m.group(1), 16))
                last = None
                continue
            if line == b"*":
                star = True
                continue
            if not line.strip():
                continue
            headers.append(line.decode("utf-8", "replace"))
            sizes.append(0)
            last, star = None, False
    return bytes(out), headers, sizes


def big_log(fmt):
    label = "%s log of 64 MiB" % fmt
    path = os.path.join(tmp, "big.%s" % fmt)
    opts = {"raw": "--format raw --dir rx", "hex": "--format hex --dir rx",
            "jsonl": "--format jsonl"}[fmt]
    with Socktool("--keep-going") as st:
        c = None
        try:
            st.cmd("set default display none")
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            c = connect(port, timeout=120)
            st.wait_for(r"^\[2\] accepted")
            st.cmd("log 2 %s %s" % (path, opts))
            mark(st, "LOGGING")
            c.sendall(DATA)
            c.close()
            c = None
            st.wait_for(r"^\[2\] closed", timeout=120)
            # the log is flushed when its session closes
            rc = st.finish(60)
        finally:
            if c is not None:
                c.close()
            st.kill()
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    if not os.path.exists(path):
        ok(False, "%s: the log file exists" % label)
        return
    if fmt == "raw":
        h = hashlib.sha256()
        n = 0
        with open(path, "rb") as f:
            for b in iter(lambda: f.read(1 << 20), b""):
                h.update(b)
                n += len(b)
        is_eq((n, h.hexdigest()), (BIG, WANT),
              "%s --dir rx: the file is exactly the bytes received" % label)
    elif fmt == "hex":
        got, headers, sizes = parse_hexdump(path)
        is_eq((len(got), sha(got)), (BIG, WANT),
              "%s --dir rx: the dump lines hold exactly the bytes received"
              % label)
        bad = [(h, n) for h, n in zip(headers, sizes)
               if not re.search(r"(?<![\d.:])%d(?![\d.:])" % n, h)
               or not re.search(r"\b2\b", h)]
        ok(headers and not bad, "%s: every block's header names the session "
           "and the block's byte count (%d blocks)" % (label, len(headers)),
           bad[:5] or "no header lines")
    else:
        h = hashlib.sha256()
        n = 0
        kinds = []
        bad = []
        with open(path, "rb") as f:
            for i, line in enumerate(f):
                try:
                    ev = json.loads(line)
                except ValueError:
                    bad.append((i, line[:80]))
                    continue
                if not isinstance(ev, dict) or "ts" not in ev or \
                        "event" not in ev:
                    bad.append((i, line[:80]))
                    continue
                kinds.append(ev["event"])
                if ev["event"] == "recv" and ev.get("id") == 2:
                    b = bytes.fromhex(ev.get("hex", ""))
                    if ev.get("bytes") != len(b):
                        bad.append((i, "bytes %r for %d bytes of hex"
                                    % (ev.get("bytes"), len(b))))
                    h.update(b)
                    n += len(b)
        is_eq(bad[:5], [], "%s: every line is a JSON event with ts and event"
              % label)
        is_eq((n, h.hexdigest()), (BIG, WANT),
              "%s: the recv events' hex, in order, is exactly the bytes "
              "received (display none)" % label)
        ok("closed" in kinds and kinds[-1] == "closed",
           "%s: the log ends with the session's closed event" % label,
           sorted(set(kinds)))
    os.unlink(path)


def raw_both_ways():
    label = "raw log, both directions"
    path = os.path.join(tmp, "pingpong.raw")
    want = b""
    with Socktool("--keep-going") as st:
        c = None
        try:
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            c = connect(port)
            st.wait_for(r"^\[2\] accepted")
            st.cmd("log 2 %s" % path)
            mark(st, "LOGGING")
            for i in range(1, 6):
                ping = b"ping-%d:%s\n" % (i, b"a" * i)
                pong = b"PONG-%d;%s\n" % (i, b"b" * (7 - i))
                c.sendall(ping)
                st.cmd("expect 2 %s" % ping.decode().rstrip("\n"))
                st.cmd("send 2 %s\\n" % pong.decode().rstrip("\n"))
                is_eq(recv_exact(c, len(pong)), pong,
                      "%s: round %d answered" % (label, i))
                want += ping + pong
            c.close()
            c = None
            st.wait_for(r"^\[2\] closed")
            rc = st.finish()
        finally:
            if c is not None:
                c.close()
            st.kill()
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    is_eq(read(path), want, "%s: the file is both directions, in order"
          % label)


# ---- (e): log all, log ID off, log ----------------------------------------
def names(lines, path, target):
    """Some line names path and, the path aside, the target."""
    for l in lines:
        if path in l and re.search(r"(?<![\w/.-])%s(?![\w/.-])" % target,
                                   l.replace(path, " ")):
            return True
    return False


def log_all():
    label = "log all"
    path = os.path.join(tmp, "all.raw")
    with Socktool("--keep-going") as st:
        c = None
        try:
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            st.cmd("log all %s" % path)
            lines = log_listing(st, "L1")
            ok(names(lines, path, "all"), "%s: `log` lists the log, naming "
               "all and the path" % label, "\n".join(lines))
            c = connect(port)
            st.wait_for(r"^\[2\] accepted")
            c.sendall(b"hello-all")
            st.wait_for(r"^hello-all$")
            st.cmd("send 2 reply-all")
            is_eq(recv_exact(c, 9), b"reply-all", "%s: reply received"
                  % label)
            st.cmd("log all off")
            mark(st, "OFF")
            c.sendall(b"after-all-off")
            st.wait_for(r"^after-all-off$")
            st.cmd("send 2 reply-after-off")
            recv_exact(c, 15)
            lines = log_listing(st, "L2")
            ok(not any(path in l for l in lines), "%s: after `log all off`, "
               "`log` lists no log" % label, "\n".join(lines))
            c.close()
            c = None
            st.wait_for(r"^\[2\] closed")
            rc = st.finish()
        finally:
            if c is not None:
                c.close()
            st.kill()
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    is_eq(read(path), b"hello-allreply-all", "%s: a session created after "
          "the command is logged, until `log all off`" % label)


def log_off():
    label = "log 2 off"
    path = os.path.join(tmp, "two.raw")
    with Socktool("--keep-going") as st:
        c = None
        try:
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            c = connect(port)
            st.wait_for(r"^\[2\] accepted")
            st.cmd("log 2 %s" % path)
            lines = log_listing(st, "L1")
            ok(names(lines, path, r"\[?2\]?"), "%s: `log` lists the log, "
               "naming session 2 and the path" % label, "\n".join(lines))
            c.sendall(b"before-off")
            st.wait_for(r"^before-off$")
            st.cmd("send 2 sent-before")
            recv_exact(c, 11)
            st.cmd("log 2 off")
            mark(st, "OFF")
            c.sendall(b"after-off")
            st.wait_for(r"^after-off$")
            st.cmd("send 2 sent-after")
            is_eq(recv_exact(c, 10), b"sent-after", "%s: the session still "
                  "works" % label)
            lines = log_listing(st, "L2")
            ok(not any(path in l for l in lines), "%s: `log` lists it no "
               "more" % label, "\n".join(lines))
            c.close()
            c = None
            st.wait_for(r"^\[2\] closed")
            rc = st.finish()
        finally:
            if c is not None:
                c.close()
            st.kill()
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    is_eq(read(path), b"before-offsent-before", "%s: bytes after it are not "
          "in the file" % label)


# ---- (f): bad paths and arguments -------------------------------------------
def bad_log():
    label = "unwritable log"
    made = os.path.join(tmp, "never-made.log")
    bad_cmds = [
        "log 2 /etc/passwd/x",
        "log all /etc/passwd/x --format pcap",
        "log 2 %s --format bogus" % made,
        "log 2 %s --dir sideways" % made,
        "log 99 %s" % made,
    ]
    with Socktool("--keep-going") as st:
        c = None
        try:
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            c = connect(port)
            st.wait_for(r"^\[2\] accepted")
            n_err = 0
            for i, line in enumerate(bad_cmds):
                a = mark(st, "B%d" % i)
                e0 = len(st.err)
                st.cmd(line)
                b = mark(st, "E%d" % i)
                for _ in deadline_loop(10, "an error line for %r" % line):
                    seg = between(st, a, b).splitlines()[:-1]
                    errs = st.err[e0:].decode("utf-8", "replace")
                    new = [l for l in seg + errs.splitlines() if l.strip()]
                    if new:
                        break
                    with st.cond:
                        st.cond.wait(0.05)
                n_err += 1
                ok(len(new) == 1 and new[0].startswith("error:"),
                   "%s: `%s` gives exactly one line, starting with error:"
                   % (label, line), "\n".join(new))
            lines = log_listing(st, "L")
            ok(not any("/etc/passwd" in l or made in l for l in lines),
               "%s: `log` lists nothing" % label, "\n".join(lines))
            ok(not os.path.exists(made), "%s: no file made by a refused "
               "command" % label)
            c.sendall(b"still-works")
            st.cmd("expect 2 still-works")
            st.cmd("send 2 yes")
            is_eq(recv_exact(c, 3), b"yes", "%s: the session still works"
                  % label)
            a = mark(st, "LIST")
            st.cmd("list")
            b = mark(st, "LISTED")
            rows = dict((r.get("ID"), r) for _, r in
                        stlib.parse_list(between(st, a, b)))
            is_eq(rows.get("2", {}).get("STATE"), "connected",
                  "%s: session 2 still connected" % label)
            c.close()
            c = None
            st.wait_for(r"^\[2\] closed")
            st.finish()
        finally:
            if c is not None:
                c.close()
            st.kill()
    allerr = [l for l in (st.text + st.err.decode("utf-8", "replace"))
              .splitlines() if l.startswith("error:")]
    is_eq(len(allerr), n_err, "%s: one error line per refused command, no "
          "other" % label)


# ---- (g): full filesystem ----------------------------------------------------
def full_fs():
    label = "full filesystem"
    d = os.path.join(tmp, "small-fs")
    os.mkdir(d)
    try:
        p = subprocess.run(["unshare", "-rm", "sh", "-c",
                            'mount -t tmpfs -o size=256k tmpfs "$1"', "sh",
                            d], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20)
        can = p.returncode == 0
    except (OSError, subprocess.SubprocessError):
        can = False
    if not can:
        skip("%s: one error, the session goes on" % label,
             "unshare -rm (user and mount namespace) not permitted")
        return
    path = os.path.join(d, "log.raw")
    saved = stlib.SOCKTOOL
    stlib.SOCKTOOL = "unshare"
    try:
        st = Socktool("-rm", "sh", "-c",
                      'mount -t tmpfs -o size=256k tmpfs "$1" && shift && '
                      'exec "$@"', "sh", d, saved, "--keep-going")
    finally:
        stlib.SOCKTOOL = saved
    full = re.compile(rb"(?i)no space left")
    with st:
        c = None
        try:
            st.cmd("set default display none")
            st.cmd("tcp-server 127.0.0.1 0")
            port = st.port(1)
            c = connect(port, timeout=60)
            st.wait_for(r"^\[2\] accepted")
            st.cmd("log 2 %s" % path)
            mark(st, "LOGGING")
            c.sendall(os.urandom(2 << 20))
            wait_rx(st, 2, 2 << 20)
            for _ in deadline_loop(20, "the log's write error"):
                with st.cond:
                    if full.search(st.out) or full.search(st.err):
                        break
                    st.cond.wait(0.1)
            c.sendall(b"after-full")
            st.cmd("expect 2 after-full")
            st.cmd("send 2 still-alive")
            is_eq(recv_exact(c, 11), b"still-alive", "%s: a send/expect "
                  "round trip works after the error" % label)
            c.sendall(os.urandom(512 << 10))       # more, after the error
            wait_rx(st, 2, (2 << 20) + 10 + (512 << 10))
            lines = log_listing(st, "L")
            ok(not any(path in l for l in lines), "%s: the failed log is no "
               "longer listed" % label, "\n".join(lines))
            c.close()
            c = None
            st.wait_for(r"^\[2\] closed", timeout=30)
            st.finish()
        finally:
            if c is not None:
                c.close()
            st.kill()
    lines = (st.text + st.err.decode("utf-8", "replace")).splitlines()
    enospc = [l for l in lines if re.search(r"(?i)no space left", l)]
    others = [l for l in lines if re.search(r"(?i)\berror\b", l)
              and l not in enospc]
    ok(len(enospc) == 1 and "No space left on device" in enospc[0],
       "%s: exactly one line says No space left on device" % label,
       "\n".join(enospc) or st.text[-1500:])
    is_eq(others, [], "%s: and no other error" % label)


# ---- run --------------------------------------------------------------------
try:
    if TSHARK:
        tshark_setup()
    section("pcap tcp ipv4", pcap_tcp, "127.0.0.1", 1 << 20, "tcp ipv4 pcap")
    section("pcap tcp ipv6", pcap_tcp, "::1", 200 << 10, "tcp ipv6 pcap")
    section("pcap udp", pcap_udp)
    DATA = os.urandom(BIG)
    WANT = sha(DATA)
    for fmt in ("raw", "hex", "jsonl"):
        section("%s log of 64 MiB" % fmt, big_log, fmt)
    DATA = None
    section("raw log both ways", raw_both_ways)
    section("log all", log_all)
    section("log 2 off", log_off)
    section("unwritable log", bad_log)
    section("full filesystem", full_fs)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done()
