#!/usr/bin/python3
"""Archive, restore and renew (issue 12) through the protocol.

Usage: archive_renew.py LEADD_BINARY PROTO_DIR

Setup: team A (manager mA, reps r1 and r2), team B (manager mB, rep r3).
  - archive: a manager of the lead's team archives it; the reply says so and
    the version moves; archiving it again is a no-op (same version, nothing
    in the history); a stale expected_version is ABORTED; a rep is refused
    (PERMISSION_DENIED) and so is the manager of another team (NOT_FOUND).
  - kpi: an archived lead leaves the live counts and values of its row,
    team and total and is counted apart in KpiCounts.archived by class;
    its status moving while archived moves only archived counts; restore
    brings everything back.
  - a KPI watcher gets the deltas of archive (-1 live with the value, +1
    archived), of a status move while archived (archived only) and of
    restore; a model fed the live deltas equals a fresh kpi.
  - history keeps the archive and the restore ("archived" yes / none).
  - renew: contacts all|main|none, value, description, tags, client folder
    carried over, source "renewal", title and status words, links both ways
    in one commit (the origin's version moves, its renewals list the new
    ids oldest first); owner rules (a rep only themselves; a manager only
    users of their teams; a disabled user refused); dead/lost statuses and
    a blank title refused; an archived origin may be renewed.
  - kpi flow: renewals counted apart from created, renewals converted apart
    from converted.
  - the bound: a lead keeps at most 500 renewals; the 501st is refused with
    a sentence saying what to do.
Lists (LeadFilter.archived) are another part's and not checked here.
Ends with leadd stopped and `leadd verify` passing (it recounts the
archived counts and replays the renewals' rollup)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc, ok_call,  # noqa: E402
                           pipeline, run_test)
from watch_lib import Model, Watcher, kpi_now, watch_ok  # noqa: E402

PW = "archive-renew-pw-1"
res = Results()


def get(c, lid):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lid), "lead_get %d" % lid).lead.lead


def archive(c, lid, restore=False, expected=None):
    def fill(q):
        m = q.lead_restore if restore else q.lead_archive
        m.id = lid
        if expected is not None:
            m.expected_version = expected
    return c.call(fill)


def renew(c, lid, **kw):
    def fill(q):
        q.lead_renew.id = lid
        for k, v in kw.items():
            setattr(q.lead_renew, k, v)
    return c.call(fill)


def kpi(c, team=None, since=None):
    def fill(q):
        q.kpi.SetInParent()
        if team:
            q.kpi.team = team
        if since is not None:
            q.kpi.since = since
    return ok_call(c, fill, "kpi").kpi


def class_count(counts, pb, cls, archived=False):
    for cc in (counts.archived if archived else counts.classes):
        if cc.kpi_class == cls:
            return cc.count
    return 0


def class_value(counts, cls):
    for cc in counts.classes:
        if cc.kpi_class == cls:
            return {m.currency: m.amount_minor for m in cc.value}
    return {}


def row(k, name):
    for r in k.owners:
        if r.name == name:
            return r.counts
    raise RuntimeError("no kpi row %s" % name)


def history_fields(c, lid):
    def fill(q):
        q.lead_history.id = lid
    items = ok_call(c, fill, "lead_history").lead_history.items
    return [(it.revision, [(ch.field, ch.old_value, ch.new_value) for ch in it.changes])
            for it in items]


def check_archive(pb, d, admin, ma, mb, r1):
    new = pb.KPI_NEW
    lead = ok_call(r1, lambda q: (setattr(q.lead_create, "title", "Archive me"),
                                  setattr(q.lead_create.value, "amount_minor", 120000),
                                  setattr(q.lead_create.value, "currency", "EUR")),
                   "create").lead.lead
    before = kpi(ma)
    live0 = class_count(row(before, "r1"), pb, new)
    val0 = class_value(row(before, "r1"), new).get("EUR", 0)

    watcher = Watcher(pb, d.port, "mA", PW)
    watch_ok(watcher, ["kpi"], "kpi watch")
    snap = watcher.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    model = Model(pb)
    model.snapshot(snap[-1])

    r = archive(r1, lead.id)
    res.record("a rep may not archive (PERMISSION_DENIED)", r.code == pb.PERMISSION_DENIED,
               desc(pb, r))
    r = archive(mb, lead.id)
    res.record("another team's manager gets NOT_FOUND", r.code == pb.NOT_FOUND, desc(pb, r))
    r = archive(ma, lead.id, expected=lead.version + 100)
    res.record("a stale expected_version is ABORTED", r.code == pb.ABORTED, desc(pb, r))
    r = archive(ma, lead.id, expected=lead.version)
    ok = r.code == pb.OK and r.lead.lead.archived and r.lead.lead.version > lead.version
    res.record("the team's manager archives it", ok, desc(pb, r))
    archived_version = r.lead.lead.version
    r = archive(ma, lead.id)
    res.record("archiving it again is a no-op (OK, same version)",
               r.code == pb.OK and r.lead.lead.version == archived_version, desc(pb, r))
    res.record("lead_get still reads an archived lead (archived set)",
               get(r1, lead.id).archived)

    after = kpi(ma)
    rc = row(after, "r1")
    res.record("archived: out of r1's live count",
               class_count(rc, pb, new) == live0 - 1, "%d -> %d" % (live0, class_count(rc, pb, new)))
    res.record("archived: out of r1's live value",
               class_value(rc, new).get("EUR", 0) == val0 - 120000)
    res.record("archived: counted apart in r1's row, team and total",
               class_count(rc, pb, new, True) == 1 and
               class_count(after.teams[0].counts, pb, new, True) >= 1 and
               class_count(after.total, pb, new, True) >= 1, str(rc.archived))
    res.record("archived: not in the row's per-status counts",
               sum(s.count for s in rc.statuses) == sum(c.count for c in rc.classes))

    evs = watcher.until(lambda e: e.kind == pb.EVENT_KPI and any(x.archived for x in e.kpi))
    kev = [e for e in evs if e.kind == pb.EVENT_KPI][-1]
    live = [x for x in kev.kpi if not x.archived]
    arch = [x for x in kev.kpi if x.archived]
    ok = (len(live) == 1 and live[0].count == -1 and
          [(m.currency, m.amount_minor) for m in live[0].value] == [("EUR", -120000)] and
          len(arch) == 1 and arch[0].count == 1 and not arch[0].value and
          arch[0].kpi_class == new and kev.change == pb.LEAD_CHANGE_ARCHIVE)
    res.record("the KPI watcher gets -1 live (with the value) and +1 archived", ok, str(kev))
    for e in evs:
        if e.kind == pb.EVENT_KPI:
            model.apply(e)

    # Moved while archived: only the archived counts move.
    ok_call(ma, lambda q: (setattr(q.lead_set_status, "id", lead.id),
                           setattr(q.lead_set_status, "status", "lead-Qualified")), "set_status")
    k2 = kpi(ma)
    rc = row(k2, "r1")
    res.record("a status move while archived moves archived counts only",
               class_count(rc, pb, new, True) == 0 and
               class_count(rc, pb, pb.KPI_QUALIFIED, True) == 1 and
               class_count(rc, pb, new) == live0 - 1, str(rc.archived))
    evs = watcher.until(lambda e: e.kind == pb.EVENT_KPI and e.change == pb.LEAD_CHANGE_STATUS)
    kev = evs[-1]
    res.record("its KPI deltas are archived ones",
               len(kev.kpi) == 2 and all(x.archived for x in kev.kpi) and
               sorted(x.count for x in kev.kpi) == [-1, 1], str(kev))
    for e in evs:
        if e.kind == pb.EVENT_KPI:
            model.apply(e)

    r = archive(r1, lead.id, restore=True)
    res.record("a rep may not restore", r.code == pb.PERMISSION_DENIED, desc(pb, r))
    r = archive(ma, lead.id, restore=True)
    res.record("the manager restores it", r.code == pb.OK and not r.lead.lead.archived,
               desc(pb, r))
    v = r.lead.lead.version
    r = archive(ma, lead.id, restore=True)
    res.record("restoring it again is a no-op", r.code == pb.OK and r.lead.lead.version == v)
    rc = row(kpi(ma), "r1")
    res.record("restored: back in the live counts and values, not archived",
               class_count(rc, pb, pb.KPI_QUALIFIED) >= 1 and
               class_value(rc, pb.KPI_QUALIFIED).get("EUR", 0) >= 120000 and
               not rc.archived, str(rc))
    evs = watcher.until(lambda e: e.kind == pb.EVENT_KPI and e.change == pb.LEAD_CHANGE_RESTORE)
    kev = evs[-1]
    ok = (sorted((x.archived, x.count) for x in kev.kpi) == [(False, 1), (True, -1)] and
          [(m.currency, m.amount_minor) for x in kev.kpi if not x.archived for m in x.value] ==
          [("EUR", 120000)])
    res.record("the KPI watcher gets +1 live (with the value) and -1 archived", ok, str(kev))
    for e in evs:
        if e.kind == pb.EVENT_KPI:
            model.apply(e)
    now, _ = kpi_now(ma)
    res.record("a model fed the live deltas equals a fresh kpi", model.kpi == now,
               "%s vs %s" % (model.kpi, now))
    watcher.close()

    hist = history_fields(ma, lead.id)
    arch = [f for _, fs in hist for f in fs if f[0] == "archived"]
    res.record("history keeps the archive and the restore",
               arch == [("archived", "", "yes"), ("archived", "yes", "")], str(arch))
    res.record("the no-ops left nothing in the history", len(hist) == 4, str(hist))


def check_renew(pb, d, admin, ma, r1, r2):
    def fill(q):
        c = q.lead_create
        c.title = "Acme support 2026"
        c.owner = "r1"
        c.description = "Yearly support"
        c.value.amount_minor = 500000
        c.value.currency = "EUR"
        c.tags.extend(["Support", "yearly"])
        c.client_name = "Acme Renewals"
        c.new_client = True
        c.source = "fair"
        for name, email in (("Ana Ruiz", "ana@acme.io"), ("Bob Stone", "bob@acme.io")):
            ct = c.contacts.add()
            ct.name, ct.email = name, email
    origin = ok_call(admin, fill, "create origin").lead.lead

    r = renew(r1, origin.id, contacts=pb.RENEW_CONTACTS_MAIN)
    res.record("the owner renews it", r.code == pb.OK, desc(pb, r))
    n1 = r.lead.lead
    ok = (n1.id != origin.id and n1.renewed_from == origin.id and n1.title == origin.title and
          n1.description == "Yearly support" and n1.value.amount_minor == 500000 and
          n1.value.currency == "EUR" and list(n1.tags) == ["Support", "yearly"] and
          n1.client_id == origin.client_id and n1.client_name == "Acme Renewals" and
          n1.source == "renewal" and n1.owner_id == origin.owner_id and
          not n1.archived and not n1.renewals)
    res.record("the renewal carries value, description, tags, folder; source renewal", ok,
               "" if ok else str(n1))
    res.record("contacts main: only the main contact",
               [(c.name, c.email) for c in n1.contacts] == [("Ana Ruiz", "ana@acme.io")],
               str(n1.contacts))
    o = get(r1, origin.id)
    res.record("the origin lists the renewal, in the same commit (version +1)",
               list(o.renewals) == [n1.id] and o.version == n1.version + 1,
               "%s v%d / v%d" % (list(o.renewals), o.version, n1.version))
    res.record("the new lead's status is the first of class new",
               n1.status_id == 1, str(n1.status_id))

    r = renew(r1, origin.id, contacts=pb.RENEW_CONTACTS_NONE, title="Acme upsell",
              status="lead-Qual")
    n2 = r.lead.lead
    res.record("contacts none, a title and a status word",
               r.code == pb.OK and not n2.contacts and n2.title == "Acme upsell" and
               n2.status_id == 2, desc(pb, r))
    r = renew(r1, origin.id)
    n3 = r.lead.lead
    res.record("contacts absent: all of them",
               r.code == pb.OK and [c.name for c in n3.contacts] == ["Ana Ruiz", "Bob Stone"],
               desc(pb, r))
    o = get(r1, origin.id)
    res.record("renewals oldest first", list(o.renewals) == [n1.id, n2.id, n3.id],
               str(list(o.renewals)))
    hist = history_fields(r1, origin.id)
    ren = [f for _, fs in hist for f in fs if f[0] == "renewals"]
    res.record("the origin's history shows each renewal",
               len(ren) == 3 and ren[-1][2] == "lead %d, lead %d, lead %d" % (n1.id, n2.id, n3.id),
               str(ren))
    hist = history_fields(r1, n1.id)
    res.record("the renewal's history names its origin",
               ("renewed_from", "", "lead %d" % origin.id) in hist[0][1], str(hist[0]))

    r = renew(r1, origin.id, owner="r2")
    res.record("a rep renews for themselves only (PERMISSION_DENIED)",
               r.code == pb.PERMISSION_DENIED and "r2" in r.message, desc(pb, r))
    r = renew(ma, origin.id, owner="r2")
    res.record("a manager gives the renewal to a rep of the team",
               r.code == pb.OK and r.lead.lead.owner_id == r2.user.id, desc(pb, r))
    r = renew(ma, origin.id, owner="r3")
    res.record("a manager cannot give it outside their teams (NOT_FOUND)",
               r.code == pb.NOT_FOUND, desc(pb, r))
    r = renew(ma, origin.id, status="lead-Dead")
    res.record("a renewal cannot start dead", r.code == pb.INVALID_ARGUMENT and
               "dead" in r.message, desc(pb, r))
    r = renew(ma, origin.id, status="prospect-Lost")
    res.record("nor lost", r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = renew(ma, origin.id, title="  ")
    res.record("a blank title is refused", r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    r = renew(ma, origin.id, status="no-such-status")
    res.record("an unknown status word is refused (NOT_FOUND, naming the statuses)",
               r.code == pb.NOT_FOUND and "lead-New" in r.message, desc(pb, r))
    r = renew(r1, 999999)
    res.record("renewing a lead that does not exist: NOT_FOUND", r.code == pb.NOT_FOUND)
    ok_call(admin, lambda q: (setattr(q.user_disable, "name", "r2")), "disable r2")
    r = renew(ma, origin.id, owner="r2")
    res.record("a disabled owner is refused (FAILED_PRECONDITION)",
               r.code == pb.FAILED_PRECONDITION, desc(pb, r))
    ok_call(ma, lambda q: setattr(q.lead_archive, "id", origin.id), "archive origin")
    r = renew(r1, origin.id)
    res.record("an archived lead may be renewed; the renewal is live",
               r.code == pb.OK and not r.lead.lead.archived, desc(pb, r))
    return origin, [n1, n2, n3]


def check_flow(pb, admin, ma, renewals):
    today = int(time.time() * 1000)
    f0 = kpi(admin, since=today).flow
    # Convert one renewal (lead stage -> prospect stage) and one new lead.
    plain = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "plain"),
                                      setattr(q.lead_create, "owner", "r1")), "create").lead.lead
    for lid in (renewals[0].id, plain.id):
        ok_call(admin, lambda q, lid=lid: (setattr(q.lead_set_status, "id", lid),
                                           setattr(q.lead_set_status, "status",
                                                   "prospect-Qualified")), "convert")
    f1 = kpi(admin, since=today).flow
    res.record("a plain create counts in created, not renewals",
               f1.created == f0.created + 1 and f1.renewals == f0.renewals,
               "%d/%d -> %d/%d" % (f0.created, f0.renewals, f1.created, f1.renewals))
    res.record("renewals converted apart from converted",
               f1.converted == f0.converted + 1 and
               f1.renewals_converted == f0.renewals_converted + 1,
               "%d/%d -> %d/%d" % (f0.converted, f0.renewals_converted, f1.converted,
                                   f1.renewals_converted))
    r = renew(admin, plain.id)
    f2 = kpi(admin, since=today).flow
    res.record("a renewal counts in renewals, not created",
               r.code == pb.OK and f2.renewals == f1.renewals + 1 and f2.created == f1.created,
               "%d/%d -> %d/%d" % (f1.created, f1.renewals, f2.created, f2.renewals))
    # n1, n2, n3, r2's, the archived origin's, and plain's.
    res.record("every renewal of the test is counted", f2.renewals == 6, str(f2.renewals))


def check_bound(pb, admin):
    lid = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "many renewals"),
                                    setattr(q.lead_create, "owner", "r1")), "create").lead.lead.id

    def fill(q):
        q.lead_renew.id = lid
        q.lead_renew.contacts = pb.RENEW_CONTACTS_NONE
    answers = pipeline(admin, [fill] * 500)
    res.record("500 renewals of one lead are kept", all(a.code == pb.OK for a in answers),
               desc(pb, next((a for a in answers if a.code != pb.OK), answers[0])))
    r = renew(admin, lid)
    res.record("the 501st is refused, saying what to do",
               r.code == pb.FAILED_PRECONDITION and "latest renewal" in r.message, desc(pb, r))
    res.record("the origin holds 500 links", len(get(admin, lid).renewals) == 500)


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "A")
    add_team(admin, "B")
    add_user(admin, "mA", pb.ROLE_MANAGER, "A", PW)
    add_user(admin, "mB", pb.ROLE_MANAGER, "B", PW)
    add_user(admin, "r1", pb.ROLE_REP, "A", PW)
    add_user(admin, "r2", pb.ROLE_REP, "A", PW)
    add_user(admin, "r3", pb.ROLE_REP, "B", PW)
    for team, mgr in (("A", "mA"), ("B", "mB")):
        ok_call(admin, lambda q, team=team, mgr=mgr: (
            setattr(q.team_edit, "name", team), q.team_edit.managers.items.append(mgr)),
            "managers " + team)
    ma, mb = Client(pb, d.port, "mA", PW), Client(pb, d.port, "mB", PW)
    r1, r2 = Client(pb, d.port, "r1", PW), Client(pb, d.port, "r2", PW)
    check_archive(pb, d, admin, ma, mb, r1)
    _, renewals = check_renew(pb, d, admin, ma, r1, r2)
    check_flow(pb, admin, ma, renewals)
    check_bound(pb, admin)


if __name__ == "__main__":
    run_test(res, "archive_renew", run)
