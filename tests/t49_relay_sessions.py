#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21 (relay and sessions): hold on a relay listener holds every pair's
client side (current and future) until release, and hold says so; a UDP
relay labels replies server->client and does not print its forwarded
writes; rewrite counts its matches; an upstream refusal names the address
once; a reply rule wins over --echo; RST after FIN is a reset; refused
--allow connections are counted, not printed one by one; close
--keep-peers; tcp-client --reconnect; probe shows open ports and a
summary."""
import json
import struct
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, deadline_loop  # noqa: E402


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    s.settimeout(10)
    return s


def recv_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            break
        b += d
    return b


def marker(st, word):
    """Everything printed up to now (a command's output is complete once
    the echo after it is out)."""
    st.cmd("echo %s" % word)
    return st.wait_for(r"^%s$" % word)



def section(name, fn):
    """One part of the file: an exception (a timeout on the old code) is
    one failed test, and the parts after it still run."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        ok(False, name + ": " + type(e).__name__, str(e)[-1500:])


# ---- hold on a relay listener ----------------------------------------------
def part0():
    up = listener()
    with Socktool() as st:
        st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up.getsockname()[1])
        rport = st.port(1)
        c1 = socket.create_connection(("127.0.0.1", rport), timeout=10)
        u1, _ = up.accept()
        st.wait_for(r"^\[3\] connected")
        st.cmd("hold 1")
        ok(st.seen(r"^\[1\] holding .*1 current pair.*release 1"),
           "hold on a relay listener is accepted and says what it holds",
           st.text[-600:])
        c2 = socket.create_connection(("127.0.0.1", rport), timeout=10)
        u2, _ = up.accept()
        st.wait_for(r"^\[5\] connected")
        c1.sendall(b"early")
        c2.sendall(b"later")
        st.wait_for(r"^later$")
        st.wait_for(r"^early$")
        u1.settimeout(0.3)
        u2.settimeout(0.3)
        got = []
        for u in (u1, u2):
            try:
                got.append(u.recv(100))
            except socket.timeout:
                got.append(None)
        is_eq(got, [None, None], "held: neither the current pair's nor the new "
              "pair's client bytes reach the upstream")
        u1.sendall(b"back")
        is_eq(c1.recv(100), b"back", "the upstream's replies still flow")
        st.cmd("release 1")
        ok(st.seen(r"^\[1\] released 10 held bytes of 2 pairs"),
           "release on the relay says what it released", st.text[-600:])
        u1.settimeout(10)
        u2.settimeout(10)
        is_eq((recv_exact(u1, 5), recv_exact(u2, 5)), (b"early", b"later"),
              "release forwards what every pair held")
        c3 = socket.create_connection(("127.0.0.1", rport), timeout=10)
        u3, _ = up.accept()
        c3.sendall(b"free")
        is_eq(recv_exact(u3, 4), b"free", "after release new pairs forward")
        st.cmd("hold 2")
        ok(st.seen(r"^\[2\] holding what arrives here, until release 2"),
           "hold on one side prints a confirmation", st.text[-600:])
        for s in (c1, c2, c3, u1, u2, u3):
            s.close()
    up.close()


section('hold on a relay listener', part0)


# ---- UDP relay: labels and no printed forwarded writes ---------------------
def part1():
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))

    def udp_echo():
        try:
            while True:
                d, a = echo.recvfrom(2000)
                echo.sendto(b"re:" + d, a)
        except OSError:
            pass

    threading.Thread(target=udp_echo, daemon=True).start()
    with Socktool() as st:
        st.cmd("relay 127.0.0.1 0 127.0.0.1 %d --udp" % echo.getsockname()[1])
        rport = st.port(1)
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(10)
        c.sendto(b"one", ("127.0.0.1", rport))
        is_eq(c.recv(100), b"re:one", "UDP relay forwards both ways")
        marker(st, "UDPDONE")
        text = st.text
        ok(re.search(r"^\[2\] < 6 bytes from 127\.0\.0\.1:%d \(server->client\)"
                     % echo.getsockname()[1], text, re.M),
           "UDP relay: the upstream's reply is server->client", text)
        ok(not re.search(r"^\[\d+\] > ", text, re.M),
           "UDP relay: forwarded writes are not printed (as in a TCP relay)",
           text)
        st.cmd("show 2")
        ok(st.seen(r"messages +1 received, 1 sent"),
           "UDP relay: forwarded datagrams are still counted", st.text[-800:])
        c.close()
    echo.close()


