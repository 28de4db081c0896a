#!/usr/bin/python3
"""Damage to what archive and renew keep (issue 12): `leadd verify` names
it and exits 1, and kpi answers DATA_LOSS for an archived count of no known
shape instead of a count without it.

A base directory holds an archived lead (its count under the 'a' counters)
and a lead with two renewals, one converted (so the rollup has 'r'
records). Each case damages a copy with python3-lmdb:
  - archived counters: deleted, changed by one, a stray one, a wrong-size
    value (then kpi must answer DATA_LOSS, and leadd go on answering);
  - the renewal rollup twin ('r'): deleted, changed by one;
  - links: the origin's renewals list without one renewal, a renewal whose
    renewed_from names another lead, an origin listing a lead that does
    not exist, a list naming one renewal twice;
then verify must exit 1 with a line naming it. The untouched base verifies
clean.

Usage: archive_renew_damage.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import (Client, Leadd, Results, add_team, add_user,  # noqa: E402
                           load_pb, ok_call, run_verify, change_db)

PW = "archive-damage-pw-1"
res = Results()


def be(n):
    return n.to_bytes(8, "big")


def records(data, db):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(db.encode(), create=False)
        with env.begin() as txn:
            return list(txn.cursor(db=h))
    finally:
        env.close()


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_team(admin, "A")
        add_user(admin, "r1", pb.ROLE_REP, "A", PW)
        ids = {}
        for name in ("archived", "origin"):
            ids[name] = ok_call(admin, lambda q, name=name: (
                setattr(q.lead_create, "title", name), setattr(q.lead_create, "owner", "r1")),
                "create " + name).lead.lead.id
        ok_call(admin, lambda q: setattr(q.lead_archive, "id", ids["archived"]), "archive")
        for i in range(2):
            ids["renewal%d" % i] = ok_call(admin, lambda q: setattr(q.lead_renew, "id", ids["origin"]),
                                           "renew").lead.lead.id
        ok_call(admin, lambda q: (setattr(q.lead_set_status, "id", ids["renewal0"]),
                                  setattr(q.lead_set_status, "status", "prospect-Qualified")),
                "convert a renewal")
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


def first(data, db, pred):
    for k, v in records(data, db):
        if pred(k, v):
            return k, v
    raise RuntimeError("no such record in %s" % db)


def is_archived_count(k, v):
    return k[:1] == b"a" and len(k) == 25


def is_renewal_twin(k, v):
    return len(k) == 21 + 16 and k[20:21] == b"r"


def kpi_data_loss(binary, pb, tmp, data, name):
    os.makedirs(tmp, exist_ok=True)
    d = Leadd(binary, tmp)
    d.data = data
    d.start()
    try:
        c = Client(pb, d.port)
        r = c.call(lambda q: q.kpi.SetInParent())
        res.record("%s: kpi answers DATA_LOSS with a sentence" % name,
                   r.code == pb.DATA_LOSS and "leadd verify" in r.message,
                   "%d %s" % (r.code, r.message))
        r = c.call(lambda q: q.ping.SetInParent())
        res.record("%s: leadd goes on answering" % name, r.code == pb.OK)
    finally:
        d.stop()


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="archive_renew_damage.") as tmp:
        pb = load_pb(proto_dir, tmp)
        base, ids = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = run_verify(binary, base)
        res.record("the untouched base verifies clean", rc == 0, out[-300:])
        origin, r0, r1 = ids["origin"], ids["renewal0"], ids["renewal1"]

        def dele(db, pred):
            def run(txn, h):
                k, _ = first_in(txn, h, pred)
                txn.delete(k, db=h)
            return db, run

        def first_in(txn, h, pred):
            for k, v in txn.cursor(db=h):
                if pred(k, v):
                    return k, v
            raise RuntimeError("no such record")

        def plus_one(db, pred):
            def run(txn, h):
                k, v = first_in(txn, h, pred)
                txn.put(k, be(int.from_bytes(v, "big") + 1), db=h)
            return db, run

        def stray_archived(txn, h):
            txn.put(b"a" + be(1) + be(999) + be(1), be(3), db=h)

        def wrong_size(txn, h):
            k, _ = first_in(txn, h, is_archived_count)
            txn.put(k, b"\x00\x01", db=h)

        cases = [
            ("archived count deleted", dele("counters", is_archived_count),
             r"archived leads of team \d+, owner \d+, status \d+ is missing"),
            ("archived count changed by one", plus_one("counters", is_archived_count),
             r"archived leads of team \d+, owner \d+, status \d+ is 2, a recount gives 1"),
            ("stray archived count", ("counters", stray_archived),
             r"archived leads of team 1, owner 999, status 1 is 3, a recount gives 0"),
            ("archived count of wrong size", ("counters", wrong_size),
             r"counters: a record of 25\+2 bytes is neither"),
            ("renewal rollup twin deleted", dele("rollup", is_renewal_twin),
             r"renewals entering status \d+ from \d+.*: missing"),
            ("renewal rollup twin changed by one", plus_one("rollup", is_renewal_twin),
             r"renewals entering status \d+ from \d+.*: 3, a replay of the history gives 2"),
            ("origin's renewals without one",
             ("leads", edit_lead(pb, origin, lambda l: l.renewals.remove(r1))),
             r"lead %d: renews lead %d, whose renewals do not list it" % (r1, origin)),
            ("a renewal renewing another lead",
             ("leads", edit_lead(pb, r0, lambda l: setattr(l, "renewed_from", ids["archived"]))),
             r"lead %d: lists renewal %d, which renews another lead" % (origin, r0)),
            ("renewals naming a lead that does not exist",
             ("leads", edit_lead(pb, origin, lambda l: l.renewals.append(99999))),
             r"lead %d: lists renewal 99999, which does not exist" % origin),
            ("renewals naming one lead twice",
             ("leads", edit_lead(pb, origin, lambda l: l.renewals.append(r0))),
             r"lead %d: lists renewal %d twice" % (origin, r0)),
        ]
        import re
        for i, (name, (db, fn), want) in enumerate(cases):
            data = os.path.join(tmp, "case%d" % i, "data")
            shutil.copytree(base, data)
            change_db(data, db, fn)
            rc, out = run_verify(binary, data)
            res.record("%s: verify exits 1 naming it" % name,
                       rc == 1 and re.search(want, out) is not None, out[-600:])
            if name == "archived count of wrong size":
                kpi_data_loss(binary, pb, os.path.join(tmp, "case%d" % i, "run"), data, name)
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
