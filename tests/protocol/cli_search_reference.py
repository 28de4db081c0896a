#!/usr/bin/python3
"""`lead ls` filters through the real CLI against a brute-force reference
(issue 9, "Done when": "every filter and their combinations against a
brute-force reference computed from `lead ls --all --json` on a few thousand
random leads, as admin, manager and rep (visibility identical to `lead
show`)").

Usage: cli_search_reference.py LEADD_BINARY PROTO_DIR LEAD_BINARY

A real leadd on 127.0.0.1 gets two teams, managers, reps and about 2,000
random leads through the protocol (search_model.py's builders, then
search_reference.py's later changes, so created_at and updated_at fall in
clusters a second apart). Then the real `lead` binary, logged in with a
password from stdin in a temporary HOME of its own, runs as the admin, a
manager and a rep:

1. `lead --json ls --all` is the caller's visible set. For the admin it
   equals what the protocol lists, field by field; for everyone it is what
   docs/protocol.md 2.1 gives them; and `lead --json show ID` for a sample of
   the admin's ids prints the same lead when it is in the set and exits 3
   (not found) when it is not.
2. About 45 filters per caller, each built from the CLI's options (--status
   with names, prefixes and class words, --mine, --owner, --team/--in-team,
   --pool, --client, --tag repeated, --query, --value-min/--value-max with
   and without --currency, --created-since/--created-before,
   --updated-since, --next-before as absolute UTC instants, --no-next,
   --idle, --source, --sort with and without --desc): `lead --json ls
   FILTERS --all` must print the ids, in order, that search_model.py
   computes from step 1's JSON.
3. A few filters run page by page with a small --limit, following the
   "more:" line each page prints; the pages together must be the --all
   answer.

Each mismatch is printed with the command line that shows it. LEADD_SEARCH_SEED
repeats a run (the seed is printed first); LEADD_SEARCH_SCALE (default 1)
scales the lead and filter counts down for the sanitizer build. Ends with
leadd stopped (SIGTERM, exit 0) and `leadd verify` passing."""
import calendar
import json
import os
import random
import shlex
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Client, LeadCli, Leadd, Results, load_pb  # noqa: E402
import search_model as sm  # noqa: E402
import search_reference as sr  # noqa: E402

SORTS = ["id", "created", "updated", "value", "next", "title"]  # LeadSort numbers 0..5
EXIT_USAGE, EXIT_NOT_FOUND, EXIT_DENIED = 2, 3, 4
STATS = {"filters": 0, "empty": 0, "refused": 0}
BUDGET_S = float(os.environ.get("LEADD_SEARCH_BUDGET_S", "70"))


class Cli(LeadCli):
    """`lead` as one user (LeadCli) in a time zone that is not UTC: absolute
    UTC instants must not depend on it."""

    def __init__(self, lead, tmp, port, user, password):
        LeadCli.__init__(self, lead, tmp, port, user, password, tz="Asia/Tokyo")


def json_ms(t):
    """Unix ms from an RFC 3339 UTC time of the CLI's JSON (docs/cli.md);
    null (no time) is 0, as on the wire."""
    if t is None:
        return 0
    day, clock = t.rstrip("Z").split("T")
    frac = 0
    if "." in clock:
        clock, f = clock.split(".")
        frac = int(f)
    when = calendar.timegm(time.strptime(day + "T" + clock, "%Y-%m-%dT%H:%M:%S"))
    return when * 1000 + frac


