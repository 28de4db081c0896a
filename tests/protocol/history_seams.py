#!/usr/bin/python3
"""lead_history at its seams (issue 10).

Usage: history_seams.py LEADD_BINARY PROTO_DIR LEAD_BINARY

Against a real leadd on 127.0.0.1:
  - 3,000 edits of one lead: pages of 1000 (and newest first) reassemble all
    3,001 entries exactly;
  - 250 edits of a lead at the size caps (a 16 KiB description and 50
    contacts with 2,000-byte notes, all rewritten each time): a page asked for
    1000 entries stops well under the 1 MiB frame (every answer is sent, with
    a cursor), the pages reassemble every entry;
  - paging both through a leadd just restarted grows its peak memory (VmHWM)
    by less than the database file's pages plus HWM_MB: each item decodes two
    leads into arenas reset per item, and a page stops at 512 KiB of changes,
    never the whole history (decoded, the large lead's alone is about the
    size of the file);
  - the lead binary pages through them on its own (--json: all 3,001;
    --limit 1500 --newest-first: the newest 1500);
  - records written before leadd refused control characters (injected into
    the history database while leadd is stopped): every string of the reply
    has them escaped ("\\x1b"), and `lead history` / `lead show --history`
    print no escape sequence, BEL, C1 control or bidi override;
  - old records whose escaping makes an entry six times longer: a page ends
    before the entry that would take it past the frame, every answer fits;
  - ids that name nothing any more (a status, user or team since deleted)
    read as "status 77", "user 999", "team 55", never a crash;
  - a contact marked as left: `lead show` marks it "(left)" with its note, and
    the history says she left (named as the record then named her).
Ends with `leadd verify` passing."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Results, ok_call,  # noqa: E402
                           pipeline, run_test, status_mb)

res = Results()
# What paging may add to leadd's peak memory beyond the database pages it
# reads (a page's items, two decoded leads, the packed answer).
HWM_MB = float(os.environ.get("LEADD_HISTORY_HWM_MB", "16"))
FORBIDDEN = [chr(c) for c in range(0x20) if c not in (0x0a,)] + ["\x7f"] + \
    [chr(c) for c in range(0x80, 0xa0)] + [chr(c) for c in range(0x202a, 0x202f)] + \
    [chr(c) for c in range(0x2066, 0x206a)]


def history(c, lid, **kw):
    def fill(q):
        q.lead_history.id = lid
        for k, v in kw.items():
            setattr(q.lead_history, k, v)
    return ok_call(c, fill, "lead_history")


def all_pages(c, lid, limit, newest_first=False):
    items, cursor, sizes = [], None, []
    while True:
        kw = dict(limit=limit, newest_first=newest_first)
        if cursor:
            kw["cursor"] = cursor
        r = history(c, lid, **kw)
        sizes.append(r.ByteSize())
        items += list(r.lead_history.items)
        if not r.lead_history.HasField("cursor"):
            return items, sizes
        cursor = r.lead_history.cursor


def edits(c, lead, n, fill_update):
    """n pipelined lead_updates of lead, each based on the version before
    (this test is leadd's only writer: a lead's version is the revision)."""
    v0 = lead.version

    def fill_for(k):
        def fill(q):
            q.lead_update.id = lead.id
            q.lead_update.expected_version = v0 + k
            fill_update(q.lead_update, k)
        return fill
    answers = pipeline(c, [fill_for(k) for k in range(n)])
    bad = [a for a in answers if a.code != 0]
    if bad:
        raise RuntimeError("%d edits failed, first: %s" % (len(bad), bad[0].message))
    return answers[-1].lead.lead


def many_edits(pb, d, admin):
    lead = admin.create("Many edits").lead.lead
    last = edits(admin, lead, 3000, lambda u, k: setattr(u, "title", "Many edits %d" % k))
    items, sizes = all_pages(admin, lead.id, 1000)
    revs = [i.revision for i in items]
    res.record("3,000 edits: pages of 1000 reassemble all 3,001 entries in order",
               len(items) == 3001 and revs == sorted(revs) and revs[-1] == last.version
               and len(sizes) == 4, "%d items, %d pages" % (len(items), len(sizes)))
    res.record("... each edit is its title, old -> new",
               all(len(i.changes) == 1 and i.changes[0].field == "title" for i in items[1:])
               and items[-1].changes[0].new_value == "Many edits 2999")
    back, _ = all_pages(admin, lead.id, 1000, newest_first=True)
    res.record("... newest first: the same entries reversed",
               [i.SerializeToString() for i in back]
               == [i.SerializeToString() for i in reversed(items)])
    small, _ = all_pages(admin, lead.id, 7)
    res.record("... pages of 7 give the same list", [i.revision for i in small] == revs)
    return lead.id


def big_edits(pb, d, admin):
    def fill_contacts(u, k):
        u.contacts.SetInParent()
        for j in range(50):
            u.contacts.items.add(name="Person %d" % j, email="p%d@x.com" % j,
                                 note=chr(ord("a") + (k + j) % 26) * 2000)
    lead = admin.create("Big edits", description="x" * 16000).lead.lead
    last = edits(admin, lead, 250, lambda u, k: (
        setattr(u, "description", chr(ord("a") + k % 26) * 16000), fill_contacts(u, k)))
    items, sizes = all_pages(admin, lead.id, 1000)
    res.record("250 edits at the size caps: every entry, in pages under 1 MiB",
               len(items) == 251 and items[-1].revision == last.version and len(sizes) > 10
               and max(sizes) < 1 << 20,
               "%d items in %d pages, largest %d bytes" % (len(items), len(sizes), max(sizes)))
    it = items[5]
    notes = [c for c in it.changes if c.field == "contacts" and ": note " in c.new_value]
    res.record("... each entry holds its description and the 50 notes changed",
               any(c.field == "description" and len(c.new_value) == 16000 for c in it.changes)
               and len(notes) == 50)
    back, _ = all_pages(admin, lead.id, 1000, newest_first=True)
    res.record("... newest first: the same entries reversed",
               [i.revision for i in back] == [i.revision for i in reversed(items)])
    return lead.id


def memory(pb, d, ids, token):
    """Page both long histories through a fresh leadd: its peak memory grows
    by the file pages it reads plus a bounded amount, whatever their length.
    The session's token logs in without hashing a password (64 MiB)."""
    d.stop()
    db_mb = os.stat(os.path.join(d.data, "data.mdb")).st_blocks * 512 / 1e6
    d.start()
    admin = Client(pb, d.port, token=token)
    # Start the peak afresh (Linux 4.0+): leadd's start (a dummy password
    # hash) set it far above what paging needs.
    with open("/proc/%d/clear_refs" % d.proc.pid, "w") as f:
        f.write("5")
    hwm0 = status_mb(d.proc.pid, "VmHWM")
    for lid in ids:
        for newest in (False, True):
            all_pages(admin, lid, 1000, newest_first=newest)
    grown = status_mb(d.proc.pid, "VmHWM") - hwm0
    res.record("paging 3,252 entries both ways grew leadd's peak memory by %.1f MB "
               "(< %.1f MB of database pages + %g)" % (grown, db_mb, HWM_MB),
               grown < db_mb + HWM_MB)
    return admin


