#!/bin/sh
# Watch latency: leadd's events to 100 dashboards against Redis pub/sub to
# 100 subscribers, in one run, measured by the same client (bench_watch).
#
# Usage: tests/bench/watch_vs_redis.sh BUILD_DIR [--dashboards N]
#            [--changes N] [--rate PER_SEC] [--lead-bytes B]
# Defaults: 100 dashboards, 5,000 changes at (at most) 200 a second, the
# first 200 not measured, leads with a 2,000-byte description. Builds
# nothing: BUILD_DIR must hold server/leadd and tests/bench/bench_watch.
# About a minute and a half.
#
# 1. A fresh leadd (temp data dir, 127.0.0.1, ephemeral port, default
#    watch limits, info log to a file): bench_watch sets up a team, its
#    manager and rep and 50 leads, opens the dashboards (TOPIC_LEADS and
#    TOPIC_KPI, half as the admin, half as the manager) and a writer that
#    changes a lead's status, one change in flight, at the given rate. The
#    latency of a (change, dashboard) pair is from the writer reading the
#    acknowledgement to the dashboard reading the change's first event.
# 2. The same again with one more watching connection that never reads:
#    its backlog should pass watch_soft_limit (coalesced into a snapshot),
#    then watch_hard_limit (closed). leadd's socket buffer takes up to
#    4 MB (tcp_wmem) before leadd's own backlog grows, so the stalled
#    watcher is closed after about 8.5 MB of events, 3,600 changes here:
#    hence 5,000 changes. And one that stops reading for the first 55 %
#    of the changes (past the soft limit, short of the hard one), then
#    reads again: its waiting events must have become one snapshot
#    (reason: fell behind). Printed: whether the server closed the first,
#    what the second got,
#    the server's connection count before and after, leadd's log lines
#    about it, and the others' latency beside run 1's.
# 3. leadd stops (SIGTERM) and `leadd verify` checks the store.
# 4. redis-server (installed with apt-get if missing; run as root to let
#    the script install it) on a free loopback port, no persistence:
#    bench_watch subscribes the same number of connections to one channel
#    and PUBLISHes the same number of messages at the rate leadd's writer
#    reached in run 1 (one change in flight: a durable commit each), each
#    of run 1's average event bytes per dashboard; the latency is from the
#    publisher reading PUBLISH's reply to the subscriber reading the
#    message.
# The table adds, per change, "first" (ack to the first dashboard's event)
# and "spread" (first dashboard's event to the last's): the server's delay
# before it fans out, and the fan-out itself.
# The two servers never run at the same time. Everything started here is
# stopped on exit, whatever the exit. Not part of ctest.
set -eu

usage() {
	echo "usage: watch_vs_redis.sh BUILD_DIR [--dashboards N] [--changes N] [--rate PER_SEC] [--lead-bytes B]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
build=$1
shift
dashboards=100 changes=5000 rate=200 lead_bytes=2000
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--dashboards) dashboards=$2 ;;
	--changes) changes=$2 ;;
	--rate) rate=$2 ;;
	--lead-bytes) lead_bytes=$2 ;;
	*) usage ;;
	esac
	shift 2
done

leadd=$build/server/leadd
bench=$build/tests/bench/bench_watch
for f in "$leadd" "$bench"; do
	[ -x "$f" ] || { echo "watch_vs_redis.sh: $f is missing; build first" >&2; exit 2; }
done

if ! command -v redis-server >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "watch_vs_redis.sh: redis-server is not installed; run as root to install it, or install the package redis-server" >&2
		exit 2
	fi
	echo "installing redis-server (apt-get install redis-server)..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >/dev/null 2>&1 ||
		{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >/dev/null; } ||
		{ echo "watch_vs_redis.sh: could not install redis-server" >&2; exit 1; }
	# The package starts a system-wide instance on 6379; this benchmark
	# starts its own and leaves that one as the package set it up.
fi

