#!/usr/bin/python3
"""A snapshot too large for one frame ends the watch (docs/protocol.md
section 6, "EVENT_ENDED"): KPI counts of many rows, each holding many
statuses with long names, pass the 1 MiB frame limit. A watch of those
counts gets EVENT_ENDED whose reason says to watch one team's counts,
nothing after it, and the connection stays open: the same connection then
watches one team's counts (kpi_team) and gets its snapshot. leadd stops
with exit 0 and `leadd verify` passes.

Usage: watch_snapshot_large.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN_PASSWORD, Client, Leadd, Results, load_pb, ok_call  # noqa: E402
from watch_lib import Watcher, kinds, oversized_kpi, watch_ok  # noqa: E402

FRAME_MAX = 1 << 20

res = Results()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, os.path.join(tmp, "d"))
        os.makedirs(os.path.join(tmp, "d"))
        d.start()
        try:
            adm = Client(pb, d.port)
            oversized_kpi(pb, adm)

            w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
            reply = watch_ok(w, ["kpi"], "all counts")
            got = w.until(lambda e: e.kind in (pb.EVENT_ENDED, pb.EVENT_SNAPSHOT), limit=20)
            last = got[-1]
            res.record("counts over the frame limit: EVENT_ENDED, not a snapshot",
                       last.kind == pb.EVENT_ENDED, str(kinds(pb, got)))
            res.record("its reason says to watch one team's counts",
                       "kpi_team" in last.reason and "too large" in last.reason,
                       repr(last.reason))
            res.record("its revision is the watch's",
                       last.revision == reply.revision,
                       "%d, reply %d" % (last.revision, reply.revision))
            # A change after it: no event, the watch is over.
            ok_call(adm, lambda q: (setattr(q.lead_create, "title", "after the end"),
                                    setattr(q.lead_create, "owner", "rep0")), "create")
            after = w.events(quiet=0.5, limit=2)
            res.record("no event follows EVENT_ENDED", not after, str(kinds(pb, after)))
            # The connection is open: one team's counts fit.
            r2 = watch_ok(w, ["kpi"], "one team", kpi_team="t0")
            snap = w.until(lambda e: e.kind in (pb.EVENT_ENDED, pb.EVENT_SNAPSHOT), limit=20)
            res.record("the same connection watches one team's counts: a snapshot",
                       snap[-1].kind == pb.EVENT_SNAPSHOT and
                       snap[-1].revision == r2.revision and
                       len(snap[-1].kpi_counts.owners) >= 1, str(kinds(pb, snap)))
            res.record("... of under a frame",
                       snap[-1].ByteSize() < FRAME_MAX, str(snap[-1].ByteSize()))
            w.close()
            adm.close()
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "large snapshot")
    sys.exit(res.summary())


main()
