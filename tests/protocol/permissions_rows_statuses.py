"""permissions_matrix rows for the status list (issue 12): status_add,
status_edit and status_rm are the admin's (VIS_ALL): a manager or a rep
gets PERMISSION_DENIED whatever they name, so the status list, which every
team's KPIs read, changes only by an admin.

The admin's status_add cell makes a status that the admin's status_rm cell
removes (the matrix runs rows in order, add before rm)."""

made = []


def f_add(q, ctx):
    name = "matrix-status-%d" % ctx.n
    q.status_add.status.name = name
    q.status_add.status.stage = ctx.pb.STAGE_LEAD
    q.status_add.status.probability = 5
    q.status_add.status.kpi_class = ctx.pb.KPI_QUALIFIED
    if ctx.caller_name == "admin":
        made.append(name)


def f_edit(q, ctx):
    q.status_edit.name = "prospect-Qualified"
    q.status_edit.probability = 10


def f_rm(q, ctx):
    q.status_rm.name = made.pop() if made and ctx.caller_name == "admin" else "lead-Dead"


def added(r, ctx):
    s = r.status.status
    if not s.name.startswith("matrix-status-") or s.kpi_class != ctx.pb.KPI_QUALIFIED:
        return "the reply is %s/%d, not the status added" % (s.name, s.kpi_class)


def edited(r, ctx):
    if r.status.status.name != "prospect-Qualified" or r.status.status.probability != 10:
        return "the reply is not prospect-Qualified at 10%"


def removed(r, ctx):
    if not r.status.status.name.startswith("matrix-status-") or r.status.moved != 0:
        return "the reply does not name the removed status with 0 leads moved"


def rows(m):
    C, OK, PD, UNAUTH = m.C, m.OK, m.PD, m.UNAUTH
    out = {}
    for req, fill, check in (("status_add", f_add, added), ("status_edit", f_edit, edited),
                             ("status_rm", f_rm, removed)):
        out[req] = dict(lowest="admin", cells=[
            C("anon", None, fill, UNAUTH),
            C("r1", None, fill, PD), C("mA", None, fill, PD),
            C("admin", None, fill, OK, check)])
    return out