def cli_paging(pb, d, lid):
    """The lead binary pages through a long history on its own."""
    import json
    home = os.path.join(os.path.dirname(d.data), "home-paging")
    rc, out, err = lead_cli(sys.argv[3], home, d.port, ["login", ADMIN, "--password-stdin"])
    if rc != 0:
        raise RuntimeError("lead login: %s" % err)
    rc, out, err = lead_cli(sys.argv[3], home, d.port, ["--json", "history", str(lid)])
    revs = [i["revision"] for i in json.loads(out)] if rc == 0 else []
    res.record("lead --json history: all 3,001 entries over four pages, in order",
               len(revs) == 3001 and revs == sorted(revs), "exit %d %s" % (rc, err))
    rc, out, err = lead_cli(sys.argv[3], home, d.port,
                            ["--json", "history", str(lid), "--limit", "1500", "--newest-first"])
    got = [i["revision"] for i in json.loads(out)] if rc == 0 else []
    res.record("lead history --limit 1500 --newest-first: the newest 1500 (two pages)",
               got == list(reversed(revs))[:1500], "exit %d %s" % (rc, err))
    rc, out, err = lead_cli(sys.argv[3], home, d.port, ["history", str(lid)])
    res.record("lead history: one line per title change and the creation's lines",
               rc == 0 and out.count(" title ") == 3001, "exit %d" % rc)


def patch_history(pb, d, lid, revs, patch):
    """Stop leadd, change history entries (lead lid, revisions revs) with
    patch(revision, HistoryEntry) straight in LMDB, start it again."""
    import lmdb
    tmp = os.path.dirname(d.data)
    if not os.path.exists(os.path.join(tmp, "leadd_store_pb2.py")):
        subprocess.run(["protoc", "--proto_path", sys.argv[2], "--python_out", tmp,
                        os.path.join(sys.argv[2], "leadd_store.proto")], check=True)
    import leadd_store_pb2
    d.stop()
    env = lmdb.open(d.data, max_dbs=64,
                    map_size=os.path.getsize(os.path.join(d.data, "data.mdb")) + (256 << 20))
    db = env.open_db(b"history", create=False)
    with env.begin(write=True, db=db) as txn:
        for rev in revs:
            key = lid.to_bytes(8, "big") + rev.to_bytes(8, "big")
            h = leadd_store_pb2.HistoryEntry()
            h.ParseFromString(txn.get(key))
            patch(rev, h)
            txn.put(key, h.SerializeToString())
    env.close()
    d.start()


