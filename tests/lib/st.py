# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helpers for socktool integration tests: TAP output, a driver for the
real binary, and small real peers.  Standard library only.  Every wait has a
timeout; nothing synchronises by sleeping."""
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time

SOCKTOOL = os.environ.get("SOCKTOOL") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "socktool")

_n = 0
_failed = 0


def ok(cond, name, diag=None):
    """One TAP assertion."""
    global _n, _failed
    _n += 1
    if cond:
        print("ok %d - %s" % (_n, name), flush=True)
    else:
        _failed += 1
        print("not ok %d - %s" % (_n, name), flush=True)
        if diag:
            for line in str(diag).splitlines()[-40:]:
                print("# " + line, flush=True)
    return bool(cond)


def is_eq(got, want, name):
    return ok(got == want, name, "got:  %r\nwant: %r" % (got, want))


def skip(name, why):
    global _n
    _n += 1
    print("ok %d - %s # SKIP %s" % (_n, name, why), flush=True)


def skip_all(why):
    print("1..0 # SKIP %s" % why, flush=True)
    sys.exit(0)


def done():
    print("1..%d" % _n, flush=True)
    sys.exit(1 if _failed else 0)


def need(prog):
    """Skip the whole file unless prog is installed."""
    if shutil.which(prog) is None:
        skip_all("%s not installed" % prog)


def deadline_loop(timeout, what="condition"):
    """Yield until the caller breaks; raise after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        yield
    raise TimeoutError("timed out after %ss waiting for %s" % (timeout, what))


class Socktool:
    """The real binary, fed commands on stdin, its output collected by a
    thread.  wait_for() blocks on output, never on time alone."""

    def __init__(self, *args, stdin_data=None, env=None, preexec_fn=None):
        e = dict(os.environ)
        e.setdefault("NO_COLOR", "1")
        if env:
            e.update(env)
        self.p = subprocess.Popen([SOCKTOOL] + list(args),
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=e,
                                  preexec_fn=preexec_fn)
        self.out = b""
        self.err = b""
        self.cond = threading.Condition()
        self.t1 = threading.Thread(target=self._reader, args=("out",),
                                   daemon=True)
        self.t2 = threading.Thread(target=self._reader, args=("err",),
                                   daemon=True)
        self.t1.start()
        self.t2.start()
        if stdin_data is not None:
            self.write(stdin_data)

    def _reader(self, which):
        f = self.p.stdout if which == "out" else self.p.stderr
        while True:
            chunk = os.read(f.fileno(), 65536)
            with self.cond:
                if not chunk:
                    setattr(self, which + "_eof", True)
                    self.cond.notify_all()
                    return
                setattr(self, which, getattr(self, which) + chunk)
                self.cond.notify_all()

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def cmd(self, line):
        self.write(line + "\n")

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass

    @property
    def text(self):
        return self.out.decode("utf-8", "replace")

    def wait_for(self, pattern, timeout=10, stream="out", start=0):
        """Wait until stream matches regex pattern (bytes or str); returns
        the match.  Raises TimeoutError with the output so far."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                buf = getattr(self, stream)
                m = rx.search(buf, start)
                if m:
                    return m
                left = end - time.monotonic()
                if left <= 0 or (getattr(self, stream + "_eof", False)):
                    raise TimeoutError(
                        "no match for %r; %s so far:\n%s\nstderr:\n%s" % (
                            pattern, stream, self.out.decode("utf-8",
                                                             "replace")[-3000:],
                            self.err.decode("utf-8", "replace")[-2000:]))
                self.cond.wait(left)

    def seen(self, pattern, timeout=10, stream="out", start=0):
        """wait_for() for an assertion: the match, or None once the timeout
        passes (or the stream ends), so ok(st.seen(...), name) is one
        failed test rather than a traceback."""
        try:
            return self.wait_for(pattern, timeout, stream, start)
        except TimeoutError:
            return None

    def port(self, sid=None, timeout=10):
        """The port of the latest (or given) listening/bound session."""
        if sid is None:
            ms = None
            m = self.wait_for(r"\[(\d+)\] (?:listening|bound) on \S*:(\d+)",
                              timeout)
            for ms in re.finditer(rb"\[(\d+)\] (?:listening|bound) on \S*:(\d+)",
                                  self.out):
                pass
            return int(ms.group(2)) if ms else int(m.group(2))
        m = self.wait_for(r"\[%d\] (?:listening|bound) on \S*:(\d+)" % sid,
                          timeout)
        return int(m.group(1))

    def wait_exit(self, timeout=20):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise
        self.t1.join(5)
        self.t2.join(5)
        return rc

    def finish(self, timeout=20):
        """Close stdin and wait; returns the exit status."""
        self.close_stdin()
        return self.wait_exit(timeout)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.kill()


def run(script, *args, timeout=60, env=None):
    """Run socktool on a whole script; returns (rc, stdout, stderr) as str."""
    e = dict(os.environ)
    e.setdefault("NO_COLOR", "1")
    if env:
        e.update(env)
    p = subprocess.run([SOCKTOOL] + list(args), input=script.encode()
                       if isinstance(script, str) else script,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=e)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def free_port(family=socket.AF_INET, kind=socket.SOCK_STREAM):
    """A port the kernel just handed out (for peers that cannot report one)."""
    host = "127.0.0.1" if family == socket.AF_INET else "::1"
    s = socket.socket(family, kind)
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_listening(port, host="127.0.0.1", timeout=10):
    """Wait until something accepts TCP connections on host:port."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in deadline_loop(timeout, "listener on %s:%d" % (host, port)):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect((host, port))
            s.close()
            return
        except OSError:
            s.close()
            select.select([], [], [], 0.02)   # back off between attempts


