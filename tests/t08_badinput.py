#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 8: a table of malformed commands.  Each yields exactly
one error line, nothing crashes, and the sessions (states and counters) are
exactly as before; bad command-line options exit 2."""
import os
import re
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool, SOCKTOOL

# Sessions while these run: 1 = tcp-server, 2 = tcp-client, 3 = its peer.
# Each entry: the bad line, and a word its error line must contain (the
# command's canonical name, or the offending word), or None.
BAD = [
    (b"frobnicate", "frobnicate"),                  # unknown command
    (b"s 2 x", "ambiguous"),                        # ambiguous prefix
    (b"se 2 x", "ambiguous"),                       # set/send/sendhex
    (b"tcp-server", "tcp-server"),                  # missing args
    (b"tcp-server 127.0.0.1 65536", "tcp-server"),  # port out of range
    (b"tcp-server 127.0.0.1 abc", "tcp-server"),
    (b"tcp-server 127.0.0.1 -1", "tcp-server"),
    (b"tcp-server 127.0.0.1 99999999999999999999", "tcp-server"),
    (b"tcp-server 256.0.0.1 0", "tcp-server"),      # bad address
    (b"tcp-server 127.0.0.1 0 extra", "tcp-server"),  # extra argument
    (b"listen 127.0.0.1 0 --max-peers abc", "tcp-server"),
    (b"tcp-server 127.0.0.1 0 --max-peers", "tcp-server"),  # no value
    (b"tcp-client 127.0.0.1 0", "tcp-client"),      # port 0 to connect
    (b"tcp-client 127.0.0.1 65536", "tcp-client"),
    (b"tcp-client 127.0.0.1 abc", "tcp-client"),
    (b"tcp-client 127.0.0.1 -1", "tcp-client"),
    (b"tcp-client 127.0.0.1", "tcp-client"),        # missing port
    (b"connect no-such-host.invalid 80", "tcp-client"),  # bad host name
    (b"tcp-client 127.0.0.1 1 --timeout", "tcp-client"),
    (b"tcp-client 127.0.0.1 1 --timeout 5x", "tcp-client"),  # bad duration
    (b"tcp-client 127.0.0.1 1 --bind nonsense", "tcp-client"),
    (b"tcp-client 127.0.0.1 1 --nope", "tcp-client"),  # unknown option
    (b"sendhex 2 414", "sendhex"),                  # odd digit count
    (b"sendhex 2 zz", "sendhex"),                   # not hex
    (b"sendhex 2 0x", "sendhex"),                   # prefix, no digits
    (b"sendhex 2 41 42 434", "sendhex"),            # odd count at the end
    (b"sendhex 2 41 4g", "sendhex"),
    (b"sendx 2 0x414", "sendhex"),
    (b"sendhex 2", "sendhex"),                      # no hex at all
    (b"sendhex 2 414 1", "sendhex"),                # odd digits per byte
    (b"sendhex 2 0x414 0x1", "sendhex"),
    (b"send 2 ok\\x4", "send"),                     # \x without 2 digits
    (b"send 2 ok\\xg1", "send"),
    (b"send 2 ok\\q", "send"),                      # unknown escape
    (b"send 2 ok\\", "send"),                       # trailing backslash
    (b"send 99 hello", "send"),                     # unknown session
    (b"send x hello", "send"),                      # bad session id
    (b"send -3 hello", "send"),
    (b"send", "send"),
    (b"send 2", "send"),                            # no text
    (b"set 2 colour red", "set"),                   # unknown setting
    (b"set 2 display rainbow", "set"),              # bad value
    (b"set 2 max-display -5", "set"),
    (b"set 2 max-display lots", "set"),
    (b"set 2 show-sent maybe", "set"),
    (b"set 99 display hex", "set"),
    (b"set 2 display", "set"),                      # missing value
    (b"set default display", "set"),
    (b"set 2 display hex extra", "set"),
    (b"list --nope", "list"),                       # unknown option
    (b"list extra", "list"),                        # extra argument
    (b"show", "show"),
    (b"show 99", "show"),
    (b"show x", "show"),
    (b"stats 99", "stats"),
    (b"stats 2 3", "stats"),
    (b"reset", "reset"),
    (b"reset 99", "reset"),
    (b"expect 2 \"unterminated", "expect"),         # unterminated quote
    (b"expect 2 'unterminated", "expect"),
    (b"expect 2 hello --timeout", "expect"),        # option without value
    (b"expect 2 hello --timeout 5x", "expect"),
    (b"expect 2 zz --hex", "expect"),               # bad hex pattern
    (b"expect 2 \\q", "expect"),                    # bad escape in pattern
    (b"expect 99 x", "expect"),
    (b"wait 2 exploded", "wait"),                   # unknown event
    (b"wait 2", "wait"),
    (b"wait 2 recv --timeout -1", "wait"),
    (b"close", "close"),                            # no args
    (b"close 99", "close"),
    (b"close 2 x", "close"),       # must not close 2 before failing on x
    (b"close 2 99", "close"),
    (b"sleep", "sleep"),
    (b"sleep 5x", "sleep"),
    (b"sleep -1", "sleep"),
    (b"help nonexistent", "nonexistent"),
    (b"quit now", "quit"),                          # extra argument
    (b"send 2 " + b"A" * (1 << 20), None),          # over-long line (1 MiB)
    (b"send 2 ab\x00cd", None),                     # NUL byte in a line
    (b"\x00", None),
]


COMMANDS = {"tcp-server", "tcp-client", "send", "sendhex", "set", "list",
            "show", "stats", "reset", "expect", "wait", "close", "sleep",
            "quit"}


def setup(*args):
    """socktool with a server (1), a client (2) and its peer (3), some bytes
    counted each way.  Returns the driver."""
    st = Socktool(*args)
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    st.cmd("tcp-client 127.0.0.1 %d" % port)
    st.wait_for(r"^\[2\] connected ")
    st.wait_for(r"^\[3\] accepted ")
    st.cmd("send 2 hello\\n")
    st.cmd("expect 3 hello")
    st.cmd("send 3 hi!")
    st.cmd("expect 2 hi!")
    return st


def feed(st, data):
    """Write to socktool's stdin; it may legitimately stop reading."""
    try:
        st.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def list_after(st, marker):
    n = len(st.out)
    st.cmd("list")
    st.cmd("echo " + marker)
    m = st.wait_for(r"^ID .*\n((?:.*\n)*?)%s$" % marker, start=n)
    return m.group(0).decode("utf-8", "replace")


