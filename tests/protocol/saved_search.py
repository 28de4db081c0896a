#!/usr/bin/python3
"""Saved searches (issue 9) against a real leadd: search_save, search_list,
search_edit, search_rm and search_pin.

Setup (as the admin): team A (manager mA; reps r1, r2, r4), team B (manager
mB; rep r3). Cases:
- own searches: save, list (owner, no team), edit the filter, sort and
  order, rename (the old name is gone, a case-only rename works), a second
  search of the same folded name is ALREADY_EXISTS, an edit with nothing to
  change is INVALID_ARGUMENT, rm, rm again NOT_FOUND;
- names: empty, only spaces, 65 characters, a '/', a name that spells out
  (NFKC) to over 400 bytes are INVALID_ARGUMENT; 64 characters (two bytes
  each) are fine; a missing search body too;
- team searches: a manager saves one for the team they manage; its members
  list it, another team's rep does not and gets NOT_FOUND (also as
  TEAM/NAME); a rep cannot save for a team, edit or remove a team search
  (PERMISSION_DENIED with a sentence); a manager cannot save for a team they
  do not manage; an unknown team is NOT_FOUND; a member's own name may not
  clash with a team search they see (ALREADY_EXISTS naming the team); two
  teams' searches of one name are ambiguous for an admin
  (FAILED_PRECONDITION naming TEAM/NAME), and TEAM/NAME picks one;
- pins: in order, insert at a position (others shift), move, unpin, bad
  positions, a team search can be pinned, the list is pinned first in pin
  order then by name, removing a search (yours, or a team's by its manager)
  drops it from every user's pins;
- caps: 20 pins, 100 searches per user and per team (RESOURCE_EXHAUSTED with
  a sentence), a search of more than 2048 bytes is INVALID_ARGUMENT, and a
  list that would not fit in one answer is RESOURCE_EXHAUSTED (own leadd);
- a rep moved to another team no longer sees, runs or pins the old team's
  searches on the connection they had open; their pin of one is dropped at
  their next pin change, so moving back shows it unpinned;
- leadd verify finds a pin to a search that does not exist and a search
  without its id entry (own data directory, damaged with python3-lmdb).

Usage: saved_search.py LEADD_BINARY PROTO_DIR
Every leadd ends stopped (SIGTERM, exit 0) with `leadd verify` passing
(the damaged copy excepted, where it must fail).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results,  # noqa: E402
                           add_team, add_user, load_pb, ok_call, pipeline)

PW = "saved-search-pw-1"
results = Results()
record = results.record


def code(pb, r):
    return pb.Code.Name(r.code)


def expect(pb, what, r, want, words=()):
    got = code(pb, r)
    ok = got == want and all(w in r.message for w in words)
    record(what, ok, "%s %s" % (got, r.message) if not ok else "")
    return ok


def fill_filter(f, filt):
    for k, v in (filt or {}).items():
        if isinstance(v, list):
            getattr(f, k).extend(v)
        else:
            setattr(f, k, v)


def save(c, name, team=None, sort=None, desc=None, **filt):
    def fill(q):
        q.search_save.search.SetInParent()
        if name is not None:
            q.search_save.search.name = name
        if team:
            q.search_save.search.team = team
        if sort is not None:
            q.search_save.search.sort = sort
        if desc is not None:
            q.search_save.search.desc = desc
        if filt:
            fill_filter(q.search_save.search.filter, filt)
    return fill if c is None else c.call(fill)


def edit(c, name, new_name=None, sort=None, desc=None, filt=None):
    def fill(q):
        q.search_edit.name = name
        if new_name is not None:
            q.search_edit.new_name = new_name
        if sort is not None:
            q.search_edit.sort = sort
        if desc is not None:
            q.search_edit.desc = desc
        if filt is not None:
            q.search_edit.filter.SetInParent()
            fill_filter(q.search_edit.filter, filt)
    return c.call(fill)


def rm(c, name):
    return c.call(lambda q: setattr(q.search_rm, "name", name))


def pin(c, name, on=True, position=None):
    def fill(q):
        q.search_pin.name = name
        q.search_pin.pin = on
        if position is not None:
            q.search_pin.position = position
    return c.call(fill)


def big_tags(n):
    """n distinct tags of 60 bytes: 40 make a search of over 2048 bytes, 30
    one of about 1900."""
    return ["t%02d" % i + "x" * 57 for i in range(n)]


def listing(c):
    """[(name, team, pinned position or 0)] in the order listed."""
    r = ok_call(c, lambda q: q.search_list.SetInParent(), "search_list")
    return [(s.name, s.team if s.HasField("team") else None,
             s.pin_position if s.pinned else 0) for s in r.search_list.searches]


def names(c):
    return [n for n, _, _ in listing(c)]


def pinned(c):
    return [n for n, _, p in listing(c) if p]


def login(pb, d, user):
    return Client(pb, d.port, user, PW)


def setup(pb, admin):
    for m in ("mA", "mB"):
        add_user(admin, m, pb.ROLE_MANAGER, password=PW)
    add_team(admin, "A", managers=["mA"])
    add_team(admin, "B", managers=["mB"])
    for u, t in (("r1", "A"), ("r2", "A"), ("r4", "A"), ("r3", "B")):
        add_user(admin, u, pb.ROLE_REP, team=t, password=PW)


def case_own(pb, d, admin):
    r1 = login(pb, d, "r1")
    r = save(r1, "mine-q", mine=True, statuses=["qualified"])
    if expect(pb, "own: save mine-q", r, "OK"):
        s = r.search.search
        record("own: the reply names the owner, no team, not pinned",
               s.owner == "r1" and not s.HasField("team") and not s.pinned
               and list(s.filter.statuses) == ["qualified"] and s.filter.mine, str(s))
    record("own: listed", listing(r1) == [("mine-q", None, 0)], str(listing(r1)))
    expect(pb, "own: the same name in other case is ALREADY_EXISTS", save(r1, "MINE-Q"),
           "ALREADY_EXISTS", ["mine-q"])
    r = edit(r1, "mine-q", filt=dict(statuses=["new", "dead"]), sort=pb.SORT_UPDATED,
             desc=True)
    if expect(pb, "own: edit the filter, sort and order", r, "OK"):
        s = r.search.search
        record("own: the edit replaced the filter and set sort and order",
               list(s.filter.statuses) == ["new", "dead"] and not s.filter.mine
               and s.sort == pb.SORT_UPDATED and s.desc, str(s))
    expect(pb, "own: an edit with nothing to change is INVALID_ARGUMENT", edit(r1, "mine-q"),
           "INVALID_ARGUMENT")
    expect(pb, "own: rename", edit(r1, "Mine-Q", new_name="Open deals"), "OK")
    record("own: renamed in the list", names(r1) == ["Open deals"], str(names(r1)))
    expect(pb, "own: the old name is gone", edit(r1, "mine-q", desc=False), "NOT_FOUND",
           ["mine-q", "lead search ls"])
    expect(pb, "own: a rename that only changes case", edit(r1, "open deals",
                                                            new_name="OPEN DEALS"), "OK")
    record("own: the new case is shown", names(r1) == ["OPEN DEALS"], str(names(r1)))
    save(r1, "second")
    expect(pb, "own: a rename onto another search's name is ALREADY_EXISTS",
           edit(r1, "second", new_name="open deals"), "ALREADY_EXISTS")
    r2 = login(pb, d, "r2")
    record("own: another rep of the team does not see them", names(r2) == [], str(names(r2)))
    expect(pb, "own: another rep may use the same name", save(r2, "second"), "OK")
    expect(pb, "own: another rep cannot edit mine (NOT_FOUND)", edit(r2, "open deals", desc=True),
           "NOT_FOUND")
    expect(pb, "own: another rep cannot remove mine (NOT_FOUND)", rm(r2, "OPEN DEALS"),
           "NOT_FOUND")
    expect(pb, "own: rm", rm(r1, "open deals"), "OK")
    expect(pb, "own: rm again is NOT_FOUND", rm(r1, "open deals"), "NOT_FOUND")
    for c, n in ((r1, "second"), (r2, "second")):
        rm(c, n)
    record("own: the list is empty again", names(r1) == [], str(names(r1)))
    r1.close()
    r2.close()


def case_names(pb, d, admin):
    r1 = login(pb, d, "r1")
    for what, name in (("an empty name", ""), ("a name of only spaces", "   "),
                       ("a 65-character name", "x" * 65), ("a name with '/'", "a/b")):
        expect(pb, "names: %s is INVALID_ARGUMENT" % what, save(r1, name), "INVALID_ARGUMENT",
               ["search name"])
    expect(pb, "names: a save without a name is INVALID_ARGUMENT", save(r1, None),
           "INVALID_ARGUMENT")
    expect(pb, "names: a save without a search is INVALID_ARGUMENT",
           r1.call(lambda q: q.search_save.SetInParent()), "INVALID_ARGUMENT")
    expect(pb, "names: 20 characters that spell out to over 400 bytes are INVALID_ARGUMENT",
           save(r1, "\ufdfa" * 20), "INVALID_ARGUMENT", ["spelled out", "400"])
    expect(pb, "names: 10 of them (about 330 bytes spelled out) are fine",
           save(r1, "\ufdfa" * 10), "OK")
    rm(r1, "\ufdfa" * 10)
    long = "é" * 64
    expect(pb, "names: 64 two-byte characters are fine", save(r1, long), "OK")
    expect(pb, "names: a rename to 65 characters is INVALID_ARGUMENT",
           edit(r1, long, new_name="é" * 65), "INVALID_ARGUMENT")
    expect(pb, "names: edit without a name is INVALID_ARGUMENT",
           r1.call(lambda q: setattr(q.search_edit, "desc", True)), "INVALID_ARGUMENT")
    rm(r1, long)
    r1.close()


def case_team(pb, d, admin):
    mA, mB, r1, r3 = (login(pb, d, u) for u in ("mA", "mB", "r1", "r3"))
    r = save(mA, "hot", team="A", statuses=["qualified"])
    if expect(pb, "team: a manager saves a search for their team", r, "OK"):
        s = r.search.search
        record("team: the reply names the team and the manager", s.team == "A"
               and s.owner == "mA", str(s))
    record("team: a member lists it", listing(r1) == [("hot", "A", 0)], str(listing(r1)))
    record("team: another team's rep does not", names(r3) == [], str(names(r3)))
    expect(pb, "team: another team's rep gets NOT_FOUND", edit(r3, "hot", desc=True),
           "NOT_FOUND")
    expect(pb, "team: ... also as TEAM/NAME", pin(r3, "A/hot"), "NOT_FOUND")
    expect(pb, "team: the other team's manager gets NOT_FOUND", rm(mB, "hot"), "NOT_FOUND")
    expect(pb, "team: a member may not edit it", edit(r1, "hot", desc=True),
           "PERMISSION_DENIED", ["team A", "managers"])
    expect(pb, "team: a member may not remove it", rm(r1, "A/hot"), "PERMISSION_DENIED")
    expect(pb, "team: a rep may not save for a team", save(r1, "mine", team="A"),
           "PERMISSION_DENIED", ["managers and admins"])
    expect(pb, "team: a manager may not save for a team they do not manage",
           save(mA, "x", team="B"), "PERMISSION_DENIED", ["do not manage team B"])
    expect(pb, "team: an unknown team is NOT_FOUND", save(mA, "x", team="Nope"), "NOT_FOUND",
           ["Nope"])
    expect(pb, "team: a member's own name may not clash with it", save(r1, " HOT "),
           "ALREADY_EXISTS", ["team A", "hot"])
    expect(pb, "team: ... nor by a rename", (save(r1, "cool"), edit(r1, "cool",
                                                                    new_name="Hot"))[1],
           "ALREADY_EXISTS", ["team A"])
    expect(pb, "team: the manager edits it", edit(mA, "hot", filt=dict(pool=True)), "OK")
    expect(pb, "team: the manager renames it", edit(mA, "A/hot", new_name="Hot leads"), "OK")
    record("team: the member sees the new name", "Hot leads" in names(r1), str(names(r1)))
    expect(pb, "team: an admin saves for any team", save(admin, "board", team="B"), "OK")
    record("team: team B's rep sees it", names(r3) == ["board"], str(names(r3)))
    expect(pb, "team: team B's manager edits the admin's team search",
           edit(mB, "board", desc=True), "OK")
    expect(pb, "team: another team saves the same name", save(mA, "board", team="A"), "OK")
    expect(pb, "team: an admin sees both: the bare name is ambiguous",
           edit(admin, "board", desc=False), "FAILED_PRECONDITION", ["A/board", "B/board"])
    expect(pb, "team: TEAM/NAME picks one", edit(admin, "B/board", desc=False), "OK")
    expect(pb, "team: a search of a team that does not exist is NOT_FOUND",
           rm(admin, "Nope/board"), "NOT_FOUND")
    lst = listing(admin)
    record("team: the admin lists every team's searches, sorted by name then team",
           lst == [("board", "A", 0), ("board", "B", 0), ("Hot leads", "A", 0)], str(lst))
    expect(pb, "team: an admin removes a team search", rm(admin, "A/board"), "OK")
    expect(pb, "team: the manager removes theirs", rm(mA, "hot leads"), "OK")
    expect(pb, "team: B's manager removes B's", rm(mB, "board"), "OK")
    rm(r1, "cool")
    record("team: nothing left", names(admin) == [] and names(r1) == [],
           "%s %s" % (names(admin), names(r1)))
    for c in (mA, mB, r1, r3):
        c.close()


def case_pins(pb, d, admin):
    r1, r2, mA = (login(pb, d, u) for u in ("r1", "r2", "mA"))
    for n in ("s1", "s2", "s3", "s4", "zz"):
        save(r1, n)
    for n in ("s1", "s2", "s3"):
        r = pin(r1, n)
    record("pins: the last pin's reply says position 3", r.search.search.pinned
           and r.search.search.pin_position == 3, str(r.search.search))
    expect(pb, "pins: insert at position 1", pin(r1, "s4", position=1), "OK")
    record("pins: the others shift", pinned(r1) == ["s4", "s1", "s2", "s3"], str(listing(r1)))
    lst = listing(r1)
    record("pins: the list is pinned first in pin order, positions 1..4, then by name",
           lst == [("s4", None, 1), ("s1", None, 2), ("s2", None, 3), ("s3", None, 4),
                   ("zz", None, 0)], str(lst))
    expect(pb, "pins: move a pinned search to the end", pin(r1, "s1", position=4), "OK")
    record("pins: moved", pinned(r1) == ["s4", "s2", "s3", "s1"], str(pinned(r1)))
    expect(pb, "pins: pinning again without a position keeps its place", pin(r1, "s2"), "OK")
    record("pins: kept", pinned(r1) == ["s4", "s2", "s3", "s1"], str(pinned(r1)))
    expect(pb, "pins: position 0 is INVALID_ARGUMENT", pin(r1, "zz", position=0),
           "INVALID_ARGUMENT", ["1 to 5"])
    expect(pb, "pins: a position past the end is INVALID_ARGUMENT", pin(r1, "zz", position=6),
           "INVALID_ARGUMENT", ["1 to 5"])
    expect(pb, "pins: unpin", pin(r1, "s2", on=False), "OK")
    record("pins: positions close up", listing(r1)[:3] == [("s4", None, 1), ("s3", None, 2),
                                                          ("s1", None, 3)], str(listing(r1)))
    expect(pb, "pins: unpinning what is not pinned is fine", pin(r1, "s2", on=False), "OK")
    expect(pb, "pins: pin a search you cannot see: NOT_FOUND", pin(r2, "s1"), "NOT_FOUND")
    save(mA, "team-board", team="A")
    expect(pb, "pins: a member pins a team search", pin(r1, "team-board", position=2), "OK")
    expect(pb, "pins: another member pins it too", pin(r2, "team-board"), "OK")
    record("pins: r1's order", pinned(r1) == ["s4", "team-board", "s3", "s1"], str(pinned(r1)))
    expect(pb, "pins: removing your pinned search", rm(r1, "s3"), "OK")
    record("pins: ... drops it from your pins", pinned(r1) == ["s4", "team-board", "s1"],
           str(listing(r1)))
    expect(pb, "pins: the manager removes the pinned team search", rm(mA, "team-board"), "OK")
    record("pins: ... it leaves every member's pins",
           pinned(r1) == ["s4", "s1"] and pinned(r2) == [], "%s %s" % (pinned(r1), pinned(r2)))
    save(mA, "team-board", team="A")
    record("pins: a new search of the same name is not pinned", ("team-board", "A", 0)
           in listing(r1), str(listing(r1)))
    for n in ("s1", "s2", "s4", "zz"):
        rm(r1, n)
    rm(mA, "team-board")
    for c in (r1, r2, mA):
        c.close()


def case_caps(pb, d, admin):
    r2, mB = login(pb, d, "r2"), login(pb, d, "mB")
    fills = [save(None, "p%02d" % i) for i in range(21)]
    for r in pipeline(r2, fills):
        assert r.code == 0, r
    for i in range(20):
        pin(r2, "p%02d" % i)
    expect(pb, "caps: the 21st pin is RESOURCE_EXHAUSTED", pin(r2, "p20"),
           "RESOURCE_EXHAUSTED", ["20 pinned searches", "unpin"])
    expect(pb, "caps: moving a pin at the cap is fine", pin(r2, "p19", position=1), "OK")
    pin(r2, "p00", on=False)
    expect(pb, "caps: after an unpin the pin fits", pin(r2, "p20"), "OK")
    fills = [save(None, "p%02d" % i) for i in range(21, 100)]
    bad = [r for r in pipeline(r2, fills) if r.code]
    record("caps: 100 searches of one user saved", not bad, str(bad[:1]))
    expect(pb, "caps: the 101st of a user is RESOURCE_EXHAUSTED", save(r2, "one more"),
           "RESOURCE_EXHAUSTED", ["100 saved searches", "lead search rm"])
    fills = [save(None, "t%02d" % i, team="B") for i in range(100)]
    bad = [r for r in pipeline(mB, fills) if r.code]
    record("caps: 100 searches of one team saved", not bad, str(bad[:1]))
    expect(pb, "caps: the 101st of a team is RESOURCE_EXHAUSTED", save(mB, "t100", team="B"),
           "RESOURCE_EXHAUSTED", ["team B", "100 saved searches"])
    expect(pb, "caps: the manager's own searches count apart", save(mB, "mine"), "OK")
    rm(r2, "p00")
    r = save(r2, "big", tags=big_tags(40))
    expect(pb, "caps: a search of more than 2048 bytes is INVALID_ARGUMENT", r,
           "INVALID_ARGUMENT", ["2048"])
    expect(pb, "caps: one just under fits", save(r2, "big", tags=big_tags(30)), "OK")
    fills = [lambda q, i=i: setattr(q.search_rm, "name", "t%02d" % i) for i in range(100)]
    bad = [r for r in pipeline(mB, fills) if r.code]
    record("caps: the team's searches removed", not bad, str(bad[:1]))
    rm(mB, "mine")
    fills = [lambda q, i=i: setattr(q.search_rm, "name", "p%02d" % i) for i in range(1, 100)]
    bad = [r for r in pipeline(r2, fills) if r.code]
    rm(r2, "big")
    record("caps: the user's searches removed, and their pins with them",
           not bad and listing(r2) == [], str(bad[:1] or listing(r2)))
    r2.close()
    mB.close()


def case_moved(pb, d, admin):
    mA, r4 = login(pb, d, "mA"), login(pb, d, "r4")
    save(mA, "A-board", team="A")
    save(r4, "own-one")
    pin(r4, "A-board")
    pin(r4, "own-one")
    record("moved: before the move r4 sees and pins A's search",
           listing(r4) == [("A-board", "A", 1), ("own-one", None, 2)], str(listing(r4)))
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "r4"),
                              setattr(q.user_edit, "team", "B")), "move r4 to B")
    record("moved: on the open connection the old team's search is gone, positions close up",
           listing(r4) == [("own-one", None, 1)], str(listing(r4)))
    expect(pb, "moved: editing it is NOT_FOUND", edit(r4, "A/A-board", desc=True), "NOT_FOUND")
    expect(pb, "moved: pinning it is NOT_FOUND", pin(r4, "A-board"), "NOT_FOUND")
    expect(pb, "moved: a name of A's is free for r4 now", save(r4, "a-board"), "OK")
    expect(pb, "moved: a pin change", pin(r4, "a-board"), "OK")
    rm(r4, "a-board")
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "r4"),
                              setattr(q.user_edit, "team", "A")), "move r4 back to A")
    lst = listing(r4)
    record("moved: back in A, the old pin was dropped at the pin change",
           lst == [("own-one", None, 1), ("A-board", "A", 0)], str(lst))
    rm(r4, "own-one")
    rm(mA, "A-board")
    mA.close()
    r4.close()


def case_list_budget(pb, binary, tmp):
    """Six teams of 100 searches of ~1.9 KB: 1.1 MB, more than one answer."""
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port, ADMIN, ADMIN_PASSWORD, timeout=120)
        add_user(admin, "rx", pb.ROLE_REP, password=PW)
        for t in range(6):
            add_team(admin, "T%d" % t)
            fills = [save(None, "s%02d" % i, team="T%d" % t, tags=big_tags(30))
                     for i in range(100)]
            bad = [r for r in pipeline(admin, fills) if r.code]
            if bad:
                record("budget: setup", False, bad[0].message)
                return
        ok_call(admin, lambda q: (setattr(q.user_edit, "name", "rx"),
                                  setattr(q.user_edit, "team", "T0")), "rx to T0")
        r = admin.call(lambda q: q.search_list.SetInParent())
        expect(pb, "budget: a list of 1.1 MB is RESOURCE_EXHAUSTED, not cut short", r,
               "RESOURCE_EXHAUSTED", ["more than one answer holds", "lead search rm"])
        rx = Client(pb, d.port, "rx", PW)
        record("budget: a rep of one of those teams lists its 100", len(names(rx)) == 100)
        rx.close()
        fills = [lambda q, i=i: setattr(q.search_rm, "name", "T5/s%02d" % i) for i in range(100)]
        pipeline(admin, fills)
        fills = [lambda q, i=i: setattr(q.search_rm, "name", "T4/s%02d" % i) for i in range(100)]
        pipeline(admin, fills)
        record("budget: with 400 the admin's list fits again", len(names(admin)) == 400)
        admin.close()
    finally:
        results.stop_and_verify(d, "budget leadd")


def be64(n):
    return struct.pack(">Q", n)


def case_verify_damage(pb, binary, tmp, proto_dir):
    """verify's oracle can fail: a pin to a missing search, a lost id entry."""
    import lmdb
    subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", tmp,
                    os.path.join(proto_dir, "leadd_store.proto")], check=True)
    sys.path.insert(0, tmp)
    import leadd_store_pb2
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port, ADMIN, ADMIN_PASSWORD)
        save(admin, "kept")
        pin(admin, "kept")
        admin_id = admin.user.id
        admin.close()
    finally:
        results.stop_and_verify(d, "damage leadd")
    for what, damage, words in (
            ("a pin to a search that does not exist", "pin", "pinned search 999"),
            ("a search without its id entry", "id", "not found by its id")):
        copy = os.path.join(tmp, "copy-" + damage)
        shutil.copytree(d.data, copy)
        env = lmdb.open(copy, max_dbs=64, map_size=1 << 30)
        db = env.open_db(b"searches")
        with env.begin(write=True) as txn:
            if damage == "pin":
                p = leadd_store_pb2.SearchPinsRecord()
                p.ParseFromString(txn.get(b"p" + be64(admin_id), db=db))
                p.search_ids.append(999)
                txn.put(b"p" + be64(admin_id), p.SerializeToString(), db=db)
            else:
                for k, _ in list(txn.cursor(db=db)):
                    if k[:1] == b"i":
                        txn.delete(k, db=db)
        env.close()
        out = subprocess.run([binary, "verify", "--data-dir", copy], stdout=subprocess.PIPE,
                             universal_newlines=True)
        record("verify finds %s" % what, out.returncode == 1 and words in out.stdout,
               out.stdout[-500:])


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        main_dir = os.path.join(tmp, "main")
        os.makedirs(main_dir)
        d = Leadd(binary, main_dir).start()
        try:
            admin = Client(pb, d.port, ADMIN, ADMIN_PASSWORD, timeout=120)
            setup(pb, admin)
            for case in (case_own, case_names, case_team, case_pins, case_caps, case_moved):
                try:
                    case(pb, d, admin)
                except Exception as e:  # a broken case must not hide the others
                    record(case.__name__, False, "raised %s: %s" % (type(e).__name__, e))
            admin.close()
        finally:
            results.stop_and_verify(d, "main leadd")
        for case in (case_list_budget, case_verify_damage):
            sub = os.path.join(tmp, case.__name__)
            os.makedirs(sub)
            try:
                if case is case_verify_damage:
                    case(pb, binary, sub, proto_dir)
                else:
                    case(pb, binary, sub)
            except Exception as e:
                record(case.__name__, False, "raised %s: %s" % (type(e).__name__, e))
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
