#!/bin/bash
# Client folders through the lead binary, as a rep works them (issue 10):
# several small sales filed in one folder and found by `lead client show`
# (details, the rep's leads, totals per status), the agency as a tag
# (`lead ls --tag Carat`), near-duplicate folder names caught with "did you
# mean" and confirmed with --new-client, names that differ only in case and
# punctuation landing in one folder, `lead client ls`, edit, merge (a rep is
# refused, a manager merges), ids vs names, --json shapes. Ends with
# `leadd verify` passing.
. "$(dirname "$0")/lib.sh"

start_leadd

as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}

lead_ok team add Sales
lead_ok user add boss --role manager --password-stdin <<<"boss-password-1"
lead_ok team edit Sales --manager boss
lead_ok user add rita --role rep --team Sales --password-stdin <<<"rita-password-1"
lead_ok user add otto --role rep --team Sales --password-stdin <<<"otto-password-1"
for who in rita:rita-password-1 boss:boss-password-1 otto:otto-password-1; do
	mkdir -p "$LEADD_DIR/cfg-${who%%:*}"
	as "${who%%:*}" expect_exit 0 "$LEAD" login "${who%%:*}" --password-stdin <<<"${who#*:}"
done

# ---- several small sales in one folder, as a rep ----
as rita expect_exit 0 "$LEAD" add "Spring TV campaign" --client Coca-Cola --tag Carat \
	--value 48000
as rita expect_exit 0 "$LEAD" add "Summer radio spots" --client "coca cola" --value 1200.50
as rita expect_exit 0 "$LEAD" add "Stadium banners" --client COCACOLA --tag Carat --value 900
as rita expect_exit 0 "$LEAD" status 3 qualified
as otto expect_exit 0 "$LEAD" add "Otto's own deal" --client "Coca-Cola" --value 5 \
	--currency USD

as rita expect_exit 0 "$LEAD" client show coca-cola
expect_match "$OUT" '^client: +Coca-Cola$' "show: the folder under its first name"
expect_match "$OUT" '^ID +TITLE +STATUS +VALUE +OWNER$' "show: the leads table's header"
expect_match "$OUT" 'Spring TV campaign +lead-New +48000\.00 EUR +you' "show: a lead of the rep"
expect_match "$OUT" 'Summer radio spots' "show: a second sale"
expect_match "$OUT" 'Stadium banners +lead-Qualified +900\.00 EUR' "show: a third, qualified"
expect_no_match "$OUT" "Otto" "show: a teammate's lead is not the rep's to see"
expect_match "$OUT" '^lead-New +2 +49200\.50 EUR$' "show: totals of new leads"
expect_match "$OUT" '^lead-Qualified +1 +900\.00 EUR$' "show: totals of qualified leads"
expect_match "$OUT" '^total +3 +50100\.50 EUR$' "show: the rep's lead count and value"
as boss expect_exit 0 "$LEAD" client show "COCA COLA"
expect_match "$OUT" "Otto's own deal" "show as the manager: the team's leads"
expect_match "$OUT" '^ +5\.00 USD$' "show as the manager: a second currency on its own row"
expect_match "$OUT" '^total +4 +[0-9.]+ EUR$' "show as the manager: four leads"
expect_match "$(sed -n '/^total /,$p' <<<"$OUT")" '^ +5\.00 USD$' "show as the manager: the USD total on its own row, never added to EUR"

# JSON: the folder, the leads, the totals with money objects.
as rita expect_exit 0 "$LEAD" --json client show Coca-Cola
expect_eq Coca-Cola "$(json 'd["client"]["name"]' <<<"$OUT")" "show --json name"
expect_eq null "$(json 'd["client"]["phone"]' <<<"$OUT")" "show --json: absent is null"
expect_match "$(json 'd["client"]["created_at"]' <<<"$OUT")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{3})?Z$' \
	"show --json: times are RFC 3339 UTC"
expect_eq 3 "$(json 'len(d["leads"])' <<<"$OUT")" "show --json: three leads"
expect_eq 3 "$(json 'd["lead_count"]' <<<"$OUT")" "show --json: lead_count"
expect_eq '{"amount": "49200.50", "minor": 4920050, "currency": "EUR"}' \
	"$(json 'd["totals"][0]["value"][0]' <<<"$OUT")" "show --json: a total as money"
expect_eq lead-New "$(json 'd["totals"][0]["status"]' <<<"$OUT")" "show --json: status name"

# ---- the agency as a tag ----
as rita expect_exit 0 "$LEAD" ls --tag Carat
expect_match "$OUT" 'Spring TV campaign' "ls --tag Carat: the TV campaign"
expect_match "$OUT" 'Stadium banners' "ls --tag Carat: the banners"
expect_no_match "$OUT" 'Summer radio' "ls --tag Carat: not the untagged sale"
as rita expect_exit 0 "$LEAD" ls --client "coca-cola"
expect_eq 4 "$(wc -l <<<"$OUT")" "ls --client: header and the rep's three leads"

