#!/usr/bin/env bash
# Sums past what an int64 holds, as lead prints them. leadd keeps 128-bit
# sums and sends one past int64 as INT64_MAX (docs/protocol.md, "KPI
# counts"); lead printed that as an exact amount. Now a sum (kpi's open
# value, a client folder's total, the forecast) at INT64_MAX is "at least"
# in tables and has "at_least": true in JSON, while one lead's value of
# INT64_MAX minor units stays exact. `lead kpi --watch` cannot add a change
# to such a sum: it keeps "at least" and says so once (it added into a
# signed overflow before). A weighted forecast whose exact hundredths
# (weighted_x100) are past int64 while the weighted amount itself is not
# is shown from that amount, also under --watch.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

MAX=9223372036854775807
start_leadd

# ---- values: one lead's is exact, a sum past int64 is "at least" ----
a=$(proto_create_lead "Most in EUR" "value=$MAX EUR" "client_name=Globex") || fail "create: $a"
b=$(proto_create_lead "Most again" "value=$MAX EUR" "client_name=Globex") || fail "create: $b"
lead_ok qualify "$b"
lead_ok show "$a"
expect_match "$OUT" "92233720368547758.07 EUR" "one lead's value of INT64_MAX minor units"
expect_no_match "$OUT" "at least" "... is exact, not 'at least'"
lead_ok kpi
expect_match "$OUT" "^total .* at least 92233720368547758\.07 EUR\$" \
	"kpi: the open value of two such leads is at least the largest int64"
lead_ok --json kpi
expect_eq '{"amount": "92233720368547758.07", "minor": "9223372036854775807", "currency": "EUR", "at_least": true}' \
	"$(json 'd["total"]["open_value"]["EUR"]' <<<"$OUT")" "kpi --json: the sum says at_least"
lead_ok client show Globex
expect_match "$OUT" "^lead-New +1 +92233720368547758\.07 EUR\$" "a status's total of one lead: exact"
expect_match "$OUT" "^total +2 +at least 92233720368547758\.07 EUR\$" "the folder's total: at least"

# ---- kpi --watch: a change to a sum past int64 keeps "at least", said once ----
W=$LEADD_DIR/watch
"$LEAD" kpi --watch >"$W" 2>"$W.err" &
WPID=$!
BG_PIDS+=("$WPID")
wait_for()
{
	local i
	for ((i = 0; i < 500; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	fail "no line matching /$2/ in $(basename "$1") within 5 s: $(cat "$1" "$1.err")"
}
wait_for "$W" "^-- counts at revision"
lead_ok add "Small" --value 1 --owner admin
lead_ok add "Small too" --value 2 --owner admin
wait_for "$W" "lead $OUT created"
wait_for "$W" "^total +3 "
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
expect_eq 1 "$(grep -c "touched a sum past what an int64 holds" "$W.err")" \
	"kpi --watch says once that a change touched a sum past int64"
expect_eq "total              3          1     0         0    0     0  at least 92233720368547758.07 EUR" \
	"$(grep '^total ' "$W" | tail -1)" "... and keeps it 'at least' (no overflow into a wrong amount)"

# ---- the forecast: weighted hundredths past int64, the weighted amount exact ----
# 11 leads with 20 opportunities each at the most one may come to
# (46116860184273.87 EUR): 1014570924054025140 minor units, weighted at 10 %
# (prospect-Qualified) 101457092405402514; in hundredths 10145709240540251400,
# past int64.
for ((l = 0; l < 11; l++)); do
	lead_ok add "Fleet $l" --owner admin
	id=$OUT
	for ((o = 0; o < 20; o++)); do
		lead_ok opp new "$id" --item Ships --price 46116860184273.87
	done
done
lead_ok forecast
expect_match "$OUT" " 220 +10145709240540251\.40 EUR +1014570924054025\.14 EUR" \
	"forecast: the amount, and the weighted amount exact though its hundredths are past int64"
lead_ok --json kpi
expect_eq '{"opps": 220, "amount": {"amount": "10145709240540251.40", "minor": "1014570924054025140", "currency": "EUR"}, "weighted": {"amount": "1014570924054025.14", "minor": "101457092405402514", "currency": "EUR"}}' \
	"$(json 'd["total"]["forecast"]["EUR"]' <<<"$OUT")" "kpi --json: the forecast, exact"
"$LEAD" --json kpi --watch >"$W.json" 2>"$W.json.err" &
WPID=$!
BG_PIDS+=("$WPID")
wait_for "$W.json" '^\{"revision":'
lead_ok add "Fleet 11" --owner admin
lead_ok opp new "$OUT" --item Ships --price 46116860184273.87
wait_for "$W.json" '"opps":221'
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
# 221 x 4611686018427387 = 1019182610072452527; a tenth, rounded: 101918261007245253.
expect_eq '{"opps": 221, "amount": {"amount": "10191826100724525.27", "minor": "1019182610072452527", "currency": "EUR"}, "weighted": {"amount": "1019182610072452.53", "minor": "101918261007245253", "currency": "EUR"}}' \
	"$(tail -1 "$W.json" | json 'd["total"]["forecast"]["EUR"]')" \
	"kpi --watch: the forecast after one more, exact (it dropped the currency before)"
lead_ok --json kpi
expect_eq "$(json 'd["total"]["forecast"]' <<<"$OUT")" \
	"$(tail -1 "$W.json" | json 'd["total"]["forecast"]')" "... as a fresh lead kpi gives it"

stop_leadd
