#!/usr/bin/python3
"""Attack (issue 12 seams): what a client can make leadd hold or redo.

  - an origin of the largest size a lead takes (16 KiB description, 50
    contacts with long fields, 50 tags) renewed 500 times, pipelined: every
    renewal answers OK, the 501st is refused; leadd's anonymous resident memory
    (RssAnon: the store's mapped pages left out) grows by less than 150 MB;
  - the cost of such an origin afterwards: 20 title edits each answer
    within 0.5 s on average (the renewals list is 500 ids, rewritten with
    each edit), and its whole history reads back page by page (every page
    within the 1 MiB frame) — 500 entries whose "renewals" change lists up
    to 500 leads;
  - status_rm moving 2000 leads of ~10 KB decoded each: leadd's resident
    anonymous memory grows by less than 150 MB (chunks bounded in bytes);
  - the status list at its bound (100 statuses, 200-character names): the
    101st is refused, status_list answers, and a 300-character name is
    refused.
Ends with leadd stopped and `leadd verify` passing.

Usage: atk_lifecycle_memory.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, create_many, desc,  # noqa: E402
                           ok_call, pipeline, run_test, status_mb)

PW = "atk-memory-pw-1"
# Sanitizer builds keep freed memory in quarantine (ASan: 256 MB):
# tests/CMakeLists.txt raises the bound there by LEADD_RSS_EXTRA_MB.
BOUND_MB = 150 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
res = Results()


def big_origin(pb, admin):
    def fill(q):
        m = q.lead_create
        m.title = "big origin"
        m.owner = "r1"
        m.description = "d" * 16000
        for i in range(50):
            ct = m.contacts.add()
            ct.name = ("contact %d " % i).ljust(190, "n")
            ct.role = "r" * 90
            ct.email = ("c%d@" % i) + "e" * 200 + ".example"
            ct.phone = "+1 555 0100"
            ct.note = "n" * 1900
        for i in range(50):
            m.tags.append(("tag%d-" % i).ljust(60, "t"))
    return ok_call(admin, fill, "big origin").lead.lead.id


def renewals(pb, d, admin):
    lid = big_origin(pb, admin)
    before = status_mb(d.proc.pid, "RssAnon")
    answers = pipeline(admin, [lambda q: setattr(q.lead_renew, "id", lid)] * 500, window=30)
    bad = [a for a in answers if a.code != pb.OK]
    res.record("500 renewals of the largest lead answer OK", not bad,
               desc(pb, bad[0]) if bad else "")
    r = admin.call(lambda q: setattr(q.lead_renew, "id", lid))
    res.record("the 501st is refused", r.code == pb.FAILED_PRECONDITION, desc(pb, r))
    grown = status_mb(d.proc.pid, "RssAnon") - before
    res.record("resident memory grew by %.0f MB (< %d)" % (grown, BOUND_MB), grown < BOUND_MB)

    t0 = time.time()
    version = ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "get").lead.lead.version
    for i in range(20):
        version = ok_call(admin, lambda q: (setattr(q.lead_update, "id", lid),
                                            setattr(q.lead_update, "expected_version", version),
                                            setattr(q.lead_update, "title", "big origin %d" % i)),
                          "edit").lead.lead.version
    avg = (time.time() - t0) / 20
    res.record("an edit of the origin with 500 renewals takes %.3f s on average (< 0.5)" % avg,
               avg < 0.5)

    items, pages, cursor, biggest = 0, 0, 0, 0
    while True:
        def fill(q):
            q.lead_history.id = lid
            q.lead_history.limit = 1000
            if cursor:
                q.lead_history.cursor = cursor
        r = admin.call(fill)
        if r.code != pb.OK:
            res.record("the origin's history reads back", False, desc(pb, r))
            return
        biggest = max(biggest, r.ByteSize())
        items += len(r.lead_history.items)
        pages += 1
        cursor = r.lead_history.cursor
        if not cursor or pages > 200:
            break
    res.record("the origin's history reads back whole: %d items in %d pages, biggest %d bytes"
               % (items, pages, biggest), items >= 521 and biggest < (1 << 20))


def rm_memory(pb, d, admin):
    def fill(q):
        s = q.status_add.status
        s.name, s.stage, s.kpi_class, s.probability = "atk-M", pb.STAGE_LEAD, pb.KPI_NONE, 5
    ok_call(admin, fill, "status_add atk-M")
    ids = create_many(admin, 2000, "r1", tiny_fields=True)
    answers = pipeline(admin, [lambda q, i=i: (setattr(q.lead_set_status, "id", i),
                                               setattr(q.lead_set_status, "status", "atk-M"))
                               for i in ids])
    res.record("2000 heavy leads moved into atk-M", all(a.code == pb.OK for a in answers))
    before = status_mb(d.proc.pid, "RssAnon")
    r = admin.call(lambda q: (setattr(q.status_rm, "name", "atk-M"),
                              setattr(q.status_rm, "move_to", "lead-New")))
    res.record("status_rm moves them", r.code == pb.OK and r.status.moved == 2000, desc(pb, r))
    grown = status_mb(d.proc.pid, "RssAnon") - before
    res.record("resident memory grew by %.0f MB over status_rm (< %d)" % (grown, BOUND_MB),
               grown < BOUND_MB)


def status_bound(pb, admin):
    have = len(ok_call(admin, lambda q: q.status_list.SetInParent(),
                       "status_list").status_list.statuses)

    def add(i, length=200):
        def fill(q):
            s = q.status_add.status
            s.name = ("atk-%03d-" % i).ljust(length, "x")
            s.stage, s.kpi_class, s.probability = pb.STAGE_CUSTOMER, pb.KPI_NONE, 1
        return fill
    answers = pipeline(admin, [add(i) for i in range(100 - have)])
    res.record("statuses up to 100 with 200-character names",
               all(a.code == pb.OK for a in answers),
               next((desc(pb, a) for a in answers if a.code != pb.OK), ""))
    r = admin.call(add(999))
    res.record("the 101st is refused", r.code != pb.OK and r.message, desc(pb, r))
    r = admin.call(lambda q: q.status_list.SetInParent())
    res.record("status_list answers with 100", r.code == pb.OK and
               len(r.status_list.statuses) == 100, desc(pb, r))
    ok_call(admin, lambda q: setattr(q.status_rm, "name", "atk-000-".ljust(200, "x")), "rm one")
    r = admin.call(add(1000, 300))
    res.record("a 300-character status name is refused", r.code == pb.INVALID_ARGUMENT,
               desc(pb, r))


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "A")
    add_user(admin, "r1", pb.ROLE_REP, "A", PW)
    renewals(pb, d, admin)
    rm_memory(pb, d, admin)
    status_bound(pb, admin)


if __name__ == "__main__":
    run_test(res, "atk_lifecycle_memory", run)
