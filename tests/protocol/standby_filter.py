#!/usr/bin/python3
"""Stand-by (issue 12): lead_standby's rules and what lists show of leads
on stand-by and archived ones (LeadFilter.standby, .waking_before,
.archived; absent: neither).

Usage: standby_filter.py LEADD_BINARY PROTO_DIR

Checks, against a real leadd on 127.0.0.1:
- lead_standby puts a lead on stand-by (until, reason: kept on the lead,
  history kind "standby" with the changed fields) and takes it off (until 0);
  its refusals: no until, a past date, past the longest stand-by, a reason
  with until 0, nothing to take off, a stale version, a reason too long or
  of two lines, a lead the rep may not see (NOT_FOUND);
- lead_list without state fields hides leads on stand-by; standby lists only
  them; waking_before only those whose stand-by ends before it; archived
  only archived ones (none here: the archive part tests those); refusals of
  standby=false with waking_before and of a negative waking_before;
- a saved search keeps the same rule, and its watcher gets LEAVE when a lead
  goes on stand-by and ENTER when it is taken off;
- a rep's own lead: the rep puts it on stand-by; it leaves the rep's list.
Ends with `leadd verify` passing."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, ok_call, run_test  # noqa: E402
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

PW = "standby-filter-pw-1"
DAY = 86400 * 1000
res = Results()


def now_ms():
    return int(time.time() * 1000)


def standby(c, lid, until=None, reason=None, version=None):
    def fill(q):
        q.lead_standby.id = lid
        if until is not None:
            q.lead_standby.until = until
        if reason is not None:
            q.lead_standby.reason = reason
        if version is not None:
            q.lead_standby.expected_version = version
    return c.call(fill)


def listed(c, **flt):
    """Ids lead_list gives with this filter (the filter set even when empty)."""
    def fill(q):
        q.lead_list.limit = 1000
        q.lead_list.filter.SetInParent()
        for k, v in flt.items():
            if isinstance(v, list):
                getattr(q.lead_list.filter, k).extend(v)
            else:
                setattr(q.lead_list.filter, k, v)
    r = c.call(fill)
    if r.code != 0:
        return r
    return sorted(l.id for l in r.lead_list.leads)


def run(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A", pool_visible=True)
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    add_user(adm, "r2", pb.ROLE_REP, "A", PW)
    r1 = Client(pb, d.port, "r1", PW)
    a, b, c = (adm.create(t).lead.lead for t in ("Alpha", "Beta", "Gamma"))
    mine = r1.create("Rep lead", owner=None).lead.lead
    other = adm.create("Other rep lead", owner="r2").lead.lead

    # ---- lead_standby ----
    t0 = now_ms()
    r = standby(adm, a.id, t0 + 2 * DAY, "call back in two days")
    ok = r.code == 0 and r.lead.lead.standby_until == t0 + 2 * DAY and \
        r.lead.lead.standby_reason == "call back in two days"
    res.record("lead_standby sets standby_until and the reason", ok, desc(pb, r))
    got = ok_call(adm, lambda q: setattr(q.lead_get, "id", a.id), "get a").lead.lead
    res.record("lead_get shows the stand-by", got.standby_until == t0 + 2 * DAY,
               str(got.standby_until))
    r = standby(adm, b.id, t0 + 10 * DAY)
    res.record("lead_standby without a reason", r.code == 0 and not r.lead.lead.standby_reason,
               desc(pb, r))

    hist = ok_call(adm, lambda q: setattr(q.lead_history, "id", a.id), "history a")
    last = hist.lead_history.items[-1]
    fields = sorted(ch.field for ch in last.changes)
    res.record("history: kind standby with standby_until and standby_reason",
               last.kind == "standby" and fields == ["standby_reason", "standby_until"] and
               last.author == "admin", "%s %s" % (last.kind, fields))

    refusals = [
        ("no until", lambda: standby(adm, c.id), pb.INVALID_ARGUMENT),
        ("a past date", lambda: standby(adm, c.id, t0 - 1000), pb.INVALID_ARGUMENT),
        ("more than 3650 days", lambda: standby(adm, c.id, t0 + 3651 * DAY),
         pb.INVALID_ARGUMENT),
        ("a reason with until 0", lambda: standby(adm, b.id, 0, "why"), pb.INVALID_ARGUMENT),
        ("until 0 on a lead not on stand-by", lambda: standby(adm, c.id, 0),
         pb.FAILED_PRECONDITION),
        ("a stale version", lambda: standby(adm, c.id, t0 + DAY, version=c.version + 100),
         pb.ABORTED),
        ("a reason of 501 bytes", lambda: standby(adm, c.id, t0 + DAY, "x" * 501),
         pb.INVALID_ARGUMENT),
        ("a reason of two lines", lambda: standby(adm, c.id, t0 + DAY, "a\nb"),
         pb.INVALID_ARGUMENT),
        ("a lead the rep may not see", lambda: standby(r1, other.id, t0 + DAY),
         pb.NOT_FOUND),
        ("no lead id", lambda: standby(adm, 0, t0 + DAY), pb.INVALID_ARGUMENT),
    ]
    for name, call, want in refusals:
        r = call()
        res.record("lead_standby refuses %s (%s)" % (name, pb.Code.Name(want)),
                   r.code == want and r.message != "", desc(pb, r))
    r = standby(adm, c.id, t0 + 3649 * DAY)
    res.record("3649 days is allowed", r.code == 0, desc(pb, r))
    r = standby(adm, c.id, 0)
    res.record("until 0 takes it off", r.code == 0 and r.lead.lead.standby_until == 0,
               desc(pb, r))
    gc = ok_call(adm, lambda q: setattr(q.lead_get, "id", c.id), "get c").lead.lead
    res.record("after the refusals and one stand-by on and off, gamma is off stand-by",
               gc.version > c.version and gc.standby_until == 0 and not gc.standby_reason)
    reason_cap = standby(adm, c.id, t0 + DAY, "y" * 500)
    res.record("a reason of 500 bytes is allowed", reason_cap.code == 0, desc(pb, reason_cap))
    ok_call(adm, lambda q: (setattr(q.lead_standby, "id", c.id),
                            setattr(q.lead_standby, "until", 0)), "c off")

    # ---- the filter ----
    everyone = sorted([c.id, mine.id, other.id])
    res.record("no state field: leads on stand-by are not listed",
               listed(adm) == everyone, str(listed(adm)))
    res.record("standby: only leads on stand-by", listed(adm, standby=True) == [a.id, b.id],
               str(listed(adm, standby=True)))
    res.record("standby=false reads as absent", listed(adm, standby=False) == everyone)
    res.record("waking_before: those whose stand-by ends before it",
               listed(adm, waking_before=t0 + 5 * DAY) == [a.id],
               str(listed(adm, waking_before=t0 + 5 * DAY)))
    res.record("waking_before with standby", listed(
        adm, standby=True, waking_before=t0 + 11 * DAY) == [a.id, b.id])
    res.record("waking_before before any: none", listed(adm, waking_before=t0) == [])
    res.record("archived: only archived leads (none)", listed(adm, archived=True) == [])
    res.record("archived and standby: none", listed(adm, archived=True, standby=True) == [])
    res.record("standby with other conditions", listed(
        adm, standby=True, query="beta") == [b.id])
    r = listed(adm, standby=False, waking_before=t0 + DAY)
    res.record("standby=false with waking_before: INVALID_ARGUMENT",
               not isinstance(r, list) and r.code == pb.INVALID_ARGUMENT, str(r))
    r = listed(adm, waking_before=-5)
    res.record("a negative waking_before: INVALID_ARGUMENT",
               not isinstance(r, list) and r.code == pb.INVALID_ARGUMENT, str(r))
    rl = ok_call(adm, lambda q: setattr(q.lead_list, "limit", 1000), "list no filter")
    res.record("no filter at all: stand-by hidden too",
               sorted(l.id for l in rl.lead_list.leads) == everyone)

    # ---- archived leads (lead_archive), on stand-by and not ----
    d1 = adm.create("Delta archived").lead.lead
    e1 = adm.create("Echo archived on stand-by").lead.lead
    ok_call(adm, lambda q: (setattr(q.lead_standby, "id", e1.id),
                            setattr(q.lead_standby, "until", t0 + 4 * DAY)), "standby e")
    for lid in (d1.id, e1.id):
        ok_call(adm, lambda q, lid=lid: setattr(q.lead_archive, "id", lid), "archive %d" % lid)
    res.record("archived leads are not listed without archived",
               listed(adm) == everyone and listed(adm, standby=True) == [a.id, b.id],
               "%s %s" % (listed(adm), listed(adm, standby=True)))
    res.record("archived: both archived leads, on stand-by or not",
               listed(adm, archived=True) == [d1.id, e1.id], str(listed(adm, archived=True)))
    res.record("archived with standby: the archived one on stand-by",
               listed(adm, archived=True, standby=True) == [e1.id])
    res.record("archived with waking_before: by its date",
               listed(adm, archived=True, waking_before=t0 + 5 * DAY) == [e1.id] and
               listed(adm, archived=True, waking_before=t0 + 3 * DAY) == [])
    r = standby(adm, d1.id, t0 + DAY)
    res.record("lead_standby refuses an archived lead (FAILED_PRECONDITION)",
               r.code == pb.FAILED_PRECONDITION and "restore" in r.message, desc(pb, r))

    # ---- a rep, and a saved search with its watcher ----
    ok_call(r1, lambda q: (setattr(q.search_save.search, "name", "all mine"),
                           setattr(q.search_save.search.filter, "mine", True)), "save")
    w = Watcher(pb, d.port, "r1", PW)
    watch_ok(w, ["leads"], "watch all mine", search="all mine")
    w.events(quiet=0.3)
    r = standby(r1, mine.id, now_ms() + 3 * DAY, "holiday")
    res.record("a rep puts their own lead on stand-by", r.code == 0, desc(pb, r))
    got = w.until(lambda e: e.lead_id == mine.id)
    res.record("the saved search's watcher gets LEAVE", kinds(pb, got)[-1:] == ["EVENT_LEAVE"] and
               got[-1].change == pb.LEAD_CHANGE_STANDBY, str(kinds(pb, got)))
    res.record("the rep's list no longer holds it", listed(r1, mine=True) == [])
    r = ok_call(r1, lambda q: (setattr(q.lead_list, "saved_search", "all mine"),
                               setattr(q.lead_list, "limit", 100)), "run all mine")
    res.record("the saved search lists it no more", len(r.lead_list.leads) == 0)
    res.record("... but with standby the rep finds it",
               listed(r1, standby=True) == [mine.id])
    r = standby(r1, mine.id, 0)
    res.record("the rep takes it off stand-by", r.code == 0, desc(pb, r))
    got = w.until(lambda e: e.lead_id == mine.id)
    res.record("the watcher gets ENTER", kinds(pb, got)[-1:] == ["EVENT_ENTER"],
               str(kinds(pb, got)))
    w.close()


run_test(res, "standby_filter", run)
