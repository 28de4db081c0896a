#!/usr/bin/env bash
# What no `lead` option can type but the protocol can store, as the CLI
# prints it: a value of INT64_MAX minor units (exact, as a string, in the
# JSON; whole in the table; the server refuses negative ones), a next action at INT64_MAX ms (year
# 292278994: ISO 8601's expanded year, not a wrong RFC 3339 date) and one
# millisecond after 1970. The leads are made with the Python protocol client
# (proto_create_lead in lib.sh), hence protoc and python3-protobuf.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

start_leadd

out=$(proto_create_lead "Most negative" "value=-9223372036854775808 EUR" 2>&1) &&
	fail "a negative value was stored: $out"
expect_match "$out" "a lead's value is 0 or more" "the server refuses a negative value"
max=$(proto_create_lead "Most positive" "value=9223372036854775807 BHD" \
	"next_action_at=9223372036854775807") || fail "create: $max"
early=$(proto_create_lead "Just after 1970" "next_action_at=1") || fail "create: $early"

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
out=$(proto_create_lead "Before 1970" "next_action_at=-1" 2>&1) && fail "a time before 1970 was stored: $out"
expect_match "$out" "before 1970" "the server refuses a time before 1970"

stop_leadd
