# A leadd with a CA-issued certificate (tls_cert/tls_key) over TLS (issue
# 14): lead trusts it without pinning when it verifies against the system
# store and the host name it was reached by, and treats it as any unknown
# server when it does not (another name, or a CA the machine does not
# trust). The CA is the test's own; SSL_CERT_FILE makes it the store
# (OpenSSL's default verify paths honour it).
. "$(dirname "$0")/lib.sh"

# expect_has TEXT FIXED [WHAT]: the fixed string (a fingerprint holds + and /).
expect_has()
{
	grep -Fq -- "$2" <<<"$1" || fail "${3:-output} does not hold '$2':
$1"
	CHECKS=$((CHECKS + 1))
}

ca=$(mktemp -d "${TMPDIR:-/tmp}/lead-ca.XXXXXX")
# set +e: the (exit) that hands the status to lib.sh's cleanup must not end
# the trap before cleanup stops leadd.
trap 'rc=$?; rm -rf "$ca"; set +e; (exit $rc); cleanup' EXIT
(
	cd "$ca"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout leadd.key -out leadd.csr -subj /CN=localhost
	printf 'subjectAltName=DNS:localhost\n' >leadd.ext
	openssl x509 -req -in leadd.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile leadd.ext -out leadd.crt
	chmod 600 leadd.key
) >"$ca/openssl.log" 2>&1 || fail "openssl could not make the CA: $(cat "$ca/openssl.log")"
export SSL_CERT_FILE=$ca/ca.crt
ca_fp=$(tls_fingerprint "$ca/leadd.crt")

# On 127.0.0.1 under the non-loopback rules: "localhost" reaches it.
LEADD_CA=1 LEADD_LISTEN=127.0.0.1:0 LEADD_HOST=localhost start_leadd_tls \
	--set "tls_cert=$ca/leadd.crt" --set "tls_key=$ca/leadd.key"
port=${LEAD_SERVER##*:}

# The login of lib.sh (no --fingerprint, no terminal) passed: vouched for
# by the CA and the name. Nothing was pinned.
[ ! -e "$LEAD_CONFIG_DIR/known_servers" ] || fail "a CA-verified server was pinned"
lead_ok whoami
expect_has "$OUT" "TLS, certificate $ca_fp verified by an authority" "whoami says who vouched"
lead_ok --json whoami
expect_eq authority "$(json 'd["tls"]["trusted_by"]' <<<"$OUT")" "whoami --json trusted_by"
lead_ok add "Over a CA-issued certificate" --owner admin
lead_ok ls
expect_match "$OUT" "Over a CA-issued certificate" "ls over TLS"
# --fingerprint, when given, must match even then.
expect_exit 4 "$LEAD" login admin --password-stdin \
	--fingerprint "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" <<<"$ADMIN_PASSWORD"
expect_has "$ERR" "has the fingerprint $ca_fp" "a wrong --fingerprint with a CA"

# The same server by another name (its address): the certificate does not
# name it, so it is a server like any other not yet known. (ping: a session
# goes only to the server it was made on, cli_session_server.sh.)
expect_exit 4 "$LEAD" --server "127.0.0.1:$port" ping
expect_has "$ERR" "leadd at 127.0.0.1:$port is not a known server" "a wrong host name"
expect_has "$ERR" "mismatch" "... says the name does not match"

# A machine that does not trust the CA: not verified, not known.
SSL_CERT_FILE=/nonexistent expect_exit 4 "$LEAD" ls
expect_has "$ERR" "is not a known server" "a CA this machine does not trust"

stop_leadd
