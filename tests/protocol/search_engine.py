#!/usr/bin/python3
"""The search engine behind lead_list (issue 9), against a real leadd.

- Every filter (statuses by name, prefix and class word; mine; owners; team;
  pool; client; tags; query words; value range; created/updated/next-action
  times; no next action; idle; source), alone and combined, each sort with
  and without desc, paged 7 at a time, as the admin, a manager and a rep,
  equals a brute-force reference computed here from every lead the admin
  lists; and what a manager or rep lists is exactly what they can read one
  by one with lead_get (visibility identical to `lead show`).
- Paging a sorted listing while another connection edits and creates leads
  returns every lead that existed when paging began exactly once, and none
  created after; reply.revision stays the revision paging began at.
- Bad requests get sentences for people: a cursor that is not one, a
  cursor of another listing, an ambiguous status prefix (naming the
  candidates), an unknown status, user or team, a value bound without a
  currency, contradictory next-action filters, a saved search with a filter.
- Latency: with 100,000 leads in another team's pool, a manager's pages stay
  fast, and while the admin runs a query that walks all of them, a ping on
  another connection is answered within a few ms (the query yields); on the
  query's own connection, later requests are answered after it, in order.
  Each of the two timings is made again while over its bound, up to three
  times (timed_tries: the machine is shared). SEARCH_LATENCY_LEADS,
  SEARCH_PAGE_BOUND_MS and SEARCH_PING_BOUND_MS override the 100,000 leads
  and the 50 ms and 20 ms bounds.

Usage: search_engine.py LEADD_BINARY PROTO_DIR
Ends with leadd stopped (SIGTERM, exit 0) and `leadd verify` passing.
"""
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import PingSampler  # noqa: E402
from leadd_harness import give_reason  # noqa: E402
from leadd_harness import Client, Results, add_team, add_user, run_test  # noqa: E402
from leadd_harness import ok_call, pipeline, timed_tries  # noqa: E402

PW = "search-pw-1"
results = Results()
record = results.record
rnd = random.Random(9)

WORDS = ["acme", "boat", "boutique", "delta", "harbor", "lefevre", "zeta", "blue", "bolt"]
TAGS = ["hot", "cold", "vip", "q4"]
SOURCES = ["web", "fair", "referral"]
CLIENTS = ["Acme Corp", "Blue Harbor", "Delta Ltd", None]


def lst(c, flt=None, sort=0, desc=False, limit=None, cursor=None, saved=None):
    def fill(q):
        q.lead_list.SetInParent()
        if flt is not None:
            q.lead_list.filter.CopyFrom(flt)
        if sort:
            q.lead_list.sort = sort
        if desc:
            q.lead_list.desc = True
        if limit:
            q.lead_list.limit = limit
        if cursor:
            q.lead_list.cursor = cursor
        if saved:
            q.lead_list.saved_search = saved
    return c.call(fill)


def list_all(c, flt=None, sort=0, desc=False, limit=7):
    out, cursor, revs = [], None, set()
    for _ in range(10000):
        r = lst(c, flt, sort, desc, limit, cursor)
        if r.code != 0:
            raise RuntimeError("lead_list: %d %s" % (r.code, r.message))
        out.extend(r.lead_list.leads)
        revs.add(r.lead_list.revision)
        cursor = r.lead_list.cursor
        if not cursor:
            return out, revs
    raise RuntimeError("paging did not end")


# ---- the reference ----

def lead_words(l):
    texts = [l.title, l.client_name]
    for ct in l.contacts:
        texts += [ct.name, ct.email, ct.phone]
    ws = set()
    for t in texts:
        ws.update(re.findall(r"[0-9a-z]+", (t or "").lower()))
    for ct in l.contacts:
        if ct.phone:
            ws.add(re.sub(r"[^0-9]", "", ct.phone))
    return ws


