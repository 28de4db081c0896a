#include "users.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ld_norm.h"

/* User and team names are found by their folded form (ld_norm_name: NFKC,
 * Unicode case folding, whitespace runs made one space), so "Tom", "tom"
 * and "ＴＯＭ" are one name: a second cannot be added, and login finds the
 * user whatever case is typed. The record keeps the name as it was first
 * given, for display. */
int user_name_key(const char *name, char key[USER_NAME_KEY_MAX + 1])
{
	if (!name || ld_norm_name(name, key, USER_NAME_KEY_MAX + 1) < 0 || !key[0])
		return -1;
	return 0;
}

int user_name_equal(const char *a, const char *b)
{
	char ka[USER_NAME_KEY_MAX + 1], kb[USER_NAME_KEY_MAX + 1];
	return user_name_key(a, ka) == 0 && user_name_key(b, kb) == 0 && strcmp(ka, kb) == 0;
}

static int load_by_id(store_txn *t, store_db db, uint64_t id,
		      const ProtobufCMessageDescriptor *desc, ld_arena *arena, void **out)
{
	uint8_t key[8];
	store_key_u64(key, id);
	return store_get_msg(t, db, key, 8, desc, arena, (ProtobufCMessage **)out);
}

static int load_by_name(store_txn *t, store_db names, store_db db, const char *name,
			const ProtobufCMessageDescriptor *desc, ld_arena *arena, void **out)
{
	char key[USER_NAME_KEY_MAX + 1];
	if (user_name_key(name, key) < 0)
		return MDB_NOTFOUND;
	MDB_val v;
	int rc = store_get(t, names, key, strlen(key), &v);
	if (rc)
		return rc;
	if (v.mv_size != 8)
		return t->ret = MDB_CORRUPTED;
	return load_by_id(t, db, store_key_get_u64(v.mv_data), desc, arena, out);
}

int user_load(store_txn *t, uint64_t id, ld_arena *arena, user_record **out)
{
	return load_by_id(t, DB_USERS, id, &leadd__store__user_record__descriptor, arena,
			  (void **)out);
}

int user_find(store_txn *t, const char *name, ld_arena *arena, user_record **out)
{
	return load_by_name(t, DB_USER_NAMES, DB_USERS, name,
			    &leadd__store__user_record__descriptor, arena, (void **)out);
}

int team_load(store_txn *t, uint64_t id, ld_arena *arena, team_record **out)
{
	return load_by_id(t, DB_TEAMS, id, &leadd__store__team_record__descriptor, arena,
			  (void **)out);
}

int team_find(store_txn *t, const char *name, ld_arena *arena, team_record **out)
{
	return load_by_name(t, DB_TEAM_NAMES, DB_TEAMS, name,
			    &leadd__store__team_record__descriptor, arena, (void **)out);
}

static void put_name(store_txn *t, store_db names, const char *name, const uint8_t id[8])
{
	char key[USER_NAME_KEY_MAX + 1];
	if (t->ret)
		return;
	if (user_name_key(name, key) < 0) {
		t->ret = EINVAL;
		return;
	}
	store_put(t, names, key, strlen(key), id, 8, MDB_NOOVERWRITE);
}

void user_put(store_txn *t, user_record *u, int is_new)
{
	uint8_t key[8];
	if (is_new) {
		u->has_id = 1;
		u->id = store_meta_next(t, META_NEXT_USER_ID);
	}
	store_key_u64(key, u->id);
	store_put_msg(t, DB_USERS, key, 8, &u->base);
	if (is_new)
		put_name(t, DB_USER_NAMES, u->name, key);
}

void team_put(store_txn *t, team_record *tm, int is_new)
{
	uint8_t key[8];
	if (is_new) {
		tm->has_id = 1;
		tm->id = store_meta_next(t, META_NEXT_TEAM_ID);
	}
	store_key_u64(key, tm->id);
	store_put_msg(t, DB_TEAMS, key, 8, &tm->base);
	if (is_new)
		put_name(t, DB_TEAM_NAMES, tm->name, key);
}

static int load_all(store_txn *t, store_db db, const ProtobufCMessageDescriptor *desc,
		    ld_arena *arena, void ***out, size_t *n)
{
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[db], &cur);
	if (rc)
		return rc;
	MDB_stat ms;
	mdb_stat(t->txn, t->st->dbi[db], &ms);
	void **list = ld_arena_alloc(arena, (ms.ms_entries + 1) * sizeof(*list));
	size_t count = 0;
	MDB_val k, v;
	if (!list) {
		mdb_cursor_close(cur);
		return ENOMEM;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && count < ms.ms_entries;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		list[count] = protobuf_c_message_unpack(desc, &arena->pb, v.mv_size, v.mv_data);
		if (!list[count]) {
			rc = MDB_CORRUPTED;
			break;
		}
		count++;
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	*out = list;
	*n = count;
	return 0;
}

int user_all(store_txn *t, ld_arena *arena, user_record ***out, size_t *n)
{
	return load_all(t, DB_USERS, &leadd__store__user_record__descriptor, arena, (void ***)out,
			n);
}

int team_all(store_txn *t, ld_arena *arena, team_record ***out, size_t *n)
{
	return load_all(t, DB_TEAMS, &leadd__store__team_record__descriptor, arena, (void ***)out,
			n);
}

static void add_team(principal_t *who, uint64_t id)
{
	if (!id || principal_has_team(who, id) || who->n_teams >= PRINCIPAL_MAX_TEAMS)
		return;
	who->teams[who->n_teams++] = id;
}

