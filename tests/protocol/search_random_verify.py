#!/usr/bin/python3
"""Random writes from several clients, then the indexes and counters must
hold no difference (issue 9): `leadd verify` (which checks the new indexes
and counters against the records) passes, and KpiRequest's counts equal
those computed from the full list, for every kind of caller.

Usage: search_random_verify.py LEADD_BINARY PROTO_DIR

The admin, two managers and three reps each run random create, edit,
status, assign and claim requests for a bounded time (20 s; the sanitizer
build scales it with LEADD_SEARCH_SCALE) on top of 1,000 random leads.
Refusals the rules allow (a stale version, a lead someone else took, one
claimed first) are expected; any other error fails. Then, as the admin, a
manager of both teams, a manager of one, a rep whose team's pool is
visible and a rep whose team's pool is hidden, for both groupings (by
owner, by team):
- the total per KPI class (count and value per currency) and per status
  equals the count over the caller's full list;
- each owner row (and each team's pool row) equals the count over the
  leads of that owner (pool) in the list; each team row over that team's;
  every owner, pool or team with leads in the list has its row.
Ends with leadd stopped (SIGTERM, exit 0) and `leadd verify` passing.
LEADD_SEARCH_SEED repeats a run."""
import os
import random
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import give_reason  # noqa: E402
from leadd_harness import ADMIN, Client, Leadd, Results, load_pb  # noqa: E402
import search_model as sm  # noqa: E402

ACCEPTED = (0, 5, 9, 10)  # OK, NOT_FOUND, FAILED_PRECONDITION, ABORTED
ACTORS = [ADMIN, "mgr_a", "boss", "rep_a1", "rep_a2", "rep_b1"]
KPI_CALLERS = [ADMIN, "boss", "mgr_a", "rep_a1", "rep_b1"]


class Actor(threading.Thread):
    """One user writing at random, within their rights, until the deadline."""

    def __init__(self, pb, port, name, password, world, people, seed, deadline):
        threading.Thread.__init__(self, daemon=True)
        self.c = Client(pb, port, user=name, password=password)
        self.name, self.world, self.people = name, world, people
        self.user = world.users[name]
        self.rng, self.deadline = random.Random(seed), deadline
        self.leads = {l.id: l for l in sm.page_all(self.c, limit=1000)[0]}
        self.status_ids = [s.id for s in world.statuses]
        self.done, self.errors, self.n = {}, [], 0
        if self.user.role == 3:
            self.assignees, self.pools = people["reps"] + people["managers"], people["teams"]
        elif self.user.role == 2:
            teams = world.managed_teams(self.user)
            self.assignees = [u.name for u in world.users.values()
                              if u.team_id in teams and u.role == 1]
            self.pools = [t.name for t in world.teams.values() if t.id in teams]
        else:
            self.assignees, self.pools = [name], []

    def fill(self, kind, lead):
        rng = self.rng
        if kind == "create":
            owners = self.assignees
            return sm.fill_create(rng, 800000 + self.n, owners, self.pools,
                                  int(time.time() * 1000), self.status_ids)
        if kind == "edit":
            return sm.fill_update(rng, lead, 900000 + self.n)
        if kind == "status":
            s = rng.choice(self.status_ids)
            v = lead.version if rng.random() < 0.5 else None

            def fill(q):
                q.lead_set_status.id, q.lead_set_status.status_id = lead.id, s
                give_reason(q.lead_set_status)
                if v is not None:
                    q.lead_set_status.expected_version = v
            return fill
        if kind == "claim":
            return lambda q: setattr(q.lead_claim, "id", lead.id)
        if kind == "assign":
            if rng.random() < 0.25 and lead.team_id:
                return lambda q: (setattr(q.lead_assign, "id", lead.id),
                                  setattr(q.lead_assign, "to_pool", True))
            to = rng.choice(self.assignees)
            return lambda q: (setattr(q.lead_assign, "id", lead.id),
                              setattr(q.lead_assign, "to_user", to))
        raise AssertionError(kind)

    def one(self):
        rng = self.rng
        self.n += 1
        kinds = ["create", "edit", "edit", "status", "status"]
        if self.user.role >= 2:
            kinds += ["assign", "assign"]
        else:
            team = self.world.team_by_id.get(self.user.team_id)
            if team is not None and team.pool_visible:
                kinds += ["claim"]
        kind = rng.choice(kinds)
        lead = None
        if kind != "create":
            if not self.leads:
                kind = "create"
            else:
                lead = self.leads[rng.choice(list(self.leads))]
        if kind == "claim":
            pool = [l for l in self.leads.values() if l.owner_id == 0]
            if not pool:
                return
            lead = rng.choice(pool)
        r = self.c.call(self.fill(kind, lead))
        self.done[(kind, r.code)] = self.done.get((kind, r.code), 0) + 1
        if r.code == 0:
            new = r.lead.lead
            if self.world.may_see(self.user, new):
                self.leads[new.id] = new
            else:
                self.leads.pop(new.id, None)
        elif r.code == 10:
            g = self.c.call(lambda q: setattr(q.lead_get, "id", lead.id))
            if g.code == 0:
                self.leads[lead.id] = g.lead.lead
            else:
                self.leads.pop(lead.id, None)
        elif r.code in (5, 9):
            self.leads.pop(lead.id, None)
        else:
            self.errors.append("%s %s: %d %s" % (self.name, kind, r.code, r.message))
        if self.n % 200 == 0:
            # Others change what this user sees: look again now and then.
            self.leads = {l.id: l for l in sm.page_all(self.c, limit=1000)[0]}

    def run(self):
        try:
            while time.time() < self.deadline and len(self.errors) < 20:
                self.one()
        except Exception as e:  # a dropped connection must fail the test, not hang it
            self.errors.append("%s: %r" % (self.name, e))


