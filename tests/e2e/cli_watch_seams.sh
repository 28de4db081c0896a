#!/usr/bin/env bash
# `lead watch` where it meets its output (issue 11 seams review):
# - `lead watch | head -n 1`: head exits after the snapshot line and no
#   change follows; lead must notice its reader is gone and exit within
#   2 s, not wait for the next event to fail on (it would wait for ever on
#   a quiet server);
# - `lead kpi --watch | head -n 1` the same;
# - `lead watch` with stdout closed exits non-zero at once saying it cannot
#   write (before, the connection took descriptor 1 and the header went to
#   leadd as a frame);
# - a burst of 300 changes reaches a `lead watch` piped to a slow reader
#   whole: one line per change, in revision order, none twice;
# then `leadd verify` passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/cli_watch_lib.sh"

start_leadd
make_sales_floor
login_admin_as_user
W="$LEADD_DIR/watch"
mkdir -p "$W"

# ---- a reader that goes away ----
for what in "watch" "kpi --watch"; do
	# shellcheck disable=SC2086
	(LEAD_CONFIG_DIR="$LEADD_DIR/cfg-admin" "$LEAD" $what 2>"$W/head.err" | head -n 1 >"$W/head") &
	pid=$!
	BG_PIDS+=("$pid")
	wait_line "$W/head" '.' 5000
	wait_exit "$pid" 2000
	echo "lead $what | head -n 1 ended $WAITED ms after its first line"
done

# ---- no stdout at all ----
start=$(now_ms)
rc=0
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-admin" timeout 10 "$LEAD" watch >&- 2>"$W/closed.err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "lead watch with stdout closed: exit $rc (124: still running after 10 s)"
[ -s "$W/closed.err" ] || fail "lead watch with stdout closed said nothing"
# Its output must not have gone to leadd (the socket took fd 1 before).
expect_match "$(cat "$W/closed.err")" "cannot write the output" "stdout closed: said so"
[ $(($(now_ms) - start)) -lt 3000 ] || fail "lead watch with stdout closed took $(($(now_ms) - start)) ms"
echo "lead watch with stdout closed: exit $rc: $(cat "$W/closed.err")"
CHECKS=$((CHECKS + 1))

# ---- a flood to a slow reader ----
slow="$W/slow"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-admin" "$LEAD" watch 2>"$slow.err" |
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$slow"
		sleep 0.001
	done &
BG_PIDS+=("$!")
wait_line "$slow" '^-- watching' 5000
first=$(as admin "$LEAD" --json status "$L1" qualified >/dev/null; last_rev "$slow")
for i in $(seq 1 150); do
	as admin "$LEAD" status "$L1" new >/dev/null || fail "status change $i"
	as admin "$LEAD" status "$L1" qualified >/dev/null || fail "status change $i"
done
wait_lines "$slow" 302 30000
revs=$(sed -nE 's/.* \(rev ([0-9]+)\)$/\1/p' "$slow")
[ "$(wc -l <<<"$revs")" -eq 301 ] || fail "301 change lines expected: $(wc -l <<<"$revs")"
[ "$revs" = "$(sort -n -u <<<"$revs")" ] || fail "change lines out of order or twice"
CHECKS=$((CHECKS + 1))
: "$first"

stop_leadd
out=$("$LEADD" verify --data-dir "$LEADD_DIR/data" 2>&1) || fail "leadd verify found a problem: $out"
CHECKS=$((CHECKS + 1))
