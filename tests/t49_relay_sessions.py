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


# ---- hold on a relay listener ----------------------------------------------
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

# ---- UDP relay: labels and no printed forwarded writes ---------------------
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

done()
