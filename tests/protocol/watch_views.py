#!/usr/bin/python3
"""One change, watchers with different views of it (docs/protocol.md
section 6): each event carries the old status and owner only to a watcher
who could see the lead before the change, the new ones only to one who
can see it after, even when several watchers get an event of the same
kind for the same change. leadd packs an event once per view and shares
the bytes between the watchers of that view; a view taken for another
would leak a name to one watcher or drop it for the other.

Team A: manager mA, reps r1 and r2 (A's pool hidden from reps).
- r1's lead given to r2: r1 (no search) gets EVENT_LEAVE without the new
  owner and status (r1 may not see r2's leads); mA watching the saved
  search "r1's leads" gets EVENT_LEAVE too, but with them (mA still sees
  the lead, it only stopped matching).
- r2's lead given to r1: r1 gets EVENT_ENTER without the old owner and
  status; mA watching "r1's leads" gets EVENT_ENTER with them.
- The same changes' EVENT_KPI: r1 sees one delta and mA (kpi) both.
Each watcher is started in both orders (the first watcher of a view packs
its event), so that a mix-up shows whichever packs first. leadd stops with
exit 0 and `leadd verify` passes.

Usage: watch_views.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, ok_call,  # noqa: E402
                           run_test)
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

PW = "watch-password-1"
res = Results()


def run(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A")
    for name, role in (("mA", pb.ROLE_MANAGER), ("r1", pb.ROLE_REP), ("r2", pb.ROLE_REP)):
        add_user(adm, name, role, "A", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA")), "managers")
    mA = Client(pb, d.port, "mA", PW)
    ok_call(mA, lambda q: (setattr(q.search_save.search, "name", "r1s"),
                           q.search_save.search.filter.owners.append("r1")), "save r1s")

    def create(owner):
        return ok_call(adm, lambda q: (setattr(q.lead_create, "title", "lead of " + owner),
                                       setattr(q.lead_create, "owner", owner)),
                       "create").lead.lead.id

    def give(lid, to):
        ok_call(adm, lambda q: (setattr(q.lead_assign, "id", lid),
                                setattr(q.lead_assign, "to_user", to)), "assign")

    for order in ("r1 first", "mA first"):
        a = create("r1")
        b = create("r2")
        w = {}
        for who in (("r1", "mA") if order == "r1 first" else ("mA", "r1")):
            w[who] = Watcher(pb, d.port, who, PW)
            if who == "r1":
                watch_ok(w[who], ["leads", "kpi"], "r1")
            else:
                watch_ok(w[who], ["leads", "kpi"], "mA", search="r1s")
            w[who].until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
        give(a, "r2")
        give(b, "r1")

        def two_changes(who):
            got = w[who].until(lambda e: e.lead_id == b and e.kind == pb.EVENT_KPI)
            return {(e.lead_id, e.kind): e for e in got}

        r1, ma = two_changes("r1"), two_changes("mA")
        E = pb
        ev = r1.get((a, E.EVENT_LEAVE))
        res.record("%s: r1's LEAVE of the lead given away names neither new owner nor status"
                   % order, ev is not None and ev.new_owner == "" and ev.new_status == ""
                   and ev.old_owner == "r1", str(ev))
        ev = ma.get((a, E.EVENT_LEAVE))
        res.record("%s: mA's LEAVE (the search no longer matches) names both" % order,
                   ev is not None and ev.new_owner == "r2" and ev.new_status != ""
                   and ev.old_owner == "r1", str(ev))
        ev = r1.get((b, E.EVENT_ENTER))
        res.record("%s: r1's ENTER of the lead given to them names neither old owner nor "
                   "status" % order, ev is not None and ev.old_owner == "" and
                   ev.old_status == "" and ev.new_owner == "r1", str(ev))
        ev = ma.get((b, E.EVENT_ENTER))
        res.record("%s: mA's ENTER (now matching) names both" % order,
                   ev is not None and ev.old_owner == "r2" and ev.old_status != "", str(ev))
        ev = r1.get((a, E.EVENT_KPI))
        res.record("%s: r1's KPI of the lead given away: its own row's delta only" % order,
                   ev is not None and [(k.owner_name, k.count) for k in ev.kpi] == [("r1", -1)]
                   and ev.new_owner == "", str(ev))
        ev = ma.get((a, E.EVENT_KPI))
        res.record("%s: mA's KPI of it: both rows" % order,
                   ev is not None and sorted((k.owner_name, k.count) for k in ev.kpi) ==
                   [("r1", -1), ("r2", 1)] and ev.new_owner == "r2", str(ev))
        for x in w.values():
            x.close()
    mA.close()
    adm.close()


run_test(res, "watch_views", run)
