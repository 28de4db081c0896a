#!/usr/bin/env bash
# Opportunities through `lead` (issue 15), as reps and a manager type them:
# an opportunity with two items converts a lead-Qualified lead to
# prospect-Qualified in the same change, and the forecast shows amount x 10 %
# at once; a second one on the same prospect converts nothing; won moves the
# lead to customer-Won and lost to prospect-Lost (with the reason), each
# leaving the open forecast; lost with another opportunity open or won leaves
# the lead; lead convert from the lead stage only; a dead lead refuses an
# opportunity; edit replaces the items; who sees what (a rep their own, a
# manager their team's); what lead show, lead history and lead watch say;
# usage errors before any request; leadd verify passes at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L1 tom prospect-Qualified 48000 EUR, L2 tom lead-Qualified 500 EUR, L3 ana dead
TODAY=$(date +%F)

# forecast_eur WHO EXPR: the value of EXPR over WHO's `lead --json forecast`.
forecast()
{
	local who=$1
	as "$who" expect_exit 0 "$LEAD" --json forecast
	json "$2" <<<"$OUT"
}

# ---- usage, before any request ----
as tom expect_exit 2 "$LEAD" opp new "$L2" --qty 2 --item Hours --price 10
expect_match "$ERR" "--qty goes after the --item it is for" "--qty before any --item"
as tom expect_exit 2 "$LEAD" opp new "$L2"
expect_match "$ERR" "at least one --item" "an opportunity needs an item"
as tom expect_exit 2 "$LEAD" opp new "$L2" --item Hours --qty 2
expect_match "$ERR" "--item 'Hours' has no --price" "an item needs its price"
as tom expect_exit 2 "$LEAD" opp new "$L2" --item Hours --qty 0 --price 10
expect_match "$ERR" "--qty wants a whole number from 1 to 1000000000, not '0'" "a quantity of 0"
as tom expect_exit 2 "$LEAD" opp new "$L2" --item Hours --price 10.505
expect_match "$ERR" "--price wants an amount of 0 or more like 450.50 \(EUR has 2 decimals\), not '10.505'" \
	"a price with more decimals than the lead's currency has"
as tom expect_exit 2 "$LEAD" opp new "$L2" --item Hours --price 10 --close someday
expect_match "$ERR" "--close: 'someday'" "a close day that is no date"
as tom expect_exit 2 "$LEAD" opp ls --open --won
expect_match "$ERR" "give one of them" "two states at once"
as tom expect_exit 2 "$LEAD" opp lost 1
expect_match "$ERR" "say why it was lost with --reason TEXT" "lost needs a reason"
as tom expect_exit 2 "$LEAD" opp show x1
expect_match "$ERR" "an opportunity id is a positive number" "a bad OID"
as tom expect_exit 2 "$LEAD" opp edit 1
expect_match "$ERR" "nothing to change" "an edit of nothing"

# ---- a two-item opportunity converts a qualified lead ----
as tom expect_exit 0 "$LEAD" opp new "$L2" --item "Support hours" --qty 10 --price 450 \
	--item Setup --price 1500.50 --close 2027-01-31
O1=$(sed -n 's/^added opportunity \([0-9]*\) .*/\1/p' <<<"$OUT")
[ -n "$O1" ] || fail "no opportunity id in: $OUT"
expect_eq "added opportunity $O1 'Support contract', 6000.50 EUR, closing 2027-01-31
lead $L2: lead-Qualified -> prospect-Qualified" "$OUT" "opp new says what it added and the conversion"
expect_eq '["6000.50", "600.05", 1]' \
	"$(forecast tom '[d["open_total"]["EUR"]["amount"]["amount"], d["open_total"]["EUR"]["weighted"]["amount"], d["open_total"]["EUR"]["opps"]]')" \
	"the forecast shows amount x 10 % at once"
as tom expect_exit 0 "$LEAD" show "$L2"
expect_match "$OUT" '^status: +prospect-Qualified$' "lead show: converted"
expect_match "$OUT" "^opportunities, newest first:$" "lead show lists its opportunities"
expect_match "$OUT" "^$O1 +2027-01-31 +6000.50 EUR +10% +600.05 EUR +Support contract$" \
	"the opportunity's row in lead show"
