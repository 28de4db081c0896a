#!/usr/bin/env bash
# Working a lead through lead (issue 13), the reader's time zone pinned
# (Europe/Paris): a rep logs a call, plans a call, a meeting and a task (one
# task already overdue); the agenda lists the overdue task first and marked,
# `lead today` only what is due before tonight; the lead's next action moves
# as activities are done, edited and removed; `lead show` lists open
# activities first, `lead history` has a line per activity change; a note
# naming an email prints the `lead contact add` line, which runs; a move to
# dead lists and closes the open activities (--keep-tasks keeps them);
# rights (a rep cannot add to a lead they cannot see, nor read another rep's
# agenda; a manager can); usage errors exit 2 before any request. Ends with
# leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Paris

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
lead_ok add "Fleet deal" --client Acme --contact "Ana Lopez" --email ana@acme.example --owner marc
L=$OUT
lead_ok add "Small deal" --client Initech --owner marc
S=$OUT

# ---- usage errors: exit 2, nothing sent ----
as marc expect_exit 2 "$LEAD" call "$L"
expect_match "$ERR" "say how a call went with --outcome TEXT, or plan one with --plan TIME" "call needs one"
as marc expect_exit 2 "$LEAD" call "$L" --outcome "ok" --plan tomorrow
as marc expect_exit 2 "$LEAD" call "$L" --plan "tomorrow 10:00" --at -1h
expect_match "$ERR" "a planned call's time is --plan TIME" "--at with --plan"
as marc expect_exit 2 "$LEAD" call "$L" --plan "tomorrow 25:00"
expect_match "$ERR" "^lead: --plan: 'tomorrow 25:00': no such time" "a bad hour"
as marc expect_exit 2 "$LEAD" call "$L" --outcome ok --duration 1h30
expect_match "$ERR" "--duration: '1h30' is not a duration; say 15m, 1h or 1h30m" "a bad duration"
as marc expect_exit 2 "$LEAD" task "$L" "Send the quote"
expect_match "$ERR" "a task needs --due TIME" "task without --due"
as marc expect_exit 2 "$LEAD" meeting "$L" "Demo"
expect_match "$ERR" "a meeting needs --at TIME" "meeting without --at"
as marc expect_exit 2 "$LEAD" done "$L"
expect_match "$ERR" "an activity is named LEAD.N" "done takes LEAD.N"
as marc expect_exit 2 "$LEAD" activity edit "$L.1"
expect_match "$ERR" "say what to change" "edit needs a change"
as marc expect_exit 2 "$LEAD" note "$L" "  "
expect_match "$ERR" "the note is empty" "a blank note"

# ---- a logged call, a planned call, a meeting, two tasks (one overdue) ----
as marc lead_ok call "$L" --outcome "left a message" --at -2h --duration 15m --with Ana
expect_match "$OUT" "^added call $L\\.1 \\(done\\), at 20[0-9-]+ [0-9:]+ CES?T: with Ana: left a message\$" \
	"a logged call"
as marc lead_ok --json call "$L" --plan "tomorrow 10:00" --with Ana "the renewal"
CALL=$(json 'd["activity"]["id"]' <<<"$OUT")
expect_eq "$L.2" "$CALL" "a planned call is LEAD.2"
expect_eq "open" "$(json 'd["activity"]["state"]' <<<"$OUT")" "a planned call is open"
want=$("$PYTHON" -c '
import datetime as dt
t = dt.datetime.now().astimezone() + dt.timedelta(days=1)
print(dt.datetime(t.year, t.month, t.day, 10, 0).astimezone().astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))')
expect_eq "$want" "$(json 'd["activity"]["at"]' <<<"$OUT")" "tomorrow 10:00 is read in TZ, sent in UTC"
as marc lead_ok --json meeting "$L" "Demo" --at +3d --duration 1h30m --where "Acme HQ" --with "Ana, Raj"
MEET=$(json 'd["activity"]["id"]' <<<"$OUT")
expect_eq "5400000" "$(json 'd["activity"]["duration_ms"]' <<<"$OUT")" "1h30m"
as marc lead_ok --json task "$L" "Send the quote" --due -1d
LATE=$(json 'd["activity"]["id"]' <<<"$OUT")
expect_eq "$LATE" "$(json 'd["activity"]["id"]' <<<"$OUT")"
as marc lead_ok task "$S" "Check the budget" --due +5d
expect_match "$OUT" "^added task $S\\.1, due " "a task on the other lead"