def matches(pb, f, l, ctx):
    if f is None:
        return True
    if f.statuses and l.status_id not in ctx["status_ids"](f.statuses):
        return False
    owners = set(ctx["user_ids"][u] for u in f.owners)
    if f.mine:
        owners = {ctx["self"]} if not f.owners or ctx["self"] in owners else {-1}
    if owners and l.owner_id not in owners:
        return False
    if f.HasField("team") and l.team_id != ctx["team_ids"][f.team]:
        return False
    if f.pool and l.owner_id:
        return False
    if f.HasField("client") and (l.client_name or "").lower() != f.client.lower():
        return False
    if any(t not in [x.lower() for x in l.tags] for t in f.tags):
        return False
    if f.HasField("query"):
        ws = lead_words(l)
        for w in re.findall(r"[0-9a-z]+", f.query.lower()):
            if not any(x.startswith(w) for x in ws):
                return False
    if f.HasField("value_currency"):
        if not l.HasField("value") or l.value.currency != f.value_currency:
            return False
        if f.HasField("value_min") and l.value.amount_minor < f.value_min:
            return False
        if f.HasField("value_max") and l.value.amount_minor > f.value_max:
            return False
    if f.HasField("created_since") and l.created_at < f.created_since:
        return False
    if f.HasField("created_before") and l.created_at >= f.created_before:
        return False
    if f.HasField("updated_since") and l.updated_at < f.updated_since:
        return False
    if f.HasField("next_before") and not (0 < l.next_action_at < f.next_before):
        return False
    if f.no_next and l.next_action_at > 0:
        return False
    if f.HasField("idle_ms") and l.updated_at > ctx["now_ms"]() - f.idle_ms:
        return False
    if f.HasField("source") and l.source.lower() != f.source.lower():
        return False
    return True


def sort_key(pb, sort, l):
    """(has key, key) as the server orders: keyless leads last."""
    if sort == pb.SORT_CREATED:
        return (True, l.created_at)
    if sort == pb.SORT_UPDATED:
        return (True, l.updated_at)
    if sort == pb.SORT_NEXT:
        return (l.next_action_at > 0, l.next_action_at)
    if sort == pb.SORT_VALUE:
        return (l.HasField("value"), (l.value.currency, l.value.amount_minor))
    if sort == pb.SORT_TITLE:
        return (True, " ".join(l.title.lower().split()))
    return (True, 0)


def expected(pb, leads, f, sort, desc, ctx):
    m = [l for l in leads if ctx["visible"](l) and matches(pb, f, l, ctx)]
    with_key = [l for l in m if sort_key(pb, sort, l)[0]]
    without = [l for l in m if not sort_key(pb, sort, l)[0]]
    with_key.sort(key=lambda l: (sort_key(pb, sort, l)[1], l.id), reverse=desc)
    without.sort(key=lambda l: l.id, reverse=desc)
    return [l.id for l in with_key + without]


