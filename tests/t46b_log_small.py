#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, small log items:
(a) a log that cannot be written says so as the log's own error, without
    the script line of whatever command ran when it failed;
(b) a log whose file was deleted stops with one error instead of writing
    on into the deleted file;
(c) the kernel's own files (/proc/self/mem is "regular") and devices other
    than /dev/null and its kin are refused as logs; /dev/null is a log;
(d) `log off` says `log ID off` or `log all off`."""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, free_port, connect  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t46b-")


def mark(st, name):
    pos = len(st.out)
    st.cmd("echo %s" % name)
    st.wait_for(r"^%s$" % name, start=pos)


# ---- (a) ---------------------------------------------------------------------
port = free_port()
script = os.path.join(tmp, "full.st")
with open(script, "w") as f:
    f.write("tcp-server 127.0.0.1 %d\ntcp-client 127.0.0.1 %d\n"
            "wait 2 connected\nlog 2 /dev/full\nsend 2 hello\nclose 2\n"
            "wait 3 closed\necho DONE\n" % (port, port))
with Socktool("--keep-going", script) as st:
    st.wait_for(r"^DONE$", timeout=20)
    m = st.wait_for(r"^error: .*/dev/full.*$", stream="err", timeout=10)
    line = m.group(0).decode()
    is_eq(line, "error: log: /dev/full: No space left on device; log "
          "stopped", "a log write error is the log's own, with no script "
          "line of an unrelated command")
    is_eq(st.err.decode().count("error:"), 1, "said once")
    st.finish()

# ---- (b) ---------------------------------------------------------------------
path = os.path.join(tmp, "gone.log")
with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    c = connect(st.port(1))
    st.wait_for(r"^\[2\] accepted")
    st.cmd("log 2 %s" % path)
    st.wait_for(r"^\[2\] logging to ")
    os.unlink(path)
    st.cmd("send 2 into-the-void")
    try:
        m = st.wait_for(r"^error: .*deleted.*$", stream="err", timeout=10)
        is_eq(m.group(0).decode(), "error: log: %s: the file was deleted; "
              "log stopped" % path, "a deleted log file is said once and "
              "the log stops")
    except TimeoutError as e:
        ok(False, "a deleted log file is said once and the log stops", e)
    pos = len(st.out)
    st.cmd("log")
    mark(st, "LISTED")
    ok(b"no active logs" in st.out[pos:], "no log is left", st.out[pos:])
    st.cmd("send 2 still-here")
    c.settimeout(10)
    got = b""
    while b"still-here" not in got:
        got += c.recv(100)
    ok(True, "the session goes on")
    is_eq(st.err.decode().count("deleted"), 1, "the deletion is said once")
    c.close()
    st.finish()

# ---- (c) ---------------------------------------------------------------------
for bad, why in (("/proc/self/mem", "is a file of the kernel's (/proc)"),
                 ("/dev/urandom", "is a device other than /dev/null")):
    if not os.path.exists(bad):
        continue
    with Socktool("--keep-going") as st:
        st.cmd("udp 127.0.0.1 0")
        st.cmd("log 1 %s" % bad)
        st.cmd("log")
        mark(st, "AFTER")
        st.seen(r"^error: ", stream="err")
        ok(why.encode() in st.err and b"no active logs" in st.out and
           st.err.count(b"error:") == 1, "log 1 %s is refused in one line "
           "and no log starts" % bad, st.out + st.err)
        st.finish()
with Socktool() as st:
    st.cmd("udp 127.0.0.1 0")
    st.cmd("log 1 /dev/null")
    st.cmd("log 1 %s" % os.path.join(tmp, "plain.log"))
    st.cmd("log")
    mark(st, "AFTER")
    ok(b"log to /dev/null" in st.out and b"plain.log" in st.out and
       not st.err, "/dev/null and a regular file are logs", st.out + st.err)
    st.finish()

# ---- (d) ---------------------------------------------------------------------
with Socktool("--keep-going") as st:
    st.cmd("log off")
    mark(st, "AFTER")
    st.seen(r"^error: ", stream="err")
    ok(re.search(rb"^error: log: .*`log ID off` or `log all off`", st.err,
                 re.M), "`log off` says `log ID off` or `log all off`",
       st.err)
    st.finish()

done()
