#!/usr/bin/env bash
# Stand-by through lead (issue 12): `lead standby ID --until WHEN [--reason
# T]` takes a lead out of `lead ls` (back with --standby, --waking 7d lists
# those coming back within a week), `lead show` and `lead history` show it,
# `lead standby ID --off` brings it back; then the wake-up across a leadd
# restart with the documented test clock (leadd-fault-test,
# LEADD_FAULT_CLOCK_FILE: docs/operations.md), not sleeps of days: a lead
# due while leadd was stopped comes back when it starts, one due while it
# runs comes back within a second, and `lead watch` prints "lead N is back
# from stand-by" for each. Usage errors (exit 2) and the server's refusals
# (exit 2 for a past date, exit 5 for nothing to take off).
#
# LEADD must be leadd-fault-test (the test clock); ends with leadd verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cli_watch_lib.sh"

CLOCK=$(mktemp "${TMPDIR:-/tmp}/lead-clock.XXXXXX")
echo 0 >"$CLOCK"
export LEADD_FAULT_CLOCK_FILE=$CLOCK
trap 'rc=$?; rm -f "$CLOCK" "$CLOCK.tmp"; set +e; (exit $rc); cleanup' EXIT
DAY=86400000

# set_clock MS: leadd's time is the real time plus MS from now on.
set_clock()
{
	echo "$1" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
}

# restart_leadd: SIGTERM (exit 0), `leadd verify` on what it left, then a
# new leadd on the same data directory; lead's session is still good.
restart_leadd()
{
	kill -TERM "$LEADD_PID"
	local status=0 out i port=""
	wait "$LEADD_PID" || status=$?
	LEADD_PID=""
	[ "$status" -eq 0 ] || fail "leadd exited with status $status after SIGTERM"
	out=$("$LEADD" verify --data-dir "$LEADD_DIR/data" 2>&1) || fail "leadd verify: $out"
	rm -f "$LEADD_DIR/port"
	"$LEADD" --data-dir "$LEADD_DIR/data" --listen 127.0.0.1:0 \
		--port-file "$LEADD_DIR/port" --log-level warn 2>>"$LEADD_DIR/leadd.log" &
	LEADD_PID=$!
	for ((i = 0; i < 100; i++)); do
		if [ -s "$LEADD_DIR/port" ] && [ "$(tail -c 1 "$LEADD_DIR/port" | wc -l)" -eq 1 ]; then
			port=$(tr -d '[:space:]' <"$LEADD_DIR/port")
			break
		fi
		sleep 0.1
	done
	[ -n "$port" ] || fail "the restarted leadd wrote no port file"
	export LEAD_SERVER="127.0.0.1:$port"
	# A session is sent only to the server it was made on: the new port is
	# the same server here, so the session files follow it.
	local f
	for f in "$LEADD_DIR"/cfg*/session; do
		[ -f "$f" ] && sed -i "s/^server = .*/server = $LEAD_SERVER/" "$f"
	done
	CHECKS=$((CHECKS + 1))
}

start_leadd
lead_ok add "Acme renewal" --owner admin
A=$OUT
lead_ok add "Globex pilot" --owner admin
B=$OUT
lead_ok add "Initech" --owner admin
C=$OUT
[[ "$A$B$C" =~ ^[0-9]+$ ]] || fail "lead add printed no ids: '$A' '$B' '$C'"

# ---- putting on stand-by, listing, showing ----
lead_ok standby "$A" --until 2d --reason "after the trade fair"
expect_match "$OUT" "^lead $A: on stand-by until [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}" \
	"lead standby's sentence"
lead_ok standby "$B" --until +10d
lead_ok ls
expect_no_match "$OUT" "Acme|Globex" "lead ls hides leads on stand-by"
expect_match "$OUT" "Initech" "lead ls keeps the others"
lead_ok ls --standby
expect_match "$OUT" "Acme" "lead ls --standby"
expect_match "$OUT" "Globex" "lead ls --standby (both)"
expect_no_match "$OUT" "Initech" "lead ls --standby: only leads on stand-by"
lead_ok ls --waking 7d
expect_match "$OUT" "Acme" "lead ls --waking 7d: back within a week"
expect_no_match "$OUT" "Globex|Initech" "lead ls --waking 7d: not the ten-day one"
lead_ok --json ls --waking 7d
expect_eq "[$A]" "$(json '[l["id"] for l in d["leads"]]' <<<"$OUT")" "--json ls --waking"
lead_ok show "$A"
expect_match "$OUT" "^stand-by: +until [0-9-]+ [0-9:]+ .*: after the trade fair$" \
	"lead show: the stand-by and its reason"
