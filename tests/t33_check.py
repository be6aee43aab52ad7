#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11, acceptance 3: `set ID check` verifies the checksum that ends
every received framed message; JSON recv events say ok or bad (with got and
want), and the human header says so too."""
import json
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, is_eq, done  # noqa: E402


def crc16_modbus(b):
    crc = 0xFFFF
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame(body, corrupt=False):
    msg = len(body + b"..").to_bytes(2, "big") + body
    c = crc16_modbus(msg)
    if corrupt:
        c ^= 0x0101
    return msg + c.to_bytes(2, "little")


good = frame(b"\x01\x03\x00\x00\x00\x0a")
bad = frame(b"\x01\x03\x00\x00\x00\x0b", corrupt=True)

for mode in ("json", "human"):
    args = ["--json"] if mode == "json" else []
    with Socktool(*args) as st:
        st.cmd("set default framing len:2")
        st.cmd("set default check crc16-modbus")
        st.cmd("tcp-server 127.0.0.1 0")
        port = int(st.wait_for(r'"local":"127\.0\.0\.1:(\d+)"' if
                               mode == "json" else
                               r"\[1\] listening on \S*:(\d+)").group(1))
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            c.sendall(good + bad + b"\x00\x01")
            c.shutdown(socket.SHUT_WR)
            st.wait_for(r'closed')
        finally:
            c.close()
        if mode == "json":
            recvs = [json.loads(l) for l in st.text.splitlines()
                     if '"event":"recv"' in l]
            is_eq([(e["hex"], e.get("check")) for e in recvs[:2]],
                  [(good.hex(), "ok"), (bad.hex(), "bad")],
                  "json: the good frame is ok, the corrupted one bad")
            # In wire order: the hex of the frame's last two bytes.
            want = crc16_modbus(bad[:-2]).to_bytes(2, "little").hex()
            got = bad[-2:].hex()
            is_eq((recvs[1].get("got"), recvs[1].get("want")), (got, want),
                  "json: a bad frame carries got and want")
            ok(len(recvs) == 3 and recvs[2].get("check") == "bad",
               "json: a tail shorter than the checksum is bad", recvs)
        else:
            t = st.text
            ok("(crc16-modbus ok)" in t, "human: the good frame says ok", t)
            ok("(bad crc16-modbus: got %s, want %s)" % (
                bad[-2:].hex(),
                crc16_modbus(bad[:-2]).to_bytes(2, "little").hex())
               in t, "human: the bad frame says got and want", t)
done()
