#!/usr/bin/python3
"""Opportunity writes (issue 15): opp_create, opp_edit, opp_won, opp_lost.

Usage: opp_write.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1 with the default statuses (lead-New,
lead-Qualified, lead-Dead, prospect-Qualified, prospect-Lost, customer-Won),
team east (manager m1, rep r1) and team west (rep r3):
- create: a lead at the lead stage converts to prospect-Qualified in the
  same change (one history entry of kind "opportunity", op "added", with
  the status change; the KPI counts and the converted flow follow); the
  second opportunity converts nothing; amount = sum of quantity x unit
  price; currency: the lead's value's (another refused), else the
  request's, else EUR; an unknown currency, no items, a nameless item, a
  quantity out of 1..1e9, a negative or missing unit price, a blank title,
  a bad date, a probability over 100, a product or a sum over
  OPP_AMOUNT_MAX are refused with sentences (the largest amount passes); a
  dead or lost lead refuses it ("reopen it first"); a stale lead version is
  ABORTED; a rep cannot add one to a lead they cannot see (NOT_FOUND).
- edit: items replace them all (amount recomputed), "" clears the close
  date, clear_probability, title; a no-op keeps the version; a stale opp
  version is ABORTED; probability and clear together refused.
- won: the lead moves to customer-Won (OppReply old/new status), the close
  date becomes the day given or today UTC; a won one is final (edit, won,
  lost refused); a future day is refused.
- lost: a reason is required (from the lists, or `other`); with another
  opportunity open (or won) the lead stays; the last open one lost moves
  the lead to prospect-Lost with the reason and closes its open activities.
- limits: 20 open at once, 100 per lead (the 21st / 101st refused).
- watch: LEAD_CHANGE_OPPORTUNITY events carry the opportunity and opp_op.
Ends with `leadd verify` passing."""
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc, ok_call,  # noqa: E402
                           pipeline, run_test)
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "opp-write-pw-1"
AMOUNT_MAX = (2**63 - 1) // 100 // 20
res = Results()


def item(name, qty, price):
    return (name, qty, price)


def fill_items(items_field, items):
    for it in items:
        x = items_field.add()
        if it[0] is not None:
            x.name = it[0]
        if it[1] is not None:
            x.quantity = it[1]
        if it[2] is not None:
            x.unit_price_minor = it[2]


def create(c, lead_id, items=(("Licence", 2, 50000),), **kw):
    def fill(q):
        q.opp_create.lead_id = lead_id
        fill_items(q.opp_create.items, items)
        for k, v in kw.items():
            setattr(q.opp_create, k, v)
    return c.call(fill)


def edit(c, opp_id, items=(), **kw):
    def fill(q):
        q.opp_edit.id = opp_id
        fill_items(q.opp_edit.items, items)
        for k, v in kw.items():
            setattr(q.opp_edit, k, v)
    return c.call(fill)


def won(c, opp_id, **kw):
    def fill(q):
        q.opp_won.id = opp_id
        for k, v in kw.items():
            setattr(q.opp_won, k, v)
    return c.call(fill)


def lost(c, opp_id, **kw):
    def fill(q):
        q.opp_lost.id = opp_id
        for k, v in kw.items():
            setattr(q.opp_lost, k, v)
    return c.call(fill)


def get_lead(c, lead_id):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lead_id), "lead_get").lead.lead


def history(c, lead_id):
    def fill(q):
        q.lead_history.id = lead_id
        q.lead_history.limit = 1000
    return list(ok_call(c, fill, "lead_history").lead_history.items)


def kpi(c, pb, since=None):
    def fill(q):
        q.kpi.SetInParent()
        if since is not None:
            q.kpi.since = since
    return ok_call(c, fill, "kpi").kpi


def class_count(k, pb, cls):
    for x in k.total.classes:
        if x.kpi_class == cls:
            return x.count
    return 0


def short(o):
    """An opportunity in one line, for a check's detail."""
    return "opp %d v%d %s %r %d %s date %r prob %s eff %d weighted %d reason %r" % (
        o.id, o.version, o.state, o.title, o.amount.amount_minor, o.amount.currency,
        o.close_date, o.probability if o.HasField("probability") else None,
        o.effective_probability, o.weighted_minor, o.lost_reason)


