#!/usr/bin/python3
"""The forecast and kpi are served from the counters the write core keeps,
not by reading the opportunities (issue 15: "served from counters/indexes
kept by the write core, not by scanning every opportunity").

Usage: forecast_from_counters.py LEADD_BINARY PROTO_DIR

A data directory with lead L1 (no value: EUR; o1 2 x 100000 closing
2027-01-15, o2 10000 at its own 50 %), L2 (a USD value: o3 50000) and L3
(o4 7000 EUR, won today). The forecast (by owner, status and month) and
kpi are taken, leadd stopped, and two copies damaged with python3-lmdb:
- o1's and o4's records overwritten with bytes that do not decode;
- o1's and o4's records rewritten, each consistent in itself, with other
  amounts (o1 one item of 1 x 999, o4 1 x 1).
Served again, each copy's forecast and kpi answer exactly the figures
taken before, while the opportunity itself shows the damage (opp_get:
DATA_LOSS on the first copy, the new amount on the second), and `leadd
verify` of the copy names it. The undamaged directory passes verify."""
import datetime
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, Results, desc, load_pb, ok_call  # noqa: E402
from opp_lib import amounts, change_db, forecast, opp_create, opp_won, run_verify  # noqa: E402

res = Results()
IDS = {}


def be(n):
    return n.to_bytes(8, "big")


def lead(c, title, currency=None):
    def fill(q):
        q.lead_create.title = title
        q.lead_create.owner = ADMIN
        if currency:
            q.lead_create.value.amount_minor = 1
            q.lead_create.value.currency = currency
    return ok_call(c, fill, "lead_create " + title).lead.lead


def build(pb, d):
    admin = Client(pb, d.port)
    l1, l2, l3 = lead(admin, "L1"), lead(admin, "L2", "USD"), lead(admin, "L3")
    o1 = opp_create(admin, l1.id, items=(("Licence", 2, 100000),), close_date="2027-01-15").opp
    o2 = opp_create(admin, l1.id, items=(("Support", 1, 10000),), probability=50).opp
    o3 = opp_create(admin, l2.id, items=(("Licence", 1, 50000),)).opp
    o4 = opp_create(admin, l3.id, items=(("Once", 1, 7000),)).opp
    o4 = opp_won(admin, o4.id).opp
    IDS.update(o1=o1.id, o2=o2.id, o3=o3.id, o4=o4.id, l1=l1.id)
    admin.close()


def figures(pb, port):
    """What forecast (by owner, status, month) and kpi answer, as plain
    values to compare."""
    c = Client(pb, port)
    out = {}
    for by in (pb.FORECAST_BY_OWNER, pb.FORECAST_BY_STATUS, pb.FORECAST_BY_MONTH):
        f = forecast(c, by=by)
        out["forecast by %s" % pb.ForecastGroup.Name(by)] = (
            amounts(f.open_total), amounts(f.won_total),
            [(r.key, amounts(r.open), amounts(r.won)) for r in f.rows])
    k = ok_call(c, lambda q: q.kpi.SetInParent(), "kpi").kpi
    out["kpi"] = (amounts(k.total.forecast),
                  {pb.KpiClass.Name(x.kpi_class): amounts(x.opps) for x in k.total.classes},
                  {r.name: amounts(r.counts.forecast) for r in k.owners})
    c.close()
    return out


def opp_get(pb, port, opp_id):
    c = Client(pb, port)
    r = c.call(lambda q: setattr(q.opp_get, "id", opp_id))
    c.close()
    return r


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="forecast_from_counters.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, os.path.join(tmp, "base")).start()
        try:
            build(pb, d)
            before = figures(pb, d.port)
        finally:
            if d.proc.poll() is None:
                d.stop()
        f = before["forecast by FORECAST_BY_OWNER"]
        eur = (2, 210000, (200000 * 10 + 10000 * 50 + 50) // 100, 200000 * 10 + 10000 * 50)
        res.record("the figures taken: EUR and USD open, o4 won",
                   f[0] == {"EUR": eur, "USD": (1, 50000, 5000, 500000)}
                   and f[1] == {"EUR": (1, 7000, 0, 0)}, str(f))
        rc, out = run_verify(binary, d.data)
        res.record("the undamaged directory passes verify", rc == 0, out)
        o1, o4 = IDS["o1"], IDS["o4"]

        def garble(txn, h):
            for oid in (o1, o4):
                txn.put(be(oid), b"\xff\xff\xff", db=h)

        def rewrite(txn, h):
            for oid, price in ((o1, 999), (o4, 1)):
                o = pb.Opportunity()
                o.ParseFromString(txn.get(be(oid), db=h))
                del o.items[1:]
                o.items[0].quantity, o.items[0].unit_price_minor = 1, price
                o.items[0].amount_minor = price
                o.amount.amount_minor = price
                txn.put(be(oid), o.SerializeToString(), db=h)

        for name, fn, get_ok, expect in (
                ("records that do not decode", garble,
                 lambda r: r.code == pb.DATA_LOSS and r.message,
                 ["opportunity %d does not decode" % o1, "opportunity %d does not decode" % o4]),
                ("records with other amounts", rewrite,
                 lambda r: r.code == 0 and r.opp.opp.amount.amount_minor == 999,
                 ["lead %d: its open opportunities in EUR closing 2027-01 are 1 worth 200000 in "
                  "its totals, its opportunities give 1 worth 999" % IDS["l1"],
                  "in EUR counts 1 worth 7000, a recount of the won opportunities gives 1 "
                  "worth 1"])):
            data = os.path.join(tmp, name.replace(" ", "_"), "data")
            shutil.copytree(d.data, data)
            change_db(data, "opps", fn)
            s = Leadd(binary, os.path.dirname(data)).start()
            try:
                r = opp_get(pb, s.port, o1)
                res.record("%s: opp_get of o1 shows the damage" % name, get_ok(r), desc(pb, r))
                after = figures(pb, s.port)
                for what in sorted(before):
                    res.record("%s: %s answers the counters' figures" % (name, what),
                               after[what] == before[what],
                               "" if after[what] == before[what]
                               else "got %r\nwant %r" % (after[what], before[what]))
            finally:
                if s.proc.poll() is None:
                    s.stop()
            rc, out = run_verify(binary, data)
            missing = [e for e in expect if e not in out]
            res.record("%s: leadd verify names the damage" % name, rc == 1 and not missing,
                       "exit %d, missing %r in:\n%s" % (rc, missing, out))
    return res.summary()


sys.exit(main())
