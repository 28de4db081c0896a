#!/usr/bin/env bash
# Issue 10's "Done when" as one story a new sales rep lives through the lead
# binary: an admin sets up team North (manager sofia, reps marc and rita);
# marc works a big sale with three contacts (the main one moved to the top,
# one marked as left), several small sales in one client folder found by
# `lead client show`, the agency as a tag, a near-duplicate folder name
# caught, the next action set, shown and listed, and the full history of a
# lead that marc and sofia both changed. Times are read in Europe/Madrid
# (CET in winter, CEST in summer); every --json document the story meets is
# checked field by field. Ends with `leadd verify`.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Madrid

start_leadd
# as USER CMD...: run CMD with USER's session (each user its own config dir).
as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}
# jsonu EXPR: as json, but prints any result as JSON with its letters as they
# are ("Lefèvre", not "Lef\u00e8vre").
jsonu()
{
	"$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(json.dumps(eval(sys.argv[1], {"d": d}), ensure_ascii=False))
' "$1"
}
rfc3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$'
local_minute='20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CES?T'

# ---- the admin sets up the team ----
lead_ok team add North
for u in sofia:manager marc:rep rita:rep; do
	lead_ok user add "${u%%:*}" --role "${u##*:}" --team North --password-stdin <<<"${u%%:*}-password-1"
	mkdir -p "$LEADD_DIR/cfg-${u%%:*}"
	as "${u%%:*}" expect_exit 0 "$LEAD" login "${u%%:*}" --password-stdin <<<"${u%%:*}-password-1"
done
lead_ok team edit North --manager sofia

# ---- 1. A big sale with three contacts, the main one moved to the top ----
as marc lead_ok add "Fleet renewal" --client "Transportes Ibéricos" --contact "Ana Ruiz" \
	--role CEO --email ana@tib.es --phone "+34 600 111 222" --value 250000
big=$OUT
expect_match "$big" '^[0-9]+$' "lead add prints the new id"
as marc lead_ok contact add "$big" --name "Bob Stone" --role CFO --email bob@tib.es
as marc lead_ok contact add "$big" --name "Carla Gil" --role "Fleet manager" --email carla@tib.es \
	--phone "+34 600 333 444" --note "signs the orders"
expect_match "$OUT" '^3 +Carla Gil +Fleet manager +carla@tib.es +\+34 600 333 444 +signs the orders$' \
	"contact add: the third contact last"
as marc lead_ok contact main "$big" 3
as marc lead_ok contact ls "$big"
expect_eq '#       NAME       ROLE           EMAIL         PHONE            NOTE
1 main  Carla Gil  Fleet manager  carla@tib.es  +34 600 333 444  signs the orders
2       Ana Ruiz   CEO            ana@tib.es    +34 600 111 222  -
3       Bob Stone  CFO            bob@tib.es    -                -' "$OUT" \
	"contact ls: the new main one on top, the others in their order"
as marc lead_ok show "$big"
show=$OUT
expect_eq 'contacts:    Carla Gil (main), Fleet manager, carla@tib.es, +34 600 333 444
               note: signs the orders
             Ana Ruiz, CEO, ana@tib.es, +34 600 111 222
             Bob Stone, CFO, bob@tib.es' \
	"$(sed -n '/^contacts:/,/^$/p' <<<"$show" | sed '/^$/d')" "lead show: the contacts in the new order"
expect_match "$show" "^${local_minute}  marc +contacts +main: Carla Gil\$" "lead show: the move in the history"

# ---- 2. Several small sales in one client folder ----
as marc lead_ok add "Payroll audit" --client "Maison Lefèvre" --value 1200
small1=$OUT
as marc lead_ok add "Training day" --client "maison lefevre" --value 800
small2=$OUT
as marc lead_ok add "Office move" --client "MAISON-LEFÈVRE" --value 3000 --currency USD
small3=$OUT
as marc lead_ok status "$small2" qualified
expect_eq "lead $small2: lead-New -> lead-Qualified" "$OUT" "lead status prints the move"
# rita's lead in the same folder: hers, not marc's.
as rita lead_ok add "Lunch vouchers" --client "Maison Lefevre" --value 500
ritas=$OUT
as marc lead_ok --json ls --client "maison lefèvre"
expect_eq "[$small1, $small2, $small3]" "$(json '[l["id"] for l in d["leads"]]' <<<"$OUT")" \
	"three spellings, one folder"
