#!/usr/bin/python3
"""The forecast (issue 15) and the opportunities in kpi.

Usage: forecast.py LEADD_BINARY PROTO_DIR

Team east (manager m1, reps r1, r2), team west (rep r3), default statuses
(prospect-Qualified 10 %). Opportunities:
  o1  r1, lead L1 (no value): EUR 2 x 100000, closing 2027-01-15
  o3  r1, lead L1: EUR 10000, no date, its own probability 50 %
  o2  r1, lead L2 (a USD value): USD 50000, closing 2027-02-10
  o4  r2, lead L3, then moved to lead-Dead: not in the forecast
  o5  r2, lead L4, then moved back to lead-Qualified: not in the forecast
  o6  r3, lead L5: GBP 7000, won today
  o7  r1, lead L6 (a USD value): USD 1000, won today
Checks: open per currency, never added (EUR and USD apart); weighted =
amount x 10 % on prospect-Qualified, an opportunity's own probability
instead when it has one; won in the period apart (closed won), by the
owner it was won for; the dead lead's and the lead-stage lead's
opportunities not counted; by status and by month; the won period and its
refusals; what each role sees and the owner/team refusals; an archived
lead's opportunities out of the forecast and kpi until restored (one added
while archived too); a status
probability edit changes the weighted amounts at once (the counters are
not recounted: verify still passes); kpi's ClassCount.opps per class and
KpiCounts.forecast equal to the forecast's open total. Ends with
`leadd verify` passing."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, ok_call, run_test  # noqa: E402
from opp_lib import amounts, forecast, opp_create, opp_lost, opp_won, set_status  # noqa: E402

PW = "forecast-pw-1"
res = Results()


def check(name, got, want):
    res.record(name, got == want, "got %r, want %r" % (got, want))


def rows_by_key(f):
    return {r.key: r for r in f.rows}


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "east")
    add_team(admin, "west")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r2", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r3", pb.ROLE_REP, team="west", password=PW)
    m1, r1, r2, r3 = (Client(pb, d.port, user=n, password=PW) for n in ("m1", "r1", "r2", "r3"))

    def lead(c, title, currency=None):
        def fill(q):
            q.lead_create.title = title
            if currency:
                q.lead_create.value.amount_minor = 1
                q.lead_create.value.currency = currency
        return ok_call(c, fill, "lead_create " + title).lead.lead
    L1, L2, L6 = lead(r1, "L1"), lead(r1, "L2", "USD"), lead(r1, "L6", "USD")
    L3, L4, L5 = lead(r2, "L3"), lead(r2, "L4"), lead(r3, "L5")
    o1 = opp_create(r1, L1.id, items=(("Licence", 2, 100000),), close_date="2027-01-15").opp
    o3 = opp_create(r1, L1.id, items=(("Support", 1, 10000),), probability=50).opp
    o2 = opp_create(r1, L2.id, items=(("Licence", 1, 50000),), close_date="2027-02-10").opp
    opp_create(r2, L3.id, items=(("X", 1, 30000),), close_date="2027-01-15")
    opp_create(r2, L4.id, items=(("Y", 1, 40000),), close_date="2027-01-15")
    o6 = opp_create(r3, L5.id, items=(("Z", 1, 7000),), currency="GBP").opp
    o7 = opp_create(r1, L6.id, items=(("W", 1, 1000),)).opp
    res.record("currencies: the lead's value's, the request's, else EUR",
               (o1.amount.currency, o2.amount.currency, o6.amount.currency) == ("EUR", "USD", "GBP"),
               str((o1.amount, o2.amount, o6.amount)))
    set_status(r2, L3.id, "lead-Dead", reason="gone")
    set_status(r2, L4.id, "lead-Qualified")
    opp_won(r3, o6.id)
    opp_won(r1, o7.id)
    now = datetime.datetime.now(datetime.timezone.utc)
    month = now.strftime("%Y-%m")

    eur = (2, 210000, (200000 * 10 + 10000 * 50 + 50) // 100, 200000 * 10 + 10000 * 50)
    usd = (1, 50000, 5000, 50000 * 10)

    # ---- by owner (the default) ----
    f = forecast(admin)
    check("open total: EUR and USD apart, weighted at 10 % (and o3's own 50 %)",
          amounts(f.open_total), {"EUR": eur, "USD": usd})
    check("won in the period apart: GBP and USD, no weighted amount",
          amounts(f.won_total), {"GBP": (1, 7000, 0, 0), "USD": (1, 1000, 0, 0)})
    res.record("the won amounts have no weighted fields",
               all(not a.HasField("weighted_x100") for a in f.won_total), str(f.won_total))
    res.record("the period is this month by default",
               f.won_from == month + "-01" and f.won_to.startswith(month) and f.by ==
               pb.FORECAST_BY_OWNER, "%s .. %s" % (f.won_from, f.won_to))
    rows = rows_by_key(f)
    check("rows: r1 (open and won) and r3 (won), none for r2 (dead and lead stage only)",
          sorted(rows), ["r1", "r3"])
    check("r1's row", (amounts(rows["r1"].open), amounts(rows["r1"].won), rows["r1"].team_name),
          ({"EUR": eur, "USD": usd}, {"USD": (1, 1000, 0, 0)}, "east"))
    check("r3's row: won GBP only, in west",
          (amounts(rows["r3"].open), amounts(rows["r3"].won), rows["r3"].team_name),
          ({}, {"GBP": (1, 7000, 0, 0)}, "west"))

    # ---- by status, by month ----
    f = forecast(admin, by=pb.FORECAST_BY_STATUS)
    check("by status: prospect-Qualified only, at its probability",
          [(r.key, r.probability, amounts(r.open), len(r.won)) for r in f.rows],
          [("prospect-Qualified", 10, {"EUR": eur, "USD": usd}, 0)])
    check("by status: won only in won_total",
          amounts(f.won_total), {"GBP": (1, 7000, 0, 0), "USD": (1, 1000, 0, 0)})
    f = forecast(admin, by=pb.FORECAST_BY_MONTH)
    got = [(r.key, amounts(r.open), amounts(r.won)) for r in f.rows]
    e1 = (1, 200000, 20000, 2000000)
    e3 = (1, 10000, 5000, 500000)
    check("by month: the won month, 2027-01, 2027-02, then no date", got,
          [(month, {}, {"GBP": (1, 7000, 0, 0), "USD": (1, 1000, 0, 0)}),
           ("2027-01", {"EUR": e1}, {}), ("2027-02", {"USD": usd}, {}), ("", {"EUR": e3}, {})])

    # ---- the period ----
    f = forecast(admin, won_from="2020-01-01", won_to="2020-12-31")
    check("a past period: nothing won, the open part unchanged",
          (amounts(f.won_total), amounts(f.open_total), f.won_from, f.won_to),
          ({}, {"EUR": eur, "USD": usd}, "2020-01-01", "2020-12-31"))
    f = forecast(admin, won_from=now.strftime("%Y-%m-%d"), won_to=now.strftime("%Y-%m-%d"))
    check("today alone", amounts(f.won_total), {"GBP": (1, 7000, 0, 0), "USD": (1, 1000, 0, 0)})
    for kw, what in (({"won_from": "2027-02-01", "won_to": "2027-01-01"}, "an end before the start"),
                     ({"won_from": "2027-02-31"}, "a bad date"),
                     ({"won_to": "tomorrow"}, "a word")):
        r = admin.call(lambda q: [setattr(q.forecast, k, v) for k, v in kw.items()])
        res.record("the period refuses %s, in words (no field names)" % what,
                   r.code == pb.INVALID_ARGUMENT and "won period" in r.message
                   and "_" not in r.message, desc(pb, r))

    # ---- who sees what ----
    check("a rep: their own", amounts(forecast(r1).open_total), {"EUR": eur, "USD": usd})
    f = forecast(r2)
    check("a rep with nothing counted: empty", (len(f.rows), len(f.open_total)), (0, 0))
    f = forecast(r3)
    check("a rep with a won one", (amounts(f.open_total), amounts(f.won_total)),
          ({}, {"GBP": (1, 7000, 0, 0)}))
    f = forecast(m1)
    check("a manager: their team (no west)", (amounts(f.open_total), amounts(f.won_total)),
          ({"EUR": eur, "USD": usd}, {"USD": (1, 1000, 0, 0)}))
    check("owner filter", amounts(forecast(m1, owner="r1").open_total), {"EUR": eur, "USD": usd})
    check("team filter", amounts(forecast(admin, team="west").won_total),
          {"GBP": (1, 7000, 0, 0)})
    for c, kw, code, what in ((r2, {"owner": "r1"}, pb.PERMISSION_DENIED, "a rep naming another"),
                              (m1, {"team": "west"}, pb.PERMISSION_DENIED,
                               "a manager naming another team"),
                              (m1, {"owner": "r3"}, pb.PERMISSION_DENIED,
                               "a manager naming another team's rep"),
                              (admin, {"team": "nope"}, pb.NOT_FOUND, "no such team")):
        r = c.call(lambda q: [setattr(q.forecast, k, v) for k, v in kw.items()])
        res.record("forecast refuses %s" % what, r.code == code and r.message, desc(pb, r))

    # ---- kpi ----
    k = ok_call(admin, lambda q: q.kpi.SetInParent(), "kpi").kpi
    cls = {pb.KpiClass.Name(c.kpi_class): amounts(c.opps) for c in k.total.classes}
    sts = ok_call(admin, lambda q: q.status_list.SetInParent(), "status_list").status_list
    p = {s.name: s.probability for s in sts.statuses}
    check("kpi: open opportunities per class (the dead lead's and the lead-stage lead's "
          "in theirs, weighted by their status)",
          {c: v for c, v in cls.items() if v},
          {"KPI_PROSPECT": {"EUR": eur, "USD": usd},
           "KPI_DEAD": {"EUR": (1, 30000, (30000 * p["lead-Dead"] + 50) // 100,
                                30000 * p["lead-Dead"])},
           "KPI_QUALIFIED": {"EUR": (1, 40000, (40000 * p["lead-Qualified"] + 50) // 100,
                                     40000 * p["lead-Qualified"])}})
    check("kpi: the forecast is the forecast's open total",
          amounts(k.total.forecast), {"EUR": eur, "USD": usd})
    r1row = [r for r in k.owners if r.name == "r1"][0]
    check("kpi: r1's row's forecast", amounts(r1row.counts.forecast), {"EUR": eur, "USD": usd})
    k = ok_call(r3, lambda q: q.kpi.SetInParent(), "kpi r3").kpi
    check("kpi as r3: nothing open", amounts(k.total.forecast), {})

    # ---- an archived lead's opportunities leave the forecast ----
    ok_call(admin, lambda q: setattr(q.lead_archive, "id", L2.id), "archive L2")
    f = forecast(admin)
    k = ok_call(admin, lambda q: q.kpi.SetInParent(), "kpi").kpi
    check("archived: its opportunities leave the forecast and kpi",
          (amounts(f.open_total), amounts(k.total.forecast)), ({"EUR": eur}, {"EUR": eur}))
    o8 = opp_create(admin, L2.id, items=(("Extra", 1, 2000),)).opp
    check("an archived lead takes an opportunity, left out of the forecast",
          (o8.state, o8.amount.currency, amounts(forecast(admin).open_total)),
          (pb.OPP_OPEN, "USD", {"EUR": eur}))
    ok_call(admin, lambda q: setattr(q.lead_restore, "id", L2.id), "restore L2")
    check("restored: they come back, the one added while archived too",
          amounts(forecast(admin).open_total),
          {"EUR": eur, "USD": (2, 52000, 5200, 520000)})
    opp_lost(admin, o8.id)
    check("that one lost: out again, the lead's other one open",
          amounts(forecast(admin).open_total), {"EUR": eur, "USD": usd})

    # ---- a status probability edit: weighted at once ----
    def prob(p):
        ok_call(admin, lambda q: (setattr(q.status_edit, "name", "prospect-Qualified"),
                                  setattr(q.status_edit, "probability", p)), "status_edit")
    prob(20)
    f = forecast(admin)
    check("prospect-Qualified at 20 %: weighted doubles (o3 keeps its own 50 %)",
          amounts(f.open_total),
          {"EUR": (2, 210000, (200000 * 20 + 10000 * 50 + 50) // 100, 200000 * 20 + 10000 * 50),
           "USD": (1, 50000, 10000, 50000 * 20)})
    k = ok_call(admin, lambda q: q.kpi.SetInParent(), "kpi").kpi
    check("and kpi's forecast with it", amounts(k.total.forecast), amounts(f.open_total))
    res.stop_and_verify(d, "forecast after the probability edit")
    d.start()
    admin = Client(pb, d.port)
    f = forecast(admin)
    check("after a restart, the same", amounts(f.open_total)["USD"], (1, 50000, 10000, 1000000))
    prob(10)


run_test(res, "forecast", run)
