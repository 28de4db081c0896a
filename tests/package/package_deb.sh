#!/usr/bin/env bash
# The Debian package, built and used as a new admin would (issue 14):
#   1. the "build" block of docs/operations.md's walkthrough (cpack) makes
#      the .deb; its control data, files and lintian's verdict are checked;
#   2. a fresh Debian 12 root (debootstrap minbase; a tarball of it is cached
#      under the build directory) gets the "server" block as root in a
#      chroot: `apt install ./leadd_*.deb` pulls the dependencies, `leadd init`
#      runs as root, and `systemctl start leadd` is done as the installed unit
#      does it (its ExecStart= as its User=/Group=, with its UMask=);
#   3. the "rep" block runs here, with the lead of this build, against that
#      leadd on 127.0.0.2 (another machine, as far as lead can tell);
#   4. owners, modes, the conffile and the enabled unit are checked, leadd is
#      stopped, `leadd verify` (as root) passes, a reinstall keeps the
#      admin's config, and a purge keeps the data directory and says so;
#   5. `cmake --install` with DESTDIR lays out the same files and keeps an
#      existing config file; --prefix at install time is refused;
#   6. configured for prefix /usr/local, the unit, sysusers and tmpfiles
#      files go under it and name its paths.
# The walkthrough's commands are read from docs/operations.md itself (the
# blocks after <!-- walkthrough: NAME -->), so doc and test cannot drift.
# Substitutions, as the doc's comment says: leadd.example.com and 0.0.0.0
# become 127.0.0.2, 7470 a free port; passwords are typed at the prompts
# (tests/package/pty_answer.py).
#
# usage: package_deb.sh SOURCE_DIR BUILD_DIR     (as root: debootstrap, chroot)
set -euo pipefail

SRC=${1:?source directory}
BUILD=${2:?build directory}
SRC=$(cd "$SRC" && pwd)
BUILD=$(cd "$BUILD" && pwd)
DOC=$SRC/docs/operations.md
PTY=$SRC/tests/package/pty_answer.py
PASSWORD=walkthrough-pass-1
HOST=127.0.0.2
CACHE=$BUILD/package-cache/bookworm-minbase.tar
MIRROR=http://deb.debian.org/debian
# The walkthrough over TLS: leadd with require_tls_on_loopback = yes (so
# 127.0.0.2 follows the rules of a real network address) and the rep's lead
# with LEAD_TLS=yes (127.0.0.2 is loopback, where tls = auto stays plain).
WALK_TLS=yes

WORK=""
ROOT=""
CHECKS=0

fail()
{
	echo "FAIL: $*" >&2
	if [ -n "$ROOT" ] && [ -s "$ROOT/var/log/leadd-walkthrough.log" ]; then
		echo "--- leadd's log:" >&2
		tail -n 30 "$ROOT/var/log/leadd-walkthrough.log" >&2
	fi
	exit 1
}

check()
{
	CHECKS=$((CHECKS + 1))
}

leadd_pid()
{
	[ -n "$ROOT" ] && [ -s "$ROOT/run/leadd-walkthrough.pid" ] && cat "$ROOT/run/leadd-walkthrough.pid"
}

# Whatever way the test ends: no leadd left running, nothing left mounted,
# the root removed (never across a mount: --one-file-system).
cleanup()
{
	local rc=$? pid
	pid=$(leadd_pid || true)
	if [ -n "$pid" ]; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	if [ -n "$ROOT" ] && mountpoint -q "$ROOT/proc"; then
		umount "$ROOT/proc" || umount -l "$ROOT/proc" || true
	fi
	if [ -n "$WORK" ]; then
		if [ -n "$ROOT" ] && mountpoint -q "$ROOT/proc"; then
			echo "package_deb: $ROOT/proc is still mounted; left $WORK in place" >&2
		else
			rm -rf --one-file-system "$WORK"
		fi
	fi
	[ "$rc" -eq 0 ] && echo "ok: $CHECKS checks"
	exit "$rc"
}
trap cleanup EXIT
# Killed (ctest's timeout, ^C): still clean up.
trap 'exit 143' TERM
trap 'exit 130' INT

