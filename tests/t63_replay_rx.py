#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19, acceptance 4 (SPEC §3.13): reply rules with PCRE2 regular
expressions.  Numbered and named captures in the answer, binary requests
(a Modbus read answered with its register bytes and a correct CRC from
--append), --fill placeholders in the answer, an invalid regex is one error
naming the problem, and plain rules keep working beside them."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, connect, recv_exact  # noqa: E402


def crc16_modbus(b):
    crc = 0xFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


def ask(port, req, n):
    c = connect(port)
    try:
        c.sendall(req)
        return recv_exact(c, n, timeout=10)
    finally:
        c.close()


with Socktool("--keep-going") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    st.cmd("set 1 framing line")
    # Numbered captures, flags, escapes in the answer.
    st.cmd(r"set 1 reply /^GET (\w+) (\d+)/i => value of \1[\2] is 42\n")
    # Named captures, and \$ a dollar.
    st.cmd(r"set 1 reply /^set (?<key>[a-z]+)=(?<val>.*)$/ => "
           r"ok ${key} \$${val}\n")
    # A plain rule keeps working beside them.
    st.cmd("set 1 reply 'ping => pong\\n'")
    # --fill placeholders, and a captured brace stays a brace.
    st.cmd(r"set 1 reply /^seq (.*)$/ => n{seq} \1\n --fill")
    st.cmd("echo rules-set")
    st.wait_for("rules-set")

    got = ask(port, b"get temp 7\n", len(b"value of temp[7] is 42\n"))
    is_eq(got, b"value of temp[7] is 42\n",
          "numbered captures \\1 \\2 (flag i: caseless)")
    got = ask(port, b"set mode=fast\n", len(b"ok mode $fast\n"))
    is_eq(got, b"ok mode $fast\n", "named captures ${key} ${val}, \\$")
    got = ask(port, b"ping\n", 5)
    is_eq(got, b"pong\n", "a plain rule answers as before")
    c = connect(port)
    c.sendall(b"seq {x}\n")
    got = recv_exact(c, len(b"n1 {x}\n"))
    is_eq(got, b"n1 {x}\n",
          "--fill expands {seq} in the rule, not in captured bytes")
    c.sendall(b"seq a\n")
    got = recv_exact(c, len(b"n2 a\n"))
    is_eq(got, b"n2 a\n", "{seq} counts the session's replies")
    c.close()

    # Errors: one line each, naming the problem; the rules unchanged.
    mark, emark = len(st.out), len(st.err)
    st.cmd(r"set 1 reply /a(b/ => x")
    m = st.seen(r"error: set: reply rule: bad regex: missing closing "
                r"parenthesis at offset \d+", stream="err", start=emark)
    ok(m is not None, "an invalid regex: PCRE2's message and offset")
    st.cmd(r"set 1 reply /a/z => x")
    ok(st.seen(r"error: .*unknown regex flag 'z'", stream="err", start=emark),
       "an unknown flag is named")
    st.cmd(r"set 1 reply /(a)/ => \2")
    ok(st.seen(r"error: .*\\2 names no group", stream="err", start=emark),
       "a reference to a group the regex lacks")
    st.cmd(r"set 1 reply /(?<n>a)/ => ${m}")
    ok(st.seen(r"error: .*\$\{m\} names no group", stream="err", start=emark),
       "an unknown name")
    st.cmd(r"set 1 reply /a/ => x --append crc99")
    ok(st.seen(r"error: .*--append: unknown checksum",
       stream="err", start=emark),
       "a bad --append")
    st.cmd(r"set 1 rewrite /a/ => b")
    ok(st.seen(r"error: .*rewrite rule: a /REGEX/ works in reply rules "
               r"only",
                   stream="err", start=emark), "rewrite rules refuse a regex")
    st.cmd("show 1")
    st.wait_for(r"rewrite none", start=mark)
    errs = st.err[emark:].count(b"error:")
    is_eq(errs, 6, "each bad rule is exactly one error line")
    shown = " ".join(st.out[mark:].decode().split())
    ok("/a(b/" not in shown and "'ping => pong" in shown and
       shown.count("=>") == 4, "the rules are unchanged by the bad ones")

# Acceptance 4: a Modbus read answered with its register bytes and CRC.
# The request's register bytes include 0a (a newline), so flag s.
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    st.cmd(r"set 1 reply /^\x01\x03(..)(..)/s => \x01\x03\x04\1\2 "
           r"--append crc16-modbus")
    st.cmd("echo rules-set")
    st.wait_for("rules-set")
    req = b"\x01\x03\x00\x0a\x00\x02"
    req += crc16_modbus(req)
    body = b"\x01\x03\x04\x00\x0a\x00\x02"
    got = ask(port, req, len(body) + 2)
    is_eq(got, body + crc16_modbus(body),
          "Modbus: register bytes copied (0a included), correct CRC")
    req = b"\x01\x03\xff\x00\x7b\x00"
    body = b"\x01\x03\x04\xff\x00\x7b\x00"
    got = ask(port, req, len(body) + 2)
    is_eq(got, body + crc16_modbus(body),
          "binary safe: NUL and high bytes in the captures")

done()
