#!/usr/bin/python3
"""Resuming a watch (docs/protocol.md section 6, "Starting, resuming,
snapshots") and the change log's trimming ("The change log").

- A watch with since_revision S from the middle of 40 changes gives
  exactly the events live watchers got after S (same events, same order,
  an admin's and a rep's view), then CAUGHT_UP at the reply's replay_to,
  then live events, none twice; S equal to the server's revision gives
  CAUGHT_UP at once; S ahead of the server is INVALID_ARGUMENT.
- A replay of 3,000 changes runs in slices: another connection's pings stay
  fast meanwhile, and a watcher that does not read holds the replay back
  instead of being taken for a slow one (every event arrives, no SNAPSHOT).
- A change-log entry written before the log recorded teams (old_team,
  new_team absent) cannot be replayed: the watch gets a SNAPSHOT there.
- changelog_max: after writes the log holds at most that many entries
  (plus a chunk), a resume from before the oldest entry kept gets a
  SNAPSHOT instead of a replay (the reply says it is not replaying), one
  from inside the log replays exactly; a listing sorted by update time
  whose changes since its first page were trimmed answers "start again"
  (FAILED_PRECONDITION), never a damaged-data error; `leadd verify`
  passes on the trimmed log.
- changelog_keep: with the clock 31 days on, writes trim every older entry
  but the newest; verify passes.
- A damaged log is still found by verify: an entry removed from the middle,
  the meta record of the oldest revision kept moved past entries the log
  holds.
Every phase ends with `leadd verify`.

Usage: watch_resume.py LEADD_FAULT_TEST_BINARY PROTO_DIR"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Leadd, Results, add_team,  # noqa: E402
                           add_user, create_many, ok_call, run_test)
from watch_lib import Watcher, canon, kinds, watch_ok  # noqa: E402

PW = "watch-password-1"
res = Results()


def changes(pb, adm, r1, n):
    """n changes of every kind to leads of r1 and A's pool; their revisions."""
    revs = []
    ids = []
    for i in range(n):
        k = i % 5
        if k == 0 or not ids:
            r = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "c%d" % i),
                                        setattr(q.lead_create, "owner", "r1")), "create")
            ids.append((r.lead.lead.id, r.lead.lead.version))
        else:
            lid, ver = ids[-1]
            if k == 1:
                r = ok_call(r1, lambda q: (setattr(q.lead_update, "id", lid),
                                           setattr(q.lead_update, "expected_version", ver),
                                           setattr(q.lead_update, "title", "t%d" % i)), "edit")
            elif k == 2:
                r = ok_call(adm, lambda q: (setattr(q.lead_assign, "id", lid),
                                            setattr(q.lead_assign, "to_pool", True)), "pool")
            elif k == 3:
                r = ok_call(r1, lambda q: setattr(q.lead_claim, "id", lid), "claim")
            else:
                r = ok_call(r1, lambda q: (setattr(q.lead_set_status, "id", lid),
                                           setattr(q.lead_set_status, "status", "qualified")),
                            "status")
            ids[-1] = (lid, r.lead.lead.version)
        revs.append(r.lead.lead.version)
    return revs


def until_caught_up(pb, w, limit=60):
    return w.until(lambda e: e.kind == pb.EVENT_CAUGHT_UP, limit=limit)


