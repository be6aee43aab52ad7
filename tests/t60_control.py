#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 18, the control socket (SPEC §3.12): paths and modes, other uids
refused, stale and live names; `socktool ctl` with a script's statuses;
expect positions counting from the connect; two clients at once and one
killed mid-expect; --events in order and --id; --daemon."""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (Socktool, SOCKTOOL, ok, is_eq, skip, done,  # noqa: E402
                deadline_loop)

TMP = tempfile.mkdtemp(prefix="st-t60-")
RT = os.path.join(TMP, "run")
os.mkdir(RT, 0o700)
ENV = dict(os.environ, XDG_RUNTIME_DIR=RT,
           XDG_STATE_HOME=os.path.join(TMP, "state"), NO_COLOR="1")
SOCKDIR = os.path.join(RT, "socktool")


def ctl(*args, stdin=None, timeout=20):
    p = subprocess.run([SOCKTOOL, "ctl"] + list(args), input=(stdin or "")
                       .encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=ENV)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def ctl_bg(*args):
    return subprocess.Popen([SOCKTOOL, "ctl"] + list(args),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, bufsize=0)


def instance(name, *more):
    st = Socktool("-C", name, *more, env=ENV)
    st.cmd("echo READY")
    st.wait_for(r"^READY$")
    return st


def lines_until(f, pred, timeout=10):
    """Lines read from file f until pred(line) is true; raise on timeout."""
    got = []
    import select
    for _ in deadline_loop(timeout, "a line"):
        r, _, _ = select.select([f], [], [], 0.5)
        if r:
            ln = f.readline()
            if not ln:
                raise TimeoutError("EOF after %r" % got)
            got.append(ln.decode())
            if pred(got[-1]):
                return got


class Proto:
    """A raw client of the control protocol."""

    def __init__(self, name):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(os.path.join(SOCKDIR, name))
        self.f = self.s.makefile("rb")
        self.send("socktool-ctl 1")
        self.hello = self.f.readline().decode()

    def send(self, line):
        self.s.sendall(line.encode() + b"\n")

    def reply(self):
        out = []
        while True:
            ln = self.f.readline().decode()
            if not ln:
                return out, None
            out.append(ln.rstrip("\n"))
            if ln.startswith("done "):
                return out[:-1], ln.split()[1]

    def close(self):
        self.f.close()
        self.s.close()


# ---- 1: paths and modes, other uids, stale and live names -------------------
with instance("one") as st:
    path = os.path.join(SOCKDIR, "one")
    ok(os.path.exists(path), "the socket is $XDG_RUNTIME_DIR/socktool/NAME")
    is_eq(stat.S_IMODE(os.stat(SOCKDIR).st_mode), 0o700, "its directory 0700")
    is_eq(stat.S_IMODE(os.stat(path).st_mode), 0o600, "the socket 0600")
    rc, out, err = ctl("one", "echo", "hi")
    ok(rc == 0 and out == "hi\n", "ctl runs a command there", (rc, out, err))
    p = st.wait_for(r"^\[ctl (\d+)\] echo hi$")
    ok(p, "the instance shows [ctl PID] COMMAND")

    if os.geteuid() == 0 and shutil.which("setpriv"):
        # Let nobody reach the socket file: only SO_PEERCRED stands.
        for d in (TMP, RT, SOCKDIR):
            os.chmod(d, 0o711)
        os.chmod(path, 0o666)
        code = ("import socket, sys\n"
                "s = socket.socket(socket.AF_UNIX)\n"
                "s.settimeout(10)\n"
                "s.connect(sys.argv[1])\n"
                "try:\n"
                "    s.sendall(b'socktool-ctl 1\\nrun echo INTRUDER\\n')\n"
                "    d = s.recv(100)\n"
                "except (BrokenPipeError, ConnectionResetError):\n"
                "    d = b''\n"
                "print(repr(d))\n")
        r = subprocess.run(["setpriv", "--reuid", "nobody", "--regid",
                            "nogroup", "--clear-groups", sys.executable,
                            "-c", code, path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20)
        for d in (TMP, RT, SOCKDIR):
            os.chmod(d, 0o700)
        os.chmod(path, 0o600)
        ok(r.returncode == 0 and r.stdout.strip() in (b"b''",),
           "a client of another uid is closed without an answer",
           (r.returncode, r.stdout, r.stderr))
        ok(st.seen(r"control: refused a connection from uid 65534"),
           "and the instance says so")
        st.cmd("echo AFTER-NOBODY")
        st.wait_for(r"^AFTER-NOBODY$")
        ok("INTRUDER" not in st.text, "its command never ran")
    else:
        skip("another uid refused", "needs root and setpriv")
        skip("the refusal is shown", "needs root and setpriv")
        skip("its command never ran", "needs root and setpriv")

    r = subprocess.run([SOCKTOOL, "-C", "one", "-c", "echo SECOND"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=ENV, timeout=20)
    ok(r.returncode == 1 and b"SECOND" not in r.stdout and
       b"in use" in r.stderr, "a second live instance named one fails",
       (r.returncode, r.stdout, r.stderr))
    rc, out, err = ctl("one", "echo", "still")
    ok(rc == 0 and out == "still\n", "and the first keeps its socket")

# A socket file nobody listens on: a stale one.
stale = os.path.join(SOCKDIR, "stale")
s = socket.socket(socket.AF_UNIX)
s.bind(stale)
s.close()
with instance("stale"):
    rc, out, err = ctl("stale", "echo", "fresh")
    ok(rc == 0 and out == "fresh\n", "a stale socket is replaced",
       (rc, out, err))
r = subprocess.run([SOCKTOOL, "-C", "a/b"], stdin=subprocess.DEVNULL,
                   capture_output=True, env=ENV, timeout=20)
ok(r.returncode == 2 and b"NAME" in r.stderr, "a bad NAME is bad usage",
   r.stderr)

# ---- 2: ctl's statuses ---------------------------------------------------
with instance("two") as st:
    rc, out, err = ctl("two", "close", "99")
    ok(rc == 1 and out == "" and "no session 99" in err,
       "a failing command: 1, its error on stderr", (rc, out, err))
    rc, out, err = ctl("-c", "echo a; echo b", "-c", "echo c", "two")
    ok(rc == 0 and out == "a\nb\nc\n", "-c commands, each in order",
       (rc, out, err))
    rc, out, err = ctl("two", stdin="echo one\n# a comment\n\nclose 99\n"
                       "echo never\n")
    ok(rc == 1 and out == "one\n" and err.count("error") == 1,
       "a script on stdin stops at the first failure with 1",
       (rc, out, err))
    rc, out, err = ctl("two", "-c", "quit; echo NO")
    ok(rc == 0 and "NO" not in out, "quit ends the client's script",
       (rc, out, err))
    rc, out, err = ctl("-j", "two", "list")
    j = [json.loads(x) for x in out.splitlines()]
    ok(rc == 0 and j and j[-1].get("event") == "result" and
       j[-1].get("command") == "list", "-j: JSON results", (rc, out, err))
    for bad in ([], ["two", "--id", "3"], ["--list", "two"], ["-q", "two"],
                ["two", "-c"]):
        rc, out, err = ctl(*bad)
        ok(rc == 2 and "usage" in err, "bad usage %r: 2" % (bad,),
           (rc, out, err))
    rc, out, err = ctl("nosuch", "list")
    ok(rc == 1 and out == "" and len(err.splitlines()) == 1,
       "an instance that is not running: one error, 1", (rc, out, err))
    rc, out, err = ctl("--list")
    ok(rc == 0 and re.search(r"^%d\s+two\s+0$" % st.p.pid, out, re.M),
       "ctl --list: pid, name, sessions", out)
    st.cmd("echo ALIVE")
    st.wait_for(r"^ALIVE$")
    ok(st.p.poll() is None, "the instance outlived its clients' quit")

# ---- 3, 4: expect positions; two clients at once; one killed -----------------
with instance("three") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    peer = socket.create_connection(("127.0.0.1", port), timeout=10)
    st.wait_for(r"^\[2\] accepted")
    peer.sendall(b"BEFORE\n")
    st.wait_for(r"^BEFORE\\n")
    rc, out, err = ctl("three", "expect", "2", "BEFORE", "--timeout", "1")
    ok(rc == 1 and "BEFORE" in err,
       "expect through ctl never sees bytes from before it connected",
       (rc, out, err))
    a = ctl_bg("three", "expect", "2", "AFTER", "--timeout", "10")
    st.wait_for(r"^\[ctl %d\] expect 2 AFTER" % a.pid)
    peer.sendall(b"AFTER\n")
    o, e = a.communicate(timeout=20)
    ok(a.returncode == 0, "bytes that arrive while it waits match",
       (a.returncode, o, e))

    slow = ctl_bg("three", "expect", "2", "NEVER", "--timeout", "3")
    st.wait_for(r"^\[ctl %d\] expect 2 NEVER" % slow.pid)
    rc, out, err = ctl("three", "list")
    ok(rc == 0 and "tcp-server" in out and slow.poll() is None,
       "another client's list answers while one waits in expect",
       (rc, out, err))
    st.cmd("echo PROMPT")
    st.wait_for(r"^PROMPT$")
    ok(slow.poll() is None, "so does the instance's own input")
    peer.sendall(b"LIVE\n")
    st.wait_for(r"^LIVE\\n")
    ok(slow.poll() is None, "and the sessions are served meanwhile")
    slow.kill()
    slow.wait(10)
    rc, out, err = ctl("three", "send", "2", "ok")
    ok(rc == 0, "a client killed mid-expect leaves the instance healthy",
       (rc, out, err))
    peer.settimeout(10)
    ok(peer.recv(100) == b"ok", "and the session it waited on")
    st.cmd("echo HEALTHY")
    ok(st.seen(r"^HEALTHY$"), "the prompt too")
    peer.close()

# ---- 5: --events ----------------------------------------------------------
with instance("five") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    ev = ctl_bg("five", "--events")
    # Subscribed once our own command shows up in the stream.
    got = None
    for i in range(20):
        ctl("five", "echo", "SYNC%d" % i)
        try:
            got = lines_until(ev.stdout, lambda ln: "SYNC" in ln, 2)
            break
        except TimeoutError:
            pass
    ok(got is not None, "ctl --events streams (control events too)")
    filt = Proto("five")
    filt.send("events 3")
    _, status = filt.reply()
    ok(filt.hello.startswith("socktool-ctl 1 ") and status == "0",
       "the protocol: hello, events 3 answered done 0", filt.hello)
    p2 = socket.create_connection(("127.0.0.1", port), timeout=10)
    p2.sendall(b"two\n")
    st.wait_for(r"^two\\n")
    p3 = socket.create_connection(("127.0.0.1", port), timeout=10)
    p3.sendall(b"three\n")
    seq = [json.loads(x) for x in lines_until(
        ev.stdout, lambda ln: '"recv"' in ln and '"id":3' in ln)
        if x.startswith("{")]
    mine = [(o["event"], o.get("id")) for o in seq
            if o["event"] in ("accepted", "recv")]
    is_eq(mine, [("accepted", 2), ("recv", 2), ("accepted", 3),
                 ("recv", 3)], "--events: accepted then recv, in order")
    got3 = []
    while not any('"recv"' in x for x in got3):
        ln = filt.f.readline().decode()
        if not ln:
            break
        got3.append(ln)
    evs = [json.loads(x[2:]) for x in got3 if x.startswith("o ")]
    ok([(o["event"], o["id"]) for o in evs] == [("accepted", 3),
                                               ("recv", 3)] and
       evs[1]["text"] == "three\n", "events 3: only session 3's", got3)
    filt.close()
    ev.kill()
    ev.wait(10)
    p2.close()
    p3.close()
    st.cmd("echo DONE5")
    ok(st.seen(r"^DONE5$"), "the instance is fine after its events "
       "clients went")

# ---- 6: --daemon -------------------------------------------------------------
def daemon(*args):
    return subprocess.run([SOCKTOOL, "--daemon"] + list(args),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=ENV, timeout=20)


def gone(name):
    for _ in deadline_loop(10, "the daemon %s to end" % name):
        if not os.path.exists(os.path.join(SOCKDIR, name)):
            return True
        subprocess.run(["true"])    # one short step, no sleep


r = daemon("-C", "six", "-c", "tcp-server 127.0.0.1 0")
ok(r.returncode == 0 and r.stdout == b"",
   "--daemon returns 0 and the caller's stdout reaches EOF",
   (r.returncode, r.stdout, r.stderr))
rc, out, err = ctl("six", "list")
ok(rc == 0 and "tcp-server" in out, "ctl six list works", (rc, out, err))
rc, out, err = ctl("-j", "--list")
inst = [json.loads(x) for x in out.splitlines()]
six = [i for i in inst if i["name"] == "six"]
ok(six and six[0]["sessions"] == 1, "ctl --list shows the daemon", out)
r2 = daemon("-C", "six")
ok(r2.returncode == 1 and b"in use" in r2.stderr,
   "a second daemon of the same name: 1 with the error", r2.stderr)
rc, out, err = ctl("six", "quit", "--all")
ok(rc == 0 and gone("six"), "quit --all ends it", (rc, out, err))
log = os.path.join(TMP, "state", "socktool", "six.log")
evs = [json.loads(x) for x in open(log)] if os.path.exists(log) else []
ok(any(e.get("event") == "listening" for e in evs) and
   any(e.get("event") == "control" for e in evs),
   "its log is JSON lines of its events", evs[:5])
r = daemon("-c", "echo x")
ok(r.returncode == 2, "--daemon without -C: bad usage", r.stderr)

r = daemon("-C", "term")
rc, out, err = ctl("-j", "--list")
pid = [json.loads(x)["pid"] for x in out.splitlines()
       if json.loads(x)["name"] == "term"]
if pid:
    os.kill(pid[0], signal.SIGTERM)
ok(r.returncode == 0 and pid and gone("term"), "SIGTERM ends a daemon")

r = daemon("-C", "idle", "--exit-when-idle", "-c", "tcp-server 127.0.0.1 0")
rc, out, err = ctl("idle", "close", "1")
ok(r.returncode == 0 and rc == 0 and gone("idle"),
   "--exit-when-idle: it ends with its last session", (rc, out, err))

# ---- 8: the README's CI recipe, verbatim ------------------------------------
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
readme = open(os.path.join(top, "README.md")).read()
m = re.search(r"^## Driving a running socktool\n.*?^```sh\n(.*?)^```", readme,
              re.S | re.M)
ok(m, "the README has the CI recipe")
if m:
    import shlex
    script = re.sub(r"(^|\s)\./socktool\b", r"\1" + shlex.quote(SOCKTOOL),
                    m.group(1))
    r = subprocess.run(["sh", "-c", script], cwd=TMP, env=ENV,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
    ok(r.returncode == 0 and r.stderr == b"" and
       re.search(rb"unix-client\s+connected", r.stdout) and gone("ci-demo"),
       "the recipe runs: daemon, ctl steps, quit --all",
       (r.returncode, r.stdout, r.stderr))

shutil.rmtree(TMP, ignore_errors=True)
done()
