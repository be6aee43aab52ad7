#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.5/7: no file operation blocks the loop.  A path the user names
for `log`, `source`, `--keylog` (and $SSLKEYLOGFILE), `--cert` or `--ca`
that is a FIFO used to hold socktool in open() for ever: nothing serviced,
SIGTERM ignored.  Now a FIFO, socket or directory is refused at once in
words, the next command runs, and regular files and character devices
(/dev/null) are still accepted."""
import os
import shutil
import signal
import socket
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t42-")
FIFO = os.path.join(tmp, "fifo")
os.mkfifo(FIFO)
SOCK = os.path.join(tmp, "sock")
_s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
_s.bind(SOCK)


def refused(setup, line, what, kind="a FIFO", env=None):
    """Run setup, then line, then an echo: the error comes at once, names
    the path and its kind, and the echo after it runs."""
    with Socktool("--keep-going", env=env) as st:
        for s in setup:
            st.cmd(s)
        st.cmd(line)
        st.cmd("echo NEXT-AFTER")
        try:
            m = st.wait_for(r"^error: .*$", stream="err", timeout=10)
            err = m.group(0).decode()
            st.wait_for(r"^NEXT-AFTER$", timeout=10)
        except TimeoutError as e:
            ok(False, "%s: refused at once, the next line runs" % what, e)
            return None
        ok(" is %s: " % kind in err, "%s: refused at once, in words (%s)" %
           (what, err), err)
        st.cmd("quit")
        st.wait_exit(10)
        return st


refused(["tcp-server 127.0.0.1 0"], "log 1 %s" % FIFO, "log 1 FIFO")
st = refused(["tcp-server 127.0.0.1 0"], "log all %s --format pcap" % FIFO,
             "log all FIFO --format pcap")
if st is not None:
    ok(b"logs go to regular files or /dev/null (a FIFO could block socktool)"
       in st.err, "the error says what logs go to and why", st.err)
refused(["tcp-server 127.0.0.1 0"], "log 1 %s" % tmp, "log 1 DIR",
        "a directory")
refused(["tcp-server 127.0.0.1 0"], "log 1 %s" % SOCK, "log 1 SOCKET",
        "a socket")
refused([], "source %s" % FIFO, "source FIFO")
refused([], "tls-server 127.0.0.1 0 --keylog %s" % FIFO,
        "tls-server --keylog FIFO")
refused(["tls-server 127.0.0.1 0"], "tls-client 127.0.0.1 1 --keylog %s" %
        FIFO, "tls-client --keylog FIFO")
refused([], "tls-client 127.0.0.1 1 --ca %s" % FIFO, "tls-client --ca FIFO")
refused([], "tls-server 127.0.0.1 0 --cert %s" % FIFO,
        "tls-server --cert FIFO")

# $SSLKEYLOGFILE naming a FIFO: one error, TLS goes on without it.
with Socktool(env={"SSLKEYLOGFILE": FIFO}) as st:
    st.cmd("tls-server 127.0.0.1 0")
    st.cmd("echo NEXT-AFTER")
    try:
        m = st.wait_for(r"^error: SSLKEYLOGFILE: .*$", stream="err",
                        timeout=10)
        st.wait_for(r"^NEXT-AFTER$", timeout=10)
        ok(b"is a FIFO" in m.group(0) and b"listening on" in st.out,
           "SSLKEYLOGFILE a FIFO: said once, the server still listens",
           st.out + st.err)
    except TimeoutError as e:
        ok(False, "SSLKEYLOGFILE a FIFO: socktool goes on", e)

# Nothing changed by a refused log, and /dev/null is still a log.
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    st.cmd("log 1 /dev/null")
    st.cmd("log")
    st.cmd("echo NEXT-AFTER")
    try:
        st.wait_for(r"^NEXT-AFTER$", timeout=10)
    except TimeoutError as e:
        ok(False, "log to /dev/null", e)
    ok(b"[1] logging to /dev/null" in st.out and
       b"[1] log to /dev/null (raw, both" in st.out and not st.err,
       "/dev/null is accepted as a log", st.out + st.err)
    st.cmd("quit")
    is_eq(st.wait_exit(10), 0, "and the script succeeds")

with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    st.cmd("log 1 %s" % FIFO)
    st.cmd("log")
    st.cmd("echo NEXT-AFTER")
    try:
        st.wait_for(r"^NEXT-AFTER$", timeout=10)
        ok(b"no active logs" in st.out, "a refused log leaves no log",
           st.out)
    except TimeoutError as e:
        ok(False, "a refused log leaves no log", e)

# `log` lists every log, not the first 64.
with Socktool("-q") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    for i in range(70):
        st.cmd("log 1 %s" % os.path.join(tmp, "l%d" % i))
    st.cmd("log")
    st.cmd("echo NEXT-AFTER")
    try:
        st.wait_for(r"^NEXT-AFTER$", timeout=10)
    except TimeoutError as e:
        ok(False, "70 logs", e)
    is_eq(st.text.count("[1] log to "), 70, "log lists all 70 logs")

# SIGTERM ends a socktool that was asked to log to a FIFO.
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    st.cmd("log 1 %s" % FIFO)
    try:
        st.wait_for(r"^error: ", stream="err", timeout=5)
    except TimeoutError:
        pass                    # the old code never answers; signal anyway
    st.p.send_signal(signal.SIGTERM)
    try:
        st.p.wait(10)
        ok(True, "SIGTERM ends socktool after log to a FIFO")
    except Exception as e:      # noqa: BLE001 (subprocess.TimeoutExpired)
        ok(False, "SIGTERM ends socktool after log to a FIFO", e)

_s.close()
shutil.rmtree(tmp, ignore_errors=True)
done()
