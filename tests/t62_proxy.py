#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.14 proxies (issue 20), the client side: tcp-client and
tls-client --proxy through microsocks (SOCKS5, with and without a
password, socks5h sending the name), a small SOCKS4a proxy and a small HTTP
CONNECT proxy written here (with and without Basic credentials, one
answering 403), refusals in words, remote the target and via the proxy,
and TLS through a proxy verifying the target's name (a certificate valid
for localhost only).  Everything on 127.0.0.1 and ::1."""
import base64
import json
import os
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import traceback
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, skip, done, run, Proc, free_port,  # noqa: E402
                wait_listening)

MICROSOCKS = shutil.which("microsocks")
tmp = tempfile.mkdtemp(prefix="st-t62-")


def section(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:              # noqa: BLE001
        ok(False, "%s: %s %s" % (name, type(e).__name__, e),
           traceback.format_exc())


def pump(a, b):
    """Copy both ways between two sockets until either side ends."""
    socks = [a, b]
    try:
        while True:
            r, _, _ = select.select(socks, [], [], 20)
            if not r:
                return
            for s in r:
                d = s.recv(65536)
                if not d:
                    return
                (b if s is a else a).sendall(d)
    except OSError:
        return
    finally:
        a.close()
        b.close()


def recv_head(c):
    d = b""
    while b"\r\n\r\n" not in d:
        x = c.recv(4096)
        if not x:
            break
        d += x
    return d


class Target:
    """The final server, on 127.0.0.1 and ::1 (one port): greets, then
    echoes each line upper-cased."""

    def __init__(self):
        self.s4 = socket.socket()
        self.s4.bind(("127.0.0.1", 0))
        self.port = self.s4.getsockname()[1]
        self.s6 = socket.socket(socket.AF_INET6)
        self.s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.s6.bind(("::1", self.port))
        for s in (self.s4, self.s6):
            s.listen(16)
            threading.Thread(target=self.serve, args=(s,),
                             daemon=True).start()

    def serve(self, ls):
        while True:
            c, _ = ls.accept()
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    @staticmethod
    def one(c):
        c.sendall(b"hello from target\n")
        f = c.makefile("rb")
        for line in f:
            c.sendall(line.upper())
        c.close()


class MiniProxy:
    """An HTTP CONNECT (mode http, http-auth, http-403) or SOCKS4a (mode
    socks4a) proxy on 127.0.0.1 that keeps what it was asked."""

    def __init__(self, mode, server_first=True):
        self.mode = mode
        self.server_first = server_first
        self.heads = []
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            c, _ = self.ls.accept()
            threading.Thread(target=self.one, args=(c,), daemon=True).start()

    def one(self, c):
        if self.mode == "socks4a":
            return self.socks4a(c)
        head = recv_head(c)
        self.heads.append(head)
        line = head.split(b"\r\n", 1)[0].split()
        if self.mode == "http-403":
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return c.close()
        want = b"Proxy-Authorization: Basic " + base64.b64encode(b"user:pass")
        if self.mode == "http-auth" and want not in head:
            c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                      b"Proxy-Authenticate: Basic realm=\"t\"\r\n"
                      b"Content-Length: 0\r\n\r\n")
            return c.close()
        host, port = line[1].rsplit(b":", 1)
        u = socket.create_connection((host.strip(b"[]").decode(), int(port)))
        # The target's greeting rides in the same segment as the answer:
        # the client must keep what follows the head.
        greet = u.recv(100) if self.server_first else b""
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n" + greet)
        pump(c, u)

    def socks4a(self, c):
        d = b""
        while d.count(b"\0") < (2 if d[4:8] == b"\0\0\0\1" else 1) or \
                len(d) < 9:
            x = c.recv(512)
            if not x:
                return c.close()
            d += x
        self.heads.append(d)
        port = int.from_bytes(d[2:4], "big")
        if d[4:7] == b"\0\0\0":      # SOCKS4a: the name follows the user
            name = d[8:].split(b"\0")[1].decode()
        else:                       # SOCKS4: an IPv4 address
            name = socket.inet_ntoa(d[4:8])
        u = socket.create_connection((name, port))
        c.sendall(b"\0\x5a" + d[2:4] + b"\0\0\0\0")
        pump(c, u)


class Tap:
    """A forwarder in front of a proxy that keeps what the client sent."""

    def __init__(self, port):
        self.seen = b""
        self.to = port
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            c, _ = self.ls.accept()
            u = socket.create_connection(("127.0.0.1", self.to))
            threading.Thread(target=self.one, args=(c, u),
                             daemon=True).start()

    def one(self, c, u):
        socks = [c, u]
        while True:
            r, _, _ = select.select(socks, [], [], 20)
            if not r:
                break
            for s in r:
                d = s.recv(65536)
                if not d:
                    c.close()
                    u.close()
                    return
                if s is c:
                    self.seen += d
                (u if s is c else c).sendall(d)


def via_script(url, host, port, extra=""):
    return ("tcp-client %s %d --proxy %s%s\nsend 1 \"ping\\n\"\n"
            "expect 1 PING\nshow 1\nlist\nclose 1\n" % (host, port, url,
                                                         extra))


def microsocks(*args):
    port = free_port()
    p = Proc([MICROSOCKS, "-i", "127.0.0.1", "-p", str(port)] + list(args))
    wait_listening(port)
    return p, port


def socks5_tests(t):
    ms, mport = microsocks()
    try:
        rc, out, err = run(via_script("socks5://127.0.0.1:%d" % mport,
                                      "127.0.0.1", t.port))
        ok(rc == 0 and "[1] connected to 127.0.0.1:%d via socks5 127.0.0.1:%d"
           % (t.port, mport) in out, "socks5: connected, remote the "
           "target, via the proxy", out + err)
        ok("hello from target" in out and "PING" in out,
           "socks5: data both ways", out)
        ok("transport  socks5 127.0.0.1:%d over tcp" % mport in out and
           "via        socks5 127.0.0.1:%d" % mport in out,
           "socks5: show names the proxy layer and via", out)
        ok("remote     127.0.0.1:%d" % t.port in out, "show: remote is the "
           "target", out)
        # socks5h: the name goes to the proxy (seen on the wire).
        tap = Tap(mport)
        rc, out, err = run("", "--json", "-c",
                           "tcp-client localhost %d --proxy socks5h://"
                           "127.0.0.1:%d; expect 1 target; list" %
                           (t.port, tap.port))
        ev = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
        conn = [e for e in ev if e["event"] == "connected"]
        ok(rc == 0 and conn and conn[0]["remote"] == "localhost:%d" % t.port
           and conn[0]["via"] == "socks5h 127.0.0.1:%d" % tap.port,
           "socks5h: JSON connected has remote (the name) and via", out + err)
        ok(b"\x05\x01\x00\x03\x09localhost" + t.port.to_bytes(2, "big")
           in tap.seen, "socks5h: the request carries the name",
           repr(tap.seen))
        lst = [e for e in ev if e.get("command") == "list"]
        ok(lst and lst[0]["sessions"][0].get("via") ==
           "socks5h 127.0.0.1:%d" % tap.port, "list JSON has via", out)
        # socks5 (not h): the name resolved here, an address sent.
        tap2 = Tap(mport)
        rc, out, err = run("", "-c", "tcp-client localhost %d --proxy socks5://"
                           "127.0.0.1:%d; expect 1 target" % (t.port,
                                                               tap2.port))
        ok(rc == 0 and b"localhost" not in tap2.seen and
           (b"\x05\x01\x00\x01\x7f\0\0\x01" in tap2.seen or
            b"\x05\x01\x00\x04" + b"\0" * 15 + b"\x01" in tap2.seen),
           "socks5: the name resolved here, an address sent",
           out + err + repr(tap2.seen))
        # Refused by the proxy: the target's port is closed.
        closed = free_port()
        rc, out, err = run("", "-c", "tcp-client 127.0.0.1 %d --proxy socks5://"
                           "127.0.0.1:%d" % (closed, mport))
        ok(rc != 0 and "[1] closed (error): the proxy refused: connection "
           "refused (SOCKS5 reply 5)" in out, "socks5 refusal in words",
           out + err)
        # A password to a proxy that wants none is still fine (none is
        # chosen).
        rc, out, err = run(via_script("socks5://u:p@127.0.0.1:%d" % mport,
                                      "127.0.0.1", t.port))
        ok(rc == 0 and "PING" in out, "credentials offered, none chosen",
           out + err)
    finally:
        ms.stop()
    ms, mport = microsocks("-u", "user", "-P", "pass")
    try:
        rc, out, err = run(via_script("socks5://user:pass@127.0.0.1:%d" %
                                      mport, "127.0.0.1", t.port))
        ok(rc == 0 and "PING" in out, "socks5 with user and password "
           "(RFC 1929)", out + err)
        ok("pass" not in out.replace("password", ""),
           "the password is never shown", out)
        rc, out, err = run("", "-c", "tcp-client 127.0.0.1 %d --proxy socks5://"
                           "user:wrong@127.0.0.1:%d" % (t.port, mport))
        ok(rc != 0 and "closed (error): the proxy refused the user name "
           "and password" in out, "wrong password refused in words",
           out + err)
        rc, out, err = run("", "-c", "tcp-client 127.0.0.1 %d --proxy socks5://"
                           "127.0.0.1:%d" % (t.port, mport))
        ok(rc != 0 and "the proxy refused to go on without authentication"
           in out, "no credentials to a proxy that wants them", out + err)
    finally:
        ms.stop()


def http_tests(t):
    px = MiniProxy("http")
    rc, out, err = run(via_script("http://127.0.0.1:%d" % px.port,
                                  "127.0.0.1", t.port))
    ok(rc == 0 and "via http 127.0.0.1:%d" % px.port in out and
       "hello from target" in out and "PING" in out,
       "HTTP CONNECT: connected, greeting that came with the 200 kept",
       out + err)
    ok(px.heads and px.heads[0].startswith(
        b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n" % t.port) and
       b"Proxy-Authorization" not in px.heads[0], "the CONNECT request",
       repr(px.heads))
    pa = MiniProxy("http-auth")
    rc, out, err = run(via_script("http://user:pass@127.0.0.1:%d" % pa.port,
                                  "localhost", t.port))
    ok(rc == 0 and "PING" in out, "HTTP CONNECT with Basic credentials",
       out + err)
    ok(pa.heads and pa.heads[0].startswith(b"CONNECT localhost:%d " %
                                           t.port),
       "the name goes to an HTTP proxy", repr(pa.heads))
    rc, out, err = run("", "-c", "tcp-client 127.0.0.1 %d --proxy http://"
                       "127.0.0.1:%d" % (t.port, pa.port))
    ok(rc != 0 and "closed (error): the proxy refused: HTTP/1.1 407 Proxy "
       "Authentication Required" in out, "407 in words", out + err)
    pf = MiniProxy("http-403")
    rc, out, err = run("", "-c", "tcp-client 127.0.0.1 %d --proxy http://"
                       "127.0.0.1:%d" % (t.port, pf.port))
    ok(rc != 0 and "closed (error): the proxy refused: HTTP/1.1 403 "
       "Forbidden" in out, "403 in words", out + err)
    s4 = MiniProxy("socks4a")
    rc, out, err = run(via_script("socks4a://127.0.0.1:%d" % s4.port,
                                  "localhost", t.port))
    ok(rc == 0 and "PING" in out and "via socks4a" in out,
       "SOCKS4a through a proxy", out + err)
    ok(s4.heads and s4.heads[0].endswith(b"\0localhost\0"),
       "SOCKS4a sends the name", repr(s4.heads))
    s4 = MiniProxy("socks4a")
    rc, out, err = run(via_script("socks4://127.0.0.1:%d" % s4.port,
                                  "localhost", t.port))
    ok(rc == 0 and "PING" in out and "via socks4 127.0.0.1:%d" % s4.port
       in out and "remote     127.0.0.1:%d" % t.port in out,
       "SOCKS4 (socks4://) through a proxy, the name resolved here",
       out + err)
    ok(s4.heads and s4.heads[0] == b"\4\1" + t.port.to_bytes(2, "big") +
       b"\x7f\0\0\1\0", "SOCKS4 sends an IPv4 address", repr(s4.heads))
    rc, out, err = run("", "-c", "tcp-client ::1 %d --proxy socks4://"
                       "127.0.0.1:%d" % (t.port, s4.port))
    ok(rc != 0 and "socks4:// needs an IPv4 address for ::1" in err and
       "connecting" not in out, "SOCKS4 refuses an IPv6 target", out + err)


def bad_options():
    for args, words in [
            ("--proxy ftp://h:1", "--proxy: proxy URL must start with"),
            ("--proxy socks5://h", "--proxy: bad address"),
            ("--proxy socks5://h:1 --reconnect", "do not go together"),
            ("--proxy socks4a://u:p@h:1", "socks4a has no password"),
            ("--proxy socks4://u:p@h:1", "socks4 has no password"),
            ("--proxy socks9://h:1", "socks5h://, socks4://, socks4a://")]:
        rc, out, err = run("", "-c", "tcp-client 127.0.0.1 9 " + args)
        ok(rc != 0 and words in err and "connecting" not in out,
           "bad --proxy: %s" % words, out + err)


def proxy_unreachable():
    """A proxy that is not there: the error names the proxy, not the
    target (the socket went to the proxy)."""
    dead = free_port()
    for url in ("socks5://127.0.0.1:%d" % dead, "http://127.0.0.1:%d" % dead):
        rc, out, err = run("", "-c", "tcp-client 127.0.0.1 9 --proxy " + url)
        ok(rc != 0 and "[1] closed (error): the proxy 127.0.0.1:%d: "
           "Connection refused" % dead in out and
           "cannot connect: the proxy 127.0.0.1:%d" % dead in err,
           "unreachable proxy named as the proxy (%s)" % url.split(":")[0],
           out + err)


def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


def tls_tests(t):
    if shutil.which("openssl") is None:
        skip("tls-client --proxy", "openssl not installed")
        return
    P = lambda n: os.path.join(tmp, n)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", P("ca.key"), "-out",
       P("ca.pem"), "-days", "30", "-subj", "/CN=t62 CA",
       "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=keyCertSign,cRLSign")
    sh("openssl", "req", *ec, "-keyout", P("leaf.key"), "-out",
       P("leaf.csr"), "-subj", "/CN=localhost")
    with open(P("leaf.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    sh("openssl", "x509", "-req", "-in", P("leaf.csr"), "-CA", P("ca.pem"),
       "-CAkey", P("ca.key"), "-CAcreateserial", "-out", P("leaf.pem"),
       "-extfile", P("leaf.ext"), "-days", "30")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(P("leaf.pem"), P("leaf.key"))
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tport = ls.getsockname()[1]

    def serve():
        while True:
            c, _ = ls.accept()
            try:
                tc = ctx.wrap_socket(c, server_side=True)
                tc.sendall(b"hello over tls\n")
                d = tc.recv(100)
                tc.sendall(d.upper())
                tc.close()
            except (OSError, ssl.SSLError):
                c.close()
    threading.Thread(target=serve, daemon=True).start()
    # An HTTP proxy that connects to the name it is given (both of
    # localhost's addresses are tried: the listener is IPv4 only).
    px = MiniProxy("http", server_first=False)
    rc, out, err = run("", "-c", "tls-client localhost %d --ca %s --proxy "
                       "http://127.0.0.1:%d; expect 1 \"over tls\"; "
                       "send 1 \"abc\\n\"; expect 1 ABC" %
                       (tport, P("ca.pem"), px.port))
    ok(rc == 0 and "verified" in out and "not verified" not in out and
       "ABC" in out, "tls-client --proxy: the target's certificate "
       "(localhost only) verified through the proxy (127.0.0.1)", out + err)
    ok("via http 127.0.0.1:%d" % px.port in out,
       "tls-client: via the proxy", out)
    rc, out, err = run("", "-c", "tls-client 127.0.0.1 %d --ca %s --proxy "
                       "http://127.0.0.1:%d" % (tport, P("ca.pem"), px.port))
    ok(rc != 0 and "host name mismatch" in out and
       "the certificate is not for 127.0.0.1" in out,
       "a certificate not for the target's name fails (the target's "
       "name is checked)", out + err)


t = Target()
if MICROSOCKS:
    section("socks5", socks5_tests, t)
else:
    skip("socks5 through microsocks", "microsocks not installed")
section("http", http_tests, t)
section("bad options", bad_options)
section("proxy unreachable", proxy_unreachable)
section("tls", tls_tests, t)
done()
