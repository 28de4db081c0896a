#!/usr/bin/env bash
# Moving a lead through `lead` (issue 12): reason lists kept by a manager and
# an admin and refused to a rep; a dead lead without a reason refused with the
# reasons named; lead dead with a list's reason (any case) and with --other;
# lead status into lost; lead qualify, lead reopen; what each move prints,
# and that setting the current status says it changed nothing; lead show,
# lead history and --json carry the reason; lead kpi --since counts dead
# and lost by reason; leadd verify passes at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor # L3 is dead already, for "no budget" in its own words

# ---- reason lists ----
as maria expect_exit 0 "$LEAD" admin reason add "Too expensive" --team sales
expect_eq "reason 'Too expensive' added for team sales" "$OUT" "a manager adds to their team"
as maria expect_exit 4 "$LEAD" admin reason add "No budget"
expect_match "$ERR" "only an admin" "a manager cannot add for every team"
as maria expect_exit 3 "$LEAD" admin reason add "Wrong fit" --team ops
expect_match "$ERR" "no team 'ops' among yours" "a manager cannot add to another team"
as tom expect_exit 4 "$LEAD" admin reason add "Wrong fit" --team sales
lead_ok admin reason add "No budget"
expect_eq "reason 'No budget' added for every team" "$OUT" "an admin adds for every team"
as maria expect_exit 5 "$LEAD" admin reason add "too  EXPENSIVE" --team sales
expect_match "$ERR" "already a reason" "a reason in another case is already there"
as tom expect_exit 0 "$LEAD" admin reason ls
expect_match "$OUT" '^TEAM +REASON$' "the list's header"
expect_match "$OUT" '^\(every team\) +No budget$' "tom sees every team's reason"
expect_match "$OUT" '^sales +Too expensive$' "and his team's"
as bob expect_exit 0 "$LEAD" admin reason ls
expect_no_match "$OUT" 'Too expensive' "bob (ops) does not see sales' reasons"
as tom expect_exit 0 "$LEAD" --json admin reason ls
expect_eq '[["No budget", null], ["Too expensive", "sales"]]' \
	"$(json '[[r["text"], r["team"]] for r in d["reasons"]]' <<<"$OUT")" "reason ls --json"

# ---- moves ----
as tom expect_exit 5 "$LEAD" dead "$L2"
expect_match "$ERR" "lead $L2 needs a reason to move to 'lead-Dead': 'No budget' or 'Too expensive'" \
	"dead without a reason is refused, naming the reasons"
expect_match "$ERR" "; give a listed reason with --reason TEXT, or your own words with --reason TEXT --other\$" \
	"lead says how to give one"
as tom expect_exit 5 "$LEAD" dead "$L2" --reason "Chose a rival"
expect_match "$ERR" "not one of the reasons.*--reason TEXT --other" "a reason not in the lists is refused"
as tom expect_exit 2 "$LEAD" dead "$L2" --other
expect_match "$ERR" "give --reason TEXT with it" "--other alone is a usage error"
as tom expect_exit 0 "$LEAD" show "$L2"
expect_match "$OUT" '^status: +lead-Qualified$' "refused moves changed nothing"
as tom expect_exit 0 "$LEAD" dead "$L2" --reason "too EXPENSIVE"
expect_eq "lead $L2: lead-Qualified -> lead-Dead (Too expensive)" "$OUT" \
	"lead dead prints the move and the reason as the list has it"
as tom expect_exit 0 "$LEAD" status "$L2" dead
expect_eq "lead $L2: already lead-Dead; nothing changed" "$OUT" "setting the current status"
as tom expect_exit 0 "$LEAD" show "$L2"
expect_match "$OUT" '^reason: +Too expensive$' "lead show has the reason"
as tom expect_exit 0 "$LEAD" --json show "$L2"
expect_eq "Too expensive" "$(json 'd["status_reason"]' <<<"$OUT")" "show --json status_reason"
as tom expect_exit 0 "$LEAD" history "$L2"
expect_match "$OUT" 'tom +status reason +none -> Too expensive$' "the history keeps the reason"
as tom expect_exit 0 "$LEAD" reopen "$L2"
expect_eq "lead $L2: lead-Dead -> lead-New" "$OUT" "reopen goes to the first status of the stage"
as tom expect_exit 0 "$LEAD" --json show "$L2"
expect_eq "None" "$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["status_reason"])' <<<"$OUT")" \
	"reopening clears the reason"
