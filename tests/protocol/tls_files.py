#!/usr/bin/python3
"""leadd's certificate and key files when they are wrong (issue 14, atktls).

1. DATA_DIR/tls.key readable by every user (mode 0644): leadd refuses to
   start, and `leadd fingerprint` fails, each with a sentence naming the
   file and saying chmod 600; a running leadd given SIGHUP with the key
   made world-readable logs that and keeps the pair it has (still served).
   `leadd init` with a configured pair whose key others can read says the
   admin was made but not the certificate (exit 1), not its fingerprint.
2. An empty tls.key, then the key of another certificate: `leadd
   fingerprint` never prints a fingerprint with exit 0 for a pair leadd
   cannot use (it failed to start with those files while fingerprint said
   OK); an empty file is called empty.
3. A certificate that has expired, then one expiring in 5 days, then one
   not valid for 2 more days (tls_cert/tls_key configured): leadd starts (a
   pinned certificate still works) but warns with the date, and `leadd
   fingerprint` prints the fingerprint and warns on stderr.
Every leadd that ran stops with exit 0 and `leadd verify` passes.

Usage: tls_files.py LEADD_BINARY PROTO_DIR"""
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import (Client, Leadd, Results, load_pb,  # noqa: E402
                           start_tls_leadd)

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

res = Results()


