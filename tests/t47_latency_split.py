#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, bug 3: `delay DUR` is latency and `split` is visible.
`delay 300ms` holds one send at least ~300 ms (a lower bound only: a slow
machine only makes it later), on TCP and on UDP; `jitter` holds datagrams
a random while and keeps their order; `split N DUR` reaches a python peer
as separate recv() calls of N bytes on TCP, on TLS (pieces are records)
and on a relay's upstream side; TCP_NODELAY is on while split is set and
back off after; `split off` is accepted."""
import os
import re
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (Socktool, ok, is_eq, done, deadline_loop,  # noqa: E402
                recv_exact)

_seq = [0]


def sync(st):
    """Wait until every command written so far has run; where its output
    ends."""
    _seq[0] += 1
    st.cmd("echo SYNC-%d" % _seq[0])
    return st.wait_for(r"^SYNC-%d$" % _seq[0]).start()


def reads_of(sock, total, timeout=10):
    """recv() until total bytes came: the list of what each call returned."""
    sock.settimeout(timeout)
    reads = []
    for _ in deadline_loop(timeout, "%d bytes" % total):
        r = sock.recv(100)
        if not r:
            break
        reads.append(r)
        if sum(len(x) for x in reads) >= total:
            break
    return reads


def nodelay(st, sid):
    start = sync(st)
    st.cmd("sockopt %d nodelay" % sid)
    end = sync(st)
    m = re.search(r"^\[%d\] nodelay\s+(\S+)" % sid,
                  st.out[start:end].decode("utf-8", "replace"), re.M)
    return m.group(1) if m else None


SPLIT = [b"abc", b"def", b"ghi", b"j"]

# ---- TCP: delay is latency; split pieces are read apart ----------------------
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
with Socktool("--keep-going") as st:
    st.cmd("tcp-client 127.0.0.1 %d" % srv.getsockname()[1])
    u, _ = srv.accept()
    st.wait_for(r"^\[1\] connected")
    st.cmd("set 1 delay 300ms")
    sync(st)
    t0 = time.monotonic()
    st.cmd("send 1 hello")
    got = recv_exact(u, 5)
    el = time.monotonic() - t0
    ok(got == b"hello" and el >= 0.25, "delay 300ms holds one send (it "
       "arrived after %.3f s; a gap between writes let it go at once)" % el,
       got)
    st.cmd("send 1 one")
    st.cmd("send 1 two")
    st.cmd("send 1 three")
    is_eq(recv_exact(u, 11), b"onetwothree", "delay keeps the order")
    st.cmd("set 1 delay off")

    is_eq(nodelay(st, 1), "off", "TCP_NODELAY is off before split")
    st.cmd("set 1 split 3 50ms")
    is_eq(nodelay(st, 1), "on", "split turns TCP_NODELAY on")
    st.cmd("send 1 abcdefghij")
    is_eq(reads_of(u, 10), SPLIT, "split 3 50ms: the peer reads each piece "
          "on its own")
    st.cmd("set 1 split off")
    is_eq(nodelay(st, 1), "off", "split off: TCP_NODELAY as it was before")
    st.cmd("send 1 abcdefghij")
    is_eq(recv_exact(u, 10), b"abcdefghij", "split off: whole again")
    st.cmd("set 1 split 3")
    st.cmd("send 1 abcdefghij")
    is_eq(recv_exact(u, 10), b"abcdefghij", "split 3 without a gap: every "
          "byte, in order")
    st.cmd("show 1")
    st.wait_for(r"split +3\b")
    ok(True, "show says split 3")
    u.close()
srv.close()

# ---- TLS: each piece is a record, read on its own ----------------------------
with Socktool("--keep-going") as st:
    st.cmd("tls-server 127.0.0.1 0")
    port = st.port(1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=15)
    c = ctx.wrap_socket(raw, server_hostname="localhost")
    st.wait_for(r"^\[2\] TLSv1")
    st.cmd("set 2 split 3 50ms")
    st.cmd("send 2 abcdefghij")
    is_eq(reads_of(c, 10), SPLIT, "TLS, split 3 50ms: one record a piece, "
          "each read on its own")
    st.cmd("set 2 split off")
    st.cmd("set 2 delay 300ms")
    sync(st)
    t0 = time.monotonic()
    st.cmd("send 2 late")
    got = recv_exact(c, 4)
    el = time.monotonic() - t0
    ok(got == b"late" and el >= 0.25, "TLS: delay 300ms holds the send "
       "(%.3f s)" % el, got)
    c.close()

# ---- relay: the upstream side's pieces ----------------------------------------
up = socket.socket()
up.bind(("127.0.0.1", 0))
up.listen(4)
with Socktool("--keep-going") as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up.getsockname()[1])
    port = int(st.wait_for(r"^\[1\] listening on 127\.0\.0\.1:(\d+)")
               .group(1))
    st.cmd("set 1 split 3 50ms")
    sync(st)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    u, _ = up.accept()
    c.sendall(b"abcdefghij")
    is_eq(reads_of(u, 10), SPLIT, "relay: what is forwarded upstream "
          "arrives in pieces read apart")
    u.sendall(b"back")
    is_eq(reads_of(c, 4), [b"bac", b"k"], "relay: and so does the way "
          "back to the client")
    c.close()
    u.close()
up.close()

# ---- UDP: delay holds datagrams; jitter keeps their order ----------------------
peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
peer.bind(("127.0.0.1", 0))
peer.settimeout(10)
with Socktool("--keep-going") as st:
    st.cmd("udp 127.0.0.1 0 --to 127.0.0.1:%d" % peer.getsockname()[1])
    st.cmd("set 1 delay 300ms")
    sync(st)
    t0 = time.monotonic()
    st.cmd("send 1 dgram")
    got = peer.recv(100)
    el = time.monotonic() - t0
    ok(got == b"dgram" and el >= 0.25, "UDP: delay 300ms holds the datagram "
       "(%.3f s)" % el, got)
    st.cmd("set 1 delay 10ms")
    st.cmd("set 1 jitter 40ms")
    st.cmd("set 1 seed 5")
    for i in range(20):
        st.cmd("send 1 %d" % i)
    got = []
    try:
        while len(got) < 20:
            got.append(int(peer.recv(100)))
    except socket.timeout:
        pass
    is_eq(got, list(range(20)), "UDP: jitter 40ms keeps the datagrams' order")
    st.cmd("show 1")
    st.wait_for(r"jitter +40ms")
    ok(True, "show says jitter 40ms")
peer.close()
done()
