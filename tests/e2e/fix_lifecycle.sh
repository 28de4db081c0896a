#!/usr/bin/env bash
# Last fixes of issue 12 (phase 3) through lead, each a check that failed
# before it: `lead watch --search S` prints a wake-up that brings a lead back
# into S as "lead N is back from stand-by: 'T', now matches 'S'" (the test
# clock of leadd-fault-test, LEADD_FAULT_CLOCK_FILE, moves a day on).
#
# LEADD must be leadd-fault-test (the test clock); ends with leadd verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cli_watch_lib.sh"

CLOCK=$(mktemp "${TMPDIR:-/tmp}/lead-clock.XXXXXX")
echo 0 >"$CLOCK"
export LEADD_FAULT_CLOCK_FILE=$CLOCK
trap 'rc=$?; rm -f "$CLOCK" "$CLOCK.tmp"; set +e; (exit $rc); cleanup' EXIT
DAY=86400000

set_clock()
{
	echo "$1" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
}

start_leadd
lead_ok add "Initech" --owner admin
A=$OUT
[[ "$A" =~ ^[0-9]+$ ]] || fail "lead add printed no id: '$A'"

# ---- the wake-up line of a saved search's watcher ----
mkdir -p "$LEADD_DIR/cfg-admin"
cp "$LEADD_DIR/cfg/session" "$LEADD_DIR/cfg-admin/session"
lead_ok search save working --mine
lead_ok standby "$A" --until 1d
bg_pipe "$LEADD_DIR/watch.out" admin watch --search working
wait_line "$LEADD_DIR/watch.out" "^-- "
set_clock $((DAY + 60000))
wait_line "$LEADD_DIR/watch.out" \
	"^$TIME_RE leadd: lead $A is back from stand-by: 'Initech', now matches 'working' \(rev [0-9]+\)$" 3000
kill -TERM "$BG"
wait_exit "$BG"

stop_leadd
