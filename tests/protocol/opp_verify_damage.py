#!/usr/bin/python3
"""Opportunities damaged on disk (issue 15): `leadd verify` names each.

Usage: opp_verify_damage.py LEADD_BINARY PROTO_DIR

A data directory with lead A (r1, an open opportunity o1 of two items in
EUR closing 2027-01-15, a second o3 without a date and its own
probability), lead B (r1, o2 won today), copied and damaged with
python3-lmdb, one case each: an opportunity record that does not decode,
an item's amount that is not quantity x price, an amount that is not the
sum of its items, a won one that does not say whose it was, a close date
that is no date; idx_opp_lead missing an entry, holding one under another
lead, naming an opportunity that does not exist; idx_opp holding one
under another owner, one of a stale state; a lead's open totals off by an
amount, missing an entry; an open counter off, missing, at zero; a won
counter off, missing; a forecast record of no known shape. The undamaged
copy passes verify."""
import datetime
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, damage_base, add_team, add_user, load_pb, ok_call, verify_damage_case  # noqa: E402
from opp_lib import opp_create, opp_won  # noqa: E402

PW = "opp-damage-pw-1"
res = Results()
IDS = {}


def be(n, size=8):
    return n.to_bytes(size, "big", signed=n < 0)


def day_of(s):
    return (datetime.date.fromisoformat(s) - datetime.date(1970, 1, 1)).days


def idx_val(state, day, opp_id):
    return bytes([state]) + be(day, 4) + be(opp_id)


def build(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "east")
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    r1 = Client(pb, d.port, user="r1", password=PW)
    a = r1.create("A", owner=None).lead.lead
    b = r1.create("B", owner=None).lead.lead
    o1 = opp_create(r1, a.id, items=(("Licence", 2, 50000), ("Setup", 1, 1234)),
                    close_date="2027-01-15").opp
    o3 = opp_create(r1, a.id, items=(("Support", 1, 999),), probability=40).opp
    o2 = opp_create(r1, b.id, items=(("Once", 1, 7000),)).opp
    o2 = opp_won(r1, o2.id).opp
    a = ok_call(r1, lambda q: setattr(q.lead_get, "id", a.id), "lead_get").lead.lead
    IDS.update(a=a, o1=o1, o2=o2, o3=o3)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="opp_verify_damage.") as tmp:
        pb = load_pb(proto, tmp)
        base = damage_base(pb, binary, tmp, build, res)
        damage(pb, binary, tmp, base)
    return res.summary()