def phase_resume(pb, d):
    adm = Client(pb, d.port)
    add_team(adm, "A", pool_visible=True)
    add_user(adm, "r1", pb.ROLE_REP, "A", PW)
    r1 = Client(pb, d.port, "r1", PW)
    live = {"admin": Watcher(pb, d.port, "admin", ADMIN_PASSWORD),
            "r1": Watcher(pb, d.port, "r1", PW)}
    for n, w in live.items():
        watch_ok(w, ["leads", "kpi", "assigned"], n)
        w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    revs = changes(pb, adm, r1, 40)
    base = {n: [e for e in w.events(quiet=0.5)] for n, w in live.items()}
    middle = revs[17]
    last = revs[-1]
    for n in ("admin", "r1"):
        w = Watcher(pb, d.port, n, ADMIN_PASSWORD if n == "admin" else PW)
        rp = watch_ok(w, ["leads", "kpi", "assigned"], n, since=middle)
        res.record("%s: resuming says replaying up to the server's revision" % n,
                   rp.replaying and rp.replay_to == last and rp.revision == middle,
                   str(rp))
        got = until_caught_up(pb, w)
        want = [canon(e) for e in base[n] if e.revision > middle]
        res.record("%s: resume from the middle gives exactly the missing events" % n,
                   [canon(e) for e in got[:-1]] == want,
                   "%d events, %d expected" % (len(got) - 1, len(want)))
        res.record("%s: CAUGHT_UP at replay_to" % n, got[-1].revision == last)
        ok_call(adm, lambda q: (setattr(q.lead_create, "title", "after"),
                                setattr(q.lead_create, "owner", "r1")), "create after")
        after = w.events(quiet=0.4)
        res.record("%s: then live events, none twice" % n,
                   kinds(pb, after) == (["EVENT_ENTER", "EVENT_ASSIGNED", "EVENT_KPI"]
                                        if n == "r1" else ["EVENT_ENTER", "EVENT_KPI"])
                   and all(e.revision == last + 1 for e in after), str(kinds(pb, after)))
        last += 1
        for ln, lw in live.items():
            base[ln] += lw.events(quiet=0.2)
        w.close()
    w = Watcher(pb, d.port, "r1", PW)
    rp = watch_ok(w, ["leads"], "r1 at R", since=last)
    got = w.events(quiet=0.4)
    res.record("since the server's revision: CAUGHT_UP at once, nothing else",
               rp.replaying and kinds(pb, got) == ["EVENT_CAUGHT_UP"] and got[0].revision == last,
               str(kinds(pb, got)))
    r = w.watch(["leads"], since=last + 5)
    res.record("since ahead of the server: INVALID_ARGUMENT, saying so",
               r.code == pb.INVALID_ARGUMENT and "ahead" in r.message, r.message)
    w.close()

    # A big replay in slices; a watcher that does not read holds it back.
    before = last
    create_many(adm, 3000, "r1")
    last += 3000
    w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    watch_ok(w, ["leads", "kpi"], "big replay", since=before)
    pinger = Client(pb, d.port)
    worst = 0
    for _ in range(40):
        t0 = time.time()
        ok_call(pinger, lambda q: q.ping.SetInParent(), "ping")
        worst = max(worst, time.time() - t0)
        time.sleep(0.01)
    res.record("pings stay fast while 3,000 changes replay (worst %.0f ms)" % (worst * 1000),
               worst < 0.25)
    time.sleep(1.0)  # the watcher has not read: the replay waits for it
    got = until_caught_up(pb, w)
    res.record("a replay the watcher reads slowly: every event, no SNAPSHOT",
               sum(1 for e in got if e.kind == pb.EVENT_ENTER) == 3000 and
               sum(1 for e in got if e.kind == pb.EVENT_KPI) == 3000 and
               not any(e.kind == pb.EVENT_SNAPSHOT for e in got), "%d events" % len(got))
    w.close()
    for c in (adm, r1, pinger, *live.values()):
        c.close()
    return middle, last


def old_format_entry(pb, d, rev):
    """Rewrite change-log entry rev as leadd wrote it before old_team/new_team."""
    import lmdb
    tmp = os.path.dirname(d.data)
    subprocess.run(["protoc", "--proto_path", sys.argv[2], "--python_out", tmp,
                    os.path.join(sys.argv[2], "leadd_store.proto")], check=True)
    sys.path.insert(0, tmp)
    import leadd_store_pb2
    env = lmdb.open(d.data, max_dbs=64,
                    map_size=os.path.getsize(os.path.join(d.data, "data.mdb")) + (256 << 20))
    db = env.open_db(b"changelog", create=False)
    with env.begin(write=True, db=db) as txn:
        e = leadd_store_pb2.ChangeEntry()
        e.ParseFromString(txn.get(rev.to_bytes(8, "big")))
        e.ClearField("old_team")
        e.ClearField("new_team")
        txn.put(rev.to_bytes(8, "big"), e.SerializeToString())
    env.close()
    return leadd_store_pb2, lmdb


def log_range(lmdb, d):
    env = lmdb.open(d.data, max_dbs=64, readonly=True, lock=False)
    db = env.open_db(b"changelog", create=False)
    with env.begin(db=db) as txn:
        n = txn.stat(db)["entries"]
        cur = txn.cursor()
        first = int.from_bytes(cur.key(), "big") if cur.first() else 0
    env.close()
    return n, first


