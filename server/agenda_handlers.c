/* The agenda (issue 13): one user's open calls, tasks and meetings in time
 * order, read as a range scan of DB_IDX_AGENDA (assignee|due ->
 * lead|number), so overdue items come first by themselves.
 *
 * Whose agenda: a rep only their own (naming anyone else is refused with
 * PERMISSION_DENIED whatever the name, so a rep learns nothing about which
 * users exist); a manager their own and those of the users of the teams
 * they manage; an admin anyone's. An item on a lead the caller may not see
 * (an activity left on someone's agenda after its lead moved out of the
 * caller's sight) is passed over, as lead_list passes over such leads.
 *
 * A page is bounded three ways: `limit` items, AGENDA_PAGE_BYTES of items
 * (an activity can hold ~9 KB of text: a thousand would not fit a frame),
 * and AGENDA_SCAN_MAX index entries read (entries passed over cost loop
 * time too). Whichever ends the page, the reply carries a cursor naming
 * the last entry examined; the next page starts after it. */
#include <inttypes.h>
#include <string.h>

#include "activity_core.h"
#include "activity_handlers.h"
#include "ld_error.h"
#include "users.h"

/* Packed bytes of items one page carries: with the reply's other fields
 * it stays well under the 1 MiB frame. */
#define AGENDA_PAGE_BYTES (512u << 10)
/* Index entries one page reads at most (items passed over included). */
#define AGENDA_SCAN_MAX 5000
/* One lead decodes into far less; a damaged one is refused, not grown. */
#define AGENDA_SCRATCH_BYTES (16u << 20)

/* ---- cursors: "a1." then base64url (no padding) of version, user, due,
 * lead and number of the last entry examined ---- */

#define CURSOR_RAW (1 + 8 + 8 + 8 + 4)
#define CURSOR_MAX (3 + (CURSOR_RAW * 4 + 2) / 3 + 1)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

typedef struct {
	uint64_t user, due, lead;
	uint32_t number;
} agenda_pos;

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static char *cursor_encode(ld_arena *a, const agenda_pos *pos)
{
	uint8_t raw[CURSOR_RAW];
	raw[0] = 1;
	put_be(raw + 1, pos->user, 8);
	put_be(raw + 9, pos->due, 8);
	put_be(raw + 17, pos->lead, 8);
	put_be(raw + 25, pos->number, 4);
	char *out = ld_arena_alloc(a, CURSOR_MAX);
	if (!out)
		return NULL;
	char *o = out;
	memcpy(o, "a1.", 3);
	o += 3;
	size_t n = sizeof(raw);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= raw[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		if (i + 1 < n)
			*o++ = b64[(v >> 6) & 63];
		if (i + 2 < n)
			*o++ = b64[v & 63];
	}
	*o = 0;
	return out;
}

/* 0, or -1 when s is no cursor this listing gave out. */
static int cursor_decode(const char *s, agenda_pos *pos)
{
	if (strncmp(s, "a1.", 3) != 0)
		return -1;
	s += 3;
	size_t len = strlen(s);
	/* 29 bytes: nine groups of 4 and one of 3 characters. */
	if (len != (CURSOR_RAW / 3) * 4 + CURSOR_RAW % 3 + 1)
		return -1;
	uint8_t raw[CURSOR_RAW];
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(b64, s[i]);
		if (!s[i] || !p)
			return -1;
		acc = (acc << 6) | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == CURSOR_RAW)
				return -1;
			raw[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (n != CURSOR_RAW || acc || raw[0] != 1)
		return -1;
	pos->user = get_be(raw + 1, 8);
	pos->due = get_be(raw + 9, 8);
	pos->lead = get_be(raw + 17, 8);
	pos->number = (uint32_t)get_be(raw + 25, 4);
	return 0;
}

/* ---- whose agenda ---- */