[ "$(id -u)" -eq 0 ] || fail "this test needs root (debootstrap, chroot, mount); run ctest as root"
for tool in cpack dpkg-deb lintian debootstrap file chroot openssl; do
	command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps"
done

# /var/tmp, not /tmp: a Debian root takes some 250 MB, more than a tmpfs may hold.
WORK=$(mktemp -d /var/tmp/leadd-package.XXXXXX)

# The commands of one walkthrough block of docs/operations.md.
walkthrough_block()
{
	awk -v marker="<!-- walkthrough: $1 -->" '
		$0 == marker { state = 1; next }
		state == 1 && /^```/ { state = 2; next }
		state == 2 && /^```/ { exit }
		state == 2 { print }' "$DOC"
}

substitute()
{
	sed -e "s/leadd\.example\.com/$HOST/g" -e "s/0\.0\.0\.0/$HOST/g" -e "s/7470/$PORT/g"
}

free_port()
{
	python3 -c 'import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])' "$HOST"
}

# A command inside the root, as root, with a clean environment (nothing of
# the test's, LEADD_ALLOW_ROOT above all, leaks in).
in_root()
{
	chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

expect_stat()
{
	local path=$1 want=$2 got
	got=$(in_root stat -c '%U:%G %a' "$path") || fail "$path is missing in the root"
	[ "$got" = "$want" ] || fail "$path is $got, want $want"
	check
}

PORT=$(free_port)
for block in build server rep verify; do
	[ -n "$(walkthrough_block "$block")" ] ||
		fail "docs/operations.md has no walkthrough block '$block'"
	check
done

# ---- 1. the package ----
echo "== walkthrough: build (in $BUILD)"
rm -f "$BUILD"/leadd_*.deb
(cd "$BUILD" && timeout 600 bash -eux -c "$(walkthrough_block build)") >"$WORK/cpack.log" 2>&1 ||
	fail "the build block failed: $(tail -n 20 "$WORK/cpack.log")"
DEBS=("$BUILD"/leadd_*.deb)
[ "${#DEBS[@]}" -eq 1 ] && [ -f "${DEBS[0]}" ] || fail "cpack made no single leadd_*.deb"
DEB=${DEBS[0]}
check

depends=$(dpkg-deb -f "$DEB" Depends)
for dep in libuv1 liblmdb0 libsodium23 libprotobuf-c1 libncursesw6 systemd init-system-helpers procps; do
	[[ "$depends" == *"$dep"* ]] || fail "Depends lacks $dep: $depends"
	check
done
mkdir "$WORK/ctl" "$WORK/deb"
dpkg-deb -e "$DEB" "$WORK/ctl"
dpkg-deb -x "$DEB" "$WORK/deb"
[ "$(cat "$WORK/ctl/conffiles")" = /etc/leadd/leadd.conf ] ||
	fail "conffiles holds '$(cat "$WORK/ctl/conffiles")', want /etc/leadd/leadd.conf"
check
for script in postinst prerm postrm; do
	[ -x "$WORK/ctl/$script" ] || fail "the package has no executable $script"
	check
done
for f in usr/bin/leadd usr/bin/lead usr/bin/leadtop; do
	info=$(file -b "$WORK/deb/$f")
	[[ "$info" == *ELF* && "$info" == *", stripped"* ]] || fail "$f is not a stripped binary: $info"
	check
done
for f in lib/systemd/system/leadd.service usr/lib/sysusers.d/leadd.conf \
	usr/share/bash-completion/completions/lead \
	usr/lib/tmpfiles.d/leadd.conf etc/leadd/leadd.conf usr/share/doc/leadd/copyright \
	usr/share/doc/leadd/operations.md usr/share/doc/leadd/examples/leadd.conf; do
	[ -f "$WORK/deb/$f" ] || fail "the package lacks /$f"
	check
done
for f in usr/share/man/man1/lead.1.gz usr/share/man/man1/leadtop.1.gz \
	usr/share/man/man8/leadd.8.gz usr/share/doc/leadd/changelog.gz; do
	gzip -t "$WORK/deb/$f" 2>/dev/null || fail "/$f is missing or not gzip"
	check
done
grep -qx 'ExecStart=/usr/bin/leadd --config /etc/leadd/leadd.conf' \
	"$WORK/deb/lib/systemd/system/leadd.service" || fail "the unit does not run /usr/bin/leadd"
check
grep -qx 'd /var/lib/leadd 0700 leadd leadd -' "$WORK/deb/usr/lib/tmpfiles.d/leadd.conf" ||
	fail "the tmpfiles file does not make /var/lib/leadd"
check

# lintian runs as root here; it says that is not recommended, on stderr.
# Errors and warnings fail, and so does any info tag not named here with
# the reason it stays:
#   package-supports-alternative-init-but-no-init.d-script: leadd is a
#   systemd service (Type=notify, the watchdog); the package needs systemd.
lintian -I --no-tag-display-limit "$DEB" >"$WORK/lintian.log" 2>/dev/null || true
cat "$WORK/lintian.log"
if grep -Eq '^(E|W):' "$WORK/lintian.log"; then
	fail "lintian reports errors or warnings (above)"
fi
check
if grep '^I:' "$WORK/lintian.log" | grep -v ' package-supports-alternative-init-but-no-init.d-script '; then
	fail "lintian reports info tags (above) nobody has decided about"
fi
check

# ---- 2. a fresh Debian 12 root ----
ROOT=$WORK/root
mkdir "$ROOT"
if [ -s "$CACHE" ]; then
	echo "== root from $CACHE"
	tar -xf "$CACHE" -C "$ROOT"
else
	echo "== debootstrap --variant=minbase bookworm (cached in $CACHE afterwards)"
	timeout 900 debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
		fail "debootstrap failed: $(tail -n 20 "$WORK/debootstrap.log")"
	mkdir -p "$(dirname "$CACHE")"
	tar -cf "$CACHE.tmp" -C "$ROOT" . && mv "$CACHE.tmp" "$CACHE"
fi
mount -t proc proc "$ROOT/proc"
# apt on the server is asked nothing by the test: its "Do you want to
# continue?" is answered by configuration, not by editing the doc's command.
echo 'APT::Get::Assume-Yes "true";' >"$ROOT/etc/apt/apt.conf.d/90walkthrough"
timeout 300 chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	apt-get update -q >"$WORK/apt-update.log" 2>&1 ||
	fail "apt-get update in the root failed: $(tail -n 20 "$WORK/apt-update.log")"
cp "$DEB" "$ROOT/root/"

# `systemctl start leadd` as systemd would do it, from the installed unit.
cat >"$ROOT/root/walkthrough-prelude.sh" <<EOF
systemctl()
{
	{ set +x; } 2>/dev/null
	local unit=/lib/systemd/system/leadd.service user group mask cmd i pid
	if [ "\${2%.service}" != leadd ]; then
		echo "walkthrough: the test does only 'systemctl start|reload|stop leadd', not 'systemctl \$*'" >&2
		return 1
	fi
	user=\$(sed -n 's/^User=//p' \$unit)
	group=\$(sed -n 's/^Group=//p' \$unit)
	case "\$1" in
	start) ;;
	reload)
		# As systemd does it: the unit's ExecReload= with \$MAINPID, as User=.
		pid=\$(cat /run/leadd-walkthrough.pid)
		cmd=\$(sed -n 's/^ExecReload=//p' \$unit)
		if [ -z "\$cmd" ]; then
			echo "walkthrough: the unit has no ExecReload=: systemctl reload leadd fails" >&2
			return 1
		fi
		cmd=\${cmd//'\$MAINPID'/\$pid}
		setpriv --reuid="\$user" --regid="\$group" --init-groups -- \$cmd
		return
		;;
	stop)
		# SIGTERM, as KillMode= does; TimeoutStopSec= bounds the wait.
		pid=\$(cat /run/leadd-walkthrough.pid)
		kill -TERM "\$pid"
		for ((i = 0; i < 150; i++)); do
			kill -0 "\$pid" 2>/dev/null || { rm -f /run/leadd-walkthrough.pid; return 0; }
			sleep 0.1
		done
		echo "walkthrough: leadd did not stop within 15 s of SIGTERM" >&2
		return 1
		;;
	*)
		echo "walkthrough: the test does only 'systemctl start|reload|stop leadd', not 'systemctl \$*'" >&2
		return 1
		;;
	esac
	mask=\$(sed -n 's/^UMask=//p' \$unit)
	cmd=\$(sed -n 's/^ExecStart=//p' \$unit)
	if [ "$WALK_TLS" = yes ]; then
		echo 'require_tls_on_loopback = yes' >>/etc/leadd/leadd.conf
	fi
	( umask "\$mask"; export STATE_DIRECTORY=/var/lib/leadd
	  exec setsid setpriv --reuid="\$user" --regid="\$group" --init-groups -- \$cmd
	) </dev/null >>/var/log/leadd-walkthrough.log 2>&1 &
	echo \$! >/run/leadd-walkthrough.pid
	# Type=notify: systemctl start returns once leadd listens.
	for ((i = 0; i < 100; i++)); do
		if (exec 3<>/dev/tcp/$HOST/$PORT) 2>/dev/null; then
			return 0
		fi
		kill -0 \$! 2>/dev/null || { echo "walkthrough: leadd exited at start" >&2; return 1; }
		sleep 0.1
	done
	echo "walkthrough: leadd does not listen on $HOST:$PORT after 10 s" >&2
	return 1
}
EOF
{
	cat "$ROOT/root/walkthrough-prelude.sh"
	echo 'set -eux'
	walkthrough_block server | substitute
} >"$ROOT/root/walkthrough-server.sh"

