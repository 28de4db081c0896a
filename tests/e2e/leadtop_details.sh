# leadtop's Enter details (issue 15): the box lists the lead's
# opportunities, newest first, as lead show does (one sentence each: id,
# title, amount, closing day or won/lost), at most four, then how many
# more; contacts likewise. At 80x24 the box fits the screen whatever the
# lead holds. A lead without opportunities has no opportunity line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
make_sales_floor
as maria expect_exit 0 "$LEAD" search save mine --team sales --sort id
as maria expect_exit 0 "$LEAD" search pin mine
# L1 (tom's prospect): five opportunities, one won, one lost; six contacts.
for i in 1 2 3 4 5; do
	as tom expect_exit 0 "$LEAD" --json opp new "$L1" --item "Module $i" --qty "$i" --price 100 \
		--title "Phase $i" --close "2027-0$i-15"
	eval "O$i=\$(json 'd[\"opportunity\"][\"id\"]' <<<\"\$OUT\")"
done
as tom expect_exit 0 "$LEAD" opp won "$O1"
as tom expect_exit 0 "$LEAD" opp lost "$O2" --reason "went elsewhere" --other
for i in 2 3 4 5 6; do
	as tom expect_exit 0 "$LEAD" contact add "$L1" --name "Contact $i"
done

lt_start d 80 24 maria
lt_wait_for d 'live, revision [0-9]+' 3 "the dashboard is live"
lt_keys d Tab Tab
lt_wait_for d '^> search mine' 2 "Tab to the pinned search"
lt_keys d Enter
lt_wait_for d "lead $L1, version [0-9]+" 2 "Enter shows L1's details"
# Newest first: Phase 5 down to Phase 2, then one more (Phase 1, won).
expect_match "$SCREEN" "opps: +opportunity $O5 'Phase 5', 500\\.00 EUR, closing 2027-05-15" \
	"the newest opportunity first, as lead show says it"
expect_match "$SCREEN" "opportunity $O4 'Phase 4', 400\\.00 EUR, closing 2027-04-15" "the next"
expect_match "$SCREEN" "opportunity $O2 'Phase 2', 200\\.00 EUR, lost [0-9-]+: went" \
	"a lost one, with its reason (cut to the 80 columns)"
expect_no_match "$SCREEN" "'Phase 1'" "the fifth is not listed ..."
expect_match "$SCREEN" "and 1 more opportunity\$" "... but counted"
expect_match "$SCREEN" "contact: +Claire Dubois" "the main contact first"
expect_match "$SCREEN" "and 2 more contacts" "contacts past four are counted"
expect_match "$SCREEN" "all of it: lead show $L1" "the pointer to lead show"
lt_capture d
expect_eq 1 "$(max_width <<<"$SCREEN" | awk '{ print ($1 <= 80) }')" "the box fits 80 columns"
expect_match "$SCREEN" "lead $L1, version" "the box's first line is on the 24-line screen"
lt_keys d x
lt_wait_gone d "lead $L1, version" 2 "any key closes it"

# L2 (tom's qualified lead): no opportunity, no opportunity line.
lt_keys d j Enter
lt_wait_for d "lead $L2, version [0-9]+" 2 "Enter shows L2's details"
expect_no_match "$SCREEN" "opps:" "no opportunity line without opportunities"
lt_keys d x q
expect_eq 0 "$(lt_exit_status d)" "leadtop's exit status after q"
tmux_ kill-server 2>/dev/null || true
stop_leadd
