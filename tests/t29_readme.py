#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's first session prints what the README says it prints (port
numbers and the column padding that follows from them aside)."""
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import SOCKTOOL, ok, is_eq, done  # noqa: E402

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
readme = open(os.path.join(top, "README.md")).read()
sec = readme[readme.index("## A first session"):]
m = re.search(r"\./socktool <<'END'\n(.*?)\nEND\n```.*?```\n(.*?)```", sec,
              re.S)
ok(m is not None, "the README has a first session and its output")
script, shown = m.group(1), m.group(2)

# The README uses port 7000; tests run in parallel, so use a free one.
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
script = script.replace("7000", str(port))
r = subprocess.run([SOCKTOOL], input=(script + "\n").encode(),
                   capture_output=True, timeout=30,
                   env=dict(os.environ, NO_COLOR="1"))
is_eq((r.returncode, r.stderr), (0, b""), "the session runs cleanly")


def norm(text):
    text = re.sub(r":\d{2,5}\b", ":PORT", text)
    return [re.sub(r" +", " ", l).strip() for l in text.splitlines()
            if l.strip()]


is_eq(norm(r.stdout.decode()), norm(shown),
      "the output is the README's, line for line")
done()
