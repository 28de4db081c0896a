#!/usr/bin/python3
"""Every request type, as every kind of caller, against the leads each may
or may not see: a table-driven check of roles and visibility (issue 5).

Usage: permissions_matrix.py LEADD_BINARY PROTO_DIR PERMISSIONS_MD

Setup (as the admin): team A (manager mA; reps r1, r2; pool visible on),
team B (manager mB; rep r3). For each cell a fresh lead of the kind the cell
names is made by the admin, so no cell depends on another:
  own   - owned by r1          other - owned by r2 (team A)
  pool  - unowned, team A pool teamB - owned by r3 (team B)
Callers: anon (said Hello, not logged in), r1, mA, admin.

MATRIX holds, per request, its lowest role (which must equal the "lowest
role" column of docs/permissions.md, and every row of that table must be in
MATRIX) and its cells: (caller, lead kind, how to fill the request, what
must come back). Cells below the lowest role must expect PERMISSION_DENIED
(UNAUTHENTICATED for anon); this is checked before anything runs.

Ends with leadd stopped (SIGTERM, exit 0) and `leadd verify` passing.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Client, Leadd, load_pb  # noqa: E402

PW = "matrix-password-1"
RANK = {"none": 0, "rep": 1, "manager": 2, "admin": 3}
CALLER_RANK = {"anon": 0, "r1": 1, "mA": 2, "admin": 3}
OK, PD, NF = "OK", "PERMISSION_DENIED", "NOT_FOUND"
UNAUTH, FP, INV = "UNAUTHENTICATED", "FAILED_PRECONDITION", "INVALID_ARGUMENT"


# ---- cell builders: fill(q, ctx) where ctx has .lead (the fixture lead),
# ---- .fresh_user() / .fresh_team() (new names made by the admin), .n (unique)

def f_hello(q, ctx):
    q.hello.protocol_version = 1


def f_login_self(q, ctx):
    q.login.user = ctx.caller_name
    q.login.password = ctx.caller_password


def f_empty(field):
    return lambda q, ctx: getattr(q, field).SetInParent()


def f_create(owner=None, team=None):
    def fill(q, ctx):
        q.lead_create.title = "matrix create %d" % ctx.n
        if owner:
            q.lead_create.owner = owner
        if team:
            q.lead_create.team = team
    return fill


def f_get(q, ctx):
    q.lead_get.id = ctx.lead.id


def f_update(q, ctx):
    q.lead_update.id = ctx.lead.id
    q.lead_update.expected_version = ctx.lead.version
    q.lead_update.title = "matrix update %d" % ctx.n


def f_set_status(q, ctx):
    q.lead_set_status.id = ctx.lead.id
    q.lead_set_status.status_id = 2


def f_list(q, ctx):
    q.lead_list.limit = 1000


def f_claim(q, ctx):
    q.lead_claim.id = ctx.lead.id


def f_assign(to_user=None, to_pool=False):
    def fill(q, ctx):
        q.lead_assign.id = ctx.lead.id
        if to_pool:
            q.lead_assign.to_pool = True
        else:
            q.lead_assign.to_user = to_user
    return fill


def f_bulk(from_user, to_user):
    def fill(q, ctx):
        q.lead_bulk_assign.from_user = from_user
        q.lead_bulk_assign.to_user = to_user
    return fill


def f_user_add(q, ctx):
    q.user_add.name = "added%d" % ctx.n
    q.user_add.role = ctx.pb.ROLE_REP
    q.user_add.team = "A"
    q.user_add.password = PW


def f_user_edit(q, ctx):
    q.user_edit.name = ctx.fresh_user()
    q.user_edit.role = ctx.pb.ROLE_MANAGER


def f_passwd_self(q, ctx):
    q.user_passwd.password = ctx.caller_password  # the same one: later logins still work
    q.user_passwd.current_password = ctx.caller_password


def f_passwd_other(name=None):
    def fill(q, ctx):
        q.user_passwd.name = name or ctx.fresh_user()
        q.user_passwd.password = PW + "x"
    return fill


def f_disable(name=None):
    def fill(q, ctx):
        q.user_disable.name = name or ctx.fresh_user()
    return fill


def f_team_add(q, ctx):
    q.team_add.name = "team%d" % ctx.n


def f_team_edit(q, ctx):
    q.team_edit.name = ctx.fresh_team()
    q.team_edit.round_robin = True


# Extra checks on an OK reply: check(reply, ctx) -> None or a complaint.
def lead_owner(name):
    def check(r, ctx):
        got = r.lead.lead.owner_id
        if got != ctx.ids[name]:
            return "owner_id %d, expected %s (%d)" % (got, name, ctx.ids[name])
    return check


def list_sees(visible, hidden):
    """lead_list: the fixture leads of the kinds in visible are listed, those
    in hidden are not."""
    def check(r, ctx):
        ids = {x.id for x in r.lead_list.leads}
        bad = [k for k in visible if ctx.kinds[k].id not in ids]
        bad += ["not " + k for k in hidden if ctx.kinds[k].id in ids]
        if bad:
            return "lead_list visibility wrong: " + ", ".join(bad)
    return check


def users_seen(visible, hidden):
    def check(r, ctx):
        names = {u.name for u in r.user_list.users}
        bad = [n for n in visible if n not in names] + ["not " + n for n in hidden if n in names]
        if bad:
            return "user_list wrong: " + ", ".join(bad)
    return check


def f_kpi(team=None):
    def fill(q, ctx):
        q.kpi.SetInParent()
        if team:
            q.kpi.team = team
    return fill


def kpi_rows(visible, hidden):
    """kpi: rows (owner names, "(pool) A" for a team's pool) seen or not."""
    def check(r, ctx):
        names = {(x.name + " " + x.team_name) if x.id == 0 else x.name for x in r.kpi.owners}
        bad = [n for n in visible if n not in names] + ["not " + n for n in hidden if n in names]
        if bad:
            return "kpi rows wrong: " + ", ".join(bad) + " (rows: %s)" % sorted(names)
    return check


def teams_seen(visible, hidden):
    def check(r, ctx):
        names = {t.name for t in r.team_list.teams}
        bad = [n for n in visible if n not in names] + ["not " + n for n in hidden if n in names]
        if bad:
            return "team_list wrong (%s): %s" % (sorted(names), ", ".join(bad))
    return check


# Saved searches: each cell makes its own fixture searches (unique names) on
# their owners' connections before its request is built. The world is
# reached through ctx.fresh_user, a bound method of it.
def search_fixture(ctx, kind):
    """A search of kind own (the caller's; r1's for anon), r2 (r2's own), A
    or B (shared with that team by its manager); its name."""
    w = ctx.fresh_user.__self__
    owner, team = {"own": (ctx.caller_name, None), "r2": ("r2", None), "A": ("mA", "A"),
                   "B": ("mB", "B")}[kind]
    name = "fx-%s-%d" % (kind, ctx.n)
    c = w.conn(owner)
    try:
        def fill(q):
            q.search_save.search.name = name
            q.search_save.search.filter.mine = True
            if team:
                q.search_save.search.team = team
        r = c.call(fill)
    finally:
        c.close()
    if r.code != ctx.pb.OK:
        raise RuntimeError("setup: search %s: %s" % (name, r.message))
    ctx.fixtures = getattr(ctx, "fixtures", {})
    ctx.fixtures[kind] = name
    return name


def f_search_save(team=None):
    def fill(q, ctx):
        q.search_save.search.name = "saved %d" % ctx.n
        q.search_save.search.filter.statuses.append("new")
        if team:
            q.search_save.search.team = team
    return fill


def f_search_list(q, ctx):
    for kind in ("own", "r2", "A", "B"):
        search_fixture(ctx, kind)
    q.search_list.SetInParent()


def f_search_by(field, kind):
    def fill(q, ctx):
        name = search_fixture(ctx, kind)
        m = getattr(q, field)
        m.name = name
        if field == "search_edit":
            m.desc = True
    return fill


def search_is(team, owner):
    def check(r, ctx):
        s = r.search.search
        got = (s.team if s.HasField("team") else None, s.owner)
        if got != (team, owner):
            return "search team/owner %s, expected %s" % (got, (team, owner))
    return check


def search_pinned(r, ctx):
    if not r.search.search.pinned:
        return "the search is not pinned: %s" % r.search.search


def searches_seen(visible, hidden):
    def check(r, ctx):
        got = {s.name for s in r.search_list.searches}
        bad = [k for k in visible if ctx.fixtures[k] not in got]
        bad += ["not " + k for k in hidden if ctx.fixtures[k] in got]
        if bad:
            return "search_list wrong: " + ", ".join(bad)
    return check


def C(caller, lead, fill, expect, check=None, note=""):
    return dict(caller=caller, lead=lead, fill=fill,
                expect=expect if isinstance(expect, (set, frozenset)) else {expect},
                check=check, note=note)


# Every request of the protocol. lowest: the least role that may send it.
# Cells whose lead kind is "all" get the four fixture leads (for lead_list).
MATRIX = {
    "hello": dict(lowest="none", cells=[
        C("anon", None, f_hello, FP, note="a second Hello"),
        C("r1", None, f_hello, FP), C("mA", None, f_hello, FP), C("admin", None, f_hello, FP)]),
    "login": dict(lowest="none", cells=[
        C("anon", None, f_login_self, OK, note="anon logs in as r1"),
        C("r1", None, f_login_self, OK), C("mA", None, f_login_self, OK),
        C("admin", None, f_login_self, OK)]),
    "logout": dict(lowest="rep", cells=[
        C("anon", None, f_empty("logout"), UNAUTH),
        C("r1", None, f_empty("logout"), OK), C("mA", None, f_empty("logout"), OK),
        C("admin", None, f_empty("logout"), OK)]),
    "whoami": dict(lowest="rep", cells=[
        C("anon", None, f_empty("whoami"), UNAUTH),
        C("r1", None, f_empty("whoami"), OK), C("mA", None, f_empty("whoami"), OK),
        C("admin", None, f_empty("whoami"), OK)]),
    "ping": dict(lowest="none", cells=[
        C("anon", None, f_empty("ping"), OK, note="a health check needs no login"),
        C("r1", None, f_empty("ping"), OK), C("mA", None, f_empty("ping"), OK),
        C("admin", None, f_empty("ping"), OK)]),
    "lead_create": dict(lowest="rep", cells=[
        C("anon", None, f_create(owner="r1"), UNAUTH),
        C("r1", None, f_create(), OK, lead_owner("r1"), "no owner: the rep owns it"),
        C("r1", None, f_create(owner="r1"), OK, lead_owner("r1")),
        C("r1", None, f_create(owner="r2"), PD, note="a rep names another owner"),
        C("mA", None, f_create(owner="r2"), OK, lead_owner("r2")),
        C("mA", None, f_create(team="A"), OK, lead_owner("none"), "pool of team A"),
        C("mA", None, f_create(), OK, lead_owner("none"), "no owner: pool of mA's first team"),
        C("mA", None, f_create(owner="r3"), {PD, NF}, note="owner outside mA's teams"),
        C("mA", None, f_create(team="B"), {PD, NF}, note="a team mA does not manage"),
        C("admin", None, f_create(), INV, note="an admin must name owner or team"),
        C("admin", None, f_create(owner="r3"), OK, lead_owner("r3")),
        C("admin", None, f_create(team="B"), OK, lead_owner("none"))]),
    "lead_get": dict(lowest="rep", cells=[
        C("anon", "own", f_get, UNAUTH),
        C("r1", "own", f_get, OK), C("r1", "other", f_get, NF), C("r1", "pool", f_get, OK),
        C("r1", "teamB", f_get, NF),
        C("mA", "other", f_get, OK), C("mA", "pool", f_get, OK), C("mA", "teamB", f_get, NF),
        C("admin", "other", f_get, OK), C("admin", "teamB", f_get, OK)]),
    "lead_update": dict(lowest="rep", cells=[
        C("anon", "own", f_update, UNAUTH),
        C("r1", "own", f_update, OK), C("r1", "other", f_update, NF),
        C("r1", "pool", f_update, OK, note="a visible pool lead"),
        C("r1", "teamB", f_update, NF),
        C("mA", "other", f_update, OK), C("mA", "pool", f_update, OK),
        C("mA", "teamB", f_update, NF),
        C("admin", "other", f_update, OK), C("admin", "teamB", f_update, OK)]),
    "lead_list": dict(lowest="rep", cells=[
        C("anon", None, f_list, UNAUTH),
        C("r1", "all", f_list, OK, list_sees(["own", "pool"], ["other", "teamB"])),
        C("mA", "all", f_list, OK, list_sees(["own", "other", "pool"], ["teamB"])),
        C("admin", "all", f_list, OK, list_sees(["own", "other", "pool", "teamB"], []))]),
    "lead_set_status": dict(lowest="rep", cells=[
        C("anon", "own", f_set_status, UNAUTH),
        C("r1", "own", f_set_status, OK), C("r1", "other", f_set_status, NF),
        C("r1", "pool", f_set_status, OK, note="a visible pool lead"),
        C("r1", "teamB", f_set_status, NF),
        C("mA", "other", f_set_status, OK), C("mA", "teamB", f_set_status, NF),
        C("admin", "teamB", f_set_status, OK)]),
    "status_list": dict(lowest="rep", cells=[
        C("anon", None, f_empty("status_list"), UNAUTH),
        C("r1", None, f_empty("status_list"), OK), C("mA", None, f_empty("status_list"), OK),
        C("admin", None, f_empty("status_list"), OK)]),
    "lead_claim": dict(lowest="rep", cells=[
        C("anon", "pool", f_claim, UNAUTH),
        C("r1", "pool", f_claim, OK, lead_owner("r1")),
        C("r1", "own", f_claim, OK, lead_owner("r1"), "claiming your own lead: unchanged"),
        C("r1", "other", f_claim, NF,
          note="owned by a teammate: NOT_FOUND, as for any lead a rep may not see "
               "(naming the owner would reveal it)"),
        C("r1", "teamB", f_claim, NF),
        C("mA", "pool", f_claim, OK, lead_owner("mA")),
        C("mA", "other", f_claim, FP, note="already claimed by r2"),
        C("mA", "teamB", f_claim, NF),
        C("admin", "other", f_claim, FP, note="already claimed by r2")]),
    "lead_assign": dict(lowest="manager", cells=[
        C("anon", "own", f_assign("r2"), UNAUTH),
        C("r1", "own", f_assign("r2"), PD), C("r1", "pool", f_assign("r1"), PD),
        C("mA", "other", f_assign("r1"), OK, lead_owner("r1")),
        C("mA", "pool", f_assign("r2"), OK, lead_owner("r2")),
        C("mA", "other", f_assign(to_pool=True), OK, lead_owner("none")),
        C("mA", "teamB", f_assign("r1"), NF),
        C("mA", "other", f_assign("r3"), {PD, NF, FP}, note="to a user outside mA's teams"),
        C("admin", "teamB", f_assign("r1"), OK, lead_owner("r1")),
        C("admin", "other", f_assign("r3"), OK, lead_owner("r3"))]),
    "lead_bulk_assign": dict(lowest="manager", cells=[
        C("anon", "other", f_bulk("r2", "r1"), UNAUTH),
        C("r1", "other", f_bulk("r2", "r1"), PD),
        C("mA", "other", f_bulk("r2", "r1"), OK),
        C("mA", "teamB", f_bulk("r3", "r1"), {PD, NF}, note="from a user outside mA's teams"),
        C("admin", "teamB", f_bulk("r3", "r1"), OK)]),
    # Rows for requests still being built: only the login gate is checked
    # until their handlers land (each helper's branch fills its cells).
    "kpi": dict(lowest="rep", cells=[
        C("anon", None, f_kpi(), UNAUTH),
        C("r1", None, f_kpi(), OK, kpi_rows(["r1", "(pool) A"], ["r2", "mA", "r3", "(pool) B"]),
          "own row and the team's visible pool"),
        C("r1", None, f_kpi("A"), OK, kpi_rows(["r1"], ["r2", "r3"])),
        C("r1", None, f_kpi("B"), PD, note="another team"),
        C("mA", None, f_kpi(), OK, kpi_rows(["r1", "r2", "mA", "(pool) A"], ["r3", "(pool) B"])),
        C("mA", None, f_kpi("B"), PD, note="a team mA does not manage"),
        C("mA", None, f_kpi("no-such-team"), NF),
        C("admin", None, f_kpi(), OK, kpi_rows(["r1", "r2", "r3", "(pool) A", "(pool) B"], [])),
        C("admin", None, f_kpi("B"), OK, kpi_rows(["r3", "(pool) B"], ["r1", "(pool) A"]))]),
    "search_save": dict(lowest="rep", cells=[
        C("anon", None, f_search_save(), UNAUTH),
        C("r1", None, f_search_save(), OK, search_is(None, "r1"), "your own"),
        C("r1", None, f_search_save("A"), PD, note="a rep shares with a team"),
        C("mA", None, f_search_save("A"), OK, search_is("A", "mA"), "for the team mA manages"),
        C("mA", None, f_search_save("B"), PD, note="a team mA does not manage"),
        C("admin", None, f_search_save("B"), OK, search_is("B", ADMIN), "admins: any team")]),
    "search_list": dict(lowest="rep", cells=[
        C("anon", None, f_search_list, UNAUTH),
        C("r1", None, f_search_list, OK, searches_seen(["own", "A"], ["r2", "B"])),
        C("mA", None, f_search_list, OK, searches_seen(["own", "A"], ["r2", "B"])),
        C("admin", None, f_search_list, OK, searches_seen(["own", "A", "B"], ["r2"]))]),
    "search_edit": dict(lowest="rep", cells=[
        C("anon", None, f_search_by("search_edit", "own"), UNAUTH),
        C("r1", None, f_search_by("search_edit", "own"), OK, note="your own"),
        C("r1", None, f_search_by("search_edit", "A"), PD, note="a team search it sees"),
        C("r1", None, f_search_by("search_edit", "B"), NF, note="team B's: not seen"),
        C("r1", None, f_search_by("search_edit", "r2"), NF, note="a teammate's own"),
        C("mA", None, f_search_by("search_edit", "A"), OK, note="team A's, which mA manages"),
        C("mA", None, f_search_by("search_edit", "B"), NF, note="team B's: not seen"),
        C("admin", None, f_search_by("search_edit", "B"), OK, note="any team's")]),
    "search_rm": dict(lowest="rep", cells=[
        C("anon", None, f_search_by("search_rm", "own"), UNAUTH),
        C("r1", None, f_search_by("search_rm", "own"), OK, note="your own"),
        C("r1", None, f_search_by("search_rm", "A"), PD, note="a team search it sees"),
        C("r1", None, f_search_by("search_rm", "B"), NF, note="team B's: not seen"),
        C("r1", None, f_search_by("search_rm", "r2"), NF, note="a teammate's own"),
        C("mA", None, f_search_by("search_rm", "A"), OK, note="team A's, which mA manages"),
        C("mA", None, f_search_by("search_rm", "B"), NF, note="team B's: not seen"),
        C("admin", None, f_search_by("search_rm", "B"), OK, note="any team's")]),
    "search_pin": dict(lowest="rep", cells=[
        C("anon", None, f_search_by("search_pin", "own"), UNAUTH),
        C("r1", None, f_search_by("search_pin", "own"), OK, search_pinned, "your own"),
        C("r1", None, f_search_by("search_pin", "A"), OK, search_pinned, "a team search it sees"),
        C("r1", None, f_search_by("search_pin", "B"), NF, note="team B's: not seen"),
        C("r1", None, f_search_by("search_pin", "r2"), NF, note="a teammate's own"),
        C("mA", None, f_search_by("search_pin", "A"), OK, search_pinned),
        C("mA", None, f_search_by("search_pin", "B"), NF, note="team B's: not seen"),
        C("admin", None, f_search_by("search_pin", "B"), OK, search_pinned)]),
    "user_add": dict(lowest="admin", cells=[
        C("anon", None, f_user_add, UNAUTH),
        C("r1", None, f_user_add, PD), C("mA", None, f_user_add, PD),
        C("admin", None, f_user_add, OK)]),
    "user_list": dict(lowest="manager", cells=[
        C("anon", None, f_empty("user_list"), UNAUTH),
        C("r1", None, f_empty("user_list"), PD),
        C("mA", None, f_empty("user_list"), OK, users_seen(["r1", "r2"], ["r3", "mB"])),
        C("admin", None, f_empty("user_list"), OK, users_seen(["r1", "r2", "r3", "mA", "mB"], []))]),
    "user_edit": dict(lowest="admin", cells=[
        C("anon", None, f_user_edit, UNAUTH),
        C("r1", None, f_user_edit, PD), C("mA", None, f_user_edit, PD),
        C("admin", None, f_user_edit, OK)]),
    "user_passwd": dict(lowest="rep", cells=[
        C("anon", None, f_passwd_self, UNAUTH),
        C("r1", None, f_passwd_self, OK), C("r1", None, f_passwd_other("r2"), PD),
        C("mA", None, f_passwd_self, OK), C("mA", None, f_passwd_other("r1"), PD),
        C("admin", None, f_passwd_other(), OK)]),
    "user_disable": dict(lowest="admin", cells=[
        C("anon", None, f_disable(), UNAUTH),
        C("r1", None, f_disable(), PD), C("mA", None, f_disable(), PD),
        C("admin", None, f_disable(), OK), C("admin", None, f_disable(ADMIN), FP,
                                             note="an admin cannot disable themselves")]),
    "team_add": dict(lowest="admin", cells=[
        C("anon", None, f_team_add, UNAUTH),
        C("r1", None, f_team_add, PD), C("mA", None, f_team_add, PD),
        C("admin", None, f_team_add, OK)]),
    "team_list": dict(lowest="rep", cells=[
        C("anon", None, f_empty("team_list"), UNAUTH),
        C("r1", None, f_empty("team_list"), OK, teams_seen(["A"], ["B"])),
        C("mA", None, f_empty("team_list"), OK, teams_seen(["A"], ["B"])),
        C("admin", None, f_empty("team_list"), OK, teams_seen(["A", "B"], []))]),
    "team_edit": dict(lowest="admin", cells=[
        C("anon", None, f_team_edit, UNAUTH),
        C("r1", None, f_team_edit, PD), C("mA", None, f_team_edit, PD),
        C("admin", None, f_team_edit, OK)]),
    "stats": dict(lowest="admin", cells=[
        C("anon", None, f_empty("stats"), UNAUTH),
        C("r1", None, f_empty("stats"), PD), C("mA", None, f_empty("stats"), PD),
        C("admin", None, f_empty("stats"), OK)]),
}

# Request families added later keep their rows in permissions_rows_*.py
# beside this file: each has rows(m), given this module (its C, OK, ...
# and cell builders), returning {request: row} to add to MATRIX.
def _load_row_modules():
    import glob
    import importlib
    here = os.path.dirname(os.path.abspath(__file__))
    me = sys.modules[__name__]
    for path in sorted(glob.glob(os.path.join(here, "permissions_rows_*.py"))):
        mod = importlib.import_module(os.path.basename(path)[:-3])
        for req, row in mod.rows(me).items():
            if req in MATRIX:
                raise RuntimeError("%s: %s is already in the matrix" % (path, req))
            MATRIX[req] = row


_load_row_modules()


def parse_doc(path):
    """{request: lowest role} from the request table of docs/permissions.md."""
    rows = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\|\s*([a-z_]+)\s*\|\s*([a-z]+)\s*\|\s*([^|]*?)\s*\|\s*([a-z]+)\s*\|\s*$",
                     line)
        if m and m.group(1) != "request":
            rows[m.group(1)] = m.group(2)
    return rows


