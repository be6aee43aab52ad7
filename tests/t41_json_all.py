#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 6: with -j every line of stdout is one whole JSON object, however
big the record behind it.  One run makes every kind of session (TCP server
and peer and client, UDP, UDP client, unix server and client, a TLS server
with a three-certificate chain and a TLS client verifying it, a relay and
its pair, multicast where the host allows it on lo), changes every setting
of SPEC 5, and asks show, list, stats, help, log, sockopt, netstat... of
them.  A record used to hold 48 fields and overwrote the last one when
full, so `show` of a TLS client with a 3-certificate chain lost its closing
brace."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, skip, done, skip_all, Socktool,  # noqa: E402
                free_port)

if shutil.which("openssl") is None:
    skip_all("openssl not installed")
tmp = tempfile.mkdtemp(prefix="st-t41-")


def P(name):
    return os.path.join(tmp, name)


def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


def make_chain():
    """root CA -> intermediate CA -> leaf for 127.0.0.1; the server's
    file holds the leaf and the intermediate."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    sh("openssl", "req", "-x509", *ec, "-keyout", P("root.key"), "-out",
       P("root.pem"), "-days", "30", "-subj", "/CN=t41 root",
       "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=keyCertSign,cRLSign")

    def signed(name, cn, issuer, ext):
        sh("openssl", "req", *ec, "-keyout", P(name + ".key"), "-out",
           P(name + ".csr"), "-subj", "/CN=" + cn)
        with open(P(name + ".ext"), "w") as f:
            f.write(ext)
        sh("openssl", "x509", "-req", "-in", P(name + ".csr"), "-CA",
           P(issuer + ".pem"), "-CAkey", P(issuer + ".key"),
           "-CAcreateserial", "-out", P(name + ".pem"), "-extfile",
           P(name + ".ext"), "-days", "30")

    signed("inter", "t41 intermediate", "root",
           "basicConstraints=critical,CA:TRUE,pathlen:0\n"
           "keyUsage=keyCertSign,cRLSign\n")
    signed("leaf", "localhost", "inter",
           "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
           "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    with open(P("chain.pem"), "w") as out:
        for name in ("leaf", "inter"):
            with open(P(name + ".pem")) as f:
                out.write(f.read())


def lines(st):
    """Every complete line of stdout so far."""
    buf = st.out[:st.out.rfind(b"\n") + 1]
    return buf.decode("utf-8", "replace").splitlines()


def find(st, pred, what, timeout=10):
    """The first parsable event satisfying pred, waiting for it."""
    end = time.monotonic() + timeout
    while True:
        for line in lines(st):
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if isinstance(ev, dict) and pred(ev):
                return ev
        if time.monotonic() > end:
            raise TimeoutError("no %s; stdout:\n%s\nstderr:\n%s" % (
                what, st.text[-3000:], st.err.decode(errors="replace")))
        n = len(st.out)
        try:
            st.wait_for(r"\n", timeout=max(0.05, end - time.monotonic()),
                        start=n)
        except TimeoutError:
            pass


def ev_is(name, **kw):
    return lambda e: e.get("event") == name and all(
        e.get(k) == v for k, v in kw.items())


def port_of(ev):
    return int(str(ev["local"]).rsplit(":", 1)[1])


def mark(st, word):
    """Run an echo and wait for it: every command before it is done."""
    st.cmd("echo %s" % word)
    st.wait_for(r'"text":"%s"|%s' % (word, word), timeout=20)


make_chain()
with Socktool("-j", "--keep-going") as st:
    # TCP server, a client to it (its peer appears), UDP pair, unix pair.
    st.cmd("tcp-server 127.0.0.1 0")
    tcp = port_of(find(st, ev_is("listening", id=1), "tcp-server"))
    st.cmd("tcp-client 127.0.0.1 %d" % tcp)             # 2, peer 3
    find(st, ev_is("accepted", parent=1), "the tcp-server's peer")
    st.cmd("udp 127.0.0.1 0")                            # 4
    udp = port_of(find(st, ev_is("listening", id=4), "udp"))
    st.cmd("udp-client 127.0.0.1 %d" % udp)              # 5
    st.cmd("unix-server %s" % P("sock"))                 # 6
    st.cmd("unix-client %s" % P("sock"))                 # 7, peer 8
    find(st, ev_is("accepted", parent=6), "the unix-server's peer")
    # TLS with the chain; the client verifies it against the root.
    st.cmd("tls-server 127.0.0.1 0 --cert %s --key %s" % (P("chain.pem"),
                                                          P("leaf.key")))
    tls = port_of(find(st, ev_is("listening", id=9), "tls-server"))
    st.cmd("tls-client 127.0.0.1 %d --ca %s" % (tls, P("root.pem")))  # 10
    tev = find(st, lambda e: e.get("event") == "tls" and e.get("id") == 10,
               "the tls-client's handshake", timeout=20)
    ok(tev.get("verified") is True, "the tls-client verified the chain", tev)
    # A relay to the tcp-server, and a client through it: a pair.
    st.cmd("relay 127.0.0.1 0 127.0.0.1 %d" % tcp)
    rl = find(st, lambda e: e.get("event") == "listening" and
              e.get("kind") == "relay", "relay")
    st.cmd("tcp-client 127.0.0.1 %d" % port_of(rl))
    rout = find(st, lambda e: e.get("event") == "connected" and
                e.get("kind") == "relay-out", "the relay's upstream side")
    rin = {"id": rout["pair"], "pair": rout["id"]}
    # Multicast only where lo takes a group without a namespace; nothing
    # is sent to it.
    st.cmd("mcast 239.255.41.1 %d --iface 127.0.0.1 --no-loop" %
           free_port(kind=socket.SOCK_DGRAM))
    # The kinds of issues 16 and 17: a program, a pty, a serial line on a
    # socat pty pair, a WebSocket client to python3-websockets.
    st.cmd("exec cat")
    st.cmd("pty --link %s" % P("tty"))
    pair = subprocess.Popen(["socat", "-d", "-d", "pty,raw,echo=0",
                             "pty,raw,echo=0"], stderr=subprocess.PIPE)
    ptys = []
    while len(ptys) < 2:                # bounded: socat ends or says
        line = pair.stderr.readline()
        if not line:
            break
        ptys += re.findall(rb"(/dev/pts/\d+)", line)
    if ptys:
        st.cmd("serial %s 9600" % ptys[0].decode())
    wsp = subprocess.Popen(["/usr/bin/python3", os.path.join(
        os.path.dirname(__file__), "lib", "wspeer.py"), "server", "--echo"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    wline = wsp.stdout.readline()
    if wline:
        st.cmd("ws-client ws://127.0.0.1:%d/t41" % json.loads(wline)["port"])
        find(st, lambda e: e.get("event") == "ws", "the ws handshake",
             timeout=20)
    mark(st, "made")
    mc = None
    for line in lines(st):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("event") == "listening" and e.get("kind") == "mcast":
            mc = e["id"]

    ids = sorted({e["id"] for e in map(json.loads, [
        l for l in lines(st) if l.startswith("{") and '"id"' in l])
        if e.get("event") in ("listening", "connected", "accepted") and
        isinstance(e.get("id"), int)})

    # Every setting of SPEC 5, on the TLS client (the biggest `show`).
    for s in ("display both", "show-sent off", "timestamps on",
              "max-display 100", "eol crlf", "encoding latin1",
              "framing line", "echo upper", "reply 'ping => pong'",
              "reply 'a\\x00b => \\xff'", "half-close on", "split 7",
              "delay 5ms", "rate 100k", "read off", "read on",
              "check crc16-modbus"):
        st.cmd("set 10 " + s)
    st.cmd("set %d rewrite 'GET => PUT'" % rin["id"])
    st.cmd("set %d rewrite 'x => y'" % rin["pair"])
    for s in ("drop 10", "dup 20", "seed 41"):
        st.cmd("set 4 " + s)
        st.cmd("set 5 " + s)
    st.cmd("log 2 %s --format jsonl" % P("two.jsonl"))
    st.cmd("log all %s" % P("all.raw"))
    st.cmd("send 2 hello")
    st.cmd("sendhex 5 00 01 02")
    for i in ids:
        st.cmd("show %d" % i)
    st.cmd("list")
    st.cmd("stats")
    st.cmd("stats 10")
    st.cmd("help")
    st.cmd("help show")
    st.cmd("log")
    st.cmd("sockopt 2")
    st.cmd("service 22")
    st.cmd("netstat --listen --tcp --port %d" % tcp)
    st.cmd("ifaces")
    st.cmd("probe 127.0.0.1 %d" % tcp)
    st.cmd("show 999")
    st.cmd("bogus command")
    mark(st, "shown")
    st.cmd("close all")
    st.cmd("quit")
    rc = st.wait_exit(30)
    pair.kill()
    wsp.kill()

    bad, noev = [], []
    for line in st.out.decode("utf-8", "replace").splitlines():
        try:
            e = json.loads(line)
        except ValueError as ex:
            bad.append("%s: %s" % (ex, line[-200:]))
            continue
        if not isinstance(e, dict) or "ts" not in e or "event" not in e:
            noev.append(line[-200:])
    ok(not bad, "every line of stdout is valid JSON (%d lines)" %
       len(st.out.splitlines()), "\n".join(bad))
    ok(not noev, "every line is an object with ts and event",
       "\n".join(noev))
    ok(len(st.out.splitlines()) > 40, "a run with many events and results")
    # SPEC 6: the fields each session event carries, for every kind here.
    spec6 = {"listening": {"id", "kind", "local"},
             "connecting": {"id", "kind", "remote"},
             "connected": {"id", "kind", "local", "remote"},
             "accepted": {"id", "parent", "kind", "local", "remote"},
             "recv": {"id", "bytes", "hex", "text"},
             "sent": {"id", "bytes", "hex", "text"},
             "closed": {"id", "kind", "reason", "message", "rx_bytes",
                        "tx_bytes"}}
    short, seen = [], set()
    for line in st.out.decode("utf-8", "replace").splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        want = spec6.get(e.get("event"), set())
        if want:
            seen.add(e["event"])
        if want - set(e):
            short.append("%s lacks %s: %s" % (e["event"], sorted(
                want - set(e)), line[-160:]))
    is_eq(sorted(seen), sorted(spec6), "every session event of SPEC 6 seen")
    ok(not short, "each carries the fields SPEC 6 lists", "\n".join(
        short[:20]))

    shows = {}
    for line in lines(st):
        try:
            e = json.loads(line)
        except ValueError:
            m = re.search(r'"command":"show","id":(\d+)', line)
            if m:
                shows[int(m.group(1))] = None
            continue
        if e.get("event") == "result" and e.get("command") == "show":
            shows[e["id"]] = e
    is_eq(sorted(shows), ids, "show answered for every session")
    broken = sorted(i for i, e in shows.items() if e is None)
    is_eq(broken, [], "every show is whole JSON")

    c = shows.get(10) or {}
    is_eq([k for k in ("cert0", "cert1", "cert2", "cert3") if k in c],
          ["cert0", "cert1", "cert2"],
          "show of the tls-client lists the 3-certificate chain")
    ok("t41 root" in str(c.get("cert2")) and
       "t41 intermediate" in str(c.get("cert1")),
       "the chain ends at the root", c)
    want = {"display": "both", "show-sent": "off", "timestamps": "on",
            "max-display": "100", "eol": "crlf", "encoding": "latin1",
            "framing": "line", "echo": "upper", "half-close": "on",
            "split": "7", "read": "on", "check": "crc16-modbus"}
    got = {k: (c.get("settings") or {}).get(k) for k in want}
    is_eq(got, want, "show carries the settings changed")
    ok(all(k in (c.get("settings") or {}) for k in
           ("reply", "delay", "rate", "rewrite", "drop", "dup", "seed")),
       "show carries every setting", c.get("settings"))
    ok(isinstance(c.get("sockopts"), dict) and c["sockopts"],
       "and the socket options after them", c)
    ok("rewrite" in str((shows.get(rin["id"]) or {}).get("settings")),
       "show of a relay side carries its rewrite rule")
    u = (shows.get(4) or {}).get("settings") or {}
    is_eq({k: u.get(k) for k in ("drop", "dup", "seed")},
          {"drop": "10%", "dup": "20%", "seed": "41"},
          "show of the udp session carries drop, dup and seed")
    if mc is None:
        skip("show of an mcast session", "no multicast group on lo "
             "outside a namespace here")
    else:
        ok(shows.get(mc) is not None, "show of an mcast session is whole")

    for name in ("list", "stats", "help", "log", "sockopt", "service",
                 "netstat", "ifaces", "probe"):
        ok(find(st, lambda e, n=name: e.get("event") == "result" and
                e.get("command") == n, name, timeout=1),
           "a %s result" % name)
    ok(find(st, lambda e: e.get("event") == "error" and
            e.get("command") == "show", "show 999's error", timeout=1),
       "an error is an event too")
    is_eq(rc, 1, "exit status 1 after the failing commands (--keep-going)")
shutil.rmtree(tmp, ignore_errors=True)
done()
