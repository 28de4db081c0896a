"""The search engine's meaning, written again in Python from issue 9 and
proto/leadd.proto, so the protocol tests can judge leadd's answers from
outside: folding, what each LeadFilter field matches, sort orders, who sees
which lead, and a world of teams, users and random leads to run them on.

Shared by search_reference.py, search_paging.py and search_random_verify.py.
Nothing here reads the server's code: where the issue or the schema leaves a
choice open, the choice is named in a comment so a mismatch can be judged."""
import os
import random
import re
import sys
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import NEEDS_REASON_IDS  # noqa: E402
from leadd_harness import ADMIN, ok_call, add_user, add_team, pipeline  # noqa: E402

PW = "search-model-pw-1"
KPI_CLASS_WORDS = {"new": 1, "qualified": 2, "dead": 3, "prospect": 4, "lost": 5, "won": 6}

# ---- folding -------------------------------------------------------------


def _strip_marks(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def fold_word(s):
    """ld_norm_word: NFKC, case folded, accents stripped (at most 64 bytes)."""
    s = unicodedata.normalize("NFKC", s).casefold()
    s = unicodedata.normalize("NFC", _strip_marks(unicodedata.normalize("NFKC", s)))
    return s.encode()[:64].decode("utf-8", "ignore")


def fold_name(s):
    """ld_norm_name: NFKC, case folded, trimmed, inner whitespace runs made
    one space; accents kept (tags, user and team names)."""
    s = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", s).casefold())
    return " ".join(s.split())


def fold_text(s):
    """Case and accents folded, spaces kept (titles for SORT_TITLE; sources,
    which proto/leadd.proto says are matched "case and accents folded")."""
    return " ".join(fold_word(w) for w in s.split())


WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"}


def words_of(text):
    """ld_norm_words: the text folded, cut into runs of letters and digits
    (each at most 64 bytes). Query text is cut the same way."""
    out, cur = [], []
    for ch in fold_word_full(text) + " ":
        if unicodedata.category(ch) in WORD_CATEGORIES:
            cur.append(ch)
        elif cur:
            out.append("".join(cur).encode()[:64].decode("utf-8", "ignore"))
            cur = []
    return out


def client_key(s):
    """client_name_key (schema 8): folded as a search word, then only its
    letters and digits, so "Maison Lefevre S.A." is "Maison Lefèvre SA"."""
    return "".join(ch for ch in fold_word_full(s) if unicodedata.category(ch) in WORD_CATEGORIES)


def fold_word_full(s):
    """fold_word without the 64-byte cut."""
    s = unicodedata.normalize("NFKC", s).casefold()
    return unicodedata.normalize("NFC", _strip_marks(unicodedata.normalize("NFKC", s)))


def lead_words(lead):
    """The words a query word may be a prefix of: those of the title, the
    client name, each contact's name, email ("ana.ruiz@acme.io" is ana, ruiz,
    acme, io) and phone (as written, and as its digits without the '+')."""
    words = set()
    texts = [lead.title, lead.client_name]
    for c in lead.contacts:
        texts += [c.name, c.email, c.phone]
    for t in texts:
        words.update(words_of(t))
    for c in lead.contacts:
        digits = re.sub(r"\D", "", c.phone)
        if len(digits) >= 3:
            words.add(digits)
    return words


# ---- statuses, visibility ------------------------------------------------


class World:
    """What the tests know of the server: statuses, users, teams."""

    def __init__(self, admin):
        self.statuses = list(ok_call(admin, lambda q: q.status_list.SetInParent(),
                                     "status_list").status_list.statuses)
        self.status_by_id = {s.id: s for s in self.statuses}
        self.refresh(admin)

    def refresh(self, admin):
        self.users = {u.name: u for u in ok_call(admin, lambda q: q.user_list.SetInParent(),
                                                   "user_list").user_list.users}
        self.user_by_id = {u.id: u for u in self.users.values()}
        self.teams = {t.name: t for t in ok_call(admin, lambda q: q.team_list.SetInParent(),
                                                   "team_list").team_list.teams}
        self.team_by_id = {t.id: t for t in self.teams.values()}

    def status_ids(self, word):
        """What one `statuses` item means: a KPI class word (every status of
        that class), else a status name, else a unique prefix of one, else
        the start of exactly one class word; case and Unicode form ignored. None when a prefix is ambiguous (refused
        with INVALID_ARGUMENT), "unknown" when it names nothing (NOT_FOUND)."""
        w = fold_name(word)
        if w in KPI_CLASS_WORDS:
            return {s.id for s in self.statuses if s.kpi_class == KPI_CLASS_WORDS[w]}
        exact = [s.id for s in self.statuses if fold_name(s.name) == w]
        if exact:
            return set(exact)
        pref = [s.id for s in self.statuses if fold_name(s.name).startswith(w)]
        if len(pref) > 1:
            return None
        if pref:
            return set(pref)
        # Else the start of exactly one class word ("qual").
        classes = [c for word, c in KPI_CLASS_WORDS.items() if word.startswith(w)]
        if len(classes) == 1:
            return {s.id for s in self.statuses if s.kpi_class == classes[0]}
        return "unknown"

    def managed_teams(self, user):
        """The teams whose leads a manager sees: those listing them as a
        manager, plus their own."""
        out = {t.id for t in self.teams.values() if user.id in t.manager_ids}
        if user.team_id:
            out.add(user.team_id)
        return out

    def may_see(self, user, lead):
        """docs/protocol.md 2.1, Who sees which lead."""
        if user.role == 3 or (lead.owner_id and lead.owner_id == user.id):
            return True
        if not lead.owner_id:
            if user.role == 2:
                return lead.team_id in self.managed_teams(user)
            t = self.team_by_id.get(lead.team_id)
            return user.team_id == lead.team_id and t is not None and t.pool_visible
        if user.role < 2:
            return False
        owner = self.user_by_id.get(lead.owner_id)
        return owner is not None and owner.team_id in self.managed_teams(user)

    def caller_teams(self, user):
        """Teams whose names a caller may use in a filter."""
        if user.role == 3:
            return set(self.team_by_id)
        if user.role == 2:
            return self.managed_teams(user)
        return {user.team_id} if user.team_id else set()


# ---- filters -------------------------------------------------------------


def validate(world, f):
    """Raise ValueError for a filter the server must refuse with
    INVALID_ARGUMENT, LookupError for one naming a status that does not
    exist (NOT_FOUND); docs/protocol.md, lead_list."""
    for w in f.statuses:
        got = world.status_ids(w)
        if got is None:
            raise ValueError("status %r names no single status" % w)
        if got == "unknown":
            raise LookupError("no status %r" % w)
    if f.HasField("no_next") and f.no_next and f.HasField("next_before"):
        raise ValueError("no_next with next_before")
    if f.HasField("idle_ms") and f.idle_ms < 0:
        raise ValueError("negative idle_ms")
    if f.HasField("query") and (not words_of(f.query) or len(words_of(f.query)) > 16):
        raise ValueError("a query without words or with more than 16")
    if f.HasField("value_min") and f.HasField("value_max") and f.value_min > f.value_max:
        raise ValueError("value_min over value_max")
    if f.HasField("value_min") or f.HasField("value_max"):
        if not f.HasField("value_currency"):
            raise ValueError("value bounds without a currency")


def matches(world, caller, f, lead, now_ms=None):
    """Whether `lead` passes LeadFilter `f` for `caller` (visibility is the
    caller's list, applied before). now_ms: the server's now, for idle_ms.
    The filter has passed validate()."""
    if f.statuses:
        ids = set()
        for w in f.statuses:
            ids |= world.status_ids(w)
        if lead.status_id not in ids:
            return False
    if f.HasField("mine") and f.mine and lead.owner_id != caller.id:
        return False
    if f.owners:
        ids = set()
        for o in f.owners:
            u = world.users.get(o) or next((u for u in world.users.values()
                                             if u.name.lower() == o.lower()), None)
            if u is not None:
                ids.add(u.id)
        if lead.owner_id not in ids:
            return False
    if f.HasField("team"):
        t = next((t for t in world.teams.values() if t.name.lower() == f.team.lower()), None)
        if t is None or lead.team_id != t.id:
            return False
    if f.HasField("pool") and f.pool and lead.owner_id != 0:
        return False
    if f.HasField("client"):
        if not lead.client_name or client_key(lead.client_name) != client_key(f.client):
            return False
    if f.tags:
        have = {fold_name(t) for t in lead.tags}
        if not all(fold_name(t) in have for t in f.tags):
            return False
    if f.HasField("query"):
        words = lead_words(lead)
        for q in words_of(f.query):
            if not any(w.startswith(q) for w in words):
                return False
    if f.HasField("value_min") or f.HasField("value_max"):
        if not lead.HasField("value") or lead.value.currency != f.value_currency:
            return False
        if f.HasField("value_min") and lead.value.amount_minor < f.value_min:
            return False
        if f.HasField("value_max") and lead.value.amount_minor > f.value_max:
            return False
    if f.HasField("created_since") and lead.created_at < f.created_since:
        return False
    if f.HasField("created_before") and lead.created_at >= f.created_before:
        return False
    if f.HasField("updated_since") and lead.updated_at < f.updated_since:
        return False
    if f.HasField("next_before") and not (0 < lead.next_action_at < f.next_before):
        return False
    if f.HasField("no_next") and f.no_next and lead.next_action_at != 0:
        return False
    if f.HasField("idle_ms") and lead.updated_at > now_ms - f.idle_ms:
        return False
    if f.HasField("source"):
        # "folded like names" (docs/protocol.md lead_list): accents kept.
        # proto/leadd.proto's comment says "case and accents folded".
        if not lead.source or fold_name(lead.source) != fold_name(f.source):
            return False
    return True


def describe_lead(lead):
    """A lead on one line, without its description (what filters look at)."""
    from google.protobuf import text_format
    l = type(lead)()
    l.CopyFrom(lead)
    l.ClearField("description")
    return text_format.MessageToString(l, as_one_line=True, as_utf8=True)


def sort_key(sort, lead):
    """(missing, key): missing leads (no value, no next action) go last
    whatever the direction."""
    if sort == 1:
        return (0, lead.created_at)
    if sort == 2:
        return (0, lead.updated_at)
    if sort == 3:
        return (0, (lead.value.currency, lead.value.amount_minor)) if lead.HasField("value") \
            else (1, None)
    if sort == 4:
        return (0, lead.next_action_at) if lead.next_action_at else (1, None)
    if sort == 5:
        return (0, fold_text(lead.title).encode()[:64])
    return (0, lead.id)


def expected_order(leads, sort, desc):
    """Sorted by the key, ties by id; desc reverses both, missing keys last.
    (Tie order under desc is our reading: the schema does not say.)"""
    have = [l for l in leads if sort_key(sort, l)[0] == 0]
    miss = [l for l in leads if sort_key(sort, l)[0] == 1]
    have.sort(key=lambda l: (sort_key(sort, l)[1], l.id), reverse=bool(desc))
    miss.sort(key=lambda l: l.id, reverse=bool(desc))
    return have + miss


def describe(f, sort=0, desc=False):
    """A filter as one line a person can read and paste."""
    from google.protobuf import text_format
    s = text_format.MessageToString(f, as_one_line=True, as_utf8=True) or "(no filter)"
    return "%s sort=%d%s" % (s, sort, " desc" if desc else "")


def page_all(c, f=None, sort=0, desc=False, limit=50, max_pages=100000, between=None):
    """Every lead of a filtered list, page by page. Returns (leads, error,
    revisions): error is (code, message) of a refused page (leads so far
    kept). between(): called after each page (the paging test's pause)."""
    out, cursor, revs, seen_cursors = [], None, [], set()
    for _ in range(max_pages):
        def fill(q):
            q.lead_list.limit = limit
            if f is not None:
                q.lead_list.filter.CopyFrom(f)
            if sort:
                q.lead_list.sort = sort
            if desc:
                q.lead_list.desc = True
            if cursor:
                q.lead_list.cursor = cursor
        r = c.call(fill)
        if r.code != 0:
            return out, (r.code, r.message), revs
        out.extend(r.lead_list.leads)
        revs.append(r.lead_list.revision)
        cursor = r.lead_list.cursor
        if not cursor:
            return out, None, revs
        if cursor in seen_cursors:
            return out, (-1, "the same cursor came back twice: %r" % cursor), revs
        seen_cursors.add(cursor)
        if between:
            between()
    return out, (-1, "more than %d pages" % max_pages), revs


def server_now(c):
    """The server's clock (PingReply.server_time) in unix ms."""
    return ok_call(c, lambda q: q.ping.SetInParent(), "ping").ping.server_time


# ---- the world the tests run in -------------------------------------------

TITLE_WORDS = ["Refonte", "site", "Lefèvre", "Lefevre", "ÉCOLE", "école", "Straße", "naïve",
               "Crème", "brûlée", "Œuvre", "Ångström", "piñata", "Zürich", "Renouvellement",
               "contrat", "licences", "audit", "sécurité", "migration", "Cloud", "façade",
               "Noël", "ﬁnance", "Müller", "entrepôt", "logistique", "formation", "Société",
               "Générale", "réseau", "Ærø", "café", "CAFÉ", "cafe", "déploiement", "2026",
               "lot", "phase", "Île", "Ôtel", "équipe", "Mañana", "über"]
CLIENTS = ["Maison Lefèvre SA", "MAISON LEFÈVRE SA", "maison  lefèvre sa", "Maison Lefevre SA",
           "Dupont et Fils", "DUPONT ET FILS", "Café de Flore", "Cafe de Flore",
           "Bäckerei Müller", "Straße GmbH", "STRASSE gmbh", "Acme Corp", "ACME corp",
           "Zürich Versicherung", "Société Générale", "Ærø Shipping", "Île Verte"]
FIRST = ["Élodie", "Jérôme", "François", "Zoë", "Björn", "Mañuel", "Chloé", "Hélène", "Søren",
         "Anaïs", "Jean", "Marie", "Paul", "Ines"]
LAST = ["Dupré", "Lefèvre", "Müller", "García", "Nuñez", "Martin", "Bernard", "Øster",
        "Dubois", "Moreau", "Lambert", "Weiß"]
TAGS = ["VIP", "vip", "Vip", "café", "Café", "CAFÉ", "cafe", "agency:Publicis",
        "AGENCY:publicis", "Straße", "STRASSE", "hot", "Hot lead", "hot  lead", "Noël",
        "noel", "renewal", "Q4", "q4", "partner"]
SOURCES = ["Salon", "salon", "Web", "WEB", "Référence", "reference", "LinkedIn", "linkedin",
           "Café pro", ""]
CURRENCIES = ["EUR", "USD"]


def ascii_fold(s):
    return _strip_marks(s).replace("ß", "ss").replace("ø", "o").replace("Ø", "O").lower()


def random_contacts(rng):
    out = []
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        c = {"name": "%s %s" % (first, last)}
        if rng.random() < 0.7:
            dom = rng.choice(["maison-lefevre.fr", "acme.com", "cafe-flore.fr", "mueller.de",
                              "example.org"])
            c["email"] = "%s.%s%d@%s" % (ascii_fold(first), ascii_fold(last).replace(" ", ""),
                                         rng.randrange(100), dom)
            if rng.random() < 0.2:
                c["email"] = c["email"].upper()
        if rng.random() < 0.6:
            c["phone"] = rng.choice(["+33 1 %02d %02d %02d %02d", "06.%02d.%02d.%02d.%02d",
                                     "+49 (30) %02d%02d-%02d%02d"]) % tuple(
                rng.randrange(100) for _ in range(4))
        out.append(c)
    return out


def random_tags(rng):
    tags, folded = [], set()
    if rng.random() < 0.4:
        # One tag on many leads: a term too wide to be the cheap one.
        t = rng.choice(["partner", "Partner", "PARTNER"])
        tags.append(t)
        folded.add(fold_name(t))
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
        t = rng.choice(TAGS)
        if fold_name(t) not in folded:
            folded.add(fold_name(t))
            tags.append(t)
    return tags


def random_title(rng, n):
    return " ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(1, 4))) + " %d" % n


def fill_create(rng, n, owners, pools, now_ms, status_ids):
    """A LeadCreateRequest filler for a random lead owned by one of `owners`
    or in one of `pools` (team names)."""
    title = random_title(rng, n)
    owner = rng.choice(owners) if rng.random() < 0.8 or not pools else None
    team = rng.choice(pools) if owner is None else None
    client = rng.choice(CLIENTS) if rng.random() < 0.7 else None
    value = (rng.choice(CURRENCIES), rng.randrange(0, 5000000)) if rng.random() < 0.75 else None
    source = rng.choice(SOURCES) if rng.random() < 0.6 else rng.choice(["Web", "WEB", "web"])
    tags = random_tags(rng)
    contacts = random_contacts(rng)
    status = rng.choice(status_ids)
    nxt = now_ms + rng.randrange(-30, 30) * 86400000 + rng.randrange(86400000) \
        if rng.random() < 0.6 else 0

    def fill(q):
        lc = q.lead_create
        lc.title = title
        if owner:
            lc.owner = owner
        if team:
            lc.team = team
        if client:
            lc.client_name = client
        if value:
            lc.value.currency, lc.value.amount_minor = value
        if source:
            lc.source = source
        lc.tags.extend(tags)
        for c in contacts:
            ct = lc.contacts.add()
            for k, v in c.items():
                setattr(ct, k, v)
        if status not in NEEDS_REASON_IDS:  # a new lead cannot start dead or lost
            lc.status_id = status
        if nxt:
            lc.next_action_at = nxt
    return fill


def fill_update(rng, lead, n):
    """A LeadUpdateRequest filler changing one to three fields of `lead`."""
    kinds = rng.sample(["title", "value", "clear_value", "tags", "next", "client", "source",
                        "contacts"], rng.randint(1, 3))
    if "value" in kinds and "clear_value" in kinds:
        kinds.remove("clear_value")
    if "clear_value" in kinds and not lead.HasField("value"):
        kinds.remove("clear_value")
    if not kinds:
        kinds = ["title"]
    title = random_title(rng, n)
    value = (rng.choice(CURRENCIES), rng.randrange(0, 5000000))
    tags = random_tags(rng)
    nxt = int(time.time() * 1000) + rng.randrange(-30, 30) * 86400000 if rng.random() < 0.8 \
        else 0
    client = rng.choice(CLIENTS + [""])
    source = rng.choice(SOURCES)
    contacts = random_contacts(rng)

    def fill(q):
        u = q.lead_update
        u.id, u.expected_version = lead.id, lead.version
        if "title" in kinds:
            u.title = title
        if "value" in kinds:
            u.value.currency, u.value.amount_minor = value
        if "clear_value" in kinds:
            u.clear_value = True
        if "tags" in kinds:
            u.tags.SetInParent()
            u.tags.items.extend(tags)
        if "next" in kinds:
            u.next_action_at = nxt
        if "client" in kinds:
            u.client_name = client
        if "source" in kinds:
            u.source = source
        if "contacts" in kinds:
            u.contacts.SetInParent()
            for c in contacts:
                ct = u.contacts.items.add()
                for k, v in c.items():
                    setattr(ct, k, v)
    return fill


def build_people(admin, pb):
    """Two teams: alpha (pool visible to its reps; manager mgr_a; reps
    rep_a1..a3) and beta (pool hidden; manager mgr_b; reps rep_b1, rep_b2);
    boss manages both. Returns the user names by role."""
    add_user(admin, "mgr_a", pb.ROLE_MANAGER, password=PW)
    add_user(admin, "mgr_b", pb.ROLE_MANAGER, password=PW)
    add_user(admin, "boss", pb.ROLE_MANAGER, password=PW)
    add_team(admin, "alpha", managers=["mgr_a", "boss"], pool_visible=True)
    add_team(admin, "beta", managers=["mgr_b", "boss"])
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "mgr_a"),
                              setattr(q.user_edit, "team", "alpha")), "user_edit mgr_a")
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "mgr_b"),
                              setattr(q.user_edit, "team", "beta")), "user_edit mgr_b")
    reps = {"alpha": ["rep_a1", "rep_a2", "rep_a3"], "beta": ["rep_b1", "rep_b2"]}
    for team, names in reps.items():
        for n in names:
            add_user(admin, n, pb.ROLE_REP, team=team, password=PW)
    return {"managers": ["mgr_a", "mgr_b", "boss"], "reps": reps["alpha"] + reps["beta"],
            "teams": ["alpha", "beta"]}