expect_eq '["Maison Lefèvre"]' "$(jsonu 'sorted({l["client"] for l in d["leads"]})' <<<"$OUT")" \
	"the folder keeps the name it was first given"
as marc lead_ok client show "Maison Lefevre"
cs=$OUT
expect_match "$cs" '^client: +Maison Lefèvre$' "client show: the folder"
expect_match "$cs" "^created: +${local_minute}\$" "client show: local time"
expect_eq "ID  TITLE          STATUS                VALUE  OWNER
 $small1  Payroll audit  lead-New        1200.00 EUR  you
 $small2  Training day   lead-Qualified   800.00 EUR  you
 $small3  Office move    lead-New        3000.00 USD  you" \
	"$(sed -n '/^ID /,/^$/p' <<<"$cs" | sed '/^$/d')" "client show: exactly marc's leads, status, owner, value"
expect_eq "STATUS          LEADS        VALUE
lead-New            2  1200.00 EUR
                       3000.00 USD
lead-Qualified      1   800.00 EUR
total               3  2000.00 EUR
                       3000.00 USD" "$(sed -n '/^STATUS /,$p' <<<"$cs" | sed 's/ *$//')" \
	"client show: totals per status and for the folder, one row per currency"
expect_no_match "$cs" "Lunch vouchers" "rita's lead is not marc's to see"
as sofia lead_ok client show "MAISON LEFEVRE"
expect_match "$OUT" "^ *$ritas +Lunch vouchers +lead-New +500\\.00 EUR +rita\$" "the manager sees rita's lead"
expect_match "$OUT" "^ *$small1 +Payroll audit +lead-New +1200\\.00 EUR +marc\$" "and marc's, by name"
expect_match "$OUT" '^lead-New +3 +1700\.00 EUR$' "the manager's totals add rita's"
expect_match "$OUT" '^total +4 +[0-9.]+ EUR$' "four leads for the manager"

# ---- 3. The agency case: the end client's folder, the agency as a tag ----
as marc lead_ok add "Spring TV campaign" --client Coca-Cola --tag Carat --value 48000
tv=$OUT
as marc lead_ok add "Summer radio" --client Fanta --tag carat
radio=$OUT
as marc lead_ok --json show "$radio"
expect_eq '["Carat"]' "$(json 'd["tags"]' <<<"$OUT")" "a tag keeps the case first written"
as marc lead_ok add "Autumn print" --client Sprite --tag Media
print=$OUT
as marc lead_ok tag "$small1" --add CARAT --add Media
expect_match "$OUT" 'Carat' "lead tag: the first-written case"
as rita lead_ok add "Rita's poster" --client Coca-Cola --tag carat
as marc lead_ok ls --tag carat
expect_eq "ID  TITLE               CLIENT          STATUS           VALUE  OWNER  NEXT
 $small1  Payroll audit       Maison Lefèvre  lead-New   1200.00 EUR  you    -
 $tv  Spring TV campaign  Coca-Cola       lead-New  48000.00 EUR  you    -
 $radio  Summer radio        Fanta           lead-New             -  you    -" "$OUT" \
	"lead ls --tag carat: every lead of marc's bought through Carat"
as marc lead_ok tags
expect_eq "TAG    LEADS
Carat      3
Media      2" "$OUT" "lead tags counts marc's leads"
as sofia lead_ok tags
expect_match "$OUT" '^Carat +4$' "the manager's count has rita's too"

# ---- 4. Near-duplicate folder names caught ----
expect_exit 5 as marc "$LEAD" add "Vending machines" --client "Coca Kola"
expect_match "$ERR" "did you mean 'Coca-Cola'\\?" "a near name is refused with the closest"
expect_match "$ERR" "--new-client" "and how to confirm a new folder"
as marc lead_ok --json ls --query vending
expect_eq '[]' "$(json 'd["leads"]' <<<"$OUT")" "the refused add made no lead"
as marc lead_ok add "Vending machines" --client "Coca Kola" --new-client
kola=$OUT
as marc lead_ok --json client ls --query coca
expect_eq '["Coca Kola", "Coca-Cola"]' "$(json 'sorted(c["name"] for c in d["clients"])' <<<"$OUT")" \
	"--new-client made a second folder"
