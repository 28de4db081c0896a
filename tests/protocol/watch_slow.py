#!/usr/bin/python3
"""Slow watchers (docs/protocol.md section 6, "Slow watchers").

The kernel takes some megabytes of a connection's output before leadd
holds any (socket buffers), so each case sends well past that: leads with
12 KB descriptions, whose ENTER events are 12 KB each.

1. watch_soft_limit 64 KiB, watch_hard_limit 64 MiB: a watcher that stops
   reading while 700 leads are created (8 MB of events) falls past the soft
   limit; when it reads again it gets the events the socket already held,
   in order, then one SNAPSHOT (reason: fell behind, with the counts) at a
   revision R, then only events after R: nothing twice, nothing after the
   snapshot missing.
2. watch_hard_limit 1 MiB: a watcher that never reads, while 700 more such
   leads are created, is closed by leadd, which logs why once.
In both, a watcher that reads gets every event within 1 s of its write's
answer, pings on another connection stay fast, and leadd's resident memory
grows by less than 64 MB. Each leadd stops with exit 0 and `leadd verify`
passes.

Usage: watch_slow.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Leadd, Results, load_pb,  # noqa: E402
                           pipeline, status_mb)
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

# ASan's shadow memory and quarantine add to every allocation: the
# sanitizer build allows more (tests/CMakeLists.txt).
RSS_MB = int(os.environ.get("LEADD_WATCH_RSS_MB", "64"))
res = Results()
DESC = "x" * 12000
LEADS = 700


def create_fills(n, tag):
    def fill_for(i):
        def fill(q):
            q.lead_create.title = "%s %d" % (tag, i)
            q.lead_create.owner = "admin"
            q.lead_create.description = DESC
        return fill
    return [fill_for(i) for i in range(n)]


class Reader(threading.Thread):
    """A watcher that reads all the time: arrival time of each revision."""

    def __init__(self, pb, port):
        threading.Thread.__init__(self, daemon=True)
        self.w = Watcher(pb, port, "admin", ADMIN_PASSWORD)
        watch_ok(self.w, ["leads"], "reader")
        self.w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
        self.seen = {}
        self.stop = False
        self.error = None

    def run(self):
        try:
            while not self.stop:
                for e in self.w.events(quiet=0.05, limit=0.2):
                    self.seen.setdefault(e.revision, time.time())
        except Exception as e:  # reported by finish()
            self.error = e

    def finish(self, made):
        time.sleep(1.0)
        self.stop = True
        self.join()
        late = [(r, round(self.seen[r] - t, 2) if r in self.seen else None) for r, t in made
                if r not in self.seen or self.seen[r] - t > 1.0]
        res.record("the reading watcher got every event within 1 s of its answer",
                   not late and not self.error, "%s %s" % (late[:5], self.error))


def timed_creates(c, pinger, n, tag):
    """Create n leads, 50 at a time; (revision, answer time) of each, and
    the slowest ping between the chunks."""
    out, worst = [], 0
    for chunk in range(0, n, 50):
        answers = pipeline(c, create_fills(min(50, n - chunk), "%s %d" % (tag, chunk)))
        t = time.time()
        for a in answers:
            if a.code != 0:
                raise RuntimeError("create: %s" % a.message)
            out.append((a.lead.lead.version, t))
        t0 = time.time()
        pinger.call(lambda q: q.ping.SetInParent())
        worst = max(worst, time.time() - t0)
    return out, worst


def case(pb, binary, tmp, name, hard, run):
    log = os.path.join(tmp, name + ".log")
    d = Leadd(binary, os.path.join(tmp, name), log_level="info", log_file=log,
              extra=["--set", "watch_soft_limit=64KiB", "--set", "watch_hard_limit=" + hard])
    os.makedirs(os.path.join(tmp, name))
    d.start()
    try:
        adm = Client(pb, d.port, timeout=120)
        pinger = Client(pb, d.port)
        reader = Reader(pb, d.port)
        reader.start()
        rss0 = status_mb(d.proc.pid)
        made, worst = run(pb, d, adm, pinger, log)
        reader.finish(made)
        res.record("%s: pings stay fast meanwhile (worst %.0f ms)" % (name, worst * 1000),
                   worst < 0.5)
        grew = status_mb(d.proc.pid) - rss0
        res.record("%s: leadd's resident memory grew by %.1f MB (< %d)" % (name, grew, RSS_MB),
                   grew < RSS_MB)
        for c in (adm, pinger, reader.w):
            c.close()
    finally:
        if d.proc and d.proc.poll() is None:
            res.stop_and_verify(d, name)


def soft(pb, d, adm, pinger, log):
    slow = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    watch_ok(slow, ["leads", "kpi"], "slow")
    made, worst = timed_creates(adm, pinger, LEADS, "soft")
    evs = slow.until(lambda e: e.kind == pb.EVENT_SNAPSHOT and "behind" in e.reason, limit=60)
    snap = evs[-1]
    res.record("past the soft limit: one SNAPSHOT saying it fell behind, with the counts",
               snap.HasField("kpi_counts") and
               sum(c.count for c in snap.kpi_counts.total.classes) == LEADS, snap.reason)
    revs = [e.revision for e in evs[1:-1] if e.kind == pb.EVENT_ENTER]
    res.record("before it, the events the socket held, in order from the first, not all",
               revs == list(range(1, len(revs) + 1)) and len(revs) < LEADS,
               "%d of %d" % (len(revs), LEADS))
    res.record("nothing else before it but their KPI events",
               all(e.kind in (pb.EVENT_ENTER, pb.EVENT_KPI) for e in evs[1:-1]))
    extra, _ = timed_creates(adm, pinger, 3, "after")
    after = slow.events(quiet=0.5)
    res.record("after it, only the later events, each once",
               [e.revision for e in after if e.kind == pb.EVENT_ENTER] == [r for r, _ in extra]
               and all(e.revision > snap.revision for e in after), str(kinds(pb, after)))
    slow.close()
    return made + extra, worst


def hard(pb, d, adm, pinger, log):
    never = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    watch_ok(never, ["leads", "kpi"], "never")
    made, worst = timed_creates(adm, pinger, LEADS, "hard")
    res.record("past the hard limit: leadd closes the watcher", never.closed(limit=30))
    lines = [line for line in open(log) if "watch_hard_limit" in line]
    res.record("and logs why, once", len(lines) == 1, str(lines))
    return made, worst


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        case(pb, binary, tmp, "soft", "64MiB", soft)
        case(pb, binary, tmp, "hard", "1MiB", hard)
    sys.exit(res.summary())


main()
