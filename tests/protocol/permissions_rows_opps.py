"""permissions_matrix rows for the opportunity requests (issue 15).

An opportunity is visible exactly when its lead is: opp_create, opp_get,
opp_edit, opp_won, opp_lost and lead_convert act on one lead (VIS_OWN_LEAD,
lowest role rep), so whoever may see the lead may do them and anyone else
gets NOT_FOUND, as lead_get. opp_list and forecast (VIS_TEAM) show a rep
their own leads' opportunities and their visible pool's, a manager their
teams', an admin all; an owner or team filter outside what the caller may
see is PERMISSION_DENIED, as kpi answers it. The cells that need an
opportunity have the admin add one to the fixture lead first (which
converts it to prospect-Qualified), so an OK is the request's own doing."""

# Codes a cell accepts besides its own: none (opp_get, opp_list and
# forecast answered UNIMPLEMENTED until the read side landed).
PENDING = frozenset()


def _admin(ctx):
    return ctx.fresh_user.__self__.admin


def _items(items, name="Licence", qty=2, price=5000):
    x = items.add()
    x.name, x.quantity, x.unit_price_minor = name, qty, price


def _with_opp(ctx, lead=None):
    """The admin adds an opportunity to the lead (the fixture's by
    default); its id."""
    lead = lead or ctx.lead

    def fill(q):
        q.opp_create.lead_id = lead.id
        q.opp_create.title = "matrix opp %d" % ctx.n
        _items(q.opp_create.items)
    r = _admin(ctx).call(fill)
    if r.code != ctx.pb.OK:
        raise RuntimeError("setup: opp_create: %s" % r.message)
    return r.opp.opp.id


def f_create(q, ctx):
    q.opp_create.lead_id = ctx.lead.id
    q.opp_create.title = "created %d" % ctx.n
    _items(q.opp_create.items)


def f_get(q, ctx):
    ctx.opp_id = _with_opp(ctx)
    q.opp_get.id = ctx.opp_id


def f_edit(q, ctx):
    ctx.opp_id = _with_opp(ctx)
    q.opp_edit.id = ctx.opp_id
    q.opp_edit.title = "edited %d" % ctx.n


def f_won(q, ctx):
    ctx.opp_id = _with_opp(ctx)
    q.opp_won.id = ctx.opp_id


def f_lost(q, ctx):
    ctx.opp_id = _with_opp(ctx)
    q.opp_lost.id = ctx.opp_id
    q.opp_lost.reason = "matrix reason"
    q.opp_lost.other = True


def f_convert(q, ctx):
    q.lead_convert.id = ctx.lead.id


def f_list(q, ctx):
    ctx.opp_ids = {k: _with_opp(ctx, lead) for k, lead in ctx.kinds.items()}
    q.opp_list.limit = 1000


def f_forecast(owner=None, team=None):
    def fill(q, ctx):
        q.forecast.SetInParent()
        if owner:
            q.forecast.owner = owner
        if team:
            q.forecast.team = team
    return fill


def created(r, ctx):
    o, lead = r.opp.opp, r.opp.lead
    if o.lead_id != ctx.lead.id or o.title != "created %d" % ctx.n:
        return "opportunity %s" % o
    if r.opp.new_status != "prospect-Qualified":
        return "the lead did not convert: %r" % r.opp.new_status
    if lead.id != ctx.lead.id:
        return "lead %d in the reply" % lead.id


def got_it(r, ctx):
    return None if r.opp.opp.id == ctx.opp_id else "opportunity %d" % r.opp.opp.id


def edited(r, ctx):
    o = r.opp.opp
    return None if o.id == ctx.opp_id and o.title == "edited %d" % ctx.n else "%s" % o


def state_is(name):
    def check(r, ctx):
        o = r.opp.opp
        want = getattr(ctx.pb, name)
        return None if o.id == ctx.opp_id and o.state == want else "state %d" % o.state
    return check


def converted(r, ctx):
    lead = r.lead.lead
    return None if lead.id == ctx.lead.id and lead.version == ctx.lead.version + 1 else \
        "lead %d version %d" % (lead.id, lead.version)


def list_sees(visible, hidden):
    def check(r, ctx):
        ids = {o.id for o in r.opp_list.opps}
        bad = [k for k in visible if ctx.opp_ids[k] not in ids]
        bad += ["not " + k for k in hidden if ctx.opp_ids[k] in ids]
        return "opp_list visibility wrong: " + ", ".join(bad) if bad else None
    return check


def _one_lead_row(m, fill, check, pending=frozenset()):
    C, OK, NF, UNAUTH = m.C, m.OK, m.NF, m.UNAUTH
    ok, nf = {OK} | pending, {NF} | pending
    return dict(lowest="rep", cells=[
        C("anon", "own", fill, UNAUTH),
        C("r1", "own", fill, ok, check), C("r1", "other", fill, nf),
        C("r1", "pool", fill, ok, check, "a visible pool lead"),
        C("r1", "teamB", fill, nf),
        C("mA", "other", fill, ok, check), C("mA", "pool", fill, ok, check),
        C("mA", "teamB", fill, nf),
        C("admin", "other", fill, ok, check), C("admin", "teamB", fill, ok, check)])


def rows(m):
    C, OK, PD, UNAUTH = m.C, m.OK, m.PD, m.UNAUTH
    ok, pd = {OK} | PENDING, {PD} | PENDING
    return {
        "opp_create": _one_lead_row(m, f_create, created),
        "opp_get": _one_lead_row(m, f_get, got_it, PENDING),
        "opp_edit": _one_lead_row(m, f_edit, edited),
        "opp_won": _one_lead_row(m, f_won, state_is("OPP_WON")),
        "opp_lost": _one_lead_row(m, f_lost, state_is("OPP_LOST")),
        "lead_convert": _one_lead_row(m, f_convert, converted),
        "opp_list": dict(lowest="rep", cells=[
            C("anon", None, lambda q, ctx: q.opp_list.SetInParent(), UNAUTH),
            C("r1", "all", f_list, ok, list_sees(["own", "pool"], ["other", "teamB"])),
            C("mA", "all", f_list, ok, list_sees(["own", "other", "pool"], ["teamB"])),
            C("admin", "all", f_list, ok, list_sees(["own", "other", "pool", "teamB"], []))]),
        "forecast": dict(lowest="rep", cells=[
            C("anon", None, f_forecast(), UNAUTH),
            C("r1", None, f_forecast(), ok), C("r1", None, f_forecast(owner="r1"), ok),
            C("r1", None, f_forecast(owner="r2"), pd, note="another rep's forecast"),
            C("mA", None, f_forecast(team="A"), ok),
            C("mA", None, f_forecast(team="B"), pd, note="a team mA does not manage"),
            C("mA", None, f_forecast(owner="r3"), pd, note="a rep outside mA's teams"),
            C("admin", None, f_forecast(team="B"), ok)]),
    }
