/* client_edit and client_merge: the folder requests that move leads. A
 * rename rewrites every lead of the folder (its client_name, and so its
 * word index) and a merge moves every lead of one folder into another,
 * each through the write core, so each is a revision with history.
 *
 * A folder may hold any number of leads, so both are split over several
 * commits like a bulk assign (lead_assign.c): at most CLIENT_CHUNK leads
 * per transaction, and a chunk also ends once the leads it loaded take
 * CLIENT_CHUNK_BYTES. Both rows are barriers: nothing the caller sends
 * after them starts before they are done. The first chunk resolves the
 * folders and does the folder's own change; the request then names them
 * by id, so later chunks find them whatever happens to the names. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client_folder.h"
#include "client_handlers.h"
#include "client_leads.h"
#include "ld_error.h"
#include "lead_handlers.h"
#include "log.h"
#include "record_handlers.h"
#include "server.h"
#include "session_check.h"

#define CLIENT_CHUNK 500
#define CLIENT_CHUNK_BYTES (16u << 20)
#define CLIENT_CHUNK_ARENA (64u << 20)

static void chunk_commit(request_ctx *rc)
{
	rc->chunks_done++;
	rc->chunk_after = rc->chunk_after_pending;
	rc->chunk_moved = rc->chunk_moved_pending;
}

/* Every chunk (a replay too) starts from what the committed ones did. */
static void chunk_begin(request_ctx *rc, void (*finish)(request_ctx *rc))
{
	if (!rc->chunk_commit) {
		rc->chunk_commit = chunk_commit;
		rc->chunk_finish = finish;
		rc->chunk_stoppable = 0; /* finished before leadd stops */
		ld_arena_init(&rc->chunk_arena, CLIENT_CHUNK_ARENA);
	}
	ld_arena_reset(&rc->chunk_arena);
	rc->chunk_after_pending = rc->chunk_after;
	rc->chunk_moved_pending = rc->chunk_moved;
}

/* Later chunks name a folder by the id the first one found. */
static void ref_by_id(Leadd__ClientRef *ref, uint64_t id)
{
	ref->has_id = 1;
	ref->id = id;
	ref->name = NULL;
}

/* A request that failed after some chunks committed says what was done. */
static void edit_finish(request_ctx *rc)
{
	if (rc->code != LD_OK && rc->chunks_done) {
		char why[sizeof(rc->message)];
		snprintf(why, sizeof(why), "%s", rc->message);
		dispatch_fail(rc, rc->code,
			      "%s; the folder was renamed and %" PRIu64 " of its leads follow the "
			      "new name, the others not yet: run the same command again to "
			      "finish",
			      why, rc->chunk_moved);
	}
}

static void merge_finish(request_ctx *rc)
{
	if (rc->code != LD_OK && rc->chunks_done) {
		char why[sizeof(rc->message)];
		snprintf(why, sizeof(why), "%s", rc->message);
		dispatch_fail(rc, rc->code,
			      "%s; %" PRIu64 " leads were moved before that, the others were not: "
			      "run the same merge again to finish it",
			      why, rc->chunk_moved);
	}
}

/* ---- a rename's leads, after a crash ----
 *
 * In meta, "client_rename/" and a folder id (u64 BE): that folder was
 * renamed and some of its leads may still carry an old name. The value is
 * how many renames of it are under way (u32 BE; 1 byte from before it was
 * a count): the first chunk of a rename that leaves leads behind adds one,
 * its last chunk takes it away, so a folder renamed twice at once (from
 * two connections) stays marked until both are done, and after a crash
 * the next start finishes the renames (client_finish_renames). */
#define RENAME_KEY "client_rename/"
#define RENAME_KEY_LEN (sizeof(RENAME_KEY) - 1)

static void rename_key(uint8_t key[RENAME_KEY_LEN + 8], uint64_t folder)
{
	memcpy(key, RENAME_KEY, RENAME_KEY_LEN);
	store_key_u64(key + RENAME_KEY_LEN, folder);
}

