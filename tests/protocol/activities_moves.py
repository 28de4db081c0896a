#!/usr/bin/python3
"""Activities (issue 13) as their lead moves, and their bounds, against a
real leadd on 127.0.0.1.

Usage: activities_moves.py LEADD_BINARY PROTO_DIR

Checks: a move into dead or lost closes every open activity in the same
transaction (state CLOSED, done_at/by, listed in LeadReply.closed_activities
without text), a done one stays done, the next action goes back to the
lead's own; keep_activities keeps them open; a move into another status
closes nothing; a closed one cannot be done, can be reopened. Reassignment:
lead_assign and lead_bulk_assign hand the old owner's open activities to
the new owner (another user's stay theirs), a lead sent to the pool keeps
them; a bulk move of 52 leads with 100 open tasks each takes more than one
commit (a chunk ends past 5000 activities) and moves them all. Bounds: the 101st open activity is refused (and a reopen past it),
room comes back when one is done; the 1001st activity of a lead is refused
even after removals (numbers are not reused); a list longer than a frame
comes in pages with a cursor, each activity once, in order; a bad cursor
is refused. leadd verify passes after each part."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc, give_reason,  # noqa: E402
                           ok_call, pipeline, run_test)

res = Results()
PW = "activity-pw-2"
DAY = 86400 * 1000


def now_ms():
    return int(time.time() * 1000)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north", pool_visible=True)
    add_user(admin, "mona", pb.ROLE_MANAGER, team="north", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "north"),
                              q.team_edit.managers.items.append("mona")), "managers")
    add_user(admin, "rita", pb.ROLE_REP, team="north", password=PW)
    add_user(admin, "rob", pb.ROLE_REP, team="north", password=PW)
    rita = Client(pb, d.port, user="rita", password=PW)
    mona = Client(pb, d.port, user="mona", password=PW)

    def expect(what, r, code, contains=None):
        ok = r.code == code and (contains is None or contains in r.message)
        res.record(what, ok, desc(pb, r))
        return r

    def new_lead(c, title, owner=None):
        def fill(q):
            q.lead_create.title = title
            if owner:
                q.lead_create.owner = owner
        return ok_call(c, fill, "lead_create").lead.lead

    def add(c, lid, kind, **f):
        def fill(q):
            q.activity_add.lead_id = lid
            q.activity_add.kind = kind
            for k, v in f.items():
                setattr(q.activity_add, k, v)
        return c.call(fill)

    def task(c, lid, title, days=1, **f):
        return add(c, lid, pb.ACTIVITY_TASK, title=title, at=now_ms() + days * DAY, **f)

    def listing(c, lid):
        return ok_call(c, lambda q: setattr(q.activity_list, "lead_id", lid),
                       "activity_list").activity_list.activities

    def get(c, lid):
        return ok_call(c, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead

    def set_status(c, lid, status, keep=None):
        def fill(q):
            q.lead_set_status.id = lid
            q.lead_set_status.status = status
            give_reason(q.lead_set_status)
            if keep is not None:
                q.lead_set_status.keep_activities = keep
        return c.call(fill)

    def verify_now(what):
        d.stop()
        res.record("%s: leadd verify passes" % what, d.verify() == 0)
        d.start()
        return (Client(pb, d.port), Client(pb, d.port, user="rita", password=PW),
                Client(pb, d.port, user="mona", password=PW))

    # ---- dead and lost ----
    lead = new_lead(rita, "Going dead")
    lid = lead.id
    for i, t in enumerate(("first", "second", "third")):
        ok_call(rita, lambda q, t=t, i=i: (
            setattr(q.activity_add, "lead_id", lid),
            setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
            setattr(q.activity_add, "title", t),
            setattr(q.activity_add, "text", "details of " + t),
            setattr(q.activity_add, "at", now_ms() + (i + 1) * DAY)), "task " + t)
    expect("a logged call", add(rita, lid, pb.ACTIVITY_CALL, outcome="no answer"), pb.OK)
    v = get(rita, lid).version
    r = expect("a move to a normal status", set_status(rita, lid, "lead-Qualified"), pb.OK)
    res.record("... closes nothing", len(r.lead.closed_activities) == 0 and
               r.lead.lead.next_action_activity == 1)
    v = r.lead.lead.version
    r = expect("the move to dead", set_status(rita, lid, "dead"), pb.OK)
    closed = r.lead.closed_activities
    res.record("it lists the three open tasks as closed",
               sorted(a.number for a in closed) == [1, 2, 3] and
               all(a.state == pb.ACTIVITY_CLOSED and a.done_at and a.done_by for a in closed),
               str(closed))
    res.record("... without their text, with their titles and assignee",
               all(not a.text and a.title and a.assignee == "rita" for a in closed))
    res.record("the move and the closes are four revisions",
               r.lead.lead.version == v + 4, "%d -> %d" % (v, r.lead.lead.version))
    res.record("the lead has no next action left",
               not r.lead.lead.next_action_activity and not r.lead.lead.next_action_at)
    acts = listing(rita, lid)
    res.record("the list shows them closed and the call still done",
               [a.state for a in acts if a.number in (1, 2, 3)] == [pb.ACTIVITY_CLOSED] * 3 and
               [a.state for a in acts if a.number == 4] == [pb.ACTIVITY_DONE])
    res.record("... with their text kept", all(a.text for a in acts if a.number in (1, 2, 3)))
    expect("a closed task cannot be done",
           rita.call(lambda q: (setattr(q.activity_done, "lead_id", lid),
                                setattr(q.activity_done, "number", 1))),
           pb.FAILED_PRECONDITION, "closed")
    r = expect("it can be reopened",
               rita.call(lambda q: (setattr(q.activity_edit, "lead_id", lid),
                                    setattr(q.activity_edit, "number", 1),
                                    setattr(q.activity_edit, "reopen", True))), pb.OK)
    res.record("... and is the next action again", r.activity.lead.next_action_activity == 1)
    r = expect("dead to lost closes the reopened one", set_status(rita, lid, "lost"), pb.OK)
    res.record("... only it", [a.number for a in r.lead.closed_activities] == [1])

    lead2 = new_lead(rita, "Kept")
    task(rita, lead2.id, "keep me")
    r = expect("a move to lost with keep_activities", set_status(rita, lead2.id, "lost", True),
               pb.OK)
    res.record("... closes nothing", len(r.lead.closed_activities) == 0 and
               r.lead.lead.next_action_activity == 1)
    res.record("... the task stays open",
               [a.state for a in listing(rita, lead2.id)] == [pb.ACTIVITY_OPEN])
    admin, rita, mona = verify_now("dead and lost")

    # ---- reassignment ----
    a = new_lead(rita, "Handover A")
    b = new_lead(rita, "Handover B")
    c = new_lead(rita, "Handover C")
    for lead in (a, b, c):
        task(rita, lead.id, "rita's")
        task(rita, lead.id, "mona's", assignee="mona")
    r = ok_call(mona, lambda q: (setattr(q.lead_assign, "id", a.id),
                                 setattr(q.lead_assign, "to_user", "rob")), "assign a")
    who = {x.title: x.assignee for x in listing(mona, a.id)}
    res.record("lead_assign: the old owner's open task goes to the new owner",
               who == {"rita's": "rob", "mona's": "mona"}, str(who))
    ok_call(mona, lambda q: (setattr(q.lead_bulk_assign, "from_user", "rita"),
                             setattr(q.lead_bulk_assign, "to_user", "rob")), "bulk")
    for lead in (b, c):
        who = {x.title: x.assignee for x in listing(mona, lead.id)}
        res.record("lead_bulk_assign: lead %d's tasks follow" % lead.id,
                   who == {"rita's": "rob", "mona's": "mona"}, str(who))
    ok_call(mona, lambda q: (setattr(q.lead_assign, "id", b.id),
                             setattr(q.lead_assign, "to_pool", True)), "to pool")
    who = {x.title: x.assignee for x in listing(mona, b.id)}
    res.record("a lead sent to the pool keeps its tasks' assignees",
               who == {"rita's": "rob", "mona's": "mona"}, str(who))
    admin, rita, mona = verify_now("reassignment")

    # ---- a bulk move's chunks stay bounded by the activities they hand over ----
    add_user(admin, "ria", pb.ROLE_REP, team="north", password=PW)
    many = [new_lead(admin, "Busy %d" % i, owner="ria") for i in range(52)]
    fills = []
    for lead in many:
        for i in range(100):
            fills.append(lambda q, lid=lead.id, i=i: (
                setattr(q.activity_add, "lead_id", lid),
                setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                setattr(q.activity_add, "title", "t%d" % i),
                setattr(q.activity_add, "at", now_ms() + DAY + i),
                setattr(q.activity_add, "assignee", "ria")))
    answers = pipeline(admin, fills)
    res.record("52 leads with 100 open tasks each (5200)", all(x.code == 0 for x in answers),
               next((desc(pb, x) for x in answers if x.code), ""))

    def commits():
        return ok_call(admin, lambda q: q.stats.SetInParent(), "stats").stats.commits
    before = commits()
    r = ok_call(mona, lambda q: (setattr(q.lead_bulk_assign, "from_user", "ria"),
                                 setattr(q.lead_bulk_assign, "to_user", "rob")), "bulk 5200")
    took = commits() - before
    res.record("the bulk move moves all 52", r.lead_bulk_assign.moved == 52,
               str(r.lead_bulk_assign.moved))
    res.record("... in more than one commit (a chunk ends past 5000 activities)", took >= 2,
               "%d commits" % took)
    moved = [x for lead in many[:1] + many[-1:] for x in listing(mona, lead.id)]
    res.record("... and the tasks of the first and last lead are rob's",
               len(moved) == 200 and all(x.assignee == "rob" for x in moved))
    admin, rita, mona = verify_now("bulk move of 5200 activities")

    # ---- the open cap ----
    cap = new_lead(admin, "Busy", owner="admin")
    answers = pipeline(admin, [
        (lambda q, i=i: (setattr(q.activity_add, "lead_id", cap.id),
                         setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                         setattr(q.activity_add, "title", "t%d" % i),
                         setattr(q.activity_add, "at", now_ms() + DAY + i)))
        for i in range(100)])
    res.record("100 open tasks are taken", all(x.code == 0 for x in answers))
    expect("the 101st open one is refused", task(admin, cap.id, "one too many"),
           pb.FAILED_PRECONDITION, "100 open activities")
    expect("a note is still taken (it is not open)",
           add(admin, cap.id, pb.ACTIVITY_NOTE, text="busy lead"), pb.OK)
    ok_call(admin, lambda q: (setattr(q.activity_done, "lead_id", cap.id),
                              setattr(q.activity_done, "number", 1)), "done 1")
    expect("with one done there is room again", task(admin, cap.id, "room"), pb.OK)
    expect("reopening past the cap is refused",
           admin.call(lambda q: (setattr(q.activity_edit, "lead_id", cap.id),
                                 setattr(q.activity_edit, "number", 1),
                                 setattr(q.activity_edit, "reopen", True))),
           pb.FAILED_PRECONDITION, "100 open")
    r = expect("the busy lead goes dead", set_status(admin, cap.id, "dead"), pb.OK)
    res.record("... closing its 100 open tasks in one transaction",
               len(r.lead.closed_activities) == 100, str(len(r.lead.closed_activities)))
    res.record("... and the reply fits a frame (it came back)", r.lead.lead.id == cap.id)

    # ---- the number cap and the list's pages ----
    big = new_lead(admin, "Chatty", owner="admin")
    text = "x" * 3990
    answers = pipeline(admin, [
        (lambda q, i=i: (setattr(q.activity_add, "lead_id", big.id),
                         setattr(q.activity_add, "kind", pb.ACTIVITY_NOTE),
                         setattr(q.activity_add, "text", "%05d %s" % (i, text))))
        for i in range(1000)])
    res.record("1000 notes of 4000 bytes are taken", all(x.code == 0 for x in answers),
               next((desc(pb, x) for x in answers if x.code), ""))
    expect("the 1001st is refused", add(admin, big.id, pb.ACTIVITY_NOTE, text="more"),
           pb.FAILED_PRECONDITION, "1000 activities")
    ok_call(admin, lambda q: (setattr(q.activity_rm, "lead_id", big.id),
                              setattr(q.activity_rm, "number", 500)), "rm 500")
    expect("... also after a removal (numbers are not reused)",
           add(admin, big.id, pb.ACTIVITY_NOTE, text="more"), pb.FAILED_PRECONDITION,
           "not reused")
    seen, cursor, pages = [], None, 0
    while True:
        def fill(q):
            q.activity_list.lead_id = big.id
            if cursor:
                q.activity_list.cursor = cursor
        r = admin.call(fill)
        if r.code != 0:
            res.record("a page of the list", False, desc(pb, r))
            break
        pages += 1
        seen += [x.number for x in r.activity_list.activities]
        cursor = r.activity_list.cursor
        if not cursor or pages > 20:
            break
    want = sorted((n for n in range(1, 1001) if n != 500), reverse=True)
    res.record("the list of 999 long notes comes in several pages", pages >= 4, str(pages))
    res.record("... each once, newest first (notes written in number order)",
               seen == want, "%d seen" % len(seen))
    expect("a bad cursor is refused",
           admin.call(lambda q: (setattr(q.activity_list, "lead_id", big.id),
                                 setattr(q.activity_list, "cursor", "2.x.1"))),
           pb.INVALID_ARGUMENT, "cursor")


run_test(res, "activities_moves", run)
