# `lead` as a user types it: add, show, ls with paging, edit, status by name,
# class word and prefix, statuses, stats, --json, and the exit codes of
# missing records and bad usage. Logged in as the admin (lib.sh), who says
# who owns each lead with --owner. Users, roles and teams: cli_users.sh.
. "$(dirname "$0")/lib.sh"

start_leadd

# ---- help and version come from the command table, no server needed ----
lead_ok --version
expect_match "$OUT" '^lead [0-9]+\.[0-9]+\.[0-9]+$' "lead --version"
lead_ok --help
expect_match "$OUT" '^  ls ' "lead --help lists ls"
expect_match "$OUT" '5 +conflict' "lead --help lists the exit codes"
lead_ok help
expect_match "$OUT" '^  statuses ' "lead help lists statuses"
lead_ok help add
expect_match "$OUT" '^usage: lead add TITLE' "lead help add"
lead_ok add --help
expect_match "$OUT" '--currency CODE' "lead add --help"
lead_ok edit --help
expect_match "$OUT" '--if-version VERSION' "lead edit --help"

# ---- ping ----
lead_ok ping
expect_match "$OUT" "^pong from $LEAD_SERVER \(server version [^,]+, RTT [0-9.]+ ms\)$" "ping"

# ---- add with every option ----
lead_ok add "Website redesign" --owner admin --client "Acme Corp" --contact "Jane Doe" --role CTO \
	--email jane@acme.example --phone "+33 1 23 45 67 89" --value 1234.5 --currency eur \
	--tag web --tag urgent --description "Full redesign of the shop" --source referral
expect_match "$OUT" '^[0-9]+$' "lead add prints the id alone"
id1=$OUT

lead_ok show "$id1"
expect_match "$OUT" "^id: +$id1\$" "show id"
expect_match "$OUT" '^title: +Website redesign$' "show title"
expect_match "$OUT" '^client: +Acme Corp$' "show client"
expect_match "$OUT" '^status: +lead-New$' "show status"
expect_match "$OUT" '^value: +1234\.50 EUR$' "show value"
expect_match "$OUT" '^source: +referral$' "show source"
expect_match "$OUT" '^owner: +admin$' "show the owner by name"
expect_match "$OUT" '^tags: +web, urgent$' "show tags"
expect_match "$OUT" '^description: +Full redesign of the shop$' "show description"
expect_match "$OUT" '^created: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} [A-Za-z0-9+-]+ by ' "show created (local time and zone)"
expect_match "$OUT" '^version: +[0-9]+$' "show version"
expect_match "$OUT" '^contacts: +Jane Doe \(main\), CTO, jane@acme\.example, ' "show contacts"
# Keys line up: every value starts in the same column.
cols=$(sed -E 's/^([a-z ]+: +).*/\1/' <<<"$OUT" | grep -E ': +$' | awk '{ print length($0) }' | sort -u | wc -l)
expect_eq 1 "$cols" "show's values start in one column"

lead_ok add "Second deal" --owner admin
id2=$OUT
expect_exit 2 "$LEAD" add "Third deal" --owner admin --client "Globex" --status dead
expect_match "$ERR" "a new lead cannot start in 'lead-Dead'" "add --status dead is refused (issue 12)"
lead_ok add "Third deal" --owner admin --client "Globex"
id3=$OUT
lead_ok dead "$id3" --reason "Went with a rival" --other
expect_eq "lead $id3: lead-New -> lead-Dead (Went with a rival)" "$OUT" "lead dead with a reason"
lead_ok show "$id3"
expect_match "$OUT" '^status: +lead-Dead$' "lead dead moved it"
expect_match "$OUT" '^reason: +Went with a rival$' "show has the reason"

# ---- ls and paging ----
lead_ok ls
expect_match "$OUT" '^ *ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT$' "ls header"
expect_match "$OUT" "^ *$id1 +Website redesign +Acme Corp +lead-New +1234\\.50 EUR +admin " "ls row"
expect_match "$OUT" "Second deal" "ls second"
expect_match "$OUT" "Third deal +Globex +lead-Dead" "ls third"
expect_no_match "$OUT" '^more:' "ls with everything on one page"

lead_ok ls --limit 1
expect_eq 3 "$(wc -l <<<"$OUT")" "ls --limit 1 prints a header, one lead and a more line"
expect_match "$OUT" '^more: lead ls --limit 1 --cursor [^ ]+$' "ls --limit 1 gives a cursor, keeping --limit"
first=$(sed -n 2p <<<"$OUT" | awk '{ print $1 }')
cursor=$(sed -n 's/^more: lead ls --limit 1 --cursor //p' <<<"$OUT")
lead_ok ls --limit 1 --cursor "$cursor"
second=$(sed -n 2p <<<"$OUT" | awk '{ print $1 }')
expect_match "$second" '^[0-9]+$' "the next page has a lead"
[ "$first" != "$second" ] || fail "--cursor gave the same lead $first again"

