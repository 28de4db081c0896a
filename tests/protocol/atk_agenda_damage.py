#!/usr/bin/python3
"""Attack (issue 13, attacks 2): a damaged lead record must not stop every
other activity from falling due.

Usage: atk_agenda_damage.py LEADD_BINARY PROTO_DIR

Task A on lead LA due 2 s from now, task B on lead LB due a moment before
it; leadd stopped, LB's record overwritten with bytes that do not decode
(python3-lmdb). The alarm entry of B names an open activity due then, so
the timer took it for one to mark; marking it reads its lead, which
failed the whole pass, retried every second for ever: A (and any other
activity) never fell due. Now: A falls due on time, B stays as it was
(not alerted), leadd logs the damage saying to run leadd verify, and keeps
serving; `leadd verify` names lead LB."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, load_pb, ok_call  # noqa: E402

res = Results()


def be(n, size=8):
    return n.to_bytes(size, "big")


def task(c, lid, title, at):
    def fill(q):
        q.activity_add.lead_id = lid
        q.activity_add.kind = c.pb.ACTIVITY_TASK
        q.activity_add.title = title
        q.activity_add.at = at
    return ok_call(c, fill, "task " + title).activity.activity


def item(c, lid, number):
    # Not the agenda: it reads every item's lead, and a read meeting a
    # damaged record answers DATA_LOSS, as every read does.
    r = ok_call(c, lambda q: setattr(q.activity_list, "lead_id", lid), "list")
    for i in r.activity_list.activities:
        if (i.lead_id, i.number) == (lid, number):
            return i
    return None


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_agenda_damage.") as tmp:
        pb = load_pb(proto, tmp)
        log = os.path.join(tmp, "leadd.log")
        d = Leadd(binary, os.path.join(tmp, "run"), log_file=log, log_level="info").start()
        adm = Client(pb, d.port)
        la = adm.create("Fine").lead.lead
        lb = adm.create("Damaged").lead.lead
        at = int(time.time() * 1000) + 2500
        a = task(adm, la.id, "on time", at)
        b = task(adm, lb.id, "first in line", at - 500)
        assert d.stop() == 0
        env = lmdb.open(d.data, max_dbs=64, subdir=True, map_size=1 << 30)
        leads = env.open_db(b"leads", create=False)
        with env.begin(write=True) as txn:
            assert txn.get(be(lb.id), db=leads) is not None
            txn.put(be(lb.id), b"\xff\xff\xff", db=leads)
        env.close()
        d.start()
        try:
            c = Client(pb, d.port)
            got = None
            end = time.time() + 8
            while time.time() < end:
                got = item(c, la.id, a.number)
                if got and got.alerted:
                    break
                time.sleep(0.1)
            late = time.time() * 1000 - at
            res.record("task A falls due behind the task of a lead that does not decode",
                       bool(got and got.alerted), "not yet %.0f ms after its time" % late)
            res.record("... within 3 s of its time", late < 3000, "%.0f ms" % late)
            text = open(log, errors="replace").read()
            res.record("leadd logged the damage, saying to run leadd verify",
                       "run leadd verify" in text, text[-400:])
            res.record("... and keeps serving (ping)",
                       ok_call(c, lambda q: q.ping.SetInParent(), "ping").code == pb.OK)
        finally:
            rc = d.stop()
            res.record("leadd exits 0 on SIGTERM", rc == 0, "exit %d" % rc)
        env = lmdb.open(d.data, max_dbs=64, subdir=True, map_size=1 << 30)
        acts = env.open_db(b"activities", create=False)
        with env.begin() as txn:
            raw = txn.get(be(lb.id) + be(b.number), db=acts)
        env.close()
        rec = pb.Activity()
        rec.ParseFromString(raw)
        res.record("task B is left as it was (open, not alerted)",
                   rec.state == pb.ACTIVITY_OPEN and not rec.alerted)
        r = subprocess.run([binary, "verify", "--data-dir", d.data], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = r.stdout.decode(errors="replace")
        res.record("leadd verify names lead %d" % lb.id,
                   r.returncode == 1 and ("lead record under key %d does not decode" % lb.id) in out, out[:500])
    return res.summary()


sys.exit(main())
