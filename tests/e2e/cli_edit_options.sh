#!/usr/bin/env bash
# lead edit as a rep types it: --next DATE with --next-note TEXT (--next none
# clears both, --next-note alone sets the note), --currency on its own (the
# same amount in another currency, or a sentence saying why not), --value
# none, --source and --description ("" clears), and an edit that changes
# nothing (no new version). lead add --next-note needs --next.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

# field ID EXPR: EXPR over `lead --json show ID` (d).
field()
{
	expect_exit 0 "$LEAD" --json show "$1"
	json "$2" <<<"$OUT"
}

start_leadd
lead_ok user add tom --role rep --password-stdin <<<"tom-password-1"
as_tom()
{
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-tom" "$@"
}
mkdir -p "$LEADD_DIR/cfg-tom"
as_tom expect_exit 0 "$LEAD" login tom --password-stdin <<<"tom-password-1"

# ---- lead add --next-note ----
as_tom expect_exit 2 "$LEAD" add "Note alone" --next-note "call back"
expect_match "$ERR" "give its time too, e.g. --next \\+1d --next-note" "add --next-note needs --next"
# The example the message gives is one lead takes (it once said --next
# tomorrow, which is no DATE).
as_tom expect_exit 0 "$LEAD" add "Note with a time" --next +1d --next-note "call back"
as_tom expect_exit 0 "$LEAD" add "Website redesign" --value 1234.50 --next 2027-01-05T09:30 \
	--next-note "send the quote"
id=$OUT
expect_eq "2027-01-05T09:30:00Z send the quote" \
	"$(field "$id" 'd["next_action"] + " " + d["next_action_note"]')" "add --next --next-note"

# ---- --next, --next-note ----
as_tom expect_exit 0 "$LEAD" edit "$id" --next-note "call about the quote"
expect_eq "2027-01-05T09:30:00Z call about the quote" \
	"$(field "$id" 'd["next_action"] + " " + d["next_action_note"]')" \
	"--next-note alone changes the note, keeps the time"
as_tom expect_exit 0 "$LEAD" edit "$id" --next 2027-02-01T14:00 --next-note "demo"
expect_eq "2027-02-01T14:00:00Z demo" \
	"$(field "$id" 'd["next_action"] + " " + d["next_action_note"]')" "--next with --next-note"
as_tom expect_exit 0 "$LEAD" --json edit "$id" --next-note ""
expect_eq "None" "$(json 'str(d["next_action_note"])' <<<"$OUT")" '--next-note "" clears the note'
as_tom expect_exit 0 "$LEAD" edit "$id" --next-note "demo"
# --next-note alone describes the lead's own next action: on a lead with
# none it is refused, as lead add refuses it (a note with no time is no
# plan), and nothing is written; with --next it is fine.
as_tom expect_exit 0 "$LEAD" add "No plan yet"
noplan=$OUT
v=$(field "$noplan" 'd["version"]')
as_tom expect_exit 2 "$LEAD" edit "$noplan" --next-note "call back"
expect_match "$ERR" "^lead: lead $noplan has no next action: give its time too, e.g. --next \\+1d --next-note \"call back\"$" \
	"--next-note alone on a lead with no next action"
expect_eq "$v None" "$(field "$noplan" '"%d %s" % (d["version"], d["own_next_action_note"])')" \
	"the refused note was not written"
# An open task as the next action is not the lead's own.
as_tom expect_exit 0 "$LEAD" task "$noplan" "send the quote" --due +2d
as_tom expect_exit 2 "$LEAD" edit "$noplan" --next-note "call back"
expect_match "$ERR" "lead $noplan has no next action of its own \(its next action is activity $noplan\.1\): give its time too" \
	"--next-note alone while an activity is the next action"
