#!/usr/bin/env bash
# leadtop's s into dead or lost (issue 12): leadd refuses the move without a
# reason and names the reasons; leadtop shows that and asks for one; a
# listed reason (any case) moves the lead; a reason the lists lack is
# refused and leadtop offers to keep it as the user's own words; Esc at
# the reason prompt moves nothing. Every move is checked with lead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
make_sales_floor
lead_ok admin reason add "Too expensive" --team sales
as maria expect_exit 0 "$LEAD" search save all-sales --team sales --sort id
as maria expect_exit 0 "$LEAD" search pin all-sales

lt_start a 120 30 maria
lt_wait_for a 'live, revision [0-9]+' 3 "the connection state"
# Tab Tab (past the agenda): the all-sales panel; j: lead 2 (Support contract, lead-Qualified).
lt_keys a Tab Tab
lt_wait_for a '^> search all-sales' 2 "the all-sales panel has the focus"
lt_keys a j

# Dead, then Esc at the reason prompt: nothing moves.
lt_keys a s
lt_wait_for a '^lead 2 is lead-Qualified; new status' 2 "the status prompt"
lt_keys a 'dead' Enter
lt_wait_for a "^lead 2 needs a reason \\('Too expensive'\\):" 3 \
	"the reason prompt names the reasons leadd takes"
lt_keys a Escape
lt_wait_for a 'lead 2: status not changed \(no reason given\)' 3 "Esc gives up"
lead_ok show "$L2"
expect_match "$OUT" '^status: +lead-Qualified$' "nothing moved"

# Dead for a listed reason, typed in another case.
lt_keys a s
lt_wait_for a '^lead 2 is lead-Qualified; new status' 2 "the status prompt again"
lt_keys a 'dead' Enter
lt_wait_for a '^lead 2 needs a reason \(' 3 "the reason prompt again"
lt_keys a 'too expensive' Enter
lt_wait_for a '^lead 2: lead-Qualified -> lead-Dead \(Too expensive\)' 3 "moved, with the reason"
lead_ok show "$L2"
expect_match "$OUT" '^reason: +Too expensive$' "lead show has the reason"

# Lost for a reason the lists lack: refused, then kept as own words.
lt_wait_for a '^ +2 Support contract +Globex +lead-Dead ' 3 "the row shows lead-Dead"
lt_keys a s
lt_wait_for a '^lead 2 is lead-Dead; new status' 2 "the status prompt on the dead lead"
lt_keys a 'lost' Enter
lt_wait_for a '^lead 2 needs a reason \(' 3 "the reason prompt for lost"
lt_keys a 'Moved abroad' Enter
lt_wait_for a "^'Moved abroad' is not one of them; keep it as your own words\\? \\(y/n\\):" 3 \
	"a reason the lists lack: leadtop offers to keep it as own words"
lt_keys a y Enter
lt_wait_for a '^lead 2: lead-Dead -> prospect-Lost \(Moved abroad\)' 3 "moved with own words"
lead_ok --json show "$L2"
expect_eq "Moved abroad" "$(json 'd["status_reason"]' <<<"$OUT")" "the reason is recorded"

# A live status asks for no reason.
lt_wait_for a '^ +2 Support contract +Globex +prospect-Lost ' 3 "the row shows prospect-Lost"
lt_keys a s
lt_wait_for a '^lead 2 is prospect-Lost; new status' 2 "the status prompt on the lost lead"
lt_keys a 'new' Enter
lt_wait_for a '^lead 2: prospect-Lost -> lead-New$' 3 "a live move asks nothing"
lt_keys a q
[ "$(lt_exit_status a)" = 0 ] || fail "leadtop did not exit 0"
stop_leadd
