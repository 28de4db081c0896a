#!/usr/bin/python3
"""Watchers of every role against 20 clients changing leads at random
(issue 11, "a watch test"), judged only by docs/protocol.md section 6.

Usage: watch_story.py LEADD_BINARY PROTO_DIR

Two teams (A with its pool visible to reps, B without), a manager each,
reps a1 a2 a3 in A and b1 b2 in B, and the admin. 20 connections of these
users make random changes, each within its rights, for a bounded number of
steps (LEADD_WATCH_STEPS each, default 150, and at most 25 s): create,
status, title/value/phone edits (with the version read just before),
assign to a user or to the pool, claim from the pool, and now and then a
bulk move of one rep's leads in one status. Refusals the rules allow (a
stale version, a lead no longer visible, one claimed first) are expected;
any other answer fails.

Meanwhile seven watchers keep a model the way docs/protocol.md tells a
client to: lead content by id from ENTER/LEAD/LEAVE, KPI counts by owner
row from the SNAPSHOT's kpi_counts plus every EVENT_KPI delta, applying a
revision's events only once a later revision (or the end) shows they are
all there:
- the admin, leads and kpi, from a snapshot (then lead_list);
- manager mA, leads, resuming from a lead_list's revision;
- rep a1, leads and assignments, resuming from a lead_list's revision;
- rep b1 (pool hidden), leads, started from a snapshot in mid-run;
- rep a2, the saved search "hot" (qualified or prospect), from a snapshot;
- manager mB, kpi with kpi_team B, from a snapshot;
- manager mB again, leads and kpi: it disconnects mid-run and resumes with
  since_revision = the last revision it applied.
At the end each model must equal a fresh lead_list (every page; the saved
search for a2) and kpi of its user. Then a new watch from a middle revision
S of the admin's, mA's, a1's and a2's must replay exactly the events after
S that the first watch got (revision, kind, lead). Along the way: events
come in revision order, a live lead event carries the lead at that
revision, a LEAVE carries no lead, an ASSIGNED lead is the watcher's and
was given by someone else. Ends with SIGTERM (exit 0) and `leadd verify`.

The run's seed is printed first; LEADD_WATCH_SEED repeats the writers'
choices (thread timing still varies)."""
import os
import queue
import random
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import NEEDS_REASON_IDS, give_reason  # noqa: E402
from leadd_harness import (ADMIN, Client, Results, add_team, add_user,  # noqa: E402
                           ok_call, run_test)

PW = "story-password-1"
WRITERS = 20
STEPS = int(os.environ.get("LEADD_WATCH_STEPS") or 150)
WRITE_BUDGET_S = 25.0
SETTLE_S = 10.0  # how long a watcher may take to receive the last events
ACCEPTED = (0, 5, 9, 10)  # OK, NOT_FOUND, FAILED_PRECONDITION, ABORTED
SEED = int(os.environ.get("LEADD_WATCH_SEED") or random.SystemRandom().randrange(1 << 32))
CURRENCIES = ["EUR", "USD", "GBP"]
res = Results()


def tokens_for(pb, port, names):
    """One password login per user; later connections resume the session
    with its token (a password hash costs 64 MiB and a core for a while)."""
    out = {}
    for name in names:
        c = Client(pb, port) if name == ADMIN else Client(pb, port, user=name, password=PW)
        out[name] = (c.token, c.user)
        c.close()
    return out


class Conn:
    """A logged-in connection whose frames a reader thread takes: events go
    to on_event, responses to a queue that call() waits on."""

    def __init__(self, pb, port, token, on_event):
        self.pb = pb
        self.c = Client(pb, port, user=None, token=token)
        # A watcher may wait long for its next event; close() ends the read.
        self.c.sock.settimeout(None)
        self.on_event = on_event
        self.responses = queue.Queue()
        self.closed = False
        self.why = "the server closed it"
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            while True:
                (n,) = struct.unpack(">I", self.c._exact(4))
                m = self.pb.ServerMessage()
                m.ParseFromString(self.c._exact(n))
                if m.WhichOneof("kind") == "event":
                    self.on_event(m.event)
                else:
                    self.responses.put(m.response)
        except (EOFError, OSError, struct.error) as e:
            self.why = "%s (%s)" % (self.why, e)
        except Exception as e:  # a bug in a model must fail the test, not hide
            self.why = "the event reader failed: %r" % e
        finally:
            self.closed = True
            self.responses.put(None)

    def call(self, fill, what):
        self.c.send(fill)
        r = self.responses.get(timeout=30)
        if r is None:
            raise RuntimeError("%s: the connection was closed" % what)
        return r

    def close(self):
        try:
            self.c.sock.shutdown(2)
        except OSError:
            pass
        self.c.sock.close()
        self.reader.join(timeout=10)


