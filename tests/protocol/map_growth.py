#!/usr/bin/python3
"""Map growth: a tiny initial map, concurrent readers and writers. The map
grows, nothing fails or is lost; past the cap writes get RESOURCE_EXHAUSTED
with a clear message and reads still work. Ends with leadd verify."""
import os
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, load_pb  # noqa: E402

WRITERS, READERS = 4, 2


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp, ["--set", "map_size=1MiB", "--set", "map_size_max=6MiB"]).start()
        acked, errors, full = {}, [], []
        stop = threading.Event()
        lock = threading.Lock()

        def writer(n):
            c = Client(pb, d.port)
            i = 0
            while not stop.is_set():
                title = "w%d-%d" % (n, i)
                r = c.call(lambda q: (setattr(q.lead_create, "title", title),
                                      setattr(q.lead_create, "owner", ADMIN),
                                      setattr(q.lead_create, "description", "x" * 1500)))
                if r.code == pb.OK:
                    with lock:
                        acked[r.lead.lead.id] = title
                elif r.code == pb.RESOURCE_EXHAUSTED:
                    with lock:
                        full.append(r.message)
                    break
                else:
                    errors.append((pb.Code.Name(r.code), r.message))
                    break
                i += 1

        def reader():
            c = Client(pb, d.port)
            while not stop.is_set():
                r = c.call(lambda q: setattr(q.lead_list, "limit", 20))
                if r.code != pb.OK:
                    errors.append(("read", pb.Code.Name(r.code), r.message))
                    break

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        threads += [threading.Thread(target=reader) for _ in range(READERS)]
        for t in threads:
            t.start()
        for t in threads[:WRITERS]:
            t.join(timeout=120)
        stop.set()
        for t in threads:
            t.join(timeout=30)

        c = Client(pb, d.port)
        stats = c.call(lambda q: q.stats.SetInParent()).stats
        ok = True
        print("acknowledged creates: %d; map now %d bytes (started at 1 MiB, cap 6 MiB)"
              % (len(acked), stats.map_size))
        print("first RESOURCE_EXHAUSTED message: %s" % (full[0] if full else None))
        if errors:
            print("FAIL: unexpected errors: %s" % errors[:5])
            ok = False
        if stats.map_size <= 1 << 20:
            print("FAIL: the map never grew")
            ok = False
        if not full or "map_size_max" not in full[0]:
            print("FAIL: the cap did not give RESOURCE_EXHAUSTED naming map_size_max")
            ok = False
        # Reads go on at the cap, and nothing acknowledged is lost.
        missing = 0
        for lid, title in acked.items():
            r = c.call(lambda q: setattr(q.lead_get, "id", lid))
            if r.code != pb.OK or r.lead.lead.title != title:
                missing += 1
        print("reads at the cap: %d of %d acknowledged leads read back" %
              (len(acked) - missing, len(acked)))
        ok = ok and missing == 0 and len(acked) > 0
        c.close()
        if d.stop() != 0:
            print("FAIL: leadd did not stop cleanly")
            ok = False
        if d.verify() != 0:
            ok = False
        print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
