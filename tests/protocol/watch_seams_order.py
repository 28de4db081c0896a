#!/usr/bin/python3
"""Order where the watch meets a connection's other requests and the
writes of others (issue 11 seams review).

- One connection sends in one write: a status change, watch (no
  revision), lead_get of the changed lead, another status change, ping.
  The five responses come in order; the watch's reply comes before any
  event; the lead_get sees the change sent before it; every event has a
  revision above the watch's reply, each once; the second change's event
  comes.
- Replay to live: 2000 changes logged, then a watch since the first of
  them while another connection makes 600 more: every revision after the
  one asked comes exactly once, in order, CAUGHT_UP once at the reply's
  replay_to with only revisions up to it before and only later ones after.
- Unwatch, then at once watch since the last revision seen, three times
  while the changes go on: no event between the unwatch's reply and the
  next watch's reply, and over all the watches every revision once.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_seams_order.py LEADD_BINARY PROTO_DIR"""
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, Client, Results, create_many, ok_call,  # noqa: E402
                           pipeline, run_test)
from watch_lib import TOPICS, Watcher, watch_ok  # noqa: E402

res = Results()


def status_fill(lid, word):
    def fill(q):
        q.lead_set_status.id = lid
        q.lead_set_status.status = word
    return fill


def churn(pb, port, ids, n, out):
    """n status changes over ids from a connection of its own."""
    c = Client(pb, port)
    fills = [status_fill(ids[i % len(ids)], "qualified" if (i // len(ids)) % 2 == 0 else "new")
             for i in range(n)]
    answers = pipeline(c, fills, window=20)
    out.extend(a.lead.lead.version for a in answers if a.code == 0)
    out.append(len([a for a in answers if a.code != 0]))
    c.close()


def read_msgs(w, until, limit=30):
    """ServerMessages until until(msg) is true (included)."""
    got, end = [], time.time() + limit
    while time.time() < end:
        (n,) = struct.unpack(">I", w._exact(4))
        m = w.pb.ServerMessage()
        m.ParseFromString(w._exact(n))
        got.append(m)
        if until(m):
            return got
    raise RuntimeError("not within %d s" % limit)


def lead_revs(pb, evs):
    return [e.revision for e in evs if e.kind in (pb.EVENT_ENTER, pb.EVENT_LEAD)]


def run(pb, d):
    adm = Client(pb, d.port)
    ids = create_many(adm, 50, ADMIN, title="order")

    # 1. pipelined writes, watch, read, write, ping on one connection.
    w = Watcher(pb, d.port, ADMIN, d.admin_password)
    blob, rid0 = b"", w.next_id
    fills = [status_fill(ids[0], "qualified"), None,
             lambda q: setattr(q.lead_get, "id", ids[0]),
             status_fill(ids[1], "qualified"), lambda q: q.ping.SetInParent()]
    for f in fills:
        q = pb.Request(id=w.next_id)
        w.next_id += 1
        if f is None:
            q.watch.SetInParent()
            q.watch.topics.append(TOPICS["leads"])
        else:
            f(q)
        b = q.SerializeToString()
        blob += struct.pack(">I", len(b)) + b
    w.sock.sendall(blob)
    msgs = read_msgs(w, lambda m: m.WhichOneof("kind") == "response" and
                     m.response.id == rid0 + 4)
    msgs += [pb.ServerMessage(event=e) for e in w.events(quiet=0.3, limit=3)]
    resp = [m.response for m in msgs if m.WhichOneof("kind") == "response"]
    res.record("pipelined: five responses in order, all OK",
               [r.id for r in resp] == list(range(rid0, rid0 + 5)) and
               all(r.code == 0 for r in resp), "%s" % [(r.id, r.code) for r in resp])
    first_ev = next(i for i, m in enumerate(msgs) if m.WhichOneof("kind") == "event")
    watch_at = next(i for i, m in enumerate(msgs) if m.WhichOneof("kind") == "response"
                    and m.response.id == rid0 + 1)
    res.record("pipelined: the watch's reply before any event", watch_at < first_ev)
    r1 = resp[0].lead.lead.version
    res.record("pipelined: lead_get sees the change sent before it",
               resp[2].lead.lead.version == r1, "%d vs %d" % (resp[2].lead.lead.version, r1))
    wrev = resp[1].watch.revision
    evs = [m.event for m in msgs if m.WhichOneof("kind") == "event"]
    revs = lead_revs(pb, evs)
    r2 = resp[3].lead.lead.version
    res.record("pipelined: events above the watch's revision, once each, the second "
               "change's among them",
               all(r > wrev for r in revs) and len(revs) == len(set(revs)) and r2 in revs,
               "watch at %d, events %s, change %d" % (wrev, revs, r2))
    w.close()

    # 2. replay to live while changes go on.
    start = ok_call(adm, lambda q: q.lead_list.SetInParent(), "list").lead_list.revision
    pipeline(adm, [status_fill(ids[i % 50], "qualified" if (i // 50) % 2 == 0 else "new")
                   for i in range(2000)], window=50)
    done = []
    t = threading.Thread(target=churn, args=(pb, d.port, ids, 600, done))
    w = Watcher(pb, d.port, ADMIN, d.admin_password)
    t.start()
    r = watch_ok(w, ["leads"], "replay", since=start)
    t.join(60)
    final = ok_call(adm, lambda q: q.lead_list.SetInParent(), "list").lead_list.revision
    evs = w.until(lambda e: e.revision >= final and e.kind == pb.EVENT_LEAD, limit=30)
    evs += w.events(quiet=0.3, limit=3)
    revs = lead_revs(pb, evs)
    cu = [i for i, e in enumerate(evs) if e.kind == pb.EVENT_CAUGHT_UP]
    res.record("replay to live: every revision after the one asked once, in order",
               revs == list(range(start + 1, final + 1)),
               "%d events for %d revisions; %d failed changes" % (
                   len(revs), final - start, done[-1] if done else -1))
    ok = len(cu) == 1 and evs[cu[0]].revision == r.replay_to and \
        all(e.revision <= r.replay_to for e in evs[:cu[0]]) and \
        all(e.revision > r.replay_to for e in evs[cu[0] + 1:])
    res.record("replay to live: CAUGHT_UP once, at replay_to, between the two",
               ok, "replay_to %d, caught up at %s" % (r.replay_to, cu))
    w.close()

    # 3. unwatch and watch again at once, while changes go on.
    start = ok_call(adm, lambda q: q.lead_list.SetInParent(), "list").lead_list.revision
    done = []
    t = threading.Thread(target=churn, args=(pb, d.port, ids, 900, done))
    w = Watcher(pb, d.port, ADMIN, d.admin_password)
    watch_ok(w, ["leads"], "again", since=start)
    t.start()
    seen, between = [], []
    for i in range(3):
        time.sleep(0.1)
        seen += lead_revs(pb, w.events(quiet=0.01, limit=0.2))
        r = w.call(lambda q: q.unwatch.SetInParent())
        seen += lead_revs(pb, w.pending)
        w.pending = []
        last = seen[-1] if seen else start
        # nothing may come between the unwatch's reply and the next reply
        r = w.watch(["leads"], since=last)
        between += w.early
        if r.code != 0:
            res.record("watch again %d" % i, False, r.message)
    t.join(60)
    final = ok_call(adm, lambda q: q.lead_list.SetInParent(), "list").lead_list.revision
    # The last watch may have caught up already (its replay empty).
    if not seen or seen[-1] < final:
        seen += lead_revs(pb, w.until(lambda e: e.revision >= final, limit=30))
    res.record("unwatch, watch again: no event between an unwatch's reply and the next "
               "watch's", not between, "%d events" % len(between))
    res.record("unwatch, watch again: every revision once over the watches",
               seen == list(range(start + 1, final + 1)),
               "%d seen for %d revisions" % (len(seen), final - start))
    w.close()
    adm.close()


if __name__ == "__main__":
    run_test(res, "watch seams order", run)
