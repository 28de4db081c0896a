#!/usr/bin/python3
"""leadd killed (SIGKILL) while the change log is trimmed and a bulk move
runs under open watches (issue 11 seams review).

leadd runs with changelog_max=1000 (each commit trims up to 256 of the
oldest entries) and 3000 leads of rA; an admin watcher and mB (manager of
B) watch. A bulk move of rA's leads to rB starts (chunks: commits, each
trimming), and leadd is killed in its middle, three rounds (the move goes
on where it stopped). After each kill:
- `leadd verify` passes (trimming and the move are whole commits or
  none);
- each watcher resumes from the last revision it applied: it gets a
  replay of exactly the revisions after it (each once, in order, then
  CAUGHT_UP), or, when the log no longer holds them, a SNAPSHOT; the
  leads mB holds from its events (lead lists re-read after a snapshot)
  equal a fresh lead_list.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_seams_crash.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Results, add_team,  # noqa: E402
                           add_user, all_leads, create_many, ok_call, run_test)
from watch_lib import Model, Watcher, watch_ok  # noqa: E402

PW = "seams-password-1"
N = 3000
res = Results()


def run(pb, d):
    d.stop()
    d.extra = ["--set", "changelog_max=1000"]
    d.start()
    adm = Client(pb, d.port)
    add_team(adm, "A")
    add_team(adm, "B")
    add_user(adm, "rA", pb.ROLE_REP, "A", PW)
    add_user(adm, "rB", pb.ROLE_REP, "B", PW)
    add_user(adm, "mB", pb.ROLE_MANAGER, "B", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "B"),
                            q.team_edit.managers.items.append("mB")), "managers")
    create_many(adm, N, "rA", title="crash")
    adm.close()

    users = {"admin": (ADMIN, ADMIN_PASSWORD), "mB": ("mB", PW)}
    models = {}
    for who, (u, p) in users.items():
        w = Watcher(pb, d.port, u, p)
        watch_ok(w, ["leads"], who)
        models[who] = Model(pb)
        models[who].snapshot(w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[0], c=w)
        models[who].w = w
    moves = [("rA", "rB"), ("rB", "rA"), ("rA", "rB")]
    for rnd, (src, dst) in enumerate(moves):
        b = Client(pb, d.port)
        b.send(lambda q, src=src, dst=dst: (setattr(q.lead_bulk_assign, "from_user", src),
                                            setattr(q.lead_bulk_assign, "to_user", dst)))
        # Kill once the move is under way (its first events reached mB).
        m = models["mB"]
        evs = m.w.until(lambda e: e.kind in (pb.EVENT_ENTER, pb.EVENT_LEAVE), limit=20)
        time.sleep(0.02 * rnd)
        d.stop(sig="KILL")
        for who, mod in models.items():
            try:
                more = mod.w.events(quiet=0.2, limit=3)
            except (EOFError, ConnectionResetError):
                more = []
            got = evs + more if who == "mB" else more
            for e in got:
                if e.kind == pb.EVENT_SNAPSHOT:
                    mod.snapshot(e, c=None)
                    mod.lost = True
                elif e.kind != pb.EVENT_CAUGHT_UP:
                    mod.apply(e)
            mod.w.close()
        res.record("round %d: leadd verify passes after SIGKILL mid-move" % rnd,
                   d.verify() == 0)
        d.start()
        for who, (u, p) in users.items():
            mod = models[who]
            w = Watcher(pb, d.port, u, p)
            since = mod.revision
            r = w.watch(["leads"], since=since)
            if r.code != 0:
                res.record("round %d %s resumes" % (rnd, who), False, r.message)
                continue
            evs = w.until(lambda e: e.kind in (pb.EVENT_CAUGHT_UP, pb.EVENT_SNAPSHOT),
                          limit=20)
            last = evs[-1]
            if last.kind == pb.EVENT_SNAPSHOT:
                mod.snapshot(last, c=w)
                kind = "snapshot"
                ok = len(evs) == 1
            else:
                revs = [e.revision for e in evs[:-1]]
                ok = revs == sorted(set(revs)) and all(since < x <= last.revision
                                                       for x in revs)
                for e in evs[:-1]:
                    mod.apply(e)
                kind = "replay of %d" % len(revs)
            now = {l.id: l.version for l in all_leads(w)}
            res.record("round %d: %s resumes from %d (%s), its leads equal a fresh list"
                       % (rnd, who, since, kind), ok and mod.leads == now,
                       "%d held, %d listed" % (len(mod.leads), len(now)))
            mod.w = w
    for mod in models.values():
        mod.w.close()


if __name__ == "__main__":
    run_test(res, "watch seams crash", run)