/* The user whose agenda the caller asks for, or the error on rc. */
static int whose(request_ctx *rc, store_txn *t, const char *name, user_record **out)
{
	const principal_t *who = &rc->who;
	int err;
	if (!name || !name[0]) {
		err = user_load(t, who->user_id, &rc->arena, out);
		return err ? dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err)
			   : LD_OK;
	}
	err = user_find(t, name, &rc->arena, out);
	if (err && err != MDB_NOTFOUND)
		return dispatch_store_error(rc, err);
	int self = err == 0 && (*out)->id == who->user_id;
	if (who->role < ROLE_MANAGER && !self)
		return dispatch_fail(rc, LD_PERMISSION_DENIED,
				     "a rep can read only their own agenda; leave out the user, or "
				     "ask a manager of your team");
	if (err == MDB_NOTFOUND ||
	    (!self && who->role < ROLE_ADMIN && !principal_has_team(who, (*out)->team_id)))
		return dispatch_fail(rc, LD_NOT_FOUND, "no user '%s' in your teams", name);
	return LD_OK;
}

/* ---- the scan ---- */

typedef struct {
	request_ctx *rc;
	store_txn *t;
	ld_arena scratch;
	const char *assignee;
	Leadd__Activity **items;
	size_t n, max;
	size_t bytes;
} page;

/* Add the entry (lead, number) due at `due` to the page if the caller may
 * see its lead: 1 added, 0 passed over, -1 the page is full (not added),
 * or -2 with the error on rc. */
static int take(page *pg, uint64_t due, uint64_t lead_id, uint32_t number)
{
	request_ctx *rc = pg->rc;
	ld_arena_reset(&pg->scratch);
	Leadd__Lead *lead;
	int err = lead_load(pg->t, lead_id, &pg->scratch, &lead);
	if (err == MDB_NOTFOUND)
		return 0; /* an entry without its lead: verify names it */
	if (err)
		return dispatch_store_error(rc, err), -2;
	if (!dispatch_may_see_lead(rc, pg->t, lead))
		return 0;
	Leadd__Activity *a;
	err = activity_load(pg->t, lead_id, number, &rc->arena, &a);
	if (err == MDB_NOTFOUND)
		return 0;
	if (err)
		return dispatch_store_error(rc, err), -2;
	if (a->state != LEADD__ACTIVITY_STATE__ACTIVITY_OPEN || a->at != (int64_t)due)
		return 0; /* a stale entry (verify names it): the record decides */
	a->assignee = (char *)pg->assignee;
	a->lead_title = lead->title ? ld_arena_strdup(&rc->arena, lead->title) : NULL;
	a->client_name = lead->client_name ? ld_arena_strdup(&rc->arena, lead->client_name) : NULL;
	a->has_overdue = 1;
	a->overdue = a->at < rc->now;
	if ((lead->title && !a->lead_title) || (lead->client_name && !a->client_name))
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory"), -2;
	size_t sz = leadd__activity__get_packed_size(a) + 8;
	if (pg->n && pg->bytes + sz > AGENDA_PAGE_BYTES)
		return -1;
	pg->bytes += sz;
	pg->items[pg->n++] = a;
	return 1;
}

