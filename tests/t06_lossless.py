#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 2, acceptance 6: nothing lost.  10,000 send lines in one script all
arrive, in order; 64 MiB written by a peer to a server session with display
none is counted exactly (stats, list, JSON closed event and stats result)."""
import json
import os
import re
import socket
import sys
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, run, Socktool

N_LINES = 10000
BIG = 64 * 1024 * 1024


class Sink:
    """A python TCP server on a port of its own choosing that reads one
    connection to EOF."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.ls.settimeout(30)
        self.port = self.ls.getsockname()[1]
        self.data = b""
        self.error = None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        try:
            c, _ = self.ls.accept()
            c.settimeout(30)
            parts = []
            while True:
                chunk = c.recv(1 << 20)
                if not chunk:
                    break
                parts.append(chunk)
            self.data = b"".join(parts)
            c.close()
        except OSError as e:
            self.error = e
        finally:
            self.ls.close()

    def join(self):
        self.t.join(60)
        return not self.t.is_alive()


# --- 10,000 send lines in one script ------------------------------------
sink = Sink()
want = b"".join(b"line-%d\n" % i for i in range(N_LINES))
script = ["tcp-client 127.0.0.1 %d" % sink.port]
script += ["send 1 line-%d\\n" % i for i in range(N_LINES)]
script += ["stats 1"]
rc, out, err = run("\n".join(script) + "\n", timeout=60)
is_eq(rc, 0, "script of 10,000 sends exits 0")
is_eq(err, "", "no error output")
ok(sink.join(), "the peer saw the end of the stream")
is_eq(sink.error, None, "the peer had no socket error")
is_eq(len(sink.data), len(want), "the peer received every byte (%d)"
      % len(want))
is_eq(sink.data, want, "all 10,000 lines arrived, byte-exact, in order")
is_eq(len(re.findall(r"^\[1\] > \d+ bytes$", out, re.M)), N_LINES,
      "10,000 sent events shown")
# (on two lines when one would pass 80 columns)
ok(re.search(r"^\[1\] rx 0 bytes[^\n]*\n?[^\n]*tx %d bytes / %d msgs" % (
    len(want), N_LINES), out, re.M),
   "stats counts every byte and message sent", out[-2000:])


# --- 64 MiB from a peer, display none --------------------------------------
def blob():
    """64 MiB of a rotating counter pattern (not all alike, cheap to make)."""
    block = b"".join(i.to_bytes(4, "big") for i in range(16384))  # 64 KiB
    return b"".join(block[k:] + block[:k] for k in range(1024))


DATA = blob()
assert len(DATA) == BIG


def blast(port, result):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(DATA)
        s.close()
        result.append("sent")
    except OSError as e:
        result.append(e)


def big_run(json_mode):
    args = ["--json"] if json_mode else []
    with Socktool(*args) as st:
        st.cmd("set default display none")
        st.cmd("tcp-server 127.0.0.1 0")
        m = st.wait_for(r'(?:listening on |"local":")127\.0\.0\.1:(\d+)')
        result = []
        t = threading.Thread(target=blast, args=(int(m.group(1)), result),
                             daemon=True)
        t.start()
        if json_mode:
            m = st.wait_for(r'^.*"event":"closed".*"id":2\b.*$|'
                            r'^.*"id":2,.*"event":"closed".*$', timeout=60)
            closed = json.loads(m.group(0))
        else:
            st.wait_for(r"^\[2\] closed \(peer\)", timeout=60)
            closed = None
        t.join(60)
        n = len(st.out)
        st.cmd("stats 1")
        st.cmd("list")
        st.cmd("close 1")
        rc = st.finish(60)
        return st, closed, result, n, rc


st, closed, result, n, rc = big_run(False)
is_eq(result, ["sent"], "peer wrote 64 MiB and closed")
is_eq(rc, 0, "64 MiB run exits 0")
is_eq(st.err, b"", "no error output")
tail = st.text[n:]
ok(re.search(r"^\[1\] rx %d bytes " % BIG, tail, re.M),
   "stats: the server counts exactly 67108864 bytes received", tail)
m = re.search(r"^ID +KIND.*\n1 .*$", tail, re.M)
row = dict(zip(m.group(0).splitlines()[0].split(),
               m.group(0).splitlines()[1].split())) if m else {}
is_eq((row.get("KIND"), row.get("RX"), row.get("TX"), row.get("DISPLAY")),
      ("tcp-server", str(BIG), "0", "none"),
      "list: the server's RX column shows 67108864")
ok(len(st.out) < 4096,
   "display none: none of the 64 MiB is shown (%d bytes of output)"
   % len(st.out))

st, closed, result, n, rc = big_run(True)
is_eq(result, ["sent"], "JSON: peer wrote 64 MiB and closed")
is_eq(rc, 0, "JSON: 64 MiB run exits 0")
is_eq(closed.get("reason"), "peer", "JSON closed: reason peer")
is_eq(closed.get("rx_bytes"), BIG, "JSON closed: rx_bytes is 67108864")
stats = None
for line in st.text[n:].splitlines():
    ev = json.loads(line)
    if ev.get("event") == "result" and ev.get("command") == "stats":
        stats = ev
ok(stats is not None, "JSON: a stats result", st.text[n:])
ses = {s.get("id"): s for s in (stats or {}).get("sessions", [])}
is_eq(ses.get(1, {}).get("rx_bytes"), BIG,
      "JSON stats result: rx_bytes is 67108864")
# Whether display none also silences JSON recv events is not settled by
# SPEC; if they are printed, they must carry every byte (SPEC section 4).
nrecv = sum(json.loads(l).get("bytes", 0) for l in st.text.splitlines()
            if '"event":"recv"' in l)
ok(nrecv in (0, BIG), "JSON recv events, if any, carry every byte (%d)"
   % nrecv)
done()