echo "== walkthrough: server (as root in the root)"
timeout 900 python3 "$PTY" 900 "$PASSWORD" chroot "$ROOT" /usr/bin/env -i HOME=/root \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb \
	/bin/bash -c 'cd /root && bash walkthrough-server.sh' 2>&1 | tr -d '\r' >"$WORK/server.log" ||
	{ cat "$WORK/server.log"; fail "the server block failed (above)"; }
cat "$WORK/server.log"
grep -q "^leadd $(dpkg-deb -f "$DEB" Version)" "$WORK/server.log" ||
	fail "leadd --version does not print the package's version"
check
grep -q "leadd init: created admin 'admin'" "$WORK/server.log" || fail "leadd init created no admin"
check
grep -q "leadd: not started: create the first admin" "$WORK/server.log" ||
	fail "the postinst did not say leadd waits for its first admin"
check

# What the package and root's init made, and who runs leadd.
expect_stat /etc/leadd "root:leadd 750"
expect_stat /etc/leadd/leadd.conf "root:root 644"
expect_stat /var/lib/leadd "leadd:leadd 700"
expect_stat /var/lib/leadd/data.mdb "leadd:leadd 600"
expect_stat /var/lib/leadd/tls.key "leadd:leadd 600"
expect_stat /var/lib/leadd/tls.crt "leadd:leadd 600"
# The fingerprint init printed, the one `leadd fingerprint` prints (as root,
# from the installed config) and the certificate's own (the docs' openssl
# line) are one.
fp=$(openssl x509 -in "$ROOT/var/lib/leadd/tls.crt" -outform DER | openssl dgst -sha256 -binary |
	base64 | tr -d =)
