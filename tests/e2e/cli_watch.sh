#!/usr/bin/env bash
# `lead watch` against a real leadd: a change made by `lead status` is a line
# in a running watch within a second; the lines say who changed which lead
# how; a rep's watch shows no lead of another rep; a lead given away leaves
# the old owner's view (without its title) and enters the new owner's;
# --json lines parse and carry their revision; --since the last revision
# printed prints exactly the changes missed; --search follows a saved
# search; SIGINT and SIGTERM end it with exit 0, a lost connection with 6.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

start_leadd
make_sales_floor
login_admin_as_user
W="$LEADD_DIR/watch" # the watchers' output (and .err beside each)
mkdir -p "$W"

# ---- usage, checked by lead; then what the server refuses ----
expect_exit 2 "$LEAD" watch --since abc
expect_match "$ERR" "--since wants a revision number" "--since abc"
expect_exit 2 "$LEAD" watch extra
expect_exit 2 "$LEAD" watch --search ""
expect_exit 2 "$LEAD" watch --since 99999999
as tom expect_exit 3 "$LEAD" watch --search no-such-search

# ---- three watchers: tom and bob (reps of two teams), the admin in JSON ----
bg_pipe "$W/tom" tom watch
TOM=$BG
bg "$W/bob" bob watch
BOB=$BG
bg "$W/adm" admin --json watch
ADM=$BG
wait_line "$W/tom" '^-- watching the leads you may see and your agenda from revision [0-9]+ \(times in .+\)$'
wait_line "$W/bob" '^-- watching the leads you may see and your agenda from revision [0-9]+'
wait_line "$W/adm" '"event":"snapshot"'
# A watch waits for ever for events: keepalive probes (every 30 s idle)
# notice a server that vanished without closing the connection.
command -v ss >/dev/null || fail "ss (iproute2) is needed to see the watch's socket"
expect_match "$(ss -tnpo | grep "pid=$BOB,")" 'timer:\(keepalive,' "keepalive on the watching connection"

# A status change is in the running watch within a second of its answer.
as tom expect_exit 0 "$LEAD" --json status "$L2" prospect
r1=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tom" "^$TIME_RE tom: lead $L2 'Support contract' lead-Qualified -> prospect-Qualified \(rev $r1\)$" 1000
echo "the change reached tom's watch in $WAITED ms"
wait_line "$W/adm" "\"revision\":$r1," 1000

# Bob's lead is bob's: his watch has it, tom's not; tom's is not in bob's.
as bob expect_exit 0 "$LEAD" --json status "$L5" qualified
r2=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/bob" "^$TIME_RE bob: lead $L5 'Ops thing' lead-New -> lead-Qualified \(rev $r2\)$" 1000
# Events come in revision order: once tom's watch has a later change, it
# would have had bob's.
as tom expect_exit 0 "$LEAD" --json edit "$L1" --value 50000
r3=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tom" "^$TIME_RE tom: lead $L1 'Payroll outsourcing' edited \(rev $r3\)$"
wait_line "$W/bob" "\(rev $r2\)$"
expect_no_match "$(cat "$W/tom")" "lead $L5 |Ops thing|\(rev $r2\)" "tom's watch shows none of bob's leads"
expect_no_match "$(cat "$W/bob")" "lead ($L1|$L2) |Payroll|Support|\(rev ($r1|$r3)\)" "bob's watch shows none of tom's leads"

# A lead created for tom enters his view; the admin gives it to bob: it
# leaves tom's view, without its title, and enters bob's.
lead_ok --json add "Spring TV campaign" --owner tom
L6=$(json 'd["id"]' <<<"$OUT")
r4=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tom" "^$TIME_RE admin: lead $L6 'Spring TV campaign' created: lead-New, owner tom \(rev $r4\)$"
lead_ok --json assign "$L6" --to bob
r5=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tom" "^$TIME_RE admin: lead $L6 moved out of your view \(rev $r5\)$"
wait_line "$W/bob" "^$TIME_RE admin: lead $L6 'Spring TV campaign' owner now bob, now in view \(rev $r5\)$"

