#!/usr/bin/env bash
# lead ls as a reader sees it: the columns ID TITLE CLIENT STATUS VALUE OWNER
# NEXT (-o wide: UPDATED VERSION), --no-headers, the "more:" hint keeping
# both; on a terminal the table fits ($COLUMNS) with titles cut first, then
# clients, each cut on a character boundary (wide characters, combining
# marks) and aligned by terminal columns; into a pipe nothing is ever cut.
# The terminal is pty_answer.py's (no prompts to answer).
source "$(dirname "$0")/lib.sh"
export TZ=Europe/Paris

# on_tty COLS CMD...: CMD with stdout on a terminal $COLS wide; output in $OUT.
on_tty()
{
	local cols=$1
	shift
	OUT=$(COLUMNS=$cols "$PYTHON" "$(dirname "$0")/pty_answer.py" -- "$@" | tr -d '\r') ||
		fail "'$*' on a terminal of $cols columns failed: $OUT"
	CHECKS=$((CHECKS + 1))
}

# widths: the terminal columns of each line (wide characters 2, combining
# marks 0), one per line.
widths()
{
	"$PYTHON" -c '
import sys, unicodedata
def w(l):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
for l in sys.stdin.read().split("\n"):
    print(w(l))
'
}

# col_starts LINE...: the terminal column where each of the given words
# starts in its line (the lines on stdin, the words as arguments, one per
# line: word N is looked up in line N).
col_of()
{
	WORD=$1 "$PYTHON" -c '
import os, sys, unicodedata
def w(s):
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
word = os.environ["WORD"]
for l in sys.stdin.read().split("\n"):
    if word in l:
        print(w(l[:l.index(word)]))
        break
'
}

start_leadd
lead_ok user add tom --role rep --password-stdin <<<"tom-password-1"
lead_ok add "Payroll outsourcing for the whole northern region, phase two" --owner tom \
	--client "Société Générale d'Énergie et de Chauffage urbain" --value 12345678.90 \
	--next 2027-01-05T10:30
long=$OUT
lead_ok add "短い題名と長い説明のある見込み客の案件" --owner tom \
	--client "株式会社サンプル商事ホールディングス" --value 999999 --currency JPY
cjk=$OUT
# e + U+0301 (combining acute) three times: 3 columns, 6 code points.
acute=$(printf 'e\xcc\x81')
lead_ok add "Cr${acute}me bru${acute}le${acute}e order for the spring menu" --owner tom \
	--client "Zoë & Søren" --value 12.345 --currency BHD
comb=$OUT
lead_ok add "Short" --owner admin

# ---- the columns, in a pipe ----
lead_ok ls
expect_match "$OUT" '^ *ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT$' "ls header"
expect_match "$OUT" "^ *$long +Payroll outsourcing for the whole northern region, phase two +Société Générale d'Énergie et de Chauffage urbain +lead-New +12345678\\.90 EUR +tom +2027-01-05 10:30 CET$" \
	"a whole row: every title and client whole in a pipe, NEXT in local time"
expect_match "$OUT" "^ *$comb +Cr${acute}me bru${acute}le${acute}e order .* +12\\.345 BHD +tom +-$" \
	"three decimals, no next action is -"
expect_match "$OUT" " Short +- +lead-New +- +admin +-$" "no client, no value: -"
expect_no_match "$OUT" '…' "nothing is cut into a pipe"
expect_no_match "$OUT" 'UPDATED|VERSION' "no wide columns by default"
# Aligned by terminal columns, not bytes: the CLIENT column starts at one
# column on every line, CJK and combining marks included.
c1=$(col_of "Société" <<<"$OUT")
c2=$(col_of "株式会社" <<<"$OUT")
c3=$(col_of "Zoë" <<<"$OUT")
c0=$(col_of "CLIENT" <<<"$OUT")
expect_eq "$c0 $c0 $c0" "$c1 $c2 $c3" "CLIENT starts in one column (wide and combining titles)"

lead_ok ls -o wide
expect_match "$OUT" '^ *ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT +UPDATED +VERSION$' \
	"-o wide header"
expect_match "$OUT" "^ *$long +Payroll .* +tom +2027-01-05 10:30 CET +20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CE[S]?T +1$" \
	"-o wide: UPDATED in local time, VERSION"
lead_ok ls --output wide --no-headers
expect_no_match "$OUT" 'TITLE' "--no-headers"
expect_eq 4 "$(wc -l <<<"$OUT")" "--no-headers: one line a lead"
expect_match "$(head -n 1 <<<"$OUT")" "^ *$long +Payroll" "--no-headers starts with the first lead"
lead_ok ls --no-headers --query nosuchword
expect_eq "" "$OUT" "--no-headers and no lead: no line at all"
lead_ok ls --query nosuchword
expect_eq "no leads" "$OUT" "without --no-headers: 'no leads'"
expect_exit 2 "$LEAD" ls -o tall
expect_match "$ERR" "-o takes 'wide'" "-o with another word is a usage error"

