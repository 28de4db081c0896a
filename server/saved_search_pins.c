/* Pinned saved searches: per user, by search id, in dashboard order. */
#include "saved_search_pins.h"

#include <errno.h>
#include <string.h>

#include "ld_error.h"

/* The caller's pins that still name a search they can see, in order. The
 * others (a team they left) are kept in the store until their next pin
 * change, and skipped here. */
int saved_live_pins(request_ctx *rc, store_txn *t, saved_pins **pins, uint64_t **ids, size_t *n)
{
	int err = saved_pins_get(t, rc->who.user_id, &rc->arena, pins);
	if (err)
		return err;
	*ids = ld_arena_alloc(&rc->arena, ((*pins)->n_search_ids + 1) * sizeof(**ids));
	if (!*ids)
		return ENOMEM;
	*n = 0;
	for (size_t i = 0; i < (*pins)->n_search_ids; i++) {
		saved_key k;
		saved_record *s;
		err = saved_get_by_id(t, (*pins)->search_ids[i], &rc->arena, &k, &s);
		if (err == MDB_NOTFOUND)
			continue;
		if (err)
			return err;
		if (saved_visible(&rc->who, s))
			(*ids)[(*n)++] = s->id;
	}
	return 0;
}

uint32_t saved_pin_position(const uint64_t *ids, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return (uint32_t)i + 1;
	return 0;
}

/* Drop search id from every user's pins: a removed search leaves no pin
 * behind, so pins always name searches that exist (leadd verify checks). */
int saved_unpin_everywhere(request_ctx *rc, store_txn *t, uint64_t id)
{
	MDB_cursor *cur;
	int err = mdb_cursor_open(t->txn, t->st->dbi[DB_SEARCHES], &cur);
	if (err)
		return err;
	uint64_t *users = NULL;
	saved_pins **lists = NULL;
	size_t n = 0, cap = 0;
	uint8_t first = SAVED_KEY_PINS;
	MDB_val k = {1, &first}, v;
	for (err = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); err == 0;
	     err = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 9 || ((uint8_t *)k.mv_data)[0] != SAVED_KEY_PINS)
			break;
		saved_pins *p = leadd__store__search_pins_record__unpack(&rc->arena.pb, v.mv_size,
									 v.mv_data);
		if (!p) {
			err = MDB_CORRUPTED;
			break;
		}
		if (!saved_pin_position(p->search_ids, p->n_search_ids, id))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			uint64_t *nu = ld_arena_alloc(&rc->arena, cap * sizeof(*nu));
			saved_pins **nl = ld_arena_alloc(&rc->arena, cap * sizeof(*nl));
			if (!nu || !nl) {
				err = ENOMEM;
				break;
			}
			if (n) {
				memcpy(nu, users, n * sizeof(*nu));
				memcpy(nl, lists, n * sizeof(*nl));
			}
			users = nu;
			lists = nl;
		}
		users[n] = store_key_get_u64((uint8_t *)k.mv_data + 1);
		lists[n++] = p;
	}
	mdb_cursor_close(cur);
	if (err && err != MDB_NOTFOUND)
		return err;
	/* Written after the walk: a put under an open cursor would move it. */
	for (size_t i = 0; i < n; i++) {
		saved_pins *p = lists[i];
		size_t w = 0;
		for (size_t j = 0; j < p->n_search_ids; j++)
			if (p->search_ids[j] != id)
				p->search_ids[w++] = p->search_ids[j];
		p->n_search_ids = w;
		saved_pins_put(t, users[i], p);
	}
	return t->ret;
}

int saved_pins_set(request_ctx *rc, store_txn *t, uint64_t id, int pin, int has_position,
		   uint32_t position)
{
	saved_pins *pins;
	uint64_t *ids;
	size_t n;
	int err = saved_live_pins(rc, t, &pins, &ids, &n);
	if (err)
		return err == ENOMEM ? dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory")
				     : dispatch_store_error(rc, err);
	uint32_t at = saved_pin_position(ids, n, id);
	if (at) { /* take it out; pinning again puts it where asked */
		memmove(ids + at - 1, ids + at, (n - at) * sizeof(*ids));
		n--;
	}
	if (pin) {
		if (!at && n >= SAVED_PINS_MAX)
			return dispatch_fail(
				rc, LD_RESOURCE_EXHAUSTED,
				"you have %d pinned searches, the most; unpin one first "
				"('lead search unpin')",
				SAVED_PINS_MAX);
		size_t pos = at && !has_position ? at : n + 1;
		if (has_position) {
			if (position < 1 || position > n + 1)
				return dispatch_fail(
					rc, LD_INVALID_ARGUMENT,
					"the position is 1 to %zu: where the search goes "
					"among your %zu other pinned searches",
					n + 1, n);
			pos = position;
		}
		uint64_t *grown = ld_arena_alloc(&rc->arena, (n + 1) * sizeof(*grown));
		if (!grown)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		memcpy(grown, ids, (pos - 1) * sizeof(*ids));
		grown[pos - 1] = id;
		memcpy(grown + pos, ids + pos - 1, (n - (pos - 1)) * sizeof(*ids));
		ids = grown;
		n++;
	}
	/* Written back without the pins the caller can no longer see. */
	pins->search_ids = ids;
	pins->n_search_ids = n;
	saved_pins_put(t, rc->who.user_id, pins);
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}