/* One more (delta 1) or one fewer (-1) rename of `folder` under way. */
static void rename_count(store_txn *t, uint64_t folder, int delta)
{
	uint8_t key[RENAME_KEY_LEN + 8];
	rename_key(key, folder);
	MDB_val v = {0, NULL};
	int err = store_get(t, DB_META, key, sizeof(key), &v);
	if (err && err != MDB_NOTFOUND) {
		t->ret = t->ret ? t->ret : err;
		return;
	}
	uint32_t n = 0;
	const uint8_t *b = v.mv_data;
	if (!err && v.mv_size == 4)
		n = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	else if (!err)
		n = v.mv_size ? b[0] : 1; /* the 1-byte mark of before */
	n = delta > 0 ? n + 1 : (n ? n - 1 : 0);
	if (n) {
		uint8_t be[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
				 (uint8_t)n};
		store_put(t, DB_META, key, sizeof(key), be, 4, 0);
	} else if (!err) {
		store_del(t, DB_META, key, sizeof(key), NULL, 0);
	}
}

/* Every rename of `folder` is done (at start, nothing else runs). */
static void rename_clear(store_txn *t, uint64_t folder)
{
	uint8_t key[RENAME_KEY_LEN + 8];
	rename_key(key, folder);
	MDB_val v;
	if (store_get(t, DB_META, key, sizeof(key), &v) == 0)
		store_del(t, DB_META, key, sizeof(key), NULL, 0);
}

/* One chunk of a rename a crash cut short: the next leads take the
 * folder's name (store_finish_marked). */
static uint64_t rename_finish_chunk(store_txn *t, uint64_t folder, uint64_t *after, ld_arena *ar)
{
	uint64_t moved = 0, id;
	Leadd__Store__ClientRecord *rec;
	/* The arena: the write core loads a lead's next activity there. */
	lead_change ch = {.now = server_now_ms(),
			  .author = 0,
			  .kind = LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE,
			  .arena = ar};
	int more = 0;
	if (client_load(t, folder, ar, &rec) == 0) {
		for (size_t n = 0; !t->ret && client_lead_next(t, folder, *after, &id); n++) {
			if (n == CLIENT_CHUNK) {
				more = 1;
				break;
			}
			*after = id;
			if (client_lead_point(t, ar, id, folder, rec->name, &ch) == 0)
				moved++;
		}
	}
	if (!more)
		rename_clear(t, folder); /* a folder gone (merged) has nothing left */
	return moved;
}

int client_finish_renames(store *st)
{
	uint64_t total = 0;
	int err = store_finish_marked(st, RENAME_KEY, rename_finish_chunk, CLIENT_CHUNK_ARENA,
				      &total);
	if (err)
		log_error("finishing a client folder rename that a crash interrupted failed: %s; "
			  "some leads still show the folder's old name (leadd verify lists them): "
			  "run the same 'lead client edit NAME --name NEW' again",
			  store_strerror(err));
	else if (total)
		log_warn("a client folder rename was interrupted by a crash: %" PRIu64
			 " lead(s) took the folder's new name now",
			 total);
	return err;
}

/* ---- client_edit ---- */

static char *text_or_null(char *s)
{
	return s && s[0] ? s : NULL;
}

/* A detail given in the edit ("" clears it); *changed when it differs. */
static void set_detail(char **field, char *value, int *changed)
{
	if (!value)
		return;
	char *v = text_or_null(value);
	if ((*field && v) ? strcmp(*field, v) != 0 : *field != v) {
		*field = v;
		*changed = 1;
	}
}

