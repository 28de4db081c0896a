#!/usr/bin/env bash
# The status list through `lead` (issue 12): `lead statuses` and `lead admin
# status add|edit|rm` as an admin types them; a rep and a manager refused;
# what lead checks itself (usage, exit 2) and what the server refuses. A
# status renamed and reclassified with leads in it: no lead changes, `lead
# kpi` follows the new class, a `lead kpi --watch` running meanwhile prints
# counts equal to a fresh `lead kpi`, and `lead show` names the new status.
# Removing a status moves its leads with --move-to. Ends with `leadd verify`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh" # for `as`
. "$(dirname "$0")/cli_watch_lib.sh"

start_leadd
# A floor of its own (search_fixture.sh's moves a lead into dead, which is
# another part's rule): maria manages sales, tom is a rep there; tom's L1
# is in prospect-Qualified, L2 in lead-Qualified.
lead_ok user add maria --role manager --password-stdin <<<"maria-password"
lead_ok team add sales --manager maria
lead_ok user add tom --role rep --team sales --password-stdin <<<"tom-password"
for u in maria tom; do
	mkdir -p "$LEADD_DIR/cfg-$u"
	as "$u" expect_exit 0 "$LEAD" login "$u" --password-stdin <<<"$u-password"
done
lead_ok add "Payroll outsourcing" --owner tom --value 48000
L1=$OUT
lead_ok add "Support contract" --owner tom --value 500
L2=$OUT
lead_ok status "$L1" qualified
lead_ok status "$L1" prospect
lead_ok status "$L2" qualified
login_admin_as_user
W="$LEADD_DIR/watch"
mkdir -p "$W"

# ---- lead statuses ----
lead_ok statuses
expect_match "$OUT" '^ *ID +NAME +STAGE +PROBABILITY +KPI +ORDER +LEADS +TARGET$' "statuses header"
expect_match "$OUT" '^ *2 +lead-Qualified +lead +0% +qualified +2 +1 +no$' "lead-Qualified holds L2"
expect_match "$OUT" '^ *4 +prospect-Qualified +prospect +10% +prospect +4 +1 +yes$' \
	"prospect-Qualified is the conversion target"
as tom expect_exit 0 "$LEAD" statuses
expect_match "$OUT" '^ *2 +lead-Qualified +lead +0% +qualified +2 +- +no$' "a rep sees no lead counts"
lead_ok --json statuses
expect_eq 1 "$(json '[s["leads"] for s in d["statuses"] if s["name"] == "lead-Qualified"][0]' <<<"$OUT")" \
	"statuses --json leads"
expect_eq true "$(json '[s["conversion_target"] for s in d["statuses"] if s["name"] == "prospect-Qualified"][0]' <<<"$OUT")" \
	"statuses --json conversion_target"
as tom expect_exit 0 "$LEAD" --json statuses
expect_eq null "$(json '[s["leads"] for s in d["statuses"]][0]' <<<"$OUT")" "a rep's --json leads is null"

# ---- lead admin status add ----
lead_ok admin status add lead-Contacted --stage lead --probability 5% --class qualified \
	--after lead-New
expect_eq "added status lead-Contacted (lead stage, 5%, class qualified, position 2)" "$OUT" "add"
lead_ok admin status add customer-Churned --stage customer --probability 0 --class lost
expect_match "$OUT" "position 8\)$" "added last"
lead_ok admin status add lead-Inbox --stage lead --probability 0 --class none --first
expect_match "$OUT" "position 1\)$" "added first"
lead_ok --json statuses
expect_eq '["lead-Inbox", "lead-New", "lead-Contacted", "lead-Qualified"]' \
	"$(json '[s["name"] for s in d["statuses"]][:4]' <<<"$OUT")" "the order after adds"
expect_eq "[1, 2, 3, 4, 5, 6, 7, 8, 9]" "$(json '[s["position"] for s in d["statuses"]]' <<<"$OUT")" \
	"positions 1..n"

