# `lead ls` filters, `lead search` and `lead kpi` as far as the client
# decides them: usage errors (exit 2, with what was wrong and the accepted
# forms), dates read in TZ, help from the command table, and the "more:"
# hint that pastes back as the next page. The filters here match every lead,
# so the paging checks hold whether or not the server applies them.
. "$(dirname "$0")/lib.sh"

start_leadd

# ---- help ----
lead_ok help
expect_match "$OUT" '^  kpi ' "lead help lists kpi"
expect_match "$OUT" '^  search ' "lead help lists search"
# A help topic that does not exist points at the help that does.
expect_exit 2 "$LEAD" help search bogus
expect_match "$ERR" "^lead: unknown command 'search bogus'; run 'lead help search'$" "help search bogus"
expect_exit 2 "$LEAD" help ls extra
expect_match "$ERR" "^lead: 'ls' has no subcommands; run 'lead help ls'$" "help ls extra"
lead_ok help ls
expect_match "$OUT" '^usage: lead ls \[FILTERS\] \[--sort FIELD\] \[--desc\]' "help ls usage"
for opt in status mine owner team pool client tag query value-min value-max currency \
	created-since created-before updated-since next-before no-next idle source sort desc; do
	expect_match "$OUT" "^  --$opt( |\$)" "help ls lists --$opt"
done
expect_match "$OUT" 'today,$' "help ls says the date forms"
expect_match "$OUT" '^tomorrow or a weekday \(mon or monday: the next one\)' "help ls says the day forms"
expect_match "$OUT" '^or with a time \(tomorrow 10:00, mon 9:00\); or -7d or \+2d from now$' "help ls says the relative forms"
lead_ok ls --help
expect_match "$OUT" '^  --idle DURATION ' "ls --help lists the filters"
lead_ok help kpi
expect_match "$OUT" '^usage: lead kpi \[--by owner\|team\] \[--team TEAM\] \[--since 7d\|DATE\]' "help kpi"
expect_match "$OUT" 'OPEN VALUE' "help kpi explains open value"
lead_ok help search
for sub in save ls run edit rm pin unpin; do
	expect_match "$OUT" "^  $sub " "help search lists $sub"
done
expect_match "$OUT" 'lead search save mine-q --mine --status qualified' "help search example"
lead_ok help search save
expect_match "$OUT" '^usage: lead search save NAME \[FILTERS\]' "help search save"
expect_match "$OUT" '^  --query TEXT ' "search save lists the filters"
lead_ok search edit --help
expect_match "$OUT" '--name NEW' "search edit --help"

# ---- usage errors: exit 2, what was wrong, no request sent ----
expect_exit 2 "$LEAD" ls --created-since yesterday
expect_match "$ERR" "--created-since: 'yesterday': not a date; a date is 2026-12-01, 2026-12-01T10:30" "bad date"
expect_match "$ERR" 'today, tomorrow or a weekday .*tomorrow 10:00, mon 9:00.*-7d or \+2d' "bad date lists the forms"
expect_match "$ERR" '^usage: lead ls' "bad date shows the usage"
expect_exit 2 "$LEAD" ls --created-before 2026-02-30
expect_match "$ERR" "'2026-02-30': no such day or time" "no such day"
expect_exit 2 "$LEAD" ls --updated-since 2026-12-01T25:00
expect_match "$ERR" 'no such day or time' "no such hour"
expect_exit 2 "$LEAD" ls --next-before 1969-12-31
expect_match "$ERR" 'before 1970' "before 1970"
# A local time the clocks skip does not exist.
expect_exit 2 env TZ=Europe/Paris "$LEAD" ls --created-since 2026-03-29T02:30
expect_match "$ERR" 'does not exist' "DST gap"
expect_exit 2 "$LEAD" ls --created-since -7y
expect_exit 2 "$LEAD" ls --idle 14
expect_match "$ERR" "--idle wants a duration like 30m, 12h, 14d or 2w, not '14'" "bad --idle"
expect_exit 2 "$LEAD" ls --idle 0d
expect_exit 2 "$LEAD" ls --sort size
expect_match "$ERR" "--sort wants id, created, updated, value, next or title, not 'size'" "bad --sort"
# An amount option followed by another option: the amount is missing, not
# an argument left over.
expect_exit 2 "$LEAD" ls --value-min --limit 1
expect_match "$ERR" "^lead: --value-min needs a value before the next option \\('--limit'\\)" "--value-min --limit"
expect_exit 2 "$LEAD" ls --value-max --sort title
expect_match "$ERR" "^lead: --value-max needs a value before the next option \\('--sort'\\)" "--value-max --sort"
expect_exit 2 "$LEAD" add Deal --value --currency USD
expect_match "$ERR" "^lead: --value needs a value before the next option \\('--currency'\\); give it as --value AMOUNT, e.g. --value 5000\$" "add --value --currency: the help's name for it, and an example"
expect_exit 2 "$LEAD" ls --value-min abc
expect_match "$ERR" "--value-min wants an amount of 0 or more like 1234.50 \(EUR has 2 decimals\), not 'abc'" "bad amount"
expect_exit 2 "$LEAD" ls --value-max 99999999999999999999 --currency JPY
expect_match "$ERR" "^lead: --value-max 99999999999999999999 is too large: it may be at most 9223372036854775806 JPY" \
	"an amount past the most the currency holds"
