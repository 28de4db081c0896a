#!/usr/bin/env bash
# Issue 15 attacks: the opportunity tables on an 80-column terminal, as a
# rep and a manager read them. `lead opp ls` has nine columns; its TITLE
# kept 16 columns and OWNER could not be cut, so ordinary rows (a close
# day, 4-digit amounts, a title of a few words) were 88 columns wide and
# the terminal broke every line. `lead forecast` by owner could not cut a
# long TEAM (64 bytes may name one). Now the title wraps down to 8 columns
# and the owner and team are cut (to 6) as lead ls cuts them; into a pipe
# every cell stays whole. Ends with leadd verify.
. "$(dirname "$0")/lib.sh"

start_leadd
team=northern-region-enterprise-sales-and-partnerships
lead_ok user add konstantinopoulou --role manager --password-stdin <<<"manager-password"
lead_ok team add "$team" --manager konstantinopoulou
lead_ok user add alexandra.papadopoulou --role rep --team "$team" --password-stdin <<<"rep-password-1"
lead_ok add "Warehouse roof" --owner alexandra.papadopoulou --status lead-Qualified
L=$OUT
lead_ok opp new "$L" --item "Roof tiles" --qty 120 --price 45.50 --close 2027-01-31 \
	--title "Roof tiles for the warehouse on the north side"
lead_ok opp new "$L" --item Labour --qty 3 --price 1200 --close 2027-03-15 --probability 40 \
	--title "Labour, three weeks"
lead_ok opp new "$L" --item "東京タワー改修工事の足場" --price 2500 --close 2027-02-28 \
	--title "東京タワー改修工事プロジェクト第二期の見積もり"

# lead show's field lines and history are not tables (nor looked at here):
# its opportunities are.
for c in "opp ls" "opp ls --open" "forecast" "forecast --by status" "forecast --by month" \
	"show $L" "opp show 3"; do
	# shellcheck disable=SC2086
	on_tty "$LEAD" $c
	[ "${c%% *}" = show ] && OUT=$(sed -n '/^opportunities, newest first:$/,/^$/p' <<<"$OUT")
	w=$(widest <<<"$OUT")
	[ "$w" -le 80 ] || fail "lead $c is $w columns wide on an 80-column terminal:
$OUT"
	CHECKS=$((CHECKS + 1))
done
on_tty "$LEAD" opp ls
expect_match "$OUT" '^OPP +LEAD +OWNER +CLOSE +AMOUNT +PROB +WEIGHTED +TITLE$' "opp ls header"
expect_match "$OUT" '^1 +1 +alex[a-z]*… +2027-01-31 +5460\.00 EUR +10% +546\.00 EUR +Roof( tiles)?$' \
	"the owner cut, amounts and days whole, the title wrapped"
expect_match "$(tr -s ' \n' ' ' <<<"$OUT")" 'Roof tiles for the warehouse on the north side' \
	"every word of the title kept"
on_tty "$LEAD" forecast
expect_match "$OUT" '^alexandra\.papadopoulou +northern-[a-z-]*… +3 +11560\.00 EUR +2236\.00 EUR$' "the team cut in the forecast"

# A closed one says so in CLOSE, with its day: won or lost, no PROB, no
# WEIGHTED.
lead_ok opp won 2 --date 2026-12-04
lead_ok opp ls
expect_match "$OUT" '^2 +1 +alexandra\.papadopoulou +won 2026-12-04 +3600\.00 EUR +- +- +Labour, three weeks$' \
	"a won one's row"

# Into a pipe nothing is cut or wrapped.
lead_ok opp ls
expect_match "$OUT" ' alexandra\.papadopoulou +2027-01-31 .* Roof tiles for the warehouse on the north side$' \
	"opp ls into a pipe: whole"
lead_ok forecast
expect_match "$OUT" "^alexandra\.papadopoulou +$team +2 " "forecast into a pipe: whole"
expect_no_match "$OUT" '…' "no ellipsis in a pipe"

stop_leadd