as marc lead_ok client show "Coca Kola"
expect_match "$OUT" "^ *$kola +Vending machines +lead-New +- +you\$" "the lead in the new folder"

# ---- 5. A contact marked as left ----
as marc lead_ok contact edit "$big" bob@tib.es --left
as marc lead_ok contact ls "$big"
expect_match "$OUT" '^3 left +Bob Stone +CFO +bob@tib.es' "contact ls: left"
as marc lead_ok show "$big"
expect_match "$OUT" '^ +Bob Stone \(left\), CFO, bob@tib.es$' "lead show: left"
as marc lead_ok --json ls --query bob@tib.es
expect_eq "[$big]" "$(json '[l["id"] for l in d["leads"]]' <<<"$OUT")" "a left contact's email still finds the lead"

# ---- 6. The next action ----
as marc lead_ok add "Later deal" --client Fanta
later=$OUT
as marc lead_ok edit "$later" --next 2027-07-01T09:00
as marc lead_ok edit "$big" --next "2027-01-05T10:30" --next-note "send the quote"
as marc lead_ok show "$big"
expect_match "$OUT" '^next action: 2027-01-05 10:30 CET: send the quote$' "lead show: local time and the note"
as marc lead_ok ls --next-before 2027-01-06
expect_eq "ID  TITLE          CLIENT                STATUS            VALUE  OWNER  NEXT
 $big  Fleet renewal  Transportes Ibéricos  lead-New  250000.00 EUR  you    2027-01-05 10:30 CET" "$OUT" \
	"--next-before: only the lead due before"
as marc lead_ok ls
expect_match "$OUT" '^ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT$' "lead ls: its columns"
expect_match "$OUT" "^ *$big +Fleet renewal +Transportes Ibéricos +lead-New +250000\\.00 EUR +you +2027-01-05 10:30 CET\$" \
	"lead ls NEXT"
expect_match "$OUT" "^ *$later +Later deal +Fanta +lead-New +- +you +2027-07-01 09:00 CEST\$" \
	"another NEXT, in summer time"
expect_match "$OUT" "^ *$print +Autumn print +Sprite +lead-New +- +you +-\$" "no next action: -"
as marc lead_ok --json ls --no-next
expect_eq "[$small1, $small2, $small3, $tv, $radio, $print, $kola]" "$(json '[l["id"] for l in d["leads"]]' <<<"$OUT")" \
	"--no-next: the leads without a next action"
expect_eq '[null, null]' "$(json '[d["leads"][0]["next_action"], d["leads"][0]["next_action_note"]]' <<<"$OUT")" \
	"no next action is null"
as marc lead_ok --json show "$later"
expect_eq '["2027-07-01T07:00:00Z", null]' "$(json '[d["next_action"], d["next_action_note"]]' <<<"$OUT")" \
	"09:00 CEST is 07:00 UTC; no note is null"

# ---- 7. The history of a lead edited by the rep and the manager ----
as sofia lead_ok assign "$big" --to rita
expect_eq "lead $big: owner marc -> rita" "$OUT" "the manager's assignment"
as sofia lead_ok assign "$big" --to marc
as sofia lead_ok status "$big" qualified
as sofia lead_ok edit "$big" --value 260000
as marc lead_ok edit "$big" --title "Fleet renewal 2027"
as marc lead_ok history "$big"
hist=$OUT
w="^${local_minute}  "
expect_eq "created
title Fleet renewal
client Transportes Ibéricos
value 250000.00 EUR
contacts added Ana Ruiz <ana@tib.es>, +34 600 111 222
status lead-New
owner marc
team North
contacts added Bob Stone <bob@tib.es>
contacts added Carla Gil <carla@tib.es>, +34 600 333 444
contacts main: Carla Gil
contacts Bob Stone: left
next action none -> 2027-01-05 10:30 CET
next action note none -> send the quote
owner marc -> rita
owner rita -> marc
status lead-New -> lead-Qualified
value 250000.00 EUR -> 260000.00 EUR
title Fleet renewal -> Fleet renewal 2027" \
	"$(sed -E 's/^[0-9-]+ [0-9:]+ CES?T  [a-z]+ +//; s/  +/ /' <<<"$hist")" \
	"lead history: every change in order, field, old -> new"