def main():
    run_test(results, "search engine", run)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "north", pool_visible=True)
    add_team(admin, "south")
    add_user(admin, "mia", pb.ROLE_MANAGER, "north", PW)
    add_user(admin, "ron", pb.ROLE_REP, "north", PW)
    add_user(admin, "rita", pb.ROLE_REP, "north", PW)
    add_user(admin, "sam", pb.ROLE_MANAGER, "south", PW)
    add_user(admin, "sue", pb.ROLE_REP, "south", PW)
    for team, mgr in (("north", "mia"), ("south", "sam")):
        def fill(q, team=team, mgr=mgr):
            q.team_edit.name = team
            q.team_edit.managers.items.extend([mgr])
        ok_call(admin, fill, "team_edit managers")
    users = {u.name: u for u in ok_call(admin, lambda q: q.user_list.SetInParent(),
                                        "user_list").user_list.users}
    teams = {t.name: t for t in ok_call(admin, lambda q: q.team_list.SetInParent(),
                                        "team_list").team_list.teams}
    statuses = ok_call(admin, lambda q: q.status_list.SetInParent(),
                       "status_list").status_list.statuses
    now = int(time.time() * 1000)

    # ---- a few hundred varied leads ----
    def create_fill(i):
        def fill(q):
            c = q.lead_create
            c.title = "%s %s %d" % (rnd.choice(WORDS).capitalize(), rnd.choice(WORDS), i)
            who = rnd.choice(["mia", "ron", "rita", "sam", "sue", None, None])
            if who:
                c.owner = who
            else:
                c.team = rnd.choice(["north", "south"])
            cl = rnd.choice(CLIENTS)
            if cl:
                c.client_name = cl
            c.tags.extend(rnd.sample(TAGS, rnd.randint(0, 2)))
            if rnd.random() < 0.6:
                c.value.currency = rnd.choice(["EUR", "USD"])
                c.value.amount_minor = rnd.randint(0, 100000)
            c.source = rnd.choice(SOURCES)
            if rnd.random() < 0.6:
                c.next_action_at = now + rnd.randint(-5, 5) * 86400000
            if rnd.random() < 0.5:
                ct = c.contacts.add()
                ct.name = "Ana %s" % rnd.choice(WORDS)
                ct.email = "ana.%s@example.org" % rnd.choice(WORDS)
                ct.phone = "+33 1 %02d %02d" % (rnd.randint(0, 99), rnd.randint(0, 99))
        return fill
    ans = pipeline(admin, [create_fill(i) for i in range(400)])
    ids = [a.lead.lead.id for a in ans if a.code == 0]
    record("400 varied leads created", len(ids) == 400)
    # Status changes (so every class has leads), and one accented title.
    def status_fill(lid, sid):
        return lambda q: (setattr(q.lead_set_status, "id", lid),
                          setattr(q.lead_set_status, "status_id", sid),
                          give_reason(q.lead_set_status))
    pipeline(admin, [status_fill(i, rnd.choice(statuses).id) for i in ids[::2]])
    ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Maison Lefèvre"),
                              setattr(q.lead_create, "team", "north")), "accented lead")
    created_end = int(time.time() * 1000)
    # A later batch of edits, so idle and updated_since have a clear gap.
    # An idle filter is idle_ms = (when it is asked) - touch_start, and
    # leadd takes each page's own now from it: its edge moves on with the
    # paging, and the touched leads count as idle once a listing's pages
    # take longer than the gap (with the edge 1 s into a 2 s gap, a slow
    # machine's 58 pages of 7 could). The edge starts just after the last
    # untouched change, so the paging has the whole gap.
    time.sleep(3.0)
    touched = rnd.sample(ids, 60)
    def touch(lid):
        return lambda q: (setattr(q.lead_update, "id", lid),
                          setattr(q.lead_update, "description", "touched"))
    pipeline(admin, [touch(i) for i in touched])
    touch_start = created_end + 1

    leads = {l.id: l for l in list_all(admin, limit=1000)[0]}
    leads_l = list(leads.values())
    record("admin lists every lead", len(leads) == 401, "%d" % len(leads))

    status_by_name = {s.name: s for s in statuses}
    class_of = {"new": pb.KPI_NEW, "qualified": pb.KPI_QUALIFIED, "dead": pb.KPI_DEAD,
                "prospect": pb.KPI_PROSPECT, "won": pb.KPI_WON, "lost": pb.KPI_LOST}

    def status_ids(items):
        out = set()
        for it in items:
            if it.lower() in class_of:
                out |= {s.id for s in statuses if s.kpi_class == class_of[it.lower()]}
            else:
                exact = [s for s in statuses if s.name.lower() == it.lower()]
                pre = [s for s in statuses if s.name.lower().startswith(it.lower())]
                out |= {(exact or pre)[0].id}
        return out

    def ctx_for(name):
        u = users[name]
        if u.role == pb.ROLE_ADMIN:
            vis = lambda l: True  # noqa: E731
        elif u.role == pb.ROLE_MANAGER:
            mteams = {t.id for t in teams.values() if name in t.manager_names} | {u.team_id}
            vis = lambda l: l.owner_id == u.id or l.team_id in mteams  # noqa: E731
        else:
            pool = teams_by_id[u.team_id].pool_visible
            vis = lambda l: l.owner_id == u.id or (  # noqa: E731
                l.owner_id == 0 and pool and l.team_id == u.team_id)
        return {"self": u.id, "visible": vis, "status_ids": status_ids,
                "user_ids": {n: x.id for n, x in users.items()},
                "team_ids": {n: t.id for n, t in teams.items()},
                "now_ms": lambda: int(time.time() * 1000)}
    teams = {t.name: t for t in ok_call(admin, lambda q: q.team_list.SetInParent(),
                                        "team_list").team_list.teams}
    teams_by_id = {t.id: t for t in teams.values()}

    def F(**kw):
        f = pb.LeadFilter()
        for k, v in kw.items():
            if isinstance(v, list):
                getattr(f, k).extend(v)
            else:
                setattr(f, k, v)
        return f

    filters = [
        ("no filter", None),
        ("status by name", F(statuses=["lead-Qualified"])),
        ("status by prefix", F(statuses=["CUST"])),
        ("status by class words", F(statuses=["new", "won"])),
        ("mine", F(mine=True)),
        ("owners", F(owners=["ron", "mia"])),
        ("team", F(team="north")),
        ("pool", F(pool=True)),
        ("pool of a team", F(pool=True, team="north")),
        ("client", F(client="acme corp")),
        ("unknown client", F(client="Nobody Inc")),
        ("tags (all)", F(tags=["hot", "vip"])),
        ("query one word prefix", F(query="bo")),
        ("query two words", F(query="Harbor ac")),
        ("query email and phone words", F(query="ana example")),
        ("value range", F(value_currency="EUR", value_min=20000, value_max=70000)),
        ("value currency only", F(value_currency="USD")),
        ("created since/before", F(created_since=now - 1, created_before=created_end + 1)),
        ("updated since", F(updated_since=touch_start)),
        ("next before", F(next_before=now)),
        ("no next", F(no_next=True)),
        ("idle", F(idle_ms=int(time.time() * 1000) - touch_start)),
        ("source", F(source="FAIR")),
        ("combined", F(statuses=["new", "qualified"], team="north", query="b",
                       value_currency="EUR")),
        ("combined owner+status", F(owners=["ron"], statuses=["lead-new"])),
    ]
    def refused(pb, who, f):
        """A user or team outside the caller's teams is not found for them."""
        u = users[who]
        if f is None or u.role == pb.ROLE_ADMIN:
            return False
        mine = {t.id for t in teams.values() if who in t.manager_names} | {u.team_id}
        return any(users[o].team_id not in mine for o in f.owners) or (
            f.HasField("team") and teams[f.team].id not in mine)
    who_all = [("admin", admin), ("mia", Client(pb, d.port, "mia", PW)),
               ("ron", Client(pb, d.port, "ron", PW)), ("sue", Client(pb, d.port, "sue", PW))]
    for who, c in who_all:
        ctx = ctx_for(who)
        for name, f in filters:
            for sort in (pb.SORT_ID, pb.SORT_CREATED, pb.SORT_UPDATED, pb.SORT_VALUE,
                         pb.SORT_NEXT, pb.SORT_TITLE):
                for desc in (False, True):
                    if name not in ("no filter", "combined", "team", "mine") and (
                            sort != pb.SORT_ID and (sort + desc) % 3):
                        continue  # every sort for some filters; a sample for others
                    if name == "idle":
                        f.idle_ms = int(time.time() * 1000) - touch_start
                    if refused(pb, who, f):
                        r = lst(c, f, sort, desc)
                        record("%s: %s is not found for them" % (who, name),
                               r.code == pb.NOT_FOUND, r.message)
                        break
                    want = expected(pb, leads_l, f, sort, desc, ctx)
                    got, revs = list_all(c, f, sort, desc)
                    ok = [l.id for l in got] == want
                    record("%s: %s, sort %d%s" % (who, name, sort, " desc" if desc else ""),
                           ok, "" if ok else "got %d leads, expected %d" % (len(got), len(want)))
    # Visibility identical to lead_get.
    for who, c in who_all[1:]:
        listed = {l.id for l in list_all(c, limit=1000)[0]}
        readable = set()
        for a in pipeline(c, [lambda q, i=i: setattr(q.lead_get, "id", i) for i in leads]):
            if a.code == 0:
                readable.add(a.lead.lead.id)
        record("%s lists exactly the leads they can read" % who, listed == readable,
               "%d listed, %d readable" % (len(listed), len(readable)))
    # Accents and case fold in queries.
    got = [l.title for l in list_all(admin, F(query="MAISON lefèvre"))[0]]
    record("query folds accents and case", got == ["Maison Lefèvre"], repr(got))

    errors(pb, admin, who_all[1][1], F)
    stable_paging(pb, d, admin, F)
    latency(pb, d, admin, who_all[1][1])