/* The first chunk's checks and the folder's own change. */
static int edit_folder(request_ctx *rc, store_txn *t, Leadd__Store__ClientRecord **out,
		       int *changed_out)
{
	Leadd__ClientEditRequest *q = rc->req->client_edit;
	Leadd__Store__ClientRecord *rec;
	int code = client_ref_find(rc, t, q->client, "to edit", &rc->chunk_arena, &rec);
	if (code)
		return code;
	if (!q->new_name && !q->phone && !q->web && !q->address && !q->note)
		return dispatch_fail(rc, LD_INVALID_ARGUMENT,
				     "the edit changes nothing: give a new name, a phone, a "
				     "website, an address or a note");
	if ((code = client_check_phone(rc, q->phone)))
		return code;
	char *old_name = rec->name;
	int changed = 0;
	if (q->new_name) {
		char key[CLIENT_NAME_KEY_MAX + 1], old_key[CLIENT_NAME_KEY_MAX + 1];
		uint64_t other;
		if (client_name_key(q->new_name, key, sizeof(key)) < 0)
			return client_bad_name_fail(rc, q->new_name);
		if (client_name_key(rec->name, old_key, sizeof(old_key)) < 0)
			return dispatch_store_error(rc, MDB_CORRUPTED);
		int err = client_find_key(t, key, &other);
		if (err && err != MDB_NOTFOUND)
			return dispatch_store_error(rc, err);
		Leadd__Store__ClientRecord *o;
		if (err == 0 && other != rec->id) {
			if ((err = client_load(t, other, &rc->chunk_arena, &o)))
				return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED
										    : err);
			return dispatch_fail(rc, LD_ALREADY_EXISTS,
					     "another client folder is named '%s' (id %" PRIu64
					     "); to make the two one, merge them (lead client "
					     "merge)",
					     o->name, o->id);
		}
		if (err == MDB_NOTFOUND && !(q->has_new_client && q->new_client) &&
		    client_find_near(t, q->new_name, key, rec->id, &other)) {
			if ((err = client_load(t, other, &rc->chunk_arena, &o)))
				return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED
										    : err);
			return dispatch_fail(
				rc, LD_FAILED_PRECONDITION,
				"the new name '%s' is close to client folder '%s': if "
				"they are one company, merge them (lead client merge); "
				"if not, confirm the name with --new-client",
				q->new_name, o->name);
		}
		if (t->ret)
			return dispatch_store_error(rc, t->ret);
		/* The name as typed, trimmed as a new folder's is. */
		const char *s = q->new_name;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		char *name = ld_arena_alloc(&rc->arena, n + 1);
		if (!name)
			return dispatch_fail(rc, LD_RESOURCE_EXHAUSTED, "out of memory");
		memcpy(name, s, n);
		name[n] = 0;
		if (strcmp(name, old_name) != 0) {
			client_index_del(t, rec->id, old_name);
			rec->name = name;
			client_index_put(t, rec->id, rec->name);
			changed = 1;
		}
	}
	set_detail(&rec->phone, q->phone, &changed);
	set_detail(&rec->web, q->web, &changed);
	set_detail(&rec->address, q->address, &changed);
	set_detail(&rec->note, q->note, &changed);
	/* An edit that changes nothing writes nothing: updated_at stays. */
	if (changed) {
		rec->has_updated_at = 1;
		rec->updated_at = rc->now;
		client_put(t, rec);
	}
	ref_by_id(q->client, rec->id);
	*out = rec;
	*changed_out = changed;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

/* Point the next chunk of the folder's leads at its name. */
static int rename_chunk(request_ctx *rc, store_txn *t, const Leadd__Store__ClientRecord *rec)
{
	ld_arena *ar = &rc->chunk_arena;
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE);
	ch.arena = ar;
	uint64_t id;
	size_t n = 0;
	int more = 0;
	while (!t->ret && client_lead_next(t, rec->id, rc->chunk_after_pending, &id)) {
		if (n == CLIENT_CHUNK ||
		    (n > 0 && t->chunk_bytes + ar->used > CLIENT_CHUNK_BYTES)) {
			more = 1;
			break;
		}
		n++;
		rc->chunk_after_pending = id;
		if (client_lead_point(t, ar, id, rec->id, rec->name, &ch) == 0)
			rc->chunk_moved_pending++;
	}
	t->chunk_bytes += ar->used;
	rc->again = more && !t->ret;
	return t->ret ? dispatch_store_error(rc, t->ret) : LD_OK;
}

int client_edit(request_ctx *rc, store_txn *t)
{
	Leadd__ClientEditRequest *q = rc->req->client_edit;
	Leadd__Store__ClientRecord *rec;
	int code, changed = 1;
	chunk_begin(rc, edit_finish);
	if (!rc->chunks_done) {
		if ((code = edit_folder(rc, t, &rec, &changed)))
			return code;
	} else {
		/* No rights check here: the rename was allowed and is done; the
		 * later chunks only bring its leads in step with it, and
		 * stopping them would leave leads under a name the folder no
		 * longer has. */
		int err = client_load(t, q->client->id, &rc->chunk_arena, &rec);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(
				rc, LD_FAILED_PRECONDITION,
				"the client folder was merged into another while its "
				"leads were being renamed; its leads are in that folder");
		if (err)
			return dispatch_store_error(rc, err);
	}
	/* Every lead follows the folder's name: after a rename, and also when
	 * a rename to the same name finishes one a crash cut short. */
	if (q->new_name && (code = rename_chunk(rc, t, rec)))
		return code;
	/* Marked from the first chunk that leaves leads behind to the last. */
	if (!rc->chunks_done && rc->again)
		rename_count(t, rec->id, 1);
	else if (rc->chunks_done && !rc->again)
		rename_count(t, rec->id, -1);
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	if (rc->again)
		return LD_OK;
	Leadd__Store__ClientRecord *done;
	int err = client_load(t, rec->id, &rc->arena, &done);
	if (err)
		return dispatch_store_error(rc, err == MDB_NOTFOUND ? MDB_CORRUPTED : err);
	Leadd__ClientReply *r;
	if ((code = client_reply(rc, done, &r)))
		return code;
	/* Known only when one chunk did it all (a rename of a big folder to
	 * its own name says nothing). */
	if (!changed && !rc->chunks_done)
		r->has_unchanged = r->unchanged = 1;
	return LD_OK;
}

