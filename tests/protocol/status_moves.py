#!/usr/bin/python3
"""Moving a lead (issue 12): lead_set_status with a reason for dead and lost,
reopen, and the reason lists (reason_add, reason_list, reason_rm).

Usage: status_moves.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1 with the default statuses (lead-New,
lead-Qualified, lead-Dead, prospect-Qualified, prospect-Lost, customer-Won),
teams east (manager m1, rep r1) and west (manager m2, rep r2):
- reason lists: a manager adds to their team's list, not to another team's
  (NOT_FOUND) nor to the global one (PERMISSION_DENIED); an admin adds to
  any; a duplicate (in any case or spacing) is ALREADY_EXISTS, also against
  the global list; a blank text is refused; a list holds at most 100
  (RESOURCE_EXHAUSTED on the 101st), one reason_list answer at most 2000
  (an admin naming no team past it: FAILED_PRECONDITION); reason_list shows a rep their team's
  and the global reasons, not another team's; reason_rm removes, and an
  unknown one is NOT_FOUND.
- moves: into dead without a reason is FAILED_PRECONDITION naming the
  reasons and no client's options (leadtop asks for one on that code);
  a reason of another team's list is refused; one of the lead's team's list
  (any case) is recorded as the list writes it; a global one too; free text
  needs `other` (else FAILED_PRECONDITION); `other` without text is refused; a reason on a move into a
  live status is refused; leaving dead clears the reason; setting the
  current status changes nothing (same version); the same dead status with
  a new reason records the new one; reopen goes to the first status of the
  lead's stage; reopen with a status is refused; a lead cannot be created
  dead or lost; a refused move changes nothing.
- the history shows status_reason; a removed reason stays on the lead.
- kpi --since counts moves into dead and lost by reason, per caller's view.
Ends with `leadd verify` passing."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc, ok_call,  # noqa: E402
                           pipeline, run_test)

PW = "status-moves-pw-1"
res = Results()


def reason_fill(field, text, team=None):
    def fill(q):
        getattr(q, field).reason.text = text
        if team:
            getattr(q, field).reason.team = team
    return fill


def run(pb, d):
    admin = Client(pb, d.port)
    S = {s.name: s.id for s in ok_call(admin, lambda q: q.status_list.SetInParent(),
                                       "status_list").status_list.statuses}
    add_team(admin, "east")
    add_team(admin, "west")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r2", pb.ROLE_REP, team="west", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "east"),
                              q.team_edit.managers.items.append("m1")), "east managed by m1")
    m1 = Client(pb, d.port, user="m1", password=PW)
    r1 = Client(pb, d.port, user="r1", password=PW)
    r2 = Client(pb, d.port, user="r2", password=PW)

    # ---- reason lists ----
    r = m1.call(reason_fill("reason_add", "Too expensive", "east"))
    res.record("a manager adds a reason to their team's list",
               r.code == pb.OK and [(x.text, x.team) for x in r.reason_list.reasons] ==
               [("Too expensive", "east")], desc(pb, r))
    r = m1.call(reason_fill("reason_add", "No budget", "west"))
    res.record("a manager cannot add to another team's list (NOT_FOUND)",
               r.code == pb.NOT_FOUND and "west" in r.message, desc(pb, r))
    r = m1.call(reason_fill("reason_add", "No budget"))
    res.record("a manager cannot add to the list every team shares",
               r.code == pb.PERMISSION_DENIED and "admin" in r.message, desc(pb, r))
    r = r1.call(reason_fill("reason_add", "No budget", "east"))
    res.record("a rep cannot add reasons", r.code == pb.PERMISSION_DENIED, desc(pb, r))
    ok_call(admin, reason_fill("reason_add", "No budget"), "global reason")
    ok_call(admin, reason_fill("reason_add", "Went with a rival", "west"), "west reason")
    r = m1.call(reason_fill("reason_add", "too   EXPENSIVE", "east"))
    res.record("a reason already there, in another case and spacing, is ALREADY_EXISTS",
               r.code == pb.ALREADY_EXISTS and "Too expensive" in r.message, desc(pb, r))
    r = m1.call(reason_fill("reason_add", "no budget", "east"))
    res.record("a team reason already in the global list is ALREADY_EXISTS",
               r.code == pb.ALREADY_EXISTS and "every team" in r.message, desc(pb, r))
    r = m1.call(reason_fill("reason_add", "   ", "east"))
    res.record("a blank reason is INVALID_ARGUMENT", r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = m1.call(reason_fill("reason_add", "x" * 201, "east"))
    res.record("a reason over 200 bytes is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT, desc(pb, r))

    r = ok_call(r1, lambda q: q.reason_list.SetInParent(), "r1 reason_list")
    got = sorted((x.text, x.team) for x in r.reason_list.reasons)
    res.record("a rep lists their team's and the global reasons, not another team's",
               got == [("No budget", ""), ("Too expensive", "east")], str(got))
    r = r1.call(lambda q: setattr(q.reason_list, "team", "west"))
    res.record("a rep cannot list another team's reasons", r.code == pb.NOT_FOUND, desc(pb, r))
    r = ok_call(admin, lambda q: q.reason_list.SetInParent(), "admin reason_list")
    res.record("an admin lists every team's reasons",
               len(r.reason_list.reasons) == 3, str(len(r.reason_list.reasons)))

    # the bound: 100 per list
    add_team(admin, "big")
    for i in range(100):
        ok_call(admin, reason_fill("reason_add", "reason %03d" % i, "big"), "fill big")
    r = admin.call(reason_fill("reason_add", "one too many", "big"))
    res.record("the 101st reason of a list is RESOURCE_EXHAUSTED",
               r.code == pb.RESOURCE_EXHAUSTED and "100" in r.message, desc(pb, r))
    r = ok_call(admin, lambda q: setattr(q.reason_list, "team", "big"), "big list")
    res.record("a full list lists its 100 and the global ones",
               len(r.reason_list.reasons) == 101, str(len(r.reason_list.reasons)))
    # One answer lists at most 2000: an admin naming no team past it is
    # asked to name one.
    fills = []
    for tn in range(20):
        add_team(admin, "many%02d" % tn)
        fills += [reason_fill("reason_add", "r%03d" % i, "many%02d" % tn) for i in range(100)]
    bad = [a for a in pipeline(admin, fills) if a.code != pb.OK]
    res.record("2000 more reasons in 20 lists", not bad, desc(pb, bad[0]) if bad else "")
    r = admin.call(lambda q: q.reason_list.SetInParent())
    res.record("an admin's reason_list of more than 2000 reasons asks to name a team",
               r.code == pb.FAILED_PRECONDITION and "name a team" in r.message, desc(pb, r))
    r = ok_call(admin, lambda q: setattr(q.reason_list, "team", "many07"), "many07")
    res.record("one of those teams lists its 100 and the global one",
               len(r.reason_list.reasons) == 101, str(len(r.reason_list.reasons)))
    big = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "in big"),
                                    setattr(q.lead_create, "team", "big")), "big lead").lead.lead
    r = admin.call(lambda q: (setattr(q.lead_set_status, "id", big.id),
                              setattr(q.lead_set_status, "status", "dead")))
    res.record("a refusal names at most 12 reasons of a long list, then says there are others",
               r.code == pb.FAILED_PRECONDITION and "'reason 011'" in r.message and
               "'reason 012'" not in r.message and "and others" in r.message and
               len(r.message) < 600, desc(pb, r))

    # ---- moves ----
    lead = ok_call(r1, lambda q: setattr(q.lead_create, "title", "Acme"), "create").lead.lead

    def move(c, status=None, reason=None, other=None, reopen=None, lid=None):
        def fill(q):
            q.lead_set_status.id = lid or lead.id
            if status is not None:
                q.lead_set_status.status = status
            if reason is not None:
                q.lead_set_status.reason = reason
            if other is not None:
                q.lead_set_status.other = other
            if reopen is not None:
                q.lead_set_status.reopen = reopen
        return c.call(fill)

    def get():
        return ok_call(admin, lambda q: setattr(q.lead_get, "id", lead.id), "get").lead.lead

    r = move(r1, "dead")
    res.record("dead without a reason is FAILED_PRECONDITION naming the reasons",
               r.code == pb.FAILED_PRECONDITION and "needs a reason" in r.message and
               "'Too expensive'" in r.message and "'No budget'" in r.message and
               "--" not in r.message and
               "Went with a rival" not in r.message, desc(pb, r))
    r = move(r1, "prospect-lost", "   ")
    res.record("lost with a blank reason is FAILED_PRECONDITION",
               r.code == pb.FAILED_PRECONDITION and "needs a reason" in r.message, desc(pb, r))
    r = move(r1, "dead", "Went with a rival")
    res.record("a reason of another team's list is FAILED_PRECONDITION naming the team's",
               r.code == pb.FAILED_PRECONDITION and "not one of the reasons" in r.message and
               "--" not in r.message and
               "'No budget' or 'Too expensive'" in r.message,
               desc(pb, r))
    r = move(r1, "dead", "x" * 201, other=True)
    res.record("a reason over 200 bytes is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT and "200" in r.message, desc(pb, r))
    r = move(r1, "dead", "line one\nline two", other=True)
    res.record("a reason of two lines is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = move(r1, "dead", other=True)
    res.record("another reason without its text is refused",
               r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    g = get()
    res.record("refused moves change nothing",
               g.status_id == S["lead-New"] and g.version == lead.version and
               not g.HasField("status_reason"))
    r = move(r1, "qualified", "Too expensive")
    res.record("a reason on a move into a live status is refused",
               r.code == pb.INVALID_ARGUMENT and "only a move to a dead or lost" in r.message,
               desc(pb, r))

    r = move(r1, "dead", "TOO expensive")
    res.record("a reason of the team's list, in any case, is recorded as the list has it",
               r.code == pb.OK and r.lead.lead.status_id == S["lead-Dead"] and
               r.lead.lead.status_reason == "Too expensive", desc(pb, r))
    v = r.lead.lead.version
    r = move(r1, "dead")
    res.record("setting the current status changes nothing",
               r.code == pb.OK and r.lead.lead.version == v and
               r.lead.lead.status_reason == "Too expensive", desc(pb, r))
    r = move(r1, "dead", "no budget")
    res.record("the same dead status with another reason records the new reason",
               r.code == pb.OK and r.lead.lead.version > v and
               r.lead.lead.status_reason == "No budget", desc(pb, r))
    r = move(r1, "prospect-lost", "Their CEO said no", other=True)
    res.record("free text with other is recorded as written",
               r.code == pb.OK and r.lead.lead.status_id == S["prospect-Lost"] and
               r.lead.lead.status_reason == "Their CEO said no", desc(pb, r))
    r = move(r1, "prospect-lost", "no BUDGET", other=True)
    res.record("another reason that is a list's is recorded as the list has it",
               r.code == pb.OK and r.lead.lead.status_reason == "No budget", desc(pb, r))
    r = move(r1, "prospect-qualified")
    res.record("leaving lost clears the reason",
               r.code == pb.OK and not r.lead.lead.HasField("status_reason"), desc(pb, r))
    r = move(r1, reopen=True)
    res.record("reopen goes back to the first status of the lead's stage",
               r.code == pb.OK and r.lead.lead.status_id == S["prospect-Qualified"],
               desc(pb, r))
    move(r1, "dead", "No budget")
    r = move(r1, reopen=True)
    res.record("reopen of a dead lead goes to lead-New and clears the reason",
               r.code == pb.OK and r.lead.lead.status_id == S["lead-New"] and
               not r.lead.lead.HasField("status_reason"), desc(pb, r))
    r = move(r1, "qualified", reopen=True)
    res.record("reopen with a status is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = move(r2, "dead", "No budget")
    res.record("a rep cannot move a lead they may not see", r.code == pb.NOT_FOUND, desc(pb, r))

    for word in ("dead", "prospect-lost"):
        r = r1.call(lambda q: (setattr(q.lead_create, "title", "born dead"),
                               setattr(q.lead_create, "status", word)))
        res.record("a lead cannot be created %s" % word,
                   r.code == pb.INVALID_ARGUMENT and "new lead cannot start" in r.message,
                   desc(pb, r))

    # a removed reason stays on the leads that had it
    move(m1, "dead", "Too expensive")
    r = m1.call(reason_fill("reason_rm", "too expensive", "east"))
    res.record("a manager removes a reason of their team",
               r.code == pb.OK and r.reason_list.reasons[0].text == "Too expensive",
               desc(pb, r))
    r = m1.call(reason_fill("reason_rm", "Too expensive", "east"))
    res.record("removing a reason not there is NOT_FOUND", r.code == pb.NOT_FOUND, desc(pb, r))
    r = m1.call(reason_fill("reason_rm", "No budget"))
    res.record("a manager cannot remove a global reason",
               r.code == pb.PERMISSION_DENIED, desc(pb, r))
    res.record("the lead keeps the removed reason", get().status_reason == "Too expensive")
    r = move(r1, "dead", "too expensive", other=False)
    res.record("a removed reason is refused on the next move",
               r.code == pb.FAILED_PRECONDITION, desc(pb, r))

    # history
    h = ok_call(r1, lambda q: setattr(q.lead_history, "id", lead.id), "history").lead_history
    reasons = [(c.old_value, c.new_value) for it in h.items for c in it.changes
               if c.field == "status_reason"]
    res.record("the history shows every reason set and cleared",
               ("", "Too expensive") in reasons and ("Too expensive", "No budget") in reasons and
               ("No budget", "Their CEO said no") in reasons and
               ("Their CEO said no", "No budget") in reasons and
               ("No budget", "") in reasons, str(reasons))
    # KPI flow: moves into dead and lost by reason (a new reason on the same
    # status is no move), for those who may see the lead's row.
    def flow(c):
        f = ok_call(c, lambda q: setattr(q.kpi, "since", int(time.time() * 1000) - 86400000),
                    "kpi").kpi.flow
        return ([(x.reason, x.count) for x in f.dead_reasons],
                [(x.reason, x.count) for x in f.lost_reasons])
    want = ([("Too expensive", 2), ("No budget", 1)], [("Their CEO said no", 1)])
    got = flow(admin)
    res.record("kpi --since counts dead and lost by reason, most first", got == want, str(got))
    got = flow(r1)
    res.record("a rep sees the reasons of their own leads", got == want, str(got))
    got = flow(r2)
    res.record("another team's rep sees none of them", got == ([], []), str(got))

    # The flow names 100 reasons per class, then sums the rest.
    fills = []
    for i in range(101):
        fills.append(lambda q, i=i: (setattr(q.lead_create, "title", "many %d" % i),
                                     setattr(q.lead_create, "owner", "r2")))
    ids = [a.lead.lead.id for a in pipeline(admin, fills)]
    moves = [lambda q, i=i, lid=lid: (setattr(q.lead_set_status, "id", lid),
                                      setattr(q.lead_set_status, "status", "dead"),
                                      setattr(q.lead_set_status, "reason", "own words %03d" % i),
                                      setattr(q.lead_set_status, "other", True))
             for i, lid in enumerate(ids)]
    bad = [a for a in pipeline(admin, moves) if a.code != pb.OK]
    res.record("101 leads moved dead for 101 reasons of their own", not bad,
               desc(pb, bad[0]) if bad else "")
    dead, _ = flow(admin)
    res.record("the flow names 100 dead reasons and sums the rest as '(other reasons)'",
               len(dead) == 101 and dead[-1][0] == "(other reasons)" and
               sum(n for _, n in dead) == 104 and dead[0] == ("Too expensive", 2),
               "%d rows, last %s, total %d" % (len(dead), dead[-1], sum(n for _, n in dead)))
    for c in (admin, m1, r1, r2):
        c.close()


if __name__ == "__main__":
    run_test(res, "status_moves", run)
    sys.exit(res.summary())
