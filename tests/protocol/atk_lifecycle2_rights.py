#!/usr/bin/python3
"""Issue 12 attacks 2 (moving + stand-by): rights cached on an open
connection, and the reason lists' seams.

Usage: atk_lifecycle2_rights.py LEADD PROTO_DIR

- a manager moved off team A (user_edit) on an open connection: reason_add
  and reason_rm for team A are refused; for the new team they work;
- a rep whose lead was reassigned to another rep (not pool-visible team)
  on an open connection: lead_standby and a move to dead are refused, the
  lead unchanged;
- a reason removed while leads carry it: the leads, their history and the
  kpi flow by reason keep its text;
- reason text folding: case and spaces fold to one reason (a second add is
  ALREADY_EXISTS, a move names the list's spelling); Unicode text is kept
  as written; a global reason that a team's list already holds is refused
  as the other way round is (no reason listed twice for one team);
- a move refused for want of a (listed) reason, when the team has 12 long
  Unicode reasons: the message names whole reasons and "others", keeps its
  end (what to do), is valid UTF-8 and fits the 512-byte message;
- lead-Dead placed first in its stage by an admin: reopen still moves a
  dead lead to lead-New (not "already there"), and reopen with a reason is
  refused; a stage left with only prospect-Lost: reopen says it cannot;
Ends with `leadd verify` passing."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, add_team, add_user, desc,  # noqa: E402
                           load_pb, ok_call)

PW = "atk-lifecycle2-pw"
res = Results()


def reason_fill(kind, text, team=None):
    def fill(q):
        m = getattr(q, kind)
        m.reason.text = text
        if team is not None:
            m.reason.team = team
    return fill


def move(c, lid, status, reason=None, other=False):
    def fill(q):
        q.lead_set_status.id = lid
        q.lead_set_status.status = status
        if reason is not None:
            q.lead_set_status.reason = reason
        if other:
            q.lead_set_status.other = True
    return c.call(fill)


def get(c, lid):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lid), "get %d" % lid).lead.lead


def rights(pb, adm, d):
    add_team(adm, "A")
    add_team(adm, "B")
    add_user(adm, "mgr", pb.ROLE_MANAGER, "A", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mgr")), "A managers")
    m = Client(pb, d.port, "mgr", PW)
    r = m.call(reason_fill("reason_add", "Went quiet", "A"))
    res.record("manager of A adds a reason for A", r.code == 0, desc(pb, r))
    # Moved to team B (and off A's managers) while m's connection stays open.
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.SetInParent()), "A no managers")
    ok_call(adm, lambda q: (setattr(q.user_edit, "name", "mgr"),
                            setattr(q.user_edit, "team", "B")), "mgr to B")
    r = m.call(reason_fill("reason_add", "Chose a rival", "A"))
    res.record("moved off A on an open connection: reason_add for A refused",
               r.code in (pb.NOT_FOUND, pb.PERMISSION_DENIED), desc(pb, r))
    r = m.call(reason_fill("reason_rm", "Went quiet", "A"))
    res.record("... and reason_rm for A refused", r.code in (pb.NOT_FOUND, pb.PERMISSION_DENIED),
               desc(pb, r))
    texts = [x.text for x in ok_call(adm, lambda q: setattr(q.reason_list, "team", "A"),
                                     "list A").reason_list.reasons]
    res.record("... A's list unchanged", texts == ["Went quiet"], str(texts))
    r = m.call(reason_fill("reason_add", "Chose a rival", "B"))
    res.record("... for the new team B it works", r.code == 0, desc(pb, r))

    # A rep whose lead was reassigned while their connection is open.
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    add_user(adm, "r2", pb.ROLE_REP, "A", PW)
    r1 = Client(pb, d.port, "r1", PW)
    lead = r1.create("Reassigned", owner="r1").lead.lead
    ok_call(adm, lambda q: (setattr(q.lead_assign, "id", lead.id),
                            setattr(q.lead_assign, "to_user", "r2")), "assign to r2")
    r = r1.call(lambda q: (setattr(q.lead_standby, "id", lead.id),
                           setattr(q.lead_standby, "until",
                                   int(time.time() * 1000) + 86400000)))
    res.record("rep after the lead went to a colleague: stand-by refused",
               r.code in (pb.NOT_FOUND, pb.PERMISSION_DENIED), desc(pb, r))
    r = move(r1, lead.id, "dead", "not mine any more", other=True)
    res.record("... a move to dead refused",
               r.code in (pb.NOT_FOUND, pb.PERMISSION_DENIED), desc(pb, r))
    now = get(adm, lead.id)
    res.record("... the lead unchanged (not on stand-by, not dead)",
               now.standby_until == 0 and now.status_reason == "" and
               now.version == lead.version + 1, str((now.standby_until, now.version)))
    return m


def flow(c):
    f = ok_call(c, lambda q: setattr(q.kpi, "since", int(time.time() * 1000) - 86400000),
                "kpi").kpi.flow
    return sorted((x.reason, x.count) for x in f.dead_reasons)


def history_reasons(c, lid):
    h = ok_call(c, lambda q: (setattr(q.lead_history, "id", lid),
                              setattr(q.lead_history, "limit", 1000)), "history")
    return [ch.new_value for it in h.lead_history.items for ch in it.changes
            if "reason" in ch.field]


def reasons(pb, adm, d):
    ok_call(adm, reason_fill("reason_add", "Zu teuer", "A"), "add Zu teuer")
    r = adm.call(reason_fill("reason_add", "  zu   TEUER ", "A"))
    res.record("case and spaces fold: a second 'zu TEUER' is ALREADY_EXISTS",
               r.code == pb.ALREADY_EXISTS, desc(pb, r))
    ok_call(adm, reason_fill("reason_add", "Caf\u00e9 ferm\u00e9", "A"), "add Cafe")
    for twin in ("Cafe\u0301 FERME\u0301", "Caf\u00e9\u200b ferm\u00e9", "\uff23af\u00e9 ferm\u00e9"):
        r = adm.call(reason_fill("reason_add", twin, "A"))
        res.record("NFKC folding: %r is the same reason as 'Caf\u00e9 ferm\u00e9'" % twin,
                   r.code == pb.ALREADY_EXISTS, desc(pb, r))
    uni = "Trop cher \u2014 d\u00e9j\u00e0 \u00e9quip\u00e9 \U0001F4B8"
    r = adm.call(reason_fill("reason_add", uni, "A"))
    res.record("a Unicode reason is added", r.code == 0, desc(pb, r))
    a = adm.create("Dies of price", owner="r2").lead.lead
    r = move(adm, a.id, "dead", "ZU teuer")
    res.record("a move giving 'ZU teuer' records the list's 'Zu teuer'",
               r.code == 0 and r.lead.lead.status_reason == "Zu teuer", desc(pb, r))
    b = adm.create("Dies in French", owner="r2").lead.lead
    r = move(adm, b.id, "dead", uni.upper())
    res.record("a Unicode reason given in capitals records the list's spelling",
               r.code == 0 and r.lead.lead.status_reason == uni, desc(pb, r))
    before = flow(adm)
    # The list loses both; the leads keep what they died for.
    ok_call(adm, reason_fill("reason_rm", "zu teuer", "A"), "rm Zu teuer")
    ok_call(adm, reason_fill("reason_rm", uni, "A"), "rm unicode")
    res.record("after reason_rm: the leads keep their reason",
               get(adm, a.id).status_reason == "Zu teuer" and
               get(adm, b.id).status_reason == uni)
    res.record("... their history keeps it", "Zu teuer" in history_reasons(adm, a.id),
               str(history_reasons(adm, a.id)))
    after = flow(adm)
    res.record("... the kpi flow by reason keeps it",
               after == before and ("Zu teuer", 1) in after and (uni, 1) in after, str(after))
    r = move(adm, adm.create("Dies later", owner="r2").lead.lead.id, "dead", "zu teuer")
    res.record("... a new move naming it is refused (unless in own words)",
               r.code == pb.FAILED_PRECONDITION, desc(pb, r))

    # One reason listed once for a team: a team's reason blocks the same
    # global one, and the other way round.
    ok_call(adm, reason_fill("reason_add", "No budget"), "global No budget")
    r = adm.call(reason_fill("reason_add", "no BUDGET", "A"))
    res.record("team reason equal to a global one: ALREADY_EXISTS",
               r.code == pb.ALREADY_EXISTS, desc(pb, r))
    ok_call(adm, reason_fill("reason_add", "Went bust", "B"), "B Went bust")
    r = adm.call(reason_fill("reason_add", "went BUST"))
    res.record("global reason equal to a team's one: ALREADY_EXISTS, naming the team",
               r.code == pb.ALREADY_EXISTS and "'B'" in r.message, desc(pb, r))
    listed = [(x.text, x.team) for x in ok_call(adm, lambda q: setattr(q.reason_list, "team", "B"),
                                                "list B").reason_list.reasons]
    folded = [t.lower() for t, _ in listed]
    res.record("team B's reasons (with the global ones) list no reason twice",
               len(folded) == len(set(folded)), str(listed))


def long_names(pb, adm, d):
    """Refusals that name a team's reasons fit the 512-byte message whole:
    whole names only, the sentence's end (what to do) kept, valid UTF-8."""
    add_team(adm, "C")
    add_user(adm, "r3", pb.ROLE_REP, "C", PW)
    for i in range(12):
        ok_call(adm, reason_fill("reason_add", "%02d " % i + "\u00e9" * 90, "C"), "add C")
    lid = adm.create("Many long reasons", owner="r3").lead.lead.id
    for what, reason in (("no reason", None), ("a reason not listed", "\u00fc" * 100)):
        r = move(adm, lid, "dead", reason)
        text = r.message
        ok = (r.code == pb.FAILED_PRECONDITION and isinstance(text, str) and
              text.endswith("in your own words") and "and others" in text and
              len(text.encode()) < 512)
        res.record("%s, 12 reasons of 183 bytes: the refusal ends whole, in UTF-8, "
                   "naming some and 'others'" % what, ok, repr(text)[-160:])


