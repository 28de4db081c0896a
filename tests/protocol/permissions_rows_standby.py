"""permissions_matrix rows for lead_standby (issue 12): putting a lead on
stand-by is an edit of one lead (VIS_OWN_LEAD, lowest role rep): whoever
may see the lead may do it; anyone else gets NOT_FOUND, exactly as
lead_get, so ids leak nothing. An OK reply carries the lead on stand-by
until the date sent, with the reason."""
import time

DAY = 86400 * 1000


def f_standby(q, ctx):
    q.lead_standby.id = ctx.lead.id
    q.lead_standby.until = int(time.time() * 1000) + DAY
    q.lead_standby.reason = "matrix %d" % ctx.n


def on_standby(r, ctx):
    lead = r.lead.lead
    if lead.id != ctx.lead.id:
        return "the reply is lead %d, not %d" % (lead.id, ctx.lead.id)
    if lead.standby_until <= int(time.time() * 1000) or lead.standby_reason != "matrix %d" % ctx.n:
        return "not on stand-by in the reply: until %d, reason %r" % (
            lead.standby_until, lead.standby_reason)


def rows(m):
    C, OK, NF, UNAUTH = m.C, m.OK, m.NF, m.UNAUTH
    return {
        "lead_standby": dict(lowest="rep", cells=[
            C("anon", "own", f_standby, UNAUTH),
            C("r1", "own", f_standby, OK, on_standby),
            C("r1", "other", f_standby, NF),
            C("r1", "pool", f_standby, OK, on_standby),
            C("r1", "teamB", f_standby, NF),
            C("mA", "other", f_standby, OK, on_standby), C("mA", "pool", f_standby, OK),
            C("mA", "teamB", f_standby, NF),
            C("admin", "other", f_standby, OK),
            C("admin", "teamB", f_standby, OK, on_standby)]),
    }
