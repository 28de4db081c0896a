#!/usr/bin/python3
"""Attack (issue 12 seams): the status list edited under archived leads and
renewals.

  - a lead archived in a status of class none: kpi counts it archived under
    none; the status is reclassified to won: kpi's archived count follows
    (won 1, none 0), live counts stay without it, and a KPI watcher open
    across the edit gets a snapshot whose archived counts say the same;
  - restored: the live count is under won, the watcher's delta says won;
  - archived again, then its status removed with move_to lead-New: the lead
    stays archived (kpi: archived new 1, live unchanged);
  - renew with a status word: the old name of a renamed status is refused,
    the new one works; a removed status's name is refused; reclassifying
    the renewal's status to dead afterwards leaves verify clean;
  - a rep's kpi and KPI watch leave out another rep's archived lead, and
    the rep's status_list has no lead counts.
Ends with leadd stopped and `leadd verify` passing (recounts, replay).

Usage: atk_lifecycle_classes.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc, ok_call,  # noqa: E402
                           run_test)
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "atk-classes-pw-1"
res = Results()


def by_class(counts, archived):
    return {c.kpi_class: c.count for c in (counts.archived if archived else counts.classes)
            if c.count}


def kpi_total(c):
    return ok_call(c, lambda q: q.kpi.SetInParent(), "kpi").kpi.total


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "A")
    add_user(admin, "r1", pb.ROLE_REP, "A", PW)

    def fill(q):
        s = q.status_add.status
        s.name, s.stage, s.kpi_class, s.probability = "atk-S", pb.STAGE_LEAD, pb.KPI_NONE, 50
    sid = ok_call(admin, fill, "status_add").status.status.id
    lid = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "L"),
                                    setattr(q.lead_create, "owner", "r1"),
                                    setattr(q.lead_create, "status_id", sid)),
                  "create").lead.lead.id
    ok_call(admin, lambda q: setattr(q.lead_archive, "id", lid), "archive")
    t = kpi_total(admin)
    res.record("archived under class none", by_class(t, True) == {pb.KPI_NONE: 1},
               str(by_class(t, True)))
    live_before = by_class(t, False)

    w = Watcher(pb, d.port, *admin_login())
    watch_ok(w, ["kpi"], "kpi watch")
    w.events(quiet=0.3, limit=2)

    ok_call(admin, lambda q: (setattr(q.status_edit, "name", "atk-S"),
                              setattr(q.status_edit, "kpi_class", pb.KPI_WON)), "reclass")
    t = kpi_total(admin)
    res.record("after the reclass kpi counts it archived under won",
               by_class(t, True) == {pb.KPI_WON: 1}, str(by_class(t, True)))
    res.record("live counts unchanged by the reclass", by_class(t, False) == live_before,
               "%s vs %s" % (by_class(t, False), live_before))
    snaps = [e for e in w.events(quiet=0.5, limit=3) if e.kind == pb.EVENT_SNAPSHOT]
    res.record("the KPI watcher gets a snapshot with archived won 1",
               snaps and by_class(snaps[-1].kpi_counts.total, True) == {pb.KPI_WON: 1},
               str([by_class(s.kpi_counts.total, True) for s in snaps]))

    ok_call(admin, lambda q: setattr(q.lead_restore, "id", lid), "restore")
    t = kpi_total(admin)
    res.record("restored: live won +1, nothing archived",
               by_class(t, False).get(pb.KPI_WON, 0) == live_before.get(pb.KPI_WON, 0) + 1
               and not by_class(t, True), "%s / %s" % (by_class(t, False), by_class(t, True)))
    deltas = [dl for e in w.events(quiet=0.5, limit=3) for dl in e.kpi]
    res.record("the watcher's restore deltas say won (+1 live, -1 archived)",
               sorted((dl.archived, dl.kpi_class, dl.count) for dl in deltas) ==
               [(False, pb.KPI_WON, 1), (True, pb.KPI_WON, -1)],
               str([(dl.archived, dl.kpi_class, dl.count) for dl in deltas]))
    w.close()

    ok_call(admin, lambda q: setattr(q.lead_archive, "id", lid), "archive again")
    t0 = kpi_total(admin)
    r = admin.call(lambda q: (setattr(q.status_rm, "name", "atk-S"),
                              setattr(q.status_rm, "move_to", "lead-New")))
    res.record("atk-S removed with its archived lead moved", r.code == pb.OK and
               r.status.moved == 1, desc(pb, r))
    lead = ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "get").lead.lead
    res.record("the lead is still archived, in lead-New", lead.archived and
               lead.status_id != sid, str(lead.status_id))
    t = kpi_total(admin)
    res.record("kpi: archived new 1, live unchanged",
               by_class(t, True) == {pb.KPI_NEW: 1} and
               by_class(t, False) == by_class(t0, False),
               "%s / %s" % (by_class(t, False), by_class(t, True)))

    # renew with status words across renames and removals
    def add2(q):
        s = q.status_add.status
        s.name, s.stage, s.kpi_class, s.probability = "atk-T", pb.STAGE_LEAD, pb.KPI_NONE, 20
    ok_call(admin, add2, "add atk-T")
    ok_call(admin, lambda q: (setattr(q.status_edit, "name", "atk-T"),
                              setattr(q.status_edit, "new_name", "atk-U")), "rename")
    r = admin.call(lambda q: (setattr(q.lead_renew, "id", lid),
                              setattr(q.lead_renew, "status", "atk-T")))
    res.record("renew into a renamed status's old name is refused", r.code != pb.OK,
               desc(pb, r))
    r = admin.call(lambda q: (setattr(q.lead_renew, "id", lid),
                              setattr(q.lead_renew, "status", "atk-S")))
    res.record("renew into a removed status's name is refused", r.code != pb.OK,
               desc(pb, r))
    r = admin.call(lambda q: (setattr(q.lead_renew, "id", lid),
                              setattr(q.lead_renew, "status", "atk-U")))
    res.record("renew into the new name works", r.code == pb.OK, desc(pb, r))
    r = admin.call(lambda q: (setattr(q.status_edit, "name", "atk-U"),
                              setattr(q.status_edit, "kpi_class", pb.KPI_DEAD)))
    res.record("the renewal's status reclassified to dead (answer: %s)"
               % pb.Code.Name(r.code), r.code in (pb.OK, pb.FAILED_PRECONDITION), desc(pb, r))
    rep_sees_own(pb, d, admin)


def rep_sees_own(pb, d, admin):
    """A rep's kpi and KPI watch: another rep's archived lead is not in
    either (archived counts follow the same row rights as live ones)."""
    add_user(admin, "r2", pb.ROLE_REP, "A", PW)
    lid = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "of r2"),
                                    setattr(q.lead_create, "owner", "r2")),
                  "create r2's").lead.lead.id
    r1 = Client(pb, d.port, "r1", PW)
    w = Watcher(pb, d.port, "r1", PW)
    watch_ok(w, ["kpi"], "r1's kpi watch")
    w.events(quiet=0.3, limit=2)
    before = by_class(kpi_total(r1), True)
    ok_call(admin, lambda q: setattr(q.lead_archive, "id", lid), "archive r2's")
    res.record("r1's kpi archived counts leave out r2's archived lead",
               by_class(kpi_total(r1), True) == before, str(by_class(kpi_total(r1), True)))
    got = [dl for e in w.events(quiet=0.5, limit=3) for dl in e.kpi]
    res.record("r1's KPI watch gets no delta of r2's archive", not got,
               str([(dl.owner_name, dl.archived, dl.count) for dl in got]))
    w.close()
    r = ok_call(r1, lambda q: q.status_list.SetInParent(), "r1's status_list")
    res.record("a rep's status_list gives no lead counts (they count every team's leads)",
               not any(st.HasField("leads") for st in r.status_list.statuses),
               str([(st.name, st.leads) for st in r.status_list.statuses if st.HasField("leads")]))


def admin_login():
    from leadd_harness import ADMIN, ADMIN_PASSWORD
    return ADMIN, ADMIN_PASSWORD


if __name__ == "__main__":
    run_test(res, "atk_lifecycle_classes", run)
