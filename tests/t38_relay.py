#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 9 (relay core): a TCP relay between a python client and a socat
echo server moves 64 MiB each way exactly, shows both directions with their
labels, lists the pair and carries `pair` in JSON; sends inject in order;
an upstream that refuses closes the client side with the reason; a client
RST reaches upstream as an RST; a client half-close reaches upstream as EOF
while the reply still flows back; close --reset and shutdown."""
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (Socktool, ok, is_eq, skip, done, deadline_loop,  # noqa: E402
                parse_list)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def relay_port(st):
    return int(st.wait_for(r"^\[1\] listening on 127\.0\.0\.1:(\d+)")
               .group(1))


# ---- 64 MiB each way through a socat echo server (EXEC:cat) ---------------
if shutil.which("socat") is None:
    skip("64 MiB through the relay", "socat not installed")
else:
    up = free_port()
    echo = subprocess.Popen(["socat", "TCP-LISTEN:%d,bind=127.0.0.1,"
                             "reuseaddr" % up, "EXEC:cat"])
    try:
        # Listening yet?  Asked of the socket table: a probe connection
        # would be socat's one connection.
        for _ in deadline_loop(10, "socat listening"):
            r = subprocess.run(["ss", "-ltnH", "sport = :%d" % up],
                               capture_output=True, text=True)
            if ":%d" % up in r.stdout:
                break
        with Socktool() as st:
            st.cmd("set default display none")
            st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % up)
            port = relay_port(st)
            size = 64 << 20
            data = os.urandom(1 << 20) * 64
            c = socket.create_connection(("127.0.0.1", port), timeout=60)
            got = hashlib.sha256()
            n = [0]

            def reader():
                while n[0] < size:
                    b = c.recv(1 << 20)
                    if not b:
                        break
                    got.update(b)
                    n[0] += len(b)
            t = threading.Thread(target=reader)
            t.start()
            c.sendall(data)
            t.join(120)
            if n[0] < size:
                st.cmd("show 2")
                st.cmd("show 3")
                st.cmd("echo SHOWN")
                st.wait_for(r"^SHOWN$")
                print("# " + st.text.replace("\n", "\n# "))
            is_eq((n[0], got.hexdigest()), (size,
                  hashlib.sha256(data).hexdigest()),
                  "64 MiB each way through the relay, sha256-exact")
            st.cmd("list")
            m = st.wait_for(r"^ID .*\n(?:.*\n){3}")
            rows = m.group(0).decode()
            ok("relay-in" in rows and "    3  relay-out" in rows and
               str(size) in rows, "list shows the pair, counted", rows)
            c.close()
    finally:
        echo.kill()
        echo.wait()

# ---- labels, JSON pair, injection in order ---------------------------------
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
UP = srv.getsockname()[1]
with Socktool("--json") as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % UP)
    port = int(st.wait_for(r'"local":"127\.0\.0\.1:(\d+)"').group(1))
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    u, _ = srv.accept()
    u.settimeout(10)
    c.sendall(b"A")
    st.wait_for(r'"event":"recv","id":2,.*"direction":"client->server"')
    st.cmd("send 3 INJ")
    st.wait_for(r'"event":"sent","id":3')
    c.sendall(b"B")
    want = b"AINJB"
    buf = b""
    for _ in deadline_loop(10, "upstream bytes"):
        buf += u.recv(100)
        if len(buf) >= len(want):
            break
    is_eq(buf, want, "an injected send goes out in order with forwarded bytes")
    u.sendall(b"reply")
    st.wait_for(r'"event":"recv","id":3,.*"direction":"server->client"')
    is_eq(c.recv(100), b"reply", "replies flow back to the client")
    evs = [json.loads(l) for l in st.text.splitlines()
           if l.startswith("{")]
    recv2 = [e for e in evs if e.get("event") == "recv" and e["id"] == 2]
    ok(recv2 and recv2[0].get("pair") == 3, "JSON recv events carry pair",
       recv2)
    st.cmd("list")
    m = st.wait_for(r'"command":"list".*')
    rows = json.loads(m.group(0).decode().join("{}") if False else
                      st.text.splitlines()[-1])["sessions"]
    ok({r["id"]: r.get("pair") for r in rows} == {1: None, 2: 3, 3: 2},
       "list rows carry pair", rows)

    # half-close: the client's FIN reaches upstream as EOF; replies flow
    c.shutdown(socket.SHUT_WR)
    rest = u.recv(100)
    is_eq(rest, b"", "client half-close: upstream sees EOF")
    u.sendall(b"after-fin")
    is_eq(c.recv(100), b"after-fin", "the reply still flows back after it")
    u.close()
    st.wait_for(r'"event":"closed","id":2')
    c.close()

# ---- client RST -> upstream RST --------------------------------------------
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % UP)
    port = relay_port(st)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    u, _ = srv.accept()
    u.settimeout(10)
    c.sendall(b"x")
    is_eq(u.recv(10), b"x", "the relay is up")
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    try:
        r = u.recv(10)
        reset = False
    except ConnectionResetError:
        reset = True
    ok(reset, "a client reset reaches upstream as a reset")
    st.wait_for(r"^\[3\] closed \(reset\)")
    u.close()

# ---- upstream refused --------------------------------------------------------
dead = free_port()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % dead)
    port = relay_port(st)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    m = st.wait_for(r"^\[2\] closed \((\w+)\): (.*)$")
    line = m.group(0).decode()
    ok(m.group(1) == b"error" and b"upstream" in m.group(2) and
       b"refused" in m.group(2), "refused upstream closes the client side "
       "with the reason", line)
    is_eq(c.recv(10), b"", "the client sees the close")
    c.close()

# ---- close --reset and shutdown on plain sessions ---------------------------
with Socktool() as st:
    st.cmd("tcp-client 127.0.0.1 %d" % UP)
    u, _ = srv.accept()
    u.settimeout(10)
    st.wait_for(r"^\[1\] connected")
    st.cmd("shutdown 1")
    is_eq(u.recv(10), b"", "shutdown sends FIN")
    u.sendall(b"still")
    ok(st.seen(r"^\[1\] < 5 bytes\nstill$"),
       "after shutdown the session still receives", st.text)
    u.close()
    st.wait_for(r"^\[1\] closed \(peer\)")
    st.cmd("tcp-client 127.0.0.1 %d" % UP)
    u, _ = srv.accept()
    u.settimeout(10)
    st.wait_for(r"^\[2\] connected")
    st.cmd("close 2 --reset")
    try:
        u.recv(10)
        reset = False
    except ConnectionResetError:
        reset = True
    ok(reset, "close --reset sends an RST")
    st.wait_for(r"^\[2\] closed \(local\): aborted with a reset")
    u.close()

# ---- hold / release, rewrite ------------------------------------------------
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % UP)
    port = relay_port(st)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    u, _ = srv.accept()
    u.settimeout(10)
    st.wait_for(r"^\[3\] connected")
    st.cmd("hold 2")
    st.cmd("echo HELD")
    st.wait_for(r"^HELD$")
    c.sendall(b"one,")
    st.wait_for(r"^\[2\] < 4 bytes")
    c.sendall(b"two,")
    st.wait_for(r"^\[2\] < 4 bytes(?:.*\n)+?\[2\] < 4 bytes")
    u.settimeout(0.3)
    try:
        early = u.recv(100)
    except socket.timeout:
        early = b""
    is_eq(early, b"", "hold: nothing is forwarded meanwhile")
    u.settimeout(10)
    st.cmd("release 2")
    c.sendall(b"three")
    buf = b""
    for _ in deadline_loop(10, "released bytes"):
        buf += u.recv(100)
        if len(buf) >= 13:
            break
    is_eq(buf, b"one,two,three", "release: all of it, in order, then on")
    st.cmd("set 2 framing line")
    st.cmd("set 2 rewrite \"Host: a\" => \"Host: b\"")
    st.cmd("set 3 rewrite hex:ff00 => hex:eeee")
    st.cmd("echo SET")
    st.wait_for(r"^SET$")
    c.sendall(b"GET / HTTP/1.0\r\nHost: a\r\nX: Host: ax\r\n")
    want = b"GET / HTTP/1.0\r\nHost: b\r\nX: Host: bx\r\n"
    buf = b""
    for _ in deadline_loop(10, "rewritten lines"):
        buf += u.recv(200)
        if len(buf) >= len(want):
            break
    is_eq(buf, want, "rewrite with framing line changes Host: a to Host: b")
    u.sendall(b"\x01\xff\x00\x02")
    got = b""
    for _ in deadline_loop(10, "rewritten bytes"):
        got += c.recv(100)
        if len(got) >= 4:
            break
    is_eq(got, b"\x01\xee\xee\x02", "a hex: rule rewrites bytes upstream->client")
    # What the upstream got can reach us before the display reaches
    # socktool's stdout: wait for it, do not read the text once.
    try:
        st.wait_for(r"Host: a")
        shown = True
    except TimeoutError:
        shown = False
    ok(shown, "the display shows what arrived, unrewritten", st.text[-500:])
    c.close()
    u.close()
srv.close()

# ---- UDP relay ------------------------------------------------------------
echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
echo.bind(("127.0.0.1", 0))
echo.settimeout(10)


def udp_echo():
    try:
        while True:
            d, a = echo.recvfrom(2000)
            echo.sendto(b"re:" + d, a)
    except OSError:
        pass


threading.Thread(target=udp_echo, daemon=True).start()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d --udp --idle 300ms"
           % echo.getsockname()[1])
    rport = int(st.wait_for(r"^\[1\] bound on 127\.0\.0\.1:(\d+)").group(1))
    c1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for c in (c1, c2):
        c.settimeout(10)
    c1.sendto(b"one", ("127.0.0.1", rport))
    c2.sendto(b"two", ("127.0.0.1", rport))
    c1.sendto(b"uno", ("127.0.0.1", rport))
    g1 = sorted([c1.recv(100), c1.recv(100)])
    g2 = [c2.recv(100)]
    is_eq((g1, g2), ([b"re:one", b"re:uno"], [b"re:two"]),
          "UDP relay: each client gets only its own replies")
    # What the relay's socket receives comes from clients; what an
    # upstream socket receives is the server's answer.
    ok(st.seen(r"^\[1\] < 3 bytes from 127\.0\.0\.1:\d+ "
               r"\(client->server\)") and
       st.seen(r"^\[\d+\] < 6 bytes from 127\.0\.0\.1:%d "
               r"\(server->client\)" % echo.getsockname()[1]),
       "UDP relay: client datagrams are client->server, the upstream's "
       "answers server->client", st.text[-1200:])
    st.cmd("list")
    rows = st.wait_for(r"^ID .*\n(?:.*\n){3}").group(0).decode()
    ok(rows.count("relay-out") == 2, "one upstream socket per client", rows)
    outs = [int(i) for i in re.findall(r"^ +(\d+) +relay-out ", rows, re.M)]
    gone = [st.seen(r"^\[%d\] closed \(timeout\): idle" % i, timeout=10)
            for i in outs]
    n = len(st.out)
    st.cmd("list")
    st.cmd("echo LISTED")
    m = st.seen(r"^LISTED$", start=n)
    after = parse_list(st.out[n:m.start() if m else None].decode())
    ok(outs and all(gone) and [r["KIND"] for _, r in after] == ["relay"],
       "an idle pair expires: each upstream socket closes (timeout), the "
       "relay stays", st.text[-1500:])
    c1.close()
    c2.close()
echo.close()

# ---- TLS on both sides of a relay ---------------------------------------------
import ssl
import tempfile
tmpd = tempfile.mkdtemp(prefix="st-t38-")
crt, key = os.path.join(tmpd, "c.pem"), os.path.join(tmpd, "k.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
                crt, "-days", "1", "-subj", "/CN=localhost"], check=True,
               capture_output=True)
tsrv = socket.socket()
tsrv.bind(("127.0.0.1", 0))
tsrv.listen(2)
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(crt, key)


def tls_echo():
    try:
        raw, _ = tsrv.accept()
        conn = sctx.wrap_socket(raw, server_side=True)
        while True:
            d = conn.recv(65536)
            if not d:
                break
            conn.sendall(d)
        conn.close()
    except OSError:
        pass


threading.Thread(target=tls_echo, daemon=True).start()
with Socktool() as st:
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d --tls-server --tls-client "
           "--insecure" % tsrv.getsockname()[1])
    port = relay_port(st)
    cap = os.path.join(tmpd, "relay.pcapng")
    st.cmd("log 1 %s --format pcap" % cap)
    # The whole fingerprint, in two halves to fit 80 columns.
    m = st.wait_for(r"^\[1\] TLS to clients with this run's self-signed "
                    r"certificate\n\[1\]   sha256 ([0-9A-Fa-f:]+)\n"
                    r"\[1\] {10}([0-9A-Fa-f:]+)$")
    cctx = ssl.create_default_context()
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    c = cctx.wrap_socket(raw)
    fp = c.getpeercert(binary_form=True)
    import hashlib as _h
    ok(_h.sha256(fp).hexdigest().lower() ==
       (m.group(1) + m.group(2)).decode().replace(":", "").lower(),
       "the printed fingerprint is the certificate clients see")
    payload = os.urandom(300000)
    c.sendall(payload)
    back = b""
    for _ in deadline_loop(20, "the echo through both TLS legs"):
        back += c.recv(65536)
        if len(back) >= len(payload):
            break
    is_eq(_h.sha256(back).hexdigest(), _h.sha256(payload).hexdigest(),
          "TLS-inspecting relay: data exact both ways")
    # The echo can reach us before socktool's display of it reaches its
    # stdout: wait for the labels rather than reading the text once.
    try:
        st.wait_for(r"\(client->server\)")
        st.wait_for(r"\(server->client\)")
        shown = True
    except TimeoutError:
        shown = False
    ok(shown, "the relay shows the traffic both ways, decrypted",
       st.text[-300:])
    c.close()
    st.wait_for(r"^\[2\] closed")
    st.wait_for(r"^\[3\] closed")
    if shutil.which("tshark"):
        r = subprocess.run(["tshark", "-r", cap, "-q", "-z", "conv,tcp"],
                           capture_output=True, text=True, timeout=60)
        convs = [l for l in r.stdout.splitlines() if "<->" in l]
        ok(r.returncode == 0 and len(convs) == 2,
           "a pcap log of the relay holds both legs as separate streams",
           r.stdout + r.stderr)
    else:
        skip("pcap of both relay legs", "tshark not installed")
tsrv.close()
shutil.rmtree(tmpd, ignore_errors=True)
done()
