# leadtop --once and --once --json (what the screen would show, once, for
# scripts): the KPI panel is `lead kpi`'s counts (the JSON is `lead --json
# kpi`'s object itself), each pinned search lists what `lead search run`
# finds, a rep sees their own; wide characters line up; usage and a server
# that cannot be reached are refused with a sentence.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

expect_exit 0 "$LEADTOP" --help
expect_match "$OUT" '^usage: leadtop \[--server HOST:PORT\] \[--once \[--json\]\]$' "--help usage"
expect_match "$OUT" 'q quit' "--help lists the keys"
expect_exit 2 "$LEADTOP" --bogus
expect_match "$ERR" "^leadtop: unknown option '--bogus'$" "unknown option"
expect_exit 2 "$LEADTOP" --json
expect_match "$ERR" '^leadtop: --json goes with --once' "--json alone"
expect_exit 2 "$LEADTOP" --once extra
expect_match "$ERR" "^leadtop: leadtop takes no arguments, not 'extra'$" "an argument"

start_leadd
make_sales_floor

# Without a terminal the dashboard says what to use instead.
expect_exit 2 "$LEADTOP" </dev/null
expect_match "$ERR" 'needs a terminal; for a script use leadtop --once' "no terminal"
# Not logged in.
mkdir -p "$LEADD_DIR/cfg-nobody"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-nobody" expect_exit 4 "$LEADTOP" --once
expect_match "$ERR" "^leadtop: not logged in: run 'lead login'$" "no session"

as maria expect_exit 0 "$LEAD" search save q --status qualified
as maria expect_exit 0 "$LEAD" search pin q
as maria expect_exit 0 "$LEAD" search save all-sales --team sales --sort id
as maria expect_exit 0 "$LEAD" search pin all-sales
as maria expect_exit 0 "$LEAD" search save unpinned --status new

# ---- text ----
as maria expect_exit 0 env COLUMNS=100 "$LEADTOP" --once
once=$OUT
expect_match "$once" '^leadtop  maria@127\.0\.0\.1:[0-9]+  snapshot at revision [0-9]+ +[0-9:]{8}$' "status line"
expect_match "$once" '^ +NEW +QUALIFIED +DEAD +PROSPECT +WON +LOST$' "KPI header at 100 columns"
expect_match "$once" '^tom +0 +1 +0 +1 +0 +0$' "tom's counts as lead kpi has them"
expect_match "$once" '^ana +0 +0 +1 +0 +0 +0$' "ana's counts"
expect_match "$once" '^\(pool\) +1 +0 +0 +0 +0 +0$' "the sales pool"
expect_match "$once" '^sales total +1 +1 +1 +1 +0 +0$' "the team's total"
expect_match "$once" '^total +1 +1 +1 +1 +0 +0$' "the total"
# The rows in lead kpi's order, by name.
expect_eq "$(as maria "$LEAD" kpi | awk 'NR > 1 && /^[^ ]/ { sub(/ +[0-9].*$/, ""); print }')" \
	"$(awk '/^  KPI/ { on = 1; next } on && /^$/ { exit } on && NR > 1 && /^[^ ]/ { sub(/ +[0-9].*$/, ""); print }' <<<"$once")" \
	"the KPI panel's rows are lead kpi's"
expect_match "$once" '^  search q \(1\)$' "the first pinned search, with its count"
expect_match "$once" '^  search all-sales \(4\)$' "the second pinned search"
expect_no_match "$once" 'unpinned' "a search not pinned has no panel"
# Pinned order: q, then all-sales.
expect_eq "q all-sales" "$(grep -oE '^  search [^ ]+' <<<"$once" | awk '{ print $2 }' | tr '\n' ' ' | sed 's/ $//')" "panels in pin order"
expect_match "$once" '^ +ID TITLE +STATUS +OWNER +PHONE +EMAIL' "the lead columns"
expect_match "$once" '^ +1 Payroll outsourcing +prospect-Qualified +tom +\+33 1 23 45 67 89 +claire\.dubois@' "a lead with its main contact"
expect_match "$once" '^ +4 Inbound form +lead-New +pool +- +-$' "a pool lead"
expect_match "$once" '^  latest changes \(none since the dashboard opened\)$' "the feed"
# 80 columns: every line fits, the short class names.
as maria expect_exit 0 env COLUMNS=80 "$LEADTOP" --once
expect_eq 80 "$(max_width <<<"$OUT")" "no line over 80 columns"
expect_match "$OUT" '^ +NEW +QUAL +DEAD +PROSP +WON +LOST$' "short class names at 80 columns"
# At 110 columns and more the CLIENT column appears.
as maria expect_exit 0 env COLUMNS=120 "$LEADTOP" --once
expect_match "$OUT" '^ +ID TITLE +CLIENT +STATUS' "CLIENT at 120 columns"
expect_match "$OUT" ' Maison Lefèvre ' "the client's name"

