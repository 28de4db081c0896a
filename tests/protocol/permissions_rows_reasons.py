"""permissions_matrix rows for the dead and lost reason lists (issue 12):
a manager adds to and removes from the lists of the teams they see (another
team is NOT_FOUND, as team names are answered elsewhere), only an admin
changes the list every team shares (a Reason without a team); everyone
lists their own teams' and the shared reasons."""


def f_reason(field, team=None, present=False):
    """reason_add / reason_rm of a fresh text in `team` (None: every team's);
    present: the world's admin adds it first (for reason_rm)."""
    def fill(q, ctx):
        text = "reason %d" % ctx.n
        if present:
            world = ctx.fresh_user.__self__

            def add(a):
                a.reason_add.reason.text = text
                if team:
                    a.reason_add.reason.team = team
            world.ok(add, "reason_add " + text)
        r = getattr(q, field).reason
        r.text = text
        if team:
            r.team = team
    return fill


def f_reason_list(team=None):
    def fill(q, ctx):
        q.reason_list.SetInParent()
        if team:
            q.reason_list.team = team
    return fill


def one_reason(team):
    def check(r, ctx):
        got = [(x.text, x.team) for x in r.reason_list.reasons]
        want = [("reason %d" % ctx.n, team or "")]
        if got != want:
            return "reasons %s, expected %s" % (got, want)
    return check


def rows(m):
    C, OK, NF, PD, UNAUTH = m.C, m.OK, m.NF, m.PD, m.UNAUTH
    return {
        "reason_add": dict(lowest="manager", cells=[
            C("anon", None, f_reason("reason_add", "A"), UNAUTH),
            C("r1", None, f_reason("reason_add", "A"), PD),
            C("mA", None, f_reason("reason_add", "A"), OK, one_reason("A")),
            C("mA", None, f_reason("reason_add", "B"), NF, note="a team not managed"),
            C("mA", None, f_reason("reason_add"), PD, note="the list every team shares"),
            C("admin", None, f_reason("reason_add", "B"), OK, one_reason("B")),
            C("admin", None, f_reason("reason_add"), OK, one_reason(None))]),
        "reason_list": dict(lowest="rep", cells=[
            C("anon", None, f_reason_list(), UNAUTH),
            C("r1", None, f_reason_list(), OK), C("r1", None, f_reason_list("A"), OK),
            C("r1", None, f_reason_list("B"), NF, note="another team's list"),
            C("mA", None, f_reason_list(), OK), C("mA", None, f_reason_list("B"), NF),
            C("admin", None, f_reason_list("B"), OK)]),
        "reason_rm": dict(lowest="manager", cells=[
            C("anon", None, f_reason("reason_rm", "A"), UNAUTH),
            C("r1", None, f_reason("reason_rm", "A", present=True), PD),
            C("mA", None, f_reason("reason_rm", "A", present=True), OK, one_reason("A")),
            C("mA", None, f_reason("reason_rm", "B", present=True), NF),
            C("mA", None, f_reason("reason_rm", None, present=True), PD),
            C("admin", None, f_reason("reason_rm", None, present=True), OK, one_reason(None))]),
    }
