#!/usr/bin/env bash
# leadtop's agenda panel (issue 13): today's open activities of the user,
# overdue first and marked "!", live. `t` on a lead of a pinned search adds
# a task (a title, then a due time as `lead` reads times): a task due an
# hour ago appears at once marked overdue, one due in an hour unmarked
# below it; a due time leadtop cannot read is asked again with the reason,
# Escape gives up. The feed names activity changes ("task 1.1 '...'
# added", "leadd: ... is due"). When leadd's clock (leadd-fault-test, docs/operations.md)
# passes the second task's time, leadd marks it as fallen due and the
# panel marks it "!" within a second (the agenda watch topic). `t` on the
# agenda's own item adds to that item's lead. Ends with leadd verify.
# LEADD must be leadd-fault-test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"

CLOCK=$(mktemp "${TMPDIR:-/tmp}/leadtop-agenda-clock.XXXXXX")
echo 0 >"$CLOCK"
export LEADD_FAULT_CLOCK_FILE=$CLOCK
trap 'rc=$?; rm -f "$CLOCK" "$CLOCK.tmp"; set +e; (exit $rc); leadtop_cleanup' EXIT

set_clock() {
	echo "$1" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
}

# A time zone where it is about noon now, so "an hour ago" and "in an hour"
# are both today whenever the test runs (POSIX TZ: the offset's sign is
# reversed, UTC-5 is five hours ahead).
utc_hour=$(date -u +%H)
ahead=$(((12 - 10#$utc_hour + 24) % 24))
[ "$ahead" -gt 12 ] && ahead=$((ahead - 24))
if [ "$ahead" -ge 0 ]; then NOON_TZ="NOON-$ahead"; else NOON_TZ="NOON+$((-ahead))"; fi
expect_match "$(TZ=$NOON_TZ date +%H)" '^1[12]$' "the test's time zone puts now near noon"

start_leadd
lead_ok --json add "Acme roof" --owner admin
A=$(json 'd["id"]' <<<"$OUT")
lead_ok search save mine --mine
lead_ok search pin mine

lt_start a 100 30 admin "TZ=$NOON_TZ"
lt_wait_for a 'live, revision [0-9]+' 3 "the dashboard is live"
lt_wait_for a '^  agenda today \(0\)$' 2 "the agenda panel, empty, after the KPI panel"

lt_keys a Tab Tab
lt_wait_for a '^> search mine \(1\)$' 2 "Tab Tab: the pinned search"
lt_keys a t
lt_wait_for a "task on lead $A, title:" 2 "t asks for the title"
lt_keys a "send the quote" Enter
lt_wait_for a '^due \(' 2 "then for the due time"
lt_keys a -- "-1h" Enter
lt_wait_for a "task $A\\.1 added, due " 2 "the task is added"
lt_wait_for a "^! [0-9]{2}:[0-9]{2} +task $A\\.1 Acme roof: send the quote" 2 \
	"the task due an hour ago on the agenda, marked overdue"
lt_wait_for a '^  agenda today \(1, 1 overdue\)$' 2 "the agenda's title counts it"
lt_wait_for a "^[0-9]{2}:[0-9]{2} admin: task $A\\.1 'send the quote' added$" 2 "the feed: added"
lt_wait_for a "^[0-9]{2}:[0-9]{2} leadd: task $A\\.1 'send the quote' is due$" 2 \
	"the feed: leadd marks it as fallen due at once (its time has passed)"

lt_keys a t
lt_wait_for a "task on lead $A, title:" 2 "t again"
lt_keys a "call the boss" Enter
lt_wait_for a '^due \(' 2 "the due prompt"
lt_keys a "soonish" Enter
lt_wait_for a "^'soonish': [a-z ]+; due:" 2 \
	"a time leadtop cannot read: asked again, saying why"
lt_keys a -- "+1h" Enter
lt_wait_for a "task $A\\.2 added, due " 2 "the second task is added"
lt_wait_for a "^  [0-9]{2}:[0-9]{2} +task $A\\.2 Acme roof: call the boss" 2 \
	"the task due in an hour, not marked"
lt_capture a
first=$(grep -n "task $A\\.1 " <<<"$SCREEN" | cut -d: -f1)
second=$(grep -n "task $A\\.2 " <<<"$SCREEN" | cut -d: -f1)
expect_eq 1 "$((first < second))" "the overdue task comes first"

lt_keys a t
lt_wait_for a "task on lead $A, title:" 2 "t a third time"
lt_keys a "never mind" Enter
lt_wait_for a '^due \(' 2 "the due prompt"
lt_keys a Escape
lt_wait_gone a '^due \(' 2 "Escape gives up"
lt_capture a
expect_no_match "$SCREEN" "never mind" "nothing added"

# leadd's clock two hours ahead: the second task falls due, live.
set_clock $((2 * 3600 * 1000))
lt_wait_for a "^! [0-9]{2}:[0-9]{2} +task $A\\.2 Acme roof: call the boss" 2 \
	"the second task marked once it falls due"
echo "fell due on the dashboard in ${WAITED_MS} ms"
lt_wait_for a '^  agenda today \(2, 2 overdue\)$' 2 "both overdue"

# On the agenda itself: t adds to the selected item's lead.
lt_keys a BTab
lt_wait_for a '^> agenda today' 2 "Shift-Tab: the agenda"
lt_keys a t
lt_wait_for a "task on lead $A, title:" 2 "t on an agenda item: its lead"
lt_keys a "from the agenda" Enter
lt_wait_for a '^due \(' 2 "the due prompt"
lt_keys a "+30m" Enter
lt_wait_for a "task $A\\.3 added" 2 "the third task is added"
lt_wait_for a '^> agenda today \(3, 3 overdue\)$' 2 "on the agenda (overdue too: leadd's clock is ahead)"

lt_keys a q
expect_eq 0 "$(lt_exit_status a)" "leadtop's exit status"
stop_leadd
