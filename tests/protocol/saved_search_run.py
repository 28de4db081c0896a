#!/usr/bin/python3
"""Running saved searches (issue 9): lead_list { saved_search } against a
real leadd, compared with a brute-force reference computed from every lead
the caller may list (all_leads), filtered in Python.

Needs the search engine (lead_list filters and search_filter_check); it is
registered in tests/CMakeLists.txt once the engine is on the branch.

Setup (as the admin): team A (manager mA; reps r1, r2), team B (manager mB;
rep r3); 60 leads spread over r1, r2, r3 and team A's pool, a third of them
moved to lead-Qualified (status 2). Cases:
- NetSuite's "my qualified leads": r1 saves mine-q { mine, statuses
  [qualified] } and runs it: exactly r1's qualified leads;
- the saved sort and order are used (SORT_TITLE, desc);
- a team search by mA (team A, status qualified) run by r2 lists what r2 may
  see of it, and run by mA lists team A's qualified leads; r3 (team B) gets
  NOT_FOUND;
- TEAM/NAME runs a team search; an unknown name is NOT_FOUND;
- saved_search together with filter or sort is INVALID_ARGUMENT;
- a filter that does not check fails at save time (a misspelt status),
  and at edit time;
- r2 moved to team B: running A's search is NOT_FOUND.
Usage: saved_search_run.py LEADD_BINARY PROTO_DIR
Ends with leadd stopped (SIGTERM, exit 0) and `leadd verify` passing.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results,  # noqa: E402
                           add_team, add_user, all_leads, load_pb, ok_call)

PW = "saved-run-pw-1"
QUALIFIED = 2
results = Results()
record = results.record


def run(c, name, limit=1000):
    """Every lead of saved search `name`, page by page; or the error answer."""
    out, cursor = [], None
    while True:
        def fill(q):
            q.lead_list.saved_search = name
            q.lead_list.limit = limit
            if cursor:
                q.lead_list.cursor = cursor
        r = c.call(fill)
        if r.code:
            return r
        out += list(r.lead_list.leads)
        cursor = r.lead_list.cursor
        if not cursor:
            return out


def save(c, name, team=None, sort=None, desc=None, **filt):
    def fill(q):
        s = q.search_save.search
        s.name = name
        if team:
            s.team = team
        if sort is not None:
            s.sort = sort
        if desc is not None:
            s.desc = desc
        s.filter.SetInParent()
        for k, v in filt.items():
            if isinstance(v, list):
                getattr(s.filter, k).extend(v)
            else:
                setattr(s.filter, k, v)
    return c.call(fill)


def same_ids(what, got, want):
    if not isinstance(got, list):
        record(what, False, "answered %d %s" % (got.code, got.message))
        return
    g, w = [x.id for x in got], [x.id for x in want]
    record(what, sorted(g) == sorted(w) and len(g) == len(set(g)),
           "got %d leads, expected %d" % (len(g), len(w)))


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp).start()
        try:
            admin = Client(pb, d.port, ADMIN, ADMIN_PASSWORD, timeout=120)
            for m in ("mA", "mB"):
                add_user(admin, m, pb.ROLE_MANAGER, password=PW)
            add_team(admin, "A", managers=["mA"], pool_visible=True)
            add_team(admin, "B", managers=["mB"])
            ids = {}
            for u, t in (("r1", "A"), ("r2", "A"), ("r3", "B")):
                ids[u] = add_user(admin, u, pb.ROLE_REP, team=t, password=PW).id
            owners = [("r1", None), ("r2", None), ("r3", None), (None, "A")]
            for i in range(60):
                owner, team = owners[i % 4]
                r = admin.create("lead %02d %s" % (i, "xyz"[i % 3]), owner=owner, team=team)
                assert r.code == 0, r.message
                if i % 3 == 0:
                    lid = r.lead.lead.id
                    ok_call(admin, lambda q: (setattr(q.lead_set_status, "id", lid),
                                              setattr(q.lead_set_status, "status_id",
                                                      QUALIFIED)), "qualify")
            r1, r2, r3, mA = (Client(pb, d.port, u, PW) for u in ("r1", "r2", "r3", "mA"))

            def ref(c, pred):
                return [x for x in all_leads(c) if pred(x)]

            record("mine-q saved", save(r1, "mine-q", mine=True, statuses=["qualified"]).code == 0)
            same_ids("r1 runs mine-q: exactly r1's qualified leads", run(r1, "mine-q"),
                     ref(r1, lambda x: x.owner_id == ids["r1"] and x.status_id == QUALIFIED))
            save(r1, "by-title", sort=pb.SORT_TITLE, desc=True, mine=True)
            got = run(r1, "by-title")
            titles = [x.title for x in got] if isinstance(got, list) else None
            record("the saved sort and order are used",
                   titles is not None and titles == sorted(titles, key=str.lower, reverse=True),
                   str(titles and titles[:5]))
            record("team search saved by mA",
                   save(mA, "team-q", team="A", statuses=["qualified"]).code == 0)
            same_ids("r2 runs team-q: what r2 may see of it", run(r2, "team-q"),
                     ref(r2, lambda x: x.status_id == QUALIFIED))
            same_ids("mA runs team-q: team A's qualified leads", run(mA, "team-q"),
                     ref(mA, lambda x: x.status_id == QUALIFIED))
            same_ids("TEAM/NAME runs it too", run(r2, "A/team-q"),
                     ref(r2, lambda x: x.status_id == QUALIFIED))
            got = run(r3, "team-q")
            record("team B's rep running it: NOT_FOUND",
                   not isinstance(got, list) and got.code == pb.NOT_FOUND)
            got = run(r1, "no-such-search")
            record("an unknown name: NOT_FOUND",
                   not isinstance(got, list) and got.code == pb.NOT_FOUND)
            r = r1.call(lambda q: (setattr(q.lead_list, "saved_search", "mine-q"),
                                   setattr(q.lead_list.filter, "mine", True)))
            record("saved_search with a filter: INVALID_ARGUMENT", r.code == pb.INVALID_ARGUMENT,
                   r.message)
            r = save(r1, "typo", statuses=["qualifed-nothing"])
            record("a misspelt status fails at save time", r.code != pb.OK, r.message)
            r = r1.call(lambda q: (setattr(q.search_edit, "name", "mine-q"),
                                   q.search_edit.filter.statuses.append("qualifed-nothing")))
            record("... and at edit time", r.code != pb.OK, r.message)
            ok_call(admin, lambda q: (setattr(q.user_edit, "name", "r2"),
                                      setattr(q.user_edit, "team", "B")), "move r2")
            got = run(r2, "team-q")
            record("r2 moved to team B: running A's search is NOT_FOUND",
                   not isinstance(got, list) and got.code == pb.NOT_FOUND)
            for c in (r1, r2, r3, mA, admin):
                c.close()
        finally:
            results.stop_and_verify(d, "leadd")
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
