#!/usr/bin/env bash
# Every --json output in the conventions of docs/cli.md, field by field:
# times as RFC 3339 UTC strings, absent values null (never 0 or ""), money
# as {"amount", "minor", "currency"}, integers past 2^53 - 1 as strings.
# lead show / ls / add / edit, kpi, statuses, user ls, team ls, whoami,
# search ls, stats, ping, login; as the admin and as a rep.
source "$(dirname "$0")/lib.sh"
export TZ=Asia/Tokyo # the JSON is UTC whatever the reader's zone

# check WHAT PYTHON: run the Python statements over the JSON document of the
# last command ($OUT, bound to d); each `ok(cond, text)` that fails is
# reported. RFC is a regex for an RFC 3339 UTC time.
check()
{
	local what=$1 code=$2 res
	res=$(CODE=$code "$PYTHON" -c '
import json, os, re, sys, datetime
RFC = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z$")
bad = []
def ok(cond, text):
    if not cond:
        bad.append(text)
def recent(t):
    """An RFC 3339 time within an hour of now."""
    if not isinstance(t, str) or not RFC.match(t):
        return False
    when = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
    return abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) < 3600
def keys(o, want, where):
    ok(list(o) == want, "%s: keys %s, expected %s" % (where, list(o), want))
d = json.loads(sys.stdin.read())
exec(os.environ["CODE"])
print("\n".join(bad))
' <<<"$OUT") || fail "$what: the check did not run: $res"
	[ -z "$res" ] || fail "$what:
$res
JSON: $OUT"
	CHECKS=$((CHECKS + 1))
}

LEAD_KEYS='["id", "title", "client", "client_id", "description", "value", "source", "tags",
	"contacts", "status", "status_id", "stage", "probability", "kpi", "status_changed_at", "status_reason", "owner", "owner_id",
	"team", "team_id", "next_action", "next_action_note", "next_action_activity", "own_next_action", "own_next_action_note", "owner_since", "first_touch_at", "standby_until", "standby_reason",
	"archived", "renewed_from", "renewals",
	"created_at", "created_by",
	"created_by_id", "updated_at", "updated_by", "updated_by_id", "version"]'

start_leadd
lead_ok team add sales
lead_ok user add maria --role manager --team sales --password-stdin <<<"maria-password-1"
lead_ok team edit sales --manager maria
lead_ok user add tom --role rep --team sales --password-stdin <<<"tom-password-1"
lead_ok --json whoami
admin_id=$(json 'd["user"]["id"]' <<<"$OUT")
lead_ok --json user ls
tom_id=$(json '[u["id"] for u in d["users"] if u["name"] == "tom"][0]' <<<"$OUT")
team_id=$(json '[u["team_id"] for u in d["users"] if u["name"] == "tom"][0]' <<<"$OUT")

# ---- a lead with every field ----
lead_ok --json add "Big sale" --owner tom --client "Acme" --description "Two floors" \
	--value 48000 --source "trade fair" --tag web --tag B2B --contact "Ann Lee" --role CFO \
	--email ann@acme.example --phone "+33 1 23 45 67 89" --next 2027-01-05T09:30:15Z \
	--next-note "call back about the quote"
big=$(json 'd["id"]' <<<"$OUT")
lead_ok --json show "$big"
full=$OUT
check "lead show --json, field by field" "
keys(d, $LEAD_KEYS + ['activities', 'opportunities', 'history'], 'show')
h = d['history']
ok(isinstance(h, list) and len(h) == 1, 'history: the one change so far')
keys(h[0], ['revision', 'at', 'author', 'kind', 'activity', 'activity_op', 'opportunity', 'opp_op',
	'changes'], 'history entry')
ok(h[0]['revision'] == d['version'] and recent(h[0]['at']), 'history revision and time')
ok(h[0]['author'] == 'admin' and h[0]['kind'] == 'create', 'history author and kind')
for c in h[0]['changes']:
    keys(c, ['field', 'old', 'new'], 'history change')
    ok(c['old'] is None, 'a create has no old values: ' + repr(c))
ok({'title': 'Big sale', 'client': 'Acme'}.items() <= {c['field']: c['new'] for c in h[0]['changes']}.items(),
   'the create lists the fields it set')
