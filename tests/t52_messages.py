#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, the messages table (the rows built here): a word where an id
belongs is named as such, a missing HEX is called hex bytes, separated
one-digit hex groups are bytes, an error shows one short usage line, and
--timeout 0 follows one documented rule."""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done, run, recv_exact  # noqa: E402


def one_error(script, want, name):
    rc, out, err = run(script, "--keep-going")
    lines = [l for l in err.splitlines() if l]
    ok(rc == 1 and len(lines) == 1 and want in lines[0], name, err)
    return lines[0] if lines else ""


e = one_error("send hi\n", '"hi" is not a session id',
              "send hi: \"hi\" is not a session id")
ok("missing text" not in e, "not \"missing text\"", e)
one_error("sendhex 2\n", "missing hex bytes", "sendhex 2: missing hex bytes")
one_error("send x hello\n", '"x" is not a session id', "send x hello")
e = one_error("tcp-server 127.0.0.1 0 --bogus\n", "unknown option",
              "an unknown option")
ok(len(e) < 100 and "(usage: tcp-server [ADDR] PORT [options])" in e,
   "the usage is one short line, options folded", e)
e = one_error("send 1\n", "missing text", "send 1: missing text")
ok(len(e) <= 80 and "send ID [options] TEXT" in e, "short usage for send", e)

# sendhex with one-digit groups
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
p = subprocess.Popen([SOCKTOOL], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
p.stdin.write(b"tcp-client 127.0.0.1 %d --timeout 0\nsendhex 1 1 2 3\n"
              b"sendhex 1 0xa,b ff\nexpect 1 done --timeout 0\n"
              % ls.getsockname()[1])
p.stdin.close()
c, _ = ls.accept()
is_eq(recv_exact(c, 6, timeout=10), b"\x01\x02\x03\x0a\x0b\xff",
      "sendhex 1 1 2 3 sends 01 02 03; 0xa,b sends 0a 0b")
c.sendall(b"done")
out, err = p.stdout.read(), p.stderr.read()
is_eq((p.wait(timeout=20), err), (0, b""),
      "tcp-client and expect take --timeout 0 (no limit)")
c.close()
ls.close()

# --timeout 0: refused where the timeout is the measurement, with why
e = one_error("udp 127.0.0.1 0\nping 1 x --timeout 0\n", "a loss",
              "ping --timeout 0 is refused, saying why")
e = one_error("probe 127.0.0.1 1 --timeout 0\n", "filtered",
              "probe --timeout 0 is refused, saying why")
rc, out, err = run("resolve 127.0.0.1 --timeout 0\n"
                   "tls-server 127.0.0.1 0 --timeout 0\n")
is_eq((rc, err), (0, ""), "resolve and tls-server take --timeout 0")
done()
