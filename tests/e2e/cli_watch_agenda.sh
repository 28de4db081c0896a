#!/usr/bin/env bash
# `lead watch` follows your agenda too (issue 13): a task the manager gives
# tom is a line "on your agenda: task L.N '...' on lead L '...', due TIME"
# in tom's running watch within a second, beside the lead's own line naming
# the activity ("task L.N '...' added"); bob (another team) sees neither;
# when leadd's clock (leadd-fault-test, docs/operations.md) passes its
# time, tom's watch prints "leadd: due now: task L.N ...". With --json the
# agenda lines are events "activity" with "activity" (the ACTIVITY object
# the activity commands print, "id": "L.N") and "activity_op", every line
# with the same keys in order;
# a lead line of the change has them too. --since replays both lines.
# TZ is pinned. LEADD must be leadd-fault-test; ends with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

CLOCK=$(mktemp "${TMPDIR:-/tmp}/lead-agenda-clock.XXXXXX")
echo 0 >"$CLOCK"
export LEADD_FAULT_CLOCK_FILE=$CLOCK
trap 'rc=$?; rm -f "$CLOCK" "$CLOCK.tmp"; set +e; (exit $rc); cleanup' EXIT
export TZ=Europe/Paris

set_clock() {
	echo "$1" >"$CLOCK.tmp" && mv "$CLOCK.tmp" "$CLOCK"
}

start_leadd
make_sales_floor
login_admin_as_user
W="$LEADD_DIR/watch"
mkdir -p "$W"

bg_pipe "$W/tom" tom watch
TOM=$BG
bg "$W/bob" bob watch
BOB=$BG
bg "$W/tomj" tom --json watch
TOMJ=$BG
wait_line "$W/tom" '^-- watching the leads you may see and your agenda from revision [0-9]+'
wait_line "$W/bob" '^-- watching the leads you may see and your agenda from revision [0-9]+'
wait_line "$W/tomj" '"event":"snapshot"'
since=$(grep -Eo 'revision [0-9]+' "$W/tom" | head -n 1 | cut -d' ' -f2)

# The manager gives tom a task on his lead: his agenda line, and the lead's.
as maria expect_exit 0 "$LEAD" --json task "$L1" "send the quote" --due +2h --for tom
rev=$(json 'd["activity"]["version"]' <<<"$OUT")
wait_line "$W/tom" "^$TIME_RE maria: on your agenda: task $L1\\.1 'send the quote' on lead $L1 'Payroll outsourcing', due [0-9: -]+ \\(rev $rev\\)$" 1000
echo "the agenda line reached tom's watch in $WAITED ms"
wait_line "$W/tom" "^$TIME_RE maria: lead $L1 'Payroll outsourcing' task $L1\\.1 'send the quote' added \\(rev $rev\\)$"
wait_line "$W/tomj" "\"event\":\"activity\""

# bob's watch: a change after it shows it has gone by, without a word of it.
as bob expect_exit 0 "$LEAD" --json edit "$L5" --value 2000
r2=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/bob" "\\(rev $r2\\)$"
expect_no_match "$(cat "$W/bob")" "send the quote|rev $rev\\)" "bob sees nothing of tom's task"

# leadd's clock three hours ahead: the task falls due.
set_clock $((3 * 3600 * 1000))
wait_line "$W/tom" "^$TIME_RE leadd: due now: task $L1\\.1 'send the quote' on lead $L1 'Payroll outsourcing' \\(due [0-9: -]+\\) \\(rev [0-9]+\\)$" 2000
wait_line "$W/tom" "^$TIME_RE leadd: lead $L1 'Payroll outsourcing' task $L1\\.1 'send the quote' is due \\(rev [0-9]+\\)$"
wait_line "$W/tomj" '"activity_op":"due"'

stop TERM "$TOMJ"
"$PYTHON" - "$W/tomj" "$L1" <<'PY' || fail "the JSON lines of the agenda"
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "the last line is whole"
docs = [json.loads(l) for l in lines[:-1]]
keys = ["revision", "event", "lead_id", "change", "at", "author", "old_status",
        "new_status", "old_owner", "new_owner", "lead", "reason", "activity", "activity_op",
        "opportunity", "opp_op"]
for d in docs:
    assert list(d) == keys, d
lid = int(sys.argv[2])
ag = [d for d in docs if d["event"] == "activity"]
assert [d["activity_op"] for d in ag] == ["added", "due"], ag
a = ag[0]["activity"]
assert list(a) == ["id", "lead", "number", "kind", "state", "overdue", "title", "text",
                   "outcome", "at", "duration_ms", "place", "with", "assignee", "assignee_id",
                   "lead_title", "client", "created_at", "updated_at", "done_at",
                   "version"], a
assert a["id"] == "%d.1" % lid and a["lead"] == lid and a["number"] == 1, a
assert a["kind"] == "task" and a["state"] == "open" and a["title"] == "send the quote", a
assert a["assignee"] == "tom" and a["lead_title"] == "Payroll outsourcing", a
assert a["client"] == "Maison Lefèvre SA" and a["overdue"] is False, a
assert ag[1]["activity"]["state"] == "open" and ag[1]["activity"]["version"] > a["version"], ag
assert ag[0]["change"] == "activity" and ag[1]["change"] == "due", ag
assert ag[0]["author"] == "maria" and ag[1]["author"] is None, ag
assert ag[0]["lead"] is None, ag[0]
leads = [d for d in docs if d["event"] == "lead" and d["change"] in ("activity", "due")]
assert [d["activity_op"] for d in leads] == ["added", "due"], leads
assert all(d["activity"]["id"] == a["id"] for d in leads), leads
others = [d for d in docs if d["event"] in ("snapshot",)]
assert all(d["activity"] is None and d["activity_op"] is None for d in others), others
PY
CHECKS=$((CHECKS + 1))

# --since replays the agenda lines too.
stop TERM "$TOM"
bg "$W/tom2" tom watch --since "$since"
wait_line "$W/tom2" "maria: on your agenda: task $L1\\.1 'send the quote'"
wait_line "$W/tom2" "leadd: due now: task $L1\\.1 'send the quote'"
wait_line "$W/tom2" '^-- caught up at revision [0-9]+'
stop TERM "$BG"
stop TERM "$BOB"
stop_leadd
