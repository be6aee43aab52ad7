#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15, bugs 1 and 2: one interest policy for every layer.  A TLS
session obeys the same backpressure as a plain one: a relay whose other side
does not read, `hold`, and `read off` stop reading a TLS side (memory stays
bounded while a peer pushes as fast as it can), and `delay` with data queued
on a TLS session sleeps instead of spinning.  Peers are python's ssl and
socket modules on 127.0.0.1; a push counts as stalled when the peer's
socket could not send for 3 s (a bounded wait, not a sync by sleep)."""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (Socktool, ok, done, skip_all, deadline_loop,  # noqa: E402
                cpu_ticks)

if subprocess.run(["which", "openssl"], capture_output=True).returncode:
    skip_all("openssl not installed")

tmpd = tempfile.mkdtemp(prefix="st-t43-")
CERT, KEY = os.path.join(tmpd, "c.pem"), os.path.join(tmpd, "k.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-keyout", KEY, "-out", CERT],
               check=True, capture_output=True)
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(CERT, KEY)
cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.check_hostname = False
cctx.verify_mode = ssl.CERT_NONE

LIMIT = 200 << 20       # the push gives up here: unbounded buffering
RSS_MAX = 64 << 10      # KiB of growth allowed while the push stalls
CHUNK = 1 << 20


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def push(sock):
    """Send until LIMIT or until nothing more goes for 3 s; bytes sent."""
    sock.settimeout(3)
    sent = 0
    block = b"z" * CHUNK
    while sent < LIMIT:
        try:
            n = sock.send(block)
        except (socket.timeout, ssl.SSLWantWriteError):
            break
        except OSError:
            break
        sent += n
    return sent


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(4)
    return s


def sink_forever(srv, tls, keep):
    """Accept one connection (TLS when asked) and never read from it."""
    c, _ = srv.accept()
    if tls:
        c = sctx.wrap_socket(c, server_side=True)
    keep.append(c)


def relay_port(st):
    return int(st.wait_for(r"^\[1\] listening on \S*:(\d+)").group(1))


def stalled_push(st, case, sock):
    before = rss_kib(st.p.pid)
    sent = push(sock)
    grew = rss_kib(st.p.pid) - before
    ok(sent < LIMIT and grew < RSS_MAX,
       "%s: the push stalls (%d MB in) and RSS grew %d KiB" %
       (case, sent >> 20, grew))


# 1. relay --tls-server whose upstream accepts and never reads.
up = listener()
keep = []
threading.Thread(target=sink_forever, args=(up, False, keep),
                 daemon=True).start()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d --tls-server" %
           up.getsockname()[1])
    port = relay_port(st)
    c = cctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10))
    st.wait_for(r"^\[3\] connected")
    st.cmd("set all display none")
    stalled_push(st, "relay --tls-server, upstream not reading", c)
    c.close()

# 2. hold on the TLS side of a relay: the hold queue is bounded too.
up2 = listener()
keep2 = []
threading.Thread(target=sink_forever, args=(up2, False, keep2),
                 daemon=True).start()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d --tls-server" %
           up2.getsockname()[1])
    port = relay_port(st)
    c = cctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10))
    st.wait_for(r"^\[3\] connected")
    st.cmd("set all display none")
    st.cmd("hold 2")
    st.cmd("echo HELD")
    st.wait_for(r"^HELD$")
    stalled_push(st, "hold on a --tls-server relay side", c)
    c.close()

# 3. relay --tls-client: a TLS upstream pushes to a client that never reads.
up3 = listener()


def tls_pusher(srv, out):
    c, _ = srv.accept()
    c = sctx.wrap_socket(c, server_side=True)
    out.append(push(c))
    c.close()


pushed = []
t = threading.Thread(target=tls_pusher, args=(up3, pushed), daemon=True)
t.start()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d --tls-client --insecure" %
           up3.getsockname()[1])
    port = relay_port(st)
    before = rss_kib(st.p.pid)
    cl = socket.create_connection(("127.0.0.1", port), 10)
    st.wait_for(r"^\[3\] TLS")
    st.cmd("set all display none")
    t.join(120)
    grew = rss_kib(st.p.pid) - before
    ok(pushed and pushed[0] < LIMIT and grew < RSS_MAX,
       "relay --tls-client, client not reading: the upstream's push stalls "
       "(%d MB in), RSS grew %d KiB" % ((pushed or [0])[0] >> 20, grew))
    cl.close()

# 4. read off on a TLS session stops reading; read on delivers everything.
srv = listener()
conns = []


def tls_accept(s, out):
    c, _ = s.accept()
    out.append(sctx.wrap_socket(c, server_side=True))


th = threading.Thread(target=tls_accept, args=(srv, conns), daemon=True)
th.start()
with Socktool() as st:
    st.cmd("tls-client 127.0.0.1 %d --insecure" % srv.getsockname()[1])
    st.wait_for(r"^\[1\] TLS")
    th.join(10)
    peer = conns[0]
    st.cmd("set 1 display none")
    st.cmd("set 1 read off")
    st.cmd("echo OFF")
    st.wait_for(r"^OFF$")
    sent = push(peer)
    pos = len(st.out)
    st.cmd("show 1")
    got = int(st.wait_for(r"^  received +(\d+) bytes?", start=pos).group(1))
    ok(sent < LIMIT and got < sent,
       "read off on TLS: the peer stalls after %d bytes, %d counted" %
       (sent, got))
    st.cmd("set 1 read on")
    n = -1
    for _ in deadline_loop(30, "every byte after read on"):
        pos = len(st.out)
        st.cmd("show 1")
        n = int(st.wait_for(r"^  received +(\d+) bytes?",
                            start=pos).group(1))
        if n >= sent:
            break
    ok(n == sent, "read on: every byte arrives (%d of %d)" % (n, sent))
    peer.close()

# 5. delay with data queued on TLS: the loop sleeps until the timer.
srv5 = listener()
conns5 = []
th = threading.Thread(target=tls_accept, args=(srv5, conns5), daemon=True)
th.start()
with Socktool() as st:
    st.cmd("tls-client 127.0.0.1 %d --insecure" % srv5.getsockname()[1])
    st.wait_for(r"^\[1\] TLS")
    th.join(10)
    peer = conns5[0]
    peer.settimeout(20)
    st.cmd("set 1 delay 2s")
    st.cmd("echo SET")
    st.wait_for(r"^SET$")
    st.cmd("send 1 first")
    first = peer.recv(100)
    t0 = cpu_ticks(st.p.pid)
    st.cmd("send 1 late")
    data = peer.recv(100)
    used = (cpu_ticks(st.p.pid) - t0) / os.sysconf("SC_CLK_TCK")
    ok(first == b"first" and data == b"late" and used < 0.5,
       "delay 2s on TLS with data queued: %.2f s of CPU while waiting "
       "(got %r)" % (used, data))
    peer.close()
done()
