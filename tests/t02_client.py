#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 2: a scripted client against a socat echo server."""
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, need, run, free_port, wait_listening, Proc

need("socat")
port = free_port()
with Proc(["socat", "TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork" % port,
           "EXEC:cat"]):
    wait_listening(port)

    rc, out, err = run("tcp-client 127.0.0.1 %d\nsend 1 hello\\r\\n\n"
                       "expect 1 hello\n" % port)
    is_eq(rc, 0, "send + expect against socat echo exits 0")
    ok("[1] < 7 bytes" in out and "hello\\r\\n" in out,
       "echoed bytes shown escaped", out + err)

    rc, out, err = run("tcp-client 127.0.0.1 %d\nsend 1 hello\\r\\n\n"
                       "expect 1 nothing --timeout 300ms\n"
                       "echo AFTER-EXPECT\n" % port)
    is_eq(rc, 1, "expect that times out exits 1")
    ok("AFTER-EXPECT" not in out, "lines after the failing expect do not run",
       out)
    ok("error: expect:" in err and "timed out" in err,
       "timeout reported as one error line", err)
    is_eq(err.count("error:"), 1, "exactly one error line")

    rc, out, err = run("tcp-client 127.0.0.1 %d\n"
                       "expect 1 nothing --timeout 200ms\n"
                       "echo AFTER-EXPECT\n" % port, "--keep-going")
    is_eq(rc, 1, "--keep-going still exits 1")
    ok("AFTER-EXPECT" in out, "--keep-going runs the lines after a failure")

# Connection refused: the port is closed now that socat is gone.
rc, out, err = run("tcp-client 127.0.0.1 %d\necho NOT-HERE\n" % port)
is_eq(rc, 1, "connect to a closed port fails the script")
ok("refused" in (out + err).lower(), "refusal is reported", out + err)
ok("NOT-HERE" not in out, "script stops after failed connect")
done()
