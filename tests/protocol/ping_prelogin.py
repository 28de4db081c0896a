#!/usr/bin/python3
"""A ping needs no login (issue 14: `lead ping` is a health check), and
pinging does not keep a connection that never logs in open.

  ping_prelogin.py LEADD PROTO_DIR

With login_timeout_ms = 2000: a connection that said Hello and never logs
in gets each ping answered OK with the server's time, a whoami still gets
UNAUTHENTICATED, and pinging every 0.2 s it is closed all the same within
login_timeout_ms + 2 s. A logged-in user is served meanwhile. Ends with
SIGTERM (exit 0) and `leadd verify`.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, load_pb  # noqa: E402

LOGIN_TIMEOUT_MS = 2000


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    res = Results()
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp, ["--set", "login_timeout_ms=%d" % LOGIN_TIMEOUT_MS]).start()
        try:
            anon = Client(pb, d.port, user=None, timeout=10)
            t0 = time.time()
            before = int(time.time() * 1000)
            r = anon.call(lambda q: q.ping.SetInParent())
            after = int(time.time() * 1000)
            res.record("a ping before login is answered OK",
                       r.code == pb.OK and r.WhichOneof("body") == "ping",
                       pb.Code.Name(r.code))
            res.record("... with the server's time",
                       before - 1000 <= r.ping.server_time <= after + 1000,
                       "%d, asked between %d and %d" % (r.ping.server_time, before, after))
            r = anon.call(lambda q: q.whoami.SetInParent())
            res.record("whoami before login is still UNAUTHENTICATED",
                       r.code == pb.UNAUTHENTICATED, pb.Code.Name(r.code))

            # Ping on until the server closes the connection.
            pings, closed_after = 0, None
            while time.time() - t0 < LOGIN_TIMEOUT_MS / 1000 + 5:
                try:
                    r = anon.call(lambda q: q.ping.SetInParent())
                except (EOFError, OSError):
                    closed_after = time.time() - t0
                    break
                if r.code != pb.OK:
                    break
                pings += 1
                time.sleep(0.2)
            res.record("pinging does not keep a connection that never logs in open",
                       closed_after is not None and closed_after < LOGIN_TIMEOUT_MS / 1000 + 2,
                       "closed after %s s, %d pings answered"
                       % ("%.1f" % closed_after if closed_after else "never", pings))
            res.record("... and pings were answered until then", pings >= 3,
                       "%d pings" % pings)

            admin = Client(pb, d.port)
            r = admin.call(lambda q: q.ping.SetInParent())
            res.record("a logged-in ping is answered OK", r.code == pb.OK, pb.Code.Name(r.code))
            admin.close()
        except Exception as e:  # a broken case reports, it does not hide
            res.record("ping_prelogin", False, "raised %r" % e)
        res.stop_and_verify(d, "leadd")
    sys.exit(res.summary())


if __name__ == "__main__":
    main()