def check_matrix_shape(pb, doc):
    """The matrix against the doc and itself; returns complaints."""
    bad = []
    if not doc:
        bad.append("no request table found in docs/permissions.md")
    for req, lowest in doc.items():
        if req not in MATRIX:
            bad.append("docs/permissions.md has %s, which the matrix does not cover" % req)
        elif MATRIX[req]["lowest"] != lowest:
            bad.append("%s: docs/permissions.md says lowest role %s, the matrix %s"
                       % (req, lowest, MATRIX[req]["lowest"]))
    for req in MATRIX:
        if req not in doc:
            bad.append("the matrix has %s, which docs/permissions.md lacks" % req)
    # Every request body of the protocol is in the matrix.
    bodies = [f.name for f in pb.Request.DESCRIPTOR.oneofs_by_name["body"].fields]
    for b in bodies:
        if b not in MATRIX:
            bad.append("Request.%s (proto) is not in the matrix" % b)
    for req, row in MATRIX.items():
        callers = {c["caller"] for c in row["cells"]}
        for who in CALLER_RANK:
            if who not in callers:
                bad.append("%s: no cell for caller %s" % (req, who))
        lowest = RANK[row["lowest"]]
        for c in row["cells"]:
            if c["caller"] == "anon" and lowest > 0 and c["expect"] != {UNAUTH}:
                bad.append("%s: anon must expect UNAUTHENTICATED" % req)
            elif c["caller"] != "anon" and CALLER_RANK[c["caller"]] < lowest \
                    and c["expect"] != {PD}:
                bad.append("%s: %s is below %s and must expect PERMISSION_DENIED"
                           % (req, c["caller"], row["lowest"]))
    return bad


