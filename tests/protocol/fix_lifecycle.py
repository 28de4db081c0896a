#!/usr/bin/python3
"""Last fixes of issue 12 (phase 3), each a check that failed before it.

Usage: fix_lifecycle.py LEADD_BINARY PROTO_DIR

Against a real leadd on 127.0.0.1 (default statuses lead-New, lead-Qualified,
lead-Dead, prospect-Qualified, prospect-Lost, customer-Won):
- lead_standby with until 0 on a lead archived while on stand-by takes it
  off stand-by (the wake-up would too); putting an archived lead on stand-by
  stays refused, and taking off one that is not on stand-by says so, not
  "restore it before putting it on stand-by";
- KPI flow: a move from the lead stage straight into a status of class dead
  or lost (lead-New -> prospect-Lost) is not "converted" (nor a renewal's
  renewals_converted, nor by_source's converted); lead-New ->
  prospect-Qualified still is;
- status_edit/status_rm: the last status of class dead, and the last of
  class lost, cannot be reclassified or removed (as the last of class new);
  with a second one of the class, they can;
- `leadd verify` passes.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Leadd, Results, desc, load_pb, ok_call  # noqa: E402

DAY = 86400 * 1000
res = Results()


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = Leadd(binary, tmp).start()
        try:
            adm = Client(pb, d.port)
            standby_off_archived(pb, adm)
            converted_flow(pb, adm)
            last_of_class(pb, adm)
        finally:
            res.stop_and_verify(d, "fix_lifecycle")
    return res.summary()


def standby(c, lid, until):
    def f(q):
        q.lead_standby.id = lid
        q.lead_standby.until = until
    return c.call(f)


def standby_off_archived(pb, adm):
    now = int(time.time() * 1000)
    a = adm.create("Archived while asleep").lead.lead
    r = standby(adm, a.id, now + 3 * DAY)
    res.record("a lead put on stand-by", r.code == pb.OK, desc(pb, r))
    ok_call(adm, lambda q: setattr(q.lead_archive, "id", a.id), "archive a")
    r = standby(adm, a.id, 0)
    res.record("standby off on an archived lead on stand-by: OK, off stand-by, still archived",
               r.code == pb.OK and not r.lead.lead.standby_until and r.lead.lead.archived,
               desc(pb, r))
    r = standby(adm, a.id, 0)
    res.record("standby off again: not on stand-by, says nothing of restoring",
               r.code == pb.FAILED_PRECONDITION and "not on stand-by" in r.message and
               "restore" not in r.message, desc(pb, r))
    r = standby(adm, a.id, now + DAY)
    res.record("stand-by for an archived lead: still refused, restore first",
               r.code == pb.FAILED_PRECONDITION and "restore" in r.message, desc(pb, r))


def move(c, lid, status, reason=None):
    def f(q):
        q.lead_set_status.id = lid
        q.lead_set_status.status = status
        if reason:
            q.lead_set_status.reason = reason
            q.lead_set_status.other = True
    return ok_call(c, f, "move %d to %s" % (lid, status))


def flow(c):
    now = int(time.time() * 1000)
    r = ok_call(c, lambda q: setattr(q.kpi, "since", now - DAY), "kpi since")
    return r.kpi.flow


def converted_by_source(f, source):
    return sum(s.converted for s in f.by_source if s.source == source)


def converted_flow(pb, adm):
    lost = adm.create("Lost before it began", source="fair").lead.lead
    move(adm, lost.id, "prospect-Lost", "went elsewhere")
    f = flow(adm)
    res.record("lead-New -> prospect-Lost is not converted",
               f.converted == 0 and converted_by_source(f, "fair") == 0, str(f))
    won = adm.create("Converted", source="fair").lead.lead
    move(adm, won.id, "prospect-Qualified")
    f = flow(adm)
    res.record("lead-New -> prospect-Qualified is converted",
               f.converted == 1 and converted_by_source(f, "fair") == 1, str(f))
    # A renewal moved straight into prospect-Lost: not renewals_converted.
    r = ok_call(adm, lambda q: (setattr(q.lead_renew, "id", won.id),
                                setattr(q.lead_renew, "contacts", pb.RENEW_CONTACTS_NONE)),
                "renew")
    ren = r.lead.lead
    move(adm, ren.id, "prospect-Lost", "no budget this year")
    f = flow(adm)
    res.record("a renewal lost straight from the lead stage is not renewals_converted",
               f.renewals == 1 and f.renewals_converted == 0 and f.converted == 1 and
               converted_by_source(f, "renewal") == 0, str(f))


def edit_class(c, name, cls):
    def f(q):
        q.status_edit.name = name
        q.status_edit.kpi_class = cls
    return c.call(f)


def rm(c, name):
    return c.call(lambda q: setattr(q.status_rm, "name", name))


def add(c, name, stage, cls):
    def f(q):
        q.status_add.status.name = name
        q.status_add.status.stage = stage
        q.status_add.status.kpi_class = cls
    return ok_call(c, f, "status_add " + name)


def last_of_class(pb, adm):
    for name, word, cls, stage in (("lead-Dead", "dead", pb.KPI_DEAD, pb.STAGE_LEAD),
                                   ("prospect-Lost", "lost", pb.KPI_LOST, pb.STAGE_PROSPECT)):
        r = edit_class(adm, name, pb.KPI_QUALIFIED)
        res.record("the last status of class %s is not reclassified" % word,
                   r.code == pb.FAILED_PRECONDITION and
                   ("last status of class %s" % word) in r.message, desc(pb, r))
        r = rm(adm, name)
        res.record("the last status of class %s is not removed" % word,
                   r.code == pb.FAILED_PRECONDITION and
                   ("last status of class %s" % word) in r.message, desc(pb, r))
        r = edit_class(adm, name, cls)
        res.record("%s edited into its own class: allowed" % name, r.code == pb.OK, desc(pb, r))
        add(adm, name + "2", stage, cls)
        r = edit_class(adm, name + "2", pb.KPI_QUALIFIED)
        res.record("with two of class %s, one is reclassified" % word, r.code == pb.OK,
                   desc(pb, r))
        r = rm(adm, name + "2")
        res.record("an empty status of class qualified is removed", r.code == pb.OK, desc(pb, r))


if __name__ == "__main__":
    sys.exit(main())