/* ---- client_merge ---- */

static void take_missing(char **keep, char *from)
{
	if (!*keep && from)
		*keep = from;
}

int client_merge(request_ctx *rc, store_txn *t)
{
	Leadd__ClientMergeRequest *q = rc->req->client_merge;
	ld_arena *ar = &rc->chunk_arena;
	Leadd__Store__ClientRecord *from, *into;
	int code;
	chunk_begin(rc, merge_finish);
	if ((code = session_recheck(rc, t, ar)))
		return code;
	if (rc->chunks_done) {
		/* Later chunks: the folders the first one found, by id. */
		int err = client_load(t, q->into->id, ar, &into);
		if (err == MDB_NOTFOUND)
			return dispatch_fail(rc, LD_FAILED_PRECONDITION,
					     "the client folder to keep was merged into another "
					     "while this merge ran; merge into that one");
		if (err)
			return dispatch_store_error(rc, err);
		err = client_load(t, q->from->id, ar, &from);
		if (err == MDB_NOTFOUND)
			from = NULL; /* merged away meanwhile: nothing is left to move */
		else if (err)
			return dispatch_store_error(rc, err);
	} else {
		if ((code = client_ref_find(rc, t, q->from, "to merge", ar, &from)) ||
		    (code = client_ref_find(rc, t, q->into, "to keep", ar, &into)))
			return code;
		if (from->id == into->id)
			return dispatch_fail(rc, LD_INVALID_ARGUMENT,
					     "'%s' and '%s' are the same client folder; name two "
					     "folders to merge",
					     q->from->name ? q->from->name : from->name,
					     q->into->name ? q->into->name : into->name);
		ref_by_id(q->from, from->id);
		ref_by_id(q->into, into->id);
	}
	lead_change ch = lead_change_of(rc, LEADD__STORE__CHANGE_KIND__CHANGE_UPDATE);
	ch.arena = ar;
	size_t n = 0;
	uint64_t id;
	int more = 0;
	/* Always the folder's first lead: each move takes it out of the
	 * folder, and a lead added to it between chunks is moved too. */
	while (from && !t->ret && client_lead_next(t, from->id, 0, &id)) {
		if (n == CLIENT_CHUNK ||
		    (n > 0 && t->chunk_bytes + ar->used > CLIENT_CHUNK_BYTES)) {
			more = 1;
			break;
		}
		n++;
		if (client_lead_point(t, ar, id, into->id, into->name, &ch) != 0) {
			t->ret = t->ret ? t->ret : MDB_CORRUPTED; /* the index named a lead
								   * of another folder */
			break;
		}
		rc->chunk_moved_pending++;
	}
	t->chunk_bytes += ar->used;
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	rc->again = more;
	if (more)
		return LD_OK;
	if (from) {
		/* Empty now: the folder goes, its details filling the kept
		 * folder's gaps. */
		take_missing(&into->phone, from->phone);
		take_missing(&into->web, from->web);
		take_missing(&into->address, from->address);
		take_missing(&into->note, from->note);
		into->has_updated_at = 1;
		into->updated_at = rc->now;
		client_put(t, into);
		client_index_del(t, from->id, from->name);
		uint8_t key[8];
		store_key_u64(key, from->id);
		store_del(t, DB_CLIENTS, key, 8, NULL, 0);
	}
	if (t->ret)
		return dispatch_store_error(rc, t->ret);
	Leadd__Store__ClientRecord *kept;
	int err = client_load(t, into->id, &rc->arena, &kept);
	Leadd__ClientReply *r;
	if (err)
		return dispatch_store_error(rc, err);
	if ((code = client_reply(rc, kept, &r)))
		return code;
	r->has_moved = 1;
	r->moved = rc->chunk_moved_pending;
	return LD_OK;
}
