#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 9 and issue 4, acceptance 7: the interactive prompt under
tmux -- an asynchronous event printed above a partly typed line, Tab
completion, history, Ctrl-C, Ctrl-D, and attach with eol crlf and Ctrl-]."""
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, need, SOCKTOOL, connect,  # noqa: E402
                recv_exact, run)

need("tmux")

tmp = tempfile.mkdtemp(prefix="st-t23-")
# A tmux server of our own, its socket inside our temporary directory: no
# collision with parallel tests, nothing left behind.
SOCK = os.path.join(tmp, "tmux.sock")
PROMPT = "socktool>"


def tmux(*args):
    return subprocess.run(["tmux", "-S", SOCK] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=10).stdout.decode("utf-8", "replace")


def lines():
    out = tmux("capture-pane", "-p")
    return [l.rstrip() for l in out.split("\n")]


def nonempty():
    return [l for l in lines() if l]


def last():
    ne = nonempty()
    return ne[-1] if ne else ""


def screen():
    return "\n".join(nonempty())


def wait_screen(pred, timeout=5):
    """Poll the pane (every 50 ms, up to a deadline) until pred(nonempty
    lines) holds.  Returns True, or False on timeout."""
    end = time.monotonic() + timeout
    while True:
        if pred(nonempty()):
            return True
        if time.monotonic() >= end:
            return False
        select.select([], [], [], 0.05)


def wait_last(text, timeout=5):
    return wait_screen(lambda ls: bool(ls) and ls[-1] == text, timeout)


def typed(s):
    tmux("send-keys", "-l", s)


def keys(*k):
    tmux("send-keys", *k)


def cursor():
    x, y = tmux("display", "-p", "#{cursor_x} #{cursor_y}").split()
    return int(x), int(y)


def command(line, wait_prompt=True):
    """Type a whole command line and press Enter; then wait for the prompt
    to come back empty."""
    typed(line)
    keys("Enter")
    if wait_prompt:
        return wait_last(PROMPT)
    return True


# attach needs a terminal: in a script it is an error
rc, out, err = run("tcp-server 127.0.0.1 0\nattach 1\necho AFTER\n")
ok(rc == 1 and "error:" in err and "attach" in err and "AFTER" not in out,
   "attach in a script is one error and stops the script", out + err)

peer = None
try:
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50",
         "env XDG_STATE_HOME=%s NO_COLOR=1 %s" % (shlex.quote(tmp),
                                                  shlex.quote(SOCKTOOL)),
         ";", "set-option", "-g", "remain-on-exit", "on")

    ok(wait_last(PROMPT), "the prompt appears", screen())
    ok(not any(PROMPT + " socktool " in l for l in nonempty()),
       "banner is not glued after a prompt", screen())

    # ---- a server and a python peer --------------------------------------
    typed("tcp-server 127.0.0.1 0")
    keys("Enter")
    ok(wait_screen(lambda ls: any(re.search(
        r"\[1\] listening on 127\.0\.0\.1:\d+", l) for l in ls)),
       "tcp-server reports its port", screen())
    m = re.search(r"\[1\] listening on 127\.0\.0\.1:(\d+)", screen())
    port = int(m.group(1))
    ok(wait_last(PROMPT), "prompt back after tcp-server", screen())
    ok(re.search(r"(?m)^\[1\] listening on", screen()),
       "the listening line starts its own line (not after a prompt)",
       screen())
    peer = connect(port)
    ok(wait_screen(lambda ls: any("[2] accepted" in l for l in ls)
                   and ls[-1] == PROMPT), "the peer is accepted", screen())

    # ---- a partly typed line survives an asynchronous event --------------
    typed("send 2 partial")
    ok(wait_last(PROMPT + " send 2 partial"), "partial line is shown",
       screen())
    peer.sendall(b"hello-async")

    def async_shown(ls):
        idx = [i for i, l in enumerate(ls) if "hello-async" in l]
        return bool(idx) and ls[-1] == PROMPT + " send 2 partial" and \
            idx[-1] < len(ls) - 1
    ok(wait_screen(async_shown),
       "recv event shown, typed line still last", screen())
    ls = nonempty()
    ev = [i for i, l in enumerate(ls) if "[2] < 11 bytes" in l]
    ok(ev and ls[ev[-1]] == "[2] < 11 bytes",
       "the event header is a line of its own above the prompt", screen())
    ok(ev and ev[-1] + 1 < len(ls) and ls[ev[-1] + 1] == "hello-async",
       "the received text follows on its own line", screen())
    is_eq(ls[-1], PROMPT + " send 2 partial",
          "the last line is the prompt with the typed text intact")
    is_eq(sum(1 for l in ls if "send 2 partial" in l), 1,
          "the typed text appears once (not smeared onto event lines)")
    keys("Enter")
    is_eq(recv_exact(peer, 7, 10), b"partial",
          "Enter then sends the whole typed line")
    ok(wait_last(PROMPT), "prompt back after send", screen())

    # ---- Tab completion ----------------------------------------------------
    typed("tcp-se")
    keys("Tab")
    ok(wait_screen(lambda ls: ls[-1] == PROMPT + " tcp-server"),
       "Tab completes tcp-se to tcp-server", screen())
    # Ctrl-C clears the partly typed line
    keys("C-c")
    ok(wait_last(PROMPT), "Ctrl-C clears the line", screen())
    command("echo CLEARED")
    ls = nonempty()
    at = [i for i, l in enumerate(ls) if l == PROMPT + " echo CLEARED"]
    ok(at and ls[at[-1] + 1:] == ["CLEARED", PROMPT],
       "after Ctrl-C the old text is gone from the line buffer", screen())

    typed("set 2 fra")
    keys("Tab")
    ok(wait_last(PROMPT + " set 2 framing"),
       "Tab completes a setting name", screen())
    keys("C-c")
    wait_last(PROMPT)
    typed("set 2 framing li")
    keys("Tab")
    ok(wait_last(PROMPT + " set 2 framing line"),
       "Tab completes a setting value", screen())
    keys("C-c")
    wait_last(PROMPT)
    typed("send 2 --rep")
    keys("Tab")
    ok(wait_last(PROMPT + " send 2 --repeat"),
       "Tab completes an option name", screen())
    keys("C-c")
    wait_last(PROMPT)

    # ---- history -----------------------------------------------------------
    keys("Up")
    ok(wait_last(PROMPT + " echo CLEARED"), "Up recalls the previous line",
       screen())
    keys("Up")
    ok(wait_last(PROMPT + " send 2 partial"),
       "Up again recalls the line before", screen())
    keys("C-c")
    ok(wait_last(PROMPT), "Ctrl-C clears the recalled line", screen())
    # Clearing a recalled line must not change the history entry itself.
    command("set 2 eol crlf")
    keys("Up")
    ok(wait_last(PROMPT + " set 2 eol crlf"), "Up recalls set 2 eol crlf",
       screen())
    keys("Up")
    ok(wait_last(PROMPT + " echo CLEARED"), "Up recalls echo CLEARED",
       screen())
    keys("Up")
    ok(wait_last(PROMPT + " send 2 partial"),
       "a recalled line cleared by Ctrl-C is still in history", screen())
    keys("Down", "Down", "Down")
    ok(wait_last(PROMPT), "Down back to the empty line", screen())

    # ---- attach with eol crlf ----------------------------------------------
    typed("attach 2")
    keys("Enter")
    ok(wait_last("[2]>"), "attach: the prompt becomes [2]>", screen())
    typed("hello there")
    keys("Enter")
    is_eq(recv_exact(peer, 13, 10), b"hello there\r\n",
          "attach: a typed line arrives with CRLF")
    ok(wait_last("[2]>"), "still attached after sending", screen())
    peer.sendall(b"from-peer")
    ok(wait_screen(lambda ls: "from-peer" in ls and ls[-1] == "[2]>"),
       "attach: received data keeps printing above [2]>", screen())
    typed("half typed")
    ok(wait_last("[2]> half typed"), "attach prompt shows typed text",
       screen())
    keys("C-u")
    wait_last("[2]>")
    keys("C-]")
    ok(wait_last(PROMPT), "Ctrl-] returns to socktool>", screen())
    mark = len(nonempty())
    command("list")
    ls = nonempty()
    ok(any(re.match(r"ID\s+KIND\s+STATE", l) for l in ls[mark - 1:]) and
       any(re.match(r"\s*2\s+tcp-peer\s+connected", l) for l in ls[mark - 1:]),
       "after detaching, a typed line is a command again (list)", screen())
    command("send 2 MARK")
    is_eq(recv_exact(peer, 4, 10), b"MARK",
          "the list line was not sent to the peer")

    # ---- a failing command: one error line, then a clean prompt ---------------
    command("show 99", wait_prompt=False)
    ok(wait_screen(lambda ls: any(l.startswith("error: show:") for l in ls)),
       "a failing command prints an error line", screen())
    ok(wait_last(PROMPT), "after the error the prompt line is clean "
       "(no stale copy of the failed command before it)", screen())
    ok(not any("show 99" + PROMPT in l for l in nonempty()),
       "no prompt glued after a redrawn failed command", screen())
    # leave a clean line whatever happened above
    keys("C-c")
    wait_last(PROMPT)

    # ---- Ctrl-C cancels a pending expect -------------------------------------
    typed("expect 2 never --timeout 30s")
    keys("Enter")

    def pending(ls):
        # readline has echoed the Enter (the cursor left the typed line)
        # and printed no new prompt: the command is running.
        rows = lines()
        want = PROMPT + " expect 2 never --timeout 30s"
        at = [i for i, l in enumerate(rows) if l == want]
        return bool(at) and ls[-1] == want and cursor()[1] > at[-1]
    ok(wait_screen(pending), "expect is pending (no prompt)", screen())
    keys("C-c")
    ok(wait_screen(lambda ls: ls[-1] == PROMPT and
                   any("error:" in l and "expect" in l for l in ls), 10),
       "Ctrl-C cancels expect: an error line and the prompt return",
       screen())
    ok(any(re.search(r"error: expect: .*interrupt", l) for l in nonempty()),
       "the error says the expect was interrupted", screen())
    command("echo ALIVE")
    ok("ALIVE" in nonempty(), "socktool keeps running after the cancel",
       screen())

    # ---- Ctrl-D quits (asking once while sessions are open), history ------
    keys("C-d")
    ok(wait_screen(lambda ls: any("Ctrl-D again to quit" in l for l in ls)),
       "Ctrl-D with sessions open asks once", screen())
    keys("C-d")
    # The pane's pty closes when socktool exits.  tmux does not always
    # reap its child promptly while clients poll it (seen with tmux 3.3a),
    # so the exit status is read from tmux if it has it, else from
    # /proc/PID/stat of the zombie (field 52, exit_code as from waitpid).
    pid = int(tmux("display", "-p", "#{pane_pid}").strip() or 0)

    def exit_status():
        st_ = tmux("display", "-p",
                   "#{pane_dead}:#{pane_dead_status}").strip()
        m_ = re.match(r"1:(\d+)$", st_)
        if m_:
            return int(m_.group(1))
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        if fields[0] == "Z":
            code = int(fields[-1])
            return code >> 8 if code & 0x7f == 0 else 128 + (code & 0x7f)
        return None
    ok(wait_screen(lambda ls: exit_status() is not None),
       "Ctrl-D on an empty line quits", screen())
    is_eq(exit_status(), 0, "exit status 0")
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
    subprocess.run(["tmux", "-S", SOCK, "kill-server"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)
done()
