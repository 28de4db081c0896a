#!/usr/bin/env bash
# A rep works a big sale's contacts through the lead binary (issue 10): three
# contacts, the main one moved to the top, one marked as left and back, WHO
# as a position, an email or a name, errors for people, --json shapes field
# by field, `lead show` agreeing, and `lead add`'s one main contact.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

start_leadd
lead_ok user add tom --role rep --password-stdin <<<"tom-password-1"
lead_ok login tom --password-stdin <<<"tom-password-1"

lead_ok add "Big sale" --client Acme --contact "Ana Ruiz" --role CEO --email ana@acme.io \
	--value 48000
id=$OUT
lead_ok contact add "$id" --name "Bob Stone" --role CFO --email bob@acme.io \
	--phone "+33 1 23 45 67 89"
lead_ok contact add "$id" --name "Chloé Martin" --email chloe@acme.io --note "prefers mornings"
expect_match "$OUT" "^1 main +Ana Ruiz +CEO +ana@acme.io" "contact ls: the main one first"
expect_match "$OUT" "^3 +Chloé Martin +- +chloe@acme.io +- +prefers mornings" "added last"

# The main one moved to the top; the others keep their order.
lead_ok contact main "$id" chloe@acme.io
lead_ok --json contact ls "$id"
expect_eq 'Chloé Martin, Ana Ruiz, Bob Stone' "$(json '", ".join(c["name"] for c in d["contacts"])' <<<"$OUT")" "order after main"
expect_eq '[1, 2, 3]' "$(json '[c["position"] for c in d["contacts"]]' <<<"$OUT")" "positions"
expect_eq '[true, false, false]' "$(json '[c["main"] for c in d["contacts"]]' <<<"$OUT")" "main flags"
# JSON conventions: absent values are null, not "" or 0.
expect_eq 'null' "$(json 'd["contacts"][0]["role"]' <<<"$OUT")" "no role is null"
expect_eq 'null' "$(json 'd["contacts"][1]["note"]' <<<"$OUT")" "no note is null"
expect_eq 'prefers mornings' "$(json 'd["contacts"][0]["note"]' <<<"$OUT")" "a note"
expect_eq 'false' "$(json 'd["contacts"][2]["left"]' <<<"$OUT")" "left is false"
expect_eq "$id" "$(json 'd["lead_id"]' <<<"$OUT")" "lead_id"
expect_eq '["contacts", "lead_id", "version"]' "$(json 'sorted(d)' <<<"$OUT")" "keys of contact ls"
expect_eq '["email", "left", "main", "name", "note", "phone", "position", "role"]' \
	"$(json 'sorted(d["contacts"][0])' <<<"$OUT")" "keys of a contact"
lead_ok show "$id"
expect_match "$OUT" "Chloé Martin \(main\)" "lead show: the new main contact first"

# A contact marked as left: kept, listed as left; --back undoes it.
lead_ok contact edit "$id" "bob stone" --left
expect_match "$OUT" "^3 left +Bob Stone +CFO" "contact ls shows left"
lead_ok --json contact ls "$id"
expect_eq 'true' "$(json 'd["contacts"][2]["left"]' <<<"$OUT")" "--json left"
lead_ok contact edit "$id" 3 --back
expect_match "$OUT" "^3 +Bob Stone +CFO" "--back"
expect_exit 2 "$LEAD" contact edit "$id" 3 --left --back
expect_match "$ERR" "--left and --back say opposite things" "--left with --back"

# Edit by position, clear a field with "".
lead_ok contact edit "$id" 2 --phone "+34 600 000 000" --note ""
expect_match "$OUT" "^2 +Ana Ruiz +CEO +ana@acme.io +\+34 600 000 000 +-" "edit by position"
lead_ok contact edit "$id" 2 --phone ""
expect_match "$OUT" "^2 +Ana Ruiz +CEO +ana@acme.io +- +-" "'' clears"
# The new contacts are found by lead ls --query (the word index follows).
lead_ok --json ls --query chloe
expect_eq "[$id]" "$(json '[l["id"] for l in d["leads"]]' <<<"$OUT")" "ls --query a contact's name"

# Errors, for people.
expect_exit 3 "$LEAD" contact edit "$id" nobody --role x
expect_match "$ERR" "lead $id has no contact 'nobody'; 'lead contact ls $id' lists them" "unknown WHO"
expect_exit 5 "$LEAD" contact add "$id" --name "Ana Twin" --email ANA@acme.io
expect_match "$ERR" "lead $id already has ANA@acme.io: contact 2 \(Ana Ruiz\)" "email twice"
lead_ok contact add "$id" --name "ana ruiz" --email ana.two@acme.io
expect_exit 2 "$LEAD" contact main "$id" "Ana Ruiz"
expect_match "$ERR" "'Ana Ruiz' could be contact 2 or 4 of lead $id; give the position or the email" "a shared name"
lead_ok contact rm "$id" ana.two@acme.io
expect_exit 2 "$LEAD" contact add "$id" --role Intern
expect_match "$ERR" "say who the contact is: --name NAME" "add with only a role"
expect_exit 2 "$LEAD" contact add "$id" --email only@acme.io
expect_match "$ERR" "say who the contact is: --name NAME" "add with only an email: a contact is a person"
expect_exit 2 "$LEAD" contact edit "$id" 1
expect_match "$ERR" "say what to change" "edit with nothing"
expect_exit 2 "$LEAD" contact add "$id" --name "Esc"$'\e'"[31m"
expect_match "$ERR" "control character" "a control character in a name"
expect_exit 5 "$LEAD" contact edit "$id" 1 --role x --if-version 1
expect_match "$ERR" "changed since version 1" "--if-version stale"
expect_exit 3 "$LEAD" contact ls 999
expect_match "$ERR" "lead 999 not found" "contact ls of an unknown lead"
expect_exit 2 "$LEAD" contact ls abc
expect_match "$ERR" "a lead id is a positive number, not 'abc'" "a bad id"
expect_exit 2 "$LEAD" contact frob "$id"
expect_match "$ERR" "unknown command 'contact frob'" "unknown subcommand"

