#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, acceptance 2 (SPEC §3.11): `serial rfc2217://HOST:PORT BAUD`
against ser2net serving one end of a socat pty pair.  The baud and mode
asked at open, and the baud of a later `set`, reach the pty (ser2net sets
its line: read back on the pty with TCGETS2), and are confirmed by the
server (an event, and `show`); bytes, every value including 0xFF, cross
exact both ways (telnet escaping); modem commands are sent without waiting
for answers ser2net does not give for a pty."""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, need, wait_listening  # noqa: E402
from st import json_events as events  # noqa: E402
from ptypair import (PtyPair, tcgets2, open_raw, read_exact, CSTOPB,  # noqa: E402
                     PARODD)

need("socat")
need("ser2net")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def line_of(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        return tcgets2(fd)
    finally:
        os.close(fd)


with tempfile.TemporaryDirectory() as d, PtyPair() as pp:
    port = free_port()
    conf = os.path.join(d, "ser2net.yaml")
    with open(conf, "w") as f:
        f.write("connection: &con0\n"
                "  accepter: telnet(rfc2217),tcp,127.0.0.1,%d\n"
                "  connector: serialdev,%s,9600n81,local\n"
                "  options:\n"
                "    kickolduser: true\n" % (port, pp.a))
    srv = subprocess.Popen(["ser2net", "-n", "-u", "-c", conf, "-P",
                            os.path.join(d, "pid")],
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        with Socktool("-j") as st:
            # 1. The line asked at open reaches the pty.
            st.cmd("serial rfc2217://127.0.0.1:%d 57600 --mode 8O2" % port)
            m = st.seen(r'^\{.*"event":"line".*$')
            ev = json.loads(m.group(0)) if m else {}
            is_eq(ev.get("line"), "57600 8O2",
                  "the server confirms the line asked at open (line event)")
            _, cflag, isp, osp = line_of(pp.a)
            is_eq((osp, isp), (57600, 57600),
                  "57600 reached the pty (TCGETS2 on it)")
            ok(cflag & CSTOPB and cflag & PARODD,
               "two stop bits and odd parity reached the pty")
            # 2. set ID baud, live.
            pos = len(st.out)
            st.cmd("set 1 baud 38400")
            m = st.seen(r'^\{.*"event":"line".*$', start=pos)
            ev = json.loads(m.group(0)) if m else {}
            is_eq(ev.get("line"), "38400 8O2",
                  "set 1 baud 38400: confirmed by the server")
            is_eq(line_of(pp.a)[3], 38400, "38400 reached the pty")
            pos = len(st.out)
            st.cmd("show 1")
            m = st.seen(r'^\{.*"command":"show".*$', start=pos)
            res = json.loads(m.group(0)) if m else {}
            is_eq(res.get("line"), "38400 8O2 (confirmed by the server)",
                  "show: the line the server confirmed")
            is_eq(res.get("transport"), "rfc2217 over tcp",
                  "show: the transport is RFC 2217 over TCP")
            # 3. Every byte value both ways, 0xff included, and 64 KiB
            #    of random bytes each way (many 0xff: escaping).
            fd = open_raw(pp.b)
            st.cmd("sendhex 1 " + "".join("%02x" % i for i in range(256)))
            is_eq(read_exact(fd, 256), bytes(range(256)),
                  "every byte value, socktool -> ser2net -> pty")
            blob = os.urandom(65536) + b"\xff" * 1000
            pos = len(st.out)
            os.write(fd, bytes(range(255, -1, -1)) + blob)
            want = bytes(range(255, -1, -1)) + blob
            got, rpos = b"", pos
            while len(got) < len(want):
                m = st.seen(r'"event":"recv".*?"hex":"([0-9a-f]*)"',
                            start=rpos)
                if not m:
                    break
                rpos = m.end()
                got += bytes.fromhex(m.group(1).decode())
            ok(got == want, "every byte value and 65 KiB, pty -> ser2net -> "
               "socktool, exact", "got %d of %d bytes" % (len(got),
                                                         len(want)))
            with open(os.path.join(d, "blob"), "wb") as f:
                f.write(blob)
            st.cmd("sendfile 1 %s" % os.path.join(d, "blob"))
            ok(read_exact(fd, len(blob), timeout=30) == blob,
               "65 KiB with 1000 0xff, socktool -> pty, exact")
            # 4. Modem lines: sent, not waited for.
            pos = len(st.out)
            st.cmd("modem 1 dtr off rts on break 50ms")
            m = st.seen(r'^\{.*"command":"modem".*$', start=pos)
            ok(m and '"error"' not in st.out[pos:].decode(),
               "modem over RFC 2217: accepted without an answer",
               st.out[pos:].decode()[-400:])
            os.close(fd)
    finally:
        srv.kill()
        srv.wait()

# The option codec's refusals: a bad URL is one error.
with Socktool("--keep-going") as st:
    epos = len(st.err)
    st.cmd("serial rfc2217://127.0.0.1 9600")
    st.cmd("serial rfc2217://127.0.0.1:1 9600 --reconnect")
    st.cmd("echo E")
    st.wait_for(r"^E$")
    m = st.seen(r"(?:^error: .*\n){2}", stream="err", start=epos)
    errs = re.findall(r"^error: .*$", st.err[epos:].decode(), re.M)
    is_eq(len(errs), 2, "a URL without a port, and --reconnect: one error "
          "each")

done()
