#!/usr/bin/python3
"""The writer: a fault in one request of a batch fails that request alone
(issue 8). Runs leadd-fault-test, the test-only copy of leadd with the fault
injection of server/fault_inject.c, with LEADD_FAULT_INJECTION=1:

- a lead_create titled "inject-slow" holds the writer 500 ms (a slow disk);
- a lead_create titled "inject-io-error" fails inside the batch transaction
  as if one of its puts had hit an I/O error.

Case 1: while the writer is held by "inject-slow" (connection A), connection
B pipelines, in one write, a mixed batch: "inject-io-error" first, then a
create, an update, a status change and an assign; connection C adds a
create. They are taken as one batch; the five good ones commit together
(StatsReply.max_batch, the most requests in one commit, says so). The
faulty create gets an error and is not stored; every other request is
answered OK and committed. (The writer used to fail the whole batch when
its first request faulted.)

Case 2: the same with the fault in the middle of the batch.

Usage: writer_faults.py LEADD_FAULT_TEST_BINARY PROTO_DIR
leadd ends stopped (SIGTERM, exit 0) with `leadd verify` passing.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, load_pb  # noqa: E402
from leadd_harness import Results, ok_call, send_together  # noqa: E402

results = Results()
record = results.record


def create(title):
    return lambda q: (setattr(q.lead_create, "title", title),
                      setattr(q.lead_create, "owner", ADMIN))


def titles(c):
    r = ok_call(c, lambda q: setattr(q.lead_list, "limit", 1000), "list")
    return [lead.title for lead in r.lead_list.leads]


def mixed_batch(pb, d, fault_at, tag):
    a = Client(pb, d.port)
    b = Client(pb, d.port)
    c = Client(pb, d.port)
    l1 = ok_call(a, create("to update " + tag), "c").lead.lead
    l2 = ok_call(a, create("to set status " + tag), "c").lead.lead
    l3 = ok_call(a, create("to assign " + tag), "c").lead.lead
    others = [
        ("create", create("plain create " + tag)),
        ("update", lambda q: (setattr(q.lead_update, "id", l1.id),
                              setattr(q.lead_update, "expected_version", l1.version),
                              setattr(q.lead_update, "title", "updated " + tag))),
        ("set_status", lambda q: (setattr(q.lead_set_status, "id", l2.id),
                                  setattr(q.lead_set_status, "status_id", 2))),
        ("assign", lambda q: (setattr(q.lead_assign, "id", l3.id),
                              setattr(q.lead_assign, "to_user", "una"))),
    ]
    batch = others[:fault_at] + [("fault", create("inject-io-error"))] + others[fault_at:]
    a.send(create("inject-slow"))
    time.sleep(0.15)  # the writer is now held for 500 ms
    send_together(b, [fill for _, fill in batch])
    c.send(create("from another connection " + tag))
    slow = a.recv()
    answers = [(what, b.recv()) for what, _ in batch]
    other = c.recv()
    stats = ok_call(a, lambda q: q.stats.SetInParent(), "stats").stats
    fault = [r for what, r in answers if what == "fault"][0]
    good = [(what, r) for what, r in answers if what != "fault"]
    bad = [(what, pb.Code.Name(r.code), r.message) for what, r in good if r.code != pb.OK]
    stored = titles(a)
    ok = (slow.code == pb.OK and fault.code != pb.OK and not bad and other.code == pb.OK
          and stats.max_batch >= len(batch) and "inject-io-error" not in stored
          and ("updated " + tag) in stored and ("plain create " + tag) in stored)
    record("fault in request %d of a mixed batch of %d: only it fails, the rest commit"
           % (fault_at + 1, len(batch) + 1), ok,
           "faulty: %s '%s'; others not OK: %s; other connection: %s; max_batch %d"
           % (pb.Code.Name(fault.code), fault.message, bad or "none",
              pb.Code.Name(other.code), stats.max_batch))
    for x in (a, b, c):
        x.close()


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    os.environ["LEADD_FAULT_INJECTION"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp).start()
        try:
            admin = Client(pb, d.port)
            ok_call(admin, lambda q: (setattr(q.user_add, "name", "una"),
                                      setattr(q.user_add, "role", pb.ROLE_REP),
                                      setattr(q.user_add, "password", "faults-pw-1")), "una")
            admin.close()
            mixed_batch(pb, d, 0, "first")
            mixed_batch(pb, d, 2, "middle")
        except Exception as e:
            record("writer faults", False, "raised %r" % e)
        rc = d.stop()
        v = d.verify()
        record("leadd exits 0 and verify passes", rc == 0 and v == 0,
               "exit %d, verify %d" % (rc, v))
    sys.exit(results.summary())


if __name__ == "__main__":
    main()
