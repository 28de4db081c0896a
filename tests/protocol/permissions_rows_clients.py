"""Permission rows for the client folder requests (issue 10), loaded by
permissions_matrix.py. Folder records are company-wide: every logged-in
user adds, lists, reads and edits them; merging is for managers and
admins. client_get counts only the leads the caller may see: its cells put
the cell's fixture lead in a folder of its own (as the admin, before the
call) and check the count the caller gets."""


def _world(ctx):
    # The matrix's World, through the bound helper it gives every cell.
    return ctx.fresh_user.__self__


def _folder_with_lead(ctx):
    """A new folder holding only the cell's fixture lead; its name."""
    name = "matrix folder %d" % ctx.n

    def fill(q):
        q.lead_update.id = ctx.lead.id
        q.lead_update.expected_version = ctx.lead.version
        q.lead_update.client_name = name
        q.lead_update.new_client = True
    _world(ctx).ok(fill, "file lead %d in %s" % (ctx.lead.id, name))
    return name


def _new_folder(ctx, prefix):
    name = "%s %d" % (prefix, ctx.n)

    def fill(q):
        q.client_add.client.name = name
        q.client_add.new_client = True
    return _world(ctx).ok(fill, "client_add " + name).client.client.id


def f_client_add(q, ctx):
    q.client_add.client.name = "matrix added %d" % ctx.n
    q.client_add.new_client = True


def f_client_list(q, ctx):
    q.client_list.limit = 1000


def f_client_get(q, ctx):
    q.client_get.client.name = _folder_with_lead(ctx)


def f_client_edit(q, ctx):
    q.client_edit.client.id = _new_folder(ctx, "matrix edited")
    q.client_edit.note = "edited by the matrix"


def f_client_merge(q, ctx):
    frm = _new_folder(ctx, "matrix merged from")
    into = _new_folder(ctx, "matrix merged into")
    getattr(q.client_merge, "from").id = frm
    q.client_merge.into.id = into


def leads_counted(n):
    def check(r, ctx):
        if r.client.leads != n:
            return "client_get counted %d lead(s), not %d" % (r.client.leads, n)
        if n == 0 and len(r.client.totals):
            return "client_get gave totals of leads the caller may not see"
    return check


def edited(r, ctx):
    if r.client.client.note != "edited by the matrix":
        return "the note was not changed: %s" % r.client.client


def merged(r, ctx):
    if not r.client.HasField("moved"):
        return "client_merge did not say how many leads moved"


def rows(m):
    C, OK, PD, UNAUTH = m.C, m.OK, m.PD, m.UNAUTH
    return {
        "client_add": dict(lowest="rep", cells=[
            C("anon", None, f_client_add, UNAUTH),
            C("r1", None, f_client_add, OK), C("mA", None, f_client_add, OK),
            C("admin", None, f_client_add, OK)]),
        "client_list": dict(lowest="rep", cells=[
            C("anon", None, f_client_list, UNAUTH),
            C("r1", None, f_client_list, OK, note="folders are company-wide"),
            C("mA", None, f_client_list, OK), C("admin", None, f_client_list, OK)]),
        "client_get": dict(lowest="rep", cells=[
            C("anon", "own", f_client_get, UNAUTH),
            C("r1", "own", f_client_get, OK, leads_counted(1)),
            C("r1", "other", f_client_get, OK, leads_counted(0),
              "a teammate's lead: the folder is shown, the lead not counted"),
            C("r1", "teamB", f_client_get, OK, leads_counted(0)),
            C("r1", "pool", f_client_get, OK, leads_counted(1), "team A's pool is visible"),
            C("mA", "other", f_client_get, OK, leads_counted(1)),
            C("mA", "teamB", f_client_get, OK, leads_counted(0)),
            C("admin", "teamB", f_client_get, OK, leads_counted(1))]),
        "client_edit": dict(lowest="rep", cells=[
            C("anon", None, f_client_edit, UNAUTH),
            C("r1", None, f_client_edit, OK, edited, "folder details are company-wide"),
            C("mA", None, f_client_edit, OK, edited),
            C("admin", None, f_client_edit, OK, edited)]),
        "client_merge": dict(lowest="manager", cells=[
            C("anon", None, f_client_merge, UNAUTH),
            C("r1", None, f_client_merge, PD),
            C("mA", None, f_client_merge, OK, merged),
            C("admin", None, f_client_merge, OK, merged)]),
    }
