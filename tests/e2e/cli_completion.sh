# lead's bash completion, driven as bash drives it: the script the build
# wrote ($COMPLETION, from `lead completion bash`) is sourced in a fresh
# bash (-u: no unset variable in it), COMP_WORDS/COMP_CWORD are set and
# _lead is called. Every command of `lead --json help` is offered, every
# command's options (its usage line's, and FILTERS), status and user names
# from the server when logged in; nothing, no error and no wait without a
# session or a server. And lead ping, which needs no login.
source "$(dirname "$0")/lib.sh"

: "${COMPLETION:?set COMPLETION to the generated completion script}"
[ -r "$COMPLETION" ] || fail "the build wrote no completion script at $COMPLETION"

# comp WORD...: what _lead offers for `lead WORD...` with the cursor on the
# last word; one a line in $OUT. Fails when _lead says anything on stderr.
comp()
{
	local e
	e=$(mktemp)
	OUT=$(bash --norc --noprofile -u -c '
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_lead
if ((${#COMPREPLY[@]})); then printf "%s\n" "${COMPREPLY[@]}"; fi
for v in _lead_cur _lead_pre _lead_bin _lead_global _lead_path _lead_subs _lead_opts _lead_vals _lead_args; do
	if [[ -v $v ]]; then echo "_lead left $v behind in the shell" >&2; fi
done
' _ "$COMPLETION" "$LEAD" "$@" 2>"$e") || {
		local msg
		msg=$(cat "$e")
		rm -f "$e"
		fail "completing 'lead $*' failed: $msg"
	}
	ERR=$(cat "$e")
	rm -f "$e"
	[ -z "$ERR" ] || fail "completing 'lead $*' printed on stderr: $ERR"
	CHECKS=$((CHECKS + 1))
}

# sorted WORDS...: the words, one a line, sorted and without repeats.
sorted()
{
	tr ' ' '\n' <<<"$*" | sed '/^$/d' | sort -u
}

start_leadd

# The build's script is what `lead completion bash` prints, and bash reads it.
lead_ok completion bash
expect_eq "$OUT" "$(cat "$COMPLETION")" "the generated script against lead completion bash"
bash -n "$COMPLETION" || fail "bash -n finds errors in $COMPLETION"
expect_exit 2 "$LEAD" completion words nonsense
expect_match "$ERR" "'nonsense' is not a kind of words: statuses, prospects or users" "a wrong kind of words"

lead_ok --json help
TABLE=$OUT

# Every command at the first word, and nothing else.
comp ""
expect_eq "$("$PYTHON" -c '
import json, sys
for c in json.load(sys.stdin)["commands"]:
    print(c["name"])' <<<"$TABLE" | sort -u)" "$(sort -u <<<"$OUT")" "the commands offered"
comp sta
expect_eq "$(sorted standby status statuses stats)" "$(sort -u <<<"$OUT")" "commands starting with sta"
# The global options, from lead's own getopt table.
comp --
expect_eq "$(sorted --server --json --timeout --help --version)" "$(sort -u <<<"$OUT")" \
	"the global options"
# After a global option and its value (host:port comes in three words).
comp --server 127.0.0.1 : 7470 --timeout 500 whoa
expect_eq whoami "$OUT" "a command after global options"
comp --timeout ""
expect_eq "" "$OUT" "nothing offered for --timeout's value"

# Each command's options and each family's subcommands, walking the table:
# the options are those its usage line (and FILTERS) shows, with --help
# and --json, which every command takes.
CASES=$("$PYTHON" -c '
import json, re, sys
def opts(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])(?![\w-])", text))
def walk(c):
    if c["subcommands"]:
        print("subs\t%s\t%s" % (c["name"], " ".join(s["name"].split()[-1] for s in c["subcommands"])))
        for s in c["subcommands"]:
            walk(s)
        return
    o = opts(c["usage"][len("lead " + c["name"]):] + " " + (c["filters"] or "")) | {"--help", "--json"}
    print("opts\t%s\t%s" % (c["name"], " ".join(sorted(o))))
for c in json.load(sys.stdin)["commands"]:
    walk(c)
' <<<"$TABLE")
[ "$(grep -c '^opts' <<<"$CASES")" -ge 60 ] || fail "too few commands in the table: $CASES"
while IFS=$'\t' read -r kind name want; do
	if [ "$kind" = subs ]; then
		# shellcheck disable=SC2086 # the name is words: "admin status"
		comp $name ""
		expect_eq "$(sorted "$want")" "$(sort -u <<<"$OUT")" "the subcommands of lead $name"
	else
		# shellcheck disable=SC2086
		comp $name -
		expect_eq "$(sorted "$want")" "$(sort -u <<<"$OUT")" "the options of lead $name"
	fi
done <<<"$CASES"

# Options by prefix, after an argument, through an alias (list is ls), and
# none after --.
comp ls --so
expect_eq "$(sorted --sort --source)" "$(sort -u <<<"$OUT")" "lead ls --so"
comp list --so
expect_eq "$(sorted --sort --source)" "$(sort -u <<<"$OUT")" "lead list --so"
comp user add bob --pa
expect_eq --password-stdin "$OUT" "an option after an argument"
comp note 5 -- --
expect_eq "" "$OUT" "nothing after --"
# Values the usage line names: rep|manager|admin, -o wide, none.
comp user add bob --role ""
expect_eq "$(sorted rep manager admin)" "$(sort -u <<<"$OUT")" "lead user add --role"
comp user add bob --role m
expect_eq manager "$OUT" "lead user add --role m"
comp user add bob --role = m
expect_eq manager "$OUT" "lead user add --role=m"
comp ls -o ""
expect_eq wide "$OUT" "lead ls -o"
comp edit 5 --value ""
expect_eq none "$OUT" "lead edit --value"
comp admin status add New --stage c
expect_eq customer "$OUT" "lead admin status add --stage c"
# An option's value is not an argument: --role's value does not move the
# cursor's argument on.
comp user add --role rep --pa
expect_eq --password-stdin "$OUT" "after an option's value"
# lead help walks the command paths.
comp help us
expect_eq user "$OUT" "lead help us"
comp help admin status ""
expect_eq "$(sorted add edit rm)" "$(sort -u <<<"$OUT")" "lead help admin status"
comp help nonsense ""
expect_eq "" "$OUT" "lead help with an unknown command"
comp nonsense ""
expect_eq "" "$OUT" "an unknown command"

# Status names from the server, when logged in.
lead_ok --json statuses
STATUSES=$(json '"\n".join(s["name"] for s in d["statuses"])' <<<"$OUT" | sort -u)
[ "$(wc -l <<<"$STATUSES")" -ge 3 ] || fail "too few statuses: $STATUSES"
comp status 1 ""
expect_eq "$STATUSES" "$(sort -u <<<"$OUT")" "lead status ID: the server's statuses"
comp ls --status ""
expect_eq "$STATUSES" "$(sort -u <<<"$OUT")" "lead ls --status"
comp ls --status = ""
expect_eq "$STATUSES" "$(sort -u <<<"$OUT")" "lead ls --status="
comp admin status rm ""
expect_eq "$STATUSES" "$(sort -u <<<"$OUT")" "lead admin status rm"
first=$(head -n 1 <<<"$STATUSES")
prefix=${first:0:4}
comp status 1 "$prefix"
expect_eq "$(awk -v p="$prefix" 'index($0, p) == 1' <<<"$STATUSES")" "$(sort -u <<<"$OUT")" \
	"the statuses starting with $prefix"
# lead convert --to PROSPECT: only the statuses a conversion may go to
# (prospect stage, not dead or lost), from lead statuses' own list.
lead_ok --json statuses
PROSPECTS=$(json '"\n".join(s["name"] for s in d["statuses"] if s["stage"] == "prospect" and s["kpi"] not in ("dead", "lost"))' <<<"$OUT" | sort -u)
[ -n "$PROSPECTS" ] || fail "no prospect-stage status to offer"
comp convert 1 --to ""
expect_eq "$PROSPECTS" "$(sort -u <<<"$OUT")" "lead convert --to: the statuses a conversion may go to"
expect_no_match "$OUT" "lead-New" "... no lead-stage status"
expect_no_match "$OUT" "prospect-Lost" "... no lost one"
# A status name with a space is offered quoted, as one word.
lead_ok admin status add "Hot lead" --stage lead --probability 20 --class qualified
comp status 1 Hot
expect_eq 'Hot\ lead' "$OUT" "a status name with a space"

# User names from the server: an admin sees every user.
lead_ok user add bob --role rep --password-stdin <<<"bob-password-1"
lead_ok user add carol --role rep --password-stdin <<<"carol-password-1"
comp assign 1 --to ""
expect_eq "$(sorted admin bob carol)" "$(sort -u <<<"$OUT")" "lead assign --to: the users"
comp ls --owner b
expect_eq bob "$OUT" "lead ls --owner b"
comp task 1 "call back" --due tomorrow --for c
expect_eq carol "$OUT" "lead task --for c"
# A rep may not list users: only their own name, and no error.
REP_CFG="$LEADD_DIR/cfg-bob"
mkdir -p "$REP_CFG"
LEAD_CONFIG_DIR="$REP_CFG" lead_ok login bob --password-stdin <<<"bob-password-1"
LEAD_CONFIG_DIR="$REP_CFG" comp ls --owner ""
expect_eq bob "$OUT" "a rep's user names"
LEAD_CONFIG_DIR="$REP_CFG" expect_exit 0 "$LEAD" completion words users
expect_eq bob "$OUT" "lead completion words users as a rep"
expect_eq "" "$ERR" "nothing on stderr for a rep's user names"

# Not logged in: nothing, no error, exit 0, at once.
EMPTY_CFG="$LEADD_DIR/cfg-none"
mkdir -p "$EMPTY_CFG"
LEAD_CONFIG_DIR="$EMPTY_CFG" expect_exit 0 "$LEAD" completion words statuses
expect_eq "" "$OUT$ERR" "lead completion words without a session"
start=$(date +%s%N)
LEAD_CONFIG_DIR="$EMPTY_CFG" comp status 1 ""
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "" "$OUT" "statuses without a session"
[ "$elapsed_ms" -lt 1000 ] || fail "completing without a session took $elapsed_ms ms"

# lead ping needs no login: a health check.
LEAD_CONFIG_DIR="$EMPTY_CFG" lead_ok ping
expect_match "$OUT" "^pong from 127\.0\.0\.1:[0-9]+ \(server version [^ ]+, RTT [0-9.]+ ms\)$" \
	"lead ping without a session"
LEAD_CONFIG_DIR="$EMPTY_CFG" lead_ok --json ping
expect_match "$(json 'd["rtt_ms"] >= 0' <<<"$OUT")" '^true$' "lead --json ping without a session"
# Nor a session that no longer holds: a ping after the session ended.
lead_ok user disable bob
LEAD_CONFIG_DIR="$REP_CFG" expect_exit 4 "$LEAD" whoami
LEAD_CONFIG_DIR="$REP_CFG" lead_ok ping
expect_match "$OUT" "^pong from " "lead ping with a revoked session"

# A server that accepts and never answers: the words give up after their
# 1 s a round trip, whatever --timeout says, and say nothing.
start_silent_server
# A session goes only to the server it names (cli_session_server.sh): this
# one names the silent server, so that the words do try it.
silent_cfg=$silent_dir/cfg
mkdir -m 700 "$silent_cfg"
sed "s/^server = .*/server = 127.0.0.1:$silent/" "$LEAD_CONFIG_DIR/session" >"$silent_cfg/session"
start=$(date +%s%N)
LEAD_CONFIG_DIR=$silent_cfg expect_exit 0 "$LEAD" --server "127.0.0.1:$silent" --timeout 60000 completion words users
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "" "$OUT$ERR" "a silent server's words"
[ "$elapsed_ms" -lt 2500 ] || fail "the words of a silent server took $elapsed_ms ms"
start=$(date +%s%N)
LEAD_CONFIG_DIR=$silent_cfg comp --server 127.0.0.1 : "$silent" ls --owner ""
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "" "$OUT" "user names from a silent server"
[ "$elapsed_ms" -lt 2500 ] || fail "completing against a silent server took $elapsed_ms ms"
kill "$silent_pid"
wait "$silent_pid" 2>/dev/null || true
rm -rf "$silent_dir"

# A server that answers each round trip in 0.9 s (a proxy holding every
# reply back): connecting, the session's login and the request would take
# 2.7 s; the words stop at their 2 s deadline, quietly, printing nothing.
slow_dir=$(mktemp -d)
"$PYTHON" -c '
import socket, sys, threading, time
up = ("127.0.0.1", int(sys.argv[2]))
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
def pump(a, b, delay):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            time.sleep(delay)
            b.sendall(data)
    except OSError:
        pass
while True:
    c, _ = s.accept()
    u = socket.create_connection(up)
    threading.Thread(target=pump, args=(c, u, 0), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, 0.9), daemon=True).start()
' "$slow_dir/port" "${LEAD_SERVER##*:}" &
slow_pid=$!
BG_PIDS+=("$slow_pid")
for _ in $(seq 50); do
	[ -s "$slow_dir/port" ] && break
	sleep 0.1
done
slow=$(cat "$slow_dir/port")
# Through the proxy, lead itself gets there (so the deadline is what stops
# the words).
# A session names its server (cli_session_server.sh): one naming the proxy.
slow_cfg=$slow_dir/cfg
mkdir -m 700 "$slow_cfg"
sed "s/^server = .*/server = 127.0.0.1:$slow/" "$LEAD_CONFIG_DIR/session" >"$slow_cfg/session"
LEAD_CONFIG_DIR=$slow_cfg lead_ok --server "127.0.0.1:$slow" --timeout 5000 statuses
start=$(date +%s%N)
LEAD_CONFIG_DIR=$slow_cfg expect_exit 0 "$LEAD" --server "127.0.0.1:$slow" completion words statuses
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "" "$OUT$ERR" "the words of a slow server"
[ "$elapsed_ms" -ge 1900 ] || fail "the words of a slow server ended after $elapsed_ms ms, before the deadline"
[ "$elapsed_ms" -lt 2500 ] || fail "the words of a slow server took $elapsed_ms ms"
kill "$slow_pid"
wait "$slow_pid" 2>/dev/null || true
rm -rf "$slow_dir"

# leadd down (the session kept): nothing, no error, exit 0, at once; lead
# ping exits 6 with a sentence.
saved_server=$LEAD_SERVER
KEPT_CFG=$(mktemp -d)
cp "$LEADD_DIR/cfg/session" "$KEPT_CFG/"
stop_leadd
export LEAD_CONFIG_DIR="$KEPT_CFG" LEAD_SERVER=$saved_server
start=$(date +%s%N)
expect_exit 0 "$LEAD" completion words statuses
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "" "$OUT$ERR" "lead completion words with leadd down"
[ "$elapsed_ms" -lt 1000 ] || fail "the words with leadd down took $elapsed_ms ms"
comp status 1 ""
expect_eq "" "$OUT" "statuses with leadd down"
expect_exit 6 "$LEAD" ping
expect_match "$ERR" "^lead: cannot reach leadd at $saved_server: .+ \(is leadd running\? see --server\)$" \
	"lead ping with leadd down"
expect_eq "" "$OUT" "nothing on stdout when ping fails"
rm -rf "$KEPT_CFG"