def lead_from_json(pb, d):
    """A Lead message from one lead of the CLI's JSON (lead_json_lead in
    client/lead_output.c): search_model.py judges Lead messages. Ids the JSON
    leaves null (no client, the pool) are 0 on the wire; created_by and
    updated_by are names there (created_by_id, updated_by_id the ids)."""
    l = pb.Lead()
    for key, field in (("id", "id"), ("client_id", "client_id"), ("status_id", "status_id"),
                       ("owner_id", "owner_id"), ("team_id", "team_id"),
                       ("version", "version")):
        setattr(l, field, int(d[key] or 0))
    for key, field in (("next_action", "next_action_at"), ("created_at", "created_at"),
                       ("updated_at", "updated_at")):
        setattr(l, field, json_ms(d[key]))
    # Activities (issue 13): absent on the wire when null in the JSON.
    for key, field in (("own_next_action", "own_next_at"), ("owner_since", "owner_since"),
                       ("first_touch_at", "first_touch_at")):
        if d[key] is not None:
            setattr(l, field, json_ms(d[key]))
    for key, field in (("created_by_id", "created_by"), ("updated_by_id", "updated_by")):
        setattr(l, field, int(d[key] or 0))
    for key, field in (("title", "title"), ("client", "client_name"),
                       ("description", "description"), ("source", "source"),
                       ("next_action_note", "next_action_note"),
                       ("own_next_action_note", "own_next_note"),
                       ("status_reason", "status_reason")):
        if d[key] is not None:
            setattr(l, field, d[key])
    if d["value"] is not None:
        l.value.currency = d["value"]["currency"]
        l.value.amount_minor = int(d["value"]["minor"])
    l.tags.extend(d["tags"])
    for c in d["contacts"]:
        ct = l.contacts.add()
        for k in ("name", "role", "email", "phone", "note"):
            if c[k] is not None:
                setattr(ct, k, c[k])
        if c["left"]:
            ct.left = True
    # Archive and renew (issue 12).
    if d["archived"]:
        l.archived = True
    if d["renewed_from"]:
        l.renewed_from = int(d["renewed_from"])
    l.renewals.extend(int(x) for x in d["renewals"])
    if d["next_action_activity"]:
        l.next_action_activity = int(d["next_action_activity"].split(".")[1])
    return l


def comparable(pb, lead):
    """A protocol Lead as the CLI's JSON shows it: without the fields the JSON
    leaves out, an empty optional string the same as an absent one."""
    l = pb.Lead()
    l.CopyFrom(lead)
    l.ClearField("status_changed_at")
    for f in ("title", "client_name", "description", "source", "next_action_note",
              "status_reason"):
        if l.HasField(f) and not getattr(l, f):
            l.ClearField(f)
    for f in ("id", "client_id", "status_id", "owner_id", "team_id", "next_action_at",
              "created_at", "created_by", "updated_at", "updated_by", "version"):
        setattr(l, f, getattr(l, f))
    if l.HasField("value") and not l.value.HasField("amount_minor"):
        l.ClearField("value")
    for c in l.contacts:
        for f in ("name", "role", "email", "phone", "note"):
            if c.HasField(f) and not getattr(c, f):
                c.ClearField(f)
        if c.HasField("left") and not c.left:
            c.ClearField("left")
    for f in ("archived", "renewed_from", "next_action_activity", "own_next_at",
              "owner_since", "first_touch_at"):
        if l.HasField(f) and not getattr(l, f):
            l.ClearField(f)
    return l


def ls_json(cli, args):
    """`lead --json ls ARGS --all`: (exit status, leads as dicts or None,
    stderr, the command line)."""
    argv = ["--json", "ls"] + args + ["--all"]
    rc, out, err = cli.run(argv)
    if rc != 0:
        return rc, None, err.strip(), cli.line(argv)
    try:
        doc = json.loads(out)
    except ValueError as e:
        return rc, None, "stdout is not JSON (%s): %r" % (e, out[:200]), cli.line(argv)
    if doc.get("cursor") is not None:
        return rc, None, "--all printed a cursor %r" % doc["cursor"], cli.line(argv)
    return rc, doc["leads"], err.strip(), cli.line(argv)


# ---- step 1: the visible set ---------------------------------------------


