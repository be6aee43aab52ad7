#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3, acceptance 8: sockopt sets and reads back socket options on TCP and
UDP sessions, lists them all without NAME, and rejects a bad name, a bad value
or an option that does not apply with one clear error."""
import json
import os
import re
import select
import socket
import struct
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, run, Socktool

LO = "127.0.0.1"
ALL = ["nodelay", "keepalive", "rcvbuf", "sndbuf", "ttl", "broadcast",
       "reuseaddr", "linger"]

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind((LO, 0))
srv.listen(64)
SP = srv.getsockname()[1]

_seq = [0]


def opt(st, sid, args):
    """Run `sockopt sid args`; return {name: value} of the lines it printed."""
    _seq[0] += 1
    start = len(st.out)
    st.cmd("sockopt %d %s" % (sid, args))
    st.cmd("echo END-OF-SOCKOPT-%d" % _seq[0])
    try:
        m = st.wait_for(r"^END-OF-SOCKOPT-%d\n" % _seq[0], start=start)
    except TimeoutError as e:
        ok(False, "sockopt %d %s completes" % (sid, args), e)
        return {}
    chunk = st.out[start:m.start()].decode("utf-8", "replace")
    return {n: v for n, v in re.findall(r"^\[%d\] (\S+)\s+(.*?)\s*$" % sid,
                                        chunk, re.M)}


def setget(st, sid, name, value, want, label=None):
    """Set name to value; both the set's echo and a fresh read must be in
    want (a value or a tuple of acceptable values)."""
    if not isinstance(want, tuple):
        want = (want,)
    label = label or "%s %s" % (name, value)
    s = opt(st, sid, "%s %s" % (name, value)).get(name)
    g = opt(st, sid, name).get(name)
    ok(s in want and g in want,
       "session %d: sockopt %s reads back %s" % (sid, label, " or ".join(want)),
       "set printed %r, read printed %r" % (s, g))
    return g


with Socktool() as st:
    st.cmd("tcp-client %s %d" % (LO, SP))
    st.cmd("udp %s 0" % LO)
    st.port(2)
    srv.settimeout(10)
    peer, _ = srv.accept()

    # TCP client: every option it has, set and read back.
    setget(st, 1, "nodelay", "on", "on")
    setget(st, 1, "nodelay", "off", "off")
    setget(st, 1, "nodelay", "on", "on", "nodelay on again")
    r1 = setget(st, 1, "rcvbuf", "65536", ("65536", "131072"))
    r2 = setget(st, 1, "rcvbuf", "100000", ("100000", "200000"))
    ok(r1 != r2, "rcvbuf really changed between two settings", (r1, r2))
    setget(st, 1, "sndbuf", "65536", ("65536", "131072"))
    setget(st, 1, "ttl", "17", "17", "ttl 17 (TCP)")
    setget(st, 1, "ttl", "200", "200", "ttl 200 (TCP)")
    setget(st, 1, "keepalive", "on", "on")
    setget(st, 1, "keepalive", "off", "off")
    setget(st, 1, "linger", "5", "5")
    setget(st, 1, "linger", "off", "off")
    setget(st, 1, "linger", "5", "5", "linger 5 again")
    setget(st, 1, "reuseaddr", "on", "on")

    # No NAME: every option, with the values just set.
    allv = opt(st, 1, "")
    is_eq(sorted(allv), sorted(ALL), "TCP: sockopt without NAME lists every option")
    is_eq((allv.get("nodelay"), allv.get("ttl"), allv.get("keepalive"),
           allv.get("linger"), allv.get("reuseaddr"), allv.get("rcvbuf")),
          ("on", "200", "off", "5", "on", r2),
          "TCP: the list shows the current values")

    # The connection still works after all that.
    st.cmd("send 1 still-connected")
    peer.settimeout(10)
    got = b""
    while len(got) < 15:
        c = peer.recv(100)
        if not c:
            break
        got += c
    is_eq(got, b"still-connected", "TCP session still sends after sockopt")

    # UDP endpoint.
    setget(st, 2, "ttl", "33", "33", "ttl 33 (UDP)")
    setget(st, 2, "broadcast", "on", "on")
    setget(st, 2, "broadcast", "off", "off")
    setget(st, 2, "rcvbuf", "65536", ("65536", "131072"), "rcvbuf 65536 (UDP)")
    allv = opt(st, 2, "")
    ok("nodelay" not in allv and
       sorted(allv) == sorted(n for n in ALL if n != "nodelay"),
       "UDP: sockopt without NAME lists every option that applies", allv)
    is_eq((allv.get("ttl"), allv.get("broadcast")), ("33", "off"),
          "UDP: the list shows the current values")

    # The ttl is real: a datagram sent by the session carries it.
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind((LO, 0))
    rx.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVTTL", 12), 1)
    st.cmd("send 2 --to %s:%d ttl-probe" % (LO, rx.getsockname()[1]))
    ttl = None
    data = None
    if select.select([rx], [], [], 5)[0]:
        data, anc, _, _ = rx.recvmsg(100, socket.CMSG_SPACE(4))
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IP and typ == getattr(socket, "IP_TTL", 2):
                ttl = struct.unpack("i", val[:4])[0]
    is_eq((data, ttl), (b"ttl-probe", 33),
          "UDP: a datagram sent after ttl 33 arrives with TTL 33")
    rx.close()
    is_eq(st.finish(), 0, "sockopt script exits 0")
    peer.close()

# On an IPv6 session ttl is the hop limit, and it is real too.
rx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
rx.bind(("::1", 0))
rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
rc, out, err = run("udp ::1 0\nsockopt 1 ttl 9\nsockopt 1 ttl\n"
                   "send 1 --to [::1]:%d hop-probe\n" % rx.getsockname()[1])
is_eq((rc, re.findall(r"^\[1\] ttl\s+(\S+)$", out, re.M)), (0, ["9", "9"]),
      "IPv6 UDP: sockopt ttl 9 reads back 9")
hops = None
data = None
if select.select([rx], [], [], 5)[0]:
    data, anc, _, _ = rx.recvmsg(100, socket.CMSG_SPACE(4))
    for lvl, typ, val in anc:
        if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_HOPLIMIT:
            hops = struct.unpack("i", val[:4])[0]
is_eq((data, hops), (b"hop-probe", 9),
      "IPv6 UDP: a datagram sent after ttl 9 arrives with hop limit 9")
rx.close()

# JSON: the result carries the option and its value.
rc, out, err = run("tcp-client %s %d\nsockopt 1 ttl 42\n" % (LO, SP), "--json")
res = [json.loads(l) for l in out.splitlines()
       if '"event":"result"' in l and '"sockopt"' in l]
val = res and res[-1].get("options", {}).get("ttl")
ok(rc == 0 and str(val) == "42", "JSON: sockopt result carries ttl 42", out + err)

# A failed sockopt changes nothing.
rc, out, err = run("tcp-client %s %d\nsockopt 1 ttl 17\nsockopt 1 ttl 999\n"
                   "sockopt 1 ttl\n" % (LO, SP), "--keep-going")
is_eq(rc, 1, "--keep-going script with a bad ttl exits 1")
is_eq(re.findall(r"^\[1\] ttl\s+(\S+)$", out, re.M), ["17", "17"],
      "the rejected ttl 999 left ttl at 17")

# Errors: exactly one clear error line, exit 1, the script stops.
bad = [
    ("sockopt 1 bogus", "an unknown option name", r"bogus"),
    ("sockopt 1 bogus 1", "an unknown option name with a value", r"bogus"),
    ("sockopt 1 ttl abc", "a non-numeric ttl", r"abc"),
    ("sockopt 1 ttl 256", "a ttl out of range", r"256"),
    ("sockopt 1 nodelay maybe", "a bad on/off value", r"maybe"),
    ("sockopt 1 rcvbuf -5", "a negative rcvbuf", r"-5"),
    ("sockopt 1 linger soon", "a bad linger value", r"soon"),
    ("sockopt 2 nodelay on", "nodelay on a UDP session", r"nodelay.*TCP|TCP.*nodelay"),
    ("sockopt 2 nodelay", "reading nodelay of a UDP session", r"nodelay.*TCP|TCP.*nodelay"),
    ("sockopt 9 ttl", "a session that does not exist", r"\b9\b"),
]
for line, what, names in bad:
    rc, out, err = run("tcp-client %s %d\nudp %s 0\n%s\necho AFTER-BAD\n"
                       % (LO, SP, LO, line))
    errs = [l for l in err.splitlines() if l.strip()]
    ok(rc == 1 and len(errs) == 1 and errs[0].startswith("error: sockopt:")
       and re.search(names, errs[0]) and "AFTER-BAD" not in out,
       "%s (`%s`) is one clear error, exit 1, script stops" % (what, line),
       "rc=%d\nstderr:\n%s\nstdout:\n%s" % (rc, err, out))

srv.close()
done()
