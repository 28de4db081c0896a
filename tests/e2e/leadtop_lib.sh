# shellcheck shell=bash
# Shared by the leadtop e2e tests (source after lib.sh): run leadtop inside
# tmux at a fixed size, on a tmux server of the test's own (-L), and read
# its screen with `tmux capture-pane`. The tmux server is killed however
# the test ends, before lib.sh's cleanup stops leadd.
# The tests get the binary from ctest: LEADTOP.

: "${LEADTOP:?set LEADTOP to the leadtop binary}"
command -v tmux >/dev/null || fail "tmux is not installed (scripts/install-deps installs it)"

TMUX_SOCK="leadtop-e2e-$$"
SCREEN="" # the last capture
export LANG=C.UTF-8
unset TMUX

tmux_() {
	tmux -L "$TMUX_SOCK" -f /dev/null "$@"
}

# Kill the tmux server, then run lib.sh's cleanup with the test's status.
leadtop_cleanup() {
	local rc=$?
	tmux_ kill-server 2>/dev/null || true
	set +e # so that the status below reaches cleanup, which exits with it
	(exit "$rc")
	cleanup
}
trap leadtop_cleanup EXIT

# One idle session for the test's whole life. tmux's server exits when its
# last session ends, and a new-session that races that exit fails with
# "server exited unexpectedly" (seen under load when one leadtop quit and
# the test started the next): with this session the server stays up.
tmux_ new-session -d -s keepalive -x 20 -y 5 "sleep 3600"

# lt_start NAME COLS LINES USER [VAR=VALUE...]: leadtop as USER (their
# session in $LEADD_DIR/cfg-USER, or the admin's for "admin") in a tmux
# session NAME of COLS x LINES; waits for its first screen.
lt_start() {
	local name=$1 cols=$2 lines=$3 who=$4
	shift 4
	local cfg="$LEADD_DIR/cfg-$who"
	[ "$who" = admin ] && cfg="$LEADD_DIR/cfg"
	# Its exit status goes to $LEADD_DIR/leadtop-NAME.rc (see lt_exit_status).
	rm -f "$LEADD_DIR/leadtop-$name.rc"
	tmux_ new-session -d -s "$name" -x "$cols" -y "$lines" \
		sh -c '"$@"; echo $? >"$0"' "$LEADD_DIR/leadtop-$name.rc" \
		env LANG=C.UTF-8 TERM=screen-256color LEAD_CONFIG_DIR="$cfg" \
		LEAD_SERVER="$LEAD_SERVER" "$@" "$LEADTOP"
	# Keep the window at the size asked for whatever clients attach (a
	# session option: -g makes tmux 3.3a exit at the next new-session).
	tmux_ set-option -t "$name" window-size manual >/dev/null
	tmux_ resize-window -t "$name" -x "$cols" -y "$lines" >/dev/null
	lt_wait_for "$name" 'KPI: leads per rep and team' 5 "leadtop's first screen"
}

# lt_capture NAME [tmux capture-pane options]: the screen into $SCREEN.
lt_capture() {
	local name=$1
	shift
	SCREEN=$(tmux_ capture-pane -p "$@" -t "$name" 2>/dev/null) || SCREEN=""
}

# lt_wait_for NAME REGEX SECONDS [WHAT]: until the screen matches; the time
# it took, in ms, is left in WAITED_MS.
WAITED_MS=0
lt_wait_for() {
	local name=$1 re=$2 secs=$3 what=${4:-screen}
	local start now
	start=$(date +%s%N)
	while :; do
		lt_capture "$name"
		if grep -Eq -- "$re" <<<"$SCREEN"; then
			now=$(date +%s%N)
			WAITED_MS=$(((now - start) / 1000000))
			CHECKS=$((CHECKS + 1))
			return 0
		fi
		now=$(date +%s%N)
		if (((now - start) / 1000000 > secs * 1000)); then
			fail "$what: no /$re/ on the screen within ${secs}s:
$SCREEN"
		fi
		sleep 0.05
	done
}

# lt_wait_gone NAME REGEX SECONDS [WHAT]: until the screen no longer matches.
lt_wait_gone() {
	local name=$1 re=$2 secs=$3 what=${4:-screen}
	local start now
	start=$(date +%s%N)
	while :; do
		lt_capture "$name"
		if ! grep -Eq -- "$re" <<<"$SCREEN"; then
			CHECKS=$((CHECKS + 1))
			return 0
		fi
		now=$(date +%s%N)
		if (((now - start) / 1000000 > secs * 1000)); then
			fail "$what: /$re/ still on the screen after ${secs}s:
$SCREEN"
		fi
		sleep 0.05
	done
}

# lt_keys NAME KEYS...: as tmux send-keys takes them (Enter, Tab, C-u, text).
lt_keys() {
	local name=$1
	shift
	tmux_ send-keys -t "$name" "$@"
}

# lt_line NAME REGEX: the first screen line matching REGEX (after a capture).
lt_line() {
	grep -E -m1 -- "$1" <<<"$SCREEN" || true
}

# lt_exit_status NAME: leadtop's exit status once it has ended (waits up to
# 5 s; a sanitizer's report makes it non-zero).
lt_exit_status() {
	local i f="$LEADD_DIR/leadtop-$1.rc"
	for ((i = 0; i < 100; i++)); do
		[ -s "$f" ] && break
		sleep 0.05
	done
	[ -s "$f" ] || fail "leadtop in $1 did not end within 5 s"
	cat "$f"
}

# lt_alive NAME: is leadtop still running in the session?
lt_alive() {
	tmux_ has-session -t "$1" 2>/dev/null
}

# max_width: the widest line on stdin, in terminal columns (wide characters
# count two, combining marks none).
max_width() {
	"$PYTHON" -c '
import sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)
print(max([width(l.rstrip("\n")) for l in sys.stdin.buffer.read().decode("utf-8").splitlines()] or [0]))
'
}
