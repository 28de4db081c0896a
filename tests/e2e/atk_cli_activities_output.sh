#!/usr/bin/env bash
# UI attack (issue 13): output that cannot be written is an error, never a
# silent success. `lead --json agenda > /dev/full` (or activity ls, or any
# --json document past stdio's 4 KB buffer) exited 0 with the document
# lost: printf failed, the error flag was set and the buffer emptied, and
# lead checked only fflush. The same for the text table, and for the .ics
# (which checked already). TZ pinned. Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=America/New_York
[ -w /dev/full ] || fail "/dev/full is needed to test a write that fails"

# to_full CMD...: CMD with its standard output on /dev/full.
to_full()
{
	"$@" >/dev/full
}

start_leadd
lead_ok add "Fleet deal" --client Acme --owner admin
L=$OUT
for i in $(seq 1 40); do
	lead_ok task "$L" "Task number $i with a title long enough to fill the page" --due "+${i}d"
done
for cmd in "--json agenda" "--json today" "--json activity ls $L" "--json show $L" \
	"agenda" "activity ls $L" "agenda --ics"; do
	# shellcheck disable=SC2086
	expect_exit 1 to_full "$LEAD" $cmd
	expect_match "$ERR" "cannot write (the output|the calendar)" "lead $cmd > /dev/full"
done
# Small documents were caught already; they still are.
expect_exit 1 to_full "$LEAD" --json whoami
lead_ok --json agenda
expect_eq 40 "$(json 'len(d["items"])' <<<"$OUT")" "the agenda whole into a pipe"
stop_leadd
echo "ok: $CHECKS checks"