ok(len(BAD) >= 35, "at least 35 malformed commands (%d)" % len(BAD))

# --- all of them in one --keep-going run --------------------------------
with setup("--keep-going") as st:
    before = list_after(st, "LIST-BEFORE")
    lines = before.splitlines()
    cols = lines[0].split()
    got = []
    for l in lines[1:-1]:
        v = dict(zip(cols, l.split()))
        got.append((l[:len(l) - len(l.lstrip(" "))],) + tuple(
            v.get(c) for c in ("ID", "KIND", "STATE", "RX", "TX", "DISPLAY")))
    is_eq(got,
          [("", "1", "tcp-server", "listening", "6", "3", "text"),
           ("  ", "3", "tcp-peer", "connected", "6", "3", "text"),
           ("", "2", "tcp-client", "connected", "3", "6", "text")],
          "setup: server, client and peer with counters")
    n0 = len(st.out)
    e0 = len(st.err)
    for line, _ in BAD:
        feed(st, line + b"\n")
    after = list_after(st, "LIST-AFTER")
    is_eq(after.replace("LIST-AFTER", ""), before.replace("LIST-BEFORE", ""),
          "list after the bad lines: same sessions, states and counters")
    between = st.out[n0:].decode("utf-8", "replace")
    ok(not re.search(r"^\[\d+\]", between, re.M),
       "no session event (no data sent, nothing opened or closed)",
       between[:3000])
    # the sessions still work
    st.cmd("send 2 still-alive\\n")
    st.cmd("expect 3 still-alive")
    st.cmd("echo ALIVE")
    st.wait_for(r"^ALIVE$")
    rc = st.finish()
    is_eq(rc, 1, "--keep-going with failed commands exits 1")
    errs = st.err[e0:].decode("utf-8", "replace").splitlines()
    is_eq(len(errs), len(BAD), "one error line per bad command")
    ok(all(e.startswith("error: ") for e in errs),
       "every stderr line is an error: line", "\n".join(errs)[:3000])
    for i, (line, word) in enumerate(BAD):
        if word is None:
            continue
        e = errs[i] if i < len(errs) else ""
        if word in COMMANDS:        # error: CMD: WHAT
            good = e.startswith("error: %s: " % word)
        else:
            good = word in e
        ok(good, "error %d in order, names %s: %.60r" % (i + 1, word, line),
           e)
    # SPEC 3.3: a hex error names the position (in HEX or in the line).
    for line, where in ((b"sendhex 2 41 4g", (5, 15)),
                        (b"sendhex 2 41 42 434", (9, 19)),
                        (b"sendhex 2 zz", (1, 11))):
        i = [b for b, _ in BAD].index(line)
        e = errs[i] if i < len(errs) else ""
        m = re.search(r"position (\d+)", e)
        ok(m and int(m.group(1)) in where,
           "hex error names the position: %r" % line, e)
    ok(all(len(e) < 1000 for e in errs),
       "error lines stay short (the 1 MiB line is not echoed back)")
    ok(not any("\x00" in e for e in errs), "no NUL byte in error lines")

# --- each alone, without --keep-going ---------------------------------------
results = []
for line, word in BAD:
    with setup() as st:
        e0 = len(st.err)
        feed(st, line + b"\necho NOT-REACHED\n")
        try:
            rc = st.finish(20)
        except subprocess.TimeoutExpired:
            rc = "hang"
        errs = st.err[e0:].decode("utf-8", "replace").splitlines()
        results.append((line[:60], rc, len(errs),
                        b"NOT-REACHED" in st.out))
is_eq([r for r in results if r[1] != 1],
      [], "each bad line alone: exit status 1 (no crash, no hang)")
is_eq([r for r in results if r[2] != 1], [],
      "each bad line alone: exactly one error line")
is_eq([r for r in results if r[3]], [],
      "each bad line alone stops the script")

# --- command-line usage ----------------------------------------------------
def cli(*args):
    p = subprocess.run([SOCKTOOL] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=10)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


for args in (["--bogus"], ["-Z"], ["--color"], ["--color", "sometimes"],
             ["-c"], ["--json=yes"]):
    rc, out, err = cli(*args)
    is_eq(rc, 2, "socktool %s exits 2" % " ".join(args))
    ok(err.strip() != "" and out == "",
       "socktool %s: message on stderr only" % " ".join(args), out + err)
rc, out, err = cli("-h")
ok(rc == 0 and "usage:" in out and "--json" in out,
   "-h prints usage on stdout, exits 0", (rc, out, err))
rc2, out2, _ = cli("--help")
ok(rc2 == 0 and out2 == out, "--help is -h")
rc, out, err = cli("-V")
ok(rc == 0 and re.match(r"^socktool \d+\.\d+", out),
   "-V prints the version, exits 0", (rc, out, err))
rc2, out2, _ = cli("--version")
ok(rc2 == 0 and out2 == out, "--version is -V")
done()
