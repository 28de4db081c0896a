#!/usr/bin/env bash
# leadtop's feed shows stand-by (issue 12): a lead put on stand-by while
# the dashboard is open reads "admin: lead N on stand-by" in the feed, and
# when leadd brings it back (the test clock of leadd-fault-test moved past
# its date, docs/operations.md) "leadd: lead N is back from stand-by"
# within a second. Taken off by hand: "off stand-by". A pinned search of
# the leads on stand-by (--standby) counts them, and Enter on one shows
# "standby: until DATE  REASON" in its details. Ends with leadd verify.
# LEADD must be leadd-fault-test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"

CLOCK=$(mktemp "${TMPDIR:-/tmp}/leadtop-clock.XXXXXX")
echo 0 >"$CLOCK"
export LEADD_FAULT_CLOCK_FILE=$CLOCK
trap 'rc=$?; rm -f "$CLOCK" "$CLOCK.tmp"; set +e; (exit $rc); leadtop_cleanup' EXIT

set_clock() {
	echo "$1" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
}

start_leadd
lead_ok add "Acme renewal" --owner admin
A=$OUT
lead_ok add "Globex pilot" --owner admin
B=$OUT

# A pinned search of the leads on stand-by: its panel, and a lead's details.
lead_ok search save waiting --standby
lead_ok search pin waiting

lt_start a 100 30 admin
lt_wait_for a 'live, revision [0-9]+' 3 "the dashboard is live"

lead_ok standby "$A" --until 1d --reason "after the fair"
lt_wait_for a "^[0-9]{2}:[0-9]{2} admin: lead $A on stand-by$" 2 "the feed: put on stand-by"
lead_ok standby "$B" --until 3d
lt_wait_for a "^[0-9]{2}:[0-9]{2} admin: lead $B on stand-by$" 2 "the feed: the second one"

lt_wait_for a '^  search waiting \(2\)$' 2 "the pinned search of leads on stand-by"
lt_keys a Tab Tab # past the agenda
lt_wait_for a '^> search waiting' 2 "Tab to the pinned search"
lt_keys a Enter
lt_wait_for a "lead $A, version [0-9]+" 2 "Enter shows the lead"
expect_match "$SCREEN" 'standby: until [0-9-]+ [0-9:]+ [A-Z]+  after the fair' \
	"the details show the stand-by and its reason"
lt_keys a x
lt_wait_gone a "lead $A, version" 2 "details closed"

# A day and a minute later (leadd's clock): A comes back by itself.
set_clock $((86400000 + 60000))
lt_wait_for a "^[0-9]{2}:[0-9]{2} leadd: lead $A is back from stand-by$" 1 "the feed: the wake-up"
echo "wake-up on the dashboard: ${WAITED_MS} ms"
lt_wait_for a '^(> |  )search waiting \(1\)$' 2 "A left the pinned search of leads on stand-by"
lt_capture a
expect_no_match "$SCREEN" "lead $B is back" "B is not due yet"

lead_ok standby "$B" --off
lt_wait_for a "^[0-9]{2}:[0-9]{2} admin: lead $B off stand-by$" 2 "the feed: taken off by hand"

lt_keys a q
expect_eq 0 "$(lt_exit_status a)" "leadtop's exit status"
stop_leadd
