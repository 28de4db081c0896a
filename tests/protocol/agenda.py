#!/usr/bin/python3
"""The agenda request (issue 13): one user's open calls, tasks and meetings
in time order (a range scan of the agenda index), overdue first and marked.

Usage: agenda.py LEADD PROTO_DIR

Team A (manager mA; reps r1, r2; pool visible), team B (manager mB; rep r3).
- r1's agenda: open items only (a logged call, a note and a done task are
  not on it), in time order, the overdue one first and marked, each with
  its assignee's name, its lead's title and client; `now` and `user` said;
- from/to select by time (to exclusive), a planned call and a meeting too;
- paging: limit 1 walks every item once, in order, the last page has no
  cursor; a made-up cursor, or one of another user's agenda, is refused;
- bounds: limit over 1000, a negative time, `to` not after `from`;
- rights: a rep reads only their own (PERMISSION_DENIED for any other name,
  an existing user's or not, so nothing leaks; their own name in another
  case is theirs); a manager reads those of their teams' users (NOT_FOUND
  for a user outside them or no user at all); an admin anyone's;
- an item on a lead its assignee no longer sees (the lead went to a pool
  that is not visible) is passed over in that rep's agenda, and still shown
  to the manager who sees it;
- marking an item done takes it off; an item with its time edited moves.
Ends with `leadd verify` passing."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, add_team, add_user, load_pb, ok_call  # noqa: E402

PW = "agenda-test-pw-1"
HOUR = 3600 * 1000
DAY = 24 * HOUR
res = Results()


def add(c, pb, lid, kind, title=None, at=None, assignee=None, **kw):
    def fill(q):
        a = q.activity_add
        a.lead_id = lid
        a.kind = kind
        if title is not None:
            a.title = title
        if at is not None:
            a.at = at
        if assignee is not None:
            a.assignee = assignee
        for k, v in kw.items():
            setattr(a, k, v)
    return ok_call(c, fill, "activity_add %s on %d" % (title, lid)).activity.activity


def agenda(c, user=None, **kw):
    def fill(q):
        q.agenda.SetInParent()
        if user is not None:
            q.agenda.user = user
        for k, v in kw.items():
            setattr(q.agenda, k, v)
    return c.call(fill)


def names(r):
    return [(i.lead_id, i.number) for i in r.agenda.items]


def code_is(r, code):
    return r.code == code and r.message


def story(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A", pool_visible=True)
    add_team(adm, "B")
    for name, role, team in (("mA", pb.ROLE_MANAGER, "A"), ("r1", pb.ROLE_REP, "A"),
                             ("r2", pb.ROLE_REP, "A"), ("mB", pb.ROLE_MANAGER, "B"),
                             ("r3", pb.ROLE_REP, "B")):
        add_user(adm, name, role, team, PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"), q.team_edit.managers.items.append("mA")),
            "mA manages A")
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "B"), q.team_edit.managers.items.append("mB")),
            "mB manages B")
    r1, r2, r3 = (Client(pb, d.port, n, PW) for n in ("r1", "r2", "r3"))
    ma, mb = Client(pb, d.port, "mA", PW), Client(pb, d.port, "mB", PW)
    l1 = ok_call(r1, lambda q: (setattr(q.lead_create, "title", "Acme roof"),
                                setattr(q.lead_create, "client_name", "Acme")),
                 "create l1").lead.lead
    l2 = r1.create("Bolt fence", owner=None).lead.lead
    l3 = r2.create("Crane rental", owner=None).lead.lead
    l4 = r3.create("Dock repair", owner=None).lead.lead
    now = int(time.time() * 1000)
    K = pb
    late = add(r1, pb, l1.id, K.ACTIVITY_TASK, "send the quote", now - HOUR)
    tomorrow = add(r1, pb, l2.id, K.ACTIVITY_TASK, "call back", now + DAY)
    meet = add(r1, pb, l1.id, K.ACTIVITY_MEETING, "site visit", now + 3 * DAY,
               place="on the roof")
    plan = add(r1, pb, l2.id, K.ACTIVITY_CALL, None, now + 2 * DAY, contact="Ana")
    add(r1, pb, l1.id, K.ACTIVITY_CALL, None, now - 2 * HOUR, outcome="left a message")
    add(r1, pb, l1.id, K.ACTIVITY_NOTE, text="likes blue roofs")
    done = add(r1, pb, l2.id, K.ACTIVITY_TASK, "to be done", now + HOUR)
    ok_call(r1, lambda q: (setattr(q.activity_done, "lead_id", l2.id),
                           setattr(q.activity_done, "number", done.number)), "done")
    other = add(r2, pb, l3.id, K.ACTIVITY_TASK, "r2's own", now + DAY)
    add(r3, pb, l4.id, K.ACTIVITY_TASK, "r3's own", now + DAY)

    want = [(l1.id, late.number), (l2.id, tomorrow.number), (l2.id, plan.number),
            (l1.id, meet.number)]
    r = agenda(r1)
    res.record("r1's agenda answers OK", r.code == 0, r.message)
    res.record("open items only, in time order", names(r) == want, repr(names(r)))
    it = r.agenda.items
    res.record("the overdue one is first and marked, the others not",
               len(it) == 4 and it[0].overdue and not any(i.overdue for i in it[1:]))
    res.record("items carry assignee, lead title and client",
               len(it) == 4 and all(i.assignee == "r1" for i in it) and
               it[0].lead_title == "Acme roof" and it[0].client_name == "Acme" and
               it[1].lead_title == "Bolt fence" and it[3].place == "on the roof" and
               it[2].contact == "Ana" and it[0].title == "send the quote")
    res.record("the reply says whose agenda and the time overdue was judged at",
               r.agenda.user == "r1" and abs(r.agenda.now - now) < 60000 and not r.agenda.cursor)

    # from / to
    r = agenda(r1, **{"from": now})
    res.record("from: now leaves the overdue one out", names(r) == want[1:], repr(names(r)))
    r = agenda(r1, to=now + 2 * DAY)
    res.record("to (exclusive): up to two days, the call planned at exactly two days left out",
               names(r) == want[:2], repr(names(r)))
    r = agenda(r1, **{"from": now + 2 * DAY, "to": now + 2 * DAY + 1})
    res.record("from (inclusive) to from+1: the one at that time", names(r) == [want[2]],
               repr(names(r)))

    # paging
    seen, cursor, pages = [], None, 0
    while True:
        kw = {"limit": 1}
        if cursor:
            kw["cursor"] = cursor
        r = agenda(r1, **kw)
        if r.code or pages > 10:
            break
        pages += 1
        seen += names(r)
        cursor = r.agenda.cursor
        if not cursor:
            break
    res.record("limit 1: every item once, in order, then no cursor",
               seen == want and pages in (4, 5), "%d pages: %r" % (pages, seen))
    r = agenda(r1, limit=2)
    c2 = r.agenda.cursor
    r = agenda(r1, cursor=c2, limit=2)
    res.record("a cursor continues where the page ended", names(r) == want[2:], repr(names(r)))
    r = agenda(r1, cursor="a1.garbage")
    res.record("a made-up cursor: INVALID_ARGUMENT", code_is(r, pb.INVALID_ARGUMENT), r.message)
    r = agenda(ma, user="r2", cursor=c2)
    res.record("r1's cursor on r2's agenda: INVALID_ARGUMENT", code_is(r, pb.INVALID_ARGUMENT),
               r.message)

    # bounds
    r = agenda(r1, limit=1001)
    res.record("limit 1001: INVALID_ARGUMENT", code_is(r, pb.INVALID_ARGUMENT), r.message)
    r = agenda(r1, limit=1000)
    res.record("limit 1000: OK", r.code == 0 and names(r) == want, r.message)
    r = agenda(r1, **{"from": -1})
    res.record("a negative from: INVALID_ARGUMENT", code_is(r, pb.INVALID_ARGUMENT), r.message)
    r = agenda(r1, **{"from": now, "to": now})
    res.record("to not after from: INVALID_ARGUMENT", code_is(r, pb.INVALID_ARGUMENT),
               r.message)

    # rights
    r = agenda(r1, user="r2")
    res.record("a rep asking for another rep's agenda: PERMISSION_DENIED",
               code_is(r, pb.PERMISSION_DENIED), r.message)
    r = agenda(r1, user="nobody-at-all")
    res.record("... and for a name no user has: the same answer (nothing leaks)",
               code_is(r, pb.PERMISSION_DENIED), r.message)
    r = agenda(r1, user="R1")
    res.record("a rep naming themselves in another case: their own", r.code == 0 and
               names(r) == want, r.message)
    r = agenda(ma, user="r1")
    res.record("a manager reads a rep of their team", r.code == 0 and names(r) == want,
               r.message)
    r = agenda(ma, user="r2")
    res.record("... and another", r.code == 0 and names(r) == [(l3.id, other.number)],
               r.message)
    r = agenda(ma, user="r3")
    res.record("a manager asking for a user of another team: NOT_FOUND",
               code_is(r, pb.NOT_FOUND), r.message)
    r = agenda(ma, user="nobody-at-all")
    res.record("... or no user at all: NOT_FOUND", code_is(r, pb.NOT_FOUND), r.message)
    r = agenda(mb, user="r1")
    res.record("team B's manager asking for r1: NOT_FOUND", code_is(r, pb.NOT_FOUND), r.message)
    r = agenda(adm, user="r3")
    res.record("an admin reads anyone's", r.code == 0 and len(r.agenda.items) == 1, r.message)
    r = agenda(ma)
    res.record("a manager's own (empty) agenda", r.code == 0 and not r.agenda.items and
               r.agenda.user == "mA", r.message)

    # an item on a lead its assignee no longer sees
    ok_call(ma, lambda q: (setattr(q.lead_assign, "id", l2.id),
                           setattr(q.lead_assign, "to_pool", True)), "l2 to the pool")
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            setattr(q.team_edit, "pool_visible", False)), "pool hidden")
    r = agenda(r1)
    res.record("items on a lead r1 can no longer see are passed over",
               r.code == 0 and names(r) == [want[0], want[3]], repr(names(r)))
    r = agenda(ma, user="r1")
    res.record("... and still shown to the manager who sees the lead",
               r.code == 0 and names(r) == want, repr(names(r)))
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            setattr(q.team_edit, "pool_visible", True)), "pool shown")

    # done and edit
    ok_call(r1, lambda q: (setattr(q.activity_done, "lead_id", l1.id),
                           setattr(q.activity_done, "number", late.number)), "late done")
    ok_call(r1, lambda q: (setattr(q.activity_edit, "lead_id", l1.id),
                           setattr(q.activity_edit, "number", meet.number),
                           setattr(q.activity_edit, "at", now + HOUR)), "meeting sooner")
    r = agenda(r1)
    res.record("done leaves the agenda; an edited time moves the item",
               names(r) == [(l1.id, meet.number), want[1], want[2]], repr(names(r)))
    res.record("nothing is overdue now", r.code == 0 and not any(i.overdue for i in r.agenda.items))


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="agenda.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            story(pb, d)
        except Exception as e:  # a failed call names itself
            res.record("the story ran to its end", False, repr(e))
        finally:
            res.stop_and_verify(d, "leadd")
    return res.summary()


sys.exit(main())
