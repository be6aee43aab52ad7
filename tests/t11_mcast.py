#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 3, acceptance 4 and 5: IPv4 and IPv6 multicast groups and IPv4
broadcast, all inside a private network namespace this test creates (the file
re-executes itself under `unshare -rn`); no traffic touches a real interface."""
import os
import re
import select
import socket
import struct
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, skip, skip_all, run, Socktool,  # noqa: E402
                recv_dgram)
import netns  # noqa: E402

netns.enter("-rn")

# ---- from here on we are alone in a fresh network namespace ----
try:
    netns.lo_multicast()
except netns.ERRORS as e:
    skip_all("cannot set up loopback multicast in the namespace: %s" % e)

veth_error = None
try:
    netns.veth_pair()
except netns.ERRORS as e:
    veth_error = str(e).strip().splitlines()[0] if str(e).strip() else repr(e)


def chunks(text, sid):
    """[(from, data)] of every datagram shown for session sid."""
    return [(m.group(1), m.group(2)) for m in re.finditer(
        r"^\[%d\] < \d+ bytes? from (\S+)\n(.*)$" % sid, text, re.M)]


def wait_recv(st, sid, data, name, timeout=5):
    return ok(st.seen(r"^\[%d\] < \d+ bytes? from \S+\n%s\n"
                      % (sid, re.escape(data)), timeout),
              name, st.text[-2000:])


# ---- IPv4 multicast on lo ----
G1, G2, PORT = "239.1.1.1", "239.1.1.2", 5000
with Socktool() as st:
    st.cmd("mcast %s %d --iface 127.0.0.1" % (G1, PORT))
    st.cmd("mcast %s %d --iface 127.0.0.1" % (G1, PORT))
    st.cmd("mcast %s %d --iface 127.0.0.1" % (G2, PORT))
    try:
        st.wait_for(r"^\[3\] bound on .*\n")
    except TimeoutError as e:
        ok(False, "three IPv4 mcast sessions created", e)
    ok(re.search(r"^\[1\] bound on %s:%d" % (re.escape(G1), PORT), st.text,
                 re.M), "IPv4 mcast session reports its group and port",
       st.text)

    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                  socket.inet_aton("127.0.0.1"))
    tx.bind(("127.0.0.1", 0))
    src = "127.0.0.1:%d" % tx.getsockname()[1]
    tx.sendto(b"to-group-one", (G1, PORT))
    wait_recv(st, 1, "to-group-one", "IPv4: first session on the group receives")
    wait_recv(st, 2, "to-group-one", "IPv4: second session on the group receives")
    # A datagram to the other group, sent afterwards, is the first and only
    # thing session 3 may see.
    tx.sendto(b"to-group-two", (G2, PORT))
    wait_recv(st, 3, "to-group-two", "IPv4: session on the other group gets its own group")
    is_eq(chunks(st.text, 3), [(src, "to-group-two")],
          "IPv4: session on another group (same port) did not get the first group's datagram")
    is_eq(chunks(st.text, 1), [(src, "to-group-one")],
          "IPv4: session on group one got exactly one datagram, from the sender")

    # socktool's send on an mcast session goes to the group.
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rx.bind((G1, PORT))
    rx.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                  socket.inet_aton(G1) + socket.inet_aton("127.0.0.1"))
    st.cmd("send 3 not-for-group-one")
    st.cmd("send 1 hello-group-one")
    d = recv_dgram(rx)
    is_eq(d and d[0], b"hello-group-one",
          "IPv4: send on an mcast session reaches a receiver joined to the group")
    is_eq(d and d[1][1], PORT, "IPv4: ... sent from the group's port")
    ok(st.seen(r"^\[1\] > 15 bytes to %s:%d\n" % (re.escape(G1), PORT)),
       "IPv4: the sent line names the group", st.text[-2000:])
    is_eq(st.finish(), 0, "IPv4 multicast script exits 0")
    rx.close()
    tx.close()

# ---- --no-loop, over the veth pair (on lo every send comes back anyway) ----
G3 = "239.2.2.2"
if veth_error:
    for n in range(5):
        skip("--no-loop check %d" % (n + 1),
             "no veth pair in the namespace: %s" % veth_error)
else:
    v1 = socket.if_nametoindex("v1")
    rxs = []
    for port in (PORT + 1, PORT + 2):
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        r.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"v1")
        r.bind((G3, port))
        r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     socket.inet_aton(G3) + socket.inet_aton("10.9.0.2"))
        rxs.append(r)
    with Socktool() as st:
        st.cmd("mcast %s %d --iface v0 --no-loop" % (G3, PORT + 1))
        st.cmd("mcast %s %d --iface v0" % (G3, PORT + 2))
        st.cmd("send 1 sent-no-loop")
        st.cmd("send 2 sent-with-loop")
        d = recv_dgram(rxs[0])
        is_eq(d and d[0], b"sent-no-loop",
              "IPv4 --iface v0 --no-loop: the send crosses the link")
        d = recv_dgram(rxs[1])
        is_eq(d and d[0], b"sent-with-loop",
              "IPv4 --iface v0: the send crosses the link")
        wait_recv(st, 2, "sent-with-loop",
                  "IPv4: without --no-loop the session sees its own send")
        # A datagram coming back over the link, sent after both sends, must
        # be the first and only one the --no-loop session shows.
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                      socket.inet_aton("10.9.0.2"))
        tx.bind(("10.9.0.2", 0))
        tx.sendto(b"marker-from-v1", (G3, PORT + 1))
        wait_recv(st, 1, "marker-from-v1",
                  "IPv4: the --no-loop session receives from the link")
        is_eq([c[1] for c in chunks(st.text, 1)], ["marker-from-v1"],
              "IPv4: the --no-loop session did not see its own send")
        st.finish()
        tx.close()
    for r in rxs:
        r.close()

# ---- IPv6 multicast over the veth pair ----
G6A, G6B, P6 = "ff12::1234", "ff12::1235", 6000
if veth_error:
    for n in range(8):
        skip("IPv6 multicast check %d" % (n + 1),
             "no veth pair in the namespace: %s" % veth_error)
else:
    v0 = socket.if_nametoindex("v0")
    v1 = socket.if_nametoindex("v1")
    with Socktool() as st:
        st.cmd("mcast %s %d --iface v1" % (G6A, P6))
        st.cmd("mcast %s %d --iface v1" % (G6A, P6))
        st.cmd("mcast %s %d --iface v1" % (G6B, P6))
        try:
            st.wait_for(r"^\[3\] bound on .*\n")
        except TimeoutError as e:
            ok(False, "three IPv6 mcast sessions created", e)
        tx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        tx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, v0)
        tx.bind(("fd00::1", 0))
        src = "[fd00::1]:%d" % tx.getsockname()[1]
        tx.sendto(b"v6-group-a", (G6A, P6))
        wait_recv(st, 1, "v6-group-a", "IPv6: first session on the group receives")
        wait_recv(st, 2, "v6-group-a", "IPv6: second session on the group receives")
        tx.sendto(b"v6-group-b", (G6B, P6))
        wait_recv(st, 3, "v6-group-b", "IPv6: session on the other group gets its own group")
        is_eq(chunks(st.text, 3), [(src, "v6-group-b")],
              "IPv6: session on another group did not get the first group's datagram")
        is_eq(chunks(st.text, 2), [(src, "v6-group-a")],
              "IPv6: second session got exactly one datagram, from the sender")
        tx.close()

        # socktool sends on v0; a python receiver joined on v1 gets it.
        rx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"v1")
        rx.bind(("::", P6 + 1))
        rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                      socket.inet_pton(socket.AF_INET6, G6A) +
                      struct.pack("@I", v1))
        st.cmd("mcast %s %d --iface v0" % (G6A, P6 + 1))
        st.cmd("send 4 hello-v6-group")
        d = recv_dgram(rx)
        is_eq(d and d[0], b"hello-v6-group",
              "IPv6: send on an mcast session reaches a receiver joined on the "
              "other end of the link")
        ok(d and d[1][0] in ("fd00::1", "fe80::1") and d[1][1] == P6 + 1,
           "IPv6: ... from one of v0's addresses and the group's port",
           d and d[1])
        rx.close()
        is_eq(st.finish(), 0, "IPv6 multicast script exits 0")

# ---- IPv6 link-local addresses with %iface ----
if veth_error:
    for n in range(4):
        skip("link-local check %d" % (n + 1),
             "no veth pair in the namespace: %s" % veth_error)
else:
    rx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    rx.bind(("fe80::2", 0, 0, socket.if_nametoindex("v1")))
    lp = rx.getsockname()[1]
    with Socktool() as st:
        st.cmd("udp fe80::1%v0 0")
        m = st.seen(r"^\[1\] bound on \[fe80::1%v0\]:(\d+)\n")
        ok(m, "udp fe80::1%v0 0 is bound on [fe80::1%v0]", st.text)
        st.cmd("send 1 --to [fe80::2%%v0]:%d link-local-out" % lp)
        d = recv_dgram(rx)
        is_eq(d and (d[0], d[1][0]), (b"link-local-out", "fe80::1"),
              "send --to [fe80::2%v0]:P crosses the link")
        if m:
            rx.sendto(b"link-local-in", ("fe80::1", int(m.group(1)), 0,
                                         socket.if_nametoindex("v1")))
        wait_recv(st, 1, "link-local-in",
                  "a datagram from fe80::2 arrives")
        ok(re.search(r"^\[1\] < 13 bytes from \[fe80::2%%v0\]:%d$" % lp,
                     st.text, re.M),
           "... shown from [fe80::2%v0]:port", st.text)
        st.finish()
    rx.close()

# ---- IPv4 broadcast over the veth pair (acceptance 5) ----
if veth_error:
    for n in range(7):
        skip("broadcast check %d" % (n + 1),
             "no veth pair in the namespace: %s" % veth_error)
else:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"v1")
    rx.bind(("0.0.0.0", 0))
    bp = rx.getsockname()[1]
    with Socktool() as st:
        st.cmd("udp 10.9.0.1 0 --broadcast")
        sport = st.port(1)
        st.cmd("send 1 --to 10.9.0.255:%d hello-broadcast" % bp)
        d = recv_dgram(rx)
        is_eq(d and d[0], b"hello-broadcast",
              "--broadcast session's send to the subnet broadcast crosses the link")
        is_eq(d and d[1], ("10.9.0.1", sport), "... from the session's address")
        st.cmd("send 1 --to 255.255.255.255:%d hello-limited" % bp)
        d = recv_dgram(rx)
        is_eq(d and d[0], b"hello-limited",
              "--broadcast session's send to 255.255.255.255 crosses the link")
        is_eq(st.finish(), 0, "broadcast script exits 0")

    # Without --broadcast the kernel refuses (EACCES): one error, nothing sent.
    # `sockopt broadcast on` then allows it; the receiver's first datagram
    # must be the allowed one.
    rc, out, err = run("udp 10.9.0.1 0\n"
                       "send 1 --to 10.9.0.255:%d refused-broadcast\n"
                       "sockopt 1 broadcast on\n"
                       "send 1 --to 10.9.0.255:%d allowed-broadcast\n"
                       % (bp, bp), "--keep-going")
    is_eq(rc, 1, "a broadcast send without --broadcast fails (exit 1)")
    ok(err.count("error:") == 1 and
       re.search(r"error: send: .*(permission denied|EACCES|--broadcast)",
                 err, re.I),
       "exactly one error line, saying the send was not permitted", err)
    d = recv_dgram(rx)
    is_eq(d and d[0], b"allowed-broadcast",
          "nothing left without --broadcast; after sockopt broadcast on it does")
    rx.close()

done()
