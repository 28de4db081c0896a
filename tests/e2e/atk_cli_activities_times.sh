#!/usr/bin/env bash
# UI attack (issue 13): times as people type them. The issue's own form,
# `tomorrow 10:00`, typed without quotes is two arguments: `lead call 42
# --plan tomorrow 10:00` planned a call at midnight with the subject
# "10:00" and said nothing, and task, meeting, activity edit and agenda
# answered "takes at most N arguments". Now each says the date and its time
# are one argument and shows the quoted form; nothing is sent. Also what
# held: the quoted forms in Europe/Paris and America/New_York, a time the
# DST change skips refused, the repeated hour taken as its first instant,
# and shown with its zone. Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Paris

start_leadd
lead_ok add "Fleet deal" --client Acme --owner admin
L=$OUT

# ---- unquoted date and time: refused, the quoted form shown ----
split_msg()
{
	echo "^lead: $1 '$2' and '$3' are two arguments; a date with its time is one, in quotes: $1 '$2 $3'\$"
}
expect_exit 2 "$LEAD" call "$L" --plan tomorrow 10:00
expect_match "$ERR" "$(split_msg --plan tomorrow 10:00)" "call --plan unquoted"
expect_exit 2 "$LEAD" call "$L" --plan tomorrow 10:00 --with Ana
expect_match "$ERR" "$(split_msg --plan tomorrow 10:00)" "call --plan unquoted, --with after"
expect_exit 2 "$LEAD" call "$L" --outcome "left a message" --at today 9:30
expect_match "$ERR" "$(split_msg --at today 9:30)" "call --at unquoted"
expect_exit 2 "$LEAD" task "$L" "Send the quote" --due tomorrow 10:00
expect_match "$ERR" "$(split_msg --due tomorrow 10:00)" "task --due unquoted"
expect_exit 2 "$LEAD" meeting "$L" Demo --at mon 9:00
expect_match "$ERR" "$(split_msg --at mon 9:00)" "meeting --at unquoted"
expect_exit 2 "$LEAD" agenda --from mon 9:00
expect_match "$ERR" "$(split_msg --from mon 9:00)" "agenda --from unquoted"
expect_exit 2 "$LEAD" agenda --to 2026-12-24 18:00:00
expect_match "$ERR" "$(split_msg --to 2026-12-24 18:00:00)" "agenda --to unquoted"
lead_ok activity ls "$L"
expect_eq "lead $L has no activities" "$OUT" "nothing was added by the refused commands"

# ---- the quoted forms ----
lead_ok call "$L" --plan "tomorrow 10:00" "10:00 review"
expect_match "$OUT" "^added call $L\\.1, planned for [0-9-]+ 10:00 CET: 10:00 review\$" \
	"a subject that starts with a clock time, the time quoted"
expect_exit 2 "$LEAD" activity edit "$L.1" --due tomorrow 11:00
expect_match "$ERR" "$(split_msg --due tomorrow 11:00)" "activity edit --due unquoted"
lead_ok activity edit "$L.1" --due "tomorrow 11:00"
expect_match "$OUT" "^now: call $L\\.1, planned for [0-9-]+ 11:00 CET: 10:00 review\$" "edit quoted"
lead_ok task "$L" "Send the quote" --due "2027-03-28 03:30"
expect_match "$OUT" "due 2027-03-28 03:30 CEST" "just after the spring gap"
expect_exit 2 "$LEAD" task "$L" "In the gap" --due "2027-03-28 02:30"
expect_match "$ERR" "that local time does not exist \\(the clocks skip it for daylight saving time\\)" \
	"the skipped hour refused"
lead_ok --json task "$L" "Repeated hour" --due "2027-10-31 02:30"
expect_eq "2027-10-31T00:30:00Z" "$(json 'd["activity"]["at"]' <<<"$OUT")" \
	"the repeated hour: its first instant (CEST)"
lead_ok activity ls "$L"
expect_match "$OUT" "2027-10-31 02:30 CEST" "shown with its zone"
TZ=America/New_York lead_ok activity ls "$L"
expect_match "$OUT" "2027-10-30 20:30 EDT" "the same task read in New York"
TZ=America/New_York lead_ok --json task "$L" "NY fall back" --due "2027-11-07 01:30"
expect_eq "2027-11-07T05:30:00Z" "$(json 'd["activity"]["at"]' <<<"$OUT")" "New York's repeated hour"
TZ=America/New_York expect_exit 2 "$LEAD" task "$L" "NY gap" --due "2027-03-14 02:30"

stop_leadd
echo "ok: $CHECKS checks"
