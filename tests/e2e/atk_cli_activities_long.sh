#!/usr/bin/env bash
# UI attack (issue 13): activities at the server's caps reach the reader
# whole. lead printed what an activity says through fixed buffers (512 and
# 1024 bytes) while the server allows a note or an outcome of 4000 bytes and
# a place of 500: `lead activity ls`, `lead history`, the "added ..." line
# and the agenda's .ics cut them silently, even into a pipe, and could stop
# inside a UTF-8 character (printed as a "\xc3" escape). TZ pinned. Ends
# with leadd verify.
source "$(dirname "$0")/lib.sh"
export TZ=America/New_York

start_leadd
lead_ok add "Fleet deal" --client Acme --owner admin
L=$OUT
note=$("$PYTHON" -c 'print("é" * 1990 + " END")')          # 3984 bytes
outcome=$("$PYTHON" -c 'print("ü" * 1990 + " DONE")')      # 3985 bytes
place=$("$PYTHON" -c 'print("ß" * 245 + " HALL")')         # 495 bytes
title=$("$PYTHON" -c 'print("ñ" * 95 + " TITLE")')         # 196 bytes
who=$("$PYTHON" -c 'print("ø" * 95 + " WHO")')             # 194 bytes

lead_ok note "$L" "$note"
expect_match "$OUT" "^added note $L\\.1: $note\$" "the added line, whole"
lead_ok call "$L" --outcome "$outcome" --at -1h
expect_match "$OUT" "$outcome\$" "the logged call's line, whole"
lead_ok meeting "$L" "$title" --at "tomorrow 10:00" --where "$place" --with "$who"
expect_match "$OUT" "^added meeting $L\\.3, at .*: $title with $who at $place\$" "the meeting's line"

lead_ok activity ls "$L"
expect_match "$OUT" "  $note\$" "activity ls: the note whole"
expect_match "$OUT" "  $outcome\$" "activity ls: the outcome whole"
expect_match "$OUT" "$title with $who at $place\$" "activity ls: the meeting whole"
expect_no_match "$OUT" '\\x' "activity ls: no escaped half-character"
lead_ok history "$L"
expect_match "$OUT" "added note $L\\.1: $note\$" "history: the note whole"
expect_match "$OUT" "$outcome\$" "history: the outcome whole"
expect_no_match "$OUT" '\\x' "history: no escaped half-character"
lead_ok agenda
expect_match "$OUT" "$title with $who at $place\$" "agenda: the meeting whole"
lead_ok done "$L.3" --outcome "$outcome"
expect_match "$OUT" "^done: meeting $L\\.3 \\(done\\), .*$place: $outcome\$" "done: whole"
lead_ok meeting "$L" "$title" --at "tomorrow 11:00" --where "$place" --with "$who"
# The calendar's DESCRIPTION holds the whole place, unfolded.
lead_ok agenda --ics
desc=$("$PYTHON" -c '
import sys
text = sys.stdin.read().replace("\r\n ", "")
for line in text.split("\r\n"):
    if line.startswith("DESCRIPTION:"):
        print(line)
' <<<"$OUT")
expect_match "$desc" "at $place\$" "ics: the description whole"
stop_leadd
echo "ok: $CHECKS checks"
