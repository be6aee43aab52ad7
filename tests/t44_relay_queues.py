#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15, bugs 4 and 6.  A scripted `send` into a relay side whose queue
forwarded traffic keeps full gets its turn (the queue keeps room for
injected sends) and arrives after what was forwarded before it.  Bytes held
on a relay side are never dropped without a word: when the held side ends
they are forwarded before the close; when the other side ends they are
reported lost with their count.  Peers are python sockets on 127.0.0.1."""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, deadline_loop  # noqa: E402


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    return s


def seen(st, pattern, timeout=10):
    """Whether socktool printed a line matching pattern in time."""
    try:
        return st.wait_for(pattern, timeout=timeout) is not None
    except TimeoutError:
        return False


def read_to_end(sock):
    """Everything until the peer's FIN; "<no end>" appended if none came
    within 10 s."""
    sock.settimeout(10)
    data = b""
    try:
        while True:
            d = sock.recv(100)
            if not d:
                return data
            data += d
    except socket.timeout:
        return data + b"<no end>"


def relay_port(st):
    return int(st.wait_for(r"^\[1\] listening on \S*:(\d+)").group(1))


# Bug 4: the upstream does not read; the client pushes until it stalls.
up = listener()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up.getsockname()[1])
    port = relay_port(st)
    cl = socket.create_connection(("127.0.0.1", port), 10)
    u, _ = up.accept()
    st.wait_for(r"^\[3\] connected")
    st.cmd("set all display none")
    cl.settimeout(3)
    pushed = 0
    block = b"f" * 65536
    while pushed < (200 << 20):
        try:
            pushed += cl.send(block)
        except socket.timeout:
            break
    ok(pushed < (200 << 20), "the forwarded push stalls (%d MB in)" %
       (pushed >> 20))
    st.cmd("send 3 INJECT")
    st.cmd("echo AFTER")
    m = None
    try:
        m = st.wait_for(r"^(AFTER|error.*)$", timeout=15)
    except TimeoutError:
        pass
    ok(m is not None and m.group(1) == b"AFTER",
       "a scripted send into a full relay queue is accepted at once",
       st.text[-500:])
    # The upstream reads everything: the injected bytes follow the
    # forwarded ones that were queued before them.
    u.settimeout(20)
    got = bytearray()
    try:
        for _ in deadline_loop(60, "the forwarded bytes and INJECT"):
            d = u.recv(1 << 20)
            if not d:
                break
            got += d
            if got.endswith(b"INJECT"):
                break
    except (TimeoutError, socket.timeout):
        pass
    i = got.find(b"INJECT")
    ok(i > 0 and set(got[:i]) == {ord("f")},
       "the injected send arrives, after %d forwarded bytes" % max(i, 0))
    cl.close()
    u.close()

# Bug 6a: hold on the server side, then the server finishes: its end is
# held with the bytes before it, and `release` delivers both, in order.
up2 = listener()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up2.getsockname()[1])
    port = relay_port(st)
    cl = socket.create_connection(("127.0.0.1", port), 10)
    u, _ = up2.accept()
    st.wait_for(r"^\[3\] connected")
    st.cmd("hold 3")
    st.cmd("echo HELD")
    st.wait_for(r"^HELD$")
    u.sendall(b"held-bytes")
    st.wait_for(r"^\[3\] < 10 bytes")
    u.close()
    ok(seen(st, r"^\[3\] the server finished sending: its end is held"),
       "the server's end is held with its bytes")
    st.cmd("release 3")
    ok(seen(st, r"^\[3\] released 10 held bytes"), "release says how many")
    data = read_to_end(cl)
    is_eq(data, b"held-bytes", "the client gets the held bytes, then the "
          "end of the stream")
    cl.close()
    ok(seen(st, r"^\[2\] closed"), "the pair closes after that")

# Bug 6a': the held side is closed while it holds bytes: they go on ahead
# of the close.
up2 = listener()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up2.getsockname()[1])
    port = relay_port(st)
    cl = socket.create_connection(("127.0.0.1", port), 10)
    u, _ = up2.accept()
    st.wait_for(r"^\[3\] connected")
    st.cmd("hold 3")
    st.cmd("echo HELD")
    st.wait_for(r"^HELD$")
    u.sendall(b"held-bytes")
    st.wait_for(r"^\[3\] < 10 bytes")
    st.cmd("close 3")
    ok(seen(st, r"^\[3\] 10 held bytes forwarded before the close"),
       "closing a held side forwards what it holds first")
    data = read_to_end(cl)
    is_eq(data, b"held-bytes", "the client gets them, then the close")
    cl.close()
    u.close()

# Bug 6b: hold on the client side, then the server closes: the held bytes
# cannot be delivered and socktool says how many were lost.
up3 = listener()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up3.getsockname()[1])
    port = relay_port(st)
    cl = socket.create_connection(("127.0.0.1", port), 10)
    u, _ = up3.accept()
    st.wait_for(r"^\[3\] connected")
    st.cmd("hold 2")
    st.cmd("echo HELD")
    st.wait_for(r"^HELD$")
    cl.sendall(b"from-client")
    st.wait_for(r"^\[2\] < 11 bytes")
    st.cmd("close 3")
    ok(seen(st, r"^\[2\] 11 held bytes lost: the server side closed"),
       "held bytes that can no longer be delivered are "
       "reported lost with their count", st.text[-600:])
    cl.close()
done()