def today_utc():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def run(pb, d):
    t0 = int(time.time() * 1000) - 1000
    admin = Client(pb, d.port)
    S = {s.name: s.id for s in ok_call(admin, lambda q: q.status_list.SetInParent(),
                                       "status_list").status_list.statuses}
    add_team(admin, "east")
    add_team(admin, "west")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r3", pb.ROLE_REP, team="west", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "east"),
                              q.team_edit.managers.items.append("m1")), "east managed by m1")
    r1 = Client(pb, d.port, user="r1", password=PW)
    r3 = Client(pb, d.port, user="r3", password=PW)
    w = Watcher(pb, d.port, "m1", PW)
    watch_ok(w, ["leads"], "m1 watches leads")

    def new_lead(title, **kw):
        return ok_call(admin, lambda q: (setattr(q.lead_create, "title", title),
                                         setattr(q.lead_create, "owner", "r1"),
                                         [setattr(q.lead_create, k, v) for k, v in kw.items()]),
                       "lead_create " + title).lead.lead

    # ---- create, converting ----
    k0 = kpi(admin, pb)
    lead = new_lead("Acme deal")
    res.record("a new lead starts in lead-New", lead.status_id == S["lead-New"])
    r = create(r1, lead.id, items=(("Licence", 3, 12000), ("Setup", 1, 50000)),
               title="Acme licences", close_date="2027-01-15", expected_version=lead.version)
    o = r.opp.opp
    res.record("opp_create on a lead-stage lead answers OK", r.code == pb.OK, desc(pb, r))
    res.record("the amount is the sum of quantity x unit price, in EUR (no lead value)",
               o.amount.amount_minor == 86000 and o.amount.currency == "EUR" and
               [i.amount_minor for i in o.items] == [36000, 50000], str(o.amount))
    res.record("the new opportunity is open, on its lead, with its title and date",
               o.state == pb.OPP_OPEN and o.lead_id == lead.id and o.title == "Acme licences" and
               o.close_date == "2027-01-15" and o.id > 0, short(o))
    res.record("the lead converted to prospect-Qualified in the same change",
               r.opp.lead.status_id == S["prospect-Qualified"] and
               r.opp.old_status == "lead-New" and r.opp.new_status == "prospect-Qualified" and
               r.opp.lead.version == lead.version + 1 and o.version == r.opp.lead.version,
               "%s -> %s, version %d -> %d, opp version %d" % (
                   r.opp.old_status, r.opp.new_status, lead.version, r.opp.lead.version,
                   o.version))
    res.record("the reply shows the effective probability and weighted amount (10 %)",
               o.effective_probability == 10 and o.weighted_minor == 8600 and
               o.status == "prospect-Qualified" and o.owner == "r1" and
               o.lead_title == "Acme deal", "%d %d %s %s" % (
                   o.effective_probability, o.weighted_minor, o.status, o.owner))
    h = history(admin, lead.id)
    last = h[-1]
    st = [(c.old_value, c.new_value) for c in last.changes if c.field == "status"]
    res.record("one history entry: kind opportunity, op added, with the status change",
               len(h) == 2 and last.kind == "opportunity" and last.opp_op == "added" and
               last.opportunity.id == o.id and last.opportunity.title == "Acme licences" and
               st == [("lead-New", "prospect-Qualified")],
               "%d entries, last %s %s %s" % (len(h), last.kind, last.opp_op, st))
    k1 = kpi(admin, pb, since=t0)
    res.record("KPI: the lead counts as a prospect, no longer new",
               class_count(k1, pb, pb.KPI_PROSPECT) == class_count(k0, pb, pb.KPI_PROSPECT) + 1
               and class_count(k1, pb, pb.KPI_NEW) == class_count(k0, pb, pb.KPI_NEW),
               "prospect %d new %d" % (class_count(k1, pb, pb.KPI_PROSPECT),
                                       class_count(k1, pb, pb.KPI_NEW)))
    res.record("KPI flow: one conversion", k1.flow.converted == 1, str(k1.flow.converted))
    evs = w.until(lambda e: e.change == pb.LEAD_CHANGE_OPPORTUNITY and e.lead_id == lead.id)
    ev = evs[-1]
    res.record("the watch: LEAD_CHANGE_OPPORTUNITY with the opportunity and op added",
               ev.opportunity.id == o.id and ev.opp_op == "added" and
               ev.new_status == "prospect-Qualified" and ev.old_status == "lead-New",
               "%s %s %s" % (ev.opportunity.id, ev.opp_op, ev.new_status))

    r = create(r1, lead.id, items=(("Support", 12, 1000),))
    o2 = r.opp.opp
    res.record("the second opportunity converts nothing (no old/new status)",
               r.code == pb.OK and r.opp.lead.status_id == S["prospect-Qualified"] and
               not r.opp.HasField("old_status") and not r.opp.HasField("new_status") and
               o2.title == "Acme deal", desc(pb, r) + " " + r.opp.new_status)
    k2 = kpi(admin, pb, since=t0)
    res.record("KPI flow: still one conversion", k2.flow.converted == 1, str(k2.flow.converted))
    h = history(admin, lead.id)
    res.record("its history entry has no status change",
               h[-1].kind == "opportunity" and not [c for c in h[-1].changes if c.field == "status"],
               str([c.field for c in h[-1].changes]))

    # ---- currency ----
    usd = new_lead("Dollar deal")
    ok_call(admin, lambda q: (setattr(q.lead_update, "id", usd.id),
                              setattr(q.lead_update, "expected_version", usd.version),
                              setattr(q.lead_update.value, "amount_minor", 100000),
                              setattr(q.lead_update.value, "currency", "USD")), "value USD")
    r = create(r1, usd.id)
    res.record("a lead with a value gives its currency",
               r.code == pb.OK and r.opp.opp.amount.currency == "USD", desc(pb, r))
    res.record("creating an opportunity leaves the lead's value alone",
               r.opp.lead.value.amount_minor == 100000 and r.opp.lead.value.currency == "USD",
               str(r.opp.lead.value))
    r = create(r1, usd.id, currency="EUR")
    res.record("another currency than the lead's value's is refused",
               r.code == pb.INVALID_ARGUMENT and "USD" in r.message, desc(pb, r))
    jpy = new_lead("Yen deal")
    r = create(r1, jpy.id, currency="JPY", items=(("Box", 5, 300),))
    res.record("a lead without a value takes the request's currency",
               r.code == pb.OK and r.opp.opp.amount.currency == "JPY" and
               r.opp.opp.amount.amount_minor == 1500, desc(pb, r))
    bad = new_lead("Bad input deal")
    r = create(r1, bad.id, currency="EUX")
    res.record("an unknown currency is refused", r.code == pb.INVALID_ARGUMENT and
               "ISO 4217" in r.message, desc(pb, r))

    # ---- refusals ----
    cases = [
        ("no items", dict(items=()), pb.INVALID_ARGUMENT, "at least one item"),
        ("an item without a name", dict(items=((None, 1, 5),)), pb.INVALID_ARGUMENT, "no name"),
        ("a blank item name", dict(items=(("  ", 1, 5),)), pb.INVALID_ARGUMENT, "no name"),
        ("quantity 0", dict(items=(("A", 0, 5),)), pb.INVALID_ARGUMENT, "whole number"),
        ("quantity over 1e9", dict(items=(("A", 10**9 + 1, 5),)), pb.INVALID_ARGUMENT,
         "whole number"),
        ("no quantity", dict(items=(("A", None, 5),)), pb.INVALID_ARGUMENT, "quantity"),
        ("a negative unit price", dict(items=(("A", 1, -1),)), pb.INVALID_ARGUMENT,
         "unit price"),
        ("no unit price", dict(items=(("A", 1, None),)), pb.INVALID_ARGUMENT, "unit price"),
        ("a product over the largest amount", dict(items=(("A", 10**9, 10**8),)),
         pb.INVALID_ARGUMENT, "too large"),
        ("a product past int64", dict(items=(("A", 10**9, 2**62),)), pb.INVALID_ARGUMENT,
         "too large"),
        ("a sum over the largest amount",
         dict(items=(("A", 1, AMOUNT_MAX), ("B", 1, 1))), pb.INVALID_ARGUMENT, "too large"),
        ("101 items", dict(items=tuple(("I%d" % i, 1, 1) for i in range(101))),
         pb.INVALID_ARGUMENT, "100"),
        ("a blank title", dict(title="   "), pb.INVALID_ARGUMENT, "title"),
        ("a title of 201 bytes", dict(title="x" * 201), pb.INVALID_ARGUMENT, "200"),
        ("a title on two lines", dict(title="a\nb"), pb.INVALID_ARGUMENT, "one line"),
        ("an item name of 201 bytes", dict(items=(("n" * 201, 1, 1),)), pb.INVALID_ARGUMENT,
         "200"),
        ("a bad date", dict(close_date="2027-02-30"), pb.INVALID_ARGUMENT, "YYYY-MM-DD"),
        ("a date with a time", dict(close_date="2027-01-01T10:00"), pb.INVALID_ARGUMENT,
         "YYYY-MM-DD"),
        ("probability 101", dict(probability=101), pb.INVALID_ARGUMENT, "0 to 100"),
        ("a stale lead version", dict(expected_version=1), pb.ABORTED, "read it again"),
    ]
    for name, kw, code, word in cases:
        items = kw.pop("items", (("Licence", 1, 100),))
        r = create(r1, bad.id, items=items, **kw)
        res.record("opp_create refuses %s" % name, r.code == code and word in r.message and
                   not re.search(r"[a-z]+_[a-z_]+[.][a-z]", r.message),
                   desc(pb, r))
    after = get_lead(admin, bad.id)
    res.record("refused creates changed nothing", after.version == bad.version and
               after.status_id == S["lead-New"] and not after.open_opps, str(after.version))
    r = create(r1, bad.id, items=(("Max", 1, AMOUNT_MAX),))
    res.record("the largest amount passes", r.code == pb.OK and
               r.opp.opp.amount.amount_minor == AMOUNT_MAX, desc(pb, r))
    r = create(r3, lead.id)
    res.record("a rep of another team gets NOT_FOUND", r.code == pb.NOT_FOUND and
               "not found" in r.message, desc(pb, r))
    r = create(r1, 0)
    res.record("no lead id is refused", r.code == pb.INVALID_ARGUMENT, desc(pb, r))

    dead = new_lead("Dead deal")
    ok_call(admin, lambda q: (setattr(q.lead_set_status, "id", dead.id),
                              setattr(q.lead_set_status, "status", "lead-Dead"),
                              setattr(q.lead_set_status, "reason", "gone"),
                              setattr(q.lead_set_status, "other", True)), "to dead")
    r = create(r1, dead.id)
    res.record("a dead lead refuses opp_create: reopen it first",
               r.code == pb.FAILED_PRECONDITION and "reopen it first" in r.message and
               "lead reopen %d" % dead.id in r.message, desc(pb, r))

    # ---- edit ----
    r = edit(r1, o.id, items=(("Licence", 10, 12000),), expected_version=o.version)
    e = r.opp.opp
    res.record("edit: items replace them all and the amount follows",
               r.code == pb.OK and e.amount.amount_minor == 120000 and len(e.items) == 1 and
               e.version > o.version and e.title == "Acme licences", desc(pb, r))
    r = edit(r1, o.id, expected_version=o.version, title="late")
    res.record("edit with a stale version is ABORTED", r.code == pb.ABORTED and
               "read it again" in r.message, desc(pb, r))
    r = edit(r1, o.id, title="Acme licences", close_date="2027-01-15")
    res.record("a no-op edit keeps the version", r.code == pb.OK and
               r.opp.opp.version == e.version, desc(pb, r))
    r = edit(r1, o.id, close_date="", probability=40)
    e = r.opp.opp
    res.record("\"\" clears the close date; an own probability weighs it",
               r.code == pb.OK and not e.close_date and e.probability == 40 and
               e.effective_probability == 40 and e.weighted_minor == 48000, short(e))
    r = edit(r1, o.id, clear_probability=True, title="Acme licences, 10 seats")
    e = r.opp.opp
    res.record("clear_probability goes back to the status's; title changes",
               r.code == pb.OK and not e.HasField("probability") and
               e.effective_probability == 10 and e.title == "Acme licences, 10 seats", short(e))
    r = edit(r1, o.id, clear_probability=True, probability=5)
    res.record("probability and clear together are refused", r.code == pb.INVALID_ARGUMENT,
               desc(pb, r))
    r = edit(r1, o.id, items=(("A", 1, AMOUNT_MAX), ("B", 1, 1)))
    res.record("edit refuses an amount too large", r.code == pb.INVALID_ARGUMENT and
               "too large" in r.message, desc(pb, r))
    r = edit(r1, 999999)
    res.record("edit of an unknown opportunity is NOT_FOUND", r.code == pb.NOT_FOUND and
               "opportunity 999999" in r.message, desc(pb, r))
    h = history(admin, lead.id)
    res.record("edits are history entries of op edited",
               [x.opp_op for x in h if x.kind == "opportunity"] ==
               ["added", "added", "edited", "edited", "edited"],
               str([x.opp_op for x in h if x.kind == "opportunity"]))

    # ---- lost with another open: the lead stays ----
    r = lost(r1, o2.id)
    res.record("lost without a reason is FAILED_PRECONDITION", r.code == pb.FAILED_PRECONDITION
               and "needs a reason" in r.message, desc(pb, r))
    r = lost(r1, o2.id, reason="never heard of it")
    res.record("a reason the lists lack needs `other`", r.code == pb.FAILED_PRECONDITION and
               "own words" in r.message, desc(pb, r))
    r = lost(r1, o2.id, other=True)
    res.record("`other` without text is refused", r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = lost(r1, o2.id, reason="Chose a rival", other=True)
    res.record("lost with another open: the lead stays, no old/new status",
               r.code == pb.OK and r.opp.opp.state == pb.OPP_LOST and
               r.opp.opp.lost_reason == "Chose a rival" and
               r.opp.lead.status_id == S["prospect-Qualified"] and
               not r.opp.HasField("new_status") and r.opp.opp.close_date == today_utc(),
               desc(pb, r) + " " + str(r.opp.opp.close_date))
    for name, rr in (("edit", edit(r1, o2.id, title="again")), ("won", won(r1, o2.id)),
                     ("lost", lost(r1, o2.id, reason="x", other=True))):
        res.record("a lost opportunity is final: %s refused" % name,
                   rr.code == pb.FAILED_PRECONDITION and "final" in rr.message, desc(pb, rr))

    # ---- won ----
    # Tomorrow (UTC) is taken, so a client ahead of UTC may send its local
    # date; the day after is the first refused.
    tomorrow2 = (datetime.datetime.now(datetime.timezone.utc) +
                 datetime.timedelta(days=2)).strftime("%Y-%m-%d")
    r = won(r1, o.id, close_date=tomorrow2)
    res.record("won on the day after tomorrow (UTC) is refused",
               r.code == pb.INVALID_ARGUMENT and "future" in r.message, desc(pb, r))
    r = won(r1, o.id, close_date="2026-12-01", expected_version=1)
    res.record("won with a stale version is ABORTED", r.code == pb.ABORTED, desc(pb, r))
    r = won(r1, o.id, close_date="2026-12-01")
    res.record("won: the lead moves to customer-Won in the same change",
               r.code == pb.OK and r.opp.opp.state == pb.OPP_WON and
               r.opp.lead.status_id == S["customer-Won"] and
               r.opp.old_status == "prospect-Qualified" and r.opp.new_status == "customer-Won"
               and r.opp.opp.close_date == "2026-12-01" and r.opp.opp.won_owner_id > 0,
               desc(pb, r) + " " + r.opp.new_status)
    res.record("no open opportunity is left on the lead", not r.opp.lead.open_opps,
               str(r.opp.lead.open_opps))
    h = history(admin, lead.id)
    st = [(c.old_value, c.new_value) for c in h[-1].changes if c.field == "status"]
    res.record("the won entry carries the status change",
               h[-1].opp_op == "won" and st == [("prospect-Qualified", "customer-Won")], str(st))
    r = won(r1, o.id)
    res.record("won twice is refused (final)", r.code == pb.FAILED_PRECONDITION and
               "final" in r.message, desc(pb, r))

    # ---- lost, the last one: the lead moves to prospect-Lost ----
    lone = new_lead("Lone deal")
    ok_call(admin, lambda q: (setattr(q.activity_add, "lead_id", lone.id),
                              setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                              setattr(q.activity_add, "title", "call back"),
                              setattr(q.activity_add, "at", int(time.time() * 1000) + 86400000)),
            "task")
    r = create(r1, lone.id)
    lo = r.opp.opp
    r = lost(r1, lo.id, reason="No budget", other=True, close_date="2026-11-30")
    lead_after = get_lead(admin, lone.id)
    res.record("the last open one lost: the lead moves to prospect-Lost with the reason",
               r.code == pb.OK and r.opp.new_status == "prospect-Lost" and
               r.opp.old_status == "prospect-Qualified" and
               lead_after.status_id == S["prospect-Lost"] and
               lead_after.status_reason == "No budget" and
               r.opp.opp.close_date == "2026-11-30", desc(pb, r))
    acts = ok_call(admin, lambda q: setattr(q.activity_list, "lead_id", lone.id),
                   "activity_list").activity_list.activities
    res.record("and its open activities are closed", [a.state for a in acts] ==
               [pb.ACTIVITY_CLOSED], str([a.state for a in acts]))
    r = create(r1, lone.id)
    res.record("a lost lead refuses a new opportunity: reopen it first",
               r.code == pb.FAILED_PRECONDITION and "reopen" in r.message, desc(pb, r))
    evs = w.until(lambda e: e.change == pb.LEAD_CHANGE_OPPORTUNITY and e.opp_op == "lost" and
                  e.lead_id == lone.id)
    res.record("the watch shows op lost with the opportunity",
               evs[-1].opportunity.state == pb.OPP_LOST and
               evs[-1].opportunity.lost_reason == "No budget", short(evs[-1].opportunity))

    # ---- won on a dead lead: the sale happened, the lead leaves dead ----
    gone = new_lead("Gone quiet")
    og = create(r1, gone.id).opp.opp
    ok_call(r1, lambda q: (setattr(q.lead_set_status, "id", gone.id),
                           setattr(q.lead_set_status, "status", "lead-Dead"),
                           setattr(q.lead_set_status, "reason", "no answer"),
                           setattr(q.lead_set_status, "other", True)), "the lead dies")
    r = won(r1, og.id, close_date="2026-01-15")
    lead_after = get_lead(admin, gone.id)
    res.record("won on a dead lead, on a day long past: allowed; the lead leaves dead "
               "for customer-Won and loses its reason",
               r.code == pb.OK and r.opp.old_status == "lead-Dead" and
               r.opp.new_status == "customer-Won" and r.opp.opp.close_date == "2026-01-15"
               and lead_after.status_id == S["customer-Won"] and
               not lead_after.HasField("status_reason"), desc(pb, r))

    # ---- limits: 20 open, 100 in all ----
    big = new_lead("Big deal")
    first = create(r1, big.id)
    ok_call(r1, lambda q: setattr(q.opp_won, "id", first.opp.opp.id), "win the first")
    made = 1
    refused21 = None
    while made < 100:
        n = min(20, 100 - made)
        answers = pipeline(r1, [lambda q, i=i: (
            setattr(q.opp_create, "lead_id", big.id),
            fill_items(q.opp_create.items, (("Seat %d" % i, 1, 100),))) for i in range(n)])
        bad_ans = [a for a in answers if a.code != pb.OK]
        if bad_ans:
            res.record("creating opportunities %d.." % made, False, desc(pb, bad_ans[0]))
            return
        made += n
        if n == 20 and refused21 is None:
            refused21 = create(r1, big.id)
        answers = pipeline(r1, [lambda q, a=a: (
            setattr(q.opp_lost, "id", a.opp.opp.id), setattr(q.opp_lost, "reason", "batch"),
            setattr(q.opp_lost, "other", True)) for a in answers])
        bad_ans = [a for a in answers if a.code != pb.OK or a.opp.HasField("new_status")]
        if bad_ans:
            res.record("losing opportunities (the lead stays: one is won)", False,
                       desc(pb, bad_ans[0]))
            return
    res.record("the 21st open opportunity is refused", refused21.code == pb.FAILED_PRECONDITION
               and "20 open" in refused21.message, desc(pb, refused21))
    r = create(r1, big.id)
    res.record("the 101st opportunity of a lead is refused", r.code == pb.FAILED_PRECONDITION
               and "100 opportunities" in r.message, desc(pb, r))
    res.record("the lead stayed customer-Won throughout",
               get_lead(admin, big.id).status_id == S["customer-Won"])
    for c in (admin, r1, r3, w):
        c.close()


if __name__ == "__main__":
    run_test(res, "opp_write", run)
