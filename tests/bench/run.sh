#!/bin/sh
# Run the benchmarks against a fresh leadd and print a small report.
#
# Usage: tests/bench/run.sh BUILD_DIR
# Builds nothing: BUILD_DIR must hold server/leadd and tests/bench/bench_*.
# The LMDB floor and leadd's data directory live in one temporary directory,
# so both measure the same disk. Set TMPDIR to benchmark another disk.
# Search and KPI at a million leads, against PostgreSQL, is a separate and
# much longer run: tests/bench/search_vs_pg.sh BUILD_DIR (docs/performance.md).
set -eu

build=${1:?usage: run.sh BUILD_DIR}
leadd=$build/server/leadd
mdb=$build/tests/bench/bench_mdb_commit
create=$build/tests/bench/bench_create
login=$build/tests/bench/bench_login
tls=$build/tests/bench/bench_tls
for f in "$leadd" "$mdb" "$create" "$login" "$tls"; do
	[ -x "$f" ] || { echo "run.sh: $f is missing; build first" >&2; exit 2; }
done

# A throwaway leadd in a temporary directory runs as whoever runs this
# script; leadd refuses root unless told (docs/operations.md).
[ "$(id -u)" -ne 0 ] || export LEADD_ALLOW_ROOT=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leadd-bench-XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# The first admin; the benchmarks log in as it (bench_conn.h).
LEADD_BENCH_USER=admin
LEADD_BENCH_PASSWORD=bench-admin-password
export LEADD_BENCH_USER LEADD_BENCH_PASSWORD
printf '%s\n' "$LEADD_BENCH_PASSWORD" |
	"$leadd" init --data-dir "$tmp/data" --admin "$LEADD_BENCH_USER" --password-stdin \
		>/dev/null 2>&1 || { echo "run.sh: leadd init failed" >&2; exit 1; }

"$leadd" --data-dir "$tmp/data" --listen 127.0.0.1:0 --port-file "$tmp/port" \
	--log-level warn &
pid=$!
i=0
until grep -q . "$tmp/port" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "run.sh: leadd did not start (no port file after 10 s)" >&2
		exit 1
	fi
	sleep 0.1
done
addr=127.0.0.1:$(head -n1 "$tmp/port")

echo "leadd benchmarks: $(nproc) CPUs, data on $(df -P "$tmp" | awk 'NR==2 {print $1}')"
floor=$("$mdb" "$tmp/mdb" 1000)
one=$("$create" "$addr" 1 1000)
many=$("$create" "$addr" 64 100)
# TLS against plaintext on this same leadd and listener (loopback takes both).
tlsrun=$("$tls" "$addr" "$tmp/data")
# Last: its wrong-password flood trips the login throttle for this admin.
logins=$("$login" "$addr" 10 3)

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ $status -eq 0 ] || echo "run.sh: leadd exited with status $status after SIGTERM" >&2

echo
echo "raw lines:"
printf '%s\n' "$floor" "$one" "$many" "$tlsrun" "$logins" | sed 's/^/  /'
echo

# key=value lookup in one of the lines above.
field() { printf '%s\n' "$1" | grep "^$2" | tr ' ' '\n' | sed -n "s/^$3=//p"; }

printf '%-34s %12s %10s %10s %10s\n' "" "per_sec" "p50_us" "p99_us" "w/commit"
printf '%-34s %12s %10s %10s %10s\n' "LMDB commit (1 put, durable)" \
	"$(field "$floor" mdb_commit commits_per_sec)" \
	"$(field "$floor" mdb_commit p50_us)" "$(field "$floor" mdb_commit p99_us)" "1"
printf '%-34s %12s %10s %10s %10s\n' "leadd create, 1 client" \
	"$(field "$one" creates_per_sec value)" \
	"$(field "$one" create_latency p50_us)" "$(field "$one" create_latency p99_us)" \
	"$(field "$one" creates_per_sec writes_per_commit)"
printf '%-34s %12s %10s %10s %10s\n' "leadd create, 64 clients" \
	"$(field "$many" creates_per_sec value)" \
	"$(field "$many" create_latency p50_us)" "$(field "$many" create_latency p99_us)" \
	"$(field "$many" creates_per_sec writes_per_commit)"

echo
printf '%-34s %12s %10s\n' "" "p50_ms" "mean_ms"
printf '%-34s %12s %10s\n' "login (connect+Hello+Login)" \
	"$(field "$logins" login_latency p50_ms)" "$(field "$logins" login_latency mean_ms)"
printf '%-34s %12s %10s\n' "crypto_pwhash_str_verify" \
	"$(field "$logins" pwhash_verify p50_ms)" "$(field "$logins" pwhash_verify mean_ms)"
echo
printf '%-34s %10s %10s %14s %14s\n' "lead_get (lead show), 1 conn" "p50_us" "p99_us" \
	"bad_logins/s" "real_login_ms"
printf '%-34s %10s %10s %14s %14s\n' "alone" \
	"$(field "$logins" lead_get_alone p50_us)" "$(field "$logins" lead_get_alone p99_us)" "-" "-"
for h in spray admin; do
	printf '%-34s %10s %10s %14s %14s\n' "50 conns of bad logins ($h)" \
		"$(field "$logins" lead_get_hammer_$h p50_us)" \
		"$(field "$logins" lead_get_hammer_$h p99_us)" \
		"$(field "$logins" lead_get_hammer_$h per_sec)" \
		"$(field "$logins" lead_get_hammer_$h real_login_ms)"
done
echo
echo "TLS against plaintext (same leadd, same listener, alternating blocks):"
printf '%-34s %10s %10s %10s %12s\n' "" "plain" "TLS" "TLS/plain" ""
# ratio A B: B / A to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }'; }
tlsrow() { # LABEL KEY FIELD
	p=$(field "$tlsrun" "tls_$2_plain" "$3")
	t=$(field "$tlsrun" "tls_$2_tls" "$3")
	printf '%-34s %10s %10s %10s\n' "$1" "$p" "$t" "$(ratio "$p" "$t")"
}
tlsrow "create, 1 conn: p50 us" create p50_us
tlsrow "create, 1 conn: p99 us" create p99_us
tlsrow "get, 1 conn: gets/s" get1 per_sec
tlsrow "get, 1 conn: p50 us" get1 p50_us
tlsrow "get 16 KiB lead, 1 conn: gets/s" getbig per_sec
tlsrow "get 16 KiB lead, 1 conn: p50 us" getbig p50_us
tlsrow "get, 8 conns: gets/s" get8 per_sec
tlsrow "get, 8 conns: p99 us" get8 p99_us
tlsrow "list 1000 leads: MB/s" list mb_per_sec
tlsrow "list 1000 leads: p50 us" list p50_us
tlsrow "connect+Hello: conns/s" connect per_sec
tlsrow "connect+Hello: p50 us" connect p50_us
echo "  page of 1000 leads: $(field "$tlsrun" tls_list_plain page_kb) KB"
echo "  engine alone, one core: handshake $(field "$tlsrun" tls_engine_handshake server_us) us" \
	"server + $(field "$tlsrun" tls_engine_handshake client_us) us client CPU;" \
	"records $(field "$tlsrun" tls_engine_records encrypt_mb_per_sec) MB/s encrypt," \
	"$(field "$tlsrun" tls_engine_records decrypt_mb_per_sec) MB/s decrypt"
exit $status