# ---- near-duplicate folder names ----
as rita expect_exit 5 "$LEAD" add "Autumn push" --client "Coca Kola"
expect_match "$ERR" "did you mean 'Coca-Cola'\\?" "a near name: did you mean"
expect_match "$ERR" -- "--new-client" "a near name: the --new-client hint"
as rita expect_exit 5 "$LEAD" client add "Coca Colla"
expect_match "$ERR" "did you mean 'Coca-Cola'\\?" "client add: did you mean"
as rita expect_exit 0 "$LEAD" add "Autumn push" --client "Coca Kola" --new-client
autumn=$OUT
as rita expect_exit 0 "$LEAD" client show "Coca Kola"
expect_match "$OUT" '^client: +Coca Kola$' "--new-client made the folder"
as rita expect_exit 5 "$LEAD" client add "coca cola!"
expect_match "$ERR" "already a client folder 'Coca-Cola'" "the same name is ALREADY_EXISTS"
# lead edit --client follows the same rules: a near name asks, a folded
# one finds the folder, "" takes the lead out; each move is in its history.
as rita expect_exit 0 "$LEAD" add "Moving lead"
moving=$OUT
as rita expect_exit 5 "$LEAD" edit "$moving" --client "Coca Colla"
expect_match "$ERR" "did you mean 'Coca-Cola'\\?.*--new-client" "edit --client: a near name"
as rita expect_exit 0 "$LEAD" edit "$moving" --client "COCA-COLA"
expect_match "$OUT" '^client: +Coca-Cola$' "edit --client: the folder by its folded name"
as rita expect_exit 0 "$LEAD" edit "$moving" --client ""
expect_match "$OUT" '^client: +-$' "edit --client '': out of its folder"
as rita expect_exit 0 "$LEAD" history "$moving"
expect_match "$OUT" 'client +none -> Coca-Cola$' "the history: into the folder"
expect_match "$OUT" 'client +Coca-Cola -> none$' "the history: out of it"

# A name with no letters or digits, and one too long once folded (U+FDFA
# folds to some 30 letters): each says which it is.
as rita expect_exit 2 "$LEAD" client add '!!!'
expect_eq "lead: the client name '!!!' has no letters or digits" "$ERR" "client add '!!!'"
as rita expect_exit 2 "$LEAD" add "Punctuation" --client '!!!'
expect_eq "lead: the client name '!!!' has no letters or digits" "$ERR" "add --client '!!!'"
as rita expect_exit 2 "$LEAD" ls --client '!!!'
expect_eq "lead: the client to filter by has no letters or digits" "$ERR" "ls --client '!!!'"
as rita expect_exit 2 "$LEAD" client add "$(printf '\xef\xb7\xba%.0s' {1..20})"
expect_match "$ERR" "^lead: the client name '.*' is too long once its letters are normalised \(its key is over 500 bytes\)$" \
	"a name too long once folded"

# ---- add, ls, edit ----
as rita expect_exit 0 "$LEAD" client add "Maison Lefèvre SA" --phone "+33 1 23 45 67 89" \
	--web lefevre.example --address "3 rue de la Paix, Paris" --note "family business"
expect_match "$OUT" '^added client folder Maison Lefèvre SA \(id [0-9]+\)$' "client add"
id=$(sed -E 's/.*\(id ([0-9]+)\)$/\1/' <<<"$OUT")
as rita expect_exit 0 "$LEAD" client show "$id"
expect_match "$OUT" '^phone: +\+33 1 23 45 67 89$' "show by id: phone"
as rita expect_exit 0 "$LEAD" client show "#$id"
expect_match "$OUT" '^client: +Maison Lefèvre SA$' "show by #id"
as rita expect_exit 3 "$LEAD" client show 99999
expect_match "$ERR" 'client folder 99999 not found' "an unknown id"
as rita expect_exit 0 "$LEAD" client add 1664 --new-client
as rita expect_exit 0 "$LEAD" client show =1664
expect_match "$OUT" '^client: +1664$' "=NAME names a folder that is a number"
as rita expect_exit 0 "$LEAD" client ls --query "maison"
expect_match "$OUT" '^ID +NAME +PHONE +WEB$' "ls: header"
expect_match "$OUT" 'Maison Lefèvre SA +\+33 1 23 45 67 89 +lefevre\.example' "ls --query"
expect_eq 2 "$(wc -l <<<"$OUT")" "ls --query: one folder"
as rita expect_exit 0 "$LEAD" client ls --limit 2
expect_match "$OUT" '^more: lead client ls --limit 2 --cursor ' "ls: a more: hint"
more=$(grep '^more: ' <<<"$OUT" | sed 's/^more: lead //')
# shellcheck disable=SC2086
as rita expect_exit 0 "$LEAD" $more
expect_match "$OUT" '^ID +NAME' "the more: hint runs"
as rita expect_exit 0 "$LEAD" --json client ls --all
expect_eq 4 "$(json 'len(d["clients"])' <<<"$OUT")" "ls --all --json: every folder"
expect_eq null "$(json 'd["cursor"]' <<<"$OUT")" "ls --all --json: no cursor"
as rita expect_exit 0 "$LEAD" client edit "maison lefevre sa" --note "" --web new.example
expect_eq "changed client folder Maison Lefèvre SA (id $id)" "$OUT" "client edit says what it changed"
as rita expect_exit 0 "$LEAD" --json client show "Maison Lefèvre SA"
expect_eq null "$(json 'd["client"]["note"]' <<<"$OUT")" "edit --note '' clears"
expect_eq new.example "$(json 'd["client"]["web"]' <<<"$OUT")" "edit --web"
# An edit that changes nothing writes nothing (updated_at stays) and says so.
updated=$(json 'd["client"]["updated_at"]' <<<"$OUT")
as rita expect_exit 0 "$LEAD" client edit "$id" --web new.example --note "" --name "Maison Lefèvre SA"
expect_eq "client folder Maison Lefèvre SA (id $id): nothing to change" "$OUT" "a no-op client edit"
as rita expect_exit 0 "$LEAD" --json client show "$id"
expect_eq "$updated" "$(json 'd["client"]["updated_at"]' <<<"$OUT")" "a no-op client edit keeps updated_at"
as rita expect_exit 2 "$LEAD" client edit "Maison Lefèvre SA"
expect_match "$ERR" 'say what to change' "edit with nothing to change is a usage error"

