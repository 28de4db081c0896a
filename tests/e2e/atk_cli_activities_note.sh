#!/usr/bin/env bash
# UI attack (issue 13): what `lead note` offers to add as a contact. A
# note about a server ("the portal at 192.168.100.200 is down") offered
# `lead contact add --phone 192.168.100.200`: an IPv4 address has 9 to 12
# digits and dots, as a phone may. A dotted quad of numbers up to 255 is no
# longer taken for a phone; dotted phones (06.12.34.56.78, 212.555.0100)
# still are, and the offered line runs. TZ pinned. Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Paris

start_leadd
lead_ok add "Fleet deal" --client Acme --owner admin
L=$OUT
lead_ok note "$L" "their portal at 192.168.100.200 is down again"
expect_no_match "$OUT" "contact add" "an IPv4 address is not a phone"
lead_ok --json note "$L" "VPN gateway 10.200.30.250, ask IT"
expect_eq "null" "$(json 'd["contact_add"]' <<<"$OUT")" "--json: no contact offered"
lead_ok note "$L" "her mobile is 06.12.34.56.78"
expect_match "$OUT" "^to add it to the lead's contacts: lead contact add $L --name NAME --phone 06\\.12\\.34\\.56\\.78 " \
	"a dotted French mobile still offered"
lead_ok note "$L" "office 212.555.0100, ext 4"
expect_match "$OUT" "--phone 212\\.555\\.0100 " "a dotted US number still offered"
lead_ok note "$L" "host 10.20.30.40 and buyer ana.lopez@acme.example"
expect_match "$OUT" "lead contact add $L --name 'Ana Lopez' --email ana\\.lopez@acme\\.example\$" \
	"the email offered, the address left out"
line=$(sed -n 's/^to add it to the lead.s contacts: //p' <<<"$OUT")
eval "lead_ok ${line#lead }"
expect_match "$OUT" "Ana Lopez" "the offered line runs"
stop_leadd
echo "ok: $CHECKS checks"
