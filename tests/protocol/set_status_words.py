#!/usr/bin/python3
"""lead_set_status by status word (LeadSetStatusRequest.status, field 4):
the server reads a status name, a unique prefix, or a KPI class word exactly
as lead_list's filter.statuses does, so no client keeps its own rule.

Usage: set_status_words.py LEADD_BINARY PROTO_DIR

Checks, against a real leadd on 127.0.0.1 (default statuses lead-New,
lead-Qualified, lead-Dead, prospect-Qualified, prospect-Lost, customer-Won):
a full name in another case, a unique prefix, a class word, the start of a
class word, an ambiguous prefix (INVALID_ARGUMENT naming the candidates), an
unknown word (NOT_FOUND naming the statuses), status with status_id and
neither (INVALID_ARGUMENT), an empty word; a refused request changes nothing;
a rep cannot move a lead they may not see by word either. Ends with `leadd
verify` passing."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, add_team, add_user, load_pb, ok_call  # noqa: E402

PW = "status-words-pw-1"
res = Results()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            run(pb, d)
        finally:
            res.stop_and_verify(d, "set_status_words")
    return res.summary()


def run(pb, d):
    admin = Client(pb, d.port)
    statuses = {s.name: s.id for s in ok_call(
        admin, lambda q: q.status_list.SetInParent(), "status_list").status_list.statuses}
    lead = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "Acme"),
                                     setattr(q.lead_create, "owner", "admin")),
                   "lead_create").lead.lead.id

    def set_word(c, word=None, status_id=None, lid=lead, reason=None):
        def fill(q):
            q.lead_set_status.id = lid
            if word is not None:
                q.lead_set_status.status = word
            if status_id is not None:
                q.lead_set_status.status_id = status_id
            if reason is not None:  # dead and lost need one (issue 12)
                q.lead_set_status.reason = reason
                q.lead_set_status.other = True
        return c.call(fill)

    def current():
        return ok_call(admin, lambda q: setattr(q.lead_get, "id", lead),
                       "lead_get").lead.lead.status_id

    for word, want in (("LEAD-QUALIFIED", "lead-Qualified"),  # a name, any case
                       ("lead-d", "lead-Dead"),                 # a unique prefix
                       ("won", "customer-Won"),                 # a class word
                       ("new", "lead-New"),
                       ("qual", "lead-Qualified"),              # the start of a class word
                       ("prospect-l", "prospect-Lost")):
        r = set_word(admin, word,
                     reason="no reply" if want in ("lead-Dead", "prospect-Lost") else None)
        got = r.lead.lead.status_id if r.code == pb.OK else None
        res.record("status '%s' moves the lead to %s" % (word, want),
                   r.code == pb.OK and got == statuses[want] and current() == statuses[want],
                   "%d %s" % (r.code, r.message))

    before = current()
    r = set_word(admin, "lead-")
    res.record("an ambiguous prefix is INVALID_ARGUMENT naming the candidates",
               r.code == pb.INVALID_ARGUMENT and "ambiguous" in r.message and
               all(n in r.message for n in ("'lead-New'", "'lead-Qualified'", "'lead-Dead'")),
               "%d %s" % (r.code, r.message))
    r = set_word(admin, "bogus")
    res.record("an unknown word is NOT_FOUND naming the statuses",
               r.code == pb.NOT_FOUND and "no status 'bogus'" in r.message and
               "customer-Won" in r.message, "%d %s" % (r.code, r.message))
    r = set_word(admin, "dead", status_id=statuses["lead-Dead"])
    res.record("status with status_id is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT and "not both" in r.message,
               "%d %s" % (r.code, r.message))
    r = set_word(admin)
    res.record("neither status nor status_id is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT, "%d %s" % (r.code, r.message))
    r = set_word(admin, "  ")
    res.record("an empty word is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT and "empty" in r.message,
               "%d %s" % (r.code, r.message))
    r = set_word(admin, "x" * 1000)
    res.record("a word longer than any name is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT, "%d %s" % (r.code, r.message))
    res.record("refused requests leave the status as it was", current() == before)
    r = set_word(admin, status_id=statuses["lead-Dead"], reason="no reply")
    res.record("status_id alone still works",
               r.code == pb.OK and current() == statuses["lead-Dead"],
               "%d %s" % (r.code, r.message))

    add_team(admin, "east")
    add_team(admin, "west")
    add_user(admin, "rep1", pb.ROLE_REP, team="east", password=PW)
    rep = Client(pb, d.port, user="rep1", password=PW)
    r = set_word(rep, "won")
    res.record("a rep moving a lead they may not see by word is NOT_FOUND for the lead",
               r.code == pb.NOT_FOUND and "lead" in r.message and current() == statuses["lead-Dead"],
               "%d %s" % (r.code, r.message))
    own = ok_call(rep, lambda q: setattr(q.lead_create, "title", "Rep's"), "rep create").lead.lead.id
    r = set_word(rep, "qualified", lid=own)
    res.record("a rep moves their own lead by class word",
               r.code == pb.OK and r.lead.lead.status_id == statuses["lead-Qualified"],
               "%d %s" % (r.code, r.message))
    r = ok_call(admin, lambda q: q.lead_list.filter.statuses.append("qualified"), "lead_list")
    res.record("lead_list --status qualified finds the lead moved by word",
               [x.id for x in r.lead_list.leads] == [own])

    # lead_create and lead_bulk_assign read status words the same way.
    def create(fill_status):
        def fill(q):
            q.lead_create.title = "By word"
            q.lead_create.owner = "admin"
            fill_status(q.lead_create)
        return admin.call(fill)
    r = create(lambda m: setattr(m, "status", "qual"))
    res.record("lead_create with a status word files the lead there",
               r.code == pb.OK and r.lead.lead.status_id == statuses["lead-Qualified"],
               "%d %s" % (r.code, r.message))
    r = create(lambda m: setattr(m, "status", "qualifed"))
    res.record("lead_create with a typo is NOT_FOUND suggesting the name",
               r.code == pb.NOT_FOUND and "did you mean 'lead-Qualified'" in r.message,
               "%d %s" % (r.code, r.message))
    r = create(lambda m: (setattr(m, "status", "new"),
                          setattr(m, "status_id", statuses["lead-New"])))
    res.record("lead_create with status and status_id is INVALID_ARGUMENT",
               r.code == pb.INVALID_ARGUMENT, "%d %s" % (r.code, r.message))
    add_user(admin, "rep2", pb.ROLE_REP, team="east", password=PW)

    def bulk(word):
        def fill(q):
            q.lead_bulk_assign.from_user = "rep1"
            q.lead_bulk_assign.to_user = "rep2"
            q.lead_bulk_assign.status = word
        return admin.call(fill)
    r = bulk("qual")
    res.record("lead_bulk_assign with a status word moves only the leads in it",
               r.code == pb.OK and r.lead_bulk_assign.moved == 1, "%d %s" % (r.code, r.message))
    r = bulk("qualifed")
    res.record("lead_bulk_assign with a typo is NOT_FOUND suggesting the name",
               r.code == pb.NOT_FOUND and "did you mean" in r.message,
               "%d %s" % (r.code, r.message))
    rep.close()
    admin.close()


if __name__ == "__main__":
    sys.exit(main())
