#!/usr/bin/python3
"""The forecast's won period at month ends (issue 15), under a moved clock.

Usage: forecast_month_end.py LEADD_FAULT_TEST_BINARY PROTO_DIR LEAD_BINARY

leadd-fault-test reads its clock shift from LEADD_FAULT_CLOCK_FILE
(docs/operations.md), so opportunities are won at chosen instants:
23:59:59.900 UTC on a month's last day, 00:00:00.000 UTC on the next
month's first, across the year change (2026-12-31 -> 2027-01-01), the end
of a non-leap February (2027-02-28 -> 2027-03-01) and of a leap one
(2028-02-28 is not its end; 2028-02-29 -> 2028-03-01). opp_won without a
day dates the opportunity with the UTC day of leadd's clock; the forecast
counts it in the won period (days, both included) holding that day.

Users and opportunities are made with leadd's clock at 2026-12-20, so
the test does not depend on the real date (but for what `lead` reads from
the real clock). User "closer" wins the opportunities, each of its own
amount, so a sum says exactly which ones a period holds; the model (each
opportunity's day, checked against the UTC day Python works out from the
clock's instant and from its closed_at) gives the figures each answer must
equal. A won request that lands after midnight on a slow machine is told
apart (its closed_at) and tried again on another opportunity, which the
model counts where it landed. User "planner" has open opportunities
closing on the last and first days of adjacent months: `by` month puts
each in its own month.

Checks: the default period (no bounds) is the shifted clock's UTC month,
at 23:59:59 of its last day and at 00:00:00.000 of the next month's first;
explicit bounds spanning a month end or the year end; one bound alone;
2027-02-29 refused; by month for won and open opportunities. Through
`lead forecast` (which works out the period itself, in the local zone):
--from/--to across the year end, --to alone (from the first of its month)
on 2028-02-29, --from alone, the default local month, a non-UTC zone, and
the table. Ends with `leadd verify` passing."""
import calendar
import datetime
import json
import os
import sys
import tempfile
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import FaultClock as Clock  # noqa: E402
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, LeadCli, Leadd, Results,  # noqa: E402
                           add_user, desc, load_pb, ok_call)
from opp_lib import amounts, forecast, opp_create, opp_won  # noqa: E402

PW = "month-end-pw-1"
# leadd's clock while the users and opportunities are made (whatever the
# real date): before the first month end below.
SETUP_AT = "2026-12-20T12:00:00.000"
res = Results()


def check(name, got, want):
    res.record(name, got == want, "got %r, want %r" % (got, want))


def ms(s):
    """Unix ms of "YYYY-MM-DDTHH:MM:SS.fff" UTC."""
    d, t = s.split("T")
    hms, frac = t.split(".")
    sec = calendar.timegm(time.strptime(d + "T" + hms, "%Y-%m-%dT%H:%M:%S"))
    return sec * 1000 + int(frac)


def utc_day(t):
    return time.strftime("%Y-%m-%d", time.gmtime(t // 1000))


def utc_stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000)) + ".%03dZ" % (t % 1000)


def month_of(day):
    """(first, last) day of day's month."""
    y, m = int(day[:4]), int(day[5:7])
    return "%04d-%02d-01" % (y, m), "%04d-%02d-%02d" % (y, m, calendar.monthrange(y, m)[1])


def next_day(day):
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()