def pair(dirname, name, not_before, not_after):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.2")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    crt, kp = os.path.join(dirname, name + ".crt"), os.path.join(dirname, name + ".key")
    with open(crt, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(kp, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(kp, 0o600)
    return crt, kp


def fingerprint(binary, args):
    r = subprocess.run([binary, "fingerprint", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=10)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def start_fails(binary, data, extra=()):
    """(exit status, stderr) of a leadd that should refuse to start; one
    still running after 5 s is stopped and counts as started (exit 0)."""
    p = subprocess.Popen([binary, "--data-dir", data, "--listen", "127.0.0.2:0",
                          "--set", "require_tls_on_loopback=yes", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=5)
        return p.returncode, err.decode()
    except subprocess.TimeoutExpired:
        p.terminate()
        _, err = p.communicate()
        return 0, "leadd started: " + err.decode()


def wait_log(path, text, limit=5):
    end = time.time() + limit
    while time.time() < end:
        if text in open(path).read():
            return True
        time.sleep(0.05)
    return False


def readable_key(pb, binary, tmp):
    d = Leadd(binary, os.path.join(tmp, "m"), host="127.0.0.2")
    d.init()
    key = os.path.join(d.data, "tls.key")
    os.chmod(key, 0o644)
    rc, err = start_fails(binary, d.data)
    res.record("a world-readable tls.key: leadd refuses to start, naming it and chmod 600",
               rc != 0 and key in err and "chmod 600" in err, "exit %d: %s" % (rc, err))
    rc, out, err = fingerprint(binary, ["--data-dir", d.data])
    res.record("a world-readable tls.key: leadd fingerprint fails, naming it",
               rc != 0 and out == "" and key in err and "chmod 600" in err,
               "exit %d: %s%s" % (rc, out, err))
    os.chmod(key, 0o640)  # a group (ssl-cert) may read it
    rc, out, err = fingerprint(binary, ["--data-dir", d.data])
    res.record("a key only its group can read (0640) is accepted", rc == 0, err)
    os.chmod(key, 0o600)

    # init with a configured pair whose key others can read: not "OK".
    shutil.copy2(key, os.path.join(tmp, "open.key"))
    os.chmod(os.path.join(tmp, "open.key"), 0o644)
    r = subprocess.run([binary, "init", "--data-dir", os.path.join(tmp, "i", "data"),
                        "--admin", "admin", "--password-stdin", "--set",
                        "tls_cert=" + os.path.join(d.data, "tls.crt"), "--set",
                        "tls_key=" + os.path.join(tmp, "open.key")],
                       input=b"init-password-1\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    err = r.stderr.decode()
    res.record("init with a configured world-readable key: exit 1, naming it",
               r.returncode == 1 and "open.key" in err and "chmod 600" in err
               and "TLS certificate fingerprint" not in r.stdout.decode(),
               "exit %d: %s" % (r.returncode, err))

    log = os.path.join(tmp, "m.log")
    d2 = start_tls_leadd(binary, os.path.join(tmp, "m"), log_file=log, log_level="info")
    os.chmod(key, 0o604)
    d2.proc.send_signal(signal.SIGHUP)
    res.record("SIGHUP with a world-readable key: logged with the file, old pair kept",
               wait_log(log, "SIGHUP: the TLS private key %s" % key)
               and "chmod 600" in open(log).read())
    c = Client(pb, d2.port, host=d2.host, fingerprint=d2.fingerprint)
    res.record("after that SIGHUP: a new TLS client is still served",
               c.create("still served").code == pb.OK)
    c.close()
    os.chmod(key, 0o600)

    # A named pipe in the key's place: opening it would wait for a writer
    # (leadd's loop at SIGHUP, leadd at start, fingerprint), forever.
    saved = os.path.join(tmp, "m.key")
    os.rename(key, saved)
    os.mkfifo(key, 0o600)
    d2.proc.send_signal(signal.SIGHUP)
    res.record("SIGHUP with a named pipe as the key: logged, old pair kept",
               wait_log(log, "SIGHUP: the TLS private key %s is a named pipe, not a file" % key))
    c = Client(pb, d2.port, host=d2.host, fingerprint=d2.fingerprint, timeout=5)
    res.record("after that SIGHUP: the loop is not held, a new TLS client is served",
               c.create("not held by a pipe").code == pb.OK)
    c.close()
    rc, out, err = fingerprint(binary, ["--data-dir", d2.data])
    res.record("a named pipe as the key: leadd fingerprint fails at once, saying so",
               rc != 0 and out == "" and "is a named pipe, not a file" in err,
               "exit %d: %s%s" % (rc, out, err))
    os.unlink(key)
    os.rename(saved, key)
    res.stop_and_verify(d2, "world-readable key and a named pipe")
    os.rename(key, saved)
    os.mkfifo(key, 0o600)
    rc, err = start_fails(binary, d2.data)
    res.record("a named pipe as the key: leadd refuses to start, saying so",
               rc != 0 and "is a named pipe, not a file" in err, "exit %d: %s" % (rc, err))
    os.unlink(key)
    os.rename(saved, key)


def bad_keys(binary, tmp):
    d = Leadd(binary, os.path.join(tmp, "b"), host="127.0.0.2")
    d.init()
    key = os.path.join(d.data, "tls.key")
    saved = open(key, "rb").read()
    open(key, "wb").close()
    rc, out, err = fingerprint(binary, ["--data-dir", d.data])
    res.record("an empty tls.key: leadd fingerprint fails, calling it empty",
               rc != 0 and out == "" and key in err and "empty" in err,
               "exit %d: %s%s" % (rc, out, err))
    rc, err = start_fails(binary, d.data)
    res.record("an empty tls.key: leadd refuses to start, calling it empty",
               rc != 0 and key in err and "empty" in err, err)
    _, other = pair(tmp, "other", datetime.datetime(2020, 1, 1),
                    datetime.datetime(2040, 1, 1))
    shutil.copy(other, key)
    rc, out, err = fingerprint(binary, ["--data-dir", d.data])
    res.record("the key of another certificate: leadd fingerprint fails",
               rc != 0 and out == "" and "does not belong" in err,
               "exit %d: %s%s" % (rc, out, err))
    with open(key, "wb") as f:
        f.write(saved)


def expiry(pb, binary, tmp):
    now = datetime.datetime.utcnow()
    for name, nb, na, word in (("expired", now - datetime.timedelta(days=30),
                                now - datetime.timedelta(days=1), "expired"),
                               ("soon", now - datetime.timedelta(days=1),
                                now + datetime.timedelta(days=5), "expires"),
                               ("future", now + datetime.timedelta(days=2),
                                now + datetime.timedelta(days=400), "not valid before")):
        shown = nb if name == "future" else na  # the date the warning gives
        crt, key = pair(tmp, name, nb, na)
        conf = ["--set", "tls_cert=" + crt, "--set", "tls_key=" + key]
        rc, out, err = fingerprint(binary, ["--data-dir", os.path.join(tmp, name, "data"),
                                            *conf])
        res.record("%s certificate: leadd fingerprint prints it and warns" % name,
                   rc == 0 and out.startswith("SHA256:") and word in err and crt in err,
                   "exit %d: %s%s" % (rc, out, err))
        log = os.path.join(tmp, name + ".log")
        d = start_tls_leadd(binary, os.path.join(tmp, name), extra=conf, log_file=log)
        res.record("%s certificate: leadd starts and its log warns with the date" % name,
                   wait_log(log, crt) and word in open(log).read()
                   and shown.strftime("%Y-%m-%d") in open(log).read(), open(log).read())
        # d.fingerprint is DATA_DIR/tls.crt's (init's pair); leadd uses tls_cert.
        c = Client(pb, d.port, host=d.host, fingerprint=out.strip())
        res.record("%s certificate: a pinned TLS client is served" % name,
                   c.create(name).code == pb.OK)
        c.close()
        res.stop_and_verify(d, name + " certificate")


def main():
    binary, proto = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="tls_files.")
    try:
        pb = load_pb(proto, tmp)
        readable_key(pb, binary, tmp)
        bad_keys(binary, tmp)
        expiry(pb, binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
