#!/bin/bash
# Search at a million leads: leadd against PostgreSQL 15 on the same rows.
#
# Usage: tests/bench/search_vs_pg.sh BUILD_DIR [--leads N] [--seed S]
#            [--queries N] [--clients C] [--seconds D] [--kinds K,K,...]
#            [--verify]
# Defaults: 1,000,000 leads, seed 1, 1,000 queries a kind at 1 client,
# 16 clients for 10 s a kind, all five kinds (status_owner, tag, text,
# team_page, kpi; --kinds picks some, status_owner always runs).
# --verify runs `leadd verify` on the store after the queries; off by
# default, since it adds about a minute a million leads. Builds nothing: BUILD_DIR must hold
# server/leadd and tests/bench/bench_search{,_load}.
#
# 1. A fresh leadd (temp data dir, 127.0.0.1, ephemeral port) is filled by
#    bench_search_load, which also writes every lead as leadd answered it to
#    a CSV; bench_search then measures five kinds of query. leadd is stopped
#    (with --verify, `leadd verify` then checks the store).
# 2. A throwaway PostgreSQL 15 cluster (initdb in the temp dir, Unix socket
#    only, run as the unprivileged user `nobody` when this script is root;
#    the package postgresql-15 is installed with apt-get if missing) loads the
#    same CSV, gets an index on (status, owner_id, id), VACUUM ANALYZE, and
#    pgbench runs the status+owner first page: 1 client with per-transaction
#    logging (p50/p99 computed here, nearest rank, as bench_search does) and
#    C clients (-j 2) for D seconds, prepared statements. fsync,
#    synchronous_commit and full_page_writes are off: this is a read
#    benchmark and they only speed up the load.
# The two systems never run at the same time. Everything started here is
# stopped on exit, whatever the exit. Not part of scripts/check.
set -euo pipefail

usage() {
	echo "usage: search_vs_pg.sh BUILD_DIR [--leads N] [--seed S] [--queries N] [--clients C] [--seconds D] [--kinds K,K,...] [--verify]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
build=$1
shift
verify=0 leads=1000000 seed=1 queries=1000 clients=16 seconds=10 kinds=status_owner,tag,text,team_page,kpi
while [ $# -gt 0 ]; do
	if [ "$1" = --verify ]; then
		verify=1
		shift
		continue
	fi
	[ $# -ge 2 ] || usage
	case $1 in
	--leads) leads=$2 ;;
	--seed) seed=$2 ;;
	--queries) queries=$2 ;;
	--clients) clients=$2 ;;
	--seconds) seconds=$2 ;;
	--kinds) kinds=status_owner,$2 ;;
	*) usage ;;
	esac
	shift 2
done

leadd=$build/server/leadd
load=$build/tests/bench/bench_search_load
search=$build/tests/bench/bench_search
for f in "$leadd" "$load" "$search"; do
	[ -x "$f" ] || { echo "search_vs_pg.sh: $f is missing; build first" >&2; exit 2; }
done

