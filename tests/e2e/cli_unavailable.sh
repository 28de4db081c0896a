# No server: a clear message and exit status 6. Where the server is found:
# --server, then $LEAD_SERVER, then `server =` in the config file.
. "$(dirname "$0")/lib.sh"

# A port nobody listens on: bind one, note it, let it go.
closed=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

LEAD_SERVER="127.0.0.1:$closed" expect_exit 6 "$LEAD" ping
expect_match "$ERR" "^lead: cannot reach leadd at 127\.0\.0\.1:$closed: .+ \(is leadd running\? see --server\)$" \
	"ping with no server"
expect_eq "" "$OUT" "nothing on stdout without a server"
LEAD_SERVER="127.0.0.1:$closed" expect_exit 6 "$LEAD" --json ping
expect_eq UNAVAILABLE "$(json 'd["code"]' <<<"$ERR")" "--json without a server"
LEAD_SERVER="127.0.0.1:$closed" expect_exit 6 "$LEAD" show 1
LEAD_SERVER="127.0.0.1:$closed" expect_exit 6 "$LEAD" --timeout 500 ls

# A server that accepts but never answers: lead gives up after --timeout.
start_silent_server
start=$(date +%s%N)
expect_exit 6 "$LEAD" --server "127.0.0.1:$silent" --timeout 300 ping
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_match "$ERR" "^lead: cannot reach leadd at 127\.0\.0\.1:$silent: .*300 ms" "a silent server"
[ "$elapsed_ms" -lt 5000 ] || fail "--timeout 300 took $elapsed_ms ms"
kill "$silent_pid"
wait "$silent_pid" 2>/dev/null || true
rm -rf "$silent_dir"

# An address that is not HOST:PORT is a usage error.
expect_exit 2 "$LEAD" --server 127.0.0.1:99999 ping

start_leadd
good=$LEAD_SERVER
cfg=$LEAD_CONFIG_DIR/config

# The config file is read when $LEAD_SERVER is unset, keys at the top level.
printf '# lead config\nserver = %s\n' "$good" >"$cfg"
unset LEAD_SERVER
lead_ok ping
expect_match "$OUT" "^pong from $good " "the config file's server"

# $LEAD_SERVER beats the config file, --server beats both.
printf 'server = 127.0.0.1:%s\n' "$closed" >"$cfg"
expect_exit 6 "$LEAD" ping
expect_match "$ERR" "cannot reach leadd at 127\.0\.0\.1:$closed" "config names a closed port"
LEAD_SERVER=$good expect_exit 0 "$LEAD" ping
expect_exit 0 "$LEAD" --server "$good" ping
LEAD_SERVER=$good expect_exit 6 "$LEAD" --server "127.0.0.1:$closed" ping

# Without $LEAD_CONFIG_DIR: $XDG_CONFIG_HOME/lead/config, then ~/.config/lead/config,
# and the session beside it.
base=$(dirname "$LEAD_CONFIG_DIR")
mkdir -p "$base/xdg/lead" "$base/home/.config/lead"
printf 'server = %s\n' "$good" >"$base/xdg/lead/config"
printf 'server = %s\n' "$good" >"$base/home/.config/lead/config"
cp "$LEAD_CONFIG_DIR/session" "$base/xdg/lead/session"
cp "$LEAD_CONFIG_DIR/session" "$base/home/.config/lead/session"
env -u LEAD_CONFIG_DIR XDG_CONFIG_HOME="$base/xdg" HOME=/nonexistent \
	"$LEAD" ping >/dev/null || fail "\$XDG_CONFIG_HOME/lead/config was not read"
env -u LEAD_CONFIG_DIR -u XDG_CONFIG_HOME HOME="$base/home" \
	"$LEAD" ping >/dev/null || fail "\$HOME/.config/lead/config was not read"

# A broken line is reported but does not stop lead.
printf 'this is not ini\nserver = %s\n' "$good" >"$cfg"
lead_ok ping
expect_match "$ERR" 'config:1: ' "a broken config line is reported"

stop_leadd