class World:
    def __init__(self, pb, d):
        self.pb, self.d, self.n = pb, d, 0
        self.admin = Client(pb, d.port)
        self.ids = {"none": 0, ADMIN: self.admin.user.id}
        self.passwords = {ADMIN: ADMIN_PASSWORD}
        self.conns = {}
        self.kinds = {}

    def ok(self, fill, what):
        r = self.admin.call(fill)
        if r.code != self.pb.OK:
            raise RuntimeError("setup: %s: %s %s" % (what, self.pb.Code.Name(r.code), r.message))
        return r

    def user(self, name, role, team=None):
        def fill(q):
            q.user_add.name = name
            q.user_add.role = role
            q.user_add.password = PW
            if team:
                q.user_add.team = team
        r = self.ok(fill, "user_add " + name)
        self.ids[name] = r.user.user.id
        self.passwords[name] = PW
        return name

    def setup(self):
        pb = self.pb
        self.user("mA", pb.ROLE_MANAGER)
        self.user("mB", pb.ROLE_MANAGER)
        self.ok(lambda q: (setattr(q.team_add, "name", "A"), q.team_add.managers.append("mA")),
                "team_add A")
        self.ok(lambda q: (setattr(q.team_add, "name", "B"), q.team_add.managers.append("mB")),
                "team_add B")
        self.ok(lambda q: (setattr(q.team_edit, "name", "A"),
                           setattr(q.team_edit, "pool_visible", True)), "team_edit A pool")
        self.user("r1", pb.ROLE_REP, "A")
        self.user("r2", pb.ROLE_REP, "A")
        self.user("r3", pb.ROLE_REP, "B")

    def lead(self, kind):
        self.n += 1
        owner, team = {"own": ("r1", None), "other": ("r2", None), "pool": (None, "A"),
                       "teamB": ("r3", None)}[kind]
        r = self.admin.create("fixture %s %d" % (kind, self.n), owner=owner, team=team)
        if r.code != self.pb.OK:
            raise RuntimeError("setup: lead %s: %s" % (kind, r.message))
        return r.lead.lead

    def fresh_user(self):
        self.n += 1
        return self.user("tmp%d" % self.n, self.pb.ROLE_REP, "A")

    def fresh_team(self):
        self.n += 1
        name = "tteam%d" % self.n
        self.ok(lambda q: setattr(q.team_add, "name", name), "team_add " + name)
        return name

    def conn(self, caller):
        """A connection for the caller: anon said Hello only. A fresh one per
        cell (token resume: cheap), so logout/login/passwd cells stand alone."""
        if caller == "anon":
            return Client(self.pb, self.d.port, user=None)
        tok = self.conns.get(caller)
        if tok:
            try:
                return Client(self.pb, self.d.port, token=tok)
            except Exception:
                pass
        c = Client(self.pb, self.d.port, user=caller, password=self.passwords[caller])
        self.conns[caller] = c.token
        return c


