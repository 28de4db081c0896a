/* activity_list: a lead's activities, open ones first by time (the next
 * action first), then the others newest first. A lead holds at most
 * ACTIVITY_MAX_PER_LEAD, so all are read and sorted; a reply carries what
 * fits one frame and a cursor for the rest (a thousand long notes do not
 * fit 1 MiB). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity_core.h"
#include "activity_handlers.h"
#include "activity_rules.h"
#include "ld_error.h"
#include "ld_frame.h"
#include "lead_handlers.h"

/* Room for the activities in one reply: the frame less the envelope. */
#define LIST_BYTES (LD_FRAME_MAX - 4096)

/* Where an activity sorts: open ones (group 0) by time then number, the
 * others (group 1) by time then number, newest first. */
typedef struct {
	int group;
	int64_t at;
	uint32_t number;
} list_key;

typedef struct {
	list_key key;
	Leadd__Activity *a;
} list_item;

static list_key key_of(const Leadd__Activity *a)
{
	list_key k = {a->state == LEADD__ACTIVITY_STATE__ACTIVITY_OPEN ? 0 : 1, a->at, a->number};
	return k;
}

static int key_cmp(const list_key *x, const list_key *y)
{
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	int dir = x->group == 0 ? 1 : -1;
	if (x->at != y->at)
		return x->at < y->at ? -dir : dir;
	if (x->number != y->number)
		return x->number < y->number ? -dir : dir;
	return 0;
}

static int item_cmp(const void *x, const void *y)
{
	return key_cmp(&((const list_item *)x)->key, &((const list_item *)y)->key);
}

/* The cursor names the last activity given: "group.at.number". */
static int cursor_parse(const char *s, list_key *k)
{
	char end;
	unsigned long long number;
	long long at;
	if (sscanf(s, "%d.%lld.%llu%c", &k->group, &at, &number, &end) != 3 ||
	    (k->group != 0 && k->group != 1) || number > UINT32_MAX)
		return -1;
	k->at = at;
	k->number = (uint32_t)number;
	return 0;
}

/* Every activity record of the lead (not its counter), decoded. */
static int read_all(request_ctx *rc, store_txn *t, uint64_t lead_id, list_item **out, size_t *n)
{
	size_t cap = activity_last_number(t, lead_id);
	list_item *items = ld_arena_alloc(&rc->arena, (cap ? cap : 1) * sizeof(*items));
	MDB_cursor *cur;
	if (!items)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	int err = t->ret ? t->ret : mdb_cursor_open(t->txn, t->st->dbi[DB_ACTIVITIES], &cur);
	if (err)
		return dispatch_store_error(rc, err);
	uint8_t first[16];
	activity_key(first, lead_id, 1);
	MDB_val k = {16, first}, v;
	*n = 0;
	for (err = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); err == 0 && *n < cap;
	     err = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16 || store_key_get_u64(k.mv_data) != lead_id)
			break;
		Leadd__Activity *a = leadd__activity__unpack(&rc->arena.pb, v.mv_size, v.mv_data);
		if (!a) {
			err = MDB_CORRUPTED;
			break;
		}
		items[*n].key = key_of(a);
		items[(*n)++].a = a;
	}
	mdb_cursor_close(cur);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	*out = items;
	return LD_OK;
}

int activity_list(request_ctx *rc, store_txn *t)
{
	const Leadd__ActivityListRequest *q = rc->req->activity_list;
	Leadd__Lead *lead;
	list_key after = {0, 0, 0};
	int has_after = q->cursor && q->cursor[0];
	int code;
	if (has_after && cursor_parse(q->cursor, &after))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the cursor is not one this server gave; list from the start");
	if ((code = lead_load_visible(rc, t, q->lead_id, &lead)))
		return code;
	list_item *items = NULL;
	size_t n = 0;
	if ((code = read_all(rc, t, lead->id, &items, &n)))
		return code;
	qsort(items, n, sizeof(*items), item_cmp);
	Leadd__ActivityListReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	Leadd__Activity **out = ld_arena_alloc(&rc->arena, (n ? n : 1) * sizeof(*out));
	if (!reply || !out)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__activity_list_reply__init(reply);
	size_t i = 0, used = 0;
	while (has_after && i < n && key_cmp(&items[i].key, &after) <= 0)
		i++;
	/* The names of the last few assignees, read once. */
	uint64_t seen_id[8] = {0};
	char *seen_name[8] = {0};
	for (; i < n; i++) {
		Leadd__Activity *a = items[i].a;
		uint64_t who = a->assignee_id;
		size_t slot = who % 8;
		if (who && seen_id[slot] != who) {
			seen_id[slot] = who;
			seen_name[slot] = activity_user_name(rc, t, who);
		}
		a->assignee = who ? seen_name[slot] : NULL;
		size_t size = leadd__activity__get_packed_size(a) + 8;
		if (reply->n_activities && used + size > LIST_BYTES) {
			const list_key *k = &items[i - 1].key;
			char buf[64];
			snprintf(buf, sizeof(buf), "%d.%" PRId64 ".%" PRIu32, k->group, k->at,
				 k->number);
			reply->cursor = ld_arena_strdup(&rc->arena, buf);
			break;
		}
		used += size;
		out[reply->n_activities++] = a;
	}
	reply->activities = out;
	rc->resp.body_case = LEADD__RESPONSE__BODY_ACTIVITY_LIST;
	rc->resp.activity_list = reply;
	return LD_OK;
}
