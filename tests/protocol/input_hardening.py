#!/usr/bin/python3
"""What a client may put in text and money fields, against a real leadd
(issue 8, "Leaks and wrong answers" and "The docs say what the server does"):

- one-line fields refuse control characters (ESC sequences, OSC 52, BEL,
  DEL), C1 controls, bidi overrides and line breaks; a description keeps
  newline and tab but refuses the rest;
- a NUL byte inside any string (sent as raw protobuf bytes) is refused
  with INVALID_ARGUMENT instead of being cut off silently;
- messages name fields and requests as a person would ("the title is 250
  bytes long (at most 200)", "assigning leads needs the manager role or
  higher"), never by their protobuf names;
- client folders fold by Unicode rules: "Maison Lefèvre SA", "MAISON
  LEFÈVRE SA" and a full-width spelling are one folder;
- user and team names are unique whatever their case; login finds a user
  whatever case is typed;
- money: ISO 4217 codes from the table (unknown refused), a value is never
  negative, and clear_value removes it.

Usage: input_hardening.py LEADD_BINARY PROTO_DIR
leadd ends stopped (SIGTERM, exit 0) with `leadd verify` passing.
"""
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, Client, Leadd, LoginRefused, load_pb  # noqa: E402
from leadd_harness import Results  # noqa: E402

PW = "hardening-pw-1"
results = Results()
record = results.record
INTERNAL_NAMES = ("lead_create", "lead_update", "lead_assign", "user_add", "to_user",
                  "amount_minor", "LeadCreateRequest", "expected_version")


def refused(pb, r, *words):
    """INVALID_ARGUMENT whose message holds every word and no internal name."""
    return (r.code == pb.INVALID_ARGUMENT and all(w in r.message for w in words)
            and not any(n in r.message for n in INTERNAL_NAMES))


def show(pb, r):
    return "%s '%s'" % (pb.Code.Name(r.code), r.message)


def create(c, title, **fields):
    """lead_create owned by the admin; list fields are extended."""
    def fill(q):
        q.lead_create.title = title
        q.lead_create.owner = ADMIN
        for k, v in fields.items():
            if isinstance(v, list):
                getattr(q.lead_create, k).extend(v)
            else:
                setattr(q.lead_create, k, v)
    return c.call(fill)


def control_characters(pb, c):
    bad_titles = {
        "ESC clear screen": "Acme\x1b[2J\x1b[H",
        "OSC 0 window title": "Acme\x1b]0;pwned\x07",
        "OSC 52 clipboard": "Acme\x1b]52;c;cm0gLXJmIH4=\x07",
        "BEL": "ding\x07",
        "DEL": "Acme\x7f",
        "C1 CSI U+009B": "Acme\u009b2J",
        "bidi override U+202E": "invoice\u202Efdp.exe",
        "bidi isolate U+2066": "a\u2066b",
        "newline": "two\nlines",
        "carriage return": "over\rwrite",
        "tab": "a\tb",
    }
    for what, title in bad_titles.items():
        r = create(c, title)
        record("a title with %s is refused" % what, refused(pb, r, "the title"), show(pb, r))
    r = create(c, "ok", tags=["hot\x1b[31m"])
    record("a tag with ESC is refused", refused(pb, r, "tag 1"), show(pb, r))

    def contact(q):
        q.lead_create.title = "contact"
        q.lead_create.owner = ADMIN
        ct = q.lead_create.contacts.add()
        ct.name = "Ann"
        ct.email = "ann@example.com\x1b[8m"
    r = c.call(contact)
    record("a contact's email with ESC is refused",
           refused(pb, r, "contact 1", "the email address"), show(pb, r))
    r = create(c, "multi-line description", description="line 1\nline 2\n\tindented")
    record("a description keeps newline and tab", r.code == pb.OK and
           r.lead.lead.description == "line 1\nline 2\n\tindented", show(pb, r))
    r = create(c, "escape in description", description="line 1\n\x1b]52;c;eA==\x07")
    record("a description with OSC 52 is refused", refused(pb, r, "the description"),
           show(pb, r))
    r = create(c, "Lef\u00e8vre \u2014 \u65e5\u672c \U0001F600 caf\u00e9\u00a0ok")
    record("ordinary Unicode titles pass", r.code == pb.OK, show(pb, r))


def request_bytes(pb, fill):
    q = pb.Request(id=99)
    fill(q)
    return q.SerializeToString()


def call_raw(c, body):
    c.sock.sendall(struct.pack(">I", len(body)) + body)
    return c.recv()


