#!/usr/bin/env bash
# lead forecast (issue 15) through `lead`: amount and weighted amount per
# currency, never added across currencies (EUR and USD lines, and totals,
# apart); by owner, status and month; a status's probability edited shows at
# once; won in the period apart (this month by default, --from/--to); a
# lead-stage or dead lead's opportunities never count; a rep forecasts their
# own, a manager their team's, and another team is refused; the kpi's
# opportunities table; leadd verify passes at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L1 tom prospect-Qualified 48000 EUR, L2 tom lead-Qualified 500 EUR
TODAY=$(date +%F)
MONTH_FIRST=$(date +%Y-%m-01)

# An opportunity of tom's on lead $1; prints its id.
opp()
{
	local lead=$1
	shift
	as tom expect_exit 0 "$LEAD" --json opp new "$lead" "$@"
	json 'd["opportunity"]["id"]' <<<"$OUT"
}

# ---- two currencies, never added ----
O1=$(opp "$L1" --item Payroll --qty 12 --price 1000 --close 2027-01-20)
as tom expect_exit 0 "$LEAD" add "US payroll" --value 100 --currency USD
LU=$OUT
O2=$(opp "$LU" --item Payroll --qty 3 --price 2000.10 --close 2027-02-05)
as tom expect_exit 0 "$LEAD" show "$LU"
expect_match "$OUT" '^status: +prospect-Qualified$' "a new lead converts with its opportunity"
as tom expect_exit 0 "$LEAD" forecast
expect_match "$OUT" '^OWNER +TEAM +OPPS +AMOUNT +WEIGHTED$' "the forecast's header"
expect_match "$OUT" '^tom +sales +1 +12000.00 EUR +1200.00 EUR$' "tom's EUR line"
expect_match "$OUT" '^ +1 +6000.30 USD +600.03 USD$' "his USD line, under it"
expect_match "$OUT" '^total +1 +12000.00 EUR +1200.00 EUR$' "the EUR total"
expect_no_match "$OUT" '18000' "EUR and USD are never added"
as tom expect_exit 0 "$LEAD" --json forecast
expect_eq '{"EUR": ["12000.00", "1200.00", 1], "USD": ["6000.30", "600.03", 1]}' \
	"$(json '{k: [v["amount"]["amount"], v["weighted"]["amount"], v["opps"]] for k, v in d["open_total"].items()}' <<<"$OUT")" \
	"open_total: one key per currency"
expect_eq "[\"owner\", \"$MONTH_FIRST\"]" "$(json '[d["by"], d["won_from"]]' <<<"$OUT")" \
	"by owner, won this month"

# ---- by status and by month ----
as tom expect_exit 0 "$LEAD" forecast --by status
expect_match "$OUT" '^STATUS +PROB +OPPS +AMOUNT +WEIGHTED$' "by status: header"
expect_match "$OUT" '^prospect-Qualified +10% +1 +12000.00 EUR +1200.00 EUR$' "by status: a row"
as tom expect_exit 0 "$LEAD" --json forecast --by month
expect_eq '["2027-01", "2027-02"]' "$(json '[r["key"] for r in d["rows"]]' <<<"$OUT")" \
	"by month: the expected close months"

# ---- a status's probability edited: the weighted amounts follow at once ----
lead_ok admin status edit prospect-Qualified --probability 20
as tom expect_exit 0 "$LEAD" --json forecast
expect_eq '["2400.00", "1200.06"]' \
	"$(json '[d["open_total"]["EUR"]["weighted"]["amount"], d["open_total"]["USD"]["weighted"]["amount"]]' <<<"$OUT")" \
	"20 % now weighs them"
lead_ok admin status edit prospect-Qualified --probability 10

# ---- lead-stage and dead leads never count ----
as tom expect_exit 0 "$LEAD" add "Lead stage" --value 10
LS=$OUT
opp "$LS" --item Thing --price 10 >/dev/null
as tom expect_exit 0 "$LEAD" status "$LS" lead-New
as tom expect_exit 0 "$LEAD" --json forecast
expect_eq 1 "$(json 'd["open_total"]["EUR"]["opps"]' <<<"$OUT")" "back at the lead stage: out of the forecast"
as tom expect_exit 0 "$LEAD" status "$LU" dead --reason "No budget" --other
as tom expect_exit 0 "$LEAD" --json forecast
expect_eq '["EUR"]' "$(json 'sorted(d["open_total"])' <<<"$OUT")" "a dead lead's opportunity leaves it"
as tom expect_exit 0 "$LEAD" --json kpi
expect_eq '[1, null]' \
	"$(json '[d["total"]["opps"]["dead"]["USD"]["opps"], d["total"]["forecast"].get("USD")]' <<<"$OUT")" \
	"kpi counts it under dead, not in the forecast"
