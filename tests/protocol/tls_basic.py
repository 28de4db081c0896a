#!/usr/bin/python3
"""leadd over TLS (docs/protocol.md, "Transport: TLS"; issue 14).

1. `leadd init` makes DATA_DIR/tls.key and tls.crt (mode 0600) and prints
   "TLS certificate fingerprint: SHA256:..."; `leadd fingerprint` prints the
   same, which is what openssl computes over the certificate's DER.
2. leadd on 127.0.0.2 with require_tls_on_loopback = yes (the rules of a
   non-loopback listener): a TLS 1.3 client pinning that fingerprint does
   Hello, Login, creates a lead and reads it back.
3. A plaintext client there gets one Response (id 0, FAILED_PRECONDITION,
   a sentence saying the address takes TLS only and what to do) and then
   end of file, within 2 s; the log has a debug line.
4. A TLS 1.2-only client is refused during the handshake, within 2 s, and
   the server goes on serving.
5. The default loopback listener (127.0.0.1) takes plain and TLS clients.
6. allow_plaintext = yes on the non-loopback rules: plain and TLS are both
   served, and leadd warns at start that passwords cross in clear text.
7. `leadd fingerprint` without a certificate, and leadd with half a pair
   (tls.crt without tls.key), each refuse with a sentence naming the file
   (and `leadd verify` reports half a pair as a problem: exit 1);
   `leadd init` with a configured tls_cert that is missing creates the
   admin and says the certificate is missing (exit 1).
8. A final answer over TLS (to a zero-length frame) is followed by the
   server's close_notify: a clean end of the TLS stream, not a cut.
Every leadd stops with exit 0 and `leadd verify` passes (but on half a pair).

Usage: tls_basic.py LEADD_BINARY PROTO_DIR"""
import os
import socket
import ssl
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (ADMIN_PASSWORD, Client, Leadd, Results, cert_fingerprint,  # noqa: E402
                           frame, leadd_fingerprint, load_pb, run_verify, start_tls_leadd,
                           tls_connect, tls_context)

res = Results()


def read_until_eof(sock, limit):
    """Everything sock sends until end of file (or limit s); and whether EOF came."""
    sock.settimeout(limit)
    data, end = b"", time.time() + limit
    try:
        while time.time() < end:
            c = sock.recv(65536)
            if not c:
                return data, True
            data += c
    except (socket.timeout, ConnectionResetError):
        return data, False
    return data, False


