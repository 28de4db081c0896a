#!/usr/bin/env bash
# `lead kpi --watch` against a real leadd: the first table (or JSON line) is
# the counts of `lead kpi`; each change that moves a count or an open value
# prints the counts again, kept up to date from the deltas leadd pushes, and
# they equal a fresh `lead kpi` after it, for the admin, a manager (--by
# team, text), a rep (own row only) and --team. A change nobody shown
# cares about prints nothing. --since does not go with --watch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

start_leadd
make_sales_floor
login_admin_as_user
W="$LEADD_DIR/watch" # the watchers' output (and .err beside each)
mkdir -p "$W"

expect_exit 2 "$LEAD" kpi --watch --since 7d
expect_match "$ERR" "^lead: --since and --watch do not go together" "--since with --watch"
expect_exit 2 "$LEAD" kpi --watch extra
# A team lead kpi refuses, lead kpi --watch refuses the same way.
as tom expect_exit 4 "$LEAD" kpi --team ops
refused=$ERR
as tom expect_exit 4 "$LEAD" kpi --watch --team ops
expect_eq "$refused" "$ERR" "kpi --watch --team refused as kpi --team is"

# same_kpi FILE N WHO [KPI ARGS...]: line N of FILE is the document a fresh
# `lead --json kpi ARGS` prints as WHO, its revision too.
same_kpi()
{
	local file=$1 n=$2 who=$3
	shift 3
	as "$who" expect_exit 0 "$LEAD" --json kpi "$@"
	printf '%s\n' "$OUT" >"$W/fresh"
	"$PYTHON" - "$file" "$n" "$W/fresh" <<'EOF' || fail "line $n of $(basename "$file") is not $who's lead kpi $*"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
got = json.loads(lines[int(sys.argv[2]) - 1])
want = json.load(open(sys.argv[3]))
if got != want:
    print("watch: ", json.dumps(got, sort_keys=True))
    print("fresh: ", json.dumps(want, sort_keys=True))
    sys.exit(1)
EOF
	CHECKS=$((CHECKS + 1))
}

bg "$W/adm" admin --json kpi --watch
ADM=$BG
bg "$W/tom" tom --json kpi --watch
TOM=$BG
bg "$W/ops" admin --json kpi --watch --team ops
OPS=$BG
bg "$W/maria" maria kpi --watch --by team
MARIA=$BG
bg "$W/teams" admin --json kpi --watch --by team
TEAMS=$BG
for f in adm tom ops teams; do
	wait_line "$W/$f" '^\{"revision":'
done
wait_line "$W/maria" '^-- counts at revision [0-9]+$'
same_kpi "$W/adm" 1 admin
same_kpi "$W/tom" 1 tom
same_kpi "$W/ops" 1 admin --team ops
same_kpi "$W/teams" 1 admin --by team
as maria expect_exit 0 "$LEAD" kpi --by team
expect_eq "$OUT" "$(sed -n '2,$p' "$W/maria")" "maria's first table is lead kpi --by team"

# Bob's lead moves from new to qualified: a new line within a second, the
# counts of a fresh lead kpi.
as bob expect_exit 0 "$LEAD" status "$L5" qualified
wait_lines "$W/adm" 2 1000
echo "the new counts reached the admin's watch in $WAITED ms"
same_kpi "$W/adm" 2 admin
expect_eq 1 "$(sed -n 2p "$W/adm" | json 'd["owners"]["bob"]["qualified"]')" "bob's qualified count"
wait_lines "$W/ops" 2
same_kpi "$W/ops" 2 admin --team ops

