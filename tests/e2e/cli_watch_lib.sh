# shellcheck shell=bash
# Shared by the cli_watch*.sh tests (source after lib.sh and
# search_fixture.sh): run a `lead` that goes on until stopped in the
# background, wait for its lines, stop it as a user would.

# bg FILE WHO ARGS...: `lead ARGS` as WHO (their config dir) in the
# background, stdout to FILE and stderr to FILE.err; its pid in BG.
bg()
{
	local file=$1 who=$2
	shift 2
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$LEAD" "$@" >"$file" 2>"$file.err" &
	BG=$!
	BG_PIDS+=("$BG")
}

# bg_pipe FILE WHO ARGS...: the same, its stdout through a pipe (cat writes
# what it reads at once): the lines must come as they are printed, not when
# a buffer fills. BG is lead's pid.
bg_pipe()
{
	local file=$1 who=$2
	shift 2
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$LEAD" "$@" > >(cat >"$file") 2>"$file.err" &
	BG=$!
	BG_PIDS+=("$BG")
}

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# wait_line FILE REGEX [MS]: until a line of FILE matches the extended
# REGEX; fail after MS milliseconds (default 5000). WAITED: how long it took.
wait_line()
{
	local file=$1 re=$2 ms=${3:-5000} start
	start=$(now_ms)
	while ! grep -Eq -- "$re" "$file" 2>/dev/null; do
		WAITED=$(($(now_ms) - start))
		if [ "$WAITED" -gt "$ms" ]; then
			fail "no line matching /$re/ in $(basename "$file") within $ms ms:
$(cat "$file")
stderr: $(cat "$file.err" 2>/dev/null)"
		fi
		sleep 0.01
	done
	WAITED=$(($(now_ms) - start))
	CHECKS=$((CHECKS + 1))
}

# wait_exit PID [MS]: until PID exits (fail after MS, default 5000); its
# exit status in EXITED.
wait_exit()
{
	local pid=$1 ms=${2:-5000} start
	start=$(now_ms)
	while kill -0 "$pid" 2>/dev/null; do
		# A zombie is still "alive" to kill -0: wait reaps it below.
		if [ -z "$(ps -o stat= -p "$pid" 2>/dev/null | grep -v Z)" ]; then
			break
		fi
		if [ $(($(now_ms) - start)) -gt "$ms" ]; then
			fail "process $pid did not exit within $ms ms"
		fi
		sleep 0.02
	done
	EXITED=0
	wait "$pid" || EXITED=$?
	CHECKS=$((CHECKS + 1))
}

# stop SIGNAL PID: send it, and expect exit status 0 within 5 s.
stop()
{
	kill "-$1" "$2"
	wait_exit "$2"
	expect_eq 0 "$EXITED" "exit status after SIG$1"
}

# last_rev FILE: the revision of the last change line of `lead watch`.
last_rev()
{
	sed -nE 's/.* \(rev ([0-9]+)\)$/\1/p' "$1" | tail -n 1
}

# A time as lead watch prints it: today's HH:MM, or a date before it.
TIME_RE='([0-9]{4}-[0-9]{2}-[0-9]{2} )?[0-9]{2}:[0-9]{2}'

# The admin in a config dir of their own, like the fixture's users.
login_admin_as_user()
{
	mkdir -p "$LEADD_DIR/cfg-admin"
	as admin expect_exit 0 "$LEAD" login admin --password-stdin <<<"$ADMIN_PASSWORD"
}

# wait_lines FILE N [MS]: until FILE has N lines (fail after MS, default
# 5000), then a moment more to be sure no line beyond N follows; fails
# unless it has exactly N.
wait_lines()
{
	local file=$1 n=$2 ms=${3:-5000} start have
	start=$(now_ms)
	while have=$(grep -c '' "$file" 2>/dev/null || true) && [ "${have:-0}" -lt "$n" ]; do
		WAITED=$(($(now_ms) - start))
		[ "$WAITED" -le "$ms" ] || fail "$(basename "$file") has $have lines after $ms ms, not $n:
$(cat "$file")
stderr: $(cat "$file.err" 2>/dev/null)"
		sleep 0.01
	done
	WAITED=$(($(now_ms) - start))
	sleep 0.2
	have=$(grep -c '' "$file")
	[ "$have" -eq "$n" ] || fail "$(basename "$file") has $have lines, not $n:
$(cat "$file")"
	CHECKS=$((CHECKS + 1))
}
