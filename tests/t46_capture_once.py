#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, bug 4: a pcap log covering both ends of one connection (a
client connected to a server of the same socktool, the README's TLS
recipe) records the connection once: one handshake, one set of sequence
numbers, the bytes of each direction exactly once.

(a) plain TCP, `log all` before the sessions: tshark's Follow TCP Stream
    shows each direction's text once, there is one TCP stream, and the
    expert info has no retransmission, no port reuse, no Warn or Error;
(b) the same with --dir rx;
(c) TLS (tls-server + tls-client --insecure): follow,tls with the secrets
    embedded in the capture shows both directions' plain text once;
(d) the log started while the connection was already open: what was said
    after it, once.

Skipped without tshark."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, skip_all, done  # noqa: E402

TSHARK = shutil.which("tshark")
if TSHARK is None:
    skip_all("tshark not installed")
tmp = tempfile.mkdtemp(prefix="st-t46-")
WSCFG = os.path.join(tmp, "ws")
os.makedirs(WSCFG, exist_ok=True)


def tshark(*args):
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=WSCFG)
    p = subprocess.run([TSHARK] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=180)
    return p.stdout.decode("utf-8", "replace")


def mark(st, name):
    pos = len(st.out)
    st.cmd("echo %s" % name)
    st.wait_for(r"^%s$" % name, start=pos)


def converse(st, words, tls=False):
    """Client 2 says words[0] to peer 3, which answers words[1]."""
    pos = len(st.out)
    st.cmd("send 2 %s\\n" % words[0])
    st.wait_for(r"^%s" % words[0], start=pos)      # shown as [3] received
    pos = len(st.out)
    st.cmd("send 3 %s\\n" % words[1])
    st.wait_for(r"^%s" % words[1], start=pos)


def run(cap, client, server, extra="", midway=False, before=(), after=()):
    with Socktool("--keep-going") as st:
        if not midway:
            st.cmd("log all %s --format pcap %s" % (cap, extra))
        st.cmd("%s 127.0.0.1 0" % server)
        port = st.port(1)
        st.cmd("%s 127.0.0.1 %d%s" % (client, port, " --insecure"
                                      if client.startswith("tls") else ""))
        st.wait_for(r"^\[3\] accepted")
        if client.startswith("tls"):
            st.wait_for(r"^\[3\] TLSv1")
            st.wait_for(r"^\[2\] TLSv1")
        else:
            st.wait_for(r"^\[2\] connected")
        for w in before:
            converse(st, w)
        if midway:
            st.cmd("log all %s --format pcap %s" % (cap, extra))
            mark(st, "LOGGING")
        for w in after:
            converse(st, w)
        st.cmd("close 2")
        st.wait_for(r"^\[3\] closed")
        rc = st.finish()
    return rc


def clean_expert(cap, label):
    out = tshark("-r", cap, "-q", "-z", "expert")
    bad = [l for l in out.splitlines() if
           re.search(r"retransmission|reused|same ports|previous segment|"
                     r"unseen segment|out-of-order", l, re.I)]
    ok(not bad and not re.search(r"^(Errors|Warns|Warnings) \(\d+\)", out,
                                 re.M),
       "%s: expert info has no retransmission, no port reuse, no Warn or "
       "Error" % label, out)


def streams(cap):
    out = tshark("-r", cap, "-T", "fields", "-e", "tcp.stream")
    return sorted(set(l for l in out.split() if l))


def check_once(out, words, label):
    for w in words:
        is_eq(out.count(w), 1, "%s: %s shown exactly once" % (label, w))


# ---- (a), (b): plain TCP -----------------------------------------------------
for extra, label in (("", "tcp"), ("--dir rx", "tcp --dir rx")):
    cap = os.path.join(tmp, "%s.pcapng" % label.replace(" ", ""))
    words = [("c2s-first-1111", "s2c-first-2222"),
             ("c2s-second-3333", "s2c-second-4444")]
    rc = run(cap, "tcp-client", "tcp-server", extra, after=words)
    is_eq(rc, 0, "%s: socktool exits 0" % label)
    is_eq(streams(cap), ["0"], "%s: one TCP stream in the capture" % label)
    out = tshark("-r", cap, "-q", "-z", "follow,tcp,ascii,0")
    check_once(out, [w for p in words for w in p], label + " follow,tcp")
    clean_expert(cap, label)

# ---- (c): TLS, the README's recipe --------------------------------------------
cap = os.path.join(tmp, "tls.pcapng")
words = [("hello-over-tls-5555", "answer-over-tls-6666")]
rc = run(cap, "tls-client", "tls-server", after=words)
is_eq(rc, 0, "tls: socktool exits 0")
is_eq(streams(cap), ["0"], "tls: one TCP stream in the capture")
out = tshark("-r", cap, "-q", "-z", "follow,tls,ascii,0")
check_once(out, [w for p in words for w in p],
           "tls follow,tls with the embedded secrets")
clean_expert(cap, "tls")

# ---- (d): the log begins with the connection open ------------------------------
cap = os.path.join(tmp, "midway.pcapng")
rc = run(cap, "tcp-client", "tcp-server", midway=True,
         before=[("before-log-7777", "before-log-8888")],
         after=[("after-log-9999", "after-log-0000")])
is_eq(rc, 0, "midway: socktool exits 0")
is_eq(streams(cap), ["0"], "midway: one TCP stream in the capture")
out = tshark("-r", cap, "-q", "-z", "follow,tcp,ascii,0")
check_once(out, ["after-log-9999", "after-log-0000"], "midway follow,tcp")
ok("before-log" not in out, "midway: what was said before the log is not "
   "in it", out)
clean_expert(cap, "midway")

done()
