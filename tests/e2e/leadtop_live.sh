# leadtop live: a rep's `lead status` reaches a manager's dashboard (100x30)
# and the rep's own (80x24) within one second, highlighted for a few
# seconds, in the feed and in the pinned search; a reassignment reaches
# both sides; leadd killed and restarted on its port: leadtop says it is
# disconnected, comes back by itself and resumes from its last revision,
# with the counts `lead kpi` gives (nothing missed, nothing counted twice).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

# kpi_matches SESSION USER: every row of the KPI panel on the screen has
# the counts `lead --json kpi` gives USER (reps, team totals, total).
kpi_matches() {
	lt_capture "$1"
	as "$2" expect_exit 0 "$LEAD" --json kpi
	local diff
	diff=$("$PYTHON" - "$SCREEN" "$OUT" <<'PY'
import json, re, sys
screen, kpi = sys.argv[1], json.loads(sys.argv[2])
classes = ["new", "qualified", "dead", "prospect", "won", "lost"]
rows, on = {}, False
for line in screen.splitlines():
    if line.startswith(("> KPI", "  KPI")):
        on = True
        continue
    if on and line.startswith(("> ", "  ")) and not line.startswith("   "):
        break  # the next panel's title
    toks = line.split()
    nums = []
    while toks and re.fullmatch(r"[+-]?\d+", toks[-1]):
        nums.insert(0, toks.pop())
    counts = [int(t) for t in nums if t[0] not in "+-"]
    if on and toks and len(counts) == 6:
        rows[" ".join(toks)] = counts
want = {}
for name, c in kpi["owners"].items():
    want[name] = [c[k] for k in classes]
for name, c in kpi["teams"].items():
    want[name + " total"] = [c[k] for k in classes]
want["total"] = [kpi["total"][k] for k in classes]
bad = [f"{n}: screen {rows.get(n)} != lead kpi {w}" for n, w in want.items() if rows.get(n) != w]
print("\n".join(bad))
PY
)
	[ -z "$diff" ] || fail "the KPI panel of $2 is not lead kpi's:
$diff
$SCREEN"
	CHECKS=$((CHECKS + 1))
}

