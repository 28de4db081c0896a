#!/usr/bin/env bash
# UI attack (issue 13): what a new user types wrong. A note, title or
# outcome that starts with '-' ("-5% off agreed") was read by getopt as
# options and refused as "unknown option '-5'", which tells nobody what to
# do; lead now says the text goes after -- and shows the quoted line, and
# that line works. Bad activity ids (42, 42., 42.0, 42.x, 1e3.2, -1.2, a
# number past 2^64, N past 2^32) are usage errors (exit 2) sent nowhere;
# an id that parses but names nothing is NOT_FOUND (exit 3). TZ pinned.
# Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Paris

start_leadd
lead_ok add "Fleet deal" --client Acme --owner admin
L=$OUT

# ---- text that starts with a dash ----
expect_exit 2 "$LEAD" note "$L" "-5% off agreed"
expect_match "$ERR" "^lead: '-5% off agreed' was read as options; a text that starts with '-' goes after --, as in: lead note \\.\\.\\. -- '-5% off agreed'\$" \
	"a note starting with a dash: how to give it"
expect_no_match "$ERR" "unknown option" "no bare 'unknown option'"
lead_ok note "$L" -- "-5% off agreed"
expect_match "$OUT" "^added note $L\\.1: -5% off agreed\$" "the note after --"
expect_exit 2 "$LEAD" task "$L" "-call back Ana" --due "tomorrow 10:00"
expect_match "$ERR" "lead task \\.\\.\\. -- '-call back Ana'" "a task title"
expect_exit 2 "$LEAD" note "$L" "-it's o'neil's deal"
expect_match "$ERR" "-- '-it'\\\\''s o'\\\\''neil'\\\\''s deal'\$" "quotes in the hint, shell-quoted"
expect_exit 2 "$LEAD" activity rm "-5 x"
expect_match "$ERR" "lead activity rm \\.\\.\\. --" "a family's command named whole"
# A real typo of an option still reads as one.
expect_exit 2 "$LEAD" note "$L" -x
expect_match "$ERR" "^lead: unknown option '-x'\$" "a typo stays a typo"

# ---- activity ids ----
lead_ok task "$L" "Send the quote" --due "tomorrow 10:00"
for bad in 42 42. 42.0 42.x 1e3.2 -1.2 99999999999999999999.1 "$L.4294967296" "$L..2" \
	"$L.2.3" " $L.2" "$L.2 " "$L.+2" "0.1" ""; do
	expect_exit 2 "$LEAD" done -- "$bad"
	expect_match "$ERR" "an activity is named LEAD.N" "lead done '$bad'"
	expect_exit 2 "$LEAD" activity rm -- "$bad"
	expect_match "$ERR" "an activity is named LEAD.N" "lead activity rm '$bad'"
	expect_exit 2 "$LEAD" activity edit --title x -- "$bad"
	expect_match "$ERR" "an activity is named LEAD.N" "lead activity edit '$bad'"
done
expect_exit 3 "$LEAD" done "$L.99"
expect_match "$ERR" "^lead: lead $L has no activity $L\\.99; 'lead activity ls $L' lists them\$" "no such activity"
expect_exit 3 "$LEAD" done "99999.1"
lead_ok activity ls "$L"
expect_match "$OUT" "^$L\\.2 +task +open" "the task untouched by every bad id"

stop_leadd
echo "ok: $CHECKS checks"
