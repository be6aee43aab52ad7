#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, acceptance 1 (SPEC §3.11): `serial DEVICE [BAUD] [--mode]
[--flow]` on one end of a socat pty pair.  The line socktool sets is read
back from the device with TCGETS2 in python (a pty keeps the speed, any
speed, the stop bits, the parity odd flag and the flow control, and forces
CS8); `set ID baud|mode|flow` changes it live and `show` says it as the
device reports it; every byte value crosses both ways, and 1 MiB each way
exact; hex display; `modem` on a pty is one clean error; socat killed
closes the session with reason error."""
import json
import os
import re
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, need, run  # noqa: E402
import ptypair  # noqa: E402
from ptypair import (PtyPair, tcgets2, open_raw, read_exact, CSIZE, CS8,  # noqa: E402
                     CSTOPB, PARENB, PARODD, CRTSCTS, IXON)

need("socat")


def line_of(path):
    """The line of the tty at path, read back by TCGETS2 (the settings are
    the tty's, whoever opened it)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        return tcgets2(fd)
    finally:
        os.close(fd)


def mark(st, m):
    """Output and errors of the commands before an echo of m."""
    pos, epos = len(st.out), len(st.err)
    st.cmd("echo %s" % m)
    st.wait_for(r"^%s$" % m, start=pos)
    return (st.out[pos:] + st.err[epos:]).decode("utf-8", "replace")


def errors(st, epos, n):
    """The error lines since epos, once there are n of them (stderr is
    its own stream: it may come after stdout's echo)."""
    st.seen(r"(?:^error: .*\n){%d}" % n, stream="err", start=epos,
            timeout=5)
    return re.findall(r"^error: .*$", st.err[epos:].decode("utf-8",
                                                          "replace"), re.M)


def show(st, sid, m):
    pos = len(st.out)
    st.cmd("show %d" % sid)
    st.cmd("echo %s" % m)
    st.wait_for(r"^%s$" % m, start=pos)
    return st.out[pos:].decode("utf-8", "replace")


# 1. The line at open, read back from the device; set changes it live.
with PtyPair() as pp, Socktool("--keep-going") as st:
    st.cmd("serial %s 9600 --mode 7O2 --flow rtscts" % pp.a)
    m = st.seen(r"^\[1\] opened %s \((9600 8N2 rtscts)\)$" % re.escape(pp.a))
    ok(m, "serial opens the device and says its line as read back",
       st.text)
    iflag, cflag, isp, osp = line_of(pp.a)
    is_eq((osp, isp), (9600, 9600), "TCGETS2: the speed is 9600 both ways")
    ok(cflag & CSTOPB, "TCGETS2: two stop bits")
    ok(cflag & PARODD, "TCGETS2: the parity odd flag (a pty keeps it)")
    ok(cflag & CRTSCTS, "TCGETS2: RTS/CTS flow control")
    is_eq(cflag & CSIZE, CS8, "TCGETS2: a pty forces CS8")
    st.cmd("set 1 baud 250000")
    st.cmd("set 1 mode 8E1")
    st.cmd("set 1 flow xonxoff")
    mark(st, "S1")
    iflag, cflag, isp, osp = line_of(pp.a)
    is_eq((osp, isp), (250000, 250000),
          "set 1 baud 250000: a speed with no B constant reaches the device")
    ok(not cflag & CSTOPB and not cflag & PARODD,
       "set 1 mode 8E1: one stop bit, the odd flag gone")
    ok(iflag & IXON and not cflag & CRTSCTS,
       "set 1 flow xonxoff: IXON on, RTS/CTS off")
    out = show(st, 1, "S2")
    ok(re.search(r"^  line +250000 8N1 xonxoff$", out, re.M),
       "show: the line as the device reports it", out)
    ok(re.search(r"^  transport +tty %s$" % re.escape(pp.a), out, re.M),
       "show: the transport is the tty", out)
    epos = len(st.err)
    st.cmd("set 1 baud 9")
    st.cmd("set 1 mode 9X1")
    st.cmd("set 1 flow maybe")
    mark(st, "S3")
    out = "\n".join(errors(st, epos, 3))
    is_eq(len(re.findall(r"^error: set: ", out, re.M)), 3,
          "a bad baud, mode or flow is one error each")
    ok("bad baud rate \"9\"" in out and "bad mode \"9X1\"" in out and
       "bad flow control \"maybe\"" in out, "each error names the value",
       out)
    is_eq(line_of(pp.a)[3], 250000, "a refused value changes nothing")
    # modem on a pty: one clean error in words.
    epos = len(st.err)
    st.cmd("modem 1")
    st.cmd("modem 1 dtr off")
    mark(st, "S4")
    is_eq(errors(st, epos, 2),
          ["error: modem: %s has no modem lines (a pseudo-terminal)" % pp.a]
          * 2, "modem on a pty: the same clean error, once per command")
    # a session that is not a serial line
    st.cmd("udp-client 127.0.0.1 9")
    epos = len(st.err)
    st.cmd("set 2 baud 9600")
    st.cmd("modem 2")
    mark(st, "S5")
    out = "\n".join(errors(st, epos, 2))
    ok("error: set: session 2 is not a serial line" in out and
       "error: modem: session 2 is not a serial line" in out,
       "baud and modem on a UDP session: refused in words", out)

# 2. Every byte value both ways, hex display.
with PtyPair() as pp, Socktool("-j") as st:
    st.cmd("serial %s 115200" % pp.a)
    st.wait_for(r'"event":"connected"')
    fd = open_raw(pp.b)
    st.cmd("sendhex 1 " + "".join("%02x" % i for i in range(256)))
    got = read_exact(fd, 256)
    is_eq(got, bytes(range(256)), "every byte value, socktool -> device")
    os.write(fd, bytes(range(255, -1, -1)))
    hexes, rpos = "", 0
    while len(hexes) < 512:
        m = st.seen(r'"event":"recv".*?"hex":"([0-9a-f]*)"', start=rpos)
        if not m:
            break
        rpos = m.end()
        hexes += m.group(1).decode()
    is_eq(bytes.fromhex(hexes), bytes(range(255, -1, -1)),
          "every byte value, device -> socktool (JSON hex)")
    os.close(fd)

with PtyPair() as pp, Socktool() as st:
    st.cmd("serial %s" % pp.a)
    st.cmd("set 1 display hex")
    mark(st, "H0")
    fd = open_raw(pp.b)
    os.write(fd, b"\x00\x01\xfe\xffAB")
    m = st.seen(r"00 01 fe ff 41 42")
    ok(m, "hex display of what the device sent", st.text[-400:])
    os.close(fd)

# 3. 1 MiB each way, exact.
N = 1 << 20
data_out = os.urandom(N)
data_in = os.urandom(N)
with tempfile.TemporaryDirectory() as d, PtyPair() as pp, Socktool() as st:
    src = os.path.join(d, "out.bin")
    rx = os.path.join(d, "rx.bin")
    with open(src, "wb") as f:
        f.write(data_out)
    fd = open_raw(pp.b)
    st.cmd("serial %s 4000000" % pp.a)
    st.cmd("set 1 display none")
    st.cmd("log 1 %s --format raw --dir rx" % rx)
    mark(st, "M0")
    got = {}
    t = threading.Thread(target=lambda: got.setdefault(
        "b", read_exact(fd, N, timeout=60)))
    t.start()
    st.cmd("sendfile 1 %s" % src)
    os.write(fd, data_in)
    t.join(70)
    ok(got.get("b") == data_out, "1 MiB socktool -> device, exact",
       "got %d bytes" % len(got.get("b", b"")))
    full = False
    for i in range(600):
        out = show(st, 1, "M%d" % (i + 1))
        if re.search(r"^  received +%d bytes$" % N, out, re.M):
            full = True
            break
    ok(full, "1 MiB device -> socktool counted")
    st.cmd("log 1 off")
    mark(st, "MEND")
    with open(rx, "rb") as f:
        ok(f.read() == data_in, "1 MiB device -> socktool, exact (raw log)")
    os.close(fd)

# 4. The device goes away: socat killed closes the session, reason error.
with PtyPair() as pp, Socktool("-j") as st:
    st.cmd("serial %s" % pp.a)
    st.wait_for(r'"event":"connected"')
    pp.stop()
    m = st.seen(r'^\{.*"event":"closed".*$')
    ev = json.loads(m.group(0)) if m else {}
    is_eq(ev.get("reason"), "error", "socat killed: closed, reason error")
    ok(pp.a in ev.get("message", "") and "went away" in ev.get("message", ""),
       "the message says the device went away", ev)

# 6. idle: framing.  A writer on the other end sends bursts, each in a few
#    pieces a few ms apart; the next burst only after socktool showed the
#    last one (so the line was quiet for longer than the idle time): each
#    burst is one message, never cut inside.
def bursts(st, fd, pieces, gap, nb=4):
    """Write nb bursts; the recv events' sizes, in order."""
    sizes, rpos = [], 0
    for b in range(nb):
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(gap)     # the peer's pace, not a sync
            os.write(fd, piece)
        m = st.seen(r'^\{.*"event":"recv".*"bytes":(\d+).*$', start=rpos)
        if not m:
            break
        rpos = m.end()
        sizes.append(int(m.group(1)))
    return sizes


with PtyPair() as pp, Socktool("-j", "--keep-going") as st:
    st.cmd("serial %s 9600" % pp.a)
    st.cmd("set 1 framing idle:300ms")
    st.cmd("echo I0")
    st.wait_for(r'"text":"I0')
    fd = open_raw(pp.b)
    pieces = [bytes([0x01, 0x03]), bytes(range(0x10, 0x30)), b"\xff\x00\n"]
    sizes = bursts(st, fd, pieces, 0.005)
    is_eq(sizes, [37] * 4, "idle:300ms: four bursts of three pieces, four "
          "messages of 37 bytes")
    # idle:3.5c at 300 baud is 117 ms: pieces 5 ms apart stay one message
    st.cmd("set 1 baud 300")
    st.cmd("set 1 framing idle:3.5c")
    st.cmd("echo I1")
    st.wait_for(r'"text":"I1')
    rpos = len(st.out)
    sizes = bursts(st, fd, pieces, 0.005)
    is_eq(sizes, [37] * 4, "idle:3.5c at 300 baud: one message per burst")
    os.close(fd)
    epos = len(st.err)
    st.cmd("udp-client 127.0.0.1 9")
    st.cmd("set 2 framing idle:3.5c")
    st.cmd("set 2 framing idle:20ms")
    st.cmd("echo I2")
    st.wait_for(r'"text":"I2')
    m = st.seen(r'"error".*idle:Nc counts character times at a baud rate: '
                r'session 2 is not a serial line \(use idle:DUR\)',
                stream="out", timeout=5)
    ok(m, "idle:Nc on a session without a baud: one error in words",
       st.text[-600:] + st.err.decode()[-300:])

# idle: on TCP too (every kind): a python peer's bursts, one message each.
with Socktool("-j") as st:
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    st.cmd("tcp-client 127.0.0.1 %d" % srv.getsockname()[1])
    c, _ = srv.accept()
    st.wait_for(r'"event":"connected"')
    st.cmd("set 1 framing idle:250ms")
    st.cmd("echo T0")
    st.wait_for(r'"text":"T0')
    sizes, rpos = [], 0
    for b in range(3):
        for i, piece in enumerate([b"GET ", b"/ ", b"HTTP/1.0\r\n\r\n"]):
            if i:
                time.sleep(0.005)
            c.sendall(piece)
        m = st.seen(r'^\{.*"event":"recv".*"bytes":(\d+).*$', start=rpos)
        if not m:
            break
        rpos = m.end()
        sizes.append(int(m.group(1)))
    is_eq(sizes, [18] * 3, "idle:250ms on TCP: one message per burst")
    c.close()
    srv.close()

# 5. --reconnect: the device comes back (a new socat at the same link)
#    and is opened as a new session that says which one it replaces.
with tempfile.TemporaryDirectory() as d, Socktool() as st:
    link = os.path.join(d, "ttyX")
    pp = PtyPair(link=link)
    st.cmd("serial %s 19200 --mode 8N2 --reconnect 50ms" % link)
    ok(st.seen(r"^\[1\] opened %s \(19200 8N2\)$" % re.escape(link)),
       "--reconnect: the first session opens the device", st.text)
    # Changed by set (a pty keeps the speed and the stop bits, not the
    # data bits or parity): the device comes back with the line as last
    # set.
    st.cmd("set 1 baud 57600")
    st.cmd("set 1 mode 8N1")
    st.cmd("show 1")
    ok(st.seen(r"^  line +57600 8N1$"),
       "the line changed by set before the device goes", st.text[-900:])
    pp.stop()
    m = st.seen(r"^\[1\] closed \(error\): %s went away" % re.escape(link))
    ok(m, "the device gone: [1] closed (error)", st.text)
    ok(st.seen(r"^\[2\] reconnecting to %s in 50ms \(replaces 1" %
               re.escape(link)), "[2] waits for the device", st.text)
    pp = PtyPair(link=link)
    m = st.seen(r"^\[(\d+)\] opened %s \(57600 8N1\) \(replaces (\d+)\)$" %
                re.escape(link), timeout=40)
    ok(m, "the device back: opened again as a new session, with the line "
       "as last set, replacing the last one", st.text[-800:])
    fd = open_raw(pp.b)
    if m:
        st.cmd("send %s back" % m.group(1).decode())
    is_eq(read_exact(fd, 4, timeout=10), b"back",
          "the new session carries bytes")
    os.close(fd)
    pp.stop()

with PtyPair() as pp, Socktool("--keep-going") as st:
    epos = len(st.err)
    st.cmd("serial /nonexistent/tty0")
    st.cmd("serial /dev/null")
    mark(st, "E1")
    out = "\n".join(errors(st, epos, 2))
    ok("error: serial: cannot open /nonexistent/tty0: No such file or "
       "directory" in out, "a missing device is one error", out)
    ok("error: serial: /dev/null is not a serial device" in out,
       "a file that is not a tty is one error", out)
    epos = len(st.err)
    st.cmd("serial %s 12" % pp.a)
    st.cmd("serial %s --mode 8Q1" % pp.a)
    st.cmd("serial %s --flow dtr" % pp.a)
    mark(st, "E2")
    out = "\n".join(errors(st, epos, 3))
    is_eq(len(re.findall(r"^error: serial: ", out, re.M)), 3,
          "bad baud, mode, flow at open: one error each")

# help set names what set takes for a serial line, idle framing too.
rc, out, err = run("help set\n")
words = re.sub(r"\s+", " ", out)
ok(rc == 0 and "idle:DUR" in words and "idle:Nc" in words and
   "baud N" in words and "mode 8N1" in words and
   "flow none|rtscts|xonxoff" in words,
   "help set: idle framing and the serial line's baud, mode, flow", out)

done()
