#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 3: one tcp-server, two independent clients (ncat and a
python socket), each its own session under the server; sends to the server
reach both, sends to a peer reach one; closing a peer or the server."""
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, need, connect, recv_exact, Socktool, Proc, parse_list

need("ncat")


def read_fd(f, n, timeout=10):
    """Read exactly n bytes from pipe f (or fewer at EOF), polling with a
    timeout."""
    fd = f.fileno()
    data = b""
    end = time.monotonic() + timeout
    while len(data) < n:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        chunk = os.read(fd, n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def fd_eof(f, timeout=10):
    """True when pipe f reaches EOF within timeout with no data first."""
    fd = f.fileno()
    r, _, _ = select.select([fd], [], [], timeout)
    return bool(r) and os.read(fd, 1) == b""


def sock_eof(s, timeout=10):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except OSError:
        return False

def list_out(st):
    """Run `list`; its output once complete."""
    n = len(st.out)
    st.cmd("list")
    st.cmd("echo LIST-DONE")
    m = st.wait_for(r"^LIST-DONE$", start=n)
    return st.out[n:m.start()].decode("utf-8", "replace")


def table(text):
    """{id: (indent, (KIND, STATE, LOCAL, REMOTE, RX, TX))}, ids in order."""
    rows, order = {}, []
    for indent, r in parse_list(text):
        sid = int(r["ID"])
        rows[sid] = (indent, tuple(r.get(c) for c in
                                   ("KIND", "STATE", "LOCAL", "REMOTE", "RX",
                                    "TX")))
        order.append(sid)
    return rows, order


with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    ok(port > 0, "server reports the port it got: %d" % port)

    with Proc(["ncat", "127.0.0.1", str(port)], stdin=subprocess.PIPE) as nc:
        m = st.wait_for(r"^\[2\] accepted 127\.0\.0\.1:(\d+) on \[1\] "
                        r"127\.0\.0\.1:%d$" % port)
        ncat_port = int(m.group(1))
        py = connect(port)
        py_port = py.getsockname()[1]
        m = st.seen(r"^\[3\] accepted 127\.0\.0\.1:(\d+) on \[1\] "
                    r"127\.0\.0\.1:%d$" % port)
        ok(m and int(m.group(1)) == py_port and ncat_port != py_port,
           "ncat accepted as [2], python as [3]", st.text)

        rows, order = table(list_out(st))
        is_eq(order, [1, 2, 3], "list shows the server then its two peers")
        ok(rows.get(1, (None,))[0] == 0 and
           rows[1][1][:3] == ("tcp-server", "listening",
                              "127.0.0.1:%d" % port),
           "server row: not indented, tcp-server, listening, local address",
           st.text)
        ok(rows.get(2, (None,))[0] == 2 and
           rows[2][1][:4] == ("tcp-peer", "connected", "127.0.0.1:%d" % port,
                              "127.0.0.1:%d" % ncat_port),
           "ncat peer row: indented 2 under the server, its own addresses",
           st.text)
        ok(rows.get(3, (None,))[0] == 2 and
           rows[3][1][:4] == ("tcp-peer", "connected", "127.0.0.1:%d" % port,
                              "127.0.0.1:%d" % py_port),
           "python peer row: indented 2 under the server, its own addresses",
           st.text)

        # Data from each client arrives on its own session.
        nc.p.stdin.write(b"from-ncat\n")
        nc.p.stdin.flush()
        m2 = st.seen(r"^\[2\] < 10 bytes\nfrom-ncat\\n$")
        py.sendall(b"from-py\r\n")
        m3 = st.seen(r"^\[3\] < 9 bytes\nfrom-py\\r\\n$")
        ok(m2 and m3 and
           not re.search(rb"^\[3\] < \d+ bytes?\nfrom-ncat", st.out, re.M) and
           not re.search(rb"^\[2\] < \d+ bytes?\nfrom-py", st.out, re.M),
           "each client's data is shown on its own session", st.text)

        # send SERVER reaches both peers.
        st.cmd("send 1 to-all\\n")
        is_eq(read_fd(nc.p.stdout, 7), b"to-all\n", "send SERVER reaches ncat")
        is_eq(recv_exact(py, 7), b"to-all\n", "send SERVER reaches python")
        st.wait_for(r"^\[3\] > 7 bytes\nto-all\\n$")

        # send PEER reaches only that peer: ncat's next bytes are the ones
        # sent to it afterwards, so nothing meant for [3] slipped in before.
        st.cmd("send 3 only-py\\n")
        is_eq(recv_exact(py, 8), b"only-py\n", "send PEER reaches that peer")
        st.cmd("send 2 only-ncat\\n")
        is_eq(read_fd(nc.p.stdout, 10), b"only-ncat\n",
              "the other peer got nothing meant for the first")
        st.cmd("send 1 all-again\\n")
        is_eq(recv_exact(py, 10), b"all-again\n",
              "python got nothing meant for ncat")
        is_eq(read_fd(nc.p.stdout, 10), b"all-again\n",
              "ncat still in step")

        # close PEER (ncat's session): ncat sees EOF and exits, python works.
        st.cmd("close 2")
        st.wait_for(r"^\[2\] closed \(local\)")
        ok(fd_eof(nc.p.stdout), "closed peer: ncat sees EOF")
        n0 = len(st.out)
        st.cmd("send 1 after-close\\n")
        is_eq(recv_exact(py, 12), b"after-close\n",
              "the other peer still receives after close PEER")
        st.wait_for(r"^\[3\] > 12 bytes", start=n0)
        ok(not re.search(rb"^\[2\] >", st.out[n0:], re.M),
           "nothing is sent to the closed peer", st.text)
        py.sendall(b"still-here\n")
        ok(st.seen(r"^\[3\] < 11 bytes\nstill-here\\n$"),
           "the other peer's data still arrives", st.text)

        rows, order = table(list_out(st))
        is_eq(order, [1, 3], "list after close PEER: server, other peer")

        # A new client after that is a new session, numbered 4.
        py2 = connect(port)
        st.wait_for(r"^\[4\] accepted 127\.0\.0\.1:%d " % py2.getsockname()[1])
        st.cmd("send 1 three\\n")
        is_eq(recv_exact(py2, 6), b"three\n", "a later peer gets send SERVER")
        is_eq(recv_exact(py, 6), b"three\n", "and so does the earlier one")

        # close SERVER disconnects every peer and stops listening.
        st.cmd("close 1")
        st.wait_for(r"^\[1\] closed \(local\)")
        ok(re.search(rb"^\[3\] closed \(local\)", st.out, re.M) and
           re.search(rb"^\[4\] closed \(local\)", st.out, re.M),
           "close SERVER closes its peers", st.text)
        ok(sock_eof(py), "close SERVER: python peer sees EOF")
        ok(sock_eof(py2), "close SERVER: second python peer sees EOF")
        try:
            connect(port, timeout=2).close()
            refused = False
        except OSError:
            refused = True
        ok(refused, "the port no longer accepts connections")
        n1 = len(st.out)
        st.cmd("list")
        st.cmd("echo END-OF-LIST")
        st.wait_for(r"^END-OF-LIST$", start=n1)
        rest = st.out[n1:].decode()
        ok(not re.search(r"^ *\d+ +tcp-", rest, re.M),
           "list is empty after close SERVER", rest)
        py.close()
        py2.close()
        is_eq(st.finish(), 0, "socktool exits 0 at end of input")
    is_eq(st.err, b"", "no error output")

# close SERVER is graceful: bytes queued for the peers (which are not
# reading, with small receive buffers) reach them before their EOF.
with Socktool() as st:
    st.cmd("set default display none")
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    peers = []
    for i in range(2):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.connect(("127.0.0.1", port))
        peers.append(c)
        st.wait_for(r"^\[%d\] accepted " % (i + 2))
    chunks = [bytes([0x41 + i]) * 30000 for i in range(20)]
    for c in chunks:          # fed at once; the script paces itself
        st.cmd("sendhex 1 " + c.hex())
    st.cmd("close 1")
    st.cmd("echo CLOSE-DONE")
    for i, c in enumerate(peers):
        c.settimeout(20)
        data = b""
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
        except OSError as e:
            data += b" <%s>" % str(e).encode()
        ok(data == b"".join(chunks),
           "close SERVER: peer %d gets all 600000 queued bytes, then EOF"
           % (i + 2), "got %d bytes" % len(data))
        c.close()
    st.wait_for(r"^CLOSE-DONE$")
    is_eq(st.finish(), 0, "graceful close run exits 0")

# A peer that half-closes (shutdown(SHUT_WR), as `nc -N` or ncat at the end
# of its input do) has only stopped sending: with `half-close on` the
# session stays half-closed (SPEC section 2) and can still be sent to until
# it is closed.  (By default a peer's end of stream closes the session, as
# SocketTool does: most peers that stop sending have gone.)
with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    st.cmd("set 1 half-close on")
    port = st.port(1)
    py = connect(port)
    st.wait_for(r"^\[2\] accepted ")
    py.sendall(b"last words\n")
    py.shutdown(socket.SHUT_WR)
    st.wait_for(r"^\[2\] < 11 bytes\nlast words\\n$")
    state = None
    end = time.monotonic() + 5
    while time.monotonic() < end:     # poll `list` until the FIN is seen
        rows = {r["ID"]: r for _, r in parse_list(list_out(st))}
        state = rows.get("2", {}).get("STATE")
        if state != "connected":
            break
    is_eq(state, "half-closed",
          "after the peer's FIN, list shows the session half-closed")
    n = len(st.out)
    st.cmd(r"send 2 still-listening\n")
    is_eq(recv_exact(py, 16, timeout=5), b"still-listening\n",
          "a half-closed peer still receives what is sent to it")
    st.cmd("close 2")
    st.cmd("echo CLOSED")
    st.wait_for(r"^CLOSED$", start=n)
    ok(sock_eof(py, 5), "close of the half-closed peer: it sees EOF")
    py.close()
    st.finish()

# The same table in --json: peers carry their parent.
with Socktool("--json") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    m = st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
    port = int(m.group(1))
    with Proc(["ncat", "127.0.0.1", str(port)], stdin=subprocess.PIPE) as nc:
        st.wait_for(r'"event":"accepted"')
        py = connect(port)
        st.wait_for(r'"event":"accepted".*\n.*"event":"accepted"')
        st.cmd("list")
        m = st.wait_for(r'^.*"command":"list".*$')
        res = json.loads(m.group(0))
        ses = res.get("sessions", [])
        is_eq([s.get("id") for s in ses], [1, 2, 3],
              "JSON list: server then its two peers")
        ok(len(ses) == 3 and ses[0].get("parent") is None and
           ses[1].get("parent") == 1 and ses[2].get("parent") == 1,
           "JSON list: both peers have parent 1, the server none", ses)
        acc = {}
        for line in st.text.splitlines():
            ev = json.loads(line)
            if ev.get("event") == "accepted":
                acc[ev.get("id")] = ev.get("remote")
        is_eq(acc.get(3), "127.0.0.1:%d" % py.getsockname()[1],
              "JSON accepted: [3] is the python client")
        is_eq([(s.get("kind"), s.get("state"), s.get("remote")) for s in ses],
              [("tcp-server", "listening", None),
               ("tcp-peer", "connected", acc.get(2)),
               ("tcp-peer", "connected", acc.get(3))],
              "JSON list: kinds, states, each peer's own remote address")
        py.close()
        nc.p.stdin.close()
        is_eq(st.finish(), 0, "JSON run exits 0")
done()
