#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, what users asked for: `set ID send-eol`, `use ID` (a current
session whose id commands may leave out, shown in the prompt) and
`clear`."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done, recv_exact, run  # noqa: E402


def peer():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    return ls, ls.getsockname()[1]


# ---- send-eol, and use in a script ----
ls, port = peer()
p = subprocess.Popen([SOCKTOOL], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdin.write(("tcp-client 127.0.0.1 %d\n"
               "send 1 plain\n"
               "set 1 send-eol crlf\n"
               "send 1 a\n"
               "send 1 --append sum8 b\n"
               "sendhex 1 43\n"
               "set 1 send-eol lf\n"
               "use 1\n"
               "send d\n"
               "set send-eol cr\n"
               "send f\n"
               "send 1 42\n"
               "set send-eol none\n"
               "send g\n"
               "set send-eol lf\n"
               "send --repeat 2 --every 1ms e\n"
               "expect BYE\n"
               "close\n" % port).encode())
p.stdin.close()
c, _ = ls.accept()
want = b"plaina\r\nbb\r\nCd\nf\r42\rge\ne\n"
got = recv_exact(c, len(want), timeout=10)
is_eq(got, want, "send-eol crlf/lf/cr/none after --append and in repeats, "
      "not for sendhex; use fills in the id")
c.sendall(b"BYE")
out = p.stdout.read().decode()
err = p.stderr.read().decode()
is_eq((p.wait(timeout=20), err), (0, ""), "the script succeeded")
ok("[1] closed (local)" in out, "close with no id closed the current "
   "session", out)
c.close()
ls.close()

rc, out, err = run("use 7\n")
ok(rc == 1 and "no session 7" in err, "use of a missing session fails", err)
rc, out, err = run("use\ntcp-server 127.0.0.1 0\nuse 1\nuse\nuse off\nuse\n")
is_eq((rc, [l for l in out.splitlines() if not l.startswith("[")]),
      (0, ["no current session", "current session: 1",
           "no current session: commands need their id again",
           "no current session"]), "use alone says which, use off forgets")
rc, out, err = run("set 1 send-eol crlf\n")
ok(rc == 1 and "no session 1" in err, "send-eol needs a session", err)
rc, out, err = run("tcp-server 127.0.0.1 0\nset 1 send-eol lfcr\n")
ok(rc == 1 and "send-eol" in err and err.count("\n") == 1,
   "a bad send-eol is one error", err)

# ---- use follows a reconnecting client to its new session ----
ls, port = peer()
p = subprocess.Popen([SOCKTOOL], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdin.write(("tcp-client 127.0.0.1 %d --reconnect 50ms\n"
               "use 1\n"
               "wait connected\n"
               "expect BYE\n"
               "wait 1 closed\n"
               "wait 2 connected\n"
               "send again\n"
               "expect END\n"
               "close\n" % port).encode())
p.stdin.close()
ls.settimeout(10)
c, _ = ls.accept()
c.sendall(b"BYE")
c.close()
c, _ = ls.accept()
is_eq(recv_exact(c, 5, timeout=10), b"again",
      "after the reconnect, send without an id goes to the new session")
c.sendall(b"END")
out = p.stdout.read().decode()
err = p.stderr.read().decode()
is_eq((p.wait(timeout=20), err), (0, ""), "the script succeeded")
ok("[1] closed: [2] replaces it as the current session" in out,
   "the switch is said", out)
c.close()
ls.close()

# ---- at the prompt: the prompt shows it; clear clears ----
if shutil.which("tmux") is not None:
    from tmuxpane import Pane  # noqa: E402
    ls, port = peer()
    tmp = tempfile.mkdtemp(prefix="st-t56-")
    pane = Pane(tmp).start()
    try:
        ok(pane.wait_last(pane.PROMPT), "the prompt comes up")
        pane.command("tcp-client 127.0.0.1 %d" % port)
        c, _ = ls.accept()
        pane.typed("use 1")
        pane.keys("Enter")
        ok(pane.wait_last("socktool[1]>"), "the prompt names the current "
           "session", pane.screen())
        pane.typed("send hi")
        pane.keys("Enter")
        is_eq(recv_exact(c, 2, timeout=10), b"hi", "send without an id")
        pane.typed("clear")
        pane.keys("Enter")
        ok(pane.wait(lambda ls_: ls_ == ["socktool[1]>"]),
           "clear leaves only the prompt on the screen", pane.screen())
        c.close()
        ok(pane.wait_re(r"no current session"), "the current session's "
           "end is said", pane.screen())
        ok(pane.wait_last("socktool>"), "and the prompt forgets it",
           pane.screen())
    finally:
        pane.kill()
        ls.close()
done()
