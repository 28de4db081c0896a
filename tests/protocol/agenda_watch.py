#!/usr/bin/python3
"""The agenda watch topic's rights and seams (issue 13): EVENT_ACTIVITY goes
to the activity's assignee and to no one else, only for a lead they may
see, and what a replay gives is what the history holds.

Usage: agenda_watch.py LEADD PROTO_DIR

Team A (manager mA; reps r1, r2; pool visible):
- the admin adds a task for r1: r1's agenda watcher gets "added" by admin;
  mA's agenda watcher (who sees the lead) and r2's get nothing, nor an
  admin's agenda watcher;
- a task for r1 on a pool lead, due 1.5 s later: with the pool shown r1 is
  told it fell due; the pool hidden, a second one falls due (leadd marks
  it: the admin reads it alerted on r1's agenda) and r1 is told nothing;
- the lead handed from r1 to r2 (its open activities follow, a core rule):
  r2's agenda watcher gets no activity event (the handover is the lead's:
  TOPIC_ASSIGNED says it), r2's assigned watcher gets EVENT_ASSIGNED;
- an agenda-only watch of r1 replayed from revision 0 gives the live
  events again, in order, plus the due event of the pool lead r1 sees
  again by then (rights are those of when the event is made);
- the change-log entry of an activity change whose assignee is forged to
  r2 (python3-lmdb, leadd stopped): r2's replay gets a snapshot there
  instead (and no event of that activity; the agenda read after it is
  right); r1's replay gets a snapshot too, not its event (the entry
  disagrees with the history).
Each leadd ends with `leadd verify` passing (the forged entry is in the
change log only, which verify does not hold against the history)."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import (Client, Leadd, Results, add_team, add_user, load_pb,  # noqa: E402
                           ok_call)
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

PW = "agenda-watch-pw-1"
HOUR = 3600 * 1000
res = Results()


def task(c, lid, title, at, assignee=None):
    def fill(q):
        q.activity_add.lead_id = lid
        q.activity_add.kind = c.pb.ACTIVITY_TASK
        q.activity_add.title = title
        q.activity_add.at = at
        if assignee:
            q.activity_add.assignee = assignee
    return ok_call(c, fill, "task %s" % title).activity.activity


def acts(pb, evs):
    return [(e.lead_id, e.activity.number, e.activity_op, e.revision)
            for e in evs if e.kind == pb.EVENT_ACTIVITY]


def alerted(c, user, lid, number):
    r = ok_call(c, lambda q: (setattr(q.agenda, "user", user),
                              setattr(q.agenda, "limit", 1000)), "agenda")
    return any(i.lead_id == lid and i.number == number and i.alerted for i in r.agenda.items)


def wait_for(pred, limit):
    end = time.time() + limit
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def store_pb(tmp, proto_dir):
    subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", tmp,
                    os.path.join(proto_dir, "leadd_store.proto")], check=True)
    import leadd_store_pb2
    return leadd_store_pb2


def story(pb, d):
    seen1 = []

    def take1(evs):
        seen1.extend(acts(pb, evs))
        return evs

    adm = Client(pb, d.port)
    add_team(adm, "A", pool_visible=True)
    add_user(adm, "mA", pb.ROLE_MANAGER, "A", PW)
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    add_user(adm, "r2", pb.ROLE_REP, "A", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA")), "mA manages A")
    w1 = Watcher(pb, d.port, "r1", PW)
    watch_ok(w1, ["agenda"], "r1")
    rev0 = w1.reply.watch.revision
    w2 = Watcher(pb, d.port, "r2", PW)
    watch_ok(w2, ["agenda", "assigned"], "r2")
    wm = Watcher(pb, d.port, "mA", PW)
    watch_ok(wm, ["agenda"], "mA")
    wa = Watcher(pb, d.port, "admin", "harness-admin-pw-1")
    watch_ok(wa, ["agenda"], "admin")
    for w in (w1, w2, wm, wa):
        w.events(quiet=0.2)

    now = int(time.time() * 1000)
    lead = adm.create("Roof", owner="r1").lead.lead
    t1 = task(adm, lead.id, "for r1", now + 5 * HOUR, assignee="r1")
    got = take1(w1.events(quiet=0.3))
    res.record("r1 is told of the task the admin added for them, by admin",
               [(x[0], x[1], x[2]) for x in acts(pb, got)] == [(lead.id, t1.number, "added")] and
               [e.author for e in got if e.kind == pb.EVENT_ACTIVITY] == ["admin"],
               str(acts(pb, got)))
    res.record("no one else: not the manager who sees the lead, not r2, not the admin",
               not acts(pb, wm.events(quiet=0.2)) and not acts(pb, w2.events(quiet=0.2)) and
               not acts(pb, wa.events(quiet=0.2)))

    # due on a pool lead, shown then hidden
    pool = adm.create("Pool lead", owner=None, team="A").lead.lead
    soon = task(adm, pool.id, "shown", int(time.time() * 1000) + 1500, assignee="r1")
    got = take1(w1.until(lambda e: e.kind == pb.EVENT_ACTIVITY and e.activity_op == "due",
                         limit=5))
    res.record("a pool lead r1 sees: r1 is told its task fell due",
               (pool.id, soon.number, "due") in [(x[0], x[1], x[2]) for x in acts(pb, got)],
               str(acts(pb, got)))
    hidden = task(adm, pool.id, "hidden", int(time.time() * 1000) + 1500, assignee="r1")
    take1(w1.events(quiet=0.2))
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            setattr(q.team_edit, "pool_visible", False)), "hide the pool")
    ok = wait_for(lambda: alerted(adm, "r1", pool.id, hidden.number), 5)
    res.record("the pool hidden, the second task falls due all the same", ok)
    got = take1(w1.events(quiet=0.5))
    res.record("... and r1, who may no longer see its lead, is told nothing of it",
               not [x for x in acts(pb, got) if x[0] == pool.id], str(acts(pb, got)))
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            setattr(q.team_edit, "pool_visible", True)), "show the pool")

    # handed over with the lead
    ok_call(adm, lambda q: (setattr(q.lead_assign, "id", lead.id),
                            setattr(q.lead_assign, "to_user", "r2")), "to r2")
    got = w2.events(quiet=0.4)
    res.record("the lead handed to r2: an EVENT_ASSIGNED, no activity event",
               pb.EVENT_ASSIGNED in [e.kind for e in got] and not acts(pb, got),
               str(kinds(pb, got)))
    r = ok_call(adm, lambda q: (setattr(q.agenda, "user", "r2")), "r2's agenda")
    res.record("... and the task is on r2's agenda now",
               [(i.lead_id, i.number) for i in r.agenda.items] == [(lead.id, t1.number)])
    take1(w1.events(quiet=0.2))

    # replay
    wr = Watcher(pb, d.port, "r1", PW)
    watch_ok(wr, ["agenda"], "r1 replay", since=rev0)
    got = wr.until(lambda e: e.kind == pb.EVENT_CAUGHT_UP, limit=5)
    # Rights are those of when the event is made: the pool is shown again,
    # so the replay has the due event r1 was not told of live.
    res.record("r1's replay from before it all: the live events in order, and the one "
               "on the lead r1 sees again now",
               acts(pb, got) == seen1 + [(pool.id, hidden.number, "due", seen1[-1][3] + 1)],
               "%s vs %s" % (acts(pb, got), seen1))
    for w in (w1, w2, wm, wa, wr):
        w.close()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="agenda_watch.") as tmp:
        pb = load_pb(proto, tmp)
        spb = store_pb(tmp, proto)
        d = Leadd(binary, os.path.join(tmp, "one")).start()
        try:
            story(pb, d)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            res.stop_and_verify(d, "leadd")
        forged(pb, spb, binary, os.path.join(tmp, "two"))
    return res.summary()


def forged(pb, spb, binary, tmp):
    d = Leadd(binary, tmp).start()
    try:
        adm = Client(pb, d.port)
        add_team(adm, "A")
        add_user(adm, "r1", pb.ROLE_REP, "A", PW)
        add_user(adm, "r2", pb.ROLE_REP, "A", PW)
        la = adm.create("r1's", owner="r1").lead.lead
        lb = adm.create("r2's", owner="r2").lead.lead
        t = task(adm, la.id, "forged", int(time.time() * 1000) + HOUR, assignee="r1")
        rev = ok_call(adm, lambda q: setattr(q.lead_get, "id", la.id), "get").lead.lead.version
        after = task(adm, lb.id, "after it", int(time.time() * 1000) + HOUR, assignee="r2")
        r2 = Client(pb, d.port, "r2", PW)
        r2_id = r2.user.id if r2.user.HasField("id") else 0
        r2.close()
        assert d.stop() == 0
        env = lmdb.open(d.data, max_dbs=64, subdir=True)
        with env.begin(write=True) as txn:
            db = env.open_db(b"changelog", txn=txn, create=False)
            e = spb.ChangeEntry()
            e.ParseFromString(txn.get(rev.to_bytes(8, "big"), db=db))
            ok = e.activity_number == t.number
            e.new_assignee = r2_id
            txn.put(rev.to_bytes(8, "big"), e.SerializeToString(), db=db)
        env.close()
        res.record("the forged entry is the task's", ok and r2_id != 0)
        d.start()
        w2 = Watcher(pb, d.port, "r2", PW)
        watch_ok(w2, ["agenda"], "r2 replay", since=0)
        got = w2.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
        got += w2.events(quiet=0.3)
        res.record("r2's replay: a snapshot at the forged entry (it replaces the replay: "
                   "r2 reads the agenda again), no event of r1's task",
                   pb.EVENT_SNAPSHOT in [e.kind for e in got] and not acts(pb, got),
                   str(kinds(pb, got)))
        r = ok_call(w2, lambda q: q.agenda.SetInParent(), "r2's agenda")
        res.record("... the agenda read then has r2's task, not r1's",
                   [(i.lead_id, i.number) for i in r.agenda.items] == [(lb.id, after.number)])
        w1 = Watcher(pb, d.port, "r1", PW)
        watch_ok(w1, ["agenda"], "r1 replay", since=0)
        got = w1.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
        got += w1.events(quiet=0.3)
        res.record("r1's replay: a snapshot there too, not the event",
                   pb.EVENT_SNAPSHOT in [e.kind for e in got] and not acts(pb, got),
                   str(kinds(pb, got)))
        w1.close()
        w2.close()
    except Exception as e:
        res.record("the forged story ran to its end", False, repr(e))
    finally:
        res.stop_and_verify(d, "leadd (forged change log)")


sys.exit(main())
