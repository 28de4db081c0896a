#!/usr/bin/python3
"""Attack (issue 13, attacks 2): the memory the due timer makes leadd hold
when many activities of large leads fall due at once.

Usage: atk_agenda_memory.py LEADD_FAULT_TEST PROTO_DIR

Three leads as large as a request may make them (a 16 KB description, 50
contacts with 2 KB notes: ~140 KB each) get 100 open meetings each with
every field at its cap, all due within the same second. The test clock
(docs/operations.md, "The test clock") moves a day on: the 300 fall due
in five commits (ACTIVITY_DUE_CHUNK 64). Each marking is a change of the
lead (history, change log), so the store writes a copy of the lead per
activity whatever happens; the firing must not also keep every decoded
lead of its chunk in its memory until it commits (that cost ~400 KB an
activity: ~100 MB for a chunk of 256, all at once), nor write so many
lead copies in one commit that its pages alone take ~70 MB. leadd's resident
memory grows by less than GROWTH_MB (+ LEADD_RSS_EXTRA_MB for sanitizer
builds) while they fall due; all 300 say alerted, each lead has 100 "due"
entries in its history; leadd verify passes."""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, desc, load_pb, ok_call,  # noqa: E402
                           pipeline, status_mb)
from leadd_harness import FaultClock as Clock  # noqa: E402

res = Results()
DAY = 86400 * 1000
LEADS = 3
GROWTH_MB = 70 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))


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


def agenda(c):
    items, cursor = [], ""
    while True:
        r = ok_call(c, lambda q: (q.agenda.SetInParent(),
                                  setattr(q.agenda, "limit", 1000),
                                  setattr(q.agenda, "cursor", cursor)), "agenda")
        items += list(r.agenda.items)
        cursor = r.agenda.cursor
        if not cursor:
            return items


def run(pb, d, clock):
    admin = Client(pb, d.port)
    now = clock.now()
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
    time.sleep(0.3)
    before = status_mb(d.proc.pid)
    peak = Peak(d.proc.pid)
    clock.set(DAY + 60 * 1000)
    end = time.time() + 60
    items = []
    while time.time() < end:
        items = agenda(admin)
        if len(items) == 300 and all(i.alerted for i in items):
            break
        time.sleep(0.2)
    top = peak.end()
    res.record("all 300 fall due", len(items) == 300 and all(i.alerted for i in items),
               "%d items, %d alerted" % (len(items), sum(1 for i in items if i.alerted)))
    res.record("resident memory grew by less than %d MB while they fell due" % GROWTH_MB,
               top - before < GROWTH_MB, "%.1f MB -> %.1f MB" % (before, top))
    for lid in leads:
        hist = ok_call(admin, lambda q, lid=lid: (setattr(q.lead_history, "id", lid),
                                                  setattr(q.lead_history, "limit", 100),
                                                  setattr(q.lead_history, "newest_first", True)),
                       "history")
        dues = [i for i in hist.lead_history.items if i.kind == "due"]
        res.record("lead %d: 100 due entries, once each" % lid, len(dues) == 100 and
                   len({i.activity.number for i in dues}) == 100, "%d" % len(dues))


def main():
    fault_bin, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_agenda_memory.") as tmp:
        pb = load_pb(proto, tmp)
        clock = Clock(os.path.join(tmp, "clock"))
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
        d = Leadd(fault_bin, tmp).start()
        try:
            run(pb, d, clock)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "leadd-fault-test")
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
