/* leadd verify: renewal links (lead_renew, archive_renew.c). A renewal's
 * renewed_from names a lead that lists it among its renewals, and every
 * lead a renewals list names renews that lead: lead_renew writes both in
 * one transaction, so one without the other is damage. A list holds no
 * lead twice, not the lead itself, and at most LEAD_RENEWALS_MAX; a renewal
 * is newer than its origin (no cycles). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "lifecycle_handlers.h"
#include "verify_record.h"

static uint64_t problem(uint64_t id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static uint64_t problem(uint64_t id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("verify: lead %" PRIu64 ": ", id);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	return 1;
}

/* The lead `other` (0: missing or not decodable, reported; an LMDB error
 * is left in t->ret). Loaded into `arena`, which the caller resets. */
static const Leadd__Lead *load(store_txn *t, ld_arena *arena, uint64_t other)
{
	uint8_t key[8];
	MDB_val v;
	store_key_u64(key, other);
	/* Not lead_load: a lead that does not decode is the lead check's to
	 * report, and must not stop this walk with a sticky error. */
	if (store_get(t, DB_LEADS, key, 8, &v))
		return NULL;
	return leadd__lead__unpack(&arena->pb, v.mv_size, v.mv_data);
}

static int lists(const Leadd__Lead *l, uint64_t id)
{
	for (size_t i = 0; i < l->n_renewals; i++)
		if (l->renewals[i] == id)
			return 1;
	return 0;
}

static uint64_t check_lead(store_txn *t, ld_arena *scratch, const Leadd__Lead *l)
{
	uint64_t problems = 0;
	if (l->renewed_from) {
		ld_arena_reset(scratch);
		const Leadd__Lead *o = l->renewed_from == l->id ? NULL
								: load(t, scratch, l->renewed_from);
		if (l->renewed_from == l->id)
			problems += problem(l->id, "renews itself (renewed_from %" PRIu64 ")",
					    l->id);
		/* A renewal is made after its origin, so its id is the larger:
		 * links that agree both ways can still form a cycle (found by
		 * atk_lifecycle_damage), which only this order rules out. */
		else if (l->renewed_from > l->id)
			problems += problem(l->id,
					    "renews lead %" PRIu64 ", a newer lead (a renewal is "
					    "always made after its origin)",
					    l->renewed_from);
		else if (!o)
			problems += problem(l->id, "renews lead %" PRIu64 ", which does not exist",
					    l->renewed_from);
		else if (!lists(o, l->id))
			problems += problem(
				l->id, "renews lead %" PRIu64 ", whose renewals do not list it",
				l->renewed_from);
	}
	if (l->n_renewals > LEAD_RENEWALS_MAX)
		problems += problem(l->id, "lists %" PRIu64 " renewals, more than a lead keeps",
				    (uint64_t)l->n_renewals);
	for (size_t i = 0; i < l->n_renewals && !t->ret; i++) {
		uint64_t r = l->renewals[i];
		for (size_t j = 0; j < i; j++)
			if (l->renewals[j] == r) {
				problems += problem(l->id, "lists renewal %" PRIu64 " twice", r);
				break;
			}
		ld_arena_reset(scratch);
		const Leadd__Lead *n = r == l->id ? NULL : load(t, scratch, r);
		if (!n)
			problems += problem(l->id,
					    "lists renewal %" PRIu64 ", which does not exist "
					    "(or is the lead itself)",
					    r);
		else if (n->renewed_from != l->id)
			problems += problem(
				l->id, "lists renewal %" PRIu64 ", which renews another lead", r);
	}
	return problems;
}

uint64_t verify_renewals(store_txn *t, ld_arena *arena)
{
	uint64_t problems = 0;
	MDB_cursor *cur;
	MDB_val k, d;
	ld_arena scratch;
	ld_arena_init(&scratch, 0);
	if (t->ret || (t->ret = mdb_cursor_open(t->txn, t->st->dbi[DB_LEADS], &cur))) {
		ld_arena_free(&scratch);
		return 0;
	}
	int rc;
	for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0 && !t->ret;
	     rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		ld_arena_reset(arena);
		Leadd__Lead *l = leadd__lead__unpack(&arena->pb, d.mv_size, d.mv_data);
		if (!l || (!l->renewed_from && !l->n_renewals))
			continue; /* the lead check reports one that does not decode */
		problems += check_lead(t, &scratch, l);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND && !t->ret)
		t->ret = rc;
	ld_arena_free(&scratch);
	return problems;
}
