#!/usr/bin/python3
"""Issue 12 attacks 2 (moving + stand-by): the wake-up's seams, with the
test clock of leadd-fault-test (docs/operations.md, "The test clock").

Usage: atk_lifecycle2_wake.py LEADD_FAULT_TEST PROTO_DIR

- a lead reassigned to another rep while asleep: at the wake-up the new
  owner's watcher gets the WAKE event and the old owner's (who may no
  longer see the lead) gets none;
- the same across teams (team A's manager gets no WAKE, team B's does);
- the wake-up's write vs users' writes based on the version before it:
  every lead_update / lead_standby sent with the pre-wake expected_version
  right after the clock moves is either applied before the wake (and the
  lead shows it) or ABORTED; never lost, never applied on top of the wake;
- SIGTERM while 600 leads are due: exit 0, and after the next start every
  lead is back from stand-by, each woken exactly once (one "wake" in its
  history);
- the test clock moved backwards: nothing wakes early, new stand-bys are
  judged by the moved clock, and moving it forward again wakes them;
Every leadd ends with `leadd verify` passing."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user, desc,  # noqa: E402
                           load_pb, ok_call, pipeline)
from leadd_harness import FaultClock as Clock  # noqa: E402
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "atk-lifecycle2-pw"
DAY = 86400 * 1000
res = Results()


def sb_fill(lid, until, expected=None):
    def fill(q):
        q.lead_standby.id = lid
        q.lead_standby.until = until
        if expected is not None:
            q.lead_standby.expected_version = expected
    return fill


def get(c, lid):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lid), "get %d" % lid).lead.lead


def on_standby(c):
    def fill(q):
        q.lead_list.limit = 1000
        q.lead_list.filter.standby = True
    return sorted(x.id for x in ok_call(c, fill, "list standby").lead_list.leads)


def wait_for(pred, limit):
    end = time.time() + limit
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def kinds_of(c, lid):
    h = ok_call(c, lambda q: (setattr(q.lead_history, "id", lid),
                              setattr(q.lead_history, "limit", 1000)), "history")
    return [it.kind for it in h.lead_history.items]


def owner_change(pb, d, clock, adm):
    add_team(adm, "A")
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    r2_id = add_user(adm, "r2", pb.ROLE_REP, "A", PW).id
    r1 = Client(pb, d.port, "r1", PW)
    lead = r1.create("Changes hands asleep", owner="r1").lead.lead
    ok_call(r1, sb_fill(lead.id, clock.now() + DAY), "standby")
    w1 = Watcher(pb, d.port, "r1", PW)
    watch_ok(w1, ["leads"], "watch r1")
    w2 = Watcher(pb, d.port, "r2", PW)
    watch_ok(w2, ["leads"], "watch r2")
    ok_call(adm, lambda q: (setattr(q.lead_assign, "id", lead.id),
                            setattr(q.lead_assign, "to_user", "r2")), "assign to r2")
    w1.events(quiet=0.3)
    w2.events(quiet=0.3)
    clock.set(clock.shift + DAY + 60000)
    got = w2.until(lambda e: e.lead_id == lead.id and e.change == pb.LEAD_CHANGE_WAKE, limit=5)
    wake = [e for e in got if e.change == pb.LEAD_CHANGE_WAKE]
    res.record("asleep, reassigned to r2: r2's watcher gets the WAKE",
               len(wake) == 1 and wake[0].lead.owner_id == r2_id, str(len(wake)))
    late = w1.events(quiet=0.5)
    res.record("... r1's watcher (no longer sees it) gets no WAKE",
               not any(e.lead_id == lead.id and e.change == pb.LEAD_CHANGE_WAKE for e in late),
               str([(e.lead_id, e.change) for e in late]))
    w1.close()
    w2.close()

    # Across teams: reassigned to a rep of team B while asleep; the lead's
    # team follows its owner. A's manager no longer sees it, B's does.
    add_team(adm, "B")
    add_user(adm, "ma", pb.ROLE_MANAGER, "A", PW)
    add_user(adm, "mb", pb.ROLE_MANAGER, "B", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("ma")), "A managers")
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "B"),
                            q.team_edit.managers.items.append("mb")), "B managers")
    add_user(adm, "rb", pb.ROLE_REP, "B", PW)
    lead = r1.create("Changes teams asleep", owner="r1").lead.lead
    ok_call(r1, sb_fill(lead.id, clock.now() + DAY), "standby 2")
    wa = Watcher(pb, d.port, "ma", PW)
    watch_ok(wa, ["leads"], "watch ma")
    wb = Watcher(pb, d.port, "mb", PW)
    watch_ok(wb, ["leads"], "watch mb")
    ok_call(adm, lambda q: (setattr(q.lead_assign, "id", lead.id),
                            setattr(q.lead_assign, "to_user", "rb")), "assign to rb")
    res.record("... (the lead's team is now B)", get(adm, lead.id).team_id != 0 and
               get(adm, lead.id).team_id != get(adm, lead.id - 1).team_id)
    wa.events(quiet=0.3)
    wb.events(quiet=0.3)
    clock.set(clock.shift + DAY + 60000)
    got = wb.until(lambda e: e.lead_id == lead.id and e.change == pb.LEAD_CHANGE_WAKE, limit=5)
    res.record("asleep, moved to team B: B's manager's watcher gets the WAKE",
               sum(e.change == pb.LEAD_CHANGE_WAKE for e in got) == 1)
    late = wa.events(quiet=0.5)
    res.record("... A's manager's watcher gets no WAKE",
               not any(e.lead_id == lead.id and e.change == pb.LEAD_CHANGE_WAKE for e in late),
               str([(e.lead_id, e.change) for e in late]))
    wa.close()
    wb.close()


def race(pb, d, clock, adm):
    n = 60
    leads = [adm.create("Race %d" % i).lead.lead for i in range(n)]
    until = clock.now() + DAY
    for x in pipeline(adm, [sb_fill(x.id, until) for x in leads]):
        assert x.code == 0, desc(pb, x)
    vers = {x.id: get(adm, x.id).version for x in leads}
    other = Client(pb, d.port)
    fills = []
    for i, x in enumerate(leads):
        if i % 2 == 0:
            def f(q, lid=x.id):
                q.lead_update.id = lid
                q.lead_update.expected_version = vers[lid]
                q.lead_update.title = "Edited before the wake %d" % lid
            fills.append(f)
        else:
            fills.append(sb_fill(x.id, clock.now() + 5 * DAY, vers[x.id]))
    # Sent as the clock moves: the wake-up (within its re-check interval)
    # lands before, between or in the same batch as these.
    clock.set(clock.shift + DAY + 60000)
    answers = pipeline(other, fills, window=4)
    # Whatever raced, every lead ends up woken or re-stood-by: wait for the
    # first.
    wait_for(lambda: all(get(adm, x.id).standby_until != until for x in leads), 5)
    bad, applied, aborted = [], 0, 0
    for i, (x, a) in enumerate(zip(leads, answers)):
        now = get(adm, x.id)
        k = kinds_of(adm, x.id)
        if a.code == 0:
            applied += 1
            if i % 2 == 0:
                ok = now.title.startswith("Edited") and now.standby_until == 0 and \
                    k.count("wake") == 1 and k.index("update") < k.index("wake")
            else:  # applied before the wake: the wake found it on a new date
                ok = now.standby_until > until and "wake" not in k
        elif a.code == pb.ABORTED:
            aborted += 1
            ok = now.title == x.title and now.standby_until == 0 and k.count("wake") == 1
        else:
            ok = False
        if not ok:
            bad.append((x.id, desc(pb, a), now.title, now.standby_until, k))
    res.record("users' writes on the pre-wake version: applied before the wake or "
               "ABORTED, never lost (%d applied, %d aborted)" % (applied, aborted),
               not bad and aborted > 0, str(bad[:3]))
    other.close()


def shutdown(pb, d, clock, adm):
    n = 600
    fills = []
    for i in range(n):
        def f(q, i=i):
            q.lead_create.title = "Due %d" % i
            q.lead_create.owner = "admin"
        fills.append(f)
    ids = [r.lead.lead.id for r in pipeline(adm, fills)]
    until = clock.now() + DAY
    for r in pipeline(adm, [sb_fill(x, until) for x in ids]):
        assert r.code == 0, desc(pb, r)
    adm.close()
    def woken_since(pos):
        with open(d.log_file) as f:
            f.seek(pos)
            return sum(int(line.split("lead(s) back")[0].split()[-1])
                       for line in f if "lead(s) back from stand-by" in line)
    pos = os.path.getsize(d.log_file)
    clock.set(clock.shift + DAY + 60000)
    # Stopped as soon as the first chunk is logged: the next is at the writer.
    end = time.time() + 5
    while woken_since(pos) == 0 and time.time() < end:
        time.sleep(0.001)
    rc = d.stop()
    woken = woken_since(pos)
    res.record("SIGTERM while 600 leads are due: exit 0", rc == 0,
               "exit %d, %d woken before the stop" % (rc, woken))
    res.record("... leadd verify passes after the stop", d.verify() == 0)
    d.start()
    adm = Client(pb, d.port)
    gone = wait_for(lambda: not set(ids) & set(on_standby(adm)), 10)
    res.record("... after the next start all 600 are back from stand-by", gone)
    res.record("... the log's counts: before the stop and after the start add up to 600",
               woken_since(pos) == 600,
               "%d + %d" % (woken, woken_since(pos) - woken))
    hist = pipeline(adm, [lambda q, x=x: (setattr(q.lead_history, "id", x),
                                          setattr(q.lead_history, "limit", 1000))
                          for x in ids])
    twice = [x for x, h in zip(ids, hist)
             if [it.kind for it in h.lead_history.items].count("wake") != 1]
    res.record("... each woken exactly once", not twice, str(twice[:5]))
    return adm


def backwards(pb, d, clock, adm):
    base = clock.shift
    x = adm.create("Waits a day").lead.lead
    ok_call(adm, sb_fill(x.id, clock.now() + DAY), "standby x")
    x_until = get(adm, x.id).standby_until
    clock.set(base - 2 * DAY)
    time.sleep(1.0)
    res.record("clock moved back two days: nothing wakes early",
               get(adm, x.id).standby_until == x_until)
    y = adm.create("Waits an hour of the moved clock").lead.lead
    r = adm.call(sb_fill(y.id, clock.now() + 3600 * 1000))
    res.record("... a stand-by for an hour of the moved clock is taken", r.code == 0,
               desc(pb, r))
    r = adm.call(sb_fill(y.id, clock.now() - 60000))
    res.record("... a time past on the moved clock is refused",
               r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    clock.set(base + DAY + 60000)
    started = time.time()
    ok = wait_for(lambda: get(adm, x.id).standby_until == 0 and
                  get(adm, y.id).standby_until == 0, 3)
    res.record("... moved forward again: both wake within 1.5 s", ok and
               time.time() - started < 1.5, "%.2f s" % (time.time() - started))
    res.record("... each has one wake in its history",
               kinds_of(adm, x.id).count("wake") == 1 and kinds_of(adm, y.id).count("wake") == 1)


def main():
    fault_bin, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_lifecycle2_wake.") as tmp:
        pb = load_pb(proto, tmp)
        clock = Clock(os.path.join(tmp, "clock"))
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
        d = Leadd(fault_bin, tmp, log_level="info",
                  log_file=os.path.join(tmp, "leadd.log")).start()
        try:
            adm = Client(pb, d.port)
            owner_change(pb, d, clock, adm)
            race(pb, d, clock, adm)
            adm = shutdown(pb, d, clock, adm)
            backwards(pb, d, clock, adm)
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "leadd-fault-test")
    return res.summary()


sys.exit(main())