# Page through everything with --json: every lead exactly once.
seen=""
cursor=""
for _ in 1 2 3 4 5; do
	if [ -n "$cursor" ]; then
		lead_ok --json ls --limit 1 --cursor "$cursor"
	else
		lead_ok --json ls --limit 1
	fi
	expect_eq 1 "$(json 'len(d["leads"])' <<<"$OUT")" "one lead per page"
	seen="$seen $(json 'd["leads"][0]["id"]' <<<"$OUT")"
	cursor=$(json 'd["cursor"] or ""' <<<"$OUT")
	[ -n "$cursor" ] || break
done
expect_eq "$id1 $id2 $id3" "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort -n | paste -sd' ')" \
	"paging with --cursor visits every lead once"

# ---- edit ----
lead_ok edit "$id1" --title "Website redesign v2" --phone "+33 9 99 99 99 99" \
	--email new@acme.example
expect_match "$OUT" '^title: +Website redesign v2$' "edit prints the updated lead"
lead_ok --json show "$id1"
expect_eq "Website redesign v2" "$(json 'd["title"]' <<<"$OUT")" "edit --title"
expect_eq "Jane Doe" "$(json 'd["contacts"][0]["name"]' <<<"$OUT")" "main contact kept its name"
expect_eq "new@acme.example" "$(json 'd["contacts"][0]["email"]' <<<"$OUT")" "edit --email"
expect_match "$(json 'd["contacts"][0]["phone"]' <<<"$OUT" | tr -cd '0-9')" '^33999999999$' \
	"edit --phone"
expect_eq 1 "$(json 'len(d["contacts"])' <<<"$OUT")" "--phone/--email change the main contact"
expect_eq "Acme Corp" "$(json 'd["client"]' <<<"$OUT")" "edit leaves other fields alone"
lead_ok edit "$id1" --tag b2b --value 99
lead_ok --json show "$id1"
expect_eq '["b2b"]' "$(json 'd["tags"]' <<<"$OUT")" "edit --tag replaces the tags"
expect_eq '{"amount": "99.00", "minor": 9900, "currency": "EUR"}' "$(json 'd["value"]' <<<"$OUT")" \
	"edit --value keeps the currency"

# ---- status: full name, class word, prefix ----
lead_ok status "$id2" LEAD-qualified
expect_eq "lead $id2: lead-New -> lead-Qualified" "$OUT" "status by full name"
lead_ok status "$id1" qualified
expect_eq "lead $id1: lead-New -> lead-Qualified" "$OUT" "status by class word"
lead_ok status "$id1" cust
expect_eq "lead $id1: lead-Qualified -> customer-Won" "$OUT" "status by prefix"
lead_ok status "$id3" prospect
expect_eq "lead $id3: lead-Dead -> prospect-Qualified" "$OUT" "status by class word across stages"
expect_exit 2 "$LEAD" status "$id2" lead-
expect_match "$ERR" "status 'lead-' is ambiguous: it could be 'lead-New', 'lead-Qualified', 'lead-Dead'" "an ambiguous status lists the candidates"
expect_exit 3 "$LEAD" status "$id2" nosuch
expect_match "$ERR" "no status 'nosuch'" "an unknown status is not found (the server's answer)"
expect_match "$ERR" 'customer-Won' "an unknown status lists the statuses"
lead_ok show "$id2"
expect_match "$OUT" '^status: +lead-Qualified$' "a refused status change changed nothing"
lead_ok --json status "$id2" lead-new
expect_eq "lead-New" "$(json 'd["status"]' <<<"$OUT")" "status --json prints the lead"

# ---- statuses ----
lead_ok statuses
expect_match "$OUT" '^ *ID +NAME +STAGE +PROBABILITY +KPI +ORDER +LEADS +TARGET$' "statuses header"
for s in lead-New lead-Qualified lead-Dead prospect-Qualified prospect-Lost customer-Won; do
	expect_match "$OUT" " $s " "statuses lists $s"
done
expect_match "$OUT" ' prospect-Qualified +prospect +10% +prospect +4 +[0-9]+ +yes$' "prospect-Qualified's row"
expect_match "$OUT" ' customer-Won +customer +100% +won +6 +[0-9]+ +yes$' "customer-Won's row (the customer stage's conversion target: opp won moves a lead to it)"
lead_ok --json statuses
expect_match "$(json '[s["name"] for s in d["statuses"]]' <<<"$OUT")" '"lead-New"' "statuses --json"
expect_eq qualified "$(json '[s["kpi"] for s in d["statuses"] if s["name"] == "lead-Qualified"][0]' <<<"$OUT")" \
	"statuses --json kpi"

# ---- --json for add, show, ls ----
lead_ok --json add "JSON lead" --owner admin --value 10 --tag x --contact "Bob" --currency usd
expect_eq 1000 "$(json 'd["value"]["minor"]' <<<"$OUT")" "add --json value"
expect_eq USD "$(json 'd["value"]["currency"]' <<<"$OUT")" "add --json currency"
expect_eq lead-New "$(json 'd["status"]' <<<"$OUT")" "add --json status"
expect_eq '[{"name": "Bob", "role": null, "email": null, "phone": null, "note": null, "left": false, "main": true}]' \
	"$(json 'd["contacts"]' <<<"$OUT")" "add --json contacts"
