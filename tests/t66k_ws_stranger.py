#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10, 4 and 7 (issue 16) as a user meets them, at the prompt and in
a script: what a server says in its handshake (a status line and headers
with control bytes, a request path with an escape and a backslash) is shown
escaped once, in the ws event, the closed line and show, never doubled; a
ws-close whose reason is not UTF-8 is one error and the WebSocket stays
open; show of a ws-server --tls says it is a TLS listener and names its
certificate; set ID ws-autopong/ws-fragment take a value with blanks after
it, as every other setting does; ws-ping on a ws-server names the peers;
Tab completes ws-autopong and its values."""
import base64
import os
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, done, need, connect, recv_until  # noqa: E402
from tmuxpane import Pane  # noqa: E402

need("openssl")

# A server that refuses the upgrade with control bytes in its status line
# and a header.
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
SPORT = srv.getsockname()[1]
ANSWER = (b"HTTP/1.1 403 Forbidden\x1b[2J\r\nX-Evil: a\x1b]0;t\x07b\r\n"
          b"Content-Length: 0\r\n\r\n")


def refuse():
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            return
        with c:
            c.settimeout(10)
            try:
                recv_until(c, b"\r\n\r\n")
                c.sendall(ANSWER)
            except OSError:
                pass


threading.Thread(target=refuse, daemon=True).start()

with Socktool("--keep-going") as st:
    st.cmd("ws-client ws://127.0.0.1:%d/" % SPORT)
    m = st.seen(r"\[1\] closed \(ws\)[^\n]*\n")
    out = st.text
    ok(m and "403 Forbidden\\x1b[2J: the server answered 403" in out and
       "(HTTP/1.1 403 Forbidden\\x1b[2J)" in out and
       "X-Evil: a\\x1b]0;t\\x07b" in out and "\\\\x1b" not in out and
       "\x1b" not in out,
       "a refused handshake's status line and headers: escaped once",
       out)

    # A client whose request path has an escape byte and a backslash.
    st.cmd("ws-server 127.0.0.1 0")
    port = st.port(2)
    c = connect(port)
    key = base64.b64encode(os.urandom(16))
    c.sendall(b"GET /a\x1b[2Jb\\c HTTP/1.1\r\nHost: x\r\nUpgrade: websocket"
              b"\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
              b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    recv_until(c, b"\r\n\r\n")
    ok(st.seen(r"\[3\] ws /a\\x1b\[2Jb\\x5cc: HTTP/1.1 101"),
       "the peer's path in its ws event: escaped once", st.text[-600:])
    at = len(st.out)
    st.cmd("show 3")
    ok(st.seen(r"transport  websocket /a\\x1b\[2Jb\\x5cc over tcp",
               start=at), "and in show's transport line", st.text[-1500:])
    c.close()

    # ws-close with a reason that is not UTF-8: one error, nothing sent.
    st.cmd("ws-server 127.0.0.1 0 --echo")
    port = st.port(4)
    st.cmd("ws-client ws://127.0.0.1:%d/" % port)
    st.seen(r"\[5\] ws ws://")
    at = len(st.err)
    st.cmd("ws-close 5 1000 \\xff")
    ok(st.seen(r"error: ws-close: a close reason is UTF-8", stream="err",
               start=at), "ws-close: a reason not UTF-8 is an error",
       st.err.decode(errors="replace")[-500:])
    at = len(st.out)
    st.cmd("send 5 still-open")
    ok(st.seen(r"\[5\] < text 10 bytes\nstill-open", start=at) and
       b"close 1000" not in st.out[at:],
       "and no close was sent: the WebSocket still carries messages",
       st.text[-800:])

    # set ws-* with a blank after the value, as a script may have it.
    at = len(st.err)
    st.cmd("set 5 ws-autopong off ")
    st.cmd("set 5 ws-fragment 2 ")
    st.cmd("show 5")
    ok(st.seen(r"ws-fragment 2\n\s*ws-autopong off") and
       b"error" not in st.err[at:],
       "set ws-autopong/ws-fragment: blanks after the value dropped",
       st.err.decode(errors="replace")[-500:] + st.text[-1500:])

    # ws-ping on the server: it says what to name instead.
    at = len(st.err)
    st.cmd("ws-ping 4")
    ok(st.seen(r"error: ws-ping: session 4 is a ws-server: name one of its "
               r"peers", stream="err", start=at),
       "ws-ping on a ws-server names its peers",
       st.err.decode(errors="replace")[-500:])

    # A server that takes the request and never answers: the timeout
    # says what did not come.
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(7)
    at = len(st.out)
    st.cmd("ws-client ws://127.0.0.1:%d/ --timeout 300ms" % port)
    ok(st.seen(r"\[8\] closed \(timeout\): no answer to the WebSocket "
               r"handshake within 300ms", start=at),
       "ws-client --timeout: the closed line says what timed out",
       st.text[-800:])

    # ws-server --tls: show says TLS and the certificate.
    at = len(st.out)
    st.cmd("ws-server 127.0.0.1 0 --tls")
    st.port(10)
    st.cmd("show 10")
    ok(st.seen(r"transport  tls listener, self-signed certificate "
               r"CN=socktool", start=at),
       "show of ws-server --tls: a TLS listener with its certificate",
       st.text[-1500:])
    st.cmd("quit")
    st.close_stdin()
    st.wait_exit()
srv.close()

# At the prompt: Tab completes the WebSocket settings.
need("tmux")
tmp = tempfile.mkdtemp(prefix="st-t66k-")
tm = Pane(tmp, width=120).start()
try:
    tm.command("ws-server 127.0.0.1 0")
    tm.typed("set 1 ws-a")
    tm.keys("Tab")
    ok(tm.wait_last(Pane.PROMPT + " set 1 ws-autopong"),
       "Tab completes ws-autopong", tm.screen())
    tm.typed("of")
    tm.keys("Tab")
    ok(tm.wait_last(Pane.PROMPT + " set 1 ws-autopong off"),
       "and its value", tm.screen())
    tm.keys("C-c")
finally:
    tm.kill()
# An upgrade with a subprotocol and deflate: the ws lines fit 80 columns
# (what was agreed goes on below); show of the server says what it
# upgrades; show of a peer names its subprotocol once.
with Socktool() as st:
    st.cmd("ws-server 127.0.0.1 0 --path /chat --protocol chat,json "
           "--deflate")
    port = st.port(1)
    st.cmd("ws-client ws://127.0.0.1:%d/chat --protocol json --deflate" %
           port)
    m = st.seen(r"^\[2\] ws ws://[^\n]*\n\[2\]   [^\n]*deflate$")
    ok(m and all(len(x) <= 80 for x in m.group(0).decode().splitlines()),
       "the client's ws event: two lines within 80 columns", st.text[-800:])
    ok(st.seen(r"^\[3\] ws /chat: HTTP/1.1 101 Switching Protocols, "
               r"subprotocol json,\n\[3\]   extensions permessage-deflate$"),
       "the peer's too", st.text[-800:])
    n = len(st.out)
    st.cmd("show 1")
    ok(st.seen(r"^  path +/chat\n  protocols +chat,json\n  deflate +on$",
               start=n), "show of a ws-server: path, subprotocols, deflate",
       st.text[-1200:])
    n = len(st.out)
    st.cmd("show 3")
    m = st.seen(r"^session 3:.*(?:\n  .*)+?\n  on the wire .*", start=n)
    body = m.group(0).decode() if m else ""
    ok(body.count("subprotocol json") == 1 and "\n  subprotocol " not in
       body, "the subprotocol named once (in the transport line)", body)

done()