# The next action is the earliest open activity: the overdue task.
as marc lead_ok --json show "$L"
expect_eq "$LATE" "$(json 'd["next_action_activity"]' <<<"$OUT")" "the overdue task is the next action"
expect_eq "$(json '[a["id"] for a in d["activities"] if a["state"] == "open"]' <<<"$OUT")" \
	"[\"$LATE\", \"$CALL\", \"$MEET\"]" "open activities first, soonest first"
expect_eq "$L.1" "$(json 'd["activities"][3]["id"]' <<<"$OUT")" "then the done call"
as marc lead_ok show "$L"
expect_match "$OUT" "^next action: .*\\(activity $LATE\\)\$" "show names the activity"
expect_match "$OUT" "^activities, open first \\(3 open\\):\$" "show's activities"
acts=$(sed -n '/^activities, open first/,/^$/p' <<<"$OUT")
expect_eq "$LATE" "$(awk 'NR==3 {print $1}' <<<"$acts")" "the overdue task first in show"
expect_match "$acts" "^$LATE +task +overdue " "marked overdue in show"

# ---- the agenda: overdue first and marked; today; a manager's view ----
as marc lead_ok --json agenda
expect_eq "[\"$LATE\", \"$CALL\", \"$MEET\", \"$S.1\"]" "$(json '[i["id"] for i in d["items"]]' <<<"$OUT")" \
	"agenda in time order, the overdue task first"
expect_eq "[true, false, false, false]" "$(json '[i["overdue"] for i in d["items"]]' <<<"$OUT")" \
	"only the overdue task is overdue"
expect_eq "1" "$(json 'd["overdue"]' <<<"$OUT")" "one overdue"
expect_eq "Fleet deal" "$(json 'd["items"][0]["lead_title"]' <<<"$OUT")" "agenda names the lead"
as marc lead_ok agenda
expect_match "$OUT" "^marc's agenda: 4 items, 1 overdue\$" "agenda's first line"
expect_match "$(sed -n 3p <<<"$OUT")" "^overdue +20[0-9-]+ [0-9:]+ CES?T +$LATE +task +Fleet deal \\(Acme\\) +Send the quote\$" \
	"the overdue task is the first row, marked"
as marc lead_ok --json today
expect_eq "[\"$LATE\"]" "$(json '[i["id"] for i in d["items"]]' <<<"$OUT")" "today: the overdue task only"
as marc lead_ok --json agenda --from now --to +2d
expect_eq "[\"$CALL\"]" "$(json '[i["id"] for i in d["items"]]' <<<"$OUT")" "--from now --to +2d"
as sofia lead_ok --json agenda --user marc
expect_eq "4" "$(json 'len(d["items"])' <<<"$OUT")" "a manager sees a rep's agenda"
as rita expect_exit 4 "$LEAD" agenda --user marc
as rita lead_ok agenda
expect_eq "nothing on rita's agenda" "$OUT" "rita's own, empty"

# ---- rights: rita cannot see marc's lead, so cannot add to it ----
as rita expect_exit 3 "$LEAD" note "$L" "sneaky"
as rita expect_exit 3 "$LEAD" task "$L" "x" --due tomorrow
as rita expect_exit 3 "$LEAD" done "$CALL"

