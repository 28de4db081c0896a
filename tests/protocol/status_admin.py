#!/usr/bin/python3
"""The status list edited by an admin (issue 12): status_add, status_edit,
status_rm and what status_list says of them.

Usage: status_admin.py LEADD_BINARY PROTO_DIR

Checks, against a real leadd on 127.0.0.1 (default statuses lead-New,
lead-Qualified, lead-Dead, prospect-Qualified, prospect-Lost, customer-Won):
- status_list comes in position order, positions 1..n; an admin gets each
  status's lead count, a rep none;
- status_add: placed after a status, first (after ""), or last; every
  refusal (no name, a class word, a name taken in another case, no stage,
  no class, probability over 100, an id given, an unknown `after`, a name
  over 200 bytes) changes nothing; the conversion target moves within its
  stage; the list stops at 100 statuses;
- status_edit: rename, reclassify, probability, move, conversion target;
  refusals (nothing to change, after itself, the last status of class new
  reclassified, a taken name);
- a status renamed and reclassified with leads in it: no lead changes
  (versions stay), KPI counts follow the new class, a KPI watcher gets a
  snapshot with the new class, a class word finds the leads;
- status_rm: refused while leads are in it without move_to, into a dead or
  lost status, into itself, for the last status of class new; with move_to
  1200 leads move (more than one chunk of 500), each through the write
  core (a status change in its history), the status goes and positions
  close up; an empty status goes without move_to; a removal of 2000 leads
  races 300 moves into the status from another connection and no lead is
  left behind;
- watchers: a KPI or saved-search watch gets a snapshot after an edit, a
  plain leads watch and an added status give none, a watch resuming from
  before an edit (after a restart too) starts with a snapshot;
- a rep and a manager are refused;
- after a restart the list is as it was; `leadd verify` passes.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results, add_team,  # noqa: E402
                           add_user, create_many, load_pb, ok_call, pipeline)
from watch_lib import Watcher, watch_ok  # noqa: E402

PW = "status-admin-pw-1"
res = Results()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            run(pb, d)
            rc = d.stop()
            res.record("leadd stops with exit 0 before the restart", rc == 0, "exit %d" % rc)
            d.start()
            after_restart(pb, d)
        finally:
            res.stop_and_verify(d, "status_admin")
    return res.summary()


def statuses(c):
    return list(ok_call(c, lambda q: q.status_list.SetInParent(),
                        "status_list").status_list.statuses)


def names(c):
    return [s.name for s in statuses(c)]


def by_name(c):
    return {s.name: s for s in statuses(c)}


def add(c, name, stage=None, cls=None, prob=None, after=None, target=None, fill=None):
    def f(q):
        s = q.status_add.status
        if name is not None:
            s.name = name
        if stage is not None:
            s.stage = stage
        if cls is not None:
            s.kpi_class = cls
        if prob is not None:
            s.probability = prob
        if target is not None:
            s.conversion_target = target
        if after is not None:
            q.status_add.after = after
        if fill:
            fill(q)
    return c.call(f)


def edit(c, name, **kw):
    def f(q):
        q.status_edit.name = name
        for k, v in kw.items():
            setattr(q.status_edit, k, v)
    return c.call(f)


def rm(c, name, move_to=None):
    def f(q):
        q.status_rm.name = name
        if move_to is not None:
            q.status_rm.move_to = move_to
    return c.call(f)


def rr(r):
    return "%d %s" % (r.code, r.message)


def class_count(c, cls):
    r = ok_call(c, lambda q: q.kpi.SetInParent(), "kpi")
    return sum(x.count for x in r.kpi.total.classes if x.kpi_class == cls)


def first_events(pb, w):
    """The watch's first snapshot (or caught-up) and anything queued with it."""
    w.until(lambda e: e.kind in (pb.EVENT_SNAPSHOT, pb.EVENT_CAUGHT_UP), limit=5)
    w.events(quiet=0.3)


