#!/usr/bin/env bash
# lead watch --since a revision leadd's change log no longer holds (it keeps
# only the last changelog_max entries; here 3): a snapshot line instead of
# a replay, saying why and that what was printed before may be stale, then
# live changes. --since a revision it still holds replays exactly the
# changes after it. The trimmed log verifies clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

# lib.sh starts leadd as "$LEADD" --data-dir ...: this leadd keeps three
# change-log entries (the same binary, one setting more; exec keeps the pid).
REAL_LEADD=$LEADD
WRAP=$(mktemp -d "${TMPDIR:-/tmp}/lead-e2e-wrap.XXXXXX")
cat >"$WRAP/leadd" <<EOF
#!/bin/sh
if [ "\$1" = --data-dir ]; then
	exec "$REAL_LEADD" "\$@" --set changelog_max=3
fi
exec "$REAL_LEADD" "\$@"
EOF
chmod +x "$WRAP/leadd"
LEADD=$WRAP/leadd
start_leadd
LEADD=$REAL_LEADD # for leadd verify at the end
rm -rf "$WRAP"
make_sales_floor
W="$LEADD_DIR/watch" # the watchers' output (and .err beside each)
mkdir -p "$W"

# Where the log stands: the last change, and two before it (still kept).
lead_ok --json status "$L5" qualified
last=$(json 'd["version"]' <<<"$OUT")
[ "$last" -gt 6 ] || fail "too few changes for the log to be trimmed: $last"

bg "$W/old" tom watch --since 1
OLD=$BG
wait_line "$W/old" "^-- snapshot at revision $last: .+ Lines before this one may be stale: 'lead ls' shows the leads as they are now\.$"
expect_no_match "$(cat "$W/old")" '^-- replaying' "no replay of changes leadd no longer has"
as tom expect_exit 0 "$LEAD" --json status "$L2" prospect
r=$(json 'd["version"]' <<<"$OUT")
wait_line "$W/old" "^$TIME_RE tom: lead $L2 'Support contract' lead-Qualified -> prospect-Qualified \(rev $r\)$" 1000
stop TERM "$OLD"

# A revision still in the log: exactly the change after it.
expect_exit 0 timeout --preserve-status -s INT 2 env LEAD_CONFIG_DIR="$LEADD_DIR/cfg-tom" "$LEAD" watch --since "$((r - 1))"
got=$(grep -v '^--' <<<"$OUT" | sed -E "s/^$TIME_RE //")
expect_eq "tom: lead $L2 'Support contract' lead-Qualified -> prospect-Qualified (rev $r)" "$got" "the one change after $((r - 1))"
expect_match "$OUT" "^-- caught up at revision $r; live from here$" "caught up"

stop_leadd
