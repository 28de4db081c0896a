#!/usr/bin/python3
"""Attack (issue 13): an activity's assignee who can no longer see its lead.

Usage: atk_activities_sight.py LEADD_BINARY PROTO_DIR

activity_add refuses an assignee who cannot see the lead ("so it cannot be
on their agenda"). Moves of the lead must not leave one there either, or
the activity drops off every agenda: its assignee's agenda passes over a
lead they cannot see, and the lead's owner never had it. Three ways a lead
goes out of an assignee's sight while it keeps an owner:

- a pool lead (team north, pool visible) with a task rita (a rep of north)
  gave herself is assigned to rob: rita no longer sees it;
- rita's lead with a task for mona (manager of north) is assigned to sam of
  team south: the lead's team follows sam, mona no longer sees it;
- rita's lead with a task for mona follows rita when she moves to team
  south (lead_follow_owner_team): same owner, mona no longer sees it;
- a bulk move of 20 leads of rick with 100 open tasks each (half for
  mona) to sam of south: all 2000 go to sam.

In each the task goes to the lead's owner (on their agenda, readable by
them), an assignee who still sees the lead keeps theirs (an admin's task
stays the admin's), and a lead sent to the pool keeps its assignees as
protocol.md says. leadd verify passes after each step."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc,  # noqa: E402
                           ok_call, pipeline, run_test)

res = Results()
PW = "sight-pw-1234"
DAY = 86400 * 1000


def now_ms():
    return int(time.time() * 1000)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north", pool_visible=True)
    add_team(admin, "south", pool_visible=True)
    add_user(admin, "mona", pb.ROLE_MANAGER, team="north", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "north"),
                              q.team_edit.managers.items.append("mona")), "managers")
    add_user(admin, "rita", pb.ROLE_REP, team="north", password=PW)
    add_user(admin, "rob", pb.ROLE_REP, team="north", password=PW)
    add_user(admin, "sam", pb.ROLE_REP, team="south", password=PW)

    def login(name):
        return Client(pb, d.port, user=name, password=PW)

    def new_lead(title, owner=None, team=None):
        def fill(q):
            q.lead_create.title = title
            if owner:
                q.lead_create.owner = owner
            if team:
                q.lead_create.team = team
        return ok_call(admin, fill, "lead_create " + title).lead.lead

    def task(c, lid, title, assignee=None):
        def fill(q):
            q.activity_add.lead_id = lid
            q.activity_add.kind = pb.ACTIVITY_TASK
            q.activity_add.title = title
            q.activity_add.at = now_ms() + DAY
            if assignee:
                q.activity_add.assignee = assignee
        r = c.call(fill)
        res.record("task '%s' on lead %d" % (title, lid), r.code == pb.OK, desc(pb, r))
        return r

    def assignees(lid):
        acts = ok_call(admin, lambda q: setattr(q.activity_list, "lead_id", lid),
                       "activity_list").activity_list.activities
        return {a.title: a.assignee for a in acts}

    def agenda_titles(name):
        c = login(name)
        items = ok_call(c, lambda q: q.agenda.SetInParent(), "agenda").agenda.items
        c.close()
        return sorted(a.title for a in items)

    def assign(lid, **target):
        def fill(q):
            q.lead_assign.id = lid
            for k, v in target.items():
                setattr(q.lead_assign, k, v)
        return ok_call(admin, fill, "lead_assign %d" % lid).lead.lead

    def verify_now(what):
        nonlocal admin
        d.stop()
        res.record("%s: leadd verify passes" % what, d.verify() == 0)
        d.start()
        admin = Client(pb, d.port)

    # ---- a pool lead claimed away from the rep who planned on it ----
    pool = new_lead("Pool lead", owner="", team="north")
    res.record("the pool lead has no owner", pool.owner_id == 0)
    rita = login("rita")
    task(rita, pool.id, "rita calls back")
    task(admin, pool.id, "admin checks")
    assign(pool.id, to_user="rob")
    who = assignees(pool.id)
    res.record("pool -> rob: rita's task (she cannot see the lead now) goes to rob",
               who.get("rita calls back") == "rob", str(who))
    res.record("... the admin's task stays the admin's (they still see it)",
               who.get("admin checks") == "admin", str(who))
    res.record("... rob's agenda has it", "rita calls back" in agenda_titles("rob"))
    r = rita.call(lambda q: setattr(q.lead_get, "id", pool.id))
    res.record("... rita indeed cannot read the lead", r.code == pb.NOT_FOUND, desc(pb, r))
    verify_now("pool lead assigned")

    # ---- assigned to another team: its manager loses sight ----
    other = new_lead("Goes south", owner="rita")
    task(login("rita"), other.id, "mona reviews", assignee="mona")
    assign(other.id, to_user="sam")
    who = assignees(other.id)
    res.record("rita -> sam of south: mona's task (north's manager) goes to sam",
               who.get("mona reviews") == "sam", str(who))
    res.record("... sam's agenda has it", "mona reviews" in agenda_titles("sam"))
    res.record("... mona's agenda does not list it", "mona reviews" not in agenda_titles("mona"))
    verify_now("lead assigned to another team")

    # ---- the owner changes team: their leads follow, the manager loses sight ----
    follows = new_lead("Follows rita", owner="rita")
    task(login("rita"), follows.id, "mona again", assignee="mona")
    task(login("rita"), follows.id, "rita's own")
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "rita"),
                              setattr(q.user_edit, "team", "south")), "rita to south")
    lead = ok_call(admin, lambda q: setattr(q.lead_get, "id", follows.id), "get").lead.lead
    south = [t.id for t in ok_call(admin, lambda q: q.team_list.SetInParent(),
                                   "team_list").team_list.teams if t.name == "south"][0]
    res.record("the lead followed rita to south", lead.team_id == south, str(lead.team_id))
    who = assignees(follows.id)
    res.record("rita moved to south: mona's task on her lead goes to rita",
               who.get("mona again") == "rita", str(who))
    res.record("... rita's own stays hers", who.get("rita's own") == "rita", str(who))
    verify_now("owner moved team")

    # ---- a bulk move to another team: 20 leads with 100 open tasks each ----
    add_user(admin, "rick", pb.ROLE_REP, team="north", password=PW)
    busy = [new_lead("Busy %d" % i, owner="rick") for i in range(20)]
    fills = []
    for lead in busy:
        for i in range(100):
            fills.append(lambda q, lid=lead.id, i=i: (
                setattr(q.activity_add, "lead_id", lid),
                setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                setattr(q.activity_add, "title", "t%d" % i),
                setattr(q.activity_add, "at", now_ms() + DAY + i),
                setattr(q.activity_add, "assignee", "mona" if i % 2 else "rick")))
    answers = pipeline(admin, fills)
    res.record("20 leads of rick with 100 open tasks each, half mona's",
               all(x.code == 0 for x in answers),
               next((desc(pb, x) for x in answers if x.code), ""))
    r = ok_call(admin, lambda q: (setattr(q.lead_bulk_assign, "from_user", "rick"),
                                  setattr(q.lead_bulk_assign, "to_user", "sam")), "bulk")
    res.record("the bulk move to sam (south) moves all 20",
               r.lead_bulk_assign.moved == 20, str(r.lead_bulk_assign))
    left = [(lead.id, t, w) for lead in busy for t, w in assignees(lead.id).items()
            if w != "sam"]
    res.record("... every task, rick's and mona's, is sam's", not left, str(left[:5]))
    verify_now("bulk move to another team")

    # ---- a lead sent to the pool keeps its assignees (protocol.md) ----
    back = new_lead("Back to pool", owner="rob")
    task(login("rob"), back.id, "rob's")
    task(admin, back.id, "mona's", assignee="mona")
    assign(back.id, to_pool=True)
    who = assignees(back.id)
    res.record("a lead sent to the pool keeps its tasks' assignees",
               who == {"rob's": "rob", "mona's": "mona"}, str(who))


run_test(res, "atk_activities_sight", run)