def watchers_follow(pb, d, admin):
    """A saved-search watch gets a snapshot after a status edit (its status
    words may read otherwise); a plain leads watch does not (its events
    name statuses as they are when sent); a watch started after the edit
    gets no second snapshot; a status_add makes none."""
    def save(q):
        q.search_save.search.name = "working"
        q.search_save.search.filter.statuses.append("prospect")
    ok_call(admin, save, "search_save")
    ws = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(ws, ["leads"], "search watcher", search="working")
    wl = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(wl, ["leads"], "leads watcher")
    wk = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(wk, ["kpi"], "kpi watcher")
    for w in (ws, wl, wk):
        first_events(pb, w)
    r = add(admin, "lead-Spare", pb.STAGE_LEAD, pb.KPI_NONE)
    res.record("status_add (for the watchers)", r.code == pb.OK, rr(r))
    quiet = [w.events(quiet=0.5) for w in (ws, wl, wk)]
    res.record("an added status gives no watcher a snapshot",
               not any(e.kind == pb.EVENT_SNAPSHOT for evs in quiet for e in evs),
               str([[pb.EventKind.Name(e.kind) for e in evs] for evs in quiet]))
    r = edit(admin, "lead-Working", probability=40)
    res.record("status_edit (for the watchers)", r.code == pb.OK, rr(r))
    evs = ws.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
    res.record("the saved-search watcher gets a snapshot saying why",
               "status list changed" in evs[-1].reason, evs[-1].reason)
    k = wk.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
    res.record("the KPI watcher gets one too", k[-1].kind == pb.EVENT_SNAPSHOT)
    plain = wl.events(quiet=0.5)
    res.record("a leads watch without a saved search gets none",
               not any(e.kind == pb.EVENT_SNAPSHOT for e in plain),
               str([pb.EventKind.Name(e.kind) for e in plain]))
    late = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(late, ["kpi"], "late kpi watcher")
    evs = late.events(quiet=0.6)
    res.record("a watch started after the edit gets one snapshot, not two",
               [e.kind for e in evs].count(pb.EVENT_SNAPSHOT) == 1,
               str([pb.EventKind.Name(e.kind) for e in evs]))
    for w in (ws, wl, wk, late):
        w.close()
    ok_call(admin, lambda q: setattr(q.status_rm, "name", "lead-Spare"), "rm lead-Spare")
    ok_call(admin, lambda q: setattr(q.search_rm, "name", "working"), "search_rm")


def removal_races_moves(pb, d, admin):
    """status_rm of 2000 leads (4 commits) while another connection moves
    300 other leads into the status by its id: each move is OK (before the
    removal's last commit: the removal moves that lead too) or refused as
    an unknown status id (after it);
    no lead is left in the removed status, and each lead moved OK ends in
    move_to."""
    r = add(admin, "lead-Busy", pb.STAGE_LEAD, pb.KPI_NONE)
    busy = r.status.status.id
    answers = pipeline(admin, [lambda q, i=i: (setattr(q.lead_create, "title", "busy %d" % i),
                                               setattr(q.lead_create, "owner", "admin"),
                                               setattr(q.lead_create, "status", "lead-Busy"))
                               for i in range(2000)])
    res.record("2000 leads made in lead-Busy", all(a.code == pb.OK for a in answers))
    others = create_many(admin, 300, ADMIN, title="racer")
    other = Client(pb, d.port)
    rmc = Client(pb, d.port)
    rmc.send(lambda q: (setattr(q.status_rm, "name", "lead-Busy"),
                        setattr(q.status_rm, "move_to", "lead-New")))
    moves = pipeline(other, [lambda q, i=i: (setattr(q.lead_set_status, "id", i),
                                             setattr(q.lead_set_status, "status_id", busy))
                             for i in others])
    r = rmc.recv()
    okd = [i for i, a in zip(others, moves) if a.code == pb.OK]
    res.record("the removal answers OK, having moved at least the 2000",
               r.code == pb.OK and r.status.moved >= 2000 and
               r.status.moved == 2000 + len(okd), "%s moved %d, %d racers in" % (
                   rr(r), r.status.moved, len(okd)))
    late = [a for a in moves if a.code != pb.OK]
    res.record("each racing move is OK, or (after the removal) refused: the status id is gone",
               all(a.code == pb.INVALID_ARGUMENT and "does not exist" in a.message for a in late),
               str(sorted({(pb.Code.Name(a.code), a.message) for a in late})))
    new_id = by_name(admin)["lead-New"].id
    got = {}
    for i in okd[:50] + okd[-50:]:
        got[i] = ok_call(admin, lambda q, i=i: setattr(q.lead_get, "id", i),
                         "lead_get").lead.lead.status_id
    res.record("racers moved in before the last commit ended in lead-New",
               all(v == new_id for v in got.values()), str(set(got.values())))
    res.record("lead-Busy is gone", "lead-Busy" not in names(admin))
    other.close()
    rmc.close()