ok(d['id'] == $big, 'id is the number')
ok(d['title'] == 'Big sale', 'title')
ok(d['client'] == 'Acme', 'client is the folder name')
ok(isinstance(d['client_id'], int) and d['client_id'] > 0, 'client_id a number')
ok(d['description'] == 'Two floors', 'description')
ok(d['value'] == {'amount': '48000.00', 'minor': 4800000, 'currency': 'EUR'}, 'value is money')
keys(d['value'], ['amount', 'minor', 'currency'], 'value')
ok(d['source'] == 'trade fair', 'source')
ok(d['tags'] == ['web', 'B2B'], 'tags in order, case kept')
ok(d['contacts'] == [{'name': 'Ann Lee', 'role': 'CFO', 'email': 'ann@acme.example',
                      'phone': d['contacts'][0]['phone'], 'note': None, 'left': False,
                      'main': True}], 'contacts')
ok(re.sub('[^0-9]', '', d['contacts'][0]['phone']).endswith('123456789'), 'contact phone')
ok(d['status'] == 'lead-New' and isinstance(d['status_id'], int), 'status and status_id')
ok(d['stage'] == 'lead' and d['probability'] == 0 and d['kpi'] == 'new',
   'stage, probability, kpi of the status')
ok(d['owner'] == 'tom' and d['owner_id'] == $tom_id, 'owner name and id')
ok(d['team'] == 'sales' and d['team_id'] == $team_id, 'team name and id')
ok(d['next_action'] == '2027-01-05T09:30:15Z', 'next_action in UTC (TZ is Tokyo)')
ok(d['next_action_note'] == 'call back about the quote', 'next_action_note')
ok(recent(d['created_at']) and recent(d['updated_at']), 'created_at, updated_at RFC 3339, now')
ok(d['created_by'] == 'admin' and d['created_by_id'] == $admin_id, 'created_by name and id')
ok(d['updated_by'] == 'admin' and d['updated_by_id'] == $admin_id, 'updated_by name and id')
ok(d['version'] > 0 and isinstance(d['version'], int), 'version a number')
"

# ---- absent values are null: a bare pool lead ----
lead_ok --json add "Bare" --team sales
bare=$(json 'd["id"]' <<<"$OUT")
check "a bare pool lead: every absent value null" "
keys(d, $LEAD_KEYS, 'lead')
for k in ('client', 'client_id', 'description', 'value', 'source', 'owner', 'owner_id',
          'next_action', 'next_action_note', 'standby_until', 'standby_reason'):
    ok(d[k] is None, k + ' is null, not ' + repr(d[k]))
ok(d['tags'] == [] and d['contacts'] == [], 'no tags, no contacts: empty lists')
ok(d['team'] == 'sales', 'the pool lead names its team')
"
# Cleared with "" is null too, not "".
lead_ok --json edit "$big" --description "" --source ""
check "cleared fields are null" "
ok(d['description'] is None and d['source'] is None, 'description, source null after \"\"')
"
lead_ok edit "$big" --description "Two floors" --source "trade fair"

# ---- ls and search run: the same objects ----
lead_ok --json ls --all
check "ls --json: the leads as show prints them, and the cursor" "
keys(d, ['leads', 'cursor'], 'ls')
ok(d['cursor'] is None, 'no more: cursor null')
ok([l['id'] for l in d['leads']] == [$big, $bare], 'both leads')
for l in d['leads']:
    keys(l, $LEAD_KEYS, 'ls lead')
"
big_in_ls=$(json '[l for l in d["leads"] if l["id"] == '"$big"'][0]' <<<"$OUT")
lead_ok --json show "$big"
expect_eq "$big_in_ls" "$(json '{k: v for k, v in d.items() if k not in ("activities", "opportunities", "history")}' <<<"$OUT")" \
	"ls and show print one lead alike (show adds its activities, opportunities and history)"
lead_ok --json ls --limit 1
check "ls --json with more: the cursor a string" "
ok(isinstance(d['cursor'], str) and d['cursor'], 'cursor')
"