section('UDP relay: labels and no printed forwarded writes', part1)


# ---- rewrite counts its matches ---------------------------------------------
def part2():
    up = listener()
    with Socktool() as st:
        st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up.getsockname()[1])
        rport = st.port(1)
        st.cmd("set 1 rewrite 'a => b'")
        st.cmd("set 1 rewrite 'zz => y'")
        c = socket.create_connection(("127.0.0.1", rport), timeout=10)
        u, _ = up.accept()
        u.settimeout(10)
        c.sendall(b"aXa")
        is_eq(recv_exact(u, 3), b"bXb", "rewrite applied")
        n = len(st.out)
        st.cmd("show 2")
        ok(st.seen(r"rewritten +2x 'a => b'; 0x 'zz => y'", start=n),
           "show counts each rewrite rule's matches", st.text[-1500:])
        st.cmd("stats 2")
        ok(st.seen(r"^\[2\] rx [^\n]*\n?[^\n]*  rewrites 2$", start=n),
           "stats counts rewrites", st.text[-600:])
        c.close()
        u.close()
    up.close()


section('rewrite counts its matches', part2)


# ---- an upstream that refuses: the address once -----------------------------
def part3():
    dead = listener()
    dport = dead.getsockname()[1]
    dead.close()
    with Socktool() as st:
        st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % dport)
        rport = st.port(1)
        c = socket.create_connection(("127.0.0.1", rport), timeout=10)
        m = st.seen(r"^\[2\] closed \(error\): (.*)$")
        line = m.group(1).decode() if m else ""
        ok(line.count("127.0.0.1:%d" % dport) == 1 and "refused" in line,
           "upstream refusal names the address once", line)
        c.close()


section('an upstream that refuses: the address once', part3)


# ---- a reply rule wins over --echo ------------------------------------------
def part4():
    with Socktool() as st:
        st.cmd("tcp-server 127.0.0.1 0 --echo")
        port = st.port(1)
        st.cmd("set 1 reply PING => PONG")
        marker(st, "RULESET")
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        c.sendall(b"PING")
        first = recv_exact(c, 4)
        c.sendall(b"zz")
        second = recv_exact(c, 2)
        is_eq((first, second), (b"PONG", b"zz"), "a matching reply rule answers "
              "instead of the echo; echo answers what no rule matched")
        c.close()


section('a reply rule wins over --echo', part4)


# ---- RST after FIN is a reset ------------------------------------------------
def part5():
    with Socktool() as st:
        st.cmd("set default half-close on")
        st.cmd("tcp-server 127.0.0.1 0")
        port = st.port(1)
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        st.wait_for(r"^\[2\] accepted")
        c.shutdown(socket.SHUT_WR)
        st.wait_for(r"^\[2\] peer finished sending")
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        m = st.seen(r"^\[2\] closed .*$")
        is_eq(m.group(0).decode() if m else None,
              "[2] closed (reset): connection reset by peer",
              "RST after FIN is reported as a reset")


section('RST after FIN is a reset', part5)


# ---- refused --allow connections are counted --------------------------------
def part6():
    with Socktool() as st:
        st.cmd("tcp-server 127.0.0.1 0 --allow 10.0.0.0/8")
        port = st.port(1)
        N = 60
        for _ in range(N):
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                c.recv(10)
            except OSError:
                pass
            c.close()
        total = 0
        for _ in deadline_loop(15, "refusal summary"):
            text = st.text
            lines = re.findall(r"^\[1\] refused 127\.0\.0\.1:\d+: not in "
                               r"--allow list$", text, re.M)
            more = [int(x) for x in re.findall(
                r"^\[1\] refused (\d+) more connections? in \d+ms", text,
                re.M)]
            total = len(lines) + sum(more)
            if total >= N:
                break
            st.seen(r"refused \d+ more", timeout=2, start=len(st.out))
        ok(total == N and len(lines) + len(more) <= 2 * (len(more) + 1) and
           len(lines) < 10,
           "a flood of refused connections: a line, then counts (%d lines, "
           "summaries %r)" % (len(lines), more), st.text[-800:])


