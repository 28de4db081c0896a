#!/usr/bin/python3
"""Damaged stand-by index entries cannot hold back real wake-ups (issue 12).

Usage: standby_stale_entries.py LEADD_BINARY PROTO_DIR

A data directory with lead A on stand-by until two seconds from now and
lead B not, stopped, then damaged with python3-lmdb: 600 idx_standby
entries due in 1970 naming B (more than one wake-up takes, 256). leadd
started on it wakes A on time all the same (the wake-up passes over
entries whose lead is not on stand-by until that time), leaves B as it
was, and logs the damage; `leadd verify` still names idx_standby."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, load_pb, ok_call  # noqa: E402

res = Results()


def be(n):
    return n.to_bytes(8, "big")


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="standby_stale.") as tmp:
        pb = load_pb(proto, tmp)
        log = os.path.join(tmp, "leadd.log")
        d = Leadd(binary, os.path.join(tmp, "run"), log_file=log, log_level="info").start()
        adm = Client(pb, d.port)
        a = adm.create("Back soon").lead.lead
        b = adm.create("Working").lead.lead
        until = int(time.time() * 1000) + 2000
        ok_call(adm, lambda q: (setattr(q.lead_standby, "id", a.id),
                                setattr(q.lead_standby, "until", until)), "standby")
        assert d.stop() == 0
        env = lmdb.open(d.data, max_dbs=64, subdir=True)
        h = env.open_db(b"idx_standby", create=False)
        with env.begin(write=True) as txn:
            for i in range(600):
                txn.put(be(1000 + i), be(b.id), db=h, dupdata=True)
        env.close()
        d.start()
        try:
            c = Client(pb, d.port)
            got = None
            end = time.time() + 8
            while time.time() < end:
                got = ok_call(c, lambda q: setattr(q.lead_get, "id", a.id), "get a").lead.lead
                if got.standby_until == 0:
                    break
                time.sleep(0.1)
            late = time.time() * 1000 - until
            res.record("the real lead wakes behind 600 damaged entries",
                       got.standby_until == 0, "still on stand-by %.0f ms after its time" % late)
            res.record("... within 3 s of its time", late < 3000, "%.0f ms" % late)
            gb = ok_call(c, lambda q: setattr(q.lead_get, "id", b.id), "get b").lead.lead
            res.record("the lead the damaged entries name is left as it was",
                       gb.version == b.version and gb.standby_until == 0)
        finally:
            rc = d.stop()
            res.record("leadd exits 0 on SIGTERM", rc == 0, "exit %d" % rc)
        text = open(log, errors="replace").read()
        res.record("leadd logged the damage, saying to run leadd verify",
                   "name no lead on stand-by; run leadd verify" in text)
        r = subprocess.run([binary, "verify", "--data-dir", d.data], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        out = r.stdout.decode(errors="replace")
        res.record("leadd verify names idx_standby", r.returncode == 1 and "idx_standby" in out,
                   out[-500:])
    return res.summary()


sys.exit(main())
