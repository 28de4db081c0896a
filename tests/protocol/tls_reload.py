#!/usr/bin/python3
"""Certificates: SIGHUP reloads, a CA-issued pair (issue 14).

1. leadd on 127.0.0.2 (TLS only) with its own pair. A TLS connection is
   open. A new pair is put in place of DATA_DIR/tls.crt and tls.key and
   leadd gets SIGHUP: the open connection goes on working (it keeps the
   pair it started with), a new connection sees the new fingerprint (the
   old one no longer matches), and the log says so with the fingerprint.
2. A bad pair (the key of another certificate; then a file that is no
   certificate) and SIGHUP: leadd logs why and keeps the pair in use; new
   connections still see it.
3. tls_cert/tls_key set to a pair issued by a test CA for 127.0.0.2: a
   client that checks the chain against that CA and the address is served,
   and `leadd fingerprint --config FILE` prints that certificate's
   fingerprint.
Every leadd stops with exit 0 and `leadd verify` passes.

Usage: tls_reload.py LEADD_BINARY PROTO_DIR"""
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Results, cert_fingerprint, leadd_fingerprint,  # noqa: E402
                           load_pb, start_tls_leadd, tls_context)

res = Results()


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def new_pair(dirname, name, cn="reload-test"):
    """A P-256 key and self-signed certificate: (cert path, key path)."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", name + ".key", "-out", name + ".crt", "-days", "2",
            "-subj", "/CN=" + cn, cwd=dirname)
    return os.path.join(dirname, name + ".crt"), os.path.join(dirname, name + ".key")


def file_fingerprint(path):
    der = subprocess.run(["openssl", "x509", "-in", path, "-outform", "DER"],
                         stdout=subprocess.PIPE, check=True).stdout
    return cert_fingerprint(der)


def wait_log(path, text, limit=5):
    end = time.time() + limit
    while time.time() < end:
        if text in open(path).read():
            return True
        time.sleep(0.05)
    return False


def fingerprint_now(d):
    """The fingerprint a new connection sees."""
    raw = socket.create_connection((d.host, d.port), timeout=5)
    t = tls_context().wrap_socket(raw)
    fp = cert_fingerprint(t.getpeercert(binary_form=True))
    t.close()
    return fp


def reload_cases(pb, binary, tmp):
    log = os.path.join(tmp, "reload.log")
    d = start_tls_leadd(binary, os.path.join(tmp, "r"), log_file=log, log_level="info")
    old = d.fingerprint
    c = Client(pb, d.port, host=d.host, fingerprint=old)
    res.record("before: a lead over TLS", c.create("before").code == pb.OK)
    work = os.path.join(tmp, "pairs")
    os.makedirs(work)
    cert, key = new_pair(work, "second")
    new = file_fingerprint(cert)
    for src, dst in ((cert, "tls.crt"), (key, "tls.key")):
        shutil.copy(src, os.path.join(d.data, dst + ".new"))
        os.rename(os.path.join(d.data, dst + ".new"), os.path.join(d.data, dst))
    d.proc.send_signal(signal.SIGHUP)
    res.record("SIGHUP: the log says the pair was reloaded, with the new fingerprint",
               wait_log(log, "reloaded the TLS certificate") and new in open(log).read())
    res.record("SIGHUP: the open connection goes on", c.create("after").code == pb.OK)
    res.record("SIGHUP: a new connection sees the new fingerprint", fingerprint_now(d) == new)
    try:
        Client(pb, d.port, host=d.host, fingerprint=old).close()
        refused = False
    except RuntimeError:
        refused = True
    res.record("SIGHUP: the old fingerprint no longer matches", refused)
    c2 = Client(pb, d.port, host=d.host, fingerprint=new)
    res.record("SIGHUP: a client pinning the new fingerprint is served",
               c2.create("new").code == pb.OK)

    third, third_key = new_pair(work, "third")
    shutil.copy(third, os.path.join(d.data, "tls.crt"))  # its key is not tls.key
    d.proc.send_signal(signal.SIGHUP)
    res.record("bad pair: the log says the key does not belong and the old pair stays",
               wait_log(log, "does not belong to the certificate")
               and "still using the certificate loaded before (%s)" % new in open(log).read())
    res.record("bad pair: new connections still see the pair in use", fingerprint_now(d) == new)
    with open(os.path.join(d.data, "tls.crt"), "w") as f:
        f.write("not a certificate\n")
    before = open(log).read().count("still using")
    d.proc.send_signal(signal.SIGHUP)
    end = time.time() + 5
    while time.time() < end and open(log).read().count("still using") == before:
        time.sleep(0.05)
    res.record("no certificate: logged, the old pair stays",
               open(log).read().count("still using") > before and fingerprint_now(d) == new)
    res.record("both connections still work",
               c.create("c1").code == pb.OK and c2.create("c2").code == pb.OK)
    c.close()
    c2.close()
    # The pair in use back in place: verify checks the files leadd would
    # load at its next start, and it would not start with that one.
    shutil.copy(cert, os.path.join(d.data, "tls.crt"))
    res.stop_and_verify(d, "reloading leadd")


def ca_case(pb, binary, tmp):
    ca = os.path.join(tmp, "ca")
    os.makedirs(ca)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=leadd test CA",
            cwd=ca)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.2", cwd=ca)
    with open(os.path.join(ca, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.2\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext", cwd=ca)
    conf = os.path.join(ca, "leadd.conf")
    with open(conf, "w") as f:
        f.write("[server]\ntls_cert = %s/server.crt\ntls_key = %s/server.key\n" % (ca, ca))
    d = start_tls_leadd(binary, os.path.join(tmp, "ca-leadd"), extra=("--config", conf))
    # start_tls_leadd read the data directory's own certificate: not in use.
    r = subprocess.run([binary, "fingerprint", "--config", conf, "--data-dir", d.data],
                       stdout=subprocess.PIPE)
    want = file_fingerprint(os.path.join(ca, "server.crt"))
    res.record("leadd fingerprint --config: the configured certificate's",
               r.stdout.decode().strip() == want, r.stdout.decode())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(os.path.join(ca, "ca.crt"))
    try:
        raw = socket.create_connection((d.host, d.port), timeout=5)
        t = ctx.wrap_socket(raw, server_hostname="127.0.0.2")
        ok = cert_fingerprint(t.getpeercert(binary_form=True)) == want
        t.close()
        detail = ""
    except (ssl.SSLError, OSError) as e:
        ok, detail = False, str(e)
    res.record("CA-issued pair: the chain and the address verify", ok, detail)
    c = Client(pb, d.port, host=d.host, fingerprint=want)
    res.record("CA-issued pair: requests served", c.create("ca").code == pb.OK)
    c.close()
    res.stop_and_verify(d, "CA-issued leadd")


def main():
    binary, proto_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="tls_reload.") as tmp:
        pb = load_pb(proto_dir, tmp)
        reload_cases(pb, binary, tmp)
        ca_case(pb, binary, tmp)
    sys.exit(res.summary())


main()
