#!/usr/bin/python3
"""Where logins, sessions and rights meet (issue 8 review of the merge).
Each case starts its own leadd and ends with SIGTERM (exit 0) and
`leadd verify`; run one case per process:

  auth_seams.py LEADD PROTO_DIR CASE

folded_throttle  login finds users whatever case or Unicode form is typed,
                 so the slowdown per (user, address) counts the folded name:
                 after 5 wrong passwords for "tom" from A, "TOM", "tom " and
                 the fullwidth "ｔｏｍ" are refused at once too; tom still
                 logs in from B; the log sums all of them up under "tom".
passwd_throttle  a wrong current password when changing your own counts as
                 a failed login for that user and address: after 5, a 6th
                 try (even with the right password) is refused at once with
                 RESOURCE_EXHAUSTED, a password login for the user from that
                 address is refused the same way, the password is unchanged,
                 and an admin on that address still resets someone's.
passwd_probe     a rep setting another user's password is PERMISSION_DENIED
                 with the same sentence whether that user exists or not (no
                 way to list user names).
bulk_rights      a manager demoted to rep while their bulk move runs: the move
                 stops at the next chunk with PERMISSION_DENIED and says how
                 many moved; a manager whose session is logged out on
                 another connection meanwhile: UNAUTHENTICATED, the same.
queued_writes    a rep pipelines lead_create while an admin sends, in one
                 write, user_disable for that rep and a marker lead_create:
                 no lead of the rep's is created after the marker (the
                 writer runs every write with the rights as of its own
                 commit, not those the loop checked before the disable).
user_cap         one account (a stolen token) cannot fill max_connections so
                 nobody else gets in: with max_connections_per_user=4, tom's
                 5th token login and a password login are RESOURCE_EXHAUSTED
                 (the connection stays as it was), his own connection may
                 log in again as him, ann logs in, and once tom closes one
                 he logs in again; after an admin resets his password, the
                 4 revoked connections (still open) do not keep him out.
disk_full_resume the disk is full (a 4 MiB tmpfs; exit 77, skipped, where it
                 cannot be mounted) and a saved session's last use is older
                 than the touch interval: a new connection still resumes
                 the session with its token and reads (every `lead` command
                 does this), as "reads go on while the disk is full" says.
logout_caps      a logout takes the connection back to pre-login within the
                 pre-login caps: with max_prelogin_per_address=2, 4 logged-in
                 connections from one address log out; the first 2 stay open
                 (and log in again), the others get their OK as their last
                 answer (what was pipelined behind it is not run) and close.
"""
import os
import subprocess
import threading
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Client, Leadd, LoginRefused, load_pb  # noqa: E402
from leadd_harness import Results, all_leads, create_many, ok_call, passwd, send_together  # noqa: E402
import leadd_harness  # noqa: E402

TOM_PW = "tom-password-1"
results = Results()
record = results.record


def add_user(pb, admin, name, role, password=TOM_PW, team=None):
    return leadd_harness.add_user(admin, name, role, team, password, what="add")


def stop_and_verify(d):
    rc = d.stop()
    record("leadd stops cleanly (exit 0)", rc == 0, "exit %s" % rc)
    record("leadd verify passes", d.verify() == 0)


def answer(pb, r):
    return "%s '%s'" % (pb.Code.Name(r.code), r.message)


# ---- folded_throttle ----

