#!/usr/bin/python3
"""Damaged alarm index entries cannot hold back an activity falling due
(issue 13).

Usage: activity_due_damage.py LEADD_BINARY PROTO_DIR

A data directory with task A due two seconds from now and task B due in
ten days, stopped, then damaged with python3-lmdb: 70000 idx_act_alarm
entries due in 1970 naming B (more than one pass of the timer reads,
65536), one naming an activity that does not exist, and one naming a
record that does not decode. leadd started on it marks A as fallen due on
time all the same (each pass goes on after the last entry it read, and
passes over entries naming no open activity due then), leaves B as it was
and its lead untouched, logs the damage saying to run leadd verify, and
does not loop on it: after a cycle of passes that marked nothing it logs
the error and waits a minute (the real clock), or until the next real
activity's time, before the next look: at most two error lines here. `leadd verify`
names idx_act_alarm."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, load_pb, ok_call  # noqa: E402

res = Results()
DAY = 86400 * 1000


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
    r = ok_call(c, lambda q: setattr(q.agenda, "limit", 1000), "agenda")
    for i in r.agenda.items:
        if (i.lead_id, i.number) == (lid, number):
            return i
    return None


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="activity_due_damage.") as tmp:
        pb = load_pb(proto, tmp)
        log = os.path.join(tmp, "leadd.log")
        d = Leadd(binary, os.path.join(tmp, "run"), log_file=log, log_level="info").start()
        adm = Client(pb, d.port)
        la = adm.create("Due soon").lead.lead
        lb = adm.create("Due later").lead.lead
        at = int(time.time() * 1000) + 2500
        a = task(adm, la.id, "soon", at)
        b = task(adm, lb.id, "later", at + 10 * DAY)
        vb = ok_call(adm, lambda q: setattr(q.lead_get, "id", lb.id), "get b").lead.lead.version
        assert d.stop() == 0
        env = lmdb.open(d.data, max_dbs=64, subdir=True, map_size=1 << 30)
        alarm = env.open_db(b"idx_act_alarm", create=False, dupsort=True)
        acts = env.open_db(b"activities", create=False)
        with env.begin(write=True) as txn:
            for i in range(70000):
                txn.put(be(1000 + i), be(lb.id) + be(b.number), db=alarm, dupdata=True)
            txn.put(be(500), be(lb.id) + be(999), db=alarm, dupdata=True)
            txn.put(be(lb.id) + be(77), b"\xff\xff\xff", db=acts)
            txn.put(be(600), be(lb.id) + be(77), db=alarm, dupdata=True)
        env.close()
        d.start()
        try:
            c = Client(pb, d.port)
            got = None
            end = time.time() + 10
            while time.time() < end:
                got = item(c, la.id, a.number)
                if got and got.alerted:
                    break
                time.sleep(0.1)
            late = time.time() * 1000 - at
            res.record("the real task falls due behind 70002 damaged entries",
                       bool(got and got.alerted), "not yet %.0f ms after its time" % late)
            res.record("... within 3 s of its time", late < 3000, "%.0f ms" % late)
            gb = item(c, lb.id, b.number)
            lead_b = ok_call(c, lambda q: setattr(q.lead_get, "id", lb.id), "get b").lead.lead
            res.record("the task the damaged entries name is left as it was, and its lead",
                       gb is not None and not gb.alerted and lead_b.version == vb)
            time.sleep(2)
            text = open(log, errors="replace").read()
            n = text.count("name no open activity due then; run leadd verify")
            res.record("leadd logged the damage, saying to run leadd verify, and did not "
                       "loop on it (a line for each cycle of passes that marked nothing: "
                       "before A fell due and after)", n in (1, 2), "%d lines" % n)
            res.record("... and the marking at info level", "1 activity fell due" in text)
        finally:
            rc = d.stop()
            res.record("leadd exits 0 on SIGTERM", rc == 0, "exit %d" % rc)
        r = subprocess.run([binary, "verify", "--data-dir", d.data], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = r.stdout.decode(errors="replace")
        res.record("leadd verify names idx_act_alarm", r.returncode == 1 and
                   "idx_act_alarm" in out, out[-500:])
    return res.summary()


sys.exit(main())
