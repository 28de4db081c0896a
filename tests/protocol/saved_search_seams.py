#!/usr/bin/python3
"""Saved searches where users change under them (issue 9 review), each on
connections already open:
- a team search whose filter names a user (owners) who is then disabled:
  running it still answers (a disabled user keeps their leads and stays a
  user) and lists that user's leads;
- a user disabled with searches and pins: their searches stay, filed
  under them, and verify passes; the team search they saved stays visible
  to the team;
- a manager who saved a team search and is demoted to rep (still in the
  team) may still edit it (whoever saved it may: by design), may not save a
  new team search, and the team's other reps may not edit it;
- the saver moved to another team no longer sees it (NOT_FOUND), and the
  team's manager still edits it.
leadd stops with exit 0 and `leadd verify` passes.

Usage: saved_search_seams.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user,  # noqa: E402
                           load_pb, ok_call)

PW = "saved-seams-pw-1"
res = Results()


def run(c, name):
    def fill(q):
        q.lead_list.saved_search = name
        q.lead_list.limit = 1000
    return c.call(fill)


def edit(c, name, desc=True):
    def fill(q):
        q.search_edit.name = name
        q.search_edit.desc = desc
    return c.call(fill)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            admin = Client(pb, d.port)
            add_team(admin, "A")
            add_team(admin, "B")
            add_user(admin, "m1", pb.ROLE_MANAGER, "A", PW)
            add_user(admin, "m2", pb.ROLE_MANAGER, "A", PW)
            add_user(admin, "r1", pb.ROLE_REP, "A", PW)
            add_user(admin, "r2", pb.ROLE_REP, "A", PW)
            ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                                      q.team_edit.managers.items.extend(["m1", "m2"])), "mgrs")
            for i in range(4):
                ok_call(admin, lambda q, i=i: (setattr(q.lead_create, "title", "t%d" % i),
                                               setattr(q.lead_create, "owner",
                                                       ("r1", "r2")[i % 2])), "create")
            m1 = Client(pb, d.port, "m1", PW)
            m2 = Client(pb, d.port, "m2", PW)
            r1 = Client(pb, d.port, "r1", PW)
            r2 = Client(pb, d.port, "r2", PW)

            def tsave(q):
                q.search_save.search.name = "r2s"
                q.search_save.search.team = "A"
                q.search_save.search.filter.owners.append("r2")
            ok_call(m1, tsave, "team search naming r2")
            ok_call(r2, lambda q: (setattr(q.search_save.search, "name", "own"),
                                   setattr(q.search_save.search.filter, "mine", True)), "own")
            ok_call(r2, lambda q: setattr(q.search_pin, "name", "own"), "pin")
            ok_call(admin, lambda q: setattr(q.user_disable, "name", "r2"), "disable r2")
            r = run(m1, "r2s")
            res.record("a team search naming a disabled user still runs, listing their 2 "
                       "leads", r.code == 0 and len(r.lead_list.leads) == 2,
                       "%d %s" % (r.code, r.message))
            r = run(r1, "r2s")
            res.record("a rep of the team runs it: clear answer (none of theirs)",
                       r.code == 0 and len(r.lead_list.leads) == 0, "%d %s" % (r.code, r.message))

            # -- the saver demoted --
            ok_call(admin, lambda q: (setattr(q.user_edit, "name", "m1"),
                                      setattr(q.user_edit, "role", pb.ROLE_REP)), "demote m1")
            r = edit(m1, "r2s")
            res.record("the demoted saver may still edit the team search they saved "
                       "(by design)", r.code == 0, "%d %s" % (r.code, r.message))
            r = m1.call(lambda q: (setattr(q.search_save.search, "name", "new"),
                                   setattr(q.search_save.search, "team", "A")))
            res.record("the demoted saver may not save a new team search",
                       r.code == pb.PERMISSION_DENIED, "%d %s" % (r.code, r.message))
            r = edit(r1, "r2s")
            res.record("another rep of the team may not edit it",
                       r.code == pb.PERMISSION_DENIED, "%d %s" % (r.code, r.message))

            # -- the saver moved away --
            ok_call(admin, lambda q: (setattr(q.user_edit, "name", "m1"),
                                      setattr(q.user_edit, "team", "B")), "move m1")
            r = edit(m1, "r2s", desc=False)
            res.record("moved to another team, the saver no longer sees it (NOT_FOUND)",
                       r.code == pb.NOT_FOUND, "%d %s" % (r.code, r.message))
            r = edit(m2, "r2s", desc=False)
            res.record("the team's manager still edits it", r.code == 0,
                       "%d %s" % (r.code, r.message))
            r = ok_call(admin, lambda q: q.search_list.SetInParent(), "search_list")
            res.record("the admin lists A/r2s (r2's own search is r2's alone)",
                       [s.name for s in r.search_list.searches] == ["r2s"],
                       str([s.name for s in r.search_list.searches]))
        finally:
            res.stop_and_verify(d, "saved search seams")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