as tom expect_exit 0 "$LEAD" qualify "$L2"
expect_eq "lead $L2: lead-New -> lead-Qualified" "$OUT" "lead qualify"
as tom expect_exit 0 "$LEAD" qualify "$L2"
expect_eq "lead $L2: already lead-Qualified; nothing changed" "$OUT" "qualify twice"
as tom expect_exit 2 "$LEAD" status "$L2" new --reason "Too expensive"
expect_match "$ERR" "only a move to a dead or lost status takes a reason" \
	"a reason on a live move is refused"
as tom expect_exit 0 "$LEAD" status "$L1" lost --reason "Their CEO said no" --other
expect_eq "lead $L1: prospect-Qualified -> prospect-Lost (Their CEO said no)" "$OUT" \
	"lost with a reason in your own words"
as tom expect_exit 0 "$LEAD" reopen "$L1"
expect_eq "lead $L1: prospect-Lost -> prospect-Qualified" "$OUT" "reopen a lost lead"
expect_exit 2 "$LEAD" add "Born dead" --owner tom --status dead
expect_match "$ERR" "a new lead cannot start in 'lead-Dead'" "a lead cannot be created dead"
as bob expect_exit 3 "$LEAD" dead "$L2" --reason "No budget"

# ---- kpi --since: dead and lost by reason ----
as maria expect_exit 0 "$LEAD" dead "$L4" --reason "No budget"
lead_ok kpi --since 7d
expect_match "$OUT" '^DEAD BY REASON +LEADS$' "the dead-by-reason table"
expect_match "$OUT" '^No budget +1$' "No budget once (L4)"
expect_match "$OUT" '^Too expensive +1$' "Too expensive once (L2)"
expect_match "$OUT" '^no budget +1$' "the fixture's own words count apart (L3)"
expect_match "$OUT" '^LOST BY REASON +LEADS$' "the lost-by-reason table"
expect_match "$OUT" '^Their CEO said no +1$' "L1's lost reason"
lead_ok --json kpi --since 7d
expect_eq '{"No budget": 1, "Too expensive": 1, "no budget": 1}' \
	"$(json 'dict(sorted(d["flow"]["dead_reasons"].items()))' <<<"$OUT")" "kpi --json dead_reasons"
expect_eq '{"Their CEO said no": 1}' "$(json 'd["flow"]["lost_reasons"]' <<<"$OUT")" \
	"kpi --json lost_reasons"
as bob expect_exit 0 "$LEAD" kpi --since 7d
expect_no_match "$OUT" 'BY REASON' "bob sees no other team's reasons"

# ---- removing a reason ----
as maria expect_exit 0 "$LEAD" admin reason rm "too expensive" --team sales
expect_eq "reason 'Too expensive' removed from team sales" "$OUT" "a manager removes a reason"
as maria expect_exit 3 "$LEAD" admin reason rm "Too expensive" --team sales
as tom expect_exit 0 "$LEAD" admin reason ls
expect_no_match "$OUT" 'Too expensive' "the removed reason is gone"
as tom expect_exit 5 "$LEAD" dead "$L2" --reason "Too expensive"
expect_match "$ERR" "not one of the reasons" "a removed reason is no longer taken"

# ---- an option's value forgotten: the next option is not taken for it ----
# getopt hands --reason the next word; `--reason --other` recorded the
# reason "--other" (every command's options go through lead_getopt).
as tom expect_exit 2 "$LEAD" dead "$L2" --reason --other
expect_match "$ERR" "^lead: --reason needs a value before the next option \('--other'\); give it as --reason TEXT" \
	"dead --reason without its text"
as tom expect_exit 2 "$LEAD" ls --status --mine
expect_match "$ERR" "^lead: --status needs a value before the next option \('--mine'\)" \
	"ls --status without its value"
as tom expect_exit 0 "$LEAD" edit "$L2" --description "--- draft ---"
as tom expect_exit 0 "$LEAD" --json show "$L2"
expect_eq "--- draft ---" "$(json 'd["description"]' <<<"$OUT")" \
	"a value that names no option is still a value"

stop_leadd