def list_all(conn, what, search=None):
    """Every lead of a lead_list (or saved search), all pages: (leads by id,
    the first page's revision)."""
    leads, cursor, rev = {}, None, None
    while True:
        def fill(q):
            q.lead_list.limit = 1000
            if search:
                q.lead_list.saved_search = search
            if cursor:
                q.lead_list.cursor = cursor
        r = conn.call(fill, what)
        if r.code != 0:
            raise RuntimeError("%s: %d %s" % (what, r.code, r.message))
        if rev is None:
            rev = r.lead_list.revision
        for lead in r.lead_list.leads:
            leads[lead.id] = lead
        cursor = r.lead_list.cursor
        if not cursor:
            return leads, rev


def kpi_model(reply):
    """A KpiReply (by owner) as the watcher's model: ({(owner, team):
    {status: n}}, {((owner, team), class): {currency: amount}}), zeros left out."""
    rows, vals = {}, {}
    for row in reply.owners:
        key = (row.id, row.team_id)
        for s in row.counts.statuses:
            if s.count:
                rows.setdefault(key, {})[s.status_id] = s.count
        for c in row.counts.classes:
            for m in c.value:
                if m.amount_minor:
                    vals.setdefault((key, c.kpi_class), {})[m.currency] = m.amount_minor
    return rows, vals


def dict_diff(what, want, got, limit=4):
    out = []
    for k in sorted(set(want) | set(got), key=repr):
        if want.get(k) != got.get(k):
            out.append("%s %r: fresh %r, watcher %r" % (what, k, want.get(k), got.get(k)))
    return out[:limit] + (["... %d more" % (len(out) - limit)] if len(out) > limit else [])


def lead_diff(fresh, model, limit=4):
    out = []
    for i in sorted(set(fresh) | set(model)):
        a, b = fresh.get(i), model.get(i)
        if a is None:
            out.append("lead %d: not listed, but the watcher holds it (v%d)" % (i, b.version))
        elif b is None:
            out.append("lead %d: listed (v%d), the watcher does not hold it" % (i, a.version))
        elif a != b:
            fa = {f.name: v for f, v in a.ListFields()}
            fb = {f.name: v for f, v in b.ListFields()}
            bad = sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
            out.append("lead %d: fields %s differ (fresh v%d, watcher v%d)"
                       % (i, ",".join(bad), a.version, b.version))
    return out[:limit] + (["... %d more" % (len(out) - limit)] if len(out) > limit else [])