# ---- as a rep: names the rep may not see are null, the ids say who ----
as()
{
	local user=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$user" "$@"
}
mkdir -p "$LEADD_DIR/cfg-tom"
as tom expect_exit 0 "$LEAD" --json login tom --password-stdin <<<"tom-password-1"
check "login --json" "
keys(d, ['server', 'user', 'session_file', 'tls', 'trusted_now'], 'login')
ok(d['user']['name'] == 'tom' and d['user']['role'] == 'rep', 'the user')
ok(d['tls'] is None and d['trusted_now'] is False, 'plaintext on loopback: tls null')
ok(d['session_file'].endswith('/session'), 'session_file')
"
as tom expect_exit 0 "$LEAD" --json show "$big"
check "a rep's lead --json show" "
keys(d, $LEAD_KEYS + ['activities', 'opportunities', 'history'], 'show')
ok(d['owner'] == 'tom', 'the rep knows their own name')
ok(d['created_by'] == 'admin' and d['created_by_id'] == $admin_id,
   'created_by: a rep may not list users, but show names them from the history')
ok(d['updated_by'] == d['history'][0]['author'] and d['updated_by_id'] == $admin_id,
   'updated_by: the author of the last change')
ok(d['team'] == 'sales', 'the rep knows their team')
"

# ---- statuses ----
lead_ok --json statuses
check "statuses --json" "
keys(d, ['statuses'], 'statuses')
for s in d['statuses']:
    keys(s, ['id', 'name', 'stage', 'probability', 'kpi', 'position', 'leads',
             'conversion_target'], s.get('name'))
    ok(isinstance(s['id'], int) and isinstance(s['probability'], int), 'numbers')
    ok(s['leads'] is None or isinstance(s['leads'], int), 'leads: a number, or null for a non-admin')
    ok(isinstance(s['conversion_target'], bool), 'conversion_target: a boolean')
won = [s for s in d['statuses'] if s['name'] == 'customer-Won'][0]
ok(won['stage'] == 'customer' and won['probability'] == 100 and won['kpi'] == 'won', 'won')
"

# ---- users, teams, whoami ----
lead_ok --json user ls
check "user ls --json" "
keys(d, ['users'], 'user ls')
for u in d['users']:
    keys(u, ['id', 'name', 'role', 'team_id', 'team', 'disabled', 'created_at'], u['name'])
    ok(u['created_at'] is None or RFC.match(u['created_at']), u['name'] + ' created_at')
admin = [u for u in d['users'] if u['name'] == 'admin'][0]
ok(admin['team_id'] is None and admin['team'] is None, 'no team: null, not 0')
tom = [u for u in d['users'] if u['name'] == 'tom'][0]
ok(tom['team'] == 'sales' and tom['team_id'] == $team_id and tom['role'] == 'rep', 'tom')
ok(tom['disabled'] is False, 'disabled a boolean')
ok(recent(tom['created_at']), 'created_at RFC 3339, now')
"
lead_ok --json team ls
check "team ls --json" "
keys(d, ['teams'], 'team ls')
t = d['teams'][0]
keys(t, ['id', 'name', 'managers', 'round_robin', 'pool_visible', 'members'], 'team')
ok(t['id'] == $team_id and t['name'] == 'sales', 'team id and name')
ok(t['managers'] == ['maria'] and sorted(t['members']) == ['maria', 'tom'], 'names')
ok(isinstance(t['round_robin'], bool) and isinstance(t['pool_visible'], bool), 'booleans')
"
lead_ok --json whoami
check "whoami --json" "
keys(d, ['server', 'user', 'teams', 'tls'], 'whoami')
ok(d['tls'] is None, 'plaintext on loopback: tls null')
ok(d['user']['name'] == 'admin' and d['user']['role'] == 'admin', 'the user')
"

# ---- kpi: money objects, flow times ----
lead_ok --json kpi --since 2026-01-01T00:00:00Z
check "kpi --json" "
tot = d['total']
keys(tot, ['new', 'qualified', 'dead', 'prospect', 'won', 'lost', 'open_value', 'opps', 'forecast'],
     'total')
ok(tot['new'] == 2, 'two new leads')
ok(tot['open_value'] == {'EUR': {'amount': '48000.00', 'minor': 4800000, 'currency': 'EUR'}},
   'open value as money, by currency')
ok(d['owners']['tom']['open_value']['EUR']['minor'] == 4800000, 'tom')
ok(d['pools']['sales']['new'] == 1, 'the pool')
f = d['flow']
ok(f['since'] == '2026-01-01T00:00:00Z', 'flow since: RFC 3339 UTC')
ok(recent(f['until']) or RFC.match(f['until']), 'flow until: RFC 3339')
ok(f['created'] == 2, 'flow created')
"

