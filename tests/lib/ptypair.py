# SPDX-License-Identifier: GPL-3.0-or-later
"""A pair of connected pseudo-terminals made by `socat -d -d pty,raw,echo=0
pty,raw,echo=0` (its stderr names the two slaves), and termios2 read back
in python: the line a tty keeps (speed, c_cflag) as TCGETS2 gives it.
Standard library only; every wait is bounded."""
import fcntl
import os
import re
import select
import struct
import subprocess
import time

TCGETS2 = 0x802C542A
CSIZE, CS8, CSTOPB, PARENB, PARODD = 0o60, 0o60, 0o100, 0o400, 0o1000
CRTSCTS, CMSPAR = 0o20000000000, 0o10000000000
IXON = 0o2000


class PtyPair:
    def __init__(self, timeout=10, link=None):
        """link: a path made a symlink to the first pty (socat's link=)."""
        first = "pty,raw,echo=0" + (",link=%s" % link if link else "")
        self.p = subprocess.Popen(["socat", "-d", "-d", first,
                                   "pty,raw,echo=0"],
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        paths, buf = [], b""
        end = time.monotonic() + timeout
        fd = self.p.stderr.fileno()
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], end - time.monotonic())
            if not r:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            paths = re.findall(rb"PTY is (/dev/pts/\d+)", buf)
            if len(paths) == 2 and b"starting data transfer" in buf:
                break
        if len(paths) != 2:
            self.stop()
            raise RuntimeError("socat gave no pty pair: %r" % buf)
        self.a, self.b = (x.decode() for x in paths)

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def tcgets2(fd):
    """(c_iflag, c_cflag, ispeed, ospeed) of a tty by TCGETS2."""
    buf = bytearray(44)
    fcntl.ioctl(fd, TCGETS2, buf)
    iflag, _, cflag, _ = struct.unpack_from("IIII", buf, 0)
    ispeed, ospeed = struct.unpack_from("II", buf, 36)
    return iflag, cflag, ispeed, ospeed


def open_raw(path):
    """The other end, raw, blocking reads made by read_exact."""
    import termios
    import tty
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    return fd


def read_exact(fd, n, timeout=20):
    got = bytearray()
    end = time.monotonic() + timeout
    while len(got) < n:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if r:
            chunk = os.read(fd, min(65536, n - len(got)))
            if not chunk:
                break
            got += chunk
    return bytes(got)
