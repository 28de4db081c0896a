# `lead ls` filters against a real leadd: each filter alone, combined, the
# orders, a rep's --mine, and paging a filtered list by the "more:" hint.
# Needs the search engine (lead_list filters and sort) on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"

start_leadd
make_sales_floor

expect_eq "$L1 $L2 $L3 $L4 $L5" "$(sorted_ids)" "no filter: everything (admin)"

# ---- status: names, prefixes, class words, several ----
expect_eq "$L2" "$(sorted_ids --status qualified)" "--status class word"
expect_eq "$L2" "$(sorted_ids --status lead-Qualified)" "--status name"
expect_eq "$L1" "$(sorted_ids --status prospect)" "--status prospect"
expect_eq "$L4 $L5" "$(sorted_ids --status new)" "--status new"
expect_eq "$L3 $L4 $L5" "$(sorted_ids --status new --status dead)" "--status repeated: any"
expect_exit 3 "$LEAD" ls --status nosuchstatus
expect_match "$ERR" "no status 'nosuchstatus'" "an unknown status is named"

# ---- owners, teams, pool ----
expect_eq "$L1 $L2" "$(sorted_ids --owner tom)" "--owner"
expect_eq "$L1 $L2 $L3" "$(sorted_ids --owner tom --owner ana)" "--owner repeated: any"
expect_eq "$L1 $L2 $L3 $L4" "$(sorted_ids --team sales)" "--team: members and pool"
expect_eq "$L5" "$(sorted_ids --team ops)" "--team ops"
expect_eq "$L4" "$(sorted_ids --pool)" "--pool"
expect_eq "$L4" "$(sorted_ids --pool --team sales)" "--pool --team"
expect_eq "" "$(sorted_ids --pool --team ops)" "--pool of ops: none"

# ---- client, tags, source ----
expect_eq "$L2 $L3" "$(sorted_ids --client Globex)" "--client"
expect_eq "$L1" "$(sorted_ids --client "MAISON LEFÈVRE SA")" "--client in any case"
expect_eq "$L1 $L2" "$(sorted_ids --tag web)" "--tag"
expect_eq "$L1" "$(sorted_ids --tag web --tag urgent)" "--tag repeated: all"
expect_eq "$L1" "$(sorted_ids --source referral)" "--source"
expect_eq "$L2" "$(sorted_ids --source "TRADE FAIR")" "--source folded"

# ---- text ----
expect_eq "$L1" "$(sorted_ids --query lefevre)" "--query: accents folded"
expect_eq "$L1" "$(sorted_ids --query CLAI)" "--query: contact name prefix, case folded"
expect_eq "$L1" "$(sorted_ids --query claire.dubois@maison-lefevre.fr)" "--query: an email"
expect_eq "$L1" "$(sorted_ids --query 33123)" "--query: phone digits"
expect_eq "$L3" "$(sorted_ids --query "scan roll")" "--query: every word"
expect_eq "$L2" "$(sorted_ids --query "globex support")" "--query: title and client"
expect_eq "" "$(sorted_ids --query "globex payroll")" "--query: all words must match"

# ---- value ----
expect_eq "$L1" "$(sorted_ids --value-min 1000)" "--value-min (EUR)"
expect_eq "$L2" "$(sorted_ids --value-max 1000)" "--value-max (EUR)"
expect_eq "$L2" "$(sorted_ids --value-min 500 --value-max 500)" "--value-min/max inclusive"
expect_eq "$L3" "$(sorted_ids --value-min 50000 --currency usd)" "--currency"
expect_eq "$L5" "$(sorted_ids --value-min 1000 --currency JPY)" "--currency JPY"

# ---- dates and durations ----
expect_eq "$L1 $L2 $L3 $L4 $L5" "$(sorted_ids --created-since -1h)" "--created-since -1h"
expect_eq "" "$(sorted_ids --created-since +1h)" "--created-since +1h"
expect_eq "" "$(sorted_ids --created-before -1h)" "--created-before -1h"
expect_eq "$L1 $L2 $L3 $L4 $L5" "$(sorted_ids --created-before +1d)" "--created-before +1d"
expect_eq "$L1 $L2 $L3 $L4 $L5" "$(sorted_ids --updated-since today)" "--updated-since today"
expect_eq "$L1 $L2 $L3 $L4 $L5" "$(sorted_ids --no-next)" "--no-next"
expect_eq "" "$(sorted_ids --next-before +1w)" "--next-before: none planned"
expect_eq "" "$(sorted_ids --idle 1d)" "--idle 1d: all changed just now"

# ---- combined ----
expect_eq "$L2" "$(sorted_ids --owner tom --tag web --status qualified)" "owner+tag+status"
expect_eq "$L2 $L3" "$(sorted_ids --team sales --client globex --created-since -1h)" "team+client+date"
expect_eq "" "$(sorted_ids --mine)" "--mine as the admin, who owns none"

# ---- order ----
expect_eq "$L4 $L5 $L1 $L3 $L2" "$(ids --sort title)" "--sort title"
expect_eq "$L2 $L3 $L1 $L5 $L4" "$(ids --sort title --desc)" "--sort title --desc"
expect_eq "$L2 $L1 $L5 $L3 $L4" "$(ids --sort value)" "--sort value: currency, amount, none last"
expect_eq "$L1 $L2 $L3 $L4 $L5" "$(ids --sort created)" "--sort created"
expect_eq "$L5 $L4 $L3 $L2 $L1" "$(ids --sort created --desc)" "--sort created --desc"
# The last change was L3's: first when updated, newest first.
expect_eq "$L3" "$(ids --sort updated --desc | cut -d' ' -f1)" "--sort updated --desc"

# ---- a rep: --mine, and what they may see ----
as tom expect_exit 0 "$LEAD" --json ls --all --mine
expect_eq "$L1 $L2" "$(json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT")" "tom --mine"
as bob expect_exit 0 "$LEAD" --json ls --all --status qualified
expect_eq "0" "$(json 'len(d["leads"])' <<<"$OUT")" "bob sees no qualified lead of tom"

# ---- paging a filtered, sorted list by its hint ----
lead() { "$LEAD" "$@"; }
lead_ok ls --team sales --sort title --limit 1
seen=$(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$OUT")
hint=$(grep '^more: ' <<<"$OUT")
expect_match "$hint" '^more: lead ls --team sales --sort title --limit 1 --cursor ' "filtered hint"
while [ -n "$hint" ]; do
	expect_exit 0 eval "${hint#more: }"
	seen+=" $(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$OUT")"
	hint=$(grep '^more: ' <<<"$OUT" || true)
done
read -ra seen_ids <<<"$seen" # a last page may be empty
expect_eq "$L4 $L1 $L3 $L2" "${seen_ids[*]}" "every sales lead once, in title order, by the hints"

stop_leadd
