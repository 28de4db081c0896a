#!/usr/bin/python3
"""Watching a saved search (docs/protocol.md section 6, TOPIC_LEADS with
`search`): a lead enters when it comes to match, changes while it
matches, leaves when it stops matching; the search is checked on the lead
before and after each change, with every kind of condition (status,
tags, words, value range, pool) and the caller's visibility.

- r1's "hot" (status qualified): r1's lead qualified -> ENTER, edited ->
  LEAD, back to new -> LEAVE (no lead); created qualified -> ENTER; r2's
  lead qualified (r1 may not see it) -> nothing.
- r1's "vip" (tag vip, word "acme", EUR 100..500): enters and leaves as
  each condition starts and stops holding.
- A team search of A shared by its manager ("A/pool", unowned leads):
  a rep of A runs it (pool visible): a lead put in A's pool enters,
  claimed by r2 it leaves.
- The model from the events equals lead_list run with the saved search.
- The search edited (its filter): SNAPSHOT, then the new filter applies.
- The search removed: ENDED with a reason; the connection stays open.
- A name that is a typo of one: NOT_FOUND "did you mean 'hot'?".
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_search.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, ok_call,  # noqa: E402
                           run_test)
from watch_lib import Model, Watcher, kinds, watch_ok  # noqa: E402

PW = "watch-password-1"
res = Results()


def listed(c, search):
    r = ok_call(c, lambda q: (setattr(q.lead_list, "saved_search", search),
                              setattr(q.lead_list, "limit", 1000)), "list " + search)
    return {l.id: l.version for l in r.lead_list.leads}, r.lead_list.revision


def run(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A", pool_visible=True)
    for name, role in (("mA", pb.ROLE_MANAGER), ("r1", pb.ROLE_REP), ("r2", pb.ROLE_REP)):
        add_user(adm, name, role, "A", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA")), "managers")
    r1 = Client(pb, d.port, "r1", PW)
    mA = Client(pb, d.port, "mA", PW)

    def save(c, name, team=None, **flt):
        def fill(q):
            q.search_save.search.name = name
            if team:
                q.search_save.search.team = team
            f = q.search_save.search.filter
            f.SetInParent()
            for k, v in flt.items():
                if isinstance(v, list):
                    getattr(f, k).extend(v)
                else:
                    setattr(f, k, v)
        ok_call(c, fill, "save " + name)
    save(r1, "hot", statuses=["qualified"])
    save(r1, "vip", tags=["vip"], query="acme", value_currency="EUR", value_min=10000,
         value_max=50000)
    save(mA, "pool", team="A", pool=True)

    ver = {}

    def do(c, fill, what):
        r = ok_call(c, fill, what)
        ver[r.lead.lead.id] = r.lead.lead.version
        return r.lead.lead.version

    def create(c, title, owner="r1", **kw):
        def fill(q):
            q.lead_create.title = title
            if owner:
                q.lead_create.owner = owner
            for k, v in kw.items():
                if k == "value":
                    q.lead_create.value.amount_minor, q.lead_create.value.currency = v
                elif k == "tags":
                    q.lead_create.tags.extend(v)
                else:
                    setattr(q.lead_create, k, v)
        r = ok_call(c, fill, "create " + title)
        ver[r.lead.lead.id] = r.lead.lead.version
        return r.lead.lead.id, r.lead.lead.version

    def status(c, lid, word):
        return do(c, lambda q: (setattr(q.lead_set_status, "id", lid),
                                setattr(q.lead_set_status, "status", word)), "status")

    def update(c, lid, **kw):
        def fill(q):
            q.lead_update.id = lid
            q.lead_update.expected_version = ver[lid]
            for k, v in kw.items():
                if k == "value":
                    q.lead_update.value.amount_minor, q.lead_update.value.currency = v
                else:
                    setattr(q.lead_update, k, v)
        return do(c, fill, "update")

    def tag(c, lid, add=(), rm=()):
        return do(c, lambda q: (setattr(q.lead_tag, "id", lid), q.lead_tag.add.extend(add),
                                q.lead_tag.rm.extend(rm)), "tag")

    ws, models = {}, {}
    for name, user in (("hot", "r1"), ("vip", "r1"), ("pool", "r2")):
        w = Watcher(pb, d.port, user, PW)
        watch_ok(w, ["leads"], name, search=name)
        s = w.until(lambda e: True)[0]
        m = Model(pb)
        m.snapshot(s)
        m.leads, m.list_rev = listed(w, name)
        ws[name], models[name] = w, m

    steps = []

    def step(name, rev, watcher, want):
        steps.append((name, rev, watcher, want))

    E, L, V = "EVENT_ENTER", "EVENT_LEAD", "EVENT_LEAVE"
    a, _ = create(r1, "plain one")
    step("r1's lead qualified enters hot", status(r1, a, "qualified"), "hot", [E])
    step("edited while qualified: LEAD", update(r1, a, title="plain two"), "hot", [L])
    step("back to new: LEAVE", status(r1, a, "new"), "hot", [V])
    b, rv = create(r1, "born hot", status="qualified")
    step("created qualified: ENTER", rv, "hot", [E])
    c2, rv = create(adm, "of r2", owner="r2")
    step("r2's lead qualified: r1 sees nothing", status(adm, c2, "qualified"), "hot", [])

    v, rv = create(r1, "Acme deal", tags=["vip"], value=(20000, "EUR"))
    step("tag, word and value in range: ENTER vip", rv, "vip", [E])
    step("value out of range: LEAVE", update(r1, v, value=(90000, "EUR")), "vip", [V])
    step("value back in range: ENTER", update(r1, v, value=(30000, "EUR")), "vip", [E])
    step("tag removed: LEAVE", tag(r1, v, rm=["VIP"]), "vip", [V])
    step("tag again: ENTER", tag(r1, v, add=["vip"]), "vip", [E])
    step("title loses the word: LEAVE", update(r1, v, title="Other deal"), "vip", [V])
    step("currency other: nothing", update(r1, v, value=(30000, "USD")), "vip", [])

    p, rv = create(adm, "to the pool", owner=None, team="A")
    step("a lead put in A's pool enters A/pool", rv, "pool", [E])
    step("claimed by r2: LEAVE", do(Client(pb, d.port, "r2", PW),
                                    lambda q: setattr(q.lead_claim, "id", p), "claim"),
         "pool", [V])

    got = {n: w.events(quiet=0.5) for n, w in ws.items()}
    for name, rev, watcher, want in steps:
        k = kinds(pb, [e for e in got[watcher] if e.revision == rev])
        res.record(name, k == want, "got %s" % k)
    leave = [e for e in got["hot"] if e.kind == pb.EVENT_LEAVE]
    res.record("a LEAVE carries no lead; a lead you still see (no longer matching) keeps "
               "its new status and owner",
               leave and not leave[0].HasField("lead") and leave[0].new_status != "" and
               leave[0].new_owner == "r1" and leave[0].old_status != leave[0].new_status,
               str(leave[0]) if leave else "no LEAVE")
    for n, w in ws.items():
        for e in got[n]:
            models[n].apply(e)
        now, _ = listed(w, n)
        res.record("%s: the events' model equals lead_list with the search" % n,
                   models[n].leads == now, "%s vs %s" % (models[n].leads, now))

    # Edited: a snapshot, then the new filter.
    ok_call(r1, lambda q: (setattr(q.search_edit, "name", "hot"),
                           q.search_edit.filter.statuses.append("new")), "edit hot")
    s = ws["hot"].until(lambda e: e.kind == pb.EVENT_SNAPSHOT)[-1]
    res.record("the watched search edited: SNAPSHOT saying so", "edited" in s.reason, s.reason)
    rv = status(r1, b, "new")
    got = ws["hot"].until(lambda e: e.revision == rv)
    res.record("then the new filter (status new only): a lead moved to new ENTERs",
               kinds(pb, got)[-1:] == [E], str(kinds(pb, got)))
    ok_call(r1, lambda q: setattr(q.search_rm, "name", "hot"), "rm hot")
    got = ws["hot"].until(lambda e: e.kind == pb.EVENT_ENDED)
    res.record("the watched search removed: ENDED with a reason", got[-1].reason != "",
               got[-1].reason)
    r = ws["hot"].call(lambda q: q.ping.SetInParent())
    status(r1, b, "qualified")
    res.record("after ENDED the connection stays open, no event follows",
               r.code == pb.OK and ws["hot"].events(quiet=0.4) == [])
    r = ws["vip"].watch(["leads"], search="vpi")
    res.record("a typo of a search name: NOT_FOUND with did you mean",
               r.code == pb.NOT_FOUND and "did you mean 'vip'" in r.message, r.message)
    r = ws["vip"].watch(["leads"], search="nothing-like-it")
    res.record("an unknown search name: NOT_FOUND", r.code == pb.NOT_FOUND, r.message)
    for w in ws.values():
        w.close()


run_test(res, "watch_search", run)
