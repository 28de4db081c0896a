# leadtop follows the user's pins live (docs/protocol.md section 6,
# TOPIC_PINS): a search pinned with `lead search pin` in another terminal
# appears as a panel within a second, on the same connection (no
# reconnect); one pinned before it moves where --position puts it; a
# pinned search's filter edited reads its leads again; renamed, its panel
# follows the name; unpinned, its panel goes. Another user's pins leave
# the screen alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

# conn_port: the local port of maria's dashboard's connection to leadd.
conn_port() {
	local pane pid
	pane=$(tmux_ list-panes -t m -F '#{pane_pid}')
	pid=$(pgrep -P "$pane" | head -n 1)
	ss -tnp | grep "pid=$pid," | awk '{print $4}' | sed 's/.*://' | head -n 1
}

# panels: the titles of the panels on the screen, one line (after a capture).
panels() {
	grep -E '^[> ] (KPI|search |feed|changes)' <<<"$SCREEN" | sed 's/^[> ] //' | tr '\n' '|'
}

start_leadd
make_sales_floor
as maria expect_exit 0 "$LEAD" search save q --status qualified
as maria expect_exit 0 "$LEAD" search save d --status dead
as tom expect_exit 0 "$LEAD" search save mine --mine

lt_start m 100 40 maria
lt_wait_for m 'live, revision [0-9]+' 3 "maria's dashboard is live"
expect_no_match "$SCREEN" '^[> ] search ' "no pinned search at the start"
port=$(conn_port)
[ -n "$port" ] || fail "the dashboard's connection is not found with ss"

as maria expect_exit 0 "$LEAD" search pin q
lt_wait_for m '^  search q \(1\)$' 1 "a pin from another terminal shows as a panel"
echo "pinned search shown after ${WAITED_MS} ms"
as maria expect_exit 0 "$LEAD" search pin d --position 1
lt_wait_for m '^  search d \(1\)$' 1 "a second pin shows"
lt_capture m
expect_match "$(panels)" 'search d \(1\)\|search q \(1\)\|' "the panels follow the pin order (d first)"

as maria expect_exit 0 "$LEAD" search edit q --clear --tag web
lt_wait_for m '^  search q \(2\)$' 1 "the pinned search's filter edited: its leads read again"
as maria expect_exit 0 "$LEAD" search edit d --name dead-ones
lt_wait_for m '^  search dead-ones \(1\)$' 1 "a renamed pinned search's panel follows the name"
expect_no_match "$SCREEN" '^[> ] search d \(' "the old name's panel is gone"
as maria expect_exit 0 "$LEAD" search unpin q
lt_wait_gone m '^[> ] search q \(' 1 "an unpinned search's panel goes"

# Another user's pins: nothing on maria's screen.
lt_capture m
before=$(panels)
as tom expect_exit 0 "$LEAD" search pin mine
sleep 0.5
lt_capture m
expect_eq "$before" "$(panels)" "maria's panels after tom's pin"


# All of it on the connection it opened with: no reconnect.
expect_eq "$port" "$(conn_port)" "the dashboard's connection (local port)"
expect_no_match "$SCREEN" 'disconnected|connecting' "the dashboard stayed connected"
lt_keys m q
expect_eq 0 "$(lt_exit_status m)" "leadtop's exit status after q"
tmux_ kill-server 2>/dev/null || true
stop_leadd