as tom expect_exit 0 "$LEAD" history "$L2"
expect_match "$OUT" "tom +opportunity +added opportunity $O1 'Support contract', 6000.50 EUR, closing 2027-01-31$" \
	"history: the opportunity added"
expect_match "$OUT" "tom +status +lead-Qualified -> prospect-Qualified$" "history: the conversion beside it"
as tom expect_exit 0 "$LEAD" --json history "$L2" --newest-first --limit 1
expect_eq "[\"opportunity\", \"added\", $O1]" \
	"$(json '[d[0]["kind"], d[0]["opp_op"], d[0]["opportunity"]["id"]]' <<<"$OUT")" "history --json"

as tom expect_exit 2 "$LEAD" opp new "$L2" --item Towers --qty 1000000000 --price 100000
expect_match "$ERR" "too large" "an amount past the limit (about 46 trillion EUR) is refused"

# ---- a second one on the same prospect converts nothing ----
as tom expect_exit 0 "$LEAD" --json opp new "$L2" --item Training --qty 2 --price 300 \
	--title "Training days" --probability 50
O2=$(json 'd["opportunity"]["id"]' <<<"$OUT")
expect_eq '[null, null, "prospect-Qualified", "600.00", "300.00", 50]' \
	"$(json '[d["old_status"], d["new_status"], d["lead"]["status"], d["opportunity"]["amount"]["amount"], d["opportunity"]["weighted"]["amount"], d["opportunity"]["probability"]]' <<<"$OUT")" \
	"a second opportunity: no move, its own probability weighs it"
as tom expect_exit 0 "$LEAD" --json history "$L2"
expect_eq '[["added", ["status"]], ["added", []]]' \
	"$(json '[[e["opp_op"], [c["field"] for c in e["changes"]]] for e in d if e["kind"] == "opportunity"]' <<<"$OUT")" \
	"the first opportunity's entry holds the conversion, the second's nothing more"
expect_eq '["6600.50", "900.05"]' \
	"$(forecast tom '[d["open_total"]["EUR"]["amount"]["amount"], d["open_total"]["EUR"]["weighted"]["amount"]]')" \
	"both in the forecast"

# ---- ls, show, edit ----
as tom expect_exit 0 "$LEAD" opp ls
expect_match "$OUT" '^OPP +LEAD +OWNER +CLOSE +AMOUNT +PROB +WEIGHTED +TITLE$' "opp ls header"
expect_match "$OUT" "^$O1 +$L2 +tom +2027-01-31 +6000.50 EUR +10% +600.05 EUR +Support contract$" \
	"opp ls row, soonest close first"
expect_match "$OUT" "^$O2 +$L2 +tom +- +600.00 EUR +50% own +300.00 EUR +Training days$" \
	"a row without a close day, its own probability"
expect_eq "$O1 $O2" "$(sed -n 's/^\([0-9][0-9]*\) .*/\1/p' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//')" \
	"by close day, none last"
as tom expect_exit 0 "$LEAD" opp ls --closing-before 2027-01-31
expect_eq "no opportunities" "$OUT" "--closing-before excludes that day"
as tom expect_exit 0 "$LEAD" --json opp ls --closing-before 2027-02-01
expect_eq "[$O1]" "$(json '[o["id"] for o in d]' <<<"$OUT")" "--closing-before includes the day before"
as tom expect_exit 0 "$LEAD" opp show "$O1"
expect_match "$OUT" '^state: +open$' "opp show: state"
expect_match "$OUT" "^probability: +10% \(the lead's status's\)$" "opp show: the status's probability"
expect_match "$OUT" '^weighted: +600.05 EUR$' "opp show: weighted"
expect_match "$OUT" '^ITEM +QTY +PRICE +AMOUNT$' "opp show: the items' header"
expect_match "$OUT" '^Support hours +10 +450.00 EUR +4500.00 EUR$' "opp show: an item"
expect_match "$OUT" '^Setup +1 +1500.50 EUR +1500.50 EUR$' "opp show: --qty defaults to 1"
as tom expect_exit 0 "$LEAD" opp edit "$O2" --item Training --qty 3 --price 300 --close 2027-03-15 \
	--probability none
expect_eq "now: opportunity $O2 'Training days', 900.00 EUR, closing 2027-03-15" "$OUT" \
	"edit replaces the items, sets the day, drops its own probability"
