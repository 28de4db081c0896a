#!/usr/bin/python3
"""Attack (issue 15 seams): a forecast of as many rows as a rep can make.

A rep makes 2,000 leads of their own with 20 open opportunities each, each
expected to close in another month (1970-01 .. 5303-04: 40,000 months),
which takes seconds. Their manager's forecast by month:

  - answers OK within the frame (it answered INTERNAL "the answer was too
    large to send": one rep could break every forecast by month of their
    team, and the admin's), its rows in month order from the first, the
    rest counted in rows_left, and open_total still counting all 40,000;
  - took the event loop 2.5 s (each counter searched every row), now
    some 40 ms: the manager's pings during three such forecasts are
    answered within 1 s (7.6 s before; the bound leaves room for a loaded
    machine);
  - the forecast by owner is one row with the 40,000.
leadd verify passes at the end.

Usage: atk_opps_forecast_rows.py LEADD_BINARY PROTO_DIR"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atk_opps_lib import add_opps  # noqa: E402
from opp_lib import opp_create_fill  # noqa: E402
from leadd_harness import PingSampler  # noqa: E402
from leadd_harness import (Client, Results, add_team, add_user, create_many, desc,  # noqa: E402
                           ok_call, run_test)

PW = "atk-opps-forecast-pw"
FRAME = 1 << 20
LEADS = 2000
res = Results()


def month_day(m):
    return "%04d-%02d-01" % (1970 + m // 12, m % 12 + 1)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "east")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "east"),
                              q.team_edit.managers.items.append("m1")), "east managed by m1")
    r1 = Client(pb, d.port, user="r1", password=PW)
    ids = create_many(r1, LEADS, "r1")
    add_opps(r1, [opp_create_fill(lid, close_date=month_day(i * 20 + k))
                  for i, lid in enumerate(ids) for k in range(20)])
    m1 = Client(pb, d.port, user="m1", password=PW)
    pinger = Client(pb, d.port, user="m1", password=PW)
    # Raw frames meanwhile, parsed after: this process's own decoding
    # would hold up the pinger thread.
    frames = []
    with PingSampler(pinger, gap=0.002) as sampler:
        for _ in range(3):
            m1.send(lambda q: setattr(q.forecast, "by", pb.FORECAST_BY_MONTH))
        for _ in range(3):
            (n,) = struct.unpack(">I", m1._exact(4))
            frames.append(m1._exact(n))
    worst = sampler.worst()
    msg = pb.ServerMessage()
    msg.ParseFromString(frames[0])
    r = msg.response
    f = r.forecast
    keys = [row.key for row in f.rows]
    total = next((a for a in f.open_total if a.currency == "EUR"), None)
    res.record("the forecast by month of 40,000 months answers OK within the frame",
               r.code == pb.OK and len(r.SerializeToString()) < FRAME,
               "%s, %d bytes" % (desc(pb, r), len(r.SerializeToString())))
    res.record("its rows are the first months in order, the rest in rows_left",
               keys == [month_day(m)[:7] for m in range(len(keys))] and f.rows_left > 0 and
               len(keys) + f.rows_left == 20 * LEADS,
               "%d rows, rows_left %d, first %s last %s" % (
                   len(keys), f.rows_left, keys[:1], keys[-1:]))
    res.record("open_total counts all 40,000", total is not None and total.opps == 20 * LEADS,
               str(total))
    res.record("the manager's pings meanwhile answered within 1 s",
               worst < 1.0, "worst %.0f ms" % (worst * 1000))
    r = ok_call(m1, lambda q: setattr(q.forecast, "by", pb.FORECAST_BY_OWNER), "by owner")
    res.record("the forecast by owner: one row of 40,000, nothing left out",
               len(r.forecast.rows) == 1 and r.forecast.rows[0].open[0].opps == 20 * LEADS and
               not r.forecast.HasField("rows_left"), str(r.forecast.rows[:1]))


if __name__ == "__main__":
    run_test(res, "atk_opps_forecast_rows", run)
