#!/usr/bin/python3
"""Tags (issue 10): lead_tag, tag_list and the write core's tag names,
against a real leadd on 127.0.0.1.

Usage: tag_behaviour.py LEADD_BINARY PROTO_DIR

Checks: a tag keeps the case first written on any lead (lead_create,
lead_update, lead_tag), matches case-insensitively (lead_tag add/rm, the
lead_list tag filter), tags folding alike on one lead are dropped (the first
stays); names are never forgotten (a tag removed everywhere comes back in
its first case); lead_tag no-ops keep the version; add and remove of one tag
refused; tags that are empty, too long, or too long once folded refused;
a new tag written on two leads at once (one spelling for both); the 50-tag
cap (refused, nothing written); tag_list counts per role (admin
all, a manager their teams, a rep their own and a visible pool), tags with
no visible lead left out, in folded-name order; a long tag_list yields (a
ping on another connection is answered meanwhile) and agrees with a count of
the leads; tag_list while the rep's team changes (the rep's own leads, and
the managers of both teams, see the right counts once the move is done).
Ends with `leadd verify` passing."""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import PingSampler  # noqa: E402
from leadd_harness import (Client, Leadd, Results, add_team, add_user, load_pb,  # noqa: E402
                           ok_call, pipeline, send_together)

res = Results()
PW = "tag-pw-1"


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            run(pb, d)
        finally:
            res.stop_and_verify(d, "tag_behaviour")
    return res.summary()


