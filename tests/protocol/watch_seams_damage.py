#!/usr/bin/python3
"""A damaged change log under a replaying watcher (issue 11 seams review).

Events take who may see a change from the change-log entry (its owners and
teams) and the lead's content from the history. A change log that
disagrees with the history must make `leadd verify` fail, and a watcher
replaying through such an entry must get a clear outcome (a snapshot),
never a crash, a silent skip, a revision twice or going back, nor the
content of a lead it may not see.

Team A with rep rA, team B with rep rB; a lead of rB whose title says
SECRET; leads of rA; a few changes to each. Each case damages a copy of
the data directory with python3-lmdb, then `leadd verify` must exit 1
naming the change log, and a leadd started on it serves a watch
since revision 0 (rA's and the admin's):
- forged owner: an entry of rB's lead says rA (and team A) now owns it:
  rA must get no event carrying the lead (no SECRET), but a snapshot;
- wrong revision: an entry keyed R says revision R-1 (the lead's entry
  before it): no event revision twice or going back, a snapshot instead;
- entry deleted in the middle, entry that does not decode: a snapshot,
  the revisions after it still come;
- changelog_first meta set past entries still kept: verify names it.
After each, leadd answers a ping. The undamaged base verifies clean and
leadd on it stops with exit 0.

Usage: watch_seams_damage.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results, add_team,  # noqa: E402
                           add_user, load_pb, ok_call, run_verify)
from watch_lib import Watcher, kinds  # noqa: E402

PW = "seams-password-1"
res = Results()


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        return fill_base(pb, d)
    except Exception:
        d.stop(sig="KILL")
        raise


def fill_base(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A")
    add_team(adm, "B")
    add_user(adm, "rA", pb.ROLE_REP, "A", PW)
    add_user(adm, "rB", pb.ROLE_REP, "B", PW)
    info = {"secret_revs": []}

    def create(title, owner):
        return ok_call(adm, lambda q: (setattr(q.lead_create, "title", title),
                                       setattr(q.lead_create, "owner", owner)),
                       "create").lead.lead

    ver = {}

    def retitle(lid, title):
        lead = ok_call(adm, lambda q: (setattr(q.lead_update, "id", lid),
                                       setattr(q.lead_update, "expected_version", ver[lid]),
                                       setattr(q.lead_update, "title", title)),
                       "update").lead.lead
        ver[lid] = lead.version
        return lead

    a1 = create("of rA one", "rA")
    s = create("SECRET of rB", "rB")
    ver[a1.id], ver[s.id] = a1.version, s.version
    info["secret"] = s.id
    info["secret_revs"].append(s.version)
    a2 = create("of rA two", "rA")
    ver[a2.id] = a2.version
    for i in range(3):
        info["secret_revs"].append(retitle(s.id, "SECRET of rB v%d" % i).version)
        retitle(a1.id, "of rA one v%d" % i)
        retitle(a2.id, "of rA two v%d" % i)
    r = ok_call(adm, lambda q: q.ping.SetInParent(), "ping")
    info["last"] = ok_call(adm, lambda q: q.lead_list.SetInParent(), "list").lead_list.revision
    adm.close()
    del r
    return d, info


def store_pb(tmp, proto_dir):
    if not os.path.exists(os.path.join(tmp, "leadd_store_pb2.py")):
        subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", tmp,
                        os.path.join(proto_dir, "leadd_store.proto")], check=True)
    sys.path.insert(0, tmp)
    import leadd_store_pb2
    return leadd_store_pb2


def damage(data, fn):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        with env.begin(write=True) as txn:
            fn(env, txn)
    finally:
        env.close()


def key(rev):
    return rev.to_bytes(8, "big")


def replay(pb, port, user, password):
    """Watch leads since 0 and read until CAUGHT_UP: the events."""
    w = Watcher(pb, port, user, password, timeout=20)
    r = w.watch(["leads", "kpi"], since=0)
    if r.code != 0:
        return None, "watch refused: %s" % r.message
    evs = w.until(lambda e: e.kind in (pb.EVENT_CAUGHT_UP, pb.EVENT_SNAPSHOT), limit=15)
    evs += w.events(quiet=0.3, limit=3)
    ping = w.call(lambda q: q.ping.SetInParent())
    w.close()
    return evs, ping.code


def monotonic(pb, evs):
    """Lead events' revisions never go back and no (revision, kind, lead)
    comes twice."""
    seen, last = set(), 0
    for e in evs:
        if e.kind in (pb.EVENT_SNAPSHOT, pb.EVENT_CAUGHT_UP):
            last = max(last, e.revision)
            continue
        k = (e.revision, e.kind, e.lead_id)
        if k in seen or e.revision < last:
            return False
        seen.add(k)
        last = e.revision
    return True


def case(binary, pb, base, tmp, name, fn, checks, want_verify="change-log"):
    data = os.path.join(tmp, name, "data")
    shutil.copytree(base, data)
    damage(data, fn)
    rc, out = run_verify(binary, data)
    res.record("%s: leadd verify exits 1 naming the change log" % name,
               rc == 1 and want_verify in out, "exit %d:\n%s" % (rc, out[-600:]))
    d = Leadd(binary, os.path.join(tmp, name)).start()
    try:
        checks(d)
    finally:
        d.stop(sig="KILL")


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="watch_seams_damage.") as tmp:
        pb = load_pb(proto_dir, tmp)
        spb = store_pb(tmp, proto_dir)
        base_dir = os.path.join(tmp, "base")
        os.makedirs(base_dir)
        d, info = make_base(binary, pb, base_dir)
        d.stop()
        base = d.data
        rc, out = run_verify(binary, base)
        res.record("the undamaged base verifies clean", rc == 0, out[-400:])
        secret, srevs = info["secret"], info["secret_revs"]

        def entry(txn, db, rev):
            e = spb.ChangeEntry()
            e.ParseFromString(txn.get(key(rev), db=db))
            return e

        # 1. forged owner on the secret lead's second change.
        def forge(env, txn):
            db = env.open_db(b"changelog", txn=txn, create=False)
            e = entry(txn, db, srevs[1])
            e.new_owner = 3  # rA (admin 1, rA... looked up below)
            txn.put(key(srevs[1]), e.SerializeToString(), db=db)

        def forge_checks(d):
            evs, ping = replay(pb, d.port, "rA", PW)
            leaked = [e for e in (evs or []) if e.lead_id == secret and e.HasField("lead")]
            leaked += [e for e in (evs or []) if "SECRET" in e.lead.title and e not in leaked]
            res.record("forged owner: rA's replay carries nothing of rB's lead",
                       evs is not None and not leaked,
                       "%s" % [(kinds(pb, [e])[0], e.revision, e.lead.title) for e in leaked])
            res.record("forged owner: rA gets a snapshot at the forged entry",
                       evs is not None and pb.EVENT_SNAPSHOT in [e.kind for e in evs],
                       "%s" % (evs and kinds(pb, evs)))
            res.record("forged owner: leadd answers a ping after", ping == 0)

        # rA's user id: read it from the base (users by name).
        env = lmdb.open(base, max_dbs=64, subdir=True, readonly=True, lock=False)
        with env.begin() as txn:
            udb = env.open_db(b"users", txn=txn, create=False)
            ra_id = None
            for k, v in txn.cursor(db=udb):
                u = spb.UserRecord()
                u.ParseFromString(v)
                if u.name == "rA":
                    ra_id, ra_team = u.id, u.team_id
        env.close()

        def forge_ra(env, txn):
            db = env.open_db(b"changelog", txn=txn, create=False)
            e = entry(txn, db, srevs[1])
            e.new_owner = ra_id
            e.new_team = ra_team
            txn.put(key(srevs[1]), e.SerializeToString(), db=db)
        del forge
        case(binary, pb, base, tmp, "forged owner", forge_ra, forge_checks)

        # 2. the entry keyed srevs[2] says it is srevs[1] (its lead's previous).
        def wrong_rev(env, txn):
            db = env.open_db(b"changelog", txn=txn, create=False)
            e = entry(txn, db, srevs[1])
            txn.put(key(srevs[2]), e.SerializeToString(), db=db)

        def wrong_rev_checks(d):
            evs, ping = replay(pb, d.port, ADMIN, ADMIN_PASSWORD)
            res.record("wrong revision: no event twice or going back",
                       evs is not None and monotonic(pb, evs),
                       "%s" % [(kinds(pb, [e])[0], e.revision, e.lead_id) for e in evs or []])
            res.record("wrong revision: a snapshot at the damaged entry",
                       evs is not None and pb.EVENT_SNAPSHOT in [e.kind for e in evs])
            res.record("wrong revision: leadd answers a ping after", ping == 0)
        case(binary, pb, base, tmp, "wrong revision", wrong_rev, wrong_rev_checks)

        # 3. an entry deleted in the middle; 4. one that does not decode.
        def deleted(env, txn):
            db = env.open_db(b"changelog", txn=txn, create=False)
            txn.delete(key(srevs[1]), db=db)

        def garbage(env, txn):
            db = env.open_db(b"changelog", txn=txn, create=False)
            txn.put(key(srevs[1]), b"\xff\xff\xff\xff\x0f", db=db)

        def hole_checks(what):
            def checks(d):
                evs, ping = replay(pb, d.port, ADMIN, ADMIN_PASSWORD)
                ks = [e.kind for e in evs or []]
                res.record("%s: a snapshot, not a silent skip" % what,
                           evs is not None and pb.EVENT_SNAPSHOT in ks,
                           "%s" % (evs and kinds(pb, evs)))
                res.record("%s: revisions never go back nor come twice" % what,
                           evs is not None and monotonic(pb, evs))
                res.record("%s: leadd answers a ping after" % what, ping == 0)
            return checks
        case(binary, pb, base, tmp, "entry deleted", deleted, hole_checks("entry deleted"),
             want_verify="change-log entry")
        case(binary, pb, base, tmp, "entry undecodable", garbage,
             hole_checks("entry undecodable"), want_verify="does not decode")

        # 5. changelog_first past entries still kept.
        def first_meta(env, txn):
            db = env.open_db(b"meta", txn=txn, create=False)
            txn.put(b"changelog_first", key(srevs[2]), db=db)

        def first_checks(d):
            evs, ping = replay(pb, d.port, ADMIN, ADMIN_PASSWORD)
            res.record("changelog_first: leadd serves a replay and a ping",
                       evs is not None and ping == 0)
        case(binary, pb, base, tmp, "changelog_first", first_meta, first_checks,
             want_verify="older than the oldest revision kept")

        d.start()
        res.stop_and_verify(d, "the undamaged base")
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
