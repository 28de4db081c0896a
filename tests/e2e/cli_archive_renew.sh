#!/usr/bin/env bash
# Archive and renew through the lead binary (issue 12): a rep may not
# archive; a manager archives a won lead, which leaves `lead ls` (`lead ls
# --archived` lists it) and the live counts of `lead kpi`, shown in its
# archived table, while `lead show` and `lead history` keep everything; archiving again says nothing changed; restore
# brings it back; `lead kpi --watch` follows archive and restore from the
# deltas and equals a fresh `lead kpi`, and `lead watch` prints both. `lead renew` keeps the chosen contacts, carries value,
# tags and folder, and both leads' `show` name the other; `lead kpi
# --since` counts the renewal apart from new leads. Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cli_watch_lib.sh"
export TZ=UTC

start_leadd
lead_ok team add sales
lead_ok user add maria --role manager --team sales --password-stdin <<<"maria-password-1"
lead_ok team edit sales --manager maria
lead_ok user add tom --role rep --team sales --password-stdin <<<"tom-password-1"
mkdir -p "$LEADD_DIR/cfg-tom" "$LEADD_DIR/cfg-maria"
tom() { LEAD_CONFIG_DIR="$LEADD_DIR/cfg-tom" expect_exit "$1" "$LEAD" "${@:2}"; }
maria() { LEAD_CONFIG_DIR="$LEADD_DIR/cfg-maria" expect_exit "$1" "$LEAD" "${@:2}"; }
tom 0 login tom --password-stdin <<<"tom-password-1"
maria 0 login maria --password-stdin <<<"maria-password-1"

tom 0 add "Closed deal" --value 300 --currency EUR
dead=$OUT
# Won, not dead: a move into dead needs a reason, which the moving part's
# CLI gives (lead dead ID --reason); any class is archived alike.
tom 0 status "$dead" won
tom 0 add "Acme support 2026" --client Acme --new-client --contact "Ana Ruiz" \
	--email ana@acme.io --value 5000 --currency EUR --tag support --tag Yearly \
	--description "Yearly support"
origin=$OUT
tom 0 contact add "$origin" --name "Bob Stone" --email bob@acme.io

# ---- archive ----
tom 4 archive "$dead"
expect_match "$ERR" "manager" "a rep is told archiving is a manager's"
maria 0 kpi
expect_match "$OUT" "^tom +1 +0 +0 +0 +1 +0 +5000\.00 EUR$" "before: tom has a new and a won lead"
expect_no_match "$OUT" "ARCHIVED" "no archived table with nothing archived"
W="$LEADD_DIR/watch"
mkdir -p "$W"
bg "$W/maria" maria --json kpi --watch
WATCHER=$BG
wait_line "$W/maria" '^\{"revision":'
bg "$W/lines" maria watch
LINES=$BG
wait_line "$W/lines" '^-- '
maria 0 archive "$dead"
expect_eq "lead $dead archived" "$OUT" "lead archive"
maria 0 archive "$dead"
expect_eq "lead $dead was already archived; nothing changed" "$OUT" "archive again is a no-op"
maria 0 kpi
expect_match "$OUT" "^tom +1 +0 +0 +0 +0 +0 +5000\.00 EUR$" "archived: out of tom's live counts"
expect_match "$OUT" "^ARCHIVED +NEW +QUALIFIED +DEAD +PROSPECT +WON +LOST$" "the archived table"
expect_match "$OUT" "^tom +0 +0 +0 +0 +1 +0$" "tom's archived won lead, apart"
maria 0 --json kpi
expect_eq '[0, 1]' "$(json '[d["owners"]["tom"]["won"], d["owners"]["tom"]["archived"]["won"]]' <<<"$OUT")" \
	"--json: won 0 live, 1 archived"
expect_eq 'false' "$(json '"archived" in d["owners"]["maria"]' <<<"$OUT")" \
	"--json: no archived key where nothing is archived"
# The watcher's counts follow from the deltas: tom's won lead archived.
wait_lines "$W/maria" 2
maria 0 --json kpi
printf '%s\n' "$OUT" >"$W/fresh"
"$PYTHON" - "$W/maria" "$W/fresh" <<'EOF2' || fail "lead kpi --watch after the archive is not lead kpi"
import json, sys
got = json.loads(open(sys.argv[1]).read().split("\n")[1])
want = json.load(open(sys.argv[2]))
if got != want or got["owners"]["tom"]["archived"]["won"] != 1 or got["owners"]["tom"]["won"] != 0:
    print("watch: ", json.dumps(got, sort_keys=True))
    print("fresh: ", json.dumps(want, sort_keys=True))
    sys.exit(1)
