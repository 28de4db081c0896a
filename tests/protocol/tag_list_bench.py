#!/usr/bin/python3
"""tag_list (issue 10) at N tagged leads: how long `lead tags` takes as an
admin, a manager and a rep, and the slowest ping answered on another
connection meanwhile. A measurement for docs/performance.md, not a test.

Usage: tag_list_bench.py LEADD_BINARY PROTO_DIR N

N leads owned by ten reps (five in team A, managed by mA, five in team B),
each with three tags: one of 200, one of 13, and "all"."""
import os, sys, time, tempfile, threading
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, load_pb, ok_call, pipeline, add_team, add_user
PW="bench-pw-1"
binary, proto = sys.argv[1], sys.argv[2]
N = int(sys.argv[3])
with tempfile.TemporaryDirectory() as tmp:
    pb = load_pb(proto, tmp)
    d = Leadd(binary, tmp).start()
    admin = Client(pb, d.port, timeout=600)
    add_team(admin, "A"); add_team(admin, "B")
    add_user(admin, "mA", pb.ROLE_MANAGER, "A", PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"), q.team_edit.managers.items.append("mA")), "m")
    for i in range(10):
        add_user(admin, "r%d" % i, pb.ROLE_REP, "A" if i < 5 else "B", PW)
    def fill_for(i):
        def fill(q):
            q.lead_create.title = "bench %d" % i
            q.lead_create.owner = "r%d" % (i % 10)
            q.lead_create.tags.extend(["t%d" % (i % 200), "g%d" % (i % 13), "all"])
        return fill
    t0 = time.time()
    for s in range(0, N, 10000):
        pipeline(admin, [fill_for(i) for i in range(s, min(N, s + 10000))])
    print("created %d in %.1fs" % (N, time.time() - t0))
    for who in ("admin", "mA", "r0"):
        c = admin if who == "admin" else Client(pb, d.port, user=who, password=PW, timeout=600)
        pinger = Client(pb, d.port, timeout=60)
        lat = []; done = threading.Event()
        def loop():
            while not done.is_set():
                t = time.time(); pinger.call(lambda q: q.ping.SetInParent()); lat.append(time.time() - t)
        th = threading.Thread(target=loop); th.start()
        best = 1e9
        for _ in range(3):
            t = time.time()
            r = ok_call(c, lambda q: q.tag_list.SetInParent(), "tl")
            best = min(best, time.time() - t)
        done.set(); th.join()
        print("%s: %d tags, 'all' %d, best of 3 %.3fs; pings %d, p max %.1f ms" % (
            who, len(r.tag_list.tags), dict((t.name, t.count) for t in r.tag_list.tags).get("all", 0),
            best, len(lat), max(lat) * 1000))
    d.stop()