as tom expect_exit 0 "$LEAD" --json opp show "$O2"
expect_eq '[1, null, 10, "90.00"]' \
	"$(json '[len(d["items"]), d["probability"], d["effective_probability"], d["weighted"]["amount"]]' <<<"$OUT")" \
	"the edit as opp show --json says it"
as tom expect_exit 0 "$LEAD" opp edit "$O2" --close none
expect_eq "now: opportunity $O2 'Training days', 900.00 EUR" "$OUT" "--close none clears the day"

# ---- who sees what ----
as bob expect_exit 3 "$LEAD" opp show "$O1"
as bob expect_exit 0 "$LEAD" opp ls
expect_eq "no opportunities" "$OUT" "another team's rep sees none"
as ana expect_exit 0 "$LEAD" --json opp ls
expect_eq "[]" "$OUT" "a rep of the team sees no colleague's"
as maria expect_exit 0 "$LEAD" --json opp ls --owner tom
expect_eq "[$O1, $O2]" "$(json '[o["id"] for o in d]' <<<"$OUT")" "a manager sees her team's"
as maria expect_exit 0 "$LEAD" --json opp ls --team sales
expect_eq "[$O1, $O2]" "$(json '[o["id"] for o in d]' <<<"$OUT")" "opp ls --team: the team's"
as maria expect_exit 4 "$LEAD" opp ls --team ops
expect_match "$ERR" "teams you manage only" "opp ls --team: another team is refused"

# ---- won: the lead becomes a customer, the opportunity leaves the forecast ----
as tom expect_exit 0 "$LEAD" opp won "$O1"
expect_eq "won: opportunity $O1 'Support contract', 6000.50 EUR, won $TODAY
lead $L2: prospect-Qualified -> customer-Won" "$OUT" "opp won moves the lead"
expect_eq '[["EUR"], 1, "6000.50"]' \
	"$(forecast tom '[sorted(d["open_total"]), d["open_total"]["EUR"]["opps"], d["won_total"]["EUR"]["amount"]["amount"]]')" \
	"won leaves the open forecast, closed won apart"
as tom expect_exit 5 "$LEAD" opp edit "$O1" --title Again
as tom expect_exit 5 "$LEAD" opp lost "$O1" --reason "Chose a rival" --other

# ---- lost with another one won: the lead stays ----
as tom expect_exit 0 "$LEAD" opp lost "$O2" --reason "Chose a rival" --other
expect_eq "lost: opportunity $O2 'Training days', 900.00 EUR, lost $TODAY: Chose a rival" "$OUT" \
	"lost with another won: no move"
as tom expect_exit 0 "$LEAD" --json forecast
expect_eq "{}" "$(json 'd["open_total"]' <<<"$OUT")" "nothing open left"

# ---- lost alone: the lead moves to prospect-Lost ----
as tom expect_exit 0 "$LEAD" --json opp new "$L1" --item Payroll --qty 12 --price 4000
O3=$(json 'd["opportunity"]["id"]' <<<"$OUT")
expect_eq '[null, "prospect-Qualified"]' "$(json '[d["new_status"], d["lead"]["status"]]' <<<"$OUT")" \
	"past the lead stage: nothing converts"
as tom expect_exit 5 "$LEAD" opp lost "$O3" --reason "Chose a rival"
expect_match "$ERR" "add --other, as in --reason TEXT --other" "a reason off the lists: lead says how"
as tom expect_exit 0 "$LEAD" opp lost "$O3" --reason "Chose a rival" --other
expect_eq "lost: opportunity $O3 'Payroll outsourcing', 48000.00 EUR, lost $TODAY: Chose a rival
lead $L1: prospect-Qualified -> prospect-Lost (Chose a rival)" "$OUT" "lost moves the lead"
as tom expect_exit 0 "$LEAD" --json opp ls --lost
expect_eq "[$O2, $O3]" "$(json 'sorted(o["id"] for o in d)' <<<"$OUT")" "--lost lists the lost ones"

# ---- a dead or lost lead refuses an opportunity ----
as ana expect_exit 5 "$LEAD" opp new "$L3" --item Scanner --price 100
expect_match "$ERR" "reopen it first \(lead reopen $L3\)" "a dead lead"
as tom expect_exit 5 "$LEAD" opp new "$L1" --item Payroll --price 100
expect_match "$ERR" "reopen it first" "a lost lead"

