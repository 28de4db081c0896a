#!/usr/bin/env bash
# Issue 15 attacks: `lead forecast` as a manager, a rep and an admin read
# it, and as a script reads its --json. A team pool's row had "key":
# "(pool)" (the server's display name passed through) where docs/cli.md
# says null, as for every absent value (its owner_id is null too). The won
# period: this local month by default; --from alone runs to today, --to
# alone from the first of its month, in the reader's time zone (Auckland,
# Los Angeles). Who may ask for what. Ends with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L1 tom prospect 48000 EUR, L2 tom lead-Qualified, L4 pool of sales
lead_ok opp new "$L4" --item Scanner --price 100 --close 2027-01-15
lead_ok opp new "$L1" --item Payroll --price 1000

# ---- the pool's row ----
as maria expect_exit 0 "$LEAD" --json forecast
expect_eq '[["tom", 3], [null, null]]' "$(json '[[r["key"], r["owner_id"]] for r in d["rows"]]' <<<"$OUT")" \
	"rows by owner: the pool's key is null"
expect_eq sales "$(json 'd["rows"][1]["team"]' <<<"$OUT")" "the pool's team"
as maria expect_exit 0 "$LEAD" forecast
expect_match "$OUT" '^\(pool\) +sales +1 +100\.00 EUR +10\.00 EUR$' "the pool's line in text"
as maria expect_exit 0 "$LEAD" --json forecast --by month
expect_eq '["2027-01", null]' "$(json '[r["key"] for r in d["rows"]]' <<<"$OUT")" "months: no date is null"

# ---- who may ask for what ----
as tom expect_exit 4 "$LEAD" forecast --owner ana
expect_match "$ERR" "a rep may read only their own forecast" "a rep, another's"
as bob expect_exit 4 "$LEAD" forecast --team sales
as maria expect_exit 4 "$LEAD" forecast --team ops
expect_match "$ERR" "teams you manage" "a manager, another team"
as maria expect_exit 3 "$LEAD" forecast --owner nobody
expect_match "$ERR" "no user is named 'nobody'" "an unknown user"
as maria expect_exit 2 "$LEAD" forecast --owner tom --team sales
expect_match "$ERR" "--owner and --team do not go together" "owner and team"
as tom expect_exit 2 "$LEAD" forecast --by team
expect_match "$ERR" "--by wants owner, status or month, not 'team'" "--by team"

# ---- the won period, in the reader's time zone ----
for tz in Pacific/Auckland America/Los_Angeles; do
	first=$(TZ=$tz date +%Y-%m-01)
	today=$(TZ=$tz date +%F)
	last=$(TZ=$tz date -d "$first +1 month -1 day" +%F)
	TZ=$tz as tom expect_exit 0 "$LEAD" --json forecast
	expect_eq "$first $last" "$(json 'd["won_from"] + " " + d["won_to"]' <<<"$OUT")" "$tz: this month"
	TZ=$tz as tom expect_exit 0 "$LEAD" --json forecast --from 2026-11-15
	expect_eq "2026-11-15 $today" "$(json 'd["won_from"] + " " + d["won_to"]' <<<"$OUT")" \
		"$tz: --from alone runs to today"
	TZ=$tz as tom expect_exit 0 "$LEAD" --json forecast --to 2027-02-15
	expect_eq "2027-02-01 2027-02-15" "$(json 'd["won_from"] + " " + d["won_to"]' <<<"$OUT")" \
		"$tz: --to alone from the first of its month"
done
TZ=Pacific/Auckland as tom expect_exit 0 "$LEAD" --json forecast --from 2024-02-29 --to 2024-02-29
expect_eq "2024-02-29 2024-02-29" "$(json 'd["won_from"] + " " + d["won_to"]' <<<"$OUT")" "a leap day"

stop_leadd