def folded_throttle(pb, binary, tmp):
    log = os.path.join(tmp, "leadd.log")
    d = Leadd(binary, tmp, log_level="info", log_file=log).start()
    try:
        admin = Client(pb, d.port)
        add_user(pb, admin, "tom", pb.ROLE_REP)
        admin.close()
        a = Client(pb, d.port, user=None, source="127.0.0.21")
        first = [a.login(user="tom", password="wrong-%d" % i) for i in range(5)]
        record("5 wrong passwords for tom are checked",
               all(r.code == pb.UNAUTHENTICATED for r in first),
               "; ".join(answer(pb, r) for r in first))
        want = re.compile(r"^too many failed logins from 127\.0\.0\.21; retry in \d+ s$")
        for typed in ("TOM", "Tom", "tom ", "\uff54\uff4f\uff4d"):
            t0 = time.time()
            r = a.login(user=typed, password="wrong-again")
            ms = (time.time() - t0) * 1000
            record("then %r (the same user) is refused at once" % typed,
                   r.code == pb.RESOURCE_EXHAUSTED and want.match(r.message) and ms < 500,
                   "%s in %.0f ms" % (answer(pb, r), ms))
        a.close()
        try:
            b = Client(pb, d.port, user="TOM", password=TOM_PW, source="127.0.0.22")
            record("tom logs in from another address", b.user.name == "tom")
            b.close()
        except LoginRefused as e:
            record("tom logs in from another address", False, answer(pb, e.response))
    finally:
        stop_and_verify(d)
    failed = [ln for ln in open(log).read().splitlines() if "failed login" in ln]
    summary = [ln for ln in failed
               if re.search(r"9 failed logins for tom from 127\.0\.0\.21 in the last", ln)]
    record("the log sums up the 9 failures under tom", len(summary) == 1,
           " | ".join(failed))


# ---- passwd_throttle ----

