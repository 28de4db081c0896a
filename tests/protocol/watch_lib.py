"""Shared by the watch tests (tests/protocol/watch_*.py): a watching
connection that keeps events and responses apart, and a model of what a
client builds from the events (a lead table and KPI counts), to compare
with fresh lead_list and kpi answers.

A Watcher is a harness Client that sent `watch`: events() reads what came
(events in order), call() sends a request and returns its response while
keeping any event read meanwhile."""
import select
import socket
import ssl
import struct
import time

from leadd_harness import Client, add_team, add_user, all_leads, ok_call, pipeline

TOPICS = {"leads": 1, "kpi": 2, "assigned": 3, "agenda": 4, "pins": 5}


class Watcher(Client):
    def __init__(self, pb, port, user, password, **kw):
        Client.__init__(self, pb, port, user=user, password=password,
                        timeout=kw.pop("timeout", 30), **kw)
        self.pending = []  # events read, not yet taken
        self.reply = None

    def _readable(self, timeout):
        """select() on the socket, counting bytes a TLS socket has already
        decrypted (select cannot see those)."""
        if hasattr(self.sock, "pending") and self.sock.pending() > 0:
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def _msg(self):
        (n,) = struct.unpack(">I", self._exact(4))
        m = self.pb.ServerMessage()
        m.ParseFromString(self._exact(n))
        return m

    def call(self, fill):
        self.send(fill)
        while True:
            m = self._msg()
            if m.WhichOneof("kind") == "response":
                return m.response
            self.pending.append(m.event)

    def watch(self, topics, since=None, search=None, kpi_team=None):
        """Send watch; the response (events after it are kept)."""
        def fill(q):
            q.watch.SetInParent()
            for t in topics:
                q.watch.topics.append(TOPICS[t] if isinstance(t, str) else t)
            if since is not None:
                q.watch.since_revision = since
            if search is not None:
                q.watch.search = search
            if kpi_team is not None:
                q.watch.kpi_team = kpi_team
        before = len(self.pending)
        r = self.call(fill)
        # Nothing of this watch may come before its reply.
        self.early = self.pending[before:]
        self.reply = r
        return r

    def events(self, quiet=0.3, limit=5.0):
        """Events that arrive until none came for `quiet` s (at most `limit` s)."""
        end = time.time() + limit
        while time.time() < end:
            if not self._readable(quiet):
                break
            m = self._msg()
            if m.WhichOneof("kind") == "event":
                self.pending.append(m.event)
            else:
                raise RuntimeError("unexpected response %s" % m.response)
        out, self.pending = self.pending, []
        return out

    def until(self, pred, limit=10.0):
        """Events until one satisfies pred (included); all of them."""
        got = list(self.pending)
        self.pending = []
        end = time.time() + limit
        if any(pred(e) for e in got):
            return got
        self.sock.settimeout(limit)
        while time.time() < end:
            if not self._readable(max(0.01, end - time.time())):
                break
            m = self._msg()
            if m.WhichOneof("kind") == "event":
                got.append(m.event)
                if pred(m.event):
                    return got
        raise RuntimeError("no such event within %.1f s; got %s" % (limit, [desc_ev(self.pb, e) for e in got]))

    def closed(self, limit=5.0):
        """True if the server closes the connection within limit s."""
        end = time.time() + limit
        try:
            while time.time() < end:
                if self._readable(0.2):
                    c = self.sock.recv(65536)
                    if not c:
                        return True
        except (ConnectionResetError, socket.timeout, ssl.SSLError):
            return True
        return False


def desc_ev(pb, e):
    return "%s rev %d lead %d" % (pb.EventKind.Name(e.kind), e.revision, e.lead_id)


def kinds(pb, evs):
    return [pb.EventKind.Name(e.kind) for e in evs]


