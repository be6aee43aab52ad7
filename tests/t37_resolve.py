#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 10, acceptance 1, 2 and 4: names resolved without blocking the loop
(tcp-client, resolve) and probe.  Everything runs in a private network and
mount namespace this test creates (the file re-executes itself under
`unshare -rnm`), with its own /etc/hosts and /etc/resolv.conf pointing at a
DNS responder written here, on 127.0.0.1:53; no lookup leaves the machine."""
import json
import os
import pty
import re
import select
import socket
import struct
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, skip, skip_all, run, Socktool,  # noqa
                SOCKTOOL, connect, recv_exact, parse_list)
import netns  # noqa: E402

netns.enter("-rnm", needs=("ip", "mount"))

# ---- from here on: our own network, our own /etc/hosts and resolv.conf ----

tmp = tempfile.mkdtemp(prefix="st-t37-")
HOSTS = """127.0.0.1 localhost
::1 localhost ip6-localhost
10.1.2.3 hosts-only.test
127.0.0.1 probe.test
"""
try:
    netns.lo_up()
    # One server, one try: a lookup that gets no answer says so soon.
    netns.own_etc(tmp, HOSTS,
                  "nameserver 127.0.0.1\noptions timeout:5 attempts:1\n")
except netns.ERRORS as e:
    skip_all("cannot set up the namespace's resolver files: %s" % e)


# ---- a DNS responder: A and AAAA from a table, NXDOMAIN otherwise ---------
A, AAAA, PTR = 1, 28, 12
ZONE = {
    "slow.test": {A: ["127.0.0.1"], AAAA: []},
    "slow2.test": {A: ["127.0.0.1"], AAAA: []},
    "fast.test": {A: ["127.0.0.2"], AAAA: ["fd00::5"]},
    "slowu.test": {A: ["127.0.0.1"], AAAA: []},
    "lo.test": {A: ["127.0.0.1"], AAAA: []},
}
# Names answered only after 2 s, and not before the test lets them go
# (so a slow machine cannot make the answer overtake what is checked).
SLOW = {"slow.test": threading.Event(), "slow2.test": threading.Event(),
        "slowu.test": threading.Event()}
STALL = {"stall.test", "stall2.test"}     # never answered
events = []                     # ("query"|"answer", name), in order
ev_lock = threading.Condition()


def note(what, name):
    with ev_lock:
        events.append((what, name))
        ev_lock.notify_all()


def wait_event(what, name, timeout=10):
    end = time.monotonic() + timeout
    with ev_lock:
        while (what, name) not in events:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("no DNS %s for %s" % (what, name))
            ev_lock.wait(left)


def dns_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xc0:
            raise ValueError("compressed name in a question")
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def dns_answer(query):
    """The reply to one query (a single question), or None to drop it."""
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if qd != 1:
        return None
    name, end = dns_name(query, 12)
    qtype, qclass = struct.unpack("!HH", query[end:end + 4])
    question = query[12:end + 4]
    lname = name.lower()
    if lname in STALL:
        return None
    rrs = []
    rcode = 3
    if lname in ZONE:
        rcode = 0
        for addr in ZONE[lname].get(qtype, []):
            fam = socket.AF_INET if qtype == A else socket.AF_INET6
            rdata = socket.inet_pton(fam, addr)
            # The name as a pointer to the question (offset 12).
            rrs.append(struct.pack("!HHHIH", 0xc00c, qtype, qclass, 60,
                                   len(rdata)) + rdata)
    head = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode,
                       1, len(rrs), 0, 0)
    return head + question + b"".join(rrs)


dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.bind(("127.0.0.1", 53))


def dns_reply_later(data, peer, name):
    SLOW[name].wait(30)
    reply = dns_answer(data)
    note("answer", name)
    if reply is not None:
        dns.sendto(reply, peer)


def dns_serve():
    while True:
        try:
            data, peer = dns.recvfrom(4096)
        except OSError:
            return
        try:
            name = dns_name(data, 12)[0].lower()
        except (ValueError, IndexError):
            continue
        note("query", name)
        if name in SLOW:
            # Held for 2 s at least, while the other names keep answering.
            threading.Timer(2.0, dns_reply_later, (data, peer, name)).start()
            continue
        reply = dns_answer(data)
        if reply is not None:
            dns.sendto(reply, peer)


threading.Thread(target=dns_serve, daemon=True).start()


class PtySocktool(Socktool):
    """socktool with a terminal on its standard input, so it is interactive
    (commands return at once, the prompt answers), its output on a pipe."""

    def __init__(self, *args):
        import subprocess as sp
        self.master, slave = pty.openpty()
        e = dict(os.environ, NO_COLOR="1", TERM="dumb",
                 XDG_STATE_HOME=tmp)
        self.p = sp.Popen([SOCKTOOL] + list(args), stdin=slave,
                          stdout=sp.PIPE, stderr=sp.PIPE, env=e,
                          start_new_session=True)
        os.close(slave)
        self.out = b""
        self.err = b""
        self.cond = threading.Condition()
        for which in ("out", "err"):
            threading.Thread(target=self._reader, args=(which,),
                             daemon=True).start()

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def cmd(self, line):
        self.write(line + "\r")

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def plain(b):
    """Output without the prompt's terminal controls."""
    t = b.decode("utf-8", "replace") if isinstance(b, bytes) else b
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", t)