as tom expect_exit 0 "$LEAD" kpi
expect_match "$OUT" '^ +dead +1 +6000.30 USD +' "kpi's table: the dead one"
expect_match "$OUT" '^ +in forecast +1 +12000.00 EUR +1200.00 EUR$' "kpi's table: the forecast line"

# ---- won in the period, apart ----
as tom expect_exit 0 "$LEAD" opp won "$O1"
as tom expect_exit 0 "$LEAD" forecast
expect_match "$OUT" "^closed won from $MONTH_FIRST to [0-9-]+:$" "closed won, this month"
expect_match "$OUT" '^tom +sales +1 +12000.00 EUR$' "tom's won line"
expect_match "$OUT" '^no open opportunities in the forecast$' "nothing open left in the forecast"
as tom expect_exit 0 "$LEAD" forecast --from 2020-01-01 --to 2020-01-31
expect_match "$OUT" '^closed won from 2020-01-01 to 2020-01-31: none$' "another period: none won"
as tom expect_exit 0 "$LEAD" --json forecast --from "$TODAY"
expect_eq "12000.00" "$(json 'd["won_total"]["EUR"]["amount"]["amount"]' <<<"$OUT")" "--from today"
as tom expect_exit 2 "$LEAD" forecast --from 2026-02-01 --to 2026-01-01
expect_match "$ERR" "--from 2026-02-01 is after --to 2026-01-01" "a period that ends before it starts"

# ---- who forecasts what ----
as tom expect_exit 0 "$LEAD" qualify "$LS"
as tom expect_exit 0 "$LEAD" convert "$LS"
as ana expect_exit 0 "$LEAD" add "Ana's own" --value 70
LA=$OUT
as ana expect_exit 0 "$LEAD" opp new "$LA" --item Box --qty 7 --price 10
as ana expect_exit 0 "$LEAD" --json forecast
expect_eq '["70.00"]' "$(json '[v["amount"]["amount"] for v in d["open_total"].values()]' <<<"$OUT")" \
	"a rep forecasts their own"
as maria expect_exit 0 "$LEAD" --json forecast
expect_eq '["ana", "tom"]' "$(json 'sorted(r["key"] for r in d["rows"] if r["open"])' <<<"$OUT")" \
	"a manager their team's"
expect_eq "80.00" "$(json 'd["open_total"]["EUR"]["amount"]["amount"]' <<<"$OUT")" "the team's total"
as maria expect_exit 0 "$LEAD" --json forecast --owner ana
expect_eq '["ana"]' "$(json '[r["key"] for r in d["rows"]]' <<<"$OUT")" "--owner"
as bob expect_exit 4 "$LEAD" forecast --team sales
as bob expect_exit 0 "$LEAD" forecast
expect_match "$OUT" '^no open opportunities in the forecast$' "another team's rep sees none"
as tom expect_exit 2 "$LEAD" forecast --owner tom --team sales
expect_match "$ERR" "do not go together" "--owner and --team together"

# ---- a team's pool: its row is "(pool)" in text, key and owner_id null in --json ----
as maria expect_exit 0 "$LEAD" add "Pool's" --team sales --value 5
LP=$OUT
as maria expect_exit 0 "$LEAD" opp new "$LP" --item Pen --qty 1 --price 5
as maria expect_exit 0 "$LEAD" --json forecast
expect_eq '[[null, null, "sales", "5.00"]]' \
	"$(json '[[r["key"], r["owner_id"], r["team"], r["open"]["EUR"]["amount"]["amount"]] for r in d["rows"] if r["owner_id"] is None]' <<<"$OUT")" \
	"the pool's row in --json"
as maria expect_exit 0 "$LEAD" forecast
expect_match "$OUT" '^\(pool\) +sales +1 +5.00 EUR +0.50 EUR$' "the pool's row in text"

stop_leadd
