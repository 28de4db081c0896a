# leadtop against a leadd from before TOPIC_PINS (docs/leadtop.md, "Staying
# live"): leadd-fault-test with LEADD_FAULT_OLD_TOPICS=5 answers the pins
# topic as unknown, as such a leadd did. leadtop watches the other topics
# instead of staying "not live": the dashboard is live, shows the searches
# pinned when it connected, and its counts follow a rep's change within a
# second; a search pinned meanwhile shows only at the next connection
# (leadtop --once has it at once).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

export LEADD_FAULT_OLD_TOPICS=5
start_leadd
make_sales_floor
as maria expect_exit 0 "$LEAD" search save q --status qualified
as maria expect_exit 0 "$LEAD" search save d --status dead
as maria expect_exit 0 "$LEAD" search pin q

lt_start m 100 30 maria
lt_wait_for m 'live, revision [0-9]+' 3 "the dashboard is live without the pins topic"
expect_no_match "$SCREEN" 'not live' "not 'not live'"
expect_match "$SCREEN" '^  search q \(1\)$' "the search pinned before it connected"
expect_match "$SCREEN" '^tom +0 +1 +0 +1 +0 +0$' "tom's row"

# The other topics are watched: a rep's change shows within a second.
as tom expect_exit 0 "$LEAD" status "$L2" dead --reason "no budget" --other
lt_wait_for m '^tom +0 +0 -1 +1 \+1 +1 +0 +0$' 1 "tom's row follows his change live"
lt_wait_for m '^  search q \(0\)$' 1 "the pinned search's panel too"

# A pin made meanwhile is not heard of on this connection ...
as maria expect_exit 0 "$LEAD" search pin d
sleep 1.5
lt_capture m
expect_no_match "$SCREEN" '^[> ] search d \(' "a pin made meanwhile waits for the next connection"
# ... while --once, a connection of its own, has it.
as maria expect_exit 0 "$LEADTOP" --once
expect_match "$OUT" 'search d \(2\)' "leadtop --once shows the new pin"

lt_keys m q
expect_eq 0 "$(lt_exit_status m)" "leadtop's exit status after q"
tmux_ kill-server 2>/dev/null || true
stop_leadd
