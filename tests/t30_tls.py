#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.7 TLS (issue 8): tls-client, tls-server, starttls, the handshake
line and JSON tls event, verification failures in words, key logs and
pcap captures Wireshark decrypts, and the ways a TLS peer can go wrong.

Certificates are made here with the openssl command: a CA, a leaf for
localhost/127.0.0.1/::1, an expired leaf, a leaf for another name, a
self-signed leaf and a client certificate.  Peers are real: openssl
s_server/s_client, ncat --ssl and python's ssl module, on 127.0.0.1 and
::1 only."""
import hashlib
import json
import os
import re
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
from st import (ok, is_eq, skip, done, skip_all, run, Socktool,  # noqa: E402
                free_port, wait_listening, recv_until, Proc, deadline_loop)

if shutil.which("openssl") is None:
    skip_all("openssl not installed")
TSHARK = shutil.which("tshark")
EDITCAP = shutil.which("editcap")
NCAT = shutil.which("ncat")
tmp = tempfile.mkdtemp(prefix="st-t30-")


def P(name):
    return os.path.join(tmp, name)


def section(name, fn, *args):
    """One part; an exception is one failed assertion, the rest still
    runs."""
    try:
        fn(*args)
    except Exception as e:              # noqa: BLE001
        first = (str(e).splitlines() or [""])[0]
        ok(False, "%s: %s %s" % (name, type(e).__name__, first),
           traceback.format_exc() + "\n" + str(e))


# ---- certificates --------------------------------------------------------
def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


def make_certs():
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", P("ca.key"), "-out",
       P("ca.pem"), "-days", "30", "-subj", "/CN=socktool test CA",
       "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=keyCertSign,cRLSign")

    def leaf(name, cn, san, days):
        sh("openssl", "req", *ec, "-keyout", P(name + ".key"), "-out",
           P(name + ".csr"), "-subj", "/CN=" + cn)
        with open(P(name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth,clientAuth\n" % san)
        sh("openssl", "x509", "-req", "-in", P(name + ".csr"), "-CA",
           P("ca.pem"), "-CAkey", P("ca.key"), "-CAcreateserial", "-out",
           P(name + ".pem"), "-extfile", P(name + ".ext"), "-days", days)

    leaf("leaf", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", "30")
    leaf("other", "other.test", "DNS:other.test", "30")
    leaf("client", "test client", "DNS:client.test", "30")
    # Valid until yesterday.
    leaf("expired", "localhost", "DNS:localhost,IP:127.0.0.1", "-1")
    sh("openssl", "req", "-x509", *ec, "-keyout", P("self.key"), "-out",
       P("self.pem"), "-days", "30", "-subj", "/CN=localhost", "-addext",
       "subjectAltName=DNS:localhost,IP:127.0.0.1")


def fingerprint_pem(pem):
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint",
                          "-sha256"], input=pem, capture_output=True,
                         timeout=30).stdout.decode()
    return out.strip().split("=", 1)[1]


# ---- python peers --------------------------------------------------------
class PyTLSServer:
    """A python ssl server in a thread: greets, then answers each line
    upper-cased; records SNI, ALPN and version of each connection."""

    def __init__(self, cert, key, alpn=None, host="127.0.0.1",
                 version=None, greet=b"hello from python\n", mode="echo",
                 client_ca=None):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        if alpn:
            self.ctx.set_alpn_protocols(alpn)
        if version == "1.2":
            self.ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if client_ca:
            self.ctx.verify_mode = ssl.CERT_REQUIRED
            self.ctx.load_verify_locations(client_ca)
        self.sni = []
        self.info = []
        self.errors = []
        self.got = []
        self.greet = greet
        self.mode = mode

        def cb(sock, name, ctx):
            self.sni.append(name)
        self.ctx.sni_callback = cb
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.ls = socket.socket(fam, socket.SOCK_STREAM)
        self.ls.bind((host, 0))
        self.ls.listen(8)
        self.port = self.ls.getsockname()[1]
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def serve(self):
        while True:
            try:
                raw, _ = self.ls.accept()
            except OSError:
                return
            raw.settimeout(20)
            try:
                s = self.ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.errors.append(str(e))
                raw.close()
                continue
            self.info.append((s.version(), s.selected_alpn_protocol(),
                              s.getpeercert()))
            try:
                self.talk(s)
            except (ssl.SSLError, OSError) as e:
                self.errors.append(str(e))
            finally:
                s.close()

    def talk(self, s):
        if self.greet:
            s.sendall(self.greet)
        if self.mode == "drop":
            # Gone without close_notify: the raw socket closes under it.
            return
        buf = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.got.append(line)
                if line == b"bye":
                    s.unwrap()
                    return
                s.sendall(line.upper() + b"\n")

    def close(self):
        self.ls.close()


def joined(out):
    """The output with each handshake's continuation lines ("[N]   ...")
    joined to the line above by a space: one line per handshake."""
    return re.sub(r"\n\[\d+\]   ", " ", out)


def py_client(port, host="127.0.0.1", cafile=None, name=None, cert=None,
              key=None, alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile:
        ctx.load_verify_locations(cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    raw = socket.socket(fam, socket.SOCK_STREAM)
    raw.settimeout(15)
    raw.connect((host, port))
    return ctx.wrap_socket(raw, server_hostname=name or host)


def start_s_server(*extra):
    """openssl s_server on a free port, up when it says ACCEPT."""
    port = free_port()
    p = Proc(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
              "-cert", P("leaf.pem"), "-key", P("leaf.key")] + list(extra),
             stdin=subprocess.PIPE)
    wait_listening(port)
    return p, port


# ---- tests ---------------------------------------------------------------
def t_client_s_server():
    p, port = start_s_server("-rev", "-alpn", "h2,http/1.1")
    try:
        rc, out, err = run("tls-client localhost %d --ca %s --alpn "
                           "h2,http/1.1\nsend 1 hello tls\\n\nexpect 1 "
                           "'slt olleh'\nshow 1\nclose 1\n" % (port,
                                                            P("ca.pem")))
        ok(rc == 0, "tls-client to openssl s_server -rev: send/expect both "
           "ways", out + err)
        fp = fingerprint_pem(open(P("leaf.pem"), "rb").read())
        short = fp[:11] + ":..." + fp[-6:]
        ok(re.search(r"^\[1\] TLSv1\.3 TLS_\S+, alpn h2, sni localhost\n"
                     r"\[1\]   cert CN=localhost, ", out, re.M) and
           re.search(r"^\[1\] TLSv1\.3 TLS_\S+, alpn h2, sni localhost "
                     r"cert CN=localhost, issued by CN=socktool test CA, "
                     r"until \S+Z sha256 " + re.escape(short) +
                     r"; verified$", joined(out), re.M),
           "the handshake lines: version, cipher, alpn, sni; subject, "
           "issuer, not-after; the fingerprint abbreviated, verified", out)
        # show wraps long values: a continuation line is indented to the
        # value column (a fingerprint breaks after one of its colons).
        unwrapped = re.sub(r"(?<!:)\n {6,}", " ",
                           re.sub(r":\n {6,}", ":", out))
        ok(re.search(r"cert 0 .*sha256 " + re.escape(fp), unwrapped),
           "show: the certificate's whole SHA-256 fingerprint", out)
        ok(re.search(r"transport +tls 1\.3, TLS_", out), "show: transport "
           "tls 1.3 and the cipher", out)
        ok(re.search(r"cert 0 +CN=localhost, issued by CN=socktool test "
                     r"CA", out) and re.search(r"cert 1 +CN=socktool test "
                                               r"CA", out),
           "show lists the chain up to the CA", out)
    finally:
        p.stop()


def t_client_python():
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"), alpn=["http/1.1"])
    try:
        rc, out, err = run("tls-client 127.0.0.1 %d --ca %s --sni localhost "
                           "--alpn h2,http/1.1\nexpect 1 'hello from "
                           "python'\nsend 1 ping\\n\nexpect 1 PING\nsend 1 "
                           "bye\\n\nwait 1 closed\n" % (srv.port,
                                                        P("ca.pem")))
        ok(rc == 0, "tls-client to a python ssl server: expect and send "
           "both ways", out + err)
        is_eq(srv.sni, ["localhost"], "--sni reaches the server")
        ok(srv.info and srv.info[0][1] == "http/1.1" and
           "alpn http/1.1" in out, "--alpn h2,http/1.1 negotiates what the "
           "server picks (http/1.1)", out)
        ok(re.search(r"^\[1\] closed \(peer\): connection closed by peer$",
                     out, re.M), "a close_notify from the peer is an "
           "orderly close", out)
    finally:
        srv.close()
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"))
    try:
        rc, out, err = run("tls-client localhost %d --ca %s --tls-version "
                           "1.2\nexpect 1 python\nclose 1\n" % (srv.port,
                                                                P("ca.pem")))
        ok(rc == 0 and re.search(r"^\[1\] TLSv1\.2 ", out, re.M) and
           srv.info and srv.info[0][0] == "TLSv1.2",
           "--tls-version 1.2 gives TLS 1.2", out + err)
        ok(not srv.sni or srv.sni == ["localhost"], "a host name is sent "
           "as SNI", srv.sni)
    finally:
        srv.close()
    # IPv6, and no SNI for an address.
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"), host="::1")
    try:
        rc, out, err = run("tls-client ::1 %d --ca %s\nexpect 1 python\n"
                           "close 1\n" % (srv.port, P("ca.pem")))
        ok(rc == 0 and "verified" in out, "tls-client to ::1 verifies the "
           "address against the certificate", out + err)
        is_eq(srv.sni, [None], "an address is never sent as SNI")
    finally:
        srv.close()


def t_verify():
    cases = [("expired", "localhost", "expired"),
             ("self", "localhost", "self-signed"),
             ("other", "localhost", "host name mismatch")]
    for cert, host, words in cases:
        srv = PyTLSServer(P(cert + ".pem"), P(cert + ".key"))
        try:
            rc, out, err = run("tls-client %s %d --ca %s\n" % (
                host, srv.port, P("ca.pem")))
            fp = fingerprint_pem(open(P(cert + ".pem"), "rb").read())
            ok(rc == 1 and re.search(
                r"^\[1\] closed \(tls\): certificate verification failed: "
                + re.escape(words) + r".*sha256 " + re.escape(fp) +
                r".*--insecure", out, re.M),
                "%s certificate: closed (tls) with \"%s\", the fingerprint "
                "and --insecure" % (cert, words), out + err)
            ok("error: tls-client: certificate verification failed: " +
               words in out + err, "%s: the script's command fails with "
               "the reason" % cert, out + err)
            rc, out, err = run("tls-client %s %d --ca %s --insecure\n"
                               "expect 1 python\nclose 1\n" % (
                                   host, srv.port, P("ca.pem")))
            ok(rc == 0 and re.search(r"^\[1\] TLSv1.* sha256 \S+; NOT "
                                     r"verified \(--insecure\): " +
                                     re.escape(words) + "$", joined(out),
                                     re.M),
               "%s certificate: --insecure connects and says verification "
               "was skipped" % cert, out + err)
        finally:
            srv.close()
    # Unknown issuer: the test CA is not in the system store.
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"))
    try:
        rc, out, err = run("tls-client localhost %d\n" % srv.port)
        ok(rc == 1 and re.search(r"closed \(tls\): certificate verification "
                                 r"failed: unknown issuer", out),
           "a CA the trust store does not hold: unknown issuer", out + err)
    finally:
        srv.close()
    rc, out, err = run("tls-client localhost 1 --ca %s\n" % P("nope.pem"))
    ok(rc == 1 and "--ca" in out + err and "No such file" in out + err,
       "a missing --ca file is an error that names it", out + err)
    rc, out, err = run("tls-client localhost 443 --tls-version 1.1\n")
    ok(rc == 1 and "bad --tls-version" in out + err and "usage:" in out +
       err, "--tls-version 1.1 is a usage error", out + err)


def t_server(with_cert):
    args = "--cert %s --key %s" % (P("leaf.pem"), P("leaf.key")) \
        if with_cert else ""
    label = "tls-server --cert" if with_cert else "tls-server (self-signed)"
    with Socktool() as st:
        st.cmd("tls-server 127.0.0.1 0 %s" % args)
        port = st.port(1)
        # The whole fingerprint, in two halves that fit 80 columns.
        m = st.wait_for(r"^\[1\] (self-signed )?certificate.*\n"
                        r"\[1\]   sha256 ([0-9A-F:]{48})\n"
                        r"\[1\] {10}([0-9A-F:]{47})$")
        fp = (m.group(2) + m.group(3)).decode()
        if with_cert:
            is_eq(fp, fingerprint_pem(open(P("leaf.pem"), "rb").read()),
                  "%s: the printed fingerprint is the certificate's" % label)
        # python client
        c = py_client(port, cafile=P("ca.pem") if with_cert else None,
                      name="localhost")
        st.wait_for(r"^\[2\] TLSv1\.3 .*no client certificate$")
        c.sendall(b"from python\n")
        st.wait_for(r"^from python\\n$")
        st.cmd("send 2 to python\\n")
        ok(recv_until(c, b"to python\n").endswith(b"to python\n"),
           "%s: python client, data both ways" % label)
        c.unwrap().close()
        st.wait_for(r"^\[2\] closed \(peer\): connection closed by peer$")
        # openssl s_client: sees the same fingerprint
        sc = subprocess.Popen(["openssl", "s_client", "-connect",
                               "127.0.0.1:%d" % port, "-showcerts",
                               "-servername", "localhost"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        st.wait_for(r"^\[3\] TLSv1\.3 ")
        sc.stdin.write(b"from s_client\n")
        sc.stdin.flush()
        st.wait_for(r"^from s_client\\n$")
        st.cmd("send 3 to s_client\\n")
        st.cmd("close 3")
        st.wait_for(r"^\[3\] closed")
        o, _ = sc.communicate(timeout=20)
        pem = re.search(rb"-----BEGIN CERTIFICATE-----.*?-----END "
                        rb"CERTIFICATE-----\n", o, re.S).group(0)
        is_eq(fingerprint_pem(pem), fp, "%s: openssl s_client sees the "
              "printed fingerprint" % label)
        ok(b"to s_client" in o, "%s: openssl s_client gets data" % label,
           o[-2000:])
        if NCAT:
            n = subprocess.Popen([NCAT, "--ssl", "127.0.0.1", str(port)],
                                 stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            st.wait_for(r"^\[4\] TLSv1\.3 ")
            st.cmd("send 4 to ncat\\n")
            got = b""
            for _ in deadline_loop(20, "ncat output"):
                r, _, _ = select.select([n.stdout], [], [], 1)
                if r:
                    d = os.read(n.stdout.fileno(), 4096)
                    got += d
                    if not d or b"to ncat\n" in got:
                        break
            n.stdin.write(b"from ncat\n")
            n.stdin.flush()
            st.wait_for(r"^from ncat\\n$")
            n.stdin.close()
            n.wait(20)
            ok(b"to ncat" in got, "%s: ncat --ssl, data both ways" % label,
               got)
        else:
            skip("%s: ncat --ssl" % label, "ncat not installed")
        st.cmd("show 1")
        st.wait_for(r"transport +tls listener, ")
        st.finish()


def t_client_ca():
    with Socktool() as st:
        st.cmd("tls-server 127.0.0.1 0 --cert %s --key %s --client-ca %s" %
               (P("leaf.pem"), P("leaf.key"), P("ca.pem")))
        port = st.port(1)
        try:
            c = py_client(port, cafile=P("ca.pem"), name="localhost")
            c.sendall(b"x\n")
            c.recv(100)
        except (ssl.SSLError, OSError):
            pass
        m = st.wait_for(r"^\[2\] closed \(tls\): (.*)$")
        ok(b"no certificate" in m.group(1) and b"--client-ca" in m.group(1),
           "--client-ca: a client without a certificate is refused with "
           "the reason", m.group(0))
        c = py_client(port, cafile=P("ca.pem"), name="localhost",
                      cert=P("client.pem"), key=P("client.key"))
        c.sendall(b"with cert\n")
        m = st.wait_for(r"^\[3\] TLSv1\.3 .*\n(\[3\]   .*\n)*"
                        r"\[3\]   sha256 .*$")
        ok(b"CN=test client, issued by CN=socktool test CA" in m.group(0)
           and m.group(0).endswith(b"; verified"), "--client-ca: a client "
           "certificate from the CA is verified and shown", m.group(0))
        st.wait_for(r"^with cert\\n$")
        c.close()
        st.finish()


def t_client_cert():
    """tls-client --cert/--key against a server that requires one; without
    it, the server's alert is named."""
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"), client_ca=P("ca.pem"))
    try:
        rc, out, err = run("tls-client localhost %d --ca %s\nexpect 1 "
                           "python\n" % (srv.port, P("ca.pem")))
        ok(rc == 1 and re.search(r"^\[1\] closed \(tls\): TLS error: the "
                                 r"peer sent alert \"certificate "
                                 r"required\"$", out, re.M),
           "a TLS alert from the peer is shown by name", out + err)
        rc, out, err = run("tls-client localhost %d --ca %s --cert %s --key "
                           "%s\nexpect 1 python\nsend 1 bye\\n\nwait 1 "
                           "closed\n" % (srv.port, P("ca.pem"),
                                         P("client.pem"), P("client.key")))
        ok(rc == 0 and any(i[2] and ((("commonName", "test client"),) in
                                     i[2].get("subject", ()))
                           for i in srv.info),
           "--cert/--key present a client certificate the server verifies",
           out + err + str(srv.info))
    finally:
        srv.close()


