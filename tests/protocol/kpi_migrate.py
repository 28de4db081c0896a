#!/usr/bin/python3
"""Migrations 6 and 7 over a real data directory (issue 9 review).

A directory is filled by a current leadd: two teams, leads of reps and of
the pools, values in EUR and USD, sources, status moves (history). Its kpi
answers (counts as the admin and a manager, a flow as the admin) are kept.
Then, on copies:
- made like a schema-5 directory: schema_version 5, the search indexes,
  lead summaries and rollup emptied, the counters under keys of the old
  layout: leadd migrates to the current schema, the kpi answers are the same, verify passes;
- set back to schema 6 (and to 5) over current data: the rebuild is
  idempotent: same answers, verify passes;
- set back to 6 (and to 5) with one lead record garbled: leadd refuses to
  start (exit 1, not a signal, within 20 s) with a sentence that names the
  migration, the lead whose record does not decode, says nothing was
  changed and to restore from a backup (before: "migration failed:
  MDB_CORRUPTED: Located page was wrong type", and the next migration was
  still started); the directory is untouched: still the old schema, its
  counters as they were (no partial migration).

Usage: kpi_migrate.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import give_reason  # noqa: E402
from leadd_harness import (Client, Leadd, Results, add_team, add_user,  # noqa: E402
                           load_pb, ok_call)

PW = "kpi-password-1"
DAY_MS = 86400 * 1000
NEW_DBS = (b"idx_team", b"idx_pool", b"idx_owner_status", b"idx_word", b"idx_created",
           b"idx_updated", b"idx_value", b"idx_source", b"idx_title", b"lead_summary",
           b"rollup")
res = Results()


def fill(pb, admin):
    add_team(admin, "A", pool_visible=True)
    add_team(admin, "B")
    add_user(admin, "mA", pb.ROLE_MANAGER, "A", PW)
    add_user(admin, "r1", pb.ROLE_REP, "A", PW)
    add_user(admin, "r2", pb.ROLE_REP, "B", PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "A"),
                              q.team_edit.managers.items.append("mA")), "managers")
    sts = ok_call(admin, lambda q: q.status_list.SetInParent(),
                  "status_list").status_list.statuses
    for i in range(60):
        def create(q, i=i):
            q.lead_create.title = "lead %d" % i
            if i % 5 == 0:
                q.lead_create.team = "AB"[i % 2]
            else:
                q.lead_create.owner = ("r1", "r2", "mA", "admin")[i % 4]
            q.lead_create.source = ("web", "Référence", "fair")[i % 3]
            if i % 2:
                q.lead_create.value.currency = ("EUR", "USD")[i % 4 == 1]
                q.lead_create.value.amount_minor = 100 * i + 7
        lead = ok_call(admin, create, "create").lead.lead
        for s in sts[1:1 + i % 4]:
            ok_call(admin, lambda q, s=s: (setattr(q.lead_set_status, "id", lead.id),
                                           setattr(q.lead_set_status, "status_id", s.id),
                                           give_reason(q.lead_set_status)),
                    "status")


def answers(pb, port):
    since = int(time.time() * 1000) - 2 * DAY_MS
    admin = Client(pb, port)
    ma = Client(pb, port, "mA", PW)
    out = []
    for c, q in ((admin, lambda q: q.kpi.SetInParent()), (ma, lambda q: q.kpi.SetInParent()),
                 (admin, lambda q: setattr(q.kpi, "since", since))):
        r = ok_call(c, q, "kpi")
        r.kpi.ClearField("revision")
        if r.kpi.HasField("flow"):
            r.kpi.flow.ClearField("until")
        out.append(r.kpi.SerializeToString(deterministic=True))
    admin.close()
    ma.close()
    return out


def lmdb_change(data, fn):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        fn(env)
    finally:
        env.close()


# The schema this leadd writes (server/store.h STORE_SCHEMA_VERSION): the
# later migrations run too.
CURRENT_SCHEMA = 11


def set_schema(env, v):
    meta = env.open_db(b"meta", create=False)
    with env.begin(write=True) as t:
        t.put(b"schema_version", v.to_bytes(8, "big"), db=meta)


def read_schema(data):
    out = []

    def read(env):
        meta = env.open_db(b"meta", create=False)
        with env.begin() as t:
            out.append(int.from_bytes(t.get(b"schema_version", db=meta), "big"))
    lmdb_change(data, read)
    return out[0]


def counters(data):
    out = []

    def read(env):
        h = env.open_db(b"counters", create=False)
        with env.begin() as t:
            out.extend(t.cursor(db=h))
    lmdb_change(data, read)
    return out


def like_schema_5(env):
    handles = {name: env.open_db(name, create=False) for name in NEW_DBS + (b"counters",)}
    with env.begin(write=True) as t:
        for name in NEW_DBS + (b"counters",):
            t.drop(handles[name], delete=False)
        # Counters under the old (owner, status) keys.
        t.put(b"c" + (2).to_bytes(8, "big") + (1).to_bytes(8, "big"), (5).to_bytes(8, "big"),
              db=handles[b"counters"])
    set_schema(env, 5)


garbled = []


def garble_lead(env):
    """The second lead's record made undecodable; its id in garbled[0]."""
    h = env.open_db(b"leads", create=False)
    with env.begin(write=True) as t:
        k = list(t.cursor(db=h))[1][0]
        t.put(k, b"\x0a\xff\xff\x01garbage", db=h)
    garbled[:] = [int.from_bytes(k, "big")]


