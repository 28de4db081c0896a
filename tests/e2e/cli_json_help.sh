#!/usr/bin/env bash
# `lead --json help` and `lead help --json`: the command table as JSON, for
# scripts and completions. It parses, lists every command `lead help` lists
# (with aliases, usage, help, notes, filters, subcommands), agrees with
# `lead help CMD`, and needs no server.
source "$(dirname "$0")/lib.sh"

# check WHAT PYTHON: as in cli_json_shapes.sh (d is the JSON of $OUT; TEXT
# the plain `lead help` of $TEXT).
check()
{
	local what=$1 code=$2 res
	res=$(CODE=$code TEXT=${TEXT:-} "$PYTHON" -c '
import json, os, re, sys
bad = []
def ok(cond, text):
    if not cond:
        bad.append(text)
d = json.loads(sys.stdin.read())
TEXT = os.environ["TEXT"]
exec(os.environ["CODE"])
print("\n".join(bad))
' <<<"$OUT") || fail "$what: the check did not run: $res"
	[ -z "$res" ] || fail "$what:
$res
JSON: $OUT"
	CHECKS=$((CHECKS + 1))
}

start_leadd
lead_ok help
TEXT=$OUT
lead_ok --json help
JSON=$OUT
check "lead --json help: every command of lead help" "
ok(list(d) == ['usage', 'commands'], 'top-level keys %s' % list(d))
ok(d['usage'].startswith('lead [--server HOST:PORT] [--json]'), 'usage')
names = [c['name'] for c in d['commands']]
listed = re.findall(r'^  ([a-z]+) ', TEXT.split('Commands:')[1].split('Options')[0], re.M)
ok(names == listed, 'commands %s, lead help lists %s' % (names, listed))
for want in ('add', 'show', 'ls', 'edit', 'status', 'kpi', 'search', 'user', 'team', 'help'):
    ok(want in names, want + ' is listed')
def walk(c, depth):
    ok(list(c) == ['name', 'alias', 'usage', 'help', 'notes', 'filters', 'subcommands'],
       '%s: keys %s' % (c.get('name'), list(c)))
    ok(c['usage'].startswith('lead ' + c['name']) and '\n' not in c['usage'],
       c['name'] + ': usage is one line starting lead NAME')
    ok(isinstance(c['help'], str) and c['help'], c['name'] + ': help')
    ok(c['notes'] is None or isinstance(c['notes'], str), c['name'] + ': notes')
    ok(c['alias'] is None or isinstance(c['alias'], str), c['name'] + ': alias')
    for s in c['subcommands']:
        ok(s['name'].startswith(c['name'] + ' '), s['name'] + ' under ' + c['name'])
        walk(s, depth + 1)
for c in d['commands']:
    walk(c, 0)
by = {c['name']: c for c in d['commands']}
ok(by['ls']['alias'] == 'list' and by['add']['alias'] == 'new', 'aliases')
ok('-o wide' in by['ls']['usage'] and '--no-headers' in by['ls']['usage'], 'ls usage')
ok(by['ls']['filters'] and '--status' in by['ls']['filters'], 'ls lists its filters')
ok(by['add']['filters'] is None, 'add takes no filters: null')
ok('--next-note TEXT' in by['edit']['usage'] and '--currency' in by['edit']['notes'], 'edit')
subs = [s['name'] for s in by['search']['subcommands']]
ok('search run' in subs and 'search save' in subs, 'search subcommands %s' % subs)
ok(by['ping']['subcommands'] == [], 'no subcommands: an empty list')
"
lead_ok help --json
expect_eq "$JSON" "$OUT" "lead help --json is lead --json help"
# No server and no session needed: help is the CLI's own.
expect_exit 0 env LEAD_SERVER=127.0.0.1:1 LEAD_CONFIG_DIR="$LEADD_DIR/none" "$LEAD" --json help
expect_eq "$JSON" "$OUT" "lead --json help without a server"
lead_ok --json --help
expect_eq "$JSON" "$OUT" "lead --json --help too"

# One command, and one subcommand, as `lead help CMD` prints them.
lead_ok --json help edit
check "lead --json help edit" "
ok(d['name'] == 'edit' and d['alias'] == 'update', 'edit')
ok('--currency alone keeps the amount' in d['notes'].replace('\n', ' '), 'notes whole')
"
lead_ok help edit
TEXT=$OUT
lead_ok --json help edit
check "the JSON notes are the text help's" "
ok(d['notes'] in TEXT and d['help'] in TEXT, 'notes and help as lead help edit prints them')
"
lead_ok --json help search run
check "lead --json help search run" "
ok(d['name'] == 'search run' and d['usage'].startswith('lead search run NAME'), 'search run')
"
expect_exit 2 "$LEAD" --json help nosuch
OUT=$ERR
check "an unknown command: a JSON error" "
ok(d['code'] == 'INVALID_ARGUMENT' and 'nosuch' in d['message'], 'error')
"
stop_leadd
