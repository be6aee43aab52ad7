#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 9 and issue 4, acceptance 7: the interactive prompt under
tmux -- an asynchronous event printed above a partly typed line, Tab
completion, history, Ctrl-C, Ctrl-D, and attach with eol crlf and Ctrl-]."""
import os
import re
import shutil
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, need, connect, recv_exact, run  # noqa: E402
from tmuxpane import Pane  # noqa: E402

need("tmux")

tmp = tempfile.mkdtemp(prefix="st-t23-")
# A tmux server of our own, its socket inside our temporary directory: no
# collision with parallel tests, nothing left behind.
tm = Pane(tmp, width=200)
PROMPT = Pane.PROMPT


# attach needs a terminal: in a script it is an error
rc, out, err = run("tcp-server 127.0.0.1 0\nattach 1\necho AFTER\n")
ok(rc == 1 and "error:" in err and "attach" in err and "AFTER" not in out,
   "attach in a script is one error and stops the script", out + err)

peer = None
try:
    tm.start()

    ok(tm.wait_last(PROMPT), "the prompt appears", tm.screen())
    ok(not any(PROMPT + " socktool " in l for l in tm.nonempty()),
       "banner is not glued after a prompt", tm.screen())

    # ---- a server and a python peer --------------------------------------
    tm.typed("tcp-server 127.0.0.1 0")
    tm.keys("Enter")
    ok(tm.wait(lambda ls: any(re.search(
        r"\[1\] listening on 127\.0\.0\.1:\d+", l) for l in ls)),
       "tcp-server reports its port", tm.screen())
    m = re.search(r"\[1\] listening on 127\.0\.0\.1:(\d+)", tm.screen())
    port = int(m.group(1))
    ok(tm.wait_last(PROMPT), "prompt back after tcp-server", tm.screen())
    ok(re.search(r"(?m)^\[1\] listening on", tm.screen()),
       "the listening line starts its own line (not after a prompt)",
       tm.screen())
    peer = connect(port)
    ok(tm.wait(lambda ls: any("[2] accepted" in l for l in ls)
               and ls[-1] == PROMPT), "the peer is accepted", tm.screen())

    # ---- a partly typed line survives an asynchronous event --------------
    tm.typed("send 2 partial")
    ok(tm.wait_last(PROMPT + " send 2 partial"), "partial line is shown",
       tm.screen())
    peer.sendall(b"hello-async")

    def async_shown(ls):
        idx = [i for i, l in enumerate(ls) if "hello-async" in l]
        return bool(idx) and ls[-1] == PROMPT + " send 2 partial" and \
            idx[-1] < len(ls) - 1
    ok(tm.wait(async_shown),
       "recv event shown, typed line still last", tm.screen())
    ls = tm.nonempty()
    ev = [i for i, l in enumerate(ls) if "[2] < 11 bytes" in l]
    ok(ev and ls[ev[-1]] == "[2] < 11 bytes",
       "the event header is a line of its own above the prompt", tm.screen())
    ok(ev and ev[-1] + 1 < len(ls) and ls[ev[-1] + 1] == "hello-async",
       "the received text follows on its own line", tm.screen())
    is_eq(ls[-1], PROMPT + " send 2 partial",
          "the last line is the prompt with the typed text intact")
    is_eq(sum(1 for l in ls if "send 2 partial" in l), 1,
          "the typed text appears once (not smeared onto event lines)")
    tm.keys("Enter")
    is_eq(recv_exact(peer, 7, 10), b"partial",
          "Enter then sends the whole typed line")
    ok(tm.wait_last(PROMPT), "prompt back after send", tm.screen())

    # ---- Tab completion ----------------------------------------------------
    tm.typed("tcp-se")
    tm.keys("Tab")
    ok(tm.wait(lambda ls: ls[-1] == PROMPT + " tcp-server"),
       "Tab completes tcp-se to tcp-server", tm.screen())
    # Ctrl-C clears the partly typed line
    tm.keys("C-c")
    ok(tm.wait_last(PROMPT), "Ctrl-C clears the line", tm.screen())
    tm.command("echo CLEARED")
    ls = tm.nonempty()
    at = [i for i, l in enumerate(ls) if l == PROMPT + " echo CLEARED"]
    ok(at and ls[at[-1] + 1:] == ["CLEARED", PROMPT],
       "after Ctrl-C the old text is gone from the line buffer", tm.screen())

    tm.typed("set 2 fra")
    tm.keys("Tab")
    ok(tm.wait_last(PROMPT + " set 2 framing"),
       "Tab completes a setting name", tm.screen())
    tm.keys("C-c")
    tm.wait_last(PROMPT)
    tm.typed("set 2 framing li")
    tm.keys("Tab")
    ok(tm.wait_last(PROMPT + " set 2 framing line"),
       "Tab completes a setting value", tm.screen())
    tm.keys("C-c")
    tm.wait_last(PROMPT)
    tm.typed("send 2 --rep")
    tm.keys("Tab")
    ok(tm.wait_last(PROMPT + " send 2 --repeat"),
       "Tab completes an option name", tm.screen())
    tm.keys("C-c")
    tm.wait_last(PROMPT)

    # ---- history -----------------------------------------------------------
    tm.keys("Up")
    ok(tm.wait_last(PROMPT + " echo CLEARED"), "Up recalls the previous line",
       tm.screen())
    tm.keys("Up")
    ok(tm.wait_last(PROMPT + " send 2 partial"),
       "Up again recalls the line before", tm.screen())
    tm.keys("C-c")
    ok(tm.wait_last(PROMPT), "Ctrl-C clears the recalled line", tm.screen())
    # Clearing a recalled line must not change the history entry itself.
    tm.command("set 2 eol crlf")
    tm.keys("Up")
    ok(tm.wait_last(PROMPT + " set 2 eol crlf"), "Up recalls set 2 eol crlf",
       tm.screen())
    tm.keys("Up")
    ok(tm.wait_last(PROMPT + " echo CLEARED"), "Up recalls echo CLEARED",
       tm.screen())
    tm.keys("Up")
    ok(tm.wait_last(PROMPT + " send 2 partial"),
       "a recalled line cleared by Ctrl-C is still in history", tm.screen())
    tm.keys("Down", "Down", "Down")
    ok(tm.wait_last(PROMPT), "Down back to the empty line", tm.screen())

    # ---- attach with eol crlf ----------------------------------------------
    tm.typed("attach 2")
    tm.keys("Enter")
    ok(tm.wait_last("[2]>"), "attach: the prompt becomes [2]>", tm.screen())
    tm.typed("hello there")
    tm.keys("Enter")
    is_eq(recv_exact(peer, 13, 10), b"hello there\r\n",
          "attach: a typed line arrives with CRLF")
    ok(tm.wait_last("[2]>"), "still attached after sending", tm.screen())
    peer.sendall(b"from-peer")
    ok(tm.wait(lambda ls: "from-peer" in ls and ls[-1] == "[2]>"),
       "attach: received data keeps printing above [2]>", tm.screen())
    tm.typed("half typed")
    ok(tm.wait_last("[2]> half typed"), "attach prompt shows typed text",
       tm.screen())
    tm.keys("C-u")
    tm.wait_last("[2]>")
    tm.keys("C-]")
    ok(tm.wait_last(PROMPT), "Ctrl-] returns to socktool>", tm.screen())
    mark = len(tm.nonempty())
    tm.command("list")
    ls = tm.nonempty()
    ok(any(re.match(r"ID\s+KIND\s+STATE", l) for l in ls[mark - 1:]) and
       any(re.match(r"\s*2\s+tcp-peer\s+connected", l) for l in ls[mark - 1:]),
       "after detaching, a typed line is a command again (list)", tm.screen())
    tm.command("send 2 MARK")
    is_eq(recv_exact(peer, 4, 10), b"MARK",
          "the list line was not sent to the peer")

    # ---- a failing command: one error line, then a clean prompt ---------------
    tm.command("show 99", wait=None)
    ok(tm.wait(lambda ls: any(l.startswith("error: show:") for l in ls)),
       "a failing command prints an error line", tm.screen())
    ok(tm.wait_last(PROMPT), "after the error the prompt line is clean "
       "(no stale copy of the failed command before it)", tm.screen())
    ok(not any("show 99" + PROMPT in l for l in tm.nonempty()),
       "no prompt glued after a redrawn failed command", tm.screen())
    # leave a clean line whatever happened above
    tm.keys("C-c")
    tm.wait_last(PROMPT)

    # ---- Ctrl-C cancels a pending expect -------------------------------------
    tm.typed("expect 2 never --timeout 30s")
    tm.keys("Enter")

    def pending(ls):
        # readline has echoed the Enter (the cursor left the typed line)
        # and printed no new prompt: the command is running.
        rows = tm.lines()
        want = PROMPT + " expect 2 never --timeout 30s"
        at = [i for i, l in enumerate(rows) if l == want]
        return bool(at) and ls[-1] == want and tm.cursor()[1] > at[-1]
    ok(tm.wait(pending), "expect is pending (no prompt)", tm.screen())
    tm.keys("C-c")
    ok(tm.wait(lambda ls: ls[-1] == PROMPT and
               any("error:" in l and "expect" in l for l in ls), 10),
       "Ctrl-C cancels expect: an error line and the prompt return",
       tm.screen())
    ok(any(re.search(r"error: expect: .*interrupt", l) for l in tm.nonempty()),
       "the error says the expect was interrupted", tm.screen())
    tm.command("echo ALIVE")
    ok("ALIVE" in tm.nonempty(), "socktool keeps running after the cancel",
       tm.screen())

    # ---- Ctrl-D quits (asking once while sessions are open), history ------
    tm.keys("C-d")
    ok(tm.wait(lambda ls: any("Ctrl-D again to quit" in l for l in ls)),
       "Ctrl-D with sessions open asks once", tm.screen())
    tm.keys("C-d")
    # The pane's pty closes when socktool exits (the status is read as
    # Pane.exit_status says).
    pid = tm.pane_pid()
    ok(tm.wait(lambda ls: tm.exit_status(pid) is not None),
       "Ctrl-D on an empty line quits", tm.screen())
    is_eq(tm.exit_status(pid), 0, "exit status 0")
    hist = os.path.join(tmp, "socktool", "history")
    ok(os.path.isfile(hist), "history file written under XDG_STATE_HOME")
    h = open(hist, errors="replace").read() if os.path.isfile(hist) else ""
    ok("echo CLEARED" in h and "attach 2" in h and "set 2 eol crlf" in h,
       "history file holds the commands typed", h)
    ok("send 2 partial" in h.splitlines(),
       "history file still holds the line recalled and cleared by Ctrl-C", h)
finally:
    if peer is not None:
        peer.close()
    tm.kill()
    shutil.rmtree(tmp, ignore_errors=True)
done()
