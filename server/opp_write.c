/* The opportunity writes' shared steps (opp_write.h). */
#include "opp_write.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_currency.h"
#include "ld_error.h"
#include "ld_norm.h"
#include "lead_handlers.h"
#include "opp_core.h"
#include "status.h"

static const char *state_word(Leadd__OppState s)
{
	return s == LEADD__OPP_STATE__OPP_WON ? "won" : "lost";
}

int opp_load_open(request_ctx *rc, store_txn *t, uint64_t id, int has_expected, uint64_t expected,
		  opp_target *out)
{
	if (!id)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT, "say which opportunity: its id");
	int err = opp_load(t, id, &rc->arena, &out->old);
	if (err == 0)
		err = lead_load(t, out->old->lead_id, &rc->arena, &out->lead_old);
	if (err == MDB_NOTFOUND || (err == 0 && !dispatch_may_see_lead(rc, t, out->lead_old)))
		return dispatch_fail(rc, LD_NOT_FOUND, "opportunity %" PRIu64 " not found", id);
	if (err)
		return dispatch_store_error(rc, err);
	if (has_expected && out->old->version != expected)
		return dispatch_fail(rc, LD_ABORTED,
				     "opportunity %" PRIu64 " changed since version %" PRIu64
				     " (it is now at version %" PRIu64 "); read it again and retry",
				     id, expected, out->old->version);
	if (out->old->state != LEADD__OPP_STATE__OPP_OPEN)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "opportunity %" PRIu64 " is %s: a won or lost opportunity is "
				     "final; add a new one to the lead instead",
				     id, state_word(out->old->state));
	/* Copies to change: opp_apply and lead_apply need the records before
	 * intact. */
	if ((err = opp_load(t, id, &rc->arena, &out->opp)) ||
	    (err = lead_load(t, out->old->lead_id, &rc->arena, &out->lead)))
		return dispatch_store_error(rc, err);
	return LD_OK;
}

/* ---- statuses ---- */

static int find_status(store_txn *t, ld_arena *a, Leadd__Stage stage, int by_class,
		       Leadd__KpiClass c, Leadd__Status **out)
{
	Leadd__Status **all;
	size_t n;
	*out = NULL;
	int err = status_all_sorted(t, a, &all, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (all[i]->stage == stage &&
		    (by_class ? all[i]->kpi_class == c : all[i]->conversion_target)) {
			*out = all[i];
			break;
		}
	return 0;
}

int opp_stage_target(store_txn *t, ld_arena *a, Leadd__Stage stage, Leadd__Status **out)
{
	return find_status(t, a, stage, 0, 0, out);
}

int opp_stage_first_of_class(store_txn *t, ld_arena *a, Leadd__Stage stage, Leadd__KpiClass c,
			     Leadd__Status **out)
{
	return find_status(t, a, stage, 1, c, out);
}

int opp_convert_target(request_ctx *rc, store_txn *t, const Leadd__Lead *lead, Leadd__Status **out)
{
	int err = opp_stage_target(t, &rc->arena, LEADD__STAGE__STAGE_PROSPECT, out);
	if (err)
		return dispatch_store_error(rc, err);
	if (!*out)
		return dispatch_fail(rc, LD_FAILED_PRECONDITION,
				     "lead %" PRIu64 " is at the lead stage and no prospect-stage "
				     "status is marked as the conversion target: an admin marks "
				     "one (lead admin status edit NAME --target)",
				     lead->id);
	return LD_OK;
}

int opp_lead_status(request_ctx *rc, store_txn *t, const Leadd__Lead *lead, Leadd__Status **out)
{
	int err = status_load(t, lead->status_id, &rc->arena, out);
	return err ? dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err) : LD_OK;
}

/* ---- what a request gives ---- */

static void amount_text(int64_t amount, const char *currency, char *out, size_t len)
{
	const ld_currency *c = ld_currency_find(currency);
	char num[48];
	ld_amount_format(amount, c ? c->minor : 0, num, sizeof(num));
	snprintf(out, len, "%s %s", num, currency);
}

int opp_check_items(request_ctx *rc, Leadd__OppItem **items, size_t n, const char *currency,
		    int64_t *amount)
{
	if (n == 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "an opportunity needs at least one item: a name, a quantity "
				     "and a unit price");
	if (n > OPP_ITEMS_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "an opportunity has at most %d items, not %zu", OPP_ITEMS_MAX,
				     n);
	char most[80];
	amount_text(OPP_AMOUNT_MAX, currency, most, sizeof(most));
	for (size_t i = 0; i < n; i++) {
		const Leadd__OppItem *it = items[i];
		if (ld_is_blank(it->name))
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "item %zu has no name: say what is sold", i + 1);
		if (!it->has_quantity || it->quantity < 1 || it->quantity > OPP_QUANTITY_MAX)
			return dispatch_fail(
				rc, LD_INVALID_ARGUMENT,
				"item %zu ('%s') needs a quantity: a whole number from "
				"1 to %lld",
				i + 1, it->name, (long long)OPP_QUANTITY_MAX);
		if (!it->has_unit_price_minor || it->unit_price_minor < 0)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "item %zu ('%s') needs a unit price of 0 or more, in "
					     "%s",
					     i + 1, it->name, currency);
		int64_t line;
		if (__builtin_mul_overflow(it->quantity, it->unit_price_minor, &line) ||
		    line > OPP_AMOUNT_MAX)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "item %zu ('%s') is too large: quantity times unit "
					     "price may come to at most %s",
					     i + 1, it->name, most);
	}
	if (opp_items_amount(items, n, amount) != 0)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the opportunity is too large: its items may come to at most "
				     "%s in all; split it into several opportunities",
				     most);
	return LD_OK;
}

int opp_check_title(request_ctx *rc, const char *title)
{
	if (title && ld_is_blank(title))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "an opportunity's title cannot be blank: give it a few words");
	return LD_OK;
}

int opp_check_date(request_ctx *rc, const char *date, int allow_empty, const char *what)
{
	uint32_t day;
	if (!date || (allow_empty && !*date) || opp_day_parse(date, &day) == 0)
		return LD_OK;
	return dispatch_fail(rc, LD_INVALID_ARGUMENT,
			     "%s '%s' is not a date: give it as YYYY-MM-DD (1970-01-01 or later)",
			     what, date);
}

int opp_check_probability(request_ctx *rc, int has, uint32_t p)
{
	if (has && p > 100)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the probability is a percentage from 0 to 100, not %" PRIu32,
				     p);
	return LD_OK;
}
