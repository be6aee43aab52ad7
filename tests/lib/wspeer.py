#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A WebSocket test peer on python3-websockets (Debian's, run by
/usr/bin/python3): a server or a client that reports everything as JSON
lines on stdout and takes commands as JSON lines on stdin, so a test drives
a real implementation without knowing its API.

  wspeer.py server [--host H] [--port P] [--protocols a,b] [--echo]
                   [--reject STATUS] [--no-deflate] [--path /p]
                   [--cert PEM --key PEM]         (wss: TLS with that)
  wspeer.py client URL [--protocol p]... [--header "K: V"]... [--deflate]
                   [--ca PEM | --insecure]        (wss:// URLs)

Out: {"event":"listening","port":N}, {"event":"open","path":..,
"protocol":..,"headers":{..}}, {"event":"message","type":"text"|"binary",
"hex":..}, {"event":"close","code":N,"reason":..}, {"event":"error",..}.
In:  {"cmd":"send","hex":..,"binary":bool,"fragments":[n,...],
     "repeat":N (the hex N times)},
     {"cmd":"ping","hex":..} (answered by {"event":"pong","hex":..}),
     {"cmd":"close","code":N,"reason":..}.
Every connection of a server gets the commands (tests use one at a time).
"""
import argparse
import asyncio
import http
import json
import ssl
import sys

import websockets

conns = set()


def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


async def reader(ws, echo):
    try:
        async for m in ws:
            b = m.encode() if isinstance(m, str) else m
            emit(event="message", type="text" if isinstance(m, str) else
                 "binary", hex=b.hex(), size=len(b))
            if echo:
                await ws.send(m)
    except websockets.ConnectionClosed:
        pass
    emit(event="close", code=ws.close_code, reason=ws.close_reason)


async def command(ws, c):
    if c["cmd"] == "send":
        data = bytes.fromhex(c.get("hex", "")) * c.get("repeat", 1)
        msg = data if c.get("binary") else data.decode()
        cuts = c.get("fragments")
        if cuts:
            parts, at = [], 0
            for n in cuts:
                parts.append(msg[at:at + n])
                at += n
            if at < len(msg):
                parts.append(msg[at:])
            await ws.send(parts)
        else:
            await ws.send(msg)
    elif c["cmd"] == "ping":
        w = await ws.ping(bytes.fromhex(c.get("hex", "")))
        await w
        emit(event="pong", hex=c.get("hex", ""))
    elif c["cmd"] == "close":
        await ws.close(c.get("code", 1000), c.get("reason", ""))


async def stdin_commands():
    loop = asyncio.get_running_loop()
    r = asyncio.StreamReader(limit=1 << 26)     # a 1 MiB message is one line
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(r),
                                 sys.stdin)
    while True:
        line = await r.readline()
        if not line:
            return
        if not line.strip():
            continue
        c = json.loads(line)
        for ws in list(conns):
            try:
                await command(ws, c)
            except Exception as e:          # reported, the peer goes on
                emit(event="error", message=str(e))


async def server(a):
    async def handler(ws, path=None):
        emit(event="open", path=ws.path, protocol=ws.subprotocol,
             headers=dict(ws.request_headers))
        conns.add(ws)
        await reader(ws, a.echo)
        conns.discard(ws)

    async def process_request(path, headers):
        if a.reject:
            return (http.HTTPStatus(a.reject),
                    [("X-Reason", "rejected by the test")], b"no\n")
        if a.path and path.split("?")[0] != a.path:
            return (http.HTTPStatus.NOT_FOUND, [], b"not here\n")
        return None

    protos = a.protocols.split(",") if a.protocols else None
    tls = None
    if a.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(a.cert, a.key)
    srv = await websockets.serve(
        handler, a.host, a.port, subprotocols=protos,
        process_request=process_request, max_size=None,
        ping_interval=None, compression=None if a.no_deflate else "deflate",
        ssl=tls)
    emit(event="listening", port=srv.sockets[0].getsockname()[1])
    await stdin_commands()
    srv.close()


async def client(a):
    headers = [tuple(h.split(": ", 1)) for h in a.header]
    tls = None
    if a.url.startswith("wss:"):
        tls = ssl.create_default_context(cafile=a.ca)
        if a.insecure:
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
    try:
        ws = await websockets.connect(
            a.url, subprotocols=a.protocol or None, extra_headers=headers,
            max_size=None, ping_interval=None,
            compression="deflate" if a.deflate else None, ssl=tls)
    except Exception as e:
        emit(event="error", message=str(e))
        return
    emit(event="open", protocol=ws.subprotocol,
         headers=dict(ws.response_headers))
    conns.add(ws)
    t = asyncio.ensure_future(stdin_commands())
    await reader(ws, False)
    t.cancel()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--protocols")
    s.add_argument("--echo", action="store_true")
    s.add_argument("--reject", type=int)
    s.add_argument("--no-deflate", action="store_true")
    s.add_argument("--path")
    s.add_argument("--cert")
    s.add_argument("--key")
    c = sub.add_parser("client")
    c.add_argument("url")
    c.add_argument("--protocol", action="append", default=[])
    c.add_argument("--header", action="append", default=[])
    c.add_argument("--deflate", action="store_true")
    c.add_argument("--ca")
    c.add_argument("--insecure", action="store_true")
    a = p.parse_args()
    asyncio.run(server(a) if a.mode == "server" else client(a))


if __name__ == "__main__":
    main()
