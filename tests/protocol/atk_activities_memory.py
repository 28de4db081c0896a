#!/usr/bin/python3
"""Attack (issue 13): the memory a lead_set_status into dead makes leadd
hold while it closes a lead's open activities.

Usage: atk_activities_memory.py LEADD_BINARY PROTO_DIR

Four leads as large as a request may make them (a 16 KB description, 50
contacts with 2 KB notes: ~140 KB each) get 100 open meetings each with
every field at its cap. Then four connections move them to dead at once.
Each close is a change of the lead (history, change log): the store writes
100 copies of the lead per move whatever happens, but the request must not
also keep 100 decoded pairs of the lead in its memory until it is answered
(that cost ~40 MB a move: the four grew leadd by ~160 MB; now ~100 MB,
mostly the store's pages of the 400 lead copies the transaction writes).
leadd's resident memory grows by less than GROWTH_MB (+ LEADD_RSS_EXTRA_MB
for sanitizer builds)
while the four run; every reply lists its 100 closed meetings; the lead
and the activities say so; leadd verify passes."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, desc, give_reason, ok_call,  # noqa: E402
                           pipeline, run_test, status_mb)

res = Results()
DAY = 86400 * 1000
LEADS = 4
GROWTH_MB = 130 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))


class Peak:
    """leadd's VmRSS sampled every 10 ms: the highest seen."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, status_mb(self.pid, gone=0.0))
            time.sleep(0.01)

    def end(self):
        self.stop.set()
        self.t.join()
        return self.peak


def run(pb, d):
    admin = Client(pb, d.port)
    now = int(time.time() * 1000)
    leads = []
    for k in range(LEADS):
        def fill(q, k=k):
            q.lead_create.title = "Big %d" % k
            q.lead_create.owner = "admin"
            q.lead_create.description = "d" * 16000
            for i in range(50):
                c = q.lead_create.contacts.add()
                c.name = ("n%02d" % i) + "x" * 190
                c.note = "y" * 1990
                c.role = "r" * 99
        leads.append(ok_call(admin, fill, "create").lead.lead.id)
    for lid in leads:
        answers = pipeline(admin, [
            lambda q, i=i, lid=lid: (setattr(q.activity_add, "lead_id", lid),
                                     setattr(q.activity_add, "kind", pb.ACTIVITY_MEETING),
                                     setattr(q.activity_add, "title", "t" * 200),
                                     setattr(q.activity_add, "place", "p" * 500),
                                     setattr(q.activity_add, "contact", "c" * 200),
                                     setattr(q.activity_add, "text", "x" * 4000),
                                     setattr(q.activity_add, "at", now + DAY + i))
            for i in range(100)])
        res.record("lead %d: 100 open meetings at their caps" % lid,
                   all(a.code == pb.OK for a in answers),
                   next((desc(pb, a) for a in answers if a.code), ""))
    conns = [Client(pb, d.port) for _ in leads]
    time.sleep(0.2)
    before = status_mb(d.proc.pid)
    peak = Peak(d.proc.pid)
    for c, lid in zip(conns, leads):
        c.send(lambda q, lid=lid: (setattr(q.lead_set_status, "id", lid),
                                   setattr(q.lead_set_status, "status", "dead"),
                                   give_reason(q.lead_set_status)))
    replies = [c.recv() for c in conns]
    top = peak.end()
    res.record("the four moves to dead succeed, each listing 100 closed meetings",
               all(r.code == pb.OK and len(r.lead.closed_activities) == 100 and
                   all(a.state == pb.ACTIVITY_CLOSED and not a.text and a.title == "t" * 200
                       for a in r.lead.closed_activities) for r in replies),
               "; ".join(desc(pb, r) for r in replies))
    res.record("... each reply's lead is the lead after the last close",
               all(r.lead.lead.version == ok_call(admin, lambda q, lid=r.lead.lead.id: setattr(
                   q.lead_get, "id", lid), "get").lead.lead.version and
                   not r.lead.lead.next_action_activity for r in replies))
    res.record("resident memory grew by less than %d MB while they ran" % GROWTH_MB,
               top - before < GROWTH_MB, "%.1f MB -> %.1f MB" % (before, top))
    acts = ok_call(admin, lambda q: setattr(q.activity_list, "lead_id", leads[0]),
                   "list").activity_list.activities
    res.record("the list shows them closed, text kept",
               len(acts) == 100 and all(a.state == pb.ACTIVITY_CLOSED and a.text for a in acts))


run_test(res, "atk_activities_memory", run)
