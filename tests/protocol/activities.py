#!/usr/bin/python3
"""Activities (issue 13): activity_add, activity_done, activity_edit,
activity_rm and activity_list against a real leadd on 127.0.0.1.

Usage: activities.py LEADD_BINARY PROTO_DIR

Checks: each kind's required fields (a note's text, a task's and a
meeting's title and time, a planned call's time) and the fields a kind has
no use for refused; a call with an outcome is logged done (at: given or
now), without one planned (open); numbers 1, 2, ... never reused after a
remove; the next action follows the earliest open activity through add,
done, edit and remove and gives the lead's own back; each change is one
revision of the lead and the reply carries the lead; done only on an open
activity; expected_version stale is ABORTED; an edit that changes nothing
keeps the version; moving `at` re-arms a task that fell due (alerted
set by hand as the due timer leaves it: back on the alarm index); reopen; the assignee
(default the caller, a user who can see the lead, never a disabled one or
one who cannot see it); rights are the lead's (NOT_FOUND); the list order
(open by time, then the others newest first) with assignee names.
Ends with `leadd verify` passing."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, ok_call, run_test  # noqa: E402

res = Results()
PW = "activity-pw-1"
HOUR = 3600 * 1000
DAY = 24 * HOUR


def now_ms():
    return int(time.time() * 1000)


class Acts:
    """Small wrappers over the five requests for one client."""

    def __init__(self, pb, c):
        self.pb, self.c = pb, c

    def add(self, lid, kind, **f):
        def fill(q):
            q.activity_add.lead_id = lid
            q.activity_add.kind = kind
            for k, v in f.items():
                setattr(q.activity_add, k, v)
        return self.c.call(fill)

    def done(self, lid, n, **f):
        def fill(q):
            q.activity_done.lead_id = lid
            q.activity_done.number = n
            for k, v in f.items():
                setattr(q.activity_done, k, v)
        return self.c.call(fill)

    def edit(self, lid, n, **f):
        def fill(q):
            q.activity_edit.lead_id = lid
            q.activity_edit.number = n
            for k, v in f.items():
                setattr(q.activity_edit, k, v)
        return self.c.call(fill)

    def rm(self, lid, n, **f):
        def fill(q):
            q.activity_rm.lead_id = lid
            q.activity_rm.number = n
            for k, v in f.items():
                setattr(q.activity_rm, k, v)
        return self.c.call(fill)

    def ls(self, lid):
        return self.c.call(lambda q: setattr(q.activity_list, "lead_id", lid))

    def get(self, lid):
        return ok_call(self.c, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north")
    add_team(admin, "south")
    add_user(admin, "mona", pb.ROLE_MANAGER, team="north", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "north"),
                              q.team_edit.managers.items.append("mona")), "team_edit managers")
    add_user(admin, "rita", pb.ROLE_REP, team="north", password=PW)
    add_user(admin, "rob", pb.ROLE_REP, team="north", password=PW)
    add_user(admin, "sam", pb.ROLE_REP, team="south", password=PW)
    add_user(admin, "gone", pb.ROLE_REP, team="north", password=PW)
    ok_call(admin, lambda q: setattr(q.user_disable, "name", "gone"), "user_disable gone")
    rita = Client(pb, d.port, user="rita", password=PW)
    rob = Client(pb, d.port, user="rob", password=PW)
    mona = Client(pb, d.port, user="mona", password=PW)
    A = Acts(pb, rita)
    B = Acts(pb, rob)
    M = Acts(pb, mona)
    NOTE, CALL, TASK, MEETING = (pb.ACTIVITY_NOTE, pb.ACTIVITY_CALL, pb.ACTIVITY_TASK,
                                 pb.ACTIVITY_MEETING)
    OPEN, DONE = pb.ACTIVITY_OPEN, pb.ACTIVITY_DONE

    def expect(what, r, code, contains=None):
        ok = r.code == code and (contains is None or contains in r.message)
        res.record(what, ok, desc(pb, r))
        return r

    lead = ok_call(rita, lambda q: setattr(q.lead_create, "title", "Acme deal"),
                   "lead_create").lead.lead
    lid = lead.id

    # ---- required fields and fields a kind has no use for ----
    expect("a note without text is refused", A.add(lid, NOTE), pb.INVALID_ARGUMENT, "text")
    expect("a task without a title is refused",
           A.add(lid, TASK, at=now_ms() + DAY), pb.INVALID_ARGUMENT, "title")
    expect("a task without a time is refused",
           A.add(lid, TASK, title="quote"), pb.INVALID_ARGUMENT, "due")
    expect("a meeting without a title is refused",
           A.add(lid, MEETING, at=now_ms() + DAY), pb.INVALID_ARGUMENT, "title")
    expect("a planned call without a time is refused", A.add(lid, CALL),
           pb.INVALID_ARGUMENT, "time")
    expect("no kind is refused", A.add(lid, pb.ACTIVITY_UNSPECIFIED, title="x"),
           pb.INVALID_ARGUMENT, "what kind")
    expect("a task with a place is refused",
           A.add(lid, TASK, title="x", at=now_ms() + DAY, place="office"),
           pb.INVALID_ARGUMENT, "only a meeting")
    expect("a task with a duration is refused",
           A.add(lid, TASK, title="x", at=now_ms() + DAY, duration_ms=HOUR),
           pb.INVALID_ARGUMENT, "duration")
    expect("a new task with an outcome is refused",
           A.add(lid, TASK, title="x", at=now_ms() + DAY, outcome="fine"),
           pb.INVALID_ARGUMENT, "outcome")
    expect("a note with a time is refused", A.add(lid, NOTE, text="x", at=now_ms()),
           pb.INVALID_ARGUMENT, "written now")
    expect("a note with an outcome is refused", A.add(lid, NOTE, text="x", outcome="y"),
           pb.INVALID_ARGUMENT, "outcome")
    expect("an open activity more than 10 years ahead is refused",
           A.add(lid, TASK, title="x", at=now_ms() + 3660 * DAY), pb.INVALID_ARGUMENT,
           "10 years")
    expect("an open activity 9 years ahead is taken... (checked by removing it)",
           A.add(lid, TASK, title="far", at=now_ms() + 9 * 365 * DAY), pb.OK)
    expect("a logged call in the future is refused",
           A.add(lid, CALL, outcome="ok", at=now_ms() + 10 * 60 * 1000), pb.INVALID_ARGUMENT,
           "future")
    expect("a negative duration is refused",
           A.add(lid, MEETING, title="x", at=now_ms() + DAY, duration_ms=-1),
           pb.INVALID_ARGUMENT, "duration")
    expect("a duration over 7 days is refused",
           A.add(lid, MEETING, title="x", at=now_ms() + DAY, duration_ms=7 * DAY + 1),
           pb.INVALID_ARGUMENT, "7 days")
    expect("a duration of 7 days is taken",
           A.add(lid, MEETING, title="fair", at=now_ms() + 2 * DAY, duration_ms=7 * DAY), pb.OK)
    expect("a blank title is no title", A.add(lid, TASK, title="   ", at=now_ms() + DAY),
           pb.INVALID_ARGUMENT, "title")
    # Clean the two accepted ones away (numbers 1 and 2).
    for n in (1, 2):
        expect("remove %d.%d" % (lid, n), A.rm(lid, n), pb.OK)
    res.record("the list is empty after removing both", len(A.ls(lid).activity_list.activities) == 0)
    lead = A.get(lid)
    res.record("no next action once they are gone",
               not lead.HasField("next_action_at") and not lead.next_action_activity,
               str(lead.next_action_at))

    # ---- a note, a logged call, a planned call, a task, a meeting ----
    v0 = A.get(lid).version
    r = expect("a note is added", A.add(lid, NOTE, text="new buyer ana@x.com"), pb.OK)
    note = r.activity.activity
    res.record("numbers are never reused: the note is 3", note.number == 3, str(note.number))
    res.record("a note is done, written now, by the caller",
               note.state == DONE and abs(note.at - now_ms()) < 60000 and note.assignee == "rita"
               and note.created_by == note.done_by and note.done_by != 0,
               str(note))
    res.record("the reply carries the lead at its new version",
               r.activity.lead.version == note.version and note.version > v0,
               "%d %d" % (r.activity.lead.version, note.version))
    t_call = now_ms() - 2 * HOUR
    r = expect("a call with an outcome is logged", A.add(lid, CALL, outcome="interested",
                                                         at=t_call, contact="Ana",
                                                         duration_ms=15 * 60000), pb.OK)
    call = r.activity.activity
    res.record("a logged call is done at the time given", call.state == DONE and
               call.at == t_call and call.duration_ms == 15 * 60000, str(call))
    r = expect("a call with an outcome and no time is logged now",
               A.add(lid, CALL, outcome="voicemail"), pb.OK)
    res.record("... at the server's time", abs(r.activity.activity.at - now_ms()) < 60000)
    t_plan = now_ms() + 3 * DAY
    r = expect("a call without an outcome is planned", A.add(lid, CALL, at=t_plan,
                                                             contact="Ana"), pb.OK)
    plan = r.activity.activity
    res.record("a planned call is open", plan.state == OPEN and plan.at == t_plan)
    res.record("it becomes the next action",
               r.activity.lead.next_action_activity == plan.number and
               r.activity.lead.next_action_at == t_plan and
               r.activity.lead.next_action_note == "call with Ana",
               str(r.activity.lead))
    t_task = now_ms() + DAY
    r = expect("a task is added", A.add(lid, TASK, title="send the quote", at=t_task), pb.OK)
    task = r.activity.activity
    res.record("the earlier task is now the next action",
               r.activity.lead.next_action_activity == task.number and
               r.activity.lead.next_action_note == "task: send the quote")
    t_meet = now_ms() + 2 * DAY
    r = expect("a meeting is added", A.add(lid, MEETING, title="demo", at=t_meet,
                                           place="their office", duration_ms=HOUR), pb.OK)
    meet = r.activity.activity
    res.record("a later meeting leaves the next action alone",
               r.activity.lead.next_action_activity == task.number)

    # ---- list order ----
    acts = A.ls(lid).activity_list.activities
    order = [a.number for a in acts]
    want = [task.number, meet.number, plan.number]
    res.record("list: open ones first by time",
               order[:3] == want, "%s" % order)
    res.record("list: then the three done ones", len(order) == 6, "%s" % order)
    done_ones = [a for a in acts if a.state != OPEN]
    res.record("list: done ones sorted newest first",
               [a.at for a in done_ones] == sorted([a.at for a in done_ones], reverse=True),
               str([a.at for a in done_ones]))
    res.record("list: assignee names are filled", all(a.assignee == "rita" for a in acts))

    # ---- done ----
    lead = A.get(lid)
    expect("done with a stale version is ABORTED",
           A.done(lid, task.number, expected_version=task.version + 1), pb.ABORTED, "changed")
    r = expect("the task is done", A.done(lid, task.number, outcome="sent",
                                         expected_version=task.version), pb.OK)
    res.record("a done task has its outcome and done_at/by",
               r.activity.activity.state == DONE and r.activity.activity.outcome == "sent"
               and r.activity.activity.done_by != 0 and r.activity.activity.done_at > 0)
    res.record("the next action moves to the meeting",
               r.activity.lead.next_action_activity == meet.number and
               r.activity.lead.next_action_at == t_meet, str(r.activity.lead.next_action_at))
    res.record("one change, one revision",
               r.activity.lead.version == lead.version + 1,
               "%d -> %d" % (lead.version, r.activity.lead.version))
    expect("done twice is refused", A.done(lid, task.number), pb.FAILED_PRECONDITION,
           "already done")
    expect("a note cannot be done", A.done(lid, note.number), pb.FAILED_PRECONDITION, "note")
    expect("done of a missing number is NOT_FOUND", A.done(lid, 99), pb.NOT_FOUND, "activity ls")
    expect("done of number 0 is NOT_FOUND", A.done(lid, 0), pb.NOT_FOUND)
    r = expect("a planned call done early", A.done(lid, plan.number, outcome="reached"), pb.OK)
    res.record("... happened now, not in the future",
               abs(r.activity.activity.at - now_ms()) < 60000, str(r.activity.activity.at))

    # ---- a next action's note needs a time (any client, not only lead) ----
    bare = ok_call(rita, lambda q: setattr(q.lead_create, "title", "no next action yet"),
                   "lead_create").lead.lead
    r = rita.call(lambda q: (setattr(q.lead_update, "id", bare.id),
                             setattr(q.lead_update, "expected_version", bare.version),
                             setattr(q.lead_update, "next_action_note", "call back")))
    res.record("a note without a next action time is refused",
               r.code == pb.INVALID_ARGUMENT and "time" in r.message, desc(pb, r))
    res.record("... and the lead keeps no note", A.get(bare.id).next_action_note == "")

    # ---- the lead's own next action against activities ----
    t_own = now_ms() + 10 * DAY
    cur = A.get(lid).version
    ok_call(rita, lambda q: (setattr(q.lead_update, "id", lid),
                             setattr(q.lead_update, "expected_version", cur),
                             setattr(q.lead_update, "next_action_at", t_own),
                             setattr(q.lead_update, "next_action_note", "follow up")),
            "lead_update next")
    lead = A.get(lid)
    res.record("an earlier meeting stays the next action over a later own one",
               lead.next_action_activity == meet.number and lead.own_next_at == t_own and
               lead.own_next_note == "follow up", str(lead))
    r = expect("the meeting is removed", A.rm(lid, meet.number), pb.OK)
    res.record("removing it gives the lead's own next action back",
               not r.activity.lead.next_action_activity and
               r.activity.lead.next_action_at == t_own and
               r.activity.lead.next_action_note == "follow up", str(r.activity.lead))
    res.record("activity_rm answers with the activity as it was",
               r.activity.activity.number == meet.number and r.activity.activity.title == "demo")
    expect("a removed activity is gone", A.done(lid, meet.number), pb.NOT_FOUND)

    # ---- edit ----
    t2 = now_ms() + 5 * DAY
    r = expect("a new task", A.add(lid, TASK, title="contract", at=t2), pb.OK)
    t2a = r.activity.activity
    res.record("the earlier task takes over from the lead's own",
               r.activity.lead.next_action_activity == t2a.number)
    before = A.get(lid).version
    r = expect("an edit that changes nothing", A.edit(lid, t2a.number, title="contract"), pb.OK)
    res.record("... keeps the versions", r.activity.activity.version == t2a.version and
               A.get(lid).version == before)
    expect("an edit with no field is refused", A.edit(lid, t2a.number), pb.INVALID_ARGUMENT,
           "say what")
    expect("an edit with a stale version is ABORTED",
           A.edit(lid, t2a.number, title="x", expected_version=t2a.version + 1), pb.ABORTED)
    expect("clearing a task's title is refused", A.edit(lid, t2a.number, title=""),
           pb.INVALID_ARGUMENT, "title")
    expect("clearing a task's time is refused", A.edit(lid, t2a.number, at=0),
           pb.INVALID_ARGUMENT, "cannot be cleared")
    t3 = now_ms() + 20 * DAY
    r = expect("moving the task later", A.edit(lid, t2a.number, at=t3), pb.OK)
    res.record("... the own next action is earlier again",
               not r.activity.lead.next_action_activity and
               r.activity.lead.next_action_at == t_own)
    r = expect("reopen the done task", A.edit(lid, task.number, reopen=True), pb.OK)
    res.record("a reopened task is open again, done_at cleared",
               r.activity.activity.state == OPEN and not r.activity.activity.done_at)
    lead = r.activity.lead
    res.record("... and it is the next action (due before the own one)",
               lead.next_action_activity == task.number, str(lead.next_action_activity))
    expect("reopening a note is refused", A.edit(lid, note.number, reopen=True),
           pb.INVALID_ARGUMENT, "note")
    expect("a place on a task is refused on edit", A.edit(lid, task.number, place="x"),
           pb.INVALID_ARGUMENT, "meeting")

    # ---- assignee ----
    r = expect("a task for rob (same team, but a rep: cannot see rita's lead)",
               A.add(lid, TASK, title="x", at=now_ms() + DAY, assignee="rob"),
               pb.FAILED_PRECONDITION, "cannot see")
    expect("a task for a disabled user is refused",
           A.add(lid, TASK, title="x", at=now_ms() + DAY, assignee="gone"),
           pb.FAILED_PRECONDITION, "disabled")
    expect("a task for no such user is refused",
           A.add(lid, TASK, title="x", at=now_ms() + DAY, assignee="nobody"), pb.NOT_FOUND,
           "no user")
    r = expect("a task for the team's manager", A.add(lid, TASK, title="review",
                                                      at=now_ms() + DAY, assignee="mona"),
               pb.OK)
    res.record("... is hers", r.activity.activity.assignee == "mona")
    expect("a note for someone is refused", A.add(lid, NOTE, text="x", assignee="mona"),
           pb.INVALID_ARGUMENT, "agenda")
    expect("an edit to a user who cannot see the lead is refused",
           A.edit(lid, task.number, assignee="sam"), pb.FAILED_PRECONDITION, "cannot see")
    r = expect("an edit to the manager", A.edit(lid, task.number, assignee="mona"), pb.OK)
    res.record("... moves it", r.activity.activity.assignee == "mona")

    # ---- rights: the lead's ----
    expect("another rep cannot add to rita's lead", B.add(lid, NOTE, text="x"), pb.NOT_FOUND)
    expect("another rep cannot list it", B.ls(lid), pb.NOT_FOUND)
    expect("another rep cannot mark done", B.done(lid, task.number), pb.NOT_FOUND)
    expect("another rep cannot edit", B.edit(lid, task.number, title="y"), pb.NOT_FOUND)
    expect("another rep cannot remove", B.rm(lid, task.number), pb.NOT_FOUND)
    expect("the team's manager can list it", M.ls(lid), pb.OK)
    expect("the team's manager can add", M.add(lid, NOTE, text="checked"), pb.OK)
    expect("a missing lead is NOT_FOUND", A.add(999, NOTE, text="x"), pb.NOT_FOUND)
    expect("lead id 0 is refused", A.add(0, NOTE, text="x"), pb.INVALID_ARGUMENT)

    # ---- moving a task that fell due re-arms it ----
    t_due = now_ms() + 3 * DAY
    n = expect("a task to re-arm", A.add(lid, TASK, title="re-arm", at=t_due), pb.OK) \
        .activity.activity.number
    # As the due timer leaves one that fell due: alerted, off the alarm index.
    d.stop()
    with lmdb_env(d.data) as (env, dbs):
        with env.begin(write=True) as txn:
            key = be(lid) + be(n)
            act = pb.Activity()
            act.ParseFromString(txn.get(key, db=dbs["activities"]))
            act.alerted = True
            txn.put(key, act.SerializeToString(), db=dbs["activities"])
            txn.delete(be(t_due), key, db=dbs["idx_act_alarm"])
    res.record("a task marked as fallen due passes verify", d.verify() == 0)
    d.start()
    rita = Client(pb, d.port, user="rita", password=PW)
    A = Acts(pb, rita)
    r = expect("editing its title", A.edit(lid, n, title="re-armed"), pb.OK)
    res.record("... leaves it alerted", r.activity.activity.alerted)
    r = expect("moving it", A.edit(lid, n, at=t_due + HOUR), pb.OK)
    res.record("... re-arms it (alerted false)", not r.activity.activity.alerted)
    d.stop()
    with lmdb_env(d.data) as (env, dbs):
        with env.begin() as txn:
            armed = txn.get(be(t_due + HOUR), db=dbs["idx_act_alarm"]) == be(lid) + be(n)
    res.record("... and puts it back on the alarm index at its new time", armed)
    res.record("... which verify agrees with", d.verify() == 0)
    d.start()


def be(n):
    return n.to_bytes(8, "big")


class lmdb_env:
    """The stopped leadd's data directory opened with python3-lmdb: (env,
    {name: db}) for the activity databases."""

    def __init__(self, data):
        self.data = data

    def __enter__(self):
        import lmdb
        self.env = lmdb.open(self.data, max_dbs=64, subdir=True)
        dbs = {"activities": self.env.open_db(b"activities", create=False)}
        for name in ("idx_act_alarm",):
            dbs[name] = self.env.open_db(name.encode(), create=False, dupsort=True)
        return self.env, dbs

    def __exit__(self, *exc):
        self.env.close()


run_test(res, "activities", run)