def start_on(binary, pb, tmp, data):
    os.makedirs(tmp, exist_ok=True)
    d = Leadd(binary, tmp)
    d.data = data
    return d.start()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, os.path.join(tmp, "base")).start()
        try:
            fill(pb, Client(pb, d.port))
            want = answers(pb, d.port)
        finally:
            assert d.stop() == 0
        base = d.data
        res.record("the base verifies", d.verify() == 0)

        for name, change in (("made like schema 5", like_schema_5),
                             ("set back to schema 6", lambda env: set_schema(env, 6)),
                             ("set back to schema 5", lambda env: set_schema(env, 5))):
            data = os.path.join(tmp, name.replace(" ", "_"))
            shutil.copytree(base, data)
            lmdb_change(data, change)
            d = start_on(binary, pb, data + ".run", data)
            try:
                got = answers(pb, d.port)
                res.record(name + ": kpi counts (admin, manager) and flow as before",
                           got == want, "differ in %s" % [i for i in range(3)
                                                          if got[i] != want[i]])
            finally:
                res.stop_and_verify(d, name)
            res.record(name + ": now schema %d" % CURRENT_SCHEMA, read_schema(data) == CURRENT_SCHEMA,
                       str(read_schema(data)))

        for v in (6, 5):
            name = "schema %d with a garbled lead" % v
            data = os.path.join(tmp, "garbled%d" % v)
            shutil.copytree(base, data)
            lmdb_change(data, lambda env, v=v: (set_schema(env, v), garble_lead(env)))
            before = counters(data)
            try:
                r = subprocess.run([binary, "--data-dir", data, "--listen", "127.0.0.1:0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
                code, out = r.returncode, (r.stdout + r.stderr).decode(errors="replace")
            except subprocess.TimeoutExpired:
                code, out = None, "still running after 20 s"
            res.record(name + ": leadd refuses to start (exit 1)", code == 1,
                       "exit %s: %s" % (code, out))
            low = out.lower()
            res.record(name + ": the message names the schema, the lead whose record "
                       "does not decode, that nothing changed, and a backup",
                       "migrating the data to schema %d" % (v + 1) in low and
                       "the record of lead %d does not decode" % garbled[0] in low and
                       "nothing was changed" in low and
                       "still at schema %d" % v in low and "backup" in low, out.strip())
            res.record(name + ": no later migration is started after the failure",
                       "migrating data to schema %d" % (v + 2) not in low, out.strip())
            res.record(name + ": no partial migration (schema %d, counters unchanged)" % v,
                       read_schema(data) == v and counters(data) == before,
                       "schema %d" % read_schema(data))
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