class Watcher:
    """One watching connection and the model it keeps (docs/protocol.md §6)."""

    def __init__(self, pb, port, label, user, token, topics, search=None, kpi_team=None):
        self.pb, self.port, self.label = pb, port, label
        self.user_name, self.user_id = user.name, user.id
        self.token, self.topics = token, topics
        self.search, self.kpi_team = search, kpi_team
        self.lock = threading.Lock()
        self.leads, self.rows, self.vals = {}, {}, {}
        self.pending = []     # events of the newest revision, not applied yet
        self.held = None      # while the first lead list is read: every event, in order
        self.applied = 0      # the last revision applied
        self.list_rev = 0     # lead events up to this are in the list already
        self.kpi_rev = 0      # deltas up to this are in the snapshot's counts
        self.last_seen = 0
        self.log = []         # (revision, kind, lead_id) of every change event
        self.problems = []
        self.snapshots = 0
        self.snapshot_seen = threading.Event()
        self.caught_up = threading.Event()
        self.strict = True    # started while no one wrote: ENTER/LEAD/LEAVE must fit the model
        self.conn = None
        self.live = False     # past the replay: lead events carry the lead at their revision

    def problem(self, s):
        if len(self.problems) < 20:
            self.problems.append(s)

    # ---- events (reader thread) ----
    def on_event(self, ev):
        pb = self.pb
        with self.lock:
            if ev.revision < self.last_seen:
                self.problem("event at revision %d came after one at %d"
                             % (ev.revision, self.last_seen))
            self.last_seen = max(self.last_seen, ev.revision)
            if ev.kind == pb.EVENT_SNAPSHOT:
                self.snapshots += 1
                if self.held is None:
                    # Nothing in this story may cause one (no rights change,
                    # no search edit, nobody falls 256 KiB behind).
                    self.problem("an unexpected snapshot at revision %d: %s"
                                 % (ev.revision, ev.reason))
                else:
                    self.held.append(ev)
                self.snapshot_seen.set()
                return
            if ev.kind == pb.EVENT_ENDED:
                self.problem("the watch ended: %s" % ev.reason)
                return
            if ev.kind == pb.EVENT_CAUGHT_UP:
                self.live = True
                self._flush()
                self.caught_up.set()
                return
            self.log.append((ev.revision, ev.kind, ev.lead_id))
            self._check(ev)
            if self.held is not None:
                self.held.append(ev)
                return
            if self.pending and ev.revision > self.pending[0].revision:
                self._flush()
            self.pending.append(ev)

    def _check(self, ev):
        pb = self.pb
        if ev.kind == pb.EVENT_LEAVE and ev.HasField("lead"):
            self.problem("LEAVE of lead %d at %d carries the lead" % (ev.lead_id, ev.revision))
        if ev.kind in (pb.EVENT_LEAD, pb.EVENT_ENTER, pb.EVENT_ASSIGNED):
            if not ev.HasField("lead") or ev.lead.id != ev.lead_id:
                self.problem("%s at %d: no lead %d in it"
                             % (pb.EventKind.Name(ev.kind), ev.revision, ev.lead_id))
            elif self.live and ev.lead.version != ev.revision:
                self.problem("%s of lead %d at revision %d carries version %d"
                             % (pb.EventKind.Name(ev.kind), ev.lead_id, ev.revision,
                                ev.lead.version))
        if ev.kind == pb.EVENT_ASSIGNED:
            if ev.lead.owner_id != self.user_id or ev.author == self.user_name:
                self.problem("ASSIGNED lead %d at %d: owner id %d, by %r"
                             % (ev.lead_id, ev.revision, ev.lead.owner_id, ev.author))
        if not ev.change or not ev.at:
            self.problem("event at %d lacks change or at" % ev.revision)

    def _flush(self):
        for ev in self.pending:
            self._apply(ev)
        self.pending = []

    def _apply(self, ev):
        pb = self.pb
        if ev.kind in (pb.EVENT_LEAD, pb.EVENT_ENTER, pb.EVENT_LEAVE):
            if ev.revision > self.list_rev:
                have = ev.lead_id in self.leads
                if self.strict and have != (ev.kind != pb.EVENT_ENTER):
                    self.problem("%s of lead %d at %d, but the watcher %s it"
                                 % (pb.EventKind.Name(ev.kind), ev.lead_id, ev.revision,
                                    "holds" if have else "does not hold"))
                if ev.kind == pb.EVENT_LEAVE:
                    self.leads.pop(ev.lead_id, None)
                else:
                    self.leads[ev.lead_id] = ev.lead
        elif ev.kind == pb.EVENT_KPI and ev.revision > self.kpi_rev:
            for d in ev.kpi:
                key = (d.owner_id, d.team_id)
                row = self.rows.setdefault(key, {})
                row[d.status_id] = row.get(d.status_id, 0) + d.count
                if not row[d.status_id]:
                    del row[d.status_id]
                if not row:
                    del self.rows[key]
                for m in d.value:
                    v = self.vals.setdefault((key, d.kpi_class), {})
                    v[m.currency] = v.get(m.currency, 0) + m.amount_minor
                    if not v[m.currency]:
                        del v[m.currency]
                    if not v:
                        del self.vals[(key, d.kpi_class)]
        self.applied = max(self.applied, ev.revision)

    # ---- starting (main thread) ----
    def watch_fill(self, since=None):
        def fill(q):
            q.watch.topics.extend(self.topics)
            if since is not None:
                q.watch.since_revision = since
            if self.search:
                q.watch.search = self.search
            if self.kpi_team:
                q.watch.kpi_team = self.kpi_team
        return fill

    def connect(self):
        self.conn = Conn(self.pb, self.port, self.token, self.on_event)

    def start_snapshot(self):
        """Watch without since_revision: the SNAPSHOT, then the lead list."""
        pb = self.pb
        self.connect()
        with self.lock:
            self.held = []
        r = self.conn.call(self.watch_fill(), self.label + ": watch")
        if r.code != 0:
            raise RuntimeError("%s: watch: %s %s" % (self.label, pb.Code.Name(r.code), r.message))
        if not self.snapshot_seen.wait(10):
            raise RuntimeError("%s: no SNAPSHOT within 10 s of the watch reply" % self.label)
        leads, lrev = {}, 0
        if pb.TOPIC_LEADS in self.topics:
            leads, lrev = list_all(self.conn, self.label + ": lead_list", self.search)
        with self.lock:
            held, self.held = self.held, None
            first = held[0] if held else None
            if first is None or first.kind != pb.EVENT_SNAPSHOT or \
                    first.revision != r.watch.revision:
                self.problem("the first event is not a SNAPSHOT at the reply's revision %d"
                             % r.watch.revision)
            for ev in held:
                if ev.kind == pb.EVENT_SNAPSHOT:
                    self.leads, self.list_rev = dict(leads), lrev
                    self.rows, self.vals = kpi_model(ev.kpi_counts) \
                        if pb.TOPIC_KPI in self.topics else ({}, {})
                    self.kpi_rev = self.applied = ev.revision
                    if pb.TOPIC_KPI in self.topics and not ev.HasField("kpi_counts"):
                        self.problem("the SNAPSHOT of a kpi watch has no kpi_counts")
                    continue
                if self.pending and ev.revision > self.pending[0].revision:
                    self._flush()
                self.pending.append(ev)
            self.live = True

    def start_since(self):
        """lead_list first, then watch from its revision: replay, CAUGHT_UP."""
        self.connect()
        leads, lrev = list_all(self.conn, self.label + ": lead_list", self.search)
        with self.lock:
            self.leads, self.list_rev, self.applied = leads, lrev, lrev
        self.resume_from(lrev, reconnect=False)

    def resume_from(self, since, reconnect=True):
        pb = self.pb
        if reconnect:
            self.connect()
        self.caught_up.clear()
        with self.lock:
            self.live = False
        r = self.conn.call(self.watch_fill(since), self.label + ": watch since")
        if r.code != 0:
            raise RuntimeError("%s: watch since %d: %s %s"
                               % (self.label, since, pb.Code.Name(r.code), r.message))
        if not r.watch.replaying or r.watch.replay_to < since:
            self.problem("watch since %d: replaying %s, replay_to %d"
                         % (since, r.watch.replaying, r.watch.replay_to))
        return r.watch.replay_to

    def drop(self):
        """Disconnect; what was not applied is forgotten (resumed later)."""
        self.conn.close()
        with self.lock:
            self.pending = []
            self.last_seen = self.applied
            return self.applied

    # ---- the end ----
    def settle_and_compare(self, fresh_leads, fresh_kpi):
        deadline = time.time() + SETTLE_S
        while True:
            with self.lock:
                self._flush()
                diffs = []
                if fresh_leads is not None:
                    diffs += lead_diff(fresh_leads, self.leads)
                if fresh_kpi is not None:
                    diffs += dict_diff("row", fresh_kpi[0], self.rows)
                    diffs += dict_diff("value", fresh_kpi[1], self.vals)
            if not diffs or time.time() > deadline:
                return diffs
            time.sleep(0.2)


