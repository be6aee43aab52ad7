#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.14 with 3.10: `ws-client … --proxy URL` makes its WebSocket
through a SOCKS5 proxy (microsocks) and through an HTTP CONNECT proxy
(socktool's own `relay --http-proxy`): the upgrade and messages cross,
`via` names the proxy, and a proxy that refuses closes the session with
its answer in words."""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (ok, is_eq, done, Socktool, free_port, skip,  # noqa: E402
                wait_listening)

PY = "/usr/bin/python3"
peer = subprocess.Popen([PY, os.path.join(os.path.dirname(__file__), "lib",
                                          "wspeer.py"), "server", "--echo"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
wsport = json.loads(peer.stdout.readline())["port"]

# socktool's own HTTP CONNECT proxy, in another instance.
with Socktool("--json") as proxy, Socktool("--json", "--keep-going") as st:
    proxy.cmd("relay 127.0.0.1 0 --http-proxy")
    m = proxy.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"')
    hport = int(m.group(1))
    st.cmd("ws-client ws://127.0.0.1:%d/via-http --proxy http://127.0.0.1:%d"
           % (wsport, hport))
    st.wait_for(r'"event":"ws".*"status":101', timeout=20)
    st.cmd("send 1 through-connect")
    m = st.wait_for(r'(\{.*"event":"recv".*\})')
    j = json.loads(m.group(1))
    ok(j.get("text") == "through-connect" and j.get("ws") == "text",
       "HTTP CONNECT: the message comes back through the proxy", j)
    at = len(st.out)
    st.cmd("show 1")
    m = st.wait_for(r'(\{.*"command":"show".*\})', start=at)
    j = json.loads(m.group(1))
    ok("127.0.0.1:%d" % hport in str(j.get("via")) and
       j.get("remote") == "127.0.0.1:%d" % wsport,
       "show: remote is the target, via the proxy", j)
    ok(proxy.seen(r'"event":"connected".*"kind":"relay-out"'),
       "the proxy made the upstream connection")

    # A proxy that refuses (the target is not allowed): one error, words.
    at = len(st.out)
    proxy.cmd("close 1")
    proxy.cmd("relay 127.0.0.1 0 --http-proxy --allow-target 10.0.0.0/8")
    m = proxy.wait_for(r'"event":"listening".*"local":"127\.0\.0\.1:(\d+)"',
                       start=len(proxy.out) - 400 if len(proxy.out) > 400
                       else 0)
    ports = [int(x) for x in re.findall(
        rb'"event":"listening"[^\n]*"local":"127\.0\.0\.1:(\d+)"',
        proxy.out)]
    st.cmd("ws-client ws://127.0.0.1:%d/ --proxy http://127.0.0.1:%d" % (
        wsport, ports[-1]))
    m = st.wait_for(r'(\{.*"event":"closed","id":2.*\})', start=at,
                    timeout=20)
    j = json.loads(m.group(1))
    ok("403" in j.get("message", ""), "a refusal closes it with the "
       "proxy's answer", j)

MS = shutil.which("microsocks")
if MS is None:
    skip("through microsocks", "microsocks not installed")
else:
    sport = free_port()
    ms = subprocess.Popen([MS, "-i", "127.0.0.1", "-p", str(sport)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(sport)           # bounded: microsocks is up
        with Socktool("--json") as st:
            st.cmd("ws-client ws://127.0.0.1:%d/socks --proxy "
                   "socks5h://127.0.0.1:%d" % (wsport, sport))
            st.wait_for(r'"event":"ws"', timeout=20)
            sid = 1
            st.cmd("sendhex %d 00 ff 10" % sid)
            m = st.wait_for(r'(\{.*"event":"recv".*\})')
            j = json.loads(m.group(1))
            ok(j.get("hex") == "00ff10" and j.get("ws") == "binary",
               "SOCKS5: a binary message comes back through microsocks", j)
    finally:
        ms.kill()
        ms.wait()
peer.kill()
done()
