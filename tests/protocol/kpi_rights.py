#!/usr/bin/python3
"""KPI rights and counts where other requests change them (issue 9 review),
each on a connection that was already open:

- a rep moved to another team while their leads follow in chunks of 500:
  every kpi the rep asks for meanwhile counts all of their own leads (they
  see their own leads wherever they are, so a recount does), not only those
  already moved; the new team's manager never counts a lead still in the
  old team (a manager sees leads by the lead's team);
- a manager demoted to rep: the next kpi is a rep's (own row only);
- a team's pool_visible turned on and off: a rep's next kpi has the pool
  row, then not;
- a manager made manager of another team (team_edit managers): the next
  kpi has that team's rows; a team they do not manage is PERMISSION_DENIED;
- a disabled user's open connection gets no counts;
- a rep in no team: their own row, "(no team)", counted.
leadd stops with exit 0 and `leadd verify` passes.

Usage: kpi_rights.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user,  # noqa: E402
                           create_many, load_pb, ok_call)

PW = "kpi-password-1"
MOVED = 3000
res = Results()


def kpi_fill(team=None):
    def fill(q):
        q.kpi.SetInParent()
        if team:
            q.kpi.team = team
    return fill


def total(r):
    return sum(c.count for c in r.kpi.total.classes)


def rows(r):
    return sorted((o.name, o.team_name, sum(c.count for c in o.counts.classes))
                  for o in r.kpi.owners)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            admin = Client(pb, d.port, timeout=300)
            add_team(admin, "A", pool_visible=False)
            add_team(admin, "B", pool_visible=False)
            add_user(admin, "mA", pb.ROLE_MANAGER, "A", PW)
            add_user(admin, "mB", pb.ROLE_MANAGER, "B", PW)
            add_user(admin, "r1", pb.ROLE_REP, "A", PW)
            add_user(admin, "r2", pb.ROLE_REP, "A", PW)
            add_user(admin, "r4", pb.ROLE_REP, None, PW)
            for team, mgr in (("A", "mA"), ("B", "mB")):
                ok_call(admin, lambda q, team=team, mgr=mgr: (
                    setattr(q.team_edit, "name", team),
                    q.team_edit.managers.items.append(mgr)), "team_edit managers")
            create_many(admin, MOVED, "r1", tiny_fields=True)
            create_many(admin, 3, "r2")
            create_many(admin, 2, "r4")
            ok_call(admin, lambda q: (setattr(q.lead_create, "title", "pool A"),
                                      setattr(q.lead_create, "team", "A")), "pool lead")
            r1 = Client(pb, d.port, "r1", PW, timeout=300)
            r2 = Client(pb, d.port, "r2", PW)
            r4 = Client(pb, d.port, "r4", PW)
            ma = Client(pb, d.port, "mA", PW)
            mb = Client(pb, d.port, "mB", PW, timeout=300)

            # -- the team move, read while it runs --
            before = r1.call(kpi_fill())
            res.record("r1 counts their %d leads before the move" % MOVED,
                       total(before) == MOVED, str(rows(before)))
            admin.send(lambda q: (setattr(q.user_edit, "name", "r1"),
                                  setattr(q.user_edit, "team", "B")))
            wrong_rep, wrong_mgr, asked = [], [], 0
            done = None
            while done is None and asked < 2000:
                r1.send(kpi_fill())
                mb.send(kpi_fill())
                a, b = r1.recv(), mb.recv()
                asked += 1
                if a.code != 0 or total(a) != MOVED:
                    wrong_rep.append((a.code, total(a) if a.code == 0 else a.message))
                if b.code != 0:
                    wrong_mgr.append(b.message)
                admin.sock.setblocking(False)
                try:
                    done = admin.recv()
                except (BlockingIOError, OSError):
                    pass
                finally:
                    admin.sock.setblocking(True)
            if done is None:
                done = admin.recv()
            res.record("the team move answers OK", done.code == 0, done.message)
            res.record("every kpi of the moved rep during the move counts all %d of "
                       "their leads (%d asked)" % (MOVED, asked), not wrong_rep,
                       "%d wrong, first %s" % (len(wrong_rep), wrong_rep[:3]))
            res.record("the new team's manager's kpi answers OK during the move",
                       not wrong_mgr, str(wrong_mgr[:2]))
            after_mb = mb.call(kpi_fill())
            res.record("after the move the new manager counts r1's leads in team B",
                       ("r1", "B", MOVED) in rows(after_mb), str(rows(after_mb)))
            after_ma = ma.call(kpi_fill())
            res.record("after the move the old manager no longer has an r1 row",
                       all(n != "r1" for n, _, _ in rows(after_ma)), str(rows(after_ma)))

            # -- demotion of a manager on an open connection --
            r = ma.call(kpi_fill())
            res.record("mA (manager) sees r2's row", any(n == "r2" for n, _, _ in rows(r)),
                       str(rows(r)))
            ok_call(admin, lambda q: (setattr(q.user_edit, "name", "mA"),
                                      setattr(q.user_edit, "role", pb.ROLE_REP)), "demote")
            r = ma.call(kpi_fill())
            res.record("demoted mA's next kpi is a rep's: their own row only",
                       r.code == 0 and [n for n, _, _ in rows(r)] == ["mA"],
                       "%d %s %s" % (r.code, r.message, rows(r) if r.code == 0 else ""))
            r = ma.call(kpi_fill("A"))
            res.record("demoted mA may still ask for their own team", r.code == 0, r.message)

            # -- pool_visible toggled --
            r = r2.call(kpi_fill())
            res.record("r2 has no pool row while A's pool is hidden",
                       all(n != "(pool)" for n, _, _ in rows(r)), str(rows(r)))
            ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                                      setattr(q.team_edit, "pool_visible", True)), "pool on")
            r = r2.call(kpi_fill())
            res.record("pool shown: r2's next kpi has A's pool (1 lead)",
                       ("(pool)", "A", 1) in rows(r) and total(r) == 4, str(rows(r)))
            ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                                      setattr(q.team_edit, "pool_visible", False)), "pool off")
            r = r2.call(kpi_fill())
            res.record("pool hidden again: r2's next kpi has no pool row",
                       all(n != "(pool)" for n, _, _ in rows(r)) and total(r) == 3,
                       str(rows(r)))

            # -- a manager given another team --
            r = mb.call(kpi_fill("A"))
            res.record("mB may not ask for team A", r.code == pb.PERMISSION_DENIED,
                       "%d %s" % (r.code, r.message))
            ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                                      q.team_edit.managers.items.append("mB")), "mB manages A")
            r = mb.call(kpi_fill("A"))
            res.record("mB, now a manager of A, gets A's counts on the same connection",
                       r.code == 0 and any(n == "r2" for n, _, _ in rows(r)),
                       "%d %s" % (r.code, r.message))

            # -- a rep in no team --
            r = r4.call(kpi_fill())
            res.record("a rep in no team: own row under (no team), 2 leads",
                       r.code == 0 and rows(r) == [("r4", "(no team)", 2)],
                       "%d %s %s" % (r.code, r.message, rows(r) if r.code == 0 else ""))

            # -- disabled --
            ok_call(admin, lambda q: setattr(q.user_disable, "name", "r2"), "disable r2")
            try:
                r = r2.call(kpi_fill())
                got = r.code
            except (OSError, EOFError, ValueError):
                got = "closed"
            res.record("a disabled rep's open connection gets no counts",
                       got != 0, "answer code %s" % got)
        finally:
            res.stop_and_verify(d, "kpi rights")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