id4=$(json 'd["id"]' <<<"$OUT")
expect_match "$id4" '^[0-9]+$' "add --json has the id"
keys='id title client client_id description value source tags contacts status status_id
	stage probability kpi status_changed_at status_reason owner owner_id team team_id next_action next_action_note created_at
	created_by created_by_id updated_at updated_by updated_by_id version'
missing=$(KEYS=$keys json '[k for k in __import__("os").environ["KEYS"].split() if k not in d]' <<<"$OUT")
expect_eq '[]' "$missing" "lead JSON has every key"
lead_ok show "$id4" --json
expect_eq "JSON lead" "$(json 'd["title"]' <<<"$OUT")" "--json after the command"
expect_eq admin "$(json 'd["owner"]' <<<"$OUT")" "--json owner name"
expect_eq 1 "$(json 'd["owner_id"]' <<<"$OUT")" "--json owner_id"
expect_eq null "$(json 'd["client"]' <<<"$OUT")" "no client is null"
lead_ok --json ls
expect_eq 4 "$(json 'len(d["leads"])' <<<"$OUT")" "ls --json"
expect_eq null "$(json 'd["cursor"]' <<<"$OUT")" "ls --json without more has a null cursor"
expect_eq "customer-Won" "$(json '[l["status"] for l in d["leads"] if l["id"] == '"$id1"'][0]' <<<"$OUT")" \
	"ls --json status names"
lead_ok --json ping
expect_match "$(json 'type(d["rtt_ms"]).__name__' <<<"$OUT")" '^(int|float)$' "ping --json rtt_ms"
expect_match "$(json 'd["server_version"]' <<<"$OUT")" '.' "ping --json server_version"

# ---- not found ----
expect_exit 3 "$LEAD" show 999999
expect_match "$ERR" '^lead: .+' "show of a missing lead says why on stderr"
expect_eq "" "$OUT" "nothing on stdout for a missing lead"
expect_exit 3 "$LEAD" --json show 999999
expect_eq NOT_FOUND "$(json 'd["code"]' <<<"$ERR")" "--json error code"
expect_match "$(json 'd["message"]' <<<"$ERR")" '.' "--json error message"
expect_exit 3 "$LEAD" edit 999999 --title nope
expect_exit 3 "$LEAD" status 999999 dead

# ---- bad usage: exit 2, nothing sent ----
expect_exit 2 "$LEAD" add
expect_match "$ERR" '^usage: lead add TITLE' "a usage error shows the usage"
expect_exit 2 "$LEAD" add "x" "y"
expect_exit 2 "$LEAD" add "x" --value 12.345
expect_exit 2 "$LEAD" add "x" --value ten
expect_exit 2 "$LEAD" add "x" --value 1 --currency EURO
expect_exit 2 "$LEAD" add "x" --value 1 --currency E1R
expect_exit 2 "$LEAD" add "x" --bogus
expect_exit 2 "$LEAD" show
expect_exit 2 "$LEAD" show abc
expect_exit 2 "$LEAD" show 0
expect_exit 2 "$LEAD" ls --limit many
expect_exit 2 "$LEAD" ls extra
expect_exit 2 "$LEAD" edit "$id1"
expect_match "$ERR" 'say what to change' "edit without a field"
expect_exit 2 "$LEAD" edit "$id1" --if-version x --title t
expect_exit 2 "$LEAD" status "$id1"
expect_exit 2 "$LEAD" frobnicate
expect_match "$ERR" "unknown command 'frobnicate'" "unknown command"
expect_exit 2 "$LEAD" --timeout soon ping
expect_exit 2 "$LEAD"
expect_exit 2 "$LEAD" --json show abc
expect_eq INVALID_ARGUMENT "$(json 'd["code"]' <<<"$ERR")" "--json usage error"
lead_ok ls --json
expect_eq 4 "$(json 'len(d["leads"])' <<<"$OUT")" "bad usage created nothing"

# ---- stats ----
lead_ok stats
expect_match "$OUT" '^commits: +[1-9][0-9]*$' "stats shows commits"
expect_match "$OUT" '^writes per commit: +[0-9]+\.[0-9]{2}$' "stats writes per commit"
expect_match "$OUT" '^leads: +4$' "stats leads"
expect_match "$OUT" '^revision: +[1-9]' "stats revision"
lead_ok --json stats
# A transaction of refused writes only (lead status ID nosuch) counts as a
# commit with no write in it, so commits may exceed writes_committed.
expect_eq true "$(json 'd["commits"] >= 1 and d["writes_committed"] >= 1' <<<"$OUT")" \
	"stats --json commits"
expect_eq 4 "$(json 'd["leads"]' <<<"$OUT")" "stats --json leads"

stop_leadd
