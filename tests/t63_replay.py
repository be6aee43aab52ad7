#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19, acceptance 1 and part of 2 (SPEC §3.13): a conversation with a
python line server recorded as a script (log --format script) runs on its
own, replays against the same server (exit 0) and fails against one that
answers one line differently (exit 1, the step and offset named); --timing
writes the gaps (a lower bound only); replay from a jsonl log; a server
that answers late is awaited; --no-wait."""
import os
import re
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, run  # noqa: E402


class LineServer:
    """Upper-cases each line; 'bin' gets binary bytes back; with diff,
    'two' is answered 'TWO!'; with late, 'one' is answered after a signal
    (an event the test sets, never a sleep)."""

    def __init__(self, diff=False, late=None):
        self.diff, self.late = diff, late
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.port = self.s.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,),
                             daemon=True).start()

    def serve(self, c):
        f = c.makefile("rb")
        for line in f:
            w = line.strip()
            if w == b"bin":
                c.sendall(b"\x00\x01\xff\n")
            elif self.diff and w == b"two":
                c.sendall(b"TWO!\n")
            else:
                if self.late is not None and w == b"one":
                    self.late.wait(10)
                c.sendall(line.upper())
        c.close()

    def close(self):
        self.s.close()


tmp = tempfile.mkdtemp()
script = os.path.join(tmp, "conv.st")
timed = os.path.join(tmp, "timed.st")
jsonl = os.path.join(tmp, "conv.jsonl")

srv = LineServer()
rc, out, err = run(
    "tcp-client 127.0.0.1 %d\n"
    "set 1 framing line\n"
    "log 1 %s --format script\n"
    "log 1 %s --format jsonl\n"
    "send 1 one\\n\n"
    "expect 1 ONE\n"
    "send 1 \"two words # not a comment\\n\"\n"
    "expect 1 \"TWO WORDS\"\n"
    "send 1 two\\n\n"
    "expect 1 TWO\n"
    "sendhex 1 62 69 6e 0a\n"
    "expect 1 --hex ff0a\n"
    "close 1\n" % (srv.port, script, jsonl))
is_eq(rc, 0, "the recording session ran")
text = open(script).read()
lines = text.splitlines()
is_eq(lines[0], "tcp-client 127.0.0.1 %d" % srv.port,
      "the script starts with the command that makes a like session")
ok("set 1 framing line" in lines, "the framing is in the script")
ok('send 1 "two words # not a comment\\n"' in lines,
   "a send is quoted text, # and blanks kept", text)
ok('expect 1 "TWO WORDS # NOT A COMMENT\\n"' in lines,
   "an answer is an expect per framed message", text)
ok("sendhex 1 62696e0a" not in lines and 'send 1 "bin\\n"' in lines,
   "printable bytes sent with sendhex are written as send")
ok("expect 1 --hex 0001ff0a" in lines, "binary answers: expect --hex",
   text)
ok(lines[-1] == "close 1", "ends with the close")

# The script runs on its own.
rc, out, err = run(text)
is_eq(rc, 0, "socktool SCRIPT runs the recorded conversation on its own")

# replay against the same server: exit 0, a line per step.
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv.port,
                                                              script))
is_eq(rc, 0, "replay against the same server: exit 0")
ok(re.search(r"\[1\] step 4: ok \(\d+\.\d+ ms\)", out) and
   "4 steps, 0 differed" in out, "each step ok with its latency", out)

# Against a server that answers one line differently: exit 1, step named.
srv2 = LineServer(diff=True)
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv2.port,
                                                               script))
is_eq(rc, 1, "replay against a server answering differently: exit 1")
ok(re.search(r'\[1\] step 3: changed at offset 3: expected "\\n", '
             r'received "!\\n"', out), "the step and the offset named",
   out + err)
ok(re.search(r"\[1\] step [124]: ok", out) and "1 differed" in out,
   "the other steps are ok", out)
ok("replay: 1 of 4 steps differed" in err, "the command fails", err)

# The same from the jsonl log.
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv.port,
                                                              jsonl))
is_eq(rc, 0, "replay from a jsonl log: exit 0")
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv2.port,
                                                              jsonl))
ok(rc == 1 and "step 3: changed at offset 3" in out,
   "jsonl: the changed byte reported exactly", out)

# A server that answers late: the next step waits for the answer.
late = threading.Event()
srv3 = LineServer(late=late)
t = threading.Timer(0.3, late.set)      # releases the answer; not a sync
t.start()
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv3.port,
                                                              script))
is_eq(rc, 0, "a late answer is awaited, not counted missing")
m = re.search(r"step 1: ok \((\d+\.\d+) ms\)", out)
ok(m and float(m.group(1)) >= 1.0, "its latency is the wait", out)

# --no-wait: everything sent at once, all answers compared together.
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1 --no-wait\n" % (
    srv.port, script))
is_eq(rc, 0, "--no-wait against the same server: exit 0")

# --timing: the gap is recorded as a sleep (a lower bound only).
rc, out, err = run(
    "tcp-client 127.0.0.1 %d\n"
    "log 1 %s --format script --timing\n"
    "send 1 one\\n\n"
    "expect 1 ONE\n"
    "sleep 300ms\n"
    "send 1 two\\n\n"
    "expect 1 TWO\n"
    "close 1\n" % (srv.port, timed))
text = open(timed).read()
sleeps = [int(x) for x in re.findall(r"^sleep (\d+)ms$", text, re.M)]
ok(sleeps and max(sleeps) >= 300, "--timing writes the 300 ms gap as a "
   "sleep of at least 300ms", text)
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1 --speed 2\n" % (
    srv.port, timed))
is_eq(rc, 0, "replay --speed 2 of a timed script: exit 0")

# Bad input: one error each.
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1 --speed 0\n" % (
    srv.port, script))
ok(rc == 1 and "bad --speed" in err, "--speed 0 refused", err)
bad = os.path.join(tmp, "bad.st")
with open(bad, "w") as f:
    f.write('send 1 "unterminated\n')
rc, out, err = run("tcp-client 127.0.0.1 %d\nreplay %s 1\n" % (srv.port,
                                                              bad))
ok(rc == 1 and "line 1" in err, "a bad recording names its line", err)
rc, out, err = run("tcp-server 127.0.0.1 0\nlog all %s --format script\n"
                   % bad)
ok(rc == 1 and "one session" in err, "a script log of all refused", err)
lst = os.path.join(tmp, "listener.st")
rc, out, err = run("tcp-server 127.0.0.1 0\nlog 1 %s --format script\n"
                   % lst)
ok(rc == 1 and err.count("\n") == 1 and "peers" in err and
   not os.path.exists(lst), "a script log of a listener (its peers carry "
   "the bytes) is one error and no file", err)

# A session with no remote end (a udp server): the script says to make the
# session first, and its first answer waits no made-up time.
ud = os.path.join(tmp, "udp.st")
with Socktool() as st:
    st.cmd("udp-server 127.0.0.1 0")
    uport = int(st.wait_for(r"^\[1\] bound on 127\.0\.0\.1:(\d+)").group(1))
    st.cmd("set 1 echo on")
    st.cmd("log 1 %s --format script --timing" % ud)
    st.wait_for(r"^\[1\] logging to")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(10)
    u.sendto(b"ping\n", ("127.0.0.1", uport))
    is_eq(u.recvfrom(100)[0], b"ping\n", "the udp server echoes")
    u.close()
    st.cmd("close 1")
    st.wait_for(r"^\[1\] closed")
text = open(ud).read()
ok(text.startswith("# make the session to replay into first") and
   'expect 1 "ping\\n"\nsend 1 "ping\\n"\n' in text and
   "--timeout" not in text, "a script log of a udp server: the session "
   "to make is said, the answer waits the default", text)

srv.close()
srv2.close()
srv3.close()
done()
