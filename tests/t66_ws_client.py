#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10 (issue 16), ws-client against python3-websockets as the
server (Debian's, run by /usr/bin/python3 as its own process): the
handshake in words with the subprotocol chosen, --header and --origin
reaching the server; a message fragmented by the server shown whole, a
1 MiB binary message in one piece with its exact bytes, a ping answered;
a send that is UTF-8 arrives as a text message, sendhex's bytes as a binary
one, and their echoes come back one message each; the server's close 4001
"bye" answered and in the closed event (ws_code, ws_reason); a server
answering 403 with its own header: the status line and headers shown, the
session closed with reason ws."""
import json
import os
import subprocess
import sys
import tempfile
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, skip_all, done, run, Proc  # noqa: E402

PY = "/usr/bin/python3"
if subprocess.run([PY, "-c", "import websockets.legacy.server"],
                  stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL).returncode != 0:
    skip_all("python3-websockets not installed for %s" % PY)

SERVER = r'''
import asyncio, http, json, sys, websockets

def say(**kw):
    print(json.dumps(kw), flush=True)

async def refuse(path, headers):
    if path.startswith("/refuse"):
        return (http.HTTPStatus.FORBIDDEN, [("X-Why", "not-you")],
                b"go away\n")
    return None

async def handler(ws, path):
    h = ws.request_headers
    say(path=path, protocol=ws.subprotocol, token=h.get("X-Token"),
        origin=h.get("Origin"))
    await ws.send(iter(["h\u00e9", "llo"]))     # fragmented text
    await ws.send(bytes(range(256)) * 4096)     # 1 MiB binary
    await ws.ping(b"pp")
    for _ in range(2):
        m = await ws.recv()
        say(type=type(m).__name__, hex=(m.encode() if isinstance(m, str)
                                        else m).hex())
        await ws.send(m)
    await ws.close(4001, "bye")

async def main():
    async with websockets.serve(handler, "127.0.0.1", 0,
                                subprotocols=["chat"], max_size=1 << 21,
                                process_request=refuse) as s:
        say(port=s.sockets[0].getsockname()[1])
        await asyncio.Future()

asyncio.run(main())
'''

tmp = tempfile.mkdtemp(prefix="st-t64-")
srv_py = os.path.join(tmp, "srv.py")
with open(srv_py, "w") as f:
    f.write(SERVER)


class Server:
    """The websockets server: its JSON lines, read by a thread."""

    def __init__(self):
        self.proc = Proc([PY, srv_py])
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.p.stdout:
            with self.cond:
                self.lines.append(json.loads(line))
                self.cond.notify_all()

    def wait(self, key, n=1, timeout=20):
        with self.cond:
            self.cond.wait_for(lambda: len([x for x in self.lines
                                            if key in x]) >= n, timeout)
            return [x for x in self.lines if key in x]


def events(out):
    return [json.loads(x) for x in out.splitlines() if x.startswith("{")]


srv = Server()
try:
    port = srv.wait("port")[0]["port"]
    big = bytes(range(256)) * 4096
    script = ("ws-client ws://127.0.0.1:%d/msgs?x=1 --protocol x,chat "
              "--header \"X-Token: abc 1\" --origin http://example.test\n"
              "send 1 \"hi there\"\n"
              "sendhex 1 00ff01\n"
              "wait 1 closed --timeout 20s\n" % port)
    rc, out, err = run(script, "--json", timeout=60)
    ev = events(out)
    hs = [e for e in ev if e["event"] == "ws"]
    ok(len(hs) == 1 and hs[0]["status"] == 101 and
       hs[0]["status_line"] == "HTTP/1.1 101 Switching Protocols" and
       hs[0]["protocol"] == "chat" and
       hs[0]["url"] == "ws://127.0.0.1:%d/msgs?x=1" % port,
       "handshake event: URL, 101, subprotocol chat", (hs, err))
    seen = srv.wait("path")
    ok(seen and seen[0]["path"] == "/msgs?x=1" and
       seen[0]["protocol"] == "chat" and seen[0]["token"] == "abc 1" and
       seen[0]["origin"] == "http://example.test",
       "path with query, --header and --origin reach the server", seen)
    rx = [e for e in ev if e["event"] == "recv"]
    is_eq([e["hex"] for e in rx[:1]], ["h\u00e9llo".encode().hex()],
          "a fragmented text message arrives as one message, exact bytes")
    ok(len(rx) >= 2 and rx[1]["bytes"] == len(big) and
       rx[1]["hex"] == big.hex(),
       "the 1 MiB binary message in one piece with its exact bytes",
       [(e["bytes"]) for e in rx])
    ok(any(e["event"] == "ping" for e in ev), "the server's ping shown")
    got = srv.wait("type", 2)
    is_eq([(g["type"], g["hex"]) for g in got],
          [("str", b"hi there".hex()), ("bytes", "00ff01")],
          "send: a text message; sendhex (not UTF-8): a binary message")
    is_eq([e["hex"] for e in rx[2:]], [b"hi there".hex(), "00ff01"],
          "the echoes come back one message each")
    closes = [e for e in ev if e["event"] == "ws_close"]
    ok([(c["direction"], c["code"], c.get("reason")) for c in closes] ==
       [("rx", 4001, "bye"), ("tx", 4001, "bye")],
       "the server's close shown and answered with its code", closes)
    cl = [e for e in ev if e["event"] == "closed"]
    ok(len(cl) == 1 and cl[0]["reason"] == "peer" and
       cl[0]["ws_code"] == 4001 and cl[0]["ws_reason"] == "bye" and
       cl[0]["rx_bytes"] == 6 + len(big) + 8 + 3 and
       cl[0]["tx_bytes"] == 11,
       "closed: reason peer, ws_code 4001, ws_reason bye; message bytes "
       "counted", cl)

    # Refused: the status line and the server's headers, reason ws.
    rc, out, err = run("ws-client ws://127.0.0.1:%d/refuse\n"
                       "wait 1 closed --timeout 20s\n" % port, timeout=60)
    ok("HTTP/1.1 403 Forbidden" in out and "X-Why: not-you" in out,
       "403: status line and the server's header shown", out + err)
    ok("closed (ws)" in out + err, "403: closed with reason ws", out + err)
    rc, out, err = run("ws-client ws://127.0.0.1:%d/refuse\n"
                       "wait 1 closed --timeout 20s\n" % port, "--json",
                       timeout=60)
    ev = events(out)
    hs = [e for e in ev if e["event"] == "ws"]
    ok(len(hs) == 1 and hs[0]["status"] == 403 and
       "X-Why: not-you" in hs[0].get("headers", ""),
       "403 in JSON: status and headers", hs)
finally:
    srv.proc.stop()

done()
