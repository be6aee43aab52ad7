#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 7: running out of descriptors on accept neither spins the CPU nor
loses the server; a non-reading peer cannot make memory grow without bound;
SIGPIPE never kills socktool."""
import os
import resource
import socket
import sys
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, skip, Socktool, connect, deadline_loop,
                vm_hwm_kib, cpu_ticks)

def low_fd_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24))


# EMFILE: with 24 descriptors, the 40 connections below cannot all be
# accepted; the pending ones stay readable on the listener.
with Socktool(preexec_fn=low_fd_limit) as st:
    p = st.p
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    clients = [connect(port) for _ in range(40)]
    st.wait_for(r"cannot accept: Too many open files")
    before = cpu_ticks(p.pid)
    # sleep kept: the test is about time passing (CPU used over 1s while
    # out of descriptors); no event marks that.
    st.cmd("sleep 1s")
    st.cmd("echo SLEPT")
    st.wait_for(r"^SLEPT$")
    used = cpu_ticks(p.pid) - before
    hz = os.sysconf("SC_CLK_TCK")
    ok(used < hz // 2, "out of descriptors: no busy loop while waiting "
       "(%d ticks of CPU in a 1s sleep, %d per second)" % (used, hz))
    st.cmd("list")
    st.cmd("echo LISTED")
    m = st.wait_for(r"^LISTED$")
    ok(b"tcp-server" in st.out, "server still listed")
    # Free descriptors: the waiting connections are accepted after all.
    n_acc = st.out.count(b" accepted ")
    for c in clients[:n_acc]:
        c.close()
    for _ in deadline_loop(10, "accepts after descriptors were freed"):
        with st.cond:
            if st.out.count(b" accepted ") >= n_acc + 5:
                break
            st.cond.wait(0.1)
    ok(st.out.count(b" accepted ") >= n_acc + 5,
       "pending connections are accepted once descriptors are free")
    for c in clients:
        c.close()
    st.finish()

# A peer that does not read: in a script, sends beyond the queue bound wait
# (socktool stops reading its input), so memory stays bounded, and every
# byte is delivered once the peer reads.
with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = connect(port)
    st.wait_for(r"accepted")
    st.cmd("set 2 display none")
    big = "41" * 30000                      # 30 kB per send
    n_sends = 1600                          # 48 MB offered to a stuck peer
    script = "".join("sendhex 2 %s\n" % big for i in range(n_sends))
    script += "echo QUEUED\n"
    feeder = threading.Thread(target=st.write, args=(script,), daemon=True)
    feeder.start()
    # Unbounded, socktool would swallow all 96 MB of script in a moment and
    # the feeder would finish; bounded, it stops reading once its queue and
    # the socket buffers are full, and the feeder stays blocked.
    feeder.join(5)
    ok(feeder.is_alive(), "socktool stops taking sends while the peer "
       "does not read")
    rss = vm_hwm_kib(st.p.pid)
    if "asan" in os.environ.get("BUILD", ""):
        # ASan keeps freed memory in quarantine: RSS says nothing here.
        skip("peak memory bounded while the peer stalled", "sanitizer build")
    else:
        ok(rss < 32 * 1024, "peak memory bounded while the peer stalled "
           "(%d KiB)" % rss)
    total = 0
    c.settimeout(10)
    while total < n_sends * 30000:
        d = c.recv(1 << 20)
        if not d:
            break
        total += len(d)
    is_eq(total, n_sends * 30000, "every byte arrives once the peer reads")
    st.wait_for(r"^QUEUED$", timeout=20)
    c.close()
    st.finish()

# SIGPIPE: writing to a peer that reset does not kill the process.
with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = connect(port)
    st.wait_for(r"accepted")
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    c.close()                               # RST
    for i in range(20):
        st.cmd("send 2 after-reset-%d" % i)
    st.cmd("echo ALIVE")
    st.wait_for(r"^ALIVE$")
    ok(st.p.poll() is None, "still running after writes to a reset peer")
    ok(b"closed (reset)" in st.out or b"closed (peer)" in st.out,
       "the reset ends that session with a reason", st.text)
    is_eq(st.finish(), 1, "the sends after the close fail (exit 1)")
done()
