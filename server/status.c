#include "status.h"

#include "dispatch.h"
#include "ld_error.h"

#include <errno.h>
#include <stdlib.h>
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

static int cmp_position(const void *a, const void *b)
{
	const Leadd__Status *x = *(Leadd__Status *const *)a, *y = *(Leadd__Status *const *)b;
	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int status_all_sorted(store_txn *t, ld_arena *arena, Leadd__Status ***out, size_t *n)
{
	int rc = status_all(t, arena, out, n);
	if (rc == 0 && *n > 1)
		qsort(*out, *n, sizeof(**out), cmp_position);
	return rc;
}

int status_lead_count(store_txn *t, uint64_t id, uint64_t *n)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_STATUS], &cur);
	if (rc)
		return rc;
	uint8_t key[8];
	store_key_u64(key, id);
	MDB_val k = {8, key}, v;
	size_t count = 0;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_count(cur, &count);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	*n = rc ? 0 : (uint64_t)count;
	return rc;
}

static const char *const class_words[] = {
	[LEADD__KPI_CLASS__KPI_NONE] = "none",
	[LEADD__KPI_CLASS__KPI_NEW] = "new",
	[LEADD__KPI_CLASS__KPI_QUALIFIED] = "qualified",
	[LEADD__KPI_CLASS__KPI_DEAD] = "dead",
	[LEADD__KPI_CLASS__KPI_PROSPECT] = "prospect",
	[LEADD__KPI_CLASS__KPI_LOST] = "lost",
	[LEADD__KPI_CLASS__KPI_WON] = "won",
};

int status_is_class_word(const char *folded)
{
	for (size_t i = 0; i < sizeof(class_words) / sizeof(class_words[0]); i++)
		if (class_words[i] && strcmp(folded, class_words[i]) == 0)
			return 1;
	return 0;
}

const char *status_class_word(Leadd__KpiClass c)
{
	return (size_t)c < sizeof(class_words) / sizeof(class_words[0]) && class_words[c]
		       ? class_words[c]
		       : "unknown";
}

const char *status_stage_word(Leadd__Stage s)
{
	switch (s) {
	case LEADD__STAGE__STAGE_LEAD:
		return "lead";
	case LEADD__STAGE__STAGE_PROSPECT:
		return "prospect";
	case LEADD__STAGE__STAGE_CUSTOMER:
		return "customer";
	default:
		return "unknown";
	}
}

/* status_list: every status in display order. Admins also get how many
 * leads each holds (every team's, archived ones too: what status_rm would
 * move); others' rights do not cover every lead, so they get no count. */
int status_list(request_ctx *rc, store_txn *t)
{
	Leadd__StatusListReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!reply)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__status_list_reply__init(reply);
	int err = status_all_sorted(t, &rc->arena, &reply->statuses, &reply->n_statuses);
	if (err)
		return dispatch_store_error(rc, err);
	for (size_t i = 0; rc->who.role >= ROLE_ADMIN && i < reply->n_statuses; i++) {
		Leadd__Status *s = reply->statuses[i];
		if ((err = status_lead_count(t, s->id, &s->leads)))
			return dispatch_store_error(rc, err);
		s->has_leads = 1;
	}
	rc->resp.body_case = LEADD__RESPONSE__BODY_STATUS_LIST;
	rc->resp.status_list = reply;
	return LD_OK;
}