class Model:
    """What a client holds: leads by id, KPI counts by (owner, team, status)."""

    def __init__(self, pb):
        self.pb = pb
        self.leads = {}
        self.kpi = {}
        self.revision = 0
        self.list_rev = 0

    def snapshot(self, ev, c=None):
        self.revision = ev.revision
        self.kpi = {}
        if ev.HasField("kpi_counts"):
            for row in ev.kpi_counts.owners:
                for s in row.counts.statuses:
                    if s.count:
                        self.kpi[(row.id, row.team_id, s.status_id)] = s.count
        if c is not None:
            r = c.call(lambda q: q.lead_list.SetInParent())
            self.list_rev = r.lead_list.revision
            self.leads = {l.id: l.version for l in all_leads(c)}

    def apply(self, ev):
        pb = self.pb
        if ev.kind == pb.EVENT_SNAPSHOT:
            raise RuntimeError("snapshot in apply")
        if ev.revision < self.revision:
            raise RuntimeError("revision went back: %d after %d" % (ev.revision, self.revision))
        self.revision = ev.revision
        if ev.kind in (pb.EVENT_ENTER, pb.EVENT_LEAD) and ev.revision > self.list_rev:
            self.leads[ev.lead_id] = ev.lead.version
        elif ev.kind == pb.EVENT_LEAVE and ev.revision > self.list_rev:
            self.leads.pop(ev.lead_id, None)
        elif ev.kind == pb.EVENT_KPI:
            for d in ev.kpi:
                if d.archived:
                    continue  # archived counts: not in KpiCounts.statuses
                k = (d.owner_id, d.team_id, d.status_id)
                self.kpi[k] = self.kpi.get(k, 0) + d.count
                if not self.kpi[k]:
                    del self.kpi[k]


def kpi_now(c, team=None):
    """(owner, team, status) -> count of a fresh kpi, zeros left out."""
    def fill(q):
        q.kpi.SetInParent()
        if team:
            q.kpi.team = team
    r = ok_call(c, fill, "kpi")
    out = {}
    for row in r.kpi.owners:
        for s in row.counts.statuses:
            if s.count:
                out[(row.id, row.team_id, s.status_id)] = s.count
    return out, r.kpi.revision


def leads_now(c):
    return {l.id: l.version for l in all_leads(c)}


def canon(e):
    """An event as a comparable tuple (everything a client reads of it)."""
    return (e.revision, e.kind, e.lead_id, e.change, e.at, e.author, e.old_status,
            e.new_status, e.old_owner, e.new_owner,
            e.lead.SerializeToString(deterministic=True) if e.HasField("lead") else None,
            tuple(sorted((d.owner_id, d.team_id, d.status_id, d.count, d.kpi_class,
                          tuple((m.currency, m.amount_minor) for m in d.value))
                         for d in e.kpi)))


def watch_ok(w, topics, what, **kw):
    r = w.watch(topics, **kw)
    if r.code != 0:
        raise RuntimeError("%s: watch: %d %s" % (what, r.code, r.message))
    return r.watch


def oversized_kpi(pb, adm, reps=30, statuses=90):
    """KPI counts over the 1 MiB frame limit for the admin: `statuses`
    statuses with 200-byte names (the longest; 100 statuses in all at
    most), reps rep0.. each in a team t0.. of their own (an owner row and
    a team row each), and one lead per (rep, status), so that every row
    lists every status by name. About 2.7 MB of counts with the defaults."""
    def pipelined(what, fills):
        answers = pipeline(adm, fills)
        bad = [a for a in answers if a.code != 0]
        if bad:
            raise RuntimeError("%s: %d failed, first %s" % (what, len(bad), bad[0].message))
        return answers

    for r in range(reps):
        add_team(adm, "t%d" % r)
        add_user(adm, "rep%d" % r, pb.ROLE_REP, team="t%d" % r, password="password-%d" % r)

    def status_fill(i):
        def fill(q):
            s = q.status_add.status
            s.name = ("s%03d-" % i) + "x" * 195
            s.stage = pb.STAGE_LEAD
            s.kpi_class = pb.KPI_NEW
        return fill
    ids = [a.status.status.id for a in
           pipelined("status_add", [status_fill(i) for i in range(statuses)])]

    def lead_fill(r, sid):
        def fill(q):
            q.lead_create.title = "big %d %d" % (r, sid)
            q.lead_create.owner = "rep%d" % r
            q.lead_create.status_id = sid
        return fill
    pipelined("lead_create", [lead_fill(r, sid) for r in range(reps) for sid in ids])
