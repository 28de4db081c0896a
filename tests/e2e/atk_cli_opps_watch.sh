#!/usr/bin/env bash
# Issue 15 attacks: what a manager's `lead watch` says as a rep works an
# opportunity. The sentence of a won or lost one already ends "won DAY" /
# "lost DAY: reason", and the watch added the operation after it: "...,
# won 2026-12-05 won; prospect-Qualified -> customer-Won", "lost
# 2026-12-05: Chose a rival lost". Now each says it once; added and edited
# keep their word. Ends with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

start_leadd
make_sales_floor # L2 tom lead-Qualified 500 EUR

bg "$LEADD_DIR/watch.out" maria watch
wait_line "$LEADD_DIR/watch.out" "^-- watching"
as tom expect_exit 0 "$LEAD" opp new "$L2" --item Tiles --qty 3 --price 100
as tom expect_exit 0 "$LEAD" opp new "$L2" --item Labour --price 200 --title Labour
as tom expect_exit 0 "$LEAD" opp edit 1 --title "Tiles deal"
as tom expect_exit 0 "$LEAD" opp won 1 --date 2026-12-04
as tom expect_exit 0 "$LEAD" opp lost 2 --reason "Chose a rival" --other --date 2026-12-04
w="$LEADD_DIR/watch.out"
wait_line "$w" "lead $L2 'Support contract' opportunity 2 'Labour', 200.00 EUR, lost 2026-12-04: Chose a rival \(rev [0-9]+\)$"
wait_line "$w" "lead $L2 'Support contract' opportunity 1 'Tiles deal', 300.00 EUR, won 2026-12-04; prospect-Qualified -> customer-Won \(rev [0-9]+\)$"
wait_line "$w" "opportunity 1 'Support contract', 300.00 EUR added; lead-Qualified -> prospect-Qualified \(rev"
wait_line "$w" "opportunity 1 'Tiles deal', 300.00 EUR edited \(rev"
expect_no_match "$(cat "$w")" "(won|lost) [0-9-]+(: [A-Za-z ]+)? (won|lost)" "won or lost said twice"
kill "$BG"

stop_leadd