def escaped_pages(pb, d, admin):
    """Old records whose escaping makes entries several times longer: a page
    ends before the entry that would take it past the frame."""
    def contacts(note):
        def fill(q):
            q.lead_update.contacts.SetInParent()
            for j in range(50):
                q.lead_update.contacts.items.add(name="P%d" % j, note=note)
        return fill
    lead = admin.create("Escapes").lead.lead
    revs = [lead.version]
    for note in ("a" * 2000, "b" * 2000, "c" * 2000, "d" * 2000):
        def fill(q, note=note):
            q.lead_update.id, q.lead_update.expected_version = lead.id, revs[-1]
            contacts(note)(q)
        revs.append(ok_call(admin, fill, "lead_update").lead.lead.version)
    token = admin.token
    admin.close()
    # revs: create, notes a, b, c, d. b becomes 3500 bytes, c 2000 U+202E
    # (escaped as 6 characters each: 12,000 bytes a note): the page holding
    # create, a and b stays under 512 KiB, and c would take it past the
    # frame. d, the lead as it is, stays.
    bad = {revs[2]: "b" * 3500, revs[3]: "\u202e" * 2000}
    patch_history(pb, d, lead.id, list(bad),
                  lambda rev, h: [setattr(c, "note", bad[rev]) for c in h.lead.contacts])
    admin = Client(pb, d.port, token=token)
    for newest in (False, True):
        pages, cursor, ok = [], None, True
        while True:
            def fill(q):
                q.lead_history.id, q.lead_history.limit = lead.id, 1000
                q.lead_history.newest_first = newest
                if cursor:
                    q.lead_history.cursor = cursor
            r = admin.call(fill)
            if r.code != pb.OK:
                ok = False
                pages.append("%s %s" % (pb.Code.Name(r.code), r.message))
                break
            pages.append(([i.revision for i in r.lead_history.items], r.ByteSize()))
            if not r.lead_history.HasField("cursor"):
                break
            cursor = r.lead_history.cursor
        got = [rev for p in pages if ok for rev in p[0]] if ok else []
        want = list(reversed(revs)) if newest else revs
        res.record("escaped old records, %s: every answer under 1 MiB, every entry once"
                   % ("newest first" if newest else "oldest first"),
                   ok and got == want and max(p[1] for p in pages) < 1 << 20
                   and [len(p[0]) for p in pages] == ([1, 1, 3] if newest else [3, 1, 1]),
                   repr([p if not ok else (p[0], p[1]) for p in pages]))
    return admin


def strings_of(item):
    out = [item.author, item.kind]
    for c in item.changes:
        out += [c.field, c.old_value, c.new_value]
    return out


