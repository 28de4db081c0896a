#!/usr/bin/python3
"""Writes keep their promises (issue 8), against a real leadd:

- order: `assign Y --to A` pipelined after `assign --from A --to B` on one
  connection (a move of 1,200 leads, three chunks) leaves Y with A: later
  requests of a connection wait for its bulk move;
- memory: a bulk move of 18,000 leads that each decode to ~10 KB (50 tiny
  contacts: 0.6 KB on the wire) moves them all and says moved=18000 and
  failed_count=0; leadd's peak RSS stays under RSS_BOUND_MB (200 MB). The
  move once kept every lead it loaded: it failed with "Cannot allocate
  memory" and no count after about 13,000 had moved;
- SIGTERM during a bulk move of 12,000 leads (once its first chunk is
  committed): the move stops between chunks,
  the answer is UNAVAILABLE with the moved count in the message and in the
  reply, leadd exits 0 within the shutdown deadline, and exactly that many
  leads moved;
- an error in a later chunk of a bulk move (the target user disabled after
  the first chunk): the answer keeps its code (FAILED_PRECONDITION) and
  carries the reply with moved=N, N in the message too, and N leads moved;
- a damaged owner index (entries, put in offline with mdb_load, saying the
  moved user owns two of another user's leads and a lead that does not
  exist): the move skips them and reports them in failed_ids/failed_count
  with a failure sentence, moves the rest, and verify then reports the
  damage (the one case whose verify must fail);
- claim: a rep claiming a lead of their team that someone else owns gets
  NOT_FOUND "lead N not found", as for a missing lead; so does a rep of
  another team, and a rep whose team pool is not visible;
- team change: moving a user with 1,100 leads to another team moves their
  leads' team too (verify checks it), and a manager's claim from a pool
  takes the lead into the manager's own team;
- a lead_update that changes nothing keeps the version;
- to_pool=false and round_robin=false in lead_assign are INVALID_ARGUMENT;
- lead_list: limit 1001 is INVALID_ARGUMENT; cursor c1.ffffffffffffffff is
  INVALID_ARGUMENT (it used to wrap to the first page and page forever);
- a request with id 0 (or no id) is INVALID_ARGUMENT "request id 0 is
  reserved; number requests from 1".

Usage: writes_promises.py LEADD_BINARY PROTO_DIR [CASE...]
Each leadd ends stopped (SIGTERM, exit 0) with `leadd verify` passing.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, load_pb  # noqa: E402
from leadd_harness import (Results, add_team, all_leads, create_many, ok_call, pipeline,  # noqa: E402
                           send_together, status_mb)
import leadd_harness  # noqa: E402

PW = "promises-pw-1"
N_ORDER = int(os.environ.get("N_ORDER", "1200"))
RSS_BOUND_MB = int(os.environ.get("LEADD_RSS_BOUND_MB", "200"))
results = Results()
record = results.record
started = []  # every leadd, so a case that raises leaves none running


def start(binary, tmp, extra=()):
    d = Leadd(binary, tmp, list(extra)).start()
    started.append(d)
    return d


def add_user(admin, name, role, team=None):
    return leadd_harness.add_user(admin, name, role, team, PW)


def rss_mb(pid):
    return int(status_mb(pid, "VmHWM"))


def owned_by(c, pb, user_id):
    """Ids of the leads owned by user_id (admin lists everything)."""
    return [lead.id for lead in all_leads(c) if lead.owner_id == user_id]


def stop_and_verify(d, what):
    rc = d.stop()
    v = d.verify()
    record("%s: leadd exits 0 and verify passes" % what, rc == 0 and v == 0,
           "exit %d, verify %d" % (rc, v))


def bulk_fill(src, dst):
    return lambda q: (setattr(q.lead_bulk_assign, "from_user", src),
                      setattr(q.lead_bulk_assign, "to_user", dst))


# ---- the cases ----

def bulk_then_single(pb, binary, tmp):
    d = start(binary, tmp)
    admin = Client(pb, d.port)
    a = add_user(admin, "alice", pb.ROLE_REP)
    b = add_user(admin, "bob", pb.ROLE_REP)
    add_user(admin, "carol", pb.ROLE_REP)
    create_many(admin, N_ORDER, "alice")
    y = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Y"),
                                  setattr(q.lead_create, "owner", "carol")), "Y").lead.lead
    # Both frames in one write, so the assign is there before the move ends.
    send_together(admin, [bulk_fill("alice", "bob"),
                          lambda q: (setattr(q.lead_assign, "id", y.id),
                                     setattr(q.lead_assign, "to_user", "alice"))])
    r1, r2 = admin.recv(), admin.recv()
    got = ok_call(admin, lambda q: setattr(q.lead_get, "id", y.id), "get Y").lead.lead
    record("pipelined bulk then single assign: both OK, Y ends with alice",
           r1.code == pb.OK and r1.lead_bulk_assign.moved == N_ORDER and r2.code == pb.OK
           and got.owner_id == a.id,
           "bulk %s moved=%d; assign %s; Y owner %d (alice %d, bob %d)"
           % (pb.Code.Name(r1.code), r1.lead_bulk_assign.moved, pb.Code.Name(r2.code),
              got.owner_id, a.id, b.id))
    admin.close()
    stop_and_verify(d, "bulk order")


def bulk_big(pb, binary, tmp, n=18000):
    d = start(binary, tmp)
    admin = Client(pb, d.port, timeout=120)
    add_user(admin, "dave", pb.ROLE_REP)
    e = add_user(admin, "erin", pb.ROLE_REP)
    t0 = time.time()
    create_many(admin, n, "dave", tiny_fields=True)
    t1 = time.time()
    base = rss_mb(d.proc.pid)
    r = admin.call(bulk_fill("dave", "erin"))
    t2 = time.time()
    peak = rss_mb(d.proc.pid)
    moved = r.lead_bulk_assign.moved if r.WhichOneof("body") == "lead_bulk_assign" else None
    left = len(owned_by(admin, pb, e.id))
    record("bulk move of %d leads of ~10 KB decoded each: OK, moved=%d" % (n, n),
           r.code == pb.OK and moved == n and r.lead_bulk_assign.failed_count == 0
           and left == n,
           "%s '%s', moved=%s, erin owns %d; create %.1f s, move %.1f s"
           % (pb.Code.Name(r.code), r.message, moved, left, t1 - t0, t2 - t1))
    record("bulk move memory: peak RSS under %d MB" % RSS_BOUND_MB, 0 < peak < RSS_BOUND_MB,
           "VmHWM %d MB before the move (creates), %d MB after" % (base, peak))
    admin.close()
    stop_and_verify(d, "bulk memory")


def bulk_sigterm(pb, binary, tmp, n=12000):
    deadline_ms = 5000
    d = start(binary, tmp, ["--set", "shutdown_timeout_ms=%d" % deadline_ms])
    admin = Client(pb, d.port, timeout=60)
    add_user(admin, "frank", pb.ROLE_REP)
    g = add_user(admin, "grace", pb.ROLE_REP)
    first = create_many(admin, n, "frank", tiny_fields=True)[0]
    watch = Client(pb, d.port, timeout=60)
    admin.send(bulk_fill("frank", "grace"))
    # Stop once the first chunk is committed: the move is under way.
    until = time.time() + 30
    while time.time() < until:
        got = ok_call(watch, lambda q: setattr(q.lead_get, "id", first), "get").lead.lead
        if got.owner_id == g.id:
            break
    watch.close()
    t0 = time.time()
    d.proc.send_signal(signal.SIGTERM)
    try:
        r = admin.recv()
    except (EOFError, OSError) as e:
        r = e
    rc = d.proc.wait(timeout=60)
    took = time.time() - t0
    admin.close()
    if isinstance(r, Exception):
        record("SIGTERM during a bulk move: answered with the partial count", False,
               "no answer: %s" % r)
        return
    moved = r.lead_bulk_assign.moved if r.WhichOneof("body") == "lead_bulk_assign" else None
    d.start()
    c = Client(pb, d.port, timeout=60)
    really = len(owned_by(c, pb, g.id))
    c.close()
    ok = (r.code == pb.UNAVAILABLE and moved is not None and 0 < moved < n
          and really == moved and ("%d of the leads were moved" % moved) in r.message
          and rc == 0 and took < deadline_ms / 1000.0)
    record("SIGTERM during a bulk move: UNAVAILABLE with moved=N, N leads moved, exit 0 "
           "within the deadline", ok,
           "%s '%s', moved=%s, grace owns %d; exit %d after %.2f s (deadline %.0f s)"
           % (pb.Code.Name(r.code), r.message, moved, really, rc, took, deadline_ms / 1000.0))
    stop_and_verify(d, "bulk SIGTERM")


def bulk_error_midway(pb, d, admin, n=6000):
    add_user(admin, "oscar", pb.ROLE_REP)
    p = add_user(admin, "paula", pb.ROLE_REP)
    first = create_many(admin, n, "oscar")[0]
    mover = Client(pb, d.port, timeout=60)
    mover.send(bulk_fill("oscar", "paula"))
    until = time.time() + 30
    while time.time() < until:  # the first chunk is committed: disable the target
        got = ok_call(admin, lambda q: setattr(q.lead_get, "id", first), "get").lead.lead
        if got.owner_id == p.id:
            break
    ok_call(admin, lambda q: setattr(q.user_disable, "name", "paula"), "disable")
    r = mover.recv()
    mover.close()
    moved = r.lead_bulk_assign.moved if r.WhichOneof("body") == "lead_bulk_assign" else None
    really = len(owned_by(admin, pb, p.id))
    record("an error after some chunks of a bulk move: the error, with moved=N in the "
           "reply and the message",
           r.code == pb.FAILED_PRECONDITION and moved is not None and 0 < moved < n
           and moved == really and ("%d of the leads were moved" % moved) in r.message
           and r.lead_bulk_assign.failure == r.message,
           "%s '%s', moved=%s, paula owns %d" % (pb.Code.Name(r.code), r.message, moved,
                                                 really))


def inject_owner_entries(data_dir, owner_id, lead_ids):
    """Damage the store offline with mdb_load (lmdb-utils): owner-index
    entries saying `owner_id` owns `lead_ids`, which it does not."""
    head = subprocess.run(["mdb_dump", "-s", "idx_owner", data_dir], check=True,
                          stdout=subprocess.PIPE).stdout.decode()
    head = "".join(line + "\n" for line in head[:head.index("HEADER=END")].splitlines()
                   if not line.startswith(("duplicates=", "db_pagesize=")))
    head += "HEADER=END\n"
    body = "".join(" %016x\n %016x\n" % (owner_id, lid) for lid in lead_ids)
    subprocess.run(["mdb_load", "-s", "idx_owner", data_dir], check=True,
                   input=(head + body + "DATA=END\n").encode())


def bulk_damaged(pb, binary, tmp):
    d = start(binary, tmp)
    admin = Client(pb, d.port)
    q = add_user(admin, "quinn", pb.ROLE_REP)
    r_ = add_user(admin, "rita", pb.ROLE_REP)
    s_ = add_user(admin, "sven", pb.ROLE_REP)
    # quinn and rita take turns, so quinn's 600 leads have rita's between them.
    ids = pipeline(admin, [(lambda i: lambda q_: (
        setattr(q_.lead_create, "title", "turn %d" % i),
        setattr(q_.lead_create, "owner", "quinn" if i % 2 == 0 else "rita")))(i)
        for i in range(1200)])
    ritas = [a.lead.lead.id for a in ids if a.lead.lead.owner_id == r_.id]
    admin.close()
    d.stop()
    bad = [ritas[100], ritas[400], 10 ** 9]  # two of rita's leads, one that does not exist
    inject_owner_entries(d.data, q.id, bad)
    d.start()
    admin = Client(pb, d.port)
    r = admin.call(bulk_fill("quinn", "sven"))
    body = r.lead_bulk_assign if r.WhichOneof("body") == "lead_bulk_assign" else None
    still_rita = all(ok_call(admin, lambda q_: setattr(q_.lead_get, "id", lid), "get")
                     .lead.lead.owner_id == r_.id for lid in bad[:2])
    svens = len(owned_by(admin, pb, s_.id))
    record("bulk move over a damaged owner index: OK, moved=600, the 3 bad entries "
           "reported in failed_ids and failed_count, nothing else touched",
           r.code == pb.OK and body is not None and body.moved == 600
           and body.failed_count == 3 and sorted(body.failed_ids) == sorted(bad)
           and "not moved" in body.failure and still_rita and svens == 600,
           "%s '%s', moved=%s failed_count=%s failed_ids=%s failure='%s'; rita keeps "
           "hers: %s; sven owns %d"
           % (pb.Code.Name(r.code), r.message, body and body.moved,
              body and body.failed_count, body and list(body.failed_ids),
              body and body.failure, still_rita, svens))
    admin.close()
    rc = d.stop()
    v = subprocess.run([binary, "verify", "--data-dir", d.data], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT).stdout.decode()
    record("damaged owner index: leadd exits 0 and verify reports the damage (exit 1)",
           rc == 0 and "FAILED" in v and "problem" in v, v.strip().splitlines()[-1])


def claim_leak(pb, d, admin):
    add_team(admin, "North", pool_visible=True)
    add_team(admin, "South", pool_visible=True)
    add_team(admin, "Hidden", pool_visible=False)
    add_user(admin, "nora", pb.ROLE_REP, "North")
    add_user(admin, "ned", pb.ROLE_REP, "North")
    add_user(admin, "sam", pb.ROLE_REP, "South")
    add_user(admin, "hal", pb.ROLE_REP, "Hidden")
    add_user(admin, "hank", pb.ROLE_REP, "Hidden")
    owned = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "nora's"),
                                      setattr(q.lead_create, "owner", "nora")), "c").lead.lead
    hidden = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "hank's"),
                                       setattr(q.lead_create, "owner", "hank")), "c").lead.lead
    missing = hidden.id + 1000
    cases = [("ned", owned.id, "a rep of the same team (pool visible)"),
             ("sam", owned.id, "a rep of another team"),
             ("hal", hidden.id, "a rep whose team pool is not visible")]
    for user, lid, what in cases:
        c = Client(pb, d.port, user=user, password=PW)
        r = c.call(lambda q: setattr(q.lead_claim, "id", lid))
        m = c.call(lambda q: setattr(q.lead_claim, "id", missing))
        c.close()
        record("claim of someone else's lead by %s: NOT_FOUND as for a missing lead" % what,
               r.code == pb.NOT_FOUND and r.message == "lead %d not found" % lid
               and m.code == pb.NOT_FOUND and m.message == "lead %d not found" % missing,
               "%s '%s' (missing lead: %s '%s')" % (pb.Code.Name(r.code), r.message,
                                                   pb.Code.Name(m.code), m.message))


def team_move(pb, d, admin):
    add_team(admin, "East")
    add_team(admin, "West")
    u = add_user(admin, "ivan", pb.ROLE_REP, "East")
    west = [t for t in ok_call(admin, lambda q: q.team_list.SetInParent(), "teams")
            .team_list.teams if t.name == "West"][0]
    create_many(admin, 1100, "ivan", title="ivan")
    r = admin.call(lambda q: (setattr(q.user_edit, "name", "ivan"),
                              setattr(q.user_edit, "team", "West")))
    stale = sum(1 for lead in all_leads(admin, "list")
                if lead.owner_id == u.id and lead.team_id != west.id)
    record("user moved to another team: their 1,100 leads follow (team_id)",
           r.code == pb.OK and r.user.user.team_id == west.id and stale == 0,
           "%s '%s'; %d leads still in the old team" % (pb.Code.Name(r.code), r.message, stale))
    # A manager claiming from a pool they manage: the lead joins their team.
    add_team(admin, "Pool", pool_visible=True)
    mgr = add_user(admin, "maria", pb.ROLE_MANAGER, "West")
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "Pool"),
                              q.team_edit.managers.items.append("maria")), "managers")
    pl = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "pool lead"),
                                   setattr(q.lead_create, "team", "Pool")), "c").lead.lead
    c = Client(pb, d.port, user="maria", password=PW)
    r = c.call(lambda q: setattr(q.lead_claim, "id", pl.id))
    c.close()
    record("a manager's claim from a pool: the lead takes the manager's team",
           r.code == pb.OK and r.lead.lead.owner_id == mgr.id
           and r.lead.lead.team_id == mgr.team_id,
           "%s '%s', team %d (maria's team %d, pool's %d)"
           % (pb.Code.Name(r.code), r.message, r.lead.lead.team_id, mgr.team_id, pl.team_id))


def noop_update(pb, d, admin):
    lead = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "same"),
                                     setattr(q.lead_create, "owner", ADMIN),
                                     setattr(q.lead_create, "source", "web")), "c").lead.lead
    r = admin.call(lambda q: (setattr(q.lead_update, "id", lead.id),
                              setattr(q.lead_update, "expected_version", lead.version),
                              setattr(q.lead_update, "title", "same"),
                              setattr(q.lead_update, "source", "web")))
    record("a lead_update that changes nothing keeps the version",
           r.code == pb.OK and r.lead.lead.version == lead.version,
           "%s '%s', version %d -> %d" % (pb.Code.Name(r.code), r.message, lead.version,
                                          r.lead.lead.version))
    r = admin.call(lambda q: (setattr(q.lead_update, "id", lead.id),
                              setattr(q.lead_update, "expected_version", lead.version),
                              setattr(q.lead_update, "title", "changed")))
    record("a lead_update that changes a field bumps the version",
           r.code == pb.OK and r.lead.lead.version > lead.version,
           "%s, version %d -> %d" % (pb.Code.Name(r.code), lead.version, r.lead.lead.version))


def assign_false(pb, d, admin):
    lead = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "pooled"),
                                     setattr(q.lead_create, "owner", ADMIN)), "c").lead.lead
    for field in ("to_pool", "round_robin"):
        r = admin.call(lambda q: (setattr(q.lead_assign, "id", lead.id),
                                  setattr(q.lead_assign, field, False)))
        record("lead_assign with %s=false: INVALID_ARGUMENT" % field,
               r.code == pb.INVALID_ARGUMENT and "with 'no'" in r.message
               and field not in r.message,
               "%s '%s'" % (pb.Code.Name(r.code), r.message))


def list_limits(pb, d, admin):
    r = admin.call(lambda q: setattr(q.lead_list, "limit", 1001))
    record("lead_list limit 1001: INVALID_ARGUMENT", r.code == pb.INVALID_ARGUMENT,
           "%s '%s'" % (pb.Code.Name(r.code), r.message))
    r = admin.call(lambda q: setattr(q.lead_list, "limit", 1000))
    record("lead_list limit 1000: OK", r.code == pb.OK, pb.Code.Name(r.code))
    r = admin.call(lambda q: setattr(q.lead_list, "cursor", "c1.ffffffffffffffff"))
    record("lead_list cursor c1.ffffffffffffffff: INVALID_ARGUMENT, not the first page again",
           r.code == pb.INVALID_ARGUMENT and len(r.lead_list.leads) == 0,
           "%s '%s', %d leads" % (pb.Code.Name(r.code), r.message, len(r.lead_list.leads)))


def request_id_zero(pb, d, admin):
    for what, rid in (("id 0", 0), ("no id", None)):
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        q = pb.Request() if rid is None else pb.Request(id=rid)
        q.hello.protocol_version = 1
        q.hello.client_name = "zero"
        body = q.SerializeToString()
        s.sendall(struct.pack(">I", len(body)) + body)
        (n,) = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))
        m = pb.ServerMessage()
        m.ParseFromString(s.recv(n, socket.MSG_WAITALL))
        s.close()
        r = m.response
        record("a request with %s: INVALID_ARGUMENT" % what,
               r.code == pb.INVALID_ARGUMENT
               and r.message == "request id 0 is reserved; number requests from 1",
               "%s '%s'" % (pb.Code.Name(r.code), r.message))


def lead_id_missing(pb, d, admin):
    # A request about one lead without its id names no lead: say so, rather
    # than "lead 0 not found".
    fills = {
        "lead_get": lambda q: q.lead_get.SetInParent(),
        "lead_update": lambda q: (setattr(q.lead_update, "expected_version", 1),
                                  setattr(q.lead_update, "title", "x")),
        "lead_set_status": lambda q: setattr(q.lead_set_status, "status_id", 1),
        "lead_assign": lambda q: setattr(q.lead_assign, "to_pool", True),
        "lead_claim": lambda q: q.lead_claim.SetInParent(),
    }
    for what, fill in fills.items():
        r = admin.call(fill)
        record("%s without a lead id: INVALID_ARGUMENT naming the missing id" % what,
               r.code == pb.INVALID_ARGUMENT and "lead id is missing" in r.message,
               "%s '%s'" % (pb.Code.Name(r.code), r.message))


SMALL = [bulk_error_midway, claim_leak, team_move, noop_update, assign_false, list_limits, request_id_zero,
         lead_id_missing]
OWN = {"bulk_then_single": bulk_then_single, "bulk_big": bulk_big,
       "bulk_sigterm": bulk_sigterm, "bulk_damaged": bulk_damaged}


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3:])
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        for name, case in OWN.items():
            if only and name not in only:
                continue
            os.makedirs(os.path.join(tmp, name))
            try:
                case(pb, binary, os.path.join(tmp, name))
            except Exception as e:  # a case that breaks is a failure, not a crash
                record(name, False, "raised %r" % e)
        small = [c for c in SMALL if not only or c.__name__ in only]
        if small:
            os.makedirs(os.path.join(tmp, "small"))
            d = start(binary, os.path.join(tmp, "small"))
            admin = Client(pb, d.port)
            for case in small:
                try:
                    case(pb, d, admin)
                except Exception as e:
                    record(case.__name__, False, "raised %r" % e)
            admin.close()
            stop_and_verify(d, "small cases")
        for d in started:
            if d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
    sys.exit(results.summary())


if __name__ == "__main__":
    main()
