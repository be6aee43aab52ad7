#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The man page documents every command with the usage text `help` prints,
and the README shows the two set-up commands."""
import os
import re
import shutil
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, run, skip

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
def unwrap(text, indent):
    """Lines that go on (start with at least indent spaces, deeper than a
    line of their own) joined to the line above by one space: help wraps
    long usages to the width."""
    return re.sub(r"\n {%d,}" % indent, " ", text)


rc, out, err = run("help\n")
is_eq(rc, 0, "help runs")
usages = []
for line in unwrap(out, 6).splitlines():
    m = re.match(r"^  (\S.*?)(?:\s+\((\S+)\))?$", line)
    if m:
        usages.append(m.group(1).strip())
ok(len(usages) >= 25, "help lists the commands (%d)" % len(usages))

if shutil.which("mandoc"):
    page = subprocess.run(["mandoc", "-Tascii", os.path.join(top, "man",
                           "socktool.1")], stdout=subprocess.PIPE,
                          check=True).stdout.decode()
    page = re.sub(r".\x08", "", page)          # drop overstrike
    flat = re.sub(r"\s+", " ", page)
    for u in usages:
        ok(re.sub(r"\s+", " ", u) in flat, "man page has usage: %s" % u)
    lint = subprocess.run(["mandoc", "-Tlint", "-Wwarning",
                           os.path.join(top, "man", "socktool.1")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    is_eq(lint.stdout.decode(), "", "mandoc -Tlint is clean")
else:
    skip("man page lists every usage", "mandoc not installed")

for u in usages:
    name = u.split()[0]
    rc, out, err = run("help %s\n" % name)
    ok(rc == 0 and ("usage: " + u) in unwrap(out, 7),
       "help %s shows its usage" % name, out + err)

# The same records as JSON: the list, and one command with its paragraph.
import json
rc, out, err = run("help\nhelp send\n", "--json")
objs = [json.loads(l) for l in out.splitlines() if l.strip()]
ok(rc == 0 and len(objs) == 2 and objs[0].get("command") == "help"
   and [c.get("usage") for c in objs[0].get("commands", [])] == usages
   and all(c.get("name") == c.get("usage", "").split()[0]
           for c in objs[0].get("commands", [])),
   "help --json: every command as {name, usage}, the same as for people",
   out + err)
one = objs[1] if len(objs) == 2 else {}
rc2, out2, _ = run("help send\n")
words = " ".join(l.strip() for l in
                 unwrap(out2, 7).splitlines()[1:])
ok(one.get("name") == "send" and one.get("usage", "").startswith("send ID")
   and re.sub(r"\s+", " ", one.get("help", "")) == words,
   "help CMD --json: usage and the paragraph people read", out + out2)
ok(not any(l.endswith(" ") for l in
           run("help\n")[1].splitlines()), "help lines end without blanks")

readme = open(os.path.join(top, "README.md")).read()
first = "\n".join(readme.splitlines()[:8])
ok("make deps run" in first and "make check" in first,
   "README starts with the two set-up commands")
done()
