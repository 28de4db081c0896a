#!/usr/bin/python3
"""During a storm of wrong-password logins from 50 connections (each from its
own 127.0.x.y address, so per-address slowdown does not help), a token login
— what every `lead` command does — answers at once: it needs no argon2 work
and must not queue behind the storm's password checks. Reads go on too."""
import os
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Leadd, load_pb  # noqa: E402

BOUND_MS = 1000  # a queued token login would wait seconds (one ~90 ms hash per storm login)


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp).start()

        def conn(src="127.0.0.1"):
            s = socket.socket()
            s.settimeout(60)
            s.bind((src, 0))
            s.connect(("127.0.0.1", d.port))
            return s

        def call(s, fill):
            q = pb.Request(id=1)
            fill(q)
            b = q.SerializeToString()
            s.sendall(struct.pack(">I", len(b)) + b)
            n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
            m = pb.ServerMessage()
            m.ParseFromString(s.recv(n, socket.MSG_WAITALL))
            return m.response

        def hello(s):
            call(s, lambda q: setattr(q.hello, "protocol_version", 1))

        s = conn()
        hello(s)
        token = call(s, lambda q: (setattr(q.login, "user", ADMIN),
                                   setattr(q.login, "password", ADMIN_PASSWORD))).login.token
        stop = threading.Event()
        bad = [0]

        def storm(i):
            while not stop.is_set():
                try:
                    c = conn("127.0.%d.%d" % (i // 200 + 2, i % 200 + 2))
                    hello(c)
                    call(c, lambda q: (setattr(q.login, "user", "nobody%d" % i),
                                       setattr(q.login, "password", "wrong-password")))
                    bad[0] += 1
                    c.close()
                except OSError:
                    return

        threads = [threading.Thread(target=storm, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        worst = 0.0
        ok = True
        for _ in range(5):
            c = conn()
            hello(c)
            t0 = time.time()
            r = call(c, lambda q: setattr(q.login, "token", token))
            ms = (time.time() - t0) * 1000
            worst = max(worst, ms)
            ok = ok and r.code == pb.OK
            r = call(c, lambda q: setattr(q.lead_list, "limit", 10))
            ok = ok and r.code == pb.OK
            c.close()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        print("token logins during a 50-connection bad-login storm: worst %.1f ms "
              "(bound %d ms); %d bad logins answered meanwhile" % (worst, BOUND_MS, bad[0]))
        ok = ok and worst < BOUND_MS
        ok = d.stop() == 0 and ok
        ok = d.verify() == 0 and ok
        print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
