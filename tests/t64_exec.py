#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17, exec: a local program as a session (SPEC 3.11).  `exec cat`
carries every byte value and 1 MiB exact both ways; standard error is its
own stream and the exit status is in the closed event; --pty gives the
program a terminal; a missing program is one error and no session; close
ends a program that ignores SIGTERM (SIGKILL after 2 s); words are never
expanded by a shell.  Then `tcp-server --exec`: each client its own
program with the SOCKTOOL_* environment, paired like a relay's sides
(hold/release, a jsonl log with both directions), a client leaving ends
its program."""
import json
import os
import re
import socket
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, recv_until, pid_gone  # noqa: E402
from st import run as run3  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t64-")


def events(text, name=None):
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            e = json.loads(line)
            if name is None or e.get("event") == name:
                out.append(e)
    return out


class Run:
    def __init__(self, rc, out, err):
        self.returncode, self.stdout, self.stderr = rc, out, err


def run(script, *args):
    return Run(*run3(script, *args))


# ---- exec cat: every byte value and 1 MiB, exact, both ways ----
big = os.path.join(tmp, "big.bin")
data = os.urandom(1 << 20)
with open(big, "wb") as f:
    f.write(data)
rx = os.path.join(tmp, "rx.bin")
allhex = "".join("%02x" % i for i in range(256))
r = run("exec cat\n"
        "log 1 %s --format raw --dir rx\n"
        "sendhex 1 %s\n"
        "sendfile 1 %s\n"
        "shutdown 1\n"
        "wait 1 closed --timeout 20s\n" % (rx, allhex, big), "--json")
closed = events(r.stdout, "closed")
is_eq(r.returncode, 0, "exec cat: the script ran")
ok(len(closed) == 1 and closed[0]["reason"] == "exit" and
   closed[0].get("exit") == 0, "cat ended on its own: reason exit, exit 0",
   closed)
got = open(rx, "rb").read() if os.path.exists(rx) else b""
ok(got == bytes(range(256)) + data, "all 256 byte values and 1 MiB came "
   "back exact (%d bytes)" % len(got))
ok(closed and closed[0]["rx_bytes"] == closed[0]["tx_bytes"] == 256 +
   (1 << 20), "counted both ways", closed)

# ---- stdout, stderr, exit status ----
r = run("exec sh -c 'echo out; echo err >&2; exit 3'\n"
        "wait 1 closed\n", "--json")
recv = events(r.stdout, "recv")
ok(any(e["text"] == "out\n" and "stream" not in e for e in recv),
   "standard output is a plain recv", recv)
ok(any(e["text"] == "err\n" and e.get("stream") == "stderr" for e in recv),
   "standard error is a recv with stream stderr", recv)
closed = events(r.stdout, "closed")
ok(closed and closed[0].get("exit") == 3 and closed[0]["reason"] == "exit",
   "closed carries exit 3", closed)
r = run("exec sh -c 'echo err >&2; exit 3'\nwait 1 closed\n")
ok(re.search(r"^\[1\] < 4 bytes \(stderr\)$", r.stdout, re.M) and
   "(exit status 3)" in r.stdout, "people see (stderr) and the status",
   r.stdout)
r = run("exec --stderr merge sh -c 'echo err >&2'\nwait 1 closed\n",
        "--json")
ok(any(e["text"] == "err\n" and "stream" not in e
       for e in events(r.stdout, "recv")), "--stderr merge: on stdout")
r = run("exec --stderr ignore sh -c 'echo err >&2; echo out'\n"
        "wait 1 closed\n", "--json")
ok([e["text"] for e in events(r.stdout, "recv")] == ["out\n"],
   "--stderr ignore: nothing of it")
r = run("exec --stderr loud cat\n")
ok(r.returncode != 0 and "bad --stderr" in r.stderr and
   "started" not in r.stdout, "a bad --stderr is one error", r.stderr)

# ---- words are never expanded ----
r = run("exec echo '$HOME' '*' '`id`'\nwait 1 closed\n", "--json")
recv = events(r.stdout, "recv")
ok(recv and recv[0]["text"] == "$HOME * `id`\n",
   "words reach the program as written", recv)
# Quotes as a shell has them, with no expansion: \" in double quotes is a
# quote, a backslash in single quotes is itself, \ outside quotes escapes.
r = run('exec printf "%s|" "b\\"c" \'d\\e\' f\\ g "$HOME" *\n'
        "wait 1 closed\n", "--json")
recv = events(r.stdout, "recv")
ok(recv and recv[0]["text"] == 'b"c|d\\e|f g|$HOME|*|',
   "quoting as a shell splits words, nothing expanded", recv)

# The name shown keeps the words apart, as a shell would read them back
# (it was "sh -c echo a; exit 3" and "printf %s| a b ", words lost).
r = run("exec sh -c 'echo a; exit 3'\nexec printf '%s|' 'a b' '' \"it's\"\n"
        "wait 1 closed\nwait 2 closed\n", "--json")
names = [e.get("remote") for e in events(r.stdout, "connected")]
is_eq(names, ["sh -c 'echo a; exit 3'", "printf %s| 'a b' '' 'it'\\''s'"],
      "exec's name: its words quoted where a shell needs it")

# ---- --pty: a terminal ----
r = run("exec --pty tty\nwait 1 closed\n", "--json")
text = "".join(e["text"] for e in events(r.stdout, "recv"))
ok(re.match(r"/dev/pts/\d+\r\n$", text), "--pty: tty prints a pts", text)
started = events(r.stdout, "connected")
ok(started and started[0].get("tty", "").startswith("/dev/pts/") and
   started[0]["kind"] == "exec", "the connected event names the tty",
   started)
# show names the pty the program has (it said "pty ," before).
r = run("exec --pty cat\nshow 1\n", "--json")
started = events(r.stdout, "connected")
shown = [e for e in events(r.stdout, "result") if e.get("command") == "show"]
tty = started[0].get("tty") if started else None
ok(tty and shown and shown[0].get("transport", "").startswith("pty %s" % tty),
   "show of exec --pty: the transport names its tty", shown)
r = run("exec --pty cat\nshow 1\n")
ok(re.search(r"transport +pty /dev/pts/\d+", r.stdout),
   "show of exec --pty, in words: pty /dev/pts/N", r.stdout)
r = run("exec --pty sh -c 'test -t 0 && test -t 1 && echo yes'\n"
        "wait 1 closed\n", "--json")
ok("yes" in "".join(e["text"] for e in events(r.stdout, "recv")),
   "--pty: standard input and output are terminals")
r = run("exec sh -c 'test -t 0 || echo notty'\nwait 1 closed\n", "--json")
ok("notty" in "".join(e["text"] for e in events(r.stdout, "recv")),
   "without --pty: not a terminal")

# ---- a missing program: one error, no session ----
with Socktool("--json", "--keep-going") as st:
    st.cmd("exec nosuchprog-st64 arg")
    m = st.wait_for(r'"event":"error".*')
    st.cmd("list")
    lst = st.wait_for(r'"command":"list".*')
    st.finish()
errs = events(st.text, "error")
ok(len(errs) == 1 and errs[0]["message"] ==
   "nosuchprog-st64: No such file or directory", "one clear error", errs)
ok(not events(st.text, "connected") and b'"sessions":[]' in lst.group(0),
   "and no session", lst.group(0))

# ---- close ends a program that ignores SIGTERM ----
with Socktool("--json") as st:
    st.cmd("exec sh -c 'trap \"\" TERM; echo ready; exec sleep 100'")
    m = st.wait_for(r'"event":"connected".*"pid":(\d+)')
    pid = int(m.group(1))
    st.wait_for(r'"text":"ready\\n"')
    st.cmd("close 1")
    c = st.wait_for(r'\{[^\n]*"event":"closed"[^\n]*', timeout=10)
    ok(pid_gone(pid), "the program is gone (and reaped)")
    e = json.loads(c.group(0))
    ok(e.get("signal") == "KILL" and e["reason"] == "local",
       "closed says it was killed (SIGKILL after SIGTERM)", e)
    st.finish()

# ---- tcp-server --exec: a program per client, paired ----
log = os.path.join(tmp, "pair.jsonl")
with Socktool("--json") as st:
    st.cmd("tcp-server 127.0.0.1 0 --exec 'sh -c \"echo $SOCKTOOL_"
           "REMOTE_PORT $SOCKTOOL_LOCAL_PORT $SOCKTOOL_SESSION "
           "$SOCKTOOL_REMOTE_ADDR; exec cat\"'")
    port = int(st.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:'
                           r'(\d+)"').group(1))
    st.cmd("log all %s --format jsonl" % log)
    a = socket.create_connection(("127.0.0.1", port), timeout=10)
    la = recv_until(a, b"\n").decode().split()
    b = socket.create_connection(("127.0.0.1", port), timeout=10)
    lb = recv_until(b, b"\n").decode().split()
    is_eq(la[0], str(a.getsockname()[1]), "client A's program has its "
          "SOCKTOOL_REMOTE_PORT")
    is_eq(lb[0], str(b.getsockname()[1]), "client B's its own")
    ok(la[1] == lb[1] == str(port) and la[3] == "127.0.0.1",
       "SOCKTOOL_LOCAL_PORT and SOCKTOOL_REMOTE_ADDR", (la, lb))
    ok(la[2] != lb[2], "different SOCKTOOL_SESSION", (la, lb))
    progs = [json.loads(x.group(0)) for x in re.finditer(
        r'\{[^\n]*"event":"connected"[^\n]*\}', st.text)]
    ok(len(progs) == 2 and progs[0]["pid"] != progs[1]["pid"] and
       all(p["kind"] == "exec-peer" for p in progs),
       "two programs, two pids", progs)
    a.sendall(b"ping-a\n")
    is_eq(recv_until(a, b"\n"), b"ping-a\n", "A's bytes through its cat")
    b.sendall(b"ping-b\n")
    is_eq(recv_until(b, b"\n"), b"ping-b\n", "B's through its own")
    # hold the pair's client side: nothing reaches cat until release
    aid = int(la[2])
    st.cmd("hold %d" % aid)
    st.wait_for(r'"command":"hold","ok":true')
    a.sendall(b"held\n")
    st.wait_for(r'"event":"recv","id":%d,.*"text":"held\\n"' % aid)
    a.settimeout(0.3)
    try:
        early = a.recv(100)
    except socket.timeout:
        early = b""
    is_eq(early, b"", "held: nothing came back")
    a.settimeout(10)
    st.cmd("release %d" % aid)
    is_eq(recv_until(a, b"\n"), b"held\n", "released: it went through")
    # a client leaving ends its program
    pa = progs[0]["pid"]    # A connected (and was answered) first
    a.close()
    st.wait_for(r'"event":"closed","id":%d' % aid)
    ok(pid_gone(pa), "client A left: its program is gone")
    b.sendall(b"still\n")
    is_eq(recv_until(b, b"\n"), b"still\n", "B's program still works")
    # B goes with a reset: a program cannot be reset, its input ends and
    # its closed event still carries how it ended.
    b.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    b.close()
    m = st.wait_for(r'\{[^\n]*"event":"closed","id":%d,[^\n]*' %
                    progs[1]["id"])
    e = json.loads(m.group(0)) if m else {}
    ok(e.get("reason") == "reset" and e.get("exit") == 0 and
       "reset" in e.get("message", ""), "client B reset: its program's "
       "closed event says so and carries cat's exit status", e)
    st.cmd("close 1")
    st.finish()
lines = [json.loads(x) for x in open(log)]
dirs = {(e["event"], e["id"]) for e in lines if e["event"] in ("recv",
                                                               "sent")}
ok(("recv", aid) in dirs and ("sent", aid) in dirs and
   any(d[0] == "recv" and d[1] != aid and d[1] != int(lb[2])
       for d in dirs), "the jsonl log has both directions of the pair",
   sorted(dirs))
done()