def passwd_throttle(pb, binary, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_user(pb, admin, "tom", pb.ROLE_REP)
        add_user(pb, admin, "ann", pb.ROLE_REP)
        admin.close()
        # A stolen token: the thief tries to guess tom's password to take
        # the account over for good.
        c = Client(pb, d.port, user="tom", password=TOM_PW, source="127.0.0.31")
        first = [passwd(c, "thief-password-1", current="guess-%d" % i) for i in range(5)]
        record("5 wrong current passwords are checked (PERMISSION_DENIED)",
               all(r.code == pb.PERMISSION_DENIED for r in first),
               "; ".join(answer(pb, r) for r in first))
        want = re.compile(r"^too many failed logins from 127\.0\.0\.31; retry in \d+ s$")
        t0 = time.time()
        r = passwd(c, "thief-password-1", current="guess-5")
        ms = (time.time() - t0) * 1000
        record("a 6th guess is refused at once", r.code == pb.RESOURCE_EXHAUSTED
               and want.match(r.message) and ms < 500, "%s in %.0f ms" % (answer(pb, r), ms))
        r = passwd(c, "thief-password-1", current=TOM_PW, name="TOM")
        record("so is the right one, naming yourself another way",
               r.code == pb.RESOURCE_EXHAUSTED and want.match(r.message), answer(pb, r))
        c.close()
        x = Client(pb, d.port, user=None, source="127.0.0.31")
        r = x.login(user="tom", password=TOM_PW)
        record("a password login for tom from that address is refused too",
               r.code == pb.RESOURCE_EXHAUSTED and want.match(r.message), answer(pb, r))
        x.close()
        try:
            b = Client(pb, d.port, user="tom", password=TOM_PW, source="127.0.0.32")
            record("tom's password is unchanged: he logs in from another address", True)
            b.close()
        except LoginRefused as e:
            record("tom's password is unchanged: he logs in from another address", False,
                   answer(pb, e.response))
        a = Client(pb, d.port, source="127.0.0.31")
        r = passwd(a, "new-ann-password", name="ann")
        record("an admin on that address still resets another user's password",
               r.code == pb.OK, answer(pb, r))
        a.close()
    finally:
        stop_and_verify(d)


# ---- passwd_probe ----

def passwd_probe(pb, binary, tmp):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_user(pb, admin, "tom", pb.ROLE_REP)
        add_user(pb, admin, "ann", pb.ROLE_REP)
        admin.close()
        c = Client(pb, d.port, user="tom", password=TOM_PW)
        there = passwd(c, "whatever-password", name="ann")
        nobody = passwd(c, "whatever-password", name="nosuchuser")
        record("a rep naming another user: PERMISSION_DENIED", there.code == pb.PERMISSION_DENIED,
               answer(pb, there))
        record("the same answer whether the user exists or not",
               (there.code, there.message) == (nobody.code, nobody.message),
               "%s / %s" % (answer(pb, there), answer(pb, nobody)))
        c.close()
    finally:
        stop_and_verify(d)


# ---- bulk_rights ----

def owned_count(c, user_id):
    return sum(1 for ld in all_leads(c, "list") if ld.owner_id == user_id)


def bulk_then(pb, d, admin, mgr_name, src, dst, change, n=6000):
    """mgr_name moves src's n leads to dst; once the first chunk is in,
    admin runs change(). The bulk's answer and how many dst owns."""
    m = Client(pb, d.port, user=mgr_name, password=TOM_PW, timeout=120)
    first = create_many(admin, n, src)[0]
    dst_id = [u for u in ok_call(admin, lambda q: q.user_list.SetInParent(),
                                 "users").user_list.users if u.name == dst][0].id
    m.send(lambda q: (setattr(q.lead_bulk_assign, "from_user", src),
                      setattr(q.lead_bulk_assign, "to_user", dst)))
    until = time.time() + 60
    while time.time() < until:
        got = ok_call(admin, lambda q: setattr(q.lead_get, "id", first), "get").lead.lead
        if got.owner_id == dst_id:
            break
    change(m)
    try:
        r = m.recv()
    except (EOFError, OSError) as e:
        r = e
    m.close()
    return r, owned_count(admin, dst_id)


def bulk_rights(pb, binary, tmp):
    d = Leadd(binary, tmp).start()
    n = 6000
    try:
        admin = Client(pb, d.port, timeout=120)
        add_user(pb, admin, "mia", pb.ROLE_MANAGER)
        add_user(pb, admin, "max", pb.ROLE_MANAGER)
        ok_call(admin, lambda q: (setattr(q.team_add, "name", "north"),
                                  q.team_add.managers.extend(["mia", "max"])), "team")
        for name in ("r1", "r2", "r3", "r4"):
            add_user(pb, admin, name, pb.ROLE_REP, team="north")

        def demote(m):
            ok_call(admin, lambda q: (setattr(q.user_edit, "name", "mia"),
                                      setattr(q.user_edit, "role", pb.ROLE_REP)), "demote")
        def stopped(short, what, code, dst, r, really, says_moved=False):
            if isinstance(r, Exception):
                record(short + ": stopped", False, "no answer: %r" % r)
                return
            moved = (r.lead_bulk_assign.moved
                     if r.WhichOneof("body") == "lead_bulk_assign" else None)
            record(what,
                   r.code == code and moved is not None and 0 < moved < n
                   and moved == really
                   and (not says_moved or ("%d of the leads were moved" % moved) in r.message),
                   "%s, moved=%s, %s owns %d of %d" % (answer(pb, r), moved, dst, really, n))

        r, really = bulk_then(pb, d, admin, "mia", "r1", "r2", demote, n)
        stopped("demoted during a bulk move",
                "a manager demoted during their bulk move: PERMISSION_DENIED at the next "
                "chunk, with moved=N", pb.PERMISSION_DENIED, "r2", r, really, says_moved=True)

        def revoke(m):
            # Logged out on another connection (no password hash to wait
            # for: the revocation lands while the move runs).
            other = Client(pb, d.port, token=m.token)
            ok_call(other, lambda q: q.logout.SetInParent(), "logout")
            other.close()
        r, really = bulk_then(pb, d, admin, "max", "r3", "r4", revoke, n)
        stopped("revoked during a bulk move",
                "a manager whose session is revoked during their bulk move: "
                "UNAUTHENTICATED at the next chunk, with moved=N",
                pb.UNAUTHENTICATED, "r4", r, really)
        admin.close()
    finally:
        stop_and_verify(d)


# ---- queued_writes ----

def queued_writes(pb, binary, tmp, rounds=6, floods=3):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port, timeout=60)
        late_total = 0
        details = []
        for k in range(rounds):
            name = "pip%d" % k
            uid = add_user(pb, admin, name, pb.ROLE_REP).id
            first = Client(pb, d.port, user=name, password=TOM_PW, timeout=60)
            conns = [first] + [Client(pb, d.port, token=first.token, timeout=60)
                               for _ in range(floods - 1)]
            answers = []

            def flood(c):
                sent, got = 0, 0
                try:
                    while sent < 3000:
                        while sent - got < 60 and sent < 3000:
                            c.send(lambda q: setattr(q.lead_create, "title", "p %d" % sent))
                            sent += 1
                        answers.append(c.recv())
                        got += 1
                except (EOFError, OSError):
                    pass
            threads = [threading.Thread(target=flood, args=(c,)) for c in conns]
            for th in threads:
                th.start()
            while len(answers) < 300 and any(th.is_alive() for th in threads):
                time.sleep(0.005)
            # The disable, then a marker: any lead of the rep's with a
            # higher id was created after the disable, in the writer.
            send_together(admin, [lambda q: setattr(q.user_disable, "name", name),
                                  lambda q: (setattr(q.lead_create, "title", "marker"),
                                             setattr(q.lead_create, "owner", ADMIN))])
            disabled, marker = admin.recv(), admin.recv()
            for th in threads:
                th.join(60)
            for c in conns:
                c.close()
            if marker.code != pb.OK or disabled.code != pb.OK:
                raise RuntimeError("marker %s, disable %s" % (answer(pb, marker),
                                                                answer(pb, disabled)))
            mid = marker.lead.lead.id
            late, cursor = 0, None
            while True:
                def fill(q):
                    q.lead_list.limit = 1000
                    if cursor:
                        q.lead_list.cursor = cursor
                r = ok_call(admin, fill, "list")
                late += sum(1 for ld in r.lead_list.leads if ld.owner_id == uid and ld.id > mid)
                cursor = r.lead_list.cursor
                if not cursor:
                    break
            ok_n = sum(1 for a in answers if a.code == pb.OK)
            details.append("%s: %d created, %d after the disable" % (name, ok_n, late))
            late_total += late
        record("no write of a disabled user runs after the disable in the writer",
               late_total == 0, "; ".join(details))
        admin.close()
    finally:
        stop_and_verify(d)