def pos(text, pattern):
    m = re.search(pattern, text, re.M)
    return m.start() if m else -1


# ---- 1. tcp-client NAME: the loop goes on while the name resolves ---------
with PtySocktool() as st:
    try:
        st.cmd("tcp-server 127.0.0.1 0 --echo")
        echo_port = int(st.wait_for(r"\[1\] listening on 127\.0\.0\.1:(\d+)")
                        .group(1))
        peer = connect(echo_port)
        st.wait_for(r"\[2\] accepted")
        st.cmd("tcp-server 127.0.0.1 0")
        target = int(st.wait_for(r"\[3\] listening on 127\.0\.0\.1:(\d+)")
                     .group(1))
        st.cmd("tcp-client slow.test %d" % target)
        st.wait_for(r"\[4\] resolving slow\.test")
        wait_event("query", "slow.test")
        # The answer is held: the echo session and the prompt must work.
        peer.sendall(b"ping-while-resolving")
        # (Within 3 s: a resolver blocking the loop gives up after 5.)
        echoed = recv_exact(peer, 20, timeout=3)
        with ev_lock:
            held = ("answer", "slow.test") not in events
        st.cmd("list")
        st.wait_for(r"^\s*4\s+tcp-client\s+resolving\s")
        mark = len(st.out)
        SLOW["slow.test"].set()
        st.wait_for(r"\[4\] connected to 127\.0\.0\.1:%d" % target)
        st.wait_for(r"\[5\] accepted")
        text = plain(st.out)
        is_eq(echoed, b"ping-while-resolving",
              "tcp-client slow.test: an established session echoes while "
              "the name resolves")
        ok(held, "the echo came back while the DNS answer was held",
           events)
        r = pos(text, r"\[4\] resolving slow\.test")
        l = pos(text, r"^\s*4\s+tcp-client\s+resolving\s")
        c = pos(text, r"\[4\] connecting to 127\.0\.0\.1:%d" % target)
        d = pos(text, r"\[4\] connected to")
        ok(0 <= r < l < c < d,
           "resolving, then list answers (session 4 resolving), then "
           "connecting and connected, in that order", text[-3000:])
        ok(mark < len(st.out) and "[4] connected" in plain(st.out[mark:]),
           "the connect comes once the answer is let go", text[-2000:])

        # ---- close during resolution cancels it ----------------------------
        st.cmd("tcp-client slow2.test %d" % target)
        st.wait_for(r"\[6\] resolving slow2\.test")
        wait_event("query", "slow2.test")
        st.cmd("close 6")
        st.wait_for(r"\[6\] closed.*connect cancelled")
        SLOW["slow2.test"].set()
        wait_event("answer", "slow2.test")
        # Two rounds through the loop after the answer was sent: a lookup
        # still alive would have started its connect by now.
        for i in range(2):
            peer.sendall(b"after-cancel-%d" % i)
            recv_exact(peer, 14)
        st.cmd("list")
        st.wait_for(r"^\s*3\s+tcp-server.*\n(?:.*\n)*?\s*5\s+tcp-peer")
        st.cmd("echo END-OF-CANCEL")
        st.wait_for(r"^END-OF-CANCEL")
        text = plain(st.out)
        ok("[6] connecting" not in text and "[7] accepted" not in text
           and "[6] connected" not in text,
           "close during resolution: no connect afterwards", text[-2000:])
        rows = parse_list(text[:text.rfind("END-OF-CANCEL")])
        ids = [r[1].get("ID") for r in rows]
        ok("6" not in ids and "7" not in ids,
           "the cancelled session is gone from the table", text[-2000:])
        peer.close()
    except (TimeoutError, OSError, ValueError) as e:
        ok(False, "tcp-client while a name resolves", str(e))
    st.kill()

