#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Display of sent data: bytes typed in hex (sendhex) are echoed in hex
when the display is text; text stays text (issue 12)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import Socktool, ok, done  # noqa: E402

with Socktool() as st:
    st.cmd("udp 127.0.0.1 0")
    st.cmd("udp 127.0.0.1 0")
    p2 = st.port(2)
    st.cmd("sendhex 1 --to 127.0.0.1:%d 41 42 0a" % p2)
    st.wait_for(r"^\[2\] < 3 bytes")
    st.cmd("send 1 --to 127.0.0.1:%d CD" % p2)
    st.wait_for(r"^\[2\] < 2 bytes")
    st.cmd("sendhex 1 --to 127.0.0.1:%d --repeat 2 --every 10ms 45" % p2)
    st.wait_for(r"^\[2\] < 1 byte(?:.*\n)+?\[2\] < 1 byte")
    st.cmd("echo END")
    st.wait_for(r"^END$")
    t = st.text
    ok(re.search(r"^\[1\] > 3 bytes to .*\n00000000  41 42 0a ", t, re.M),
       "sendhex is echoed as a hex dump", t)
    ok("\nCD\n" in t, "send stays text", t)
    ok(t.count("00000000  45 ") == 2,
       "repeated sendhex is echoed in hex each time", t)
done()
