"""What the atk_opps_* tests share besides opp_lib: adding opportunities
pipelined, and the forecast recounted by brute force from every
opportunity (opp_list and lead_get as admin) to compare with the server's
counters."""
from leadd_harness import ok_call, pipeline
from opp_lib import opp_create_fill, opp_list_all  # noqa: F401 (opp_create_fill: for the tests)


def add_opps(c, fills):
    """Pipelined opp_creates, which must all answer OK; the opportunities."""
    answers = pipeline(c, fills)
    bad = [a for a in answers if a.code != 0]
    if bad:
        raise RuntimeError("opp_create: %d failed, first %s" % (len(bad), bad[0].message))
    return [a.opp.opp for a in answers]


def all_opps(c, **filters):
    """Every opportunity c may list (opp_list, every page)."""
    return opp_list_all(c, limit=1000, **filters)[0]


def statuses(c):
    return {s.id: s for s in ok_call(c, lambda q: q.status_list.SetInParent(),
                                     "status_list").status_list.statuses}


def in_forecast(pb, s):
    return s.stage != pb.STAGE_LEAD and s.kpi_class not in (pb.KPI_DEAD, pb.KPI_LOST)


def brute_force(pb, admin):
    """{(team, owner): {currency: [opps, amount, weighted_x100]}} of the open
    opportunities that count, and {lead id: {(currency, month): [opps,
    amount]}} of every lead's open ones; from every opportunity and its
    lead as they are now."""
    st = statuses(admin)
    leads, rows, totals = {}, {}, {}
    for o in all_opps(admin):
        if o.state != pb.OPP_OPEN:
            continue
        if o.lead_id not in leads:
            leads[o.lead_id] = ok_call(admin, lambda q: setattr(q.lead_get, "id", o.lead_id),
                                       "lead_get").lead.lead
        lead = leads[o.lead_id]
        month = int(o.close_date[:4] + o.close_date[5:7]) if o.close_date else 0
        t = totals.setdefault(lead.id, {}).setdefault((o.amount.currency, month), [0, 0])
        t[0] += 1
        t[1] += o.amount.amount_minor
        s = st[lead.status_id]
        if lead.archived or not in_forecast(pb, s):
            continue
        p = o.probability if o.HasField("probability") else s.probability
        r = rows.setdefault((lead.team_id, lead.owner_id), {}).setdefault(
            o.amount.currency, [0, 0, 0])
        r[0] += 1
        r[1] += o.amount.amount_minor
        r[2] += o.amount.amount_minor * p
    return rows, totals


def served(pb, admin):
    """The forecast by owner as admin, in brute_force's shape; the won
    ones of every day apart, in won_brute_force's."""
    def fill(q):
        q.forecast.by = pb.FORECAST_BY_OWNER
        q.forecast.won_from = "1970-01-01"
        q.forecast.won_to = "9999-12-31"
    r = ok_call(admin, fill, "forecast").forecast
    rows, won = {}, {}
    for row in r.rows:
        for a in row.open:
            rows.setdefault((row.team_id, row.owner_id), {})[a.currency] = [
                a.opps, a.amount_minor, a.weighted_x100]
        for a in row.won:
            won.setdefault((row.team_id, row.owner_id), {})[a.currency] = [a.opps, a.amount_minor]
    return rows, won


def won_brute_force(pb, admin):
    """{(team, owner) when won: {currency: [won, amount]}} of every won one."""
    won = {}
    for o in all_opps(admin, state=pb.OPP_WON):
        w = won.setdefault((o.won_team_id, o.won_owner_id), {}).setdefault(
            o.amount.currency, [0, 0])
        w[0] += 1
        w[1] += o.amount.amount_minor
    return won


def lead_totals(admin, lead_ids):
    """{lead id: {(currency, month): [opps, amount]}} from Lead.open_opps."""
    out = {}
    for lid in lead_ids:
        lead = ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead
        for t in lead.open_opps:
            out.setdefault(lid, {})[(t.currency, t.month)] = [t.opps, t.amount_minor]
    return out


def check_forecast(res, pb, admin, what, lead_ids=()):
    """The served forecast equals the brute-force one, and each listed
    lead's open totals equal its opportunities'."""
    want, totals = brute_force(pb, admin)
    have, won = served(pb, admin)
    res.record("%s: the forecast equals a recount of every opportunity" % what, have == want,
               "served %s, recount %s" % (have, want))
    want_won = won_brute_force(pb, admin)
    res.record("%s: the forecast's won equal a recount of every won one" % what,
               won == want_won, "served %s, recount %s" % (won, want_won))
    if lead_ids:
        got = lead_totals(admin, lead_ids)
        exp = {k: v for k, v in totals.items() if k in set(lead_ids)}
        res.record("%s: Lead.open_opps equal the leads' open opportunities" % what, got == exp,
                   "leads say %s, opportunities give %s" % (got, exp))
