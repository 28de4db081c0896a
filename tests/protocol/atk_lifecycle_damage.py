#!/usr/bin/python3
"""Attack (issue 12 seams): a check that says OK on a damaged file.

The damage cases of status_admin_damage.py and archive_renew_damage.py are
not repeated here; these are the ones between the parts. A base directory
holds an archived lead, a lead on stand-by and an origin with two
renewals. Each case damages a copy with python3-lmdb, then `leadd verify`
must exit 1 with a line naming it:
  - the stand-by index (idx_standby): a stray entry for a lead not on
    stand-by, the stand-by lead's entry deleted, its entry under another
    wake time;
  - the summary: the archived bit cleared, the wake time zeroed;
  - the lead record alone: archived cleared (the counters and summary still
    say archived), standby_until moved (index and summary still old);
  - renewal links: a renewal whose renewed_from was cleared while its
    origin lists it; two leads renewing each other (a cycle lead_renew can
    never make: a renewal is always a newer lead than its origin).
The untouched base verifies clean.

Usage: atk_lifecycle_damage.py LEADD_BINARY PROTO_DIR"""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import (Client, Leadd, Results, add_team, add_user, load_pb,  # noqa: E402
                           ok_call, run_verify, change_db)

res = Results()
WAKE = int(time.time() * 1000) + 30 * 86400 * 1000  # a month ahead, in ms


def be(n):
    return n.to_bytes(8, "big")


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_team(admin, "A")
        add_user(admin, "r1", pb.ROLE_REP, "A", "atk-damage-pw-1")
        ids = {}
        for name in ("archived", "sleeper", "origin", "plain"):
            ids[name] = ok_call(admin, lambda q, name=name: (
                setattr(q.lead_create, "title", name), setattr(q.lead_create, "owner", "r1")),
                "create " + name).lead.lead.id
        ok_call(admin, lambda q: setattr(q.lead_archive, "id", ids["archived"]), "archive")
        ok_call(admin, lambda q: (setattr(q.lead_standby, "id", ids["sleeper"]),
                                  setattr(q.lead_standby, "until", WAKE)), "standby")
        for i in range(2):
            ids["renewal%d" % i] = ok_call(admin, lambda q: setattr(q.lead_renew, "id", ids["origin"]),
                                           "renew").lead.lead.id
    finally:
        rc = d.stop()
        res.record("base: leadd stops with exit 0", rc == 0, "exit %d" % rc)
    return d.data, ids


def edit_lead(pb, lid, fn):
    def run(txn, h):
        lead = pb.Lead()
        lead.ParseFromString(txn.get(be(lid), db=h))
        fn(lead)
        txn.put(be(lid), lead.SerializeToString(), db=h)
    return run


def edit_summary(lid, fn):
    def run(txn, h):
        b = bytearray(txn.get(be(lid), db=h))
        fn(b)
        txn.put(be(lid), bytes(b), db=h)
    return run


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_lifecycle_damage.") as tmp:
        pb = load_pb(proto_dir, tmp)
        base, ids = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = run_verify(binary, base)
        res.record("the untouched base verifies clean", rc == 0, out[-300:])
        arch, sleeper, plain = ids["archived"], ids["sleeper"], ids["plain"]
        origin, r0, r1 = ids["origin"], ids["renewal0"], ids["renewal1"]

        def stray_standby(txn, h):
            txn.put(be(WAKE + 5000), be(plain), db=h)

        def drop_standby(txn, h):
            txn.delete(be(WAKE), be(sleeper), db=h)

        def move_standby(txn, h):
            txn.delete(be(WAKE), be(sleeper), db=h)
            txn.put(be(WAKE - 3600 * 1000), be(sleeper), db=h)

        def clear_archived_bit(b):
            b[83] &= ~2

        def zero_wake(b):
            b[84:92] = bytes(8)

        def cycle(txn, h):
            # plain renews r1 and r1 lists plain: both links agree, but
            # plain is older than r1 (and r1 already renews origin).
            edit_lead(pb, plain, lambda l: setattr(l, "renewed_from", r0))(txn, h)
            edit_lead(pb, r0, lambda l: l.renewals.append(plain))(txn, h)
            edit_lead(pb, r0, lambda l: setattr(l, "renewed_from", 0))(txn, h)
            edit_lead(pb, origin, lambda l: l.renewals.remove(r0))(txn, h)
            edit_lead(pb, r0, lambda l: setattr(l, "renewed_from", plain))(txn, h)
            edit_lead(pb, plain, lambda l: l.renewals.append(r0))(txn, h)

        cases = [
            ("stray stand-by index entry", ("idx_standby", stray_standby),
             r"idx_standby"),
            ("stand-by index entry deleted", ("idx_standby", drop_standby),
             r"idx_standby"),
            ("stand-by index entry under another time", ("idx_standby", move_standby),
             r"idx_standby"),
            ("summary's archived bit cleared",
             ("lead_summary", edit_summary(arch, clear_archived_bit)),
             r"lead %d: its summary differs" % arch),
            ("summary's wake time zeroed",
             ("lead_summary", edit_summary(sleeper, zero_wake)),
             r"lead %d: its summary differs" % sleeper),
            ("lead record un-archived alone",
             ("leads", edit_lead(pb, arch, lambda l: setattr(l, "archived", False))),
             r"archived leads of team \d+, owner \d+, status \d+ is 1, a recount gives 0"),
            ("lead record's wake time moved alone",
             ("leads", edit_lead(pb, sleeper, lambda l: setattr(l, "standby_until", WAKE + 1))),
             r"lead %d: its summary differs" % sleeper),
            ("a renewal's renewed_from cleared",
             ("leads", edit_lead(pb, r1, lambda l: setattr(l, "renewed_from", 0))),
             r"lead %d: lists renewal %d, which renews another lead" % (origin, r1)),
            ("two leads renewing each other", ("leads", cycle),
             r"lead %d: renews lead %d, a newer lead" % (plain, r0)),
        ]
        for i, (name, (db, fn), want) in enumerate(cases):
            data = os.path.join(tmp, "case%d" % i, "data")
            shutil.copytree(base, data)
            change_db(data, db, fn)
            rc, out = run_verify(binary, data)
            res.record("%s: verify exits 1 naming it" % name,
                       rc == 1 and re.search(want, out) is not None, out[-600:])
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