grep -qx "TLS certificate fingerprint: SHA256:$fp" "$WORK/server.log" ||
	fail "leadd init did not print the certificate's fingerprint SHA256:$fp"
check
grep -qx "SHA256:$fp" "$WORK/server.log" || fail "leadd fingerprint did not print SHA256:$fp"
check
[ -z "$(find "$ROOT/var/lib/leadd" -uid 0)" ] || fail "root owns files in /var/lib/leadd"
check
in_root dpkg-query -W -f='${Conffiles}\n' leadd | grep -q '^ /etc/leadd/leadd.conf ' ||
	fail "dpkg does not list /etc/leadd/leadd.conf as a conffile"
check
[ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/leadd.service")" = \
	/lib/systemd/system/leadd.service ] || fail "the unit is not enabled"
check
leadd_uid=$(in_root id -u leadd)
((leadd_uid < 1000)) || fail "leadd is not a system user (uid $leadd_uid)"
check
pid=$(leadd_pid) || fail "no leadd was started"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$leadd_uid" ] ||
	fail "leadd (pid $pid) does not run as the user leadd"
check
# The package's Depends are enough on a minimal root: every library of the
# three programs resolves, and each says the package's version.
version=$(dpkg-deb -f "$DEB" Version)
for prog in leadd lead leadtop; do
	out=$(in_root ldd "/usr/bin/$prog" 2>&1) || fail "ldd /usr/bin/$prog: $out"
	[[ "$out" != *"not found"* ]] || fail "/usr/bin/$prog lacks a library in the root: $out"
	check
	out=$(in_root "/usr/bin/$prog" --version 2>&1) || fail "$prog --version failed: $out"
	[[ "$out" == "$prog $version"* ]] || fail "$prog --version says '$out', the package is $version"
	check