# The admin's JSON lines: every line parses, revisions only grow, and the
# status change carries its fields and the lead after it.
wait_line "$W/adm" "\"revision\":$r5,"
"$PYTHON" - "$W/adm" "$r1" "$L2" <<'EOF' || fail "the JSON lines of lead --json watch"
import json, re, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "the last line is whole"
docs = [json.loads(l) for l in lines[:-1]]
keys = ["revision", "event", "lead_id", "change", "at", "author", "old_status",
        "new_status", "old_owner", "new_owner", "lead", "reason", "activity",
        "activity_op", "opportunity", "opp_op"]
for d in docs:
    assert list(d) == keys, d
revs = [d["revision"] for d in docs]
assert revs == sorted(revs), revs
assert docs[0]["event"] == "snapshot" and docs[0]["lead_id"] is None, docs[0]
ev = [d for d in docs if d["revision"] == int(sys.argv[2])]
assert len(ev) == 1, ev
ev = ev[0]
assert ev["event"] == "lead" and ev["change"] == "status", ev
assert ev["lead_id"] == int(sys.argv[3]) and ev["author"] == "tom", ev
assert ev["old_status"] == "lead-Qualified" and ev["new_status"] == "prospect-Qualified", ev
assert ev["old_owner"] == "tom" and ev["new_owner"] == "tom", ev
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$", ev["at"]), ev["at"]
assert ev["lead"]["id"] == ev["lead_id"] and ev["lead"]["status"] == "prospect-Qualified", ev
assert ev["lead"]["owner"] == "tom" and ev["lead"]["title"] == "Support contract", ev
assert ev["reason"] is None
EOF
CHECKS=$((CHECKS + 1))

# ---- resume: --since the last revision printed gives exactly the missed ----
stop TERM "$TOM"
expect_eq 0a "$(tail -c 1 "$W/tom" | od -An -tx1 | tr -d ' ')" "tom's last line is whole after SIGTERM"
since=$(last_rev "$W/tom")
expect_eq "$r5" "$since" "the last revision tom's watch printed"
# While tom is away: a status of his, a change he may not see (bob's), a
# lead taken from him, a lead made for him.
lead_ok --json status "$L1" won
m1=$(json 'd["version"]' <<<"$OUT")
lead_ok --json edit "$L5" --value 2000
m_bob=$(json 'd["version"]' <<<"$OUT")
lead_ok --json assign "$L2" --to ana
m2=$(json 'd["version"]' <<<"$OUT")
lead_ok --json add "Autumn radio" --owner tom
L7=$(json 'd["id"]' <<<"$OUT")
m3=$(json 'd["version"]' <<<"$OUT")
bg "$W/tom2" tom watch --since "$since"
TOM=$BG
wait_line "$W/tom2" "^-- caught up at revision $m3; live from here$"
expect_match "$(head -n 1 "$W/tom2")" "^-- replaying the changes after revision $since up to $m3 \(times in .+\)$" "the replay's first line"
got=$(sed -n '2,/^-- caught up/p' "$W/tom2" | grep -v '^--' | sed -E "s/^$TIME_RE //")
want="admin: lead $L1 'Payroll outsourcing' prospect-Qualified -> customer-Won (rev $m1)
admin: lead $L2 moved out of your view (rev $m2)
admin: lead $L7 'Autumn radio' created: lead-New, owner tom (rev $m3)"
expect_eq "$want" "$got" "the changes tom missed, exactly, in order"
# ... and then live.
as tom expect_exit 0 "$LEAD" --json status "$L7" qualified
r6=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tom2" "^$TIME_RE tom: lead $L7 'Autumn radio' lead-New -> lead-Qualified \(rev $r6\)$" 1000
stop INT "$TOM"

