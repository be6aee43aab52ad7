#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""SPEC 3.5: a name that takes seconds never holds the prompt.  At the
prompt (under tmux) `resolve NAME` returns at once and its answer is
printed when it comes, and so does a command that only waits for a host
name (udp-client NAME): the line returns at once and runs again by itself
with the answer.  In a script both still finish before the next line.

Everything runs in private network and mount namespaces this test creates
(the file re-executes itself under `unshare -rnm`), with its own
/etc/resolv.conf pointing at a DNS responder written here on 127.0.0.1:53
that holds the answers for some names; no lookup leaves the machine."""
import os
import re
import select
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, done, need, skip_all, run, SOCKTOOL  # noqa: E402

FLAG = "SOCKTOOL_T43_IN_NETNS"

need("tmux")
if os.environ.get(FLAG) != "1":
    need("unshare")
    need("ip")
    need("mount")
    try:
        p = subprocess.run(["unshare", "-rnm", "true"], timeout=20,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except (OSError, subprocess.TimeoutExpired) as e:
        skip_all("unshare -rnm failed: %s" % e)
    if p.returncode != 0:
        skip_all("cannot create private network and mount namespaces "
                 "(unshare -rnm): %s" % p.stderr.decode(errors="replace")
                 .strip())
    env = dict(os.environ)
    env[FLAG] = "1"
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", "-rnm", sys.executable,
                           os.path.abspath(__file__)], env)

# ---- from here on: our own network and our own resolv.conf --------------
tmp = tempfile.mkdtemp(prefix="st-t43-")


def sh(*argv):
    p = subprocess.run(list(argv), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv),
                                       p.stdout.decode(errors="replace")))


try:
    sh("ip", "link", "set", "lo", "up")
    with open(os.path.join(tmp, "resolv.conf"), "w") as f:
        f.write("nameserver 127.0.0.1\noptions timeout:30 attempts:1\n")
    with open(os.path.join(tmp, "hosts"), "w") as f:
        f.write("127.0.0.1 localhost\n::1 localhost\n")
    sh("mount", "--bind", os.path.join(tmp, "resolv.conf"), "/etc/resolv.conf")
    sh("mount", "--bind", os.path.join(tmp, "hosts"), "/etc/hosts")
except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
    skip_all("cannot set up the namespace's resolver files: %s" % e)

# ---- a DNS responder: A records, each answer held ------------------------
ZONE = {"slow.test": "127.0.0.7", "slowu.test": "127.0.0.1",
        "slowscript.test": "127.0.0.8", "slow2.test": "127.0.0.9"}
# An answer goes out 2 s after the query at the earliest, and not before
# the test lets it go (so a loaded machine cannot make it overtake what is
# checked), or after 20 s whatever happens (so old code gets its answer).
RELEASE = {n: threading.Event() for n in ZONE}
RELEASE["slowscript.test"].set()
queries = set()
qlock = threading.Condition()


def dns_answer(query):
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    off, labels = 12, []
    while query[off] != 0:
        labels.append(query[off + 1:off + 1 + query[off]].decode())
        off += 1 + query[off]
    name = ".".join(labels).lower()
    qtype, qclass = struct.unpack("!HH", query[off + 1:off + 5])
    question = query[12:off + 5]
    rrs = []
    if name in ZONE and qtype == 1:
        rrs.append(struct.pack("!HHHIH", 0xc00c, 1, qclass, 60, 4) +
                   socket.inet_aton(ZONE[name]))
    rcode = 0 if name in ZONE else 3
    head = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode,
                       1, len(rrs), 0, 0)
    return name, head + question + b"".join(rrs)


dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dns.bind(("127.0.0.1", 53))


def reply_later(name, reply, peer):
    RELEASE[name].wait(20)
    dns.sendto(reply, peer)


def dns_serve():
    while True:
        try:
            data, peer = dns.recvfrom(4096)
            name, reply = dns_answer(data)
        except (OSError, ValueError, IndexError, struct.error):
            continue
        with qlock:
            queries.add(name)
            qlock.notify_all()
        if name in ZONE:
            threading.Timer(2.0, reply_later, (name, reply, peer)).start()
        else:
            dns.sendto(reply, peer)


threading.Thread(target=dns_serve, daemon=True).start()


def queried(name, timeout=10):
    end = time.monotonic() + timeout
    with qlock:
        while name not in queries:
            if time.monotonic() >= end:
                return False
            qlock.wait(end - time.monotonic())
    return True


# ---- in a script: resolve finishes before the next line ------------------
t0 = time.monotonic()
rc, out, err = run("resolve slowscript.test\necho AFTER-RESOLVE\n"
                   "udp-client slowscript.test 9\necho AFTER-UDP\n",
                   timeout=60)
ok(rc == 0 and re.search(r"(?s)slowscript\.test has address 127\.0\.0\.8\n"
                         r".*\(1 address in .*\)\nAFTER-RESOLVE\n"
                         r".*\[1\] bound on .*\nAFTER-UDP\n", out),
   "in a script resolve and udp-client NAME finish before the next line",
   out + err)
ok(time.monotonic() - t0 >= 2, "(the answers were held 2 s)")

# ---- at the prompt, under tmux --------------------------------------------
SOCK = os.path.join(tmp, "tmux.sock")
PROMPT = "socktool>"


def tmux(*args):
    return subprocess.run(["tmux", "-S", SOCK] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=10).stdout.decode("utf-8", "replace")


def nonempty():
    return [l.rstrip() for l in tmux("capture-pane", "-p", "-S", "-200")
            .split("\n") if l.strip()]


def screen():
    return "\n".join(nonempty())


def wait_screen(pred, timeout=10):
    end = time.monotonic() + timeout
    while True:
        if pred(nonempty()):
            return True
        if time.monotonic() >= end:
            return False
        select.select([], [], [], 0.05)


def index(ls, rx):
    for i, l in enumerate(ls):
        if re.search(rx, l):
            return i
    return -1


def line(s):
    tmux("send-keys", "-l", s)
    tmux("send-keys", "Enter")


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp.settimeout(10)
try:
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "160", "-y", "50",
         "env XDG_STATE_HOME=%s NO_COLOR=1 %s" % (shlex.quote(tmp),
                                                  shlex.quote(SOCKTOOL)),
         ";", "set-option", "-g", "remain-on-exit", "on")
    ok(wait_screen(lambda ls: bool(ls) and ls[-1] == PROMPT),
       "the prompt appears", screen())

    # resolve: NEXT comes back while the answer is held, the answer after.
    # (Waits here are well under every lookup timeout: code that held
    # the prompt cannot pass by timing out first.)
    line("resolve slow.test --timeout 30s")
    line("echo NEXT")
    got_next = wait_screen(lambda ls: index(ls, r"^NEXT$") >= 0, 5)
    asked = queried("slow.test")
    ok(got_next and asked and index(nonempty(), r"has address|error") < 0,
       "resolve at the prompt returns at once: the next line runs while "
       "the answer is held", screen())
    RELEASE["slow.test"].set()
    ok(wait_screen(lambda ls: index(ls, r"^\(1 address in ") >= 0 and
                   ls[-1] == PROMPT),
       "the answer is printed when it comes, and the prompt is back",
       screen())
    ls = nonempty()
    r, n, a = (index(ls, r"^resolving slow\.test$"), index(ls, r"^NEXT$"),
               index(ls, r"^slow\.test has address 127\.0\.0\.7$"))
    ok(0 <= r < n < a, "resolving slow.test, then NEXT, then the address",
       screen())

    # udp-client NAME: the line returns, runs again with the answer.
    line("udp-client slowu.test %d" % udp.getsockname()[1])
    line("echo NEXT-UDP")
    got_next = wait_screen(lambda ls: index(ls, r"^NEXT-UDP$") >= 0, 5)
    asked = queried("slowu.test")
    ok(got_next and asked and index(nonempty(), r"^\[1\] bound|error") < 0,
       "udp-client NAME at the prompt returns at once (no session yet)",
       screen())
    tmux("send-keys", "-l", "send 1 half-typed")
    RELEASE["slowu.test"].set()
    ok(wait_screen(lambda ls: index(ls, r"^\[1\] bound on ") >= 0 and
                   ls[-1] == PROMPT + " send 1 half-typed"),
       "then the line runs by itself; a line being typed is kept",
       screen())
    ls = nonempty()
    ok(0 <= index(ls, r"^resolving slowu\.test$") <
       index(ls, r"^NEXT-UDP$") < index(ls, r"^\[1\] bound on "),
       "resolving slowu.test, then NEXT-UDP, then the session", screen())
    tmux("send-keys", "Enter")
    try:
        data = udp.recvfrom(100)[0]
    except OSError as e:
        data = str(e).encode()
    ok(data == b"half-typed", "the session made later sends to the name's "
       "address", data)
    # A lookup still running when socktool quits is dropped cleanly.
    line("resolve slow2.test --timeout 30s")
    queried("slow2.test")
    pid = int(tmux("display", "-p", "#{pane_pid}").strip() or 0)
    line("quit")

    def exit_status():
        m = re.match(r"1:(\d+)$", tmux("display", "-p",
                                        "#{pane_dead}:#{pane_dead_status}")
                     .strip())
        if m:
            return int(m.group(1))
        try:                    # tmux has not reaped it yet: the zombie
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        if fields[0] != "Z":
            return None
        code = int(fields[-1])
        return code >> 8 if code & 0x7f == 0 else 128 + (code & 0x7f)
    ok(wait_screen(lambda ls: exit_status() is not None) and
       exit_status() == 0, "quit with a lookup running: exit status 0",
       "%s\n%s" % (exit_status(), screen()))
finally:
    subprocess.run(["tmux", "-S", SOCK, "kill-server"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=10)
    for ev in RELEASE.values():
        ev.set()
    shutil.rmtree(tmp, ignore_errors=True)
done()
