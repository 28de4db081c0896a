#!/usr/bin/env bash
# A rep plans next actions from the CLI (lead add/edit --next DATE, --next
# none) and finds the overdue ones and those with nothing planned (lead ls
# --next-before now, --no-next), the leads noCRM says must not exist.
source "$(dirname "$0")/lib.sh"
export TZ=UTC # dates below are read and shown in UTC

start_leadd
lead_ok user add tom --role rep --password-stdin <<<"tom-password-1"
lead_ok add "Overdue call" --owner tom --next -2d
overdue=$OUT
lead_ok add "Next week demo" --owner tom --next +7d
later=$OUT
lead_ok add "Nothing planned" --owner tom
none=$OUT
lead_ok --json show "$later"
at=$(json 'int(__import__("datetime").datetime.fromisoformat(d["next_action"].replace("Z", "+00:00")).timestamp() * 1000)' <<<"$OUT")
now=$(($(date +%s) * 1000))
[ "$at" -gt $((now + 6 * 86400000)) ] && [ "$at" -lt $((now + 8 * 86400000)) ] ||
	fail "--next +7d stored $at, not about a week after $now"
CHECKS=$((CHECKS + 1))

ids()
{
	expect_exit 0 "$LEAD" --json ls --all "$@"
	json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT"
}
expect_eq "$overdue" "$(ids --next-before now)" "overdue"
expect_eq "$none" "$(ids --no-next)" "nothing planned"
expect_eq "$overdue $later" "$(ids --next-before +30d --sort next)" "by next action"

lead_ok edit "$none" --next 2026-01-05T09:30
expect_match "$OUT" "next action: 2026-01-05 09:30 UTC" "edit --next DATE"
# Times are shown in the reader's zone with its name; --json gives UTC, RFC 3339.
expect_exit 0 env TZ=Asia/Tokyo "$LEAD" show "$none"
expect_match "$OUT" "^next action: 2026-01-05 18:30 JST$" "show in TZ=Asia/Tokyo"
expect_match "$OUT" "^created: +[0-9-]{10} [0-9:]{5} JST by " "created in TZ=Asia/Tokyo"
expect_exit 0 env TZ=Asia/Tokyo "$LEAD" --json show "$none"
expect_eq 2026-01-05T09:30:00Z "$(json 'd["next_action"]' <<<"$OUT")" "--json gives UTC"
expect_eq "" "$(ids --no-next)" "every lead has a next action now"
lead_ok edit "$overdue" --next none
expect_match "$OUT" "next action: -" "edit --next none"
expect_eq "$overdue" "$(ids --no-next)" "cleared"

expect_exit 2 "$LEAD" edit "$later" --next 2026-13-01
expect_match "$ERR" "--next: '2026-13-01': no such day or time" "a bad date"
expect_exit 2 "$LEAD" add "x" --owner tom --next none
expect_match "$ERR" "--next: 'none': not a date" "none is for edit"
stop_leadd
