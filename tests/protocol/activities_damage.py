#!/usr/bin/python3
"""Activities damaged on disk (issue 13): `leadd verify` names each.

Usage: activities_damage.py LEADD_BINARY PROTO_DIR

A data directory with lead A (task 1 due tomorrow, the next action; task 2
due in two days, for another admin, mona; call 3 logged done) and lead B
(no activities), copied and damaged with python3-lmdb, one case each:
each of the three indexes losing an open activity's entry; a stray entry
in each naming an activity that does not exist or is not open; an
idx_agenda entry on the wrong user's agenda; an idx_act_open entry at the
wrong time; an idx_act_alarm entry for an activity already alerted; a record
that does not decode, one stored under another number, one of a lead that
does not exist, the lead's counter below its numbers; a lead whose next
action names the wrong activity, one naming an activity while it has none
open, one with the right activity at the wrong time, one whose own next
action is earlier than the activity said to be its next action. The undamaged copy passes verify."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Results, damage_base, add_user, load_pb, ok_call, verify_damage_case  # noqa: E402

res = Results()
DAY = 86400 * 1000


def be(n):
    return n.to_bytes(8, "big")


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="activities_damage.") as tmp:
        pb = load_pb(proto, tmp)
        base = damage_base(pb, binary, tmp, build, res)
        damage(pb, binary, tmp, base)
    return res.summary()


IDS = {}


def build(pb, d):
    adm = Client(pb, d.port)
    add_user(adm, "mona", pb.ROLE_ADMIN, password="damage-pw-1")
    a = adm.create("With activities").lead.lead
    b = adm.create("Without").lead.lead
    now = int(time.time() * 1000)
    t1, t2 = now + DAY, now + 2 * DAY

    def add(**f):
        def fill(q):
            q.activity_add.lead_id = a.id
            for k, v in f.items():
                setattr(q.activity_add, k, v)
        return ok_call(adm, fill, "activity_add").activity.activity
    add(kind=pb.ACTIVITY_TASK, title="one", at=t1)
    add(kind=pb.ACTIVITY_TASK, title="two", at=t2, assignee="mona")
    add(kind=pb.ACTIVITY_CALL, outcome="reached")
    admin_id = ok_call(adm, lambda q: q.whoami.SetInParent(), "whoami").whoami.user.id
    mona_id = [u.id for u in ok_call(adm, lambda q: q.user_list.SetInParent(),
                                     "user_list").user_list.users if u.name == "mona"][0]
    IDS.update(a=a, b=b, t1=t1, t2=t2, now=now, admin_id=admin_id, mona_id=mona_id)


def damage(pb, binary, tmp, base):
    a, b, t1, t2, now = IDS["a"], IDS["b"], IDS["t1"], IDS["t2"], IDS["now"]
    admin_id, mona_id = IDS["admin_id"], IDS["mona_id"]

    def case(name, db, fn, *expect):
        verify_damage_case(res, binary, tmp, base, name, db, fn, *expect)

    def pair(x, y):
        return be(x) + be(y)

    # ---- the indexes, one way and the other ----
    case("an open activity missing from idx_act_open", "idx_act_open",
         lambda txn, h: txn.delete(be(a.id), pair(t1, 1), db=h),
         "activity %d.1 is open but missing from idx_act_open" % a.id,
         "lead %d: its next action is activity %d.1, but its open activities make it "
         "activity %d.2" % (a.id, a.id, a.id))
    case("an open activity missing from idx_agenda", "idx_agenda",
         lambda txn, h: txn.delete(pair(mona_id, t2), pair(a.id, 2), db=h),
         "activity %d.2 is open but missing from idx_agenda" % a.id)
    case("an open activity missing from idx_act_alarm", "idx_act_alarm",
         lambda txn, h: txn.delete(be(t1), pair(a.id, 1), db=h),
         "activity %d.1 is open and not yet due-alerted but missing from idx_act_alarm"
         % a.id)
    case("idx_act_open naming an activity that does not exist", "idx_act_open",
         lambda txn, h: txn.put(be(b.id), pair(t1, 7), db=h, dupdata=True),
         "idx_act_open names activity %d.7, which does not exist" % b.id)
    case("idx_agenda naming a done activity", "idx_agenda",
         lambda txn, h: txn.put(pair(admin_id, now), pair(a.id, 3), db=h, dupdata=True),
         "idx_agenda names activity %d.3, which is not open" % a.id)
    case("idx_act_alarm naming an activity that does not exist", "idx_act_alarm",
         lambda txn, h: txn.put(be(now), pair(a.id, 9), db=h, dupdata=True),
         "idx_act_alarm names activity %d.9, which does not exist" % a.id)

    def wrong_user(txn, h):
        txn.delete(pair(mona_id, t2), pair(a.id, 2), db=h)
        txn.put(pair(admin_id, t2), pair(a.id, 2), db=h, dupdata=True)
    case("an activity on the wrong user's agenda", "idx_agenda", wrong_user,
         "idx_agenda puts activity %d.2 on user %d's agenda, but it is for user %d"
         % (a.id, admin_id, mona_id),
         "activity %d.2 is open but missing from idx_agenda" % a.id)

    def wrong_time(txn, h):
        txn.delete(be(a.id), pair(t2, 2), db=h)
        txn.put(be(a.id), pair(t2 + 5, 2), db=h, dupdata=True)
    case("an idx_act_open entry at the wrong time", "idx_act_open", wrong_time,
         "idx_act_open files activity %d.2 at %d, but it is due at %d"
         % (a.id, t2 + 5, t2))

    def alerted(txn, h):
        act = pb.Activity()
        act.ParseFromString(txn.get(pair(a.id, 2), db=h))
        act.alerted = True
        txn.put(pair(a.id, 2), act.SerializeToString(), db=h)
    case("idx_act_alarm holding an activity already alerted", "activities", alerted,
         "idx_act_alarm still holds activity %d.2, which already fell due" % a.id)

    # ---- the records ----
    case("a record that does not decode", "activities",
         lambda txn, h: txn.put(pair(a.id, 3), b"\xff\xff\xff", db=h),
         "activity %d.3 does not decode" % a.id)
    case("a record stored under another number", "activities",
         lambda txn, h: txn.put(pair(a.id, 3), txn.get(pair(a.id, 2), db=h), db=h),
         "activity %d.2 is stored under %d.3" % (a.id, a.id))
    case("activities of a lead that does not exist", "activities",
         lambda txn, h: (txn.put(pair(999, 0), be(1), db=h),
                         txn.put(pair(999, 1), txn.get(pair(a.id, 3), db=h), db=h)),
         "activities of lead 999, which does not exist")
    case("the counter below the numbers given", "activities",
         lambda txn, h: txn.put(pair(a.id, 0), be(1), db=h),
         "activity %d.2 is numbered past the lead's counter (1)" % a.id,
         "activity %d.3 is numbered past the lead's counter (1)" % a.id)

    # ---- the next action ----
    def lead_edit(lid, fn):
        def edit(txn, h):
            lead = pb.Lead()
            lead.ParseFromString(txn.get(be(lid), db=h))
            fn(lead)
            txn.put(be(lid), lead.SerializeToString(), db=h)
        return edit
    case("a next action naming the wrong activity", "leads",
         lead_edit(a.id, lambda l: setattr(l, "next_action_activity", 2)),
         "lead %d: its next action is activity %d.2, but its open activities make it "
         "activity %d.1" % (a.id, a.id, a.id))
    case("a next action naming an activity of a lead with none open", "leads",
         lead_edit(b.id, lambda l: (setattr(l, "next_action_activity", 1),
                                    setattr(l, "next_action_at", t1))),
         "lead %d: its next action is activity %d.1, but its open activities make it "
         "its own" % (b.id, b.id))
    case("the right activity at the wrong time", "leads",
         lead_edit(a.id, lambda l: setattr(l, "next_action_at", t1 + 1)),
         "lead %d: its next action is at %d" % (a.id, t1 + 1))
    case("an own next action earlier than the activity standing for it", "leads",
         lead_edit(a.id, lambda l: setattr(l, "own_next_at", t1 - 1000)),
         "lead %d: its next action is activity %d.1, but its open activities make it "
         "its own" % (a.id, a.id))


sys.exit(main())
