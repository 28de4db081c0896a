/* Opportunities (issue 15): what a lead is expected to buy, and the
 * forecast. The write core for them: opp_apply() writes the opportunity,
 * its two index entries and the closed-won counters, changes the lead's
 * open-opportunity totals (Lead.open_opps) and records the change as a
 * change of the lead through lead_apply() (kind CHANGE_OPPORTUNITY), so
 * history, the change log and the lead's version move with it in the same
 * transaction. lead_apply() in turn calls opp_follow_lead() on every change
 * of a lead: the forecast counters and the listing index follow the lead's
 * team, owner, status and archived flag. No handler touches an opportunity
 * index or a forecast counter itself.
 *
 * Store layout (schema 11; all numbers big-endian):
 *   DB_OPPS          opp id -> leadd.Opportunity
 *   DB_IDX_OPP_LEAD  lead id -> state(1)|close day(4)|opp id(8)
 *   DB_IDX_OPP       team(8)|owner(8) of the lead -> the same 13 bytes
 *   DB_FORECAST      'o'|team|owner|status|month(4)|currency(3)
 *                        -> opps(8)|amount(16)|unweighted(16)|own_weighted_x100(16)
 *                    'w'|team|owner|day(4)|currency(3)
 *                        -> won(8)|amount(16)
 * A close day is days since 1970-01-01 (OPP_NO_DAY: none), so an index
 * walk meets a lead's or an owner's opportunities by state, then expected
 * close date. A month is YYYYMM (0: no date).
 *
 * 'o' counts the open opportunities of leads that are not archived, by
 * the lead's team, owner and status: it is the sum of Lead.open_opps over
 * those leads. Weighted amounts are derived when read: unweighted x the
 * status's probability + own_weighted_x100 (opportunities with their own
 * probability), so editing a status's probability needs no recount.
 * 'w' counts won opportunities by the owner and team the lead had when it
 * was won (Opportunity.won_owner_id/won_team_id) and the day it was won;
 * it never moves after. Sums are 128-bit; a record that comes to zero
 * opportunities is deleted, so the set of keys equals a recount's. */
#ifndef LEADD_OPP_CORE_H
#define LEADD_OPP_CORE_H

#include <stdint.h>

#include "ld_currency.h"
#include "lead_core.h"

/* The schema opportunities came with: the write core keeps them from there. */
#define OPP_SCHEMA 11

#define OPP_MAX_PER_LEAD 100 /* opportunities one lead may ever have */
#define OPP_OPEN_MAX 20      /* open at once on one lead */
#define OPP_ITEMS_MAX 100
#define OPP_QUANTITY_MAX 1000000000LL
/* One opportunity's amount, in minor units: OPP_OPEN_MAX of them times a
 * probability of 100 still fit an int64 (Lead.open_opps). The clients know
 * it as LD_OPP_AMOUNT_MAX (common/ld_currency.h). */
#define OPP_AMOUNT_MAX (INT64_MAX / 100 / OPP_OPEN_MAX)
_Static_assert(OPP_AMOUNT_MAX == LD_OPP_AMOUNT_MAX,
	       "LD_OPP_AMOUNT_MAX in common/ld_currency.h is OPP_AMOUNT_MAX");

#define OPP_NO_DAY 0xFFFFFFFFu
#define OPP_IDX_VAL 13
#define OPP_FORECAST_OPEN 'o'
#define OPP_FORECAST_WON 'w'
#define OPP_FORECAST_OPEN_KEY 32
#define OPP_FORECAST_OPEN_VAL 56
#define OPP_FORECAST_WON_KEY 24
#define OPP_FORECAST_WON_VAL 24

/* Load an opportunity through the arena: 0, MDB_NOTFOUND or an error. A
 * record that decodes but is not whole (another id, no lead, no amount in
 * a currency, an unknown state, items out of range) is MDB_CORRUPTED, in
 * t->ret as a record that does not decode. */
int opp_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Opportunity **out);

/* The ids of a lead's opportunities (any state), at most max, ascending;
 * *total: how many it has. An error is left in t->ret. */
size_t opp_lead_ids(store_txn *t, uint64_t lead_id, uint64_t *ids, size_t max, size_t *total);

/* How many of the lead's opportunities are open, and in *total how many
 * it has, from one read of DB_IDX_OPP_LEAD. */
size_t opp_lead_open_count(store_txn *t, uint64_t lead_id, size_t *total);

