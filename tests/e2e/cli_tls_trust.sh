# Trusting a leadd over TLS as ssh trusts hosts (issue 14): its own
# self-signed certificate is known by fingerprint in
# $LEAD_CONFIG_DIR/known_servers; only `lead login` adds one (asking on
# the terminal, or --fingerprint); any other command and leadtop refuse an
# unknown server; a wrong fingerprint is refused; a changed one is refused
# loudly by everyone until its line is removed.
. "$(dirname "$0")/lib.sh"

: "${LEADTOP:?set LEADTOP to the leadtop binary}"
PTY="$PYTHON $(dirname "$0")/pty_answer.py"
OTHER_FP="SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

# expect_has TEXT FIXED [WHAT]: the fixed string (a fingerprint holds + and /).
expect_has()
{
	grep -Fq -- "$2" <<<"$1" || fail "${3:-output} does not hold '$2':
$1"
	CHECKS=$((CHECKS + 1))
}

start_leadd_tls
known=$LEAD_CONFIG_DIR/known_servers

# ---- the admin's login trusted it by fingerprint (lib.sh) ----
expect_eq "$LEAD_SERVER $TLS_FP" "$(grep -v '^#' "$known")" "known_servers holds the server"
expect_eq 600 "$(stat -c %a "$known")" "known_servers is 0600"
expect_exit 0 "$LEADD" fingerprint --data-dir "$LEADD_DIR/data"
expect_has "$OUT" "$TLS_FP" "leadd fingerprint prints what lead pinned"

# A line that vouches for nothing is named, and the rest still counts.
sed -i "1i garbage\n$LEAD_SERVER SHA256:short" "$known"
lead_ok ls
expect_has "$ERR" "$known:1: not a 'HOST:PORT SHA256:...' line; ignored" "a garbage line"
expect_has "$ERR" "$known:2: not a 'HOST:PORT SHA256:...' line; ignored" "a short fingerprint"
sed -i '1,2d' "$known"

# ---- another machine: a session, no known servers ----
new=$LEADD_DIR/cfg-new
mkdir -p "$new"
cp "$LEAD_CONFIG_DIR/session" "$new/"
LEAD_CONFIG_DIR=$new expect_exit 4 "$LEAD" ls
expect_has "$ERR" "leadd at $LEAD_SERVER is not a known server" "ls refuses an unknown server"
expect_has "$ERR" "self-signed certificate" "... says why the certificate is not trusted"
expect_has "$ERR" "run 'lead login'" "... and what to do"
LEAD_CONFIG_DIR=$new expect_exit 4 "$LEAD" --json whoami
expect_eq UNAUTHENTICATED "$(json 'd["code"]' <<<"$ERR")" "--json: the code"
LEAD_CONFIG_DIR=$new expect_exit 4 "$LEADTOP" --once
expect_has "$ERR" "is not a known server" "leadtop --once refuses an unknown server"
expect_has "$ERR" "run 'lead login'" "... and says what to do"
# The completion's quiet call: nothing offered, nothing said, no question.
LEAD_CONFIG_DIR=$new expect_exit 0 "$LEAD" completion words statuses </dev/null
expect_eq "" "$OUT$ERR" "completion words says nothing for an unknown server"
[ ! -e "$new/known_servers" ] || fail "a refused server was stored"

# login with no terminal to ask on (setsid: none) and no --fingerprint.
LEAD_CONFIG_DIR=$new expect_exit 4 setsid -w "$LEAD" login admin --password-stdin \
	<<<"$ADMIN_PASSWORD"
expect_has "$ERR" "no terminal to ask on" "login without a terminal"
expect_has "$ERR" "its certificate's fingerprint is $TLS_FP" "... shows the fingerprint"
expect_has "$ERR" "lead login --fingerprint" "... and the option for scripts"

# A wrong --fingerprint: refused, nothing stored; a malformed one is usage.
LEAD_CONFIG_DIR=$new expect_exit 4 "$LEAD" login admin --password-stdin \
	--fingerprint "$OTHER_FP" <<<"$ADMIN_PASSWORD"
expect_has "$ERR" "has the fingerprint $TLS_FP, not $OTHER_FP as --fingerprint says" \
	"a wrong fingerprint"
expect_has "$ERR" "nothing was stored" "... nothing stored"
[ ! -e "$new/known_servers" ] || fail "a wrong fingerprint was stored"
LEAD_CONFIG_DIR=$new expect_exit 2 "$LEAD" login admin --password-stdin \
	--fingerprint "SHA256:abc" <<<"$ADMIN_PASSWORD"
