# lead user passwd as people type it (issue 8): your own password needs the
# current one, asked on the terminal or read with --current-password-stdin
# (before the new one when both come from standard input); a wrong current
# password changes nothing; an admin sets another user's without it; a
# change ends the user's other sessions but not the one that made it.
. "$(dirname "$0")/lib.sh"

PTY="$PYTHON $(dirname "$0")/pty_answer.py"

start_leadd
as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}
lead_ok user add rita --role rep --password-stdin <<<"rita-password-1"
mkdir -p "$LEADD_DIR/cfg-rita" "$LEADD_DIR/cfg-rita2"
as rita lead_ok login rita --password-stdin <<<"rita-password-1"
as rita2 lead_ok login rita --password-stdin <<<"rita-password-1"

# ---- on the terminal ----
# shellcheck disable=SC2086
as rita expect_exit 0 $PTY "Current password for rita: " "rita-password-1" \
	"New password for rita: " "rita-password-2" "Again: " "rita-password-2" -- \
	"$LEAD" user passwd
expect_match "$OUT" "changed the password of rita" "passwd on the terminal"
# The current password is not echoed.
expect_no_match "$OUT" "rita-password" "the terminal shows no password"
# This session goes on; rita's other session has ended.
as rita lead_ok whoami
as rita2 expect_exit 4 "$LEAD" whoami
expect_match "$ERR" "expired or was revoked" "rita's other session"
# A wrong current password on the terminal: refused, nothing changed.
# shellcheck disable=SC2086
as rita expect_exit 4 $PTY "Current password for rita: " "not-it" \
	"New password for rita: " "rita-password-3" "Again: " "rita-password-3" -- \
	"$LEAD" user passwd
expect_match "$OUT" "the current password is not right; your password was not changed" \
	"a wrong current password on the terminal"
as rita2 lead_ok login rita --password-stdin <<<"rita-password-2"

# ---- from standard input ----
# Only the new password on stdin: the current one is still asked, and with
# no terminal to ask on, lead says which option to use.
as rita expect_exit 2 setsid -w "$LEAD" user passwd --password-stdin <<<"rita-password-3" \
	</dev/null
expect_match "$ERR" "use --current-password-stdin" "no terminal for the current password"
as rita expect_exit 4 "$LEAD" user passwd --current-password-stdin --password-stdin \
	<<<$'wrong-current\nrita-password-3'
expect_match "$ERR" "the current password is not right" "a wrong current password"
as rita expect_exit 2 "$LEAD" user passwd --current-password-stdin --password-stdin </dev/null
expect_match "$ERR" "no current password on standard input" "an empty standard input"
as rita lead_ok user passwd --current-password-stdin --password-stdin \
	<<<$'rita-password-2\nrita-password-3'
expect_eq "changed the password of rita" "$OUT" "passwd with both on stdin"
as rita lead_ok whoami
as rita2 expect_exit 4 "$LEAD" whoami
as rita2 expect_exit 4 "$LEAD" login rita --password-stdin <<<"rita-password-2"
as rita2 lead_ok login rita --password-stdin <<<"rita-password-3"

# ---- an admin sets another user's password: no current password ----
lead_ok user passwd rita --password-stdin <<<"rita-password-4"
expect_eq "changed the password of rita" "$OUT" "admin sets rita's password"
as rita expect_exit 4 "$LEAD" whoami
expect_match "$ERR" "expired or was revoked" "rita's session after the admin's reset"
expect_exit 2 "$LEAD" user passwd rita --current-password-stdin --password-stdin \
	<<<$'x\nrita-password-5'
expect_match "$ERR" "is for your own password" "--current-password-stdin for someone else"
as rita lead_ok login rita --password-stdin <<<"rita-password-4"
# The admin's own password needs the current one too.
lead_ok user passwd admin --current-password-stdin --password-stdin \
	<<<"$ADMIN_PASSWORD"$'\nadmin-password-2'
lead_ok whoami

stop_leadd
