#!/usr/bin/env bash
# The full history of a lead edited by two users (issue 10), read through the
# lead binary with the reader's time zone pinned: `lead history` prints every
# change as "WHEN  WHO  FIELD  OLD -> NEW" in local time, oldest first or
# newest first, every entry or --limit N; `lead --json history` is checked
# field by field (RFC 3339 UTC times, null for no value); `lead show` prints
# names (also to a rep, who may not list users), local times, the status's
# stage, the contacts, and the last 10 changes (--history: all of them).
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Madrid

start_leadd
as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}
lead_ok team add North
for u in sofia:manager marc:rep rita:rep; do
	lead_ok user add "${u%%:*}" --role "${u##*:}" --team North --password-stdin <<<"${u%%:*}-password-1"
	mkdir -p "$LEADD_DIR/cfg-${u%%:*}"
	as "${u%%:*}" expect_exit 0 "$LEAD" login "${u%%:*}" --password-stdin <<<"${u%%:*}-password-1"
done
lead_ok team edit North --manager sofia

lead_ok add "Big deal" --client Acme --contact "Ana Lopez" --email ana@x.com \
	--phone "+34 600 000 001" --value 48000 --currency EUR --tag Carat --owner marc
id=$OUT
as marc lead_ok edit "$id" --title "Bigger deal"
as sofia lead_ok status "$id" lead-Qualified
as sofia lead_ok assign "$id" --pool
as sofia lead_ok assign "$id" --to marc
as marc lead_ok edit "$id" --next 2027-01-15T10:30
as sofia lead_ok edit "$id" --value 50000.50

# Oldest first, local time (CET in January, CEST in summer), who, field.
as marc lead_ok history "$id"
hist=$OUT
when='^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CES?T  '
expect_match "$hist" "${when}admin +created\$" "the creation"
expect_match "$hist" "${when}admin +title +Big deal\$" "the title set at creation"
expect_match "$hist" "${when}admin +contacts +added Ana Lopez <ana@x.com>, \\+34 600 000 001\$"
expect_match "$hist" "${when}admin +value +48000.00 EUR\$"
expect_match "$hist" "${when}marc +title +Big deal -> Bigger deal\$" "marc's edit"
expect_match "$hist" "${when}sofia +status +lead-New -> lead-Qualified\$" "the status move"
expect_match "$hist" "${when}sofia +owner +marc -> pool\$" "to the pool"
expect_match "$hist" "${when}sofia +owner +pool -> marc\$" "back to marc"
expect_match "$hist" "${when}marc +next action +none -> 2027-01-15 10:30 CET\$" "next action, local"
expect_match "$hist" "${when}sofia +value +48000.00 EUR -> 50000.50 EUR\$" "the value"
expect_eq "marc" "$(grep -c '' <<<"$hist" | xargs -I{} sh -c 'test {} -ge 14 && echo marc')" \
	"at least 14 lines"
# The last line is the last change.
expect_match "$(tail -n 1 <<<"$hist")" "sofia +value" "oldest first"

as marc lead_ok history "$id" --newest-first --limit 2
expect_eq 2 "$(grep -c '' <<<"$OUT")" "--limit 2 --newest-first: two one-field entries"
expect_match "$(head -n 1 <<<"$OUT")" "sofia +value +48000.00 EUR -> 50000.50 EUR" "newest first"
expect_match "$(tail -n 1 <<<"$OUT")" "marc +next action" "then the one before"

# JSON, field by field.
as marc lead_ok --json history "$id"
js=$OUT
expect_eq 7 "$(json 'len(d)' <<<"$js")" "seven entries"
expect_eq "create admin" "$(json 'd[0]["kind"] + " " + d[0]["author"]' <<<"$js")"
expect_match "$(json 'd[0]["at"]' <<<"$js")" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$' \
	"at in RFC 3339 UTC (milliseconds when there are some)"
expect_eq '{"field": "status", "old": "lead-New", "new": "lead-Qualified"}' \
	"$(json 'd[2]["changes"][0]' <<<"$js")" "the status change"