expect_has "$ERR" "--fingerprint wants SHA256: and 43 characters" "a malformed fingerprint"

# Asked on the terminal: no (the default) refuses, nothing stored ...
LEAD_CONFIG_DIR=$new expect_exit 4 $PTY "The certificate of leadd at " "" -- "$LEAD" login admin
expect_has "$OUT" "Its fingerprint is $TLS_FP" "the question shows the fingerprint"
expect_has "$OUT" "not signed by an authority this" "... and why it is asked"
expect_has "$OUT" "'leadd fingerprint' on the server" "... and where to compare it"
expect_has "$OUT" "was not trusted; nothing was stored" "no is a refusal"
[ ! -e "$new/known_servers" ] || fail "a server refused on the terminal was stored"
# ... yes trusts it, then the password is asked.
LEAD_CONFIG_DIR=$new expect_exit 0 $PTY "The certificate of leadd at " "y" "Password for admin: " "$ADMIN_PASSWORD" \
	-- "$LEAD" login admin
expect_has "$OUT" "trusted leadd at $LEAD_SERVER ($TLS_FP), remembered in $new/known_servers" \
	"yes trusts it"
expect_has "$OUT" "logged in as admin (admin) on $LEAD_SERVER" "... and logs in"
expect_eq "$LEAD_SERVER $TLS_FP" "$(grep -v '^#' "$new/known_servers")" "the line stored"
LEAD_CONFIG_DIR=$new expect_exit 0 "$LEAD" ls
LEAD_CONFIG_DIR=$new expect_exit 0 "$LEADTOP" --once

# The question goes to the terminal, never to stdin (a password there).
newer=$LEADD_DIR/cfg-newer
mkdir -p "$newer"
LEAD_CONFIG_DIR=$newer expect_exit 4 setsid -w "$LEAD" login admin --password-stdin \
	<<<"y"
[ ! -e "$newer/known_servers" ] || fail "a 'y' on stdin trusted a server"

# ---- leadd is given a new certificate: refused loudly ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$LEADD_DIR/new.key" -out "$LEADD_DIR/new.crt" -days 30 -subj /CN=impostor \
	>/dev/null 2>&1 || fail "openssl could not make a pair"
new_fp=$(tls_fingerprint "$LEADD_DIR/new.crt")
cp "$LEADD_DIR/new.key" "$LEADD_DIR/data/tls.key"
cp "$LEADD_DIR/new.crt" "$LEADD_DIR/data/tls.crt"
kill -HUP "$LEADD_PID"
for _ in $(seq 50); do
	"$LEAD" ping >/dev/null 2>&1 || break
	sleep 0.1
done
line=$(grep -n -F "$LEAD_SERVER " "$known" | cut -d: -f1)
for who in lead login leadtop; do
	case $who in
	lead) expect_exit 4 "$LEAD" ls ;;
	login) expect_exit 4 "$LEAD" login admin --password-stdin --fingerprint "$new_fp" \
		<<<"$ADMIN_PASSWORD" ;;
	leadtop) expect_exit 4 "$LEADTOP" --once ;;
	esac
	expect_has "$ERR" "WARNING: the certificate of leadd at $LEAD_SERVER has CHANGED" \
		"$who: a changed certificate is refused loudly"
	expect_has "$ERR" "may be intercepting" "$who: ... says what it may be"
	expect_has "$ERR" "known: $TLS_FP ($known, line $line)" "$who: ... the old one and where"
	expect_has "$ERR" "now:   $new_fp" "$who: ... the new one"
	expect_has "$ERR" "remove line $line of $known" "$who: ... what to remove"
done
expect_eq "$LEAD_SERVER $TLS_FP" "$(grep -v '^#' "$known")" "the old line stays"

# Once the administrator confirms it: the line removed, the new one trusted.
sed -i "${line}d" "$known"
lead_ok login admin --password-stdin --fingerprint "$new_fp" <<<"$ADMIN_PASSWORD"
expect_has "$OUT" "trusted leadd at $LEAD_SERVER ($new_fp)" "the new certificate trusted"
lead_ok ls
stop_leadd

# ---- --fingerprint where lead speaks plaintext (this machine): refused ----
unset LEAD_TLS
LEADD_LISTEN=127.0.0.1:0
LEADD_EXTRA=()
start_leadd
expect_exit 2 "$LEAD" login admin --password-stdin --fingerprint "$OTHER_FP" <<<"$ADMIN_PASSWORD"
expect_has "$ERR" "is not TLS, so there is no certificate to check" \
	"--fingerprint over plaintext"
stop_leadd
