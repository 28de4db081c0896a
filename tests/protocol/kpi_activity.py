#!/usr/bin/python3
"""KPI flow of activities (issue 13, `lead kpi --since`): calls, meetings
and tasks done per rep, and speed to lead, read back through kpi with
`since`.

Usage: kpi_activity.py LEADD_FAULT_TEST_BINARY PROTO_DIR

The test-only copy of leadd reads its clock shift from
LEADD_FAULT_CLOCK_FILE, so every change below is dated over five days.
Reps log calls, plan calls, meetings and tasks and mark them done; a
manager marks a rep's task done (it counts for the rep, the assignee); the
admin logs a call on a pool lead (a call counted, no speed sample); a call
logged as having happened before the owner got the lead is no first touch;
two leads are reassigned and measure the new owner from the reassignment;
a done call is removed (still counted) and a meeting reopened and done
again (counted twice), as docs/protocol.md says. A model of those changes
computes what each caller must see for several starts: the totals, the
median speed from the documented buckets, and one row per user in the
caller's scope (a rep: their own only), zeros included. The leads'
owner_since and first_touch_at are checked against the model too. `leadd
verify` (which replays the history against the rollup) passes at three
checkpoints and at the end."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import give_reason  # noqa: E402
from leadd_harness import FaultClock as Clock  # noqa: E402
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results, add_team,  # noqa: E402
                           add_user, load_pb, ok_call)

PW = "kpi-password-1"
DAY = 86400000
HOUR = 3600000
MIN = 60000
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


def median(samples):
    """The lower median, as the geometric midpoint of its bucket."""
    bs = sorted(bucket(x) for x in samples)
    return bucket_mid(bs[(len(bs) + 1) // 2 - 1])


class World:
    """The changes made, and what the flow must count from them."""

    def __init__(self, pb, d, clock):
        self.pb, self.d, self.clock = pb, d, clock
        self.done = []   # (at, team, user id, kind)
        self.speed = []  # (at, team, owner id, ms)
        self.leads = {}  # name -> dict(id, team, owner, owner_since, first_touch)
        self.users = {}  # name -> (id, team id)
        self.acts = {}   # label -> (lead name, number, kind)
        self.clients = {}

    def c(self, who):
        """A session of who at the current date (a fresh one after each
        date change: days apart, an old one would expire)."""
        if who not in self.clients:
            pw = ADMIN_PASSWORD if who == ADMIN else PW
            self.clients[who] = Client(self.pb, self.d.port, who, pw)
        return self.clients[who]

    def close(self):
        for c in self.clients.values():
            c.close()
        self.clients = {}

    def at(self, t):
        self.close()
        self.clock.at(t)

    def uid(self, name):
        return self.users[name][0]

    def create(self, name, owner=None, team=None):
        def fill(q):
            q.lead_create.title = name
            if owner:
                q.lead_create.owner = owner
            if team:
                q.lead_create.team = team
        lead = ok_call(self.c(ADMIN), fill, "lead_create " + name).lead.lead
        self.leads[name] = dict(id=lead.id, team=lead.team_id, owner=lead.owner_id,
                                owner_since=lead.created_at if lead.owner_id else 0,
                                first_touch=0)
        self.check_lead(name, lead, "created")

    def assign(self, name, to_user):
        m = self.leads[name]

        def fill(q):
            q.lead_assign.id = m["id"]
            q.lead_assign.to_user = to_user
        lead = ok_call(self.c(ADMIN), fill, "lead_assign " + name).lead.lead
        m.update(team=lead.team_id, owner=lead.owner_id, owner_since=lead.updated_at,
                 first_touch=0)
        self.check_lead(name, lead, "assigned to " + to_user)

    def check_lead(self, name, lead, what):
        m = self.leads[name]
        res.record("%s %s: owner_since %d, first_touch_at %d" % (
            name, what, m["owner_since"], m["first_touch"]),
            lead.owner_since == m["owner_since"] and lead.first_touch_at == m["first_touch"],
            "got owner_since %d, first_touch_at %d" % (lead.owner_since, lead.first_touch_at))

    def touched(self, name, kind, at, now):
        """A call or meeting done at `now` that happened at `at`: the lead's
        first touch when it is the first since owner_since (docs)."""
        m = self.leads[name]
        if kind not in (self.pb.ACTIVITY_CALL, self.pb.ACTIVITY_MEETING):
            return
        when = at if at and at < now else now
        if not m["owner"] or not m["owner_since"] or m["first_touch"] or \
                when < m["owner_since"]:
            return
        m["first_touch"] = when
        self.speed.append((now, m["team"], m["owner"], when - m["owner_since"]))

    def finish(self, who, name, label, reply, kind, at):
        """After an add or a done: count it if it is done, check the lead."""
        a, lead = reply.activity.activity, reply.activity.lead
        self.acts[label] = (name, a.number, kind)
        if a.state == self.pb.ACTIVITY_DONE and kind != self.pb.ACTIVITY_NOTE:
            now = lead.updated_at
            self.done.append((now, lead.team_id, a.assignee_id, kind))
            self.touched(name, kind, at, now)
        self.check_lead(name, lead, "after %s by %s" % (label, who))

    def add(self, who, name, label, kind, at=None, outcome=None, title=None,
            assignee=None):
        m = self.leads[name]

        def fill(q):
            q.activity_add.lead_id = m["id"]
            q.activity_add.kind = kind
            if title or kind in (self.pb.ACTIVITY_TASK, self.pb.ACTIVITY_MEETING):
                q.activity_add.title = title or label
            if kind == self.pb.ACTIVITY_NOTE:
                q.activity_add.text = label
            if at is not None:
                q.activity_add.at = at
            if outcome:
                q.activity_add.outcome = outcome
            if assignee:
                q.activity_add.assignee = assignee
        r = ok_call(self.c(who), fill, "activity_add %s on %s by %s" % (label, name, who))
        self.finish(who, name, label, r, kind, r.activity.activity.at)
        return r.activity.activity

    def mark_done(self, who, label):
        name, number, kind = self.acts[label]

        def fill(q):
            q.activity_done.lead_id = self.leads[name]["id"]
            q.activity_done.number = number
            q.activity_done.outcome = "done by the test"
        r = ok_call(self.c(who), fill, "activity_done %s by %s" % (label, who))
        self.finish(who, name, label, r, kind, r.activity.activity.at)

    def remove(self, who, label):
        name, number, _ = self.acts[label]

        def fill(q):
            q.activity_rm.lead_id = self.leads[name]["id"]
            q.activity_rm.number = number
        ok_call(self.c(who), fill, "activity_rm %s by %s" % (label, who))

    def reopen(self, who, label):
        name, number, _ = self.acts[label]

        def fill(q):
            q.activity_edit.lead_id = self.leads[name]["id"]
            q.activity_edit.number = number
            q.activity_edit.reopen = True
        ok_call(self.c(who), fill, "activity_edit reopen %s by %s" % (label, who))


def model(w, since, visible, scope):
    """What the flow must answer from since's UTC day on: totals, and per
    (team, user) calls, meetings, tasks, speed samples."""
    first = since // DAY * DAY
    pb = w.pb
    rows = {key: [0, 0, 0, []] for key in scope}
    total = [0, 0, 0, []]
    col = {pb.ACTIVITY_CALL: 0, pb.ACTIVITY_MEETING: 1, pb.ACTIVITY_TASK: 2}
    for at, team, user, kind in w.done:
        if at >= first and visible(team, user):
            rows.setdefault((team, user), [0, 0, 0, []])[col[kind]] += 1
            total[col[kind]] += 1
    for at, team, owner, ms in w.speed:
        if at >= first and visible(team, owner):
            rows.setdefault((team, owner), [0, 0, 0, []])[3].append(ms)
            total[3].append(ms)

    def shape(r):
        return (r[0], r[1], r[2], median(r[3]) if r[3] else None, len(r[3]))
    return shape(total), {k: shape(r) for k, r in rows.items()}


def from_reply(f):
    def shape(r):
        return (r.calls_done, r.meetings_done, r.tasks_done,
                r.speed_median_ms if r.HasField("speed_median_ms") else None, r.speed_samples)
    return shape(f), {(r.team_id, r.user_id): shape(r) for r in f.reps}


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


def checkpoint(w, what):
    """leadd stopped, verified (the rollup against a replay of the
    history), started again on the same data."""
    w.close()
    res.stop_and_verify(w.d, what)
    w.d.start()


def run(pb, d, clock):
    today = int(time.time() * 1000) // DAY * DAY
    w = World(pb, d, clock)
    CALL, MEETING, TASK, NOTE = (pb.ACTIVITY_CALL, pb.ACTIVITY_MEETING, pb.ACTIVITY_TASK,
                                 pb.ACTIVITY_NOTE)
    t1 = today - 5 * DAY + 9 * HOUR
    w.at(t1)
    admin = w.c(ADMIN)
    add_team(admin, "A", pool_visible=True)
    add_team(admin, "B")
    for name, role, team in (("mA", pb.ROLE_MANAGER, "A"), ("mB", pb.ROLE_MANAGER, "B"),
                             ("r1", pb.ROLE_REP, "A"), ("r2", pb.ROLE_REP, "A"),
                             ("r3", pb.ROLE_REP, "B"), ("gone", pb.ROLE_REP, "A")):
        u = add_user(admin, name, role, team, PW)
        w.users[name] = (u.id, u.team_id)
    for team, mgr in (("A", "mA"), ("B", "mB")):
        def fill(q, team=team, mgr=mgr):
            q.team_edit.name = team
            q.team_edit.managers.items.append(mgr)
        ok_call(admin, fill, "team_edit")
    w.users[ADMIN] = (admin.user.id, 0)
    # A disabled user gets no zero row.
    ok_call(admin, lambda q: setattr(q.user_disable, "name", "gone"), "user_disable")
    w.create("L1", owner="r1")
    w.create("L2", owner="r2")
    w.create("L3", team="A")  # the pool
    w.create("L4", owner="r3")
    w.create("L5", owner="r1")
    w.create("L6", owner="r1")

    w.at(t1 + 2 * HOUR)
    w.add("r1", "L1", "call L1", CALL, outcome="talked to the buyer")
    w.add("r1", "L1", "note L1", NOTE)
    w.add("r1", "L5", "planned call L5", CALL, at=t1 + DAY)
    w.add("r1", "L1", "task L1", TASK, at=t1 + DAY)
    w.add("mA", "L2", "task L2", TASK, at=t1 + DAY, assignee="r2")
    w.add("r2", "L2", "meeting L2", MEETING, at=t1 + 4 * HOUR)
    w.add(ADMIN, "L3", "call L3", CALL, outcome="pool lead called")
    w.add("r3", "L4", "call L4", CALL, at=t1 + 90 * MIN, outcome="left a message")
    checkpoint(w, "after the first calls")

    w.at(t1 + DAY + HOUR)
    w.mark_done("r1", "planned call L5")
    w.mark_done("r1", "task L1")
    w.mark_done("mA", "task L2")
    w.mark_done("r2", "meeting L2")
    w.add("r1", "L1", "second call L1", CALL, outcome="sent the quote")

    t2 = today - 3 * DAY + 10 * HOUR
    w.at(t2)
    w.assign("L1", "r2")
    w.assign("L6", "r2")
    # Logged as having happened before r2 got the lead: counted, no touch.
    w.add("r2", "L6", "early call L6", CALL, at=t2 - HOUR, outcome="called before")
    checkpoint(w, "after the reassignments")

    w.at(t2 + 3 * HOUR)
    w.add("r2", "L1", "the new owner's call L1", CALL,
          outcome="new owner called")
    w.add("r2", "L6", "meeting L6", MEETING, at=t2 + 2 * HOUR)
    w.mark_done("r2", "meeting L6")
    w.remove("r1", "planned call L5")      # done, then removed: still counted
    w.reopen("r2", "meeting L2")
    w.mark_done("r2", "meeting L2")        # done again: counted again
    w.add("r1", "L5", "task L5", TASK, at=t2 + DAY)

    def dead(q):
        q.lead_set_status.id = w.leads["L5"]["id"]
        q.lead_set_status.status = "dead"
        give_reason(q.lead_set_status)
    ok_call(w.c(ADMIN), dead, "L5 to dead")  # its open task is closed, not done
    checkpoint(w, "after removal, reopening and a dead move")

    # The questions, at the real time.
    clock.set_shift(0)
    uid = w.uid
    team_a, team_b = w.users["r1"][1], w.users["r3"][1]
    callers = ("admin", "mA", "mB", "r1", "r2", "r3")
    vis = {
        "admin": lambda team, u: True,
        "mA": lambda team, u: team == team_a or u == uid("mA"),
        "mB": lambda team, u: team == team_b or u == uid("mB"),
        "r1": lambda team, u: u == uid("r1"),
        "r2": lambda team, u: u == uid("r2"),
        "r3": lambda team, u: u == uid("r3"),
    }
    enabled = [n for n in w.users if n != "gone"]
    scope = {
        "admin": [w.users[n][::-1] for n in enabled],
        "mA": [w.users[n][::-1] for n in enabled if w.users[n][1] == team_a],
        "mB": [w.users[n][::-1] for n in enabled if w.users[n][1] == team_b],
        "r1": [w.users["r1"][::-1]],
        "r2": [w.users["r2"][::-1]],
        "r3": [w.users["r3"][::-1]],
    }
    # (team, user) keys: w.users holds (id, team).
    names = {v[0]: n for n, v in w.users.items()}
    starts = {"five days back": today - 5 * DAY, "four days back": today - 4 * DAY,
              "three days back, mid-day": today - 3 * DAY + 15 * HOUR,
              "today": today + 1}
    for what, since in starts.items():
        for caller in callers:
            r = kpi(w.c(caller), since)
            if r.code != pb.OK or not r.kpi.HasField("flow"):
                res.record("flow from %s as %s" % (what, caller), False, str(r))
                continue
            got = from_reply(r.kpi.flow)
            want = model(w, since, vis[caller], scope[caller])
            res.record("flow from %s as %s: totals and a row per rep" % (what, caller),
                       got == want, "got %s\nwant %s" % (got, want))
            named = all(x.name == names.get(x.user_id) for x in r.kpi.flow.reps)
            res.record("flow from %s as %s: rows named" % (what, caller), named,
                       str([(x.user_id, x.name) for x in r.kpi.flow.reps]))

    # By hand, as the admin over the whole period.
    f = kpi(w.c(ADMIN), today - 5 * DAY).kpi.flow
    res.record("7 calls (a note not among them), 3 meetings (one done twice), 2 tasks "
               "(the closed one not among them)",
               (f.calls_done, f.meetings_done, f.tasks_done) == (7, 3, 2), str(f))
    rows = {x.user_id: x for x in f.reps}
    res.record("mA marked r2's task done: it counts for r2, not mA",
               rows[uid("r2")].tasks_done == 1 and rows[uid("mA")].tasks_done == 0,
               str(f.reps))
    res.record("the removed call still counts for r1 (3 calls)",
               rows[uid("r1")].calls_done == 3, str(rows[uid("r1")]))
    res.record("the pool lead's call counts for the admin, with no speed sample",
               rows[uid(ADMIN)].calls_done == 1 and rows[uid(ADMIN)].speed_samples == 0 and
               not rows[uid(ADMIN)].HasField("speed_median_ms"), str(rows[uid(ADMIN)]))
    # r1: L1 after 2 h, L5 after 1 day: the lower median is 2 h.
    r1 = rows[uid("r1")]
    res.record("r1: 2 speed samples, median 2 h within the bucket resolution",
               r1.speed_samples == 2 and 2 * HOUR / 1.19 <= r1.speed_median_ms <= 2 * HOUR * 1.19,
               str(r1))
    # r2: L2 after 4 h, L1 3 h after its reassignment, L6 2 h after (its
    # earlier call predates the reassignment): the median is 3 h.
    r2 = rows[uid("r2")]
    res.record("r2: reassigned leads measured from the reassignment, median 3 h",
               r2.speed_samples == 3 and 3 * HOUR / 1.19 <= r2.speed_median_ms <= 3 * HOUR * 1.19,
               str(r2))
    res.record("6 speed samples in all", f.speed_samples == 6, str(f))
    res.record("the disabled user who did nothing has no row", uid("gone") not in rows,
               str(f.reps))
    # A rep sees their own row only, even with --team.
    f = kpi(w.c("r1"), today - 5 * DAY, team="A").kpi.flow
    res.record("a rep sees only their own row",
               [x.user_id for x in f.reps] == [uid("r1")] and f.calls_done == 3, str(f))
    f = kpi(w.c("mA"), today - 5 * DAY, team="A").kpi.flow
    res.record("a manager's --team A: A's rows, in name order",
               [x.name for x in f.reps] == sorted(["admin", "mA", "r1", "r2"]), str(f.reps))
    r = kpi(w.c("mA"), today - 5 * DAY, team="B")
    res.record("a manager may not see another team's flow", r.code == pb.PERMISSION_DENIED,
               "%d %s" % (r.code, r.message))
    w.close()


if __name__ == "__main__":
    sys.exit(main())