pgbin=/usr/lib/postgresql/15/bin
if [ ! -x $pgbin/initdb ] || [ ! -x $pgbin/pgbench ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "search_vs_pg.sh: PostgreSQL 15 is not installed; run as root to install postgresql-15, or install it" >&2
		exit 2
	fi
	echo "installing PostgreSQL 15 (apt-get install postgresql-15)..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15 >/dev/null ||
		{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15 >/dev/null; } ||
		{ echo "search_vs_pg.sh: could not install postgresql-15" >&2; exit 1; }
fi

# A throwaway leadd in a temporary directory runs as whoever runs this
# script; leadd refuses root unless told (docs/operations.md).
[ "$(id -u)" -ne 0 ] || export LEADD_ALLOW_ROOT=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/leadd-search-XXXXXX")
pid=
pgdata=$tmp/pg/data
pg_started=
# initdb refuses to run as root: the cluster runs as nobody then.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$pg_started" ]; then
		as_pg "$pgbin"/pg_ctl -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "search benchmark: $leads leads, seed $seed; $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p')), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, data on $(df -P "$tmp" | awk 'NR==2 {print $1}')"

# Seconds since $1 (a `date +%s.%N`), one decimal.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- leadd ----
LEADD_BENCH_USER="admin"
LEADD_BENCH_PASSWORD=bench-admin-password
export LEADD_BENCH_USER LEADD_BENCH_PASSWORD
printf '%s\n' "$LEADD_BENCH_PASSWORD" |
	"$leadd" init --data-dir "$tmp/data" --admin "$LEADD_BENCH_USER" --password-stdin \
		>/dev/null 2>&1 || { echo "search_vs_pg.sh: leadd init failed" >&2; exit 1; }
# 8 GiB reserved up front so a million leads never wait for the map to grow.
"$leadd" --data-dir "$tmp/data" --listen 127.0.0.1:0 --port-file "$tmp/port" \
	--log-level warn --set map_size=8GiB &
pid=$!
i=0
until grep -q . "$tmp/port" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "search_vs_pg.sh: leadd did not start (no port file after 10 s)" >&2
		exit 1
	fi
	sleep 0.1
done
addr=127.0.0.1:$(head -n1 "$tmp/port")

echo "loading leadd..."
loadline=$("$load" "$addr" --leads "$leads" --seed "$seed" --csv "$tmp/leads.csv" --meta "$tmp/meta")
echo "  $loadline"
# shellcheck source=/dev/null
. "$tmp/meta"
echo "querying leadd..."
status=0
"$search" "$addr" --seed "$seed" --queries "$queries" --clients "$clients" \
	--seconds "$seconds" --kinds "$kinds" --pages "$tmp/pages" >"$tmp/leadd.out" || status=$?
sed 's/^/  /' "$tmp/leadd.out"
[ $status -eq 0 ] || echo "search_vs_pg.sh: some leadd queries failed (above)" >&2

kill -TERM "$pid"
lstatus=0
wait "$pid" || lstatus=$?
pid=
[ $lstatus -eq 0 ] || { echo "search_vs_pg.sh: leadd exited with status $lstatus after SIGTERM" >&2; status=1; }
t0=$(date +%s.%N)
if [ $verify = 0 ]; then
	echo "  leadd verify: not run (--verify runs it)"
elif "$leadd" verify --data-dir "$tmp/data" >"$tmp/verify.out" 2>&1; then
	echo "  leadd verify: passed in $(since "$t0") s"
else
	echo "search_vs_pg.sh: leadd verify failed:" >&2
	sed 's/^/  /' "$tmp/verify.out" >&2
	status=1
fi
data_mb=$(du -sm "$tmp/data" | cut -f1)

# ---- PostgreSQL ----
mkdir -p "$tmp/pg"
chmod 755 "$tmp"
[ "$(id -u)" -ne 0 ] || chown nobody "$tmp/pg"
as_pg $pgbin/initdb -D "$pgdata" -U bench --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/pg/initdb.log" 2>&1 ||
	{ echo "search_vs_pg.sh: initdb failed:" >&2; cat "$tmp/pg/initdb.log" >&2; exit 1; }
pg_started=1
as_pg $pgbin/pg_ctl -D "$pgdata" -l "$tmp/pg/log" -w start -o \
	"-c listen_addresses='' -k $tmp/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c max_connections=50" \
	>/dev/null || { echo "search_vs_pg.sh: PostgreSQL did not start:" >&2; cat "$tmp/pg/log" >&2; exit 1; }
psql() { $pgbin/psql -X -q -v ON_ERROR_STOP=1 -h "$tmp/pg" -U bench -d postgres "$@"; }

echo "loading PostgreSQL..."
t0=$(date +%s.%N)
psql <<'SQL'
CREATE TABLE leads (
	id bigint PRIMARY KEY,
	title text NOT NULL,
	client_id bigint,
	client_name text,
	value_minor bigint,
	currency char(3),
	source text,
	tags text[],
	contacts jsonb,
	status bigint NOT NULL,
	owner_id bigint NOT NULL,
	team_id bigint NOT NULL,
	next_action_at bigint,
	created_at bigint,
	created_by bigint,
	updated_at bigint,
	updated_by bigint,
	version bigint,
	status_changed_at bigint
);
SQL
psql -c "COPY leads FROM STDIN (FORMAT csv)" <"$tmp/leads.csv"
psql -c "CREATE INDEX ON leads (status, owner_id, id)"
psql -c "VACUUM ANALYZE leads"
pg_rows=$(psql -At -c "SELECT count(*) FROM leads")
echo "  pg_load rows=$pg_rows seconds=$(since "$t0") (COPY, index, VACUUM ANALYZE)"
loaded=$(printf '%s\n' "$loadline" | tr ' ' '\n' | sed -n 's/^leads=//p')
[ "$pg_rows" = "$loaded" ] || { echo "search_vs_pg.sh: PostgreSQL holds $pg_rows rows, leadd $loaded" >&2; status=1; }

# The first status+owner pages leadd gave (bench_search --pages) must hold
# the same leads as PostgreSQL's for the same owner and status.
same=0 differ=0 example=
while read -r o s ids; do
	pg=$(psql -At -c "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '-') FROM (SELECT id FROM leads WHERE status = $s AND owner_id = $o ORDER BY id LIMIT 50) p")
	if [ "$pg" = "$ids" ]; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		example="owner id $o, status id $s"
	fi
done <"$tmp/pages"
echo "  leadd's status+owner first pages equal PostgreSQL's: $same of $((same + differ))"
if [ $differ -ne 0 ]; then
	echo "search_vs_pg.sh: leadd and PostgreSQL answered $differ status+owner first pages differently (e.g. $example)" >&2
	status=1
fi

cat >"$tmp/page.sql" <<SQL
\\set o random($REP_ID_MIN, $REP_ID_MAX)
\\set s random($STATUS_ID_MIN, $STATUS_ID_MAX)
SELECT id, title, client_id, client_name, value_minor, currency, source, tags, contacts, status, owner_id, team_id, next_action_at, created_at, created_by, updated_at, updated_by, version, status_changed_at FROM leads WHERE status = :s AND owner_id = :o ORDER BY id LIMIT 50;
SQL
pgb() { $pgbin/pgbench -n -M prepared -h "$tmp/pg" -U bench -f "$tmp/page.sql" "$@" postgres; }
echo "querying PostgreSQL..."
pgb -c 1 -t 100 >/dev/null # warm-up, as bench_search's 100 unmeasured queries
(cd "$tmp/pg" && pgb -c 1 -t "$queries" -l --log-prefix="$tmp/pg/lat" >"$tmp/pg/one.out")
# pgbench -l: the third field is the transaction's latency in microseconds.
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END { k = int(p / 100 * NR + 0.999999); if (k < 1) k = 1; printf "%.1f", v[k] }'; }
pg_p50=$(cat "$tmp"/pg/lat.* | awk '{print $3}' | pct 50)
pg_p99=$(cat "$tmp"/pg/lat.* | awk '{print $3}' | pct 99)
pg_n=$(cat "$tmp"/pg/lat.* | wc -l)
pgb -c "$clients" -j 2 -T "$seconds" >"$tmp/pg/many.out"
pg_tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$tmp/pg/many.out" | xargs printf '%.0f')
echo "  pg_1client transactions=$pg_n p50_us=$pg_p50 p99_us=$pg_p99"
echo "  pg_${clients}clients seconds=$seconds per_sec=$pg_tps"
as_pg $pgbin/pg_ctl -D "$pgdata" -m fast -w stop >/dev/null
pg_started=

# ---- the table ----
field() { grep "^$1 kind=$2 " "$tmp/leadd.out" | tr ' ' '\n' | sed -n "s/^$3=//p"; }
one=search_1client many=search_${clients}clients
echo
echo "leadd data: ${data_mb} MiB on disk; $leads leads"
printf '%-28s %10s %10s %12s %10s %10s %12s\n' "first page (50)" "leadd p50" "p99 (us)" \
	"pages/s@$clients" "PG p50" "p99 (us)" "pages/s@$clients"
for k in $(echo "$kinds" | tr ',' ' ' | tr ' ' '\n' | awk '!seen[$0]++'); do
	if [ "$k" = status_owner ]; then
		pg="$pg_p50 $pg_p99 $pg_tps"
	else
		pg="- - -"
	fi
	# A kind whose answers failed shows no figures: they would be of errors.
	if [ "$(field $one "$k" errors)" = 0 ]; then
		l1="$(field $one "$k" p50_us) $(field $one "$k" p99_us)"
	else
		l1="failed failed"
	fi
	if [ "$(field "$many" "$k" errors)" = 0 ]; then l2=$(field "$many" "$k" per_sec); else l2=failed; fi
	# shellcheck disable=SC2086
	printf '%-28s %10s %10s %12s %10s %10s %12s\n' "$k" $l1 "$l2" $pg
done
lp99=$(field $one status_owner p99_us)
ltps=$(field "$many" status_owner per_sec)
r1=$(awk -v a="$lp99" -v b="$pg_p99" 'BEGIN { printf "%.2f", a / b }')
r2=$(awk -v a="$ltps" -v b="$pg_tps" 'BEGIN { printf "%.2f", a / b }')
met1=$(awk -v r="$r1" 'BEGIN { print (r <= 1) ? "met" : "NOT met" }')
met2=$(awk -v r="$r2" 'BEGIN { print (r >= 1.5) ? "met" : "NOT met" }')
echo
echo "status+owner, leadd p99 / PostgreSQL p99 at 1 client:     $r1 (target <= 1: $met1)"
echo "status+owner, leadd / PostgreSQL pages/s at $clients clients: $r2 (target >= 1.5: $met2)"
echo "(the kpi row counts KPI answers, not pages)"
exit $status
