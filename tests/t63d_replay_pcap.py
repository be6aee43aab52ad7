#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19, acceptance 2, the pcap half (SPEC §3.13): `replay` from a pcap
log (`log --format pcap`) and from a capture dumpcap made on a loopback
interface (Ethernet framing, real TCP options, ACKs, in a private network
namespace the test makes): requests in order, each answer awaited (a server
that answers late proves it), the changed byte reported exactly, --speed,
--no-wait; a capture of TLS records and a cut capture are one error each."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, skip, done, run, Socktool,  # noqa: E402
                deadline_loop)
import st as stlib  # noqa: E402


class LineServer:
    """Upper-cases each line; with diff, 'two' is answered 'TWO!'; with
    late, 'one' is answered after an event is set."""

    def __init__(self, diff=False, late=None):
        self.diff, self.late = diff, late
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.port = self.s.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,),
                             daemon=True).start()

    def serve(self, c):
        for line in c.makefile("rb"):
            if self.diff and line.strip() == b"two":
                c.sendall(b"TWO!\n")
                continue
            if self.late is not None and line.strip() == b"one":
                self.late.wait(10)
            c.sendall(line.upper())
        c.close()

    def close(self):
        self.s.close()


CONV = ("set 1 framing line\n"
        "send 1 one\\n\n"
        "expect 1 ONE\n"
        "send 1 two\\n\n"
        "expect 1 TWO\n"
        "send 1 three\\n\n"
        "expect 1 THREE\n"
        "close 1\n")


def inner(path):
    """In a private network namespace: dumpcap on lo while socktool talks
    to a line server; the capture is left at path."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True,
                   timeout=10)
    cap = subprocess.Popen(["dumpcap", "-i", "lo", "-f", "tcp", "-w", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    got = b""
    while b"Capturing on" not in got:       # bounded: dumpcap ends or says
        line = cap.stderr.readline()
        if not line:
            sys.exit("dumpcap did not start: %r" % got)
        got += line
    # "Capturing on" comes before the capture does: connect to a probe
    # port until the file shows it (a connection without data, which a
    # recording passes over).
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    probe.listen(64)
    pport = probe.getsockname()[1]
    for _ in deadline_loop(20, "dumpcap to capture"):
        socket.create_connection(("127.0.0.1", pport), timeout=5).close()
        probe.accept()[0].close()
        seen = subprocess.run(["tshark", "-r", path, "-Y",
                               "tcp.port==%d" % pport],
                              stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=20)
        if seen.stdout.strip():
            break
        time.sleep(0.05)
    srv = LineServer()
    rc, out, err = run("tcp-client 127.0.0.1 %d\n" % srv.port + CONV)
    # dumpcap writes what it captured every so often: wait (bounded) until
    # the file holds both FINs, then stop it.
    for _ in deadline_loop(20, "dumpcap to write the FINs"):
        fins = subprocess.run(["tshark", "-r", path, "-Y",
                               "tcp.flags.fin==1"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=20)
        if fins.stdout.count(b"\n") >= 2:
            break
        time.sleep(0.05)
    cap.send_signal(signal.SIGINT)
    cap.communicate(timeout=20)
    sys.exit(rc)


if len(sys.argv) == 3 and sys.argv[1] == "--inner":
    inner(sys.argv[2])

tmp = tempfile.mkdtemp()
pcap = os.path.join(tmp, "conv.pcapng")
tlspcap = os.path.join(tmp, "tls.pcapng")

srv = LineServer()
rc, out, err = run("tcp-client 127.0.0.1 %d\n" % srv.port +
                   "log 1 %s --format pcap\n" % pcap + CONV)
is_eq(rc, 0, "the recording session ran")

rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv.port,
                                                              pcap))
is_eq(rc, 0, "replay from a pcap log against the same server: exit 0")
ok(re.search(r"\[1\] step 3: ok \(\d+\.\d+ ms\)", out) and
   "3 steps, 0 differed" in out, "three steps, each ok with its latency",
   out + err)

srv2 = LineServer(diff=True)
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv2.port,
                                                               pcap))
is_eq(rc, 1, "against a server answering differently: exit 1")
ok(re.search(r'\[1\] step 2: changed at offset 3: expected "\\n", '
             r'received "!\\n"', out), "the step and the byte named", out)

late = threading.Event()
srv3 = LineServer(late=late)
t = threading.Timer(0.3, late.set)      # releases the answer; not a sync
t.start()
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv3.port,
                                                              pcap))
is_eq(rc, 0, "a late answer is awaited")
m = re.search(r"step 1: ok \((\d+\.\d+) ms\)", out)
ok(m and float(m.group(1)) >= 1.0, "its latency is the wait", out)

rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1 --no-wait\n" % (
    srv.port, pcap))
is_eq(rc, 0, "--no-wait from a pcap: exit 0")
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1 --speed 4\n" % (
    srv.port, pcap))
is_eq(rc, 0, "--speed 4 from a pcap: exit 0")

# A capture made by dumpcap (another program's pcapng, Ethernet on lo).
dump = os.path.join(tmp, "dumpcap.pcapng")
try:
    p = subprocess.run(["unshare", "-rn", sys.executable, __file__,
                        "--inner", dump], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60,
                       env=dict(os.environ, SOCKTOOL=stlib.SOCKTOOL))
    can = p.returncode == 0 and os.path.exists(dump)
    why = p.stderr.decode(errors="replace")[-300:]
except (OSError, subprocess.SubprocessError) as e:
    can, why = False, str(e)
if can:
    rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (
        srv.port, dump))
    ok(rc == 0 and "3 steps, 0 differed" in out,
       "replay of dumpcap's capture: the three steps, exit 0", out + err)
    rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (
        srv2.port, dump))
    ok(rc == 1 and "step 2: changed at offset 3" in out,
       "dumpcap's capture: the changed byte named", out)
else:
    skip("replay of dumpcap's capture", "no capture in a namespace: " +
         why)
    skip("dumpcap's capture: the changed byte named", "as above")

# Errors: TLS records, a cut file, a capture without TCP or UDP.
with Socktool() as st:
    st.cmd("tls-server 127.0.0.1 0")
    tport = st.port(1)
    st.cmd("tls-client 127.0.0.1 %d --insecure" % tport)
    st.cmd("log 2 %s --format pcap" % tlspcap)
    st.wait_for(r"\[2\] logging to")
    st.cmd("wait 2 connected")
    st.cmd("send 2 hello")
    st.cmd("expect 3 hello")
    st.cmd("close 2")
    st.wait_for(r"\[2\] closed")
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (
    srv.port, tlspcap))
ok(rc == 1 and "TLS records" in err, "a capture of TLS records: one "
   "error saying so", err)
cut = os.path.join(tmp, "cut.pcapng")
with open(pcap, "rb") as f, open(cut, "wb") as g:
    g.write(f.read()[:-5])
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv.port,
                                                              cut))
ok(rc == 1 and "at byte" in err and err.count("\n") == 1,
   "a cut capture: one error with the offset", err)
srv.close()
srv2.close()
srv3.close()
done()
