#!/usr/bin/python3
"""lead_history (issue 10): every change to a lead, field by field, old ->
new, who and when, kept forever and read by whoever may see the lead.

Usage: history_fields.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1: a lead edited by two users (rep marc, who
owns it, and manager sofia) through every kind of change: title, client,
description, value, source, tags, contacts (a phone edited, one added, the
main one changed, one marked as left, one removed), status by word, the pool
and back (assignments), next action set and cleared with its note. Checks:
  - the full history (oldest first) has one item per change, in revision
    order, each with its author's name, its kind and a time inside the call;
  - every expected field change appears exactly once with its old and new
    text (the first item: every field the lead was created with);
  - paging with small limits, oldest first and newest first, reassembles
    exactly the full list; the cursor is the last revision returned and is
    absent on the last page; a cursor from another lead pages this lead from
    that revision and never returns the other lead's entries; the largest
    cursor does not wrap round;
  - limit: absent or 0 gives 100, 1000 is allowed, 1001 is refused;
  - a lead the caller may not see, or one that does not exist, is NOT_FOUND;
    no id is INVALID_ARGUMENT;
  - a lead moved to another team: that team's manager reads its whole
    history (the team change in it); the old team's manager and the old
    owner no longer read it; when its owner moves team, the lead follows (an
    assign entry by the admin) and the reading rights with it;
Ends with `leadd verify` passing."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc,  # noqa: E402
                           ok_call, run_test)

PW = "history-fields-pw-1"
res = Results()


def history(c, lid, limit=None, cursor=None, newest_first=None, raw=False):
    def fill(q):
        q.lead_history.SetInParent()
        if lid is not None:
            q.lead_history.id = lid
        if limit is not None:
            q.lead_history.limit = limit
        if cursor is not None:
            q.lead_history.cursor = cursor
        if newest_first is not None:
            q.lead_history.newest_first = newest_first
    r = c.call(fill)
    return r if raw else ok_call(c, fill, "lead_history")


def full(c, lid, newest_first=False, limit=1000):
    items, cursor, pages = [], None, 0
    while True:
        r = history(c, lid, limit=limit, cursor=cursor, newest_first=newest_first)
        items += list(r.lead_history.items)
        pages += 1
        if not r.lead_history.HasField("cursor"):
            return items, pages
        if r.lead_history.cursor != items[-1].revision:
            raise RuntimeError("cursor %d is not the last revision %d"
                               % (r.lead_history.cursor, items[-1].revision))
        cursor = r.lead_history.cursor


def changes(item):
    """{field: [(old, new), ...]}: None for an absent side; times as ms."""
    out = {}
    for ch in item.changes:
        if ch.HasField("old_at") or ch.HasField("new_at") or ch.field == "next_action":
            pair = (ch.old_at if ch.HasField("old_at") else None,
                    ch.new_at if ch.HasField("new_at") else None)
        else:
            pair = (ch.old_value if ch.HasField("old_value") else None,
                    ch.new_value if ch.HasField("new_value") else None)
        out.setdefault(ch.field, []).append(pair)
    return out


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "North")
    add_team(admin, "South")
    add_user(admin, "sofia", pb.ROLE_MANAGER, team="North", password=PW)
    add_user(admin, "marc", pb.ROLE_REP, team="North", password=PW)
    add_user(admin, "rita", pb.ROLE_REP, team="North", password=PW)
    add_user(admin, "sam", pb.ROLE_MANAGER, team="South", password=PW)
    add_user(admin, "sven", pb.ROLE_REP, team="South", password=PW)
    for team, mgr in (("North", "sofia"), ("South", "sam")):
        ok_call(admin, lambda q: (setattr(q.team_edit, "name", team),
                                  q.team_edit.managers.items.append(mgr)), "team_edit")
    sofia = Client(pb, d.port, user="sofia", password=PW)
    marc = Client(pb, d.port, user="marc", password=PW)
    rita = Client(pb, d.port, user="rita", password=PW)

    expected = []  # (author, kind, {field: [(old, new)]}, t0, t1)
    state = {}

    def step(c, author, kind, fill, want):
        t0 = int(time.time() * 1000)
        r = ok_call(c, fill, "%s %s" % (author, kind))
        t1 = int(time.time() * 1000)
        lead = r.lead.lead
        state["lead"] = lead
        expected.append((lead.version, author, kind, want, t0, t1))
        return lead

    def update(c, author, want, **kw):
        def fill(q):
            u = q.lead_update
            u.id = state["lead"].id
            u.expected_version = state["lead"].version
            for k, v in kw.items():
                if k == "tags":
                    u.tags.SetInParent()
                    u.tags.items.extend(v)
                elif k == "contacts":
                    u.contacts.SetInParent()
                    for ct in v:
                        u.contacts.items.add(**ct)
                elif k == "value":
                    u.value.amount_minor, u.value.currency = v
                else:
                    setattr(u, k, v)
        return step(c, author, "update", fill, want)

    ana = dict(name="Ana Lopez", email="ana@x.com", phone="+34 600 000 001", role="CFO")

    def create(q):
        cr = q.lead_create
        cr.title, cr.client_name, cr.owner = "Big deal", "Acme", "marc"
        cr.description, cr.source = "Two floors\nof offices", "fair"
        cr.value.amount_minor, cr.value.currency = 4800000, "EUR"
        cr.tags.extend(["Carat", "spring"])
        cr.contacts.add(**ana)
        cr.next_action_note = "send the quote"
    step(sofia, "sofia", "create", create, {
        "title": [(None, "Big deal")], "client": [(None, "Acme")],
        "description": [(None, "Two floors\nof offices")],
        "value": [(None, "48000.00 EUR")], "source": [(None, "fair")],
        "tags": [(None, "Carat, spring")],
        "contacts": [(None, "added Ana Lopez <ana@x.com>, +34 600 000 001")],
        "status": [(None, "lead-New")], "owner": [(None, "marc")], "team": [(None, "North")],
        "next_action_note": [(None, "send the quote")]})
    update(marc, "marc", {"title": [("Big deal", "Bigger deal")]}, title="Bigger deal")
    update(sofia, "sofia", {"value": [("48000.00 EUR", "50000.50 EUR")],
                            "tags": [("Carat, spring", "Carat, spring, vip")]},
           value=(5000050, "EUR"), tags=["Carat", "spring", "vip"])
    ben = dict(name="Ben Ray", email="ben@x.com")
    ana2 = dict(ana, phone="+34 600 000 002")
    update(marc, "marc", {"contacts": [(None, "Ana Lopez: phone +34 600 000 001 -> "
                                              "+34 600 000 002"),
                                       (None, "added Ben Ray <ben@x.com>")]},
           contacts=[ana2, ben])
    ana3 = dict(ana2, left=True)
    update(marc, "marc", {"contacts": [(None, "Ana Lopez: left"), (None, "main: Ben Ray")]},
           contacts=[ben, ana3])
    update(sofia, "sofia", {"contacts": [(None, "removed Ana Lopez <ana@x.com>, "
                                                "+34 600 000 002")]}, contacts=[ben])

    def set_status(q):
        q.lead_set_status.id = state["lead"].id
        q.lead_set_status.status = "lead-qualified"
    step(sofia, "sofia", "status", set_status, {"status": [("lead-New", "lead-Qualified")]})

    def assign(to_user=None):
        def fill(q):
            q.lead_assign.id = state["lead"].id
            if to_user:
                q.lead_assign.to_user = to_user
            else:
                q.lead_assign.to_pool = True
        return fill
    step(sofia, "sofia", "assign", assign(), {"owner": [("marc", "pool")]})
    step(sofia, "sofia", "assign", assign("marc"), {"owner": [("pool", "marc")]})
    when = 1798790400000  # 2027-01-01T08:00:00Z
    update(marc, "marc", {"next_action": [(None, when)],
                          "next_action_note": [("send the quote", "call Ben")]},
           next_action_at=when, next_action_note="call Ben")
    update(sofia, "sofia", {"next_action": [(when, None)],
                            "next_action_note": [("call Ben", None)]},
           next_action_at=0, next_action_note="")
    update(marc, "marc", {"description": [("Two floors\nof offices", "Three floors")],
                          "source": [("fair", "web")], "client": [("Acme", "Globex")]},
           description="Three floors", source="web", client_name="Globex")
    update(sofia, "sofia", {"value": [("50000.50 EUR", None)], "tags": [("Carat, spring, vip",
                                                                        None)]},
           clear_value=True, tags=[])
    lead = state["lead"]
    lid = lead.id

    # The full history, as marc (the owner) reads it.
    items, _ = full(marc, lid)
    res.record("one item per change, in revision order",
               [i.revision for i in items] == [e[0] for e in expected],
               "%s vs %s" % ([i.revision for i in items], [e[0] for e in expected]))
    bad = []
    for it, (rev, author, kind, want, t0, t1) in zip(items, expected):
        if it.author != author or it.kind != kind:
            bad.append("%d: %s/%s, expected %s/%s" % (rev, it.author, it.kind, author, kind))
        if not (t0 <= it.at <= t1):
            bad.append("%d: at %d outside [%d, %d]" % (rev, it.at, t0, t1))
        got = changes(it)
        if got != want:
            bad.append("%d: changes %r, expected %r" % (rev, got, want))
        ids = {"sofia": sofia.user.id, "marc": marc.user.id}
        if it.author_id != ids[author]:
            bad.append("%d: author_id %d" % (rev, it.author_id))
    res.record("every field change once with old -> new, who, when", not bad, "; ".join(bad[:4]))

    # Paging, both ways, small limits.
    for limit in (1, 2, 3, 5):
        got, pages = full(marc, lid, limit=limit)
        res.record("oldest first, limit %d: %d pages reassemble the full list" % (limit, pages),
                   [x.SerializeToString() for x in got] == [x.SerializeToString() for x in items]
                   and pages >= (len(items) + limit - 1) // limit)
        got, pages = full(marc, lid, newest_first=True, limit=limit)
        res.record("newest first, limit %d: %d pages reassemble the list reversed"
                   % (limit, pages),
                   [x.SerializeToString() for x in got]
                   == [x.SerializeToString() for x in reversed(items)])
    last = history(marc, lid, limit=len(items))
    res.record("a page that ends the history has no cursor",
               len(last.lead_history.items) == len(items)
               and not last.lead_history.HasField("cursor"))

    # A cursor from another lead: a revision, read as a position in this lead.
    other = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Other"),
                                      setattr(q.lead_create, "owner", "marc")),
                    "lead_create").lead.lead
    mid = items[len(items) // 2].revision
    other_rev = other.version
    r = history(marc, lid, cursor=other_rev)
    res.record("a cursor from another lead (after every entry) gives nothing, no cursor",
               len(r.lead_history.items) == 0 and not r.lead_history.HasField("cursor"))
    r = history(marc, lid, cursor=other_rev, newest_first=True)
    res.record("... newest first it gives this lead's whole history, none of the other's",
               [i.revision for i in r.lead_history.items]
               == [i.revision for i in reversed(items)])
    r = history(marc, other.id, cursor=mid)
    res.record("... and the other lead from a revision of this one: only its own entries",
               [i.revision for i in r.lead_history.items] == [other_rev])

    top = 2 ** 64 - 1
    r = history(marc, lid, cursor=top)
    res.record("cursor 2^64-1, oldest first: nothing after it (no wrap to the start)",
               len(r.lead_history.items) == 0 and not r.lead_history.HasField("cursor"))
    r = history(marc, lid, cursor=top, newest_first=True)
    res.record("... newest first: every entry below it",
               [i.revision for i in r.lead_history.items]
               == [i.revision for i in reversed(items)])

    # Limits.
    for n in range(105):
        ok_call(admin, lambda q: (setattr(q.lead_update, "id", other.id),
                                  setattr(q.lead_update, "expected_version", other_rev),
                                  setattr(q.lead_update, "title", "Other %d" % n)),
                "lead_update other")
        other_rev = ok_call(admin, lambda q: setattr(q.lead_get, "id", other.id),
                            "lead_get").lead.lead.version
    r = history(marc, other.id)
    res.record("no limit: a page of 100 with a cursor",
               len(r.lead_history.items) == 100 and r.lead_history.HasField("cursor"))
    r = history(marc, other.id, limit=0)
    res.record("limit 0: a page of 100", len(r.lead_history.items) == 100)
    r = history(marc, other.id, limit=1000)
    res.record("limit 1000: all 106 entries, no cursor",
               len(r.lead_history.items) == 106 and not r.lead_history.HasField("cursor"))
    r = history(marc, other.id, limit=1001, raw=True)
    res.record("limit 1001: INVALID_ARGUMENT saying the cap",
               r.code == pb.INVALID_ARGUMENT and "1000" in r.message, desc(pb, r))

    # Who may read it.
    r = history(rita, lid, raw=True)
    res.record("another rep of the team: NOT_FOUND", r.code == pb.NOT_FOUND, desc(pb, r))
    r = history(marc, 999999, raw=True)
    res.record("a lead that does not exist: NOT_FOUND", r.code == pb.NOT_FOUND, desc(pb, r))
    r = history(marc, None, raw=True)
    res.record("no id: INVALID_ARGUMENT", r.code == pb.INVALID_ARGUMENT, desc(pb, r))

    # Moved to another team: sven (South) gets it.
    step(admin, "admin", "assign",
         lambda q: (setattr(q.lead_assign, "id", lid), setattr(q.lead_assign, "to_user", "sven")),
         {"owner": [("marc", "sven")], "team": [("North", "South")]})
    sam = Client(pb, d.port, user="sam", password=PW)
    got, _ = full(sam, lid)
    res.record("the new team's manager reads the whole history, the move last",
               [i.revision for i in got] == [e[0] for e in expected]
               and changes(got[-1]) == expected[-1][3], repr(changes(got[-1]) if got else None))
    for who, c in (("marc (the old owner)", marc), ("sofia (the old manager)", sofia)):
        r = history(c, lid, raw=True)
        res.record("%s no longer reads it: NOT_FOUND" % who, r.code == pb.NOT_FOUND,
                   desc(pb, r))

    # Its owner moves to North: the lead follows (an assign entry by the
    # admin who moved the user), and North reads it again, South no more.
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "sven"),
                              setattr(q.user_edit, "team", "North")), "user_edit sven")
    got, _ = full(sofia, lid)
    last = got[-1] if got else None
    res.record("the owner moved to North: an assign entry by admin, team South -> North",
               last is not None and last.kind == "assign" and last.author == "admin"
               and changes(last) == {"team": [("South", "North")]},
               repr((last.kind, last.author, changes(last))) if last else "no items")
    res.record("... North's manager reads every entry again",
               [i.revision for i in got[:-1]] == [e[0] for e in expected])
    r = history(sam, lid, raw=True)
    res.record("... South's manager no longer does: NOT_FOUND", r.code == pb.NOT_FOUND,
               desc(pb, r))

    for c in (admin, sofia, marc, rita, sam):
        c.close()


if __name__ == "__main__":
    run_test(res, "history_fields", run)
