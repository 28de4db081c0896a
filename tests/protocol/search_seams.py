#!/usr/bin/python3
"""A listing that yields (lead_list runs in slices on the loop) against what
happens between its slices, on a real leadd.

A manager's listing walks the N leads of their team's pool (a created-since
bound no index drives) to find the one lead created last. While it runs,
another connection changes the manager's rights. Each slice runs as the
session is *now*, like every request and every chunk of a bulk write:

- the manager's session is logged out elsewhere, or the user disabled:
  the listing answers UNAUTHENTICATED and the connection closes;
- the manager is taken off the team's managers, or demoted to rep: the
  listing does not return the team's lead (it answers ABORTED, "run it
  again");
- a rep's team pool is made invisible to reps while the rep's listing of
  the pool runs: the same.

On one connection, [long listing, a write that makes its lead stop
matching, a listing] answers in order and the first listing still finds the
lead (a write never overtakes an earlier read); a logout pipelined behind a
long listing waits for it. A client that disconnects while its listing is
yielded, and a SIGTERM while listings are yielded, leave leadd running /
stopping with exit 0 and `leadd verify` passing (run it under the ASan build
too).

SEAMS_LEADS overrides N (default 60,000).
Usage: search_seams.py LEADD_BINARY PROTO_DIR
"""
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, add_team, add_user, desc, run_test  # noqa: E402
from leadd_harness import ok_call, pipeline  # noqa: E402

PW = "seams-pw-1"
results = Results()
record = results.record



def main():
    run_test(results, "search seams", run)


def bulk(admin, n, team, title):
    def fill(q):
        q.lead_create.title = title
        q.lead_create.team = team
    done = 0
    while done < n:
        k = min(5000, n - done)
        ans = pipeline(admin, [fill] * k, window=500)
        bad = [a for a in ans if a.code != 0]
        if bad:
            raise RuntimeError("bulk create: " + bad[0].message)
        done += k