# In a script, tcp-client NAME waits for the connect like a numeric one.
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
SLOW["slow.test"].set()
rc, out, err = run("tcp-client slow.test %d\nsend 1 hello\n"
                   "echo SENT\n" % srv.getsockname()[1], timeout=30)
ok(rc == 0 and re.search(r"\[1\] resolving slow\.test", out)
   and re.search(r"\[1\] connected to 127\.0\.0\.1:", out)
   and out.index("connected") < out.index("SENT"),
   "a script's tcp-client NAME resolves, connects, then the next line runs",
   out + err)
c, _ = srv.accept()
is_eq(recv_exact(c, 5), b"hello", "the data reaches the peer")
c.close()
rc, out, err = run("tcp-client nosuch.test 80\necho NOT-REACHED\n")
ok(rc == 1 and 'cannot resolve "nosuch.test"' in err
   and "NOT-REACHED" not in out,
   "tcp-client to an unknown name fails the script with the resolver's "
   "words", out + err)
rc, out, err = run("tcp-client stall.test 80 --timeout 300ms\n", timeout=30)
ok(rc == 1 and "resolving timed out after 300ms" in err,
   "tcp-client --timeout covers a name that gets no answer", out + err)

# ---- 1b. every other HOST a command takes resolves off the loop too ------
# udp-client NAME in a script: the command waits for the name while the
# loop goes on (an echo session answers), then the line runs with it.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
u.settimeout(10)
uport = u.getsockname()[1]
with Socktool() as st:
    try:
        st.cmd("tcp-server 127.0.0.1 0 --echo")
        echo_port = int(st.wait_for(r"\[1\] listening on 127\.0\.0\.1:(\d+)")
                        .group(1))
        peer = connect(echo_port)
        st.wait_for(r"\[2\] accepted")
        st.cmd("udp-client slowu.test %d" % uport)
        st.cmd("send 3 over-udp")
        st.cmd("echo AFTER-UDP")
        wait_event("query", "slowu.test")
        peer.sendall(b"echo-while-udp-resolves")
        echoed = recv_exact(peer, 23, timeout=3)
        with ev_lock:
            held = ("answer", "slowu.test") not in events
        early = "[3]" in st.text
        try:
            st.wait_for(r"^resolving slowu\.test$", timeout=3)
            said = True
        except TimeoutError:
            said = False
        ok(said, "the waiting command says which name it resolves",
           st.text[-500:])
        SLOW["slowu.test"].set()
        st.wait_for(r"^AFTER-UDP$")
        data, _ = u.recvfrom(100)
        is_eq(echoed, b"echo-while-udp-resolves",
              "udp-client NAME: an established session echoes while the "
              "name resolves")
        ok(held and not early, "udp-client waited for the answer (no "
           "session 3 before it)", st.text[-1000:])
        ok(re.search(r"^\[3\] bound on 0\.0\.0\.0:\d+", st.text, re.M),
           "udp-client NAME then binds", st.text[-1000:])
        is_eq(data, b"over-udp", "udp-client NAME: the next line's send "
              "reaches the resolved address")
        peer.close()
    except (TimeoutError, OSError) as e:
        ok(False, "udp-client while a name resolves", str(e))

