#!/usr/bin/python3
"""Converting a lead (issue 15): lead_convert by hand, and opp_create's own
conversion in the same change, and where won moves a lead.

Usage: opp_convert.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1 with the default statuses, team east
(manager m1, rep r1) and team west (rep r3):
- lead_convert: a lead-New or lead-Qualified lead goes to the prospect
  stage's conversion target (prospect-Qualified), a status change of kind
  "status" (one history entry, the KPI counts and converted flow follow);
  a named prospect status (any word the server resolves) is taken; a
  lead-stage, customer-stage, lost status is refused
  (INVALID_ARGUMENT), an unknown word is NOT_FOUND; a lead past the lead stage is FAILED_PRECONDITION
  naming its stage; a dead lead must be reopened first; a stale version is
  ABORTED; another team's rep gets NOT_FOUND; refusals change nothing.
- opp_create converts to whichever prospect status carries the flag (an
  added prospect-Demo flagged as the target), in one history entry with the
  opportunity and the status change, one revision; with no prospect status
  flagged, opp_create on a lead-stage lead and lead_convert without a status
  are FAILED_PRECONDITION and write nothing (no opportunity, no entry),
  while lead_convert naming a status still works; a lead past the lead
  stage takes an opportunity without a target.
- opp_won: to the customer stage's target when it is of class won (an added
  customer-Renewed flagged), else to the first won status of the stage.
Ends with `leadd verify` passing."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, desc, ok_call,  # noqa: E402
                           run_test)

PW = "opp-convert-pw-1"
res = Results()


def convert(c, lead_id, status=None, expected_version=None):
    def fill(q):
        q.lead_convert.id = lead_id
        if status is not None:
            q.lead_convert.status = status
        if expected_version is not None:
            q.lead_convert.expected_version = expected_version
    return c.call(fill)


def create(c, lead_id):
    def fill(q):
        q.opp_create.lead_id = lead_id
        x = q.opp_create.items.add()
        x.name, x.quantity, x.unit_price_minor = "Licence", 4, 2500
    return c.call(fill)


def get_lead(c, lead_id):
    return ok_call(c, lambda q: setattr(q.lead_get, "id", lead_id), "lead_get").lead.lead


def history(c, lead_id):
    def fill(q):
        q.lead_history.id = lead_id
        q.lead_history.limit = 1000
    return list(ok_call(c, fill, "lead_history").lead_history.items)


def kpi(c, since=None):
    def fill(q):
        q.kpi.SetInParent()
        if since is not None:
            q.kpi.since = since
    return ok_call(c, fill, "kpi").kpi


def counts(k):
    return {x.kpi_class: x.count for x in k.total.classes}


def status_edit(admin, name, **kw):
    def fill(q):
        q.status_edit.name = name
        for k, v in kw.items():
            setattr(q.status_edit, k, v)
    return ok_call(admin, fill, "status_edit %s" % name)


def status_add(admin, name, stage, cls, probability, target=False):
    def fill(q):
        s = q.status_add.status
        s.name, s.stage, s.kpi_class, s.probability = name, stage, cls, probability
        if target:
            s.conversion_target = True
    return ok_call(admin, fill, "status_add %s" % name).status.status


def run(pb, d):
    import time
    t0 = int(time.time() * 1000) - 1000
    admin = Client(pb, d.port)
    S = {s.name: s.id for s in ok_call(admin, lambda q: q.status_list.SetInParent(),
                                       "status_list").status_list.statuses}
    add_team(admin, "east")
    add_team(admin, "west")
    add_user(admin, "r1", pb.ROLE_REP, team="east", password=PW)
    add_user(admin, "r3", pb.ROLE_REP, team="west", password=PW)
    r1 = Client(pb, d.port, user="r1", password=PW)
    r3 = Client(pb, d.port, user="r3", password=PW)

    def new_lead(title, status=None):
        def fill(q):
            q.lead_create.title = title
            q.lead_create.owner = "r1"
            if status:
                q.lead_create.status = status
        return ok_call(admin, fill, "lead_create " + title).lead.lead

    # ---- lead_convert ----
    k0 = counts(kpi(admin))
    a = new_lead("Convert me")
    r = convert(r1, a.id, expected_version=a.version)
    res.record("lead_convert moves a lead-New lead to prospect-Qualified",
               r.code == pb.OK and r.lead.lead.status_id == S["prospect-Qualified"] and
               r.lead.lead.version == a.version + 1, desc(pb, r))
    h = history(admin, a.id)
    st = [(c.old_value, c.new_value) for c in h[-1].changes if c.field == "status"]
    res.record("one history entry of kind status", len(h) == 2 and h[-1].kind == "status" and
               st == [("lead-New", "prospect-Qualified")], "%s %s" % (h[-1].kind, st))
    k1 = kpi(admin, since=t0)
    c1 = counts(k1)
    res.record("KPI: one more prospect, one less new, one conversion in the flow",
               c1[pb.KPI_PROSPECT] == k0.get(pb.KPI_PROSPECT, 0) + 1 and
               c1[pb.KPI_NEW] == k0.get(pb.KPI_NEW, 0) and k1.flow.converted == 1,
               "%s converted %d" % (c1, k1.flow.converted))

    q = new_lead("Qualified first", status="lead-Qualified")
    r = convert(r1, q.id, status="prospect-q")
    res.record("a lead-Qualified lead converts to a named status (a prefix)",
               r.code == pb.OK and r.lead.lead.status_id == S["prospect-Qualified"], desc(pb, r))

    b = new_lead("Refusals")
    for word, what in (("lead-Qualified", "lead-stage"), ("customer-Won", "customer-stage"),
                       ("prospect-Lost", "class lost"), ("lost", "class lost")):
        r = convert(r1, b.id, status=word)
        res.record("lead_convert to %s is refused" % word, r.code == pb.INVALID_ARGUMENT and
                   what in r.message and "prospect" in r.message, desc(pb, r))
    r = convert(r1, b.id, status="nosuchstatus")
    res.record("an unknown status word is NOT_FOUND, naming the statuses",
               r.code == pb.NOT_FOUND and "prospect-Qualified" in r.message, desc(pb, r))
    r = convert(r1, b.id, expected_version=b.version + 5)
    res.record("a stale version is ABORTED", r.code == pb.ABORTED and
               "read it again" in r.message, desc(pb, r))
    r = convert(r3, b.id)
    res.record("another team's rep gets NOT_FOUND", r.code == pb.NOT_FOUND, desc(pb, r))
    after = get_lead(admin, b.id)
    res.record("refused converts changed nothing", after.version == b.version and
               after.status_id == S["lead-New"], "version %d" % after.version)
    r = convert(r1, a.id)
    res.record("a lead past the lead stage is FAILED_PRECONDITION naming its stage",
               r.code == pb.FAILED_PRECONDITION and "prospect stage" in r.message and
               "prospect-Qualified" in r.message, desc(pb, r))
    dead = new_lead("Dead one")
    ok_call(admin, lambda q: (setattr(q.lead_set_status, "id", dead.id),
                              setattr(q.lead_set_status, "status", "lead-Dead"),
                              setattr(q.lead_set_status, "reason", "gone"),
                              setattr(q.lead_set_status, "other", True)), "to dead")
    r = convert(r1, dead.id)
    res.record("a dead lead must be reopened first", r.code == pb.FAILED_PRECONDITION and
               "reopen" in r.message, desc(pb, r))

    # ---- opp_create converts to the flagged status ----
    demo = status_add(admin, "prospect-Demo", pb.STAGE_PROSPECT, pb.KPI_PROSPECT, 30,
                      target=True)
    c = new_lead("Demo deal")
    r = create(r1, c.id)
    res.record("opp_create converts to the flagged prospect status (prospect-Demo)",
               r.code == pb.OK and r.opp.lead.status_id == demo.id and
               r.opp.new_status == "prospect-Demo" and r.opp.opp.effective_probability == 30,
               desc(pb, r) + " " + r.opp.new_status)
    h = history(admin, c.id)
    st = [(x.old_value, x.new_value) for x in h[-1].changes if x.field == "status"]
    res.record("in one history entry, one revision, with the opportunity",
               len(h) == 2 and h[-1].kind == "opportunity" and h[-1].opp_op == "added" and
               h[-1].opportunity.id == r.opp.opp.id and st == [("lead-New", "prospect-Demo")] and
               r.opp.lead.version == c.version + 1, "%d entries %s" % (len(h), st))
    k2 = kpi(admin, since=t0)
    res.record("KPI flow counts the conversion", k2.flow.converted == 3,
               str(k2.flow.converted))
    statuses = {x.name: x.count for x in k2.total.statuses}
    res.record("KPI status counts: prospect-Demo has the lead",
               statuses.get("prospect-Demo") == 1, str(statuses))

    # ---- no target: refused, nothing written ----
    status_edit(admin, "prospect-Demo", conversion_target=False)
    e = new_lead("No target")
    r = create(r1, e.id)
    res.record("no prospect target: opp_create on a lead-stage lead is FAILED_PRECONDITION",
               r.code == pb.FAILED_PRECONDITION and "conversion target" in r.message,
               desc(pb, r))
    after = get_lead(admin, e.id)
    res.record("and writes nothing", after.version == e.version and not after.open_opps and
               len(history(admin, e.id)) == 1, "version %d" % after.version)
    r = convert(r1, e.id)
    res.record("lead_convert without a status is refused too",
               r.code == pb.FAILED_PRECONDITION and "conversion target" in r.message,
               desc(pb, r))
    r = create(r1, a.id)
    res.record("a lead past the lead stage needs no target", r.code == pb.OK and
               r.opp.lead.status_id == S["prospect-Qualified"], desc(pb, r))
    r = convert(r1, e.id, status="prospect-Demo")
    res.record("lead_convert naming a status still works", r.code == pb.OK and
               r.lead.lead.status_id == demo.id, desc(pb, r))
    status_edit(admin, "prospect-Qualified", conversion_target=True)

    # ---- won: the customer stage's target if of class won, else the first won ----
    renewed = status_add(admin, "customer-Renewed", pb.STAGE_CUSTOMER, pb.KPI_WON, 100,
                         target=True)
    f = new_lead("Renewal deal")
    o = create(r1, f.id).opp.opp
    r = r1.call(lambda q: setattr(q.opp_won, "id", o.id))
    res.record("won goes to the customer stage's target of class won (customer-Renewed)",
               r.code == pb.OK and r.opp.lead.status_id == renewed.id, desc(pb, r))
    status_add(admin, "customer-Onboarding", pb.STAGE_CUSTOMER, pb.KPI_NONE, 100, target=True)
    g = new_lead("Onboarding deal")
    o = create(r1, g.id).opp.opp
    r = r1.call(lambda q: setattr(q.opp_won, "id", o.id))
    res.record("a target not of class won is passed over: the first won status (customer-Won)",
               r.code == pb.OK and r.opp.lead.status_id == S["customer-Won"] and
               r.opp.new_status == "customer-Won", desc(pb, r) + " " + r.opp.new_status)
    for x in (admin, r1, r3):
        x.close()


if __name__ == "__main__":
    run_test(res, "opp_convert", run)
