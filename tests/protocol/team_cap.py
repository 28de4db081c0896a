#!/usr/bin/python3
"""A user sees at most 16 teams (their own and those they manage): a
session holds that many, so a team_add, team_edit or user_edit that would
make it more is refused with a sentence, instead of some teams silently
going unseen (their leads missing from lists and KPI counts).

Usage: team_cap.py LEADD PROTO_DIR. Ends with leadd stopped and verify."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, add_team, add_user, load_pb  # noqa: E402

PW = "team-cap-password"


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    res = Results()
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp).start()
        admin = Client(pb, d.port)
        add_team(admin, "home")
        add_user(admin, "m", pb.ROLE_MANAGER, team="home", password=PW)
        for i in range(1, 16):
            add_team(admin, "t%d" % i, managers=["m"])
        add_team(admin, "spare")

        def edit_managers(team, names):
            def fill(q):
                q.team_edit.name = team
                q.team_edit.managers.SetInParent()
                q.team_edit.managers.items.extend(names)
            return admin.call(fill)

        r = edit_managers("spare", ["m"])
        res.record("a 16th managed team (17 seen) is refused by team_edit",
                   r.code == pb.FAILED_PRECONDITION and "at most 16" in r.message
                   and "m would see 17 teams" in r.message, "%d %s" % (r.code, r.message))
        r = admin.call(lambda q: (setattr(q.team_add, "name", "new"),
                                  q.team_add.managers.append("m")))
        res.record("and by team_add", r.code == pb.FAILED_PRECONDITION, r.message)
        r = admin.call(lambda q: q.team_list.SetInParent())
        names = {t.name for t in r.team_list.teams}
        res.record("the refused team_add made no team", "new" not in names, str(sorted(names)))
        # Moving m into a team they do not manage drops "home": still 16.
        r = admin.call(lambda q: (setattr(q.user_edit, "name", "m"),
                                  setattr(q.user_edit, "team", "spare")))
        res.record("a team move that keeps 16 seen is allowed", r.code == pb.OK, r.message)
        r = admin.call(lambda q: (setattr(q.user_edit, "name", "m"),
                                  setattr(q.user_edit, "team", "home")))
        res.record("and back", r.code == pb.OK, r.message)
        r = edit_managers("t1", ["m"])
        res.record("re-saving a team m already manages is allowed", r.code == pb.OK, r.message)
        # Every team m sees is in their session: a lead in t15's pool is listed.
        m = Client(pb, d.port, user="m", password=PW)
        r = admin.call(lambda q: (setattr(q.lead_create, "title", "far"),
                                  setattr(q.lead_create, "team", "t15")))
        far = r.lead.lead.id
        r = m.call(lambda q: setattr(q.lead_get, "id", far))
        res.record("m sees the pool of the 15th team they manage", r.code == pb.OK, r.message)
        m.close()
        admin.close()
        res.stop_and_verify(d, "leadd")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