/* Sum the items: each item's amount_minor = quantity x unit price, and
 * *amount their sum. 0, or -1 when a product or the sum passes
 * OPP_AMOUNT_MAX (the caller refuses it), or an item is out of range. */
int opp_items_amount(Leadd__OppItem **items, size_t n, int64_t *amount);

/* Apply one opportunity change, with the lead it belongs to (lead_old
 * and lead from lead_load_copy; lead may carry other changes, such as a
 * new status, which lead_apply records in the same entry).
 *   op OPP_ADDED: old NULL; opp's id, lead_id and created_* are set here
 *   otherwise:    old is the record before, opp after
 * The items' and the total amount are recomputed here; the caller has
 * refused what opp_items_amount refuses. A move to OPP_WON stamps
 * won_owner_id/won_team_id from the lead and adds to the won counters.
 * ch->kind must be CHANGE_OPPORTUNITY. Returns the transaction's error. */
int opp_apply(store_txn *t, const Leadd__Lead *lead_old, Leadd__Lead *lead,
	      const Leadd__Opportunity *old, Leadd__Opportunity *opp, Leadd__Store__OppOp op,
	      const lead_change *ch);

/* Called by lead_apply (from schema 11), after the lead is written: the
 * forecast counters go from old's totals at old's key to lead's at
 * lead's key, and a new team or owner moves the lead's listing index
 * entries. old is NULL on a create. */
void opp_follow_lead(store_txn *t, const Leadd__Lead *old, const Leadd__Lead *lead);

/* A lead's open totals changed by one opportunity: sign +1 adds opp's
 * contribution, -1 takes it away (it must be open). New entries come
 * from the arena; an entry that comes to zero opportunities goes. */
void opp_totals_change(Leadd__Lead *lead, const Leadd__Opportunity *opp, int sign, ld_arena *arena);

/* Dates: YYYY-MM-DD (1970-01-01 .. 9999-12-31) <-> days since the epoch.
 * opp_day_parse returns 0, or -1 for anything else ("" and NULL too). */
int opp_day_parse(const char *s, uint32_t *day);
void opp_day_format(uint32_t day, char out[11]);
/* YYYYMM of a day; 0 for OPP_NO_DAY. */
uint32_t opp_month_of_day(uint32_t day);
/* An opportunity's close day, OPP_NO_DAY when it has none (or a bad one). */
uint32_t opp_close_day(const Leadd__Opportunity *opp);
/* Today (UTC) as a day. */
uint32_t opp_day_of_ms(int64_t unix_ms);

/* Index value: state|close day|id. */
void opp_index_val(uint8_t out[OPP_IDX_VAL], const Leadd__Opportunity *opp);
void opp_index_val_parse(const void *p, Leadd__OppState *state, uint32_t *day, uint64_t *id);

/* The forecast counters' keys and values. */
typedef struct {
	uint64_t opps;
	__int128 amount;
	__int128 unweighted;        /* of those without their own probability */
	__int128 own_weighted_x100; /* sum of amount x own probability */
} opp_open_sums;

typedef struct {
	uint64_t won;
	__int128 amount;
} opp_won_sums;

void opp_forecast_open_key(uint8_t out[OPP_FORECAST_OPEN_KEY], uint64_t team, uint64_t owner,
			   uint64_t status, uint32_t month, const char *currency);
void opp_forecast_won_key(uint8_t out[OPP_FORECAST_WON_KEY], uint64_t team, uint64_t owner,
			  uint32_t day, const char *currency);
void opp_open_sums_get(const void *val, opp_open_sums *out);
void opp_open_sums_put(uint8_t out[OPP_FORECAST_OPEN_VAL], const opp_open_sums *s);
void opp_won_sums_get(const void *val, opp_won_sums *out);
void opp_won_sums_put(uint8_t out[OPP_FORECAST_WON_VAL], const opp_won_sums *s);

/* The weighted amount of open sums under a status of this probability,
 * exact, in hundredths of a minor unit. */
__int128 opp_weighted_x100(const opp_open_sums *s, uint32_t status_probability);
/* Rounded to minor units, half away from zero. */
__int128 opp_x100_round(__int128 x100);

/* Whether open opportunities under this status count in the forecast:
 * past the lead stage, and not of class dead or lost. */
int opp_status_in_forecast(const Leadd__Status *s);

/* The word for an op, as HistoryItem.opp_op and Event.opp_op say it. */
const char *opp_op_word(Leadd__Store__OppOp op);

#endif
