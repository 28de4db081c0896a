# `lead kpi` on a known sales floor: the table (reps, pool, team totals,
# total, open value per currency), --by team, --team, what a rep sees, the
# JSON the issue specifies, and the --since flow.
# Needs the KPI counters (kpi_get) on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor

# Now: L1 tom prospect 48000 EUR, L2 tom qualified 500 EUR, L3 ana dead
# 62000 USD, L4 sales pool new, L5 bob new 1000 JPY.
lead_ok kpi
expect_match "$OUT" '^ +NEW +QUALIFIED +DEAD +PROSPECT +WON +LOST +OPEN VALUE$' "kpi header"
expect_match "$OUT" '^tom +0 +1 +0 +1 +0 +0 +48500\.00 EUR$' "tom's row"
expect_match "$OUT" '^ana +0 +0 +1 +0 +0 +0 +-$' "ana's row: dead is not open"
expect_match "$OUT" '^\(pool\) +1 +0 +0 +0 +0 +0 +-$' "the sales pool"
expect_match "$OUT" '^sales total +1 +1 +1 +1 +0 +0 +48500\.00 EUR$' "sales total"
expect_match "$OUT" '^bob +1 +0 +0 +0 +0 +0 +1000 JPY$' "bob's row"
expect_match "$OUT" '^total +2 +1 +1 +1 +0 +0 +48500\.00 EUR$' "total"
# A second currency goes on the next line, in the same column.
expect_match "$(grep -A1 '^total' <<<"$OUT" | tail -1)" '^ +1000 JPY$' "total's JPY line"
# The order: the team's reps, then its total.
block=$(grep -A3 '^ana ' <<<"$OUT" | sed -E 's/ +[0-9].*$//')
expect_eq $'ana\ntom\n(pool)\nsales total' "$block" "the team's reps by name, its pool, then its total"
# The columns line up: OPEN VALUE ends in one column.
ends=$(awk 'NR > 1 { print length($0) }' <<<"$OUT" | sort -u | wc -l)
expect_eq 1 "$ends" "kpi columns right-aligned"

# One money format: ls, show and kpi print an amount the same way.
lead_ok ls --status prospect
expect_match "$OUT" ' 48000\.00 EUR' "ls prints money as kpi does"
lead_ok show "$L1"
expect_match "$OUT" '^value: +48000\.00 EUR$' "show prints money as kpi does"

lead_ok --json kpi
expect_match "$(json 'd["revision"]' <<<"$OUT")" '^[0-9]+$' "json revision"
expect_eq '{"new": 2, "qualified": 1, "dead": 1, "prospect": 1, "won": 0, "lost": 0, "open_value": {"EUR": {"amount": "48500.00", "minor": 4850000, "currency": "EUR"}, "JPY": {"amount": "1000", "minor": 1000, "currency": "JPY"}}, "opps": {}, "forecast": {}}' \
	"$(json 'd["total"]' <<<"$OUT")" "json total"
expect_eq 4850000 "$(json 'd["owners"]["tom"]["open_value"]["EUR"]["minor"]' <<<"$OUT")" "json tom open value"
expect_eq 1 "$(json 'd["owners"]["ana"]["dead"]' <<<"$OUT")" "json ana"
expect_eq 1 "$(json 'd["teams"]["sales"]["new"]' <<<"$OUT")" "json team counts its pool"
expect_eq 1 "$(json 'd["pools"]["sales"]["new"]' <<<"$OUT")" "json pool"
expect_eq 1 "$(json 'd["teams"]["ops"]["new"]' <<<"$OUT")" "json ops"
expect_eq null "$(json 'd.get("flow")' <<<"$OUT")" "no flow without --since"

lead_ok kpi --by team
expect_match "$OUT" '^sales +1 +1 +1 +1 +0 +0 +48500\.00 EUR$' "--by team sales"
expect_match "$OUT" '^ops +1 +0 +0 +0 +0 +0 +1000 JPY$' "--by team ops"
expect_no_match "$OUT" '^tom ' "--by team has no reps"
lead_ok kpi --team ops
expect_no_match "$OUT" '^(tom|ana) ' "--team ops: ops only"
expect_match "$OUT" '^total +1 +0 +0 +0 +0 +0 +1000 JPY$' "--team ops total"

# A rep sees their own row (and their team's pool), nobody else's.
as tom expect_exit 0 "$LEAD" --json kpi
expect_eq '["tom"]' "$(json 'sorted(d["owners"])' <<<"$OUT")" "tom sees his own row"
as maria expect_exit 0 "$LEAD" --json kpi
# A manager: the members of the teams they manage, and their own row.
expect_eq '["ana", "maria", "tom"]' "$(json 'sorted(d["owners"])' <<<"$OUT")" "maria sees her team"
as bob expect_exit 0 "$LEAD" kpi
expect_no_match "$OUT" '^tom ' "bob does not see tom"

# ---- the flow since a week ago ----
lead_ok kpi --since 7d
expect_match "$OUT" '^From [0-9-]{10} [0-9:]{5} [A-Za-z0-9+-]+ to [0-9-]{10} [0-9:]{5} [A-Za-z0-9+-]+:$' "flow period"
expect_match "$OUT" '^created: +5$' "flow created"
expect_match "$OUT" '^qualified: +2$' "flow qualified (L1, L2)"
expect_match "$OUT" '^dead: +1$' "flow dead"
expect_match "$OUT" '^converted: +1$' "flow converted (L1)"
expect_match "$OUT" '^new -> qualified: +40\.0%$' "rate new -> qualified"
expect_match "$OUT" '^qualified -> prospect: +50\.0%$' "rate qualified -> prospect"
expect_match "$OUT" '^STATUS +MEDIAN TIME +LEADS$' "time in status table"
expect_match "$OUT" '^lead-New +[0-9<][0-9a-z <]* +3$' "three leads left lead-New"
expect_match "$OUT" '^SOURCE +CREATED +QUALIFIED +CONVERTED +RATE$' "by source table"
expect_match "$OUT" '^referral +1 +1 +1 +100\.0%$' "referral converted"
lead_ok --json kpi --since 2026-01-01
expect_eq 5 "$(json 'd["flow"]["created"]' <<<"$OUT")" "json flow created"
expect_eq 2026-01-01T00:00:00Z "$(json 'd["flow"]["since"]' <<<"$OUT")" "json flow since, RFC 3339 UTC"
expect_eq 0.4 "$(json 'd["flow"]["rates"]["new_to_qualified"]' <<<"$OUT")" "json rate"
expect_eq 3 "$(json 'd["flow"]["time_in_status"]["lead-New"]["samples"]' <<<"$OUT")" "json time in status"
expect_eq 1 "$(json 'd["flow"]["by_source"]["trade fair"]["qualified"]' <<<"$OUT")" "json by source"

stop_leadd
