#!/usr/bin/python3
"""Every lead filter, alone and combined, against a brute-force reference
(issue 9, "Done when"): a real leadd with two teams, managers, reps and a few
thousand random leads; for many random filters and sorts, as the admin, two
managers and two reps, the answer computed in Python (search_model.py) from
every lead the caller may see must equal the server's, paged with small
limits: the same ids in the same order.

Usage: search_reference.py LEADD_BINARY PROTO_DIR

The caller's visible leads are their unfiltered list, paged; that list is
checked against lead_get (every lead the admin sees answers lead_get for the
caller iff it is in the caller's list) and against docs/protocol.md 2.1.

Environment: LEADD_SEARCH_SEED repeats a run (the seed is printed first);
LEADD_SEARCH_SCALE (default 1) scales the lead and filter counts down for
the sanitizer build. Each mismatch is printed with its filter, caller,
expected and got. Ends with leadd stopped (SIGTERM, exit 0) and `leadd
verify` passing."""
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import give_reason  # noqa: E402
from leadd_harness import Client, Leadd, Results, load_pb, ok_call, pipeline  # noqa: E402
import search_model as sm  # noqa: E402

CALLERS = ["admin", "boss", "mgr_a", "rep_a1", "rep_b1"]
REFUSED = (3, 5, 7)
STATS = {"filters": 0, "empty": 0}  # INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED


def later_changes(admin, rng, ids, pb, people):
    """A quarter of the leads change after a pause, so updated_at has two
    clusters with a gap (idle and updated-since filters cut inside it):
    edits, status moves, assignments, claims from the alpha pool."""
    rep = Client(pb, admin.port, user="rep_a2", password=sm.PW)
    leads = {l.id: l for l in sm.page_all(admin, limit=1000)[0]}
    chosen = rng.sample(ids, len(ids) // 4)
    statuses = [s.id for s in sm.World(admin).statuses]
    alpha = sm_team_id(admin, "alpha")
    fills = []
    for n, i in enumerate(chosen):
        lead = leads[i]
        k = rng.random()
        if k < 0.5:
            fills.append(sm.fill_update(rng, lead, 100000 + n))
        elif k < 0.75:
            s = rng.choice(statuses)
            fills.append(lambda q, i=i, s=s: (setattr(q.lead_set_status, "id", i),
                                              setattr(q.lead_set_status, "status_id", s),
                                              give_reason(q.lead_set_status)))
        elif lead.owner_id == 0 and lead.team_id == alpha:
            ok_call(rep, lambda q, i=i: setattr(q.lead_claim, "id", i), "lead_claim")
        elif rng.random() < 0.5 or lead.team_id == 0:
            to = rng.choice(people["reps"] + people["managers"])
            fills.append(lambda q, i=i, to=to: (setattr(q.lead_assign, "id", i),
                                                setattr(q.lead_assign, "to_user", to)))
        else:
            fills.append(lambda q, i=i: (setattr(q.lead_assign, "id", i),
                                         setattr(q.lead_assign, "to_pool", True)))
    bad = [a for a in pipeline(admin, fills) if a.code != 0]
    rep.close()
    if bad:
        raise RuntimeError("later changes: %d refused, first %d %s"
                           % (len(bad), bad[0].code, bad[0].message))


_TEAM_IDS = {}


def sm_team_id(admin, name):
    if name not in _TEAM_IDS:
        _TEAM_IDS.update({t.name: t.id for t in sm.World(admin).teams.values()})
    return _TEAM_IDS[name]


def gap_thresholds(leads):
    """Unix ms points in the widest gaps between updated_at values: an idle
    cut there cannot fall on a lead whatever the clock skew of one request."""
    ts = sorted({l.updated_at for l in leads})
    gaps = sorted(((b - a, (a + b) // 2) for a, b in zip(ts, ts[1:])), reverse=True)
    return [mid for width, mid in gaps[:3] if width >= 400]


class FilterMaker:
    """Random LeadFilters built from the data, so most select something."""

    def __init__(self, pb, rng, world, leads, caller):
        self.pb, self.rng, self.world, self.leads, self.caller = pb, rng, world, leads, caller
        self.gaps = gap_thresholds(leads)

    def lead(self):
        return self.rng.choice(self.leads)

    def word_variant(self, w):
        r = self.rng.random()
        if r < 0.2:
            return w.upper()
        if r < 0.4:
            return sm._strip_marks(w)
        return w

    def set_field(self, f, field):
        rng, lead = self.rng, self.lead()
        if field == "statuses":
            pool = [s.name for s in self.world.statuses] + list(sm.KPI_CLASS_WORDS) + \
                ["lead-N", "lead-Q", "cust", "prospect-L", "qual", "wo", "de", "lo",
                 "pro"]
            f.statuses.extend(w if rng.random() < 0.7 else self.word_variant(w)
                              for w in rng.sample(pool, rng.choice([1, 1, 2, 3])))
        elif field == "mine":
            f.mine = True
        elif field == "owners":
            names = [u for u in self.world.users]
            f.owners.extend(n if rng.random() < 0.8 else n.upper()
                            for n in rng.sample(names, rng.choice([1, 1, 2])))
        elif field == "team":
            t = rng.choice(list(self.world.teams))
            f.team = t if rng.random() < 0.8 else t.upper()
        elif field == "pool":
            f.pool = True
        elif field == "client":
            f.client = rng.choice(sm.CLIENTS) if rng.random() < 0.9 else "No Such Client"
        elif field == "tags":
            f.tags.extend(rng.sample(sm.TAGS, rng.choice([1, 1, 2])))
        elif field == "query":
            words = sorted(sm.lead_words(lead)) or ["zzqx"]
            parts = []
            for _ in range(rng.choice([1, 1, 2])):
                w = rng.choice(words)
                if rng.random() < 0.3:
                    # A title word as typed, accents and case varied.
                    src = rng.choice(lead.title.split())
                    parts.append(self.word_variant(src[:rng.randint(1, len(src))]))
                else:
                    parts.append(w[:rng.randint(1, len(w))])
            if rng.random() < 0.05:
                parts.append("zzqx")
            f.query = " ".join(parts)
        elif field == "value":
            f.value_currency = rng.choice(sm.CURRENCIES)
            a, b = sorted(rng.randrange(0, 5000000) for _ in range(2))
            if lead.HasField("value") and rng.random() < 0.3:
                a = b = lead.value.amount_minor  # both bounds inclusive
            k = rng.random()
            if k < 0.4:
                f.value_min, f.value_max = a, b
            elif k < 0.7:
                f.value_min = a
            else:
                f.value_max = b
        elif field == "created":
            a, b = sorted(self.lead().created_at for _ in range(2))
            k = rng.random()
            if k < 0.4:
                f.created_since, f.created_before = a, b
            elif k < 0.7:
                f.created_since = a
            else:
                f.created_before = b
        elif field == "updated_since":
            f.updated_since = lead.updated_at
        elif field == "next_before":
            f.next_before = lead.next_action_at or int(time.time() * 1000)
        elif field == "no_next":
            f.no_next = True
        elif field == "idle":
            cut = rng.choice(self.gaps) if self.gaps else None
            if cut is None or rng.random() < 0.1:
                f.idle_ms = rng.choice([1, 365 * 86400000])
            else:
                f.idle_ms = -cut  # made relative to the server's now when sent
        elif field == "source":
            s = rng.choice([s for s in sm.SOURCES if s])
            f.source = s if rng.random() < 0.7 else self.word_variant(s)

    FIELDS = ["statuses", "mine", "owners", "team", "pool", "client", "tags", "query", "value",
              "created", "updated_since", "next_before", "no_next", "idle", "source"]

    def make(self, fields):
        f = self.pb.LeadFilter()
        for field in fields:
            self.set_field(f, field)
        return f


def wide_filters(pb, visible):
    """A query, a tag and a source each on as many of the caller's leads as
    the data has: the one-letter query prefix most words start with, the
    most common tag and source."""
    def most(counts):
        return max(sorted(counts), key=lambda k: counts[k]) if counts else None
    letters, tags, sources = {}, {}, {}
    for l in visible:
        for w in {w[0] for w in sm.lead_words(l)}:
            letters[w] = letters.get(w, 0) + 1
        for t in {sm.fold_name(t) for t in l.tags}:
            tags[t] = tags.get(t, 0) + 1
        if l.source:
            sources[sm.fold_name(l.source)] = sources.get(sm.fold_name(l.source), 0) + 1
    out = []
    if letters:
        out.append(pb.LeadFilter(query=most(letters)))
    if tags:
        out.append(pb.LeadFilter(tags=[most(tags).upper()]))
    if sources:
        out.append(pb.LeadFilter(source=most(sources).upper()))
    return out


def out_of_scope(world, caller, f):
    """A filter naming users or teams the caller does not see: the server
    may refuse it or answer what the caller sees of it; both are right."""
    teams = world.caller_teams(caller)
    if f.HasField("team"):
        t = next((t for t in world.teams.values() if t.name.lower() == f.team.lower()), None)
        if t is None or t.id not in teams:
            return True
    for o in f.owners:
        u = next((u for u in world.users.values() if u.name.lower() == o.lower()), None)
        if u is None or (caller.role < 3 and u.id != caller.id and
                         (caller.role < 2 or u.team_id not in world.managed_teams(caller))):
            return True
    return False


def check_visibility(res, world, caller_name, c, visible, all_ids, admin_leads):
    """The caller's unfiltered list against lead_get and against the rules."""
    user = world.users[caller_name]
    vis = {l.id for l in visible}
    answers = pipeline(c, [lambda q, i=i: setattr(q.lead_get, "id", i) for i in all_ids])
    bad = []
    for i, a in zip(all_ids, answers):
        if (a.code == 0) != (i in vis) or a.code not in (0, 5):
            bad.append("lead %d: lead_get code %d, in list %s" % (i, a.code, i in vis))
    res.record("%s: lead_get answers exactly the leads of their list (%d of %d)"
               % (caller_name, len(vis), len(all_ids)), not bad, "; ".join(bad[:5]))
    rule = {l.id for l in admin_leads if world.may_see(user, l)}
    res.record("%s: their list holds exactly the leads docs/protocol.md 2.1 gives them"
               % caller_name, rule == vis,
               "extra %s, missing %s" % (sorted(vis - rule)[:10], sorted(rule - vis)[:10]))


def run_filter(c, world, caller, visible, f, sort, desc, limit):
    """(ok, line): the server's answer to one filter against the reference."""
    sent = f
    if f.HasField("idle_ms") and f.idle_ms < 0:
        sent = type(f)()
        sent.CopyFrom(f)
        sent.idle_ms = sm.server_now(c) - (-f.idle_ms)
    now = sm.server_now(c)
    what = "%s as %s limit %d" % (sm.describe(sent, sort, desc), caller.name, limit)
    must_refuse = None
    try:
        sm.validate(world, sent)
        exp = [l for l in visible if sm.matches(world, caller, sent, l, now)]
    except ValueError:
        exp, must_refuse = [], 3
    except LookupError:
        exp, must_refuse = [], 5
    exp = sm.expected_order(exp, sort, desc)
    STATS["filters"] += 1
    STATS["empty"] += not exp
    got, err, _ = sm.page_all(c, sent, sort, desc, limit, max_pages=len(visible) // limit + 20)
    if err is not None and err[0] in REFUSED and out_of_scope(world, caller, sent):
        return True, ""  # which of two refusals comes first is the server's choice
    if must_refuse:
        return err is not None and err[0] == must_refuse, "%s: expected code %d, got %s" % (
            what, must_refuse, "%d %s" % err if err else "OK with %d leads" % len(got))
    if err is not None:
        if out_of_scope(world, caller, sent) and err[0] in REFUSED:
            return True, ""
        return False, "%s: refused %d %s (expected %d leads)" % (what, err[0], err[1], len(exp))
    ge, gg = [l.id for l in exp], [l.id for l in got]
    if ge == gg:
        return True, ""
    if sorted(ge) == sorted(gg):
        keys_e = [sm.sort_key(sort, l) for l in exp]
        keys_g = [sm.sort_key(sort, l) for l in got]
        why = "same leads, ties ordered differently" if keys_e == keys_g \
            else "same leads, order differs"
        first = next(k for k in range(len(ge)) if ge[k] != gg[k])
        return False, "%s: %s at position %d: expected %s, got %s" % (
            what, why, first, ge[first:first + 5], gg[first:first + 5])
    extra, missing = sorted(set(gg) - set(ge)), sorted(set(ge) - set(gg))
    dup = len(gg) - len(set(gg))
    by_id = {l.id: l for l in visible}
    shown = "".join("\n    %s lead: %s" % (kind, sm.describe_lead(by_id[ids[0]]))
                    for kind, ids in (("extra", extra), ("missing", missing))
                    if ids and ids[0] in by_id)
    return False, "%s: expected %d leads, got %d (%d extra e.g. %s, %d missing e.g. %s%s)%s" % (
        what, len(ge), len(gg), len(extra), extra[:5], len(missing), missing[:5],
        ", %d twice" % dup if dup else "", shown)


BUDGET_S = float(os.environ.get("LEADD_SEARCH_BUDGET_S", "75"))


def caller_deadline(started):
    return started + BUDGET_S


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, proto = sys.argv[1:3]
    seed = sm.seed_from_env("LEADD_SEARCH_SEED")
    rng = random.Random(seed)
    scale = sm.scale_from_env()
    n_leads = max(300, int(3000 * scale))
    n_random = max(20, int(90 * scale))
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
            ids = sm.create_leads(admin, rng, n_leads, people, status_ids)
            time.sleep(1.2)
            later_changes(admin, rng, ids, pb, people)
            world.refresh(admin)
            admin_leads = sm.page_all(admin, limit=1000)[0]
            all_ids = sorted(l.id for l in admin_leads)
            print("%d leads, set up in %.1f s" % (len(all_ids), time.time() - started))
            for name in CALLERS:
                if d.proc.poll() is not None:
                    break
                c = admin if name == "admin" else Client(pb, d.port, user=name, password=sm.PW)
                caller = world.users[name]
                visible, err, _ = sm.page_all(c, limit=rng.choice([37, 100, 1000]))
                res.record("%s: the unfiltered list pages to its end" % name, err is None,
                           str(err))
                check_visibility(res, world, name, c, visible, all_ids, admin_leads)
                fm = FilterMaker(pb, rng, world, visible or admin_leads, caller)
                plans = [[f] for f in FilterMaker.FIELDS]
                plans += [rng.sample(FilterMaker.FIELDS, rng.randint(2, 4))
                          for _ in range(n_random)]
                bad, ran = 0, 0
                for k, fields in enumerate(plans):
                    # A time budget bounds the run; the single-field filters
                    # (the first ones) always run.
                    if k >= len(FilterMaker.FIELDS) and time.time() > caller_deadline(started):
                        print("%s: time budget reached after %d filters" % (name, k))
                        break
                    ran += 1
                    f = fm.make(fields)
                    sort = rng.choice([0, 0, 1, 2, 3, 4, 5])
                    desc = rng.random() < 0.4
                    limit = rng.choice([7, 13, 50])
                    try:
                        ok, line = run_filter(c, world, caller, visible, f, sort, desc, limit)
                    except (EOFError, OSError) as e:
                        # leadd died or dropped us: name the filter, stop.
                        res.record("leadd answers every filter", False, "%s as %s limit %d: %r"
                                   % (sm.describe(f, sort, desc), name, limit, e))
                        raise
                    if not ok:
                        bad += 1
                        print("MISMATCH " + line)
                # Terms on many leads (a query prefix, a tag, a source),
                # with every sort: the plans where such a term drives.
                for f in wide_filters(pb, visible):
                    for sort in range(6):
                        for desc in (False, True):
                            ok, line = run_filter(c, world, caller, visible, f, sort, desc, 50)
                            if not ok:
                                bad += 1
                                print("MISMATCH " + line)
                            ran += 1
                res.record("%s: %d filters equal the reference" % (name, ran), bad == 0,
                           "%d mismatches" % bad if bad else "")
                # Every sort, both directions, unfiltered.
                for sort in range(6):
                    for desc in (False, True):
                        ok, line = run_filter(c, world, caller, visible, pb.LeadFilter(), sort,
                                              desc, 97)
                        res.record("%s: unfiltered list sorted %d%s" % (
                            name, sort, " desc" if desc else ""), ok, line)
                if c is not admin:
                    c.close()
            # Filters that select nothing judge little: say how many there were.
            print("%d filters run, %d of them expected to select no lead"
                  % (STATS["filters"], STATS["empty"]))
            # What the server must refuse.
            f = pb.LeadFilter(statuses=["lead-"])
            _, err, _ = sm.page_all(admin, f)
            res.record("an ambiguous status prefix is refused with INVALID_ARGUMENT",
                       err is not None and err[0] == 3, str(err))
            f = pb.LeadFilter(value_min=1)
            _, err, _ = sm.page_all(admin, f)
            res.record("value bounds without a currency are refused with INVALID_ARGUMENT",
                       err is not None and err[0] == 3, str(err))
            admin.close()
        except (EOFError, OSError):
            pass  # recorded with the filter that was running
        finally:
            res.stop_and_verify(d, "search reference")
    print("%.1f s" % (time.time() - started))
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