def reopen(pb, adm, d):
    """An admin puts lead-Dead first in its stage: reopen still brings a dead
    lead back to work (the first status that is not dead or lost)."""
    lid = adm.create("Dead, then reopened").lead.lead.id
    ok_call(adm, lambda q: (setattr(q.lead_set_status, "id", lid),
                            setattr(q.lead_set_status, "status", "dead"),
                            setattr(q.lead_set_status, "reason", "gone quiet"),
                            setattr(q.lead_set_status, "other", True)), "dead")
    ok_call(adm, lambda q: (setattr(q.status_edit, "name", "lead-Dead"),
                            setattr(q.status_edit, "after", "")), "lead-Dead first")
    def reopen_fill(reason=None):
        def fill(q):
            q.lead_set_status.id = lid
            q.lead_set_status.reopen = True
            if reason:
                q.lead_set_status.reason = reason
                q.lead_set_status.other = True
        return fill
    r = adm.call(reopen_fill("back to work"))
    res.record("lead-Dead first in its stage: reopen with a reason is refused (it is no "
               "move into dead)", r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = adm.call(reopen_fill())
    names = {s.id: s.name for s in ok_call(adm, lambda q: q.status_list.SetInParent(),
                                            "statuses").status_list.statuses}
    res.record("... reopen moves the dead lead to lead-New, its reason cleared",
               r.code == 0 and names.get(r.lead.lead.status_id) == "lead-New" and
               r.lead.lead.status_reason == "", desc(pb, r))
    # A stage left with only a lost status: reopen has nowhere to go and
    # says so (it answered OK, changing nothing).
    lost = adm.create("Lost for good").lead.lead.id
    ok_call(adm, lambda q: (setattr(q.lead_set_status, "id", lost),
                            setattr(q.lead_set_status, "status", "prospect-Lost"),
                            setattr(q.lead_set_status, "reason", "chose a rival"),
                            setattr(q.lead_set_status, "other", True)), "lost")
    ok_call(adm, lambda q: setattr(q.status_rm, "name", "prospect-Qualified"), "rm pq")
    r = adm.call(lambda q: (setattr(q.lead_set_status, "id", lost),
                            setattr(q.lead_set_status, "reopen", True)))
    # INVALID_ARGUMENT: FAILED_PRECONDITION from lead_set_status means only
    # "this move needs a reason" (clients ask for one).
    res.record("a stage with only prospect-Lost: reopen is INVALID_ARGUMENT saying why",
               r.code == pb.INVALID_ARGUMENT and "cannot be reopened" in r.message,
               desc(pb, r))


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_lifecycle2_rights.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            adm = Client(pb, d.port)
            rights(pb, adm, d)
            reasons(pb, adm, d)
            long_names(pb, adm, d)
            reopen(pb, adm, d)
        finally:
            res.stop_and_verify(d, "leadd")
    return res.summary()


sys.exit(main())