def errors(pb, admin, mia, F):
    def bad(name, r, code, words):
        msg = r.message
        ok = r.code == code and all(w in msg for w in words) and not re.search(
            r"lead_list|value_min|value_currency|filter\.|_ms\b", msg)
        record("refused: " + name, ok, "%d %s" % (r.code, msg))
    bad("a cursor that is not one", lst(admin, cursor="c2.zz"), pb.INVALID_ARGUMENT,
        ["cursor"])
    bad("an old-style cursor", lst(admin, cursor="c1.10"), pb.INVALID_ARGUMENT, ["cursor"])
    r = lst(admin, F(team="north"), limit=2)
    bad("a cursor of another listing",
        lst(admin, F(team="south"), limit=2, cursor=r.lead_list.cursor),
        pb.INVALID_ARGUMENT, ["another listing", "start again"])
    bad("a cursor with another sort",
        lst(admin, F(team="north"), sort=pb.SORT_TITLE, limit=2, cursor=r.lead_list.cursor),
        pb.INVALID_ARGUMENT, ["another listing"])
    bad("an ambiguous status prefix", lst(admin, F(statuses=["lead-"])), pb.INVALID_ARGUMENT,
        ["ambiguous", "lead-New", "lead-Qualified", "lead-Dead"])
    bad("an unknown status", lst(admin, F(statuses=["frozen"])), pb.NOT_FOUND, ["frozen"])
    bad("an unknown user", lst(admin, F(owners=["nobody"])), pb.NOT_FOUND,
        ["no user 'nobody'"])
    bad("a user outside a manager's teams", lst(mia, F(owners=["sue"])), pb.NOT_FOUND,
        ["no user 'sue' in your teams"])
    bad("a team not the manager's", lst(mia, F(team="south")), pb.NOT_FOUND, ["south"])
    bad("a value bound without currency", lst(admin, F(value_min=5)), pb.INVALID_ARGUMENT,
        ["currency"])
    bad("an unknown currency", lst(admin, F(value_currency="EUX")), pb.INVALID_ARGUMENT,
        ["EUX"])
    bad("min above max", lst(admin, F(value_currency="EUR", value_min=9, value_max=1)),
        pb.INVALID_ARGUMENT, ["above"])
    bad("no next and next before", lst(admin, F(no_next=True, next_before=5)),
        pb.INVALID_ARGUMENT, ["next action"])
    bad("a query without words", lst(admin, F(query="!!")), pb.INVALID_ARGUMENT, ["words"])
    bad("a saved search with a filter", lst(admin, F(pool=True), saved="mine"),
        pb.INVALID_ARGUMENT, ["saved search"])
    bad("a page over 1000", lst(admin, limit=1001), pb.INVALID_ARGUMENT, ["1000"])


