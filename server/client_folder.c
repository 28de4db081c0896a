#include "client_folder.h"

#include <errno.h>
#include <string.h>

#include "ld_norm.h"
#include "leadd_store.pb-c.h"
#include "request_limits.h"

int client_ensure(store_txn *t, const char *name, int64_t now, ld_arena *arena, uint64_t *id,
		  char **display)
{
	/* Folded by Unicode rules (ld_norm_name), so "MAISON LEFÈVRE SA" and
	 * "Maison Lefèvre SA" are one folder. A name whose folded form is over
	 * the key limit is refused without failing the transaction. */
	char norm[CLIENT_NAME_KEY_MAX + 1];
	if (t->ret)
		return t->ret;
	if (ld_norm_name(name, norm, sizeof(norm)) < 0 || !norm[0])
		return EINVAL;
	MDB_val v;
	if (store_get(t, DB_CLIENT_NAMES, norm, strlen(norm), &v) == 0) {
		if (v.mv_size != 8)
			return t->ret = MDB_CORRUPTED;
		*id = store_key_get_u64(v.mv_data);
		Leadd__Store__ClientRecord *rec;
		uint8_t key[8];
		store_key_u64(key, *id);
		if (store_get_msg(t, DB_CLIENTS, key, 8, &leadd__store__client_record__descriptor,
				  arena, (ProtobufCMessage **)&rec) != 0)
			return t->ret ? t->ret : (t->ret = MDB_CORRUPTED);
		*display = rec->name;
		return 0;
	}
	if (t->ret)
		return t->ret;
	Leadd__Store__ClientRecord rec = LEADD__STORE__CLIENT_RECORD__INIT;
	rec.has_id = rec.has_created_at = 1;
	rec.id = store_meta_next(t, META_NEXT_CLIENT_ID);
	rec.created_at = now;
	/* Keep the name as typed (trimmed) for display. */
	char *trimmed = ld_arena_alloc(arena, strlen(name) + 1);
	if (!trimmed)
		return t->ret = ENOMEM;
	const char *s = name;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	memcpy(trimmed, s, n);
	trimmed[n] = 0;
	rec.name = trimmed;
	uint8_t key[8];
	store_key_u64(key, rec.id);
	store_put_msg(t, DB_CLIENTS, key, 8, &rec.base);
	store_put(t, DB_CLIENT_NAMES, norm, strlen(norm), key, 8, MDB_NOOVERWRITE);
	*id = rec.id;
	*display = trimmed;
	return t->ret;
}

/* Placeholders until folder keys and near matches are built (issue 10). */
int client_name_key(const char *name, char *out, size_t outlen)
{
	if (ld_norm_name(name, out, outlen) < 0 || !out[0])
		return -1;
	return 0;
}

int client_resolve(store_txn *t, const char *name, int allow_near, int64_t now, ld_arena *arena,
		   uint64_t *id, char **display, char **near)
{
	(void)allow_near;
	*near = NULL;
	int err = client_ensure(t, name, now, arena, id, display);
	return err == EINVAL ? CLIENT_BAD_NAME : err;
}