done
# A second init, as root, while leadd runs: refused with a sentence, and
# nothing of root's left behind.
out=$(in_root leadd init --admin second --password-stdin <<<"$PASSWORD" 2>&1) &&
	fail "a second leadd init was accepted: $out"
[[ "$out" == *"in use by another leadd"* ]] || fail "a second leadd init said: $out"
[ -z "$(find "$ROOT/var/lib/leadd" -uid 0)" ] || fail "the refused second init left root's files"
check
out=$(in_root leadd --config /etc/leadd/leadd.conf 2>&1) && fail "leadd ran as root: $out"
[[ "$out" == *"refusing to run as root"* ]] || fail "root's leadd said: $out"
check

# Root's init, the other ways it can find things: a data directory that
# is missing is made the service's; one that is another user's is refused
# with the chown that fixes it; without the user leadd, it says how to
# make it (once leadd is stopped: usermod will not rename a user that runs
# a process). None of them may leave a file of root's behind.
out=$(in_root leadd init --data-dir /var/lib/leadd-second --admin boss --password-stdin \
	<<<"$PASSWORD" 2>&1) || fail "root's init of a missing directory failed: $out"
[[ "$out" == *"created the data directory /var/lib/leadd-second (owner leadd, mode 0700)"* ]] ||
	fail "root's init of a missing directory said: $out"
expect_stat /var/lib/leadd-second "leadd:leadd 700"
expect_stat /var/lib/leadd-second/data.mdb "leadd:leadd 600"
[ -z "$(find "$ROOT/var/lib/leadd-second" -uid 0)" ] || fail "root's init left root's files"
check
mkdir -m 0755 "$ROOT/srv/roots"
out=$(in_root leadd init --data-dir /srv/roots --admin boss --password-stdin <<<"$PASSWORD" 2>&1) &&
	fail "root's init took a directory of root's: $out"
[[ "$out" == *"belongs to root, not leadd"*"chown -R leadd:leadd /srv/roots"* ]] ||
	fail "root's init of root's directory said: $out"
[ -z "$(ls -A "$ROOT/srv/roots")" ] || fail "the refused init wrote into /srv/roots"
check

# ---- 3. a rep's machine ----
echo "== walkthrough: rep (here, against $HOST:$PORT)"
mkdir "$WORK/rep"
rep_env=(env -u LEAD_SERVER -u LEAD_TLS LEAD_CONFIG_DIR="$WORK/rep" PATH="$BUILD/client:$PATH" TERM=dumb)
if [ "$WALK_TLS" = yes ]; then
	rep_env+=(LEAD_TLS=yes)
fi
timeout 150 "${rep_env[@]}" python3 "$PTY" 120 "$PASSWORD" bash -eux -c \
	"$(walkthrough_block rep | substitute)" 2>&1 | tr -d '\r' >"$WORK/rep.log" ||
	{ cat "$WORK/rep.log"; fail "the rep block failed (above)"; }
cat "$WORK/rep.log"
grep -q "^lead $(dpkg-deb -f "$DEB" Version)" "$WORK/rep.log" || fail "lead --version is not the package's"
check
grep -q "logged in as rahul" "$WORK/rep.log" || fail "rahul did not log in"
check
if [ "$WALK_TLS" = yes ]; then
	# Over TLS, the first login showed the fingerprint the admin printed.
	grep -q "SHA256:$fp" "$WORK/rep.log" || fail "lead login did not show SHA256:$fp"
	check
	grep -q "^$HOST:$PORT SHA256:$fp\$" "$WORK/rep/known_servers" ||
		fail "known_servers does not hold $HOST:$PORT SHA256:$fp"
	check
	grep -q "^connection: TLS" "$WORK/rep.log" || fail "lead whoami does not say the connection is TLS"
	check
	# The installed leadd takes TLS only there: plain TCP gets the sentence.
	out=$(env LEAD_CONFIG_DIR="$WORK/rep" LEAD_TLS=no timeout 20 "$BUILD/client/lead" \
		--server "$HOST:$PORT" ping 2>&1) && fail "a plaintext lead ping was answered: $out"
	[[ "$out" == *"takes TLS connections only"* ]] || fail "a plaintext lead ping got: $out"
	check