# ---- the next action moves as activities are done, edited, removed ----
as marc lead_ok done "$LATE" --outcome "sent"
expect_match "$OUT" "^done: task $LATE \\(done\\), due .*: Send the quote: sent\$" "done says what"
expect_match "$OUT" "^lead $L: next action .*: call with Ana: the renewal\$" "the next action is the call now"
as marc lead_ok --json show "$L"
expect_eq "$CALL" "$(json 'd["next_action_activity"]' <<<"$OUT")" "next action: the planned call"
as marc lead_ok activity rm "$CALL"
as marc lead_ok --json show "$L"
expect_eq "$MEET" "$(json 'd["next_action_activity"]' <<<"$OUT")" "next action: the meeting"
as marc lead_ok --json activity edit "$MEET" --at "tomorrow 9:00"
want=$("$PYTHON" -c '
import datetime as dt
t = dt.datetime.now().astimezone() + dt.timedelta(days=1)
print(dt.datetime(t.year, t.month, t.day, 9, 0).astimezone().astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))')
expect_eq "$want" "$(json 'd["activity"]["at"]' <<<"$OUT")" "the meeting moved"
expect_eq "$want" "$(json 'd["next_action"]' <<<"$OUT")" "and the next action with it"
as marc lead_ok activity ls "$L"
expect_match "$(sed -n 2p <<<"$OUT")" "^$MEET +meeting +open " "activity ls: the open one first"
expect_no_match "$OUT" "^$CALL " "the removed call is gone"
as marc lead_ok done "$MEET"
as marc lead_ok --json show "$L"
expect_eq "null" "$(json 'd["next_action_activity"]' <<<"$OUT")" "no open activity left"

# ---- history: a line per activity change ----
as marc lead_ok history "$L"
hist=$OUT
expect_match "$hist" " marc +activity +added call $L\\.1 \\(done\\)" "the logged call in history"
expect_match "$hist" " marc +activity +added task $LATE, due .*Send the quote\$" "the task added"
expect_match "$hist" " marc +activity +done: task $LATE \\(done\\)" "the task done"
expect_match "$hist" " marc +activity +removed call $CALL" "the call removed"
as marc lead_ok --json history "$L"
expect_eq "added" "$(json '[h["activity_op"] for h in d if h["activity"]][0]' <<<"$OUT")" "history JSON"

# ---- a note naming a new email offers the contact line, which runs ----
as marc lead_ok note "$L" "new buyer raj.patel@acme.example, call him"
expect_match "$OUT" "^added note $L\\.[0-9]+: new buyer raj.patel@acme.example, call him\$" "the note"
line=$(sed -n "s/^to add it to the lead's contacts: //p" <<<"$OUT")
expect_eq "lead contact add $L --name 'Raj Patel' --email raj.patel@acme.example" "$line" "the contact line"
eval "as marc \"\$LEAD\" ${line#lead }" >/dev/null
as marc lead_ok contact ls "$L"
expect_match "$OUT" "Raj Patel" "the printed line added the contact"
as marc lead_ok note "$L" "spoke to ana@acme.example again"
expect_no_match "$OUT" "contact add" "a known email offers nothing"
as marc lead_ok note "$L" "her mobile: +33 6 12 34 56 78"
expect_match "$OUT" "^to add it to the lead's contacts: lead contact add $L --name NAME --phone '\\+33 6 12 34 56 78'   \\(put their name for NAME\\)\$" \
	"a phone offers a line with NAME to fill in"
as marc lead_ok note "$L" "meeting on 2026-12-01 10:30 about 3 offers"
expect_no_match "$OUT" "contact add" "a date is not a phone"

# ---- a move to dead closes the open activities and lists them ----
as marc lead_ok task "$S" "Second try" --due "mon 9:00"
as marc lead_ok dead "$S" --reason "No budget" --other
expect_match "$OUT" "^closed 2 open activities:\$" "dead lists what it closed"
expect_match "$OUT" "^  task $S\\.1 \\(closed\\), due .*: Check the budget\$" "the first task closed"
as marc lead_ok --json activity ls "$S"
expect_eq '["closed", "closed"]' "$(json '[a["state"] for a in d["activities"]]' <<<"$OUT")" "both closed"
as marc lead_ok reopen "$S"
as marc lead_ok task "$S" "Third try" --due +2d
as marc lead_ok --json dead "$S" --reason "No budget" --other --keep-tasks
expect_eq "False" "$("$PYTHON" -c 'import json,sys; print("closed_activities" in json.load(sys.stdin))' <<<"$OUT")" \
	"--keep-tasks closes none"
as marc lead_ok --json activity ls "$S"
expect_eq "open" "$(json 'd["activities"][0]["state"]' <<<"$OUT")" "--keep-tasks keeps the task open"

stop_leadd
