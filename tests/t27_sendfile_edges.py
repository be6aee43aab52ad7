#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""sendfile (summary, progress, stop, Ctrl-C, a file changing under it)
and argument edges.
Issue 12, items 2 (sendfile part), 9, 10, 12, 13, 14 and the sendfile
rough edges:
 2  a sendfile path is shown escaped in its summary, progress and stopped
    lines (a name holding ESC/BEL retitles no terminal);
 9  `stop ID` cancels file transfers too (a server's: to every peer) and says
    how many bytes went; Ctrl-C stops what the last sendfile started (at the
    prompt, and in a script, where that sendfile then fails);
 10 `--every 0` / `--every 0ms` are one usage error; `--allow` lists with an
    empty element are rejected;
 12 a fast file reports a real rate; a file that shrinks during the
    transfer is a failure; one that grows is sent as long as it was at the
    start, and the summary says so;
 13 a second unix-server on a live path is refused without the live server
    seeing a peer (no session id spent); a stale file is still replaced;
 14 an oversized UDP send is exactly one error line;
 progress: shown while the peer is not reading (a timer), "stalled" rather
    than a made-up ETA."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, skip, done, Socktool, SOCKTOOL, run,  # noqa: E402
                recv_dgram)
from tmuxpane import Pane  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t27-")
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
EVIL = "b\x1b]0;TITLE\x07\x1b[2J.bin"
EVIL_SHOWN = r"b\e]0;TITLE\a\e[2J.bin"
MIB = 1 << 20


def case(name, fn, *args):
    """One case; an exception (a timeout, socktool gone) is one failed
    assertion, and the next case still runs."""
    try:
        fn(*args)
    except Exception as e:              # noqa: BLE001
        ok(False, "%s: no exception" % name,
           "%s\n%s" % (e, traceback.format_exc()))


def has_hook():
    """main.c calls cmd_data_interrupt() on Ctrl-C (another file's change)."""
    try:
        with open(os.path.join(SRC, "main.c")) as f:
            return "cmd_data_interrupt(" in f.read()
    except OSError:
        return False


