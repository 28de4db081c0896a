#!/usr/bin/env bash
# Last fixes of issue 12 (phase 3) through lead, each a check that failed
# before it: `lead watch --search S` prints a wake-up that brings a lead back
# into S as "lead N is back from stand-by: 'T', now matches 'S'" (the test
# clock of leadd-fault-test, LEADD_FAULT_CLOCK_FILE, moves a day on);
# `lead client show` lists the folder's leads on stand-by too, marked "on
# stand-by until DATE" (the totals always counted them), in --json as well,
# and its "N more" hint counts both lists.
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

# ---- lead client show: leads on stand-by are the folder's too ----
lead_ok add "Spring campaign" --client Acme --owner admin
S1=$OUT
lead_ok add "Summer spots" --client Acme --owner admin
S2=$OUT
lead_ok add "Autumn push" --client Acme --owner admin
lead_ok standby "$S2" --until 3d
lead_ok client show Acme
expect_match "$OUT" "^ *$S1 +Spring campaign +lead-New " "client show: a lead not on stand-by"
expect_match "$OUT" "^ *$S2 +Summer spots +lead-New, on stand-by until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}" \
	"client show: a lead on stand-by, marked with its date"
expect_match "$OUT" '^total +3 ' "client show: the total counts all three"
expect_no_match "$OUT" "more:" "client show: all three listed, no 'more' hint"
lead_ok --json client show Acme
expect_eq 3 "$(json 'len(d["leads"])' <<<"$OUT")" "client show --json: all three leads"
expect_eq true "$(json 'any(l["id"] == '"$S2"' and l["standby_until"] for l in d["leads"])' <<<"$OUT")" \
	"client show --json: the stand-by one, with its date"
expect_eq false "$(json 'd["more"]' <<<"$OUT")" "client show --json: nothing more"
lead_ok client show Acme --limit 1
expect_match "$OUT" "^1 more: lead ls --client Acme$" \
	"client show --limit 1: one listed and one on stand-by shown, one more"

stop_leadd