fi
grep -Eq "^user: +rahul" "$WORK/rep.log" || fail "lead whoami does not show rahul"
check

# `systemctl reload leadd` (docs/operations.md, TLS: renewing) as the unit
# does it, on the root's own programs: leadd reloads its pair and a new
# connection is still served.
out=$(in_root bash -c '. /root/walkthrough-prelude.sh && systemctl reload leadd' 2>&1) ||
	fail "systemctl reload leadd failed: $out"
for ((i = 0; i < 50; i++)); do
	grep -q "SIGHUP: reloaded the TLS certificate" "$ROOT/var/log/leadd-walkthrough.log" && break
	sleep 0.1
done
grep -q "SIGHUP: reloaded the TLS certificate" "$ROOT/var/log/leadd-walkthrough.log" ||
	fail "systemctl reload leadd did not reload the TLS pair"
check
out=$(env LEAD_CONFIG_DIR="$WORK/rep" LEAD_TLS=yes timeout 20 "$BUILD/client/lead" \
	--server "$HOST:$PORT" whoami 2>&1) || fail "lead whoami after the reload: $out"
check
# The installed unit as systemd reads it (no man pages in a minimal root).
out=$(in_root systemd-analyze verify --man=no /lib/systemd/system/leadd.service 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complains: $out"
check

# ---- 4. stop, verify, reinstall, purge ----
# docs/operations.md's "Checking the data" block, as written, as root.
{
	cat "$ROOT/root/walkthrough-prelude.sh"
	echo 'set -eux'
	walkthrough_block verify
} >"$ROOT/root/walkthrough-verify.sh"
out=$(in_root timeout 120 bash /root/walkthrough-verify.sh 2>&1) ||
	fail "the verify block of docs/operations.md failed: $out"
kill -0 "$pid" 2>/dev/null && fail "leadd still runs after the verify block's systemctl stop"
grep -q "stopped cleanly" "$ROOT/var/log/leadd-walkthrough.log" || fail "leadd did not stop cleanly"
check
[[ "$out" == *"verify: OK:"* ]] || fail "the verify block printed no OK: $out"
check
# A config without data_dir (its comment says leadd then uses the unit's
# $STATE_DIRECTORY): root's init, verify and fingerprint still act on
# /var/lib/leadd, the service's data, never on root's ~/.local/state/leadd
# (an admin there would be one the service never sees).
grep -v '^data_dir' "$ROOT/etc/leadd/leadd.conf" >"$ROOT/root/no-data-dir.conf"
out=$(in_root leadd init --config /root/no-data-dir.conf --admin boss --password-stdin \
	<<<"$PASSWORD" 2>&1) && fail "root's init without data_dir made another admin: $out"
[[ "$out" == *"/var/lib/leadd already has users"* ]] ||
	fail "root's init without data_dir said: $out"
[ ! -e "$ROOT/root/.local/state/leadd" ] || fail "root's init without data_dir made /root/.local/state/leadd"
check
out=$(in_root leadd fingerprint --config /root/no-data-dir.conf 2>&1) ||
	fail "root's leadd fingerprint without data_dir: $out"
[ "$out" = "SHA256:$fp" ] || fail "root's leadd fingerprint without data_dir printed: $out"
check
# The other way the doc gives, for a user who is not root.
out=$(in_root runuser -u leadd -- leadd verify --data-dir /var/lib/leadd 2>&1) ||
	fail "runuser -u leadd -- leadd verify: $out"
check
[ -z "$(find "$ROOT/var/lib/leadd" -uid 0)" ] || fail "root's leadd verify left root's files"
check
in_root usermod -l leadd-renamed leadd
out=$(in_root leadd init --data-dir /var/lib/leadd-third --admin boss --password-stdin \
	<<<"$PASSWORD" 2>&1) && fail "root's init ran without the user leadd: $out"
in_root usermod -l leadd leadd-renamed
[[ "$out" == *"that user does not exist: install the leadd package, or run 'systemd-sysusers'"* ]] ||
	fail "root's init without the user leadd said: $out"
[ ! -e "$ROOT/var/lib/leadd-third" ] || fail "root's init without the user made its directory"
check

listen=$(grep '^listen' "$ROOT/etc/leadd/leadd.conf")
timeout 300 chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive apt-get install --reinstall "/root/$(basename "$DEB")" \
	>"$WORK/reinstall.log" 2>&1 || fail "reinstall failed: $(tail -n 20 "$WORK/reinstall.log")"
[ "$(grep '^listen' "$ROOT/etc/leadd/leadd.conf")" = "$listen" ] ||
	fail "the reinstall replaced the admin's config"
check

# Removed (not purged), then installed again, on a machine where systemd
# runs: the data directory holds the team's leads, so leadd must be started
# again, as on a first install with data (docs/operations.md). systemd is
# played by a systemctl (the real one diverted aside meanwhile) that logs
# what it is asked and says the unit is enabled and not running.
timeout 300 chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive apt-get remove leadd >"$WORK/remove.log" 2>&1 ||
	fail "remove failed: $(tail -n 20 "$WORK/remove.log")"
mkdir -p "$ROOT/run/systemd/system"
in_root dpkg-divert --quiet --local --rename --add /usr/bin/systemctl
cat >"$ROOT/usr/bin/systemctl" <<'EOF2'
#!/bin/sh
echo "systemctl $*" >>/run/walkthrough-systemctl.log
case " $* " in
*" is-enabled "*) echo enabled ;;
*" is-active "*) exit 3 ;;
*" --version "*) echo "systemd 252 (252)" ;;
esac
exit 0
EOF2
chmod 0755 "$ROOT/usr/bin/systemctl"
timeout 300 chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive apt-get install "/root/$(basename "$DEB")" \
	>"$WORK/install-again.log" 2>&1 || fail "install after remove failed: $(tail -n 20 "$WORK/install-again.log")"