# A throwaway leadd in a temporary directory runs as whoever runs this
# script; leadd refuses root unless told (docs/operations.md).
[ "$(id -u)" -ne 0 ] || export LEADD_ALLOW_ROOT=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leadd-watch-XXXXXX")
pid=
rpid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	[ -z "$rpid" ] || { kill "$rpid" 2>/dev/null || true; wait "$rpid" 2>/dev/null || true; }
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "watch benchmark: $dashboards dashboards, $changes changes at $rate/s; $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p')), load $(cut -d' ' -f1-3 /proc/loadavg)"

# key=value of a bench_watch line: field LINE KEY
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# ---- leadd ----
LEADD_BENCH_USER="admin"
LEADD_BENCH_PASSWORD="bench-admin-password"
export LEADD_BENCH_USER LEADD_BENCH_PASSWORD
printf '%s\n' "$LEADD_BENCH_PASSWORD" |
	"$leadd" init --data-dir "$tmp/data" --admin "$LEADD_BENCH_USER" --password-stdin \
		>/dev/null 2>&1 || { echo "watch_vs_redis.sh: leadd init failed" >&2; exit 1; }
"$leadd" --data-dir "$tmp/data" --listen 127.0.0.1:0 --port-file "$tmp/port" \
	--log-level info --log-file "$tmp/leadd.log" &
pid=$!
i=0
until grep -q . "$tmp/port" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "watch_vs_redis.sh: leadd did not start (no port file after 10 s)" >&2
		exit 1
	fi
	sleep 0.1
done
addr=127.0.0.1:$(head -n1 "$tmp/port")
common="--dashboards $dashboards --changes $changes --rate $rate"

status=0
echo "leadd, $dashboards dashboards..."
# shellcheck disable=SC2086
"$bench" leadd "$addr" $common --lead-bytes "$lead_bytes" >"$tmp/leadd1.out" || status=1
sed 's/^/  /' "$tmp/leadd1.out"
l1=$(grep '^watch_latency' "$tmp/leadd1.out" || true)

echo "leadd, $dashboards dashboards and one stalled watcher..."
lines_before=$(wc -l <"$tmp/leadd.log")
# shellcheck disable=SC2086
"$bench" leadd "$addr" $common --lead-bytes "$lead_bytes" --stalled >"$tmp/leadd2.out" || status=1
sed 's/^/  /' "$tmp/leadd2.out"
l2=$(grep '^watch_latency' "$tmp/leadd2.out" || true)
st=$(grep '^stalled_watcher' "$tmp/leadd2.out" || true)
pw=$(grep '^paused_watcher' "$tmp/leadd2.out" || true)
echo "  leadd's log about slow watchers during that run:"
tail -n +"$((lines_before + 1))" "$tmp/leadd.log" |
	grep -i -E 'watch|behind|backlog|slow|snapshot|limit' | head -n 10 | sed 's/^/    /' || true

kill -TERM "$pid"
lstatus=0
wait "$pid" || lstatus=$?
pid=
[ $lstatus -eq 0 ] || { echo "watch_vs_redis.sh: leadd exited with status $lstatus after SIGTERM" >&2; status=1; }
if "$leadd" verify --data-dir "$tmp/data" >"$tmp/verify.out" 2>&1; then
	echo "  leadd verify: passed"
else
	echo "watch_vs_redis.sh: leadd verify failed:" >&2
	sed 's/^/  /' "$tmp/verify.out" >&2
	status=1
fi

# ---- Redis ----
payload=$(field "$l1" event_bytes)
[ -n "$payload" ] || payload=$lead_bytes
rrate=$(field "$l1" achieved_per_sec)
[ -n "$rrate" ] || rrate=$rate
port=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	p=$(awk 'BEGIN { srand(); printf "%d", 20000 + rand() * 40000 }')
	redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
		--dir "$tmp" --logfile "$tmp/redis.log" &
	rpid=$!
	j=0
	while [ $j -lt 50 ] && kill -0 "$rpid" 2>/dev/null; do
		if [ "$(redis-cli -p "$p" ping 2>/dev/null)" = PONG ]; then
			port=$p
			break
		fi
		j=$((j + 1))
		sleep 0.1
	done
	[ -z "$port" ] || break
	kill "$rpid" 2>/dev/null || true
	wait "$rpid" 2>/dev/null || true
	rpid=
