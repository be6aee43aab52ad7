#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11, acceptance 4: `ping` against real python responders on
127.0.0.1 — one reply line per probe and a ping-like summary, a JSON result
whose figures are ordered, exactly one loss for exactly one unanswered
probe, --fill probes matched by an echo, Ctrl-C giving the figures so far,
and a bad option value as one usage error with nothing sent."""
import json
import os
import re
import signal
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, run  # noqa: E402


class Responder:
    """A TCP peer that answers every PING with PONG, except the probes whose
    numbers are in drop; with echo, it returns what it receives instead.
    got holds every byte it received."""

    def __init__(self, drop=(), echo=False, answer_first=None):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.ls.settimeout(30)
        self.port = self.ls.getsockname()[1]
        self.drop = set(drop)
        self.echo = echo
        self.answer_first = answer_first
        self.got = b""
        self.probes = 0
        self.t = threading.Thread(target=self._serve, daemon=True)
        self.t.start()

    def _serve(self):
        try:
            c, _ = self.ls.accept()
        except OSError:
            return
        c.settimeout(60)
        pending = b""
        with c:
            while True:
                try:
                    d = c.recv(65536)
                except OSError:
                    return
                if not d:
                    return
                self.got += d
                if self.echo:
                    c.sendall(d)
                    continue
                pending += d
                # A stream may merge or split probes: count them in order.
                while b"PING" in pending:
                    pending = pending[pending.index(b"PING") + 4:]
                    self.probes += 1
                    if self.probes in self.drop:
                        continue
                    if (self.answer_first is not None and
                            self.probes > self.answer_first):
                        continue
                    c.sendall(b"PONG")

    def close(self):
        self.ls.close()
        self.t.join(10)


def script(port, *lines):
    return "tcp-client 127.0.0.1 %d\nwait 1 connected\n%s\n" % (
        port, "\n".join(lines))


RTT = r"(\d+\.\d{3})"
SUMMARY = (r"^\[1\] (\d+) sent, (\d+) received, (\S+) lost; rtt "
           r"min/avg/p50/p99/max = %s/%s/%s/%s/%s ms$" % ((RTT,) * 5))

# ---- 20 probes, each answered: 20 reply lines and the summary -------------
r = Responder()
rc, out, err = run(script(r.port, "ping 1 PING --expect PONG --count 20 "
                          "--interval 10ms", "echo after-ping"))
r.close()
is_eq(rc, 0, "ping: the script succeeds")
replies = re.findall(r"^\[1\] reply (\d+): (\d+\.\d{3}) ms$", out, re.M)
is_eq([int(n) for n, _ in replies], list(range(1, 21)),
      "ping: 20 reply lines, numbered 1 to 20")
is_eq(r.got, b"PING" * 20, "ping: the peer got exactly 20 probes")
m = re.search(SUMMARY, out, re.M)
ok(m is not None, "ping: a summary line with min/avg/p50/p99/max", out + err)
if m:
    is_eq(m.group(1, 2, 3), ("20", "20", "0%"),
          "ping: summary says 20 sent, 20 received, 0% lost")
    mn, avg, p50, p99, mx = (float(x) for x in m.group(4, 5, 6, 7, 8))
    ok(0 < mn <= p50 <= p99 <= mx and mn <= avg <= mx,
       "ping: min <= p50 <= p99 <= max, avg between", m.group(0))
    ok(mn == min(float(x) for _, x in replies) and
       mx == max(float(x) for _, x in replies),
       "ping: min and max are the extremes of the reply lines")
ok(out.find("echo after-ping") < 0 and
   m is not None and out.find("after-ping") > m.end(),
   "ping: in a script the next line runs after the summary", out)

# ---- JSON: one ping event per probe, and the result -------------------------
r = Responder()
rc, out, err = run(script(r.port, "ping 1 PING --expect PONG --count 20 "
                          "--interval 10ms"), "--json")
r.close()
evs = [json.loads(l) for l in out.splitlines() if l.strip()]
pings = [e for e in evs if e.get("event") == "ping"]
is_eq([(e["id"], e["seq"], "ms" in e, "lost" in e) for e in pings],
      [(1, i, True, False) for i in range(1, 21)],
      "json: 20 ping events with id, seq and ms")
res = [e for e in evs if e.get("event") == "result" and
       e.get("command") == "ping"]
is_eq(len(res), 1, "json: one ping result")
res = res[0] if res else {}
keys = ("id", "sent", "received", "lost", "min_ms", "avg_ms", "p50_ms",
        "p99_ms", "max_ms")
ok(all(k in res for k in keys), "json: the result has all its fields", res)
is_eq((res.get("id"), res.get("sent"), res.get("received"), res.get("lost")),
      (1, 20, 20, 0), "json: id 1, 20 sent, 20 received, 0 lost")
nums = [res.get(k) for k in keys[4:]]
ok(all(isinstance(x, float) for x in nums),
   "json: the figures are JSON numbers with a fraction", res)
if all(isinstance(x, float) for x in nums):
    mn, avg, p50, p99, mx = nums
    ok(0 < mn <= p50 <= p99 <= mx and mn <= avg <= mx,
       "json: min_ms <= p50_ms <= p99_ms <= max_ms", res)
    ms = sorted(e["ms"] for e in pings)
    is_eq((mn, mx), (ms[0], ms[-1]), "json: min and max match the events")
    ok(re.search(r'"p50_ms":\d+\.\d{3}[,}]', out) is not None,
       "json: milliseconds written with microsecond precision", out)

# ---- one unanswered probe is exactly one loss --------------------------------
r = Responder(drop={7})
rc, out, err = run(script(r.port, "ping 1 PING --expect PONG --count 20 "
                          "--interval 10ms --timeout 200ms"))
r.close()
is_eq(rc, 0, "loss: a lost probe is not a failure of the command")
is_eq(re.findall(r"^\[1\] probe (\d+): no reply within (\S+)$", out, re.M),
      [("7", "200ms")], "loss: probe 7, and only it, had no reply")
is_eq(len(re.findall(r"^\[1\] reply \d+: ", out, re.M)), 19,
      "loss: 19 reply lines")
m = re.search(SUMMARY, out, re.M)
is_eq(m.group(1, 2, 3) if m else None, ("20", "19", "5%"),
      "loss: summary says 20 sent, 19 received, 5% lost")

r = Responder(drop={3})
rc, out, err = run(script(r.port, "ping 1 PING --expect PONG --count 5 "
                          "--interval 0 --timeout 200ms"), "--json")
r.close()
res = [json.loads(l) for l in out.splitlines() if '"command":"ping"' in l]
is_eq([(e["sent"], e["received"], e["lost"]) for e in res], [(5, 4, 1)],
      "loss json: 5 sent, 4 received, 1 lost")
lost = [json.loads(l) for l in out.splitlines() if '"event":"ping"' in l]
is_eq([e["seq"] for e in lost if e.get("lost") is True], [3],
      "loss json: the ping event of probe 3 says lost: true")

# ---- --fill: each probe differs, and the echo of each is its reply ----------
r = Responder(echo=True)
rc, out, err = run(script(r.port, "ping 1 'n={seq:03};' --fill --count 3 "
                          "--interval 0"))
r.close()
is_eq(r.got, b"n=001;n=002;n=003;", "fill: placeholders expanded per probe")
is_eq(len(re.findall(r"^\[1\] reply \d+: ", out, re.M)), 3,
      "fill: the default pattern (the probe itself) matches each echo")

# ---- Ctrl-C: the figures so far ----------------------------------------------
r = Responder(answer_first=2)
with Socktool() as st:
    st.cmd("tcp-client 127.0.0.1 %d" % r.port)
    st.cmd("wait 1 connected")
    st.cmd("ping 1 PING --expect PONG --count 100 --interval 0 "
           "--timeout 30s")
    st.wait_for(r"^\[1\] reply 2: ")
    st.p.send_signal(signal.SIGINT)
    m = st.wait_for(r"^\[1\] (\d+) sent, (\d+) received, (\S+) lost")
    is_eq(m.group(1, 2, 3), (b"2", b"2", b"0%"),
          "ctrl-c: the summary of the answered probes")
    st.finish()
r.close()

# ---- a bad option value: one usage error, nothing sent ----------------------
# --keep-going runs a good ping after it: the bad line changed nothing, and
# the one probe the peer sees is the good line's.
r = Responder()
rc, out, err = run(script(r.port, "ping 1 PING --expect PONG --count 0",
                          "ping 1 PING --expect PONG --count 1"),
                   "--keep-going")
r.close()
errs = [l for l in err.splitlines() if l.startswith("error:")]
ok(len(errs) == 1 and errs[0].startswith("error: ping: bad --count") and
   "usage: ping ID TEXT" in errs[0], "bad --count: one usage error of ping "
   "naming the option", err)
is_eq(r.got, b"PING", "bad --count: no probe sent for it, one for the good "
      "line after it")
is_eq(re.findall(r"^\[1\] (\d+) sent, (\d+) received", out, re.M),
      [("1", "1")], "bad --count: only the good line measured")
done()