# ---- opportunities and the forecast (issue 15) ----
OPP_KEYS="['id', 'lead_id', 'lead_title', 'client', 'title', 'state', 'items', 'amount', 'close_date',
	'probability', 'effective_probability', 'weighted', 'lost_reason', 'owner', 'owner_id', 'status',
	'created_at', 'created_by_id', 'updated_at', 'closed_at', 'closed_by_id', 'version']"
lead_ok --json opp new "$big" --item "Floor one" --qty 2 --price 1000.25 --close 2027-01-31
check "opp new --json" "
keys(d, ['opportunity', 'lead', 'old_status', 'new_status'], 'opp new')
keys(d['lead'], $LEAD_KEYS, 'the lead')
ok(d['old_status'] == 'lead-New' and d['new_status'] == 'prospect-Qualified', 'the conversion')
o = d['opportunity']
keys(o, $OPP_KEYS, 'opp')
ok(o['lead_id'] == d['lead']['id'] and o['lead_title'] == 'Big sale' and o['client'] == 'Acme', 'its lead')
ok(o['state'] == 'open' and o['close_date'] == '2027-01-31', 'state, a day without a zone')
keys(o['items'][0], ['name', 'quantity', 'unit_price', 'amount'], 'item')
ok(o['items'][0]['unit_price'] == {'amount': '1000.25', 'minor': 100025, 'currency': 'EUR'}, 'unit price')
ok(o['amount'] == {'amount': '2000.50', 'minor': 200050, 'currency': 'EUR'}, 'amount as money')
ok(o['weighted'] == {'amount': '200.05', 'minor': 20005, 'currency': 'EUR'}, 'weighted as money')
ok(o['probability'] is None and o['effective_probability'] == 10, 'the status weighs it')
ok(o['lost_reason'] is None and o['closed_at'] is None and o['closed_by_id'] is None, 'absent: null')
ok(recent(o['created_at']) and o['created_by_id'] == $admin_id and o['owner'] == 'tom', 'created, owner')
"
opp=$(json 'd["opportunity"]["id"]' <<<"$OUT")
lead_ok --json opp show "$opp"
check "opp show --json" "keys(d, $OPP_KEYS, 'opp show')"
lead_ok --json opp ls
check "opp ls --json" "ok(isinstance(d, list) and len(d) == 1, 'one'); keys(d[0], $OPP_KEYS, 'opp ls')"
lead_ok --json show "$big"
check "show --json: opportunities without items" "
keys(d['opportunities'][0], $OPP_KEYS, 'show opp')
ok(d['opportunities'][0]['items'] == [], 'show: opportunities without items')
h = d['history'][0]
ok(h['kind'] == 'opportunity' and h['opp_op'] == 'added', 'history: kind and op')
keys(h['opportunity'], $OPP_KEYS, 'history opp')
"
lead_ok --json forecast
check "forecast --json" "
keys(d, ['revision', 'by', 'won_from', 'won_to', 'rows', 'rows_left', 'open_total', 'won_total'], 'forecast')
ok(d['rows_left'] == 0, 'forecast: no rows left out')
keys(d['rows'][0], ['key', 'owner_id', 'team', 'team_id', 'status_id', 'probability', 'open', 'won'], 'row')
ok(d['rows'][0]['key'] == 'tom' and d['rows'][0]['owner_id'] == $tom_id, 'by owner')
keys(d['open_total'], ['EUR'], 'open_total: one key per currency')
keys(d['open_total']['EUR'], ['opps', 'amount', 'weighted'], 'amounts')
ok(d['open_total']['EUR']['weighted'] == {'amount': '200.05', 'minor': 20005, 'currency': 'EUR'}, 'weighted')
ok(d['won_total'] == {} and re.match(r'^[0-9]{4}-[0-9]{2}-01$', d['won_from']), 'nothing won; this month')
"
lead_ok --json kpi
check "kpi --json: opportunities" "
ok(d['total']['opps']['prospect']['EUR']['amount']['minor'] == 200050, 'open opportunities by class')
ok(d['total']['forecast']['EUR']['weighted']['minor'] == 20005, 'the forecast')
ok(d['owners']['tom']['opps']['prospect']['EUR']['opps'] == 1, 'tom')
"

