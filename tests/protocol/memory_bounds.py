#!/usr/bin/python3
"""Memory stays bounded whatever clients do (issue 8).

Usage: memory_bounds.py LEADD_BINARY PROTO_DIR

1. 40 connections that never log in: each sends Hello, a wrong-password Login
   (which waits for its hash and the login slowdown), then 62 pipelined
   64 KiB frames: decode bombs (empty sub-messages: 2 bytes on the wire, ~70
   bytes of heap each) filling the frame, or bombs sized just under the
   decode budget that then fail validation, or valid requests padded with an
   unknown field that wait behind the Login. leadd's RSS stays under
   CASE1_BOUND_MB.
2. 30 logged-in connections each pipeline 64 `lead_list` (limit 1000) over a
   store of large leads (1 MiB answers) and never read. RSS stays under the
   default output_total_limit (256 MiB) + CASE2_MARGIN_MB, the
   log shows connections paused (and, when the total stays over the limit,
   closed), and a fresh client is served.
3. After those connections close, RSS falls back under CASE3_BOUND_MB within
   CASE3_SECONDS.

Every case ends with a clean stop and `leadd verify`. Sanitizer builds keep
freed memory in quarantine, so they add LEADD_RSS_EXTRA_MB to every bound.
"""
import os
import re
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, load_pb  # noqa: E402
from leadd_harness import status_mb, varint  # noqa: E402

EXTRA = int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
# One argon2 hash alone takes 64 MiB while it runs; leadd at rest ~10 MB.
CASE1_BOUND_MB = 128 + EXTRA
OUTPUT_TOTAL_LIMIT_MB = 256  # the default output_total_limit
CASE2_MARGIN_MB = 96  # 30 answers of 1 MiB past the cap, leadd itself, slack
CASE3_BOUND_MB = 64 + EXTRA
CASE3_SECONDS = 5
CONNS1, CONNS2, PIPELINE = 40, 30, 64
LARGE_LEADS = 60

failures = []


def rss_mb(pid):
    return status_mb(pid, "VmRSS", gone=0.0)


class PeakSampler:
    """Samples leadd's VmRSS every 20 ms. Past `kill_mb` (old code runs away
    to gigabytes) it kills leadd so the test cannot take the machine down."""

    def __init__(self, proc, kill_mb):
        self.proc, self.kill_mb, self.peak, self.killed = proc, kill_mb, 0.0, False
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set() and self.proc.poll() is None:
            r = rss_mb(self.proc.pid)
            self.peak = max(self.peak, r)
            if r > self.kill_mb:
                self.killed = True
                self.proc.kill()
                self.proc.wait()
                return
            time.sleep(0.02)

    def done(self):
        self.stop.set()
        self.t.join()
        return self.peak


def report(name, ok, what):
    print("%s %s: %s" % ("ok  " if ok else "FAIL", name, what), flush=True)
    if not ok:
        failures.append(name)


def frame(body):
    return struct.pack(">I", len(body)) + body


def bomb(pb, rid, size, contacts=None):
    """A Request of exactly `size` bytes holding a lead_create of empty
    contacts (field 7, 2 bytes each on the wire): as many as fit, or
    `contacts` of them and an unknown bytes field (15) padding to the size."""
    head = pb.Request(id=rid).SerializeToString()
    inner_len = next(n for n in range(size, 0, -1)
                     if len(head) + 2 + len(varint(n)) + n == size)
    if contacts is None:
        contacts = inner_len // 2
    rest = inner_len - 2 * contacts
    if rest == 1:
        contacts, rest = contacts - 1, 3
    pad = b""
    if rest:
        p = next(p for p in range(rest) if 1 + len(varint(p)) + p == rest)
        pad = b"\x7a" + varint(p) + b"p" * p
    inner = b"\x3a\x00" * contacts + pad
    body = head + b"\xa2\x01" + varint(len(inner)) + inner
    assert len(body) == size, (len(body), size)
    return body


