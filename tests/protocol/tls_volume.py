#!/usr/bin/python3
"""Volume over TLS: big requests and answers, a watch, clients that stop
reading (issue 14).

leadd on 127.0.0.2 (TLS only), output_soft_limit 1 MiB, output_hard_limit
4 MiB, watch_hard_limit 1 MiB:
1. 400 lead_create of 15 KB descriptions sent in one write (6 MB of
   requests, records and frames straddling each other): all answered OK
   in order; then the leads are read back in pages of 400 (about 6 MB of
   answers) and every description is whole.
2. A watch over TLS: a lead created on another connection arrives as an
   event within 2 s.
3. A TLS client that pipelines 64 lists of those leads and never reads is
   closed by leadd at output_hard_limit (the log says so), as a plain client
   on a loopback listener is with the same settings; meanwhile another TLS
   client is served, and leadd's RSS grows by less than RSS_MB.
4. A TLS watcher that never reads while 700 more big leads are created is
   closed at watch_hard_limit.
5. A TLS client that writes 32 MB of pipelined lead_get and never reads:
   leadd stops reading it (the write does not finish within 5 s: TCP
   pushes back), another client is served, and leadd's RSS grows by less
   than WRITER_MB (what the engine buffers stays bounded).
6. 200 TLS connections that each read a list of about 1 MB and stay open:
   leadd's RSS grows by less than IDLE_MB (an engine gives back the buffers
   a big answer grew; they would hold about 200 MB).
Every leadd stops with exit 0 and `leadd verify` passes.

Usage: tls_volume.py LEADD_BINARY PROTO_DIR"""
import os
import resource
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN, ADMIN_PASSWORD, Client, Leadd, Results, all_leads,  # noqa: E402
                           leadd_fingerprint, load_pb, pipeline, start_tls_leadd, status_mb)
from watch_lib import Watcher, watch_ok  # noqa: E402

RSS_MB = 160 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
# What a writer that never reads may make leadd hold: its decoder (about
# 1 MiB) and the engine's buffered ciphertext (about 128 KiB), and slack.
WRITER_MB = 24 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
# 200 idle connections after a 1 MB answer each: plain ones take about 5 MB.
IDLE_MB = 48 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
IDLE_CONNS = 200
DESC = "d" * 15000
LIMITS = ("--set", "output_soft_limit=1MiB", "--set", "output_hard_limit=4MiB",
          "--set", "watch_hard_limit=1MiB")
res = Results()


def create_fill(i, tag="big"):
    def fill(q):
        q.lead_create.title = "%s %d" % (tag, i)
        q.lead_create.owner = ADMIN
        q.lead_create.description = DESC
    return fill


def big_traffic(pb, d):
    c = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
    blob, first = b"", c.next_id
    for i in range(400):
        q = pb.Request(id=c.next_id)
        c.next_id += 1
        create_fill(i)(q)
        body = q.SerializeToString()
        blob += struct.pack(">I", len(body)) + body
    c.sock.sendall(blob)
    answers = [c.recv() for _ in range(400)]
    res.record("%.1f MB of requests in one write: 400 answers OK, in order" % (len(blob) / 1e6),
               all(a.code == pb.OK for a in answers)
               and [a.id for a in answers] == list(range(first, first + 400)))
    got, size, cursor = [], 0, None
    while True:
        def fill(q):
            q.lead_list.limit = 400
            if cursor:
                q.lead_list.cursor = cursor
        r = c.call(fill)
        size += r.ByteSize()
        got.extend(r.lead_list.leads)
        cursor = r.lead_list.cursor
        if not cursor or r.code != pb.OK:
            break
    ids = {l.id for l in got}
    whole = all(len(l.description) == len(DESC) for l in got if l.title.startswith("big "))
    res.record("%.1f MB of answers: every lead read back whole" % (size / 1e6),
               len(ids) >= 400 and whole, "%d leads" % len(ids))
    return c


def watch_over_tls(pb, d, c):
    w = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD, host=d.host, fingerprint=d.fingerprint)
    watch_ok(w, ["leads"], "tls watcher")
    w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
    t0 = time.time()
    lid = c.create("watched").lead.lead.id
    try:
        w.until(lambda e: e.lead_id == lid, limit=2)
        ok = True
    except RuntimeError:
        ok = False
    res.record("watch over TLS: the new lead arrives as an event within 2 s", ok,
               "%.2f s" % (time.time() - t0))
    w.close()