def run(pb, d):
    admin = Client(pb, d.port, timeout=300)
    add_team(admin, "A", pool_visible=True)
    add_team(admin, "B")
    add_user(admin, "mA", pb.ROLE_MANAGER, team="A", password=PW)
    add_user(admin, "mB", pb.ROLE_MANAGER, team="B", password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                              q.team_edit.managers.items.append("mA")), "managers A")
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "B"),
                              q.team_edit.managers.items.append("mB")), "managers B")
    add_user(admin, "r1", pb.ROLE_REP, team="A", password=PW)
    add_user(admin, "r2", pb.ROLE_REP, team="A", password=PW)
    r1 = Client(pb, d.port, user="r1", password=PW)
    mA = Client(pb, d.port, user="mA", password=PW)
    mB = Client(pb, d.port, user="mB", password=PW)

    def create(c, title, tags=(), owner=None, team=None):
        def fill(q):
            q.lead_create.title = title
            q.lead_create.tags.extend(tags)
            if owner:
                q.lead_create.owner = owner
            if team:
                q.lead_create.team = team
        return c.call(fill)

    def get(lid):
        return ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead

    def tag(c, lid, add=(), rm=(), version=None):
        def fill(q):
            q.lead_tag.id = lid
            q.lead_tag.add.extend(add)
            q.lead_tag.rm.extend(rm)
            if version is not None:
                q.lead_tag.expected_version = version
        return c.call(fill)

    def counts(c):
        r = ok_call(c, lambda q: q.tag_list.SetInParent(), "tag_list")
        return [(t.name, t.count) for t in r.tag_list.tags]

    def expect(what, r, code, contains=None):
        ok = r.code == code and (contains is None or contains in r.message)
        res.record(what, ok, "%s %r" % (pb.Code.Name(r.code), r.message))

    def by_tag(c, word):
        def fill(q):
            q.lead_list.limit = 1000
            q.lead_list.filter.tags.append(word)
        return sorted(l.id for l in ok_call(c, fill, "lead_list").lead_list.leads)

    # ---- names: first case kept, alike dropped ----
    a = create(r1, "Spring TV campaign", ["Carat", "TV"]).lead.lead
    b = create(r1, "Summer radio", ["CARAT", "radio", "carat", "Radio"]).lead.lead
    res.record("a tag takes the case first written on any lead",
               list(b.tags) == ["Carat", "radio"], str(list(b.tags)))
    res.record("lead_list --tag matches in any case",
               by_tag(r1, "cArAt") == sorted([a.id, b.id]))
    r = tag(r1, a.id, add=["carat"])
    res.record("lead_tag add of a tag the lead has (other case): no-op, version kept",
               r.code == pb.OK and r.lead.lead.version == a.version and
               list(r.lead.lead.tags) == ["Carat", "TV"])
    r = tag(r1, a.id, rm=["nothere"])
    res.record("lead_tag rm of a tag the lead lacks: no-op, version kept",
               r.code == pb.OK and r.lead.lead.version == a.version)
    r = tag(r1, a.id, add=["agency", "AGENCY", "Radio"], rm=["tv"])
    res.record("lead_tag adds (first case, alike dropped) and removes case-insensitively",
               r.code == pb.OK and list(r.lead.lead.tags) == ["Carat", "agency", "radio"]
               and r.lead.lead.version > a.version, str(list(r.lead.lead.tags)))
    v = r.lead.lead.version
    r = tag(r1, a.id, add=["x"], rm=["X"])
    expect("adding and removing one tag: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT,
           "both added and removed")
    r = tag(r1, a.id)
    expect("lead_tag with nothing: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT,
           "say which tags")
    r = tag(r1, a.id, add=["y"], version=v - 1)
    expect("lead_tag on a stale version: ABORTED", r, pb.ABORTED, "changed since version")
    r = tag(r1, a.id, add=["   "])
    expect("a blank tag: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT,
           "the tag to add '   ' is empty (only spaces or invisible characters)")
    r = tag(r1, a.id, add=["\u200b"])
    expect("a tag of only a zero-width space: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT,
           "is empty (only spaces or invisible characters)")
    r = tag(r1, a.id, add=["t" * 65])
    expect("a tag of 65 bytes: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT)
    r = tag(r1, a.id, add=["\ufdfa" * 21])
    expect("a tag that is too long once folded (NFKC expands it): INVALID_ARGUMENT",
           r, pb.INVALID_ARGUMENT, "too long once its letters are normalised")
    r = create(r1, "folded too long", ["\ufdfa" * 21])
    expect("lead_create with that tag: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT,
           "tag 1 is too long once its letters are normalised")
    r = create(r1, "blank tag", ["ok", " "])
    expect("lead_create with a blank tag: INVALID_ARGUMENT naming it", r, pb.INVALID_ARGUMENT,
           "tag 2 is empty (only spaces or invisible characters)")
    r = tag(r1, a.id, add=["bell\x07"])
    expect("a control character in a tag: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT)
    res.record("nothing written by the refused requests", get(a.id).version == v)

    def upd(lid, tags):
        def fill(q):
            q.lead_update.id = lid
            q.lead_update.expected_version = get(lid).version
            q.lead_update.tags.items.extend(tags)
        return r1.call(fill)
    r = upd(b.id, ["AGENCY", "new-One", "NEW-one"])
    res.record("lead_update's tags: first case, alike dropped",
               r.code == pb.OK and list(r.lead.lead.tags) == ["agency", "new-One"],
               str(list(r.lead.lead.tags)))

    # Names are never removed: gone from every lead, the first case returns.
    tag(r1, a.id, rm=["carat"])
    upd(b.id, ["agency"])
    res.record("a tag on no lead is not listed", "Carat" not in dict(counts(admin)))
    c = create(r1, "Autumn print", ["CARAT"]).lead.lead
    res.record("a tag used again keeps its first case", list(c.tags) == ["Carat"],
               str(list(c.tags)))

    # Two leads tagged at once with one new tag in two spellings: whichever
    # the writer runs first names it, and both carry that name.
    other = Client(pb, d.port, user="r1", password=PW)
    send_together(r1, [lambda q: (setattr(q.lead_create, "title", "fresh 1"),
                                  q.lead_create.tags.append("Fresh"))])
    send_together(other, [lambda q: (setattr(q.lead_create, "title", "fresh 2"),
                                     q.lead_create.tags.append("FRESH"))])
    x, y = r1.recv(), other.recv()
    res.record("a new tag written twice at once: both leads carry one spelling",
               x.code == y.code == pb.OK and list(x.lead.lead.tags) == list(y.lead.lead.tags)
               and x.lead.lead.tags[0] in ("Fresh", "FRESH"),
               "%s / %s" % (list(x.lead.lead.tags), list(y.lead.lead.tags)))
    other.close()

    # ---- the 50 cap ----
    cap = create(r1, "tag cap", ["t%d" % i for i in range(50)]).lead.lead
    r = tag(r1, cap.id, add=["t51"])
    expect("a 51st tag: FAILED_PRECONDITION", r, pb.FAILED_PRECONDITION,
           "would have 51 tags; a lead has at most 50")
    res.record("nothing written by it", get(cap.id).version == cap.version)
    r = tag(r1, cap.id, add=["t51", "T0"], rm=["t1"])
    res.record("50 after removing one and adding one (the existing T0 is a no-op)",
               r.code == pb.OK and len(r.lead.lead.tags) == 50 and r.lead.lead.tags[-1] == "t51")

    # ---- tag_list per role ----
    lead_ids = {}
    lead_ids["r2"] = create(admin, "r2's", ["Shared", "OnlyR2"], owner="r2").lead.lead.id
    lead_ids["poolA"] = create(admin, "pool A", ["Shared", "PoolTag"], team="A").lead.lead.id
    lead_ids["poolB"] = create(admin, "pool B", ["Shared", "OnlyB"], team="B").lead.lead.id
    lead_ids["r1"] = create(r1, "r1's", ["shared"]).lead.lead.id
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                              setattr(q.team_edit, "pool_visible", True)), "pool visible")
    want_r1 = {"Shared": 2, "PoolTag": 1, "Carat": 1, "agency": 2}
    got = dict(counts(r1))
    res.record("tag_list as a rep: own leads and the visible pool",
               all(got.get(k) == v for k, v in want_r1.items()) and "OnlyR2" not in got
               and "OnlyB" not in got, str(got))
    got = dict(counts(mA))
    res.record("tag_list as a manager: the team's leads and pool",
               got.get("Shared") == 3 and got.get("OnlyR2") == 1 and "OnlyB" not in got, str(got))
    got = dict(counts(admin))
    res.record("tag_list as an admin: every lead", got.get("Shared") == 4 and
               got.get("OnlyB") == 1, str(got))
    names = [n for n, _ in counts(admin)]
    res.record("tag_list is in folded-name order",
               names == sorted(names, key=lambda s: s.casefold()), str(names[:8]))
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                              setattr(q.team_edit, "pool_visible", False)), "pool hidden")
    got = dict(counts(r1))
    res.record("a hidden pool's tags are not counted for a rep",
               got.get("Shared") == 1 and "PoolTag" not in got, str(got))

    # ---- a long walk: bounded slices, counts against the leads ----
    n = int(os.environ.get("TAG_LIST_LEADS", "20000"))
    tags_of = lambda i: ["bulk", "m%d" % (i % 7)] + (["rare"] if i % 1000 == 1 else [])

    def fill_for(i):
        def fill(q):
            q.lead_create.title = "bulk %d" % i
            q.lead_create.owner = "r1" if i % 2 else "r2"
            q.lead_create.tags.extend(tags_of(i))
        return fill
    t0 = time.time()
    answers = pipeline(admin, [fill_for(i) for i in range(n)])
    res.record("%d tagged leads created" % n, all(x.code == pb.OK for x in answers),
               "%.1f s" % (time.time() - t0))
    bulk_ids = [x.lead.lead.id for x in answers]
    pinger = Client(pb, d.port, user="mB", password=PW)
    with PingSampler(pinger, gap=0) as sampler:
        t0 = time.time()
        got = dict(counts(r1))
        took = time.time() - t0
    slow = sampler.lat
    want_bulk = sum(1 for i in range(n) if i % 2)
    want_m3 = sum(1 for i in range(n) if i % 2 and i % 7 == 3)
    res.record("tag_list over %d tagged leads as a rep agrees with the leads" % n,
               got.get("bulk") == want_bulk and got.get("m3") == want_m3
               and got.get("rare") == sum(1 for i in range(n) if i % 2 and i % 1000 == 1),
               "bulk %s/%d m3 %s/%d in %.2f s" % (got.get("bulk"), want_bulk, got.get("m3"),
                                                   want_m3, took))
    res.record("pings answered while it walked (slowest under 0.5 s)",
               slow and max(slow) < 0.5, "%d pings, slowest %.3f s" %
               (len(slow), max(slow) if slow else -1))
    got = dict(counts(admin))
    res.record("tag_list as an admin: the index's counts",
               got.get("bulk") == n and got.get("m0") == sum(1 for i in range(n) if i % 7 == 0))
    pinger.close()

    # ---- many walks at once: at most 8 hold their state, the others wait
    # ---- and start over; every answer is the whole count ----
    want_mA = dict(counts(mA))
    many = [Client(pb, d.port, user="mA", password=PW, timeout=300) for _ in range(24)]
    for c in many:
        c.send(lambda q: q.tag_list.SetInParent())
    got_many = [c.recv() for c in many]
    res.record("24 tag_lists at once as a manager all answer the whole count",
               all(g.code == pb.OK and dict((t.name, t.count) for t in g.tag_list.tags)
                   == want_mA for g in got_many),
               str(sorted(set(pb.Code.Name(g.code) for g in got_many))))
    for c in many:
        c.close()

    # ---- the rep's leads move teams while tag_list walks ----
    want_r1_bulk = want_bulk
    results = {}

    def walk(name, c):
        results[name] = c.call(lambda q: q.tag_list.SetInParent())
    walkers = [threading.Thread(target=walk, args=(nm, c)) for nm, c in
               (("r1", r1), ("mA", mA), ("mB", mB))]
    for w in walkers:
        w.start()
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "r1"),
                              setattr(q.user_edit, "team", "B")), "move r1 to B")
    for w in walkers:
        w.join()
    rr = results["r1"]
    ok = rr.code == pb.ABORTED and "teams changed" in rr.message or (
        rr.code == pb.OK and dict((t.name, t.count) for t in rr.tag_list.tags).get("bulk")
        == want_r1_bulk)
    res.record("the moved rep's own tag_list: their leads, or ABORTED when their team changed "
               "mid-walk", ok, "%s %r" % (pb.Code.Name(rr.code), rr.message))
    # The managers' rights do not change: each counts r1's leads in team A
    # or in team B as each slice finds them, r2's always in A.
    for nm, lo, hi in (("mA", n - want_bulk, n), ("mB", 0, want_bulk)):
        rr = results[nm]
        got = dict((t.name, t.count) for t in rr.tag_list.tags).get("bulk", 0)
        res.record("%s's tag_list during the move answers, with a count in range" % nm,
                   rr.code == pb.OK and lo <= got <= hi,
                   "%s %d in [%d, %d]" % (pb.Code.Name(rr.code), got, lo, hi))
    r1 = Client(pb, d.port, user="r1", password=PW)
    res.record("after the move: r1 still counts their own leads",
               dict(counts(r1)).get("bulk") == want_r1_bulk)
    res.record("after the move: mA counts only r2's, mB only r1's",
               dict(counts(mA)).get("bulk") == n - want_bulk and
               dict(counts(mB)).get("bulk") == want_r1_bulk,
               "%s %s" % (dict(counts(mA)).get("bulk"), dict(counts(mB)).get("bulk")))
    del bulk_ids

    # ---- the answer's cap: 10,000 tags, `omitted` counts the rest ----
    # 201 leads of r2 with 50 tags each, 60 bytes a name: 10,050 new tags,
    # which sort before every other (digits first), about 0.7 MB listed.
    r2 = Client(pb, d.port, user="r2", password=PW)
    before_admin, before_r2 = len(counts(admin)), len(counts(r2))

    def cap_fill(i):
        def fill(q):
            q.lead_create.title = "many tags %d" % i
            q.lead_create.owner = "r2"
            q.lead_create.tags.extend(["%05d-%s" % (i * 50 + k, "x" * 54) for k in range(50)])
        return fill
    answers = pipeline(admin, [cap_fill(i) for i in range(201)])
    res.record("201 leads of 50 tags", all(x.code == pb.OK for x in answers))
    first = ["%05d-%s" % (j, "x" * 54) for j in range(10000)]
    for who, c, before in (("an admin", admin, before_admin), ("the rep who owns them", r2,
                                                                 before_r2)):
        r = ok_call(c, lambda q: q.tag_list.SetInParent(), "tag_list")
        names = [t.name for t in r.tag_list.tags]
        res.record("tag_list as %s names the first 10,000 tags and how many more" % who,
                   names == first and r.tag_list.omitted == before + 10050 - 10000,
                   "%d listed, %d omitted, %d before" % (len(names), r.tag_list.omitted,
                                                         before))
    r2.close()

if __name__ == "__main__":
    sys.exit(main())
