#!/usr/bin/python3
"""Attack (issue 13): the next action's rules where the lead's own next
action meets its activities, and leads with open activities archived, put
on stand-by and renewed.

Usage: atk_activities_next.py LEADD_BINARY PROTO_DIR

- a task due exactly at the lead's own next action: the lead's own stands
  (protocol.md: on a tie the lead's own stands);
- a task earlier than it: the task is the next action, the own one kept
  in own_next_*; a lead_update of only the note changes the own note behind
  the task (the next action still reads as the task) and comes out when
  the task is done; clearing the own next action while a task is next
  clears own_next_* and leaves the task; once done, the lead has none;
- archiving a lead keeps its open task (on its assignee's agenda,
  still the next action), restoring changes nothing of it; stand-by the
  same; a renewal starts with no activities and no next action of an
  activity, and its origin keeps its open task.
leadd verify passes at the end."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, desc, ok_call, run_test  # noqa: E402

res = Results()
DAY = 86400 * 1000


def run(pb, d):
    admin = Client(pb, d.port)
    base = (int(time.time() * 1000) // 60000 + 5) * 60000 + DAY

    def new_lead(title):
        return ok_call(admin, lambda q: (setattr(q.lead_create, "title", title),
                                         setattr(q.lead_create, "owner", "admin")),
                       "create").lead.lead

    def get(lid):
        return ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "get").lead.lead

    def update(lid, **f):
        v = get(lid).version

        def fill(q):
            q.lead_update.id = lid
            q.lead_update.expected_version = v
            for k, val in f.items():
                setattr(q.lead_update, k, val)
        return ok_call(admin, fill, "update").lead.lead

    def task(lid, title, at):
        return ok_call(admin, lambda q: (setattr(q.activity_add, "lead_id", lid),
                                         setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                                         setattr(q.activity_add, "title", title),
                                         setattr(q.activity_add, "at", at)),
                       "task").activity

    def done(lid, n):
        return ok_call(admin, lambda q: (setattr(q.activity_done, "lead_id", lid),
                                         setattr(q.activity_done, "number", n)),
                       "done").activity.lead

    def agenda():
        return [(a.lead_id, a.number) for a in
                ok_call(admin, lambda q: q.agenda.SetInParent(), "agenda").agenda.items]

    # ---- a tie ----
    tie = new_lead("Tie")
    update(tie.id, next_action_at=base, next_action_note="own step")
    lead = task(tie.id, "same time", base).lead
    res.record("a task due at the lead's own next action: the own one stands",
               lead.next_action_activity == 0 and lead.next_action_at == base and
               lead.next_action_note == "own step", str(lead))

    # ---- a task in front of the own next action ----
    two = new_lead("Two")
    update(two.id, next_action_at=base + DAY, next_action_note="own step")
    lead = task(two.id, "earlier", base).lead
    res.record("an earlier task is the next action, the own one behind it",
               lead.next_action_activity == 1 and lead.next_action_at == base and
               lead.own_next_at == base + DAY and lead.own_next_note == "own step", str(lead))
    lead = update(two.id, next_action_note="new note")
    res.record("a note-only update while the task is next changes the own note only",
               lead.next_action_activity == 1 and lead.next_action_note == "task: earlier" and
               lead.own_next_at == base + DAY and lead.own_next_note == "new note", str(lead))
    lead = done(two.id, 1)
    res.record("... the task done: the own next action with its new note",
               lead.next_action_activity == 0 and lead.next_action_at == base + DAY and
               lead.next_action_note == "new note" and not lead.own_next_at, str(lead))
    task(two.id, "again", base)
    lead = update(two.id, next_action_at=0)
    res.record("clearing the own next action while a task is next leaves the task",
               lead.next_action_activity == 2 and lead.next_action_at == base and
               not lead.own_next_at and not lead.own_next_note, str(lead))
    lead = done(two.id, 2)
    res.record("... once it is done the lead has no next action",
               not lead.next_action_activity and not lead.next_action_at and
               not lead.next_action_note, str(lead))

    # ---- archive, stand-by, renew ----
    arc = new_lead("Archived")
    task(arc.id, "still to do", base)
    r = admin.call(lambda q: setattr(q.lead_archive, "id", arc.id))
    res.record("archiving a lead with an open task", r.code == pb.OK, desc(pb, r))
    res.record("... keeps the task open, the next action and on the agenda",
               r.lead.lead.next_action_activity == 1 and (arc.id, 1) in agenda())
    r = admin.call(lambda q: setattr(q.lead_restore, "id", arc.id))
    res.record("... restored, the same", r.code == pb.OK and
               r.lead.lead.next_action_activity == 1 and (arc.id, 1) in agenda())
    sb = new_lead("Stand-by")
    task(sb.id, "while away", base)
    r = admin.call(lambda q: (setattr(q.lead_standby, "id", sb.id),
                              setattr(q.lead_standby, "until", base + 10 * DAY)))
    res.record("stand-by of a lead with an open task", r.code == pb.OK, desc(pb, r))
    res.record("... keeps the task open, the next action and on the agenda",
               r.lead.lead.next_action_activity == 1 and (sb.id, 1) in agenda())
    r = admin.call(lambda q: setattr(q.lead_renew, "id", arc.id))
    res.record("renewing a lead with an open task", r.code == pb.OK, desc(pb, r))
    new = r.lead.lead
    acts = ok_call(admin, lambda q: setattr(q.activity_list, "lead_id", new.id),
                   "list").activity_list.activities
    res.record("... the renewal has no activities and no activity as next action",
               len(acts) == 0 and not new.next_action_activity and not new.next_action_at,
               str(new))
    res.record("... the origin keeps its open task", get(arc.id).next_action_activity == 1)


run_test(res, "atk_activities_next", run)
