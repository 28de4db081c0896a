#!/usr/bin/python3
"""The TLS fuzz against a real leadd, through net.c's TLS code (issue 14).

leadd on 127.0.0.2 under the non-loopback rules (require_tls_on_loopback =
yes: TLS only), login_timeout_ms = 2000, and the pre-login caps raised so
the fuzzer's back-to-back connections are not refused by them. Then
`fuzz_tls net` sends mutated ClientHellos and, over clean handshakes,
mutated frames and records (tests/fuzz/fuzz_tls_net.c; it checks leadd's
answers and that a clean client is served every 25 connections). After it:
leadd is still running, a TLS client logs in and creates a lead, leadd
stops with exit 0 on SIGTERM and `leadd verify` passes.

Usage: fuzz_tls_net.py LEADD_BINARY PROTO_DIR FUZZ_TLS_BINARY [ITERATIONS]"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "protocol"))
from leadd_harness import Client, Results, load_pb, start_tls_leadd  # noqa: E402


def main():
    leadd, proto, fuzz = sys.argv[1:4]
    iterations = sys.argv[4] if len(sys.argv) > 4 else "1500"
    res = Results()
    with tempfile.TemporaryDirectory() as tmp:
        pb = load_pb(proto, tmp)
        d = start_tls_leadd(leadd, tmp, extra=(
            "--set", "login_timeout_ms=2000",
            "--set", "max_prelogin_per_address=4096",
            "--set", "max_prelogin_connections=4096"))
        try:
            r = subprocess.run([fuzz, "net", "%s:%d" % (d.host, d.port), iterations],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
            out = r.stdout.decode(errors="replace")
            print(out.rstrip())
            res.record("fuzz_tls net: no failure", r.returncode == 0, "exit %d" % r.returncode)
            res.record("leadd is still running", d.proc.poll() is None)
            try:
                c = Client(pb, d.port, host=d.host, fingerprint=d.fingerprint)
                r = c.create("after the TLS fuzz")
                c.close()
                res.record("a TLS client logs in and creates a lead", r.code == pb.OK,
                           r.message)
            except Exception as e:  # noqa: BLE001 -- any failure is the finding
                res.record("a TLS client logs in and creates a lead", False, repr(e))
        finally:
            if d.proc.poll() is None:
                res.stop_and_verify(d, "leadd after the TLS fuzz")
            else:
                res.record("leadd after the TLS fuzz is still running", False,
                           "exit %s" % d.proc.returncode)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