# A rename moves the leads' client name (and so `lead ls --client`).
as rita expect_exit 0 "$LEAD" client edit "Coca Kola" --name "Kola Real Group" --new-client
as rita expect_exit 0 "$LEAD" ls --client "kola real group"
expect_match "$OUT" 'Autumn push +Kola Real Group' "the lead follows the rename"

# ---- merge: managers only ----
as rita expect_exit 4 "$LEAD" client merge "Kola Real Group" --into Coca-Cola
expect_match "$ERR" 'manager' "a rep may not merge"
as boss expect_exit 2 "$LEAD" client merge "Kola Real Group"
expect_match "$ERR" -- '--into' "merge without --into is a usage error"
as boss expect_exit 0 "$LEAD" client merge "Kola Real Group" --into Coca-Cola
expect_match "$OUT" '^merged into client folder Coca-Cola \(id [0-9]+\): 1 lead\(s\) moved$' "merge"
as rita expect_exit 0 "$LEAD" client show Coca-Cola
expect_match "$OUT" 'Autumn push' "the merged lead is in the kept folder"
expect_match "$OUT" '^total +4 ' "four of the rep's leads now"
# The moved lead keeps its history: the creation, the rename, and the merge
# by the manager, in order.
as rita expect_exit 0 "$LEAD" history "$autumn"
expect_eq "rita created
rita client Coca Kola
rita client Coca Kola -> Kola Real Group
boss client Kola Real Group -> Coca-Cola" \
	"$(sed -E 's/^[0-9-]+ [0-9:]+ [^ ]+  //; s/  +/ /g' <<<"$OUT" | grep -E ' (created|client .*)$')" \
	"the merged lead's history: kept, with the move"
as rita expect_exit 0 "$LEAD" client show Coca-Cola --limit 3
expect_match "$OUT" '^1 more: lead ls --client Coca-Cola$' "show --limit: the rest as a lead ls"
expect_match "$OUT" '^total +4 ' "show --limit: the totals count them all"
as rita expect_exit 3 "$LEAD" client show "Kola Real Group"
expect_match "$ERR" "no client folder is named 'Kola Real Group'" "the merged folder is gone"

# ---- --json of add, edit and merge ----
as rita expect_exit 0 "$LEAD" --json client add "Json Shape Works" --web shape.example
expect_eq "Json Shape Works" "$(json 'd["name"]' <<<"$OUT")" "add --json name"
expect_eq shape.example "$(json 'd["web"]' <<<"$OUT")" "add --json web"
expect_eq null "$(json 'd["phone"]' <<<"$OUT")" "add --json: no phone is null"
expect_eq '["address", "created_at", "id", "name", "note", "phone", "updated_at", "web"]' \
	"$(json 'sorted(d)' <<<"$OUT")" "add --json: the folder's fields"
as rita expect_exit 0 "$LEAD" --json client edit "json shape works" --phone "+1 555 0100"
expect_eq "+1 555 0100" "$(json 'd["phone"]' <<<"$OUT")" "edit --json phone"
as boss expect_exit 0 "$LEAD" --json client merge "Json Shape Works" --into =1664
expect_eq 0 "$(json 'd["moved"]' <<<"$OUT")" "merge --json: moved"
expect_eq shape.example "$(json 'd["web"]' <<<"$OUT")" "merge --json: the kept folder took the web"

# ---- help ----
lead_ok help client
expect_match "$OUT" 'client show' "help client lists the subcommands"
lead_ok help client add
expect_match "$OUT" -- '--new-client' "help client add: --new-client"
lead_ok help add
expect_match "$OUT" -- '--new-client' "help add: --new-client"

stop_leadd
