#!/usr/bin/python3
"""Attack (issue 15 seams): opportunity data that decodes but is not what
leadd wrote, hand-damaged with python3-lmdb, one case per copy of a data
directory with lead A (opportunities 1 and 2, open, EUR) and lead B (one
open opportunity 3):

- opportunity 1's record has no amount: opp_edit with items, opp_won,
  opp_lost of it answer DATA_LOSS (opp_edit crashed leadd: it read the
  currency through the missing amount); the reads (opp_get, lead_get,
  opp_list, lead_history, forecast) never crash;
- opportunity 1's record has an item of quantity 0: opp_won answers
  DATA_LOSS (was INTERNAL: the write core refused the record as a bad
  request);
- the record under id 1 says it is opportunity 3 (lead B's): opp_edit of
  it answers DATA_LOSS and opportunity 3 is untouched;
- lead A's Lead.open_opps amount, an open forecast counter's numbers, a
  forecast counter of the wrong size, an idx_opp entry taken away, a
  change-log entry's new or old open totals (the KPI watch's forecast
  deltas come from them) or its opportunity id, a history entry's
  opportunity of another lead (a watcher of this lead would be shown it):
  leadd verify names each (it said OK to the change-log and history ones); the forecast on a counter of the wrong size answers
  DATA_LOSS.
Pipelined between two sound writes on one connection, a write of the
damaged opportunity alone answers DATA_LOSS. In every case leadd answers a
ping afterwards (it did not crash), the
leads keep their versions after a refused write, and leadd verify fails
on the damaged copy naming the damage; the undamaged copy passes.

Usage: atk_opps_damage.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, damage_base, desc, load_pb, load_store_pb,  # noqa: E402
                           ok_call, pipeline)
from opp_lib import change_db, opp_create_fill, run_verify  # noqa: E402  (python3-lmdb)

res = Results()
IDS = {}


def be(n):
    return n.to_bytes(8, "big")


def opp_fill(lead_id, close="2027-03-10"):
    return opp_create_fill(lead_id, items=(("Licence", 2, 1000),), close_date=close)


def build(pb, d):
    adm = Client(pb, d.port)
    a = adm.create("With opportunities").lead.lead
    b = adm.create("Another").lead.lead
    o1 = ok_call(adm, opp_fill(a.id), "opp 1").opp.opp
    o2 = ok_call(adm, opp_fill(a.id, "2027-04-01"), "opp 2").opp.opp
    o3 = ok_call(adm, opp_fill(b.id), "opp 3").opp.opp
    IDS.update(a=a.id, b=b.id, o1=o1.id, o2=o2.id, o3=o3.id)
    adm.close()


def requests(pb):
    o1, a = IDS["o1"], IDS["a"]

    def edit_items(q):
        q.opp_edit.id = o1
        x = q.opp_edit.items.add()
        x.name, x.quantity, x.unit_price_minor = "Other", 1, 5
    return {
        "opp_edit items": edit_items,
        "opp_edit title": lambda q: (setattr(q.opp_edit, "id", o1),
                                     setattr(q.opp_edit, "title", "x")),
        "opp_won": lambda q: setattr(q.opp_won, "id", o1),
        "opp_lost": lambda q: (setattr(q.opp_lost, "id", o1), setattr(q.opp_lost, "reason", "gone"),
                               setattr(q.opp_lost, "other", True)),
        "opp_get": lambda q: setattr(q.opp_get, "id", o1),
        "lead_get": lambda q: setattr(q.lead_get, "id", a),
        "opp_list": lambda q: q.opp_list.SetInParent(),
        "lead_history": lambda q: setattr(q.lead_history, "id", a),
        "forecast": lambda q: q.forecast.SetInParent(),
    }


def lead_versions(c):
    leads = ok_call(c, lambda q: q.lead_list.SetInParent(), "lead_list").lead_list.leads
    return {lead.id: lead.version for lead in leads}


def serve(pb, binary, root, what, writes, reads, loss_reads=(), mixed=False):
    """Start leadd on root/data: each write answers DATA_LOSS with the
    administrator's sentence and moves no lead; each read answers (any
    code but INTERNAL), those in loss_reads DATA_LOSS; leadd still
    answers a ping at the end."""
    d = Leadd(binary, root).start()
    try:
        c = Client(pb, d.port)
        before = lead_versions(c)
        reqs = requests(pb)
        for name in writes:
            try:
                r = c.call(reqs[name])
            except Exception as e:  # the connection closed: leadd died
                res.record("%s: %s answers DATA_LOSS" % (what, name), False, repr(e))
                c = Client(pb, d.port) if d.proc.poll() is None else None
                if c is None:
                    break
                continue
            res.record("%s: %s answers DATA_LOSS" % (what, name),
                       r.code == pb.DATA_LOSS and "leadd verify" in r.message, desc(pb, r))
        if c is not None:
            after = lead_versions(c)
            res.record("%s: no lead moved" % what, after == before, "%s -> %s" % (before, after))
            for name in reads:
                try:
                    r = c.call(reqs[name])
                except Exception as e:
                    res.record("%s: %s answers" % (what, name), False, repr(e))
                    break
                want = r.code == pb.DATA_LOSS if name in loss_reads else r.code != pb.INTERNAL
                res.record("%s: %s answers%s" % (what, name,
                                                 " DATA_LOSS" if name in loss_reads else ""),
                           want, desc(pb, r))
        if c is not None and mixed:
            o3 = IDS["o3"]
            good = lambda q: (setattr(q.opp_edit, "id", o3),  # noqa: E731
                              setattr(q.opp_edit, "title", "fine %d" % q.id))
            answers = pipeline(c, [good, reqs[writes[0]], good])
            res.record("%s: pipelined around it, the sound writes succeed and it alone "
                       "answers DATA_LOSS" % what,
                       [a.code for a in answers] == [pb.OK, pb.DATA_LOSS, pb.OK],
                       str([desc(pb, a) for a in answers]))
        alive = d.proc.poll() is None
        if alive:
            try:
                r = Client(pb, d.port).call(lambda q: q.ping.SetInParent())
                alive = r.code == pb.OK
            except Exception:
                alive = False
        res.record("%s: leadd is alive and answers a ping" % what, alive)
    finally:
        rc = d.stop() if d.proc.poll() is None else d.proc.returncode
    res.record("%s: leadd stops with exit 0" % what, rc == 0, "exit %s" % rc)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    reads = ["opp_get", "lead_get", "opp_list", "lead_history", "forecast"]
    with tempfile.TemporaryDirectory(prefix="atk_opps_damage.") as tmp:
        pb = load_pb(proto, tmp)
        spb = load_store_pb(proto, tmp)
        base = damage_base(pb, binary, tmp, build, res)
        o1, o3, a = IDS["o1"], IDS["o3"], IDS["a"]

        def damaged(name, db, fn, named, writes=(), loss_reads=(), mixed=False):
            root = os.path.join(tmp, name.replace(" ", "_").replace("'", ""))
            shutil.copytree(base, os.path.join(root, "data"))
            change_db(os.path.join(root, "data"), db, fn)
            rc, out = run_verify(binary, os.path.join(root, "data"))
            res.record("%s: leadd verify fails naming it (%r)" % (name, named),
                       rc != 0 and named in out, out[-600:])
            serve(pb, binary, root, name, writes, reads, loss_reads, mixed)

        def opp_record(fn):
            def edit(txn, h):
                o = pb.Opportunity()
                o.ParseFromString(txn.get(be(o1), db=h))
                fn(o)
                txn.put(be(o1), o.SerializeToString(), db=h)
            return edit

        damaged("opportunity 1 has no amount", "opps",
                opp_record(lambda o: o.ClearField("amount")),
                "opportunity %d has no amount" % o1,
                writes=["opp_edit items", "opp_won", "opp_lost"], mixed=True)
        damaged("opportunity 1 has an item of quantity 0", "opps",
                opp_record(lambda o: setattr(o.items[0], "quantity", 0)),
                "opportunity %d has an item of no quantity" % o1,
                writes=["opp_won", "opp_edit title"])

        def says_three(txn, h):
            txn.put(be(o1), txn.get(be(o3), db=h), db=h)
        damaged("the record under id 1 says it is opportunity 3", "opps", says_three,
                "says it is opportunity %d" % o3, writes=["opp_edit title"])

        def lead_total(txn, h):
            ld = pb.Lead()
            ld.ParseFromString(txn.get(be(a), db=h))
            ld.open_opps[0].amount_minor += 1
            txn.put(be(a), ld.SerializeToString(), db=h)
        damaged("lead A's open totals", "leads", lead_total,
                "lead %d: its open opportunities in EUR closing 2027-03" % a)

        def counter_numbers(txn, h):
            for k, v in txn.cursor(db=h):
                if k[:1] == b"o":
                    txn.put(k, v[:8] + (int.from_bytes(v[8:24], "big") + 7).to_bytes(16, "big")
                            + v[24:], db=h)
                    return
        damaged("an open counter's amount", "forecast", counter_numbers,
                "a recount of the leads' open totals")

        def counter_size(txn, h):
            for k, v in txn.cursor(db=h):
                if k[:1] == b"o":
                    txn.put(k, v[:20], db=h)
                    return
        damaged("an open counter of the wrong size", "forecast", counter_size,
                "is neither an open counter", loss_reads=["forecast"])

        def log_entry(fn):
            """Change the change-log entry of opportunity 2's creation."""
            def edit(txn, h):
                for k, v in txn.cursor(db=h):
                    e = spb.ChangeEntry()
                    e.ParseFromString(v)
                    if e.opp_id == IDS["o2"]:
                        fn(e)
                        txn.put(k, e.SerializeToString(), db=h)
                        return
            return edit
        damaged("a change-log entry's new open totals", "changelog",
                log_entry(lambda e: setattr(e.new_opps[0], "amount_minor", 999)),
                "open opportunities after the change differ from the history")
        damaged("a change-log entry's old open totals", "changelog",
                log_entry(lambda e: e.ClearField("old_opps")),
                "open opportunities before the change differ from the history")
        damaged("a change-log entry's opportunity", "changelog",
                log_entry(lambda e: setattr(e, "opp_id", IDS["o3"])),
                "opportunity differs from the history")

        def history_other_lead(txn, h):
            for k, v in txn.cursor(db=h):
                e = spb.HistoryEntry()
                e.ParseFromString(v)
                if e.HasField("opportunity") and e.opportunity.id == IDS["o2"]:
                    e.opportunity.lead_id = IDS["b"]
                    txn.put(k, e.SerializeToString(), db=h)
                    return
        damaged("a history entry's opportunity of another lead", "history", history_other_lead,
                "holds opportunity %d, which belongs to lead %d" % (IDS["o2"], IDS["b"]))

        def idx_gone(txn, h):
            cur = txn.cursor(db=h)
            cur.first()
            cur.delete()
        damaged("an idx_opp entry taken away", "idx_opp", idx_gone, "is missing from idx_opp")
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