def fresh_state(w):
    """The watcher's user's lead_list (or saved search) and kpi, read now on
    the watcher's own connection."""
    pb = w.pb
    leads = kpi = None
    if pb.TOPIC_LEADS in w.topics:
        leads, _ = list_all(w.conn, w.label + ": fresh lead_list", w.search)
    if pb.TOPIC_KPI in w.topics:
        def fill(q):
            q.kpi.SetInParent()
            if w.kpi_team:
                q.kpi.team = w.kpi_team
        r = w.conn.call(fill, w.label + ": fresh kpi")
        if r.code != 0:
            raise RuntimeError("%s: kpi: %d %s" % (w.label, r.code, r.message))
        kpi = kpi_model(r.kpi)
    return leads, kpi


class Writer(threading.Thread):
    """One connection changing leads at random within its user's rights."""

    def __init__(self, pb, port, index, name, token, world, progress):
        threading.Thread.__init__(self, daemon=True)
        self.pb, self.index, self.name = pb, index, name
        self.c = Client(pb, port, user=None, token=token)
        self.rng = random.Random(SEED * 100 + index)
        self.world, self.progress = world, progress
        self.done, self.errors, self.mine = {}, [], []
        role = world["role"][name]
        self.role = role
        if role == pb.ROLE_ADMIN:
            self.assignees = world["users"]
            self.pools = ["A", "B"]
        elif role == pb.ROLE_MANAGER:
            team = world["team"][name]
            self.assignees = [u for u in world["users"] if world["team"][u] == team]
            self.pools = [team]
        else:
            self.assignees, self.pools = [name], []

    def call(self, fill, kind):
        r = self.c.call(fill)
        self.done[(kind, r.code)] = self.done.get((kind, r.code), 0) + 1
        if r.code not in ACCEPTED:
            self.errors.append("%s %s: %s %s" % (self.name, kind, self.pb.Code.Name(r.code),
                                                 r.message))
        if r.code == 0 and r.WhichOneof("body") == "lead":
            self.mine.append(r.lead.lead.id)
        return r

    def pick(self):
        """Mostly a lead this writer changed before (likely still in its
        view), else any lead (likely a refusal for a rep)."""
        ids = self.mine if self.mine and self.rng.random() < 0.7 else self.world["ids"]
        return ids[self.rng.randrange(len(ids))]

    def step(self):
        pb, rng = self.pb, self.rng
        kinds = ["create", "status", "status", "status", "update", "update"]
        if self.role >= pb.ROLE_MANAGER:
            kinds += ["assign", "assign", "pool"]
            if rng.random() < 0.03:
                kinds = ["bulk"]
        elif self.world["team"][self.name] == "A":
            kinds += ["claim"]
        kind = rng.choice(kinds)
        if kind == "create":
            owner = rng.choice(self.assignees) if not self.pools or rng.random() < 0.75 else None
            team = rng.choice(self.pools) if owner is None else None
            value = (rng.choice(CURRENCIES), rng.randrange(1, 1000000)) \
                if rng.random() < 0.7 else None
            status = rng.randint(1, 6)

            def fill(q):
                q.lead_create.title = "story %d.%d" % (self.index, rng.randrange(10 ** 6))
                if owner:
                    q.lead_create.owner = owner
                if team:
                    q.lead_create.team = team
                if value:
                    q.lead_create.value.currency, q.lead_create.value.amount_minor = value
                if status not in NEEDS_REASON_IDS:  # a new lead cannot start dead or lost
                    q.lead_create.status_id = status
                ct = q.lead_create.contacts.add()
                ct.name, ct.phone = "contact", "+33 1 %08d" % rng.randrange(10 ** 8)
            r = self.call(fill, kind)
            if r.code == 0:
                self.world["ids"].append(r.lead.lead.id)
            return
        if kind == "bulk":
            frm, to = rng.sample([u for u in self.assignees if self.world["role"][u] ==
                                  pb.ROLE_REP], 2)
            status = rng.randint(1, 6)
            self.call(lambda q: (setattr(q.lead_bulk_assign, "from_user", frm),
                                 setattr(q.lead_bulk_assign, "to_user", to),
                                 setattr(q.lead_bulk_assign, "status_id", status)), kind)
            return
        if kind == "claim":
            r = self.c.call(lambda q: (setattr(q.lead_list, "limit", 20),
                                       setattr(q.lead_list.filter, "pool", True)))
            if r.code != 0 or not r.lead_list.leads:
                return
            lid = rng.choice(r.lead_list.leads).id
            self.call(lambda q: setattr(q.lead_claim, "id", lid), kind)
            return
        lid = self.pick()
        if kind == "status":
            s = rng.randint(1, 6)
            self.call(lambda q: (setattr(q.lead_set_status, "id", lid),
                                 setattr(q.lead_set_status, "status_id", s),
                                 give_reason(q.lead_set_status)), kind)
        elif kind == "assign":
            to = rng.choice(self.assignees)
            self.call(lambda q: (setattr(q.lead_assign, "id", lid),
                                 setattr(q.lead_assign, "to_user", to)), kind)
        elif kind == "pool":
            self.call(lambda q: (setattr(q.lead_assign, "id", lid),
                                 setattr(q.lead_assign, "to_pool", True)), kind)
        elif kind == "update":
            g = self.c.call(lambda q: setattr(q.lead_get, "id", lid))
            if g.code != 0:
                return
            version = g.lead.lead.version
            what = rng.choice(["title", "value", "phone"])
            n = rng.randrange(10 ** 6)

            def fill(q):
                q.lead_update.id, q.lead_update.expected_version = lid, version
                if what == "title":
                    q.lead_update.title = "story edit %d" % n
                elif what == "value":
                    q.lead_update.value.currency = rng.choice(CURRENCIES)
                    q.lead_update.value.amount_minor = n
                else:
                    q.lead_update.main_phone = "+44 20 %08d" % n
            self.call(fill, kind)

    def run(self):
        deadline = self.world["deadline"]
        try:
            for _ in range(STEPS):
                if time.time() > deadline or len(self.errors) >= 10:
                    break
                self.step()
                self.progress.tick()
        except Exception as e:  # a lost connection fails the test, never hangs it
            self.errors.append("%s: %r" % (self.name, e))


