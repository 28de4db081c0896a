"""Permission rows of issue 12's archive, restore and renew, for
permissions_matrix.py. lead_archive and lead_restore: managers of the
lead's team and admins (a rep is refused by role, whatever lead; a lead the
manager may not see is NOT_FOUND, as lead_get). lead_renew: whoever may see
the origin (VIS_OWN_LEAD), the renewal's owner by lead_create's rules. A
restore cell's fixture lead is archived first by the admin, so its OK is
the request's own doing."""


def _admin(ctx):
    return ctx.fresh_user.__self__.admin


def f_archive(q, ctx):
    q.lead_archive.id = ctx.lead.id


def f_restore(q, ctx):
    def fill(a):
        a.lead_archive.id = ctx.lead.id
    r = _admin(ctx).call(fill)
    if r.code != ctx.pb.OK:
        raise RuntimeError("setup: archive lead %d: %s" % (ctx.lead.id, r.message))
    q.lead_restore.id = ctx.lead.id


def f_renew(q, ctx):
    q.lead_renew.id = ctx.lead.id


def archived_is(want):
    def check(r, ctx):
        lead = r.lead.lead
        if lead.id != ctx.lead.id or lead.archived != want:
            return "lead %d archived=%s, expected lead %d archived=%s" % (
                lead.id, lead.archived, ctx.lead.id, want)
    return check


def renewal_of(owner):
    """A new lead, renewing the fixture lead, owned by `owner` ("none": the
    pool), with source "renewal"."""
    def check(r, ctx):
        lead = r.lead.lead
        if lead.id == ctx.lead.id or lead.renewed_from != ctx.lead.id:
            return "lead %d renewed_from %d, expected a new lead renewing %d" % (
                lead.id, lead.renewed_from, ctx.lead.id)
        if lead.owner_id != ctx.ids[owner]:
            return "renewal owner_id %d, expected %s (%d)" % (lead.owner_id, owner,
                                                              ctx.ids[owner])
        if lead.source != "renewal":
            return "renewal source %r" % lead.source
    return check


def rows(m):
    C, OK, NF, PD, UNAUTH = m.C, m.OK, m.NF, m.PD, m.UNAUTH
    return {
        "lead_archive": dict(lowest="manager", cells=[
            C("anon", "own", f_archive, UNAUTH),
            C("r1", "own", f_archive, PD, note="a rep cannot hide leads from the KPIs"),
            C("r1", "pool", f_archive, PD),
            C("mA", "other", f_archive, OK, archived_is(True)),
            C("mA", "pool", f_archive, OK, archived_is(True)),
            C("mA", "teamB", f_archive, NF),
            C("admin", "teamB", f_archive, OK, archived_is(True))]),
        "lead_restore": dict(lowest="manager", cells=[
            C("anon", "own", f_restore, UNAUTH),
            C("r1", "own", f_restore, PD),
            C("mA", "other", f_restore, OK, archived_is(False)),
            C("mA", "teamB", f_restore, NF),
            C("admin", "teamB", f_restore, OK, archived_is(False))]),
        "lead_renew": dict(lowest="rep", cells=[
            C("anon", "own", f_renew, UNAUTH),
            C("r1", "own", f_renew, OK, renewal_of("r1")),
            C("r1", "other", f_renew, NF),
            C("r1", "pool", f_renew, OK, renewal_of("r1"), "a rep owns what they renew"),
            C("r1", "teamB", f_renew, NF),
            C("mA", "other", f_renew, OK, renewal_of("r2"), "the origin's owner keeps it"),
            C("mA", "pool", f_renew, OK, renewal_of("none"), "the origin's pool"),
            C("mA", "teamB", f_renew, NF),
            C("admin", "teamB", f_renew, OK, renewal_of("r3"))]),
    }
