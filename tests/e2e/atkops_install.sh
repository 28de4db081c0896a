# Issue 14 (atkops): what the admin and the rep meet after an install,
# checked on `cmake --install` into a staging root (DESTDIR):
#   - leadd, lead and leadtop --version each say the project's version
#     (the .deb's Version; package_deb checks it there too);
#   - bash-completion's loader finds lead's completion by the command's
#     name (it sources completions/NAME when NAME is first completed), and
#     the loaded _lead completes against a real leadd;
#   - the installed man pages render without a groff warning;
#   - a data_dir the unit leaves read-only (ProtectSystem=strict makes all
#     but /var/lib/leadd so): leadd says what to do, not only "Read-only
#     file system" (played with a read-only bind mount in a private mount
#     namespace: unshare, as root like the package test).
source "$(dirname "$0")/lib.sh"

: "${LEADTOP:?set LEADTOP to the leadtop binary}"
: "${BUILD_DIR:?set BUILD_DIR to the build directory}"
: "${PROJECT_VERSION:?set PROJECT_VERSION to the project version}"
LOADER=/usr/share/bash-completion/bash_completion
[ -r "$LOADER" ] || fail "bash-completion is not installed ($LOADER): run scripts/install-deps"

start_leadd

for prog in "$LEADD" "$LEAD" "$LEADTOP"; do
	name=$(basename "$prog")
	expect_exit 0 "$prog" --version
	expect_eq "$OUT" "$name $PROJECT_VERSION" "$name --version"
done

STAGE=$LEADD_DIR/stage
DESTDIR=$STAGE cmake --install "$BUILD_DIR" >"$LEADD_DIR/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -n 20 "$LEADD_DIR/install.log")"
[ -r "$STAGE/usr/share/bash-completion/completions/lead" ] ||
	fail "no /usr/share/bash-completion/completions/lead in the install"

# As an interactive bash would: nothing defined for lead until the loader
# is asked for it by name, then _lead, which completes commands.
OUT=$(env XDG_DATA_DIRS="$STAGE/usr/share" PATH="$(dirname "$LEAD"):$PATH" \
	BASH_COMPLETION_USER_DIR="$LEADD_DIR/none" bash --norc --noprofile -c '
source "$1"
complete -p lead >/dev/null 2>&1 && echo "lead had a completion before the loader ran"
__load_completion lead || echo "the loader found nothing for lead"
complete -p lead
COMP_WORDS=(lead logi)
COMP_CWORD=1
_lead
printf "reply: %s\n" "${COMPREPLY[@]}"
' _ "$LOADER" 2>&1)
expect_no_match "$OUT" "before the loader|found nothing" "the loader and lead's completion"
expect_match "$OUT" "^complete -F _lead lead$" "the loader's completion for lead"
expect_match "$OUT" "^reply: login$" "the loaded completion completes 'lead logi'"

for page in man1/lead.1 man1/leadtop.1 man8/leadd.8; do
	gz=$STAGE/usr/share/man/$page.gz
	[ -r "$gz" ] || fail "no /usr/share/man/$page.gz in the install"
	warn=$(zcat "$gz" | groff -man -ww -z 2>&1)
	expect_eq "$warn" "" "groff's warnings for $page"
done

RO=$LEADD_DIR/elsewhere
"$LEADD" init --data-dir "$RO" --admin boss --password-stdin <<<"ro-password-1" >/dev/null 2>&1 ||
	fail "leadd init of $RO failed"
expect_exit 1 unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
	exec timeout 20 "$2" --data-dir "$1" --set listen=127.0.0.1:0' _ "$RO" "$LEADD"
expect_match "$ERR" "cannot write in the data directory $RO: it is on a read-only file system" \
	"leadd on a read-only data directory"
expect_match "$ERR" "ReadWritePaths=$RO" "the way out it names"
out=$("$LEADD" verify --data-dir "$RO" 2>&1) || fail "leadd verify of $RO: $out"

stop_leadd
