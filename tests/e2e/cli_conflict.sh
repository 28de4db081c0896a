# A stale edit is refused, never a silent overwrite: `lead edit --if-version`
# with a version older than the lead's gets ABORTED and exit status 5.
. "$(dirname "$0")/lib.sh"

start_leadd

lead_ok add "Conflict test" --owner admin --client "Initech"
id=$OUT
lead_ok --json show "$id"
v1=$(json 'd["version"]' <<<"$OUT")
expect_match "$v1" '^[1-9][0-9]*$' "a new lead has a version"

# Someone else edits the lead after we read it.
lead_ok edit "$id" --title "Their title"
lead_ok --json show "$id"
v2=$(json 'd["version"]' <<<"$OUT")
[ "$v2" -gt "$v1" ] || fail "an edit did not raise the version ($v1 -> $v2)"

# Our edit, based on what we read first, is refused.
expect_exit 5 "$LEAD" edit "$id" --if-version "$v1" --title "Our title"
expect_match "$ERR" '^lead: .+' "a conflict says why on stderr"
expect_eq "" "$OUT" "nothing on stdout for a conflict"
expect_exit 5 "$LEAD" --json edit "$id" --if-version "$v1" --title "Our title"
expect_eq ABORTED "$(json 'd["code"]' <<<"$ERR")" "a stale edit's JSON error code"
expect_match "$(json 'd["message"]' <<<"$ERR")" '.' "a stale edit's JSON error message"

lead_ok --json show "$id"
expect_eq "Their title" "$(json 'd["title"]' <<<"$OUT")" "the refused edit changed nothing"
expect_eq "$v2" "$(json 'd["version"]' <<<"$OUT")" "the refused edit kept the version"

# Based on the current version, the same edit goes through.
lead_ok --json edit "$id" --if-version "$v2" --title "Our title"
expect_eq "Our title" "$(json 'd["title"]' <<<"$OUT")" "an edit at the current version"
[ "$(json 'd["version"]' <<<"$OUT")" -gt "$v2" ] || fail "the edit did not raise the version"

# Without --if-version, lead reads the version itself just before.
lead_ok edit "$id" --description "fresh read"
expect_match "$OUT" '^description: +fresh read$' "an edit without --if-version"

stop_leadd
