#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.14 proxies (issue 20), the relay side: `relay PORT --socks5`,
`--http-proxy` and both on one port.  curl (--socks5-hostname, -p -x)
fetches a file from a python http.server through socktool and gets its
exact bytes while socktool shows the pair both ways; a client's early
bytes are forwarded; a target outside --allow-target is refused (SOCKS5
reply 2, HTTP 403) before any connect: its listener never sees a
connection.  The whole file runs in a private network namespace with only
lo (127.0.0.2 is a second loopback address there); nothing leaves it."""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import traceback
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import netns  # noqa: E402
from st import (Socktool, ok, is_eq, done, need, free_port,  # noqa: E402
                wait_listening, recv_exact, recv_until, connect)

netns.enter()
need("curl")
netns.lo_up()

tmp = tempfile.mkdtemp(prefix="st-t62b-")
BODY = b"socktool relay page\n" + bytes(range(32, 127)) * 3 + b"\n"
with open(os.path.join(tmp, "page.txt"), "wb") as f:
    f.write(BODY)


def section(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:              # noqa: BLE001
        ok(False, "%s: %s %s" % (name, type(e).__name__, e),
           traceback.format_exc())


def http_server():
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "http.server", "--bind",
                          "127.0.0.1", "--directory", tmp, str(port)],
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_listening(port)
    return p, port


def relay(st, args):
    st.cmd("relay 127.0.0.1 0 " + args)
    m = st.wait_for(r"^\[(\d+)\] listening on 127\.0\.0\.1:(\d+)")
    return int(m.group(1)), int(m.group(2))


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "20"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=30)


def fetch(flags, what):
    srv, hport = http_server()
    try:
        with Socktool() as st:
            sid, port = relay(st, flags)
            if what == "socks5":
                r = curl("--socks5-hostname", "127.0.0.1:%d" % port,
                         "http://localhost:%d/page.txt" % hport)
            else:
                r = curl("-p", "-x", "http://127.0.0.1:%d" % port,
                         "http://127.0.0.1:%d/page.txt" % hport)
            is_eq(r.returncode, 0, "%s (%s): curl succeeds" % (what, flags))
            ok(r.stdout == BODY, "%s (%s): curl gets the exact file"
               % (what, flags), r.stderr.decode(errors="replace"))
            m = st.seen(r"^\[(\d+)\] < \d+ bytes \(client->server\)\n"
                        r"GET /page\.txt HTTP/1\.1")
            ok(m, "%s: socktool shows the GET line client->server" % what)
            ok(st.seen(r"^\[(\d+)\] < \d+ bytes \(server->client\)\n"
                       r"HTTP/1\.0 200 OK"),
               "%s: socktool shows the response server->client" % what)
            ok(st.seen(r"^\[\d+\] connected to 127\.0\.0\.1:%d from" % hport),
               "%s: the upstream side connects to the target" % what)
    finally:
        srv.kill()
        srv.wait()


def rewritten():
    """Rewrite rules set on the relay reach a proxy pair's sides."""
    srv, hport = http_server()
    try:
        with Socktool() as st:
            sid, port = relay(st, "--socks5")
            st.cmd('set %d rewrite "socktool relay page" => '
                   '"SOCKTOOL RELAY PAGE"' % sid)
            r = curl("--socks5-hostname", "127.0.0.1:%d" % port,
                     "http://localhost:%d/page.txt" % hport)
            is_eq(r.stdout, BODY.replace(b"socktool relay page",
                                         b"SOCKTOOL RELAY PAGE"),
                  "rewrite: the response body is rewritten on the way")
    finally:
        srv.kill()
        srv.wait()


def socks_connect(port, host, hport, early=b""):
    c = connect(port)
    c.sendall(b"\x05\x01\x00")
    is_eq(recv_exact(c, 2), b"\x05\x00", "SOCKS5: no authentication chosen")
    if isinstance(host, bytes):
        req = b"\x05\x01\x00\x03" + bytes([len(host)]) + host
    else:
        req = b"\x05\x01\x00\x01" + socket.inet_aton(host)
    c.sendall(req + struct.pack(">H", hport) + early)
    return c


def early_bytes():
    """Bytes right behind the request, before any reply, are forwarded."""
    srv, hport = http_server()
    try:
        with Socktool() as st:
            sid, port = relay(st, "--socks5")
            c = socks_connect(port, b"localhost", hport,
                              b"GET /page.txt HTTP/1.0\r\n\r\n")
            rep = recv_exact(c, 10)
            is_eq(rep[:4], b"\x05\x00\x00\x01",
                  "early bytes: SOCKS5 reply 0 with an IPv4 bound address")
            ok(rep[4:8] == socket.inet_aton("127.0.0.1") and
               struct.unpack(">H", rep[8:])[0] != 0,
               "early bytes: the bound address is the upstream's own")
            got = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                got += d
            ok(got.endswith(BODY) and got.startswith(b"HTTP/1.0 200"),
               "early bytes: the request sent with the handshake was "
               "answered", got[:200])
            c.close()
    finally:
        srv.kill()
        srv.wait()


