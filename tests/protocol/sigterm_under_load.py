#!/usr/bin/python3
"""SIGTERM under write load: every write that was acknowledged is there
after a restart, leadd exits 0, and verify passes. Then the same with
kill -9 (durability of acknowledged writes)."""
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, LoginRefused, load_pb  # noqa: E402

CLIENTS = 8


def load_then_stop(pb, d, sig):
    acked = {}
    lock = threading.Lock()

    def writer(n):
        try:
            c = Client(pb, d.port)
            i = 0
            while True:
                title = "%s-%d-%d" % (sig, n, i)
                r = c.call(lambda q: (setattr(q.lead_create, "title", title),
                                      setattr(q.lead_create, "owner", ADMIN)))
                if r.code != pb.OK:
                    return  # UNAVAILABLE while stopping is fine; nothing acked
                with lock:
                    acked[r.lead.lead.id] = title
                i += 1
        except (EOFError, OSError, LoginRefused):
            return  # a login refused while stopping: nothing acked

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    # Under load if the writers are writing: wait for the first
    # acknowledgements (logins queue behind one password check at a time,
    # and on a busy machine eight of them can take longer than a second),
    # then let them run a moment.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if len(acked) >= CLIENTS:
                break
        time.sleep(0.05)
    time.sleep(0.5)
    rc = d.stop(sig)
    for t in threads:
        t.join(timeout=30)
    return rc, acked


def stalled_client_stop(pb, binary, tmp):
    """A client that pipelines and never reads must not hold up a stop
    beyond shutdown_timeout_ms."""
    import socket
    import struct
    d = Leadd(binary, os.path.join(tmp, "stall"), ["--set", "shutdown_timeout_ms=2000"])
    os.makedirs(os.path.join(tmp, "stall"))
    d.start()
    c = Client(pb, d.port)
    # Big answers (200 leads of 2 KB per page) so unread ones pile up.
    for i in range(200):
        c.call(lambda q: (setattr(q.lead_create, "title", "stall %d" % i),
                          setattr(q.lead_create, "owner", ADMIN),
                          setattr(q.lead_create, "description", "d" * 2000)))
    s = c.sock
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    q = pb.Request(id=100)
    q.lead_list.limit = 1000
    body = q.SerializeToString()
    blob = (struct.pack(">I", len(body)) + body) * 64
    s.setblocking(False)
    t0 = time.time()
    while time.time() - t0 < 1.5:
        try:
            s.send(blob)
        except BlockingIOError:
            time.sleep(0.02)
    t0 = time.time()
    rc = d.stop()
    took = time.time() - t0
    s.close()
    print("SIGTERM with a stalled client: exit %d after %.1f s (deadline 2 s)" % (rc, took))
    # It must have waited for the stalled answers, then given up at the deadline.
    return rc == 0 and 1.5 < took < 6 and d.verify() == 0


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp)
        for sig in ("TERM", "KILL"):
            d.start()
            rc, acked = load_then_stop(pb, d, sig)
            if sig == "TERM" and rc != 0:
                print("FAIL: SIGTERM exit status %d" % rc)
                ok = False
            d.start()
            c = Client(pb, d.port)
            lost = [lid for lid, t in acked.items()
                    if c.call(lambda q: setattr(q.lead_get, "id", lid)).lead.lead.title != t]
            c.close()
            print("SIG%s under load from %d clients: %d creates acknowledged, %d lost, exit %d"
                  % (sig, CLIENTS, len(acked), len(lost), rc))
            ok = ok and not lost and len(acked) > 0
            if d.stop() != 0 or d.verify() != 0:
                ok = False
        ok = stalled_client_stop(pb, binary, tmp) and ok
    print("3 passed, 0 failed" if ok else "0 passed, 3 failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
