# shellcheck shell=bash
# The sales floor the search and KPI e2e tests share (source after lib.sh
# and start_leadd, logged in as the admin):
#   team sales: manager maria, reps tom and ana; team ops: rep bob.
#   L1 tom   "Payroll outsourcing"  Maison Lefèvre SA  48000 EUR  web,urgent  referral  -> qualified -> prospect
#   L2 tom   "Support contract"     Globex             500 EUR    web         trade fair -> qualified
#   L3 ana   "Scanner rollout"      Globex             62000 USD              -> dead
#   L4 pool of sales "Inbound form"                    (no value)
#   L5 bob   "Ops thing"                               1000 JPY   urgent
# Each user logs in in a config dir of their own: `as USER CMD...`.
# L1..L5 are the tests' (sourced) variables.
# shellcheck disable=SC2034

as()
{
	local who=$1
	shift
	LEAD_CONFIG_DIR="$LEADD_DIR/cfg-$who" "$@"
}

make_sales_floor()
{
	local u
	lead_ok user add maria --role manager --password-stdin <<<"maria-password"
	lead_ok team add sales --manager maria
	lead_ok team add ops
	lead_ok user add tom --role rep --team sales --password-stdin <<<"tom-password"
	lead_ok user add ana --role rep --team sales --password-stdin <<<"ana-password"
	lead_ok user add bob --role rep --team ops --password-stdin <<<"bob-password"
	for u in maria tom ana bob; do
		mkdir -p "$LEADD_DIR/cfg-$u"
		as "$u" expect_exit 0 "$LEAD" login "$u" --password-stdin <<<"$u-password"
	done
	lead_ok add "Payroll outsourcing" --owner tom --client "Maison Lefèvre SA" \
		--contact "Claire Dubois" --email claire.dubois@maison-lefevre.fr \
		--phone "+33 1 23 45 67 89" --value 48000 --tag web --tag urgent --source referral
	L1=$OUT
	lead_ok add "Support contract" --owner tom --client Globex --value 500 --tag web \
		--source "trade fair"
	L2=$OUT
	lead_ok add "Scanner rollout" --owner ana --client Globex --value 62000 --currency USD
	L3=$OUT
	lead_ok add "Inbound form" --team sales
	L4=$OUT
	lead_ok add "Ops thing" --owner bob --value 1000 --currency JPY --tag urgent
	L5=$OUT
	lead_ok status "$L1" qualified
	lead_ok status "$L1" prospect
	lead_ok status "$L2" qualified
	lead_ok status "$L3" dead --reason "no budget" --other
}

# ids ARGS...: the ids `lead ls --all ARGS` finds, in its order, one line.
ids()
{
	expect_exit 0 "$LEAD" --json ls --all "$@"
	json '" ".join(str(l["id"]) for l in d["leads"])' <<<"$OUT"
}

# sorted_ids ARGS...: the same, in id order.
sorted_ids()
{
	ids "$@" | tr ' ' '\n' | sed '/^$/d' | sort -n | tr '\n' ' ' | sed 's/ $//'
}