def t_starttls():
    # Client side: a python server speaking 220 / STARTTLS / 220 go ahead.
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    res = {}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(P("leaf.pem"), P("leaf.key"))

    def serve():
        c, _ = ls.accept()
        c.settimeout(20)
        c.sendall(b"220 ready\r\n")
        res["cmd"] = recv_until(c, b"\r\n")
        c.sendall(b"220 go ahead\r\n")
        s = ctx.wrap_socket(c, server_side=True)
        res["tls"] = recv_until(s, b"\n")
        s.sendall(b"secret reply\n")
        s.unwrap()
        s.close()
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    rc, out, err = run("tcp-client 127.0.0.1 %d\nexpect 1 220\nsend 1 "
                       "STARTTLS\\r\\n\nexpect 1 \"220 go\"\nstarttls 1 --ca "
                       "%s\nlist\nsend 1 inside tls\\n\nexpect 1 'secret reply'"
                       "\nwait 1 closed\n" % (port, P("ca.pem")))
    t.join(20)
    ls.close()
    ok(rc == 0 and res.get("cmd") == b"STARTTLS\r\n" and
       res.get("tls") == b"inside tls\n", "starttls: tcp-client, expect 220, "
       "STARTTLS, starttls --ca, send and expect inside TLS", out + err)
    ok(re.search(r"^\[1\] TLSv1\.3 .* cert CN=localhost, .* sha256 "
                 r"\S+; verified$", joined(out), re.M),
       "starttls: the handshake line, verified against the address", out)
    ok(re.search(r"^ *1 +tls-client +connected", out, re.M),
       "starttls: the session is a tls-client now", out)

    # Server side: socktool accepts, a python client asks for STARTTLS.
    with Socktool() as st:
        st.cmd("tcp-server 127.0.0.1 0")
        port = st.port(1)
        c = socket.create_connection(("127.0.0.1", port), timeout=15)
        st.wait_for(r"^\[2\] accepted")
        c.sendall(b"STARTTLS\r\n")
        st.wait_for(r"^STARTTLS\\r\\n$")
        # Both lines at once: the handshake starts before the client's
        # ClientHello can arrive.
        st.write("send 2 220 go ahead\\r\\n\nstarttls 2 --server\n")
        recv_until(c, b"220 go ahead\r\n")
        cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        s = cctx.wrap_socket(c, server_hostname="localhost")
        st.wait_for(r"^\[2\] TLSv1\.3 ")
        s.sendall(b"upgraded\n")
        st.wait_for(r"^upgraded\\n$")
        st.cmd("send 2 back\\n")
        ok(recv_until(s, b"back\n").endswith(b"back\n"), "starttls --server "
           "against a python client: data both ways")
        s.close()
        st.finish()
    rc, out, err = run("tcp-server 127.0.0.1 0\nstarttls 1 --server --sni x\n")
    ok(rc == 1 and "--sni is for the client side" in out + err and
       "usage:" in out + err, "starttls --server --sni is a usage error",
       out + err)
    rc, out, err = run("udp 127.0.0.1 0\nstarttls 1\n")
    ok(rc == 1 and "starttls needs a connected TCP session" in out + err,
       "starttls on a UDP endpoint is refused", out + err)


