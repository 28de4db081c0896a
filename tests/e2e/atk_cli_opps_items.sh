#!/usr/bin/env bash
# Issue 15 attacks: the items of `lead opp new` and `lead opp edit` typed as
# a hurried rep types them. A second --price or --qty for one --item (the
# next --item forgotten) is refused, not silently taken over the first; a
# price too large to hold is "too large" with the most an opportunity may
# come to, not "an amount like 450.50"; commas, exponents, signs and
# decimals the currency does not have (EUR, JPY) are refused before any
# request, and nothing is written by a refused command. An option whose
# value was forgotten (--item --price 1, --reason --other) is named.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L2 tom lead-Qualified 500 EUR, L5 bob 1000 JPY

# ---- a second --price or --qty for the same item ----
as tom expect_exit 2 "$LEAD" opp new "$L2" --item Tiles --qty 3 --price 10 --qty 4 --price 20
expect_match "$ERR" "--item 'Tiles' has its --qty already \(3\)" "a second --qty for one item"
expect_match "$ERR" "--item NAME before" "says to start the next item with --item"
as tom expect_exit 2 "$LEAD" opp new "$L2" --item Tiles --price 10 --price 20
expect_match "$ERR" "--item 'Tiles' has its --price already \(10\)" "a second --price for one item"
as tom expect_exit 2 "$LEAD" opp edit 1 --item Tiles --price 10 --price 20
expect_match "$ERR" "--item 'Tiles' has its --price already" "the same in opp edit"
as tom expect_exit 0 "$LEAD" --json opp ls
expect_eq "[]" "$(json 'd' <<<"$OUT")" "nothing was written"
# Each --item takes its own: in any order after its --item.
as tom expect_exit 0 "$LEAD" --json opp new "$L2" --item A --price 1.50 --qty 3 --item B --price 2
expect_eq "A 3 1.50 B 1 2.00" \
	"$(json '" ".join("%s %d %s" % (i["name"], i["quantity"], i["unit_price"]["amount"]) for i in d["opportunity"]["items"])' <<<"$OUT")" \
	"items, each with its own quantity and price"

# ---- a value forgotten: getopt hands the option the next option ----
# `--item --price 1` made an item named "--price" and left "1" over ("takes
# at most 1 argument"); `--reason --other` recorded the reason "--other".
as tom expect_exit 2 "$LEAD" opp new "$L2" --item --price 1
expect_match "$ERR" "^lead: --item needs a value before the next option \('--price'\); give it as --item NAME" \
	"--item without its name"
as tom expect_exit 2 "$LEAD" opp new "$L2" --item A --price 1 --title --close 2027-01-31
expect_match "$ERR" "^lead: --title needs a value before the next option" "--title without its text"
as tom expect_exit 2 "$LEAD" opp edit 1 --title --probability 5
expect_match "$ERR" "^lead: --title needs a value before the next option" "the same in opp edit"
as tom expect_exit 2 "$LEAD" opp lost 1 --reason --other
expect_match "$ERR" "^lead: --reason needs a value before the next option \('--other'\); give it as --reason TEXT" \
	"--reason without its text"

# ---- prices ----
# A comma is the decimal mark too; signs, exponents, more decimals than the
# currency has and thousands marks are refused, naming the currency.
as tom expect_exit 0 "$LEAD" --json opp new "$L2" --item A --price 12,50
expect_eq 1250 "$(json 'd["opportunity"]["amount"]["minor"]' <<<"$OUT")" "12,50 EUR"
for p in 1e3 -5 0.001 1.234,50 0x10 ""; do
	as tom expect_exit 2 "$LEAD" opp new "$L2" --item A --price "$p"
	expect_match "$ERR" "--price wants an amount of 0 or more like 450.50 \(EUR has 2 decimals\), not '$p'" \
		"price '$p' in EUR"
done
for p in 12,50 0.5; do
	as bob expect_exit 2 "$LEAD" opp new "$L5" --item A --price "$p"
	expect_match "$ERR" "--price wants an amount of 0 or more like 45050 \(JPY has 0 decimals\), not '$p'" \
		"price '$p' in JPY"
done
# Too large to hold at all: "too large", with the most there may be, as
# the server says it for a price it can hold.
for p in 92233720368547758.08 99999999999999999999; do
	as tom expect_exit 2 "$LEAD" opp new "$L2" --item A --price "$p"
	expect_match "$ERR" "^lead: --price $p is too large: an opportunity may come to at most 46116860184273.87 EUR" \
		"price $p"
	expect_no_match "$ERR" "like 450.50" "price $p is not called malformed"
done
as tom expect_exit 2 "$LEAD" opp new "$L2" --item A --price 46116860184273.88
expect_match "$ERR" "item 1 \('A'\) is too large: quantity times unit price may come to at most 46116860184273.87 EUR" \
	"just past the limit: the server's sentence"
as bob expect_exit 2 "$LEAD" opp new "$L5" --item A --price 9223372036854775808
expect_match "$ERR" "^lead: --price 9223372036854775808 is too large: an opportunity may come to at most 4611686018427387 JPY" \
	"too large in JPY"
as tom expect_exit 0 "$LEAD" --json opp new "$L2" --item A --qty 1000000000 --price 46116.86
expect_eq 4611686000000000 "$(json 'd["opportunity"]["amount"]["minor"]' <<<"$OUT")" \
	"a billion at the largest price that fits"

stop_leadd
