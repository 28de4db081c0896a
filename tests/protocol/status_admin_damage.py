#!/usr/bin/python3
"""A damaged status list (issue 12): `leadd verify` names each kind of
damage and exits 1; the untouched base verifies clean.

The base holds the default statuses, one added by status_add and a lead in
each. Each case damages a copy with python3-lmdb:
- two statuses at one position, a gap in the positions;
- a second conversion target in the prospect stage;
- two names that fold alike, a status named as a class word, an empty name;
- probability over 100, an unknown stage, an unknown class;
- no status of class new;
- a status record deleted while a lead is in it;
- 101 statuses;
- the meta mark of the last status change past the last revision, or not
  8 bytes long.

Usage: status_admin_damage.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, load_pb, ok_call, run_verify  # noqa: E402

res = Results()


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)

        def add(q):
            q.status_add.status.name = "lead-Contacted"
            q.status_add.status.stage = pb.STAGE_LEAD
            q.status_add.status.kpi_class = pb.KPI_QUALIFIED
            q.status_add.after = "lead-New"
        ok_call(admin, add, "status_add")
        for s in ok_call(admin, lambda q: q.status_list.SetInParent(),
                         "status_list").status_list.statuses:
            lead = ok_call(admin, lambda q, s=s: (setattr(q.lead_create, "title", "in " + s.name),
                                                  setattr(q.lead_create, "owner", "admin")),
                           "lead_create").lead.lead

            def move(q, s=s, lead=lead):
                q.lead_set_status.id = lead.id
                q.lead_set_status.status_id = s.id
                if s.kpi_class in (pb.KPI_DEAD, pb.KPI_LOST):
                    q.lead_set_status.reason = "no budget"  # dead and lost need one
                    q.lead_set_status.other = True
            if lead.status_id != s.id:
                ok_call(admin, move, "lead_set_status")
        admin.close()
    finally:
        assert d.stop() == 0
    return d.data


def statuses(pb, data):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(b"statuses", create=False)
        with env.begin() as txn:
            out = {}
            for k, v in txn.cursor(db=h):
                s = pb.Status()
                s.ParseFromString(v)
                out[s.name] = s
            return out
    finally:
        env.close()


def put(data, *sts, delete=()):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(b"statuses", create=False)
        with env.begin(write=True) as txn:
            for s in sts:
                txn.put(s.id.to_bytes(8, "big"), s.SerializeToString(), db=h)
            for i in delete:
                txn.delete(i.to_bytes(8, "big"), db=h)
    finally:
        env.close()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        base = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = run_verify(binary, base)
        res.record("the untouched base verifies clean", rc == 0, out[-300:])
        orig = statuses(pb, base)

        def case(name, damage, want):
            data = os.path.join(tmp, "case")
            shutil.rmtree(data, ignore_errors=True)
            shutil.copytree(base, data)
            s = {k: pb.Status.FromString(v.SerializeToString()) for k, v in orig.items()}
            damage(data, s)
            rc, out = run_verify(binary, data)
            res.record("verify finds %s" % name, rc == 1 and want in out,
                       "exit %d: %s" % (rc, out[-600:]))

        def same_position(data, s):
            s["lead-Dead"].position = s["lead-Qualified"].position
            put(data, s["lead-Dead"])
        case("two statuses at one position", same_position, "positions run 1 to")

        def gap(data, s):
            s["customer-Won"].position = 40
            put(data, s["customer-Won"])
        case("a gap in the positions", gap, "position 40")

        def two_targets(data, s):
            s["prospect-Lost"].conversion_target = True
            put(data, s["prospect-Lost"])
        case("a second conversion target of a stage", two_targets,
             "a second conversion target of stage prospect")

        def same_name(data, s):
            s["lead-Contacted"].name = "LEAD-new"
            put(data, s["lead-Contacted"])
        case("two names folding alike", same_name, "have the same name")

        def class_word(data, s):
            s["lead-Contacted"].name = "Won"
            put(data, s["lead-Contacted"])
        case("a status named as a class word", class_word, "named as a KPI class")

        def empty_name(data, s):
            s["lead-Contacted"].name = "  "
            put(data, s["lead-Contacted"])
        case("an empty name", empty_name, "the name is empty")

        def prob(data, s):
            s["lead-Contacted"].probability = 150
            put(data, s["lead-Contacted"])
        case("probability over 100", prob, "probability 150 is over 100")

        def stage(data, s):
            raw = s["lead-Contacted"]
            raw.ClearField("stage")
            put(data, raw)
        case("a status of no stage", stage, "is none of lead, prospect, customer")

        def no_new(data, s):
            s["lead-New"].kpi_class = pb.KPI_QUALIFIED
            put(data, s["lead-New"])
        case("no status of class new", no_new, "none is of class new")

        def deleted(data, s):
            doomed = s["lead-Contacted"]
            for x in s.values():
                if x.position > doomed.position:
                    x.position -= 1
            put(data, *[x for x in s.values() if x.id != doomed.id], delete=[doomed.id])
        case("a lead whose status was deleted", deleted, "does not exist")

        def too_many(data, s):
            n = len(s)
            extra = []
            for i in range(101 - n):
                extra.append(pb.Status(id=1000 + i, name="extra-%d" % i, stage=pb.STAGE_LEAD,
                                       probability=0, kpi_class=pb.KPI_NONE,
                                       position=n + 1 + i))
            put(data, *extra)
        case("101 statuses", too_many, "101 of them, more than the 100")

        def meta(value):
            def damage(data, s):
                env = lmdb.open(data, max_dbs=64, subdir=True)
                try:
                    h = env.open_db(b"meta", create=False)
                    with env.begin(write=True) as txn:
                        txn.put(b"status_list_revision", value, db=h)
                finally:
                    env.close()
            return damage
        case("a status-change mark past the last revision", meta((10 ** 6).to_bytes(8, "big")),
             "status_list_revision is 1000000, past the last revision")
        case("a status-change mark of the wrong size", meta(b"\x01\x02"),
             "status_list_revision is 2 bytes long")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