int agenda_get(request_ctx *rc, store_txn *t)
{
	const Leadd__AgendaRequest *q = rc->req->agenda;
	if (q->has_limit && q->limit > AGENDA_LIMIT_MAX)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "limit %" PRIu32 " is over %d; ask for %d at most and page "
				     "with the cursor",
				     q->limit, AGENDA_LIMIT_MAX, AGENDA_LIMIT_MAX);
	if ((q->has_from && q->from < 0) || (q->has_to && q->to < 0))
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "from and to are times after 1970 (unix milliseconds)");
	if (q->has_from && q->has_to && q->to <= q->from)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "to must come after from (to is exclusive)");
	user_record *u;
	int code = whose(rc, t, q->user, &u);
	if (code)
		return code;
	agenda_pos pos = {0};
	int resume = 0;
	if (q->cursor && q->cursor[0]) {
		if (cursor_decode(q->cursor, &pos))
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "that cursor is not one an agenda reply gave; start "
					     "again without it");
		if (pos.user != u->id)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "that cursor is of another user's agenda; start again "
					     "without it");
		resume = 1;
	}
	uint64_t from = q->has_from ? (uint64_t)q->from : 0;
	if (resume && pos.due < from)
		resume = 0; /* the range starts after it */
	uint64_t to = q->has_to ? (uint64_t)q->to : UINT64_MAX;

	page pg = {.rc = rc, .t = t, .assignee = u->name};
	pg.max = q->has_limit && q->limit ? q->limit : AGENDA_LIMIT_DEFAULT;
	pg.items = ld_arena_alloc(&rc->arena, pg.max * sizeof(*pg.items));
	Leadd__AgendaReply *reply = ld_arena_alloc(&rc->arena, sizeof(*reply));
	if (!pg.items || !reply)
		return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	leadd__agenda_reply__init(reply);
	ld_arena_init(&pg.scratch, AGENDA_SCRATCH_BYTES);

	MDB_cursor *cur;
	int rc_db = mdb_cursor_open(t->txn, t->st->dbi[DB_IDX_AGENDA], &cur);
	if (rc_db) {
		ld_arena_free(&pg.scratch);
		return dispatch_store_error(rc, rc_db);
	}
	uint8_t key[16], val[16];
	MDB_val k = {16, key}, v = {16, val};
	if (resume) {
		/* The first entry after the last one examined: later dups of its
		 * key, else the keys after it. */
		store_key_u64_pair(key, u->id, pos.due);
		store_key_u64_pair(val, pos.lead, (uint64_t)pos.number + 1);
		rc_db = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
		if (rc_db == MDB_NOTFOUND) {
			if (pos.due == UINT64_MAX) {
				k.mv_size = 0; /* nothing can follow */
			} else {
				store_key_u64_pair(key, u->id, pos.due + 1);
				k = (MDB_val){16, key};
				rc_db = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			}
		}
	} else {
		store_key_u64_pair(key, u->id, from);
		rc_db = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	size_t scanned = 0;
	int more = 0;
	agenda_pos last = {.user = u->id};
	code = LD_OK;
	while (rc_db == 0 && k.mv_size) {
		if (k.mv_size != 16 || v.mv_size != 16) {
			rc_db = MDB_CORRUPTED;
			break;
		}
		if (store_key_get_u64(k.mv_data) != u->id)
			break;
		uint64_t due = store_key_get_u64((const uint8_t *)k.mv_data + 8);
		if (due >= to)
			break;
		if (pg.n == pg.max || scanned == AGENDA_SCAN_MAX) {
			more = 1;
			break;
		}
		uint64_t lead_id = store_key_get_u64(v.mv_data);
		uint32_t number = (uint32_t)store_key_get_u64((const uint8_t *)v.mv_data + 8);
		int got = take(&pg, due, lead_id, number);
		if (got == -2) {
			code = rc->code;
			break;
		}
		if (got == -1) {
			more = 1;
			break;
		}
		scanned++;
		last.due = due;
		last.lead = lead_id;
		last.number = number;
		rc_db = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	ld_arena_free(&pg.scratch);
	if (code)
		return code;
	if (rc_db && rc_db != MDB_NOTFOUND)
		return dispatch_store_error(rc, rc_db);
	if (more && scanned) {
		reply->cursor = cursor_encode(&rc->arena, &last);
		if (!reply->cursor)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
	}
	reply->n_items = pg.n;
	reply->items = pg.items;
	reply->has_now = 1;
	reply->now = rc->now;
	reply->user = u->name;
	rc->resp.body_case = LEADD__RESPONSE__BODY_AGENDA;
	rc->resp.agenda = reply;
	return LD_OK;
}
