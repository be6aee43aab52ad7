# SPDX-License-Identifier: GPL-3.0-or-later
"""Private network namespaces for tests (STYLE habit 8): the test file
re-executes itself under `unshare -rn` (or `-rnm` for its own /etc files),
then sets up only what it uses -- lo, loopback multicast, a veth pair, its
own resolver files.  Nothing touches a real interface.  Each set-up step
raises on failure; the test decides whether that skips it all or a part."""
import os
import subprocess
import sys
import time

from st import need, skip_all

# What each unshare flag set creates, for the skip message.
_WHAT = {"-rn": "a private network namespace",
         "-rnm": "private network and mount namespaces"}
ERRORS = (RuntimeError, OSError, subprocess.TimeoutExpired)


def enter(flags="-rn", needs=("ip",)):
    """Unless already inside, re-execute the running test file under
    `unshare FLAGS` (user + network namespace, + mount for -rnm) and never
    return; skip the whole file when that is not permitted here.  Inside,
    return at once.  needs: programs the test runs in the namespace."""
    main = os.path.abspath(sys.modules["__main__"].__file__)
    name = os.path.basename(main).split("_")[0].upper()
    flag = "SOCKTOOL_%s_IN_NETNS" % name
    if os.environ.get(flag) == "1":
        return
    need("unshare")
    for prog in needs:
        need(prog)
    try:
        p = subprocess.run(["unshare", flags, "true"], timeout=20,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except (OSError, subprocess.TimeoutExpired) as e:
        skip_all("unshare %s failed: %s" % (flags, e))
    if p.returncode != 0:
        skip_all("cannot create %s (unshare %s): %s"
                 % (_WHAT.get(flags, "namespaces"), flags,
                    p.stderr.decode(errors="replace").strip()))
    env = dict(os.environ)
    env[flag] = "1"
    sys.stdout.flush()
    os.execvpe("unshare", ["unshare", flags, sys.executable, main], env)


def sh(*argv):
    """Run a command; raise RuntimeError with its output if it fails."""
    p = subprocess.run(list(argv), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=20)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv),
                                       p.stdout.decode(errors="replace")))


def lo_up():
    sh("ip", "link", "set", "lo", "up")


def lo_multicast():
    """lo up and able to carry IPv4 multicast: join with interface
    127.0.0.1."""
    lo_up()
    sh("ip", "link", "set", "lo", "multicast", "on")
    sh("ip", "route", "add", "224.0.0.0/4", "dev", "lo")


def veth_pair():
    """A real link for IPv6 multicast and IPv4 broadcast: v0 and v1, up,
    with fd00::1/64, fe80::1/64, 10.9.0.1/24 on v0 and fd00::2/64,
    fe80::2/64, 10.9.0.2/24 on v1 (no DAD, broadcast addresses set)."""
    sh("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
    # Only the addresses given below, no automatic fe80:: ones (an older
    # ip without addrgenmode just leaves them; the checks allow for that).
    for dev in ("v0", "v1"):
        try:
            sh("ip", "link", "set", dev, "addrgenmode", "none")
        except RuntimeError:
            pass
    sh("ip", "addr", "add", "fd00::1/64", "dev", "v0", "nodad")
    sh("ip", "addr", "add", "fd00::2/64", "dev", "v1", "nodad")
    sh("ip", "addr", "add", "fe80::1/64", "dev", "v0", "nodad")
    sh("ip", "addr", "add", "fe80::2/64", "dev", "v1", "nodad")
    sh("ip", "addr", "add", "10.9.0.1/24", "brd", "+", "dev", "v0")
    sh("ip", "addr", "add", "10.9.0.2/24", "brd", "+", "dev", "v1")
    sh("ip", "link", "set", "v0", "up")
    sh("ip", "link", "set", "v1", "up")
    # A datagram from 10.9.0.1 that crosses the veth arrives on v1 with a
    # source address of this same host (and one from 10.9.0.2 on v0); let
    # both ends accept such datagrams, so a receiver bound to one end sees
    # the copy that really travelled over the link.
    for dev in ("v0", "v1"):
        with open("/proc/sys/net/ipv4/conf/%s/accept_local" % dev, "w") as f:
            f.write("1\n")
    # The carrier comes up a moment after `up` (the kernel's link watch,
    # later on a loaded machine); what is sent before is dropped.  Bounded.
    end = time.monotonic() + 20
    while time.monotonic() < end:
        out = subprocess.run(["ip", "-o", "link", "show"],
                             stdout=subprocess.PIPE, timeout=20).stdout
        if all(b"%s@" % d in out and b"state UP" in out.split(
                b"%s@" % d, 1)[1].split(b"\n", 1)[0] for d in (b"v0", b"v1")):
            break
        time.sleep(0.02)


def own_etc(tmpdir, hosts, resolv_conf):
    """This namespace's /etc/hosts and /etc/resolv.conf (needs -rnm): the
    texts are written under tmpdir and bind-mounted over the real ones."""
    for name, text in (("resolv.conf", resolv_conf), ("hosts", hosts)):
        with open(os.path.join(tmpdir, name), "w") as f:
            f.write(text)
    for name in ("resolv.conf", "hosts"):
        sh("mount", "--bind", os.path.join(tmpdir, name), "/etc/" + name)