section('refused --allow connections are counted', part6)


# ---- probe: open ports and a summary by default -----------------------------
def probe_default():
    lst = listener()
    lport = lst.getsockname()[1]
    lo, hi = max(1025, lport - 20), min(65535, lport + 20)
    rng = "%d-%d" % (lo, hi)
    with Socktool() as st:
        n = len(st.out)
        st.cmd("probe 127.0.0.1 %s" % rng)
        m = st.wait_for(r"^\d+ ports in .*$", start=n)
        shown = re.findall(r"^(\d+)/tcp (\S+)$", st.out[n:m.end()].decode(),
                           re.M)
        # Tests run in parallel: another test's listener may be open in
        # the range too; every line shown is an open port, ours among them.
        ok((str(lport), "open") in shown and
           all(state == "open" for _, state in shown),
           "probe shows only the open ports by default", shown)
        ok(re.search(r"^%d ports in .*: %d open, %d closed" %
                     (hi - lo + 1, len(shown), hi - lo + 1 - len(shown)),
                     m.group(0).decode()),
           "the summary counts the closed ones", m.group(0).decode())
        n = len(st.out)
        st.cmd("probe 127.0.0.1 %s --all" % rng)
        m = st.wait_for(r"^\d+ ports in .*$", start=n)
        shown = re.findall(r"^(\d+)/tcp (\S+)$", st.out[n:m.end()].decode(),
                           re.M)
        is_eq(len(shown), hi - lo + 1, "probe --all shows every port")
    rc = None
    with Socktool("--json") as st:
        st.cmd("probe 127.0.0.1 %s" % rng)
        st.wait_for(r'"command":"probe"')
        rc = st.finish()
        objs = [json.loads(x) for x in st.text.splitlines() if x.strip()]
        pe = [o for o in objs if o.get("event") == "probe"]
        is_eq((rc, len(pe)), (0, hi - lo + 1),
              "--json: a probe event for every port")
    lst.close()


section("probe default output", probe_default)


# ---- close --keep-peers ------------------------------------------------------
def keep_peers():
    up = listener()
    with Socktool("--keep-going") as st:
        st.cmd("tcp-server 127.0.0.1 0")
        port = st.port(1)
        a = socket.create_connection(("127.0.0.1", port), timeout=10)
        st.wait_for(r"^\[2\] accepted")
        st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up.getsockname()[1])
        rport = st.port(3)
        b = socket.create_connection(("127.0.0.1", rport), timeout=10)
        u, _ = up.accept()
        u.settimeout(10)
        st.wait_for(r"^\[5\] connected")
        n = len(st.out)
        st.cmd("close 2 --keep-peers")
        ok(st.seen(r"session 2 is not a stream server", stream="err"),
           "--keep-peers on a peer is an error", st.err.decode()[-500:])
        st.cmd("close 1 3 --keep-peers")
        ok(st.seen(r"^\[1\] closed", start=n) and
           st.seen(r"^\[3\] closed", start=n),
           "the servers close", st.text[-800:])
        refused = []
        for p in (port, rport):
            try:
                socket.create_connection(("127.0.0.1", p), timeout=5).close()
                refused.append(False)
            except ConnectionRefusedError:
                refused.append(True)
        is_eq(refused, [True, True], "no longer listening")
        st.cmd("send 2 hello")
        is_eq(recv_exact(a, 5), b"hello", "the kept peer is still usable")
        b.sendall(b"via")
        is_eq(recv_exact(u, 3), b"via", "the kept relay pair still forwards")
        n = len(st.out)
        st.cmd("list")
        marker(st, "LISTED")
        rows = st.out[n:].decode()
        ok(re.search(r"^ *2 +tcp-peer +connected", rows, re.M) and
           re.search(r"^ *4 +relay-in +connected", rows, re.M) and
           not re.search(r"^ *[13] ", rows, re.M),
           "list shows the kept peers on their own", rows)
        st.cmd("show 2")
        st.cmd("echo SHOWN")
        shown = st.wait_for(r"^SHOWN$", start=n)
        ok("parent" not in st.out[n:shown.start()].decode(),
           "a kept peer has no parent", st.text[-800:])
        for x in (a, b, u):
            x.close()
    up.close()


section("close --keep-peers", keep_peers)

done()
