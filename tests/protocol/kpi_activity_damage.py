#!/usr/bin/python3
"""Damaged activity records of the KPI rollup (issue 13): `leadd verify`
names every kind of damage to the 'a' (activities done) and 'f' (speed to
lead) records and exits 1, and a running leadd that reads a malformed one
answers kpi --since with DATA_LOSS instead of a flow without it.

A base directory holds a rep's lead with a logged call (an 'a' record for
calls and an 'f' record: the lead's first touch) and a task marked done (an
'a' record for tasks). Each case damages a copy with python3-lmdb: the
record deleted, changed by one, a stray one (another owner), a stray zero,
a wrong-size value, an 'a' record of a note's kind (notes are never
counted), an 'f' record past the last bucket. Verify must exit 1 with a
line naming it; for the malformed ones leadd is started and kpi --since
must answer DATA_LOSS and go on answering. The untouched base verifies
clean, and so does a copy where the done call was later removed (a removed
activity stays counted: the history still holds its "done").

Usage: kpi_activity_damage.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import (Client, Leadd, Results, add_team, add_user,  # noqa: E402
                           load_pb, ok_call, run_verify, change_db)

PW = "kpi-password-1"
res = Results()
DAY_MS = 86400 * 1000
HEAD = 21  # day | team | owner | metric (lead_rollup.h)


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_team(admin, "A")
        add_user(admin, "r1", pb.ROLE_REP, "A", PW)
        lead = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "lead"),
                                         setattr(q.lead_create, "owner", "r1")),
                       "lead_create").lead.lead
        r1 = Client(pb, d.port, "r1", PW)

        def call(q):
            q.activity_add.lead_id = lead.id
            q.activity_add.kind = pb.ACTIVITY_CALL
            q.activity_add.outcome = "talked"
        ok_call(r1, call, "activity_add call")

        def task(q):
            q.activity_add.lead_id = lead.id
            q.activity_add.kind = pb.ACTIVITY_TASK
            q.activity_add.title = "send the quote"
            q.activity_add.at = int(time.time() * 1000) + DAY_MS
        number = ok_call(r1, task, "activity_add task").activity.activity.number

        def done(q):
            q.activity_done.lead_id = lead.id
            q.activity_done.number = number
        ok_call(r1, done, "activity_done task")
        r1.close()
        admin.close()
    finally:
        assert d.stop() == 0
    return d.data, lead.id


def records(data, db):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(db, create=False)
        with env.begin() as txn:
            return list(txn.cursor(db=h))
    finally:
        env.close()


def be(n, size=8):
    return n.to_bytes(size, "big")


def kpi_answers(binary, pb, tmp, data, name):
    """leadd on data: kpi --since must be DATA_LOSS with a sentence."""
    os.makedirs(tmp, exist_ok=True)
    d = Leadd(binary, tmp)
    d.data = data
    d.start()
    try:
        c = Client(pb, d.port)
        r = c.call(lambda q: setattr(q.kpi, "since", int(time.time() * 1000) - 3 * DAY_MS))
        res.record(name + ": kpi --since answers DATA_LOSS, not a flow without the record",
                   r.code == pb.DATA_LOSS and len(r.message) > 10,
                   "code %d %r" % (r.code, r.message))
        r = c.call(lambda q: q.ping.SetInParent())
        res.record(name + ": leadd still answers a ping", r.code == 0)
        c.close()
    finally:
        rc = d.stop()
        res.record(name + ": leadd exits 0 on SIGTERM", rc == 0, "exit %s" % rc)


def case(binary, base, tmp, name, fn, expect, kpi=False, pb=None):
    data = os.path.join(tmp, name.replace(" ", "_").replace("'", ""))
    shutil.copytree(base, data)
    change_db(data, b"rollup", fn)
    rc, out = run_verify(binary, data)
    ok = rc == 1 and all(e in out for e in expect)
    res.record("verify: " + name, ok,
               "" if ok else "exit %s, expected %r in:\n%s" % (rc, expect, out))
    if kpi:
        kpi_answers(binary, pb, data + ".run", data, name)
    shutil.rmtree(data, ignore_errors=True)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        base, lead_id = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = run_verify(binary, base)
        res.record("the base verifies clean", rc == 0, "" if rc == 0 else out)
        recs = records(base, b"rollup")
        done = [r for r in recs if r[0][20:21] == b"a"]
        speed = [r for r in recs if r[0][20:21] == b"f"]
        res.record("the base has an 'a' record for calls and one for tasks, one 'f'",
                   sorted(r[0][HEAD] for r in done) == [pb.ACTIVITY_CALL, pb.ACTIVITY_TASK] and
                   len(speed) == 1 and all(r[1] == be(1) for r in done + speed),
                   str(done + speed))
        call = next(r for r in done if r[0][HEAD] == pb.ACTIVITY_CALL)
        for label, (k, v), words in (("a", call, "calls done"),
                                     ("f", speed[0], "first called or met")):
            n = int.from_bytes(v, "big")
            sk = k[:12] + be(999) + k[20:]
            case(binary, base, tmp, "rollup %s deleted" % label,
                 lambda t, h, k=k: t.delete(k, db=h), ["missing, a replay", words])
            case(binary, base, tmp, "rollup %s plus one" % label,
                 lambda t, h, k=k, n=n: t.put(k, be(n + 1), db=h),
                 ["%d, a replay of the history gives %d" % (n + 1, n), words])
            case(binary, base, tmp, "rollup %s stray" % label,
                 lambda t, h, sk=sk: t.put(sk, be(1), db=h),
                 ["owner 999", "a replay of the history gives 0"])
            case(binary, base, tmp, "rollup %s stray zero" % label,
                 lambda t, h, sk=sk: t.put(sk, be(0), db=h), ["owner 999", "zero record"],
                 kpi=True, pb=pb)
            case(binary, base, tmp, "rollup %s wrong size" % label,
                 lambda t, h, k=k, v=v: t.put(k, v[:4], db=h), ["no known shape"],
                 kpi=True, pb=pb)
        k = call[0]
        case(binary, base, tmp, "rollup a of a note's kind",
             lambda t, h: t.put(k[:HEAD] + bytes([pb.ACTIVITY_NOTE]), be(1), db=h),
             ["no known shape"], kpi=True, pb=pb)
        case(binary, base, tmp, "rollup a with a longer key",
             lambda t, h: t.put(k + b"x", be(1), db=h), ["no known shape"])
        k = speed[0][0]
        case(binary, base, tmp, "rollup f past the last bucket",
             lambda t, h: t.put(k[:HEAD] + bytes([64]), be(1), db=h),
             ["no known shape"], kpi=True, pb=pb)

        # Removing the done call later: the rollup keeps it, and verify
        # agrees (the history still holds the call's "done").
        data = os.path.join(tmp, "removed")
        shutil.copytree(base, data)
        os.makedirs(os.path.join(tmp, "removed.run"))
        d = Leadd(binary, os.path.join(tmp, "removed.run"))
        d.data = data
        d.start()
        try:
            r1 = Client(pb, d.port, "r1", PW)
            ok_call(r1, lambda q: (setattr(q.activity_rm, "lead_id", lead_id),
                                   setattr(q.activity_rm, "number", 1)), "activity_rm 1")
            f = r1.call(lambda q: setattr(q.kpi, "since", int(time.time() * 1000))).kpi.flow
            res.record("a removed done call still counts", f.calls_done == 1, str(f))
            r1.close()
        finally:
            res.stop_and_verify(d, "after the removal")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
