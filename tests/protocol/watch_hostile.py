#!/usr/bin/python3
"""Malformed and hostile watch requests (docs/protocol.md section 6,
"Errors"), each answered with the right code and a sentence, none
costing leadd more than its answer:

- no topic; topic 0 and topic 99; 1,001 topics (over the repeated-field
  cap); search without TOPIC_LEADS; kpi_team without TOPIC_KPI;
  since_revision ahead of the server; a 2,000-byte search name; a search
  name with a control character; an unknown kpi_team: INVALID_ARGUMENT or
  NOT_FOUND, and a refused watch leaves the connection's watch as it was
  (none: nothing arrives);
- watch before login: refused (UNAUTHENTICATED);
- 50 watch requests pipelined on one connection: 50 OK answers, each
  followed by its own SNAPSHOT before the next answer; then one change
  gives one set of events, not 50;
- unwatch: no event follows its answer; unwatch without a watch is OK;
- 100 connections that watch and close at once, and one that closes while
  its events are being sent: leadd goes on (pings answer), RSS stays
  within 32 MB of where it started.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_hostile.py LEADD_BINARY PROTO_DIR"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Results, create_many, frame,  # noqa: E402
                           ok_call, run_test, status_mb, varint)
from watch_lib import Watcher, kinds  # noqa: E402

# Sanitizer builds keep freed memory in quarantine: tests/CMakeLists.txt
# widens the RSS bound by this much there.
RSS_EXTRA_MB = int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))

res = Results()


def run(pb, d):
    adm = Client(pb, d.port)
    w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    last = ok_call(adm, lambda q: q.lead_list.SetInParent(), "rev").lead_list.revision
    cases = [
        ("no topic", dict(topics=[]), pb.INVALID_ARGUMENT, "topic"),
        ("topic 0", dict(topics=[0]), pb.INVALID_ARGUMENT, "topic"),
        ("1,001 topics", dict(topics=[1] * 1001), pb.INVALID_ARGUMENT, ""),
        ("search without leads", dict(topics=["kpi"], search="x"), pb.INVALID_ARGUMENT,
         "leads"),
        ("kpi_team without kpi", dict(topics=["leads"], kpi_team="A"), pb.INVALID_ARGUMENT,
         "kpi"),
        ("since ahead", dict(topics=["leads"], since=last + 1000), pb.INVALID_ARGUMENT,
         "ahead"),
        ("a 2,000-byte search name", dict(topics=["leads"], search="s" * 2000),
         pb.INVALID_ARGUMENT, ""),
        ("a control character in the search name", dict(topics=["leads"], search="a\x1bb"),
         pb.INVALID_ARGUMENT, ""),
        ("an unknown kpi_team", dict(topics=["kpi"], kpi_team="nosuch"), pb.NOT_FOUND,
         "team"),
    ]
    for name, kw, code, word in cases:
        r = w.watch(**kw)
        res.record("%s: %s" % (name, pb.Code.Name(code)),
                   r.code == code and r.message and word in r.message,
                   "%s %s" % (pb.Code.Name(r.code), r.message))
    # Topic 99 (no such enum value: written as raw bytes, field 2 packed).
    body = bytes([0x12, 1, 99])
    req = b"\x08" + varint(500) + varint((120 << 3) | 2) + varint(len(body)) + body
    w.sock.sendall(struct.pack(">I", len(req)) + req)
    m = w._msg()
    res.record("topic 99: INVALID_ARGUMENT", m.response.code == pb.INVALID_ARGUMENT and
               "99" in m.response.message, m.response.message)
    ok_call(adm, lambda q: (setattr(q.lead_create, "title", "x"),
                            setattr(q.lead_create, "owner", "admin")), "create")
    res.record("refused watches leave no watch: nothing arrives", w.events(quiet=0.4) == [])

    s = socket.create_connection(("127.0.0.1", d.port))
    s.sendall(frame(pb, lambda q: (setattr(q.hello, "protocol_version", 1),
                                   setattr(q.hello, "client_name", "t")), 1) +
              frame(pb, lambda q: q.watch.topics.append(1), 2))
    msgs = []
    for _ in range(2):
        (n,) = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))
        m = pb.ServerMessage()
        m.ParseFromString(s.recv(n, socket.MSG_WAITALL))
        msgs.append(m)
    res.record("watch before login: UNAUTHENTICATED",
               msgs[1].response.code == pb.UNAUTHENTICATED, str(msgs[1]))
    s.close()

    # 50 watches pipelined: each answer followed by its own snapshot.
    blob = b"".join(frame(pb, lambda q: q.watch.topics.extend([1, 2]), 1000 + i)
                    for i in range(50))
    w.sock.sendall(blob)
    seq = []
    while len([x for x in seq if x == "R"]) < 50 or seq[-1] != "S":
        m = w._msg()
        if m.WhichOneof("kind") == "response":
            seq.append("R" if m.response.code == pb.OK else "E")
        else:
            seq.append("S" if m.event.kind == pb.EVENT_SNAPSHOT else "?")
    res.record("50 pipelined watches: answer, snapshot, answer, snapshot ...",
               "".join(seq) == "RS" * 50, "".join(seq))
    ok_call(adm, lambda q: (setattr(q.lead_create, "title", "y"),
                            setattr(q.lead_create, "owner", "admin")), "create")
    got = w.events(quiet=0.4)
    res.record("then one change gives one set of events, not 50",
               kinds(pb, got) == ["EVENT_ENTER", "EVENT_KPI"], str(kinds(pb, got)))
    r = w.call(lambda q: q.unwatch.SetInParent())
    ok_call(adm, lambda q: (setattr(q.lead_create, "title", "z"),
                            setattr(q.lead_create, "owner", "admin")), "create")
    res.record("unwatch: OK, and no event follows", r.code == pb.OK and
               r.WhichOneof("body") == "watch" and w.events(quiet=0.4) == [])
    r = w.call(lambda q: q.unwatch.SetInParent())
    res.record("unwatch without a watch: OK", r.code == pb.OK)

    rss0 = status_mb(d.proc.pid)
    for i in range(100):
        c = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
        c.sock.sendall(frame(pb, lambda q: q.watch.topics.extend([1, 2, 3]), 77))
        c.sock.close()
    busy = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
    busy.watch(["leads", "kpi"])
    create_many(adm, 300, "admin")
    busy.sock.close()
    create_many(adm, 50, "admin")
    r = adm.call(lambda q: q.ping.SetInParent())
    grew = status_mb(d.proc.pid) - rss0
    res.record("connections that watch and close at once: leadd goes on (RSS +%.1f MB)" % grew,
               r.code == pb.OK and grew < 32 + RSS_EXTRA_MB)
    w.close()
    adm.close()


run_test(res, "watch_hostile", run)
