# leadtop's bounds: a search panel holds 200 leads and says there are more
# (--once text and JSON too); the feed keeps the latest 200 changes; under
# a stream of 210 changes the dashboard stays current and small (RSS).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
lead_ok team add sales
# Lead 1 has a title of wide characters: it must line up on the screen.
lead_ok add "東京オフィス移転プロジェクト" --team sales --contact "山田太郎" --phone "+81 3 1234 5678"
for ((i = 2; i <= 202; i++)); do
	"$LEAD" add "Lead number $i" --team sales >/dev/null || fail "lead add $i failed"
done
lead_ok search save all --team sales --sort id
lead_ok search pin all

expect_exit 0 "$LEADTOP" --once --json
expect_eq 200 "$(json 'len(d["searches"][0]["leads"])' <<<"$OUT")" "a search panel holds 200 leads"
expect_eq true "$(json 'd["searches"][0]["more"]' <<<"$OUT")" "and says there are more"
expect_exit 0 "$LEADTOP" --once
expect_match "$OUT" '^  search all \(200\+\)$' "the title says 200+"

lt_start d 100 30 admin
lt_wait_for d 'live, revision [0-9]+' 3 "the dashboard is live"
pane=$(tmux_ list-panes -t d -F '#{pane_pid}')
pid=$(pgrep -P "$pane" | head -n 1) # the pane runs sh, which runs leadtop
expect_eq leadtop "$(cat "/proc/$pid/comm" 2>/dev/null)" "leadtop's pid"
for ((i = 1; i <= 210; i++)); do
	if ((i % 2)); then word=qualified; else word=new; fi
	"$LEAD" status 1 "$word" >/dev/null || fail "lead status 1 $word failed"
done
# The last change (210: new) is on the screen within a second: the
# search panel (read again at most every 200 ms), the counts, the feed.
lt_wait_for d '^ +1 東京オフィス.* lead-New ' 1 "the search panel has the last change"
lt_wait_for d '^\(pool\) +202 +0 ' 1 "the counts after 210 changes"
lt_wait_for d '^  latest changes \(200\)$' 1 "the feed keeps the latest 200"
expect_match "$SCREEN" '^[0-9]{2}:[0-9]{2} admin: lead 1 -> lead-New$' "the newest change first"
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
echo "leadtop RSS after 210 changes: ${rss} kB"
# 32 MiB; a sanitizer build adds LEADD_RSS_EXTRA_MB (ASan's quarantine).
bound=$((32768 + ${LEADD_RSS_EXTRA_MB:-0} * 1024))
[ "$rss" -lt "$bound" ] || fail "leadtop uses ${rss} kB after 210 changes (bound: $((bound / 1024)) MiB)"
CHECKS=$((CHECKS + 1))
kpi=$("$LEAD" --json kpi)
expect_eq 202 "$(json 'd["total"]["new"]' <<<"$kpi")" "lead kpi agrees"
# On the screen, the wide title's row and the others: STATUS in one column.
lt_capture d
cols=$(grep -E '^ +[0-9]+ .* lead-(New|Qualified) ' <<<"$SCREEN" | "$PYTHON" -c '
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)
for line in sys.stdin.buffer.read().decode("utf-8").splitlines():
    print(width(line[:line.find(" lead-") + 1]))
' | sort -u)
expect_eq 1 "$(wc -l <<<"$cols")" "STATUS starts at one screen column in every row (got: $cols)"

# q: each dashboard ends cleanly (under ASan: no leak, no error).
for n in d; do
	lt_keys "$n" q
	expect_eq 0 "$(lt_exit_status "$n")" "leadtop's exit status after q ($n)"
done
tmux_ kill-server 2>/dev/null || true
stop_leadd
