#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11: --rate N/s paces a --repeat; every message goes out, in order,
filled anew; misuse is one usage error.  (Its accuracy is measured by make
bench, never asserted on a clock here.)"""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done  # noqa: E402

peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
peer.bind(("127.0.0.1", 0))
peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
peer.settimeout(10)
P = peer.getsockname()[1]

N = 500
r = subprocess.run([SOCKTOOL], input=(
    "udp 127.0.0.1 0\nset 1 display none\n"
    "send 1 --to 127.0.0.1:%d --repeat %d --rate 5000/s --fill {seq}\n"
    % (P, N)).encode(), capture_output=True, timeout=60)
is_eq((r.returncode, r.stderr), (0, b""), "a paced repeat runs to the end")
got = []
try:
    while len(got) < N:
        got.append(int(peer.recv(100)))
except socket.timeout:
    pass
is_eq(got, list(range(1, N + 1)), "all %d messages arrive, in order" % N)

for line, what in (("--rate 100/s x", "--rate without --repeat"),
                   ("--repeat 3 --every 1s --rate 10/s x", "--rate with --every"),
                   ("--repeat 3 --rate fast x", "a bad rate"),
                   ("--repeat 3 --rate 0/s x", "a zero rate")):
    r = subprocess.run([SOCKTOOL], input=("udp 127.0.0.1 0\nsend 1 --to "
                                          "127.0.0.1:%d %s\n" % (P, line))
                       .encode(), capture_output=True, timeout=30)
    errs = [l for l in r.stderr.decode().splitlines() if l.strip()]
    ok(r.returncode == 1 and len(errs) == 1 and "rate" in errs[0],
       "%s is one usage error" % what, errs)
done()