expect_eq "status sofia" "$(json 'd[2]["kind"] + " " + d[2]["author"]' <<<"$js")"
expect_eq "assign assign" "$(json 'd[3]["kind"] + " " + d[4]["kind"]' <<<"$js")"
expect_eq '{"field": "next_action", "old": null, "new": "2027-01-15T09:30:00Z"}' \
	"$(json 'd[5]["changes"][0]' <<<"$js")" "the next action, UTC"
# Money in the history is the money object of every --json document.
expect_eq '[null, {"amount": "48000.00", "minor": 4800000, "currency": "EUR"}]' \
	"$(json '[[c["old"], c["new"]] for c in d[0]["changes"] if c["field"] == "value"][0]' <<<"$js")" \
	"the value set at creation, as money"
expect_eq '{"field": "value", "old": {"amount": "48000.00", "minor": 4800000, "currency": "EUR"}, "new": {"amount": "50000.50", "minor": 5000050, "currency": "EUR"}}' \
	"$(json 'd[6]["changes"][0]' <<<"$js")" "a value change, both sides money"
expect_eq "true" "$(json 'all(sorted(i) == ["activity", "activity_op", "at", "author", "changes", "kind", "opp_op", "opportunity", "revision"] for i in d)' <<<"$js")" \
	"every entry has exactly its nine keys"
expect_eq "true" "$(json 'd == sorted(d, key=lambda i: i["revision"])' <<<"$js")" "in revision order"

# lead show as the rep: names (the history names the admin who created it),
# local times, the status's stage, the contacts, the last changes.
as marc lead_ok show "$id"
show=$OUT
expect_match "$show" '^owner: +you$' "the rep's own lead"
expect_match "$show" '^team: +North$'
expect_match "$show" '^status: +lead-Qualified$'
expect_match "$show" '^stage: +lead, 0% probability; in this status since [0-9-]{10} [0-9:]{5} [A-Z+0-9-]+$'
expect_match "$show" '^created: +20[0-9-]+ [0-9:]+ CES?T by admin$' "created by, to a rep"
expect_match "$show" '^updated: +20[0-9-]+ [0-9:]+ CES?T by sofia$' "updated by"
expect_match "$show" '^next action: +2027-01-15 10:30 CET$'
expect_match "$show" '^value: +50000.50 EUR$'
expect_match "$show" '^contacts: +Ana Lopez \(main\), ana@x.com, \+34 600 000 001$'
expect_match "$show" '^history, newest first:$'
expect_match "$show" "${when}sofia +value +48000.00 EUR -> 50000.50 EUR\$"
expect_no_match "$show" 'user [0-9]' "no user ids"

# More than 10 changes: the last 10, and how to see the rest.
for n in 1 2 3 4 5; do
	as marc lead_ok edit "$id" --title "Deal $n"
done
as sofia lead_ok show "$id"
expect_match "$OUT" '^history, newest first \(the last 10\):$'
expect_match "$OUT" "^older changes: lead history $id "
expect_eq 10 "$(sed -n '/^history, newest first/,/^older changes/p' <<<"$OUT" | grep -cE "$when")" \
	"ten one-field entries"
as sofia lead_ok show "$id" --history
expect_match "$OUT" "${when}admin +created\$" "--history goes back to the creation"
expect_no_match "$OUT" "^older changes"
as sofia lead_ok --json show "$id"
expect_eq "10 $id Deal 5" "$(json '"%d %d %s" % (len(d["history"]), d["id"], d["title"])' <<<"$OUT")"
expect_eq "true" "$(json '[h["revision"] for h in d["history"]] == sorted([h["revision"] for h in d["history"]], reverse=True)' <<<"$OUT")" \
	"show's history newest first"

# Not the reader's lead: not found, as lead show says.
as rita expect_exit 3 "$LEAD" history "$id"
expect_match "$ERR" "lead $id not found"
as rita expect_exit 3 "$LEAD" show "$id"
expect_exit 2 "$LEAD" history "$id" --limit 0
expect_match "$ERR" "--limit wants a number"
expect_exit 2 "$LEAD" history
lead_ok help history
expect_match "$OUT" "newest-first"

stop_leadd
