#!/usr/bin/python3
"""`lead agenda` past what it reads at once, against a real leadd on
127.0.0.1: the count it gives is the items it read, not its cap.

Usage: truth_agenda_cap.py LEADD_BINARY PROTO_DIR LEAD_BINARY

lead reads at most 20 pages of the agenda (of up to 1000 items each), and
leadd ends a page at 512 KiB of items too (docs/protocol.md, "agenda"). With
2700 open tasks of 4000-byte text, 20 pages hold far fewer than 20000
items: `lead agenda` must say it stopped, and the number it says is what it
shows (the JSON's items), with "more" true (docs/cli.md). leadd verify
passes at the end."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Client, Results, desc, pipeline, run_test  # noqa: E402

res = Results()
LEAD = sys.argv[3] if len(sys.argv) > 3 else None
LEADS, PER_LEAD = 27, 100  # the open cap is 100 per lead
TEXT = "x" * 4000


def lead_env(tmp, port):
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEAD_CONFIG_DIR", "LEAD_SERVER", "LEAD_USER", "XDG_CONFIG_HOME")}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               LEAD_SERVER="127.0.0.1:%d" % port, TZ="Europe/Paris", LC_ALL="C.UTF-8")
    return env


def run_lead(env, args, stdin=""):
    p = subprocess.run([LEAD] + args, input=stdin.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def run(pb, d):
    admin = Client(pb, d.port)
    ids = []
    for i in range(LEADS):
        r = admin.call(lambda q, i=i: (setattr(q.lead_create, "title", "Busy %d" % i),
                                       setattr(q.lead_create, "owner", ADMIN)))
        if r.code != 0:
            res.record("lead_create", False, desc(pb, r))
            return
        ids.append(r.lead.lead.id)
    at = int(time.time() * 1000) + 86400 * 1000
    fills = [(lambda q, lid=lid, i=i: (setattr(q.activity_add, "lead_id", lid),
                                       setattr(q.activity_add, "kind", pb.ACTIVITY_TASK),
                                       setattr(q.activity_add, "title", "t%d" % i),
                                       setattr(q.activity_add, "text", TEXT),
                                       setattr(q.activity_add, "at", at + i)))
             for lid in ids for i in range(PER_LEAD)]
    answers = pipeline(admin, fills)
    res.record("%d open tasks of 4000 bytes" % len(fills), all(a.code == 0 for a in answers),
               next((desc(pb, a) for a in answers if a.code), ""))

    env = lead_env(d.data + "-cli", d.port)
    rc, out, err = run_lead(env, ["login", ADMIN, "--password-stdin"], ADMIN_PASSWORD + "\n")
    res.record("lead login", rc == 0, out + err)
    rc, out, err = run_lead(env, ["--json", "agenda"])
    shown = None
    try:
        import json
        doc = json.loads(out)
        shown = len(doc["items"])
        res.record("lead --json agenda says more: true", doc["more"] is True, str(doc["more"]))
    except (ValueError, KeyError) as e:
        res.record("lead --json agenda prints its document", False, "%s: %s" % (e, out[:200]))
    res.record("... and shows fewer than all, and fewer than 20000",
               shown is not None and shown < len(fills) and shown < 20000, str(shown))
    m = re.search(r"only the first (\d+) items are shown", err)
    res.record("... its warning counts the items it shows", m is not None and
               int(m.group(1)) == shown, err.strip()[:300])
    res.record("... and names no cap it did not reach", "20000" not in err, err.strip()[:300])


run_test(res, "truth_agenda_cap", run)