as_tom expect_exit 0 "$LEAD" edit "$noplan" --next +1d --next-note "call back"
expect_eq "call back" "$(field "$noplan" 'd["next_action_note"]')" "--next with --next-note: the own one, earlier than the task, is the next action"
as_tom expect_exit 2 "$LEAD" edit "$id" --next none --next-note "x"
expect_match "$ERR" "--next none clears the next action and its note" "none with a note"
as_tom expect_exit 0 "$LEAD" edit "$id" --next none
expect_eq "None None" "$(field "$id" 'str(d["next_action"]) + " " + str(d["next_action_note"])')" \
	"--next none clears both"
as_tom expect_exit 0 "$LEAD" edit "$id" --next 2027-03-01T08:00
as_tom expect_exit 0 "$LEAD" ls --next-before 2027-04-01
expect_match "$OUT" "Website redesign .* 2027-03-01 08:00 UTC$" "ls NEXT shows it"

# ---- --currency alone ----
v=$(field "$id" 'd["version"]')
as_tom expect_exit 0 "$LEAD" edit "$id" --currency usd
expect_match "$OUT" '^value: +1234\.50 USD$' "1234.50 EUR becomes 1234.50 USD"
expect_eq '{"amount": "1234.50", "minor": 123450, "currency": "USD"}' "$(field "$id" 'd["value"]')" \
	"the same minor units"
v2=$(field "$id" 'd["version"]')
[ "$v2" -gt "$v" ] || fail "--currency made no new version ($v -> $v2)"
as_tom expect_exit 2 "$LEAD" edit "$id" --currency JPY
expect_match "$ERR" "lead $id's value 1234\\.50 USD cannot be written in JPY, which has 0 decimals: give the amount too, --value AMOUNT --currency JPY" \
	"12.34-style amounts have no JPY form: a sentence"
expect_eq "$v2" "$(field "$id" 'd["version"]')" "a refused --currency changes nothing"
as_tom expect_exit 0 "$LEAD" edit "$id" --currency BHD
expect_eq '{"amount": "1234.500", "minor": 1234500, "currency": "BHD"}' "$(field "$id" 'd["value"]')" \
	"two decimals into three: x10"
as_tom expect_exit 2 "$LEAD" edit "$id" --currency JPY
expect_match "$ERR" "1234\\.500 BHD cannot be written in JPY" "three decimals into none"
as_tom expect_exit 0 "$LEAD" edit "$id" --value 1234 --currency EUR
as_tom expect_exit 0 "$LEAD" edit "$id" --currency JPY
expect_eq '{"amount": "1234", "minor": 1234, "currency": "JPY"}' "$(field "$id" 'd["value"]')" \
	"1234.00 EUR is 1234 JPY"
as_tom expect_exit 0 "$LEAD" edit "$id" --currency BHD
expect_eq '{"amount": "1234.000", "minor": 1234000, "currency": "BHD"}' "$(field "$id" 'd["value"]')" \
	"no decimals into three"
as_tom expect_exit 2 "$LEAD" edit "$id" --currency XYZ
expect_match "$ERR" "ISO 4217" "an unknown currency"
as_tom expect_exit 2 "$LEAD" edit "$id" --currency eu
expect_match "$ERR" "ISO 4217" "not three letters"
# Too large for the new currency's minor units: refused, not wrapped.
as_tom expect_exit 0 "$LEAD" add "Huge" --value 92233720368547749.99
huge=$OUT
as_tom expect_exit 2 "$LEAD" edit "$huge" --currency BHD
expect_match "$ERR" "is too large to write in BHD" "an overflow is refused"
expect_eq "9223372036854774999 EUR" "$(field "$huge" 'd["value"]["minor"] + " " + d["value"]["currency"]')" \
	"unchanged"
# The largest value the currency holds is taken; one unit more is told as
# too large, naming the most (not "wants an amount like 1234.50").
as_tom expect_exit 0 "$LEAD" add "Most" --value 92233720368547757.99
as_tom expect_exit 2 "$LEAD" add "Past most" --value 92233720368547758
expect_match "$ERR" "^lead: --value 92233720368547758 is too large: it may be at most 92233720368547757.99 EUR" \
	"a value one unit past the most (add)"
