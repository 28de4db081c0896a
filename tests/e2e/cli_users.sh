# Users, login and roles as people type them: login and the session file,
# whoami, users and teams, who sees which lead, assign, the team pool and
# claims, disabling a user, logout, and a rep refused an admin's command.
# Each user works in a LEAD_CONFIG_DIR of their own, as on their own machine.
. "$(dirname "$0")/lib.sh"

start_leadd
admin_cfg=$LEAD_CONFIG_DIR
session=$admin_cfg/session

# as USER CMD...: run CMD with USER's LEAD_CONFIG_DIR.
as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}

# login_as USER PASSWORD: log USER in, in their own config dir.
login_as()
{
	mkdir -p "$LEADD_DIR/cfg-$1"
	as "$1" expect_exit 0 "$LEAD" login "$1" --password-stdin <<<"$2"
	expect_eq "logged in as $1 ($3) on $LEAD_SERVER" "$OUT" "login as $1"
}

# ---- login and the session file ----
expect_exit 4 "$LEAD" login admin --password-stdin <<<"not-the-password"
expect_match "$ERR" '^lead: wrong user name or password$' "a wrong password"
expect_exit 4 "$LEAD" login nosuchuser --password-stdin <<<"admin-password-1"
expect_match "$ERR" '^lead: wrong user name or password$' "an unknown user"
expect_exit 4 "$LEAD" --json login admin --password-stdin <<<"not-the-password"
expect_eq UNAUTHENTICATED "$(json 'd["code"]' <<<"$ERR")" "a wrong password's JSON code"
# The refused logins left the admin's session alone.
lead_ok whoami

lead_ok login admin --password-stdin <<<"$ADMIN_PASSWORD"
expect_eq "logged in as admin (admin) on $LEAD_SERVER" "$OUT" "login prints who and where"
expect_eq 600 "$(stat -c %a "$session")" "the session file's mode"
expect_match "$(cat "$session")" "^server = $LEAD_SERVER\$" "the session file names the server"
expect_match "$(cat "$session")" '^user = admin$' "the session file names the user"
expect_match "$(cat "$session")" '^token = [0-9a-f]{64}$' "the session file holds the token"
expect_no_match "$(cat "$session")" "$ADMIN_PASSWORD" "the session file holds no password"
expect_eq 0 "$(find "$admin_cfg" -name '.session.*' | wc -l)" "no temporary file left behind"

# USER defaults to $LEAD_USER, then $USER; a new config dir is made 0700.
LEAD_CONFIG_DIR=$LEADD_DIR/new/cfg LEAD_USER=admin expect_exit 0 "$LEAD" login \
	--password-stdin <<<"$ADMIN_PASSWORD"
expect_match "$OUT" '^logged in as admin ' "login takes \$LEAD_USER"
expect_eq 700 "$(stat -c %a "$LEADD_DIR/new/cfg")" "login creates the config dir 0700"
LEAD_CONFIG_DIR=$LEADD_DIR/new/cfg USER=admin expect_exit 0 env -u LEAD_USER "$LEAD" whoami
expect_match "$OUT" '^user: +admin ' "a second config dir's session works"

# ---- whoami ----
lead_ok whoami
expect_match "$OUT" '^user: +admin \(id 1\)$' "whoami user"
expect_match "$OUT" '^role: +admin$' "whoami role"
expect_match "$OUT" '^team: +-$' "whoami team"
lead_ok --json whoami
expect_eq admin "$(json 'd["user"]["name"]' <<<"$OUT")" "whoami --json name"
expect_eq admin "$(json 'd["user"]["role"]' <<<"$OUT")" "whoami --json role"

# ---- users and teams ----
lead_ok user add mgr1 --role manager --password-stdin <<<"mgr1-password"
expect_match "$OUT" '^added user mgr1 \(id [0-9]+, manager, team -\)$' "user add mgr1"
lead_ok team add east --manager mgr1
expect_match "$OUT" '^added team east \(id [0-9]+\)$' "team add"
expect_match "$OUT" '^managers: +mgr1$' "team add shows the managers"
lead_ok user add rep1 --role rep --team east --password-stdin <<<"rep1-password"
expect_match "$OUT" '^added user rep1 \(id [0-9]+, rep, team east\)$' "user add rep1"
lead_ok --json user add rep2 --role rep --team east --password-stdin <<<"rep2-password"
expect_eq rep2 "$(json 'd["name"]' <<<"$OUT")" "user add --json name"
expect_eq rep "$(json 'd["role"]' <<<"$OUT")" "user add --json role"
expect_eq east "$(json 'd["team"]' <<<"$OUT")" "user add --json team"
expect_eq false "$(json 'd["disabled"]' <<<"$OUT")" "user add --json disabled"
expect_exit 5 "$LEAD" user add rep1 --role rep --password-stdin <<<"another-password"
expect_exit 3 "$LEAD" user add rep3 --role rep --team nosuch --password-stdin <<<"rep3-password"
expect_exit 2 "$LEAD" user add rep3 --role boss --password-stdin <<<"rep3-password"
expect_exit 2 "$LEAD" user add rep3 --password-stdin <<<"rep3-password"
expect_exit 2 "$LEAD" user add rep3 --role rep --password-stdin <<<"short"

