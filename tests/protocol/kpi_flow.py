#!/usr/bin/python3
"""KPI flow over a period (issue 9, `lead kpi --since`): the per-day rollup
the write core keeps, read back through kpi with `since`.

Usage: kpi_flow.py LEADD_FAULT_TEST_BINARY PROTO_DIR

The test-only copy of leadd reads its clock shift from
LEADD_FAULT_CLOCK_FILE, so every change below is dated: leads are created
ten days ago, qualified an hour or three later, some converted, some dead,
more created three days ago, moved the day before yesterday and yesterday.
A model of those changes computes what each query must answer (created,
qualified, dead, converted, the median time in each status from the
documented buckets, by source with sources folded) for several starts and
callers; a few answers are also written out by hand. The period is whole
UTC days: a start in the middle of a day counts that whole day. A start in
the future, or more than 366 days back, is refused; past 200 sources the
rest are summed as "(other)". Ends with `leadd
verify` (which replays the history against the rollup) passing."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import give_reason  # noqa: E402
from leadd_harness import FaultClock as Clock  # noqa: E402
from leadd_harness import (Client, Leadd, Results, add_team, add_user, load_pb, ok_call,  # noqa: E402
                           pipeline)

PW = "kpi-password-1"
DAY = 86400000
HOUR = 3600000
S_NEW, S_Q, S_DEAD, S_PROS, S_LOST, S_WON = 1, 2, 3, 4, 5, 6
CLASS = {S_NEW: "new", S_Q: "qualified", S_DEAD: "dead", S_PROS: "prospect", S_LOST: "lost",
         S_WON: "won"}
STAGE = {S_NEW: "lead", S_Q: "lead", S_DEAD: "lead", S_PROS: "prospect", S_LOST: "prospect",
         S_WON: "customer"}
res = Results()


def bucket_low(b):
    """docs/protocol.md: bucket 0 is under 1 s; bucket b holds
    [1 s * 2^((b-1)/2), 1 s * 2^(b/2))."""
    if b == 0:
        return 0
    e = b - 1
    return 1000 << (e // 2) if e % 2 == 0 else (1414213562 << (e // 2)) // 1000000


def bucket(ms):
    b = 0
    while b + 1 < 64 and ms >= bucket_low(b + 1):
        b += 1
    return b


def bucket_mid(b):
    if b == 0:
        return 500
    if b == 63:
        return bucket_low(63)
    return int(bucket_low(b) * 1.189207115)


def entered(lead):
    """When the lead entered its status: status_changed_at, stamped by the
    write core; created_at for a lead that lacks it (docs/protocol.md)."""
    return lead.status_changed_at or lead.created_at


class World:
    def __init__(self, pb, d, clock):
        self.pb, self.d, self.clock = pb, d, clock
        self.events = []  # (at, lead, from, to, team, owner, source)
        self.leads = {}   # id -> dict(status, entered, team, owner, source)
        self.admin = None

    def at(self, t):
        self.clock.at(t)
        self.now = t
        # A fresh session at each date: days apart, an old one would expire.
        if self.admin:
            self.admin.close()
        self.admin = Client(self.pb, self.d.port)

    def create(self, name, owner=None, team=None, source=None):
        def fill(q):
            q.lead_create.title = name
            if owner:
                q.lead_create.owner = owner
            if team:
                q.lead_create.team = team
            if source is not None:
                q.lead_create.source = source
        lead = ok_call(self.admin, fill, "lead_create " + name).lead.lead
        src = (source or "").strip().lower()
        self.leads[name] = dict(id=lead.id, status=lead.status_id, entered=entered(lead),
                                team=lead.team_id, owner=lead.owner_id, source=src)
        self.events.append((lead.created_at, name, 0, lead.status_id, lead.team_id,
                            lead.owner_id, src, None))
        return lead

    def move(self, name, status):
        m = self.leads[name]

        def fill(q):
            q.lead_set_status.id = m["id"]
            q.lead_set_status.status_id = status
            give_reason(q.lead_set_status)
        lead = ok_call(self.admin, fill, "lead_set_status " + name).lead.lead
        spent = lead.updated_at - m["entered"]
        self.events.append((lead.updated_at, name, m["status"], status, lead.team_id,
                            lead.owner_id, m["source"], spent))
        m.update(status=status, entered=entered(lead), team=lead.team_id,
                 owner=lead.owner_id)

    def assign(self, name, to_user):
        m = self.leads[name]

        def fill(q):
            q.lead_assign.id = m["id"]
            q.lead_assign.to_user = to_user
        lead = ok_call(self.admin, fill, "lead_assign " + name).lead.lead
        m.update(team=lead.team_id, owner=lead.owner_id)


def model(w, since, visible):
    """What kpi must answer for a period from since's UTC day on."""
    first = since // DAY * DAY
    created = qualified = dead = converted = 0
    times, sources = {}, {}
    for at, name, frm, to, team, owner, src, spent in w.events:
        if at < first or not visible(team, owner):
            continue
        s = sources.setdefault(src, [0, 0, 0])
        if frm == 0:
            created += 1
            s[0] += 1
        if CLASS[to] == "qualified":
            qualified += 1
            s[1] += 1
        if CLASS[to] == "dead":
            dead += 1
        # A move straight into lost (or dead) ends the lead: not converted.
        if frm and STAGE[frm] == "lead" and STAGE[to] == "prospect" and \
                CLASS[to] not in ("dead", "lost"):
            converted += 1
            s[2] += 1
        if frm:
            times.setdefault(frm, []).append(spent)
    medians = {}
    for st, spent in times.items():
        bs = sorted(bucket(x) for x in spent)
        medians[st] = (bucket_mid(bs[(len(bs) + 1) // 2 - 1]), len(bs))
    return dict(since=first, created=created, qualified=qualified, dead=dead,
                converted=converted, medians=medians,
                sources={k: tuple(v) for k, v in sources.items()})


def from_reply(f):
    return dict(since=f.since, created=f.created, qualified=f.qualified, dead=f.dead,
                converted=f.converted,
                medians={t.status_id: (t.median_ms, t.samples) for t in f.time_in_status},
                sources={s.source: (s.created, s.qualified, s.converted) for s in f.by_source})


def kpi(c, since, team=None):
    def fill(q):
        q.kpi.since = since
        if team:
            q.kpi.team = team
    return c.call(fill)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        clock = Clock(os.path.join(tmp, "clock"))
        d = Leadd(binary, tmp)
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock.path
        d.start()
        try:
            run(pb, d, clock)
        except Exception:
            d.stop("KILL")
            raise
        res.stop_and_verify(d, "leadd")
    return res.summary()


def run(pb, d, clock):
    today = int(time.time() * 1000) // DAY * DAY
    w = World(pb, d, clock)
    t1 = today - 10 * DAY + 10 * HOUR
    w.at(t1)
    add_team(w.admin, "A", pool_visible=True)
    add_team(w.admin, "B")
    add_user(w.admin, "mA", pb.ROLE_MANAGER, "A", PW)
    add_user(w.admin, "mB", pb.ROLE_MANAGER, "B", PW)
    for team, mgr in (("A", "mA"), ("B", "mB")):
        def fill(q, team=team, mgr=mgr):
            q.team_edit.name = team
            q.team_edit.managers.items.append(mgr)
        ok_call(w.admin, fill, "team_edit")
    r1 = add_user(w.admin, "r1", pb.ROLE_REP, "A", PW)
    r2 = add_user(w.admin, "r2", pb.ROLE_REP, "A", PW)
    add_user(w.admin, "r3", pb.ROLE_REP, "B", PW)
    w.create("L1", owner="r1", source="Web")
    w.create("L2", owner="r1", source="WEB")
    w.create("L3", owner="r2", source="Fair")
    w.create("L4", owner="r1")
    w.create("L5", team="A", source="Web")
    w.create("L8", owner="r3", source="Fair")
    w.at(t1 + 1 * HOUR)
    w.move("L1", S_Q)
    w.at(t1 + 3 * HOUR)
    w.move("L2", S_Q)
    w.move("L8", S_Q)
    t2 = today - 3 * DAY + 10 * HOUR
    w.at(t2)
    w.create("L6", owner="r1", source="Fair")
    w.create("L7", owner="r2", source="fair")
    w.move("L1", S_PROS)
    w.move("L3", S_DEAD)
    w.assign("L5", "r2")
    w.at(t2 + 1 * HOUR)
    w.move("L5", S_Q)
    w.at(t2 + 2 * HOUR)
    w.move("L6", S_Q)
    w.at(t2 + 5 * HOUR)
    w.move("L7", S_Q)
    w.move("L2", S_DEAD)
    w.move("L8", S_PROS)
    t3 = today - 1 * DAY + 10 * HOUR
    w.at(t3)
    w.move("L6", S_PROS)
    w.move("L7", S_LOST)
    w.move("L5", S_PROS)
    w.move("L5", S_WON)
    # Back to the real time for the questions.
    clock.set_shift(0)
    w.admin.close()
    clients = {"admin": Client(pb, d.port)}
    for name in ("mA", "mB", "r1", "r2"):
        clients[name] = Client(pb, d.port, name, PW)
    team_a = w.leads["L1"]["team"]
    team_b = w.leads["L8"]["team"]
    vis = {
        "admin": lambda team, owner: True,
        "mA": lambda team, owner: team == team_a,
        "mB": lambda team, owner: team == team_b,
        "r1": lambda team, owner: owner == r1.id or (owner == 0 and team == team_a),
        "r2": lambda team, owner: owner == r2.id or (owner == 0 and team == team_a),
    }
    starts = {"ten days back": today - 10 * DAY, "three days back, mid-day": today - 3 * DAY +
              15 * HOUR, "two days back": today - 2 * DAY, "today": today + 1}
    for what, since in starts.items():
        for caller, c in clients.items():
            r = kpi(c, since)
            want = model(w, since, vis[caller])
            if r.code != pb.OK or not r.kpi.HasField("flow"):
                res.record("flow from %s as %s" % (what, caller), False, str(r))
                continue
            got = from_reply(r.kpi.flow)
            res.record("flow from %s as %s" % (what, caller), got == want,
                       "got %s\nwant %s" % (got, want))
    # By hand, as the admin from three days back (whole days: from 00:00).
    f = kpi(clients["admin"], today - 3 * DAY + 15 * HOUR).kpi.flow
    res.record("period starts at 00:00 UTC of since's day", f.since == today - 3 * DAY,
               "%d" % f.since)
    res.record("period ends now", abs(f.until - time.time() * 1000) < 60000, "%d" % f.until)
    res.record("created 2 (L6, L7), qualified 3, dead 2, converted 4 (not L7's move "
               "into lost)",
               (f.created, f.qualified, f.dead, f.converted) == (2, 3, 2, 4), str(f))
    new = {t.status_id: t for t in f.time_in_status}[S_NEW]
    # L3 left New after 7 days, L5 after 7 days and 1 h, L6 after 2 h, L7
    # after 5 h: the (lower) median is 5 h.
    res.record("median time in lead-New is 5 h within the bucket resolution",
               new.samples == 4 and 5 * HOUR / 1.19 <= new.median_ms <= 5 * HOUR * 1.19,
               str(new))
    src = {s.source: s for s in f.by_source}
    res.record("by source: 'Fair' and 'fair' fold together",
               "fair" in src and (src["fair"].created, src["fair"].qualified,
                                  src["fair"].converted) == (2, 2, 2), str(f.by_source))
    f = kpi(clients["admin"], today - 10 * DAY).kpi.flow
    src = {s.source: s for s in f.by_source}
    res.record("by source: leads without one are under \"\"",
               "" in src and src[""].created == 1, str(f.by_source))
    # Bounds.
    r = kpi(clients["admin"], int(time.time() * 1000) + DAY)
    res.record("a start in the future is refused", r.code == pb.INVALID_ARGUMENT,
               "%d %s" % (r.code, r.message))
    r = kpi(clients["admin"], today - 400 * DAY)
    res.record("a period over 366 days is refused", r.code == pb.INVALID_ARGUMENT,
               "%d %s" % (r.code, r.message))
    r = kpi(clients["admin"], today - 365 * DAY)
    res.record("a period of 366 days is answered", r.code == pb.OK, r.message)
    r = kpi(clients["admin"], today - 366 * DAY + 23 * HOUR)
    res.record("a period of 367 days is refused", r.code == pb.INVALID_ARGUMENT,
               "%d %s" % (r.code, r.message))
    r = clients["admin"].call(lambda q: q.kpi.SetInParent())
    res.record("no since: no flow", r.code == pb.OK and not r.kpi.HasField("flow"))
    # At most 200 sources are listed; the others are summed as "(other)".
    def create_with_source(i):
        def fill(q):
            q.lead_create.title = "sourced %d" % i
            q.lead_create.owner = "r1"
            q.lead_create.source = "src-%03d" % i
        return fill
    answers = pipeline(clients["admin"], [create_with_source(i) for i in range(205)])
    res.record("205 leads with distinct sources created",
               all(a.code == pb.OK for a in answers))
    f = kpi(clients["admin"], today).kpi.flow
    src = {s.source: s.created for s in f.by_source}
    res.record("by_source: 200 sources and \"(other)\" with the rest",
               f.created == 205 and len(f.by_source) == 201 and src.get("(other)") == 5 and
               sum(src.values()) == 205, "%d sources, created %d, other %s" % (
                   len(f.by_source), f.created, src.get("(other)")))
    for c in clients.values():
        c.close()


if __name__ == "__main__":
    sys.exit(main())
