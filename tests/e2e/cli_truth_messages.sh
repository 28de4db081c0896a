#!/usr/bin/env bash
# Issue 10's refusals as a person reads them through lead: each says what
# was wrong and what to do, in words, never with a protobuf field or request
# name (client_add, new_client, expected_version, ClientRef, ...), and the
# hints they give are commands that work.
source "$(dirname "$0")/lib.sh"

# no_internal_names WHAT: $ERR holds no snake_case identifier and no message
# or type name of the protocol.
no_internal_names()
{
	expect_no_match "$ERR" '\b[a-z]+_[a-z_]+\b' "$1: a snake_case name"
	expect_no_match "$ERR" '(Request|Reply|ClientRef|HistoryItem|FieldChange)\b' "$1: a message name"
}

start_leadd
lead_ok team add sales
lead_ok add "Spring TV campaign" --client Coca-Cola --team sales --contact "Ana Lopez" \
	--email ana@x.com
id=$OUT
long() { head -c "$1" /dev/zero | tr '\0' "${2:-a}"; }

# A near folder name when adding a folder: the message does not tell you to
# give the name that exists (adding it would be refused), it names it.
expect_exit 5 "$LEAD" client add "Coca Colla"
expect_match "$ERR" "'Coca Colla' is close to a client folder's name: did you mean 'Coca-Cola'\\?" \
	"client add near"
expect_no_match "$ERR" "Give that name" "client add near: no 'give that name'"
expect_match "$ERR" "--new-client" "client add near: how to confirm"
no_internal_names "client add near"
lead_ok client add "Coca Colla" --new-client

# A near folder name on a lead: the same question.
expect_exit 5 "$LEAD" add "Another deal" --client "coca kola" --team sales
expect_eq "lead: no client folder is named 'coca kola'; did you mean 'Coca-Cola'? If it is another company, confirm a new folder with --new-client" \
	"$ERR" "lead add near"
no_internal_names "lead add near"
lead_ok add "Another deal" --client "coca kola" --team sales --new-client

# A rename near another folder: merge, or confirm.
lead_ok client add "Pepsi Co" --new-client
expect_exit 5 "$LEAD" client edit "Pepsi Co" --name "Coca Cola Ltd"
expect_match "$ERR" "if they are one company, merge them \(lead client merge\); if not, confirm the name with --new-client" \
	"rename near"
no_internal_names "rename near"

# Phones: the rule as the server applies it (3 digits at least, / allowed).
expect_exit 2 "$LEAD" contact add "$id" --name Bo --phone 12
expect_match "$ERR" "'12' is not a phone number: give at least 3 digits" "a short phone"
no_internal_names "a short phone"
lead_ok contact add "$id" --name Bo --phone "+34 600/000 001"
expect_exit 2 "$LEAD" client add Zed --phone 12
expect_match "$ERR" "'12' is not a phone number: give at least 3 digits" "a folder's short phone"

# Lengths, named as a person would name them.
expect_exit 2 "$LEAD" client add Zed --note "$(long 2100)"
expect_eq "lead: the client folder's note is 2100 bytes long (at most 2000)" "$ERR" "folder note"
expect_exit 2 "$LEAD" contact edit "$id" "$(long 300)" --role x
expect_eq "lead: the contact's email, name or position is 300 bytes long (at most 254)" "$ERR" \
	"a long WHO"
expect_exit 2 "$LEAD" client ls --query "$(long 300)"
expect_eq "lead: the search text is 300 bytes long (at most 200)" "$ERR" "a long folder query"
expect_exit 2 "$LEAD" tag "$id" --add "$(long 70)"
expect_eq "lead: added tag 1 is 70 bytes long (at most 64)" "$ERR" "a long tag to add"
expect_exit 2 "$LEAD" tag "$id" --rm x --rm "$(long 70)"
expect_eq "lead: removed tag 2 is 70 bytes long (at most 64)" "$ERR" "a long tag to remove"
expect_exit 2 "$LEAD" edit "$id" --next +1d --next-note "two
lines"
expect_match "$ERR" "the next action's note contains U\\+000A" "a next-note on two lines"

# Clearing the main contact's email and phone when it has no name.
lead_ok add "Phone only" --team sales --contact x
other=$OUT
lead_ok contact edit "$other" 1 --name "" --phone "+1 555 0100"
expect_exit 2 "$LEAD" edit "$other" --phone ""
expect_match "$ERR" "the main contact would have no name, email or phone left" "an empty main contact"
no_internal_names "an empty main contact"

# lead add --next-note alone: the example in the hint is one lead takes.
expect_exit 2 "$LEAD" add "Note alone" --team sales --next-note "call back"
expect_match "$ERR" "e.g. --next \\+1d --next-note" "add --next-note alone"
lead_ok add "Note alone" --team sales --next +1d --next-note "call back"

# lead tag's answer on stdout does not start "lead:" as refusals do.
lead_ok tag "$id" --add Carat
expect_eq "id:   $id
tags: Carat" "$OUT" "lead tag's answer"

# A subcommand's alias is shown under its family.
lead_ok help client ls
expect_match "$OUT" "^Also: lead client list\\.$" "client ls alias"
lead_ok client list
lead_ok help contact rm
expect_match "$OUT" "^Also: lead contact remove\\.$" "contact rm alias"

# Every refusal above, and these, in words.
for args in "client show nosuch" "client merge Coca-Cola --into coca-cola" \
	"contact edit $id nobody --role x" "tag $id" "tag $id --add a --rm A" "history 999" \
	"contact add 999 --name x" "client edit Coca-Cola"; do
	# shellcheck disable=SC2086 # words
	expect_exit "$(
		"$LEAD" $args >/dev/null 2>&1
		echo $?
	)" "$LEAD" $args
	[ "$RC" -ne 0 ] || fail "lead $args succeeded"
	no_internal_names "lead $args"
done

stop_leadd