expect_exit 2 "$LEAD" ls --value-min 10.001
expect_exit 2 "$LEAD" ls --value-max 10.5 --currency JPY
expect_match "$ERR" 'JPY has 0 decimals' "amount in the currency's unit"
expect_exit 2 "$LEAD" ls --value-min 10 --value-max 5
expect_match "$ERR" '--value-min 10 is above --value-max 5' "min above max"
expect_exit 2 "$LEAD" ls --value-min 10 --currency EURO
expect_match "$ERR" "ISO 4217 code like EUR, USD or JPY, not 'EURO'" "bad currency"
expect_exit 2 "$LEAD" ls --currency USD
expect_match "$ERR" '--currency goes with --value-min or --value-max' "currency alone"
expect_exit 2 "$LEAD" ls --limit 0
expect_exit 2 "$LEAD" ls --all --cursor c1.2
expect_match "$ERR" '--all starts from the first page' "--all with --cursor"
expect_exit 2 "$LEAD" ls qualified
expect_exit 2 "$LEAD" ls --status
expect_match "$ERR" "option '--status' needs a value" "missing value"
expect_exit 2 "$LEAD" ls --colour red
expect_exit 2 "$LEAD" --json ls --sort size
expect_eq INVALID_ARGUMENT "$(json 'd["code"]' <<<"$ERR")" "JSON usage error code"

expect_exit 2 "$LEAD" kpi --by rep
expect_match "$ERR" "--by wants owner or team, not 'rep'" "kpi --by"
expect_exit 2 "$LEAD" kpi --since tomorrow
expect_match "$ERR" 'a duration back from now \(7d, 12h, 2w\) or a date' "kpi --since"
expect_exit 2 "$LEAD" kpi --since +2d
expect_match "$ERR" 'in the future' "kpi --since in the future"
expect_exit 2 "$LEAD" kpi sales

expect_exit 2 "$LEAD" search
expect_match "$ERR" "'search' needs a subcommand" "search alone"
expect_exit 2 "$LEAD" search find x
expect_match "$ERR" "unknown command 'search find'" "search find"
expect_exit 2 "$LEAD" search save
expect_exit 2 "$LEAD" search save a b
expect_exit 2 "$LEAD" search save q --idle soon
expect_exit 2 "$LEAD" search edit q
expect_match "$ERR" 'say what to change' "search edit with nothing"
expect_exit 2 "$LEAD" search edit q --team sales
expect_match "$ERR" "cannot be changed.*--in-team sales" "search edit --team"
expect_exit 2 "$LEAD" search edit q --asc --desc
expect_exit 2 "$LEAD" search pin q --position 0
expect_exit 2 "$LEAD" search unpin q --position 1
expect_exit 2 "$LEAD" search run q --all --cursor c1.2
expect_exit 2 "$LEAD" search run
expect_exit 2 "$LEAD" search rm

