#!/usr/bin/python3
"""Attack (issue 13, attacks 2): the due timer's writes against a
connection's edits of the same activities.

Usage: atk_agenda_race.py LEADD_FAULT_TEST PROTO_DIR

300 tasks on three leads due in a day; the test clock moves past them and,
at once, one connection (pipelined) moves every task's time a further two
days on. Whichever commits first, for each task: its history holds at
most one "due" before the edit and none after it; after it, the task is
not alerted; the agenda watcher hears "due" exactly for those that fell
due first (the agenda topic tells no edit that keeps the assignee). Then
the clock moves past the new times: every task falls due exactly once
more (re-armed, never lost), at a revision after the edit that moved it.
leadd verify passes."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results,  # noqa: E402
                           load_pb, ok_call, pipeline)
from leadd_harness import FaultClock as Clock  # noqa: E402
from watch_lib import Watcher, watch_ok  # noqa: E402

DAY = 86400 * 1000
res = Results()


def history(c, lid):
    out, cursor = [], 0
    while True:
        def fill(q):
            q.lead_history.id = lid
            q.lead_history.limit = 1000
            if cursor:
                q.lead_history.cursor = cursor
        r = ok_call(c, fill, "history").lead_history
        out += [(i.revision, i.kind, i.activity.number, i.activity_op) for i in r.items
                if i.activity_op]
        cursor = r.cursor
        if not cursor:
            return out


def run(pb, d, clock):
    adm = Client(pb, d.port)
    w = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(w, ["agenda"], "watch")
    t0 = clock.now()
    tasks = []
    for k in range(3):
        lid = adm.create("race %d" % k).lead.lead.id
        answers = pipeline(adm, [
            lambda q, i=i, lid=lid: (setattr(q.activity_add, "lead_id", lid),
                                     setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                                     setattr(q.activity_add, "title", "task %d" % i),
                                     setattr(q.activity_add, "at", t0 + DAY + i))
            for i in range(100)])
        tasks += [(lid, a.activity.activity.number) for a in answers]
    w.events(quiet=0.3)
    new_at = t0 + 3 * DAY
    fills = [lambda q, lid=lid, n=n: (setattr(q.activity_edit, "lead_id", lid),
                                      setattr(q.activity_edit, "number", n),
                                      setattr(q.activity_edit, "at", new_at + n))
             for lid, n in tasks]
    clock.set(DAY + 60 * 1000)
    time.sleep(0.08)
    answers = pipeline(adm, fills)
    res.record("the 300 edits succeed", all(a.code == pb.OK for a in answers))
    time.sleep(1.0)
    leads = sorted({lid for lid, _ in tasks})
    hist = {lid: history(adm, lid) for lid in leads}
    bad, early = [], 0
    for lid, n in tasks:
        ops = [(rev, op) for rev, kind, num, op in hist[lid] if num == n]
        edit = [rev for rev, op in ops if op == "edited"]
        dues = [rev for rev, op in ops if op == "due"]
        if len(edit) != 1 or len(dues) > 1 or (dues and dues[0] > edit[0]):
            bad.append((lid, n, ops))
        early += len(dues)
    res.record("each task: one edit, at most one due and only before it", not bad,
               str(bad[:3]))
    print("(%d of 300 fell due before their edit)" % early)
    lst = {}
    for lid in leads:
        for a in ok_call(adm, lambda q, lid=lid: setattr(q.activity_list, "lead_id", lid),
                         "list").activity_list.activities:
            lst[(lid, a.number)] = a
    res.record("after the edits no task is alerted",
               not any(lst[t].alerted for t in tasks))
    evs = w.events(quiet=0.3)
    res.record("the agenda watcher heard only 'due' events, for those that fell due first",
               all(e.activity_op == "due" for e in evs if e.activity_op) and
               len([e for e in evs if e.activity_op == "due"]) == early,
               "%d events, %d early" % (len(evs), early))
    clock.set(3 * DAY + 60 * 1000 + 1000)
    end = time.time() + 10
    while time.time() < end:
        lst = {}
        for lid in leads:
            for a in ok_call(adm, lambda q, lid=lid: setattr(q.activity_list, "lead_id", lid),
                             "list").activity_list.activities:
                lst[(lid, a.number)] = a
        if all(lst[t].alerted for t in tasks):
            break
        time.sleep(0.2)
    res.record("past the new times every task falls due again (re-armed, none lost)",
               all(lst[t].alerted for t in tasks))
    time.sleep(0.5)
    hist = {lid: history(adm, lid) for lid in leads}
    bad = []
    for lid, n in tasks:
        ops = [(rev, op) for rev, kind, num, op in hist[lid] if num == n]
        edit = [rev for rev, op in ops if op == "edited"][0]
        after = [rev for rev, op in ops if op == "due" and rev > edit]
        if len(after) != 1:
            bad.append((lid, n, ops))
    res.record("... exactly once after its edit", not bad, str(bad[:3]))
    w.close()


def main():
    fault_bin, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_agenda_race.") as tmp:
        pb = load_pb(proto, tmp)
        clock = Clock(os.path.join(tmp, "clock"))
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
        d = Leadd(fault_bin, tmp).start()
        try:
            run(pb, d, clock)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "leadd-fault-test")
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
