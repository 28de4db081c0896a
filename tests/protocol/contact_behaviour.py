#!/usr/bin/python3
"""Contacts (issue 10): contact_add, contact_edit, contact_rm, contact_main
against a real leadd on 127.0.0.1.

Usage: contact_behaviour.py LEADD_BINARY PROTO_DIR

Checks: order (added last, --main first, main moves to the top and the
others keep their order); WHO as a position, an email (any case), a name
(folded), a name two contacts share (refused naming both positions), a
number that is a position even where a contact is named so, none (NOT_FOUND
with the hint); the 50 cap (the 51st refused, nothing written); left marked
and unmarked; "" clears a field, a contact left empty is refused; an email
twice on a lead is refused (add and edit); expected_version absent (current)
and stale (ABORTED); a contact edit racing a lead edit from the same version
(exactly one wins); no-ops keep the version; each change is one revision;
the word, email and phone indexes follow (lead_list query finds a new
contact, not a removed one); two adds at once of one email, or for the 50th
place (one wins); a note at its cap passes and one byte more is
refused, a multi-line note passes, control characters in a name are refused.
Ends with `leadd verify` passing."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, add_user, load_pb, ok_call, send_together  # noqa: E402

res = Results()
PW = "contact-pw-1"


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            run(pb, d)
        finally:
            res.stop_and_verify(d, "contact_behaviour")
    return res.summary()


def code_name(pb, code):
    return pb.Code.Name(code)


def run(pb, d):
    admin = Client(pb, d.port)
    add_user(admin, "rita", pb.ROLE_REP, password=PW)
    rita = Client(pb, d.port, user="rita", password=PW)

    def new_lead(title="Big sale", **contact):
        def fill(q):
            q.lead_create.title = title
            if contact:
                c = q.lead_create.contacts.add()
                for k, v in contact.items():
                    setattr(c, k, v)
        return ok_call(rita, fill, "lead_create").lead.lead

    def get(lid):
        return ok_call(rita, lambda q: setattr(q.lead_get, "id", lid), "lead_get").lead.lead

    def add(lid, main=None, version=None, c=rita, **contact):
        def fill(q):
            q.contact_add.lead_id = lid
            q.contact_add.contact.SetInParent()
            for k, v in contact.items():
                setattr(q.contact_add.contact, k, v)
            if main is not None:
                q.contact_add.main = main
            if version is not None:
                q.contact_add.expected_version = version
        return c.call(fill)

    def edit(lid, who, version=None, **fields):
        def fill(q):
            q.contact_edit.lead_id = lid
            q.contact_edit.who = who
            for k, v in fields.items():
                setattr(q.contact_edit, k, v)
            if version is not None:
                q.contact_edit.expected_version = version
        return rita.call(fill)

    def rm(lid, who, version=None):
        def fill(q):
            q.contact_rm.lead_id = lid
            q.contact_rm.who = who
            if version is not None:
                q.contact_rm.expected_version = version
        return rita.call(fill)

    def main_(lid, who, version=None):
        def fill(q):
            q.contact_main.lead_id = lid
            q.contact_main.who = who
            if version is not None:
                q.contact_main.expected_version = version
        return rita.call(fill)

    def names(lid):
        return [c.name for c in get(lid).contacts]

    def expect(what, r, code, contains=None):
        ok = r.code == code and (contains is None or contains in r.message)
        res.record(what, ok, "%s %r" % (code_name(pb, r.code), r.message))

    def query(words):
        def fill(q):
            q.lead_list.limit = 100
            q.lead_list.filter.query = words
        return [l.id for l in ok_call(rita, fill, "lead_list").lead_list.leads]

    # ---- order ----
    lead = new_lead(name="Ana Ruiz", role="CEO", email="ana@acme.io")
    lid = lead.id
    r = add(lid, name="Bob Stone", role="CFO", email="bob@acme.io", phone="+33 1 23 45 67 89")
    expect("contact_add: OK", r, pb.OK)
    res.record("contact_add answers the lead with the new contact last",
               [c.name for c in r.lead.lead.contacts] == ["Ana Ruiz", "Bob Stone"])
    res.record("contact_add is one revision", r.lead.lead.version == lead.version + 1,
               "%d -> %d" % (lead.version, r.lead.lead.version))
    add(lid, name="Chloé Martin", email="chloe@acme.io", note="prefers mornings")
    r = add(lid, name="Dan Main", phone="0612345678", main=True)
    res.record("contact_add main=true puts it first",
               names(lid) == ["Dan Main", "Ana Ruiz", "Bob Stone", "Chloé Martin"], str(names(lid)))
    v = get(lid).version
    r = main_(lid, "CHLOE@ACME.IO")
    expect("contact_main by email in another case", r, pb.OK)
    res.record("contact_main moves it to the top, the others keep their order",
               names(lid) == ["Chloé Martin", "Dan Main", "Ana Ruiz", "Bob Stone"], str(names(lid)))
    v = get(lid).version
    r = main_(lid, "1")
    expect("contact_main of the main one: OK", r, pb.OK)
    res.record("contact_main of the main one keeps the version", get(lid).version == v)

    # ---- WHO ----
    r = edit(lid, "  bob   STONE ", role="Finance")
    expect("WHO as a folded name", r, pb.OK)
    res.record("the name found the right contact", get(lid).contacts[3].role == "Finance")
    r = edit(lid, "2", role="Founder")
    res.record("WHO as a position", r.code == pb.OK and get(lid).contacts[1].role == "Founder")
    r = edit(lid, "nobody", role="x")
    expect("WHO that names no contact: NOT_FOUND with the hint", r, pb.NOT_FOUND,
           "lead %d has no contact 'nobody'; 'lead contact ls %d' lists them" % (lid, lid))
    r = edit(lid, "9", role="x")
    expect("a position past the last contact: NOT_FOUND", r, pb.NOT_FOUND, "no contact '9'")
    r = edit(lid, "", role="x")
    expect("WHO empty: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT, "say which contact")
    add(lid, name="Ana Ruiz", email="ana.other@acme.io")
    r = edit(lid, "ana ruiz", role="x")
    expect("a name two contacts share: refused naming both positions", r,
           pb.INVALID_ARGUMENT, "could be contact 3 or 5")
    r = edit(lid, "ana.other@acme.io", role="Buyer")
    res.record("the email tells the two apart",
               r.code == pb.OK and get(lid).contacts[4].role == "Buyer")
    # A contact named "1": the number is a position (the main contact).
    add(lid, name="1", email="one@acme.io")
    r = edit(lid, "1", note="who is 1?")
    res.record("a number is a position even where a contact is named so",
               r.code == pb.OK and get(lid).contacts[0].note == "who is 1?"
               and get(lid).contacts[5].note == "", str([c.note for c in get(lid).contacts]))
    r = edit(lid, "one@acme.io", note="by email")
    res.record("the contact named '1' is reached by its email",
               r.code == pb.OK and get(lid).contacts[5].note == "by email")

    # ---- email once per lead ----
    r = add(lid, name="Ana Twin", email="ANA@acme.io")
    expect("contact_add of an email on the lead: ALREADY_EXISTS naming it", r,
           pb.ALREADY_EXISTS, "contact 3 (Ana Ruiz)")
    r = edit(lid, "Bob Stone", email="chloe@acme.io")
    expect("contact_edit to another contact's email: ALREADY_EXISTS", r, pb.ALREADY_EXISTS,
           "contact 1 (Chloé Martin)")
    r = edit(lid, "Bob Stone", email="bob@acme.io")
    v = get(lid).version
    r = edit(lid, "Bob Stone", email="BOB@acme.io".lower(), role="Finance")
    res.record("an edit that changes nothing keeps the version",
               r.code == pb.OK and get(lid).version == v, "%s" % r.message)

    # ---- fields: clear, left, empty ----
    r = edit(lid, "Bob Stone", phone="")
    res.record("'' clears a field", r.code == pb.OK and not get(lid).contacts[3].HasField("phone"))
    r = edit(lid, "Dan Main", phone="")
    expect("a contact left with no name, email or phone... has a name: OK", r, pb.OK)
    r = edit(lid, "Dan Main", name="")
    expect("clearing the last of name/email/phone: refused", r, pb.INVALID_ARGUMENT,
           "contact 2 needs a name, an email or a phone")
    r = edit(lid, "bob@acme.io", left=True)
    c = get(lid).contacts[3]
    res.record("left=true marks the contact, kept in place", r.code == pb.OK and c.left and
               c.name == "Bob Stone")
    r = edit(lid, "bob@acme.io", left=False)
    res.record("left=false unmarks it", r.code == pb.OK and not get(lid).contacts[3].left)
    r = edit(lid, "bob@acme.io")
    expect("an edit with no field: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT, "changes nothing")
    r = add(lid, role="Intern")
    expect("contact_add with only a role: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT,
           "needs a name, an email or a phone")
    r = add(lid, name="Bad Mail", email="not-an-email")
    expect("contact_add with a bad email", r, pb.INVALID_ARGUMENT, "is not an email address")
    r = add(lid, name="Bad Phone", phone="12")
    expect("contact_add with a bad phone", r, pb.INVALID_ARGUMENT, "is not a phone number")
    r = rita.call(lambda q: setattr(q.contact_add, "lead_id", lid))
    expect("contact_add without a contact", r, pb.INVALID_ARGUMENT, "say who the contact is")

    # ---- bounds: note, control characters ----
    r = edit(lid, "Bob Stone", note="n" * 2000)
    expect("a note of 2000 bytes (the cap)", r, pb.OK)
    r = edit(lid, "Bob Stone", note="n" * 2001)
    expect("a note of 2001 bytes: refused", r, pb.INVALID_ARGUMENT, "note")
    r = add(lid, name="Eve", note="line one\nline two\ttabbed")
    expect("a multi-line note passes", r, pb.OK)
    r = add(lid, name="Mallory\x1b[31m", email="mallory@acme.io")
    expect("an escape sequence in a name: refused", r, pb.INVALID_ARGUMENT)
    r = edit(lid, "Eve", name="Eve\nNewline")
    expect("a newline in a name: refused", r, pb.INVALID_ARGUMENT)
    r = edit(lid, "Eve\x07", role="x")
    expect("a control character in WHO: refused", r, pb.INVALID_ARGUMENT)

    # ---- versions ----
    v = get(lid).version
    r = edit(lid, "Eve", role="Ops", version=v - 1)
    expect("a stale expected_version: ABORTED", r, pb.ABORTED,
           "changed since version %d (it is now at version %d)" % (v - 1, v))
    r = edit(lid, "Eve", role="Ops", version=v)
    expect("the current expected_version: OK", r, pb.OK)
    # A contact edit and a lead edit made from one version, sent together:
    # the writer runs them in order; exactly one wins.
    v = get(lid).version

    def contact_fill(q):
        q.contact_edit.lead_id = lid
        q.contact_edit.who = "Eve"
        q.contact_edit.role = "Racing"
        q.contact_edit.expected_version = v

    def lead_fill(q):
        q.lead_update.id = lid
        q.lead_update.expected_version = v
        q.lead_update.title = "Big sale (raced)"
    other = Client(pb, d.port, user="rita", password=PW)
    send_together(rita, [contact_fill])
    send_together(other, [lead_fill])
    a, b = rita.recv(), other.recv()
    res.record("a contact edit racing a lead edit: exactly one wins, the other ABORTED",
               sorted([a.code, b.code]) == sorted([pb.OK, pb.ABORTED]),
               "%s / %s" % (code_name(pb, a.code), code_name(pb, b.code)))
    l = get(lid)
    res.record("the winner's change is there, the loser's is not",
               (l.title == "Big sale (raced)") == (b.code == pb.OK) and
               (l.contacts[[c.name for c in l.contacts].index("Eve")].role == "Racing")
               == (a.code == pb.OK))
    other.close()

    # ---- indexes follow ----
    res.record("lead_list query finds a contact added later by email",
               query("chloe@acme.io") == [lid] and query("mallory") == [])
    add(lid, name="Zed Quasimodo", email="zed@quasi.example", phone="+44 20 7946 0958")
    res.record("a new contact's name, email and phone are searchable",
               query("quasimodo") == [lid] and query("quasi.example") == [lid]
               and query("442079460958") == [lid])
    r = rm(lid, "zed@quasi.example")
    expect("contact_rm by email", r, pb.OK)
    res.record("a removed contact is no longer found", query("quasimodo") == []
               and query("442079460958") == [])
    n_before = len(get(lid).contacts)
    r = rm(lid, "Zed Quasimodo")
    expect("contact_rm of a contact that is gone: NOT_FOUND", r, pb.NOT_FOUND)
    res.record("nothing removed", len(get(lid).contacts) == n_before)
    r = edit(lid, "Eve", note="a note is not indexed", left=True)
    res.record("note and left change no index (verify checks at the end)", r.code == pb.OK
               and query("indexed") == [])

    # ---- the 50 cap ----
    cap = new_lead("Fifty", name="C0")
    for i in range(1, 50):
        r = add(cap.id, name="C%d" % i, email="c%d@cap.example" % i)
        if r.code != pb.OK:
            res.record("49 more contacts", False, r.message)
            break
    v = get(cap.id).version
    r = add(cap.id, name="C50", email="c50@cap.example")
    expect("the 51st contact: FAILED_PRECONDITION", r, pb.FAILED_PRECONDITION,
           "has 50 contacts, the most a lead may have")
    res.record("nothing written by the refused 51st", get(cap.id).version == v
               and len(get(cap.id).contacts) == 50)
    r = main_(cap.id, "50")
    res.record("position 50 is a position", r.code == pb.OK and names(cap.id)[0] == "C49")
    r = edit(cap.id, "51", role="x")
    expect("position 51 is read as a name: NOT_FOUND", r, pb.NOT_FOUND, "no contact '51'")
    r = rm(cap.id, "c10@cap.example")
    r = add(cap.id, name="C50", email="c50@cap.example")
    expect("after a removal there is room again", r, pb.OK)
    # lead_update's whole list is capped too (validate).
    def fill(q):
        q.lead_update.id = cap.id
        q.lead_update.expected_version = get(cap.id).version
        for i in range(51):
            q.lead_update.contacts.items.add(name="U%d" % i)
    r = rita.call(fill)
    expect("lead_update with 51 contacts: refused", r, pb.INVALID_ARGUMENT)
    def fill2(q):
        q.lead_create.title = "dup emails"
        q.lead_create.contacts.add(name="A", email="same@x.example")
        q.lead_create.contacts.add(name="B", email="SAME@x.example")
    r = rita.call(fill2)
    expect("lead_create with one email twice: accepted (a whole list as sent)", r, pb.OK)
    r2 = edit(r.lead.lead.id, "same@x.example", role="x")
    expect("... and WHO by that email asks for the position", r2, pb.INVALID_ARGUMENT,
           "could be contact 1 or 2 of lead %d; give the position" % r.lead.lead.id)

    # ---- two adds at once (no expected_version), from two connections:
    # ---- the writer runs them one after the other in one batch ----
    race = new_lead("race", name="R0")
    for i in range(1, 47):  # 47 contacts
        add(race.id, name="R%d" % i)
    c2 = Client(pb, d.port, user="rita", password=PW)

    def add_fill(name, email):
        def fill(q):
            q.contact_add.lead_id = race.id
            q.contact_add.contact.name = name
            q.contact_add.contact.email = email
        return fill
    send_together(rita, [add_fill("Same A", "same@race.example")])
    send_together(c2, [add_fill("Same B", "SAME@race.example")])
    a, b = rita.recv(), c2.recv()
    res.record("two adds of one email at once: one OK, the other ALREADY_EXISTS",
               sorted([a.code, b.code]) == sorted([pb.OK, pb.ALREADY_EXISTS]),
               "%s / %s" % (pb.Code.Name(a.code), pb.Code.Name(b.code)))
    add(race.id, name="R47")  # 49 contacts
    send_together(rita, [add_fill("Last A", "a@race.example")])
    send_together(c2, [add_fill("Last B", "b@race.example")])
    a, b = rita.recv(), c2.recv()
    res.record("two adds at once for the 50th place: one OK, the other FAILED_PRECONDITION",
               sorted([a.code, b.code]) == sorted([pb.OK, pb.FAILED_PRECONDITION])
               and len(get(race.id).contacts) == 50,
               "%s / %s" % (pb.Code.Name(a.code), pb.Code.Name(b.code)))
    c2.close()

    # ---- one email twice on a lead, through lead_update's main_email ----
    dup = new_lead("dup via main_email", name="First", email="first@dup.example")
    add(dup.id, name="Second", email="second@dup.example")

    def main_email(q):
        q.lead_update.id = dup.id
        q.lead_update.expected_version = get(dup.id).version
        q.lead_update.main_email = "second@dup.example"
    r = rita.call(main_email)
    if r.code == pb.OK:
        r = edit(dup.id, "second@dup.example", role="x")
        expect("an email two contacts share (set by main_email): refused, asking for the "
               "position", r, pb.INVALID_ARGUMENT, "could be contact 1 or 2 of lead %d; give "
               "the position" % dup.id)
        res.record("... and not for the email it was given", "or the email" not in r.message)
        r = edit(dup.id, "2", role="Buyer")
        res.record("the position tells them apart",
                   r.code == pb.OK and get(dup.id).contacts[1].role == "Buyer")
    else:
        expect("lead_update refuses an email another contact has", r, pb.ALREADY_EXISTS)

    # ---- visibility: another rep's lead is not found ----
    add_user(admin, "sam", pb.ROLE_REP, password=PW)
    sam = Client(pb, d.port, user="sam", password=PW)
    r = add(lid, name="Intruder", c=sam)
    expect("contact_add on a lead the caller may not see: NOT_FOUND", r, pb.NOT_FOUND,
           "lead %d not found" % lid)
    r = sam.call(lambda q: (setattr(q.contact_main, "lead_id", 0),
                            setattr(q.contact_main, "who", "1")))
    expect("no lead id: INVALID_ARGUMENT", r, pb.INVALID_ARGUMENT, "the lead id is missing")


if __name__ == "__main__":
    sys.exit(main())