# Names in --to, --bind, a server's ADDR, a UDP relay's upstream: the
# command runs once they are answered, with the same result as numeric.
tsrv = socket.socket()
tsrv.bind(("127.0.0.1", 0))
tsrv.listen(4)
script = ("udp 127.0.0.1 0 --to lo.test:%d\n"
          "send 1 via-udp-to\n"
          "send 1 --to lo.test:%d via-send-to\n"
          "tcp-server lo.test 0\n"
          "tcp-client 127.0.0.1 %d --bind lo.test:0\n"
          "relay 127.0.0.1 0 lo.test %d --udp\n"
          "list\n"
          "echo DONE\n" % (uport, uport, tsrv.getsockname()[1], uport))
with Socktool() as st:
    for line in script.splitlines():
        st.cmd(line)
    try:
        st.wait_for(r"^DONE$", timeout=20)
        got = sorted([u.recvfrom(100)[0], u.recvfrom(100)[0]])
    except (TimeoutError, OSError) as e:
        got = [str(e)]
    is_eq(got, [b"via-send-to", b"via-udp-to"],
          "udp --to NAME:PORT and send --to NAME:PORT reach the address")
    ok(re.search(r"^\[2\] listening on 127\.0\.0\.1:\d+", st.text, re.M),
       "tcp-server NAME PORT listens on the name's address", st.text)
    ok(re.search(r"^\[3\] connected to 127\.0\.0\.1:\d+", st.text, re.M),
       "tcp-client --bind NAME:0 connects", st.text)
    m = re.search(r"^\[4\] bound on 127\.0\.0\.1:(\d+)", st.text, re.M)
    ok(m, "relay --udp to a NAME starts", st.text)
    if m:
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.sendto(b"through-relay", ("127.0.0.1", int(m.group(1))))
        try:
            data, _ = u.recvfrom(100)
        except OSError as e:
            data = str(e).encode()
        is_eq(data, b"through-relay", "the UDP relay forwards to the "
              "name's address")
        c.close()
    else:
        skip("UDP relay forwarding", "the relay did not start")
    rc = st.finish()
    is_eq(rc, 0, "the script with names everywhere exits 0")
cl, _ = tsrv.accept()
cl.close()
tsrv.close()

rc, out, err = run("udp-client nosuch.test 9\necho NOT-REACHED\n")
ok(rc == 1 and re.search(r'^error: udp-client: cannot resolve "nosuch\.test"',
                         err, re.M) and "NOT-REACHED" not in out,
   "udp-client to an unknown name: one error with the resolver's words",
   out + err)
rc, out, err = run("udp 127.0.0.1 0 --to nosuch.test:9\nlist\n")
ok(rc == 1 and len(re.findall(r"^error: ", err, re.M)) == 1
   and "bound on" not in out,
   "udp --to an unknown name: one error and nothing created", out + err)

# Ctrl-C cancels a command waiting for a name.
with Socktool() as st:
    st.cmd("udp-client stall2.test 9")
    try:
        wait_event("query", "stall2.test")
        st.p.send_signal(2)
        st.wait_for(r"error: udp-client: interrupted", stream="err")
        cancelled = True
    except TimeoutError:
        cancelled = False
    rc = st.finish()
    ok(cancelled and rc == 1 and "bound on" not in st.text,
       "Ctrl-C cancels udp-client while its name resolves", st.text +
       st.err.decode(errors="replace"))
u.close()

# ---- 2. resolve -----------------------------------------------------------
rc, out, err = run("resolve localhost\n")
ok(rc == 0 and re.search(r"^localhost has address 127\.0\.0\.1$", out, re.M)
   and re.search(r"^localhost has IPv6 address ::1$", out, re.M)
   and re.search(r"^\(2 addresses in [0-9.]+ m?s\)$", out, re.M),
   "resolve localhost: 127.0.0.1 and ::1, and the time taken", out + err)
