#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 4, acceptance 6 (encoding gbk: received text decoded for display and
JSON, sent text encoded; unknown names rejected) and `source` (nesting inside
the current session table, FILE:LINE on failure, --keep-going)."""
import json
import os
import re
import shutil
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool, run, connect, recv_exact  # noqa

NIHAO = "你好"
GBK = NIHAO.encode("gbk")          # c4 e3 ba c3
tmp = tempfile.mkdtemp(prefix="st-t22-")

try:
    # ---- encoding gbk, JSON -------------------------------------------------
    with Socktool("--json") as st:
        st.cmd("tcp-server 127.0.0.1 0")
        m = st.wait_for(r'"event":"listening","id":1,.*"local":"127\.0\.0\.1:(\d+)"')
        port = int(m.group(1))
        st.cmd("set 1 encoding gbk")          # inherited by later peers
        st.cmd("echo READY")
        st.wait_for(r'"text":"READY"')
        c = connect(port)
        st.wait_for(r'"event":"accepted","id":2')
        c.sendall(GBK)
        m = st.wait_for(r'^\{.*"event":"recv","id":2.*$')
        e = json.loads(m.group(0))
        is_eq(e.get("hex"), "c4e3bac3", "JSON recv hex carries the GBK bytes")
        is_eq(e.get("text"), NIHAO, "JSON recv text is decoded from gbk")
        st.cmd("send 2 " + NIHAO)
        is_eq(recv_exact(c, 4, 5), b"\xc4\xe3\xba\xc3",
              "send of 你好 arrives as the GBK bytes c4 e3 ba c3")
        m = st.wait_for(r'^\{.*"event":"sent","id":2.*$')
        e = json.loads(m.group(0))
        ok(e.get("hex") == "c4e3bac3" and e.get("text") == NIHAO,
           "JSON sent event: GBK bytes, decoded text", e)
        st.cmd("send 2 \\xc4\\xe3!")
        is_eq(recv_exact(c, 3, 5), b"\xc4\xe3!",
              "\\xHH escapes stay literal bytes (not re-encoded)")
        st.cmd("set 2 encoding latin1")
        st.cmd("echo L1")
        p = st.wait_for(r'"text":"L1"').end()
        c.sendall(b"caf\xe9")
        m = st.wait_for(r'^\{.*"event":"recv","id":2.*$', start=p)
        is_eq(json.loads(m.group(0)).get("text"), "café",
              "encoding latin1: 0xe9 decoded as é")
        c.close()
        rc = st.finish()
    is_eq(rc, 0, "JSON encoding session exits 0")

    # ---- encoding gbk, human text display -----------------------------------
    with Socktool() as st:
        st.cmd("tcp-server 127.0.0.1 0")
        port = st.port(1)
        c = connect(port)
        st.wait_for(r"^\[2\] accepted")
        st.cmd("set 2 encoding gbk")
        st.cmd("echo READY")
        p = st.wait_for(r"^READY$").end()
        c.sendall(GBK)
        m = st.wait_for(r"^\[2\] < 4 bytes.*\n(.*)$", start=p)
        is_eq(m.group(1).decode("utf-8", "replace"), NIHAO,
              "text display shows 你好 for the GBK bytes")
        c.close()
        st.finish()

    # ---- unknown encoding: one clear error, setting unchanged ---------------
    rc, out, err = run("tcp-server 127.0.0.1 0\nset 1 encoding gbk\n"
                       "set 1 encoding no-such-charset-x\nshow 1\n",
                       "--keep-going")
    is_eq(rc, 1, "unknown encoding fails the script")
    errs = [l for l in err.splitlines() if l.startswith("error:")]
    ok(len(errs) == 1 and "no-such-charset-x" in errs[0] and
       "encoding" in errs[0], "exactly one error naming the encoding", err)
    ok(re.search(r"encoding gbk\b", out), "show: encoding is still gbk", out)

    rc, out, err = run("tcp-server 127.0.0.1 0\nset 1 encoding gbk\n"
                       "set 1 encoding no-such-charset-x\nshow 1\n",
                       "--keep-going", "--json")
    evs = [json.loads(l) for l in out.splitlines() if l.strip()]
    errs = [e for e in evs if e.get("event") == "error"]
    shows = [e for e in evs if e.get("command") == "show"]
    ok(len(errs) == 1 and "no-such-charset-x" in errs[0].get("message", ""),
       "JSON: one error event", errs)
    ok(shows and shows[0].get("settings", {}).get("encoding") == "gbk",
       "JSON show: encoding unchanged", shows)

    # ---- source ------------------------------------------------------------
    inner = os.path.join(tmp, "inner.st")
    outer = os.path.join(tmp, "outer.st")
    with open(inner, "w") as f:
        f.write("echo INNER-1\n# a comment\n\nsend 1 from-inner\\n\n"
                "expect 1 hi-from-peer\necho INNER-2\n")
    with open(outer, "w") as f:
        f.write("echo OUTER-1\ntcp-server 127.0.0.1 0\n"
                "wait 1 accepted --timeout 10s\nsend 1 from-outer\\n\n"
                "source %s\necho OUTER-2\nsend 1 after-inner\\n\n" % inner)
    with Socktool() as st:
        st.cmd("source " + outer)
        st.cmd("echo MAIN-END")
        port = st.port(1)
        c = connect(port)
        got = recv_exact(c, len(b"from-outer\nfrom-inner\n"), 10)
        is_eq(got, b"from-outer\nfrom-inner\n",
              "inner file sends on the server the outer file created")
        c.sendall(b"hi-from-peer")
        got = recv_exact(c, len(b"after-inner\n"), 10)
        is_eq(got, b"after-inner\n", "outer file continues after the inner")
        st.wait_for(r"^MAIN-END$")
        c.close()
        rc = st.finish()
    is_eq(rc, 0, "nested source exits 0")
    lines = [l for l in st.text.splitlines()
             if re.match(r"^(OUTER|INNER|MAIN)-", l)]
    is_eq(lines, ["OUTER-1", "INNER-1", "INNER-2", "OUTER-2", "MAIN-END"],
          "nested sources run in order")

    # a failing line: FILE:LINE, stop, exit 1
    bad = os.path.join(tmp, "bad.st")
    mid = os.path.join(tmp, "mid.st")
    with open(bad, "w") as f:
        f.write("echo BAD-1\n\nsend 9 nobody\necho BAD-2\n")
    with open(mid, "w") as f:
        f.write("echo MID-1\nsource %s\necho MID-2\n" % bad)
    rc, out, err = run("echo MAIN-1\nsource %s\necho MAIN-2\n" % mid)
    is_eq(rc, 1, "a failing sourced line exits 1")
    errs = [l for l in err.splitlines() if l.startswith("error:")]
    ok(len(errs) == 1 and errs[0].startswith("error: %s:3: " % bad),
       "the error names FILE:LINE of the failing line", err)
    is_eq(re.findall(r"(?m)^(?:MAIN|MID|BAD)-\d$", out),
          ["MAIN-1", "MID-1", "BAD-1"],
          "nothing after the failing line runs (inner, outer, main)")

    rc, out, err = run("echo MAIN-1\nsource %s\necho MAIN-2\n" % mid,
                       "--keep-going")
    is_eq(rc, 1, "--keep-going still exits 1")
    is_eq(re.findall(r"(?m)^(?:MAIN|MID|BAD)-\d$", out),
          ["MAIN-1", "MID-1", "BAD-1", "BAD-2", "MID-2", "MAIN-2"],
          "--keep-going: the lines after the failure run")
    ok(("%s:3:" % bad) in err, "--keep-going: error still names FILE:LINE",
       err)

    # missing file
    rc, out, err = run("source %s/none.st\necho AFTER\n" % tmp)
    is_eq(rc, 1, "source of a missing file fails")
    ok("none.st" in err and "AFTER" not in out,
       "missing file reported, script stops", out + err)

    # the SCRIPT argument reports its own FILE:LINE too
    top = os.path.join(tmp, "top.st")
    with open(top, "w") as f:
        f.write("echo T1\nexpect 1 x --timeout 1ms\n")
    rc, out, err = run("", top)
    ok(rc == 1 and ("error: %s:2: " % top) in err and "T1" in out,
       "a failing SCRIPT file exits 1 and names FILE:LINE", out + err)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done()