def sparse(path, size):
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def listener(rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    s.settimeout(20)
    return s, s.getsockname()[1]


class Reader(threading.Thread):
    """Accepts one connection and reads it to EOF; `gate` (an Event), when
    given, holds reading back after the first `first` bytes until set;
    `at(n)` runs once when n bytes have arrived."""

    def __init__(self, lsn, first=0, gate=None, at=None):
        super().__init__(daemon=True)
        self.lsn, self.first, self.gate, self.at = lsn, first, gate, at
        self.n = 0
        self.error = None
        self.got_first = threading.Event()
        self.start()

    def run(self):
        try:
            c, _ = self.lsn.accept()
            c.settimeout(60)
            while True:
                if self.n >= self.first and self.gate is not None:
                    self.got_first.set()
                    self.gate.wait(60)
                    self.gate = None
                b = c.recv(min(1 << 20, max(1, self.first - self.n))
                           if self.n < self.first else 1 << 20)
                if not b:
                    break
                self.n += len(b)
                if self.at and self.n >= self.at[0]:
                    self.at[1]()
                    self.at = None
            c.close()
        except OSError as e:
            self.error = e


# ---- 2, 12: the summary: escaped name, a real rate ------------------------
def t_summary():
    evil = os.path.join(tmp, EVIL)
    with open(evil, "wb") as f:
        f.write(b"x" * 1000)
    lsn, port = listener()
    rd = Reader(lsn)
    rc, out, err = run("tcp-client 127.0.0.1 %d\nsendfile 1 %s\n"
                       % (port, evil))
    rd.join(20)
    lsn.close()
    is_eq(rc, 0, "sendfile of a file with ESC in its name exits 0")
    is_eq(rd.n, 1000, "the peer gets the file")
    ok("\x1b" not in out and "\x07" not in out,
       "no ESC or BEL byte of the name reaches stdout", repr(out))
    m = re.search(r"\[1\] > sent file (.*): 1000 bytes in (\S+) \((.*)\)",
                  out)
    ok(m and m.group(1).endswith(EVIL_SHOWN),
       "the summary shows the name escaped", repr(out))
    ok(m and m.group(3) != "0 B/s" and
       re.match(r"^(\d+(\.\d)? [KMG]?i?B/s|instant)$", m.group(3)),
       "a fast file's rate is real, not 0 B/s (%s)" % (m and m.group(3)),
       repr(out))
    ok(m and re.match(r"^\d+(us|ms|(\.\d+)?s)$", m.group(2)),
       "the time is in microseconds under a millisecond (%s)"
       % (m and m.group(2)), repr(out))

    # JSON: the name JSON-escaped, microseconds alongside ms
    lsn, port = listener()
    rd = Reader(lsn)
    rc, out, err = run("tcp-client 127.0.0.1 %d\nsendfile 1 %s\n"
                       % (port, evil), "--json")
    rd.join(20)
    lsn.close()
    ev = [json.loads(l) for l in out.splitlines()
          if '"event":"sent"' in l]
    ok(rc == 0 and ev and ev[-1].get("file") == evil and
       ev[-1].get("bytes") == 1000 and isinstance(ev[-1].get("us"), int),
       "JSON sent event: file, bytes, us", out)
    ok("\x1b" not in out, "JSON output has no raw ESC", repr(out))


# ---- 12: a file that shrinks fails; one that grows is sent as it was ------
def t_shrink():
    f = sparse(os.path.join(tmp, "shrink.bin"), 64 * MIB)
    lsn, port = listener(rcvbuf=256 << 10)
    gate = threading.Event()
    rd = Reader(lsn, first=MIB, gate=gate)
    st = Socktool()
    st.cmd("tcp-client 127.0.0.1 %d\nsendfile 1 %s\necho AFTER" % (port, f))
    ok(rd.got_first.wait(20), "shrink: the transfer starts")
    # socktool holds at most its queue and the socket buffers: far less
    # than 16 MiB is read when the file is cut to 16 MiB.
    os.truncate(f, 16 * MIB)
    gate.set()
    rc = st.finish(60)
    rd.join(20)
    lsn.close()
    is_eq(rc, 1, "a file that shrinks during the transfer fails the script")
    ok(re.search(r"error: .*sendfile: .*shrank", st.err.decode()),
       "the error says the file shrank", st.err.decode())
    ok(b"sent file" not in st.out and b"AFTER" not in st.out,
       "no success summary, and the script stops", st.out.decode())
    is_eq(rd.n, 16 * MIB, "the peer got what the file still had")


def t_grow():
    f = sparse(os.path.join(tmp, "grow.bin"), 32 * MIB)
    lsn, port = listener(rcvbuf=256 << 10)
    gate = threading.Event()
    rd = Reader(lsn, first=MIB, gate=gate)
    st = Socktool()
    st.cmd("tcp-client 127.0.0.1 %d\nsendfile 1 %s\necho AFTER" % (port, f))
    ok(rd.got_first.wait(20), "grow: the transfer starts")
    with open(f, "ab") as fh:
        fh.write(b"y" * MIB)
    gate.set()
    rc = st.finish(60)
    rd.join(20)
    lsn.close()
    is_eq(rc, 0, "a file that grows is still a success")
    is_eq(rd.n, 32 * MIB, "only the size at the start is sent")
    ok(re.search(rb"\[1\] > sent file .*: 33554432 bytes in .*grew by "
                 rb"1048576 bytes", st.out),
       "the summary says the file grew and by how much", st.out.decode())


# ---- 10: --every 0, empty --allow elements --------------------------------
def t_every0():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    for v in ("0", "0ms", "0s"):
        rc, out, err = run("udp-client 127.0.0.1 %d\n"
                           "send 1 --every %s flood\necho AFTER\n" % (port, v))
        errs = [l for l in err.splitlines() if l.startswith("error:")]
        ok(rc == 1 and len(errs) == 1 and "--every" in errs[0] and
           "AFTER" not in out,
           "--every %s is one usage error and stops the script" % v,
           out + err)
        # (the usage on the error line or on one of its own)
        ok(re.search(r"usage: send ID", err), "... with the usage (%s)"
           % v, err)
    is_eq(recv_dgram(u, 0.2), None, "--every 0 sent nothing")
    u.close()
    # the same for sendhex
    rc, out, err = run("udp-client 127.0.0.1 9\nsendhex 1 --every 0 41\n")
    ok(rc == 1 and "--every" in err, "sendhex --every 0 is refused", err)


def t_allow():
    for lst in ("10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/8,,127.0.0.1",
                ","):
        rc, out, err = run("tcp-server 127.0.0.1 0 --allow %s\necho AFTER\n"
                           % lst)
        errs = [l for l in err.splitlines() if l.startswith("error:")]
        ok(rc == 1 and len(errs) == 1 and "empty" in errs[0] and
           "listening" not in out and "AFTER" not in out,
           "--allow %r is rejected (empty element)" % lst, out + err)
    rc, out, err = run("tcp-server 127.0.0.1 0 --allow 10.0.0.0/8,::1/128,"
                       "127.0.0.1\n")
    ok(rc == 0 and "listening" in out, "a list without empty elements works",
       out + err)
    rc, out, err = run("tcp-server 127.0.0.1 0 --allow 10.0.0.0/+8\n")
    ok(rc == 1 and "prefix" in err, "a signed prefix length is refused", err)


# ---- 13: the liveness probe of a live unix path --------------------------
def t_unix_probe():
    path = os.path.join(tmp, "live.sock")
    with Socktool() as a:
        a.cmd("unix-server %s" % path)
        a.wait_for(r"\[1\] listening on ")
        for how, arg, cwd in (("absolute", path, None),
                              ("relative", "live.sock", tmp)):
            p = subprocess.run([SOCKTOOL, "-c", "unix-server %s" % arg],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=20, cwd=cwd)
            e = p.stderr.decode()
            ok(p.returncode == 1 and "in use by a live server" in e,
               "a second unix-server on a live path is refused (%s)" % how,
               e)
        ok(os.path.exists(path), "the live server's socket file stays")
        a.cmd("tcp-server 127.0.0.1 0\necho MARK")
        a.wait_for(r"^MARK$")
        ok(re.search(rb"\[2\] listening on 127\.0\.0\.1:", a.out),
           "the next session is id 2: the probe spent no id", a.text)
        ok(b"accepted" not in a.out,
           "the live server saw no accepted-then-closed peer", a.text)
        a.cmd("list\necho LISTED")
        m = a.wait_for(r"^LISTED$")
        ok(not re.search(r"unix-peer", a.text[:m.start()]),
           "list shows no peer on the live server", a.text)
        a.finish()
    # a stale file (its server gone) is still replaced
    stale = os.path.join(tmp, "stale.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(stale)
    s.listen(1)
    s.close()
    rc, out, err = run("unix-server %s\n" % stale)
    ok(rc == 0 and "listening on" in out,
       "a stale socket file is replaced", out + err)


# ---- 14: an oversized datagram is one error -------------------------------
def t_udp_big():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]

    def echo():
        d = recv_dgram(u, 20)
        if d:
            u.sendto(b"pong", d[1])
    t = threading.Thread(target=echo, daemon=True)
    t.start()
    # After the oversized send, a round trip: the loop has run many times
    # by then, so an error from the socket's error queue would be out.
    rc, out, err = run("udp-client 127.0.0.1 %d\nset 1 display none\n"
                       "send 1 %s\nsend 1 ping\nexpect 1 pong\necho AFTER\n"
                       % (port, "x" * 65508), "--keep-going")
    t.join(5)
    u.close()
    # An error is an "error:" line (stderr) or a session's error notice
    # ("[1] error for ..." on stdout, as the error queue was reported).
    errs = [l for l in (out + err).splitlines()
            if l.startswith("error:") or re.match(r"^\[\d+\] error", l)]
    is_eq(len(errs), 1, "an oversized UDP send prints exactly one error")
    ok(errs and "too long" in errs[0], "... saying the message is too long",
       out + err)
    ok("error for" not in err and "error for" not in out,
       "no second error from the error queue", out + err)
    ok("AFTER" in out, "the session keeps working (round trip done)",
       out + err)


# ---- 9: Ctrl-C in a script ------------------------------------------------
def t_script_sigint():
    if not has_hook():
        skip("Ctrl-C stops a sendfile in a script",
             "main.c does not call cmd_data_interrupt() yet")
        return
    f = sparse(os.path.join(tmp, "int.bin"), 64 * MIB)
    lsn, port = listener(rcvbuf=64 << 10)
    gate = threading.Event()
    rd = Reader(lsn, first=64 << 10, gate=gate)
    st = Socktool()
    st.cmd("tcp-client 127.0.0.1 %d\nsendfile 1 %s\necho AFTER" % (port, f))
    ok(rd.got_first.wait(20), "sigint: the transfer starts")
    st.p.send_signal(signal.SIGINT)
    m = st.wait_for(r"^\[1\] sendfile of %s stopped after (\d+) of %d bytes$"
                    % (re.escape(f), 64 * MIB), timeout=20)
    gate.set()
    rc = st.finish(30)
    rd.join(20)
    lsn.close()
    n = int(m.group(1))
    ok(0 < n < 64 * MIB, "Ctrl-C stops the transfer part way (%d)" % n)
    is_eq(rc, 1, "a sendfile stopped in a script fails the script")
    ok(b"AFTER" not in st.out, "the script does not go on", st.text)
    is_eq(rd.n, n, "the peer gets exactly the bytes the line reports")


# ---- 9, 2, progress: at the prompt (tmux) ---------------------------------
def t_prompt():
    if shutil.which("tmux") is None:
        skip("sendfile at the prompt", "tmux not installed")
        return
    evdir = os.path.join(tmp, "ev")
    os.mkdir(evdir)
    big = sparse(os.path.join(evdir, EVIL), 64 * MIB)
    # A peer that reads nothing: the transfer stalls once the queue and the
    # socket buffers are full.
    lsn, port = listener(rcvbuf=64 << 10)
    tm = Pane(tmp, width=220, scrollback=True, timeout=10).start()
    peer = None
    try:
        ok(tm.wait(lambda ls: ls and ls[-1] == "socktool>"),
           "the prompt appears", tm.screen())
        title0 = tm.title()
        tm.command("tcp-client 127.0.0.1 %d" % port, wait="grown")
        peer, _ = lsn.accept()
        ok(tm.wait_re(r"\[1\] connected"), "connected", tm.screen())
        # The name typed with quoted-insert (C-v) for its ESC and BEL.
        tm.typed("sendfile 1 %s/b" % evdir)
        tm.keys("C-v", "Escape")
        tm.typed("]0;TITLE")
        tm.keys("C-v", "C-g")
        tm.keys("C-v", "Escape")
        tm.typed("[2J.bin")
        tm.keys("Enter")
        rx = r"^\[1\] sendfile (.*): .* of 64\.0 MiB \(\d+%\), (.*)$"
        ok(tm.wait_re(rx), "a progress line while the peer is not reading",
           tm.screen())
        prog = [re.search(rx, l) for l in tm.nonempty() if re.search(rx, l)]
        ok(prog and prog[-1].group(1).endswith(EVIL_SHOWN),
           "the progress line shows the name escaped", tm.screen())
        ok(tm.wait(lambda ls: any(re.search(rx, l) and "stalled" in l
                                  for l in ls)),
           "a stalled transfer says so", tm.screen())
        ok(not re.search(r"ETA 0ms|ETA 0s\b", tm.screen()),
           "no ETA 0ms for an unknown time", tm.screen())
        is_eq(tm.title(), title0, "the pane title is unchanged")

        tm.command("stop 1", wait="grown")
        srx = (r"^\[1\] sendfile of (.*) stopped after (\d+) of 67108864 "
               r"bytes$")
        ok(tm.wait_re(srx), "stop 1 stops the transfer and says how far",
           tm.screen())
        m = [re.search(srx, l) for l in tm.nonempty() if re.search(srx, l)]
        n = int(m[-1].group(2)) if m else -1
        ok(m and m[-1].group(1).endswith(EVIL_SHOWN),
           "the stopped line shows the name escaped", tm.screen())
        ok(0 < n < 64 * MIB, "part of the file went (%d)" % n)
        ok(not re.search(r"repeating sends? stopped", tm.screen()),
           "stop does not claim to have stopped repeats", tm.screen())
        # What the line counts is what the peer gets: the queue drains.
        tm.command("close 1", wait="grown")
        peer.settimeout(20)
        got = 0
        while True:
            b = peer.recv(1 << 20)
            if not b:
                break
            got += len(b)
        is_eq(got, n, "the peer receives exactly the bytes reported")
        peer.close()
        peer = None
        ok(tm.wait_re(r"\[1\] closed"), "closed", tm.screen())
        ok(not any(re.search(rx, l) for l in tm.nonempty()[-3:]),
           "no progress line after the transfer stopped", tm.screen())

        # A server: stop reaches the transfers to its peers.
        tm.command("tcp-server 127.0.0.1 0", wait="grown")
        ok(tm.wait_re(r"\[2\] listening on 127\.0\.0\.1:(\d+)"),
           "server", tm.screen())
        sport = int(re.search(r"\[2\] listening on 127\.0\.0\.1:(\d+)",
                              tm.screen()).group(1))
        p1 = socket.create_connection(("127.0.0.1", sport))
        p2 = socket.create_connection(("127.0.0.1", sport))
        ok(tm.wait_re(r"\[4\] accepted"), "two peers", tm.screen())
        srv = sparse(os.path.join(tmp, "srv.bin"), 64 * MIB)
        tm.command("sendfile 2 %s" % srv, wait="grown")
        ok(tm.wait_re(r"sendfile: 2 transfers: .*stalled"),
           "one progress line for both transfers", tm.screen())
        tm.command("stop 2", wait="grown")
        ok(tm.wait_re(r"^\[3\] sendfile of .*srv\.bin stopped after") and
           tm.wait_re(r"^\[4\] sendfile of .*srv\.bin stopped after"),
           "stop SERVER stops the transfer to each peer", tm.screen())
        p1.close()
        p2.close()

        # Ctrl-C stops the transfer of the last sendfile.
        if not has_hook():
            skip("Ctrl-C at the prompt stops the last sendfile",
                 "main.c does not call cmd_data_interrupt() yet")
        else:
            tm.command("tcp-client 127.0.0.1 %d" % port, wait="grown")
            peer, _ = lsn.accept()
            ok(tm.wait_re(r"\[5\] connected"), "connected again",
               tm.screen())
            tm.command("sendfile 5 %s" % srv, wait="grown")
            ok(tm.wait_re(r"^\[5\] sendfile .*srv\.bin: .*stalled"),
               "transfer running", tm.screen())
            tm.keys("C-c")
            ok(tm.wait_re(r"^\[5\] sendfile of .*srv\.bin stopped after "
                          r"\d+ of 67108864 bytes$"),
               "Ctrl-C at the prompt stops it", tm.screen())
            tm.command("echo STILL-HERE", wait="grown")
            ok(tm.wait_re(r"^STILL-HERE$"), "socktool carries on",
               tm.screen())
    finally:
        if peer is not None:
            peer.close()
        lsn.close()
        tm.kill()


case("summary", t_summary)
case("shrink", t_shrink)
case("grow", t_grow)
case("every 0", t_every0)
case("allow", t_allow)
case("unix probe", t_unix_probe)
case("udp oversized", t_udp_big)
case("script sigint", t_script_sigint)
case("prompt", t_prompt)
shutil.rmtree(tmp, ignore_errors=True)
done()