# ---- the more: hint pastes back as the next page ----
# Every filter below matches every lead made here.
ids=()
for i in 1 2 3 4 5; do
	lead_ok add "Deal $i" --owner admin --client "O'Brien & Sons" --value "10$i" --tag web \
		--source "trade fair"
	ids+=("$OUT")
done
lead() { "$LEAD" "$@"; }
lead_ok ls --client "O'Brien & Sons" --query deal --tag web --owner admin --status new \
	--created-since -1d --value-min 0 --currency eur --source "trade fair" --sort created \
	--desc --limit 2
hint=$(grep '^more: ' <<<"$OUT")
expect_match "$hint" "^more: lead ls --client 'O'\\\\''Brien & Sons' --query deal --tag web --owner admin --status new --created-since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z --value-min 0 --currency eur --source 'trade fair' --sort created --desc --limit 2 --cursor [^ ]+\$" "hint repeats every option"
seen=$(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$OUT")
pages=1
while [ -n "$hint" ]; do
	expect_exit 0 eval "${hint#more: }"
	seen+=$'\n'$(awk '$1 ~ /^[0-9]+$/ { print $1 }' <<<"$OUT")
	hint=$(grep '^more: ' <<<"$OUT" || true)
	pages=$((pages + 1))
	[ "$pages" -le 5 ] || fail "paging by the hint did not end"
done
expect_eq 3 "$pages" "5 leads in pages of 2"
expect_eq "$(printf '%s\n' "${ids[@]}" | sort -n)" "$(sort -n <<<"$seen")" "every lead once, by pasting the hints"

# --all: every page as one list, no hint; as JSON, cursor null.
lead_ok ls --limit 2 --all --query deal
expect_eq 5 "$(grep -cE '^ *[0-9]+ +Deal' <<<"$OUT")" "ls --all lists every page"
expect_no_match "$OUT" '^more:' "ls --all leaves nothing more"
lead_ok --json ls --limit 2 --all
expect_eq 5 "$(json 'len(d["leads"])' <<<"$OUT")" "ls --json --all"
expect_eq null "$(json 'd["cursor"]' <<<"$OUT")" "ls --json --all cursor"
lead_ok ls --json --limit 2
expect_match "$(json 'd["cursor"]' <<<"$OUT")" '.' "ls --json keeps the cursor"

# --server is kept in the hint, so the next page comes from the same server.
lead_ok --server "$LEAD_SERVER" ls --limit 4 --tag web
expect_match "$OUT" "^more: lead --server $LEAD_SERVER ls --tag web --limit 4 --cursor " "hint keeps --server"

# ---- dates are read in TZ; relative ones are sent (and repeated) as instants ----
want=$(TZ=Asia/Tokyo date -d 'today 00:00' +%s)
want=$(date -u -d "@$want" +%Y-%m-%dT%H:%M:%SZ)
expect_exit 0 env TZ=Asia/Tokyo "$LEAD" ls --limit 1 --created-since today
expect_match "$OUT" "^more: lead ls --created-since $want --limit 1 " "today is local midnight"
want=$(TZ=America/New_York date -d 'today 00:00' +%s)
want=$(date -u -d "@$want" +%Y-%m-%dT%H:%M:%SZ)
expect_exit 0 env TZ=America/New_York "$LEAD" ls --limit 1 --created-since today
expect_match "$OUT" "--created-since $want " "today depends on TZ"
before=$(date +%s)
lead_ok ls --limit 1 --created-since -2h
after=$(date +%s)
got=$(grep -oE -- '--created-since [^ ]+' <<<"$OUT" | cut -d' ' -f2)
got=$(date -u -d "$got" +%s)
if [ "$got" -lt $((before - 7200)) ] || [ "$got" -gt $((after - 7200)) ]; then
	fail "-2h became $got, not within [$((before - 7200)), $((after - 7200))]"
fi
# An absolute date is repeated as typed.
lead_ok ls --limit 1 --created-since 2026-01-15T08:00
expect_match "$OUT" '--created-since 2026-01-15T08:00 --limit 1 --cursor' "absolute date kept"

stop_leadd
