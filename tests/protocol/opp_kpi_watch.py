#!/usr/bin/python3
"""Open opportunities in the KPI watch (issue 15): KpiDelta.opps and
in_forecast, and the snapshot's ClassCount.opps and KpiCounts.forecast.

Usage: opp_kpi_watch.py LEADD_BINARY PROTO_DIR

Manager m1 of team east (reps r1, r2) watches kpi. After each change, the
open opportunities the watcher holds (its snapshot with every delta added:
per row, class and currency, and the forecast per row and currency) must
equal a fresh kpi's: a lead created; an opportunity created on it (the
lead converts: -1 lead-New, +1 prospect-Qualified with the opportunity,
in_forecast); a second one with its own probability (a count 0 delta); a
probability edit (only the weighted amount moves); the lead reassigned
(its opportunities move rows); sent to lead-Dead (out of the forecast:
in_forecast false) and back; one won (the lead to customer-Won); the lead
archived (its open one leaves) and restored; a status probability edit (a
new snapshot). A lead of west (not m1's) sends m1 no delta. Ends with
`leadd verify` passing."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, ok_call, run_test  # noqa: E402
from opp_lib import opp_create, opp_edit, opp_won, set_status  # noqa: E402
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "opp-kpi-watch-pw-1"
res = Results()


def add(m, key, a):
    v = m.get(key, (0, 0, 0))
    v = (v[0] + a.opps, v[1] + a.amount_minor, v[2] + a.weighted_x100)
    if v == (0, 0, 0):
        m.pop(key, None)
    else:
        m[key] = v


def of_reply(k):
    """A kpi reply's open opportunities: by (owner, team, class, currency)
    and the forecast by (owner, team, currency)."""
    cls, fc = {}, {}
    for row in k.owners:
        for c in row.counts.classes:
            for a in c.opps:
                add(cls, (row.id, row.team_id, c.kpi_class, a.currency), a)
        for a in row.counts.forecast:
            add(fc, (row.id, row.team_id, a.currency), a)
    return cls, fc


class Model:
    def __init__(self, pb):
        self.pb = pb
        self.cls, self.fc = {}, {}
        self.deltas = []  # the opportunity deltas applied, for the checks

    def take(self, evs):
        pb = self.pb
        for e in evs:
            if e.kind == pb.EVENT_SNAPSHOT:
                self.cls, self.fc = of_reply(e.kpi_counts)
            elif e.kind == pb.EVENT_KPI:
                for d in e.kpi:
                    for a in d.opps:
                        self.deltas.append((d, a))
                        add(self.cls, (d.owner_id, d.team_id, d.kpi_class, a.currency), a)
                        if d.in_forecast:
                            add(self.fc, (d.owner_id, d.team_id, a.currency), a)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "east")
    add_team(admin, "west")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r2", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r3", pb.ROLE_REP, team="west", password=PW)
    m1, r1, r3 = (Client(pb, d.port, user=n, password=PW) for n in ("m1", "r1", "r3"))
    w = Watcher(pb, d.port, "m1", PW)
    watch_ok(w, ["kpi"], "watch kpi")
    model = Model(pb)
    model.take(w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT))

    def step(name, do):
        """Do the change, read the watcher's events up to a fresh kpi's
        revision, and compare."""
        n = len(model.deltas)
        do()
        k = ok_call(m1, lambda q: q.kpi.SetInParent(), "kpi").kpi
        model.take(w.until(lambda e: e.revision >= k.revision
                           and e.kind in (pb.EVENT_KPI, pb.EVENT_SNAPSHOT)))
        cls, fc = of_reply(k)
        res.record("%s: the watcher's open opportunities are kpi's" % name,
                   (model.cls, model.fc) == (cls, fc),
                   "watcher %r / %r, kpi %r / %r" % (model.cls, model.fc, cls, fc))
        return model.deltas[n:]

    lead = {}
    step("a lead created", lambda: lead.update(x=r1.create("X", owner=None).lead.lead))
    x = lead["x"]
    opp = {}
    new = step("an opportunity converts the lead",
               lambda: opp.update(a=opp_create(r1, x.id, items=(("L", 3, 10000),)).opp))
    res.record("its delta: +1 opportunity of 30000 under prospect-Qualified, in the forecast, "
               "weighted at 10 %",
               [(dl.status_name, dl.count, dl.in_forecast, a.currency, a.opps, a.amount_minor,
                 a.weighted_x100, a.weighted_minor) for dl, a in new]
               == [("prospect-Qualified", 1, True, "EUR", 1, 30000, 300000, 3000)], str(new))
    new = step("a second one with its own probability",
               lambda: opp.update(b=opp_create(r1, x.id, items=(("S", 1, 1000),),
                                               probability=40).opp))
    res.record("its delta: count 0, +1 of 1000 weighted at 40 %",
               [(dl.count, a.opps, a.amount_minor, a.weighted_x100) for dl, a in new]
               == [(0, 1, 1000, 40000)], str(new))
    new = step("a probability edit", lambda: opp_edit(r1, opp["b"].id, probability=70))
    res.record("its delta: only the weighted amount moves (+30 % of 1000)",
               [(a.opps, a.amount_minor, a.weighted_x100) for dl, a in new] == [(0, 0, 30000)],
               str(new))
    new = step("the lead reassigned", lambda: ok_call(
        m1, lambda q: (setattr(q.lead_assign, "id", x.id),
                       setattr(q.lead_assign, "to_user", "r2")), "assign"))
    res.record("its deltas: the opportunities leave r1's row and join r2's",
               sorted((dl.owner_name, a.opps) for dl, a in new) == [("r1", -2), ("r2", 2)],
               str(new))
    r2 = Client(pb, d.port, user="r2", password=PW)
    new = step("sent to lead-Dead", lambda: set_status(r2, x.id, "lead-Dead", reason="gone"))
    res.record("its deltas: out of the forecast (in_forecast false under lead-Dead)",
               sorted((dl.status_name, dl.in_forecast, a.opps) for dl, a in new)
               == [("lead-Dead", False, 2), ("prospect-Qualified", True, -2)], str(new))
    step("back to prospect-Qualified", lambda: set_status(r2, x.id, "prospect-Qualified"))
    new = step("one won: the lead moves to customer-Won",
               lambda: opp_won(r2, opp["a"].id))
    res.record("its deltas: both leave prospect-Qualified, the open one joins customer-Won",
               sorted((dl.status_name, a.opps) for dl, a in new)
               == [("customer-Won", 1), ("prospect-Qualified", -2)], str(new))
    new = step("the lead archived", lambda: ok_call(
        m1, lambda q: setattr(q.lead_archive, "id", x.id), "archive"))
    res.record("archived: its open opportunity leaves (negative opps on the live delta, none "
               "on the archived one)",
               [(dl.archived, dl.count, a.opps) for dl, a in new] == [(False, -1, -1)], str(new))
    step("the lead restored", lambda: ok_call(
        m1, lambda q: setattr(q.lead_restore, "id", x.id), "restore"))

    def west_then_east():
        y = r3.create("Y", owner=None).lead.lead
        opp_create(r3, y.id)
        opp_edit(r2, opp["b"].id, probability=60)
    step("west's opportunity, then an edit in east", west_then_east)
    res.record("no delta of west reached m1",
               all(dl.team_name == "east" for dl, _ in model.deltas), str(model.deltas))
    step("a status probability edit (a snapshot)", lambda: ok_call(
        admin, lambda q: (setattr(q.status_edit, "name", "customer-Won"),
                          setattr(q.status_edit, "probability", 90)), "status_edit"))
    w.close()


run_test(res, "opp_kpi_watch", run)
