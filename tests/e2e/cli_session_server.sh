# A session is sent only to the server that issued it (issue 14, atktls).
# lead kept one session file and sent its token to whatever server
# --server or $LEAD_SERVER named: `lead --server staging:7470 ls` after a
# login to production handed production's token to staging (a server
# trusted by an authority, or any loopback one, never even asked). Now lead
# and leadtop refuse before connecting, saying which server the session is
# for and to run lead login; the same server named differently (upper
# case) is the same.
. "$(dirname "$0")/lib.sh"

: "${LEADTOP:?set LEADTOP to the leadtop binary}"

start_leadd_tls
A=$LEAD_SERVER

# B: another leadd on this machine, plain on loopback, logging connections.
BDIR=$LEADD_DIR/b
"$LEADD" init --data-dir "$BDIR/data" --admin admin --password-stdin \
	<<<"$ADMIN_PASSWORD" >/dev/null 2>&1 || fail "leadd init for B failed"
"$LEADD" --data-dir "$BDIR/data" --listen 127.0.0.1:0 --port-file "$BDIR/port" \
	--log-level debug 2>"$BDIR/leadd.log" &
BPID=$!
BG_PIDS+=("$BPID")
for ((i = 0; i < 100; i++)); do
	[ -s "$BDIR/port" ] && [ "$(tail -c 1 "$BDIR/port" | wc -l)" -eq 1 ] && break
	sleep 0.1
done
B=127.0.0.1:$(tr -d '[:space:]' <"$BDIR/port")

expect_exit 4 env LEAD_TLS=auto "$LEAD" --server "$B" ls
expect_match "$ERR" "session is for leadd at $A" "lead --server B names the session's server"
expect_match "$ERR" "lead login" "... and says to log in"
expect_exit 4 env LEAD_TLS=auto LEAD_SERVER="$B" "$LEAD" whoami
expect_match "$ERR" "session is for leadd at $A" "LEAD_SERVER=B refused too"
expect_exit 4 env LEAD_TLS=auto LEAD_SERVER="$B" "$LEADTOP" --once
expect_match "$ERR" "session is for leadd at $A" "leadtop refuses too"
sleep 0.2
if grep -q "connected" "$BDIR/leadd.log"; then
	fail "lead or leadtop connected to B with A's session: $(cat "$BDIR/leadd.log")"
fi
CHECKS=$((CHECKS + 1))

# The same server, written in upper case (a host name's case does not count).
expect_exit 0 "$LEAD" --server "$(tr a-z A-Z <<<"$A")" whoami
# logout revokes the token where it was issued, whatever --server says: B
# never sees it.
before=$(grep -c "connected" "$BDIR/leadd.log" || true)
expect_exit 0 "$LEAD" --server "$B" logout
sleep 0.2
expect_eq "$before" "$(grep -c "connected" "$BDIR/leadd.log" || true)" "logout did not connect to B"
expect_exit 4 "$LEAD" whoami
expect_match "$ERR" "not logged in" "the session is gone after logout"
# ping needs no session: it goes anywhere.
expect_exit 0 env LEAD_TLS=auto "$LEAD" --server "$B" ping
# A login to B replaces the session: B is then the one.
expect_exit 0 env LEAD_TLS=auto "$LEAD" --server "$B" login admin --password-stdin <<<"$ADMIN_PASSWORD"
expect_exit 0 env LEAD_TLS=auto "$LEAD" --server "$B" whoami
# Nothing names a server (no --server, $LEAD_SERVER or config `server`):
# lead and leadtop go to the session's, not to the default 127.0.0.1:7470.
expect_exit 0 env -u LEAD_SERVER LEAD_TLS=auto "$LEAD" whoami
expect_match "$OUT" "^server: +$B\$" "lead with no server named goes to the session's"
expect_exit 0 env -u LEAD_SERVER LEAD_TLS=auto "$LEADTOP" --once
expect_match "$OUT" "$B" "leadtop --once too"
# ... while the config file's `server` still names one (and is refused).
printf 'server = %s\n' "$A" >"$LEAD_CONFIG_DIR/config"
expect_exit 4 env -u LEAD_SERVER LEAD_TLS=auto "$LEAD" whoami
expect_match "$ERR" "session is for leadd at $B, not $A" "the config's server is named, so refused"
rm -f "$LEAD_CONFIG_DIR/config"
kill -TERM "$BPID"
wait "$BPID" || fail "leadd B exited with $?"
"$LEADD" verify --data-dir "$BDIR/data" >/dev/null || fail "leadd verify of B failed"
stop_leadd
