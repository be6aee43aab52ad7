#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 10, acceptance 3, 5 and 6: `netstat` lists socktool's own sockets
with their session ids and other processes' with pid/program (TCP, IPv6,
UDP, unix; --listen, --port, --unix filters; ESTAB both ways), `ifaces`
shows lo with 127.0.0.1/8 and ::1/128, `service` maps names and ports
through /etc/services; the JSON results parse."""
import json
import os
import re
import socket
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool  # noqa: E402

COLS = ["PROTO", "STATE", "RECV-Q", "SEND-Q", "LOCAL", "REMOTE", "PROCESS",
        "ID"]
mypid = os.getpid()
with open("/proc/self/comm") as f:
    mycomm = f.read().strip()
nmark = 0


def run_cmd(st, line):
    """Run one command and return what it printed (up to an echo mark)."""
    global nmark
    nmark += 1
    pos = len(st.out)
    st.cmd(line)
    st.cmd("echo MARK%d" % nmark)
    m = st.wait_for(r"^MARK%d$" % nmark, start=pos)
    return st.out[pos:m.start()].decode("utf-8", "replace")


def table(text):
    """netstat rows as dicts by the header's columns."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cols = line.split()
        # RECV-Q and SEND-Q show only when some socket has bytes queued
        if [x for x in cols if x not in ("RECV-Q", "SEND-Q")] == \
                [x for x in COLS if x not in ("RECV-Q", "SEND-Q")]:
            return [dict(zip(cols, l.split())) for l in lines[i + 1:]
                    if len(l.split()) == len(cols)]
    return []


def iface_rows(text):
    """ifaces rows, each with the lines its wrapped flags and addresses go
    on to (they start with a blank) joined to it."""
    rows = []
    for line in text.splitlines():
        if line.startswith(" ") and rows:
            rows[-1] += " " + line
        elif line.strip():
            rows.append(line)
    return rows


tmp = tempfile.mkdtemp(prefix="t36-")
py = socket.socket()
py.bind(("127.0.0.1", 0))
py.listen(4)
pyport = py.getsockname()[1]
py6 = None
try:
    py6 = socket.socket(socket.AF_INET6)
    py6.bind(("::1", 0))
    py6.listen(4)
except OSError:
    py6 = None
pyudp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pyudp.bind(("127.0.0.1", 0))
udpport = pyudp.getsockname()[1]