def t_keys_pcap():
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"))
    kl = P("keys.log")
    envkl = P("env-keys.log")
    cap = P("tls.pcapng")
    try:
        # The log is there before the handshake: the capture needs the
        # ClientHello, and the secrets as they come.
        rc, out, err = run("log all %s --format pcap\ntls-client localhost "
                           "%d --ca %s --keylog %s\nexpect 1 python\nsend 1 "
                           "secret-request-1234\\n\nexpect 1 "
                           "SECRET-REQUEST-1234\nsend 1 bye\\n\nwait 1 "
                           "closed\n" % (cap, srv.port, P("ca.pem"), kl),
                           env={"SSLKEYLOGFILE": envkl})
        ok(rc == 0, "a TLS session with --keylog and a pcap log", out + err)
        lines = open(kl).read().splitlines()
        ok(any(l.startswith("CLIENT_TRAFFIC_SECRET_0 ") for l in lines) and
           all(re.match(r"^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$", l)
               for l in lines), "--keylog writes NSS key-log lines", lines)
        is_eq(open(envkl).read().splitlines(), lines,
              "SSLKEYLOGFILE gets the same lines")
    finally:
        srv.close()
    if TSHARK is None:
        skip("tshark decrypts the pcap", "tshark not installed")
        return
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = P("ws")
    os.makedirs(P("ws"), exist_ok=True)
    port = srv.port

    def follow(path, *extra):
        p = subprocess.run([TSHARK, "-r", path, "-d", "tcp.port==%d,tls" %
                            port] + list(extra) + ["-q", "-z",
                                                   "follow,tls,ascii,0"],
                           capture_output=True, env=env, timeout=120)
        return p.stdout.decode("utf-8", "replace")
    o = follow(cap)
    ok("secret-request-1234" in o and "SECRET-REQUEST-1234" in o and
       "hello from python" in o, "tshark decrypts the pcap log with the "
       "embedded secrets (follow,tls shows the plaintext)", o)
    # TLS 1.2 (CLIENT_RANDOM secrets), against openssl s_server.
    p12, port12 = start_s_server("-rev")
    cap12 = P("tls12.pcapng")
    try:
        rc, out, err = run("log all %s --format pcap\ntls-client localhost "
                           "%d --ca %s --tls-version 1.2\nsend 1 "
                           "twelve-request\\n\nexpect 1 tseuqer-evlewt\n"
                           "close 1\n" % (cap12, port12, P("ca.pem")))
    finally:
        p12.stop()
    q = subprocess.run([TSHARK, "-r", cap12, "-d", "tcp.port==%d,tls" %
                        port12, "-q", "-z", "follow,tls,ascii,0"],
                       capture_output=True, env=env, timeout=120)
    o = q.stdout.decode("utf-8", "replace")
    ok(rc == 0 and "twelve-request" in o and "tseuqer-evlewt" in o,
       "a TLS 1.2 session's pcap log decrypts too", out + err + o)
    # `log SERVER` before its peers connect covers them.
    scap = P("server.pcapng")
    with Socktool() as st:
        st.cmd("tls-server 127.0.0.1 0")
        sport = st.port(1)
        st.cmd("log 1 %s --format pcap" % scap)
        st.wait_for(r"^\[1\] logging to ")
        c = py_client(sport, name="localhost")
        c.sendall(b"client-says-4321\n")
        st.wait_for(r"^client-says-4321")
        st.cmd("send 2 server-says-8765\\n")
        recv_until(c, b"server-says-8765\n")
        c.unwrap().close()
        st.wait_for(r"^\[2\] closed")
        st.finish()
    p = subprocess.run([TSHARK, "-r", scap, "-d", "tcp.port==%d,tls" % sport,
                        "-q", "-z", "follow,tls,ascii,0"], capture_output=True,
                       env=env, timeout=120)
    o = p.stdout.decode("utf-8", "replace")
    ok("client-says-4321" in o and "server-says-8765" in o, "a server's "
       "pcap log decrypts its peers' traffic with no key file", o)
    if EDITCAP:
        bare = P("bare.pcapng")
        subprocess.run([EDITCAP, "--discard-all-secrets", cap, bare],
                       check=True, capture_output=True, timeout=60)
        o = follow(bare)
        ok("secret-request-1234" not in o, "without its secrets the "
           "capture is not decrypted", o)
        o = follow(bare, "-o", "tls.keylog_file:" + kl)
        ok("secret-request-1234" in o and "SECRET-REQUEST-1234" in o,
           "tshark -o tls.keylog_file: decrypts with the --keylog file", o)
    else:
        skip("tshark decrypts with the --keylog file", "editcap missing")


