# Saved searches as people use them: save, ls (pinned first, owner, team,
# the filter in words), run with paging, edit, rename, pin order, unpin, rm;
# a manager's search shared with a team and run by its rep.
# Needs saved searches (search_*) and the search engine on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor
lead() { "$LEAD" "$@"; }

lead_ok search ls
expect_eq "no saved searches" "$OUT" "nothing saved yet"

lead_ok search save big --value-min 10000 --sort value --desc
expect_eq "saved search big" "$OUT" "search save"
expect_exit 5 "$LEAD" search save big --tag web
lead_ok search ls
expect_match "$OUT" '^PIN +NAME +OWNER +TEAM +FILTER$' "search ls header"
expect_match "$OUT" '^ *- +big +admin +- +value at least 10000\.00 EUR, by value, descending$' "search ls row"
lead_ok search run big
expect_match "$OUT" "^ *$L1 +Payroll out" "search run finds the EUR lead over 10000"
expect_eq 2 "$(wc -l <<<"$OUT")" "search run: the header and one lead"

# edit: filters given replace the saved ones; the order stays.
lead_ok search edit big --tag web
expect_eq "changed search big" "$OUT" "search edit"
lead_ok --json search ls
expect_eq '["web"]' "$(json 'd["searches"][0]["filter"]["tags"]' <<<"$OUT")" "edit replaced the filter"
expect_eq "value" "$(json 'd["searches"][0]["sort"]' <<<"$OUT")" "edit kept the sort"
expect_eq "None" "$(json 'str(d["searches"][0]["filter"].get("value_min"))' <<<"$OUT")" "edit dropped value_min"
lead_ok search edit big --name webby --asc
lead_ok search run webby --json
expect_eq "$L2 $L1" "$(json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT")" "renamed, ascending"
expect_exit 3 "$LEAD" search run big
lead_ok search edit webby --clear
lead_ok search run webby --all --json
expect_eq 5 "$(json 'len(d["leads"])' <<<"$OUT")" "--clear: every lead"

# The paging options are lead ls's: the same checks, the same words.
expect_exit 2 "$LEAD" search run webby --all --cursor abc
expect_match "$ERR" '--all starts from the first page: leave out --cursor' "search run --all --cursor"
expect_exit 2 "$LEAD" search run webby --limit 0
expect_match "$ERR" "--limit wants a positive number, not '0'" "search run --limit 0"
# run pages with a hint naming the search.
lead_ok search run webby --limit 2
hint=$(grep '^more: ' <<<"$OUT")
expect_match "$hint" '^more: lead search run webby --limit 2 --cursor [^ ]+$' "search run hint"
seen=$(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$OUT")
while [ -n "$hint" ]; do
	expect_exit 0 eval "${hint#more: }"
	seen+=" $(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$OUT")"
	hint=$(grep '^more: ' <<<"$OUT" || true)
done
expect_eq "$L1 $L2 $L3 $L4 $L5" "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort -n | tr '\n' ' ' | sed 's/ $//')" "search run pages"

# ---- pins: the dashboard's panels, in order ----
lead_ok search save mine-q --mine --status qualified
lead_ok search pin mine-q
expect_eq "pinned mine-q (pinned at 1)" "$OUT" "pin"
lead_ok search pin webby --position 1
expect_eq "pinned webby (pinned at 1)" "$OUT" "pin --position 1"
lead_ok search ls
expect_match "$(sed -n 2p <<<"$OUT")" '^ *1 +webby ' "first pinned first"
expect_match "$(sed -n 3p <<<"$OUT")" '^ *2 +mine-q +admin +- +status qualified, mine$' "then the second"
lead_ok search unpin webby
expect_eq "unpinned webby" "$OUT" "unpin"
lead_ok search ls
expect_match "$(sed -n 2p <<<"$OUT")" '^ *1 +mine-q ' "mine-q moved up"
expect_match "$(sed -n 3p <<<"$OUT")" '^ *- +webby ' "webby unpinned"
lead_ok search rm webby
expect_eq "removed search webby" "$OUT" "rm"
expect_exit 3 "$LEAD" search rm webby
expect_exit 3 "$LEAD" search pin webby

# ---- a team's search: saved by its manager, run by its rep ----
as maria expect_exit 0 "$LEAD" search save sales-q --status qualified --team sales
as tom expect_exit 0 "$LEAD" search ls
expect_match "$OUT" '^ *- +sales-q +maria +sales +status qualified$' "tom sees the team's search"
as tom expect_exit 0 "$LEAD" --json search run sales-q
expect_eq "$L2" "$(json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT")" "tom runs it on what he sees"
as bob expect_exit 0 "$LEAD" search ls
expect_no_match "$OUT" 'sales-q' "bob (ops) does not see it"
as bob expect_exit 3 "$LEAD" search run sales-q
as tom expect_exit 4 "$LEAD" search save mine-too --mine --team sales
# tom's own pin of the team's search is his alone.
as tom expect_exit 0 "$LEAD" search save my-q --mine --status qualified
as tom expect_exit 0 "$LEAD" search pin my-q
as tom expect_exit 0 "$LEAD" --json search ls
expect_eq "my-q" "$(json 'd["searches"][0]["name"]' <<<"$OUT")" "tom's pinned search first"
lead_ok search ls
expect_no_match "$OUT" 'my-q' "the admin does not see tom's own search"

stop_leadd
