#!/usr/bin/python3
"""Attack (issue 15 seams): the edges of money, counts and dates.

  - an item at OPP_AMOUNT_MAX passes, one minor unit more is refused ("too
    large"), as is a sum of items past it; quantity 0, -1 and 1e9+1 and a
    negative unit price are refused; a unit price of 0 makes an opportunity
    of amount 0 that the forecast still counts;
  - 20 open opportunities at OPP_AMOUNT_MAX on one lead, with their own
    probability 100: the lead's open totals, opp_get's weighted amount
    and the forecast are exact;
  - 101 such leads (2020 opportunities) sum past an int64: the forecast's
    open_total, its row and the kpi's ClassCount.opps give the largest
    int64 for the sums past it (as docs/protocol.md says) and the exact
    count; weighted_minor stays exact while weighted_x100 is past it;
  - dates: 2027-02-29, 2027-02-30, 2027-13-01, 1969-12-31, 0000-01-01,
    "2027-1-01" and " 2027-01-01" are refused; 2028-02-29 and 9999-12-31
    pass (the forecast by month shows "9999-12"); a won date of 9999-12-31
    is refused as in the future, 1970-01-01 passes and the won period
    1970-01-01..9999-12-31 counts it; opp_list closing_before 9999-12-31
    lists the dated ones only.
leadd verify passes at the end.

Usage: atk_opps_overflow.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atk_opps_lib import add_opps, all_opps  # noqa: E402
from opp_lib import opp_create_fill  # noqa: E402
from leadd_harness import ADMIN, Client, Results, create_many, desc, ok_call, run_test  # noqa

INT64_MAX = 2**63 - 1
AMOUNT_MAX = INT64_MAX // 100 // 20
res = Results()


def forecast(c, pb, **kw):
    def fill(q):
        q.forecast.SetInParent()
        for k, v in kw.items():
            setattr(q.forecast, k, v)
    return ok_call(c, fill, "forecast").forecast


def eur(amounts):
    return next((a for a in amounts if a.currency == "EUR"), None)


def run(pb, d):
    admin = Client(pb, d.port)
    lead = admin.create("Edges", owner=ADMIN).lead.lead

    def create(items, **kw):
        return admin.call(opp_create_fill(lead.id, items=items, **kw))

    r = create((("Max", 1, AMOUNT_MAX),))
    res.record("an item at OPP_AMOUNT_MAX passes",
               r.code == pb.OK and r.opp.opp.amount.amount_minor == AMOUNT_MAX, desc(pb, r))
    max_opp = r.opp.opp.id
    for what, items in (("one minor unit more", (("Max", 1, AMOUNT_MAX + 1),)),
                        ("a product past it", (("Max", 3, AMOUNT_MAX // 2),)),
                        ("a sum of items past it", (("A", 1, AMOUNT_MAX), ("B", 1, 1))),
                        ("a product past int64", (("X", 10**9, 2**62),))):
        r = create(items)
        res.record("%s is refused as too large" % what,
                   r.code == pb.INVALID_ARGUMENT and "too large" in r.message, desc(pb, r))
    for what, items in (("quantity 0", (("Q", 0, 5),)), ("quantity -1", (("Q", -1, 5),)),
                        ("quantity 1e9+1", (("Q", 10**9 + 1, 5),)),
                        ("a negative unit price", (("P", 1, -1),))):
        r = create(items)
        res.record("%s is refused" % what, r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = create((("Free", 5, 0),), close_date="2028-02-29")
    zero = r.opp.opp
    res.record("a unit price of 0 makes an opportunity of amount 0 (on 2028-02-29)",
               r.code == pb.OK and zero.amount.amount_minor == 0 and
               zero.close_date == "2028-02-29", desc(pb, r))

    # ---- dates ----
    for bad in ("2027-02-29", "2027-02-30", "2027-13-01", "1969-12-31", "0000-01-01",
                "2027-1-01", " 2027-01-01"):
        r = create((("D", 1, 1),), close_date=bad)
        res.record("close date %r is refused" % bad, r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = create((("Far", 1, 1),), close_date="9999-12-31")
    far = r.opp.opp
    res.record("close date 9999-12-31 passes", r.code == pb.OK, desc(pb, r))
    f = forecast(admin, pb, by=pb.FORECAST_BY_MONTH)
    res.record("the forecast by month shows 9999-12 and 2028-02",
               {"9999-12", "2028-02"} <= {row.key for row in f.rows}, str([r.key for r in f.rows]))
    dated = {o.id for o in all_opps(admin, closing_before="9999-12-31")}
    res.record("closing_before 9999-12-31 lists the dated one before it, not the undated",
               zero.id in dated and far.id not in dated and max_opp not in dated, str(dated))
    r = admin.call(lambda q: (setattr(q.opp_won, "id", far.id),
                              setattr(q.opp_won, "close_date", "9999-12-31")))
    res.record("won on 9999-12-31 is refused (the future)", r.code == pb.INVALID_ARGUMENT,
               desc(pb, r))
    r = admin.call(lambda q: (setattr(q.opp_won, "id", far.id),
                              setattr(q.opp_won, "close_date", "1970-01-01")))
    res.record("won on 1970-01-01 passes", r.code == pb.OK and
               r.opp.opp.close_date == "1970-01-01", desc(pb, r))
    f = forecast(admin, pb, won_from="1970-01-01", won_to="9999-12-31")
    w = eur(f.won_total)
    res.record("the won period 1970-01-01..9999-12-31 counts it",
               w is not None and w.opps == 1 and w.amount_minor == 1, str(f.won_total))

    # ---- 20 at the most on one lead ----
    big = admin.create("Twenty at the most", owner=ADMIN).lead.lead
    add_opps(admin, [opp_create_fill(big.id, items=(("Max", 1, AMOUNT_MAX),), probability=100)
                     for _ in range(20)])
    got = ok_call(admin, lambda q: setattr(q.lead_get, "id", big.id), "lead_get")
    t = got.lead.lead.open_opps
    res.record("the lead's open totals of 20 at the most are exact",
               len(t) == 1 and t[0].opps == 20 and t[0].amount_minor == 20 * AMOUNT_MAX and
               t[0].own_weighted_x100 == 20 * AMOUNT_MAX * 100, str(list(t)))
    o = got.lead.opps[0]
    res.record("opp_get's weighted amount at the most is exact",
               o.weighted_minor == AMOUNT_MAX and o.effective_probability == 100, str(o.weighted_minor))

    # ---- 101 leads of 20 at the most: past an int64 ----
    ids = create_many(admin, 100, ADMIN, title="max")
    fills = [opp_create_fill(i, items=(("Max", 1, AMOUNT_MAX),), probability=100)
             for i in ids for _ in range(20)]
    add_opps(admin, fills)
    n = 2020 + 1  # and the first one, at the most without its own probability
    exact = 2021 * AMOUNT_MAX
    f = forecast(admin, pb)
    tot = eur(f.open_total)
    res.record("2021 opportunities at the most: the forecast's count is exact",
               tot is not None and tot.opps == n + 1, str(tot))  # + the zero one
    res.record("the forecast's amount past an int64 is the largest int64",
               exact > INT64_MAX and tot.amount_minor == INT64_MAX, str(tot))
    res.record("its weighted amounts past an int64 are the largest int64",
               tot.weighted_x100 == INT64_MAX and tot.weighted_minor == INT64_MAX, str(tot))
    row = next(r for r in f.rows if r.key == ADMIN)
    res.record("the owner's row gives the same", eur(row.open) == tot, str(row))
    k = ok_call(admin, lambda q: q.kpi.SetInParent(), "kpi").kpi
    cls = next(c for c in k.total.classes if c.kpi_class == pb.KPI_PROSPECT)
    ko = eur(cls.opps)
    res.record("kpi's ClassCount.opps of the prospects gives the exact count (the first "
               "lead is won) and the largest int64",
               ko is not None and ko.opps == n - 1 and ko.amount_minor == INT64_MAX, str(ko))
    kf = eur(k.total.forecast)
    res.record("kpi's forecast is the forecast's open total", kf == tot, str(kf))
    doc = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                            "protocol.md")).read()
    sect = doc[doc.find("**forecast** (rep and up)"):]
    sect = sect[:sect.find("| code | when |")]
    res.record("docs/protocol.md says how the forecast gives a sum past an int64",
               "largest int64" in sect, "")


if __name__ == "__main__":
    run_test(res, "atk_opps_overflow", run)