systemctl_log=$(cat "$ROOT/run/walkthrough-systemctl.log" 2>/dev/null || true)
rm -f "$ROOT/run/walkthrough-systemctl.log"
[[ "$systemctl_log" == *"start leadd.service"* && "$systemctl_log" != *"try-restart"* ]] ||
	fail "installed again after a remove, with its data there, leadd was not started; systemctl was asked: $systemctl_log; apt said: $(tail -n 15 "$WORK/install-again.log")"
check

# An upgrade (the same package as version VERSION+1, repacked) over a
# config the admin edited: dpkg keeps the admin's file, and postinst only
# try-restarts leadd (started only if it was running). Then postinst run
# once more by hand changes nothing and succeeds.
echo "# the admin's line" >>"$ROOT/etc/leadd/leadd.conf"
conf_before=$(cat "$ROOT/etc/leadd/leadd.conf")
mkdir "$WORK/up"
dpkg-deb -R "$DEB" "$WORK/up/pkg"
sed -i "s/^Version: .*/Version: $version+1/" "$WORK/up/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -b "$WORK/up/pkg" "$ROOT/root/leadd-upgrade.deb" >/dev/null
timeout 300 chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive apt-get install /root/leadd-upgrade.deb \
	>"$WORK/upgrade.log" 2>&1 || fail "the upgrade failed: $(tail -n 20 "$WORK/upgrade.log")"
systemctl_log=$(cat "$ROOT/run/walkthrough-systemctl.log" 2>/dev/null || true)
rm -f "$ROOT/run/walkthrough-systemctl.log"
[[ "$systemctl_log" == *"try-restart leadd.service"* && "$systemctl_log" != *" start leadd"* ]] ||
	fail "the upgrade did not (only) try-restart leadd; systemctl was asked: $systemctl_log"