def damage(pb, binary, tmp, base):
    a, o1, o2, o3 = IDS["a"], IDS["o1"], IDS["o2"], IDS["o3"]
    team, owner, status = a.team_id, a.owner_id, a.status_id
    day1 = day_of("2027-01-15")
    won_day = day_of(o2.close_date)
    v1 = idx_val(pb.OPP_OPEN, day1, o1.id)
    amount1 = 2 * 50000 + 1234
    okey = b"o" + be(team) + be(owner) + be(status) + be(202701, 4) + b"EUR"
    wkey = b"w" + be(o2.won_team_id) + be(o2.won_owner_id) + be(won_day, 4) + b"EUR"

    def case(name, db, fn, *expect):
        verify_damage_case(res, binary, tmp, base, name, db, fn, *expect)

    def edit_opp(opp_id, fn):
        def go(txn, h):
            o = pb.Opportunity()
            o.ParseFromString(txn.get(be(opp_id), db=h))
            fn(o)
            txn.put(be(opp_id), o.SerializeToString(), db=h)
        return go

    def edit_lead(fn):
        def go(txn, h):
            lead = pb.Lead()
            lead.ParseFromString(txn.get(be(a.id), db=h))
            fn(lead)
            txn.put(be(a.id), lead.SerializeToString(), db=h)
        return go

    def edit_counter(key, fn):
        def go(txn, h):
            v = bytearray(txn.get(key, db=h))
            fn(v)
            txn.put(key, bytes(v), db=h)
        return go

    def add_i128(v, at, n):
        x = int.from_bytes(v[at:at + 16], "big", signed=True) + n
        v[at:at + 16] = x.to_bytes(16, "big", signed=True)

    # ---- records ----
    case("an opportunity record that does not decode", "opps",
         lambda txn, h: txn.put(be(o3.id), b"\xff\xff\xff", db=h),
         "opportunity %d does not decode" % o3.id,
         "not recounted")
    case("an item's amount that is not quantity x price", "opps",
         edit_opp(o1.id, lambda o: setattr(o.items[0], "amount_minor", 100001)),
         "opportunity %d: item 1's amount is 100001, its quantity x unit price is 100000" % o1.id)
    case("an amount that is not the sum of its items", "opps",
         edit_opp(o1.id, lambda o: setattr(o.amount, "amount_minor", amount1 + 5)),
         "opportunity %d: its amount is %d, the sum of its items is %d" % (o1.id, amount1 + 5,
                                                                          amount1))
    case("a won one that does not say whose it was", "opps",
         edit_opp(o2.id, lambda o: o.ClearField("won_owner_id")),
         "opportunity %d is won but does not say whose it was" % o2.id)
    case("a close date that is no date", "opps",
         edit_opp(o3.id, lambda o: setattr(o, "close_date", "2027-02-30")),
         "opportunity %d: its close date '2027-02-30' is not a date" % o3.id)
    case("an opportunity of a lead that does not exist", "opps",
         edit_opp(o3.id, lambda o: setattr(o, "lead_id", 999999)),
         "opportunity %d belongs to lead 999999, which does not exist" % o3.id)

    # ---- the indexes ----
    case("idx_opp_lead missing an entry", "idx_opp_lead",
         lambda txn, h: txn.delete(be(a.id), v1, db=h),
         "opportunity %d is missing from idx_opp_lead under lead %d" % (o1.id, a.id),
         "idx_opp_lead: 2 entries but 3 opportunities")
    case("idx_opp_lead listing it under another lead", "idx_opp_lead",
         lambda txn, h: txn.put(be(o2.lead_id), v1, db=h),
         "idx_opp_lead: lead %d lists opportunity %d, which belongs to lead %d"
         % (o2.lead_id, o1.id, a.id))
    case("idx_opp_lead naming no opportunity", "idx_opp_lead",
         lambda txn, h: txn.put(be(a.id), idx_val(1, day1, 424242), db=h),
         "idx_opp_lead: an entry names opportunity 424242, which does not exist")
    case("idx_opp filing it under another owner", "idx_opp",
         lambda txn, h: (txn.delete(be(team) + be(owner), v1, db=h),
                         txn.put(be(team) + be(owner + 99), v1, db=h)),
         "idx_opp: opportunity %d is filed under team %d, owner %d, but its lead %d is under "
         "team %d, owner %d" % (o1.id, team, owner + 99, a.id, team, owner),
         "opportunity %d is missing from idx_opp under its lead's team %d, owner %d"
         % (o1.id, team, owner))
    case("idx_opp holding a stale state", "idx_opp",
         lambda txn, h: (txn.delete(be(team) + be(owner), v1, db=h),
                         txn.put(be(team) + be(owner), idx_val(pb.OPP_LOST, day1, o1.id), db=h)),
         "idx_opp: the entry of opportunity %d does not match its record" % o1.id)

    # ---- the lead's open totals ----
    def off(lead):
        for t in lead.open_opps:
            if t.month == 202701:
                t.amount_minor += 7
    case("a lead's open totals off by an amount", "leads", edit_lead(off),
         "lead %d: its open opportunities in EUR closing 2027-01 are 1 worth %d in its totals, "
         "its opportunities give 1 worth %d" % (a.id, amount1 + 7, amount1),
         "forecast: the open counter of team %d, owner %d, status %d, closing 2027-01, in EUR "
         "counts 1 worth %d, a recount of the leads' open totals gives 1 worth %d"
         % (team, owner, status, amount1, amount1 + 7))

    def drop(lead):
        keep = [t for t in lead.open_opps if t.month != 0]
        del lead.open_opps[:]
        lead.open_opps.extend(keep)
    case("a lead's open totals missing an entry", "leads", edit_lead(drop),
         "lead %d: 1 open opportunities in EUR closing no date are missing from its totals" % a.id)

    # ---- the counters ----
    case("an open counter off", "forecast", edit_counter(okey, lambda v: add_i128(v, 8, 3)),
         "forecast: the open counter of team %d, owner %d, status %d, closing 2027-01, in EUR "
         "counts 1 worth %d, a recount of the leads' open totals gives 1 worth %d"
         % (team, owner, status, amount1 + 3, amount1))
    case("an open counter missing", "forecast", lambda txn, h: txn.delete(okey, db=h),
         "forecast: the open counter of team %d, owner %d, status %d, closing 2027-01, in EUR "
         "is missing, a recount gives 1" % (team, owner, status))
    zkey = okey[:-7] + be(202712, 4) + b"EUR"
    case("an open counter at zero", "forecast", lambda txn, h: txn.put(zkey, bytes(56), db=h),
         "closing 2027-12, in EUR is a zero record")
    case("a won counter off", "forecast", edit_counter(wkey, lambda v: add_i128(v, 8, -1)),
         "forecast: the won counter of team %d, owner %d, won on %s, in EUR counts 1 worth 6999, "
         "a recount of the won opportunities gives 1 worth 7000"
         % (o2.won_team_id, o2.won_owner_id, o2.close_date))
    case("a won counter missing", "forecast", lambda txn, h: txn.delete(wkey, db=h),
         "forecast: the won counter of team %d, owner %d, won on %s, in EUR is missing, a "
         "recount gives 1" % (o2.won_team_id, o2.won_owner_id, o2.close_date))
    case("a forecast record of no known shape", "forecast",
         lambda txn, h: txn.put(b"x1234", b"abc", db=h),
         "forecast: a record of 5+3 bytes is neither an open counter (32+56) nor a won "
         "counter (24+24)")


sys.exit(main())
