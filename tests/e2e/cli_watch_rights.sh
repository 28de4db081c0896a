#!/usr/bin/env bash
# lead watch and lead kpi --watch when the watcher's rights change under
# them: a snapshot line that says why and that what came before may be
# stale, the counts started over (equal to a fresh lead kpi); a kpi --team
# the watcher may no longer read ends the watch (exit 1, the reason); a
# session ended elsewhere closes the connection (exit 6).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

start_leadd
make_sales_floor
W="$LEADD_DIR/watch" # the watchers' output (and .err beside each)
mkdir -p "$W"

bg "$W/tom" tom watch
TOM=$BG
bg "$W/tomk" tom --json kpi --watch
TOMK=$BG
bg "$W/maria" maria kpi --watch --team sales
MARIA=$BG
wait_line "$W/tom" '^-- watching'
wait_line "$W/tomk" '^\{"revision":'
wait_line "$W/maria" '^-- counts at revision'
expect_no_match "$(cat "$W/tomk")" '"pools"' "tom sees no pool while sales hides it"

# Sales shows its pool to reps: tom's watch starts over, and says so.
lead_ok team edit sales --pool-visible on
wait_line "$W/tom" '^-- snapshot at revision [0-9]+: .+ Lines before this one may be stale: '"'lead ls'"' shows the leads as they are now\.$'
expect_eq 2 "$(grep -c '' "$W/tom")" "a snapshot line and nothing else"
wait_lines "$W/tomk" 2
same_line=$(sed -n 2p "$W/tomk")
as tom expect_exit 0 "$LEAD" --json kpi
"$PYTHON" -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert a == b, (a, b)
assert "sales" in a["pools"], a
' "$same_line" "$OUT" || fail "tom's counts after the snapshot are not a fresh lead kpi"
CHECKS=$((CHECKS + 1))
# ... and goes on: the pool lead is in view now.
as tom expect_exit 0 "$LEAD" --json claim "$L4"
r=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tom" "^$TIME_RE tom: lead $L4 'Inbound form' owner pool -> tom \(rev $r\)$"

# Maria no longer manages sales: her watch of its counts ends.
lead_ok team edit sales --manager ""
wait_exit "$MARIA"
expect_eq 1 "$EXITED" "kpi --watch --team sales exits 1 when sales is no longer hers"
expect_match "$(cat "$W/maria.err")" '^lead: the watch ended after revision [0-9]+: .+' "the reason it ended"

# Tom logs out (the session his watches use): the server closes them.
as tom expect_exit 0 "$LEAD" logout
for pid in "$TOM" "$TOMK"; do
	wait_exit "$pid"
	expect_eq 6 "$EXITED" "a watch whose session ended"
done
expect_match "$(cat "$W/tom.err")" "^lead: lost the connection to leadd at " "tom's watch says it lost the connection"

stop_leadd
