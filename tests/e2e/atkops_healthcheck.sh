# Issue 14 (atkops): docs/operations.md's health check, run as written
# (the block after <!-- healthcheck -->) by a monitor that has no account
# and a fresh home, against a leadd that takes TLS only (start_leadd_tls,
# a self-signed certificate). The doc's leads.example.com:7470 becomes
# leadd's address and SHA256:... its fingerprint; nothing else changes.
source "$(dirname "$0")/lib.sh"

DOC=$(dirname "$0")/../../docs/operations.md
block=$(awk '$0 == "<!-- healthcheck -->" { s = 1; next }
	s == 1 && /^```/ { s = 2; next }
	s == 2 && /^```/ { exit }
	s == 2 { print }' "$DOC")
[ -n "$block" ] || fail "docs/operations.md has no <!-- healthcheck --> block"

start_leadd_tls
block=${block//leads.example.com:7470/$LEAD_SERVER}
block=${block//SHA256:.../$TLS_FP}

MONITOR=$LEADD_DIR/monitor
mkdir "$MONITOR"
monitor=(env -u LEAD_CONFIG_DIR -u XDG_CONFIG_HOME -u LEAD_SERVER HOME="$MONITOR"
	PATH="$(dirname "$LEAD"):$PATH" LEAD_TLS=yes)

# What the doc says a monitor meets without the fingerprint.
expect_exit 4 "${monitor[@]}" "$LEAD" --server "$LEAD_SERVER" --timeout 3000 ping
expect_match "$ERR" "is not a known server: run 'lead login'" "a ping from a monitor that trusts nothing"

# The doc's block, as written.
expect_exit 0 "${monitor[@]}" bash -euc "$block"
expect_match "$OUT" "^pong from $LEAD_SERVER " "the doc's health check"
expect_exit 0 "${monitor[@]}" bash -euc "$block"
expect_match "$OUT" "^pong from $LEAD_SERVER " "the doc's health check run twice (a repeated line)"

stop_leadd
