# leadtop's screen inside tmux: the keys (? help, Tab, j/k, Enter details,
# e inline edit of the main contact with a conflict shown and not lost,
# s status, a quick add, / filter, q quit), 100x30 and 80x24, a resize,
# and NO_COLOR. Every edit is checked with lead, as a user would.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
make_sales_floor
as maria expect_exit 0 "$LEAD" search save q --status qualified
as maria expect_exit 0 "$LEAD" search pin q
as maria expect_exit 0 "$LEAD" search save all-sales --team sales --sort id
as maria expect_exit 0 "$LEAD" search pin all-sales

lt_start a 100 30 maria
lt_wait_for a 'live, revision [0-9]+' 3 "the connection state"
expect_match "$SCREEN" '^> KPI: leads per rep and team' "the KPI panel has the focus"
expect_match "$SCREEN" '^  search q \(1\)$' "search q"
expect_match "$SCREEN" '^  search all-sales \(4\)$' "search all-sales"
expect_match "$SCREEN" '^  latest changes' "the feed"
expect_match "$SCREEN" '^\? keys  Tab panel' "the key hint"

# ? shows the keys; any key closes them.
lt_keys a '?'
lt_wait_for a 'leadtop keys' 2 "help"
expect_match "$SCREEN" 'e +edit its main contact' "help lists e"
lt_keys a x
lt_wait_for a '^sales total +1 +1 +1 +1 +0 +0$' 2 "help closed"
expect_no_match "$SCREEN" 'leadtop keys' "help closed"

# Tab three times (past the agenda): all-sales; j: lead 2; Enter: its details.
lt_keys a Tab Tab Tab
lt_wait_for a '^> search all-sales' 2 "Tab moves the focus"
lt_keys a j Enter
lt_wait_for a 'lead 2, version [0-9]+' 2 "Enter shows the lead"
expect_match "$SCREEN" 'title: +Support contract' "the details"
lt_keys a x
lt_wait_for a '^sales total +1 +1 +1 +1 +0 +0$' 2 "details closed"

# e: the main contact's phone and email, in place.
lt_keys a e
lt_wait_for a '^lead 2 phone:' 2 "the phone prompt"
lt_keys a C-u '+33 6 12 34 56 78' Enter
lt_wait_for a '^lead 2 email:' 2 "the email prompt"
lt_keys a C-u 'buyer@globex.example' Enter
lt_wait_for a '^lead 2: main contact saved \(version [0-9]+\)' 3 "saved"
lead_ok show 2
expect_match "$OUT" '\+33 6 12 34 56 78' "lead show has the phone typed in leadtop"
expect_match "$OUT" 'buyer@globex\.example' "and the email"
lt_wait_for a '^ +2 Support contract +lead-Qualified +tom +\+33 6 12 34 56 78 +buyer@globex' 2 "the row shows the new phone"

# A conflict: someone edits lead 2 while the prompt is open. leadtop's
# edit is refused, the other change stays, what was typed is offered again.
lt_keys a e
lt_wait_for a '^lead 2 phone: \+33 6 12 34 56 78' 2 "the prompt holds the phone"
lead_ok edit 2 --phone "+1 555 0100"
lt_keys a C-u '+33 6 99 99 99 99' Enter
lt_wait_for a '^lead 2 email:' 2 "the email prompt"
lt_keys a Enter
lt_wait_for a 'lead 2 changed since you read it \(version [0-9]+\): not saved' 3 "the conflict is shown"
lead_ok show 2
expect_match "$OUT" '\+1 555 0100' "the other edit is kept"
expect_no_match "$OUT" '\+33 6 99 99 99 99' "leadtop did not write over it"
lt_wait_for a '^ +2 Support contract .* \+1 555 0100 ' 3 "the row shows the other edit"
lt_keys a e
lt_wait_for a '^lead 2 phone: \+33 6 99 99 99 99' 2 "what was typed is offered again"
lt_keys a Enter Enter
lt_wait_for a '^lead 2: main contact saved' 3 "saved on the new version"
lead_ok show 2
expect_match "$OUT" '\+33 6 99 99 99 99' "the second try is saved"

# s: a status word, as lead status reads it; a word no status answers to
# is refused with the server's sentence.
lt_keys a j
lt_keys a s
lt_wait_for a '^lead 3 is lead-Dead; new status' 2 "the status prompt"
lt_keys a 'nonsense' Enter
lt_wait_for a '^lead 3: .*nonsense' 3 "a bad status word is refused"
lt_keys a s
lt_wait_for a '^lead 3 is lead-Dead; new status' 2 "the status prompt again"
lt_keys a 'new' Enter
lt_wait_for a '^lead 3: lead-Dead -> lead-New' 3 "status changed"
lead_ok show 3
expect_match "$OUT" 'lead-New' "lead show has the new status"

