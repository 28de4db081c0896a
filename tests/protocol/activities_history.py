#!/usr/bin/python3
"""Activities in a lead's history (issue 13), against a real leadd on
127.0.0.1.

Usage: activities_history.py LEADD_BINARY PROTO_DIR

Checks: every activity change is one history item of kind "activity"
carrying the activity (as after the change; as it was for "removed") with
its assignee's name and the op word ("added", "done", "edited", "removed",
"closed"); an activity standing as the next action reads as
"next_action_activity" ("LEAD.N task: ..." with its time), never as a change
of the lead's own "next_action"; lead_update's own next action reads as
"next_action"/"next_action_note" even while an earlier activity is the next
action; a move to dead reads as a "status" item followed by one "closed"
item per open activity; newest_first and paging see the same items.
Ends with `leadd verify` passing."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_user, desc, give_reason, ok_call,  # noqa: E402
                           run_test)

res = Results()
PW = "activity-pw-3"
DAY = 86400 * 1000


def run(pb, d):
    admin = Client(pb, d.port)
    add_user(admin, "rita", pb.ROLE_REP, password=PW)
    rita = Client(pb, d.port, user="rita", password=PW)
    lid = ok_call(rita, lambda q: setattr(q.lead_create, "title", "History"),
                  "lead_create").lead.lead.id
    now = int(time.time() * 1000)

    def history(newest_first=False, limit=None):
        items, cursor = [], None
        while True:
            def fill(q):
                q.lead_history.id = lid
                q.lead_history.newest_first = newest_first
                if limit:
                    q.lead_history.limit = limit
                if cursor:
                    q.lead_history.cursor = cursor
            r = ok_call(rita, fill, "lead_history").lead_history
            items += list(r.items)
            cursor = r.cursor
            if not cursor:
                return items

    def last():
        return history()[-1]

    def changes(item):
        return {c.field: c for c in item.changes}

    def call(fill, what):
        return ok_call(rita, fill, what)

    t1 = now + DAY
    call(lambda q: (setattr(q.activity_add, "lead_id", lid),
                    setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                    setattr(q.activity_add, "title", "send the quote"),
                    setattr(q.activity_add, "at", t1)), "add task")
    it = last()
    ch = changes(it)
    res.record("an added task is an item of kind activity, op added",
               it.kind == "activity" and it.activity_op == "added", "%s %s" % (it.kind,
                                                                           it.activity_op))
    res.record("... carrying the activity with its assignee's name",
               it.activity.number == 1 and it.activity.title == "send the quote" and
               it.activity.assignee == "rita" and it.activity.state == pb.ACTIVITY_OPEN,
               str(it.activity))
    res.record("... the author is the caller", it.author == "rita")
    c = ch.get("next_action_activity")
    res.record("the task becoming the next action reads as next_action_activity",
               c is not None and not c.old_value and
               c.new_value == "%d.1 task: send the quote" % lid and c.new_at == t1,
               str(c))
    res.record("... and not as a change of the lead's own next action",
               "next_action" not in ch and "next_action_note" not in ch, str(list(ch)))

    t_own = now + 5 * DAY
    v = ok_call(rita, lambda q: setattr(q.lead_get, "id", lid), "get").lead.lead.version
    call(lambda q: (setattr(q.lead_update, "id", lid),
                    setattr(q.lead_update, "expected_version", v),
                    setattr(q.lead_update, "next_action_at", t_own),
                    setattr(q.lead_update, "next_action_note", "check in")), "own next")
    it = last()
    ch = changes(it)
    res.record("the own next action set behind an earlier task reads as next_action",
               it.kind == "update" and "next_action" in ch and ch["next_action"].new_at == t_own
               and ch["next_action_note"].new_value == "check in"
               and "next_action_activity" not in ch, str(it))

    call(lambda q: (setattr(q.activity_done, "lead_id", lid),
                    setattr(q.activity_done, "number", 1),
                    setattr(q.activity_done, "outcome", "sent")), "done")
    it = last()
    ch = changes(it)
    res.record("done: op done, the activity done with its outcome",
               it.kind == "activity" and it.activity_op == "done" and
               it.activity.state == pb.ACTIVITY_DONE and it.activity.outcome == "sent")
    c = ch.get("next_action_activity")
    res.record("... the task leaves the next action",
               c is not None and c.old_value.startswith("%d.1 " % lid) and not c.new_value
               and c.old_at == t1 and not c.HasField("new_at"), str(c))
    res.record("... and the own next action coming back is no edit of it",
               "next_action" not in ch, str(list(ch)))

    call(lambda q: (setattr(q.activity_edit, "lead_id", lid),
                    setattr(q.activity_edit, "number", 1),
                    setattr(q.activity_edit, "title", "send the new quote")), "edit")
    it = last()
    res.record("edit: op edited with the new title",
               it.activity_op == "edited" and it.activity.title == "send the new quote")
    call(lambda q: (setattr(q.activity_add, "lead_id", lid),
                    setattr(q.activity_add, "kind", pb.ACTIVITY_NOTE),
                    setattr(q.activity_add, "text", "two\nlines")), "note")
    it = last()
    res.record("a note's text keeps its newline",
               it.activity_op == "added" and it.activity.text == "two\nlines")
    call(lambda q: (setattr(q.activity_rm, "lead_id", lid),
                    setattr(q.activity_rm, "number", 2)), "rm")
    it = last()
    res.record("remove: op removed with the activity as it was",
               it.activity_op == "removed" and it.activity.number == 2 and
               it.activity.text == "two\nlines")

    for n, days in ((3, 2), (4, 3)):
        call(lambda q, days=days: (setattr(q.activity_add, "lead_id", lid),
                                   setattr(q.activity_add, "kind", pb.ACTIVITY_CALL),
                                   setattr(q.activity_add, "contact", "Ana"),
                                   setattr(q.activity_add, "at", now + days * DAY)), "plan")
    before = len(history())

    def dead(q):
        q.lead_set_status.id = lid
        q.lead_set_status.status = "dead"
        give_reason(q.lead_set_status)
    r = call(dead, "dead")
    items = history()[before:]
    res.record("dead: a status item then one closed item per open call",
               [i.kind for i in items] == ["status", "activity", "activity"] and
               [i.activity_op for i in items[1:]] == ["closed", "closed"] and
               sorted(i.activity.number for i in items[1:]) == [3, 4],
               str([(i.kind, i.activity_op) for i in items]))
    res.record("... the closed ones are CLOSED in history",
               all(i.activity.state == pb.ACTIVITY_CLOSED for i in items[1:]))
    res.record("... the last leaves no activity as next action",
               not r.lead.lead.next_action_activity)

    all_old = history()
    all_new = history(newest_first=True)
    res.record("newest_first gives the same items reversed",
               [i.revision for i in all_new] == [i.revision for i in reversed(all_old)])
    paged = history(limit=2)
    res.record("pages of 2 give the same items",
               [i.revision for i in paged] == [i.revision for i in all_old] and
               [i.activity_op for i in paged] == [i.activity_op for i in all_old])


run_test(res, "activities_history", run)