def never_reads(pb, d, log, tls, what):
    kw = {"host": d.host, "fingerprint": d.fingerprint} if tls else {"host": d.host}
    base = status_mb(d.proc.pid)
    slow = Client(pb, d.port, **kw)

    def fill(q):
        q.lead_list.limit = 1000
    for _ in range(64):
        slow.send(fill)
    other = Client(pb, d.port, **kw)
    end, closed = time.time() + 20, False
    while time.time() < end and not closed:
        closed = "over the hard limit; closing" in open(log).read()
        time.sleep(0.1)
    peak = status_mb(d.proc.pid)
    res.record("%s: a client that never reads is closed at output_hard_limit" % what, closed)
    res.record("%s: another client is served meanwhile" % what,
               other.call(lambda q: q.lead_list.SetInParent()).code == pb.OK)
    res.record("%s: RSS grows by less than %d MB" % (what, RSS_MB), peak - base < RSS_MB,
               "%.1f -> %.1f MB" % (base, peak))
    slow.close()
    other.close()


def watcher_never_reads(pb, d, c, log):
    w = Watcher(pb, d.port, ADMIN, ADMIN_PASSWORD, host=d.host, fingerprint=d.fingerprint)
    watch_ok(w, ["leads"], "slow tls watcher")
    before = open(log).read().count("watch_hard_limit")
    pipeline(c, [create_fill(i, "more") for i in range(700)])
    # Waits, not bounds: whether leadd closes it, not how fast (60 s each).
    end, closed = time.time() + 60, False
    while time.time() < end and not closed:
        closed = open(log).read().count("watch_hard_limit") > before
        time.sleep(0.1)
    # Two facts, said apart when one is missing: leadd logged the limit,
    # and the watcher's socket reached its end (it reads what the kernel
    # still held first).
    gone = w.closed(limit=60)
    why = [line.strip() for line in open(log).read().splitlines()[-400:]
           if "watch" in line or "closing" in line][-3:]
    res.record("a TLS watcher that never reads is closed at watch_hard_limit", closed and gone,
               "logged %s, socket closed %s; last log lines: %s" % (closed, gone, why))
    w.close()


def writes_never_reads(pb, d):
    base = status_mb(d.proc.pid)
    w = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint, timeout=8)
    q = pb.Request(id=7)
    q.lead_get.id = 1
    body = q.SerializeToString()
    blob = (struct.pack(">I", len(body)) + body) * (32 * 1000 * 1000 // (len(body) + 4))
    done = []

    def send():
        try:
            w.sock.sendall(blob)
            done.append("all sent")
        except OSError as e:
            done.append(str(e))
    t = threading.Thread(target=send, daemon=True)
    t.start()
    time.sleep(5)
    stuck = not done
    peak = status_mb(d.proc.pid)
    other = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
    res.record("a TLS writer that never reads: pushed back (32 MB not taken in 5 s)", stuck,
               ",".join(done))
    res.record("a TLS writer that never reads: another client is served",
               other.call(lambda q: q.lead_list.SetInParent()).code == pb.OK)
    res.record("a TLS writer that never reads: RSS grows by less than %d MB" % WRITER_MB,
               peak - base < WRITER_MB, "%.1f -> %.1f MB" % (base, peak))
    other.close()
    t.join(10)
    w.close()


def idle_after_big_answers(pb, d):
    base = status_mb(d.proc.pid)
    conns, size = [], 0
    for _ in range(IDLE_CONNS):
        k = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
        r = k.call(lambda q: setattr(q.lead_list, "limit", 1000))
        size = max(size, r.ByteSize())
        conns.append(k)
    # leadd returns free memory once a second: until RSS is back under the
    # bound, at most 10 s (a fixed 2.5 s could read it before a loaded
    # leadd had trimmed; what the bound is about, buffers kept by 200
    # engines, does not go away by waiting).
    end = time.time() + 10
    grown = status_mb(d.proc.pid) - base
    while grown >= IDLE_MB and time.time() < end:
        time.sleep(0.1)
        grown = status_mb(d.proc.pid) - base
    res.record("%d idle TLS connections after a %.1f MB answer each: RSS grows by less "
               "than %d MB" % (IDLE_CONNS, size / 1e6, IDLE_MB), grown < IDLE_MB,
               "%.1f MB" % grown)
    for k in conns:
        k.close()


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    with tempfile.TemporaryDirectory(prefix="tls_volume.") as tmp:
        pb = load_pb(proto_dir, tmp)
        log = os.path.join(tmp, "tls.log")
        d = start_tls_leadd(binary, os.path.join(tmp, "t"), extra=LIMITS, log_file=log)
        c = big_traffic(pb, d)
        idle_after_big_answers(pb, d)
        watch_over_tls(pb, d, c)
        never_reads(pb, d, log, True, "TLS")
        watcher_never_reads(pb, d, c, log)
        writes_never_reads(pb, d)
        c.close()
        res.stop_and_verify(d, "TLS leadd")
        # The same data directory, plain on loopback: the same limits apply.
        log2 = os.path.join(tmp, "plain.log")
        p = Leadd(binary, os.path.join(tmp, "t"), extra=LIMITS, log_file=log2).start()
        never_reads(pb, p, log2, False, "plain")
        res.stop_and_verify(p, "plain leadd")
    sys.exit(res.summary())


main()