def stable_paging(pb, d, admin, F):
    """Page by updated (and by value) while another client edits and creates."""
    writer = Client(pb, d.port)
    for sort in (pb.SORT_UPDATED, pb.SORT_VALUE, pb.SORT_TITLE):
        before = {l.id for l in list_all(admin, limit=1000)[0]}
        seen, cursor, revs, new = [], None, set(), set()
        while True:
            r = lst(admin, None, sort, False, 20, cursor)
            if r.code != 0:
                record("paging while others write: sort %d" % sort, False, r.message)
                return
            seen.extend(l.id for l in r.lead_list.leads)
            revs.add(r.lead_list.revision)
            cursor = r.lead_list.cursor
            if not cursor:
                break
            edits = []
            for lid in rnd.sample(sorted(before), 8):
                def fill(q, lid=lid):
                    q.lead_update.id = lid
                    q.lead_update.title = "%s moved %d" % (rnd.choice(WORDS), rnd.randint(0, 9))
                    q.lead_update.value.currency = "EUR"
                    q.lead_update.value.amount_minor = rnd.randint(0, 100000)
                edits.append(fill)
            edits.append(lambda q: (setattr(q.lead_create, "title", "fresh"),
                                    setattr(q.lead_create, "team", "north")))
            for a in pipeline(writer, edits):
                if a.code == 0 and a.lead.lead.title == "fresh":
                    new.add(a.lead.lead.id)
        counts = {}
        for i in seen:
            counts[i] = counts.get(i, 0) + 1
        ok = all(counts.get(i) == 1 for i in before) and not (set(counts) & new) and \
            len(revs) == 1
        record("paging sort %d while others write: every old lead once, no new one" % sort,
               ok, "%d old, %d seen, dup %d, new %d, revisions %d" % (
                   len(before), len(seen), sum(1 for v in counts.values() if v > 1),
                   len(set(counts) & new), len(revs)))
    writer.close()