def check_visible(res, pb, world, cli, name, rng, proto_leads):
    """The caller's `lead --json ls --all`, checked; the leads as Lead
    messages (None when it failed)."""
    rc, docs, err, line = ls_json(cli, [])
    res.record("%s: %s lists every lead page by page" % (name, line), docs is not None,
               "exit %d: %s" % (rc, err))
    if docs is None:
        return None, None
    visible = [lead_from_json(pb, d) for d in docs]
    ids = [l.id for l in visible]
    res.record("%s: the list is in id order, each lead once" % name,
               ids == sorted(set(ids)), "first ids %s" % ids[:10])
    by_id = {l.id: l for l in proto_leads}
    if name == ADMIN:
        bad = [i for i, l in zip(ids, visible)
               if i not in by_id or comparable(pb, by_id[i]) != l]
        missing = sorted(set(by_id) - set(ids))
        detail = ""
        if bad and bad[0] in by_id:
            detail = "lead %d: JSON %s, protocol %s" % (
                bad[0], sm.describe_lead(visible[ids.index(bad[0])]),
                sm.describe_lead(comparable(pb, by_id[bad[0]])))
        res.record("admin: the JSON of every lead is the protocol's lead (%d leads)" % len(ids),
                   not bad and not missing,
                   "%d differ, %d missing %s; %s" % (len(bad), len(missing), missing[:5], detail))
        bad_names = [d["id"] for d in docs
                     if d["status"] != world.status_by_id[d["status_id"]].name or
                     (d["owner_id"] and d["owner"] != world.user_by_id[d["owner_id"]].name)]
        res.record("admin: each lead's JSON names its status and owner", not bad_names,
                   "leads %s" % bad_names[:5])
    user = world.users[name]
    rule = {l.id for l in proto_leads if world.may_see(user, l)}
    vis = set(ids)
    res.record("%s: the list holds exactly the leads docs/protocol.md 2.1 gives them (%d)"
               % (name, len(vis)), rule == vis,
               "extra %s, missing %s" % (sorted(vis - rule)[:10], sorted(rule - vis)[:10]))
    # lead show for a sample of the admin's ids: half in the list, half not
    # (when there are such), and one id no lead has.
    inside = [i for i in sorted(by_id) if i in vis]
    outside = [i for i in sorted(by_id) if i not in vis]
    sample = rng.sample(inside, min(15, len(inside))) + rng.sample(outside, min(15, len(outside)))
    sample.append(max(by_id) + 1000)
    docs_by_id = {d["id"]: d for d in docs}
    bad = []
    for i in sample:
        argv = ["--json", "show", str(i)]
        rc, out, err = cli.run(argv)
        if i in vis:
            try:
                shown = json.loads(out)
                # lead show adds the lead's last changes (issue 10).
                history = shown.pop("history", None)
                # ... and its activities (issue 13).
                activities = shown.pop("activities", None)
                # ... and its opportunities (issue 15).
                opportunities = shown.pop("opportunities", None)
                # ... and names, from that history, who created and last
                # changed it where `lead ls` cannot (a name the caller may
                # not list is null there).
                want = dict(docs_by_id[i])
                for k in ("created_by", "updated_by"):
                    if want.get(k) is None and isinstance(shown.get(k), str):
                        want[k] = shown[k]
                same = (rc == 0 and isinstance(history, list) and isinstance(activities, list)
                        and isinstance(opportunities, list) and shown == want)
            except ValueError:
                same = False
            if not same:
                bad.append("%s: exit %d, expected exit 0 and the lead as `lead --json ls` "
                           "printed it; stdout %r stderr %r" % (cli.line(argv), rc, out[:200],
                                                                err.strip()))
        elif rc != EXIT_NOT_FOUND or out.strip():
            bad.append("%s: exit %d, expected exit %d (not found) and nothing on stdout; "
                       "stdout %r stderr %r" % (cli.line(argv), rc, EXIT_NOT_FOUND, out[:200],
                                                 err.strip()))
    for b in bad:
        print("MISMATCH " + b)
    res.record("%s: `lead show` prints the %d sampled leads of the list and finds none of the "
               "other %d" % (name, min(15, len(inside)), len(sample) - min(15, len(inside))),
               not bad, "%d wrong" % len(bad))
    return visible, docs


# ---- step 2: filters as command-line options -------------------------------


