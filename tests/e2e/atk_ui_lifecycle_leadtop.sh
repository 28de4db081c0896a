#!/usr/bin/env bash
# leadtop's s key on small screens and long reason lists (issue 12, UI
# attacks). The prompt's label was drawn whole: wider than the screen, it
# left no column for the answer, so at 40 columns the status typed after
# "lead 1 is lead-New; new status (a name, prefix or KPI class): " was
# never seen; the question after an unlisted reason ("'...' is not one of
# them; keep it as your own words? (y/n): ") lost its "(y/n)" past the
# edge; and a reason list whose first reason did not fit beside the answer
# showed no hint at all, as if any words would do. Now the label is cut
# with an ellipsis, keeping a fifth of the line for the answer; the
# question is made shorter until "(y/n)" fits; and a list that does not
# fit says how many reasons there are. The feed says a renewal renews
# which lead (it said "lead 2 added"). Every move is checked with lead;
# ends with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
lead_ok team add sales
for i in $(seq 1 12); do
	lead_ok admin reason add "Reason number $i, long enough to fill a line"
done
lead_ok add "Acme renewal" --team sales
A=$OUT
lead_ok search save all --sort id
lead_ok search pin all

# 40 columns: what is typed at the status prompt shows.
lt_start a 40 12 admin
lt_keys a Tab Tab # past the agenda
lt_wait_for a '^> search all' 3 "the search panel has the focus"
lt_keys a s
lt_wait_for a '^lead 1 is lead-New; ' 3 "the status prompt"
lt_keys a dea
lt_wait_for a '^lead 1 is .*…dea *$' 3 "the label is cut and the typed text is seen"
lt_capture a
[ "$(tail -n 1 <<<"$SCREEN" | max_width)" -le 40 ] || fail "the prompt is wider than the screen"
CHECKS=$((CHECKS + 1))
lt_keys a d Enter
lt_wait_for a '^lead 1 needs a reason: *$' 3 "no room for the reasons at 40 columns"
lt_keys a 'Moved abroad' Enter
lt_wait_for a '^own words\? \(y/n\): *$' 3 "the (y/n) question fits 40 columns"
lt_keys a n Enter
lt_wait_for a "^lead 1: 'Moved abroad' is not one" 3 "n: the refusal stands"
lead_ok --json show "$A"
expect_eq "lead-New" "$(json 'd["status"]' <<<"$OUT")" "nothing moved"
lt_keys a q
[ "$(lt_exit_status a)" = 0 ] || fail "leadtop did not exit 0"
CHECKS=$((CHECKS + 1))

# 80 columns: the reasons do not fit beside the answer; their count does.
lt_start b 80 24 admin
lt_keys b Tab Tab # past the agenda
lt_wait_for b '^> search all' 3 "the search panel has the focus"
lt_keys b s
lt_wait_for b '^lead 1 is lead-New; new status \(a name, prefix or KPI class\): *$' 3 \
	"the whole status prompt fits 80 columns"
lt_keys b dead Enter
lt_wait_for b '^lead 1 needs a reason \(12 listed\): *$' 3 "the reasons' count, not nothing"
lt_keys b 'Moved abroad to a country far away' Enter
lt_wait_for b '^not listed; keep it as your own words\? \(y/n\): *$' 3 \
	"the question and its (y/n) fit 80 columns"
lt_keys b y Enter
lt_wait_for b '^lead 1: lead-New -> lead-Dead \(Moved abroad to a country far away\)' 3 \
	"y: moved with own words"
lead_ok --json show "$A"
expect_eq "Moved abroad to a country far away" "$(json 'd["status_reason"]' <<<"$OUT")" \
	"the reason is recorded"
lt_keys b q
[ "$(lt_exit_status b)" = 0 ] || fail "leadtop did not exit 0"
CHECKS=$((CHECKS + 1))

# 130 columns: the first reason and the whole question, reason quoted.
lead_ok reopen "$A"
lt_start c 130 24 admin
lt_keys c Tab Tab # past the agenda
lt_wait_for c '^> search all' 3 "the search panel has the focus"
lt_keys c s dead Enter
lt_wait_for c "^lead 1 needs a reason \\('Reason number 1, long enough to fill a line', \\.\\.\\.\\): *\$" 3 \
	"a wide screen names the first reason"
lt_keys c 'Moved abroad' Enter
lt_wait_for c "^'Moved abroad' is not one of them; keep it as your own words\\? \\(y/n\\): *\$" 3 \
	"a wide screen quotes the reason"
lt_keys c Escape
# The feed says a renewal is one, and of which lead.
lead_ok renew "$A"
R=$(sed -E 's/^lead ([0-9]+) renews.*/\1/' <<<"$OUT")
lt_wait_for c "admin: lead $R renews lead $A: \"Acme renewal\"" 3 "the feed names the origin"
lt_keys c q
[ "$(lt_exit_status c)" = 0 ] || fail "leadtop did not exit 0"
CHECKS=$((CHECKS + 1))
stop_leadd
