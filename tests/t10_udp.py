#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3, acceptance 1-3: a UDP endpoint serving several python peers, sends
answered to the right peer, datagram boundaries (0, 1, 65,507 bytes),
truncation, and ICMP port-unreachable on a udp-client.  Loopback only."""
import json
import os
import re
import select
import socket
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, run, free_port, Socktool, recv_dgram,  # noqa: E402
                parse_list)

LO = "127.0.0.1"


def peer():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LO, 0))
    return s

def wait_count(st, pattern, n, timeout=10):
    """Wait until regex pattern has matched n times in st's stdout."""
    start = 0
    for _ in range(n):
        m = st.wait_for(pattern, timeout, start=start)
        start = m.end()
    return start


def events(st, name=None):
    out = []
    for line in st.out.decode("utf-8", "replace").splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if name is None or ev.get("event") == name:
            out.append(ev)
    return out


HDR = re.compile(r"^\[(\d+)\] < (\d+) bytes? from (\S+)(.*)$", re.M)


def recv_headers(text, sid):
    """(bytes, from, rest, data line) of every received chunk of session sid."""
    res = []
    for m in HDR.finditer(text):
        if int(m.group(1)) != sid:
            continue
        nl = text.find("\n", m.end())
        nxt = text[nl + 1:text.find("\n", nl + 1)] if nl >= 0 else ""
        res.append((int(m.group(2)), m.group(3), m.group(4), nxt))
    return res


# ---- acceptance 1: three peers, each datagram its own event, right source ----
peers = [peer() for _ in range(3)]
addr = ["%s:%d" % (LO, p.getsockname()[1]) for p in peers]
with Socktool() as st:
    st.cmd("udp %s 0" % LO)
    port = st.port(1)
    for i, p in enumerate(peers):
        p.sendto(b"from-peer-%d" % i, (LO, port))
    try:
        wait_count(st, r"^\[1\] < \d+ bytes from .*\n.*\n", 3)
        got3 = True
    except TimeoutError as e:
        got3 = False
        ok(False, "three datagrams from three peers arrive", e)
    if got3:
        hs = recv_headers(st.text, 1)
        is_eq(len(hs), 3, "three datagrams are three recv events")
        by_data = {h[3]: h[1] for h in hs}
        for i in range(3):
            is_eq(by_data.get("from-peer-%d" % i), addr[i],
                  "datagram of peer %d shown from its own address" % i)
        ok(all(h[0] == 11 for h in hs), "each event counts its own 11 bytes",
           hs)

        # No --to: the answer goes to the last sender (peer 2) only.
        st.cmd("send 1 answer-last")
        d = recv_dgram(peers[2])
        is_eq(d and d[0], b"answer-last", "send without --to reaches the last sender")
        is_eq(d and d[1][1], port, "... from the session's own port")
        ok(st.seen(r"^\[1\] > 11 bytes to %s$" % re.escape(addr[2])),
           "sent line names the destination", st.text[-1500:])

        # The last source moves with the traffic.
        peers[0].sendto(b"again-0", (LO, port))
        st.wait_for(r"^again-0$")
        st.cmd("send 1 answer-new-last")
        d = recv_dgram(peers[0])
        is_eq(d and d[0], b"answer-new-last",
              "after peer 0 speaks again, send without --to answers peer 0")

        # --to reaches the named peer only.  Markers sent afterwards to the
        # other two prove the targeted datagram never reached them.
        st.cmd("send 1 --to %s only-for-1" % addr[1])
        d = recv_dgram(peers[1])
        is_eq(d and d[0], b"only-for-1", "send --to reaches the named peer")
        st.cmd("send 1 --to %s marker-0" % addr[0])
        st.cmd("send 1 --to %s marker-2" % addr[2])
        d0 = recv_dgram(peers[0])
        d2 = recv_dgram(peers[2])
        is_eq(d0 and d0[0], b"marker-0",
              "peer 0 received nothing between its answer and its marker")
        is_eq(d2 and d2[0], b"marker-2",
              "peer 2 received nothing between its answer and its marker")
        ok(all(recv_dgram(p, 0.3) is None for p in peers),
           "no stray datagram reached any peer")
        # --to did not replace the last source: peer 0 spoke last.
        st.cmd("send 1 still-last")
        d = recv_dgram(peers[0])
        is_eq(d and d[0], b"still-last",
              "send --to does not change where a plain send goes")
    rc = st.finish()
    is_eq(rc, 0, "udp session script exits 0")