# JSON resume (the admin sees every lead): the lines after --since are
# exactly the changes after it, each once, then caught_up.
expect_exit 0 timeout --preserve-status -s INT 2 "$LEAD" --json watch --since "$since"
printf '%s\n' "$OUT" >"$W/adm2"
"$PYTHON" - "$W/adm2" "$since" "$m1 $m_bob $m2 $m3 $r6" <<'EOF' || fail "lead --json watch --since: $OUT"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]).read().split("\n") if l]
since = int(sys.argv[2])
assert all(d["revision"] > since for d in docs), docs
kinds = [d["event"] for d in docs]
assert "snapshot" not in kinds, kinds
cu = kinds.index("caught_up")
revs = [d["revision"] for d in docs[:cu]]
assert revs == [int(r) for r in sys.argv[3].split()], (revs, sys.argv[3])
assert docs[cu]["revision"] == revs[-1] and docs[cu]["lead_id"] is None, docs[cu]
assert len(docs) == cu + 1, "no change was made after caught_up"
EOF
CHECKS=$((CHECKS + 1))

# ---- --search: the leads matching a saved search, in and out ----
as tom expect_exit 0 "$LEAD" search save mine-q --mine --status qualified
bg "$W/tomq" tom watch --search mine-q
TOM=$BG
wait_line "$W/tomq" "^-- watching the leads matching 'mine-q' and your agenda from revision [0-9]+"
as tom expect_exit 0 "$LEAD" --json edit "$L7" --value 300
r7=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tomq" "^$TIME_RE tom: lead $L7 'Autumn radio' edited \(rev $r7\)$"
as tom expect_exit 0 "$LEAD" --json status "$L7" prospect
r8=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tomq" "^$TIME_RE tom: lead $L7 lead-Qualified -> prospect-Qualified, no longer matches 'mine-q' \(rev $r8\)$"
lead_ok --json add "Winter print" --owner tom --status qualified
L8=$(json 'd["id"]' <<<"$OUT")
r9=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tomq" "^$TIME_RE admin: lead $L8 'Winter print' created: lead-Qualified, owner tom, matches 'mine-q' \(rev $r9\)$"
as tom expect_exit 0 "$LEAD" --json status "$L7" qualified
r10=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/tomq" "^$TIME_RE tom: lead $L7 'Autumn radio' prospect-Qualified -> lead-Qualified, now matches 'mine-q' \(rev $r10\)$"
expect_no_match "$(cat "$W/tomq")" "lead $L1 " "a lead that never matched is not in the search's watch"
# Removing the search ends its watch: exit 1 with the reason.
as tom expect_exit 0 "$LEAD" search rm mine-q
wait_exit "$TOM"
expect_eq 1 "$EXITED" "exit status when the watched search is removed"
expect_match "$(cat "$W/tomq.err")" "^lead: the watch ended after revision [0-9]+: " "the reason the watch ended"

# ---- the connection is lost: exit 6, naming the revision to go on from ----
bg "$W/tom3" tom watch
TOM=$BG
wait_line "$W/tom3" '^-- watching'
# stop_leadd removes the directory the output is in: stop leadd here, read
# what the watchers say, then verify the data as stop_leadd does.
kill -TERM "$LEADD_PID"
status=0
wait "$LEADD_PID" || status=$?
LEADD_PID=""
expect_eq 0 "$status" "leadd's exit status after SIGTERM with watchers connected"
wait_exit "$TOM"
expect_eq 6 "$EXITED" "exit status when leadd goes away"
expect_match "$(cat "$W/tom3.err")" "^lead: lost the connection to leadd at 127\.0\.0\.1:[0-9]+: .*run 'lead watch --since [0-9]+' to go on from there$" "the lost connection's message"
for pid in "$BOB" "$ADM"; do
	wait_exit "$pid"
	expect_eq 6 "$EXITED" "every watcher sees leadd go"
done
out=$("$LEADD" verify --data-dir "$LEADD_DIR/data" 2>&1) || fail "leadd verify found a problem: $out"
CHECKS=$((CHECKS + 1))