def send_all_nonblocking(socks_blobs, seconds):
    """Push each blob into its socket as far as the server takes it."""
    pos = [0] * len(socks_blobs)
    deadline = time.time() + seconds
    for s, _ in socks_blobs:
        s.setblocking(False)
    while time.time() < deadline:
        progress = False
        for i, (s, blob) in enumerate(socks_blobs):
            if pos[i] >= len(blob):
                continue
            try:
                n = s.send(blob[pos[i]:pos[i] + 256 * 1024])
                pos[i] += n
                progress = progress or n > 0
            except BlockingIOError:
                pass
            except OSError:
                pos[i] = len(blob)  # closed by the server
        if all(p >= len(b) for p, (_, b) in zip(pos, socks_blobs)):
            break
        if not progress:
            time.sleep(0.02)
    return sum(pos)


def stop_and_verify(d, name):
    if d.proc.poll() is None:
        rc = d.stop()
        if rc != 0:
            report(name + ": clean stop", False, "leadd exited %d" % rc)
    if d.verify() != 0:
        report(name + ": leadd verify", False, "verify failed")


def case_prelogin(binary, pb, tmp):
    d = Leadd(binary, tmp, log_level="error").start()
    base = rss_mb(d.proc.pid)
    sampler = PeakSampler(d.proc, kill_mb=4 * CASE1_BOUND_MB)
    hello = pb.Request(id=1)
    hello.hello.protocol_version = 1
    login = pb.Request(id=2)
    login.login.user = ADMIN
    login.login.password = "not-the-password"
    whole = frame(bomb(pb, 3, 64 * 1024 - 4))  # a full pre-login frame
    under = frame(bomb(pb, 3, 64 * 1024 - 4, contacts=2500))  # decodes, then refused
    valid = frame(bomb(pb, 3, 64 * 1024 - 4, contacts=1))  # decodes and waits
    assert len(whole) == len(under) == len(valid) == 64 * 1024
    socks = []
    for i in range(CONNS1):
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        blob = (frame(hello.SerializeToString()) + frame(login.SerializeToString()) +
                (whole, under, valid)[i % 3] * (PIPELINE - 2))
        socks.append((s, blob))
    sent = send_all_nonblocking(socks, 8)
    time.sleep(2)  # logins wait for their hash and the slowdown meanwhile
    peak = sampler.done()
    alive = d.proc.poll() is None
    report("1. 40 connections never log in, 64 pipelined 64 KiB decode bombs each",
           alive and peak < CASE1_BOUND_MB,
           "%d MiB sent; leadd RSS %.1f MB at rest, peak %.1f MB (bound %d MB)%s" %
           (sent >> 20, base, peak, CASE1_BOUND_MB,
            "; killed past %d MB" % sampler.kill_mb if sampler.killed else ""))
    for s, _ in socks:
        s.close()
    if alive:
        c = Client(pb, d.port, user=None)  # Hello only: the admin's address is slowed down
        r = c.call(lambda q: q.ping.SetInParent())
        report("1. a new connection is still answered", r.code == pb.OK,
               "ping before login answered %s" % pb.Code.Name(r.code))
        c.close()
    stop_and_verify(d, "case 1")


def large_lead(c, i):
    def fill(q):
        lc = q.lead_create
        lc.title = ("large lead %d " % i).ljust(200, "t")
        lc.owner = ADMIN
        lc.description = "d" * 16384
        lc.tags.extend(("tag%02d-" % k).ljust(64, "g") for k in range(50))
        for k in range(50):
            ct = lc.contacts.add()
            ct.name = ("contact %d " % k).ljust(200, "n")
            ct.role = "r" * 100
            ct.email = "c%d.l%d@example.com" % (k, i)
            ct.phone = "+33 1 23 45 67 %02d" % (k % 100)
    return c.call(fill)