def t_bad_peers():
    # Accepts, then closes mid-handshake.
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    port = ls.getsockname()[1]

    def serve(what):
        c, _ = ls.accept()
        c.settimeout(10)
        c.recv(4096)
        if what == "garbage":
            c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\nnot tls at all\r\n")
        c.close()
    for what, rx in (("abort", r"closed \(tls\): TLS handshake failed: the "
                      r"peer closed the connection"),
                     ("garbage", r"closed \(tls\): TLS handshake failed: "
                      r".*\(the peer does not speak TLS\?\)")):
        t = threading.Thread(target=serve, args=(what,), daemon=True)
        t.start()
        rc, out, err = run("tcp-server 127.0.0.1 0\ntls-client 127.0.0.1 %d "
                           "--insecure\nlist\n" % port, "--keep-going")
        t.join(10)
        ok(re.search(r"^\[2\] " + rx, out, re.M) and
           len(re.findall(r"^\[2\] closed", out, re.M)) == 1,
           "peer %s: one clear line" % what, out + err)
        ok(re.search(r"^ *1 +tcp-server +listening", out, re.M),
           "peer %s: only that session ends" % what, out)
    ls.close()
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"), mode="drop")
    try:
        rc, out, err = run("tls-client localhost %d --ca %s\nexpect 1 "
                           "python\nwait 1 closed\n" % (srv.port,
                                                       P("ca.pem")))
        ok(rc == 0 and re.search(r"^\[1\] closed \(peer\): connection closed "
                                 r"by peer without TLS close_notify "
                                 r"\(truncated close\)$", out, re.M),
           "a peer that drops TCP without close_notify: a truncated close",
           out + err)
    finally:
        srv.close()
    # Handshake timeout: a server that never answers.
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    rc, out, err = run("tls-client 127.0.0.1 %d --timeout 300ms\n" %
                       ls.getsockname()[1])
    ok(rc == 1 and "closed (timeout): TLS handshake timed out after 300ms"
       in out, "--timeout bounds the handshake", out + err)
    ls.close()


