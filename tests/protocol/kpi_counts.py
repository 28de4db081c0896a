#!/usr/bin/python3
"""KPI counts (issue 9, `lead kpi`): the counters the write core keeps,
read back through the kpi request, against a recount made from the leads
themselves (`lead ls --all` as the admin).

Usage: kpi_counts.py LEADD_BINARY PROTO_DIR

Setup: team A (manager mA; reps r1, r2; pool visible), team B (manager mB;
rep r3; pool hidden). Leads are created, moved between statuses, assigned,
put in and taken from the pools, given values in EUR and USD, changed and
cleared; after each step the kpi answer of every caller (r1, r2, r3, mA,
mB, admin; by owner and by team; with --team) must equal the recount of
what that caller may see: per row, per class, per status, per currency, the
team rows and the total. A user moved to another team takes their counts
along. Four clients then pipeline random creates, status changes, value
edits and assigns at once (shared batches of the writer), and the counts
must still be the recount. The answer's revision is the store's.

Then, with leadd stopped, one counter, one value total and one rollup
record are changed and one counter deleted with python3-lmdb: `leadd
verify` fails naming each; put back, it passes. Last, in a directory of its
own, two values whose sum passes int64: kpi shows the largest int64 and
verify passes with a note."""
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import NEEDS_REASON_IDS, give_reason  # noqa: E402
from leadd_harness import (Client, Leadd, Results, add_team, add_user, all_leads,  # noqa: E402
                           load_pb, ok_call, varint)

PW = "kpi-password-1"
res = Results()


class World:
    def __init__(self, pb, port):
        self.pb = pb
        self.port = port
        self.admin = Client(pb, port)
        self.clients = {"admin": self.admin}
        self.status = {s.id: s for s in ok_call(
            self.admin, lambda q: q.status_list.SetInParent(), "status_list").status_list.statuses}

    def setup(self):
        pb = self.pb
        add_team(self.admin, "A", pool_visible=True)
        add_team(self.admin, "B", pool_visible=False)
        for name, role, team in (("mA", pb.ROLE_MANAGER, "A"), ("mB", pb.ROLE_MANAGER, "B"),
                                 ("r1", pb.ROLE_REP, "A"), ("r2", pb.ROLE_REP, "A"),
                                 ("r3", pb.ROLE_REP, "B")):
            add_user(self.admin, name, role, team, PW)
        for team, mgr in (("A", "mA"), ("B", "mB")):
            def fill(q, team=team, mgr=mgr):
                q.team_edit.name = team
                q.team_edit.managers.items.append(mgr)
            ok_call(self.admin, fill, "team_edit managers")
        for name in ("mA", "mB", "r1", "r2", "r3"):
            self.clients[name] = Client(self.pb, self.port, name, PW)
        users = ok_call(self.admin, lambda q: q.user_list.SetInParent(), "user_list")
        self.users = {u.id: u for u in users.user_list.users}
        self.uid = {u.name: u.id for u in users.user_list.users}
        teams = ok_call(self.admin, lambda q: q.team_list.SetInParent(), "team_list")
        self.teams = {t.id: t for t in teams.team_list.teams}
        self.tid = {t.name: t.id for t in teams.team_list.teams}

    def refresh_users(self):
        users = ok_call(self.admin, lambda q: q.user_list.SetInParent(), "user_list")
        self.users = {u.id: u for u in users.user_list.users}

    def create(self, title, owner=None, team=None, status=None, value=None, source=None):
        def fill(q):
            q.lead_create.title = title
            if owner:
                q.lead_create.owner = owner
            if team:
                q.lead_create.team = team
            if status and status not in NEEDS_REASON_IDS:
                q.lead_create.status_id = status
            if value:
                q.lead_create.value.amount_minor = value[0]
                q.lead_create.value.currency = value[1]
            if source:
                q.lead_create.source = source
        lead = ok_call(self.admin, fill, "lead_create " + title).lead.lead
        if status in NEEDS_REASON_IDS:  # a lead cannot start dead or lost
            lead = self.set_status(lead, status)
        return lead

    def set_status(self, lead, status):
        def fill(q):
            q.lead_set_status.id = lead.id
            q.lead_set_status.status_id = status
            give_reason(q.lead_set_status)
        return ok_call(self.admin, fill, "lead_set_status").lead.lead

    def assign(self, lead, to_user=None):
        def fill(q):
            q.lead_assign.id = lead.id
            if to_user:
                q.lead_assign.to_user = to_user
            else:
                q.lead_assign.to_pool = True
        return ok_call(self.admin, fill, "lead_assign").lead.lead

    def set_value(self, lead, value):
        cur = ok_call(self.admin, lambda q: setattr(q.lead_get, "id", lead.id), "lead_get")

        def fill(q):
            q.lead_update.id = lead.id
            q.lead_update.expected_version = cur.lead.lead.version
            if value is None:
                q.lead_update.clear_value = True
            else:
                q.lead_update.value.amount_minor = value[0]
                q.lead_update.value.currency = value[1]
        return ok_call(self.admin, fill, "lead_update value").lead.lead


