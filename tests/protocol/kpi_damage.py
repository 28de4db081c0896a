#!/usr/bin/python3
"""Damaged KPI counters, rollup records and saved searches (issue 9 review):
`leadd verify` names every kind of damage and exits 1, and a running leadd
that reads a damaged record answers a clear error instead of a number that
silently leaves the record out.

A base directory holds leads in two currencies with sources, status moves
(so every rollup kind m/s/t exists), a rep's saved search with a pin and a
manager's team search. Each case damages a copy with python3-lmdb:
- counters: a count and a value total deleted, changed by one, given a
  wrong-size value; a stray count, a stray zero count;
- rollup, for each record kind (m, s, t): deleted, changed by one, a stray
  one, a stray one whose count is zero, a wrong-size value;
- saved searches: a record deleted, its 'i' entry deleted, a stray 'i'
  entry, pins naming a search that does not exist, undecodable pins;
then verify must exit 1 with a line naming it. For the wrong-size values,
a rollup record of unknown kind and a stray zero rollup record, leadd is
started: kpi (counts, and a flow) must answer DATA_LOSS with a sentence,
not OK, and leadd must go on answering. The untouched base
verifies clean.

Usage: kpi_damage.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import give_reason, run_verify  # noqa: E402
from leadd_harness import (Client, Leadd, Results, add_team, add_user,  # noqa: E402
                           load_pb, ok_call, change_db)

PW = "kpi-password-1"
res = Results()
DAY_MS = 86400 * 1000


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_team(admin, "A", pool_visible=True)
        add_user(admin, "mA", pb.ROLE_MANAGER, "A", PW)
        add_user(admin, "r1", pb.ROLE_REP, "A", PW)

        def mgr(q):
            q.team_edit.name = "A"
            q.team_edit.managers.items.append("mA")
        ok_call(admin, mgr, "team_edit")
        sts = ok_call(admin, lambda q: q.status_list.SetInParent(),
                      "status_list").status_list.statuses
        for i in range(12):
            extra = {}
            r = admin.call(lambda q, i=i: (
                setattr(q.lead_create, "title", "lead %d" % i),
                setattr(q.lead_create, "owner", "r1" if i % 2 else "mA"),
                setattr(q.lead_create, "source", "src%d" % (i % 3)),
                i % 3 == 0 and q.lead_create.value.MergeFrom(pb.Money(
                    currency="EUR" if i % 2 else "USD", amount_minor=1000 + i))))
            assert r.code == 0, r.message
            lead = r.lead.lead

            def st(q, lead=lead, i=i):
                q.lead_set_status.id = lead.id
                q.lead_set_status.status_id = sts[1 + i % 4].id
                give_reason(q.lead_set_status)
            ok_call(admin, st, "status")
        r1 = Client(pb, d.port, "r1", PW)

        def save(q):
            q.search_save.search.name = "mine"
            q.search_save.search.filter.mine = True
        ok_call(r1, save, "search_save")

        def pin(q):
            q.search_pin.name = "mine"
        ok_call(r1, pin, "search_pin")
        ma = Client(pb, d.port, "mA", PW)

        def tsave(q):
            q.search_save.search.name = "teamq"
            q.search_save.search.team = "A"
            q.search_save.search.filter.statuses.append("qualified")
        ok_call(ma, tsave, "team search_save")
    finally:
        assert d.stop() == 0
    return d.data


def records(data, db):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(db, create=False)
        with env.begin() as txn:
            return list(txn.cursor(db=h))
    finally:
        env.close()


def be(n, size=8):
    return n.to_bytes(size, "big", signed=size == 16)


def kpi_answers(binary, pb, tmp, data, name):
    """Start leadd on data; kpi and kpi --since as the admin: both must be
    DATA_LOSS with a sentence (not OK, no crash)."""
    os.makedirs(tmp, exist_ok=True)
    d = Leadd(binary, tmp)
    d.data = data
    d.start()
    try:
        c = Client(pb, d.port)
        # Counts do not read the rollup: a rollup case asks for a flow only.
        starts = (None,) if name.startswith("counters") else ()
        for since in starts + (int(time.time() * 1000) - 3 * DAY_MS,):
            def fill(q, since=since):
                q.kpi.SetInParent()
                if since is not None:
                    q.kpi.since = since
            r = c.call(fill)
            what = "%s: kpi%s" % (name, "" if since is None else " --since")
            res.record(what + " answers DATA_LOSS, not a count without the record",
                       r.code == pb.DATA_LOSS and len(r.message) > 10,
                       "code %d %r" % (r.code, r.message))
        # The server is still alive and answers.
        r = c.call(lambda q: q.ping.SetInParent())
        res.record(name + ": leadd still answers a ping", r.code == 0)
    finally:
        rc = d.stop()
        res.record(name + ": leadd exits 0 on SIGTERM", rc == 0, "exit %s" % rc)


def case(binary, base, tmp, name, db, fn, expect, kpi=None, pb=None):
    data = os.path.join(tmp, name.replace(" ", "_"))
    shutil.copytree(base, data)
    change_db(data, db, fn)
    rc, out = run_verify(binary, data)
    ok = rc == 1 and expect in out
    res.record("verify: " + name, ok, "" if ok else "exit %s, expected %r in:\n%s" %
               (rc, expect, out))
    if kpi:
        kpi_answers(binary, pb, os.path.join(tmp, name.replace(" ", "_") + ".run"), data, name)
    shutil.rmtree(data, ignore_errors=True)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        base = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = run_verify(binary, base)
        res.record("the base verifies clean", rc == 0, "" if rc == 0 else out)

        crecs = records(base, b"counters")
        count = next(r for r in crecs if r[0][:1] == b"c")
        value = next(r for r in crecs if r[0][:1] == b"v")
        for label, rec in (("count", count), ("value total", value)):
            k, v = rec
            n = int.from_bytes(v, "big", signed=len(v) == 16)
            case(binary, base, tmp, "counters %s deleted" % label, b"counters",
                 lambda t, h, k=k: t.delete(k, db=h), "is missing")
            case(binary, base, tmp, "counters %s plus one" % label, b"counters",
                 lambda t, h, k=k, n=n, v=v: t.put(k, be(n + 1, len(v)), db=h),
                 "a recount gives")
            case(binary, base, tmp, "counters %s wrong size" % label, b"counters",
                 lambda t, h, k=k, v=v: t.put(k, v[:-1], db=h), "counters: a record of",
                 kpi=True, pb=pb)
        stray = b"c" + be(1) + be(999) + be(1)
        case(binary, base, tmp, "counters stray count", b"counters",
             lambda t, h: t.put(stray, be(1), db=h), "a recount gives 0")
        case(binary, base, tmp, "counters stray zero count", b"counters",
             lambda t, h: t.put(stray, be(0), db=h), "zero record")

        rrecs = records(base, b"rollup")
        for metric in (b"m", b"s", b"t"):
            k, v = next(r for r in rrecs if r[0][20:21] == metric)
            n = int.from_bytes(v, "big")
            m = metric.decode()
            # A stray record of the same kind: another owner (999).
            sk = k[:12] + be(999) + k[20:]
            case(binary, base, tmp, "rollup %s deleted" % m, b"rollup",
                 lambda t, h, k=k: t.delete(k, db=h), "missing, a replay")
            case(binary, base, tmp, "rollup %s plus one" % m, b"rollup",
                 lambda t, h, k=k, n=n: t.put(k, be(n + 1), db=h), "a replay of the history")
            case(binary, base, tmp, "rollup %s stray" % m, b"rollup",
                 lambda t, h, sk=sk: t.put(sk, be(1), db=h), "a replay of the history gives 0")
            case(binary, base, tmp, "rollup %s stray zero" % m, b"rollup",
                 lambda t, h, sk=sk: t.put(sk, be(0), db=h), "owner 999", kpi=True, pb=pb)
            case(binary, base, tmp, "rollup %s wrong size" % m, b"rollup",
                 lambda t, h, k=k, v=v: t.put(k, v[:4], db=h), "no known shape",
                 kpi=True, pb=pb)
        case(binary, base, tmp, "rollup unknown kind", b"rollup",
             lambda t, h: t.put(rrecs[0][0][:20] + b"x", be(1), db=h), "no known shape",
             kpi=True, pb=pb)

        srecs = records(base, b"searches")
        rec = next(r for r in srecs if r[0][:1] == b"u")
        ient = next(r for r in srecs if r[0][:1] == b"i")
        pins = next(r for r in srecs if r[0][:1] == b"p")
        case(binary, base, tmp, "searches record deleted", b"searches",
             lambda t, h: t.delete(rec[0], db=h), "names no search")
        case(binary, base, tmp, "searches id entry deleted", b"searches",
             lambda t, h: t.delete(ient[0], db=h), "not found by its id")
        case(binary, base, tmp, "searches stray id entry", b"searches",
             lambda t, h: t.put(b"i" + be(77), rec[0], db=h), "names search")
        case(binary, base, tmp, "searches pin of no search", b"searches",
             lambda t, h: t.put(pins[0], b"\x08\x4d", db=h), "no id entry names")
        case(binary, base, tmp, "searches pins undecodable", b"searches",
             lambda t, h: t.put(pins[0], b"\x0a\xff", db=h), "do not decode")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
