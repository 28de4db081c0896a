#!/usr/bin/python3
"""Opportunities at their limits fit the frame (issue 15): one lead with
the most opportunities a lead may have (100), each of the most items (100)
with the longest names (200 bytes) and title, about 2.3 MB in all, more
than twice the 1 MiB frame.

Usage: opp_large.py LEADD_BINARY PROTO_DIR

- opp_create and opp_won answer each of them whole (an OppReply of about
  23 KB), and the 101st opportunity is refused;
- lead_get answers the lead with its 100 opportunities, newest first,
  without their items (amount and state kept);
- opp_list with the largest limit (1000) cuts its pages before the frame:
  more than one page, each under 1 MiB, and paging gives all 100 once, in
  order, each with its 100 items;
- opp_get gives one whole; lead_history pages through the 201 entries
  (each with its opportunity) under the frame;
- leadd verify passes."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Results, desc, ok_call, run_test  # noqa: E402
from opp_lib import opp_list_call  # noqa: E402

FRAME = 1 << 20
N_OPPS, N_ITEMS = 100, 100
res = Results()


def name(i, j):
    """A 200-byte item name."""
    s = "opp %03d item %03d " % (i, j)
    return s + "x" * (200 - len(s))


def fits(what, r):
    """The response (a few bytes of ServerMessage around it) is under the frame."""
    size = r.ByteSize()
    res.record("%s fits the frame (%d bytes)" % (what, size), size + 16 < FRAME, "")
    return size


def run(pb, d):
    from leadd_harness import Client
    admin = Client(pb, d.port)
    lead = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Large"),
                                     setattr(q.lead_create, "owner", "admin")),
                   "lead_create").lead.lead
    biggest = 0
    opps = []
    for i in range(N_OPPS):
        def fill(q, i=i):
            q.opp_create.lead_id = lead.id
            q.opp_create.title = ("opportunity %03d " % i).ljust(200, "t")
            for j in range(N_ITEMS):
                it = q.opp_create.items.add()
                it.name, it.quantity, it.unit_price_minor = name(i, j), 1 + j, 100
        r = admin.call(fill)
        if r.code != pb.OK:
            res.record("opp_create %d" % i, False, desc(pb, r))
            return
        biggest = max(biggest, r.ByteSize())
        o = r.opp.opp
        # Closed at once: a lead has at most 20 open at a time.
        r = admin.call(lambda q, o=o: setattr(q.opp_won, "id", o.id))
        if r.code != pb.OK or len(r.opp.opp.items) != N_ITEMS:
            res.record("opp_won %d" % o.id, False, desc(pb, r))
            return
        opps.append(o.id)
    res.record("100 opportunities of 100 items of 200 bytes, each answered whole "
               "(the largest reply %d bytes)" % biggest, len(opps) == N_OPPS and biggest > 20000)

    def fill(q):
        q.opp_create.lead_id = lead.id
        it = q.opp_create.items.add()
        it.name, it.quantity, it.unit_price_minor = "one more", 1, 1
    r = admin.call(fill)
    res.record("the 101st is refused", r.code == pb.FAILED_PRECONDITION, desc(pb, r))

    # ---- lead_get: all of them, without items ----
    r = admin.call(lambda q: setattr(q.lead_get, "id", lead.id))
    fits("lead_get", r)
    got = r.lead.opps
    res.record("lead_get: 100 opportunities, newest first, no items, amounts kept",
               r.code == pb.OK and [o.id for o in got] == opps[::-1]
               and all(len(o.items) == 0 and o.amount.amount_minor == 100 * 5050
                       and o.state == pb.OPP_WON for o in got),
               "%s: %d opportunities" % (desc(pb, r), len(got)))

    # ---- opp_list: pages cut before the frame ----
    seen, pages, cursor = [], 0, None
    while True:
        r = opp_list_call(admin, cursor, limit=1000)
        if r.code != pb.OK:
            res.record("opp_list page %d" % (pages + 1), False, desc(pb, r))
            return
        pages += 1
        fits("opp_list page %d" % pages, r)
        seen.extend(r.opp_list.opps)
        cursor = r.opp_list.cursor
        if not cursor:
            break
    res.record("opp_list with limit 1000 comes in %d pages (the frame cuts them)" % pages,
               pages > 1, "")
    res.record("opp_list pages give all 100 once, in order, with their items",
               sorted(o.id for o in seen) == sorted(opps) and len(seen) == N_OPPS
               and all(len(o.items) == N_ITEMS for o in seen),
               "%d opportunities" % len(seen))

    r = admin.call(lambda q: setattr(q.opp_get, "id", opps[-1]))
    fits("opp_get", r)
    res.record("opp_get gives the last one whole",
               r.code == pb.OK and len(r.opp.opp.items) == N_ITEMS
               and r.opp.opp.items[99].name == name(N_OPPS - 1, 99), desc(pb, r))

    # ---- lead_history: 1 + 2 x 100 entries, paged under the frame ----
    entries, cursor, hpages = 0, 0, 0
    while True:
        def fill(q, cursor=cursor):
            q.lead_history.id = lead.id
            q.lead_history.limit = 1000
            if cursor:
                q.lead_history.cursor = cursor
        r = admin.call(fill)
        if r.code != pb.OK:
            res.record("lead_history page %d" % (hpages + 1), False, desc(pb, r))
            return
        hpages += 1
        fits("lead_history page %d" % hpages, r)
        entries += len(r.lead_history.items)
        cursor = r.lead_history.cursor
        if not cursor:
            break
    res.record("lead_history: every entry (%d) in %d pages" % (entries, hpages),
               entries >= 1 + 2 * N_OPPS and hpages > 1, "")
    res.stop_and_verify(d, "opp_large")


run_test(res, "opp_large", run)
