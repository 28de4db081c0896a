#!/usr/bin/env bash
# What no `lead` option can type but the protocol can store, as the CLI
# prints it: a value of INT64_MAX minor units (exact, as a string, in the
# JSON; whole in the table; the server refuses negative ones), a next action at INT64_MAX ms (year
# 292278994: ISO 8601's expanded year, not a wrong RFC 3339 date) and one
# millisecond after 1970. The leads are made with the Python protocol client
# (tests/protocol/leadd_harness.py), hence protoc and python3-protobuf.
source "$(dirname "$0")/lib.sh"
export TZ=UTC
HERE=$(cd "$(dirname "$0")" && pwd)

start_leadd
pbdir="$LEADD_DIR/pb"
mkdir -p "$pbdir"
# create TITLE FIELD=PYTHON...: a lead made through the protocol as the
# admin; prints its id.
create()
{
	PORT=${LEAD_SERVER##*:} PASSWORD=$ADMIN_PASSWORD PBDIR=$pbdir PROTO="$HERE/../../proto" \
		PYTHONPATH="$HERE/../protocol" /usr/bin/python3 -c '
import os, sys
from leadd_harness import Client, load_pb
pb = load_pb(os.environ["PROTO"], os.environ["PBDIR"])
c = Client(pb, int(os.environ["PORT"]), user="admin", password=os.environ["PASSWORD"])
def fill(q):
    q.lead_create.title = sys.argv[1]
    q.lead_create.owner = "admin"
    for a in sys.argv[2:]:
        k, v = a.split("=", 1)
        if k == "value":
            q.lead_create.value.amount_minor = int(v.split()[0])
            q.lead_create.value.currency = v.split()[1]
        else:
            setattr(q.lead_create, k, int(v))
r = c.call(fill)
if r.code != pb.OK:
    sys.exit("lead_create: %d %s" % (r.code, r.message))
print(r.lead.lead.id)
' "$@"
}

out=$(create "Most negative" "value=-9223372036854775808 EUR" 2>&1) &&
	fail "a negative value was stored: $out"
expect_match "$out" "a lead's value is 0 or more" "the server refuses a negative value"
max=$(create "Most positive" "value=9223372036854775807 BHD" \
	"next_action_at=9223372036854775807") || fail "create: $max"
early=$(create "Just after 1970" "next_action_at=1") || fail "create: $early"

lead_ok --json show "$max"
expect_eq '{"amount": "9223372036854775.807", "minor": "9223372036854775807", "currency": "BHD"}' \
	"$(json 'd["value"]' <<<"$OUT")" "INT64_MAX minor units in a 3-decimal currency"
expect_eq '{"amount": "9223372036854775.807", "minor": "9223372036854775807", "currency": "BHD"}' \
	"$(json '[c["new"] for c in d["history"][0]["changes"] if c["field"] == "value"][0]' <<<"$OUT")" \
	"the history's value: the same money object, INT64_MAX exact"
expect_eq "+292278994-08-17T07:12:55.807Z" "$(json 'd["next_action"]' <<<"$OUT")" \
	"a year past 9999: ISO 8601 expanded, never a wrong 4-digit year"
lead_ok --json show "$early"
expect_eq "1970-01-01T00:00:00.001Z" "$(json 'd["next_action"]' <<<"$OUT")" \
	"1 ms after 1970: a time, not null (only 0 is none)"

lead_ok ls -o wide
expect_match "$OUT" "Most positive +- +lead-New +9223372036854775\\.807 BHD " "the table: INT64_MAX whole"
expect_match "$OUT" "Just after 1970 .* 1970-01-01 00:00 UTC " "the table: 1970"
lead_ok --json ls --all
expect_eq 2 "$(json 'len(d["leads"])' <<<"$OUT")" "ls --json prints them all"

# The server refuses a next action before 1970: nothing to print.
out=$(create "Before 1970" "next_action_at=-1" 2>&1) && fail "a time before 1970 was stored: $out"
expect_match "$out" "before 1970" "the server refuses a time before 1970"

stop_leadd
