#!/usr/bin/python3
"""Attack (issue 13): a bulk move against the same connection's next
activity write, and leadd killed in the middle of both.

Usage: atk_activities_order.py LEADD_BINARY PROTO_DIR

- One connection pipelines a lead_bulk_assign of rita's 700 leads to rob
  (more than one chunk: 500 leads a chunk) and, right behind it, an
  activity_add on the last of those leads for rob. A rep sees only their
  own leads, so the task is taken only if the bulk move has finished
  first: the connection's writes keep their order across the chunks.
- 700 leads of ria, each with an open task for ria, are pipelined with
  activity adds, then moved to rob in bulk; leadd is killed (SIGKILL)
  while the move runs. After the restart leadd verify passes, every
  acknowledged add is there, and every lead's open tasks are its owner's
  (a chunk that committed moved its leads' tasks with them; one that did
  not moved neither).
- 1500 activity writes (tasks and notes; tasks past the open cap are
  refused) are pipelined on one lead and leadd is killed after
  200 answers: after the restart every acknowledged one is there, the
  numbers have no gap, verify passes."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, create_many, desc,  # noqa: E402
                           ok_call, pipeline, run_test)

res = Results()
PW = "order-pw-12345"
DAY = 86400 * 1000


def now_ms():
    return int(time.time() * 1000)


def task_fill(pb, lid, title, assignee=None):
    def fill(q):
        q.activity_add.lead_id = lid
        q.activity_add.kind = pb.ACTIVITY_TASK
        q.activity_add.title = title
        q.activity_add.at = now_ms() + DAY
        if assignee:
            q.activity_add.assignee = assignee
    return fill


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north")
    for name in ("rita", "rob", "ria"):
        add_user(admin, name, pb.ROLE_REP, team="north", password=PW)

    # ---- the same connection's next write waits for the whole bulk move ----
    ids = create_many(admin, 700, "rita")
    last = ids[-1]

    def bulk(src):
        def fill(q):
            q.lead_bulk_assign.from_user = src
            q.lead_bulk_assign.to_user = "rob"
        return fill
    r_bulk, r_add = pipeline(admin, [bulk("rita"), task_fill(pb, last, "for rob", "rob")])
    res.record("the bulk move moved all 700", r_bulk.code == pb.OK and
               r_bulk.lead_bulk_assign.moved == 700, desc(pb, r_bulk))
    res.record("the task for rob behind it on the same connection is taken (it ran after "
               "the last chunk)", r_add.code == pb.OK, desc(pb, r_add))

    # ---- killed in the middle of a bulk move that hands over tasks ----
    many = create_many(admin, 700, "ria")
    answers = pipeline(admin, [task_fill(pb, lid, "ria's", "ria") for lid in many])
    acked = [a.activity.activity.lead_id for a in answers if a.code == pb.OK]
    res.record("700 tasks for ria", len(acked) == 700)
    admin.send(bulk("ria"))
    time.sleep(0.05)
    d.stop("KILL")
    d.start()
    admin = Client(pb, d.port)
    lists = pipeline(admin, [lambda q, lid=lid: setattr(q.activity_list, "lead_id", lid)
                             for lid in many])
    leads = pipeline(admin, [lambda q, lid=lid: setattr(q.lead_get, "id", lid)
                             for lid in many])
    users = {u.id: u.name for u in ok_call(admin, lambda q: q.user_list.SetInParent(),
                                          "user_list").user_list.users}
    have = sum(1 for r in lists if r.code == pb.OK and len(r.activity_list.activities) == 1)
    res.record("after SIGKILL every acknowledged task is there", have == 700,
               "%d of 700" % have)
    wrong = [(l.lead.lead.id, users.get(l.lead.lead.owner_id),
              [a.assignee for a in r.activity_list.activities])
             for l, r in zip(leads, lists)
             if any(a.assignee != users.get(l.lead.lead.owner_id)
                    for a in r.activity_list.activities)]
    moved = sum(1 for l in leads if users.get(l.lead.lead.owner_id) == "rob")
    res.record("... every lead's task is its owner's (%d of 700 had moved)" % moved,
               not wrong, str(wrong[:5]))
    d.stop()
    res.record("after SIGKILL mid-move: leadd verify passes", d.verify() == 0)
    d.start()
    admin = Client(pb, d.port)
    r = admin.call(bulk("ria"))
    res.record("the move run again finishes it", r.code == pb.OK, desc(pb, r))
    lists = pipeline(admin, [lambda q, lid=lid: setattr(q.activity_list, "lead_id", lid)
                             for lid in many])
    res.record("... every task is rob's",
               all(a.assignee == "rob" for x in lists for a in x.activity_list.activities))

    # ---- killed in the middle of a stream of activity writes ----
    target = many[0]
    for i in range(1500):
        admin.send(task_fill(pb, target, "stream %d" % i) if i % 2 == 0 else
                   (lambda q, i=i: (setattr(q.activity_add, "lead_id", target),
                                    setattr(q.activity_add, "kind", pb.ACTIVITY_NOTE),
                                    setattr(q.activity_add, "text", "note %d" % i))))
    acked = []
    try:
        while len(acked) < 200:
            r = admin.recv()
            if r.code == pb.OK:
                acked.append(r.activity.activity.number)
    except (EOFError, OSError):
        pass
    d.stop("KILL")
    d.start()
    admin = Client(pb, d.port)
    have, cursor = set(), None
    while True:
        def fill(q):
            q.activity_list.lead_id = target
            if cursor:
                q.activity_list.cursor = cursor
        r = ok_call(admin, fill, "list")
        have |= {a.number for a in r.activity_list.activities}
        cursor = r.activity_list.cursor
        if not cursor:
            break
    res.record("SIGKILL mid-stream of activity writes: every acknowledged one is there "
               "(%d acknowledged, %d stored)" % (len(acked), len(have)),
               set(acked) <= have)
    res.record("... numbered 1..N with no gap", have == set(range(1, len(have) + 1)))
    lead = ok_call(admin, lambda q: setattr(q.lead_get, "id", target), "get").lead.lead
    res.record("... the lead's next action is its earliest open task",
               lead.next_action_activity == 1, str(lead.next_action_activity))
    d.stop()
    res.record("after SIGKILL mid-stream: leadd verify passes", d.verify() == 0)
    d.start()


run_test(res, "atk_activities_order", run)
