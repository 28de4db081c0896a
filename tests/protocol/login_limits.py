#!/usr/bin/python3
"""Logins cannot be used to lock people out or fill the server (issue 8).
Each case starts its own leadd and ends with SIGTERM (exit 0) and
`leadd verify`; run one case per process:

  login_limits.py LEADD PROTO_DIR CASE [LEAD_CLI]

prelogin_flood  1024 connections from 16 loopback addresses send Hello and
                63 pipelined wrong-password logins and never read. A user
                with a saved session still connects (token login) and is
                served within 2 s, and every hostile connection is closed by
                login_timeout_ms (3 s here), although it has work queued.
pair_throttle   8 wrong passwords for tom from address A: the 6th on are
                refused at once with RESOURCE_EXHAUSTED "too many failed
                logins from A; retry in N s"; tom logs in from address B at
                once; from A his right password gets the same refusal at
                once; another user logs in from A. With LEAD_CLI: `lead
                login` prints the server's sentence and exits 1.
hash_fairness   1000 hostile connections from 40 addresses hammer wrong
                password logins (for tom and made-up names); a real password
                login from another address completes within 2 s, a token
                login within 0.5 s.
log_summaries   a flood of failed logins (one pair, then a spray of 500
                user names) gives a bounded number of log lines, with a
                summary naming count, user and address.
"""
import asyncio
import multiprocessing
import os
import re
import resource
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import ADMIN, ADMIN_PASSWORD, Client, Leadd, LoginRefused, load_pb  # noqa: E402
from leadd_harness import Results, frame, status_mb  # noqa: E402

TOM_PW = "tom-password-1"
results = Results()
record = results.record


def hello_frame(pb):
    return frame(pb, lambda q: (setattr(q.hello, "protocol_version", 1),
                                setattr(q.hello, "client_name", "hostile")))


def login_frame(pb, user, password, rid=2):
    return frame(pb, lambda q: (setattr(q.login, "user", user),
                                setattr(q.login, "password", password)), rid)


def add_tom(pb, admin):
    r = admin.call(lambda q: (setattr(q.user_add, "name", "tom"),
                              setattr(q.user_add, "role", pb.ROLE_REP),
                              setattr(q.user_add, "password", TOM_PW)))
    assert r.code == pb.OK, r


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def timed_login(pb, port, source, **kw):
    """(ms, response or exception text) of Hello + Login from source."""
    t0 = time.time()
    try:
        c = Client(pb, port, source=source, timeout=30, **kw)
        r = c.call(lambda q: q.whoami.SetInParent())
        c.close()
        return (time.time() - t0) * 1000, r
    except LoginRefused as e:
        return (time.time() - t0) * 1000, e.response
    except (OSError, EOFError, AssertionError) as e:  # refused before Login: no Hello reply
        return (time.time() - t0) * 1000, " ".join(("%r" % e).split())


# ---- prelogin_flood ----

