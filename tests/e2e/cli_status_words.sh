#!/usr/bin/env bash
# Status words as a new user types them: the start of a KPI class word
# ("qual") is that class when no status name starts so, in `lead ls
# --status` (the server's rule) and `lead status` alike; a typo is answered
# with the status names; a stray argument gets a sentence, not a count; the
# server's sentences name no option or field of one client (--cursor, since).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor
# The default statuses are lead-New, lead-Qualified, ...: "qual" starts
# none of them, but starts the class word "qualified".
expect_eq "$L2" "$(sorted_ids --status qual)" "--status qual: the qualified class"
expect_eq "$(sorted_ids --status qualified)" "$(sorted_ids --status QUAL)" "--status QUAL"
expect_eq "$L3" "$(sorted_ids --status de)" "--status de: the dead class"
expect_exit 2 "$LEAD" ls --status pro
expect_match "$ERR" "ambiguous: it could be 'prospect-Qualified', 'prospect-Lost'" \
	"a name prefix is still a name prefix"
expect_exit 3 "$LEAD" ls --status qulified
expect_match "$ERR" "no status 'qulified'; did you mean 'lead-Qualified'\?" \
	"a typo'd status names the nearest (issue 10)"
expect_exit 3 "$LEAD" ls --status zzzzzzz
expect_match "$ERR" "no status 'zzzzzzz'; use a status name \(lead-New, lead-Qualified, lead-Dead, prospect-Qualified, prospect-Lost, customer-Won\)" \
	"a word near none lists the names"
lead_ok status "$L4" qual
expect_match "$OUT" "lead-New -> lead-Qualified" "lead status ID qual"
expect_eq "$L2 $L4" "$(sorted_ids --status qual)" "the moved lead is found"
expect_exit 2 "$LEAD" ls foo
expect_match "$ERR" "'ls' takes no arguments, only options" "a stray argument"
expect_exit 2 "$LEAD" kpi extra
expect_match "$ERR" "'kpi' takes no arguments" "a stray argument to kpi"
expect_exit 2 "$LEAD" ls --cursor garbage
expect_eq "lead: the cursor is not one this server gave out; start again from the first page" \
	"$ERR" "a bad cursor"
expect_exit 2 "$LEAD" kpi --since 400d
expect_eq "lead: the period spans more than 366 days; give a later start" "$ERR" "a long period"
stop_leadd
