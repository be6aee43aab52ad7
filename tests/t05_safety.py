#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 5: terminal safety.  Whatever a peer sends (escape
sequences, C0/C1 controls, bidi overrides), no such byte reaches stdout raw,
in text, hex and both modes and in --json; valid UTF-8 text is shown as
characters."""
import json
import os
import socket
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, connect, recv_exact, Socktool

EVIL = (b"<\x1b]0;x\x07"          # OSC: set window title
        b"|\x1b[2J"               # CSI: clear screen
        b"|\x1b[31;1m|\x1bc"      # SGR colour, RIS (full reset)
        b"|\x9b"                  # raw 8-bit CSI
        b"|\xe2\x80\xae"          # U+202E RIGHT-TO-LEFT OVERRIDE
        b"|\xc2\x9b"              # U+009B CSI as UTF-8 (C1)
        b"|\xc2\x85"              # U+0085 NEL (C1)
        b"|\xe2\x81\xa6|\xe2\x80\x8f"   # U+2066 LRI, U+200F RLM
        b"|\x00\x01\x07\x08\x0b\x0c\x0e\x1f\x7f\r\t"
        b"|h\xc3\xa9llo \xe4\xbd\xa0\xe5\xa5\xbd"  # valid: héllo 你好
        b"|END>\n")
UTF8_SAMPLE = "h\u00e9llo \u4f60\u597d"
SENT = b"S\x1b]0;pwned\x07\x1b[2J\x9b\x1b[1;1H!\n"

# What the text display must show for the dangerous parts: each one escaped,
# in one of the forms an engineer would accept.
ESCAPED = [
    ("OSC title", [r"\e]0;x\a", r"\x1b]0;x\x07"]),
    ("clear screen", [r"\e[2J", r"\x1b[2J"]),
    ("raw 0x9b", [r"\x9b"]),
    ("RTL override", [r"\xe2\x80\xae", r"\u202e", r"\u202E", r"\u{202e}",
                      "<U+202E>"]),
    ("C1 CSI as UTF-8", [r"\xc2\x9b", r"\u009b", r"\u009B", r"\u{9b}",
                         "<U+009B>"]),
    ("NUL", [r"\0", r"\x00"]),
    ("DEL", [r"\x7f", r"\x7F"]),
    ("CR", [r"\r"]),
    ("TAB", [r"\t"]),
]


def unsafe(raw):
    """A list of what is wrong with stdout bytes raw (empty when safe)."""
    bad = []
    for b, name in ((b"\x1b", "ESC"), (b"\x07", "BEL"), (b"\x9b", "0x9b"),
                    (b"\xe2\x80\xae", "U+202E"), (b"\xc2\x9b", "U+009B"),
                    (b"\xc2\x85", "U+0085"), (b"\xe2\x81\xa6", "U+2066"),
                    (b"\xe2\x80\x8f", "U+200F")):
        if b in raw:
            bad.append("raw %s at %d" % (name, raw.index(b)))
    for i, c in enumerate(raw):
        if (c < 0x20 and c != 0x0a) or c == 0x7f:
            bad.append("control byte 0x%02x at %d" % (c, i))
            break
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        bad.append("stdout is not valid UTF-8: %s" % e)
        s = ""
    for ch in s:
        o = ord(ch)
        if 0x80 <= o <= 0x9f or 0x202a <= o <= 0x202e or \
                0x2066 <= o <= 0x2069 or o in (0x200e, 0x200f, 0x061c):
            bad.append("raw U+%04X" % o)
            break
    return bad


def session(args, modes, payloads):
    """socktool with a server and one python peer; for each display mode,
    the peer sends each payload and socktool expects its end marker.
    Returns (stdout bytes, stderr bytes, exit status)."""
    with Socktool(*args) as st:
        st.cmd("tcp-server 127.0.0.1 0")
        m = st.wait_for(r'(?:listening on |"local":")127\.0\.0\.1:(\d+)')
        peer = connect(int(m.group(1)))
        peer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        st.wait_for(r"accepted")
        for mode in modes:
            st.cmd("set 2 display " + mode)
            for p in payloads:
                if isinstance(p, list):       # one write per piece
                    for piece in p:
                        peer.sendall(piece)
                else:
                    peer.sendall(p)
                st.cmd("expect 2 END>\\n")
            # sent data is displayed too: the operator's own escapes
            st.cmd("send 2 S\\e]0;pwned\\a\\e[2J\\x9b\\e[1;1H!\\n")
        got = recv_exact(peer, len(SENT) * len(modes))
        peer.close()
        st.wait_for(r'closed')
        rc = st.finish()
        return st.out, st.err, rc, got


# --- human output: text, hex, both -----------------------------------------
for mode in ("text", "hex", "both"):
    out, err, rc, got = session([], [mode], [EVIL])
    is_eq(rc, 0, "%s mode: exit status 0" % mode)
    is_eq(err, b"", "%s mode: nothing on stderr" % mode)
    is_eq(got, SENT,
          "%s mode: the escapes sent are the real bytes" % mode)
    is_eq(unsafe(out), [], "%s mode: no dangerous byte on stdout" % mode)
    txt = out.decode("utf-8", "replace")
    if mode != "hex":
        for name, forms in ESCAPED:
            ok(any(f in txt for f in forms),
               "%s mode: %s shown escaped" % (mode, name), txt)
        ok(UTF8_SAMPLE in txt, "%s mode: valid UTF-8 shown as characters"
           % mode, txt)
        ok(r"S\e]0;pwned\a\e[2J\x9b\e[1;1H!\n" in txt,
           "%s mode: sent data shown escaped" % mode, txt)
    if mode != "text":
        ok("00000000  3c 1b 5d 30 3b 78 07 7c  1b 5b 32 4a 7c 1b 5b 33"
           "  |<.]0;x.|.[2J|.[3|" in txt,
           "%s mode: hex dump with '.' for control bytes" % mode, txt)

# --- the same bytes one write at a time: chunk boundaries inside sequences --
out, err, rc, got = session([], ["text", "both"],
                            [[bytes([b]) for b in EVIL]])
is_eq(rc, 0, "byte-at-a-time: exit status 0")
is_eq(unsafe(out), [], "byte-at-a-time: no dangerous byte on stdout")

# --- max-display cutting a sequence in the middle ---------------------------
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    peer = connect(st.port(1))
    st.wait_for(r"accepted")
    for cut in range(1, 6):
        st.cmd("set 2 max-display %d" % cut)
        peer.sendall(b"A\xe2\x80\xae\xe4\xbd\xa0\x1b[2J|END>\n")
        st.cmd("expect 2 END>\\n")
    peer.close()
    st.wait_for("closed")
    is_eq(st.finish(), 0, "max-display cuts: exit status 0")
    is_eq(unsafe(st.out), [],
          "max-display cutting inside a sequence leaves nothing raw")

# --- --json -------------------------------------------------------------
out, err, rc, got = session(["--json"], ["text", "hex", "both"], [EVIL])
is_eq(rc, 0, "--json: exit status 0")
is_eq(err, b"", "--json: nothing on stderr")
is_eq(unsafe(out), [], "--json: no dangerous byte on stdout")
evs = []
bad = []
for line in out.decode("utf-8", "replace").splitlines():
    try:
        evs.append(json.loads(line))
    except ValueError:
        bad.append(line)
is_eq(bad, [], "--json: every line is JSON")
recv = [e for e in evs if e.get("event") == "recv"]
data = bytes.fromhex("".join(e.get("hex", "") for e in recv))
is_eq(data, EVIL * 3, "--json: recv hex carries every byte")
text = "".join(e.get("text", "") for e in recv)
is_eq(text, EVIL.decode("utf-8", "replace") * 3,
      "--json: recv text is the bytes decoded (0x9b as U+FFFD), escapes "
      "only in the JSON encoding")
sent = [e for e in evs if e.get("event") == "sent"]
is_eq([e.get("text") for e in sent], ["S\x1b]0;pwned\x07\x1b[2J\ufffd"
                                      "\x1b[1;1H!\n"] * 3,
      "--json: sent text decoded the same way")
done()
