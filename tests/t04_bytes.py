#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 4: bytes exact.  sendhex of all 256 byte values, in
every accepted hex notation, arrives bit-exact; the 256 values received are
shown in hex mode as exactly the 16 data lines of `hexdump -C`; display
both/none, max-display and show-sent."""
import os
import re
import shutil
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, connect, recv_exact, Socktool, parse_list

ALL = bytes(range(256))


def hexdump_c(data):
    """The lines `hexdump -C` prints for data, without the final offset-only
    line.  The real hexdump when installed, else the same format by hand
    (no '*' squeezing needed: callers pass no repeated 16-byte lines)."""
    if shutil.which("hexdump"):
        out = subprocess.run(["hexdump", "-C"], input=data,
                             stdout=subprocess.PIPE, check=True,
                             timeout=10).stdout.decode()
        return out.splitlines()[:-1]
    lines = []
    for off in range(0, len(data), 16):
        c = data[off:off + 16]
        h = "".join("%02x " % b for b in c[:8]).ljust(24) + " " + \
            "".join("%02x " % b for b in c[8:]).ljust(24)
        a = "".join(chr(b) if 0x20 <= b < 0x7f else "." for b in c)
        lines.append("%08x  %s |%s|" % (off, h, a))
    return lines


def mark(st, name):
    """Run `echo name` and wait for it: everything before has been done."""
    st.cmd("echo " + name)
    m = st.wait_for(r"^%s$" % name)
    return m.start()

def rx_of(st, sid):
    n = len(st.out)
    st.cmd("list")
    st.cmd("echo LIST-DONE")
    st.wait_for(r"^LIST-DONE$", start=n)
    for _, r in parse_list(st.out[n:].decode("utf-8", "replace")):
        if r.get("ID") == str(sid):
            return int(r["RX"]), int(r["TX"]), r["DISPLAY"]
    return None, None, None


with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    peer = connect(port)
    st.wait_for(r"^\[2\] accepted ")

    # --- sendhex: every notation, all 256 values, bit-exact ---------------
    forms = [
        ("space separated", " ".join("%02x" % b for b in ALL)),
        ("contiguous", "".join("%02x" % b for b in ALL)),
        ("0x with commas", ",".join("0x%02x" % b for b in ALL)),
        ("colon separated", ":".join("%02x" % b for b in ALL)),
        ("dash separated", "-".join("%02x" % b for b in ALL)),
        ("upper-case digits", " ".join("%02X" % b for b in ALL)),
    ]
    for name, hx in forms:
        n = len(st.out)
        st.cmd("sendhex 2 " + hx)
        got = recv_exact(peer, 256, timeout=5)
        is_eq(got, ALL, "sendhex %s: 256 byte values arrive bit-exact" % name)
        st.wait_for(r"^\[2\] > 256 bytes$", start=n)
    # send: every escape decodes to exactly its byte
    st.cmd(r'send 2 \r\n\t\0\\\e\a\"\x00\x7f\x80\xFF\xfe|')
    is_eq(recv_exact(peer, 14),
          b'\r\n\t\x00\\\x1b\x07"\x00\x7f\x80\xff\xfe|',
          "send: every C escape decodes to exactly its byte")
    st.cmd("sendx 2 00 ff 0a")
    is_eq(recv_exact(peer, 3), b"\x00\xff\x0a", "sendx alias sends too")

    # --- received 256 values in hex mode: exactly hexdump -C's lines ----
    want = hexdump_c(ALL)
    is_eq(len(want), 16, "hexdump -C prints 16 data lines for 256 bytes")
    st.cmd("set 2 display hex")
    mark(st, "HEX-MODE-SET")
    n = len(st.out)
    peer.sendall(ALL)
    m = st.wait_for(r"^\[2\] < 256 bytes\n((?:.*\n){16})", start=n)
    got = m.group(1).decode("utf-8", "replace").splitlines()
    is_eq(got, want, "256 received bytes shown as hexdump -C's 16 lines")
    e = mark(st, "AFTER-HEX")
    tail = st.out[m.end():e].decode("utf-8", "replace")
    ok(not re.search(r"^0*100\b", tail, re.M) and
       not re.search(r"^\[2\] <", tail, re.M),
       "no offset-only line and no further chunk after the 16 lines", tail)

    # sent data is shown in the same mode
    n = len(st.out)
    st.cmd("sendhex 2 " + forms[0][1])
    is_eq(recv_exact(peer, 256), ALL, "sendhex in hex mode still bit-exact")
    m = st.wait_for(r"^\[2\] > 256 bytes\n((?:.*\n){16})", start=n)
    is_eq(m.group(1).decode("utf-8", "replace").splitlines(), want,
          "sent bytes in hex mode shown as hexdump -C's 16 lines")

    # a partial last line is padded exactly like hexdump -C
    short = b"partial line: 0123456789\x00\xff"
    n = len(st.out)
    peer.sendall(short)
    m = st.wait_for(r"^\[2\] < %d bytes\n((?:.*\n){2})" % len(short), start=n)
    is_eq(m.group(1).decode("utf-8", "replace").splitlines(),
          hexdump_c(short), "a short last line is padded like hexdump -C")

    # --- display both ----------------------------------------------------
    st.cmd("set 2 display both")
    mark(st, "BOTH-SET")
    n = len(st.out)
    peer.sendall(b"AB\r\n\x01")
    st.cmd("expect 2 AB\\r\\n\\x01")
    e = mark(st, "AFTER-BOTH")
    blk = st.out[n:e].decode("utf-8", "replace")
    ok(re.search(r"^\[2\] < 5 bytes$", blk, re.M), "both: one header", blk)
    ok(hexdump_c(b"AB\r\n\x01")[0] + "\n" in blk,
       "both: the hexdump -C line is shown", blk)
    ok(re.search(r"^AB\\r\\n\n\\x01$", blk, re.M),
       "both: the escaped text is shown", blk)

    # --- display none: nothing shown, counters still count --------------
    rx0, tx0, disp = rx_of(st, 2)
    is_eq(disp, "both", "list shows the display mode")
    st.cmd("set 2 display none")
    mark(st, "NONE-SET")
    n = len(st.out)
    peer.sendall(b"SECRET-PAYLOAD")
    st.cmd("expect 2 SECRET-PAYLOAD")
    st.cmd("send 2 SENT-SECRET")
    is_eq(recv_exact(peer, 11), b"SENT-SECRET", "display none still sends")
    e = mark(st, "AFTER-NONE")
    blk = st.out[n:e].decode("utf-8", "replace")
    ok("SECRET" not in blk and "53 45 43" not in blk and
       "53 45 4e" not in blk,
       "display none: neither received nor sent data is shown", blk)
    rx1, tx1, disp = rx_of(st, 2)
    is_eq((rx1 - rx0, tx1 - tx0, disp), (14, 11, "none"),
          "display none: the counters count every byte")

    # --- max-display ------------------------------------------------------
    st.cmd("set 2 display text")
    st.cmd("set 2 max-display 10")
    mark(st, "MAX-SET")
    n = len(st.out)
    peer.sendall(b"0123456789ABCDEFGHIJ")
    st.cmd("expect 2 J")
    e = mark(st, "AFTER-MAX")
    blk = st.out[n:e].decode("utf-8", "replace")
    ok(re.search(r"^\[2\] < 20 bytes\n0123456789\n", blk, re.M),
       "max-display 10: header counts 20, first 10 bytes shown", blk)
    ok("ABCDEF" not in blk and "GHIJ" not in blk,
       "max-display 10: the rest is not shown", blk)
    ok(re.search(r"\b10\b.*more", blk) or re.search(r"more.*\b10\b", blk),
       "max-display 10: a note says 10 more bytes", blk)

    st.cmd("set 2 display hex")
    mark(st, "MAX-HEX-SET")
    n = len(st.out)
    peer.sendall(b"0123456789ABCDEFGHIJ")
    st.cmd("expect 2 J")
    e = mark(st, "AFTER-MAX-HEX")
    blk = st.out[n:e].decode("utf-8", "replace")
    ok(re.search(r"^\[2\] < 20 bytes\n%s\n" %
                 re.escape(hexdump_c(b"0123456789")[0]), blk, re.M),
       "max-display 10 in hex: one hexdump line of the first 10 bytes", blk)
    ok("41 42" not in blk and re.search(r"\b10\b.*more|more.*\b10\b", blk),
       "max-display 10 in hex: rest not shown, note present", blk)
    rx2, _, _ = rx_of(st, 2)
    is_eq(rx2 - rx1, 40, "max-display does not limit the counters")

    st.cmd("set 2 max-display 0")
    st.cmd("set 2 display text")
    mark(st, "MAX0-SET")
    n = len(st.out)
    big = b"".join(b"%05d," % i for i in range(2000))   # 12000 bytes
    peer.sendall(big)
    st.cmd("expect 2 01999,")
    e = mark(st, "AFTER-MAX0")
    shown = b"".join(l for l in st.out[n:e].splitlines()
                     if not l.startswith(b"[2] <"))
    is_eq(shown, big, "max-display 0: every byte shown")

    # --- show-sent off / on ----------------------------------------------
    st.cmd("set 2 show-sent off")
    mark(st, "SHOWSENT-OFF")
    n = len(st.out)
    st.cmd("send 2 quiet-one\\n")
    is_eq(recv_exact(peer, 10), b"quiet-one\n", "show-sent off still sends")
    e = mark(st, "AFTER-QUIET")
    blk = st.out[n:e].decode("utf-8", "replace")
    ok("[2] >" not in blk and "quiet-one" not in blk,
       "show-sent off: sent data not shown", blk)
    n = len(st.out)
    peer.sendall(b"incoming")
    ok(st.seen(r"^\[2\] < 8 bytes\nincoming$", start=n),
       "show-sent off: received data still shown", st.text[-1500:])
    st.cmd("set 2 show-sent on")
    n = len(st.out)
    st.cmd("send 2 loud-one\\n")
    is_eq(recv_exact(peer, 9), b"loud-one\n", "show-sent on sends")
    ok(st.seen(r"^\[2\] > 9 bytes\nloud-one\\n$", start=n),
       "show-sent on: sent data shown again", st.text[-1500:])

    peer.close()
    st.wait_for(r"^\[2\] closed \(peer\)")
    is_eq(st.finish(), 0, "exit status 0")
    is_eq(st.err, b"", "no error output")
done()
