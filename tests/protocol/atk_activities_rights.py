#!/usr/bin/python3
"""Attack (issue 13): rights on an open connection against the activity
requests.

Usage: atk_activities_rights.py LEADD_BINARY PROTO_DIR

rita (rep of north, pool visible) keeps one connection open throughout:
- her lead is assigned to rob: then on the same connection, pipelined,
  activity_add/done/edit/rm/list on it are NOT_FOUND, and nothing changed
  (rob's list is what it was);
- she is moved to team south: her pipelined activity_add and list on a
  north pool lead are NOT_FOUND;
- she is disabled: her next activity request is refused (UNAUTHENTICATED)
  or finds the connection closed (session_rights.py), and writes nothing.
leadd verify passes at the end."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc,  # noqa: E402
                           ok_call, pipeline, run_test)

res = Results()
PW = "rights-pw-12345"
DAY = 86400 * 1000


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north", pool_visible=True)
    add_team(admin, "south")
    add_user(admin, "rita", pb.ROLE_REP, team="north", password=PW)
    add_user(admin, "rob", pb.ROLE_REP, team="north", password=PW)
    rita = Client(pb, d.port, user="rita", password=PW)
    at = int(time.time() * 1000) + DAY

    lead = ok_call(rita, lambda q: setattr(q.lead_create, "title", "Mine"), "create").lead.lead
    lid = lead.id
    for t in ("one", "two"):
        ok_call(rita, lambda q, t=t: (setattr(q.activity_add, "lead_id", lid),
                                      setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                                      setattr(q.activity_add, "title", t),
                                      setattr(q.activity_add, "at", at)), "task " + t)

    def listing(c, lid):
        return [(a.number, a.state, a.title, a.assignee) for a in
                ok_call(c, lambda q: setattr(q.activity_list, "lead_id", lid),
                        "list").activity_list.activities]

    ok_call(admin, lambda q: (setattr(q.lead_assign, "id", lid),
                              setattr(q.lead_assign, "to_user", "rob")), "assign to rob")
    before = listing(admin, lid)
    answers = pipeline(rita, [
        lambda q: (setattr(q.activity_add, "lead_id", lid),
                   setattr(q.activity_add, "kind", pb.ACTIVITY_NOTE),
                   setattr(q.activity_add, "text", "still mine?")),
        lambda q: (setattr(q.activity_done, "lead_id", lid), setattr(q.activity_done, "number", 1)),
        lambda q: (setattr(q.activity_edit, "lead_id", lid), setattr(q.activity_edit, "number", 2),
                   setattr(q.activity_edit, "title", "renamed")),
        lambda q: (setattr(q.activity_rm, "lead_id", lid), setattr(q.activity_rm, "number", 2)),
        lambda q: setattr(q.activity_list, "lead_id", lid),
    ])
    res.record("after her lead went to rob, rita's pipelined add/done/edit/rm/list are "
               "NOT_FOUND", all(a.code == pb.NOT_FOUND for a in answers),
               "; ".join(desc(pb, a) for a in answers))
    res.record("... and changed nothing", listing(admin, lid) == before, str(before))
    res.record("... the tasks went to rob with the lead",
               [x[3] for x in before] == ["rob", "rob"], str(before))

    pool = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Pool"),
                                     setattr(q.lead_create, "team", "north")),
                   "pool lead").lead.lead
    r = rita.call(lambda q: setattr(q.activity_list, "lead_id", pool.id))
    res.record("rita sees north's pool lead", r.code == pb.OK, desc(pb, r))
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "rita"),
                              setattr(q.user_edit, "team", "south")), "rita to south")
    answers = pipeline(rita, [
        lambda q: (setattr(q.activity_add, "lead_id", pool.id),
                   setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                   setattr(q.activity_add, "title", "after the move"),
                   setattr(q.activity_add, "at", at)),
        lambda q: setattr(q.activity_list, "lead_id", pool.id),
    ])
    res.record("moved to south, rita's pipelined add and list on north's pool lead are "
               "NOT_FOUND", all(a.code == pb.NOT_FOUND for a in answers),
               "; ".join(desc(pb, a) for a in answers))
    res.record("... and the pool lead has no activity", listing(admin, pool.id) == [])

    ok_call(admin, lambda q: setattr(q.user_disable, "name", "rita"), "disable rita")
    own = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Admin's"),
                                    setattr(q.lead_create, "owner", "admin")),
                  "admin lead").lead.lead
    try:
        r = rita.call(lambda q: (setattr(q.activity_add, "lead_id", own.id),
                                 setattr(q.activity_add, "kind", pb.ACTIVITY_NOTE),
                                 setattr(q.activity_add, "text", "disabled")))
        code = r.code
    except (EOFError, OSError):
        code = "closed"
    res.record("disabled, rita's next activity_add is refused or finds the connection "
               "closed", code in (pb.UNAUTHENTICATED, "closed"), str(code))
    res.record("... and wrote nothing", listing(admin, own.id) == [])


run_test(res, "atk_activities_rights", run)
