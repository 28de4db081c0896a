/* Closing a lead's open activities when it goes dead or lost
 * (activity_core.h). */
#include <errno.h>
#include <string.h>

#include "activity_core.h"

/* The numbers of the lead's open activities, from DB_IDX_ACT_OPEN. */
static size_t open_numbers(store_txn *t, uint64_t lead_id, uint32_t *out, size_t max)
{
	MDB_cursor *cur;
	size_t n = 0;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_ACT_OPEN], &cur)))
		return 0;
	uint8_t key[8];
	store_key_u64(key, lead_id);
	MDB_val k = {8, key}, v;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0 && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP))
		if (v.mv_size == 16)
			out[n++] = (uint32_t)store_key_get_u64((const uint8_t *)v.mv_data + 8);
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		t->ret = rc;
	return n;
}

int activity_close_open(store_txn *t, const lead_change *ch, ld_arena *arena, Leadd__Lead **lead,
			Leadd__Activity ***closed, size_t *n_closed)
{
	uint32_t numbers[ACTIVITY_OPEN_MAX * 2];
	uint64_t lead_id = (*lead)->id;
	size_t n = open_numbers(t, lead_id, numbers, sizeof(numbers) / sizeof(numbers[0]));
	*closed = n ? ld_arena_alloc(arena, n * sizeof(**closed)) : NULL;
	*n_closed = 0;
	if (n && !*closed)
		return t->ret = ENOMEM;
	lead_change lc = *ch;
	lc.kind = LEADD__STORE__CHANGE_KIND__CHANGE_ACTIVITY;
	lc.arena = arena;
	for (size_t i = 0; i < n && !t->ret; i++) {
		Leadd__Activity *old, *a;
		Leadd__Lead *lead_old, *next;
		int err = activity_load(t, lead_id, numbers[i], arena, &old);
		if (err == MDB_NOTFOUND)
			continue; /* an index entry without a record: verify names it */
		if (err || (err = activity_load(t, lead_id, numbers[i], arena, &a)) ||
		    (err = lead_load_copy(t, lead_id, arena, &lead_old, &next)))
			return t->ret ? t->ret : (t->ret = err);
		if (old->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN)
			continue;
		a->state = LEADD__ACTIVITY_STATE__ACTIVITY_CLOSED;
		a->has_done_at = a->has_done_by = 1;
		a->done_at = ch->now;
		a->done_by = ch->author;
		if (activity_apply(t, lead_old, next, old, a,
				   LEADD__STORE__ACTIVITY_OP__ACTIVITY_CLOSED, &lc))
			break;
		*lead = next;
		Leadd__Activity *shown = ld_arena_alloc(arena, sizeof(*shown));
		if (!shown)
			return t->ret = ENOMEM;
		*shown = *a;
		shown->text = shown->outcome = NULL;
		(*closed)[(*n_closed)++] = shown;
	}
	return t->ret;
}