def cls_name(pb, c):
    return pb.KpiClass.Name(c)


def counts_of(pb, status, leads):
    """Recount: {"classes": {class: count}, "values": {(class, cur): sum},
    "statuses": {status_id: count}}, zeros left out."""
    out = {"classes": {}, "values": {}, "statuses": {}}
    for lead in leads:
        c = cls_name(pb, status[lead.status_id].kpi_class)
        out["classes"][c] = out["classes"].get(c, 0) + 1
        out["statuses"][lead.status_id] = out["statuses"].get(lead.status_id, 0) + 1
        if lead.HasField("value") and lead.value.amount_minor:
            k = (c, lead.value.currency)
            out["values"][k] = out["values"].get(k, 0) + lead.value.amount_minor
    out["values"] = {k: v for k, v in out["values"].items() if v}
    return out


def counts_from_reply(pb, k):
    out = {"classes": {}, "values": {}, "statuses": {}}
    for cc in k.classes:
        if cc.count:
            out["classes"][cls_name(pb, cc.kpi_class)] = cc.count
        for m in cc.value:
            out["values"][(cls_name(pb, cc.kpi_class), m.currency)] = m.amount_minor
    for sc in k.statuses:
        out["statuses"][sc.status_id] = sc.count
    return out


def may_see(w, caller, lead):
    """Visibility, as docs/protocol.md says for kpi (and as lead get has it)."""
    if caller == "admin":
        return True
    me = w.users[w.uid[caller]]
    if lead.owner_id == me.id:
        return True
    if me.role == w.pb.ROLE_MANAGER:
        managed = {t.id for t in w.teams.values() if caller in t.manager_names}
        managed.add(me.team_id)
        return lead.team_id in managed
    return (lead.owner_id == 0 and lead.team_id == me.team_id and
            w.teams[lead.team_id].pool_visible)


def expected(w, caller, leads, team=None):
    seen = [x for x in leads if may_see(w, caller, x) and (team is None or x.team_id == team)]
    rows, teams = {}, {}
    for x in seen:
        rows.setdefault((x.team_id, x.owner_id), []).append(x)
        teams.setdefault(x.team_id, []).append(x)
    return (counts_of(w.pb, w.status, seen),
            {k: counts_of(w.pb, w.status, v) for k, v in rows.items()},
            {k: counts_of(w.pb, w.status, v) for k, v in teams.items()})


def kpi(c, by_team=False, team=None):
    def fill(q):
        q.kpi.SetInParent()
        if by_team:
            q.kpi.by = c.pb.KPI_BY_TEAM
        if team:
            q.kpi.team = team
    return c.call(fill)


EMPTY = {"classes": {}, "values": {}, "statuses": {}}


