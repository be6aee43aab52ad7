#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21, messages of `set` and `sockopt`: `split off` and `rcvbuf 1k`
are accepted (as `delay off` and `rate 100k` are); a bad value lists its
choices once, or its own examples alone; a mistyped setting name gets a
"did you mean"; a missing value says so; a setting name where the id goes
is "not a session id".  Each bad line is one error line and changes
nothing."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, is_eq, done, run  # noqa: E402

USAGE = " (usage: set ID|all|default SETTING VALUE)"


def one(line, setup="tcp-server 127.0.0.1 0\n"):
    """Run line after setup; (its error lines, stdout)."""
    rc, out, err = run(setup + line + "\nshow 1\n", "--keep-going")
    return [l for l in err.splitlines() if l.startswith("error:")], out


# accepted now
errs, out = one("set 1 split 3\nset 1 split off")
ok(errs == [] and re.search(r"split +off", out), "set 1 split off is "
   "accepted and turns split off", errs)
errs, out = one("sockopt 1 rcvbuf 1k")
ok(errs == [] and re.search(r"^\[1\] rcvbuf +\d+", out, re.M),
   "sockopt 1 rcvbuf 1k is accepted", errs)
errs, out = one("sockopt 1 sndbuf 64K\nsockopt 1 sndbuf")
m = re.findall(r"^\[1\] sndbuf +(\d+)", out, re.M)
ok(errs == [] and m and int(m[-1]) >= 65536, "sockopt 1 sndbuf 64K sets "
   "64 KiB (the kernel reports %s)" % (m[-1] if m else None), errs)
errs, _ = one("sockopt 1 rcvbuf 1x")
ok(len(errs) == 1 and "bad rcvbuf value \"1x\"" in errs[0],
   "sockopt 1 rcvbuf 1x is still one error", errs)

# bad values: the choices once, the examples alone
errs, _ = one("set 1 check nosuch")
ok(len(errs) == 1 and errs[0].count("crc16-modbus") == 1,
   "set 1 check nosuch lists the choices once", errs)
errs, _ = one("set 1 rate -5")
is_eq(errs, ['error: set: bad rate "-5" (bytes/s: 100k, 2M)' + USAGE],
      "set 1 rate -5: the examples alone")
errs, _ = one("set 1 delay soon")
is_eq(errs, ['error: set: bad delay "soon" (e.g. 20ms, 1s, off)' + USAGE],
      "set 1 delay soon: the examples alone")
errs, _ = one("set 1 display purple")
is_eq(errs, ['error: set: bad display value "purple" (one of '
             'text|hex|both|none)' + USAGE],
      "set 1 display purple: a list that is complete is still given")

# names
errs, _ = one("set 1 displya hex")
is_eq(errs, ['error: set: unknown setting "displya" (did you mean '
             'display?)' + USAGE], "set 1 displya hex: did you mean display")
errs, _ = one("set 1 jiter 5ms")
ok(len(errs) == 1 and "(did you mean jitter?)" in errs[0],
   "set 1 jiter: did you mean jitter", errs)
errs, _ = one("set 1 colour red")
is_eq(errs, ['error: set: unknown setting "colour"' + USAGE],
      "a name near no setting: no suggestion")
errs, _ = one("sned 1 hi")
ok(len(errs) == 1 and "(did you mean send?)" in errs[0],
   "a command name: did you mean send", errs)

# missing pieces
errs, out = one("set 1 display")
is_eq(errs, ["error: set: missing value" + USAGE],
      "set 1 display: missing value")
ok(re.search(r"display +text", out), "and display is unchanged", out)
errs, _ = one("set display hex")
is_eq(errs, ['error: set: "display" is not a session id' + USAGE],
      "set display hex: \"display\" is not a session id")
errs, _ = one("set default display")
is_eq(errs, ["error: set: missing value" + USAGE],
      "set default display: missing value")
errs, _ = one("set 9 display hex")
ok(len(errs) == 1 and "no session 9" in errs[0], "set 9 display hex: no "
   "session 9", errs)
done()
