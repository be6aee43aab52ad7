#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Graceful close delivers everything even to a peer that keeps sending;
sendfile reports a transfer cut short; odd files and odd addresses are
handled without hangs, spins or crashes."""
import os
import select
import socket
import sys
import tempfile
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, run, Socktool, connect, cpu_ticks,  # noqa: E402
                deadline_loop)

tmp = tempfile.mkdtemp(prefix="st-t15-")
blob = os.path.join(tmp, "blob.bin")
with open(blob, "wb") as f:
    f.write(os.urandom(20 * 1000 * 1000))

# A peer that sends all the time while it receives: close must not turn
# into a reset that throws away what the kernel still holds for it.
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = connect(port)
    st.wait_for(r"\[2\] accepted")
    stop = threading.Event()

    def chatter():
        while not stop.is_set():
            try:
                c.send(b"x" * 1024)
            except OSError:
                return
            stop.wait(0.0005)
    t = threading.Thread(target=chatter, daemon=True)
    t.start()
    st.cmd("set 2 display none")
    st.cmd("sendfile 2 " + blob)
    st.cmd("close 2")
    st.cmd("echo CLOSED")
    got = 0
    c.settimeout(20)
    try:
        while True:
            d = c.recv(1 << 20)
            if not d:
                break
            got += len(d)
    except OSError as e:
        print("# recv: %s" % e)
    stop.set()
    is_eq(got, 20 * 1000 * 1000, "a chattering peer gets the whole file "
          "before EOF")
    st.wait_for(r"^CLOSED$", timeout=20)
    ok(b"closed (local)" in st.out, "closed by us, reason local", st.text)
    c.close()
    is_eq(st.finish(), 0, "exit 0")

# sendfile to a peer that goes away: the command fails.
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)


def short_reader():
    conn, _ = srv.accept()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    got = 0
    while got < 100000:
        d = conn.recv(65536)
        if not d:
            break
        got += len(d)
    conn.close()                                # RST: unread data
threading.Thread(target=short_reader, daemon=True).start()
rc, out, err = run("tcp-client 127.0.0.1 %d\nsendfile 1 %s\necho AFTER\n"
                   % (srv.getsockname()[1], blob), "-j")
is_eq(rc, 1, "sendfile cut short fails the script")
ok("AFTER" not in out, "the script stops there")
ok('"command":"sendfile"' in out and "stopped after" in out,
   "an error names the bytes sent", out[-800:])
srv.close()

# Only regular files: a FIFO would block forever.
fifo = os.path.join(tmp, "fifo")
os.mkfifo(fifo)
rc, out, err = run("udp-client 127.0.0.1 9\nsendfile 1 %s\n" % fifo,
                   timeout=20)
is_eq(rc, 1, "sendfile of a FIFO is refused")
ok("not a regular file" in err, "with a clear error", err)

# tcp-client whose every address fails at once (bind to another family).
rc, out, err = run("tcp-client 127.0.0.1 9 --bind [::1]:0\n")
is_eq(rc, 1, "tcp-client failing on every address: exit 1, no crash")
ok(err.count("error:") == 1, "one error line", err)

# An explicit wildcard is announced as such (SPEC 7).
rc, out, err = run("tcp-server 0.0.0.0 0\nudp 0.0.0.0 0\n"
                   "tcp-server :: 0\n")
is_eq(out.count("(all interfaces"), 3, "0.0.0.0 and :: say all interfaces")

# A repeat postponed by a full queue waits without spinning.
with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = connect(port)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    st.wait_for(r"\[2\] accepted")
    st.cmd("set 2 display none")
    st.cmd("send 2 --repeat 0 " + "x" * 60000)
    # Fill the queue first: wait (on show's output) until it holds its
    # cap, SESS_QUEUE_MAX (4 MiB); from then on the repeat is postponed.
    for _ in deadline_loop(20, "the queue at 4 MiB"):
        n = len(st.out)
        st.cmd("show 2")
        if int(st.wait_for(r"^  queued +(\d+)", start=n).group(1)) >= 4 << 20:
            break
        select.select([], [], [], 0.01)      # pace the bounded poll
    before = cpu_ticks(st.p.pid)
    # sleep kept: the test is about time passing (CPU used over 1s while
    # the repeat stays postponed); no event marks that.
    st.cmd("sleep 1s")
    st.cmd("echo SLEPT")
    st.wait_for(r"^SLEPT$")
    used = cpu_ticks(st.p.pid) - before
    ok(used < os.sysconf("SC_CLK_TCK") // 2,
       "postponed repeat: %d ticks of CPU in 1s" % used)
    st.cmd("stop 2")
    c.close()
    st.finish()
done()