def compare(w, step, caller, leads, team=None):
    pb = w.pb
    team_id = w.tid[team] if team else None
    total, rows, teams = expected(w, caller, leads, team_id)
    r = kpi(w.clients[caller], team=team)
    tag = "%s: kpi as %s%s" % (step, caller, " --team " + team if team else "")
    if r.code != pb.OK:
        res.record(tag, False, "%d %s" % (r.code, r.message))
        return
    k = r.kpi
    got_rows = {(x.team_id, x.id): counts_from_reply(pb, x.counts) for x in k.owners}
    bad = []
    for key in set(got_rows) | set(rows):
        want = rows.get(key, EMPTY)
        got = got_rows.get(key)
        if got is None:
            bad.append("row %s missing" % (key,))
        elif got != want:
            bad.append("row %s: %s, recount %s" % (key, got, want))
    # Every row shown is one the caller may see (zero rows included).
    for (tm, owner) in got_rows:
        if caller != "admin" and owner and owner != w.uid[caller]:
            if w.users[w.uid[caller]].role == pb.ROLE_REP:
                bad.append("a rep sees the row of user %d" % owner)
    got_total = counts_from_reply(pb, k.total)
    if got_total != total:
        bad.append("total %s, recount %s" % (got_total, total))
    got_teams = {x.id: counts_from_reply(pb, x.counts) for x in k.teams}
    for key in set(got_teams) | set(teams):
        if got_teams.get(key, EMPTY) != teams.get(key, EMPTY):
            bad.append("team %s: %s, recount %s" % (key, got_teams.get(key), teams.get(key)))
    classes = [cls_name(pb, c.kpi_class) for c in k.total.classes]
    for c in ("KPI_NEW", "KPI_QUALIFIED", "KPI_DEAD", "KPI_PROSPECT", "KPI_LOST", "KPI_WON"):
        if c not in classes:
            bad.append("class %s absent from the total (every class, zeros included)" % c)
    res.record(tag, not bad, "; ".join(bad))
    # By team: no owner rows, the same team rows and total.
    r2 = kpi(w.clients[caller], by_team=True, team=team)
    ok = (r2.code == pb.OK and len(r2.kpi.owners) == 0 and
          counts_from_reply(pb, r2.kpi.total) == total and
          {x.id: counts_from_reply(pb, x.counts) for x in r2.kpi.teams} == got_teams)
    res.record(tag + " --by team", ok, "" if ok else str(r2))


def check_all(w, step):
    leads = list(all_leads(w.admin))
    for caller in ("admin", "mA", "mB", "r1", "r2", "r3"):
        compare(w, step, caller, leads)
    compare(w, step, "admin", leads, team="B")
    compare(w, step, "mA", leads, team="A")
    compare(w, step, "r1", leads, team="A")


def check_revision(w):
    last = w.create("revision probe", owner="r1")
    r = kpi(w.admin)
    res.record("kpi revision is the store's last revision", r.kpi.revision == last.version,
               "%d vs lead version %d" % (r.kpi.revision, last.version))


def check_errors(w):
    pb = w.pb
    cases = [
        ("r1", "B", pb.PERMISSION_DENIED, "a rep asks for another team"),
        ("mA", "B", pb.PERMISSION_DENIED, "a manager asks for a team they do not manage"),
        ("admin", "nope", pb.NOT_FOUND, "an unknown team"),
    ]
    # by = 7, which this protobuf library will not set: the bytes by hand
    # (Request.kpi is field 100, KpiRequest.by field 1).
    c = w.admin
    body = pb.Request(id=c.next_id).SerializeToString() + varint(100 << 3 | 2) + b"\x02\x08\x07"
    c.next_id += 1
    c.sock.sendall(struct.pack(">I", len(body)) + body)
    r = c.recv()
    res.record("kpi refuses an unknown grouping", r.code == pb.INVALID_ARGUMENT,
               "%d %s" % (r.code, r.message))
    for caller, team, code, what in cases:
        r = kpi(w.clients[caller], team=team)
        # A sentence for people that names the team, no internal name.
        ok = r.code == code and team in r.message and "_" not in r.message
        res.record("kpi refuses: " + what, ok, "%d %s" % (r.code, r.message))