def nul_bytes(pb, c):
    cases = {
        "the title": lambda q: (setattr(q.lead_create, "title", "Acme\x00\x1b[2J"),
                                setattr(q.lead_create, "owner", ADMIN)),
        "the description": lambda q: (setattr(q.lead_create, "title", "t"),
                                      setattr(q.lead_create, "owner", ADMIN),
                                      setattr(q.lead_create, "description", "a\x00b")),
        "a tag": lambda q: (setattr(q.lead_create, "title", "t"),
                           setattr(q.lead_create, "owner", ADMIN),
                           q.lead_create.tags.extend(["ok", "n\x00ul"])),
        "the contact's name": lambda q: (setattr(q.lead_create, "title", "t"),
                                         setattr(q.lead_create, "owner", ADMIN),
                                         setattr(q.lead_create.contacts.add(), "name",
                                                 "Ann\x00")),
    }
    for field, fill in cases.items():
        body = request_bytes(pb, fill)
        assert b"\x00" in body.split(b"\x12", 1)[-1] or b"\x00" in body
        r = call_raw(c, body)
        record("a NUL inside %s (raw bytes) is INVALID_ARGUMENT" % field,
               refused(pb, r, field, "NUL"), show(pb, r))
    # Hand-made frame, no library involved: Request{id=7, lead_create{title="A\0B"}}.
    title = b"\x0a\x03A\x00B"            # field 1 (title), length 3
    owner = b"\x52" + bytes([len(ADMIN)]) + ADMIN.encode()  # field 10 (owner)
    inner = title + owner
    body = b"\x08\x07" + bytes([0xa2, 0x01, len(inner)]) + inner  # Request.lead_create = 20
    r = call_raw(c, body)
    record("a hand-made frame with a NUL in the title is refused",
           refused(pb, r, "the title", "NUL") and r.id == 7, show(pb, r))
    # The connection is still usable and nothing was stored.
    r = c.call(lambda q: q.lead_list.SetInParent())
    stored = [l.title for l in r.lead_list.leads]
    record("no lead with a cut title was stored",
           r.code == pb.OK and "Acme" not in stored and "A" not in stored, repr(stored))


def human_messages(pb, c, d):
    r = create(c, "x" * 250)
    record("an over-long title names the field as a person would",
           r.code == pb.INVALID_ARGUMENT and
           r.message == "the title is 250 bytes long (at most 200)", show(pb, r))
    r = create(c, "many tags", tags=["t%d" % i for i in range(51)])
    record("too many tags says so in words", refused(pb, r, "too many tags: 51 (at most 50)"),
           show(pb, r))
    rep = Client(pb, d.port, user="rita", password=PW)
    r = rep.call(lambda q: (setattr(q.lead_assign, "id", 1),
                            setattr(q.lead_assign, "to_user", ADMIN)))
    record("a rep assigning is told in words",
           r.code == pb.PERMISSION_DENIED and
           r.message == "assigning leads needs the manager role or higher", show(pb, r))
    r = rep.call(lambda q: setattr(q.user_add, "name", "nobody"))
    record("a rep adding a user is told in words",
           r.code == pb.PERMISSION_DENIED and r.message == "adding users needs the admin role",
           show(pb, r))
    rep.close()
    r = c.call(lambda q: (setattr(q.lead_bulk_assign, "from_user", "rita")))
    record("bulk assign without a target says so in words",
           r.code == pb.INVALID_ARGUMENT and "to_user" not in r.message, show(pb, r))
    r = c.call(lambda q: setattr(q.lead_assign, "id", 1))
    record("assign without a target says so in words",
           r.code == pb.INVALID_ARGUMENT and "to_pool" not in r.message and
           "round_robin" not in r.message, show(pb, r))


def folders(pb, c):
    spellings = ["Maison Lef\u00e8vre SA", "MAISON LEF\u00c8VRE SA", "maison lefe\u0300vre  sa",
                 "\uff2d\uff21\uff29\uff33\uff2f\uff2e Lef\u00e8vre SA"]
    ids = []
    names = []
    for s in spellings:
        r = create(c, "folder test", client_name=s)
        if r.code != pb.OK:
            record("lead with client %r is created" % s, False, show(pb, r))
            return
        ids.append(r.lead.lead.client_id)
        names.append(r.lead.lead.client_name)
    record("one folder for every case and Unicode form of a name", len(set(ids)) == 1,
           "ids %s" % ids)
    record("the folder keeps the name as first written",
           set(names) == {"Maison Lef\u00e8vre SA"}, repr(names))
    # From schema 8 a folder's key drops accents, spaces and punctuation too.
    r = create(c, "other", client_name="Maison Lefevre S.A.")
    record("an unaccented, punctuated spelling is the same folder",
           r.code == pb.OK and r.lead.lead.client_id == ids[0], show(pb, r))