with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    out = run_cmd(st, "netstat --listen --tcp")
    rows = table(out)
    mine = [r for r in rows if r["LOCAL"] == "127.0.0.1:%d" % port]
    ok(len(mine) == 1 and mine[0]["STATE"] == "LISTEN" and
       mine[0]["PROTO"] == "tcp",
       "netstat --listen --tcp: socktool's server LISTEN on its port", out)
    ok(mine and mine[0]["ID"] == "1",
       "socktool's server marked with its session id 1", out)
    ok(mine and mine[0]["PROCESS"] == "%d/socktool" % st.p.pid,
       "socktool's server owned by socktool's pid", out)
    theirs = [r for r in rows if r["LOCAL"] == "127.0.0.1:%d" % pyport]
    ok(len(theirs) == 1 and theirs[0]["STATE"] == "LISTEN" and
       theirs[0]["PROCESS"] == "%d/%s" % (mypid, mycomm) and
       theirs[0]["ID"] == "-",
       "a python listener with the python pid/program, no session id", out)
    if py6 is not None:
        p6 = py6.getsockname()[1]
        six = [r for r in rows if r["LOCAL"] == "[::1]:%d" % p6]
        ok(len(six) == 1 and six[0]["PROTO"] == "tcp6" and
           six[0]["STATE"] == "LISTEN" and
           six[0]["PROCESS"] == "%d/%s" % (mypid, mycomm),
           "an IPv6 listener on [::1] as tcp6", out)
    ok(mine and all(r["STATE"] == "LISTEN" for r in rows) and
       not any(r["PROTO"].startswith("udp") for r in rows),
       "--listen --tcp: only TCP listeners", out)

    out = run_cmd(st, "netstat --port %d" % pyport)
    rows = table(out)
    # Only the listener is ours, but a socket of another test may still
    # have this port number at one end (a TIME-WAIT to an earlier listener
    # that had it): the filter keeps it too (local or remote port).
    def on_port(r):
        return any(r[c].endswith(":%d" % pyport) for c in ("LOCAL", "REMOTE"))
    ok([r["STATE"] for r in rows if r["LOCAL"] == "127.0.0.1:%d" % pyport]
       == ["LISTEN"] and all(on_port(r) for r in rows),
       "--port keeps only the sockets on that port", out)

    out = run_cmd(st, "netstat --udp --listen")
    rows = table(out)
    ok(any(r["LOCAL"] == "127.0.0.1:%d" % udpport and r["PROTO"] == "udp"
           and r["STATE"] == "UNCONN" for r in rows) and
       all(r["PROTO"].startswith("udp") for r in rows),
       "--udp --listen: a python UDP socket UNCONN, nothing but UDP", out)

    # A connected pair: socktool to itself, and python to python.
    st.cmd("tcp-client 127.0.0.1 %d" % port)
    st.wait_for(r"^\[3\] accepted 127\.0\.0\.1:(\d+) on \[1\]")
    cport = int(st.wait_for(r"^\[2\] connected to \S+ from "
                            r"127\.0\.0\.1:(\d+)").group(1))
    out = run_cmd(st, "netstat --tcp --port %d" % port)
    rows = table(out)
    cli = [r for r in rows if r["LOCAL"] == "127.0.0.1:%d" % cport]
    peer = [r for r in rows if r["REMOTE"] == "127.0.0.1:%d" % cport]
    ok(len(cli) == 1 and cli[0]["STATE"] == "ESTAB" and
       cli[0]["REMOTE"] == "127.0.0.1:%d" % port and cli[0]["ID"] == "2",
       "client side ESTAB, marked session 2", out)
    ok(len(peer) == 1 and peer[0]["STATE"] == "ESTAB" and
       peer[0]["LOCAL"] == "127.0.0.1:%d" % port and peer[0]["ID"] == "3",
       "accepted side ESTAB, marked session 3", out)
    c = socket.create_connection(("127.0.0.1", pyport))
    a, _ = py.accept()
    out = run_cmd(st, "netstat --tcp --port %d" % pyport)
    rows = table(out)
    est = [r for r in rows if r["STATE"] == "ESTAB"]
    ok(len(est) == 2 and
       {r["LOCAL"] for r in est} == {"127.0.0.1:%d" % pyport,
                                     "127.0.0.1:%d" % c.getsockname()[1]} and
       all(r["PROCESS"] == "%d/%s" % (mypid, mycomm) for r in est),
       "a python pair: ESTAB both ways, both owned by python", out)
    c.close()
    a.close()

    # unix: a path with a control byte is shown escaped.
    path = os.path.join(tmp, "u\x01s.sock")
    st.cmd("unix-server %s" % path)
    st.wait_for(r"^\[4\] listening on ")
    out = run_cmd(st, "netstat --unix --listen")
    rows = table(out)
    want = path.replace("\x01", "\\x01")
    hit = [r for r in rows if r["LOCAL"] == want]
    ok(len(hit) == 1 and hit[0]["PROTO"] == "u_str" and
       hit[0]["STATE"] == "LISTEN" and hit[0]["ID"] == "4",
       "--unix: the unix-server's path, LISTEN, session 4", out)
    ok(hit and "\x01" not in out,
       "the control byte never reaches the terminal",
       repr(out[-500:]))
    ok(hit and not any(r["PROTO"].startswith(("tcp", "udp")) for r in rows),
       "--unix alone: no TCP or UDP rows", out)

    # ifaces
    out = run_cmd(st, "ifaces")
    lo = [r for r in iface_rows(out) if r.split()[:1] == ["lo"]]
    ok(len(lo) == 1 and "127.0.0.1/8" in lo[0].split(),
       "ifaces: lo with 127.0.0.1/8", out)
    if socket.has_ipv6 and py6 is not None:
        ok(lo and "::1/128" in lo[0].split(), "ifaces: lo with ::1/128", out)
    ok(lo and "LOOPBACK" in lo[0] and re.search(r"\bUP\b", lo[0]),
       "ifaces: lo is UP and LOOPBACK", out)
    hdr = [l for l in out.splitlines() if l.startswith("NAME")]
    mtu = None
    if hdr and lo:
        mtu = dict(zip(hdr[0].split(), lo[0].split())).get("MTU")
    ok(mtu is not None and mtu.isdigit() and int(mtu) > 0,
       "ifaces: an MTU for lo (%s)" % mtu, out)

    # service
    out = run_cmd(st, "service mysql")
    ok(re.search(r"^mysql 3306/tcp\b", out, re.M), "service mysql: 3306/tcp",
       out)
    out = run_cmd(st, "service 22")
    ok(re.search(r"^ssh 22/tcp\b", out, re.M), "service 22: ssh", out)
    is_eq(st.finish(), 0, "every command of the script succeeded")