def run(pb, d):
    admin = Client(pb, d.port)
    default = names(admin)
    res.record("status_list is in position order",
               default == ["lead-New", "lead-Qualified", "lead-Dead", "prospect-Qualified",
                           "prospect-Lost", "customer-Won"], str(default))
    ss = statuses(admin)
    res.record("positions run 1..n", [s.position for s in ss] == list(range(1, len(ss) + 1)))
    res.record("an admin gets lead counts (0 in a new store)",
               all(s.HasField("leads") and s.leads == 0 for s in ss))
    res.record("prospect-Qualified and customer-Won are their stages' conversion targets",
               [s.name for s in ss if s.conversion_target] == ["prospect-Qualified",
                                                                "customer-Won"])
    # customer-Won keeps its flag until the "each stage has its own target"
    # checks below take it off and put it back.
    r = edit(admin, "customer-Won", conversion_target=False)
    res.record("customer-Won can be unflagged", r.code == pb.OK, rr(r))

    # ---- status_add ----
    r = add(admin, "lead-Contacted", pb.STAGE_LEAD, pb.KPI_QUALIFIED, 5, after="lead-New")
    res.record("status_add after lead-New places it second",
               r.code == pb.OK and names(admin)[:3] == ["lead-New", "lead-Contacted",
                                                        "lead-Qualified"], rr(r))
    res.record("the reply carries the new status with its id and position",
               r.code == pb.OK and r.status.status.id > 6 and r.status.status.position == 2
               and r.status.status.probability == 5, str(r.status))
    ss = statuses(admin)
    res.record("positions still run 1..n", [s.position for s in ss] == list(range(1, 8)))
    r = add(admin, "lead-Inbox", pb.STAGE_LEAD, pb.KPI_NONE, after="")
    res.record("after \"\" puts the status first", r.code == pb.OK and names(admin)[0] == "lead-Inbox",
               rr(r))
    r = add(admin, "customer-Churned", pb.STAGE_CUSTOMER, pb.KPI_LOST)
    res.record("no after puts it last", r.code == pb.OK and names(admin)[-1] == "customer-Churned",
               rr(r))
    before = [(s.id, s.name, s.position) for s in statuses(admin)]
    refusals = [
        ("no name", add(admin, None, pb.STAGE_LEAD, pb.KPI_NONE), pb.INVALID_ARGUMENT, "name"),
        ("a class word", add(admin, "Won", pb.STAGE_LEAD, pb.KPI_WON), pb.INVALID_ARGUMENT,
         "class word"),
        ("a name taken in another case", add(admin, "LEAD-NEW", pb.STAGE_LEAD, pb.KPI_NEW),
         pb.ALREADY_EXISTS, "lead-New"),
        ("no stage", add(admin, "x-1", None, pb.KPI_NONE), pb.INVALID_ARGUMENT, "stage"),
        ("no class", add(admin, "x-2", pb.STAGE_LEAD, None), pb.INVALID_ARGUMENT, "class"),
        ("probability 101", add(admin, "x-3", pb.STAGE_LEAD, pb.KPI_NONE, 101),
         pb.INVALID_ARGUMENT, "0 to 100"),
        ("an id given", add(admin, "x-4", pb.STAGE_LEAD, pb.KPI_NONE,
                            fill=lambda q: setattr(q.status_add.status, "id", 99)),
         pb.INVALID_ARGUMENT, "id"),
        ("an unknown after", add(admin, "x-5", pb.STAGE_LEAD, pb.KPI_NONE, after="nosuch"),
         pb.NOT_FOUND, "nosuch"),
        ("a name over 200 bytes", add(admin, "n" * 201, pb.STAGE_LEAD, pb.KPI_NONE),
         pb.INVALID_ARGUMENT, "status name"),
        ("no status at all", admin.call(lambda q: q.status_add.SetInParent()),
         pb.INVALID_ARGUMENT, "which status"),
    ]
    for what, r, code, word in refusals:
        res.record("status_add refuses %s" % what, r.code == code and word in r.message, rr(r))
    res.record("refused adds change nothing",
               [(s.id, s.name, s.position) for s in statuses(admin)] == before)
    r = add(admin, "n" * 200, pb.STAGE_LEAD, pb.KPI_NONE)
    res.record("a 200-byte name is taken", r.code == pb.OK, rr(r))
    ok_call(admin, lambda q: setattr(q.status_rm, "name", "n" * 200), "rm long name")

    r = add(admin, "prospect-Demo", pb.STAGE_PROSPECT, pb.KPI_PROSPECT, 30,
            after="prospect-Qualified", target=True)
    targets = [s.name for s in statuses(admin) if s.conversion_target]
    res.record("a new conversion target takes the flag from its stage's old one",
               r.code == pb.OK and targets == ["prospect-Demo"], "%s %s" % (rr(r), targets))
    r = edit(admin, "prospect-Qualified", conversion_target=True)
    targets = [s.name for s in statuses(admin) if s.conversion_target]
    res.record("status_edit gives it back", r.code == pb.OK and targets == ["prospect-Qualified"],
               str(targets))
    r = edit(admin, "customer-Won", conversion_target=True)
    targets = sorted(s.name for s in statuses(admin) if s.conversion_target)
    res.record("each stage has its own target",
               r.code == pb.OK and targets == ["customer-Won", "prospect-Qualified"], str(targets))
    r = edit(admin, "customer-Won", conversion_target=False)
    targets = [s.name for s in statuses(admin) if s.conversion_target]
    res.record("a target can be unflagged", r.code == pb.OK and targets == ["prospect-Qualified"],
               str(targets))

    # ---- status_edit ----
    r = edit(admin, "lead-Contacted", after="lead-Qualified")
    n = names(admin)
    res.record("status_edit after moves it down",
               r.code == pb.OK and n.index("lead-Contacted") == n.index("lead-Qualified") + 1, str(n))
    r = edit(admin, "customer-Churned", after="")
    n = names(admin)
    res.record("status_edit after \"\" moves it first", r.code == pb.OK and n[0] == "customer-Churned",
               str(n))
    r = edit(admin, "customer-Churned", after="customer-Won")
    n = names(admin)
    res.record("and back last", r.code == pb.OK and n[-1] == "customer-Churned", str(n))
    ss = statuses(admin)
    res.record("positions run 1..n after moves",
               [s.position for s in ss] == list(range(1, len(ss) + 1)))
    before = [(s.id, s.name, s.position, s.kpi_class, s.probability) for s in statuses(admin)]
    for what, r, code, word in [
        ("nothing to change", edit(admin, "lead-Inbox"), pb.INVALID_ARGUMENT, "what to change"),
        ("going after itself", edit(admin, "lead-Inbox", after="lead-Inbox"), pb.INVALID_ARGUMENT,
         "itself"),
        ("the last new reclassified", edit(admin, "lead-New", kpi_class=pb.KPI_QUALIFIED),
         pb.FAILED_PRECONDITION, "last status of class new"),
        ("a taken name", edit(admin, "lead-Inbox", new_name="Lead-Dead"), pb.ALREADY_EXISTS,
         "lead-Dead"),
        ("a class word as the new name", edit(admin, "lead-Inbox", new_name="lost"),
         pb.INVALID_ARGUMENT, "class word"),
        ("probability 200", edit(admin, "lead-Inbox", probability=200), pb.INVALID_ARGUMENT,
         "0 to 100"),
        ("an unknown status", edit(admin, "lead-Nope", probability=1), pb.NOT_FOUND,
         "lead-Nope"),
        ("an ambiguous word", edit(admin, "lead-", probability=1), pb.INVALID_ARGUMENT,
         "ambiguous"),
    ]:
        res.record("status_edit refuses %s" % what, r.code == code and word in r.message, rr(r))
    res.record("refused edits change nothing",
               [(s.id, s.name, s.position, s.kpi_class, s.probability)
                for s in statuses(admin)] == before)
    r = edit(admin, "lead-inbox", new_name="LEAD-INBOX")
    res.record("a status takes its own name in another case",
               r.code == pb.OK and "LEAD-INBOX" in names(admin), rr(r))

    # ---- a status renamed and reclassified with leads in it ----
    add_team(admin, "east")
    add_user(admin, "rep1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "man1", pb.ROLE_MANAGER, password=PW)
    ids = create_many(admin, 5, "rep1", title="contacted")
    for i in ids:
        ok_call(admin, lambda q, i=i: (setattr(q.lead_set_status, "id", i),
                                       setattr(q.lead_set_status, "status", "lead-Contacted")),
                "move to lead-Contacted")
    versions = {l.id: l.version for l in ok_call(
        admin, lambda q: q.lead_list.SetInParent(), "lead_list").lead_list.leads}
    cont = by_name(admin)["lead-Contacted"]
    res.record("status_list counts the leads in a status", cont.leads == 5, str(cont.leads))
    rep = Client(pb, d.port, user="rep1", password=PW)
    res.record("a rep's status_list has no lead counts",
               not any(s.HasField("leads") for s in statuses(rep)))
    qual_before = class_count(admin, pb.KPI_QUALIFIED)
    w = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    watch_ok(w, ["kpi"], "kpi watcher")
    w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT or e.kind == pb.EVENT_CAUGHT_UP, limit=5)
    w.events(quiet=0.3)
    r = edit(admin, "lead-Contacted", new_name="lead-Working", kpi_class=pb.KPI_PROSPECT)
    res.record("a status with leads is renamed and reclassified",
               r.code == pb.OK and r.status.status.name == "lead-Working" and
               r.status.status.kpi_class == pb.KPI_PROSPECT and r.status.status.leads == 5, rr(r))
    after = {l.id: l.version for l in ok_call(
        admin, lambda q: q.lead_list.SetInParent(), "lead_list").lead_list.leads}
    res.record("no lead changed (versions as they were)", after == versions)
    res.record("KPI counts follow the new class",
               class_count(admin, pb.KPI_QUALIFIED) == qual_before - 5 and
               class_count(admin, pb.KPI_PROSPECT) >= 5)
    evs = w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
    snap = [e for e in evs if e.kind == pb.EVENT_SNAPSHOT][-1]
    got = {c.kpi_class: c.count for c in snap.kpi_counts.total.classes}
    names_in = {s.name for row in snap.kpi_counts.owners for s in row.counts.statuses}
    res.record("the KPI watcher gets a snapshot saying the status list changed",
               "status list changed" in snap.reason, snap.reason)
    res.record("the snapshot counts the leads in their new class, by the new name",
               got.get(pb.KPI_PROSPECT, 0) >= 5 and "lead-Working" in names_in and
               "lead-Contacted" not in names_in, "%s %s" % (got, names_in))
    w.close()
    watchers_follow(pb, d, admin)
    r = ok_call(admin, lambda q: q.lead_list.filter.statuses.append("prospect"), "by class")
    res.record("the class word finds the reclassified status's leads",
               set(ids) <= {l.id for l in r.lead_list.leads})

    # ---- rights ----
    man = Client(pb, d.port, user="man1", password=PW)
    for who, c in (("a rep", rep), ("a manager", man)):
        for what, r in (("add", add(c, "x-9", pb.STAGE_LEAD, pb.KPI_NONE)),
                        ("edit", edit(c, "lead-Working", probability=1)),
                        ("rm", rm(c, "lead-Working", move_to="lead-New"))):
            res.record("%s is refused status_%s" % (who, what),
                       r.code == pb.PERMISSION_DENIED and "admin" in r.message, rr(r))
    res.record("refused requests left lead-Working as it was",
               by_name(admin)["lead-Working"].leads == 5)

    # ---- status_rm ----
    before = names(admin)
    for what, r, code, word in [
        ("without move_to while leads are in it", rm(admin, "lead-Working"),
         pb.FAILED_PRECONDITION, "5 leads"),
        ("into a dead status", rm(admin, "lead-Working", move_to="lead-Dead"),
         pb.FAILED_PRECONDITION, "reason"),
        ("into a lost status", rm(admin, "lead-Working", move_to="customer-Churned"),
         pb.FAILED_PRECONDITION, "reason"),
        ("into itself", rm(admin, "lead-Working", move_to="lead-Working"), pb.INVALID_ARGUMENT,
         "removed"),
        ("the last status of class new", rm(admin, "lead-New", move_to="lead-Qualified"),
         pb.FAILED_PRECONDITION, "last status of class new"),
        ("an unknown status", rm(admin, "nosuch"), pb.NOT_FOUND, "nosuch"),
        ("an unknown move_to", rm(admin, "lead-Working", move_to="nosuch"), pb.NOT_FOUND,
         "nosuch"),
    ]:
        res.record("status_rm refuses %s" % what, r.code == code and word in r.message, rr(r))
    res.record("refused removals change nothing",
               names(admin) == before and by_name(admin)["lead-Working"].leads == 5)
    many = create_many(admin, 1195, "rep1", title="bulk")
    moved = many + ids
    # Put the 1195 in lead-Working too: a pipelined burst of moves.
    answers = pipeline(admin, [lambda q, i=i: (setattr(q.lead_set_status, "id", i),
                                               setattr(q.lead_set_status, "status",
                                                       "lead-Working")) for i in many])
    res.record("1195 more leads moved into lead-Working",
               all(a.code == pb.OK for a in answers) and by_name(admin)["lead-Working"].leads == 1200)
    pos_before = {s.name: s.position for s in statuses(admin)}
    r = rm(admin, "lead-Working", move_to="lead-Qualified")
    res.record("status_rm with move_to moves 1200 leads (three chunks) and removes it",
               r.code == pb.OK and r.status.moved == 1200 and r.status.status.name == "lead-Working",
               rr(r) + " moved %d" % r.status.moved)
    now = by_name(admin)
    res.record("the status is gone from the list", "lead-Working" not in now)
    res.record("its leads are in lead-Qualified", now["lead-Qualified"].leads >= 1200)
    ss = statuses(admin)
    res.record("positions close up (1..n)", [s.position for s in ss] == list(range(1, len(ss) + 1)))
    res.record("statuses after it moved up by one",
               all(now[n].position == p - (1 if p > pos_before["lead-Working"] else 0)
                   for n, p in pos_before.items() if n != "lead-Working"))
    h = ok_call(admin, lambda q: setattr(q.lead_history, "id", moved[0]), "history")
    last = h.lead_history.items[-1] if h.lead_history.items else None
    res.record("each moved lead has the status change in its history, by the admin",
               last is not None and last.kind == "status" and last.author == "admin",
               str(last)[:300])
    r = rm(admin, "prospect-Demo")
    res.record("an empty status goes without move_to",
               r.code == pb.OK and r.status.moved == 0 and "prospect-Demo" not in names(admin), rr(r))
    r = rm(admin, "prospect-Demo")
    res.record("removing it again is NOT_FOUND", r.code == pb.NOT_FOUND, rr(r))

    removal_races_moves(pb, d, admin)

    # ---- the bound: 100 statuses ----
    n0 = len(statuses(admin))
    for i in range(100 - n0):
        ok_call(admin, lambda q, i=i: (setattr(q.status_add.status, "name", "bulk-%d" % i),
                                       setattr(q.status_add.status, "stage", pb.STAGE_LEAD),
                                       setattr(q.status_add.status, "kpi_class", pb.KPI_NONE)),
                "add bulk-%d" % i)
    r = add(admin, "one-too-many", pb.STAGE_LEAD, pb.KPI_NONE)
    res.record("the 101st status is refused, saying the bound",
               r.code == pb.FAILED_PRECONDITION and "100" in r.message, rr(r))
    for i in range(100 - n0):
        ok_call(admin, lambda q, i=i: setattr(q.status_rm, "name", "bulk-%d" % i), "rm bulk")
    res.record("and the list is back", len(statuses(admin)) == n0)
    global final_list
    final_list = [(s.id, s.name, s.position, s.kpi_class, s.conversion_target)
                  for s in statuses(admin)]
    rep.close()
    man.close()
    admin.close()


