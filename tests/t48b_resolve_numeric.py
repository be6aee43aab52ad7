#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 21 bug 8: `resolve ADDR` where /etc/hosts has no name for it and no
DNS server answers: the address is the answer, not a failure ([::1] too).
Runs in its own namespace with its own /etc/hosts (no ::1 in it) and a
resolv.conf pointing at a port nobody listens on: nothing leaves."""
import json
import os
import re
import sys
import tempfile
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from st import ok, done, skip_all, run  # noqa
import netns  # noqa: E402

netns.enter("-rnm", needs=("ip", "mount"))
tmp = tempfile.mkdtemp(prefix="st-t48b-")
try:
    netns.lo_up()
    netns.own_etc(tmp, "127.0.0.1 localhost\n",
                  "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
except netns.ERRORS as e:
    skip_all("cannot set up the namespace's resolver files: %s" % e)

rc, out, err = run("resolve ::1\nresolve [::1]\n")
ok(rc == 0 and re.search(r"^::1 has no name: .+ \([0-9.]+ m?s\)$", out, re.M)
   and len(re.findall(r"^::1 has no name", out, re.M)) == 2,
   "resolve ::1 and [::1] without a name: the address, no failure",
   out + err)
rc, out, err = run("resolve 127.0.0.1\n")
ok(rc == 0 and re.search(r"^127\.0\.0\.1 is localhost ", out, re.M),
   "an address with a name still gets it", out + err)
rc, out, err = run("resolve ::1\n", "--json")
res = [json.loads(l) for l in out.splitlines() if l.strip()]
res = [o for o in res if o.get("event") == "result"]
ok(rc == 0 and res and res[0].get("address") == "::1"
   and res[0].get("name") is None and res[0].get("why"),
   "--json: address, name null, why", out + err)
done()