# An unknown service: one error, and a script stops on it.
with Socktool() as st:
    st.cmd("service nosuch")
    st.cmd("echo after")
    rc = st.finish()
    err = st.err.decode("utf-8", "replace")
    ok(rc != 0 and len(re.findall(r"^error: service: ", err, re.M)) == 1
       and "nosuch" in err and "after" not in st.text,
       "service nosuch: one error, the script stops", err + st.text)

# JSON results.
with Socktool("--json") as st:
    st.cmd("tcp-server 127.0.0.1 0")
    m = st.wait_for(r'"event":"listening","id":1,.*"local":"127\.0\.0\.1:'
                    r'(\d+)"')
    jport = int(m.group(1))
    for line in ("netstat --listen --tcp --port %d" % jport, "ifaces",
                 "service mysql", "service 22", "service 53 --udp"):
        st.cmd(line)
    st.cmd("echo JEND")
    st.wait_for(r'"text":"JEND"')
    res = []
    for line in st.text.splitlines():
        if line.strip():
            e = json.loads(line)
            if e.get("event") == "result" and e.get("command") in (
                    "netstat", "ifaces", "service"):
                res.append(e)
    is_eq([e["command"] for e in res],
          ["netstat", "ifaces", "service", "service", "service"],
          "JSON: one result per command")
    if len(res) == 5:
        socks = res[0].get("sockets")
        ok(isinstance(socks, list) and len(socks) == 1 and
           socks[0].get("local_port") == jport and
           socks[0].get("state") == "LISTEN" and
           socks[0].get("session") == 1 and
           socks[0].get("pid") == st.p.pid and
           socks[0].get("program") == "socktool" and
           isinstance(socks[0].get("inode"), int),
           "JSON netstat: sockets array with port, state, session, pid",
           res[0])
        los = [i for i in res[1].get("interfaces", []) if i["name"] == "lo"]
        ok(len(los) == 1 and "LOOPBACK" in los[0]["flags"] and
           los[0].get("mtu", 0) > 0 and
           {"family": "inet", "address": "127.0.0.1", "prefix": 8}
           in los[0]["addresses"],
           "JSON ifaces: lo with flags, mtu and 127.0.0.1/8", res[1])
        ok(res[2].get("name") == "mysql" and res[2].get("port") == 3306 and
           res[2].get("proto") == "tcp", "JSON service mysql", res[2])
        ok(res[3].get("name") == "ssh" and res[3].get("port") == 22,
           "JSON service 22", res[3])
        ok(res[4].get("proto") == "udp" and res[4].get("port") == 53,
           "JSON service 53 --udp", res[4])
    st.finish()

py.close()
pyudp.close()
if py6 is not None:
    py6.close()
try:
    os.rmdir(tmp)
except OSError:
    pass
done()
