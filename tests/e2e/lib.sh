# shellcheck shell=bash
# Shared by the e2e tests: start a real leadd on 127.0.0.1 with an ephemeral
# port and a temporary data directory (its first admin made by `leadd init`,
# and logged in with `lead login` in $LEAD_CONFIG_DIR), drive `lead` as a user
# types it, and finish with `leadd verify` as the oracle.
#
# The tests get the binaries from ctest: LEADD and LEAD (see CMakeLists.txt).

set -euo pipefail

: "${LEADD:?set LEADD to the leadd binary}"
: "${LEAD:?set LEAD to the lead binary}"

LEADD_DIR=""
LEADD_PID=""
OUT=""  # stdout of the last expect_exit
ERR=""  # stderr of the last expect_exit
RC=0    # its exit status
CHECKS=0
BG_PIDS=()  # helpers a test started in the background (killed on exit)
ADMIN_PASSWORD="admin-password-1"  # of the admin start_leadd creates and logs in
LEADD_EXTRA=()  # more leadd arguments (start_leadd_tls)
TLS_FP=""       # leadd's certificate fingerprint, after start_leadd_tls

fail()
{
	echo "FAIL: $*" >&2
	if [ -n "$LEADD_DIR" ] && [ -s "$LEADD_DIR/leadd.log" ]; then
		echo "--- leadd log:" >&2
		tail -n 50 "$LEADD_DIR/leadd.log" >&2
	fi
	exit 1
}

# Whatever way the test ends, leave no leadd behind.
cleanup()
{
	local rc=$? pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -n "$LEADD_PID" ]; then
		kill -KILL "$LEADD_PID" 2>/dev/null || true
		wait "$LEADD_PID" 2>/dev/null || true
	fi
	if [ -n "$LEADD_DIR" ]; then
		rm -rf "$LEADD_DIR"
	fi
	if [ "$rc" -eq 0 ]; then
		echo "ok: $CHECKS checks"
	fi
	exit "$rc"
}
trap cleanup EXIT

start_leadd()
{
	LEADD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lead-e2e.XXXXXX")
	mkdir -p "$LEADD_DIR/cfg"
	# A new data directory gets its first admin before leadd holds it.
	"$LEADD" init --data-dir "$LEADD_DIR/data" --admin admin --password-stdin \
		<<<"$ADMIN_PASSWORD" >"$LEADD_DIR/init.log" 2>&1 ||
		fail "leadd init failed: $(cat "$LEADD_DIR/init.log")"
	local listen=${LEADD_LISTEN:-127.0.0.1:0}
	"$LEADD" --data-dir "$LEADD_DIR/data" --listen "$listen" \
		--port-file "$LEADD_DIR/port" --log-level warn "${LEADD_EXTRA[@]}" \
		2>"$LEADD_DIR/leadd.log" &
	LEADD_PID=$!
	# The port file is written once leadd listens; a final newline marks it whole.
	local i port=""
	for ((i = 0; i < 100; i++)); do
		if [ -s "$LEADD_DIR/port" ] && [ "$(tail -c 1 "$LEADD_DIR/port" | wc -l)" -eq 1 ]; then
			port=$(tr -d '[:space:]' <"$LEADD_DIR/port")
			break
		fi
		if ! kill -0 "$LEADD_PID" 2>/dev/null; then
			wait "$LEADD_PID" || true
			LEADD_PID=""
			fail "leadd exited before it listened"
		fi
		sleep 0.1
	done
	[ -n "$port" ] || fail "leadd wrote no port file within 10 s"
	[[ "$port" =~ ^[0-9]+$ ]] || fail "port file holds '$port', not a port number"
	export LEAD_SERVER="${LEADD_HOST:-${listen%:*}}:$port"
	export LEAD_CONFIG_DIR="$LEADD_DIR/cfg"
	local out trust=()
	# Over TLS (start_leadd_tls), the admin trusts leadd's own certificate
	# by its fingerprint, as a script does.
	if [ "${LEAD_TLS:-}" = yes ] && [ -z "${LEADD_CA:-}" ]; then
		TLS_FP=$(tls_fingerprint "$LEADD_DIR/data/tls.crt") ||
			fail "no certificate in $LEADD_DIR/data/tls.crt"
		trust=(--fingerprint "$TLS_FP")
	fi
	out=$("$LEAD" login admin --password-stdin "${trust[@]}" <<<"$ADMIN_PASSWORD" 2>&1) ||
		fail "lead login admin failed: $out"
}

