#!/usr/bin/python3
"""The agenda's bounds (issue 13), each with its test: a page stops at
`limit` items (default 200), at 512 KiB of items, and after 5000 index
entries read, and says so with a cursor; paging through gets every item
once, in order.

Usage: agenda_bounds.py LEADD PROTO_DIR

- r2 has 250 small tasks: no limit gives 200 and a cursor, the next page
  the other 50 and no cursor;
- r1 has 200 tasks carrying 4000 bytes of text each: limit 1000 gives a
  page under 600 KiB (fewer items, a cursor), and pages of 1000 get all
  200 once, in time order;
- r3 has 5100 tasks on leads of their team's pool, which then stops being
  visible, and one on a lead of their own due after them all: the first
  page has no item and a cursor (5000 entries read), the next the one
  visible task and no cursor; answered quickly (under a second each), and
  pings on another connection meanwhile too.
Ends with `leadd verify` passing."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user, load_pb,  # noqa: E402
                           ok_call, pipeline)

PW = "agenda-bounds-pw-1"
HOUR = 3600 * 1000
res = Results()


def tasks(c, pb, lead_ids, per_lead, t0, text=None, assignee=None):
    fills = []
    n = 0
    for lid in lead_ids:
        for i in range(per_lead):
            def fill(q, lid=lid, n=n):
                a = q.activity_add
                a.lead_id = lid
                a.kind = pb.ACTIVITY_TASK
                a.title = "task %d" % n
                a.at = t0 + n * 1000
                if text:
                    a.text = text
                if assignee:
                    a.assignee = assignee
            fills.append(fill)
            n += 1
    bad = [r for r in pipeline(c, fills) if r.code]
    if bad:
        raise RuntimeError("activity_add: %d %s" % (bad[0].code, bad[0].message))
    return n


def page(c, **kw):
    def fill(q):
        q.agenda.SetInParent()
        for k, v in kw.items():
            setattr(q.agenda, k, v)
    return ok_call(c, fill, "agenda")


def walk(c, limit):
    seen, cursor, pages = [], None, 0
    while pages < 100:
        kw = {"limit": limit}
        if cursor:
            kw["cursor"] = cursor
        r = page(c, **kw)
        pages += 1
        seen += [(i.at, i.lead_id, i.number) for i in r.agenda.items]
        cursor = r.agenda.cursor
        if not cursor:
            break
    return seen, pages


def story(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A")
    add_team(adm, "B", pool_visible=True)
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    add_user(adm, "r2", pb.ROLE_REP, "A", PW)
    add_user(adm, "r3", pb.ROLE_REP, "B", PW)
    r1, r2, r3 = (Client(pb, d.port, n, PW) for n in ("r1", "r2", "r3"))
    t0 = int(time.time() * 1000) + HOUR

    # default limit
    l2 = [r2.create("small %d" % i, owner=None).lead.lead.id for i in range(3)]
    tasks(r2, pb, l2, 84, t0)  # 252 tasks
    r = page(r2)
    res.record("no limit: 200 items and a cursor", len(r.agenda.items) == 200 and
               bool(r.agenda.cursor), "%d items" % len(r.agenda.items))
    r = page(r2, cursor=r.agenda.cursor)
    res.record("... the next page: the other 52, no cursor",
               len(r.agenda.items) == 52 and not r.agenda.cursor, "%d" % len(r.agenda.items))

    # bytes
    l1 = [r1.create("big %d" % i, owner=None).lead.lead.id for i in range(2)]
    tasks(r1, pb, l1, 100, t0, text="x" * 4000)
    r = page(r1, limit=1000)
    size = r.ByteSize()
    res.record("limit 1000 with 200 items of 4 KB: a page under 600 KiB, with a cursor",
               0 < len(r.agenda.items) < 200 and size < 600 * 1024 and bool(r.agenda.cursor),
               "%d items, %d bytes" % (len(r.agenda.items), size))
    seen, pages = walk(r1, 1000)
    res.record("... pages of 1000 get all 200 once, in time order",
               len(seen) == 200 and len(set(seen)) == 200 and seen == sorted(seen),
               "%d items in %d pages" % (len(seen), pages))

    # entries read
    pool = [adm.create("pool %d" % i, owner=None, team="B").lead.lead.id for i in range(51)]
    tasks(r3, pb, pool, 100, t0)
    own = r3.create("own", owner=None).lead.lead.id
    late = ok_call(r3, lambda q: (setattr(q.activity_add, "lead_id", own),
                                  setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                                  setattr(q.activity_add, "title", "the visible one"),
                                  setattr(q.activity_add, "at", t0 + 10 * HOUR)),
                   "visible task").activity.activity
    seen, _ = walk(r3, 1000)
    res.record("with the pool shown, r3 pages through all 5101", len(seen) == 5101,
               "%d" % len(seen))
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "B"),
                            setattr(q.team_edit, "pool_visible", False)), "hide B's pool")
    start = time.time()
    r = page(r3, limit=1000)
    took = time.time() - start
    res.record("the pool hidden: the first page has no item and a cursor (5000 entries read)",
               not r.agenda.items and bool(r.agenda.cursor), "%d items" % len(r.agenda.items))
    res.record("... answered in under a second", took < 1.0, "%.0f ms" % (took * 1000))
    pinger = Client(pb, d.port)
    r3.send(lambda q: (q.agenda.SetInParent(), setattr(q.agenda, "cursor", r.agenda.cursor)))
    s = time.time()
    ok_call(pinger, lambda q: q.ping.SetInParent(), "ping")
    ping = time.time() - s
    r = r3.recv()
    res.record("... the next page: the one visible task, no cursor",
               r.code == 0 and [(i.lead_id, i.number) for i in r.agenda.items] ==
               [(own, late.number)] and not r.agenda.cursor,
               "%d %s" % (r.code, r.message))
    res.record("... a ping meanwhile answered in under a second", ping < 1.0,
               "%.0f ms" % (ping * 1000))
    r = page(adm, user="r3", limit=1000)
    res.record("the admin, who sees the pool, reads r3's first 1000", len(r.agenda.items) == 1000)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="agenda_bounds.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            story(pb, d)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            res.stop_and_verify(d, "leadd")
    return res.summary()


sys.exit(main())
