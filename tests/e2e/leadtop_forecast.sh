# leadtop's forecast line (issue 15): on a manager's dashboard (80
# columns), a rep's `lead opp new` on a qualified lead converts it and
# puts a forecast line under the rep's row, the team's total and the total
# within one second (amount, and amount x 10 % for prospect-Qualified); a
# second currency gets lines of its own, never added to the first; `lead
# opp won` takes the opportunity out of the open forecast. `lead kpi
# --watch` follows the same changes with the same applier, and `leadtop
# --once --json` carries the forecast as `lead --json kpi` does; a status's
# probability edited (a snapshot) weighs the lines anew.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
make_sales_floor
# A qualified lead of ana's in dollars, beside tom's in euros (L2).
lead_ok add "東京オフィス移転" --owner ana --client "山田商事" --value 2000 --currency USD
L6=$OUT
lead_ok status "$L6" qualified

# opp_new USER LEAD ARGS...: USER runs lead opp new; the id in $OPP.
opp_new() {
	local who=$1
	shift
	as "$who" expect_exit 0 "$LEAD" --json opp new "$@"
	OPP=$(json 'd["opportunity"]["id"]' <<<"$OUT")
}

# The forecast lines under a row: the lines after the one matching ^ROW
# that start with "   forecast", in $FC.
forecast_of() {
	FC=$(awk -v row="$1" '
		found && /^   forecast/ { print; next }
		found { exit }
		index($0, row) == 1 && substr($0, length(row) + 1, 1) == " " { found = 1 }
	' <<<"$SCREEN")
}

lt_start m 80 30 maria
lt_wait_for m 'live, revision [0-9]+' 3 "maria's dashboard is live"
expect_no_match "$SCREEN" 'forecast' "no forecast line before any opportunity"

# A manager's `lead kpi --watch --json`, beside the dashboard.
as maria "$LEAD" --json kpi --watch >"$LEADD_DIR/watch" 2>"$LEADD_DIR/watch.err" &
BG_PIDS+=($!)

# ---- tom's first opportunity: two items, 10 x 120 + 300 = 1500 EUR ----
opp_new tom "$L2" --item Licences --qty 10 --price 120 --item Setup --qty 1 --price 300
O1=$OPP
lt_wait_for m '^   forecast +1 open +1500\.00 EUR +weighted 150\.00 EUR' 1 "tom's forecast line appears"
echo "maria's dashboard: ${WAITED_MS} ms"
forecast_of tom
expect_match "$FC" '^   forecast +1 open +1500\.00 EUR +weighted 150\.00 EUR$' "the line is under tom's row"
forecast_of "sales total"
expect_match "$FC" '^   forecast +1 open +1500\.00 EUR +weighted 150\.00 EUR$' "and under the team's total"
forecast_of total
expect_match "$FC" '^   forecast +1 open +1500\.00 EUR +weighted 150\.00 EUR$' "and under the total"
lt_wait_for m "tom: opportunity $O1 added on lead $L2, 1500\\.00 EUR; lead -> prospect-Q" 1 "the feed says so"
# The lead converted in the same change: tom's row has it in prospect.
expect_match "$SCREEN" '^tom +0 +0 -1 +0 +2 \+1 +0 +0$' "L2 converted to prospect"
lt_capture m -e
expect_match "$(grep -a 'forecast' <<<"$SCREEN" | head -n 1)" $'\e\\[[0-9;]*43[;m]' "the changed line is highlighted"

# ---- a second currency: ana in dollars, its own lines ----
opp_new ana "$L6" --item "Move" --qty 1 --price 2000 --close 2027-01-15
O2=$OPP
lt_wait_for m '^   forecast +1 open +2000\.00 USD +weighted 200\.00 USD$' 1 "ana's forecast line"
forecast_of total
expect_eq 2 "$(wc -l <<<"$FC")" "the total has a line per currency"
expect_match "$FC" '1500\.00 EUR' "euros apart"
expect_match "$FC" '2000\.00 USD' "dollars apart"
expect_no_match "$SCREEN" '3500' "never added across currencies"

# ---- a second opportunity of tom's (L1, already a prospect: no
# conversion), then the first one won: out of the open forecast ----
opp_new tom "$L1" --item Support --qty 12 --price 50
lt_wait_for m '^   forecast +2 open +2100\.00 EUR +weighted 210\.00 EUR$' 1 "tom's line changes"
as tom expect_exit 0 "$LEAD" opp won "$O1"
lt_wait_for m '^   forecast +1 open +600\.00 EUR +weighted 60\.00 EUR$' 1 "won: it leaves the open forecast"
lt_wait_for m "tom: opportunity $O1 won on lead $L2, 1500\\.00 EUR; lead -> customer-Won" 1 "the feed: won"
forecast_of tom
expect_match "$FC" '^   forecast +1 open +600\.00 EUR +weighted 60\.00 EUR$' "tom's line"
expect_eq 1 "$(wc -l <<<"$FC")" "tom has one line: euros only"

# Every line fits the 80 columns.
lt_capture m
expect_eq 1 "$(max_width <<<"$SCREEN" | awk '{ print ($1 <= 80) }')" "the screen fits 80 columns"

# ---- --once --json: the forecast as lead --json kpi has it ----
as maria expect_exit 0 "$LEADTOP" --once --json
once=$OUT
as maria expect_exit 0 "$LEAD" --json kpi
expect_eq "$(json 'd["total"]["forecast"]' <<<"$OUT")" "$(json 'd["kpi"]["total"]["forecast"]' <<<"$once")" "--once --json's forecast"
expect_eq '{"opps": 1, "amount": {"amount": "600.00", "minor": 60000, "currency": "EUR"}, "weighted": {"amount": "60.00", "minor": 6000, "currency": "EUR"}}' \
	"$(json 'd["kpi"]["owners"]["tom"]["forecast"]["EUR"]' <<<"$once")" "tom's forecast in --once --json"
# --once's text at 80 columns: the same lines, and none wider.
as maria expect_exit 0 env COLUMNS=80 "$LEADTOP" --once
expect_match "$OUT" '^   forecast +1 open +2000\.00 USD +weighted 200\.00 USD$' "--once's text"
expect_eq 1 "$(max_width <<<"$OUT" | awk '{ print ($1 <= 80) }')" "--once fits 80 columns"

# ---- ana's won too: the total keeps tom's euros only ----
as ana expect_exit 0 "$LEAD" opp won "$O2"
lt_wait_gone m '^   forecast.* USD' 1 "no dollars left in the open forecast"
forecast_of ana
expect_eq "" "$FC" "ana has no forecast line left"

# ---- a status's probability edited: a snapshot, the weighted amount follows ----
lead_ok admin status edit prospect-Qualified --probability 20
lt_wait_for m '^   forecast +1 open +600\.00 EUR +weighted 120\.00 EUR$' 2 "the new probability weighs tom's line"

# lead kpi --watch applied the same deltas: its last document has the
# forecast a fresh lead kpi reads.
as maria expect_exit 0 "$LEAD" --json kpi
want=$(json 'd["total"]["forecast"]' <<<"$OUT")
for ((i = 0; i < 20; i++)); do
	got=$(tail -n 1 "$LEADD_DIR/watch" | json 'd["total"]["forecast"]' 2>/dev/null || true)
	[ "$got" = "$want" ] && break
	sleep 0.05
done
expect_eq "$want" "$got" "lead kpi --watch's forecast"

lt_keys m q
expect_eq 0 "$(lt_exit_status m)" "leadtop's exit status after q"
tmux_ kill-server 2>/dev/null || true
stop_leadd
