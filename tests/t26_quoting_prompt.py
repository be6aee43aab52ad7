#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command-line quoting and the prompt.
Issue 12, items 4-8 and 15 and the prompt's rough edges: quotes in send
text and reply rules, -c splitting and \\; , error messages that do not
double backslashes, "did you mean", the usage on its own line, escaped
script names in locations; and under tmux (as t23 does): Ctrl-D in attach
mode, a half-typed attach line never run as a command, attach lines kept
out of the history, Ctrl-D with sessions open, expect saying what it
matched, and file name completion."""
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool, connect, run, skip  # noqa: E402
from tmuxpane import Pane  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t26-")


def recv_exact(sock, n, timeout=10):
    """Up to n bytes; what arrived by the deadline (a failure is a short
    answer, not a traceback)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def with_peer(script, *args):
    """Run a whole script against a listening python peer whose port is
    {port} in the script; returns (rc, out, err, bytes the peer got)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)
    got = []

    def serve():
        try:
            c, _ = srv.accept()
        except OSError:
            return
        c.settimeout(20)
        data = b""
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        c.close()
        got.append(data)
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    port = srv.getsockname()[1]
    rc, out, err = run(script.replace("{port}", str(port)),
                       *[a.replace("{port}", str(port)) for a in args])
    t.join(20)
    srv.close()
    return rc, out, err, (got[0] if got else None)


# ---- item 7: a quoted TEXT loses its quotes, escaped quotes inside --------
rc, out, err, data = with_peer(
    'tcp-client 127.0.0.1 {port}\n'
    'send 1 "a \\"b\\" c"\n'
    'send 1 "x" \n'
    "send 1 '|y' \t\n"
    'send 1 "p" "q"\n'
    'send 1 END\n'
    'close 1\n')
is_eq(data, b'a "b" cx|y"p" "q"END',
      'send "a \\"b\\" c" sends a "b" c; "x" with a trailing blank sends x; '
      'two quoted strings are text as typed')
ok(rc == 0 and err == "", "no error for quoted texts", err)

# ---- item 8: -c splits on ; outside quotes only, \; is a literal ----------
rc, out, err, data = with_peer(
    "", "-c", "tcp-client 127.0.0.1 {port}; send 1 key=1\\;val=2; "
    "send 1 \"|a;b|\"; send 1 '|c;d|'; send 1 \\\\; send 1 END; close 1")
is_eq(data, b"key=1;val=2|a;b||c;d|\\END",
      "-c: \\; is a literal, ; inside quotes stays, \\\\; is a backslash "
      "then a separator")
ok(rc == 0 and "unknown command" not in err, "-c: no stray command", err)
rc, out, err, data = with_peer(
    "tcp-client 127.0.0.1 {port}\nsend 1 a;b\nclose 1\n")
is_eq(data, b"a;b", "in a script ; is ordinary text")

# ---- item 8: error messages do not double backslashes ---------------------
rc, out, err = run("", "-c", "tcp-server 127.0.0.1 0; send 1 a\\qb")
ok(rc == 1 and 'bad escape "\\q"' in err and "\\\\" not in err,
   'bad escape "\\q" shows the backslash once', err)
rc, out, err = run('tcp-server 127.0.0.1 0\n'
                   'expect 1 "zz\\r" --timeout 100ms\n')
ok(rc == 1 and '"zz\\r"' in err and "\\\\r" not in err,
   "expect's timeout quotes the pattern escaped once", err)

# ---- item 15: quotes group in reply rules ---------------------------------
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    st.cmd('set 1 reply "GET /" => "HTTP/1.0 200 OK\\r\\n\\r\\nhi"')
    st.cmd("set 1 reply 'x => y' => \"say \\\"z\\\"\"")
    st.cmd("echo RULES-SET")
    st.wait_for("RULES-SET")
    c = connect(port)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    want = b"HTTP/1.0 200 OK\r\n\r\nhi"
    is_eq(recv_exact(c, len(want), 10), want,
          "a reply rule with two quoted sides matches and answers without "
          "the quotes")
    c.sendall(b"-- x => y --")
    is_eq(recv_exact(c, 7, 10), b'say "z"',
          "=> inside a quoted side is part of it; escaped quotes allowed")
    c.close()
    rc = st.finish()
    ok(rc == 0 and "error" not in st.err.decode(), "rules accepted",
       st.err.decode())

# ---- rough edges: did you mean, usage on its own line ---------------------
rc, out, err = run("sned 1 x\n")
ok(rc == 1 and 'unknown command "sned" (did you mean send?)' in err,
   "sned: did you mean send?", err)
rc, out, err = run("xx\n")
ok("did you mean" not in err and "try help" in err,
   "no suggestion for a word nothing is near", err)
rc, out, err = run("send\n")
lines = err.splitlines()
ok(len(lines) == 1 and lines[0].startswith(
   "error: send: missing argument (usage: send ID ") and
   err.count("usage") == 1,
   "in a script a usage error stays one line, the usage in it once", err)

# ---- rough edge (item 2): script names in locations are escaped ------------
evil = os.path.join(tmp, "b\x1b]0;TITLE\x07.st")
with open(evil, "w") as f:
    f.write("echo hi\nfrob\n")
rc, out, err = run("", evil)
ok(rc == 1 and "b\\e]0;TITLE\\a.st:2: unknown command" in err and
   "\x1b" not in err and "\x07" not in err,
   "a script's name is escaped in error: FILE:LINE:", repr(err))
outer = os.path.join(tmp, "outer.st")
with open(outer, "w") as f:
    f.write("source %s\n" % evil)
rc, out, err = run("", outer)
ok(rc == 1 and "b\\e]0;TITLE\\a.st:2:" in err and "\x1b" not in err,
   "a sourced file's name is escaped in error: FILE:LINE:", repr(err))
os.unlink(evil)

# ---- at the prompt, under tmux --------------------------------------------
if shutil.which("tmux") is None:
    skip("prompt tests", "tmux not installed")
    shutil.rmtree(tmp, ignore_errors=True)
    done()

tm = Pane(tmp, width=250, scrollback=True, history_limit=5000)
PROMPT = Pane.PROMPT


files = os.path.join(tmp, "files")
os.mkdir(files)
target = os.path.join(files, "scriptfile-one.st")
with open(target, "w") as f:
    f.write("echo from-file\n")

peers = []
try:
    tm.start()
    ok(tm.wait_last(PROMPT), "the prompt appears", tm.screen())

    # ---- file name completion ---------------------------------------------
    stem = os.path.join(files, "scriptf")
    for cmdline in ("source ", "sendfile 1 ", "unix-server ",
                    "unix-client ", "log all ", "log 1 "):
        tm.typed(cmdline + stem)
        tm.keys("Tab")
        ok(tm.wait_last(PROMPT + " " + cmdline + target),
           "Tab completes a file name after '%s'" % cmdline.strip(),
           tm.screen())
        tm.keys("C-c")
        tm.wait_last(PROMPT)
    tm.typed("send 1 " + stem)
    tm.keys("Tab")
    tm.typed("Z")
    ok(tm.wait_last(PROMPT + " send 1 " + stem + "Z"),
       "send's text is not completed as a file name", tm.screen())
    tm.keys("C-c")
    tm.wait_last(PROMPT)
    tm.typed("source " + target)
    tm.keys("Enter")
    ok(tm.wait(lambda ls: "from-file" in ls and ls[-1] == PROMPT),
       "the completed name runs", tm.screen())

    # ---- a usage error: the usage once, on a line of its own ---------------
    m = tm.mark()
    tm.command("send")
    ls = tm.nonempty()[m - 1:]
    at = [i for i, l in enumerate(ls) if l == "error: send: missing argument"]
    ok(at and at[-1] + 1 < len(ls) and
       ls[at[-1] + 1].startswith("usage: send ID ["),
       "at the prompt: the error, then the usage on a line of its own",
       tm.screen())
    is_eq(sum(l.count("usage") for l in ls), 1, "the usage is shown once")

    # ---- a server and a peer ----------------------------------------------
    tm.typed("tcp-server 127.0.0.1 0")
    tm.keys("Enter")
    ok(tm.wait_re(r"\[1\] listening on 127\.0\.0\.1:\d+"), "server listens",
       tm.screen())
    port = int(re.search(r"\[1\] listening on 127\.0\.0\.1:(\d+)",
                         tm.screen()).group(1))
    tm.wait_last(PROMPT)
    peers.append(connect(port))
    ok(tm.wait(lambda ls: any("[2] accepted" in l for l in ls) and
               ls[-1] == PROMPT), "peer 2 accepted", tm.screen())

    # ---- expect at the prompt says what it matched ------------------------
    m = tm.mark()
    tm.typed("expect 2 hello-exp")
    tm.keys("Enter")
    peers[0].sendall(b"xx hello-exp yy")
    ok(tm.wait_re(r'^\[2\] expect matched "hello-exp"$', after=m - 1),
       "expect at the prompt says what it matched", tm.screen())
    ok(tm.wait_last(PROMPT), "prompt back after expect", tm.screen())
    m = tm.mark()
    tm.typed("expect 1 srv-pat")
    tm.keys("Enter")
    peers[0].sendall(b"srv-pat")
    ok(tm.wait_re(r'^\[1\] expect matched "srv-pat" \(from peer 2\)$',
                 after=m - 1),
       "expect on a server names the peer that matched", tm.screen())
    tm.wait_last(PROMPT)

    # Each item below is checked on its own: none relies on another's fix
    # (on the old code, Ctrl-D in attach mode quit, so it comes last).

    # ---- item 6: attach lines stay out of the history ----------------------
    tm.typed("attach 2")
    tm.keys("Enter")
    ok(tm.wait_last("[2]>"), "attached to 2", tm.screen())
    tm.typed("secret-pw-123")
    tm.keys("Enter")
    is_eq(recv_exact(peers[0], 14, 10), b"secret-pw-123\n",
          "the attach line is sent")
    ok(tm.wait_last("[2]>"), "still attached", tm.screen())
    tm.keys("C-]")
    ok(tm.wait_last(PROMPT), "Ctrl-] detaches", tm.screen())
    tm.keys("Up")
    ok(tm.wait_last(PROMPT + " attach 2"),
       "Up recalls attach 2, not the line typed to the session", tm.screen())
    tm.keys("C-c")
    tm.wait_last(PROMPT)

    # ---- item 5: a half-typed line is dropped when the session closes -------
    tm.typed("attach 2")
    tm.keys("Enter")
    ok(tm.wait_last("[2]>"), "attached to 2 again", tm.screen())
    tm.typed("close all")
    ok(tm.wait_last("[2]> close all"), "half-typed close all", tm.screen())
    m = tm.mark()
    peers[0].close()
    ok(tm.wait(lambda ls: ls[-1] == PROMPT and
               "[2] detached: the session closed" in ls[m - 1:] and
               "[2] the line being typed was dropped, not sent"
               in ls[m - 1:]),
       "the session closes: detached, the typed line dropped (and said)",
       tm.screen())
    tm.keys("Enter")
    tm.wait_last(PROMPT)
    m = tm.mark()
    tm.command("list")
    ls = tm.nonempty()[m - 1:]
    ok(any(re.match(r"\s*1\s+tcp-server\s+listening", l) for l in ls),
       "the dropped 'close all' never ran as a command", tm.screen())

    # ...and when Ctrl-] ends attach mode (a server of its own: the one
    # above is gone if close all ran)
    tm.typed("tcp-server 127.0.0.1 0")
    tm.keys("Enter")
    ok(tm.wait_re(r"\[3\] listening on 127\.0\.0\.1:\d+"), "server 3",
       tm.screen())
    port = int(re.search(r"\[3\] listening on 127\.0\.0\.1:(\d+)",
                         tm.screen()).group(1))
    tm.wait_last(PROMPT)
    peers.append(connect(port))
    ok(tm.wait(lambda ls: any("[4] accepted" in l for l in ls)),
       "peer 4 accepted", tm.screen())
    tm.wait_last(PROMPT)
    tm.typed("attach 4")
    tm.keys("Enter")
    ok(tm.wait_last("[4]>"), "attached to 4", tm.screen())
    tm.typed("partial")
    ok(tm.wait_last("[4]> partial"), "half-typed text", tm.screen())
    m = tm.mark()
    tm.keys("C-]")
    ok(tm.wait(lambda ls: ls[-1] == PROMPT and
               "[4] detached" in ls[m - 1:] and
               "[4] the line being typed was dropped, not sent"
               in ls[m - 1:]),
       "Ctrl-] with typed text: detached, the text dropped", tm.screen())
    tm.keys("Enter")
    tm.command("echo AFTER-DROP")
    ok(not any("unknown command" in l for l in tm.nonempty()),
       "the dropped text was not run as a command", tm.screen())

    # ---- item 4: Ctrl-D in attach mode leaves attach mode -------------------
    tm.typed("attach 4")
    tm.keys("Enter")
    ok(tm.wait_last("[4]>"), "attached to 4 again", tm.screen())
    m = tm.mark()
    tm.keys("C-d")
    ok(tm.wait(lambda ls: ls[-1] == PROMPT and
               any(l == "[4] detached" for l in ls[m - 1:])),
       "Ctrl-D on an empty attach line detaches", tm.screen())
    m = tm.mark()
    tm.command("list")
    ok(any(re.match(r"\s*4\s+tcp-peer\s+connected", l)
           for l in tm.nonempty()[m - 1:]),
       "socktool still runs and the session is still connected", tm.screen())

    # ---- Ctrl-D at the prompt with sessions open asks once ------------------
    m = tm.mark()
    tm.keys("C-d")
    ok(tm.wait(lambda ls: ls[-1] == PROMPT and any(re.match(
        r"^3 sessions open \S+ Ctrl-D again to quit$", l)
        for l in ls[m - 1:])),
       "Ctrl-D with sessions open asks first", tm.screen())
    m = tm.mark()
    tm.command("echo STILL-HERE")
    ok("STILL-HERE" in tm.nonempty()[m - 1:], "and socktool keeps running",
       tm.screen())
    m = tm.mark()
    tm.keys("C-d")
    ok(tm.wait(lambda ls: ls[-1] == PROMPT and any(
        "Ctrl-D again to quit" in l for l in ls[m - 1:])),
       "a typed line in between: the next Ctrl-D asks again", tm.screen())
    tm.keys("C-d")
    pid = tm.pane_pid()
    ok(tm.wait(lambda ls: tm.exit_status(pid) is not None),
       "Ctrl-D again quits", tm.screen())
    is_eq(tm.exit_status(pid), 0, "exit status 0")
    hist = os.path.join(tmp, "socktool", "history")
    h = open(hist, errors="replace").read() if os.path.isfile(hist) else ""
    ok("attach 2" in h and "echo STILL-HERE" in h,
       "the history file holds the commands", h)
    ok("secret-pw-123" not in h and "close all" not in h and
       "partial" not in h, "and nothing typed while attached", h)
finally:
    for p in peers:
        p.close()
    tm.kill()
    shutil.rmtree(tmp, ignore_errors=True)
done()
