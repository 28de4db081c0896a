#!/usr/bin/python3
"""The due timer and the agenda watch topic (issue 13): leadd marks an open
activity as fallen due by itself when its time comes (history kind "due",
author leadd, the activity's `alerted` set), once, durable across a
restart, and tells its assignee's agenda watchers.

Usage: activity_due.py LEADD LEADD_FAULT_TEST PROTO_DIR

With leadd-fault-test and LEADD_FAULT_CLOCK_FILE (docs/operations.md,
"The test clock"), days pass by writing a number:
- TOPIC_AGENDA: r1's watcher gets EVENT_ACTIVITY "added" for a task r1
  adds for themselves and one the manager adds for r1 (with the lead's
  title and the assignee's name), and "added" for one edited over to r1
  from r2; r2's watcher gets only the one added for r2, not r1's; a
  watcher of leads gets the activity on its LEAD events; nothing comes
  for a done call, a note, or an edit that keeps the assignee;
- tasks due in one and three days; the clock moved by a day: the one-day
  task falls due within 1.5 s (EVENT_ACTIVITY op "due", change
  LEAD_CHANGE_DUE, author ""), its agenda item says alerted, the
  three-day one does not; waiting on: no second firing (the lead's
  version stays);
- an activity whose time is edited after it fell due falls due again at
  its new time;
- leadd stopped, the clock moved past the three-day task, leadd started:
  it falls due at start, and a watch resumed from before the stop replays
  both the "added" and the "due" events;
- 600 activities due at once (six leads) are all marked, in more than one
  commit, while pings on another connection are answered;
- the plain leadd (real clock): a task due in 1.5 s falls due within 1 s
  of its time (adding it looks at the alarm index again).
Every leadd ends with `leadd verify` passing."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user, load_pb,  # noqa: E402
                           ok_call, pipeline)
from leadd_harness import FaultClock as Clock  # noqa: E402
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

PW = "activity-due-pw-1"
DAY = 86400 * 1000
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


def agenda_items(c, user=None):
    def fill(q):
        q.agenda.limit = 1000
        if user:
            q.agenda.user = user
    return {(i.lead_id, i.number): i for i in ok_call(c, fill, "agenda").agenda.items}


def version(c, lid):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lid), "get").lead.lead.version


def wait_for(pred, limit):
    end = time.time() + limit
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def acts(pb, evs):
    return [(e.activity.lead_id, e.activity.number, e.activity_op)
            for e in evs if e.kind == pb.EVENT_ACTIVITY]


def faulty(pb, tmp, fault_bin):
    clock = Clock(os.path.join(tmp, "clock"))
    os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
    d = Leadd(fault_bin, tmp).start()
    try:
        story(pb, d, clock)
    except Exception as e:  # a failed call names itself
        res.record("the story ran to its end", False, repr(e))
    finally:
        if d.proc and d.proc.poll() is None:
            res.stop_and_verify(d, "leadd-fault-test")


def story(pb, d, clock):
    adm = Client(pb, d.port)
    add_team(adm, "A", pool_visible=True)
    add_user(adm, "mA", pb.ROLE_MANAGER, "A", PW)
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    add_user(adm, "r2", pb.ROLE_REP, "A", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA")), "mA manages A")
    r1, r2, ma = (Client(pb, d.port, n, PW) for n in ("r1", "r2", "mA"))
    w1 = Watcher(pb, d.port, "r1", PW)
    watch_ok(w1, ["agenda"], "watch r1")
    w2 = Watcher(pb, d.port, "r2", PW)
    watch_ok(w2, ["agenda"], "watch r2")
    wl = Watcher(pb, d.port, "mA", PW)
    watch_ok(wl, ["leads"], "watch mA leads")
    rev0 = w1.reply.watch.revision
    lead = r1.create("Roof for Acme", owner=None).lead.lead
    shared = adm.create("Shared", owner=None, team="A").lead.lead
    t0 = clock.now()
    one = task(r1, lead.id, "one day", t0 + DAY)
    three = task(r1, lead.id, "three days", t0 + 3 * DAY)
    given = task(ma, lead.id, "from the manager", t0 + 5 * DAY, assignee="r1")
    for_r2 = task(ma, shared.id, "for r2", t0 + 5 * DAY, assignee="r2")
    moved = task(ma, shared.id, "moved to r1", t0 + 6 * DAY, assignee="r2")
    ok_call(ma, lambda q: (setattr(q.activity_edit, "lead_id", shared.id),
                           setattr(q.activity_edit, "number", moved.number),
                           setattr(q.activity_edit, "assignee", "r1")), "edit to r1")
    ok_call(r1, lambda q: (setattr(q.activity_edit, "lead_id", lead.id),
                           setattr(q.activity_edit, "number", given.number),
                           setattr(q.activity_edit, "title", "from the manager, renamed")),
            "edit title")
    ok_call(r1, lambda q: (setattr(q.activity_add, "lead_id", lead.id),
                           setattr(q.activity_add, "kind", pb.ACTIVITY_CALL),
                           setattr(q.activity_add, "outcome", "no answer")), "logged call")
    ok_call(r1, lambda q: (setattr(q.activity_add, "lead_id", lead.id),
                           setattr(q.activity_add, "kind", pb.ACTIVITY_NOTE),
                           setattr(q.activity_add, "text", "a note")), "note")
    got = w1.events(quiet=0.5)
    snap = got[:1] and got[0].kind == pb.EVENT_SNAPSHOT
    got = got[1:] if snap else got
    want = [(lead.id, one.number, "added"), (lead.id, three.number, "added"),
            (lead.id, given.number, "added"), (shared.id, moved.number, "edited")]
    res.record("r1's agenda watcher: a snapshot first (a watch without since_revision), then "
               "added (own and the manager's) and edited over to r1, nothing else",
               snap and acts(pb, got) == want and
               all(e.kind == pb.EVENT_ACTIVITY for e in got),
               "%s %s" % (acts(pb, got), kinds(pb, got)))
    e = [x for x in got if x.kind == pb.EVENT_ACTIVITY]
    res.record("the events carry the activity with its lead's title and assignee's name, "
               "and who made the change",
               len(e) == 4 and e[0].activity.lead_title == "Roof for Acme" and
               e[0].activity.assignee == "r1" and e[0].activity.title == "one day" and
               e[0].author == "r1" and e[2].author == "mA" and
               e[0].change == pb.LEAD_CHANGE_ACTIVITY and e[0].lead_id == lead.id)
    got2 = w2.events(quiet=0.2)
    res.record("r2's watcher: only the one added for r2 (and the one later moved away)",
               acts(pb, got2) == [(shared.id, for_r2.number, "added"),
                                  (shared.id, moved.number, "added")], str(acts(pb, got2)))
    gl = wl.events(quiet=0.2)
    la = [e for e in gl if e.change == pb.LEAD_CHANGE_ACTIVITY]
    res.record("a leads watcher's LEAD events carry the activity and its op",
               len(la) >= 7 and all(e.activity.number and e.activity_op for e in la) and
               not any(e.kind == pb.EVENT_ACTIVITY for e in gl), str(kinds(pb, gl)))
    v_before = version(r1, lead.id)
    time.sleep(0.4)
    res.record("nothing falls due before its time", version(r1, lead.id) == v_before)

    def lead_now():
        return ok_call(r1, lambda q: setattr(q.lead_get, "id", lead.id), "get").lead.lead

    before = lead_now()
    clock.set(DAY + 60 * 1000)
    started = time.time()
    got = w1.until(lambda e: e.kind == pb.EVENT_ACTIVITY and e.activity_op == "due", limit=5)
    took = time.time() - started
    due = [e for e in got if e.kind == pb.EVENT_ACTIVITY and e.activity_op == "due"]
    res.record("a day later the one-day task falls due within 1.5 s of the clock's move",
               [(e.lead_id, e.activity.number) for e in due] == [(lead.id, one.number)] and
               took < 1.5, "%.3f s %s" % (took, acts(pb, got)))
    res.record("... an EVENT_ACTIVITY of change DUE by no author, the activity alerted",
               due and due[0].change == pb.LEAD_CHANGE_DUE and due[0].author == "" and
               due[0].activity.alerted and due[0].activity.state == pb.ACTIVITY_OPEN)
    res.record("r2 hears nothing of it", not acts(pb, w2.events(quiet=0.2)))
    items = agenda_items(r1)
    res.record("the agenda: the due task alerted and overdue, the three-day one neither",
               items[(lead.id, one.number)].alerted and items[(lead.id, one.number)].overdue
               and not items[(lead.id, three.number)].alerted and
               not items[(lead.id, three.number)].overdue)
    hist = ok_call(r1, lambda q: setattr(q.lead_history, "id", lead.id), "history")
    last = hist.lead_history.items[-1]
    res.record("the history's last entry: kind due, by leadd, with the activity",
               last.kind == "due" and last.author_id == 0 and last.activity_op == "due" and
               last.activity.number == one.number,
               "%s %d %r" % (last.kind, last.author_id, last.activity_op))
    after = lead_now()
    res.record("falling due moves the lead's version but not its last update (still idle)",
               after.version > before.version and after.updated_at == before.updated_at and
               after.updated_by == before.updated_by and
               last.activity.updated_at == one.updated_at,
               "%d->%d %d->%d" % (before.version, after.version, before.updated_at,
                                  after.updated_at))
    idle = ok_call(r1, lambda q: setattr(q.lead_list.filter, "idle_ms", DAY // 2), "idle")
    res.record("... and a search for leads idle half a day finds it",
               lead.id in [l.id for l in idle.lead_list.leads])
    v_due = version(r1, lead.id)
    time.sleep(0.6)
    res.record("no second firing: the lead's version stays", version(r1, lead.id) == v_due and
               not acts(pb, w1.events(quiet=0.2)))

    # an edited time re-arms the alarm
    ok_call(r1, lambda q: (setattr(q.activity_edit, "lead_id", lead.id),
                           setattr(q.activity_edit, "number", one.number),
                           setattr(q.activity_edit, "at", t0 + 2 * DAY)), "one later")
    w1.events(quiet=0.2)
    res.record("its time moved: not alerted any more",
               not agenda_items(r1)[(lead.id, one.number)].alerted)
    clock.set(2 * DAY + 60 * 1000)
    got = w1.until(lambda e: e.kind == pb.EVENT_ACTIVITY and e.activity_op == "due", limit=5)
    res.record("... and it falls due again at its new time",
               acts(pb, got)[-1:] == [(lead.id, one.number, "due")], str(acts(pb, got)))
    for c in (w1, w2, wl):
        c.close()

    # ---- across a restart ----
    rc = d.stop()
    res.record("leadd-fault-test stops with exit 0 (first run)", rc == 0, "exit %d" % rc)
    clock.set(3 * DAY + 120 * 1000)
    d.start()
    r1 = Client(pb, d.port, "r1", PW)
    ok = wait_for(lambda: agenda_items(r1)[(lead.id, three.number)].alerted, 2.0)
    res.record("started after its time, leadd marks the three-day task at once", ok)
    w = Watcher(pb, d.port, "r1", PW)
    watch_ok(w, ["agenda"], "resume", since=rev0)
    got = w.until(lambda e: e.kind == pb.EVENT_ACTIVITY and e.activity.number == three.number
                  and e.activity_op == "due", limit=5)
    ops = acts(pb, got)
    res.record("a watch resumed from before it all replays the added and due events",
               ops[:4] == want and (lead.id, one.number, "due") in ops and
               ops[-1] == (lead.id, three.number, "due"), str(ops))
    w.close()

    # ---- many at once: chunks ----
    adm = Client(pb, d.port)
    t1 = clock.now()
    leads = [adm.create("bulk %d" % i).lead.lead.id for i in range(6)]
    fills = []
    for lid in leads:
        for i in range(100):
            def fill(q, lid=lid, i=i):
                q.activity_add.lead_id = lid
                q.activity_add.kind = pb.ACTIVITY_TASK
                q.activity_add.title = "bulk task %d" % i
                q.activity_add.at = t1 + DAY + i
            fills.append(fill)
    bad = [r for r in pipeline(adm, fills) if r.code]
    res.record("600 tasks added", not bad, bad and bad[0].message)
    pinger = Client(pb, d.port)
    clock.set(3 * DAY + 120 * 1000 + 2 * DAY)
    worst, end = 0.0, time.time() + 10

    def all_alerted():
        return all(i.alerted for i in agenda_items(adm).values())
    while time.time() < end:
        s = time.time()
        ok_call(pinger, lambda q: q.ping.SetInParent(), "ping")
        worst = max(worst, time.time() - s)
        if all_alerted():
            break
    items = agenda_items(adm)
    res.record("600 tasks due at once all fall due", len(items) == 600 and all_alerted(),
               "%d items" % len(items))
    res.record("... pings answered meanwhile (worst under 1 s)", worst < 1.0,
               "worst %.0f ms" % (worst * 1000))
    hist = ok_call(adm, lambda q: (setattr(q.lead_history, "id", leads[0]),
                                   setattr(q.lead_history, "limit", 1000)), "bulk history")
    dues = [i for i in hist.lead_history.items if i.kind == "due"]
    res.record("... once each (100 due entries on a lead)", len(dues) == 100, "%d" % len(dues))


def plain(pb, tmp, binary):
    os.environ.pop("LEADD_FAULT_CLOCK_FILE", None)
    d = Leadd(binary, tmp).start()
    try:
        adm = Client(pb, d.port)
        lid = adm.create("Soon").lead.lead.id
        at = int(time.time() * 1000) + 1500
        a = task(adm, lid, "soon", at)
        ok = wait_for(lambda: agenda_items(adm)[(lid, a.number)].alerted, 1.5 + 1.0)
        late = time.time() * 1000 - at
        res.record("plain leadd: a task due in 1.5 s falls due within 1 s of its time",
                   ok and late < 1000, "%.0f ms after" % late)
    except Exception as e:
        res.record("plain leadd: the story ran to its end", False, repr(e))
    finally:
        res.stop_and_verify(d, "leadd")


def main():
    binary, fault_bin, proto = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="activity_due.") as tmp:
        pb = load_pb(proto, tmp)
        os.mkdir(os.path.join(tmp, "fault"))
        faulty(pb, os.path.join(tmp, "fault"), fault_bin)
        os.mkdir(os.path.join(tmp, "plain"))
        plain(pb, os.path.join(tmp, "plain"), binary)
    return res.summary()


sys.exit(main())