rc, out, err = run("resolve hosts-only.test\n")
ok(rc == 0 and "hosts-only.test has address 10.1.2.3" in out,
   "a name from /etc/hosts resolves", out + err)
rc, out, err = run("resolve fast.test\n")
ok(rc == 0 and "fast.test has address 127.0.0.2" in out
   and "fast.test has IPv6 address fd00::5" in out,
   "a name from DNS: both families", out + err)
rc, out, err = run("resolve nosuch.test\necho NOT-REACHED\n")
ok(rc == 1 and re.search(r'error: resolve: cannot resolve "nosuch\.test": '
                         r'Domain name not found', err)
   and "NOT-REACHED" not in out,
   "an unknown name fails with the resolver's words", out + err)
rc, out, err = run("resolve nothing.invalid\ntcp-client x.invalid 80\n"
                   "list\n", "--keep-going")
with ev_lock:
    asked = [e for e in events if e[1].endswith(".invalid")]
ok(rc == 1 and err.count('Domain name not found') == 2 and not asked
   and "(no sessions)" in out,
   "a name under .invalid (RFC 6761) fails at once, asking no server and "
   "making no session", out + err + repr(asked))
rc, out, err = run("resolve 127.0.0.1\n")
ok(rc == 0 and re.search(r"^127\.0\.0\.1 is localhost \([0-9.]+ m?s\)$", out,
                         re.M),
   "reverse lookup of 127.0.0.1", out + err)
rc, out, err = run("resolve stall.test --timeout 300ms\n")
ok(rc == 1 and 'cannot resolve "stall.test": no answer within 300ms' in err,
   "resolve --timeout ends a lookup that gets no answer", out + err)
rc, out, err = run("resolve localhost\nresolve 127.0.0.1\n", "--json")
objs = [json.loads(l) for l in out.splitlines() if l.strip()]
res = [o for o in objs if o.get("event") == "result"]
ok(rc == 0 and len(res) == 2 and res[0].get("command") == "resolve"
   and sorted(a["address"] for a in res[0].get("addresses", []))
   == ["127.0.0.1", "::1"] and isinstance(res[0].get("ms"), int)
   and res[1].get("name") == "localhost"
   and res[1].get("address") == "127.0.0.1",
   "--json: a result with the addresses, and one with the name", out + err)
rc, out, err = run("resolve\n")
ok(rc == 1 and "usage: resolve NAME|ADDR [options]" in err,
   "resolve without a name is a usage error", err)

# ---- 4. probe -------------------------------------------------------------
listeners = []
for port in (20001, 20013):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    listeners.append(s)
want = [(20001, "open"), (20010, "closed"), (20011, "closed"),
        (20012, "closed"), (20013, "open"), (20014, "closed"),
        (20015, "closed")]
rc, out, err = run("probe 127.0.0.1 20013-20015,20001,20010-20012 --all\n")
got = re.findall(r"^(\d+)/tcp (\S+)$", out, re.M)
is_eq([(int(p), s) for p, s in got], want,
      "probe 127.0.0.1 P1,P2-P3: open for listeners, closed for the rest, "
      "in port order")
ok(rc == 0 and re.search(r"^7 ports in [0-9.]+ m?s: 2 open, 5 closed, "
                         r"0 filtered$", out, re.M)
   and out.rfind("/tcp") < out.find("7 ports in"),
   "then a summary line", out + err)
rc, out, err = run("probe 127.0.0.1 http,20001,ssh --all\n")
got = re.findall(r"^(\d+)/tcp (\S+)$", out, re.M)
is_eq([(int(p), s) for p, s in got], [(22, "closed"), (80, "closed"),
                                      (20001, "open")],
      "probe PORTS takes service names (/etc/services), in port order")
rc, out, err = run("probe 127.0.0.1 nosuch-service\n")
ok(rc == 1 and 'unknown service "nosuch-service"' in err,
   "an unknown service in PORTS is a usage error naming it", out + err)