# ---- user_cap ----

def user_cap(pb, binary, tmp):
    d = Leadd(binary, tmp, ["--set", "max_connections_per_user=4"]).start()
    try:
        admin = Client(pb, d.port)
        add_user(pb, admin, "tom", pb.ROLE_REP)
        add_user(pb, admin, "ann", pb.ROLE_REP)
        admin.close()
        first = Client(pb, d.port, user="tom", password=TOM_PW)
        mine = [first] + [Client(pb, d.port, token=first.token) for _ in range(3)]
        want = re.compile(r"^this user is logged in on 4 connections already "
                          r"\(max_connections_per_user\); close some and try again$")
        extra = Client(pb, d.port, user=None)
        r = extra.login(token=first.token)
        record("a 5th token login is RESOURCE_EXHAUSTED",
               r.code == pb.RESOURCE_EXHAUSTED and want.match(r.message), answer(pb, r))
        r = extra.call(lambda q: q.whoami.SetInParent())
        record("and that connection is still not logged in", r.code == pb.UNAUTHENTICATED,
               answer(pb, r))
        r = extra.login(user="tom", password=TOM_PW)
        record("so is a 5th password login",
               r.code == pb.RESOURCE_EXHAUSTED and want.match(r.message), answer(pb, r))
        r = mine[1].login(token=first.token)
        record("one of tom's connections logs in again as tom", r.code == pb.OK, answer(pb, r))
        try:
            Client(pb, d.port, user="ann", password=TOM_PW).close()
            record("ann logs in", True)
        except LoginRefused as e:
            record("ann logs in", False, answer(pb, e.response))
        mine.pop().close()
        # A ping on another connection, answered: leadd has read the close
        # too (it was there first) and counts tom on 3 connections. (A fixed
        # 0.3 s left a loaded leadd counting 4 at the login.)
        ok_ping = first.call(lambda q: q.ping.SetInParent())
        record("tom's first connection still answers", ok_ping.code == pb.OK, answer(pb, ok_ping))
        r = extra.login(token=first.token)
        record("once tom closes one, he logs in again", r.code == pb.OK, answer(pb, r))
        # A thief holding tom's token on 4 idle connections: the admin
        # resets tom's password, and tom must get in, although those
        # connections are still open (they would be refused at their next
        # request).
        mine.append(extra)
        admin = Client(pb, d.port)
        ok_call(admin, lambda q: (setattr(q.user_passwd, "name", "tom"),
                                  setattr(q.user_passwd, "password", "tom-new-password")),
                "reset")
        admin.close()
        try:
            Client(pb, d.port, user="tom", password="tom-new-password").close()
            record("after a reset, revoked connections do not count against the cap", True)
        except LoginRefused as e:
            record("after a reset, revoked connections do not count against the cap", False,
                   answer(pb, e.response))
        for c in mine:
            c.close()
    finally:
        stop_and_verify(d)