# proto_create_lead TITLE FIELD=VALUE...: a lead made through the protocol as
# the admin, for what no `lead` option can type (a value of INT64_MAX minor
# units, a time at INT64_MAX ms); prints its id. value=MINOR CODE sets the
# value; a FIELD of LeadCreateRequest takes an integer, or else the text.
# Needs Debian's python3 with python3-protobuf and protoc, as the protocol
# tests do.
proto_create_lead()
{
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	mkdir -p "$LEADD_DIR/pb"
	PORT=${LEAD_SERVER##*:} PASSWORD=$ADMIN_PASSWORD PBDIR="$LEADD_DIR/pb" \
		PROTO="$here/../../proto" PYTHONPATH="$here/../protocol" /usr/bin/python3 -c '
import os, sys
from leadd_harness import Client, load_pb
pb = load_pb(os.environ["PROTO"], os.environ["PBDIR"])
c = Client(pb, int(os.environ["PORT"]), user="admin", password=os.environ["PASSWORD"])
def fill(q):
    q.lead_create.title = sys.argv[1]
    q.lead_create.owner = "admin"
    for a in sys.argv[2:]:
        k, v = a.split("=", 1)
        if k == "value":
            q.lead_create.value.amount_minor = int(v.split()[0])
            q.lead_create.value.currency = v.split()[1]
        else:
            try:
                setattr(q.lead_create, k, int(v))
            except ValueError:
                setattr(q.lead_create, k, v)
r = c.call(fill)
if r.code != pb.OK:
    sys.exit("lead_create: %d %s" % (r.code, r.message))
print(r.lead.lead.id)
' "$@"
}

# tls_fingerprint CERT: its fingerprint as leadd and lead print it
# (docs/operations.md gives the same pipeline).
tls_fingerprint()
{
	local fp
	fp=$(openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 | tr -d =) ||
		return 1
	echo "SHA256:$fp"
}

# start_leadd_tls [LEADD ARGS...]: start_leadd on 127.0.0.2 (or
# $LEADD_LISTEN; lead names it $LEADD_HOST when set, e.g. localhost for a
# certificate issued to that name) under the rules of a non-loopback address
# (require_tls_on_loopback = yes: TLS only), the arguments added to
# leadd's. lead speaks TLS to it: LEAD_TLS=yes, since 127.0.0.2 is a
# loopback address where `auto` is plaintext. The admin's login trusts
# leadd's certificate by fingerprint ($TLS_FP), unless LEADD_CA is set (a
# CA-issued pair the client trusts through SSL_CERT_FILE).
start_leadd_tls()
{
	LEADD_LISTEN=${LEADD_LISTEN:-127.0.0.2:0}
	LEADD_EXTRA=(--set require_tls_on_loopback=yes "$@")
	export LEAD_TLS=yes
	start_leadd
}

# Stop leadd as systemd would, check it exited cleanly, then let `leadd verify`
# recount and cross-check everything it left on disk.
stop_leadd()
{
	[ -n "$LEADD_PID" ] || fail "stop_leadd: leadd is not running"
	kill -TERM "$LEADD_PID"
	local status=0
	wait "$LEADD_PID" || status=$?
	LEADD_PID=""
	[ "$status" -eq 0 ] || fail "leadd exited with status $status after SIGTERM"
	local out
	if ! out=$("$LEADD" verify --data-dir "$LEADD_DIR/data" 2>&1); then
		fail "leadd verify found a problem: $out"
	fi
	CHECKS=$((CHECKS + 1))
	rm -rf "$LEADD_DIR"
	LEADD_DIR=""
}

# expect_exit CODE CMD...: run CMD, keep its stdout in $OUT and stderr in $ERR,
# and fail unless it exits with CODE.
expect_exit()
{
	local want=$1
	shift
	local o e
	o=$(mktemp)
	e=$(mktemp)
	RC=0
	"$@" >"$o" 2>"$e" || RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
	rm -f "$o" "$e"
	if [ "$RC" -ne "$want" ]; then
		fail "'$*' exited $RC, expected $want
stdout: $OUT
stderr: $ERR"
	fi
	CHECKS=$((CHECKS + 1))
}

# lead ARGS...: run lead and expect success.
lead_ok()
{
	expect_exit 0 "$LEAD" "$@"
}

# expect_eq EXPECTED ACTUAL [WHAT]
expect_eq()
{
	if [ "$1" != "$2" ]; then
		fail "${3:-value}: expected '$1', got '$2'"
	fi
	CHECKS=$((CHECKS + 1))
}

# expect_match TEXT REGEX [WHAT]: an extended regex somewhere in TEXT.
expect_match()
{
	if ! grep -Eq -- "$2" <<<"$1"; then
		fail "${3:-output} does not match /$2/:
$1"
	fi
	CHECKS=$((CHECKS + 1))
}

# expect_no_match TEXT REGEX [WHAT]
expect_no_match()
{
	if grep -Eq -- "$2" <<<"$1"; then
		fail "${3:-output} should not match /$2/:
$1"
	fi
	CHECKS=$((CHECKS + 1))
}

# The system's python3 starts in a tenth of the time of a pyenv shim.
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=python3
fi

# json EXPR: evaluate a Python expression over the JSON document on stdin,
# bound to `d`; prints the result (strings bare, anything else as JSON).
json()
{
	"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1], {"d": d})
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}

# on_tty CMD...: CMD with stdout on a terminal of 80 columns (pty_answer.py's,
# COLUMNS unset); what it printed, without the terminal's \r, in $OUT.
on_tty()
{
	OUT=$(env -u COLUMNS "$PYTHON" "$(dirname "${BASH_SOURCE[0]}")/pty_answer.py" -- "$@" |
		tr -d '\r') || fail "'$*' on a terminal failed: $OUT"
	CHECKS=$((CHECKS + 1))
}

# widest < TEXT: the most terminal columns a line of TEXT takes (a wide
# character two, a combining mark none).
widest()
{
	"$PYTHON" -c '
import sys, unicodedata
def w(l):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
print(max([w(l) for l in sys.stdin.read().split("\n")] + [0]))
'
}

# start_silent_server: a TCP server on 127.0.0.1 that accepts and never
# answers (a hung leadd), for a minute at most. Sets $silent (its port),
# $silent_pid and $silent_dir; killed at exit like any of BG_PIDS.
start_silent_server()
{
	silent_dir=$(mktemp -d)
	"$PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(60)
' "$silent_dir/port" &
	silent_pid=$!
	BG_PIDS+=("$silent_pid")
	for _ in $(seq 50); do
		[ -s "$silent_dir/port" ] && break
		sleep 0.1
	done
	silent=$(cat "$silent_dir/port")
}