rc, out, err = run("probe probe.test 20001,20002\n", "--json")
objs = [json.loads(l) for l in out.splitlines() if l.strip()]
pe = [o for o in objs if o.get("event") == "probe"]
res = [o for o in objs if o.get("event") == "result"]
ok(rc == 0 and [(o["port"], o["state"], o["host"]) for o in pe]
   == [(20001, "open", "probe.test"), (20002, "closed", "probe.test")]
   and all(isinstance(o.get("ms"), int) for o in pe)
   and len(res) == 1 and res[0].get("command") == "probe"
   and res[0].get("open") == 1 and res[0].get("closed") == 1
   and res[0].get("address") == "127.0.0.1",
   "--json, a host by name: a probe event per port, then a result",
   out + err)
rc, out, err = run("probe 127.0.0.1 30000-30999 --all\n", timeout=60)
ok(rc == 0 and len(re.findall(r"^\d+/tcp closed$", out, re.M)) == 1000
   and "1000 ports in" in out and "0 open, 1000 closed" in out,
   "1,000 ports finish", out[-500:] + err)
rc, out, err = run("probe 127.0.0.1 80-70\nprobe 127.0.0.1 0\n"
                   "probe 127.0.0.1 80 --parallel 0\n", "--keep-going")
ok(rc == 1 and err.count("usage: probe HOST PORTS") == 3
   and "goes down" in err and "out of range" in err,
   "bad PORTS and --parallel are usage errors", err)
for s in listeners:
    s.close()

# filtered: a SYN that never gets out (no neighbour answers on a veth
# whose other end has no address) waits for the timeout
filtered_ok = True
try:
    netns.sh("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    netns.sh("ip", "addr", "add", "10.9.0.1/24", "dev", "v0")
    netns.sh("ip", "link", "set", "v0", "up")
    netns.sh("ip", "link", "set", "v1", "up")
except netns.ERRORS as e:
    filtered_ok = False
    skip("probe: filtered ports (a timeout)", "no veth here: %s" % e)
if filtered_ok:
    # While twelve filtered ports are tried four at a time, count our
    # descriptors from /proc: never more than four sockets beyond the rest.
    st = Socktool("--json")
    base = None
    try:
        st.cmd("echo READY")
        st.wait_for(r'"READY"')
        base = len(os.listdir("/proc/%d/fd" % st.p.pid))
        st.cmd("probe 10.9.0.2 1-12 --parallel 4 --timeout 400ms")
        peak = 0
        while b'"command":"probe"' not in st.out and st.p.poll() is None:
            try:
                n = len(os.listdir("/proc/%d/fd" % st.p.pid))
            except FileNotFoundError:
                break
            peak = max(peak, n - base)
            select.select([], [], [], 0.01)
        st.wait_for(r'"command":"probe"', timeout=20)
        rc = st.finish()
        objs = [json.loads(l) for l in st.text.splitlines() if l.strip()]
        pe = [o for o in objs if o.get("event") == "probe"]
        res = [o for o in objs if o.get("event") == "result"
               and o.get("command") == "probe"]
        ok([o["port"] for o in pe] == list(range(1, 13))
           and all(o["state"] == "filtered" for o in pe)
           and res and res[0].get("filtered") == 12,
           "probe: no answer within --timeout is filtered, in port order",
           st.text[-2000:])
        ok(2 <= peak <= 4 and res and res[0].get("max_parallel") == 4,
           "--parallel 4: at most 4 sockets at a time (%d seen in /proc)"
           % peak, st.text[-1000:])
    except (TimeoutError, OSError, ValueError) as e:
        ok(False, "probe of filtered ports", str(e))
    st.kill()

# UDP: ICMP port unreachable is closed, silence is open|filtered
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 20101))
rc, out, err = run("probe 127.0.0.1 20100-20101 --udp --timeout 300ms "
                   "--all\n")
got = re.findall(r"^(\d+)/udp (\S+)$", out, re.M)
is_eq(got, [("20100", "closed"), ("20101", "open|filtered")],
      "probe --udp: closed from ICMP, open|filtered for a silent listener")
ok(rc == 0 and "2 ports in" in out and "0 open, 1 open|filtered, 1 closed"
   in out, "probe --udp summary", out + err)
u.close()

dns.close()
done()