lead_ok user ls
expect_match "$OUT" '^ *ID +NAME +ROLE +TEAM +DISABLED$' "user ls header"
expect_match "$OUT" '^ *[0-9]+ +rep1 +rep +east +no$' "user ls rep1"
expect_match "$OUT" '^ *[0-9]+ +mgr1 +manager +- +no$' "user ls mgr1"
lead_ok --json user ls
expect_eq '["admin", "mgr1", "rep1", "rep2"]' "$(json '[u["name"] for u in d["users"]]' <<<"$OUT")" \
	"user ls --json"
lead_ok team ls
expect_match "$OUT" '^ *ID +NAME +MANAGERS +ROUND-ROBIN +POOL-VISIBLE +MEMBERS$' "team ls header"
expect_match "$OUT" '^ *[0-9]+ +east +mgr1 +off +off +rep1, rep2$' "team ls east"
lead_ok --json team ls
expect_eq '{"name": "east", "managers": ["mgr1"], "round_robin": false, "pool_visible": false, "members": ["rep1", "rep2"]}' \
	"$(json '{k: d["teams"][0][k] for k in ("name", "managers", "round_robin", "pool_visible", "members")}' <<<"$OUT")" \
	"team ls --json"

# user edit, and --team "" takes a user out of their team.
lead_ok user add temp1 --role rep --team east --password-stdin <<<"temp1-password"
lead_ok user edit temp1 --role manager
expect_match "$OUT" '^changed user temp1 \(id [0-9]+, manager, team east\)$' "user edit --role"
lead_ok --json user edit temp1 --team ""
expect_eq null "$(json 'd["team"]' <<<"$OUT")" "user edit --team \"\""
expect_exit 2 "$LEAD" user edit temp1
lead_ok help user
expect_match "$OUT" '^  passwd ' "lead help user lists the subcommands"
lead_ok help user add
expect_match "$OUT" '^usage: lead user add NAME --role' "lead help user add"
lead_ok team --help
expect_match "$OUT" '^usage: lead team edit NAME' "lead team --help"
expect_exit 2 "$LEAD" user frob
expect_exit 2 "$LEAD" user

# ---- who sees which lead ----
login_as rep1 rep1-password rep
login_as rep2 rep2-password rep
login_as mgr1 mgr1-password manager
as rep1 lead_ok whoami
expect_match "$OUT" '^team: +east$' "a rep's whoami shows the team"

as rep1 lead_ok add "Rep1's deal" --client "Initech" --value 500
id=$OUT
as rep1 lead_ok show "$id"
expect_match "$OUT" '^owner: +you$' "a rep's own lead is theirs"
expect_match "$OUT" '^team: +east$' "a rep's lead is in their team"
as rep1 lead_ok --json show "$id"
expect_eq rep1 "$(json 'd["owner"]' <<<"$OUT")" "a rep's own lead --json owner"
as rep2 expect_exit 3 "$LEAD" show "$id"
as rep2 lead_ok ls
expect_eq "no leads" "$OUT" "another rep's lead is not listed"
as mgr1 lead_ok show "$id"
expect_match "$OUT" '^owner: +rep1$' "the manager sees the rep's lead"
as rep1 expect_exit 4 "$LEAD" add "Not mine" --owner rep2

# ---- assign ----
as mgr1 lead_ok assign "$id" --to rep2
expect_eq "lead $id: owner rep1 -> rep2" "$OUT" "assign --to"
as rep1 expect_exit 3 "$LEAD" show "$id"
as rep2 lead_ok show "$id"
expect_match "$OUT" '^owner: +you$' "the new owner sees it"
as rep2 expect_exit 4 "$LEAD" assign "$id" --to rep1
expect_exit 2 "$LEAD" assign "$id"
expect_exit 2 "$LEAD" assign "$id" --to rep1 --pool
expect_exit 2 "$LEAD" assign --from rep1
lead_ok assign "$id" --to rep1
expect_eq "lead $id: owner rep2 -> rep1" "$OUT" "the admin assigns too"