def early_http_held():
    """HTTP CONNECT with a GET right behind it, on a relay that holds new
    pairs: the answer comes, the GET is held (shown), and goes on
    release."""
    srv, hport = http_server()
    try:
        with Socktool() as st:
            sid, port = relay(st, "--http-proxy")
            st.cmd("hold %d" % sid)
            st.wait_for(r"holding what clients send")
            c = connect(port)
            c.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: a\r\n\r\n"
                      b"GET /page.txt HTTP/1.0\r\n\r\n" % hport)
            head = recv_until(c, b"\r\n\r\n")
            is_eq(head, b"HTTP/1.1 200 Connection established\r\n\r\n",
                  "HTTP: 200 Connection established, nothing else")
            ok(st.seen(r"client->server\)\nGET /page\.txt HTTP/1\.0"),
               "HTTP: the early GET is shown (held)")
            st.cmd("release %d" % sid)
            got = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                got += d
            ok(got.startswith(b"HTTP/1.0 200") and got.endswith(BODY),
               "HTTP: the held early GET went on release and was answered",
               got[:200])
            c.close()
    finally:
        srv.kill()
        srv.wait()


def ipv6_target():
    """An IPv6 address target (::1, inside the default --allow-target):
    reply 0 with an IPv6 bound address, then bytes both ways."""
    lst = socket.socket(socket.AF_INET6)
    lst.bind(("::1", 0))
    lst.listen(1)
    tport = lst.getsockname()[1]
    with Socktool() as st:
        sid, port = relay(st, "--socks5")
        c = connect(port)
        c.sendall(b"\x05\x01\x00")
        is_eq(recv_exact(c, 2), b"\x05\x00", "IPv6: method chosen")
        c.sendall(b"\x05\x01\x00\x04" + socket.inet_pton(
            socket.AF_INET6, "::1") + struct.pack(">H", tport) + b"ping")
        a, _ = lst.accept()
        rep = recv_exact(c, 22)
        is_eq(rep[:4], b"\x05\x00\x00\x04",
              "IPv6: SOCKS5 reply 0 with an IPv6 bound address")
        is_eq(recv_exact(a, 4), b"ping", "IPv6: the early bytes arrive")
        a.sendall(b"pong")
        is_eq(recv_exact(c, 4), b"pong", "IPv6: the answer comes back")
        ok(st.seen(r"connected to \[::1\]:%d" % tport),
           "IPv6: the upstream side is shown")
        a.close()
        c.close()
    lst.close()


def refused():
    """127.0.0.2 is outside --allow-target 127.0.0.1/32: refused before
    any connect (its listener sees none), SOCKS5 reply 2, HTTP 403."""
    lst = socket.socket()
    lst.bind(("127.0.0.2", 0))
    lst.listen(8)
    lst.setblocking(False)
    tport = lst.getsockname()[1]
    with Socktool() as st:
        sid, port = relay(st, "--socks5 --http-proxy "
                          "--allow-target 127.0.0.1/32")
        c = socks_connect(port, "127.0.0.2", tport)
        rep = recv_exact(c, 10)
        is_eq(rep[:2], b"\x05\x02", "outside --allow-target: SOCKS5 reply 2")
        ok(c.recv(100) == b"", "SOCKS5 refused: then the relay closes")
        c.close()
        ok(st.seen(r"127\.0\.0\.2:%d.*not inside --allow-target.*"
                   r"\(SOCKS5 reply 2\)" % tport),
           "SOCKS5 refusal is one line in words")
        c = connect(port)
        c.sendall(b"CONNECT 127.0.0.2:%d HTTP/1.1\r\nHost: x\r\n\r\n" % tport)
        head = recv_until(c, b"\r\n\r\n")
        ok(head.startswith(b"HTTP/1.1 403 "), "outside --allow-target: "
           "HTTP 403", head)
        c.close()
        ok(st.seen(r"not inside --allow-target.*\(HTTP 403\)"),
           "HTTP refusal is one line in words")
        # A name whose addresses are all outside (localhost is 127.0.0.1
        # here, so ask curl for a target by address).
        r = curl("--socks5", "127.0.0.1:%d" % port,
                 "http://127.0.0.2:%d/" % tport)
        ok(r.returncode != 0, "curl through the relay to 127.0.0.2 fails")
        r = curl("-p", "-x", "http://127.0.0.1:%d" % port,
                 "http://127.0.0.2:%d/" % tport)
        ok(r.returncode != 0 and b"403" in r.stderr,
           "curl -p -x to 127.0.0.2: 403", r.stderr)
    try:
        a, _ = lst.accept()
        a.close()
        ok(False, "the refused target's listener saw a connection")
    except BlockingIOError:
        ok(True, "the refused target's listener saw no connection")
    lst.close()


