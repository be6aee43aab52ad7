#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.10 (issue 16, acceptance 8): a pcap log of a ws-client session
records the TCP bytes on the wire, so tshark finds the upgrade and decodes
every frame (-Y websocket: text, binary, a 200 KiB message over several
segments, the close with its code); a jsonl log of the same session
records the messages (with their ws type)."""
import json
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, skip_all, done, run, need  # noqa: E402

PY = "/usr/bin/python3"
need("tshark")
if subprocess.run([PY, "-c", "import websockets"], stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL).returncode != 0:
    skip_all("python3-websockets not installed for %s" % PY)

tmp = tempfile.mkdtemp(prefix="st-t66f-")
pcap = os.path.join(tmp, "ws.pcapng")
jsonl = os.path.join(tmp, "ws.jsonl")
peer = subprocess.Popen([PY, os.path.join(os.path.dirname(__file__), "lib",
                                          "wspeer.py"), "server", "--echo"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
port = json.loads(peer.stdout.readline())["port"]


def big_from_peer():
    """Once socktool is connected, the peer sends a 200 KiB message."""
    json.loads(peer.stdout.readline())          # its "open" event
    peer.stdin.write(json.dumps({"cmd": "send", "binary": True, "hex": "41",
                                 "repeat": 200 * 1024}).encode() +
                     b"\n")
    peer.stdin.flush()


th = threading.Thread(target=big_from_peer, daemon=True)
th.start()
rc, out, err = run(
    "log all %s --format pcap\n"
    "ws-client ws://127.0.0.1:%d/cap\n"
    "log 1 %s --format jsonl\n"
    "expect 1 --timeout 10s AAAAAAAA\n"
    "send 1 hello\n"
    "expect 1 hello\n"
    "sendhex 1 00ff\n"
    "expect 1 --hex 00ff\n"
    "ws-close 1 4003 done\n"
    "wait 1 closed\n" % (pcap, port, jsonl))
is_eq(rc, 0, "the session ran (%s)" % err.strip())
peer.stdin.close()
peer.wait(timeout=20)

t = subprocess.run(["tshark", "-r", pcap, "-Y", "websocket", "-T", "fields",
                    "-e", "websocket.opcode", "-e", "websocket.mask",
                    "-e", "websocket.payload_length",
                    "-e", "websocket.payload_length_ext_64",
                    "-e", "websocket.payload.text",
                    "-e", "websocket.payload.close.status_code"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=60)
rows = [r.split("\t") for r in t.stdout.decode().splitlines()]
ops = [r[0] for r in rows]
is_eq(ops[:5], ["2", "1", "1", "2", "2"],
      "tshark decodes the server's big message, our text, its echo, our "
      "binary, its echo, in order")
ok(len(rows) > 2 and rows[1][1] == "1" and rows[2][1] == "0",
   "ours masked, the server's not", rows[:3])
ok(len(rows) > 2 and rows[1][4] == "hello" and rows[2][4] == "hello",
   "the text payloads", rows[:3])
ok(rows and rows[0][3] == str(200 * 1024),
   "the 200 KiB message, reassembled from its segments", rows[:1])
ok(any(r[0] == "8" and r[5] == "4003" for r in rows),
   "the close frame with code 4003", rows[-2:])
e = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "expert,warn"],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=60)
ok(b"Malformed" not in e.stdout, "no malformed packet", e.stdout[-300:])

ev = [json.loads(x) for x in open(jsonl)]
msgs = [(x["event"], x.get("ws"), x["bytes"]) for x in ev
        if x["event"] in ("sent", "recv")]
# (The jsonl log starts after the upgrade: the peer's big message may come
# before it.)
is_eq([x for x in msgs if x[2] != 200 * 1024][:4],
      [("sent", "text", 5), ("recv", "text", 5), ("sent", "binary", 2),
       ("recv", "binary", 2)],
      "the jsonl log has messages with their type")
done()
