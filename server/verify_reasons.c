/* leadd verify: the dead and lost reasons (reasons.h). Every record
 * decodes, sits under the key its own team and folded text give, holds a
 * text a request could have added (UTF-8, one line, at most LIMIT_REASON
 * bytes), names a team that exists (or none: every team's), and no list
 * holds more than REASONS_PER_TEAM_MAX. Leads keep the text of their
 * reason, so a lead's reason needs no record. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_norm.h"
#include "reasons.h"
#include "request_limits.h"
#include "users.h"
#include "verify_record.h"

static void shown(const void *p, size_t n, char *out, size_t outlen)
{
	char raw[8 + REASON_KEY_TEXT_MAX + 1];
	n = n < sizeof(raw) - 1 ? n : sizeof(raw) - 1;
	memcpy(raw, p, n);
	raw[n] = 0;
	ld_text_escape(raw, 0, out, outlen);
}

/* One record: the number of problems found. */
static uint64_t check_one(store_txn *t, ld_arena *arena, const MDB_val *k, const MDB_val *v)
{
	char what[4 * (REASON_KEY_TEXT_MAX + 1) + 64];
	if (k->mv_size <= 8) {
		printf("verify: reasons: a key of %zu bytes holds no team and text\n", k->mv_size);
		return 1;
	}
	uint64_t team = store_key_get_u64(k->mv_data);
	shown((const char *)k->mv_data + 8, k->mv_size - 8, what, sizeof(what));
	reason_record *r = leadd__store__reason_record__unpack(&arena->pb, v->mv_size, v->mv_data);
	if (!r) {
		printf("verify: reasons: team %" PRIu64 ", '%s': the record does not decode\n",
		       team, what);
		return 1;
	}
	uint8_t key[8 + REASON_KEY_TEXT_MAX + 1];
	size_t len;
	if (!r->text || strlen(r->text) > LIMIT_REASON ||
	    ld_text_check(r->text, strlen(r->text), 0, &(uint32_t){0}) >= 0 ||
	    reason_key(r->team_id, r->text, key, &len) < 0) {
		printf("verify: reasons: team %" PRIu64 ", '%s': the text is missing, longer than "
		       "%d bytes, or not one line of text\n",
		       team, what, LIMIT_REASON);
		return 1;
	}
	if (r->team_id != team || len != k->mv_size || memcmp(key, k->mv_data, len) != 0) {
		printf("verify: reasons: team %" PRIu64 ", '%s': the record (team %" PRIu64
		       ") is not under its own team and folded text\n",
		       team, what, r->team_id);
		return 1;
	}
	team_record *tm;
	int err = team ? team_load(t, team, arena, &tm) : 0;
	if (err == MDB_NOTFOUND) {
		printf("verify: reasons: '%s' belongs to team %" PRIu64 ", which does not exist\n",
		       what, team);
		return 1;
	}
	if (err && !t->ret)
		t->ret = err;
	return 0;
}

uint64_t verify_reasons(store_txn *t, ld_arena *arena)
{
	uint64_t problems = 0, team = 0, in_team = 0;
	int any = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_REASONS], &cur)))
		return 0;
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		ld_arena_reset(arena);
		problems += check_one(t, arena, &k, &v);
		uint64_t this = k.mv_size >= 8 ? store_key_get_u64(k.mv_data) : 0;
		if (!any || this != team) {
			team = this;
			in_team = 0;
			any = 1;
		}
		if (++in_team == REASONS_PER_TEAM_MAX + 1) {
			printf("verify: reasons: team %" PRIu64 " has more than %d reasons\n", team,
			       REASONS_PER_TEAM_MAX);
			problems++;
		}
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	return problems;
}