class World:
    """leadd's clock, the admin's session and the model of what closer won."""

    def __init__(self, pb, d, clock):
        self.pb, self.d, self.clock = pb, d, clock
        self.admin = Client(pb, d.port)
        self.pool = []  # closer's open opportunities, to win: (id, amount)
        self.won = []   # (day, amount, closed_at)

    def jump(self, t):
        """Days or months on: a fresh session (an old one would expire)."""
        self.clock.at(t)
        self.admin.close()
        self.admin = Client(self.pb, self.d.port)

    def win(self):
        """Win the next opportunity of the pool now; its Opportunity."""
        oid, amount = self.pool.pop(0)
        o = opp_won(self.admin, oid).opp
        self.won.append((o.close_date, amount, o.closed_at))
        return o

    def win_at(self, t):
        """An opportunity won at t exactly as leadd reads it (t, plus the
        time the request takes): a request that landed past the next
        midnight is tried again, at most four times. Its Opportunity."""
        tries = []
        for _ in range(4):
            self.clock.at(t)
            o = self.win()
            tries.append(o)
            if utc_day(o.closed_at) == utc_day(t):
                break
        if len(tries) > 1:
            print("note: %d tries to win at %s: closed_at %s" % (
                len(tries), utc_stamp(t), ", ".join(utc_stamp(o.closed_at) for o in tries)))
        return tries[-1]

    def won_in(self, frm, to):
        """The won_total the period [frm, to] must give: {"EUR": (opps, amount, 0, 0)}."""
        got = [a for day, a, _ in self.won if frm <= day <= to]
        return {"EUR": (len(got), sum(got), 0, 0)} if got else {}

    def fc(self, **kw):
        return forecast(self.admin, owner="closer", **kw)


def check_won_at(o, t, what):
    """o, won with the clock at t, is dated t's UTC day."""
    res.record("%s: dated %s (closed_at %s)" % (what, utc_day(t), utc_stamp(o.closed_at)),
               o.close_date == utc_day(t) and utc_day(o.closed_at) == utc_day(t)
               and t <= o.closed_at,
               "close_date %s, closed_at %s, clock set to %s" % (
                   o.close_date, utc_stamp(o.closed_at), utc_stamp(t)))


def check_period(w, what, f, frm, to):
    check(what + ": period %s .. %s and what was won in it" % (frm, to),
          (f.won_from, f.won_to, amounts(f.won_total)), (frm, to, w.won_in(frm, to)))


def month_end(w, last):
    """The month ending on `last`: one won at noon, the default period at
    23:59:59.000, one won at 23:59:59.900, one at 00:00:00.000 of the
    next month's first day, then the periods around the edge."""
    first, _ = month_of(last)
    new = next_day(last)
    _, new_last = month_of(new)
    w.jump(ms(last + "T12:00:00.000"))
    w.win()
    w.clock.at(ms(last + "T23:59:59.000"))
    check_period(w, "%s 23:59:59 UTC, no bounds: this month" % last, w.fc(), first, last)
    t = ms(last + "T23:59:59.900")
    late = w.win_at(t)
    check_won_at(late, t, "won at %s 23:59:59.9" % last)
    t = ms(new + "T00:00:00.000")
    w.clock.at(t)
    early = w.win()
    check_won_at(early, t, "won at %s 00:00:00.000" % new)
    check_period(w, "%s 00:00 UTC, no bounds: the new month" % new, w.fc(), new, new_last)
    # The last second's opportunity is in its month, not the next.
    check_period(w, "%s's month" % last, w.fc(won_from=first, won_to=last), first, last)
    check_period(w, "%s's month" % new, w.fc(won_from=new, won_to=new_last), new, new_last)
    check_period(w, "the last day alone", w.fc(won_from=last, won_to=last), last, last)
    check_period(w, "the first day alone", w.fc(won_from=new, won_to=new), new, new)
    check_period(w, "last and first day", w.fc(won_from=last, won_to=new), last, new)
    mid_old, mid_new = last[:8] + "15", new[:8] + "15"
    check_period(w, "the 15th to the 15th", w.fc(won_from=mid_old, won_to=mid_new),
                 mid_old, mid_new)
    check_period(w, "won_from alone: to the end of this (new) month",
                 w.fc(won_from=last), last, new_last)
    check_period(w, "won_to alone: from the first of this (new) month",
                 w.fc(won_to=new), new, new)
    f = w.fc(by=w.pb.FORECAST_BY_MONTH, won_from=first, won_to=new_last)
    check("by month over both months: a row each with its won",
          [(r.key, amounts(r.won)) for r in f.rows if r.won],
          [(last[:7], w.won_in(first, last)), (new[:7], w.won_in(new, new_last))])


