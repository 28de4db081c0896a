#!/usr/bin/python3
"""Attack (issue 15 seams): a KPI watcher's open-opportunity figures.

An admin watches the KPI from before any opportunity and applies every
KpiDelta's opps (per owner row and class, and to the row's forecast when
in_forecast) to the snapshot, as `lead kpi --watch` does, while another
connection: adds opportunities (converting leads), edits an amount and a
close date, assigns leads across teams, moves one into dead and back,
archives and restores one, wins and loses some, bulk assigns 520 leads in
chunks (opportunities on the first and last), renews one and removes a
status whose leads move in chunks. At the end the watcher's figures
equal a fresh kpi's: ClassCount.opps per owner row and class, and
KpiCounts.forecast per row (count and amount per currency).

Usage: atk_opps_kpi_watch.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atk_opps_lib import add_opps  # noqa: E402
from opp_lib import opp_create_fill  # noqa: E402
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Results, add_team,  # noqa: E402
                           add_user, create_many, ok_call, pipeline, run_test)
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "atk-opps-kpi-pw"
res = Results()


def add(model, key, amounts, sign=1):
    cur = model.setdefault(key, {})
    for a in amounts:
        v = cur.setdefault(a.currency, [0, 0])
        v[0] += sign * a.opps
        v[1] += sign * a.amount_minor
        if v == [0, 0]:
            del cur[a.currency]
    if not cur:
        del model[key]


def figures(kpi_reply):
    """{(owner, team, class or 'forecast'): {currency: [opps, amount]}}."""
    model = {}
    for row in kpi_reply.owners:
        for c in row.counts.classes:
            add(model, (row.id, row.team_id, c.kpi_class), c.opps)
        add(model, (row.id, row.team_id, "forecast"), row.counts.forecast)
    return model


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "east", pool_visible=True)
    add_team(admin, "west")
    for name, team in (("r1", "east"), ("r2", "east"), ("r3", "west")):
        add_user(admin, name, pb.ROLE_REP, team=team, password=PW)
    ok_call(admin, lambda q: (setattr(q.status_add.status, "name", "atk-Gone"),
                              setattr(q.status_add.status, "stage", pb.STAGE_PROSPECT),
                              setattr(q.status_add.status, "kpi_class", pb.KPI_PROSPECT),
                              setattr(q.status_add.status, "probability", 20)), "status_add")
    w = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(w, ["kpi"], "admin watches the KPI")
    snap = w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[-1]
    state = {"model": figures(snap.kpi_counts), "snapshots": 0}

    def compare(what):
        fresh = ok_call(admin, lambda q: q.kpi.SetInParent(), "kpi").kpi
        # Events stop at the change that is the kpi's revision or before (a
        # change that moves no KPI figure sends none).
        evs = w.events(quiet=0.4, limit=30)
        late = [e.revision for e in evs if e.revision > fresh.revision]
        for e in evs:
            if e.kind == pb.EVENT_SNAPSHOT:
                state["model"] = figures(e.kpi_counts)
                state["snapshots"] += 1
            elif e.kind == pb.EVENT_KPI:
                for dl in e.kpi:
                    if dl.archived:
                        continue
                    add(state["model"], (dl.owner_id, dl.team_id, dl.kpi_class), dl.opps)
                    if dl.in_forecast:
                        add(state["model"], (dl.owner_id, dl.team_id, "forecast"), dl.opps)
        want = figures(fresh)
        res.record("%s: no event past the kpi's revision" % what, not late, str(late))
        res.record("%s: the watcher's open opportunities per row and class, and forecast, "
                   "equal a fresh kpi's (%d snapshots so far)" % (what, state["snapshots"]),
                   state["model"] == want,
                   "watcher %s\nfresh %s" % (sorted(state["model"].items(), key=str),
                                             sorted(want.items(), key=str)))

    a = admin.create("A", owner="r1").lead.lead
    b = admin.create("B", owner="r2").lead.lead
    c = admin.create("C", owner="r3").lead.lead
    oa = add_opps(admin, [opp_create_fill(a.id, close_date="2027-01-10"),
                          opp_create_fill(a.id, items=(("X", 3, 700),), probability=30),
                          opp_create_fill(a.id, currency="USD")])
    ob = add_opps(admin, [opp_create_fill(b.id), opp_create_fill(b.id, close_date="2027-09-09")])
    oc = add_opps(admin, [opp_create_fill(c.id, currency="GBP")])
    compare("added")
    ok_call(admin, lambda q: (setattr(q.opp_edit, "id", oa[0].id),
                              q.opp_edit.items.add(name="Y", quantity=9, unit_price_minor=11)),
            "edit amount")
    ok_call(admin, lambda q: (setattr(q.opp_edit, "id", ob[0].id),
                              setattr(q.opp_edit, "close_date", "2028-01-01")), "edit date")
    compare("edited")
    ok_call(admin, lambda q: (setattr(q.lead_assign, "id", a.id),
                              setattr(q.lead_assign, "to_user", "r3")), "a to r3")
    compare("assigned")
    ok_call(admin, lambda q: (setattr(q.lead_set_status, "id", b.id),
                              setattr(q.lead_set_status, "status", "lead-Dead"),
                              setattr(q.lead_set_status, "reason", "quiet"),
                              setattr(q.lead_set_status, "other", True)), "b dead")
    ok_call(admin, lambda q: (setattr(q.lead_set_status, "id", b.id),
                              setattr(q.lead_set_status, "status", "atk-Gone")), "b atk-Gone")
    compare("dead and back")
    ok_call(admin, lambda q: setattr(q.lead_archive, "id", c.id), "archive c")
    ok_call(admin, lambda q: setattr(q.opp_won, "id", oc[0].id), "won on archived c")
    ok_call(admin, lambda q: setattr(q.lead_restore, "id", c.id), "restore c")
    compare("archived, won, restored")
    ok_call(admin, lambda q: setattr(q.opp_won, "id", oa[1].id), "won a")
    ok_call(admin, lambda q: (setattr(q.opp_lost, "id", ob[1].id),
                              setattr(q.opp_lost, "reason", "price"),
                              setattr(q.opp_lost, "other", True)), "lost b")
    compare("won and lost")
    many = create_many(admin, 520, "r2", title="bulk")
    add_opps(admin, [opp_create_fill(many[0]), opp_create_fill(many[519], currency="JPY")])
    ok_call(admin, lambda q: (setattr(q.lead_bulk_assign, "from_user", "r2"),
                              setattr(q.lead_bulk_assign, "to_user", "r3")), "bulk r2 -> r3")
    compare("bulk assign")
    ok_call(admin, lambda q: (setattr(q.lead_renew, "id", a.id),
                              setattr(q.lead_renew, "status", "atk-Gone")), "renew a")
    answers = pipeline(admin, [(lambda i: lambda q: (setattr(q.lead_set_status, "id", i),
                                                     setattr(q.lead_set_status, "status",
                                                             "atk-Gone")))(i) for i in many])
    res.record("520 leads into atk-Gone", all(x.code == pb.OK for x in answers))
    compare("after the moves, before status_rm")
    ok_call(admin, lambda q: (setattr(q.status_rm, "name", "atk-Gone"),
                              setattr(q.status_rm, "move_to", "prospect-Qualified")), "status_rm")
    compare("after status_rm")


if __name__ == "__main__":
    run_test(res, "atk_opps_kpi_watch", run)