# Tom's lead L2 gets a value: the open value moves, no count. Tom's watch
# printed nothing for bob's change; it prints this one.
as tom expect_exit 0 "$LEAD" edit "$L2" --value 900
wait_lines "$W/adm" 3
same_kpi "$W/adm" 3 admin
wait_lines "$W/tom" 2
same_kpi "$W/tom" 2 tom
# A value edit of a dead lead moves no count and no open value: no line.
lead_ok edit "$L3" --value 63000
# The admin gives L2 (tom's) to ana: a -1 on tom's row, a +1 on ana's.
lead_ok assign "$L2" --to ana
wait_lines "$W/adm" 4
same_kpi "$W/adm" 4 admin
wait_lines "$W/tom" 3
same_kpi "$W/tom" 3 tom
expect_eq 0 "$(sed -n 3p "$W/tom" | json 'd["total"]["qualified"]')" "tom counts L2 no more"
expect_eq 2 "$(grep -c '' "$W/ops")" "no sales change is a line in the ops watch"
# A status change out of play takes the lead's value out of the open value.
lead_ok status "$L1" lost --reason "chose a rival" --other
wait_lines "$W/adm" 5
same_kpi "$W/adm" 5 admin
wait_lines "$W/tom" 4
same_kpi "$W/tom" 4 tom
expect_eq '{}' "$(sed -n 4p "$W/tom" | json 'd["total"]["open_value"]')" "tom has nothing in play"

# A lead in the sales pool; a new user's first lead (a row the first
# counts did not have).
lead_ok add "Pool lead" --team sales --status qualified
wait_lines "$W/adm" 6
same_kpi "$W/adm" 6 admin
# A new user is a new row: the watch starts over from a snapshot (a new
# document with zed's empty row), then zed's first lead moves it.
lead_ok user add zed --role rep --team ops --password-stdin <<<"zed-password"
wait_lines "$W/adm" 7
same_kpi "$W/adm" 7 admin
lead_ok add "Zed's first" --owner zed
wait_lines "$W/adm" 8
same_kpi "$W/adm" 8 admin
wait_lines "$W/ops" 4
same_kpi "$W/ops" 4 admin --team ops
lead_ok add "Ana's new" --owner ana

# Maria's tables: the changes of her team, each followed by the table, the
# last one what a fresh lead kpi --by team prints.
wait_line "$W/maria" "^$TIME_RE admin: lead [0-9]+ created: lead-New, owner ana \(rev [0-9]+\)$"
as maria expect_exit 0 "$LEAD" kpi --by team
# The table follows the change's line: until it is all there (a fixed
# 0.2 s could end before a loaded machine had written it), at most 5 s.
t0=$SECONDS
while :; do
	last=$(awk '/\(rev [0-9]+\)$/ { n = NR } END { print n }' "$W/maria")
	table=$(sed -n "$((last + 1)),\$p" "$W/maria")
	[ "$table" = "$OUT" ] || ((SECONDS - t0 >= 5)) || {
		sleep 0.05
		continue
	}
	break
done
expect_eq "$OUT" "$table" "maria's last table is a fresh lead kpi --by team"
expect_match "$(cat "$W/maria")" "^$TIME_RE tom: lead $L2 edited \(rev [0-9]+\)$" "the value edit in maria's watch"
expect_no_match "$(cat "$W/maria")" "lead $L5 " "bob's lead is not maria's"

# By team: one line per change that moved a team's counts: not the dead
# lead's value, not L2 moving between two reps of sales; and once for the
# snapshot that starts the watch over when zed is added.
wait_lines "$W/teams" 8
same_kpi "$W/teams" 8 admin --by team

for pid in "$TOM" "$OPS" "$MARIA" "$TEAMS"; do
	stop TERM "$pid"
done

# Leadd goes away: the watch exits 6 and says so.
kill -TERM "$LEADD_PID"
status=0
wait "$LEADD_PID" || status=$?
LEADD_PID=""
expect_eq 0 "$status" "leadd's exit status after SIGTERM with a watcher connected"
wait_exit "$ADM"
expect_eq 6 "$EXITED" "exit status when leadd goes away"
expect_match "$(cat "$W/adm.err")" "lost the connection to leadd at 127\.0\.0\.1:[0-9]+ after revision [0-9]+: .*; run 'lead kpi --watch' again" "the lost connection's message (JSON on stderr with --json)"
out=$("$LEADD" verify --data-dir "$LEADD_DIR/data" 2>&1) || fail "leadd verify found a problem: $out"
CHECKS=$((CHECKS + 1))