# contact rm by name, then the list.
lead_ok contact rm "$id" "Bob Stone"
lead_ok --json contact ls "$id"
expect_eq 'Chloé Martin, Ana Ruiz' "$(json '", ".join(c["name"] for c in d["contacts"])' <<<"$OUT")" "after rm"
lead_ok contact main "$id" 1
lead_ok --json show "$id"
v=$(json 'd["version"]' <<<"$OUT")
lead_ok contact main "$id" 1
lead_ok --json show "$id"
expect_eq "$v" "$(json 'd["version"]' <<<"$OUT")" "contact main of the main one keeps the version"

# contact add --main puts the new one first, the others after it in order.
lead_ok add "Main first" --client Acme --contact "Ana Ruiz" --email ana.m@acme.io
mainfirst=$OUT
lead_ok contact add "$mainfirst" --name "Bob Stone"
lead_ok contact add "$mainfirst" --name "Zoe Boss" --role CEO --main
expect_eq "1 main  Zoe Boss   CEO   -              -      -
2       Ana Ruiz   -     ana.m@acme.io  -      -
3       Bob Stone  -     -              -      -" "$(sed 1d <<<"$OUT")" "contact add --main: first"
lead_ok history "$mainfirst"
expect_match "$(tail -n 2 <<<"$OUT")" "contacts +added Zoe Boss" "the history: added"
expect_match "$(tail -n 1 <<<"$OUT")" "contacts +main: Zoe Boss$" "the history: made main"

# At most 50 contacts a lead: the 51st is refused with what to do.
lead_ok add "Many contacts" --client Acme --contact "Person 1"
many=$OUT
for i in $(seq 2 50); do
	lead_ok contact add "$many" --name "Person $i"
done
expect_exit 5 "$LEAD" contact add "$many" --name "Person 51"
expect_match "$ERR" "^lead: lead $many has 50 contacts, the most a lead may have; remove one first \(lead contact rm\)$" \
	"the 51st contact"
lead_ok --json contact ls "$many"
expect_eq "50 Person 50" "$(json '"%d %s" % (len(d["contacts"]), d["contacts"][-1]["name"])' <<<"$OUT")" \
	"the refused contact was not added"
lead_ok contact rm "$many" 50
lead_ok contact add "$many" --name "Person 51"

# lead add takes one main contact.
expect_exit 2 "$LEAD" add "Two contacts" --contact Ana --contact Bob
expect_match "$ERR" "lead add takes one contact \(the main one\); add more afterwards with 'lead contact add" "a second --contact"
expect_exit 2 "$LEAD" add "Bare phone" --phone "+33 1 00 00 00 00"
expect_match "$ERR" "--phone describes the main contact: name it with --contact NAME" "--phone alone"
expect_exit 2 "$LEAD" add "Bare email" --email a@b.example
expect_match "$ERR" "--email describes the main contact" "--email alone"
expect_exit 2 "$LEAD" add "Bare role" --role CEO
expect_match "$ERR" "--role describes the main contact" "--role alone"
expect_exit 2 "$LEAD" add "Two emails" --contact Ana --email a@b.example --email c@d.example
expect_match "$ERR" "lead add takes one contact" "a second --email"
lead_ok --json ls --all
expect_eq 3 "$(json 'len(d["leads"])' <<<"$OUT")" "no lead made by a refused add"

# lead edit --phone/--email change the main contact; a lead with none gets
# no nameless "(no name)" contact from them: lead says how to add one.
lead_ok add "No contact yet" --client Acme
nocontact=$OUT
expect_exit 2 "$LEAD" edit "$nocontact" --phone "+33 1 00 00 00 00"
expect_match "$ERR" "^lead: lead $nocontact has no contact for --phone to change: add one with 'lead contact add $nocontact --name NAME --phone PHONE'\$" \
	"edit --phone on a lead without contacts"
expect_exit 2 "$LEAD" edit "$nocontact" --email a@b.example --phone "+33 1 00 00 00 00"
expect_match "$ERR" "no contact for --email and --phone to change: add one with 'lead contact add $nocontact --name NAME --email EMAIL --phone PHONE'" \
	"edit --email --phone on a lead without contacts"
lead_ok --json contact ls "$nocontact"
expect_eq '[]' "$(json 'd["contacts"]' <<<"$OUT")" "no contact was made"
lead_ok contact add "$nocontact" --name "Ana Ruiz"
lead_ok edit "$nocontact" --phone "+33 1 00 00 00 00" --email ana.n@acme.io
expect_match "$OUT" "^contacts: +Ana Ruiz \(main\), ana.n@acme.io, \+33 1 00 00 00 00$" \
	"with a contact, edit --phone and --email change the main one"

# Help covers it.
lead_ok help contact
expect_match "$OUT" "contact add" "help contact lists add"
expect_match "$OUT" "contact main" "help contact lists main"
lead_ok help contact edit
expect_match "$OUT" "--left marks it as no longer at the company" "help contact edit"
stop_leadd
