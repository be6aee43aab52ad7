#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10 (issue 16, acceptance 7): a real browser.  Inside a private
network namespace (nothing leaves it), python's http.server serves a page
whose script opens a WebSocket to `ws-server --echo`, sends a text and a
binary message, and once both have come back says what it got in a third
message (and on the page) before closing with 1000 "bye"; headless
Chromium runs it in real time (no virtual time: under load the page could
be dumped before the echoes came) and is stopped once socktool has seen the
report.  The browser's handshake and messages are seen by socktool."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import netns  # noqa: E402
from st import Socktool, ok, is_eq, skip_all, done, need, free_port  # noqa
from st import wait_listening  # noqa: E402
from wsproc import Events  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
if not os.access(CHROMIUM, os.X_OK):
    skip_all("chromium not installed")
netns.enter("-rn", needs=("ip",))
try:
    netns.lo_up()
except netns.ERRORS as e:
    skip_all("cannot bring lo up: %s" % e)

tmp = tempfile.mkdtemp(prefix="st-t66d-")
PAGE = r'''<!DOCTYPE html>
<html><body><pre id="out">waiting</pre>
<script>
const out = document.getElementById('out');
const got = [];
const ws = new WebSocket('ws://127.0.0.1:%d/echo', ['chat']);
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  ws.send('hello from the browser \u00e9');
  ws.send(new Uint8Array([0, 255, 1, 128]).buffer);
};
ws.onmessage = (m) => {
  if (typeof m.data === 'string')
    got.push('text:' + m.data);
  else
    got.push('binary:' + Array.from(new Uint8Array(m.data)).join(','));
  if (got.length === 2) {
    out.textContent = got.join('|') + '|protocol:' + ws.protocol;
    ws.send('report:' + out.textContent);
  } else if (got.length === 3)
    ws.close(1000, 'bye');
};
ws.onerror = () => { out.textContent = 'websocket error'; };
</script></body></html>
'''

with Socktool("-j", "--keep-going") as st:
    ev = Events(st)
    st.cmd("ws-server 127.0.0.1 0 --path /echo --protocol chat --echo")
    lst = ev.wait("listening")
    ok(lst, "ws-server listening", st.text)
    port = int(lst[0]["local"].rsplit(":", 1)[1])
    with open(os.path.join(tmp, "page.html"), "w") as f:
        f.write(PAGE % port)
    hport = free_port()
    http = subprocess.Popen(["/usr/bin/python3", "-m", "http.server", "-b",
                             "127.0.0.1", "-d", tmp, str(hport)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_listening(hport)
        env = dict(os.environ, HOME=tmp)
        br = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--no-first-run", "--user-data-dir=" + os.path.join(tmp, "prof"),
             "--remote-debugging-port=0",
             "http://127.0.0.1:%d/page.html" % hport],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        try:
            cl = ev.wait("closed", id=2, timeout=90)
        finally:
            br.kill()
            berr = br.communicate(timeout=30)[1]
    finally:
        http.kill()
        http.wait()
    rx = ev.wait("recv", 3, id=2)
    report = [e.get("text", "") for e in rx if e.get("text", "").startswith(
        "report:")]
    ok(report == ["report:text:hello from the browser \u00e9|"
                  "binary:0,255,1,128|protocol:chat"],
       "the page got its text and binary messages back, subprotocol chat",
       [e.get("text") for e in rx] + [berr.decode(errors="replace")[-600:]])
    hs = ev.wait("ws", id=2)
    ok(hs and hs[0]["path"] == "/echo" and hs[0]["protocol"] == "chat",
       "socktool upgraded the browser's request", hs)
    is_eq([e["hex"] for e in rx][:2],
          ["hello from the browser \u00e9".encode().hex(), "00ff0180"],
          "socktool received the browser's two messages exact")
    ok(cl and cl[0].get("ws_code") == 1000 and cl[0].get("ws_reason") ==
       "bye", "the browser's close 1000 bye in the closed event", cl)
done()
