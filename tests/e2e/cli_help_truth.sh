#!/usr/bin/env bash
# lead(1) against the command table, so the two cannot drift apart: for every
# command and subcommand `lead --json help` lists, `lead CMD --help` prints
# what `lead help CMD` prints, each fits 80 columns, every option of its
# usage line (and FILTERS) is one lead takes, and each appears in that
# command's entry in docs/man/lead.1 (the global options in GLOBAL OPTIONS). A new option added to the table and not to the
# man page fails here.
source "$(dirname "$0")/lib.sh"

MAN="$(dirname "$0")/../../docs/man/lead.1"
[ -r "$MAN" ] || fail "no man page at $MAN"

# The lines of stdin longer than 80 characters (not bytes: help may hold
# UTF-8 one day).
wider_than_80()
{
	"$PYTHON" -c '
import sys
for line in sys.stdin.read().split("\n"):
    if len(line) > 80:
        print(line)
'
}

start_leadd
lead_ok --json help
TABLE=$OUT

# Every command's name, one a line, walking the subcommands.
NAMES=$("$PYTHON" -c '
import json, sys
def walk(c):
    print(c["name"])
    for s in c["subcommands"]:
        walk(s)
for c in json.load(sys.stdin)["commands"]:
    walk(c)
' <<<"$TABLE")
[ "$(wc -l <<<"$NAMES")" -ge 40 ] || fail "the command table lists too few commands: $NAMES"

while read -r name; do
	# shellcheck disable=SC2086 # the name is words: "client add"
	lead_ok help $name
	want=$OUT
	# shellcheck disable=SC2086
	lead_ok $name --help
	expect_eq "$want" "$OUT" "lead $name --help against lead help $name"
	wide=$(wider_than_80 <<<"$OUT")
	[ -z "$wide" ] || fail "lead help $name is wider than 80 columns:
$wide"
	CHECKS=$((CHECKS + 1))
done <<<"$NAMES"

# Every option a usage line (or a FILTERS list) shows is one the command
# takes: given with a value and --help after it, lead prints the help (or
# refuses the value), never "unknown option".
OPTS=$("$PYTHON" -c '
import json, re, sys
def opts(text):
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])(?![\w-])", text)))
def walk(c):
    text = c["usage"][len("lead " + c["name"]):] + " " + (c["filters"] or "")
    for o in opts(text):
        if o not in ("--help",):
            print("%s\t%s" % (c["name"], o))
    for s in c["subcommands"]:
        walk(s)
for c in json.load(sys.stdin)["commands"]:
    walk(c)
' <<<"$TABLE")
[ "$(wc -l <<<"$OPTS")" -ge 100 ] || fail "too few options in the usage lines: $OPTS"
while IFS=$'\t' read -r name opt; do
	# shellcheck disable=SC2086 # the name is words: "client add"
	expect_exit "$(
		"$LEAD" $name "$opt" x --help >/dev/null 2>&1
		echo $?
	)" "$LEAD" $name "$opt" x --help
	expect_no_match "$ERR" "unknown option|unrecognized option" "lead $name $opt"
done <<<"$OPTS"

lead_ok help
wide=$(wider_than_80 <<<"$OUT")
[ -z "$wide" ] || fail "lead help is wider than 80 columns:
$wide"

# The man page's entry for each command: the .TP paragraph whose tag starts
# "lead NAME" (a command may have several, as assign does), up to the next
# such tag or section, with the roff escapes and font requests taken out.
res=$(MAN="$MAN" "$PYTHON" - 3<<<"$TABLE" <<'EOF'
import json, os, re
table = json.load(open(3))
src = open(os.environ["MAN"], encoding="utf-8").read()

NAMES = set()
def names(c):
    NAMES.add(c["name"])
    for s in c["subcommands"]:
        names(s)
for c in table["commands"]:
    names(c)

def plain(line):
    line = re.sub(r"\\f[BIRP]", "", line)
    line = line.replace("\\-", "-").replace("\\&", "")
    line = re.sub(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+", "", line)
    return line.replace('"', "")

entries = {}
section = None
current = None
lines = src.split("\n")
for i, l in enumerate(lines):
    if l.startswith(".SH"):
        section = l[3:].strip().strip('"')
        current = None
    if l.startswith(".TP") and i + 1 < len(lines) and section == "COMMANDS":
        tag = plain(lines[i + 1]).strip()
        # Up to three words: `lead admin status add`; the longest name wins.
        m = re.match(r"lead ([a-z]+(?: [a-z]+){0,2})", tag)
        current = None
        if m:
            words = m.group(1).split()
            for k in range(len(words), 0, -1):
                n = " ".join(words[:k])
                if n in NAMES:
                    current = n
                    break
    if section:
        entries.setdefault("SECTION " + section, []).append(plain(l))
    if current:
        entries.setdefault(current, []).append(plain(l))

def opts(usage):
    # --long options and the one short one (-o wide); not the dashes of a
    # placeholder such as rep|manager|admin.
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-z])(?![\w-])", usage)))

bad = []
def has(text, o):
    return re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w-])", text)

def walk(c):
    name = c["name"]
    found = opts(c["usage"][len("lead " + name):])
    for s in c["subcommands"]:
        walk(s)
    if c["subcommands"] and not found:
        return
    text = "\n".join(entries.get(name, []))
    if not text:
        bad.append("lead(1) has no entry for lead %s" % name)
        return
    for o in found:
        if not has(text, o):
            bad.append("lead %s: %s is in its usage but not in its lead(1) entry" % (name, o))

for c in table["commands"]:
    walk(c)
glob = "\n".join(entries.get("SECTION GLOBAL OPTIONS", []))
for o in opts(table["usage"]):
    if not has(glob, o):
        bad.append("lead: the global option %s is not in lead(1)'s GLOBAL OPTIONS" % o)
print("\n".join(bad))
EOF
) || fail "the lead(1) check did not run: $res"
[ -z "$res" ] || fail "lead(1) and the command table disagree:
$res"
CHECKS=$((CHECKS + 1))

# `lead help CMD --help` is CMD's help, as `lead help CMD` is, not help's own.
for cmd in status "client add" "contact edit"; do
	# shellcheck disable=SC2086 # the subcommand's words are meant to split
	expect_exit 0 "$LEAD" help $cmd
	want=$OUT
	# shellcheck disable=SC2086
	expect_exit 0 "$LEAD" help $cmd --help
	expect_eq "$want" "$OUT" "lead help $cmd --help"
done
expect_exit 0 "$LEAD" help --help
expect_match "$OUT" "^usage: lead help \[COMMAND\]" "lead help --help: help's own usage"

stop_leadd
