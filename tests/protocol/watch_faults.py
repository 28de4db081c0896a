#!/usr/bin/python3
"""Events never go out before the commit that made them, and a write that
fails sends none (docs/protocol.md section 6: events come from the change
log, read after each commit).

Case "inject" (leadd-fault-test, LEADD_FAULT_INJECTION=1):
- a create titled "inject-slow" holds the writer 500 ms before its commit:
  a watcher gets nothing in the first 400 ms, then its ENTER once it is
  committed (after its answer's commit, never before);
- a batch with a create titled "inject-io-error" (it faults inside the
  transaction) among good writes: the watcher gets the good writes' events,
  none for the faulted one, revisions without a gap (no snapshot).
Case "disk_full" (leadd on a 4 MiB tmpfs, filled): creates refused for a
full disk give no event, the watcher stays open; once space is freed, the
next create's events come, their revision the next after the last event.
Each ends with leadd stopped (exit 0) and `leadd verify` passing.

Usage: watch_faults.py LEADD_FAULT_TEST_BINARY PROTO_DIR inject|disk_full"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Leadd, Results, load_pb,  # noqa: E402
                           ok_call, send_together)
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

SKIPPED = 77
res = Results()


def create(title, desc=""):
    return lambda q: (setattr(q.lead_create, "title", title),
                      setattr(q.lead_create, "owner", "admin"),
                      setattr(q.lead_create, "description", desc))


def watcher(pb, d):
    w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    watch_ok(w, ["leads", "kpi"], "watcher")
    s = w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[-1]
    return w, s.revision


def inject(pb, d):
    w, rev = watcher(pb, d)
    a = Client(pb, d.port)
    t0 = time.time()
    a.send(create("inject-slow"))
    early = w.events(quiet=0.4, limit=0.4)
    res.record("nothing in the 400 ms before the held write commits", early == [],
               str(kinds(pb, early)))
    r = a.recv()
    got = w.until(lambda e: e.kind == pb.EVENT_KPI)
    res.record("then its ENTER, after its commit (%.0f ms after it was sent)"
               % ((time.time() - t0) * 1000),
               r.code == pb.OK and kinds(pb, got) == ["EVENT_ENTER", "EVENT_KPI"] and
               got[0].revision == r.lead.lead.version == rev + 1 and time.time() - t0 >= 0.45)
    rev += 1

    b = Client(pb, d.port)
    a.send(create("inject-slow"))
    time.sleep(0.15)
    fills = [create("good 1"), create("inject-io-error"), create("good 2"), create("good 3")]
    send_together(b, fills)
    a.recv()
    answers = [b.recv() for _ in fills]
    res.record("the faulted create fails, the others commit",
               [x.code == pb.OK for x in answers] == [True, False, True, True],
               str([pb.Code.Name(x.code) for x in answers]))
    evs = w.events(quiet=0.5)
    titles = [e.lead.title for e in evs if e.kind == pb.EVENT_ENTER]
    revs = sorted({e.revision for e in evs})
    res.record("events for every committed write, none for the faulted one",
               sorted(titles) == ["good 1", "good 2", "good 3", "inject-slow"], str(titles))
    res.record("revisions follow on without a gap, no snapshot",
               revs == list(range(rev + 1, rev + 5)) and
               not any(e.kind == pb.EVENT_SNAPSHOT for e in evs), str(revs))
    for c in (w, a, b):
        c.close()


def disk_full(pb, d, disk):
    with open(os.path.join(disk, "filler"), "wb") as f:
        f.write(b"\0" * (1536 * 1024))
    d.start()
    w, rev = watcher(pb, d)
    c = Client(pb, d.port)
    acked, refused = 0, 0
    for i in range(2000):
        r = c.call(create("lead %d" % i, "d%d " % i * 1500))
        if r.code == pb.OK:
            acked += 1
            last = r.lead.lead.version
        else:
            refused += 1
            if refused == 10:
                break
    res.record("the disk fills and creates are refused", refused == 10 and acked,
               "%d acked" % acked)
    evs = w.events(quiet=0.5)
    enters = [e.revision for e in evs if e.kind == pb.EVENT_ENTER]
    res.record("an event for each committed create, none for a refused one",
               enters == list(range(rev + 1, last + 1)), "%d events, last %d" % (
                   len(enters), enters[-1] if enters else 0))
    r = c.call(create("while full", "w " * 6000))
    res.record("while full, no event", r.code != pb.OK and w.events(quiet=0.4) == [])
    os.unlink(os.path.join(disk, "filler"))
    r = ok_call(c, create("after space is freed"), "create after")
    evs = w.until(lambda e: e.kind == pb.EVENT_KPI)
    res.record("once space is freed: the next create's events, the next revision",
               kinds(pb, evs) == ["EVENT_ENTER", "EVENT_KPI"] and
               evs[0].revision == r.lead.lead.version == last + 1)
    w.close()
    c.close()


def main():
    binary, proto_dir, which = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        if which == "inject":
            os.environ["LEADD_FAULT_INJECTION"] = "1"
            d = Leadd(binary, tmp).start()
            try:
                inject(pb, d)
            finally:
                res.stop_and_verify(d, "inject")
        else:
            disk = os.path.join(tmp, "disk")
            os.mkdir(disk)
            m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if m.returncode != 0:
                print("SKIPPED - cannot mount a tmpfs here (needs root): %s"
                      % m.stdout.decode().strip())
                sys.exit(SKIPPED)
            d = Leadd(binary, tmp)
            d.data = os.path.join(disk, "data")
            try:
                disk_full(pb, d, disk)
                res.stop_and_verify(d, "disk_full")
            finally:
                if d.proc and d.proc.poll() is None:
                    d.stop("KILL")
                subprocess.run(["umount", "-l", disk])
    sys.exit(res.summary())


main()