# a: a quick add.
lt_keys a a
lt_wait_for a '^new lead, title:' 2 "the title prompt"
lt_keys a 'Quick lead' Enter
lt_wait_for a '^client' 2 "the client prompt"
lt_keys a 'Acme' Enter
lt_wait_for a '^contact name' 2 "the contact prompt"
lt_keys a 'Jo Doe' Enter
lt_wait_for a '^contact phone' 2 "the phone prompt"
lt_keys a '+49 30 1234567' Enter
lt_wait_for a '^contact email' 2 "the email prompt"
lt_keys a 'jo@acme.example' Enter
lt_wait_for a '^added lead [0-9]+' 3 "added"
id=$(grep -oE '^added lead [0-9]+' <<<"$SCREEN" | awk '{ print $3 }')
lead_ok --json show "$id"
expect_eq "Quick lead|Acme|Jo Doe|+49 30 1234567|jo@acme.example" \
	"$(json '"|".join([d["title"], d["client"], d["contacts"][0]["name"], d["contacts"][0]["phone"], d["contacts"][0]["email"]])' <<<"$OUT")" \
	"the quick add's lead"

# /: filter the panel; empty shows all again.
lt_keys a /
lt_wait_for a '^filter \(empty: show all\):' 2 "the filter prompt"
lt_keys a 'scanner' Enter
lt_wait_for a '^> search all-sales \(1 of 5, filter "scanner"\)' 2 "filtered"
expect_match "$SCREEN" '^ +3 Scanner rollout' "the lead matching"
expect_no_match "$SCREEN" '^ +1 Payroll' "a lead not matching"
lt_keys a / C-u Enter
lt_wait_for a '^> search all-sales \(5\)' 2 "the filter cleared (the quick add went to the sales pool)"

# Colours: on by default, none with NO_COLOR.
lt_capture a -e
expect_match "$SCREEN" $'\e\\[[0-9;]*(4[0-7]|3[0-7])m' "colours without NO_COLOR"
lt_start b 100 30 maria NO_COLOR=1
lt_capture b -e
expect_no_match "$SCREEN" $'\e\\[[0-9;]*(4[0-7]|3[0-7]|38;|48;)[0-9;]*m' "no colour with NO_COLOR"
expect_match "$SCREEN" $'\e\\[[0-9;]*7m' "NO_COLOR: reverse video for the title"

# 80x24: every panel's title, nothing wider than the screen.
lt_start c 80 24 maria
lt_capture c
expect_eq 80 "$(max_width <<<"$SCREEN")" "80 columns used, no more"
expect_eq 24 "$(wc -l <<<"$SCREEN")" "24 lines"
for t in '^> KPI' '^  search q' '^  search all-sales' '^  latest changes' '^\? keys'; do
	expect_match "$SCREEN" "$t" "at 80x24: $t"
done
expect_match "$SCREEN" '^ +NEW +QUAL +DEAD +PROSP +WON +LOST$' "short class names at 80 columns"

# Resize: the screen follows at once.
tmux_ resize-window -t a -x 80 -y 24
lt_wait_for a '^ +NEW +QUAL +DEAD +PROSP +WON +LOST$' 1 "redrawn at 80x24"
expect_eq 80 "$(max_width <<<"$SCREEN")" "80 columns after the resize"
tmux_ resize-window -t a -x 100 -y 30
lt_wait_for a '^ +NEW +QUALIFIED +DEAD +PROSPECT +WON +LOST$' 1 "redrawn at 100x30"

# A pinned search removed meanwhile: its panel goes (EVENT_PINS), and the
# lists are right after a change that follows.
as maria expect_exit 0 "$LEAD" search rm q
lead_ok status 4 qualified
lt_wait_gone a '^  search q ' 2 "the removed search's panel"
expect_match "$SCREEN" '^> search all-sales' "the other search stays, with the focus"
expect_match "$SCREEN" '^  latest changes' "the feed stays last"

# q quits.
lt_keys a q
for ((i = 0; i < 40; i++)); do
	lt_alive a || break
	sleep 0.05
done
lt_alive a && fail "leadtop still runs 2 s after q"
CHECKS=$((CHECKS + 1))
expect_eq 0 "$(lt_exit_status a)" "leadtop's exit status after q"
for n in b c; do
	lt_keys "$n" q
	expect_eq 0 "$(lt_exit_status "$n")" "leadtop's exit status after q ($n)"
done

stop_leadd