def case_unread_output(binary, pb, tmp):
    log = os.path.join(tmp, "leadd.log")
    d = Leadd(binary, tmp, log_level="info", log_file=log).start()
    admin = Client(pb, d.port)
    for i in range(LARGE_LEADS):
        r = large_lead(admin, i)
        if r.code != pb.OK:
            report("2. setup: a lead at every cap is created", False,
                   "%s %s" % (pb.Code.Name(r.code), r.message))
            return
    token = admin.token
    base = rss_mb(d.proc.pid)
    q = pb.Request(id=10)
    q.lead_list.limit = 1000
    blob = frame(q.SerializeToString()) * PIPELINE
    socks = []
    for _ in range(CONNS2):
        c = Client(pb, d.port, token=token)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        socks.append((c.sock, blob))
    cap = OUTPUT_TOTAL_LIMIT_MB * 1.048576
    bound = cap + CASE2_MARGIN_MB + EXTRA
    sampler = PeakSampler(d.proc, kill_mb=2 * bound)
    send_all_nonblocking(socks, 3)
    # Until leadd pauses a connection (it holds output_total_limit of
    # answers): a fixed 3 s was short of it when a loaded machine made the
    # answers slowly (an ASan leadd beside other suites). Then two of the
    # once-a-second output checks, so the largest may be closed.
    deadline = time.time() + 60
    while (time.time() < deadline and d.proc.poll() is None and
           not re.search(r": (paused|closing): ", open(log).read())):
        time.sleep(0.1)
    time.sleep(2.5)
    fresh_ok, fresh_what = False, "not tried"
    if d.proc.poll() is None:
        t0 = time.time()
        try:
            # 30 s: whether it is served, not how fast (the code before
            # the output limits served it in 4.9 s); the time is shown.
            f = Client(pb, d.port, token=token, timeout=30)
            r = f.call(lambda q: setattr(q.lead_list, "limit", 1000))
            fresh_ok = r.code == pb.OK and len(r.lead_list.leads) > 0
            fresh_what = "%s, %d leads in %.2f s" % (pb.Code.Name(r.code),
                                                     len(r.lead_list.leads), time.time() - t0)
            f.close()
        except (OSError, EOFError) as e:
            fresh_what = "failed: %s" % e
    peak = sampler.done()
    text = open(log).read() if os.path.exists(log) else ""
    paused = text.count(": paused: ")
    closed = text.count(": closing: ")
    for line in text.splitlines():
        if ": closing: " in line:
            print("     leadd's log: " + line)
            break
    report("2. 30 connections pipeline 64 large lead_list each, never read",
           d.proc.poll() is None and peak < bound and paused + closed > 0,
           "leadd RSS %.1f MB before, peak %.1f MB (bound %.0f MB = %d MiB cap + %d MB); "
           "%d paused, %d closed%s" % (base, peak, bound, OUTPUT_TOTAL_LIMIT_MB,
                                       CASE2_MARGIN_MB + EXTRA, paused, closed,
                                       "; killed past %d MB" % sampler.kill_mb
                                       if sampler.killed else ""))
    report("2. a fresh client is served meanwhile", fresh_ok, fresh_what)
    if d.proc.poll() is not None:
        return stop_and_verify(d, "case 2")

    for s, _ in socks:
        s.close()
    admin.close()
    t0 = time.time()
    r = rss_mb(d.proc.pid)
    while r >= CASE3_BOUND_MB and time.time() - t0 < CASE3_SECONDS:
        time.sleep(0.1)
        r = rss_mb(d.proc.pid)
    report("3. after they close, RSS falls back",
           d.proc.poll() is None and r < CASE3_BOUND_MB, "%.1f MB after %.1f s (bound %d MB within %d s)" %
           (r, time.time() - t0, CASE3_BOUND_MB, CASE3_SECONDS))
    stop_and_verify(d, "case 2")


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        with tempfile.TemporaryDirectory() as t1:
            case_prelogin(binary, pb, t1)
        with tempfile.TemporaryDirectory() as t2:
            case_unread_output(binary, pb, t2)
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
