/* leadd verify: the status list as a whole (status_admin.c keeps it so).
 * Each record decoding and naming its own id is verify.c's check; here:
 * positions are 1..n with none twice (the display order is total), a
 * stage has at most one conversion target, names are unique when folded
 * and no class word, stage, class and probability are in range, the list
 * is within STATUS_MAX, and a status of class new exists (new leads go to
 * the first). The meta mark of the last status change (STATUS_META_REVISION)
 * is a number no later than the last revision. That every lead's status
 * exists is the lead check's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ld_norm.h"
#include "status.h"
#include "verify_record.h"

#define FOLDED_MAX 512

static const char *shown(const char *name, char *buf, size_t len)
{
	ld_text_escape(name ? name : "", 0, buf, len);
	return buf;
}

uint64_t verify_status_list(store_txn *t, ld_arena *arena)
{
	Leadd__Status **s;
	size_t n;
	ld_arena_reset(arena);
	int err = status_all_sorted(t, arena, &s, &n);
	if (err == MDB_CORRUPTED)
		return 0; /* verify.c's record check names the record */
	if (err) {
		t->ret = t->ret ? t->ret : err;
		return 0;
	}
	uint64_t problems = 0;
	char a[256], b[256];
	if (n > STATUS_MAX) {
		printf("verify: statuses: %zu of them, more than the %d leadd keeps\n", n,
		       STATUS_MAX);
		problems++;
	}
	int has_new = 0;
	uint64_t target[4] = {0, 0, 0, 0};
	for (size_t i = 0; i < n; i++) {
		const Leadd__Status *x = s[i];
		shown(x->name, a, sizeof(a));
		/* Sorted by position: 1..n means the i-th has i + 1. */
		if (!x->has_position || x->position != i + 1) {
			printf("verify: status %" PRIu64 " '%s': position %" PRIu32
			       ", where %zu was expected (positions run 1 to %zu, each once)\n",
			       x->id, a, x->position, i + 1, n);
			problems++;
		}
		if (x->stage < LEADD__STAGE__STAGE_LEAD ||
		    x->stage > LEADD__STAGE__STAGE_CUSTOMER) {
			printf("verify: status %" PRIu64 " '%s': stage %d is none of lead, "
			       "prospect, customer\n",
			       x->id, a, (int)x->stage);
			problems++;
		} else if (x->conversion_target) {
			if (target[x->stage]) {
				printf("verify: status %" PRIu64
				       " '%s': a second conversion target "
				       "of stage %s (status %" PRIu64 " is one)\n",
				       x->id, a, status_stage_word(x->stage), target[x->stage]);
				problems++;
			} else {
				target[x->stage] = x->id;
			}
		}
		if (x->kpi_class < LEADD__KPI_CLASS__KPI_NONE ||
		    x->kpi_class > LEADD__KPI_CLASS__KPI_WON) {
			printf("verify: status %" PRIu64 " '%s': KPI class %d is unknown\n", x->id,
			       a, (int)x->kpi_class);
			problems++;
		}
		has_new |= x->kpi_class == LEADD__KPI_CLASS__KPI_NEW;
		if (x->probability > 100) {
			printf("verify: status %" PRIu64 " '%s': probability %" PRIu32
			       " is over 100\n",
			       x->id, a, x->probability);
			problems++;
		}
		char fx[FOLDED_MAX], fy[FOLDED_MAX];
		if (!x->name || ld_norm_name(x->name, fx, sizeof(fx)) < 0 || !fx[0]) {
			printf("verify: status %" PRIu64 " '%s': the name is empty or not UTF-8\n",
			       x->id, a);
			problems++;
			continue;
		}
		if (status_is_class_word(fx)) {
			printf("verify: status %" PRIu64 " '%s': named as a KPI class, which "
			       "status words read as the class\n",
			       x->id, a);
			problems++;
		}
		for (size_t j = 0; j < i; j++)
			if (s[j]->name && ld_norm_name(s[j]->name, fy, sizeof(fy)) == 0 &&
			    strcmp(fx, fy) == 0) {
				printf("verify: statuses %" PRIu64 " '%s' and %" PRIu64
				       " '%s' have the same name\n",
				       s[j]->id, shown(s[j]->name, b, sizeof(b)), x->id, a);
				problems++;
			}
	}
	if (n && !has_new) {
		printf("verify: statuses: none is of class new, which new leads get\n");
		problems++;
	}
	MDB_val mark;
	err = store_get(t, DB_META, STATUS_META_REVISION, strlen(STATUS_META_REVISION), &mark);
	if (err == 0 && mark.mv_size != 8) {
		printf("verify: meta: %s is %zu bytes long (a number takes 8)\n",
		       STATUS_META_REVISION, mark.mv_size);
		problems++;
	} else if (err == 0 &&
		   store_key_get_u64(mark.mv_data) > store_meta_get(t, META_LAST_REVISION)) {
		printf("verify: meta: %s is %" PRIu64 ", past the last revision %" PRIu64 "\n",
		       STATUS_META_REVISION, store_key_get_u64(mark.mv_data),
		       store_meta_get(t, META_LAST_REVISION));
		problems++;
	}
	return problems; /* an LMDB error is in t->ret (store_get) */
}