check
[ "$(in_root dpkg-query -W -f='${Version}' leadd)" = "$version+1" ] || fail "the upgrade did not install $version+1"
[ "$(cat "$ROOT/etc/leadd/leadd.conf")" = "$conf_before" ] || fail "the upgrade replaced the admin's config"
check
out=$(in_root /var/lib/dpkg/info/leadd.postinst configure "$version+1" 2>&1) ||
	fail "postinst run a second time failed: $out"
expect_stat /etc/leadd "root:leadd 750"
expect_stat /var/lib/leadd "leadd:leadd 700"
expect_stat /var/lib/leadd/data.mdb "leadd:leadd 600"
[ "$(in_root id -u leadd)" = "$leadd_uid" ] || fail "postinst run twice changed the user leadd"
[ "$(readlink "$ROOT/etc/systemd/system/multi-user.target.wants/leadd.service")" = \
	/lib/systemd/system/leadd.service ] || fail "postinst run twice left the unit disabled"
check
rm -rf "$ROOT/usr/bin/systemctl" "$ROOT/run/systemd" "$ROOT/run/walkthrough-systemctl.log"
in_root dpkg-divert --quiet --local --rename --remove /usr/bin/systemctl
timeout 300 chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive apt-get purge leadd >"$WORK/purge.log" 2>&1 ||
	fail "purge failed: $(tail -n 20 "$WORK/purge.log")"
grep -q "purge keeps the data directory /var/lib/leadd" "$WORK/purge.log" ||
	fail "the purge did not say it keeps the data directory: $(cat "$WORK/purge.log")"
check
[ -s "$ROOT/var/lib/leadd/data.mdb" ] || fail "the purge removed the data"
check
[ ! -e "$ROOT/etc/leadd/leadd.conf" ] || fail "the purge left the conffile"
check
[ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/leadd.service" ] ||
	fail "the purge left the unit enabled"
check

# ---- 5. cmake --install ----
stage=$WORK/stage
DESTDIR=$stage cmake --install "$BUILD" >"$WORK/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -n 20 "$WORK/install.log")"
for f in usr/bin/leadd usr/bin/lead usr/bin/leadtop lib/systemd/system/leadd.service \
	usr/lib/sysusers.d/leadd.conf usr/lib/tmpfiles.d/leadd.conf etc/leadd/leadd.conf \
	usr/share/man/man8/leadd.8.gz usr/share/doc/leadd/operations.md; do
	[ -e "$stage/$f" ] || fail "cmake --install did not install /$f"
	check
done
echo "# the admin's" >"$stage/etc/leadd/leadd.conf"
DESTDIR=$stage cmake --install "$BUILD" >"$WORK/install2.log" 2>&1 || fail "second cmake --install failed"
[ "$(cat "$stage/etc/leadd/leadd.conf")" = "# the admin's" ] ||
	fail "cmake --install replaced an existing /etc/leadd/leadd.conf"
check
out=$(DESTDIR=$WORK/stage2 cmake --install "$BUILD" --prefix /opt/leadd 2>&1) &&
	fail "cmake --install --prefix /opt/leadd was not refused"
[[ "$out" == *"-DCMAKE_INSTALL_PREFIX=/opt/leadd"* ]] || fail "--prefix refused with: $out"
check

# ---- 6. another prefix ----
pb=$WORK/prefix-build
cmake -S "$SRC" -B "$pb" -DCMAKE_INSTALL_PREFIX=/usr/local >"$WORK/prefix.log" 2>&1 ||
	fail "configuring with prefix /usr/local failed: $(tail -n 20 "$WORK/prefix.log")"
grep -qx 'ExecStart=/usr/local/bin/leadd --config /usr/local/etc/leadd/leadd.conf' \
	"$pb/packaging/leadd.service" || fail "the /usr/local unit does not run /usr/local/bin/leadd"
check
grep -qx 'd /usr/local/etc/leadd 0750 root leadd -' "$pb/packaging/leadd.tmpfiles" ||
	fail "the /usr/local tmpfiles file does not make /usr/local/etc/leadd"
check
for dir in /usr/local/lib/systemd/system /usr/local/lib/sysusers.d /usr/local/lib/tmpfiles.d; do
	grep -q "\"$dir\"" "$pb/packaging/cmake_install.cmake" ||
		fail "with prefix /usr/local nothing is installed in $dir"
	check
done
