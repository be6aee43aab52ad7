#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 19, a mock of a real server: curl's request to python's
http.server, recorded by socktool as a script, is played back by `mock`,
and curl gets the page from the mock alone (the server is gone)."""
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import (Socktool, SOCKTOOL, ok, is_eq, done, need, free_port,  # noqa
                wait_listening, deadline_loop)

need("curl")
tmp = tempfile.mkdtemp(prefix="st-t63c-")
www = os.path.join(tmp, "www")
os.mkdir(www)
page = b"<html><body>the recorded page</body></html>\n"
with open(os.path.join(www, "index.html"), "wb") as f:
    f.write(page)
script = os.path.join(tmp, "http.st")

# 1. The exact bytes curl sends to the port the mock will use.
mport = free_port()
cap = socket.socket()
cap.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
cap.bind(("127.0.0.1", mport))
cap.listen(1)
curl = subprocess.Popen(["curl", "-sS", "--max-time", "10",
                         "http://127.0.0.1:%d/index.html" % mport],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
c, _ = cap.accept()
c.settimeout(10)
req = b""
for _ in deadline_loop(10, "curl's request"):
    req += c.recv(4096)
    if b"\r\n\r\n" in req:
        break
c.close()
cap.close()
curl.wait(timeout=20)
ok(req.startswith(b"GET /index.html HTTP/1.1\r\n"), "curl's request", req)

# 2. The real server answers it, and socktool records the conversation.
hport = free_port()
srv = subprocess.Popen([sys.executable, "-m", "http.server", str(hport),
                        "--bind", "127.0.0.1", "--directory", www],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    wait_listening(hport)
    r = subprocess.run([SOCKTOOL], input=(
        "tcp-client 127.0.0.1 %d\n"
        "log 1 %s --format script\n"
        "sendhex 1 %s\n"
        "wait 1 closed --timeout 10s\n" % (hport, script, req.hex())
        ).encode(), capture_output=True, timeout=30)
    is_eq((r.returncode, r.stderr), (0, b""), "the conversation is recorded")
finally:
    srv.terminate()
    srv.wait(timeout=10)
text = open(script).read()
ok("expect 1" in text and "wait 1 closed" in text, "the script has the "
   "answer and the server's close", text[:400])

# 3. The mock alone answers curl with the recorded page.
with Socktool() as st:
    st.cmd("mock %s 127.0.0.1 %d" % (script, mport))
    st.wait_for(r"^\[1\] listening on 127\.0\.0\.1:%d" % mport)
    r = subprocess.run(["curl", "-sS", "--max-time", "10",
                        "http://127.0.0.1:%d/index.html" % mport],
                       capture_output=True, timeout=30)
    is_eq((r.returncode, r.stdout), (0, page),
          "curl gets the recorded page from the mock")
    # curl has gone: its session's summary says how it went.
    m = st.wait_for(r"^\[2\] mock: (\d+) of (\d+) steps played, (\d+) "
                    r"unmatched$")
    is_eq(m.groups(), (b"1", b"1", b"0"),
          "curl's request matched the recording")
done()
