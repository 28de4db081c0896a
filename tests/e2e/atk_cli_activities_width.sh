#!/usr/bin/env bash
# UI attack (issue 13): activity tables on an 80-column terminal. The WHAT
# column wraps at spaces; a word wider than the column (a long link, a
# Japanese title written without spaces) used to stay whole and push the
# line past the terminal's edge, breaking the table docs/cli.md promises
# fits. Now such a word is broken between characters, no text lost; into a
# pipe every cell stays whole. TZ pinned. Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Paris

on_tty()
{
	OUT=$(env -u COLUMNS "$PYTHON" "$(dirname "$0")/pty_answer.py" -- "$@" | tr -d '\r') ||
		fail "'$*' on a terminal failed: $OUT"
	CHECKS=$((CHECKS + 1))
}
widest()
{
	"$PYTHON" -c '
import sys, unicodedata
def w(l):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
print(max([w(l) for l in sys.stdin.read().split("\n")] + [0]))
'
}

start_leadd
lead_ok add "Fleet deal" --client Acme --owner admin
L=$OUT
url="https://example.com/quotes/$(printf 'q%.0s' {1..90})/final.pdf"
jp="見込み客との打ち合わせの準備と資料の作成および見積書の送付"
lead_ok note "$L" "see $url for the quote"
lead_ok task "$L" "$jp" --due "tomorrow 10:00"
lead_ok meeting "$L" "Demo🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉" --at "tomorrow 11:00"

# lead show's activities are the same table (its field lines above are not
# a table, nor is its history below; neither is looked at here).
for c in "activity ls $L" "agenda" "today" "show $L"; do
	# shellcheck disable=SC2086
	on_tty "$LEAD" $c
	w=$(sed -n '/^ACT /,/^$/p' <<<"$OUT" | widest)
	[ "$c" != "show $L" ] && w=$(widest <<<"$OUT")
	[ "$w" -le 80 ] || fail "lead $c is $w columns wide on an 80-column terminal:
$OUT"
	CHECKS=$((CHECKS + 1))
done
on_tty "$LEAD" activity ls "$L"
# Every character is still there, in order, once the lines are joined.
joined=$(sed -E 's/^ {20,}//' <<<"$OUT" | tr -d '\n')
expect_match "$joined" "$url" "the long link, whole once joined"
expect_match "$joined" "$jp" "the Japanese title, whole once joined"
# Into a pipe nothing is cut or wrapped.
lead_ok activity ls "$L"
expect_match "$OUT" "see $url for the quote" "piped: the link on one line"
expect_match "$OUT" "$jp" "piped: the title on one line"

stop_leadd
echo "ok: $CHECKS checks"