lead_ok show "$C"
expect_no_match "$OUT" "stand-by" "lead show: nothing for a lead not on stand-by"
lead_ok --json show "$A"
expect_eq "after the trade fair" "$(json 'd["standby_reason"]' <<<"$OUT")" "--json standby_reason"
json 'd["standby_until"]' <<<"$OUT" | grep -Eq '^[0-9]{4}-' || fail "--json standby_until: $OUT"
lead_ok history "$A"
expect_match "$OUT" "standby until +none -> [0-9-]+" "lead history: the stand-by date"
expect_match "$OUT" "standby reason +none -> after the trade fair" "lead history: the reason"

# ---- usage errors and refusals ----
expect_exit 2 "$LEAD" standby "$C"
expect_match "$ERR" "--until DATE .* or --off" "neither --until nor --off"
expect_exit 2 "$LEAD" standby "$C" --until 2d --off
expect_exit 2 "$LEAD" standby "$C" --off --reason why
expect_exit 2 "$LEAD" standby "$C" --until someday
expect_match "$ERR" "--until" "a bad date names the option"
expect_exit 2 "$LEAD" standby "$C" --until 2020-01-01
expect_match "$ERR" "has passed" "a past date: the server's sentence"
expect_exit 5 "$LEAD" standby "$C" --off
expect_match "$ERR" "is not on stand-by" "--off on a lead not on stand-by"
expect_exit 2 "$LEAD" ls --waking soon

# A saved search's watcher: the lead leaves it when put on stand-by.
mkdir -p "$LEADD_DIR/cfg-admin"
cp "$LEADD_DIR/cfg/session" "$LEADD_DIR/cfg-admin/session"
lead_ok search save working --mine
bg_pipe "$LEADD_DIR/watch0.out" admin watch --search working
wait_line "$LEADD_DIR/watch0.out" "^-- "
lead_ok standby "$C" --until 1d
wait_line "$LEADD_DIR/watch0.out" \
	"^$TIME_RE admin: lead $C stand-by changed, no longer matches 'working' \(rev [0-9]+\)$"
lead_ok standby "$C" --off
wait_line "$LEADD_DIR/watch0.out" \
	"^$TIME_RE admin: lead $C 'Initech' off stand-by, now matches 'working' \(rev [0-9]+\)$"
kill -TERM "$BG"
wait_exit "$BG"

# ---- by hand ----
lead_ok standby "$B" --off
expect_eq "lead $B: off stand-by, back in the working lists" "$OUT" "--off's sentence"
lead_ok ls
expect_match "$OUT" "Globex" "taken off by hand: back in lead ls"

# ---- the wake-up, with the test clock, across a restart ----
lead_ok standby "$C" --until 5d --reason "budget in the new year"
# A is due in two days: leadd is stopped, two days and a minute pass.
set_clock $((2 * DAY + 60000))
restart_leadd
for ((i = 0; i < 50; i++)); do
	"$LEAD" --json show "$A" | json 'd["standby_until"]' | grep -q '^None$\|^null$' && break
	sleep 0.1
done
lead_ok --json show "$A"
expect_eq "null" "$(json 'd["standby_until"]' <<<"$OUT")" "A came back when leadd started"
lead_ok ls
expect_match "$OUT" "Acme" "A is back in lead ls"
expect_no_match "$OUT" "Initech" "C is not due yet"
lead_ok history "$A"
expect_match "$OUT" "leadd +standby until +[0-9-]+ [0-9:]+ .* -> none" \
	"history: the wake-up, by leadd"

# `lead watch` from before the stop replays A's wake-up, then sees C's live.
bg_pipe "$LEADD_DIR/watch2.out" admin watch --since 1
wait_line "$LEADD_DIR/watch2.out" "lead $A is back from stand-by: 'Acme renewal'"
set_clock $((5 * DAY + 120000))
wait_line "$LEADD_DIR/watch2.out" "^$TIME_RE leadd: lead $C is back from stand-by: 'Initech' \(rev [0-9]+\)$" 3000
expect_match "$(cat "$LEADD_DIR/watch2.out")" "admin: lead $A 'Acme renewal' on stand-by until $TIME_RE \(rev" \
	"lead watch: the stand-by itself"
kill -TERM "$BG"
wait_exit "$BG"
lead_ok ls --standby
expect_no_match "$OUT" "Acme|Globex|Initech" "nothing left on stand-by"
stop_leadd
