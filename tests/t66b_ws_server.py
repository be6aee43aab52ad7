#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10 (issue 16), ws-server against real clients: python3-websockets
and node ws (tests/lib/wspeer.py, wspeer.js).  Each upgraded client is a
ws-peer session whose subprotocol is the first of the server's list the
client offered; text and binary messages both ways with their exact bytes,
a message the client fragments shown whole, a 1 MiB binary message, --echo
answering each message as one message of the same type; several peers on
one server, a send to the server reaching each; a plain GET (426, curl), a
wrong path (404) and a request that is not HTTP (400) answered with a real
HTTP error and reported on the server by an error event naming the client
and the status, none of them a session."""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, skip_all, done, need, recv_until  # noqa
from wsproc import Peer, Events, have_python_ws, have_node_ws  # noqa: E402

if not have_python_ws():
    skip_all("python3-websockets not installed for /usr/bin/python3")
if not have_node_ws():
    skip_all("node ws (Debian node-ws) not installed")
need("curl")

BIG = bytes(range(256)) * 4096          # 1 MiB, not UTF-8: binary
TEXT = "h\u00e9llo w\u00f6rld".encode()

with Socktool("-j", "--keep-going") as st:
    ev = Events(st)
    st.cmd("ws-server 127.0.0.1 0 --path /chat --protocol b,a --echo")
    lst = ev.wait("listening")
    ok(lst and lst[0]["kind"] == "ws-server", "ws-server listening", lst)
    port = int(lst[0]["local"].rsplit(":", 1)[1])
    url = "ws://127.0.0.1:%d/chat?q=1" % port
    peers = {}
    for n, impl in enumerate(("py", "js")):
        sid = 2 + n
        p = Peer(impl, "client", url, "--protocol", "a", "--protocol", "b")
        peers[impl] = p
        op = p.wait("open")
        acc = ev.wait("accepted", id=sid)
        ok(op and op[0]["protocol"] == "b" and acc and
           acc[0]["kind"] == "ws-peer" and acc[0]["parent"] == 1,
           "%s: upgraded, a ws-peer of the server; subprotocol b (the "
           "server's first that the client offered)" % impl, (op, acc))
        hs = ev.wait("ws", id=sid)
        ok(hs and hs[0]["status"] == 101 and hs[0]["path"] == "/chat?q=1"
           and hs[0]["protocol"] == "b",
           "%s: the handshake in the ws event (path, 101, protocol)" % impl,
           hs)
        p.cmd(cmd="send", hex=TEXT.hex())
        p.cmd(cmd="send", hex="00ff01", binary=True)
        p.cmd(cmd="send", hex=TEXT.hex(), fragments=[1, 4, 3])
        p.cmd(cmd="send", hex=BIG.hex(), binary=True)
        rx = ev.wait("recv", 4, id=sid, timeout=30)
        is_eq([e["hex"] for e in rx],
              [TEXT.hex(), "00ff01", TEXT.hex(), BIG.hex()],
              "%s: text, binary, a fragmented text and 1 MiB arrive whole "
              "and exact" % impl)
        got = p.wait("message", 4, timeout=30)
        is_eq([(m["type"], m["hex"]) for m in got],
              [("text", TEXT.hex()), ("binary", "00ff01"),
               ("text", TEXT.hex()), ("binary", BIG.hex())],
              "%s: --echo sends each back as one message of its type" % impl)
    # Both peers are up: a send to the server reaches every peer; a send
    # to one peer only that one.
    st.cmd("sendhex 1 c0c1")
    st.cmd("send 3 just-js")
    for impl in ("py", "js"):
        got = peers[impl].wait("message", 6 if impl == "js" else 5)
        want = [("binary", "c0c1")] + ([("text", b"just-js".hex())]
                                       if impl == "js" else [])
        is_eq([(m["type"], m["hex"]) for m in got[4:]], want,
              "%s: a send to the server reaches it; to a peer, that "
              "peer only" % impl)

    # Refusals: a plain GET (curl) 426, another path 404, not HTTP 400.
    r = subprocess.run(["curl", "-s", "-i", "--max-time", "10",
                        "http://127.0.0.1:%d/chat" % port],
                       stdout=subprocess.PIPE, timeout=30)
    ok(r.stdout.startswith(b"HTTP/1.1 426 Upgrade Required\r\n") and
       b"Sec-WebSocket-Version: 13" in r.stdout,
       "a plain GET is answered 426 with the version", r.stdout[:200])
    r = subprocess.run(["curl", "-s", "-i", "--max-time", "10", "-H",
                        "Connection: Upgrade", "-H", "Upgrade: websocket",
                        "-H", "Sec-WebSocket-Version: 13", "-H",
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "http://127.0.0.1:%d/other" % port],
                       stdout=subprocess.PIPE, timeout=30)
    ok(r.stdout.startswith(b"HTTP/1.1 404 Not Found\r\n"),
       "an upgrade for another path is answered 404", r.stdout[:200])
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
    ans = recv_until(c, b"\r\n\r\n")
    c.close()
    ok(ans.startswith(b"HTTP/1.1 400 Bad Request\r\n"),
       "bytes that are not an HTTP request are answered 400", ans[:100])
    errs = ev.wait("error", 3, id=1)
    is_eq([e.get("status") for e in errs], [426, 404, 400],
          "each refusal reported on the server with the status sent")
    ok(all(e.get("client", "").startswith("127.0.0.1:") and e["message"]
           for e in errs), "each report names the client and says why",
       errs)
    ok(len(ev.of("accepted")) == 2 and len(ev.of("closed")) == 0,
       "a refused client is no session (no accepted, no closed event)",
       ev.of("accepted"))
    st.cmd("list")
    lst = ev.wait("result", command="list")
    ok(lst and [x["kind"] for x in lst[0]["sessions"]] ==
       ["ws-server", "ws-peer", "ws-peer"], "list: the server and its two "
       "peers only", lst)
    # A peer's close reaches the session's closed event.
    peers["py"].cmd(cmd="close", code=4000, reason="done")
    cl = ev.wait("closed", id=2)
    ok(cl and cl[0]["reason"] == "peer" and cl[0]["ws_code"] == 4000 and
       cl[0]["ws_reason"] == "done", "a client's close: closed with "
       "ws_code and ws_reason", cl)
    for p in peers.values():
        p.stop()
done()