def check_init(binary, tmp):
    d = Leadd(binary, os.path.join(tmp, "init"))
    os.makedirs(os.path.join(tmp, "init"))
    r = subprocess.run([binary, "init", "--data-dir", d.data, "--admin", "admin",
                        "--password-stdin"], input=(ADMIN_PASSWORD + "\n").encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = r.stdout.decode()
    line = [l for l in out.splitlines() if l.startswith("TLS certificate fingerprint: ")]
    res.record("init: exit 0", r.returncode == 0, r.stderr.decode())
    printed = line[0].split(": ", 1)[1] if line else ""
    res.record("init: prints the TLS certificate fingerprint", printed.startswith("SHA256:")
               and len(printed) == 50, out)
    for name in ("tls.key", "tls.crt"):
        st = os.stat(os.path.join(d.data, name))
        res.record("init: %s has mode 0600" % name, stat.S_IMODE(st.st_mode) == 0o600,
                   oct(st.st_mode))
    res.record("leadd fingerprint prints what init printed", leadd_fingerprint(d) == printed)
    der = subprocess.run(["openssl", "x509", "-in", os.path.join(d.data, "tls.crt"),
                          "-outform", "DER"], stdout=subprocess.PIPE, check=True).stdout
    res.record("the fingerprint is SHA-256 over the certificate's DER, base64 without '='",
               cert_fingerprint(der) == printed)
    res.record("init: leadd verify passes", d.verify() == 0)
    return d


def check_tls_only(pb, binary, tmp):
    log = os.path.join(tmp, "tls.log")
    d = start_tls_leadd(binary, os.path.join(tmp, "init"), log_level="debug", log_file=log)
    c = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
    res.record("TLS: Hello and Login over TLS 1.3", c.sock.version() == "TLSv1.3",
               c.sock.version())
    r = c.create("over TLS")
    res.record("TLS: a lead is created", r.code == pb.OK, r.message)
    lid = r.lead.lead.id
    g = c.call(lambda q: setattr(q.lead_get, "id", lid))
    res.record("TLS: the lead reads back", g.code == pb.OK and g.lead.lead.title == "over TLS")

    s = socket.create_connection((d.host, d.port), timeout=5)
    t0 = time.time()
    s.sendall(frame(pb, lambda q: setattr(q.hello, "protocol_version", 1)))
    data, eof = read_until_eof(s, 5)
    took = time.time() - t0
    s.close()
    ok = len(data) >= 4 and struct.unpack(">I", data[:4])[0] == len(data) - 4
    m = pb.ServerMessage()
    if ok:
        m.ParseFromString(data[4:])
    resp = m.response
    res.record("plain on TLS-only: one Response frame, then end of file", ok and eof,
               repr(data[:80]))
    res.record("plain on TLS-only: id 0, FAILED_PRECONDITION",
               resp.id == 0 and resp.code == pb.FAILED_PRECONDITION, str(resp))
    res.record("plain on TLS-only: the sentence says TLS only and what to do",
               "TLS connections only" in resp.message and "tls = yes" in resp.message,
               resp.message)
    res.record("plain on TLS-only: answered within 2 s", took < 2, "%.2f s" % took)

    t0 = time.time()
    try:
        tls_connect(d.host, d.port, d.fingerprint, timeout=5,
                    ctx=tls_context(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
        refused = False
    except (ssl.SSLError, ConnectionResetError, OSError):
        refused = True
    took = time.time() - t0
    res.record("TLS 1.2 only: refused in the handshake within 2 s", refused and took < 2,
               "%.2f s" % took)
    r = c.call(lambda q: setattr(q.lead_get, "id", lid))
    res.record("TLS: the first connection still served", r.code == pb.OK)
    c.close()

    raw = socket.create_connection((d.host, d.port), timeout=5)
    ctx = tls_context()
    # Python ignores a TLS stream cut without close_notify by default.
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    t = ctx.wrap_socket(raw, suppress_ragged_eofs=False)
    t.sendall(b"\x00\x00\x00\x00")
    try:
        data, eof = read_until_eof(t, 5)
        clean = eof
    except ssl.SSLError as e:
        data, clean = b"", False
        print("  (TLS ended with %s)" % e)
    t.close()
    m = pb.ServerMessage()
    if len(data) > 4:
        m.ParseFromString(data[4:])
    res.record("TLS: a final answer (zero-length frame: INVALID_ARGUMENT) then close_notify",
               m.response.code == pb.INVALID_ARGUMENT and clean, repr(data[:60]))
    res.stop_and_verify(d, "TLS-only leadd")
    text = open(log).read()
    res.record("the log has a debug line for the refused plain client",
               "plain TCP on a TLS-only listener" in text)
    res.record("the log names the certificate and its fingerprint at start",
               d.fingerprint in text)


def check_loopback_both(pb, binary, tmp):
    d = Leadd(binary, os.path.join(tmp, "init")).start()
    fp = leadd_fingerprint(d)
    c = Client(pb, d.port)
    res.record("loopback: plain client served", c.create("plain").code == pb.OK)
    t = Client(pb, d.port, fingerprint=fp)
    res.record("loopback: TLS client served", t.create("tls").code == pb.OK
               and t.sock.version() == "TLSv1.3")
    c.close()
    t.close()
    res.stop_and_verify(d, "loopback leadd")


def check_allow_plaintext(pb, binary, tmp):
    log = os.path.join(tmp, "plain.log")
    d = start_tls_leadd(binary, os.path.join(tmp, "init"), extra=("--set", "allow_plaintext=yes"),
                        log_file=log)
    c = Client(pb, d.port, host=d.host)
    res.record("allow_plaintext: plain client served", c.create("plain").code == pb.OK)
    t = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
    res.record("allow_plaintext: TLS client served", t.create("tls").code == pb.OK)
    c.close()
    t.close()
    res.stop_and_verify(d, "allow_plaintext leadd")
    text = open(log).read()
    res.record("allow_plaintext: leadd warns at start",
               "warn" in text and "allow_plaintext = yes" in text and "127.0.0.2" in text, text)


def check_refusals(binary, tmp):
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    r = subprocess.run([binary, "fingerprint", "--data-dir", empty], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    err = r.stderr.decode()
    res.record("fingerprint without a certificate: exit 1 and a sentence",
               r.returncode == 1 and "no certificate yet" in err and "leadd init" in err, err)
    half = os.path.join(tmp, "half")
    d = Leadd(binary, half)
    d.init()
    os.unlink(os.path.join(d.data, "tls.key"))
    r = subprocess.run([binary, "--data-dir", d.data, "--listen", "127.0.0.1:0"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    err = r.stderr.decode()
    res.record("half a pair: leadd refuses to start, naming both files",
               r.returncode == 1 and "tls.crt exists but" in err and "tls.key" in err, err)
    rc, out = run_verify(binary, d.data)
    res.record("half a pair: leadd verify fails as leadd does, naming both files",
               rc == 1 and "tls.crt exists but" in out and "tls.key does not" in out, out)
    fresh = os.path.join(tmp, "fresh")
    r = subprocess.run([binary, "init", "--data-dir", fresh, "--admin", "admin",
                        "--password-stdin", "--set", "tls_cert=%s/none.crt" % tmp],
                       input=(ADMIN_PASSWORD + "\n").encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    err = r.stderr.decode()
    res.record("init with a missing configured certificate: admin made, exit 1, a sentence",
               r.returncode == 1 and "the admin was created, but leadd has no TLS certificate"
               in err and "none.crt" in err and not os.path.exists(os.path.join(fresh, "tls.crt")),
               err)


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="tls_basic.") as tmp:
        pb = load_pb(proto_dir, tmp)
        check_init(binary, tmp)
        check_tls_only(pb, binary, tmp)
        check_loopback_both(pb, binary, tmp)
        check_allow_plaintext(pb, binary, tmp)
        check_refusals(binary, tmp)
    sys.exit(res.summary())


main()