def run(pb, d):
    middle, last = phase_resume(pb, d)
    res.stop_and_verify(d, "after the resumes")

    # An entry of the old format in the middle of a replay.
    store_pb, lmdb = old_format_entry(pb, d, middle + 3)
    d.start()
    w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    rp = watch_ok(w, ["leads", "kpi"], "old format", since=middle)
    got = w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    res.record("an old-format entry in the replay: a SNAPSHOT there, at the server's revision",
               rp.replaying and got[-1].revision == last and got[-1].HasField("kpi_counts")
               and all(e.revision <= middle + 2 for e in got[:-1]) and "log" in got[-1].reason,
               "%s %s" % (kinds(pb, got[-3:]), got[-1].reason))
    w.close()
    res.stop_and_verify(d, "old-format entry")

    # changelog_max: trimmed in chunks as writes come.
    d.extra = ["--set", "changelog_max=100"]
    d.start()
    adm = Client(pb, d.port)
    r = ok_call(adm, lambda q: (q.lead_list.SetInParent(), setattr(q.lead_list, "limit", 10),
                                setattr(q.lead_list, "sort", pb.SORT_UPDATED)), "page 1")
    cursor = r.lead_list.cursor
    # More changes after the first page than the log keeps.
    for i in range(150):
        ok_call(adm, lambda q: (setattr(q.lead_create, "title", "more %d" % i),
                                setattr(q.lead_create, "owner", "r1")), "create")
    adm.close()
    d.stop()
    n, first = log_range(lmdb, d)
    res.record("changelog_max 100: the log holds 100 entries after enough writes",
               n == 100, "%d entries from %d" % (n, first))
    res.record("changelog_max: leadd verify passes on the trimmed log", d.verify() == 0)
    d.start()
    adm = Client(pb, d.port)
    r = adm.call(lambda q: (setattr(q.lead_list, "cursor", cursor),
                            setattr(q.lead_list, "limit", 10),
                            setattr(q.lead_list, "sort", pb.SORT_UPDATED)))
    res.record("a listing whose changes were trimmed: FAILED_PRECONDITION, start again",
               r.code == pb.FAILED_PRECONDITION and "start again" in r.message,
               "%s %s" % (pb.Code.Name(r.code), r.message))
    rev_now = ok_call(adm, lambda q: q.lead_list.SetInParent(), "rev").lead_list.revision
    w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    rp = watch_ok(w, ["leads", "kpi"], "trimmed", since=first - 2)
    got = w.events(quiet=0.4)
    res.record("resume from before the oldest entry kept: no replay, a SNAPSHOT at R",
               not rp.replaying and kinds(pb, got) == ["EVENT_SNAPSHOT"] and
               got[0].revision == rev_now and got[0].HasField("kpi_counts") and
               "change log" in got[0].reason, "%s %s" % (rp, kinds(pb, got)))
    rp = watch_ok(w, ["leads"], "inside", since=first + 10)
    got = until_caught_up(pb, w)
    res.record("resume from inside the trimmed log replays it",
               rp.replaying and len(got) == rev_now - first - 10 + 1 and
               not any(e.kind == pb.EVENT_SNAPSHOT for e in got), "%d events" % len(got))
    w.close()
    adm.close()
    res.stop_and_verify(d, "changelog_max")

    # changelog_keep: 31 days later every older entry goes but the newest.
    with open(os.environ["LEADD_FAULT_CLOCK_FILE"], "w") as f:
        f.write(str(31 * 24 * 3600 * 1000))
    d.extra = []
    d.start()
    adm = Client(pb, d.port)
    for i in range(3):
        r = ok_call(adm, lambda q: (setattr(q.lead_create, "title", "late %d" % i),
                                    setattr(q.lead_create, "owner", "r1")), "create late")
    newest = r.lead.lead.version
    adm.close()
    d.stop()
    n, first = log_range(lmdb, d)
    res.record("changelog_keep: entries older than 30 days are gone",
               first == newest - 2 and n == 3, "%d entries from %d" % (n, first))
    res.record("changelog_keep: leadd verify passes", d.verify() == 0)

    # A damaged log is still found.
    keep = d.data + ".keep"
    shutil.copytree(d.data, keep)
    env = lmdb.open(d.data, max_dbs=64,
                    map_size=os.path.getsize(os.path.join(d.data, "data.mdb")) + (256 << 20))
    db = env.open_db(b"changelog", create=False)
    with env.begin(write=True, db=db) as txn:
        txn.delete((newest - 1).to_bytes(8, "big"))
    env.close()
    res.record("verify finds an entry missing from the middle of the log", d.verify() != 0)
    shutil.rmtree(d.data)
    shutil.copytree(keep, d.data)
    env = lmdb.open(d.data, max_dbs=64,
                    map_size=os.path.getsize(os.path.join(d.data, "data.mdb")) + (256 << 20))
    meta = env.open_db(b"meta", create=False)
    with env.begin(write=True, db=meta) as txn:
        txn.put(b"changelog_first", (newest).to_bytes(8, "big"))
    env.close()
    res.record("verify finds entries older than the oldest revision kept", d.verify() != 0)
    shutil.rmtree(d.data)
    shutil.copytree(keep, d.data)
    d.start()


def main():
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        clock = os.path.join(tmp, "clock")
        with open(clock, "w") as f:
            f.write("0")
        os.environ["LEADD_FAULT_CLOCK_FILE"] = clock
        run_test(res, "watch_resume", run)


main()
