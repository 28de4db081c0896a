#include "status.h"

#include "dispatch.h"
#include "ld_error.h"

#include <errno.h>
#include <string.h>

int status_load(store_txn *t, uint64_t id, ld_arena *arena, Leadd__Status **out)
{
	uint8_t key[8];
	store_key_u64(key, id);
	return store_get_msg(t, DB_STATUSES, key, 8, &leadd__status__descriptor, arena,
			     (ProtobufCMessage **)out);
}

/* Every status, in id order, unpacked through the arena. */
static int status_all(store_txn *t, ld_arena *arena, Leadd__Status ***out, size_t *n)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_STATUSES], &cur);
	if (rc)
		return rc;
	size_t cap = 16, count = 0;
	Leadd__Status **list = ld_arena_alloc(arena, cap * sizeof(*list));
	MDB_val k, v;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && list;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (count == cap) {
			Leadd__Status **bigger = ld_arena_alloc(arena, 2 * cap * sizeof(*list));
			if (!bigger) {
				list = NULL;
				break;
			}
			memcpy(bigger, list, cap * sizeof(*list));
			list = bigger;
			cap *= 2;
		}
		list[count] = leadd__status__unpack(&arena->pb, v.mv_size, v.mv_data);
		if (!list[count]) {
			rc = MDB_CORRUPTED;
			break;
		}
		count++;
	}
	mdb_cursor_close(cur);
	if (!list)
		return ENOMEM;
	if (rc != MDB_NOTFOUND)
		return rc;
	*out = list;
	*n = count;
	return 0;
}

int status_default_new(store_txn *t, ld_arena *arena, uint64_t *id)
{
	Leadd__Status **all;
	size_t n;
	int rc = status_all(t, arena, &all, &n);
	if (rc)
		return rc;
	const Leadd__Status *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (all[i]->kpi_class == LEADD__KPI_CLASS__KPI_NEW &&
		    (!best || all[i]->position < best->position))
			best = all[i];
	if (!best)
		return MDB_NOTFOUND;
	*id = best->id;
	return 0;
}

int status_list(request_ctx *rc, store_txn *t)
{
	Leadd__StatusListReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!reply)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__status_list_reply__init(reply);
	int err = status_all(t, &rc->arena, &reply->statuses, &reply->n_statuses);
	if (err)
		return dispatch_store_error(rc, err);
	rc->resp.body_case = LEADD__RESPONSE__BODY_STATUS_LIST;
	rc->resp.status_list = reply;
	return LD_OK;
}