int principal_has_team(const principal_t *who, uint64_t team_id)
{
	for (uint32_t i = 0; i < who->n_teams; i++)
		if (who->teams[i] == team_id)
			return 1;
	return 0;
}

int user_principal(store_txn *t, const user_record *u, ld_arena *arena, principal_t *who)
{
	memset(who, 0, sizeof(*who));
	who->user_id = u->id;
	char key[USER_NAME_KEY_MAX + 1];
	if (user_name_key(u->name, key) == 0)
		snprintf(who->name_key, sizeof(who->name_key), "%.71s", key);
	who->role = role_from_wire(u->role);
	add_team(who, u->team_id);
	if (who->role < ROLE_MANAGER)
		return 0;
	team_record **teams;
	size_t n;
	int rc = team_all(t, arena, &teams, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		for (size_t m = 0; m < teams[i]->n_manager_ids; m++)
			if (teams[i]->manager_ids[m] == u->id)
				add_team(who, teams[i]->id);
	return 0;
}

int user_teams_seen(store_txn *t, ld_arena *arena, uint64_t user_id, uint64_t own_team,
		    uint64_t team_id, int managed, size_t *count)
{
	team_record **teams;
	size_t n;
	int rc = team_all(t, arena, &teams, &n);
	if (rc)
		return rc;
	*count = own_team ? 1 : 0;
	if (!team_id && managed)
		(*count)++; /* the team being created */
	for (size_t i = 0; i < n; i++) {
		if (teams[i]->id == own_team)
			continue;
		int manages = 0;
		if (team_id && teams[i]->id == team_id)
			manages = managed;
		else
			for (size_t m = 0; m < teams[i]->n_manager_ids && !manages; m++)
				manages = teams[i]->manager_ids[m] == user_id;
		*count += (size_t)manages;
	}
	return 0;
}

int team_next_rep(store_txn *t, const team_record *tm, ld_arena *arena, uint64_t *user_id)
{
	user_record **users;
	size_t n;
	int rc = user_all(t, arena, &users, &n);
	if (rc)
		return rc;
	uint64_t first = 0, next = 0;
	/* Users come in id order: the first active rep after the mark, else
	 * the first of all (wrap around). */
	for (size_t i = 0; i < n; i++) {
		const user_record *u = users[i];
		if (u->team_id != tm->id || u->disabled || u->role != LEADD__ROLE__ROLE_REP)
			continue;
		if (!first)
			first = u->id;
		if (!next && u->id > tm->round_robin_last)
			next = u->id;
	}
	*user_id = next ? next : first;
	return 0;
}

Leadd__User *user_to_wire(store_txn *t, const user_record *u, ld_arena *arena)
{
	Leadd__User *w = ld_arena_alloc(arena, sizeof(*w));
	if (!w)
		return NULL;
	leadd__user__init(w);
	w->has_id = w->has_role = w->has_team_id = w->has_disabled = w->has_created_at = 1;
	w->id = u->id;
	w->name = u->name;
	w->role = u->role;
	w->team_id = u->team_id;
	w->disabled = u->disabled;
	w->created_at = u->created_at;
	team_record *tm;
	if (u->team_id && team_load(t, u->team_id, arena, &tm) == 0)
		w->team_name = tm->name;
	return w;
}

Leadd__Team *team_to_wire(store_txn *t, const team_record *tm, ld_arena *arena)
{
	Leadd__Team *w = ld_arena_alloc(arena, sizeof(*w));
	if (!w)
		return NULL;
	leadd__team__init(w);
	w->has_id = w->has_round_robin = w->has_pool_visible = 1;
	w->id = tm->id;
	w->name = tm->name;
	w->round_robin = tm->round_robin;
	w->pool_visible = tm->pool_visible;
	w->n_manager_ids = tm->n_manager_ids;
	w->manager_ids = tm->manager_ids;
	w->manager_names = ld_arena_alloc(arena, (tm->n_manager_ids + 1) * sizeof(char *));
	for (size_t i = 0; w->manager_names && i < tm->n_manager_ids; i++) {
		user_record *u;
		if (user_load(t, tm->manager_ids[i], arena, &u) == 0)
			w->manager_names[w->n_manager_names++] = u->name;
	}
	user_record **users;
	size_t n;
	if (user_all(t, arena, &users, &n) == 0) {
		w->member_names = ld_arena_alloc(arena, (n + 1) * sizeof(char *));
		for (size_t i = 0; w->member_names && i < n; i++)
			if (users[i]->team_id == tm->id)
				w->member_names[w->n_member_names++] = users[i]->name;
	}
	return w;
}

role_t role_from_wire(Leadd__Role r)
{
	switch (r) {
	case LEADD__ROLE__ROLE_REP:
		return ROLE_REP;
	case LEADD__ROLE__ROLE_MANAGER:
		return ROLE_MANAGER;
	case LEADD__ROLE__ROLE_ADMIN:
		return ROLE_ADMIN;
	default:
		return ROLE_NONE;
	}
}

Leadd__Role role_to_wire(role_t r)
{
	switch (r) {
	case ROLE_REP:
		return LEADD__ROLE__ROLE_REP;
	case ROLE_MANAGER:
		return LEADD__ROLE__ROLE_MANAGER;
	case ROLE_ADMIN:
		return LEADD__ROLE__ROLE_ADMIN;
	default:
		return LEADD__ROLE__ROLE_UNSPECIFIED;
	}
}

uint64_t user_count(store_txn *t)
{
	MDB_stat ms;
	return mdb_stat(t->txn, t->st->dbi[DB_USERS], &ms) == 0 ? ms.ms_entries : 0;
}
