"""permissions_matrix rows for lead_history (issue 10): a lead's history is
read as the lead is (VIS_OWN_LEAD): whoever may see the lead reads all of
it; anyone else gets NOT_FOUND, exactly as lead_get, so ids leak nothing."""


def f_history(q, ctx):
    q.lead_history.id = ctx.lead.id


def one_create(r, ctx):
    """A fresh fixture lead has one entry: its creation, by the admin."""
    items = r.lead_history.items
    if len(items) != 1:
        return "%d history items, expected 1" % len(items)
    it = items[0]
    if it.kind != "create" or it.revision != ctx.lead.version or it.author != "admin":
        return "item %s/%d by %s, expected create/%d by admin" % (
            it.kind, it.revision, it.author, ctx.lead.version)
    if not any(c.field == "title" and c.new_value == ctx.lead.title for c in it.changes):
        return "the create item has no title change"


def rows(m):
    C, OK, NF, UNAUTH = m.C, m.OK, m.NF, m.UNAUTH
    return {
        "lead_history": dict(lowest="rep", cells=[
            C("anon", "own", f_history, UNAUTH),
            C("r1", "own", f_history, OK, one_create),
            C("r1", "other", f_history, NF), C("r1", "pool", f_history, OK, one_create),
            C("r1", "teamB", f_history, NF),
            C("mA", "other", f_history, OK, one_create), C("mA", "pool", f_history, OK),
            C("mA", "teamB", f_history, NF),
            C("admin", "other", f_history, OK), C("admin", "teamB", f_history, OK, one_create)]),
    }
