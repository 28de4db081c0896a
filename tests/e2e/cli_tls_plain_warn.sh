# Plaintext to a server on another machine (issue 14, atktls): with tls = no
# (or LEAD_TLS=no), lead sent the password and the session token across
# the network unencrypted without a word. Now every lead command on such a
# connection warns on stderr (the command still runs: tls = no is the
# user's choice, for a leadd with allow_plaintext = yes); a loopback server
# gets no warning.
#
# "Another machine" is this machine's first non-loopback IPv4 address
# (`hostname -I`): leadd listens there with allow_plaintext = yes.
. "$(dirname "$0")/lib.sh"

addr=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' |
	grep -v '^127\.' | head -n 1)
[ -n "$addr" ] || fail "this test needs a non-loopback IPv4 address on this machine (hostname -I shows none)"

export LEAD_TLS=no
LEADD_LISTEN="$addr:0"
LEADD_EXTRA=(--set allow_plaintext=yes)
start_leadd
expect_exit 0 "$LEAD" login admin --password-stdin <<<"$ADMIN_PASSWORD"
expect_match "$ERR" "warning: .*$addr.* not encrypted" "login over plain TCP to $addr warns"
expect_match "$ERR" "password" "... naming the password"
expect_match "$ERR" "tls = " "... and saying what to set"
expect_exit 0 "$LEAD" whoami
expect_match "$ERR" "warning: .*not encrypted" "whoami over plain TCP to $addr warns too"
expect_exit 0 "$LEAD" --json whoami
expect_match "$ERR" "warning: .*not encrypted" "--json: the warning is on stderr"
json 'd["user"]' <<<"$OUT" >/dev/null || fail "--json whoami printed no JSON: $OUT"
stop_leadd

# A server on this machine: plain TCP stays quiet.
LEADD_LISTEN=127.0.0.1:0
LEADD_EXTRA=()
start_leadd
expect_exit 0 "$LEAD" whoami
expect_eq "" "$ERR" "plain TCP to 127.0.0.1: no warning"
stop_leadd