def scenario(w):
    S_NEW, S_Q, S_DEAD, S_PROS, S_LOST, S_WON = 1, 2, 3, 4, 5, 6
    a = w.create("a", owner="r1", value=(10000, "EUR"))
    b = w.create("b", owner="r1", value=(2500, "EUR"))
    c = w.create("c", owner="r1", value=(4000, "USD"))
    d = w.create("d", owner="r2", value=(100000, "EUR"))
    e = w.create("e", owner="r2")
    p1 = w.create("p1", team="A", value=(500, "USD"))
    p2 = w.create("p2", team="A")
    f = w.create("f", owner="r3", value=(700, "EUR"))
    g = w.create("g", team="B", value=(900, "USD"))
    h = w.create("h", owner="mA", status=S_PROS, value=(1, "EUR"))
    check_all(w, "after creates")
    w.set_status(a, S_Q)
    w.set_status(d, S_DEAD)
    w.set_status(b, S_PROS)
    w.set_status(b, S_WON)
    w.set_status(f, S_LOST)
    w.set_status(p2, S_Q)
    check_all(w, "after status changes")
    w.assign(p1, "r2")
    w.assign(c)  # into team A's pool
    w.assign(g, "r3")
    w.assign(e, "r3")  # across teams
    check_all(w, "after assigns and pool moves")
    w.set_value(a, (30000, "EUR"))
    w.set_value(c, (4000, "EUR"))  # another currency
    w.set_value(d, None)
    w.set_value(e, (0, "USD"))
    check_all(w, "after value changes")
    # r2 moves to team B: their leads and counts go with them.
    ok_call(w.admin, lambda q: (setattr(q.user_edit, "name", "r2"),
                                setattr(q.user_edit, "team", "B")), "user_edit r2")
    w.refresh_users()
    w.clients["r2"].close()
    w.clients["r2"] = Client(w.pb, w.port, "r2", PW)
    check_all(w, "after r2 moves to team B")
    # Pool visibility is read at request time: team A hides its pool.
    ok_call(w.admin, lambda q: (setattr(q.team_edit, "name", "A"),
                                setattr(q.team_edit, "pool_visible", False)), "team_edit A")
    w.teams[w.tid["A"]].pool_visible = False
    check_all(w, "after team A hides its pool")
    r = kpi(w.clients["r1"])
    res.record("r1 has no pool row once the pool is hidden",
               all(x.id != 0 for x in r.kpi.owners), str([x.name for x in r.kpi.owners]))
    r = kpi(w.clients["mA"])
    res.record("mA no longer sees r2 after the move",
               all(x.id != w.uid["r2"] for x in r.kpi.owners), str([x.name for x in r.kpi.owners]))
    r = kpi(w.clients["mB"])
    res.record("mB sees r2 after the move", any(x.id == w.uid["r2"] for x in r.kpi.owners))
    res.record("a lead created straight into prospect counts there",
               h.status_id == S_PROS)


def random_writes(w, seed=9):
    """Several clients pipeline random creates, status changes, value edits
    and assigns at once, so the writer takes them in shared batches (one
    lead changed twice in one transaction); then the counts must still be
    the recount."""
    import random
    rnd = random.Random(seed)
    owners = ["r1", "r2", "r3", "mA"]
    ids = [x.id for x in all_leads(w.admin)]
    conns = [Client(w.pb, w.port) for _ in range(4)]

    def op(i):
        kind = rnd.choice(["create", "status", "status", "assign", "value"])
        lead = rnd.choice(ids)
        if kind == "create":
            o = rnd.choice(owners + [None])
            cur = rnd.choice(["EUR", "USD", "JPY"])
            amount = rnd.randrange(0, 10 ** 6)

            def fill(q):
                q.lead_create.title = "random %d" % i
                if o:
                    q.lead_create.owner = o
                else:
                    q.lead_create.team = rnd.choice(["A", "B"])
                q.lead_create.value.amount_minor = amount
                q.lead_create.value.currency = cur
            return fill
        if kind == "status":
            st = rnd.randrange(1, 7)
            return lambda q: (setattr(q.lead_set_status, "id", lead),
                              setattr(q.lead_set_status, "status_id", st),
                              give_reason(q.lead_set_status))
        if kind == "assign":
            to = rnd.choice(owners + [None])
            if to:
                return lambda q: (setattr(q.lead_assign, "id", lead),
                                  setattr(q.lead_assign, "to_user", to))
            return lambda q: (setattr(q.lead_assign, "id", lead),
                              setattr(q.lead_assign, "to_pool", True))
        amount = rnd.randrange(0, 10 ** 6)
        cur = rnd.choice(["EUR", "USD"])

        def fill(q):
            q.lead_update.id = lead
            q.lead_update.value.amount_minor = amount
            q.lead_update.value.currency = cur
        return fill

    batches = [[op(c * 1000 + i) for i in range(120)] for c in range(len(conns))]
    for c, fills in zip(conns, batches):
        for f in fills:
            c.send(f)
    answered = ok = 0
    for c, fills in zip(conns, batches):
        for _ in fills:
            r = c.recv()
            answered += 1
            ok += r.code == w.pb.OK
        c.close()
    # Some assigns are refused (no team for the pool, say): they change nothing.
    res.record("random writes from 4 clients answered", answered == 480 and ok > 300,
               "%d answered, %d OK" % (answered, ok))
    check_all(w, "after random writes from 4 clients")


