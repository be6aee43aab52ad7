#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 17 (SPEC §3.11): the modem inputs an RFC 2217 server reports
(NOTIFY-MODEMSTATE) are `modem` events, in words and in JSON; a report
whose inputs did not change (only its delta bits) is not one; a malformed
answer is one notice and the session goes on.  The peer is a small RFC 2217
server written here over a real TCP socket on 127.0.0.1 (ser2net reports no
modem lines for a pty, and no device here has them): it accepts every
telnet option, confirms each COM-PORT-OPTION request as RFC 2217 says (the
code plus 100, the value echoed), and sends modem states when told."""
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done, json_events  # noqa: E402

IAC, SB, SE, WILL, WONT, DO, DONT = 255, 250, 240, 251, 252, 253, 254
COMPORT = 44
NOTIFY_MODEMSTATE = 107                 # server to client: 7 + 100


class Rfc2217Server:
    """One client at a time; answers in a thread, sends when asked."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.port = self.ls.getsockname()[1]
        self.conn = None
        self.data = b""                 # what arrived outside telnet commands
        self.got = threading.Condition()
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.serve, daemon=True)
        self.t.start()

    def send(self, b):
        with self.lock:
            self.conn.sendall(b)

    def serve(self):
        self.ls.settimeout(20)
        try:
            self.conn, _ = self.ls.accept()
        except OSError:
            return
        self.conn.settimeout(30)
        buf = b""
        while True:
            try:
                d = self.conn.recv(4096)
            except OSError:
                return
            if not d:
                return
            buf += d
            buf = self.parse(buf)

    def parse(self, b):
        """Answer what is complete in b; return the rest."""
        i = 0
        while i < len(b):
            if b[i] != IAC:
                with self.got:
                    self.data += b[i:i + 1]
                    self.got.notify_all()
                i += 1
                continue
            if i + 1 >= len(b):
                break
            verb = b[i + 1]
            if verb in (WILL, WONT, DO, DONT):
                if i + 2 >= len(b):
                    break
                opt = b[i + 2]
                if verb == WILL:
                    self.send(bytes([IAC, DO, opt]))
                elif verb == DO:
                    self.send(bytes([IAC, WILL, opt]))
                i += 3
            elif verb == SB:
                end = b.find(bytes([IAC, SE]), i + 2)
                if end == -1:
                    break
                body = b[i + 2:end]
                if len(body) >= 2 and body[0] == COMPORT:
                    self.send(bytes([IAC, SB, COMPORT, body[1] + 100]) +
                              body[2:] + bytes([IAC, SE]))
                i = end + 2
            else:
                i += 2
        return b[i:]

    def wait_data(self, want, timeout=10):
        with self.got:
            return self.got.wait_for(lambda: want in self.data, timeout)

    def modem(self, state):
        self.send(bytes([IAC, SB, COMPORT, NOTIFY_MODEMSTATE, state,
                         IAC, SE]))

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.ls.close()


# 1. JSON: two changes are two events, a report of the same inputs none.
srv = Rfc2217Server()
try:
    with Socktool("-j") as st:
        st.cmd("serial rfc2217://127.0.0.1:%d 9600" % srv.port)
        m = st.seen(r'^\{.*"event":"line".*$')
        ok(m, "the line confirmed by the server", st.text[-600:])
        srv.modem(0x30)                 # CTS and DSR on
        m = st.seen(r'^\{.*"event":"modem".*$')
        ev = json.loads(m.group(0)) if m else {}
        is_eq((ev.get("id"), ev.get("cts"), ev.get("dsr"), ev.get("dcd"),
               ev.get("ri")), (1, True, True, False, False),
              "NOTIFY-MODEMSTATE 0x30: a modem event, cts and dsr on")
        srv.modem(0x3f)                 # the same inputs, delta bits only
        srv.modem(0xf0)                 # DCD and RI too
        m = st.seen(r'^\{.*"event":"modem".*"dcd":true.*$')
        evs = json_events(st, "modem")
        is_eq([(e["cts"], e["dsr"], e["dcd"], e["ri"]) for e in evs],
              [(True, True, False, False), (True, True, True, True)],
              "0x3f (no input changed) is no event; 0xf0 is the second")
        # A NOTIFY-MODEMSTATE without its state byte: one notice, no
        # event, and the session still carries data.
        srv.send(bytes([IAC, SB, COMPORT, NOTIFY_MODEMSTATE, IAC, SE]))
        srv.modem(0x00)
        m = st.seen(r'^\{.*"event":"modem".*"cts":false.*$')
        ok(m, "all inputs off: a third event", st.text[-600:])
        ok(st.seen(r'malformed answer from the server'),
           "a malformed modem report: one notice", st.text[-600:])
        is_eq(len(json_events(st, "modem")), 3, "three modem events in all")
        st.cmd("send 1 still here")
        ok(srv.wait_data(b"still here"),
           "the session goes on after the malformed report: data crosses",
           srv.data[-200:])
finally:
    srv.close()

# 2. In words.
srv = Rfc2217Server()
try:
    with Socktool() as st:
        st.cmd("serial rfc2217://127.0.0.1:%d 9600" % srv.port)
        ok(st.seen(r"^\[1\] line 9600 8N1"), "the line confirmed",
           st.text[-600:])
        srv.modem(0xa0)                 # DSR and DCD
        ok(st.seen(r"^\[1\] modem inputs: cts off, dsr on, dcd on, ri off$"),
           "a modem event in words", st.text[-600:])
finally:
    srv.close()

done()