# Usage, checked by lead (exit 2, nothing sent).
expect_exit 2 "$LEAD" admin status add x --probability 1 --class new
expect_match "$ERR" "say which stage" "add without --stage"
expect_exit 2 "$LEAD" admin status add x --stage lead --class new
expect_match "$ERR" "--probability" "add without --probability"
expect_exit 2 "$LEAD" admin status add x --stage lead --probability 1
expect_match "$ERR" "--class" "add without --class"
expect_exit 2 "$LEAD" admin status add x --stage pipeline --probability 1 --class new
expect_match "$ERR" "--stage is lead, prospect or customer, not 'pipeline'" "a bad stage"
expect_exit 2 "$LEAD" admin status add x --stage lead --probability 1 --class hot
expect_match "$ERR" "--class is new, qualified" "a bad class"
expect_exit 2 "$LEAD" admin status add x --stage lead --probability lots --class new
expect_match "$ERR" "--probability needs a percentage" "a bad probability"
expect_exit 2 "$LEAD" admin status add x --stage lead --probability 1 --class new --first --after lead-New
expect_match "$ERR" "two places" "--first with --after"
expect_exit 2 "$LEAD" admin status edit lead-Inbox
expect_match "$ERR" "say what to change" "edit with nothing to change"
expect_exit 2 "$LEAD" admin status edit lead-Inbox --target --no-target
expect_exit 2 "$LEAD" admin status
expect_match "$ERR" "needs a subcommand" "admin status alone"
expect_exit 2 "$LEAD" admin status ad x
expect_match "$ERR" "did you mean 'admin status add'" "a typo of add"

# What the server refuses.
expect_exit 5 "$LEAD" admin status add LEAD-NEW --stage lead --probability 0 --class new
expect_match "$ERR" "a status named 'lead-New' exists" "a taken name"
expect_exit 2 "$LEAD" admin status add Won --stage customer --probability 100 --class won
expect_match "$ERR" "KPI class word" "a class word as a name"
expect_exit 2 "$LEAD" admin status add x --stage lead --probability 120 --class new
expect_match "$ERR" "0 to 100" "probability over 100"
expect_exit 3 "$LEAD" admin status add x --stage lead --probability 1 --class new --after nosuch
expect_match "$ERR" "no status 'nosuch'" "an unknown --after"
expect_exit 5 "$LEAD" admin status edit lead-New --class qualified
expect_match "$ERR" "last status of class new" "the last new reclassified"

# A rep and a manager are refused, and nothing changed.
lead_ok statuses
before=$OUT
as tom expect_exit 4 "$LEAD" admin status add x --stage lead --probability 1 --class new
expect_match "$ERR" "admin" "a rep refused status add"
as maria expect_exit 4 "$LEAD" admin status edit lead-Inbox --probability 3
expect_match "$ERR" "admin" "a manager refused status edit"
as tom expect_exit 4 "$LEAD" admin status rm lead-Inbox
lead_ok statuses
expect_eq "$before" "$OUT" "refusals changed nothing"

# ---- the conversion target, and moves ----
lead_ok admin status add prospect-Demo --stage prospect --probability 30 --class prospect \
	--after prospect-Qualified --target
expect_match "$OUT" "conversion target\)$" "a new target"
lead_ok --json statuses
expect_eq '["prospect-Demo", "customer-Won"]' "$(json '[s["name"] for s in d["statuses"] if s["conversion_target"]]' <<<"$OUT")" \
	"the target moved to prospect-Demo"
lead_ok admin status edit prospect-q --target
expect_match "$OUT" "^changed status prospect-Qualified .*conversion target\)$" "the target back"
lead_ok admin status edit lead-Inbox --after customer-Won
lead_ok --json statuses
expect_eq lead-Inbox "$(json '[s["name"] for s in d["statuses"] if s["position"] == 9][0]' <<<"$OUT")" \
	"edit --after moves it"

# ---- renamed and reclassified with leads in it ----
# L2 is in lead-Qualified; L1 in prospect-Qualified.
lead_ok --json show "$L2"
v2=$(json 'd["version"]' <<<"$OUT")
lead_ok --json kpi
q0=$(json 'd["total"]["qualified"]' <<<"$OUT")
p0=$(json 'd["total"]["prospect"]' <<<"$OUT")
bg "$W/adm" admin --json kpi --watch
ADM=$BG
wait_line "$W/adm" '^\{"revision":'
lead_ok admin status edit lead-Qualified --name lead-Engaged --class prospect --probability 25
expect_eq "changed status lead-Engaged (lead stage, 25%, class prospect, position 3)" "$OUT" \
	"renamed and reclassified"