class Progress:
    def __init__(self):
        self.n, self.cv = 0, threading.Condition()

    def tick(self):
        with self.cv:
            self.n += 1
            self.cv.notify_all()

    def wait(self, n, deadline):
        with self.cv:
            while self.n < n and time.time() < deadline:
                self.cv.wait(0.2)


def replay_check(w, what):
    """A new watch from a middle revision S of w's log must give exactly the
    events w got after S, up to the replay's end."""
    pb = w.pb
    revs = sorted({r for r, _, _ in w.log})
    if len(revs) < 4:
        res.record("%s: enough events to resume from the middle" % what, False,
                   "%d revisions" % len(revs))
        return
    s = revs[len(revs) // 2]
    got = []
    done = threading.Event()

    def on_event(ev):
        if ev.kind == pb.EVENT_CAUGHT_UP:
            done.set()
        elif ev.kind not in (pb.EVENT_SNAPSHOT, pb.EVENT_ENDED):
            got.append((ev.revision, ev.kind, ev.lead_id))
        else:
            got.append((ev.revision, ev.kind, -1))
    conn = Conn(pb, w.port, w.token, on_event)
    try:
        r = conn.call(w.watch_fill(s), what + ": watch since")
        if r.code != 0:
            res.record("%s: watch since %d answers" % (what, s), False,
                       "%s %s" % (pb.Code.Name(r.code), r.message))
            return
        caught = done.wait(20)
        upto = r.watch.replay_to
        want = sorted(e for e in w.log if s < e[0] <= upto)
        mine = sorted(e for e in got if e[0] <= upto)
        ok = caught and want == mine
        detail = "since %d up to %d: %d events expected, %d replayed" % (s, upto, len(want),
                                                                         len(mine))
        if not ok:
            missing = sorted(set(want) - set(mine))[:3]
            extra = sorted(set(mine) - set(want))[:3]
            detail += "; %scaught up; missing %s; extra %s" % ("" if caught else "not ",
                                                              missing, extra)
        res.record("%s: resuming from a middle revision replays exactly the events after it"
                   % what, ok, detail)
    finally:
        conn.close()


def run(pb, d):
    print("seed %d (LEADD_WATCH_SEED=%d repeats the writers' choices); %d writers x %d steps"
          % (SEED, SEED, WRITERS, STEPS))
    sys.stdout.flush()
    t_start = time.time()
    admin = Client(pb, d.port)
    add_team(admin, "A", pool_visible=True)
    add_team(admin, "B", pool_visible=False)
    roles = {ADMIN: pb.ROLE_ADMIN, "mA": pb.ROLE_MANAGER, "mB": pb.ROLE_MANAGER,
             "a1": pb.ROLE_REP, "a2": pb.ROLE_REP, "a3": pb.ROLE_REP,
             "b1": pb.ROLE_REP, "b2": pb.ROLE_REP}
    teams = {ADMIN: None, "mA": "A", "mB": "B", "a1": "A", "a2": "A", "a3": "A",
             "b1": "B", "b2": "B"}
    for name, role in roles.items():
        if name != ADMIN:
            add_user(admin, name, role, teams[name], PW)
    for team, mgr in (("A", "mA"), ("B", "mB")):
        ok_call(admin, lambda q, team=team, mgr=mgr: (
            setattr(q.team_edit, "name", team),
            q.team_edit.managers.items.append(mgr)), "team_edit managers")
    rng = random.Random(SEED)
    ids = []
    for i in range(60):
        owner = rng.choice(["mA", "mB", "a1", "a2", "a3", "b1", "b2", None])

        def fill(q, i=i, owner=owner):
            q.lead_create.title = "seed lead %d" % i
            if owner:
                q.lead_create.owner = owner
            else:
                q.lead_create.team = rng.choice(["A", "B"])
            status = rng.randint(1, 6)
            if status not in NEEDS_REASON_IDS:  # a new lead cannot start dead or lost
                q.lead_create.status_id = status
            if rng.random() < 0.7:
                q.lead_create.value.currency = rng.choice(CURRENCIES)
                q.lead_create.value.amount_minor = rng.randrange(1, 10 ** 6)
        ids.append(ok_call(admin, fill, "seed lead").lead.lead.id)
    tok = tokens_for(pb, d.port, roles)
    a2c = Client(pb, d.port, user=None, token=tok["a2"][0])
    ok_call(a2c, lambda q: (setattr(q.search_save.search, "name", "hot"),
                            q.search_save.search.filter.statuses.extend(["qualified",
                                                                         "prospect"])),
            "search_save hot")
    a2c.close()

    L, K, A = pb.TOPIC_LEADS, pb.TOPIC_KPI, pb.TOPIC_ASSIGNED
    mk = lambda label, name, topics, **kw: Watcher(pb, d.port, label, tok[name][1],  # noqa
                                                   tok[name][0], topics, **kw)
    w_admin = mk("admin leads+kpi", ADMIN, [L, K])
    w_ma = mk("manager mA leads", "mA", [L])
    w_a1 = mk("rep a1 leads+assigned", "a1", [L, A])
    w_b1 = mk("rep b1 leads (late start)", "b1", [L])
    w_hot = mk("rep a2 saved search 'hot'", "a2", [L], search="hot")
    w_kb = mk("manager mB kpi team B", "mB", [K], kpi_team="B")
    w_drop = mk("manager mB leads+kpi (drops, resumes)", "mB", [L, K])
    w_b1.strict = False  # its list is read while others write
    watchers = [w_admin, w_ma, w_a1, w_b1, w_hot, w_kb, w_drop]
    try:
        w_admin.start_snapshot()
        w_ma.start_since()
        w_a1.start_since()
        w_hot.start_snapshot()
        w_kb.start_snapshot()
        w_drop.start_snapshot()
        for w in (w_ma, w_a1):
            if not w.caught_up.wait(10):
                w.problem("no CAUGHT_UP within 10 s of watch since")
    except RuntimeError as e:
        res.record("every watcher starts", False, str(e))
        return
    res.record("every watcher starts", True)

    writer_users = [ADMIN] * 3 + ["mA"] * 3 + ["mB"] * 3 + ["a1", "a2", "a3"] * 2 + \
        ["b1", "b2"] * 2 + ["a1", "b2", "a3"]
    world = {"ids": ids, "role": roles, "team": teams,
             "users": [u for u in roles if u != ADMIN] + [ADMIN],
             "deadline": time.time() + WRITE_BUDGET_S}
    progress = Progress()
    writers = [Writer(pb, d.port, i, writer_users[i], tok[writer_users[i]][0], world, progress)
               for i in range(WRITERS)]
    total = WRITERS * STEPS
    for w in writers:
        w.start()
    dl = world["deadline"]
    late_error = None
    try:
        progress.wait(total // 4, dl)
        w_b1.start_snapshot()
        progress.wait(total * 2 // 5, dl)
        since = w_drop.drop()
        progress.wait(total * 3 // 5, dl)
        replay_to = w_drop.resume_from(since)
        if not w_drop.caught_up.wait(15):
            w_drop.problem("no CAUGHT_UP within 15 s of resuming")
        print("   the dropping watcher resumed from %d (replay to %d)" % (since, replay_to))
    except RuntimeError as e:
        late_error = str(e)
    for w in writers:
        w.join(WRITE_BUDGET_S + 30)
    res.record("the late watcher and the resumed one start", late_error is None, late_error or "")
    steps = sum(sum(w.done.values()) for w in writers)
    changed = sum(n for w in writers for (k, code), n in w.done.items() if code == 0)
    errors = [e for w in writers for e in w.errors]
    res.record("writers finish within their budget, only refusals the rules allow",
               not errors and not any(w.is_alive() for w in writers),
               "%d requests, %d OK in %.1f s%s" % (steps, changed, time.time() - t_start,
                                                   ("; " + "; ".join(errors[:3])) if errors
                                                   else ""))
    kinds = {}
    for w in writers:
        for (k, code), n in w.done.items():
            kinds.setdefault(k, [0, 0])[0 if code == 0 else 1] += n
    print("   changes (ok/refused): " + ", ".join("%s %d/%d" % (k, v[0], v[1])
                                                 for k, v in sorted(kinds.items())))
    for w in writers:
        w.c.close()

    for w in watchers:
        if w.conn is None or w.conn.closed:
            res.record("%s: its model equals a fresh read" % w.label, False,
                       "the connection is closed: %s" % (w.conn.why if w.conn else "never opened"))
            continue
        try:
            fl, fk = fresh_state(w)
        except (RuntimeError, queue.Empty) as e:
            res.record("%s: its model equals a fresh read" % w.label, False, str(e))
            continue
        diffs = w.settle_and_compare(fl, fk)
        what = []
        if fl is not None:
            what.append("%d leads" % len(fl))
        if fk is not None:
            what.append("%d kpi rows" % len(fk[0]))
        res.record("%s: its model equals a fresh %s" % (w.label, " and ".join(
            x for x, t in (("lead_list", L), ("kpi", K)) if t in w.topics)), not diffs,
            "; ".join(diffs) if diffs else "%s, %d events" % (", ".join(what), len(w.log)))
        res.record("%s: events in order, each well formed, no unexpected snapshot" % w.label,
                   not w.problems, "; ".join(w.problems[:4]))
    assigned = sum(1 for _, k, _ in w_a1.log if k == pb.EVENT_ASSIGNED)
    res.record("rep a1 was told of leads given to them", assigned > 0,
               "%d ASSIGNED events" % assigned)
    hot_moves = sum(1 for _, k, _ in w_hot.log if k in (pb.EVENT_ENTER, pb.EVENT_LEAVE))
    res.record("the saved search watcher saw leads enter and leave", hot_moves > 0,
               "%d ENTER/LEAVE" % hot_moves)

    replay_check(w_admin, "admin leads+kpi")
    replay_check(w_ma, "manager mA leads")
    replay_check(w_a1, "rep a1 leads+assigned")
    replay_check(w_hot, "rep a2 saved search")
    for w in watchers:
        if w.conn is not None:
            w.conn.close()
    admin.close()
    print("   %.1f s in all before the final stop" % (time.time() - t_start))


if __name__ == "__main__":
    run_test(res, "watch story", run)