def run_cell(w, req, cell):
    pb = w.pb
    w.n += 1
    if cell["lead"] == "all":
        w.kinds = {k: w.lead(k) for k in ("own", "other", "pool", "teamB")}
        w.lead_ = None
    else:
        w.lead_ = w.lead(cell["lead"]) if cell["lead"] else None

    class Ctx:
        pass
    ctx = Ctx()
    ctx.pb, ctx.n, ctx.lead, ctx.ids, ctx.kinds = pb, w.n, w.lead_, w.ids, w.kinds
    ctx.fresh_user, ctx.fresh_team = w.fresh_user, w.fresh_team
    ctx.caller_name = "r1" if cell["caller"] == "anon" else cell["caller"]
    ctx.caller_password = w.passwords[ctx.caller_name]
    c = w.conn(cell["caller"])
    try:
        r = c.call(lambda q: cell["fill"](q, ctx))
    finally:
        c.close()
    got = pb.Code.Name(r.code)
    complaint = None
    if got not in cell["expect"]:
        complaint = "got %s (%s)" % (got, r.message)
    elif got == OK and cell["check"]:
        complaint = cell["check"](r, ctx)
    if got == FP and req == "lead_claim" and "already claimed by r2" not in r.message:
        complaint = "FAILED_PRECONDITION without 'already claimed by r2': %s" % r.message
    return got, r.message, complaint


