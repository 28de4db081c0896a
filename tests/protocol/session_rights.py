#!/usr/bin/python3
"""Rights are those of the session *now* (issue 8), against a real leadd.

Each case opens a connection, changes something from another connection
(or lets time pass), and shows what the open connection's next request gets:

- admin resets the user's password: UNAUTHENTICATED "expired or was
  revoked", then the server closes the connection;
- the session is logged out on another connection with the same token:
  the same;
- session_max_age passes (a leadd with session_max_age=2): the same;
- the idle expiry passes (session_idle_timeout=2): the same, while a
  connection used every 0.3 s outlives it (use counts, not only logins);
- a manager is demoted to rep: a manager-only request on the open
  connection is PERMISSION_DENIED, the connection stays;
- a manager is moved to another team, or taken off a team's managers: the
  open connection no longer lists the old team's leads;
- a user is disabled: the open connection is closed;
- your own password: without the current one INVALID_ARGUMENT, with a wrong
  one PERMISSION_DENIED (nothing changes), with the right one OK (this
  connection goes on, the user's other sessions end); an admin resets
  another user's without it;
- a login with both a token and a user/password is INVALID_ARGUMENT;
- re-login on a logged-in connection replaces its user (also once its
  session was revoked); after logout the connection logs in again without a
  second Hello;
- expired sessions are deleted from the store by the sweep: the sessions
  and sessions_by_user databases (mdb_stat) are empty after a burst of
  logins has expired, while their tokens are refused.

Usage: session_rights.py LEADD_BINARY PROTO_DIR
Every leadd ends stopped (SIGTERM, exit 0) with `leadd verify` passing.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Client, Leadd, LoginRefused  # noqa: E402
from leadd_harness import load_pb  # noqa: E402
from leadd_harness import Results, add_team, ok_call, passwd  # noqa: E402
import leadd_harness  # noqa: E402

PW = "rights-pw-1"
results = Results()
record = results.record
stop_and_verify = results.stop_and_verify


def add_user(admin, name, role, team=None, password=PW):
    return leadd_harness.add_user(admin, name, role, team, password)


def ping(c):
    return c.call(lambda q: q.ping.SetInParent())


def desc(pb, r):
    return "%s '%s'" % (pb.Code.Name(r.code), r.message) if r.code else "OK"


def refused_and_closed(pb, c):
    """The next request gets UNAUTHENTICATED 'expired or was revoked', and
    the connection is closed after it. Returns (ok, detail)."""
    try:
        r = ping(c)
    except (EOFError, OSError) as e:
        return False, "closed without an answer (%s)" % e
    if r.code != pb.UNAUTHENTICATED or "expired or was revoked" not in r.message:
        return False, "next request got " + desc(pb, r)
    try:
        c.sock.settimeout(5)
        extra = c._exact(1)
        return False, "connection still open (read %r)" % extra
    except EOFError:
        return True, desc(pb, r)
    except OSError as e:
        return False, "connection not closed within 5 s (%s)" % e


def lead_titles(c):
    r = c.call(lambda q: setattr(q.lead_list, "limit", 1000))
    if r.code:
        return None
    return sorted(l.title for l in r.lead_list.leads)


# ---- cases on the main leadd ----

def password_reset_by_admin(pb, d, admin):
    add_user(admin, "reset1", pb.ROLE_REP, "East")
    c = Client(pb, d.port, "reset1", PW)
    before = ping(c)
    ok_call(admin, lambda q: (setattr(q.user_passwd, "name", "reset1"),
                              setattr(q.user_passwd, "password", PW + "new")), "reset")
    ok, detail = refused_and_closed(pb, c)
    record("admin password reset: the open connection is refused and closed",
           before.code == 0 and ok, detail)


def logout_elsewhere(pb, d, admin):
    add_user(admin, "logout1", pb.ROLE_REP, "East")
    c1 = Client(pb, d.port, "logout1", PW)
    c2 = Client(pb, d.port, token=c1.token)
    third = Client(pb, d.port, "logout1", PW)  # another session of the same user
    ok_call(c2, lambda q: q.logout.SetInParent(), "logout")
    ok, detail = refused_and_closed(pb, c1)
    record("logout on another connection with the same token: the open connection is "
           "refused and closed", ok, detail)
    r = ping(third)
    record("... a different session of the same user goes on", r.code == 0, desc(pb, r))
    third.close()
    c2.close()


def demotion(pb, d, admin):
    add_user(admin, "boss1", pb.ROLE_MANAGER, "East")
    c = Client(pb, d.port, "boss1", PW)
    before = c.call(lambda q: q.user_list.SetInParent())
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "boss1"),
                              setattr(q.user_edit, "role", pb.ROLE_REP)), "demote")
    after = c.call(lambda q: q.user_list.SetInParent())
    again = ping(c)
    record("demotion manager -> rep: a manager-only request on the open connection is "
           "PERMISSION_DENIED",
           before.code == 0 and after.code == pb.PERMISSION_DENIED and again.code == 0,
           "before %s, after %s, then ping %s" % (desc(pb, before), desc(pb, after),
                                                  desc(pb, again)))
    w = c.call(lambda q: q.whoami.SetInParent())
    record("... whoami on that connection says rep",
           w.code == 0 and w.whoami.user.role == pb.ROLE_REP, desc(pb, w))
    c.close()


def team_move(pb, d, admin):
    add_team(admin, "North")
    add_team(admin, "South")
    ok_call(admin, lambda q: (setattr(q.lead_create, "title", "north pool lead"),
                              setattr(q.lead_create, "team", "North")), "north lead")
    ok_call(admin, lambda q: (setattr(q.lead_create, "title", "south pool lead"),
                              setattr(q.lead_create, "team", "South")), "south lead")
    add_user(admin, "mover", pb.ROLE_MANAGER, "North")
    c = Client(pb, d.port, "mover", PW)
    before = lead_titles(c)
    ok_call(admin, lambda q: (setattr(q.user_edit, "name", "mover"),
                              setattr(q.user_edit, "team", "South")), "move")
    after = lead_titles(c)
    record("team move: a manager's open connection loses the old team's leads and sees "
           "the new team's",
           before == ["north pool lead"] and after == ["south pool lead"],
           "before %s, after %s" % (before, after))
    c.close()
    # Taken off a team's managers (team_edit) on an open connection.
    add_team(admin, "West")
    ok_call(admin, lambda q: (setattr(q.lead_create, "title", "west pool lead"),
                              setattr(q.lead_create, "team", "West")), "west lead")
    add_user(admin, "westboss", pb.ROLE_MANAGER)
    ok_call(admin, lambda q: (setattr(q.team_edit, "name", "West"),
                              q.team_edit.managers.items.append("westboss")), "add manager")
    c = Client(pb, d.port, "westboss", PW)
    before = lead_titles(c)

    def unmanage(q):
        q.team_edit.name = "West"
        q.team_edit.managers.SetInParent()
    ok_call(admin, unmanage, "remove manager")
    after = lead_titles(c)
    record("taken off a team's managers: the open connection no longer sees its leads",
           before == ["west pool lead"] and after == [],
           "before %s, after %s" % (before, after))
    c.close()


def disable(pb, d, admin):
    add_user(admin, "gone1", pb.ROLE_REP, "East")
    c = Client(pb, d.port, "gone1", PW)
    ok_call(admin, lambda q: setattr(q.user_disable, "name", "gone1"), "disable")
    try:
        r = ping(c)
        ok = r.code == pb.UNAUTHENTICATED
        detail = desc(pb, r)
    except (EOFError, OSError) as e:
        ok, detail = True, "closed (%s)" % type(e).__name__
    record("disable: the open connection's next request is refused or finds it closed",
           ok, detail)


def own_password(pb, d, admin):
    add_user(admin, "self1", pb.ROLE_REP, "East")
    c = Client(pb, d.port, "self1", PW)
    other = Client(pb, d.port, "self1", PW)  # another session of self1
    r = passwd(c, PW + "2")
    record("own password without the current one: INVALID_ARGUMENT",
           r.code == pb.INVALID_ARGUMENT and "current password" in r.message, desc(pb, r))
    r = passwd(c, PW + "2", current="not-my-password")
    record("own password with a wrong current one: PERMISSION_DENIED",
           r.code == pb.PERMISSION_DENIED and "current password" in r.message, desc(pb, r))
    r = passwd(c, PW + "2", name="self1")
    record("own password named explicitly, without the current one: INVALID_ARGUMENT",
           r.code == pb.INVALID_ARGUMENT, desc(pb, r))
    try:
        Client(pb, d.port, "self1", PW).close()
        unchanged = True
    except LoginRefused:
        unchanged = False
    record("... the refused changes left the password as it was", unchanged)
    r = passwd(c, PW + "2", current=PW)
    record("own password with the right current one: OK", r.code == 0, desc(pb, r))
    r = ping(c)
    record("... this connection goes on", r.code == 0, desc(pb, r))
    ok, detail = refused_and_closed(pb, other)
    record("... the user's other session is refused and closed", ok, detail)
    try:
        Client(pb, d.port, "self1", PW + "2").close()
        works = True
    except LoginRefused:
        works = False
    record("... the new password logs in", works)
    r = admin.call(lambda q: (setattr(q.user_passwd, "name", "self1"),
                              setattr(q.user_passwd, "password", PW + "3")))
    record("admin resets another user's password without a current one: OK", r.code == 0,
           desc(pb, r))
    ok, detail = refused_and_closed(pb, c)
    record("... and that user's open connection is refused and closed", ok, detail)


def ambiguous_login(pb, d, admin):
    add_user(admin, "amb1", pb.ROLE_REP, "East")
    tok = Client(pb, d.port, "amb1", PW).token
    c = Client(pb, d.port, user=None)
    r = c.call(lambda q: (setattr(q.login, "token", tok), setattr(q.login, "user", "amb1"),
                          setattr(q.login, "password", PW)))
    record("a login with a token and a user/password: INVALID_ARGUMENT",
           r.code == pb.INVALID_ARGUMENT and "token" in r.message, desc(pb, r))
    r = c.call(lambda q: q.login.SetInParent())
    record("a login with nothing in it: INVALID_ARGUMENT", r.code == pb.INVALID_ARGUMENT,
           desc(pb, r))
    c.close()


def relogin_and_logout(pb, d, admin):
    add_user(admin, "re1", pb.ROLE_REP, "East")
    add_user(admin, "re2", pb.ROLE_REP, "East")
    c = Client(pb, d.port, "re1", PW)
    first_token = c.token
    r = c.login(user="re2", password=PW)
    w = c.call(lambda q: q.whoami.SetInParent())
    record("re-login on a logged-in connection replaces its user",
           r.code == 0 and w.code == 0 and w.whoami.user.name == "re2", desc(pb, w))
    try:
        Client(pb, d.port, token=first_token).close()
        kept = True
    except LoginRefused:
        kept = False
    record("... the first session stays valid for its token", kept)
    ok_call(c, lambda q: q.logout.SetInParent(), "logout")
    # whoami, not ping: a ping needs no login (issue 14).
    r = c.call(lambda q: q.whoami.SetInParent())
    record("after logout the connection is not logged in", r.code == pb.UNAUTHENTICATED,
           desc(pb, r))
    r = c.login(user="re1", password=PW)
    record("... and logs in again without a second Hello", r.code == 0, desc(pb, r))
    # Revoked under it, the connection may still log in again in place.
    ok_call(admin, lambda q: (setattr(q.user_passwd, "name", "re1"),
                              setattr(q.user_passwd, "password", PW + "x")), "reset re1")
    r = c.login(user="re1", password=PW + "x")
    p = ping(c)
    record("a connection whose session was revoked may log in again on it",
           r.code == 0 and p.code == 0, "login %s, ping %s" % (desc(pb, r), desc(pb, p)))
    c.close()


# ---- cases on their own leadd ----

def max_age(pb, binary, tmp):
    d = Leadd(binary, tmp, ["--set", "session_max_age=2"]).start()
    try:
        c = Client(pb, d.port)
        first = ping(c)
        time.sleep(1.0)
        mid = ping(c)
        time.sleep(1.5)
        ok, detail = refused_and_closed(pb, c)
        record("session_max_age=2: the open connection works at 1 s",
               first.code == 0 and mid.code == 0, desc(pb, mid))
        record("session_max_age=2: after 2.5 s it is refused and closed", ok, detail)
    finally:
        stop_and_verify(d, "max-age leadd")


def idle(pb, binary, tmp):
    d = Leadd(binary, tmp, ["--set", "session_idle_timeout=2"]).start()
    try:
        quiet = Client(pb, d.port)
        busy = Client(pb, d.port)
        busy_ok = True
        t0 = time.time()
        while time.time() - t0 < 3.5:
            r = ping(busy)
            busy_ok = busy_ok and r.code == 0
            time.sleep(0.3)
        ok, detail = refused_and_closed(pb, quiet)
        record("session_idle_timeout=2: a connection unused for 3.5 s is refused and "
               "closed", ok, detail)
        record("session_idle_timeout=2: a connection used every 0.3 s outlives it", busy_ok)
        # The busy connection's use reached the store: its token resumes.
        try:
            Client(pb, d.port, token=busy.token).close()
            resumed = "resumed"
        except LoginRefused as e:
            resumed = desc(pb, e.response)
        record("... and its token still resumes on a new connection", resumed == "resumed",
               resumed)
    finally:
        stop_and_verify(d, "idle leadd")


def mdb_entries(data, db):
    r = subprocess.run(["mdb_stat", "-s", db, data], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    m = re.search(rb"Entries: (\d+)", r.stdout)
    return int(m.group(1)) if m else None


def sweep(pb, binary, tmp):
    d = Leadd(binary, tmp, ["--set", "session_max_age=1"]).start()
    try:
        tokens = []
        for _ in range(20):
            c = Client(pb, d.port)
            tokens.append(c.token)
            c.close()
        time.sleep(3.5)  # past the expiry, and a sweep (every 1 s here) has run
        refused = 0
        for tok in tokens[:3]:
            try:
                Client(pb, d.port, token=tok).close()
            except LoginRefused as e:
                refused += e.response.code == pb.UNAUTHENTICATED
        record("session_max_age=1: expired tokens are refused", refused == 3,
               "%d of 3" % refused)
    finally:
        stop_and_verify(d, "sweep leadd")
    sessions = mdb_entries(d.data, "sessions")
    index = mdb_entries(d.data, "sessions_by_user")
    record("the sweep deleted the expired sessions (sessions, sessions_by_user empty)",
           sessions == 0 and index == 0, "sessions %s, sessions_by_user %s" % (sessions, index))


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto_dir, tmp)
        main_dir = os.path.join(tmp, "main")
        os.makedirs(main_dir)
        d = Leadd(binary, main_dir).start()
        try:
            admin = Client(pb, d.port, ADMIN, ADMIN_PASSWORD)
            add_team(admin, "East")
            for case in (password_reset_by_admin, logout_elsewhere, demotion, team_move,
                         disable, own_password, ambiguous_login, relogin_and_logout):
                try:
                    case(pb, d, admin)
                except Exception as e:  # a broken case must not hide the others
                    record(case.__name__, False, "raised %s: %s" % (type(e).__name__, e))
            admin.close()
        finally:
            stop_and_verify(d, "main leadd")
        for case in (max_age, idle, sweep):
            sub = os.path.join(tmp, case.__name__)
            os.makedirs(sub)
            try:
                case(pb, binary, sub)
            except Exception as e:
                record(case.__name__, False, "raised %s: %s" % (type(e).__name__, e))
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
