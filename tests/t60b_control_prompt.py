#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 18 at a real prompt (tmux): `control NAME` typed at the prompt
listens; a command a `socktool ctl` client runs is shown above the prompt
as `[ctl PID] COMMAND`, with the ctl process's pid, and the line being
typed survives it."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done, need  # noqa: E402
need("tmux")
from tmuxpane import Pane  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t60b-")
run_dir = os.path.join(tmp, "run")
os.mkdir(run_dir, 0o700)
os.environ["XDG_RUNTIME_DIR"] = run_dir     # the tmux server passes it on
p = Pane(tmp).start()
try:
    ok(p.wait_last(p.PROMPT), "the prompt comes up")
    p.command("control t60b")
    ok(p.wait_re(r"^control socket .*/socktool/t60b: "), "control NAME says "
       "where it listens", p.screen())
    ok(os.path.exists(os.path.join(run_dir, "socktool", "t60b")),
       "the socket is in $XDG_RUNTIME_DIR/socktool")
    p.typed("echo half-typ")               # a line being typed meanwhile
    c = subprocess.Popen([SOCKTOOL, "ctl", "t60b", "tcp-server", "127.0.0.1",
                          "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ))
    out, err = c.communicate(timeout=20)
    is_eq((c.returncode, err), (0, b""), "ctl ran the command")
    ok(out.startswith(b"[1] listening on 127.0.0.1:"), "ctl prints its "
       "result", out)
    ok(p.wait_re(r"^\[ctl %d\] tcp-server 127\.0\.0\.1 0$" % c.pid),
       "the prompt shows [ctl PID] and the command", p.screen())
    ok(p.wait_last(p.PROMPT + " echo half-typ"), "the line being typed is "
       "drawn again below", p.screen())
    p.typed("ed")
    p.keys("Enter")
    ok(p.wait_re(r"^half-typed$"), "and runs when finished", p.screen())
    r = subprocess.run([SOCKTOOL, "ctl", "t60b", "list"], capture_output=True,
                       timeout=20, env=dict(os.environ))
    ok(r.returncode == 0 and b"tcp-server" in r.stdout, "the session made "
       "by one ctl client is seen by the next", r.stdout)
finally:
    p.kill()
done()
