#!/usr/bin/env bash
# Attack (issue 13, attacks 2): leadtop's agenda panel when the agenda does
# not fit one reply. An agenda reply is a page: it ends at `limit` items but
# also once its items reach 512 KiB (docs/protocol.md, "agenda"), so 140
# overdue tasks with 4000 bytes of text each come in two pages. The panel
# must show all 140 and count them all in its title (it showed the first
# page's ~120 and said "(120, 120 overdue)": the rest silently left out).
# Past 200 the title says "200+" as a search panel's does. Then the panel
# at 80x24 (no line wider than the terminal, the overdue mark there) and
# 20x5 (still running, q quits), and with NO_COLOR. Ends with leadd verify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd
# A lead holds 100 open activities at most: 70 tasks on each of two.
lead_ok --json add "Acme roof" --owner admin
A=$(json 'd["id"]' <<<"$OUT")
lead_ok --json add "Bolt yard" --owner admin
B=$(json 'd["id"]' <<<"$OUT")
lead_ok --json add "Cove dock" --owner admin
C=$(json 'd["id"]' <<<"$OUT")
TEXT=$(printf 'x%.0s' $(seq 4000))
for L in "$A" "$B"; do
	for i in $(seq 70); do
		lead_ok task "$L" "task $i" --due -1h
		lead_ok activity edit "$L.$i" --text "$TEXT"
	done
done

lt_start a 100 30 admin
lt_wait_for a '^  agenda today \(140, 140 overdue\)$' 5 \
	"all 140 overdue tasks on the panel, counted in its title"

# Past 200 items: the panel holds 200 and says there are more.
for i in $(seq 141 205); do
	lead_ok meeting "$C" "meeting $i" --at -1h
done
lt_wait_for a '^  agenda today \(200\+, 200\+ overdue\)$' 5 \
	"over 200: the title says 200+"
lt_keys a q
expect_eq 0 "$(lt_exit_status a)" "leadtop's exit status"

lt_start b 80 24 admin NO_COLOR=1
lt_wait_for b '^  agenda today \(200\+' 5 "80x24 without colour: the agenda panel"
lt_keys b Tab
lt_wait_for b '^> agenda today' 2 "Tab: the agenda"
lt_wait_for b "^! [0-9-]* ?[0-9]{2}:[0-9]{2} +task $A\\.1 " 2 "the overdue mark reads without colour"
lt_capture b
expect_eq 1 "$(($(max_width <<<"$SCREEN") <= 80))" "no line wider than 80 columns"
lt_keys b q
expect_eq 0 "$(lt_exit_status b)" "leadtop's exit status at 80x24"

tmux_ new-session -d -s c -x 20 -y 5 \
	sh -c '"$@"; echo $? >"$0"' "$LEADD_DIR/leadtop-c.rc" \
	env LANG=C.UTF-8 TERM=screen-256color LEAD_CONFIG_DIR="$LEADD_DIR/cfg" \
	LEAD_SERVER="$LEAD_SERVER" "$LEADTOP"
tmux_ set-option -t c window-size manual >/dev/null
tmux_ resize-window -t c -x 20 -y 5 >/dev/null
sleep 1
lt_keys c Tab
sleep 0.5
expect_eq 0 "$(lt_alive c && echo 0 || echo 1)" "20x5: leadtop still runs"
lt_capture c
expect_eq 1 "$(($(max_width <<<"$SCREEN") <= 20))" "20x5: no line wider than 20 columns"
lt_keys c q
sleep 0.5
expect_eq 0 "$(lt_exit_status c)" "leadtop's exit status at 20x5"

stop_leadd
