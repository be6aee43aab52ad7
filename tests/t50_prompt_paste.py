#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, bugs 1 and 9, at a real prompt (tmux): a multi-line paste runs
each line as its own command, in order; a paste during a wait runs after
it; lines typed during a wait survive the Ctrl-C that cancels it; the
Ctrl-C and the error are on lines of their own; after the first Ctrl-D
question, commands are not followed by blank lines."""
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, need, recv_exact  # noqa: E402
need("tmux")
from tmuxpane import Pane  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t50-")
p = Pane(tmp).start()
try:
    ok(p.wait_last(p.PROMPT), "the prompt comes up")
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    port = ls.getsockname()[1]
    p.command("tcp-client 127.0.0.1 %d" % port)
    c, _ = ls.accept()

    # ---- 1: a bracketed paste of two lines is two commands ----
    p.tmux("set-buffer", "send 1 one\nsend 1 two\n")
    p.tmux("paste-buffer", "-p")
    got = recv_exact(c, 6, timeout=10)
    is_eq(got, b"onetwo", "each pasted line is sent as its own command")
    ok(p.wait(lambda ls_: sum(l.startswith("socktool> send 1 t")
                              for l in ls_) == 1 and ls_[-1] == p.PROMPT),
       "the second pasted line is shown after the prompt", p.screen())

    # A paste whose last line has no newline leaves it at the prompt.
    p.tmux("set-buffer", "send 1 three\nsend 1 fou")
    p.tmux("paste-buffer", "-p")
    is_eq(recv_exact(c, 5, timeout=10), b"three", "the whole line ran")
    ok(p.wait_last(p.PROMPT + " send 1 fou"), "the unfinished line waits "
       "at the prompt", p.screen())
    p.typed("r")
    p.keys("Enter")
    is_eq(recv_exact(c, 4, timeout=10), b"four", "and runs once finished")
    ok(p.wait_last(p.PROMPT), "back at the prompt")

    # ---- 9: a paste during a wait runs after it, in order ----
    p.command("sleep 3", wait=None)
    ok(p.wait(lambda ls_: ls_[-1] == "socktool> sleep 3"), "sleep runs")
    p.tmux("set-buffer", "send 1 five\nsend 1 six\n")
    p.tmux("paste-buffer", "-p")
    is_eq(recv_exact(c, 7, timeout=10), b"fivesix",
          "lines pasted during a wait run after it, in order")

    # ---- 9: typed ahead, then Ctrl-C: the line still runs ----
    p.command("sleep 30", wait=None)
    ok(p.wait(lambda ls_: ls_[-1] == "socktool> sleep 30"), "sleep runs")
    p.typed("send 1 seven\n")
    ok(p.wait(lambda ls_: ls_[-1] == "send 1 seven"),
       "the typed line is echoed while waiting", p.screen())
    p.keys("C-c")
    is_eq(recv_exact(c, 5, timeout=10), b"seven",
          "a line typed during the wait survives the Ctrl-C")
    ok(p.wait_re(r"^error: sleep: interrupted$"),
       "the interruption is said on a line of its own", p.screen())
    ok(not any(l.startswith("^Cerror") for l in p.nonempty()),
       "not glued to the ^C", p.screen())

    # ---- 9: after the Ctrl-D question, no blank lines after commands ----
    ok(p.wait_last(p.PROMPT), "at the prompt")
    p.keys("C-d")
    ok(p.wait_re(r"1 session open"), "Ctrl-D asks first", p.screen())
    ok(p.wait_last(p.PROMPT), "the prompt is back")
    p.command("echo MARK1")
    p.command("echo MARK2")
    rows = p.lines()
    i = max(k for k, l in enumerate(rows) if l == "socktool> echo MARK1")
    is_eq(rows[i:i + 4], ["socktool> echo MARK1", "MARK1",
                          "socktool> echo MARK2", "MARK2"],
          "no blank line follows a command after the Ctrl-D question")
    c.close()
    ls.close()
finally:
    p.kill()
done()
