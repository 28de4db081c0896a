#!/usr/bin/python3
"""Attack (issue 12 seams): rights cached on an open connection.

A connection logs in while its user has a right, the admin takes the right
away on another connection, and the first connection goes on asking:
  - manager mA (a member of team B who manages team A) on one connection; the admin removes mA from
    team A's managers: lead_archive, lead_restore of a team-A lead are
    refused on mA's still-open connection, and the lead is unchanged;
  - the admin then makes mA a rep of team B: lead_renew of the team-A lead
    (whoever may see the origin may renew it) is refused, and no lead was
    made (the origin's renewals stay as they were);
  - a second admin, demoted to manager mid-connection: status_add,
    status_edit and status_rm are refused and the status list is unchanged;
  - a KPI watch mA opened while manager of A: after the demotion, mA's
    watch gets no delta about team A's archive (either ended or silent);
  - an admin demoted while their status_rm moves 3000 leads: the removal
    either finished first, or was refused whole (the demotion came first),
    or stops between chunks saying how many moved and that the status is
    still there.
Ends with leadd stopped and `leadd verify` passing.

Usage: atk_lifecycle_rights.py LEADD_BINARY PROTO_DIR"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, all_leads, desc,  # noqa: E402
                           ok_call, pipeline, run_test)
from watch_lib import Watcher, desc_ev, watch_ok  # noqa: E402

PW = "atk-rights-pw-1"
res = Results()


def get(c, lid):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead


def statuses(c):
    r = ok_call(c, lambda q: q.status_list.SetInParent(), "status_list")
    return [(s.name, s.position, s.kpi_class, s.conversion_target)
            for s in r.status_list.statuses]


def refused(pb, r):
    return r.code in (pb.PERMISSION_DENIED, pb.NOT_FOUND, pb.UNAUTHENTICATED)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "A")
    add_team(admin, "B")
    add_user(admin, "mA", pb.ROLE_MANAGER, "B", PW)  # a member of B, manages A
    add_user(admin, "r1", pb.ROLE_REP, "A", PW)
    add_user(admin, "admin2", pb.ROLE_ADMIN, None, PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                              q.team_edit.managers.items.append("mA")), "managers A")
    lid = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "seam"),
                                    setattr(q.lead_create, "owner", "r1")),
                  "create").lead.lead.id
    ma = Client(pb, d.port, "mA", PW)
    r = ma.call(lambda q: setattr(q.lead_archive, "id", lid))
    res.record("mA (manager of A) archives a team-A lead", r.code == pb.OK, desc(pb, r))

    # A KPI watch of mA's, opened while mA manages A (its own connection).
    w = Watcher(pb, d.port, "mA", PW)
    watch_ok(w, ["kpi"], "mA's KPI watch")
    w.events(quiet=0.3, limit=2)

    # The admin takes the right away: mA no longer manages A.
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                              q.team_edit.SetInParent(),
                              q.team_edit.managers.SetInParent()), "no managers for A")
    before = get(admin, lid)
    r = ma.call(lambda q: setattr(q.lead_restore, "id", lid))
    res.record("after losing team A, mA's open connection may not restore its lead",
               refused(pb, r), desc(pb, r))
    after = get(admin, lid)
    res.record("the lead is still archived, version unchanged",
               after.archived and after.version == before.version,
               "archived %s version %d -> %d" % (after.archived, before.version, after.version))

    # Now a rep of team B: renew is refused (mA may not see the origin).
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "mA"),
                              setattr(q.user_edit, "role", pb.ROLE_REP),
                              setattr(q.user_edit, "team", "B")), "mA -> rep of B")
    r = ma.call(lambda q: setattr(q.lead_renew, "id", lid))
    res.record("as a rep of B, mA's open connection may not renew a team-A lead",
               refused(pb, r), desc(pb, r))
    r = ma.call(lambda q: setattr(q.lead_archive, "id", lid))
    res.record("nor archive it", refused(pb, r), desc(pb, r))
    o = get(admin, lid)
    res.record("the origin lists no renewal", len(o.renewals) == 0, str(list(o.renewals)))

    # The watch: the admin restores and archives the lead again (team-A KPI
    # deltas). mA's watch must not carry them: it ends, or stays silent
    # about team A (a snapshot may come, without team A's rows).
    ok_call(admin, lambda q: setattr(q.lead_restore, "id", lid), "restore by admin")
    ok_call(admin, lambda q: setattr(q.lead_archive, "id", lid), "archive by admin")
    team_a = lead_team = get(admin, lid).team_id
    leaked = []
    try:
        for ev in w.events(quiet=0.5, limit=3):
            if any(dl.team_id == team_a for dl in ev.kpi):
                leaked.append(desc_ev(pb, ev))
            if ev.HasField("kpi_counts") and any(
                    row.team_id == lead_team for row in ev.kpi_counts.owners):
                leaked.append("snapshot with team A rows")
    except (OSError, EOFError, ConnectionError, struct.error):
        pass  # the watch was ended: fine
    res.record("mA's old KPI watch carries nothing of team A after the demotion",
               not leaked, "; ".join(leaked[:2]))
    w.close()

    # An admin demoted mid-connection: the status list is out of reach.
    a2 = Client(pb, d.port, "admin2", PW)
    ok_call(a2, lambda q: q.status_list.SetInParent(), "admin2 status_list")
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "admin2"),
                              setattr(q.user_edit, "role", pb.ROLE_MANAGER)), "demote admin2")
    listed = statuses(admin)
    name = listed[-1][0]
    r = a2.call(lambda q: (setattr(q.status_add.status, "name", "atk-new"),
                           setattr(q.status_add.status, "stage", pb.STAGE_LEAD),
                           setattr(q.status_add.status, "kpi_class", pb.KPI_NEW)))
    res.record("a demoted admin's open connection may not add a status", refused(pb, r),
               desc(pb, r))
    r = a2.call(lambda q: (setattr(q.status_edit, "name", name),
                           setattr(q.status_edit, "new_name", "atk-renamed")))
    res.record("nor edit one", refused(pb, r), desc(pb, r))
    r = a2.call(lambda q: setattr(q.status_rm, "name", name))
    res.record("nor remove one", refused(pb, r), desc(pb, r))
    res.record("the status list is unchanged", statuses(admin) == listed)
    demoted_between_chunks(pb, d, admin)


def demoted_between_chunks(pb, d, admin):
    """An admin demoted while their status_rm moves 3000 leads: the removal
    finishes (the demotion came after it) or stops saying how many moved
    and that the status is still there; no lead is left in a status that
    is gone."""
    add_user(admin, "admin3", pb.ROLE_ADMIN, None, PW)

    def fill(q):
        s = q.status_add.status
        s.name, s.stage, s.kpi_class, s.probability = "atk-R", pb.STAGE_LEAD, pb.KPI_NONE, 5
    sid = ok_call(admin, fill, "status_add atk-R").status.status.id

    def make(i):
        def f(q):
            q.lead_create.title = "r %d" % i
            q.lead_create.owner = "r1"
            q.lead_create.status_id = sid
        return f
    bad = [a for a in pipeline(admin, [make(i) for i in range(3000)], window=200) if a.code]
    res.record("3000 leads in atk-R", not bad)
    a3 = Client(pb, d.port, "admin3", PW)
    a3.send(lambda q: (setattr(q.status_rm, "name", "atk-R"),
                       setattr(q.status_rm, "move_to", "lead-New")))
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "admin3"),
                              setattr(q.user_edit, "role", pb.ROLE_REP)), "demote admin3")
    r = a3.recv()
    st = statuses(admin)
    names = [x[0] for x in st]
    left = sum(1 for l in all_leads(admin) if l.status_id == sid)
    if r.code == pb.OK:
        res.record("the removal finished before the demotion took (moved %d)" % r.status.moved,
                   "atk-R" not in names and left == 0 and r.status.moved == 3000,
                   "%d left" % left)
    elif left == 3000:
        # The demotion reached the writer first: refused before any move.
        res.record("the demotion came first: refused, nothing moved (%s)" % desc(pb, r),
                   r.code == pb.PERMISSION_DENIED and "atk-R" in names)
    else:
        res.record("the demotion stopped the removal with a sentence (%s)" % desc(pb, r),
                   r.code == pb.PERMISSION_DENIED and "still there" in r.message and
                   "atk-R" in names and 0 < left < 3000, "%d left" % left)


if __name__ == "__main__":
    run_test(res, "atk_lifecycle_rights", run)