def users_and_teams(pb, c, d):
    def add(name, password=PW):
        return c.call(lambda q: (setattr(q.user_add, "name", name),
                                 setattr(q.user_add, "role", pb.ROLE_REP),
                                 setattr(q.user_add, "password", password)))
    r = add("Tom")
    record("user Tom is added", r.code == pb.OK, show(pb, r))
    for other in ("tom", "TOM"):
        r = add(other)
        record("user %s is refused beside Tom" % other,
               r.code == pb.ALREADY_EXISTS and "Tom" in r.message, show(pb, r))
    try:
        t = Client(pb, d.port, user="tOM", password=PW)
        record("login as tOM finds Tom", t.user.name == "Tom", t.user.name)
        t.close()
    except LoginRefused as e:
        record("login as tOM finds Tom", False, str(e))
    r = c.call(lambda q: setattr(q.team_add, "name", "Sales"))
    record("team Sales is added", r.code == pb.OK, show(pb, r))
    r = c.call(lambda q: setattr(q.team_add, "name", "SALES"))
    record("team SALES is refused beside Sales", r.code == pb.ALREADY_EXISTS, show(pb, r))
    r = create(c, "owned by tom", owner="tom")
    record("owner names match whatever the case", r.code == pb.OK, show(pb, r))


def money(pb, c):
    def create(amount, currency):
        def fill(q):
            q.lead_create.title = "money %s %s" % (amount, currency)
            q.lead_create.owner = ADMIN
            q.lead_create.value.amount_minor = amount
            q.lead_create.value.currency = currency
        return c.call(fill)
    for amount, cur in ((5000, "JPY"), (12345, "BHD"), (123450, "EUR")):
        r = create(amount, cur)
        record("%d %s is stored" % (amount, cur),
               r.code == pb.OK and r.lead.lead.value.amount_minor == amount, show(pb, r))
    for cur in ("XYZ", "eur", "XAU", "EU"):
        r = create(100, cur)
        record("currency %r is refused" % cur, refused(pb, r, "currency"), show(pb, r))
    r = create(-100, "EUR")
    record("a negative value is refused", refused(pb, r, "negative"), show(pb, r))
    lead = create(5000, "JPY").lead.lead

    def update(**kw):
        def fill(q):
            q.lead_update.id = lead.id
            q.lead_update.expected_version = kw.pop("version")
            for k, v in kw.items():
                if k == "value":
                    q.lead_update.value.amount_minor = v[0]
                    q.lead_update.value.currency = v[1]
                else:
                    setattr(q.lead_update, k, v)
        return c.call(fill)
    r = update(version=lead.version, value=(-1, "JPY"))
    record("an update to a negative value is refused", refused(pb, r, "negative"),
           show(pb, r))
    r = update(version=lead.version, value=(1, "JPY"), clear_value=True)
    record("setting and clearing the value at once is refused",
           r.code == pb.INVALID_ARGUMENT, show(pb, r))
    r = update(version=lead.version, clear_value=True)
    record("clear_value removes the value",
           r.code == pb.OK and not r.lead.lead.HasField("value"), show(pb, r))
    got = c.call(lambda q: setattr(q.lead_get, "id", lead.id))
    record("the value stays cleared", got.code == pb.OK and not got.lead.lead.HasField("value"),
           show(pb, got))


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        d = Leadd(binary, tmp).start()
        try:
            c = Client(pb, d.port)
            r = c.call(lambda q: (setattr(q.user_add, "name", "rita"),
                                  setattr(q.user_add, "role", pb.ROLE_REP),
                                  setattr(q.user_add, "password", PW)))
            assert r.code == pb.OK, r
            control_characters(pb, c)
            nul_bytes(pb, c)
            human_messages(pb, c, d)
            folders(pb, c)
            users_and_teams(pb, c, d)
            money(pb, c)
            c.close()
        finally:
            rc = d.stop()
            record("leadd stops cleanly", rc == 0, "exit %s" % rc)
            record("leadd verify passes", d.verify() == 0)
    return results.summary("checks")


if __name__ == "__main__":
    sys.exit(main())
