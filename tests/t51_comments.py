#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, bugs 2 and 10: '#' after a command starts a comment (outside
quotes; "\\#" is a literal '#') in scripts, in -c and at the prompt, and
changes nothing the command does; an over-long script line is reported on
its own line number."""
import os
import re
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


# ---- a script with comments after commands ----
ls, port = peer()
script = """\
tcp-client 127.0.0.1 %d          # connect
set 1 framing line                # lines
send 1 hello\\n   # a comment is not sent
send 1 "a # b"\\n
send 1 c\\#d\\n # escaped
send 1 'e # f'\\n
send 1 g#h\\n
sendhex 1 41 0a   # hex too
expect 1 PONG --timeout 5s        # the reply
""" % port
p = subprocess.Popen([SOCKTOOL], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdin.write(script.encode())
p.stdin.close()
c, _ = ls.accept()
want = b'hello\n"a # b"\nc#d\n\'e # f\'\ng#h\nA\n'
got = recv_exact(c, len(want), timeout=10)
c.sendall(b"PONG\n")
out = p.stdout.read()
err = p.stderr.read()
p.wait(timeout=20)
is_eq(got, want, "comments are cut, quoted and escaped '#' are kept")
is_eq((p.returncode, err), (0, b""), "every commented line succeeded")
c.close()
ls.close()

# ---- the README's reply rule with a trailing comment ----
rc, out, err = run("tcp-server 127.0.0.1 0 --echo   # an echo server\n"
                   "set 1 reply PING => PONG\\r\\n      # auto-reply rule\n"
                   "set 1 framing line                # into lines\n"
                   "show 1\n")
is_eq((rc, err), (0, ""), "the README lines run")
ok("auto-reply" not in out, "the comment is not in the rule", out[-600:])
ok(re.search(r"reply '?PING => PONG\\+r\\+n'?,", out) is not None,
   "the rule ends where the comment starts", out[-600:])

# ---- -c ----
r = subprocess.run([SOCKTOOL, "-c", "echo one # not this; echo a\\#b # x"],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
is_eq((r.returncode, r.stdout, r.stderr), (0, b"one\na#b\n", b""),
      "-c: comments end at the next ';', and \\# is a '#'")

# ---- at the prompt ----
if shutil.which("tmux") is not None:
    from tmuxpane import Pane  # noqa: E402
    tmp = tempfile.mkdtemp(prefix="st-t51-")
    pane = Pane(tmp).start()
    try:
        ok(pane.wait_last(pane.PROMPT), "the prompt comes up")
        pane.command("echo typed   # a comment at the prompt")
        ok(pane.wait_re(r"^typed$"), "a comment at the prompt is cut",
           pane.screen())
        ok(not any("error" in l for l in pane.nonempty()), "and no error",
           pane.screen())
    finally:
        pane.kill()

# ---- 10: a long line's error names its own line ----
d = tempfile.mkdtemp(prefix="st-t51-")
path = os.path.join(d, "long.txt")
with open(path, "w") as f:
    f.write("echo first\necho second\nsend 1 %s\nnosuch\n" % ("x" * 200000))
r = subprocess.run([SOCKTOOL, "--keep-going", path], stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=20)
err = r.stderr.decode()
ok("long.txt:3: line too long" in err, "the over-long line is line 3", err)
ok("long.txt:4: unknown command" in err, "the next one is line 4", err)
with open(path, "w") as f:
    f.write("echo first\n%s\nnosuch\n" % ("y" * 100000))
r = subprocess.run([SOCKTOOL, "--keep-going", path], stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=20)
err = r.stderr.decode()
ok("long.txt:2: line too long" in err, "a 100 KB line is line 2", err)
ok("long.txt:3: unknown command" in err, "the next one is line 3", err)
os.unlink(path)
os.rmdir(d)
done()
