# leadtop against a hostile terminal and data: a non-UTF-8 locale (LANG=C)
# with UTF-8 names draws '?' per column, never M-x byte notation, and
# lines stay within the screen; TERM unset, unknown or without cursor
# motion (dumb) is refused with leadtop's words and exit status 2, not
# ncurses' "Error opening terminal" and status 1; tiny sizes (40x10,
# 20x5, 1x1) run, keep the connection state on the first line (the clock
# goes whole, never cut), and quit; a session ended elsewhere is told
# whole on the bottom line, with no busy loop, and q still quits.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/search_fixture.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
make_sales_floor
lead_ok add "Café crème ☕ תל אביב" --owner tom --client "株式会社テスト" --contact "Jürgen Müller"
as maria expect_exit 0 "$LEAD" search save all-sales --team sales --sort id
as maria expect_exit 0 "$LEAD" search pin all-sales

# lt_spawn NAME COLS LINES USER [env args...]: leadtop in tmux without
# waiting for a screen (it may draw none).
lt_spawn() {
	local name=$1 cols=$2 lines=$3 who=$4 cfg="$LEADD_DIR/cfg-$4"
	shift 4
	[ "$who" = admin ] && cfg="$LEADD_DIR/cfg"
	rm -f "$LEADD_DIR/leadtop-$name.rc"
	tmux_ new-session -d -s "$name" -x "$cols" -y "$lines" \
		sh -c '"$@" 2>"$0.err"; echo $? >"$0"; sleep 30' "$LEADD_DIR/leadtop-$name.rc" \
		env LANG=C.UTF-8 TERM=screen-256color LEAD_CONFIG_DIR="$cfg" \
		LEAD_SERVER="$LEAD_SERVER" "$@" "$LEADTOP"
	tmux_ set-option -t "$name" window-size manual >/dev/null
	tmux_ resize-window -t "$name" -x "$cols" -y "$lines" >/dev/null
}

# LANG=C: every character on the screen is printable ASCII, the wide and
# accented names are '?' for each column, the rows keep their columns.
lt_spawn c 100 30 maria LANG=C LC_ALL=C
lt_wait_for c '^ +6 Caf\? cr\?me \?\? +' 5 "the accented title as '?' in LANG=C"
expect_no_match "$SCREEN" 'M-|~@|~B|\^\[' "no byte notation in LANG=C"
expect_no_match "$SCREEN" $'[^\x20-\x7e]' "only printable ASCII in LANG=C"
lt_capture c
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' <<<"$SCREEN")" -le 100 ] ||
	fail "a line wider than 100 columns in LANG=C:
$SCREEN"
CHECKS=$((CHECKS + 1))
st=$(lt_line '^ +6 Caf')
other=$(lt_line '^ +2 Support')
expect_eq "$(awk '{ print index($0, "lead-New") }' <<<"$st")" \
	"$(awk '{ print index($0, "lead-") }' <<<"$other")" "STATUS in one column in LANG=C"
lt_keys c q
expect_eq 0 "$(lt_exit_status c)" "leadtop's exit status after q (LANG=C)"

# TERM: unset, unknown, dumb: refused with a sentence, status 2.
lt_spawn u 80 24 maria env -u TERM
expect_eq 2 "$(lt_exit_status u)" "exit status with TERM unset"
expect_match "$(cat "$LEADD_DIR/leadtop-u.rc.err")" '^leadtop: TERM is not set.*leadtop --once' "TERM unset"
lt_spawn x 80 24 maria TERM=no-such-terminal
expect_eq 2 "$(lt_exit_status x)" "exit status with an unknown TERM"
expect_match "$(cat "$LEADD_DIR/leadtop-x.rc.err")" "^leadtop: the terminal type 'no-such-terminal' \(TERM\) is not known" "unknown TERM"
lt_spawn d 80 24 maria TERM=dumb
expect_eq 2 "$(lt_exit_status d)" "exit status with TERM=dumb"
expect_match "$(cat "$LEADD_DIR/leadtop-d.rc.err")" "^leadtop: the terminal type 'dumb' \(TERM\) cannot move the cursor" "TERM=dumb"
lt_capture d
expect_no_match "$SCREEN" 'KPI|keys' "nothing drawn on a dumb terminal"

# vt100 and tiny sizes: they run, take keys, and quit with 0.
lt_spawn v 80 24 maria TERM=vt100
lt_wait_for v '^> KPI: leads per rep and team' 5 "the screen on a vt100"
lt_spawn t 20 5 maria
lt_wait_for t '^> KPI: leads per re' 5 "the screen at 20x5"
# The pinned search's panel comes after the first screen (leadtop reads the
# pinned searches once connected): Tab counts panels, so wait for it.
lt_wait_for t '^  search all-sales' 5 "the pinned search's panel at 20x5"
expect_eq 20 "$(max_width <<<"$SCREEN")" "20 columns at 20x5"
# Narrow: the state stays on the first line, the clock goes whole.
expect_match "$(head -n 1 <<<"$SCREEN")" '^maria +live, rev' "the state at 20 columns"
lt_spawn w 40 10 maria
lt_wait_for w '^> KPI: leads per rep' 5 "the screen at 40x10"
expect_match "$(head -n 1 <<<"$SCREEN")" '^maria +live, revision [0-9]+$' "the state at 40 columns"
expect_no_match "$(head -n 1 <<<"$SCREEN")" '[0-9]{2}:[0-9]{2}:?[0-9]?$' "no clock cut at the edge at 40 columns"
lt_keys w q
expect_eq 0 "$(lt_exit_status w)" "leadtop's exit status after q (40x10)"
# In two steps, so a failure says whether the first keys were taken.
lt_keys t Tab Tab Tab # KPI, agenda, the search, the feed
lt_wait_for t '^> +latest changes' 10 "Tab Tab Tab at 20x5: the focus on the feed"
lt_keys t j Enter x a
lt_wait_for t '^new lead, title:' 5 "the quick add prompt at 20x5"
lt_keys t Escape
lt_spawn o 1 1 maria
sleep 0.5
lt_keys o '?' x Tab j
sleep 0.3
tmux_ resize-window -t o -x 2 -y 2 >/dev/null
tmux_ resize-window -t o -x 1 -y 1 >/dev/null
sleep 0.3
lt_keys o q
expect_eq 0 "$(lt_exit_status o)" "leadtop's exit status at 1x1"
for n in v t; do
	lt_keys "$n" q
	expect_eq 0 "$(lt_exit_status "$n")" "leadtop's exit status after q ($n)"
done

# A session ended elsewhere: the whole sentence on the bottom line (at
# 100 columns the status line cuts it), no busy loop, q quits.
lt_start s 100 30 tom
lt_wait_for s 'live, revision [0-9]+' 3 "tom's dashboard is live"
as tom expect_exit 0 "$LEAD" logout
lt_wait_for s "log in again with 'lead login'" 5 "the session's end on the screen"
pane=$(tmux_ list-panes -t s -F '#{pane_pid}')
pid=$(pgrep -P "$pane" | head -n 1)
t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 2
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
echo "leadtop CPU after the session ended: $((t1 - t0)) ticks in 2 s"
[ $((t1 - t0)) -le 20 ] || fail "leadtop used $((t1 - t0)) ticks of CPU in 2 s with its session ended"
CHECKS=$((CHECKS + 1))
lt_keys s q
expect_eq 0 "$(lt_exit_status s)" "leadtop's exit status after q (session ended)"

stop_leadd
