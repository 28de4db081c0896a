"""permissions_matrix rows for agenda (issue 13): every logged-in user may
read their own agenda; a rep only theirs (any other name is
PERMISSION_DENIED, whether such a user exists or not, so the answer tells
nothing about who exists); a manager those of the users of the teams they
manage (a user outside them is NOT_FOUND, as lead_list's owner filter);
an admin anyone's. An OK reply names whose agenda it is."""


def f_agenda(user=None):
    def fill(q, ctx):
        q.agenda.SetInParent()
        if user:
            q.agenda.user = user
    return fill


def whose(name):
    def check(r, ctx):
        if r.agenda.user != name:
            return "the reply is %r's agenda, not %r's" % (r.agenda.user, name)
    return check


def rows(m):
    C, OK, NF, PD, UNAUTH = m.C, m.OK, m.NF, m.PD, m.UNAUTH
    return {
        "agenda": dict(lowest="rep", cells=[
            C("anon", None, f_agenda(), UNAUTH),
            C("r1", None, f_agenda(), OK, whose("r1"), "your own"),
            C("r1", None, f_agenda("r1"), OK, whose("r1"), "your own, named"),
            C("r1", None, f_agenda("r2"), PD, note="a rep of your team"),
            C("r1", None, f_agenda("r3"), PD, note="a rep of another team"),
            C("r1", None, f_agenda("no-such-user"), PD, note="no such user: the same answer"),
            C("mA", None, f_agenda(), OK, whose("mA")),
            C("mA", None, f_agenda("r1"), OK, whose("r1"), "a rep of a team you manage"),
            C("mA", None, f_agenda("r3"), NF, note="a rep of a team you do not manage"),
            C("mA", None, f_agenda("no-such-user"), NF),
            C("admin", None, f_agenda("r3"), OK, whose("r3")),
            C("admin", None, f_agenda("no-such-user"), NF)]),
    }
