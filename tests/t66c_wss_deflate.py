#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10 and 3.7 (issue 16): wss:// and permessage-deflate.  ws-client
to a python3-websockets wss server whose certificate a test CA issued:
refused without --ca, in words, closing with reason tls; with --ca the
certificate is verified, messages go both ways exact.  ws-server --tls
(the run's self-signed certificate) with a python wss client.  --deflate:
ws-client against node ws (--deflate) and ws-server with node and python
clients offering it: negotiated, messages exact both ways (also a 1 MiB
one from the peer), show says permessage-deflate; without --deflate nothing is agreed.
ws-client's --header and --protocol reach node ws."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, skip_all, done, need  # noqa: E402
from wsproc import Peer, Events, have_python_ws, have_node_ws  # noqa: E402

if not have_python_ws():
    skip_all("python3-websockets not installed for /usr/bin/python3")
if not have_node_ws():
    skip_all("node ws (Debian node-ws) not installed")
need("openssl")

tmp = tempfile.mkdtemp(prefix="st-t66c-")


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def path(n):
    return os.path.join(tmp, n)


openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("ca.key"),
        "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=t66c test CA")
openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", path("srv.key"), "-out", path("srv.csr"),
        "-subj", "/CN=localhost")
with open(path("ext.cnf"), "w") as f:
    f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
openssl("x509", "-req", "-in", path("srv.csr"), "-CA", path("ca.pem"),
        "-CAkey", path("ca.key"), "-CAcreateserial", "-out", path("srv.pem"),
        "-days", "2", "-extfile", path("ext.cnf"))

BIG = bytes(range(256)) * 4096
MID = bytes(range(256)) * 64     # 16 KiB: its hex fits a command line
TEXT = "caf\u00e9 " * 50

# ---- wss:// against python3-websockets ------------------------------------
with Peer("py", "server", "--cert", path("srv.pem"), "--key", path("srv.key"),
          "--echo", "--no-deflate") as srv:
    port = srv.port()
    with Socktool("-j", "--keep-going") as st:
        ev = Events(st)
        st.cmd("ws-client wss://127.0.0.1:%d/tls" % port)
        cl = ev.wait("closed", id=1)
        ok(cl and cl[0]["reason"] == "tls" and
           "unknown issuer" in cl[0]["message"] and
           "t66c test CA" in cl[0]["message"],
           "wss:// without --ca: closed with reason tls, why in words", cl)
        ok(not ev.of("ws"), "no WebSocket handshake after the failure")
        st.cmd("ws-client wss://localhost:%d/tls --ca %s" % (port,
                                                             path("ca.pem")))
        hs = ev.wait("ws", id=2)
        tls = ev.of("tls", id=2)
        ok(hs and hs[0]["status"] == 101 and
           hs[0]["url"] == "wss://localhost:%d/tls" % port and tls and
           tls[0]["verified"] is True,
           "wss:// with --ca: verified, then upgraded", (hs, tls))
        st.cmd("send 2 %s" % TEXT)
        st.cmd("sendhex 2 %s" % MID.hex())
        rx = ev.wait("recv", 2, id=2, timeout=30)
        is_eq([e["hex"] for e in rx], [TEXT.encode().hex(), MID.hex()],
              "wss://: text and 16 KiB binary echoed exact")
        got = srv.wait("message", 2)
        is_eq([m["type"] for m in got], ["text", "binary"],
              "wss://: the server got a text and a binary message")
        st.cmd("show 2")
        sh = ev.wait("result", command="show")
        ok(sh and "websocket /tls over tls" in str(sh[0]),
           "show: websocket over tls", sh)

# ---- ws-server --tls with a python wss client ------------------------------
with Socktool("-j", "--keep-going") as st:
    ev = Events(st)
    st.cmd("ws-server 127.0.0.1 0 --tls --echo")
    res = ev.wait("result", command="ws-server")
    ok(res and res[0].get("self_signed") is True and res[0].get("sha256"),
       "ws-server --tls: the run's self-signed certificate, fingerprint "
       "shown", res)
    port = int(res[0]["local"].rsplit(":", 1)[1])
    with Peer("py", "client", "wss://127.0.0.1:%d/s" % port,
              "--insecure") as cli:
        ok(cli.wait("open"), "a python wss client upgrades")
        cli.cmd(cmd="send", hex=TEXT.encode().hex())
        cli.cmd(cmd="send", hex="ff00", binary=True)
        got = cli.wait("message", 2)
        is_eq([(m["type"], m["hex"]) for m in got],
              [("text", TEXT.encode().hex()), ("binary", "ff00")],
              "ws-server --tls: messages echoed exact")
        acc = ev.wait("accepted", id=2)
        tls = ev.of("tls", id=2)
        ok(acc and acc[0]["kind"] == "ws-peer" and tls,
           "the peer is a ws-peer that made a TLS handshake", (acc, tls))