# The same in JSON mode: one recv event per datagram, with from and truncated.
with Socktool("--json") as st:
    st.cmd("udp %s 0" % LO)
    m = st.wait_for(r'^\{.*"event":"listening".*\}\n')
    local = json.loads(m.group(0))["local"]
    port = int(local.rsplit(":", 1)[1])
    for i, p in enumerate(peers):
        p.sendto(b"json-%d" % i, (LO, port))
    try:
        wait_count(st, r'"event":"recv"[^\n]*\n', 3)
    except TimeoutError as e:
        ok(False, "JSON: three recv events", e)
    rs = events(st, "recv")
    is_eq(len(rs), 3, "JSON: three datagrams, three recv events")
    by_text = {r.get("text"): r for r in rs}
    for i in range(3):
        r = by_text.get("json-%d" % i, {})
        is_eq(r.get("from"), addr[i], "JSON: recv of peer %d has its from" % i)
        is_eq(r.get("truncated"), False,
              "JSON: recv of peer %d has truncated false" % i)
        is_eq((r.get("id"), r.get("bytes"), r.get("hex")),
              (1, 6, (b"json-%d" % i).hex()),
              "JSON: recv of peer %d carries id, bytes and hex" % i)
    st.cmd("send 1 --to %s json-to" % addr[1])
    d = recv_dgram(peers[1])
    is_eq(d and d[0], b"json-to", "JSON: send --to reaches the peer")
    st.wait_for(r'"event":"sent"[^\n]*json-to[^\n]*\n')
    sent = [e for e in events(st, "sent") if e.get("text") == "json-to"]
    is_eq(sent and sent[0].get("to"), addr[1], "JSON: sent event has to")
    is_eq(st.finish(), 0, "JSON udp script exits 0")

# ---- acceptance 2: 0, 1 and 65,507 bytes, each whole, one event each ----
sizes = [0, 1, 65507]
big = bytes((i * 7 + 3) & 0xff for i in range(65507))
payload = {0: b"", 1: b"Z", 65507: big}
with Socktool("--json") as st:
    st.cmd("udp %s 0" % LO)
    m = st.wait_for(r'^\{.*"event":"listening".*\}\n')
    port = int(json.loads(m.group(0))["local"].rsplit(":", 1)[1])
    for n in sizes:
        peers[0].sendto(payload[n], (LO, port))
    try:
        wait_count(st, r'"event":"recv"[^\n]*\n', 3, timeout=20)
    except TimeoutError as e:
        ok(False, "JSON: 0/1/65507-byte datagrams arrive", e)
    rs = events(st, "recv")
    is_eq([r.get("bytes") for r in rs], sizes,
          "JSON: 0, 1 and 65507 bytes are three events of exactly those sizes")
    for r, n in zip(rs, sizes):
        ok(r.get("hex") == payload[n].hex(),
           "JSON: the %d-byte datagram is carried whole in hex" % n,
           "hex length %d, want %d" % (len(r.get("hex", "")), 2 * n))
        is_eq(r.get("truncated"), False,
              "JSON: the %d-byte datagram is not truncated" % n)
    is_eq(st.finish(), 0, "boundary script exits 0")

with Socktool() as st:
    st.cmd("udp %s 0" % LO)
    port = st.port(1)
    for n in sizes:
        peers[1].sendto(payload[n], (LO, port))
    try:
        wait_count(st, r"^\[1\] < \d+ bytes? from .*\n", 3, timeout=20)
    except TimeoutError as e:
        ok(False, "text: 0/1/65507-byte datagrams arrive", e)
    hs = recv_headers(st.text, 1)
    is_eq([h[0] for h in hs], sizes, "text: one header per datagram, sizes 0, 1, 65507")
    ok(all(h[1] == addr[1] and "truncated" not in h[2] for h in hs),
       "text: none is reported truncated, all from the sender", hs)
    st.finish()

# Truncation: --recv-size 10 reads 10 bytes of a 30-byte datagram and says so.
with Socktool("--json") as st:
    st.cmd("udp %s 0 --recv-size 10" % LO)
    m = st.wait_for(r'^\{.*"event":"listening".*\}\n')
    port = int(json.loads(m.group(0))["local"].rsplit(":", 1)[1])
    peers[2].sendto(b"0123456789abcdefghijKLMNOPQRST", (LO, port))
    peers[2].sendto(b"short", (LO, port))
    try:
        wait_count(st, r'"event":"recv"[^\n]*\n', 2)
    except TimeoutError as e:
        ok(False, "JSON: truncated and short datagram arrive", e)
    rs = events(st, "recv")
    is_eq(len(rs), 2, "JSON: a truncated datagram is still one event")
    t = rs[0] if rs else {}
    is_eq((t.get("truncated"), t.get("bytes"), t.get("hex")),
          (True, 10, b"0123456789".hex()),
          "JSON: 30 bytes with --recv-size 10: truncated true, 10 bytes kept")
    is_eq(t.get("size"), 30, "JSON: the truncated event gives the real size")
    s2 = rs[1] if len(rs) > 1 else {}
    is_eq((s2.get("truncated"), s2.get("text")), (False, "short"),
          "JSON: the next, short datagram is whole and not truncated")
    st.finish()

