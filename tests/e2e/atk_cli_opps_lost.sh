#!/usr/bin/env bash
# Issue 15 attacks: a rep marks an opportunity lost while the lead has a
# call planned. The lead moves to prospect-Lost and its open activities
# close, as `lead status ... lost` closes them; that one says "closed 1 open
# activity: ..." but `lead opp lost` said nothing (OppReply did not carry
# them), so the rep was not told the call would not be on the agenda. Now
# it lists them, in text and as "closed_activities" in --json; a lost one
# beside another open opportunity moves nothing and closes nothing. Ends
# with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L2 tom lead-Qualified 500 EUR, L1 tom prospect

as tom expect_exit 0 "$LEAD" call "$L2" "ask about the budget" --plan "tomorrow 10:00"
as tom expect_exit 0 "$LEAD" opp new "$L2" --item Tiles --price 100 --title Tiles
as tom expect_exit 0 "$LEAD" opp lost 1 --reason "Chose a rival" --other --date 2026-12-04
expect_match "$OUT" "^lead $L2: prospect-Qualified -> prospect-Lost \(Chose a rival\)$" "the lead moved"
expect_match "$OUT" "^closed 1 open activity:$" "says what it closed"
expect_match "$OUT" "^  call $L2\.1 \(closed\).*: ask about the budget$" "the call, named"

# With --json: closed_activities, as lead status prints them.
as tom expect_exit 0 "$LEAD" task "$L1" "send the quote" --due "tomorrow 10:00"
as tom expect_exit 0 "$LEAD" opp new "$L1" --item Payroll --price 1000
as tom expect_exit 0 "$LEAD" opp new "$L1" --item Extra --price 10
as tom expect_exit 0 "$LEAD" --json opp lost 3 --reason "Chose a rival" --other
expect_eq "[null, false]" "$(json '[d["new_status"], "closed_activities" in d]' <<<"$OUT")" \
	"another one open: the lead stays, nothing closed"
as tom expect_exit 0 "$LEAD" --json opp lost 2 --reason "Chose a rival" --other
expect_eq "prospect-Lost" "$(json 'd["new_status"]' <<<"$OUT")" "the last one lost moves the lead"
expect_eq '["send the quote"]' "$(json '[a["title"] for a in d["closed_activities"]]' <<<"$OUT")" \
	"closed_activities in --json"
expect_eq '["closed"]' "$(json '[a["state"] for a in d["closed_activities"]]' <<<"$OUT")" "closed"

stop_leadd
