#!/usr/bin/env bash
# The agency case through the lead binary (issue 10): leads bought through
# the agency Carat sit in their end client's folder with the agency as a tag;
# `lead ls --tag carat` finds them in any case, `lead tags` counts them for
# the caller, `lead tag` adds and removes, keeping the first case written.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

start_leadd
lead_ok user add tom --role rep --password-stdin <<<"tom-password-1"
lead_ok user add ann --role rep --password-stdin <<<"ann-password-1"
mkdir -p "$LEADD_DIR/cfg-ann"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-ann" "$LEAD" login ann --password-stdin <<<"ann-password-1" >/dev/null ||
	fail "login ann"
lead_ok login tom --password-stdin <<<"tom-password-1"

lead_ok add "Spring TV campaign" --client Coca-Cola --tag Carat
spring=$OUT
lead_ok add "Summer radio" --client Coca-Cola --tag CARAT --tag radio
summer=$OUT
lead_ok add "Direct deal" --client Fanta
direct=$OUT
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-ann" "$LEAD" add "Ann's Carat deal" --tag carat >/dev/null ||
	fail "ann's lead"

ids()
{
	expect_exit 0 "$LEAD" --json ls --all "$@"
	json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT"
}
expect_eq "$spring $summer" "$(ids --tag carat)" "lead ls --tag carat"
expect_eq "$spring $summer" "$(ids --tag CARAT)" "lead ls --tag CARAT"
lead_ok --json show "$summer"
expect_eq '["Carat", "radio"]' "$(json 'd["tags"]' <<<"$OUT")" "the first case written is kept"

lead_ok tags
expect_match "$OUT" "^TAG +LEADS$" "lead tags header"
expect_match "$OUT" "^Carat +2$" "Carat: tom's two leads (not ann's)"
expect_match "$OUT" "^radio +1$" "radio"
lead_ok --json tags
expect_eq '[["Carat", 2], ["radio", 1]]' "$(json '[[t["name"], t["leads"]] for t in d["tags"]]' <<<"$OUT")" "--json tags"
expect_eq 'null' "$(json 'd["omitted"]' <<<"$OUT")" "nothing omitted"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-ann" expect_exit 0 "$LEAD" tags
expect_match "$OUT" "^Carat +1$" "ann counts her own lead"
expect_no_match "$OUT" "radio" "ann does not see tom's radio tag"

# lead tag: add (first case kept, alike dropped), rm in any case.
lead_ok tag "$direct" --add carat --add TV --add tv
expect_match "$OUT" "^tags: +Carat, TV$" "lead tag --add"
lead_ok tag "$direct" --rm CARAT --rm nothere
expect_match "$OUT" "^tags: +TV$" "lead tag --rm in any case, a missing one is fine"
lead_ok --json tag "$direct" --add Radio
expect_eq '["TV", "radio"]' "$(json 'd["tags"]' <<<"$OUT")" "--json tag prints the lead"
v=$(json 'd["version"]' <<<"$OUT")
lead_ok --json tag "$direct" --add RADIO
expect_eq "$v" "$(json 'd["version"]' <<<"$OUT")" "adding a tag the lead has keeps the version"
expect_exit 2 "$LEAD" tag "$direct"
expect_match "$ERR" "say which tags: --add TAG or --rm TAG" "lead tag with nothing"
expect_exit 2 "$LEAD" tag "$direct" --add x --rm X
expect_match "$ERR" "'x' is both added and removed" "add and rm one tag"
expect_exit 2 "$LEAD" tag "$direct" --add "  "
expect_match "$ERR" "^lead: the tag to add '  ' is empty \(only spaces or invisible characters\)$" \
	"a blank tag says it is empty"
expect_exit 2 "$LEAD" add "Blank tag" --tag Carat --tag ""
expect_match "$ERR" "^lead: tag 2 is empty \(only spaces or invisible characters\)$" \
	"lead add with an empty tag names it"
expect_exit 2 "$LEAD" tag "$direct" --add "$(printf 't%.0s' {1..65})"
expect_match "$ERR" "at most 64 bytes|64" "a tag too long"
args=()
# With TV and radio already there: 50 in all.
for i in $(seq 1 48); do args+=(--add "t$i"); done
lead_ok tag "$direct" "${args[@]}"
expect_exit 5 "$LEAD" tag "$direct" --add one-too-many
expect_match "$ERR" "would have 51 tags; a lead has at most 50" "the tag cap"
expect_exit 3 "$LEAD" tag 999 --add x
expect_match "$ERR" "lead 999 not found" "an unknown lead"
expect_exit 2 "$LEAD" tags extra
expect_match "$ERR" "takes no arguments" "lead tags takes no arguments"

lead_ok help tag
expect_match "$OUT" "keep the case they were first written with" "help tag"
lead_ok help tags
expect_match "$OUT" "A rep counts their own leads" "help tags"
stop_leadd