def run(pb, d):
    n = int(os.environ.get("SEAMS_LEADS", "60000"))
    admin = Client(pb, d.port)
    add_team(admin, "north", pool_visible=True)
    add_team(admin, "south")
    t0 = time.time()
    bulk(admin, n, "north", "north bulk")
    record("%d pool leads of north created" % n, True, "%.1f s" % (time.time() - t0))
    since = int(time.time() * 1000) + 5
    time.sleep(0.02)
    last = ok_call(admin, lambda q: (setattr(q.lead_create, "title", "north last"),
                                     setattr(q.lead_create, "team", "north")),
                   "last lead").lead.lead

    def walk(q):
        """The long listing: every north lead examined, the last one found."""
        q.lead_list.filter.created_since = since
        q.lead_list.filter.no_next = True
        q.lead_list.limit = 10

    def manager(name, team="north"):
        add_user(admin, name, pb.ROLE_MANAGER, team, PW)
        ok_call(admin, lambda q: (setattr(q.team_edit, "name", "north"),
                                  q.team_edit.managers.items.append(name)), "manage north")
        return Client(pb, d.port, name, PW)

    # How long the walk takes alone: the rights change below must land in it.
    m0 = manager("m0")
    t = time.time()
    r = m0.call(walk)
    walk_ms = (time.time() - t) * 1000
    record("the manager's walk finds the last lead (baseline)",
           r.code == 0 and [l.id for l in r.lead_list.leads] == [last.id],
           "%s, %.0f ms" % (desc(pb, r), walk_ms))
    t = time.time()
    ok_call(admin, lambda q: q.ping.SetInParent(), "ping")
    ping_ms = (time.time() - t) * 1000

    # Admin connections whose own walks run beside the user's: yielded
    # listings take turns on the loop (the oldest gets the next slice), so
    # the user's walk, started after them, stays yielded for about seven
    # walks' time instead of one (13-20 ms here, while a change's durable
    # commit took 3-18 ms on the loaded machine: the walk often ended
    # first and the case proved nothing).
    fillers = [Client(pb, d.port, token=admin.token) for _ in range(6)]

    def synced(what):
        """A ping on admin's connection, answered: leadd has read what was
        sent before it, and a listing read then has had its first slice
        (the idle handle runs it before the loop reads anything later)."""
        ok_call(admin, lambda q: q.ping.SetInParent(), "ping after " + what)

    def during(setup, what):
        """A walk with a change made on admin's connection while it runs.
        setup(k) gives (the walker's client, the change) for try k: a new
        user each time, as the change ends or alters the last one's rights.
        Tried again, up to three times, when the walk had answered OK before
        the change was committed: on a loaded machine a change's commit can
        still take longer than the walk, and such a try proves nothing
        either way (a leadd that let the walk ignore the change fails every
        try)."""
        for k in range(3):
            c, change = setup(k)
            sent = time.time()
            c.send(walk)
            # (A fixed 3 ms sleep here let a slow leadd read the change
            # before the walk: the walk then started with the new rights,
            # and a manager of no team got OK and no leads, not ABORTED.)
            synced("the walk")
            # Sent after the walk's first slice: new listings' first slices
            # queue (about 1 ms of them per loop turn), so the admin's walks
            # sent first would have held the user's first slice until after
            # the change.
            for f in fillers:
                f.send(walk)
            t = time.time()
            change()
            change_ms = (time.time() - t) * 1000
            # The change is committed: was the walk still running? (Its
            # answer not there yet.)
            early = select.select([c.sock], [], [], 0)[0]
            try:
                r = c.recv()
            except (EOFError, OSError) as e:
                r, detail = None, "closed (%s)" % type(e).__name__
            else:
                detail = "%s (change took %.0f ms; the walk answered after %.0f ms, %.0f ms "\
                    "alone)" % (desc(pb, r), change_ms, (time.time() - sent) * 1000, walk_ms)
            ran = r is None or not (early and r.code == 0)
            for f in fillers:
                f.recv()
            if k:
                detail += ", try %d" % (k + 1)
            if ran:
                break
        inside.append(ran)
        return r, detail

    inside = []

    def no_team_lead(r):
        return r is None or r.code != 0 or last.id not in [l.id for l in r.lead_list.leads]

    # 1. Logged out on another connection with the same token.
    def logout_setup(k):
        m1 = manager("m1%s" % ("abc"[k] if k else ""))
        other = Client(pb, d.port, token=m1.token)
        return m1, lambda: ok_call(other, lambda q: q.logout.SetInParent(), "logout")
    r, detail = during(logout_setup, "logout")
    record("session logged out while the listing yields: UNAUTHENTICATED, no leads",
           r is None or r.code == pb.UNAUTHENTICATED, detail)
    # 2. The user disabled by the admin (a password reset ends sessions the
    # same way, but its hashing takes longer than the walk).
    def disable_setup(k):
        name = "m2%s" % ("abc"[k] if k else "")
        return manager(name), lambda: ok_call(
            admin, lambda q: setattr(q.user_disable, "name", name), "disable")
    r, detail = during(disable_setup, "disable")
    record("user disabled while the listing yields: UNAUTHENTICATED or closed, no leads",
           r is None or r.code == pb.UNAUTHENTICATED, detail)
    # 3. Taken off the team's managers (a manager of no team of their own).
    def unmanage():
        def fill(q):
            q.team_edit.name = "north"
            q.team_edit.managers.SetInParent()
            q.team_edit.managers.items.extend(["m0"])
        ok_call(admin, fill, "unmanage")
    r, detail = during(lambda k: (manager("m3%s" % ("abc"[k] if k else ""), team=None),
                                  unmanage), "unmanage")
    record("taken off the team's managers while the listing yields: the team's lead is not "
           "returned", no_team_lead(r) and (r is None or r.code == pb.ABORTED), detail)
    # 4. Demoted to a rep of the same team (the pool is visible to reps, so
    # move them out of it too: a rep of south).
    def demote_setup(k):
        name = "m4%s" % ("abc"[k] if k else "")
        return manager(name), lambda: ok_call(
            admin, lambda q: (setattr(q.user_edit, "name", name),
                              setattr(q.user_edit, "team", "south"),
                              setattr(q.user_edit, "role", pb.ROLE_REP)), "demote")
    r, detail = during(demote_setup, "demote")
    record("demoted and moved while the listing yields: the old team's lead is not returned",
           no_team_lead(r), detail)
    # 5. A rep's pool made invisible to reps.
    def pool(visible):
        ok_call(admin, lambda q: (setattr(q.team_edit, "name", "north"),
                                  setattr(q.team_edit, "pool_visible", visible)),
                "show pool" if visible else "hide pool")

    def hide_setup(k):
        name = "r5%s" % ("abc"[k] if k else "")
        pool(True)
        add_user(admin, name, pb.ROLE_REP, "north", PW)
        return Client(pb, d.port, name, PW), lambda: pool(False)
    r, detail = during(hide_setup, "hide")
    record("pool hidden from reps while a rep's listing yields: its lead is not returned",
           no_team_lead(r), detail)
    pool(True)
    for f in fillers:
        f.close()
    record("every rights change was committed while the walk still ran (else raise "
           "SEAMS_LEADS)", all(inside), "%s; ping %.1f ms, walk %.0f ms" % (inside, ping_ms,
                                                                         walk_ms))

    # 6. Order on one connection: the write behind the walk does not run
    # before it (the walk still finds the lead), answers in order.
    def give_next(q):
        q.lead_update.id = last.id
        q.lead_update.expected_version = last.version
        q.lead_update.next_action_at = since + 86400000
    first = m0.next_id
    ans = pipeline(m0, [walk, give_next, walk])
    record("[walk, write, walk] on one connection: in order, the write after the first walk",
           [a.id for a in ans] == [first, first + 1, first + 2] and ans[1].code == 0 and
           [l.id for l in ans[0].lead_list.leads] == [last.id] and
           not ans[2].lead_list.leads,
           repr([(a.id, desc(pb, a), len(a.lead_list.leads)) for a in ans]))
    # 7. A logout pipelined behind the walk: the walk answers as m0.
    ans = pipeline(m0, [walk, lambda q: q.logout.SetInParent(),
                        lambda q: q.ping.SetInParent()])
    record("a logout behind a yielded listing waits for it",
           ans[0].code == 0 and ans[1].code == 0, repr([desc(pb, a) for a in ans]))
    m0.close()
    # 8. Clients that go away while their listing is yielded.
    for _ in range(5):
        c = Client(pb, d.port)
        c.send(lambda q: (setattr(q.lead_list.filter, "created_before", 1),
                          setattr(q.lead_list, "limit", 10)))
        time.sleep(0.002)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        c.close()
    r = admin.call(lambda q: q.ping.SetInParent())
    record("clients gone while their listing yields: leadd still answers", r.code == 0,
           desc(pb, r))
    # 9. SIGTERM with listings yielded and parked.
    cs = [Client(pb, d.port) for _ in range(12)]  # more than run at once (8)
    for c in cs:
        c.send(lambda q: (setattr(q.lead_list.filter, "created_before", 1),
                          setattr(q.lead_list, "limit", 10)))
    time.sleep(0.005)
    results.stop_and_verify(d, "with listings yielded, leadd")


if __name__ == "__main__":
    main()
