#!/usr/bin/python3
"""Plain listings leave out leads on stand-by and archived ones by walking
the hidden leads' ids (DB_IDX_HIDDEN) beside the driver instead of reading
each candidate's summary (server/search_exec.c run_ids). This checks that
walk gives exactly the right leads, page after page.

Usage: search_hidden_walk.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1: 300 leads of one rep, every 7th on
stand-by, every 11th archived (some both). Paged (23 a page) by cursor:
- the rep's `mine` + status list (a driver that meets every other
  condition: the hidden walk), ascending and descending (the summaries);
- a manager's team page with no filter (the team index drives);
each equals the leads neither on stand-by nor archived. Then some leads
come back (restored, taken off stand-by) and others leave, and the lists
follow. Ends with `leadd verify` passing."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, create_many,  # noqa: E402
                           ok_call, run_test)

PW = "hidden-walk-pw-1"
DAY = 86400 * 1000
res = Results()


def paged(c, desc=False, **flt):
    """Every id lead_list gives, 23 a page, following cursors."""
    ids, cursor = [], None
    for _ in range(100):
        def fill(q):
            q.lead_list.limit = 23
            q.lead_list.desc = desc
            q.lead_list.filter.SetInParent()
            for k, v in flt.items():
                if isinstance(v, list):
                    getattr(q.lead_list.filter, k).extend(v)
                else:
                    setattr(q.lead_list.filter, k, v)
            if cursor:
                q.lead_list.cursor = cursor
        r = ok_call(c, fill, "lead_list")
        ids += [l.id for l in r.lead_list.leads]
        if not r.lead_list.HasField("cursor"):
            return ids
        cursor = r.lead_list.cursor
    raise RuntimeError("lead_list: more than 100 pages")


def standby(c, lid, until):
    ok_call(c, lambda q: (setattr(q.lead_standby, "id", lid),
                          setattr(q.lead_standby, "until", until)), "lead_standby %d" % lid)


def archive(c, lid, restore=False):
    m = "lead_restore" if restore else "lead_archive"
    ok_call(c, lambda q: setattr(getattr(q, m), "id", lid), "%s %d" % (m, lid))


def check_lists(what, r1, mgr, ids, hidden):
    want = [i for i in ids if i not in hidden]
    got = paged(r1, mine=True, statuses=["lead-New"])
    res.record("%s: the rep's status + mine pages, ascending" % what, got == want,
               "%d leads, %d wanted; first differences %s" %
               (len(got), len(want), sorted(set(got) ^ set(want))[:5]))
    got = paged(r1, desc=True, mine=True, statuses=["lead-New"])
    res.record("%s: the same, descending" % what, got == want[::-1],
               "%d leads, %d wanted" % (len(got), len(want)))
    got = paged(mgr)
    res.record("%s: the manager's team page, no filter" % what, got == want,
               "%d leads, %d wanted; first differences %s" %
               (len(got), len(want), sorted(set(got) ^ set(want))[:5]))
    got = sorted(paged(mgr, archived=True) + paged(mgr, standby=True))
    res.record("%s: what the plain lists leave out is exactly what the "
               "stand-by and archived lists hold" % what,
               sorted(set(got)) == sorted(hidden), "%d vs %d" % (len(set(got)), len(hidden)))


def run(pb, d):
    adm = Client(pb, d.port)
    add_user(adm, "m1", pb.ROLE_MANAGER, None, PW)
    add_team(adm, "A", managers=["m1"])
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    r1 = Client(pb, d.port, "r1", PW)
    mgr = Client(pb, d.port, "m1", PW)
    ids = create_many(adm, 300, "r1")
    until = int(time.time() * 1000) + 30 * DAY
    hidden = set()
    for i, lid in enumerate(ids):
        if i % 7 == 3:
            standby(r1, lid, until)
            hidden.add(lid)
    for i, lid in enumerate(ids):
        if i % 11 == 5:
            archive(mgr, lid)
            hidden.add(lid)
    check_lists("stand-by and archived", r1, mgr, ids, hidden)

    # Some come back, others leave: the hidden index follows the write core.
    back = [ids[3], ids[5], ids[38]]  # stand-by; archived; both (38: 7*5+3, 11*3+5)
    standby(r1, ids[3], 0)
    archive(mgr, ids[5], restore=True)
    archive(mgr, ids[38], restore=True)
    standby(r1, ids[38], 0)
    for lid in back:
        hidden.discard(lid)
    for lid in (ids[0], ids[299]):
        standby(r1, lid, until)
        hidden.add(lid)
    check_lists("after leads came back and others left", r1, mgr, ids, hidden)
    return res


if __name__ == "__main__":
    run_test(res, "search_hidden_walk", run)