# The more: hint keeps -o wide and --no-headers.
lead_ok ls --limit 2 -o wide --no-headers
expect_match "$OUT" '^more: lead ls --limit 2 -o wide --no-headers --cursor [^ ]+$' "more: keeps the form"
cursor=$(sed -n 's/^more: .* --cursor //p' <<<"$OUT")
lead_ok ls --limit 2 -o wide --no-headers --cursor "$cursor"
expect_match "$OUT" "^ *$comb +Cr" "the next page, in the same form"
expect_no_match "$OUT" 'TITLE' "the next page has no header either"

# search run prints the same table and takes the same options.
lead_ok search save everything
lead_ok search run everything -o wide
expect_match "$OUT" '^ *ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT +UPDATED +VERSION$' \
	"search run -o wide"
lead_ok search run everything --no-headers
expect_no_match "$OUT" 'TITLE' "search run --no-headers"

# ---- on a terminal: fits, titles cut first, then clients ----
on_tty 130 "$LEAD" ls
expect_eq 130 "$(widths <<<"$OUT" | sort -n | tail -n 1)" "ls fills a 130-column terminal"
expect_match "$OUT" "Société Générale d'Énergie et de Chauffage urbain" \
	"at 130 columns the client stays whole (the title is cut first)"
expect_match "$OUT" ' Payroll [a-z ,]+…  Société' "the long title, cut with an ellipsis"
on_tty 80 "$LEAD" ls
expect_eq 80 "$(widths <<<"$OUT" | sort -n | tail -n 1)" "ls fits 80 columns"
expect_match "$OUT" ' Société[^ ]*…  ' "at 80 the client is cut too"
expect_match "$OUT" 'lead-New +12345678\.90 EUR +tom +2027-01-05 10:30 CET$' \
	"status, value, owner and next whole"
# A wide character that would cross the edge goes whole: never half of one.
line=$(grep '短い' <<<"$OUT")
expect_match "$line" '短い[^ ]*…' "the CJK title cut with an ellipsis"
expect_eq 0 "$("$PYTHON" -c 'import sys; sys.stdin.buffer.read().decode("utf-8"); print(0)' <<<"$OUT")" \
	"the cut output is valid UTF-8"
c0=$(col_of "CLIENT" <<<"$OUT")
c2=$(col_of "株式" <<<"$OUT")
c3=$(col_of "Zoë" <<<"$OUT")
expect_eq "$c0 $c0" "$c2 $c3" "cut cells stay aligned by terminal columns"
# A combining mark stays with its letter: cut at every width from 60 to 75,
# no line starts a cell with a lone U+0301 and the NEXT column lines up.
for cols in 60 63 66 69 72 75; do
	on_tty "$cols" "$LEAD" ls --sort title
	expect_no_match "$OUT" "  $(printf '\xcc\x81')" "no lone combining mark at $cols columns"
	expect_eq 0 "$("$PYTHON" -c 'import sys; sys.stdin.buffer.read().decode("utf-8"); print(0)' <<<"$OUT")" \
		"valid UTF-8 at $cols columns"
done

# Without $COLUMNS (or with one that is no number) the terminal's own width.
sized_tty()
{
	local cols=$1
	shift
	OUT=$(env -u COLUMNS COLS=$cols "$PYTHON" -c '
import fcntl, os, pty, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, int(os.environ["COLS"]), 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode())
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
' "$@" | tr -d '\r') || fail "'$*' on a terminal of $cols columns failed: $OUT"
	CHECKS=$((CHECKS + 1))
}
sized_tty 90 "$LEAD" ls
expect_eq 90 "$(widths <<<"$OUT" | sort -n | tail -n 1)" "the terminal's own width (90)"
sized_tty 90 env COLUMNS=abc "$LEAD" ls
expect_eq 90 "$(widths <<<"$OUT" | sort -n | tail -n 1)" "COLUMNS=abc: the terminal's width"
sized_tty 90 env COLUMNS=85 "$LEAD" ls
expect_eq 85 "$(widths <<<"$OUT" | sort -n | tail -n 1)" "COLUMNS=85 wins over the terminal's 90"
sized_tty 0 env COLUMNS=0 "$LEAD" ls
expect_eq 80 "$(widths <<<"$OUT" | sort -n | tail -n 1)" "no size known (COLUMNS=0, a 0-column pty): 80"

# A terminal too narrow for the minimums: every column at its minimum, the
# lines longer than the terminal, nothing lost but the cut text, no crash.
on_tty 1 "$LEAD" ls
expect_match "$OUT" '^ *ID +TITLE +CLIENT +STATUS +VALUE +OWNER +NEXT$' "COLUMNS=1: the header"
expect_match "$OUT" '12345678\.90 EUR +tom +2027-01-05 10:30 CET$' "COLUMNS=1: the numbers whole"
expect_eq 5 "$(wc -l <<<"$OUT")" "COLUMNS=1: every lead"
on_tty 1 "$LEAD" ls -o wide --no-headers
expect_eq 4 "$(wc -l <<<"$OUT")" "COLUMNS=1 -o wide --no-headers"

stop_leadd