EOF2
CHECKS=$((CHECKS + 1))
ids()
{
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$1" expect_exit 0 "$LEAD" --json ls --all "${@:2}"
	json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT"
}
expect_eq "$origin" "$(ids maria)" "lead ls leaves the archived lead out"
expect_eq "$dead" "$(ids maria --archived)" "lead ls --archived lists it alone"
expect_eq "$dead" "$(ids tom --archived --status won)" "tom lists his archived lead with --archived"
tom 0 ls --archived
expect_match "$OUT" "^ *$dead +Closed deal" "lead ls --archived as a table"
tom 0 show "$dead"
expect_match "$OUT" "^archived: +yes \(lead restore $dead brings it back\)$" "show says archived"
tom 0 --json show "$dead"
expect_eq 'true' "$(json 'd["archived"]' <<<"$OUT")" "--json show: archived"
tom 0 history "$dead"
expect_match "$OUT" "archived" "history keeps the archive"
expect_match "$OUT" "customer-Won" "history keeps the move to won"
maria 0 restore "$dead"
expect_eq "lead $dead restored" "$OUT" "lead restore"
maria 0 restore "$dead"
expect_eq "lead $dead was not archived; nothing changed" "$OUT" "restore again is a no-op"
wait_lines "$W/maria" 3
expect_eq 'false 1' "$(sed -n 3p "$W/maria" | json '"archived" in d["owners"]["tom"] and "x" or "false " + str(d["owners"]["tom"]["won"])')" \
	"lead kpi --watch: restored, tom's won lead is live again and nothing is archived"
stop INT "$WATCHER"
wait_line "$W/lines" "maria: lead $dead 'Closed deal' restored \(rev [0-9]+\)$"
expect_match "$(cat "$W/lines")" "maria: lead $dead 'Closed deal' archived \(rev [0-9]+\)$" \
	"lead watch prints the archive"
stop INT "$LINES"
maria 0 kpi
expect_match "$OUT" "^tom +1 +0 +0 +0 +1 +0 +5000\.00 EUR$" "restored: back in the live counts"
expect_eq "$dead $origin" "$(ids maria)" "restored: back in lead ls"
expect_eq "" "$(ids maria --archived)" "restored: no archived lead left"
tom 4 restore "$dead"
maria 3 archive 999999
expect_exit 2 "$LEAD" archive
expect_exit 2 "$LEAD" archive abc
expect_match "$ERR" "a lead id is a positive number" "archive abc"

# ---- renew ----
tom 0 renew "$origin" --contacts main --title "Acme support 2027"
expect_match "$OUT" "^lead [0-9]+ renews lead $origin$" "lead renew says what it made"
renewal=$(awk '{print $2}' <<<"$OUT")
tom 0 --json show "$renewal"
expect_eq '["Ana Ruiz"]' "$(json '[c["name"] for c in d["contacts"]]' <<<"$OUT")" "--contacts main keeps Ana only"
expect_eq "Acme support 2027|Acme|renewal|5000.00|support,Yearly|Yearly support|$origin|lead-New" \
	"$(json '"|".join([d["title"], d["client"], d["source"], d["value"]["amount"], ",".join(d["tags"]), d["description"], str(d["renewed_from"]), d["status"]])' <<<"$OUT")" \
	"the renewal carries folder, value, tags, description; source renewal"
tom 0 show "$renewal"
expect_match "$OUT" "^renews: +lead $origin$" "the renewal's show names its origin"
tom 0 show "$origin"
expect_match "$OUT" "^renewals: +lead $renewal$" "the origin's show names its renewal"
tom 0 history "$origin"
expect_match "$OUT" "lead $renewal" "the origin's history names the renewal"
tom 0 renew "$origin" --contacts none --status qual
second=$(awk '{print $2}' <<<"$OUT")
tom 0 --json show "$second"
expect_eq '0 lead-Qualified' "$(json 'str(len(d["contacts"])) + " " + d["status"]' <<<"$OUT")" \
	"--contacts none, --status qual"
tom 0 renew "$origin"
third=$(awk '{print $2}' <<<"$OUT")
tom 0 --json show "$third"
expect_eq '["Ana Ruiz", "Bob Stone"]' "$(json '[c["name"] for c in d["contacts"]]' <<<"$OUT")" "contacts all by default"
tom 0 --json show "$origin"
expect_eq "[$renewal, $second, $third]" "$(json 'd["renewals"]' <<<"$OUT")" "renewals oldest first"
tom 4 renew "$origin" --owner maria
expect_match "$ERR" "a rep renews leads for themselves" "a rep cannot give the renewal away"
tom 2 renew "$origin" --contacts some
expect_match "$ERR" "--contacts takes all, main or none, not 'some'" "--contacts is checked"
tom 2 renew "$origin" --status dead
expect_match "$ERR" "cannot start in 'lead-Dead'" "a renewal cannot start dead"
maria 0 renew "$dead" --owner tom
fourth=$(awk '{print $2}' <<<"$OUT")
tom 0 --json show "$fourth"
expect_eq "tom" "$(json 'd["owner"]' <<<"$OUT")" "a manager gives the renewal to tom"

# ---- the flow ----
maria 0 kpi --since today
expect_match "$OUT" "^created: +2$" "created counts the two new leads, not the renewals"
expect_match "$OUT" "^renewals: +4$" "renewals apart"
maria 0 --json kpi --since today
expect_eq '[2, 4, 0]' "$(json '[d["flow"]["created"], d["flow"]["renewals"], d["flow"]["renewals_converted"]]' <<<"$OUT")" \
	"--json flow: created, renewals, renewals_converted"

lead_ok help archive
expect_match "$OUT" "lead ls --archived" "lead help archive says where archived leads are listed"
stop_leadd
