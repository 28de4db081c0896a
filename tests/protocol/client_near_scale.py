#!/usr/bin/python3
"""Near matches among many client folders: the spelling check walks every
folder's key (never its record), so it must stay cheap at 50,000 folders.

Usage: client_near_scale.py LEADD_BINARY PROTO_DIR [FOLDERS]

Makes FOLDERS folders (default 50,000; "Company N Xyz" with a random word,
confirmed with new_client so the build itself skips the check), then times
200 client_get calls by names no folder has: each answers NOT_FOUND after a
full near-match search (the spelling walk over every key, then the word
votes) for its "did you mean" hint. Prints the median and p99 in ms (the
figure docs/performance.md quotes) and checks p99 under LEADD_NEAR_P99_MS
(default 150 ms: a sanitizer build is several times slower), timing the
200 calls again, up to three times in all, while the p99 is over it (the
machine is shared); that a near name among them is still found (one edit
from a folder made first, and one from the last), and that a lead filed
under a near name is refused while new_client files it. Ends with `leadd verify` passing."""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, desc, pipeline, run_test, timed_tries  # noqa: E402

res = Results()
WORDS = ["alpha", "borealis", "cobalt", "dynamo", "ember", "fjord", "granite", "harbor",
         "indigo", "jasper", "kestrel", "lumen", "meridian", "nimbus", "onyx", "prairie"]


def run(pb, d):
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50000
    rnd = random.Random(10)
    admin = Client(pb, d.port, timeout=120)
    names = ["Company %d %s" % (i, rnd.choice(WORDS)) for i in range(n)]

    def fill_for(name):
        def fill(q):
            q.client_add.client.name = name
            q.client_add.new_client = True
        return fill
    t0 = time.time()
    bad = 0
    for start in range(0, n, 5000):
        answers = pipeline(admin, [fill_for(x) for x in names[start:start + 5000]], window=500)
        bad += sum(1 for a in answers if a.code != pb.OK)
    res.record("%d folders made (%.1f s)" % (n, time.time() - t0), bad == 0, "%d failed" % bad)

    def get(name):
        return admin.call(lambda q: setattr(q.client_get.client, "name", name))
    bound = float(os.environ.get("LEADD_NEAR_P99_MS", "150"))

    def timed():
        times = []
        for i in range(200):
            name = "Zqx Unheard %d Vwk" % i
            t = time.perf_counter()
            r = get(name)
            times.append((time.perf_counter() - t) * 1000)
            if r.code != pb.NOT_FOUND:
                return False, "an unknown name answered " + desc(pb, r)
        times.sort()
        med, p99 = times[len(times) // 2], times[int(len(times) * 0.99) - 1]
        print("near-match search over %d folders: median %.2f ms, p99 %.2f ms" % (n, med, p99))
        return p99 < bound, "p99 %.1f ms, median %.2f ms" % (p99, med)
    # A search that walks more than the keys is slow in every try; a p99
    # pushed up by other suites on the shared 2-core machine (the docs'
    # 58 ms at load 8, several times that under ASan) is not.
    timed_tries(res.record, "a full near-match search over %d folders: p99 under %.0f ms"
                % (n, bound), timed)
    for target in (names[0], names[-1]):
        near = target.replace("Company", "Compamy")
        r = get(near)
        res.record("'%s' is found near '%s'" % (near, target),
                   r.code == pb.NOT_FOUND and ("did you mean '%s'?" % target) in r.message,
                   desc(pb, r))
    r = admin.create("deal", client_name=names[n // 2] + "x")
    res.record("a lead's near name is refused among %d folders" % n,
               r.code == pb.FAILED_PRECONDITION and names[n // 2] in r.message, desc(pb, r))
    r = admin.create("deal", client_name=names[n // 2] + "x", new_client=True)
    res.record("new_client files it", r.code == pb.OK, desc(pb, r))


if __name__ == "__main__":
    run_test(res, "client_near_scale", run)
