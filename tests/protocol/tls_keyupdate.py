#!/usr/bin/python3
"""TLS 1.3 KeyUpdate requests in a flood from clients that never read
(issue 14, atktls).

Each KeyUpdate with update_requested makes leadd send a KeyUpdate of its
own: output leadd makes by itself, not as an answer to a request. 8
clients (after Hello, over TLS to 127.0.0.2) each send up to
300,000 of them without reading a byte (a 4 KB receive window). leadd
spent its loop on them (a ninth client waited 16 s) and held up to the
soft output limit of its own KeyUpdates per client (66 MB for 8). Now
leadd closes a connection past 32 key updates: every flooding client is
closed, the ninth is served within 2 s, leadd's RSS stays within 32 MB of
where it was; 32 key updates leave a connection open. leadd stops with
exit 0 and `leadd verify` passes.

Usage: tls_keyupdate.py LEADD_BINARY PROTO_DIR HELPER"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, load_pb,  # noqa: E402
                           start_tls_leadd, status_mb)

res = Results()
BOUND_MB = 32 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
CLIENTS, COUNT = 8, 300000
MAX_KEY_UPDATES = 32  # LD_TLS_MAX_KEY_UPDATES (common/ld_tls.h)


def frames(pb):
    out = b""
    q = pb.Request(id=1)
    q.hello.protocol_version = 1
    q.hello.client_name = "keyupdate"
    body = q.SerializeToString()
    # Hello only: 8 logins at once would measure the password hash's
    # memory, not TLS's.
    return out + struct.pack(">I", len(body)) + body


def main():
    binary, proto, helper = sys.argv[1], sys.argv[2], sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="tls_keyupdate.")
    d = None
    try:
        pb = load_pb(proto, tmp)
        d = start_tls_leadd(binary, os.path.join(tmp, "k"))
        warm = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
        warm.create("warm")
        base = status_mb(d.proc.pid)
        peak = [base]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], status_mb(d.proc.pid, gone=0))
                time.sleep(0.05)

        th = threading.Thread(target=sample)
        th.start()
        hexed = frames(pb).hex()
        procs = [subprocess.Popen([helper, d.host, str(d.port), str(COUNT), "3", hexed],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(CLIENTS)]
        time.sleep(1.0)
        t0 = time.time()
        try:
            # Hello and ping (no login: its password hash's memory would
            # count in the RSS bound).
            c = Client(pb, d.port, user=None, host=d.host, fingerprint=d.fingerprint,
                       timeout=30)
            served = c.call(lambda q: q.ping.SetInParent()).code == pb.OK
            c.close()
        except (OSError, EOFError):
            served = False
        took = time.time() - t0
        sent = []
        for p in procs:
            out, err = p.communicate(timeout=150)
            sent.append(out.decode().strip() or "? " + err.decode().strip()[:80])
        done.set()
        th.join()
        ran = [x.split() for x in sent]
        res.record("the helpers ran", all(len(x) == 2 and x[0].isdigit() for x in ran),
                   "; ".join(sent))
        res.record("leadd closed every connection that asked for over %d key updates"
                   % MAX_KEY_UPDATES, all(len(x) == 2 and x[1] == "closed" for x in ran),
                   "; ".join(sent))
        res.record("a KeyUpdate flood from %d clients that never read: leadd's RSS stays "
                   "within %d MB" % (CLIENTS, BOUND_MB), peak[0] - base < BOUND_MB,
                   "base %.1f MB, peak %.1f MB" % (base, peak[0]))
        res.record("another TLS client is served during the flood (under 2 s)",
                   served and took < 2, "%.2f s" % took)
        # A few key updates (a peer renewing its keys) are fine.
        p = subprocess.run([helper, d.host, str(d.port), str(MAX_KEY_UPDATES), "1", hexed],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        res.record("%d key updates on one connection: still open" % MAX_KEY_UPDATES,
                   p.stdout.decode().split()[1:] == ["open"], p.stdout.decode())
        res.record("leadd still runs", d.proc.poll() is None)
        warm.close()
        res.stop_and_verify(d, "KeyUpdate flood")
    finally:
        if d and d.proc and d.proc.poll() is None:
            d.proc.kill()
            d.proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
