#!/usr/bin/python3
"""Rights that change while a bulk job runs under open watches (issue 11
seams review): every event must be what the watcher may read when it is
made.

Teams A, B and M; manager mA (of team M) manages A, mB (of M) manages B;
reps rA (A) and rB (B); 1500 leads of rA.
- rA's leads are moved to rB (lead_bulk_assign, in chunks, each a
  commit) while, from another connection, mA is removed as A's manager
  (team_edit managers) mid-move:
  - mA: no event ever carries a lead or a KPI row of team B, nor the new
    owner's name of a lead that went to B; a SNAPSHOT comes (rights
    changed), and after it nothing of team A either;
  - mB: one ENTER per lead, each of team B owned by rB, in revision
    order, none twice; the leads its events give equal a fresh lead_list;
  - rB: ENTER then ASSIGNED for each lead (that order in a revision);
  - the admin: one LEAD event per moved lead, revisions each once, in
    order, from the first to the last of the move with no gap;
- rB disabled while a replay since 0 is under way (rB not reading): the
  connection is closed (what the kernel holds read within 10 s; the whole
  replay, about 1 MB, may already be in the kernel's buffers);
- mA's password reset by the admin while a replay runs: the connection
  is closed;
- an admin demoted to a rep of B while watching: a SNAPSHOT, then no event
  of a lead of team A;
- a watching connection that logs in as another user: no event of the
  first user's watch follows the login's answer.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_seams_rights.py LEADD_BINARY PROTO_DIR"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, all_leads,  # noqa: E402
                           create_many, ok_call, run_test)
from watch_lib import Model, Watcher, kinds, watch_ok  # noqa: E402

PW = "seams-password-1"
N = 1500
res = Results()


def run(pb, d):
    adm = Client(pb, d.port)
    for t in ("A", "B", "M"):
        add_team(adm, t)
    add_user(adm, "mA", pb.ROLE_MANAGER, "M", PW)
    add_user(adm, "mB", pb.ROLE_MANAGER, "M", PW)
    add_user(adm, "rA", pb.ROLE_REP, "A", PW)
    add_user(adm, "rB", pb.ROLE_REP, "B", PW)
    add_user(adm, "ad2", pb.ROLE_ADMIN, None, PW)
    for team, mgr in (("A", "mA"), ("B", "mB")):
        ok_call(adm, lambda q, team=team, mgr=mgr: (
            setattr(q.team_edit, "name", team),
            q.team_edit.managers.items.append(mgr)), "managers")
    teams = {t.name: t.id for t in ok_call(adm, lambda q: q.team_list.SetInParent(),
                                           "teams").team_list.teams}
    A, B = teams["A"], teams["B"]
    create_many(adm, N, "rA", title="moving")

    w = {}
    for who in ("mA", "mB", "rB", "ad2"):
        w[who] = Watcher(pb, d.port, who, PW)
    watch_ok(w["mA"], ["leads", "kpi"], "mA")
    watch_ok(w["mB"], ["leads", "kpi"], "mB")
    watch_ok(w["rB"], ["leads", "assigned"], "rB")
    watch_ok(w["ad2"], ["leads"], "ad2")
    models = {}
    for who in ("mB",):
        models[who] = Model(pb)
        models[who].snapshot(w[who].until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[0],
                             c=w[who])
    for who in ("mA", "rB", "ad2"):
        w[who].until(lambda e: e.kind == pb.EVENT_SNAPSHOT)

    # The move, and mA's removal sent while it runs.
    adm2 = Client(pb, d.port)
    adm.send(lambda q: (setattr(q.lead_bulk_assign, "from_user", "rA"),
                        setattr(q.lead_bulk_assign, "to_user", "rB")))
    first = w["mA"].until(lambda e: e.kind == pb.EVENT_LEAVE)
    ok_call(adm2, lambda q: (setattr(q.team_edit, "name", "A"),
                             q.team_edit.managers.SetInParent()), "remove mA")
    r = adm.recv()
    res.record("the bulk move moved every lead", r.code == 0 and
               r.lead_bulk_assign.moved == N, "%d %s" % (r.code, r.lead_bulk_assign.moved))
    ev = {who: w[who].events(quiet=0.5, limit=20) for who in w}
    ev["mA"] = first + ev["mA"]

    # mA
    bad, after_snap, snap = [], [], False
    for e in ev["mA"]:
        if e.kind == pb.EVENT_SNAPSHOT:
            snap = True
            continue
        if e.HasField("lead") and e.lead.team_id != A:
            bad.append(("lead of team %d" % e.lead.team_id, e.revision))
        if any(k.team_id != A for k in e.kpi):
            bad.append(("kpi row of another team", e.revision))
        if e.kind == pb.EVENT_LEAVE and e.new_owner:
            bad.append(("LEAVE names the new owner %s" % e.new_owner, e.revision))
        if snap and (e.HasField("lead") or len(e.kpi)):
            after_snap.append((kinds(pb, [e])[0], e.revision))
    res.record("mA: nothing of team B, no new owner's name on a LEAVE", not bad,
               "%s" % bad[:5])
    leaves = [e.kind for e in ev["mA"]].index(pb.EVENT_SNAPSHOT) if snap else -1
    res.record("mA: a SNAPSHOT once no longer A's manager", snap,
               "after %d of mA's events (%d leads moved)" % (leaves, N))
    res.record("mA: after the SNAPSHOT nothing of team A", not after_snap,
               "%s" % after_snap[:5])

    # mB
    enters = [e for e in ev["mB"] if e.kind == pb.EVENT_ENTER]
    revs = [e.revision for e in enters]
    res.record("mB: one ENTER per lead, of team B owned by rB, in order, none twice",
               len(enters) == N and revs == sorted(set(revs)) and
               all(e.lead.team_id == B and e.new_owner == "rB" for e in enters),
               "%d enters" % len(enters))
    for e in ev["mB"]:
        if e.kind != pb.EVENT_SNAPSHOT:
            models["mB"].apply(e)
    now = {l.id: l.version for l in all_leads(w["mB"])}
    res.record("mB: the leads from the events equal a fresh lead_list",
               models["mB"].leads == now,
               "%d vs %d" % (len(models["mB"].leads), len(now)))

    # rB
    ks = [(e.revision, e.kind) for e in ev["rB"]]
    want = []
    for rv in revs:
        want += [(rv, pb.EVENT_ENTER), (rv, pb.EVENT_ASSIGNED)]
    res.record("rB: ENTER then ASSIGNED for each lead, in revision order", ks == want,
               "%d events, %d wanted" % (len(ks), len(want)))

    # the admin
    arevs = [e.revision for e in ev["ad2"] if e.kind == pb.EVENT_LEAD]
    res.record("admin: one LEAD per lead, revisions consecutive, once each",
               len(arevs) == N and arevs == list(range(arevs[0], arevs[0] + N)),
               "%d events" % len(arevs))

    # rB disabled mid-replay.
    slow = Watcher(pb, d.port, "rB", PW)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    watch_ok(slow, ["leads", "assigned"], "rB replay", since=0)
    ok_call(adm, lambda q: setattr(q.user_disable, "name", "rB"), "disable rB")
    time.sleep(1)
    t0 = time.time()
    got, closed = [], False
    slow.sock.settimeout(10)
    try:
        while time.time() - t0 < 10:
            got.append(slow._msg())
    except (EOFError, ConnectionResetError):
        closed = True
    except socket.timeout:
        pass
    res.record("rB disabled mid-replay: the connection is closed (read within 10 s)",
               closed, "%.1f s, %d messages" % (time.time() - t0, len(got)))

    # mA's password reset by the admin while a replay since 0 runs.
    pr = Watcher(pb, d.port, "mA", PW)
    pr.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    watch_ok(pr, ["leads", "kpi"], "mA replay", since=0)
    ok_call(adm, lambda q: (setattr(q.user_passwd, "name", "mA"),
                            setattr(q.user_passwd, "password", "another-password-2")),
            "reset mA")
    t0 = time.time()
    closed = False
    pr.sock.settimeout(10)
    try:
        while time.time() - t0 < 10:
            pr._msg()
    except (EOFError, ConnectionResetError):
        closed = True
    except socket.timeout:
        pass
    res.record("mA's password reset mid-replay: the connection is closed",
               closed, "%.1f s" % (time.time() - t0))

    # ad2 demoted to a rep of B.
    ok_call(adm, lambda q: (setattr(q.user_edit, "name", "ad2"),
                            setattr(q.user_edit, "role", pb.ROLE_REP),
                            setattr(q.user_edit, "team", "B")), "demote ad2")
    lid = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "A secret"),
                                  setattr(q.lead_create, "team", "A")),
                  "create in A").lead.lead.id
    got = w["ad2"].events(quiet=0.5, limit=5)
    res.record("ad2 demoted: a SNAPSHOT", pb.EVENT_SNAPSHOT in [e.kind for e in got],
               "%s" % kinds(pb, got))
    res.record("ad2 demoted: no event of team A's new lead",
               not [e for e in got if e.lead_id == lid], "%s" % kinds(pb, got))

    # mB's connection logs in as rA.
    w["mB"].events(quiet=0.3, limit=3)
    r = w["mB"].login(user="rA", password=PW)
    res.record("mB's watching connection logs in as rA", r.code == 0, r.message)
    w["mB"].pending = []  # events that came before the login's answer
    lb = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "B pool"),
                                 setattr(q.lead_create, "team", "B")),
                 "create in B").lead.lead.id
    got = w["mB"].events(quiet=0.5, limit=3)
    res.record("after the login no event of mB's watch follows", not got,
               "%s (lead %d)" % (kinds(pb, got), lb))
    for c in list(w.values()) + [adm, adm2]:
        c.close()


if __name__ == "__main__":
    run_test(res, "watch seams rights", run)