OPEN = (("2026-12-31", 1100), ("2027-01-01", 1200), ("2027-01-31", 1300), ("2027-02-01", 1400),
        ("2027-02-28", 1500), ("2027-03-01", 1600), ("2028-02-29", 1700), ("2028-03-01", 1800))
# prospect-Qualified, 10 %: (opps, amount, weighted, weighted x 100).
OPEN_BY_MONTH = [("2026-12", {"EUR": (1, 1100, 110, 11000)}),
                 ("2027-01", {"EUR": (2, 2500, 250, 25000)}),
                 ("2027-02", {"EUR": (2, 2900, 290, 29000)}),
                 ("2027-03", {"EUR": (1, 1600, 160, 16000)}),
                 ("2028-02", {"EUR": (1, 1700, 170, 17000)}),
                 ("2028-03", {"EUR": (1, 1800, 180, 18000)})]


def open_by_month(w, what):
    f = forecast(w.admin, owner="planner", by=w.pb.FORECAST_BY_MONTH)
    check("by month, %s: the open ones closing on a last and a first day in their own "
          "months" % what, [(r.key, amounts(r.open)) for r in f.rows], OPEN_BY_MONTH)


def setup(w):
    pb, admin = w.pb, w.admin
    add_user(admin, "closer", pb.ROLE_REP, password=PW)
    add_user(admin, "planner", pb.ROLE_REP, password=PW)

    def lead(owner, title):
        def fill(q):
            q.lead_create.title = title
            q.lead_create.owner = owner
        return ok_call(admin, fill, "lead_create " + title).lead.lead
    for i in range(30):
        amount = 10000 + 100 * i
        o = opp_create(admin, lead("closer", "won %d" % i).id,
                       items=(("Licence", 1, amount),)).opp
        w.pool.append((o.id, amount))
    for day, amount in OPEN:
        opp_create(admin, lead("planner", "closing " + day).id,
                   items=(("Support", 1, amount),), close_date=day)
    open_by_month(w, "at %s" % SETUP_AT[:10])


def cli_forecast(cli, args, what):
    rc, out, err = cli.run(["--json", "forecast"] + args)
    if rc != 0:
        res.record(what, False, "%s: exit %d: %s" % (cli.line(args), rc, err.strip()))
        return None
    return json.loads(out)