lead_ok --json show "$L2"
expect_eq "$v2" "$(json 'd["version"]' <<<"$OUT")" "the lead did not change"
expect_eq lead-Engaged "$(json 'd["status"]' <<<"$OUT")" "lead show names the new status"
expect_eq prospect "$(json 'd["kpi"]' <<<"$OUT")" "and its new class"
lead_ok --json kpi
expect_eq $((q0 - 1)) "$(json 'd["total"]["qualified"]' <<<"$OUT")" "lead kpi: one qualified less"
expect_eq $((p0 + 1)) "$(json 'd["total"]["prospect"]' <<<"$OUT")" "lead kpi: one prospect more"
fresh=$(json 'd' <<<"$OUT")
# The watcher gets a snapshot and prints the counts again: its last line
# is what a fresh lead kpi says.
wait_lines "$W/adm" 2
last=$(tail -n 1 "$W/adm" | json 'd')
expect_eq "$fresh" "$last" "lead kpi --watch follows the new class"
expect_eq 2 "$(tail -n 1 "$W/adm" | json 'd["owners"]["tom"]["prospect"]')" \
	"the watcher counts tom's L2 as a prospect, beside L1"
stop TERM "$ADM"
lead_ok --json ls --status prospect
expect_match "$(json '[l["id"] for l in d["leads"]]' <<<"$OUT")" "\b$L2\b" "the class word finds L2"

# ---- lead admin status rm ----
expect_exit 5 "$LEAD" admin status rm lead-Engaged
expect_match "$ERR" "'lead-Engaged' still holds 1 lead; say which status it moves to, and the removal moves it there first" \
	"rm with a lead in it"
expect_exit 5 "$LEAD" admin status rm lead-Engaged --move-to lead-Dead
expect_match "$ERR" "class dead" "rm into a dead status"
lead_ok admin status rm lead-Engaged --move-to lead-Contacted
expect_eq "removed status lead-Engaged; 1 lead moved to lead-Contacted" "$OUT" "rm --move-to"
lead_ok --json show "$L2"
expect_eq lead-Contacted "$(json 'd["status"]' <<<"$OUT")" "L2 moved"
lead_ok history "$L2"
expect_match "$OUT" "lead-Contacted" "the move is in L2's history"
lead_ok --json admin status rm prospect-Demo
expect_eq 0 "$(json 'd["moved"]' <<<"$OUT")" "an empty status goes"
expect_eq null "$(json 'd["moved_to"]' <<<"$OUT")" "moved_to is null without --move-to"
expect_exit 3 "$LEAD" admin status rm prospect-Demo
lead_ok --json statuses
expect_eq "[1, 2, 3, 4, 5, 6, 7, 8]" "$(json '[s["position"] for s in d["statuses"]]' <<<"$OUT")" \
	"positions close up"

# ---- the table fits the terminal: a long name is cut there, whole in a pipe ----
long="lead-Waiting for the customer's procurement department to sign the framework agreement"
lead_ok admin status add "$long" --stage lead --probability 15 --class qualified
OUT=$(env -u COLUMNS "$PYTHON" "$(dirname "$0")/pty_answer.py" -- "$LEAD" statuses | tr -d '\r') ||
	fail "lead statuses on a terminal failed: $OUT"
widest=$("$PYTHON" -c 'import sys; print(max(len(l) for l in sys.stdin.read().split("\n")))' <<<"$OUT")
[ "$widest" -le 80 ] || fail "lead statuses is $widest columns wide on an 80-column terminal:
$OUT"
CHECKS=$((CHECKS + 1))
expect_match "$OUT" ' lead-Waiting for[^ ]* .*…  +lead  +15%  +qualified' "the long name, cut on a terminal"
lead_ok statuses
expect_match "$OUT" "$long  +lead" "into a pipe the name is whole"

stop_leadd