def verify_out(binary, data):
    p = subprocess.run([binary, "verify", "--data-dir", data], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode()


def damage(binary, data):
    """Change records with LMDB directly; verify must name each; put them
    back and it passes."""
    env = lmdb.open(data, max_dbs=64, subdir=True)
    counters = env.open_db(b"counters", create=False)
    rollup = env.open_db(b"rollup", create=False)
    with env.begin() as txn:
        crecs = list(txn.cursor(db=counters))
        rrecs = list(txn.cursor(db=rollup))
    count_rec = next((k, v) for k, v in crecs if k[:1] == b"c")
    count_rec2 = [(k, v) for k, v in crecs if k[:1] == b"c"][1]
    value_rec = next((k, v) for k, v in crecs if k[:1] == b"v")
    roll_rec = next((k, v) for k, v in rrecs if k[20:21] == b"m")
    be = lambda n, size=8: n.to_bytes(size, "big", signed=True)  # noqa: E731
    with env.begin(write=True) as txn:
        n = int.from_bytes(count_rec[1], "big")
        txn.put(count_rec[0], be(n + 1), db=counters)
        txn.put(value_rec[0], be(int.from_bytes(value_rec[1], "big", signed=True) + 7, 16),
                db=counters)
        txn.put(roll_rec[0], be(int.from_bytes(roll_rec[1], "big") + 2), db=rollup)
        txn.delete(count_rec2[0], db=counters)
    env.close()
    rc, out = verify_out(binary, data)
    team, owner, status = (int.from_bytes(count_rec[0][i:i + 8], "big") for i in (1, 9, 17))
    want = "lead count of team %d, owner %d, status %d is %d, a recount gives %d" % (
        team, owner, status, n + 1, n)
    res.record("verify names a changed lead counter", rc == 1 and want in out, want + "\n" + out)
    cur = value_rec[0][25:28].decode()
    res.record("verify names a changed value total",
               rc == 1 and ("value total of team %d" % int.from_bytes(value_rec[0][1:9], "big"))
               in out and (" in %s is " % cur) in out, out)
    res.record("verify names a deleted counter", rc == 1 and "is missing, a recount gives" in out,
               out)
    day_team_owner = "team %d, owner %d: leads entering status %d" % (
        int.from_bytes(roll_rec[0][4:12], "big"), int.from_bytes(roll_rec[0][12:20], "big"),
        int.from_bytes(roll_rec[0][29:37], "big"))
    res.record("verify names a changed rollup record",
               rc == 1 and day_team_owner in out and "a replay of the history gives" in out, out)
    res.record("verify counts four problems", "4 problem(s)" in out, out)
    env = lmdb.open(data, max_dbs=64, subdir=True)
    counters = env.open_db(b"counters", create=False)
    rollup = env.open_db(b"rollup", create=False)
    with env.begin(write=True) as txn:
        for k, v in (count_rec, value_rec, count_rec2):
            txn.put(k, v, db=counters)
        txn.put(roll_rec[0], roll_rec[1], db=rollup)
    env.close()


def overflow(binary, tmp, pb):
    """Two values whose sum passes int64: kpi shows the largest int64, the
    store keeps the exact sum (verify passes and notes it)."""
    d = Leadd(binary, os.path.join(tmp, "overflow"))
    os.makedirs(os.path.join(tmp, "overflow"))
    d.start()
    big = 6 * 10 ** 18
    c = Client(pb, d.port)
    for i in range(2):
        def fill(q, i=i):
            q.lead_create.title = "big %d" % i
            q.lead_create.owner = "admin"
            q.lead_create.value.amount_minor = big
            q.lead_create.value.currency = "EUR"
        ok_call(c, fill, "lead_create big")
    k = kpi(c).kpi
    new = [x for x in k.total.classes if x.kpi_class == pb.KPI_NEW][0]
    res.record("a value total past int64 shows as the largest int64",
               [(m.currency, m.amount_minor) for m in new.value] == [("EUR", 2 ** 63 - 1)],
               str(new))
    c.close()
    d.stop()
    rc, out = verify_out(binary, d.data)
    res.record("verify passes and notes the total past int64",
               rc == 0 and "note: the value total of team 0, owner 1, status 1 in EUR is "
               "12000000000000000000" in out, out)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            w = World(pb, d.port)
            w.setup()
            scenario(w)
            random_writes(w)
            check_revision(w)
            check_errors(w)
            for c in w.clients.values():
                c.close()
        except Exception:
            d.stop("KILL")
            raise
        rc = d.stop()
        res.record("leadd stops with exit 0 on SIGTERM", rc == 0, "exit %d" % rc)
        damage(binary, d.data)
        res.record("leadd verify passes once the records are put back", d.verify() == 0)
        overflow(binary, tmp, pb)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