# ---- the pool and claims ----
lead_ok team edit east --pool-visible on
expect_match "$OUT" '^pool visible: +on$' "team edit --pool-visible on"
expect_exit 2 "$LEAD" team edit east --pool-visible maybe
as mgr1 lead_ok add "Pool deal" --team east
pool=$OUT
as mgr1 lead_ok show "$pool"
expect_match "$OUT" '^owner: +pool$' "a --team lead is in the pool"
as rep1 lead_ok ls
expect_match "$OUT" "^ *$pool +Pool deal .* pool " "a visible pool lead is listed for a rep"
as rep1 lead_ok claim "$pool"
expect_eq "claimed lead $pool" "$OUT" "claim"
as rep2 expect_exit 3 "$LEAD" claim "$pool"
expect_match "$ERR" "lead $pool not found" "a second claim by a rep: not found, the winner unnamed"
as mgr1 lead_ok --json show "$pool"
expect_eq rep1 "$(json 'd["owner"]' <<<"$OUT")" "the claim gave it to rep1"

# Bulk: every lead of rep1 to rep2.
as mgr1 lead_ok assign --from rep1 --to rep2
expect_eq "moved 2 leads" "$OUT" "assign --from --to"
as rep2 lead_ok --json ls
expect_eq 2 "$(json 'len(d["leads"])' <<<"$OUT")" "rep2 now has both"
as mgr1 lead_ok assign --from rep2 --to rep1 --status new
expect_eq "moved 2 leads" "$OUT" "assign --from --to --status"
as mgr1 lead_ok --json assign --from rep2 --to rep1
expect_eq 0 "$(json 'd["moved"]' <<<"$OUT")" "nothing left to move"
expect_eq '[]' "$(json 'd["failed_ids"]' <<<"$OUT")" "--json failed_ids"

# ---- disabling a user ends their session ----
lead_ok user disable rep2
expect_match "$OUT" '^disabled user rep2 ' "user disable"
as rep2 expect_exit 4 "$LEAD" ls
expect_match "$ERR" "lead login" "a disabled user is told to log in"
as rep2 expect_exit 4 "$LEAD" login rep2 --password-stdin <<<"rep2-password"
lead_ok user ls
expect_match "$OUT" '^ *[0-9]+ +rep2 +rep +east +yes$' "user ls shows disabled"
expect_exit 5 "$LEAD" user disable admin

# ---- a rep may not do an admin's work ----
as rep1 expect_exit 4 "$LEAD" user add rep9 --role rep --password-stdin <<<"rep9-password"
as rep1 expect_exit 4 "$LEAD" user ls
as rep1 expect_exit 4 "$LEAD" team add west

# ---- passwd ----
as rep1 lead_ok user passwd --current-password-stdin --password-stdin \
	<<<$'rep1-password\nrep1-new-password'
expect_eq "changed the password of rep1" "$OUT" "user passwd for oneself"
as rep1 expect_exit 4 "$LEAD" login rep1 --password-stdin <<<"rep1-password"
as rep1 lead_ok login rep1 --password-stdin <<<"rep1-new-password"

# ---- logout ----
as rep1 lead_ok logout
expect_eq "logged out" "$OUT" "logout"
[ ! -e "$LEADD_DIR/cfg-rep1/session" ] || fail "logout left the session file"
as rep1 expect_exit 4 "$LEAD" ls
expect_eq "lead: not logged in: run 'lead login'" "$ERR" "after logout"
# The token was revoked: a copy of the session file no longer works.
cp "$session" "$LEADD_DIR/session.copy"
lead_ok logout
cp "$LEADD_DIR/session.copy" "$session"
expect_exit 4 "$LEAD" whoami
expect_match "$ERR" "expired or was revoked" "a revoked token"
lead_ok login admin --password-stdin <<<"$ADMIN_PASSWORD"

# Logout removes the session even when the server is gone (exit 6).
as mgr1 lead_ok whoami
gone=$(mktemp -d)
cp "$LEADD_DIR/cfg-mgr1/session" "$gone/session"
stop_leadd
LEAD_CONFIG_DIR=$gone expect_exit 6 "$LEAD" logout
expect_match "$ERR" 'cannot reach leadd' "logout without a server says so"
[ ! -e "$gone/session" ] || fail "logout without a server left the session file"
LEAD_CONFIG_DIR=$gone expect_exit 0 "$LEAD" logout
expect_eq "not logged in" "$OUT" "logout without a session"
rm -rf "$gone"