expect_eq "marc marc marc marc marc marc marc marc marc marc marc marc marc marc sofia sofia sofia sofia marc" \
	"$(sed -E 's/^[0-9-]+ [0-9:]+ CES?T  ([a-z]+) .*/\1/' <<<"$hist" | tr '\n' ' ' | sed 's/ $//')" \
	"lead history: who"
expect_match "$hist" "${w}sofia +owner +marc -> rita\$" "the manager's assignment"
expect_match "$hist" "${w}sofia +status +lead-New -> lead-Qualified\$" "the status move"
expect_eq 19 "$(grep -cE "$w" <<<"$hist")" "every line has its local time"
as marc lead_ok --json history "$big"
js=$OUT
expect_eq 11 "$(json 'len(d)' <<<"$js")" "eleven entries"
expect_eq "true" "$(json 'all(sorted(i) == ["activity", "activity_op", "at", "author", "changes", "kind", "opp_op", "opportunity", "revision"] for i in d)' <<<"$js")" \
	"each entry: exactly revision, at, author, kind, activity, activity_op, opportunity, opp_op, changes"
expect_eq "true" "$(json 'all(sorted(c) == ["field", "new", "old"] for i in d for c in i["changes"])' <<<"$js")" \
	"each change: exactly field, old, new"
expect_eq "true" "$(json '[i["revision"] for i in d] == sorted({i["revision"] for i in d})' <<<"$js")" \
	"oldest first, each revision once"
expect_eq "true" "$(json 'all(isinstance(i["revision"], int) for i in d)' <<<"$js")" "revisions are integers"
for i in 0 10; do
	expect_match "$(json "d[$i][\"at\"]" <<<"$js")" "$rfc3339" "at is RFC 3339 UTC"
done
# The text's local minutes are the JSON's UTC instants in Europe/Madrid.
expect_eq "$(sed -E 's/^([0-9-]+ [0-9:]+ CES?T) .*/\1/' <<<"$hist" | uniq)" \
	"$("$PYTHON" -c '
import json, sys, datetime, zoneinfo
z = zoneinfo.ZoneInfo("Europe/Madrid")
prev = None
for i in json.load(sys.stdin):
    t = datetime.datetime.fromisoformat(i["at"].replace("Z", "+00:00")).astimezone(z)
    s = t.strftime("%Y-%m-%d %H:%M %Z")
    if s != prev:
        print(s)
    prev = s
' <<<"$js")" "history's local times are its UTC times in TZ"
expect_eq '["create", "marc", "title", null, "Fleet renewal"]' \
	"$(json '[d[0]["kind"], d[0]["author"], d[0]["changes"][0]["field"], d[0]["changes"][0]["old"], d[0]["changes"][0]["new"]]' <<<"$js")" \
	"the creation"
expect_eq '["title", "client", "value", "contacts", "status", "owner", "team"]' \
	"$(json '[c["field"] for c in d[0]["changes"]]' <<<"$js")" "the fields it was created with"
expect_eq '{"field": "contacts", "old": null, "new": "main: Carla Gil"}' "$(json 'd[3]["changes"][0]' <<<"$js")" \
	"a contact change: a sentence, old null"
expect_eq '[{"field": "next_action", "old": null, "new": "2027-01-05T09:30:00Z"}, {"field": "next_action_note", "old": null, "new": "send the quote"}]' \
	"$(json 'd[5]["changes"]' <<<"$js")" "the next action in UTC, and its note, in one entry"
expect_eq '["assign", "sofia", [{"field": "owner", "old": "marc", "new": "rita"}]]' \
	"$(json '[d[6]["kind"], d[6]["author"], d[6]["changes"]]' <<<"$js")" "the manager's assignment"
expect_eq '["assign", "sofia", [{"field": "owner", "old": "rita", "new": "marc"}]]' \
	"$(json '[d[7]["kind"], d[7]["author"], d[7]["changes"]]' <<<"$js")" "and back"