# ---- JSON ----
as maria expect_exit 0 "$LEADTOP" --once --json
j=$OUT
as maria expect_exit 0 "$LEAD" --json kpi
k=$OUT
expect_eq "$(json 'd' <<<"$k")" "$(json 'd["kpi"]' <<<"$j")" "--once --json's kpi is lead --json kpi"
expect_eq maria "$(json 'd["user"]' <<<"$j")" "json user"
expect_eq "$(json 'd["revision"]' <<<"$k")" "$(json 'd["revision"]' <<<"$j")" "json revision"
expect_eq '["q", "all-sales"]' "$(json '[s["name"] for s in d["searches"]]' <<<"$j")" "json searches in pin order"
as maria expect_exit 0 "$LEAD" --json search run all-sales
expect_eq "$(json 'd["leads"]' <<<"$OUT")" \
	"$(json 'd["searches"][1]["leads"]' <<<"$j")" "json search leads are lead search run's, field for field"
expect_eq "+33 1 23 45 67 89" "$(json 'd["searches"][1]["leads"][0]["contacts"][0]["phone"]' <<<"$j")" "json lead as lead show --json"
expect_eq '[]' "$(json 'd["feed"]' <<<"$j")" "json feed"

# ---- a rep ----
as tom expect_exit 0 env COLUMNS=100 "$LEADTOP" --once
expect_match "$OUT" '^tom +0 +1 +0 +1 +0 +0$' "tom sees his row"
expect_no_match "$OUT" '^ana ' "tom does not see ana"
as tom expect_exit 0 "$LEADTOP" --once --json
j=$OUT
as tom expect_exit 0 "$LEAD" --json kpi
expect_eq "$(json 'd' <<<"$OUT")" "$(json 'd["kpi"]' <<<"$j")" "tom's json kpi is his lead kpi"

# ---- wide characters line up ----
lead_ok add "東京オフィス移転プロジェクト" --owner tom --contact "山田太郎" --phone "+81 3 1234 5678"
as maria expect_exit 0 env LANG=C.UTF-8 COLUMNS=100 "$LEADTOP" --once
cols=$(awk '/^ +ID TITLE/ { on = 1 } on && /lead-|prospect-/' <<<"$OUT" | LANG=C.UTF-8 "$PYTHON" -c '
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)
for line in sys.stdin:
    for word in ("lead-", "prospect-"):
        i = line.find(word)
        if i >= 0:
            print(width(line[:i]))
            break
' | sort -u)
expect_eq 1 "$(wc -l <<<"$cols")" "the STATUS column starts at one screen column in every row (got: $cols)"
expect_match "$OUT" '東京オフィス' "the wide title is shown"

# ---- another server than the session's: refused before connecting ----
as maria expect_exit 4 "$LEADTOP" --once --server 127.0.0.1:1
expect_match "$ERR" 'lead login' "another server: the session is not sent there"

# ---- a server that cannot be reached (the session was made there) ----
cp -r "$LEADD_DIR/cfg-maria" "$LEADD_DIR/cfg-gone"
sed -i 's/^server = .*/server = 127.0.0.1:1/' "$LEADD_DIR/cfg-gone/session"
as gone expect_exit 6 "$LEADTOP" --once --server 127.0.0.1:1
expect_match "$ERR" '^leadtop: cannot reach leadd at 127\.0\.0\.1:1: ' "unreachable"

stop_leadd