class Proc:
    """A helper process (socat, ncat) cleaned up on exit."""

    def __init__(self, argv, **kw):
        self.p = subprocess.Popen(argv, stdin=kw.pop("stdin", subprocess.DEVNULL),
                                  stdout=kw.pop("stdout", subprocess.PIPE),
                                  stderr=kw.pop("stderr", subprocess.PIPE), **kw)

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def recv_dgram(s, timeout=5):
    """One datagram (data, address), or None if none arrives in time."""
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return None
    return s.recvfrom(70000)


def vm_hwm_kib(pid):
    """Peak resident memory of a process, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def cpu_ticks(pid):
    """CPU time (user + system, in clock ticks) a process has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def parse_list(text):
    """The rows of the last `list` table in text, by the header's column
    names (extra columns are tolerated): [(indent, {column: value})]."""
    i = text.rfind("\nID ")
    i = i + 1 if i >= 0 else (0 if text.startswith("ID ") else -1)
    if i < 0:
        return []
    lines = text[i:].splitlines()
    cols = lines[0].split()
    rows = []
    for line in lines[1:]:
        if not re.match(r"^ *\d+ ", line):
            break
        rows.append((len(line) - len(line.lstrip(" ")),
                     dict(zip(cols, line.split()))))
    return rows


def recv_exact(sock, n, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def recv_until(sock, token, timeout=10):
    sock.settimeout(timeout)
    data = b""
    while token not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def connect(port, host="127.0.0.1", timeout=10):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


def json_events(st, name, start=0):
    """The JSON events called name in st's output so far, after byte
    offset start."""
    out = []
    for line in st.out[start:].decode("utf-8", "replace").splitlines():
        if line.startswith("{"):
            ev = json.loads(line)
            if ev.get("event") == name:
                out.append(ev)
    return out


def pid_gone(pid, timeout=10):
    """The process is gone (reaped by socktool, so no zombie either)."""
    try:
        for _ in deadline_loop(timeout, "pid %d to go" % pid):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.02)
    except TimeoutError:
        return False
