"""permissions_matrix rows for the activity requests (issue 13):
activity_add, activity_done, activity_edit, activity_rm and activity_list
act on one lead (VIS_OWN_LEAD, lowest role rep): whoever may see the lead
may do them, anyone else gets NOT_FOUND, exactly as lead_get. An activity
goes only on the agenda of someone who may see its lead: giving it to a
user who cannot is FAILED_PRECONDITION whoever asks. The cells that need an
activity have the admin add a task (number 1) to the fixture lead first,
so an OK is the request's own doing."""
import time

DAY = 86400 * 1000


def _admin(ctx):
    return ctx.fresh_user.__self__.admin


def _with_task(ctx):
    def fill(q):
        q.activity_add.lead_id = ctx.lead.id
        q.activity_add.kind = ctx.pb.ACTIVITY_TASK
        q.activity_add.title = "matrix task"
        q.activity_add.at = int(time.time() * 1000) + DAY
    r = _admin(ctx).call(fill)
    if r.code != ctx.pb.OK:
        raise RuntimeError("setup: activity_add: %s" % r.message)


def f_add(assignee=None):
    def fill(q, ctx):
        q.activity_add.lead_id = ctx.lead.id
        q.activity_add.kind = ctx.pb.ACTIVITY_NOTE
        q.activity_add.text = "matrix %d" % ctx.n
        if assignee:
            q.activity_add.kind = ctx.pb.ACTIVITY_TASK
            q.activity_add.title = "for %s" % assignee
            q.activity_add.at = int(time.time() * 1000) + DAY
            q.activity_add.assignee = assignee
    return fill


def f_done(q, ctx):
    _with_task(ctx)
    q.activity_done.lead_id = ctx.lead.id
    q.activity_done.number = 1
    q.activity_done.outcome = "done by the matrix"


def f_edit(q, ctx):
    _with_task(ctx)
    q.activity_edit.lead_id = ctx.lead.id
    q.activity_edit.number = 1
    q.activity_edit.title = "edited %d" % ctx.n


def f_rm(q, ctx):
    _with_task(ctx)
    q.activity_rm.lead_id = ctx.lead.id
    q.activity_rm.number = 1


def f_list(q, ctx):
    _with_task(ctx)
    q.activity_list.lead_id = ctx.lead.id


def added(r, ctx):
    a = r.activity.activity
    return None if a.text == "matrix %d" % ctx.n else "activity %s" % a


def done(r, ctx):
    a = r.activity.activity
    return None if a.state == ctx.pb.ACTIVITY_DONE else "state %d" % a.state


def edited(r, ctx):
    a = r.activity.activity
    return None if a.title == "edited %d" % ctx.n else "title %r" % a.title


def removed(r, ctx):
    a = r.activity.activity
    lead = r.activity.lead
    return None if a.number == 1 and not lead.next_action_activity else "%s" % lead


def listed(r, ctx):
    got = [a.title for a in r.activity_list.activities]
    return None if got == ["matrix task"] else "listed %s" % got


def assigned(name):
    def check(r, ctx):
        a = r.activity.activity
        return None if a.assignee == name else "assignee %r" % a.assignee
    return check


def _one_lead_row(m, fill, check):
    C, OK, NF, UNAUTH = m.C, m.OK, m.NF, m.UNAUTH
    return dict(lowest="rep", cells=[
        C("anon", "own", fill, UNAUTH),
        C("r1", "own", fill, OK, check), C("r1", "other", fill, NF),
        C("r1", "pool", fill, OK, check, "a visible pool lead"),
        C("r1", "teamB", fill, NF),
        C("mA", "other", fill, OK, check), C("mA", "pool", fill, OK, check),
        C("mA", "teamB", fill, NF),
        C("admin", "other", fill, OK, check), C("admin", "teamB", fill, OK, check)])


def rows(m):
    C, OK, FP = m.C, m.OK, m.FP
    add = _one_lead_row(m, f_add(), added)
    # Who an activity may be for: r2 cannot see r1's lead, r1 cannot see
    # r2's, r3 (team B) cannot see team A's; the team's manager sees them.
    add["cells"] += [
        C("r1", "own", f_add("r2"), FP, None, "for r2, who cannot see it"),
        C("r1", "own", f_add("mA"), OK, assigned("mA"), "for mA, who can"),
        C("mA", "other", f_add("r1"), FP, None, "for r1, who cannot see it"),
        C("mA", "other", f_add("r2"), OK, assigned("r2"), "for its owner r2"),
        C("admin", "teamB", f_add("r1"), FP, None, "for r1, outside team B"),
        C("admin", "own", f_add("r3"), FP, None, "for r3, outside team A")]
    return {
        "activity_add": add,
        "activity_done": _one_lead_row(m, f_done, done),
        "activity_edit": _one_lead_row(m, f_edit, edited),
        "activity_rm": _one_lead_row(m, f_rm, removed),
        "activity_list": _one_lead_row(m, f_list, listed),
    }
