#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19, acceptance 3, the UDP half (SPEC §3.13): a conversation with a
python UDP device (each request answered by two datagrams, one of them
binary) recorded on a udp-client as a jsonl log and as a pcap log is
played by `mock --udp`: every answer datagram comes back as its own
datagram, exact; two clients each walk it from the start; a request sent
twice is answered twice; a datagram no step expects is shown with its
source and counted (show, stats)."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, SOCKTOOL, ok, is_eq, done  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t63e-")
jsonl = os.path.join(tmp, "dev.jsonl")
pcap = os.path.join(tmp, "dev.pcapng")

ANSWERS = {
    b"ping": [b"pong", b"\x00\xff\x01"],
    b"read 7": [b"ack", b"value=42"],
}

dev = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dev.bind(("127.0.0.1", 0))
port = dev.getsockname()[1]


def device():
    while True:
        try:
            data, src = dev.recvfrom(2048)
        except OSError:
            return
        for a in ANSWERS.get(data, [b"?"]):
            dev.sendto(a, src)


threading.Thread(target=device, daemon=True).start()
r = subprocess.run([SOCKTOOL], input=(
    "udp-client 127.0.0.1 %d\n"
    "log 1 %s --format jsonl\n"
    "log 1 %s --format pcap\n"
    "send 1 ping\n"
    "expect 1 --hex 00ff01\n"
    "send 1 \"read 7\"\n"
    "expect 1 value=42\n"
    "close 1\n" % (port, jsonl, pcap)).encode(), capture_output=True,
    timeout=30)
is_eq((r.returncode, r.stderr), (0, b""), "the conversation was recorded")


def client():
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(10)
    return c


def ask(c, mport, req, n):
    c.sendto(req, ("127.0.0.1", mport))
    return [c.recvfrom(65536)[0] for _ in range(n)]


for name, path in (("jsonl", jsonl), ("pcap", pcap)):
    with Socktool("--json") as st:
        st.cmd("mock %s 127.0.0.1 0 --udp" % path)
        m = st.wait_for(r'"event":"(?:listening|bound)","id":1,.*"local":'
                        r'"127\.0\.0\.1:(\d+)"')
        mport = int(m.group(1))
        a, b = client(), client()
        is_eq(ask(a, mport, b"ping", 2), [b"pong", b"\x00\xff\x01"],
              "%s: the first answer, two datagrams, exact" % name)
        is_eq(ask(b, mport, b"ping", 2), [b"pong", b"\x00\xff\x01"],
              "%s: a second client starts from the first step" % name)
        is_eq(ask(a, mport, b"ping", 2), [b"pong", b"\x00\xff\x01"],
              "%s: a request sent again is answered again" % name)
        is_eq(ask(a, mport, b"read 7", 2), [b"ack", b"value=42"],
              "%s: the second step" % name)
        a.sendto(b"bogus", ("127.0.0.1", mport))
        ev = st.wait_for(r'(\{.*"event":"mock".*\})')
        j = json.loads(ev.group(1))
        ok(j.get("hex") == "626f677573" and j.get("from", "").startswith(
            "127.0.0.1:") and j.get("count") == 1,
           "%s: the unmatched datagram shown with its source" % name, j)
        is_eq(ask(b, mport, b"read 7", 2), [b"ack", b"value=42"],
              "%s: the other client goes on" % name)
        st.cmd("show 1")
        m = st.wait_for(r'(\{.*"event":"result","command":"show".*\})')
        is_eq(json.loads(m.group(1)).get("unmatched"), 1,
              "%s: show counts the unmatched" % name)
        st.cmd("stats 1")
        m = st.wait_for(r'(\{.*"event":"result","command":"stats".*\})')
        ok(b'"unmatched":1' in m.group(1), "%s: stats too" % name,
           m.group(1))
        a.close()
        b.close()

dev.close()
done()
