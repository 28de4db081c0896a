#!/usr/bin/python3
"""Attack (issue 15 seams): every path that changes a lead while it has
open opportunities keeps the forecast counters, Lead.open_opps and both
opportunity indexes right. After each step the forecast by owner equals a
brute-force sum over every opportunity (opp_list, lead_get), each lead's
open totals equal its opportunities', and `leadd verify` passes:

  lead_assign (same team, other team), lead_claim of a pool lead,
  lead_bulk_assign of 520 leads (chunks; opportunities on leads in the
  first and last chunk), a user's team change (chunked lead moves),
  lead_set_status of 520 leads into a new prospect status and status_rm
  --move-to back (chunks), lead_set_status into dead and lost and back
  (reopen), archive/restore, stand-by and back, lead_renew (the renewal
  has no open opportunities), client_merge, lead_update of the value's
  currency, a status probability edit (weighted follows, no recount),
  opp_won and opp_lost, opp_edit of close dates and probability, a win on
  an archived lead; kill -9 in the middle of a bulk assign of the 520
  leads, of a status_rm --move-to of them and of their owner's team
  change: after a restart verify passes and the forecast still equals the recount. The won ones of every
  day equal a recount of the won opportunities by whose they were.

Usage: atk_opps_moves.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atk_opps_lib import add_opps, check_forecast  # noqa: E402
from opp_lib import opp_create_fill  # noqa: E402
from leadd_harness import (Client, Leadd, Results, add_team, add_user, create_many,  # noqa: E402
                           desc, load_pb, ok_call, pipeline)
import tempfile  # noqa: E402

PW = "atk-opps-moves-pw"
res = Results()


class Reconnecting:
    """A client that check() reconnects after stopping leadd for verify."""

    def __init__(self, make):
        self.make = make
        self.c = make()

    def again(self):
        self.c = self.make()

    def __getattr__(self, name):
        return getattr(self.c, name)


def run(pb, d, binary):
    admin = Reconnecting(lambda: Client(pb, d.port))
    add_team(admin, "east", pool_visible=True)
    add_team(admin, "west")
    add_user(admin, "m1", pb.ROLE_MANAGER, team="east", password=PW)
    for name, team in (("r1", "east"), ("r2", "east"), ("r3", "west")):
        add_user(admin, name, pb.ROLE_REP, team=team, password=PW)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "east"),
                              q.team_edit.managers.items.append("m1")), "east managed by m1")
    S = {s.name: s.id for s in ok_call(admin, lambda q: q.status_list.SetInParent(),
                                       "status_list").status_list.statuses}
    r1 = Reconnecting(lambda: Client(pb, d.port, user="r1", password=PW))

    la = admin.create("A deal", owner="r1", client_name="Acme", new_client=True).lead.lead
    lb = admin.create("B deal", owner="r1", client_name="Acme Two", new_client=True).lead.lead
    ok_call(admin, lambda q: (setattr(q.lead_update, "id", lb.id),
                              setattr(q.lead_update, "expected_version", lb.version),
                              setattr(q.lead_update.value, "amount_minor", 500),
                              setattr(q.lead_update.value, "currency", "USD")), "B value USD")
    lp = admin.create("Pool deal", owner=None, team="east").lead.lead
    add_opps(admin, [
        opp_create_fill(la.id, close_date="2027-01-15"),
        opp_create_fill(la.id, items=(("Seats", 7, 3333),), close_date="2027-02-01",
                        probability=40),
        opp_create_fill(la.id, items=(("Setup", 1, 99999),)),
        opp_create_fill(lb.id, close_date="2027-01-20"),
        opp_create_fill(lb.id, items=(("Box", 3, 12345),), close_date="2027-01-21"),
        opp_create_fill(lp.id, close_date="2027-05-05"),
    ])
    many = create_many(admin, 520, "r2", title="bulk")
    picked = [many[0], many[250], many[510], many[519]]
    add_opps(admin, [opp_create_fill(i, close_date="2027-0%d-10" % (1 + k % 9))
                     for k, i in enumerate(picked)] +
             [opp_create_fill(many[519], items=(("Two", 1, 7),), currency="GBP")])
    watched = [la.id, lb.id, lp.id] + picked

    def check(what):
        check_forecast(res, pb, admin, what, lead_ids=watched)
        d.stop()
        res.record("%s: leadd verify passes" % what, d.verify() == 0)
        d.start()
        admin.again()
        r1.again()

    check("created")

    def assign(lid, user):
        return ok_call(admin, lambda q: (setattr(q.lead_assign, "id", lid),
                                         setattr(q.lead_assign, "to_user", user)),
                       "assign to " + user)
    assign(la.id, "r2")
    check("lead_assign in the team")
    assign(la.id, "r3")
    check("lead_assign to another team")
    assign(la.id, "r1")

    r = r1.call(lambda q: setattr(q.lead_claim, "id", lp.id))
    res.record("r1 claims the pool lead", r.code == pb.OK and r.lead.lead.owner_id != 0,
               desc(pb, r))
    check("lead_claim")

    r = admin.call(lambda q: (setattr(q.lead_bulk_assign, "from_user", "r2"),
                              setattr(q.lead_bulk_assign, "to_user", "r3")))
    res.record("lead_bulk_assign of 520 leads answers OK", r.code == pb.OK, desc(pb, r))
    check("lead_bulk_assign (chunks)")

    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "r3"),
                              setattr(q.user_edit, "team", "east")), "r3 to east")
    time.sleep(0.5)
    check("a user's team change (chunked lead moves)")

    ok_call(admin, lambda q: (setattr(q.status_add.status, "name", "atk-Prop"),
                              setattr(q.status_add.status, "stage", pb.STAGE_PROSPECT),
                              setattr(q.status_add.status, "kpi_class", pb.KPI_PROSPECT),
                              setattr(q.status_add.status, "probability", 30)),
            "status_add atk-Prop")

    def to_prop(lid):
        return lambda q: (setattr(q.lead_set_status, "id", lid),
                          setattr(q.lead_set_status, "status", "atk-Prop"))
    answers = pipeline(admin, [to_prop(i) for i in many])
    res.record("520 leads move into atk-Prop", all(a.code == pb.OK for a in answers),
               next((desc(pb, a) for a in answers if a.code != pb.OK), ""))
    check("520 leads in a new prospect status")
    r = admin.call(lambda q: (setattr(q.status_rm, "name", "atk-Prop"),
                              setattr(q.status_rm, "move_to", "prospect-Qualified")))
    res.record("status_rm --move-to of 520 leads answers OK", r.code == pb.OK, desc(pb, r))
    check("status_rm --move-to (chunks)")

    def set_status(lid, status, **kw):
        def fill(q):
            q.lead_set_status.id = lid
            if status:
                q.lead_set_status.status = status
            for k, v in kw.items():
                setattr(q.lead_set_status, k, v)
        return ok_call(admin, fill, "set status %s" % status)
    set_status(la.id, "lead-Dead", reason="gone quiet", other=True)
    check("into dead")
    set_status(la.id, None, reopen=True)
    check("reopened from dead")
    set_status(la.id, "prospect-Lost", reason="price", other=True)
    check("into lost")
    set_status(la.id, None, reopen=True)
    check("reopened from lost")

    ok_call(admin, lambda q: setattr(q.lead_archive, "id", lb.id), "archive")
    check("archived")
    ok_call(admin, lambda q: setattr(q.lead_restore, "id", lb.id), "restore")
    check("restored")

    until = int(time.time() * 1000) + 3600 * 1000
    ok_call(admin, lambda q: (setattr(q.lead_standby, "id", lb.id),
                              setattr(q.lead_standby, "until", until)), "standby")
    check("on stand-by")
    ok_call(admin, lambda q: (setattr(q.lead_standby, "id", lb.id),
                              setattr(q.lead_standby, "until", 0)), "back from stand-by")
    check("back from stand-by")

    ren = ok_call(admin, lambda q: (setattr(q.lead_renew, "id", la.id),
                                    setattr(q.lead_renew, "status", "prospect-Qualified")),
                  "renew").lead.lead
    res.record("a renewal has no open opportunities of its origin's",
               len(ren.open_opps) == 0, str(list(ren.open_opps)))
    watched.append(ren.id)
    check("lead_renew")

    ok_call(admin, lambda q: (setattr(getattr(q.client_merge, "from"), "name", "Acme Two"),
                              setattr(q.client_merge.into, "name", "Acme")), "client_merge")
    check("client_merge")

    cur = ok_call(admin, lambda q: setattr(q.lead_get, "id", la.id), "lead_get").lead.lead
    ok_call(admin, lambda q: (setattr(q.lead_update, "id", la.id),
                              setattr(q.lead_update, "expected_version", cur.version),
                              setattr(q.lead_update.value, "amount_minor", 77),
                              setattr(q.lead_update.value, "currency", "CHF")), "A value CHF")
    check("lead_update of the value's currency")

    ok_call(admin, lambda q: (setattr(q.status_edit, "name", "prospect-Qualified"),
                              setattr(q.status_edit, "probability", 55)), "probability 55")
    check("a status probability edit")

    opps = ok_call(admin, lambda q: setattr(q.lead_get, "id", lb.id), "lead_get").lead.opps
    ok_call(admin, lambda q: (setattr(q.opp_edit, "id", opps[0].id),
                              setattr(q.opp_edit, "close_date", "2028-11-30"),
                              setattr(q.opp_edit, "probability", 5)), "edit date, probability")
    ok_call(admin, lambda q: (setattr(q.opp_edit, "id", opps[1].id),
                              setattr(q.opp_edit, "close_date", "")), "edit: no date")
    check("opp_edit of close dates and probability")

    ok_call(admin, lambda q: setattr(q.lead_archive, "id", lb.id), "archive B")
    ok_call(admin, lambda q: setattr(q.opp_won, "id", opps[0].id), "won on an archived lead")
    check("won on an archived lead")
    ok_call(admin, lambda q: setattr(q.lead_restore, "id", lb.id), "restore B")
    check("restored after a win")

    opps = ok_call(admin, lambda q: setattr(q.lead_get, "id", la.id), "lead_get").lead.opps
    ok_call(admin, lambda q: setattr(q.opp_won, "id", opps[0].id), "won")
    ok_call(admin, lambda q: (setattr(q.opp_lost, "id", opps[1].id),
                              setattr(q.opp_lost, "reason", "price"),
                              setattr(q.opp_lost, "other", True)), "lost")
    check("opp_won and opp_lost")

    # kill -9 in the middle of a bulk assign of the 520 leads back.
    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.lead_bulk_assign, "from_user", "r3"),
                      setattr(q.lead_bulk_assign, "to_user", "r2")))
    time.sleep(0.05)
    d.stop(sig="KILL")
    d.start()
    admin.again()
    check("after kill -9 during a bulk assign")
    r = admin.call(lambda q: (setattr(q.lead_bulk_assign, "from_user", "r3"),
                              setattr(q.lead_bulk_assign, "to_user", "r2")))
    res.record("the bulk assign again finishes", r.code == pb.OK, desc(pb, r))
    check("after the bulk assign again")

    # kill -9 in the middle of a status_rm --move-to of the 520 leads.
    ok_call(admin, lambda q: (setattr(q.status_add.status, "name", "atk-Kill"),
                              setattr(q.status_add.status, "stage", pb.STAGE_PROSPECT),
                              setattr(q.status_add.status, "kpi_class", pb.KPI_PROSPECT),
                              setattr(q.status_add.status, "probability", 70)),
            "status_add atk-Kill")
    answers = pipeline(admin, [(lambda i: lambda q: (setattr(q.lead_set_status, "id", i),
                                                     setattr(q.lead_set_status, "status",
                                                             "atk-Kill")))(i) for i in many])
    res.record("520 leads move into atk-Kill", all(a.code == pb.OK for a in answers))
    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.status_rm, "name", "atk-Kill"),
                      setattr(q.status_rm, "move_to", "customer-Won")))
    time.sleep(0.05)
    d.stop(sig="KILL")
    d.start()
    admin.again()
    r1.again()
    check("after kill -9 during status_rm --move-to")
    r = admin.call(lambda q: (setattr(q.status_rm, "name", "atk-Kill"),
                              setattr(q.status_rm, "move_to", "customer-Won")))
    res.record("status_rm again finishes (or it had)", r.code in (pb.OK, pb.NOT_FOUND),
               desc(pb, r))
    check("after status_rm again")

    # kill -9 in the middle of r2's team change (its 520 leads follow in
    # chunks; a restart finishes the move).
    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.user_edit, "name", "r2"), setattr(q.user_edit, "team", "west")))
    time.sleep(0.05)
    d.stop(sig="KILL")
    d.start()
    admin.again()
    r1.again()
    check("after kill -9 during a user's team change")


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="atk_opps_moves.") as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            run(pb, d, binary)
        finally:
            if d.proc and d.proc.poll() is None:
                res.stop_and_verify(d, "atk_opps_moves")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
