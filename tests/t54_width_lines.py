#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, "Output that fits a terminal": help and its usages, the TLS
handshake lines (the fingerprint abbreviated, whole in show and JSON) fit 80
columns when not at a terminal ($COLUMNS when set); at a 60-column tmux
prompt the attach banner does not wrap, and a sendfile progress line never
wraps, so its updates leave no cut copies of it behind."""
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, need, run, Socktool, free_port  # noqa: E402

os.environ.pop("COLUMNS", None)       # the default: 80
tmp = tempfile.mkdtemp(prefix="st-t54-")


def too_wide(text, width=80):
    return [l for l in text.splitlines() if len(l) > width]


# ---- help: the list and one command's usage, wrapped ----
for script in ("help\n", "help send\n", "help tls-client\n", "help relay\n",
               "help starttls\n"):
    rc, out, err = run(script)
    ok(rc == 0 and len(out.splitlines()) > 1 and not too_wide(out),
       "%s: every line within 80 columns" % script.strip(),
       "\n".join(too_wide(out)) or out + err)
rc, out, err = run("help\n")
m = re.search(r"^  tls-client HOST PORT .*\n((?: {6}\S.*\n)+)", out, re.M)
ok(m, "help: a long usage goes on, indented, on the lines below", out)
words = re.sub(r"\s+", " ", m.group(0)).strip() if m else ""
rc, jout, _ = run("help\n", "--json")
usage = [c["usage"] for c in json.loads(jout)["commands"]
         if c["name"] == "tls-client"]
is_eq(words, usage[0] if usage else None,
      "help: the wrapped lines joined are the usage, broken between words")
ok(not re.search(r"\[[^\]]*\n", m.group(0) if m else ""),
   "help: an option in brackets is not broken across lines", out)
rc, out, err = run("help send\n")
ok(re.match(r"usage: send ID .*\n {7}\S", out), "help send: the usage "
   "goes on below, under its first word", out)
rc, out, err = run("help\nhelp tls-client\n", env={"COLUMNS": "60"})
ok(rc == 0 and not too_wide(out, 60), "COLUMNS=60: help within 60 columns",
   "\n".join(too_wide(out, 60)))

# ---- TLS: the handshake lines ----
need("openssl")
FP = r"(?:[0-9A-F]{2}:){3}[0-9A-F]{2}:\.\.\.:[0-9A-F]{2}:[0-9A-F]{2}"
with Socktool() as st:
    st.cmd("tls-server 127.0.0.1 0 --echo")
    port = st.port(1)
    st.cmd("tls-client 127.0.0.1 %d --insecure --sni localhost" % port)
    m = st.seen(r"^\[2\] TLSv1\.3 .*\n(?:\[2\]   .*\n)*\[2\]   sha256 "
                r".*\n") or st.wait_for(r"^\[2\] TLSv1\.3 .*\n")
    lines = m.group(0).decode().splitlines()
    ok(len(lines) >= 3 and not too_wide(m.group(0).decode()),
       "the handshake: lines within 80 columns", m.group(0))
    is_eq(lines[0], "[2] TLSv1.3 TLS_AES_256_GCM_SHA384, sni localhost",
          "first the protocol, cipher and SNI")
    ok(len(lines) >= 3 and lines[1].startswith("[2]   cert CN=socktool self-signed,O=socktool")
       and re.search(r"issued by CN=socktool self-signed,O=socktool, until "
                     r"\S+Z$", " ".join(lines[1:-1])),
       "then the certificate: subject, issuer, end of validity", lines)
    fp = re.match(r"\[2\]   sha256 (%s); NOT verified \(--insecure\): "
                  r"self-signed$" % FP, lines[-1] if lines else "")
    ok(fp, "then the abbreviated fingerprint and the verdict", lines)
    st.cmd("show 2")
    # show wraps a long value onto lines indented to the value column,
    # the fingerprint after one of its colons.
    m2 = st.wait_for(r"cert 0 [^\n]*(?:\n {6,}[^\n]*)*?sha256\s+"
                     r"((?:[0-9A-F]{2}:\n? *){31}[0-9A-F]{2})$",
                     start=m.end())
    whole = re.sub(r"\s", "", m2.group(1).decode())
    ok(fp and whole.startswith(fp.group(1)[:11]) and
       whole.endswith(fp.group(1)[-6:]), "show 2: the whole fingerprint, "
       "which the short one abbreviates", (whole, lines[-1]))
    st.cmd("close all")
    st.finish()

port = free_port()
rc, out, err = run("tls-server 127.0.0.1 %d --echo\ntls-client 127.0.0.1 %d "
                   "--insecure\nwait 3 accepted\nclose all\n" % (port, port),
                   "--json")
tls = [json.loads(l) for l in out.splitlines()
       if l.startswith("{") and json.loads(l).get("event") == "tls"]
ok(any(re.fullmatch(r"(?:[0-9A-F]{2}:){31}[0-9A-F]{2}", t.get("sha256") or "")
       for t in tls), "JSON: the tls event has the whole fingerprint", out)


# A certificate whose subject alone is wider than a line: cut with "...".
def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


longo = "A very long organisation name, longer than a line; " * 2
key, pem = os.path.join(tmp, "long.key"), os.path.join(tmp, "long.pem")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
   "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", pem,
   "-days", "30", "-subj", "/CN=localhost/O=%s/OU=%s" % (longo[:60],
                                                          longo[:60]))
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(pem, key)


def serve():
    c, _ = ls.accept()
    try:
        s = ctx.wrap_socket(c, server_side=True)
        s.recv(10)
        s.close()
    except (OSError, ssl.SSLError):
        c.close()


threading.Thread(target=serve, daemon=True).start()
rc, out, err = run("tls-client 127.0.0.1 %d --insecure\nclose 1\n" %
                   ls.getsockname()[1])
ls.close()
hs = re.search(r"^\[1\] TLSv1.*\n(?:\[1\]   .*\n)+", out, re.M)
ok(rc == 0 and hs and not too_wide(hs.group(0)) and
   re.search(r"^\[1\]   cert \S+=A very long .*\.\.\.,?$", hs.group(0),
             re.M),
   "a subject wider than a line is cut with ... to fit", out + err)

# ---- at a 60-column prompt: attach, and sendfile's progress line ----
need("tmux")
from tmuxpane import Pane  # noqa: E402

ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
got = [0]


def reader():
    c, _ = ls.accept()
    while True:
        b = c.recv(65536)
        if not b:
            break
        got[0] += len(b)
    c.close()


threading.Thread(target=reader, daemon=True).start()
name = os.path.join(tmp, "a-file-with-a-rather-long-name-for-a-60-column-"
                    "pane.bin")
with open(name, "wb") as f:
    f.write(b"x" * (4 << 20))
p = Pane(tmp, width=60, height=40).start()
try:
    ok(p.wait_last(p.PROMPT), "the prompt comes up")
    p.command("tcp-client 127.0.0.1 %d" % ls.getsockname()[1])
    ok(p.wait_re(r"^\[1\] connected"), "connected", p.screen())

    p.command("attach 1", wait=None)
    ok(p.wait_last("[1]>"), "attached", p.screen())
    banner = [l for l in p.nonempty() if l.startswith("[1] attached")]
    ok(len(banner) == 1 and re.search(r"Ctrl-\] or Ctrl-D\b.*\S$",
                                      banner[0]) and len(banner[0]) < 60,
       "the attach banner is one row of a 60-column pane", p.screen())
    p.keys("C-]")
    ok(p.wait_last(p.PROMPT), "back at the prompt", p.screen())

    p.command("set 1 rate 20k")
    p.command("sendfile 1 %s" % name, wait=None)
    seen = set()
    # A progress row, whole or a copy cut by the pane (what is not one of
    # the session's other lines).
    other = re.compile(r"^\[1\] (connecting|connected|attached|detached)")

    def progress(rows):
        return [l for l in rows if l.startswith("[1] ") and
                not other.match(l)]

    def progressed(rows):
        # Four updates: four lines seen, or four rows (copies left).
        seen.update(progress(rows))
        return len(seen) >= 4 or len(progress(rows)) >= 4
    ok(p.wait(progressed, timeout=20), "the progress line updates",
       p.screen())
    rows = progress(p.nonempty())
    ok(len(rows) == 1, "at most one progress line on the screen: no cut "
       "copies left by earlier updates (%d)" % len(rows), p.screen())
    ok(rows and len(rows[-1]) < 60 and re.search(
        r"\.\.\.\S*\.bin [\d.]+ [KM]iB/4\.0 MiB \(\d+%\), "
        r"(stalled|[\d.]+ [KM]iB/s, ETA \S+)$", rows[-1]),
       "it is narrower than the pane: the name shortened, the figures "
       "whole", p.screen())
    p.command("stop 1", wait=None)
    ok(p.wait_re(r"stopped after"), "stop ends it", p.screen())
    p.command("quit", wait=None)
finally:
    p.kill()
    ls.close()
# ---- stats with big counters: the way out goes on a line of its own ----
with Socktool() as st:
    st.cmd("set default display none")
    st.cmd("set default echo on")
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    blk, n = b"x" * 65536, 0
    while n < 12 << 20:                 # 12 MiB each way: 8-digit counts
        c.sendall(blk)
        n += len(blk)
        got = 0
        while got < len(blk):
            got += len(c.recv(len(blk) - got))
    pos = len(st.out)
    st.cmd("stats 2")
    m = st.seen(r"^\[2\] rx 12582912 bytes / \d+ msgs \([^)]*\)\n"
                r"    tx 12582912 bytes / \d+ msgs \([^)]*\)  up \S+$",
                start=pos)
    ok(m, "stats: 8-digit counters take two lines within 80 columns",
       st.out[pos:].decode(errors="replace"))
    ok(m and not too_wide(m.group(0).decode()), "... each within 80",
       m.group(0) if m else "")
    st.cmd("stats 1")
    ok(st.seen(r"^\[1\] rx 12582912 bytes / \d+ msgs \([^)]*\)\n    tx",
               start=pos), "the server's too", st.out[pos:])
    c.close()

done()
