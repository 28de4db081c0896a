# Every lead command over TLS (issue 14), against a leadd on 127.0.0.2 that
# takes TLS only (start_leadd_tls: require_tls_on_loopback = yes). The list
# of commands is read from `lead --json help`: a command (or subcommand)
# that no step below runs fails the test, so a new one cannot be missed.
# Also: the plaintext client's refusal is the server's sentence, at once;
# whoami says how the connection is protected.
. "$(dirname "$0")/lib.sh"

# Every leaf command, "admin status add" for a family's.
mapfile -t COMMANDS < <("$LEAD" --json help | json '"\n".join(
	[s["name"] for c in d["commands"] for s in (c["subcommands"] or [c])])' | tr -d '\r')
declare -A COVERED=()

# over_tls ARGS...: `lead ARGS` must succeed; the command it names is
# covered (the longest run of words that is a command).
over_tls()
{
	lead_ok "$@"
	local words=() a
	for a in "$@"; do
		[[ "$a" == -* ]] && break
		words+=("$a")
	done
	local n name c
	for ((n = ${#words[@]}; n > 0; n--)); do
		name="${words[*]:0:n}"
		for c in "${COMMANDS[@]}"; do
			if [ "$c" = "$name" ]; then
				COVERED[$name]=1
				return 0
			fi
		done
	done
}

start_leadd_tls

# ---- the listener takes TLS only: a plaintext client gets its sentence ----
start=$(date +%s%N)
LEAD_TLS=no expect_exit 5 "$LEAD" ping
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_match "$ERR" "takes TLS (connections )?only" "a plaintext client is told the address takes TLS only"
expect_match "$ERR" "tls = yes" "... and what to set"
[ "$elapsed_ms" -lt 3000 ] || fail "the plaintext refusal took $elapsed_ms ms"
# auto is plaintext on a loopback address: the same sentence.
LEAD_TLS=auto expect_exit 5 "$LEAD" ping
expect_match "$ERR" "takes TLS (connections )?only" "auto on 127.0.0.2 speaks plaintext and is refused"
# A value that is not auto, yes or no.
LEAD_TLS=maybe expect_exit 2 "$LEAD" ping
expect_match "$ERR" "LEAD_TLS is 'maybe': use auto, yes or no" "a bad LEAD_TLS"
echo "tls = sometimes" >"$LEAD_CONFIG_DIR/config"
LEAD_TLS='' expect_exit 2 "$LEAD" ping
expect_match "$ERR" "config: tls = sometimes: use auto, yes or no" "a bad tls = in the config file"
echo "tls = yes" >"$LEAD_CONFIG_DIR/config"
LEAD_TLS='' expect_exit 0 "$LEAD" ping # the file's tls = yes
rm "$LEAD_CONFIG_DIR/config"

# ---- the session: login (again), whoami, ping ----
over_tls login admin --password-stdin <<<"$ADMIN_PASSWORD"
expect_match "$OUT" "^logged in as admin \(admin\) on $LEAD_SERVER$" "login over TLS"
over_tls whoami
# A fingerprint holds + and /: compared as a fixed string, not a regex.
expect_eq "connection: TLS, certificate $TLS_FP (a known server)" \
	"$(grep '^connection:' <<<"$OUT" | tr -s ' ')" "whoami says TLS"
lead_ok --json whoami
expect_eq "$TLS_FP" "$(json 'd["tls"]["fingerprint"]' <<<"$OUT")" "whoami --json fingerprint"
expect_eq known_servers "$(json 'd["tls"]["trusted_by"]' <<<"$OUT")" "whoami --json trusted_by"
over_tls ping
expect_match "$OUT" "^pong from $LEAD_SERVER " "ping over TLS"
over_tls help
over_tls help admin status add

# ---- users and teams ----
over_tls team add North
over_tls user add sofia --role manager --team North --password-stdin <<<"sofia-password-1"
over_tls user add marc --role rep --team North --password-stdin <<<"marc-password-1"
over_tls team edit North --manager sofia --pool-visible on
over_tls team ls
over_tls user ls
over_tls user edit marc --team North
over_tls user passwd sofia --password-stdin <<<"sofia-password-2"
mkdir -p "$LEADD_DIR/cfg-marc"
cp "$LEAD_CONFIG_DIR/known_servers" "$LEADD_DIR/cfg-marc/"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-marc" expect_exit 0 "$LEAD" login marc --password-stdin \
	<<<"marc-password-1"

# ---- statuses and reasons ----
over_tls statuses
over_tls admin status add Negotiation --stage prospect --probability 60 --class prospect \
	--after lead-Qualified
over_tls admin status edit Negotiation --probability 70
over_tls admin reason add "No budget"
over_tls admin reason ls
over_tls admin reason rm "No budget"

# ---- leads ----
over_tls add "Acme roof" --owner admin --client "Acme" --contact "Ana Diaz" --email ana@acme.example \
	--value 1200 --currency EUR --tag roof
L=$OUT
over_tls add "Pool lead" --owner sofia --team North
P=$OUT
over_tls show "$L"
expect_match "$OUT" '^title: +Acme roof$' "show over TLS"
over_tls ls
over_tls edit "$L" --description "A big roof"
over_tls history "$L"
over_tls tag "$L" --add urgent
over_tls tags
over_tls status "$L" lead-Qualified
over_tls qualify "$P"
over_tls reopen "$P"
over_tls status "$P" Negotiation
over_tls admin status rm Negotiation --move-to lead-Qualified
over_tls dead "$P" --reason "Went with a rival" --other
over_tls reopen "$P"
over_tls standby "$L" --until 3d
over_tls standby "$L" --off
over_tls assign "$P" --pool
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-marc" over_tls claim "$P"
over_tls assign "$P" --to admin

# ---- clients and contacts ----
over_tls client add Globex --phone "+33 1 23 45 67 89"
over_tls client ls
over_tls client show Acme
over_tls client edit Globex --note "big account"
over_tls client add Globex2 --new-client
over_tls client merge Globex2 --into Globex
over_tls contact add "$L" --name "Bob Stone" --role CFO
over_tls contact ls "$L"
over_tls contact edit "$L" "bob stone" --phone "+33 6 12 34 56 78"
over_tls contact main "$L" "bob stone"
over_tls contact rm "$L" "ana diaz"

# ---- activities and the agenda ----
over_tls note "$L" "Called about the roof"
over_tls call "$L" --outcome "left a message" --at -1h
over_tls task "$L" "Send the quote" --due "tomorrow 10:00"
over_tls meeting "$L" "Site visit" --at "tomorrow 11:00" --where "Acme HQ"
over_tls activity ls "$L"
acts=$OUT
expect_match "$acts" "Send the quote" "activity ls over TLS"
over_tls --json activity ls "$L"
task=$(json '[a["id"] for a in d["activities"] if a.get("title") == "Send the quote"][0]' <<<"$OUT")
meet=$(json '[a["id"] for a in d["activities"] if a.get("title") == "Site visit"][0]' <<<"$OUT")
over_tls activity edit "$task" --title "Send the revised quote"
over_tls done "$task" --outcome "sent"
over_tls activity rm "$meet"
over_tls agenda --from -1d --to +7d
over_tls agenda --ics
expect_match "$OUT" "BEGIN:VCALENDAR" "agenda --ics over TLS"
over_tls today

# ---- opportunities and the forecast ----
over_tls opp new "$L" --item Roofing --qty 2 --price 600 --close +30d --json
opp=$(json 'd["opportunity"]["id"]' <<<"$OUT")
expect_eq prospect-Qualified "$(json 'd["new_status"]' <<<"$OUT")" "opp new converts over TLS"
over_tls opp ls
over_tls opp show "$opp"
expect_match "$OUT" '^Roofing +2 +600.00 EUR +1200.00 EUR$' "opp show over TLS"
over_tls opp edit "$opp" --probability 30
over_tls forecast --by status
expect_match "$OUT" '^prospect-Qualified +10% +1 +1200.00 EUR +360.00 EUR$' "forecast over TLS"
over_tls opp won "$opp"
over_tls opp new "$L" --item Gutters --price 100 --json
opp=$(json 'd["opportunity"]["id"]' <<<"$OUT")
over_tls opp lost "$opp" --reason "Too late" --other
over_tls add "Convert me" --owner admin
over_tls convert "$OUT"

# ---- archive, restore, renew ----
over_tls archive "$P"
over_tls restore "$P"
over_tls renew "$P" --contacts none

# ---- searches ----
over_tls search save mine --owner admin
over_tls search ls
over_tls search run mine
over_tls search edit mine --sort id
over_tls search pin mine
over_tls search unpin mine
over_tls search rm mine

# ---- completion: the script, and the names it asks the server for ----
over_tls completion bash
expect_match "$OUT" "^complete -F _lead lead$" "the completion script"
over_tls completion words statuses
expect_match "$OUT" "^lead-New$" "status names over TLS"
over_tls completion words users
expect_match "$OUT" "^sofia$" "user names over TLS"

# ---- numbers ----
over_tls kpi
over_tls stats

# ---- watching: replayed changes, then stopped as a user does ----
expect_exit 0 timeout --preserve-status -s INT 3 "$LEAD" watch --since 0
expect_match "$OUT" "Acme roof" "lead watch over TLS replays the changes"
COVERED[watch]=1
expect_exit 0 timeout --preserve-status -s INT 3 "$LEAD" kpi --watch
expect_match "$OUT" "admin" "lead kpi --watch over TLS"

# ---- users last: disable, then log out ----
over_tls user disable marc
over_tls logout
expect_eq "logged out" "$OUT" "logout over TLS"

# ---- every command was run ----
missing=()
for c in "${COMMANDS[@]}"; do
	[ -n "${COVERED[$c]:-}" ] || missing+=("$c")
done
[ "${#missing[@]}" -eq 0 ] || fail "no step runs these commands over TLS: ${missing[*]}"
CHECKS=$((CHECKS + 1))

stop_leadd

# ---- a refusal at a limit comes before TLS: lead shows leadd's sentence ----
start_leadd_tls --set max_prelogin_per_address=2
holders=$(mktemp -d)
"$PYTHON" -c '
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
held = [socket.create_connection((host, int(port))) for _ in range(2)]
open(sys.argv[2], "w").write("held\n")
time.sleep(60)
' "$LEAD_SERVER" "$holders/ready" &
BG_PIDS+=("$!")
for _ in $(seq 50); do
	[ -s "$holders/ready" ] && break
	sleep 0.1
done
[ -s "$holders/ready" ] || fail "the two silent connections were not made"
start=$(date +%s%N)
expect_exit 1 "$LEAD" ping
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_match "$ERR" "^lead: leadd at $LEAD_SERVER answered without TLS: too many connections waiting to log in" \
	"a TLS client refused at the pre-login limit gets leadd's sentence"
[ "$elapsed_ms" -lt 3000 ] || fail "the refusal at the limit took $elapsed_ms ms"
kill "${BG_PIDS[-1]}"
rm -rf "$holders"
stop_leadd
