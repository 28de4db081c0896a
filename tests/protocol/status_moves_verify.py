#!/usr/bin/python3
"""leadd verify over what moving a lead adds to the store (issue 12): the
dead/lost reason lists (DB reasons) and the rollup's reason records.

Usage: status_moves_verify.py LEADD_BINARY PROTO_DIR

A base data directory (team A's reason, a reason for every team, a lead
moved to dead for one and to lost with free text) verifies clean; each case
damages a copy with python3-lmdb and `leadd verify` must exit 1 naming it:
- a rollup reason record plus one, deleted, or stray (another reason);
- a reason record that does not decode, one under another key than its
  folded text, one of a team that does not exist, a text with a control
  character, and a list of 101 reasons."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import (Client, Leadd, Results, add_team, load_pb,  # noqa: E402
                           ok_call, run_verify)

res = Results()


def be(n):
    return n.to_bytes(8, "big")


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def record(team, text):
    """A ReasonRecord as leadd writes it: team_id = 1, text = 2."""
    t = text.encode()
    return b"\x08" + varint(team) + b"\x12" + varint(len(t)) + t


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_team(admin, "A")

        def reason(text, team=None):
            def fill(q):
                q.reason_add.reason.text = text
                if team:
                    q.reason_add.reason.team = team
            ok_call(admin, fill, "reason_add " + text)
        reason("Too expensive", "A")
        reason("No budget")
        for title, status, why, other in (("one", "dead", "too expensive", False),
                                          ("two", "lost", "Their CEO said no", True)):
            lead = ok_call(admin, lambda q: (setattr(q.lead_create, "title", title),
                                             setattr(q.lead_create, "team", "A")),
                           "create").lead.lead

            def move(q, lead=lead, status=status, why=why, other=other):
                q.lead_set_status.id = lead.id
                q.lead_set_status.status = status
                q.lead_set_status.reason = why
                q.lead_set_status.other = other
            ok_call(admin, move, "move " + title)
        admin.close()
    finally:
        assert d.stop() == 0
    return d.data


def records(data, db):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(db, create=False)
        with env.begin() as txn:
            return list(txn.cursor(db=h))
    finally:
        env.close()


def case(binary, base, tmp, name, db, fn, expect):
    data = os.path.join(tmp, name.replace(" ", "_"))
    shutil.copytree(base, data)
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        h = env.open_db(db, create=False)
        with env.begin(write=True) as txn:
            fn(txn, h)
    finally:
        env.close()
    rc, out = run_verify(binary, data)
    ok = rc == 1 and expect in out
    res.record("verify: " + name, ok, "" if ok else "exit %s, expected %r in:\n%s" %
               (rc, expect, out))
    shutil.rmtree(data, ignore_errors=True)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        base = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = run_verify(binary, base)
        res.record("the base verifies clean", rc == 0, out if rc else "")

        rr = [r for r in records(base, b"rollup") if r[0][20:21] == b"w"]
        texts = sorted(r[0][29:] for r in rr)
        res.record("the rollup holds one reason record per move into dead or lost",
                   texts == [b"Their CEO said no", b"Too expensive"], str(texts))
        k, v = rr[0]
        case(binary, base, tmp, "rollup reason plus one", b"rollup",
             lambda t, h: t.put(k, be(int.from_bytes(v, "big") + 1), db=h),
             "for reason '%s'" % k[29:].decode())
        case(binary, base, tmp, "rollup reason deleted", b"rollup",
             lambda t, h: t.delete(k, db=h), "missing, a replay of the history")
        case(binary, base, tmp, "rollup stray reason", b"rollup",
             lambda t, h: t.put(k[:29] + b"Never given", be(1), db=h),
             "for reason 'Never given': 1, a replay of the history gives 0")

        reasons = records(base, b"reasons")
        res.record("the reasons database holds the two reasons", len(reasons) == 2,
                   str(reasons))
        gk, gv = next(r for r in reasons if r[0][:8] == be(0))
        case(binary, base, tmp, "reason undecodable", b"reasons",
             lambda t, h: t.put(gk, b"\x12\xff", db=h), "does not decode")
        case(binary, base, tmp, "reason under another text", b"reasons",
             lambda t, h: t.put(be(0) + b"other text", gv, db=h),
             "is not under its own team and folded text")
        case(binary, base, tmp, "reason of a team that does not exist", b"reasons",
             lambda t, h: t.put(be(999) + b"gone", record(999, "Gone"), db=h),
             "team 999, which does not exist")
        case(binary, base, tmp, "reason with a control character", b"reasons",
             lambda t, h: t.put(be(0) + b"bad\x1b", record(0, "bad\x1b"), db=h),
             "not one line of text")

        def fill_101(t, h):
            for i in range(101):
                text = "reason %03d" % i
                t.put(be(0) + text.encode(), record(0, text), db=h)
        case(binary, base, tmp, "a list of more than 100", b"reasons", fill_101,
             "team 0 has more than 100 reasons")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
