#!/usr/bin/python3
"""Attack (issue 13): a damaged data directory that `leadd verify` must not
call OK.

Usage: atk_activities_damage.py LEADD_BINARY PROTO_DIR

A data directory with lead A (owned by rita: task 1 due tomorrow, its next
action, in front of A's own next action in two days "own step"; call 2
logged done, A's first touch), lead B (owned, no activities) and pool lead
P, copied and damaged with python3-lmdb, one case each: A first touched
before its owner got it; P (no owner) saying when its owner got it; B
first touched with no owner_since to count from; task 1 open without a
time; A's task 1 copied under lead B's key; A's next action naming the
done call 2; A's own next action's note changed behind the task (only the
history knows what it was: verify names the record that differs from it).
The undamaged copy passes verify."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Results, damage_base, add_team, add_user, load_pb, ok_call, run_verify  # noqa: E402

res = Results()
DAY = 86400 * 1000
PW = "damage-pw-12345"
IDS = {}


def be(n):
    return n.to_bytes(8, "big")


def pair(x, y):
    return be(x) + be(y)


def build(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "north", pool_visible=True)
    add_user(adm, "rita", pb.ROLE_REP, team="north", password=PW)
    rita = Client(pb, d.port, user="rita", password=PW)
    a = ok_call(rita, lambda q: setattr(q.lead_create, "title", "A"), "create A").lead.lead
    b = ok_call(rita, lambda q: setattr(q.lead_create, "title", "B"), "create B").lead.lead
    p = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "P"),
                                setattr(q.lead_create, "team", "north")), "create P").lead.lead
    now = int(time.time() * 1000)
    t1 = now + DAY
    ok_call(rita, lambda q: (setattr(q.activity_add, "lead_id", a.id),
                             setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                             setattr(q.activity_add, "title", "one"),
                             setattr(q.activity_add, "at", t1)), "task 1")
    r = ok_call(rita, lambda q: (setattr(q.activity_add, "lead_id", a.id),
                                 setattr(q.activity_add, "kind", pb.ACTIVITY_CALL),
                                 setattr(q.activity_add, "outcome", "reached")), "call 2")
    v = r.activity.lead.version
    r = ok_call(rita, lambda q: (setattr(q.lead_update, "id", a.id),
                                 setattr(q.lead_update, "expected_version", v),
                                 setattr(q.lead_update, "next_action_at", now + 2 * DAY),
                                 setattr(q.lead_update, "next_action_note", "own step")),
                "own next action")
    lead = r.lead.lead
    IDS.update(a=a.id, b=b.id, p=p.id, t1=t1, lead=lead)
    res.record("A: task 1 is the next action, the own one kept behind it, first touched",
               lead.next_action_activity == 1 and lead.own_next_note == "own step" and
               lead.first_touch_at >= lead.owner_since > 0)


def damage(pb, binary, tmp, base):
    a, b, p, t1 = IDS["a"], IDS["b"], IDS["p"], IDS["t1"]
    owner_since = IDS["lead"].owner_since

    def case(name, db, fn, *expect):
        data = os.path.join(tmp, name.replace(" ", "_").replace("'", ""))
        shutil.copytree(base, data)
        env = lmdb.open(data, max_dbs=64, subdir=True)
        try:
            h = env.open_db(db.encode(), create=False, dupsort=db.startswith("idx_"))
            IDS["env"] = env
            with env.begin(write=True) as txn:
                fn(txn, h)
        finally:
            env.close()
        rc, out = run_verify(binary, data)
        missing = [e for e in expect if e not in out]
        ok = rc == 1 and not missing
        res.record("verify: " + name, ok,
                   "" if ok else "exit %d, missing %r in:\n%s" % (rc, missing, out))

    def lead_edit(lid, fn):
        def edit(txn, h):
            lead = pb.Lead()
            lead.ParseFromString(txn.get(be(lid), db=h))
            fn(lead)
            txn.put(be(lid), lead.SerializeToString(), db=h)
        return edit

    def act_edit(lid, n, fn):
        def edit(txn, h):
            act = pb.Activity()
            act.ParseFromString(txn.get(pair(lid, n), db=h))
            fn(act)
            txn.put(pair(lid, n), act.SerializeToString(), db=h)
        return edit

    # ---- speed to lead's stamps ----
    case("a first touch before the owner got the lead", "leads",
         lead_edit(a, lambda l: setattr(l, "first_touch_at", owner_since - 60000)),
         "lead %d was first touched at %d, before its owner got it" % (a, owner_since - 60000))
    case("a pool lead saying when its owner got it", "leads",
         lead_edit(p, lambda l: setattr(l, "owner_since", owner_since)),
         "lead %d is in a pool, but says its owner got it" % p)
    case("a first touch with no owner_since", "leads",
         lead_edit(b, lambda l: (setattr(l, "owner_since", 0),
                                 setattr(l, "first_touch_at", owner_since))),
         "lead %d was first touched at %d, but has no owner_since" % (b, owner_since))

    # ---- records ----
    case("an open task without a time", "activities",
         act_edit(a, 1, lambda x: setattr(x, "at", 0)),
         "activity %d.1 is open without a time" % a)
    def stranger_all(txn, h):
        # Its agenda entry moves with it: only the user's absence is wrong.
        act = pb.Activity()
        act.ParseFromString(txn.get(pair(a, 1), db=h))
        ag = IDS["env"].open_db(b"idx_agenda", txn=txn, create=False, dupsort=True)
        txn.delete(pair(act.assignee_id, act.at), pair(a, 1), db=ag)
        txn.put(pair(777, act.at), pair(a, 1), db=ag, dupdata=True)
        act.assignee_id = 777
        txn.put(pair(a, 1), act.SerializeToString(), db=h)
    case("an open task on the agenda of a user who does not exist", "activities",
         stranger_all,
         "activity %d.1 is open on the agenda of user 777, who does not exist" % a)
    case("lead A's task stored under lead B's key", "activities",
         lambda txn, h: (txn.put(pair(b, 0), be(1), db=h),
                         txn.put(pair(b, 1), txn.get(pair(a, 1), db=h), db=h)),
         "activity %d.1 is stored under %d.1" % (a, b))

    # ---- the next action ----
    case("a next action naming a done call", "leads",
         lead_edit(a, lambda l: setattr(l, "next_action_activity", 2)),
         "lead %d: its next action is activity %d.2, but its open activities make it "
         "activity %d.1" % (a, a, a))
    case("the own next action's note changed behind an activity", "leads",
         lead_edit(a, lambda l: setattr(l, "own_next_note", "someone else's step")),
         "lead %d: record differs from its history" % a)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_activities_damage.") as tmp:
        pb = load_pb(proto, tmp)
        base = damage_base(pb, binary, tmp, build, res)
        damage(pb, binary, tmp, base)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