expect_eq '["status", "sofia", [{"field": "status", "old": "lead-New", "new": "lead-Qualified"}]]' \
	"$(json '[d[8]["kind"], d[8]["author"], d[8]["changes"]]' <<<"$js")" "the status move"
expect_eq '["update", "sofia", [{"field": "value", "old": {"amount": "250000.00", "minor": 25000000, "currency": "EUR"}, "new": {"amount": "260000.00", "minor": 26000000, "currency": "EUR"}}]]' \
	"$(json '[d[9]["kind"], d[9]["author"], d[9]["changes"]]' <<<"$js")" "the manager's edit"
expect_eq '["update", "marc", [{"field": "title", "old": "Fleet renewal", "new": "Fleet renewal 2027"}]]' \
	"$(json '[d[10]["kind"], d[10]["author"], d[10]["changes"]]' <<<"$js")" "the rep's edit"

# ---- 8. JSON shapes, field by field ----
as marc lead_ok --json show "$big"
sj=$OUT
expect_eq '["id", "title", "client", "client_id", "description", "value", "source", "tags", "contacts", "status", "status_id", "stage", "probability", "kpi", "status_changed_at", "status_reason", "owner", "owner_id", "team", "team_id", "next_action", "next_action_note", "next_action_activity", "own_next_action", "own_next_action_note", "owner_since", "first_touch_at", "standby_until", "standby_reason", "archived", "renewed_from", "renewals", "created_at", "created_by", "created_by_id", "updated_at", "updated_by", "updated_by_id", "version", "activities", "opportunities", "history"]' \
	"$(json 'list(d)' <<<"$sj")" "lead show --json: its keys, in order"
expect_eq "$big" "$(json 'd["id"]' <<<"$sj")" "id"
expect_eq "Fleet renewal 2027" "$(json 'd["title"]' <<<"$sj")" "title"
expect_eq "Transportes Ibéricos" "$(json 'd["client"]' <<<"$sj")" "client"
expect_eq int "$(json 'type(d["client_id"]).__name__' <<<"$sj")" "client_id is a number"
expect_eq '{"amount": "260000.00", "minor": 26000000, "currency": "EUR"}' "$(json 'd["value"]' <<<"$sj")" \
	"value: a money object"
expect_eq '[null, null]' "$(json '[d["description"], d["source"]]' <<<"$sj")" "absent is null"
expect_eq '[]' "$(json 'd["tags"]' <<<"$sj")" "no tags: []"
expect_eq '["Carla Gil", "Fleet manager", "carla@tib.es", "+34 600 333 444", "signs the orders", false, true]' \
	"$(json '[d["contacts"][0][k] for k in ("name", "role", "email", "phone", "note", "left", "main")]' <<<"$sj")" \
	"the main contact"
expect_eq '["Bob Stone", "CFO", "bob@tib.es", null, null, true, false]' \
	"$(json '[d["contacts"][2][k] for k in ("name", "role", "email", "phone", "note", "left", "main")]' <<<"$sj")" \
	"the contact who left"
expect_eq '["lead-Qualified", "lead", 0, "qualified"]' \
	"$(json '[d["status"], d["stage"], d["probability"], d["kpi"]]' <<<"$sj")" "status, stage, probability, kpi"
expect_eq '["marc", "North"]' "$(json '[d["owner"], d["team"]]' <<<"$sj")" "owner and team by name"
expect_eq '["2027-01-05T09:30:00Z", "send the quote"]' "$(json '[d["next_action"], d["next_action_note"]]' <<<"$sj")" \
	"next action in UTC"
expect_match "$(json 'd["created_at"]' <<<"$sj")" "$rfc3339" "created_at"
expect_match "$(json 'd["updated_at"]' <<<"$sj")" "$rfc3339" "updated_at"
expect_eq '["marc", "marc"]' "$(json '[d["created_by"], d["updated_by"]]' <<<"$sj")" "created_by, updated_by"
expect_eq "$(json 'd[-1]["revision"]' <<<"$js")" "$(json 'd["version"]' <<<"$sj")" "version: the last change's revision"
expect_eq "$(json 'list(reversed(d[-10:]))' <<<"$js")" "$(json 'd["history"]' <<<"$sj")" \
	"history: the last 10 entries of lead history, newest first"

