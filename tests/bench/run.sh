#!/bin/sh
# Run the benchmarks against a fresh leadd and print a small report.
#
# Usage: tests/bench/run.sh BUILD_DIR
# Builds nothing: BUILD_DIR must hold server/leadd and tests/bench/bench_*.
# The LMDB floor and leadd's data directory live in one temporary directory,
# so both measure the same disk. Set TMPDIR to benchmark another disk.
set -eu

build=${1:?usage: run.sh BUILD_DIR}
leadd=$build/server/leadd
mdb=$build/tests/bench/bench_mdb_commit
create=$build/tests/bench/bench_create
for f in "$leadd" "$mdb" "$create"; do
	[ -x "$f" ] || { echo "run.sh: $f is missing; build first" >&2; exit 2; }
done

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

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ $status -eq 0 ] || echo "run.sh: leadd exited with status $status after SIGTERM" >&2

echo
echo "raw lines:"
printf '%s\n' "$floor" "$one" "$many" | sed 's/^/  /'
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
exit $status
