#!/usr/bin/python3
"""Reading opportunities (issue 15): opp_get, opp_list, lead_get's opps.

Usage: opp_read.py LEADD_BINARY PROTO_DIR

Team east (pool shown; manager m1, reps r1, r2), team west (pool not
shown; manager m2, rep r3). Leads: A (r1) with three opportunities (two
items closing 2027-03-01; one closing 2027-01-10, then won; one without a
date and its own probability of 50 %), B (r2, one closing 2027-01-10, then
lost), C (r3, 2027-02-01), P (east's pool, 2027-01-20), W (west's pool,
2027-01-05).
- opp_get: items, the fields filled from the lead (title, owner, status,
  the effective probability and weighted amount), the lead in the reply; one on a lead the caller may not see is
  NOT_FOUND, as an unknown id; no id is INVALID_ARGUMENT.
- lead_get: the lead's opportunities newest first, without items.
- opp_list: exactly what each role may see (a rep their own and a shown
  pool, a manager their teams, an admin all), by close date then id, those
  without a date last; state, closing_before, owner and team filters, and
  their refusals (PERMISSION_DENIED, NOT_FOUND, INVALID_ARGUMENT); paging
  by 1 and 2 gives the whole list once; a cursor of other filters, a bad
  cursor and a limit over 1000 are refused; a reassigned lead's
  opportunities follow it to its new owner's listing.
Ends with `leadd verify` passing."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, ok_call, run_test  # noqa: E402
from opp_lib import opp_create, opp_list_all, opp_list_call, opp_lost, opp_won  # noqa: E402

PW = "opp-read-pw-1"
res = Results()
NO_DATE = "9999-99-99"  # sorts after every date


def order_key(o):
    return (o.close_date or NO_DATE, o.id)


def ids(opps):
    return [o.id for o in opps]


def get(c, opp_id):
    return c.call(lambda q: setattr(q.opp_get, "id", opp_id))


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "east", pool_visible=True)
    add_team(admin, "west")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r2", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "m2", pb.ROLE_MANAGER, team="west", password=PW)
    add_user(admin, "r3", pb.ROLE_REP, team="west", password=PW)
    who = {n: Client(pb, d.port, user=n, password=PW) for n in ("m1", "r1", "r2", "m2", "r3")}
    who["admin"] = admin
    r1, r3, m1 = who["r1"], who["r3"], who["m1"]

    def lead(title, owner, team=None):
        r = admin.create(title, owner=owner, team=team)
        if r.code:
            raise RuntimeError("lead_create %s: %s" % (title, desc(pb, r)))
        return r.lead.lead

    A, B, C = lead("A", "r1"), lead("B", "r2"), lead("C", "r3")
    P, W = lead("P", None, "east"), lead("W", None, "west")
    a1 = opp_create(r1, A.id, items=(("Licence", 2, 50000), ("Setup", 1, 12345)),
                    close_date="2027-03-01").opp
    a2 = opp_create(r1, A.id, close_date="2027-01-10").opp
    a3 = opp_create(r1, A.id, items=(("Support", 3, 1001),), probability=50).opp
    b1 = opp_create(who["r2"], B.id, close_date="2027-01-10").opp
    c1 = opp_create(r3, C.id, close_date="2027-02-01").opp
    p1 = opp_create(admin, P.id, close_date="2027-01-20").opp
    w1 = opp_create(admin, W.id, close_date="2027-01-05").opp
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")

    # ---- opp_get ----
    r = get(r1, a1.id)
    o = r.opp.opp
    amount = 2 * 50000 + 12345
    res.record("opp_get gives the items and their amounts",
               r.code == 0 and [(i.name, i.quantity, i.unit_price_minor, i.amount_minor)
                                for i in o.items] == [("Licence", 2, 50000, 100000),
                                                      ("Setup", 1, 12345, 12345)]
               and o.amount.amount_minor == amount, desc(pb, r) + str(o))
    res.record("opp_get fills the lead's title, owner and status",
               o.lead_title == "A" and o.owner == "r1" and o.owner_id == A.owner_id
               and o.status == "prospect-Qualified" and r.opp.lead.id == A.id
               and r.opp.lead.title == "A", str(o))
    res.record("an open one weighs with the status's 10 %: effective 10, weighted rounded",
               o.HasField("effective_probability") and o.effective_probability == 10
               and o.weighted_minor == (amount * 10 + 50) // 100, str(o))
    o3 = get(r1, a3.id).opp.opp
    res.record("its own probability weighs it (50 %)",
               o3.effective_probability == 50 and o3.weighted_minor == (3 * 1001 * 50 + 50) // 100,
               str(o3))
    a2 = opp_won(r1, a2.id).opp
    b1 = opp_lost(who["r2"], b1.id).opp
    o2 = get(r1, a2.id).opp.opp
    res.record("a won one: its close date is the day won, its fields filled from the lead "
               "(now at customer-Won)",
               o2.state == pb.OPP_WON and o2.close_date == today and o2.status == "customer-Won"
               and o2.HasField("effective_probability"), str(o2))
    for c, opp, what in ((r3, a1, "r3 reading r1's"), (r1, c1, "r1 reading r3's"),
                         (r3, w1, "r3 reading west's hidden pool's"),
                         (who["m2"], p1, "m2 reading east's pool's")):
        r = get(c, opp.id)
        res.record("opp_get: %s opportunity is NOT_FOUND" % what,
                   r.code == pb.NOT_FOUND and "not found" in r.message, desc(pb, r))
    r = get(m1, b1.id)
    res.record("opp_get: a manager reads their team's", r.code == 0 and r.opp.opp.owner == "r2",
               desc(pb, r))
    r = get(admin, 10 ** 9)
    res.record("opp_get: an unknown id is NOT_FOUND", r.code == pb.NOT_FOUND, desc(pb, r))
    r = admin.call(lambda q: q.opp_get.SetInParent())
    res.record("opp_get: no id is INVALID_ARGUMENT", r.code == pb.INVALID_ARGUMENT, desc(pb, r))

    # ---- lead_get ----
    r = ok_call(r1, lambda q: setattr(q.lead_get, "id", A.id), "lead_get A")
    got = r.lead.opps
    res.record("lead_get lists the lead's opportunities newest first",
               ids(got) == [a3.id, a2.id, a1.id], str(ids(got)))
    res.record("lead_get's opportunities carry no items but their amount and state",
               all(len(x.items) == 0 for x in got) and got[2].amount.amount_minor == amount
               and got[1].state == pb.OPP_WON and got[0].effective_probability == 50
               and got[2].lead_title == "A", str(got))
    r = ok_call(r3, lambda q: setattr(q.lead_get, "id", C.id), "lead_get C")
    res.record("lead_get of a lead with one", ids(r.lead.opps) == [c1.id], str(r.lead))

    # ---- opp_list: who sees what ----
    every = [a1, a2, a3, b1, c1, p1, w1]
    byid = {o.id: get(admin, o.id).opp.opp for o in every}
    want = {
        "r1": [a1, a2, a3, p1], "r2": [b1, p1], "r3": [c1], "m1": [a1, a2, a3, b1, p1],
        "m2": [c1, w1], "admin": every,
    }
    for name, opps in want.items():
        got, _ = opp_list_all(who[name])
        exp = sorted((byid[o.id] for o in opps), key=order_key)
        res.record("opp_list as %s: exactly theirs, by close date then id" % name,
                   ids(got) == ids(exp), "got %s, want %s" % (ids(got), ids(exp)))
    got, _ = opp_list_all(admin)
    res.record("opp_list: those without a date come last",
               got[-1].id == a3.id and not got[-1].close_date, str(ids(got)))
    res.record("opp_list fills each from its lead",
               all(o.lead_title and o.status for o in got)
               and [o.owner for o in got if o.id == p1.id] == [""], str(got))

    # ---- filters ----
    def expect(c, kw, opps, what):
        got, _ = opp_list_all(c, **kw)
        exp = sorted((byid[o.id] for o in opps), key=order_key)
        res.record("opp_list %s" % what, ids(got) == ids(exp),
                   "got %s, want %s" % (ids(got), ids(exp)))

    expect(admin, {"state": pb.OPP_OPEN}, [a1, a3, c1, p1, w1], "state open")
    expect(admin, {"state": pb.OPP_WON}, [a2], "state won")
    expect(admin, {"state": pb.OPP_LOST}, [b1], "state lost")
    expect(m1, {"closing_before": "2027-02-01"},
           [o for o in (a1, a2, a3, b1, p1) if byid[o.id].close_date
            and byid[o.id].close_date < "2027-02-01"], "closing_before (exclusive, dated only)")
    expect(admin, {"closing_before": "2027-02-02", "state": pb.OPP_OPEN}, [c1, p1, w1],
           "closing_before with a state")
    expect(m1, {"owner": "r1"}, [a1, a2, a3], "owner (a manager naming a rep of theirs)")
    expect(r1, {"owner": "R1"}, [a1, a2, a3], "owner (a rep naming themselves, any case)")
    expect(admin, {"team": "east"}, [a1, a2, a3, b1, p1], "team (admin)")
    expect(r1, {"team": "east"}, [a1, a2, a3, p1], "team (a rep: their own and the pool)")
    expect(admin, {"team": "west", "owner": "r3"}, [c1], "owner and team")
    expect(admin, {"team": "east", "owner": "r3"}, [], "owner and team with none")
    for c, kw, code, what in (
            (r1, {"owner": "r2"}, pb.PERMISSION_DENIED, "a rep naming another"),
            (r1, {"owner": "nobody"}, pb.PERMISSION_DENIED, "a rep naming no one"),
            (r1, {"team": "west"}, pb.PERMISSION_DENIED, "a rep naming another team"),
            (m1, {"team": "west"}, pb.PERMISSION_DENIED, "a manager naming another team"),
            (m1, {"owner": "r3"}, pb.PERMISSION_DENIED, "a manager naming another team's rep"),
            (admin, {"owner": "nobody"}, pb.NOT_FOUND, "no such user"),
            (admin, {"team": "nope"}, pb.NOT_FOUND, "no such team"),
            (admin, {"limit": 1001}, pb.INVALID_ARGUMENT, "a limit over 1000"),
            (admin, {"closing_before": "2027-02-30"}, pb.INVALID_ARGUMENT, "a bad date")):
        r = opp_list_call(c, **kw)
        res.record("opp_list refuses %s" % what,
                   r.code == code and r.message and "_" not in r.message, desc(pb, r))

    # ---- paging ----
    full, _ = opp_list_all(admin)
    for limit in (1, 2):
        got, pages = opp_list_all(admin, limit=limit)
        res.record("opp_list by %d: the whole list once" % limit,
                   ids(got) == ids(full) and pages >= len(full) // limit,
                   "%s in %d pages" % (ids(got), pages))
    got, _ = opp_list_all(m1, limit=1, state=pb.OPP_OPEN)
    res.record("opp_list paging with a filter",
               ids(got) == ids(sorted((byid[o.id] for o in (a1, a3, p1)), key=order_key)),
               str(ids(got)))
    first = opp_list_call(admin, limit=2, state=pb.OPP_OPEN)
    r = opp_list_call(admin, first.opp_list.cursor, limit=2, state=pb.OPP_WON)
    res.record("a cursor of other filters is refused",
               first.opp_list.cursor and r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = opp_list_call(admin, b"junk", limit=2)
    res.record("a cursor no opportunity list gave is refused", r.code == pb.INVALID_ARGUMENT,
               desc(pb, r))
    last = opp_list_call(admin, limit=len(full))
    res.record("a page that ends the list has no cursor",
               last.code == 0 and len(last.opp_list.opps) == len(full)
               and not last.opp_list.cursor and last.opp_list.revision > 0, desc(pb, last))

    # ---- a reassigned lead's opportunities follow it ----
    ok_call(m1, lambda q: (setattr(q.lead_assign, "id", A.id),
                           setattr(q.lead_assign, "to_user", "r2")), "assign A to r2")
    got1, _ = opp_list_all(r1)
    got2, _ = opp_list_all(who["r2"], state=pb.OPP_OPEN)
    res.record("reassigned: the lead's opportunities leave r1's listing and join r2's",
               ids(got1) == [p1.id] and set(ids(got2)) == {a1.id, a3.id, p1.id},
               "r1 %s, r2 %s" % (ids(got1), ids(got2)))
    r = get(r1, a1.id)
    res.record("and r1 may no longer read them", r.code == pb.NOT_FOUND, desc(pb, r))
    o = get(who["r2"], a1.id).opp.opp
    res.record("opp_get names the new owner", o.owner == "r2", str(o))


run_test(res, "opp_read", run)
