#!/usr/bin/python3
"""Last fixes of issue 12 (phase 3), each a check that failed before it.

Usage: fix_lifecycle.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1 (default statuses lead-New, lead-Qualified,
lead-Dead, prospect-Qualified, prospect-Lost, customer-Won):
- lead_standby with until 0 on a lead archived while on stand-by takes it
  off stand-by (the wake-up would too); putting an archived lead on stand-by
  stays refused, and taking off one that is not on stand-by says so, not
  "restore it before putting it on stand-by";
- `leadd verify` passes.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, desc, load_pb, ok_call  # noqa: E402

DAY = 86400 * 1000
res = Results()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            adm = Client(pb, d.port)
            standby_off_archived(pb, adm)
        finally:
            res.stop_and_verify(d, "fix_lifecycle")
    return res.summary()


def standby(c, lid, until):
    def f(q):
        q.lead_standby.id = lid
        q.lead_standby.until = until
    return c.call(f)


def standby_off_archived(pb, adm):
    now = int(time.time() * 1000)
    a = adm.create("Archived while asleep").lead.lead
    r = standby(adm, a.id, now + 3 * DAY)
    res.record("a lead put on stand-by", r.code == pb.OK, desc(pb, r))
    ok_call(adm, lambda q: setattr(q.lead_archive, "id", a.id), "archive a")
    r = standby(adm, a.id, 0)
    res.record("standby off on an archived lead on stand-by: OK, off stand-by, still archived",
               r.code == pb.OK and not r.lead.lead.standby_until and r.lead.lead.archived,
               desc(pb, r))
    r = standby(adm, a.id, 0)
    res.record("standby off again: not on stand-by, says nothing of restoring",
               r.code == pb.FAILED_PRECONDITION and "not on stand-by" in r.message and
               "restore" not in r.message, desc(pb, r))
    r = standby(adm, a.id, now + DAY)
    res.record("stand-by for an archived lead: still refused, restore first",
               r.code == pb.FAILED_PRECONDITION and "restore" in r.message, desc(pb, r))



if __name__ == "__main__":
    sys.exit(main())
