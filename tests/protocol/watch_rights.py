#!/usr/bin/python3
"""Rights that change under an open watching connection (docs/protocol.md
section 6: "when the caller's role, teams or team pool visibility change",
"a kpi_team the caller may no longer read", "a session that ends").

Team A (pool hidden at first), team B; manager mA of A; reps r1, r2 of A
and rB of B; a lead of each rep and one in A's pool.

- A's pool made visible: r1's watch gets a SNAPSHOT (reason given) whose
  counts have the pool row; a change to the pool lead then reaches r1.
- r1 made a manager: SNAPSHOT; r2's lead's change then reaches r1; made a
  rep again: SNAPSHOT, r2's changes no longer do.
- r1 moved to team B: SNAPSHOT with B's view; A's pool no longer reaches r1.
- r2 watching kpi of team A, moved to team B: ENDED (may no longer read
  those counts); the connection stays open (a ping works) and no event
  follows.
- Each snapshot's counts equal a kpi answer of that moment; a model built
  from the events after it equals fresh lead_list and kpi at the end.
- The rows of a KPI watch (zero rows included) follow users and teams: a
  user added to or moved out of a manager's team, a team added for an
  admin, give a SNAPSHOT whose rows are a fresh kpi's; a user added to a
  team the manager does not see gives none.
- Ended sessions close watching connections: the user disabled; the
  session logged out from another connection (the same token).
- Logging out on the watching connection itself stops the watch (no
  event follows) and keeps the connection.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_rights.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, ok_call,  # noqa: E402
                           run_test)
from watch_lib import Model, Watcher, kinds, kpi_now, leads_now, watch_ok  # noqa: E402

PW = "watch-password-1"
res = Results()


def run(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A")
    add_team(adm, "B")
    for name, role, team in (("mA", pb.ROLE_MANAGER, "A"), ("r1", pb.ROLE_REP, "A"),
                             ("r2", pb.ROLE_REP, "A"), ("rB", pb.ROLE_REP, "B")):
        add_user(adm, name, role, team, PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA")), "managers")

    def create(title, owner=None, team=None):
        def fill(q):
            q.lead_create.title = title
            if owner:
                q.lead_create.owner = owner
            if team:
                q.lead_create.team = team
        return ok_call(adm, fill, "create " + title).lead.lead.id
    l_r2 = create("of r2", owner="r2")
    l_pool = create("pool A", team="A")
    l_rb = create("of rB", owner="rB")
    create("of r1", owner="r1")
    ver = {}

    def touch(lid, title):
        r = ok_call(adm, lambda q: (setattr(q.lead_set_status, "id", lid),
                                    setattr(q.lead_set_status, "status",
                                            "qualified" if title else "new")), "touch")
        ver[lid] = r.lead.lead.version
        return ver[lid]

    w = Watcher(pb, d.port, "r1", PW)
    watch_ok(w, ["leads", "kpi"], "r1")
    m = Model(pb)
    m.snapshot(w.until(lambda e: True)[0], c=w)

    def snap(what):
        evs = w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
        for e in evs[:-1]:
            pass  # events before the snapshot are superseded by it
        s = evs[-1]
        counts, krev = kpi_now(w)
        m.snapshot(s, c=w)
        res.record("%s: SNAPSHOT with a reason, counts as kpi's" % what,
                   s.reason != "" and m.kpi == counts and krev == s.revision,
                   "%r %s vs %s" % (s.reason, m.kpi, counts))
        return s

    def edit_user(name, **kw):
        def fill(q):
            q.user_edit.name = name
            for k, v in kw.items():
                setattr(q.user_edit, k, v)
        ok_call(adm, fill, "user_edit %s" % kw)

    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            setattr(q.team_edit, "pool_visible", True)), "pool on")
    s = snap("A's pool made visible")
    res.record("the snapshot's counts have A's pool row",
               any(r.id == 0 and r.team_name == "A" for r in s.kpi_counts.owners))
    rev = touch(l_pool, True)
    got = w.until(lambda e: e.revision == rev and e.kind == pb.EVENT_KPI)
    res.record("then the pool lead's change reaches r1", kinds(pb, got)[-2:] ==
               ["EVENT_LEAD", "EVENT_KPI"], str(kinds(pb, got)))
    for e in got:
        m.apply(e)

    edit_user("r1", role=pb.ROLE_MANAGER)
    snap("r1 made a manager")
    rev = touch(l_r2, True)
    got = w.until(lambda e: e.revision == rev and e.kind == pb.EVENT_KPI)
    res.record("as a manager r1 gets r2's lead", kinds(pb, got)[-2:] ==
               ["EVENT_LEAD", "EVENT_KPI"], str(kinds(pb, got)))
    edit_user("r1", role=pb.ROLE_REP)
    snap("r1 a rep again")
    touch(l_r2, False)
    got = w.events(quiet=0.4)
    res.record("as a rep again, r2's lead's change does not reach r1", got == [],
               str(kinds(pb, got)))

    edit_user("r1", team="B")
    snap("r1 moved to team B")
    touch(l_pool, False)
    rev = touch(l_rb, True)
    got = w.events(quiet=0.4)
    res.record("in team B (pool hidden), neither A's pool nor rB's lead reaches r1",
               got == [], str(kinds(pb, got)))
    res.record("r1's model equals fresh lead_list and kpi",
               m.leads == leads_now(w) and m.kpi == kpi_now(w)[0])

    k = Watcher(pb, d.port, "r2", PW)
    watch_ok(k, ["kpi"], "r2 kpi A", kpi_team="A")
    k.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    edit_user("r2", team="B")
    got = k.until(lambda e: e.kind == pb.EVENT_ENDED)
    res.record("kpi_team no longer readable: ENDED saying why",
               "KPI" in got[-1].reason or "counts" in got[-1].reason, got[-1].reason)
    r = k.call(lambda q: q.ping.SetInParent())
    touch(l_r2, True)
    res.record("after ENDED the connection stays open and no event follows",
               r.code == pb.OK and k.events(quiet=0.4) == [])
    k.close()

    # The rows of KPI counts (zero rows included) change with users and
    # teams, which no delta says: a snapshot with the new rows.
    def row_set(reply_counts):
        return sorted((r.id, r.team_id) for r in reply_counts.owners)

    km = Watcher(pb, d.port, "mA", PW)
    watch_ok(km, ["kpi"], "mA kpi")
    km.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    ka = Watcher(pb, d.port, "admin", "harness-admin-pw-1")
    watch_ok(ka, ["kpi"], "admin kpi")
    ka.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    add_user(adm, "newbie", pb.ROLE_REP, "A", PW)
    s = km.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[-1]
    fresh = ok_call(km, lambda q: q.kpi.SetInParent(), "kpi").kpi
    res.record("a user added to a team the manager sees: SNAPSHOT with the new zero row",
               row_set(s.kpi_counts) == row_set(fresh) and "rows" in s.reason and
               any(r.name == "newbie" for r in s.kpi_counts.owners), s.reason)
    ka.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    add_user(adm, "other", pb.ROLE_REP, "B", PW)
    res.record("a user added to a team the manager does not see: no snapshot",
               km.events(quiet=0.4) == [])
    ka.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    ok_call(adm, lambda q: setattr(q.team_add, "name", "C"), "team_add C")
    s = ka.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[-1]
    fresh = ok_call(ka, lambda q: q.kpi.SetInParent(), "kpi").kpi
    res.record("a team added: the admin's snapshot has its pool row, as kpi",
               row_set(s.kpi_counts) == row_set(fresh) and (0, max(t for _, t in
                                                                   row_set(fresh))) in
               row_set(s.kpi_counts))
    edit_user("newbie", team="B")
    s = km.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[-1]
    fresh = ok_call(km, lambda q: q.kpi.SetInParent(), "kpi").kpi
    res.record("a user moved out of the manager's team: SNAPSHOT without the row",
               row_set(s.kpi_counts) == row_set(fresh) and
               not any(r.name == "newbie" for r in s.kpi_counts.owners))
    km.close()
    ka.close()

    # Sessions that end close watching connections.
    edit_user("r1", team="A")
    w.events(quiet=0.3)
    ok_call(adm, lambda q: setattr(q.user_disable, "name", "r1"), "disable r1")
    res.record("the user disabled: the watching connection is closed", w.closed(limit=5))
    tok_w = Watcher(pb, d.port, "mA", PW)
    watch_ok(tok_w, ["leads"], "mA")
    other = Client(pb, d.port, token=tok_w.token)
    ok_call(other, lambda q: q.logout.SetInParent(), "logout elsewhere")
    res.record("the session logged out elsewhere: the watching connection is closed",
               tok_w.closed(limit=5))
    own = Watcher(pb, d.port, "rB", PW)
    watch_ok(own, ["leads", "kpi"], "rB")
    own.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    r = own.call(lambda q: q.logout.SetInParent())
    touch(l_rb, False)
    res.record("logout on the watching connection: OK, no event follows, still open",
               r.code == pb.OK and own.events(quiet=0.4) == [] and not own.closed(limit=0.3))


run_test(res, "watch_rights", run)