done
[ -n "$port" ] || { echo "watch_vs_redis.sh: redis-server did not start on a loopback port" >&2; exit 1; }
echo "redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'), $dashboards subscribers, ${payload}-byte messages at $rrate/s..."
"$bench" redis "127.0.0.1:$port" --dashboards "$dashboards" --changes "$changes" \
	--rate "$rrate" --payload "$payload" >"$tmp/redis.out" || status=1
sed 's/^/  /' "$tmp/redis.out"
r1=$(grep '^watch_latency' "$tmp/redis.out" || true)
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$rpid" 2>/dev/null || true
wait "$rpid" 2>/dev/null || true
rpid=

# ---- the table ----
echo
printf '%-28s %9s %9s %9s %9s %9s %8s %11s %11s\n' "ack -> event (${dashboards}x)" "p50 (us)" "p90" "p99" "p99.9" "max" "missing" "first p50" "spread p50"
row() {
	[ -n "$2" ] || { printf '%-28s %9s\n' "$1" "no figures (failed above)"; return; }
	printf '%-28s %9s %9s %9s %9s %9s %8s %11s %11s\n' "$1" "$(field "$2" p50_us)" "$(field "$2" p90_us)" \
		"$(field "$2" p99_us)" "$(field "$2" p999_us)" "$(field "$2" max_us)" "$(field "$2" missing)" \
		"$(field "$2" first_p50_us)" "$(field "$2" spread_p50_us)"
}
row "leadd" "$l1"
row "leadd, one watcher stalled" "$l2"
row "redis pub/sub" "$r1"
echo
if [ -n "$l1" ] && [ -n "$r1" ]; then
	lp99=$(field "$l1" p99_us)
	rp99=$(field "$r1" p99_us)
	awk -v l="$lp99" -v r="$rp99" 'BEGIN {
		printf "leadd p99 %.2f ms (target < 5 ms: %s); leadd p99 / redis p99 = %.2f (target <= 2: %s)\n",
			l / 1000, (l < 5000) ? "met" : "NOT met", (r > 0 ? l / r : 0), (r > 0 && l / r <= 2) ? "met" : "NOT met" }'
fi
if [ -n "$l1" ] && [ -n "$l2" ]; then
	awk -v a="$(field "$l1" p99_us)" -v b="$(field "$l2" p99_us)" 'BEGIN {
		printf "others p99 with the stalled watcher / without: %.2f\n", (a > 0 ? b / a : 0) }'
fi
if [ -n "$st" ]; then
	echo "stalled watcher: closed by leadd: $(field "$st" closed_by_server) (connections $(field "$st" server_connections_before) -> $(field "$st" server_connections_after)); it read $(field "$st" events_read) events ($(field "$st" bytes_read) bytes, $(field "$st" snapshots_read) snapshots) left in the kernel's buffers, then EOF"
	[ "$(field "$st" closed_by_server)" = 1 ] || { echo "watch_vs_redis.sh: leadd did not close the stalled watcher" >&2; status=1; }
fi
if [ -n "$pw" ]; then
	echo "paused watcher (read again after $(field "$pw" paused_for_changes) changes): coalesced: $(field "$pw" coalesced), closed: $(field "$pw" closed); its events stopped after change $(field "$pw" last_change_before_snapshot), then one snapshot at change $(field "$pw" snapshot_at_change) ($(printf '%s\n' "$pw" | sed -n 's/.*reason="\(.*\)"$/\1/p'))"
	if [ "$(field "$pw" coalesced)" != 1 ] || [ "$(field "$pw" closed)" != 0 ]; then
		echo "watch_vs_redis.sh: the paused watcher was not coalesced into one snapshot (or was closed)" >&2
		status=1
	fi
fi
echo "leadd writer ack p50/p99 (us): $(field "$l1" ack_p50_us)/$(field "$l1" ack_p99_us) (a durable commit); redis PUBLISH reply: $(field "$r1" ack_p50_us)/$(field "$r1" ack_p99_us)"
exit $status
