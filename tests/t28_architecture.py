#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC §9: only the transports touch a session's descriptor.  Checked from
the source (every call of read/recv*/send*/write*/accept* whose descriptor
is a `struct session`'s fd, and every socket I/O call at all outside the
transports) and from the objects (which symbols each one imports)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, done  # noqa: E402

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = os.path.join(top, "src")
build = os.path.join(top, os.environ.get("BUILD", "build"))

# The transports: the only files allowed to do I/O on a session's socket.
ALLOWED = re.compile(r"^(tr_[a-z0-9_]+|transport)\.c$")
SOCKET_IO = ["recv", "recvfrom", "recvmsg", "recvmmsg", "send", "sendto",
             "sendmsg", "sendmmsg", "accept", "accept4"]
ANY_IO = SOCKET_IO + ["read", "write", "writev", "readv", "pread", "pwrite",
                      "splice", "sendfile"]


def strip(code):
    """C source without comments, string and character literals."""
    code = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()),
                  code, flags=re.S)
    code = re.sub(r"//[^\n]*", "", code)
    code = re.sub(r'"(\\.|[^"\\\n])*"', '""', code)
    code = re.sub(r"'(\\.|[^'\\\n])*'", "''", code)
    return code


def violations(name, code):
    """(line, text) of forbidden calls in one file's source."""
    code = strip(code)
    found = []
    for m in re.finditer(r"\b(%s)\s*\(" % "|".join(ANY_IO), code):
        fn = m.group(1)
        line = code.count("\n", 0, m.start()) + 1
        args = code[m.end():m.end() + 120]
        if fn in SOCKET_IO:
            found.append((line, fn))
            continue
        # read/write on X->fd where X is declared `struct session *X` in
        # the same function (parameters included).
        a = re.match(r"\s*([A-Za-z_]\w*)\s*->\s*fd\b", args)
        if not a:
            continue
        var = a.group(1)
        # The function so far: from the end of the previous one.
        head = code.rfind("\n}", 0, m.start())
        scope = code[head if head >= 0 else 0:m.start()]
        if re.search(r"struct\s+session\s*\*\s*(const\s+)?%s\b" % var, scope):
            found.append((line, "%s(%s->fd)" % (fn, var)))
    return found


# The checker itself must catch what it is meant to catch.
canary = """
static void f(struct session *s, struct xfer *x) {
	char b[4];
	read(x->fd, b, 4);		/* a file: fine */
	write(s->fd, "x", 1);	/* a session: not fine */
	send(s->fd, b, 4, 0);
}
"""
v = violations("canary.c", canary)
ok([x[1] for x in v] == ["write(s->fd)", "send"],
   "the source check finds write(s->fd) and send, not read(x->fd)", v)

files = sorted(f for f in os.listdir(src) if f.endswith(".c"))
transports = [f for f in files if ALLOWED.match(f)]
ok({"tr_stream.c", "tr_listen.c", "tr_connect.c", "tr_dgram.c"} <=
   set(transports), "the four transports exist: %s" % ", ".join(transports))
bad = []
for f in files:
    if ALLOWED.match(f):
        continue
    with open(os.path.join(src, f)) as fh:
        for line, what in violations(f, fh.read()):
            bad.append("%s:%d: %s" % (f, line, what))
ok(not bad, "no file outside the transports does I/O on a session's socket",
   "\n".join(bad))

# The objects: socket I/O symbols imported only by transport objects.
objs = [f for f in sorted(os.listdir(build)) if f.endswith(".o")] \
    if os.path.isdir(build) else []
if objs:
    bad = []
    for o in objs:
        if ALLOWED.match(o[:-2] + ".c"):
            continue
        out = subprocess.run(["nm", "-u", os.path.join(build, o)],
                             capture_output=True, text=True).stdout
        syms = {l.split()[-1].split("@")[0] for l in out.splitlines()
                if l.strip()}
        hit = sorted(syms & set(SOCKET_IO))
        if hit:
            bad.append("%s imports %s" % (o, ", ".join(hit)))
    ok(not bad, "no object outside the transports imports socket I/O",
       "\n".join(bad))
    tr = [o for o in objs if o.startswith("tr_")]
    ok(len(tr) >= 4, "transport objects were built: %s" % ", ".join(tr))
done()
