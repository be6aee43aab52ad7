#!/usr/bin/env python3
"""Issue 12, items 7, 8 and 15 and rough edges: quotes in send text and
reply rules, -c splitting and \\; , error messages that do not double
backslashes, "did you mean", usage errors, escaped script names in
locations."""
import os
import shutil
import socket
import sys
import tempfile
import threading
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, Socktool, connect, run  # noqa: E402

tmp = tempfile.mkdtemp(prefix="st-t26-")


def recv_exact(sock, n, timeout=10):
    """Up to n bytes; what arrived by the deadline (a failure is a short
    answer, not a traceback)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def with_peer(script, *args):
    """Run a whole script against a listening python peer whose port is
    {port} in the script; returns (rc, out, err, bytes the peer got)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)
    got = []

    def serve():
        try:
            c, _ = srv.accept()
        except OSError:
            return
        c.settimeout(20)
        data = b""
        try:
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        c.close()
        got.append(data)
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    port = srv.getsockname()[1]
    rc, out, err = run(script.replace("{port}", str(port)),
                       *[a.replace("{port}", str(port)) for a in args])
    t.join(20)
    srv.close()
    return rc, out, err, (got[0] if got else None)


# ---- item 7: a quoted TEXT loses its quotes, escaped quotes inside --------
rc, out, err, data = with_peer(
    'tcp-client 127.0.0.1 {port}\n'
    'send 1 "a \\"b\\" c"\n'
    'send 1 "x" \n'
    "send 1 '|y' \t\n"
    'send 1 "p" "q"\n'
    'send 1 END\n'
    'close 1\n')
is_eq(data, b'a "b" cx|y"p" "q"END',
      'send "a \\"b\\" c" sends a "b" c; "x" with a trailing blank sends x; '
      'two quoted strings are text as typed')
ok(rc == 0 and err == "", "no error for quoted texts", err)

# ---- item 8: -c splits on ; outside quotes only, \; is a literal ----------
rc, out, err, data = with_peer(
    "", "-c", "tcp-client 127.0.0.1 {port}; send 1 key=1\\;val=2; "
    "send 1 \"|a;b|\"; send 1 '|c;d|'; send 1 \\\\; send 1 END; close 1")
is_eq(data, b"key=1;val=2|a;b||c;d|\\END",
      "-c: \\; is a literal, ; inside quotes stays, \\\\; is a backslash "
      "then a separator")
ok(rc == 0 and "unknown command" not in err, "-c: no stray command", err)
rc, out, err, data = with_peer(
    "tcp-client 127.0.0.1 {port}\nsend 1 a;b\nclose 1\n")
is_eq(data, b"a;b", "in a script ; is ordinary text")

# ---- item 8: error messages do not double backslashes ---------------------
rc, out, err = run("", "-c", "tcp-server 127.0.0.1 0; send 1 a\\qb")
ok(rc == 1 and 'bad escape "\\q"' in err and "\\\\" not in err,
   'bad escape "\\q" shows the backslash once', err)
rc, out, err = run('tcp-server 127.0.0.1 0\n'
                   'expect 1 "zz\\r" --timeout 100ms\n')
ok(rc == 1 and '"zz\\r"' in err and "\\\\r" not in err,
   "expect's timeout quotes the pattern escaped once", err)

# ---- item 15: quotes group in reply rules ---------------------------------
with Socktool() as st:
    st.cmd("tcp-server 127.0.0.1 0")
    port = st.port(1)
    st.cmd('set 1 reply "GET /" => "HTTP/1.0 200 OK\\r\\n\\r\\nhi"')
    st.cmd("set 1 reply 'x => y' => \"say \\\"z\\\"\"")
    st.cmd("echo RULES-SET")
    st.wait_for("RULES-SET")
    c = connect(port)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    want = b"HTTP/1.0 200 OK\r\n\r\nhi"
    is_eq(recv_exact(c, len(want), 10), want,
          "a reply rule with two quoted sides matches and answers without "
          "the quotes")
    c.sendall(b"-- x => y --")
    is_eq(recv_exact(c, 7, 10), b'say "z"',
          "=> inside a quoted side is part of it; escaped quotes allowed")
    c.close()
    rc = st.finish()
    ok(rc == 0 and "error" not in st.err.decode(), "rules accepted",
       st.err.decode())

# ---- rough edges: did you mean, usage on its own line ---------------------
rc, out, err = run("sned 1 x\n")
ok(rc == 1 and 'unknown command "sned" (did you mean send?)' in err,
   "sned: did you mean send?", err)
rc, out, err = run("xx\n")
ok("did you mean" not in err and "try help" in err,
   "no suggestion for a word nothing is near", err)
rc, out, err = run("send\n")
lines = err.splitlines()
ok(len(lines) == 1 and lines[0].startswith(
   "error: send: missing argument (usage: send ID ") and
   err.count("usage") == 1,
   "in a script a usage error stays one line, the usage in it once", err)

# ---- rough edge (item 2): script names in locations are escaped ------------
evil = os.path.join(tmp, "b\x1b]0;TITLE\x07.st")
with open(evil, "w") as f:
    f.write("echo hi\nfrob\n")
rc, out, err = run("", evil)
ok(rc == 1 and "b\\e]0;TITLE\\a.st:2: unknown command" in err and
   "\x1b" not in err and "\x07" not in err,
   "a script's name is escaped in error: FILE:LINE:", repr(err))
outer = os.path.join(tmp, "outer.st")
with open(outer, "w") as f:
    f.write("source %s\n" % evil)
rc, out, err = run("", outer)
ok(rc == 1 and "b\\e]0;TITLE\\a.st:2:" in err and "\x1b" not in err,
   "a sourced file's name is escaped in error: FILE:LINE:", repr(err))
os.unlink(evil)

shutil.rmtree(tmp, ignore_errors=True)
done()
