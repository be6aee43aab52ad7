#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control socket from outside (SPEC §3.12, §4, §7): names that come
from outside (XDG_RUNTIME_DIR, XDG_STATE_HOME, a script's file name) never
reach the terminal raw in the errors of -C, --daemon and ctl; the line
the instance shows per command a control client ran is one line of at most
80 columns, without the blanks that led the command, and none for a blank
line; a --events client gets the TLS handshake events (made as lines fitted
to the width) like every other event."""
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, SOCKTOOL, ok, done, deadline_loop  # noqa: E402

TMP = tempfile.mkdtemp(prefix="st-t60c-")
ESC = "\x1b[31m"
# A runtime directory whose "socktool" is a file: every -C fails there.
BAD = os.path.join(TMP, "run" + ESC + "X")
os.mkdir(BAD, 0o700)
open(os.path.join(BAD, "socktool"), "w").close()
ENV = dict(os.environ, XDG_RUNTIME_DIR=BAD,
           XDG_STATE_HOME=os.path.join(TMP, "state"), NO_COLOR="1")


def run(*args, env=ENV):
    p = subprocess.run([SOCKTOOL] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=20, env=env)
    return p.returncode, p.stdout + p.stderr


def safe(rc, out, want_rc, what):
    ok(rc == want_rc and b"\x1b" not in out and b"\\e[31m" in out,
       what + ": one error, the outside name escaped", (rc, out))


safe(*run("ctl", "x", "list"), 1, "ctl to a directory that is no socket dir")
safe(*run("-C", "x", "-c", "echo"), 1, "-C that cannot listen")
safe(*run("--daemon", "-C", "x"), 1, "--daemon that cannot listen")
st_bad = dict(ENV, XDG_RUNTIME_DIR=os.path.join(TMP, "ok"),
              XDG_STATE_HOME=os.path.join(TMP, "st" + ESC + "Y"))
os.mkdir(os.path.join(TMP, "ok"), 0o700)
open(st_bad["XDG_STATE_HOME"], "w").close()   # no directory can go there
safe(*run("--daemon", "-C", "x", env=st_bad), 1,
     "--daemon that cannot open its log")
safe(*run(os.path.join(TMP, "no" + ESC + "such")), 2,
     "a script that does not exist")

# ---- the [ctl PID] line above the prompt -----------------------------------
GOOD = dict(ENV, XDG_RUNTIME_DIR=os.path.join(TMP, "ok"), COLUMNS="80")
with Socktool("-C", "w", env=GOOD) as st:
    st.cmd("echo READY")
    st.wait_for(r"^READY$")
    long_word = "y" * 300
    r = subprocess.run([SOCKTOOL, "ctl", "w", "-c", "echo A; echo B",
                        "-c", "echo " + long_word, "-c", "  ", "-c",
                        "echo LAST"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=20, env=GOOD)
    ok(r.returncode == 0 and r.stdout.decode().split() ==
       ["A", "B", long_word, "LAST"], "ctl ran them", r)
    st.wait_for(r"^\[ctl \d+\] echo LAST$")
    ctl_lines = [ln for ln in st.text.splitlines() if ln.startswith("[ctl")]
    ok(len(ctl_lines) == 4 and all(len(ln) <= 80 for ln in ctl_lines),
       "one line per command run, each at most 80 columns", st.text)
    ok([ln.split("] ", 1)[1][:6] for ln in ctl_lines] ==
       ["echo A", "echo B", "echo y", "echo L"],
       "the command as run, no blank before it; none for a blank line",
       ctl_lines)
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(10)
    c.connect(os.path.join(GOOD["XDG_RUNTIME_DIR"], "socktool", "w"))
    c.sendall(b"socktool-ctl 1\nrun \nrun echo RAW\nend\n")
    got = b""
    while not got.endswith(b"done 0 end\n"):
        d = c.recv(4096)
        if not d:
            break
        got += d
    c.close()
    st.wait_for(r"^\[ctl \d+\] echo RAW$")
    ok(not re.search(r"^\[ctl \d+\] *-?$", st.text, re.M),
       "a blank request line shows nothing above the prompt", st.text)
    ok(not any(long_word in ln for ln in st.text.splitlines()
               if ln.startswith("[ctl")), "the long one is cut", st.text)

def tls_lines(ev, seen, tls, st, port):
    """Read events until both tls events came; TimeoutError if not."""
    for _ in deadline_loop(20, "tls events"):
        if not seen:
            subprocess.run([SOCKTOOL, "ctl", "t", "echo", "SYNC"], env=GOOD,
                           stdout=subprocess.DEVNULL, timeout=20)
        if select.select([ev.stdout], [], [], 0.5)[0]:
            ln = ev.stdout.readline()
            if not ln:
                return
            seen.append(ln)
            o = json.loads(ln)
            if o.get("command") == "echo SYNC":
                st.cmd("tls-client 127.0.0.1 %d --insecure" % port)
            if o.get("event") == "tls":
                tls.add(o["id"])
            if len(tls) == 2:
                return


# ---- TLS handshake events reach --events clients ---------------------------
with Socktool("-C", "t", env=GOOD) as st:
    st.cmd("tls-server 127.0.0.1 0")
    port = st.port(1)
    # Unbuffered: select() must see every line not yet read (a buffered
    # readline could hold the second tls event where select cannot).
    ev = subprocess.Popen([SOCKTOOL, "ctl", "t", "--events"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=GOOD, bufsize=0)
    # Subscribed once a command of ours shows up in its stream.
    seen, tls = [], set()
    try:
        tls_lines(ev, seen, tls, st, port)
    except TimeoutError:
        pass
    ok(tls == {2, 3}, "--events gets the tls event of both ends", seen)
    ev.kill()
    ev.wait()

shutil.rmtree(TMP, ignore_errors=True)
done()
