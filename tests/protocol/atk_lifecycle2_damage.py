#!/usr/bin/python3
"""Issue 12 attacks 2: `leadd verify` on hand-damaged reasons, dead/lost
reasons on leads and the stand-by index — the cases standby_damage.py and
status_moves_verify.py leave out. Each damage on its own copy of one data
directory (python3-lmdb); verify must exit 1 naming it.

Usage: atk_lifecycle2_damage.py LEADD PROTO_DIR

Reasons (DB "reasons"): a record under another team's key; a record under
a key whose text is not its own folded text; a record of a team that does
not exist; a record whose text holds a newline; a key of 8 bytes (no text).
Stand-by (DB "idx_standby"): the entry of lead A moved to another wake time
(A's record still says its own); a key of 7 bytes.
Leads: a lead in lead-New with a dead reason; a lead in lead-Dead without
one: named by the history replay (record differs from its history). No
check ties a reason to the status's class: status_edit may reclassify a
status with leads in it, so a reason on an open lead is a state the store
can reach.
The undamaged copy passes verify."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, load_pb, ok_call, run_verify  # noqa: E402

res = Results()
DAY = 86400 * 1000


def be(n):
    return n.to_bytes(8, "big")


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_lifecycle2_damage.") as tmp:
        pb = load_pb(proto, tmp)
        subprocess.run(["protoc", "--proto_path", proto, "--python_out", tmp,
                        os.path.join(proto, "leadd_store.proto")], check=True)
        import leadd_store_pb2 as spb
        d = Leadd(binary, os.path.join(tmp, "base")).start()
        adm = Client(pb, d.port)
        ok_call(adm, lambda q: setattr(q.team_add, "name", "A"), "team A")
        ok_call(adm, lambda q: setattr(q.reason_add.reason, "text", "No budget"), "reason")
        a = adm.create("On stand-by").lead.lead
        dead = adm.create("Dead").lead.lead
        new = adm.create("New").lead.lead
        until = int(time.time() * 1000) + 2 * DAY
        ok_call(adm, lambda q: (setattr(q.lead_standby, "id", a.id),
                                setattr(q.lead_standby, "until", until)), "standby")
        ok_call(adm, lambda q: (setattr(q.lead_set_status, "id", dead.id),
                                setattr(q.lead_set_status, "status", "dead"),
                                setattr(q.lead_set_status, "reason", "no budget")), "dead")
        team_a = [t for t in ok_call(adm, lambda q: q.team_list.SetInParent(),
                                     "teams").team_list.teams if t.name == "A"][0].id
        assert d.stop() == 0
        base = d.data
        rc, out = run_verify(binary, base)
        res.record("the undamaged copy passes verify", rc == 0, out)

        def case(name, db, fn, expect):
            data = os.path.join(tmp, "c%d" % len(res))
            shutil.copytree(base, data)
            env = lmdb.open(data, max_dbs=64, subdir=True)
            try:
                h = env.open_db(db.encode(), create=False, dupsort=db == "idx_standby")
                with env.begin(write=True) as txn:
                    fn(txn, h)
            finally:
                env.close()
            rc, out = run_verify(binary, data)
            ok = rc == 1 and all(e in out for e in expect)
            res.record("verify: " + name, ok,
                       "" if ok else "exit %d, expected %r in:\n%s" % (rc, expect, out))

        def rec(team, text):
            return spb.ReasonRecord(team_id=team, text=text, created_at=1,
                                    created_by=1).SerializeToString()

        case("a reason under another team's key", "reasons",
             lambda txn, h: (txn.delete(be(0) + b"no budget", db=h),
                             txn.put(be(team_a) + b"no budget", rec(0, "No budget"), db=h)),
             ["reasons", "not under its own team"])
        case("a reason under a key of another text", "reasons",
             lambda txn, h: txn.put(be(team_a) + b"went bust", rec(team_a, "Chose a rival"),
                                    db=h),
             ["reasons", "not under its own team"])
        case("a reason of a team that does not exist", "reasons",
             lambda txn, h: txn.put(be(999) + b"went bust", rec(999, "Went bust"), db=h),
             ["reasons", "team 999, which does not exist"])
        case("a reason whose text holds a newline", "reasons",
             lambda txn, h: txn.put(be(team_a) + b"two lines", rec(team_a, "two\nlines"), db=h),
             ["reasons", "not one line"])
        case("a reason key of 8 bytes", "reasons",
             lambda txn, h: txn.put(be(team_a), rec(team_a, ""), db=h),
             ["reasons", "holds no team and text"])

        case("a stand-by entry moved to another wake time", "idx_standby",
             lambda txn, h: (txn.delete(be(until), be(a.id), db=h),
                             txn.put(be(until - 3600 * 1000), be(a.id), db=h)),
             ["idx_standby"])
        case("a stand-by index key of 7 bytes", "idx_standby",
             lambda txn, h: txn.put(be(until)[:7], be(a.id), db=h),
             ["idx_standby"])

        def patch(lid, fn):
            def go(txn, h):
                lead = pb.Lead()
                lead.ParseFromString(txn.get(be(lid), db=h))
                fn(lead)
                txn.put(be(lid), lead.SerializeToString(), db=h)
            return go
        case("a lead in lead-New with a dead reason", "leads",
             patch(new.id, lambda x: setattr(x, "status_reason", "forged")),
             ["lead %d" % new.id, "differs from its history"])
        case("a lead in lead-Dead without a reason", "leads",
             patch(dead.id, lambda x: x.ClearField("status_reason")),
             ["lead %d" % dead.id, "differs from its history"])
    return res.summary()


sys.exit(main())