def main():
    binary, proto_dir, doc_path = sys.argv[1], sys.argv[2], sys.argv[3]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        doc = parse_doc(doc_path)
        shape = check_matrix_shape(pb, doc)
        for s in shape:
            print("FAIL matrix/doc: %s" % s)
        failed += len(shape)
        if not shape:
            print("ok   matrix covers the %d requests of %s with the same lowest roles"
                  % (len(doc), doc_path))
            passed += 1
        d = Leadd(binary, tmp).start()
        try:
            w = World(pb, d)
            w.setup()
            for req, row in MATRIX.items():
                for cell in row["cells"]:
                    got, msg, complaint = run_cell(w, req, cell)
                    label = "%-16s %-5s %-5s %s" % (req, cell["caller"], cell["lead"] or "-",
                                                     cell["note"])
                    if complaint:
                        failed += 1
                        print("FAIL %s: expected %s, %s" % (label, "/".join(sorted(cell["expect"])),
                                                           complaint))
                    else:
                        passed += 1
                        print("ok   %s -> %s" % (label, got))
            w.admin.close()
        finally:
            rc = d.stop()
        if rc != 0:
            print("FAIL leadd exit status %d after SIGTERM" % rc)
            failed += 1
        else:
            passed += 1
        if d.verify() != 0:
            print("FAIL leadd verify")
            failed += 1
        else:
            passed += 1
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
