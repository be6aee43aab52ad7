#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, `tls-server … --exec` (SPEC 3.11): every TLS client gets its
own program once its handshake is done, with the SOCKTOOL_* environment,
the decrypted bytes paired with it both ways (every byte value, exact),
as tcp-server --exec does; a client whose handshake fails starts no
program; a client leaving ends its program; `show` of the server still
names its certificate."""
import json
import os
import re
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, recv_until, pid_gone  # noqa: E402
from st import deadline_loop  # noqa: E402


def tls_connect(port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def recv_exact(c, n):
    got = bytearray()
    for _ in deadline_loop(20, "%d bytes" % n):
        if len(got) >= n:
            return bytes(got)
        d = c.recv(n - len(got))
        if not d:
            return bytes(got)
        got += d


def connected(text):
    return [json.loads(x.group(0)) for x in re.finditer(
        r'\{[^\n]*"event":"connected"[^\n]*\}', text)]


with Socktool("--json") as st:
    st.cmd("set default display none")
    st.cmd("tls-server 127.0.0.1 0 --exec 'sh -c \"echo $SOCKTOOL_"
           "REMOTE_PORT $SOCKTOOL_LOCAL_PORT $SOCKTOOL_SESSION "
           "$SOCKTOOL_REMOTE_ADDR; exec cat\"'")
    port = int(st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:'
                           r'(\d+)"').group(1))
    st.wait_for(r'"command":"tls-server"')

    # a client that never speaks TLS: its handshake fails, no program
    p = socket.create_connection(("127.0.0.1", port), timeout=10)
    p.sendall(b"GET / HTTP/1.0\r\n\r\n")
    st.wait_for(r'"event":"closed","id":(\d+)[^\n]*"reason":"tls"')
    p.close()
    ok(not connected(st.text), "a failed handshake starts no program",
       connected(st.text))

    a = tls_connect(port)
    la = recv_until(a, b"\n").decode().split()
    b = tls_connect(port)
    lb = recv_until(b, b"\n").decode().split()
    is_eq(la[0], str(a.getsockname()[1]), "client A's program has its "
          "SOCKTOOL_REMOTE_PORT")
    is_eq(lb[0], str(b.getsockname()[1]), "client B's its own")
    ok(la[1] == lb[1] == str(port) and la[3] == lb[3] == "127.0.0.1",
       "SOCKTOOL_LOCAL_PORT and SOCKTOOL_REMOTE_ADDR", (la, lb))
    ok(la[2] != lb[2], "different SOCKTOOL_SESSION", (la, lb))
    progs = connected(st.text)
    ok(len(progs) == 2 and progs[0]["pid"] != progs[1]["pid"] and
       all(x["kind"] == "exec-peer" for x in progs),
       "two programs, two pids", progs)
    ok(sorted(str(x.get("pair")) for x in progs) == sorted([la[2], lb[2]]),
       "each program's connected event names its peer (pair)", progs)
    accepted = [json.loads(x.group(0)) for x in re.finditer(
        r'\{[^\n]*"event":"accepted"[^\n]*\}', st.text)]
    ok(sorted(str(x["id"]) for x in accepted[1:]) == sorted([la[2], lb[2]]),
       "SOCKTOOL_SESSION is the TLS peer's id", (accepted, la, lb))

    # every byte value, 256 KiB each way, the two clients interleaved
    # (16 KiB out, the same back: one python SSL socket is not used from
    # two threads)
    data = bytes(range(256)) * 1024
    back = {"a": b"", "b": b""}
    for off in range(0, len(data), 16384):
        for name, c, payload in (("a", a, data), ("b", b, data[::-1])):
            piece = payload[off:off + 16384]
            c.sendall(piece)
            back[name] += recv_exact(c, len(piece))
    ok(back.get("a") == data, "A: 256 KiB of every byte value through its "
       "cat, exact", len(back.get("a", b"")))
    ok(back.get("b") == data[::-1], "B: its own bytes back, exact",
       len(back.get("b", b"")))

    st.cmd("show 1")
    m = st.wait_for(r'\{[^\n]*"command":"show"[^\n]*\}')
    ok(b"sha256" in m.group(0) and b"tls listener" in m.group(0),
       "show: the TLS listener with its certificate", m.group(0))

    # A leaves: its program ends, B's carries on
    pid_a = [x["pid"] for x in progs if str(x.get("pair")) == la[2]]
    a.close()
    st.wait_for(r'"event":"closed","id":%s,' % la[2])
    ok(pid_a and pid_gone(pid_a[0]), "A's program is gone with A", pid_a)
    b.sendall(b"still\n")
    is_eq(recv_until(b, b"\n"), b"still\n", "B's program still answers")
    b.close()
    st.finish()
done()
