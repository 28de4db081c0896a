#!/usr/bin/env bash
# `lead agenda --ics` (issue 13), TZ pinned (America/New_York): the file is
# checked by a strict reading of RFC 5545 written here (CRLF line ends, at
# most 75 octets a line, folds only between UTF-8 sequences, VERSION, PRODID
# and CALSCALE once, UID and DTSTAMP in every component, DTSTART in events,
# UTC times), then parsed by Python's icalendar (Debian's python3-icalendar):
# calls and meetings are VEVENTs, tasks VTODOs, at the instants typed in
# local time; a long title with accents and an emoji folds; an edited
# activity keeps its UID and gets a higher SEQUENCE (a re-import updates);
# --ics with --json is a usage error. Ends with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=America/New_York

"$PYTHON" -c 'import icalendar' 2>/dev/null ||
	fail "python3-icalendar is not installed (scripts/install-deps installs it)"

start_leadd
lead_ok add "Fleet deal" --client "Acme; Sons, Inc." --owner admin
L=$OUT
long="Présentation du nouveau catalogue 🚚 à l'équipe achats, avec démonstration complète"
lead_ok --json meeting "$L" "$long" --at "2027-03-08 10:30" --duration 1h30m --where "HQ, floor 3"
MEET=$(json 'd["activity"]["id"]' <<<"$OUT")
lead_ok --json task "$L" "Send the quote" --due "2027-03-15 17:00"
TASK=$(json 'd["activity"]["id"]' <<<"$OUT")
lead_ok --json call "$L" --plan "2027-03-07 09:15" --with Ana
CALL=$(json 'd["activity"]["id"]' <<<"$OUT")

ICS=$LEADD_DIR/agenda.ics
ICS2=$LEADD_DIR/agenda2.ics
expect_exit 2 "$LEAD" --json agenda --ics
expect_match "$ERR" "--ics prints a calendar, --json a JSON document: say one" "--ics with --json"
"$LEAD" agenda --ics --from 2027-03-01 --to 2027-04-01 >"$ICS" || fail "lead agenda --ics failed"
CHECKS=$((CHECKS + 1))

