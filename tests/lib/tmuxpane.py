# SPDX-License-Identifier: GPL-3.0-or-later
"""socktool at its prompt in a tmux pane: a tmux server of the test's own
(its socket in the test's temporary directory, so parallel tests never
meet), keys sent to it, and its screen polled up to a deadline.  Standard
library only; every wait has a timeout."""
import os
import re
import select
import shlex
import subprocess
import time

from st import SOCKTOOL


class Pane:
    """One tmux server with one pane running socktool.

    tmpdir holds the tmux socket and is socktool's XDG_STATE_HOME (its
    history file lands there).  scrollback: read the whole history as well
    as the visible screen (capture-pane -S -), not the screen alone.
    history_limit: tmux's history-limit, when the default 2000 lines may
    not be enough.  timeout: the default for every wait, in seconds."""

    PROMPT = "socktool>"

    def __init__(self, tmpdir, width=200, height=50, scrollback=False,
                 history_limit=None, timeout=5):
        self.tmpdir = tmpdir
        self.sock = os.path.join(tmpdir, "tmux.sock")
        self.width, self.height = width, height
        self.scrollback = scrollback
        self.history_limit = history_limit
        self.timeout = timeout

    def start(self):
        """Start the server and socktool in its pane (remain-on-exit, so the
        exit status can be read after socktool quits)."""
        opts = [";", "set-option", "-g", "remain-on-exit", "on"]
        if self.history_limit is not None:
            opts += [";", "set-option", "-g", "history-limit",
                     str(self.history_limit)]
        self.tmux("-f", "/dev/null", "new-session", "-d",
                  "-x", str(self.width), "-y", str(self.height),
                  "env XDG_STATE_HOME=%s NO_COLOR=1 %s" % (
                      shlex.quote(self.tmpdir), shlex.quote(SOCKTOOL)),
                  *opts)
        return self

    def tmux(self, *args):
        """Run a tmux command on our server; its stdout as text."""
        return subprocess.run(["tmux", "-S", self.sock] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=10).stdout.decode("utf-8", "replace")

    def kill(self):
        subprocess.run(["tmux", "-S", self.sock, "kill-server"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=10)

    # ---- reading the pane ----
    def lines(self):
        """Every row, trailing blanks cut (empty rows kept)."""
        extent = ["-S", "-", "-E", "-"] if self.scrollback else []
        out = self.tmux("capture-pane", "-p", *extent)
        return [l.rstrip() for l in out.split("\n")]

    def nonempty(self):
        return [l for l in self.lines() if l]

    def last(self):
        ne = self.nonempty()
        return ne[-1] if ne else ""

    def screen(self):
        """The non-empty rows as one text (for diagnostics)."""
        return "\n".join(self.nonempty())

    def mark(self):
        """How many non-empty rows there are now: pass it as wait_re's
        `after` (minus one) to look only at what comes next."""
        return len(self.nonempty())

    def cursor(self):
        x, y = self.tmux("display", "-p", "#{cursor_x} #{cursor_y}").split()
        return int(x), int(y)

    def title(self):
        return self.tmux("display", "-p", "#{pane_title}").strip()

    # ---- waiting ----
    def wait(self, pred, timeout=None):
        """Poll the pane (every 50 ms, up to a deadline) until pred(non-empty
        rows) holds.  Returns True, or False on timeout."""
        end = time.monotonic() + (self.timeout if timeout is None
                                  else timeout)
        while True:
            if pred(self.nonempty()):
                return True
            if time.monotonic() >= end:
                return False
            select.select([], [], [], 0.05)

    def wait_last(self, text, timeout=None):
        """Wait until the last non-empty row is exactly text."""
        return self.wait(lambda ls: bool(ls) and ls[-1] == text, timeout)

    def wait_re(self, rx, timeout=None, after=0):
        """Wait until a non-empty row (from index `after` on) matches rx."""
        return self.wait(lambda ls: any(re.search(rx, l)
                                        for l in ls[after:]), timeout)

    # ---- typing ----
    def typed(self, s):
        """Type s literally."""
        self.tmux("send-keys", "-l", s)

    def keys(self, *k):
        """Press keys by tmux name (Enter, Tab, C-c, Up...)."""
        self.tmux("send-keys", *k)

    def command(self, line, wait="prompt"):
        """Type a whole line and press Enter; then wait: "prompt" until the
        line is shown at the prompt, and after Enter until the last row is
        the empty prompt again; "grown" until there are more rows than
        before and the last is the empty prompt; None not at all."""
        n = self.mark()
        self.typed(line)
        if wait == "prompt":
            # The line shown at the prompt first: then, after Enter, the
            # bare prompt can only be the one socktool draws once it has
            # run the line (before, it could still be the old one).
            self.wait_last((self.PROMPT + " " + line).rstrip(), timeout=5)
            self.keys("Enter")
            return self.wait_last(self.PROMPT)
        self.keys("Enter")
        if wait == "grown":
            return self.wait(lambda ls: len(ls) > n and
                             ls[-1] == self.PROMPT)
        return True

    # ---- the end ----
    def pane_pid(self):
        return int(self.tmux("display", "-p", "#{pane_pid}").strip() or 0)

    def exit_status(self, pid):
        """socktool's exit status once it has exited, else None.  tmux does
        not always reap its child promptly while clients poll it (seen with
        tmux 3.3a), so the status is read from tmux if it has it, else from
        /proc/PID/stat of the zombie (field 52, exit_code as from
        waitpid)."""
        st_ = self.tmux("display", "-p",
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
