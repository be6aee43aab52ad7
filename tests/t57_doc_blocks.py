#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, bug 2: every code block of the README and every example of the
man page runs as a user would paste it, with no error: prompt blocks are
pasted whole into a fresh socktool at a real prompt (tmux, bracketed
paste), shell blocks run in sh.  It all runs in a private network
namespace, so the blocks keep their own fixed ports (7000, 8080, ...)."""
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done, need, skip, wait_listening  # noqa
import netns  # noqa: E402

need("tmux")
netns.enter("-rn")
try:
    netns.lo_up()
except netns.ERRORS as e:
    from st import skip_all
    skip_all("no loopback in the namespace: %s" % e)
from tmuxpane import Pane  # noqa: E402

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tmp = tempfile.mkdtemp(prefix="st-t57-")

# The command names (and aliases) `help` lists: a line of a block that
# starts with one is a command; any other line is output shown beside it.
h = subprocess.run([SOCKTOOL, "-c", "help"], stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=20).stdout.decode()
names = set()
for line in h.splitlines():
    m = re.match(r"\s{0,4}([a-z][a-z0-9-]+)\b(?:\s+\(([a-z-]+)\))?", line)
    if m:
        names.add(m.group(1))
        if m.group(2):
            names.add(m.group(2))
ok({"send", "tcp-server", "relay", "expect"} <= names,
   "help names the commands", sorted(names))


def command_lines(block):
    out = []
    for line in block.splitlines():
        w = line.split()
        if w and w[0] in names:
            out.append(line)
    return out


def paste_block(title, lines):
    """Paste the lines whole into a fresh socktool; then a sentinel."""
    d = tempfile.mkdtemp(dir=tmp)     # a tmux server of its own
    pane = Pane(d, width=250, height=50, scrollback=True,
                history_limit=20000, timeout=40).start()
    try:
        if not pane.wait_last(pane.PROMPT, timeout=10):
            ok(False, "%s: the prompt comes up" % title, pane.screen())
            return
        mark = "END-OF-BLOCK-%d" % time.monotonic_ns()
        text = "\n".join(lines + ["echo " + mark]) + "\n"
        pane.tmux("set-buffer", "--", text)
        pane.tmux("paste-buffer", "-p")
        finished = pane.wait(lambda ls: mark in ls, timeout=40)
        rows = pane.nonempty()
        # A command that failed.  (Events such as an ICMP error for a
        # datagram sent where nobody listens are the network's answer.)
        errs = [r for r in rows if r.startswith("error:")]
        ok(finished and not errs, "%s: %d pasted commands ran without an "
           "error" % (title, len(lines)),
           "\n".join(errs) if errs else "\n".join(rows[-60:]))
    finally:
        pane.kill()


def sh_block(title, script, timeout=60):
    r = subprocess.run(["sh", "-c", script], cwd=tmp, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout,
                       env=dict(os.environ, NO_COLOR="1"))
    ok(r.returncode == 0 and not r.stderr, "%s: runs in sh, exit 0, nothing "
       "on stderr" % title, (r.returncode, r.stderr[-500:], r.stdout[-500:]))
    return r


# ---- the README ----
readme = open(os.path.join(top, "README.md")).read()
blocks = re.findall(r"^```(\w*)\n(.*?)^```", readme, re.S | re.M)
ok(len(blocks) >= 6, "the README has its code blocks (%d)" % len(blocks))
sock = shlex.quote(SOCKTOOL)
n_prompt = 0
for i, (lang, body) in enumerate(blocks):
    title = "README block %d" % (i + 1)
    first = body.strip().splitlines()[0] if body.strip() else ""
    if lang == "sh":
        if first.startswith("make "):
            continue            # set-up commands: the CI itself runs them
        script = re.sub(r"(^|\s)\./socktool\b", r"\1" + sock, body)
        sh_block(title + " (" + first[:30] + ")", script)
        continue
    lines = command_lines(body)
    if not lines:
        continue                # output shown, not commands
    n_prompt += 1
    paste_block(title + " (" + lines[0][:30] + ")", lines)
ok(n_prompt >= 4, "prompt blocks were pasted (%d)" % n_prompt)

# ---- the man page's EXAMPLES ----
man = open(os.path.join(top, "man", "socktool.1")).read()
ex = man[man.index(".Sh EXAMPLES"):man.index(".Sh SEE ALSO")]
lit = re.findall(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed", ex, re.S | re.M)
ok(len(lit) >= 2, "the man page has examples (%d)" % len(lit))


def roff(text):
    text = text.replace("\\e", "\\").replace("\\(aq", "'")
    return text.replace("\\-", "-").replace("\\&", "")


for i, body in enumerate(lit):
    script = re.sub(r"(^|[\s|])socktool\b", r"\1" + sock, roff(body))
    title = "man example %d" % (i + 1)
    ports = [int(p) for p in re.findall(r"\b(?:127\.0\.0\.1 |tcp-server )"
                                        r"(\d{4,5})\b", script)]
    if re.search(r"\s-k\b", script):
        # A server left running (-k): start it, talk to it, stop it.
        p = subprocess.Popen(["sh", "-c", script], cwd=tmp,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            port = ports[0]
            wait_listening(port, timeout=10)
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            c.sendall(b"hello\n")
            got = b""
            end = time.monotonic() + 10
            while not got.endswith(b"\n") and time.monotonic() < end:
                d = c.recv(100)
                if not d:
                    break
                got += d
            is_eq(got, b"HELLO\n", title + ": the server answers")
            c.close()
        finally:
            os.killpg(p.pid, 15)
            p.wait(timeout=10)
        continue
    server = None
    if ports:
        # The peer the example talks to: a web server on its port.
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(ports[0]), "--bind",
             "127.0.0.1"], cwd=tmp, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        wait_listening(ports[0], timeout=10)
    try:
        sh_block(title, script)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
shutil.rmtree(tmp, ignore_errors=True)
done()