def t_pipeline_json():
    """Everything else works over TLS: framing, echo upper, reply, repeat,
    expect --hex, display hex, JSON events."""
    with Socktool("--json") as st:
        st.cmd("tls-server 127.0.0.1 0")
        m = st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
        port = int(m.group(1))
        st.cmd("set 1 framing line")
        st.cmd("set 1 echo upper")
        st.cmd("set 1 reply 'ping => pong\\n'")
        c = py_client(port, name="localhost")
        m = st.wait_for(r'^\{[^\n]*"event":"tls"[^\n]*\}$')
        ev = json.loads(m.group(0))
        ok(ev["id"] == 2 and ev["version"] == "TLSv1.3" and ev["cipher"] and
           ev["sni"] == "localhost" and ev["alpn"] is None and
           ev["verified"] is False and ev["verify_error"] ==
           "no client certificate" and ev["sha256"] is None and
           "subject" in ev and "issuer" in ev and "not_after" in ev,
           "JSON tls event with every field (server side)", m.group(0))
        c.sendall(b"ab")
        c.sendall(b"c\nping\n")
        got = recv_until(c, b"pong\n")
        # A matching reply rule answers instead of the echo (issue 21).
        ok(got == b"ABC\npong\n",
           "framing line, echo upper and reply over TLS", got)
        st.wait_for(r'"event":"recv","id":2,"bytes":4,"hex":"6162630a"')
        c.close()
        st.finish()
    srv = PyTLSServer(P("leaf.pem"), P("leaf.key"), greet=b"\x01\x02xyz\n")
    try:
        rc, out, err = run("tls-client localhost %d --ca %s\nset 1 display "
                           "hex\nexpect 1 01027879 --hex\nsend 1 --repeat 3 "
                           "r\\n\nexpect 1 'R\\nR\\nR\\n'\nsend 1 bye\\n\n"
                           "wait 1 closed\n" % (srv.port, P("ca.pem")),
                           "--json")
        evs = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        tls = [e for e in evs if e.get("event") == "tls"]
        ok(rc == 0 and len(tls) == 1 and tls[0]["verified"] is True and
           tls[0]["verify_error"] is None and tls[0]["subject"] ==
           "CN=localhost" and tls[0]["issuer"] == "CN=socktool test CA" and
           re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                    tls[0]["not_after"]) and tls[0]["sni"] == "localhost",
           "JSON tls event (client side): subject, issuer, not_after, "
           "verified", out + err)
        ok(srv.got[:3] == [b"r", b"r", b"r"], "send --repeat over TLS",
           srv.got)
        ok(rc == 0 and any(e.get("event") == "recv" and
                           e.get("hex", "").startswith("0102") for e in evs),
           "expect --hex and display hex over TLS", out)
    finally:
        srv.close()