with Socktool() as st:
    st.cmd("udp %s 0 --recv-size 10" % LO)
    port = st.port(1)
    peers[2].sendto(b"0123456789abcdefghijKLMNOPQRST", (LO, port))
    try:
        m = st.wait_for(r"^\[1\] < (\d+) bytes from (\S+)(.*)\n(.*)\n")
        is_eq(m.group(1), b"10", "text: truncated datagram shows the 10 bytes read")
        ok(re.search(rb"truncated\b.*\b30\b", m.group(3)),
           "text: the header says truncated and names the 30-byte size",
           m.group(0))
        is_eq(m.group(4), b"0123456789", "text: the bytes kept are the first 10")
    except TimeoutError as e:
        ok(False, "text: truncated datagram reported", e)
    st.finish()

# ---- acceptance 3: udp-client to a closed port; ICMP reported; still usable ----
closed = free_port(socket.AF_INET, socket.SOCK_DGRAM)
with Socktool() as st:
    st.cmd("udp-client %s %d" % (LO, closed))
    m = st.wait_for(r"^\[1\] bound on (\S+):(\d+)(.*)\n")
    cport = int(m.group(2))
    ok(m.group(1) not in (b"0.0.0.0", b"[::]") or
       b"all interfaces" in m.group(3),
       "udp-client's bound line announces a wildcard address as all "
       "interfaces (SPEC 7)", m.group(0))
    st.cmd("send 1 ping")
    try:
        m = st.wait_for(r"^\[1\] ICMP error for 127\.0\.0\.1:%d: (.*)\n" % closed)
        ok(re.search(rb"refused", m.group(1), re.I),
           "ICMP port unreachable reported as an event on the session", m.group(0))
    except TimeoutError as e:
        ok(False, "ICMP port unreachable reported as an event on the session", e)
    st.cmd("send 1 --to %s after-icmp" % addr[0])
    d = recv_dgram(peers[0])
    is_eq(d and d[0], b"after-icmp", "after the ICMP error, send --to still works")
    is_eq(d and d[1][1], cport, "... from the same endpoint")
    peers[1].sendto(b"inbound-after-icmp", (LO, cport))
    ok(st.seen(r"^\[1\] < 18 bytes from %s\ninbound-after-icmp$"
               % re.escape(addr[1])),
       "after the ICMP error, the endpoint still receives", st.text)
    st.cmd("list")
    st.cmd("echo LISTED")
    m = st.seen(r"^LISTED$")
    rows = dict((r["ID"], r) for _, r in
                parse_list(st.out[:m.start() if m else None].decode(
                    "utf-8", "replace")))
    ok(rows.get("1", {}).get("STATE") == "bound",
       "the udp-client session is still listed as bound", st.text)
    is_eq(st.finish(), 0, "the ICMP error does not fail the script")

closed = free_port(socket.AF_INET, socket.SOCK_DGRAM)
with Socktool("--json") as st:
    st.cmd("udp-client %s %d" % (LO, closed))
    st.wait_for(r'"event":"listening"')
    st.cmd("send 1 ping")
    try:
        st.wait_for(r'"event":"error"[^\n]*\n')
    except TimeoutError as e:
        ok(False, "JSON: ICMP error event", e)
    errs = [e for e in events(st, "error")]
    ok(len(errs) == 1 and errs[0].get("id") == 1 and
       str(closed) in errs[0].get("message", "") and "command" not in errs[0],
       "JSON: one error event with the session id and the destination, "
       "not a command failure", errs)
    st.cmd("send 1 --to %s json-after-icmp" % addr[2])
    d = recv_dgram(peers[2])
    is_eq(d and d[0], b"json-after-icmp", "JSON: the session still sends")
    st.finish()

# ---- no destination at all: an error that names --to ----
rc, out, err = run("udp %s 0\nsend 1 nowhere\necho AFTER-SEND\n" % LO)
is_eq(rc, 1, "send on a udp session with no destination fails the script")
ok("--to" in err and err.startswith("error: send:"),
   "the error names --to", err)
is_eq(err.count("error:"), 1, "exactly one error line")
ok("AFTER-SEND" not in out and "nowhere" not in out,
   "nothing was sent and the script stopped", out)

for p in peers:
    p.close()
done()
