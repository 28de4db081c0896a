#!/usr/bin/env bash
# leadtop while an admin edits the status list (issue 12): a manager's
# dashboard (100x30) with a pinned search shows a lead in lead-Qualified;
# the status is renamed, and the search row names the new status within
# a second or two (the snapshot makes leadtop read the statuses again);
# then it is reclassified: the lead leaves the pinned search (of class
# qualified) and the KPI panel moves tom's lead from qualified to
# prospect, as lead kpi says. leadtop quits with status 0; verify passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh" # for `as`
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
lead_ok user add maria --role manager --password-stdin <<<"maria-password"
lead_ok team add sales --manager maria
lead_ok user add tom --role rep --team sales --password-stdin <<<"tom-password"
for u in maria tom; do
	mkdir -p "$LEADD_DIR/cfg-$u"
	as "$u" expect_exit 0 "$LEAD" login "$u" --password-stdin <<<"$u-password"
done
lead_ok add "Support contract" --owner tom --value 500
L2=$OUT
lead_ok status "$L2" qualified
as maria expect_exit 0 "$LEAD" search save q --status qualified
as maria expect_exit 0 "$LEAD" search pin q

lt_start m 100 30 maria
lt_wait_for m 'live, revision [0-9]+' 3 "maria's dashboard is live"
lt_wait_for m '^  search q \(1\)$' 2 "search q holds the lead"
lt_wait_for m "^ *$L2 +Support contract .*lead-Qualified" 2 "the row names lead-Qualified"
expect_match "$SCREEN" '^tom +0 +1 +0 +0 +0 +0$' "tom's KPI row: one qualified"

# Renamed: the row names the new status (the statuses are read again).
lead_ok admin status edit lead-Qualified --name lead-Engaged
lt_wait_for m "^ *$L2 +Support contract .*lead-Engaged" 3 "the row names lead-Engaged"
expect_no_match "$SCREEN" 'lead-Qualified' "the old name is gone from the screen"

# Reclassified: the pinned search (class qualified) loses it, and the KPI
# panel counts it as a prospect.
lead_ok admin status edit lead-Engaged --class prospect
lt_wait_for m '^  search q \(0\)$' 3 "the lead left the pinned search"
# (with the change since the dashboard opened beside: -1 qualified, +1
# prospect)
lt_wait_for m '^tom +0 +0 -1 +0 +1 \+1 +0 +0$' 3 "tom's KPI row: one prospect"
lead_ok --json kpi
expect_eq 1 "$(json 'd["owners"]["tom"]["prospect"]' <<<"$OUT")" "lead kpi agrees"
expect_eq 0 "$(json 'd["owners"]["tom"]["qualified"]' <<<"$OUT")" "no qualified left"

lt_keys m q
expect_eq 0 "$(lt_exit_status m)" "leadtop quits with status 0"
stop_leadd
