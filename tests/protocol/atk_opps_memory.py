#!/usr/bin/python3
"""Attack (issue 15 seams): the largest opportunities a client may make
leadd hold and send. One lead with 100 opportunities (the most), each of
100 items (the most) named with 200 bytes (the most), 20 of them open (the
most; the others won), made by a client while another watches the leads:

  - lead_get answers within the frame, listing all 100 without items;
  - opp_list pages (limit 1000) stay within the frame and, followed by
    their cursors, give each of the 100 exactly once;
  - lead_history pages (limit 1000) stay within the frame and give every
    change exactly once;
  - the watcher gets every event, each within the frame, the added ones
    with their 100 items;
  - while a client pipelines 20 lead_history and 20 opp_list of limit 1000,
    another's pings are answered within 250 ms each;
  - leadd's resident memory grows by less than 64 MB over all of it;
  - items and a lead's value carrying 9,000 bytes of a field leadd does
    not know (each of 100 items: 900 KB past the 200-byte names) are
    stored without them: opp_create, opp_edit, opp_get, the watch events
    and lead_get stay small (they were stored and sent to everyone);
  - leadd verify passes.

Usage: atk_opps_memory.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from opp_lib import opp_create_fill  # noqa: E402
from leadd_harness import PingSampler  # noqa: E402
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Results, desc, ok_call,  # noqa
                           pipeline, run_test, status_mb, varint)
from watch_lib import Watcher, watch_ok  # noqa: E402

# Sanitizer builds keep freed memory in quarantine: tests/CMakeLists.txt
# widens the RSS bound by this much there.
RSS_EXTRA_MB = int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))

FRAME = 1 << 20
res = Results()


def big_items(k):
    return tuple(("%03d-%03d " % (k, i) + "n" * 192, 1000 + i, 99 + i) for i in range(100))


def size(r):
    return len(r.SerializeToString())


def run(pb, d):
    admin = Client(pb, d.port)
    rss0 = status_mb(d.proc.pid)
    w = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(w, ["leads"], "admin watches leads")
    lead = admin.create("The biggest deal", owner=ADMIN).lead.lead
    made = []
    for rnd in range(5):
        answers = pipeline(admin, [opp_create_fill(lead.id, items=big_items(rnd * 20 + k),
                                                   title="t" * 200, close_date="2027-06-%02d" % (k + 1))
                                   for k in range(20)], window=5)
        bad = [a for a in answers if a.code != pb.OK]
        if bad:
            raise RuntimeError("opp_create: %s" % bad[0].message)
        made += [a.opp.opp.id for a in answers]
        if rnd < 4:
            won = pipeline(admin, [(lambda i: lambda q: setattr(q.opp_won, "id", i))(i)
                                   for i in made[-20:]], window=5)
            if any(a.code != pb.OK for a in won):
                raise RuntimeError("opp_won refused")
    res.record("100 opportunities of 100 items of 200-byte names on one lead", len(made) == 100)

    r = admin.call(lambda q: setattr(q.lead_get, "id", lead.id))
    res.record("lead_get answers within the frame, all 100 listed without items",
               r.code == pb.OK and size(r) < FRAME and len(r.lead.opps) == 100 and
               all(len(o.items) == 0 for o in r.lead.opps), "%d bytes, %d opps" % (
                   size(r), len(r.lead.opps)))

    seen, sizes, cursor = [], [], None
    while True:
        def fill(q):
            q.opp_list.limit = 1000
            if cursor:
                q.opp_list.cursor = cursor
        r = ok_call(admin, fill, "opp_list")
        sizes.append(size(r))
        seen += [o.id for o in r.opp_list.opps]
        cursor = r.opp_list.cursor
        if not cursor or len(sizes) > 200:
            break
    res.record("opp_list pages stay within the frame", max(sizes) < FRAME, str(sizes))
    res.record("opp_list pages give each opportunity once", sorted(seen) == sorted(made),
               "%d given, %d distinct, %d pages" % (len(seen), len(set(seen)), len(sizes)))

    revs, sizes, cursor = [], [], 0
    while True:
        def fill(q):
            q.lead_history.id = lead.id
            q.lead_history.limit = 1000
            if cursor:
                q.lead_history.cursor = cursor
        r = ok_call(admin, fill, "lead_history")
        sizes.append(size(r))
        revs += [it.revision for it in r.lead_history.items]
        cursor = r.lead_history.cursor
        if not cursor or len(sizes) > 200:
            break
    cur = ok_call(admin, lambda q: setattr(q.lead_get, "id", lead.id), "lead_get").lead.lead
    res.record("lead_history pages stay within the frame", max(sizes) < FRAME, str(sizes))
    res.record("lead_history pages give every change once",
               len(revs) == len(set(revs)) and revs and revs[-1] == cur.version and
               len(revs) == 1 + 100 + 80, "%d items, last %s, lead at %d" % (
                   len(revs), revs[-1:] if revs else None, cur.version))

    evs = w.until(lambda e: e.revision == cur.version, limit=30)
    added = [e for e in evs if e.change == pb.LEAD_CHANGE_OPPORTUNITY and e.opp_op == "added"]
    res.record("the watcher got every change, each event within the frame",
               len({e.revision for e in evs}) >= 181 and max(size(e) for e in evs) < FRAME,
               "%d events, largest %d bytes" % (len(evs), max(size(e) for e in evs)))
    res.record("the added events carry their 100 items",
               len(added) == 100 and all(len(e.opportunity.items) == 100 for e in added),
               "%d added" % len(added))

    # Ping latency while another client reads the largest pages.
    reader = Client(pb, d.port)
    pinger = Client(pb, d.port)
    fills = []
    for _ in range(20):
        fills.append(lambda q: (setattr(q.lead_history, "id", lead.id),
                                setattr(q.lead_history, "limit", 1000)))
        fills.append(lambda q: setattr(q.opp_list, "limit", 1000))
    with PingSampler(pinger) as sampler:
        answers = pipeline(reader, fills, window=40)
    worst = sampler.worst()
    res.record("40 pipelined pages of the largest answer OK",
               all(a.code == pb.OK for a in answers))
    res.record("pings meanwhile answered within 250 ms", worst < 0.25,
               "worst %.0f ms" % (worst * 1000))
    rss1 = status_mb(d.proc.pid)
    res.record("leadd's memory grew by less than %d MB" % (64 + RSS_EXTRA_MB),
               rss1 - rss0 < 64 + RSS_EXTRA_MB,
               "%.0f MB -> %.0f MB" % (rss0, rss1))
    unknown_fields(pb, d, admin, w)


def unknown_fields(pb, d, admin, w):
    """Items (and a lead's value) carrying a field leadd does not know, of
    9,000 bytes each: leadd keeps none of it, so the opportunity stays
    within its documented size in every answer and event."""
    extra = varint((1000 << 3) | 2) + varint(9000) + b"u" * 9000
    lead = admin.create("Smuggler", owner=ADMIN).lead.lead

    def with_extra(items_field):
        for i in range(100):
            x = items_field.add()
            x.name, x.quantity, x.unit_price_minor = "item %d" % i, 1, 1
            x.MergeFromString(extra)

    def create(q):
        q.opp_create.lead_id = lead.id
        with_extra(q.opp_create.items)
    r = admin.call(create)
    res.record("opp_create with 100 items of 9,000 unknown bytes each answers",
               r.code == pb.OK and size(r) < 64 << 10, "%s, %d bytes" % (desc(pb, r), size(r)))
    oid = r.opp.opp.id

    def edit(q):
        q.opp_edit.id = oid
        with_extra(q.opp_edit.items)
        q.opp_edit.items[0].quantity = 2
    r = admin.call(edit)
    res.record("opp_edit with them answers", r.code == pb.OK and size(r) < 64 << 10,
               "%s, %d bytes" % (desc(pb, r), size(r)))
    r = admin.call(lambda q: setattr(q.opp_get, "id", oid))
    res.record("the stored opportunity keeps none of the unknown bytes",
               r.code == pb.OK and size(r) < 64 << 10, "opp_get: %d bytes" % size(r))
    evs = w.until(lambda e: e.lead_id == lead.id and e.opp_op == "edited", limit=10)
    res.record("nor do the watch events", max(size(e) for e in evs) < 64 << 10,
               "largest %d bytes" % max(size(e) for e in evs))

    def value(q):
        q.lead_update.id = lead.id
        q.lead_update.expected_version = r.opp.lead.version
        q.lead_update.value.amount_minor = 5
        q.lead_update.value.currency = "EUR"
        q.lead_update.value.MergeFromString(extra)
    r2 = admin.call(value)
    got = admin.call(lambda q: setattr(q.lead_get, "id", lead.id))
    res.record("a lead's value keeps none of them either",
               r2.code == pb.OK and size(got) < 64 << 10, "%s, lead_get %d bytes" % (
                   desc(pb, r2), size(got)))


if __name__ == "__main__":
    run_test(res, "atk_opps_memory", run)