# ---- --deflate: ws-client against node ws ---------------------------------
with Peer("js", "server", "--deflate", "--echo", "--protocols",
          "v2,v1") as srv:
    port = srv.port()
    with Socktool("-j", "--keep-going") as st:
        ev = Events(st)
        st.cmd("ws-client ws://127.0.0.1:%d/d --deflate --protocol v1,v2 "
               "--header \"X-Test: deflate 1\"" % port)
        hs = ev.wait("ws", id=1)
        ok(hs and hs[0]["status"] == 101 and
           hs[0].get("extensions", "").startswith("permessage-deflate") and
           hs[0].get("protocol") == "v2",
           "node ws agrees to permessage-deflate; its subprotocol choice "
           "shown", hs)
        op = srv.wait("open")
        ok(op and op[0]["headers"].get("x-test") == "deflate 1" and
           "permessage-deflate" in op[0]["extensions"],
           "--header reaches node ws; it sees deflate agreed", op)
        st.cmd("send 1 %s" % TEXT)
        st.cmd("sendhex 1 %s" % MID.hex())
        st.cmd("send 1 %s" % TEXT)
        rx = ev.wait("recv", 3, id=1, timeout=30)
        is_eq([e["hex"] for e in rx], [TEXT.encode().hex(), MID.hex(),
                                       TEXT.encode().hex()],
              "deflate: messages echoed exact (context kept across them)")
        got = srv.wait("message", 3)
        is_eq([(m["type"], m["size"]) for m in got],
              [("text", len(TEXT.encode())), ("binary", len(MID)),
               ("text", len(TEXT.encode()))],
              "node ws inflated each message to its size and type")
        st.cmd("show 1")
        sh = ev.wait("result", command="show")
        ok(sh and "permessage-deflate" in str(sh[0]),
           "show says permessage-deflate was agreed", sh)

# ---- --deflate: ws-server with node and python clients --------------------
with Socktool("-j", "--keep-going") as st:
    ev = Events(st)
    st.cmd("ws-server 127.0.0.1 0 --deflate --echo")
    lst = ev.wait("listening")
    port = int(lst[0]["local"].rsplit(":", 1)[1])
    for sid, impl in ((2, "js"), (3, "py")):
        with Peer(impl, "client", "ws://127.0.0.1:%d/" % port,
                  "--deflate") as cli:
            op = cli.wait("open")
            ok(op, "%s client with deflate upgrades" % impl)
            hs = ev.wait("ws", id=sid)
            ok(hs and hs[0].get("extensions", "").startswith(
                "permessage-deflate"),
               "%s: ws-server --deflate accepts the offer" % impl, hs)
            cli.cmd(cmd="send", hex=TEXT.encode().hex())
            cli.cmd(cmd="send", hex=BIG.hex(), binary=True)
            got = cli.wait("message", 2, timeout=30)
            is_eq([(m["type"], m["hex"]) for m in got],
                  [("text", TEXT.encode().hex()), ("binary", BIG.hex())],
                  "%s: compressed messages inflated and echoed exact" % impl)
            st.cmd("show %d" % sid)
            sh = ev.wait("result", n=sid - 1, command="show")
            ok(len(sh) == sid - 1 and "permessage-deflate" in
               str(sh[-1]), "%s: show says permessage-deflate" % impl, sh)

# Without --deflate on our side nothing is agreed.
with Socktool("-j", "--keep-going") as st:
    ev = Events(st)
    st.cmd("ws-server 127.0.0.1 0 --echo")
    lst = ev.wait("listening")
    port = int(lst[0]["local"].rsplit(":", 1)[1])
    with Peer("js", "client", "ws://127.0.0.1:%d/" % port,
              "--deflate") as cli:
        op = cli.wait("open")
        ok(op and not op[0].get("extensions"),
           "ws-server without --deflate agrees to nothing", op)
done()
