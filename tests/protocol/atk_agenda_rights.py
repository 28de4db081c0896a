#!/usr/bin/python3
"""Attack (issue 13, attacks 2): the agenda and its watch topic when rights
or hands change while a connection is open.

Usage: atk_agenda_rights.py LEADD PROTO_DIR

Team A (managed by mA, who is a member of no team, so managing A is all
their sight of it; reps r1, r2), team B (manager mB):
- mA reads r1's agenda, then is removed as A's manager; on the same
  connection, r1's agenda is NOT_FOUND and mA's own still reads; mB never
  reads r1's;
- a task of r1 (due 1.5 s later) handed to mA by an edit: mA's agenda
  watcher gets "edited", r1's gets nothing more of it, not even when it
  falls due (mA's watcher gets the "due");
- mA's own task on a lead of A (due 1.5 s later), then mA removed as A's
  manager while watching: a snapshot (rights changed) and no "due" event
  for the lead mA may no longer see; the admin reads it alerted on mA's
  agenda; mA's own agenda leaves it out;
- r2 moved to team B while watching: a snapshot (rights changed), then a
  task mB gives r2 on a lead of B is told;
- r1 disabled while watching: the watching connection is closed.
leadd verify passes at the end."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user, desc,  # noqa: E402
                           load_pb, ok_call)
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "atk-agenda-rights-pw"
res = Results()


def task(c, lid, title, at, assignee=None):
    def fill(q):
        q.activity_add.lead_id = lid
        q.activity_add.kind = c.pb.ACTIVITY_TASK
        q.activity_add.title = title
        q.activity_add.at = at
        if assignee:
            q.activity_add.assignee = assignee
    return ok_call(c, fill, "task " + title).activity.activity


def agenda(c, user=None):
    def fill(q):
        q.agenda.SetInParent()
        if user:
            q.agenda.user = user
    return c.call(fill)


def acts(evs):
    return [(e.lead_id, e.activity.number, e.activity_op) for e in evs
            if e.activity_op]


def managers(adm, team, names):
    def fill(q):
        q.team_edit.name = team
        q.team_edit.managers.SetInParent()
        q.team_edit.managers.items.extend(names)
    ok_call(adm, fill, "managers of %s: %s" % (team, names))


def wait_alerted(c, user, lid, number, limit=4.0):
    end = time.time() + limit
    while time.time() < end:
        r = agenda(c, user)
        if any(i.lead_id == lid and i.number == number and i.alerted
               for i in r.agenda.items):
            return True
        time.sleep(0.1)
    return False


def story(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A")
    add_team(adm, "B")
    add_user(adm, "mA", pb.ROLE_MANAGER, None, PW)  # manages A, member of none
    add_user(adm, "mB", pb.ROLE_MANAGER, "B", PW)
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    add_user(adm, "r2", pb.ROLE_REP, "A", PW)
    managers(adm, "A", ["mA"])
    managers(adm, "B", ["mB"])
    ma, mb, r1 = (Client(pb, d.port, n, PW) for n in ("mA", "mB", "r1"))

    # ---- a manager's rights on an open connection ----
    res.record("mA reads r1's agenda", agenda(ma, "r1").code == pb.OK)
    res.record("mB may not read r1's", agenda(mb, "r1").code == pb.NOT_FOUND)
    managers(adm, "A", [])
    r = agenda(ma, "r1")
    res.record("removed as A's manager, on the same connection: r1's agenda NOT_FOUND",
               r.code == pb.NOT_FOUND, desc(pb, r))
    res.record("... mA's own still reads", agenda(ma).code == pb.OK)
    managers(adm, "A", ["mA"])

    # ---- an activity handed over: the old assignee hears nothing more ----
    w1 = Watcher(pb, d.port, "r1", PW)
    watch_ok(w1, ["agenda"], "watch r1")
    wa = Watcher(pb, d.port, "mA", PW)
    watch_ok(wa, ["agenda"], "watch mA")
    w1.events(quiet=0.2)
    wa.events(quiet=0.2)
    lead = adm.create("Roof", owner="r1").lead.lead
    t = task(r1, lead.id, "hand me over", int(time.time() * 1000) + 1500)
    ok_call(r1, lambda q: (setattr(q.activity_edit, "lead_id", lead.id),
                           setattr(q.activity_edit, "number", t.number),
                           setattr(q.activity_edit, "assignee", "mA")), "to mA")
    got_a = wa.until(lambda e: e.activity_op == "due" and e.activity.number == t.number,
                     limit=5)
    res.record("mA's watcher: edited over to mA, then due",
               acts(got_a) == [(lead.id, t.number, "edited"), (lead.id, t.number, "due")],
               str(acts(got_a)))
    got1 = w1.events(quiet=0.5)
    res.record("r1's watcher: the add, nothing after the hand-over (no due)",
               acts(got1) == [(lead.id, t.number, "added")], str(acts(got1)))

    # ---- a manager losing a team while watching ----
    team_lead = adm.create("Shed", owner="r2").lead.lead
    own = task(ma, team_lead.id, "mine", int(time.time() * 1000) + 1500)
    got_a = wa.events(quiet=0.3)
    res.record("mA told of their own task", acts(got_a) == [(team_lead.id, own.number, "added")],
               str(acts(got_a)))
    managers(adm, "A", [])
    ok = wait_alerted(adm, "mA", team_lead.id, own.number)
    res.record("the task falls due (the admin reads it alerted on mA's agenda)", ok)
    got_a = wa.events(quiet=0.5)
    res.record("mA, no longer A's manager: a snapshot, and no due event of A's lead",
               any(e.kind == pb.EVENT_SNAPSHOT for e in got_a) and not acts(got_a),
               "%s %s" % ([e.kind for e in got_a], acts(got_a)))
    mine = agenda(ma)
    res.record("mA's own agenda leaves out the lead they no longer see",
               mine.code == pb.OK and all(i.lead_id != team_lead.id for i in mine.agenda.items))

    # ---- a rep moved to another team while watching ----
    w2 = Watcher(pb, d.port, "r2", PW)
    watch_ok(w2, ["agenda"], "watch r2")
    w2.events(quiet=0.2)
    ok_call(adm, lambda q: (setattr(q.user_edit, "name", "r2"),
                            setattr(q.user_edit, "team", "B")), "r2 to B")
    b_lead = adm.create("Barn", owner="r2", team="B").lead.lead
    bt = task(mb, b_lead.id, "for r2 in B", int(time.time() * 1000) + 3600 * 1000,
              assignee="r2")
    got2 = w2.events(quiet=0.5)
    res.record("r2 moved to B while watching: a snapshot, then the task mB gave r2",
               any(e.kind == pb.EVENT_SNAPSHOT for e in got2) and
               acts(got2) == [(b_lead.id, bt.number, "added")], str(acts(got2)))

    # ---- disabled while watching ----
    ok_call(adm, lambda q: setattr(q.user_disable, "name", "r1"), "disable r1")
    res.record("r1 disabled while watching: the watching connection is closed",
               w1.closed(limit=5))
    for c in (wa, w2):
        c.close()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_agenda_rights.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            story(pb, d)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "leadd")
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