def prelogin_flood(pb, binary, tmp, lead_cli):
    raise_fd_limit(4096)
    d = Leadd(binary, tmp, ["--set", "login_timeout_ms=3000"]).start()
    try:
        admin = Client(pb, d.port)
        token = admin.token
        admin.close()
        blob = hello_frame(pb) + b"".join(login_frame(pb, ADMIN, "wrong-password", i + 2)
                                          for i in range(63))
        hostile = []
        t0 = time.time()
        for i in range(1024):
            s = socket.socket()
            s.bind(("127.0.0.%d" % (2 + i % 16), 0))
            s.settimeout(10)
            s.connect(("127.0.0.1", d.port))
            try:
                s.sendall(blob)
            except OSError:
                pass  # refused and closed already
            s.setblocking(False)
            hostile.append(s)
        connected = time.time()
        ms, r = timed_login(pb, d.port, "127.0.0.1", token=token)
        ok = not isinstance(r, str) and r.code == pb.OK
        record("a user with a session connects and is served beside 1024 hostile "
               "pre-login connections", ok and ms < 2000,
               "%.0f ms, %s (hostile connections opened in %.1f s)"
               % (ms, r if isinstance(r, str) else pb.Code.Name(r.code), connected - t0))
        # Every hostile connection must end: refused at once, closed to make
        # room, or closed by the 3 s login timeout with its login queued.
        sel = selectors.DefaultSelector()
        for s in hostile:
            sel.register(s, selectors.EVENT_READ)
        open_ = set(hostile)
        got = {s: b"" for s in hostile}
        deadline = connected + 3.0 + 4.0
        while open_ and time.time() < deadline:
            for key, _ in sel.select(timeout=0.2):
                s = key.fileobj
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                got[s] += data
                if not data:
                    sel.unregister(s)
                    open_.discard(s)
        record("every hostile connection is closed within login_timeout_ms + 4 s",
               not open_, "%d of 1024 still open %.1f s after the last connect"
               % (len(open_), time.time() - connected))
        for s in hostile:
            s.close()
        kinds = {}
        for data in got.values():
            while len(data) >= 4:
                (n,) = struct.unpack(">I", data[:4])
                m = pb.ServerMessage()
                m.ParseFromString(data[4:4 + n])
                data = data[4 + n:]
                r = m.response
                key = "%s %s" % (pb.Code.Name(r.code), re.sub(r"[0-9.]+", "N", r.message))
                kinds[key] = kinds.get(key, 0) + 1
        # The refusals are answered in place, never from inside the request
        # loop that started them (an ASan build checks no freed request is
        # touched): here they must have happened, many times.
        full = sum(v for k, v in kinds.items() if "password checks are waiting" in k)
        record("pipelined logins met the per-address queue cap and were answered at once",
               full > 0, "answers seen: %s" % sorted(kinds.items(), key=lambda kv: -kv[1])[:6])
        ms, r = timed_login(pb, d.port, "127.0.0.1", user=ADMIN, password=ADMIN_PASSWORD)
        record("afterwards a password login works", not isinstance(r, str) and r.code == pb.OK,
               "%.0f ms, %s" % (ms, r if isinstance(r, str) else pb.Code.Name(r.code)))
    finally:
        stop_and_verify(d)


# ---- pair_throttle ----

def pair_throttle(pb, binary, tmp, lead_cli):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_tom(pb, admin)
        admin.close()
        a = Client(pb, d.port, user=None, source="127.0.0.2")
        answers = []
        t0 = time.time()
        for i in range(8):
            t = time.time()
            r = a.login(user="tom", password="wrong-password-%d" % i)
            answers.append((pb.Code.Name(r.code), r.message, (time.time() - t) * 1000))
        total = time.time() - t0
        a.close()
        want = re.compile(r"^too many failed logins from 127\.0\.0\.2; retry in \d+ s$")
        first = all(c == "UNAUTHENTICATED" for c, _, _ in answers[:5])
        later = all(c == "RESOURCE_EXHAUSTED" and want.match(m) and ms < 500
                    for c, m, ms in answers[5:])
        record("8 wrong passwords for tom from A: 5 checked, then refused at once", first and later
               and total < 5, "%.1f s in all; %s" % (total, ["%s '%s' %.0f ms" % x
                                                             for x in answers[4:]]))
        ms, r = timed_login(pb, d.port, "127.0.0.3", user="tom", password=TOM_PW)
        record("tom logs in from address B at once", not isinstance(r, str) and r.code == pb.OK
               and ms < 1500, "%.0f ms, %s" % (ms, r if isinstance(r, str) else
                                               pb.Code.Name(r.code)))
        ms, r = timed_login(pb, d.port, "127.0.0.2", user="tom", password=TOM_PW)
        record("from A, tom's right password is refused at once with the retry sentence",
               not isinstance(r, str) and r.code == pb.RESOURCE_EXHAUSTED and
               want.match(r.message) is not None and ms < 500,
               "%.0f ms, %s" % (ms, r if isinstance(r, str) else
                                "%s '%s'" % (pb.Code.Name(r.code), r.message)))
        ms, r = timed_login(pb, d.port, "127.0.0.2", user=ADMIN, password=ADMIN_PASSWORD)
        record("another user logs in from A", not isinstance(r, str) and r.code == pb.OK,
               "%.0f ms, %s" % (ms, r if isinstance(r, str) else pb.Code.Name(r.code)))
        if lead_cli:
            cli_throttle(pb, d, tmp, lead_cli)
    finally:
        stop_and_verify(d)


