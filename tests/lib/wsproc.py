# SPDX-License-Identifier: GPL-3.0-or-later
"""The WebSocket test peers (wspeer.py on python3-websockets, wspeer.js on
node ws) as processes: their JSON lines collected by a thread, commands
written as JSON lines, every wait bounded."""
import json
import os
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def have_python_ws():
    return subprocess.run([PY, "-c", "import websockets"],
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def have_node_ws():
    if not _which("node"):
        return False
    return subprocess.run(
        ["node", "-e", "try { require('ws') } catch (e) "
         "{ require('/usr/share/nodejs/ws') }"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=30).returncode == 0


def _which(prog):
    return any(os.access(os.path.join(d, prog), os.X_OK)
               for d in os.environ.get("PATH", "").split(":"))


class Peer:
    """One wspeer process: impl "py" or "js", then its arguments."""

    def __init__(self, impl, *args):
        argv = ([PY, os.path.join(HERE, "wspeer.py")] if impl == "py" else
                ["node", os.path.join(HERE, "wspeer.js")]) + list(args)
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.events = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            with self.cond:
                self.events.append(e)
                self.cond.notify_all()
        with self.cond:
            self.events.append({"event": "exit"})
            self.cond.notify_all()

    def wait(self, event, n=1, timeout=20):
        """The first n events named event (fewer when time ran out)."""
        with self.cond:
            self.cond.wait_for(lambda: len(self.of(event)) >= n or
                               any(e["event"] == "exit"
                                   for e in self.events), timeout)
            if len(self.of(event)) < n:
                self.cond.wait_for(lambda: len(self.of(event)) >= n,
                                   min(timeout, 2))
            return self.of(event)[:n]

    def of(self, event):
        return [e for e in self.events if e["event"] == event]

    def cmd(self, **kw):
        self.p.stdin.write((json.dumps(kw) + "\n").encode())
        self.p.stdin.flush()

    def port(self):
        got = self.wait("listening")
        return got[0]["port"] if got else None

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


class Events:
    """socktool -j's JSON lines, parsed as they come (a Socktool)."""

    def __init__(self, st):
        self.st = st

    def all(self):
        out = []
        for line in self.st.out.decode("utf-8", "replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def of(self, event, **kw):
        return [e for e in self.all() if e.get("event") == event and
                all(e.get(k) == v for k, v in kw.items())]

    def wait(self, event, n=1, timeout=20, **kw):
        """The first n such events (fewer when time ran out)."""
        with self.st.cond:
            self.st.cond.wait_for(lambda: len(self.of(event, **kw)) >= n,
                                  timeout)
        return self.of(event, **kw)[:n]