def lead_cli(lead_bin, home, port, args):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEAD_CONFIG_DIR", "LEAD_SERVER", "XDG_CONFIG_HOME")}
    env.update(HOME=home, LEAD_CONFIG_DIR=os.path.join(home, "cfg"),
               LEAD_SERVER="127.0.0.1:%d" % port, TZ="Europe/Madrid", LC_ALL="C.UTF-8")
    os.makedirs(env["LEAD_CONFIG_DIR"], exist_ok=True)
    p = subprocess.run([lead_bin] + args, input=(ADMIN_PASSWORD + "\n").encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def old_records(pb, d, admin):
    """Control characters and dangling ids in records older than the checks."""
    import lmdb
    tmp = os.path.dirname(d.data)
    proto_dir = sys.argv[2]
    subprocess.run(["protoc", "--proto_path", proto_dir, "--python_out", tmp,
                    os.path.join(proto_dir, "leadd_store.proto")], check=True)
    import leadd_store_pb2
    ana = dict(name="Ana Lopez", email="ana@x.com", note="met at the fair")

    def create(q):
        q.lead_create.title, q.lead_create.owner = "Old record", ADMIN
        q.lead_create.contacts.add(**ana)
    lead = ok_call(admin, create, "lead_create").lead.lead

    def left(q):
        q.lead_update.id, q.lead_update.expected_version = lead.id, lead.version
        q.lead_update.contacts.SetInParent()
        q.lead_update.contacts.items.add(left=True, **ana)
    lead = ok_call(admin, left, "lead_update").lead.lead
    admin.close()
    d.stop()

    env = lmdb.open(d.data, max_dbs=64,
                    map_size=os.path.getsize(os.path.join(d.data, "data.mdb")) + (256 << 20))
    db = env.open_db(b"history", create=False)
    key = lead.id.to_bytes(8, "big") + (lead.version - 1).to_bytes(8, "big")
    with env.begin(write=True, db=db) as txn:
        h = leadd_store_pb2.HistoryEntry()
        h.ParseFromString(txn.get(key))
        h.lead.title = "evil\x1b]0;pwned\x07 \x1b[2J title\u202e"
        h.lead.description = "line one\n\x9b31m line two\x1b[0m"
        h.lead.tags.append("t\x1bag")
        h.lead.contacts[0].name = "Ana\x1b[5m Lopez"
        kept = (h.lead.status_id, h.lead.owner_id, h.lead.team_id)
        h.lead.status_id, h.lead.owner_id, h.lead.team_id = 77, 999, 55
        txn.put(key, h.SerializeToString())
    env.close()
    d.start()
    admin = Client(pb, d.port)
    items = history(admin, lead.id).lead_history.items
    texts = [s for i in items for s in strings_of(i)]
    bad = [s for s in texts if any(ch in s for ch in FORBIDDEN)]
    res.record("old records: no control character, bidi override or C1 in any string",
               not bad, repr(bad[:3]))
    first = {c.field: c.new_value for c in items[0].changes}
    res.record("... they come escaped, visibly",
               first.get("title") == "evil\\x1b]0;pwned\\x07 \\x1b[2J title\\u202e"
               and "\\x1b" in first.get("tags", ""), repr(first.get("title")))
    res.record("... a description keeps its newline, its C1 control escaped",
               first.get("description") == "line one\n\\u009b31m line two\\x1b[0m"
               or first.get("description") == "line one\n\\xc2\\x9b31m line two\\x1b[0m"
               or ("\n" in first.get("description", "")
                   and "\x9b" not in first.get("description", "")),
               repr(first.get("description")))
    res.record("... a status, user and team that no longer exist read as their ids",
               first.get("status") == "status 77" and first.get("owner") == "user 999"
               and first.get("team") == "team 55", repr(first))
    nxt = {c.field: (c.old_value, c.new_value) for c in items[1].changes}
    res.record("... and the next entry reads from them",
               nxt.get("status") == ("status 77", "lead-New")
               and nxt.get("owner") == ("user 999", "admin"), repr(nxt))
    lines = [c.new_value for c in items[1].changes if c.field == "contacts"]
    res.record("... the contact renamed from the old record, and marked as left",
               any("Ana\\x1b[5m Lopez: name" in s for s in lines)
               and any(s == "Ana\\x1b[5m Lopez: left" for s in lines), repr(lines))

    lead_bin = sys.argv[3]
    home = os.path.join(tmp, "home")
    rc, out, err = lead_cli(lead_bin, home, d.port, ["login", ADMIN, "--password-stdin"])
    if rc != 0:
        raise RuntimeError("lead login: %s" % err)
    for args in (["history", str(lead.id)], ["show", str(lead.id), "--history"],
                 ["--json", "history", str(lead.id)]):
        rc, out, err = lead_cli(lead_bin, home, d.port, args)
        raw = [ch for ch in out if ch in FORBIDDEN and ch not in "\t"]
        res.record("lead %s: exit 0, no terminal control in its output" % " ".join(args),
                   rc == 0 and not raw and "\\x1b" in out, "exit %d %r %s" % (rc, raw[:5], err))
    rc, out, err = lead_cli(lead_bin, home, d.port, ["show", str(lead.id)])
    res.record("lead show: the contact who left is marked, with its note",
               rc == 0 and "contacts:    Ana Lopez (main) (left), ana@x.com" in out
               and "note: met at the fair" in out, out)
    res.record("lead show: the history line says she left",
               "contacts     Ana\\x1b[5m Lopez: left" in out, out)
    admin.close()
    # `leadd verify` replays the history into the KPI rollup: give the entry
    # back the ids it was counted with (its control characters stay).
    d.stop()
    env = lmdb.open(d.data, max_dbs=64,
                    map_size=os.path.getsize(os.path.join(d.data, "data.mdb")) + (256 << 20))
    db = env.open_db(b"history", create=False)
    with env.begin(write=True, db=db) as txn:
        h = leadd_store_pb2.HistoryEntry()
        h.ParseFromString(txn.get(key))
        h.lead.status_id, h.lead.owner_id, h.lead.team_id = kept
        txn.put(key, h.SerializeToString())
    env.close()
    d.start()


def run(pb, d):
    admin = Client(pb, d.port)
    ids = [many_edits(pb, d, admin), big_edits(pb, d, admin)]
    token = admin.token
    admin.close()
    admin = memory(pb, d, ids, token)
    cli_paging(pb, d, ids[0])
    admin = escaped_pages(pb, d, admin)
    old_records(pb, d, admin)


if __name__ == "__main__":
    run_test(res, "history_seams", run)