def through_cli(w, lead, tmp):
    """`lead forecast` works out the period itself (local days; the local
    month by default) and sends both bounds."""
    cli = LeadCli(lead, tmp, w.d.port, ADMIN, ADMIN_PASSWORD, tz="UTC")

    def won(doc):
        """won_total as {currency: (opps, minor units)}: MONEY is
        {"amount", "minor", "currency"} (docs/cli.md)."""
        return {c: (v["opps"], v["amount"]["minor"]) for c, v in doc["won_total"].items()}

    def want(frm, to):
        return {c: v[:2] for c, v in w.won_in(frm, to).items()}

    for args, frm, to, what in (
            (["--from", "2026-12-31", "--to", "2027-01-01"], "2026-12-31", "2027-01-01",
             "--from and --to across the year end"),
            (["--to", "2028-02-29"], "2028-02-01", "2028-02-29",
             "--to 2028-02-29 alone: from the first of its month"),
            (["--to", "2027-03-01"], "2027-03-01", "2027-03-01",
             "--to a month's first day alone: that day"),
            (["--from", "2027-02-28"], "2027-02-28",
             max("2027-02-28", utc_day(int(time.time() * 1000))),
             "--from alone: to today (the real clock's, as lead reads it), or that day when "
             "later")):
        doc = cli_forecast(cli, ["--owner", "closer"] + args, what)
        if doc is not None:
            check("lead forecast %s" % what, (doc["won_from"], doc["won_to"], won(doc)),
                  (frm, to, want(frm, to)))
    rc, out, err = cli.run(["forecast", "--owner", "closer", "--from", "2027-02-29"])
    res.record("lead forecast --from 2027-02-29 is a usage error naming the date",
               rc == 2 and "2027-02-29" in err and not out,
               "exit %d: %s" % (rc, (out + err).splitlines()[0] if out + err else ""))
    # The table: the won months of a period across the year end.
    rc, out, err = cli.run(["forecast", "--owner", "closer", "--by", "month",
                            "--from", "2026-12-31", "--to", "2027-01-01"])
    lines = out.splitlines()
    head = [i for i, x in enumerate(lines) if x.startswith("closed won from 2026-12-31 to "
                                                           "2027-01-01:")]
    months = [x.split()[0] for x in lines[head[0] + 1:]] if head else []
    check("lead forecast --by month across the year end: the won table's rows",
          (rc, months), (0, ["MONTH", "2026-12", "2027-01", "total"]))
    # No bounds: the local month of the real clock (leadd's alone moved),
    # in a zone 14 hours ahead of UTC.
    far = LeadCli(lead, os.path.join(tmp, "kiritimati"), w.d.port, ADMIN, ADMIN_PASSWORD,
                  tz="Pacific/Kiritimati")
    def local_month():
        return month_of(datetime.datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati"))
                        .date().isoformat())
    before = local_month()
    doc = cli_forecast(far, ["--owner", "planner", "--by", "month"], "no bounds")
    # The month lead read is the one before the call or after it.
    months = {before, local_month()}
    if doc is not None:
        got = ((doc["won_from"], doc["won_to"]),
               [(r["key"], r["open"]["EUR"]["opps"]) for r in doc["rows"]])
        want = [(m, v["EUR"][0]) for m, v in OPEN_BY_MONTH]
        res.record("lead forecast, no bounds, UTC+14: the local month of the real clock; by "
                   "month the open ones", got[0] in months and got[1] == want,
                   "got %r, want one of %r and %r" % (got, sorted(months), want))


def run(pb, d, clock, lead, tmp):
    clock.at(ms(SETUP_AT))
    w = World(pb, d, clock)
    setup(w)
    # One won before the month ends, in December 2026's periods.
    w.win()
    month_end(w, "2026-12-31")
    month_end(w, "2027-02-28")
    r = w.admin.call(lambda q: (q.forecast.SetInParent(),
                                setattr(q.forecast, "won_to", "2027-02-29")))
    res.record("2027-02-29 is refused (2027 is not a leap year)",
               r.code == pb.INVALID_ARGUMENT and "2027-02-29" in r.message, desc(pb, r))
    # 2028 is a leap year: 02-28 23:59:59.9 is not the month's end.
    w.jump(ms("2028-02-28T23:59:00.000"))
    t = ms("2028-02-28T23:59:59.900")
    check_won_at(w.win_at(t), t, "won at 2028-02-28 23:59:59.9")
    t = ms("2028-02-29T00:00:00.000")
    w.clock.at(t)
    check_won_at(w.win(), t, "won at 2028-02-29 00:00:00.000")
    check_period(w, "2028-02-29 00:00 UTC, no bounds: February to the 29th", w.fc(),
                 "2028-02-01", "2028-02-29")
    check_period(w, "2028-02-28 .. 2028-02-29", w.fc(won_from="2028-02-28", won_to="2028-02-29"),
                 "2028-02-28", "2028-02-29")
    month_end(w, "2028-02-29")
    open_by_month(w, "with the clock at 2028-03-01")
    bad = [(day, utc_stamp(at)) for day, _, at in w.won if day != utc_day(at)]
    res.record("each of the %d won is dated the UTC day of its closed_at" % len(w.won),
               not bad, "dated apart: %r" % bad)
    through_cli(w, lead, tmp)


def main():
    binary, proto, lead = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="forecast_month_end.") as tmp:
        pb = load_pb(proto, tmp)
        clock = Clock(os.path.join(tmp, "clock"))
        d = Leadd(binary, tmp)
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
        d.start()
        try:
            run(pb, d, clock, lead, tmp)
        except Exception:
            d.stop("KILL")
            raise
        res.stop_and_verify(d, "leadd")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
