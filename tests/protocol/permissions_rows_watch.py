"""permissions_matrix rows for watch and unwatch (issue 11): every logged-in
user may watch; what the events show is the caller's own view (watch_live
checks it per role). A saved search is found as lead_list finds it (a
search of someone else's is NOT_FOUND, one shared with your team runs);
kpi_team is checked as KpiRequest.team is (a team you may not read the
counts of is PERMISSION_DENIED)."""


_m = None  # the matrix module, given to rows()


def f_watch(topics=(1,), search=None, kpi_team=None):
    def fill(q, ctx):
        q.watch.SetInParent()
        q.watch.topics.extend(topics)
        if search:
            q.watch.search = _m.search_fixture(ctx, search)
        if kpi_team:
            q.watch.kpi_team = kpi_team
    return fill


def live_reply(r, ctx):
    w = r.watch
    if w.replaying or not w.revision:
        return "watch reply: revision %d replaying %s" % (w.revision, w.replaying)


def f_unwatch(q, ctx):
    q.unwatch.SetInParent()


def rows(m):
    global _m
    _m = m
    C, OK, NF, PD, UNAUTH = m.C, m.OK, m.NF, m.PD, m.UNAUTH
    return {
        "watch": dict(lowest="rep", cells=[
            C("anon", None, f_watch(), UNAUTH),
            C("r1", None, f_watch((1, 2, 3, 4)), OK, live_reply),
            C("r1", None, f_watch((4,)), OK, live_reply, "your agenda"),
            C("r1", None, f_watch((5,)), OK, live_reply, "your pinned searches"),
            C("r1", None, f_watch(search="own"), OK, live_reply, "your own search"),
            C("r1", None, f_watch(search="A"), OK, live_reply, "your team's search"),
            C("r1", None, f_watch(search="r2"), NF, note="someone else's search"),
            C("r1", None, f_watch((2,), kpi_team="A"), OK, live_reply, "your team's counts"),
            C("r1", None, f_watch((2,), kpi_team="B"), PD, note="another team's counts"),
            C("mA", None, f_watch((1, 2, 3, 4, 5)), OK, live_reply),
            C("mA", None, f_watch((2,), kpi_team="A"), OK, live_reply),
            C("mA", None, f_watch((2,), kpi_team="B"), PD, note="a team not managed"),
            C("mA", None, f_watch(search="B"), NF, note="team B's search"),
            C("admin", None, f_watch((1, 2, 3, 4, 5)), OK, live_reply),
            C("admin", None, f_watch((2,), kpi_team="B"), OK, live_reply)]),
        "unwatch": dict(lowest="rep", cells=[
            C("anon", None, f_unwatch, UNAUTH),
            C("r1", None, f_unwatch, OK), C("mA", None, f_unwatch, OK),
            C("admin", None, f_unwatch, OK)]),
    }
