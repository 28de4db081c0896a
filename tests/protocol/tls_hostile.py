#!/usr/bin/python3
"""Hostile TLS handshakes leave leadd serving (issue 14).

leadd on 127.0.0.2 with require_tls_on_loopback = yes (TLS only) and
login_timeout_ms = 2000:
1. Garbage after the 0x16 byte (a record that is not TLS, then random
   bytes): each connection is closed within 2 s, and the log has a debug
   line saying the handshake failed.
2. A stalled ClientHello (the first 3 bytes of a record), and a whole
   ClientHello whose handshake never goes on: closed by login_timeout_ms
   (within 2 + 2 s), not before 1.5 s.
3. 1,000 connections from 127.0.0.1 that send a ClientHello and stop
   (defaults: 16 get the server's handshake, max_prelogin_per_address; the
   other 984 are refused at accept in plaintext), then a TLS client from 127.0.0.3 does Hello + Login + a lead
   within 3 s; leadd's RSS grows by less than HALF_OPEN_MB.
4. The same with the pre-login caps raised to 1,200 (every handshake held
   at once): leadd's RSS grows by less than HALF_OPEN_MB, the other
   client is served within 3 s, and the 1,000 are all closed by
   login_timeout_ms.
Every leadd stops with exit 0 and `leadd verify` passes.

Usage: tls_hostile.py LEADD_BINARY PROTO_DIR"""
import os
import random
import resource
import select
import socket
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Client, Results, load_pb, start_tls_leadd, status_mb  # noqa: E402

# Sanitizer builds keep freed memory in quarantine (tests/CMakeLists.txt).
HALF_OPEN_MB = 96 + int(os.environ.get("LEADD_RSS_EXTRA_MB", "0"))
HALF_OPEN = 1000
res = Results()


def client_hello():
    """The bytes of a real TLS 1.3 ClientHello (from an engine in memory)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def closed_within(sock, limit):
    """Seconds until the server closed sock (EOF or reset), or None."""
    t0 = time.time()
    sock.setblocking(False)
    while time.time() - t0 < limit:
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            try:
                if not sock.recv(65536):
                    return time.time() - t0
            except (ConnectionResetError, BlockingIOError):
                if not isinstance(sys.exc_info()[1], BlockingIOError):
                    return time.time() - t0
    return None


def served_quickly(pb, d, what, source="127.0.0.3"):
    t0 = time.time()
    try:
        c = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint, source=source,
                   timeout=10)
        ok = c.create(what).code == pb.OK
        c.close()
    except Exception as e:  # noqa: BLE001 (the check's detail)
        return False, str(e)
    took = time.time() - t0
    return ok and took < 3, "%.2f s" % took


def garbage_and_stalls(pb, binary, tmp):
    log = os.path.join(tmp, "g.log")
    d = start_tls_leadd(binary, os.path.join(tmp, "g"), log_level="debug", log_file=log,
                        extra=("--set", "login_timeout_ms=2000"))
    rnd = random.Random(14)
    blobs = [b"\x16" + bytes(rnd.randrange(256) for _ in range(300)),
             b"\x16\x03\x01\x00\x10" + b"hello, not a TLS handshake",
             b"\x16\x03\x03\xff\xff" + b"\x00" * 4000]
    for i, blob in enumerate(blobs):
        s = socket.create_connection((d.host, d.port), timeout=5)
        s.sendall(blob)
        took = closed_within(s, 2)
        s.close()
        res.record("garbage after 0x16 (%d): closed within 2 s" % i, took is not None,
                   "%s" % took)
    hello = client_hello()
    for what, data in (("3 bytes of a record", b"\x16\x03\x01"),
                       ("a whole ClientHello", hello)):
        s = socket.create_connection((d.host, d.port), timeout=5)
        s.sendall(data)
        took = closed_within(s, 4.5)
        s.close()
        res.record("stalled handshake (%s): closed at login_timeout_ms" % what,
                   took is not None and took >= 1.5, "%s s" % took)
    ok, detail = served_quickly(pb, d, "after garbage")
    res.record("after garbage and stalls: a TLS client is served", ok, detail)
    res.stop_and_verify(d, "garbage leadd")
    text = open(log).read()
    res.record("a handshake error is a debug line in the log",
               "debug:" in text and "TLS handshake failed" in text)


def first_bytes(socks):
    """How many sockets got a TLS record (the ServerHello) first, and how
    many a plaintext frame (a refusal at accept)."""
    tls = plain = 0
    for s in socks:
        s.settimeout(3)
        try:
            b = s.recv(1, socket.MSG_PEEK)
        except (socket.timeout, OSError):
            continue
        if b == b"\x16":
            tls += 1
        elif b == b"\x00":
            plain += 1
    return tls, plain


def half_open(pb, binary, tmp, name, extra, held):
    d = start_tls_leadd(binary, os.path.join(tmp, name),
                        extra=("--set", "login_timeout_ms=2000", *extra))
    base = status_mb(d.proc.pid)
    hello = client_hello()
    socks, peak = [], base
    for i in range(HALF_OPEN):
        s = socket.create_connection((d.host, d.port), timeout=10)
        s.sendall(hello)
        socks.append(s)
        if i % 100 == 99:
            peak = max(peak, status_mb(d.proc.pid))
    tls, plain = first_bytes(socks)
    res.record("%s: %d handshakes held, the other %d refused at accept (pre-login caps)"
               % (name, held, HALF_OPEN - held), tls == held and plain == HALF_OPEN - held,
               "%d TLS, %d refused" % (tls, plain))
    ok, detail = served_quickly(pb, d, "beside half-open handshakes")
    res.record("%s: %d half-open handshakes, a TLS client from 127.0.0.3 served within 3 s"
               % (name, HALF_OPEN), ok, detail)
    peak = max(peak, status_mb(d.proc.pid))
    res.record("%s: RSS grows by less than %d MB" % (name, HALF_OPEN_MB),
               peak - base < HALF_OPEN_MB, "%.1f -> %.1f MB" % (base, peak))
    deadline = time.time() + 6
    open_left = 0
    for s in socks:
        if closed_within(s, max(0.05, deadline - time.time())) is None:
            open_left += 1
        s.close()
    res.record("%s: every half-open handshake closed by login_timeout_ms" % name,
               open_left == 0, "%d still open" % open_left)
    res.stop_and_verify(d, name)


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    with tempfile.TemporaryDirectory(prefix="tls_hostile.") as tmp:
        pb = load_pb(proto_dir, tmp)
        garbage_and_stalls(pb, binary, tmp)
        half_open(pb, binary, tmp, "default caps", (), 16)
        half_open(pb, binary, tmp, "caps raised",
                  ("--set", "max_prelogin_per_address=1200", "--set",
                   "max_prelogin_connections=1200", "--set", "max_connections=1500"),
                  HALF_OPEN)
    sys.exit(res.summary())


main()