def upstream_fails():
    """A target with nothing listening: SOCKS5 reply 5, HTTP 502."""
    dead = free_port()
    with Socktool() as st:
        sid, port = relay(st, "--socks5 --http-proxy")
        c = socks_connect(port, "127.0.0.1", dead)
        rep = recv_exact(c, 10)
        is_eq(rep[:2], b"\x05\x05", "no listener: SOCKS5 reply 5 (refused)")
        c.close()
        c = connect(port)
        c.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % dead)
        head = recv_until(c, b"\r\n\r\n")
        ok(head.startswith(b"HTTP/1.1 502 "), "no listener: HTTP 502", head)
        c.close()
        ok(st.seen(r"upstream 127\.0\.0\.1:%d: .*refused.*"
                   r"\(SOCKS5 reply 5\)" % dead),
           "SOCKS5: the failure is shown in words with the reply sent")
        ok(st.seen(r"upstream 127\.0\.0\.1:%d: .*refused.*\(HTTP 502\)"
                   % dead),
           "HTTP: the failure is shown in words with the status sent")


def outside_name():
    """A name from the client never reaches the terminal raw: one with
    control bytes is refused (SOCKS5 reply 1) without being looked up; a
    well-formed one under .invalid is answered here, never looked up."""
    with Socktool() as st:
        sid, port = relay(st, "--socks5")
        c = socks_connect(port, b"\x1b[2Jx\x07.invalid", 80)
        rep = recv_exact(c, 10)
        is_eq(rep[:2], b"\x05\x01", "a name with control bytes: SOCKS5 "
              "reply 1")
        c.close()
        ok(st.seen(r"bad host name \(SOCKS5 reply 1\)"),
           "the bad name is refused on one line")
        c = socks_connect(port, b"no-such-host.invalid", 80)
        rep = recv_exact(c, 10)
        is_eq(rep[:2], b"\x05\x04", "unknown name: SOCKS5 reply 4")
        c.close()
        ok(st.seen(r"asks for no-such-host\.invalid:80"),
           "the requested name is shown")
        ok(st.seen(r"cannot resolve.*\(SOCKS5 reply 4\)"),
           "the lookup failure is one line with the reply sent")
        ok(b"\x1b" not in st.out and b"\x07" not in st.out,
           "no raw control byte reached the output")


def socks4_client():
    """A SOCKS4 client (ncat --proxy-type socks4) is answered SOCKS4 reply
    91 (rejected) and the relay says why, rather than closing silently."""
    with Socktool() as st:
        sid, port = relay(st, "--socks5 --http-proxy")
        c = connect(port)
        c.sendall(b"\x04\x01\x00\x50\x7f\x00\x00\x01u\x00")
        rep = recv_exact(c, 8)
        is_eq(rep[:2], b"\x00\x5b", "SOCKS4 request: SOCKS4 reply 91")
        c.close()
        ok(st.seen(r"a SOCKS4 request, not a SOCKS5 or HTTP CONNECT one "
                   r"\(SOCKS4 reply 91\)"),
           "the SOCKS4 refusal is one line in words")


def shown():
    """show of a proxy relay: what it serves and the targets it allows; of
    a client side: the target its client asked for; of a fixed relay: its
    upstream."""
    srv, hport = http_server()
    try:
        with Socktool() as st:
            sid, port = relay(st, "--socks5 --allow-target 127.0.0.0/8")
            n = len(st.out)
            st.cmd("show %d" % sid)
            ok(st.seen(r"^  serves +socks5\n  targets +127\.0\.0\.0/8$",
                       start=n), "show of a --socks5 relay: serves, targets",
               st.out[n:])
            c = socks_connect(port, b"localhost", hport)
            is_eq(recv_exact(c, 10)[:2], b"\x05\x00", "SOCKS5 reply 0")
            m = st.wait_for(r"^\[(\d+)\] the client asks for localhost:%d" %
                            hport)
            n = len(st.out)
            st.cmd("show %s" % m.group(1).decode())
            ok(st.seen(r"^  target +localhost:%d$" % hport, start=n),
               "show of its client side: the target asked for", st.out[n:])
            c.close()
            n = len(st.out)
            st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % hport)
            sid2 = int(st.wait_for(r"^\[(\d+)\] listening on 127\.0\.0\.1:",
                                   start=n).group(1))
            n = len(st.out)
            st.cmd("show %d" % sid2)
            ok(st.seen(r"^  upstream +127\.0\.0\.1:%d$" % hport, start=n),
               "show of a fixed relay: its upstream", st.out[n:])
    finally:
        srv.kill()
        srv.wait()


section("shown", shown)
section("socks5", fetch, "--socks5", "socks5")
section("http", fetch, "--http-proxy", "http")
section("both/socks5", fetch, "--socks5 --http-proxy", "socks5")
section("both/http", fetch, "--http-proxy --socks5", "http")
section("rewrite", rewritten)
section("early", early_bytes)
section("early/http/held", early_http_held)
section("ipv6", ipv6_target)
section("refused", refused)
section("upstream", upstream_fails)
section("name", outside_name)
section("socks4 client", socks4_client)
shutil.rmtree(tmp, ignore_errors=True)
done()
