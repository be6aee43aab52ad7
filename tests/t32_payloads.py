#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11, acceptance 1-2: --append puts the checksum on the wire in the
protocol's byte order; --fill expands placeholders on every repeat; a bad
placeholder is one error and sends nothing."""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done, Socktool  # noqa: E402

peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
peer.bind(("127.0.0.1", 0))
peer.settimeout(10)
P = peer.getsockname()[1]


def run(lines):
    return subprocess.run([SOCKTOOL], input=("udp 127.0.0.1 0\n" + lines +
                                             "\n").encode(),
                          capture_output=True, timeout=30)


def recv(n):
    out = []
    for _ in range(n):
        out.append(peer.recv(70000))
    return out


def run_until_received(lines, n):
    """Repeats arrive over time: socktool keeps its input open until the
    peer has n datagrams (the event), then ends; returns (rc, datagrams)."""
    with Socktool() as st:
        st.cmd("udp 127.0.0.1 0\n" + lines)
        got = recv(n)
        return st.finish(), got


r = run("sendhex 1 --to 127.0.0.1:%d --append crc16-modbus 01 03 00 00 00 0a"
        % P)
is_eq((r.returncode, recv(1)), (0, [bytes.fromhex("01030000000ac5cd")]),
      "Modbus read-holding-registers + crc16-modbus is 01 03 00 00 00 0a c5 cd")

r = run("send 1 --to 127.0.0.1:%d --append crc32 123456789" % P)
is_eq(recv(1), [b"123456789" + bytes.fromhex("cbf43926")[::-1]],
      "crc32 appended little-endian")
r = run("send 1 --to 127.0.0.1:%d --append crc16-ccitt:le 123456789" % P)
is_eq(recv(1), [b"123456789" + bytes.fromhex("b129")],
      ":le overrides the byte order")

rc, got = run_until_received("send 1 --to 127.0.0.1:%d --fill --repeat 3 "
                             "--every 10ms id={seq:04} len={len}" % P, 3)
is_eq(got, [b"id=0001 len=14", b"id=0002 len=14", b"id=0003 len=14"],
      "--fill with --repeat 3: seq 0001..0003 and the length, each send")

r = run("sendhex 1 --to 127.0.0.1:%d --fill --append xor8 {seq:u16be} "
        "{len:u16be} ff" % P)
msg = recv(1)[0]
is_eq(msg[:5], b"\x00\x01\x00\x06\xff",
      "{seq:u16be} and {len:u16be} are binary; len counts the checksum")
x = 0
for b in msg[:5]:
    x ^= b
is_eq(msg[5:], bytes([x]), "xor8 of the filled message appended")

rc, (a, b) = run_until_received("send 1 --to 127.0.0.1:%d --fill --repeat 2 "
                                "--every 10ms {rand:8}" % P, 2)
ok(len(a) == 8 and len(b) == 8 and a != b, "{rand:8} differs between repeats",
   (a, b))

for bad, name in (("{bogus}", "bogus"), ("{seq:0x}", "seq:0x"),
                  ("{rand:0}", "rand")):
    r = run("send 1 --to 127.0.0.1:%d --fill x%s" % (P, bad))
    errs = [l for l in r.stderr.decode().splitlines() if l.strip()]
    ok(r.returncode == 1 and len(errs) == 1 and name in errs[0],
       "bad placeholder %s: one error naming it" % bad, errs)
peer.settimeout(0.3)
try:
    extra = peer.recv(100)
except socket.timeout:
    extra = None
is_eq(extra, None, "nothing was sent by the failed commands")
r = run("send 1 --to 127.0.0.1:%d --append crc99 x" % P)
ok(r.returncode == 1 and b"crc99" in r.stderr, "an unknown checksum is an error",
   r.stderr)
done()
