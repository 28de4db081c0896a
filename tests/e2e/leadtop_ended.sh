# leadtop when leadd ends its watch (docs/protocol.md section 6,
# EVENT_ENDED): the admin's KPI counts are made too large for one message
# (statuses with long names, a lead per rep and status; made with the Python
# protocol client, tests/protocol/watch_lib.py, hence protoc and
# python3-protobuf), and a status renamed makes leadd owe every KPI watcher
# a snapshot, which it cannot send: the watch ends. leadtop must say so (not
# go on saying "live" while nothing comes: the ENDED event may arrive in the
# same read as the reply to its resumed watch) and try again with its
# backoff, not in a tight loop of reconnections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/leadtop_lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

start_leadd
pbdir="$LEADD_DIR/pb"
mkdir -p "$pbdir"
PORT=${LEAD_SERVER##*:} PASSWORD=$ADMIN_PASSWORD PBDIR=$pbdir PROTO="$HERE/../../proto" \
	PYTHONPATH="$HERE/../protocol" "$PYTHON" -c '
import os
from leadd_harness import Client, load_pb
from watch_lib import oversized_kpi
pb = load_pb(os.environ["PROTO"], os.environ["PBDIR"])
c = Client(pb, int(os.environ["PORT"]), user="admin", password=os.environ["PASSWORD"])
oversized_kpi(pb, c)
' || fail "could not fill leadd through the protocol"

# watches: how many watch requests leadd has answered since it started.
watches() {
	lead_ok --json stats
	json 'd["requests"].get("watch", 0)' <<<"$OUT"
}

lt_start a 100 30 admin
lt_wait_for a 'live, revision [0-9]+' 3 "the dashboard is live"
before=$(watches)
lead_ok admin status edit lead-New --name lead-Fresh
lt_wait_for a '^leadtop .* disconnected, retrying in [0-9]+s: the watch ended' 2 \
	"the watch ended, said on the first line"
expect_match "$SCREEN" '^the watch ended: your KPI counts are too large to send in one message' \
	"the reason whole on the bottom line"
# Tries again 0.5, 1, 2, 4 s apart (each try ends the same way): a few
# watches in 4 s, not one per round trip.
sleep 4
after=$(watches)
tries=$((after - before))
echo "watch requests in the 4 s after the edit: $tries"
((tries >= 2 && tries <= 6)) || fail "leadtop sent $tries watch requests in 4 s after its watch ended (expected a retry with backoff: 2 to 6)"
CHECKS=$((CHECKS + 1))
lt_capture a
expect_match "$SCREEN" 'disconnected, retrying in [0-9]+s: the watch ended' "still saying why"
lt_keys a q
expect_eq 0 "$(lt_exit_status a)" "leadtop's exit status after q"
tmux_ kill-server 2>/dev/null || true
stop_leadd
