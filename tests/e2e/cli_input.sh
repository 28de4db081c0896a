# What people type into text and money, and what `lead` prints back: a title
# carrying terminal escapes is refused, money is parsed and printed in the
# currency's own unit (5000 JPY, 12.345 BHD), a value can be cleared, client
# folders and user names ignore case (Unicode, not ASCII only), and messages
# name things as a person would.
. "$(dirname "$0")/lib.sh"

start_leadd
ESC=$'\033'

# ---- terminal escapes never get in ----
expect_exit 2 "$LEAD" add "Acme${ESC}[2J${ESC}]0;pwned"$'\a' --owner admin
expect_match "$ERR" "^lead: the title contains U\+001B at byte 4, a control character; remove it$" \
	"a title with ESC is refused in words"
expect_exit 2 "$LEAD" add "clip${ESC}]52;c;aGk="$'\a' --owner admin
expect_exit 2 "$LEAD" add "tagged" --owner admin --tag "hot${ESC}[31m"
expect_match "$ERR" "tag 1 contains U\+001B" "a tag with ESC is refused"
expect_exit 2 "$LEAD" add $'evil\u202eexe.pdf' --owner admin
expect_match "$ERR" "bidirectional override" "a bidi override is refused"
lead_ok add "multi-line" --owner admin --description $'line 1\n\tline 2'
ml=$OUT
lead_ok show "$ml"
expect_match "$OUT" $'^description: +line 1$' "a description keeps its newline"
lead_ok ls
expect_no_match "$OUT" "$ESC" "lead ls prints no ESC"
expect_no_match "$OUT" 'pwned|clip' "no refused lead was stored"

# ---- money in the currency's own unit ----
lead_ok add "Tokyo deal" --owner admin --value 5000 --currency JPY
jpy=$OUT
lead_ok show "$jpy"
expect_match "$OUT" '^value: +5000 JPY$' "JPY has no decimals"
lead_ok --json show "$jpy"
expect_eq '{"amount": "5000", "minor": 5000, "currency": "JPY"}' "$(json 'd["value"]' <<<"$OUT")" \
	"5000 JPY is 5000 minor units"
lead_ok add "Manama deal" --owner admin --value 12.345 --currency bhd
bhd=$OUT
lead_ok show "$bhd"
expect_match "$OUT" '^value: +12\.345 BHD$' "BHD has three decimals"
lead_ok ls
expect_match "$OUT" 'Tokyo deal +.*5000 JPY' "ls prints 5000 JPY"
expect_exit 2 "$LEAD" add "x" --owner admin --value 50.5 --currency JPY
expect_match "$ERR" "JPY has 0 decimals" "decimals beyond the currency's are refused"
expect_exit 2 "$LEAD" add "x" --owner admin --value 1.2345 --currency BHD
expect_exit 2 "$LEAD" add "x" --owner admin --value -5 --currency EUR
expect_exit 2 "$LEAD" add "x" --owner admin --value 5 --currency XYZ
expect_match "$ERR" "ISO 4217" "an unknown currency is refused"
lead_ok edit "$jpy" --value 7000
lead_ok show "$jpy"
expect_match "$OUT" '^value: +7000 JPY$' "edit --value keeps JPY's unit"
lead_ok edit "$jpy" --value none
lead_ok show "$jpy"
expect_match "$OUT" '^value: +-$' "edit --value none clears the value"
lead_ok --json show "$jpy"
expect_eq null "$(json 'd["value"]' <<<"$OUT")" "a cleared value is null in JSON"
expect_exit 2 "$LEAD" edit "$jpy" --value none --currency EUR

# ---- folders and names ignore case, by Unicode rules ----
lead_ok --json add "first" --owner admin --client "Maison Lefèvre SA"
c1=$(json 'd["client_id"]' <<<"$OUT")
lead_ok --json add "second" --owner admin --client "MAISON LEFÈVRE SA"
expect_eq "$c1" "$(json 'd["client_id"]' <<<"$OUT")" "MAISON LEFÈVRE SA is the same folder"
expect_eq "Maison Lefèvre SA" "$(json 'd["client"]' <<<"$OUT")" "the folder keeps its first name"
lead_ok user add Tom --role rep --password-stdin <<<"tom-password"
expect_exit 5 "$LEAD" user add tom --role rep --password-stdin <<<"tom-password"
expect_match "$ERR" "user 'Tom' already exists" "tom is refused beside Tom"
mkdir -p "$LEADD_DIR/cfg-tom"
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-tom" expect_exit 0 "$LEAD" login TOM --password-stdin <<<"tom-password"
expect_match "$OUT" "^logged in as Tom \(rep\)" "login by name ignores case"

# ---- messages for people ----
lead_ok add "Tom's lead" --owner tom
toms=$OUT
LEAD_CONFIG_DIR="$LEADD_DIR/cfg-tom" expect_exit 4 "$LEAD" assign "$toms" --to admin
expect_eq "lead: assigning leads needs the manager role or higher" "$ERR" \
	"the role message names the action, not the request"
long=$(printf 'x%.0s' {1..250})
expect_exit 2 "$LEAD" add "$long" --owner admin
expect_eq "lead: the title is 250 bytes long (at most 200)" "$ERR" \
	"the length message names the field in words"

stop_leadd