def cli_throttle(pb, d, tmp, lead_cli):
    env = dict(os.environ, LEAD_SERVER="127.0.0.1:%d" % d.port,
               LEAD_CONFIG_DIR=os.path.join(tmp, "cli"))
    env.pop("LEAD_USER", None)

    def login(pw):
        t = time.time()
        r = subprocess.run([lead_cli, "login", "tom", "--password-stdin"], env=env,
                           input=(pw + "\n").encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        return r.returncode, r.stderr.decode().strip(), time.time() - t
    for i in range(5):
        login("wrong-password-%d" % i)
    rc, err, secs = login(TOM_PW)
    record("lead login prints the slowdown sentence and exits 1", rc == 1 and re.search(
        r"too many failed logins from 127\.0\.0\.1; retry in \d+ s", err) is not None
        and secs < 2, "exit %d after %.1f s, stderr '%s'" % (rc, secs, err))


# ---- hash_fairness ----

def flood(port, seconds, n, addresses, hello, logins, counts):
    """The hostile side (its own process): n connections, each from one of
    `addresses`, each sending wrong-password logins as fast as answered,
    reconnecting when closed."""
    raise_fd_limit(4096)

    async def read_response(reader):
        (size,) = struct.unpack(">I", await reader.readexactly(4))
        return await reader.readexactly(size)

    async def one(i):
        src = addresses[i % len(addresses)]
        k = 0
        while time.time() < end:
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", port, local_addr=(src, 0))
            except OSError:
                await asyncio.sleep(0.2)
                continue
            try:
                writer.write(hello)
                await read_response(reader)
                while time.time() < end:
                    writer.write(logins[(i + k) % len(logins)])
                    k += 1
                    await read_response(reader)
                    counts[0] += 1
            except (OSError, asyncio.IncompleteReadError):
                pass
            writer.close()
            # Refused or closed: come back soon (not at once: the test's
            # own CPU is shared with leadd on a small machine).
            await asyncio.sleep(1.0)

    async def run():
        await asyncio.wait([asyncio.ensure_future(one(i)) for i in range(n)],
                           timeout=seconds + 5)
    end = time.time() + seconds
    asyncio.run(run())


def hash_fairness(pb, binary, tmp, lead_cli):
    d = Leadd(binary, tmp).start()
    try:
        admin = Client(pb, d.port)
        add_tom(pb, admin)
        token = admin.token
        admin.close()
        addresses = ["127.0.0.%d" % i for i in range(2, 42)]
        logins = [login_frame(pb, "tom" if k % 4 == 0 else "spray%d" % k, "wrong-pw-%d" % k)
                  for k in range(400)]
        counts = multiprocessing.get_context("fork").Array("l", 1)
        p = multiprocessing.get_context("fork").Process(
            target=flood, args=(d.port, 16, 1000, addresses, hello_frame(pb), logins, counts))
        p.start()
        # Let every hostile address have its first checks: an attack going on.
        time.sleep(6)
        worst_pw, worst_tok, details, ok_pw, ok_tok, pw_ms = 0.0, 0.0, [], True, True, []
        for i in range(3):
            ms, r = timed_login(pb, d.port, "127.0.1.%d" % (i + 1), user="tom", password=TOM_PW)
            good = not isinstance(r, str) and r.code == pb.OK
            ok_pw = ok_pw and good
            worst_pw = max(worst_pw, ms)
            pw_ms.append(ms)
            details.append("password %.0f ms %s" % (ms, "OK" if good else r))
            ms, r = timed_login(pb, d.port, "127.0.2.%d" % (i + 1), token=token)
            good = not isinstance(r, str) and r.code == pb.OK
            ok_tok = ok_tok and good
            worst_tok = max(worst_tok, ms)
            details.append("token %.0f ms %s" % (ms, "OK" if good else r))
            time.sleep(1)
        answered = counts[0]
        p.join(40)
        if p.is_alive():
            p.kill()
        # The median of three against the 2 s, the worst against
        # 5 s: on a loaded 2-core machine one argon2 check alone can take a
        # second, and the old single queue made every one of them time out.
        median_pw = sorted(pw_ms)[1]
        record("during a 1000-connection storm from 40 addresses, a password login from "
               "another address takes under 2 s", ok_pw and median_pw < 2000 and worst_pw < 5000,
               "median %.0f ms, worst %.0f ms; %s; %d hostile logins answered"
               % (median_pw, worst_pw, ", ".join(details), answered))
        record("... and a token login under 0.5 s", ok_tok and worst_tok < 500,
               "worst %.0f ms" % worst_tok)
    finally:
        stop_and_verify(d)


# ---- log_summaries ----

def log_summaries(pb, binary, tmp, lead_cli):
    log = os.path.join(tmp, "leadd.log")
    # One connection per flood: a slow machine must not hit the 10 s login timeout.
    d = Leadd(binary, tmp, ["--set", "login_timeout_ms=60000"], log_level="info",
              log_file=log).start()
    attempts = 0
    newline_refused = False
    try:
        admin = Client(pb, d.port)
        add_tom(pb, admin)
        admin.close()
        c = Client(pb, d.port, user=None, source="127.0.0.9")
        for i in range(60):
            c.login(user="tom", password="wrong-password-%d" % i)
            attempts += 1
        c.close()
        # A spray: 500 made-up names from one address (20 checked, the
        # rest refused by the per-address slowdown).
        c = Client(pb, d.port, user=None, source="127.0.0.10")
        for i in range(500):
            r = c.login(user="spray%d\n" % i if i == 7 else "spray%d" % i, password="wrong")
            if i == 7:
                newline_refused = r.code == pb.INVALID_ARGUMENT
            attempts += 1
        c.close()
    finally:
        stop_and_verify(d)
    lines = open(log).read().splitlines()
    failed = [ln for ln in lines if "failed login" in ln]
    tom = [ln for ln in failed if re.search(
        r"60 failed logins for tom from 127\.0\.0\.9 in the last \d+ s", ln)]
    record("a summary line names count, user and address", len(tom) == 1,
           tom[0] if tom else "none among %d failure lines" % len(failed))
    record("%d failed logins make at most 65 log lines" % attempts, 0 < len(failed) <= 65,
           "%d lines" % len(failed))
    record("the rest of the spray is summed up in one line",
           sum(1 for ln in failed if "more failed logins from other users or addresses" in ln)
           == 1)
    record("a user name cannot forge a log line",
           not any(ln.strip() == "" or not ln.startswith(("leadd:", "20")) for ln in lines)
           and (newline_refused or any("spray7\\x0a" in ln for ln in failed)),
           "the name was refused" if newline_refused else "")
    record("a password login is logged with user and address",
           any("accepted password for admin from 127.0.0.1" in ln for ln in lines))


def stop_and_verify(d):
    print("leadd peak RSS: %.1f MB" % status_mb(d.proc.pid, "VmHWM", gone=-1))
    try:
        rc = d.stop()
        record("leadd stops with exit 0 on SIGTERM", rc == 0, "exit %d" % rc)
    except subprocess.TimeoutExpired:
        record("leadd stops with exit 0 on SIGTERM", False, "still running 30 s after SIGTERM")
        d.stop("KILL")
    record("leadd verify passes", d.verify() == 0)


CASES = {f.__name__: f for f in (prelogin_flood, pair_throttle, hash_fairness, log_summaries)}


def main():
    binary, proto_dir, case = sys.argv[1], sys.argv[2], sys.argv[3]
    lead_cli = sys.argv[4] if len(sys.argv) > 4 else None
    with tempfile.TemporaryDirectory(dir=os.environ.get("LOGIN_LIMITS_TMP")) as tmp:
        pb = load_pb(proto_dir, tmp)
        t0 = time.time()
        try:
            CASES[case](pb, binary, tmp, lead_cli)
        except Exception as e:  # a broken case reports, it does not hide
            record(case, False, "raised %r" % e)
        print("%s took %.1f s" % (case, time.time() - t0))
    sys.exit(results.summary())


if __name__ == "__main__":
    main()
