#!/usr/bin/python3
"""Migration 8's tag names over a real data directory (issue 10).

A directory is filled by a current leadd, then made like a schema-7 one:
schema_version 7, tag_names emptied, and two lead records given the tags
that leadd before schema 8 could hold: lead 1 ["carat", "Carat", "TV"] (two
folding alike), lead 2 ["CARAT"]. leadd migrates it: the names recorded are
the lowest lead id's spelling ("carat", "TV"); lead 1 is rewritten through
the write core (a new version, a history entry) keeping its first "carat";
lead 2 keeps "CARAT" as written; a tag written afterwards takes the
recorded case; `leadd verify` passes. A second start does nothing more.

Usage: tag_migrate.py LEADD_BINARY PROTO_DIR"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, load_pb, ok_call  # noqa: E402

res = Results()


def lmdb_change(data, fn):
    env = lmdb.open(data, max_dbs=64, subdir=True)
    try:
        return fn(env)
    finally:
        env.close()


def like_schema_7(pb, store_pb):
    """Each changed record's history entry at its version changes with it,
    as if it had been written so."""
    def change(env):
        meta = env.open_db(b"meta", create=False)
        names = env.open_db(b"tag_names", create=False)
        leads = env.open_db(b"leads", create=False)
        history = env.open_db(b"history", create=False)
        with env.begin(write=True) as t:
            t.drop(names, delete=False)
            for lid, tags in ((1, ["carat", "Carat", "TV"]), (2, ["CARAT"])):
                key = lid.to_bytes(8, "big")
                lead = pb.Lead()
                lead.ParseFromString(t.get(key, db=leads))
                del lead.tags[:]
                lead.tags.extend(tags)
                t.put(key, lead.SerializeToString(), db=leads)
                hkey = key + lead.version.to_bytes(8, "big")
                h = store_pb.HistoryEntry()
                h.ParseFromString(t.get(hkey, db=history))
                h.lead.CopyFrom(lead)
                t.put(hkey, h.SerializeToString(), db=history)
            t.put(b"schema_version", (7).to_bytes(8, "big"), db=meta)
    return change


def tag_names(data):
    def read(env):
        h = env.open_db(b"tag_names", create=False)
        with env.begin() as t:
            return {bytes(k).decode(): bytes(v).decode() for k, v in t.cursor(db=h)}
    return lmdb_change(data, read)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        subprocess.run(["protoc", "--proto_path", proto, "--python_out", tmp,
                        os.path.join(proto, "leadd_store.proto")], check=True)
        import leadd_store_pb2
        d = Leadd(binary, tmp).start()
        admin = Client(pb, d.port)
        for title, tags in (("one", ["carat", "TV"]), ("two", ["carat"])):
            ok_call(admin, lambda q, title=title, tags=tags: (
                setattr(q.lead_create, "title", title), setattr(q.lead_create, "owner", "admin"),
                q.lead_create.tags.extend(tags)), "lead_create")
        admin.close()
        res.stop_and_verify(d, "before")
        lmdb_change(d.data, like_schema_7(pb, leadd_store_pb2))

        d.start()
        admin = Client(pb, d.port)

        def get(lid):
            return ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead
        one, two = get(1), get(2)
        res.record("lead 1 keeps the first of its alike tags, as written",
                   list(one.tags) == ["carat", "TV"], str(list(one.tags)))
        res.record("lead 1 was rewritten as a change (the next revision, 3)", one.version == 3,
                   str(one.version))
        res.record("lead 2 keeps its tag as written", list(two.tags) == ["CARAT"],
                   str(list(two.tags)))
        r = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "three"),
                                      setattr(q.lead_create, "owner", "admin"),
                                      q.lead_create.tags.extend(["CaRaT", "tv"])), "lead_create")
        res.record("a tag written after the migration takes the lowest lead id's case",
                   list(r.lead.lead.tags) == ["carat", "TV"], str(list(r.lead.lead.tags)))
        admin.close()
        res.stop_and_verify(d, "migrated")
        res.record("tag_names after the migration",
                   tag_names(d.data) == {"carat": "carat", "tv": "TV"}, str(tag_names(d.data)))
        d.start()
        admin = Client(pb, d.port)
        res.record("a second start changes nothing", get(1).version == one.version)
        admin.close()
        res.stop_and_verify(d, "restarted")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
