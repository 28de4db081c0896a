# leadtop's edits against a changing world: Ctrl-C in a prompt cancels the
# prompt (it used to end the whole dashboard), with nothing saved; `e` on
# a lead reassigned away while the prompt is open is refused with a
# sentence and nothing is written; a quick add with an empty title adds
# nothing; in LANG=C a value beyond ASCII is not offered empty (Enter
# would erase it); a manager demoted to rep while watching sees what a
# rep sees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
make_sales_floor
as tom expect_exit 0 "$LEAD" search save mine --sort id
as tom expect_exit 0 "$LEAD" search pin mine

lt_start a 100 30 tom
lt_wait_for a 'live, revision [0-9]+' 3 "tom's dashboard is live"
lt_keys a Tab Tab # past the agenda
lt_wait_for a '^> search mine \(2\)$' 2 "tom's search"

# Ctrl-C in the phone prompt: cancelled, leadtop still runs, lead 1 as it was.
lt_keys a e
lt_wait_for a '^lead 1 phone:' 2 "the phone prompt"
lt_keys a C-u '+1 555 0199' C-c
lt_wait_gone a '^lead 1 phone:' 2 "Ctrl-C closes the prompt"
lt_alive a || fail "Ctrl-C in a prompt ended leadtop"
CHECKS=$((CHECKS + 1))
lt_wait_for a '^\? keys' 2 "the key hint is back"
lead_ok show 1
expect_no_match "$OUT" '555 0199' "Ctrl-C saved nothing"
# Ctrl-C in the status prompt too; then the dashboard takes keys.
lt_keys a s
lt_wait_for a '^lead 1 is ' 2 "the status prompt"
lt_keys a C-c
lt_wait_gone a '^lead 1 is ' 2 "Ctrl-C closes the status prompt"
lt_keys a '?'
lt_wait_for a 'leadtop keys' 2 "keys work after Ctrl-C"
lt_keys a x

# e on lead 1; meanwhile it is given to ana (tom no longer sees it).
lt_keys a e
lt_wait_for a '^lead 1 phone:' 2 "the phone prompt"
lead_ok assign 1 --to ana
lt_keys a C-u '+1 555 0100' Enter
lt_wait_for a '^lead 1 email:' 2 "the email prompt"
lt_keys a Enter
lt_wait_for a '^lead 1 not found' 3 "the refusal is shown once, naming the lead once"
lead_ok show 1
expect_no_match "$OUT" '555 0100' "nothing written to the reassigned lead"
lt_wait_for a '^> search mine \(1\)$' 3 "the lead left tom's search"

# A quick add with an empty title: nothing added.
before=$("$LEAD" --json ls --all | json 'len(d["leads"])')
lt_keys a a
lt_wait_for a '^new lead, title:' 2 "the title prompt"
lt_keys a Enter
lt_wait_gone a '^new lead, title:' 2 "the prompt closes"
expect_eq "$before" "$("$LEAD" --json ls --all | json 'len(d["leads"])')" "no lead added with an empty title"

# LANG=C: `e` on a lead whose email is beyond ASCII is refused with a
# sentence (the prompt would have been empty, and Enter erased the email).
lead_ok contact add 2 --name "Jürgen Müller" --email "jürgen@müller.example"
lt_start n 100 30 tom LANG=C LC_ALL=C
lt_keys n Tab Tab # past the agenda
lt_wait_for n '^> search mine \(1\)$' 2 "tom's search in LANG=C"
lt_keys n e
lt_wait_for n '^lead 2 phone:' 2 "the phone prompt in LANG=C"
lt_keys n Enter
lt_wait_for n 'lead 2 email: cannot edit a value this locale cannot show' 3 "the refusal in LANG=C"
lt_keys n Enter Enter
sleep 0.3
lead_ok show 2
expect_match "$OUT" 'jürgen@müller\.example' "the email is kept in LANG=C"
lt_keys n q
expect_eq 0 "$(lt_exit_status n)" "leadtop's exit status after q (LANG=C)"

# maria, a manager, demoted to rep while watching: after the snapshot
# her dashboard shows her own row and her team's (0) only: no tom, ana.
lt_start m 100 30 maria
lt_wait_for m '^tom +' 3 "maria sees tom's row as a manager"
lead_ok user edit maria --role rep --team sales
lt_wait_gone m '^(tom|ana) +' 3 "a rep's view after the demotion"
expect_match "$SCREEN" '^maria +0 ' "her own row"
expect_match "$SCREEN" 'live, revision' "still live"
as maria expect_exit 0 "$LEAD" --json kpi
expect_exit 0 env LEAD_CONFIG_DIR="$LEADD_DIR/cfg-maria" "$LEADTOP" --once --json
expect_eq "$(json '__import__("json").dumps(d["kpi"], sort_keys=True)' <<<"$OUT")" \
	"$(as maria "$LEAD" --json kpi | json '__import__("json").dumps(d, sort_keys=True)')" \
	"the demoted manager's --once --json is her lead --json kpi"

for n in a m; do
	lt_keys "$n" q
	expect_eq 0 "$(lt_exit_status "$n")" "leadtop's exit status after q ($n)"
done
stop_leadd
