#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21: a character split across reads is shown whole (bug 5), the
"looks like gbk" hint, IPv6 literals in brackets and HOST:PORT for servers
(bug 8), v4-mapped addresses shown as IPv4, `check` values in wire order and
`show` escaping once (11)."""
import json
import os
import re
import socket
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, skip, Socktool, run, connect, recv_exact  # noqa

WORLD = "你好，世界"
GBK = WORLD.encode("gbk")       # c4e3 bac3 a3ac cac0 bde7
U8 = "你好".encode()            # e4bda0 e5a5bd


def server(st, *sets):
    """A tcp-server with one accepted peer (session 2): the peer socket
    and the output offset after the settings took effect."""
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    c = connect(port)
    st.wait_for(r"^\[2\] accepted")
    for s in sets:
        st.cmd(s)
    st.cmd("echo READY")
    return c, st.wait_for(r"^READY$").end()


def shown(st, n, start, d="<", sid=2):
    """The text line under the next "[sid] d n bytes" header."""
    m = st.wait_for(r"^\[%d\] %s %d bytes?\n(.*)$" % (sid, re.escape(d), n),
                    start=start)
    return m.group(1).decode("utf-8", "replace"), m.end()


# ---- bug 5: GBK split 3 + 7 -------------------------------------------------
with Socktool() as st:
    c, p = server(st, "set 2 encoding gbk")
    c.sendall(GBK[:3])
    t, p = shown(st, 3, p)
    is_eq(t, "你", "gbk 3 bytes: 你 shown, the cut byte kept (not 你\\xba)")
    c.sendall(GBK[3:])
    t, p = shown(st, 7, p)
    is_eq(t, "好，世界", "gbk 7 more bytes: 好，世界 (not 茫\\xac世界)")
    # A character half received when the encoding changes: shown as \x.
    c.sendall(b"\xca")
    st.wait_for(r"^\[2\] < 1 byte$", start=p)
    st.cmd("set 2 encoding utf-8")
    ok(st.seen(r"^\[2\] < incomplete character: \\xca$", start=p),
       "encoding changed: the kept byte shown as \\xca")
    c.close()
    st.wait_for(r"^\[2\] closed")
    ok(st.text.count("incomplete character") == 1,
       "nothing left over at close after the flush", st.text)
    st.finish()

# ---- UTF-8 split, both directions, leftover at close -------------------------
with Socktool() as st:
    c, p = server(st)
    c.sendall(U8[:4])
    t, p = shown(st, 4, p)
    is_eq(t, "你", "utf-8 4 bytes: 你 (the lead byte of 好 kept)")
    c.sendall(U8[4:])
    t, p = shown(st, 2, p)
    is_eq(t, "好", "utf-8 2 more bytes: 好 whole")
    # Shown-sent text carries the same way.
    st.cmd("send 2 \\xe4\\xbd")
    st.cmd("send 2 \\xa0!")
    m = st.seen(r"^\[2\] > 2 bytes\n\[2\] > 2 bytes\n(.*)$", start=p)
    ok(m and m.group(1).decode() == "你!",
       "sent 2 + 2 bytes: no text under the first, 你! under the second",
       st.text)
    st.wait_for(r"^\[2\] > 2 bytes\n(?:.*\n)?\[2\] > 2 bytes\n.*\n", start=p)
    p = len(st.out)
    ok(not re.search(r"\\xe4", st.text), "no \\xe4 shown for the sent cut",
       st.text)
    recv_exact(c, 4)
    c.sendall(b"ok\xe4\xbd")
    t, p = shown(st, 4, p)
    is_eq(t, "ok", "utf-8: 'ok' then a cut character: ok shown")
    c.close()
    m = st.seen(r"^\[2\] < incomplete character: (.*)\n\[2\] closed",
                start=p)
    ok(m and m.group(1).decode() == "\\xe4\\xbd",
       "at close the leftover is shown as \\x escapes, before closed",
       st.text)
    st.finish()

# ---- JSON: hex and text both describe exactly the event's bytes ---------------
# (SPEC 6: text is the event's bytes decoded; a character cut by a read is
# replacement characters there, and whole only on the screen.)
with Socktool("--json") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    m = st.wait_for(r'"event":"listening","id":1,.*"local":"127\.0\.0\.1:(\d+)"')
    c = connect(int(m.group(1)))
    st.wait_for(r'"event":"accepted","id":2')
    c.sendall(U8[:4])
    m = st.wait_for(r'^\{.*"event":"recv","id":2.*$')
    e1 = json.loads(m.group(0))
    c.sendall(U8[4:])
    m = st.wait_for(r'^\{.*"event":"recv","id":2.*$', start=m.end())
    e2 = json.loads(m.group(0))
    ok(e1["hex"] == U8[:4].hex() and e2["hex"] == U8[4:].hex(),
       "JSON hex stays per chunk", (e1, e2))
    ok(e1["text"] == U8[:4].decode("utf-8", "replace") and
       e2["text"] == U8[4:].decode("utf-8", "replace"),
       "JSON text: each event's own bytes decoded", (e1, e2))
    c.close()
    st.finish()

# ---- the encoding hint -----------------------------------------------------
with Socktool() as st:
    c, p = server(st)
    c.sendall(GBK)
    st.wait_for(r"^\[2\] < 10 bytes", start=p)
    m = st.seen(r"^hint: 2: received text looks like gbk "
                r"\(set 2 encoding gbk\)$", start=p)
    ok(m, "GBK bytes in a utf-8 session: hint looks like gbk", st.text)
    c.sendall(GBK)
    st.cmd("echo MARK")
    st.wait_for(r"^MARK$", start=p)
    is_eq(st.text.count("hint:"), 1, "the hint is given once per session")
    c.close()
    st.finish()

with Socktool() as st:
    c, p = server(st)
    c.sendall(b"caf\xe9 cr\xe8me")
    st.wait_for(r"^\[2\] < 10 bytes", start=p)
    c.sendall(b"\x00\x01\xff")
    st.cmd("echo MARK")
    st.wait_for(r"^MARK$", start=p)
    ok("hint: 2: received text looks like latin1" in st.text,
       "latin-1 text: looks like latin1", st.text)
    c.close()
    st.finish()

with Socktool() as st:
    c, p = server(st)
    c.sendall(b"\x00\x01\xff\xfe\x80\x02")
    st.wait_for(r"^\[2\] < 6 bytes", start=p)
    st.cmd("echo MARK")
    st.wait_for(r"^MARK$", start=p)
    ok("hint:" not in st.text, "binary bytes: no hint", st.text)
    c.close()
    st.finish()

# ---- bug 8: [v6] as a HOST, ADDR:PORT for servers, netstat ---------------
def v6_ok():
    try:
        t = socket.socket(socket.AF_INET6)
        t.bind(("::1", 0))
        t.close()
        return True
    except OSError:
        return False


if v6_ok():
    srv6 = socket.socket(socket.AF_INET6)
    srv6.bind(("::1", 0))
    srv6.listen(4)
    p6 = srv6.getsockname()[1]
    with Socktool("--keep-going") as st:
        st.cmd("tcp-client [::1] %d" % p6)
        ok(st.seen(r"^\[1\] connected .*\[::1\]:%d" % p6),
           "tcp-client [::1] PORT connects", st.text + st.err.decode())
        st.cmd("tcp-server [::1] 0")
        ok(st.seen(r"^\[2\] listening on \[::1\]:\d+"),
           "tcp-server [::1] 0 listens on ::1", st.text + st.err.decode())
        st.cmd("probe [::1] %d" % p6)
        ok(st.seen(r"\b%d\b.*open" % p6),
           "probe [::1] PORT finds the open port", st.text + st.err.decode())
        st.cmd("tcp-server [127.0.0.1] 0")
        ok(st.seen(r'error: tcp-server: bad address "\[127\.0\.0\.1\]": '
                   r'not an IPv6 address', stream="err"),
           "brackets around IPv4: one clear error", st.err.decode())
        st.finish()
    srv6.close()
else:
    for _ in range(4):
        skip("IPv6 loopback checks", "no ::1 here")

rc, out, err = run("tcp-server 127.0.0.1:0\nudp 127.0.0.1:0\n"
                   "tls-server 127.0.0.1:0\nrelay 127.0.0.1:0 127.0.0.1 9\n"
                   "list\n")
ok(rc == 0 and re.search(r"^\[1\] listening on 127\.0\.0\.1:\d+$", out, re.M)
   and re.search(r"^\[2\] bound on 127\.0\.0\.1:\d+$", out, re.M)
   and re.search(r"^\[4\] listening on 127\.0\.0\.1:\d+$", out, re.M),
   "tcp-server, udp, tls-server, relay take ADDR:PORT as one argument",
   out + err)
rc, out, err = run("tcp-server 127.0.0.1:x\n")
ok(rc == 1 and err.count("error:") == 1 and "bad port" in err,
   "tcp-server ADDR:badport: one error", err)

with Socktool() as st:
    st.cmd("tcp-server 0")          # dual stack: IPv4 peers are v4-mapped
    port = st.port(1)
    c = connect(port)
    st.wait_for(r"^\[2\] accepted")
    st.cmd("netstat --port %d" % port)
    st.cmd("echo END")
    st.wait_for(r"^END$")
    row = [l for l in st.text.splitlines() if re.search(r"\s2$", l)]
    ok(row and "127.0.0.1:%d" % port in row[0] and "ffff" not in st.text,
       "netstat shows the v4-mapped peer as 127.0.0.1", st.text)
    c.close()
    st.finish()

# ---- 11: check values in wire order; show escapes once -------------------
def crc16_modbus(b):
    crc = 0xffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xa001 if crc & 1 else crc >> 1
    return crc


with Socktool() as st:
    c, p = server(st, "set 2 check crc16-modbus")
    body = b"\x01\x03\x00\x00\x00\x0a"
    want = crc16_modbus(body).to_bytes(2, "little")
    bad = body + bytes([want[0] ^ 0xff, want[1]])
    c.sendall(bad)
    m = st.wait_for(r"^\[2\] < 8 bytes .*got (\w+), want (\w+)", start=p)
    is_eq((m.group(1).decode(), m.group(2).decode()),
          (bad[-2:].hex(), want.hex()),
          "check: got and want are the bytes in wire order")
    c.close()
    st.finish()

rc, out, err = run("tcp-server 127.0.0.1 0\n"
                   "set 1 reply PING\\r\\n => PO\\\\NG\\r\\n\nshow 1\n")
ok(rc == 0 and "reply 'PING\\r\\n => PO\\\\NG\\r\\n'" in out,
   "show: a reply rule as typed, backslashes not doubled", out + err)

tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "st-t48-%d" % os.getpid())
os.makedirs(tmp, exist_ok=True)
key, crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
import subprocess  # noqa: E402
r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/O=x/CN=a\\,b", "-keyout", key, "-out", crt],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if r.returncode == 0:
    rc, out, err = run("tls-server 127.0.0.1 0 --cert %s --key %s\n" %
                       (crt, key))
    ok(rc == 0 and "CN=a\\,b" in out and "a\\\\,b" not in out,
       "a certificate subject is escaped once (RFC 2253 a\\,b)", out + err)
else:
    skip("certificate subject", "openssl cannot make a certificate")
for f in (key, crt):
    if os.path.exists(f):
        os.unlink(f)
os.rmdir(tmp)

done()