# ---- lead convert: from the lead stage only ----
as tom expect_exit 0 "$LEAD" add "Fleet cards" --value 2000
L6=$OUT
as tom expect_exit 0 "$LEAD" convert "$L6"
expect_eq "lead $L6: lead-New -> prospect-Qualified" "$OUT" "convert from the lead stage"
as tom expect_exit 5 "$LEAD" convert "$L6"
expect_match "$ERR" "prospect" "a lead past the lead stage is refused, naming its stage"
as tom expect_exit 0 "$LEAD" add "Fuel cards" --value 2000
L7=$OUT
as tom expect_exit 2 "$LEAD" convert "$L7" --to prospect-Lost
expect_match "$ERR" "is of class lost" "convert --to a lost status is refused"
as tom expect_exit 2 "$LEAD" convert "$L7" --to customer-Won
expect_match "$ERR" "customer" "convert --to another stage is refused, naming it"
as tom expect_exit 0 "$LEAD" --json convert "$L7" --to prospect-qual
expect_eq "prospect-Qualified" "$(json 'd["status"]' <<<"$OUT")" "convert --to a prospect status"
as bob expect_exit 3 "$LEAD" convert "$L7"

# ---- lead watch: an opportunity's line ----
WATCH_OUT="$LEADD_DIR/watch.out"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-tom" "$LEAD" watch >"$WATCH_OUT" 2>&1 &
BG_PIDS+=($!)
for _ in $(seq 50); do grep -q "^-- watching" "$WATCH_OUT" 2>/dev/null && break; sleep 0.1; done
as tom expect_exit 0 "$LEAD" add "Lockers" --value 100
L8=$OUT
as tom expect_exit 0 "$LEAD" qualify "$L8"
as tom expect_exit 0 "$LEAD" opp new "$L8" --item Locker --qty 4 --price 25
O4=$(sed -n 's/^added opportunity \([0-9]*\) .*/\1/p' <<<"$OUT")
for _ in $(seq 50); do grep -q "opportunity $O4" "$WATCH_OUT" && break; sleep 0.1; done
expect_match "$(cat "$WATCH_OUT")" \
	"tom: lead $L8 'Lockers' opportunity $O4 'Lockers', 100.00 EUR added; lead-Qualified -> prospect-Qualified \(rev [0-9]+\)$" \
	"lead watch names the opportunity and the conversion"

# ---- lead kpi: open opportunities by class ----
as tom expect_exit 0 "$LEAD" kpi
expect_match "$OUT" '^OPEN OPPORTUNITIES +CLASS +OPPS +AMOUNT +WEIGHTED$' "kpi's opportunities table"
expect_match "$OUT" '^tom +prospect +1 +100.00 EUR +10.00 EUR$' "tom's open one, by class"
as tom expect_exit 0 "$LEAD" --json kpi
expect_eq '["100.00", "10.00"]' \
	"$(json '[d["total"]["opps"]["prospect"]["EUR"]["amount"]["amount"], d["total"]["forecast"]["EUR"]["weighted"]["amount"]]' <<<"$OUT")" \
	"kpi --json: opps per class and the forecast"

# ---- lead watch: a lost one's line (the sentence says lost; the lead's move) ----
as tom expect_exit 0 "$LEAD" add "Benches" --value 100
L9=$OUT
as tom expect_exit 0 "$LEAD" opp new "$L9" --item Bench --qty 2 --price 50
O5=$(sed -n 's/^added opportunity \([0-9]*\) .*/\1/p' <<<"$OUT")
as tom expect_exit 0 "$LEAD" opp lost "$O5" --reason "bought elsewhere" --other
for _ in $(seq 50); do grep -q "opportunity $O5 .*lost" "$WATCH_OUT" && break; sleep 0.1; done
expect_match "$(cat "$WATCH_OUT")" \
	"tom: lead $L9 'Benches' opportunity $O5 'Benches', 100.00 EUR, lost $TODAY: bought elsewhere; prospect-Qualified -> prospect-Lost \(rev [0-9]+\)$" \
	"lead watch: a lost opportunity, its reason, the lead's move"

stop_leadd
