#!/usr/bin/python3
"""A watching connection is never closed for being idle (docs/protocol.md
section 6, operations.md "Live updates"), with idle_timeout_ms 1000:

- a logged-in connection that only waits is closed after about a second;
- a watching connection that sends nothing stays open for 3 s, and still
  gets the events of a change made then; leadd's side of it has TCP
  keepalive on (ss shows its keepalive timer), so a peer that vanished is
  found;
- after unwatch it is an ordinary connection again: closed when idle.
leadd stops with exit 0 and `leadd verify` passes.

Usage: watch_idle.py LEADD_BINARY PROTO_DIR"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Leadd, Results, load_pb,  # noqa: E402
                           ok_call)
from watch_lib import Watcher, kinds, watch_ok  # noqa: E402

res = Results()


def server_side_timer(d, client_port):
    """ss's timer column of leadd's end of the connection from client_port."""
    out = subprocess.run(["ss", "-tno", "state", "established", "( dport = :%d )" % client_port],
                         stdout=subprocess.PIPE, text=True).stdout
    return out


def main():
    import tempfile
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp, extra=["--set", "idle_timeout_ms=1000"]).start()
        try:
            plain = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
            w = Watcher(pb, d.port, "admin", ADMIN_PASSWORD)
            watch_ok(w, ["leads"], "watch")
            w.until(lambda e: e.kind == pb.EVENT_SNAPSHOT)
            port = w.sock.getsockname()[1]
            timers = server_side_timer(d, port)
            res.record("leadd's end of a watching connection has TCP keepalive on",
                       "keepalive" in timers, timers)
            res.record("an idle ordinary connection is closed", plain.closed(limit=4))
            time.sleep(3)
            adm = Client(pb, d.port)
            ok_call(adm, lambda q: (setattr(q.lead_create, "title", "late"),
                                    setattr(q.lead_create, "owner", "admin")), "create")
            got = w.events(quiet=0.5)
            res.record("a watching connection idle for 3 s stays open and gets events",
                       kinds(pb, got) == ["EVENT_ENTER"], str(kinds(pb, got)))
            r = w.call(lambda q: q.unwatch.SetInParent())
            res.record("after unwatch, it is closed when idle", r.code == pb.OK and
                       w.closed(limit=4))
            adm.close()
        finally:
            res.stop_and_verify(d, "watch_idle")
    sys.exit(res.summary())


main()
