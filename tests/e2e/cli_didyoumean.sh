#!/usr/bin/env bash
# Did you mean (issue 10): an unknown command or subcommand names the
# closest one, as git does ("unknown command 'stauts'; did you mean
# 'status'?"), within the edit distance of ld_distance_max (1 for words of up
# to 4 letters, 2 up to 8, then 3); a word near none says what to run. An
# unknown status word names the closest status: the server reads every
# status word (lead status, lead ls --status, lead add --status, lead assign
# --from --status), so each answers alike.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Madrid

# Commands need no server to be refused.
expect_exit 2 "$LEAD" stauts
expect_match "$ERR" "^lead: unknown command 'stauts'; did you mean 'status'\\?$" "a swap"
expect_exit 2 "$LEAD" histroy 1
expect_match "$ERR" "^lead: unknown command 'histroy'; did you mean 'history'\\?$"
expect_exit 2 "$LEAD" sho 1
expect_match "$ERR" "^lead: unknown command 'sho'; did you mean 'show'\\?$" "a letter missing"
expect_exit 2 "$LEAD" user ad bob
expect_match "$ERR" "^lead: unknown command 'user ad'; did you mean 'user add'\\?$" "a subcommand"
expect_exit 2 "$LEAD" help stauts
expect_match "$ERR" "^lead: unknown command 'stauts'; did you mean 'status'\\?$" "lead help"
expect_exit 2 "$LEAD" help search sav
expect_match "$ERR" "^lead: unknown command 'search sav'; did you mean 'search save'\\?$"
expect_exit 2 "$LEAD" frobnicate
expect_match "$ERR" "^lead: unknown command 'frobnicate'; run 'lead help'$" "near nothing"
expect_exit 2 "$LEAD" user zzz
expect_match "$ERR" "^lead: unknown command 'user zzz'; run 'lead help user'$"
expect_exit 2 "$LEAD" --json stauts
expect_match "$ERR" "did you mean 'status'\\?" "--json errors say it too"

start_leadd
lead_ok add "Big deal" --owner admin
id=$OUT
expect_exit 3 "$LEAD" status "$id" qualifed
expect_match "$ERR" "^lead: no status 'qualifed'; did you mean 'lead-Qualified'\\?$" "lead status"
expect_exit 3 "$LEAD" ls --status qualifed
expect_match "$ERR" "no status 'qualifed'; did you mean 'lead-Qualified'\\?" "lead ls --status"
expect_exit 3 "$LEAD" status "$id" customer-wom
expect_match "$ERR" "did you mean 'customer-Won'\\?" "a typo of a whole name"
expect_exit 3 "$LEAD" add "Small deal" --owner admin --status qualifed
expect_match "$ERR" "^lead: no status 'qualifed'; did you mean 'lead-Qualified'\\?$" "lead add --status"
expect_exit 3 "$LEAD" assign --from admin --to admin --status qualifed
expect_match "$ERR" "^lead: no status 'qualifed'; did you mean 'lead-Qualified'\\?$" "lead assign --status"
expect_exit 3 "$LEAD" status "$id" zzzzzzz
expect_match "$ERR" "no status 'zzzzzzz'; use a status name \\(lead-New" "near none: the names"
# Nothing was changed by the refused commands.
lead_ok --json show "$id"
expect_eq "1 1" "$(json '"%d %d" % (d["version"], len(d["history"]))' <<<"$OUT")"
lead_ok status "$id" qualified
lead_ok history "$id"
expect_match "$OUT" "admin +status +lead-New -> lead-Qualified$"

stop_leadd