start_leadd
make_sales_floor
as maria expect_exit 0 "$LEAD" search save q --status qualified
as maria expect_exit 0 "$LEAD" search pin q
PORT=${LEAD_SERVER##*:}

lt_start m 100 30 maria
lt_start t 80 24 tom
lt_wait_for m 'live, revision [0-9]+' 3 "maria's dashboard is live"
lt_wait_for t 'live, revision [0-9]+' 3 "tom's dashboard is live"
expect_match "$SCREEN" '^tom +0 +1 +0 +1 +0 +0$' "tom's row at the start"
# A quiet floor sends nothing for hours: keepalive probes notice a server
# gone without a word (30 s idle, then 3 probes 10 s apart).
pane=$(tmux_ list-panes -t m -F '#{pane_pid}')
mpid=$(pgrep -P "$pane" | head -n 1)
expect_match "$(ss -tnpo | grep "pid=$mpid,")" 'timer:\(keepalive,' "keepalive on the dashboard's connection"
lt_capture m
expect_match "$SCREEN" '^  search q \(1\)$' "search q holds lead 2"

# ---- a rep changes a lead: both dashboards within one second ----
as tom expect_exit 0 "$LEAD" status "$L2" dead --reason "no budget" --other
lt_wait_for m '^tom +0 +0 -1 +1 \+1 +1 +0 +0$' 1 "maria sees tom's counts move"
echo "maria's dashboard: ${WAITED_MS} ms"
lt_capture m -e
expect_match "$(grep -a '^tom ' <<<"$SCREEN")" $'\e\\[[0-9;]*43[;m]' "the changed counts are highlighted"
lt_wait_for t '^tom +0 +0 -1 +1 \+1 +1 +0 +0$' 1 "tom's own dashboard (80x24)"
echo "tom's dashboard: ${WAITED_MS} ms"
lt_wait_for m '^sales total +1 +0 -1 +2 \+1 +1 +0 +0$' 1 "the team total follows"
lt_wait_for m '^[0-9]{2}:[0-9]{2} tom: lead 2 -> lead-Dead$' 1 "the feed"
lt_wait_for m '^  search q \(0\)$' 1 "lead 2 left the pinned search"
# The highlight fades after a few seconds; the change since opening stays.
sleep 3.5
lt_capture m -e
expect_no_match "$(grep -a '^tom ' <<<"$SCREEN")" $'\e\\[[0-9;]*43[;m]' "the highlight is gone after 3.5 s"
lt_capture m
expect_match "$SCREEN" '^tom +0 +0 -1 +1 \+1 +1 +0 +0$' "the change since opening stays"

# ---- a reassignment reaches both sides ----
as maria expect_exit 0 "$LEAD" assign "$L3" --to tom
lt_wait_for t '^tom +0 +0 -1 +2 \+2 +1 +0 +0$' 1 "tom gets ana's dead lead"
# Tom may not see ana: nothing of her in his feed. Maria sees both.
lt_wait_for t '^[0-9]{2}:[0-9]{2} maria: lead 3 to tom$' 1 "tom's feed"
lt_wait_for m '^[0-9]{2}:[0-9]{2} maria: lead 3 to tom \(was ana\)$' 1 "maria's feed"
lt_wait_for m '^ana +0 +0 +0 -1 +0 +0 +0$' 1 "ana's row on maria's dashboard"
kpi_matches m maria
kpi_matches t tom

# restart_leadd: leadd again on the same port and data directory.
restart_leadd() {
	rm -f "$LEADD_DIR/port"
	"$LEADD" --data-dir "$LEADD_DIR/data" --listen "127.0.0.1:$PORT" \
		--port-file "$LEADD_DIR/port" --log-level warn 2>>"$LEADD_DIR/leadd.log" &
	LEADD_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$LEADD_DIR/port" ] && return 0
		kill -0 "$LEADD_PID" 2>/dev/null || fail "leadd did not start again"
		sleep 0.1
	done
	fail "leadd did not listen again on port $PORT within 10 s"
}

# ---- leadd killed and restarted on its port ----
kill -KILL "$LEADD_PID"
wait "$LEADD_PID" 2>/dev/null || true
LEADD_PID=""
lt_wait_for m 'disconnected, retrying in [0-9]+s: cannot reach leadd' 3 "maria's dashboard says it lost leadd"
lt_wait_for t 'disconnected' 3 "tom's dashboard says it lost leadd"
# Down long enough for the backoff to grow past a second.
sleep 2
restart_leadd
# Changes while the dashboards are still away: the resumed watch replays them.
as tom expect_exit 0 "$LEAD" status "$L1" won
as maria expect_exit 0 "$LEAD" status "$L4" qualified
lt_wait_for m 'live, revision [0-9]+' 12 "maria's dashboard comes back by itself"
lt_wait_for t 'live, revision [0-9]+' 12 "tom's dashboard comes back by itself"
lt_wait_for m '^tom +0 +0 -1 +2 \+2 +0 -1 +1 \+1 +0$' 2 "tom's row after the restart"
lt_wait_for m '^\(pool\) +0 -1 +1 \+1 +0 +0 +0 +0$' 2 "the pool after the restart"
lt_wait_for t '^tom +0 +0 -1 +2 \+2 +0 -1 +1 \+1 +0$' 2 "tom's own row after the restart"
kpi_matches m maria
kpi_matches t tom
lt_wait_for m 'tom: lead 1 -> customer-Won' 1 "the feed holds the change made while away"
lt_wait_for m '^  search q \(1\)$' 1 "lead 4 entered the pinned search"

# One more live change after the resume: counted once.
as tom expect_exit 0 "$LEAD" status "$L2" new
lt_wait_for m '^tom +1 \+1 +0 -1 +1 \+1 +0 -1 +1 \+1 +0$' 1 "live again after the restart"
kpi_matches m maria

# ---- leadd back from a backup older than what the dashboards saw ----
# Their revision is then ahead of leadd's: the resumed watch is refused
# (INVALID_ARGUMENT) and leadtop starts over from a fresh read.
kill -TERM "$LEADD_PID"
wait "$LEADD_PID" || fail "leadd did not stop cleanly"
cp -a "$LEADD_DIR/data" "$LEADD_DIR/backup"
restart_leadd
lt_wait_for m 'live, revision [0-9]+' 12 "maria's dashboard back before the backup is used"
as tom expect_exit 0 "$LEAD" status "$L2" dead --reason "no budget" --other
as tom expect_exit 0 "$LEAD" status "$L2" qualified
lt_wait_for m '^tom +0 +1 +1 \+1 +0 -1 +1 \+1 +0$' 2 "the changes after the backup"
kill -TERM "$LEADD_PID"
wait "$LEADD_PID" || fail "leadd did not stop cleanly"
rm -rf "$LEADD_DIR/data"
mv "$LEADD_DIR/backup" "$LEADD_DIR/data"
restart_leadd
lt_wait_for m 'live, revision [0-9]+' 12 "maria's dashboard comes back on the older data"
lt_wait_for t 'live, revision [0-9]+' 12 "tom's dashboard comes back on the older data"
lt_wait_for m '^tom +1 ' 3 "tom's row as the backup has it"
kpi_matches m maria
kpi_matches t tom
# And live from there.
as tom expect_exit 0 "$LEAD" status "$L2" dead --reason "no budget" --other
lt_wait_for m '^tom +0 ' 1 "live on the restored data"
kpi_matches m maria

# A lead given away leaves tom's view: the feed says so, and nothing of
# where it went.
as maria expect_exit 0 "$LEAD" assign "$L3" --to ana
lt_wait_for t '^[0-9]{2}:[0-9]{2} maria: lead 3 left your view$' 1 "tom's feed: the lead left"
kpi_matches t tom
kpi_matches m maria

# q: each dashboard ends cleanly (under ASan: no leak, no error).
for n in m t; do
	lt_keys "$n" q
	expect_eq 0 "$(lt_exit_status "$n")" "leadtop's exit status after q ($n)"
done
tmux_ kill-server 2>/dev/null || true
stop_leadd
