#!/usr/bin/env bash
# What lead prints for people fits 80 columns on a terminal: `lead ls` with
# long titles, client names and statuses (the title and client cut with an
# ellipsis, the other columns whole), kpi and search ls; and every help text.
# Into a pipe nothing is cut. The terminal is pty_answer.py's, whose size is
# unset: 80 columns.
source "$(dirname "$0")/lib.sh"

# on_tty CMD...: CMD with stdout on a terminal; its output in $OUT.
on_tty()
{
	OUT=$(env -u COLUMNS "$PYTHON" "$(dirname "$0")/pty_answer.py" -- "$@" | tr -d '\r') ||
		fail "'$*' on a terminal failed: $OUT"
	CHECKS=$((CHECKS + 1))
}

# widest TEXT: the most terminal columns a line of TEXT takes.
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
lead_ok user add tom --role rep --password-stdin <<<"tom-password-1"
lead_ok add "Payroll outsourcing for the whole northern region, phase two" \
	--owner tom --client "Société Générale d'Énergie et de Chauffage urbain" --value 12345678.90
long=$OUT
lead_ok add "短い題名と長い説明のある見込み客の案件" --owner tom --client "株式会社サンプル商事ホールディングス" \
	--value 999999 --currency JPY
lead_ok status "$long" prospect-Qualified
on_tty "$LEAD" ls
expect_eq 80 "$(widest <<<"$OUT")" "widest line of lead ls"
expect_match "$OUT" '^ *ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT$' "ls header"
expect_match "$OUT" ' Payroll [a-z]+…  ' "the long title, cut"
expect_match "$OUT" 'prospect-Qualified +12345678\.90 EUR +tom' "status, value and owner whole"
on_tty "$LEAD" ls --sort title
[ "$(widest <<<"$OUT")" -le 80 ] || fail "lead ls --sort title is wider than 80 columns:
$OUT"
lead_ok ls
expect_match "$OUT" "Payroll outsourcing for the whole northern region, phase two  Société Générale d'Énergie et de Chauffage urbain " \
	"into a pipe, nothing is cut"
expect_no_match "$OUT" '…' "no ellipsis in a pipe"

# kpi: a long source name is cut in the flow's source table.
lead_ok add "Trade show lead" --owner tom \
	--source "Salon international de l'équipement professionnel 2026, Paris Nord Villepinte"
on_tty "$LEAD" kpi --since 1d
[ "$(widest <<<"$OUT")" -le 80 ] || fail "lead kpi --since is wider than 80 columns:
$OUT"
CHECKS=$((CHECKS + 1))
expect_match "$OUT" "salon international de l'.*…  +1 " "the long source, cut"

# search ls: a long filter wraps in its column, every word kept.
lead_ok search save stale-big-deals --tag web --tag urgent --query "payroll northern region" \
	--value-min 1000 --value-max 5000000 --idle 14d --source "trade fair" --sort value --desc
on_tty "$LEAD" search ls
[ "$(widest <<<"$OUT")" -le 80 ] || fail "lead search ls is wider than 80 columns:
$OUT"
CHECKS=$((CHECKS + 1))
expect_match "$(tr -s ' \n' ' ' <<<"$OUT")" 'tags web and urgent, text "payroll northern region", value 1000\.00 EUR to 5000000\.00 EUR, idle 14d, source trade fair, by value, descending' \
	"the whole filter, wrapped"

for c in "" add show ls edit status claim assign statuses user team kpi search \
	"search save" "search ls" "search run" "search edit" "search rm" "search pin" \
	"search unpin" stats login logout whoami ping; do
	# shellcheck disable=SC2086
	lead_ok help $c
	w=$(widest <<<"$OUT")
	[ "$w" -le 80 ] || fail "lead help $c has a line of $w columns:
$OUT"
	CHECKS=$((CHECKS + 1))
done
lead_ok --help
[ "$(widest <<<"$OUT")" -le 80 ] || fail "lead --help is wider than 80 columns"

stop_leadd
