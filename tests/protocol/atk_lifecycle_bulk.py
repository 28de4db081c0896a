#!/usr/bin/python3
"""Attack (issue 12 seams): status_rm's chunks against everything else, and
kill -9 in the middle of multi-step writes.

  - order on one connection: status_rm of a status holding 1200 leads
    (three chunks) pipelined with, on the same connection, lead_set_status
    of one of its leads back into the status being removed, a status_add of
    the removed name and a status_list. The answers come in order and read
    as if each request ran after the one before: the move into the removed
    status is refused (it is gone), the status_add makes a new status, and
    the list shows it with no leads.
  - other connections during the chunks: renews into the status being
    removed and lead_set_status into it, sent while the removal runs.
    Archive/restore of leads being moved, from a third, all answer OK.
    Whatever each answers, no lead is left in a status that does not exist
    (leadd verify), and every renewal's links hold.
  - client_merge of a 1500-lead folder while another connection renews
    one of its leads: every lead, renewals too, ends in the merged-into
    folder.
  - kill -9 while status_rm moves 3000 leads: after a restart verify passes,
    the status is either gone with every lead moved or still there with the
    rest of its leads; removing it again finishes the job.
  - SIGTERM while status_rm moves 3000 leads: the answer is OK or says
    leadd is shutting down and to run it again; leadd exits 0; verify
    passes; removing it again finishes the job.
  - kill -9 in a storm of renews of one origin (with archive/restore of it
    from another connection): after a restart verify passes (every renewal
    the origin lists renews it and the reverse: the two writes are one
    transaction), and the origin's renewals are exactly the leads made
    with renewed_from = origin.
Ends with leadd stopped and `leadd verify` passing.

Usage: atk_lifecycle_bulk.py LEADD_BINARY PROTO_DIR"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, add_team, add_user, all_leads, desc,  # noqa: E402
                           ok_call, pipeline, run_test)

PW = "atk-bulk-pw-1"
res = Results()


def statuses(c):
    r = ok_call(c, lambda q: q.status_list.SetInParent(), "status_list")
    return {s.name: s for s in r.status_list.statuses}


def add_status(c, name):
    def fill(q):
        s = q.status_add.status
        s.name = name
        s.stage = c.pb.STAGE_LEAD
        s.kpi_class = c.pb.KPI_NONE
        s.probability = 10
    r = c.call(fill)
    return r


def fill_leads(c, n, status_id, owner="r1", window=200):
    def fill_for(i):
        def fill(q):
            q.lead_create.title = "bulk %d" % i
            q.lead_create.owner = owner
            q.lead_create.status_id = status_id
        return fill
    answers = pipeline(c, [fill_for(i) for i in range(n)], window=window)
    bad = [a for a in answers if a.code != 0]
    if bad:
        raise RuntimeError("create: %d failed: %s" % (len(bad), bad[0].message))
    return [a.lead.lead.id for a in answers]


def order_on_one_connection(pb, d, admin):
    r = add_status(admin, "atk-X")
    res.record("status atk-X added", r.code == pb.OK, desc(pb, r))
    sx = statuses(admin)["atk-X"].id
    ids = fill_leads(admin, 1200, sx)
    lid = ids[0]
    c = Client(pb, d.port)

    def rm(q):
        q.status_rm.name = "atk-X"
        q.status_rm.move_to = "lead-New"

    def back(q):
        q.lead_set_status.id = lid
        q.lead_set_status.status = "atk-X"

    answers = pipeline(c, [rm, back, lambda q: add_status_fill(q, pb),
                           lambda q: q.status_list.SetInParent()])
    res.record("status_rm (1200 leads, chunked) answers OK, moved 1200",
               answers[0].code == pb.OK and answers[0].status.moved == 1200,
               desc(pb, answers[0]))
    res.record("the same connection's next move into the removed status is refused",
               answers[1].code != pb.OK, desc(pb, answers[1]))
    res.record("its status_add of the removed name then makes a new status",
               answers[2].code == pb.OK, desc(pb, answers[2]))
    listed = {s.name: s for s in answers[3].status_list.statuses}
    res.record("the list shows the new atk-X with no leads",
               answers[3].code == pb.OK and "atk-X" in listed and listed["atk-X"].leads == 0
               and listed["atk-X"].id != sx,
               str(listed.get("atk-X")))
    lead = ok_call(admin, lambda q: setattr(q.lead_get, "id", lid), "get").lead.lead
    res.record("the lead ended in lead-New", lead.status_id == statuses(admin)["lead-New"].id,
               "status %d" % lead.status_id)
    c.close()


def add_status_fill(q, pb):
    s = q.status_add.status
    s.name = "atk-X"
    s.stage = pb.STAGE_LEAD
    s.kpi_class = pb.KPI_NONE
    s.probability = 10


def others_during_chunks(pb, d, admin):
    r = add_status(admin, "atk-Y")
    sy = statuses(admin)["atk-Y"].id
    ids = fill_leads(admin, 1500, sy)
    origin = ids[-1]
    others = [Client(pb, d.port) for _ in range(2)]
    answers = {}

    def renews():
        def f(q):
            q.lead_renew.id = origin
            q.lead_renew.status = "atk-Y"
        answers["renew"] = pipeline(others[0], [f] * 40, window=5)

    def moves():
        def f(i):
            def fill(q):
                q.lead_set_status.id = ids[i]
                q.lead_set_status.status = "atk-Y"
            return fill
        # leads of the new status atk-X (from the first part) into atk-Y
        answers["move"] = pipeline(others[1], [f(i) for i in range(40)], window=5)

    def archives():
        def f(i):
            def fill(q):
                setattr(q.lead_restore if i % 2 else q.lead_archive, "id", ids[100 + i // 2])
            return fill
        answers["archive"] = pipeline(others[2], [f(i) for i in range(80)], window=5)

    others.append(Client(pb, d.port))
    ths = [threading.Thread(target=renews), threading.Thread(target=moves),
           threading.Thread(target=archives)]
    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.status_rm, "name", "atk-Y"),
                      setattr(q.status_rm, "move_to", "lead-New")))
    for t in ths:
        t.start()
    rm = c.recv()
    for t in ths:
        t.join()
    res.record("status_rm of atk-Y (1500 leads) with renews and moves into it meanwhile",
               rm.code in (pb.OK, pb.ABORTED, pb.NOT_FOUND, pb.FAILED_PRECONDITION),
               desc(pb, rm))
    st = statuses(admin)
    if rm.code == pb.OK:
        res.record("atk-Y is gone", "atk-Y" not in st)
    left = [l.id for l in all_leads(admin) if l.status_id == sy]
    res.record("no lead is left in a removed status",
               "atk-Y" in st or not left, "%d leads in %d" % (len(left), sy))
    every = answers["renew"] + answers["move"] + answers["archive"]
    codes = sorted({pb.Code.Name(a.code) for a in every})
    res.record("the others' answers are OK or a sentence (%s)" % ",".join(codes),
               all(a.code == pb.OK or a.message for a in every))
    res.record("archive/restore of the moving leads all answered OK",
               all(a.code == pb.OK for a in answers["archive"]),
               next((desc(pb, a) for a in answers["archive"] if a.code != pb.OK), ""))
    for o in others:
        o.close()
    c.close()


def kill_mid_rm(pb, d):
    admin = Client(pb, d.port)
    add_status(admin, "atk-Z")
    sz = statuses(admin)["atk-Z"].id
    fill_leads(admin, 3000, sz)
    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.status_rm, "name", "atk-Z"),
                      setattr(q.status_rm, "move_to", "lead-New")))
    time.sleep(0.03)  # the first chunk or two, not all 3000
    d.stop("KILL")
    res.record("kill -9 during status_rm: leadd verify passes", d.verify() == 0)
    d.start()
    admin = Client(pb, d.port)
    st = statuses(admin)
    print("after the kill atk-Z %s" % ("holds %d leads" % st["atk-Z"].leads
                                       if "atk-Z" in st else "is gone"))
    if "atk-Z" in st:
        r = admin.call(lambda q: (setattr(q.status_rm, "name", "atk-Z"),
                                  setattr(q.status_rm, "move_to", "lead-New")))
        res.record("removing atk-Z again finishes the job (moved %d)" % r.status.moved,
                   r.code == pb.OK and r.status.moved == st["atk-Z"].leads, desc(pb, r))
    left = [l.id for l in all_leads(admin) if l.status_id == sz]
    res.record("no lead in atk-Z afterwards", not left and "atk-Z" not in statuses(admin),
               "%d left" % len(left))


def term_mid_rm(pb, d):
    admin = Client(pb, d.port)
    add_status(admin, "atk-W")
    sw = statuses(admin)["atk-W"].id
    fill_leads(admin, 3000, sw)
    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.status_rm, "name", "atk-W"),
                      setattr(q.status_rm, "move_to", "lead-New")))
    time.sleep(0.03)
    d.proc.terminate()
    try:
        r = c.recv()
        res.record("SIGTERM during status_rm: the answer is OK or says leadd is shutting "
                   "down (%s)" % pb.Code.Name(r.code),
                   r.code == pb.OK or (r.code == pb.UNAVAILABLE and "shutting down" in r.message
                                       and "run the command again" in r.message),
                   desc(pb, r))
    except (OSError, EOFError, ConnectionError) as e:
        res.record("SIGTERM during status_rm: an answer before the close", False, str(e))
    rc = d.proc.wait(timeout=30)
    res.record("leadd exits 0 on SIGTERM mid-removal", rc == 0, "exit %d" % rc)
    res.record("SIGTERM during status_rm: leadd verify passes", d.verify() == 0)
    d.start()
    admin = Client(pb, d.port)
    st = statuses(admin)
    if "atk-W" in st:
        r = admin.call(lambda q: (setattr(q.status_rm, "name", "atk-W"),
                                  setattr(q.status_rm, "move_to", "lead-New")))
        res.record("removing atk-W again finishes the job", r.code == pb.OK, desc(pb, r))
    left = [l.id for l in all_leads(admin) if l.status_id == sw]
    res.record("no lead in atk-W afterwards", not left, "%d left" % len(left))


def merge_vs_renew(pb, d):
    """client_merge (chunked) of folder X into Y while another connection
    renews a lead of X: each renewal lands in the folder its origin was in
    when it was made; afterwards no lead is left in X, the origin and every
    renewal are in Y, and verify (folder counts and indexes) passes."""
    admin = Client(pb, d.port)

    def make(i):
        def f(q):
            q.lead_create.title = "m %d" % i
            q.lead_create.owner = "r1"
            q.lead_create.client_name = "Atk Merge X"
            if i == 0:
                q.lead_create.new_client = True
        return f
    ok = pipeline(admin, [make(0)])[0]
    if ok.code:
        res.record("a lead in folder X", False, desc(pb, ok))
        return
    rest = pipeline(admin, [make(i) for i in range(1, 1500)], window=200)
    ok_call(admin, lambda q: (setattr(q.lead_create, "title", "into"),
                              setattr(q.lead_create, "owner", "r1"),
                              setattr(q.lead_create, "client_name", "Atk Merge Y"),
                              setattr(q.lead_create, "new_client", True)), "folder Y")
    origin = ok.lead.lead.id
    res.record("1500 leads in folder X", all(a.code == pb.OK for a in rest))
    other = Client(pb, d.port)
    out = {}

    def renews():
        out["renew"] = pipeline(other, [lambda q: setattr(q.lead_renew, "id", origin)] * 60,
                                window=4)

    c = Client(pb, d.port)
    c.send(lambda q: (setattr(q.client_merge.__getattribute__("from"), "name", "Atk Merge X"),
                      setattr(q.client_merge.into, "name", "Atk Merge Y")))
    t = threading.Thread(target=renews)
    t.start()
    r = c.recv()
    t.join()
    res.record("client_merge answers OK", r.code == pb.OK, desc(pb, r))
    res.record("the renews answer OK", all(a.code == pb.OK for a in out["renew"]),
               next((desc(pb, a) for a in out["renew"] if a.code), ""))
    names = {}
    for l in all_leads(admin):
        if l.id == origin or l.renewed_from == origin or l.title.startswith("m "):
            names[l.client_name] = names.get(l.client_name, 0) + 1
    res.record("every lead of X (origin and renewals too) is in Y afterwards",
               list(names) == ["Atk Merge Y"], str(names))
    c.close()
    other.close()


def kill_mid_renews(pb, d):
    admin = Client(pb, d.port)
    origin = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "origin"),
                                       setattr(q.lead_create, "owner", "r1")),
                     "origin").lead.lead.id
    a2 = Client(pb, d.port)
    stop = threading.Event()

    def flip():
        i = 0
        try:
            while not stop.is_set():
                a2.call(lambda q: setattr(q.lead_restore if i % 2 else q.lead_archive,
                                          "id", origin))
                i += 1
        except Exception:
            pass  # the kill ends it

    t = threading.Thread(target=flip)
    t.start()
    for _ in range(300):
        admin.send(lambda q: setattr(q.lead_renew, "id", origin))
    time.sleep(0.05)
    d.stop("KILL")
    stop.set()
    t.join()
    res.record("kill -9 in a storm of renews: leadd verify passes", d.verify() == 0)
    d.start()
    admin = Client(pb, d.port)
    o = ok_call(admin, lambda q: setattr(q.lead_get, "id", origin), "origin").lead.lead

    made = sorted(l.id for l in all_leads(admin) if l.renewed_from == origin)
    res.record("the origin lists exactly the renewals that exist (%d)" % len(o.renewals),
               sorted(o.renewals) == made, "%s vs %s" % (list(o.renewals)[:5], made[:5]))


def run(pb, d):
    admin = Client(pb, d.port)
    add_team(admin, "A")
    add_user(admin, "r1", pb.ROLE_REP, "A", PW)
    order_on_one_connection(pb, d, admin)
    others_during_chunks(pb, d, admin)
    merge_vs_renew(pb, d)
    kill_mid_rm(pb, d)
    term_mid_rm(pb, d)
    kill_mid_renews(pb, d)


if __name__ == "__main__":
    run_test(res, "atk_lifecycle_bulk", run)
