#!/usr/bin/python3
"""A watch_soft_limit of 0 (or under 4 bytes) still lets a watcher follow
(docs/protocol.md section 6, "Slow watchers"): its first SNAPSHOT comes,
and after each burst of changes it gets their events or a SNAPSHOT that
covers them, never nothing. (Before: nothing could go ahead of the socket,
so even the snapshot waited in the queue, passed the soft limit and was
dropped for another, and the watcher heard nothing at all.) leadd stops
with exit 0 and `leadd verify` passes.

Usage: watch_tiny_limit.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN_PASSWORD, Client, Leadd, Results, load_pb, ok_call  # noqa: E402
from watch_lib import Watcher, watch_ok  # noqa: E402

res = Results()


def case(pb, binary, tmp, limit):
    name = "soft" + limit
    d = Leadd(binary, os.path.join(tmp, name), extra=["--set", "watch_soft_limit=" + limit])
    os.makedirs(os.path.join(tmp, name))
    d.start()
    try:
        adm = Client(pb, d.port)
        w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
        watch_ok(w, ["leads", "kpi"], name)
        first = w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
        res.record("watch_soft_limit=%s: the first SNAPSHOT comes" % limit,
                   first and first[-1].kind == pb.EVENT_SNAPSHOT)
        last = 0
        for i in range(3):
            def fill(q, i=i):
                q.lead_create.title = "tiny %s %d" % (limit, i)
                q.lead_create.owner = "admin"
            last = ok_call(adm, fill, "create").lead.lead.version
        # Every change is covered: by its own event, or by a snapshot at or
        # after its revision.
        seen = w.until(lambda e: e.revision >= last, limit=5)
        top = max([e.revision for e in seen] or [0])
        res.record("watch_soft_limit=%s: the changes after it reach the watcher" % limit,
                   top >= last, "%d events, up to revision %d of %d" % (len(seen), top, last))
        adm.close()
        w.close()
    finally:
        if d.proc and d.proc.poll() is None:
            res.stop_and_verify(d, name)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        for limit in ("0", "3"):
            case(pb, binary, tmp, limit)
    sys.exit(res.summary())


main()
