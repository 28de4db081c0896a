#!/usr/bin/python3
"""Stand-by records damaged on disk (issue 12): `leadd verify` names each,
and leadd's wake-up timer neither loops nor stops answering on them.

Usage: standby_damage.py LEADD_BINARY PROTO_DIR

A data directory with lead A on stand-by (two days, a reason) and lead B
not, copied and damaged with python3-lmdb, one case each:
- A's idx_standby entry deleted: verify fails naming idx_standby;
- an idx_standby entry due in 1970 naming B (not on stand-by): verify
  fails naming idx_standby; leadd started on it logs that the entries name
  no lead on stand-by, uses under 0.5 s of CPU in 3 s (it looks again a
  minute later, not at once for ever), answers pings meanwhile, leaves B
  as it was, and exits 0 on SIGTERM;
- B's record given a stand-by reason without a date: verify fails saying
  so.
The undamaged copy passes verify."""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, change_db, load_pb, ok_call, run_verify  # noqa: E402

res = Results()
DAY = 86400 * 1000


def be(n):
    return n.to_bytes(8, "big")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="standby_damage.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, os.path.join(tmp, "base")).start()
        adm = Client(pb, d.port)
        a = adm.create("On stand-by").lead.lead
        b = adm.create("Working").lead.lead
        until = int(time.time() * 1000) + 2 * DAY
        ok_call(adm, lambda q: (setattr(q.lead_standby, "id", a.id),
                                setattr(q.lead_standby, "until", until),
                                setattr(q.lead_standby, "reason", "later")), "standby")
        assert d.stop() == 0
        base = d.data
        rc, out = run_verify(binary, base)
        res.record("the undamaged copy passes verify", rc == 0, out)

        def case(name, db, fn, expect):
            data = os.path.join(tmp, name.replace(" ", "_"))
            shutil.copytree(base, data)
            change_db(data, db, fn)
            rc, out = run_verify(binary, data)
            ok = rc == 1 and expect in out
            res.record("verify: " + name, ok,
                       "" if ok else "exit %d, expected %r in:\n%s" % (rc, expect, out))
            return data

        case("a lead's idx_standby entry lost", "idx_standby",
             lambda txn, h: txn.delete(be(until), be(a.id), db=h), "idx_standby")

        data = case("an idx_standby entry due in 1970 for a lead not on stand-by",
                    "idx_standby", lambda txn, h: txn.put(be(1000), be(b.id), db=h,
                                                          dupdata=True),
                    "idx_standby")
        log = os.path.join(tmp, "damaged.log")
        os.mkdir(os.path.join(tmp, "run"))
        run = Leadd(binary, os.path.join(tmp, "run"), log_file=log, log_level="info")
        run.data = data
        run.start()
        try:
            c = Client(pb, run.port)
            cpu0 = cpu_seconds(run.proc.pid)
            worst = 0.0
            end = time.time() + 3
            while time.time() < end:
                s = time.time()
                ok_call(c, lambda q: q.ping.SetInParent(), "ping")
                worst = max(worst, time.time() - s)
                time.sleep(0.05)
            cpu = cpu_seconds(run.proc.pid) - cpu0
            res.record("leadd on the damaged index does not loop (under 0.5 s CPU in 3 s)",
                       cpu < 0.5, "%.2f s" % cpu)
            res.record("... and answers pings (worst under 200 ms)", worst < 0.2,
                       "%.0f ms" % (worst * 1000))
            text = open(log, errors="replace").read()
            ok = "name no lead on stand-by; run leadd verify" in text
            res.record("... and logs the damage, saying to run leadd verify", ok,
                       "" if ok else text[-2000:])
            got = ok_call(c, lambda q: setattr(q.lead_get, "id", b.id), "get b").lead.lead
            res.record("... and changes nothing of the lead the entry names",
                       got.version == b.version and got.standby_until == 0)
        finally:
            rc = run.stop()
            res.record("leadd on the damaged index exits 0 on SIGTERM", rc == 0, "exit %d" % rc)

        def reason_only(txn, h):
            lead = pb.Lead()
            lead.ParseFromString(txn.get(be(b.id), db=h))
            lead.standby_reason = "forged"
            txn.put(be(b.id), lead.SerializeToString(), db=h)
        case("a stand-by reason without a date", "leads", reason_only,
             "has a stand-by reason but is not on stand-by")
    return res.summary()


sys.exit(main())
