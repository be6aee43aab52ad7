#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, pty: socktool holds a pty master, announced by a listening
event with its path and link; a python program opens the link as if it
were a serial port and bytes cross both ways; when it closes the slave
the session stays and says so, and carries on when a program opens it
again; --once closes instead; the link goes at close, and a file that is
not a symlink is never replaced.  tio talks to it too."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import termios
import time
import tty

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, skip, deadline_loop  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t64b-")
link = os.path.join(tmp, "ttyV0")


def read_exact(fd, n, timeout=10):
    import select
    got = b""
    for _ in deadline_loop(timeout, "%d bytes" % n):
        if len(got) >= n:
            return got
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            got += os.read(fd, n - len(got))


with Socktool("--json") as st:
    st.cmd("pty --link %s --raw" % link)
    m = st.wait_for(r'\{[^\n]*"event":"listening"[^\n]*')
    ev = json.loads(m.group(0))
    ok(ev["kind"] == "pty" and ev["path"].startswith("/dev/pts/") and
       ev["link"] == link, "listening with path and link", ev)
    ok(os.path.islink(link) and os.readlink(link) == ev["path"],
       "the link points at the slave")
    st.cmd("show 1")
    m = st.wait_for(r'\{[^\n]*"command":"show"[^\n]*')
    res = json.loads(m.group(0)) if m else {}
    is_eq(res.get("transport"), "pty %s, link %s" % (ev["path"], link),
          "show names the slave and the link")
    fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    st.wait_for(r"a program opened")
    allb = bytes(range(256))
    os.write(fd, allb)
    st.cmd("set 1 display hex")
    hexes = ""
    for _ in deadline_loop(10, "256 bytes at socktool"):
        hexes = "".join(json.loads(x)["hex"] for x in
                        st.text.splitlines() if '"event":"recv"' in x)
        if len(hexes) >= 512:
            break
        time.sleep(0.02)
    is_eq(bytes.fromhex(hexes), allb, "the program's 256 byte values "
          "reached the session exact")
    st.cmd("sendhex 1 " + allb.hex())
    is_eq(read_exact(fd, 256), allb, "and the session's reached it (raw)")
    os.close(fd)
    st.wait_for(r"the program closed /dev/pts/\d+; waiting")
    fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    st.wait_for(r"a program opened.*", start=0)
    st.cmd("send 1 again")
    is_eq(read_exact(fd, 5), b"again", "opened again: it carries on")
    os.close(fd)
    # tio, the serial terminal, on the link: it prints what it reads
    # (tio wants a terminal of its own: script(1) gives it one.)
    if shutil.which("tio") and shutil.which("script"):
        p = subprocess.Popen(["script", "-qfc", "tio --mute " + link,
                              "/dev/null"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        st.wait_for(r"a program opened", start=len(st.out))
        st.cmd("send 1 from-socktool")
        import select
        out = b""
        for _ in deadline_loop(10, "tio's output"):
            r, _, _ = select.select([p.stdout], [], [], 0.5)
            if r:
                out += os.read(p.stdout.fileno(), 4096)
            if b"from-socktool" in out:
                break
        ok(b"from-socktool" in out, "tio shows what the session sends",
           out)
        p.stdin.write(b"typed-in-tio")
        p.stdin.flush()
        ok(st.seen(r'"text":"typed-in-tio"'), "what is typed in tio "
           "reaches the session")
        p.kill()
        p.wait()
    else:
        skip("tio", "tio not installed")
    st.cmd("close 1")
    st.wait_for(r'"event":"closed"')
    st.finish()
ok(not os.path.lexists(link), "the link is gone at close")

# --once: the session ends with the program
with Socktool("--json") as st:
    st.cmd("pty --once")
    path = json.loads(st.wait_for(
        r'\{[^\n]*"event":"listening"[^\n]*').group(0))["path"]
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    os.write(fd, b"bye\n")
    st.wait_for(r'"event":"recv"')
    os.close(fd)
    c = json.loads(st.wait_for(r'\{[^\n]*"event":"closed"[^\n]*').group(0))
    is_eq(c["reason"], "peer", "--once: closed when the program closed it")
    st.finish()

# --once after a burst: every byte the program wrote before it closed the
# slave is read first (the master reads them after the hang-up)
with Socktool("--json") as st:
    st.cmd("set default display none")
    st.cmd("pty --once --raw")
    path = json.loads(st.wait_for(
        r'\{[^\n]*"event":"listening"[^\n]*').group(0))["path"]
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
    block = memoryview(bytes(range(256)) * 4096)
    for _ in range(16):
        off = 0
        while off < len(block):
            off += os.write(fd, block[off:])
    os.close(fd)
    c = json.loads(st.wait_for(r'\{[^\n]*"event":"closed"[^\n]*').group(0))
    is_eq(c.get("rx_bytes"), 16 << 20, "--once: all 16 MiB read before "
          "the close")
    st.finish()

# a file that is not a symlink is not replaced
plain = os.path.join(tmp, "plain")
open(plain, "w").write("keep")
with Socktool("--json", "--keep-going") as st:
    st.cmd("pty --link %s" % plain)
    e = st.wait_for(r'"event":"error".*')
    st.finish()
ok(b"not a symlink" in e.group(0) and open(plain).read() == "keep" and
   b'"listening"' not in st.out, "refused, the file kept", e.group(0))
done()