def t_bulk():
    """Big transfers both ways, sha256-exact: sendfile to openssl s_server,
    and a python peer that sends to a socktool server."""
    size = int(os.environ.get("TLS_BULK_MIB", "256")) << 20
    data = P("bulk.bin")
    h = hashlib.sha256()
    with open(data, "wb") as f:
        chunk = os.urandom(1 << 20)
        for i in range(size >> 20):
            # Each MiB differs, so a block sent twice shows.
            b = chunk[i % 4093:] + chunk[:i % 4093]
            h.update(b)
            f.write(b)
    want = h.hexdigest()
    # socktool -> python: python counts and hashes.
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(P("leaf.pem"), P("leaf.key"))
    res = {}

    def sink():
        c, _ = ls.accept()
        c.settimeout(60)
        s = ctx.wrap_socket(c, server_side=True)
        h = hashlib.sha256()
        n = 0
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            h.update(d)
            n += len(d)
        res["n"] = n
        res["h"] = h.hexdigest()
        s.close()
    t = threading.Thread(target=sink, daemon=True)
    t.start()
    rc, out, err = run("tls-client localhost %d --ca %s\nset 1 display none\n"
                       "sendfile 1 %s\nclose 1\n" % (port, P("ca.pem"),
                                                     data), timeout=240)
    t.join(60)
    ls.close()
    ok(rc == 0 and res.get("n") == size and res.get("h") == want,
       "sendfile of %d MiB over TLS arrives sha256-exact" % (size >> 20),
       (out + err)[-2000:] + str(res))
    # python -> socktool, logged raw: the log holds the plaintext.
    raw = P("bulk.rx")
    with Socktool() as st:
        st.cmd("tls-server 127.0.0.1 0")
        port = st.port(1)
        st.cmd("set 1 display none")
        st.cmd("log all %s" % raw)
        c = py_client(port, name="localhost")
        with open(data, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                c.sendall(b)
        c.unwrap().close()
        st.wait_for(r"^\[2\] closed \(peer\)", timeout=120)
        st.finish(60)
    h = hashlib.sha256()
    with open(raw, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    is_eq(h.hexdigest(), want, "%d MiB from a TLS peer, logged raw, sha256-exact" %
          (size >> 20))


make_certs()
section("tls-client to s_server", t_client_s_server)
section("tls-client to python", t_client_python)
section("verification", t_verify)
section("tls-server --cert", t_server, True)
section("tls-server self-signed", t_server, False)
section("--client-ca", t_client_ca)
section("client certificate", t_client_cert)
section("starttls", t_starttls)
section("keys and pcap", t_keys_pcap)
section("bad peers", t_bad_peers)
section("pipeline and json", t_pipeline_json)
section("bulk", t_bulk)
shutil.rmtree(tmp, ignore_errors=True)
# ---- OpenSSL is loaded on first TLS use, not at start-up -------------------
def ossl_mapped(pid):
    with open("/proc/%d/maps" % pid) as f:
        text = f.read()
    return "libssl.so" in text, "libcrypto.so" in text


with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    st.cmd("echo PLAIN")
    st.wait_for(r"^PLAIN$")
    before = ossl_mapped(st.p.pid)
    st.cmd("tls-server 127.0.0.1 0")
    st.cmd("echo TLS")
    st.wait_for(r"^TLS$")
    after = ossl_mapped(st.p.pid)
    ok(before == (False, False) and after == (True, True)
       and re.search(r"^\[2\] listening on 127\.0\.0\.1:\d+", st.text,
                     re.M),
       "libssl and libcrypto are not in memory until the first TLS "
       "session, then they are (before %r, after %r)" % (before, after),
       st.text)
done()