def class_of(world, lead):
    return world.status_by_id[lead.status_id].kpi_class


def count(world, leads):
    """{"classes": {class: (count, {currency: total})}, "statuses": {id: n}}."""
    classes = {k: [0, {}] for k in range(1, 7)}
    statuses = {}
    for l in leads:
        c = classes.setdefault(class_of(world, l), [0, {}])
        c[0] += 1
        if l.HasField("value"):
            c[1][l.value.currency] = c[1].get(l.value.currency, 0) + l.value.amount_minor
        statuses[l.status_id] = statuses.get(l.status_id, 0) + 1
    # A sum of zero is left out of the answer (docs/protocol.md, KPI counts).
    return {"classes": {k: (v[0], {c: a for c, a in v[1].items() if a})
                        for k, v in classes.items()}, "statuses": statuses}


def reply_count(kc):
    classes = {k: (0, {}) for k in range(1, 7)}
    for c in kc.classes:
        classes[c.kpi_class] = (c.count, {m.currency: m.amount_minor for m in c.value
                                          if m.amount_minor})
    return {"classes": classes, "statuses": {s.status_id: s.count for s in kc.statuses
                                             if s.count}}


def diff(exp, got):
    out = []
    for k in sorted(set(exp["classes"]) | set(got["classes"])):
        e, g = exp["classes"].get(k, (0, {})), got["classes"].get(k, (0, {}))
        if e != g:
            out.append("class %d: expected %s, got %s" % (k, e, g))
    if exp["statuses"] != got["statuses"]:
        out.append("statuses: expected %s, got %s" % (exp["statuses"], got["statuses"]))
    return "; ".join(out)


def check_kpi(res, pb, port, world, name, password):
    c = Client(pb, port, user=name, password=password)
    leads = sm.page_all(c, limit=1000)[0]
    for by, label in ((pb.KPI_BY_OWNER, "by owner"), (pb.KPI_BY_TEAM, "by team")):
        r = c.call(lambda q: (q.kpi.SetInParent(), setattr(q.kpi, "by", by)))
        what = "%s: kpi %s" % (name, label)
        if r.code != 0:
            res.record("%s answers" % what, False, "%d %s" % (r.code, r.message))
            continue
        k = r.kpi
        d = diff(count(world, leads), reply_count(k.total))
        res.record("%s: total equals the count over their %d leads" % (what, len(leads)), not d, d)
        grouped = [("teams", k.teams, lambda l: (l.team_id, 0), lambda row: (row.id, 0))]
        if by == pb.KPI_BY_OWNER:
            # A user's row by their id; a team's pool row by (0, team id).
            grouped.append(("owners", k.owners,
                            lambda l: (l.owner_id, 0) if l.owner_id else (0, l.team_id),
                            lambda row: (row.id, 0) if row.id else (0, row.team_id)))
        for kind, rows, lead_key, row_key in grouped:
            groups = {}
            for l in leads:
                groups.setdefault(lead_key(l), []).append(l)
            bad, seen = [], set()
            for row in rows:
                key = row_key(row)
                seen.add(key)
                d = diff(count(world, groups.get(key, [])), reply_count(row.counts))
                if d:
                    bad.append("row %s (%s): %s" % (key, row.name, d))
            # Leads of a user in no team have no team row to be owed.
            owed = {key for key in groups if key != (0, 0)}
            missing = sorted(owed - seen)
            if missing:
                bad.append("no row for %s" % missing)
            res.record("%s: every %s row equals the count over its leads" % (what, kind),
                       not bad, "; ".join(bad[:6]))
    c.close()


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, proto = sys.argv[1:3]
    seed = sm.seed_from_env("LEADD_SEARCH_SEED")
    rng = random.Random(seed)
    scale = sm.scale_from_env()
    duration = max(5.0, 20.0 * scale)
    res = Results()
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            admin = Client(pb, d.port)
            people = sm.build_people(admin, pb)
            world = sm.World(admin)
            sm.create_leads(admin, rng, 1000, people, [s.id for s in world.statuses])
            pw = {n: (d.admin_password if n == ADMIN else sm.PW) for n in ACTORS + KPI_CALLERS}
            deadline = time.time() + duration
            actors = [Actor(pb, d.port, n, pw[n], world, people, rng.randrange(1 << 30),
                            deadline) for n in ACTORS]
            for a in actors:
                a.start()
            for a in actors:
                a.join(duration + 60)
            hung = [a.name for a in actors if a.is_alive()]
            res.record("every actor finished in time", not hung, "still running: %s" % hung)
            for a in actors:
                summary = ", ".join("%s %d: %d" % (k, c, n) for (k, c), n in sorted(a.done.items()))
                print("%s: %s" % (a.name, summary))
                res.record("%s: every refusal was one the rules allow" % a.name, not a.errors,
                           "; ".join(a.errors[:5]))
                res.record("%s: some writes succeeded" % a.name,
                           sum(n for (k, c), n in a.done.items() if c == 0) > 0)
                a.c.close()
            for name in KPI_CALLERS:
                try:
                    check_kpi(res, pb, d.port, world, name, pw[name])
                except (EOFError, OSError) as e:
                    # leadd died or dropped us: say at which caller, stop.
                    res.record("%s: kpi answers" % name, False, repr(e))
                    break
            admin.close()
        finally:
            res.stop_and_verify(d, "search random writes")
    print("%.1f s" % (time.time() - started))
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
