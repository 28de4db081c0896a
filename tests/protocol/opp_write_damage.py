#!/usr/bin/python3
"""Opportunity writes on damaged data (issue 15): a write that meets a
damaged opportunity record or index entry answers DATA_LOSS with the
sentence that tells the administrator what to do, and writes nothing.

Usage: opp_write_damage.py LEADD_BINARY PROTO_DIR

A data directory with lead A (opportunities 1 and 2, open) and lead B (no
opportunity, at the lead stage), copied and damaged with python3-lmdb, one
case each, then served by leadd:
- opportunity 1's record does not decode: opp_edit, opp_won and opp_lost
  of it answer DATA_LOSS; opp_lost of opportunity 2 (which reads its
  sibling to know whether the lead stays) answers DATA_LOSS too;
- idx_opp_lead names an opportunity that does not exist (opportunity 1's
  record is gone): opp_lost of opportunity 2 answers DATA_LOSS;
- an idx_opp_lead entry of the wrong size on lead B: opp_create on B
  answers DATA_LOSS (it counts the lead's opportunities from the index);
in each case the leads keep their version and opportunity 2 its state.
The undamaged copy passes `leadd verify`, and so does the undamaged
directory after the same requests (they succeed there)."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lmdb  # noqa: E402  (python3-lmdb)
from leadd_harness import Client, Leadd, Results, damage_base, change_db, desc, load_pb, ok_call, run_verify  # noqa: E402

res = Results()
IDS = {}


def be(n):
    return n.to_bytes(8, "big")


def opp_fill(lead_id):
    def fill(q):
        q.opp_create.lead_id = lead_id
        x = q.opp_create.items.add()
        x.name, x.quantity, x.unit_price_minor = "Licence", 1, 1000
    return fill


def build(pb, d):
    adm = Client(pb, d.port)
    a = adm.create("With opportunities").lead.lead
    b = adm.create("Without").lead.lead
    o1 = ok_call(adm, opp_fill(a.id), "opp 1").opp.opp
    o2 = ok_call(adm, opp_fill(a.id), "opp 2").opp.opp
    IDS.update(a=a.id, b=b.id, o1=o1.id, o2=o2.id)
    adm.close()


def lost_fill(opp_id):
    def fill(q):
        q.opp_lost.id = opp_id
        q.opp_lost.reason = "gone"
        q.opp_lost.other = True
    return fill


def requests(pb):
    o1, o2, b = IDS["o1"], IDS["o2"], IDS["b"]
    return {
        "edit1": lambda q: (setattr(q.opp_edit, "id", o1), setattr(q.opp_edit, "title", "x")),
        "won1": lambda q: setattr(q.opp_won, "id", o1),
        "lost1": lost_fill(o1),
        "lost2": lost_fill(o2),
        "createB": opp_fill(b),
    }


def lead_versions(c):
    """Leads a and b's versions from a listing: lead_get lists a lead's
    opportunities, so on a damaged opportunity index it answers DATA_LOSS
    itself."""
    leads = ok_call(c, lambda q: q.lead_list.SetInParent(), "lead_list").lead_list.leads
    by_id = {lead.id: lead.version for lead in leads}
    return {k: by_id.get(IDS[k]) for k in ("a", "b")}


def serve(pb, binary, root, names, expect_code, what):
    """Start leadd on root/data, send the named requests (each on the
    directory as it was), check their code and that nothing moved."""
    d = Leadd(binary, root).start()
    try:
        c = Client(pb, d.port)
        versions = lead_versions(c)
        reqs = requests(pb)
        for name in names:
            r = c.call(reqs[name])
            ok = r.code == expect_code
            if expect_code == pb.DATA_LOSS:
                ok = ok and "leadd verify" in r.message and "damaged" in r.message
            res.record("%s: %s answers %s" % (what, name, pb.Code.Name(expect_code)), ok,
                       desc(pb, r))
            if expect_code != pb.DATA_LOSS:
                break  # the first success changes the directory: one is enough
        if expect_code == pb.DATA_LOSS:
            now = lead_versions(c)
            res.record("%s: nothing was written" % what, now == versions,
                       "%s -> %s" % (versions, now))
        c.close()
    finally:
        rc = d.stop()
    res.record("%s: leadd stops with exit 0" % what, rc == 0, "exit %d" % rc)


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="opp_write_damage.") as tmp:
        pb = load_pb(proto, tmp)
        base = damage_base(pb, binary, tmp, build, res)

        def case(name, db, fn, names):
            root = os.path.join(tmp, name.replace(" ", "_"))
            shutil.copytree(base, os.path.join(root, "data"))
            change_db(os.path.join(root, "data"), db, fn)
            serve(pb, binary, root, names, pb.DATA_LOSS, name)

        b, o1 = IDS["b"], IDS["o1"]
        case("opportunity 1 does not decode", "opps",
             lambda txn, h: txn.put(be(o1), b"\xff\xff\xff", db=h),
             ["edit1", "won1", "lost1", "lost2"])
        case("idx_opp_lead names no opportunity", "opps",
             lambda txn, h: txn.delete(be(o1), db=h), ["lost2"])
        case("a short idx_opp_lead entry", "idx_opp_lead",
             lambda txn, h: txn.put(be(b), b"\x01\x02", db=h), ["createB"])

        # The same requests succeed on an undamaged copy, which verify passes.
        for name in ("lost2", "createB", "edit1"):
            root = os.path.join(tmp, "clean_" + name)
            shutil.copytree(base, os.path.join(root, "data"))
            serve(pb, binary, root, [name], pb.OK, "undamaged")
            rc, out = run_verify(binary, os.path.join(root, "data"))
            res.record("undamaged, after %s: leadd verify passes" % name, rc == 0, out)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
