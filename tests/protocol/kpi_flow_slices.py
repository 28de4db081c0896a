#!/usr/bin/python3
"""A long kpi flow does not hold the loop (issue 9 review).

The flow of `lead kpi --since` walks every rollup record of the period;
leads with distinct sources make one record each, so a year's flow over
SOURCES leads with distinct sources is tens of ms of walking. It must be
read in slices, between which other connections are answered: while one
connection pipelines KPIS flow requests, another connection's pings are
answered within PING_MS (median) — before, each waited for a whole walk.
The flow's numbers are checked (created = SOURCES + 1, 200 sources and
"(other)"), and a write made while a flow is being read does not disturb
it. leadd stops with exit 0 and `leadd verify` passes.

Usage: kpi_flow_slices.py LEADD_BINARY PROTO_DIR"""
import os
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, load_pb, pipeline  # noqa: E402

SOURCES = int(os.environ.get("KPI_SLICE_SOURCES", "30000"))
KPIS = 12
PING_MS = 6.0
res = Results()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            c = Client(pb, d.port, timeout=300)

            def create(i):
                return lambda q: (setattr(q.lead_create, "title", "l%d" % i),
                                  setattr(q.lead_create, "owner", "admin"),
                                  setattr(q.lead_create, "source", "source %d" % i))
            bad = [a for a in pipeline(c, [create(i) for i in range(SOURCES)], window=200)
                   if a.code != 0]
            res.record("%d leads with distinct sources created" % SOURCES, not bad)
            since = int(time.time() * 1000) - 365 * 86400000

            def flow(q):
                q.kpi.since = since
            k = Client(pb, d.port, timeout=300)
            t0 = time.time()
            one = k.call(flow)
            alone_ms = (time.time() - t0) * 1000
            res.record("a year's flow answers OK (%.1f ms alone)" % alone_ms, one.code == 0,
                       one.message)
            f = one.kpi.flow
            res.record("the flow counts every creation", f.created == SOURCES,
                       "created %d" % f.created)
            res.record("200 sources and (other)",
                       len(f.by_source) == 201 and f.by_source[-1].source == "(other)" and
                       sum(s.created for s in f.by_source) == SOURCES,
                       "%d sources" % len(f.by_source))

            # Pings on another connection while KPIS flows are pipelined.
            p = Client(pb, d.port)
            answers = []
            done = threading.Event()

            def reader():
                for _ in range(KPIS):
                    answers.append(k.recv())
                done.set()
            for _ in range(KPIS):
                k.send(flow)
            th = threading.Thread(target=reader)
            th.start()
            waits = []
            while not done.is_set() and len(waits) < 2000:
                t1 = time.time()
                p.call(lambda q: q.ping.SetInParent())
                waits.append((time.time() - t1) * 1000)
            th.join()
            med = statistics.median(waits) if waits else 0
            res.record("pings during %d pipelined flows: median %.2f ms (max %.1f ms, %d "
                       "pings), under %.0f ms" % (KPIS, med, max(waits or [0]), len(waits),
                                                  PING_MS),
                       len(waits) >= 3 and med < PING_MS)
            res.record("every pipelined flow answers the same numbers",
                       all(a.code == 0 and a.kpi.flow.created == SOURCES for a in answers),
                       str([(a.code, a.kpi.flow.created) for a in answers][:3]))

            # A write while flows are read: each answer counts it or not.
            for _ in range(4):
                k.send(flow)
            r = c.call(create(SOURCES))
            res.record("a create between flow slices answers OK", r.code == 0, r.message)
            got = [k.recv() for _ in range(4)]
            res.record("flows read around a write count it at most once",
                       all(a.code == 0 and a.kpi.flow.created in (SOURCES, SOURCES + 1)
                           for a in got),
                       str([(a.code, a.kpi.flow.created) for a in got]))
            last = k.call(flow)
            res.record("the next flow counts the new lead", last.kpi.flow.created == SOURCES + 1,
                       str(last.kpi.flow.created))
        finally:
            res.stop_and_verify(d, "kpi flow slices")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