def latency(pb, d, admin, mia):
    n = int(os.environ.get("SEARCH_LATENCY_LEADS", "100000"))
    t0 = time.time()
    def fill(q):
        q.lead_create.title = "south bulk"
        q.lead_create.team = "south"
    done = 0
    while done < n:
        k = min(5000, n - done)
        ans = pipeline(admin, [fill] * k, window=500)
        if any(a.code != 0 for a in ans):
            record("bulk create", False, ans[0].message)
            return
        done += k
    record("%d leads of another team created" % n, True, "%.1f s" % (time.time() - t0))
    bound = float(os.environ.get("SEARCH_PAGE_BOUND_MS", "50")) / 1000

    def pages():
        worst = 0.0
        for _ in range(20):
            t = time.time()
            r = lst(mia, limit=50)
            worst = max(worst, time.time() - t)
            assert r.code == 0
        return worst < bound, "worst %.1f ms" % (worst * 1000)
    # A page that walked the invisible leads is slow on every try; one slow
    # page of 20 is the shared machine (timed_tries measures again).
    timed_tries(record, "a manager's page with %d invisible leads stays under %d ms"
                % (n, bound * 1000), pages)
    # A query that walks every lead (a range, no index drives it), while
    # another connection pings.
    pinger = Client(pb, d.port)
    ping_bound = float(os.environ.get("SEARCH_PING_BOUND_MS", "20")) / 1000
    answers = []

    def pings_during_walk():
        with PingSampler(pinger, gap=0.002) as p:
            time.sleep(0.05)
            t = time.time()
            r = lst(admin, pb.LeadFilter(created_before=1), limit=10)
            long_ms = (time.time() - t) * 1000
            time.sleep(0.05)
        answers.append((r, long_ms))
        lat = sorted(p.lat)
        worst = lat[-1] if lat else 1
        return (len(lat) > 5 and worst < ping_bound,
                "a %.0f ms query, %d pings, worst %.1f ms, median %.1f ms"
                % (long_ms, len(lat), worst * 1000, lat[len(lat) // 2] * 1000 if lat else 0))
    # A query holding the loop delays every ping of every try by its whole
    # walk; a ping that waited for the machine is one of hundreds, once.
    timed_tries(record, "pings during a query that walks %d leads answered within %d ms"
                % (n, ping_bound * 1000), pings_during_walk)
    record("the long query answers (nothing matches), each time",
           all(r.code == 0 and not r.lead_list.leads for r, _ in answers),
           ", ".join("%.0f ms" % ms for _, ms in answers))
    pinger.close()
    # On the query's own connection, what follows it (a ping, an edit)
    # waits for it: the answers come in order.
    one = list_all(mia, limit=1000)[0][0]
    lid, ver = one.id, one.version
    fills = [lambda q: (q.lead_list.filter.CopyFrom(pb.LeadFilter(created_before=1)),
                        setattr(q.lead_list, "limit", 10)),
             lambda q: q.ping.SetInParent(),
             lambda q: (setattr(q.lead_update, "id", lid),
                        setattr(q.lead_update, "expected_version", ver),
                        setattr(q.lead_update, "description", "after the query"))]
    first = admin.next_id
    ans = pipeline(admin, fills)
    record("a slow query's connection answers in order",
           [a.id for a in ans] == [first, first + 1, first + 2] and
           all(a.code == 0 for a in ans), repr([(a.id, a.code) for a in ans]))


if __name__ == "__main__":
    main()
