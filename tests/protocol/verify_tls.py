#!/usr/bin/python3
"""`leadd verify` checks the TLS pair leadd would load (docs/operations.md,
"Checking the data"): a check that said OK on a corrupted certificate.

On copies of one data directory made by `leadd init`:
1. init's pair: exit 0, a line naming both files and the fingerprint
   `leadd fingerprint` prints, then "verify: OK: ...".
2. Neither tls.crt nor tls.key: exit 0 and a line saying leadd makes the
   pair at its next start (as leadd does); verify makes no file.
3. Each pair leadd refuses to start with is a problem (exit 1, "verify:
   FAILED: ... 1 problem(s)" last) in one sentence naming the file and what
   to do: tls.key missing, certificate bytes corrupted, the key of a second
   `openssl req` pair, tls.key mode 0644, tls.key a directory (unreadable);
   `leadd fingerprint` refuses each as well. A key its group may read
   (0640) passes, as leadd accepts it.
Pairs named by tls_cert/tls_key in a --config file (openssl CLI only:
`openssl ca -selfsign` sets past and future dates):
4. a good pair: exit 0, naming the configured files, not the data
   directory's; a configured certificate that is missing: exit 1.
5. expired (2020-2021): exit 1, the date and "renewed pair"; not valid
   before 2099: exit 1, the date and "clock"; expiring in 5 days (`openssl
   req -days 5`): a "verify: warning:" line and exit 0.

Usage: verify_tls.py LEADD_BINARY"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leadd_harness import Leadd, Results, leadd_fingerprint, run_verify  # noqa: E402

res = Results()


def openssl(*args, cwd=None):
    subprocess.run(["openssl", *args], check=True, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def req_pair(dirname, name, days=30):
    """A P-256 key and a self-signed certificate from `openssl req`, valid
    for days from now; the key mode 0600."""
    crt, key = os.path.join(dirname, name + ".crt"), os.path.join(dirname, name + ".key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", crt, "-days", str(days), "-subj", "/CN=127.0.0.1")
    os.chmod(key, 0o600)
    return crt, key


def dated_pair(dirname, name, start, end):
    """A self-signed pair valid from start to end (YYYYMMDDHHMMSSZ), through
    `openssl ca -selfsign`, which takes any dates."""
    ca = os.path.join(dirname, name + ".ca")
    os.makedirs(ca)
    open(os.path.join(ca, "index.txt"), "w").close()
    with open(os.path.join(ca, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(ca, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = c\n[c]\ndatabase = index.txt\nnew_certs_dir = .\n"
                "serial = serial\ndefault_md = sha256\npolicy = p\n[p]\n"
                "commonName = supplied\n")
    crt, key = os.path.join(dirname, name + ".crt"), os.path.join(dirname, name + ".key")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", "r.csr", "-subj", "/CN=127.0.0.1", cwd=ca)
    openssl("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", key, "-in", "r.csr",
            "-startdate", start, "-enddate", end, "-notext", "-out", crt, cwd=ca)
    os.chmod(key, 0o600)
    return crt, key


def config(tmp, name, crt, key):
    path = os.path.join(tmp, name + ".conf")
    with open(path, "w") as f:
        f.write("[server]\ntls_cert = %s\ntls_key = %s\n" % (crt, key))
    return ["--config", path]


def last_line(out):
    lines = out.strip().splitlines()
    return lines[-1] if lines else ""


def passes(name, binary, data, extra=(), *expect):
    rc, out = run_verify(binary, data, extra=extra)
    missing = [e for e in expect if e not in out]
    ok = rc == 0 and not missing and last_line(out).startswith("verify: OK: ") \
        and last_line(out).endswith(" 0 problem(s)")
    res.record("verify: " + name, ok, "" if ok else "exit %d, missing %r in:\n%s" %
               (rc, missing, out))
    return out


def fails(name, binary, data, extra=(), *expect):
    """verify exits 1 with one problem, naming each of expect."""
    rc, out = run_verify(binary, data, extra=extra)
    missing = [e for e in expect if e not in out]
    ok = rc == 1 and not missing and last_line(out).startswith("verify: FAILED: ") \
        and last_line(out).endswith(" 1 problem(s)")
    res.record("verify: " + name, ok, "" if ok else "exit %d, missing %r in:\n%s" %
               (rc, missing, out))


def fingerprint_refuses(name, binary, data):
    r = subprocess.run([binary, "fingerprint", "--data-dir", data], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    res.record("leadd fingerprint refuses it too: " + name,
               r.returncode == 1 and r.stdout == b"", r.stderr.decode())


def data_dir_pairs(binary, tmp, base):
    """Cases 1-3 on copies of base."""
    def copy(name):
        data = os.path.join(tmp, name)
        shutil.copytree(base, data)
        return data, os.path.join(data, "tls.crt"), os.path.join(data, "tls.key")

    d = Leadd(binary, os.path.join(tmp, "good"))
    d.data, crt, key = copy("good")
    fp = leadd_fingerprint(d)
    passes("init's pair", binary, d.data, (),
           "verify: TLS: %s and %s are a pair leadd can use; fingerprint %s" % (crt, key, fp))

    data, crt, key = copy("none")
    os.unlink(crt)
    os.unlink(key)
    passes("no pair yet", binary, data, (),
           "verify: TLS: no certificate yet (%s and %s): leadd makes a self-signed pair at its "
           "next start" % (crt, key))
    res.record("verify made no certificate", not os.path.exists(crt) and not os.path.exists(key))

    data, crt, key = copy("nokey")
    os.unlink(key)
    fails("tls.key missing", binary, data, (),
          "verify: %s exists but %s does not: put the missing file back" % (crt, key))

    data, crt, key = copy("corrupt")
    pem = open(crt, "rb").read()
    mid = len(pem) // 2
    with open(crt, "wb") as f:  # certificate bytes changed, still base64
        f.write(pem[:mid] + (b"AAAA" if pem[mid:mid + 4] != b"AAAA" else b"BBBB") +
                pem[mid + 4:])
    fails("corrupted certificate bytes", binary, data, (),
          "verify: cannot read the TLS certificate %s" % crt,
          "leadd will not start with it", "move tls.crt and tls.key both out")
    fingerprint_refuses("corrupted certificate", binary, data)

    data, crt, key = copy("mismatch")
    _, other = req_pair(tmp, "other")
    shutil.copy(other, key)
    fails("the key of another pair", binary, data, (),
          "verify: the TLS key %s does not belong to the certificate %s" % (key, crt),
          "leadd will not start with it")
    fingerprint_refuses("mismatched pair", binary, data)

    data, crt, key = copy("open")
    os.chmod(key, 0o644)
    fails("tls.key mode 0644", binary, data, (),
          "verify: the TLS private key %s is open to every user" % key,
          "run 'chmod 600 %s'" % key)
    fingerprint_refuses("key mode 0644", binary, data)
    os.chmod(key, 0o640)
    passes("tls.key mode 0640 (its group may read it, as leadd accepts)", binary, data, (),
           "verify: TLS: %s and %s are a pair" % (crt, key))

    data, crt, key = copy("dirkey")
    os.unlink(key)
    os.mkdir(key, 0o700)
    fails("tls.key a directory", binary, data, (),
          "verify: the TLS private key %s is a directory, not a file" % key)
    fingerprint_refuses("key a directory", binary, data)

    data, crt, key = copy("fifokey")
    os.unlink(key)
    os.mkfifo(key, 0o600)
    t0 = time.time()
    fails("tls.key a named pipe (opening it would wait for a writer)", binary, data, (),
          "verify: the TLS private key %s is a named pipe, not a file" % key,
          "put the PEM file there")
    res.record("... verify did not wait on it", time.time() - t0 < 10,
               "%.1f s" % (time.time() - t0))
    fingerprint_refuses("key a named pipe", binary, data)


def configured_pairs(binary, tmp, base):
    """Cases 4-5: tls_cert/tls_key from a --config file."""
    data = os.path.join(tmp, "conf")
    shutil.copytree(base, data)
    crt, key = req_pair(tmp, "good", days=365)
    passes("a configured good pair", binary, data, config(tmp, "good", crt, key),
           "verify: TLS: %s and %s are a pair leadd can use" % (crt, key))
    missing = os.path.join(tmp, "missing.crt")
    fails("a configured certificate that is missing", binary, data,
          config(tmp, "missing", missing, key),
          "verify: cannot read the TLS certificate %s" % missing,
          "at the configured tls_cert and tls_key")

    crt, key = dated_pair(tmp, "expired", "20200101000000Z", "20210101000000Z")
    fails("an expired certificate", binary, data, config(tmp, "expired", crt, key),
          "verify: the TLS certificate %s expired on 2021-01-01 00:00 UTC" % crt,
          "put a renewed pair in place")
    crt, key = dated_pair(tmp, "future", "20990101000000Z", "21000101000000Z")
    fails("a certificate not valid yet", binary, data, config(tmp, "future", crt, key),
          "verify: the TLS certificate %s is not valid before 2099-01-01 00:00 UTC" % crt,
          "check this machine's clock")
    crt, key = req_pair(tmp, "soon", days=5)
    out = passes("a certificate expiring in 5 days passes", binary, data,
                 config(tmp, "soon", crt, key),
                 "verify: warning: the TLS certificate %s expires on" % crt)
    res.record("expiring: the warning says in how many days",
               "(in 4 days)" in out or "(in 5 days)" in out, out)


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="verify_tls.")
    try:
        base = Leadd(binary, os.path.join(tmp, "base"))
        base.init()
        data_dir_pairs(binary, tmp, base.data)
        configured_pairs(binary, tmp, base.data)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