as marc lead_ok --json client show "Maison Lefevre"
cj=$OUT
expect_eq '["client", "leads", "more", "lead_count", "totals"]' "$(json 'list(d)' <<<"$cj")" "client show --json: its keys"
expect_eq '["id", "name", "phone", "web", "address", "note", "created_at", "updated_at"]' \
	"$(json 'list(d["client"])' <<<"$cj")" "the folder's keys"
expect_eq '["Maison Lefèvre", null, null, null, null]' \
	"$(jsonu '[d["client"][k] for k in ("name", "phone", "web", "address", "note")]' <<<"$cj")" "absent details are null"
expect_match "$(json 'd["client"]["created_at"]' <<<"$cj")" "$rfc3339" "the folder's created_at"
expect_eq "[$small1, $small2, $small3]" "$(json '[l["id"] for l in d["leads"]]' <<<"$cj")" "its leads, marc's only"
expect_eq '["marc", "marc", "marc"]' "$(json '[l["owner"] for l in d["leads"]]' <<<"$cj")" "their owner"
expect_eq '{"amount": "3000.00", "minor": 300000, "currency": "USD"}' "$(json 'd["leads"][2]["value"]' <<<"$cj")" \
	"a lead's value"
expect_eq '[false, 3]' "$(json '[d["more"], d["lead_count"]]' <<<"$cj")" "more, lead_count"
expect_eq '[{"status_id": 1, "status": "lead-New", "count": 2, "value": [{"amount": "1200.00", "minor": 120000, "currency": "EUR"}, {"amount": "3000.00", "minor": 300000, "currency": "USD"}]}, {"status_id": 2, "status": "lead-Qualified", "count": 1, "value": [{"amount": "800.00", "minor": 80000, "currency": "EUR"}]}]' \
	"$(json 'd["totals"]' <<<"$cj")" "totals per status, money objects"

as marc lead_ok --json contact ls "$big"
expect_eq '["lead_id", "version", "contacts"]' "$(json 'list(d)' <<<"$OUT")" "contact ls --json: its keys"
expect_eq "[$big, $(json 'd["version"]' <<<"$sj")]" "$(json '[d["lead_id"], d["version"]]' <<<"$OUT")" "lead_id, version"
expect_eq '[[1, true, "Carla Gil", "Fleet manager", "carla@tib.es", "+34 600 333 444", "signs the orders", false], [2, false, "Ana Ruiz", "CEO", "ana@tib.es", "+34 600 111 222", null, false], [3, false, "Bob Stone", "CFO", "bob@tib.es", null, null, true]]' \
	"$(json '[[c[k] for k in ("position", "main", "name", "role", "email", "phone", "note", "left")] for c in d["contacts"]]' <<<"$OUT")" \
	"the contacts, field by field"
expect_eq "true" "$(json 'all(list(c) == ["position", "main", "name", "role", "email", "phone", "note", "left"] for c in d["contacts"])' <<<"$OUT")" \
	"each contact's keys"

as marc lead_ok --json tags
expect_eq '{"tags": [{"name": "Carat", "leads": 3}, {"name": "Media", "leads": 2}], "omitted": null}' \
	"$(json 'd' <<<"$OUT")" "tags --json"

# ---- 9. A no-op edit keeps the version; a typo gets a suggestion ----
v=$(json 'd["version"]' <<<"$sj")
as marc lead_ok edit "$big" --title "Fleet renewal 2027" --next-note "send the quote"
expect_eq "lead $big: nothing to change (still version $v)" "$OUT" "a no-op edit says so"
as marc lead_ok --json show "$big"
expect_eq "$v $(json 'd["updated_at"]' <<<"$sj")" "$(json '"%d %s" % (d["version"], d["updated_at"])' <<<"$OUT")" \
	"a no-op edit keeps the version and updated_at"
as marc lead_ok --json history "$big"
expect_eq 11 "$(json 'len(d)' <<<"$OUT")" "and records nothing"
expect_exit 2 as marc "$LEAD" stauts "$big" won
expect_match "$ERR" "^lead: unknown command 'stauts'; did you mean 'status'\\?$" "an unknown command"
expect_exit 3 as marc "$LEAD" status "$big" wno
expect_match "$ERR" "no status 'wno'; did you mean 'customer-Won'\\?" "an unknown status word"

stop_leadd