# The strict check, then icalendar; prints "uid sequence" per component.
check_ics()
{
	"$PYTHON" - "$1" "$MEET" "$TASK" "$CALL" <<'EOF'
import sys, re, datetime as dt
raw = open(sys.argv[1], 'rb').read()
meet, task, call = sys.argv[2:5]
def die(msg):
    sys.exit('ics: ' + msg)
if not raw.endswith(b'\r\n'):
    die('does not end with CRLF')
phys = raw[:-2].split(b'\r\n')
for i, line in enumerate(phys, 1):
    if b'\n' in line or b'\r' in line:
        die('line %d: a bare CR or LF' % i)
    if len(line) > 75:
        die('line %d: %d octets' % (i, len(line)))
    try:
        line.decode('utf-8')
    except UnicodeDecodeError:
        die('line %d: a fold split a UTF-8 sequence' % i)
folds = sum(1 for l in phys if l.startswith(b' '))
if folds == 0:
    die('the long title was not folded')
lines = []
for l in phys:
    if l.startswith(b' '):
        lines[-1] += l[1:]
    else:
        lines.append(l)
lines = [l.decode('utf-8') for l in lines]
if lines[0] != 'BEGIN:VCALENDAR' or lines[-1] != 'END:VCALENDAR':
    die('not one VCALENDAR')
top = [l for l in lines if not l.startswith(('BEGIN:V', 'END:V'))]
names = [l.split(':', 1)[0] for l in lines]
for p, want in (('VERSION', '2.0'), ('CALSCALE', 'GREGORIAN')):
    if ('%s:%s' % (p, want)) not in lines or names.count(p) != 1:
        die('%s:%s once' % (p, want))
if names.count('PRODID') != 1:
    die('PRODID once')
comps, cur = [], None
for l in lines[1:-1]:
    if l.startswith('BEGIN:'):
        cur = (l[6:], {})
    elif l.startswith('END:'):
        if not cur or l[4:] != cur[0]:
            die('unbalanced ' + l)
        comps.append(cur)
        cur = None
    elif cur:
        k, v = l.split(':', 1)
        if k in cur[1]:
            die('%s twice in %s' % (k, cur[0]))
        cur[1][k] = v
utc = re.compile(r'^\d{8}T\d{6}Z$')
for kind, p in comps:
    need = ['UID', 'DTSTAMP'] + (['DTSTART'] if kind == 'VEVENT' else ['DUE'])
    for k in need:
        if k not in p:
            die('%s without %s' % (kind, k))
    for k in ('DTSTAMP', 'DTSTART', 'DTEND', 'DUE', 'LAST-MODIFIED', 'CREATED'):
        if k in p and not utc.match(p[k]):
            die('%s %s is not UTC: %s' % (kind, k, p[k]))
    if 'DTEND' in p and 'DURATION' in p:
        die('DTEND and DURATION together')
byuid = {p['UID']: (kind, p) for kind, p in comps}
if len(byuid) != 3:
    die('three components with distinct UIDs, got %d' % len(byuid))

import icalendar
cal = icalendar.Calendar.from_ical(raw)
got = {}
for c in cal.walk():
    if c.name in ('VEVENT', 'VTODO'):
        got[str(c['UID'])] = c
def utcdt(s):
    return dt.datetime.strptime(s, '%Y-%m-%d %H:%M').replace(tzinfo=dt.timezone.utc)
want = {
    # New York is on EST (UTC-5) until 2027-03-14, EDT (UTC-4) after.
    'activity-%s@leadd' % meet: ('VEVENT', 'DTSTART', utcdt('2027-03-08 15:30')),
    'activity-%s@leadd' % task: ('VTODO', 'DUE', utcdt('2027-03-15 21:00')),
    'activity-%s@leadd' % call: ('VEVENT', 'DTSTART', utcdt('2027-03-07 14:15')),
}
for uid, (name, prop, when) in want.items():
    c = got.get(uid)
    if c is None:
        die('icalendar found no %s' % uid)
    if c.name != name:
        die('%s is a %s, not a %s' % (uid, c.name, name))
    if c.decoded(prop) != when:
        die('%s %s is %s, not %s' % (uid, prop, c.decoded(prop), when))
m = got['activity-%s@leadd' % meet]
if not str(m['SUMMARY']).startswith('Meeting: Présentation du nouveau catalogue 🚚'):
    die('the meeting summary came back as %r' % str(m['SUMMARY']))
if str(m['LOCATION']) != 'HQ, floor 3':
    die('location %r' % str(m['LOCATION']))
if m.decoded('DURATION') != dt.timedelta(hours=1, minutes=30):
    die('duration %r' % m.decoded('DURATION'))
if 'Acme; Sons, Inc.' not in str(m['SUMMARY']):
    die('the client name lost its escapes: %r' % str(m['SUMMARY']))
t = got['activity-%s@leadd' % task]
if str(t['STATUS']) != 'NEEDS-ACTION':
    die('task status %s' % t['STATUS'])
for uid in sorted(got):
    print(uid, int(got[uid]['SEQUENCE']))
EOF
}
seq1=$(check_ics "$ICS") || fail "the agenda's .ics: $seq1"
CHECKS=$((CHECKS + 1))

# Edit the task: the same UID, a higher SEQUENCE; the others unchanged.
lead_ok activity edit "$TASK" --title "Send the revised quote"
"$LEAD" agenda --ics --from 2027-03-01 --to 2027-04-01 >"$ICS2" || fail "the second --ics failed"
seq2=$(check_ics "$ICS2") || fail "the second .ics: $seq2"
"$PYTHON" - "$TASK" <<EOF || fail "a re-export does not update the task: $seq1 / $seq2"
import sys
a = dict(l.split() for l in """$seq1""".splitlines())
b = dict(l.split() for l in """$seq2""".splitlines())
t = 'activity-%s@leadd' % sys.argv[1]
assert set(a) == set(b), (a, b)
assert int(b[t]) > int(a[t]), (a[t], b[t])
assert all(a[u] == b[u] for u in a if u != t), (a, b)
EOF
CHECKS=$((CHECKS + 1))
grep -q "SUMMARY:Task: Send the revised quote" "$ICS2" || fail "the new title is not in the second file"
CHECKS=$((CHECKS + 1))

stop_leadd