# ---- disk_full_resume ----

def disk_full_resume(pb, binary, tmp):
    disk = os.path.join(tmp, "disk")
    os.mkdir(disk)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if m.returncode != 0:
        print("SKIPPED - cannot mount a tmpfs here (needs root): %s" % m.stdout.decode().strip())
        return 77
    # session_idle_timeout 8 s: the touch interval is 2 s.
    d = Leadd(binary, tmp, ["--set", "session_idle_timeout=8"])
    d.data = os.path.join(disk, "data")
    try:
        with open(os.path.join(disk, "filler"), "wb") as f:
            f.write(b"\0" * (1536 * 1024))
        d.start()
        c = Client(pb, d.port)
        token, refused, first = c.token, 0, None
        for i in range(2000):
            r = c.call(lambda q: (setattr(q.lead_create, "title", "lead %d" % i),
                                  setattr(q.lead_create, "owner", ADMIN),
                                  setattr(q.lead_create, "description", "d%d " % i * 1500)))
            if r.code == pb.OK:
                first = first or r.lead.lead.id
            else:
                refused += 1
                if refused == 5:
                    break
        record("the disk fills", refused == 5 and first, "%d refused" % refused)
        time.sleep(2.5)
        try:
            n = Client(pb, d.port, token=token)
            r = n.call(lambda q: setattr(q.lead_get, "id", first))
            record("a saved session resumes on a new connection and reads while the disk is "
                   "full", r.code == pb.OK, answer(pb, r))
            n.close()
        except LoginRefused as e:
            record("a saved session resumes on a new connection and reads while the disk is "
                   "full", False, answer(pb, e.response))
        r = c.call(lambda q: setattr(q.lead_get, "id", first))
        record("the open connection reads too", r.code == pb.OK, answer(pb, r))
        c.close()
        os.unlink(os.path.join(disk, "filler"))
        stop_and_verify(d)
    finally:
        if d.proc and d.proc.poll() is None:
            d.stop("KILL")
        subprocess.run(["umount", "-l", disk])


# ---- logout_caps ----

def logout_caps(pb, binary, tmp):
    d = Leadd(binary, tmp, ["--set", "max_prelogin_per_address=2",
                            "--set", "login_timeout_ms=60000"]).start()
    try:
        cs = [Client(pb, d.port, source="127.0.0.41") for _ in range(4)]
        outcomes = []
        for i, c in enumerate(cs):
            c.send(lambda q: q.logout.SetInParent())
            c.send(lambda q: q.whoami.SetInParent())
            r = c.recv()
            try:
                w = c.recv()
                after = "answered %s" % pb.Code.Name(w.code)
            except (EOFError, OSError):
                after = "closed"
            outcomes.append((pb.Code.Name(r.code), after))
        record("the first 2 logouts leave their connections open (the next request is "
               "answered 'log in first')",
               outcomes[:2] == [("OK", "answered UNAUTHENTICATED")] * 2, str(outcomes))
        record("the 3rd and 4th get OK as their last answer and close",
               outcomes[2:] == [("OK", "closed")] * 2, str(outcomes))
        r = cs[0].login(user=ADMIN, password=ADMIN_PASSWORD)
        record("a logged-out connection logs in again", r.code == pb.OK, answer(pb, r))
        for c in cs:
            c.close()
    finally:
        stop_and_verify(d)


CASES = {"logout_caps": logout_caps, "disk_full_resume": disk_full_resume, "user_cap": user_cap, "queued_writes": queued_writes, "folded_throttle": folded_throttle, "passwd_throttle": passwd_throttle,
         "passwd_probe": passwd_probe, "bulk_rights": bulk_rights}


def main():
    binary, proto_dir, case = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        if CASES[case](pb, binary, tmp) == 77:
            return 77
    rc = results.summary("checks")
    return rc if len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
