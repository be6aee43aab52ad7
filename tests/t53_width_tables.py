#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, "Output that fits a terminal": list, netstat, ifaces and show
fit 80 columns in scripted mode, $COLUMNS when set, the terminal's width at
the prompt; a long address or path is cut in the middle with an ellipsis
(its end kept), `show` wraps its long lists onto indented lines and keeps
every value whole, and JSON keeps every value whole."""
import json
import os
import re
import shutil
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, connect, skip  # noqa: E402

ELLIPSIS = "\u2026"
nmark = 0


def run_cmd(st, line):
    """Run one command and return what it printed (up to an echo mark)."""
    global nmark
    nmark += 1
    pos = len(st.out)
    st.cmd(line)
    st.cmd("echo MARK%d" % nmark)
    m = st.wait_for(r"^MARK%d$" % nmark, start=pos)
    return st.out[pos:m.start()].decode("utf-8", "replace")


def widest(text):
    return max([len(l) for l in text.splitlines()] or [0])


def too_wide(text, width):
    return [l for l in text.splitlines() if len(l) > width]


def session(st, path):
    """tcp-server with two peers, a UDP session, an IPv6 server with a peer,
    a unix server and client on a long path, a TLS server.  Returns the
    peers' sockets (kept open while the session is looked at)."""
    keep = []
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    keep.append(connect(port))
    st.wait_for(r"^\[2\] accepted")
    keep.append(connect(port))
    st.wait_for(r"^\[3\] accepted")
    st.cmd("udp-client 127.0.0.1 9")
    st.wait_for(r"^\[4\] ")
    st.cmd("tcp-server [::1] 0")
    p6 = st.port(5)
    keep.append(connect(p6, "::1"))
    st.wait_for(r"^\[6\] accepted")
    st.cmd("unix-server '%s'" % path)
    st.wait_for(r"^\[7\] listening")
    st.cmd("unix-client '%s'" % path)
    st.wait_for(r"^\[9\] accepted")
    st.cmd("tls-server 127.0.0.1 0")
    st.wait_for(r"^\[10\] listening")
    st.cmd("set 2 reply 'PING => PONG'")
    st.cmd("sockopt 2 nodelay on")
    return keep


def check_width(st, width, label, path):
    outs = {}
    for c in ("list", "netstat", "netstat --unix", "ifaces", "show 1",
              "show 2", "show 7", "show 9", "show 10"):
        outs[c] = run_cmd(st, c)
        ok(not too_wide(outs[c], width),
           "%s: every line of `%s` is at most %d columns (widest %d)"
           % (label, c, width, widest(outs[c])),
           "\n".join(too_wide(outs[c], width)))
    lst = outs["list"]
    rows = [l for l in lst.splitlines() if "unix-" in l]
    ok(len(rows) == 3 and all(ELLIPSIS in r for r in rows),
       "%s: list cuts the long unix path with an ellipsis" % label, lst)
    tail = path[-6:]
    ok(rows and all(tail in r for r in rows if "unix-peer" not in r),
       "%s: and keeps the path's end" % label, lst)
    if width >= 80:
        ok(re.search(r"^1 +tcp-server +listening +127\.0\.0\.1:\d+ ", lst,
                     re.M), "%s: an IPv4 address is shown whole" % label, lst)
    else:
        ok(re.search(r"^1 +tcp-server +listening +\S*:\d+ ", lst, re.M),
           "%s: a cut address keeps its port" % label, lst)
    ok(re.search(r"^5 +tcp-server +listening +\[::1\]:\d+ ", lst, re.M),
       "%s: [::1] is shown whole" % label, lst)
    # show: values whole, continuation lines indented to the value
    s7 = outs["show 7"]
    m = re.search(r"^  local +(.*(?:\n {13}.*)*)", s7, re.M)
    joined = re.sub(r"\n {13}", "", m.group(1)) if m else ""
    is_eq(joined, path, "%s: show 7 has the whole path" % label)
    s2 = outs["show 2"]
    m = re.search(r"^  settings +(.*(?:\n {13}.*)*)", s2, re.M)
    ok(m and m.group(1).count("\n") >= 1 and
       "reply 'PING => PONG'" in m.group(1).replace("\n" + " " * 13, " ")
       and "check none" in m.group(1),
       "%s: show 2's settings wrap onto indented lines, all there" % label,
       s2)
    m = re.search(r"^  sockopts +(.*(?:\n {13}.*)*)", s2, re.M)
    ok(m and "nodelay on" in m.group(1) and "linger off" in m.group(1),
       "%s: and its sockopts" % label, s2)
    lo = re.search(r"^lo .*(?:\n .*)*", outs["ifaces"], re.M)
    ok(lo and "127.0.0.1/8" in lo.group(0).split() and
       "LOOPBACK" in lo.group(0), "%s: ifaces still shows lo" % label,
       outs["ifaces"])
    return outs