def utc_instant(ms, minute=False):
    """An absolute UTC instant the CLI reads exactly (2026-12-01T10:30:15Z)."""
    fmt = "%Y-%m-%dT%H:%MZ" if minute else "%Y-%m-%dT%H:%M:%SZ"
    return time.strftime(fmt, time.gmtime(ms // 1000))


def amount_text(rng, minor):
    """minor units (2 decimals: EUR, USD) as the CLI reads an amount:
    480, 480.00, 480.5, 480,57."""
    whole, cents = divmod(minor, 100)
    if cents == 0 and rng.random() < 0.6:
        return "%d" % whole
    if cents % 10 == 0 and rng.random() < 0.5:
        return "%d.%d" % (whole, cents // 10)
    return "%d%s%02d" % (whole, "," if rng.random() < 0.2 else ".", cents)


class OptionMaker:
    """Random `lead ls` options built from the caller's leads, so most select
    something, with the LeadFilter they mean."""

    FIELDS = ["statuses", "mine", "owners", "team", "pool", "client", "tags", "query", "value",
              "created", "updated_since", "next_before", "no_next", "idle", "source"]

    def __init__(self, pb, rng, world, leads):
        self.pb, self.rng, self.world, self.leads = pb, rng, world, leads
        self.idle = None  # an --idle DURATION to use instead of a random one
        # search_reference's FilterMaker words its queries and sources.
        self.fm = sr.FilterMaker(pb, rng, world, leads, None)

    def cut(self, ms):
        """A whole-second instant just before, at or after ms."""
        k = self.rng.random()
        base = ms - ms % 1000
        if k < 0.1:
            return ms - ms % 60000, True  # the minute it falls in
        return (base if k < 0.6 else base + 1000), False

    def add(self, f, args, field):
        rng, lead = self.rng, self.rng.choice(self.leads)
        if field in ("statuses", "owners", "team", "client", "tags", "query", "source"):
            self.fm.set_field(f, field)
            if field == "statuses":
                for w in f.statuses:
                    args += ["--status", w]
            elif field == "owners":
                for o in f.owners:
                    args += ["--owner", o]
            elif field == "team":
                args += [rng.choice(["--team", "--in-team"]), f.team]
            elif field == "client":
                args += ["--client", f.client]
            elif field == "tags":
                for t in f.tags:
                    args += ["--tag", t]
            elif field == "query":
                args += ["--query", f.query]
            else:
                args += ["--source", f.source]
        elif field == "mine":
            f.mine = True
            args.append("--mine")
        elif field == "pool":
            f.pool = True
            args.append("--pool")
        elif field == "no_next":
            f.no_next = True
            args.append("--no-next")
        elif field == "value":
            cur = rng.choice(sm.CURRENCIES)
            f.value_currency = cur
            a, b = sorted(rng.randrange(0, 5000000) for _ in range(2))
            if rng.random() < 0.3:
                a, b = a - a % 100, b - b % 100
            if lead.HasField("value") and lead.value.currency == cur and rng.random() < 0.3:
                a = b = lead.value.amount_minor  # both bounds inclusive
            k = rng.random()
            if k < 0.4:
                f.value_min, f.value_max = a, b
                args += ["--value-min", amount_text(rng, a), "--value-max", amount_text(rng, b)]
            elif k < 0.7:
                f.value_min = a
                args += ["--value-min", amount_text(rng, a)]
            else:
                f.value_max = b
                args += ["--value-max", amount_text(rng, b)]
            if cur != "EUR" or rng.random() < 0.5:  # EUR is the default
                args += ["--currency", cur if rng.random() < 0.8 else cur.lower()]
        elif field == "created":
            (a, ma), (b, mb) = sorted(self.cut(rng.choice(self.leads).created_at)
                                      for _ in range(2))
            k = rng.random()
            if k < 0.4 or k >= 0.7:
                f.created_before = b
                args += ["--created-before", utc_instant(b, mb)]
            if k < 0.7:
                f.created_since = a
                args += ["--created-since", utc_instant(a, ma)]
        elif field == "updated_since":
            t, m = self.cut(lead.updated_at)
            f.updated_since = t
            args += ["--updated-since", utc_instant(t, m)]
        elif field == "next_before":
            t, m = self.cut(lead.next_action_at or int(time.time() * 1000))
            f.next_before = t
            args += ["--next-before", utc_instant(t, m)]
        elif field == "idle":
            d = self.idle or rng.choice(["1m", "1m", "2m", "90m", "1h", "14d", "2w"])
            n, unit = int(d[:-1]), d[-1]
            f.idle_ms = n * {"m": 60000, "h": 3600000, "d": 86400000, "w": 604800000}[unit]
            args += ["--idle", d]

    def make(self, fields):
        f, args = self.pb.LeadFilter(), []
        for field in fields:
            self.add(f, args, field)
        sort, desc = 0, False
        k = self.rng.random()
        if k < 0.75:
            sort = self.rng.randrange(6) if k < 0.6 else 0
            if k < 0.6 and (sort or self.rng.random() < 0.5):
                args += ["--sort", SORTS[sort]]
        if self.rng.random() < 0.4:
            desc = True
            args.append("--desc")
        return f, sort, desc, args


def reference(world, caller, visible, f, sort, desc, now):
    """The ids `lead ls` must print, in order; raises ValueError or
    LookupError for a filter leadd refuses (search_model.validate)."""
    sm.validate(world, f)
    return [l.id for l in sm.expected_order(
        [l for l in visible if sm.matches(world, caller, f, l, now)], sort, desc)]


def judge(world, caller, visible, f, sort, desc, before, after, got):
    """'' when `got` (ids, or an exit status) is right for the filter, else
    why not. before/after: the server's clock around the command; an --idle
    filter may count a lead that became idle in between either way."""
    if got in (EXIT_USAGE, EXIT_NOT_FOUND, EXIT_DENIED) and sr.out_of_scope(world, caller, f):
        return ""  # naming a team or user out of sight may be refused, before or after
        # any other fault of the filter: which refusal comes first is leadd's choice
    try:
        lo = reference(world, caller, visible, f, sort, desc, before)
        hi = reference(world, caller, visible, f, sort, desc, after)
    except ValueError:
        return "" if got == EXIT_USAGE else "expected exit %d (refused as invalid), got %s" % (
            EXIT_USAGE, "exit %d" % got if isinstance(got, int) else "%d leads" % len(got))
    except LookupError:
        return "" if got == EXIT_NOT_FOUND else "expected exit %d (no such status), got %s" % (
            EXIT_NOT_FOUND, "exit %d" % got if isinstance(got, int) else "%d leads" % len(got))
    if isinstance(got, int):
        return "exit %d, expected %d leads" % (got, len(lo))
    if got == lo or got == hi:
        return ""
    by_id = {l.id: l for l in visible}
    if set(lo) <= set(got) <= set(hi) and all(i in by_id for i in got):
        # Leads crossing an --idle cut while the pages were fetched.
        order = [l.id for l in sm.expected_order([by_id[i] for i in got], sort, desc)]
        if order == got:
            return ""
    exp = lo
    extra, missing = [i for i in got if i not in set(exp)], [i for i in exp if i not in set(got)]
    if not extra and not missing:
        k = next(k for k in range(min(len(exp), len(got))) if exp[k] != got[k])
        return "same leads, order differs at position %d: expected %s, got %s" % (
            k, exp[k:k + 5], got[k:k + 5])
    shown = "".join("\n    %s lead: %s" % (kind, sm.describe_lead(by_id[ids[0]]))
                    for kind, ids in (("extra", extra), ("missing", missing))
                    if ids and ids[0] in by_id)
    dup = len(got) - len(set(got))
    return "expected %d leads, got %d (%d extra e.g. %s, %d missing e.g. %s%s)%s" % (
        len(exp), len(got), len(extra), extra[:5], len(missing), missing[:5],
        ", %d twice" % dup if dup else "", shown)


def run_filter(cli, world, caller, visible, ping, f, sort, desc, args):
    """'' when `lead --json ls ARGS --all` answers as the reference, else a
    line naming the command."""
    before = sm.server_now(ping)
    rc, docs, err, line = ls_json(cli, args)
    after = sm.server_now(ping)
    if docs is None and rc == 0:
        return "%s: %s" % (line, err)
    got = rc if docs is None else [d["id"] for d in docs]
    STATS["filters"] += 1
    STATS["empty"] += got == []
    STATS["refused"] += isinstance(got, int)
    if os.environ.get("CLI_SEARCH_TRACE"):
        print("TRACE %s -> %s" % (line, "exit %d" % got if isinstance(got, int)
                                  else "%d leads" % len(got)))
    why = judge(world, caller, visible, f, sort, desc, before, after, got)
    if why and docs is None:
        why += " (stderr: %s)" % err
    return "%s: %s\n    filter: %s" % (line, why, sm.describe(f, sort, desc)) if why else ""


# ---- step 3: page by page, following the "more:" line ------------------------


def table_ids(out):
    """The ids of a `lead ls` table (the first column), and the "more:"
    command when the page says there are more."""
    ids, more = [], None
    for row in out.splitlines():
        s = row.strip()
        if s.startswith("more: "):
            more = s[len("more: "):]
        elif s and s.split()[0].isdigit():
            ids.append(int(s.split()[0]))
    return ids, more


def follow_pages(cli, args, limit, expect, use_server_option):
    """'' when `lead ls ARGS --limit N`, then each "more:" command it prints,
    list together the ids `expect` (the --all answer), at most N a page."""
    argv = (["--server", cli.server] if use_server_option else []) + \
        ["ls"] + args + ["--limit", str(limit)]
    env = dict(cli.env)
    if use_server_option:
        # The hint must carry --server: without it the next page would go
        # to a port nothing listens on.
        env["LEAD_SERVER"] = "127.0.0.1:1"
    first = cli.line(argv)
    got, pages = [], 0
    while True:
        rc, out, err = cli.run(argv, env=env)
        pages += 1
        if rc != 0:
            return "%s (page %d of %s): exit %d: %s" % (cli.line(argv), pages, first, rc,
                                                         err.strip())
        ids, more = table_ids(out)
        if len(ids) > limit:
            return "%s: %d leads on a page of --limit %d" % (cli.line(argv), len(ids), limit)
        got += ids
        if more is None:
            break
        words = shlex.split(more)
        if words[:1] != ["lead"] or "--cursor" not in words:
            return "%s: the \"more:\" line %r is not a lead command with --cursor" % (
                cli.line(argv), more)
        rest = words[1:]
        for w in ["--limit", str(limit)] + [a for a in args if a != "--in-team"]:
            if w not in rest:
                return "%s: the \"more:\" line %r leaves out %r" % (cli.line(argv), more, w)
        argv = rest
        if pages > len(expect) // limit + 3:
            return "%s: more than %d pages for %d leads" % (first, pages, len(expect))
    if got != expect:
        extra = [i for i in got if i not in set(expect)]
        missing = [i for i in expect if i not in set(got)]
        return "%s and its %d \"more:\" pages: %d leads, the --all answer has %d " \
            "(%d extra e.g. %s, %d missing e.g. %s, %d twice)" % (
                first, pages - 1, len(got), len(expect), len(extra), extra[:5], len(missing),
                missing[:5], len(got) - len(set(got)))
    return ""


# ---- the run -----------------------------------------------------------------


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    binary, proto, lead = sys.argv[1:4]
    seed = sm.seed_from_env("LEADD_SEARCH_SEED")
    rng = random.Random(seed)
    scale = sm.scale_from_env()
    n_leads = max(300, int(2000 * scale))
    n_random = 30  # bounded by the time budget (the sanitizer build is slower)
    res = Results()
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            admin = Client(pb, d.port)
            admin.port = d.port
            people = sm.build_people(admin, pb)
            world = sm.World(admin)
            status_ids = [s.id for s in world.statuses]
            # Four batches a second apart: created_at cuts at whole seconds
            # (all the CLI can say) fall between leads.
            ids = []
            for k in range(4):
                ids += sm.create_leads(admin, rng, n_leads // 4, people, status_ids,
                                       start=len(ids))
                time.sleep(1.05)
            sr.later_changes(admin, rng, ids, pb, people)
            world.refresh(admin)
            proto_leads = sm.page_all(admin, limit=1000)[0]
            print("%d leads, set up in %.1f s" % (len(proto_leads), time.time() - started))
            callers = [ADMIN, rng.choice(["mgr_a", "boss", "mgr_b"]),
                       rng.choice(["rep_a1", "rep_b1"])]
            clis, judged = {}, {}
            for left, name in enumerate(callers):
                if d.proc.poll() is not None:
                    break
                # Each caller gets its share of the time left.
                deadline = time.time() + (started + BUDGET_S - time.time()) / (len(callers) - left)
                cli = clis[name] = Cli(lead, tmp, d.port, name,
                                       ADMIN_PASSWORD if name == ADMIN else sm.PW)
                caller = world.users[name]
                visible, _ = check_visible(res, pb, world, cli, name, rng, proto_leads)
                if visible is None:
                    continue
                om = OptionMaker(pb, rng, world, visible or proto_leads)
                judged[name] = (cli, caller, visible, om)
                plans = [[f] for f in OptionMaker.FIELDS]
                plans += [rng.sample(OptionMaker.FIELDS, rng.randint(2, 4))
                          for _ in range(n_random)]
                bad = ran = 0
                for k, fields in enumerate(plans):
                    # The single-option filters (the first ones) always run.
                    if k >= len(OptionMaker.FIELDS) and time.time() > deadline:
                        print("%s: time budget reached after %d filters" % (name, k))
                        break
                    f, sort, desc, args = om.make(fields)
                    line = run_filter(cli, world, caller, visible, admin, f, sort, desc, args)
                    ran += 1
                    if line:
                        bad += 1
                        print("MISMATCH " + line)
                res.record("%s: %d `lead ls` filters equal the reference" % (name, ran),
                           bad == 0, "%d mismatches" % bad if bad else "")
                # Page by page after the "more:" lines: unfiltered, then a
                # few filters that keep enough leads to need pages.
                bad = 0
                tries = [([], 0, False, [])]
                for _ in range(300):
                    if len(tries) == 4:
                        break
                    f, sort, desc, args = om.make(rng.sample(
                        ["statuses", "tags", "query", "value", "created", "source", "pool",
                         "team", "owners", "next_before"], rng.randint(1, 2)))
                    try:
                        exp = reference(world, caller, visible, f, sort, desc, 0)
                    except (ValueError, LookupError):
                        continue
                    if len(exp) >= 8 and not sr.out_of_scope(world, caller, f):
                        tries.append((f, sort, desc, args))
                for n, (f, sort, desc, args) in enumerate(tries):
                    rc, docs, err, line = ls_json(cli, args)
                    if docs is None:
                        bad += 1
                        print("MISMATCH %s: exit %d: %s" % (line, rc, err))
                        continue
                    expect = [x["id"] for x in docs]
                    limit = rng.choice([3, 7, 25]) if len(expect) < 200 else rng.choice([40, 97])
                    why = follow_pages(cli, args, limit, expect, n == 1)
                    if why:
                        bad += 1
                        print("MISMATCH " + why)
                res.record("%s: %d lists paged by their \"more:\" lines equal --all"
                           % (name, len(tries)), bad == 0,
                           "%d mismatches" % bad if bad else "")
            # --idle 1m while a minute's cut falls inside the leads' updates
            # (they span a few seconds): each filter moves the cut along.
            mid = sorted(l.updated_at for l in proto_leads)[len(proto_leads) // 2]
            wait = (mid + 60000 - sm.server_now(admin)) / 1000.0
            print("idle filters in %.1f s" % max(0, wait))
            if wait > 0:
                time.sleep(wait)
            for name, (cli, caller, visible, om) in judged.items():
                om.idle, bad = "1m", 0
                others = [x for x in OptionMaker.FIELDS if x != "idle"]
                for k in range(5):
                    f, sort, desc, args = om.make(["idle"] + rng.sample(others, k % 3))
                    line = run_filter(cli, world, caller, visible, admin, f, sort, desc, args)
                    if line:
                        bad += 1
                        print("MISMATCH " + line)
                res.record("%s: 5 `lead ls --idle 1m` filters equal the reference" % name,
                           bad == 0, "%d mismatches" % bad if bad else "")
            # Filters that select nothing judge little: say how many there were.
            print("%d filters run: %d selected no lead, %d were refused"
                  % (STATS["filters"], STATS["empty"], STATS["refused"]))
            # What must be refused, and how the CLI says so (as the admin).
            cli = clis[ADMIN]
            for args, want, what in (
                    (["--status", "lead-"], EXIT_USAGE, "an ambiguous status prefix"),
                    (["--status", "nosuch"], EXIT_NOT_FOUND, "a status that does not exist"),
                    (["--no-next", "--next-before", "2026-01-01T00:00Z"], EXIT_USAGE,
                     "--no-next with --next-before"),
                    (["--value-min", "5", "--value-max", "4"], EXIT_USAGE,
                     "--value-min above --value-max")):
                rc, docs, err, line = ls_json(cli, args)
                res.record("%s: %s exits %d with a message" % (line, what, want),
                           rc == want and docs is None and bool(err),
                           "exit %d, stderr %r" % (rc, err))
            admin.close()
        except (EOFError, OSError) as e:
            res.record("leadd answers until the end", False, repr(e))
        finally:
            res.stop_and_verify(d, "cli search reference")
    print("%.1f s" % (time.time() - started))
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
