#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The control socket from outside (SPEC §3.12, §4, §7): names that come
from outside (XDG_RUNTIME_DIR, XDG_STATE_HOME, a script's file name) never
reach the terminal raw in the errors of -C, --daemon and ctl."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, done  # noqa: E402

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

shutil.rmtree(TMP, ignore_errors=True)
done()