d = tempfile.mkdtemp(prefix="st-t53-")
path = os.path.join(d, "a-unix-socket-with-a-rather-long-name-for-"
                    "the-table.sock")
path = path[:100]

# ---- scripted, 80 columns --------------------------------------------------
with Socktool(env={"COLUMNS": ""}) as st:
    keep = session(st, path)
    outs = check_width(st, 80, "80 columns", path)
    out = run_cmd(st, "netstat --tcp --port %d" % st.port(1))
    ok(re.search(r"127\.0\.0\.1:%d" % st.port(1), out),
       "netstat shows loopback addresses whole at 80 columns", out)
    for k in keep:
        k.close()

# ---- JSON keeps every value whole --------------------------------------------
with Socktool("--json", env={"COLUMNS": "60"}) as st:
    st.cmd("unix-server '%s'" % path)
    st.wait_for(r'"event":"listening"')
    st.cmd("list")
    m = st.wait_for(r'^\{.*"sessions".*$')
    j = json.loads(m.group(0))
    is_eq([s.get("local") for s in j["sessions"]], [path],
          "JSON list has the whole path at any width")

# ---- COLUMNS=60 ---------------------------------------------------------------
with Socktool(env={"COLUMNS": "60"}) as st:
    keep = session(st, path)
    outs = check_width(st, 60, "COLUMNS=60", path)
    ok("DISPLAY" not in outs["list"].splitlines()[0],
       "a narrow list leaves DISPLAY out", outs["list"])
    for k in keep:
        k.close()

# ---- at the prompt: the terminal's width ------------------------------------------
if shutil.which("tmux") is None:
    skip("a 100-column pane", "tmux not installed")
else:
    from tmuxpane import Pane  # noqa: E402
    tmp = tempfile.mkdtemp(prefix="st-t53-tmux-")
    pane = Pane(tmp, width=100, height=60)
    try:
        pane.start()
        ok(pane.wait_last(Pane.PROMPT + " ") or pane.wait(
            lambda ls: bool(ls) and ls[-1].startswith(Pane.PROMPT)),
           "the prompt comes up", pane.screen())
        pane.typed("unix-server '%s'" % path)
        pane.keys("Enter")
        pane.wait_re(r"^\[1\] listening")
        pane.typed("unix-client '%s'" % path)
        pane.keys("Enter")
        pane.wait_re(r"^\[3\] accepted")
        pane.typed("list")
        pane.keys("Enter")
        pane.wait_re(r"^ID +KIND")
        pane.typed("show 1")
        pane.keys("Enter")
        got = pane.wait_re(r"^  sockopts")
        lines = pane.nonempty()
        rows = [l for l in lines if re.match(r"^ *\d+ +unix-", l)]
        ok(got and len(rows) == 3 and
           all(ELLIPSIS in r for r in rows) and
           max(len(r) for r in rows) > 80 and
           max(len(r) for r in rows) <= 100,
           "a 100-column pane: list uses its width, cut paths one row each",
           pane.screen())
        hdr = [i for i, l in enumerate(lines) if l.startswith("session 1:")]
        body = lines[hdr[-1] + 1:] if hdr else []
        ok(hdr and all(len(l) <= 100 for l in body) and
           any(len(l) > 80 for l in body) and
           any(l.startswith(" " * 13) for l in body),
           "and show wraps to 100 columns", pane.screen())
        pane.typed("quit")
        pane.keys("Enter")
    finally:
        pane.kill()
        shutil.rmtree(tmp, ignore_errors=True)

shutil.rmtree(d, ignore_errors=True)
done()
