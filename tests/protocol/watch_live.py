#!/usr/bin/python3
"""Live events for each topic and role (docs/protocol.md section 6).

An admin, a manager of team A, two reps of A (A shows its pool) and a rep of
B each watch leads, kpi and assigned on an open connection. Then: a lead is
created for a rep, edited, given a value, reassigned to the other rep, put
in A's pool, claimed, moved to another status; a lead goes to B's pool
(which B's rep may not see). Checked:

- the reply's revision is the first event's, a SNAPSHOT whose kpi_counts
  equal a kpi answer of the same moment;
- per change and watcher, exactly the events the contract gives: ENTER /
  LEAD / LEAVE by visibility, ASSIGNED only to the new owner of someone
  else's change, KPI deltas only on rows the watcher sees; a LEAVE carries
  no lead; events come in revision order, those of one revision together,
  LEADS then ASSIGNED then KPI;
- every watcher's model (the lead list read after its snapshot plus the
  events; the snapshot's counts plus the deltas) equals a fresh lead_list
  and kpi of the same user;
- names are resolved: author, old/new owner ("" for a pool), statuses;
  a pool row's delta is "(pool)"; a LEAVE or KPI event names nothing of
  the lead's new state to a watcher who may not see it;
- a bulk move (lead_bulk_assign): the old owner gets a LEAVE per lead,
  the new one ENTER and ASSIGNED, and every watcher's model still equals
  fresh answers.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_live.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Results, add_team, add_user, ok_call,  # noqa: E402
                           run_test)
from watch_lib import Model, Watcher, kinds, kpi_now, leads_now  # noqa: E402

PW = "watch-password-1"
res = Results()


def run(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A")
    add_team(adm, "B")
    for name, role, team in (("mA", pb.ROLE_MANAGER, "A"), ("rA1", pb.ROLE_REP, "A"),
                             ("rA2", pb.ROLE_REP, "A"), ("rB", pb.ROLE_REP, "B")):
        add_user(adm, name, role, team, PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA"),
                            setattr(q.team_edit, "pool_visible", True)), "team_edit A")
    # A lead before anyone watches: the snapshot and the lists hold it.
    ok_call(adm, lambda q: (setattr(q.lead_create, "title", "before"),
                            setattr(q.lead_create, "owner", "rA1")), "create before")

    names = ["admin", "mA", "rA1", "rA2", "rB"]
    ws, models = {}, {}
    for n in names:
        w = Watcher(pb, d.port, n, PW if n != "admin" else ADMIN_PASSWORD)
        r = w.watch(["leads", "kpi", "assigned"])
        res.record("%s: watch answers OK" % n, r.code == pb.OK, r.message)
        res.record("%s: nothing before the reply" % n, not w.early)
        evs = w.until(lambda e: True)
        first = evs[0]
        counts, krev = kpi_now(w)
        m = Model(pb)
        m.snapshot(first, c=w)
        res.record("%s: first event is a SNAPSHOT at the reply's revision" % n,
                   first.kind == pb.EVENT_SNAPSHOT and first.revision == r.watch.revision
                   and not r.watch.replaying, "%s rev %d reply %d" % (
                       kinds(pb, [first]), first.revision, r.watch.revision))
        res.record("%s: the snapshot's counts are kpi's at that revision" % n,
                   m.kpi == counts and krev == first.revision, "%s vs %s" % (m.kpi, counts))
        ws[n], models[n] = w, m

    rA1 = Client(pb, d.port, "rA1", PW)
    mA = Client(pb, d.port, "mA", PW)
    revs = {}

    r = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "L1"),
                                setattr(q.lead_create, "owner", "rA1")), "create L1")
    l1 = r.lead.lead.id
    revs["create"] = r.lead.lead.version
    r = ok_call(rA1, lambda q: (setattr(q.lead_update, "id", l1),
                                setattr(q.lead_update, "expected_version", revs["create"]),
                                setattr(q.lead_update, "title", "L1 renamed")), "edit")
    revs["edit"] = r.lead.lead.version

    def value(q):
        q.lead_update.id = l1
        q.lead_update.expected_version = revs["edit"]
        q.lead_update.value.amount_minor = 10000
        q.lead_update.value.currency = "EUR"
    revs["value"] = ok_call(rA1, value, "value").lead.lead.version
    revs["to_rA2"] = ok_call(mA, lambda q: (setattr(q.lead_assign, "id", l1),
                                            setattr(q.lead_assign, "to_user", "rA2")),
                             "assign").lead.lead.version
    revs["to_pool"] = ok_call(mA, lambda q: (setattr(q.lead_assign, "id", l1),
                                             setattr(q.lead_assign, "to_pool", True)),
                              "pool").lead.lead.version
    revs["claim"] = ok_call(rA1, lambda q: setattr(q.lead_claim, "id", l1),
                            "claim").lead.lead.version
    revs["status"] = ok_call(rA1, lambda q: (setattr(q.lead_set_status, "id", l1),
                                             setattr(q.lead_set_status, "status", "qualified")),
                             "status").lead.lead.version
    revs["poolB"] = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "LB"),
                                            setattr(q.lead_create, "team", "B")),
                            "create LB").lead.lead.version
    last = revs["poolB"]

    got = {}
    for n in names:
        w = ws[n]
        evs = w.events(quiet=0.5)
        got[n] = evs
        order_ok = all(a.revision <= b.revision for a, b in zip(evs, evs[1:]))
        res.record("%s: events in revision order" % n, order_ok)
        # LEADS, then ASSIGNED, then KPI within a revision.
        rank = {pb.EVENT_ENTER: 0, pb.EVENT_LEAD: 0, pb.EVENT_LEAVE: 0,
                pb.EVENT_ASSIGNED: 1, pb.EVENT_KPI: 2}
        per = {}
        for e in evs:
            per.setdefault(e.revision, []).append(e)
        res.record("%s: one revision's events: leads, assigned, kpi" % n,
                   all([rank[e.kind] for e in v] == sorted(rank[e.kind] for e in v)
                       for v in per.values()))
        res.record("%s: no event after the last change" % n,
                   all(e.revision <= last for e in evs))
        for e in evs:
            models[n].apply(e)
        res.record("%s: leads from events equal a fresh lead_list" % n,
                   models[n].leads == leads_now(w), "%s vs %s" % (models[n].leads, leads_now(w)))
        counts, _ = kpi_now(w)
        res.record("%s: counts from events equal a fresh kpi" % n, models[n].kpi == counts,
                   "%s vs %s" % (models[n].kpi, counts))

    def at(n, step):
        return [e for e in got[n] if e.revision == revs[step]]

    def k(n, step):
        return kinds(pb, at(n, step))

    E, L, V, A, K = "EVENT_ENTER", "EVENT_LEAD", "EVENT_LEAVE", "EVENT_ASSIGNED", "EVENT_KPI"
    expect = {
        "create": {"admin": [E, K], "mA": [E, K], "rA1": [E, A, K], "rA2": [], "rB": []},
        "edit": {"admin": [L], "mA": [L], "rA1": [L], "rA2": [], "rB": []},
        "value": {"admin": [L, K], "mA": [L, K], "rA1": [L, K], "rA2": [], "rB": []},
        "to_rA2": {"admin": [L, K], "mA": [L, K], "rA1": [V, K], "rA2": [E, A, K], "rB": []},
        "to_pool": {"admin": [L, K], "mA": [L, K], "rA1": [E, K], "rA2": [L, K], "rB": []},
        "claim": {"admin": [L, K], "mA": [L, K], "rA1": [L, K], "rA2": [V, K], "rB": []},
        "status": {"admin": [L, K], "mA": [L, K], "rA1": [L, K], "rA2": [], "rB": []},
        "poolB": {"admin": [E, K], "mA": [], "rA1": [], "rA2": [], "rB": []},
    }
    for step, per in expect.items():
        for n, want in per.items():
            res.record("%s: %s gets %s" % (step, n, want or "nothing"), k(n, step) == want,
                       "got %s" % k(n, step))

    leave = [e for e in at("rA1", "to_rA2") if e.kind == pb.EVENT_LEAVE]
    res.record("a LEAVE carries no lead, and nothing of its new state: the change's "
               "kind, author and what the lead was",
               leave and not leave[0].HasField("lead") and leave[0].lead_id == l1 and
               leave[0].old_owner == "rA1" and leave[0].new_owner == "" and
               leave[0].old_status != "" and leave[0].new_status == "" and
               leave[0].author == "mA" and leave[0].change == pb.LEAD_CHANGE_ASSIGN,
               str(leave[0]) if leave else "no LEAVE")
    kl = [e for e in at("rA1", "to_rA2") if e.kind == pb.EVENT_KPI]
    res.record("the KPI event of that change names no new owner either",
               kl and kl[0].new_owner == "" and kl[0].new_status == "" and
               [d.owner_name for d in kl[0].kpi] == ["rA1"], str(kl[0]) if kl else "none")
    ent = at("rA2", "to_rA2")[0]
    res.record("an ENTER carries the lead as after the change, nothing of before it "
               "could not see",
               ent.lead.id == l1 and ent.lead.owner_id != 0 and ent.lead.title == "L1 renamed"
               and ent.lead.version == revs["to_rA2"] and ent.old_owner == "" and
               ent.new_owner == "rA2", str(ent))
    pool = at("mA", "to_pool")[0]
    res.record("a pool owner is an empty name", pool.old_owner == "rA2" and pool.new_owner == ""
               and pool.old_status == pool.new_status != "")
    pe = at("rA1", "to_pool")[0]
    res.record("entering from someone else's hands: no old owner", pe.old_owner == "" and
               pe.new_owner == "" and pe.new_status != "")
    kv = [e for e in at("mA", "value") if e.kind == pb.EVENT_KPI][0].kpi
    res.record("a value edit is a count 0 delta with the value change",
               len(kv) == 1 and kv[0].count == 0 and len(kv[0].value) == 1 and
               kv[0].value[0].amount_minor == 10000 and kv[0].value[0].currency == "EUR"
               and kv[0].owner_name == "rA1" and kv[0].team_name == "A")
    kp = [e for e in at("mA", "to_pool") if e.kind == pb.EVENT_KPI][0].kpi
    res.record("a move to the pool: -1 on the owner's row, +1 on (pool), value along",
               sorted((x.owner_name, x.count, [m.amount_minor for m in x.value]) for x in kp) ==
               [("(pool)", 1, [10000]), ("rA2", -1, [-10000])], str(kp))
    ks = [e for e in at("rA1", "status") if e.kind == pb.EVENT_KPI][0]
    res.record("a status change: -1 old status, +1 new, with names and classes",
               sorted(x.count for x in ks.kpi) == [-1, 1] and ks.old_status != ks.new_status
               and any(x.kpi_class == pb.KPI_QUALIFIED and x.count == 1 for x in ks.kpi))

    # A bulk move (lead_bulk_assign, in chunks): both owners' views follow.
    moved = [ok_call(adm, lambda q, i=i: (setattr(q.lead_create, "title", "bulk %d" % i),
                                          setattr(q.lead_create, "owner", "rA2")),
                     "create bulk").lead.lead.id for i in range(3)]
    for n in names:
        for e in ws[n].events(quiet=0.3):
            models[n].apply(e)
    r = ok_call(mA, lambda q: (setattr(q.lead_bulk_assign, "from_user", "rA2"),
                               setattr(q.lead_bulk_assign, "to_user", "rA1")), "bulk")
    got = {n: ws[n].events(quiet=0.5) for n in names}
    leaves = [e for e in got["rA2"] if e.kind == pb.EVENT_LEAVE]
    res.record("bulk move: the old owner gets a LEAVE per lead, naming no new owner",
               sorted(e.lead_id for e in leaves) == sorted(moved) and
               all(e.new_owner == "" and not e.HasField("lead") for e in leaves),
               "%d moved, %s" % (r.lead_bulk_assign.moved, kinds(pb, got["rA2"])))
    res.record("bulk move: the new owner gets ENTER and ASSIGNED per lead",
               sorted(e.lead_id for e in got["rA1"] if e.kind == pb.EVENT_ENTER) ==
               sorted(moved) and
               sorted(e.lead_id for e in got["rA1"] if e.kind == pb.EVENT_ASSIGNED) ==
               sorted(moved), str(kinds(pb, got["rA1"])))
    for n in names:
        for e in got[n]:
            models[n].apply(e)
        res.record("%s: after the bulk move, leads and counts from events equal fresh ones" % n,
                   models[n].leads == leads_now(ws[n]) and models[n].kpi == kpi_now(ws[n])[0])
    for w in ws.values():
        w.close()


run_test(res, "watch_live", run)
