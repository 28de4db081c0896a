#!/usr/bin/python3
"""TOPIC_PINS (docs/protocol.md section 6): a watcher hears EVENT_PINS when
its own pinned saved searches would read otherwise in search_list, and at
no other time.

- r1 pins a search: r1's pins watcher gets EVENT_PINS (revision: the last
  one it was given, no other field); r2's pins watcher and r1's watcher
  without the topic get nothing.
- r1 saves a search without pinning it, edits and removes an unpinned one:
  nothing.
- A pinned search renamed, its filter edited, moved to another place, and
  unpinned: EVENT_PINS each time, and search_list then shows the change.
- A team search pinned by r2 and removed by the team's manager (leaving
  r2's pins): r2 gets EVENT_PINS, r1 (no pin of it) nothing.
- Lead events go on beside it, in revision order; EVENT_PINS makes no
  revision.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_pins.py LEADD_BINARY PROTO_DIR"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, ok_call,  # noqa: E402
                           run_test)
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

PW = "watch-password-1"
res = Results()


def run(pb, d):
    P = pb.EVENT_PINS
    adm = Client(pb, d.port)
    add_team(adm, "A")
    for name, role in (("mA", pb.ROLE_MANAGER), ("r1", pb.ROLE_REP), ("r2", pb.ROLE_REP)):
        add_user(adm, name, role, "A", PW)
    ok_call(adm, lambda q: (setattr(q.team_edit, "name", "A"),
                            q.team_edit.managers.items.append("mA")), "managers")
    r1 = Client(pb, d.port, "r1", PW)
    r2 = Client(pb, d.port, "r2", PW)
    mA = Client(pb, d.port, "mA", PW)

    def save(c, name, team=None, status="qualified"):
        def fill(q):
            q.search_save.search.name = name
            if team:
                q.search_save.search.team = team
            q.search_save.search.filter.statuses.append(status)
        ok_call(c, fill, "save " + name)

    def pin(c, name, on=True, position=None):
        def fill(q):
            q.search_pin.name = name
            q.search_pin.pin = on
            if position:
                q.search_pin.position = position
        ok_call(c, fill, "pin " + name)

    def pinned(c):
        r = ok_call(c, lambda q: q.search_list.SetInParent(), "search_list")
        return [s.name for s in r.search_list.searches if s.pinned]

    save(r1, "hot")
    ok_call(r1, lambda q: (setattr(q.lead_create, "title", "before"),
                           setattr(q.lead_create, "owner", "r1")), "create")
    w1 = Watcher(pb, d.port, "r1", PW)
    rep1 = watch_ok(w1, ["leads", "pins"], "r1 pins")
    w2 = Watcher(pb, d.port, "r2", PW)
    watch_ok(w2, ["pins"], "r2 pins")
    w1l = Watcher(pb, d.port, "r1", PW)
    watch_ok(w1l, ["leads"], "r1 leads only")
    for w in (w1, w2, w1l):
        w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)

    pin(r1, "hot")
    got = w1.until(lambda e: e.kind == P, limit=5)
    ev = got[-1]
    res.record("a pin: EVENT_PINS to the user's pins watcher", ev.kind == P, str(kinds(pb, got)))
    res.record("... at the last revision it was given, nothing else set",
               ev.revision == rep1.revision > 0 and not ev.lead_id and not ev.HasField("lead")
               and not ev.reason, str(ev))
    res.record("another user's pins watcher hears nothing", w2.events(quiet=0.4) == [])
    res.record("a watcher without the topic hears nothing", w1l.events(quiet=0.2) == [])

    save(r1, "cold", status="new")
    ok_call(r1, lambda q: (setattr(q.search_edit, "name", "cold"),
                           q.search_edit.filter.statuses.append("dead")), "edit cold")
    save(r1, "gone")
    ok_call(r1, lambda q: setattr(q.search_rm, "name", "gone"), "rm gone")
    res.record("saving, editing, removing searches not pinned: no EVENT_PINS",
               w1.events(quiet=0.4) == [])

    def expect(what, check):
        got = w1.until(lambda e: e.kind == P, limit=5)
        extra = w1.events(quiet=0.3)
        res.record(what + ": one EVENT_PINS", [e.kind for e in got + extra].count(P) == 1,
                   str(kinds(pb, got + extra)))
        now = pinned(r1)
        res.record(what + ": search_list shows it", check(now), str(now))

    ok_call(r1, lambda q: (setattr(q.search_edit, "name", "hot"),
                           setattr(q.search_edit, "new_name", "hotter")), "rename")
    expect("a pinned search renamed", lambda p: p == ["hotter"])
    ok_call(r1, lambda q: (setattr(q.search_edit, "name", "hotter"),
                           q.search_edit.filter.statuses.append("new")), "edit hotter")
    expect("a pinned search's filter edited", lambda p: p == ["hotter"])
    pin(r1, "cold")
    expect("a second pin", lambda p: p == ["hotter", "cold"])
    pin(r1, "cold", position=1)
    expect("a pin moved", lambda p: p == ["cold", "hotter"])
    pin(r1, "cold", on=False)
    expect("an unpin", lambda p: p == ["hotter"])

    # Lead events beside it, in order; the pins event makes no revision.
    lead = ok_call(r1, lambda q: (setattr(q.lead_create, "title", "beside"),
                                  setattr(q.lead_create, "owner", "r1")), "create").lead.lead
    pin(r1, "cold")
    got = w1.until(lambda e: e.kind == P, limit=5)
    got += w1.events(quiet=0.3)
    revs = [e.revision for e in got]
    res.record("a lead change, then a pin: ENTER then PINS, in revision order",
               kinds(pb, got) == ["EVENT_ENTER", "EVENT_PINS"] and revs == sorted(revs)
               and got[-1].revision == got[0].revision and got[0].lead_id == lead.id,
               "%s %s" % (kinds(pb, got), revs))

    # A team search: r2 pins it, the manager removes it.
    save(mA, "team-q", team="A")
    pin(r2, "team-q")
    got = w2.until(lambda e: e.kind == P, limit=5)
    res.record("r2 pins a team search: r2's EVENT_PINS", got[-1].kind == P)
    w1.events(quiet=0.3)
    ok_call(mA, lambda q: setattr(q.search_rm, "name", "team-q"), "rm team-q")
    got = w2.until(lambda e: e.kind == P, limit=5)
    res.record("the manager removes it: r2, who pinned it, gets EVENT_PINS",
               got[-1].kind == P and pinned(r2) == [], str(pinned(r2)))
    res.record("r1, who did not pin it, hears nothing", w1.events(quiet=0.4) == [])
    for c in (w1, w2, w1l, r1, r2, mA, adm):
        c.close()


run_test(res, "watch_pins", run)
