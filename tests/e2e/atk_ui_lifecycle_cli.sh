#!/usr/bin/env bash
# Issue 12 through lead, as a new user types it (UI attacks):
# - `lead dead ID --reason ""` (an unset shell variable) is a usage error
#   (exit 2) naming --reason, not "needs a reason" from the server (exit 5),
#   and the blank reason never reaches leadd;
# - a reason the team's lists lack is refused (exit 5) with the one thing
#   missing: --other, shown with the reason as typed;
# - dead for one reason, then for another: lead says the reason changed
#   ("lead-Dead, reason A -> B"), not "lead-Dead -> lead-Dead";
# - the origin's history after many renewals says "added lead N (K in all)"
#   per renewal, not both whole lists (a lead keeps up to 500 renewals:
#   lines of thousands of characters, each repeating the one before);
# - `lead standby ID --until 30s` is told what --until takes (a duration
#   from now or a date), not offered today and -7d (times past, which
#   leadd refuses); `lead renew ID --owner ""` is a usage error, not "no
#   user ''" (exit 3);
# - lead watch says a renewal is one ("created as a renewal of lead N")
#   and the origin's half of it "renewed as lead M", not "edited".
# Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cli_watch_lib.sh"

# as USER CMD...: CMD with USER's session.
as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}

start_leadd
lead_ok team add sales
lead_ok admin reason add "No budget" --team sales
lead_ok admin reason add "Too expensive"
lead_ok add "Acme renewal" --team sales
A=$OUT

# An empty --reason: a usage error, the lead untouched.
expect_exit 2 "$LEAD" dead "$A" --reason ""
expect_match "$ERR" '^lead: --reason needs text' "an empty reason is a usage error"
expect_match "$ERR" '^usage: lead dead ID --reason TEXT \[--other\]' "with the usage"
expect_exit 2 "$LEAD" status "$A" dead --reason "  " --other
expect_match "$ERR" '^lead: --reason needs text' "blanks with --other too"
lead_ok --json show "$A"
expect_eq "lead-New" "$(json 'd["status"]' <<<"$OUT")" "nothing moved"

# No reason at all: the server's sentence names the reasons, lead says how.
expect_exit 5 "$LEAD" dead "$A"
expect_match "$ERR" "needs a reason" "no reason: refused"
expect_match "$ERR" "give a listed reason with --reason TEXT, or your own words with --reason TEXT --other" \
	"no reason: both ways named"

# A reason the lists lack: only --other is missing, said once.
expect_exit 5 "$LEAD" dead "$A" --reason "Moved abroad"
expect_match "$ERR" "'Moved abroad' is not one of the reasons" "the refusal names the reason"
expect_match "$ERR" "add --other, as in --reason TEXT --other \(here: --reason 'Moved abroad' --other\)$" \
	"the hint is --other"
expect_no_match "$ERR" "give a listed reason with --reason TEXT, or" \
	"not the no-reason hint, which says to give --reason again"
expect_exit 5 "$LEAD" --json dead "$A" --reason "Moved abroad"
expect_eq "FAILED_PRECONDITION" "$(json 'd["code"]' <<<"$ERR")" "--json keeps the code"

# Dead, then dead for another reason: the reason moved, not the status.
lead_ok dead "$A" --reason "no budget"
expect_eq "lead $A: lead-New -> lead-Dead (No budget)" "$OUT" "a move prints from -> to"
lead_ok dead "$A" --reason "too expensive"
expect_eq "lead $A: lead-Dead, reason No budget -> Too expensive" "$OUT" \
	"a new reason for the same status"
lead_ok dead "$A" --reason "Too expensive"
expect_eq "lead $A: already lead-Dead; nothing changed" "$OUT" "the same reason changes nothing"
lead_ok reopen "$A"
expect_eq "lead $A: lead-Dead -> lead-New" "$OUT" "reopen"

# Renewals in the origin's history: one short line each.
for i in $(seq 1 30); do
	lead_ok renew "$A" --contacts none
	R=$OUT
done
expect_match "$R" '^lead [0-9]+ renews lead '"$A"'$' "renew says which lead it made"
R=$(sed -E 's/^lead ([0-9]+) renews.*/\1/' <<<"$R")
lead_ok history "$A"
expect_match "$OUT" "renewals +added lead $R \\(30 in all\\)$" "the last renewal, with the count"
expect_match "$OUT" "renewals +added lead [0-9]+ \\(1 in all\\)$" "the first renewal"
widest=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' <<<"$OUT")
[ "$widest" -le 100 ] || fail "lead history has a line of $widest characters"
CHECKS=$((CHECKS + 1))
# --json keeps the server's two lists as they are.
lead_ok --json history "$A"
expect_eq "30" "$(json '[c for e in d for c in e["changes"] if c["field"] == "renewals"][-1]["new"].count("lead ")' <<<"$OUT")" \
	"--json has the whole list"

# --until and --owner slips.
expect_exit 2 "$LEAD" standby "$A" --until 30s
expect_match "$ERR" "^lead: --until: '30s' is neither a duration from now \(3d, 2w; units m, h, d, w\) nor a date" \
	"--until says what it takes"
expect_no_match "$ERR" "today|-7d" "--until offers no time past"
expect_exit 2 "$LEAD" standby "$A" --until 2026-02-30
expect_match "$ERR" "'2026-02-30': no such day" "a day that does not exist is named"
lead_ok standby "$A" --until 3d
expect_match "$OUT" "^lead $A: on stand-by until " "a duration from now works"
lead_ok standby "$A" --off
expect_exit 2 "$LEAD" renew "$A" --owner ""
expect_match "$ERR" "^lead: --owner needs a user name" "an empty --owner is a usage error"

# lead watch: both halves of a renewal say what they are.
login_admin_as_user
bg "$LEADD_DIR/watch.out" admin watch
W=$BG
wait_line "$LEADD_DIR/watch.out" '^-- watching'
lead_ok renew "$A" --contacts none
R=$(sed -E 's/^lead ([0-9]+) renews.*/\1/' <<<"$OUT")
lead_ok edit "$A" --title "Acme renewal 2"
wait_line "$LEADD_DIR/watch.out" "lead $A 'Acme renewal 2' edited"
expect_match "$(cat "$LEADD_DIR/watch.out")" \
	"^$TIME_RE admin: lead $R 'Acme renewal' created as a renewal of lead $A: lead-New, in the pool \(rev [0-9]+\)\$" \
	"the renewal's creation names its origin"
expect_match "$(cat "$LEADD_DIR/watch.out")" \
	"^$TIME_RE admin: lead $A 'Acme renewal' renewed as lead $R \(rev [0-9]+\)\$" \
	"the origin's change names the renewal"
expect_no_match "$(cat "$LEADD_DIR/watch.out")" "lead $A 'Acme renewal' edited" \
	"the origin's half of a renewal is not an edit"
stop TERM "$W"
stop_leadd
