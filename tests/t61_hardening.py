#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a review of issues 18 and 21's code found, each checked from
outside: a control client that never reads is slowed, not fed without
bound, and is answered in full; a paste that never ends does not stop the
sessions; `source` from a control client is one clear error; a failed -C
leaves the terminal as it was; `echo` escapes controls; JSON text is the
event's whole message; ctl gives up on a stopped instance; a daemon keeps
no inherited descriptor; send-eol is encoded; a NUL in a request is an
error."""
import fcntl
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (Socktool, SOCKTOOL, ok, is_eq, done, deadline_loop,  # noqa
                recv_exact, connect, run)

TMP = tempfile.mkdtemp(prefix="st-t61-")
RT = os.path.join(TMP, "run")
os.mkdir(RT, 0o700)
ENV = dict(os.environ, XDG_RUNTIME_DIR=RT,
           XDG_STATE_HOME=os.path.join(TMP, "state"), NO_COLOR="1")


def instance(name):
    st = Socktool("-C", name, env=ENV)
    st.cmd("echo READY")
    st.wait_for(r"^READY$")
    return st


def proto(name):
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(RT, "socktool", name))
    s.sendall(b"socktool-ctl 1\n")
    f = s.makefile("rb")
    ok(f.readline().startswith(b"socktool-ctl 1 "), "the hello is answered")
    return s, f


# ---- a control client that sends and never reads ----
with instance("flood") as st:
    s, f = proto("flood")
    N = 5000
    s.setblocking(False)
    req = b"run help\n" * N
    sent = 0
    for _ in deadline_loop(20, "the requests to be taken"):
        try:
            sent += s.send(req[sent:])
        except BlockingIOError:
            pass
        if sent == len(req):
            break
        select.select([], [s], [], 0.2)
    # While it does not read, others are served.
    r = subprocess.run([SOCKTOOL, "ctl", "flood", "echo", "OTHER"],
                       capture_output=True, timeout=20, env=ENV)
    is_eq((r.returncode, r.stdout), (0, b"OTHER\n"),
          "another client is served while one does not read")
    s.setblocking(True)
    s.settimeout(30)
    done_n = 0
    for line in f:
        if line.startswith(b"done "):
            done_n += 1
            if done_n == N:
                break
    is_eq(done_n, N, "every request of the slow reader is answered "
          "(backpressure, not a disconnect)")
    ok("left" not in st.text, "and it was not disconnected", st.text[-300:])
    s.close()

# ---- source from a control client; a NUL in a request ----
with instance("src") as st:
    path = os.path.join(TMP, "s.txt")
    with open(path, "w") as fh:
        fh.write("echo FROM-FILE\n")
    r = subprocess.run([SOCKTOOL, "ctl", "src", "source", path],
                       capture_output=True, timeout=20, env=ENV)
    ok(r.returncode == 1 and b"standard input" in r.stderr,
       "source from ctl is one error saying what to do", r.stderr)
    st.cmd("echo AFTER")
    st.wait_for(r"^AFTER$")
    ok("FROM-FILE" not in st.text, "and the file is not run later by the "
       "instance", st.text)
    s, f = proto("src")
    s.sendall(b"run echo a\x00b\n")
    got = []
    for line in f:
        got.append(line)
        if line.startswith(b"done"):
            break
    ok(got[-1] == b"done 1\n" and any(b"NUL" in l for l in got),
       "a NUL inside a request is an error, not a cut command", got)
    s.close()

# ---- echo and JSON text ----
rc, out, err = run("echo one\x1b]0;TITLE\x07two\n")
ok("\x1b" not in out and "\x07" not in out and "\\e]0;TITLE\\atwo" in out,
   "echo escapes terminal controls", repr(out))
with Socktool("--json") as st:
    st.cmd("set default max-display 4")
    st.cmd("tcp-server 127.0.0.1 0")
    m = st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
    c = connect(int(m.group(1)))
    st.wait_for(r'"event":"accepted","id":2')
    c.sendall(b"hello world, all of it")
    m = st.wait_for(r'^\{.*"event":"recv","id":2.*$')
    ev = json.loads(m.group(0))
    is_eq(ev["text"], "hello world, all of it",
          "JSON text is the whole message, whatever max-display shows")
    c.close()

# ---- a relay pair's closed events name the other side (SPEC 6) ----
with Socktool("--json") as st:
    st.cmd("tcp-server 127.0.0.1 0 --echo")
    m = st.wait_for(r'"event":"listening","id":1,.*"local":"127\.0\.0\.1:(\d+)"')
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %s" % m.group(1).decode())
    m = st.wait_for(r'"event":"listening","id":2,.*"local":"127\.0\.0\.1:(\d+)"')
    c = connect(int(m.group(1)))
    c.sendall(b"hi")
    recv_exact(c, 2)
    c.close()
    # 3 is the relay's client side, 4 its upstream side.
    m3 = st.wait_for(r'^\{[^\n]*"event":"closed","id":3[^\n]*\}$')
    m4 = st.wait_for(r'^\{[^\n]*"event":"closed","id":4[^\n]*\}$')
    is_eq((json.loads(m3.group(0)).get("pair"),
           json.loads(m4.group(0)).get("pair")), (4, 3),
          "both sides' closed events carry pair")

# ---- send-eol in the session's encoding ----
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    c = connect(st.port(1))
    st.wait_for(r"^\[2\] accepted")
    st.cmd("set 2 encoding utf-16le")
    st.cmd("set 2 send-eol crlf")
    st.cmd("send 2 hi")
    is_eq(recv_exact(c, 8), "hi\r\n".encode("utf-16le"),
          "send-eol crlf in utf-16le is four bytes")
    c.close()

# ---- ctl and a stopped instance ----
st = instance("stopped")
try:
    os.kill(st.p.pid, signal.SIGSTOP)
    r = subprocess.run([SOCKTOOL, "ctl", "stopped", "list"],
                       capture_output=True, timeout=30, env=ENV)
    ok(r.returncode == 1 and b"did not answer" in r.stderr,
       "ctl gives up on an instance that does not answer", r)
    r = subprocess.run([SOCKTOOL, "ctl", "--list"], capture_output=True,
                       timeout=30, env=ENV)
    is_eq(r.returncode in (0, 1), True, "ctl --list returns")
finally:
    os.kill(st.p.pid, signal.SIGCONT)
    st.kill()

# ---- a daemon keeps no descriptor it inherited ----
extra = open(os.path.join(TMP, "extra"), "w")
fd = os.dup2(extra.fileno(), 9, inheritable=True)
r = subprocess.run([SOCKTOOL, "--daemon", "-C", "d61"], capture_output=True,
                   timeout=30, env=ENV, pass_fds=(9,))
ok(r.returncode == 0, "the daemon started", r)
pid = None
for line in subprocess.run([SOCKTOOL, "ctl", "--list"], capture_output=True,
                           timeout=20, env=ENV).stdout.decode().splitlines():
    if line.split()[1:2] == ["d61"]:
        pid = int(line.split()[0])
ok(pid is not None, "it is listed")
if pid is not None:
    fds = os.listdir("/proc/%d/fd" % pid)
    targets = [os.readlink("/proc/%d/fd/%s" % (pid, x)) for x in fds]
    ok(not any(t.endswith("/extra") for t in targets),
       "the inherited descriptor was closed", targets)
subprocess.run([SOCKTOOL, "ctl", "d61", "quit", "--all"], timeout=20,
               env=ENV, capture_output=True)
os.close(9)
extra.close()

# ---- at a terminal: a paste that never ends; a failed -C ----
blocker = instance("taken")


def pty_run(args, script):
    pid, fdm = pty.fork()
    if pid == 0:
        os.execve(SOCKTOOL, [SOCKTOOL] + args, ENV)
    return pid, fdm


def drain(fdm, secs):
    out = b""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([fdm], [], [], 0.05)
        if r:
            try:
                out += os.read(fdm, 65536)
            except OSError:
                break
    return out


ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
pid, fdm = pty_run([], None)
try:
    out = b""
    for _ in deadline_loop(10, "the prompt"):
        out += drain(fdm, 0.1)
        if b"socktool> " in out:
            break
    os.write(fdm, b"tcp-client 127.0.0.1 %d\r" % ls.getsockname()[1])
    c, _ = ls.accept()
    os.write(fdm, b"set 1 echo on\r")
    drain(fdm, 0.3)
    os.write(fdm, b"\x1b[200~send 1 unfinished")   # no end mark
    c.sendall(b"ping")
    c.settimeout(10)
    is_eq(c.recv(10), b"ping", "a paste without its end mark does not stop "
          "the sessions")
    os.write(fdm, b"\r")
    is_eq(recv_exact(c, 10), b"unfinished", "what was pasted is kept")
    c.close()
finally:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(fdm)
ls.close()

# -C with a live name: the terminal is left as it was found (no NOFLSH).
mfd, sfd = pty.openpty()
before = termios.tcgetattr(sfd)
p = subprocess.Popen([SOCKTOOL, "-C", "taken"], stdin=sfd, stdout=sfd,
                     stderr=sfd, env=ENV, start_new_session=True)
rc = p.wait(timeout=20)
after = termios.tcgetattr(sfd)
ok(rc == 1, "a taken control name fails")
is_eq(after[3] & termios.NOFLSH, before[3] & termios.NOFLSH,
      "and leaves the terminal's flags as they were")
os.close(mfd)
os.close(sfd)
blocker.kill()
done()