# ---- search ls: the saved filter's times and amounts ----
lead_ok search save big --value-min 1000 --value-max 5000.5 --created-since 2026-01-01T00:00:00Z \
	--next-before 2027-02-01T00:00:00Z --idle 14d
lead_ok --json search ls
check "search ls --json" "
keys(d, ['searches'], 'search ls')
s = d['searches'][0]
keys(s, ['name', 'owner', 'team', 'pinned', 'pin_position', 'filter', 'sort', 'desc'], 'search')
ok(s['team'] is None and s['pin_position'] is None, 'absent team and pin: null')
f = s['filter']
ok(f['value_min'] == {'amount': '1000.00', 'minor': 100000, 'currency': 'EUR'}, 'value_min')
ok(f['value_max'] == {'amount': '5000.50', 'minor': 500050, 'currency': 'EUR'}, 'value_max')
ok(f['created_since'] == '2026-01-01T00:00:00Z', 'created_since')
ok(f['next_before'] == '2027-02-01T00:00:00Z', 'next_before')
ok(f['idle_ms'] == 14 * 86400000, 'idle_ms stays a duration in ms')
"

# ---- stats, ping ----
lead_ok --json stats
check "stats --json" "
ok(recent(d['started_at']), 'started_at RFC 3339, now')
ok(isinstance(d['revision'], int) and isinstance(d['requests'], dict), 'revision, requests')
"
lead_ok --json ping
check "ping --json" "
keys(d, ['server', 'server_version', 'rtt_ms'], 'ping')
ok(isinstance(d['server_version'], str) and d['server_version'], 'server_version')
"

# ---- the seams: 3 decimals, 0 decimals, past 2^53, the years 9999 and 1970 ----
lead_ok --json add "Manama" --owner tom --value 12.345 --currency BHD
check "BHD: three decimals" "
ok(d['value'] == {'amount': '12.345', 'minor': 12345, 'currency': 'BHD'}, 'value')
"
lead_ok --json add "Tokyo" --owner tom --value 5000 --currency JPY
check "JPY: no decimals" "
ok(d['value'] == {'amount': '5000', 'minor': 5000, 'currency': 'JPY'}, 'value')
"
# 2^53 - 1 minor units is the largest a double holds with every integer
# below it: a number, digit for digit (cJSON alone would print
# 9.00719925474099e+15). 2^53 and beyond: a string of the digits.
lead_ok --json add "Safe" --owner tom --value 90071992547409.91
expect_match "$OUT" '"minor":[[:space:]]*9007199254740991,' "2^53 - 1 printed digit for digit"
check "2^53 - 1 is a number" "
ok(d['value']['minor'] == 9007199254740991 and type(d['value']['minor']) is int, 'minor')
"
lead_ok --json add "Past" --owner tom --value 90071992547409.92
check "2^53 is a string" "
ok(d['value']['minor'] == '9007199254740992', 'minor as a string')
ok(d['value']['amount'] == '90071992547409.92', 'amount')
"
lead_ok --json add "Huge" --owner tom --value 92233720368547749.99 --next 9999-12-31T23:59:59Z
check "near int64 max, the last RFC 3339 year" "
ok(d['value']['minor'] == '9223372036854774999', 'minor as a string')
ok(d['value']['amount'] == '92233720368547749.99', 'amount')
ok(d['next_action'] == '9999-12-31T23:59:59Z', 'year 9999')
"
lead_ok --json add "Epoch" --owner tom --next 1970-01-01T00:00:01Z
check "one second after 1970" "
ok(d['next_action'] == '1970-01-01T00:00:01Z', 'next_action')
"
expect_exit 2 "$LEAD" add "Before 1970" --owner tom --next 1969-12-31T23:59:59Z
expect_match "$ERR" "before 1970" "a time before 1970 is refused, not stored as none"

# Errors are JSON on stderr too.
expect_exit 3 "$LEAD" --json show 999999
OUT=$ERR
check "a JSON error on stderr" "
keys(d, ['code', 'message'], 'error')
ok(d['code'] == 'NOT_FOUND', 'code')
"
stop_leadd
