#!/usr/bin/python3
"""Attack (issue 13, attacks 2): the due timer's durability and its clock.

Usage: atk_agenda_due_kill.py LEADD_FAULT_TEST PROTO_DIR

With the test clock (docs/operations.md, "The test clock"):
- 600 tasks on six leads fall due at once; leadd is killed with SIGKILL
  while the timer marks them (some commits made, some not); leadd verify
  passes on what it left; started again, leadd marks the rest: every task
  alerted, each lead's history holds exactly 100 "due" entries (none
  twice, none lost);
- the clock moved two days back: nothing falls due again (the leads'
  versions stay), a task due an hour ahead of the moved clock is not due;
  moved forward past it again, that task falls due once.
Every leadd ends with `leadd verify` passing."""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, load_pb, ok_call, pipeline  # noqa: E402
from leadd_harness import FaultClock as Clock  # noqa: E402

DAY = 86400 * 1000
res = Results()


def agenda(c):
    items, cursor = [], ""
    while True:
        r = ok_call(c, lambda q: (q.agenda.SetInParent(), setattr(q.agenda, "limit", 1000),
                                  setattr(q.agenda, "cursor", cursor)), "agenda")
        items += list(r.agenda.items)
        cursor = r.agenda.cursor
        if not cursor:
            return items


def dues(c, lid):
    out, cursor = [], 0
    while True:
        def fill(q):
            q.lead_history.id = lid
            q.lead_history.limit = 1000
            if cursor:
                q.lead_history.cursor = cursor
        r = ok_call(c, fill, "history").lead_history
        out += [i.activity.number for i in r.items if i.kind == "due"]
        cursor = r.cursor
        if not cursor:
            return out


def versions(c, leads):
    return [ok_call(c, lambda q, lid=lid: setattr(q.lead_get, "id", lid),
                    "get").lead.lead.version for lid in leads]


def run(pb, d, clock, fault_bin):
    adm = Client(pb, d.port)
    t0 = clock.now()
    leads = []
    for k in range(6):
        lid = adm.create("bulk %d" % k).lead.lead.id
        leads.append(lid)
        answers = pipeline(adm, [
            lambda q, i=i, lid=lid: (setattr(q.activity_add, "lead_id", lid),
                                     setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                                     setattr(q.activity_add, "title", "task %d" % i),
                                     setattr(q.activity_add, "text", "x" * 4000),
                                     setattr(q.activity_add, "at", t0 + DAY + i))
            for i in range(100)])
        res.record("lead %d: 100 tasks" % lid, all(a.code == pb.OK for a in answers))
    before = versions(adm, leads[:1])[0]
    clock.set(DAY + 60 * 1000)
    # Killed while the timer is at work: as soon as the first commit shows
    # (the earliest tasks of every lead come first), before the 600 are.
    end = time.time() + 5
    while time.time() < end and versions(adm, leads[:1])[0] == before:
        pass
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    adm.close()
    v = subprocess.run([fault_bin, "verify", "--data-dir", d.data], capture_output=True,
                       text=True)
    out = (v.stdout + v.stderr).strip()
    res.record("killed mid-pass: leadd verify passes on what it left", v.returncode == 0,
               out[-300:])
    # 606 revisions of creates and adds; 1206 once all 600 fell due.
    res.record("... it was mid-pass (some fell due, not all)",
               "revision 606," not in out and "revision 1206," not in out, out[-120:])
    d.start()
    adm = Client(pb, d.port)
    end, items = time.time() + 15, []
    while time.time() < end:
        items = agenda(adm)
        if len(items) == 600 and all(i.alerted for i in items):
            break
        time.sleep(0.2)
    res.record("started again: all 600 fall due",
               len(items) == 600 and all(i.alerted for i in items),
               "%d of %d alerted" % (sum(1 for i in items if i.alerted), len(items)))
    per = [dues(adm, lid) for lid in leads]
    res.record("... each exactly once (100 distinct due entries per lead)",
               all(len(p) == 100 and len(set(p)) == 100 for p in per),
               str([len(p) for p in per]))

    # ---- the clock moved back, then forward ----
    spare = adm.create("spare").lead.lead.id
    leads.append(spare)
    v0 = versions(adm, leads)
    clock.set(-DAY)
    late = ok_call(adm, lambda q: (setattr(q.activity_add, "lead_id", spare),
                                   setattr(q.activity_add, "kind", pb.ACTIVITY_CALL),
                                   setattr(q.activity_add, "at", clock.now() + 3600 * 1000)),
                   "planned call").activity.activity
    time.sleep(0.5)
    v1 = versions(adm, leads)
    res.record("clock two days back: nothing falls due again (only the new call's change)",
               v1[:-1] == v0[:-1] and v1[-1] == late.version, "%s -> %s" % (v0, v1))
    it = [i for i in agenda(adm) if i.lead_id == spare and i.number == late.number]
    res.record("... the call an hour ahead of the moved clock is not due",
               it and not it[0].alerted and not it[0].overdue)
    clock.set(-DAY + 2 * 3600 * 1000)
    end, ok = time.time() + 5, False
    while time.time() < end and not ok:
        it = [i for i in agenda(adm) if i.lead_id == spare and i.number == late.number]
        ok = bool(it and it[0].alerted)
        time.sleep(0.1)
    res.record("moved forward past it: the call falls due", ok)
    time.sleep(0.5)
    res.record("... once", dues(adm, spare) == [late.number], str(dues(adm, spare)))


def main():
    fault_bin, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_agenda_due_kill.") as tmp:
        pb = load_pb(proto, tmp)
        clock = Clock(os.path.join(tmp, "clock"))
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
        d = Leadd(fault_bin, tmp).start()
        try:
            run(pb, d, clock, fault_bin)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "leadd-fault-test")
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
