#!/usr/bin/python3
"""Damaged data files: leadd verify cannot be fooled, leadd refuses a
truncated file instead of dying of SIGBUS.

A data directory of 307 leads is made once; each case damages a copy:
- one flipped bit in the page header of a leaf or branch page of a table
  (leads, history, an index, users: its flags, its page number, its record
  count): verify's page walk names the table and the page, exits 1, and
  LMDB never gets to walk the damaged page (it would abort on an assertion);
- LMDB's record count of the leads table off by one: verify says the counts
  disagree;
- meta and status records shortened, removed or garbled, index keys
  (words, values, contacts' emails and phones, client folder names and
  words) missing or stale (python3-lmdb): verify names each;
- data.mdb truncated (to half, by one page, to 100 bytes, to nothing):
  leadd, leadd init and leadd verify exit 1 (not a signal) with a sentence
  that says the file is truncated and to restore a backup;
- a file whose last pages are free and absent (LMDB leaves pages it freed in
  the same transaction unwritten) is healthy: it is accepted.
The untouched directory verifies clean at the end."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, load_pb  # noqa: E402
from lmdb_pages import DB_ENTRIES_OFF, FLAGS_OFF, P_BRANCH, P_LEAF, Env, patch  # noqa: E402

LEADS = 307
TRUNCATED = "the file is truncated or damaged; restore it from a backup"

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok - " if ok else "FAILED - ") + name + ("" if ok else ": " + detail))


def run(binary, *args, stdin=b""):
    """(exit status, output); a signal shows as a negative status."""
    try:
        r = subprocess.run([binary, *args], input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
    except subprocess.TimeoutExpired:
        return None, "did not exit within 30 s"
    out = r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
    # A sanitizer build exits 1 on an error, like a refusal: look for it.
    if "Sanitizer" in out or "runtime error:" in out:
        check("no sanitizer report from leadd %s" % args[0], False, out)
    return r.returncode, out


def verify(binary, data):
    return run(binary, "verify", "--data-dir", data)


def copy(base, tmp, name):
    dst = os.path.join(tmp, name)
    shutil.copytree(base, dst)
    return dst


def make_base(binary, pb, tmp):
    d = Leadd(binary, tmp).start()
    try:
        fill(pb, Client(pb, d.port))
    finally:
        stopped = d.stop()
    assert stopped == 0
    return d.data


def fill(pb, c):
    for i in range(LEADS):
        r = c.call(lambda q: (setattr(q.lead_create, "title", "lead %d" % i),
                              setattr(q.lead_create, "owner", "admin"),
                              setattr(q.lead_create, "client_name", "client %d" % (i % 40)),
                              # "client 1" is near "client 0": confirm it
                              setattr(q.lead_create, "new_client", True),
                              q.lead_create.contacts.add(email="l%d@example.com" % i,
                                                         phone="+1 555 %04d" % i),
                              q.lead_create.tags.append("t%d" % (i % 7))))
        assert r.code == pb.OK, r
    c.close()


def flipped_pages(env):
    """(what, page) pairs: the pages whose header byte a case flips."""
    leads = env.leaves("leads")
    history = env.leaves("history")
    cases = [("a leaf in the middle of leads", leads[len(leads) // 2]),
             ("the last leaf of leads", leads[-1]),
             ("a leaf of history", history[len(history) // 2]),
             ("the root of idx_email", env.named_dbs()["idx_email"]["root"]),
             ("the root of users", env.named_dbs()["users"]["root"])]
    root = env.named_dbs()["leads"]["root"]
    if env.page_flags(root) & P_BRANCH:
        cases.append(("the root (branch) of leads", root))
    return cases


def flip_cases(binary, base, tmp):
    env = Env(os.path.join(base, "data.mdb"))
    assert len(env.leaves("leads")) >= 3, "too few lead pages to damage one in the middle"
    for i, (what, pg) in enumerate(flipped_pages(env)):
        data = copy(base, tmp, "flip%d" % i)
        flags = env.page_flags(pg)
        # Leaf 0x02 or branch 0x01 becomes 0x00: LMDB says MDB_CORRUPTED.
        bit = P_LEAF if flags & P_LEAF else P_BRANCH
        patch(os.path.join(data, "data.mdb"), pg * env.psize + FLAGS_OFF, bytes([flags ^ bit]))
        rc, out = verify(binary, data)
        want = "verify: %s: page %d at level" % (what.split()[-1], pg)
        check("verify finds one flipped bit in the flags of %s (page %d)" % (what, pg),
              rc == 1 and "FAILED" in out and want in out, "exit %s:\n%s" % (rc, out))
    # LMDB never checks a page's own number: only verify's page walk can.
    pg = env.leaves("leads")[1]
    data = copy(base, tmp, "flip-pgno")
    patch(os.path.join(data, "data.mdb"), pg * env.psize, bytes([(pg ^ 0x40) & 0xff]))
    rc, out = verify(binary, data)
    want = "verify: leads: page %d says it is page %d" % (pg, pg ^ 0x40)
    check("verify finds one flipped bit in the number of a leads page", rc == 1 and want in out,
          "exit %s:\n%s" % (rc, out))
    # mp_lower: the number of records on the page.
    data = copy(base, tmp, "flip-lower")
    lower = int.from_bytes(env.page(pg)[12:14], "little")
    patch(os.path.join(data, "data.mdb"), pg * env.psize + 12,
          (lower ^ 0x800).to_bytes(2, "little"))
    rc, out = verify(binary, data)
    want = "verify: leads: page %d has impossible bounds" % pg
    check("verify finds one flipped bit in the record count of a leads page",
          rc == 1 and want in out, "exit %s:\n%s" % (rc, out))


def count_case(binary, base, tmp):
    data = copy(base, tmp, "count")
    env = Env(os.path.join(data, "data.mdb"))
    db = env.named_dbs()["leads"]
    patch(os.path.join(data, "data.mdb"), db["offset"] + DB_ENTRIES_OFF,
          (db["entries"] + 1).to_bytes(8, "little"))
    rc, out = verify(binary, data)
    want = "leads: LMDB counts %d record(s) but %d were read" % (LEADS + 1, LEADS)
    check("verify finds LMDB's record count off by one", rc == 1 and want in out,
          "exit %d:\n%s" % (rc, out))


def edit(data, table, key, value):
    """Put (or with value None, delete) one record in a named database."""
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        db = env.open_db(table, create=False)
        with env.begin(write=True, db=db) as txn:
            if value is None:
                txn.delete(key)
            else:
                txn.put(key, value)
    finally:
        env.close()


def record_cases(binary, base, tmp):
    cases = [
        ("session key 16 bytes long", b"meta", b"session_key", b"k" * 16,
         "the session key is 16 bytes long (it must be 32)"),
        ("session key missing", b"meta", b"session_key", None, "the session key is missing"),
        ("last_revision 4 bytes long", b"meta", b"last_revision", b"\0\0\0\1",
         "meta: last_revision is 4 bytes long"),
        ("last_revision behind the change log", b"meta", b"last_revision",
         (5).to_bytes(8, "big"), "meta: last_revision is 5 but changelog holds id %d" % LEADS),
        ("a status that does not decode", b"statuses", (2).to_bytes(8, "big"), b"\xff\xff\xff",
         "status record 2 does not decode"),
        ("a second name for the admin", b"user_names", b"ghost", (1).to_bytes(8, "big"),
         "user_names: 2 names but 1 records in users"),
        ("a name for a user that does not exist", b"user_names", b"ghost",
         (9).to_bytes(8, "big"), "user_names: 'ghost' points at id 9 in users, which does not exist"),
        ("a change-log entry that does not decode", b"changelog", (9).to_bytes(8, "big"),
         b"\x0a\x05ab", "change-log entry 9 does not decode"),
    ]
    for i, (what, table, key, value, want) in enumerate(cases):
        data = copy(base, tmp, "record%d" % i)
        edit(data, table, key, value)
        rc, out = verify(binary, data)
        check("verify finds %s" % what, rc == 1 and want in out, "exit %d:\n%s" % (rc, out))


def edit_dup(data, table, key, value, delete):
    """Add or remove one (key, lead id) pair of an index (DUPSORT)."""
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        db = env.open_db(table.encode(), create=False, dupsort=True, dupfixed=True)
        with env.begin(write=True, db=db) as txn:
            if delete:
                assert txn.delete(key, value), (table, key)
            else:
                txn.put(key, value, dupdata=True)
    finally:
        env.close()


def search_index_cases(binary, base, tmp):
    """The search indexes and lead summaries (schema 6) are checked too."""
    lead3 = (3).to_bytes(8, "big")
    cases = [
        ("a word missing from the word index", "idx_word", b"lead", lead3, True,
         "lead 3: idx_word lacks key 'lead'"),
        ("a stale word in the word index", "idx_word", b"ghost", lead3, False,
         "idx_word has a stale key 'ghost' for lead 3"),
        ("a stale value key, printed in hex", "idx_value", b"EUR" + bytes(8), lead3, False,
         "idx_value has a stale key 0x45555200"),
        ("a lead missing from its team's index", "idx_owner_status",
         (1).to_bytes(8, "big") + (1).to_bytes(8, "big"), lead3, True,
         "lead 3: idx_owner_status lacks key 0x"),
        # The contact indexes (issue 10): lead 3's contact is l2@example.com,
        # +1 555 0002 (folded to +15550002).
        ("a contact's email missing from the email index", "idx_email", b"l2@example.com",
         lead3, True, "lead 3: idx_email lacks key 'l2@example.com'"),
        ("a stale email in the email index", "idx_email", b"gone@example.com", lead3, False,
         "idx_email has a stale key 'gone@example.com' for lead 3"),
        ("a contact's phone missing from the phone index", "idx_phone", b"+15550002", lead3,
         True, "lead 3: idx_phone lacks key '+15550002'"),
        ("a stale phone in the phone index", "idx_phone", b"+15559999", lead3, False,
         "idx_phone has a stale key '+15559999' for lead 3"),
    ]
    for i, (what, table, key, value, delete, want) in enumerate(cases):
        data = copy(base, tmp, "index%d" % i)
        edit_dup(data, table, key, value, delete)
        rc, out = verify(binary, data)
        check("verify finds %s" % what, rc == 1 and want in out, "exit %d:\n%s" % (rc, out))
    # Client folders (schema 8): client_words and client_names keys.
    folder1 = (1).to_bytes(8, "big")
    word_cases = [
        ("a folder word missing from client_words", "client_words", b"client", folder1, True,
         "client folder 1 'client 0': its word 'client' is not in client_words"),
        ("a stale word in client_words", "client_words", b"ghost", folder1, False,
         "client_words: 'ghost' names folder 1 'client 0', which has no such word"),
        ("a word of a folder that does not exist", "client_words", b"ghost",
         (999).to_bytes(8, "big"), False,
         "client_words: 'ghost' names folder 999, which does not exist"),
    ]
    for i, (what, table, key, value, delete, want) in enumerate(word_cases):
        data = copy(base, tmp, "words%d" % i)
        edit_dup(data, table, key, value, delete)
        rc, out = verify(binary, data)
        check("verify finds %s" % what, rc == 1 and want in out, "exit %d:\n%s" % (rc, out))
    data = copy(base, tmp, "client-record")
    edit(data, b"clients", folder1, b"\xff\xff\xff")
    rc, out = verify(binary, data)
    check("verify finds a folder record that does not decode, and goes on",
          rc == 1 and "client record 1 does not decode" in out and "problem(s)" in out,
          "exit %d:\n%s" % (rc, out))
    data = copy(base, tmp, "client-key")
    edit(data, b"client_names", b"client0", None)
    edit(data, b"client_names", b"client 0", folder1)
    rc, out = verify(binary, data)
    check("verify finds a client_names key that is not the folder's key",
          rc == 1 and "client_names: 'client 0' names folder 1 'client 0', whose key is "
          "'client0'" in out and "client 1 'client 0' is not found by its name" in out,
          "exit %d:\n%s" % (rc, out))
    summary_cases = [
        ("a lead without its summary", (2).to_bytes(8, "big"), None, "lead 2 has no summary"),
        ("a summary that does not decode", (2).to_bytes(8, "big"), b"short",
         "lead 2: its summary does not decode"),
        ("a summary for a lead that does not exist", (999).to_bytes(8, "big"), bytes(96),
         "a lead summary under key 999 has no lead"),
    ]
    for i, (what, key, value, want) in enumerate(summary_cases):
        data = copy(base, tmp, "summary%d" % i)
        edit(data, b"lead_summary", key, value)
        rc, out = verify(binary, data)
        check("verify finds %s" % what, rc == 1 and want in out, "exit %d:\n%s" % (rc, out))
    # A summary whose status differs from the record's (byte 31 is the low
    # byte of status_id).
    data = copy(base, tmp, "summary-status")
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        db = env.open_db(b"lead_summary", create=False)
        with env.begin(write=True, db=db) as txn:
            v = bytearray(txn.get((4).to_bytes(8, "big")))
            v[31] ^= 0x07
            txn.put((4).to_bytes(8, "big"), bytes(v))
    finally:
        env.close()
    rc, out = verify(binary, data)
    check("verify finds a summary that differs from its lead",
          rc == 1 and "lead 4: its summary differs from the record" in out,
          "exit %d:\n%s" % (rc, out))


def refused(binary, data, tmp):
    """leadd, leadd init and leadd verify on data: (ok, detail)."""
    outs = [run(binary, "--data-dir", data, "--listen", "127.0.0.1:0", "--port-file",
                os.path.join(tmp, "port-refused")),
            run(binary, "init", "--data-dir", data, "--admin", "root", "--password-stdin",
                stdin=b"a-password-1\n"),
            verify(binary, data)]
    ok = all(rc == 1 and TRUNCATED in out for rc, out in outs)
    return ok, "\n".join("exit %s: %s" % o for o in outs)


def truncate_cases(binary, base, tmp):
    env = Env(os.path.join(base, "data.mdb"))
    size = (env.meta["last_pg"] + 1) * env.psize
    free = env.free_pages()
    # The last page in use: the pages after it may be free and absent.
    used = max(pg for pg in range(env.meta["last_pg"] + 1) if pg not in free)
    for what, new in [("to half its size", size // 2), ("by its last page in use", used * env.psize),
                      ("to 100 bytes", 100), ("to nothing", 0)]:
        data = copy(base, tmp, "trunc%d" % new)
        os.truncate(os.path.join(data, "data.mdb"), new)
        ok, detail = refused(binary, data, tmp)
        check("leadd, init and verify refuse data.mdb truncated %s" % what, ok, detail)
    data = copy(base, tmp, "trunc-sentence")
    os.truncate(os.path.join(data, "data.mdb"), size // 2)
    rc, out = verify(binary, data)
    want = "data.mdb is %d bytes but its last transaction needs %d: %s" % (size // 2, size,
                                                                          TRUNCATED)
    check("the refusal says how big the file is and must be", want in out, out)


def free_tail_case(binary, pb, base, tmp):
    """Pages freed at the end of the file may be absent: the file is whole."""
    data = copy(base, tmp, "free-tail")
    env = lmdb.open(data, max_dbs=64, subdir=True)
    scratch = env.open_db(b"scratch")
    with env.begin(write=True, db=scratch) as txn:
        txn.put(b"big", b"x" * 400000)
    with env.begin(write=True) as txn:
        txn.drop(scratch, delete=True)
    env.close()
    path = os.path.join(data, "data.mdb")
    pages = Env(path)
    free = pages.free_pages()
    last = pages.meta["last_pg"]
    keep = last + 1
    while keep - 1 in free:
        keep -= 1
    if keep > last:
        check("setup leaves free pages at the end of the file", False, "no free tail pages")
        return
    os.truncate(path, keep * pages.psize)
    short = copy(data, tmp, "free-tail-short")
    os.truncate(os.path.join(short, "data.mdb"), (keep - 1) * pages.psize)
    ok, detail = refused(binary, short, tmp)
    check("without one used page more it is refused", ok, detail)
    rc, out = verify(binary, data)
    check("a file without its %d free tail pages is accepted" % (last + 1 - keep), rc == 0,
          "exit %d:\n%s" % (rc, out))
    run_dir = os.path.join(tmp, "free-tail-run")
    os.mkdir(run_dir)
    d = Leadd(binary, run_dir)
    d.data = data
    d.start()
    try:
        c = Client(pb, d.port)
        r = c.create("after the free tail", description="y" * 10000)
        c.close()
    finally:
        stopped = d.stop()
    check("leadd runs and writes on it", stopped == 0 and r.code == pb.OK, str(r))
    rc, out = verify(binary, data)
    check("and verify is clean after", rc == 0, out)


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        base = make_base(binary, pb, os.path.join(tmp, "base"))
        rc, out = verify(binary, base)
        check("the base directory verifies clean", rc == 0 and "%d leads" % LEADS in out, out)
        flip_cases(binary, base, tmp)
        count_case(binary, base, tmp)
        record_cases(binary, base, tmp)
        search_index_cases(binary, base, tmp)
        truncate_cases(binary, base, tmp)
        free_tail_case(binary, pb, base, tmp)
        rc, out = verify(binary, base)
        check("the untouched directory still verifies clean", rc == 0, out)
    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