def after_restart(pb, d):
    admin = Client(pb, d.port)
    got = [(s.id, s.name, s.position, s.kpi_class, s.conversion_target) for s in statuses(admin)]
    res.record("after a restart the status list is as it was", got == final_list)
    # A watch resuming from before the last status edit or removal: KPI
    # counts and saved searches start over, plain lead events replay.
    last = ok_call(admin, lambda q: q.lead_list.SetInParent(), "lead_list").lead_list.revision
    wk = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    r = wk.watch(["kpi"], since=10)
    evs = wk.until(lambda e: e.kind == pb.EVENT_SNAPSHOT, limit=5)
    res.record("a KPI watch resuming from before a status change gets a snapshot (durable)",
               r.code == pb.OK and not r.watch.replaying and
               "status list changed after revision 10" in evs[-1].reason,
               "%s %s" % (rr(r), evs[-1].reason))
    wl = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    r = wl.watch(["leads"], since=last - 2)
    evs = wl.until(lambda e: e.kind == pb.EVENT_CAUGHT_UP, limit=5)
    res.record("a plain leads watch resuming from then replays",
               r.code == pb.OK and r.watch.replaying and
               not any(e.kind == pb.EVENT_SNAPSHOT for e in evs), rr(r))
    ok_call(admin, lambda q: (setattr(q.lead_create, "title", "after"),
                              setattr(q.lead_create, "owner", "admin")), "lead_create")
    now = ok_call(admin, lambda q: q.lead_list.SetInParent(), "lead_list").lead_list.revision
    wk2 = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD)
    r = wk2.watch(["kpi"], since=now)
    evs = wk2.events(quiet=0.5)
    res.record("a KPI watch resuming from after the last status change replays",
               r.code == pb.OK and r.watch.replaying and
               not any(e.kind == pb.EVENT_SNAPSHOT for e in evs), rr(r))
    for w in (wk, wl, wk2):
        w.close()
    admin.close()


final_list = None

if __name__ == "__main__":
    sys.exit(main())