def create_leads(admin, rng, n, people, status_ids, start=0):
    """n random leads created by the admin (pipelined), owned by anyone
    (the admin too) or in a team's pool. Their ids."""
    owners = people["reps"] + people["managers"] + [ADMIN]
    now = int(time.time() * 1000)
    fills = [fill_create(rng, start + i, owners, people["teams"], now, status_ids)
             for i in range(n)]
    ids = []
    for i in range(0, n, 500):
        answers = pipeline(admin, fills[i:i + 500])
        bad = [a for a in answers if a.code != 0]
        if bad:
            raise RuntimeError("lead_create: %d refused, first: %d %s"
                               % (len(bad), bad[0].code, bad[0].message))
        ids.extend(a.lead.lead.id for a in answers)
    return ids


def seed_from_env(name):
    """The run's seed: $name if set, else a fresh one; printed first so a
    failing run can be repeated."""
    seed = int(os.environ.get(name) or random.SystemRandom().randrange(1 << 32))
    print("seed %d (set %s=%d to repeat this run)" % (seed, name, seed))
    sys.stdout.flush()
    return seed


def scale_from_env():
    """LEADD_SEARCH_SCALE (default 1): the share of the full counts and
    durations a run uses; the sanitizer build sets it lower."""
    return float(os.environ.get("LEADD_SEARCH_SCALE", "1"))
