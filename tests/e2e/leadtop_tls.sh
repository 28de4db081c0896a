# leadtop over TLS (issue 14), in tmux against a leadd on 127.0.0.2 that
# takes TLS only: the dashboard goes live and shows a change made with
# lead at once; a dashboard whose machine does not know the server says
# so, and what to run, instead of connecting.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"

start_leadd_tls
lead_ok add "Acme roof" --owner admin
L=$OUT

lt_start a 100 30 admin LEAD_TLS=yes
lt_wait_for a 'live, revision [0-9]+' 3 "the dashboard is live over TLS"
lead_ok status "$L" lead-Qualified
lt_wait_for a "^[0-9]{2}:[0-9]{2} admin: lead $L -> lead-Qualified\$" 2 \
	"a change reaches the dashboard over TLS"
lt_wait_for a '^admin +0 -1 +1 \+1 ' 2 "the counts follow"

# Another machine: the session, not the server's fingerprint.
mkdir -p "$LEADD_DIR/cfg-x"
cp "$LEADD_DIR/cfg/session" "$LEADD_DIR/cfg-x/"
lt_start x 100 30 x LEAD_TLS=yes
lt_wait_for x 'is not a known server' 3 "an unknown server is refused on the screen"
lt_wait_for x "run 'lead login'" 1 "... with what to do"
lt_capture x
expect_no_match "$SCREEN" 'live, revision' "the refused dashboard is not live"
# Trusted (lead login on that machine), the next retry connects.
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-x" expect_exit 0 "$LEAD" login admin --password-stdin \
	--fingerprint "$TLS_FP" <<<"$ADMIN_PASSWORD"
lt_wait_for x 'live, revision [0-9]+' 40 "the dashboard connects once the server is trusted"

tmux_ kill-server
stop_leadd
