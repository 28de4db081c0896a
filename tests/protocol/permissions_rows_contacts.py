"""Permission rows of issue 10's contact and tag requests, for
permissions_matrix.py: contact_add, contact_edit, contact_rm, contact_main,
lead_tag (one lead, which the caller must be allowed to see: NOT_FOUND
otherwise, as lead_get) and tag_list (the tags of the leads the caller may
see). A cell's fixture lead has no contact or tag: the cells that need one
have the admin put it there first (over the world's admin connection), so
an OK is the request's own doing."""


def _admin(ctx):
    # The fixture builders are bound to the matrix's World, whose admin
    # connection sets up each cell.
    return ctx.fresh_user.__self__.admin


def _setup(ctx, fill, what):
    r = _admin(ctx).call(fill)
    if r.code != ctx.pb.OK:
        raise RuntimeError("setup: %s: %s" % (what, r.message))


def _with_contact(ctx):
    """The fixture lead gets a contact "Ana Ruiz" <ana@acme.io> (first) and
    "Bob Stone" (second)."""
    def add(name, email):
        def fill(q):
            q.contact_add.lead_id = ctx.lead.id
            q.contact_add.contact.name = name
            q.contact_add.contact.email = email
        _setup(ctx, fill, "contact_add " + name)
    add("Ana Ruiz", "ana@acme.io")
    add("Bob Stone", "bob@acme.io")


def f_contact_add(q, ctx):
    q.contact_add.lead_id = ctx.lead.id
    q.contact_add.contact.name = "Matrix %d" % ctx.n


def f_contact_edit(q, ctx):
    _with_contact(ctx)
    q.contact_edit.lead_id = ctx.lead.id
    q.contact_edit.who = "ana@acme.io"
    q.contact_edit.role = "CEO"


def f_contact_rm(q, ctx):
    _with_contact(ctx)
    q.contact_rm.lead_id = ctx.lead.id
    q.contact_rm.who = "Bob Stone"


def f_contact_main(q, ctx):
    _with_contact(ctx)
    q.contact_main.lead_id = ctx.lead.id
    q.contact_main.who = "2"


def f_lead_tag(q, ctx):
    q.lead_tag.id = ctx.lead.id
    q.lead_tag.add.append("Matrix%d" % ctx.n)


def f_tag_list(q, ctx):
    # Each fixture lead of this cell gets a tag naming its kind.
    for kind, lead in ctx.kinds.items():
        def fill(r, lead=lead, kind=kind):
            r.lead_tag.id = lead.id
            r.lead_tag.add.append("kind-%s-%d" % (kind, ctx.n))
        _setup(ctx, fill, "lead_tag " + kind)
    q.tag_list.SetInParent()


def contacts_are(names):
    def check(r, ctx):
        got = [c.name for c in r.lead.lead.contacts]
        return None if got == names else "contacts %s, not %s" % (got, names)
    return check


def added(r, ctx):
    got = [c.name for c in r.lead.lead.contacts]
    return None if got == ["Matrix %d" % ctx.n] else "contacts %s" % got


def edited(r, ctx):
    c = r.lead.lead.contacts[0]
    return None if (c.name, c.role) == ("Ana Ruiz", "CEO") else "contact 1 is %s" % c


def tagged(r, ctx):
    got = list(r.lead.lead.tags)
    return None if got == ["Matrix%d" % ctx.n] else "tags %s" % got


def tags_seen(visible, hidden):
    def check(r, ctx):
        names = {t.name: t.count for t in r.tag_list.tags}
        bad = ["%s missing" % k for k in visible if names.get("kind-%s-%d" % (k, ctx.n)) != 1]
        bad += ["%s shown" % k for k in hidden if "kind-%s-%d" % (k, ctx.n) in names]
        return ", ".join(bad) or None
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
    C, OK, UNAUTH = m.C, m.OK, m.UNAUTH
    return {
        "contact_add": _one_lead_row(m, f_contact_add, added),
        "contact_edit": _one_lead_row(m, f_contact_edit, edited),
        "contact_rm": _one_lead_row(m, f_contact_rm, contacts_are(["Ana Ruiz"])),
        "contact_main": _one_lead_row(m, f_contact_main, contacts_are(["Bob Stone", "Ana Ruiz"])),
        "lead_tag": _one_lead_row(m, f_lead_tag, tagged),
        "tag_list": dict(lowest="rep", cells=[
            C("anon", None, m.f_empty("tag_list"), UNAUTH),
            C("r1", "all", f_tag_list, OK, tags_seen(["own", "pool"], ["other", "teamB"])),
            C("mA", "all", f_tag_list, OK, tags_seen(["own", "other", "pool"], ["teamB"])),
            C("admin", "all", f_tag_list, OK,
              tags_seen(["own", "other", "pool", "teamB"], []))]),
    }
