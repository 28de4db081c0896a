#!/usr/bin/env bash
# Issue 15 attacks: what a manager reads in `lead history` after a rep
# worked an opportunity. A probability of its own weighs the forecast, yet
# the opportunity's sentence left it out: an edit of only the probability
# read "now: opportunity 1 'Tiles', 300.00 EUR", the same as before it.
# Now an open one with its own probability says it ("300.00 EUR,
# probability 70%, closing ..."), in lead opp new/edit, lead history and
# lead watch; one weighed by its lead's status says nothing more. Ends
# with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L2 tom lead-Qualified 500 EUR

as tom expect_exit 0 "$LEAD" opp new "$L2" --item Tiles --qty 3 --price 100 --title Tiles \
	--probability 50 --close 2027-01-31
expect_eq "added opportunity 1 'Tiles', 300.00 EUR, probability 50%, closing 2027-01-31
lead $L2: lead-Qualified -> prospect-Qualified" "$OUT" "opp new with its own probability"
as tom expect_exit 0 "$LEAD" opp edit 1 --probability 70
expect_eq "now: opportunity 1 'Tiles', 300.00 EUR, probability 70%, closing 2027-01-31" "$OUT" \
	"an edit of the probability shows it"
# The same again changes nothing, and says so (it printed "now: ..." as
# if it had changed), as lead client edit does; no history entry.
as tom expect_exit 0 "$LEAD" --json opp show 1
v=$(json 'd["version"]' <<<"$OUT")
as tom expect_exit 0 "$LEAD" opp edit 1 --probability 70 --title Tiles
expect_eq "opportunity 1 'Tiles': nothing to change" "$OUT" "a no-op edit"
as tom expect_exit 0 "$LEAD" --json opp show 1
expect_eq "$v" "$(json 'd["version"]' <<<"$OUT")" "the same version"
as tom expect_exit 0 "$LEAD" opp edit 1 --probability none
expect_eq "now: opportunity 1 'Tiles', 300.00 EUR, closing 2027-01-31" "$OUT" \
	"back to the status's: nothing more said"
as maria expect_exit 0 "$LEAD" history "$L2"
expect_match "$OUT" "tom +opportunity +now: opportunity 1 'Tiles', 300.00 EUR, probability 70%, closing 2027-01-31$" \
	"history: the probability edit"
expect_match "$OUT" "tom +opportunity +added opportunity 1 'Tiles', 300.00 EUR, probability 50%, closing 2027-01-31$" \
	"history: added with its probability"
expect_eq 1 "$(grep -c "now: opportunity 1 'Tiles', 300.00 EUR, probability 70%" <<<"$OUT")" \
	"history: the no-op edit wrote nothing"
# Closed, it weighs nothing: the sentence says won, not the probability.
as tom expect_exit 0 "$LEAD" opp edit 1 --probability 90
as tom expect_exit 0 "$LEAD" opp won 1 --date 2026-12-04
expect_match "$OUT" "^won: opportunity 1 'Tiles', 300.00 EUR, won 2026-12-04$" "won: no probability"
# Its close day is now the day it was won: --closing-before finds it, as
# lead help opp ls says, unless --open.
as tom expect_exit 0 "$LEAD" --json opp ls --closing-before 2026-12-05
expect_eq "[1]" "$(json '[o["id"] for o in d]' <<<"$OUT")" "a won one closes before"
as tom expect_exit 0 "$LEAD" --json opp ls --closing-before 2026-12-05 --open
expect_eq "[]" "$(json '[o["id"] for o in d]' <<<"$OUT")" "not with --open"

stop_leadd