as_tom expect_exit 2 "$LEAD" edit "$id" --value 99999999999999999999 --currency JPY
expect_match "$ERR" "^lead: --value 99999999999999999999 is too large: it may be at most 9223372036854775806 JPY" \
	"a value past the most (edit, JPY)"

# ---- --value none, and --currency on a lead without a value ----
as_tom expect_exit 2 "$LEAD" edit "$id" --value none --currency EUR
expect_match "$ERR" "--value none clears the value: leave out --currency" "none with a currency"
as_tom expect_exit 0 "$LEAD" edit "$id" --value none
expect_eq "None" "$(field "$id" 'str(d["value"])')" "--value none"
as_tom expect_exit 2 "$LEAD" edit "$id" --currency EUR
expect_match "$ERR" "lead $id has no value to put in EUR: give the amount too, e.g. --value 5000 --currency EUR" \
	"--currency on a lead without a value"
as_tom expect_exit 0 "$LEAD" edit "$id" --value 99 --currency JPY
expect_eq '{"amount": "99", "minor": 99, "currency": "JPY"}' "$(field "$id" 'd["value"]')" \
	"--value with --currency"

# ---- --source, --description: set, then "" clears ----
as_tom expect_exit 0 "$LEAD" edit "$id" --source "trade fair" --description "Two floors"
expect_eq "trade fair|Two floors" "$(field "$id" 'd["source"] + "|" + d["description"]')" "set"
as_tom expect_exit 0 "$LEAD" edit "$id" --source ""
expect_eq "None|Two floors" "$(field "$id" 'str(d["source"]) + "|" + d["description"]')" \
	'--source "" clears the source only'
as_tom expect_exit 0 "$LEAD" edit "$id" --description ""
expect_eq "None" "$(field "$id" 'str(d["description"])')" '--description "" clears'
as_tom expect_exit 0 "$LEAD" show "$id"
expect_match "$OUT" '^description: +-$' "show: no description"
expect_match "$OUT" '^source: +-$' "show: no source"

# ---- an edit that changes nothing ----
before=$(field "$id" '__import__("json").dumps(d, sort_keys=True)')
v=$(field "$id" 'd["version"]')
as_tom expect_exit 0 "$LEAD" edit "$id" --title "Website redesign" --value 99 --source ""
expect_eq "lead $id: nothing to change (still version $v)" "$OUT" "a no-op edit says so"
expect_eq "$before" "$(field "$id" '__import__("json").dumps(d, sort_keys=True)')" \
	"a no-op edit changes nothing, not even updated_at or the version"
as_tom expect_exit 0 "$LEAD" edit "$id" --currency JPY
expect_eq "lead $id: nothing to change (still version $v)" "$OUT" "--currency to its own currency"
as_tom expect_exit 0 "$LEAD" --json edit "$id" --next 2027-03-01T08:00
expect_eq "$v" "$(json 'd["version"]' <<<"$OUT")" "--json no-op: the lead, same version"
expect_eq "$before" "$(field "$id" '__import__("json").dumps(d, sort_keys=True)')" "still unchanged"
as_tom expect_exit 2 "$LEAD" edit "$id"
expect_match "$ERR" "say what to change" "no option at all is a usage error"

# ---- help ----
lead_ok help edit
for opt in "--next DATE|none" "--next-note TEXT" "--currency CODE" "--value AMOUNT|none" \
	"--source SOURCE" "--description TEXT"; do
	expect_match "$OUT" "$(sed 's/[][|.]/\\&/g' <<<"$opt")" "lead help edit: $opt"
done
lead_ok help add
expect_match "$OUT" '\[--next DATE \[--next-note TEXT\]\]' "lead help add: --next-note"

stop_leadd
